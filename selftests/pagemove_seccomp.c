// SPDX-License-Identifier: GPL-2.0
/*
 * pagemove where the NUMA syscalls are filtered: a container's seccomp
 * profile (Docker's default denies move_pages, migrate_pages, mbind,
 * set_mempolicy and get_mempolicy to a container without CAP_SYS_NICE)
 * and no capability at all. The device passed in still moves the
 * process's own pages: by ioctl, through the preload shim under an
 * unmodified libnuma program, and with the pagemove command. Other
 * processes: the same ptrace rules as the syscall (a root process with
 * capabilities is out of reach).
 */
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#if defined(__x86_64__)
#define PM_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define PM_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#else
#error "pagemove_seccomp: no seccomp arch for this machine"
#endif

#define N 64

/*
 * Denies the NUMA syscalls with EPERM (as the profile does); with
 * @allow_get_mempolicy, get_mempolicy(2) passes (the preload test's helper
 * checks with it where its pages are). Then drops every capability, the
 * bounding set too, so that an exec as root gains none. 0 or -errno.
 */
/* seccomp filters exist in this kernel (CONFIG_SECCOMP_FILTER: the debug kernels lack it). */
#define NEED_SECCOMP_FILTER()							\
	do {									\
		if (access("/proc/sys/kernel/seccomp/actions_avail", R_OK))	\
			SKIP(return, "no seccomp filters in this kernel "	\
			     "(CONFIG_SECCOMP_FILTER): nothing to filter the syscalls with"); \
	} while (0)

static int confine(int allow_get_mempolicy)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PM_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_move_pages, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_migrate_pages, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mbind, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_set_mempolicy, 2, 0),
		/* (Allowed: a second test of move_pages, which never matches here.) */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 allow_get_mempolicy ? __NR_move_pages : __NR_get_mempolicy, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	int c;

	for (c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capset, &h, d))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return -errno;
	return 0;
}

/* Whether this process has no capability left, in any set. */
static int capless(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	int zero = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if ((sscanf(line, "CapEff: %llx", &v) == 1 || sscanf(line, "CapPrm: %llx", &v) == 1 ||
		     sscanf(line, "CapBnd: %llx", &v) == 1) && !v)
			zero++;
	}
	fclose(f);
	return zero == 3;
}

/* Every page of @buf's @n on @node, by the module's query. */
static int all_on(int fd, char *buf, size_t n, int node)
{
	void *pages[N];
	int st[N];
	size_t i;

	for (i = 0; i < n; i++)
		pages[i] = buf + i * PM_PAGE;
	if (pm_move(fd, 0, n, pages, NULL, st, 0, NULL))
		return 0;
	for (i = 0; i < n; i++)
		if (st[i] != node)
			return 0;
	return 1;
}

/*
 * In a child after fork(): its own copies of @n pages of @buf (written,
 * with the same bytes: no longer shared with the parent, which would make
 * them -EACCES without MOVE_ALL), put on node 0 while the syscall is
 * still allowed. 0 or -1.
 */
static int own_pages(char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		volatile char *p = buf + i * PM_PAGE;

		*p = *p;
	}
	return pm_place(buf, n, 0);
}

/*
 * Confined (filter and no capability): move_pages(2) is EPERM, the
 * module moves the same pages, by PAGEMOVE_MOVE and PAGEMOVE_MOVE_RANGE,
 * their contents intact; the root parent's pages are out of reach (EPERM).
 */
TEST(ioctl_moves_own_pages_under_the_filter)
{
	char *buf = pm_map_anon(N, 1), *theirs = pm_map_anon(N, 1);
	int reply, fd = open(PAGEMOVE_DEVICE, O_RDWR | O_CLOEXEC);
	pid_t child, parent = getpid();

	NEED_SECCOMP_FILTER();

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, theirs);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pm_place(buf, N, 0));
	ASSERT_EQ(0, pm_place(theirs, N, 0));
	child = pm_fork_reply(&reply);
	ASSERT_LE(0, child);
	if (!child) {
		void *pages[N];
		int nodes[N], st[N], i;
		struct pagemove_range r = {
			.flags = PAGEMOVE_MF_MOVE, .node = 2,
			.start = (unsigned long)buf, .length = N * PM_PAGE,
		};

		if (own_pages(buf, N) || confine(0) || !capless())
			pm_reply(reply, 1);
		for (i = 0; i < N; i++) {
			pages[i] = buf + i * PM_PAGE;
			nodes[i] = 1;
		}
		if (pm_sys_move_pages(0, N, pages, nodes, st, MPOL_MF_MOVE) != -1 ||
		    errno != EPERM)
			pm_reply(reply, 2);	/* the filter is not there */
		if (pm_move(fd, 0, N, pages, nodes, st, 0, NULL) || !all_on(fd, buf, N, 1))
			pm_reply(reply, 3);
		if (pagemove_move_range(fd, &r) || r.nr_moved != N || !all_on(fd, buf, N, 2))
			pm_reply(reply, 4);
		if (!pm_check_data(buf, N))
			pm_reply(reply, 5);
		for (i = 0; i < N; i++)
			pages[i] = theirs + i * PM_PAGE;
		if (pm_move(fd, parent, N, pages, nodes, st, 0, NULL) != -1 || errno != EPERM)
			pm_reply(reply, 6);
		pm_reply(reply, 0);
	}
	EXPECT_EQ(0, pm_wait_reply(child, reply))
		TH_LOG("1 confine, 2 filter, 3 move, 4 range, 5 data, 6 parent reachable");
	/* The parent's pages, asked from the confined child, stayed. */
	EXPECT_TRUE(all_on(fd, theirs, N, 0));
	close(fd);
	munmap(buf, N * PM_PAGE);
	munmap(theirs, N * PM_PAGE);
}

