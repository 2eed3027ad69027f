// SPDX-License-Identifier: GPL-2.0
/*
 * PAGEMOVE_MOVE_RANGE: every per-page status and every return of the range
 * move, each provoked for real (the approaches of pagemove_move.c), with the
 * per-status counts checked against the status array and against where a
 * move_pages(2) query finds the pages before and after; THP and hugetlb,
 * the memory policy left alone, the data kept, the workers field.
 * Runs as root in the 4-node guest (0,1: CPU+memory, 2: memory, 3: CPU).
 */
#include <linux/mempolicy.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define N	32
#define MAXPARAM "/sys/module/pagemove/parameters/max_pages"

FIXTURE(pm)
{
	int fd;
	long isolated;
	char *buf;		/* N pages, page i filled with i * 7 + 1, on node 0 */
	int status[N];
	int before[N];
};

/* Where each of @n pages from @start is, per the kernel's move_pages(2) query. */
static int pm_where(int pid, char *start, size_t n, int *out)
{
	void **pages = malloc(n * sizeof(*pages));
	size_t i;
	long ret;

	if (!pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		pages[i] = start + i * PM_PAGE;
		out[i] = PM_SENTINEL;
	}
	ret = pm_sys_move_pages(pid, n, pages, NULL, out, 0);
	free(pages);
	return ret ? -errno : 0;
}

static long pm_range_w(int fd, int pid, int node, void *start, size_t len, int *status,
		       unsigned int flags, unsigned int workers, struct pagemove_range *out)
{
	struct pagemove_range r = {
		.flags = flags, .pid = pid, .node = node,
		.start = (unsigned long)start, .length = len,
		.status = (unsigned long)status, .workers = workers,
	};
	long ret = pagemove_move_range(fd, &r);

	if (out)
		*out = r;
	return ret;
}

static long pm_range(int fd, int pid, int node, void *start, size_t len, int *status,
		     unsigned int flags, struct pagemove_range *out)
{
	return pm_range_w(fd, pid, node, start, len, status, flags, 0, out);
}

/*
 * The counts of @r against the status array, and both against a query of
 * where the @n pages from @start are now (@before: where they were):
 * a page with status @node is there now (moved if it was elsewhere before,
 * in place if it was there); a page with a negative status did not move.
 */
static void pm_check_counts(struct __test_metadata *_metadata, const struct pagemove_range *r,
			    int pid, char *start, size_t n, int node, const int *before,
			    const int *status)
{
	static const int errs[] = { ENOENT, EACCES, EPERM, EBUSY, EFAULT, ENOMEM, EIO, EINVAL };
	unsigned long long got[8] = {
		r->nr_enoent, r->nr_eacces, r->nr_eperm, r->nr_ebusy,
		r->nr_efault, r->nr_enomem, r->nr_eio, r->nr_einval,
	};
	unsigned long long want[8] = { 0 }, moved = 0, in_place = 0, other = 0;
	int *after = malloc(n * sizeof(int));
	size_t i, k;

	ASSERT_NE(NULL, after);
	ASSERT_EQ(0, pm_where(pid, start, n, after));
	EXPECT_EQ(n, r->nr_pages);
	for (i = 0; i < n; i++) {
		int st = status[i];

		if (st == node) {
			if (before[i] == node)
				in_place++;
			else
				moved++;
			EXPECT_EQ(node, after[i]) TH_LOG("page %zu", i);
			continue;
		}
		for (k = 0; k < 8; k++)
			if (st == -errs[k])
				want[k]++;
		if (st >= 0 || st < -EHWPOISON)
			other++;
		/* Not moved: where (or what) it was. */
		EXPECT_EQ(before[i], after[i]) TH_LOG("page %zu status %d", i, st);
	}
	EXPECT_EQ(0, other);
	EXPECT_EQ(moved, r->nr_moved);
	EXPECT_EQ(in_place, r->nr_in_place);
	for (k = 0; k < 8; k++)
		EXPECT_EQ(want[k], got[k]) TH_LOG("count of -%s", strerrorname_np(errs[k]));
	free(after);
}

FIXTURE_SETUP(pm)
{
	if ((pm_read_nodemask("has_memory") & 0x7) != 0x7)
		SKIP(return, "needs nodes 0-2 with memory");
	self->fd = open(PAGEMOVE_DEVICE, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->isolated = pm_isolated();
	self->buf = pm_map_anon(N, 1);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, pm_place(self->buf, N, 0));
	ASSERT_EQ(0, pm_where(0, self->buf, N, self->before));
	pm_fill_int(self->status, N, PM_SENTINEL);
}

FIXTURE_TEARDOWN(pm)
{
	/* No page stays isolated. */
	EXPECT_EQ(self->isolated, pm_isolated());
	close(self->fd);
}

/* Nothing of the fixture's buffer moved: every page still on node 0. */
#define EXPECT_NOTHING_MOVED(self) do {					\
	int _w[N], _i;							\
	ASSERT_EQ(0, pm_where(0, (self)->buf, N, _w));			\
	for (_i = 0; _i < N; _i++)					\
		EXPECT_EQ(0, _w[_i]) TH_LOG("page %d", _i);		\
} while (0)

/* --- statuses -------------------------------------------------------- */

