// SPDX-License-Identifier: GPL-2.0
/* The pagemove command against a child process: output, --json, exit codes, messages. */
#include <ctype.h>
#include <grp.h>
#include <libgen.h>
#include <linux/mempolicy.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define NA	32		/* anonymous pages, node 0 */
#define NF	8		/* pages of a tmpfs file in /tmp, node 0 */
#define NH	16		/* pages added to [heap] with sbrk, node 0 */
#define NR	2		/* dirty ramfs pages: no migrate_folio, no writepage */
/* Their status's name under @prefix: EINVAL, or EBUSY on a kernel without ->writepage (7.x). */
#define RAMFS_ERR(prefix)	(pm_kernel_has_writepage() ? prefix "EINVAL" : prefix "EBUSY")
#define NBIG	70000		/* untouched pages: a scan long enough for progress */
#define NOBODY	65534
#define RAMFS	"/tmp/pm-cmd-ramfs"

static char tool[4096];

/* What the target tells the test once its pages are in place. */
struct target_info {
	unsigned long anon, file, heap, hole, big, ramfs;
	char path[64], rpath[64];
};

/* ---- the target: this binary re-executed, so nothing is shared by fork ---- */

static int target_main(int argc, char **argv)
{
	struct target_info in;
	int wfd = atoi(argv[2]), fd, i;
	unsigned long node0 = 1;
	char *p, *h;
	void *pages[NA + NF + NH + NR];
	int nodes[NA + NF + NH + NR], status[NA + NF + NH + NR], n = 0;

	memset(&in, 0, sizeof(in));
	p = pm_map_anon(NA, 1);
	for (i = 0; i < NA; i++)
		pages[n++] = p + i * PM_PAGE;
	in.anon = (unsigned long)p;

	snprintf(in.path, sizeof(in.path), "/tmp/pm-cmd-%d.dat", getpid());
	fd = open(in.path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, NF * PM_PAGE))
		return 10;
	p = mmap(NULL, NF * PM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return 11;
	for (i = 0; i < NF; i++) {
		memset(p + i * PM_PAGE, i + 1, PM_PAGE);
		pages[n++] = p + i * PM_PAGE;
	}
	in.file = (unsigned long)p;

	h = sbrk(0);
	h = (char *)(((unsigned long)h + PM_PAGE - 1) & ~(PM_PAGE - 1));
	if (brk(h + NH * PM_PAGE))
		return 12;
	for (i = 0; i < NH; i++) {
		memset(h + i * PM_PAGE, i + 3, PM_PAGE);
		pages[n++] = h + i * PM_PAGE;
	}
	in.heap = (unsigned long)h;

	/* A hole: three pages mapped, the middle one unmapped again. */
	p = mmap(NULL, 3 * PM_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p + PM_PAGE, PM_PAGE))
		return 13;
	in.hole = (unsigned long)p + PM_PAGE;

	if (argc > 3 && !strcmp(argv[3], "big")) {
		p = mmap(NULL, NBIG * PM_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return 14;
		in.big = (unsigned long)p;
	}

	/*
	 * The ramfs pages can never move: fault them in on node 0, whichever
	 * CPU this runs on (on node 1 they made "migrate 1 0" exit 3).
	 */
	if (syscall(SYS_set_mempolicy, MPOL_BIND, &node0, 64))
		return 18;
	snprintf(in.rpath, sizeof(in.rpath), "%s/f-%d", RAMFS, getpid());
	fd = open(in.rpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0 && !ftruncate(fd, NR * PM_PAGE)) {
		p = mmap(NULL, NR * PM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			memset(p, 0x5a, NR * PM_PAGE);
			in.ramfs = (unsigned long)p;
		}
	}
	if (fd >= 0)
		close(fd);
	if (syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0))
		return 19;

	/* Everything of ours starts on node 0, wherever this CPU is. */
	pm_fill_int(nodes, n, 0);
	if (pm_sys_move_pages(0, n, pages, nodes, status, MPOL_MF_MOVE) < 0)
		return 15;
	/*
	 * "shared": a child maps every page too: the private ones by
	 * copy-on-write; the MAP_SHARED file pages, which fork(2) leaves to
	 * be faulted in again, by reading them before the test starts.
	 */
	if (argc > 3 && !strcmp(argv[3], "shared")) {
		int sync[2];
		pid_t child;
		char b;

		if (pipe(sync))
			return 17;
		child = fork();
		if (child < 0)
			return 17;
		if (child == 0) {
			volatile char c;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (i = 0; i < NF; i++)
				c = ((char *)in.file)[i * PM_PAGE];
			for (i = 0; in.ramfs && i < NR; i++)
				c = ((char *)in.ramfs)[i * PM_PAGE];
			(void)c;
			if (write(sync[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		if (read(sync[0], &b, 1) != 1)
			return 17;
		close(sync[0]);
		close(sync[1]);
	}
	if (write(wfd, &in, sizeof(in)) != sizeof(in))
		return 16;
	close(wfd);
	for (;;)
		pause();
}

/* @mode: "small", "big" (NBIG untouched pages more) or "shared". */
static pid_t start_target(struct target_info *in, const char *mode)
{
	char exe[4096], fdarg[16];
	int pfd[2];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	pid_t pid;

	if (n <= 0 || pipe(pfd))
		return -1;
	exe[n] = '\0';
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *argv[] = { exe, "--pm-target", fdarg, (char *)mode, NULL };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pfd[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", pfd[1]);
		execv(exe, argv);
		_exit(127);
	}
	close(pfd[1]);
	n = read(pfd[0], in, sizeof(*in));
	close(pfd[0]);
	if (n != sizeof(*in)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* ---- running the command ---- */

struct res {
	int code;
	char *out, *err;
	size_t olen, elen;
};

static void res_free(struct res *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

static void drain(int fd, char **buf, size_t *len, bool *open)
{
	char chunk[65536];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n <= 0) {	/* EOF, or EIO: a pty whose other side is gone */
		*open = false;
		return;
	}
	*buf = realloc(*buf, *len + n + 1);
	memcpy(*buf + *len, chunk, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Runs the command, as nobody if asked, stderr on a terminal if asked. */
static int run_tool(struct res *r, bool nobody, bool tty, char **argv)
{
	int ofd[2], efd[2] = { -1, -1 }, wstatus, master;
	bool oopen = true, eopen = true;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->out = strdup("");
	r->err = strdup("");
	if (pipe(ofd))
		return -1;
	if (tty) {
		/* The slave stays open here too: the master never sees a hangup mid-run. */
		master = posix_openpt(O_RDWR | O_NOCTTY);
		if (master < 0 || grantpt(master) || unlockpt(master))
			return -1;
		efd[0] = master;
		efd[1] = open(ptsname(master), O_RDWR | O_NOCTTY);
		if (efd[1] < 0)
			return -1;
	} else if (pipe(efd)) {
		return -1;
	}
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(ofd[1], 1);
		dup2(efd[1], 2);
		if (nobody && (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
			_exit(100);
		execv(argv[0], argv);
		_exit(127);
	}
	close(ofd[1]);
	if (!tty)
		close(efd[1]);
	while (oopen || (eopen && !tty)) {
		struct pollfd p[2] = { { oopen ? ofd[0] : -1, POLLIN, 0 },
				       { eopen ? efd[0] : -1, POLLIN, 0 } };

		if (poll(p, 2, 20000) <= 0)
			break;
		if (p[0].revents)
			drain(ofd[0], &r->out, &r->olen, &oopen);
		if (p[1].revents)
			drain(efd[0], &r->err, &r->elen, &eopen);
	}
	close(ofd[0]);
	if (waitpid(pid, &wstatus, 0) != pid)
		return -1;
	if (tty) {
		/* What the child wrote may still be on its way through the pty. */
		struct pollfd p = { efd[0], POLLIN, 0 };

		fcntl(efd[0], F_SETFL, O_NONBLOCK);
		while (eopen && poll(&p, 1, 300) > 0)
			drain(efd[0], &r->err, &r->elen, &eopen);
		close(efd[1]);
	}
	close(efd[0]);
	r->code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	return r->code;
}

#define RUN(r, ...)		run_tool(r, false, false, (char *[]){ tool, __VA_ARGS__, NULL })
#define RUN_NOBODY(r, ...)	run_tool(r, true, false, (char *[]){ tool, __VA_ARGS__, NULL })
#define RUN_TTY(r, ...)		run_tool(r, false, true, (char *[]){ tool, __VA_ARGS__, NULL })

/* ---- a small JSON reader: strict syntax, a tree to look numbers up in ---- */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	int type;
	char *key;
	double num;
	char *str;
	struct jv *kids, *next;
};

static const char *jp;

static void jfree(struct jv *v)
{
	while (v) {
		struct jv *next = v->next;

		jfree(v->kids);
		free(v->key);
		free(v->str);
		free(v);
		v = next;
	}
}

static void jws(void)
{
	while (*jp == ' ' || *jp == '\t' || *jp == '\n' || *jp == '\r')
		jp++;
}

static char *jstring(void)
{
	size_t cap = 16, n = 0;
	char *s = malloc(cap);

	if (*jp++ != '"')
		goto bad;
	while (*jp != '"') {
		unsigned char c = (unsigned char)*jp++;

		if (c < 0x20)
			goto bad;
		if (c == '\\') {
			c = (unsigned char)*jp++;
			if (c == 'u') {
				int i;

				for (i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)jp[i]))
						goto bad;
				jp += 4;
				c = '?';	/* the value does not matter here */
			} else if (!c || !strchr("\"\\/bfnrt", c)) {
				goto bad;
			} else {
				c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' :
				    c == 'b' ? '\b' : c == 'f' ? '\f' : c;
			}
		}
		if (n + 2 > cap)
			s = realloc(s, cap *= 2);
		s[n++] = (char)c;
	}
	jp++;
	s[n] = '\0';
	return s;
bad:
	free(s);
	return NULL;
}

static struct jv *jvalue(int depth)
{
	struct jv *v = calloc(1, sizeof(*v)), **tail;
	const char *start;

	jws();
	if (depth > 32)
		goto bad;
	start = jp;
	if (*jp == '{' || *jp == '[') {
		char close = *jp == '{' ? '}' : ']';

		v->type = *jp++ == '{' ? J_OBJ : J_ARR;
		tail = &v->kids;
		jws();
		if (*jp == close) {
			jp++;
			return v;
		}
		for (;;) {
			char *key = NULL;
			struct jv *kid;

			jws();
			if (v->type == J_OBJ) {
				if (*jp != '"' || !(key = jstring()))
					goto bad;
				jws();
				if (*jp++ != ':') {
					free(key);
					goto bad;
				}
			}
			kid = jvalue(depth + 1);
			if (!kid) {
				free(key);
				goto bad;
			}
			kid->key = key;
			*tail = kid;
			tail = &kid->next;
			jws();
			if (*jp == ',') {
				jp++;
				continue;
			}
			if (*jp++ != close)
				goto bad;
			return v;
		}
	}
	if (*jp == '"') {
		v->type = J_STR;
		v->str = jstring();
		if (!v->str)
			goto bad;
		return v;
	}
	if (!strncmp(jp, "true", 4) || !strncmp(jp, "null", 4)) {
		v->type = *jp == 't' ? J_BOOL : J_NULL;
		v->num = *jp == 't';
		jp += 4;
		return v;
	}
	if (!strncmp(jp, "false", 5)) {
		v->type = J_BOOL;
		jp += 5;
		return v;
	}
	/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
	if (*jp == '-')
		jp++;
	if (*jp == '0')
		jp++;
	else if (*jp >= '1' && *jp <= '9')
		while (isdigit((unsigned char)*jp))
			jp++;
	else
		goto bad;
	if (*jp == '.') {
		if (!isdigit((unsigned char)*++jp))
			goto bad;
		while (isdigit((unsigned char)*jp))
			jp++;
	}
	if (*jp == 'e' || *jp == 'E') {
		jp++;
		if (*jp == '+' || *jp == '-')
			jp++;
		if (!isdigit((unsigned char)*jp))
			goto bad;
		while (isdigit((unsigned char)*jp))
			jp++;
	}
	v->type = J_NUM;
	v->num = strtod(start, NULL);
	return v;
bad:
	jfree(v);
	return NULL;
}

/* One document and nothing else but white space, or NULL. */
static struct jv *jparse(const char *s)
{
	struct jv *v;

	jp = s;
	v = jvalue(0);
	if (!v)
		return NULL;
	jws();
	if (*jp) {
		jfree(v);
		return NULL;
	}
	return v;
}

/* "a.b.0.c": object keys, array indexes. */
static struct jv *jget(struct jv *v, const char *path)
{
	char part[128];
	const char *dot;

	while (v && *path) {
		struct jv *k;
		size_t len;
		int idx;

		dot = strchr(path, '.');
		len = dot ? (size_t)(dot - path) : strlen(path);
		snprintf(part, sizeof(part), "%.*s", (int)len, path);
		path += len + (dot ? 1 : 0);
		if (v->type == J_OBJ) {
			for (k = v->kids; k && strcmp(k->key, part); k = k->next)
				;
		} else if (v->type == J_ARR) {
			for (idx = atoi(part), k = v->kids; k && idx--; k = k->next)
				;
		} else {
			k = NULL;
		}
		v = k;
	}
	return v;
}

static double jnum(struct jv *v, const char *path)
{
	v = jget(v, path);
	return v && (v->type == J_NUM || v->type == J_BOOL) ? v->num : -12345;
}

static const char *jstr(struct jv *v, const char *path)
{
	v = jget(v, path);
	return v && v->type == J_STR ? v->str : "";
}

static int jlen(struct jv *v, const char *path)
{
	int n = 0;

	v = jget(v, path);
	if (!v || (v->type != J_ARR && v->type != J_OBJ))
		return -1;
	for (v = v->kids; v; v = v->next)
		n++;
	return n;
}

/* ---- helpers ---- */

/* Pages of the target still on @node, per the kernel's own move_pages(2). */
static int count_on(pid_t pid, unsigned long start, int n, int node)
{
	void *pages[NBIG > 4096 ? 4096 : NBIG];
	int status[4096], i, on = 0;

	if (n > 4096)
		return -1;
	for (i = 0; i < n; i++)
		pages[i] = (void *)(start + i * PM_PAGE);
	if (pm_sys_move_pages(pid, n, pages, NULL, status, 0))
		return -errno;
	for (i = 0; i < n; i++)
		on += status[i] == node;
	return on;
}

static char *span(char *buf, unsigned long start, int pages)
{
	sprintf(buf, "%lx-%lx", start, start + pages * PM_PAGE);
	return buf;
}

FIXTURE(cmd) {
	pid_t pid;
	struct target_info in;
	char pid_s[16];
	struct res r;
	struct jv *j;
};

static void setup_target(struct __test_metadata *_metadata,
			 FIXTURE_DATA(cmd) *self, const char *mode)
{
	self->pid = start_target(&self->in, mode);
	ASSERT_LT(0, self->pid);
	snprintf(self->pid_s, sizeof(self->pid_s), "%d", self->pid);
}

FIXTURE_SETUP(cmd)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	self->pid = 0;
	self->j = NULL;
	memset(&self->r, 0, sizeof(self->r));
	ASSERT_LT(0, n);
	exe[n] = '\0';
	snprintf(tool, sizeof(tool), "%s/pagemove", dirname(exe));
	/* make check puts the command beside this binary: missing is a failure. */
	ASSERT_EQ(0, access(tool, X_OK)) TH_LOG("no pagemove command at %s", tool);
	ASSERT_EQ(0, access(PAGEMOVE_DEVICE, F_OK)) TH_LOG("no %s", PAGEMOVE_DEVICE);
	mkdir(RAMFS, 0700);
	mount("ramfs", RAMFS, "ramfs", 0, NULL);	/* only the exit-3 test needs it */
	setup_target(_metadata, self, "small");
}

/* Kills the fixture's target and starts one of another @mode. */
static void restart_target(struct __test_metadata *_metadata,
			   FIXTURE_DATA(cmd) *self, const char *mode)
{
	kill(self->pid, SIGKILL);
	waitpid(self->pid, NULL, 0);
	unlink(self->in.path);
	unlink(self->in.rpath);
	setup_target(_metadata, self, mode);
}

FIXTURE_TEARDOWN(cmd)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
		unlink(self->in.path);
		unlink(self->in.rpath);
	}
	umount2(RAMFS, MNT_DETACH);
	res_free(&self->r);
	jfree(self->j);
}

/* Parses the last run's stdout: exactly one well-formed document. */
#define JSON(self) do {							\
	jfree((self)->j);						\
	(self)->j = jparse((self)->r.out);				\
	if (!(self)->j)							\
		TH_LOG("not JSON: '%s'", (self)->r.out);		\
	ASSERT_NE(NULL, (self)->j);					\
} while (0)

#define HAS(hay, needle) do {						\
	if (!strstr((hay), (needle)))					\
		TH_LOG("'%s' not in '%s'", (needle), (hay));		\
	EXPECT_NE(NULL, strstr((hay), (needle)));			\
} while (0)

