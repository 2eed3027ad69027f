// SPDX-License-Identifier: GPL-2.0
/*
 * Seed-contract reporting (the default): every argument validated before
 * any page is touched, each chunk grouped by target node, a final status
 * for every entry, per-page failures reported and gone past.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include "call.h"

/* Why a folio that stayed on the list did not move. */
static int pm_fail_status(struct folio *folio, const struct pm_alloc *a)
{
	struct address_space *mapping;

	if (pm_alloc_failed(a, folio))
		return -ENOMEM;
	if (folio_test_anon(folio) || !folio_test_dirty(folio))
		return -EBUSY;
	mapping = folio_mapping(folio);
	if (!mapping || mapping->a_ops->migrate_folio)
		return -EBUSY;
	/* fallback_migrate_folio() needed writeout(): it failed or was impossible. */
	return mapping->a_ops->writepage ? -EIO : -EINVAL;
}

/* Give every queued entry of the chunk whose folio is @folio the status @st. */
static void pm_mark_failed(struct pm_call *c, struct folio *folio, int st)
{
	unsigned int j;

	for (j = 0; j < c->nr; j++) {
		struct pm_page *p = &c->pg[j];

		if (p->verdict != PM_QUEUED && p->verdict != PM_SAME_FOLIO)
			continue;
		if ((p->page ? page_folio(p->page) : p->folio) != folio)
			continue;
		p->verdict = PM_STATUS;
		p->status = st;
	}
}

/*
 * Migrate one node's list. Folios whose target allocation failed get
 * -ENOMEM and the rest is retried, so one full node does not fail the
 * chunk; everything else that stays on the list failed for good.
 */
static void pm_flush_seed(struct pm_call *c, int node, struct list_head *list)
{
	struct folio *folio, *next;
	LIST_HEAD(done);
	struct pm_alloc a;
	int err;

	pm_mtc_init(&a.mtc, node);
	while (!list_empty(list)) {
		a.nr_nomem = 0;
		err = pm_migrate_batch(c, list, &a);
		c->migrated = true;
		if (!err)
			break;
		/* Failures with LRU batches undrained: drain every CPU's, try once more. */
		if (err > 0 && pm_drain_lru_all(c))
			continue;
		list_for_each_entry_safe(folio, next, list, lru) {
			bool nomem = pm_alloc_failed(&a, folio);

			if (err != -ENOMEM || nomem) {
				pm_mark_failed(c, folio, pm_fail_status(folio, &a));
				list_move_tail(&folio->lru, &done);
			}
		}
		if (err != -ENOMEM)
			break;
		if (!a.nr_nomem) {
			/* -ENOMEM we cannot pin on a folio: fail what is left. */
			list_for_each_entry_safe(folio, next, list, lru) {
				pm_mark_failed(c, folio, -ENOMEM);
				list_move_tail(&folio->lru, &done);
			}
			break;
		}
		/* The first attempt reclaimed; later ones must not keep trying. */
		a.mtc.gfp_mask |= __GFP_NORETRY;
	}
	if (!list_empty(&done))
		pm_call(putback_movable_pages)(&done);
}

static bool pm_queued_with(const struct pm_call *c, unsigned int k, unsigned int j)
{
	const struct pm_page *p = &c->pg[j], *q = &c->pg[k];

	return q->verdict == PM_QUEUED && q->folio == p->folio && q->page != p->page &&
	       c->node[k] == c->node[j];
}

/*
 * Another subpage of a folio this chunk already queued shares its fate.
 * Subpages mostly follow the entry that queued their folio (@last): that
 * one is tried first, the whole chunk only when it is not the one.
 */
static bool pm_same_folio_queued(const struct pm_call *c, unsigned int j, unsigned int last)
{
	unsigned int k;

	if (last < j && pm_queued_with(c, last, j))
		return true;
	for (k = 0; k < j; k++)
		if (pm_queued_with(c, k, j))
			return true;
	return false;
}

/*
 * After a lookup whose answer belongs to the whole folio (queued, already
 * in place, shared, pinned) and a leaf that maps the folio whole: the next
 * addresses inside that leaf, for the same node, take the same answer
 * without a page-table walk. One lookup per THP or hugetlb page.
 */
static void pm_span_start(struct pm_call *c, unsigned int j, const struct pm_page *p)
{
	unsigned long addr = pm_untag(c->lk.mm, c->addr[j]);
	bool whole = p->verdict == PM_QUEUED ||
		     (p->verdict == PM_STATUS && p->folio &&
		      (p->status >= 0 || p->status == -EACCES || p->status == -EPERM));

	c->span_left = whole && p->span_end > addr ? (p->span_end - addr) / PAGE_SIZE - 1 : 0;
	if (!c->span_left)
		return;
	c->span = (struct pm_page){ .folio = p->folio, .status = p->status,
				    .verdict = p->verdict == PM_QUEUED ? PM_SAME_FOLIO : PM_STATUS };
	c->span_next = c->addr[j] + PAGE_SIZE;
	c->span_node = c->node[j];
}

static bool pm_span_take(struct pm_call *c, unsigned int j, struct pm_page *p)
{
	if (!c->span_left || c->addr[j] != c->span_next || c->node[j] != c->span_node)
		return false;
	*p = c->span;
	c->span_left--;
	c->span_next += PAGE_SIZE;
	return true;
}

/*
 * The pages of a folio that the previous chunk migrated whole and that run
 * into this chunk were moved by this call: so they are reported (moved,
 * not "already in place"), without a lookup.
 */
