// SPDX-License-Identifier: GPL-2.0
/*
 * pagemove: /dev/pagemove and the module in batches, what the statuses
 * count, and progress on a terminal.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "pagemove.h"
#include "subcommands.h"
#include "args.h"
#include "device.h"
#include "json.h"

#define PM_PROGRESS	65536		/* longer runs show progress on a terminal */

/* ---- progress on a terminal ---- */

static struct progress *progress_now;	/* cleared before any message */

void progress_start(struct progress *p, const char *what, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->total = total;
	/* Only a person watching a terminal wants it; logs and pipes do not. */
	p->on = total > PM_PROGRESS && isatty(STDERR_FILENO);
	progress_now = p;
}

void progress_add(struct progress *p, uint64_t n)
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

void progress_end(void)
{
	struct progress *p = progress_now;

	progress_now = NULL;
	if (p && p->on && p->len) {
		fprintf(stderr, "\r%*s\r", p->len, "");
		fflush(stderr);
	}
}

/* ---- statuses ---- */

void counts_add(struct counts *c, int status, uint64_t n)
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
void print_counts(const struct counts *c, bool absent)
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

void jw_nodes(const char *key, const struct counts *c)
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

void jw_errors(const char *key, const struct counts *c, bool skip_enoent)
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

void jw_entries(const uint64_t *addr, const int *status, size_t nr)
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
const char *status_name(int status, char *buf, size_t size)
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

/* ---- the device ---- */

int open_device(void)
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

/*
 * @nr entries, PM_BATCH per call so every call stays below max_pages.
 * @nodes NULL: a query. Returns 0 or the -errno of the call that refused
 * (earlier batches keep what they did). Default move mode's -ENOENT
 * ("nothing needed moving") comes with statuses: not an error here.
 */
long run(int fd, int pid, unsigned int flags, const uint64_t *addr,
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

void jw_tally(const struct tally *t)
{
	jw_u64("nr_moved", t->nr_moved);
	jw_u64("nr_in_place", t->nr_in_place);
	jw_u64("nr_failed", t->nr_failed);
	if (t->calls)
		jw_int("result", t->result);
	else
		jw_null("result");
}

void print_tally(const struct tally *t)
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
bool skipped_shared(int status, unsigned int flags)
{
	return status == -EACCES && !(flags & PAGEMOVE_MF_MOVE_ALL);
}
