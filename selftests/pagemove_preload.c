// SPDX-License-Identifier: GPL-2.0
/* pagemove_preload: an unmodified libnuma program runs on /dev/pagemove under LD_PRELOAD. */
/*
 * The helper (dropin_helper, dynamic, -lnuma) and libpagemove-preload.so sit
 * next to this binary. The helper moves 16 pages with numa_move_pages() and
 * with raw syscall(SYS_move_pages); the shim's PAGEMOVE_PRELOAD_LOG shows
 * which path each call took. /dev/pagemove is hidden by a tmpfs mounted
 * over /dev in a private mount namespace, to check the shim refuses (ENOSYS,
 * one message) unless PAGEMOVE_FALLBACK=1.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
/* The harness leaves a parameter unused; the rest of it is -Wextra clean. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include <linux/pagemove.h>

#define OUT_MAX		65536
#define MODULE_LINE	"pagemove-preload: move_pages pid=0 count=16 ret=0\n"
#define FALLBACK_LINE	"pagemove-preload: fallback move_pages pid=0 count=16 ret=0\n"
#define NO_DEVICE_MSG	"pagemove-preload: cannot open " PAGEMOVE_DEVICE ": "

enum run_mode {
	RUN_PLAIN,		/* no LD_PRELOAD: the control */
	RUN_PRELOAD,		/* LD_PRELOAD, /dev/pagemove present */
	RUN_HIDDEN,		/* LD_PRELOAD, /dev/pagemove hidden */
	RUN_HIDDEN_FALLBACK,	/* ... and PAGEMOVE_FALLBACK=1 */
};

struct run {
	int ran;
	int status;		/* wait status of the helper */
	char out[OUT_MAX];	/* its stdout */
	char err[OUT_MAX];	/* its stderr */
	char log[OUT_MAX];	/* PAGEMOVE_PRELOAD_LOG */
};

FIXTURE(preload) {
	char dir[PATH_MAX / 2];		/* leaves room for the names below */
	char helper[PATH_MAX];
	char shim[PATH_MAX];
	char logpath[PATH_MAX];
	char arg1[16];		/* if set, the helper's only argument */
	int target, back;
	struct run *run;
};

