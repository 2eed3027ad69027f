// SPDX-License-Identifier: GPL-2.0
/*
 * What the mover did: cumulative counters (sysfs, the device's stats/
 * directory, one number a file, readable by every user) and the
 * tracepoints of trace.h. Counters are per CPU, added without a lock on
 * the CPU a call or batch ends on and summed when read: a read while
 * calls run may see one call's counts in some files and not yet in
 * others.
 */
#include <linux/device.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>
#include "call.h"

#include "trace.h"

enum {
	PM_STAT_CALLS,		/* PAGEMOVE_MOVE and PAGEMOVE_MOVE_RANGE requests answered */
	PM_STAT_CALLS_FAILED,	/* of them, those that returned an error */
	PM_STAT_QUERIES,	/* PAGEMOVE_MOVE without nodes: a query */
	PM_STAT_RANGES,		/* PAGEMOVE_MOVE_RANGE */
	PM_STAT_COMPAT,		/* PAGEMOVE_F_COMPAT */
	PM_STAT_PAGES_MOVED,	/* entries (range: pages) reported moved: nr_moved */
	PM_STAT_PAGES_IN_PLACE,	/* already on their node: nr_in_place */
	PM_STAT_PAGES_FAILED,	/* any other status: nr_failed (queries: errors) */
	PM_STAT_BATCHES,	/* migrate_pages() batches */
	PM_STAT_PARALLEL,	/* of them, split over more than one thread */
	PM_STAT_WORKERS,	/* threads that took a share of a batch */
	PM_STAT_BYTES,		/* bytes migrated: pages no batch gave back, whole folios */
	PM_STAT_MIGRATE_NS,	/* wall time in batches, nanoseconds */
	PM_STAT_NR
};

struct pm_stats {
	u64 v[PM_STAT_NR];
};

static DEFINE_PER_CPU(struct pm_stats, pm_stats);

static u64 pm_stat_sum(unsigned int i)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(&pm_stats, cpu)->v[i]);
	return sum;
}

static int pm_trace_kind_of(bool range, bool query)
{
	return range ? PM_TRACE_RANGE : query ? PM_TRACE_QUERY : PM_TRACE_MOVE;
}

u64 pm_stat_call_start(bool range, bool query, int pid, u32 flags, u64 count)
{
	trace_pagemove_call_start(pm_trace_kind_of(range, query), pid, flags, count);
	return ktime_get_ns();
}

void pm_stat_call_end(bool range, bool query, u32 flags, long result,
		      const struct pm_counts *n, u64 t0)
{
	struct pm_stats *s = get_cpu_ptr(&pm_stats);

	s->v[PM_STAT_CALLS]++;
	s->v[PM_STAT_CALLS_FAILED] += result < 0;
	s->v[PM_STAT_QUERIES] += query;
	s->v[PM_STAT_RANGES] += range;
	s->v[PM_STAT_COMPAT] += !!(flags & PAGEMOVE_F_COMPAT);
	s->v[PM_STAT_PAGES_MOVED] += n->moved;
	s->v[PM_STAT_PAGES_IN_PLACE] += n->in_place;
	s->v[PM_STAT_PAGES_FAILED] += n->failed;
	put_cpu_ptr(&pm_stats);
	trace_pagemove_call_end(pm_trace_kind_of(range, query), result, n->moved, n->in_place,
				n->failed, ktime_get_ns() - t0);
}

void pm_stat_batch(int node, unsigned long pages, unsigned int folios, unsigned long left,
		   unsigned int workers, int ret, u64 t0)
{
	u64 ns = ktime_get_ns() - t0;
	struct pm_stats *s = get_cpu_ptr(&pm_stats);

	s->v[PM_STAT_BATCHES]++;
	s->v[PM_STAT_PARALLEL] += workers > 1;
	s->v[PM_STAT_WORKERS] += workers;
	s->v[PM_STAT_BYTES] += (u64)(pages - left) << PAGE_SHIFT;
	s->v[PM_STAT_MIGRATE_NS] += ns;
	put_cpu_ptr(&pm_stats);
	trace_pagemove_batch(node, pages, folios, pages - left, workers, ret, ns);
}

/* One read-only file a counter, in the device's stats/ group. */
struct pm_stat_attr {
	struct device_attribute attr;
	unsigned int i;
};

static ssize_t pm_stat_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  pm_stat_sum(container_of(attr, struct pm_stat_attr, attr)->i));
}

#define PM_STAT_ATTR(_name, _i)							\
	static struct pm_stat_attr pm_stat_##_name = {				\
		.attr = __ATTR(_name, 0444, pm_stat_show, NULL), .i = _i }

PM_STAT_ATTR(calls, PM_STAT_CALLS);
PM_STAT_ATTR(calls_failed, PM_STAT_CALLS_FAILED);
PM_STAT_ATTR(queries, PM_STAT_QUERIES);
PM_STAT_ATTR(ranges, PM_STAT_RANGES);
PM_STAT_ATTR(compat_calls, PM_STAT_COMPAT);
PM_STAT_ATTR(pages_moved, PM_STAT_PAGES_MOVED);
PM_STAT_ATTR(pages_in_place, PM_STAT_PAGES_IN_PLACE);
PM_STAT_ATTR(pages_failed, PM_STAT_PAGES_FAILED);
PM_STAT_ATTR(batches, PM_STAT_BATCHES);
PM_STAT_ATTR(parallel_batches, PM_STAT_PARALLEL);
PM_STAT_ATTR(workers, PM_STAT_WORKERS);
PM_STAT_ATTR(bytes_migrated, PM_STAT_BYTES);
PM_STAT_ATTR(migrate_ns, PM_STAT_MIGRATE_NS);

static struct attribute *pm_stat_attrs[] = {
	&pm_stat_calls.attr.attr, &pm_stat_calls_failed.attr.attr, &pm_stat_queries.attr.attr,
	&pm_stat_ranges.attr.attr, &pm_stat_compat_calls.attr.attr,
	&pm_stat_pages_moved.attr.attr, &pm_stat_pages_in_place.attr.attr,
	&pm_stat_pages_failed.attr.attr, &pm_stat_batches.attr.attr,
	&pm_stat_parallel_batches.attr.attr, &pm_stat_workers.attr.attr,
	&pm_stat_bytes_migrated.attr.attr, &pm_stat_migrate_ns.attr.attr,
	NULL
};

static const struct attribute_group pm_stat_group = {
	.name = "stats",
	.attrs = pm_stat_attrs,
};

const struct attribute_group *pm_groups[] = { &pm_stat_group, NULL };
