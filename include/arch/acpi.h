/* ACPI table discovery, as much as interrupt routing needs: the RSDP, the
 * RSDT (or XSDT) and the MADT ("APIC").
 *
 * Every length and checksum is checked; a table that fails is reported and
 * ignored (the caller falls back to the 8259 PIC), never trusted. */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <adros/types.h>

#define ACPI_MAX_IOAPICS 4
#define ACPI_MAX_OVERRIDES 16

/* MPS INTI flags of an interrupt source override. */
#define ACPI_POL_MASK 0x3
#define ACPI_POL_HIGH 0x1
#define ACPI_POL_LOW 0x3
#define ACPI_TRIG_MASK 0xc
#define ACPI_TRIG_EDGE 0x4
#define ACPI_TRIG_LEVEL 0xc

struct acpi_ioapic {
    uint8_t id;
    uint32_t addr;     /* physical MMIO base */
    uint32_t gsi_base; /* first global system interrupt it serves */
};

struct acpi_override {
    uint8_t bus;    /* 0 = ISA */
    uint8_t irq;    /* ISA IRQ */
    uint32_t gsi;
    uint16_t flags; /* ACPI_POL_*, ACPI_TRIG_* (0 = conforms to the bus) */
};

struct acpi_madt_info {
    uint32_t lapic_addr;
    bool pcat_compat; /* the 8259s are present (and must be masked) */
    int n_ioapics;
    struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
    int n_overrides;
    struct acpi_override ovr[ACPI_MAX_OVERRIDES];
};

/* Parses a MADT of len bytes at tbl (header included; the checksum is the
 * caller's business).  Returns 0, or -EINVAL for a malformed table (an
 * entry running past the end, a zero length, no I/O APIC).  Entries past
 * the array limits are dropped with a warning.  Portable: host-tested. */
int acpi_parse_madt(const void *tbl, size_t len, struct acpi_madt_info *out);

/* Finds the RSDP and the MADT in memory and parses it.  Returns 0, -ENOENT
 * (no ACPI or no MADT) or -EINVAL (a bad table; the reason is logged).
 * Needs paging on (maps what it reads). */
int acpi_find_madt(struct acpi_madt_info *out);

#endif
