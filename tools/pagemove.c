// SPDX-License-Identifier: GPL-2.0
/* pagemove: query and move the pages of a process through /dev/pagemove. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pagemove.h"

#ifndef PAGEMOVE_VERSION
#define PAGEMOVE_VERSION "0.1.0"
#endif

#define PM_BATCH	65536		/* pages per query ioctl, below max_pages */
#define PM_MAPS_CAP	65536		/* pages queried per VMA by `maps` */
#define PM_UNWRITTEN	INT_MIN		/* compat mode may leave a status alone */

static const char *prog = "pagemove";
static unsigned long page_size;

struct pages {
	uint64_t *addr;
	size_t nr, cap;
};

static void usage(FILE *f);

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	return 1;
}

/* A status as the user reads it: the node, or the errno's name. */
static const char *status_name(int status, char *buf, size_t size)
{
	const char *name;

	if (status == PM_UNWRITTEN)
		return "(unwritten)";
	if (status >= 0) {
		snprintf(buf, size, "node %d", status);
		return buf;
	}
	name = strerrorname_np(-status);
	if (name)
		return name;
	snprintf(buf, size, "error %d", status);
	return buf;
}

static int parse_pid(const char *s, int *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX) {
		fprintf(stderr, "%s: bad pid '%s'\n", prog, s);
		return -1;
	}
	*pid = (int)v;
	return 0;
}

