/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel differences. Force-included into every
 * kmod/ file; the PM_HAVE_* / PM_* switches come from Kbuild, which probes
 * the target's headers rather than trusting version numbers.
 */
#ifndef _PAGEMOVE_COMPAT_H
#define _PAGEMOVE_COMPAT_H

#include <linux/types.h>
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/hugetlb.h>
#include <linux/migrate.h>
#include <linux/mempolicy.h>
#include <linux/nodemask.h>
#include <linux/pagewalk.h>
#include <linux/ptrace.h>
#include <linux/security.h>
#include <linux/cpuset.h>
#include <linux/sched/task.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/static_call.h>

/*
 * migrate_pages()' allocation callback works on pages (new_page_t, 6.1) or
 * folios (new_folio_t, 6.12); pm_mig_t is whichever the target uses.
 */
#ifdef PM_HAVE_NEW_FOLIO_T
typedef struct folio pm_mig_t;
#define pm_mig_folio(m)		(m)
#else
typedef struct page pm_mig_t;
#define pm_mig_folio(m)		page_folio(m)
#endif

/*
 * mm/internal.h is not shipped in linux-headers; this copies the layout of
 * struct migration_target_control. 6.12 added ->reason, visible in the
 * public headers through htlb_allow_alloc_fallback(), its only user.
 */
struct pm_migration_target_control {
	int nid;
	nodemask_t *nmask;
	gfp_t gfp_mask;
#ifdef PM_MTC_HAS_REASON
	enum migrate_reason reason;
#endif
};

static inline void pm_mtc_init(struct pm_migration_target_control *mtc, int nid)
{
	*mtc = (struct pm_migration_target_control){
		.nid = nid,
		/* A full node is a per-page status, not a console splat. */
		.gfp_mask = GFP_HIGHUSER_MOVABLE | __GFP_THISNODE | __GFP_NOWARN,
#ifdef PM_MTC_HAS_REASON
		.reason = MR_SYSCALL,
#endif
	};
}

/*
 * folio_isolate_lru() is declared only in mm/internal.h. It changed from
 * int (0 on success) to bool in the same series that made isolate_hugetlb()
 * return bool, which the public hugetlb.h shows: key on that.
 */
#ifdef PM_ISOLATE_BOOL
typedef bool (pm_folio_isolate_lru_t)(struct folio *folio);
#define pm_lru_isolated(ret)	(ret)
#else
typedef int (pm_folio_isolate_lru_t)(struct folio *folio);
#define pm_lru_isolated(ret)	((ret) == 0)
#endif

/* hugetlb isolation: Debian 6.1 renamed isolate_hugetlb(page) to folio_isolate_hugetlb(page). */
#if defined(PM_HAVE_FOLIO_ISOLATE_HUGETLB_PAGE)
#define PM_ISOLATE_HUGETLB_NAME	"folio_isolate_hugetlb"
typedef typeof(folio_isolate_hugetlb) pm_isolate_hugetlb_t;
#define pm_hugetlb_arg(folio)	(&(folio)->page)
#define pm_hugetlb_isolated(r)	((r) == 0)
#elif defined(PM_ISOLATE_BOOL)
#define PM_ISOLATE_HUGETLB_NAME	"isolate_hugetlb"
typedef typeof(isolate_hugetlb) pm_isolate_hugetlb_t;
#define pm_hugetlb_arg(folio)	(folio)
#define pm_hugetlb_isolated(r)	(r)
#else
#define PM_ISOLATE_HUGETLB_NAME	"isolate_hugetlb"
typedef typeof(isolate_hugetlb) pm_isolate_hugetlb_t;
#define pm_hugetlb_arg(folio)	(&(folio)->page)
#define pm_hugetlb_isolated(r)	((r) == 0)
#endif

/* The page-table lookup: follow_page() (6.1) or folio_walk_start() (6.12). */
#ifdef PM_HAVE_FOLIO_WALK
#define PM_LOOKUP_NAME		"folio_walk_start"
typedef typeof(folio_walk_start) pm_lookup_fn_t;
#define PM_HUGE_ZERO_NAME	"huge_zero_folio"
typedef struct folio *pm_huge_zero_t;
#else
#define PM_LOOKUP_NAME		"follow_page"
typedef typeof(follow_page) pm_lookup_fn_t;
#define PM_HUGE_ZERO_NAME	"huge_zero_page"
typedef struct page *pm_huge_zero_t;
#endif

