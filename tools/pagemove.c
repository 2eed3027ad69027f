// SPDX-License-Identifier: GPL-2.0
/* pagemove: query and move the pages of a process through /dev/pagemove. */

/*
 * Exit status (every subcommand):
 *   0  success
 *   1  the request failed or was refused; the errno is named on stderr
 *   2  bad usage or argument: pid, node, node list, range, mapping name
 *   3  done, but some pages could not be moved (move, migrate): a page asked
 *      to move ended neither on its target node nor absent (-ENOENT) nor
 *      shared without --all (-EACCES: out of scope, as for migratepages)
 *
 * --json prints exactly one JSON document (one line) on stdout, also when
 * the command fails. Addresses are strings ("0x7f...") because a JSON
 * number is a double in most readers and loses the low bits of a 64-bit
 * address. "nodes" objects map a node number (as a string key) to a count
 * of pages; "errors" objects map an errno name ("EBUSY") to a count of
 * pages with that negative status ("other" for an errno without a name).
 *
 * Every document: "command" (the subcommand: "query", "move", "migrate",
 * "show"; "maps" reports as "show"), "pid" (as given; 0 is pagemove itself).
 *
 * Failure (exit 1 or 2, any subcommand): "command", "error": {"exit": 1|2,
 *   "errno": "EPERM" or null, "message": the text also printed on stderr}.
 *
 * query: "pid", "entries": [{"addr", "status": node or -errno, "error":
 *   errno name, only when status < 0}], "nodes", "errors", "nr_in_place",
 *   "nr_failed" (the kernel's summary, summed over batches).
 *
 * move: "pid", "node" (target), "mode": "default"|"compat", "move_all",
 *   "select": "addresses"|"range"|"map", "range": "START-END" (range form),
 *   "map": name (map form), "mappings" (VMAs the range or name selected),
 *   "pages" (pages selected inside those mappings), "unmapped" (pages of
 *   the range outside any mapping: not asked), "not_asked": {"nodes": {},
 *   "errors": {}} (map form, and range form with --compat: the query found
 *   no page there, so the module was not asked to move it), "asked"
 *   (entries passed to the module in move mode), "statuses": {"nodes",
 *   "errors", "unwritten"} (final status of every asked entry; unwritten:
 *   compat mode left the entry alone), "moved" (asked entries now on the
 *   target node), "shared" (-EACCES without --all: not moved, not a
 *   failure), "failed" (asked entries neither on the target, nor -ENOENT,
 *   nor shared: exit 3 if > 0), "nr_moved", "nr_in_place", "nr_failed"
 *   (the kernel's summary, summed over batches), "result" (default mode: 0,
 *   or -2 (-ENOENT) when no batch needed moving anything; compat mode: the
 *   sum of the positive returns; null when no call was made), "entries"
 *   (address form only, as query).
 *
 *   The range form in default mode (no --compat) asks no query first: each
 *   piece of the range inside one mapping goes to the module as
 *   PAGEMOVE_MOVE_RANGE calls of at most 65536 pages, without per-page
 *   arrays, and the fields come from the calls' per-status counts. So there:
 *   "asked" equals "pages" (every page of the mappings is asked, present or
 *   not); "not_asked" is always empty; "statuses" counts every page of the
 *   mappings (ENOENT: no page there; EFAULT: the zero page, or a mapping that
 *   cannot migrate such as [vvar]); "moved" is nr_moved + nr_in_place;
 *   "failed" leaves out -ENOENT and -EFAULT too (pages the query-first path
 *   never asked about, so the exit status is what it was); "nr_failed" is
 *   the sum of the per-errno counts; "result" is a call's (null only when no
 *   call was made). The text's "present" (pages not -ENOENT or -EFAULT)
 *   means what it did; its "not asked:" line is gone, those pages are in
 *   "statuses:" (absent ones as ENOENT=).
 *
 * migrate: "pid", "move_all", "from": [nodes], "to": [nodes], "mappings",
 *   "pages_scanned", "pages_found" (on a FROM node with a different TO),
 *   "pairs": [{"from", "to", "found", "moved", "shared", "failed",
 *   "errors"}], "errors" (all pairs), "moved", "shared", "failed" (exit 3
 *   when > 0; as move), "nr_moved",
 *   "nr_in_place", "nr_failed", "result" (as move).
 *
 * show: "pid", "comm", "page_size", "mappings": [{"start", "end" (exclusive),
 *   "perms", "name" ("" for anonymous), "pages", "nodes", "absent" (-ENOENT:
 *   never touched, swapped out, file page not mapped), "errors" (other
 *   statuses: -EFAULT for the zero page, VM_IO/VM_PFNMAP, ...)}],
 *   "per_node": {"N": {"pages", "heap", "stack", "private" (pages; as in
 *   numastat -p: [heap], [stack], everything else), "mib"}}, "total":
 *   {"pages", "heap", "stack", "private", "mib", "absent"}. per_node lists
 *   every node with memory and any other node a page was found on.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pagemove.h"

#ifndef PAGEMOVE_VERSION
#error "PAGEMOVE_VERSION comes from the Makefile (kmod/main.c's version)"
#endif

#define PM_BATCH	65536		/* entries per ioctl, well below max_pages (1048576) */
#define PM_PROGRESS	65536		/* longer runs show progress on a terminal */
#define PM_UNWRITTEN	INT_MIN		/* compat mode may leave a status alone */
#define PM_MAXNODES	1024		/* MAX_NUMNODES at its largest (NODES_SHIFT 10) */
#define PM_NERR		134		/* errno values tallied one by one; 0: larger */

enum { PM_EXIT_OK, PM_EXIT_FAILED, PM_EXIT_USAGE, PM_EXIT_PARTIAL };

static const char *prog = "pagemove";
static const char *cmd = "";		/* the subcommand, for JSON documents */
static unsigned long page_size;
static bool json;			/* --json: one document on stdout */
static bool doc_done;			/* that document was printed */

static void usage(FILE *f);

/* ---- JSON writer: one line, commas placed by nesting level ---- */

static struct {
	int depth;
	bool first[16];
} jw;

static void jw_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void jw_sep(const char *key)
{
	if (jw.depth && !jw.first[jw.depth])
		putchar(',');
	jw.first[jw.depth] = false;
	if (key) {
		jw_string(key);
		putchar(':');
	}
}

static void jw_open(const char *key, char c)
{
	jw_sep(key);
	putchar(c);
	jw.first[++jw.depth] = true;
}

static void jw_close(char c)
{
	putchar(c);
	if (--jw.depth == 0) {
		putchar('\n');
		doc_done = true;
	}
}

static void jw_u64(const char *key, uint64_t v)
{
	jw_sep(key);
	printf("%" PRIu64, v);
}

static void jw_int(const char *key, long v)
{
	jw_sep(key);
	printf("%ld", v);
}

static void jw_mib(const char *key, uint64_t pages)
{
	jw_sep(key);
	printf("%.2f", (double)pages * page_size / (1024.0 * 1024.0));
}

static void jw_str(const char *key, const char *v)
{
	jw_sep(key);
	jw_string(v);
}

static void jw_bool(const char *key, bool v)
{
	jw_sep(key);
	fputs(v ? "true" : "false", stdout);
}

static void jw_null(const char *key)
{
	jw_sep(key);
	fputs("null", stdout);
}

static void jw_addr(const char *key, uint64_t a)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, a);
	jw_str(key, buf);
}

/* ---- progress on a terminal, errors ---- */

struct progress {
	const char *what;
	uint64_t total, done;
	bool on;
	int len;
};

static struct progress *progress_now;	/* cleared before any message */

static void progress_start(struct progress *p, const char *what, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->total = total;
	/* Only a person watching a terminal wants it; logs and pipes do not. */
	p->on = total > PM_PROGRESS && isatty(STDERR_FILENO);
	progress_now = p;
}

static void progress_add(struct progress *p, uint64_t n)
{
	int len;

	if (!p)
		return;
	p->done += n;
	if (!p->on)
		return;
	len = fprintf(stderr, "\r%s: %s: %" PRIu64 "/%" PRIu64 " pages (%" PRIu64 "%%)",
		      prog, p->what, p->done, p->total,
		      p->total ? p->done * 100 / p->total : 100);
	if (len < p->len)	/* a shorter line leaves the old tail: blank it */
		fprintf(stderr, "%*s", p->len - len, "");
	if (len > p->len)
		p->len = len;
	fflush(stderr);
}

