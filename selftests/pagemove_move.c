// SPDX-License-Identifier: GPL-2.0
/*
 * The seed contract, the default semantics of include/uapi/linux/pagemove.h
 * (pagemove(4): STATUSES, RETURN VALUE): every status and return code of
 * it, each provoked for real, plus data integrity, shapes and leaks.
 * Runs as root in the 4-node guest (0,1: CPU+memory, 2: memory, 3: CPU).
 */
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define N 32

FIXTURE(pm)
{
	int fd;
	long isolated;
	char *buf;
	void *pages[N];
	int nodes[N];
	int status[N];
};

FIXTURE_SETUP(pm)
{
	int i;

	if ((pm_read_nodemask("has_memory") & 0x7) != 0x7)
		SKIP(return, "needs nodes 0-2 with memory");
	self->fd = open(PAGEMOVE_DEVICE, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->isolated = pm_isolated();
	self->buf = pm_map_anon(N, 1);
	ASSERT_NE(NULL, self->buf);
	for (i = 0; i < N; i++) {
		self->pages[i] = self->buf + i * PM_PAGE;
		self->nodes[i] = 1;
		self->status[i] = PM_SENTINEL;
	}
	/* Start everything on node 0. */
	ASSERT_EQ(0, pm_sys_move_pages(0, N, self->pages, (int[N]){0}, self->status, 0));
}

FIXTURE_TEARDOWN(pm)
{
	/* No page stays isolated. */
	EXPECT_EQ(self->isolated, pm_isolated());
	close(self->fd);
}

TEST_F(pm, move_anon_status_is_node)
{
	struct pagemove_move r;
	int i;

	ASSERT_EQ(0, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0, &r));
	for (i = 0; i < N; i++) {
		EXPECT_EQ(1, self->status[i]);
		EXPECT_EQ(1, pm_node_of(self->pages[i]));
	}
	EXPECT_EQ(N, r.nr_moved);
	EXPECT_EQ(0, r.nr_in_place);
	EXPECT_EQ(0, r.nr_failed);
	EXPECT_EQ(0, r.result);
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

TEST_F(pm, move_to_memory_only_node2_and_back)
{
	int i;

	pm_fill_int(self->nodes, N, 2);
	ASSERT_EQ(0, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0, NULL));
	for (i = 0; i < N; i++)
		EXPECT_EQ(2, pm_node_of(self->pages[i]));
	pm_fill_int(self->nodes, N, 0);
	ASSERT_EQ(0, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0, NULL));
	for (i = 0; i < N; i++)
		EXPECT_EQ(0, self->status[i]);
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

TEST_F(pm, interleaved_nodes)
{
	int i;

	for (i = 0; i < N; i++)
		self->nodes[i] = i % 3;
	ASSERT_EQ(0, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0, NULL));
	for (i = 0; i < N; i++) {
		EXPECT_EQ(i % 3, self->status[i]);
		EXPECT_EQ(i % 3, pm_node_of(self->pages[i]));
	}
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

TEST_F(pm, all_in_place_returns_enoent)
{
	struct pagemove_move r;
	int i;

	pm_fill_int(self->nodes, N, 0);
	EXPECT_EQ(-ENOENT, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0, &r));
	for (i = 0; i < N; i++)
		EXPECT_EQ(0, self->status[i]);
	EXPECT_EQ(N, r.nr_in_place);
	EXPECT_EQ(0, r.nr_moved);
}

TEST_F(pm, query_mode)
{
	struct pagemove_move r;
	int i;

	ASSERT_EQ(0, pm_move(self->fd, 0, N, self->pages, NULL, self->status, 0, &r));
	for (i = 0; i < N; i++)
		EXPECT_EQ(0, self->status[i]);
	EXPECT_EQ(N, r.nr_in_place);
}

