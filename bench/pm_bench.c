// SPDX-License-Identifier: GPL-2.0
/*
 * pm_bench: the demo and the benchmark. Runs in a guest.
 *   pm_bench demo        a process's pages moving between nodes, before/after
 *   pm_bench [PAGES]     time move_pages(2) against /dev/pagemove (compat and
 *                        default) on the same pages, print the ratios
 */
#include <errno.h>
#include <stdbool.h>
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

/*
 * One timed move of pages[0..n) in calls of @per pages: through the syscall
 * (how 0), pagemove compat (1) or pagemove default (2).
 */
static double time_move(int fd, int how, void **pages, int *nodes, int *status, size_t n, size_t per)
{
	double t = now();
	size_t i;

	for (i = 0; i < n; i += per) {
		size_t k = n - i < per ? n - i : per;
		long ret;

		if (how == 0) {
			ret = syscall(SYS_move_pages, 0, k, pages + i, nodes ? nodes + i : NULL, status + i, 0);
		} else {
			struct pagemove_move req = {
				.flags = how == 1 ? PAGEMOVE_F_COMPAT : 0, .count = k,
				.pages = (unsigned long)(pages + i),
				.nodes = nodes ? (unsigned long)(nodes + i) : 0,
				.status = (unsigned long)(status + i) };

			ret = pagemove_move(fd, &req);
		}
		if (ret < 0 && ret != -ENOENT && !(how == 0 && errno == ENOENT)) {
			perror(how ? "pagemove" : "move_pages");
			exit(1);
		}
	}
	return now() - t;
}

/* Every page must have reached its node, or the timing means nothing. */
static void check_placed(void **pages, const int *nodes, int *status, size_t n, const char *what)
{
	size_t i;

	if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0) < 0) {
		perror("move_pages query");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		if (status[i] != nodes[i]) {
			fprintf(stderr, "pm_bench: %s: page %zu on %d, wanted %d\n", what, i, status[i], nodes[i]);
			exit(1);
		}
	}
}

struct shape {
	const char *name;
	size_t per;		/* pages per call */
	bool interleave;	/* targets 1,0,1,0... instead of all 1 */
	bool in_place;		/* pages already on node 1: lookups only */
	bool query;		/* nodes == NULL */
};

static int bench(int fd, size_t n)
{
	static const char *const names[] = { "move_pages(2)", "pagemove compat", "pagemove default" };
	const struct shape shapes[] = {
		{ .name = "one call, all pages to node 1", .per = n },
		{ .name = "one call, targets interleaved 1,0,1,0...", .per = n, .interleave = true },
		{ .name = "calls of 64 pages, to node 1", .per = 64 },
		{ .name = "calls of 1 page, to node 1", .per = 1 },
		{ .name = "one call, all pages already on node 1", .per = n, .in_place = true },
		{ .name = "one call, query (nodes = NULL)", .per = n, .in_place = true, .query = true },
	};
	enum { NS = sizeof(shapes) / sizeof(shapes[0]), ROUNDS = 5 };
	int *nodes = calloc(n, sizeof(int)), *zero = calloc(n, sizeof(int)), *status = calloc(n, sizeof(int));
	void **pages = calloc(n, sizeof(void *));
	double best[NS][3];
	char *buf = map_pages(n);
	int round, how, sh;
	size_t i;

	for (i = 0; i < n; i++)
		pages[i] = buf + i * PAGE;
	for (sh = 0; sh < NS; sh++)
		for (how = 0; how < 3; how++)
			best[sh][how] = 1e9;
	for (round = 0; round < ROUNDS; round++) {
		for (sh = 0; sh < NS; sh++) {
			for (i = 0; i < n; i++)
				nodes[i] = shapes[sh].interleave ? (int)(~i & 1) : 1;
			for (how = 0; how < 3; how++) {
				double t;

				/* Start from node 0 (or 1) each time, set by the syscall, untimed. */
				time_move(fd, 0, pages, shapes[sh].in_place ? nodes : zero, status, n, n);
				check_placed(pages, shapes[sh].in_place ? nodes : zero, status, n, "reset");
				t = time_move(fd, how, pages, shapes[sh].query ? NULL : nodes, status, n,
					      shapes[sh].per);
				check_placed(pages, nodes, status, n, names[how]);
				if (t < best[sh][how])
					best[sh][how] = t;
			}
		}
	}
	printf("pm_bench: %zu pages (%zu KiB) of anonymous memory, best of %d, same guest\n",
	       n, n * 4, ROUNDS);
	for (sh = 0; sh < NS; sh++) {
		printf("  %s:\n", shapes[sh].name);
		for (how = 0; how < 3; how++)
			printf("    %-18s %9.2f ms   %7.1f us/page   %5.2fx the syscall's speed\n",
			       names[how], best[sh][how] * 1e3, best[sh][how] * 1e6 / n,
			       best[sh][0] / best[sh][how]);
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
