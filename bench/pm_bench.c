// SPDX-License-Identifier: GPL-2.0
/*
 * pm_bench: the demo and the benchmark. Runs in a guest (static, no libnuma).
 *   pm_bench demo                  a process's pages moving between nodes
 *   pm_bench [--rounds N] [--quick] [--only WORD] [--verbose]
 *                                  move_pages(2) against /dev/pagemove
 *                                  (--only: shapes whose name or group has
 *                                  WORD; --verbose: every timed call)
 *
 * The model: the memory moved belongs to another process (forked, moved by
 * pid) whose writer threads, one pinned to every online CPU, keep writing
 * it while it moves ("busy"); the large shapes also run on an "idle" target
 * with no writers, where parallel migration can show. Every method runs on
 * the same shape in the same run, interleaved within each round, the first
 * method rotating from round to round. Before each timed call the pages are
 * moved back (untimed) and checked, so every timed call moves every page;
 * after it a move_pages(2) query (untimed) checks that they all arrived.
 *
 * Reported per method: median, min and max of the rounds, syscall/method
 * (above 1 = faster than move_pages(2)), and counts that do not depend on
 * the machine's speed, per 1000 base pages: TLB-shootdown and function-call
 * IPIs (/proc/interrupts "TLB" and "CAL", summed over CPUs) and
 * migrate_pages() calls (a kprobe event with a hist trigger). The limit is
 * a memcpy of the same bytes from node 0 to memory bound to node 1.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "pagemove.h"
#include "../selftests/pm_test.h"

/* The running kernel's base page and PMD THP (4 KiB and 2 MiB, or 16 KiB and 32 MiB). */
#define PAGE		PM_PAGE
#define THP_SIZE	PM_THP
#define THP_PAGES	PM_THP_PAGES
#define MIB		(1UL << 20)

/* numaif.h's values, without libnuma. */
#define MPOL_DEFAULT_	0
#define MPOL_PREFERRED_	1
#define MPOL_BIND_	2
#define MPOL_MF_MOVE_	(1 << 1)

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

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p) {
		fprintf(stderr, "pm_bench: out of memory (%zu x %zu)\n", n, sz);
		exit(1);
	}
	return p;
}

/* ---- the demo (qemu/demo.sh) ------------------------------------------- */

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
	size_t n = 8 * MIB / PAGE, i;
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

/* ---- the machine: CPUs, nodes, memory policy --------------------------- */

static int online_cpus[64], nr_online;

static void read_online_cpus(void)
{
	char buf[256], *s = buf;
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	nr_online = 0;
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		online_cpus[nr_online++] = 0;
		return;
	}
	fclose(f);
	while (*s && *s != '\n') {
		long a = strtol(s, &s, 10), b = a;

		if (*s == '-')
			b = strtol(s + 1, &s, 10);
		for (; a <= b && nr_online < 64; a++)
			online_cpus[nr_online++] = a;
		if (*s == ',')
			s++;
		else
			break;
	}
}

/* MemFree of a node in MiB, -1 if unknown. */
static long node_free_mib(int node)
{
	long kb = pm_node_free_kb(node);

	return kb < 0 ? -1 : kb / 1024;
}

static long set_policy(int mode, int node)
{
	unsigned long mask = 1UL << node;

	return syscall(SYS_set_mempolicy, mode, mode == MPOL_DEFAULT_ ? NULL : &mask,
		       mode == MPOL_DEFAULT_ ? 0 : 64);
}

static long bind_to(void *p, size_t len, int node)
{
	unsigned long mask = 1UL << node;

	return syscall(SYS_mbind, p, len, MPOL_BIND_, &mask, 64, 0);
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

/* ---- counters: IPIs and migrate_pages() calls -------------------------- */

struct counts {
	unsigned long long tlb, cal, res, migr;
};

static bool have_irq_tlb, have_irq_cal, have_irq_res;

/*
 * /proc/interrupts' IPI lines, summed over the CPUs: x86 names them TLB,
 * CAL and RES; arm64 numbers them (IPI0 "Rescheduling interrupts", IPI1
 * "Function call interrupts") and has no TLB line: it flushes remote TLBs
 * with broadcast TLBI instructions, no interrupt at all.
 */
static void read_irqs(struct counts *c)
{
	char line[4096];
	FILE *f = fopen("/proc/interrupts", "r");

	c->tlb = c->cal = c->res = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *e;
		unsigned long long sum = 0;
		int kind;	/* 0 TLB, 1 CAL, 2 RES */

		while (isspace((unsigned char)*s))
			s++;
		if (!strncmp(s, "TLB:", 4))
			kind = 0;
		else if (!strncmp(s, "CAL:", 4) ||
			 (!strncmp(s, "IPI", 3) && strstr(s, "Function call interrupts")))
			kind = 1;
		else if (!strncmp(s, "RES:", 4) ||
			 (!strncmp(s, "IPI", 3) && strstr(s, "Rescheduling interrupts")))
			kind = 2;
		else
			continue;
		s = strchr(s, ':') + 1;
		for (;;) {
			unsigned long long v = strtoull(s, &e, 10);

			if (e == s)
				break;
			sum += v;
			s = e;
		}
		if (kind == 0) {
			c->tlb = sum;
			have_irq_tlb = true;
		} else if (kind == 1) {
			c->cal = sum;
			have_irq_cal = true;
		} else {
			c->res = sum;
			have_irq_res = true;
		}
	}
	fclose(f);
}

#define TRACEFS "/sys/kernel/tracing"
#define KP_DIR TRACEFS "/events/kprobes/pm_migrate"
enum { KP_NONE, KP_HIST, KP_TRACE } kp_mode;
static char kp_why[160] = "not set up";

