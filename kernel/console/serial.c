/* SPDX-License-Identifier: MIT */
/*
 * 16550 UART driver for COM1, polled.
 *
 * Invariant: after serial_init() the line is 115200 baud, 8 data bits, no
 * parity, 1 stop bit, FIFOs on, UART interrupts off. Output never drops a
 * byte: it waits for THRE before each write. Works before and after
 * serial_init() as far as the hardware allows (boot.asm programmed it).
 */
#include "kernel/console/serial.h"
#include "kernel/arch/x86_64/io.h"

#define COM1		0x3f8
#define UART_DATA	0	/* RBR on read, THR on write (DLAB=0) */
#define UART_IER	1	/* interrupt enable; divisor high when DLAB=1 */
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5

#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define FCR_ENABLE_CLEAR 0xc7	/* FIFOs on, both cleared, 14-byte trigger */
#define MCR_DTR_RTS	0x03
#define LSR_DATA_READY	0x01
#define LSR_THRE	0x20

#define UART_CLOCK_HZ	115200	/* divisor = UART_CLOCK_HZ / baud */
#define SERIAL_BAUD	115200

void serial_init(void)
{
	unsigned divisor = UART_CLOCK_HZ / SERIAL_BAUD;

	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DATA, divisor & 0xff);
	outb(COM1 + UART_IER, (divisor >> 8) & 0xff);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

static void serial_tx(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		;
	outb(COM1 + UART_DATA, (unsigned char)c);
}

void serial_putc(char c)
{
	if (c == '\n')
		serial_tx('\r');
	serial_tx(c);
}

void serial_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		serial_putc(s[i]);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

bool serial_can_read(void)
{
	return inb(COM1 + UART_LSR) & LSR_DATA_READY;
}

int serial_getc_nonblock(void)
{
	if (!serial_can_read())
		return -1;
	return inb(COM1 + UART_DATA);
}
