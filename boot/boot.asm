; SPDX-License-Identifier: MIT
; boot/boot.asm: from GRUB (32-bit protected mode, paging off) to kmain
; (64-bit long mode, higher half, on the boot stack).
;
; Contract with the boot loader (multiboot2): eax = 0x36d76289, ebx = the
; physical address of the boot information, flat 32-bit segments, IF = 0.
;
; What this file leaves behind when it calls kmain(magic, mbi_phys):
;   - early page tables (2 MiB pages, present + writable) mapping physical
;     0..1 GiB three times: identity, at KERNEL_VIRT_BASE (the image) and at
;     DIRECT_MAP_BASE (the direct map). The mm layer replaces them later.
;   - CR4.PAE, EFER.LME, EFER.NXE, CR0.PG|WP set; a 64-bit boot GDT loaded
;     (the kernel loads its own GDT with a TSS in gdt_init()).
;   - rsp = __stack_top, rbp = 0 (the end of every backtrace).
;   - COM1 programmed 115200 8N1 (kernel/console/serial.c does it again).
;
; The 32-bit code runs at its physical address (section .boot is linked at
; VMA = LMA = 1 MiB); everything after the jump to the higher half runs at
; KERNEL_VIRT_BASE + physical.

MB2_MAGIC          equ 0xe85250d6
MB2_BOOT_MAGIC     equ 0x36d76289
KERNEL_VIRT_BASE   equ 0xffffffff80000000

COM1               equ 0x3f8

PTE_P              equ 1 << 0
PTE_W              equ 1 << 1
PTE_PS             equ 1 << 7

CR0_PG             equ 1 << 31
CR0_WP             equ 1 << 16
CR4_PAE            equ 1 << 5
MSR_EFER           equ 0xc0000080
EFER_LME           equ 1 << 8
EFER_NXE           equ 1 << 11

extern kmain_entry
extern __stack_top

; ---------------------------------------------------------------------------
; The multiboot2 header: GRUB looks for it in the first 32 KiB of the file,
; 8-byte aligned; linker.ld puts this section first.
section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd 0                                    ; architecture: i386 (32-bit PM)
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))

	; Information request: the kernel needs these tags (required: flags 0).
	align 8
.info_req:
	dw 1, 0
	dd .info_req_end - .info_req
	dd 1                                    ; command line
	dd 2                                    ; boot loader name
	dd 3                                    ; modules
	dd 6                                    ; memory map
.info_req_end:

	; Modules page-aligned, so the mm layer can map them without copying.
	align 8
	dw 6, 0
	dd 8

	; End tag.
	align 8
	dw 0, 0
	dd 8
mb2_header_end:

; ---------------------------------------------------------------------------
section .boot.text progbits alloc exec nowrite align=16
bits 32

global boot_entry32
boot_entry32:
	cli
	mov esp, boot_stack32_top
	mov edi, eax                            ; keep magic and mbi: the checks
	mov esi, ebx                            ; below use eax..edx

	call serial_init32

	cmp edi, MB2_BOOT_MAGIC
	jne .bad_magic

	call cpu_has_cpuid
	test eax, eax
	jz .no_long_mode
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29                       ; LM
	jz .no_long_mode
	test edx, 1 << 20                       ; NX: the mm layer relies on it
	jz .no_nx

	call build_page_tables

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax

	mov eax, boot_pml4
	mov cr3, eax

	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr

	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax

	lgdt [boot_gdt_ptr]
	jmp BOOT_CS:long_mode_entry

.bad_magic:
	mov esi, msg_bad_magic
	jmp fail32
.no_long_mode:
	mov esi, msg_no_lm
	jmp fail32
.no_nx:
	mov esi, msg_no_nx
	; fall through
fail32:
	call serial_puts32
.halt:
	cli
	hlt
	jmp .halt

; Returns eax != 0 when the CPUID instruction exists (EFLAGS.ID toggles).
cpu_has_cpuid:
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21
	push eax
	popfd
	pushfd
	pop eax
	push ecx                                ; restore the original flags
	popfd
	xor eax, ecx
	and eax, 1 << 21
	ret