static int write_str(const char *path, const char *s, int extra)
{
	int fd = open(path, O_WRONLY | extra), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void kprobe_setup(void)
{
	struct stat st;
	int ret;

	if (stat(TRACEFS "/kprobe_events", &st) &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY) {
		snprintf(kp_why, sizeof(kp_why), "mount tracefs: %s", strerror(errno));
		return;
	}
	if (stat(KP_DIR, &st)) {
		ret = write_str(TRACEFS "/kprobe_events", "p:pm_migrate migrate_pages\n", O_APPEND);
		if (ret) {
			snprintf(kp_why, sizeof(kp_why), "kprobe_events: %s", strerror(-ret));
			return;
		}
	}
	if (!write_str(KP_DIR "/trigger", "hist:keys=common_pid\n", O_APPEND)) {
		kp_mode = KP_HIST;
		snprintf(kp_why, sizeof(kp_why), "kprobe pm_migrate on migrate_pages, hist trigger");
		return;
	}
	ret = write_str(KP_DIR "/enable", "1\n", 0);
	if (ret) {
		snprintf(kp_why, sizeof(kp_why), "enable kprobe: %s", strerror(-ret));
		return;
	}
	kp_mode = KP_TRACE;
	snprintf(kp_why, sizeof(kp_why), "kprobe pm_migrate on migrate_pages, lines in trace");
}

static void kprobe_teardown(void)
{
	if (kp_mode == KP_HIST)
		write_str(KP_DIR "/trigger", "!hist:keys=common_pid\n", O_APPEND);
	else if (kp_mode == KP_TRACE)
		write_str(KP_DIR "/enable", "0\n", 0);
	if (kp_mode != KP_NONE)
		write_str(TRACEFS "/kprobe_events", "-:pm_migrate\n", O_APPEND);
	kp_mode = KP_NONE;
}

static unsigned long long read_migr(void)
{
	char line[512];
	unsigned long long n = 0;
	FILE *f;

	if (kp_mode == KP_HIST) {
		f = fopen(KP_DIR "/hist", "r");
		if (!f)
			return 0;
		while (fgets(line, sizeof(line), f)) {
			char *p = strstr(line, "Hits:");

			if (p)
				n = strtoull(p + 5, NULL, 10);
		}
		fclose(f);
	} else if (kp_mode == KP_TRACE) {
		f = fopen(TRACEFS "/trace", "r");
		if (!f)
			return 0;
		while (fgets(line, sizeof(line), f))
			if (line[0] != '#' && strstr(line, "pm_migrate:"))
				n++;
		fclose(f);
	}
	return n;
}

static void counts_start(struct counts *c)
{
	if (kp_mode == KP_TRACE)
		write_str(TRACEFS "/trace", "", O_TRUNC);
	read_irqs(c);
	c->migr = kp_mode == KP_TRACE ? 0 : read_migr();
}

static void counts_stop(struct counts *c)
{
	struct counts e;

	read_irqs(&e);
	e.migr = read_migr();
	c->tlb = e.tlb - c->tlb;
	c->cal = e.cal - c->cal;
	c->res = e.res - c->res;
	c->migr = e.migr - c->migr;
}

/* ---- the target process ------------------------------------------------ */

struct target {
	pid_t pid;		/* 0: the caller's own memory */
	char *base;
	size_t npages;
	size_t len;		/* mapped length (THP: aligned inside) */
	char *map;
	bool stopped;		/* SIGSTOPped by target_pause() */
};

struct writer {
	char *base;
	size_t npages;
	int cpu, id;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	cpu_set_t set;
	size_t i = w->npages / (nr_online ? nr_online : 1) * w->id;
	size_t off = (w->id * 64) % PAGE;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (;;) {
		volatile unsigned long *p = (volatile unsigned long *)(w->base + i * PAGE + off);

		*p += 1;
		if (++i >= w->npages)
			i = 0;
	}
	return NULL;
}

/* Maps and fills @npages on node 0 (THP-backed if @thp). */
static char *populate(size_t npages, bool thp, char **map, size_t *maplen)
{
	size_t len = npages * PAGE + (thp ? THP_SIZE : 0);
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *b;

	if (m == MAP_FAILED)
		return NULL;
	b = thp ? (char *)(((uintptr_t)m + THP_SIZE - 1) & ~(THP_SIZE - 1)) : m;
	madvise(b, npages * PAGE, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	set_policy(MPOL_PREFERRED_, 0);
	memset(b, 0x5a, npages * PAGE);
	set_policy(MPOL_DEFAULT_, 0);
	*map = m;
	*maplen = len;
	return b;
}

/* A forked process holding @npages, with a writer on every online CPU if @busy. */
static int target_start(struct target *t, size_t npages, bool thp, bool busy, bool self)
{
	int pfd[2];
	char *b;

	memset(t, 0, sizeof(*t));
	t->npages = npages;
	if (self) {
		t->base = populate(npages, thp, &t->map, &t->len);
		return t->base ? 0 : -ENOMEM;
	}
	if (pipe(pfd))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		char *map;
		size_t len;
		int i;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pfd[0]);
		b = populate(npages, thp, &map, &len);
		for (i = 0; b && busy && i < nr_online; i++) {
			struct writer *w = xcalloc(1, sizeof(*w));
			pthread_t th;

			*w = (struct writer){ .base = b, .npages = npages, .cpu = online_cpus[i], .id = i };
			if (pthread_create(&th, NULL, writer_fn, w))
				_exit(1);
		}
		if (write(pfd[1], &b, sizeof(b)) != sizeof(b))
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (read(pfd[0], &b, sizeof(b)) != sizeof(b) || !b) {
		close(pfd[0]);
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		return -ENOMEM;
	}
	close(pfd[0]);
	t->base = b;
	return 0;
}

static void target_stop(struct target *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	} else if (t->map) {
		munmap(t->map, t->len);
	}
	t->pid = 0;
	t->map = NULL;
}

/*
 * The untimed work (moving the pages back, checking them) runs with the
 * target stopped, so its writers do not slow it down; they run again for
 * every timed call.
 */
static void target_pause(struct target *t)
{
	int st;

	if (t->pid > 0 && !t->stopped && !kill(t->pid, SIGSTOP)) {
		waitpid(t->pid, &st, WUNTRACED);
		t->stopped = true;
	}
}

static void target_resume(struct target *t, bool busy)
{
	if (t->pid > 0 && t->stopped && !kill(t->pid, SIGCONT)) {
		t->stopped = false;
		if (busy)
			usleep(20000);	/* the writers back on their CPUs */
	}
}

/* AnonHugePages of the target in THPs, -1 if unknown. */
static long target_thps(const struct target *t)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", t->pid ? t->pid : getpid());
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "AnonHugePages:", 14))
			kb = strtol(line + 14, NULL, 10);
	fclose(f);
	return kb < 0 ? -1 : kb / (long)(THP_SIZE >> 10);
}

/* ---- shapes and methods ------------------------------------------------ */

enum method { M_SYS, M_COMPAT, M_W1, M_W0, M_DEF, M_RANGE1, M_RANGE0, M_COPY, NR_METHODS };

static const char *const method_name[NR_METHODS] = {
	[M_SYS] = "move_pages(2)",
	[M_COMPAT] = "pagemove compat",
	[M_W1] = "pagemove workers=1",
	[M_W0] = "pagemove workers=0",
	[M_DEF] = "pagemove default",
	[M_RANGE1] = "MOVE_RANGE wrk=1",
	[M_RANGE0] = "MOVE_RANGE wrk=0",
	[M_COPY] = "memcpy 0->1 (limit)",
};

enum kind { K_MOVE, K_QUERY, K_RANGE, K_CONC, K_STRESS };

struct shape {
	const char *group;
	char name[64];
	enum kind kind;
	size_t npages;		/* base pages of the region */
	size_t per;		/* entries per call, 0 = one call */
	bool busy, self, thp, per_thp, interleave;
	/* THP pages cycling nodes 0,1,2 (one folio, three nodes): a fresh THP each round. */
	bool cycle;
	int rounds;		/* fewer rounds than the others, if set */
	/* results */
	int nm;
	enum method m[NR_METHODS];
	double t[NR_METHODS][64];
	int nt[NR_METHODS];
	struct counts sum[NR_METHODS];
	unsigned long long misplaced[NR_METHODS];
	long thp_min[NR_METHODS];
	char err[NR_METHODS][96];
	char skipped[160];
};

