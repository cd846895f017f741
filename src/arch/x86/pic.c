/* The 8259A pair: remapped to vectors 32-47, every line masked until a
 * handler is registered.  Spurious IRQ 7/15 are recognised by the in-service
 * register.  When apic_init() has switched to the I/O APIC (ioapic=on), the
 * irqchip_* calls go to ioapic.c/lapic.c instead and the 8259 stays masked. */
#include <adros/irq.h>
#include <arch/apic.h>
#include <arch/x86.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI 0x20
#define PIC_READ_ISR 0x0b
#define PIC_READ_IRR 0x0a

static uint16_t mask = 0xffff;

static void write_mask(void)
{
    outb(PIC1_DATA, mask & 0xff);
    outb(PIC2_DATA, mask >> 8);
}

void pic_init(void)
{
    outb(PIC1_CMD, 0x11); /* ICW1: init, ICW4 follows */
    io_wait();
    outb(PIC2_CMD, 0x11);
    io_wait();
    outb(PIC1_DATA, IRQ_VECTOR_BASE); /* ICW2: vector bases */
    io_wait();
    outb(PIC2_DATA, IRQ_VECTOR_BASE + 8);
    io_wait();
    outb(PIC1_DATA, 4); /* ICW3: slave on IRQ2 */
    io_wait();
    outb(PIC2_DATA, 2);
    io_wait();
    outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
    io_wait();
    outb(PIC2_DATA, 0x01);
    io_wait();
    mask = 0xffff & ~(1u << 2); /* cascade line stays open */
    write_mask();
}

void irqchip_init(void) { pic_init(); }

uint16_t pic_disable(void)
{
    irqflags_t f = irq_save();
    uint16_t open = (uint16_t)~mask & (uint16_t)~(1u << 2);
    mask = 0xffff;
    write_mask();
    irq_restore(f);
    return open;
}

void irqchip_mask(unsigned line)
{
    if (ioapic_active()) {
        ioapic_mask(line);
        return;
    }
    if (line >= 16)
        return;
    irqflags_t f = irq_save();
    mask |= (uint16_t)(1u << line);
    write_mask();
    irq_restore(f);
}

void irqchip_unmask(unsigned line)
{
    if (ioapic_active()) {
        ioapic_unmask(line);
        return;
    }
    if (line >= 16)
        return;
    irqflags_t f = irq_save();
    mask &= (uint16_t)~(1u << line);
    write_mask();
    irq_restore(f);
}

void irqchip_eoi(unsigned line)
{
    if (ioapic_active()) {
        lapic_eoi();
        return;
    }
    if (line >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

static uint8_t read_isr(uint16_t cmd)
{
    outb(cmd, PIC_READ_ISR);
    return inb(cmd);
}

uint16_t pic_pending(void)
{
    outb(PIC1_CMD, PIC_READ_IRR);
    outb(PIC2_CMD, PIC_READ_IRR);
    return (uint16_t)(inb(PIC1_CMD) | inb(PIC2_CMD) << 8);
}

bool irqchip_spurious(unsigned line)
{
    if (ioapic_active())
        return false; /* the local APIC's spurious vector is 255, not a line */
    if (line == 7 && !(read_isr(PIC1_CMD) & 0x80))
        return true; /* no EOI at all */
    if (line == 15 && !(read_isr(PIC2_CMD) & 0x80)) {
        outb(PIC1_CMD, PIC_EOI); /* the master did see the cascade */
        return true;
    }
    return false;
}
