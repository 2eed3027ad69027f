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
#include <linux/hash.h>
#include <linux/vmstat.h>
#include <linux/log2.h>
#include <linux/vmalloc.h>
#include "call.h"

/* Why a folio that stayed on the list did not move. */
static int pm_fail_status(struct folio *folio, const struct pm_alloc *a)
{
	struct address_space *mapping;

	if (pm_alloc_failed(a, folio))
		return -ENOMEM;
	if (folio_test_anon(folio) || !folio_test_dirty(folio))
		return -EBUSY;
#ifndef PM_HAVE_WRITEPAGE
	/* 7.x: no ->writepage, fallback_migrate_folio() gives up on a dirty folio: busy. */
	return -EBUSY;
#endif
	mapping = folio_mapping(folio);
	if (!mapping || mapping->a_ops->migrate_folio)
		return -EBUSY;
	/* fallback_migrate_folio() needed writeout(): it failed or was impossible. */
	return pm_has_writepage(mapping) ? -EIO : -EINVAL;
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
static unsigned long pm_list_len(const struct list_head *list)
{
	const struct list_head *pos;
	unsigned long n = 0;

	list_for_each(pos, list)
		n++;
	return n;
}

static void pm_flush_seed(struct pm_call *c, int node, struct list_head *list)
{
	struct folio *folio, *next;
	LIST_HEAD(done);
	struct pm_alloc a;
	int err;

	pm_mtc_init(&a.mtc, node);
	a.thp_split = false;
	while (!list_empty(list)) {
		unsigned long before = pm_list_len(list), left = 0;

		a.nr_nomem = 0;
		err = pm_migrate_batch(c, list, &a);
		c->migrated = true;
		c->thp_split |= a.thp_split;
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
				before--;
			} else {
				left++;
			}
		}
		if (err != -ENOMEM)
			break;
		/*
		 * -ENOMEM we cannot pin on a folio, or a retry that moved
		 * nothing (the node is full: what is left would fail the same
		 * way, one migrate_pages() call each; 3000 pages of a full
		 * node took 80 s so on the debug kernel): fail what is left.
		 */
		if (!a.nr_nomem || (left == before && a.mtc.gfp_mask & __GFP_NORETRY)) {
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

/* The folio table (struct pm_seen): hashed by the folio's address. */
static struct pm_seen *pm_seen_slot(const struct pm_call *c, struct folio *folio)
{
	unsigned int i = hash_ptr(folio, 32) & c->seen_mask;

	while (c->seen[i].folio && c->seen[i].folio != folio)
		i = (i + 1) & c->seen_mask;
	return &c->seen[i];
}

bool pm_seen_queued(const struct pm_call *c, struct folio *folio)
{
	const struct pm_seen *s;

	if (!c->seen || !folio)
		return false;
	s = pm_seen_slot(c, folio);
	return s->folio == folio && s->queued != PM_NONE;
}

/*
 * Entry @j's lookup found a folio: chain it to the folio's other entries.
 * Another subpage of a folio queued for the same node shares its fate
 * (its lookup saw the folio already off the LRU: -EBUSY); a folio named
 * for two nodes is a conflict, settled once the chunk is looked up.
 */
static void pm_seen_add(struct pm_call *c, unsigned int j)
{
	struct pm_page *p = &c->pg[j];
	struct pm_seen *s = pm_seen_slot(c, p->folio);
	unsigned int k;

	p->next = PM_NONE;
	if (!s->folio) {
		*s = (struct pm_seen){ .folio = p->folio, .first = j, .last = j,
				       .queued = p->verdict == PM_QUEUED ? j : PM_NONE,
				       .node0 = c->node[j] };
		return;
	}
	c->pg[s->last].next = j;
	s->last = j;
	if (c->node[j] != s->node0 && !s->conflict) {
		s->conflict = true;
		c->conflicts = true;
	}
	if (p->verdict == PM_QUEUED && s->queued == PM_NONE) {
		s->queued = j;
		/* Entries before it that found the folio busy: their isolation was this one. */
		for (k = s->first; k != j; k = c->pg[k].next)
			if (c->pg[k].verdict == PM_STATUS && c->pg[k].status == -EBUSY &&
			    c->node[k] == c->node[j])
				c->pg[k].verdict = PM_SAME_FOLIO;
	} else if (p->verdict == PM_STATUS && p->status == -EBUSY && s->queued != PM_NONE &&
		   c->node[s->queued] == c->node[j]) {
		p->verdict = PM_SAME_FOLIO;
	}
}

/*
 * Conflicts. Entries of one chunk that name the same folio for different
 * nodes are settled so that every status tells where the page ends:
 *
 * - a THP (any large folio but hugetlb) is split, and each of its pages
 *   goes where the last entry naming that page asked; pages no entry
 *   names stay where they are;
 * - a page that cannot be split (hugetlb, a small page named twice, a THP
 *   the kernel would not split) goes where the last entry naming it asked,
 *   as if the entries were carried out in order: the final placement
 *   move_pages(2) gives. Entries that asked otherwise report the node it
 *   ends on (or, if its migration fails, the node it stays on).
 */
static void pm_settle_whole(struct pm_call *c, struct pm_seen *s)
{
	struct folio *folio = s->folio;
	u32 j, win = s->last;
	int node = c->node[win], nid = c->pg[s->queued].nid;

	if (node == nid) {
		/* The last word is "stay": give the folio back. */
		LIST_HEAD(back);

		list_move(&folio->lru, &back);
		pm_call(putback_movable_pages)(&back);
		for (j = s->first; j != PM_NONE; j = c->pg[j].next)
			c->pg[j] = (struct pm_page){ .verdict = PM_STATUS, .status = nid,
						     .folio = folio, .nid = nid,
						     .page = c->pg[j].page, .next = c->pg[j].next,
						     .carried = c->pg[j].carried };
		return;
	}
	list_move_tail(&folio->lru, &c->lists[node]);
	for (j = s->first; j != PM_NONE; j = c->pg[j].next) {
		struct pm_page *p = &c->pg[j];

		p->nid = nid;
		if (c->node[j] == node) {
			p->verdict = PM_QUEUED;
		} else {
			p->verdict = PM_FOLLOW;
			p->follow = win;
		}
	}
}

/* A page of a split THP that the split itself unmapped (pm_settle_split). */
#define PM_GONE		(PM_NONE - 1)

/* @page's index in the folio of @nr pages from @pfn0; @nr when it is none of them. */
static unsigned long pm_page_idx(const struct page *page, unsigned long pfn0, unsigned long nr)
{
	unsigned long i = page ? page_to_pfn(page) - pfn0 : nr;

	return i < nr ? i : nr;
}

static bool pm_settle_split(struct pm_call *c, struct pm_seen *s)
{
	struct folio *folio = s->folio, *f, *next;
	unsigned long pfn0 = folio_pfn(folio), nr = folio_nr_pages(folio), i;
	int nid = c->pg[s->queued].nid;
	LIST_HEAD(split);
	LIST_HEAD(back);
	u32 *win, j;

	if (!folio_test_large(folio) || folio_test_hugetlb(folio))
		return false;
	win = kvmalloc_array(nr, sizeof(*win), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!win)
		return false;
	for (i = 0; i < nr; i++)
		win[i] = PM_NONE;
	/* Each page: the last entry that names it. */
	for (j = s->first; j != PM_NONE; j = c->pg[j].next) {
		i = pm_page_idx(c->pg[j].page, pfn0, nr);
		if (i < nr)
			win[i] = j;
	}
	if (!folio_trylock(folio)) {
		kvfree(win);
		return false;
	}
	/* Split off the list, so that its pages can go their own ways. */
	list_move(&folio->lru, &split);
	if (pm_split_folio(folio, &split)) {
		folio_unlock(folio);
		list_move_tail(&folio->lru, &c->lists[c->node[s->queued]]);
		kvfree(win);
		return false;
	}
	folio_unlock(folio);	/* now the first page's own folio; the rest are unlocked */
	list_for_each_entry_safe(f, next, &split, lru) {
		i = folio_pfn(f) - pfn0;
		j = i < nr ? win[i] : PM_NONE;
		/*
		 * Since 6.12 a split maps a zero-filled page of an anonymous
		 * THP to the shared zero page (remap_page()'s
		 * RMP_USE_SHARED_ZEROPAGE): that page is unmapped now, and
		 * its address is the zero page's.
		 */
		if (!folio_mapped(f)) {
			list_move_tail(&f->lru, &back);
			if (i < nr)
				win[i] = PM_GONE;
		} else if (j == PM_NONE || c->node[j] == nid) {
			list_move_tail(&f->lru, &back);
		} else {
			list_move_tail(&f->lru, &c->lists[c->node[j]]);
		}
	}
	for (j = s->first; j != PM_NONE; j = c->pg[j].next) {
		struct pm_page *p = &c->pg[j];
		unsigned long idx = pm_page_idx(p->page, pfn0, nr);
		u32 w = idx < nr ? win[idx] : PM_NONE;

		p->nid = nid;
		if (w == PM_NONE || w == PM_GONE) {
			/* The zero page (or no page: a queued THP's entries all have one). */
			p->verdict = PM_STATUS;
			p->status = w == PM_GONE ? -EFAULT : -EBUSY;
			continue;
		}
		p->folio = page_folio(p->page);
		if (c->node[w] == nid) {
			p->verdict = PM_STATUS;
			p->status = nid;
		} else if (c->node[j] == c->node[w]) {
			p->verdict = PM_QUEUED;
		} else {
			p->verdict = PM_FOLLOW;
			p->follow = w;
		}
	}
	if (!list_empty(&back))
		pm_call(putback_movable_pages)(&back);
	kvfree(win);
	return true;
}

/*
 * A THP that migrate_pages() split (no THP free on the target, or, since
 * 6.12, a partially mapped one) had its pages moved one by one, and since
 * 6.12 a split maps its zero-filled pages to the shared zero page: their
 * addresses no longer hold a page of any node. So after such a chunk the
 * THP entries are looked up again (those that report a node, and those
 * that failed: a page whose target allocation failed after the split is
 * not there either), and an address that holds the zero page now is
 * -EFAULT; one reported moved whose page is not on its node is -EBUSY,
 * not moved (a 7.3-debug soak saw 146 pages of one split THP reported
 * moved to node 0 and found on node 1). Such a split is seen by the
 * allocation callback's failure, or by the kernel's count of them (thp_migration_split, summed
 * over the CPUs: another process's splits only cost a needless look).
 */
static unsigned long pm_thp_migration_splits(void)
{
	unsigned long sum = 0;
#if defined(CONFIG_VM_EVENT_COUNTERS) && defined(CONFIG_TRANSPARENT_HUGEPAGE) && \
	defined(CONFIG_MIGRATION)
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(vm_event_states, cpu).event[THP_MIGRATION_SPLIT];
#endif
	return sum;
}

/* Statuses the look-up after a split corrected (debugfs pagemove/split_fixed). */
atomic_t pm_split_fixed = ATOMIC_INIT(0);

static void pm_verify_thp_split(struct pm_call *c)
{
	unsigned int j, cost = 0;

	for (j = 0; j < c->nr; j++) {
		struct pm_page *p = &c->pg[j];
		int q;

		/*
		 * Failed ones too: a page whose target allocation failed
		 * after the split (-ENOMEM) may be the zero page now.
		 */
		if (!p->thp || (p->verdict == PM_STATUS && p->status == -EFAULT))
			continue;
		if (cost >= PM_LOCK_BATCH * PM_QUERY_COST_WALK) {
			pm_breathe(c);
			cost = 0;
		}
		pm_lock(c);
		q = pm_lookup_query(&c->lk, pm_untag(c->lk.mm, c->addr[j]), &cost);
		if (q == -EFAULT) {
			p->verdict = PM_STATUS;
			p->status = q;
		} else if (q >= 0 && q != c->node[j] &&
			   (p->verdict == PM_QUEUED || p->verdict == PM_SAME_FOLIO)) {
			/*
			 * Reported moved, and not there: a split's pages are
			 * migrated one by one, once, and the kernel counts the
			 * THP as one failure however many of them moved. Not
			 * moved, then (-EBUSY: migration failed).
			 */
			p->verdict = PM_STATUS;
			p->status = -EBUSY;
			atomic_inc(&pm_split_fixed);
		}
	}
	pm_unlock(c);
	c->thp_split = false;
}

static void pm_settle_conflicts(struct pm_call *c)
{
	unsigned int i;

	for (i = 0; i <= c->seen_mask; i++) {
		struct pm_seen *s = &c->seen[i];

		/* A folio nobody queued does not move: its statuses are true as they are. */
		if (!s->folio || !s->conflict || s->queued == PM_NONE)
			continue;
		/* A folio carried into the next chunk as moved whole is not, now. */
		if (s->folio == c->span.folio)
			c->carry_left = 0;
		if (!pm_settle_split(c, s))
			pm_settle_whole(c, s);
	}
	c->conflicts = false;
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
	c->span = (struct pm_page){ .folio = p->folio, .status = p->status, .page = p->page,
				    .nid = p->nid, .thp = p->thp,
				    .verdict = p->verdict == PM_QUEUED ? PM_SAME_FOLIO : PM_STATUS };
	c->span_next = c->addr[j] + PAGE_SIZE;
	c->span_node = c->node[j];
}

static bool pm_span_take(struct pm_call *c, unsigned int j, struct pm_page *p)
{
	if (!c->span_left || c->addr[j] != c->span_next || c->node[j] != c->span_node)
		return false;
	/* The leaf maps the folio whole: the next address, the next page. */
	if (c->span.page)
		c->span.page = pm_nth_page(c->span.page, 1);
	*p = c->span;
	c->span_left--;
	c->span_next += PAGE_SIZE;
	return true;
}

/*
 * The pages of a folio that the previous chunk queued whole and that run
 * into this chunk: each is looked up like any other (one walk for a
 * PMD-mapped THP or a hugetlb page, the rest shares it), so its status is
 * where the page is now: a split by the migration (pages that did not
 * move, the zero page) and a later entry of this chunk asking for another
 * node (a conflict in this chunk's folio table) are seen. One found on
 * the node it was moved to is reported moved, not "already in place".
 */
static void pm_carry_mark(struct pm_call *c, unsigned int j, struct pm_page *p)
{
	p->carried = false;
	if (!c->carry_left)
		return;
	if (c->addr[j] != c->carry_next || c->node[j] != c->carry_node) {
		c->carry_left = 0;
		return;
	}
	c->carry_left--;
	c->carry_next += PAGE_SIZE;
	p->carried = p->verdict == PM_STATUS && p->status == c->node[j];
}

/* Look up and isolate the chunk's entries, under the mmap lock. */
static int pm_collect_seed(struct pm_call *c)
{
	unsigned int j, lookups = 0;
	bool brk;
	int err;

	memset(c->seen, 0, (c->seen_mask + 1) * sizeof(*c->seen));
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
		/* The previous chunk's last THP, its next page asked for another node? */
		brk = j == 0 && c->tail_nr && c->addr[j] == c->tail_next && node != c->tail_node;
		if (c->locked && pm_span_take(c, j, p)) {
			pm_carry_mark(c, j, p);
			pm_seen_add(c, j);
			continue;
		}
		if (lookups++ % PM_LOCK_BATCH == 0 || need_resched()) {
			pm_breathe(c);
			if (fatal_signal_pending(current)) {
				c->nr = j;
				return -EINTR;
			}
		}
		pm_lock(c);
		pm_lookup_isolate(c, c->addr[j], node, &c->lists[node], p);
		pm_carry_mark(c, j, p);
		if (p->folio)
			pm_seen_add(c, j);
		if (brk && p->verdict == PM_QUEUED && p->thp && p->page &&
		    folio_nr_pages(p->folio) == c->tail_nr &&
		    page_to_pfn(p->page) - folio_pfn(p->folio) == c->tail_idx) {
			struct pm_seen *s = pm_seen_slot(c, p->folio);

			s->conflict = true;
			c->conflicts = true;
		}
		pm_span_start(c, j, p);
	}
	/* A folio queued whole that runs past the chunk: see pm_carry_mark(). */
	c->carry_left = c->span.verdict == PM_SAME_FOLIO ? c->span_left : 0;
	c->carry_next = c->span_next;
	c->carry_node = c->span_node;
	c->tail_nr = 0;
	if (c->nr) {
		const struct pm_page *p = &c->pg[c->nr - 1];
		unsigned long idx = p->page && p->folio ? page_to_pfn(p->page) - folio_pfn(p->folio) : 0;

		if (p->thp && p->page && p->folio &&
		    (p->verdict != PM_STATUS || p->status >= 0) &&
		    idx + 1 < folio_nr_pages(p->folio)) {
			c->tail_next = c->addr[c->nr - 1] + PAGE_SIZE;
			c->tail_idx = idx + 1;
			c->tail_nr = folio_nr_pages(p->folio);
			c->tail_node = c->node[c->nr - 1];
		}
	}
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

/* What an entry's report was, for pm_recheck_seed(): 2 bits an entry. */
enum { PM_OUT_ERRNO, PM_OUT_MOVED, PM_OUT_IN_PLACE, PM_OUT_NODE };

static void pm_outcome_set(struct pm_call *c, u64 i, unsigned int o)
{
	if (c->outcome)
		c->outcome[i / 4] = (c->outcome[i / 4] & ~(3 << (i % 4 * 2))) | o << (i % 4 * 2);
}

static unsigned int pm_outcome(const struct pm_call *c, u64 i)
{
	return c->outcome[i / 4] >> (i % 4 * 2) & 3;
}

static void pm_report_seed(struct pm_call *c)
{
	unsigned int j;

	for (j = 0; j < c->nr; j++) {
		struct pm_page *p = &c->pg[j];
		int st;

		if (p->verdict == PM_QUEUED || p->verdict == PM_SAME_FOLIO ||
		    (p->verdict == PM_STATUS && p->carried && p->status == c->node[j])) {
			c->status[j] = c->node[j];
			c->nr_moved++;
			c->nr_queued++;
			pm_outcome_set(c, c->base + j, PM_OUT_MOVED);
			continue;
		}
		if (p->verdict == PM_FOLLOW) {
			/* Where the entry it follows took the page, or where it stayed. */
			const struct pm_page *w = &c->pg[p->follow];

			st = w->verdict == PM_STATUS ? p->nid : c->node[p->follow];
			c->nr_queued++;
		} else {
			st = p->status;
		}
		c->status[j] = st;
		if (st >= 0 && st == c->node[j]) {
			c->nr_in_place++;
			pm_outcome_set(c, c->base + j, PM_OUT_IN_PLACE);
		} else {
			c->nr_failed++;
			pm_count_status(c, st);
			pm_outcome_set(c, c->base + j, st >= 0 ? PM_OUT_NODE : PM_OUT_ERRNO);
			/* These needed moving and could not: not an "-ENOENT" call. */
			if (p->verdict != PM_FOLLOW &&
			    st != -ENOENT && st != -EFAULT && st != -EACCES)
				c->nr_queued++;
		}
	}
}

/*
 * A page that one chunk reported and a later chunk moved again (the same
 * address, or another page of its THP, asked for another node more than
 * PM_CHUNK entries later) is no longer where the first report said. Each
 * earlier chunk is read again and every node status checked against where
 * the page is now; the ones a later chunk made untrue are rewritten, and
 * the counts with them. The last chunk's statuses are true already.
 */
static int pm_recheck_seed(struct pm_call *c, u64 last_base)
{
	unsigned int cost = 0;
	u64 base;

	for (base = 0; base < last_base; base += c->nr) {
		unsigned int j;

		if (pm_read_chunk(c, base, true) != c->nr)
			return -EFAULT;	/* the arrays changed under us */
		/* Under the mmap lock: the answers; INT_MIN where nothing changes. */
		for (j = 0; j < c->nr; j++) {
			unsigned int o = pm_outcome(c, base + j);
			int q;

			c->status[j] = INT_MIN;
			if (o == PM_OUT_ERRNO)
				continue;
			if (cost >= PM_LOCK_BATCH * PM_QUERY_COST_WALK) {
				pm_breathe(c);
				cost = 0;
				if (fatal_signal_pending(current))
					return -EINTR;
			}
			pm_lock(c);
			q = pm_lookup_query(&c->lk, pm_untag(c->lk.mm, c->addr[j]), &cost);
			/*
			 * What the address holds now: another node, or no page
			 * of any (a THP page a later chunk's split mapped to the
			 * zero page: -EFAULT).
			 */
			if (o == PM_OUT_NODE || q != c->node[j])
				c->status[j] = q;
		}
		pm_unlock(c);
		/* Then, with no lock held (the status array may fault), the rewrites. */
		for (j = 0; j < c->nr; j++) {
			unsigned int o = pm_outcome(c, base + j), now;
			int q = c->status[j];

			if (q == INT_MIN)
				continue;
			if (put_user(q, c->ustatus + base + j))
				return -EFAULT;
			now = q == c->node[j] ? PM_OUT_MOVED : q >= 0 ? PM_OUT_NODE : PM_OUT_ERRNO;
			if (o == now)
				continue;
			if (o == PM_OUT_MOVED)
				c->nr_moved--;
			else if (o == PM_OUT_IN_PLACE)
				c->nr_in_place--;
			else
				c->nr_failed--;
			if (now == PM_OUT_MOVED)
				c->nr_moved++;
			else
				c->nr_failed++;
		}
		cond_resched();
	}
	return 0;
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
	unsigned long splits;
	u64 base, last_base = 0;
	int node, err;

	err = pm_validate_seed(c);
	if (err)
		return err;
	/* The folio table: twice the chunk's entries, at least. */
	c->seen_mask = roundup_pow_of_two(2 * c->cap) - 1;
	c->seen = kvmalloc_array(c->seen_mask + 1, sizeof(*c->seen),
				 GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!c->seen)
		return -ENOMEM;
	/* Arrays of more than one chunk: see pm_recheck_seed(). */
	if (!c->range && pm_budget_multi(c)) {
		c->outcome = kvzalloc(DIV_ROUND_UP(c->count, 4),
				      GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
		if (!c->outcome)
			return -ENOMEM;
	}

	for (base = 0; base < c->count; base += c->nr) {
		unsigned int valid;

		c->next = base;
		/* Between two chunks: a budget spent, or a signal (budget.c). */
		if (base) {
			err = pm_budget_spent(c);
			if (err)
				break;
		}
		/*
		 * A single chunk is still in hand from the validation (a range's
		 * are made), unless the budget takes fewer entries.
		 */
		c->lim = pm_budget_chunk(c);
		valid = c->count > c->cap || c->range || c->lim < c->count ?
			pm_read_chunk(c, base, true) : c->nr;
		c->lim = 0;
		if (valid != c->nr)
			return -EFAULT;	/* the arrays changed under us */
		c->last_queued = NULL;
		err = pm_collect_seed(c);
		if (err) {
			pm_putback_all(c);
			return err;
		}
		if (c->conflicts)
			pm_settle_conflicts(c);
		splits = pm_thp_migration_splits();
		for_each_node_state(node, N_MEMORY) {
			if ((unsigned int)node < c->nr_lists && !list_empty(&c->lists[node]))
				pm_flush_seed(c, node, &c->lists[node]);
		}
		if (pm_thp_migration_splits() != splits)
			c->thp_split = true;
		if (c->thp_split)
			pm_verify_thp_split(c);
		pm_report_seed(c);
		if ((!c->range || c->ustatus) &&
		    copy_to_user(c->ustatus + base, c->status, c->nr * sizeof(s32)))
			return -EFAULT;
		cond_resched();
		last_base = base;
		c->next = base + c->nr;
		/* A signal in the pace after the last chunk stops nothing. */
		err = pm_budget_pace(c);
		if (err && c->next < c->count)
			break;
		err = 0;
	}
	/* Stopped early: the entries from c->next on were not reached. */
	c->count = c->next;
	if (c->outcome) {
		int e = pm_recheck_seed(c, last_base);

		if (e)
			return e;
	}
	if (err)
		return err;
	return c->nr_queued ? 0 : -ENOENT;
}
