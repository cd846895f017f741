// SOURCES: src/lib/sha256.c
/* SHA-256 against FIPS 180-4 / NIST test vectors, incremental updates of
 * every split, and the one-million-'a' vector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <adros/sha256.h>

static void hex_of(const void *data, size_t len, char hex[65])
{
    uint8_t d[32];
    sha256(data, len, d);
    sha256_hex(d, hex);
}

static void known_vectors(void **state)
{
    static const struct { const char *in, *out; } v[] = {
        { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
    };
    char hex[65];
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        hex_of(v[i].in, strlen(v[i].in), hex);
        assert_string_equal(hex, v[i].out);
    }
}

static void million_a(void **state)
{
    struct sha256_ctx c;
    char chunk[1000];
    memset(chunk, 'a', sizeof(chunk));
    sha256_init(&c);
    for (int i = 0; i < 1000; i++)
        sha256_update(&c, chunk, sizeof(chunk));
    uint8_t d[32];
    char hex[65];
    sha256_final(&c, d);
    sha256_hex(d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every way of cutting a message into two updates gives the same digest,
 * across the 55/56/64-byte padding edges. */
static void split_updates(void **state)
{
    uint8_t msg[200];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof(msg); len++) {
        uint8_t whole[32];
        sha256(msg, len, whole);
        for (size_t cut = 0; cut <= len; cut += (len > 70 ? 7 : 1)) {
            struct sha256_ctx c;
            uint8_t d[32];
            sha256_init(&c);
            sha256_update(&c, msg, cut);
            sha256_update(&c, msg + cut, len - cut);
            sha256_final(&c, d);
            assert_memory_equal(d, whole, 32);
        }
    }
    /* 55 bytes: the longest message whose length fits in its last block
     * (digest from the host's sha256sum). */
    char hex[65];
    hex_of("0123456789012345678901234567890123456789012345678901234", 55, hex);
    assert_string_equal(hex, "f34d5a0f80c0cbf84c8c0b90218c22637abd199965249da736a20143c8c9c9d9");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_vectors),
        cmocka_unit_test(million_a),
        cmocka_unit_test(split_updates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
