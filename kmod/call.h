/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One PAGEMOVE_MOVE call in flight: its working memory and the steps the
 * move path's files share (move.c, request.c, migrate.c, seed.c, compat.c).
 */
#ifndef _PAGEMOVE_CALL_H
#define _PAGEMOVE_CALL_H

#include <linux/list.h>
#include <linux/nodemask.h>
#include "pagemove.h"

/*
 * Entries read from user space at a time, looked up, then migrated per
 * node as one batch: bounds the working memory (about 56 bytes an entry).
 * A batch of 4096 pages keeps parallel workers busy and their wake-ups
 * few; at 512 a THP listed page by page was a batch of one folio.
 */
#define PM_CHUNK	4096
/* Lookups between chances to drop the mmap lock. */
#define PM_LOCK_BATCH	64
#define PM_NOMEM_SLOTS	32
/* do_pages_stat() reads and writes in chunks of DO_PAGES_STAT_CHUNK_NR. */
#define PM_STAT_CHUNK	16
/* Parallel migration: at most this many workers, each with this many pages. */
#define PM_MAX_WORKERS		8
#define PM_PAR_MIN_PAGES	128

struct pm_worker;
struct pm_target;

/*
 * Seed mode: every folio a chunk's lookups found, in an open-addressing
 * table keyed by the folio: the chain of entries that name it (first to
 * last, through pm_page.next), the entry that queued it, and whether they
 * ask for more than one node. Several entries naming one folio for
 * different nodes are a conflict, settled after the lookups (seed.c).
 */
struct pm_seen {
	struct folio *folio;
	u32 first, last;
	u32 queued;		/* the entry that isolated it, or PM_NONE */
	s32 node0;		/* the node the first entry asked for */
	bool conflict;
};

/* The failure statuses a range request counts, in pagemove_range's order. */
enum { PM_ENOENT, PM_EACCES, PM_EPERM, PM_EBUSY, PM_EFAULT, PM_ENOMEM, PM_EIO, PM_EINVAL,
       PM_NR_STATUS };

struct pm_alloc {
	struct pm_migration_target_control mtc;
	struct folio *nomem[PM_NOMEM_SLOTS];	/* sources whose target allocation failed */
	unsigned int nr_nomem;
	/* A THP's target allocation failed: migrate_pages() splits it and moves its pages. */
	bool thp_split;
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
	/*
	 * Seed mode: the rest of a folio mapped whole (PMD-mapped THP, hugetlb)
	 * shares the last lookup's answer: span_left more pages from span_next,
	 * for span_node, while the mmap lock stays held.
	 */
	struct pm_page span;
	u64 span_next;
	unsigned long span_left;
	int span_node;
	/*
	 * Such a folio running past the chunk, queued: the next chunk's
	 * entries from carry_next for carry_node that find their page there
	 * were moved by this call, not "already in place" (pm_carry_mark).
	 */
	u64 carry_next;
	unsigned long carry_left;
	int carry_node;
	/*
	 * The chunk's last entry named a page of a THP, moved or in place:
	 * the THP's next page (tail_idx of tail_nr), at the next address, asked
	 * for another node in the next chunk is a conflict there (the THP is
	 * split; the pages this chunk named stay where it put them).
	 */
	u64 tail_next;
	unsigned long tail_idx, tail_nr;
	int tail_node;

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

	/* Seed mode: the folios of the chunk (slots: a power of two), and any conflict. */
	struct pm_seen *seen;
	unsigned int seen_mask;
	bool conflicts;
	bool thp_split;		/* a migration of this chunk split a THP (pm_alloc.thp_split) */
	/*
	 * Seed mode, arrays of more than one chunk: what each entry's report
	 * was (PM_OUT_*, 2 bits an entry), so that a page a later chunk moved
	 * again can be reported where it ends (pm_settle_seed).
	 */
	u8 *outcome;

	/* A range request (range.c): entries are the pages from range_start on. */
	bool range;
	u64 range_start;
	int range_node;
	u64 nr_status[PM_NR_STATUS];	/* range: pages per failure status */

	/* Workers for large batches (migrate.c), allocated on first use. */
	unsigned int max_workers;
	struct pm_worker *workers;
	unsigned int nr_parallel;

	u64 nr_moved, nr_in_place, nr_failed, nr_queued;

	/*
	 * The request's budget (budget.c): a call stops between two chunks
	 * of at most @step entries; @next is the first entry not reached.
	 * @lim bounds the chunk pm_read_chunk() reads next (0: @cap).
	 */
	u64 max_pages, deadline, rate, t0, bytes;
	bool intr;
	unsigned int step, lim;
	u64 next;
};

/* A request's budget, as read (0: none). */
struct pm_budget {
	u64 max_pages, max_usec, rate;
};

/* move.c: a call's life, and the mmap lock, held across at most PM_LOCK_BATCH lookups. */
struct pm_call *pm_call_start(const struct pm_target *t, u32 flags, u32 workers,
			      unsigned int nr_lists, u64 count);
void pm_call_end(struct pm_call *c);
void pm_lock(struct pm_call *c);
void pm_unlock(struct pm_call *c);
void pm_breathe(struct pm_call *c);
void pm_lookup_isolate(struct pm_call *c, u64 uaddr, int node,
		       struct list_head *list, struct pm_page *p);
/* seed.c: is @folio isolated by this call's current chunk? (false in compat mode) */
bool pm_seen_queued(const struct pm_call *c, struct folio *folio);

/* request.c: user memory in, validation. */
struct pm_call *pm_call_alloc(unsigned int nr_lists, unsigned int cap);
unsigned int pm_read_chunk(struct pm_call *c, u64 base, bool with_nodes);
int pm_check_node(const struct pm_call *c, int node);
int pm_probe_status(struct pm_call *c);

/* migrate.c: per-node batches. */
bool pm_drain_lru_all(struct pm_call *c);
void pm_drain_lru(struct pm_call *c);
bool pm_alloc_failed(const struct pm_alloc *a, struct folio *folio);
int pm_migrate(struct list_head *list, struct pm_alloc *a);
int pm_migrate_batch(struct pm_call *c, struct list_head *list, struct pm_alloc *a);
void pm_putback_all(struct pm_call *c);

/* budget.c: where a call may stop, and its pace. */
int pm_budget_check(const struct pm_budget *b, u32 flags);
void pm_budget_start(struct pm_call *c, const struct pm_budget *b, u32 flags);
int pm_budget_spent(struct pm_call *c);
int pm_budget_pace(struct pm_call *c);
unsigned int pm_budget_chunk(const struct pm_call *c);
bool pm_budget_multi(const struct pm_call *c);

/* The two reporters. */
long pm_move_seed(struct pm_call *c);
long pm_move_compat(struct pm_call *c);

#endif /* _PAGEMOVE_CALL_H */
