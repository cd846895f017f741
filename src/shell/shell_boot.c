/* The shell is the boot thread's last act (<adros/init.h>, KERNEL_MAIN):
 * script mode (run=, init=) or the interactive prompt, shell_main(). */
#include <adros/init.h>
#include <adros/shell.h>

static void shell_boot(void) { shell_main(); }
KERNEL_MAIN(shell_boot);
