// SPDX-License-Identifier: GPL-2.0
/*
 * Allocations failing at random while pages move (fault injection).
 *
 * The kernel's fault injection (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC,
 * debugfs: the debug kernels have them, Debian's do not) makes slab and
 * page allocations fail at a chosen probability, here only in the calling
 * thread (task-filter, /proc/thread-self/make-it-fail, set around each
 * ioctl alone so the test's own page faults never fail) and in what it
 * spawns: the module's working memory, the parallel workers' threads
 * (create_io_thread copies make-it-fail), the target-node folios
 * (GFP_HIGHUSER_MOVABLE: ignore-gfp-highmem off) and whatever the kernel
 * allocates on the way (splitting a THP). Every call must still give an
 * answer the uapi header documents:
 *   - default mode and ranges: 0, -ENOENT or -ENOMEM; on -ENOMEM nothing
 *     moved and no status written; otherwise every entry has a status,
 *     each node status names the node the page is on, and a page with an
 *     error status (-ENOMEM, -EBUSY) did not move;
 *   - compat mode: what move_pages(2) may return (>= 0, or -ENOMEM), each
 *     status a documented one;
 * and after every call nothing is isolated and no byte has changed. (A
 * call on THPs that a khugepaged collapse overlapped has its statuses
 * checked, not against where the pages are: the collapse moved them.) The
 * run must have seen allocations fail (per-page -ENOMEM, or a call's), or
 * it tested nothing. kmemleak (run_tests.sh, after the suites) must list
 * nothing of the module's.
 */
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define FI		"/sys/kernel/debug/"
#define NBASE		2048			/* base pages */
#define NTHP		4			/* and THPs, PM_THP_PAGES each */
#define NTHP_PAGES	(NTHP * PM_THP_PAGES)
#define NALL		(NBASE + NTHP_PAGES)
#define NNODES		3			/* the guest's memory nodes */
#define DEF_SECONDS	30

static const char *const fi_kinds[] = { "failslab", "fail_page_alloc" };

static int fi_set(const char *kind, const char *attr, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FI "%s/%s", kind, attr);
	return pm_write_file(path, val);
}

/* Both kinds at @percent, for tasks with make-it-fail only, silently. */
static int fi_config(int percent)
{
	char p[16];
	unsigned int k;
	int ret = 0;

	snprintf(p, sizeof(p), "%d", percent);
	for (k = 0; k < 2; k++) {
		/* (verbose 0: no "forcing a failure" stack in the log) */
		ret |= fi_set(fi_kinds[k], "verbose", "0");
		ret |= fi_set(fi_kinds[k], "task-filter", "Y");
		ret |= fi_set(fi_kinds[k], "interval", "1");
		ret |= fi_set(fi_kinds[k], "times", "-1");
		ret |= fi_set(fi_kinds[k], "space", "0");
		ret |= fi_set(fi_kinds[k], "ignore-gfp-wait", "N");
		ret |= fi_set(fi_kinds[k], "probability", p);
	}
	ret |= fi_set("fail_page_alloc", "ignore-gfp-highmem", "N");
	ret |= fi_set("fail_page_alloc", "min-order", "0");
	return ret;
}

/*
 * This thread's make-it-fail, through an fd opened while nothing fails:
 * opening the file again would allocate (a struct file), and could fail
 * and leave the flag on.
 */
static int fi_fd = -1;

