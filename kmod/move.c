// SPDX-License-Identifier: GPL-2.0
/*
 * The move path: request -> validate -> per page: look up, decide, isolate
 * -> per target node: migrate -> status.
 *
 * One path, two ways of reporting. The seed contract (default) validates
 * every argument first, groups each chunk of entries by target node, gives
 * every entry a final status and goes on past per-page failures. Compat
 * mode walks the entries exactly as do_pages_move() does: runs of equal
 * nodes form a batch, a per-entry status or a node change flushes it, a
 * failed batch leaves its statuses unwritten, -ENOMEM aborts the call.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/migrate.h>
#include "pagemove.h"

/* Entries read from user space at a time; bounds the working memory. */
#define PM_CHUNK	512
/* Lookups between chances to drop the mmap lock. */
#define PM_LOCK_BATCH	64
#define PM_NOMEM_SLOTS	32
/* do_pages_stat() reads and writes in chunks of DO_PAGES_STAT_CHUNK_NR. */
#define PM_STAT_CHUNK	16

struct pm_alloc {
	struct pm_migration_target_control mtc;
	struct folio *nomem[PM_NOMEM_SLOTS];	/* sources whose target allocation failed */
	unsigned int nr_nomem;
};

struct pm_call {
	struct pm_lookup_ctx lk;
	nodemask_t task_nodes;
	u64 count;
	const u64 __user *upages;
	const s32 __user *unodes;
	s32 __user *ustatus;
	bool locked;

	/* LRU batches: this CPU's drained once, or every CPU's kept off. */
	bool drained_local;
	bool lru_off;
	bool migrated;
	/* The folio the last lookup isolated: its other subpages need no drain. */
	struct folio *last_queued;

	/* The chunk of entries [base, base + nr) read from user space. */
	u64 base;
	unsigned int nr;
	unsigned int cap;	/* entries per chunk: min(count, PM_CHUNK) */
	u64 *addr;
	s32 *node;
	s32 *status;
	struct pm_page *pg;

	/* Seed mode: one list per target node; compat mode uses lists[0]. */
	struct list_head *lists;
	unsigned int nr_lists;

	u64 nr_moved, nr_in_place, nr_failed, nr_queued;
};

static void pm_lock(struct pm_call *c)
{
	if (!c->locked) {
		mmap_read_lock(c->lk.mm);
		c->locked = true;
	}
}

static void pm_unlock(struct pm_call *c)
{
	if (c->locked) {
		pm_lookup_forget(&c->lk);
		mmap_read_unlock(c->lk.mm);
		c->locked = false;
	}
}

/* Keep the mmap lock hold time bounded and stay responsive. */
static void pm_breathe(struct pm_call *c)
{
	pm_unlock(c);
	cond_resched();
}

/*
 * A folio off the LRU cannot be isolated; it may only be waiting in a
 * per-CPU LRU batch. move_pages(2) rules that out by paying for
 * lru_cache_disable() (an expedited RCU grace period and a drain on every
 * CPU) on every call. pagemove pays only when a page needs it: first this
 * CPU's batches (cheap, where the caller's own faults wait), then every
 * CPU's, which stay disabled until the call ends; pm_drain_lru_all()
 * returns false when they already are. Never called under the mmap lock.
 */
static bool pm_drain_lru_all(struct pm_call *c)
{
	if (c->lru_off)
		return false;
	pm_call(lru_cache_disable)();
	c->lru_off = true;
	return true;
}

static void pm_drain_lru(struct pm_call *c)
{
	if (pm_sym.have_lru_add_drain && !c->drained_local && !c->lru_off) {
		pm_call(lru_add_drain)();
		c->drained_local = true;
		return;
	}
	pm_drain_lru_all(c);
}

/*
 * Look up @uaddr and isolate its folio onto @list, under the mmap lock.
 * A failed LRU isolation is retried after each drain, unless the folio is
 * the one the previous lookup isolated (another subpage of a THP).
 */
static void pm_lookup_isolate(struct pm_call *c, u64 uaddr, int node,
			      struct list_head *list, struct pm_page *p)
{
	unsigned long addr = pm_untag(c->lk.mm, uaddr);

	pm_lookup_move(&c->lk, addr, node, list, p);
	while (p->verdict == PM_STATUS && p->lru_busy && p->folio != c->last_queued &&
	       !c->lru_off) {
		pm_unlock(c);
		pm_drain_lru(c);
		pm_lock(c);
		pm_lookup_move(&c->lk, addr, node, list, p);
	}
	if (p->verdict == PM_QUEUED)
		c->last_queued = p->folio;
}

/*
 * Reads the chunk starting at @base. Returns how many leading entries are
 * readable; the first unreadable one is where the syscall would stop.
 */
