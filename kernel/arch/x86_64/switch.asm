; SPDX-License-Identifier: MIT
; kernel/arch/x86_64/switch.asm: thread_switch(uint64_t *save_rsp, uint64_t new_rsp)
;
; Saves the callee-saved registers on the current stack, stores rsp in
; *save_rsp, loads new_rsp and pops the registers the other thread saved
; the same way, then returns into that thread (where it called
; thread_switch, or, for a new thread, into the start routine that
; thread_create placed above its six zeroed registers). Called with
; interrupts off; each thread's own code restores its interrupt flag.
; The caller-saved registers are dead across a call: not saved.

section .text
bits 64

global thread_switch
thread_switch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; No executable stack needed (silences ld).
section .note.GNU-stack noalloc noexec nowrite progbits
