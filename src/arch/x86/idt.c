/* Interrupt descriptor table: vectors 0-31 are CPU exceptions, 32-55 the
 * hardware interrupt lines, 255 the spurious vector.  Vector 8 (double fault)
 * is a task gate onto its own TSS and stack. */
#include <adros/string.h>
#include <arch/x86.h>

struct idt_gate {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t zero;
    uint8_t type;
    uint16_t off_hi;
} __packed;

static struct idt_gate idt[256] __aligned(8);
extern const uint32_t isr_table[56];
extern void isr255(void);

static void set_gate(int v, uint32_t handler, uint16_t sel, uint8_t type)
{
    idt[v].off_lo = handler & 0xffff;
    idt[v].sel = sel;
    idt[v].zero = 0;
    idt[v].type = type;
    idt[v].off_hi = (uint16_t)(handler >> 16);
}

void idt_init(void)
{
    memset(idt, 0, sizeof(idt));
    for (int v = 0; v < 56; v++)
        set_gate(v, isr_table[v], SEL_KCODE, 0x8e); /* present, ring 0, 32-bit interrupt gate */
    set_gate(8, 0, SEL_DFTSS, 0x85);                /* task gate */
    set_gate(255, (uint32_t)isr255, SEL_KCODE, 0x8e);

    struct {
        uint16_t limit;
        uint32_t base;
    } __packed idtr = { sizeof(idt) - 1, (uint32_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}
