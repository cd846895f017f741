/* ACPI: the RSDP, the RSDT/XSDT and the MADT, read-only and just enough
 * for interrupt routing (include/arch/acpi.h).
 *
 * Firmware tables are input like any other: every signature, length and
 * checksum is checked before a field is used, and a bad table is logged
 * and ignored.  The tables sit in the BIOS area or in reserved RAM near
 * the top of memory; what the identity map does not already cover is
 * mapped with vmm_map_mmio (uncached, which costs nothing that matters
 * for a few hundred bytes read once). */
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/string.h>
#include <arch/acpi.h>
#ifndef ADROS_HOST_TEST
#include <adros/irq.h>
#include <adros/mm.h>
#endif

#define SDT_HEADER_LEN 36
#define MADT_FIXED_LEN 44 /* header + local APIC address + flags */
#define SDT_MAX_LEN (64 * 1024)

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

int acpi_parse_madt(const void *tbl, size_t len, struct acpi_madt_info *out)
{
    const uint8_t *t = tbl;
    memset(out, 0, sizeof(*out));
    if (len < MADT_FIXED_LEN || memcmp(t, "APIC", 4) != 0)
        return -EINVAL;
    out->lapic_addr = rd32(t + 36);
    out->pcat_compat = rd32(t + 40) & 1;
    for (size_t off = MADT_FIXED_LEN; off < len;) {
        if (len - off < 2)
            return -EINVAL;
        const uint8_t *e = t + off;
        uint8_t type = e[0], elen = e[1];
        if (elen < 2 || elen > len - off)
            return -EINVAL;
        switch (type) {
        case 1: /* I/O APIC */
            if (elen < 12)
                return -EINVAL;
            if (out->n_ioapics == ACPI_MAX_IOAPICS) {
                klog(LOG_WARN, "acpi: more than %d I/O APICs; ignoring the rest\n", ACPI_MAX_IOAPICS);
                break;
            }
            out->ioapic[out->n_ioapics++] = (struct acpi_ioapic){ e[2], rd32(e + 4), rd32(e + 8) };
            break;
        case 2: /* interrupt source override */
            if (elen < 10)
                return -EINVAL;
            if (out->n_overrides == ACPI_MAX_OVERRIDES) {
                klog(LOG_WARN, "acpi: more than %d interrupt overrides; ignoring the rest\n",
                     ACPI_MAX_OVERRIDES);
                break;
            }
            out->ovr[out->n_overrides++] = (struct acpi_override){ e[2], e[3], rd32(e + 4), rd16(e + 8) };
            break;
        case 5: /* 64-bit local APIC address override */
            if (elen < 12)
                return -EINVAL;
            if (rd32(e + 8) == 0)
                out->lapic_addr = rd32(e + 4);
            break;
        default:
            break;
        }
        off += elen;
    }
    return out->n_ioapics ? 0 : -EINVAL;
}

#ifndef ADROS_HOST_TEST

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* A pointer through which [pa, pa+len) can be read, or NULL. */
static const uint8_t *phys(uint64_t pa, size_t len)
{
    if (len == 0 || pa < 0x1000 || pa + len > 0x100000000ull)
        return NULL;
    if (mm_kernel_readable((uintptr_t)pa, len))
        return (const uint8_t *)(uintptr_t)pa;
    return vmm_map_mmio((paddr_t)pa, len);
}

/* The real-mode segment of the extended BIOS data area, from the BIOS
 * data area in page 0 -- which is kept unmapped to catch NULL, so it is
 * made present just for this one read. */
static uint32_t ebda_base(void)
{
    uintptr_t bda = 0x40e;
    __asm__("" : "+r"(bda)); /* an address, not a NULL-based array to the compiler */
    irqflags_t f = irq_save();
    vmm_set_present(0, true);
    uint16_t seg = *(volatile uint16_t *)bda;
    vmm_set_present(0, false);
    irq_restore(f);
    return (uint32_t)seg << 4;
}