static int pages_add(struct pages *p, uint64_t addr)
{
	if (p->nr == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		uint64_t *a = realloc(p->addr, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		p->addr = a;
		p->cap = cap;
	}
	p->addr[p->nr++] = addr;
	return 0;
}

/* ADDR or ADDR-END (END exclusive), hex as in /proc/PID/maps; aligned down. */
static int parse_range(const char *s, struct pages *p)
{
	unsigned long long start, end;
	char *e;
	int err;

	errno = 0;
	start = strtoull(s, &e, 16);
	if (errno || e == s || (*e && *e != '-'))
		goto bad;
	end = start + 1;
	if (*e == '-') {
		const char *t = e + 1;

		end = strtoull(t, &e, 16);
		if (errno || e == t || *e || end <= start)
			goto bad;
	}
	for (start &= ~(unsigned long long)(page_size - 1); start < end;
	     start += page_size) {
		err = pages_add(p, start);
		if (err)
			return fail("address list", -err);
		if (start + page_size < start)
			break;	/* the top page of the address space */
	}
	return 0;
bad:
	fprintf(stderr, "%s: bad address or range '%s'\n", prog, s);
	return 1;
}

static int parse_ranges(int argc, char **argv, struct pages *p)
{
	int i;

	if (!argc) {
		usage(stderr);
		return 1;
	}
	for (i = 0; i < argc; i++)
		if (parse_range(argv[i], p))
			return 1;
	return 0;
}

/*
 * Query in batches so a long list stays below the module's max_pages.
 * Returns 0 or -errno; the summary's in_place/failed add up over batches.
 */
static long query(int fd, int pid, const uint64_t *addr, size_t nr,
		  int *status, struct pagemove_move *sum)
{
	struct pagemove_move req;
	size_t done, n;
	long ret;

	memset(sum, 0, sizeof(*sum));
	for (done = 0; done < nr; done += n) {
		n = nr - done < PM_BATCH ? nr - done : PM_BATCH;
		memset(&req, 0, sizeof(req));
		req.pid = pid;
		req.count = n;
		req.pages = (uintptr_t)(addr + done);
		req.status = (uintptr_t)(status + done);
		ret = pagemove_move(fd, &req);
		if (ret < 0)
			return ret;
		sum->nr_in_place += req.nr_in_place;
		sum->nr_failed += req.nr_failed;
	}
	return 0;
}

static int open_device(void)
{
	int fd = pagemove_open();

	if (fd < 0) {
		fail("cannot open " PAGEMOVE_DEVICE, -fd);
		return -1;
	}
	return fd;
}

static void print_statuses(const struct pages *p, const int *status)
{
	char buf[32];
	size_t i;

	for (i = 0; i < p->nr; i++)
		printf("0x%016" PRIx64 "  %s\n", p->addr[i],
		       status_name(status[i], buf, sizeof(buf)));
}

static int cmd_query(int argc, char **argv)
{
	struct pagemove_move sum;
	struct pages p = { 0 };
	int *status = NULL;
	int pid, fd, ret = 1;
	long err;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (parse_pid(argv[0], &pid) || parse_ranges(argc - 1, argv + 1, &p))
		goto out;
	status = calloc(p.nr, sizeof(*status));
	if (!status) {
		fail("status array", ENOMEM);
		goto out;
	}
	fd = open_device();
	if (fd < 0)
		goto out;
	err = query(fd, pid, p.addr, p.nr, status, &sum);
	close(fd);
	if (err < 0) {
		fail("query", (int)-err);
		goto out;
	}
	print_statuses(&p, status);
	ret = 0;
out:
	free(status);
	free(p.addr);
	return ret;
}

static int cmd_move(int argc, char **argv)
{
	unsigned int flags = PAGEMOVE_MF_MOVE;
	struct pagemove_move req;
	struct pages p = { 0 };
	int *status = NULL, *nodes = NULL;
	int pid, node, fd, ret = 1;
	char buf[32], *end;
	size_t i;
	long res;

	for (; argc && argv[0][0] == '-' && argv[0][1] == '-'; argc--, argv++) {
		if (!strcmp(argv[0], "--compat")) {
			flags |= PAGEMOVE_F_COMPAT;
		} else if (!strcmp(argv[0], "--all")) {
			flags |= PAGEMOVE_MF_MOVE_ALL;
		} else if (!strcmp(argv[0], "--")) {
			argc--, argv++;
			break;
		} else {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[0]);
			return 1;
		}
	}
	if (argc < 3) {
		usage(stderr);
		return 1;
	}
	if (parse_pid(argv[0], &pid))
		return 1;
	errno = 0;
	node = (int)strtol(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || node < 0) {
		fprintf(stderr, "%s: bad node '%s'\n", prog, argv[1]);
		return 1;
	}
	if (parse_ranges(argc - 2, argv + 2, &p))
		goto out;
	status = malloc(p.nr * sizeof(*status));
	nodes = malloc(p.nr * sizeof(*nodes));
	if (!status || !nodes) {
		fail("status array", ENOMEM);
		goto out;
	}
	for (i = 0; i < p.nr; i++) {
		nodes[i] = node;
		status[i] = PM_UNWRITTEN;
	}
	fd = open_device();
	if (fd < 0)
		goto out;
	/* One call, not batches: its return value is what the user asked for. */
	memset(&req, 0, sizeof(req));
	req.flags = flags;
	req.pid = pid;
	req.count = p.nr;
	req.pages = (uintptr_t)p.addr;
	req.nodes = (uintptr_t)nodes;
	req.status = (uintptr_t)status;
	res = pagemove_move(fd, &req);
	close(fd);
	/*
	 * Only -ENOENT ("nothing needed moving") comes with statuses in
	 * default mode; any other error refused the call before a page.
	 */
	if (res < 0 && (res != -ENOENT || (flags & PAGEMOVE_F_COMPAT))) {
		fail("move", (int)-res);
		goto out;
	}
	print_statuses(&p, status);
	printf("moved %" PRIu64 ", in place %" PRIu64 ", failed %" PRIu64 "\n",
	       (uint64_t)req.nr_moved, (uint64_t)req.nr_in_place,
	       (uint64_t)req.nr_failed);
	printf("result %ld%s%s\n", res, res < 0 ? " " : "",
	       res < 0 ? status_name((int)res, buf, sizeof(buf)) : "");
	ret = 0;
out:
	free(nodes);
	free(status);
	free(p.addr);
	return ret;
}

/* Per-VMA histogram: nodes 0..max, then each negative status seen. */
struct histo {
	size_t node[1024];
	size_t other[64];	/* indexed by errno, 0 = anything larger */
	size_t unknown_node;
};

