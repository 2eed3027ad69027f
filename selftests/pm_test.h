/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the pagemove selftests (run as root inside the guests). */
#ifndef PM_TEST_H
#define PM_TEST_H

#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/io_uring.h>
#include "pagemove.h"

#ifndef MPOL_MF_MOVE
#define MPOL_MF_STRICT		(1 << 0)
#define MPOL_MF_MOVE		(1 << 1)
#define MPOL_MF_MOVE_ALL	(1 << 2)
#endif

/*
 * The running kernel's base page: 4 KiB on x86 and arm64's default kernel,
 * 16 KiB on arm64-16k. Asked once: PM_PAGE is in every loop.
 */
static inline unsigned long pm_page_size(void)
{
	static unsigned long size;

	if (!size)
		size = sysconf(_SC_PAGESIZE);
	return size;
}

#define PM_PAGE		pm_page_size()
/*
 * A PMD-mapped THP: one page table's worth of pages (PM_PAGE / 8 entries),
 * 512 pages (2 MiB) with 4 KiB pages, 2048 pages (32 MiB) with 16 KiB.
 */
#define PM_THP_PAGES	(PM_PAGE / 8)
#define PM_THP		(PM_PAGE * PM_THP_PAGES)

/*
 * The tests' hugetlb pages are 2 MiB whatever the base page (qemu/init
 * reserves hugepages-2048kB on each node), so each mapping names that size:
 * the default huge page is the PMD's, 32 MiB with 16 KiB pages (where a
 * 2 MiB one is a run of contiguous PTEs), and none of those is reserved.
 */
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT		26
#endif
#define PM_HUGE_2M		(2UL << 20)
#define PM_HUGE_2M_PAGES	(PM_HUGE_2M / PM_PAGE)
#define PM_MAP_HUGE_2M		(MAP_HUGETLB | (21 << MAP_HUGE_SHIFT))

#define PM_SENTINEL	(-12345)
/* The module's chunk (PM_CHUNK): a call above it reads its arrays again. */
#define PM_CHUNK_ENTRIES	4096
#define PM_KO		"/lib/pagemove/pagemove.ko"

/* A node list such as "0-1,3" from sysfs, as a bitmask. */
/* The first line of a sysfs or procfs file into @buf ("" if none): 0, or -1. */
static inline int pm_read_line(const char *path, char *buf, int len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return -1;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	return 0;
}

static inline unsigned long pm_read_nodemask(const char *file)
{
	char path[128], buf[128], *p;
	unsigned long mask = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/node/%s", file);
	if (pm_read_line(path, buf, sizeof(buf)))
		return 0;
	for (p = buf; *p && *p != '\n';) {
		long a = strtol(p, &p, 10), b = a;

		if (*p == '-')
			b = strtol(p + 1, &p, 10);
		for (; a <= b; a++)
			mask |= 1UL << a;
		if (*p == ',')
			p++;
	}
	return mask;
}

static inline long pm_sys_move_pages(int pid, unsigned long count, void **pages,
				     const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, pid, count, pages, nodes, status, flags);
}

static inline long pm_move(int fd, int pid, unsigned long count, void **pages,
			   const int *nodes, int *status, unsigned int flags,
			   struct pagemove_move *out)
{
	struct pagemove_move req = {
		.flags = flags, .pid = pid, .count = count,
		.pages = (unsigned long)pages, .nodes = (unsigned long)nodes,
		.status = (unsigned long)status,
	};
	long ret = pagemove_move(fd, &req);

	if (out)
		*out = req;
	return ret;
}

/* Monotonic seconds. */
static inline double pm_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* n base pages of anonymous memory, THP off, each touched (written). */
static inline char *pm_map_anon(size_t n, int touch)
{
	char *p = mmap(NULL, n * PM_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, n * PM_PAGE, MADV_NOHUGEPAGE);
	for (i = 0; touch && i < n; i++)
		memset(p + i * PM_PAGE, (int)(i * 7 + 1), PM_PAGE);
	return p;
}