static void progress_end(void)
{
	struct progress *p = progress_now;

	progress_now = NULL;
	if (p && p->on && p->len) {
		fprintf(stderr, "\r%*s\r", p->len, "");
		fflush(stderr);
	}
}

static const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "other";
}

/*
 * The one way out with a message: stderr for people, and with --json the
 * error document, so stdout always holds one document. Returns @code.
 */
static int __attribute__((format(printf, 3, 4)))
complain(int code, int err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	progress_end();
	fprintf(stderr, "%s: %s\n", prog, msg);
	if (json && !doc_done) {
		jw.depth = 0;
		jw_open(NULL, '{');
		jw_str("command", cmd);
		jw_open("error", '{');
		jw_int("exit", code);
		if (err)
			jw_str("errno", errname(err));
		else
			jw_null("errno");
		jw_str("message", msg);
		jw_close('}');
		jw_close('}');
	}
	return code;
}

static int bad_usage(const char *what)
{
	usage(stderr);
	fputc('\n', stderr);
	return complain(PM_EXIT_USAGE, 0, "%s: %s", cmd, what);
}

/*
 * A refused or failed request on @pid, with the reason people need:
 * ESRCH, EINVAL (no mm) and ENODEV (a node) are bad arguments, the rest
 * failures. @move: the request moved (its EPERM is about ptrace or, with
 * --all, CAP_SYS_NICE); @access_ok: a query of the same pid already passed
 * the ptrace check, so an EPERM can only be MOVE_ALL's.
 */
static int pid_error(int pid, int err, bool move, bool all, bool access_ok)
{
	const char *why = "", *s = strerror(err);

	switch (err) {
	case ESRCH:
	case ENOENT:
		return complain(PM_EXIT_USAGE, ESRCH, "pid %d: %s", pid, strerror(ESRCH));
	case EINVAL:
		return complain(PM_EXIT_USAGE, err,
				"pid %d: %s (a kernel thread or an exiting process has no pages)",
				pid, s);
	case ENODEV:
		return complain(PM_EXIT_USAGE, err,
				"pid %d: %s (a target node is out of range or has no memory)", pid, s);
	case EPERM:
		if (all && access_ok)
			why = " (--all moves shared pages too: PAGEMOVE_MF_MOVE_ALL needs CAP_SYS_NICE)";
		else if (move)
			why = all ? " (moving another user's pages needs ptrace access; --all also needs CAP_SYS_NICE)"
				  : " (moving another user's pages needs ptrace access)";
		else
			why = " (reading another user's pages needs ptrace access)";
		break;
	case EACCES:
		why = move && access_ok ? " (a target node is outside the process's cpuset mems)"
					: " (reading another user's mappings needs ptrace access)";
		break;
	case E2BIG:
		why = " (more entries than the module's max_pages)";
		break;
	case ENOMEM:
		why = " (the module could not allocate its working memory)";
		break;
	}
	return complain(PM_EXIT_FAILED, err, "pid %d: %s%s", pid, s, why);
}

/* ---- arguments ---- */

struct nodemask {
	uint64_t bits[PM_MAXNODES / 64];
	bool known;
};

static struct nodemask possible_nodes, memory_nodes;

static bool mask_test(const struct nodemask *m, int n)
{
	return n >= 0 && n < PM_MAXNODES && (m->bits[n / 64] >> (n % 64) & 1);
}

/* A sysfs node list ("0-2,4"); unknown (no sysfs) lets the module decide. */
static void read_nodemask(const char *file, struct nodemask *m)
{
	char path[128], buf[4096], *p;
	FILE *f;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "/sys/devices/system/node/%s", file);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		m->known = true;
		for (p = buf; isdigit((unsigned char)*p);) {
			long a = strtol(p, &p, 10), b = a;

			if (*p == '-')
				b = strtol(p + 1, &p, 10);
			for (; a <= b && a < PM_MAXNODES; a++)
				m->bits[a / 64] |= 1ULL << (a % 64);
			if (*p == ',')
				p++;
		}
	}
	fclose(f);
}

static const char *mask_str(const struct nodemask *m, char *buf, size_t size)
{
	size_t len = 0;
	int a, b;

	buf[0] = '\0';
	for (a = 0; a < PM_MAXNODES && len < size; a = b + 1) {
		if (!mask_test(m, a)) {
			b = a;
			continue;
		}
		for (b = a; mask_test(m, b + 1); b++)
			;
		len += snprintf(buf + len, size - len, "%s%d", len ? "," : "", a);
		if (b > a && len < size)
			len += snprintf(buf + len, size - len, "-%d", b);
	}
	return buf;
}

/* 0 or an exit code after saying which node is wrong and what would do. */
static int check_node(const char *arg, long node, bool need_memory)
{
	const struct nodemask *m = need_memory ? &memory_nodes : &possible_nodes;
	char buf[256];

	if (node >= 0 && node < PM_MAXNODES && (!m->known || mask_test(m, (int)node)))
		return 0;
	if (!m->known)
		return complain(PM_EXIT_USAGE, 0, "bad node '%s'", arg);
	if (need_memory && mask_test(&possible_nodes, (int)node))
		return complain(PM_EXIT_USAGE, 0, "bad node '%s': node %ld has no memory (nodes with memory: %s)",
				arg, node, mask_str(m, buf, sizeof(buf)));
	return complain(PM_EXIT_USAGE, 0, "bad node '%s' (%s: %s)", arg,
			need_memory ? "nodes with memory" : "nodes",
			mask_str(m, buf, sizeof(buf)));
}

static int parse_node(const char *s, int *node)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!isdigit((unsigned char)*s) || errno || *end)
		v = -1;
	if (check_node(s, v, true))
		return PM_EXIT_USAGE;
	*node = (int)v;
	return 0;
}

/* "0", "0,2", "1-3": nodes in the order written, each once. */
static int parse_nodelist(const char *s, bool need_memory, int *out, int *nr)
{
	const char *p = s;
	char *end;
	long a, b;
	int i;

	*nr = 0;
	for (;;) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		errno = 0;
		a = b = strtol(p, &end, 10);
		if (*end == '-') {
			p = end + 1;
			if (!isdigit((unsigned char)*p))
				goto bad;
			b = strtol(p, &end, 10);
		}
		if (errno || b < a || (*end && *end != ','))
			goto bad;
		for (; a <= b; a++) {
			char arg[32];

			snprintf(arg, sizeof(arg), "%ld", a);
			if (check_node(arg, a, need_memory))
				return PM_EXIT_USAGE;
			for (i = 0; i < *nr; i++)
				if (out[i] == a)
					return complain(PM_EXIT_USAGE, 0,
							"node list '%s' names node %ld twice", s, a);
			out[(*nr)++] = (int)a;
		}
		if (!*end)
			return 0;
		p = end + 1;
	}
bad:
	return complain(PM_EXIT_USAGE, 0, "bad node list '%s' (like 0, 0,2 or 0-1)", s);
}

static int parse_pid(const char *s, int *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!isdigit((unsigned char)*s) || errno || *end || v > INT_MAX)
		return complain(PM_EXIT_USAGE, 0, "bad pid '%s'", s);
	*pid = (int)v;
	return 0;
}

