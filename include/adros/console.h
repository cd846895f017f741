/* Consoles: COM1 (16550 UART) and VGA text mode.  Output goes to every
 * enabled console; input comes from the UART's interrupt-fed ring buffer (and
 * the PS/2 keyboard when present). */
#ifndef ADROS_CONSOLE_H
#define ADROS_CONSOLE_H

#include <adros/types.h>

void console_init(void);          /* early: UART polled output + VGA */
void console_enable_input(void);  /* once interrupts work */
void console_write(const char *s, size_t n);
/* Returns the next input byte, or -1 if none (nonblocking). */
int console_getc_nb(void);
/* Blocks until a byte arrives or timeout_ns passes (0: forever); -ETIMEDOUT. */
int console_getc(uint64_t timeout_ns);
/* Called by input drivers (interrupt context). */
void console_input_byte(uint8_t c);
uint64_t console_input_dropped(void);

/* Drivers. */
void uart_init(void);
void uart_putc(char c);
void uart_enable_irq(void);
void vga_init(void);
void vga_write(const char *s, size_t n);
bool vga_present(void);
void vga_disable(void);
void kbd_init(void);

#endif
