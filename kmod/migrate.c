// SPDX-License-Identifier: GPL-2.0
/*
 * Per-node migration: the allocation callback, migrate_pages() batches,
 * putback, and the LRU drains that make isolation succeed.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/completion.h>
#include <linux/sched/isolation.h>
#include "call.h"

/*
 * A folio off the LRU cannot be isolated; it may only be waiting in a
 * per-CPU LRU batch. move_pages(2) rules that out by paying for
 * lru_cache_disable() (an expedited RCU grace period and a drain on every
 * CPU) on every call. pagemove pays only when a page needs it: first this
 * CPU's batches (cheap, where the caller's own faults wait), then every
 * CPU's, which stay disabled until the call ends; pm_drain_lru_all()
 * returns false when they already are. Never called under the mmap lock.
 */
bool pm_drain_lru_all(struct pm_call *c)
{
	if (c->lru_off)
		return false;
	pm_call(lru_cache_disable)();
	c->lru_off = true;
	return true;
}

void pm_drain_lru(struct pm_call *c)
{
	if (pm_sym.have_lru_add_drain && !c->drained_local && !c->lru_off) {
		pm_call(lru_add_drain)();
		c->drained_local = true;
		return;
	}
	pm_drain_lru_all(c);
}

static pm_mig_t *pm_alloc_target(pm_mig_t *src, unsigned long private)
{
	struct pm_alloc *a = (struct pm_alloc *)private;
	pm_mig_t *dst = pm_call(alloc_migration_target)(src, (unsigned long)&a->mtc);

	if (!dst) {
		struct folio *f = pm_mig_folio(src);

		a->nomem[a->nr_nomem++ % PM_NOMEM_SLOTS] = f;
		if (folio_test_large(f) && !folio_test_hugetlb(f))
			a->thp_split = true;
	}
	return dst;
}

bool pm_alloc_failed(const struct pm_alloc *a, struct folio *folio)
{
	unsigned int i, n = min_t(unsigned int, a->nr_nomem, PM_NOMEM_SLOTS);

	for (i = 0; i < n; i++)
		if (a->nomem[i] == folio)
			return true;
	return false;
}

/* One migrate_pages() batch, as do_move_pages_to_node() runs it. */
int pm_migrate(struct list_head *list, struct pm_alloc *a)
{
	return pm_call(migrate_pages)(list, pm_alloc_target, NULL, (unsigned long)a,
				    MIGRATE_SYNC, MR_SYSCALL, NULL);
}

void pm_putback_all(struct pm_call *c)
{
	unsigned int n;

	for (n = 0; n < c->nr_lists; n++)
		if (!list_empty(&c->lists[n]))
			pm_call(putback_movable_pages)(&c->lists[n]);
}

/*
 * Parallel migration. migrate_pages() copies one folio after another on
 * the caller's CPU; a large batch is split by pages into contiguous
 * shares, one per worker: the caller migrates the first, kworkers bound to
 * other CPUs the rest, each with its own allocation callback state. What
 * fails stays on its share and comes back on @list, exactly as one
 * migrate_pages() would leave it, so the reporters see no difference.
 */
struct pm_worker {
	struct work_struct work;
	struct completion done;
	struct list_head list;
	struct pm_alloc a;
	int err;
	bool queued;		/* handed to a kworker: wait for it */
};

static void pm_worker_fn(struct work_struct *work)
{
	struct pm_worker *w = container_of(work, struct pm_worker, work);

	w->err = pm_migrate(&w->list, &w->a);
	/* The new folios wait in this CPU's LRU batch: put them on the LRU. */
	if (pm_sym.have_lru_add_drain)
		pm_call(lru_add_drain)();
	complete(&w->done);	/* last touch: the caller frees @w */
}

/*
 * CPUs for the other workers: the target node's, then the source node's,
 * then any; never the caller's own, never one outside its affinity (a
 * container's or an isolated CPU), never a non-housekeeping (isolcpus) one.
 */
