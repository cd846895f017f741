/* Sound commands over <adros/audio.h>: play (a WAV file), tone (a sine),
 * mixer, audio (devices, encodings, format; `audio stop`).
 *
 * play and tone wait for the end of playback and report it, Ctrl-C stops
 * it; with -b they return at once and playback goes on while the shell
 * works (`audio` shows it, `audio stop` ends it).  The samples are made and
 * read on the playback thread (the sources below), never on the command's. */
#include <adros/audio.h>
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/shell.h>
#include <adros/string.h>
#include <adros/vfs.h>
#include <adros/wav.h>

struct opts {
    int unit;
    bool background;
};

/* Takes "-d N" and "-b" from argv; other options are left to the caller
 * (returns the index of the first argument not handled, -1 if bad). */
static int common_opt(int argc, char **argv, int i, struct opts *o)
{
    uint64_t v;
    if (strcmp(argv[i], "-b") == 0) {
        o->background = true;
        return i + 1;
    }
    if (strcmp(argv[i], "-d") == 0 && i + 1 < argc && shell_parse_u64(argv[i + 1], &v) && v < AUDIO_MAX_DEVS) {
        o->unit = (int)v;
        return i + 2;
    }
    return -1;
}

static int report(const char *argv0, int err)
{
    if (err == -ENODEV)
        return shell_error(argv0, "no such audio device (is the rump kernel running with audio components?)");
    if (err == -EBUSY)
        return shell_error(argv0, "a playback is running (audio stop ends it)");
    if (err == -EOPNOTSUPP)
        return shell_error(argv0, "the device does not take this format");
    return shell_error(argv0, "%s", shell_strerror(err));
}

/* Waits for playback seq to end and prints its summary. */
static int wait_playback(const char *argv0, uint32_t seq)
{
    struct audio_play_status st;
    uint32_t s;
    bool interrupted = false;
    for (;;) {
        audio_play_status(&st, &s);
        if (s != seq || !st.running)
            break;
        if (shell_sleep(20000000) != 0) {
            /* Ctrl-C: the thread flushes the device and ends within one
             * block (or one drain); wait for that, so the summary below is
             * final and the next play finds the device free. */
            interrupted = true;
            if (audio_stop_wait(seq, 3000000000ull) < 0) {
                shell_printf("%s: stopping (the device does not answer)\n", argv0);
                return SHELL_INTERRUPTED;
            }
            audio_play_status(&st, &s);
            break;
        }
    }
    uint64_t ms = st.start_ns && st.end_ns > st.start_ns ? (st.end_ns - st.start_ns) / 1000000 : 0;
    uint32_t fb = (uint32_t)st.fmt.channels * st.fmt.bits / 8;
    uint64_t sound_ms = fb && st.fmt.rate ? st.bytes / fb * 1000 / st.fmt.rate : 0;
    shell_printf("%s: %llu ms of sound (%llu bytes) in %llu ms, %u underruns (%llu bytes)%s\n", argv0,
                 (unsigned long long)sound_ms, (unsigned long long)st.bytes, (unsigned long long)ms, st.underruns,
                 (unsigned long long)st.underrun_bytes, st.stopped ? ", stopped" : "");
    if (st.error < 0)
        return report(argv0, st.error);
    return interrupted ? SHELL_INTERRUPTED : 0;
}

static int start(const char *argv0, const struct opts *o, const struct audio_format *f, struct audio_source *src)
{
    int r = audio_play(o->unit, f, src);
    if (r < 0)
        return report(argv0, r);
    uint32_t seq;
    struct audio_play_status st;
    audio_play_status(&st, &seq);
    shell_printf("%s: playing %u Hz, %u-bit, %s on audio%d%s\n", argv0, f->rate, f->bits,
                 f->channels == 1 ? "mono" : "stereo", o->unit, o->background ? " (in the background)" : "");
    return o->background ? 0 : wait_playback(argv0, seq);
}

/* ---- play ---- */

struct file_src {
    struct audio_source src;
    struct file *f;
    uint64_t off, left;
};