TEST_F(pm, move_status_is_node_and_counts)
{
	struct pagemove_range r;
	int i;

	ASSERT_EQ(0, pm_range(self->fd, 0, 1, self->buf, N * PM_PAGE, self->status, 0, &r));
	for (i = 0; i < N; i++) {
		EXPECT_EQ(1, self->status[i]);
		EXPECT_EQ(1, pm_node_of(self->buf + i * PM_PAGE));
	}
	EXPECT_EQ(N, r.nr_pages);
	EXPECT_EQ(N, r.nr_moved);
	EXPECT_EQ(0, r.nr_in_place);
	EXPECT_EQ(0, r.result);
	pm_check_counts(_metadata, &r, 0, self->buf, N, 1, self->before, self->status);
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

TEST_F(pm, move_without_status_array)
{
	struct pagemove_range r;
	int after[N], i;

	ASSERT_EQ(0, pm_range(self->fd, 0, 2, self->buf, N * PM_PAGE, NULL, 0, &r));
	ASSERT_EQ(0, pm_where(0, self->buf, N, after));
	for (i = 0; i < N; i++)
		EXPECT_EQ(2, after[i]);
	EXPECT_EQ(N, r.nr_pages);
	EXPECT_EQ(N, r.nr_moved);
	/* Again: every page in place, counted, -ENOENT. */
	EXPECT_EQ(-ENOENT, pm_range(self->fd, 0, 2, self->buf, N * PM_PAGE, NULL, 0, &r));
	EXPECT_EQ(N, r.nr_in_place);
	EXPECT_EQ(0, r.nr_moved);
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

TEST_F(pm, in_place_and_moved_mixed)
{
	struct pagemove_range r;
	int i;

	/* Half of them on node 1 already. */
	for (i = 0; i < N; i += 2)
		ASSERT_EQ(0, pm_place(self->buf + i * PM_PAGE, 1, 1));
	ASSERT_EQ(0, pm_where(0, self->buf, N, self->before));
	ASSERT_EQ(0, pm_range(self->fd, 0, 1, self->buf, N * PM_PAGE, self->status, 0, &r));
	for (i = 0; i < N; i++)
		EXPECT_EQ(1, self->status[i]);
	EXPECT_EQ(N / 2, r.nr_moved);
	EXPECT_EQ(N / 2, r.nr_in_place);
	pm_check_counts(_metadata, &r, 0, self->buf, N, 1, self->before, self->status);
}

TEST_F(pm, all_in_place_returns_enoent)
{
	struct pagemove_range r;
	int i;

	EXPECT_EQ(-ENOENT, pm_range(self->fd, 0, 0, self->buf, N * PM_PAGE, self->status, 0, &r));
	for (i = 0; i < N; i++)
		EXPECT_EQ(0, self->status[i]);
	EXPECT_EQ(N, r.nr_in_place);
	EXPECT_EQ(0, r.nr_moved);
	EXPECT_EQ(-ENOENT, r.result);
	pm_check_counts(_metadata, &r, 0, self->buf, N, 0, self->before, self->status);
}

TEST_F(pm, enoent_untouched_anon_and_unread_file)
{
	char *anon = pm_map_anon(8, 0), path[] = "/tmp/pm-range-XXXXXX", *file;
	int ffd = mkstemp(path), before[8], status[8], i;
	struct pagemove_range r;

	ASSERT_NE(NULL, anon);
	/* Even pages touched (and put on node 0), odd ones never. */
	for (i = 0; i < 8; i += 2) {
		memset(anon + i * PM_PAGE, (int)(i * 7 + 1), PM_PAGE);
		ASSERT_EQ(0, pm_place(anon + i * PM_PAGE, 1, 0));
	}
	ASSERT_EQ(0, pm_where(0, anon, 8, before));
	pm_fill_int(status, 8, PM_SENTINEL);
	EXPECT_EQ(0, pm_range(self->fd, 0, 1, anon, 8 * PM_PAGE, status, 0, &r));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(i % 2 ? -ENOENT : 1, status[i]) TH_LOG("page %d", i);
	EXPECT_EQ(4, r.nr_enoent);
	EXPECT_EQ(4, r.nr_moved);
	pm_check_counts(_metadata, &r, 0, anon, 8, 1, before, status);

	/* A file mapping nobody read: nothing to move, -ENOENT. */
	ASSERT_LE(0, ffd);
	ASSERT_EQ(0, ftruncate(ffd, 4 * PM_PAGE));
	file = mmap(NULL, 4 * PM_PAGE, PROT_READ, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, file);
	ASSERT_EQ(0, pm_where(0, file, 4, before));
	pm_fill_int(status, 4, PM_SENTINEL);
	EXPECT_EQ(-ENOENT, pm_range(self->fd, 0, 1, file, 4 * PM_PAGE, status, 0, &r));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-ENOENT, status[i]);
	EXPECT_EQ(4, r.nr_enoent);
	pm_check_counts(_metadata, &r, 0, file, 4, 1, before, status);
	munmap(file, 4 * PM_PAGE);
	munmap(anon, 8 * PM_PAGE);
	close(ffd);
	unlink(path);
}

TEST_F(pm, eacces_shared_after_fork_and_move_all)
{
	struct pagemove_range r;
	pid_t child;
	int go, i;

	child = pm_fork_sharer(&go);
	ASSERT_LE(0, child);
	EXPECT_EQ(-ENOENT, pm_range(self->fd, 0, 1, self->buf, N * PM_PAGE, self->status, 0, &r));
	for (i = 0; i < N; i++)
		EXPECT_EQ(-EACCES, self->status[i]);
	EXPECT_EQ(N, r.nr_eacces);
	pm_check_counts(_metadata, &r, 0, self->buf, N, 1, self->before, self->status);
	/* Root has CAP_SYS_NICE: MOVE_ALL moves shared pages too. */
	EXPECT_EQ(0, pm_range(self->fd, 0, 1, self->buf, N * PM_PAGE, self->status,
			      PAGEMOVE_MF_MOVE_ALL, &r));
	for (i = 0; i < N; i++)
		EXPECT_EQ(1, self->status[i]);
	EXPECT_EQ(N, r.nr_moved);
	EXPECT_EQ(0, r.nr_eacces);
	pm_check_counts(_metadata, &r, 0, self->buf, N, 1, self->before, self->status);
	/* The child sees them there too: the pages are the same. */
	EXPECT_EQ(1, pm_node_of(self->buf));
	EXPECT_EQ(0, pm_child_go(child, go));
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

TEST_F(pm, eperm_pinned_io_uring_buffer)
{
	struct pagemove_range r;
	int ring = pm_io_uring(), i;

	if (ring < 0)
		SKIP(return, "io_uring unavailable: %s", strerror(-ring));
	ASSERT_EQ(0, pm_io_uring_pin(ring, self->buf, 4 * PM_PAGE));
	EXPECT_EQ(0, pm_range(self->fd, 0, 1, self->buf, N * PM_PAGE, self->status, 0, &r));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-EPERM, self->status[i]);	/* pinned: not attempted */
	for (i = 4; i < N; i++)
		EXPECT_EQ(1, self->status[i]);
	EXPECT_EQ(4, r.nr_eperm);
	EXPECT_EQ(N - 4, r.nr_moved);
	pm_check_counts(_metadata, &r, 0, self->buf, N, 1, self->before, self->status);
	close(ring);
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

TEST_F(pm, ebusy_vmspliced_page)
{
	struct pagemove_range r;
	int pipefd[2], i;

	/* The unread pipe holds a reference: migration fails after its retries. */
	ASSERT_EQ(0, pm_vmsplice_hold(self->buf, pipefd));
	EXPECT_EQ(0, pm_range(self->fd, 0, 1, self->buf, N * PM_PAGE, self->status, 0, &r));
	EXPECT_EQ(-EBUSY, self->status[0]);
	for (i = 1; i < N; i++)
		EXPECT_EQ(1, self->status[i]);
	EXPECT_EQ(1, r.nr_ebusy);
	EXPECT_EQ(N - 1, r.nr_moved);
	pm_check_counts(_metadata, &r, 0, self->buf, N, 1, self->before, self->status);
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

/* A gap and the zero page inside one range; the others still move. */
TEST_F(pm, efault_gap_and_zero_page_inside_range)
{
	char *p = pm_map_anon(4, 0);
	struct pagemove_range r;
	int before[4], status[4];
	volatile char c;

	ASSERT_NE(NULL, p);
	memset(p, 1, PM_PAGE);
	memset(p + 3 * PM_PAGE, 2, PM_PAGE);
	ASSERT_EQ(0, pm_place(p, 1, 0));
	ASSERT_EQ(0, pm_place(p + 3 * PM_PAGE, 1, 0));
	ASSERT_EQ(0, munmap(p + PM_PAGE, PM_PAGE));
	c = p[2 * PM_PAGE];	/* a read fault maps the shared zero page */
	(void)c;
	ASSERT_EQ(0, pm_where(0, p, 4, before));
	pm_fill_int(status, 4, PM_SENTINEL);
	EXPECT_EQ(0, pm_range(self->fd, 0, 1, p, 4 * PM_PAGE, status, 0, &r));
	EXPECT_EQ(1, status[0]);
	EXPECT_EQ(-EFAULT, status[1]);	/* the gap */
	EXPECT_EQ(-EFAULT, status[2]);	/* the zero page */
	EXPECT_EQ(1, status[3]);
	EXPECT_EQ(2, r.nr_efault);
	EXPECT_EQ(2, r.nr_moved);
	pm_check_counts(_metadata, &r, 0, p, 4, 1, before, status);
	EXPECT_EQ(1, p[0]);
	EXPECT_EQ(0, p[2 * PM_PAGE]);
	EXPECT_EQ(2, p[3 * PM_PAGE]);
	/* A range in the gap alone: nothing to move. */
	EXPECT_EQ(-ENOENT, pm_range(self->fd, 0, 1, p + PM_PAGE, PM_PAGE, status, 0, &r));
	EXPECT_EQ(-EFAULT, status[0]);
	EXPECT_EQ(1, r.nr_efault);
	munmap(p, 4 * PM_PAGE);
}

/*
 * [vvar] cannot migrate where the kernel maps it VM_IO | VM_PFNMAP (6.x):
 * every page -EFAULT; on 7.x it is neither, and has no page: -ENOENT.
 */
TEST_F(pm, efault_vvar_range)
{
	unsigned long s = 0, e = 0;
	struct pagemove_range r;
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");
	int *status, want;
	size_t n, i;

	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vvar]\n"))
			sscanf(line, "%lx-%lx", &s, &e);
	fclose(f);
	ASSERT_NE(0, s);
	n = (e - s) / PM_PAGE;
	status = calloc(n, sizeof(int));
	want = pm_unmapped_status(s);
	ASSERT_NE(0, want);
	EXPECT_EQ(-ENOENT, pm_range(self->fd, 0, 1, (void *)s, e - s, status, 0, &r));
	for (i = 0; i < n; i++)
		EXPECT_EQ(want, status[i]) TH_LOG("page %zu", i);
	EXPECT_EQ(n, want == -EFAULT ? r.nr_efault : r.nr_enoent);
	EXPECT_EQ(n, r.nr_pages);
	free(status);
}

TEST_F(pm, efault_huge_zero_page)
{
	char *p = mmap(NULL, 2 * PM_THP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a = pm_thp_align(p);
	struct pagemove_range r;
	int n = PM_THP_PAGES, status[n], i;
	volatile char c;

	if (!pm_have_thp())
		SKIP(return, "this kernel has no THP");
	ASSERT_NE(MAP_FAILED, p);
	madvise(a, PM_THP, MADV_HUGEPAGE);
	c = a[0];	/* read fault of an aligned THP range: the huge zero page */
	(void)c;
	EXPECT_EQ(-ENOENT, pm_range(self->fd, 0, 1, a, PM_THP, status, 0, &r));
	for (i = 0; i < n; i++)
		EXPECT_EQ(-EFAULT, status[i]) TH_LOG("subpage %d", i);
	EXPECT_EQ(n, r.nr_efault);
	munmap(p, 2 * PM_THP);
}

/*
 * node2 filled (huge pages take the big blocks, base pages moved there
 * until the target allocation fails), then two huge pages given back: a
 * range of 4096 pages to node2 moves some and gets -ENOMEM for the rest,
 * the call going on past each failure.
 */
TEST_F(pm, enomem_full_node2_others_moved)
{
	const size_t m = 4096;
	struct pagemove_range r;
	int *before = malloc(m * sizeof(int)), *status = malloc(m * sizeof(int));
	char *filler, *buf, hp[96], val[32];
	long huge;
	size_t n, i;

	filler = pm_fill_node(self->fd, 2, &n);
	ASSERT_NE(NULL, filler);
	snprintf(hp, sizeof(hp), PM_NODE_HUGEPAGES, 2);
	huge = pm_read_long(hp);
	ASSERT_LE(2, huge);
	snprintf(val, sizeof(val), "%ld", huge - 2);
	ASSERT_EQ(0, pm_set_hugepages(2, val));	/* 4 MiB free on node2 */

	buf = pm_map_anon(m, 1);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < m; i++)
		memset(buf + i * PM_PAGE, (int)(i * 7 + 1), PM_PAGE);
	ASSERT_EQ(0, pm_place(buf, m, 0));
	ASSERT_EQ(0, pm_where(0, buf, m, before));
	pm_fill_int(status, m, PM_SENTINEL);
	EXPECT_EQ(0, pm_range(self->fd, 0, 2, buf, m * PM_PAGE, status, 0, &r));
	pm_unfill_node(2, filler, n);
	TH_LOG("node2 full: %llu moved, %llu -ENOMEM of %zu", (unsigned long long)r.nr_moved,
	       (unsigned long long)r.nr_enomem, m);
	EXPECT_LT(0, r.nr_moved);
	EXPECT_LT(0, r.nr_enomem);
	EXPECT_EQ(m, r.nr_moved + r.nr_enomem);
	pm_check_counts(_metadata, &r, 0, buf, m, 2, before, status);
	for (i = 0; i < m; i++)
		if (status[i] != 2 && status[i] != -ENOMEM)
			break;
	EXPECT_EQ(m, i) TH_LOG("page %zu status %d", i, status[i]);
	EXPECT_TRUE(pm_check_data(buf, m));
	munmap(buf, m * PM_PAGE);
	free(before);
	free(status);
}

/*
 * -EIO and -EINVAL through pm_testfs (selftests/kmod): a dirty page of a
 * filesystem without migrate_folio can only migrate after writeback; its
 * writepage fails (-EIO), or it has none (-EINVAL).
 */
static void pm_testfs_case(struct __test_metadata *_metadata, int fd, const char *file,
			   int want, int writeback_tried)
{
	const char *dir = "/tmp/pm-testfs";
	struct pagemove_range r;
	int before[4], status[4], i;
	long calls;
	char *p;

	p = pm_testfs_case_start(dir, file, 4, &calls);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pm_where(0, p, 4, before));
	for (i = 0; i < 4; i++)
		ASSERT_NE(2, before[i]);	/* on node 0 (pm_testfs_case_start) */
	pm_fill_int(status, 4, PM_SENTINEL);
	EXPECT_EQ(0, pm_range(fd, 0, 2, p, 4 * PM_PAGE, status, 0, &r));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(want, status[i]) TH_LOG("%s page %d", file, i);
	EXPECT_EQ(4, want == -EIO ? r.nr_eio : want == -EINVAL ? r.nr_einval : r.nr_ebusy);
	EXPECT_EQ(0, r.nr_moved);
	pm_check_counts(_metadata, &r, 0, p, 4, 2, before, status);
	pm_testfs_case_end(_metadata, dir, p, 4, calls, writeback_tried);
}

/* (7.x has no ->writepage: both are -EBUSY there, and nothing is written back.) */
TEST_F(pm, eio_dirty_page_writepage_fails)
{
	pm_testfs_case(_metadata, self->fd, "writepage-fails", pm_testfs_status("writepage-fails"),
		       pm_kernel_has_writepage());
}

TEST_F(pm, einval_dirty_page_no_writepage)
{
	pm_testfs_case(_metadata, self->fd, "no-writepage", pm_testfs_status("no-writepage"), 0);
}

/* --- shapes ---------------------------------------------------------- */

/*
 * One THP (PM_THP) at the returned address, below it @before_pages base
 * pages; all on node 0. *@map: the mapping, 3 * PM_THP, to unmap.
 */
static char *pm_thp(struct __test_metadata *_metadata, char **map, size_t before_pages)
{
	size_t sz = 3 * PM_THP, i;
	char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = pm_thp_align(p + PM_THP);	/* room below it for the base pages */
	*map = p;
	madvise(p, sz, MADV_NOHUGEPAGE);
	madvise(a, PM_THP, MADV_HUGEPAGE);
	pm_fill_pattern(a, PM_THP, 13);
	for (i = 0; i < before_pages; i++)
		memset(a - (before_pages - i) * PM_PAGE, (int)(i + 5), PM_PAGE);
	pm_place(a - before_pages * PM_PAGE, PM_THP_PAGES + before_pages, 0);
	return a;
}

static int pm_thp_data(const char *a)
{
	return pm_pattern_len(a, PM_THP, 13) == PM_THP;
}

static int pm_is_thp(void *a)
{
	char line[256];
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long s, e;
	long kb = -1;
	int in = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (unsigned long)a >= s && (unsigned long)a < e;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb >= (long)(PM_THP >> 10);
}

TEST_F(pm, thp_moves_whole)
{
	int n = PM_THP_PAGES, status[n], before[n], i;
	long ok = pm_vmstat("thp_migration_success"), split = pm_vmstat("thp_migration_split");
	struct pagemove_range r;
	char *map, *a;

	if (!pm_have_thp())
		SKIP(return, "this kernel has no THP");
	a = pm_thp(_metadata, &map, 0);
	ASSERT_NE(NULL, a);
	ASSERT_TRUE(pm_is_thp(a));
	ASSERT_EQ(0, pm_where(0, a, n, before));
	EXPECT_EQ(0, pm_range(self->fd, 0, 1, a, PM_THP, status, 0, &r));
	for (i = 0; i < n; i++)
		EXPECT_EQ(1, status[i]) TH_LOG("subpage %d", i);
	EXPECT_EQ(n, r.nr_moved);
	pm_check_counts(_metadata, &r, 0, a, n, 1, before, status);
	EXPECT_LT(ok, pm_vmstat("thp_migration_success"));
	EXPECT_EQ(split, pm_vmstat("thp_migration_split"));
	EXPECT_TRUE(pm_is_thp(a));	/* still one huge page */
	EXPECT_TRUE(pm_thp_data(a));
	munmap(map, 3 * PM_THP);
}

/*
 * A range that starts 4 pages before a THP. With chunks of 512 pages
 * starting at the range, the THP (512 pages of 4 KiB) ran across a chunk
 * boundary: the first chunk queued it through 508 subpages and the second
 * found its last 4 already moved. Every page of the range was moved by
 * this call: nr_moved counts them all, nr_in_place ("pages already on
 * @node") none. Failed on 6.1 and 6.12 as of 3b8777b (512/4); the range's
 * first chunk now ends at a PMD boundary, whatever the chunk and page size.
 */
TEST_F(pm, thp_across_chunk_boundary_counts_moved)
{
	int n = PM_THP_PAGES + 4, status[n], before[n], i;
	struct pagemove_range r;
	char *map, *a;

	if (!pm_have_thp())
		SKIP(return, "this kernel has no THP");
	a = pm_thp(_metadata, &map, 4);
	ASSERT_NE(NULL, a);
	ASSERT_TRUE(pm_is_thp(a));
	ASSERT_EQ(0, pm_where(0, a - 4 * PM_PAGE, n, before));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, before[i]);
	EXPECT_EQ(0, pm_range(self->fd, 0, 1, a - 4 * PM_PAGE, n * PM_PAGE, status, 0, &r));
	for (i = 0; i < n; i++)
		EXPECT_EQ(1, status[i]) TH_LOG("page %d", i);
	EXPECT_EQ(n, r.nr_moved);
	EXPECT_EQ(0, r.nr_in_place);
	pm_check_counts(_metadata, &r, 0, a - 4 * PM_PAGE, n, 1, before, status);
	EXPECT_TRUE(pm_thp_data(a));
	munmap(map, 3 * PM_THP);
}

