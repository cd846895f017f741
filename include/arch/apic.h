/* The I/O APIC + local APIC interrupt controller (opt-in: ioapic=on).
 *
 * apic_init() decides, once, which controller the irqchip_* interface
 * (include/adros/irq.h, src/arch/x86/pic.c) drives: the 8259 pair (the
 * default) or the I/O APIC(s) found in the ACPI MADT.  Line numbers do not
 * change: line N is still vector 32+N, and an ISA IRQ that the MADT moves to
 * another GSI (QEMU: IRQ 0 -> GSI 2) keeps its ISA number as its line. */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <adros/types.h>

/* Chooses the controller (ioapic=on asks for the I/O APIC; anything wrong
 * with ACPI or the hardware leaves the PIC in charge).  Call once, with
 * paging on and the command line parsed, before interrupts are enabled.
 * Lines already unmasked on the PIC are carried over. */
void apic_init(void);

/* True once the I/O APIC delivers the interrupts. */
bool ioapic_active(void);

/* irqchip_* for the I/O APIC (pic.c dispatches to them). */
void ioapic_mask(unsigned line);
void ioapic_unmask(unsigned line);
/* Routes an edge-triggered line as an NMI; false when it cannot (no I/O
 * APIC, no such line, level-triggered).  ioapic_mask undoes it. */
bool ioapic_route_nmi(unsigned line);

/* A line's redirection entry as the hardware holds it (for tests). */
struct ioapic_route {
    uint32_t gsi;
    uint8_t vector;
    uint8_t dest;      /* physical destination: a LAPIC id */
    bool masked;
    bool level;        /* level-triggered (else edge) */
    bool active_low;
    bool remote_irr;
};
/* Returns 0, -ENODEV (I/O APIC not in use) or -ENOENT (line has no GSI). */
int ioapic_get_route(unsigned line, struct ioapic_route *r);
/* The GSI count and the version register of the I/O APIC serving GSI 0. */
unsigned ioapic_lines(void);

/* Local APIC (lapic.c). */
int lapic_init(uint32_t phys);   /* 0 or -ENODEV; enables it, spurious vector 255 */
uint8_t lapic_id(void);
void lapic_eoi(void);
void lapic_self_ipi(uint8_t vector);

/* 8259 (pic.c): pic_disable masks every line for good and returns the
 * lines that were open (cascade excluded); pic_pending returns the lines
 * with a request latched (the IRR). */
uint16_t pic_disable(void);
uint16_t pic_pending(void);

#endif