/* Whether each of @n pages holds what pm_map_anon() wrote: page i, i * 7 + 1. */
static inline int pm_check_data(const char *buf, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < PM_PAGE; j++)
			if (buf[i * PM_PAGE + j] != (char)(i * 7 + 1))
				return 0;
	return 1;
}

/* Puts @n pages from @start on @node with the syscall (set-up only). */
static inline int pm_place(char *start, size_t n, int node)
{
	void **pages = malloc(n * sizeof(*pages));
	int *nodes = malloc(n * sizeof(int)), *st = malloc(n * sizeof(int));
	size_t i;
	long ret = -1;

	if (pages && nodes && st) {
		for (i = 0; i < n; i++) {
			pages[i] = start + i * PM_PAGE;
			nodes[i] = node;
		}
		ret = pm_sys_move_pages(0, n, pages, nodes, st, MPOL_MF_MOVE);
	}
	free(pages);
	free(nodes);
	free(st);
	return ret ? -1 : 0;
}

/* Writes @len bytes at @p, byte i (char)(i * @mul): faulted in, and checkable. */
static inline void pm_fill_pattern(char *p, size_t len, size_t mul)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)(i * mul);
}

/* How many bytes from @p still hold pm_fill_pattern()'s pattern: @len if all. */
static inline size_t pm_pattern_len(const char *p, size_t len, size_t mul)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (char)(i * mul))
			break;
	return i;
}

/*
 * One 2 MiB hugetlb page (PM_HUGE_2M), byte i (char)(i * 3)
 * (pm_fill_pattern()), put on node 0. NULL if none is reserved.
 */
static inline char *pm_map_hugetlb(void)
{
	char *p = mmap(NULL, PM_HUGE_2M, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | PM_MAP_HUGE_2M, -1, 0);
	int node = 0, status;

	if (p == MAP_FAILED)
		return NULL;
	pm_fill_pattern(p, PM_HUGE_2M, 3);
	pm_sys_move_pages(0, 1, (void **)&p, &node, &status, 0);
	return p;
}

/* @p rounded up to a THP boundary (PM_THP), where a PMD can map a THP. */
static inline char *pm_thp_align(void *p)
{
	return (char *)(((unsigned long)p + PM_THP - 1) & ~(PM_THP - 1));
}

/* A kernel without THP (PREEMPT_RT on 6.12) has no THP and no huge zero page. */
static inline int pm_have_thp(void)
{
	return access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0;
}

/* Where a page is, per the kernel's own move_pages(2) query. */
static inline int pm_node_of(void *addr)
{
	int status = PM_SENTINEL;

	if (pm_sys_move_pages(0, 1, &addr, NULL, &status, 0))
		return -errno;
	return status;
}

/*
 * @pid's page at @addr, which a query just read as @st: asked again while
 * it reads absent, for up to a second. A migration entry reads -ENOENT in
 * move_pages(2), and the kernel's compaction may be moving the page within
 * its node: kcompactd, or a THP fault compacting directly (with 16 KiB
 * pages a THP is an order-11 block, and both run often). A page that stays
 * absent is absent.
 */
static inline int pm_node_settled(int pid, void *addr, int st)
{
	int tries;

	for (tries = 0; st == -ENOENT && tries < 500; tries++) {
		usleep(2000);
		if (pm_sys_move_pages(pid, 1, &addr, NULL, &st, 0))
			return -errno;
	}
	return st;
}

static inline long pm_vmstat(const char *key)
{
	char name[64];
	long val, ret = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &val) == 2)
		if (!strcmp(name, key))
			ret = val;
	fclose(f);
	return ret;
}

/* Folds the per-CPU deltas first: /proc/vmstat alone lags behind. */
static inline long pm_isolated(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			perror("stat_refresh");
		close(fd);
	}
	return pm_vmstat("nr_isolated_anon") + pm_vmstat("nr_isolated_file");
}

