/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel differences ("compat" is the
 * move_pages(2)-exact reporting mode alone: compat.c). Force-included into every
 * kmod/ file; the PM_HAVE_* / PM_* switches come from Kbuild, which probes
 * the target's headers rather than trusting version numbers.
 */
#ifndef _PAGEMOVE_KERNELS_H
#define _PAGEMOVE_KERNELS_H

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
#include <linux/pid.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#ifdef PM_HAVE_SOFTLEAF
#include <linux/leafops.h>
#endif
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
#if defined(PM_ISOLATE_BOOL) || defined(PM_HAVE_FOLIO_ISOLATE_HUGETLB_BOOL)
typedef bool (pm_folio_isolate_lru_t)(struct folio *folio);
#define pm_lru_isolated(ret)	(ret)
#else
typedef int (pm_folio_isolate_lru_t)(struct folio *folio);
#define pm_lru_isolated(ret)	((ret) == 0)
#endif

/*
 * hugetlb isolation: Debian 6.1 renamed isolate_hugetlb(page) to
 * folio_isolate_hugetlb(page); 6.12 has bool isolate_hugetlb(folio); 7.x
 * bool folio_isolate_hugetlb(folio). Each is asserted against the header,
 * and a kernel that matches none fails the build: a silently missed probe
 * would read folio_isolate_lru()'s bool as an int (0 = success), inverted.
 */
#if defined(PM_HAVE_FOLIO_ISOLATE_HUGETLB_BOOL)
#define PM_ISOLATE_HUGETLB_NAME	"folio_isolate_hugetlb"
typedef bool (pm_isolate_hugetlb_t)(struct folio *folio, struct list_head *list);
static_assert(__same_type(&folio_isolate_hugetlb, pm_isolate_hugetlb_t *));
#define pm_hugetlb_arg(folio)	(folio)
#define pm_hugetlb_isolated(r)	(r)
#elif defined(PM_HAVE_FOLIO_ISOLATE_HUGETLB_PAGE)
#define PM_ISOLATE_HUGETLB_NAME	"folio_isolate_hugetlb"
typedef typeof(folio_isolate_hugetlb) pm_isolate_hugetlb_t;
#define pm_hugetlb_arg(folio)	(&(folio)->page)
#define pm_hugetlb_isolated(r)	((r) == 0)
#elif defined(PM_ISOLATE_BOOL)
#define PM_ISOLATE_HUGETLB_NAME	"isolate_hugetlb"
typedef typeof(isolate_hugetlb) pm_isolate_hugetlb_t;
#define pm_hugetlb_arg(folio)	(folio)
#define pm_hugetlb_isolated(r)	(r)
#elif defined(PM_HAVE_ISOLATE_HUGETLB_PAGE)
#define PM_ISOLATE_HUGETLB_NAME	"isolate_hugetlb"
typedef typeof(isolate_hugetlb) pm_isolate_hugetlb_t;
#define pm_hugetlb_arg(folio)	(&(folio)->page)
#define pm_hugetlb_isolated(r)	((r) == 0)
#else
#error "pagemove: hugetlb.h declares no isolate_hugetlb() this module knows: probe kmod/kernels.h anew"
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

/*
 * Sharing test, as each kernel's move_pages(2) makes it: page_mapcount() > 1
 * (6.1), folio_likely_mapped_shared() (6.12), folio_maybe_mapped_shared()
 * (7.x: with CONFIG_MM_ID it may say "shared" for a THP once mapped by
 * more processes; 6.12's could say "not shared" for one that is).
 */
#if defined(PM_HAVE_MAYBE_MAPPED_SHARED)
#define pm_page_shared(folio, page)	folio_maybe_mapped_shared(folio)
#elif defined(PM_HAVE_LIKELY_MAPPED_SHARED)
#define pm_page_shared(folio, page)	folio_likely_mapped_shared(folio)
#elif defined(PM_HAVE_PAGE_MAPCOUNT)
#define pm_page_shared(folio, page)	(page_mapcount(page) > 1)
#else
#error "pagemove: mm.h has no sharing test this module knows: probe kmod/kernels.h anew"
#endif

/* 7.x: no ->writepage, so fallback_migrate_folio() never writes back (-EIO, -EINVAL). */
#ifdef PM_HAVE_WRITEPAGE
#define pm_has_writepage(mapping)	((mapping)->a_ops->writepage != NULL)
#else
#define pm_has_writepage(mapping)	false
#endif

/* nth_page() is gone in 7.x, whose large folios' pages are contiguous in the memmap. */
#ifdef nth_page
#define pm_nth_page(page, n)	nth_page(page, n)
#else
#define pm_nth_page(page, n)	((page) + (n))
#endif

/* devmap PTEs are gone in 6.16 (ZONE_DEVICE is still caught by its zone). */
#ifdef PM_HAVE_PTE_DEVMAP
#define pm_pte_devmap(pte)	pte_devmap(pte)
#else
#define pm_pte_devmap(pte)	false
#endif