TEST_F(pm, hugetlb_moves_whole)
{
	size_t n = PM_HUGE_2M_PAGES, i;
	int status[n], before[n];
	struct pagemove_range r;
	char *p = pm_map_hugetlb();

	if (!p)
		SKIP(return, "no huge pages reserved");
	ASSERT_EQ(0, pm_where(0, p, n, before));
	ASSERT_EQ(0, before[0]);
	EXPECT_EQ(0, pm_range(self->fd, 0, 1, p, PM_HUGE_2M, status, 0, &r));
	for (i = 0; i < n; i++)
		EXPECT_EQ(1, status[i]) TH_LOG("subpage %zu", i);
	EXPECT_EQ(n, r.nr_moved);
	pm_check_counts(_metadata, &r, 0, p, n, 1, before, status);
	/* A range of its tail pages only moves it back whole. */
	ASSERT_EQ(0, pm_where(0, p, n, before));
	EXPECT_EQ(0, pm_range(self->fd, 0, 0, p + 100 * PM_PAGE, 8 * PM_PAGE, status, 0, &r));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0, status[i]);
	EXPECT_EQ(8, r.nr_moved);
	EXPECT_EQ(0, pm_node_of(p));
	EXPECT_EQ(0, pm_node_of(p + PM_HUGE_2M - PM_PAGE));
	EXPECT_EQ(PM_HUGE_2M, pm_pattern_len(p, PM_HUGE_2M, 3));
	munmap(p, PM_HUGE_2M);
}