/* START-END or, with @single, also ADDR: hexadecimal, 0x optional. */
static bool parse_span(const char *s, bool single, uint64_t *start, uint64_t *end)
{
	const char *t;
	char *e;

	if (!isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	*start = strtoull(s, &e, 16);
	if (errno || (*e && *e != '-'))
		return false;
	if (!*e) {
		*end = *start + 1;
		return single;
	}
	t = e + 1;
	if (!isxdigit((unsigned char)*t))
		return false;
	*end = strtoull(t, &e, 16);
	return !errno && !*e && *end > *start;
}

struct opts {
	bool compat, all;
	const char *range, *map;
};

#define OPT_COMPAT	1U
#define OPT_ALL		2U
#define OPT_SELECT	4U	/* --range, --map */

/*
 * Options may come anywhere before "--" (`move PID --range R NODE`);
 * the positional arguments are packed to the front of @argv.
 */
static int parse_opts(int *argc, char **argv, unsigned int allowed, struct opts *o)
{
	bool end = false;
	int i, n = 0;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < *argc; i++) {
		char *a = argv[i];

		if (end || a[0] != '-' || a[1] != '-') {
			argv[n++] = a;
		} else if (!strcmp(a, "--")) {
			end = true;
		} else if (!strcmp(a, "--json")) {
			/* already seen by main() */
		} else if ((allowed & OPT_COMPAT) && !strcmp(a, "--compat")) {
			o->compat = true;
		} else if ((allowed & OPT_ALL) && !strcmp(a, "--all")) {
			o->all = true;
		} else if ((allowed & OPT_SELECT) &&
			   (!strcmp(a, "--range") || !strcmp(a, "--map"))) {
			if (i + 1 >= *argc)
				return complain(PM_EXIT_USAGE, 0, "%s needs an argument", a);
			if (o->range || o->map)
				return complain(PM_EXIT_USAGE, 0, "give one --range or one --map");
			if (a[2] == 'r')
				o->range = argv[++i];
			else
				o->map = argv[++i];
		} else {
			return complain(PM_EXIT_USAGE, 0, "%s: unknown option '%s'", cmd, a);
		}
	}
	*argc = n;
	return 0;
}

/* ---- pages, statuses, mappings ---- */

struct pages {
	uint64_t *addr;
	size_t nr, cap;
};

static int pages_add(struct pages *p, uint64_t addr)
{
	if (p->nr == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		uint64_t *a = realloc(p->addr, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		p->addr = a;
		p->cap = cap;
	}
	p->addr[p->nr++] = addr;
	return 0;
}

/* ADDR[-END] arguments, END exclusive, split into pages (aligned down). */
static int parse_ranges(int argc, char **argv, struct pages *p)
{
	uint64_t start, end;
	int i;

	for (i = 0; i < argc; i++) {
		if (!parse_span(argv[i], true, &start, &end))
			return complain(PM_EXIT_USAGE, 0,
					"bad address or range '%s' (ADDR or START-END, hexadecimal, END excluded)",
					argv[i]);
		for (start &= ~(uint64_t)(page_size - 1); start < end; start += page_size) {
			if (pages_add(p, start))
				return complain(PM_EXIT_FAILED, ENOMEM, "address list: %s",
						strerror(ENOMEM));
			if (start + page_size < start)
				break;	/* the top page of the address space */
		}
	}
	return 0;
}

/* Statuses by outcome: node, errno, or left unwritten (compat mode). */
struct counts {
	uint64_t node[PM_MAXNODES];
	uint64_t err[PM_NERR];
	uint64_t unwritten;
};

static void counts_add(struct counts *c, int status, uint64_t n)
{
	if (status == PM_UNWRITTEN)
		c->unwritten += n;
	else if (status >= PM_MAXNODES)
		c->err[0] += n;		/* no such node: cannot happen */
	else if (status >= 0)
		c->node[status] += n;
	else
		c->err[-status < PM_NERR ? -status : 0] += n;
}

/* " N1=30 absent=2 EBUSY=1": @absent names -ENOENT "absent". */
static void print_counts(const struct counts *c, bool absent)
{
	int i;

	for (i = 0; i < PM_MAXNODES; i++)
		if (c->node[i])
			printf(" N%d=%" PRIu64, i, c->node[i]);
	for (i = 1; i < PM_NERR; i++)
		if (c->err[i])
			printf(" %s=%" PRIu64, absent && i == ENOENT ? "absent" : errname(i),
			       c->err[i]);
	if (c->err[0])
		printf(" other=%" PRIu64, c->err[0]);
	if (c->unwritten)
		printf(" unwritten=%" PRIu64, c->unwritten);
}

static void jw_nodes(const char *key, const struct counts *c)
{
	char k[16];
	int i;

	jw_open(key, '{');
	for (i = 0; i < PM_MAXNODES; i++) {
		if (!c->node[i])
			continue;
		snprintf(k, sizeof(k), "%d", i);
		jw_u64(k, c->node[i]);
	}
	jw_close('}');
}

static void jw_errors(const char *key, const struct counts *c, bool skip_enoent)
{
	int i;

	jw_open(key, '{');
	for (i = 1; i < PM_NERR; i++)
		if (c->err[i] && !(skip_enoent && i == ENOENT))
			jw_u64(errname(i), c->err[i]);
	if (c->err[0])
		jw_u64("other", c->err[0]);
	jw_close('}');
}

static void jw_entries(const uint64_t *addr, const int *status, size_t nr)
{
	size_t i;

	jw_open("entries", '[');
	for (i = 0; i < nr; i++) {
		jw_open(NULL, '{');
		jw_addr("addr", addr[i]);
		if (status[i] == PM_UNWRITTEN) {
			jw_null("status");
		} else {
			jw_int("status", status[i]);
			if (status[i] < 0)
				jw_str("error", errname(-status[i]));
		}
		jw_close('}');
	}
	jw_close(']');
}

/* A status as the user reads it: the node, or the errno's name. */
static const char *status_name(int status, char *buf, size_t size)
{
	if (status == PM_UNWRITTEN)
		return "(unwritten)";
	if (status >= 0) {
		snprintf(buf, size, "node %d", status);
		return buf;
	}
	if (strerrorname_np(-status))
		return strerrorname_np(-status);
	snprintf(buf, size, "error %d", status);
	return buf;
}

struct vma {
	uint64_t start, end;
	char perms[8];
	char *name;
};

struct maps {
	struct vma *v;
	size_t nr;
};

static void maps_free(struct maps *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		free(m->v[i].name);
	free(m->v);
}

/* /proc/PID/maps as a list: 0 or -errno (EACCES: no ptrace access). */
static int read_maps(int pid, struct maps *m)
{
	char path[64], *line = NULL;
	size_t len = 0, cap = 0;
	unsigned long long s, e;
	struct vma *v;
	int off, err = 0;
	FILE *f;

	memset(m, 0, sizeof(*m));
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/maps");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &len, f) > 0) {
		char perms[8];
		char *name;

		off = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s%n", &s, &e, perms, &off) < 3 || !off)
			continue;
		name = line + off;
		name += strspn(name, " ");
		name[strcspn(name, "\n")] = '\0';
		if (m->nr == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(m->v, cap * sizeof(*v));
			if (!v) {
				err = -ENOMEM;
				break;
			}
			m->v = v;
		}
		v = &m->v[m->nr];
		v->start = s;
		v->end = e;
		snprintf(v->perms, sizeof(v->perms), "%s", perms);
		v->name = strdup(name);
		if (!v->name) {
			err = -ENOMEM;
			break;
		}
		m->nr++;
	}
	if (!err && ferror(f))
		err = -errno;
	free(line);
	fclose(f);
	if (err)
		maps_free(m);
	return err;
}

static int maps_error(int pid, int err)
{
	if (err == -EACCES || err == -EPERM)
		return complain(PM_EXIT_FAILED, -err,
				"pid %d: %s (reading another user's mappings needs ptrace access)",
				pid, strerror(-err));
	return pid_error(pid, -err, false, false, false);
}

static int open_device(void)
{
	int fd = pagemove_open();
	bool absent = fd == -ENOENT || fd == -ENODEV || fd == -ENXIO;

	if (fd < 0)
		return -complain(PM_EXIT_FAILED, -fd, "cannot open %s: %s%s", PAGEMOVE_DEVICE,
				 strerror(-fd),
				 absent ? " (is the module loaded? modprobe pagemove)" : "");
	return fd;
}

/* ---- the module, in batches ---- */

struct tally {
	uint64_t nr_moved, nr_in_place, nr_failed;
	long result;
	uint64_t calls;
};

/*
 * @nr entries, PM_BATCH per call so every call stays below max_pages.
 * @nodes NULL: a query. Returns 0 or the -errno of the call that refused
 * (earlier batches keep what they did). Default move mode's -ENOENT
 * ("nothing needed moving") comes with statuses: not an error here.
 */
static long run(int fd, int pid, unsigned int flags, const uint64_t *addr,
		const int *nodes, int *status, size_t nr, struct tally *t,
		struct progress *pr)
{
	bool compat = nodes && (flags & PAGEMOVE_F_COMPAT);
	struct pagemove_move req;
	size_t done, n, i;
	long ret;