/* ---- tests ---- */

TEST_F(cmd, query_text_and_json)
{
	char rng[64], line[64];
	int i;

	span(rng, self->in.anon, NA);
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "query", self->pid_s, rng));
	for (i = 0; i < NA; i++) {
		snprintf(line, sizeof(line), "0x%016lx  node 0\n", self->in.anon + i * PM_PAGE);
		HAS(self->r.out, line);
	}
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "query", "--json", self->pid_s, rng));
	JSON(self);
	EXPECT_STREQ("query", jstr(self->j, "command"));
	EXPECT_EQ(self->pid, jnum(self->j, "pid"));
	EXPECT_EQ(NA, jlen(self->j, "entries"));
	EXPECT_EQ(0, jnum(self->j, "entries.5.status"));
	EXPECT_EQ(NA, jnum(self->j, "nodes.0"));
	EXPECT_EQ(NA, jnum(self->j, "nr_in_place"));
	EXPECT_EQ(0, jnum(self->j, "nr_failed"));
	EXPECT_EQ(0, self->r.elen);
}

TEST_F(cmd, move_by_addresses)
{
	char rng[64], one[32];

	span(rng, self->in.anon, NA);
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", self->pid_s, "1", rng));
	HAS(self->r.out, "moved 32, in place 0, failed 0\nresult 0\n");
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 1));
	/* Nothing left to move: the module's -ENOENT, still a success. */
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", self->pid_s, "1", rng));
	HAS(self->r.out, "moved 0, in place 32, failed 0\nresult -2 ENOENT\n");
	/* Compat mode and --json: back to node 0, one address and a range. */
	snprintf(one, sizeof(one), "%lx", self->in.anon);
	span(rng, self->in.anon + PM_PAGE, NA - 1);
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--compat", "--json", self->pid_s, "0", one, rng));
	JSON(self);
	EXPECT_STREQ("move", jstr(self->j, "command"));
	EXPECT_STREQ("compat", jstr(self->j, "mode"));
	EXPECT_STREQ("addresses", jstr(self->j, "select"));
	EXPECT_EQ(NA, jnum(self->j, "asked"));
	EXPECT_EQ(NA, jnum(self->j, "nr_moved"));
	EXPECT_EQ(NA, jnum(self->j, "moved"));
	EXPECT_EQ(0, jnum(self->j, "failed"));
	EXPECT_EQ(0, jnum(self->j, "result"));
	EXPECT_EQ(NA, jnum(self->j, "statuses.nodes.0"));
	EXPECT_EQ(NA, jlen(self->j, "entries"));
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 0));
}

