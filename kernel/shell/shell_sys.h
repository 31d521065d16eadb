/* SPDX-License-Identifier: MIT */
/*
 * The shell's commands over the other kernel subsystems (kernel/shell/shell_sys.c):
 * the RAM file system (ls, cat, replay of a /boot trace), the threads, the
 * CPUs, and
 * the object caches' lines of `heap`. Same conventions as every command
 * (kernel/shell/shell.h): one error line on misuse, return 0 or -1.
 */
#ifndef KERNEL_SHELL_SYS_H
#define KERNEL_SHELL_SYS_H

int shell_cmd_ls(int argc, char **argv);
int shell_cmd_cat(int argc, char **argv);
int shell_cmd_replay(int argc, char **argv);
/* A Ctrl-C typed since the last poll (other keys are dropped): the long
 * commands (cat, ktest, replay) poll it between steps. */
int shell_interrupted(void);
int shell_cmd_threads(int argc, char **argv);
int shell_cmd_cpus(int argc, char **argv);
/* The object caches, one line each (for `heap`). */
void shell_print_kmem_caches(void);

#endif
