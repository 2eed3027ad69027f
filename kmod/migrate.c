// SPDX-License-Identifier: GPL-2.0
/*
 * Per-node migration: the allocation callback, migrate_pages() batches,
 * putback, and the LRU drains that make isolation succeed.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
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

	if (!dst)
		a->nomem[a->nr_nomem++ % PM_NOMEM_SLOTS] = pm_mig_folio(src);
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