TEST_F(cmd, move_range)
{
	char rng[64];

	span(rng, self->in.anon, NA);
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--json", self->pid_s, "--range", rng, "2"));
	JSON(self);
	EXPECT_STREQ("range", jstr(self->j, "select"));
	EXPECT_EQ(1, jnum(self->j, "mappings"));
	EXPECT_EQ(NA, jnum(self->j, "pages"));
	EXPECT_EQ(0, jnum(self->j, "unmapped"));
	EXPECT_EQ(NA, jnum(self->j, "asked"));
	EXPECT_EQ(NA, jnum(self->j, "nr_moved"));
	EXPECT_EQ(NA, jnum(self->j, "statuses.nodes.2"));
	EXPECT_EQ(NA, jnum(self->j, "moved"));
	EXPECT_EQ(0, jnum(self->j, "failed"));
	EXPECT_EQ(0, jnum(self->j, "nr_in_place"));
	EXPECT_EQ(0, jnum(self->j, "nr_failed"));
	EXPECT_EQ(0, jnum(self->j, "result"));
	EXPECT_EQ(0, jlen(self->j, "not_asked.errors"));
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 2));
	/* Again: all in place, the module's -ENOENT, still a success. */
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--json", self->pid_s, "--range", rng, "2"));
	JSON(self);
	EXPECT_EQ(NA, jnum(self->j, "moved"));
	EXPECT_EQ(0, jnum(self->j, "nr_moved"));
	EXPECT_EQ(NA, jnum(self->j, "nr_in_place"));
	EXPECT_EQ(-ENOENT, jnum(self->j, "result"));
	/*
	 * Around the hole: the unmapped page is not asked about; the two
	 * untouched pages are (PAGEMOVE_MOVE_RANGE, no query first): -ENOENT.
	 */
	span(rng, self->in.hole - PM_PAGE, 3);
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", self->pid_s, "--range", rng, "1"));
	HAS(self->r.out, "2 mappings, 2 pages, 1 unmapped, 0 present\n");
	HAS(self->r.out, "to node 1: moved 0, shared 0, failed 0\n");
	HAS(self->r.out, "statuses: ENOENT=2\n");
	HAS(self->r.out, "moved 0, in place 0, failed 2\nresult -2 ENOENT\n");
	EXPECT_EQ(NULL, strstr(self->r.out, "not asked"));
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--json", self->pid_s, "--range", rng, "1"));
	JSON(self);
	EXPECT_EQ(2, jnum(self->j, "mappings"));
	EXPECT_EQ(2, jnum(self->j, "pages"));
	EXPECT_EQ(1, jnum(self->j, "unmapped"));
	EXPECT_EQ(2, jnum(self->j, "asked"));
	EXPECT_EQ(0, jlen(self->j, "not_asked.errors"));
	EXPECT_EQ(2, jnum(self->j, "statuses.errors.ENOENT"));
	EXPECT_EQ(0, jnum(self->j, "failed"));
	EXPECT_EQ(2, jnum(self->j, "nr_failed"));
	EXPECT_EQ(-ENOENT, jnum(self->j, "result"));
	/* --compat keeps query-then-move: the absent pages are not asked. */
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--compat", self->pid_s, "--range", rng, "1"));
	HAS(self->r.out, "2 mappings, 2 pages, 1 unmapped, 0 present\n");
	HAS(self->r.out, "not asked: ENOENT=2\n");
	HAS(self->r.out, "result none");
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--compat", "--json", self->pid_s, "--range", rng, "1"));
	JSON(self);
	EXPECT_STREQ("compat", jstr(self->j, "mode"));
	EXPECT_EQ(0, jnum(self->j, "asked"));
	EXPECT_EQ(2, jnum(self->j, "not_asked.errors.ENOENT"));
	/* Half the anonymous pages by range in compat mode, then all in default mode. */
	span(rng, self->in.anon, NA / 2);
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--compat", "--json", self->pid_s, "--range", rng, "0"));
	JSON(self);
	EXPECT_EQ(NA / 2, jnum(self->j, "asked"));
	EXPECT_EQ(NA / 2, jnum(self->j, "nr_moved"));
	EXPECT_EQ(NA / 2, count_on(self->pid, self->in.anon, NA / 2, 0));
	span(rng, self->in.anon, NA);
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", self->pid_s, "--range", rng, "0"));
	HAS(self->r.out, "1 mapping, 32 pages, 0 unmapped, 32 present\n");
	HAS(self->r.out, "to node 0: moved 32, shared 0, failed 0\n");
	HAS(self->r.out, "statuses: N0=32\n");
	HAS(self->r.out, "moved 16, in place 16, failed 0\nresult 0\n");
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 0));
}

