/* SPDX-License-Identifier: GPL-2.0 */
/* pagemove module internals: the resolved symbols and the move path's steps. */
#ifndef _PAGEMOVE_H
#define _PAGEMOVE_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/nodemask.h>
#include "../include/uapi/linux/pagemove.h"

struct seq_file;
struct attribute_group;
int pm_symbols_resolve(void);
int pm_symbols_show(struct seq_file *m, void *v);

/* Module parameters. */
extern unsigned long pm_max_pages;
extern unsigned int pm_workers;

/* Statuses the look-up after a THP split corrected (seed.c, debugfs). */
extern atomic_t pm_split_fixed;

/* The target of a request: its mm and the nodes its cpuset allows. */
struct pm_target {
	struct mm_struct *mm;
	nodemask_t nodes;
};

int pm_target_get(pid_t pid, u32 flags, struct pm_target *t);
void pm_target_put(struct pm_target *t);

#define PM_NONE		U32_MAX

/* What the lookup decided for one address (move mode). */
enum pm_verdict {
	PM_QUEUED,	/* isolated and on the node's list */
	PM_STATUS,	/* final status in ->status */
	PM_SAME_FOLIO,	/* another subpage of a folio this batch already queued */
	PM_FOLLOW,	/* asked another node than the entry that won its page (->follow) */
};

struct pm_page {
	struct folio *folio;	/* the (head) folio, when queued */
	struct page *page;	/* the exact page looked up */
	int status;
	enum pm_verdict verdict;
	int nid;		/* the folio's node at the lookup */
	/* Seed mode: the next entry of this chunk that names the same folio, or PM_NONE. */
	u32 next;
	u32 follow;		/* PM_FOLLOW: the entry whose request the page follows */
	bool lru_busy;		/* -EBUSY because LRU isolation failed */
	bool thp;		/* the folio is large and not hugetlb */
	bool carried;		/* seed: in place where the previous chunk moved it (seed.c) */
	/*
	 * End of the leaf mapping that maps ->folio whole at this address (a
	 * PMD-mapped THP, a hugetlb page), or the next page: the pages up to
	 * it share this lookup's answer while the mmap lock stays held.
	 */
	unsigned long span_end;
};

struct pm_lookup_ctx {
	struct mm_struct *mm;
	bool compat;
	bool move_all;
	/* The last VMA found, valid while the mmap lock stays held. */
	struct vm_area_struct *vma;
	bool vma_migratable;
	/*
	 * The query's fast path: the PTE table mapping [ptes_start,
	 * ptes_end), read under rcu_read_lock() while ->ptes is set.
	 */
	void *ptes;
	unsigned long ptes_start, ptes_end;
};

/* Forget the cached VMA and PTE table: call before the mmap lock is dropped. */
void pm_lookup_forget(struct pm_lookup_ctx *ctx);

void pm_lookup_move(struct pm_lookup_ctx *ctx, unsigned long addr, int node,
		    struct list_head *list, struct pm_page *out);
/* A query's answer, and what it cost (PM_QUERY_COST_* units, added to *cost). */
#define PM_QUERY_COST_FAST	1
#define PM_QUERY_COST_WALK	8
int pm_lookup_query(struct pm_lookup_ctx *ctx, unsigned long addr, unsigned int *cost);

/* stats.c: counters (the device's stats/ in sysfs) and tracepoints. */
struct pm_counts {
	u64 moved, in_place, failed;
};
extern const struct attribute_group *pm_groups[];
u64 pm_stat_call_start(bool range, bool query, int pid, u32 flags, u64 count);
void pm_stat_call_end(bool range, bool query, u32 flags, long result,
		      const struct pm_counts *n, u64 t0);
void pm_stat_batch(int node, unsigned long pages, unsigned int folios, unsigned long left,
		   unsigned int workers, int ret, u64 t0);

long pm_move(struct pagemove_move *req);
long pm_move_range(struct pagemove_range *req);

#endif /* _PAGEMOVE_H */