	for (done = 0; done < nr; done += n) {
		n = nr - done < PM_BATCH ? nr - done : PM_BATCH;
		if (compat)
			for (i = 0; i < n; i++)
				status[done + i] = PM_UNWRITTEN;
		memset(&req, 0, sizeof(req));
		req.flags = nodes ? flags : 0;
		req.pid = pid;
		req.count = n;
		req.pages = (uintptr_t)(addr + done);
		req.nodes = nodes ? (uintptr_t)(nodes + done) : 0;
		req.status = (uintptr_t)(status + done);
		ret = pagemove_move(fd, &req);
		if (ret < 0 && !(nodes && !compat && ret == -ENOENT))
			return ret;
		t->nr_moved += req.nr_moved;
		t->nr_in_place += req.nr_in_place;
		t->nr_failed += req.nr_failed;
		if (compat)
			t->result += ret;
		else if (!t->calls || ret == 0)
			t->result = ret;
		t->calls++;
		progress_add(pr, n);
	}
	return 0;
}

static void jw_tally(const struct tally *t)
{
	jw_u64("nr_moved", t->nr_moved);
	jw_u64("nr_in_place", t->nr_in_place);
	jw_u64("nr_failed", t->nr_failed);
	if (t->calls)
		jw_int("result", t->result);
	else
		jw_null("result");
}

static void print_tally(const struct tally *t)
{
	char buf[32];

	printf("moved %" PRIu64 ", in place %" PRIu64 ", failed %" PRIu64 "\n",
	       t->nr_moved, t->nr_in_place, t->nr_failed);
	if (!t->calls)
		printf("result none (nothing asked)\n");
	else
		printf("result %ld%s%s\n", t->result, t->result < 0 ? " " : "",
		       t->result < 0 ? status_name((int)t->result, buf, sizeof(buf)) : "");
}

/*
 * Shared pages without --all are out of scope, as for migratepages(8)
 * (MPOL_MF_MOVE skips them): reported, never a failure (exit 3).
 */
static bool skipped_shared(int status, unsigned int flags)
{
	return status == -EACCES && !(flags & PAGEMOVE_MF_MOVE_ALL);
}

/* ---- query ---- */

static int cmd_query(int argc, char **argv)
{
	struct counts *c = calloc(1, sizeof(*c));
	struct tally t = { 0 };
	struct pages p = { 0 };
	struct progress pr;
	int *status = NULL;
	int pid, fd, ret;
	struct opts o;
	size_t i;
	char buf[32];
	long err;

	ret = parse_opts(&argc, argv, 0, &o);
	if (ret)
		goto out;
	if (argc < 2) {
		ret = bad_usage("expected PID ADDR[-END]...");
		goto out;
	}
	ret = parse_pid(argv[0], &pid);
	if (!ret)
		ret = parse_ranges(argc - 1, argv + 1, &p);
	if (ret)
		goto out;
	status = calloc(p.nr, sizeof(*status));
	if (!status || !c) {
		ret = complain(PM_EXIT_FAILED, ENOMEM, "status array: %s", strerror(ENOMEM));
		goto out;
	}
	fd = open_device();
	if (fd < 0) {
		ret = -fd;
		goto out;
	}
	progress_start(&pr, "query", p.nr);
	err = run(fd, pid, 0, p.addr, NULL, status, p.nr, &t, &pr);
	close(fd);
	if (err < 0) {
		ret = pid_error(pid, (int)-err, false, false, false);
		goto out;
	}
	progress_end();
	for (i = 0; i < p.nr; i++)
		counts_add(c, status[i], 1);
	if (json) {
		jw_open(NULL, '{');
		jw_str("command", cmd);
		jw_int("pid", pid);
		jw_entries(p.addr, status, p.nr);
		jw_nodes("nodes", c);
		jw_errors("errors", c, false);
		jw_u64("nr_in_place", t.nr_in_place);
		jw_u64("nr_failed", t.nr_failed);
		jw_close('}');
	} else {
		for (i = 0; i < p.nr; i++)
			printf("0x%016" PRIx64 "  %s\n", p.addr[i],
			       status_name(status[i], buf, sizeof(buf)));
	}
	ret = PM_EXIT_OK;
out:
	free(c);
	free(status);
	free(p.addr);
	return ret;
}

/* ---- move and migrate: scan mappings, move what is found ---- */

/* One from -> to pair of migrate; move has one, from -1. */
struct pair {
	int from, to;
	uint64_t found, moved, failed, shared;
	struct counts *c;	/* final statuses of the entries asked */
};

struct scan {
	int fd, pid;
	unsigned int flags;
	bool migrate;
	int target;			/* move: the node */
	short pair_of[PM_MAXNODES];	/* migrate: node -> pair, or -1 */
	struct pair *pairs;
	int npairs;
	uint64_t *qaddr;		/* one query batch */
	int *qstatus;
	uint64_t *maddr;		/* the move batch being filled */
	int *mnode, *mstatus, *mpair;
	size_t mnr;
	struct tally q, t;
	struct counts *not_asked;	/* move: query statuses of pages without one */
	uint64_t scanned, present;
	struct progress pr;
};

static int scan_init(struct scan *s, int npairs)
{
	int i;

	s->qaddr = malloc(PM_BATCH * sizeof(*s->qaddr));
	s->qstatus = malloc(PM_BATCH * sizeof(*s->qstatus));
	s->maddr = malloc(PM_BATCH * sizeof(*s->maddr));
	s->mnode = malloc(PM_BATCH * sizeof(*s->mnode));
	s->mstatus = malloc(PM_BATCH * sizeof(*s->mstatus));
	s->mpair = malloc(PM_BATCH * sizeof(*s->mpair));
	s->not_asked = calloc(1, sizeof(*s->not_asked));
	s->pairs = calloc(npairs, sizeof(*s->pairs));
	if (!s->qaddr || !s->qstatus || !s->maddr || !s->mnode || !s->mstatus ||
	    !s->mpair || !s->not_asked || !s->pairs)
		return -ENOMEM;
	s->npairs = npairs;
	for (i = 0; i < npairs; i++) {
		s->pairs[i].c = calloc(1, sizeof(*s->pairs[i].c));
		if (!s->pairs[i].c)
			return -ENOMEM;
	}
	for (i = 0; i < PM_MAXNODES; i++)
		s->pair_of[i] = -1;
	return 0;
}

static void scan_free(struct scan *s)
{
	int i;

	for (i = 0; s->pairs && i < s->npairs; i++)
		free(s->pairs[i].c);
	free(s->pairs);
	free(s->not_asked);
	free(s->qaddr);
	free(s->qstatus);
	free(s->maddr);
	free(s->mnode);
	free(s->mstatus);
	free(s->mpair);
}

/* Asks the module to move the batch; each entry's outcome goes to its pair. */
static long scan_flush(struct scan *s)
{
	long err;
	size_t i;

	if (!s->mnr)
		return 0;
	err = run(s->fd, s->pid, s->flags, s->maddr, s->mnode, s->mstatus, s->mnr, &s->t, NULL);
	if (err < 0)
		return err;
	for (i = 0; i < s->mnr; i++) {
		struct pair *p = &s->pairs[s->mpair[i]];
		int st = s->mstatus[i];

		counts_add(p->c, st, 1);
		if (st == p->to)
			p->moved++;
		else if (skipped_shared(st, s->flags))
			p->shared++;
		else if (st != -ENOENT)	/* gone since the query: nothing to move */
			p->failed++;
	}
	s->mnr = 0;
	return 0;
}

/*
 * Queries [start, end) and queues for moving each page found where it
 * should move from: only pages that exist are worth the module's time.
 */