TEST_F(pm, another_process_by_pid)
{
	struct pagemove_range r;
	int before[N], go, i;
	char *addr;
	pid_t child;

	/* It checks its pages' data and that they are on node 2 when told. */
	child = pm_fork_owner(N, 2, &addr, &go);
	ASSERT_LT(0, child);
	ASSERT_EQ(0, pm_where(child, addr, N, before));
	EXPECT_EQ(0, pm_range(self->fd, child, 2, addr, N * PM_PAGE, self->status, 0, &r));
	for (i = 0; i < N; i++)
		EXPECT_EQ(2, self->status[i]);
	pm_check_counts(_metadata, &r, child, addr, N, 2, before, self->status);
	EXPECT_EQ(0, pm_child_go(child, go));
}

/* The range move leaves the memory policy alone (mbind MPOL_MF_MOVE would not). */
TEST_F(pm, mempolicy_unchanged)
{
	unsigned long set = 1, vset = 3, mask[2], vmask[2];
	struct pagemove_range r;
	int mode = -1, vmode = -1;

	ASSERT_EQ(0, syscall(SYS_set_mempolicy, MPOL_PREFERRED, &set, 64));
	ASSERT_EQ(0, syscall(SYS_mbind, self->buf, N * PM_PAGE, MPOL_BIND, &vset, 64, 0));
	EXPECT_EQ(0, pm_range(self->fd, 0, 2, self->buf, N * PM_PAGE, self->status, 0, &r));
	EXPECT_EQ(N, r.nr_moved);
	EXPECT_EQ(2, pm_node_of(self->buf));
	memset(mask, 0, sizeof(mask));
	memset(vmask, 0, sizeof(vmask));
	ASSERT_EQ(0, syscall(SYS_get_mempolicy, &mode, mask, 128, NULL, 0));
	ASSERT_EQ(0, syscall(SYS_get_mempolicy, &vmode, vmask, 128, self->buf + PM_PAGE,
			     MPOL_F_ADDR));
	EXPECT_EQ(MPOL_PREFERRED, mode);
	EXPECT_EQ(set, mask[0]);
	EXPECT_EQ(MPOL_BIND, vmode);
	EXPECT_EQ(vset, vmask[0]);
	ASSERT_EQ(0, syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0));
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

