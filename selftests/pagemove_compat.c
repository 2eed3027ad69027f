// SPDX-License-Identifier: GPL-2.0
/*
 * Compat mode against the real move_pages(2), side by side in one guest:
 * each scenario is built twice from scratch, once for the syscall and once
 * for pagemove_move_pages(); the return values and every status entry
 * (pre-filled with a sentinel, so "left unwritten" is compared too) must
 * be identical. Then a seeded random differential over mixed page states.
 */
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define MAXP 128

struct scen {
	unsigned long count;
	void *pages[MAXP];
	int nodes[MAXP];
	int status[MAXP];
	int flags;
	int query;		/* nodes == NULL */
	char *maps[8];		/* to unmap afterwards */
	size_t lens[8];
	int nmaps;
	int pipefd[2];		/* vmsplice / fork handshakes */
	pid_t child;
	unsigned int seed;
	const char *mnt;	/* a pm_testfs mount to undo */
};

typedef void (*scen_fn)(struct scen *s);

static char *scen_map(struct scen *s, size_t npages, int touch)
{
	char *p = pm_map_anon(npages, touch);

	s->maps[s->nmaps] = p;
	s->lens[s->nmaps++] = npages * PM_PAGE;
	/* Every touched page starts on node 0. */
	if (touch) {
		void *a[MAXP];
		int n[MAXP] = { 0 }, st[MAXP];
		size_t i;

		for (i = 0; i < npages; i++)
			a[i] = p + i * PM_PAGE;
		pm_sys_move_pages(0, npages, a, n, st, 0);
	}
	return p;
}

/* Entries @first.. are the @n pages from @p, in order, all to @node. */
static void scen_pages(struct scen *s, unsigned long first, char *p, unsigned long n, int node)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		s->pages[first + i] = p + i * PM_PAGE;
		s->nodes[first + i] = node;
	}
	if (first + n > s->count)
		s->count = first + n;
}

static void scen_cleanup(struct scen *s)
{
	int i;

	for (i = 0; i < s->nmaps; i++)
		munmap(s->maps[i], s->lens[i]);
	if (s->child > 0) {
		kill(s->child, SIGKILL);
		waitpid(s->child, NULL, 0);
	}
	if (s->pipefd[0] > 0) {
		close(s->pipefd[0]);
		close(s->pipefd[1]);
	}
	if (s->mnt)
		umount(s->mnt);
}

static long run_one(scen_fn fn, struct scen *s, int use_module)
{
	long ret;

	memset(s, 0, sizeof(*s));
	fn(s);
	pm_fill_int(s->status, MAXP, PM_SENTINEL);
	if (use_module)
		ret = pagemove_move_pages(0, s->count, s->pages, s->query ? NULL : s->nodes,
					  s->status, s->flags);
	else
		ret = pm_sys_move_pages(0, s->count, s->pages, s->query ? NULL : s->nodes,
					s->status, s->flags);
	if (ret < 0)
		ret = -errno;
	scen_cleanup(s);
	return ret;
}

static struct scen sa, sb;

static void diff(struct __test_metadata *_metadata, scen_fn fn)
{
	long ra = run_one(fn, &sa, 0), rb = run_one(fn, &sb, 1);
	unsigned long i;

	TH_LOG("move_pages(2) returned %ld over %lu entries", ra, sa.count);
	EXPECT_EQ(ra, rb);
	for (i = 0; i < sa.count && i < MAXP; i++)
		EXPECT_EQ(sa.status[i], sb.status[i]) TH_LOG("entry %lu", i);
}

/* ---- scenarios ---- */

static void sc_plain(struct scen *s)
{
	scen_pages(s, 0, scen_map(s, 16, 1), 16, 1);
}

static void sc_mixed_in_place(struct scen *s)
{
	int i;

	scen_pages(s, 0, scen_map(s, 16, 1), 16, 0);
	for (i = 0; i < 16; i++)
		s->nodes[i] = i % 3;
}

static void sc_untouched_anon(struct scen *s)
{
	char *p = scen_map(s, 4, 0), *q = scen_map(s, 2, 1);

	s->count = 4;
	s->pages[0] = q;
	s->pages[1] = p;
	s->pages[2] = p + PM_PAGE;
	s->pages[3] = q + PM_PAGE;
	pm_fill_int(s->nodes, 4, 1);
}

