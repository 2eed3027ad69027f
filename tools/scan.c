// SPDX-License-Identifier: GPL-2.0
/* pagemove move and migrate: scan mappings, move what is found. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "subcommands.h"
#include "args.h"
#include "device.h"
#include "scan.h"

int scan_init(struct scan *s, int npairs)
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

void scan_free(struct scan *s)
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
long scan_flush(struct scan *s)
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
long scan_span(struct scan *s, uint64_t start, uint64_t end)
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

int scan_error(struct scan *s, long err, bool all)
{
	/* Every move follows a query of the same pid: ptrace access is fine. */
	return pid_error(s->pid, (int)-err, true, all, s->q.calls > 0);
}
