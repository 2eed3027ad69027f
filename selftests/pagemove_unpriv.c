// SPDX-License-Identifier: GPL-2.0
/*
 * An unprivileged user for real: each test forks a child that becomes
 * uid/gid 65534 (nobody) with no capabilities left, and only then opens
 * /dev/pagemove itself, reaches files by path, moves its own pages, is
 * refused other users' processes and runs a dynamic libnuma program under
 * the preload shim. Nothing is opened as root first.
 */
#include <grp.h>
#include <libgen.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define NOBODY	65534

/* Drops to nobody: no supplementary groups, no capabilities in any set. */
static int pm_become_nobody(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -errno;
	/* A non-root uid drops every capability; check rather than trust. */
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	if (data[0].effective || data[0].permitted || data[1].effective || data[1].permitted)
		return -EPERM;
	return 0;
}

/* Runs @fn as nobody in a child; its exit status 0 means every check held. */
static int pm_as_nobody(int (*fn)(void *), void *arg)
{
	int wstatus;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pm_become_nobody())
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &wstatus, 0) != pid)
		return -errno;
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

#define CHECK(cond, code) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "# %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		return code;						\
	}								\
} while (0)

static int own_pages(void *arg)
{
	char *p = pm_map_anon(16, 1);
	void *pages[16];
	int nodes[16], status[16], i, fd;
	struct pagemove_move out;

	CHECK(getuid() == NOBODY && geteuid() == NOBODY, 2);
	/* The device is 0666 and the path to it traversable. */
	fd = open(PAGEMOVE_DEVICE, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, 3);
	CHECK(p != NULL, 4);
	/* Each page away from the node this CPU faulted it on: every one moves. */
	for (i = 0; i < 16; i++) {
		pages[i] = p + i * PM_PAGE;
		nodes[i] = pm_node_of(pages[i]) == 1 ? 0 : 1;
	}
	CHECK(pm_move(fd, 0, 16, pages, nodes, status, PAGEMOVE_MF_MOVE, &out) == 0, 5);
	CHECK(out.nr_moved == 16, 6);
	for (i = 0; i < 16; i++) {
		CHECK(status[i] == nodes[i], 7);
		CHECK(pm_node_of(pages[i]) == nodes[i], 8);
		CHECK(p[i * PM_PAGE + 9] == (char)(i * 7 + 1), 9);
	}
	/* And back, by its own pid, as a caller naming itself, in compat mode. */
	for (i = 0; i < 16; i++)
		nodes[i] = !nodes[i];
	CHECK(pm_move(fd, getpid(), 16, pages, nodes, status,
		      PAGEMOVE_MF_MOVE | PAGEMOVE_F_COMPAT, NULL) == 0, 10);
	for (i = 0; i < 16; i++)
		CHECK(status[i] == nodes[i] && pm_node_of(pages[i]) == nodes[i], 11);
	/* Shared pages need MOVE_ALL, which needs CAP_SYS_NICE: refused. */
	CHECK(pm_move(fd, 0, 16, pages, nodes, status, PAGEMOVE_MF_MOVE_ALL, NULL) == -EPERM, 12);
	close(fd);
	return 0;
}

TEST(nobody_opens_the_device_and_moves_its_own_pages)
{
	EXPECT_EQ(0, pm_as_nobody(own_pages, NULL));
}

static int other_users(void *arg)
{
	pid_t root_child = *(pid_t *)arg;
	int fd = open(PAGEMOVE_DEVICE, O_RDWR | O_CLOEXEC), node = 0, status = PM_SENTINEL;
	void *page = (void *)0x400000;

	CHECK(fd >= 0, 3);
	/* ptrace_may_access(PTRACE_MODE_READ_REALCREDS) refuses, in every mode. */
	CHECK(pm_move(fd, 1, 1, &page, &node, &status, PAGEMOVE_MF_MOVE, NULL) == -EPERM, 4);
	CHECK(pm_move(fd, root_child, 1, &page, &node, &status, PAGEMOVE_MF_MOVE, NULL) == -EPERM, 5);
	CHECK(pm_move(fd, root_child, 1, &page, NULL, &status, 0, NULL) == -EPERM, 6);
	CHECK(pm_move(fd, root_child, 1, &page, &node, &status,
		      PAGEMOVE_MF_MOVE | PAGEMOVE_F_COMPAT, NULL) == -EPERM, 7);
	/* The syscall agrees. */
	CHECK(pm_sys_move_pages(root_child, 1, &page, &node, &status, MPOL_MF_MOVE) == -1 &&
	      errno == EPERM, 8);
	CHECK(status == PM_SENTINEL, 9);	/* refused: nothing written */
	close(fd);
	return 0;
}

TEST(nobody_is_refused_other_users_processes)
{
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	EXPECT_EQ(0, pm_as_nobody(other_users, &child));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

struct dropin {
	char helper[4096], shim[4096];
};

static int run_dropin(void *arg)
{
	struct dropin *d = arg;
	char preload[4200];
	char *argv[] = { d->helper, "1", "0", NULL };
	char *envp[] = { preload, "PATH=/bin", NULL };

	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", d->shim);
	/* A dynamic program and its libraries, reached by path as nobody. */
	CHECK(access(d->helper, X_OK) == 0, 3);
	CHECK(access(d->shim, R_OK) == 0, 4);
	execve(d->helper, argv, envp);
	return 5;
}

/* dropin_helper exits 0 only if numa_move_pages and syscall(SYS_move_pages) moved every page. */
TEST(nobody_runs_a_libnuma_program_under_the_preload_shim)
{
	struct dropin d;
	char exe[4096], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ASSERT_LT(0, n);
	exe[n] = '\0';
	dir = dirname(exe);
	snprintf(d.helper, sizeof(d.helper), "%s/dropin_helper", dir);
	snprintf(d.shim, sizeof(d.shim), "%s/libpagemove-preload.so", dir);
	if (access(d.helper, F_OK) || access(d.shim, F_OK))
		SKIP(return, "dropin_helper or the shim is not beside this binary (run in the guest)");
	EXPECT_EQ(0, pm_as_nobody(run_dropin, &d));
}

TEST_HARNESS_MAIN