static long scan_span(struct scan *s, uint64_t start, uint64_t end)
{
	uint64_t a = start;
	size_t n, i;
	long err;

	while (a < end) {
		n = (end - a) / page_size < PM_BATCH ? (end - a) / page_size : PM_BATCH;
		for (i = 0; i < n; i++)
			s->qaddr[i] = a + i * page_size;
		err = run(s->fd, s->pid, 0, s->qaddr, NULL, s->qstatus, n, &s->q, NULL);
		if (err < 0)
			return err;
		for (i = 0; i < n; i++) {
			int st = s->qstatus[i], k;

			if (st < 0 || st >= PM_MAXNODES) {
				if (!s->migrate)
					counts_add(s->not_asked, st, 1);
				continue;
			}
			s->present++;
			k = s->migrate ? s->pair_of[st] : 0;
			if (k < 0)
				continue;
			s->pairs[k].found++;
			s->maddr[s->mnr] = s->qaddr[i];
			s->mnode[s->mnr] = s->pairs[k].to;
			s->mpair[s->mnr] = k;
			if (++s->mnr == PM_BATCH) {
				err = scan_flush(s);
				if (err < 0)
					return err;
			}
		}
		s->scanned += n;
		progress_add(&s->pr, n);
		a += n * page_size;
	}
	return 0;
}

static int scan_error(struct scan *s, long err, bool all)
{
	/* Every move follows a query of the same pid: ptrace access is fine. */
	return pid_error(s->pid, (int)-err, true, all, s->q.calls > 0);
}

/*
 * The head of move's JSON document, the same for every form: who, to
 * where, how, and how the pages were chosen (@select).
 */
static void jw_move_head(int pid, int node, const struct opts *o, const char *select)
{
	jw_open(NULL, '{');
	jw_str("command", cmd);
	jw_int("pid", pid);
	jw_int("node", node);
	jw_str("mode", o->compat ? "compat" : "default");
	jw_bool("move_all", o->all);
	jw_str("select", select);
}

/* What became of the pages asked: their statuses, the sums, the module's tally. */
static void jw_move_outcome(const struct counts *c, uint64_t moved, uint64_t shared,
			    uint64_t failed, const struct tally *t)
{
	jw_open("statuses", '{');
	jw_nodes("nodes", c);
	jw_errors("errors", c, false);
	jw_u64("unwritten", c->unwritten);
	jw_close('}');
	jw_u64("moved", moved);
	jw_u64("shared", shared);
	jw_u64("failed", failed);
	jw_tally(t);
}

/* The address form: exactly the pages listed, module semantics throughout. */
static int move_addresses(int pid, int node, const struct opts *o, unsigned int flags,
			  int argc, char **argv)
{
	struct counts *c = calloc(1, sizeof(*c));
	int *status = NULL, *nodes = NULL;
	struct pages p = { 0 };
	struct tally t = { 0 };
	uint64_t failed = 0, moved = 0, shared = 0;
	struct progress pr;
	int fd, ret;
	size_t i;
	char buf[32];
	long err;

	ret = parse_ranges(argc, argv, &p);
	if (ret)
		goto out;
	status = malloc(p.nr * sizeof(*status));
	nodes = malloc(p.nr * sizeof(*nodes));
	if (!status || !nodes || !c) {
		ret = complain(PM_EXIT_FAILED, ENOMEM, "status array: %s", strerror(ENOMEM));
		goto out;
	}
	for (i = 0; i < p.nr; i++)
		nodes[i] = node;
	fd = open_device();
	if (fd < 0) {
		ret = -fd;
		goto out;
	}
	progress_start(&pr, "move", p.nr);
	err = run(fd, pid, flags, p.addr, nodes, status, p.nr, &t, &pr);
	if (err == -EPERM && o->all) {
		/* ptrace refused, or only MOVE_ALL? A query tells them apart. */
		struct tally qt = { 0 };
		int st;

		ret = pid_error(pid, EPERM, true, true,
				run(fd, pid, 0, p.addr, NULL, &st, 1, &qt, NULL) == 0);
		close(fd);
		goto out;
	}
	close(fd);
	if (err < 0) {
		ret = pid_error(pid, (int)-err, true, o->all, false);
		goto out;
	}
	progress_end();
	for (i = 0; i < p.nr; i++) {
		counts_add(c, status[i], 1);
		if (status[i] == node)
			moved++;
		else if (skipped_shared(status[i], flags))
			shared++;
		else if (status[i] != -ENOENT)
			failed++;
	}
	if (json) {
		jw_move_head(pid, node, o, "addresses");
		jw_u64("pages", p.nr);
		jw_u64("asked", p.nr);
		jw_move_outcome(c, moved, shared, failed, &t);
		jw_entries(p.addr, status, p.nr);
		jw_close('}');
	} else {
		for (i = 0; i < p.nr; i++)
			printf("0x%016" PRIx64 "  %s\n", p.addr[i],
			       status_name(status[i], buf, sizeof(buf)));
		printf("statuses:");
		print_counts(c, false);
		printf("\n");
		print_tally(&t);
	}
	ret = failed ? PM_EXIT_PARTIAL : PM_EXIT_OK;
out:
	free(c);
	free(nodes);
	free(status);
	free(p.addr);
	return ret;
}

/*
 * The range form in default mode: [start, end) of one mapping to the pair's
 * node with PAGEMOVE_MOVE_RANGE, PM_BATCH pages per call (below max_pages),
 * without a query first and without status arrays: the per-status counts
 * of each call go to the pair. Returns 0 or the -errno of the call that
 * refused (earlier calls keep what they did); -ENOENT ("nothing needed
 * moving") comes with counts: not an error here.
 */
static long range_span(struct scan *s, uint64_t start, uint64_t end)
{
	struct pair *p = &s->pairs[0];
	struct pagemove_range req;
	uint64_t a, n, failed, fault;
	long ret;

	for (a = start; a < end; a += n * page_size) {
		n = (end - a) / page_size < PM_BATCH ? (end - a) / page_size : PM_BATCH;
		memset(&req, 0, sizeof(req));
		req.flags = s->flags;
		req.pid = s->pid;
		req.node = p->to;
		req.start = a;
		req.length = n * page_size;
		ret = pagemove_move_range(s->fd, &req);
		if (ret < 0 && ret != -ENOENT)
			return ret;
		counts_add(p->c, p->to, req.nr_moved + req.nr_in_place);
		counts_add(p->c, -ENOENT, req.nr_enoent);
		counts_add(p->c, -EACCES, req.nr_eacces);
		counts_add(p->c, -EPERM, req.nr_eperm);
		counts_add(p->c, -EBUSY, req.nr_ebusy);
		counts_add(p->c, -EFAULT, req.nr_efault);
		counts_add(p->c, -ENOMEM, req.nr_enomem);
		counts_add(p->c, -EIO, req.nr_eio);
		counts_add(p->c, -EINVAL, req.nr_einval);
		failed = req.nr_eacces + req.nr_eperm + req.nr_ebusy + req.nr_enomem +
			 req.nr_eio + req.nr_einval;
		fault = req.nr_enoent + req.nr_efault;
		p->moved += req.nr_moved + req.nr_in_place;
		if (!(s->flags & PAGEMOVE_MF_MOVE_ALL)) {
			p->shared += req.nr_eacces;
			failed -= req.nr_eacces;
		}
		p->failed += failed;
		p->found += req.nr_pages - fault;	/* a page there, movable or not */
		s->t.nr_moved += req.nr_moved;
		s->t.nr_in_place += req.nr_in_place;
		s->t.nr_failed += fault + req.nr_eacces + req.nr_eperm + req.nr_ebusy +
				  req.nr_enomem + req.nr_eio + req.nr_einval;
		if (!s->t.calls || ret == 0)
			s->t.result = ret;
		s->t.calls++;
		s->scanned += n;
		progress_add(&s->pr, n);
	}
	return 0;
}

