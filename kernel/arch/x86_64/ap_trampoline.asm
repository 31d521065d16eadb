; SPDX-License-Identifier: MIT
; kernel/arch/x86_64/ap_trampoline.asm: where an application processor
; (AP) starts, from the STARTUP IPI in real mode to 64-bit C.
;
; This is a blob, not code run in place: ap_start.c copies
; [ap_trampoline_start, ap_trampoline_end) to physical AP_TRAMPOLINE_PHYS
; (below 1 MiB, page-aligned: the STARTUP vector is its page number) and
; identity-maps that page in the kernel's page tables, so the code is
; still fetchable right after paging goes on. Every address in it is
; therefore AP_TRAMPOLINE_PHYS + (label - ap_trampoline_start).
;
; Before each STARTUP the boot CPU fills the parameter block at the end
; (cr3 below 4 GiB, the AP's stack top, its per-CPU struct, the C entry).
; The AP: real mode -> 32-bit protected mode (own flat GDT) -> PAE, the
; kernel's CR3, EFER.LME|NXE, paging -> 64-bit code -> jumps to
; entry(percpu) on its own stack, rbp = 0. It never returns.

AP_TRAMPOLINE_PHYS equ 0x8000

CR0_PE             equ 1 << 0
CR0_WP             equ 1 << 16
CR0_PG             equ 1 << 31
CR4_PAE            equ 1 << 5
CR4_PGE            equ 1 << 7
MSR_EFER           equ 0xc0000080
EFER_LME           equ 1 << 8
EFER_NXE           equ 1 << 11

%define T(label) (AP_TRAMPOLINE_PHYS + (label - ap_trampoline_start))

section .rodata
align 16
global ap_trampoline_start, ap_trampoline_end, ap_trampoline_params
ap_trampoline_start:

bits 16
	cli
	cld
	xor ax, ax
	mov ds, ax
	lgdt [T(tr_gdt_ptr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword 0x08:T(tr_pm32)

bits 32
tr_pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE | CR4_PGE
	mov cr4, eax
	mov eax, [T(tr_cr3)]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	jmp 0x18:T(tr_lm64)

bits 64
tr_lm64:
	xor eax, eax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [T(tr_stack)]
	mov rdi, [T(tr_percpu)]
	mov rax, [T(tr_entry)]
	xor ebp, ebp
	push rbp			; a return address of 0: ends backtraces
	jmp rax

align 8
tr_gdt:
	dq 0
	dq 0x00cf9a000000ffff		; 0x08: 32-bit code, flat
	dq 0x00cf92000000ffff		; 0x10: data, flat
	dq 0x00af9a000000ffff		; 0x18: 64-bit code
tr_gdt_ptr:
	dw tr_gdt_ptr - tr_gdt - 1
	dd T(tr_gdt)

align 8
ap_trampoline_params:
tr_cr3:    dq 0
tr_stack:  dq 0
tr_percpu: dq 0
tr_entry:  dq 0
ap_trampoline_end:

; No executable stack (the linker warns without this note).
section .note.GNU-stack noalloc noexec nowrite progbits
