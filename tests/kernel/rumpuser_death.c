/* Death tests for the hypercall layer, started by the boot option
 * rumptest.crash=panic|curlwp (tools/test/plan_rump.py checks the panic
 * report): rumpuser_exit(RUMPUSER_PANIC) must give AdrOS's panic report
 * with a backtrace, and a broken curlwpop rule (SET over a set lwp) must
 * be caught, not silently accepted. */
#include <adros/cmdline.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/string.h>

#include "../../src/rumpuser/rumpuser_adros.h"

KOPTION(rumptest_crash, "rumptest.crash", "rumptest.crash=panic|curlwp: hypercall death tests");

static int rumptest_crash(void)
{
    const char *what = cmdline_get("rumptest.crash");
    if (!what)
        return 0;
    static int l1, l2;
    if (strcmp(what, "panic") == 0) {
        rumpuser_exit(RUMPUSER_PANIC);
    } else if (strcmp(what, "curlwp") == 0) {
        rumpuser_curlwpop(RUMPUSER_LWP_SET, (struct lwp *)&l1);
        rumpuser_curlwpop(RUMPUSER_LWP_SET, (struct lwp *)&l2);
    }
    kprintf(KERN_ERR "rumptest.crash=%s: no panic\n", what);
    return -22;
}
INITCALL(INIT_LATE, rumptest_crash);