TEST_F(pm, efault_gap_zero_page_vvar)
{
	char *gap = pm_map_anon(3, 0), *zero = pm_map_anon(1, 0), line[256];
	unsigned long vvar = 0;
	volatile char c;
	FILE *f = fopen("/proc/self/maps", "r");
	void *pages[4];
	int nodes[4] = {1, 1, 1, 1}, status[4];

	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vvar]"))
			vvar = strtoul(line, NULL, 16);
	fclose(f);
	ASSERT_NE(0, vvar);
	ASSERT_EQ(0, munmap(gap + PM_PAGE, PM_PAGE));
	c = zero[0];	/* a read fault maps the shared zero page */
	(void)c;

	pages[0] = gap + PM_PAGE;
	pages[1] = zero;
	pages[2] = (void *)vvar;
	pages[3] = self->pages[0];
	pm_fill_int(status, 4, PM_SENTINEL);
	EXPECT_EQ(0, pm_move(self->fd, 0, 4, pages, nodes, status, 0, NULL));
	EXPECT_EQ(-EFAULT, status[0]);
	EXPECT_EQ(-EFAULT, status[1]);
	/* [vvar]: -EFAULT where the kernel maps it VM_IO | VM_PFNMAP (6.x), -ENOENT on 7.x. */
	EXPECT_EQ(pm_unmapped_status(vvar), status[2]);
	EXPECT_EQ(1, status[3]);	/* the others still move */
}

TEST_F(pm, efault_huge_zero_page)
{
	size_t sz = 2 * PM_THP;
	char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a = pm_thp_align(p);
	volatile char c;
	void *page = a + 5 * PM_PAGE;
	int node = 1, status = PM_SENTINEL;

	if (!pm_have_thp())
		SKIP(return, "this kernel has no THP (CONFIG_TRANSPARENT_HUGEPAGE=n, as PREEMPT_RT)");
	ASSERT_NE(MAP_FAILED, p);
	madvise(a, PM_THP, MADV_HUGEPAGE);
	c = a[0];	/* read fault of an aligned THP range: the huge zero page */
	(void)c;
	EXPECT_EQ(-ENOENT, pm_move(self->fd, 0, 1, &page, &node, &status, 0, NULL));
	EXPECT_EQ(-EFAULT, status);
	munmap(p, sz);
}

TEST_F(pm, enoent_untouched_anon_and_unread_file)
{
	char *anon = pm_map_anon(1, 0), path[] = "/tmp/pm-file-XXXXXX";
	int ffd = mkstemp(path), nodes[2] = {1, 1}, status[2] = {PM_SENTINEL, PM_SENTINEL};
	void *pages[2];
	char *file;

	ASSERT_LE(0, ffd);
	ASSERT_EQ(0, ftruncate(ffd, PM_PAGE));
	file = mmap(NULL, PM_PAGE, PROT_READ, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, file);
	pages[0] = anon;
	pages[1] = file;
	EXPECT_EQ(-ENOENT, pm_move(self->fd, 0, 2, pages, nodes, status, 0, NULL));
	EXPECT_EQ(-ENOENT, status[0]);	/* 6.1's syscall says -EFAULT here */
	EXPECT_EQ(-ENOENT, status[1]);
	munmap(file, PM_PAGE);
	close(ffd);
	unlink(path);
}

TEST_F(pm, prot_none_moves)
{
	int i;

	ASSERT_EQ(0, mprotect(self->buf, N * PM_PAGE, PROT_NONE));
	ASSERT_EQ(0, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0, NULL));
	for (i = 0; i < N; i++)
		EXPECT_EQ(1, self->status[i]);	/* 6.1's syscall says -ENOENT here */
	ASSERT_EQ(0, mprotect(self->buf, N * PM_PAGE, PROT_READ | PROT_WRITE));
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

TEST_F(pm, eacces_shared_after_fork_and_move_all)
{
	pid_t child;
	int go, i;

	child = pm_fork_sharer(&go);
	ASSERT_LE(0, child);
	EXPECT_EQ(-ENOENT, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0, NULL));
	for (i = 0; i < N; i++)
		EXPECT_EQ(-EACCES, self->status[i]);
	/* Root has CAP_SYS_NICE: MOVE_ALL moves shared pages too. */
	EXPECT_EQ(0, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status,
			     PAGEMOVE_MF_MOVE_ALL, NULL));
	for (i = 0; i < N; i++)
		EXPECT_EQ(1, self->status[i]);
	pm_child_go(child, go);
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