/* "0-1,3" -> the first two nodes; returns how many nodes the list holds. */
static int parse_nodes(const char *list, int *first, int *second)
{
	const char *p = list;
	int n = 0;

	while (*p && *p != '\n') {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo, i;

		if (end == p)
			break;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (i = lo; i <= hi; i++, n++) {
			if (n == 0)
				*first = (int)i;
			else if (n == 1)
				*second = (int)i;
		}
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static void read_fd(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n < 0 ? 0 : n] = '\0';
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The child: set up its view of /dev, its environment, then exec the helper. */
static void __attribute__((noreturn))
exec_helper(FIXTURE_DATA(preload) *self, enum run_mode mode, int out, int err)
{
	char preload[PATH_MAX + 16], libpath[PATH_MAX + 32], log[PATH_MAX + 32];
	char target[16], back[16];
	char *argv[] = { self->helper, target, back, NULL };
	char *envp[8];
	int n = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
		_exit(120);
	if (mode == RUN_HIDDEN || mode == RUN_HIDDEN_FALLBACK) {
		/* Only this child loses /dev; the guest keeps its own. */
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755")) {
			fprintf(stderr, "hide /dev: %s\n", strerror(errno));
			_exit(121);
		}
	}

	snprintf(target, sizeof(target), "%d", self->target);
	snprintf(back, sizeof(back), "%d", self->back);
	if (self->arg1[0]) {
		argv[1] = self->arg1;
		argv[2] = NULL;
	}
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", self->shim);
	/* The guest may carry the helper's shared objects next to it. */
	snprintf(libpath, sizeof(libpath), "LD_LIBRARY_PATH=%s", self->dir);
	snprintf(log, sizeof(log), "PAGEMOVE_PRELOAD_LOG=%s", self->logpath);
	envp[n++] = libpath;
	envp[n++] = log;
	if (mode != RUN_PLAIN)
		envp[n++] = preload;
	if (mode == RUN_HIDDEN_FALLBACK)
		envp[n++] = "PAGEMOVE_FALLBACK=1";
	envp[n] = NULL;

	execve(self->helper, argv, envp);
	fprintf(stderr, "execve %s: %s\n", self->helper, strerror(errno));
	_exit(122);
}

static int run_helper(FIXTURE_DATA(preload) *self, enum run_mode mode)
{
	struct run *r = self->run;
	int out, err, fd;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	out = memfd_create("helper-stdout", MFD_CLOEXEC);
	err = memfd_create("helper-stderr", MFD_CLOEXEC);
	if (out < 0 || err < 0)
		return -errno;
	/*
	 * The log lives only for this run: no ASSERT can leave it behind.
	 * Without a /tmp in the guest, the test's own directory will do.
	 */
	snprintf(self->logpath, sizeof(self->logpath),
		 "/tmp/pagemove_preload.XXXXXX");
	fd = mkstemp(self->logpath);
	if (fd < 0) {
		snprintf(self->logpath, sizeof(self->logpath),
			 "%s/pagemove_preload.XXXXXX", self->dir);
		fd = mkstemp(self->logpath);
	}
	if (fd < 0)
		return -errno;
	close(fd);

	pid = fork();
	if (pid == 0)
		exec_helper(self, mode, out, err);
	if (pid < 0 || waitpid(pid, &r->status, 0) != pid) {
		fd = -errno;
		unlink(self->logpath);
		return fd;
	}

	read_fd(out, r->out, sizeof(r->out));
	read_fd(err, r->err, sizeof(r->err));
	close(out);
	close(err);
	if (read_file(self->logpath, r->log, sizeof(r->log)))
		r->log[0] = '\0';
	unlink(self->logpath);
	r->ran = 1;
	return 0;
}

/* On failure, show what the helper said, one TAP comment line per line. */
static void dump(const char *what, const char *text)
{
	const char *p = text, *nl;

	fprintf(stderr, "# --- %s\n", what);
	for (; *p; p = nl + 1) {
		nl = strchrnul(p, '\n');
		fprintf(stderr, "#   %.*s\n", (int)(nl - p), p);
		if (!*nl)
			break;
	}
}

FIXTURE_SETUP(preload)
{
	char nodes[256], exe[sizeof(self->dir)];
	ssize_t n;

	self->run = mmap(NULL, sizeof(*self->run), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->run);

	ASSERT_EQ(0, read_file("/sys/devices/system/node/has_memory",
			       nodes, sizeof(nodes)));
	nodes[strcspn(nodes, "\n")] = '\0';
	if (parse_nodes(nodes, &self->target, &self->back) < 2)
		SKIP(return, "fewer than two nodes with memory: %s", nodes);
	/* Out to the second memory node, back to the first. */
	n = self->target;
	self->target = self->back;
	self->back = (int)n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	ASSERT_GT((ssize_t)sizeof(exe) - 1, n);	/* not truncated */
	exe[n] = '\0';
	snprintf(self->dir, sizeof(self->dir), "%s", dirname(exe));
	snprintf(self->helper, sizeof(self->helper), "%s/dropin_helper", self->dir);
	snprintf(self->shim, sizeof(self->shim), "%s/libpagemove-preload.so",
		 self->dir);
	if (access(self->shim, R_OK))	/* run from the build tree */
		snprintf(self->shim, sizeof(self->shim),
			 "%s/../lib/libpagemove-preload.so", self->dir);
	ASSERT_EQ(0, access(self->helper, X_OK))
		TH_LOG("%s: %s", self->helper, strerror(errno));
	ASSERT_EQ(0, access(self->shim, R_OK))
		TH_LOG("%s: %s", self->shim, strerror(errno));

}

FIXTURE_TEARDOWN(preload)
{
	if (_metadata->exit_code == KSFT_FAIL && self->run->ran) {
		fprintf(stderr, "# helper wait status 0x%x\n", self->run->status);
		dump("helper stdout", self->run->out);
		dump("helper stderr", self->run->err);
		dump("PAGEMOVE_PRELOAD_LOG", self->run->log);
	}
	munmap(self->run, sizeof(*self->run));
}

/* The control: without the shim the helper works and nothing is logged. */
TEST_F(preload, control_without_preload)
{
	ASSERT_EQ(0, run_helper(self, RUN_PLAIN));
	ASSERT_TRUE(WIFEXITED(self->run->status));
	EXPECT_EQ(0, WEXITSTATUS(self->run->status));
	EXPECT_STREQ("", self->run->log);
}

/* Both calls, libnuma's and the raw syscall, go through the module, once each. */
TEST_F(preload, routed_to_module)
{
	int fd = open(PAGEMOVE_DEVICE, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("%s: %s (is pagemove.ko loaded?)",
				PAGEMOVE_DEVICE, strerror(errno));
	close(fd);

	ASSERT_EQ(0, run_helper(self, RUN_PRELOAD));
	ASSERT_TRUE(WIFEXITED(self->run->status));
	EXPECT_EQ(0, WEXITSTATUS(self->run->status));
	EXPECT_EQ(2, count_lines(self->run->log));
	EXPECT_EQ(2, count_str(self->run->log, MODULE_LINE));
	EXPECT_EQ(NULL, strstr(self->run->err, "pagemove-preload:"));
	EXPECT_NE(NULL, strstr(self->run->out, "OK\n"));
}

/* No device, no fallback: ENOSYS for both calls, one message saying why. */
TEST_F(preload, no_device_enosys)
{
	char enosys[64];

	ASSERT_EQ(0, run_helper(self, RUN_HIDDEN));
	ASSERT_TRUE(WIFEXITED(self->run->status));
	EXPECT_EQ(1, WEXITSTATUS(self->run->status));
	EXPECT_EQ(1, count_str(self->run->err, NO_DEVICE_MSG));
	EXPECT_NE(NULL, strstr(self->run->err, strerror(ENOENT)));
	EXPECT_NE(NULL, strstr(self->run->err, "PAGEMOVE_FALLBACK=1"));
	snprintf(enosys, sizeof(enosys), "numa_move_pages: errno %d ", ENOSYS);
	EXPECT_NE(NULL, strstr(self->run->err, enosys));
	snprintf(enosys, sizeof(enosys), "syscall(SYS_move_pages): errno %d ",
		 ENOSYS);
	EXPECT_NE(NULL, strstr(self->run->err, enosys));
	EXPECT_STREQ("", self->run->log);
}

/* No device, PAGEMOVE_FALLBACK=1: the syscall does the work, and says so. */
TEST_F(preload, no_device_fallback)
{
	ASSERT_EQ(0, run_helper(self, RUN_HIDDEN_FALLBACK));
	ASSERT_TRUE(WIFEXITED(self->run->status));
	EXPECT_EQ(0, WEXITSTATUS(self->run->status));
	EXPECT_EQ(1, count_str(self->run->err, NO_DEVICE_MSG));
	EXPECT_NE(NULL, strstr(self->run->err, "falling back"));
	EXPECT_EQ(2, count_lines(self->run->log));
	EXPECT_EQ(2, count_str(self->run->log, FALLBACK_LINE));
	EXPECT_NE(NULL, strstr(self->run->out, "OK\n"));
}

#define NUMACTL_PAGES	32

/*
 * The statuses numactl's test prints after its move ("Page I vaddr=.. node=S"
 * once per page, after "Moving pages to target nodes"). 0 or -1.
 */
static int numactl_statuses(const char *out, int *status)
{
	const char *p = strstr(out, "Moving pages to target nodes");
	int i, page;

	for (i = 0; p && i < NUMACTL_PAGES; i++) {
		p = strstr(p, "\nPage ");
		if (!p || sscanf(p, "\nPage %d vaddr=%*x node=%d", &page, &status[i]) != 2 ||
		    page != i)
			return -1;
		p++;
	}
	return p ? 0 : -1;
}

/*
 * numactl's own test program, test/move_pages.c from the numactl source
 * package (qemu/numactl-src.sh), built unmodified against libnuma: run
 * plain, then under the shim. Both its numa_move_pages() calls (a query,
 * then the move) reach the module; it reports success; the statuses it
 * prints match the syscall's run and put every touched page on the memory
 * node the test chose for it (nodes with memory, round robin).
 */
TEST_F(preload, numactl_move_pages_test)
{
	int plain[NUMACTL_PAGES], shim[NUMACTL_PAGES], mem[8] = { 0 }, nmem = 0, i;
	char list[256], *p;

	snprintf(self->helper, sizeof(self->helper), "%s/numactl_move_pages", self->dir);
	snprintf(self->arg1, sizeof(self->arg1), "%d", NUMACTL_PAGES);
	ASSERT_EQ(0, access(self->helper, X_OK)) TH_LOG("%s: %s", self->helper, strerror(errno));
	ASSERT_EQ(0, read_file("/sys/devices/system/node/has_memory", list, sizeof(list)));
	for (p = list; nmem < 8 && *p && *p != '\n';) {
		long lo = strtol(p, &p, 10), hi = lo;

		if (*p == '-')
			hi = strtol(p + 1, &p, 10);
		while (lo <= hi && nmem < 8)
			mem[nmem++] = (int)lo++;
		if (*p == ',')
			p++;
	}
	ASSERT_LE(2, nmem);

	ASSERT_EQ(0, run_helper(self, RUN_PLAIN));
	ASSERT_TRUE(WIFEXITED(self->run->status));
	ASSERT_EQ(0, WEXITSTATUS(self->run->status));
	ASSERT_EQ(0, numactl_statuses(self->run->out, plain));

	ASSERT_EQ(0, run_helper(self, RUN_PRELOAD));
	ASSERT_TRUE(WIFEXITED(self->run->status));
	EXPECT_EQ(0, WEXITSTATUS(self->run->status));
	EXPECT_NE(NULL, strstr(self->run->out, "Test successful."));
	EXPECT_EQ(2, count_lines(self->run->log));
	EXPECT_EQ(2, count_str(self->run->log, "pagemove-preload: move_pages pid=0 count=32 ret=0\n"));
	ASSERT_EQ(0, numactl_statuses(self->run->out, shim));
	for (i = 0; i < NUMACTL_PAGES; i++) {
		EXPECT_EQ(plain[i], shim[i]) TH_LOG("page %d", i);
		if (i == 2) {	/* the test leaves page 2 untouched */
			EXPECT_GT(0, shim[i]);
		} else {
			EXPECT_EQ(mem[i % nmem], shim[i]) TH_LOG("page %d", i);
		}
	}
}

TEST_HARNESS_MAIN