/* workers = 1 (the caller's CPU only) and 0 (the module's): 4 MiB each way. */
TEST_F(pm, workers_1_and_0_move_4mib)
{
	const size_t n = (4UL << 20) / PM_PAGE;
	unsigned int workers[] = { 1, 0, 1, 0 };
	int nodes[] = { 1, 2, 0, 1 }, k;
	int *status = malloc(n * sizeof(int)), *before = malloc(n * sizeof(int));
	char *buf = pm_map_anon(n, 1);
	struct pagemove_range r;
	size_t i;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, pm_place(buf, n, 0));
	for (k = 0; k < 4; k++) {
		ASSERT_EQ(0, pm_where(0, buf, n, before));
		pm_fill_int(status, n, PM_SENTINEL);
		EXPECT_EQ(0, pm_range_w(self->fd, 0, nodes[k], buf, n * PM_PAGE, status, 0,
					workers[k], &r)) TH_LOG("workers %u", workers[k]);
		EXPECT_EQ(n, r.nr_moved) TH_LOG("workers %u", workers[k]);
		for (i = 0; i < n; i++)
			if (status[i] != nodes[k])
				break;
		EXPECT_EQ(n, i) TH_LOG("workers %u", workers[k]);
		pm_check_counts(_metadata, &r, 0, buf, n, nodes[k], before, status);
		EXPECT_TRUE(pm_check_data(buf, n)) TH_LOG("workers %u", workers[k]);
	}
	munmap(buf, n * PM_PAGE);
	free(status);
	free(before);
}