TEST_F(pm, eperm_pinned_io_uring_buffer)
{
	int ring = pm_io_uring(), i;

	if (ring < 0)
		SKIP(return, "io_uring unavailable: %s", strerror(-ring));
	ASSERT_EQ(0, pm_io_uring_pin(ring, self->buf, 4 * PM_PAGE));
	EXPECT_EQ(0, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0, NULL));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-EPERM, self->status[i]);	/* pinned: not attempted */
	for (i = 4; i < N; i++)
		EXPECT_EQ(1, self->status[i]);
	close(ring);
}

TEST_F(pm, mlocked_pages_move)
{
	int i;

	/* Plain mlock no longer prevents migration: the seed's -EPERM is for pins. */
	ASSERT_EQ(0, mlock(self->buf, N * PM_PAGE));
	EXPECT_EQ(0, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0, NULL));
	for (i = 0; i < N; i++)
		EXPECT_EQ(1, self->status[i]);
	EXPECT_TRUE(pm_check_data(self->buf, N));
	munlock(self->buf, N * PM_PAGE);
}

static int pm_run_on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Pages faulted on another CPU wait in that CPU's LRU batch, off the LRU:
 * draining this CPU's batch is not enough, every CPU's must be drained
 * before isolation can succeed. Both modes must still move every page.
 */
TEST_F(pm, pages_in_another_cpus_lru_batch_move)
{
	unsigned int flags[2] = { 0, PAGEMOVE_F_COMPAT }, m;
	cpu_set_t saved;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(saved), &saved));
	for (m = 0; m < 2; m++) {
		char *buf;
		void *pages[4];
		int nodes[4] = { 1, 1, 1, 1 }, status[4], i;

		ASSERT_EQ(0, pm_run_on_cpu(1));
		buf = pm_map_anon(4, 1);
		ASSERT_NE(NULL, buf);
		ASSERT_EQ(0, pm_run_on_cpu(0));
		for (i = 0; i < 4; i++) {
			pages[i] = buf + i * PM_PAGE;
			status[i] = PM_SENTINEL;
			ASSERT_EQ(0, pm_node_of(pages[i]));
		}
		EXPECT_EQ(0, pm_move(self->fd, 0, 4, pages, nodes, status, flags[m], NULL));
		for (i = 0; i < 4; i++) {
			EXPECT_EQ(1, status[i]) TH_LOG("mode %u page %d", m, i);
			EXPECT_EQ(1, pm_node_of(pages[i]));
		}
		munmap(buf, 4 * PM_PAGE);
	}
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(saved), &saved));
}

/* The same page twice for one node: moved once, both entries moved (pagemove_conflict: other nodes). */
TEST_F(pm, same_address_twice_both_moved)
{
	void *pages[2] = { self->pages[0], self->pages[0] };
	int nodes[2] = {1, 1}, status[2];
	struct pagemove_move r;

	EXPECT_EQ(0, pm_move(self->fd, 0, 2, pages, nodes, status, 0, &r));
	EXPECT_EQ(1, status[0]);
	EXPECT_EQ(1, status[1]);
	EXPECT_EQ(2, r.nr_moved);
	EXPECT_EQ(1, pm_node_of(pages[0]));
}

