/* Kernel console output, the kernel log, and panic.
 *
 * kprintf() logs at LOG_INFO.  klog() takes a level; every message goes into
 * the log ring buffer (see dmesg) and to the consoles when its level is at or
 * below the console level.  A message may carry its level as a prefix made
 * with KERN_ERR etc. ("\001" digit), as in kprintf(KERN_WARN "...").
 * Safe from any context, interrupt handlers included. */
#ifndef ADROS_KPRINTF_H
#define ADROS_KPRINTF_H

#include <adros/format.h>
#include <adros/types.h>

enum log_level { LOG_EMERG, LOG_ALERT, LOG_CRIT, LOG_ERR, LOG_WARN, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
#define KERN_ERR "\0013"
#define KERN_WARN "\0014"
#define KERN_NOTICE "\0015"
#define KERN_INFO "\0016"
#define KERN_DEBUG "\0017"

int kprintf(const char *fmt, ...) __printf(1, 2);
int kvprintf(const char *fmt, va_list ap);
int klog(int level, const char *fmt, ...) __printf(2, 3);
void kputs_raw(const char *s, size_t n); /* straight to the consoles, no log */

void klog_set_console_level(int level);

/* The shell's side of the console: asynchronous log lines never land inside
 * a command's output or the line being typed.
 * - klog_hold(): a command starts.  Until klog_release() or klog_prompt(),
 *   the log lines of every thread but the foreground ones (and a panic's)
 *   stay in the log; then they are written in order, after the output.
 *   Foreground threads: the shell, its input reader (Ctrl-T's dump), the
 *   command running (slot KLOG_FG_JOB).
 * - klog_prompt(redraw): a prompt is shown.  Held lines are written now;
 *   each log line from then on first erases the shown line, and afterwards
 *   redraw() shows the prompt and what was typed again (from column 0, after
 *   a \r, so that it never reads as a new prompt).  redraw() runs under the
 *   prompt lock, which the editor also takes around its own echo
 *   (klog_prompt_lock/unlock; no sleeping inside).
 * One holder at a time: the shell. */
enum { KLOG_FG_SHELL, KLOG_FG_INPUT, KLOG_FG_JOB, KLOG_FG_N };
struct thread;
void klog_set_foreground(unsigned slot, struct thread *t);
/* While on, what interrupt handlers log counts as foreground too: the
 * console's Ctrl-\ thread dump, printed from its interrupt because no
 * thread may run (src/kernel/console.c). */
void klog_irq_foreground(bool on);
void klog_hold(void);
void klog_release(void);
void klog_prompt(void (*redraw)(void));
uint32_t klog_prompt_lock(void); /* irqflags_t */
void klog_prompt_unlock(uint32_t flags);
/* Copies the log's retained text (oldest first) into buf, whole lines only,
 * NUL-terminated; returns the length the whole log has (may exceed size).
 * Only records at or below max_level are included. */
size_t klog_read(char *buf, size_t size, int max_level);
size_t klog_size(void);

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* Invariant check: panics with the expression, file and line. */
#define KASSERT(e) \
    do { \
        if (unlikely(!(e))) \
            panic("assertion \"%s\" failed at %s:%d", #e, __FILE__, __LINE__); \
    } while (0)

/* Symbol lookup for backtraces: name of the function containing addr (or
 * NULL), with *off set to addr's offset into it. */
const char *ksym_lookup(uintptr_t addr, uintptr_t *off);
uintptr_t ksym_address(const char *name);
/* Prints a backtrace starting at the given frame pointer.  Returns 0 when
 * the frame chain ended normally, else the stack address where it broke
 * (a frame of code without frame pointers, e.g. NetBSD's in the rump
 * kernel), from which backtrace_scan_n can go on. */
uintptr_t backtrace_from(uintptr_t ebp, uintptr_t eip);
void backtrace(void);
/* Prints the words on the stack from sp up that look like return
 * addresses (for code without frame pointers). */
void backtrace_scan(uintptr_t sp);
void backtrace_scan_n(uintptr_t sp, int max); /* at most max of them */

/* How a panic ends: halt (default), or power off with a failure status
 * (kernel option panic=poweroff, used by the test runner). */
bool panic_in_progress(void);

#endif
