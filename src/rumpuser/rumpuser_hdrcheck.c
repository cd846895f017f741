/* Compile-time check that our declarations of the hypercall interface
 * (rumpuser_adros.h) agree with the rump kernel's own rump/rumpuser.h and
 * rumpcomp/pci_user.h, when the user installed them (mk/rump.mk then
 * defines ADROS_RUMP_HEADERS and puts $(RUMP_DIR)/include on the include
 * path).  The PCI half applies when the PCI component is linked
 * (ADROS_RUMP_PCI): a Stage 1 set has no rumpcomp/ headers.  Nothing here generates code.
 *
 * How: NetBSD's header comes first.  Its constants are captured in an
 * enum and undefined, and the few complete types (the upcall structure,
 * the iovec, the enums) and the three functions using them are renamed
 * before ours is included.  Every other function is then declared twice
 * in this file, which the compiler accepts only if the two prototypes are
 * compatible; the renamed ones are compared with
 * __builtin_types_compatible_p against hand-made equivalents, the
 * structures member by member (offset and size). */
#ifdef ADROS_RUMP_HEADERS

#include <adros/types.h>

/* What NetBSD's headers expect from <sys/types.h> and <sys/cdefs.h>. */
typedef int32_t pid_t;
#define __dead __attribute__((__noreturn__))
#define __printflike(a, b) __attribute__((__format__(__printf__, a, b)))
#define LIBRUMPUSER 1

#include <rump/rumpuser.h>
#ifdef ADROS_RUMP_PCI
#include <rumpcomp/pci_user.h>
#endif

#define CAPTURE(x) NB_##x = (x)
enum nb_consts {
    CAPTURE(RUMPUSER_VERSION),
    CAPTURE(RUMPUSER_OPEN_RDONLY), CAPTURE(RUMPUSER_OPEN_WRONLY), CAPTURE(RUMPUSER_OPEN_RDWR),
    CAPTURE(RUMPUSER_OPEN_ACCMODE), CAPTURE(RUMPUSER_OPEN_CREATE), CAPTURE(RUMPUSER_OPEN_EXCL),
    CAPTURE(RUMPUSER_OPEN_BIO),
    CAPTURE(RUMPUSER_FT_OTHER), CAPTURE(RUMPUSER_FT_DIR), CAPTURE(RUMPUSER_FT_REG), CAPTURE(RUMPUSER_FT_BLK),
    CAPTURE(RUMPUSER_FT_CHR),
    CAPTURE(RUMPUSER_BIO_READ), CAPTURE(RUMPUSER_BIO_WRITE), CAPTURE(RUMPUSER_BIO_SYNC),
    CAPTURE(RUMPUSER_IOV_NOSEEK),
    CAPTURE(RUMPUSER_SYNCFD_READ), CAPTURE(RUMPUSER_SYNCFD_WRITE), CAPTURE(RUMPUSER_SYNCFD_BOTH),
    CAPTURE(RUMPUSER_SYNCFD_BARRIER), CAPTURE(RUMPUSER_SYNCFD_SYNC),
    CAPTURE(RUMPUSER_CLOCK_RELWALL), CAPTURE(RUMPUSER_CLOCK_ABSMONO),
    CAPTURE(RUMPUSER_PANIC),
    CAPTURE(RUMPUSER_RANDOM_HARD), CAPTURE(RUMPUSER_RANDOM_NOWAIT),
    CAPTURE(RUMPUSER_LWP_CREATE), CAPTURE(RUMPUSER_LWP_DESTROY), CAPTURE(RUMPUSER_LWP_SET),
    CAPTURE(RUMPUSER_LWP_CLEAR),
    CAPTURE(RUMPUSER_MTX_SPIN), CAPTURE(RUMPUSER_MTX_KMUTEX),
    CAPTURE(RUMPUSER_RW_READER), CAPTURE(RUMPUSER_RW_WRITER),
};
_Static_assert(RUMPUSER_PID_SELF == (int64_t)-1, "RUMPUSER_PID_SELF (theirs)");
static const char nb_param_ncpu[] __attribute__((unused)) = RUMPUSER_PARAM_NCPU;
static const char nb_param_hostname[] __attribute__((unused)) = RUMPUSER_PARAM_HOSTNAME;
#ifdef ADROS_RUMP_PCI
#ifndef RUMPCOMP_USERFEATURE_PCI_DMAFREE
#error the rump PCI component was built without the "DMA free" user feature AdrOS provides
#endif
#ifndef RUMPCOMP_USERFEATURE_PCI_IOSPACE
#error the rump PCI component was built without the "I/O space" user feature AdrOS provides
#endif
#endif

