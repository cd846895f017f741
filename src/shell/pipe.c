/* Pipes between the commands of a pipeline: a bounded ring (PIPE_SIZE
 * bytes) with counts of readers and writers.  A reader sees EOF once no
 * writer is left; a writer gets -EPIPE once no reader is left; both wait
 * interruptibly, so Ctrl-C (process_kill) frees them.  Everything changes
 * with interrupts off (one CPU); the copies too (at most PIPE_SIZE bytes). */
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/string.h>
#include "shell_internal.h"

#define PIPE_SIZE 4096

struct sh_pipe {
    unsigned head, tail; /* bytes held: head - tail */
    int readers, writers;
    struct waitq rq, wq;
    char buf[PIPE_SIZE];
};

struct sh_pipe *sh_pipe_new(void)
{
    struct sh_pipe *p = kmalloc(sizeof(*p));
    if (!p)
        return NULL;
    p->head = p->tail = 0;
    p->readers = p->writers = 1;
    waitq_init(&p->rq);
    waitq_init(&p->wq);
    return p;
}

void sh_pipe_close(struct sh_pipe *p, bool writer)
{
    irqflags_t f = irq_save();
    if (writer) {
        p->writers--;
        waitq_wake_all(&p->rq); /* EOF */
    } else {
        p->readers--;
        waitq_wake_all(&p->wq); /* EPIPE */
    }
    bool last = p->readers == 0 && p->writers == 0;
    irq_restore(f);
    if (last)
        kfree(p);
}

/* All of buf, or -EPIPE (no reader left) / -EINTR (killed). */
ssize_t sh_pipe_write(struct sh_pipe *p, const char *buf, size_t n)
{
    size_t done = 0;
    irqflags_t f = irq_save();
    while (done < n) {
        if (p->readers == 0) {
            irq_restore(f);
            return -EPIPE;
        }
        size_t room = PIPE_SIZE - (p->head - p->tail);
        if (room == 0) {
            int r = waitq_wait(&p->wq, 0, true);
            if (r == -EINTR) {
                irq_restore(f);
                return -EINTR;
            }
            continue;
        }
        size_t k = MIN(room, n - done);
        for (size_t i = 0; i < k; i++)
            p->buf[(p->head + i) % PIPE_SIZE] = buf[done + i];
        p->head += (unsigned)k;
        done += k;
        waitq_wake_all(&p->rq);
    }
    irq_restore(f);
    return (ssize_t)n;
}

/* Up to n bytes as soon as any are there; 0 at EOF (no writer left). */
ssize_t sh_pipe_read(struct sh_pipe *p, char *buf, size_t n)
{
    irqflags_t f = irq_save();
    while (p->head == p->tail) {
        if (p->writers == 0) {
            irq_restore(f);
            return 0;
        }
        if (waitq_wait(&p->rq, 0, true) == -EINTR) {
            irq_restore(f);
            return -EINTR;
        }
    }
    size_t k = MIN(n, (size_t)(p->head - p->tail));
    for (size_t i = 0; i < k; i++)
        buf[i] = p->buf[(p->tail + i) % PIPE_SIZE];
    p->tail += (unsigned)k;
    waitq_wake_all(&p->wq);
    irq_restore(f);
    return (ssize_t)k;
}


void sh_pipe_add_writer(struct sh_pipe *p)
{
    irqflags_t f = irq_save();
    p->writers++;
    irq_restore(f);
}
