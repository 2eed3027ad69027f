// SPDX-License-Identifier: GPL-2.0
/*
 * Per-node migration: the allocation callback, migrate_pages() batches,
 * putback, and the LRU drains that make isolation succeed.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/completion.h>
#include <linux/sched/isolation.h>
#include "call.h"

/*
 * A folio off the LRU cannot be isolated; it may only be waiting in a
 * per-CPU LRU batch. move_pages(2) rules that out by paying for
 * lru_cache_disable() (an expedited RCU grace period and a drain on every
 * CPU) on every call. pagemove pays only when a page needs it: first this
 * CPU's batches (cheap, where the caller's own faults wait), then every
 * CPU's, which stay disabled until the call ends; pm_drain_lru_all()
 * returns false when they already are. Never called under the mmap lock.
 */
bool pm_drain_lru_all(struct pm_call *c)
{
	if (c->lru_off)
		return false;
	pm_call(lru_cache_disable)();
	c->lru_off = true;
	return true;
}

void pm_drain_lru(struct pm_call *c)
{
	if (pm_sym.have_lru_add_drain && !c->drained_local && !c->lru_off) {
		pm_call(lru_add_drain)();
		c->drained_local = true;
		return;
	}
	pm_drain_lru_all(c);
}

static pm_mig_t *pm_alloc_target(pm_mig_t *src, unsigned long private)
{
	struct pm_alloc *a = (struct pm_alloc *)private;
	pm_mig_t *dst = pm_call(alloc_migration_target)(src, (unsigned long)&a->mtc);

	if (!dst) {
		struct folio *f = pm_mig_folio(src);

		a->nomem[a->nr_nomem++ % PM_NOMEM_SLOTS] = f;
		if (folio_test_large(f) && !folio_test_hugetlb(f))
			a->thp_split = true;
	}
	return dst;
}

bool pm_alloc_failed(const struct pm_alloc *a, struct folio *folio)
{
	unsigned int i, n = min_t(unsigned int, a->nr_nomem, PM_NOMEM_SLOTS);

	for (i = 0; i < n; i++)
		if (a->nomem[i] == folio)
			return true;
	return false;
}

/* One migrate_pages() batch, as do_move_pages_to_node() runs it. */
int pm_migrate(struct list_head *list, struct pm_alloc *a)
{
	return pm_call(migrate_pages)(list, pm_alloc_target, NULL, (unsigned long)a,
				    MIGRATE_SYNC, MR_SYSCALL, NULL);
}

void pm_putback_all(struct pm_call *c)
{
	unsigned int n;

	for (n = 0; n < c->nr_lists; n++)
		if (!list_empty(&c->lists[n]))
			pm_call(putback_movable_pages)(&c->lists[n]);
}

/*
 * Parallel migration. migrate_pages() copies one folio after another on
 * the caller's CPU; a large batch is split by pages into contiguous
 * shares, one per worker: the caller migrates the first, threads of its
 * own process the rest, each with its own allocation callback state. What
 * fails stays on its share and comes back on @list, exactly as one
 * migrate_pages() would leave it, so the reporters see no difference.
 *
 * The workers are the caller's. A kworker belongs to no cgroup: its CPU
 * time escapes the caller's cpu.max, cpu.weight and accounting, and it
 * runs module code after its last complete(). So each share runs on a
 * thread made by create_io_thread(), as io_uring makes its SQPOLL and
 * io-wq threads (6.1 to 7.x; vhost_task, the other such facility, is 6.4
 * and later and is a kthread-shaped wrapper around the same clone): a
 * thread of the calling process, in its cgroups (cpu, cpuset, pids), with
 * the calling thread's affinity, nice value and scheduling class, its CPU
 * time the process's. It has every signal but SIGKILL and SIGSTOP blocked
 * and never returns to user space: it migrates its share and calls
 * do_exit(). One thread per share and batch: a batch of 256 pages or more
 * costs milliseconds, a thread tens of microseconds, and nothing of the
 * module waits between calls or outlives one.
 *
 * The caller waits for each thread's exit, not for a completion the
 * thread signals itself: @exited is the thread's vfork_done, which
 * do_exit() completes in mm_release(), after the last instruction of the
 * module the thread ran. The ioctl holds the module (the file's owner
 * reference), so no code of the module runs once the call has returned
 * and the module can be unloaded then. A thread that cannot be made (the
 * caller's RLIMIT_NPROC or pids.max, a fatal signal) leaves its share to
 * the caller.
 */
