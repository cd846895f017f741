/* The page-write completion shim (rump_uvm_aiodone.c). */
#ifndef ADROS_RUMP_AIODONE_H
#define ADROS_RUMP_AIODONE_H

#include <stdint.h>

/* NetBSD 7.99's struct uvm_object, vm_page and buf (sys/uvm/uvm_object.h,
 * sys/uvm/uvm_page.h, sys/sys/buf.h): the members the shim uses, at
 * NetBSD's offsets on i386, the rest padding.  tools/build/layoutcheck.py
 * compares them with the rump kernel's debug information at every link
 * (src/rump/rump_layouts.c). */
struct nb_uvm_object {
    void *vmobjlock; /* a kmutex_t * */
    char nb__rest[40];
};

struct nb_vm_page {
    char nb__queues[28];
    void *uanon;     /* a rump kernel page's memory */
    struct nb_uvm_object *uobject;
    int64_t offset;
    uint16_t flags;  /* PG_* */
    char nb__rest[22];
};

struct nb_buf {
    char nb__queue[12];
    void (*b_iodone)(struct nb_buf *);
    int b_error;
    int b_resid;
    uint32_t b_flags; /* B_* */
    int b_prio;
    int b_bufsize;
    int b_bcount;
    uint64_t b_dev;
    void *b_data;
    char nb__rest[128];
};

#ifdef __i386__
_Static_assert(sizeof(struct nb_uvm_object) == 44, "uvm_object");
_Static_assert(sizeof(struct nb_vm_page) == 68, "vm_page");
_Static_assert(sizeof(struct nb_buf) == 180, "buf");
#endif

#define NB_B_READ 0x00100000u
#define NB_PG_CLEAN 0x0008u
#define NB_PG_PAGEOUT 0x0010u
#define NB_PG_FAKE 0x0040u
#define NB_PAGE_SIZE 4096
#define NB_ENOMEM 12

/* NetBSD's uvm_aio_biodone, reached through the link's --wrap. */
void __wrap_rumpns_uvm_aio_biodone(struct nb_buf *bp);

/* Writes of vnode pages that failed for memory (ENOMEM) and how many pages
 * they held: pages kept dirty instead of lost. */
void rump_aiodone_kept(unsigned long *writes, unsigned long *pages);

/* Injected failures (rump.pdaemon_enomem=N), 0 without the option. */
unsigned long rump_aiodone_injected(void);

#endif