/* Sharing test: page_mapcount() > 1 (6.1) or folio_likely_mapped_shared() (6.12). */
#ifdef PM_HAVE_LIKELY_MAPPED_SHARED
#define pm_page_shared(folio, page)	folio_likely_mapped_shared(folio)
#else
#define pm_page_shared(folio, page)	(page_mapcount(page) > 1)
#endif

/* move_pages untags addresses under the mmap lock (LAM on 6.12). */
#ifdef PM_HAVE_UNTAGGED_ADDR_REMOTE
#define pm_untag(mm, addr)	untagged_addr_remote(mm, addr)
#else
#define pm_untag(mm, addr)	untagged_addr(addr)
#endif

/*
 * Unexported kernel internals, resolved once at load with their typed
 * prototypes and reached with direct calls: one static call each, patched
 * to `call <function>` by static_call_update(). Debian 6.12 seals the ENDBR
 * of most of them (their address is never taken in the kernel), so an
 * indirect call would fault on a CPU that enforces IBT; a direct call needs
 * no ENDBR. kmod/check-calls.sh fails the build on any indirect call.
 *
 * X(field, kallsyms name, older name or NULL, prototype, optional)
 */
#ifdef PM_HAVE_FOLIO_WALK
#define PM_CALLS_WALK(X)						\
	X(vma_pgtable_walk_end, "vma_pgtable_walk_end", NULL, typeof(vma_pgtable_walk_end), false)
#else
#define PM_CALLS_WALK(X)
#endif

/*
 * Splitting a THP whose pages one call asks for different nodes: an
 * isolated folio, split onto the caller's list as migrate_pages() splits
 * one (6.1: split_huge_page_to_list(); 6.12: ..._to_order()). Without THP
 * (the -rt flavour) no large folio other than hugetlb exists: nothing to
 * split, no symbol needed. A THP kernel whose headers name neither fails
 * the build here rather than silently never splitting.
 */
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
#if defined(PM_HAVE_SPLIT_TO_ORDER)
#define PM_CALLS_SPLIT(X)						\
	X(split, "split_huge_page_to_list_to_order", NULL,		\
	  typeof(split_huge_page_to_list_to_order), false)
#define pm_split_folio(folio, list)	pm_call(split)(&(folio)->page, (list), 0)
#elif defined(PM_HAVE_SPLIT_TO_LIST)
#define PM_CALLS_SPLIT(X)						\
	X(split, "split_huge_page_to_list", NULL, typeof(split_huge_page_to_list), false)
#define pm_split_folio(folio, list)	pm_call(split)(&(folio)->page, (list))
#else
#error "pagemove: huge_mm.h declares no split_huge_page_to_list[_to_order](): probe kmod/compat.h anew"
#endif
#else
#define PM_CALLS_SPLIT(X)
#define pm_split_folio(folio, list)	(-EINVAL)
#endif

#define PM_CALLS(X)							\
	X(migrate_pages, "migrate_pages", NULL, typeof(migrate_pages), false) \
	X(alloc_migration_target, "alloc_migration_target", NULL,	\
	  typeof(alloc_migration_target), false)			\
	X(putback_movable_pages, "putback_movable_pages", NULL,	\
	  typeof(putback_movable_pages), false)				\
	X(folio_isolate_lru, "folio_isolate_lru", NULL, pm_folio_isolate_lru_t, false) \
	X(isolate_hugetlb, PM_ISOLATE_HUGETLB_NAME, "isolate_hugetlb",	\
	  pm_isolate_hugetlb_t, false)					\
	X(lookup, PM_LOOKUP_NAME, NULL, pm_lookup_fn_t, false)		\
	PM_CALLS_WALK(X)						\
	PM_CALLS_SPLIT(X)						\
	X(vma_migratable, "vma_migratable", NULL, typeof(vma_migratable), false) \
	X(ptrace_may_access, "ptrace_may_access", NULL, typeof(ptrace_may_access), false) \
	X(security_task_movememory, "security_task_movememory", NULL,	\
	  typeof(security_task_movememory), false)			\
	X(cpuset_mems_allowed, "cpuset_mems_allowed", NULL,		\
	  typeof(cpuset_mems_allowed), false)				\
	X(find_get_task_by_vpid, "find_get_task_by_vpid", NULL,	\
	  typeof(find_get_task_by_vpid), false)				\
	X(lru_cache_disable, "lru_cache_disable", NULL, typeof(lru_cache_disable), false) \
	/* Optional: without it, every drain is lru_cache_disable(). */	\
	X(lru_add_drain, "lru_add_drain", NULL, typeof(lru_add_drain), true)