static void sc_prot_none(struct scen *s)
{
	char *p = scen_map(s, 4, 1);

	mprotect(p, 4 * PM_PAGE, PROT_NONE);
	scen_pages(s, 0, p, 4, 1);
}

static void sc_efault_kinds(struct scen *s)
{
	char *gap = scen_map(s, 3, 1), *zero = scen_map(s, 1, 0), line[256];
	volatile char c = zero[0];
	unsigned long vvar = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	(void)c;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[vvar]"))
			vvar = strtoul(line, NULL, 16);
	if (f)
		fclose(f);
	munmap(gap + PM_PAGE, PM_PAGE);
	s->count = 5;
	s->pages[0] = gap;
	s->pages[1] = gap + PM_PAGE;
	s->pages[2] = zero;
	s->pages[3] = (void *)vvar;
	s->pages[4] = gap + 2 * PM_PAGE;
	pm_fill_int(s->nodes, 5, 1);
}

static void sc_hugetlb_tail(struct scen *s)
{
	char *p = mmap(NULL, PM_HUGE_2M, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | PM_MAP_HUGE_2M, -1, 0);
	int n = 0, st;

	if (p == MAP_FAILED)
		return;
	s->maps[s->nmaps] = p;
	s->lens[s->nmaps++] = PM_HUGE_2M;
	memset(p, 1, PM_HUGE_2M);
	pm_sys_move_pages(0, 1, (void **)&p, &n, &st, 0);
	s->count = 2;
	s->pages[0] = p + 5 * PM_PAGE;	/* 6.1: -EACCES; 6.12: moved */
	s->pages[1] = p;
	pm_fill_int(s->nodes, 2, 1);
}

static void sc_shared_fork(struct scen *s)
{
	char *p = scen_map(s, 8, 1), c;

	if (pipe(s->pipefd))
		return;
	s->child = fork();
	if (!s->child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		read(s->pipefd[0], &c, 1);
		_exit(0);
	}
	scen_pages(s, 0, p, 8, 1);
	p[0] = 3;	/* one page COW-broken: private again */
}

static void sc_duplicate(struct scen *s)
{
	char *p = scen_map(s, 2, 1);

	s->count = 4;
	s->pages[0] = p;
	s->pages[1] = p;
	s->pages[2] = p + PM_PAGE;
	s->pages[3] = p;
	pm_fill_int(s->nodes, 4, 1);
}

static void sc_vmsplice_partial(struct scen *s)
{
	char *p = scen_map(s, 8, 1);
	struct iovec iov = { p + 2 * PM_PAGE, PM_PAGE };

	if (pipe(s->pipefd))
		return;
	vmsplice(s->pipefd[1], &iov, 1, 0);
	/* The batch that fails is the first one. */
	scen_pages(s, 0, p, 5, 1);
	scen_pages(s, 5, p + 5 * PM_PAGE, 3, 2);
}

static void sc_enodev_midway(struct scen *s)
{
	scen_pages(s, 0, scen_map(s, 6, 1), 6, 1);
	s->nodes[3] = 3;	/* memoryless: -ENODEV after a batch */
}

static void sc_enodev_range(struct scen *s)
{
	sc_enodev_midway(s);
	s->nodes[2] = 1024;
	s->nodes[4] = -1;
}

static void sc_efault_pages(struct scen *s)
{
	sc_plain(s);
	s->pages[5] = (void *)8;	/* an entry with an unmapped address */
}

static void sc_query(struct scen *s)
{
	sc_efault_kinds(s);
	s->query = 1;
	s->count = 5;
}

static void sc_bad_flags(struct scen *s)
{
	sc_plain(s);
	s->flags = MPOL_MF_STRICT;
}

static void sc_move_all(struct scen *s)
{
	sc_shared_fork(s);
	s->flags = MPOL_MF_MOVE_ALL;
}

static void sc_thp_two_addresses(struct scen *s)
{
	size_t sz = 2 * PM_THP;
	char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a = pm_thp_align(p);
	int n = 0, st;

	s->maps[s->nmaps] = p;
	s->lens[s->nmaps++] = sz;
	madvise(a, PM_THP, MADV_HUGEPAGE);
	memset(a, 1, PM_THP);
	pm_sys_move_pages(0, 1, (void **)&a, &n, &st, 0);
	s->count = 3;
	s->pages[0] = a;
	s->pages[1] = a + 100 * PM_PAGE;	/* same THP: isolation fails */
	s->pages[2] = a + (PM_THP_PAGES - 1) * PM_PAGE;	/* its last page */
	pm_fill_int(s->nodes, 3, 1);
}