static unsigned int pm_pick_cpus(int node, int src, int *cpus, unsigned int max)
{
	const struct cpumask *masks[3] = {
		cpumask_of_node(node), cpumask_of_node(src), cpu_online_mask,
	};
	int self = raw_smp_processor_id(), cpu;
	unsigned int n = 0, m, k;

	for (m = 0; m < ARRAY_SIZE(masks); m++) {
		for_each_cpu_and(cpu, masks[m], cpu_online_mask) {
			if (n == max)
				return n;
			if (cpu == self || !cpumask_test_cpu(cpu, current->cpus_ptr) ||
			    !housekeeping_cpu(cpu, HK_TYPE_DOMAIN))
				continue;
			for (k = 0; k < n && cpus[k] != cpu; k++)
				;
			if (k == n)
				cpus[n++] = cpu;
		}
	}
	return n;
}

static unsigned long pm_list_pages(struct list_head *list, int *src, unsigned int *folios)
{
	struct folio *folio;
	unsigned long pages = 0;

	*folios = 0;
	list_for_each_entry(folio, list, lru) {
		if (!pages)
			*src = folio_nid(folio);
		pages += folio_nr_pages(folio);
		++*folios;
	}
	return pages;
}

int pm_migrate_batch(struct pm_call *c, struct list_head *list, struct pm_alloc *a)
{
	int cpus[PM_MAX_WORKERS], src = NUMA_NO_NODE, neg = 0, sum = 0;
	unsigned int folios, n, i;
	unsigned long pages = pm_list_pages(list, &src, &folios), seen = 0;
	bool own;
	struct pm_worker *w;
	struct folio *folio, *next;

	/* No worker without a folio of its own to migrate (a THP is one). */
	n = min3(c->max_workers, (unsigned int)PM_MAX_WORKERS,
		 (unsigned int)min_t(unsigned long, pages / PM_PAR_MIN_PAGES, folios));
	if (n > 1)
		n = 1 + pm_pick_cpus(a->mtc.nid, src, cpus, n - 1);
	if (n <= 1)
		return pm_migrate(list, a);
	if (!c->workers) {
		c->workers = kcalloc(PM_MAX_WORKERS, sizeof(*c->workers),
				     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!c->workers)
			return pm_migrate(list, a);	/* no memory to split: as one */
	}
	w = c->workers;
	for (i = 0; i < n; i++) {
		INIT_LIST_HEAD(&w[i].list);
		w[i].a.mtc = a->mtc;
		w[i].a.nr_nomem = 0;
		w[i].a.thp_split = false;
	}
	/* Contiguous shares of about equal pages (a THP weighs 512). */
	list_for_each_entry_safe(folio, next, list, lru) {
		list_move_tail(&folio->lru, &w[seen * n / pages].list);
		seen += folio_nr_pages(folio);
	}
	/*
	 * Moving the caller's own memory, the caller's CPU has that mm loaded
	 * and every worker's TLB flush interrupts it (6.1 flushes once per
	 * folio). So its share goes to a kworker on its CPU and the caller
	 * sleeps: that CPU, running a kernel thread, is lazy, and flushes
	 * skip it.
	 */
	own = current->mm == c->lk.mm;
	for (i = own ? 0 : 1; i < n; i++) {
		w[i].err = 0;
		/* Big folios may leave a share empty: no wake-up for it. */
		w[i].queued = !list_empty(&w[i].list);
		if (!w[i].queued)
			continue;
		INIT_WORK(&w[i].work, pm_worker_fn);
		init_completion(&w[i].done);
		queue_work_on(i ? cpus[i - 1] : raw_smp_processor_id(), system_highpri_wq,
			      &w[i].work);
	}
	if (!own)
		w[0].err = pm_migrate(&w[0].list, &w[0].a);
	/* (Not the list: a worker that moved all of its share empties it.) */
	for (i = own ? 0 : 1; i < n; i++)
		if (w[i].queued)
			wait_for_completion(&w[i].done);

	/* As one migrate_pages() call: -ENOMEM wins, else the failures add up. */
	a->nr_nomem = 0;
	for (i = 0; i < n; i++) {
		unsigned int j;

		list_splice_tail_init(&w[i].list, list);
		for (j = 0; j < min_t(unsigned int, w[i].a.nr_nomem, PM_NOMEM_SLOTS); j++)
			a->nomem[a->nr_nomem++ % PM_NOMEM_SLOTS] = w[i].a.nomem[j];
		a->thp_split |= w[i].a.thp_split;
		if (w[i].err < 0)
			neg = w[i].err;
		else
			sum += w[i].err;
	}
	c->nr_parallel++;
	return neg ?: sum;
}
