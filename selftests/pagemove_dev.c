// SPDX-License-Identifier: GPL-2.0
/* /dev/pagemove as a device: presence, topology, ioctl ABI edges, module life. */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "kselftest_harness.h"
#include "pm_test.h"

static int pm_load(const char *params)
{
	int fd = open(PM_KO, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int pm_unload(void)
{
	return syscall(SYS_delete_module, "pagemove", O_NONBLOCK) ? -errno : 0;
}

static int pm_loaded(void)
{
	return access("/sys/module/pagemove", F_OK) == 0;
}

TEST(device_exists)
{
	struct stat st;

	ASSERT_EQ(0, stat(PAGEMOVE_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* Open to every user, like the syscall; each request checks permissions. */
	EXPECT_EQ(0666, st.st_mode & 0777);
}

TEST(topology)
{
	/* node0,1: CPUs + memory; node2: memory only; node3: CPU only. */
	EXPECT_EQ(0xfUL, pm_read_nodemask("online"));
	EXPECT_EQ(0x7UL, pm_read_nodemask("has_memory"));
	EXPECT_EQ(0xbUL, pm_read_nodemask("has_cpu"));
}

TEST(version)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/module/pagemove/version", "r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_STREQ("0.1.0\n", buf);
}

TEST(open_close)
{
	int i;

	for (i = 0; i < 100; i++) {
		int fd = open(PAGEMOVE_DEVICE, O_RDWR);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, close(fd));
	}
}

TEST(unknown_ioctl_enotty)
{
	int fd = open(PAGEMOVE_DEVICE, O_RDWR);
	char buf[256] = {0};

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, _IO(PAGEMOVE_TYPE, 0x7f), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO(PAGEMOVE_TYPE, PAGEMOVE_CMD_MOVE_RANGE + 1), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOWR('x', PAGEMOVE_CMD_MOVE, struct pagemove_move), buf));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST(struct_size_and_flags)
{
	int fd = open(PAGEMOVE_DEVICE, O_RDWR);
	struct {
		struct pagemove_move m;
		char tail[16];
	} big;
	void *page = pm_map_anon(1, 1);
	int status = PM_SENTINEL, where = PM_SENTINEL;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, page);
	/* Wherever this CPU faulted it (node 1 from cpu2). */
	ASSERT_EQ(0, pm_sys_move_pages(0, 1, &page, NULL, &where, 0));
	ASSERT_LE(0, where);
	memset(&big, 0, sizeof(big));
	big.m.count = 1;
	big.m.pages = (unsigned long)&page;
	big.m.status = (unsigned long)&status;

	/* Too small: -EINVAL. */
	big.m.size = PAGEMOVE_MOVE_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(EINVAL, errno);
	/* Larger with a zero tail: accepted (a query here). */
	big.m.size = sizeof(big);
	EXPECT_EQ(0, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(where, status);
	EXPECT_EQ(1, big.m.nr_in_place);
	/* Larger with a non-zero tail: -EINVAL, nothing written. */
	status = PM_SENTINEL;
	big.tail[3] = 1;
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(PM_SENTINEL, status);
	big.tail[3] = 0;
	/* Unknown flags and reserved fields: -EINVAL. */
	big.m.size = sizeof(big.m);
	big.m.flags = MPOL_MF_STRICT;
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(EINVAL, errno);
	big.m.flags = 1U << 30;
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(EINVAL, errno);
	big.m.flags = 0;
	big.m.__reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(PM_SENTINEL, status);
	/* An unreadable request: -EFAULT. */
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
}

TEST(no_unload_while_open)
{
	int fd = open(PAGEMOVE_DEVICE, O_RDWR);

	ASSERT_LE(0, fd);
	/* The open fd holds a module reference. */
	EXPECT_EQ(-EWOULDBLOCK, pm_unload());
	EXPECT_TRUE(pm_loaded());
	close(fd);
	ASSERT_EQ(0, pm_unload());
	EXPECT_FALSE(pm_loaded());
	EXPECT_NE(0, access(PAGEMOVE_DEVICE, F_OK));
	ASSERT_EQ(0, pm_load(""));
}

TEST(load_unload_20)
{
	int i, fd;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, pm_unload()) TH_LOG("unload %d", i);
		ASSERT_EQ(0, pm_load("")) TH_LOG("load %d", i);
	}
	EXPECT_TRUE(pm_loaded());
	/* The device works after all that. */
	fd = open(PAGEMOVE_DEVICE, O_RDWR);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST(missing_symbol_fails_load_by_name)
{
	char line[512];
	int found = 0;
	FILE *f;

	ASSERT_EQ(0, pm_unload());
	EXPECT_EQ(-ENOENT, pm_load("require_symbol=pm_no_such_symbol_for_test"));
	EXPECT_FALSE(pm_loaded());
	ASSERT_EQ(0, pm_load(""));
	/* The kernel log names the symbol. */
	f = popen("dmesg", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "symbol pm_no_such_symbol_for_test not found"))
			found = 1;
	pclose(f);
	EXPECT_TRUE(found);
}

