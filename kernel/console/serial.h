/* SPDX-License-Identifier: MIT */
/*
 * The COM1 serial console (16550 UART, 115200 8N1, polled).
 *
 * serial_putc() waits until the transmitter holding register is empty
 * (LSR.THRE) and sends one byte; '\n' goes out as "\r\n". Receive side for
 * a later shell: serial_can_read() and serial_getc_nonblock() (-1 when no
 * byte is waiting). No interrupts are used.
 */
#ifndef KERNEL_SERIAL_H
#define KERNEL_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t len);
void serial_puts(const char *s);
bool serial_can_read(void);
int serial_getc_nonblock(void);

#endif
