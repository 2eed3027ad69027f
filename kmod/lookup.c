// SPDX-License-Identifier: GPL-2.0
/*
 * Per-page lookup and decision: from one address to a status, or to a folio
 * isolated on the target node's list. Called with the mmap lock held.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/hugetlb.h>
#include <linux/vmstat.h>
#include <linux/mm_inline.h>
#include "pagemove.h"

/*
 * Decide what becomes of a mapped folio: PM_DECIDE_QUEUED when it is now
 * isolated on @list, else its status (a node id or -errno).
 */
#define PM_DECIDE_QUEUED	INT_MIN
/* LRU isolation failed: -EBUSY, unless a drain of the LRU batches helps. */
#define PM_DECIDE_LRU_BUSY	(INT_MIN + 1)

static int pm_decide(const struct pm_lookup_ctx *ctx, struct folio *folio,
		     struct page *page, int node, struct list_head *list)
{
	if (pm_is_zero_folio(folio))
		return -EFAULT;
	if (folio_is_zone_device(folio))
		return -ENOENT;
	/* Checked before sharing: a shared page already in place is fine. */
	if (folio_nid(folio) == node)
		return node;
	if (!ctx->move_all && pm_page_shared(folio, page))
		return -EACCES;

	if (folio_test_hugetlb(folio)) {
		/* 6.1's syscall isolates hugetlb only through its head page. */
		if (PM_QUIRK_HUGETLB_TAIL_EACCES && ctx->compat && page != &folio->page)
			return -EACCES;
		if (!ctx->compat && folio_maybe_dma_pinned(folio))
			return -EPERM;
		if (pm_hugetlb_isolated(pm_call(isolate_hugetlb)(pm_hugetlb_arg(folio), list)))
			return PM_DECIDE_QUEUED;
		return -EBUSY;
	}

	/* A long-term pin (io_uring, vfio, RDMA) would fail every retry. */
	if (!ctx->compat && folio_maybe_dma_pinned(folio))
		return -EPERM;
	if (!pm_lru_isolated(pm_call(folio_isolate_lru)(folio)))
		return PM_DECIDE_LRU_BUSY;
	list_add_tail(&folio->lru, list);
	node_stat_mod_folio(folio, NR_ISOLATED_ANON + folio_is_file_lru(folio),
			    folio_nr_pages(folio));
	return PM_DECIDE_QUEUED;
}

/*
 * vma_lookup(), remembering the answer and whether the VMA can migrate:
 * consecutive addresses mostly share a VMA.
 */
static struct vm_area_struct *pm_vma(struct pm_lookup_ctx *ctx, unsigned long addr)
{
	struct vm_area_struct *vma = ctx->vma;

	if (vma && addr >= vma->vm_start && addr < vma->vm_end)
		return vma;
	vma = vma_lookup(ctx->mm, addr);
	if (vma) {
		ctx->vma = vma;
		ctx->vma_migratable = pm_call(vma_migratable)(vma);
	}
	return vma;
}

void pm_lookup_move(struct pm_lookup_ctx *ctx, unsigned long addr, int node,
		    struct list_head *list, struct pm_page *out)
{
	struct vm_area_struct *vma = pm_vma(ctx, addr);
	struct folio *folio;
	struct pm_walk w;
	int ret;

	out->folio = NULL;
	out->page = NULL;
	out->verdict = PM_STATUS;
	out->lru_busy = false;
	out->span_end = addr + PAGE_SIZE;
	out->nid = NUMA_NO_NODE;
	out->thp = false;

	if (!vma || !ctx->vma_migratable) {
		out->status = -EFAULT;
		return;
	}
	folio = pm_walk_start(&w, vma, addr, ctx->compat ? PM_WALK_MOVE : PM_WALK_SEED);
	if (IS_ERR(folio)) {
		out->status = PTR_ERR(folio);
		return;
	}
	if (!folio) {
		out->status = -ENOENT;
		return;
	}
	out->nid = folio_nid(folio);
	out->thp = folio_test_large(folio) && !folio_test_hugetlb(folio);
	ret = pm_decide(ctx, folio, w.page, node, list);
	out->folio = folio;
	out->page = w.page;
	out->span_end = pm_walk_span(&w, vma, addr);
	if (ret == PM_DECIDE_QUEUED) {
		out->verdict = PM_QUEUED;
	} else if (ret == PM_DECIDE_LRU_BUSY) {
		out->status = -EBUSY;
		out->lru_busy = true;
	} else {
		out->status = ret;
	}
	pm_walk_end(&w, vma);
}

/* Leave the query's lockless read of a PTE table, if in one. */
static void pm_ptes_drop(struct pm_lookup_ctx *ctx)
{
	if (ctx->ptes) {
		ctx->ptes = NULL;
		rcu_read_unlock();
	}
}

void pm_lookup_forget(struct pm_lookup_ctx *ctx)
{
	ctx->vma = NULL;
	pm_ptes_drop(ctx);
}