static int pm_fd, rounds = 5;
static bool quick, verbose;
static bool range_missing;
static char *copy_src, *copy_dst;
static size_t copy_len;

struct work {
	struct target tg;
	size_t nent;		/* entries per full move */
	void **ent;		/* entry addresses */
	int *ent_node;		/* target node of each entry */
	int *ent_start;		/* node each entry's pages start on */
	void **all;		/* every base page, for resets and checks */
	int *all_node, *all_start;
	int *status;		/* max(nent, npages) */
};

static const char *errname(long e)
{
	static char buf[32];

	switch (e) {
	case ENOENT: return "ENOENT";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case EPERM: return "EPERM";
	case E2BIG: return "E2BIG";
	case EACCES: return "EACCES";
	case ENODEV: return "ENODEV";
	}
	snprintf(buf, sizeof(buf), "errno %ld", e);
	return buf;
}

/*
 * One method over the shape's entries; 0 or -errno. A positive return of
 * the syscall or compat (pages not moved) is left to the placement check.
 */
static long run_method(struct shape *s, struct work *w, enum method m)
{
	size_t i, per = s->per ? s->per : w->nent;
	int pid = w->tg.pid;
	bool query = s->kind == K_QUERY;

	if (m == M_RANGE1 || m == M_RANGE0) {
		struct pagemove_range r = {
			.flags = PAGEMOVE_MF_MOVE, .pid = pid, .node = 1,
			.start = (unsigned long)w->tg.base, .length = s->npages * PAGE,
			.workers = m == M_RANGE1 ? 1 : 0,
		};
		long ret = pagemove_move_range(pm_fd, &r);

		return ret == -ENOENT ? 0 : ret;
	}
	for (i = 0; i < w->nent; i += per) {
		size_t k = w->nent - i < per ? w->nent - i : per;
		long ret;

		if (m == M_SYS) {
			ret = syscall(SYS_move_pages, pid, k, w->ent + i,
				      query ? NULL : w->ent_node + i, w->status + i,
				      query ? 0 : MPOL_MF_MOVE_);
			if (ret < 0)
				ret = -errno;
		} else {
			struct pagemove_move req = {
				.flags = (query ? 0 : PAGEMOVE_MF_MOVE) |
					 (m == M_COMPAT ? PAGEMOVE_F_COMPAT : 0),
				.pid = pid, .count = k,
				.pages = (unsigned long)(w->ent + i),
				.nodes = query ? 0 : (unsigned long)(w->ent_node + i),
				.status = (unsigned long)(w->status + i),
				.workers = m == M_W1 ? 1 : 0,
			};

			ret = pagemove_move(pm_fd, &req);
		}
		if (ret < 0 && ret != -ENOENT)
			return ret;
	}
	return 0;
}

/* Pages not on @want according to a move_pages(2) query (untimed). */
static long misplaced(struct work *w, const int *want)
{
	size_t i;
	long bad = 0;

	if (syscall(SYS_move_pages, w->tg.pid, w->tg.npages, w->all, NULL, w->status, 0) < 0)
		return -errno;
	for (i = 0; i < w->tg.npages; i++)
		bad += w->status[i] != want[i];
	return bad;
}

/* Moves every page back to its start node (untimed): 0, or a reason. */
static const char *reset(struct work *w)
{
	static char why[96];
	struct pagemove_move req = {
		.flags = PAGEMOVE_MF_MOVE, .pid = w->tg.pid, .count = w->tg.npages,
		.pages = (unsigned long)w->all, .nodes = (unsigned long)w->all_start,
		.status = (unsigned long)w->status,
	};
	long ret, bad = 0;
	size_t i;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		ret = pagemove_move(pm_fd, &req);
		if (ret < 0 && ret != -ENOENT) {
			snprintf(why, sizeof(why), "reset: pagemove: %s", errname(-ret));
			return why;
		}
		/* Default mode: each status is the node the page is on. */
		for (i = 0, bad = 0; i < w->tg.npages; i++)
			bad += w->status[i] != w->all_start[i];
		if (!bad || !(bad = misplaced(w, w->all_start)))
			return NULL;
	}
	snprintf(why, sizeof(why), "reset: %ld pages not back on their start node", bad);
	return why;
}

static void do_copy(size_t bytes)
{
	size_t done;

	for (done = 0; done < bytes; done += copy_len) {
		size_t k = bytes - done < copy_len ? bytes - done : copy_len;

		memcpy(copy_dst, copy_src, k);
	}
	__asm__ volatile("" : : "r"(copy_dst) : "memory");
}

static int copy_setup(size_t bytes)
{
	size_t len = bytes < 64 * MIB ? bytes : 64 * MIB;
	void *q[1];
	int st = -1;

	copy_src = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	copy_dst = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy_src == MAP_FAILED || copy_dst == MAP_FAILED)
		return -ENOMEM;
	copy_len = len;
	madvise(copy_src, len, MADV_NOHUGEPAGE);
	madvise(copy_dst, len, MADV_NOHUGEPAGE);
	if (bind_to(copy_src, len, 0) || bind_to(copy_dst, len, 1))
		return -errno;
	memset(copy_src, 1, len);
	memset(copy_dst, 2, len);
	q[0] = copy_dst;
	if (syscall(SYS_move_pages, 0, 1, q, NULL, &st, 0) || st != 1)
		fprintf(stderr, "pm_bench: copy destination on node %d, not 1\n", st);
	return 0;
}

static void copy_teardown(void)
{
	if (copy_src && copy_src != MAP_FAILED)
		munmap(copy_src, copy_len);
	if (copy_dst && copy_dst != MAP_FAILED)
		munmap(copy_dst, copy_len);
	copy_src = copy_dst = NULL;
}

static void set_methods(struct shape *s)
{
	int n = 0;

	s->m[n++] = M_SYS;
	if (s->cycle) {
		/* compat mode is the syscall's cost again: left out. */
		s->m[n++] = M_W1;
		s->m[n++] = M_W0;
	} else if (s->kind == K_QUERY) {
		s->m[n++] = M_COMPAT;
		s->m[n++] = M_DEF;
	} else if (s->kind == K_STRESS) {
		s->m[n++] = M_COMPAT;	/* the preload shim: compat mode, workers auto */
	} else if (s->kind == K_CONC) {
		s->m[n++] = M_COMPAT;
		s->m[n++] = M_W1;
		s->m[n++] = M_W0;
	} else if (s->kind == K_RANGE) {
		s->m[n++] = M_W0;
		s->m[n++] = M_RANGE1;
		s->m[n++] = M_RANGE0;
		s->m[n++] = M_COPY;
	} else {
		s->m[n++] = M_COMPAT;
		s->m[n++] = M_W1;
		s->m[n++] = M_W0;
		s->m[n++] = M_COPY;
	}
	s->nm = n;
}