static unsigned int pm_read_chunk(struct pm_call *c, u64 base, bool with_nodes)
{
	unsigned int want = min_t(u64, c->cap, c->count - base), n, m, i;

	n = want - copy_from_user(c->addr, c->upages + base, want * sizeof(u64)) / sizeof(u64);
	/* copy_from_user may stop short of the fault: settle the edge entry by entry. */
	for (i = n; i < want; i++)
		if (get_user(c->addr[i], c->upages + base + i))
			break;
	n = i;
	if (with_nodes) {
		m = want - copy_from_user(c->node, c->unodes + base, want * sizeof(s32)) / sizeof(s32);
		for (i = m; i < want; i++)
			if (get_user(c->node[i], c->unodes + base + i))
				break;
		n = min(n, i);
	}
	c->base = base;
	c->nr = want;
	return n;
}

static int pm_check_node(const struct pm_call *c, int node)
{
	if (node < 0 || node >= MAX_NUMNODES || !node_state(node, N_MEMORY))
		return -ENODEV;
	if (!node_isset(node, c->task_nodes))
		return -EACCES;
	return 0;
}

static pm_mig_t *pm_alloc_target(pm_mig_t *src, unsigned long private)
{
	struct pm_alloc *a = (struct pm_alloc *)private;
	pm_mig_t *dst = pm_call(alloc_migration_target)(src, (unsigned long)&a->mtc);

	if (!dst)
		a->nomem[a->nr_nomem++ % PM_NOMEM_SLOTS] = pm_mig_folio(src);
	return dst;
}

static bool pm_alloc_failed(const struct pm_alloc *a, struct folio *folio)
{
	unsigned int i, n = min_t(unsigned int, a->nr_nomem, PM_NOMEM_SLOTS);

	for (i = 0; i < n; i++)
		if (a->nomem[i] == folio)
			return true;
	return false;
}

/* One migrate_pages() batch, as do_move_pages_to_node() runs it. */
static int pm_migrate(struct list_head *list, struct pm_alloc *a)
{
	return pm_call(migrate_pages)(list, pm_alloc_target, NULL, (unsigned long)a,
				    MIGRATE_SYNC, MR_SYSCALL, NULL);
}

static void pm_putback_all(struct pm_call *c)
{
	unsigned int n;

	for (n = 0; n < c->nr_lists; n++)
		if (!list_empty(&c->lists[n]))
			pm_call(putback_movable_pages)(&c->lists[n]);
}

/* ---- compat: exactly do_pages_move() ---------------------------------- */

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
	err = pm_migrate(list, &a);
	/* What failed with LRU batches undrained gets the syscall's conditions. */
	if (err > 0 && pm_drain_lru_all(c))
		err = pm_migrate(list, &a);
	c->migrated = true;
	if (err) {
		pm_call(putback_movable_pages)(list);
		/* Failed folios plus the entries never reached. */
		if (err > 0)
			err += c->count - i;
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

static long pm_move_compat(struct pm_call *c)
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
				if (err > 0)
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

/* ---- seed contract ---------------------------------------------------- */

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
		err = pm_migrate(list, &a);
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

/* Another subpage of a folio this chunk already queued shares its fate. */
static bool pm_same_folio_queued(const struct pm_call *c, unsigned int j)
{
	const struct pm_page *p = &c->pg[j];
	unsigned int k;

	for (k = 0; k < j; k++) {
		const struct pm_page *q = &c->pg[k];

		if (q->verdict == PM_QUEUED && q->folio == p->folio && q->page != p->page &&
		    c->node[k] == c->node[j])
			return true;
	}
	return false;
}

/* Look up and isolate the chunk's entries, under the mmap lock. */
static int pm_collect_seed(struct pm_call *c)
{
	unsigned int j;
	int err;

	for (j = 0; j < c->nr; j++) {
		struct pm_page *p = &c->pg[j];
		int node = c->node[j];

		if (j % PM_LOCK_BATCH == 0 || need_resched()) {
			pm_breathe(c);
			if (fatal_signal_pending(current)) {
				c->nr = j;
				return -EINTR;
			}
		}
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
		pm_lock(c);
		pm_lookup_isolate(c, c->addr[j], node, &c->lists[node], p);
		if (p->verdict == PM_STATUS && p->status == -EBUSY && p->folio &&
		    pm_same_folio_queued(c, j))
			p->verdict = PM_SAME_FOLIO;
	}
	pm_unlock(c);
	return 0;
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
			/* These needed moving and could not: not an "-ENOENT" call. */
			if (p->status != -ENOENT && p->status != -EFAULT && p->status != -EACCES)
				c->nr_queued++;
		}
	}
}

