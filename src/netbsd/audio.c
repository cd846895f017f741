/* Sound output for AdrOS code (<adros/audio.h>) over NetBSD's audio(4) in
 * the rump kernel: /dev/audioN for playback, /dev/audioctlN for queries
 * that must not disturb a playback, /dev/mixerN for the mixer.
 *
 * Every call enters the rump kernel through RUMP_SYSCALL (src/rump/
 * rump_sys.h).  Playback runs on a thread of its own, which is the only one
 * that blocks in the device's write and drain; stopping is a flag it reads
 * between writes of one block.  Underruns count what the listener hears,
 * polled after each write (heard_check()): the device's drop counter
 * (AUDIO_PERROR: bytes of silence audio(4) inserted because the buffer ran
 * dry), and the replays audio(4) does not see.  It counts a block as
 * played when the card's interrupt for it is handled; when interrupts come
 * later than the ring lasts (measured: 575 ms behind the big lock, a
 * 371 ms ring), the card has meanwhile played the ring again, stale data,
 * and audio(4)'s count stays behind the card's clock for good.  So the
 * count of bytes played (AUDIO_GETOOFFS) is compared with the time since
 * the first block: falling behind by 1.5 blocks is an underrun of
 * that many bytes, and the comparison starts again from there.
 *
 * play is protected by play_lock: the session's state is written by the
 * playback thread and read by audio_play_status. */
#include <adros/audio.h>
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/sync.h>

#ifdef ADROS_RUMP_AUDIO
#include <adros/devfs.h>
#include <adros/format.h>
#include <adros/init.h>
#include <adros/wav.h>

#include "../rump/rump_sys.h"


#define CHUNK 4096 /* bytes per write: about 23 ms at 44.1 kHz 16-bit stereo */
/* audio(4)'s count lags the card by up to one block (46 ms with hdafg at
 * 44.1 kHz stereo) plus the interrupt's latency; a lag of a whole block
 * more means the card played a block audio(4) never counted: heard.  The
 * limit is half a block over one, at least LAG_MIN_NS. */
#define LAG_MIN_NS 30000000ull

static const char *const enc_names[] = { "none", "mulaw", "alaw", "pcm16", "pcm8", "adpcm", "slinear_le",
                                         "slinear_be", "ulinear_le", "ulinear_be", "slinear", "ulinear" };

/* The system call's result, or the rump errno as -errno. */
#define AUCALL(ret, call) RUMP_SERVICE_CALL(ret, rump_running(), -ENODEV, call)

static int dev_open(const char *what, int unit, int flags)
{
    char path[32];
    if (unit < 0 || unit >= AUDIO_MAX_DEVS)
        return -ENODEV;
    ksnprintf(path, sizeof(path), "/dev/%s%d", what, unit);
    int r;
    AUCALL(r, rump___sysimpl_open(path, flags));
    /* No such unit: the node exists, the driver instance does not. */
    return r == -ENXIO || r == -ENOENT ? -ENODEV : r;
}

static int dev_ioctl(int fd, unsigned long cmd, void *arg)
{
    int r;
    AUCALL(r, rump___sysimpl_ioctl(fd, cmd, arg));
    return r;
}

static void dev_close(int fd)
{
    int r;
    AUCALL(r, rump___sysimpl_close(fd));
    (void)r;
}

int audio_devices(struct audio_devinfo *out, int max)
{
    int n = 0;
    for (int u = 0; u < AUDIO_MAX_DEVS && n < max; u++) {
        int fd = dev_open("audioctl", u, NB_O_RDONLY);
        if (fd < 0)
            continue;
        struct nb_audio_device d;
        memset(&d, 0, sizeof(d));
        if (dev_ioctl(fd, NB_AUDIO_GETDEV, &d) == 0) {
            out[n].unit = u;
            memcpy(out[n].name, d.name, 15);
            out[n].name[15] = 0;
            memcpy(out[n].version, d.version, 15);
            out[n].version[15] = 0;
            memcpy(out[n].config, d.config, 15);
            out[n].config[15] = 0;
            n++;
        }
        dev_close(fd);
    }
    return n;
}

