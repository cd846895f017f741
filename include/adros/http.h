/* HTTP/1.0 pieces shared by the shell's fetch and httpd (src/shell/): URL
 * parsing, request and response heads, request-path decoding, confinement
 * of a path to a served directory (symbolic links included), and small
 * tables (reasons, content types, escaping for directory listings).
 *
 * Portable: no kernel calls (the file system is reached through callbacks),
 * host-tested in tests/host/test_http.c.  URL and response errors are
 * negative errno values; request errors are the HTTP status the server
 * should answer (400, 403, 414, 431, 505). */
#ifndef ADROS_HTTP_H
#define ADROS_HTTP_H

#include <adros/types.h>

#define HTTP_LINE_MAX 2048   /* a request, status or header line, its line end excluded */
#define HTTP_HEAD_MAX 16384  /* a whole head, the empty line included */
#define HTTP_HEADERS_MAX 64  /* header lines in a head */
#define HTTP_PATH_MAX 1024   /* a URL path or request target, NUL included */

/* ---- URLs: "http://host[:port][/path]" ---- */
struct http_url {
    char host[64];            /* as written ("10.0.2.2"; an IPv6 one without its brackets) */
    uint16_t port;            /* 80 when absent */
    char path[HTTP_PATH_MAX]; /* "/..." as written, query kept, fragment dropped; "/" when absent */
};
/* 0; -EPROTONOSUPPORT: not http:// (https:// included); -EINVAL: empty or
 * bad host, user info, bad port, a space or control character;
 * -ENAMETOOLONG: host or path too long. */
int http_parse_url(const char *s, struct http_url *u);

/* ---- heads ---- */
/* Scans a head as it arrives: buf holds its first len bytes.  Returns the
 * head's length (through its empty line) once complete, 0 while more is
 * needed, or a negative HTTP status as soon as it can be refused: -400 (a
 * NUL or a bare CR, an empty first line), -414 (first line over
 * HTTP_LINE_MAX), -431 (a header line over HTTP_LINE_MAX, over
 * HTTP_HEADERS_MAX of them, or the head over HTTP_HEAD_MAX).  Lines end in
 * CRLF or LF. */
int http_head_scan(const char *buf, size_t len);

enum http_method { HTTP_M_GET, HTTP_M_HEAD, HTTP_M_OTHER };
struct http_request {
    enum http_method method;
    char method_name[16];
    char target[HTTP_PATH_MAX]; /* the path as sent: query and fragment removed; "http://host" removed */
    int major, minor;           /* HTTP version */
    bool has_host;              /* a Host header was sent */
};
/* Parses a complete request head (of http_head_scan's length).  0, or the
 * status to answer: 400 (malformed request line or header, HTTP/0.9),
 * 414 (target too long), 505 (HTTP major version other than 1).  Any
 * method token parses (HTTP_M_OTHER): answering 405 is the server's call. */
int http_parse_request(const char *head, size_t len, struct http_request *r);

struct http_response {
    int major, minor;
    int status;              /* 100..599 */
    char status_line[128];   /* without its line end, truncated */
    int64_t content_length;  /* -1 when absent */
};
/* Parses a complete response head: 0, or -EBADMSG (no "HTTP/1.x NNN"
 * status line, a malformed header line, a bad or repeated Content-Length). */
int http_parse_response(const char *head, size_t len, struct http_response *r);

/* ---- request paths ---- */
/* Decodes a request target ("/a/b%20c") into a relative path ("a/b c";
 * "" for the top), dropping "." and empty components.  0, or the status to
 * answer: 400 (not starting with '/', a bad %XX escape, a NUL or control
 * character once decoded), 403 (a ".." component, an encoded '/'), 414
 * (longer than outsz).  The result never starts with '/' and never holds
 * a ".." component. */
int http_decode_path(const char *target, char *out, size_t outsz);

/* What http_resolve needs from a file system. */
struct http_fs_ops {
    /* Looks path up without following a final symbolic link: 1 if it is
     * one (its target copied into buf, NUL-terminated), 0 if it exists and
     * is not one, or a negative errno (-ENOENT, -ENOTDIR, ...). */
    int (*lookup)(void *ctx, const char *path, char *buf, size_t size);
    void *ctx;
};
/* Resolves rel (components separated by '/'; "." and ".." allowed) under
 * root, an absolute path with no symbolic link, "." or ".." in it and no
 * trailing '/' ("/" itself allowed), following symbolic links as a path
 * lookup would, into out: an absolute path with no symbolic link left.
 * Nothing outside root is ever looked up, except root's own ancestors on
 * the way back into it (a link "../www/x" from root "/srv/www").  Returns
 * 0; -EACCES when the path leads outside root (by ".." or a link);
 * -ELOOP after 16 links; -ENAMETOOLONG; or the lookup's error. */
int http_resolve(const char *root, const char *rel, const struct http_fs_ops *ops, char *out, size_t outsz);

/* ---- tables and escaping ---- */
const char *http_reason(int status);       /* "Not Found"; "Unknown" */
const char *http_content_type(const char *name); /* by extension; application/octet-stream */
/* Write s into out (always NUL-terminated when outsz > 0), returning the
 * length the whole result needs (> outsz - 1 means it was truncated):
 * HTML text with & < > " ' escaped; a URL path with every byte but
 * unreserved characters and '/' as %XX. */
size_t http_escape_html(const char *s, char *out, size_t outsz);
size_t http_encode_path(const char *s, char *out, size_t outsz);

#endif