/*
 * Dirty pages of pm_testfs (no migrate_folio) between anonymous ones: the
 * first batch of file pages fails, its statuses and those after it stay
 * unwritten. Each file page is sent to whichever of nodes 0/1 it is not
 * on, the anonymous pages to node 2: wherever the page cache put the file
 * pages, the anonymous batch before them is flushed on its own and the
 * syscall returns 6 (a batch of k failed pages ending at 2 + k, plus the
 * 6 - k entries never reached). Sending the anonymous pages to node 1 made
 * the batches depend on that placement (one batch, or two).
 */
static void sc_testfs(struct scen *s, const char *file)
{
	char *p, *q;
	int i;

	s->mnt = "/tmp/pm-testfs-diff";
	if (pm_testfs_mount(s->mnt)) {
		perror("pm_testfs mount");
		_exit(1);	/* fails the test: no silent empty scenario */
	}
	p = pm_testfs_map(s->mnt, file, 4);
	if (!p) {
		perror("pm_testfs map");
		_exit(1);
	}
	s->maps[s->nmaps] = p;
	s->lens[s->nmaps++] = 4 * PM_PAGE;
	q = scen_map(s, 4, 1);
	scen_pages(s, 0, q, 2, 2);
	scen_pages(s, 2, p, 4, 1);
	scen_pages(s, 6, q + 2 * PM_PAGE, 2, 2);
	for (i = 2; i < 6; i++)
		if (pm_node_of(s->pages[i]) == 1)
			s->nodes[i] = 0;
}

static void sc_testfs_eio(struct scen *s)
{
	sc_testfs(s, "writepage-fails");
}

static void sc_testfs_einval(struct scen *s)
{
	sc_testfs(s, "no-writepage");
}

static void sc_empty(struct scen *s)
{
	s->count = 0;
}

#define DIFF_TEST(name) TEST(diff_##name) { diff(_metadata, sc_##name); }
DIFF_TEST(plain)
DIFF_TEST(mixed_in_place)
DIFF_TEST(untouched_anon)
DIFF_TEST(prot_none)
DIFF_TEST(efault_kinds)
DIFF_TEST(hugetlb_tail)
DIFF_TEST(shared_fork)
DIFF_TEST(move_all)
DIFF_TEST(duplicate)
DIFF_TEST(vmsplice_partial)
DIFF_TEST(enodev_midway)
DIFF_TEST(enodev_range)
DIFF_TEST(efault_pages)
DIFF_TEST(query)
DIFF_TEST(bad_flags)
DIFF_TEST(thp_two_addresses)
DIFF_TEST(empty)
DIFF_TEST(testfs_eio)
DIFF_TEST(testfs_einval)

/* ---- seeded random differential ---- */

static unsigned int rnd_seed;

static unsigned int rnd(unsigned int *st)
{
	*st = *st * 1103515245u + 12345u;
	return (*st >> 16) & 0x7fff;
}

