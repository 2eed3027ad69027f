/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagemove's tracepoints (events/pagemove/ in tracefs; perf, bpftrace):
 * a call's start and end, and each per-node migration batch. They are
 * ABI as the fields are named here (Documentation: README, "Counters and
 * tracepoints").
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pagemove

#if !defined(_PAGEMOVE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PAGEMOVE_TRACE_H

#include <linux/tracepoint.h>

/* What a call is: its ioctl and, for PAGEMOVE_MOVE, whether it moves or queries. */
#define PM_TRACE_MOVE	0
#define PM_TRACE_QUERY	1
#define PM_TRACE_RANGE	2

#define pm_trace_kind(k)						\
	__print_symbolic(k, { PM_TRACE_MOVE, "move" }, { PM_TRACE_QUERY, "query" }, \
			 { PM_TRACE_RANGE, "range" })

TRACE_EVENT(pagemove_call_start,
	TP_PROTO(int kind, int pid, u32 flags, u64 count),
	TP_ARGS(kind, pid, flags, count),
	TP_STRUCT__entry(
		__field(int, kind)
		__field(int, pid)
		__field(u32, flags)
		__field(u64, count)
	),
	TP_fast_assign(
		__entry->kind = kind;
		__entry->pid = pid;
		__entry->flags = flags;
		__entry->count = count;
	),
	TP_printk("kind=%s pid=%d flags=%#x count=%llu", pm_trace_kind(__entry->kind),
		  __entry->pid, __entry->flags, __entry->count)
);

TRACE_EVENT(pagemove_call_end,
	TP_PROTO(int kind, long result, u64 moved, u64 in_place, u64 failed, u64 ns),
	TP_ARGS(kind, result, moved, in_place, failed, ns),
	TP_STRUCT__entry(
		__field(int, kind)
		__field(long, result)
		__field(u64, moved)
		__field(u64, in_place)
		__field(u64, failed)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->kind = kind;
		__entry->result = result;
		__entry->moved = moved;
		__entry->in_place = in_place;
		__entry->failed = failed;
		__entry->ns = ns;
	),
	TP_printk("kind=%s result=%ld moved=%llu in_place=%llu failed=%llu ns=%llu",
		  pm_trace_kind(__entry->kind), __entry->result, __entry->moved,
		  __entry->in_place, __entry->failed, __entry->ns)
);

/*
 * One migrate_pages() batch to @node: @pages in @folios asked, @migrated
 * of them no longer on the list after it (moved), @workers threads on it
 * (1: the caller's alone), migrate_pages()'s @ret, @ns of wall time.
 */
TRACE_EVENT(pagemove_batch,
	TP_PROTO(int node, unsigned long pages, unsigned int folios, unsigned long migrated,
		 unsigned int workers, int ret, u64 ns),
	TP_ARGS(node, pages, folios, migrated, workers, ret, ns),
	TP_STRUCT__entry(
		__field(int, node)
		__field(unsigned long, pages)
		__field(unsigned int, folios)
		__field(unsigned long, migrated)
		__field(unsigned int, workers)
		__field(int, ret)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->node = node;
		__entry->pages = pages;
		__entry->folios = folios;
		__entry->migrated = migrated;
		__entry->workers = workers;
		__entry->ret = ret;
		__entry->ns = ns;
	),
	TP_printk("node=%d pages=%lu folios=%u migrated=%lu workers=%u ret=%d ns=%llu",
		  __entry->node, __entry->pages, __entry->folios, __entry->migrated,
		  __entry->workers, __entry->ret, __entry->ns)
);

#endif /* _PAGEMOVE_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