/*
 * The status array must be writable before any page moves: write back what
 * it holds, a chunk at a time (faulting it in; cheaper than a GUP walk).
 */
static int pm_probe_status(struct pm_call *c)
{
	u64 base;

	for (base = 0; base < c->count; base += c->cap) {
		size_t len = min_t(u64, c->cap, c->count - base) * sizeof(s32);

		if (copy_from_user(c->status, c->ustatus + base, len) ||
		    copy_to_user(c->ustatus + base, c->status, len))
			return -EFAULT;
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

static long pm_move_seed(struct pm_call *c)
{
	u64 base;
	int node, err;

	err = pm_validate_seed(c);
	if (err)
		return err;

	for (base = 0; base < c->count; base += c->nr) {
		/* A single chunk is still in hand from the validation. */
		if (c->count > c->cap && pm_read_chunk(c, base, true) != c->nr)
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
		if (copy_to_user(c->ustatus + base, c->status, c->nr * sizeof(s32)))
			return -EFAULT;
		cond_resched();
	}
	return c->nr_queued ? 0 : -ENOENT;
}

/* ---- query (nodes == 0) ----------------------------------------------- */

/* do_pages_stat(): chunks, one mmap lock each; the seed adds vma_migratable. */
static long pm_query(struct pm_call *c)
{
	u64 base;

	for (base = 0; base < c->count; base += c->nr) {
		unsigned int valid = pm_read_chunk(c, base, false), nr = c->nr, j;

		/* The syscall reads 16 entries at a time and stops at the bad one. */
		if (valid != nr)
			nr = rounddown(valid, PM_STAT_CHUNK);
		for (j = 0; j < nr; j++) {
			if (j && j % PM_LOCK_BATCH == 0)
				pm_breathe(c);
			pm_lock(c);
			c->status[j] = pm_lookup_query(&c->lk, c->addr[j]);
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
	return 0;
}

/*
 * The call's working memory, one allocation whose size depends on the
 * chunk (at most PM_CHUNK entries) and the node count, never on @count.
 * Charged to the caller's memory cgroup; it fails rather than OOM-kill.
 */
static struct pm_call *pm_call_alloc(unsigned int nr_lists, unsigned int cap)
{
	size_t per = sizeof(u64) + 2 * sizeof(s32) + sizeof(struct pm_page);
	struct pm_call *c;
	unsigned int n;

	c = kvmalloc(sizeof(*c) + nr_lists * sizeof(struct list_head) + cap * per,
		     GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->cap = cap;
	c->nr_lists = nr_lists;
	c->lists = (struct list_head *)(c + 1);
	for (n = 0; n < nr_lists; n++)
		INIT_LIST_HEAD(&c->lists[n]);
	c->pg = (struct pm_page *)(c->lists + nr_lists);
	c->addr = (u64 *)(c->pg + cap);
	c->node = (s32 *)(c->addr + cap);
	c->status = c->node + cap;
	return c;
}

long pm_move(struct pagemove_move *req)
{
	bool compat = req->flags & PAGEMOVE_F_COMPAT;
	struct pm_target t;
	struct pm_call *c;
	long ret;

	if (req->flags & ~PAGEMOVE_F_ALL || req->__reserved)
		return -EINVAL;
	if ((req->flags & PAGEMOVE_MF_MOVE_ALL) && !capable(CAP_SYS_NICE))
		return -EPERM;
	if (!compat && req->count > pm_max_pages)
		return -E2BIG;

	ret = pm_target_get(req->pid, req->flags, &t);
	if (ret)
		return ret;

	ret = -ENOMEM;
	c = pm_call_alloc(compat ? 1 : nr_node_ids, min_t(u64, max_t(u64, req->count, 1), PM_CHUNK));
	if (!c)
		goto out_put;

	c->lk.mm = t.mm;
	c->lk.compat = compat;
	c->lk.move_all = req->flags & PAGEMOVE_MF_MOVE_ALL;
	c->task_nodes = t.nodes;
	c->count = req->count;
	c->upages = u64_to_user_ptr(req->pages);
	c->unodes = u64_to_user_ptr(req->nodes);
	c->ustatus = u64_to_user_ptr(req->status);

	if (!req->nodes)
		ret = pm_query(c);
	else
		ret = compat ? pm_move_compat(c) : pm_move_seed(c);
	pm_unlock(c);
	if (c->lru_off)
		pm_lru_cache_enable();
	else if (c->migrated && pm_sym.have_lru_add_drain)
		pm_call(lru_add_drain)();	/* the new folios onto the LRU, not left in a batch */

	req->nr_moved = c->nr_moved;
	req->nr_in_place = c->nr_in_place;
	req->nr_failed = c->nr_failed;
	kvfree(c);
out_put:
	pm_target_put(&t);
	return ret;
}
