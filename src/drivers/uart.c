/* 16550 UART on COM1: 115200 8N1, FIFOs on.  Output is polled (it must work
 * in a panic with interrupts off); input arrives by interrupt (IRQ 4) and is
 * handed to the console's ring buffer. */
#include <adros/console.h>
#include <adros/irq.h>
#include <arch/cpu.h>

#define COM1 0x3f8
#define THR 0
#define RBR 0
#define IER 1
#define FCR 2
#define IIR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

static bool present;

void uart_init(void)
{
    outb(COM1 + IER, 0x00);
    outb(COM1 + LCR, 0x80); /* DLAB */
    outb(COM1 + 0, 1);      /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + LCR, 0x03); /* 8N1 */
    outb(COM1 + FCR, 0xc7); /* FIFO on, cleared, 14-byte trigger */
    outb(COM1 + MCR, 0x0b); /* DTR, RTS, OUT2 (IRQ gate) */
    present = inb(COM1 + LSR) != 0xff;
}

void uart_putc(char c)
{
    if (!present)
        return;
    /* Bounded wait: a wedged UART must not hang the kernel. */
    for (int i = 0; i < 100000 && !(inb(COM1 + LSR) & LSR_THRE); i++)
        cpu_pause();
    outb(COM1 + THR, (uint8_t)c);
}

static bool uart_irq(void *arg)
{
    bool any = false;
    while (inb(COM1 + LSR) & LSR_DR) {
        console_input_byte(inb(COM1 + RBR));
        any = true;
    }
    return any;
}

void uart_enable_irq(void)
{
    if (!present)
        return;
    int err;
    if (irq_register(4, uart_irq, NULL, "com1", &err))
        outb(COM1 + IER, 0x01); /* received-data interrupt */
}