TEST_F(pm, ebusy_vmspliced_page)
{
	int pipefd[2], i;

	/* The unread pipe holds a reference: migration fails after its retries. */
	ASSERT_EQ(0, pm_vmsplice_hold(self->buf, pipefd));
	EXPECT_EQ(0, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0, NULL));
	EXPECT_EQ(-EBUSY, self->status[0]);
	for (i = 1; i < N; i++)
		EXPECT_EQ(1, self->status[i]);
	EXPECT_EQ(0, pm_node_of(self->pages[0]));
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F(pm, enomem_full_node_others_move)
{
	int i, round, enomem = 0;
	char *filler;
	size_t n;

	/*
	 * node2 full, without the OOM killer: see pm_fill_node(). Memory
	 * the kernel frees on node2 after it filled up (KASAN's quarantine
	 * and kmemleak's objects on the debug kernels, reclaim) can take
	 * every one of the test's pages (6.12-debug in CI: 8 of 8): then
	 * they go back to node0 and node2 is filled again, a few rounds.
	 */
	for (round = 0; round < 4 && enomem <= N / 4; round++) {
		if (round)
			ASSERT_EQ(0, pm_place(self->buf, N, 0));
		filler = pm_fill_node(self->fd, 2, &n);
		ASSERT_NE(NULL, filler);
		for (i = 0; i < N; i++)
			self->nodes[i] = i % 2 ? 2 : 1;
		EXPECT_EQ(0, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status, 0,
				     NULL));
		pm_unfill_node(2, filler, n);
		enomem = 0;
		for (i = 0; i < N; i++) {
			if (i % 2) {
				/* A page that found room on node2 is there. */
				enomem += self->status[i] == -ENOMEM;
				EXPECT_TRUE(self->status[i] == -ENOMEM || self->status[i] == 2)
					TH_LOG("entry %d: %d", i, self->status[i]);
				EXPECT_EQ(self->status[i] == 2 ? 2 : 0, pm_node_of(self->pages[i]));
			} else {
				EXPECT_EQ(1, self->status[i]);
			}
		}
		TH_LOG("round %d: %d of %d pages for node2 got -ENOMEM", round, enomem, N / 2);
	}
	/* The point: a full node fails its pages one by one, the others still move. */
	EXPECT_LT(N / 4, enomem);
	EXPECT_TRUE(pm_check_data(self->buf, N));
}

TEST_F(pm, einval_dirty_ramfs_page)
{
	const char *dir = "/tmp/pm-ramfs";
	char path[64];
	int ffd, node = 1, status = PM_SENTINEL;
	char *p;
	void *page;

	mkdir(dir, 0700);
	ASSERT_EQ(0, mount("ramfs", dir, "ramfs", 0, NULL));
	snprintf(path, sizeof(path), "%s/f", dir);
	ffd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, ffd);
	ASSERT_EQ(0, ftruncate(ffd, PM_PAGE));
	p = mmap(NULL, PM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, PM_PAGE);	/* dirty; ramfs has no migrate_folio, no writepage (7.x: -EBUSY) */
	page = p;
	/* Away from wherever the fault put it (the CPU's node): it must need moving. */
	node = pm_node_of(page) == 1 ? 0 : 1;
	EXPECT_EQ(0, pm_move(self->fd, 0, 1, &page, &node, &status, 0, NULL));
	EXPECT_EQ(pm_testfs_status("no-writepage"), status);
	EXPECT_EQ(0x5a, p[100]);
	munmap(p, PM_PAGE);
	close(ffd);
	umount(dir);
}

/* --- return codes ---------------------------------------------------- */

/*
 * -EIO and -EINVAL through pm_testfs (selftests/kmod): a dirty page of a
 * filesystem without migrate_folio can only migrate after writeback; its
 * writepage fails (-EIO), or it has none (-EINVAL). Nothing moves, nothing
 * changes, nothing stays isolated.
 */
static void pm_testfs_case(struct __test_metadata *_metadata, int fd, const char *file,
			   int want, int writeback_tried)
{
	const char *dir = "/tmp/pm-testfs";
	struct pagemove_move r;
	void *pages[4];
	int nodes[4], status[4], i;
	long calls;
	char *p;

	p = pm_testfs_case_start(dir, file, 4, &calls);
	ASSERT_NE(NULL, p);
	for (i = 0; i < 4; i++) {
		int node = pm_node_of(p + i * PM_PAGE);

		ASSERT_LE(0, node);
		pages[i] = p + i * PM_PAGE;
		nodes[i] = node == 1 ? 0 : 1;	/* somewhere else */
		status[i] = PM_SENTINEL;
	}
	EXPECT_EQ(0, pm_move(fd, 0, 4, pages, nodes, status, 0, &r));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(want, status[i]) TH_LOG("%s page %d", file, i);
		EXPECT_NE(nodes[i], pm_node_of(pages[i]));
	}
	EXPECT_EQ(4, r.nr_failed);
	EXPECT_EQ(0, r.nr_moved);
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

/*
 * The return -ENOMEM: the module's working memory is charged to the
 * caller's memory cgroup and may fail rather than OOM-kill. A child joins a
 * cgroup with memory.max = 0, having touched everything it will write, so
 * the module's allocation is the first charge and it fails. Nothing moved,
 * no status written, nothing isolated.
 */