/*
 * Unloading right after parallel moves, and right after a mover killed in
 * the middle of one. Each round a SCHED_FIFO caller moves its parent's
 * 16 MiB by pid with workers = auto (its threads: FIFO too, as it is)
 * while FIFO hogs of a higher priority take every CPU but one half of the
 * time, so workers are preempted inside the module as often as they can
 * be. Odd rounds kill the caller once its worker threads exist (every
 * other one also has another of its threads close the fd under the
 * call, so that the module may go the moment the call returns) and
 * rmmod at once, again and again until the module is gone, before the
 * caller is even reaped: no thread may run module code by then. After
 * each round nothing is isolated, every byte is as written, and the
 * module loads again.
 */
#define PM_UL_ROUNDS	12
#define PM_UL_PAGES	((16UL << 20) / PM_PAGE)	/* 16 MiB, whatever the page size */

FIXTURE(load) {};
FIXTURE_SETUP(load) {}
FIXTURE_TEARDOWN(load)
{
	if (!pm_loaded())
		pm_load("");
}

static int pm_fifo(int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	return sched_setscheduler(0, SCHED_FIFO, &sp);
}

/* A FIFO task on @cpu that spins 2 ms and sleeps 2 ms until killed. */
static pid_t pm_hog(int cpu)
{
	pid_t pid = fork();
	struct timespec t0, t, nap = { 0, 2000000 };
	cpu_set_t set;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) || pm_fifo(20))
		_exit(1);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do
			clock_gettime(CLOCK_MONOTONIC, &t);
		while ((t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec < 2000000);
		nanosleep(&nap, NULL);
	}
}

static int pm_threads(pid_t pid);

/* The mover's fd, closed under its call by pm_closer(). */
static int pm_mover_fd = -1;

/*
 * Closes the mover's fd while a call runs on it, once that call's worker
 * threads exist: the call's own reference is then the file's last, and
 * the module may go the moment the call returns. (An open fd would hold
 * it longer: the workers share the caller's file table.)
 */
static void *pm_closer(void *arg)
{
	(void)arg;
	while (pm_threads(getpid()) < 3)
		usleep(100);
	close(pm_mover_fd);
	return NULL;
}

/*
 * Moves @parent's @buf to node 1 and back, @moves times (forever if 0 or
 * -1; -1: with pm_closer() closing the fd under a call), as a FIFO
 * caller; exits 0 when every move put every page there.
 */
static pid_t pm_mover(pid_t parent, char *buf, int moves)
{
	pid_t pid = fork();
	pthread_t closer;
	int fd, i;
	long ret;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(PAGEMOVE_DEVICE, O_RDWR);
	if (fd < 0 || pm_fifo(10))
		_exit(2);
	pm_mover_fd = fd;
	if (moves < 0 && pthread_create(&closer, NULL, pm_closer, NULL))
		_exit(2);
	for (i = 0; moves <= 0 || i < moves; i++) {
		struct pagemove_range r = {
			.pid = parent, .node = (i & 1) ? 0 : 1,
			.start = (unsigned long)buf, .length = PM_UL_PAGES * PM_PAGE,
		};

		ret = pagemove_move_range(fd, &r);
		if (ret == -EBADF && moves < 0)
			for (;;)
				pause();	/* closed: wait for the kill */
		if ((ret && ret != -ENOENT) || r.nr_moved + r.nr_in_place != PM_UL_PAGES) {
			fprintf(stderr, "# mover: move %d to node %d: %ld, %llu moved, %llu in place, "
				"%llu shared, %llu busy, %llu no memory\n", i, r.node, ret,
				(unsigned long long)r.nr_moved, (unsigned long long)r.nr_in_place,
				(unsigned long long)r.nr_eacces,
				(unsigned long long)r.nr_ebusy, (unsigned long long)r.nr_enomem);
			_exit(3);
		}
	}
	close(fd);
	_exit(0);
}

