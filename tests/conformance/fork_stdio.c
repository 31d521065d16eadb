/* SPDX-License-Identifier: MIT */
/*
 * build/host/conformance/fork_stdio: fork while other threads use stdio and
 * malloc must not deadlock. The scenario of glibc's
 * tst-malloc-fork-deadlock, written afresh for tests/conformance/check.sh.
 *
 *   fork_stdio [FORKS]
 *
 * Three threads at once, until FORKS forks were made (default 1000) or
 * 2 seconds passed (on a loaded machine, up to 30 until 50 forks were):
 *   reader   getline() on a file of 1000 lines, again and again, with a
 *            fresh buffer each time: getline allocates while it holds the
 *            stream's lock;
 *   flusher  fflush(NULL): holds the C library's list of streams and
 *            waits for each stream's lock in turn, the reader's included;
 *   main     fork(); the child allocates, frees and _exit()s, the parent
 *            waits for it.
 * fork runs the atfork prepare handlers before the C library takes its
 * stream-list lock: a malloc whose prepare handler takes the allocator's
 * lock first closes the circle (fork: allocator lock, waits for the list;
 * flusher: the list, waits for the reader's stream; reader: the stream,
 * waits for the allocator) and hangs within seconds.
 *
 * Prints "forks N, lines M" and exits 0 when at least MIN_FORKS forks were
 * made, every child exited 0 and every line read back as written. A
 * deadlock hangs the program: the runner's timeout ends it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINES		1000
#define SECONDS		2
#define MIN_FORKS	50
/* On a loaded machine 2 seconds may not give MIN_FORKS: go on up to
 * this long for them (a hang is the runner's time-out either way). */
#define MAX_SECONDS	30

static FILE *input;
static volatile int stop;
static unsigned long lines, bad_lines, flushes;

/* Line i: its number, then i % 200 letters, so lengths vary. */
static void write_line(FILE *f, int i)
{
	fprintf(f, "%d ", i);
	for (int k = 0; k < i % 200; k++)
		fputc('a' + k % 26, f);
	fputc('\n', f);
}

static int line_ok(const char *s, ssize_t len)
{
	char *end;
	long i = strtol(s, &end, 10);

	return end != s && *end == ' ' && i >= 0 && i < LINES &&
	       len == (end - s) + 1 + i % 200 + 1;
}

static int stopped(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static void *reader(void *arg)
{
	(void)arg;
	while (!stopped()) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t len = getline(&line, &cap, input);

		if (len < 0) {
			rewind(input);
		} else {
			lines++;
			if (!line_ok(line, len))
				bad_lines++;
		}
		free(line);
	}
	return NULL;
}

static void *flusher(void *arg)
{
	(void)arg;
	while (!stopped()) {
		fflush(NULL);
		flushes++;
	}
	return NULL;
}

/* In the child: the allocator must work (its lock was not left held). */
static int child(void)
{
	char *p = malloc(100);

	if (!p)
		return 3;
	memset(p, 1, 100);
	free(p);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long want = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	long forks = 0, fork_errors = 0;
	pthread_t rd, fl;
	double end;

	input = tmpfile();
	if (!input)
		return 2;
	for (int i = 0; i < LINES; i++)
		write_line(input, i);
	rewind(input);
	if (pthread_create(&rd, NULL, reader, NULL) != 0 ||
	    pthread_create(&fl, NULL, flusher, NULL) != 0)
		return 2;

	end = now() + SECONDS;
	while (forks < want &&
	       (now() < end || (forks < MIN_FORKS && now() < end - SECONDS + MAX_SECONDS))) {
		int status;
		pid_t pid = fork();

		if (pid == 0)
			_exit(child());
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fork_errors++;
		else
			forks++;
	}

	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(rd, NULL);
	pthread_join(fl, NULL);
	fclose(input);

	printf("forks %ld, lines %lu, flushes %lu\n", forks, lines, flushes);
	if (bad_lines)
		printf("%lu lines read back wrong\n", bad_lines);
	if (fork_errors)
		printf("%ld forks failed or their child did not exit 0\n",
		       fork_errors);
	if (forks < MIN_FORKS)
		printf("too few forks to count (want at least %d)\n", MIN_FORKS);
	return bad_lines || fork_errors || forks < MIN_FORKS;
}
