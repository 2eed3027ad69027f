// SPDX-License-Identifier: GPL-2.0
/*
 * Targets named by pidfd (PAGEMOVE_F_PIDFD): the same moves and answers
 * as by pid, for both requests and both modes; a process that exited,
 * reaped or not, is -ESRCH, also when its pid now names another process;
 * what is not a pidfd is -EBADF; and a pidfd grants nothing: the pid's
 * permission checks still apply.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define N 64

static int pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static long move_by(int fd, int target, unsigned int flags, char *addr, size_t n, int node,
		    int *status, struct pagemove_move *out)
{
	void *pages[N];
	int nodes[N];
	size_t i;

	for (i = 0; i < n; i++) {
		pages[i] = addr + i * PM_PAGE;
		nodes[i] = node;
		status[i] = PM_SENTINEL;
	}
	return pm_move(fd, target, n, pages, node < 0 ? NULL : nodes, status, flags, out);
}

static long range_by(int fd, int target, unsigned int flags, char *addr, size_t n, int node,
		     struct pagemove_range *r)
{
	*r = (struct pagemove_range){
		.flags = flags | PAGEMOVE_MF_MOVE, .pid = target, .node = node,
		.start = (unsigned long)addr, .length = n * PM_PAGE,
	};
	return pagemove_move_range(fd, r);
}

FIXTURE(pidfd) {
	int fd;
};

FIXTURE_SETUP(pidfd)
{
	self->fd = open(PAGEMOVE_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(pidfd)
{
	close(self->fd);
}

/*
 * A child's pages, by pidfd: a query, a move (default and compat) and a
 * range answer as the same calls by pid do, and the pages end where asked
 * with their contents (the child checks).
 */
TEST_F(pidfd, moves_a_child_as_its_pid_does)
{
	int st_pid[N], st_fd[N], go, pfd;
	struct pagemove_move m;
	struct pagemove_range r;
	char *addr;
	pid_t child = pm_fork_owner(N, 2, &addr, &go);
	int i;

	ASSERT_LT(0, child);
	pfd = pidfd_open(child);
	ASSERT_LE(0, pfd) TH_LOG("pidfd_open: %s", strerror(errno));

	/* Query: both name node 0. */
	EXPECT_EQ(0, move_by(self->fd, child, 0, addr, N, -1, st_pid, NULL));
	EXPECT_EQ(0, move_by(self->fd, pfd, PAGEMOVE_F_PIDFD, addr, N, -1, st_fd, &m));
	EXPECT_EQ(0, memcmp(st_pid, st_fd, sizeof(st_fd)));
	EXPECT_EQ(0, st_fd[0]);
	EXPECT_EQ(N, m.nr_in_place);

	/* Default mode to node 1; back by pid, and to node 1 again by pid: the same statuses. */
	EXPECT_EQ(0, move_by(self->fd, pfd, PAGEMOVE_F_PIDFD, addr, N, 1, st_fd, &m));
	EXPECT_EQ(N, m.nr_moved);
	EXPECT_EQ(0, move_by(self->fd, child, 0, addr, N, -1, st_pid, NULL));
	for (i = 0; i < N; i++)
		EXPECT_EQ(1, st_pid[i]) TH_LOG("page %d", i);
	EXPECT_EQ(0, move_by(self->fd, child, 0, addr, N, 0, st_pid, NULL));
	EXPECT_EQ(0, move_by(self->fd, child, 0, addr, N, 1, st_pid, NULL));
	EXPECT_EQ(0, memcmp(st_pid, st_fd, sizeof(st_fd)));

	/* Compat mode by pidfd: the syscall's answer (0: every page moved). */
	EXPECT_EQ(0, move_by(self->fd, pfd, PAGEMOVE_F_PIDFD | PAGEMOVE_F_COMPAT, addr, N, 0,
			     st_fd, &m));
	EXPECT_EQ(N, m.nr_moved);

	/* A range to node 2, where the child expects its pages. */
	EXPECT_EQ(0, range_by(self->fd, pfd, PAGEMOVE_F_PIDFD, addr, N, 2, &r));
	EXPECT_EQ(N, r.nr_moved);
	close(pfd);
	EXPECT_EQ(0, pm_child_go(child, go)) TH_LOG("the child's pages are not all on node 2 intact");
}

/*
 * Exited and not reaped (a zombie: the pid still names it), then reaped:
 * both -ESRCH by pidfd. By pid the zombie is the syscall's -EINVAL (no mm).
 */
TEST_F(pidfd, exited_target_is_esrch_reaped_or_not)
{
	int status[N], pfd;
	struct pagemove_range r;
	siginfo_t si;
	char *buf = pm_map_anon(N, 1);
	pid_t child = fork();

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, child);
	if (!child)
		_exit(0);
	pfd = pidfd_open(child);
	ASSERT_LE(0, pfd);
	/* Wait until it is a zombie, without reaping it. */
	ASSERT_EQ(0, waitid(P_PID, child, &si, WEXITED | WNOWAIT));
	EXPECT_EQ(-ESRCH, move_by(self->fd, pfd, PAGEMOVE_F_PIDFD, buf, N, 1, status, NULL));
	EXPECT_EQ(-EINVAL, move_by(self->fd, child, 0, buf, N, 1, status, NULL));
	EXPECT_EQ(-ESRCH, range_by(self->fd, pfd, PAGEMOVE_F_PIDFD, buf, N, 1, &r));
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	EXPECT_EQ(-ESRCH, move_by(self->fd, pfd, PAGEMOVE_F_PIDFD, buf, N, 1, status, NULL));
	EXPECT_EQ(-ESRCH, move_by(self->fd, pfd, PAGEMOVE_F_PIDFD, buf, N, -1, status, NULL));
	/* Nothing was written: a refused call writes no status. */
	EXPECT_EQ(PM_SENTINEL, status[0]);
	close(pfd);
	munmap(buf, N * PM_PAGE);
}

