// SPDX-License-Identifier: GPL-2.0
/* Soak: callers move busy multithreaded processes' pages between nodes for a while; no byte may change. */
/*
 * Three target processes each keep a writer thread per online CPU rewriting
 * their memory (anonymous base pages, THP, hugetlb, shmem): every base page
 * holds its page id and a generation that only its owner thread bumps, and
 * the owner checks the whole page before each bump. Three callers (two
 * threads of one process sharing its fd, and a process with its own) move
 * those pages by pid between nodes 0, 1 and 2 in both modes, with batches of
 * 1 to 2000 entries, uniform and alternating target nodes, and queries. A
 * hog keeps node2 nearly full, so moves there fail per page with -ENOMEM
 * while the rest go on. At the end every byte of every target page is
 * checked, no page stays isolated and no process is left behind.
 *
 * The oracle: a third of the default-mode moves take their target for
 * themselves (the other callers wait for it, its writers go on: they never
 * move a page), then query the same addresses with move_pages(2): every
 * node status must be where the page is. Entries whose THP block (PM_THP:
 * a THP's, or holding hugetlb pages) or address another entry of the call
 * asks for a different node are counted apart ("conflicting") from the rest.
 *
 * CPUs and memory going away: from the middle of the moving phase on, a
 * thread takes the CPUs but cpu0 offline and online again, and another
 * offlines and onlines node 2's movable memory blocks (each offline
 * bounded: pm_hotplug.h), so the second half moves pages while they go
 * (the first keeps node 2 full: an offline moves the hog's pages away).
 * An oracle call that an offline attempt overlapped is not checked for
 * node statuses (the offline moves pages itself) and is counted; every
 * other rule holds. PAGEMOVE_SOAK_HOTPLUG=0 leaves CPUs and memory alone.
 *
 * PAGEMOVE_SOAK_SECONDS (default 20) is the moving phase; a call still
 * running GRACE_S later is ended with SIGKILL, and set-up and checks are
 * bounded too, so a slow (debug) kernel takes about the same time.
 * PAGEMOVE_SEED=N replays the callers' choices (not their timing).
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "pm_test.h"
#include "pm_hotplug.h"

#define NT		3	/* target processes */
#define NC		3	/* callers: 0 and 1 threads of one process on one fd, 2 another process */
#define MAXW		16	/* writer threads per target, at most */
#define MAXBATCH	2000
#define HOG_SLACK_KB	(16 * 1024)	/* node2 free memory the hog leaves */
#define HOG_MAX_S	60		/* the hog stops filling after this long */
#define READY_MAX_S	120		/* targets must be ready by then */
#define SETTLE_MAX_S	10		/* nr_isolated back to its start value by then */
#define GRACE_S		10		/* calls still running this long after the end are killed */

enum { R_ANON, R_THP, R_HUGETLB, R_SHMEM, NR_REGIONS };
static const char *const region_name[NR_REGIONS] = { "anon", "thp", "hugetlb", "shmem" };
/*
 * Anon, THP, hugetlb, shmem: 16 + 8 + 4 + 8 MiB per target (108 MiB for the
 * three) whatever the page size, but at least two THPs in the THP region
 * (64 MiB with 16 KiB pages: 276 MiB for the three); hugetlb in 2 MiB pages.
 */
static size_t region_pages(int r)
{
	static const size_t mib[NR_REGIONS] = { 16, 8, 4, 8 };
	size_t len = mib[r] << 20;

	if (r == R_THP && len < 2 * PM_THP)
		len = 2 * PM_THP;
	return len / PM_PAGE;
}

static const unsigned int batch_sizes[] = { 1, 16, 512, MAXBATCH };
#define NR_BATCH (sizeof(batch_sizes) / sizeof(batch_sizes[0]))

/* Status histogram: nodes 0-2, then every errno the contract allows. */
enum {
	H_NODE0, H_NODE1, H_NODE2, H_UNWRITTEN, H_ENOENT, H_EACCES, H_EPERM,
	H_EBUSY, H_EFAULT, H_ENOMEM, H_OTHER, NR_H
};
static const char *const hist_name[NR_H] = {
	"node0", "node1", "node2", "unwritten", "-ENOENT", "-EACCES", "-EPERM",
	"-EBUSY", "-EFAULT", "-ENOMEM", "other",
};

/* One histogram per kind of call: the modes answer a page in flight differently. */
enum { K_MOVE, K_COMPAT, K_QUERY, K_COMPAT_QUERY, NR_KINDS };
static const char *const kind_name[NR_KINDS] = {
	"default move", "compat move", "default query", "compat query",
};

#define HB(h)		(1U << (h))
#define H_NODES		(HB(H_NODE0) | HB(H_NODE1) | HB(H_NODE2))
#define H_CONTRACT	(H_NODES | HB(H_ENOENT) | HB(H_EACCES) | HB(H_EPERM) | HB(H_EBUSY) | \
			 HB(H_EFAULT) | HB(H_ENOMEM))
/*
 * What each kind may answer here. Every target page stays mapped, private
 * and unpinned in a migratable VMA, so the seed contract leaves a default
 * call only a node, -EBUSY (contended, or in flight: a migration entry) and,
 * for a move, -ENOMEM: -ENOENT or -EFAULT there would call a present page
 * absent. Compat answers as the syscall does, whose quirks include -ENOENT
 * for a page in flight (6.12), -EFAULT for a THP in flight and -EACCES for a
 * hugetlb tail (6.1), and entries left unwritten after a failed batch.
 */
static const unsigned int kind_allowed[NR_KINDS] = {
	[K_MOVE] = H_NODES | HB(H_EBUSY) | HB(H_ENOMEM),
	[K_COMPAT] = H_CONTRACT | HB(H_UNWRITTEN),
	[K_QUERY] = H_NODES | HB(H_EBUSY),
	[K_COMPAT_QUERY] = H_CONTRACT,
};

