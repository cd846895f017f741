// SOURCES: src/lib/http.c
/* Host tests of the HTTP pieces of fetch and httpd (src/lib/http.c): URLs,
 * head scanning and its limits, request and response parsing, request-path
 * decoding, confinement to a served directory on a fake file system with
 * symbolic links, and the escaping used by directory listings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* AdrOS's errno numbers (NetBSD's); its strerror is not the C library's. */
#define strerror adros_strerror
#include <adros/errno.h>
#undef strerror
#include <adros/http.h>

/* ---- URLs ---- */
static void test_url(void **st)
{
    struct http_url u;
    assert_int_equal(http_parse_url("http://10.0.2.100/big.bin", &u), 0);
    assert_string_equal(u.host, "10.0.2.100");
    assert_int_equal(u.port, 80);
    assert_string_equal(u.path, "/big.bin");
    assert_int_equal(http_parse_url("HTTP://10.0.9.2:8080", &u), 0);
    assert_int_equal(u.port, 8080);
    assert_string_equal(u.path, "/");
    assert_int_equal(http_parse_url("http://1.2.3.4:1/a/b?x=1#frag", &u), 0);
    assert_string_equal(u.path, "/a/b?x=1");
    assert_int_equal(u.port, 1);
    assert_int_equal(http_parse_url("http://1.2.3.4?q", &u), 0);
    assert_string_equal(u.path, "/?q");
    assert_int_equal(http_parse_url("http://[fe80::1%1]:81/x", &u), 0);
    assert_string_equal(u.host, "fe80::1%1");
    assert_int_equal(u.port, 81);
    assert_int_equal(http_parse_url("http://host-name.example/", &u), 0);
    assert_string_equal(u.host, "host-name.example");
}

