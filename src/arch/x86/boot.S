/* Multiboot v1 entry.  The loader (QEMU -kernel, GRUB) jumps here in 32-bit
 * protected mode with paging off, EAX = 0x2BADB002 and EBX = the multiboot
 * information.  We take the boot stack and call kmain(magic, info). */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory information */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .text.boot, "ax"
    .global _start
    .type _start, @function
_start:
    cli
    cld
    movl $boot_stack_top, %esp
    xorl %ebp, %ebp          /* ends backtraces */
    pushl %ebx               /* multiboot information */
    pushl %eax               /* magic */
    call kmain
1:  cli
    hlt
    jmp 1b
    .size _start, . - _start

    .section .bss
    .align 4096
    /* A guard page below the boot stack: unmapped by sched_init, so that an
     * overflow faults instead of silently corrupting .bss. */
boot_stack_guard:
    .skip 4096
    .global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    .skip 32768
boot_stack_top:
