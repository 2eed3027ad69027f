// SPDX-License-Identifier: GPL-2.0
/*
 * pm_bench: the demo and the benchmark. Runs in a guest.
 *   pm_bench demo        a process's pages moving between nodes, before/after
 *   pm_bench [PAGES]     time move_pages(2) against /dev/pagemove (compat and
 *                        default) on the same pages, print the ratios
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "pagemove.h"

#define PAGE 4096UL

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *map_pages(size_t n)
{
	char *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(p, n * PAGE, MADV_NOHUGEPAGE);
	memset(p, 0x5a, n * PAGE);
	return p;
}

static void histogram(int fd, int pid, void **pages, int *status, size_t n, const char *when)
{
	struct pagemove_move req = { .pid = pid, .count = n, .pages = (unsigned long)pages,
				     .status = (unsigned long)status };
	int per[4] = { 0 }, other = 0;
	size_t i;

	if (pagemove_move(fd, &req) < 0) {
		perror("query");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		if (status[i] >= 0 && status[i] < 4)
			per[status[i]]++;
		else
			other++;
	}
	printf("  %-28s node0 %5d  node1 %5d  node2 %5d  node3 %5d  other %d\n",
	       when, per[0], per[1], per[2], per[3], other);
}

static int demo(int fd)
{
	size_t n = 2048, i;	/* 8 MiB */
	int pfd[2], node, *nodes = calloc(n, sizeof(int)), *status = calloc(n, sizeof(int));
	void **pages = calloc(n, sizeof(void *));
	char *child_buf;
	pid_t child;

	if (pipe(pfd))
		return 1;
	child = fork();
	if (!child) {
		char *b = map_pages(n);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (write(pfd[1], &b, sizeof(b)) != sizeof(b))
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(pfd[0], &child_buf, sizeof(child_buf)) != sizeof(child_buf))
		return 1;
	for (i = 0; i < n; i++)
		pages[i] = child_buf + i * PAGE;
	printf("process %d holds %zu pages (8 MiB) at %p\n", child, n, (void *)child_buf);
	histogram(fd, child, pages, status, n, "before:");
	for (node = 1; node <= 2; node++) {
		struct pagemove_move req = { .pid = child, .count = n, .pages = (unsigned long)pages,
					     .nodes = (unsigned long)nodes, .status = (unsigned long)status };
		double t;
		long ret;

		for (i = 0; i < n; i++)
			nodes[i] = node;
		t = now();
		ret = pagemove_move(fd, &req);
		t = now() - t;
		printf("pagemove move pid %d -> node %d: ret %ld, moved %llu, in place %llu, failed %llu, %.1f ms\n",
		       child, node, ret, (unsigned long long)req.nr_moved,
		       (unsigned long long)req.nr_in_place, (unsigned long long)req.nr_failed, t * 1e3);
		histogram(fd, child, pages, status, n, "after:");
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}

static double time_syscall(void **pages, int *nodes, int *status, size_t n)
{
	double t = now();

	if (syscall(SYS_move_pages, 0, n, pages, nodes, status, 0) < 0)
		perror("move_pages");
	return now() - t;
}

static double time_module(int fd, void **pages, int *nodes, int *status, size_t n, unsigned int flags)
{
	struct pagemove_move req = { .flags = flags, .count = n, .pages = (unsigned long)pages,
				     .nodes = (unsigned long)nodes, .status = (unsigned long)status };
	double t = now();

	if (pagemove_move(fd, &req) < 0)
		perror("pagemove");
	return now() - t;
}

static int bench(int fd, size_t n)
{
	static const char *const names[] = { "move_pages(2)", "pagemove compat", "pagemove default" };
	int *nodes = calloc(n, sizeof(int)), *status = calloc(n, sizeof(int));
	void **pages = calloc(n, sizeof(void *));
	double best[3][2] = { { 1e9, 1e9 }, { 1e9, 1e9 }, { 1e9, 1e9 } };
	char *buf = map_pages(n);
	int round, how, shape;
	size_t i;

	for (i = 0; i < n; i++)
		pages[i] = buf + i * PAGE;
	/* shape 0: all to one node; shape 1: nodes interleaved 0/1 per page. */
	for (round = 0; round < 5; round++) {
		for (shape = 0; shape < 2; shape++) {
			for (how = 0; how < 3; how++) {
				double t;

				for (i = 0; i < n; i++)
					nodes[i] = 0;
				syscall(SYS_move_pages, 0, n, pages, nodes, status, 0);
				for (i = 0; i < n; i++)
					nodes[i] = shape ? (int)(i & 1) ^ 1 : 1;
				if (how == 0)
					t = time_syscall(pages, nodes, status, n);
				else
					t = time_module(fd, pages, nodes, status, n,
							how == 1 ? PAGEMOVE_F_COMPAT : 0);
				if (t < best[how][shape])
					best[how][shape] = t;
			}
		}
	}
	printf("pm_bench: %zu pages (%zu KiB), best of 5, same guest\n", n, n * 4);
	for (shape = 0; shape < 2; shape++) {
		printf("  %s:\n", shape ? "interleaved targets (0,1,0,1...)" : "all pages to node 1");
		for (how = 0; how < 3; how++)
			printf("    %-18s %8.2f ms   ratio vs syscall %.2fx\n", names[how],
			       best[how][shape] * 1e3, best[0][shape] / best[how][shape]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int fd = pagemove_open();

	if (fd < 0) {
		fprintf(stderr, "pm_bench: %s: %s\n", PAGEMOVE_DEVICE, strerror(-fd));
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "demo"))
		return demo(fd);
	return bench(fd, argc > 1 ? strtoul(argv[1], NULL, 0) : 4096);
}
