// SOURCES: src/arch/x86/acpi.c
/* Host tests of the MADT parser (acpi_parse_madt): QEMU's table, and
 * malformed ones that must be refused without reading past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <adros/kprintf.h>
#include <arch/acpi.h>

int klog(int level, const char *fmt, ...) { return 0; }

static uint8_t tbl[512];
static size_t len;

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void begin(void)
{
    memset(tbl, 0, sizeof(tbl));
    memcpy(tbl, "APIC", 4);
    put32(tbl + 36, 0xfee00000);
    put32(tbl + 40, 1);
    len = 44;
}

static void add(const uint8_t *e, size_t n)
{
    memcpy(tbl + len, e, n);
    len += n;
}

static void add_lapic(uint8_t id) { add((const uint8_t[]){ 0, 8, id, id, 1, 0, 0, 0 }, 8); }
static void add_ioapic(uint8_t id, uint32_t addr, uint32_t base)
{
    uint8_t e[12] = { 1, 12, id, 0 };
    put32(e + 4, addr);
    put32(e + 8, base);
    add(e, 12);
}
static void add_iso(uint8_t irq, uint32_t gsi, uint16_t flags)
{
    uint8_t e[10] = { 2, 10, 0, irq };
    put32(e + 4, gsi);
    e[8] = (uint8_t)flags;
    e[9] = (uint8_t)(flags >> 8);
    add(e, 10);
}

/* A copy of exactly n bytes on the heap, so ASan catches any overread. */
static int parse_exact(size_t n, struct acpi_madt_info *m)
{
    uint8_t *p = malloc(n);
    memcpy(p, tbl, n);
    int r = acpi_parse_madt(p, n, m);
    free(p);
    return r;
}

static void qemu_madt(void **state)
{
    begin();
    add_lapic(0);
    add_ioapic(0, 0xfec00000, 0);
    add_iso(0, 2, 0);
    add_iso(5, 5, 0xd);
    add_iso(9, 9, 0xd);
    add((const uint8_t[]){ 4, 6, 0xff, 0, 0, 1 }, 6); /* LAPIC NMI: skipped */
    struct acpi_madt_info m;
    assert_int_equal(parse_exact(len, &m), 0);
    assert_int_equal(m.lapic_addr, 0xfee00000);
    assert_true(m.pcat_compat);
    assert_int_equal(m.n_ioapics, 1);
    assert_int_equal(m.ioapic[0].addr, 0xfec00000);
    assert_int_equal(m.ioapic[0].gsi_base, 0);
    assert_int_equal(m.n_overrides, 3);
    assert_int_equal(m.ovr[0].irq, 0);
    assert_int_equal(m.ovr[0].gsi, 2);
    assert_int_equal(m.ovr[1].flags & ACPI_TRIG_MASK, ACPI_TRIG_LEVEL);
    assert_int_equal(m.ovr[1].flags & ACPI_POL_MASK, ACPI_POL_HIGH);
}

static void lapic_override_and_limits(void **state)
{
    begin();
    for (int i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
        add_ioapic((uint8_t)i, 0xfec00000 + 0x1000u * (unsigned)i, 24u * (unsigned)i);
    uint8_t e[12] = { 5, 12, 0, 0 };
    put32(e + 4, 0xfed00000);
    add(e, 12);
    struct acpi_madt_info m;
    assert_int_equal(parse_exact(len, &m), 0);
    assert_int_equal(m.n_ioapics, ACPI_MAX_IOAPICS);
    assert_int_equal(m.lapic_addr, 0xfed00000);
}

static void malformed(void **state)
{
    struct acpi_madt_info m;
    begin();
    add_ioapic(0, 0xfec00000, 0);
    size_t good = len;
    /* Every truncation inside the I/O APIC entry is refused. */
    for (size_t n = 45; n < good; n++)
        assert_int_equal(parse_exact(n, &m), -22);
    assert_int_equal(parse_exact(good, &m), 0);
    /* Too short for the fixed part, wrong signature. */
    assert_int_equal(parse_exact(40, &m), -22);
    tbl[0] = 'X';
    assert_int_equal(parse_exact(good, &m), -22);
    /* A zero-length entry (would loop forever) and one running past the end. */
    begin();
    add_ioapic(0, 0xfec00000, 0);
    add((const uint8_t[]){ 9, 0, 0, 0 }, 4);
    assert_int_equal(parse_exact(len, &m), -22);
    tbl[len - 3] = 200;
    assert_int_equal(parse_exact(len, &m), -22);
    /* An I/O APIC entry shorter than 12 bytes. */
    begin();
    add((const uint8_t[]){ 1, 8, 0, 0, 0, 0, 0xc0, 0xfe }, 8);
    assert_int_equal(parse_exact(len, &m), -22);
    /* No I/O APIC at all. */
    begin();
    add_lapic(0);
    assert_int_equal(parse_exact(len, &m), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qemu_madt),
        cmocka_unit_test(lapic_override_and_limits),
        cmocka_unit_test(malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
