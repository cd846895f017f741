/* RIFF/WAVE headers: what `play` accepts (portable; src/lib/wav.c,
 * host-tested in tests/host/test_wav.c).
 *
 * Accepted: PCM (format tag 1, or WAVE_FORMAT_EXTENSIBLE with the PCM
 * subformat), 8-bit unsigned or 16-bit signed little-endian samples, 1 or 2
 * channels, 8000..48000 Hz.  Chunks other than "fmt " and "data" are
 * skipped.  A data chunk longer than the file (a recording cut short, or
 * the 0xffffffff of a streamed one) is clamped to what the file holds, in
 * whole frames. */
#ifndef ADROS_WAV_H
#define ADROS_WAV_H

#include <adros/types.h>

#define WAV_RATE_MIN 8000
#define WAV_RATE_MAX 48000

struct wav_info {
    uint32_t rate;        /* frames per second */
    uint16_t channels;    /* 1 or 2 */
    uint16_t bits;        /* 8 (unsigned) or 16 (signed little-endian) */
    uint16_t frame_bytes; /* channels * bits / 8 */
    uint64_t data_off;    /* where the samples start in the file */
    uint64_t data_len;    /* bytes of samples, a multiple of frame_bytes */
};

/* Parses the start of a file of file_size bytes, hdr[0..len) (the first
 * WAV_HEADER_MAX bytes, or the whole file if shorter).  Returns 0 with *out
 * filled, -EINVAL for a malformed or truncated file, -EOPNOTSUPP for a
 * well-formed one in a format `play` does not take; *why (when not NULL)
 * then says what, for people ("sample rate 96000 Hz is not in 8000..48000"). */
#define WAV_HEADER_MAX 4096
int wav_parse(const uint8_t *hdr, size_t len, uint64_t file_size, struct wav_info *out, const char **why);

/* Milliseconds of sound in data_len bytes. */
uint64_t wav_duration_ms(const struct wav_info *w);

#endif