static int fi_me(int on)
{
	if (fi_fd < 0)
		fi_fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (fi_fd < 0)
		return -errno;
	return pwrite(fi_fd, on ? "1" : "0", 1, 0) == 1 ? 0 : -errno;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

FIXTURE(fault) {
	int fd;
	char *base, *thp;
	void **pages;
	int *nodes, *status, *before, *after;
	long isolated;
	/* what the run saw */
	unsigned long calls, ret_ok, ret_enoent, ret_enomem, ret_pos;
	unsigned long st_node, st_enomem, st_ebusy, st_zero, moved;
	unsigned long collapse_calls;	/* a khugepaged collapse overlapped: see one_call() */
	double slowest;
	char slowest_what[128];
};

FIXTURE_SETUP(fault)
{
	size_t i;
	char *r;

	if (access(FI "failslab/probability", W_OK) || access(FI "fail_page_alloc/probability", W_OK) ||
	    access("/proc/thread-self/make-it-fail", W_OK))
		SKIP(return, "no fault injection in this kernel (FAILSLAB, FAIL_PAGE_ALLOC, "
			     "FAULT_INJECTION_DEBUG_FS): the debug kernels have it");
	self->fd = open(PAGEMOVE_DEVICE, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fi_me(0));
	self->base = pm_map_anon(NBASE, 1);
	ASSERT_NE(NULL, self->base);
	/* THPs where the kernel has them, base pages where it does not. */
	r = mmap(NULL, (NTHP + 1) * PM_THP, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	self->thp = pm_thp_align(r);
	madvise(self->thp, NTHP * PM_THP, MADV_HUGEPAGE);
	/*
	 * Page i holds (char)(i * 7 + 1): pages 73, 329, 585... are all
	 * zeros, which a THP split (migrate_pages() splits a THP whose target
	 * THP cannot be had) maps to the zero page: -EFAULT then.
	 */
	for (i = 0; i < NTHP_PAGES; i++)
		memset(self->thp + i * PM_PAGE, (int)(i * 7 + 1), PM_PAGE);
	self->pages = calloc(NALL, sizeof(void *));
	self->nodes = calloc(NALL, sizeof(int));
	self->status = calloc(NALL, sizeof(int));
	self->before = calloc(NALL, sizeof(int));
	self->after = calloc(NALL, sizeof(int));
	ASSERT_TRUE(self->pages && self->nodes && self->status && self->before && self->after);
	for (i = 0; i < NALL; i++)
		self->pages[i] = i < NBASE ? self->base + i * PM_PAGE :
					     self->thp + (i - NBASE) * PM_PAGE;
	ASSERT_EQ(0, pm_place(self->base, NBASE, 0));
	ASSERT_EQ(0, pm_place(self->thp, NTHP_PAGES, 0));
	/* (The least of a few reads: another task's isolation may be passing.) */
	self->isolated = pm_isolated();
	for (i = 0; i < 10; i++) {
		long iso;

		usleep(50000);
		iso = pm_isolated();
		if (iso < self->isolated)
			self->isolated = iso;
	}
}

FIXTURE_TEARDOWN(fault)
{
	fi_me(0);
	fi_config(0);
}

/* Where each page is now (the kernel's own query; no fault injection). */
static int query(FIXTURE_DATA(fault) *self, int *out)
{
	size_t i;

	for (i = 0; i < NALL; i++)
		out[i] = PM_SENTINEL;
	return pm_sys_move_pages(0, NALL, self->pages, NULL, out, 0) ? -errno : 0;
}

static int isolated_back(FIXTURE_DATA(fault) *self)
{
	int tries;

	for (tries = 0; tries < 50; tries++) {
		if (pm_isolated() <= self->isolated)
			return 1;
		usleep(100000);
	}
	return 0;
}

static int data_intact(FIXTURE_DATA(fault) *self)
{
	return pm_check_data(self->base, NBASE) && pm_check_data(self->thp, NTHP_PAGES);
}

static unsigned long fault_seconds(void)
{
	const char *e = getenv("PAGEMOVE_FAULT_SECONDS");
	unsigned long s = e ? strtoul(e, NULL, 0) : DEF_SECONDS;

	return s ? s : 1;
}

/*
 * One call on [first, first + n): default, compat or range, with the
 * allocations of this thread (and its workers) failing at @percent.
 * Checks what the header documents; 0 when every check held.
 */
static int one_call(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		    uint64_t *s, int round, int percent)
{
	int mode = rnd(s) % 3, workers = (int[]){ 0, 0, 1, 4 }[rnd(s) % 4];
	size_t first, n, i, thp = rnd(s) & 1;
	int node = (int)(rnd(s) % NNODES), bad = 0;
	struct pagemove_move mv = { 0 };
	struct pagemove_range rg = { 0 };
	long ret, collapsed;
	double t0;

	/* The base pages or the THPs, whole THPs (PM_THP_PAGES blocks) for THPs. */
	if (thp) {
		first = NBASE + PM_THP_PAGES * (rnd(s) % NTHP);
		n = PM_THP_PAGES * (1 + rnd(s) % ((NALL - first) / PM_THP_PAGES));
	} else {
		first = rnd(s) % NBASE;
		n = 1 + rnd(s) % (NBASE - first);
	}
	/* Runs of 64 entries (a THP's pages: one node) cycling over nodes. */
	for (i = 0; i < n; i++)
		self->nodes[first + i] = (node + (thp ? i / PM_THP_PAGES : i / 64)) % NNODES;
	if (mode == 2)
		for (i = 0; i < n; i++)
			self->nodes[first + i] = node;
	/*
	 * khugepaged may collapse a split THP's block into a new THP on the
	 * node most of its pages are on (or map a new page where the zero
	 * page was) between the two queries: where a page is then says
	 * nothing of the call. Such a call's THP entries are checked for
	 * documented statuses only, and counted.
	 */
	collapsed = pm_pages_collapsed();
	ASSERT_EQ(0, query(self, self->before));
	for (i = 0; i < NALL; i++)
		self->status[i] = PM_SENTINEL;

	if (getenv("PAGEMOVE_FAULT_VERBOSE"))
		ksft_print_msg("round %d: mode %d, workers %d, %zu entries from %zu, %d%%\n", round,
			       mode, workers, n, first, percent);
	t0 = pm_now();
	ASSERT_EQ(0, fi_config(percent));
	ASSERT_EQ(0, fi_me(1));
	if (mode < 2) {
		mv = (struct pagemove_move){
			.flags = PAGEMOVE_MF_MOVE | (mode ? PAGEMOVE_F_COMPAT : 0),
			.count = n, .pages = (uintptr_t)(self->pages + first),
			.nodes = (uintptr_t)(self->nodes + first),
			.status = (uintptr_t)(self->status + first), .workers = workers,
		};
		ret = pagemove_move(self->fd, &mv);
	} else {
		rg = (struct pagemove_range){
			.flags = PAGEMOVE_MF_MOVE, .node = node,
			.start = (uintptr_t)self->pages[first], .length = n * PM_PAGE,
			.status = (uintptr_t)(self->status + first), .workers = workers,
		};
		ret = pagemove_move_range(self->fd, &rg);
	}
	ASSERT_EQ(0, fi_me(0));
	fi_config(0);
	self->calls++;
	t0 = pm_now() - t0;
	if (t0 > self->slowest) {
		self->slowest = t0;
		snprintf(self->slowest_what, sizeof(self->slowest_what),
			 "round %d: mode %d, workers %d, %zu entries, %d%%: %.2f s", round, mode,
			 workers, n, percent, t0);
	}

	ASSERT_EQ(0, query(self, self->after));
	collapsed = thp && pm_pages_collapsed() != collapsed;
	self->collapse_calls += collapsed;
	if (ret == -ENOMEM && mode != 1) {
		self->ret_enomem++;
		/* The module's working memory: nothing moved, no status written. */
		for (i = first; i < first + n; i++)
			if (self->status[i] != PM_SENTINEL ||
			    (!collapsed && self->after[i] != self->before[i]))
				break;
		EXPECT_EQ(first + n, i) TH_LOG("round %d mode %d: -ENOMEM, but entry %zu: "
					       "status %d, node %d -> %d", round, mode, i - first,
					       self->status[i], self->before[i], self->after[i]);
		return i != first + n;
	}
	if (mode == 1) {
		/*
		 * move_pages(2)'s answers: a count of pages not migrated, or
		 * -ENOMEM when a batch's allocation failed; from that batch
		 * on no status is written (earlier batches have moved).
		 */
		EXPECT_TRUE(ret >= 0 || ret == -ENOMEM) TH_LOG("round %d compat: returned %ld",
							       round, ret);
		if (ret < 0 && ret != -ENOMEM)
			return 1;
		self->ret_enomem += ret == -ENOMEM;
		self->ret_pos += ret > 0;
		self->ret_ok += ret == 0;
	} else {
		EXPECT_TRUE(ret == 0 || ret == -ENOENT)
			TH_LOG("round %d mode %d: returned %ld", round, mode, ret);
		if (ret && ret != -ENOENT)
			return 1;
		self->ret_ok += ret == 0;
		self->ret_enoent += ret == -ENOENT;
	}
	for (i = first; i < first + n; i++) {
		int st = self->status[i];

		if (st >= 0 && st < NNODES) {
			self->st_node++;
			self->moved += self->after[i] != self->before[i];
			/* Default mode's node statuses are the truth. */
			if (mode != 1 && !collapsed && st != self->after[i]) {
				TH_LOG("round %d mode %d: entry %zu: status node %d, page on %d",
				       round, mode, i - first, st, self->after[i]);
				bad++;
			}
		} else if (st == -ENOMEM || st == -EBUSY) {
			self->st_enomem += st == -ENOMEM;
			self->st_ebusy += st == -EBUSY;
			/* (compat: move_pages(2) says -EBUSY for a THP's later pages, and moves it) */
			if (mode != 1 && !collapsed && self->after[i] != self->before[i]) {
				TH_LOG("round %d mode %d: entry %zu: status %d, but moved %d -> %d",
				       round, mode, i - first, st, self->before[i], self->after[i]);
				bad++;
			}
		} else if (st == -EFAULT && i >= NBASE && (char)((i - NBASE) * 7 + 1) == 0 &&
			   (collapsed || self->after[i] == -EFAULT)) {
			/* A zero-filled page of a THP a split mapped to the zero page. */
			self->st_zero++;
		} else if (!(mode == 1 && ret && st == PM_SENTINEL)) {
			TH_LOG("round %d mode %d: entry %zu: status %d, page on %d before, %d after",
			       round, mode, i - first, st, self->before[i], self->after[i]);
			bad++;
		}
		if (bad >= 4)
			break;
	}
	if (mode == 2 && !bad) {
		uint64_t sum = rg.nr_moved + rg.nr_in_place + rg.nr_enoent + rg.nr_eacces +
			       rg.nr_eperm + rg.nr_ebusy + rg.nr_efault + rg.nr_enomem +
			       rg.nr_eio + rg.nr_einval;

		EXPECT_EQ(n, rg.nr_pages);
		EXPECT_EQ(n, sum) TH_LOG("round %d range: counts add up to %llu of %zu",
					 round, (unsigned long long)sum, n);
		bad += sum != n;
	}
	if (mode == 0 && !bad && mv.nr_moved + mv.nr_in_place + mv.nr_failed != n) {
		TH_LOG("round %d: moved %llu + in place %llu + failed %llu != %zu", round,
		       (unsigned long long)mv.nr_moved, (unsigned long long)mv.nr_in_place,
		       (unsigned long long)mv.nr_failed, n);
		bad++;
	}
	EXPECT_EQ(0, bad);
	return bad;
}

TEST_F_TIMEOUT(fault, moves_with_allocations_failing_at_random, DEF_SECONDS + 240)
{
	static const int percents[] = { 1, 5, 20, 50, 100 };
	const char *env_seed = getenv("PAGEMOVE_SEED");
	uint64_t seed = env_seed ? strtoull(env_seed, NULL, 0) : (uint64_t)time(NULL) ^ getpid();
	uint64_t s = seed | 1;
	struct timespec t0, t;
	int round;

	ksft_print_msg("seed %llu (reproduce with PAGEMOVE_SEED=%llu), %lu s\n",
		       (unsigned long long)seed, (unsigned long long)seed, fault_seconds());
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (round = 0;; round++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= (long)fault_seconds() && round >= 20)
			break;
		if (one_call(_metadata, self, &s, round, percents[rnd(&s) % 5]))
			break;
		ASSERT_TRUE(isolated_back(self)) TH_LOG("round %d: %ld pages stay isolated",
							round, pm_isolated() - self->isolated);
		if (round % 8 == 0)
			ASSERT_TRUE(data_intact(self)) TH_LOG("round %d: a byte changed", round);
	}
	ksft_print_msg("%lu calls: returned 0 %lu, -ENOENT %lu, -ENOMEM %lu, >0 (compat) %lu; "
		       "statuses: node %lu (%lu pages moved), -ENOMEM %lu, -EBUSY %lu, -EFAULT (zero page "
		       "after a split) %lu\n",
		       self->calls, self->ret_ok, self->ret_enoent, self->ret_enomem, self->ret_pos,
		       self->st_node, self->moved, self->st_enomem, self->st_ebusy, self->st_zero);
	ksft_print_msg("slowest call: %s\n", self->slowest_what);
	ksft_print_msg("calls on THPs a khugepaged collapse overlapped (statuses checked, not "
		       "against where the pages are): %lu\n", self->collapse_calls);
	EXPECT_TRUE(data_intact(self));
	/* Failures injected and survived, and moves that still succeeded. */
	EXPECT_LT(0, self->ret_enomem + self->st_enomem) TH_LOG("no allocation ever failed");
	EXPECT_LT(0, self->moved) TH_LOG("nothing ever moved");
	/* The device still works with allocations as usual. */
	{
		int st = PM_SENTINEL, nd = (pm_node_of(self->base) + 1) % NNODES;

		EXPECT_EQ(0, pm_move(self->fd, 0, 1, self->pages, &nd, &st, PAGEMOVE_MF_MOVE, NULL));
		EXPECT_EQ(nd, st);
		EXPECT_EQ(nd, pm_node_of(self->base));
	}
	close(self->fd);
}

int main(int argc, char **argv)
{
	_fault_moves_with_allocations_failing_at_random_object->timeout =
		(int)fault_seconds() + 240;
	return test_harness_run(argc, argv);
}