struct pm_worker {
	struct list_head list;
	struct pm_alloc a;
	int err;
	bool spawned;		/* a thread of the caller migrates it: wait for its exit */
	struct completion exited;
};

static int pm_worker_fn(void *arg)
{
	struct pm_worker *w = arg;

	w->err = pm_migrate(&w->list, &w->a);
	/* The new folios wait in this CPU's LRU batch: put them on the LRU. */
	if (pm_sym.have_lru_add_drain)
		pm_call(lru_add_drain)();
	pm_call(do_exit)(0);	/* completes @exited in mm_release() */
	BUG();
}

/*
 * A thread of the caller's process for @w's share, running: false if none.
 * @allowed (if not NULL) narrows the affinity it inherits before it first
 * runs, as io-wq sets its workers' before waking them.
 */
static bool pm_spawn(struct pm_worker *w, const struct cpumask *allowed)
{
	struct task_struct *tsk;

	init_completion(&w->exited);
	tsk = pm_call(create_io_thread)(pm_worker_fn, w, NUMA_NO_NODE);
	if (IS_ERR(tsk))
		return false;
	/* Not yet running: the only writer of its vfork_done is its exit. */
	tsk->vfork_done = &w->exited;
	if (allowed)
		set_cpus_allowed_ptr(tsk, allowed);
	pm_call(wake_up_new_task)(tsk);
	return true;
}

/*
 * Isolated CPUs (isolcpus=, the domain kind: no load balancing there) run
 * what their owner put there and nothing else; a caller whose affinity
 * includes one has not asked for the module's workers to run there. So
 * the workers' affinity is the caller's without the isolated CPUs (the
 * caller's own share stays on its own CPU, isolated or not). Into
 * @allowed: true when that narrows the caller's affinity (nothing to do
 * without isolated CPUs), false when it does not.
 */
static bool pm_worker_cpus(struct cpumask *allowed)
{
	if (!housekeeping_enabled(HK_TYPE_DOMAIN))
		return false;
	/*
	 * Since 7.x the domain mask also takes cpuset's isolated partitions
	 * and is replaced under RCU when they change: read it inside one.
	 */
	rcu_read_lock();
	cpumask_and(allowed, current->cpus_ptr, housekeeping_cpumask(HK_TYPE_DOMAIN));
	rcu_read_unlock();
	return !cpumask_equal(allowed, current->cpus_ptr);
}

/*
 * How many CPUs the caller's threads may run on besides its own: online,
 * in the calling thread's affinity (its cpuset's and its own), and not
 * isolated (isolcpus). The threads inherit that affinity; the scheduler
 * places them, so none is bound to a CPU that goes offline.
 */
static unsigned int pm_other_cpus(unsigned int max)
{
	int self = raw_smp_processor_id(), cpu;
	unsigned int n = 0;

	rcu_read_lock();	/* the housekeeping mask: see pm_worker_cpus() */
	for_each_cpu_and(cpu, current->cpus_ptr, cpu_online_mask) {
		if (n == max)
			break;
		if (cpu != self && housekeeping_cpu(cpu, HK_TYPE_DOMAIN))
			n++;
	}
	rcu_read_unlock();
	return n;
}

static unsigned long pm_list_pages(struct list_head *list, unsigned int *folios)
{
	struct folio *folio;
	unsigned long pages = 0;

	*folios = 0;
	list_for_each_entry(folio, list, lru) {
		pages += folio_nr_pages(folio);
		++*folios;
	}
	return pages;
}

/*
 * Threads migrating for pagemove right now, module-wide: every caller in
 * a batch and every worker. Several callers at once (stress-ng --numa 3:
 * three processes on four CPUs) each made workers for CPUs the others
 * were using: more threads than CPUs, each batch slower than one worker
 * (measured: 3 x 16 calls of 1K pages, workers auto 1.08x the syscall,
 * workers=1 1.54x). A batch takes workers only for CPUs no other batch
 * holds; a lone caller still gets every CPU, busy target or not.
 */
static atomic_t pm_migrating = ATOMIC_INIT(0);

