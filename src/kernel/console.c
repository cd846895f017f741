/* The console: output fans out to the UART and VGA under one lock; input
 * bytes from the UART (and keyboard) interrupts go into a ring buffer that
 * readers block on. */
#include <adros/console.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/spinlock.h>
#include <adros/sched.h>
#include <adros/sync.h>

static spinlock_t out_lock = SPINLOCK_INIT("console");

#define INBUF 1024
static uint8_t inbuf[INBUF];
static unsigned in_head, in_tail; /* protected by interrupts being off */
static uint64_t in_dropped;
static ksem_t in_avail;
static bool input_ready;

void console_init(void)
{
    uart_init();
    vga_init();
}

void console_write(const char *s, size_t n)
{
    if (panic_in_progress()) {
        /* Whoever held the lock is not coming back. */
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '\n')
                uart_putc('\r');
            uart_putc(s[i]);
        }
        vga_write(s, n);
        return;
    }
    irqflags_t f = spin_lock_irqsave(&out_lock);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
    vga_write(s, n);
    spin_unlock_irqrestore(&out_lock, f);
}

void console_enable_input(void)
{
    ksem_init(&in_avail, 0);
    input_ready = true;
    uart_enable_irq();
    kbd_init();
}

void console_input_byte(uint8_t c)
{
    /* Ctrl-\ prints the thread dump (Ctrl-T's) from the interrupt itself:
     * for a hang where no thread below the console's priority runs, the
     * shell included (issue 21's NVMe hang: a rump interrupt thread
     * busy at PRIO_HIGH).  Never queued as input. */
    if (c == 0x1c) {
        klog_irq_foreground(true); /* shown even while a command holds the log */
        thread_dump();
        klog_irq_foreground(false);
        return;
    }
    irqflags_t f = irq_save();
    if (in_head - in_tail >= INBUF) {
        in_dropped++;
        irq_restore(f);
        return;
    }
    inbuf[in_head++ % INBUF] = c;
    irq_restore(f);
    if (input_ready)
        ksem_up(&in_avail);
}

int console_getc_nb(void)
{
    if (!input_ready || ksem_trydown(&in_avail) != 0)
        return -1;
    irqflags_t f = irq_save();
    int c = inbuf[in_tail++ % INBUF];
    irq_restore(f);
    return c;
}

int console_getc(uint64_t timeout_ns)
{
    if (!input_ready)
        return -ENODEV;
    int r = timeout_ns ? ksem_down_timeout(&in_avail, timeout_ns) : ksem_down(&in_avail);
    if (r < 0)
        return r;
    irqflags_t f = irq_save();
    int c = inbuf[in_tail++ % INBUF];
    irq_restore(f);
    return c;
}

uint64_t console_input_dropped(void) { return in_dropped; }