/* The range and map forms: the pages of the chosen mappings that exist. */
static int move_selected(int pid, int node, const struct opts *o, unsigned int flags)
{
	uint64_t rstart = 0, rend = 0, pages = 0, unmapped = 0;
	struct scan s = { 0 };
	struct maps m = { 0 };
	size_t i, nmaps = 0;
	/* Default mode's range form: PAGEMOVE_MOVE_RANGE, no query first. */
	bool by_range = o->range && !o->compat;
	uint64_t rstart_page = 0;
	struct pair *p;
	int ret, err;
	long lerr = 0;

	if (o->range && !parse_span(o->range, false, &rstart, &rend))
		return complain(PM_EXIT_USAGE, 0,
				"bad range '%s' (START-END, hexadecimal, END excluded)", o->range);
	rstart &= ~(uint64_t)(page_size - 1);
	rend = (rend + page_size - 1) & ~(uint64_t)(page_size - 1);
	err = read_maps(pid, &m);
	if (err)
		return maps_error(pid, err);
	for (i = 0; i < m.nr; i++) {
		struct vma *v = &m.v[i];

		if (o->map ? !strcmp(v->name, o->map) : v->start < rend && v->end > rstart) {
			uint64_t a = o->map || v->start > rstart ? v->start : rstart;
			uint64_t b = o->map || v->end < rend ? v->end : rend;

			pages += (b - a) / page_size;
			nmaps++;
		}
	}
	if (!nmaps) {
		ret = o->map ? complain(PM_EXIT_USAGE, 0, "pid %d has no mapping named '%s'", pid, o->map)
			     : complain(PM_EXIT_USAGE, 0, "range '%s': pid %d has no mapping there",
					o->range, pid);
		goto out_maps;
	}
	if (o->range)
		unmapped = (rend - rstart) / page_size - pages;
	if (scan_init(&s, 1)) {
		ret = complain(PM_EXIT_FAILED, ENOMEM, "page arrays: %s", strerror(ENOMEM));
		goto out;
	}
	p = &s.pairs[0];
	p->from = -1;
	p->to = node;
	s.pid = pid;
	s.flags = flags;
	s.target = node;
	s.fd = open_device();
	if (s.fd < 0) {
		ret = -s.fd;
		goto out;
	}
	progress_start(&s.pr, "move", pages);
	for (i = 0; i < m.nr; i++) {
		struct vma *v = &m.v[i];
		uint64_t a, b;

		if (o->map ? strcmp(v->name, o->map) : v->start >= rend || v->end <= rstart)
			continue;
		a = o->map || v->start > rstart ? v->start : rstart;
		b = o->map || v->end < rend ? v->end : rend;
		if (!rstart_page)
			rstart_page = a;
		lerr = by_range ? range_span(&s, a, b) : scan_span(&s, a, b);
		if (lerr < 0)
			break;
	}
	if (lerr >= 0)
		lerr = scan_flush(&s);
	if (lerr < 0 && by_range) {
		/*
		 * No query came first, but reading the maps needed ptrace
		 * access: EACCES is the cpuset's; EPERM with --all may be
		 * ptrace's or CAP_SYS_NICE's, a query of one page tells.
		 */
		struct tally qt = { 0 };
		int st;

		ret = pid_error(pid, (int)-lerr, true, o->all,
				lerr != -EPERM ||
				run(s.fd, pid, 0, &rstart_page, NULL, &st, 1, &qt, NULL) == 0);
		close(s.fd);
		goto out;
	}
	close(s.fd);
	if (lerr < 0) {
		ret = scan_error(&s, lerr, o->all);
		goto out;
	}
	progress_end();
	if (json) {
		jw_move_head(pid, node, o, o->map ? "map" : "range");
		jw_str(o->map ? "map" : "range", o->map ? o->map : o->range);
		jw_u64("mappings", nmaps);
		jw_u64("pages", pages);
		jw_u64("unmapped", unmapped);
		jw_open("not_asked", '{');
		jw_nodes("nodes", s.not_asked);
		jw_errors("errors", s.not_asked, false);
		jw_close('}');
		jw_u64("asked", by_range ? pages : p->found);
		jw_move_outcome(p->c, p->moved, p->shared, p->failed, &s.t);
		jw_close('}');
	} else {
		if (o->map)
			printf("pid %d: %zu mapping%s named %s, %" PRIu64 " pages, %" PRIu64 " present\n",
			       pid, nmaps, nmaps == 1 ? "" : "s", o->map, pages, p->found);
		else
			printf("pid %d: range %" PRIx64 "-%" PRIx64 ": %zu mapping%s, %" PRIu64
			       " pages, %" PRIu64 " unmapped, %" PRIu64 " present\n",
			       pid, rstart, rend, nmaps, nmaps == 1 ? "" : "s", pages, unmapped,
			       p->found);
		if (!by_range && pages - p->found) {
			printf("not asked:");
			print_counts(s.not_asked, false);
			printf("\n");
		}
		printf("to node %d: moved %" PRIu64 ", shared %" PRIu64 ", failed %" PRIu64 "\n",
		       node, p->moved, p->shared, p->failed);
		printf("statuses:");
		print_counts(p->c, false);
		printf("\n");
		print_tally(&s.t);
	}
	ret = p->failed ? PM_EXIT_PARTIAL : PM_EXIT_OK;
out:
	scan_free(&s);
out_maps:
	maps_free(&m);
	return ret;
}

static int cmd_move(int argc, char **argv)
{
	unsigned int flags = PAGEMOVE_MF_MOVE;
	int pid, node, ret;
	struct opts o;

	ret = parse_opts(&argc, argv, OPT_COMPAT | OPT_ALL | OPT_SELECT, &o);
	if (ret)
		return ret;
	if (o.compat)
		flags |= PAGEMOVE_F_COMPAT;
	if (o.all)
		flags |= PAGEMOVE_MF_MOVE_ALL;
	if (o.range || o.map) {
		if (argc != 2)
			return bad_usage(o.range ? "expected PID --range START-END NODE"
						 : "expected PID --map NAME NODE");
	} else if (argc < 3) {
		return bad_usage("expected PID NODE ADDR[-END]..., or --range or --map");
	}
	ret = parse_pid(argv[0], &pid);
	if (!ret)
		ret = parse_node(argv[1], &node);
	if (ret)
		return ret;
	if (o.range || o.map)
		return move_selected(pid, node, &o, flags);
	return move_addresses(pid, node, &o, flags, argc - 2, argv + 2);
}

