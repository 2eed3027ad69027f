/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagemove's subcommands, a file each (query.c, move.c, migrate.c, show.c),
 * and what every file of the command shares: the limits, the exit codes and
 * the state main() sets up (pagemove.c).
 */
#ifndef PM_SUBCOMMANDS_H
#define PM_SUBCOMMANDS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#define PM_BATCH	65536		/* entries per ioctl, well below max_pages (1048576) */
#define PM_UNWRITTEN	INT_MIN		/* compat mode may leave a status alone */
#define PM_MAXNODES	1024		/* MAX_NUMNODES at its largest (NODES_SHIFT 10) */
#define PM_NERR		134		/* errno values tallied one by one; 0: larger */

enum { PM_EXIT_OK, PM_EXIT_FAILED, PM_EXIT_USAGE, PM_EXIT_PARTIAL };

extern const char *prog;
extern const char *cmd;			/* the subcommand, for JSON documents */
extern unsigned long page_size;
extern bool json;			/* --json: one document on stdout */

void usage(FILE *f);

int cmd_query(int argc, char **argv);
int cmd_move(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_show(int argc, char **argv);

#endif