/*
 * pm_pmd_read(): the PMD entry over @addr. pm_ptes_find(): the PTE table
 * that maps @addr in an anonymous VMA, kept for the addresses after it,
 * found as GUP-fast finds one: each level read once
 * and checked, the table then read under rcu_read_lock(). With the mmap
 * lock held nothing frees an anonymous VMA's page tables (collapsing them
 * into a THP takes the lock for writing), and a PMD that points to a
 * table keeps pointing to it. False: no table (nothing mapped yet, a huge
 * leaf, another kind of VMA), and the exact walk answers.
 *
 * Each level goes on from the value read and the real pointer, with the
 * *_offset_lockless() helpers GUP-fast uses: where a level is folded at
 * run time (arm64 without LPA2, s390), p4d_offset()/pud_offset() find
 * the next entry from the pointer they are given, and the address of a
 * copy on the stack sent 6.12 arm64 into an unmapped page.
 */
static bool pm_pmd_read(struct mm_struct *mm, unsigned long addr, pmd_t *pmdval)
{
	pgd_t *pgd, pgdval;
	p4d_t *p4d, p4dval;
	pud_t *pud, pudval;

	pgd = pgd_offset(mm, addr);
	pgdval = READ_ONCE(*pgd);
	if (pgd_none(pgdval) || pgd_bad(pgdval))
		return false;
	p4d = p4d_offset_lockless(pgd, pgdval, addr);
	p4dval = READ_ONCE(*p4d);
	if (p4d_none(p4dval) || p4d_bad(p4dval))
		return false;
	pud = pud_offset_lockless(p4d, p4dval, addr);
	pudval = READ_ONCE(*pud);
	if (pud_none(pudval) || !pud_present(pudval) || pud_leaf(pudval) || pud_bad(pudval))
		return false;
	*pmdval = READ_ONCE(*pmd_offset_lockless(pud, pudval, addr));
	return true;
}

static bool pm_ptes_find(struct pm_lookup_ctx *ctx, struct vm_area_struct *vma,
			 unsigned long addr)
{
	pmd_t pmdval;

	if (!vma_is_anonymous(vma) || !pm_pmd_read(ctx->mm, addr, &pmdval))
		return false;
	if (!pmd_present(pmdval) || pmd_leaf(pmdval) || pmd_bad(pmdval))
		return false;
	rcu_read_lock();
	ctx->ptes = pte_offset_kernel(&pmdval, addr) - pte_index(addr);
	ctx->ptes_start = max(addr & PMD_MASK, vma->vm_start);
	ctx->ptes_end = min((addr & PMD_MASK) + PMD_SIZE, vma->vm_end);
	return true;
}

#ifndef PM_HAVE_FOLIO_WALK
/* 6.1: does a PMD leaf map @page (a THP's) at @addr? Read as pm_ptes_find() reads it. */
bool pm_pmd_maps_page(struct mm_struct *mm, unsigned long addr, struct page *page)
{
	pmd_t pmdval;

	return pm_pmd_read(mm, addr, &pmdval) && pmd_present(pmdval) && pmd_leaf(pmdval) &&
	       pmd_pfn(pmdval) + ((addr & ~PMD_MASK) >> PAGE_SHIFT) == page_to_pfn(page);
}
#endif

/*
 * The query's common case without a locked walk: an ordinary page mapped
 * by a PTE of an anonymous VMA. Its node is the node of its pfn, which
 * never changes, so the PTE read once gives the answer a locked walk
 * would give at that instant (and no reference is needed). Anything else
 * (nothing mapped, a migration or swap entry, a special, zero, PROT_NONE
 * or device page) returns INT_MIN: the exact walk answers it.
 */
static int pm_query_pte(struct pm_lookup_ctx *ctx, struct vm_area_struct *vma,
			unsigned long addr)
{
	struct page *page;
	unsigned long pfn;
	pte_t pte;

	if (!ctx->ptes || addr < ctx->ptes_start || addr >= ctx->ptes_end) {
		pm_ptes_drop(ctx);
		if (!pm_ptes_find(ctx, vma, addr))
			return INT_MIN;
	}
	pte = ptep_get((pte_t *)ctx->ptes + pte_index(addr));
	if (!pte_present(pte) || pte_special(pte) || pte_protnone(pte) || pm_pte_devmap(pte))
		return INT_MIN;
	pfn = pte_pfn(pte);
	if (!pfn_valid(pfn) || is_zero_pfn(pfn))
		return INT_MIN;
	page = pfn_to_page(pfn);
	if (is_zone_device_page(page))
		return INT_MIN;
	return page_to_nid(page);
}

int pm_lookup_query(struct pm_lookup_ctx *ctx, unsigned long addr, unsigned int *cost)
{
	struct vm_area_struct *vma = pm_vma(ctx, addr);
	struct folio *folio;
	struct pm_walk w;
	int ret;

	if (!vma)
		return -EFAULT;
	/* The syscall's query skips vma_migratable; the seed contract does not. */
	if (!ctx->compat && !ctx->vma_migratable)
		return -EFAULT;
	ret = pm_query_pte(ctx, vma, addr);
	if (ret != INT_MIN) {
		*cost += PM_QUERY_COST_FAST;
		return ret;
	}
	/* The walk takes the page table lock: leave the lockless read first. */
	pm_ptes_drop(ctx);
	*cost += PM_QUERY_COST_WALK;
	folio = pm_walk_start(&w, vma, addr, ctx->compat ? PM_WALK_STAT : PM_WALK_SEED);
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	if (!folio)
		return -ENOENT;
	if (pm_is_zero_folio(folio))
		ret = -EFAULT;
	else if (folio_is_zone_device(folio))
		ret = -ENOENT;
	else
		ret = folio_nid(folio);
	pm_walk_end(&w, vma);
	return ret;
}
