/* VGA text mode (80x25 at 0xb8000): a simple scrolling terminal.
 *
 * Every access to video memory is slow under emulation, so scrolling moves
 * the CRTC start address through the 32 KiB of text memory (about 200 rows)
 * instead of copying the screen; only when the bottom is reached is the
 * visible screen copied back to the top once. */
#include <adros/console.h>
#include <adros/string.h>
#include <arch/cpu.h>

#define COLS 80
#define ROWS 25
#define VROWS 204 /* rows of text memory: 32 KiB / 160 bytes */
#define ATTR 0x0700

static volatile uint16_t *const vram = (volatile uint16_t *)0xb8000;
static int row, col; /* on the visible screen */
static int top;      /* text-memory row shown at the top of the screen */
static bool enabled;

static void set_start(void)
{
    uint16_t pos = (uint16_t)(top * COLS);
    outb(0x3d4, 0x0c);
    outb(0x3d5, pos >> 8);
    outb(0x3d4, 0x0d);
    outb(0x3d5, pos & 0xff);
}

static void set_cursor(void)
{
    uint16_t pos = (uint16_t)((top + row) * COLS + col);
    outb(0x3d4, 0x0f);
    outb(0x3d5, pos & 0xff);
    outb(0x3d4, 0x0e);
    outb(0x3d5, pos >> 8);
}

void vga_init(void)
{
    for (int i = 0; i < COLS * ROWS; i++)
        vram[i] = ATTR | ' ';
    row = col = top = 0;
    enabled = true;
    set_start();
    set_cursor();
}

bool vga_present(void) { return enabled; }
void vga_disable(void) { enabled = false; }

static void scroll(void)
{
    if (top + ROWS >= VROWS) {
        /* Bottom of text memory: copy the visible rows (but the first) to the top. */
        for (int i = 0; i < COLS * (ROWS - 1); i++)
            vram[i] = vram[(top + 1) * COLS + i];
        top = 0;
    } else {
        top++;
    }
    for (int i = 0; i < COLS; i++)
        vram[(top + ROWS - 1) * COLS + i] = ATTR | ' ';
    row = ROWS - 1;
    set_start();
}

void vga_write(const char *s, size_t n)
{
    if (!enabled)
        return;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n') {
            col = 0;
            row++;
        } else if (c == '\r') {
            col = 0;
        } else if (c == '\b') {
            if (col > 0)
                col--;
        } else if (c == '\t') {
            col = (col + 8) & ~7;
        } else if ((unsigned char)c >= 32) {
            vram[(top + row) * COLS + col] = ATTR | (uint8_t)c;
            col++;
        }
        if (col >= COLS) {
            col = 0;
            row++;
        }
        if (row >= ROWS)
            scroll();
    }
    set_cursor();
}
