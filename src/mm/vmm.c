/* The kernel's page tables: one address space, identity-mapped RAM with
 * 4 KiB pages (so single pages can become guard pages), page 0 absent,
 * kernel text and read-only data read-only (CR0.WP makes that bind the
 * kernel too), uncached identity mappings of device memory on request, and
 * the mapping windows (mm.h): VMM_WINDOW_PAGES pages of addresses above
 * RAM whose page tables exist from boot, so entering a page never
 * allocates.  A freed window page is not given out again until the TLB
 * has been flushed: freeing only clears its entry and marks it stale; when
 * an allocation finds no room, one reload of CR3 (one CPU) drops every
 * stale translation and the stale pages become free.  (An invlpg per
 * freed page cost 3 % of a large read through NetBSD's ext2fs under QEMU
 * TCG, where each one is a call into QEMU.) */
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

/* The window range: win_base 0 when there is none.  win_used has a bit per
 * page; win_next is where the next search starts (next fit). */
#define WIN_WORDS (VMM_WINDOW_PAGES / 32)
static vaddr_t win_base;
static uint32_t win_used[WIN_WORDS];  /* allocated or stale */
static uint32_t win_stale[WIN_WORDS]; /* freed, maybe still in the TLB */
static uint32_t win_next, win_in_use, win_peak, win_nstale;
static uint64_t win_allocs, win_refused, win_flushes;

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

/* Places the windows 4 MiB above the end of RAM (past any firmware tables
 * right after it), ending below 2 GiB, where QEMU's PCs put neither RAM nor
 * device memory (their PCI windows start at 2 GiB or higher; BARs are
 * assigned from the top down).  vmm_map_mmio refuses the range. */
static void window_init(vaddr_t ram_top)
{
    uint64_t base = ALIGN_UP((uint64_t)ram_top, 4ull << 20) + (4ull << 20);
    if (base + (uint64_t)VMM_WINDOW_PAGES * PAGE_SIZE > 0x80000000ull) {
        kprintf("vmm: no mapping windows (RAM reaches 2 GiB): NetBSD's pager copies\n");
        return;
    }
    for (uint32_t i = 0; i < VMM_WINDOW_PAGES; i++)
        if (!pte_for((vaddr_t)base + i * PAGE_SIZE, true)) {
            kprintf("vmm: no memory for the mapping windows' page tables\n");
            return;
        }
    win_base = (vaddr_t)base;
}

static bool win_bit(uint32_t i) { return win_used[i / 32] & (1u << (i % 32)); }
static bool win_live(uint32_t i) { return win_bit(i) && !(win_stale[i / 32] & (1u << (i % 32))); }

/* First index of n free pages from start (not wrapping), or -1. */
static int64_t win_find(uint32_t start, uint32_t n)
{
    uint32_t run = 0;
    for (uint32_t i = start; i < VMM_WINDOW_PAGES; i++) {
        if (run == 0 && (i % 32) == 0 && win_used[i / 32] == 0xffffffffu) {
            i += 31; /* a full word */
            continue;
        }
        run = win_bit(i) ? 0 : run + 1;
        if (run == n)
            return (int64_t)i + 1 - n;
    }
    return -1;
}

vaddr_t vmm_window_alloc(uint32_t npages)
{
    if (!win_base || npages == 0 || npages > VMM_WINDOW_PAGES)
        return 0;
    irqflags_t f = spin_lock_irqsave(&vmm_lock);
    int64_t at = win_find(win_next, npages);
    if (at < 0)
        at = win_find(0, npages);
    if (at < 0 && win_nstale) {
        /* Every stale translation out of the TLB at once. */
        write_cr3((uint32_t)pgdir);
        for (uint32_t w = 0; w < WIN_WORDS; w++) {
            win_used[w] &= ~win_stale[w];
            win_stale[w] = 0;
        }
        win_nstale = 0;
        win_flushes++;
        at = win_find(win_next, npages);
        if (at < 0)
            at = win_find(0, npages);
    }
    if (at < 0) {
        win_refused++;
        spin_unlock_irqrestore(&vmm_lock, f);
        return 0;
    }
    for (uint32_t i = (uint32_t)at; i < (uint32_t)at + npages; i++)
        win_used[i / 32] |= 1u << (i % 32);
    win_next = ((uint32_t)at + npages) % VMM_WINDOW_PAGES;
    win_in_use += npages;
    win_peak = MAX(win_peak, win_in_use);
    win_allocs++;
    spin_unlock_irqrestore(&vmm_lock, f);
    return win_base + (vaddr_t)at * PAGE_SIZE;
}

int vmm_window_index(vaddr_t va)
{
    if (!win_base || va < win_base || va - win_base >= VMM_WINDOW_PAGES * PAGE_SIZE)
        return -1;
    return (int)((va - win_base) >> PAGE_SHIFT);
}

void vmm_window_enter(vaddr_t va, paddr_t pa)
{
    int i = vmm_window_index(va);
    if (i < 0 || (va | pa) & (PAGE_SIZE - 1) || !win_live((uint32_t)i) || pa < PAGE_SIZE || pa >= pmm_ram_top())
        panic("vmm: window page %#x -> %#x: not an allocated window page and a RAM frame", va, pa);
    uint32_t *pte = pte_for(va, false);
    *pte = pa | PTE_P | PTE_W;
}

void vmm_window_free(vaddr_t va, uint32_t npages)
{
    int first = vmm_window_index(va);
    if (first < 0 || (va & (PAGE_SIZE - 1)) || npages == 0 || (uint32_t)first + npages > VMM_WINDOW_PAGES)
        panic("vmm: freeing window %#x (%u pages): not a window", va, npages);
    irqflags_t f = spin_lock_irqsave(&vmm_lock);
    for (uint32_t i = (uint32_t)first; i < (uint32_t)first + npages; i++) {
        if (!win_live(i))
            panic("vmm: window page %u freed twice", i);
        win_stale[i / 32] |= 1u << (i % 32);
        *pte_for(win_base + i * PAGE_SIZE, false) = 0;
    }
    win_in_use -= npages;
    win_nstale += npages;
    spin_unlock_irqrestore(&vmm_lock, f);
}

paddr_t vmm_virt_to_phys(vaddr_t va)
{
    if (vmm_window_index(va) < 0)
        return va;
    uint32_t pte = *pte_for(va, false);
    return (pte & PTE_P) ? (pte & PTE_ADDR) | (va & (PAGE_SIZE - 1)) : 0;
}

void vmm_window_get_stats(struct vmm_window_stats *st)
{
    irqflags_t f = spin_lock_irqsave(&vmm_lock);
    *st = (struct vmm_window_stats){ win_base ? VMM_WINDOW_PAGES : 0, win_in_use, win_peak, win_allocs,
                                     win_refused, win_flushes };
    spin_unlock_irqrestore(&vmm_lock, f);
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
    window_init(top);
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
    if (win_base && start < win_base + VMM_WINDOW_PAGES * PAGE_SIZE && end > win_base) {
        kprintf(KERN_ERR "vmm: device memory at %#x overlaps the mapping windows: not mapped\n", pa);
        return NULL;
    }
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