; PML4[0] and PML4[256] share one PDPT (identity and direct map both start
; at physical 0); PML4[511] -> a PDPT whose entry 510 is the -2 GiB slot.
; All three PDPT entries point at one PD of 512 2 MiB pages (1 GiB).
build_page_tables:
	mov eax, boot_pdpt_low
	or eax, PTE_P | PTE_W
	mov [boot_pml4 + 0 * 8], eax
	mov [boot_pml4 + 256 * 8], eax
	mov eax, boot_pdpt_high
	or eax, PTE_P | PTE_W
	mov [boot_pml4 + 511 * 8], eax

	mov eax, boot_pd
	or eax, PTE_P | PTE_W
	mov [boot_pdpt_low + 0 * 8], eax
	mov [boot_pdpt_high + 510 * 8], eax

	xor ecx, ecx
.next_pde:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_W | PTE_PS
	mov [boot_pd + ecx * 8], eax
	mov dword [boot_pd + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 512
	jb .next_pde
	ret

; 16550 at COM1: 115200 baud (divisor 1), 8 data bits, no parity, 1 stop.
serial_init32:
	mov dx, COM1 + 1
	xor al, al
	out dx, al                              ; no UART interrupts
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al                              ; DLAB on: divisor follows
	mov dx, COM1 + 0
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al                              ; 8N1, DLAB off
	mov dx, COM1 + 2
	mov al, 0xc7
	out dx, al                              ; FIFOs on, cleared
	mov dx, COM1 + 4
	mov al, 0x03
	out dx, al                              ; DTR + RTS
	ret

; Print the NUL-terminated string at esi, '\n' as "\r\n".
serial_puts32:
.next:
	lodsb
	test al, al
	jz .done
	cmp al, 10
	jne .put
	mov al, 13
	call serial_putc32
	mov al, 10
.put:
	call serial_putc32
	jmp .next
.done:
	ret

serial_putc32:
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20                           ; LSR.THRE: transmitter ready
	jz .wait
	mov dx, COM1
	mov al, ah
	out dx, al
	ret

bits 64
long_mode_entry:
	mov ax, BOOT_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rax, higher_half_entry              ; a 64-bit absolute address
	jmp rax

; ---------------------------------------------------------------------------
section .boot.rodata progbits alloc noexec nowrite align=16

BOOT_CS equ boot_gdt.code - boot_gdt
BOOT_DS equ boot_gdt.data - boot_gdt

align 16
boot_gdt:
	dq 0
.code:
	dq 0x00af9a000000ffff                   ; 64-bit code, DPL 0
.data:
	dq 0x00cf92000000ffff                   ; data, DPL 0
boot_gdt_end:

boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt

msg_bad_magic:
	db "boot: not started by a multiboot2 boot loader (bad magic in eax); halting", 10, 0
msg_no_lm:
	db "boot: this CPU does not support 64-bit long mode; halting", 10, 0
msg_no_nx:
	db "boot: this CPU does not support the NX bit; halting", 10, 0

; ---------------------------------------------------------------------------
section .boot.bss nobits alloc noexec write align=4096
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4096
boot_stack32:   resb 1024
boot_stack32_top:

; ---------------------------------------------------------------------------
section .text
bits 64

; Now at KERNEL_VIRT_BASE + physical. Switch to the boot stack and call
; kmain(magic, mbi_phys) through kmain_entry (kernel/arch/x86_64/
; kmain_entry.c: the outermost frame, with the unwind information that ends
; gdb's backtraces); rbp = 0 ends the frame-pointer chain there.
higher_half_entry:
	mov rsp, __stack_top
	xor ebp, ebp
	mov edi, edi                            ; zero-extend magic
	mov esi, esi                            ; zero-extend mbi_phys
	jmp kmain_entry

; No executable stack needed (silences ld).
section .note.GNU-stack noalloc noexec nowrite progbits