static void sc_random(struct scen *s)
{
	unsigned int st = rnd_seed;
	char *touched = scen_map(s, 32, 1), *untouched = scen_map(s, 8, 0);
	char *zero = scen_map(s, 4, 0), *gapped = scen_map(s, 4, 1);
	volatile char c = zero[0] + zero[PM_PAGE];
	unsigned long i;
	int k;

	(void)c;
	munmap(gapped + PM_PAGE, PM_PAGE);
	/*
	 * Half of the touched pages start on node 1: in one call, since
	 * every move_pages(2) waits for an RCU grace period in
	 * lru_cache_disable(), tens of ms on 6.12-rt under TCG (one call
	 * a page made this test outlast the harness's 30 s there).
	 */
	{
		void *a[16];
		int n[16], sts[16];

		for (k = 0; k < 16; k++) {
			a[k] = touched + 2 * k * PM_PAGE;
			n[k] = 1;
		}
		pm_sys_move_pages(0, 16, a, n, sts, 0);
	}
	s->count = 48 + rnd(&st) % 64;
	for (i = 0; i < s->count; i++) {
		unsigned int kind = rnd(&st) % 16, node = rnd(&st) % 32;

		if (kind < 9)
			s->pages[i] = touched + (rnd(&st) % 32) * PM_PAGE;
		else if (kind < 11)
			s->pages[i] = untouched + (rnd(&st) % 8) * PM_PAGE;
		else if (kind < 12)
			s->pages[i] = zero + (rnd(&st) % 2) * PM_PAGE;
		else if (kind < 13)
			s->pages[i] = gapped + (rnd(&st) % 4) * PM_PAGE;
		else if (i)
			s->pages[i] = s->pages[rnd(&st) % i];	/* a repeat */
		else
			s->pages[i] = touched;
		/* Mostly valid nodes, in runs; sometimes an invalid one. */
		if (i && node < 20)
			s->nodes[i] = s->nodes[i - 1];
		else if (node < 31)
			s->nodes[i] = node % 3;
		else
			s->nodes[i] = rnd(&st) % 2 ? 3 : -1;
	}
	if (rnd(&st) % 8 == 0)
		s->query = 1;
}

TEST(random_differential)
{
	const char *env = getenv("PAGEMOVE_SEED");
	unsigned int seed = env ? strtoul(env, NULL, 0) : (unsigned int)time(NULL);
	int round, mismatches = 0;

	TH_LOG("seed %u (reproduce with PAGEMOVE_SEED=%u)", seed, seed);
	for (round = 0; round < 40; round++) {
		unsigned long i;
		long ra, rb;
		int bad = 0;

		rnd_seed = seed + round;
		ra = run_one(sc_random, &sa, 0);
		rb = run_one(sc_random, &sb, 1);
		bad = ra != rb;
		for (i = 0; i < sa.count; i++)
			bad |= sa.status[i] != sb.status[i];
		if (bad) {
			mismatches++;
			TH_LOG("round %d (seed %u): syscall %ld, pagemove %ld", round,
			       seed + round, ra, rb);
			for (i = 0; i < sa.count; i++)
				if (sa.status[i] != sb.status[i])
					TH_LOG("  entry %lu: node %d: %d vs %d", i, sa.nodes[i],
					       sa.status[i], sb.status[i]);
		}
	}
	EXPECT_EQ(0, mismatches);
}

/*
 * A query reads each PTE table once and locklessly where it can (an
 * ordinary page of an anonymous VMA) and walks the page tables otherwise.
 * Over one memory state, listed out of order across two PTE tables: pages
 * on nodes 0 and 1, holes, zero pages, PROT_NONE pages, an unmapped gap
 * and a THP. The syscall, compat and the default mode must answer alike.
 */
