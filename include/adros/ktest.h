/* In-kernel tests, reported in KTAP version 1 on the console.
 *
 * A suite is a named array of cases registered in the "ktest_suites" linker
 * section with KTEST_SUITE().  A case is void fn(struct ktest *t).  Each
 * case runs in a thread of its own; an ASSERT that fails ends the case at
 * once, an EXPECT records the failure and goes on.  A case that checks
 * nothing fails ("no assertions"), so a test cannot pass by doing nothing.
 *
 *   static void pmm_roundtrip(struct ktest *t) { KT_EXPECT_EQ(t, a, b); }
 *   KTEST_SUITE(pmm, KTEST_CASE(pmm_roundtrip));
 *
 * Kernel option ktest=all or ktest=<suite>[,<suite>...] runs them, prints the
 * KTAP report and powers off (status 0 when everything passed). */
#ifndef ADROS_KTEST_H
#define ADROS_KTEST_H

#include <adros/types.h>

struct ktest;
typedef void (*ktest_fn)(struct ktest *t);

struct ktest_case {
    const char *name;
    ktest_fn fn;
};

struct ktest_suite {
    const char *name;
    const struct ktest_case *cases;
    size_t ncases;
};

#define KTEST_CASE(fn) { #fn, fn }
#define KTEST_SUITE(id, ...) \
    static const struct ktest_case id##_ktest_cases[] = { __VA_ARGS__ }; \
    static const struct ktest_suite id##_ktest_suite __used __attribute__((section("ktest_suites"), aligned(4))) = { \
        #id, id##_ktest_cases, ARRAY_SIZE(id##_ktest_cases) }

/* Runs the suites named by spec ("all" or a comma list); returns failures. */
int ktest_run(const char *spec);

/* Reporting (used by the macros). */
void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...) __printf(4, 5);
void ktest_pass(struct ktest *t);
__noreturn void ktest_abort(struct ktest *t);
void ktest_skip(struct ktest *t, const char *reason);
/* A diagnostic line ("# ...") in the case's output. */
void ktest_log(struct ktest *t, const char *fmt, ...) __printf(2, 3);
/* Has the current case failed so far? */
bool ktest_failed(const struct ktest *t);

#define KT__CMP(t, fatal, a, op, b, sa, sb) \
    do { \
        int64_t _a = (int64_t)(a), _b = (int64_t)(b); \
        if (_a op _b) \
            ktest_pass(t); \
        else { \
            ktest_fail(t, __FILE__, __LINE__, "expected %s %s %s, got %lld vs %lld (0x%llx vs 0x%llx)", sa, #op, sb, \
                       (long long)_a, (long long)_b, (unsigned long long)_a, (unsigned long long)_b); \
            if (fatal) \
                ktest_abort(t); \
        } \
    } while (0)

#define KT_EXPECT_EQ(t, a, b) KT__CMP(t, 0, a, ==, b, #a, #b)
#define KT_EXPECT_NE(t, a, b) KT__CMP(t, 0, a, !=, b, #a, #b)
#define KT_EXPECT_LT(t, a, b) KT__CMP(t, 0, a, <, b, #a, #b)
#define KT_EXPECT_LE(t, a, b) KT__CMP(t, 0, a, <=, b, #a, #b)
#define KT_EXPECT_GT(t, a, b) KT__CMP(t, 0, a, >, b, #a, #b)
#define KT_EXPECT_GE(t, a, b) KT__CMP(t, 0, a, >=, b, #a, #b)
#define KT_ASSERT_EQ(t, a, b) KT__CMP(t, 1, a, ==, b, #a, #b)
#define KT_ASSERT_NE(t, a, b) KT__CMP(t, 1, a, !=, b, #a, #b)
#define KT_ASSERT_LT(t, a, b) KT__CMP(t, 1, a, <, b, #a, #b)
#define KT_ASSERT_LE(t, a, b) KT__CMP(t, 1, a, <=, b, #a, #b)
#define KT_ASSERT_GT(t, a, b) KT__CMP(t, 1, a, >, b, #a, #b)
#define KT_ASSERT_GE(t, a, b) KT__CMP(t, 1, a, >=, b, #a, #b)

#define KT__BOOL(t, fatal, c, sc) \
    do { \
        if (c) \
            ktest_pass(t); \
        else { \
            ktest_fail(t, __FILE__, __LINE__, "expected %s", sc); \
            if (fatal) \
                ktest_abort(t); \
        } \
    } while (0)
#define KT_EXPECT_TRUE(t, c) KT__BOOL(t, 0, (c), #c)
#define KT_EXPECT_FALSE(t, c) KT__BOOL(t, 0, !(c), "!(" #c ")")
#define KT_ASSERT_TRUE(t, c) KT__BOOL(t, 1, (c), #c)
#define KT_ASSERT_FALSE(t, c) KT__BOOL(t, 1, !(c), "!(" #c ")")
#define KT_ASSERT_NOT_NULL(t, p) KT__BOOL(t, 1, (p) != NULL, #p " != NULL")
#define KT_EXPECT_NULL(t, p) KT__BOOL(t, 0, (p) == NULL, #p " == NULL")

#define KT_EXPECT_STREQ(t, a, b) \
    do { \
        const char *_x = (a), *_y = (b); \
        if (_x && _y && strcmp(_x, _y) == 0) \
            ktest_pass(t); \
        else \
            ktest_fail(t, __FILE__, __LINE__, "expected %s == %s, got \"%s\" vs \"%s\"", #a, #b, _x ? _x : "(null)", \
                       _y ? _y : "(null)"); \
    } while (0)

#define KT_EXPECT_MEMEQ(t, a, b, n) \
    do { \
        if (memcmp((a), (b), (n)) == 0) \
            ktest_pass(t); \
        else \
            ktest_fail(t, __FILE__, __LINE__, "expected %zu bytes at %s and %s to be equal", (size_t)(n), #a, #b); \
    } while (0)

#define KT_SKIP(t, reason) \
    do { \
        ktest_skip(t, reason); \
        return; \
    } while (0)

/* Benchmarks: registered like suites, run by bench=all|<name>,... */
struct kbench {
    const char *name;
    void (*fn)(void);
};
#define KBENCH(id, fnc) \
    static const struct kbench id##_kbench __used __attribute__((section("kbench"), aligned(4))) = { #id, fnc }
int kbench_run(const char *spec);
/* One result, printed as a JSON line ("BENCH {...}") the runner turns into
 * a table: cycles and nanoseconds per operation, and a free-form note. */
void kbench_result(const char *bench, const char *metric, uint64_t cycles, uint64_t ns, const char *note);
/* Sorts v[0..n) ascending (benchmarks take medians of a few samples). */
void kbench_sort64(uint64_t *v, int n);

#endif