int audio_encodings(int unit, struct audio_encinfo *out, int max)
{
    int fd = dev_open("audioctl", unit, NB_O_RDONLY);
    if (fd < 0)
        return fd;
    int n = 0;
    for (int i = 0; n < max && i < 64; i++) {
        struct nb_audio_encoding e;
        memset(&e, 0, sizeof(e));
        e.index = i;
        if (dev_ioctl(fd, NB_AUDIO_GETENC, &e) < 0)
            break;
        memcpy(out[n].name, e.name, 15);
        out[n].name[15] = 0;
        out[n].precision = e.precision;
        out[n].emulated = (e.flags & NB_ENCFLAG_EMULATED) != 0;
        n++;
    }
    dev_close(fd);
    return n;
}

static const char *enc_name(uint32_t e)
{
    return e < sizeof(enc_names) / sizeof(enc_names[0]) ? enc_names[e] : "other";
}

int audio_get_state(int unit, struct audio_state *st)
{
    int fd = dev_open("audioctl", unit, NB_O_RDONLY);
    if (fd < 0)
        return fd;
    struct nb_audio_info ai;
    int r = dev_ioctl(fd, NB_AUDIO_GETINFO, &ai);
    dev_close(fd);
    if (r < 0)
        return r;
    st->rate = ai.play.sample_rate;
    st->channels = ai.play.channels;
    st->precision = ai.play.precision;
    strlcpy(st->encoding, enc_name(ai.play.encoding), sizeof(st->encoding));
    st->blocksize = ai.blocksize;
    st->buffer_size = ai.play.buffer_size;
    st->gain = ai.play.gain;
    st->samples = ai.play.samples;
    st->open = ai.play.open;
    st->active = ai.play.active;
    return 0;
}

/* ---- playback ---- */

static kmutex_t play_lock = KMUTEX_INIT(play_lock, "audio-play");
static kcond_t play_cv = { WAITQ_INIT(play_cv.wq) };
static struct audio_play_status play;      /* under play_lock */
static uint32_t play_seq;                  /* under play_lock */
static volatile bool play_stop;

/* Sets unit's play format to f; 0 or -EOPNOTSUPP when the device (with
 * audio(4)'s conversions) cannot take it. */
static int set_format(int fd, const struct audio_format *f)
{
    static const uint32_t enc8[] = { NB_ENC_ULINEAR_LE, NB_ENC_ULINEAR };
    for (unsigned i = 0; i < (f->bits == 8 ? 2u : 1u); i++) {
        struct nb_audio_info ai;
        memset(&ai, 0xff, sizeof(ai)); /* AUDIO_INITINFO: leave the rest */
        ai.play.sample_rate = f->rate;
        ai.play.channels = f->channels;
        ai.play.precision = f->bits;
        ai.play.encoding = f->bits == 8 ? enc8[i] : NB_ENC_SLINEAR_LE;
        ai.mode = NB_AUMODE_PLAY | NB_AUMODE_PLAY_ALL;
        if (dev_ioctl(fd, NB_AUDIO_SETINFO, &ai) < 0)
            continue;
        if (dev_ioctl(fd, NB_AUDIO_GETINFO, &ai) < 0)
            return -EIO;
        if (ai.play.sample_rate == f->rate && ai.play.channels == f->channels && ai.play.precision == f->bits)
            return 0;
    }
    return -EOPNOTSUPP;
}

static void play_end(int err)
{
    kmutex_lock(&play_lock);
    play.running = false;
    play.draining = false;
    play.stopped = play_stop;
    play.error = err;
    play.end_ns = clock_gettime_ns();
    kcond_broadcast(&play_cv);
    kmutex_unlock(&play_lock);
}