static void work_build(struct shape *s, struct work *w)
{
	size_t n = s->npages, i;

	w->all = xcalloc(n, sizeof(void *));
	w->all_node = xcalloc(n, sizeof(int));
	w->all_start = xcalloc(n, sizeof(int));
	for (i = 0; i < n; i++) {
		w->all[i] = w->tg.base + i * PAGE;
		w->all_node[i] = s->interleave ? (int)(i & 1) : s->cycle ? (int)(i % 3) : 1;
		w->all_start[i] = s->kind == K_QUERY ? 1 : s->cycle ? 0 : !w->all_node[i];
	}
	if (s->per_thp) {
		w->nent = n / THP_PAGES;
		w->ent = xcalloc(w->nent, sizeof(void *));
		w->ent_node = xcalloc(w->nent, sizeof(int));
		w->ent_start = xcalloc(w->nent, sizeof(int));
		for (i = 0; i < w->nent; i++) {
			w->ent[i] = w->all[i * THP_PAGES];
			w->ent_node[i] = w->all_node[i * THP_PAGES];
			w->ent_start[i] = w->all_start[i * THP_PAGES];
		}
	} else {
		w->nent = n;
		w->ent = w->all;
		w->ent_node = w->all_node;
		w->ent_start = w->all_start;
	}
	w->status = xcalloc(n, sizeof(int));
}

static void work_free(struct work *w)
{
	if (w->ent != w->all) {
		free(w->ent);
		free(w->ent_node);
		free(w->ent_start);
	}
	free(w->all);
	free(w->all_node);
	free(w->all_start);
	free(w->status);
	memset(w, 0, sizeof(*w));
}


/*
 * Several callers at once, each moving its own memory (stress-ng --numa's
 * loop): CONC_CALLERS processes, each with CONC_PAGES base pages, make
 * CONC_CALLS calls whose entries each ask the next memory node in a cycle
 * (entry i of call c: node (i + c + caller) % 3, so every entry moves),
 * and write the whole buffer after every call. Timed: from the start
 * signal until the last caller is done. Each caller checks with a
 * move_pages(2) query after its last call that every page is where that
 * call asked.
 */
#define CONC_CALLERS	3
#define CONC_PAGES	1024
#define CONC_CALLS	16

static int conc_call(enum method m, size_t n, void **pages, int *nodes, int *status)
{
	long ret;

	if (m == M_SYS) {
		ret = syscall(SYS_move_pages, 0, n, pages, nodes, status, MPOL_MF_MOVE_);
		return ret < 0 ? -errno : 0;
	} else {
		struct pagemove_move req = {
			.flags = PAGEMOVE_MF_MOVE | (m == M_COMPAT ? PAGEMOVE_F_COMPAT : 0),
			.count = n, .pages = (unsigned long)pages, .nodes = (unsigned long)nodes,
			.status = (unsigned long)status, .workers = m == M_W1 ? 1 : 0,
		};

		ret = pagemove_move(pm_fd, &req);
		return ret < 0 && ret != -ENOENT ? (int)ret : 0;
	}
}

static void __attribute__((noreturn)) conc_child(enum method m, int idx, int go)
{
	void **pages = xcalloc(CONC_PAGES, sizeof(void *));
	int *nodes = xcalloc(CONC_PAGES, sizeof(int)), *status = xcalloc(CONC_PAGES, sizeof(int));
	char *buf = map_pages(CONC_PAGES), c;
	int call, ret;
	size_t i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; i < CONC_PAGES; i++)
		pages[i] = buf + i * PAGE;
	if (read(go, &c, 1) != 1)
		_exit(2);
	for (call = 0; call < CONC_CALLS; call++) {
		for (i = 0; i < CONC_PAGES; i++)
			nodes[i] = (int)((i + call + idx) % 3);
		ret = conc_call(m, CONC_PAGES, pages, nodes, status);
		if (ret)
			_exit(3);
		memset(buf, call, CONC_PAGES * PAGE);
	}
	if (syscall(SYS_move_pages, 0, CONC_PAGES, pages, NULL, status, 0))
		_exit(4);
	for (i = 0; i < CONC_PAGES; i++)
		if (status[i] != nodes[i])
			_exit(5);
	_exit(0);
}

static void run_conc(struct shape *s)
{
	double t0 = now();
	int r, k;

	set_methods(s);
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < s->nm; k++) {
			enum method m = s->m[(k + r) % s->nm];
			pid_t pid[CONC_CALLERS];
			int go[2], i, st, bad = 0;
			struct counts c;
			double t;

			if (s->err[m][0])
				continue;
			if (pipe(go)) {
				snprintf(s->err[m], sizeof(s->err[m]), "pipe: %s", strerror(errno));
				continue;
			}
			for (i = 0; i < CONC_CALLERS; i++) {
				pid[i] = fork();
				if (!pid[i]) {
					close(go[1]);
					conc_child(m, i, go[0]);
				}
			}
			close(go[0]);
			usleep(50000);	/* every caller mapped and waiting */
			counts_start(&c);
			t = now();
			for (i = 0; i < CONC_CALLERS; i++)
				if (write(go[1], "x", 1) != 1)
					bad = -1;
			for (i = 0; i < CONC_CALLERS; i++) {
				if (pid[i] < 0 || waitpid(pid[i], &st, 0) != pid[i])
					bad = -1;
				else if (!WIFEXITED(st) || WEXITSTATUS(st))
					bad = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			}
			t = now() - t;
			counts_stop(&c);
			close(go[1]);
			if (bad) {
				snprintf(s->err[m], sizeof(s->err[m]), "a caller failed (%d: %s)", bad,
					 bad == 3 ? "a call failed" : bad == 5 ? "pages misplaced" : "see code");
				continue;
			}
			if (verbose)
				fprintf(stderr, "pm_bench:   %s: round %d %s: %.2f ms, CAL %llu\n",
					s->name, r + 1, method_name[m], t * 1e3, c.cal);
			s->t[m][s->nt[m]++] = t;
			s->sum[m].tlb += c.tlb;
			s->sum[m].cal += c.cal;
			s->sum[m].res += c.res;
			s->sum[m].migr += c.migr;
		}
	}
	fprintf(stderr, "pm_bench: %-40s %6.1f s\n", s->name, now() - t0);
}

/*
 * stress-ng's numa stressor itself (Debian's stress-ng, dynamic, shipped
 * into the guest by qemu/bench.sh): STRESS_PROCS instances of
 * STRESS_OPS ops each, plain (move_pages(2)) and under the preload shim
 * (pagemove compat, workers auto), interleaved. Timed: the whole run, per
 * op (lower is better, as the other shapes' times).
 */
#define STRESS_NG	"/usr/bin/stress-ng"
#define STRESS_SHIM	"/opt/pagemove/libpagemove-preload.so"
#define STRESS_PROCS	3
#define STRESS_OPS	1