/* How many threads @pid has now (0 once it is gone). */
static int pm_threads(pid_t pid)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

TEST_F_TIMEOUT(load, unload_right_after_parallel_moves_and_kills, 600)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), round, i, st, seen = 0, ret;
	double t0;
	pid_t hogs[64], mover;
	char *buf;

	if (ncpu < 2)
		SKIP(return, "one CPU: no parallel workers");
	buf = pm_map_anon(PM_UL_PAGES, 1);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, pm_place(buf, PM_UL_PAGES, 0));
	/* Not in the children: a page they shared would be -EACCES. */
	ASSERT_EQ(0, madvise(buf, PM_UL_PAGES * PM_PAGE, MADV_DONTFORK));
	ASSERT_LE(ncpu, 65);
	/* Above everything it watches: it sleeps, they spin. */
	ASSERT_EQ(0, pm_fifo(30));
	for (i = 1; i < ncpu; i++) {
		hogs[i - 1] = pm_hog(i);
		ASSERT_LT(0, hogs[i - 1]);
	}
	for (round = 0; round < PM_UL_ROUNDS; round++) {
		if (!(round & 1)) {
			/* Two whole moves, the fd closed, the caller gone: unload. */
			mover = pm_mover(getpid(), buf, 2);
			ASSERT_LT(0, mover);
			ASSERT_EQ(mover, waitpid(mover, &st, 0));
			EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
				TH_LOG("round %d: mover status %#x", round, st);
			EXPECT_EQ(0, pm_unload()) TH_LOG("round %d", round);
		} else {
			/*
			 * Killed once its workers run, or (every other time)
			 * its fd closed under the call by another thread of
			 * it; unloaded before it is reaped.
			 */
			int closing = round % 4 == 3;

			mover = pm_mover(getpid(), buf, closing ? -1 : 0);
			ASSERT_LT(0, mover);
			for (t0 = pm_now(); pm_now() - t0 < 3 && pm_threads(mover) < 2 + closing;)
				usleep(100);
			seen += pm_threads(mover) > 1 + closing;
			usleep((round * 1237) % 5000);
			ASSERT_EQ(0, kill(mover, SIGKILL));
			for (t0 = pm_now(), ret = -EWOULDBLOCK; pm_now() - t0 < 10;) {
				ret = pm_unload();
				if (ret != -EWOULDBLOCK)
					break;
				usleep(100);
			}
			EXPECT_EQ(0, ret) TH_LOG("round %d: rmmod: %s", round, strerror(-ret));
			ASSERT_EQ(mover, waitpid(mover, &st, 0));
			EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
				TH_LOG("round %d: mover status %#x", round, st);
		}
		EXPECT_FALSE(pm_loaded()) TH_LOG("round %d", round);
		EXPECT_EQ(0, pm_isolated()) TH_LOG("round %d", round);
		EXPECT_TRUE(pm_check_data(buf, PM_UL_PAGES)) TH_LOG("round %d", round);
		ASSERT_EQ(0, pm_load("")) TH_LOG("round %d", round);
	}
	for (i = 1; i < ncpu; i++) {
		kill(hogs[i - 1], SIGKILL);
		waitpid(hogs[i - 1], NULL, 0);
	}
	ksft_print_msg("%d rounds; worker threads alive at %d of %d kills\n", PM_UL_ROUNDS, seen,
		       PM_UL_ROUNDS / 2);
	/* A kill that never met a worker thread tested only a serial call. */
	EXPECT_LE(PM_UL_ROUNDS / 4, seen) TH_LOG("workers seen in %d of %d kills",
						 seen, PM_UL_ROUNDS / 2);
	munmap(buf, PM_UL_PAGES * PM_PAGE);
}

TEST_HARNESS_MAIN