TEST_F(cmd, move_map_heap_and_file)
{
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--json", self->pid_s, "--map", "[heap]", "1"));
	JSON(self);
	EXPECT_STREQ("[heap]", jstr(self->j, "map"));
	EXPECT_LE(NH, jnum(self->j, "asked"));
	/* All end on node 1; those libc faulted there already are in place. */
	EXPECT_EQ(jnum(self->j, "asked"), jnum(self->j, "moved"));
	EXPECT_EQ(jnum(self->j, "asked"), jnum(self->j, "nr_moved") + jnum(self->j, "nr_in_place"));
	EXPECT_EQ(0, jnum(self->j, "failed"));
	EXPECT_EQ(NH, count_on(self->pid, self->in.heap, NH, 1));

	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", self->pid_s, "--map", self->in.path, "2"));
	HAS(self->r.out, "1 mapping named /tmp/pm-cmd-");
	HAS(self->r.out, "8 pages, 8 present\n");
	HAS(self->r.out, "to node 2: moved 8, shared 0, failed 0\n");
	HAS(self->r.out, "statuses: N2=8\n");
	EXPECT_EQ(NF, count_on(self->pid, self->in.file, NF, 2));
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 0));	/* untouched */

	/* [stack]: its present pages end on node 1, as show then says. */
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--json", self->pid_s, "--map", "[stack]", "1"));
	JSON(self);
	EXPECT_STREQ("[stack]", jstr(self->j, "map"));
	EXPECT_EQ(1, jnum(self->j, "mappings"));
	EXPECT_LE(1, jnum(self->j, "moved"));
	EXPECT_EQ(0, jnum(self->j, "failed"));
	EXPECT_EQ(0, jnum(self->j, "shared"));
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "show", "--json", self->pid_s));
	JSON(self);
	{
		struct jv *m;
		int seen = 0;

		for (m = jget(self->j, "mappings")->kids; m; m = m->next) {
			if (strcmp(jstr(m, "name"), "[stack]"))
				continue;
			seen++;
			EXPECT_LE(1, jnum(m, "nodes.1"));
			EXPECT_GE(0, jnum(m, "nodes.0"));	/* absent key: -12345 */
		}
		EXPECT_EQ(1, seen);
	}
}