static ssize_t file_read(struct audio_source *s, void *buf, size_t len)
{
    struct file_src *fs = (struct file_src *)s;
    if (len > fs->left)
        len = (size_t)fs->left;
    size_t got = 0;
    while (got < len) {
        ssize_t r = vfs_pread(fs->f, (uint8_t *)buf + got, len - got, fs->off);
        if (r < 0)
            return r;
        if (r == 0)
            break; /* the file shrank: play what there is */
        got += (size_t)r;
        fs->off += (uint64_t)r;
    }
    fs->left -= got;
    return (ssize_t)got;
}

static void file_release(struct audio_source *s)
{
    struct file_src *fs = (struct file_src *)s;
    vfs_close(fs->f);
    kfree(fs);
}

static int cmd_play(int argc, char **argv)
{
    struct opts o = { 0 };
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        i = common_opt(argc, argv, i, &o);
        if (i < 0)
            return shell_usage(argv[0]);
    }
    if (i != argc - 1)
        return shell_usage(argv[0]);
    const char *path = argv[i];
    struct file *f;
    int r = vfs_open(path, O_RDONLY, 0, &f);
    if (r < 0)
        return shell_error(argv[0], "%s: %s", path, shell_strerror(r));
    struct vfs_stat vs;
    uint8_t *hdr = kmalloc(WAV_HEADER_MAX);
    ssize_t n = hdr ? vfs_fstat(f, &vs) : -ENOMEM;
    if (n == 0)
        n = vfs_pread(f, hdr, WAV_HEADER_MAX, 0);
    struct wav_info w;
    const char *why = "";
    if (n >= 0)
        r = vs.type == VREG ? wav_parse(hdr, (size_t)n, vs.size, &w, &why) : -EINVAL;
    kfree(hdr);
    if (n < 0 || r < 0) {
        vfs_close(f);
        if (n < 0)
            return shell_error(argv[0], "%s: %s", path, shell_strerror((int)n));
        if (vs.type != VREG)
            return shell_error(argv[0], "%s: not a regular file", path);
        return shell_error(argv[0], "%s: %s: %s", path,
                           r == -EOPNOTSUPP ? "unsupported WAV format" : "not a valid WAV file", why);
    }
    struct file_src *fs = kzalloc(sizeof(*fs));
    if (!fs) {
        vfs_close(f);
        return report(argv[0], -ENOMEM);
    }
    fs->src.read = file_read;
    fs->src.release = file_release;
    fs->f = f;
    fs->off = w.data_off;
    fs->left = w.data_len;
    shell_printf("%s: %s: %llu ms\n", argv[0], path, (unsigned long long)wav_duration_ms(&w));
    struct audio_format af = { w.rate, w.channels, w.bits };
    return start(argv[0], &o, &af, &fs->src);
}
SHELL_CMD(play, cmd_play, "play [-b] [-d unit] <file.wav>",
          "play a WAV file (PCM 8/16-bit, mono/stereo, 8-48 kHz); -b: in the background");

/* ---- tone ---- */

/* sin(pi/2 * i/64) in Q15, i = 0..64: a quarter wave, interpolated. */
static const int16_t quarter[65] = {
    0, 804, 1608, 2410, 3212, 4011, 4808, 5602, 6393, 7179, 7962, 8739,
    9512, 10278, 11039, 11793, 12539, 13279, 14010, 14732, 15446, 16151, 16846, 17530,
    18204, 18868, 19519, 20159, 20787, 21403, 22005, 22594, 23170, 23731, 24279, 24811,
    25329, 25832, 26319, 26790, 27245, 27683, 28105, 28510, 28898, 29268, 29621, 29956,
    30273, 30571, 30852, 31113, 31356, 31580, 31785, 31971, 32137, 32285, 32412, 32521,
    32609, 32678, 32728, 32757, 32767,
};

/* sin(2 pi * phase / 2^32) in Q15. */
static int32_t sine(uint32_t phase)
{
    uint32_t q = phase >> 30;          /* quadrant */
    uint32_t x = (phase >> 8) & 0x3fffff; /* position in it, 22 bits */
    if (q & 1)
        x = 0x400000 - x;
    uint32_t i = x >> 16, frac = x & 0xffff; /* 64 steps of 2^16 */
    int32_t a = quarter[i], b = quarter[i < 64 ? i + 1 : 64];
    int32_t v = a + (int32_t)(((int64_t)(b - a) * frac) >> 16);
    return q & 2 ? -v : v;
}