static void print_histo(const struct histo *h)
{
	char buf[32];
	int i;

	for (i = 0; i < 1024; i++)
		if (h->node[i])
			printf(" N%d=%zu", i, h->node[i]);
	if (h->unknown_node)
		printf(" N?=%zu", h->unknown_node);
	for (i = 1; i < 64; i++)
		if (h->other[i])
			printf(" %s=%zu", status_name(-i, buf, sizeof(buf)),
			       h->other[i]);
	if (h->other[0])
		printf(" other=%zu", h->other[0]);
}

static int cmd_maps(int argc, char **argv)
{
	char path[64], line[4096], name[4096], perms[8];
	unsigned long long start, end;
	struct pagemove_move sum;
	uint64_t *addr = NULL;
	int *status = NULL;
	int pid, fd = -1, ret = 1;
	FILE *maps = NULL;
	struct histo h;
	size_t n, i;
	long err;

	if (argc != 1) {
		usage(stderr);
		return 1;
	}
	if (parse_pid(argv[0], &pid))
		return 1;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/maps");
	maps = fopen(path, "re");
	if (!maps)
		return fail(path, errno);
	addr = malloc(PM_MAPS_CAP * sizeof(*addr));
	status = malloc(PM_MAPS_CAP * sizeof(*status));
	if (!addr || !status) {
		fail("page arrays", ENOMEM);
		goto out;
	}
	fd = open_device();
	if (fd < 0)
		goto out;

	while (fgets(line, sizeof(line), maps)) {
		name[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %4095[^\n]",
			   &start, &end, perms, name) < 3)
			continue;
		n = (end - start) / page_size;
		printf("%012llx-%012llx %s %8zu pages", start, end, perms, n);
		if (n > PM_MAPS_CAP) {
			printf(" (first %d)", PM_MAPS_CAP);
			n = PM_MAPS_CAP;
		}
		for (i = 0; i < n; i++)
			addr[i] = start + i * page_size;
		err = query(fd, pid, addr, n, status, &sum);
		if (err < 0) {
			printf("\n");
			fail("query", (int)-err);
			goto out;
		}
		memset(&h, 0, sizeof(h));
		for (i = 0; i < n; i++) {
			int s = status[i];

			if (s >= 1024)
				h.unknown_node++;
			else if (s >= 0)
				h.node[s]++;
			else
				h.other[-s < 64 ? -s : 0]++;
		}
		print_histo(&h);
		printf("%s%s\n", name[0] ? "  " : "", name);
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	fclose(maps);
	free(status);
	free(addr);
	return ret;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("pagemove %s\n", PAGEMOVE_VERSION);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *description;
} subcommands[] = {
	{ "query", cmd_query, "PID ADDR[-END]...",
	  "print the node (or error) of each page" },
	{ "move", cmd_move, "[--compat] [--all] PID NODE ADDR[-END]...",
	  "move pages to NODE; print statuses, summary, result" },
	{ "maps", cmd_maps, "PID",
	  "per-VMA histogram of the nodes a process's pages are on" },
	{ "help", cmd_help, "", "show this help" },
	{ "--version", cmd_version, "", "print the version" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s <cmd> [<args>]\n\nAvailable subcommands:\n", prog);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %s%s%s\n      %s\n", subcommands[i].name,
			*subcommands[i].args ? " " : "", subcommands[i].args,
			subcommands[i].description);
	fprintf(f, "\nPID 0 is %s itself. ADDR and END are hexadecimal, 0x optional, as in\n"
		"/proc/PID/maps; a range ADDR-END excludes END and is split into %lu-byte pages.\n",
		prog, page_size);
}

int main(int argc, char **argv)
{
	size_t i;

	page_size = (unsigned long)sysconf(_SC_PAGESIZE);
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(0, NULL);
	if (!strcmp(argv[1], "version"))
		return cmd_version(0, NULL);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 2, argv + 2);
	}
	fprintf(stderr, "%s: invalid subcommand '%s'\n", prog, argv[1]);
	usage(stderr);
	return 1;
}