static inline long pm_node_free_kb(int node)
{
	char path[96], line[160];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "MemFree:");

		if (p)
			kb = strtol(p + 8, NULL, 10);
	}
	fclose(f);
	return kb;
}

static inline void pm_fill_int(int *a, size_t n, int v)
{
	while (n--)
		a[n] = v;
}

/* Writes @val to a sysfs, procfs or cgroup file. 0 or -errno. */
static inline int pm_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* The number a sysfs or procfs file holds; -1 if it cannot be read. */
static inline long pm_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * khugepaged's collapses so far. A collapse copies a THP block's pages
 * into a new THP on one node (the node most of them are on): it moves
 * pages as no status can say (a split THP's, as migrate_pages() splits a
 * THP whose target THP cannot be had) and maps a new page where the zero
 * page was. An oracle does not check a call one overlapped, and counts it.
 */
static inline long pm_pages_collapsed(void)
{
	return pm_read_long("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed");
}

/* A node's count of 2 MiB huge pages; qemu/init reserves 8 on each. */
#define PM_NODE_HUGEPAGES \
	"/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages"
#define PM_GUEST_HUGEPAGES	"8"

static inline int pm_set_hugepages(int node, const char *val)
{
	char path[96];

	snprintf(path, sizeof(path), PM_NODE_HUGEPAGES, node);
	return pm_write_file(path, val);
}

/*
 * Fills @node without the OOM killer: huge pages take the big blocks, then
 * base pages are moved there through the device @fd, 256 a call, until the
 * target allocation fails. (Through pagemove: the syscall's allocation is
 * not __GFP_NOWARN and would print a splat.) Returns the filler, *@n pages,
 * for pm_unfill_node(); NULL on failure.
 */
static inline char *pm_fill_node(int fd, int node, size_t *n)
{
	char *filler;
	size_t j;

	/* What reclaim could free on @node later is freed now. */
	pm_write_file("/proc/sys/vm/drop_caches", "3");
	if (pm_set_hugepages(node, "100000"))
		return NULL;
	/* Its free pages and 64 MiB more: free memory can grow meanwhile (reclaim). */
	*n = (pm_node_free_kb(node) * 1024 + (64UL << 20)) / PM_PAGE;
	filler = pm_map_anon(*n, 1);
	if (!filler) {
		pm_set_hugepages(node, PM_GUEST_HUGEPAGES);
		return NULL;
	}
	/*
	 * Until a whole batch finds no room: a batch that ended on -ENOMEM
	 * may have woken reclaim (or freed per-CPU lists), and the room it
	 * makes would take the test's pages (6.12-rt: 16 of 16 moved once).
	 */
	for (j = 0; j + 256 <= *n; j += 256) {
		void *fp[256];
		int fn[256], fs[256], k, nomem = 0;

		for (k = 0; k < 256; k++) {
			fp[k] = filler + (j + k) * PM_PAGE;
			fn[k] = node;
		}
		pm_move(fd, 0, 256, fp, fn, fs, 0, NULL);
		for (k = 0; k < 256; k++)
			nomem += fs[k] == -ENOMEM;
		if (nomem == 256)
			break;
	}
	return filler;
}

/* Gives @node back what pm_fill_node() took. */
static inline void pm_unfill_node(int node, char *filler, size_t n)
{
	munmap(filler, n * PM_PAGE);
	pm_set_hugepages(node, PM_GUEST_HUGEPAGES);
}

/*
 * Writes to every stack page the calls after it may use, so none faults
 * later. Not inline: its frame must lie below its caller's.
 */
static void __attribute__((noinline, unused)) pm_prefault_stack(void)
{
	volatile char pad[64 * 1024];

	memset((char *)pad, 1, sizeof(pad));
}

