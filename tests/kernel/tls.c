/* Thread-local storage through %gs: a __thread variable holds a different
 * value in every thread, across many switches; initialised TLS data starts
 * from its template in each new thread. */
#include <adros/ktest.h>
#include <adros/sched.h>

static __thread uint32_t tls_value;
static __thread uint32_t tls_init = 0xfeedface;
static __thread char tls_buf[100];

static volatile int bad;

static void *tls_thread(void *arg)
{
    uint32_t mine = (uint32_t)(uintptr_t)arg;
    if (tls_init != 0xfeedface || tls_value != 0)
        bad++;
    tls_value = mine;
    tls_init = mine ^ 0x5555;
    for (int i = 0; i < 100; i++)
        tls_buf[i] = (char)(mine + (uint32_t)i);
    for (int r = 0; r < 200; r++) {
        yield();
        if (tls_value != mine || tls_init != (mine ^ 0x5555) || tls_buf[r % 100] != (char)(mine + (uint32_t)(r % 100)))
            bad++;
        /* Through a pointer too: &tls_value must be this thread's copy. */
        volatile uint32_t *p = &tls_value;
        if (*p != mine)
            bad++;
    }
    return NULL;
}

static void distinct_values(struct ktest *t)
{
    bad = 0;
    tls_value = 7;
    struct thread *th[10];
    for (int i = 0; i < 10; i++) {
        struct thread_attr a = { .name = "tls", .prio = PRIO_NORMAL, .stack_size = 8192,
                                 .flags = PROCESS_FLAG_JOINABLE };
        KT_ASSERT_EQ(t, thread_create(&a, tls_thread, (void *)(uintptr_t)(1000 + i * 77), &th[i]), 0);
    }
    for (int i = 0; i < 10; i++)
        thread_join(th[i], NULL);
    KT_EXPECT_EQ(t, bad, 0);
    KT_EXPECT_EQ(t, tls_value, 7); /* ours untouched */
}

static void thread_pointer_is_self(struct ktest *t)
{
    uint32_t tp;
    __asm__ volatile("movl %%gs:0, %0" : "=r"(tp));
    KT_EXPECT_EQ(t, tp, thread_current()->tls_tp);
    KT_EXPECT_LT(t, (uintptr_t)&tls_value, tp);
}

KTEST_SUITE(tls, KTEST_CASE(distinct_values), KTEST_CASE(thread_pointer_is_self));