/*
 * Pages another process maps too (here a child's copy-on-write view of
 * everything): "shared" without --all, not failures; moved with --all,
 * which root may ask (CAP_SYS_NICE).
 */
TEST_F(cmd, shared_pages_move_only_with_all)
{
	char rng[64];
	int stuck;

	restart_target(_metadata, self, "shared");
	span(rng, self->in.anon, NA);
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", self->pid_s, "--range", rng, "1"));
	HAS(self->r.out, "to node 1: moved 0, shared 32, failed 0\n");
	HAS(self->r.out, "statuses: EACCES=32\n");
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 0));
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--json", self->pid_s, "1", rng));
	JSON(self);
	EXPECT_EQ(0, jnum(self->j, "move_all"));
	EXPECT_EQ(NA, jnum(self->j, "shared"));
	EXPECT_EQ(0, jnum(self->j, "moved"));
	EXPECT_EQ(0, jnum(self->j, "failed"));
	EXPECT_EQ(NA, jnum(self->j, "statuses.errors.EACCES"));
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 0));

	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", "--all", "--json", self->pid_s, "--range", rng, "1"));
	JSON(self);
	EXPECT_EQ(1, jnum(self->j, "move_all"));
	EXPECT_EQ(NA, jnum(self->j, "moved"));
	EXPECT_EQ(0, jnum(self->j, "shared"));
	EXPECT_EQ(0, jnum(self->j, "failed"));
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 1));

	/* migrate: the heap and the file stay without --all, move with it. */
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "migrate", "--json", self->pid_s, "0", "2"))
		TH_LOG("out: %s\nerr: %s", self->r.out, self->r.err);
	JSON(self);
	EXPECT_LE(NF + NH, jnum(self->j, "shared"));
	EXPECT_EQ(jnum(self->j, "shared"), jnum(self->j, "pairs.0.shared"));
	EXPECT_EQ(0, jnum(self->j, "failed"));
	EXPECT_EQ(NH, count_on(self->pid, self->in.heap, NH, 0));
	EXPECT_EQ(NF, count_on(self->pid, self->in.file, NF, 0));
	/* The dirty ramfs pages on node 0 cannot move (-EINVAL): exit 3 for them. */
	stuck = self->in.ramfs ? count_on(self->pid, self->in.ramfs, NR, 0) : 0;
	res_free(&self->r);
	ASSERT_EQ(stuck ? 3 : 0, RUN(&self->r, "migrate", "--all", self->pid_s, "0", "2"))
		TH_LOG("out: %s\nerr: %s", self->r.out, self->r.err);
	HAS(self->r.out, "0 -> 2: found ");
	EXPECT_EQ(NULL, strstr(self->r.out, "shared pages not moved"));
	EXPECT_EQ(NH, count_on(self->pid, self->in.heap, NH, 2));
	EXPECT_EQ(NF, count_on(self->pid, self->in.file, NF, 2));
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 1));	/* not on node 0 */
}