/*
 * The pid of a reaped child given to a new process (ns_last_pid): the old
 * pidfd still says -ESRCH and leaves the new process's pages alone, while
 * the pid, as move_pages(2) would, reaches the new one.
 */
TEST_F(pidfd, reused_pid_is_not_the_pidfds_process)
{
	int st[N], go, pfd, tries;
	char *addr, last[32];
	pid_t old, child = -1;
	struct pagemove_move m;

	/* The pid is handed out again through ns_last_pid (CONFIG_CHECKPOINT_RESTORE). */
	if (access("/proc/sys/kernel/ns_last_pid", W_OK))
		SKIP(return, "no ns_last_pid in this kernel (CONFIG_CHECKPOINT_RESTORE): "
		     "no pid can be given again on demand");
	old = fork();
	ASSERT_LE(0, old);
	if (!old)
		_exit(0);
	pfd = pidfd_open(old);
	ASSERT_LE(0, pfd);
	ASSERT_EQ(old, waitpid(old, NULL, 0));
	/* The next fork takes old's pid (a few tries: other forks may race). */
	for (tries = 0; tries < 20 && child != old; tries++) {
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			close(go);
		}
		snprintf(last, sizeof(last), "%d", old - 1);
		ASSERT_EQ(0, pm_write_file("/proc/sys/kernel/ns_last_pid", last));
		child = pm_fork_owner(N, 0, &addr, &go);
		ASSERT_LT(0, child);
	}
	ASSERT_EQ(old, child) TH_LOG("pid %d was not given again", old);

	EXPECT_EQ(-ESRCH, move_by(self->fd, pfd, PAGEMOVE_F_PIDFD, addr, N, 1, st, NULL));
	EXPECT_EQ(0, move_by(self->fd, child, 0, addr, N, -1, st, &m));
	EXPECT_EQ(N, m.nr_in_place) TH_LOG("the new process's pages moved by the old pidfd");
	EXPECT_EQ(0, st[0]);
	close(pfd);
	/* By pid the call reaches the new process: its pages go to node 0 (stay). */
	EXPECT_EQ(0, pm_child_go(child, go));
}

/* Not a pidfd: a regular file, a closed descriptor, a negative one. */
TEST_F(pidfd, not_a_pidfd_is_ebadf)
{
	int status[N], devnull = open("/dev/null", O_RDONLY | O_CLOEXEC), closed;
	struct pagemove_range r;
	char *buf = pm_map_anon(N, 1);

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, devnull);
	closed = dup(devnull);
	ASSERT_LE(0, closed);
	close(closed);
	EXPECT_EQ(-EBADF, move_by(self->fd, devnull, PAGEMOVE_F_PIDFD, buf, N, 1, status, NULL));
	EXPECT_EQ(-EBADF, move_by(self->fd, closed, PAGEMOVE_F_PIDFD, buf, N, 1, status, NULL));
	EXPECT_EQ(-EBADF, move_by(self->fd, -1, PAGEMOVE_F_PIDFD, buf, N, -1, status, NULL));
	EXPECT_EQ(-EBADF, range_by(self->fd, self->fd, PAGEMOVE_F_PIDFD, buf, N, 1, &r));
	EXPECT_EQ(PM_SENTINEL, status[0]);
	/* Nothing moved: still where pm_map_anon()'s faults put them. */
	EXPECT_TRUE(pm_check_data(buf, N));
	close(devnull);
	munmap(buf, N * PM_PAGE);
}

/*
 * A pidfd of a root process, passed to a caller running as nobody: the
 * pid's checks (ptrace_may_access) refuse it, -EPERM, and nothing moves.
 * A pidfd of the caller itself moves its own pages (as pid 0 does).
 */
TEST_F(pidfd, a_pidfd_grants_nothing)
{
	int go, pfd, self_pfd, reply, status[N];
	char *addr, *buf = pm_map_anon(N, 1);
	pid_t owner = pm_fork_owner(N, 0, &addr, &go), caller;
	long ret;

	ASSERT_NE(NULL, buf);
	ASSERT_LT(0, owner);
	pfd = pidfd_open(owner);
	ASSERT_LE(0, pfd);
	caller = pm_fork_reply(&reply);
	ASSERT_LE(0, caller);
	if (!caller) {
		if (setgid(65534) || setuid(65534))
			pm_reply(reply, -999);
		ret = move_by(self->fd, pfd, PAGEMOVE_F_PIDFD, addr, N, 1, status, NULL);
		pm_reply(reply, ret < 0 ? -errno : ret);
	}
	EXPECT_EQ(-EPERM, pm_wait_reply(caller, reply));
	EXPECT_EQ(0, pm_child_go(owner, go)) TH_LOG("the owner's pages moved");
	close(pfd);

	ASSERT_EQ(0, pm_place(buf, N, 0));
	self_pfd = pidfd_open(getpid());
	ASSERT_LE(0, self_pfd);
	EXPECT_EQ(0, move_by(self->fd, self_pfd, PAGEMOVE_F_PIDFD, buf, N, 1, status, NULL));
	EXPECT_EQ(1, status[0]);
	EXPECT_EQ(1, pm_node_of(buf + (N - 1) * PM_PAGE));
	EXPECT_TRUE(pm_check_data(buf, N));
	close(self_pfd);
	munmap(buf, N * PM_PAGE);
}

TEST_HARNESS_MAIN