/*
 * The parallel workers are the caller's: threads of its process, in its
 * cgroups. What one range move of the caller's own memory there and back
 * cost: the wall time, what its cgroup was charged (cpu.stat usage_usec)
 * and how busy the machine was (/proc/stat, every CPU, in USER_HZ ticks).
 */
struct pm_cost {
	long ret;
	unsigned long long moved;
	double wall_ms, charged_ms, busy_ms;
};

static long long pm_cg_usage_usec(const char *cg)
{
	char path[128], key[32];
	long long v = -1, x;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpu.stat", cg);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%31s %lld", key, &x) == 2)
		if (!strcmp(key, "usage_usec"))
			v = x;
	fclose(f);
	return v;
}

/* Busy ticks of all CPUs: user nice system idle iowait irq softirq steal. */
static long long pm_busy_ticks(void)
{
	long long t[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &t[0], &t[1], &t[2],
		   &t[3], &t[4], &t[5], &t[6], &t[7]);
	fclose(f);
	return n == 8 ? t[0] + t[1] + t[2] + t[5] + t[6] + t[7] : -1;
}

static double pm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * In a child that joins @cg and becomes nobody: @n pages of its own on node
 * 0, moved to node 1 and back by range moves with @workers. The cost comes
 * back through a pipe; ret is the first failure, or 0.
 */
static struct pm_cost pm_cost_in_cgroup(int fd, const char *cg, size_t n, unsigned int workers)
{
	struct pm_cost cost = { .ret = -999 };
	int pfd[2];
	pid_t child;

	if (pipe(pfd))
		return cost;
	child = fork();
	if (!child) {
		struct pagemove_range r;
		long long u0, u1, b0, b1;
		double t0, t1;
		char *buf;
		int k;

		close(pfd[0]);
		cost.ret = -997;
		if (pm_cgroup_enter(cg) || setgroups(0, NULL) || setgid(65534) || setuid(65534))
			goto out;
		buf = pm_map_anon(n, 1);
		cost.ret = -ENOMEM;
		if (!buf || pm_place(buf, n, 0))
			goto out;
		cost.ret = 0;
		u0 = pm_cg_usage_usec(cg);
		b0 = pm_busy_ticks();
		t0 = pm_now_ms();
		for (k = 0; k < 2 && !cost.ret; k++) {
			cost.ret = pm_range_w(fd, 0, k ? 0 : 1, buf, n * PM_PAGE, NULL, 0, workers, &r);
			cost.moved += r.nr_moved;
		}
		t1 = pm_now_ms();
		b1 = pm_busy_ticks();
		u1 = pm_cg_usage_usec(cg);
		if (u0 < 0 || u1 < 0 || b0 < 0 || b1 < 0)
			cost.ret = -996;
		if (!pm_check_data(buf, n))
			cost.ret = -995;
		cost.wall_ms = t1 - t0;
		cost.charged_ms = (u1 - u0) / 1e3;
		cost.busy_ms = (b1 - b0) * 1e3 / sysconf(_SC_CLK_TCK);
out:
		_exit(write(pfd[1], &cost, sizeof(cost)) == sizeof(cost) ? 0 : 2);
	}
	close(pfd[1]);
	if (child > 0) {
		waitpid(child, NULL, 0);
		if (read(pfd[0], &cost, sizeof(cost)) != sizeof(cost))
			cost.ret = -998;
	}
	close(pfd[0]);
	return cost;
}

/*
 * A capped cgroup (cpu.max 10% of a CPU) cannot make the module spend more
 * than it pays: with workers = auto the machine's busy time over the moves
 * is at most 1.5 times what the cgroup was charged, as with workers = 1
 * (kworkers would run the shares outside it: 3.7-6 times on 6.12). Then,
 * uncapped, the parallel workers still run at once (their CPU time, all
 * charged to the cgroup, exceeds the wall time) and the speedup over one
 * worker is printed.
 */
TEST_F_TIMEOUT(pm, workers_are_charged_to_the_callers_cgroup, 300)
{
	const char *capped = PM_CGROUP "/pm-cpu-capped", *free_cg = PM_CGROUP "/pm-cpu-free";
	const size_t n = (8UL << 20) / PM_PAGE;	/* 8 MiB, there and back */
	struct pm_cost one, par;
	int round;

	if (pm_cgroup_enable("cpu"))
		SKIP(return, "no cpu controller");
	ASSERT_EQ(0, pm_cgroup_make(capped, "cpu.max", "10000 100000"));
	ASSERT_EQ(0, pm_cgroup_make(free_cg, "cpu.max", "max 100000"));

	one = pm_cost_in_cgroup(self->fd, capped, n, 1);
	par = pm_cost_in_cgroup(self->fd, capped, n, 0);
	ASSERT_EQ(0, one.ret);
	ASSERT_EQ(0, par.ret);
	EXPECT_EQ(2 * n, one.moved);
	EXPECT_EQ(2 * n, par.moved);
	TH_LOG("capped at 10%%: workers 1: wall %.0f ms, charged %.0f ms, busy %.0f ms (%.2fx)",
	       one.wall_ms, one.charged_ms, one.busy_ms, one.busy_ms / one.charged_ms);
	TH_LOG("capped at 10%%: workers 0: wall %.0f ms, charged %.0f ms, busy %.0f ms (%.2fx)",
	       par.wall_ms, par.charged_ms, par.busy_ms, par.busy_ms / par.charged_ms);
	/* One tick of /proc/stat per CPU is noise, not escape. */
	EXPECT_GE(1.5 * par.charged_ms + 40, par.busy_ms);
	EXPECT_GE(1.5 * one.charged_ms + 40, one.busy_ms);
	/* The cap held: the moves took about ten times their CPU time. */
	EXPECT_LE(par.charged_ms * 5, par.wall_ms);

	for (round = 0; round < 3; round++) {
		one = pm_cost_in_cgroup(self->fd, free_cg, n, 1);
		par = pm_cost_in_cgroup(self->fd, free_cg, n, 0);
		ASSERT_EQ(0, one.ret);
		ASSERT_EQ(0, par.ret);
		TH_LOG("uncapped: workers 1 %.0f ms, workers 0 %.0f ms (%.2fx); charged %.0f and %.0f ms",
		       one.wall_ms, par.wall_ms, one.wall_ms / par.wall_ms, one.charged_ms,
		       par.charged_ms);
		if (par.charged_ms > 1.2 * par.wall_ms)
			break;
	}
	/*
	 * Work ran on more than one CPU at once, and the cgroup paid for all
	 * of it; where migrate_pages() flushes the TLB per folio (6.1), a
	 * process's own memory moves on one CPU (each flush would interrupt
	 * every worker).
	 */
	if (!pm_kallsyms("migrate_pages_sync"))
		TH_LOG("this kernel flushes per folio: its own memory moves on one CPU");
	else if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		EXPECT_LT(1.2 * par.wall_ms, par.charged_ms);
	rmdir(capped);
	rmdir(free_cg);
}