TEST_F(cmd, move_partial_failure_exits_3)
{
	char rng[64];
	int on1, to, stuck;

	if (!self->in.ramfs)
		SKIP(return, "no ramfs at %s", RAMFS);
	/* Away from where the target's CPU faulted them: they cannot move there first. */
	on1 = count_on(self->pid, self->in.ramfs, NR, 1);
	to = on1 ? 0 : 1;
	stuck = NR - count_on(self->pid, self->in.ramfs, NR, to);
	res_free(&self->r);
	EXPECT_EQ(3, RUN(&self->r, "move", "--json", self->pid_s, "--map", self->in.rpath,
			 to ? "1" : "0"));
	JSON(self);
	EXPECT_EQ(NR, jnum(self->j, "asked"));
	EXPECT_EQ(stuck, jnum(self->j, "failed"));
	EXPECT_EQ(stuck, jnum(self->j, RAMFS_ERR("statuses.errors.")));
	EXPECT_EQ(stuck, jnum(self->j, "nr_failed"));
	/* The same pages by range: PAGEMOVE_MOVE_RANGE's counts, exit 3 too. */
	span(rng, self->in.ramfs, NR);
	res_free(&self->r);
	EXPECT_EQ(3, RUN(&self->r, "move", "--json", self->pid_s, "--range", rng, to ? "1" : "0"));
	JSON(self);
	EXPECT_EQ(NR, jnum(self->j, "asked"));
	EXPECT_EQ(stuck, jnum(self->j, "failed"));
	EXPECT_EQ(stuck, jnum(self->j, RAMFS_ERR("statuses.errors.")));
	EXPECT_EQ(stuck, jnum(self->j, "nr_failed"));
	EXPECT_EQ(0, jnum(self->j, "result"));
	EXPECT_EQ(NR - stuck, count_on(self->pid, self->in.ramfs, NR, to));
}

/*
 * The dirty ramfs pages cannot move (-EINVAL): done, but exit 3 — for
 * those on node 0, where the target's CPU faulted them in (they cannot be
 * moved there first).
 */
TEST_F(cmd, migrate_there_and_back)
{
	int stuck = self->in.ramfs ? count_on(self->pid, self->in.ramfs, NR, 0) : 0;
	int partial = stuck ? 3 : 0;

	res_free(&self->r);
	ASSERT_EQ(partial, RUN(&self->r, "migrate", "--json", self->pid_s, "0", "1"));
	JSON(self);
	EXPECT_EQ(stuck, jnum(self->j, "failed"));
	EXPECT_EQ(stuck, jnum(self->j, "pairs.0.failed"));
	if (partial)
		EXPECT_EQ(stuck, jnum(self->j, RAMFS_ERR("errors.")));
	EXPECT_STREQ("migrate", jstr(self->j, "command"));
	EXPECT_EQ(0, jnum(self->j, "from.0"));
	EXPECT_EQ(1, jnum(self->j, "to.0"));
	EXPECT_EQ(0, jnum(self->j, "pairs.0.from"));
	EXPECT_EQ(1, jnum(self->j, "pairs.0.to"));
	EXPECT_LE(NA + NF + NH, jnum(self->j, "pairs.0.moved"));
	EXPECT_EQ(jnum(self->j, "moved"), jnum(self->j, "nr_moved"));
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 1));
	EXPECT_EQ(NF, count_on(self->pid, self->in.file, NF, 1));
	EXPECT_EQ(NH, count_on(self->pid, self->in.heap, NH, 1));

	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "migrate", self->pid_s, "1", "0"))
		TH_LOG("out: %s\nerr: %s", self->r.out, self->r.err);
	HAS(self->r.out, "1 -> 0: found ");
	HAS(self->r.out, ", failed 0");	/* shared pages (vdso, text) are not failures */
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 0));
	EXPECT_EQ(NF, count_on(self->pid, self->in.file, NF, 0));
	EXPECT_EQ(NH, count_on(self->pid, self->in.heap, NH, 0));

	/* Lists: pairwise, and one TO node for all. */
	res_free(&self->r);
	ASSERT_EQ(partial, RUN(&self->r, "migrate", "--json", self->pid_s, "0,1", "1,2"));
	JSON(self);
	EXPECT_EQ(2, jlen(self->j, "pairs"));
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 1));
	res_free(&self->r);
	ASSERT_EQ(partial, RUN(&self->r, "migrate", self->pid_s, "0-1", "2"));
	if (partial)
		HAS(self->r.out, "0 -> 2: found ");
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 2));
	EXPECT_EQ(NH, count_on(self->pid, self->in.heap, NH, 2));
}