/* lru_cache_disable() and lru_add_drain(): void (void); mm/internal.h only in 7.3. */
typedef void (pm_void_fn_t)(void);
#ifdef PM_HAVE_LRU_DECL
static_assert(__same_type(&lru_cache_disable, pm_void_fn_t *));
static_assert(__same_type(&lru_add_drain, pm_void_fn_t *));
#endif

/*
 * do_exit() is __noreturn; called through a static call whose type says
 * it returns (objtool cannot see through the trampoline), so the caller
 * ends with BUG() after it.
 */
typedef void (pm_exit_fn_t)(long code);

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
#if defined(PM_HAVE___SPLIT_TO_ORDER)
/* 7.x: the _to_order() name is an inline around this one. */
#define PM_CALLS_SPLIT(X)						\
	X(split, "__split_huge_page_to_list_to_order", NULL,		\
	  typeof(__split_huge_page_to_list_to_order), false)
#define pm_split_folio(folio, list)	pm_call(split)(&(folio)->page, (list), 0)
#elif defined(PM_HAVE_SPLIT_TO_ORDER)
#define PM_CALLS_SPLIT(X)						\
	X(split, "split_huge_page_to_list_to_order", NULL,		\
	  typeof(split_huge_page_to_list_to_order), false)
#define pm_split_folio(folio, list)	pm_call(split)(&(folio)->page, (list), 0)
#elif defined(PM_HAVE_SPLIT_TO_LIST)
#define PM_CALLS_SPLIT(X)						\
	X(split, "split_huge_page_to_list", NULL, typeof(split_huge_page_to_list), false)
#define pm_split_folio(folio, list)	pm_call(split)(&(folio)->page, (list))
#else
#error "pagemove: huge_mm.h declares no split_huge_page_to_list[_to_order](): probe kmod/kernels.h anew"
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
	X(lru_cache_disable, "lru_cache_disable", NULL, pm_void_fn_t, false) \
	/* Parallel shares on threads of the caller's process (migrate.c). */ \
	X(create_io_thread, "create_io_thread", NULL, typeof(create_io_thread), false) \
	X(wake_up_new_task, "wake_up_new_task", NULL, typeof(wake_up_new_task), false) \
	X(do_exit, "do_exit", NULL, pm_exit_fn_t, false)		\
	/* Optional: without it, every drain is lru_cache_disable(). */	\
	X(lru_add_drain, "lru_add_drain", NULL, pm_void_fn_t, true)	\
	/* Optional: without it, PAGEMOVE_F_PIDFD is -EOPNOTSUPP (task.c). */ \
	X(pidfd_get_task, "pidfd_get_task", NULL, typeof(pidfd_get_task), true)

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
	bool have_pidfd_get_task;
	/* migrate_pages() flushes the TLB once per batch, not per folio (symbols.c). */
	bool batched_flush;
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

#if defined(PM_HAVE_FW_MIGRATION)
/*
 * 6.12: FW_MIGRATION makes the walk report a migration entry's folio: the
 * folio is being migrated right now.
 */
#define PM_FW_SEED	FW_MIGRATION
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
static inline bool pm_walk_absent_migrating(const struct pm_walk *w, struct vm_area_struct *vma,
					    unsigned long addr)
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
#elif defined(PM_HAVE_SOFTLEAF)
/*
 * 7.x: folio_walk_start() returns NULL for every non-present entry
 * (FW_MIGRATION is gone), and migration entries are "softleaf" entries.
 * So when the walk finds nothing, the entry at @addr is read here, as the
 * query's fast path reads PTE tables (lookup.c: each level once, the PTE
 * table under rcu_read_lock(); the mmap lock is held): a migration entry
 * means busy, not absent. hugetlb keeps its entries in PTE format at PMD
 * and PUD level.
 */
#define PM_FW_SEED	0
static inline bool pm_walk_migrating(const struct pm_walk *w)
{
	return false;
}

enum { PM_ENTRY_NONE, PM_ENTRY_MIGRATING, PM_ENTRY_PRESENT };

static inline int pm_leaf_state(softleaf_t e)
{
	return softleaf_is_migration(e) ? PM_ENTRY_MIGRATING : PM_ENTRY_NONE;
}

