// SPDX-License-Identifier: GPL-2.0
/*
 * Resolves the unexported internals the move path is built from, once at
 * load, through kallsyms_lookup_name (itself found with a kprobe), and
 * patches one static call per internal: every call into the kernel is a
 * direct `call`, which needs no ENDBR, so the module works where IBT is
 * enforced and the kernel has sealed those functions. A missing symbol, or
 * an address that is not the start of that function, fails the load with
 * a message that names it.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/version.h>
#include "pagemove.h"

struct pm_symbols pm_sym;

/* Test hook: one more symbol the load must find, to prove the failure path. */
static char *pm_require_symbol;
module_param_named(require_symbol, pm_require_symbol, charp, 0444);
MODULE_PARM_DESC(require_symbol, "Also require this kallsyms symbol at load (tests the missing-symbol path)");

#define PM_DEFINE_CALL(f, name, alt, proto, opt)			\
	DEFINE_STATIC_CALL_NULL(pm_call_##f, pm_proto_##f);
PM_CALLS(PM_DEFINE_CALL)

/* kallsyms_lookup_name is sealed too on 6.12: a direct call as well. */
DEFINE_STATIC_CALL_NULL(pm_kallsyms_lookup_name, kallsyms_lookup_name);

/* What was resolved, for debugfs (pagemove/symbols) and the IBT selftest. */
struct pm_resolved {
	const char *name;
	unsigned long addr;
};
#define PM_COUNT_CALL(f, name, alt, proto, opt)	+ 1
static struct pm_resolved pm_resolved[1 + PM_CALLS(PM_COUNT_CALL) + 3];
static unsigned int pm_nr_resolved;

static void pm_record(const char *name, unsigned long addr)
{
	if (pm_nr_resolved < ARRAY_SIZE(pm_resolved))
		pm_resolved[pm_nr_resolved++] = (struct pm_resolved){ name, addr };
}

static unsigned long pm_find_kallsyms_lookup_name(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr;

	if (register_kprobe(&kp) < 0)
		return 0;
	/* With ENDBR present, kprobes report the address after it: also callable. */
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

/*
 * A static call may only be pointed at the first instruction of a
 * function: kallsyms must describe @addr as the start (+0x0) of a core
 * kernel symbol, not a place inside one, nor a module's. The name it
 * prints may be an alias at the same address.
 */
static bool pm_is_function_start(unsigned long addr)
{
	char buf[KSYM_SYMBOL_LEN];

	sprint_symbol(buf, addr);
	return strstr(buf, "+0x0/") && !strchr(buf, '[');
}

/*
 * Looks @name (or its older name @alt) up into *@addr: 0 when an optional
 * symbol is absent. Returns 0 or a negative errno after saying why.
 */
static int pm_resolve(const char *name, const char *alt, bool optional, bool function,
		      unsigned long *addr)
{
	const char *found = name;

	*addr = static_call(pm_kallsyms_lookup_name)(name);
	if (!*addr && alt && strcmp(alt, name)) {
		found = alt;
		*addr = static_call(pm_kallsyms_lookup_name)(alt);
	}
	if (!*addr) {
		if (optional) {
			pr_info("symbol %s not found in kallsyms: going without it\n", name);
			return 0;
		}
		pr_err("symbol %s not found in kallsyms: this kernel lacks an internal the move path needs\n",
		       name);
		return -ENOENT;
	}
	if (function && !pm_is_function_start(*addr)) {
		pr_err("symbol %s cannot be called: kallsyms gives %pS, not the start of that function\n",
		       found, (void *)*addr);
		return -ENOEXEC;
	}
	pm_record(found, *addr);
	return 0;
}

int pm_symbols_resolve(void)
{
	unsigned long lookup = pm_find_kallsyms_lookup_name(), addr;
	int err;

	if (!lookup) {
		pr_err("cannot find kallsyms_lookup_name: kprobe registration failed\n");
		return -ENOENT;
	}
	static_call_update(pm_kallsyms_lookup_name, (typeof(&kallsyms_lookup_name))lookup);
	/* Its own start, for the listing: the kprobe may have skipped an ENDBR. */
	pm_record("kallsyms_lookup_name",
		  static_call(pm_kallsyms_lookup_name)("kallsyms_lookup_name") ?: lookup);

#define PM_RESOLVE_CALL(f, name, alt, proto, opt)			\
	err = pm_resolve(name, alt, opt, true, &addr);			\
	if (err)							\
		return err;						\
	if (addr)							\
		static_call_update(pm_call_##f, (proto *)addr);
	PM_CALLS(PM_RESOLVE_CALL)
	pm_sym.have_lru_add_drain = static_call_query(pm_call_lru_add_drain) != NULL;
	pm_sym.have_pidfd_get_task = static_call_query(pm_call_pidfd_get_task) != NULL;

	/*
	 * A MIGRATE_SYNC migrate_pages() that first tries the whole list in
	 * one asynchronous batch (migrate_pages_sync(), 6.12 and 7.x here)
	 * unmaps the batch with one TLB flush; Debian's 6.1 has
	 * migrate_pages_batch() but no migrate_pages_sync(), and flushes once
	 * per folio. Only a test of what the kernel has, never called. A
	 * build may inline it away (7.3-rt has neither it nor
	 * migrate_pages_batch() in kallsyms: a process's own memory then
	 * moved on one CPU, silently): every kernel since 6.4 has it, so
	 * there the version says so; before, only the symbol does (a process's
	 * own memory is not moved in parallel without it, the safe side).
	 */
	err = pm_resolve("migrate_pages_sync", NULL, true, false, &addr);
	if (err)
		return err;
	pm_sym.batched_flush = addr != 0 || LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0);

	err = pm_resolve("lru_disable_count", NULL, false, false, &addr);
	if (err)
		return err;
	pm_sym.lru_disable_count = (atomic_t *)addr;
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	err = pm_resolve(PM_HUGE_ZERO_NAME, NULL, false, false, &addr);
	if (err)
		return err;
	pm_sym.huge_zero = (pm_huge_zero_t *)addr;
#endif

	if (pm_require_symbol && *pm_require_symbol &&
	    !static_call(pm_kallsyms_lookup_name)(pm_require_symbol)) {
		pr_err("symbol %s not found in kallsyms (required by require_symbol=)\n",
		       pm_require_symbol);
		return -ENOENT;
	}
	return 0;
}

/* debugfs pagemove/symbols: "name address" per resolved symbol. */
int pm_symbols_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < pm_nr_resolved; i++)
		seq_printf(m, "%s %lx\n", pm_resolved[i].name, pm_resolved[i].addr);
	return 0;
}