TEST(query_over_pte_tables_matches_the_syscall)
{
	const size_t qn = 2 * PM_THP_PAGES;	/* the pages two PTE tables map */
	void *pages[qn], *moving[qn];
	int want[qn], compat[qn], seed[qn], to[qn], st[qn];
	size_t len = 3 * PM_THP, i, n = 0;
	char *raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *thp = mmap(NULL, 2 * PM_THP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	char *a, *h;
	int fd = pagemove_open(), counts[6] = { 0 };
	volatile char c;

	ASSERT_NE(MAP_FAILED, raw);
	ASSERT_NE(MAP_FAILED, thp);
	ASSERT_LE(0, fd);
	a = pm_thp_align(raw);
	h = pm_thp_align(thp);
	madvise(a, 2 * PM_THP, MADV_NOHUGEPAGE);
	madvise(h, PM_THP, MADV_HUGEPAGE);
	memset(h, 3, PM_THP);
	for (i = 0; i < qn; i++) {
		if (i % 7 == 3)
			continue;				/* never touched */
		if (i % 11 == 5) {
			c = a[i * PM_PAGE];			/* the zero page */
			continue;
		}
		a[i * PM_PAGE] = 1;
		/* Placed, not left where this CPU faulted them (node 1 on cpu2). */
		moving[n] = a + i * PM_PAGE;
		to[n++] = i % 3 == 0;
	}
	(void)c;
	ASSERT_LE(0, pm_sys_move_pages(0, n, moving, to, st, 0));
	mprotect(a + 600 * PM_PAGE, 8 * PM_PAGE, PROT_NONE);
	munmap(a + 700 * PM_PAGE, 4 * PM_PAGE);
	for (i = 0; i < qn; i++)
		pages[i] = i % 50 == 49 ? h + (i % PM_THP_PAGES) * PM_PAGE
					: a + ((i * 389 + 17) % qn) * PM_PAGE;
	pm_fill_int(want, qn, PM_SENTINEL);
	pm_fill_int(compat, qn, PM_SENTINEL);
	pm_fill_int(seed, qn, PM_SENTINEL);
	ASSERT_EQ(0, pm_sys_move_pages(0, qn, pages, NULL, want, 0));
	ASSERT_EQ(0, pm_move(fd, 0, qn, pages, NULL, compat, PAGEMOVE_F_COMPAT, NULL));
	ASSERT_EQ(0, pm_move(fd, 0, qn, pages, NULL, seed, 0, NULL));
	for (i = 0; i < qn; i++) {
		EXPECT_EQ(want[i], compat[i]) TH_LOG("compat, entry %zu", i);
		/*
		 * The default mode answers a node exactly as the syscall; it
		 * differs by contract from 6.1's quirks: a page never touched
		 * is -ENOENT there (6.1: -EFAULT), a PROT_NONE page has its
		 * node (6.1: -ENOENT), as on 6.12.
		 */
		if (want[i] >= 0) {
			EXPECT_EQ(want[i], seed[i]) TH_LOG("default, entry %zu", i);
		} else if ((char *)pages[i] >= a + 600 * PM_PAGE &&
			   (char *)pages[i] < a + 608 * PM_PAGE) {
			EXPECT_TRUE(seed[i] == -ENOENT || seed[i] == -EFAULT ||
				    seed[i] == 0 || seed[i] == 1)
				TH_LOG("default, entry %zu: %d", i, seed[i]);
		} else {
			EXPECT_TRUE(seed[i] == -ENOENT || seed[i] == -EFAULT)
				TH_LOG("default, entry %zu: %d", i, seed[i]);
		}
		if (want[i] == 0 || want[i] == 1)
			counts[want[i]]++;
		else if (want[i] == -ENOENT)
			counts[2]++;
		else if (want[i] == -EFAULT)
			counts[3]++;
		else
			counts[4]++;
	}
	TH_LOG("node 0: %d, node 1: %d, -ENOENT: %d, -EFAULT: %d, other: %d",
	       counts[0], counts[1], counts[2], counts[3], counts[4]);
	/* The scenario is what it says: every kind of answer is there. */
	EXPECT_LT(100, counts[0]);
	EXPECT_LT(100, counts[1]);
	EXPECT_LT(100, counts[2] + counts[3]);
	close(fd);
	munmap(raw, len);
	munmap(thp, 2 * PM_THP);
}

/*
 * A compat count beyond what ioctl(2) can return. The first batch fails (its
 * page is held by a pipe), so the call returns its one failure plus every
 * entry never reached, almost the whole count. ioctl(2) gives INT_MAX,
 * ->result the count, saturated at LLONG_MAX: never a negative value that
 * reads as an errno. (move_pages(2)'s int wraps there: logged, not asked.)
 * pages[] and nodes[] end at an unmapped page after their two entries;
 * the call ends at the failed batch and reads no further.
 */
TEST(compat_count_above_int_max)
{
	static const uint64_t counts[] = { (1ULL << 31) + 5, (1ULL << 63) + 5, UINT64_MAX };
	static const int64_t want[] = { (1LL << 31) + 5, INT64_MAX, INT64_MAX };
	char *p = pm_map_anon(2, 1), *arr;
	int fd = pagemove_open(), pipefd[2], where, st = PM_SENTINEL, *nodes, *status;
	void **pages;
	unsigned int i;

	ASSERT_LE(0, fd);
	/* pages[] and nodes[] end where a hole begins; status[] has 2 entries. */
	arr = mmap(NULL, 4 * PM_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, arr);
	ASSERT_EQ(0, munmap(arr + PM_PAGE, PM_PAGE));
	ASSERT_EQ(0, munmap(arr + 3 * PM_PAGE, PM_PAGE));
	pages = (void **)(arr + PM_PAGE - 2 * sizeof(void *));
	nodes = (int *)(arr + 3 * PM_PAGE - 2 * sizeof(int));
	status = (int *)arr;
	/* On node 0: from cpu3 (node 3, no memory) a fault may take node 2's. */
	ASSERT_EQ(0, pm_place(p, 2, 0));
	ASSERT_EQ(0, pm_sys_move_pages(0, 1, (void **)&p, NULL, &where, 0));
	ASSERT_EQ(0, where);
	ASSERT_EQ(0, pm_vmsplice_hold(p, pipefd));
	pages[0] = p;			/* held: its batch fails */
	pages[1] = p + PM_PAGE;		/* another node: flushes the first batch */
	nodes[0] = !where;
	nodes[1] = where;
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct pagemove_move req = {
			.size = sizeof(req), .flags = PAGEMOVE_F_COMPAT | PAGEMOVE_MF_MOVE,
			.count = counts[i], .pages = (uintptr_t)pages,
			.nodes = (uintptr_t)nodes, .status = (uintptr_t)status,
		};
		long sys;
		int ret;

		status[0] = status[1] = PM_SENTINEL;
		ret = ioctl(fd, PAGEMOVE_MOVE, &req);
		EXPECT_EQ(INT_MAX, ret) TH_LOG("count %#llx: errno %d", (unsigned long long)counts[i],
					     ret < 0 ? errno : 0);
		EXPECT_EQ(want[i], req.result) TH_LOG("count %#llx", (unsigned long long)counts[i]);
		EXPECT_EQ(0, req.nr_moved);
		EXPECT_EQ(PM_SENTINEL, status[0]);	/* a failed batch leaves it */
		EXPECT_EQ(PM_SENTINEL, status[1]);	/* read, but the call ends at the batch */
		sys = pm_sys_move_pages(0, counts[i], pages, nodes, status, 0);
		TH_LOG("count %#llx: pagemove %d (result %lld), move_pages(2) %ld%s",
		       (unsigned long long)counts[i], ret, (long long)req.result, sys,
		       sys == -1 ? " (errno set)" : "");
	}
	ASSERT_EQ(0, pm_sys_move_pages(0, 1, (void **)&p, NULL, &st, 0));
	EXPECT_EQ(where, st);		/* the held page never moved */
	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
	munmap(arr, PM_PAGE);
	munmap(arr + 2 * PM_PAGE, PM_PAGE);
	munmap(p, 2 * PM_PAGE);
}