TEST_F(pm, enomem_working_memory_in_memcg)
{
	const char *cg = PM_CGROUP "/pm-nomem";
	unsigned int flags[2] = { 0, PAGEMOVE_F_COMPAT }, m;

	if (pm_cgroup_enable("memory"))
		SKIP(return, "no memory controller");
	ASSERT_EQ(0, pm_cgroup_make(cg, "memory.max", "0"));
	for (m = 0; m < 2; m++) {
		int wstatus, i;
		pid_t child = fork();

		ASSERT_LE(0, child);
		if (!child) {
			struct pagemove_move req = {
				.size = sizeof(req), .flags = flags[m], .count = N,
				.pages = (unsigned long)self->pages,
				.nodes = (unsigned long)self->nodes,
				.status = (unsigned long)self->status,
			};
			int q[N], ret, err;

			/* COW-break all it writes, before the cgroup can refuse a page. */
			pm_fill_int(self->status, N, PM_SENTINEL);
			pm_fill_int(q, N, PM_SENTINEL);
			if (pm_cgroup_enter(cg))
				_exit(10);
			ret = ioctl(self->fd, PAGEMOVE_MOVE, &req);
			err = errno;
			if (ret != -1 || err != ENOMEM)
				_exit(11);
			for (i = 0; i < N; i++)
				if (self->status[i] != PM_SENTINEL)
					_exit(12);	/* a status was written */
			if (pm_sys_move_pages(0, N, self->pages, NULL, q, 0))
				_exit(13);
			for (i = 0; i < N; i++)
				if (q[i] != 0)
					_exit(14);	/* a page moved */
			_exit(0);
		}
		ASSERT_EQ(child, waitpid(child, &wstatus, 0));
		ASSERT_TRUE(WIFEXITED(wstatus)) TH_LOG("mode %u: child killed by %d", m, WTERMSIG(wstatus));
		EXPECT_EQ(0, WEXITSTATUS(wstatus)) TH_LOG("mode %u", m);
	}
	EXPECT_EQ(0, rmdir(cg));
}

TEST_F(pm, e2big_above_max_pages)
{
	const char *param = "/sys/module/pagemove/parameters/max_pages";

	ASSERT_EQ(0, pm_write_file(param, "8"));
	EXPECT_EQ(-E2BIG, pm_move(self->fd, 0, 9, self->pages, self->nodes, self->status, 0, NULL));
	EXPECT_EQ(0, pm_move(self->fd, 0, 8, self->pages, self->nodes, self->status, 0, NULL));
	pm_write_file(param, "1048576");
	EXPECT_EQ(0, pm_node_of(self->pages[8]));
}

TEST_F(pm, einval_flags_and_kernel_thread)
{
	EXPECT_EQ(-EINVAL, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status,
				   MPOL_MF_STRICT, NULL));
	/* pid 2 is kthreadd: no mm. */
	EXPECT_EQ(-EINVAL, pm_move(self->fd, 2, N, self->pages, self->nodes, self->status, 0, NULL));
	EXPECT_EQ(0, pm_node_of(self->pages[0]));
}

/* Runs a move in a child that dropped root; returns its result. */
static long pm_as_nobody(int fd, int pid, void **pages, int *nodes, int *status, unsigned int flags)
{
	int reply;
	pid_t child = pm_fork_reply(&reply);

	if (child < 0)
		return -999;
	if (!child) {
		if (setgid(65534) || setuid(65534))
			_exit(1);
		pm_reply(reply, pm_move(fd, pid, N, pages, nodes, status, flags, NULL));
	}
	return pm_wait_reply(child, reply);
}

TEST_F(pm, eperm_other_user_and_move_all)
{
	/* An unprivileged caller may not move init's pages... */
	EXPECT_EQ(-EPERM, pm_as_nobody(self->fd, 1, self->pages, self->nodes, self->status, 0));
	/* ...nor use MOVE_ALL without CAP_SYS_NICE, even on its own pages. */
	EXPECT_EQ(-EPERM, pm_as_nobody(self->fd, 0, self->pages, self->nodes, self->status,
				       PAGEMOVE_MF_MOVE_ALL));
	/* Its own pages pass the checks (shared with us since fork: -EACCES each). */
	EXPECT_EQ(-ENOENT, pm_as_nobody(self->fd, 0, self->pages, self->nodes, self->status, 0));
}

