/* The kernel's page tables: one address space, identity-mapped RAM with
 * 4 KiB pages (so single pages can become guard pages), page 0 absent,
 * kernel text and read-only data read-only (CR0.WP makes that bind the
 * kernel too), and uncached identity mappings of device memory on request. */
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/spinlock.h>
#include <adros/string.h>
#include <arch/x86.h>

#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_ADDR 0xfffff000u

extern char _text_start[], _rodata_end[];

static uint32_t *pgdir;
static spinlock_t vmm_lock = SPINLOCK_INIT("vmm");
static bool paging_on;

static uint32_t *alloc_table(void)
{
    paddr_t pa = pmm_alloc_pages(0);
    if (!pa)
        return NULL;
    memset((void *)pa, 0, PAGE_SIZE);
    return (uint32_t *)pa;
}

/* Returns the PTE for va, creating its page table if asked. */
static uint32_t *pte_for(vaddr_t va, bool create)
{
    uint32_t *pde = &pgdir[va >> 22];
    if (!(*pde & PTE_P)) {
        if (!create)
            return NULL;
        uint32_t *pt = alloc_table();
        if (!pt)
            return NULL;
        *pde = (uint32_t)pt | PTE_P | PTE_W;
    }
    uint32_t *pt = (uint32_t *)(*pde & PTE_ADDR);
    return &pt[(va >> 12) & 0x3ff];
}

void vmm_init(void)
{
    pgdir = alloc_table();
    if (!pgdir)
        panic("vmm: no memory for the page directory");
    vaddr_t top = pmm_ram_top();
    for (vaddr_t va = PAGE_SIZE; va < top; va += PAGE_SIZE) {
        uint32_t *pte = pte_for(va, true);
        if (!pte)
            panic("vmm: no memory for page tables");
        uint32_t flags = PTE_P | PTE_W;
        if (va >= (vaddr_t)_text_start && va < (vaddr_t)_rodata_end)
            flags &= ~PTE_W;
        if (va >= 0xa0000 && va < 0x100000)
            flags |= PTE_PCD | PTE_PWT; /* VGA memory, ROMs */
        *pte = va | flags;
    }
    gdt_set_df_cr3((uint32_t)pgdir);
    write_cr3((uint32_t)pgdir);
    write_cr0(read_cr0() | CR0_PG | CR0_WP);
    paging_on = true;
    kprintf("vmm: paging on, %u MiB identity-mapped, page 0 unmapped, text read-only\n",
            (unsigned)(top >> 20));
}

void *vmm_map_mmio(paddr_t pa, size_t size)
{
    if (size == 0 || pa < PAGE_SIZE || (uint64_t)pa + size > 0x100000000ull)
        return NULL;
    vaddr_t start = ALIGN_DOWN(pa, PAGE_SIZE);
    uint64_t end = ALIGN_UP((uint64_t)pa + size, (uint64_t)PAGE_SIZE);
    irqflags_t f = spin_lock_irqsave(&vmm_lock);
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        uint32_t *pte = pte_for((vaddr_t)va, true);
        if (!pte) {
            spin_unlock_irqrestore(&vmm_lock, f);
            return NULL;
        }
        *pte = (uint32_t)va | PTE_P | PTE_W | PTE_PCD | PTE_PWT;
        invlpg((vaddr_t)va);
    }
    spin_unlock_irqrestore(&vmm_lock, f);
    return (void *)pa;
}

void vmm_set_present(vaddr_t va, bool present)
{
    va = ALIGN_DOWN(va, PAGE_SIZE);
    irqflags_t f = spin_lock_irqsave(&vmm_lock);
    uint32_t *pte = pte_for(va, false);
    KASSERT(pte);
    if (present)
        *pte = va | PTE_P | PTE_W;
    else
        *pte = va & PTE_ADDR; /* not present; the frame stays reserved */
    invlpg(va);
    spin_unlock_irqrestore(&vmm_lock, f);
}

bool vmm_is_mapped(vaddr_t va)
{
    if (!paging_on)
        return va >= PAGE_SIZE;
    uint32_t *pde = &pgdir[va >> 22];
    if (!(*pde & PTE_P))
        return false;
    uint32_t *pt = (uint32_t *)(*pde & PTE_ADDR);
    return (pt[(va >> 12) & 0x3ff] & PTE_P) != 0;
}

bool mm_kernel_readable(uintptr_t addr, size_t len)
{
    if (len == 0)
        return true;
    if (addr + len < addr)
        return false;
    for (uintptr_t va = ALIGN_DOWN(addr, PAGE_SIZE); va < addr + len; va += PAGE_SIZE)
        if (!vmm_is_mapped(va))
            return false;
    return true;
}