/* The address /proc/kallsyms gives @name (a core-kernel text or data symbol). */
static inline unsigned long pm_kallsyms(const char *name)
{
	char line[256], sym[128], type;
	unsigned long addr, found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '['))
			continue;	/* a module's symbol */
		if (sscanf(line, "%lx %c %127s", &addr, &type, sym) == 3 && !strcmp(sym, name)) {
			found = addr;
			break;
		}
	}
	fclose(f);
	return found;
}

/* --- cgroups (v2, mounted at /sys/fs/cgroup) ------------------------- */

#define PM_CGROUP	"/sys/fs/cgroup"

/* Enables @controller ("cpuset", "memory") for the root's children. 0 or -errno. */
static inline int pm_cgroup_enable(const char *controller)
{
	char val[32];

	snprintf(val, sizeof(val), "+%s", controller);
	return pm_write_file(PM_CGROUP "/cgroup.subtree_control", val);
}

/* Creates the cgroup @cg (if needed) and writes @val to its @file. 0 or -errno. */
static inline int pm_cgroup_make(const char *cg, const char *file, const char *val)
{
	char path[128];

	mkdir(cg, 0755);
	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return pm_write_file(path, val);
}

/*
 * Moves the calling process into @cg, having faulted in first all it
 * would fault later (the stack; the procs file is opened before joining):
 * under memory.max = 0, the next charge is the one the test means.
 * 0 or -errno.
 */
static inline int pm_cgroup_enter(const char *cg)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	pm_prefault_stack();
	ret = write(fd, "0", 1) == 1 ? 0 : -errno;
	close(fd);
	return ret;
}

/* --- child processes ------------------------------------------------- */

/*
 * A call made in a child, its result handed back: for calls made as
 * another user or from another cgroup. Returns 0 in the child, the
 * child's pid in the parent, -1 on failure; *@reply is the pipe end each
 * side keeps. The child ends with pm_reply() (or exits: no answer), the
 * parent collects with pm_wait_reply().
 */