#undef RUMPUSER_VERSION
#undef RUMPUSER_OPEN_RDONLY
#undef RUMPUSER_OPEN_WRONLY
#undef RUMPUSER_OPEN_RDWR
#undef RUMPUSER_OPEN_ACCMODE
#undef RUMPUSER_OPEN_CREATE
#undef RUMPUSER_OPEN_EXCL
#undef RUMPUSER_OPEN_BIO
#undef RUMPUSER_FT_OTHER
#undef RUMPUSER_FT_DIR
#undef RUMPUSER_FT_REG
#undef RUMPUSER_FT_BLK
#undef RUMPUSER_FT_CHR
#undef RUMPUSER_BIO_READ
#undef RUMPUSER_BIO_WRITE
#undef RUMPUSER_BIO_SYNC
#undef RUMPUSER_IOV_NOSEEK
#undef RUMPUSER_SYNCFD_READ
#undef RUMPUSER_SYNCFD_WRITE
#undef RUMPUSER_SYNCFD_BOTH
#undef RUMPUSER_SYNCFD_BARRIER
#undef RUMPUSER_SYNCFD_SYNC
#undef RUMPUSER_PARAM_NCPU
#undef RUMPUSER_PARAM_HOSTNAME
#undef RUMPUSER_PID_SELF
#undef RUMPUSER_PANIC
#undef RUMPUSER_RANDOM_HARD
#undef RUMPUSER_RANDOM_NOWAIT
#undef RUMPUSER_MTX_SPIN
#undef RUMPUSER_MTX_KMUTEX

/* Our complete types and enumerators get other names in this file. */
#define rumpuser_hyperup adros_hyperup
#define rumpuser_iovec adros_iovec
#define rumpcomp_pci_dmaseg adros_pci_dmaseg
#define rumpclock adros_rumpclock
#define rumplwpop adros_rumplwpop
#define rumprwlock adros_rumprwlock
#define RUMPUSER_CLOCK_RELWALL ADROS_CLOCK_RELWALL
#define RUMPUSER_CLOCK_ABSMONO ADROS_CLOCK_ABSMONO
#define RUMPUSER_LWP_CREATE ADROS_LWP_CREATE
#define RUMPUSER_LWP_DESTROY ADROS_LWP_DESTROY
#define RUMPUSER_LWP_SET ADROS_LWP_SET
#define RUMPUSER_LWP_CLEAR ADROS_LWP_CLEAR
#define RUMPUSER_RW_READER ADROS_RW_READER
#define RUMPUSER_RW_WRITER ADROS_RW_WRITER
/* ... and so do the functions whose prototypes name them. */
#define rumpuser_init adros_chk_init
#define rumpuser_iovread adros_chk_iovread
#define rumpuser_iovwrite adros_chk_iovwrite
#define rumpcomp_pci_dmamem_map adros_chk_dmamem_map
#define ADROS_RUMPUSER_HDRCHECK 1
#include "rumpuser_adros.h"
#undef rumpuser_init
#undef rumpuser_iovread
#undef rumpuser_iovwrite
#undef rumpcomp_pci_dmamem_map
#undef rumpuser_hyperup
#undef rumpuser_iovec
#undef rumpcomp_pci_dmaseg