static int cmd_migrate(int argc, char **argv)
{
	static int from[PM_MAXNODES], to[PM_MAXNODES];
	struct counts *all = calloc(1, sizeof(*all));
	uint64_t total = 0, found = 0, moved = 0, failed = 0, shared = 0;
	struct scan s = { 0 };
	struct maps m = { 0 };
	int pid, nfrom, nto, ret, err, i, j;
	unsigned int flags = PAGEMOVE_MF_MOVE;
	struct opts o;
	long lerr = 0;
	size_t v;

	ret = parse_opts(&argc, argv, OPT_ALL, &o);
	if (ret)
		goto out_free;
	if (argc != 3) {
		ret = bad_usage("expected PID FROM-NODES TO-NODES");
		goto out_free;
	}
	ret = parse_pid(argv[0], &pid);
	if (!ret)
		ret = parse_nodelist(argv[1], false, from, &nfrom);
	if (!ret)
		ret = parse_nodelist(argv[2], true, to, &nto);
	if (ret)
		goto out_free;
	if (nto != 1 && nto != nfrom) {
		ret = complain(PM_EXIT_USAGE, 0,
			       "%d from-nodes but %d to-nodes: give as many, or one to-node", nfrom, nto);
		goto out_free;
	}
	if (o.all)
		flags |= PAGEMOVE_MF_MOVE_ALL;
	err = read_maps(pid, &m);
	if (err) {
		ret = maps_error(pid, err);
		goto out_free;
	}
	if (!all || scan_init(&s, nfrom)) {
		ret = complain(PM_EXIT_FAILED, ENOMEM, "page arrays: %s", strerror(ENOMEM));
		goto out;
	}
	s.pid = pid;
	s.flags = flags;
	s.migrate = true;
	for (i = 0; i < nfrom; i++) {
		s.pairs[i].from = from[i];
		s.pairs[i].to = to[nto == 1 ? 0 : i];
		/* Pages already where they would go need nothing. */
		if (s.pairs[i].from != s.pairs[i].to)
			s.pair_of[from[i]] = (short)i;
	}
	s.fd = open_device();
	if (s.fd < 0) {
		ret = -s.fd;
		goto out;
	}
	for (v = 0; v < m.nr; v++)
		total += (m.v[v].end - m.v[v].start) / page_size;
	progress_start(&s.pr, "migrate", total);
	for (v = 0; v < m.nr && lerr >= 0; v++)
		lerr = scan_span(&s, m.v[v].start, m.v[v].end);
	if (lerr >= 0)
		lerr = scan_flush(&s);
	close(s.fd);
	if (lerr < 0) {
		ret = scan_error(&s, lerr, o.all);
		goto out;
	}
	progress_end();
	for (i = 0; i < nfrom; i++) {
		struct pair *p = &s.pairs[i];

		found += p->found;
		moved += p->moved;
		shared += p->shared;
		failed += p->failed;
		for (j = 0; j < PM_NERR; j++)
			all->err[j] += p->c->err[j];
		all->unwritten += p->c->unwritten;
	}
	if (json) {
		jw_open(NULL, '{');
		jw_str("command", cmd);
		jw_int("pid", pid);
		jw_bool("move_all", o.all);
		jw_open("from", '[');
		for (i = 0; i < nfrom; i++)
			jw_int(NULL, from[i]);
		jw_close(']');
		jw_open("to", '[');
		for (i = 0; i < nto; i++)
			jw_int(NULL, to[i]);
		jw_close(']');
		jw_u64("mappings", m.nr);
		jw_u64("pages_scanned", s.scanned);
		jw_u64("pages_found", found);
		jw_open("pairs", '[');
		for (i = 0; i < nfrom; i++) {
			struct pair *p = &s.pairs[i];

			jw_open(NULL, '{');
			jw_int("from", p->from);
			jw_int("to", p->to);
			jw_u64("found", p->found);
			jw_u64("moved", p->moved);
			jw_u64("shared", p->shared);
			jw_u64("failed", p->failed);
			jw_errors("errors", p->c, false);
			jw_close('}');
		}
		jw_close(']');
		jw_errors("errors", all, false);
		jw_u64("moved", moved);
		jw_u64("shared", shared);
		jw_u64("failed", failed);
		jw_tally(&s.t);
		jw_close('}');
	} else {
		printf("pid %d: %zu mappings, %" PRIu64 " pages scanned, %" PRIu64
		       " present, %" PRIu64 " to move\n", pid, m.nr, s.scanned, s.present, found);
		for (i = 0; i < nfrom; i++) {
			struct pair *p = &s.pairs[i];

			printf("%d -> %d: found %" PRIu64 ", moved %" PRIu64 ", shared %" PRIu64
			       ", failed %" PRIu64, p->from, p->to, p->found, p->moved, p->shared,
			       p->failed);
			if (p->found - p->moved) {
				printf("; statuses:");
				print_counts(p->c, false);
			}
			printf("\n");
		}
		if (shared)
			printf("%" PRIu64 " shared pages not moved: --all moves them (CAP_SYS_NICE)\n",
			       shared);
		print_tally(&s.t);
	}
	ret = failed ? PM_EXIT_PARTIAL : PM_EXIT_OK;
out:
	scan_free(&s);
	maps_free(&m);
out_free:
	free(all);
	return ret;
}

/* ---- show ---- */

/* Per-mapping outcome, kept small: a process may have thousands of VMAs. */
struct vma_counts {
	int status;
	uint64_t n;
};

struct vma_result {
	struct vma_counts *c;
	int nr;
};

enum { CAT_HEAP, CAT_STACK, CAT_PRIVATE, CAT_NR };

static int vma_category(const char *name)
{
	if (!strcmp(name, "[heap]"))
		return CAT_HEAP;
	if (!strncmp(name, "[stack", 6))	/* [stack:TID] before 4.5 */
		return CAT_STACK;
	return CAT_PRIVATE;
}

static void show_row(const char *label, uint64_t (*cat)[CAT_NR], int k,
		     const bool *shown, bool total_only)
{
	uint64_t sum = 0, n;
	int i;

	printf("%-16s", label);
	for (i = 0; i < PM_MAXNODES; i++) {
		if (!shown[i])
			continue;
		n = total_only ? cat[i][0] + cat[i][1] + cat[i][2] : cat[i][k];
		sum += n;
		printf(" %15.2f", (double)n * page_size / (1024.0 * 1024.0));
	}
	printf(" %15.2f\n", (double)sum * page_size / (1024.0 * 1024.0));
}

