// SPDX-License-Identifier: GPL-2.0
/* pagemove: the one way out with a message, and the arguments the subcommands parse. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "subcommands.h"
#include "args.h"
#include "device.h"
#include "json.h"

/* ---- errors ---- */

const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "other";
}

/*
 * The one way out with a message: stderr for people, and with --json the
 * error document, so stdout always holds one document. Returns @code.
 */
int complain(int code, int err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	progress_end();
	fprintf(stderr, "%s: %s\n", prog, msg);
	if (json && !doc_done) {
		jw_reset();
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

int bad_usage(const char *what)
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
int pid_error(int pid, int err, bool move, bool all, bool access_ok)
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

struct nodemask possible_nodes, memory_nodes;

bool mask_test(const struct nodemask *m, int n)
{
	return n >= 0 && n < PM_MAXNODES && (m->bits[n / 64] >> (n % 64) & 1);
}

/* A sysfs node list ("0-2,4"); unknown (no sysfs) lets the module decide. */
void read_nodemask(const char *file, struct nodemask *m)
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

int parse_node(const char *s, int *node)
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
int parse_nodelist(const char *s, bool need_memory, int *out, int *nr)
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

int parse_pid(const char *s, int *pid)
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
bool parse_span(const char *s, bool single, uint64_t *start, uint64_t *end)
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

/*
 * Options may come anywhere before "--" (`move PID --range R NODE`);
 * the positional arguments are packed to the front of @argv.
 */
int parse_opts(int *argc, char **argv, unsigned int allowed, struct opts *o)
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

/* ---- addresses, as pages ---- */

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
int parse_ranges(int argc, char **argv, struct pages *p)
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