static int pm_migrate_split(struct pm_call *c, struct list_head *list, struct pm_alloc *a,
			    unsigned long pages, unsigned int folios, unsigned int *threads)
{
	int neg = 0, sum = 0, others, cpus = 1;
	unsigned int n, i;
	unsigned long seen = 0;
	struct pm_worker *w;
	struct folio *folio, *next;
	cpumask_var_t allowed;
	bool narrow;

	/* No worker without a folio of its own to migrate (a THP is one). */
	n = min3(c->max_workers, (unsigned int)PM_MAX_WORKERS,
		 (unsigned int)min_t(unsigned long, pages / PM_PAR_MIN_PAGES, folios));
	/*
	 * The caller's own memory: its threads all have that mm loaded, so
	 * every TLB flush of one interrupts the others. Once per batch (6.12,
	 * 7.x) that is a few IPIs per 1000 pages; once per folio (6.1) it
	 * made a 4096-page move 25 to 50 times slower than one worker.
	 */
	if (c->lk.mm == current->mm && !pm_sym.batched_flush)
		n = 1;
	if (n > 1) {
		cpus = 1 + pm_other_cpus(PM_MAX_WORKERS - 1);
		n = min_t(unsigned int, n, cpus);
	}
	n = max(n, 1U);
	/* CPUs other batches hold are not this one's (one is always its own). */
	others = atomic_fetch_add(n, &pm_migrating);
	if (n > 1 && others > 0) {
		unsigned int left = clamp(cpus - others, 1, (int)n);

		atomic_sub(n - left, &pm_migrating);
		n = left;
	}
	if (n <= 1 || (!c->workers &&
		       !(c->workers = kcalloc(PM_MAX_WORKERS, sizeof(*c->workers),
					      GFP_KERNEL_ACCOUNT | __GFP_NOWARN))) ||
	    !zalloc_cpumask_var(&allowed, GFP_KERNEL_ACCOUNT | __GFP_NOWARN)) {
		/* One thread (or no memory to split the batch, or for its mask: as one). */
		int ret = pm_migrate(list, a);

		atomic_sub(n, &pm_migrating);
		return ret;
	}
	narrow = pm_worker_cpus(allowed);
	w = c->workers;
	for (i = 0; i < n; i++) {
		INIT_LIST_HEAD(&w[i].list);
		w[i].a.mtc = a->mtc;
		w[i].a.nr_nomem = 0;
		w[i].a.thp_split = false;
		w[i].err = 0;
	}
	/* Contiguous shares of about equal pages (a THP weighs 512). */
	list_for_each_entry_safe(folio, next, list, lru) {
		list_move_tail(&folio->lru, &w[seen * n / pages].list);
		seen += folio_nr_pages(folio);
	}
	/*
	 * Big folios may leave a share empty: no thread for it. A share no
	 * thread could be made for joins the caller's.
	 */
	for (i = 1; i < n; i++) {
		w[i].spawned = !list_empty(&w[i].list) && pm_spawn(&w[i], narrow ? allowed : NULL);
		if (!w[i].spawned)
			list_splice_tail_init(&w[i].list, &w[0].list);
		*threads += w[i].spawned;
	}
	w[0].err = pm_migrate(&w[0].list, &w[0].a);
	/* (Not the list: a worker that moved all of its share empties it.) */
	for (i = 1; i < n; i++)
		if (w[i].spawned)
			wait_for_completion(&w[i].exited);
	atomic_sub(n, &pm_migrating);
	free_cpumask_var(allowed);

	/* As one migrate_pages() call: -ENOMEM wins, else the failures add up. */
	a->nr_nomem = 0;
	for (i = 0; i < n; i++) {
		unsigned int j;

		list_splice_tail_init(&w[i].list, list);
		for (j = 0; j < min_t(unsigned int, w[i].a.nr_nomem, PM_NOMEM_SLOTS); j++)
			a->nomem[a->nr_nomem++ % PM_NOMEM_SLOTS] = w[i].a.nomem[j];
		a->thp_split |= w[i].a.thp_split;
		if (w[i].err < 0)
			neg = w[i].err;
		else
			sum += w[i].err;
	}
	c->nr_parallel++;
	return neg ?: sum;
}

/* A batch, counted and traced (stats.c): what it asked, moved, and took. */
int pm_migrate_batch(struct pm_call *c, struct list_head *list, struct pm_alloc *a)
{
	unsigned int folios, left_folios, threads = 1;
	unsigned long pages = pm_list_pages(list, &folios);
	u64 t0 = ktime_get_ns();
	int ret = pm_migrate_split(c, list, a, pages, folios, &threads);
	unsigned long left = pm_list_pages(list, &left_folios);

	c->bytes += (u64)(pages - left) << PAGE_SHIFT;	/* what a @rate counts */
	pm_stat_batch(a->mtc.nid, pages, folios, left, threads, ret, t0);
	return ret;
}
