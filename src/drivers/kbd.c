/* PS/2 keyboard (IRQ 1, scancode set 1) to ASCII for the console: letters,
 * digits, punctuation, shift, ctrl, caps lock, Enter/Backspace/Tab/Esc and
 * the arrow keys (sent as ANSI escape sequences, like a serial terminal). */
#include <adros/console.h>
#include <adros/irq.h>
#include <arch/cpu.h>

static const char normal[128] = {
    0, 27, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t', 'q', 'w', 'e', 'r', 't', 'y',
    'u', 'i', 'o', 'p', '[', ']', '\r', 0, 'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\',
    'z', 'x', 'c', 'v', 'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char shifted[128] = {
    0, 27, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t', 'Q', 'W', 'E', 'R', 'T', 'Y',
    'U', 'I', 'O', 'P', '{', '}', '\r', 0, 'A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|',
    'Z', 'X', 'C', 'V', 'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

static bool shift, ctrl, caps, ext;

static void send_seq(const char *s)
{
    while (*s)
        console_input_byte((uint8_t)*s++);
}

static bool kbd_irq(void *arg)
{
    if (!(inb(0x64) & 1))
        return false;
    uint8_t sc = inb(0x60);
    if (sc == 0xe0) {
        ext = true;
        return true;
    }
    bool release = sc & 0x80;
    sc &= 0x7f;
    if (ext) {
        ext = false;
        if (!release) {
            if (sc == 0x48)
                send_seq("\033[A");
            else if (sc == 0x50)
                send_seq("\033[B");
            else if (sc == 0x4d)
                send_seq("\033[C");
            else if (sc == 0x4b)
                send_seq("\033[D");
        }
        if (sc == 0x1d)
            ctrl = !release;
        return true;
    }
    if (sc == 0x2a || sc == 0x36) {
        shift = !release;
        return true;
    }
    if (sc == 0x1d) {
        ctrl = !release;
        return true;
    }
    if (release)
        return true;
    if (sc == 0x3a) {
        caps = !caps;
        return true;
    }
    char c = (shift ? shifted : normal)[sc];
    if (caps && c >= 'a' && c <= 'z' && !shift)
        c = (char)(c - 32);
    else if (caps && c >= 'A' && c <= 'Z' && shift)
        c = (char)(c + 32);
    if (ctrl && c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 1);
    else if (ctrl && c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 1);
    if (c)
        console_input_byte((uint8_t)c);
    return true;
}

void kbd_init(void)
{
    /* Drain anything pending, then take IRQ 1. */
    for (int i = 0; i < 32 && (inb(0x64) & 1); i++)
        (void)inb(0x60);
    int err;
    irq_register(1, kbd_irq, NULL, "kbd", &err);
}
