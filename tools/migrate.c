// SPDX-License-Identifier: GPL-2.0
/* pagemove migrate PID FROM-NODES TO-NODES: like migratepages(8). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pagemove.h"
#include "subcommands.h"
#include "args.h"
#include "device.h"
#include "json.h"
#include "maps.h"
#include "scan.h"

int cmd_migrate(int argc, char **argv)
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