/* --- returns --------------------------------------------------------- */

TEST_F(pm, einval_arguments)
{
	char *b = self->buf;
	size_t len = N * PM_PAGE;
	unsigned int bad_flags[] = { MPOL_MF_STRICT, PAGEMOVE_F_COMPAT, 1U << 5, 1U << 31 };
	struct pagemove_range r;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned int f = bad_flags[i];

		EXPECT_EQ(-EINVAL, pm_range(self->fd, 0, 1, b, len, self->status, f, NULL))
			TH_LOG("flags %#x", f);
	}
	EXPECT_EQ(-EINVAL, pm_range(self->fd, 0, 1, b + 1, len - PM_PAGE, self->status, 0, NULL));
	EXPECT_EQ(-EINVAL, pm_range(self->fd, 0, 1, b + PM_PAGE / 2, len - PM_PAGE, self->status, 0,
				    NULL));
	EXPECT_EQ(-EINVAL, pm_range(self->fd, 0, 1, b, len - 1, self->status, 0, NULL));
	EXPECT_EQ(-EINVAL, pm_range(self->fd, 0, 1, b, PM_PAGE + 512, self->status, 0, NULL));
	EXPECT_EQ(-EINVAL, pm_range(self->fd, 0, 1, b, 0, self->status, 0, NULL));
	/* Wraps: from the last page of the address space, two pages. */
	EXPECT_EQ(-EINVAL, pm_range(self->fd, 0, 1, (void *)(-PM_PAGE), 2 * PM_PAGE,
				    self->status, 0, NULL));
	EXPECT_EQ(-EINVAL, pm_range(self->fd, 0, 1, b, -(uintptr_t)b, self->status, 0, NULL)
		  ) TH_LOG("start + length == 2^64");
	/* pid 2 is kthreadd: no mm. */
	EXPECT_EQ(-EINVAL, pm_range(self->fd, 2, 1, b, len, self->status, 0, NULL));

	/* __reserved, and the size: raw ioctls. */
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.node = 1;
	r.start = (unsigned long)b;
	r.length = len;
	r.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, PAGEMOVE_MOVE_RANGE, &r));
	EXPECT_EQ(EINVAL, errno);
	r.__reserved = 0;
	r.size = PAGEMOVE_RANGE_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(self->fd, PAGEMOVE_MOVE_RANGE, &r));
	EXPECT_EQ(EINVAL, errno);
	r.size = 0;
	EXPECT_EQ(-1, ioctl(self->fd, PAGEMOVE_MOVE_RANGE, &r));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NOTHING_MOVED(self);
}

TEST_F(pm, struct_size_ver0_and_larger)
{
	struct {
		struct pagemove_range r;
		char tail[16];
	} big;

	EXPECT_EQ(PAGEMOVE_RANGE_SIZE_VER1, sizeof(struct pagemove_range));
	memset(&big, 0, sizeof(big));
	big.r.node = 1;
	big.r.start = (unsigned long)self->buf;
	big.r.length = PM_PAGE;
	/* Larger with a non-zero tail: refused, nothing moved or written. */
	big.r.size = sizeof(big);
	big.tail[3] = 1;
	big.r.nr_pages = 77;
	EXPECT_EQ(-1, ioctl(self->fd, PAGEMOVE_MOVE_RANGE, &big));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(77, big.r.nr_pages);
	EXPECT_EQ(0, pm_node_of(self->buf));
	/* Larger with a zero tail: accepted, the tail left alone. */
	big.tail[3] = 0;
	EXPECT_EQ(0, ioctl(self->fd, PAGEMOVE_MOVE_RANGE, &big));
	EXPECT_EQ(1, big.r.nr_pages);
	EXPECT_EQ(1, big.r.nr_moved);
	EXPECT_EQ(0, big.r.result);
	EXPECT_EQ(1, pm_node_of(self->buf));
	/* Exactly VER0. */
	big.r.size = PAGEMOVE_RANGE_SIZE_VER0;
	big.r.start = (unsigned long)self->buf + PM_PAGE;
	EXPECT_EQ(0, ioctl(self->fd, PAGEMOVE_MOVE_RANGE, &big));
	EXPECT_EQ(1, big.r.nr_moved);
	EXPECT_EQ(1, pm_node_of(self->buf + PM_PAGE));
}

/* Runs a range move in a child that dropped root; returns its result. */
static long pm_as_nobody(int fd, int pid, char *buf, int *status, unsigned int flags)
{
	int reply;
	pid_t child = pm_fork_reply(&reply);

	if (child < 0)
		return -999;
	if (!child) {
		if (setgid(65534) || setuid(65534))
			_exit(1);
		pm_reply(reply, pm_range(fd, pid, 1, buf, N * PM_PAGE, status, flags, NULL));
	}
	return pm_wait_reply(child, reply);
}

TEST_F(pm, eperm_other_user_and_move_all)
{
	/* An unprivileged caller may not move init's pages... */
	EXPECT_EQ(-EPERM, pm_as_nobody(self->fd, 1, self->buf, self->status, 0));
	/* ...nor use MOVE_ALL without CAP_SYS_NICE, even on its own pages. */
	EXPECT_EQ(-EPERM, pm_as_nobody(self->fd, 0, self->buf, self->status,
				       PAGEMOVE_MF_MOVE_ALL));
	/* Its own pages pass the checks (shared with us since fork: -EACCES each). */
	EXPECT_EQ(-ENOENT, pm_as_nobody(self->fd, 0, self->buf, self->status, 0));
	EXPECT_NOTHING_MOVED(self);
}

