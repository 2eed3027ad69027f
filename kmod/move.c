// SPDX-License-Identifier: GPL-2.0
/*
 * The move path: request -> validate -> per page: look up, decide, isolate
 * -> per target node: migrate -> status.
 *
 * One path, two ways of reporting. The seed contract (default, seed.c)
 * validates every argument first, groups each chunk of entries by target
 * node, gives every entry a final status and goes on past per-page
 * failures. Compat mode (compat.c) walks the entries exactly as
 * do_pages_move() does. This file holds what both share: the entry point,
 * the mmap lock, the lookup-and-isolate step, and the query.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include "call.h"

void pm_lock(struct pm_call *c)
{
	if (!c->locked) {
		mmap_read_lock(c->lk.mm);
		c->locked = true;
	}
}

void pm_unlock(struct pm_call *c)
{
	if (c->locked) {
		pm_lookup_forget(&c->lk);
		c->span_left = 0;
		mmap_read_unlock(c->lk.mm);
		c->locked = false;
	}
}

/* Keep the mmap lock hold time bounded and stay responsive. */
void pm_breathe(struct pm_call *c)
{
	pm_unlock(c);
	cond_resched();
}

/*
 * Look up @uaddr and isolate its folio onto @list, under the mmap lock.
 * A failed LRU isolation is retried after each drain, unless the folio is
 * one this call isolated (another subpage of a THP, the same page again).
 */
void pm_lookup_isolate(struct pm_call *c, u64 uaddr, int node,
			      struct list_head *list, struct pm_page *p)
{
	unsigned long addr = pm_untag(c->lk.mm, uaddr);

	pm_lookup_move(&c->lk, addr, node, list, p);
	while (p->verdict == PM_STATUS && p->lru_busy && p->folio != c->last_queued &&
	       !c->lru_off && !pm_seen_queued(c, p->folio)) {
		pm_unlock(c);
		pm_drain_lru(c);
		pm_lock(c);
		pm_lookup_move(&c->lk, addr, node, list, p);
	}
	if (p->verdict == PM_QUEUED)
		c->last_queued = p->folio;
}

/*
 * do_pages_stat(): chunks, one mmap lock each; the seed adds vma_migratable.
 * The lock is let go after PM_LOCK_BATCH walks, or eight times as many
 * PTEs read on the fast path (lookup.c).
 */
static long pm_query(struct pm_call *c)
{
	u64 base;

	for (base = 0; base < c->count; base += c->nr) {
		unsigned int valid, nr, j, cost = 0;
		int err;

		c->next = base;
		if (base) {
			err = pm_budget_spent(c);	/* @max_usec, PAGEMOVE_F_INTR */
			if (err)
				return err;
		}
		c->lim = pm_budget_chunk(c);
		valid = pm_read_chunk(c, base, false);
		c->lim = 0;
		nr = c->nr;

		/* The syscall reads 16 entries at a time and stops at the bad one. */
		if (valid != nr)
			nr = rounddown(valid, PM_STAT_CHUNK);
		for (j = 0; j < nr; j++) {
			if (cost >= PM_LOCK_BATCH * PM_QUERY_COST_WALK) {
				pm_breathe(c);
				cost = 0;
			}
			pm_lock(c);
			c->status[j] = pm_lookup_query(&c->lk, c->addr[j], &cost);
			if (c->status[j] >= 0)
				c->nr_in_place++;
			else
				c->nr_failed++;
		}
		pm_unlock(c);
		if (copy_to_user(c->ustatus + base, c->status, nr * sizeof(s32)) || nr != c->nr)
			return -EFAULT;
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	c->next = c->count;
	return 0;
}

/*
 * How many CPUs may share a large migration: the request's bound, the
 * module's, and the CPUs there are (0 = no bound of one's own).
 */
static unsigned int pm_workers_for(u32 requested)
{
	unsigned int n = min_t(unsigned int, num_online_cpus(), PM_MAX_WORKERS);

	if (pm_workers)
		n = min(n, pm_workers);
	if (requested)
		n = min_t(unsigned int, n, requested);
	return n;
}

/*
 * The working memory of a call on @t's mm, for @count entries: NULL when
 * it cannot be had (-ENOMEM).
 */
struct pm_call *pm_call_start(const struct pm_target *t, u32 flags, u32 workers,
			      unsigned int nr_lists, u64 count)
{
	struct pm_call *c = pm_call_alloc(nr_lists, min_t(u64, max_t(u64, count, 1), PM_CHUNK));

	if (!c)
		return NULL;
	c->max_workers = pm_workers_for(workers);
	c->lk.mm = t->mm;
	c->lk.compat = flags & PAGEMOVE_F_COMPAT;
	c->lk.move_all = flags & PAGEMOVE_MF_MOVE_ALL;
	c->task_nodes = t->nodes;
	c->count = count;
	return c;
}

void pm_call_end(struct pm_call *c)
{
	pm_unlock(c);
	if (c->lru_off)
		pm_lru_cache_enable();
	else if (c->migrated && pm_sym.have_lru_add_drain)
		pm_call(lru_add_drain)();	/* the new folios onto the LRU, not left in a batch */
	kfree(c->workers);
	kvfree(c->seen);
	kvfree(c->outcome);
	kvfree(c);
}

static long pm_move_req(struct pagemove_move *req, struct pm_counts *n)
{
	bool compat = req->flags & PAGEMOVE_F_COMPAT;
	struct pm_budget b = { .max_pages = req->max_pages, .max_usec = req->max_usec,
			       .rate = req->rate };
	struct pm_target t;
	struct pm_call *c;
	long ret;

	req->next = 0;
	if (req->flags & ~PAGEMOVE_F_ALL || req->__reserved || req->__reserved2)
		return -EINVAL;
	ret = pm_budget_check(&b, req->flags);
	if (ret)
		return ret;
	/* A query moves nothing: only its time and signals bound it. */
	if (!req->nodes)
		b.max_pages = b.rate = 0;
	if ((req->flags & PAGEMOVE_MF_MOVE_ALL) && !capable(CAP_SYS_NICE))
		return -EPERM;
	if (!compat && req->count > pm_max_pages)
		return -E2BIG;

	ret = pm_target_get(req->pid, req->flags, &t);
	if (ret)
		return ret;

	ret = -ENOMEM;
	c = pm_call_start(&t, req->flags, req->workers, compat ? 1 : nr_node_ids, req->count);
	if (!c)
		goto out_put;
	c->upages = u64_to_user_ptr(req->pages);
	c->unodes = u64_to_user_ptr(req->nodes);
	c->ustatus = u64_to_user_ptr(req->status);
	pm_budget_start(c, &b, req->flags);

	if (!req->nodes)
		ret = pm_query(c);
	else if (compat)
		ret = pm_move_compat(c);
	else
		ret = pm_move_seed(c);
	req->next = compat ? 0 : c->next;

	req->nr_moved = n->moved = c->nr_moved;
	req->nr_in_place = n->in_place = c->nr_in_place;
	req->nr_failed = n->failed = c->nr_failed;
	pm_call_end(c);
out_put:
	pm_target_put(&t);
	return ret;
}

/* Counted and traced whatever the answer, a refused request with no pages. */
long pm_move(struct pagemove_move *req)
{
	bool query = !req->nodes;
	u64 t0 = pm_stat_call_start(false, query, req->pid, req->flags, req->count);
	struct pm_counts n = { 0 };
	long ret = pm_move_req(req, &n);

	pm_stat_call_end(false, query, req->flags, ret, &n, t0);
	return ret;
}