/* show's numbers are the kernel's own move_pages(2) answers, summed. */
TEST_F(cmd, show_matches_move_pages)
{
	unsigned long per_node[4] = { 0 }, total = 0;
	static void *pages[8192];
	static int status[8192];
	struct jv *m;
	char line[256], *p;
	int i, n, k;

	/* Spread them: anon on 1, the file on 2. */
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", self->pid_s, "--map", self->in.path, "2"));
	res_free(&self->r);
	span(line, self->in.anon, NA);
	ASSERT_EQ(0, RUN(&self->r, "move", self->pid_s, "--range", line, "1"));

	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "show", "--json", self->pid_s));
	JSON(self);
	EXPECT_STREQ("show", jstr(self->j, "command"));
	ASSERT_LT(3, jlen(self->j, "mappings"));
	for (m = jget(self->j, "mappings")->kids; m; m = m->next) {
		unsigned long start = strtoul(jstr(m, "start"), NULL, 16);
		unsigned long end = strtoul(jstr(m, "end"), NULL, 16);
		unsigned long want[4] = { 0 };

		n = (end - start) / PM_PAGE;
		EXPECT_EQ(n, jnum(m, "pages"));
		if (n > 8192)
			continue;
		for (i = 0; i < n; i++)
			pages[i] = (void *)(start + i * PM_PAGE);
		ASSERT_EQ(0, pm_sys_move_pages(self->pid, n, pages, NULL, status, 0));
		for (i = 0; i < n; i++)
			if (status[i] >= 0 && status[i] < 4)
				want[status[i]]++;
		for (k = 0; k < 4; k++) {
			char key[16];
			double got;

			snprintf(key, sizeof(key), "nodes.%d", k);
			got = jnum(m, key);
			if (got < 0)
				got = 0;
			if (got != want[k])
				TH_LOG("%s %s node %d: show %.0f, move_pages %lu", jstr(m, "start"),
				       jstr(m, "name"), k, got, want[k]);
			EXPECT_EQ(want[k], got);
			per_node[k] += want[k];
			total += want[k];
		}
		if (!strcmp(jstr(m, "name"), self->in.path))
			EXPECT_EQ(NF, jnum(m, "nodes.2"));
	}
	for (k = 0; k < 3; k++) {
		char key[32];

		snprintf(key, sizeof(key), "per_node.%d.pages", k);
		EXPECT_EQ(per_node[k], jnum(self->j, key));
	}
	EXPECT_EQ(total, jnum(self->j, "total.pages"));
	EXPECT_LE(NA, jnum(self->j, "per_node.1.pages"));
	EXPECT_LE(NF, jnum(self->j, "per_node.2.pages"));

	/* The text: a histogram line for the file, numastat -p's Total row. */
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "maps", self->pid_s));
	snprintf(line, sizeof(line), " rw-s %8d pages N2=8  %s\n", NF, self->in.path);
	HAS(self->r.out, line);
	snprintf(line, sizeof(line), "Per-node process memory usage (in MiBs) for PID %d", self->pid);
	HAS(self->r.out, line);
	p = strstr(self->r.out, "\nTotal ");
	ASSERT_NE(NULL, p);
	p += 7;
	for (k = 0; k < 4; k++) {	/* nodes 0-2 (with memory), then the sum */
		double mib = (k < 3 ? per_node[k] : total) * PM_PAGE / 1048576.0;
		double got = strtod(p, &p);

		EXPECT_GT(0.006, got > mib ? got - mib : mib - got);
	}
}

TEST_F(cmd, bad_arguments_exit_2)
{
	char rng[64], hole[64];
	static const struct {
		const char *args[6];
		const char *msg;
	} cases[] = {
		{ { "query", "abc", "1000" }, "bad pid 'abc'" },
		{ { "show", "-5" }, "bad pid '-5'" },
		{ { "show", "999999999" }, "pid 999999999: No such process" },
		{ { "migrate", "999999999", "0", "1" }, "pid 999999999: No such process" },
		{ { "move", "PID", "7", "RNG" }, "bad node '7'" },
		{ { "move", "PID", "-1", "RNG" }, "bad node '-1'" },
		{ { "move", "PID", "--range", "RNG", "7" }, "bad node '7'" },
		{ { "migrate", "PID", "0", "7" }, "bad node '7'" },
		{ { "migrate", "PID", "0,-1", "1" }, "bad node list '0,-1'" },
		{ { "migrate", "PID", "0", "1,2" }, "1 from-nodes but 2 to-nodes" },
		{ { "move", "PID", "--range", "zz", "1" }, "bad range 'zz'" },
		{ { "move", "PID", "--range", "2000-1000", "1" }, "bad range '2000-1000'" },
		{ { "move", "PID", "--range", "HOLE", "1" }, "has no mapping there" },
		{ { "move", "PID", "1", "xyz" }, "bad address or range 'xyz'" },
		{ { "move", "PID", "--map", "nonexistent", "1" }, "has no mapping named 'nonexistent'" },
		{ { "show", "--bogus", "PID" }, "unknown option '--bogus'" },
		{ { "frobnicate" }, "invalid subcommand 'frobnicate'" },
	};
	size_t c;
	int i;

	span(rng, self->in.anon, NA);
	span(hole, self->in.hole, 1);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *argv[8] = { tool };

		for (i = 0; i < 6 && cases[c].args[i]; i++) {
			const char *a = cases[c].args[i];

			argv[i + 1] = (char *)(!strcmp(a, "PID") ? self->pid_s :
					       !strcmp(a, "RNG") ? rng :
					       !strcmp(a, "HOLE") ? hole : a);
		}
		res_free(&self->r);
		EXPECT_EQ(2, run_tool(&self->r, false, false, argv));
		HAS(self->r.err, cases[c].msg);
		EXPECT_EQ(0, strncmp(self->r.err, "pagemove: ", 10) &&
			     strncmp(self->r.err, "Usage: ", 7));
	}
	/* A node without memory, when the topology has one (node3 in the guests). */
	if (!access("/sys/devices/system/node/node3", F_OK) &&
	    !(pm_read_nodemask("has_memory") & 8)) {
		res_free(&self->r);
		EXPECT_EQ(2, RUN(&self->r, "move", self->pid_s, "3", rng));
		HAS(self->r.err, "node 3 has no memory");
	}
	/* --json: the failure is a document too. */
	res_free(&self->r);
	EXPECT_EQ(2, RUN(&self->r, "move", "--json", self->pid_s, "--map", "nonexistent", "1"));
	JSON(self);
	EXPECT_STREQ("move", jstr(self->j, "command"));
	EXPECT_EQ(2, jnum(self->j, "error.exit"));
	HAS(jstr(self->j, "error.message"), "no mapping named 'nonexistent'");
	res_free(&self->r);
	EXPECT_EQ(2, RUN(&self->r, "query", "--json", "999999999", "1000"));
	JSON(self);
	EXPECT_STREQ("ESRCH", jstr(self->j, "error.errno"));
	/* --json before the subcommand, and a document for a bad subcommand. */
	res_free(&self->r);
	EXPECT_EQ(2, RUN(&self->r, "--json", "show", "999999999"));
	JSON(self);
	EXPECT_STREQ("show", jstr(self->j, "command"));
	EXPECT_STREQ("ESRCH", jstr(self->j, "error.errno"));
	res_free(&self->r);
	EXPECT_EQ(2, RUN(&self->r, "frobnicate", "--json"));
	JSON(self);
	EXPECT_EQ(2, jnum(self->j, "error.exit"));
	HAS(jstr(self->j, "error.message"), "invalid subcommand 'frobnicate'");
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 0));	/* nothing moved */
}

