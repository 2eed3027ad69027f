// SPDX-License-Identifier: GPL-2.0
/* dropin_helper: an unmodified libnuma program that pagemove_preload runs under LD_PRELOAD. */
/*
 * Usage: dropin_helper [TARGET [BACK]]   (default: 1 0)
 *
 * Moves 16 touched pages to TARGET with libnuma's numa_move_pages(), then
 * back to BACK with raw syscall(SYS_move_pages). Both calls are made even
 * if the first fails, so the preload's "say it once" can be observed.
 * Each page's node is cross-checked with get_mempolicy(MPOL_F_NODE |
 * MPOL_F_ADDR), which libnuma issues through syscall(): the preload must
 * forward it untouched. Exit 0 when everything matched, 1 otherwise.
 * A failed call prints "<call>: errno <n> (<strerror>)" on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <numa.h>
#include <numaif.h>

#define NPAGES 16

static int check(const char *call, long ret, void **pages, const int *status,
		 int node)
{
	int i, bad = 0;

	if (ret < 0) {
		fprintf(stderr, "%s: errno %d (%s)\n", call, errno, strerror(errno));
		return 1;
	}
	printf("%s: ret %ld, statuses", call, ret);
	for (i = 0; i < NPAGES; i++)
		printf(" %d", status[i]);
	printf("\n");
	if (ret)
		bad = 1;
	for (i = 0; i < NPAGES; i++) {
		int where = -1;

		if (status[i] != node)
			bad = 1;
		if (get_mempolicy(&where, NULL, 0, pages[i],
				  MPOL_F_NODE | MPOL_F_ADDR)) {
			fprintf(stderr, "get_mempolicy: %s\n", strerror(errno));
			bad = 1;
		} else if (where != node) {
			fprintf(stderr, "%s: page %d is on node %d, not %d\n",
				call, i, where, node);
			bad = 1;
		}
	}
	if (bad)
		fprintf(stderr, "%s: expected every page on node %d\n", call, node);
	return bad;
}

int main(int argc, char **argv)
{
	int target = argc > 1 ? atoi(argv[1]) : 1;
	int back = argc > 2 ? atoi(argv[2]) : 0;
	long psz = sysconf(_SC_PAGESIZE);
	int nodes[NPAGES], status[NPAGES];
	void *pages[NPAGES];
	int i, failed = 0;
	long ret;
	char *buf;

	setvbuf(stdout, NULL, _IOLBF, 0);

	/* A forwarded syscall must behave as the real one. */
	if (syscall(SYS_getpid) != getpid()) {
		fprintf(stderr, "syscall(SYS_getpid) was not forwarded\n");
		return 1;
	}

	buf = mmap(NULL, NPAGES * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* One THP would turn sixteen entries into one folio. */
	madvise(buf, NPAGES * psz, MADV_NOHUGEPAGE);
	for (i = 0; i < NPAGES; i++) {
		buf[i * psz] = (char)i;
		pages[i] = buf + i * psz;
	}

	for (i = 0; i < NPAGES; i++) {
		nodes[i] = target;
		status[i] = -123;
	}
	ret = numa_move_pages(0, NPAGES, pages, nodes, status, MPOL_MF_MOVE);
	failed |= check("numa_move_pages", ret, pages, status, target);

	for (i = 0; i < NPAGES; i++) {
		nodes[i] = back;
		status[i] = -123;
	}
	ret = syscall(SYS_move_pages, 0, (unsigned long)NPAGES, pages, nodes,
		      status, MPOL_MF_MOVE);
	failed |= check("syscall(SYS_move_pages)", ret, pages, status, back);

	for (i = 0; i < NPAGES; i++) {
		if (buf[i * psz] != (char)i) {
			fprintf(stderr, "page %d lost its contents\n", i);
			failed = 1;
		}
	}
	printf("%s\n", failed ? "FAIL" : "OK");
	return failed;
}
