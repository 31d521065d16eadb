; SPDX-License-Identifier: MIT
; kernel/arch/x86_64/isr.asm: entry stubs for the 32 CPU exception vectors, the
; 16 PIC interrupt vectors (32..47, kernel/arch/x86_64/irq.c) and the local
; APIC's timer (0xef), IPI (0xf0) and spurious (0xff) vectors (lapic.h).
;
; Every stub leaves the same frame (struct trap_frame, kernel/arch/x86_64/trap.h):
; pushes a 0 where the CPU pushes no error code, then the vector number,
; then all general registers, and calls trap_dispatch(frame). If
; trap_dispatch returns, the registers are restored and iretq resumes the
; interrupted code (with whatever changes the handler made to the frame).
; The stack stays 16-byte aligned at the call: the CPU aligns rsp before
; pushing its 5 words; 5 + 2 + 15 words = 176 bytes.

section .text
bits 64

extern trap_dispatch

%macro ISR_NOERR 1
isr_stub_%1:
	push 0
	push %1
	jmp isr_common
%endmacro

%macro ISR_ERR 1
isr_stub_%1:
	push %1
	jmp isr_common
%endmacro

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                             ; vector and error code
	iretq

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

; Hardware interrupts push no error code: the same frame as ISR_NOERR.
ISR_NOERR 32
ISR_NOERR 33
ISR_NOERR 34
ISR_NOERR 35
ISR_NOERR 36
ISR_NOERR 37
ISR_NOERR 38
ISR_NOERR 39
ISR_NOERR 40
ISR_NOERR 41
ISR_NOERR 42
ISR_NOERR 43
ISR_NOERR 44
ISR_NOERR 45
ISR_NOERR 46
ISR_NOERR 47

; The local APIC's vectors (same frame).
ISR_NOERR 239
ISR_NOERR 240
ISR_NOERR 255
global isr_stub_lapic_timer
isr_stub_lapic_timer equ isr_stub_239
global isr_stub_ipi
isr_stub_ipi equ isr_stub_240
global isr_stub_spurious
isr_stub_spurious equ isr_stub_255

section .rodata
align 8
global isr_stub_table
isr_stub_table:
%assign i 0
%rep 32
	dq isr_stub_%+i
%assign i i + 1
%endrep

global irq_stub_table
irq_stub_table:
%assign i 32
%rep 16
	dq isr_stub_%+i
%assign i i + 1
%endrep

; No executable stack needed (silences ld).
section .note.GNU-stack noalloc noexec nowrite progbits
