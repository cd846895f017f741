/* Sound output through NetBSD's audio(4) in the rump kernel (src/netbsd/
 * audio.c): HD Audio (hdaudio/hdafg), AC'97 (auich) and ES1370 (eap), one
 * path for all three.  Devices are numbered as the rump kernel's
 * /dev/audioN and /dev/mixerN.
 *
 * One playback at a time: audio_play() starts a thread that pulls PCM from
 * an audio_source and writes it to the device, drains it at the end, and
 * releases the source; audio_stop() asks it to stop (the device is flushed,
 * not drained).  The caller keeps running meanwhile and watches it with
 * audio_play_status().  Every function returns 0 (or a count) or a
 * negative errno: -ENODEV without the rump kernel's audio components or
 * device, -EBUSY while another playback runs.  Thread context only. */
#ifndef ADROS_AUDIO_H
#define ADROS_AUDIO_H

#include <adros/types.h>

#define AUDIO_MAX_DEVS 4

struct audio_devinfo {
    int unit;         /* N of /dev/audioN */
    char name[16];    /* the driver's: "HD Audio", "I82801AA-AC97"... */
    char version[16];
    char config[16];  /* the device: "hdafg0", "auich0"... */
};

/* PCM as `play` hands it over: interleaved frames of 8-bit unsigned or
 * 16-bit signed little-endian samples. */
struct audio_format {
    uint32_t rate;     /* frames per second */
    uint16_t channels; /* 1 or 2 */
    uint16_t bits;     /* 8 or 16 */
};

struct audio_encinfo {
    char name[16];     /* NetBSD's: "slinear_le", "ulinear", "mulaw"... */
    int precision;     /* bits */
    bool emulated;     /* converted in software by audio(4) */
};

/* What the device is set to (AUDIO_GETINFO). */
struct audio_state {
    uint32_t rate, channels, precision;
    char encoding[16];
    uint32_t blocksize, buffer_size;
    uint32_t gain;     /* 0..255 */
    uint32_t samples;  /* bytes played since open */
    bool open, active;
};

/* Devices present: fills out[0..max), returns how many. */
int audio_devices(struct audio_devinfo *out, int max);
/* The encodings unit takes: fills out[0..max), returns how many. */
int audio_encodings(int unit, struct audio_encinfo *out, int max);
/* Unit's playback state (as a new opener would find it while idle). */
int audio_get_state(int unit, struct audio_state *st);

/* Where playback takes its samples.  read fills buf[0..len) (len a
 * multiple of the frame size) and returns the bytes given, 0 at the end,
 * or a negative errno; release runs once, on the playback thread, when
 * playback has ended for any reason (or at once, if audio_play fails). */
struct audio_source {
    ssize_t (*read)(struct audio_source *s, void *buf, size_t len);
    void (*release)(struct audio_source *s);
};

/* Starts playing src on unit in format f; returns at once. */
int audio_play(int unit, const struct audio_format *f, struct audio_source *src);
/* Asks the running playback to stop (flushing what is queued); returns at
 * once, the thread ends within one block.  -ESRCH when none runs. */
int audio_stop(void);
/* Stops playback seq (audio_play_status's numbering) if it still runs and
 * waits, at most ns and not interruptibly (a Ctrl-C'd command uses it), for
 * its thread to end: 0 when it has ended, -ETIMEDOUT otherwise. */
int audio_stop_wait(uint32_t seq, uint64_t ns);

struct audio_play_status {
    bool running;        /* a playback thread exists */
    bool draining;       /* all samples written, waiting for the device */
    bool stopped;        /* ended by audio_stop */
    int error;           /* 0, or why playback ended early (negative errno) */
    int unit;
    struct audio_format fmt;
    uint64_t bytes;      /* PCM bytes handed to the device */
    uint64_t start_ns, end_ns; /* clock_gettime_ns() of the first write and of the end */
    uint32_t underruns;  /* times the listener heard something else than our data */
    uint64_t underrun_bytes; /* how much: silence inserted, or replayed/skipped bytes */
};
/* The current playback, or the last one once it ended (all zero if none
 * ran).  seq counts playbacks started, so a caller can tell its own. */
int audio_play_status(struct audio_play_status *st, uint32_t *seq);

/* Mixer controls of unit (/dev/mixerN), named "class.label" as mixerctl(1)
 * names them ("outputs.master"). */
#define AUDIO_MIXER_NAME 40
#define AUDIO_MIXER_MAX_ENUM 8
enum audio_mixer_type { AUDIO_MIX_CLASS, AUDIO_MIX_ENUM, AUDIO_MIX_SET, AUDIO_MIX_VALUE };
struct audio_mixer_ctl {
    int index;
    enum audio_mixer_type type;
    char name[AUDIO_MIXER_NAME];
    int channels;       /* VALUE: 1 or 2 */
    uint8_t level[2];   /* VALUE: 0..255 per channel */
    int value;          /* ENUM: the current ordinal; SET: the mask */
    int nmembers;       /* ENUM/SET */
    char members[AUDIO_MIXER_MAX_ENUM][16];
    int member_val[AUDIO_MIXER_MAX_ENUM]; /* ordinals (ENUM) or bits (SET) */
};
/* Fills out[0..max) with the controls that are not classes; returns how many. */
int audio_mixer_list(int unit, struct audio_mixer_ctl *out, int max);
/* Sets control name: "200" or "200,180" for a VALUE, a member's name
 * for an ENUM, "a,b" members for a SET.  -ENOENT for an unknown control,
 * -EINVAL for a value it does not take. */
int audio_mixer_set(int unit, const char *name, const char *value);

#endif
