// SPDX-License-Identifier: GPL-2.0
/*
 * Resolves the unexported internals the move path is built from, once at
 * load, through kallsyms_lookup_name (itself found with a kprobe). A missing
 * symbol, or one that cannot be called safely under IBT, fails the load with
 * a message that names it.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include "pagemove.h"

struct pm_symbols pm_sym;

/* Test hook: one more symbol the load must find, to prove the failure path. */
static char *pm_require_symbol;
module_param_named(require_symbol, pm_require_symbol, charp, 0444);
MODULE_PARM_DESC(require_symbol, "Also require this kallsyms symbol at load (tests the missing-symbol path)");

typedef unsigned long (pm_kallsyms_lookup_name_t)(const char *name);

struct pm_symbol {
	const char *name;
	const char *alt;	/* older name, tried when @name is absent */
	void **slot;
	bool data;		/* a variable: no IBT check */
	bool optional;		/* the path works without it, only slower */
};

#define PM_FN(n, field)		{ n, NULL, (void **)&pm_sym.field, false, false }
#define PM_FN2(n, a, field)	{ n, a, (void **)&pm_sym.field, false, false }
#define PM_FN_OPT(n, field)	{ n, NULL, (void **)&pm_sym.field, false, true }
#define PM_DATA(n, field)	{ n, NULL, (void **)&pm_sym.field, true, false }

static const struct pm_symbol pm_symbol_table[] = {
	PM_FN("migrate_pages", migrate_pages),
	PM_FN("alloc_migration_target", alloc_migration_target),
	PM_FN("putback_movable_pages", putback_movable_pages),
	PM_FN("folio_isolate_lru", folio_isolate_lru),
	PM_FN2(PM_ISOLATE_HUGETLB_NAME, "isolate_hugetlb", isolate_hugetlb),
	PM_FN(PM_LOOKUP_NAME, lookup),
#ifdef PM_HAVE_FOLIO_WALK
	PM_FN("vma_pgtable_walk_end", vma_pgtable_walk_end),
#endif
	PM_FN("vma_migratable", vma_migratable),
	PM_FN("ptrace_may_access", ptrace_may_access),
	PM_FN("security_task_movememory", security_task_movememory),
	PM_FN("cpuset_mems_allowed", cpuset_mems_allowed),
	PM_FN("find_get_task_by_vpid", find_get_task_by_vpid),
	PM_FN("lru_cache_disable", lru_cache_disable),
	PM_FN_OPT("lru_add_drain", lru_add_drain),
	PM_DATA("lru_disable_count", lru_disable_count),
	PM_DATA(PM_HUGE_ZERO_NAME, huge_zero),
};

/*
 * With IBT enforced, an indirect call must land on ENDBR64. The kernel seals
 * (overwrites) the ENDBR of functions whose address is never taken, so
 * calling one through a pointer would fault: refuse instead.
 */
static bool pm_ibt_callable(unsigned long addr)
{
#ifdef CONFIG_X86_KERNEL_IBT
	static const u8 endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

	if (cpu_feature_enabled(X86_FEATURE_IBT))
		return memcmp((void *)addr, endbr64, sizeof(endbr64)) == 0;
#endif
	return true;
}

static pm_kallsyms_lookup_name_t *pm_find_kallsyms_lookup_name(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr;

	if (register_kprobe(&kp) < 0)
		return NULL;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return (pm_kallsyms_lookup_name_t *)addr;
}

int pm_symbols_resolve(void)
{
	pm_kallsyms_lookup_name_t *lookup = pm_find_kallsyms_lookup_name();
	size_t i;

	if (!lookup) {
		pr_err("cannot find kallsyms_lookup_name: kprobe registration failed\n");
		return -ENOENT;
	}
	if (!pm_ibt_callable((unsigned long)lookup)) {
		pr_err("cannot call kallsyms_lookup_name: IBT is enforced and it has no ENDBR\n");
		return -ENOEXEC;
	}

	for (i = 0; i < ARRAY_SIZE(pm_symbol_table); i++) {
		const struct pm_symbol *s = &pm_symbol_table[i];
		const char *name = s->name;
		unsigned long addr = lookup(name);

		if (!addr && s->alt && strcmp(s->alt, name)) {
			name = s->alt;
			addr = lookup(name);
		}
		if (s->optional && (!addr || !pm_ibt_callable(addr))) {
			pr_info("symbol %s %s: going without it\n", s->name,
				addr ? "cannot be called under IBT" : "not found");
			continue;
		}
		if (!addr) {
			pr_err("symbol %s not found in kallsyms: this kernel lacks an internal the move path needs\n",
			       s->name);
			return -ENOENT;
		}
		if (!s->data && !pm_ibt_callable(addr)) {
			pr_err("symbol %s cannot be called: IBT is enforced and its ENDBR is sealed (boot with ibt=off)\n",
			       name);
			return -ENOEXEC;
		}
		*s->slot = (void *)addr;
	}
	if (pm_require_symbol && *pm_require_symbol && !lookup(pm_require_symbol)) {
		pr_err("symbol %s not found in kallsyms (required by require_symbol=)\n",
		       pm_require_symbol);
		return -ENOENT;
	}
	return 0;
}