TEST_F(pm, enodev_bad_nodes)
{
	int bad[] = { -1, 1024, 3 }, i, j;

	for (j = 0; j < 3; j++) {
		pm_fill_int(self->nodes, N, 1);
		self->nodes[N - 1] = bad[j];	/* last: a refused call moves nothing */
		EXPECT_EQ(-ENODEV, pm_move(self->fd, 0, N, self->pages, self->nodes,
					   self->status, 0, NULL)) TH_LOG("node %d", bad[j]);
		for (i = 0; i < N; i++)
			EXPECT_EQ(0, pm_node_of(self->pages[i]));
	}
}

TEST_F(pm, esrch_reaped_pid)
{
	pid_t child = pm_reaped_pid();

	ASSERT_LE(0, child);
	EXPECT_EQ(-ESRCH, pm_move(self->fd, child, N, self->pages, self->nodes, self->status, 0, NULL));
}

TEST_F(pm, efault_bad_arrays)
{
	char *s = pm_map_anon(2, 1);
	int i;

	EXPECT_EQ(-EFAULT, pm_move(self->fd, 0, N, (void **)8, self->nodes, self->status, 0, NULL));
	EXPECT_EQ(-EFAULT, pm_move(self->fd, 0, N, self->pages, (int *)8, self->status, 0, NULL));
	EXPECT_EQ(-EFAULT, pm_move(self->fd, 0, N, self->pages, self->nodes, (int *)8, 0, NULL));
	/* A status array that ends in a hole: refused before any page moves. */
	ASSERT_EQ(0, munmap(s + PM_PAGE, PM_PAGE));
	EXPECT_EQ(-EFAULT, pm_move(self->fd, 0, N, self->pages, self->nodes,
				   (int *)(s + PM_PAGE - 8), 0, NULL));
	for (i = 0; i < N; i++)
		EXPECT_EQ(0, pm_node_of(self->pages[i]));
}

TEST_F(pm, eacces_cpuset_without_node1)
{
	const char *cg = PM_CGROUP "/pm-cpuset";
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
		pm_reply(reply, pm_move(self->fd, 0, N, self->pages, self->nodes, self->status,
					0, NULL));
	}
	EXPECT_EQ(-EACCES, pm_wait_reply(child, reply));
	rmdir(cg);
}

/* --- shapes ---------------------------------------------------------- */

TEST_F(pm, thp_moves_whole)
{
	size_t sz = 2 * PM_THP, n = PM_THP_PAGES, i;
	char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a = pm_thp_align(p);
	void *pages[n];
	int nodes[n], status[n];
	long before = pm_vmstat("thp_migration_success");

	if (!pm_have_thp())
		SKIP(return, "this kernel has no THP (CONFIG_TRANSPARENT_HUGEPAGE=n, as PREEMPT_RT)");
	ASSERT_NE(MAP_FAILED, p);
	madvise(a, PM_THP, MADV_HUGEPAGE);
	pm_fill_pattern(a, PM_THP, 13);
	pm_sys_move_pages(0, 1, (void **)&a, (int[]){0}, status, 0);
	/* Every subpage of the THP listed. */
	for (i = 0; i < n; i++) {
		pages[i] = a + i * PM_PAGE;
		nodes[i] = 1;
	}
	EXPECT_EQ(0, pm_move(self->fd, 0, n, pages, nodes, status, 0, NULL));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(1, status[i]) TH_LOG("subpage %zu", i);
		EXPECT_EQ(1, pm_node_of(pages[i]));
	}
	EXPECT_LT(before, pm_vmstat("thp_migration_success"));
	EXPECT_EQ(PM_THP, pm_pattern_len(a, PM_THP, 13));
	munmap(p, sz);
}

