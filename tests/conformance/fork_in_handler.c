/* SPDX-License-Identifier: MIT */
/*
 * build/host/conformance/fork_in_handler: fork from a signal handler that
 * interrupted malloc or free must not deadlock. The pattern of glibc's
 * tst-mallocfork2, written afresh for tests/conformance/check.sh.
 *
 *   fork_in_handler process|thread [FORKS]
 *
 * The main thread allocates and frees in a loop: sizes from 1 byte to
 * 256 KiB (some calls move the break or map pages), 64 blocks kept live,
 * each with a tag at both ends checked before it is freed. SIGUSR1 comes
 * over and over, sent with kill() by a child process ("process": this
 * program stays single-threaded, as in glibc's test) or by a second thread
 * that blocks the signal itself ("thread": fork then takes the C library's
 * multi-threaded path; glibc's own malloc does not survive that one, its
 * fork waits for the arena lock the interrupted malloc holds). The
 * handler forks: the child _exit(0)s at once from the handler, the parent
 * waits for it and counts it. The sender sends the next signal only once
 * the handler is done with the last one (a counter in a shared page), so
 * the main thread runs between two signals instead of living in the
 * handler.
 *
 * The run ends after FORKS forks (default 2000) or 2 seconds, whichever is
 * first (on a loaded machine, up to 30 seconds until 50 forks); it prints "forks N, calls M" and exits 0 when at least MIN_FORKS
 * forks were made, every child exited 0 and every tag held. A deadlock
 * hangs the program: the runner's timeout ends it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOTS		64
#define SECONDS		2
#define MIN_FORKS	50
/* On a loaded machine 2 seconds may not give MIN_FORKS: go on up to
 * this long for them (a hang is the runner's time-out either way). */
#define MAX_SECONDS	30
#define NAP_NS		10000		/* the sender's poll of the counter */

static volatile sig_atomic_t forks, fork_errors;
static volatile int stop_sender;
/* Signals the handler has finished with: a MAP_SHARED page, so that a
 * sender process sees it too. */
static unsigned long *handled;

static void on_usr1(int sig)
{
	int saved = errno, status;
	pid_t pid;

	(void)sig;
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fork_errors = fork_errors + 1;
	else
		forks = forks + 1;
	__atomic_add_fetch(handled, 1, __ATOMIC_RELEASE);
	errno = saved;
}

static void nap(void)
{
	struct timespec ts = { 0, NAP_NS };

	nanosleep(&ts, NULL);
}

/* Signal target, one at a time, while go_on() says so. */
static void send_signals(pid_t target, int (*go_on)(void))
{
	unsigned long seen;

	while (go_on()) {
		seen = __atomic_load_n(handled, __ATOMIC_ACQUIRE);
		if (kill(target, SIGUSR1) != 0)
			return;
		while (__atomic_load_n(handled, __ATOMIC_ACQUIRE) == seen &&
		       go_on())
			nap();
	}
}

static pid_t parent;

static int parent_alive(void)
{
	return getppid() == parent;
}

/* The sender process: signals its parent until the parent is gone. */
static pid_t start_sender_process(void)
{
	pid_t pid;

	parent = getpid();
	pid = fork();
	if (pid == 0) {
		send_signals(parent, parent_alive);
		_exit(0);
	}
	return pid;
}

static int not_stopped(void)
{
	return !__atomic_load_n(&stop_sender, __ATOMIC_RELAXED);
}

static void *sender_thread(void *arg)
{
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	send_signals(getpid(), not_stopped);
	return NULL;
}

static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static size_t pick_size(uint64_t r)
{
	switch (r % 64) {
	case 0:
		return 128 * 1024 + (r >> 8) % (128 * 1024);
	case 1: case 2: case 3: case 4:
		return 1024 + (r >> 8) % 16384;
	default:
		return 1 + (r >> 8) % 512;
	}
}

struct blk {
	unsigned char *p;
	size_t n;
	unsigned char tag;
};

/* One malloc or one free; 0 when malloc failed or a freed block lost its
 * tag. */
static int churn(struct blk *slot, uint64_t *rng)
{
	uint64_t r = next(rng);
	struct blk *b = &slot[r % SLOTS];

	if (b->p) {
		int ok = b->p[0] == b->tag && b->p[b->n - 1] == b->tag;

		free(b->p);
		b->p = NULL;
		return ok;
	}
	b->n = pick_size(r >> 6);
	b->p = malloc(b->n);
	if (!b->p)
		return 0;
	b->tag = (unsigned char)(r >> 40);
	b->p[0] = b->tag;
	b->p[b->n - 1] = b->tag;
	return 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct blk slot[SLOTS];
	struct sigaction sa;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned long calls = 0, bad = 0;
	long want = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
	int threaded = argc > 1 && strcmp(argv[1], "thread") == 0;
	pthread_t tid;
	pid_t sender = -1;
	double end;

	if (argc < 2 || (!threaded && strcmp(argv[1], "process") != 0)) {
		fprintf(stderr, "usage: fork_in_handler process|thread [FORKS]\n");
		return 2;
	}
	handled = mmap(NULL, sizeof(*handled), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (handled == MAP_FAILED)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	if (threaded) {
		if (pthread_create(&tid, NULL, sender_thread, NULL) != 0)
			return 2;
	} else if ((sender = start_sender_process()) < 0) {
		return 2;
	}

	end = now() + SECONDS;
	while (forks < want) {
		bad += !churn(slot, &rng);
		if (++calls % 64 == 0 && now() > end &&
		    (forks >= MIN_FORKS || now() > end - SECONDS + MAX_SECONDS))
			break;
	}

	if (threaded) {
		__atomic_store_n(&stop_sender, 1, __ATOMIC_RELAXED);
		pthread_join(tid, NULL);
	} else {
		kill(sender, SIGKILL);
		waitpid(sender, NULL, 0);
	}
	signal(SIGUSR1, SIG_IGN);
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].p)
			free(slot[i].p);

	printf("forks %d, calls %lu\n", (int)forks, calls);
	if (bad)
		printf("%lu blocks lost their tags or were not allocated\n", bad);
	if (fork_errors)
		printf("%d forks failed or their child did not exit 0\n",
		       (int)fork_errors);
	if (forks < MIN_FORKS)
		printf("too few forks to count (want at least %d)\n", MIN_FORKS);
	return bad || fork_errors || forks < MIN_FORKS;
}