/* This test binary's directory: the helper, the shim and the command are there. */
static void here(char *dir, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = 0;
	snprintf(dir, size, "%s", dirname(exe));
}

/*
 * An unmodified libnuma program (dropin_helper: numa_move_pages() and raw
 * syscall(SYS_move_pages), 16 pages out and back) confined: without the
 * shim its moves are EPERM (the control: the filter works), with
 * LD_PRELOAD of the shim they go to /dev/pagemove and succeed.
 */
TEST(preload_shim_moves_under_the_filter)
{
	char dir[PATH_MAX], helper[PATH_MAX + 16], shim[PATH_MAX + 32];
	char preload[PATH_MAX + 48], libpath[PATH_MAX + 32];
	int pass, status[2];

	NEED_SECCOMP_FILTER();

	here(dir, sizeof(dir));
	snprintf(helper, sizeof(helper), "%s/dropin_helper", dir);
	snprintf(shim, sizeof(shim), "%s/libpagemove-preload.so", dir);
	if (access(shim, R_OK))
		snprintf(shim, sizeof(shim), "%s/../lib/libpagemove-preload.so", dir);
	ASSERT_EQ(0, access(helper, X_OK)) TH_LOG("%s", helper);
	ASSERT_EQ(0, access(shim, R_OK)) TH_LOG("%s", shim);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", shim);
	snprintf(libpath, sizeof(libpath), "LD_LIBRARY_PATH=%s", dir);

	for (pass = 0; pass < 2; pass++) {
		char *argv[] = { helper, "1", "0", NULL };
		char *envp[] = { libpath, pass ? preload : NULL, NULL };
		pid_t child = fork();

		ASSERT_LE(0, child);
		if (!child) {
			int null = open("/dev/null", O_WRONLY);

			if (!pass && null >= 0)	/* the control's expected complaints */
				dup2(null, STDERR_FILENO);
			if (confine(1))
				_exit(125);
			execve(helper, argv, envp);
			_exit(126);
		}
		ASSERT_EQ(child, waitpid(child, &status[pass], 0));
	}
	EXPECT_TRUE(WIFEXITED(status[0]) && WEXITSTATUS(status[0]) == 1)
		TH_LOG("without the shim the confined helper should fail (status %#x)", status[0]);
	EXPECT_TRUE(WIFEXITED(status[1]) && WEXITSTATUS(status[1]) == 0)
		TH_LOG("with the shim the confined helper failed (status %#x)", status[1]);
}

/*
 * The pagemove command, confined like its caller: `pagemove move PID
 * --range START-END 1` on the caller's pages (same uid, no capabilities
 * either side: ptrace's rules let it), then `migrate PID 1 2`.
 */
TEST(command_moves_under_the_filter)
{
	char dir[PATH_MAX], tool[PATH_MAX + 16];
	int reply, fd = open(PAGEMOVE_DEVICE, O_RDWR | O_CLOEXEC);
	char *buf = pm_map_anon(N, 1);
	pid_t child;

	NEED_SECCOMP_FILTER();

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, fd);
	here(dir, sizeof(dir));
	snprintf(tool, sizeof(tool), "%s/pagemove", dir);
	ASSERT_EQ(0, access(tool, X_OK)) TH_LOG("%s", tool);
	ASSERT_EQ(0, pm_place(buf, N, 0));
	child = pm_fork_reply(&reply);
	ASSERT_LE(0, child);
	if (!child) {
		char pid[16], range[64];
		char *mv[] = { tool, "move", pid, "--range", range, "1", NULL };
		char *mg[] = { tool, "migrate", pid, "1", "2", NULL };
		char **cmds[] = { mv, mg };
		int node[] = { 1, 2 }, i, ws, null = open("/dev/null", O_WRONLY);

		if (own_pages(buf, N) || confine(0) || !capless())
			pm_reply(reply, 1);
		snprintf(pid, sizeof(pid), "%d", getpid());
		snprintf(range, sizeof(range), "%lx-%lx", (unsigned long)buf,
			 (unsigned long)buf + N * PM_PAGE);
		for (i = 0; i < 2; i++) {
			pid_t c = fork();

			if (!c) {
				if (null >= 0)
					dup2(null, STDOUT_FILENO);
				execv(tool, cmds[i]);
				_exit(126);
			}
			if (c < 0 || waitpid(c, &ws, 0) != c || !WIFEXITED(ws) || WEXITSTATUS(ws))
				pm_reply(reply, 10 + i);
			if (!all_on(fd, buf, N, node[i]))
				pm_reply(reply, 20 + i);
		}
		pm_reply(reply, pm_check_data(buf, N) ? 0 : 3);
	}
	EXPECT_EQ(0, pm_wait_reply(child, reply))
		TH_LOG("1 confine, 10/11 move/migrate failed, 20/21 pages not there, 3 data");
	close(fd);
	munmap(buf, N * PM_PAGE);
}

TEST_HARNESS_MAIN