/*
 * Arrays whose edge falls inside an entry: pages[] ends 4 bytes into entry
 * k (nodes[] 2 bytes), the rest of the entry in a hole. move_pages(2) reads
 * an entry whole or faults (get_user; a query copies 16 at a time and
 * fails them together): such an entry is never read. The module once
 * counted an entry copy_from_user had copied in part as read, half user
 * bytes and half what its buffer held before: compat then wrote a status
 * the syscall leaves unwritten (or moved on), and default mode took it for
 * a valid entry. Each case runs three times from scratch: the syscall,
 * compat mode, default mode (which refuses a move: nothing moves, no
 * status is written).
 */
#define EDGE_MAX 24

struct edge_case {
	const char *name;
	int query;		/* nodes == NULL */
	int in_nodes;		/* the edge is in nodes[], not pages[] */
	unsigned int k, count;
};

static const struct edge_case edge_cases[] = {
	{ "pages[0] half mapped", 0, 0, 0, 2 },
	{ "pages[1] half mapped", 0, 0, 1, 3 },
	{ "pages[20] half mapped", 0, 0, 20, 24 },
	{ "nodes[0] half mapped", 0, 1, 0, 2 },
	{ "nodes[5] half mapped", 0, 1, 5, 8 },
	{ "query, pages[0] half mapped", 1, 0, 0, 2 },
	{ "query, pages[17] half mapped", 1, 0, 17, 20 },
};

struct edge_out {
	long ret;
	int status[EDGE_MAX];
	int where[EDGE_MAX];
};

enum { EDGE_SYSCALL, EDGE_COMPAT, EDGE_DEFAULT };