TEST_F(pm, esrch_reaped_pid)
{
	pid_t child = pm_reaped_pid();

	ASSERT_LE(0, child);
	EXPECT_EQ(-ESRCH, pm_range(self->fd, child, 1, self->buf, N * PM_PAGE, self->status, 0,
				   NULL));
}

TEST_F(pm, enodev_bad_nodes)
{
	int bad[] = { -1, 1024, 3, 4, 0x7fffffff }, j;
	struct pagemove_range r;

	for (j = 0; j < 5; j++) {
		pm_fill_int(self->status, N, PM_SENTINEL);
		EXPECT_EQ(-ENODEV, pm_range(self->fd, 0, bad[j], self->buf, N * PM_PAGE,
					    self->status, 0, &r)) TH_LOG("node %d", bad[j]);
		EXPECT_EQ(PM_SENTINEL, self->status[0]);	/* nothing written */
		EXPECT_NOTHING_MOVED(self);
	}
}

TEST_F(pm, eacces_cpuset_without_node1)
{
	const char *cg = PM_CGROUP "/pm-range-cpuset";
	int reply;
	pid_t child;

	if (pm_cgroup_enable("cpuset"))
		SKIP(return, "no cpuset controller");
	ASSERT_EQ(0, pm_cgroup_make(cg, "cpuset.mems", "0"));
	child = pm_fork_reply(&reply);
	ASSERT_LE(0, child);
	if (!child) {
		if (pm_cgroup_enter(cg))
			_exit(1);
		pm_reply(reply, pm_range(self->fd, 0, 1, self->buf, N * PM_PAGE, self->status,
					 0, NULL));
	}
	EXPECT_EQ(-EACCES, pm_wait_reply(child, reply));
	rmdir(cg);
	EXPECT_NOTHING_MOVED(self);
}

TEST_F(pm, e2big_above_max_pages)
{
	long saved = pm_read_long(MAXPARAM);
	struct pagemove_range r;
	char val[32];

	ASSERT_LT(0, saved);
	ASSERT_EQ(0, pm_write_file(MAXPARAM, "8"));
	EXPECT_EQ(-E2BIG, pm_range(self->fd, 0, 1, self->buf, 9 * PM_PAGE, self->status, 0, NULL));
	EXPECT_NOTHING_MOVED(self);
	EXPECT_EQ(0, pm_range(self->fd, 0, 1, self->buf, 8 * PM_PAGE, self->status, 0, &r));
	EXPECT_EQ(8, r.nr_moved);
	snprintf(val, sizeof(val), "%ld", saved);
	pm_write_file(MAXPARAM, val);
	EXPECT_EQ(1, pm_node_of(self->buf + 7 * PM_PAGE));
	EXPECT_EQ(0, pm_node_of(self->buf + 8 * PM_PAGE));
	/* The default limit: 1048577 pages, one above it, is refused before any lookup. */
	if (saved == 1048576)
		EXPECT_EQ(-E2BIG, pm_range(self->fd, 0, 1, self->buf, (saved + 1) * PM_PAGE,
					   NULL, 0, NULL));
}

TEST_F(pm, efault_status_unwritable_nothing_moved)
{
	char *s = pm_map_anon(2, 1);
	int i;

	ASSERT_NE(NULL, s);
	EXPECT_EQ(-EFAULT, pm_range(self->fd, 0, 1, self->buf, N * PM_PAGE, (int *)8, 0, NULL));
	EXPECT_NOTHING_MOVED(self);
	/* A read-only status array. */
	ASSERT_EQ(0, mprotect(s + PM_PAGE, PM_PAGE, PROT_READ));
	EXPECT_EQ(-EFAULT, pm_range(self->fd, 0, 1, self->buf, N * PM_PAGE, (int *)(s + PM_PAGE),
				    0, NULL));
	EXPECT_NOTHING_MOVED(self);
	/* A status array that ends in a hole: refused before any page moves. */
	ASSERT_EQ(0, munmap(s + PM_PAGE, PM_PAGE));
	EXPECT_EQ(-EFAULT, pm_range(self->fd, 0, 1, self->buf, N * PM_PAGE,
				    (int *)(s + PM_PAGE - 8), 0, NULL));
	EXPECT_NOTHING_MOVED(self);
	for (i = 0; i < N; i++)
		EXPECT_EQ(0, pm_node_of(self->buf + i * PM_PAGE));
	munmap(s, PM_PAGE);
}

/*
 * The return -ENOMEM: the working memory is charged to the caller's memory
 * cgroup (memory.max = 0) and refused. Nothing moved, no status written.
 */
TEST_F(pm, enomem_working_memory_in_memcg)
{
	const char *cg = PM_CGROUP "/pm-range-nomem";
	int wstatus, i;
	pid_t child;

	if (pm_cgroup_enable("memory"))
		SKIP(return, "no memory controller");
	ASSERT_EQ(0, pm_cgroup_make(cg, "memory.max", "0"));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct pagemove_range req = {
			.size = sizeof(req), .node = 1, .start = (unsigned long)self->buf,
			.length = N * PM_PAGE, .status = (unsigned long)self->status,
		};
		int ret, err;

		pm_fill_int(self->status, N, PM_SENTINEL);
		if (pm_cgroup_enter(cg))
			_exit(10);
		ret = ioctl(self->fd, PAGEMOVE_MOVE_RANGE, &req);
		err = errno;
		if (ret != -1 || err != ENOMEM)
			_exit(11);
		for (i = 0; i < N; i++)
			if (self->status[i] != PM_SENTINEL)
				_exit(12);
		for (i = 0; i < N; i++)
			if (pm_node_of(self->buf + i * PM_PAGE) != 0)
				_exit(14);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &wstatus, 0));
	ASSERT_TRUE(WIFEXITED(wstatus)) TH_LOG("child killed by %d", WTERMSIG(wstatus));
	EXPECT_EQ(0, WEXITSTATUS(wstatus));
	EXPECT_EQ(0, rmdir(cg));
	EXPECT_NOTHING_MOVED(self);
}

TEST_HARNESS_MAIN
