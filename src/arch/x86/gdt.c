/* Global descriptor table: flat 4 GiB kernel code and data, the TLS segment
 * whose base is the current thread's thread pointer (%gs), the main TSS and a
 * separate TSS for double faults.  The double-fault handler is a task gate so
 * that it runs on its own stack even when the kernel stack overflowed into
 * its guard page. */
#include <adros/kprintf.h>
#include <adros/string.h>
#include <arch/cpu.h>
#include <arch/x86.h>

struct gdt_entry {
    uint16_t limit_lo;
    uint16_t base_lo;
    uint8_t base_mid;
    uint8_t access;
    uint8_t gran;
    uint8_t base_hi;
} __packed;

struct tss {
    uint16_t link, r0;
    uint32_t esp0;
    uint16_t ss0, r1;
    uint32_t esp1;
    uint16_t ss1, r2;
    uint32_t esp2;
    uint16_t ss2, r3;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10, trap, iomap;
} __packed;

static struct gdt_entry gdt[6] __aligned(8);
static struct tss main_tss, df_tss;
static uint8_t df_stack[8192] __aligned(16);

static void set_entry(int i, uint32_t base, uint32_t limit, uint8_t access, uint8_t gran)
{
    gdt[i].limit_lo = limit & 0xffff;
    gdt[i].base_lo = base & 0xffff;
    gdt[i].base_mid = (base >> 16) & 0xff;
    gdt[i].access = access;
    gdt[i].gran = (uint8_t)(((limit >> 16) & 0x0f) | (gran & 0xf0));
    gdt[i].base_hi = (base >> 24) & 0xff;
}

void gdt_set_tls_base(uint32_t base)
{
    gdt[SEL_TLS >> 3].base_lo = base & 0xffff;
    gdt[SEL_TLS >> 3].base_mid = (base >> 16) & 0xff;
    gdt[SEL_TLS >> 3].base_hi = (base >> 24) & 0xff;
    __asm__ volatile("movw %w0, %%gs" : : "r"(SEL_TLS) : "memory");
}

void gdt_init(void)
{
    set_entry(0, 0, 0, 0, 0);
    set_entry(1, 0, 0xfffff, 0x9a, 0xc0); /* ring 0 code, 4 KiB granularity, 32-bit */
    set_entry(2, 0, 0xfffff, 0x92, 0xc0); /* ring 0 data */
    set_entry(3, 0, 0xfffff, 0x92, 0xc0); /* TLS: base set per thread */

    memset(&main_tss, 0, sizeof(main_tss));
    main_tss.ss0 = SEL_KDATA;
    main_tss.iomap = sizeof(struct tss);
    set_entry(4, (uint32_t)&main_tss, sizeof(main_tss) - 1, 0x89, 0x00);

    memset(&df_tss, 0, sizeof(df_tss));
    df_tss.eip = (uint32_t)double_fault_task;
    df_tss.esp = (uint32_t)(df_stack + sizeof(df_stack));
    df_tss.cs = SEL_KCODE;
    df_tss.ds = df_tss.es = df_tss.ss = df_tss.fs = SEL_KDATA;
    df_tss.gs = SEL_TLS;
    df_tss.eflags = 0x2; /* interrupts off */
    df_tss.iomap = sizeof(struct tss);
    set_entry(5, (uint32_t)&df_tss, sizeof(df_tss) - 1, 0x89, 0x00);

    struct {
        uint16_t limit;
        uint32_t base;
    } __packed gdtr = { sizeof(gdt) - 1, (uint32_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n"
                     "1:\n\t"
                     "movw %w2, %%ds\n\t"
                     "movw %w2, %%es\n\t"
                     "movw %w2, %%ss\n\t"
                     "movw %w2, %%fs\n\t"
                     "movw %w3, %%gs\n\t"
                     "ltr %w4"
                     :
                     : "m"(gdtr), "i"(SEL_KCODE), "r"(SEL_KDATA), "r"(SEL_TLS), "r"(SEL_TSS)
                     : "memory");
}

/* Called when paging is on so the double-fault task uses the same tables. */
void gdt_set_df_cr3(uint32_t cr3) { df_tss.cr3 = cr3; }

/* The interrupted context of a double fault, as saved in the main TSS. */
void gdt_df_context(uint32_t *eip, uint32_t *esp, uint32_t *ebp)
{
    *eip = main_tss.eip;
    *esp = main_tss.esp;
    *ebp = main_tss.ebp;
}