static void edge_run(struct __test_metadata *_metadata, const struct edge_case *ec, int how,
		     struct edge_out *out)
{
	char *p = pm_map_anon(ec->count, 1), *arr;
	void *pages_ok[EDGE_MAX], **pages = pages_ok;
	int nodes_ok[EDGE_MAX], *nodes = nodes_ok;
	unsigned int i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pm_place(p, ec->count, 0));
	arr = mmap(NULL, 2 * PM_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, arr);
	ASSERT_EQ(0, munmap(arr + PM_PAGE, PM_PAGE));
	for (i = 0; i < ec->count; i++) {
		pages_ok[i] = p + i * PM_PAGE;
		nodes_ok[i] = 1;
	}
	/* Entries 0..k-1 whole, then the first bytes of entry k: the page ends. */
	if (ec->in_nodes) {
		nodes = (int *)(arr + PM_PAGE - ec->k * sizeof(int) - 2);
		memcpy(nodes, nodes_ok, ec->k * sizeof(int) + 2);
	} else {
		pages = (void **)(arr + PM_PAGE - ec->k * sizeof(void *) - 4);
		memcpy(pages, pages_ok, ec->k * sizeof(void *) + 4);
	}
	pm_fill_int(out->status, EDGE_MAX, PM_SENTINEL);
	if (how == EDGE_SYSCALL) {
		out->ret = pm_sys_move_pages(0, ec->count, pages, ec->query ? NULL : nodes,
					     out->status, ec->query ? 0 : MPOL_MF_MOVE);
	} else if (how == EDGE_COMPAT) {
		out->ret = pagemove_move_pages(0, ec->count, pages, ec->query ? NULL : nodes,
					       out->status, ec->query ? 0 : MPOL_MF_MOVE);
	} else {
		int fd = pagemove_open();

		ASSERT_LE(0, fd);
		/* (0 or -errno) */
		out->ret = pm_move(fd, 0, ec->count, pages, ec->query ? NULL : nodes, out->status,
				   ec->query ? 0 : PAGEMOVE_MF_MOVE, NULL);
		close(fd);
	}
	if (how != EDGE_DEFAULT && out->ret < 0)
		out->ret = -errno;
	for (i = 0; i < ec->count; i++)
		out->where[i] = pm_node_of(p + i * PM_PAGE);
	EXPECT_EQ(1, pm_check_data(p, ec->count));
	munmap(arr, PM_PAGE);
	munmap(p, ec->count * PM_PAGE);
}

TEST(arrays_ending_inside_an_entry)
{
	unsigned int c, i;

	for (c = 0; c < sizeof(edge_cases) / sizeof(edge_cases[0]); c++) {
		const struct edge_case *ec = &edge_cases[c];
		struct edge_out sys, cmp, def;

		edge_run(_metadata, ec, EDGE_SYSCALL, &sys);
		edge_run(_metadata, ec, EDGE_COMPAT, &cmp);
		edge_run(_metadata, ec, EDGE_DEFAULT, &def);
		TH_LOG("%s: move_pages(2) %ld, compat %ld, default %ld", ec->name, sys.ret,
		       cmp.ret, def.ret);
		/* The syscall never reads entry k: the call fails there. */
		EXPECT_EQ(-EFAULT, sys.ret) TH_LOG("%s", ec->name);
		EXPECT_EQ(sys.ret, cmp.ret) TH_LOG("%s", ec->name);
		EXPECT_EQ(-EFAULT, def.ret) TH_LOG("%s", ec->name);
		for (i = 0; i < ec->count; i++) {
			EXPECT_EQ(sys.status[i], cmp.status[i]) TH_LOG("%s: status[%u]", ec->name, i);
			EXPECT_EQ(sys.where[i], cmp.where[i]) TH_LOG("%s: page %u's node", ec->name, i);
			/*
			 * Default mode validates a move before any page is
			 * touched; a query answers as the syscall does, 16
			 * entries at a time.
			 */
			EXPECT_EQ(ec->query ? sys.status[i] : PM_SENTINEL, def.status[i])
				TH_LOG("%s: status[%u]", ec->name, i);
			EXPECT_EQ(0, def.where[i]) TH_LOG("%s: page %u's node", ec->name, i);
			/* Nothing at or after the edge is looked at. */
			if (i >= ec->k) {
				EXPECT_EQ(PM_SENTINEL, cmp.status[i]) TH_LOG("%s: status[%u]", ec->name, i);
				EXPECT_EQ(0, cmp.where[i]) TH_LOG("%s: page %u's node", ec->name, i);
			}
		}
	}
}

TEST_HARNESS_MAIN