#define TONE_RATE 44100

struct tone_src {
    struct audio_source src;
    uint32_t phase, inc;
    int32_t amp; /* Q15 */
    uint64_t frames;
    uint64_t gap_at; /* frames left when the generator pauses (-g) */
    uint64_t gap_ms;
};

static ssize_t tone_read(struct audio_source *s, void *buf, size_t len)
{
    struct tone_src *t = (struct tone_src *)s;
    int16_t *out = buf;
    uint64_t n = len / 4;
    if (n > t->frames)
        n = t->frames;
    if (t->gap_ms && t->frames <= t->gap_at) {
        /* -g: a source that cannot keep up.  Runs on the playback thread,
         * which writes nothing meanwhile: once the device's buffer is
         * empty it plays silence and counts the underrun. */
        process_sleep(t->gap_ms * 1000000ull);
        t->gap_ms = 0;
    }
    for (uint64_t k = 0; k < n; k++) {
        int16_t v = (int16_t)((sine(t->phase) * t->amp) >> 15);
        out[2 * k] = out[2 * k + 1] = v;
        t->phase += t->inc;
    }
    t->frames -= n;
    return (ssize_t)(n * 4);
}

static void tone_release(struct audio_source *s) { kfree(s); }

static int cmd_tone(int argc, char **argv)
{
    struct opts o = { 0 };
    uint64_t hz = 440, ms = 1000, vol = 50, gap = 0;
    for (int i = 1; i < argc;) {
        uint64_t *p = strcmp(argv[i], "-f") == 0   ? &hz
                      : strcmp(argv[i], "-t") == 0 ? &ms
                      : strcmp(argv[i], "-v") == 0 ? &vol
                      : strcmp(argv[i], "-g") == 0 ? &gap
                                                   : NULL;
        if (p) {
            if (i + 1 >= argc || !shell_parse_u64(argv[i + 1], p))
                return shell_usage(argv[0]);
            i += 2;
            continue;
        }
        i = common_opt(argc, argv, i, &o);
        if (i < 0)
            return shell_usage(argv[0]);
    }
    if (hz < 20 || hz > TONE_RATE / 2 - 1)
        return shell_error(argv[0], "frequency %llu Hz is not in 20..%u", (unsigned long long)hz, TONE_RATE / 2 - 1);
    if (ms == 0 || ms > 3600000)
        return shell_error(argv[0], "duration %llu ms is not in 1..3600000", (unsigned long long)ms);
    if (vol > 100)
        return shell_error(argv[0], "volume %llu is not in 0..100", (unsigned long long)vol);
    if (gap > 10000)
        return shell_error(argv[0], "gap %llu ms is not in 0..10000", (unsigned long long)gap);
    struct tone_src *t = kzalloc(sizeof(*t));
    if (!t)
        return report(argv[0], -ENOMEM);
    t->src.read = tone_read;
    t->src.release = tone_release;
    t->inc = (uint32_t)((hz << 32) / TONE_RATE);
    t->amp = (int32_t)(32767 * vol / 100);
    t->frames = ms * TONE_RATE / 1000;
    t->gap_at = t->frames / 2;
    t->gap_ms = gap;
    shell_printf("%s: %llu Hz for %llu ms at volume %llu\n", argv[0], (unsigned long long)hz,
                 (unsigned long long)ms, (unsigned long long)vol);
    struct audio_format af = { TONE_RATE, 2, 16 };
    return start(argv[0], &o, &af, &t->src);
}
SHELL_CMD(tone, cmd_tone, "tone [-b] [-d unit] [-f Hz] [-t ms] [-v 0..100] [-g ms]",
          "play a sine tone (440 Hz, 1000 ms, volume 50 by default); -g: the generator stalls for ms "
          "half-way (provokes underruns)");

/* ---- mixer ---- */

static void print_ctl(const struct audio_mixer_ctl *c)
{
    shell_printf("%s=", c->name);
    if (c->type == AUDIO_MIX_VALUE) {
        if (c->channels == 2)
            shell_printf("%u,%u\n", c->level[0], c->level[1]);
        else
            shell_printf("%u\n", c->level[0]);
        return;
    }
    bool first = true;
    for (int k = 0; k < c->nmembers; k++) {
        bool on = c->type == AUDIO_MIX_ENUM ? c->member_val[k] == c->value : (c->value & c->member_val[k]) != 0;
        if (on) {
            shell_printf("%s%s", first ? "" : ",", c->members[k]);
            first = false;
        }
    }
    shell_printf("  [");
    for (int k = 0; k < c->nmembers; k++)
        shell_printf("%s%s", k ? " " : "", c->members[k]);
    shell_printf("]\n");
}

