/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagemove (args.c): the one way out with a message, and what the
 * subcommands parse: pids, nodes and node lists, addresses and ranges,
 * options.
 */
#ifndef PM_ARGS_H
#define PM_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "subcommands.h"

const char *errname(int err);
int __attribute__((format(printf, 3, 4)))
complain(int code, int err, const char *fmt, ...);
int bad_usage(const char *what);
int pid_error(int pid, int err, bool move, bool all, bool access_ok);

struct nodemask {
	uint64_t bits[PM_MAXNODES / 64];
	bool known;
};

extern struct nodemask possible_nodes, memory_nodes;

bool mask_test(const struct nodemask *m, int n);
void read_nodemask(const char *file, struct nodemask *m);

int parse_node(const char *s, int *node);
int parse_nodelist(const char *s, bool need_memory, int *out, int *nr);
int parse_pid(const char *s, int *pid);
bool parse_span(const char *s, bool single, uint64_t *start, uint64_t *end);

struct opts {
	bool compat, all;
	const char *range, *map;
};

#define OPT_COMPAT	1U
#define OPT_ALL		2U
#define OPT_SELECT	4U	/* --range, --map */

int parse_opts(int *argc, char **argv, unsigned int allowed, struct opts *o);

struct pages {
	uint64_t *addr;
	size_t nr, cap;
};

int parse_ranges(int argc, char **argv, struct pages *p);

#endif
