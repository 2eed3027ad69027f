// SPDX-License-Identifier: GPL-2.0
/* The README's "using /dev/pagemove" example, compiled by `make examples`. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <pagemove.h>

int main(void)
{
	char *buf = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *pages[4];
	int nodes[4], status[4], fd, i;
	struct pagemove_move req = {
		.pid = 0,			/* this process */
		.count = 4,
		.pages = (unsigned long)pages,
		.nodes = (unsigned long)nodes,	/* 0 would only query */
		.status = (unsigned long)status,
	};
	long ret;

	if (buf == MAP_FAILED)
		return 1;
	memset(buf, 1, 4 * 4096);
	for (i = 0; i < 4; i++) {
		pages[i] = buf + i * 4096;
		nodes[i] = 1;
	}
	fd = pagemove_open();
	if (fd < 0) {
		fprintf(stderr, "/dev/pagemove: %s\n", strerror(-fd));
		return 1;
	}
	ret = pagemove_move(fd, &req);	/* default: the seed contract */
	printf("ret %ld: moved %llu, in place %llu, failed %llu\n", ret,
	       (unsigned long long)req.nr_moved, (unsigned long long)req.nr_in_place,
	       (unsigned long long)req.nr_failed);
	for (i = 0; i < 4; i++)
		printf("  page %d: %d\n", i, status[i]);	/* node, or -errno */
	return ret < 0 && ret != -2 /* -ENOENT: nothing needed moving */;
}