/* Writes buf[0..n) whole; 0 or -errno. */
static int write_all(int fd, const uint8_t *buf, size_t n)
{
    while (n > 0) {
        ssize_t w;
        AUCALL(w, rump___sysimpl_write(fd, buf, n));
        if (w < 0)
            return (int)w;
        if (w == 0)
            return -EIO;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The replay detector of the comment at the top.  The card starts in the
 * write that gives audio(4) its first whole block; t0 is when that write
 * returned (the card started then or before: a lag is never overstated),
 * moved earlier when audio(4) has counted more than the time since. */
struct heard {
    uint64_t bps;     /* bytes per second of the stream */
    uint64_t block;   /* audio(4)'s block, in the card's bytes */
    uint64_t lag_ns;  /* the limit */
    uint64_t written; /* bytes written so far */
    uint64_t t0;      /* 0 until the card started */
};

/* After a write of n bytes: the bytes the listener heard that were not
 * ours since the last check, or 0. */
static uint64_t heard_check(int fd, struct heard *h, size_t n)
{
    h->written += n;
    if (!h->t0) {
        if (h->written >= h->block)
            h->t0 = clock_gettime_ns();
        return 0;
    }
    struct nb_audio_offset o;
    if (dev_ioctl(fd, NB_AUDIO_GETOOFFS, &o) < 0)
        return 0;
    uint64_t now = clock_gettime_ns();
    uint64_t counted_ns = (uint64_t)o.samples * NSEC_PER_SEC / h->bps;
    if (now < h->t0 + counted_ns) {
        h->t0 = now - counted_ns;
        return 0;
    }
    uint64_t lag_ns = now - h->t0 - counted_ns;
    if (lag_ns <= h->lag_ns)
        return 0;
    h->t0 = now - counted_ns; /* counted once */
    return lag_ns * h->bps / NSEC_PER_SEC;
}

static void *play_thread(void *arg)
{
    struct audio_source *src = arg;
    int unit = play.unit;
    struct audio_format f = play.fmt;
    int err = 0;
    uint8_t *buf = kmalloc(CHUNK);
    int fd = buf ? dev_open("audio", unit, NB_O_WRONLY) : -ENOMEM;
    if (fd < 0) {
        err = fd;
        goto out;
    }
    err = set_format(fd, &f);
    size_t chunk = CHUNK - CHUNK % (f.channels * f.bits / 8u);
    int drops = 0;
    struct heard heard = { .bps = (uint64_t)f.rate * f.channels * (f.bits / 8u), .block = 1, .lag_ns = LAG_MIN_NS };
    struct nb_audio_info ai;
    /* The block in the stream's bytes (audio(4) gives the card's: equal
     * when no conversion runs, larger, i.e. a laxer limit, when one does). */
    if (!err && dev_ioctl(fd, NB_AUDIO_GETINFO, &ai) == 0 && ai.blocksize) {
        heard.block = ai.blocksize;
        heard.lag_ns = MAX(LAG_MIN_NS, (uint64_t)ai.blocksize * 3 / 2 * NSEC_PER_SEC / heard.bps);
    }
    while (!err && !play_stop) {
        ssize_t n = src->read(src, buf, chunk);
        if (n <= 0) {
            err = (int)n;
            break;
        }
        err = write_all(fd, buf, (size_t)n);
        int d = 0;
        if (!err && dev_ioctl(fd, NB_AUDIO_PERROR, &d) < 0)
            d = drops;
        uint64_t replayed = err ? 0 : heard_check(fd, &heard, (size_t)n);
        kmutex_lock(&play_lock);
        if (!play.start_ns)
            play.start_ns = clock_gettime_ns();
        play.bytes += (uint64_t)n;
        if (d > drops) {
            play.underruns++;
            play.underrun_bytes += (uint64_t)(d - drops);
        }
        if (replayed) {
            play.underruns++;
            play.underrun_bytes += replayed;
        }
        kmutex_unlock(&play_lock);
        drops = d;
    }
    if (play_stop) {
        dev_ioctl(fd, NB_AUDIO_FLUSH, NULL);
    } else if (!err) {
        kmutex_lock(&play_lock);
        play.draining = true;
        kmutex_unlock(&play_lock);
        int r = dev_ioctl(fd, NB_AUDIO_DRAIN, NULL);
        if (r < 0)
            err = r;
    }
    dev_close(fd);
out:
    kfree(buf);
    src->release(src);
    play_end(err);
    return NULL;
}

int audio_play(int unit, const struct audio_format *f, struct audio_source *src)
{
    int err = 0;
    if (f->channels < 1 || f->channels > 2 || (f->bits != 8 && f->bits != 16) || f->rate == 0)
        err = -EINVAL;
    else if (!rump_running())
        err = -ENODEV;
    if (err) {
        src->release(src);
        return err;
    }
    kmutex_lock(&play_lock);
    /* A playback being stopped ends within a block: give it a moment. */
    uint64_t deadline = clock_gettime_ns() + 2000000000ull;
    while (play.running && play_stop && kcond_wait_until(&play_cv, &play_lock, deadline) == 0)
        ;
    if (play.running) {
        kmutex_unlock(&play_lock);
        src->release(src);
        return -EBUSY;
    }
    memset(&play, 0, sizeof(play));
    play.running = true;
    play.unit = unit;
    play.fmt = *f;
    play_stop = false;
    play_seq++;
    struct thread_attr a = { .name = "audio-play", .prio = PRIO_HIGH, .stack_size = 32 * 1024 };
    struct thread *t;
    err = thread_create(&a, play_thread, src, &t);
    if (err < 0) {
        play.running = false;
        }
    kmutex_unlock(&play_lock);
    if (err < 0)
        src->release(src);
    return err;
}

int audio_stop(void)
{
    kmutex_lock(&play_lock);
    int r = play.running ? 0 : -ESRCH;
    if (play.running)
        play_stop = true;
    kmutex_unlock(&play_lock);
    return r;
}

int audio_stop_wait(uint32_t seq, uint64_t ns)
{
    uint64_t deadline = clock_gettime_ns() + ns;
    kmutex_lock(&play_lock);
    if (play_seq == seq && play.running)
        play_stop = true;
    while (play_seq == seq && play.running && kcond_wait_until(&play_cv, &play_lock, deadline) == 0)
        ;
    int r = play_seq == seq && play.running ? -ETIMEDOUT : 0;
    kmutex_unlock(&play_lock);
    return r;
}

int audio_play_status(struct audio_play_status *st, uint32_t *seq)
{
    kmutex_lock(&play_lock);
    *st = play;
    if (seq)
        *seq = play_seq;
    kmutex_unlock(&play_lock);
    return 0;
}

/* ---- mixer ---- */

#define MIX_MAX 64

/* Every control's devinfo: kmalloc'd array, count in *n; fd open. */
static struct nb_mixer_devinfo *mixer_read_all(int fd, int *n)
{
    struct nb_mixer_devinfo *di = kmalloc(MIX_MAX * sizeof(*di));
    if (!di)
        return NULL;
    int i;
    for (i = 0; i < MIX_MAX; i++) {
        memset(&di[i], 0, sizeof(di[i]));
        di[i].index = i;
        if (dev_ioctl(fd, NB_AUDIO_MIXER_DEVINFO, &di[i]) < 0)
            break;
        di[i].label[15] = 0;
    }
    *n = i;
    return di;
}

static void mixer_name(const struct nb_mixer_devinfo *di, int n, int i, char *out)
{
    int c = di[i].mixer_class;
    if (c >= 0 && c < n && c != i)
        ksnprintf(out, AUDIO_MIXER_NAME, "%s.%s", di[c].label, di[i].label);
    else
        strlcpy(out, di[i].label, AUDIO_MIXER_NAME);
}

static void mixer_fill(int fd, const struct nb_mixer_devinfo *di, int n, int i, struct audio_mixer_ctl *c)
{
    memset(c, 0, sizeof(*c));
    c->index = i;
    mixer_name(di, n, i, c->name);
    struct nb_mixer_ctrl mc;
    memset(&mc, 0, sizeof(mc));
    mc.dev = i;
    mc.type = di[i].type;
    if (di[i].type == NB_MIXER_VALUE) {
        c->type = AUDIO_MIX_VALUE;
        c->channels = di[i].un.v.num_channels == 1 ? 1 : 2;
        mc.un.value.num_channels = c->channels;
        if (dev_ioctl(fd, NB_AUDIO_MIXER_READ, &mc) == 0) {
            c->level[0] = mc.un.value.level[0];
            c->level[1] = c->channels == 2 ? mc.un.value.level[1] : mc.un.value.level[0];
        }
        return;
    }
    c->type = di[i].type == NB_MIXER_ENUM ? AUDIO_MIX_ENUM : AUDIO_MIX_SET;
    int m = di[i].un.e.num_mem;
    c->nmembers = m < 0 ? 0 : m > AUDIO_MIXER_MAX_ENUM ? AUDIO_MIXER_MAX_ENUM : m;
    for (int k = 0; k < c->nmembers; k++) {
        memcpy(c->members[k], di[i].un.e.member[k].label, 15);
        c->members[k][15] = 0;
        c->member_val[k] = di[i].un.e.member[k].ord; /* ord and mask share the slot */
    }
    if (dev_ioctl(fd, NB_AUDIO_MIXER_READ, &mc) == 0)
        c->value = mc.un.ord;
}

int audio_mixer_list(int unit, struct audio_mixer_ctl *out, int max)
{
    int fd = dev_open("mixer", unit, NB_O_RDWR);
    if (fd < 0)
        return fd;
    int n, k = 0;
    struct nb_mixer_devinfo *di = mixer_read_all(fd, &n);
    if (!di) {
        dev_close(fd);
        return -ENOMEM;
    }
    for (int i = 0; i < n && k < max; i++)
        if (di[i].type != NB_MIXER_CLASS)
            mixer_fill(fd, di, n, i, &out[k++]);
    kfree(di);
    dev_close(fd);
    return k;
}

/* "200" or "200,180" into lv[0..2); false if malformed or above 255. */
static bool parse_levels(const char *s, int nch, uint8_t lv[2])
{
    unsigned v[2] = { 0, 0 };
    int k = 0;
    for (;;) {
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9') {
            v[k] = v[k] * 10 + (unsigned)(*s++ - '0');
            if (v[k] > 255)
                return false;
        }
        if (*s == 0)
            break;
        if (*s != ',' || k == 1)
            return false;
        s++;
        k++;
    }
    lv[0] = (uint8_t)v[0];
    lv[1] = (uint8_t)(k == 1 ? v[1] : v[0]);
    return k == 0 || nch == 2;
}

static int member_of(const struct audio_mixer_ctl *c, const char *name, size_t len)
{
    for (int k = 0; k < c->nmembers; k++)
        if (strlen(c->members[k]) == len && strncmp(c->members[k], name, len) == 0)
            return k;
    return -1;
}

int audio_mixer_set(int unit, const char *name, const char *value)
{
    int fd = dev_open("mixer", unit, NB_O_RDWR);
    if (fd < 0)
        return fd;
    int n, r = -ENOENT;
    struct nb_mixer_devinfo *di = mixer_read_all(fd, &n);
    struct audio_mixer_ctl *c = kmalloc(sizeof(*c));
    if (!di || !c) {
        r = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (di[i].type == NB_MIXER_CLASS)
            continue;
        mixer_fill(fd, di, n, i, c);
        if (strcmp(c->name, name) != 0)
            continue;
        struct nb_mixer_ctrl mc;
        memset(&mc, 0, sizeof(mc));
        mc.dev = i;
        mc.type = di[i].type;
        r = -EINVAL;
        if (c->type == AUDIO_MIX_VALUE) {
            mc.un.value.num_channels = c->channels;
            if (!parse_levels(value, c->channels, mc.un.value.level))
                break;
        } else if (c->type == AUDIO_MIX_ENUM) {
            int k = member_of(c, value, strlen(value));
            if (k < 0)
                break;
            mc.un.ord = c->member_val[k];
        } else {
            /* A set: comma-separated member names ("" for none). */
            const char *s = value;
            bool bad = false;
            while (*s && !bad) {
                const char *e = strchr(s, ',');
                size_t len = e ? (size_t)(e - s) : strlen(s);
                int k = member_of(c, s, len);
                if (k < 0)
                    bad = true;
                else
                    mc.un.mask |= c->member_val[k];
                s += len + (e ? 1 : 0);
            }
            if (bad)
                break;
        }
        r = dev_ioctl(fd, NB_AUDIO_MIXER_WRITE, &mc);
        break;
    }
out:
    kfree(c);
    kfree(di);
    dev_close(fd);
    return r;
}

/* ---- /dev/audioN: the device node (<adros/devfs.h>) ----
 *
 * What is written to /dev/audioN is played on unit N, by the writer: a
 * write returns once audio(4) has taken the bytes, fsync and the last
 * close wait for them to be played (AUDIO_DRAIN), so `cp x.wav
 * /dev/audio0` ends with the sound.  A stream that starts with a RIFF/WAVE
 * header is parsed as `play` does (wav_parse): the device is set to its
 * format and only the data chunk's samples are played; anything else is
 * raw PCM in the device's format as audio(4) sets it on open.  The header
 * is gathered over several writes when they are small (up to
 * WAV_HEADER_MAX bytes).  A refused header fails that write and every
 * later one with the reason (-EINVAL malformed, -EOPNOTSUPP a format the
 * device does not take); reading is -EOPNOTSUPP. */

struct node {
    int unit;
    int fd;          /* the rump kernel's, -1 until the format is known */
    int err;         /* sticky: the first failure */
    uint64_t left;   /* bytes still to play (the WAV data chunk), or UINT64_MAX */
    size_t hlen;     /* bytes in hdr, while the start is gathered */
    uint8_t *hdr;    /* WAV_HEADER_MAX, freed once playing */
};

static const char riff[4] = { 'R', 'I', 'F', 'F' };

static uint32_t node_units(void)
{
    /* Audio devices attach when the rump kernel boots and stay: asked
     * once the rump kernel runs, then remembered. */
    static volatile uint32_t known; /* bit 31: asked */
    uint32_t k = __atomic_load_n(&known, __ATOMIC_ACQUIRE);
    if (k & 0x80000000u)
        return k & 0x7fffffffu;
    if (!rump_running())
        return 0;
    struct audio_devinfo d[AUDIO_MAX_DEVS];
    int n = audio_devices(d, AUDIO_MAX_DEVS);
    k = 0;
    for (int i = 0; i < n; i++)
        k |= 1u << d[i].unit;
    __atomic_store_n(&known, k | 0x80000000u, __ATOMIC_RELEASE);
    return k;
}

static int node_open(int unit, void **state)
{
    struct node *nd = kzalloc(sizeof(*nd));
    if (!nd)
        return -ENOMEM;
    nd->unit = unit;
    nd->fd = -1;
    nd->left = UINT64_MAX;
    *state = nd;
    return 0;
}

/* Plays buf[0..len) (cut to what the data chunk has left). */
static int node_play(struct node *nd, const uint8_t *buf, size_t len)
{
    if (len > nd->left)
        len = (size_t)nd->left;
    if (nd->left != UINT64_MAX)
        nd->left -= len;
    return len ? write_all(nd->fd, buf, len) : 0;
}

/* Decides what the gathered start is, once enough of it is known (or at
 * the end, final): opens the device and plays the samples gathered.
 * 0 with nd->fd still -1 means "need more". */
static int node_start(struct node *nd, bool final)
{
    size_t cmp = MIN(nd->hlen, sizeof(riff));
    bool wav = memcmp(nd->hdr, riff, cmp) == 0;
    struct wav_info w;
    const char *why = NULL;
    int r = 0;
    if (wav) {
        if (nd->hlen == 0)
            return 0;
        r = wav_parse(nd->hdr, nd->hlen, UINT64_MAX, &w, &why);
        if (r == -EINVAL && !final && nd->hlen < WAV_HEADER_MAX)
            return 0; /* the header may go on in the next write */
        if (r < 0) {
            kprintf("audio%d: %s: %s\n", nd->unit, r == -EOPNOTSUPP ? "unsupported WAV format" : "not a valid WAV file",
                    why ? why : "?");
            return r;
        }
    }
    int fd = dev_open("audio", nd->unit, NB_O_WRONLY);
    if (fd < 0)
        return fd;
    nd->fd = fd;
    size_t from = 0;
    if (wav) {
        struct audio_format f = { w.rate, w.channels, w.bits };
        r = set_format(fd, &f);
        if (r < 0)
            return r;
        nd->left = w.data_len;
        from = (size_t)MIN((uint64_t)nd->hlen, w.data_off);
    }
    r = node_play(nd, nd->hdr + from, nd->hlen - from);
    kfree(nd->hdr);
    nd->hdr = NULL;
    nd->hlen = 0;
    return r;
}

static ssize_t node_write(void *state, const void *buf, size_t len, uint64_t off)
{
    struct node *nd = state;
    const uint8_t *p = buf;
    size_t used = 0;
    if (nd->err)
        return nd->err;
    if (nd->fd < 0) {
        if (!nd->hdr && !(nd->hdr = kmalloc(WAV_HEADER_MAX)))
            return -ENOMEM;
        used = MIN(len, WAV_HEADER_MAX - nd->hlen);
        memcpy(nd->hdr + nd->hlen, p, used);
        nd->hlen += used;
        nd->err = node_start(nd, false);
    }
    if (!nd->err && nd->fd >= 0)
        nd->err = node_play(nd, p + used, len - used);
    return nd->err ? nd->err : (ssize_t)len;
}

/* Plays what was gathered and waits until the device has played it all. */
static int node_fsync(void *state)
{
    struct node *nd = state;
    if (!nd->err && nd->fd < 0 && nd->hlen)
        nd->err = node_start(nd, true);
    if (nd->err || nd->fd < 0)
        return nd->err;
    return dev_ioctl(nd->fd, NB_AUDIO_DRAIN, NULL);
}

static void node_close(void *state)
{
    struct node *nd = state;
    node_fsync(nd);
    if (nd->fd >= 0)
        dev_close(nd->fd);
    kfree(nd->hdr);
    kfree(nd);
}

static const struct devfs_chr audio_node = {
    .prefix = "audio",
    .units = node_units,
    .open = node_open,
    .write = node_write,
    .fsync = node_fsync,
    .close = node_close,
};

static int audio_node_init(void) { return devfs_register_chr(&audio_node); }
INITCALL(INIT_FS, audio_node_init);

#else /* no audio components */

int audio_devices(struct audio_devinfo *out, int max) { return 0; }
int audio_encodings(int unit, struct audio_encinfo *out, int max) { return -ENODEV; }
int audio_get_state(int unit, struct audio_state *st) { return -ENODEV; }
int audio_play(int unit, const struct audio_format *f, struct audio_source *src)
{
    src->release(src);
    return -ENODEV;
}
int audio_stop(void) { return -ESRCH; }
int audio_stop_wait(uint32_t seq, uint64_t ns) { return 0; }
int audio_play_status(struct audio_play_status *st, uint32_t *seq)
{
    memset(st, 0, sizeof(*st));
    if (seq)
        *seq = 0;
    return 0;
}
int audio_mixer_list(int unit, struct audio_mixer_ctl *out, int max) { return -ENODEV; }
int audio_mixer_set(int unit, const char *name, const char *value) { return -ENODEV; }

#endif
