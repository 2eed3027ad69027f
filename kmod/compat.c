// SPDX-License-Identifier: GPL-2.0
/*
 * Compat reporting: exactly do_pages_move(). Runs of equal nodes form a
 * batch, a per-entry status or a node change flushes it, a failed batch
 * leaves its statuses unwritten, -ENOMEM aborts the call.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include "call.h"

static int pm_fill_status(struct pm_call *c, u64 start, int value, u64 nr)
{
	while (nr) {
		unsigned int n = min_t(u64, nr, c->cap), i;

		for (i = 0; i < n; i++)
			c->status[i] = value;
		if (copy_to_user(c->ustatus + start, c->status, n * sizeof(s32)))
			return -EFAULT;
		start += n;
		nr -= n;
	}
	return 0;
}

static bool pm_list_has_large(struct list_head *list)
{
	struct folio *folio;

	list_for_each_entry(folio, list, lru)
		if (folio_test_large(folio) && !folio_test_hugetlb(folio))
			return true;
	return false;
}

/* move_pages_and_store_status(): flush the batch [start, i) to @node. */
static long pm_flush_compat(struct pm_call *c, int node, u64 start, u64 i)
{
	struct list_head *list = &c->lists[0];
	struct pm_alloc a;
	long err;

	if (list_empty(list))
		return 0;
	pm_mtc_init(&a.mtc, node);
	a.nr_nomem = 0;
	/*
	 * A failed large folio may be split and counted differently on a
	 * second attempt: give it the syscall's conditions from the start.
	 */
	if (pm_list_has_large(list))
		pm_drain_lru_all(c);
	err = pm_migrate_batch(c, list, &a);
	/* What failed with LRU batches undrained gets the syscall's conditions. */
	if (err > 0 && pm_drain_lru_all(c))
		err = pm_migrate_batch(c, list, &a);
	c->migrated = true;
	if (err) {
		pm_call(putback_movable_pages)(list);
		/*
		 * Failed folios plus the entries never reached. The syscall's
		 * int wraps above INT_MAX; ->result is an s64: it saturates
		 * at LLONG_MAX rather than turn negative (an errno).
		 */
		if (err > 0)
			err = c->count - i > (u64)(LLONG_MAX - err) ? LLONG_MAX : err + (c->count - i);
		return err;
	}
	c->nr_moved += i - start;
	return pm_fill_status(c, start, node, i - start);
}

/*
 * With nothing to flush, a status can be stored without dropping the mmap
 * lock, as long as storing it needs no page fault (which would take the
 * lock again). False: drop the lock and use put_user().
 */
static bool pm_put_status_locked(struct pm_call *c, u64 i, s32 status)
{
	int ret;

	pagefault_disable();
	ret = put_user(status, c->ustatus + i);
	pagefault_enable();
	return ret == 0;
}

long pm_move_compat(struct pm_call *c)
{
	int cur = NUMA_NO_NODE, node;
	u64 start = 0, i;
	unsigned int valid = 0, since_lock = 0;
	struct pm_page pg;
	long err = 0, err1;

	for (i = 0; i < c->count; i++) {
		unsigned int j = i - c->base;

		if (i == 0 || j >= c->nr) {
			pm_unlock(c);
			valid = pm_read_chunk(c, i, true);
			j = 0;
		}
		err = -EFAULT;
		if (j >= valid)
			goto out_flush;
		node = c->node[j];
		err = pm_check_node(c, node);
		if (err)
			goto out_flush;

		if (cur == NUMA_NO_NODE) {
			cur = node;
			start = i;
		} else if (node != cur) {
			pm_unlock(c);
			err = pm_flush_compat(c, cur, start, i);
			if (err)
				goto out;
			start = i;
			cur = node;
			c->last_queued = NULL;
		}

		if (fatal_signal_pending(current)) {
			/* Dying: put everything back rather than migrate it. */
			pm_unlock(c);
			pm_putback_all(c);
			c->last_queued = NULL;
			err = -EINTR;
			goto out;
		}
		if (++since_lock >= PM_LOCK_BATCH || need_resched()) {
			pm_breathe(c);
			since_lock = 0;
		}
		pm_lock(c);
		pm_lookup_isolate(c, c->addr[j], cur, &c->lists[0], &pg);
		if (pg.verdict == PM_QUEUED)
			continue;

		/* A per-entry status: store it, then flush what came before. */
		if (pg.status == cur)
			c->nr_in_place++;
		if (!list_empty(&c->lists[0]) || !pm_put_status_locked(c, i, pg.status)) {
			pm_unlock(c);
			err = put_user(pg.status, c->ustatus + i) ? -EFAULT : 0;
			if (err)
				goto out_flush;
			err = pm_flush_compat(c, cur, start, i);
			if (err) {
				if (err > 0 && err != LLONG_MAX)
					err--;	/* entry i has its status */
				goto out;
			}
		}
		cur = NUMA_NO_NODE;
		c->last_queued = NULL;
	}
out_flush:
	pm_unlock(c);
	/* The pending batch is still migrated; an earlier errno wins. */
	err1 = pm_flush_compat(c, cur, start, i);
	if (err >= 0)
		err = err1;
out:
	c->nr_failed = c->count - c->nr_moved - c->nr_in_place;
	return err;
}
