/* libFuzzer target: the HTTP parsers of fetch and httpd (src/lib/http.c)
 * on arbitrary bytes: head scanning at every prefix length, request and
 * response parsing, path decoding, URL parsing, and confinement on a small
 * fake tree whose symbolic link targets come from the input.  Any crash or
 * sanitizer report is a bug; results are checked for the promises of
 * <adros/http.h> (a decoded path never holds "..", a resolved one stays
 * under the root).  Built and run by `make fuzz` (mk/fuzz.mk links
 * src/lib/http.c through FUZZ_SRC_http). */
#include <adros/http.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char target[256]; /* the fake link's target, from the input */

/* /srv/www/{f, l -> target}; every other path under /srv exists as a
 * directory down to depth 6, so walks go somewhere. */
static int lookup(void *ctx, const char *path, char *buf, size_t size)
{
    if (strcmp(path, "/srv/www/l") == 0) {
        size_t n = strnlen(target, size - 1);
        memcpy(buf, target, n);
        buf[n] = '\0';
        return 1;
    }
    if (strncmp(path, "/srv/", 5) != 0 && strcmp(path, "/srv") != 0)
        return -2;
    int depth = 0;
    for (const char *p = path; *p; p++)
        depth += *p == '/';
    return depth > 6 ? -2 : 0;
}

static int has_dotdot(const char *p)
{
    for (;;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        if (!e)
            return 0;
        p = e + 1;
    }
}

static void check_under(const char *out, const char *root)
{
    size_t n = strlen(root);
    if (strncmp(out, root, n) != 0 || (out[n] != '\0' && out[n] != '/'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char buf[HTTP_HEAD_MAX + 1];
    size_t n = size < HTTP_HEAD_MAX ? size : HTTP_HEAD_MAX;
    memcpy(buf, data, n);
    for (size_t k = 0; k <= n; k += 1 + k / 8)
        (void)http_head_scan(buf, k);
    struct http_request rq;
    if (http_parse_request(buf, n, &rq) == 0) {
        char rel[HTTP_PATH_MAX], out[HTTP_PATH_MAX];
        if (rq.target[0] != '/')
            abort();
        if (http_decode_path(rq.target, rel, sizeof(rel)) == 0) {
            if (rel[0] == '/' || has_dotdot(rel))
                abort();
            size_t t = n > 64 ? 64 : n;
            memcpy(target, data + n - t, t);
            target[t] = '\0';
            struct http_fs_ops ops = { lookup, NULL };
            if (http_resolve("/srv/www", rel, &ops, out, sizeof(out)) == 0)
                check_under(out, "/srv/www");
        }
    }
    struct http_response rs;
    (void)http_parse_response(buf, n, &rs);
    buf[n] = '\0';
    struct http_url u;
    (void)http_parse_url(buf, &u);
    char esc[512];
    (void)http_escape_html(buf, esc, sizeof(esc));
    (void)http_encode_path(buf, esc, sizeof(esc));
    (void)http_content_type(buf);
    return 0;
}