static int run_stress_once(bool shim)
{
	char procs[16], ops[16];
	pid_t pid;
	int st;

	snprintf(procs, sizeof(procs), "%d", STRESS_PROCS);
	snprintf(ops, sizeof(ops), "%d", STRESS_OPS);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		char *argv[] = { STRESS_NG, "--numa", procs, "--numa-ops", ops, "--quiet", NULL };
		char *envp[] = { "PATH=/bin:/usr/bin", "TMPDIR=/tmp",
				 shim ? "LD_PRELOAD=" STRESS_SHIM : NULL, NULL };
		int fd = open("/tmp/stress-ng.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (chdir("/tmp"))
			_exit(126);
		execve(STRESS_NG, argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void run_stress(struct shape *s)
{
	double t0 = now();
	int r, k;

	set_methods(s);
	for (r = 0; r < (s->rounds && s->rounds < rounds ? s->rounds : rounds); r++) {
		for (k = 0; k < s->nm; k++) {
			enum method m = s->m[(k + r) % s->nm];
			struct counts c;
			double t;
			int ret;

			if (s->err[m][0])
				continue;
			counts_start(&c);
			t = now();
			ret = run_stress_once(m != M_SYS);
			t = now() - t;
			counts_stop(&c);
			if (ret) {
				snprintf(s->err[m], sizeof(s->err[m]), "stress-ng exit %d "
					 "(/tmp/stress-ng.log in the guest)", ret);
				continue;
			}
			t /= STRESS_PROCS * STRESS_OPS;
			if (verbose)
				fprintf(stderr, "pm_bench:   %s: round %d %s: %.1f ms an op\n",
					s->name, r + 1, method_name[m], t * 1e3);
			s->t[m][s->nt[m]++] = t;
			s->sum[m].tlb += c.tlb;
			s->sum[m].cal += c.cal;
			s->sum[m].res += c.res;
			s->sum[m].migr += c.migr;
		}
	}
	fprintf(stderr, "pm_bench: %-40s %6.1f s\n", s->name, now() - t0);
}

static void run_shape(struct shape *s)
{
	struct work w = { 0 };
	double t0 = now();
	const char *why;
	int r, k, ret;

	if (s->kind == K_CONC) {
		run_conc(s);
		return;
	}
	if (s->kind == K_STRESS) {
		run_stress(s);
		return;
	}
	set_methods(s);
	for (k = 0; k < s->nm; k++)
		s->thp_min[s->m[k]] = -1;
	ret = target_start(&w.tg, s->npages, s->thp, s->busy, s->self);
	if (ret) {
		snprintf(s->skipped, sizeof(s->skipped), "target: %s", errname(-ret));
		return;
	}
	work_build(s, &w);
	if (s->thp) {
		long h = target_thps(&w.tg);

		if (h >= 0 && h < (long)(s->npages / THP_PAGES))
			fprintf(stderr, "pm_bench: %s: only %ld of %zu THPs after populate\n",
				s->name, h, s->npages / THP_PAGES);
	}
	ret = copy_setup(s->npages * PAGE);
	if (ret)
		fprintf(stderr, "pm_bench: %s: copy buffers: %s\n", s->name, errname(-ret));
	if (s->kind == K_QUERY && (why = reset(&w))) {
		snprintf(s->skipped, sizeof(s->skipped), "%s", why);
		goto out;
	}
	for (r = 0; r < (s->rounds && s->rounds < rounds ? s->rounds : rounds); r++) {
		for (k = 0; k < s->nm; k++) {
			enum method m = s->m[(k + r) % s->nm];
			struct counts c;
			double t;
			long bad;

			if (s->err[m][0])
				continue;
			if (m == M_COPY) {
				if (!copy_src || !copy_len) {
					snprintf(s->err[m], sizeof(s->err[m]), "no buffers");
					continue;
				}
				target_resume(&w.tg, s->busy);
				t = now();
				do_copy(s->npages * PAGE);
				s->t[m][s->nt[m]++] = now() - t;
				continue;
			}
			if ((m == M_RANGE0 || m == M_RANGE1) && range_missing) {
				snprintf(s->err[m], sizeof(s->err[m]), "not available");
				continue;
			}
			target_pause(&w.tg);
			if (s->cycle) {
				/* Moving the pages back would not make them a THP again: a new one. */
				target_stop(&w.tg);
				work_free(&w);
				ret = target_start(&w.tg, s->npages, s->thp, s->busy, s->self);
				if (ret) {
					snprintf(s->skipped, sizeof(s->skipped), "target: %s",
						 errname(-ret));
					goto out;
				}
				work_build(s, &w);
			} else if (s->kind != K_QUERY && (why = reset(&w))) {
				snprintf(s->skipped, sizeof(s->skipped), "%s", why);
				goto out;
			}
			target_resume(&w.tg, s->busy);
			counts_start(&c);
			t = now();
			ret = run_method(s, &w, m);
			t = now() - t;
			counts_stop(&c);
			target_pause(&w.tg);
			if (s->thp) {
				long h = target_thps(&w.tg);

				if (h >= 0 && (s->thp_min[m] < 0 || h < s->thp_min[m]))
					s->thp_min[m] = h;
			}
			if (ret == -ENOTTY && (m == M_RANGE0 || m == M_RANGE1)) {
				range_missing = true;
				snprintf(s->err[m], sizeof(s->err[m]), "not available");
				continue;
			}
			if (ret < 0) {
				snprintf(s->err[m], sizeof(s->err[m]), "error %s", errname(-ret));
				continue;
			}
			if (s->kind == K_QUERY) {
				size_t i;

				/* The call's own statuses are the check. */
				for (i = 0, bad = 0; i < w.nent; i++)
					bad += w.status[i] != w.ent_start[i];
			} else {
				bad = misplaced(&w, w.all_node);
			}
			if (bad < 0) {
				snprintf(s->err[m], sizeof(s->err[m]), "check: %s", errname(-bad));
				continue;
			}
			if (verbose)
				fprintf(stderr, "pm_bench:   %s: round %d %s: %.2f ms, TLB %llu CAL %llu migr %llu%s\n",
					s->name, r + 1, method_name[m], t * 1e3, c.tlb, c.cal, c.migr,
					bad ? " MISPLACED" : "");
			s->misplaced[m] += bad;
			s->t[m][s->nt[m]++] = t;
			s->sum[m].tlb += c.tlb;
			s->sum[m].cal += c.cal;
			s->sum[m].res += c.res;
			s->sum[m].migr += c.migr;
		}
	}
out:
	copy_teardown();
	target_stop(&w.tg);
	work_free(&w);
	fprintf(stderr, "pm_bench: %-40s %6.1f s\n", s->name, now() - t0);
}

/* ---- report ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static bool stats(const struct shape *s, enum method m, double *med, double *mn, double *mx)
{
	double v[64];
	int n = s->nt[m];

	if (!n)
		return false;
	memcpy(v, s->t[m], n * sizeof(double));
	qsort(v, n, sizeof(double), cmp_double);
	*med = n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*mn = v[0];
	*mx = v[n - 1];
	return true;
}

/* Per 1000 base pages, mean over the rounds. */
static double per1k(const struct shape *s, enum method m, unsigned long long v)
{
	return s->nt[m] ? v * 1000.0 / ((double)s->nt[m] * s->npages) : 0;
}

static void fmt_per1k(char *buf, size_t len, const struct shape *s, enum method m,
		      unsigned long long v, bool avail)
{
	if (!avail)
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.1f", per1k(s, m, v));
}

static void print_group_header(const char *group)
{
	printf("\n== %s\n", group);
	printf("   %-30s %-20s %9s %9s %9s %8s %8s %8s %8s %8s %8s\n", "shape", "method",
	       "median ms", "min", "max", "sys/this", "TLB/1k", "CAL/1k", "RES/1k", "migr/1k",
	       "x limit");
}

static void print_shape(const struct shape *s)
{
	double smed = 0, smn, smx, lmed = 0, lmn, lmx;
	bool have_sys = stats(s, M_SYS, &smed, &smn, &smx);
	bool have_lim = s->kind != K_QUERY && stats(s, M_COPY, &lmed, &lmn, &lmx);
	enum method order[NR_METHODS];
	int k, j = 0;

	if (s->skipped[0]) {
		printf("   %-30s skipped: %s\n", s->name, s->skipped);
		return;
	}
	/* Fixed order in the table, whatever the rotation. */
	for (k = 0; k < NR_METHODS; k++) {
		int i;

		for (i = 0; i < s->nm; i++)
			if (s->m[i] == (enum method)k)
				order[j++] = k;
	}
	for (k = 0; k < j; k++) {
		enum method m = order[k];
		const char *label = k ? "" : s->name;
		double med, mn, mx;
		char tlb[16], cal[16], res[16], migr[16], ratio[16], lim[16];

		if (s->err[m][0] && !s->nt[m]) {
			if (!strcmp(s->err[m], "not available"))
				printf("   %-30s %-20s range: not available\n", label, method_name[m]);
			else
				printf("   %-30s %-20s %s\n", label, method_name[m], s->err[m]);
			continue;
		}
		if (!stats(s, m, &med, &mn, &mx))
			continue;
		snprintf(ratio, sizeof(ratio), have_sys ? "%.2fx" : "-", smed / med);
		if (m == M_COPY) {
			printf("   %-30s %-20s %9.2f %9.2f %9.2f %8s %8s %8s %8s %8s %8s\n", label,
			       method_name[m], med * 1e3, mn * 1e3, mx * 1e3, ratio, "-", "-", "-", "-",
			       "1.00x");
			continue;
		}
		fmt_per1k(tlb, sizeof(tlb), s, m, s->sum[m].tlb, have_irq_tlb);
		fmt_per1k(cal, sizeof(cal), s, m, s->sum[m].cal, have_irq_cal);
		fmt_per1k(res, sizeof(res), s, m, s->sum[m].res, have_irq_res);
		fmt_per1k(migr, sizeof(migr), s, m, s->sum[m].migr, kp_mode != KP_NONE);
		if (have_lim)
			snprintf(lim, sizeof(lim), "%.2fx", med / lmed);
		else
			snprintf(lim, sizeof(lim), "-");
		printf("   %-30s %-20s %9.2f %9.2f %9.2f %8s %8s %8s %8s %8s %8s", label,
		       method_name[m], med * 1e3, mn * 1e3, mx * 1e3, ratio, tlb, cal, res, migr, lim);
		if (s->misplaced[m])
			printf("  MISPLACED %llu pages", s->misplaced[m]);
		if (s->err[m][0])
			printf("  (%s)", s->err[m]);
		if (s->thp && s->thp_min[m] >= 0)
			printf("  THPs left %ld/%zu", s->thp_min[m], s->npages / THP_PAGES);
		printf("\n");
	}
}

static void summary_row(const struct shape *s)
{
	enum method ours = s->kind == K_QUERY ? M_DEF : s->kind == K_RANGE ? M_RANGE0 :
			   s->kind == K_STRESS ? M_COMPAT : M_W0;
	double smed, omed, mn, mx;
	char ipis[48];

	if (s->skipped[0]) {
		printf("| %s | skipped: %s | | | |\n", s->name, s->skipped);
		return;
	}
	if (!stats(s, ours, &omed, &mn, &mx) && s->kind == K_RANGE)
		ours = M_W0;	/* range not available: the per-page call */
	if (!stats(s, M_SYS, &smed, &mn, &mx) || !stats(s, ours, &omed, &mn, &mx)) {
		printf("| %s | %s | %s | | |\n", s->name,
		       s->nt[M_SYS] ? "" : s->err[M_SYS], s->err[ours]);
		return;
	}
	/* CAL: on x86 a TLB shootdown is a function-call IPI too (TLB counts it again). */
	if (have_irq_cal)
		snprintf(ipis, sizeof(ipis), "%.1f vs %.1f",
			 per1k(s, M_SYS, s->sum[M_SYS].cal), per1k(s, ours, s->sum[ours].cal));
	else
		snprintf(ipis, sizeof(ipis), "n/a");
	printf("| %s%s | %.2f | %.2f | %.2fx | %s |\n", s->name,
	       ours == M_RANGE0 ? " (MOVE_RANGE)" : ours == M_W0 && s->kind == K_RANGE ?
	       " (range n/a: MOVE)" : "", smed * 1e3, omed * 1e3, smed / omed, ipis);
}

/* ---- the shapes -------------------------------------------------------- */

#define G_BUSY	"one call, all pages node 0 -> 1, busy target (a writer on every CPU)"
#define G_IDLE	"one call, all pages node 0 -> 1, idle target (no writers)"
#define G_ILV	"one call, every page moving, targets 0,1,0,1 (start 1,0,1,0), busy"
#define G_CALLS	"many calls of a few pages, all to node 1, busy"
#define G_THP	"THP: PMD-sized pages (MADV_HUGEPAGE), all to node 1, busy"
#define G_CYCLE	"THP listed page by page, targets cycling 0,1,2 (one folio asked for three nodes), idle"
#define G_QUERY	"query (nodes = NULL), all pages on node 1, busy"
#define G_STRESS	"stress-ng --numa: plain (move_pages(2)) and under the preload shim (compat, workers auto); time per op"
#define G_CONC	"3 callers at once, each moving its own memory (stress-ng --numa's loop), idle"
#define G_RANGE	"a range to node 1: PAGEMOVE_MOVE_RANGE vs one move_pages(2) listing its pages, busy"

static struct shape shapes[32];
static int nr_shapes;

static struct shape *add(const char *group, enum kind kind, size_t npages, bool busy)
{
	struct shape *s = &shapes[nr_shapes++];

	memset(s, 0, sizeof(*s));
	s->group = group;
	s->kind = kind;
	s->npages = npages;
	s->busy = busy;
	return s;
}

static const char *kpages(size_t n)
{
	static char buf[4][24];
	static int i;
	char *b = buf[i++ & 3];

	if (n >= 1024 && !(n % 1024))
		snprintf(b, 24, "%zuK", n / 1024);
	else
		snprintf(b, 24, "%zu", n);
	return b;
}

/*
 * Busy moves cost what the target's CPUs make them cost: on a kernel that
 * flushes the TLB of every CPU running the target once per page (6.1: no
 * batched unmap), under TCG with 4 vCPUs on 2 host cores, that is
 * milliseconds a page (1.6 on 6.1, 0.1 on 6.12), and 64K pages would take
 * hours. So where a busy move costs more than 0.5 ms a page, the busy
 * base-page shapes are capped to what one call of move_pages(2) does in
 * about 5 seconds (1.2 with --quick), measured first, and say so.
 */
static double busy_ms_page;
static size_t busy_cap = SIZE_MAX;

static void calibrate(void)
{
	size_t n = 1024, i;
	void **pages = xcalloc(n, sizeof(void *));
	int *to1 = xcalloc(n, sizeof(int)), *to0 = xcalloc(n, sizeof(int));
	int *status = xcalloc(n, sizeof(int));
	double best = 1e9, budget = quick ? 1200 : 5000;
	struct target t;
	int k;

	if (target_start(&t, n, false, true, false))
		return;
	for (i = 0; i < n; i++) {
		pages[i] = t.base + i * PAGE;
		to1[i] = 1;
	}
	usleep(20000);
	for (k = 0; k < 2; k++) {
		double t0 = now();

		if (syscall(SYS_move_pages, t.pid, n, pages, to1, status, MPOL_MF_MOVE_) < 0)
			break;
		t0 = now() - t0;
		if (t0 < best)
			best = t0;
		target_pause(&t);
		syscall(SYS_move_pages, t.pid, n, pages, to0, status, MPOL_MF_MOVE_);
		target_resume(&t, true);
	}
	target_stop(&t);
	free(pages);
	free(to1);
	free(to0);
	free(status);
	if (best >= 1e9)
		return;
	busy_ms_page = best * 1e3 / n;
	/* Kernels that batch the unmap take ~0.1 ms/page here: no cap for them. */
	if (busy_ms_page > 0.5 && budget / busy_ms_page < 65536) {
		busy_cap = 256;
		while (busy_cap * 2 <= budget / busy_ms_page)
			busy_cap *= 2;
	}
}

static void name_shape(struct shape *s, size_t asked)
{
	char cap[32] = "";

	if (asked != s->npages)
		snprintf(cap, sizeof(cap), " (capped: %s)", kpages(asked));
	if (!strcmp(s->group, G_BUSY))
		snprintf(s->name, sizeof(s->name), "%s pages (%zu MiB)%s", kpages(s->npages),
			 s->npages * PAGE / MIB, cap);
	else if (!strcmp(s->group, G_IDLE))
		snprintf(s->name, sizeof(s->name), "%s pages, idle%s", kpages(s->npages),
			 s->self ? ", self (pid 0)" : "");
	else if (!strcmp(s->group, G_ILV))
		snprintf(s->name, sizeof(s->name), "%s pages, interleaved%s", kpages(s->npages), cap);
	else if (!strcmp(s->group, G_CALLS))
		snprintf(s->name, sizeof(s->name), "%s calls of %zu page%s%s", kpages(s->npages / s->per),
			 s->per, s->per > 1 ? "s" : "", asked != s->npages ? " (capped)" : "");
	else if (!strcmp(s->group, G_THP) && s->per_thp)
		snprintf(s->name, sizeof(s->name), "%zu THPs, one address per THP",
			 s->npages / THP_PAGES);
	else if (!strcmp(s->group, G_THP))
		snprintf(s->name, sizeof(s->name), "%zu THPs, every %lu KiB address",
			 s->npages / THP_PAGES, PAGE >> 10);
	else if (!strcmp(s->group, G_CYCLE))
		snprintf(s->name, sizeof(s->name), "%zu THP, %zu entries, nodes 0,1,2", s->npages / THP_PAGES,
			 THP_PAGES);
	else if (!strcmp(s->group, G_STRESS))
		snprintf(s->name, sizeof(s->name), "stress-ng --numa %d, %d ops each", STRESS_PROCS,
			 STRESS_OPS);
	else if (!strcmp(s->group, G_CONC))
		snprintf(s->name, sizeof(s->name), "%d x %d calls of %s, nodes cycling", CONC_CALLERS,
			 CONC_CALLS, kpages(CONC_PAGES));
	else if (!strcmp(s->group, G_QUERY))
		snprintf(s->name, sizeof(s->name), "query %s pages", kpages(s->npages));
	else
		snprintf(s->name, sizeof(s->name), "range %zu MiB (%s pages)%s", s->npages * PAGE / MIB,
			 kpages(s->npages), cap);
}

/* The base pages of @mib MiB. */
static size_t mib_pages(size_t mib)
{
	return mib * MIB / PAGE;
}

/*
 * The shapes are sized in bytes (1K, 16K, 64K pages of 4 KiB: 4, 64,
 * 256 MiB), so that they fit the guest's nodes whatever the page size.
 */
static void build_shapes(void)
{
	size_t big = mib_pages(quick ? 32 : 256), mid = mib_pages(quick ? 8 : 64);
	size_t one[] = { mib_pages(4), mid, big }, idle[] = { mid, big }, per[] = { 1, 16, 64 };
	/* Calls of few pages cost the syscall ~25 ms each when busy, under TCG. */
	size_t calls[] = { quick ? 64 : 256, quick ? 32 : 128, quick ? 16 : 64 };
	size_t ilv = mib_pages(quick ? 4 : 16);
	/* 16 or 128 MiB of THPs (8 or 64 of 2 MiB), one THP at least. */
	size_t thps = (quick ? 16 : 128) * MIB / THP_SIZE;
	size_t prev = 0;
	long f0, f1;
	struct shape *s;
	int i;

	if (!thps)
		thps = 1;
	for (i = 0; i < 3; i++) {
		if (quick && i == 0)
			continue;
		add(G_BUSY, K_MOVE, one[i], true);
	}
	for (i = 0; i < 2; i++)
		add(G_IDLE, K_MOVE, idle[i], false);
	/* 512 MiB (128K pages of 4 KiB) on an idle target, if both nodes can hold it now. */
	f0 = node_free_mib(0);
	f1 = node_free_mib(1);
	s = add(G_IDLE, K_MOVE, mib_pages(512), false);
	if (quick)
		snprintf(s->skipped, sizeof(s->skipped), "not in --quick");
	else if (f0 < 512 + 64 + 32 || f1 < 512 + 64 + 32)
		snprintf(s->skipped, sizeof(s->skipped),
			 "512 MiB + copy buffer + margin do not fit (free: node0 %ld, node1 %ld MiB)",
			 f0, f1);
	s = add(G_IDLE, K_MOVE, mib_pages(4), false);
	s->self = true;
	s = add(G_IDLE, K_MOVE, mid, false);
	s->self = true;

	s = add(G_ILV, K_MOVE, ilv, true);
	s->interleave = true;

	for (i = 0; i < 3; i++) {
		s = add(G_CALLS, K_MOVE, calls[i] * per[i], true);
		s->per = per[i];
	}
	for (i = 0; i < 2; i++) {
		s = add(G_THP, K_MOVE, thps * THP_PAGES, true);
		s->thp = true;
		s->per_thp = i;
	}
	/*
	 * One THP (a page-by-page move_pages(2) of it migrates it whole once
	 * per entry: about 20 s a call here), 3 rounds. After it, move_pages(2)
	 * has the THP on the last entry's node: MISPLACED counts the pages not
	 * where their entry asked.
	 */
	s = add(G_CYCLE, K_MOVE, THP_PAGES, false);
	s->thp = true;
	s->cycle = true;
	s->rounds = quick ? 1 : 3;
	/* (npages: every page every call moves, for the per-1000 counts) */
	add(G_CONC, K_CONC, CONC_CALLERS * CONC_CALLS * CONC_PAGES, false);
	/* (npages: each op's 17 moves of 1024 pages, for the per-1000 counts) */
	s = add(G_STRESS, K_STRESS, 17 * 1024 * STRESS_PROCS * STRESS_OPS, false);
	s->rounds = quick ? 1 : 3;
	if (access(STRESS_NG, X_OK) || access(STRESS_SHIM, R_OK))
		snprintf(s->skipped, sizeof(s->skipped), "no %s or %s in this guest", STRESS_NG,
			 STRESS_SHIM);
	add(G_QUERY, K_QUERY, big, true);
	add(G_RANGE, K_RANGE, big, true);

	/* Busy base-page moves: at most busy_cap pages (calibrate()). */
	for (i = 0; i < nr_shapes; i++) {
		size_t asked;

		s = &shapes[i];
		asked = s->npages;
		if (s->busy && !s->thp && s->kind != K_QUERY && s->npages > busy_cap) {
			s->npages = s->per ? busy_cap / s->per * s->per : busy_cap;
			if (!strcmp(s->group, G_BUSY) && prev >= s->npages)
				snprintf(s->skipped, sizeof(s->skipped),
					 "busy moves cost %.2f ms/page here: capped to %s pages, as above",
					 busy_ms_page, kpages(s->npages));
		}
		if (!strcmp(s->group, G_BUSY))
			prev = s->npages;
		name_shape(s, asked);
	}
}

static bool selected(const struct shape *s, const char *only)
{
	return !only || strstr(s->name, only) || strstr(s->group, only);
}

static int bench(const char *only)
{
	struct utsname u;
	char thp[128];
	const char *last = NULL;
	int i;

	read_online_cpus();
	uname(&u);
	read_line("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp));
	kprobe_setup();
	calibrate();
	build_shapes();

	printf("pm_bench: kernel %s, %d online CPUs, %d rounds%s, methods interleaved, first rotating\n",
	       u.release, nr_online, rounds, quick ? " (--quick)" : "");
	printf("  nodes free: node0 %ld MiB, node1 %ld MiB, node2 %ld MiB; THP: %s\n",
	       node_free_mib(0), node_free_mib(1), node_free_mib(2), thp[0] ? thp : "n/a");
	printf("  migrate_pages() count: %s%s\n", kp_mode == KP_NONE ? "n/a: " : "", kp_why);
	printf("  1 GiB (%s pages) does not fit this guest (1.5 GiB, 640 MiB per CPU node): 512 MiB at most\n",
	       kpages(mib_pages(1024)));
	if (busy_ms_page > 0)
		printf("  busy target: move_pages(2) of 1K pages costs %.3f ms/page here%s", busy_ms_page,
		       busy_cap == SIZE_MAX ? "\n" : "");
	if (busy_cap != SIZE_MAX)
		printf(": busy base-page moves capped at %s pages\n", kpages(busy_cap));
	fflush(stdout);

	for (i = 0; i < nr_shapes; i++) {
		if (selected(&shapes[i], only) && !shapes[i].skipped[0])
			run_shape(&shapes[i]);
	}

	printf("\nTimes in ms: median [min, max] of %d rounds. sys/this = move_pages(2)'s median over\n"
	       "this method's (above 1 = faster than the syscall). TLB/1k, CAL/1k, RES/1k: TLB-shootdown,\n"
	       "function-call and rescheduling IPIs per 1000 base pages (all CPUs, mean of the rounds;\n"
	       "on x86 a shootdown arrives as a function call, so CAL includes TLB; arm64 has no\n"
	       "TLB IPI: broadcast TLBI instructions flush the other CPUs' TLBs); migr/1k:\n"
	       "migrate_pages() calls per 1000 base pages. x limit: this method's time over a memcpy\n"
	       "of the same bytes from node 0 to node 1.\n", rounds);
	for (i = 0; i < nr_shapes; i++) {
		if (!selected(&shapes[i], only))
			continue;
		if (shapes[i].group != last)
			print_group_header(shapes[i].group);
		last = shapes[i].group;
		print_shape(&shapes[i]);
	}
	if (range_missing)
		printf("\nrange: not available (PAGEMOVE_MOVE_RANGE: ENOTTY, this module does not have it yet)\n");

	printf("\nSummary (%s, %d rounds, median; ours = pagemove default with workers=0, "
	       "MOVE_RANGE for the range, pagemove default for the query;\n"
	       "%s):\n\n", u.release, rounds,
#if defined(__aarch64__)
	       "IPIs = function-call IPIs (IPI1); arm64 sends no TLB-shootdown IPI, broadcast TLBI\n"
	       "instructions flush the other CPUs' TLBs, so rescheduling IPIs and migrate_pages()\n"
	       "calls (RES/1k, migr/1k in the full table) are the counts left"
#else
	       "IPIs = function-call IPIs (CAL), which on x86 include the TLB shootdowns"
#endif
	       );
	printf("| shape | syscall ms | ours ms | ratio | IPIs/1000 pages syscall vs ours |\n");
	printf("|---|---|---|---|---|\n");
	for (i = 0; i < nr_shapes; i++) {
		if (!selected(&shapes[i], only))
			continue;
		if (shapes[i].skipped[0] && !strcmp(shapes[i].skipped, "not in --quick"))
			continue;
		summary_row(&shapes[i]);
	}
	kprobe_teardown();
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: pm_bench demo\n"
			"       pm_bench [--rounds N] [--quick] [--only WORD] [--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int fd = pagemove_open(), i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fd < 0) {
		fprintf(stderr, "pm_bench: %s: %s\n", PAGEMOVE_DEVICE, strerror(-fd));
		return 1;
	}
	pm_fd = fd;
	if (argc > 1 && !strcmp(argv[1], "demo"))
		return demo(fd);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			quick = true;
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
			if (rounds < 1 || rounds > 64)
				usage();
		} else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else {
			usage();
		}
	}
	return bench(only);
}