static void test_url_bad(void **st)
{
    struct http_url u;
    assert_int_equal(http_parse_url("https://1.2.3.4/", &u), -EPROTONOSUPPORT);
    assert_int_equal(http_parse_url("ftp://1.2.3.4/", &u), -EPROTONOSUPPORT);
    assert_int_equal(http_parse_url("1.2.3.4/x", &u), -EINVAL);
    assert_int_equal(http_parse_url("", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://", &u), -EINVAL);
    assert_int_equal(http_parse_url("http:///x", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://:80/x", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://1.2.3.4:/x", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://1.2.3.4:0/x", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://1.2.3.4:65536/x", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://1.2.3.4:123456/x", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://1.2.3.4:8a/x", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://user@1.2.3.4/x", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://1.2.3.4/a b", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://1.2.3.4/a\rb", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://[::1/x", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://[::1]x/", &u), -EINVAL);
    assert_int_equal(http_parse_url("http://a_b/", &u), -EINVAL);
    char big[3000] = "http://1.2.3.4/";
    memset(big + strlen(big), 'a', 2000);
    big[2015] = '\0';
    assert_int_equal(http_parse_url(big, &u), -ENAMETOOLONG);
    char host[200] = "http://";
    memset(host + 7, 'a', 100);
    host[107] = '\0';
    assert_int_equal(http_parse_url(host, &u), -ENAMETOOLONG);
}

/* ---- head scanning ---- */
static int scan(const char *s) { return http_head_scan(s, strlen(s)); }

static void test_head_scan(void **st)
{
    assert_int_equal(scan(""), 0);
    assert_int_equal(scan("GET / HTTP/1.0\r\n"), 0);
    assert_int_equal(scan("GET / HTTP/1.0\r\nHost: x\r\n\r"), 0);
    assert_int_equal(scan("GET / HTTP/1.0\r\n\r\n"), 18);
    assert_int_equal(scan("GET / HTTP/1.0\n\n"), 16);
    assert_int_equal(scan("GET / HTTP/1.0\r\nA: b\r\n\r\nBODY"), 24);
    assert_int_equal(scan("\r\n"), -400);
    assert_int_equal(scan("GET /\rx HTTP/1.0\r\n\r\n"), -400);
    assert_int_equal(http_head_scan("GET /\0 HTTP/1.0\r\n\r\n", 19), -400);
}

static void test_head_limits(void **st)
{
    static char buf[HTTP_HEAD_MAX + 4096];
    /* A request line of exactly HTTP_LINE_MAX is fine; one more is 414,
     * known before the line ends. */
    memset(buf, 'a', sizeof(buf));
    memcpy(buf, "GET /", 5);
    memcpy(buf + HTTP_LINE_MAX - 9, " HTTP/1.0\r\n\r\n", 13);
    assert_int_equal(http_head_scan(buf, HTTP_LINE_MAX + 4), HTTP_LINE_MAX + 4);
    memset(buf, 'a', sizeof(buf));
    memcpy(buf, "GET /", 5);
    assert_int_equal(http_head_scan(buf, HTTP_LINE_MAX), 0);
    assert_int_equal(http_head_scan(buf, HTTP_LINE_MAX + 1), -414);
    /* A long header line: 431. */
    size_t o = (size_t)sprintf(buf, "GET / HTTP/1.0\r\nX: ");
    memset(buf + o, 'b', HTTP_LINE_MAX);
    assert_int_equal(http_head_scan(buf, o + HTTP_LINE_MAX), -431);
    /* Too many header lines: 431. */
    o = (size_t)sprintf(buf, "GET / HTTP/1.0\r\n");
    for (int i = 0; i < HTTP_HEADERS_MAX; i++)
        o += (size_t)sprintf(buf + o, "H%d: v\r\n", i);
    assert_int_equal(http_head_scan(buf, o), 0);
    o += (size_t)sprintf(buf + o, "One: more\r\n");
    assert_int_equal(http_head_scan(buf, o), -431);
    /* A head over HTTP_HEAD_MAX of short lines that never ends: 431. */
    o = (size_t)sprintf(buf, "GET / HTTP/1.0\r\n");
    while (o < HTTP_HEAD_MAX)
        o += (size_t)sprintf(buf + o, "X: %01000d\r\n", 0);
    int r = http_head_scan(buf, o);
    assert_int_equal(r, -431);
}

/* ---- requests ---- */
static int req(const char *s, struct http_request *r) { return http_parse_request(s, strlen(s), r); }

static void test_request(void **st)
{
    struct http_request r;
    assert_int_equal(req("GET /a/b.txt HTTP/1.0\r\n\r\n", &r), 0);
    assert_int_equal(r.method, HTTP_M_GET);
    assert_string_equal(r.target, "/a/b.txt");
    assert_int_equal(r.major, 1);
    assert_int_equal(r.minor, 0);
    assert_false(r.has_host);
    assert_int_equal(req("HEAD /x?y=1#z HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: t\r\n\r\n", &r), 0);
    assert_int_equal(r.method, HTTP_M_HEAD);
    assert_string_equal(r.target, "/x");
    assert_int_equal(r.minor, 1);
    assert_true(r.has_host);
    assert_int_equal(req("POST / HTTP/1.0\n\n", &r), 0);
    assert_int_equal(r.method, HTTP_M_OTHER);
    assert_string_equal(r.method_name, "POST");
    assert_int_equal(req("get / HTTP/1.0\r\n\r\n", &r), 0); /* methods are case-sensitive */
    assert_int_equal(r.method, HTTP_M_OTHER);
    assert_int_equal(req("GET http://10.0.2.15/dir/f HTTP/1.0\r\n\r\n", &r), 0);
    assert_string_equal(r.target, "/dir/f");
    assert_int_equal(req("GET http://10.0.2.15 HTTP/1.0\r\n\r\n", &r), 0);
    assert_string_equal(r.target, "/");
    assert_int_equal(req("GET /h HTTP/1.0\r\nX-Empty:\r\nTabs:\tv\t\r\n\r\n", &r), 0);
}

static void test_request_bad(void **st)
{
    struct http_request r;
    const char *bad400[] = {
        "", "\r\n", "GET\r\n\r\n", "GET /\r\n\r\n", "GET / \r\n\r\n", "GET  / HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.0 \r\n\r\n", "GET / HTTP/1\r\n\r\n", "GET / HTTP/1.10\r\n\r\n", "GET / http/1.0\r\n\r\n",
        "GET x HTTP/1.0\r\n\r\n", "GET ../x HTTP/1.0\r\n\r\n", "GET * HTTP/1.0\r\n\r\n",
        "GET /\x01 HTTP/1.0\r\n\r\n", "GET /\xc3\xa9 HTTP/1.0\r\n\r\n", "G(T / HTTP/1.0\r\n\r\n",
        "VERYLONGMETHODNAME / HTTP/1.0\r\n\r\n", "GET / HTTP/1.0\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.0\r\nBad Name: x\r\n\r\n", "GET / HTTP/1.0\r\nName : x\r\n\r\n",
        "GET / HTTP/1.0\r\n: x\r\n\r\n", "GET / HTTP/1.0\r\nA: b\r\n folded\r\n\r\n",
        "GET / HTTP/1.0\r\nA: b\x01\r\n\r\n", "GET ?x HTTP/1.0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad400) / sizeof(bad400[0]); i++) {
        if (req(bad400[i], &r) != 400)
            fail_msg("expected 400 for %zu: %s", i, bad400[i]);
    }
    assert_int_equal(req("GET / HTTP/2.0\r\n\r\n", &r), 505);
    assert_int_equal(req("GET / HTTP/0.9\r\n\r\n", &r), 505);
    static char big[HTTP_PATH_MAX + 64];
    strcpy(big, "GET /");
    memset(big + 5, 'a', HTTP_PATH_MAX);
    strcpy(big + 5 + HTTP_PATH_MAX, " HTTP/1.0\r\n\r\n");
    assert_int_equal(req(big, &r), 414);
}

/* ---- responses ---- */
static int resp(const char *s, struct http_response *r) { return http_parse_response(s, strlen(s), r); }

static void test_response(void **st)
{
    struct http_response r;
    assert_int_equal(resp("HTTP/1.0 200 OK\r\nContent-Length: 8388608\r\nContent-Type: x\r\n\r\n", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.content_length, 8388608);
    assert_string_equal(r.status_line, "HTTP/1.0 200 OK");
    assert_int_equal(resp("HTTP/1.1 404 Not Found\n\n", &r), 0);
    assert_int_equal(r.status, 404);
    assert_int_equal(r.content_length, -1);
    assert_string_equal(r.status_line, "HTTP/1.1 404 Not Found");
    assert_int_equal(resp("HTTP/1.0 204\r\n\r\n", &r), 0);
    assert_int_equal(resp("HTTP/1.0 200 OK\r\ncontent-length:  12 \r\nContent-Length: 12\r\n\r\n", &r), 0);
    assert_int_equal(r.content_length, 12);
    assert_int_equal(resp("HTTP/1.0 200 OK\r\nContent-Length: 99999999999\r\n\r\n", &r), 0);
    assert_true(r.content_length == 99999999999LL);
    const char *bad[] = {
        "", "HTTP/1.0\r\n\r\n", "HTTP/1.0 20\r\n\r\n", "HTTP/1.0 2000 OK\r\n\r\n", "HTTP/2.0 200 OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n", "HTTP/1.0 099 x\r\n\r\n", "HTTP/1.0 600 x\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.0 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length:\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: 1234567890123456789\r\n\r\n", "HTTP/1.0 200 OK\r\nbroken\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (resp(bad[i], &r) != -EBADMSG)
            fail_msg("expected -EBADMSG for %zu: %s", i, bad[i]);
}

/* ---- request paths ---- */
static const char *dec(const char *t, int *status)
{
    static char out[HTTP_PATH_MAX];
    *status = http_decode_path(t, out, sizeof(out));
    return *status ? "(error)" : out;
}

static void test_decode(void **st)
{
    int s;
    assert_string_equal(dec("/", &s), "");
    assert_string_equal(dec("/a/b.txt", &s), "a/b.txt");
    assert_string_equal(dec("//a///b/", &s), "a/b");
    assert_string_equal(dec("/./a/./b/.", &s), "a/b");
    assert_string_equal(dec("/a%20b/%41%62", &s), "a b/Ab");
    assert_string_equal(dec("/...", &s), "...");
    assert_string_equal(dec("/..a/a..", &s), "..a/a..");
    assert_string_equal(dec("/%2e", &s), "");
    assert_string_equal(dec("/%c3%a9", &s), "\xc3\xa9");
    dec("/..", &s);
    assert_int_equal(s, 403);
    dec("/a/../../etc/passwd", &s);
    assert_int_equal(s, 403);
    dec("/%2e%2e/secret", &s);
    assert_int_equal(s, 403);
    dec("/%2E%2E", &s);
    assert_int_equal(s, 403);
    dec("/.%2e/x", &s);
    assert_int_equal(s, 403);
    dec("/%2fetc%2fpasswd", &s);
    assert_int_equal(s, 403);
    dec("/a%2F..%2Fb", &s);
    assert_int_equal(s, 403);
    dec("a/b", &s);
    assert_int_equal(s, 400);
    dec("/a%", &s);
    assert_int_equal(s, 400);
    dec("/a%4", &s);
    assert_int_equal(s, 400);
    dec("/a%zz", &s);
    assert_int_equal(s, 400);
    dec("/a%00b", &s);
    assert_int_equal(s, 400);
    dec("/a%0d%0a", &s);
    assert_int_equal(s, 400);
    char small[4];
    assert_int_equal(http_decode_path("/abc", small, sizeof(small)), 0);
    assert_string_equal(small, "abc");
    assert_int_equal(http_decode_path("/abcd", small, sizeof(small)), 414);
    assert_int_equal(http_decode_path("/ab/c", small, sizeof(small)), 414);
    assert_int_equal(http_decode_path("/ab/", small, sizeof(small)), 0);
    assert_string_equal(small, "ab");
}

/* ---- confinement, on a fake file system ---- */
struct fent {
    const char *path;
    char type; /* d, f, l */
    const char *target;
};
static const struct fent fs[] = {
    { "/srv", 'd', NULL }, { "/srv/secret.txt", 'f', NULL }, { "/srv/www", 'd', NULL },
    { "/srv/www/index.html", 'f', NULL }, { "/srv/www/sub", 'd', NULL }, { "/srv/www/sub/f", 'f', NULL },
    { "/srv/www/in", 'l', "sub/f" }, { "/srv/www/in-abs", 'l', "/srv/www/sub/f" },
    { "/srv/www/in-round", 'l', "../www/sub/f" }, { "/srv/www/up", 'l', "../secret.txt" },
    { "/srv/www/abs", 'l', "/srv/secret.txt" }, { "/srv/www/dirout", 'l', ".." },
    { "/srv/www/root", 'l', "/" }, { "/srv/www/self", 'l', "." }, { "/srv/www/loop", 'l', "loop" },
    { "/srv/www/sub/back", 'l', "../index.html" }, { "/srv/www/sub/deepout", 'l', "../../secret.txt" },
    { "/srv/www/empty", 'l', "" }, { "/srv/www/dirlink", 'l', "sub" }, { "/etc", 'd', NULL },
    { "/etc/passwd", 'f', NULL }, { "/srv/www/etc", 'l', "/etc" },
};
static char looked[64][HTTP_PATH_MAX];
static int nlooked;

static int fake_lookup(void *ctx, const char *path, char *buf, size_t size)
{
    if (nlooked < 64)
        snprintf(looked[nlooked++], HTTP_PATH_MAX, "%s", path);
    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
        if (strcmp(fs[i].path, path) != 0)
            continue;
        if (fs[i].type != 'l')
            return 0;
        snprintf(buf, size, "%s", fs[i].target);
        return 1;
    }
    /* A file used as a directory. */
    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
        size_t n = strlen(fs[i].path);
        if (fs[i].type == 'f' && strncmp(path, fs[i].path, n) == 0 && path[n] == '/')
            return -ENOTDIR;
    }
    return -ENOENT;
}

static const struct http_fs_ops ops = { fake_lookup, NULL };

static int res(const char *root, const char *rel, char *out)
{
    nlooked = 0;
    int r = http_resolve(root, rel, &ops, out, HTTP_PATH_MAX);
    /* Nothing outside root was looked up (root's ancestors are never). */
    size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
    for (int i = 0; i < nlooked; i++)
        if (rl && (strncmp(looked[i], root, rl) != 0 || (looked[i][rl] != '/' && looked[i][rl] != '\0')))
            fail_msg("%s under %s looked up %s", rel, root, looked[i]);
    return r;
}

static void test_resolve(void **st)
{
    char out[HTTP_PATH_MAX];
    const char *www = "/srv/www";
    assert_int_equal(res(www, "", out), 0);
    assert_string_equal(out, "/srv/www");
    assert_int_equal(res(www, "index.html", out), 0);
    assert_string_equal(out, "/srv/www/index.html");
    assert_int_equal(res(www, "sub/f", out), 0);
    assert_string_equal(out, "/srv/www/sub/f");
    assert_int_equal(res(www, "in", out), 0);
    assert_string_equal(out, "/srv/www/sub/f");
    assert_int_equal(res(www, "in-abs", out), 0);
    assert_string_equal(out, "/srv/www/sub/f");
    assert_int_equal(res(www, "in-round", out), 0);
    assert_string_equal(out, "/srv/www/sub/f");
    assert_int_equal(res(www, "sub/back", out), 0);
    assert_string_equal(out, "/srv/www/index.html");
    assert_int_equal(res(www, "self/self/index.html", out), 0);
    assert_string_equal(out, "/srv/www/index.html");
    assert_int_equal(res(www, "dirlink/f", out), 0);
    assert_string_equal(out, "/srv/www/sub/f");
    assert_int_equal(res(www, "nope", out), -ENOENT);
    assert_int_equal(res(www, "index.html/x", out), -ENOTDIR);
    /* Out of the directory, every way. */
    assert_int_equal(res(www, "up", out), -EACCES);
    assert_int_equal(res(www, "abs", out), -EACCES);
    assert_int_equal(res(www, "dirout", out), -EACCES);
    assert_int_equal(res(www, "dirout/secret.txt", out), -EACCES);
    assert_int_equal(res(www, "dirout/www/index.html", out), 0); /* out and straight back in */
    assert_int_equal(res(www, "root", out), -EACCES);
    assert_int_equal(res(www, "root/etc/passwd", out), -EACCES);
    assert_int_equal(res(www, "etc/passwd", out), -EACCES);
    assert_int_equal(res(www, "sub/deepout", out), -EACCES);
    assert_int_equal(res(www, "..", out), -EACCES);
    assert_int_equal(res(www, "../secret.txt", out), -EACCES);
    assert_int_equal(res(www, "sub/../../secret.txt", out), -EACCES);
    assert_int_equal(res(www, "loop", out), -ELOOP);
    assert_int_equal(res(www, "empty", out), -ENOENT);
    /* Served from the top: everything is inside; ".." stops at "/". */
    assert_int_equal(res("/", "srv/www/up", out), 0);
    assert_string_equal(out, "/srv/secret.txt");
    assert_int_equal(res("/", "../../etc", out), 0);
    assert_string_equal(out, "/etc");
    assert_int_equal(res("/", "", out), 0);
    assert_string_equal(out, "/");
    /* Bad roots and small buffers. */
    assert_int_equal(http_resolve("srv", "", &ops, out, sizeof(out)), -EINVAL);
    assert_int_equal(http_resolve("/srv/", "", &ops, out, sizeof(out)), -EINVAL);
    assert_int_equal(http_resolve("", "", &ops, out, sizeof(out)), -EINVAL);
    char small[12];
    assert_int_equal(http_resolve(www, "index.html", &ops, small, sizeof(small)), -ENAMETOOLONG);
}

/* ---- tables and escaping ---- */
static void test_tables(void **st)
{
    assert_string_equal(http_reason(404), "Not Found");
    assert_string_equal(http_reason(431), "Request Header Fields Too Large");
    assert_string_equal(http_reason(299), "Unknown");
    assert_string_equal(http_content_type("index.html"), "text/html");
    assert_string_equal(http_content_type("/a/B.TXT"), "text/plain");
    assert_string_equal(http_content_type("x.png"), "image/png");
    assert_string_equal(http_content_type("x.tar.gz"), "application/gzip");
    assert_string_equal(http_content_type("dir.html/noext"), "application/octet-stream");
    assert_string_equal(http_content_type("big.bin"), "application/octet-stream");
    assert_string_equal(http_content_type("x."), "application/octet-stream");
    char out[64];
    assert_int_equal(http_escape_html("a<b>&\"'", out, sizeof(out)), 26);
    assert_string_equal(out, "a&lt;b&gt;&amp;&quot;&#39;");
    assert_int_equal(http_encode_path("/a b/%?#\xc3\xa9~", out, sizeof(out)), 23);
    assert_string_equal(out, "/a%20b/%25%3F%23%C3%A9~");
    char tiny[5];
    assert_int_equal(http_escape_html("<<", tiny, sizeof(tiny)), 8);
    assert_string_equal(tiny, "&lt;");
    assert_int_equal(http_encode_path("  ", tiny, sizeof(tiny)), 6);
    assert_string_equal(tiny, "%20%");
    assert_int_equal(http_encode_path("x", NULL, 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url),        cmocka_unit_test(test_url_bad),     cmocka_unit_test(test_head_scan),
        cmocka_unit_test(test_head_limits), cmocka_unit_test(test_request),    cmocka_unit_test(test_request_bad),
        cmocka_unit_test(test_response),   cmocka_unit_test(test_decode),      cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
