/* RIFF/WAVE header parsing for <adros/wav.h> (portable; host-tested in
 * tests/host/test_wav.c).  Every field is read little-endian byte by byte
 * and checked against the buffer, so a truncated or hostile header can
 * only be refused. */
#include <adros/errno.h>
#include <adros/wav.h>

#define FMT_PCM 1
#define FMT_EXTENSIBLE 0xfffe

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static bool tag(const uint8_t *p, const char *t) { return p[0] == t[0] && p[1] == t[1] && p[2] == t[2] && p[3] == t[3]; }

static int refuse(const char **why, const char *msg, int err)
{
    if (why)
        *why = msg;
    return err;
}

/* The "fmt " chunk body p[0..n). */
static int parse_fmt(const uint8_t *p, uint32_t n, struct wav_info *w, const char **why)
{
    if (n < 16)
        return refuse(why, "fmt chunk too short", -EINVAL);
    uint16_t fmt = le16(p);
    if (fmt == FMT_EXTENSIBLE) {
        /* cbSize(2) validbits(2) channelmask(4) then the subformat GUID,
         * whose first two bytes are the format tag. */
        if (n < 40 || le16(p + 16) < 22)
            return refuse(why, "extensible fmt chunk too short", -EINVAL);
        fmt = le16(p + 24);
    }
    w->channels = le16(p + 2);
    w->rate = le32(p + 4);
    uint16_t align = le16(p + 12);
    w->bits = le16(p + 14);
    if (fmt != FMT_PCM)
        return refuse(why, "not PCM (compressed or floating-point samples)", -EOPNOTSUPP);
    if (w->channels == 0)
        return refuse(why, "0 channels", -EINVAL);
    if (w->bits == 0)
        return refuse(why, "0 bits per sample", -EINVAL);
    if (w->rate == 0)
        return refuse(why, "sample rate 0", -EINVAL);
    if (w->channels > 2)
        return refuse(why, "more than 2 channels", -EOPNOTSUPP);
    if (w->bits != 8 && w->bits != 16)
        return refuse(why, "samples are not 8 or 16 bits", -EOPNOTSUPP);
    if (w->rate < WAV_RATE_MIN || w->rate > WAV_RATE_MAX)
        return refuse(why, "sample rate not in 8000..48000 Hz", -EOPNOTSUPP);
    w->frame_bytes = (uint16_t)(w->channels * w->bits / 8);
    if (align != w->frame_bytes)
        return refuse(why, "block alignment does not match channels and bits", -EINVAL);
    return 0;
}

int wav_parse(const uint8_t *hdr, size_t len, uint64_t file_size, struct wav_info *out, const char **why)
{
    struct wav_info w = { 0 };
    if (len > file_size)
        len = (size_t)file_size;
    if (len < 12)
        return refuse(why, "file too short for a RIFF header", -EINVAL);
    if (!tag(hdr, "RIFF") || !tag(hdr + 8, "WAVE"))
        return refuse(why, "not a RIFF/WAVE file", -EINVAL);
    bool have_fmt = false;
    size_t off = 12;
    for (;;) {
        if (len - off < 8)
            return refuse(why, have_fmt ? "no data chunk in the header" : "no fmt chunk in the header", -EINVAL);
        const uint8_t *c = hdr + off;
        uint32_t n = le32(c + 4);
        off += 8;
        if (tag(c, "data")) {
            if (!have_fmt)
                return refuse(why, "data chunk before the fmt chunk", -EINVAL);
            uint64_t avail = file_size - off;
            uint64_t d = n < avail ? n : avail;
            w.data_off = off;
            w.data_len = d - d % w.frame_bytes;
            if (w.data_len == 0)
                return refuse(why, "no samples", -EINVAL);
            *out = w;
            return 0;
        }
        if (tag(c, "fmt ")) {
            if (have_fmt)
                return refuse(why, "two fmt chunks", -EINVAL);
            if (n > len - off)
                return refuse(why, "fmt chunk truncated", -EINVAL);
            int r = parse_fmt(hdr + off, n, &w, why);
            if (r < 0)
                return r;
            have_fmt = true;
        }
        /* Chunks are padded to an even size. */
        uint64_t next = (uint64_t)off + n + (n & 1);
        if (next > len)
            return refuse(why, have_fmt ? "no data chunk in the header" : "no fmt chunk in the header", -EINVAL);
        off = (size_t)next;
    }
}

uint64_t wav_duration_ms(const struct wav_info *w)
{
    if (!w->rate || !w->frame_bytes)
        return 0;
    return w->data_len / w->frame_bytes * 1000 / w->rate;
}