struct soak_target {
	pid_t pid;
	int ready;			/* 1 ready, -1 set-up failed */
	int nwriters;
	char *base[NR_REGIONS];
	size_t npages[NR_REGIONS];
	unsigned long writes;		/* pages rewritten by the writers */
	unsigned long verified;		/* pages checked at the end */
	unsigned long bad_pages;	/* pages found changed, while running or at the end */
	char first_bad[200];
	char note[200];
	/* The oracle's hold on this target: one caller alone (excl), or any number (users). */
	int excl, users;
};

struct soak_caller {
	unsigned long calls, moves, compat, queries, move_all;
	unsigned long pages_moved;
	unsigned long batch[NR_BATCH];
	unsigned long ret_zero, ret_enoent, ret_positive, ret_enomem;
	unsigned long hugetlb_enoent;	/* hugetlb pages read absent mid-migration */
	unsigned long orc_calls, orc_checked[2], orc_wrong[2];	/* [0] clean, [1] conflicting */
	unsigned long orc_khugepaged;	/* oracle calls a khugepaged collapse overlapped */
	unsigned long orc_hotplug;	/* oracle calls a memory offline overlapped */
	unsigned long hist[NR_KINDS][NR_H];
	unsigned long bad;
	char first_bad[240];
	long long max_ns;		/* the slowest call */
	char slowest[40];
	char in_call[40];		/* the call in flight, if any */
};