static const uint8_t *scan_rsdp(uint32_t start, uint32_t len)
{
    const uint8_t *p = phys(start, len);
    if (!p)
        return NULL;
    for (uint32_t off = 0; off + 20 <= len; off += 16) {
        const uint8_t *r = p + off;
        if (memcmp(r, "RSD PTR ", 8) != 0)
            continue;
        if (sum(r, 20) != 0) {
            klog(LOG_WARN, "acpi: RSDP at 0x%x: bad checksum, skipped\n", start + off);
            continue;
        }
        if (r[15] >= 2) {
            uint32_t xlen = rd32(r + 20);
            if (xlen < 36 || off + xlen > len || sum(r, xlen) != 0) {
                klog(LOG_WARN, "acpi: RSDP at 0x%x: bad extended checksum/length, skipped\n", start + off);
                continue;
            }
        }
        return r;
    }
    return NULL;
}

/* Maps and checks a whole SDT: signature, length, checksum. */
static const uint8_t *get_sdt(uint64_t pa, const char *sig)
{
    const uint8_t *h = phys(pa, SDT_HEADER_LEN);
    if (!h)
        return NULL;
    if (sig && memcmp(h, sig, 4) != 0)
        return NULL;
    uint32_t len = rd32(h + 4);
    if (len < SDT_HEADER_LEN || len > SDT_MAX_LEN) {
        klog(LOG_WARN, "acpi: table %.4s at 0x%llx: bad length %u\n", (const char *)h, (unsigned long long)pa,
             len);
        return NULL;
    }
    const uint8_t *t = phys(pa, len);
    if (!t)
        return NULL;
    if (sum(t, len) != 0) {
        klog(LOG_WARN, "acpi: table %.4s at 0x%llx: bad checksum\n", (const char *)h, (unsigned long long)pa);
        return NULL;
    }
    return t;
}

int acpi_find_madt(struct acpi_madt_info *out)
{
    const uint8_t *rsdp = NULL;
    uint32_t ebda = ebda_base();
    if (ebda >= 0x80000 && ebda < 0xa0000)
        rsdp = scan_rsdp(ebda, 1024);
    if (!rsdp)
        rsdp = scan_rsdp(0xe0000, 0x20000);
    if (!rsdp) {
        klog(LOG_INFO, "acpi: no RSDP found\n");
        return -ENOENT;
    }
    /* The XSDT when there is one that we can reach, else the RSDT. */
    const uint8_t *root = NULL;
    unsigned entsz = 4;
    if (rsdp[15] >= 2) {
        uint64_t x = rd32(rsdp + 24) | (uint64_t)rd32(rsdp + 28) << 32;
        if (x && (root = get_sdt(x, "XSDT")))
            entsz = 8;
    }
    if (!root)
        root = get_sdt(rd32(rsdp + 16), "RSDT");
    if (!root) {
        klog(LOG_WARN, "acpi: no valid RSDT/XSDT\n");
        return -EINVAL;
    }
    uint32_t n = (rd32(root + 4) - SDT_HEADER_LEN) / entsz;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = root + SDT_HEADER_LEN + i * entsz;
        uint64_t pa = rd32(e) | (entsz == 8 ? (uint64_t)rd32(e + 4) << 32 : 0);
        const uint8_t *h = phys(pa, SDT_HEADER_LEN);
        if (!h || memcmp(h, "APIC", 4) != 0)
            continue;
        const uint8_t *madt = get_sdt(pa, "APIC");
        if (!madt)
            return -EINVAL;
        int r = acpi_parse_madt(madt, rd32(madt + 4), out);
        if (r < 0)
            klog(LOG_WARN, "acpi: MADT at 0x%llx is malformed\n", (unsigned long long)pa);
        return r;
    }
    klog(LOG_INFO, "acpi: no MADT\n");
    return -ENOENT;
}

#endif