#define MIXER_LIST_MAX 48

static int cmd_mixer(int argc, char **argv)
{
    struct opts o = { 0 };
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        i = common_opt(argc, argv, i, &o);
        if (i < 0 || o.background)
            return shell_usage(argv[0]);
    }
    if (i < argc - 1)
        return shell_usage(argv[0]);
    char name[AUDIO_MIXER_NAME];
    const char *arg = i < argc ? argv[i] : NULL;
    if (arg && strchr(arg, '=')) {
        size_t len = (size_t)(strchr(arg, '=') - arg);
        if (len >= sizeof(name))
            return shell_error(argv[0], "%s: no such control", arg);
        memcpy(name, arg, len);
        name[len] = 0;
        int r = audio_mixer_set(o.unit, name, arg + len + 1);
        if (r == -ENOENT)
            return shell_error(argv[0], "%s: no such control", name);
        if (r == -EINVAL)
            return shell_error(argv[0], "%s: bad value '%s'", name, arg + len + 1);
        if (r < 0)
            return report(argv[0], r);
        arg = name;
    }
    struct audio_mixer_ctl *c = kmalloc(MIXER_LIST_MAX * sizeof(*c));
    if (!c)
        return report(argv[0], -ENOMEM);
    int n = audio_mixer_list(o.unit, c, MIXER_LIST_MAX);
    int shown = 0;
    for (int k = 0; k < n; k++)
        if (!arg || strcmp(c[k].name, arg) == 0) {
            print_ctl(&c[k]);
            shown++;
        }
    kfree(c);
    if (n < 0)
        return report(argv[0], n);
    if (arg && !shown)
        return shell_error(argv[0], "%s: no such control", arg);
    return 0;
}
SHELL_CMD(mixer, cmd_mixer, "mixer [-d unit] [control[=value]]",
          "list the mixer's controls, show or set one (value: 0..255[,0..255] or a name)");

/* ---- audio ---- */

static int cmd_audio(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "stop") == 0) {
        int r = audio_stop();
        if (r == -ESRCH)
            return shell_error(argv[0], "nothing is playing");
        return 0;
    }
    if (argc != 1)
        return shell_usage(argv[0]);
    struct audio_devinfo d[AUDIO_MAX_DEVS];
    int n = audio_devices(d, AUDIO_MAX_DEVS);
    if (n <= 0)
        return shell_error(argv[0], "no audio devices");
    for (int i = 0; i < n; i++) {
        shell_printf("audio%d: %s %s (%s)\n", d[i].unit, d[i].name, d[i].version, d[i].config);
        struct audio_encinfo e[24];
        int ne = audio_encodings(d[i].unit, e, 24);
        shell_printf("  encodings:");
        for (int k = 0; k < ne; k++)
            shell_printf(" %s/%d%s", e[k].name, e[k].precision, e[k].emulated ? "*" : "");
        shell_printf("%s\n", ne > 0 ? "  (* emulated)" : " ?");
        struct audio_state s;
        if (audio_get_state(d[i].unit, &s) == 0)
            shell_printf("  play: %u Hz, %u ch, %s/%u, gain %u, block %u, buffer %u%s\n", s.rate, s.channels,
                         s.encoding, s.precision, s.gain, s.blocksize, s.buffer_size, s.active ? ", active" : "");
    }
    struct audio_play_status st;
    uint32_t seq;
    audio_play_status(&st, &seq);
    if (st.running)
        shell_printf("playing on audio%d: %u Hz %u-bit %u ch, %llu bytes, %u underruns%s\n", st.unit, st.fmt.rate,
                     st.fmt.bits, st.fmt.channels, (unsigned long long)st.bytes, st.underruns,
                     st.draining ? ", draining" : "");
    return 0;
}
SHELL_CMD(audio, cmd_audio, "audio [stop]", "audio devices, their encodings and format; stop: end playback");