static int cmd_show(int argc, char **argv)
{
	static uint64_t cat[PM_MAXNODES][CAT_NR];
	static bool shown[PM_MAXNODES];
	struct counts *c = calloc(1, sizeof(*c));
	struct vma_result *res = NULL;
	uint64_t *addr = NULL, total = 0, absent = 0, tcat[CAT_NR] = { 0 };
	char comm[64] = "", path[64];
	struct progress pr;
	struct maps m = { 0 };
	int *status = NULL;
	int pid, fd = -1, ret, err, i, k;
	struct tally t = { 0 };
	struct opts o;
	size_t v, n, j;
	long lerr;
	FILE *f;

	cmd = "show";	/* also when run as `maps` */
	ret = parse_opts(&argc, argv, 0, &o);
	if (ret)
		goto out;
	if (argc != 1) {
		ret = bad_usage("expected PID");
		goto out;
	}
	ret = parse_pid(argv[0], &pid);
	if (ret)
		goto out;
	err = read_maps(pid, &m);
	if (err) {
		ret = maps_error(pid, err);
		goto out;
	}
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/comm");
	f = fopen(path, "re");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	addr = malloc(PM_BATCH * sizeof(*addr));
	status = malloc(PM_BATCH * sizeof(*status));
	res = calloc(m.nr ? m.nr : 1, sizeof(*res));
	if (!addr || !status || !res || !c) {
		ret = complain(PM_EXIT_FAILED, ENOMEM, "page arrays: %s", strerror(ENOMEM));
		goto out;
	}
	fd = open_device();
	if (fd < 0) {
		ret = -fd;
		goto out;
	}
	for (v = 0; v < m.nr; v++)
		total += (m.v[v].end - m.v[v].start) / page_size;
	progress_start(&pr, "show", total);
	memset(cat, 0, sizeof(cat));
	for (v = 0; v < m.nr; v++) {
		uint64_t a = m.v[v].start;
		int kind = vma_category(m.v[v].name);

		memset(c, 0, sizeof(*c));
		while (a < m.v[v].end) {
			n = (m.v[v].end - a) / page_size;
			n = n < PM_BATCH ? n : PM_BATCH;
			for (j = 0; j < n; j++)
				addr[j] = a + j * page_size;
			lerr = run(fd, pid, 0, addr, NULL, status, n, &t, &pr);
			if (lerr < 0) {
				ret = pid_error(pid, (int)-lerr, false, false, false);
				goto out;
			}
			for (j = 0; j < n; j++) {
				counts_add(c, status[j], 1);
				if (status[j] >= 0 && status[j] < PM_MAXNODES)
					cat[status[j]][kind]++;
			}
			a += n * page_size;
		}
		/* Keep only the outcomes seen: nodes first, then errnos. */
		for (k = 0; k < 2; k++) {
			int lim = k ? PM_NERR : PM_MAXNODES;

			for (i = 0; i < lim; i++) {
				uint64_t cnt = k ? c->err[i] : c->node[i];
				struct vma_counts *vc;

				if (!cnt)
					continue;
				vc = realloc(res[v].c, (res[v].nr + 1) * sizeof(*vc));
				if (!vc) {
					ret = complain(PM_EXIT_FAILED, ENOMEM, "histogram: %s",
						       strerror(ENOMEM));
					goto out;
				}
				res[v].c = vc;
				/* errno slot 0 ("larger") is kept as INT_MIN + 1 */
				vc[res[v].nr].status = k ? (i ? -i : INT_MIN + 1) : i;
				vc[res[v].nr++].n = cnt;
			}
		}
	}
	progress_end();
	for (i = 0; i < PM_MAXNODES; i++) {
		shown[i] = mask_test(&memory_nodes, i) || cat[i][0] || cat[i][1] || cat[i][2];
		for (k = 0; k < CAT_NR; k++)
			tcat[k] += cat[i][k];
	}
	for (v = 0; v < m.nr; v++)
		for (i = 0; i < res[v].nr; i++)
			if (res[v].c[i].status == -ENOENT)
				absent += res[v].c[i].n;
	if (json) {
		char key[16];

		jw_open(NULL, '{');
		jw_str("command", cmd);
		jw_int("pid", pid);
		jw_str("comm", comm);
		jw_u64("page_size", page_size);
		jw_open("mappings", '[');
		for (v = 0; v < m.nr; v++) {
			struct vma_result *r = &res[v];
			uint64_t nabs = 0;

			jw_open(NULL, '{');
			jw_addr("start", m.v[v].start);
			jw_addr("end", m.v[v].end);
			jw_str("perms", m.v[v].perms);
			jw_str("name", m.v[v].name);
			jw_u64("pages", (m.v[v].end - m.v[v].start) / page_size);
			jw_open("nodes", '{');
			for (i = 0; i < r->nr; i++) {
				if (r->c[i].status < 0)
					continue;
				snprintf(key, sizeof(key), "%d", r->c[i].status);
				jw_u64(key, r->c[i].n);
			}
			jw_close('}');
			for (i = 0; i < r->nr; i++)
				if (r->c[i].status == -ENOENT)
					nabs = r->c[i].n;
			jw_u64("absent", nabs);
			jw_open("errors", '{');
			for (i = 0; i < r->nr; i++) {
				int st = r->c[i].status;

				if (st >= 0 || st == -ENOENT)
					continue;
				jw_u64(st == INT_MIN + 1 ? "other" : errname(-st), r->c[i].n);
			}
			jw_close('}');
			jw_close('}');
		}
		jw_close(']');
		jw_open("per_node", '{');
		for (i = 0; i < PM_MAXNODES; i++) {
			if (!shown[i])
				continue;
			snprintf(key, sizeof(key), "%d", i);
			jw_open(key, '{');
			jw_u64("pages", cat[i][0] + cat[i][1] + cat[i][2]);
			jw_u64("heap", cat[i][CAT_HEAP]);
			jw_u64("stack", cat[i][CAT_STACK]);
			jw_u64("private", cat[i][CAT_PRIVATE]);
			jw_mib("mib", cat[i][0] + cat[i][1] + cat[i][2]);
			jw_close('}');
		}
		jw_close('}');
		jw_open("total", '{');
		jw_u64("pages", tcat[0] + tcat[1] + tcat[2]);
		jw_u64("heap", tcat[CAT_HEAP]);
		jw_u64("stack", tcat[CAT_STACK]);
		jw_u64("private", tcat[CAT_PRIVATE]);
		jw_mib("mib", tcat[0] + tcat[1] + tcat[2]);
		jw_u64("absent", absent);
		jw_close('}');
		jw_close('}');
	} else {
		char label[16];

		for (v = 0; v < m.nr; v++) {
			struct vma_result *r = &res[v];

			printf("%012" PRIx64 "-%012" PRIx64 " %s %8" PRIu64 " pages", m.v[v].start,
			       m.v[v].end, m.v[v].perms, (m.v[v].end - m.v[v].start) / page_size);
			for (i = 0; i < r->nr; i++) {
				int st = r->c[i].status;

				if (st >= 0)
					printf(" N%d=%" PRIu64, st, r->c[i].n);
				else
					printf(" %s=%" PRIu64, st == -ENOENT ? "absent" :
					       st == INT_MIN + 1 ? "other" : errname(-st), r->c[i].n);
			}
			printf("%s%s\n", m.v[v].name[0] ? "  " : "", m.v[v].name);
		}
		/* numastat -p's table: MiB per node and in total. */
		printf("\nPer-node process memory usage (in MiBs) for PID %d (%s)\n", pid, comm);
		printf("%-16s", "");
		for (i = 0; i < PM_MAXNODES; i++) {
			if (!shown[i])
				continue;
			snprintf(label, sizeof(label), "Node %d", i);
			printf(" %15s", label);
		}
		printf(" %15s\n%-16s", "Total", "");
		for (i = 0; i < PM_MAXNODES; i++)
			if (shown[i])
				printf(" ---------------");
		printf(" ---------------\n");
		show_row("Heap", cat, CAT_HEAP, shown, false);
		show_row("Stack", cat, CAT_STACK, shown, false);
		show_row("Private", cat, CAT_PRIVATE, shown, false);
		printf("----------------");
		for (i = 0; i < PM_MAXNODES; i++)
			if (shown[i])
				printf(" ---------------");
		printf(" ---------------\n");
		show_row("Total", cat, 0, shown, true);
	}
	ret = PM_EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	for (v = 0; res && v < m.nr; v++)
		free(res[v].c);
	free(res);
	maps_free(&m);
	free(status);
	free(addr);
	free(c);
	return ret;
}

static int cmd_help(int argc, char **argv)
{
	usage(stdout);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	printf("pagemove %s\n", PAGEMOVE_VERSION);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *description;
} subcommands[] = {
	{ "query", cmd_query, "[--json] PID ADDR[-END]...",
	  "print the node (or error) of each page" },
	{ "move", cmd_move, "[--compat] [--all] [--json] PID NODE ADDR[-END]...",
	  "move the pages listed to NODE; print statuses, summary, result" },
	{ "move", cmd_move, "[--compat] [--all] [--json] PID --range START-END NODE",
	  "move the pages of a range (inside mappings) to NODE" },
	{ "move", cmd_move, "[--compat] [--all] [--json] PID --map NAME NODE",
	  "move the pages present in every mapping named NAME as in\n"
	  "      /proc/PID/maps ([heap], [stack], a file path) to NODE" },
	{ "migrate", cmd_migrate, "[--all] [--json] PID FROM-NODES TO-NODES",
	  "like migratepages: move every page found on from[i] to to[i]\n"
	  "      (lists like 0, 0,2, 0-1; one TO node takes all)" },
	{ "show", cmd_show, "[--json] PID",
	  "per-mapping node histogram (like numa_maps) and MiB per node\n"
	  "      (like numastat -p)" },
	{ "maps", cmd_show, "[--json] PID", "alias of show" },
	{ "help", cmd_help, "", "show this help" },
	{ "--version", cmd_version, "", "print the version" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s <cmd> [<args>]\n\nAvailable subcommands:\n", prog);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %s%s%s\n      %s\n", subcommands[i].name,
			*subcommands[i].args ? " " : "", subcommands[i].args,
			subcommands[i].description);
	fprintf(f, "\nPID 0 is %s itself. ADDR, START and END are hexadecimal, 0x optional, as\n"
		"in /proc/PID/maps; END is excluded and ranges are split into %lu-byte pages.\n"
		"--compat  exactly this kernel's move_pages(2) (PAGEMOVE_F_COMPAT)\n"
		"--all     shared pages too (PAGEMOVE_MF_MOVE_ALL): needs CAP_SYS_NICE\n"
		"--json    one JSON document on stdout, even on failure (fields: the\n"
		"          comment at the top of tools/pagemove.c, or the man page)\n"
		"--range moves each mapping's piece with PAGEMOVE_MOVE_RANGE (with --compat,\n"
		"and --map, only pages a query found); migrate moves only pages found on a\n"
		"FROM node. Requests go %d pages per call.\n"
		"\nExit status: 0 success; 1 the request failed or was refused (errno named);\n"
		"2 bad usage or argument (pid, node, range, mapping name); 3 done, but some\n"
		"pages could not be moved (move, migrate; shared pages left alone without\n"
		"--all do not count).\n",
		prog, page_size, PM_BATCH);
}

int main(int argc, char **argv)
{
	size_t i;
	int j;

	page_size = (unsigned long)sysconf(_SC_PAGESIZE);
	/* --json may also come before the subcommand. */
	while (argc > 1 && !strcmp(argv[1], "--json")) {
		json = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	if (argc < 2) {
		usage(stderr);
		return json ? complain(PM_EXIT_USAGE, 0, "no subcommand") : PM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(0, NULL);
	if (!strcmp(argv[1], "version"))
		return cmd_version(0, NULL);
	/* Known before any message, so even a usage error is a JSON document. */
	for (j = 2; j < argc && strcmp(argv[j], "--"); j++)
		if (!strcmp(argv[j], "--json"))
			json = true;
	read_nodemask("possible", &possible_nodes);
	read_nodemask("has_memory", &memory_nodes);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!strcmp(argv[1], subcommands[i].name)) {
			cmd = subcommands[i].name;
			return subcommands[i].fn(argc - 2, argv + 2);
		}
	}
	usage(stderr);
	return complain(PM_EXIT_USAGE, 0, "invalid subcommand '%s'", argv[1]);
}