/* Shared by the test, its callers, targets and hog (MAP_SHARED). */
struct soak_ctl {
	int stop_targets;
	int hog_ready;			/* 1 filled, -1 failed */
	long hog_kb;			/* hog memory on node2 */
	long hog_enomem;		/* its fill stopped on -ENOMEM */
	struct soak_target t[NT];
	struct soak_caller c[NC];
	unsigned long hp_gen;		/* odd while a memory offline runs (struct mem_plug) */
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long soak_seconds(void)
{
	const char *s = getenv("PAGEMOVE_SOAK_SECONDS");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 ? v : 20;
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: cheap, and the same seed replays the same choices. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Children die with the test: nothing outlives it if it fails or times out. */
static void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
}

/* ---- the page pattern --------------------------------------------------- */

/*
 * Word 0 the page id, word 1 the generation, the rest derived from both:
 * a lost write, a stale copy or a page from elsewhere all show.
 */
static inline uint64_t pat_word(uint64_t id, uint32_t gen, unsigned int k)
{
	return (id * 0x9E3779B97F4A7C15ULL + gen) ^ ((uint64_t)k * 0xBF58476D1CE4E5B9ULL);
}

static void pat_fill(uint64_t *p, uint64_t id, uint32_t gen)
{
	unsigned int k;

	p[0] = id;
	p[1] = gen;
	for (k = 2; k < PM_PAGE / 8; k++)
		p[k] = pat_word(id, gen, k);
}

/* The first word that differs, or -1. */
static int pat_check(const uint64_t *p, uint64_t id, uint32_t gen)
{
	unsigned int k;

	if (p[0] != id)
		return 0;
	if (p[1] != gen)
		return 1;
	for (k = 2; k < PM_PAGE / 8; k++)
		if (p[k] != pat_word(id, gen, k))
			return k;
	return -1;
}

/* ---- targets ------------------------------------------------------------ */

struct target_state {
	struct soak_target *pub;
	size_t n;			/* pages over all regions */
	uint64_t **addr;
	uint64_t *id;
	uint32_t *gen;			/* gen[i] is written only by page i's owner */
	int nwriters;
	int cpus[MAXW];
	int stop;
	pthread_mutex_t lock;		/* first_bad */
};

struct writer {
	struct target_state *ts;
	int w;
	unsigned long writes, bad;
};

static void target_bad(struct target_state *ts, size_t i, int k, const char *when)
{
	pthread_mutex_lock(&ts->lock);
	if (!ts->pub->bad_pages)
		snprintf(ts->pub->first_bad, sizeof(ts->pub->first_bad),
			 "%s: %s page id %#llx (%p) gen %u: word %d is %#llx", when,
			 region_name[(ts->id[i] >> 40) & 0xff], (unsigned long long)ts->id[i],
			 (void *)ts->addr[i], ts->gen[i], k,
			 (unsigned long long)ts->addr[i][k]);
	ts->pub->bad_pages++;
	pthread_mutex_unlock(&ts->lock);
}

/* Checks, then rewrites with the next generation, each page it owns, round and round. */
static void *writer_thread(void *arg)
{
	struct writer *wr = arg;
	struct target_state *ts = wr->ts;
	cpu_set_t set;
	size_t i;
	int k;

	/*
	 * One writer on each CPU: pages are written, faulted and batched
	 * everywhere. cpu0 too, which the hotplug half never takes offline:
	 * a task whose every allowed CPU goes away is re-affined by the
	 * scheduler's fallback under the runqueue lock, which frees its
	 * sched_setaffinity() mask with kfree_rcu() there; on the debug
	 * kernel lockdep joins that to kmemleak printing under its object
	 * lock (a scan area failslab failed in the fault suite) and reports
	 * a circular dependency of the kernel's own locks (6.12-debug,
	 * CI-like run: krc.lock under rq->__lock, console under
	 * kmemleak's object->lock).
	 */
	CPU_ZERO(&set);
	CPU_SET(ts->cpus[wr->w], &set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	/* Below the callers, so the 2 host cores still run many calls. */
	setpriority(PRIO_PROCESS, syscall(SYS_gettid), 10);
	while (!__atomic_load_n(&ts->stop, __ATOMIC_RELAXED)) {
		for (i = wr->w; i < ts->n; i += ts->nwriters) {
			k = pat_check(ts->addr[i], ts->id[i], ts->gen[i]);
			if (k >= 0) {
				target_bad(ts, i, k, "while running");
				wr->bad++;
			}
			pat_fill(ts->addr[i], ts->id[i], ++ts->gen[i]);
			wr->writes++;
			if (__atomic_load_n(&ts->stop, __ATOMIC_RELAXED))
				break;
		}
	}
	return NULL;
}

static char *target_map(struct soak_target *pub, int r, int thp)
{
	size_t len = region_pages(r) * PM_PAGE;
	char *p;

	switch (r) {
	case R_ANON:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		madvise(p, len, MADV_NOHUGEPAGE);
		return p;
	case R_THP:
		if (!thp)
			return NULL;
		p = mmap(NULL, len + PM_THP, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		/* THP-aligned, or no PMD can map it. */
		p = pm_thp_align(p);
		madvise(p, len, MADV_HUGEPAGE);
		return p;
	case R_HUGETLB:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | PM_MAP_HUGE_2M, -1, 0);
		if (p == MAP_FAILED) {
			snprintf(pub->note, sizeof(pub->note), "hugetlb: %s, region skipped",
				 strerror(errno));
			return NULL;
		}
		return p;
	default:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
}

static void target_main(struct soak_ctl *ctl, int ti, int thp)
{
	struct soak_target *pub = &ctl->t[ti];
	struct target_state ts = { .pub = pub };
	struct writer wr[MAXW];
	pthread_t th[MAXW];
	cpu_set_t set;
	size_t i, j;
	int r, c, w;

	pthread_mutex_init(&ts.lock, NULL);
	for (r = 0; r < NR_REGIONS; r++) {
		pub->base[r] = target_map(pub, r, thp);
		pub->npages[r] = pub->base[r] ? region_pages(r) : 0;
		ts.n += pub->npages[r];
	}
	ts.addr = calloc(ts.n, sizeof(*ts.addr));
	ts.id = calloc(ts.n, sizeof(*ts.id));
	ts.gen = calloc(ts.n, sizeof(*ts.gen));
	if (!ts.addr || !ts.id || !ts.gen || !pub->base[R_ANON] || !pub->base[R_SHMEM]) {
		__atomic_store_n(&pub->ready, -1, __ATOMIC_RELEASE);
		_exit(1);
	}
	for (r = 0, i = 0; r < NR_REGIONS; r++)
		for (j = 0; j < pub->npages[r]; j++, i++) {
			ts.addr[i] = (uint64_t *)(pub->base[r] + j * PM_PAGE);
			ts.id[i] = (uint64_t)ti << 48 | (uint64_t)r << 40 | j;
			pat_fill(ts.addr[i], ts.id[i], 0);
		}
	if (sched_getaffinity(0, sizeof(set), &set))
		CPU_SET(0, &set);
	for (c = 0; c < CPU_SETSIZE && ts.nwriters < MAXW; c++)
		if (CPU_ISSET(c, &set))
			ts.cpus[ts.nwriters++] = c;
	pub->nwriters = ts.nwriters;
	for (w = 0; w < ts.nwriters; w++) {
		wr[w] = (struct writer){ .ts = &ts, .w = w };
		if (pthread_create(&th[w], NULL, writer_thread, &wr[w])) {
			__atomic_store_n(&pub->ready, -1, __ATOMIC_RELEASE);
			_exit(1);
		}
	}
	__atomic_store_n(&pub->ready, 1, __ATOMIC_RELEASE);

	while (!__atomic_load_n(&ctl->stop_targets, __ATOMIC_ACQUIRE))
		usleep(20 * 1000);
	__atomic_store_n(&ts.stop, 1, __ATOMIC_RELAXED);
	for (w = 0; w < ts.nwriters; w++) {
		pthread_join(th[w], NULL);
		pub->writes += wr[w].writes;
	}
	/* Writers stopped: every page must hold exactly its last generation. */
	for (i = 0; i < ts.n; i++) {
		int k = pat_check(ts.addr[i], ts.id[i], ts.gen[i]);

		if (k >= 0)
			target_bad(&ts, i, k, "at the end");
		pub->verified++;
	}
	_exit(pub->bad_pages ? 1 : 0);
}

/* ---- the node2 hog ------------------------------------------------------ */

/*
 * Fills node2 up to HOG_SLACK_KB of free memory by moving its own touched
 * pages there through pagemove (a failed allocation there is quiet, unlike
 * a bound fault, which could OOM or warn), then mlocks them and waits.
 */
static void hog_main(struct soak_ctl *ctl)
{
	long free_kb = pm_node_free_kb(2);
	size_t want = free_kb > HOG_SLACK_KB ? (free_kb - HOG_SLACK_KB) * 1024 / PM_PAGE : 0;
	size_t done = 0, on2 = 0;
	long long end = now_ns() + HOG_MAX_S * 1000000000LL;
	int fd = open(PAGEMOVE_DEVICE, O_RDWR);
	char *b = want ? pm_map_anon(want, 0) : NULL;

	if (fd < 0 || (want && !b)) {
		__atomic_store_n(&ctl->hog_ready, -1, __ATOMIC_RELEASE);
		_exit(1);
	}
	while (done < want && now_ns() < end && pm_node_free_kb(2) > HOG_SLACK_KB) {
		void *pages[512];
		int nodes[512], status[512], k, n = want - done < 512 ? want - done : 512;

		for (k = 0; k < n; k++) {
			pages[k] = b + (done + k) * PM_PAGE;
			memset(pages[k], 0x6b, PM_PAGE);
			nodes[k] = 2;
			status[k] = PM_SENTINEL;
		}
		pm_move(fd, 0, n, pages, nodes, status, 0, NULL);
		done += n;
		for (k = 0; k < n; k++)
			on2 += status[k] == 2;
		if (status[n - 1] == -ENOMEM) {
			ctl->hog_enomem = 1;
			break;
		}
	}
	/* Pages that did not reach node2 are of no use: give them back. */
	if (want > done)
		munmap(b + done * PM_PAGE, (want - done) * PM_PAGE);
	if (done)
		mlock(b, done * PM_PAGE);	/* mlocked pages still move: compaction may */
	ctl->hog_kb = on2 * (PM_PAGE >> 10);
	__atomic_store_n(&ctl->hog_ready, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
}

/* ---- callers ------------------------------------------------------------ */

struct caller {
	struct soak_ctl *ctl;
	struct soak_caller *st;
	int fd;
	pid_t pid[NT];
	void **addrs[NT];
	size_t n[NT];
	long long deadline;
	uint64_t rng;
};

static int hist_index(int st)
{
	switch (st) {
	case 0: return H_NODE0;
	case 1: return H_NODE1;
	case 2: return H_NODE2;
	case PM_SENTINEL: return H_UNWRITTEN;
	case -ENOENT: return H_ENOENT;
	case -EACCES: return H_EACCES;
	case -EPERM: return H_EPERM;
	case -EBUSY: return H_EBUSY;
	case -EFAULT: return H_EFAULT;
	case -ENOMEM: return H_ENOMEM;
	}
	return H_OTHER;
}

static void caller_bad(struct soak_caller *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void caller_bad(struct soak_caller *st, const char *fmt, ...)
{
	va_list ap;

	if (!st->bad++) {
		va_start(ap, fmt);
		vsnprintf(st->first_bad, sizeof(st->first_bad), fmt, ap);
		va_end(ap);
	}
}

/* Which region of target @t holds @addr, for the failure messages. */
static const char *region_of(const struct soak_ctl *ctl, int t, const void *addr)
{
	int r;

	for (r = 0; r < NR_REGIONS; r++)
		if ((const char *)addr >= ctl->t[t].base[r] &&
		    (const char *)addr < ctl->t[t].base[r] + ctl->t[t].npages[r] * PM_PAGE)
			return region_name[r];
	return "?";
}

/* Takes target @t for a call: alone (the oracle's) if @alone, else shared. 0: past the deadline. */
static int target_take(struct caller *cl, int t, int alone)
{
	struct soak_target *ts = &cl->ctl->t[t];

	if (alone) {
		while (__atomic_exchange_n(&ts->excl, 1, __ATOMIC_ACQ_REL))
			if (now_ns() >= cl->deadline)
				return 0;
			else
				sched_yield();
		while (__atomic_load_n(&ts->users, __ATOMIC_ACQUIRE))
			if (now_ns() >= cl->deadline) {
				__atomic_store_n(&ts->excl, 0, __ATOMIC_RELEASE);
				return 0;
			} else {
				sched_yield();
			}
		return 1;
	}
	for (;;) {
		while (__atomic_load_n(&ts->excl, __ATOMIC_ACQUIRE))
			if (now_ns() >= cl->deadline)
				return 0;
			else
				sched_yield();
		__atomic_add_fetch(&ts->users, 1, __ATOMIC_ACQ_REL);
		if (!__atomic_load_n(&ts->excl, __ATOMIC_ACQUIRE))
			return 1;
		__atomic_sub_fetch(&ts->users, 1, __ATOMIC_ACQ_REL);
	}
}

static void target_give(struct caller *cl, int t, int alone)
{
	struct soak_target *ts = &cl->ctl->t[t];

	if (alone)
		__atomic_store_n(&ts->excl, 0, __ATOMIC_RELEASE);
	else
		__atomic_sub_fetch(&ts->users, 1, __ATOMIC_ACQ_REL);
}

static const uintptr_t *orc_sort_base;

/* The THP block (PM_THP) that holds @addr. */
static uintptr_t orc_block(uintptr_t addr)
{
	return addr / PM_THP;
}

static int orc_cmp(const void *a, const void *b)
{
	uintptr_t x = orc_block(orc_sort_base[*(const unsigned int *)a]);
	uintptr_t y = orc_block(orc_sort_base[*(const unsigned int *)b]);

	return x < y ? -1 : x > y;
}

/*
 * The oracle, on a target no other caller touches: every node status
 * against move_pages(2)'s answer for the same address.
 */
static void orc_check(struct caller *cl, int t, unsigned int n, void **pages,
		      const int *nodes, const int *status, long collapsed, unsigned long gen)
{
	static __thread int now[MAXBATCH];
	static __thread unsigned int idx[MAXBATCH];
	static __thread unsigned char conf[MAXBATCH];
	struct soak_caller *st = cl->st;
	unsigned int i, k, g;

	st->orc_calls++;
	if (syscall(SYS_move_pages, cl->pid[t], n, pages, NULL, now, 0)) {
		caller_bad(st, "target %d: oracle query of %u failed: %s", t, n, strerror(errno));
		return;
	}
	if (pm_pages_collapsed() != collapsed) {
		st->orc_khugepaged++;
		return;
	}
	if ((gen & 1) || gen != __atomic_load_n(&cl->ctl->hp_gen, __ATOMIC_SEQ_CST)) {
		st->orc_hotplug++;
		return;
	}
	/* Conflicting: another entry of the same THP block asks another node. */
	for (i = 0; i < n; i++)
		idx[i] = i;
	orc_sort_base = (const uintptr_t *)pages;
	qsort(idx, n, sizeof(idx[0]), orc_cmp);
	for (i = 0; i < n; i = g) {
		unsigned int mask = 0;

		for (g = i; g < n && orc_block((uintptr_t)pages[idx[g]]) ==
				      orc_block((uintptr_t)pages[idx[i]]); g++)
			mask |= 1U << nodes[idx[g]];
		for (k = i; k < g; k++)
			conf[idx[k]] = __builtin_popcount(mask) > 1;
	}
	for (i = 0; i < n; i++) {
		if (status[i] < 0)
			continue;
		st->orc_checked[conf[i]]++;
		/* Absent: maybe in flight, the kernel's compaction moving it (node 2 is kept full). */
		now[i] = pm_node_settled(cl->pid[t], pages[i], now[i]);
		if (status[i] == now[i])
			continue;
		/* (An offline that began while it waited: not the truth any more.) */
		if (gen != __atomic_load_n(&cl->ctl->hp_gen, __ATOMIC_SEQ_CST)) {
			st->orc_hotplug++;
			return;
		}
		if (!st->orc_wrong[0] && !st->orc_wrong[1])
			caller_bad(st, "target %d: oracle: entry %u of %u (%s %p) asked %d, status %d, page on %d%s",
				   t, i, n, region_of(cl->ctl, t, pages[i]), pages[i], nodes[i], status[i],
				   now[i], conf[i] ? " (conflicting)" : "");
		st->orc_wrong[conf[i]]++;
	}
}

static void caller_run(struct caller *cl)
{
	struct soak_caller *st = cl->st;
	void **pages = calloc(MAXBATCH, sizeof(*pages));
	int *nodes = calloc(MAXBATCH, sizeof(*nodes));
	int *status = calloc(MAXBATCH, sizeof(*status));
	unsigned int next_node = 0;

	if (!pages || !nodes || !status) {
		caller_bad(st, "out of memory");
		return;
	}
	while (now_ns() < cl->deadline) {
		uint64_t r = rng_next(&cl->rng);
		int t = r % NT, bi = (r >> 8) % NR_BATCH, query = (r >> 12) % 8 == 0;
		int compat = (r >> 16) % 3 == 0, alternate = (r >> 20) % 2;
		unsigned int batch = batch_sizes[bi], flags = compat ? PAGEMOVE_F_COMPAT : 0;
		size_t start = (r >> 24) % cl->n[t], stride = (r >> 56) % 4 ? 1 : 7;
		int kind = query ? (compat ? K_COMPAT_QUERY : K_QUERY) : (compat ? K_COMPAT : K_MOVE);
		unsigned long match = 0, neg = 0, bad = 0;
		struct pagemove_move req;
		int alone;
		long long t0, dt;
		long collapsed;
		unsigned long gen;
		unsigned int j;
		long ret;

		if ((r >> 44) % 2)
			flags |= PAGEMOVE_MF_MOVE;
		if ((r >> 48) % 8 == 0) {
			flags |= PAGEMOVE_MF_MOVE_ALL;	/* root: allowed */
			st->move_all++;
		}
		/* Uniform calls walk 0, 1, 2; alternating ones spread a batch over all three. */
		next_node++;
		for (j = 0; j < batch; j++) {
			pages[j] = cl->addrs[t][(start + j * stride) % cl->n[t]];
			nodes[j] = alternate ? (j + next_node) % 3 : next_node % 3;
			status[j] = PM_SENTINEL;
		}
		alone = kind == K_MOVE && (r >> 28) % 3 == 0;
		if (!target_take(cl, t, alone))
			break;
		snprintf(st->in_call, sizeof(st->in_call), "%s of %u", kind_name[kind], batch);
		collapsed = alone ? pm_pages_collapsed() : 0;
		gen = __atomic_load_n(&cl->ctl->hp_gen, __ATOMIC_SEQ_CST);
		t0 = now_ns();
		ret = pm_move(cl->fd, cl->pid[t], batch, pages, query ? NULL : nodes, status,
			      flags, &req);
		dt = now_ns() - t0;
		st->in_call[0] = 0;
		if (alone && (ret == 0 || ret == -ENOENT))
			orc_check(cl, t, batch, pages, nodes, status, collapsed, gen);
		target_give(cl, t, alone);
		if (dt > st->max_ns) {
			st->max_ns = dt;
			snprintf(st->slowest, sizeof(st->slowest), "%s of %u", kind_name[kind], batch);
		}
		st->calls++;
		st->batch[bi]++;
		if (query)
			st->queries++;
		else if (compat)
			st->compat++;
		else
			st->moves++;
		if (ret == 0)
			st->ret_zero++;
		else if (ret == -ENOENT)
			st->ret_enoent++;
		else if (ret > 0)
			st->ret_positive++;
		else if (ret == -ENOMEM)
			st->ret_enomem++;
		if (ret >= 0 || ret == -ENOENT || ret == -ENOMEM)
			st->pages_moved += req.nr_moved;

		/* The return: default 0 or -ENOENT (query: 0); compat also a count or -ENOMEM. */
		if (query ? ret != 0 :
		    compat ? !(ret >= 0 || ret == -ENOMEM) : !(ret == 0 || ret == -ENOENT)) {
			caller_bad(st, "target %d: %s of %u, flags %#x: returned %ld", t,
				   kind_name[kind], batch, flags, ret);
			continue;
		}
		for (j = 0; j < batch; j++) {
			int h = hist_index(status[j]);

			st->hist[kind][h]++;
			/*
			 * A hugetlb page whose PMD a migration is rewriting at
			 * that instant (cleared, then the migration entry set,
			 * under the lock) reads as absent to the kernel's
			 * lockless walk, as move_pages(2) sees it too: counted,
			 * not failed.
			 */
			if (h == H_ENOENT && !compat &&
			    !strcmp(region_of(cl->ctl, t, pages[j]), "hugetlb"))
				st->hugetlb_enoent++;
			else if (!(kind_allowed[kind] & HB(h)) && !bad++)
				caller_bad(st, "target %d: %s of %u, flags %#x: entry %u (%s %p) status %d",
					   t, kind_name[kind], batch, flags, j,
					   region_of(cl->ctl, t, pages[j]), pages[j], status[j]);
			if (query ? status[j] >= 0 : status[j] == nodes[j])
				match++;
			else
				neg++;
		}
		if (bad || (compat && !query))
			continue;
		/* Default mode and queries: each entry is counted once in the summary. */
		if (req.nr_moved + req.nr_in_place != match || req.nr_failed != neg)
			caller_bad(st, "target %d: %s of %u, flags %#x: summary moved %llu in place %llu failed %llu, statuses say %lu + %lu",
				   t, kind_name[kind], batch, flags,
				   (unsigned long long)req.nr_moved, (unsigned long long)req.nr_in_place,
				   (unsigned long long)req.nr_failed, match, neg);
		else if (ret == -ENOENT && req.nr_moved)
			caller_bad(st, "target %d batch %u: -ENOENT but %llu moved", t, batch,
				   (unsigned long long)req.nr_moved);
	}
	free(pages);
	free(nodes);
	free(status);
}

static void *caller_thread(void *arg)
{
	caller_run(arg);
	return NULL;
}

/*
 * Callers live in processes of their own, so that a call still running
 * GRACE_S after the end can be stopped: SIGKILL, which must end it promptly
 * with every isolated page put back (-EINTR in include/uapi/linux/pagemove.h
 * and pagemove(4)). @nr callers from @first share one fd, each a thread.
 */
static pid_t caller_spawn(struct caller *cl, int first, int nr, pid_t parent)
{
	pthread_t th[NC];
	pid_t pid = fork();
	int fd, i;

	if (pid)
		return pid;
	die_with_parent(parent);
	fd = open(PAGEMOVE_DEVICE, O_RDWR);
	if (fd < 0) {
		caller_bad(cl[first].st, "open: %s", strerror(errno));
		_exit(1);
	}
	for (i = 0; i < nr; i++)
		cl[first + i].fd = fd;
	for (i = 1; i < nr; i++)
		if (pthread_create(&th[i], NULL, caller_thread, &cl[first + i])) {
			caller_bad(cl[first + i].st, "pthread_create failed");
			nr = i;
		}
	caller_run(&cl[first]);
	for (i = 1; i < nr; i++)
		pthread_join(th[i], NULL);
	_exit(0);
}

/* ---- the test ----------------------------------------------------------- */

FIXTURE(soak)
{
	int fd;
	long isolated;
};

FIXTURE_SETUP(soak)
{
	if ((pm_read_nodemask("has_memory") & 0x7) != 0x7)
		SKIP(return, "needs nodes 0-2 with memory");
	self->fd = open(PAGEMOVE_DEVICE, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->isolated = pm_isolated();
}

FIXTURE_TEARDOWN(soak)
{
	close(self->fd);
}

/* Where a target's pages are now, by a query through pagemove. */
static void where_now(int fd, struct caller *cl, int t, unsigned long on[3])
{
	int status[MAXBATCH];
	size_t i, n;

	on[0] = on[1] = on[2] = 0;
	for (i = 0; i < cl->n[t]; i += n) {
		size_t k;

		n = cl->n[t] - i < MAXBATCH ? cl->n[t] - i : MAXBATCH;
		if (pm_move(fd, cl->pid[t], n, cl->addrs[t] + i, NULL, status, 0, NULL))
			return;
		for (k = 0; k < n; k++)
			if (status[k] >= 0 && status[k] < 3)
				on[status[k]]++;
	}
}

/* The kernel's own migration counters: evidence that THP and hugetlb moved too. */
static const char *const vm_keys[] = {
	"pgmigrate_success", "pgmigrate_fail", "thp_migration_success", "thp_migration_fail",
	"thp_migration_split", "allocstall_movable", "compact_stall",
};
#define NR_VM_KEYS (sizeof(vm_keys) / sizeof(vm_keys[0]))

static int wait_ready(int *flag, long long end)
{
	int v;

	while (!(v = __atomic_load_n(flag, __ATOMIC_ACQUIRE)) && now_ns() < end)
		usleep(20 * 1000);
	return v;
}

TEST_F(soak, run)
{
	long seconds = soak_seconds(), iso = -1;
	const char *seed_env = getenv("PAGEMOVE_SEED");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : (uint64_t)time(NULL);
	int thp = access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0;
	struct soak_ctl *ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct soak_caller total = { 0 };
	struct caller cl[NC];
	pid_t me = getpid(), hog, cp[2], tp[NT];
	int cp_done[2] = { 0, 0 }, killed = 0;
	const char *hp_env = getenv("PAGEMOVE_SOAK_HOTPLUG");
	int hotplug = !hp_env || strcmp(hp_env, "0"), plugging = 0;
	/* Paced: each cycle stops every CPU (or migrates 128 MiB), moves must go on too. */
	struct cpu_plug cplug = { .gap_ms = 1000 };
	struct mem_plug mplug = { .gen = &ctl->hp_gen, .gap_ms = 3000 };
	pthread_t ct, mt;
	long long t0, t1, end, mid;
	long vm0[NR_VM_KEYS];
	unsigned long on[3];
	int i, t, h, k, wstatus;

	ASSERT_NE(MAP_FAILED, ctl);
	memset(ctl, 0, sizeof(*ctl));
	ksft_print_msg("soak: %ld s, seed %#llx (PAGEMOVE_SEED), %d targets, %d callers\n",
		       seconds, (unsigned long long)seed, NT, NC);
	if (!thp)
		ksft_print_msg("soak: no /sys/kernel/mm/transparent_hugepage: THP region skipped\n");
	fflush(NULL);	/* children must not print our buffered output again */

	hog = fork();
	ASSERT_LE(0, hog);
	if (!hog) {
		die_with_parent(me);
		hog_main(ctl);
	}
	t0 = now_ns();
	EXPECT_EQ(1, wait_ready(&ctl->hog_ready, t0 + (HOG_MAX_S + 30) * 1000000000LL))
		TH_LOG("the node2 hog did not get ready");
	ksft_print_msg("soak: hog: %ld MiB mlocked on node2 in %.1f s (%s), node2 free %ld MiB\n",
		       ctl->hog_kb >> 10, (now_ns() - t0) / 1e9,
		       ctl->hog_enomem ? "stopped on -ENOMEM" : "stopped at the slack",
		       pm_node_free_kb(2) >> 10);

	for (t = 0; t < NT; t++) {
		tp[t] = fork();
		ASSERT_LE(0, tp[t]);
		if (!tp[t]) {
			die_with_parent(me);
			target_main(ctl, t, thp);
		}
		ctl->t[t].pid = tp[t];
	}
	end = now_ns() + READY_MAX_S * 1000000000LL;
	for (t = 0; t < NT; t++)
		ASSERT_EQ(1, wait_ready(&ctl->t[t].ready, end)) TH_LOG("target %d set-up", t);

	memset(cl, 0, sizeof(cl));
	for (t = 0; t < NT; t++) {
		size_t n = 0, j;
		int r;

		for (r = 0; r < NR_REGIONS; r++)
			n += ctl->t[t].npages[r];
		ASSERT_NE(NULL, cl[0].addrs[t] = calloc(n, sizeof(void *)));
		n = 0;
		for (r = 0; r < NR_REGIONS; r++)
			for (j = 0; j < ctl->t[t].npages[r]; j++)
				cl[0].addrs[t][n++] = ctl->t[t].base[r] + j * PM_PAGE;
		cl[0].n[t] = n;
		cl[0].pid[t] = tp[t];
		if (ctl->t[t].note[0])
			ksft_print_msg("soak: target %d: %s\n", t, ctl->t[t].note);
	}
	for (k = 0; k < (int)NR_VM_KEYS; k++)
		vm0[k] = pm_vmstat(vm_keys[k]);
	t0 = now_ns();
	for (i = 0; i < NC; i++) {
		memcpy(cl[i].addrs, cl[0].addrs, sizeof(cl[0].addrs));
		memcpy(cl[i].n, cl[0].n, sizeof(cl[0].n));
		memcpy(cl[i].pid, cl[0].pid, sizeof(cl[0].pid));
		cl[i].ctl = ctl;
		cl[i].st = &ctl->c[i];
		cl[i].deadline = t0 + seconds * 1000000000LL;
		cl[i].rng = (seed + 1) * 0x9E3779B97F4A7C15ULL * (i + 1) | 1;
	}
	if (hotplug) {
		cpu_plug_init(&cplug);
		if (!access("/sys/devices/system/memory/auto_online_blocks", F_OK))
			mplug.nblk = node_blocks(2, mplug.blk);
	}
	fflush(NULL);
	cp[0] = caller_spawn(cl, 0, 2, me);	/* callers 0 and 1: two threads, one fd */
	ASSERT_LE(0, cp[0]);
	cp[1] = caller_spawn(cl, 2, 1, me);	/* caller 2: alone, its own fd */
	ASSERT_LE(0, cp[1]);
	end = cl[0].deadline + GRACE_S * 1000000000LL;
	mid = t0 + seconds * 500000000LL;
	while ((!cp_done[0] || !cp_done[1]) && now_ns() < end) {
		/* The second half: CPUs and node 2's memory go away and come back. */
		if (hotplug && !plugging && now_ns() >= mid) {
			plugging = 1;
			if (cplug.ncpu && !pthread_create(&ct, NULL, cpu_plugger, &cplug))
				plugging |= 2;
			if (mplug.nblk && !pthread_create(&mt, NULL, mem_plugger, &mplug))
				plugging |= 4;
		}
		for (i = 0; i < 2; i++)
			if (!cp_done[i] && waitpid(cp[i], &wstatus, WNOHANG) == cp[i]) {
				cp_done[i] = 1;
				EXPECT_TRUE(WIFEXITED(wstatus) && !WEXITSTATUS(wstatus))
					TH_LOG("caller process %d: %#x", i, wstatus);
			}
		usleep(20 * 1000);
	}
	t1 = now_ns();
	for (i = 0; i < 2; i++) {
		long long k0;

		if (cp_done[i])
			continue;
		/* A call still in flight: a fatal signal must end it promptly. */
		k0 = now_ns();
		kill(cp[i], SIGKILL);
		ASSERT_EQ(cp[i], waitpid(cp[i], &wstatus, 0));
		killed++;
		for (k = i ? 2 : 0; k < (i ? 3 : 2); k++)
			if (ctl->c[k].in_call[0])
				ksft_print_msg("soak: caller %d killed %d s after the end, during a %s; gone in %.2f s\n",
					       k, GRACE_S, ctl->c[k].in_call, (now_ns() - k0) / 1e9);
	}

	cplug.stop = mplug.stop = 1;
	if (plugging & 2)
		pthread_join(ct, NULL);
	if (plugging & 4)
		pthread_join(mt, NULL);
	pm_plugs_restore(&cplug, &mplug);
	/* An offline may have dissolved the node's reserved huge pages. */
	if (plugging & 4)
		pm_set_hugepages(2, PM_GUEST_HUGEPAGES);
	if (hotplug) {
		ksft_print_msg("soak: hotplug from %.0f s on: CPUs %d, offlined %lu, onlined %lu (%lu refused); node 2: %d movable blocks, offlined %lu, onlined %lu, %lu refused or timed out\n",
			       seconds / 2.0, cplug.ncpu, cplug.offlined, cplug.onlined, cplug.failed,
			       mplug.nblk, mplug.offlined, mplug.onlined, mplug.refused);
		EXPECT_TRUE(plugging) TH_LOG("the callers ended before the hotplug half");
		EXPECT_EQ(cplug.offlined, cplug.onlined);
		EXPECT_EQ(mplug.offlined, mplug.onlined);
		/* CPUs come and go in milliseconds: some did. */
		if (cplug.ncpu)
			EXPECT_LT(0, cplug.offlined);
		for (i = 0; i < cplug.ncpu; i++)
			EXPECT_TRUE(cpu_is_online(cplug.cpus[i])) TH_LOG("cpu%d stays offline", cplug.cpus[i]);
		for (i = 0; i < mplug.nblk; i++)
			EXPECT_EQ(1, blk_online(mplug.blk[i])) TH_LOG("memory%d stays offline", mplug.blk[i]);
	}
	for (t = 0; t < NT; t++) {
		where_now(self->fd, &cl[0], t, on);
		ksft_print_msg("soak: target %d: pages now on node0 %lu, node1 %lu, node2 %lu\n",
			       t, on[0], on[1], on[2]);
	}
	/* Stop the writers; each target checks every byte of its pages and exits. */
	__atomic_store_n(&ctl->stop_targets, 1, __ATOMIC_RELEASE);
	for (t = 0; t < NT; t++) {
		struct soak_target *st = &ctl->t[t];

		ASSERT_EQ(tp[t], waitpid(tp[t], &wstatus, 0));
		ksft_print_msg("soak: target %d: %d writers, pages anon %zu thp %zu hugetlb %zu shmem %zu; %lu page writes; %lu pages verified, %lu changed\n",
			       t, st->nwriters, st->npages[R_ANON], st->npages[R_THP],
			       st->npages[R_HUGETLB], st->npages[R_SHMEM], st->writes,
			       st->verified, st->bad_pages);
		EXPECT_TRUE(WIFEXITED(wstatus) && !WEXITSTATUS(wstatus))
			TH_LOG("target %d: exit %#x", t, wstatus);
		EXPECT_EQ(0, st->bad_pages) TH_LOG("target %d: first: %s", t, st->first_bad);
		EXPECT_EQ(cl[0].n[t], st->verified);
	}
	kill(hog, SIGKILL);
	ASSERT_EQ(hog, waitpid(hog, &wstatus, 0));
	/* No process left behind. */
	EXPECT_EQ(-1, waitpid(-1, &wstatus, WNOHANG));
	EXPECT_EQ(ECHILD, errno);

	for (i = 0; i < NC; i++) {
		struct soak_caller *c = &ctl->c[i];

		ksft_print_msg("soak: caller %d (%s): %lu calls (default %lu, compat %lu, query %lu; move_all %lu), batches 1:%lu 16:%lu 512:%lu 2000:%lu, %lu pages moved, slowest %.2f s (%s)\n",
			       i, i < 2 ? "a thread, fd shared with its sibling" : "alone, own fd", c->calls,
			       c->moves, c->compat, c->queries, c->move_all, c->batch[0], c->batch[1],
			       c->batch[2], c->batch[3], c->pages_moved, c->max_ns / 1e9, c->slowest);
		total.calls += c->calls;
		total.pages_moved += c->pages_moved;
		total.ret_zero += c->ret_zero;
		total.ret_enoent += c->ret_enoent;
		total.ret_positive += c->ret_positive;
		total.ret_enomem += c->ret_enomem;
		total.hugetlb_enoent += c->hugetlb_enoent;
		total.orc_calls += c->orc_calls;
		total.orc_khugepaged += c->orc_khugepaged;
		total.orc_hotplug += c->orc_hotplug;
		for (k = 0; k < 2; k++) {
			total.orc_checked[k] += c->orc_checked[k];
			total.orc_wrong[k] += c->orc_wrong[k];
		}
		for (k = 0; k < NR_KINDS; k++)
			for (h = 0; h < NR_H; h++)
				total.hist[k][h] += c->hist[k][h];
		EXPECT_EQ(0, c->bad) TH_LOG("caller %d: %lu bad, first: %s", i, c->bad, c->first_bad);
	}
	ksft_print_msg("soak: returns: 0 %lu, -ENOENT %lu, positive (compat) %lu, -ENOMEM (compat) %lu\n",
		       total.ret_zero, total.ret_enoent, total.ret_positive, total.ret_enomem);
	ksft_print_msg("soak: hugetlb pages read absent mid-migration (default mode): %lu\n",
		       total.hugetlb_enoent);
	ksft_print_msg("soak: oracle: %lu calls on a target alone; node statuses checked: clean %lu (%lu wrong), conflicting %lu (%lu wrong); %lu calls not checked (khugepaged collapsed a THP meanwhile), %lu (a memory offline ran); statuses the module corrected after a THP split since load: %ld\n",
		       total.orc_calls, total.orc_checked[0], total.orc_wrong[0],
		       total.orc_checked[1], total.orc_wrong[1], total.orc_khugepaged, total.orc_hotplug,
		       pm_read_long("/sys/kernel/debug/pagemove/split_fixed"));
	EXPECT_EQ(0, total.orc_wrong[0] + total.orc_wrong[1]);
	for (k = 0; k < NR_KINDS; k++) {
		ksft_print_msg("soak: statuses, %s:", kind_name[k]);
		for (h = 0; h < NR_H; h++)
			if (total.hist[k][h])
				printf(" %s %lu", hist_name[h], total.hist[k][h]);
		printf("\n");
	}
	ksft_print_msg("soak: vmstat:");
	for (k = 0; k < (int)NR_VM_KEYS; k++)
		printf(" %s +%ld", vm_keys[k], pm_vmstat(vm_keys[k]) - vm0[k]);
	printf("\n");
	ksft_print_msg("soak: %lu calls, %lu pages moved in %.1f s (%d caller process%s killed in a call)\n",
		       total.calls, total.pages_moved, (t1 - t0) / 1e9, killed, killed == 1 ? "" : "es");
	EXPECT_LT(0, total.calls);
	EXPECT_LT(0, total.pages_moved);

	/* Migration done: nr_isolated_* settles back (compaction may hold some briefly). */
	end = now_ns() + SETTLE_MAX_S * 1000000000LL;
	do {
		iso = pm_isolated();
		if (iso == self->isolated)
			break;
		usleep(200 * 1000);
	} while (now_ns() < end);
	EXPECT_EQ(self->isolated, iso);
	fflush(stdout);
	munmap(ctl, sizeof(*ctl));
}

/*
 * The harness's 30 s default cannot cover a soak whose length is chosen at
 * run time: the moving phase, plus bounded set-up (hog, targets) and checks.
 */
static void __attribute__((constructor(KSELFTEST_PRIO_XFAIL + 1))) soak_timeout(void)
{
	/* (+ 30: a memory offline in flight at the end is waited for, 24 s at most) */
	_soak_run_object->timeout = soak_seconds() + HOG_MAX_S + READY_MAX_S + 210;
}

TEST_HARNESS_MAIN
