; SPDX-License-Identifier: MIT
; kernel/arch/x86_64/setjmp.asm: ksetjmp/klongjmp (System V AMD64 calling convention).
; Layout of kjmp_buf (kernel/arch/x86_64/setjmp.h): rbx rbp r12 r13 r14 r15 rsp rip
; rflags.
; Only callee-saved state is kept: the caller-saved registers are dead
; across a call anyway. rsp is saved as it will be after ksetjmp returns.
; rflags is restored so a jump out of an exception handler (entered with
; IF = 0) gives back the interrupt flag the code had when it armed the jump.
; klongjmp pushes below the restored rsp: fine, the kernel has no red zone.

section .text
bits 64

global ksetjmp
ksetjmp:
	mov [rdi + 0], rbx
	mov [rdi + 8], rbp
	mov [rdi + 16], r12
	mov [rdi + 24], r13
	mov [rdi + 32], r14
	mov [rdi + 40], r15
	lea rax, [rsp + 8]
	mov [rdi + 48], rax
	mov rax, [rsp]
	mov [rdi + 56], rax
	pushfq
	pop rax
	mov [rdi + 64], rax
	xor eax, eax
	ret

global klongjmp
klongjmp:
	mov eax, esi
	test eax, eax
	jnz .nonzero
	inc eax
.nonzero:
	mov rbx, [rdi + 0]
	mov rbp, [rdi + 8]
	mov r12, [rdi + 16]
	mov r13, [rdi + 24]
	mov r14, [rdi + 32]
	mov r15, [rdi + 40]
	mov rsp, [rdi + 48]
	push qword [rdi + 64]
	popfq
	jmp [rdi + 56]

; No executable stack needed (silences ld).
section .note.GNU-stack noalloc noexec nowrite progbits
