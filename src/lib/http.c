/* HTTP/1.0 parsing for fetch and httpd: URLs, request and response heads,
 * request paths, and confinement to a served directory (see
 * <adros/http.h>).  Portable: no kernel calls; the host tests compile it.
 *
 * Everything here reads untrusted bytes: every loop is bounded by the
 * length it was given, and every output is bounded by its buffer. */
#include <adros/errno.h>
#include <adros/http.h>
#include <adros/string.h>

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

static int hexval(char c)
{
    if (is_digit(c))
        return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 7230 tchar. */
static bool is_tchar(char c)
{
    return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool prefix_ci(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (lower(s[i]) != p[i])
            return false;
    return true;
}

/* ---- URLs ---- */
/* "scheme://...": another protocol rather than garbage. */
static bool has_scheme(const char *s)
{
    size_t i = 0;
    while (is_alpha(s[i]) || (i && (is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')))
        i++;
    return i && strncmp(s + i, "://", 3) == 0;
}

int http_parse_url(const char *s, struct http_url *u)
{
    size_t n = strlen(s);
    if (!prefix_ci(s, n, "http://"))
        return has_scheme(s) ? -EPROTONOSUPPORT : -EINVAL;
    const char *p = s + 7;
    size_t alen = 0;
    while (p[alen] && p[alen] != '/' && p[alen] != '?' && p[alen] != '#')
        alen++;
    for (size_t i = 0; i < alen; i++)
        if (p[i] == '@' || is_ctl((unsigned char)p[i]) || p[i] == ' ')
            return -EINVAL;
    /* Host: "[v6]" or up to the port's ':'. */
    const char *host = p, *port = NULL;
    size_t hlen;
    if (alen && p[0] == '[') {
        const char *close = memchr(p, ']', alen);
        if (!close)
            return -EINVAL;
        host = p + 1;
        hlen = (size_t)(close - host);
        size_t rest = alen - (size_t)(close + 1 - p);
        if (rest) {
            if (close[1] != ':')
                return -EINVAL;
            port = close + 2;
        }
        for (size_t i = 0; i < hlen; i++)
            if (hexval(host[i]) < 0 && host[i] != ':' && host[i] != '.' && host[i] != '%')
                return -EINVAL;
    } else {
        const char *colon = memchr(p, ':', alen);
        hlen = colon ? (size_t)(colon - p) : alen;
        port = colon ? colon + 1 : NULL;
        for (size_t i = 0; i < hlen; i++)
            if (!is_alpha(host[i]) && !is_digit(host[i]) && host[i] != '.' && host[i] != '-')
                return -EINVAL;
    }
    if (hlen == 0)
        return -EINVAL;
    if (hlen >= sizeof(u->host))
        return -ENAMETOOLONG;
    memcpy(u->host, host, hlen);
    u->host[hlen] = '\0';
    u->port = 80;
    if (port) {
        uint32_t v = 0;
        size_t plen = (size_t)(p + alen - port);
        if (plen == 0 || plen > 5)
            return -EINVAL;
        for (size_t i = 0; i < plen; i++) {
            if (!is_digit(port[i]))
                return -EINVAL;
            v = v * 10 + (uint32_t)(port[i] - '0');
        }
        if (v == 0 || v > 65535)
            return -EINVAL;
        u->port = (uint16_t)v;
    }
    /* Path: up to a fragment; "/" in front of a bare query. */
    const char *path = p + alen;
    size_t plen = 0, o = 0;
    while (path[plen] && path[plen] != '#')
        plen++;
    if (path[0] != '/')
        u->path[o++] = '/';
    if (o + plen >= sizeof(u->path))
        return -ENAMETOOLONG;
    for (size_t i = 0; i < plen; i++) {
        if (is_ctl((unsigned char)path[i]) || path[i] == ' ')
            return -EINVAL;
        u->path[o++] = path[i];
    }
    u->path[o] = '\0';
    return 0;
}

/* ---- heads ---- */
int http_head_scan(const char *buf, size_t len)
{
    size_t start = 0;
    int lines = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\0' || (c == '\r' && i + 1 < len && buf[i + 1] != '\n'))
            return -400;
        if (c != '\n')
            continue;
        size_t n = i - start;
        if (n && buf[i - 1] == '\r')
            n--;
        if (n > HTTP_LINE_MAX)
            return lines ? -431 : -414;
        if (n == 0) {
            if (lines == 0)
                return -400;
            return i + 1 > HTTP_HEAD_MAX ? -431 : (int)(i + 1);
        }
        if (++lines > HTTP_HEADERS_MAX + 1)
            return -431;
        start = i + 1;
    }
    size_t n = len - start;
    if (n && buf[len - 1] == '\r')
        n--;
    if (n > HTTP_LINE_MAX)
        return lines ? -431 : -414;
    return len >= HTTP_HEAD_MAX ? -431 : 0;
}

/* Lines of a complete head, their CRLF or LF removed; the last may lack
 * one.  False at the end of the text. */
struct lines {
    const char *p, *end;
};

static bool next_line(struct lines *it, const char **line, size_t *n)
{
    if (it->p >= it->end)
        return false;
    const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    const char *e = nl ? nl : it->end;
    *line = it->p;
    *n = (size_t)(e - it->p);
    if (*n && (*line)[*n - 1] == '\r')
        (*n)--;
    it->p = nl ? nl + 1 : it->end;
    return true;
}

/* A header line "name: value": false when malformed.  The name and the
 * value with its surrounding blanks removed are returned. */
static bool split_header(const char *l, size_t n, size_t *namelen, const char **val, size_t *vlen)
{
    size_t k = 0;
    while (k < n && is_tchar(l[k]))
        k++;
    if (k == 0 || k >= n || l[k] != ':')
        return false;
    for (size_t i = k + 1; i < n; i++)
        if (is_ctl((unsigned char)l[i]) && l[i] != '\t')
            return false;
    const char *v = l + k + 1, *e = l + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *namelen = k;
    *val = v;
    *vlen = (size_t)(e - v);
    return true;
}

/* "HTTP/d.d" */
static bool parse_version(const char *v, size_t n, int *major, int *minor)
{
    if (n != 8 || strncmp(v, "HTTP/", 5) != 0 || !is_digit(v[5]) || v[6] != '.' || !is_digit(v[7]))
        return false;
    *major = v[5] - '0';
    *minor = v[7] - '0';
    return true;
}

int http_parse_request(const char *head, size_t len, struct http_request *r)
{
    memset(r, 0, sizeof(*r));
    struct lines it = { head, head + len };
    const char *l;
    size_t n, i = 0;
    if (!next_line(&it, &l, &n) || n == 0)
        return 400;
    while (i < n && is_tchar(l[i]))
        i++;
    if (i == 0 || i >= sizeof(r->method_name) || i >= n || l[i] != ' ')
        return 400;
    memcpy(r->method_name, l, i);
    r->method = strcmp(r->method_name, "GET") == 0 ? HTTP_M_GET
              : strcmp(r->method_name, "HEAD") == 0 ? HTTP_M_HEAD : HTTP_M_OTHER;
    const char *t = l + ++i;
    while (i < n && l[i] != ' ')
        i++;
    size_t tlen = (size_t)(l + i - t);
    if (tlen == 0 || i >= n)
        return 400; /* no target, or HTTP/0.9 (no version) */
    for (size_t k = 0; k < tlen; k++)
        if (is_ctl((unsigned char)t[k]) || (unsigned char)t[k] >= 0x80)
            return 400;
    if (!parse_version(l + i + 1, n - i - 1, &r->major, &r->minor))
        return 400;
    if (r->major != 1)
        return 505;
    /* absolute-form: the path part only */
    if (prefix_ci(t, tlen, "http://")) {
        const char *s = t + 7, *e = t + tlen;
        while (s < e && *s != '/' && *s != '?' && *s != '#')
            s++;
        if (s == e || *s != '/') {
            tlen = 1;
            t = "/";
        } else {
            tlen = (size_t)(e - s);
            t = s;
        }
    }
    for (size_t k = 0; k < tlen; k++)
        if (t[k] == '?' || t[k] == '#')
            tlen = k;
    if (tlen >= sizeof(r->target))
        return 414;
    if (tlen == 0 || t[0] != '/')
        return 400;
    memcpy(r->target, t, tlen);
    r->target[tlen] = '\0';
    while (next_line(&it, &l, &n) && n > 0) {
        size_t nl, vl;
        const char *v;
        if (!split_header(l, n, &nl, &v, &vl))
            return 400; /* also obs-fold continuation lines */
        if (nl == 4 && prefix_ci(l, 4, "host"))
            r->has_host = true;
    }
    return 0;
}

int http_parse_response(const char *head, size_t len, struct http_response *r)
{
    memset(r, 0, sizeof(*r));
    r->content_length = -1;
    struct lines it = { head, head + len };
    const char *l;
    size_t n;
    if (!next_line(&it, &l, &n) || n < 12 || !parse_version(l, 8, &r->major, &r->minor) || r->major != 1 ||
        l[8] != ' ' || !is_digit(l[9]) || !is_digit(l[10]) || !is_digit(l[11]) || (n > 12 && l[12] != ' '))
        return -EBADMSG;
    r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
    if (r->status < 100 || r->status > 599)
        return -EBADMSG;
    size_t k = MIN(n, sizeof(r->status_line) - 1);
    for (size_t i = 0; i < k; i++)
        r->status_line[i] = is_ctl((unsigned char)l[i]) ? '?' : l[i];
    r->status_line[k] = '\0';
    while (next_line(&it, &l, &n) && n > 0) {
        size_t nl, vl;
        const char *v;
        if (!split_header(l, n, &nl, &v, &vl))
            return -EBADMSG;
        if (nl != 14 || !prefix_ci(l, 14, "content-length"))
            continue;
        if (vl == 0 || vl > 18)
            return -EBADMSG;
        int64_t cl = 0;
        for (size_t i = 0; i < vl; i++) {
            if (!is_digit(v[i]))
                return -EBADMSG;
            cl = cl * 10 + (v[i] - '0');
        }
        if (r->content_length >= 0 && r->content_length != cl)
            return -EBADMSG;
        r->content_length = cl;
    }
    return 0;
}

/* ---- request paths ---- */
int http_decode_path(const char *target, char *out, size_t outsz)
{
    if (target[0] != '/')
        return 400;
    size_t o = 0, comp = 0; /* comp: where the current component starts in out */
    for (const char *p = target;; p++) {
        char c = *p;
        if (c == '/' || c == '\0') {
            size_t cl = o - comp;
            if (cl == 0 || (cl == 1 && out[comp] == '.')) {
                o = comp; /* empty or ".": dropped */
            } else if (cl == 2 && out[comp] == '.' && out[comp + 1] == '.') {
                return 403;
            } else if (c == '/') {
                if (o >= outsz)
                    return 414;
                out[o++] = '/';
            }
            comp = o;
            if (c == '\0')
                break;
            continue;
        }
        if (c == '%') {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
            if (lo < 0)
                return 400;
            c = (char)(hi * 16 + lo);
            p += 2;
            if (c == '/')
                return 403; /* an encoded separator: "%2fetc%2fpasswd" */
        }
        if (is_ctl((unsigned char)c))
            return 400;
        if (o >= outsz)
            return 414;
        out[o++] = c;
    }
    /* A trailing separator was written before its (empty) component. */
    if (o && out[o - 1] == '/')
        o--;
    if (o >= outsz)
        return 414;
    out[o] = '\0';
    return 0;
}

/* root as a prefix: "" stands for "/", so paths are "" or "/a/b". */
static bool inside(const char *root, size_t rl, const char *p, size_t pl)
{
    return rl == 0 || (pl >= rl && memcmp(p, root, rl) == 0 && (pl == rl || p[rl] == '/'));
}

/* p is root or one of its ancestors. */
static bool toward(const char *root, size_t rl, const char *p, size_t pl)
{
    return pl <= rl && memcmp(root, p, pl) == 0 && (pl == rl || root[pl] == '/');
}

int http_resolve(const char *root, const char *rel, const struct http_fs_ops *ops, char *out, size_t outsz)
{
    char pend[2 * HTTP_PATH_MAX]; /* what is left to walk */
    char link[HTTP_PATH_MAX];
    size_t rl = strlen(root), rel_len = strlen(rel), ppos = 0, cur;
    int links = 0;
    if (rl == 0 || root[0] != '/' || (rl > 1 && root[rl - 1] == '/'))
        return -EINVAL;
    if (rl == 1)
        rl = 0;
    if (rl + 2 > outsz || rel_len >= sizeof(pend))
        return -ENAMETOOLONG;
    memcpy(pend, rel, rel_len + 1);
    memcpy(out, root, rl);
    out[cur = rl] = '\0';
    for (;;) {
        while (pend[ppos] == '/')
            ppos++;
        if (!pend[ppos])
            break;
        const char *c = pend + ppos;
        size_t cl = 0;
        while (c[cl] && c[cl] != '/')
            cl++;
        ppos += cl;
        if (cl == 1 && c[0] == '.')
            continue;
        if (cl == 2 && c[0] == '.' && c[1] == '.') {
            while (cur > 0 && out[cur - 1] != '/')
                cur--;
            if (cur > 0)
                cur--;
            out[cur] = '\0';
            continue;
        }
        bool in = inside(root, rl, out, cur);
        if (cur + 1 + cl >= outsz)
            return -ENAMETOOLONG;
        out[cur] = '/';
        memcpy(out + cur + 1, c, cl);
        size_t next = cur + 1 + cl;
        out[next] = '\0';
        if (toward(root, rl, out, next)) {
            cur = next; /* root's ancestors: real directories, not looked up */
            continue;
        }
        if (!in) {
            out[cur] = '\0';
            return -EACCES;
        }
        int r = ops->lookup(ops->ctx, out, link, sizeof(link));
        if (r < 0) {
            out[cur] = '\0';
            return r;
        }
        if (r == 0) {
            cur = next;
            continue;
        }
        out[cur] = '\0';
        link[sizeof(link) - 1] = '\0';
        size_t tl = strlen(link), left = strlen(pend + ppos);
        if (tl == 0)
            return -ENOENT;
        if (++links > 16)
            return -ELOOP;
        if (tl + 1 + left >= sizeof(pend))
            return -ENAMETOOLONG;
        memmove(pend + tl + 1, pend + ppos, left + 1);
        memcpy(pend, link, tl);
        pend[tl] = '/';
        ppos = 0;
        if (link[0] == '/')
            out[cur = 0] = '\0';
    }
    if (!inside(root, rl, out, cur))
        return -EACCES;
    if (cur == 0) {
        out[0] = '/';
        out[1] = '\0';
    }
    return 0;
}

/* ---- tables and escaping ---- */
const char *http_reason(int status)
{
    static const struct {
        int status;
        const char *text;
    } t[] = {
        { 200, "OK" }, { 301, "Moved Permanently" }, { 400, "Bad Request" }, { 403, "Forbidden" },
        { 404, "Not Found" }, { 405, "Method Not Allowed" }, { 408, "Request Timeout" },
        { 414, "URI Too Long" }, { 431, "Request Header Fields Too Large" },
        { 500, "Internal Server Error" }, { 503, "Service Unavailable" },
        { 505, "HTTP Version Not Supported" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(t); i++)
        if (t[i].status == status)
            return t[i].text;
    return "Unknown";
}

const char *http_content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } t[] = {
        { "html", "text/html" }, { "htm", "text/html" }, { "txt", "text/plain" }, { "sh", "text/plain" },
        { "c", "text/plain" }, { "h", "text/plain" }, { "md", "text/plain" }, { "css", "text/css" },
        { "js", "text/javascript" }, { "json", "application/json" }, { "png", "image/png" },
        { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" }, { "gif", "image/gif" },
        { "svg", "image/svg+xml" }, { "pdf", "application/pdf" }, { "gz", "application/gzip" },
        { "tar", "application/x-tar" }, { "wav", "audio/wav" },
    };
    const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
    if (dot && (!slash || dot > slash)) {
        size_t n = strlen(dot + 1);
        for (size_t i = 0; i < ARRAY_SIZE(t); i++)
            if (strlen(t[i].ext) == n && prefix_ci(dot + 1, n, t[i].ext))
                return t[i].type;
    }
    return "application/octet-stream";
}

/* Appends s[0..n) to out at *o (bounded), counting what the whole needs. */
static void put(char *out, size_t outsz, size_t *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, (*o)++)
        if (*o + 1 < outsz)
            out[*o] = s[i];
}

static size_t finish(char *out, size_t outsz, size_t o)
{
    if (outsz)
        out[MIN(o, outsz - 1)] = '\0';
    return o;
}

size_t http_escape_html(const char *s, char *out, size_t outsz)
{
    size_t o = 0;
    for (; *s; s++) {
        const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
                      : *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;
        if (e)
            put(out, outsz, &o, e, strlen(e));
        else
            put(out, outsz, &o, s, 1);
    }
    return finish(out, outsz, o);
}

size_t http_encode_path(const char *s, char *out, size_t outsz)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s; s++) {
        char c = *s;
        if (is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            put(out, outsz, &o, s, 1);
        } else {
            char e[3] = { '%', hex[(unsigned char)c >> 4], hex[(unsigned char)c & 15] };
            put(out, outsz, &o, e, 3);
        }
    }
    return finish(out, outsz, o);
}
