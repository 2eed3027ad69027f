/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagemove (scan.c), for move and migrate: scan mappings, move what is
 * found.
 */
#ifndef PM_SCAN_H
#define PM_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "subcommands.h"
#include "device.h"

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

int scan_init(struct scan *s, int npairs);
void scan_free(struct scan *s);
long scan_flush(struct scan *s);
long scan_span(struct scan *s, uint64_t start, uint64_t end);
int scan_error(struct scan *s, long err, bool all);

#endif