static bool pm_carry_take(struct pm_call *c, unsigned int j, struct pm_page *p)
{
	if (!c->carry_left || c->addr[j] != c->carry_next || c->node[j] != c->carry_node) {
		c->carry_left = 0;
		return false;
	}
	*p = (struct pm_page){ .verdict = PM_SAME_FOLIO };
	c->carry_left--;
	c->carry_next += PAGE_SIZE;
	return true;
}

/* Look up and isolate the chunk's entries, under the mmap lock. */
static int pm_collect_seed(struct pm_call *c)
{
	unsigned int j, lookups = 0, last = UINT_MAX;
	int err;

	for (j = 0; j < c->nr; j++) {
		struct pm_page *p = &c->pg[j];
		int node = c->node[j];

		/*
		 * Checked here, where the node indexes lists[]: a chunk past
		 * the first is read again after validation, and another
		 * thread may have changed it in between.
		 */
		err = pm_check_node(c, node);
		if (err) {
			*p = (struct pm_page){ .verdict = PM_STATUS, .status = err };
			continue;
		}
		if (pm_carry_take(c, j, p) || (c->locked && pm_span_take(c, j, p)))
			continue;
		if (lookups++ % PM_LOCK_BATCH == 0 || need_resched()) {
			pm_breathe(c);
			if (fatal_signal_pending(current)) {
				c->nr = j;
				return -EINTR;
			}
		}
		pm_lock(c);
		pm_lookup_isolate(c, c->addr[j], node, &c->lists[node], p);
		/* (A small folio has no other subpage: no scan of the chunk.) */
		if (p->verdict == PM_STATUS && p->status == -EBUSY && p->folio &&
		    folio_test_large(p->folio) && pm_same_folio_queued(c, j, last))
			p->verdict = PM_SAME_FOLIO;
		if (p->verdict == PM_QUEUED)
			last = j;
		pm_span_start(c, j, p);
	}
	/* A folio queued whole that runs past the chunk: see pm_carry_take(). */
	c->carry_left = c->span.verdict == PM_SAME_FOLIO ? c->span_left : 0;
	c->carry_next = c->span_next;
	c->carry_node = c->span_node;
	pm_unlock(c);
	return 0;
}

/* A range request's per-status counts. */
static void pm_count_status(struct pm_call *c, int status)
{
	static const int order[PM_NR_STATUS] = {
		[PM_ENOENT] = -ENOENT, [PM_EACCES] = -EACCES, [PM_EPERM] = -EPERM,
		[PM_EBUSY] = -EBUSY, [PM_EFAULT] = -EFAULT, [PM_ENOMEM] = -ENOMEM,
		[PM_EIO] = -EIO, [PM_EINVAL] = -EINVAL,
	};
	unsigned int i;

	for (i = 0; i < PM_NR_STATUS; i++)
		if (order[i] == status)
			c->nr_status[i]++;
}

static void pm_report_seed(struct pm_call *c)
{
	unsigned int j;

	for (j = 0; j < c->nr; j++) {
		struct pm_page *p = &c->pg[j];

		if (p->verdict != PM_STATUS) {
			c->status[j] = c->node[j];
			c->nr_moved++;
			c->nr_queued++;
			continue;
		}
		c->status[j] = p->status;
		if (p->status >= 0 && p->status == c->node[j]) {
			c->nr_in_place++;
		} else {
			c->nr_failed++;
			pm_count_status(c, p->status);
			/* These needed moving and could not: not an "-ENOENT" call. */
			if (p->status != -ENOENT && p->status != -EFAULT && p->status != -EACCES)
				c->nr_queued++;
		}
	}
}

/* Every argument is checked before any page is touched. */
static int pm_validate_seed(struct pm_call *c)
{
	u64 base;

	for (base = 0; base < c->count; base += c->nr) {
		unsigned int valid = pm_read_chunk(c, base, true), j;

		for (j = 0; j < c->nr; j++) {
			int err;

			if (j >= valid)
				return -EFAULT;
			err = pm_check_node(c, c->node[j]);
			if (err)
				return err;
		}
	}
	return pm_probe_status(c);
}

long pm_move_seed(struct pm_call *c)
{
	u64 base;
	int node, err;

	err = pm_validate_seed(c);
	if (err)
		return err;

	for (base = 0; base < c->count; base += c->nr) {
		/* A single chunk is still in hand from the validation (a range's are made). */
		if ((c->count > c->cap || c->range) && pm_read_chunk(c, base, true) != c->nr)
			return -EFAULT;	/* the arrays changed under us */
		c->last_queued = NULL;
		err = pm_collect_seed(c);
		if (err) {
			pm_putback_all(c);
			return err;
		}
		for_each_node_state(node, N_MEMORY) {
			if ((unsigned int)node < c->nr_lists && !list_empty(&c->lists[node]))
				pm_flush_seed(c, node, &c->lists[node]);
		}
		pm_report_seed(c);
		/* The carried folio must have moved: the chunk's last entry says. */
		if (c->carry_left && c->pg[c->nr - 1].verdict == PM_STATUS)
			c->carry_left = 0;
		if ((!c->range || c->ustatus) &&
		    copy_to_user(c->ustatus + base, c->status, c->nr * sizeof(s32)))
			return -EFAULT;
		cond_resched();
	}
	return c->nr_queued ? 0 : -ENOENT;
}