TEST_F(pm, hugetlb_head_and_tail)
{
	size_t sz = PM_HUGE_2M;
	char *p = pm_map_hugetlb();
	void *page;
	int node = 1, status = PM_SENTINEL;

	if (!p)
		SKIP(return, "no huge pages reserved");
	ASSERT_EQ(0, pm_node_of(p));
	/* A tail address moves the whole huge page (6.1's syscall: -EACCES). */
	page = p + 3 * PM_PAGE;
	EXPECT_EQ(0, pm_move(self->fd, 0, 1, &page, &node, &status, 0, NULL));
	EXPECT_EQ(1, status);
	EXPECT_EQ(1, pm_node_of(p));
	node = 0;
	page = p;
	EXPECT_EQ(0, pm_move(self->fd, 0, 1, &page, &node, &status, 0, NULL));
	EXPECT_EQ(0, status);
	EXPECT_EQ(sz, pm_pattern_len(p, sz, 3));
	munmap(p, sz);
}

TEST_F(pm, shmem_and_tmpfs_file_data)
{
	char path[] = "/tmp/pm-tmpfs-XXXXXX";
	int ffd = mkstemp(path), i;
	char *shm = mmap(NULL, N * PM_PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *file;
	void *pages[2 * N];
	int nodes[2 * N], status[2 * N];

	ASSERT_LE(0, ffd);
	ASSERT_EQ(0, ftruncate(ffd, N * PM_PAGE));
	file = mmap(NULL, N * PM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	ASSERT_NE(MAP_FAILED, file);
	ASSERT_NE(MAP_FAILED, shm);
	for (i = 0; i < N; i++) {
		memset(shm + i * PM_PAGE, (int)(i * 7 + 1), PM_PAGE);
		memset(file + i * PM_PAGE, (int)(i * 7 + 1), PM_PAGE);
		pages[i] = shm + i * PM_PAGE;
		pages[N + i] = file + i * PM_PAGE;
	}
	pm_fill_int(nodes, 2 * N, 0);
	pm_sys_move_pages(0, 2 * N, pages, nodes, status, 0);
	pm_fill_int(nodes, 2 * N, 1);
	EXPECT_EQ(0, pm_move(self->fd, 0, 2 * N, pages, nodes, status, 0, NULL));
	for (i = 0; i < 2 * N; i++)
		EXPECT_EQ(1, status[i]) TH_LOG("entry %d", i);
	EXPECT_TRUE(pm_check_data(shm, N));
	EXPECT_TRUE(pm_check_data(file, N));
	munmap(file, N * PM_PAGE);
	munmap(shm, N * PM_PAGE);
	close(ffd);
	unlink(path);
}

TEST_F(pm, another_process_by_pid)
{
	char *addr;
	int go, i;
	pid_t child;

	/* It checks its pages' data and that they are on node 2 when told. */
	child = pm_fork_owner(N, 2, &addr, &go);
	ASSERT_LT(0, child);
	for (i = 0; i < N; i++) {
		self->pages[i] = addr + i * PM_PAGE;
		self->nodes[i] = 2;
	}
	EXPECT_EQ(0, pm_move(self->fd, child, N, self->pages, self->nodes, self->status, 0, NULL));
	for (i = 0; i < N; i++)
		EXPECT_EQ(2, self->status[i]);
	EXPECT_EQ(0, pm_child_go(child, go));
}

TEST_F(pm, sigkill_during_large_move_puts_back)
{
	/* 64 MiB whatever the page size: filled well before the kill, 1.5 s in. */
	size_t n = (64UL << 20) / PM_PAGE;
	long before = pm_isolated();
	pid_t child = fork();
	int st;

	ASSERT_LE(0, child);
	if (!child) {
		char *b = pm_map_anon(n, 1);
		void **pages = calloc(n, sizeof(void *));
		int *nodes = calloc(n, sizeof(int)), *status = calloc(n, sizeof(int));
		size_t i;

		for (i = 0; i < n; i++)
			pages[i] = b + i * PM_PAGE;
		for (i = 0;; i++) {
			pm_fill_int(nodes, n, i % 2 ? 0 : 1);
			pm_move(self->fd, 0, n, pages, nodes, status, 0, NULL);
		}
	}
	usleep(1500 * 1000);
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(before, pm_isolated());
}

TEST_HARNESS_MAIN