#define PM_DECLARE_CALL(f, name, alt, proto, opt)			\
	extern proto pm_proto_##f;					\
	DECLARE_STATIC_CALL(pm_call_##f, pm_proto_##f);
PM_CALLS(PM_DECLARE_CALL)

/* A direct call to the resolved internal @f. */
#define pm_call(f)	static_call(pm_call_##f)

/*
 * Variables read through resolved addresses. A kernel without THP (the
 * -rt flavour) has no huge zero folio to recognise.
 */
struct pm_symbols {
	atomic_t *lru_disable_count;
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	pm_huge_zero_t *huge_zero;
#endif
	bool have_lru_add_drain;
};
extern struct pm_symbols pm_sym;

/* lru_cache_enable() is inline on an unexported counter. */
static inline void pm_lru_cache_enable(void)
{
	atomic_dec(pm_sym.lru_disable_count);
}

static inline bool pm_is_huge_zero_folio(struct folio *folio)
{
#if !defined(CONFIG_TRANSPARENT_HUGEPAGE)
	return false;
#elif defined(PM_HAVE_FOLIO_WALK)
	return folio == READ_ONCE(*pm_sym.huge_zero);
#else
	return &folio->page == READ_ONCE(*pm_sym.huge_zero);
#endif
}

static inline bool pm_is_zero_folio(struct folio *folio)
{
	return is_zero_pfn(folio_pfn(folio)) || pm_is_huge_zero_folio(folio);
}

/*
 * One page-table lookup, as the running kernel's move_pages(2) does it, in
 * one of three flavours:
 *   PM_WALK_MOVE    the syscall's move lookup
 *   PM_WALK_STAT    the syscall's query lookup
 *   PM_WALK_SEED    the seed contract's: no kernel quirks (6.1 would call an
 *                   untouched anonymous page -EFAULT and skip PROT_NONE PTEs)
 * Returns the folio (stable until pm_walk_end), NULL when nothing is mapped,
 * or an ERR_PTR the syscall would report. ->page is the exact page, or NULL
 * for a zero page on 6.12.
 */
enum pm_walk_mode { PM_WALK_MOVE, PM_WALK_STAT, PM_WALK_SEED };

struct pm_walk {
#ifdef PM_HAVE_FOLIO_WALK
	struct folio_walk fw;
#else
	bool ref;
#endif
	struct page *page;
};

#ifdef PM_HAVE_FOLIO_WALK
/* 6.12 hands the hugetlb tail to the whole folio: no -EACCES quirk. */
#define PM_QUIRK_HUGETLB_TAIL_EACCES	0

/*
 * folio_walk_end() is a macro around the unexported vma_pgtable_walk_end(),
 * which only drops the hugetlb VMA lock: skip the call for other VMAs.
 */
static inline void pm_walk_end(struct pm_walk *w, struct vm_area_struct *vma)
{
	spin_unlock(w->fw.ptl);
	if (likely(w->fw.level == FW_LEVEL_PTE))
		pte_unmap(w->fw.ptep);
	if (is_vm_hugetlb_page(vma))
		pm_call(vma_pgtable_walk_end)(vma);
}

/* Where the leaf mapping the walk found ends: PMD or PUD leaves map a folio whole. */
static inline unsigned long pm_walk_span(const struct pm_walk *w, struct vm_area_struct *vma,
					 unsigned long addr)
{
	unsigned long end = addr + PAGE_SIZE;

	if (w->fw.level == FW_LEVEL_PMD)
		end = (addr & PMD_MASK) + PMD_SIZE;
	else if (w->fw.level == FW_LEVEL_PUD)
		end = (addr & PUD_MASK) + PUD_SIZE;
	return min(end, vma->vm_end);
}

/* The walk found a migration entry: the folio is being migrated right now. */
static inline bool pm_walk_migrating(const struct pm_walk *w)
{
	if (w->fw.level == FW_LEVEL_PTE)
		return !pte_present(w->fw.pte);
	if (w->fw.level == FW_LEVEL_PMD)
		return !pmd_present(w->fw.pmd);
	return false;
}

/*
 * A hugetlb migration entry that folio_walk_start() reports as nothing:
 * FW_MIGRATION recognises one at PMD level only through
 * is_pmd_migration_entry(), a stub returning false without THP (the -rt
 * flavour). The walk leaves the entry it read (under the page table lock)
 * in @w->fw; hugetlb stores it in PTE format at any level.
 */
static inline bool pm_walk_hugetlb_migrating(const struct pm_walk *w, struct vm_area_struct *vma)
{
	pte_t pte;

	if (!is_vm_hugetlb_page(vma))
		return false;
	if (w->fw.level == FW_LEVEL_PMD)
		pte = __pte(pmd_val(w->fw.pmd));
	else if (w->fw.level == FW_LEVEL_PUD)
		pte = __pte(pud_val(w->fw.pud));
	else
		return false;
	return !pte_none(pte) && !pte_present(pte) && is_migration_entry(pte_to_swp_entry(pte));
}

static inline struct folio *pm_walk_start(struct pm_walk *w, struct vm_area_struct *vma,
					  unsigned long addr, enum pm_walk_mode mode)
{
	folio_walk_flags_t flags = FW_ZEROPAGE | (mode == PM_WALK_SEED ? FW_MIGRATION : 0);
	struct folio *folio;

	/* The walk fills these only when it reaches a leaf: no stale level. */
	w->fw.level = FW_LEVEL_PTE;
	w->fw.pmd = __pmd(0);
	folio = pm_call(lookup)(&w->fw, vma, addr, flags);
	w->page = folio ? w->fw.page : NULL;
	/* The seed contract: a page under migration is busy, not absent. */
	if (folio && pm_walk_migrating(w)) {
		pm_walk_end(w, vma);
		return ERR_PTR(-EBUSY);
	}
	if (!folio && mode == PM_WALK_SEED && pm_walk_hugetlb_migrating(w, vma))
		return ERR_PTR(-EBUSY);
	return folio;
}
#else
#define PM_QUIRK_HUGETLB_TAIL_EACCES	1

static inline struct folio *pm_walk_start(struct pm_walk *w, struct vm_area_struct *vma,
					  unsigned long addr, enum pm_walk_mode mode)
{
	unsigned int flags;
	struct page *page;

	switch (mode) {
	case PM_WALK_MOVE:
		flags = FOLL_GET | FOLL_DUMP;
		break;
	case PM_WALK_STAT:
		/* Not all huge page follow APIs support FOLL_GET (do_pages_stat). */
		flags = FOLL_DUMP | (is_vm_hugetlb_page(vma) ? 0 : FOLL_GET);
		break;
	default:
		/*
		 * No FOLL_DUMP: an untouched anonymous page is "not present"
		 * and zero pages come back to be recognised. FOLL_FORCE
		 * follows PROT_NONE and NUMA-hint PTEs, as 6.12 does.
		 */
		flags = FOLL_GET | FOLL_FORCE;
		break;
	}
	w->ref = flags & FOLL_GET;
	page = pm_call(lookup)(vma, addr, flags);
	if (!page && mode == PM_WALK_SEED) {
		/*
		 * A migration entry looks absent. Look again, waiting out a
		 * migration in flight: a page found now was busy, not absent.
		 */
		page = pm_call(lookup)(vma, addr, flags | FOLL_MIGRATION);
		if (IS_ERR_OR_NULL(page)) {
			page = NULL;
		} else {
			put_page(page);
			page = ERR_PTR(-EBUSY);
		}
	}
	w->page = IS_ERR_OR_NULL(page) ? NULL : page;
	if (IS_ERR_OR_NULL(page))
		return (struct folio *)page;
	return page_folio(page);
}

static inline void pm_walk_end(struct pm_walk *w, struct vm_area_struct *vma)
{
	if (w->ref && w->page)
		put_page(w->page);
}

/* follow_page() does not say at which level it found the page: one page. */
static inline unsigned long pm_walk_span(const struct pm_walk *w, struct vm_area_struct *vma,
					 unsigned long addr)
{
	return addr + PAGE_SIZE;
}
#endif

#endif /* _PAGEMOVE_COMPAT_H */
