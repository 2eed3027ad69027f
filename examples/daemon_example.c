// SPDX-License-Identifier: GPL-2.0
/*
 * A tiering daemon's view, compiled by `make examples`: move a range of a
 * process to a node at a bounded rate, each call at most 20 ms, resuming
 * where the last one stopped, then read what the module counted.
 *
 *   daemon_example PID START LENGTH NODE [BYTES_PER_SECOND]
 *
 * (PID 0 and START 0: a 64 MiB buffer of its own.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <pagemove.h>

#define STATS "/sys/class/misc/pagemove/stats/"

static unsigned long long counter(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), STATS "%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long long start, length, end, moved = 0, there = 0, calls = 0, before, bytes;
	int pid, node, fd;
	long ret;

	if (argc < 5) {
		fprintf(stderr, "usage: %s PID START LENGTH NODE [BYTES_PER_SECOND]\n", argv[0]);
		return 2;
	}
	pid = atoi(argv[1]);
	start = strtoull(argv[2], NULL, 0);
	length = strtoull(argv[3], NULL, 0);
	node = atoi(argv[4]);
	if (!pid && !start) {
		char *buf = mmap(NULL, length = 64 << 20, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (buf == MAP_FAILED)
			return 1;
		memset(buf, 1, length);
		start = (unsigned long)buf;
	}
	fd = pagemove_open();
	if (fd < 0) {
		fprintf(stderr, "/dev/pagemove: %s\n", strerror(-fd));
		return 1;
	}
	before = counter("calls");
	bytes = counter("bytes_migrated");
	for (end = start + length; start < end; calls++) {
		struct pagemove_range r = {
			.flags = PAGEMOVE_F_INTR,	/* our signals stop it at a chunk */
			.pid = pid,
			.node = node,
			.start = start,
			.length = end - start,
			.max_usec = 20000,		/* no call longer than about 20 ms */
			.rate = argc > 5 ? strtoull(argv[5], NULL, 0) : 64 << 20,
		};

		ret = pagemove_move_range(fd, &r);
		if (ret < 0 && ret != -ENOENT && ret != -EINTR) {
			fprintf(stderr, "move: %s\n", strerror((int)-ret));
			return 1;
		}
		moved += r.nr_moved;
		there += r.nr_moved + r.nr_in_place;
		start = r.next;		/* PAGEMOVE_STOPPED, -EINTR: go on from here */
		/* ... a daemon would look at its other work between two calls ... */
	}
	printf("%llu calls, %llu pages moved, %llu on node %d; "
	       "the module counted %llu calls, %llu bytes migrated\n", calls, moved, there, node,
	       counter("calls") - before, counter("bytes_migrated") - bytes);
	return 0;
}
