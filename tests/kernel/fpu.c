/* FPU/SSE state belongs to each thread: several threads do SSE and x87
 * arithmetic on distinct values at once, switching often, and every result
 * is exact.  (Kernel code is built without SSE: the test uses inline asm.) */
#include <adros/ktest.h>
#include <adros/sched.h>

/* Loads v into all four lanes of xmm0..xmm7 with distinct offsets, yields
 * `rounds` times (each yield lets the others clobber the registers if
 * switching were broken), adding lane-wise, and returns the checksum. */
static uint32_t sse_work(uint32_t v, int rounds)
{
    uint32_t init[4] __attribute__((aligned(16))) = { v, v + 1, v + 2, v + 3 };
    uint32_t one[4] __attribute__((aligned(16))) = { 1, 1, 1, 1 };
    uint32_t out[8][4] __attribute__((aligned(16)));
    __asm__ volatile("movdqa (%0), %%xmm0\n\t"
                     "movdqa %%xmm0, %%xmm1\n\tpaddd %%xmm0, %%xmm1\n\t"
                     "movdqa %%xmm1, %%xmm2\n\tpaddd %%xmm0, %%xmm2\n\t"
                     "movdqa %%xmm2, %%xmm3\n\tpaddd %%xmm0, %%xmm3\n\t"
                     "movdqa %%xmm3, %%xmm4\n\tpaddd %%xmm0, %%xmm4\n\t"
                     "movdqa %%xmm4, %%xmm5\n\tpaddd %%xmm0, %%xmm5\n\t"
                     "movdqa %%xmm5, %%xmm6\n\tpaddd %%xmm0, %%xmm6\n\t"
                     "movdqa %%xmm6, %%xmm7\n\tpaddd %%xmm0, %%xmm7\n\t"
                     :
                     : "r"(init)
                     : "memory");
    for (int r = 0; r < rounds; r++) {
        yield();
        __asm__ volatile("movdqa (%0), %%xmm6\n\t" /* xmm6 += 1 each round, xmm7 += xmm6 */
                         "paddd %%xmm6, %%xmm7\n\t"
                         "movdqa %%xmm7, %%xmm6\n\t"
                         "psubd %%xmm7, %%xmm6\n\t" /* xmm6 = 0 */
                         "paddd (%0), %%xmm1\n\t"
                         :
                         : "r"(one)
                         : "memory");
    }
    __asm__ volatile("movdqa %%xmm0, 0(%0)\n\tmovdqa %%xmm1, 16(%0)\n\tmovdqa %%xmm2, 32(%0)\n\t"
                     "movdqa %%xmm3, 48(%0)\n\tmovdqa %%xmm4, 64(%0)\n\tmovdqa %%xmm5, 80(%0)\n\t"
                     "movdqa %%xmm7, 112(%0)\n\t"
                     :
                     : "r"(out)
                     : "memory");
    uint32_t sum = 0;
    for (int k = 0; k < 4; k++)
        sum += out[0][k] * 1 + out[1][k] * 3 + out[2][k] * 5 + out[3][k] * 7 + out[4][k] * 11 + out[5][k] * 13 +
               out[7][k] * 17;
    return sum;
}

static uint32_t sse_expected(uint32_t v, int rounds)
{
    uint32_t sum = 0;
    for (int k = 0; k < 4; k++) {
        uint32_t x = v + (uint32_t)k;
        uint32_t x1 = 2 * x + (uint32_t)rounds, x2 = 3 * x, x3 = 4 * x, x4 = 5 * x, x5 = 6 * x;
        uint32_t x7 = 8 * x + (uint32_t)rounds; /* each round adds 1 */
        sum += x * 1 + x1 * 3 + x2 * 5 + x3 * 7 + x4 * 11 + x5 * 13 + x7 * 17;
    }
    return sum;
}

/* x87: sum 1..n of (v + i) computed in the FPU stack across yields. */
static int64_t x87_work(int32_t v, int n)
{
    int64_t result;
    __asm__ volatile("fldz" ::: "memory");
    for (int i = 1; i <= n; i++) {
        int32_t term = v + i;
        __asm__ volatile("fiaddl %0" : : "m"(term) : "memory");
        if ((i & 7) == 0)
            yield();
    }
    __asm__ volatile("fistpll %0" : "=m"(result) : : "memory");
    return result;
}

static volatile int mismatches;

static void *fpu_thread(void *arg)
{
    uint32_t v = (uint32_t)(uintptr_t)arg * 1000003u;
    for (int rep = 0; rep < 20; rep++) {
        if (sse_work(v + (uint32_t)rep, 25) != sse_expected(v + (uint32_t)rep, 25))
            mismatches++;
        int64_t want = 0;
        for (int i = 1; i <= 64; i++)
            want += (int32_t)(v & 0xffff) + i;
        if (x87_work((int32_t)(v & 0xffff), 64) != want)
            mismatches++;
    }
    return NULL;
}

static void threads_keep_their_state(struct ktest *t)
{
    mismatches = 0;
    struct thread *th[6];
    for (int i = 0; i < 6; i++) {
        struct thread_attr a = { .name = "fpu", .prio = PRIO_NORMAL, .stack_size = 8192,
                                 .flags = PROCESS_FLAG_JOINABLE };
        KT_ASSERT_EQ(t, thread_create(&a, fpu_thread, (void *)(uintptr_t)(i + 1), &th[i]), 0);
    }
    for (int i = 0; i < 6; i++)
        thread_join(th[i], NULL);
    KT_EXPECT_EQ(t, mismatches, 0);
}

static void *fresh_state(void *arg)
{
    /* A new thread starts with a clean FPU: empty x87 stack (tag word all
     * ones) and the default MXCSR. */
    uint8_t area[512] __attribute__((aligned(16)));
    __asm__ volatile("fxsave %0" : "=m"(area));
    uint16_t ftw_abridged = area[4];
    uint32_t mxcsr = *(uint32_t *)(area + 24);
    return (void *)(uintptr_t)((ftw_abridged << 16) | (mxcsr & 0xffff));
}

static void new_thread_clean_state(struct ktest *t)
{
    /* Dirty our own state first. */
    __asm__ volatile("fld1; fld1" ::: "memory");
    struct thread_attr a = { .name = "fresh", .prio = PRIO_NORMAL, .stack_size = 8192,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *th;
    KT_ASSERT_EQ(t, thread_create(&a, fresh_state, NULL, &th), 0);
    void *rv;
    thread_join(th, &rv);
    uint32_t v = (uint32_t)(uintptr_t)rv;
    KT_EXPECT_EQ(t, v >> 16, 0);         /* abridged tag word: all empty */
    KT_EXPECT_EQ(t, v & 0xffff, 0x1f80); /* MXCSR default */
    __asm__ volatile("fstp %%st(0); fstp %%st(0)" ::: "memory");
}

KTEST_SUITE(fpu, KTEST_CASE(threads_keep_their_state), KTEST_CASE(new_thread_clean_state));
