/* arch_switch(prev, next): save the callee-saved registers on prev's stack,
 * store its stack pointer in prev->ctx_esp (offset 0), load next's, restore.
 * Called with interrupts disabled; the flags travel with each thread because
 * every thread enters here from schedule code that saved them. */
    .text
    .global arch_switch
    .type arch_switch, @function
arch_switch:
    movl 4(%esp), %eax      /* prev */
    movl 8(%esp), %edx      /* next */
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, (%eax)
    movl (%edx), %esp
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret
    .size arch_switch, . - arch_switch