#define SAME(name) _Static_assert(NB_##name == (name), #name " differs from NetBSD's rump/rumpuser.h")
SAME(RUMPUSER_VERSION);
SAME(RUMPUSER_OPEN_RDONLY);
SAME(RUMPUSER_OPEN_WRONLY);
SAME(RUMPUSER_OPEN_RDWR);
SAME(RUMPUSER_OPEN_ACCMODE);
SAME(RUMPUSER_OPEN_CREATE);
SAME(RUMPUSER_OPEN_EXCL);
SAME(RUMPUSER_OPEN_BIO);
SAME(RUMPUSER_FT_OTHER);
SAME(RUMPUSER_FT_DIR);
SAME(RUMPUSER_FT_REG);
SAME(RUMPUSER_FT_BLK);
SAME(RUMPUSER_FT_CHR);
SAME(RUMPUSER_BIO_READ);
SAME(RUMPUSER_BIO_WRITE);
SAME(RUMPUSER_BIO_SYNC);
SAME(RUMPUSER_IOV_NOSEEK);
SAME(RUMPUSER_SYNCFD_READ);
SAME(RUMPUSER_SYNCFD_WRITE);
SAME(RUMPUSER_SYNCFD_BOTH);
SAME(RUMPUSER_SYNCFD_BARRIER);
SAME(RUMPUSER_SYNCFD_SYNC);
SAME(RUMPUSER_PANIC);
SAME(RUMPUSER_RANDOM_HARD);
SAME(RUMPUSER_RANDOM_NOWAIT);
SAME(RUMPUSER_MTX_SPIN);
SAME(RUMPUSER_MTX_KMUTEX);
_Static_assert((int)NB_RUMPUSER_CLOCK_RELWALL == (int)ADROS_CLOCK_RELWALL, "RELWALL");
_Static_assert((int)NB_RUMPUSER_CLOCK_ABSMONO == (int)ADROS_CLOCK_ABSMONO, "ABSMONO");
_Static_assert((int)NB_RUMPUSER_LWP_CREATE == (int)ADROS_LWP_CREATE, "LWP_CREATE");
_Static_assert((int)NB_RUMPUSER_LWP_DESTROY == (int)ADROS_LWP_DESTROY, "LWP_DESTROY");
_Static_assert((int)NB_RUMPUSER_LWP_SET == (int)ADROS_LWP_SET, "LWP_SET");
_Static_assert((int)NB_RUMPUSER_LWP_CLEAR == (int)ADROS_LWP_CLEAR, "LWP_CLEAR");
_Static_assert((int)NB_RUMPUSER_RW_READER == (int)ADROS_RW_READER, "RW_READER");
_Static_assert((int)NB_RUMPUSER_RW_WRITER == (int)ADROS_RW_WRITER, "RW_WRITER");
_Static_assert(RUMPUSER_PID_SELF == (int64_t)-1, "RUMPUSER_PID_SELF (ours)");
_Static_assert(sizeof(nb_param_ncpu) == sizeof(RUMPUSER_PARAM_NCPU), "PARAM_NCPU");
_Static_assert(sizeof(nb_param_hostname) == sizeof(RUMPUSER_PARAM_HOSTNAME), "PARAM_HOSTNAME");
_Static_assert(sizeof(enum rumpclock) == sizeof(enum adros_rumpclock), "enum size");

