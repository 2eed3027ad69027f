// SPDX-License-Identifier: GPL-2.0
/*
 * pagemove move PID NODE ADDR[-END]..., or PID --range START-END NODE, or
 * PID --map NAME NODE: the pages listed, or those of the chosen mappings.
 */
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

int cmd_move(int argc, char **argv)
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