static inline int pm_entry_state(struct vm_area_struct *vma, unsigned long addr)
{
	bool huge = is_vm_hugetlb_page(vma);
	pgd_t *pgdp = pgd_offset(vma->vm_mm, addr), pgdv = READ_ONCE(*pgdp);
	p4d_t *p4dp, p4dv;
	pud_t *pudp, pudv;
	pmd_t pmdv;
	pte_t pte;

	/* (The lockless helpers, as in lookup.c: levels folded at run time.) */
	if (pgd_none(pgdv) || pgd_bad(pgdv))
		return PM_ENTRY_NONE;
	p4dp = p4d_offset_lockless(pgdp, pgdv, addr);
	p4dv = READ_ONCE(*p4dp);
	if (p4d_none(p4dv) || p4d_bad(p4dv))
		return PM_ENTRY_NONE;
	pudp = pud_offset_lockless(p4dp, p4dv, addr);
	pudv = READ_ONCE(*pudp);
	if (pud_none(pudv))
		return PM_ENTRY_NONE;
	if (!pud_present(pudv))
		return huge ? pm_leaf_state(softleaf_from_pte(__pte(pud_val(pudv)))) : PM_ENTRY_NONE;
	if (pud_leaf(pudv))
		return PM_ENTRY_PRESENT;
	if (pud_bad(pudv))
		return PM_ENTRY_NONE;
	pmdv = pmdp_get_lockless(pmd_offset_lockless(pudp, pudv, addr));
	if (pmd_none(pmdv))
		return PM_ENTRY_NONE;
	if (!pmd_present(pmdv))
		return pm_leaf_state(huge ? softleaf_from_pte(__pte(pmd_val(pmdv))) :
					    softleaf_from_pmd(pmdv));
	if (huge || pmd_leaf(pmdv))
		return PM_ENTRY_PRESENT;
	if (pmd_bad(pmdv))
		return PM_ENTRY_NONE;
	rcu_read_lock();
	pte = ptep_get(pte_offset_kernel(&pmdv, addr));
	rcu_read_unlock();
	if (pte_present(pte))
		return PM_ENTRY_PRESENT;
	return pte_none(pte) ? PM_ENTRY_NONE : pm_leaf_state(softleaf_from_pte(pte));
}

/* (The walk above handles it: pm_entry_state().) */
static inline bool pm_walk_absent_migrating(const struct pm_walk *w, struct vm_area_struct *vma,
					    unsigned long addr)
{
	return false;
}
#else
#error "pagemove: neither FW_MIGRATION (pagewalk.h) nor leafops.h: no way to see a page under migration"
#endif

static inline struct folio *pm_walk_start(struct pm_walk *w, struct vm_area_struct *vma,
					  unsigned long addr, enum pm_walk_mode mode)
{
	folio_walk_flags_t flags = FW_ZEROPAGE | (mode == PM_WALK_SEED ? PM_FW_SEED : 0);
	struct folio *folio;
	int __maybe_unused tries;

	/* The walk fills these only when it reaches a leaf: no stale level. */
	w->fw.level = FW_LEVEL_PTE;
	w->fw.pmd = __pmd(0);
	folio = pm_call(lookup)(&w->fw, vma, addr, flags);
#if !defined(PM_HAVE_FW_MIGRATION)
	/*
	 * 7.x: the walk found nothing; the entry read again after it is a
	 * migration entry (busy), or a page again: the migration the walk
	 * saw ended in between, so walk once more (a few times at most).
	 */
	for (tries = 0; !folio && mode == PM_WALK_SEED && tries < 3; tries++) {
		int st = pm_entry_state(vma, addr);

		if (st == PM_ENTRY_MIGRATING)
			return ERR_PTR(-EBUSY);
		if (st != PM_ENTRY_PRESENT)
			break;
		w->fw.level = FW_LEVEL_PTE;
		w->fw.pmd = __pmd(0);
		folio = pm_call(lookup)(&w->fw, vma, addr, flags);
	}
#endif
	w->page = folio ? w->fw.page : NULL;
	/* The seed contract: a page under migration is busy, not absent. */
	if (folio && pm_walk_migrating(w)) {
		pm_walk_end(w, vma);
		return ERR_PTR(-EBUSY);
	}
	if (!folio && mode == PM_WALK_SEED && pm_walk_absent_migrating(w, vma, addr))
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

/*
 * follow_page() does not say at which level it found the page: a hugetlb
 * page is mapped whole, a THP where a PMD leaf maps it (lookup.c). Then
 * the pages after it share the answer as on 6.12 (seed.c's span), and a
 * THP moved by one chunk is seen running into the next (pm_carry_mark).
 */
bool pm_pmd_maps_page(struct mm_struct *mm, unsigned long addr, struct page *page);

static inline unsigned long pm_walk_span(const struct pm_walk *w, struct vm_area_struct *vma,
					 unsigned long addr)
{
	unsigned long end = addr + PAGE_SIZE;

	if (!w->page || !PageCompound(w->page))
		return end;
	if (is_vm_hugetlb_page(vma))
		end = ALIGN(addr + 1, huge_page_size(hstate_vma(vma)));
	else if (pm_pmd_maps_page(vma->vm_mm, addr, w->page))
		end = (addr & PMD_MASK) + PMD_SIZE;
	return min(end, vma->vm_end);
}
#endif

#endif /* _PAGEMOVE_KERNELS_H */