TEST_F(cmd, refused_as_nobody_exit_1)
{
	res_free(&self->r);
	EXPECT_EQ(1, RUN_NOBODY(&self->r, "query", "1", "400000"));
	HAS(self->r.err, "pagemove: pid 1: Operation not permitted (reading another user's pages needs ptrace access)");
	res_free(&self->r);
	EXPECT_EQ(1, RUN_NOBODY(&self->r, "move", "1", "1", "400000"));
	HAS(self->r.err, "pagemove: pid 1: Operation not permitted (moving another user's pages needs ptrace access)");
	res_free(&self->r);
	EXPECT_EQ(1, RUN_NOBODY(&self->r, "move", self->pid_s, "--map", "[heap]", "1"));
	HAS(self->r.err, "needs ptrace access");
	res_free(&self->r);
	EXPECT_EQ(1, RUN_NOBODY(&self->r, "migrate", "1", "0", "1"));
	HAS(self->r.err, "pid 1: Permission denied (reading another user's mappings needs ptrace access)");
	res_free(&self->r);
	EXPECT_EQ(1, RUN_NOBODY(&self->r, "show", "--json", "1"));
	JSON(self);
	EXPECT_EQ(1, jnum(self->j, "error.exit"));
	EXPECT_STREQ("EACCES", jstr(self->j, "error.errno"));
	/* Its own pages, but --all: CAP_SYS_NICE, said so. */
	res_free(&self->r);
	EXPECT_EQ(1, RUN_NOBODY(&self->r, "migrate", "--all", "0", "0,1", "2"));
	HAS(self->r.err, "Operation not permitted (--all moves shared pages too: PAGEMOVE_MF_MOVE_ALL needs CAP_SYS_NICE)");
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 0));
}

/* A long scan: a progress line on a terminal, cleared; nothing on a pipe. */
TEST_F(cmd, progress_only_on_a_terminal)
{
	char *last, rng[64];

	restart_target(_metadata, self, "big");

	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "show", self->pid_s));
	EXPECT_EQ(0, self->r.elen);
	HAS(self->r.out, " 70000 pages absent=70000\n");

	res_free(&self->r);
	ASSERT_EQ(0, RUN_TTY(&self->r, "show", self->pid_s));
	HAS(self->r.err, "\rpagemove: show: ");
	HAS(self->r.err, " pages (");
	/* Ends by overwriting the line with blanks and going back. */
	ASSERT_LT(2, self->r.elen);
	EXPECT_EQ('\r', self->r.err[self->r.elen - 1]);
	self->r.err[self->r.elen - 1] = '\0';
	last = strrchr(self->r.err, '\r');
	ASSERT_NE(NULL, last);
	EXPECT_EQ(strlen(last + 1), strspn(last + 1, " "));
	EXPECT_LT(10, strlen(last + 1));

	/* A long move and a long migrate: the same line, only on a terminal. */
	span(rng, self->in.big, NBIG);
	res_free(&self->r);
	ASSERT_EQ(0, RUN(&self->r, "move", self->pid_s, "--range", rng, "1"));
	EXPECT_EQ(0, self->r.elen);
	HAS(self->r.out, "statuses: ENOENT=70000\n");
	res_free(&self->r);
	ASSERT_EQ(0, RUN_TTY(&self->r, "move", self->pid_s, "--range", rng, "1"));
	HAS(self->r.err, "\rpagemove: move: 65536/70000 pages (93%)");
	HAS(self->r.err, "\rpagemove: move: 70000/70000 pages (100%)");
	ASSERT_LT(2, self->r.elen);
	EXPECT_EQ('\r', self->r.err[self->r.elen - 1]);
	res_free(&self->r);
	ASSERT_EQ(self->in.ramfs ? 3 : 0, RUN(&self->r, "migrate", self->pid_s, "0", "1"));
	EXPECT_EQ(0, self->r.elen);
	res_free(&self->r);
	ASSERT_EQ(0, RUN_TTY(&self->r, "migrate", self->pid_s, "1", "0"));
	HAS(self->r.err, "\rpagemove: migrate: ");
	ASSERT_LT(2, self->r.elen);
	EXPECT_EQ('\r', self->r.err[self->r.elen - 1]);
	EXPECT_EQ(NA, count_on(self->pid, self->in.anon, NA, 0));
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--pm-target"))
		return target_main(argc, argv);
	return test_harness_run(argc, argv);
}
