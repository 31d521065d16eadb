# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# shellcheck disable=SC2154 # this, rc, WORK...: set by check.sh
# Conformance cases, fork (sourced by tests/conformance/check.sh): fork must
# not deadlock where glibc's tests show real programs fork. Each program
# runs about 2 seconds; a deadlock hangs it until the time limit.

# fork from a SIGUSR1 handler that interrupted malloc/free (glibc's
# tst-mallocfork2 pattern), the signals sent by a child process: the
# program stays single-threaded, as in glibc's test.
case_fork_in_signal_handler() {
	expect_exit0 fork_in_handler process
}
add_case fork_in_signal_handler

# The same with the signals sent by a second thread, so fork takes the C
# library's multi-threaded path (more than glibc's own malloc promises: its
# fork takes its arena locks then, and the plain program hangs on glibc).
case_fork_in_signal_handler_threads() {
	expect_exit0 fork_in_handler thread
}
add_case fork_in_signal_handler_threads

# fork while one thread calls getline (it allocates holding its stream's
# lock) and another fflush(NULL) (it holds the stream list and waits for
# each stream): glibc's tst-malloc-fork-deadlock scenario.
case_fork_with_stdio_threads() {
	expect_exit0 fork_stdio
}
add_case fork_with_stdio_threads
