/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagemove (device.c): progress on a terminal, statuses counted by outcome,
 * /dev/pagemove and the module in batches.
 */
#ifndef PM_DEVICE_H
#define PM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "subcommands.h"

struct progress {
	const char *what;
	uint64_t total, done;
	bool on;
	int len;
};

void progress_start(struct progress *p, const char *what, uint64_t total);
void progress_add(struct progress *p, uint64_t n);
void progress_end(void);

/* Statuses by outcome: node, errno, or left unwritten (compat mode). */
struct counts {
	uint64_t node[PM_MAXNODES];
	uint64_t err[PM_NERR];
	uint64_t unwritten;
};

void counts_add(struct counts *c, int status, uint64_t n);
void print_counts(const struct counts *c, bool absent);
void jw_nodes(const char *key, const struct counts *c);
void jw_errors(const char *key, const struct counts *c, bool skip_enoent);
void jw_entries(const uint64_t *addr, const int *status, size_t nr);
const char *status_name(int status, char *buf, size_t size);

int open_device(void);

struct tally {
	uint64_t nr_moved, nr_in_place, nr_failed;
	long result;
	uint64_t calls;
};

long run(int fd, int pid, unsigned int flags, const uint64_t *addr,
	 const int *nodes, int *status, size_t nr, struct tally *t,
	 struct progress *pr);
void jw_tally(const struct tally *t);
void print_tally(const struct tally *t);
bool skipped_shared(int status, unsigned int flags);

#endif
