/* Interrupt and exception entry stubs.  Each pushes an error code (a dummy 0
 * where the CPU pushes none) and its vector, then the common path saves the
 * registers into a struct trapframe and calls trap_dispatch(tf). */
#include <arch/cpu.h>

.macro ISR_NOERR n
    .global isr\n
isr\n:
    pushl $0
    pushl $\n
    jmp isr_common
.endm
.macro ISR_ERR n
    .global isr\n
isr\n:
    pushl $\n
    jmp isr_common
.endm

    .text
ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31
.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55
ISR_NOERR \n
.endr
ISR_NOERR 255

    .global isr_common
    .type isr_common, @function
isr_common:
    pushal
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    movl $SEL_KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    cld
    /* Make the frame look like a call from the interrupted EIP so that
     * backtraces walk through interrupts. */
    pushl %esp
    call trap_dispatch
    addl $4, %esp
    .global trap_return
trap_return:
    popl %gs
    popl %fs
    popl %es
    popl %ds
    popal
    addl $8, %esp
    iret
    .size isr_common, . - isr_common

    .section .rodata
    .align 4
    .global isr_table
isr_table:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long isr\n
.endr
.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55
    .long isr\n
.endr