static inline pid_t pm_fork_reply(int *reply)
{
	int pfd[2];
	pid_t child;

	if (pipe(pfd))
		return -1;
	child = fork();
	if (child < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	close(pfd[child ? 1 : 0]);
	*reply = pfd[child ? 0 : 1];
	return child;
}

/* In the child of pm_fork_reply(): hands @ret back, exits. */
static inline void __attribute__((noreturn)) pm_reply(int reply, long ret)
{
	_exit(write(reply, &ret, sizeof(ret)) == sizeof(ret) ? 0 : 2);
}

/* What the child replied; -998 if it exited without a reply. */
static inline long pm_wait_reply(pid_t child, int reply)
{
	long ret;

	waitpid(child, NULL, 0);
	if (read(reply, &ret, sizeof(ret)) != sizeof(ret))
		ret = -998;
	close(reply);
	return ret;
}

/* The pid of a child already reaped: no process has it now. -1 on failure. */
static inline pid_t pm_reaped_pid(void)
{
	pid_t child = fork();

	if (!child)
		_exit(0);
	if (child > 0)
		waitpid(child, NULL, 0);
	return child;
}

/*
 * A child that only waits for pm_child_go(), dying with its parent: until
 * then every private page of the parent's is mapped twice (COW after
 * fork), shared. Its pid (*@go: the pipe that tells it to go), or -1.
 */
static inline pid_t pm_fork_sharer(int *go)
{
	int pfd[2];
	pid_t child;
	char c;

	if (pipe(pfd))
		return -1;
	child = fork();
	if (!child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pfd[1]);
		if (read(pfd[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(pfd[0]);
	if (child < 0)
		close(pfd[1]);
	else
		*go = pfd[1];
	return child;
}

/*
 * A child with @n pages of its own (pm_map_anon(), placed on node 0) that
 * waits for pm_child_go(), then exits 0 if each page still holds its data
 * and is on @node, 1 if not. Its pid (*@addr: where the pages are in it,
 * *@go: the pipe that tells it to look), or -1.
 */
static inline pid_t pm_fork_owner(size_t n, int node, char **addr, int *go)
{
	int pfd[2], rfd[2];
	pid_t child;
	size_t i;
	char c;

	if (pipe(pfd))
		return -1;
	if (pipe(rfd)) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	child = fork();
	if (!child) {
		char *b = pm_map_anon(n, 1);
		int ok;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!b)
			_exit(2);
		pm_place(b, n, 0);
		if (write(pfd[1], &b, sizeof(b)) != sizeof(b) || read(rfd[0], &c, 1) != 1)
			_exit(2);
		ok = pm_check_data(b, n);
		for (i = 0; i < n; i++)
			ok &= pm_node_of(b + i * PM_PAGE) == node;
		_exit(ok ? 0 : 1);
	}
	close(pfd[1]);
	close(rfd[0]);
	if (child > 0 && read(pfd[0], addr, sizeof(*addr)) != sizeof(*addr)) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
	close(pfd[0]);
	if (child < 0)
		close(rfd[1]);
	else
		*go = rfd[1];
	return child;
}

/* Tells a child of pm_fork_sharer() or pm_fork_owner() to go: its wait status (-1: not told). */
static inline int pm_child_go(pid_t child, int go)
{
	int told = write(go, "x", 1) == 1, wstatus = -1;

	close(go);
	waitpid(child, &wstatus, 0);
	return told ? wstatus : -1;
}

/* --- pinned pages ---------------------------------------------------- */

/* An io_uring instance, for its fixed buffers; -errno where there is none. */
static inline int pm_io_uring(void)
{
	struct io_uring_params p = { 0 };
	int ring = syscall(__NR_io_uring_setup, 4, &p);

	return ring < 0 ? -errno : ring;
}

/*
 * Registers @len bytes at @buf as a fixed buffer of @ring: the pages are
 * pinned (FOLL_LONGTERM), unmovable, until the ring is closed. 0 or -errno.
 */
static inline int pm_io_uring_pin(int ring, void *buf, size_t len)
{
	struct iovec iov = { buf, len };

	if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1))
		return -errno;
	return 0;
}

/*
 * The page at @addr spliced into a new pipe that nobody reads: the pipe
 * holds a reference, so migration fails (-EBUSY) until @pipefd is closed.
 * 0 or -errno.
 */
static inline int pm_vmsplice_hold(void *addr, int pipefd[2])
{
	struct iovec iov = { addr, PM_PAGE };
	ssize_t n;
	int err;

	if (pipe(pipefd))
		return -errno;
	n = vmsplice(pipefd[1], &iov, 1, 0);
	if (n == PM_PAGE)
		return 0;
	err = n < 0 ? -errno : -EIO;
	close(pipefd[0]);
	close(pipefd[1]);
	return err;
}

/*
 * pm_testfs.ko, the test-only filesystem without migrate_folio: loaded once,
 * a fresh instance mounted at @dir (created if needed). 0 or -errno.
 */
#define PM_TESTFS_KO	"/lib/pagemove/pm_testfs.ko"

static inline int pm_testfs_mount(const char *dir)
{
	if (access("/sys/module/pm_testfs", F_OK)) {
		int fd = open(PM_TESTFS_KO, O_RDONLY | O_CLOEXEC), ret;

		if (fd < 0)
			return -errno;
		ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
		close(fd);
		if (ret && ret != -EEXIST)
			return ret;
	}
	mkdir(dir, 0700);
	return mount("pm_testfs", dir, "pm_testfs", 0, NULL) ? -errno : 0;
}

/*
 * Whether the kernel has ->writepage (pm_testfs says; it is loaded if need
 * be). Without it (7.x) a dirty file page that needs writeback to migrate
 * is -EBUSY: -EIO and -EINVAL cannot happen there.
 */
static inline int pm_kernel_has_writepage(void)
{
	if (access("/sys/module/pm_testfs", F_OK)) {
		int fd = open(PM_TESTFS_KO, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			syscall(SYS_finit_module, fd, "", 0);
			close(fd);
		}
	}
	return pm_read_long("/sys/module/pm_testfs/parameters/has_writepage") == 1;
}

/*
 * What the seed contract answers for a page of the VMA holding @addr that
 * has no page mapped: -EFAULT if the VMA cannot migrate (VM_IO or
 * VM_PFNMAP: "io" or "pf" in its smaps VmFlags; [vvar] on 6.x), else
 * -ENOENT ([vvar] on 7.x, which maps its pages otherwise). 0 if not found.
 */
static inline int pm_unmapped_status(unsigned long addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, ret = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, ' ') > strchr(line, '-')) {
			in = addr >= s && addr < e;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			ret = strstr(line, " io") || strstr(line, " pf") ? -EFAULT : -ENOENT;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* The status a dirty page of @file on pm_testfs (or ramfs: "no-writepage") gets. */
static inline int pm_testfs_status(const char *file)
{
	if (!pm_kernel_has_writepage())
		return -EBUSY;
	return strcmp(file, "writepage-fails") ? -EINVAL : -EIO;
}

/* How many times the filesystem's failing writepage has run. */
static inline long pm_testfs_writepage_calls(void)
{
	return pm_read_long("/sys/module/pm_testfs/parameters/writepage_calls");
}

/*
 * @n pages of @file ("writepage-fails" or "no-writepage") on the pm_testfs
 * at @dir, mapped shared and written: dirty, with page i filled with
 * i * 7 + 1. NULL on failure.
 */
static inline char *pm_testfs_map(const char *dir, const char *file, size_t n)
{
	char path[128], *p;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, n * PM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	for (i = 0; i < n; i++)
		memset(p + i * PM_PAGE, (int)(i * 7 + 1), PM_PAGE);
	return p;
}

/*
 * The start of a pm_testfs case: @n pages of @file mapped and dirtied
 * (pm_testfs_map()) on a fresh mount at @dir; *@calls: how many times
 * writepage has run so far. NULL on failure.
 */
static inline char *pm_testfs_case_start(const char *dir, const char *file, size_t n,
					 long *calls)
{
	char *p;

	unsigned long node0 = 1;

	if (pm_testfs_mount(dir))
		return NULL;
	/*
	 * On node 0, wherever this runs: from cpu4 (node 3, no memory) the
	 * page cache falls back to any node, node 2 (the tests' target) too.
	 */
	syscall(SYS_set_mempolicy, 1 /* MPOL_PREFERRED */, &node0, 64);
	p = pm_testfs_map(dir, file, n);
	syscall(SYS_set_mempolicy, 0 /* MPOL_DEFAULT */, NULL, 0);
	*calls = pm_testfs_writepage_calls();
	return p;
}

#ifdef __KSELFTEST_HARNESS_H
/* --- checks, for the tests of kselftest_harness.h --------------------- */

/*
 * The end of a pm_testfs case begun with pm_testfs_case_start(): writepage
 * ran since @calls if and only if @writeback_tried; the @n pages at @p kept
 * their data. Unmaps, unmounts.
 */
static inline void pm_testfs_case_end(struct __test_metadata *_metadata, const char *dir,
				      char *p, size_t n, long calls, int writeback_tried)
{
	if (writeback_tried) {
		EXPECT_LT(calls, pm_testfs_writepage_calls());
	} else {
		EXPECT_EQ(calls, pm_testfs_writepage_calls());
	}
	EXPECT_TRUE(pm_check_data(p, n));
	munmap(p, n * PM_PAGE);
	EXPECT_EQ(0, umount(dir));
}
#endif

#endif /* PM_TEST_H */
