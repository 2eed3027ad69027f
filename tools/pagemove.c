// SPDX-License-Identifier: GPL-2.0
/*
 * pagemove: query and move the pages of a process through /dev/pagemove.
 * This file: main(), the subcommand table, usage(), help and version. A
 * subcommand a file (query.c, move.c, migrate.c, show.c; subcommands.h),
 * and what they share: args.c (the way out with a message, the arguments),
 * device.c (the module in batches, statuses, progress), maps.c
 * (/proc/PID/maps), scan.c (move and migrate's scan), json.c (the writer).
 */

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
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "subcommands.h"
#include "args.h"

#ifndef PAGEMOVE_VERSION
#error "PAGEMOVE_VERSION comes from the Makefile (kmod/main.c's version)"
#endif

const char *prog = "pagemove";
const char *cmd = "";			/* the subcommand, for JSON documents */
unsigned long page_size;
bool json;				/* --json: one document on stdout */

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

void usage(FILE *f)
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