/* The upcall structure, member by member. */
#define MEMBER(s1, s2, m) \
    _Static_assert(offsetof(s1, m) == offsetof(s2, m) && sizeof(((s1 *)0)->m) == sizeof(((s2 *)0)->m) && \
                       __builtin_types_compatible_p(__typeof__(((s1 *)0)->m), __typeof__(((s2 *)0)->m)), \
                   #s1 "." #m " differs")
#define HYP(m) MEMBER(struct rumpuser_hyperup, struct adros_hyperup, m)
_Static_assert(sizeof(struct rumpuser_hyperup) == sizeof(struct adros_hyperup), "struct rumpuser_hyperup size");
_Static_assert(sizeof(struct rumpuser_hyperup) == 21 * sizeof(void *), "13 upcalls and 8 spare slots");
HYP(hyp_schedule);
HYP(hyp_unschedule);
HYP(hyp_backend_unschedule);
HYP(hyp_backend_schedule);
HYP(hyp_lwproc_switch);
HYP(hyp_lwproc_release);
HYP(hyp_lwproc_rfork);
HYP(hyp_lwproc_newlwp);
HYP(hyp_lwproc_curlwp);
HYP(hyp_syscall);
HYP(hyp_lwpexit);
HYP(hyp_execnotify);
HYP(hyp_getpid);
HYP(hyp__extra);
_Static_assert(sizeof(struct rumpuser_iovec) == sizeof(struct adros_iovec), "struct rumpuser_iovec size");
MEMBER(struct rumpuser_iovec, struct adros_iovec, iov_base);
MEMBER(struct rumpuser_iovec, struct adros_iovec, iov_len);
#ifdef ADROS_RUMP_PCI
_Static_assert(sizeof(struct rumpcomp_pci_dmaseg) == sizeof(struct adros_pci_dmaseg), "dmaseg size");
MEMBER(struct rumpcomp_pci_dmaseg, struct adros_pci_dmaseg, ds_pa);
MEMBER(struct rumpcomp_pci_dmaseg, struct adros_pci_dmaseg, ds_len);
MEMBER(struct rumpcomp_pci_dmaseg, struct adros_pci_dmaseg, ds_vacookie);
#endif

/* The renamed functions, with NetBSD's types substituted by hand. */
typedef int init_nb_t(int, const struct rumpuser_hyperup *);
typedef int init_ours_t(int, const struct adros_hyperup *);
_Static_assert(__builtin_types_compatible_p(__typeof__(rumpuser_init), init_nb_t), "rumpuser_init (theirs)");
_Static_assert(__builtin_types_compatible_p(__typeof__(adros_chk_init), init_ours_t), "rumpuser_init (ours)");
_Static_assert(__builtin_types_compatible_p(__typeof__(rumpuser_iovread),
                                            int(int, struct rumpuser_iovec *, size_t, int64_t, size_t *)),
               "rumpuser_iovread (theirs)");
_Static_assert(__builtin_types_compatible_p(__typeof__(adros_chk_iovread),
                                            int(int, struct adros_iovec *, size_t, int64_t, size_t *)),
               "rumpuser_iovread (ours)");
_Static_assert(__builtin_types_compatible_p(__typeof__(rumpuser_iovwrite),
                                            int(int, const struct rumpuser_iovec *, size_t, int64_t, size_t *)),
               "rumpuser_iovwrite (theirs)");
_Static_assert(__builtin_types_compatible_p(__typeof__(adros_chk_iovwrite),
                                            int(int, const struct adros_iovec *, size_t, int64_t, size_t *)),
               "rumpuser_iovwrite (ours)");
#ifdef ADROS_RUMP_PCI
_Static_assert(__builtin_types_compatible_p(__typeof__(rumpcomp_pci_dmamem_map),
                                            int(struct rumpcomp_pci_dmaseg *, size_t, size_t, void **)),
               "rumpcomp_pci_dmamem_map (theirs)");
#endif
_Static_assert(__builtin_types_compatible_p(__typeof__(adros_chk_dmamem_map),
                                            int(struct adros_pci_dmaseg *, size_t, size_t, void **)),
               "rumpcomp_pci_dmamem_map (ours)");

/* pid_t as NetBSD has it on i386. */
_Static_assert(sizeof(pid_t) == sizeof(rumpuser_pid_t), "pid_t");

#endif /* ADROS_RUMP_HEADERS */

/* (An empty translation unit is not valid ISO C.) */
typedef int rumpuser_hdrcheck_unused_t;
