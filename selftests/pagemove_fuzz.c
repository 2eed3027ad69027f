// SPDX-License-Identifier: GPL-2.0
/* Seeded fuzzer: hostile PAGEMOVE_MOVE requests while threads rewrite their arrays and address space. */
/*
 * Every caller is hostile (/dev/pagemove is 0666): the request and its
 * arrays may change between two reads, the target's address space may
 * change under the call, the target may exit. One thread issues random
 * requests through ioctl(2) directly (sizes, flags, pids, counts across the
 * module's 4096-entry chunk, bad pointers, bad nodes); a flipper rewrites the in-flight
 * nodes[], pages[] and request (the module once re-read nodes[] after
 * validating it); a mutator munmaps, remaps, mprotects, mremaps and
 * MADV_DONTNEEDs the target regions; a pool forks target children that exit
 * or are killed while they are the target. Every return and status must be
 * one the uapi header documents; a witness region no mutator touches must
 * keep every byte; no page may stay isolated; the device must still work.
 *
 * The oracle: one call in four is a default-mode PAGEMOVE_MOVE (or
 * PAGEMOVE_MOVE_RANGE) on a region only those calls touch (THPs, base
 * pages, a hugetlb page if the guest has one), so its target is quiescent:
 * random pages, duplicates, THP subpages in runs, random nodes, up to two
 * chunks. The same addresses are then queried with move_pages(2), and
 * every node status must name the node the page is on. Entries whose
 * THP block (PM_THP, what a PMD maps) or hugetlb page another entry of the
 * call asks for a different node are counted apart ("conflicting") from
 * the rest.
 *
 * PAGEMOVE_SEED=N replays the same request sequence (the interleaving with
 * the other threads is up to the scheduler); PAGEMOVE_FUZZ_SECONDS bounds
 * the run by time, not iterations, as the debug kernel is several times
 * slower.
 */
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <sys/utsname.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define CHUNK		PM_CHUNK_ENTRIES	/* the module's chunk: re-reads past it */
#define MAXC		(2 * CHUNK)		/* entries in each array buffer */
#define NSLOT		3			/* churned target regions */
#define SLOT		PM_THP			/* each room for a THP */
#define WIT		PM_THP			/* the witness region */
#define STRIDE		(2 * PM_THP)		/* slot + a PROT_NONE gap */
#define DEF_SECONDS	40
/* The first byte a non-zero value in must make -EINVAL: __reserved2 on. */
#define RSV2		offsetof(struct pagemove_move, __reserved2)
#define NBAD_LOG	8
#define KADDR		0xffffffff81000000ULL
#define ORC_THP		4			/* the oracle's THPs */
#define ORC_BASE	512			/* and base pages */
#define ORC_PAGES	(ORC_THP * PM_THP_PAGES + ORC_BASE)

enum { FLIP_NONE, FLIP_NODES, FLIP_PAGES, FLIP_REQ };

struct fz {
	uint64_t seed;
	int fd;
	unsigned long max_pages;

	char *base;			/* the reservation holding slots and witness */
	char *slot[NSLOT];
	char *wit;
	int memfd;			/* shmem pages for MAP_SHARED remaps */
	uint64_t *pages;		/* MAXC entries, then a guard page */
	int32_t *nodes;			/* MAXC entries, then a guard page */
	int32_t *status;		/* MAXC entries, then a guard page */
	char *ro;			/* 4 read-only pages, then a guard page */
	char *reqbuf;			/* 2 pages, then a guard page */
	uint64_t vdso;

	/* Flipper handshake (seq_cst): main sets mode, waits for !busy. */
	int mode, busy;
	unsigned long flip_n;
	int32_t node_a, node_b;
	uint64_t page_a, page_b;
	struct pagemove_move req_a, req_b;

	int stop;
	int main_tid, in_call;		/* for the watchdog */
	double call_start, wd_late;
	char stack[2][1536];		/* the caller's kernel stack in its slowest long call */
	int cur_child, reaped_child, mut_tid;
	unsigned long flips, mutations, forks, kills;

	/* The oracle's region: THPs, then base pages; and a hugetlb page, if any. */
	char *orc;
	char *orc_huge;
	void **orc_q;			/* MAXC addresses to query */
	int32_t *orc_now;		/* MAXC answers */
	unsigned long orc_calls, orc_checked[2], orc_wrong[2];	/* [0] clean, [1] conflicting */
	unsigned long orc_khugepaged;	/* oracle calls a collapse overlapped: not checked */

	/* Results. */
	unsigned long calls, exact_checks, witness_checks;
	unsigned long ret_hist[2 + 200];	/* 0, >0, then errno */
	unsigned long st_hist[4 + 200];	/* nodes 0..3, then -errno */
	unsigned long st_sentinel;
	double max_call;
	char slowest[320];
	unsigned long dur_hist[4];	/* < 10 ms, < 100 ms, < 1 s, longer */
	unsigned long nbad;
	char bad[NBAD_LOG][320];
};

static struct fz F;

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long rndn(uint64_t *s, unsigned long n)
{
	return n ? rnd(s) % n : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap_us(unsigned long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static int ld(int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void st(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static __attribute__((format(printf, 1, 2))) void bad(const char *fmt, ...)
{
	va_list ap;

	if (F.nbad < NBAD_LOG) {
		va_start(ap, fmt);
		vsnprintf(F.bad[F.nbad], sizeof(F.bad[0]), fmt, ap);
		va_end(ap);
	}
	F.nbad++;
}

/* An array buffer of @bytes (page multiple) ending exactly at a PROT_NONE guard. */
static void *guarded(size_t bytes, int prot)
{
	char *p = mmap(NULL, bytes + PM_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, bytes);
	if (mprotect(p + bytes, PM_PAGE, PROT_NONE) ||
	    (prot != (PROT_READ | PROT_WRITE) && mprotect(p, bytes, prot)))
		return NULL;
	return p;
}

static unsigned char wit_byte(size_t off)
{
	return (unsigned char)((off >> 12) * 131 + (off & 0xfff) * 7 + 1 + F.seed);
}

/* Offset of the first witness byte that changed, or -1. */
static long witness_check(void)
{
	size_t off;

	F.witness_checks++;
	for (off = 0; off < WIT; off++)
		if ((unsigned char)F.wit[off] != wit_byte(off))
			return off;
	return -1;
}

/* ---- address and value pools --------------------------------------- */

static uint64_t slot_addr(uint64_t *s)
{
	return (uint64_t)(F.slot[rndn(s, NSLOT)] + rndn(s, SLOT / PM_PAGE) * PM_PAGE);
}

static uint64_t pick_addr(uint64_t *s)
{
	const uint64_t wild[] = {
		0, PM_PAGE, 0x10000, KADDR, 0xffff888000000000ULL,
		0x0000800000000000ULL, ~0ULL, 0x00007ffffffff000ULL,
	};
	unsigned long r = rndn(s, 100);

	if (r < 45)
		return slot_addr(s) + (rndn(s, 10) ? 0 : rndn(s, PM_PAGE));
	if (r < 65)
		return (uint64_t)(F.wit + rndn(s, WIT / PM_PAGE) * PM_PAGE);
	if (r < 72)	/* the PROT_NONE gap after a slot: a VMA, never a page */
		return (uint64_t)(F.slot[rndn(s, NSLOT)] + SLOT + rndn(s, 16) * PM_PAGE);
	if (r < 82)
		return wild[rndn(s, sizeof(wild) / sizeof(wild[0]))];
	if (r < 86 && F.vdso)
		return F.vdso + rndn(s, 2) * PM_PAGE;
	if (r < 90)	/* the very arrays being read, and the status written */
		return (uint64_t)((char *)F.pages + rndn(s, 8) * PM_PAGE);
	if (r < 93)
		return (uint64_t)((char *)F.status + rndn(s, 4) * PM_PAGE);
	if (r < 96)	/* this binary's text: a file page */
		return (uint64_t)(uintptr_t)&pick_addr & ~(PM_PAGE - 1);
	return (uint64_t)(uintptr_t)&r & ~(PM_PAGE - 1);	/* this thread's stack */
}

static int32_t bad_node(uint64_t *s)
{
	static const int32_t v[] = { -1, 1 << 28, 1024, 3, 4, 64, INT_MIN, INT_MAX, 1023 };

	if (rndn(s, 4) == 0)
		return 5 + rndn(s, 996);
	return v[rndn(s, sizeof(v) / sizeof(v[0]))];
}

static uint64_t pick_count(uint64_t *s)
{
	static const uint64_t huge[] = { 1ULL << 32, 1ULL << 62, ~0ULL, (1ULL << 31) + 1, 1ULL << 20 };
	unsigned long r = rndn(s, 100);

	if (r < 5)
		return 0;
	if (r < 18)
		return 1;
	if (r < 50)
		return 2 + rndn(s, 63);
	if (r < 72)
		return 65 + rndn(s, CHUNK - 64);
	if (r < 95)
		return CHUNK + 1 + rndn(s, MAXC - CHUNK);
	if (r < 98)
		return F.max_pages + 1 + rndn(s, 16);
	return huge[rndn(s, sizeof(huge) / sizeof(huge[0]))];
}

/* ---- threads --------------------------------------------------------- */

/* Rewrites entries of the in-flight arrays or request, as fast as it can. */
static void *flipper(void *arg)
{
	uint64_t s = F.seed ^ 0xf11bULL;
	volatile struct pagemove_move *req = (void *)F.reqbuf;

	prctl(PR_SET_TIMERSLACK, 1UL);
	while (!ld(&F.stop)) {
		unsigned long n, i, k;
		int m;

		st(&F.busy, 1);
		m = ld(&F.mode);
		if (m == FLIP_NONE) {
			st(&F.busy, 0);
			nap_us(20);
			continue;
		}
		n = F.flip_n;
		for (k = 0; k < 64 && n; k++) {
			/* Half the time past the first chunk: the re-read one. */
			i = n > CHUNK && rndn(&s, 2) ? CHUNK + rndn(&s, n - CHUNK) : rndn(&s, n);
			switch (m) {
			case FLIP_NODES:
				F.nodes[i] = F.nodes[i] == F.node_a ? F.node_b : F.node_a;
				break;
			case FLIP_PAGES:
				F.pages[i] = F.pages[i] == F.page_a ? F.page_b : F.page_a;
				break;
			default: {
				const struct pagemove_move *src = k & 1 ? &F.req_a : &F.req_b;

				switch (rndn(&s, 6)) {
				case 0: req->count = src->count; break;
				case 1: req->flags = src->flags; break;
				case 2: req->nodes = src->nodes; break;
				case 3: req->pid = src->pid; break;
				case 4: req->size = src->size; break;
				default: req->status = src->status; break;
				}
			}
			}
		}
		F.flips += k;
		st(&F.busy, 0);
		/*
		 * The guests are TCG on two host cores: a spinning vCPU takes host
		 * time from the call it races. Short naps still land thousands of
		 * flips inside a long call.
		 */
		nap_us(rndn(&s, 30));
	}
	return NULL;
}

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PM_PAGE)
		p[i] = (char)i;
}

/*
 * Changes the slots (never the witness, the arrays or anything else):
 * only this thread maps memory while the fuzzer runs, so a hole it makes
 * in a slot is refilled by nobody but itself.
 */
/*
 * The 6.12 debug kernel's DEBUG_VM warned once, in about ten 40 s runs,
 * in deferred_split_folio() called from migrate_folio_move(): a THP became
 * partially mapped while migrate_pages() moved it. migrate_folio_move()
 * reads the source's deferred-split state before the move and requeues the
 * destination with it after remapping it, so an unmap in between trips
 * the check; move_pages(2) takes the same path. With panic_on_warn it ends
 * the run, so there the mutator makes no THP in the slots it cuts up,
 * unless PAGEMOVE_FUZZ_PARTIAL_THP=1 (the witness region stays THP, and
 * whole). Not seen again: 900 s with PAGEMOVE_FUZZ_PARTIAL_THP=1 on that
 * kernel (41262 calls), nor 600 s of move_pages(2) alone against threads
 * that cut fresh THPs (722892 THP moves).
 */
static int no_slot_thp(void)
{
	struct utsname u;

	if (getenv("PAGEMOVE_FUZZ_PARTIAL_THP"))
		return 0;
	return !uname(&u) && strstr(u.release, "pagemove-debug");
}

static void *mutator(void *arg)
{
	uint64_t s = F.seed ^ 0x307a7eULL;
	int no_thp = no_slot_thp();

	st(&F.mut_tid, (int)syscall(SYS_gettid));
	while (!ld(&F.stop)) {
		char *b = F.slot[rndn(&s, NSLOT)];
		size_t npg = 1 + rndn(&s, SLOT / PM_PAGE);
		size_t off = rndn(&s, SLOT / PM_PAGE - npg + 1) * PM_PAGE;
		size_t len = npg * PM_PAGE;
		char *p = b + off, *q;

		switch (rndn(&s, 13)) {
		case 0:
			munmap(p, len);
			break;
		case 1:
		case 2:
			q = mmap(p, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			if (q == p)
				touch(p, len);
			break;
		case 3:
			/* shmem pages, shared: MAP_FIXED over whatever was there */
			q = mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
				 F.memfd, off);
			if (q == p)
				touch(p, len);
			break;
		case 4:
			mprotect(p, len, PROT_NONE);
			break;
		case 5:
			mprotect(p, len, PROT_READ);
			break;
		case 6:
			mprotect(p, len, PROT_READ | PROT_WRITE);
			break;
		case 7:
			madvise(p, len, MADV_DONTNEED);
			break;
		case 8:
			/* Move the low half onto the high half: a hole where it was. */
			mremap(b, SLOT / 2, SLOT / 2, MREMAP_MAYMOVE | MREMAP_FIXED, b + SLOT / 2);
			break;
		case 9:
			/* A fresh slot, THP if the kernel has it (6.12-rt has none). */
			q = mmap(b, SLOT, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			if (q == b) {
				madvise(b, SLOT, no_thp ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
				touch(b, SLOT);
			}
			break;
		case 10:
			if (rndn(&s, 2))
				mlock(p, len);
			else
				munlock(p, len);
			break;
		case 11:
			madvise(p, len, rndn(&s, 2) ? MADV_FREE : MADV_PAGEOUT);
			break;
		default:
			/* Shrink in place, then grow back: the tail comes back empty. */
			if (mremap(p, len, len / 2 & ~(PM_PAGE - 1), 0) != MAP_FAILED)
				mremap(p, len / 2 & ~(PM_PAGE - 1), len, 0);
			break;
		}
		F.mutations++;
		nap_us(rndn(&s, 400));
	}
	return NULL;
}

/* A target child: owns private copies of some pages, then exits or is killed. */
static __attribute__((noreturn)) void child_body(uint64_t s, pid_t parent)
{
	size_t i, n = rndn(&s, 32);
	char *b;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	/* Break COW on some witness pages: this child's copies, not ours. */
	for (i = 0; i < n; i++)
		F.wit[rndn(&s, WIT / PM_PAGE) * PM_PAGE + 1] ^= 1;
	b = F.slot[rndn(&s, NSLOT)];
	if (mmap(b, SLOT / 4, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == b)
		touch(b, SLOT / 4);
	nap_us(rndn(&s, 8000));
	_exit(0);
}

static void *pool(void *arg)
{
	uint64_t s = F.seed ^ 0x9001ULL;
	pid_t parent = getpid();

	while (!ld(&F.stop)) {
		uint64_t cs = rnd(&s);
		pid_t pid = fork();

		if (pid == 0)
			child_body(cs, parent);
		if (pid < 0) {
			nap_us(1000);
			continue;
		}
		F.forks++;
		st(&F.cur_child, pid);
		nap_us(rndn(&s, 6000));
		if (rndn(&s, 2)) {
			kill(pid, SIGKILL);
			F.kills++;
		}
		/* Until reaped it may be a zombie: a task without an mm. */
		nap_us(rndn(&s, 500));
		waitpid(pid, NULL, 0);
		st(&F.reaped_child, pid);
		st(&F.cur_child, 0);
		nap_us(rndn(&s, 2000));
	}
	return NULL;
}

/* Reads a small /proc file into @buf without stdio (no allocation). */
static void read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (n < 0)
		n = snprintf(buf, len, "%s: %s\n", path, strerror(errno));
	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/*
 * A call still running after 5 s: keep where the caller's kernel stack is,
 * twice, so a slow or stuck path can be reported with its place.
 */
static void *watchdog(void *arg)
{
	char path[64];
	double worst = 5;
	int k;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", F.main_tid);
	while (!ld(&F.stop)) {
		double t = now();

		nap_us(500000);
		/* A nap far longer than asked: this thread was starved too. */
		if (now() - t > F.wd_late)
			F.wd_late = now() - t;
		if (!ld(&F.in_call) || now() - F.call_start < worst)
			continue;
		worst = now() - F.call_start + 5;
		for (k = 0; k < 2; k++) {
			read_small(path, F.stack[k], sizeof(F.stack[k]));
			nap_us(200000);
		}
	}
	return NULL;
}

/* ---- one request ----------------------------------------------------- */

static int errno_ok(int e)
{
	switch (e) {
	case EINVAL: case EPERM: case ESRCH: case E2BIG: case EFAULT:
	case ENODEV: case EACCES: case ENOENT: case ENOMEM:
		return 1;
	}
	return 0;
}

static int status_ok(int32_t v)
{
	if (v >= 0 && v <= 3)
		return 1;
	switch (-v) {
	case ENOENT: case EACCES: case EPERM: case EBUSY: case EFAULT:
	case ENOMEM: case EIO: case EINVAL: case ENODEV:
		return 1;
	}
	return 0;
}

static const char *ename(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case ESRCH: return "ESRCH";
	case E2BIG: return "E2BIG";
	case EFAULT: return "EFAULT";
	case ENODEV: return "ENODEV";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ENOMEM: return "ENOMEM";
	case ENOTTY: return "ENOTTY";
	case EBUSY: return "EBUSY";
	case EIO: return "EIO";
	case EINTR: return "EINTR";
	}
	return "?";	/* the caller prints the number too */
}

enum { P_BUF, P_NULL, P_LOW, P_KERN, P_MISAL, P_OFFEND, P_RO, P_SLOT, P_ALIAS };
static const char *const pname[] = {
	"buf", "null", "low", "kernel", "misaligned", "off-end", "ro", "slot", "alias",
};

/* A pointer for an array of @esz-byte entries whose buffer is @buf. */
static int pick_ptr(uint64_t *s, void *buf, size_t esz, uint64_t count, int allow_null,
		    int allow_alias, __u64 *out)
{
	unsigned long r = rndn(s, 100);
	uint64_t k;

	if (r < 82) {
		*out = (uint64_t)buf;
		return P_BUF;
	}
	if (r < 84 && allow_null) {
		*out = 0;
		return P_NULL;
	}
	if (r < 86) {
		*out = 0x10000 + rndn(s, 16) * PM_PAGE;
		return P_LOW;
	}
	if (r < 88) {
		*out = rndn(s, 2) ? KADDR : (uint64_t)-PM_PAGE;
		return P_KERN;
	}
	if (r < 91) {
		*out = (uint64_t)buf + 1 + rndn(s, esz - 1 ? esz - 1 : 3);
		return P_MISAL;
	}
	if (r < 95) {
		/* The array runs into the guard page after the buffer. */
		k = count > 1 ? 1 + rndn(s, count - 1 < MAXC ? count - 1 : MAXC - 1) : 1;
		*out = (uint64_t)buf + (MAXC - k) * esz;
		return P_OFFEND;
	}
	if (r < 97) {
		*out = (uint64_t)F.ro;
		return P_RO;
	}
	if (r < 99 || !allow_alias) {
		/* Inside a slot the mutator unmaps, remaps and protects. */
		*out = slot_addr(s);
		return P_SLOT;
	}
	*out = (uint64_t)F.nodes;
	return P_ALIAS;
}

/*
 * PAGEMOVE_MOVE_RANGE: hostile ranges (gaps, the witness, wild and kernel
 * addresses, unaligned, empty, wrapping, huge), nodes, flags, pids and
 * status arrays, while the address space churns: only documented errnos,
 * contract statuses, and counts that add up to the range.
 */
static void range_call(uint64_t *s)
{
	struct pagemove_range rq;
	const uint64_t lens[] = { 0, 1, PM_PAGE - 1, ~0ULL & ~(PM_PAGE - 1), 1ULL << 40 };
	uint64_t pages, sum, answered;
	unsigned long r = rndn(s, 100), i;
	long ret;
	int e;

	memset(&rq, 0, sizeof(rq));
	rq.size = sizeof(rq);
	rq.start = r < 70 ? slot_addr(s) : r < 80 ? (uint64_t)F.wit : pick_addr(s);
	rq.length = rndn(s, 10) ? (1 + rndn(s, MAXC)) * PM_PAGE : lens[rndn(s, 5)];
	rq.node = rndn(s, 4) ? (int32_t)rndn(s, 3) : bad_node(s);
	rq.flags = rndn(s, 3) ? PAGEMOVE_MF_MOVE : rndn(s, 2) ? PAGEMOVE_MF_MOVE_ALL : 1U << rndn(s, 32);
	rq.flags &= ~PAGEMOVE_F_PIDFD;	/* pids here are pids (pagemove_pidfd has the pidfds) */
	rq.pid = rndn(s, 3) ? 0 : rndn(s, 2) ? ld(&F.cur_child) : (int)rndn(s, 4);
	rq.workers = rndn(s, 3);
	rq.__reserved = rndn(s, 50) == 0;
	/* A budget now and then (pagemove_budget has the exact checks). */
	if (rndn(s, 8) == 0) {
		rq.max_pages = rndn(s, 2) ? rndn(s, MAXC + 1) : rnd(s);
		rq.max_usec = rndn(s, 2) ? rndn(s, 5000) : 0;
		rq.rate = rndn(s, 4) ? 0 : (256ULL << 20) + rnd(s) % (1ULL << 40);
	}
	rq.next = rnd(s);	/* (out): junk in */
	r = rndn(s, 10);
	rq.status = r < 5 ? (uint64_t)F.status : r < 8 ? 0 : r < 9 ? KADDR : (uint64_t)F.ro;
	pages = rq.length / PM_PAGE;
	for (i = 0; i < MAXC; i++)
		F.status[i] = PM_SENTINEL;

	ret = ioctl(F.fd, PAGEMOVE_MOVE_RANGE, &rq);
	e = ret < 0 ? errno : 0;
	F.calls++;
	if (ret < 0 && !errno_ok(e)) {
		bad("range call %lu: start %#llx length %#llx node %d flags %#x pid %d: errno %d",
		    F.calls, (unsigned long long)rq.start, (unsigned long long)rq.length, rq.node,
		    rq.flags, rq.pid, e);
		return;
	}
	if (ret < 0 && e != ENOENT)
		return;
	/* A budget that stopped it: the pages before rq.next are answered, the rest untouched. */
	if (ret > 0 && (ret != PAGEMOVE_STOPPED || !(rq.max_pages || rq.max_usec || rq.rate))) {
		bad("range call %lu: returned %ld without a budget", F.calls, ret);
		return;
	}
	answered = ret == PAGEMOVE_STOPPED ? (rq.next - rq.start) / PM_PAGE : pages;
	if (rq.next < rq.start || (rq.next - rq.start) % PM_PAGE || answered > pages ||
	    (ret != PAGEMOVE_STOPPED && rq.next != rq.start + rq.length) ||
	    (ret == PAGEMOVE_STOPPED && (!answered || answered == pages)) ||
	    (rq.max_pages && rq.nr_moved > rq.max_pages)) {
		bad("range call %lu: %llu pages, next at page %lld, %llu moved (max %llu), ret %ld",
		    F.calls, (unsigned long long)pages, (long long)(rq.next - rq.start) / (long long)PM_PAGE,
		    (unsigned long long)rq.nr_moved, (unsigned long long)rq.max_pages, ret);
		return;
	}
	sum = rq.nr_moved + rq.nr_in_place + rq.nr_enoent + rq.nr_eacces + rq.nr_eperm +
	      rq.nr_ebusy + rq.nr_efault + rq.nr_enomem + rq.nr_eio + rq.nr_einval;
	if (rq.nr_pages != pages || sum != answered || rq.result != (ret < 0 ? -e : ret))
		bad("range call %lu: %llu pages, %llu answered, counts add up to %llu, result %lld",
		    F.calls, (unsigned long long)rq.nr_pages, (unsigned long long)answered,
		    (unsigned long long)sum, (long long)rq.result);
	for (i = 0; rq.status == (uint64_t)F.status && i < pages && i < MAXC; i++)
		if (i < answered ? !status_ok(F.status[i]) || F.status[i] == -ENODEV :
				   F.status[i] != PM_SENTINEL)
			bad("range call %lu: status[%lu] %d (%llu answered)", F.calls, i,
			    F.status[i], (unsigned long long)answered);
}

/* The oracle region afresh: its THPs whole again (earlier calls split them). */
static int orc_remap(void)
{
	size_t thp = ORC_THP * SLOT, i;

	if (mmap(F.orc, thp, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) != F.orc)
		return -1;
	madvise(F.orc, thp, MADV_HUGEPAGE);	/* best effort: no THP on 6.12-rt */
	/*
	 * Every eighth page stays zero-filled: a THP split (the module's, or
	 * migrate_pages()' when no THP is free) maps those to the zero page.
	 */
	for (i = 0; i < thp / PM_PAGE; i++)
		F.orc[i * PM_PAGE + 1] = i % 8 ? 1 : 0;
	return 0;
}

static uint64_t orc_page(uint64_t *s)
{
	if (F.orc_huge && rndn(s, 10) == 0)
		return (uint64_t)(F.orc_huge + rndn(s, PM_HUGE_2M_PAGES) * PM_PAGE);
	return (uint64_t)(F.orc + rndn(s, ORC_PAGES) * PM_PAGE);
}

/* Which of @n entries share a THP block or the hugetlb page with an entry asking another node. */
static void orc_conflicts(uint64_t n, const uint64_t *pages, const int32_t *nodes,
			  unsigned char *conf)
{
	enum { NB = ORC_THP + 2 };
	unsigned int mask[NB] = { 0 }, b;
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint64_t a = pages[i];

		b = a >= (uint64_t)F.orc && a < (uint64_t)F.orc + ORC_THP * SLOT ?
			(a - (uint64_t)F.orc) / SLOT : a >= (uint64_t)F.orc_huge &&
			a < (uint64_t)F.orc_huge + PM_HUGE_2M && F.orc_huge ? ORC_THP + 1 : ORC_THP;
		conf[i] = b;
		mask[b] |= 1U << nodes[i];
	}
	for (i = 0; i < n; i++) {
		/* Base pages: conflicting only when the same address asks another node. */
		if (conf[i] == ORC_THP) {
			uint64_t k;

			conf[i] = 0;
			for (k = 0; k < n; k++)
				if (pages[k] == pages[i] && nodes[k] != nodes[i]) {
					conf[i] = 1;
					break;
				}
			continue;
		}
		conf[i] = __builtin_popcount(mask[conf[i]]) > 1;
	}
}

/*
 * khugepaged's collapses completed when this oracle call began. A collapse
 * copies a THP block's pages into a new THP on one node: it moves pages
 * (all of one split THP's to node 0, in one 7.3 run) between the call and
 * the query, and no status can say that. A call a collapse overlapped is
 * not checked, and counted.
 */
static long orc_collapsed;

/* Every node status of @n entries against where move_pages(2) says the page is. */
static void orc_check(const char *what, uint64_t n, const uint64_t *pages,
		      const int32_t *nodes, const int32_t *status)
{
	static unsigned char conf[MAXC];
	uint64_t i;

	for (i = 0; i < n; i++)
		F.orc_q[i] = (void *)pages[i];
	if (nodes)
		orc_conflicts(n, pages, nodes, conf);
	else
		memset(conf, 0, n);
	if (pm_sys_move_pages(0, n, F.orc_q, NULL, F.orc_now, 0)) {
		bad("oracle %s call %lu: move_pages(2) query failed: errno %d", what, F.calls, errno);
		return;
	}
	if (pm_pages_collapsed() != orc_collapsed) {
		F.orc_khugepaged++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (status[i] < 0)
			continue;
		F.orc_checked[conf[i]]++;
		/*
		 * Absent: maybe in flight, the kernel's compaction moving it
		 * (the mutator's THP faults compact directly).
		 */
		F.orc_now[i] = pm_node_settled(0, (void *)pages[i], F.orc_now[i]);
		if (status[i] == F.orc_now[i])
			continue;
		F.orc_wrong[conf[i]]++;
		bad("oracle %s call %lu: entry %llu (%#llx) asked %d, status %d, page on %d%s", what,
		    F.calls, (unsigned long long)i, (unsigned long long)pages[i],
		    nodes ? nodes[i] : -1, status[i], F.orc_now[i],
		    conf[i] ? " (conflicting)" : "");
	}
}

static void oracle_call(uint64_t *s)
{
	uint64_t n = 1 + (rndn(s, 2) ? rndn(s, 2048) : rndn(s, MAXC)), i = 0;
	struct pagemove_move r;
	long ret;

	if (rndn(s, 40) == 0 && orc_remap())
		bad("oracle: the region could not be remapped");
	F.orc_calls++;
	orc_collapsed = pm_pages_collapsed();
	if (rndn(s, 5) == 0) {
		/* A range of the THP part, one node. */
		struct pagemove_range rq = { .size = sizeof(rq), .flags = PAGEMOVE_MF_MOVE };
		uint64_t first = rndn(s, ORC_PAGES), len = ORC_PAGES - first;

		/* At most MAXC pages, what F.status holds (ORC_PAGES is more with 16 KiB pages). */
		len = 1 + rndn(s, len < MAXC ? len : MAXC);

		rq.start = (uint64_t)F.orc + first * PM_PAGE;
		rq.length = len * PM_PAGE;
		rq.node = (int32_t)rndn(s, 3);
		rq.status = (uint64_t)F.status;
		rq.workers = rndn(s, 3);
		ret = ioctl(F.fd, PAGEMOVE_MOVE_RANGE, &rq);
		F.calls++;
		if (ret && !(ret == -1 && errno == ENOENT)) {
			bad("oracle range call %lu: ret %ld errno %d", F.calls, ret, errno);
			return;
		}
		for (i = 0; i < len; i++) {
			F.pages[i] = rq.start + i * PM_PAGE;
			F.nodes[i] = rq.node;
		}
		orc_check("range", len, F.pages, F.nodes, F.status);
		return;
	}
	while (i < n) {
		unsigned long r = rndn(s, 10), run, k;
		uint64_t a = orc_page(s);
		int32_t node = (int32_t)rndn(s, 3);

		if (r < 4) {
			/* A run of consecutive pages (THP subpages), one node or cycling. */
			int cyc = rndn(s, 3) == 0;

			/* Up to a bit past a THP: 600 pages of 512-page THPs (the same stream at 4 KiB). */
			run = 1 + rndn(s, PM_THP_PAGES * 600 / 512);
			a &= ~(PM_PAGE - 1);
			for (k = 0; k < run && i < n; k++, i++) {
				uint64_t b = a + k * PM_PAGE;

				int in_huge = F.orc_huge && a >= (uint64_t)F.orc_huge &&
					      a < (uint64_t)F.orc_huge + PM_HUGE_2M;
				uint64_t end = in_huge ? (uint64_t)F.orc_huge + PM_HUGE_2M :
					       (uint64_t)F.orc + ORC_PAGES * PM_PAGE;

				F.pages[i] = b < end ? b : a;
				F.nodes[i] = cyc ? (int32_t)(k % 3) : node;
			}
		} else if (r < 5 && i) {
			/* An earlier entry's address again, maybe for another node. */
			F.pages[i] = F.pages[rndn(s, i)];
			F.nodes[i++] = node;
		} else {
			F.pages[i] = a;
			F.nodes[i++] = node;
		}
	}
	for (i = 0; i < n; i++)
		F.status[i] = PM_SENTINEL;
	/* (libpagemove returns -errno.) */
	ret = pm_move(F.fd, 0, n, (void **)F.pages, F.nodes, F.status, 0, &r);
	F.calls++;
	if (ret && ret != -ENOENT) {
		bad("oracle call %lu: %llu entries: returned %ld", F.calls, (unsigned long long)n, ret);
		return;
	}
	if (r.nr_moved + r.nr_in_place + r.nr_failed != n)
		bad("oracle call %lu: moved %llu + in place %llu + failed %llu != %llu", F.calls,
		    (unsigned long long)r.nr_moved, (unsigned long long)r.nr_in_place,
		    (unsigned long long)r.nr_failed, (unsigned long long)n);
	orc_check("move", n, F.pages, F.nodes, F.status);
}

static void one_call(uint64_t *s)
{
	struct pagemove_move *req = (void *)F.reqbuf, r0;
	uint64_t count = pick_count(s), n, i, reqp = (uint64_t)F.reqbuf;
	unsigned int cmd = PAGEMOVE_MOVE, size = PAGEMOVE_MOVE_SIZE_VER0;
	int pk, nk, sk, flip = FLIP_NONE, expect = 0, bad_cmd = 0, tail_nz = 0;
	int compat, pid, e = 0, full, rk = 0, budget = 0;
	uint64_t answered;
	unsigned long r;
	double t0, dt;
	long ret;

	memset(&r0, 0, sizeof(r0));
	n = count < MAXC ? count : MAXC;

	/* pages[]: a run through one region, all one address, or a mix. */
	r = rndn(s, 10);
	if (r < 3) {
		char *b = rndn(s, 4) ? F.slot[rndn(s, NSLOT)] : F.wit;
		size_t span = (b == F.wit ? WIT : SLOT) / PM_PAGE, o = rndn(s, span);

		for (i = 0; i < n; i++)
			F.pages[i] = (uint64_t)(b + (o + i) % span * PM_PAGE);
	} else if (r < 4) {
		uint64_t a = pick_addr(s);

		for (i = 0; i < n; i++)
			F.pages[i] = a;
	} else {
		for (i = 0; i < n; i++)
			F.pages[i] = i && rndn(s, 16) == 0 ? F.pages[i - 1] : pick_addr(s);
	}

	/* nodes[]: valid (batched or mixed), valid with one bad entry, or anything. */
	r = rndn(s, 20);
	if (r < 13) {
		int32_t one = rndn(s, 3);
		int mix = rndn(s, 2);

		for (i = 0; i < n; i++)
			F.nodes[i] = mix ? (int32_t)rndn(s, 3) : one;
		if (r >= 10 && n)	/* one bad entry, often past the first chunk */
			F.nodes[rndn(s, n)] = bad_node(s);
	} else {
		for (i = 0; i < n; i++)
			F.nodes[i] = rndn(s, 3) ? (int32_t)rndn(s, 3) : bad_node(s);
	}
	for (i = 0; i < MAXC; i++)
		F.status[i] = PM_SENTINEL;

	/* The request. */
	memset(F.reqbuf, 0, 2 * PM_PAGE);
	{
		static const unsigned int ok[] = {
			0, PAGEMOVE_MF_MOVE, PAGEMOVE_MF_MOVE_ALL,
			PAGEMOVE_MF_MOVE | PAGEMOVE_MF_MOVE_ALL, PAGEMOVE_F_COMPAT,
			PAGEMOVE_F_COMPAT | PAGEMOVE_MF_MOVE,
			PAGEMOVE_F_COMPAT | PAGEMOVE_MF_MOVE_ALL,
		};

		r0.flags = ok[rndn(s, sizeof(ok) / sizeof(ok[0]))];
		r = rndn(s, 100);
		if (r < 5)
			r0.flags |= (1U << rndn(s, 32)) & ~PAGEMOVE_F_PIDFD;	/* may hit a known bit */
		else if (r < 8)
			r0.flags |= 1U << (19 + rndn(s, 13));
		else if (r < 9)
			r0.flags |= 1;	/* MPOL_MF_STRICT: not ours */
		if (rndn(s, 40) == 0)
			r0.__reserved = 1U << rndn(s, 32);
	}
	r = rndn(s, 100);
	if (r < 55) {
		pid = 0;
	} else if (r < 63) {
		pid = getpid();
	} else if (r < 78) {
		pid = ld(&F.cur_child);
	} else if (r < 83) {
		pid = ld(&F.reaped_child);
	} else if (r < 86) {
		pid = ld(&F.mut_tid);	/* another thread of this process */
	} else if (r < 89) {
		pid = 1;
	} else if (r < 92) {
		pid = 2;	/* kthreadd: no mm */
	} else if (r < 96) {
		static const int huge[] = { 1 << 30, INT_MAX, 4194305 };

		pid = huge[rndn(s, 3)];
	} else {
		static const int neg[] = { -1, INT_MIN, -2 };

		pid = neg[rndn(s, 3)];
	}
	r0.pid = pid;
	r0.count = count;
	pk = pick_ptr(s, F.pages, 8, count, 1, 0, &r0.pages);
	if (rndn(s, 10) == 0) {
		r0.nodes = 0;	/* query */
		nk = P_NULL;
	} else {
		nk = pick_ptr(s, F.nodes, 4, count, 0, 0, &r0.nodes);
	}
	sk = pick_ptr(s, F.status, 4, count, 1, 1, &r0.status);
	/* Workers bound only how a migration is split: any value is valid. */
	r0.workers = rndn(s, 4) ? 0 : (uint32_t)rnd(s);
	/* Output fields carry junk in: the module must not trust them. */
	r0.nr_moved = rnd(s);
	r0.result = (int64_t)rnd(s);

	r = rndn(s, 100);
	if (r < 5)
		size = rndn(s, PAGEMOVE_MOVE_SIZE_VER0);
	else if (r < 12)
		size = PAGEMOVE_MOVE_SIZE_VER0 + 1 + rndn(s, PM_PAGE - PAGEMOVE_MOVE_SIZE_VER0);
	else if (r < 15)
		size = RSV2 + 1 + rndn(s, PM_PAGE - RSV2), tail_nz = 1;
	else if (r < 17)
		size = rndn(s, 2) ? PM_PAGE + 1 + rndn(s, PM_PAGE) : 0xffffffffU;
	else if (r < 30) {
		/* This ABI's size, with a budget (pagemove_budget has the exact checks). */
		size = sizeof(r0);
		r0.max_pages = rndn(s, 3) ? 0 : rndn(s, 2) ? rndn(s, MAXC + 1) : rnd(s);
		r0.max_usec = rndn(s, 3) ? 0 : rndn(s, 5000);
		r0.rate = rndn(s, 4) ? 0 : (256ULL << 20) + rnd(s) % (1ULL << 40);
		r0.next = rnd(s);	/* (out): junk in */
		budget = r0.max_pages || r0.max_usec || r0.rate;
	}
	r0.size = size;
	memcpy(F.reqbuf, &r0, sizeof(r0));
	/* __reserved2, or past what this ABI knows (the budget fields are known). */
	if (tail_nz) {
		if (size > sizeof(r0) && rndn(s, 2))
			F.reqbuf[sizeof(r0) + rndn(s, size - sizeof(r0))] = (char)(1 + rndn(s, 255));
		else
			F.reqbuf[RSV2 + rndn(s, size - RSV2 < 4 ? size - RSV2 : 4)] =
				(char)(1 + rndn(s, 255));
	}

	r = rndn(s, 100);
	if (r < 2) {
		reqp = 0;
		rk = 1;
	} else if (r < 4) {
		reqp = KADDR;
		rk = 1;
	} else if (r < 6) {
		/* size readable, the rest runs into the guard page */
		reqp = (uint64_t)F.reqbuf + 2 * PM_PAGE - 40;
		memset(F.reqbuf, 0, 2 * PM_PAGE);
		memcpy((char *)reqp, &r0, 40);
		rk = 2;
		tail_nz = 0;	/* the tail is in the guard page now: -EFAULT */
	}
	if (rndn(s, 40) == 0) {
		static const unsigned int other[] = {
			_IO(PAGEMOVE_TYPE, PAGEMOVE_CMD_MOVE_RANGE + 1), _IO(PAGEMOVE_TYPE, 0),
			_IOWR(PAGEMOVE_TYPE, PAGEMOVE_CMD_MOVE, struct pagemove_move),
			_IO('T', 0x80), 0xdeadbeef,
		};

		cmd = other[rndn(s, sizeof(other) / sizeof(other[0]))];
		bad_cmd = 1;
	}

	/* What else races this call. */
	r = rndn(s, 100);
	if (r < 25 && nk == P_BUF && n) {
		static const int32_t pairs[][2] = {
			{ 1, 1 << 28 }, { 1, 5 }, { 0, -1 }, { 2, 3 }, { 1, 1024 }, { 0, 2 }, { 0, 1 },
		};
		unsigned int p = rndn(s, sizeof(pairs) / sizeof(pairs[0]));

		F.node_a = pairs[p][0];
		F.node_b = pairs[p][1];
		flip = FLIP_NODES;
	} else if (r < 45 && pk == P_BUF && n) {
		F.page_a = slot_addr(s);
		F.page_b = rndn(s, 2) ? pick_addr(s) : slot_addr(s);
		flip = FLIP_PAGES;
	} else if (r < 55 && !rk) {
		F.req_a = r0;
		F.req_b = r0;
		F.req_b.count = rndn(s, 2) ? count / 2 + 1 : pick_count(s);
		F.req_b.flags ^= PAGEMOVE_F_COMPAT;
		F.req_b.nodes = r0.nodes ? 0 : (uint64_t)F.nodes;
		F.req_b.pid = ld(&F.cur_child);
		F.req_b.size = rndn(s, 2) ? PAGEMOVE_MOVE_SIZE_VER0 : PM_PAGE + 8;
		F.req_b.status = rndn(s, 2) ? r0.status : (uint64_t)F.status;
		flip = FLIP_REQ;
	}

	/* Where the answer is already known, whatever else is going on. */
	compat = !!(r0.flags & PAGEMOVE_F_COMPAT);
	if (bad_cmd)
		expect = ENOTTY;
	else if (rk == 1)
		expect = EFAULT;
	else if (flip == FLIP_REQ)
		expect = 0;
	else if (size < PAGEMOVE_MOVE_SIZE_VER0 || size > PM_PAGE || tail_nz)
		expect = EINVAL;
	else if (rk == 2)
		expect = EFAULT;
	else if (r0.flags & ~PAGEMOVE_F_ALL || r0.__reserved)
		expect = EINVAL;
	else if (compat && (budget || (r0.flags & PAGEMOVE_F_INTR)))
		expect = EINVAL;	/* the syscall has no budget */
	else if (!compat && count > F.max_pages)
		expect = E2BIG;
	else if (pid == 2)
		expect = EINVAL;
	else if (pid < 0 || pid >= 4194305)
		expect = ESRCH;

	F.flip_n = flip == FLIP_NODES || flip == FLIP_PAGES ? n : 1;
	st(&F.mode, flip);
	t0 = now();
	F.call_start = t0;
	st(&F.in_call, 1);
	ret = ioctl(F.fd, cmd, (void *)reqp);
	if (ret < 0)
		e = errno;
	st(&F.in_call, 0);
	dt = now() - t0;
	st(&F.mode, FLIP_NONE);
	while (ld(&F.busy))
		sched_yield();

	F.calls++;
	if (ret == 0)
		F.ret_hist[0]++;
	else if (ret > 0)
		F.ret_hist[1]++;
	else if (e < 200)
		F.ret_hist[2 + e]++;

#define DESC "call %lu: cmd %#x size %u flags %#x rsv %#x pid %d count %llu pages %s nodes %s status %s flip %d: ret %ld errno %d %s"
#define ARGS F.calls, cmd, size, r0.flags, r0.__reserved, pid, (unsigned long long)count, \
	pname[pk], pname[nk], pname[sk], flip, ret, e, e ? ename(e) : ""
	F.dur_hist[dt < 0.01 ? 0 : dt < 0.1 ? 1 : dt < 1 ? 2 : 3]++;
	if (dt >= F.max_call) {
		F.max_call = dt;
		snprintf(F.slowest, sizeof(F.slowest), DESC, ARGS);
	}
	if (expect) {
		F.exact_checks++;
		if (ret != -1 || e != expect)
			bad(DESC " (expected %s)", ARGS, ename(expect));
		return;
	}
	/*
	 * Compat mode returns move_pages(2)'s count, failed folios plus entries
	 * not reached (count - i), saturated at LLONG_MAX in ->result and at
	 * INT_MAX from ioctl(2): whatever the count, never a negative value.
	 */
	if (ret < 0) {
		/* ioctl(2) returns an int: a compat count above INT_MAX must not pose as an errno. */
		if (ret != -1 || !errno_ok(e))
			bad(DESC ": result %lld", ARGS, rk ? 0LL : (long long)req->result);
	} else if (ret > 0 && !compat && budget && ret == PAGEMOVE_STOPPED) {
		/* A budget stopped it: @next past 0, before the end; max_pages kept. */
		if (flip != FLIP_REQ && (!req->next || req->next >= count ||
					 (r0.nodes && r0.max_pages && req->nr_moved > r0.max_pages)))
			bad(DESC ": next %llu, moved %llu (max %llu)", ARGS,
			    (unsigned long long)req->next, (unsigned long long)req->nr_moved,
			    (unsigned long long)r0.max_pages);
	} else if (ret > 0) {
		/* Only compat mode counts failures in its return, at most one per entry. */
		if ((!(compat && r0.nodes) && flip != FLIP_REQ) ||
		    (flip != FLIP_REQ && count < INT_MAX && (uint64_t)ret > count))
			bad(DESC, ARGS);
	}
	/* The entries answered: all but those from @next on when a budget stopped it. */
	answered = !compat && budget && ret == PAGEMOVE_STOPPED && flip != FLIP_REQ ? req->next :
										  count;
	if (ret == 0 && !compat && size == sizeof(r0) && !rk && flip != FLIP_REQ &&
	    req->next != count)
		bad(DESC ": next %llu of %llu", ARGS, (unsigned long long)req->next,
		    (unsigned long long)count);
	if (ret >= 0 && flip != FLIP_REQ) {
		/*
		 * The summary: the full result (ioctl(2) returns it clamped to
		 * INT_MAX), and every entry counted once.
		 */
		if ((req->result > INT_MAX ? INT_MAX : req->result) != ret ||
		    req->nr_moved + req->nr_in_place + req->nr_failed != answered)
			bad(DESC ": result %lld moved %llu in place %llu failed %llu", ARGS,
			    (long long)req->result, (unsigned long long)req->nr_moved,
			    (unsigned long long)req->nr_in_place,
			    (unsigned long long)req->nr_failed);
		/* Default mode must have failed writing status past its guard page. */
		if (!compat && sk == P_BUF && count > MAXC)
			bad(DESC ": status written past its buffer?", ARGS);
	}
	if (sk != P_BUF)
		return;
	/* Statuses: contract values; default mode writes every one when it returns 0 (or -ENOENT). */
	full = flip != FLIP_REQ && !compat &&
	       (ret == 0 || (ret == PAGEMOVE_STOPPED && budget) ||
		(ret == -1 && e == ENOENT && r0.nodes));
	for (i = 0; i < n; i++) {
		int32_t v = F.status[i];

		if (i >= answered) {
			if (v != PM_SENTINEL) {
				bad(DESC ": status[%llu] = %d past next %llu", ARGS,
				    (unsigned long long)i, v, (unsigned long long)answered);
				return;
			}
			continue;
		}
		if (v == PM_SENTINEL) {
			F.st_sentinel++;
			if (full) {
				bad(DESC ": status[%llu] unwritten", ARGS, (unsigned long long)i);
				return;
			}
			continue;
		}
		if (!status_ok(v)) {
			bad(DESC ": status[%llu] = %d", ARGS, (unsigned long long)i, v);
			return;
		}
		if (v >= 0)
			F.st_hist[v]++;
		else if (-v < 200)
			F.st_hist[4 + -v]++;
	}
}

/* ---- the test ---------------------------------------------------------- */

FIXTURE(fuzz)
{
	long isolated;
};

FIXTURE_SETUP(fuzz)
{
	if ((pm_read_nodemask("has_memory") & 0x3) != 0x3)
		SKIP(return, "needs nodes 0-1 with memory");
	self->isolated = pm_isolated();
}

FIXTURE_TEARDOWN(fuzz)
{
}

static int setup_regions(void)
{
	size_t total = (NSLOT + 1) * STRIDE + STRIDE / 2, i;
	char *res;
	FILE *f;

	f = fopen("/sys/module/pagemove/parameters/max_pages", "r");
	if (!f || fscanf(f, "%lu", &F.max_pages) != 1)
		F.max_pages = 1UL << 20;
	if (f)
		fclose(f);
	/* One PROT_NONE reservation: slots and witness THP-aligned, gaps between. */
	res = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return -1;
	F.base = (char *)(((uintptr_t)res + SLOT - 1) & ~(SLOT - 1));
	for (i = 0; i < NSLOT; i++) {
		F.slot[i] = F.base + i * STRIDE;
		if (mmap(F.slot[i], SLOT, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != F.slot[i])
			return -1;
		if (no_slot_thp())
			madvise(F.slot[i], SLOT, MADV_NOHUGEPAGE);
		touch(F.slot[i], SLOT);
	}
	F.wit = F.base + NSLOT * STRIDE;
	if (mmap(F.wit, WIT, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != F.wit)
		return -1;
	madvise(F.wit, WIT, MADV_HUGEPAGE);	/* best effort: no THP on 6.12-rt */
	for (i = 0; i < WIT; i++)
		F.wit[i] = (char)wit_byte(i);

	F.memfd = memfd_create("pagemove_fuzz", MFD_CLOEXEC);
	if (F.memfd < 0 || ftruncate(F.memfd, SLOT))
		return -1;
	F.pages = guarded(MAXC * 8, PROT_READ | PROT_WRITE);
	F.nodes = guarded(MAXC * 4, PROT_READ | PROT_WRITE);
	F.status = guarded(MAXC * 4, PROT_READ | PROT_WRITE);
	F.reqbuf = guarded(2 * PM_PAGE, PROT_READ | PROT_WRITE);
	F.ro = guarded(4 * PM_PAGE, PROT_READ | PROT_WRITE);
	if (!F.pages || !F.nodes || !F.status || !F.reqbuf || !F.ro)
		return -1;
	/* Read-only: slot addresses as a pages[] array, garbage as nodes[]. */
	for (i = 0; i < 4 * PM_PAGE / 8; i++)
		((uint64_t *)F.ro)[i] = (uint64_t)(F.slot[i % NSLOT] + i * PM_PAGE % SLOT);
	if (mprotect(F.ro, 4 * PM_PAGE, PROT_READ))
		return -1;
	F.vdso = getauxval(AT_SYSINFO_EHDR);

	/* The oracle's region, THP-aligned: THPs, then base pages. */
	res = mmap(NULL, (ORC_THP + 2) * SLOT, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return -1;
	F.orc = (char *)(((uintptr_t)res + SLOT - 1) & ~(SLOT - 1));
	if (orc_remap())
		return -1;
	if (mmap(F.orc + ORC_THP * SLOT, ORC_BASE * PM_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != F.orc + ORC_THP * SLOT)
		return -1;
	madvise(F.orc + ORC_THP * SLOT, ORC_BASE * PM_PAGE, MADV_NOHUGEPAGE);
	touch(F.orc + ORC_THP * SLOT, ORC_BASE * PM_PAGE);
	F.orc_huge = pm_map_hugetlb();
	F.orc_q = malloc(MAXC * sizeof(void *));
	F.orc_now = malloc(MAXC * sizeof(int32_t));
	if (!F.orc_q || !F.orc_now)
		return -1;
	return 0;
}

/* A plain move of fresh pages there and back: the device still works. */
static int device_works(int fd)
{
	enum { N = 16 };
	char *b = pm_map_anon(N, 1);
	void *pages[N];
	int nodes[N], status[N], i, k, to, from, ret = 0;

	if (!b)
		return -ENOMEM;
	for (i = 0; i < N; i++)
		pages[i] = b + i * PM_PAGE;
	/* Away from where the fault put the pages, then back. */
	from = pm_node_of(pages[0]) == 1 ? 1 : 0;
	for (k = 0, to = !from; k < 2 && !ret; k++, to = from) {
		pm_fill_int(nodes, N, to);
		pm_fill_int(status, N, PM_SENTINEL);
		ret = pm_move(fd, 0, N, pages, nodes, status, 0, NULL);
		for (i = 0; i < N && !ret; i++)
			if (status[i] != to || pm_node_of(pages[i]) != to)
				ret = -1000 - i;
	}
	for (i = 0; i < N * (int)PM_PAGE && !ret; i++)
		if (b[i] != (char)(i / PM_PAGE * 7 + 1))
			ret = -2000;
	munmap(b, N * PM_PAGE);
	return ret;
}

static unsigned long fuzz_seconds(void)
{
	const char *env_sec = getenv("PAGEMOVE_FUZZ_SECONDS");
	unsigned long secs = env_sec ? strtoul(env_sec, NULL, 0) : DEF_SECONDS;

	return secs ? secs : 1;
}

/* The timeout is set from the duration in main(), for `make fuzz SECONDS=N`. */
TEST_F_TIMEOUT(fuzz, hostile_requests_and_address_space, DEF_SECONDS + 120)
{
	const char *env_seed = getenv("PAGEMOVE_SEED");
	unsigned long secs = fuzz_seconds();
	pthread_t tf, tm, tp, tw;
	double start, end, next_wit;
	uint64_t s;
	unsigned long r;
	long off, iso, collapsed0;
	int i, tries;

	if (env_seed) {
		F.seed = strtoull(env_seed, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		F.seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ getpid();
		F.seed %= 1000000000000ULL;
	}
	ksft_print_msg("seed %llu (reproduce with PAGEMOVE_SEED=%llu), %lu s\n",
		       (unsigned long long)F.seed, (unsigned long long)F.seed, secs);
	fflush(stdout);

	F.fd = open(PAGEMOVE_DEVICE, O_RDWR);
	ASSERT_LE(0, F.fd);
	ASSERT_EQ(0, setup_regions());

	/* Every thread before the first hole: none of them maps memory later. */
	ASSERT_EQ(0, pthread_create(&tf, NULL, flipper, NULL));
	ASSERT_EQ(0, pthread_create(&tm, NULL, mutator, NULL));
	ASSERT_EQ(0, pthread_create(&tp, NULL, pool, NULL));
	F.main_tid = (int)syscall(SYS_gettid);
	ASSERT_EQ(0, pthread_create(&tw, NULL, watchdog, NULL));

	s = F.seed;
	collapsed0 = pm_pages_collapsed();
	start = now();
	end = start + secs;
	next_wit = start + 2;
	while (now() < end) {
		r = rndn(&s, 8);
		if (r < 2)
			oracle_call(&s);
		else if (r < 7)
			one_call(&s);
		else
			range_call(&s);
		if (now() >= next_wit) {
			off = witness_check();
			if (off >= 0) {
				bad("witness byte %ld changed after call %lu", off, F.calls);
				break;
			}
			next_wit = now() + 2;
		}
		if (F.nbad >= 64)
			break;
	}
	end = now();

	st(&F.stop, 1);
	pthread_join(tf, NULL);
	pthread_join(tm, NULL);
	pthread_join(tp, NULL);
	pthread_join(tw, NULL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;

	ksft_print_msg("%lu calls in %.1f s (slowest %.3f s), %lu exact-errno checks; "
		       "%lu flips, %lu mutations, %lu children forked (%lu killed)\n",
		       F.calls, end - start, F.max_call, F.exact_checks, F.flips,
		       F.mutations, F.forks, F.kills);
	ksft_print_msg("watchdog: longest 0.5 s nap took %.1f s; khugepaged collapsed %ld pages "
		       "in the run\n", F.wd_late, pm_pages_collapsed() - collapsed0);
	ksft_print_msg("durations: <10ms %lu, <100ms %lu, <1s %lu, longer %lu; slowest %s\n",
		       F.dur_hist[0], F.dur_hist[1], F.dur_hist[2], F.dur_hist[3], F.slowest);
	for (i = 0; i < 2; i++)
		if (F.stack[i][0])
			ksft_print_msg("caller's kernel stack in that call (sample %d):\n%s", i, F.stack[i]);
	ksft_print_msg("returns: 0 %lu, >0 %lu", F.ret_hist[0], F.ret_hist[1]);
	for (i = 0; i < 200; i++)
		if (F.ret_hist[2 + i])
			printf(", -%s(%d) %lu", ename(i), i, F.ret_hist[2 + i]);
	printf("\n");
	ksft_print_msg("oracle: %lu calls; node statuses checked: clean %lu (%lu wrong), "
		       "conflicting %lu (%lu wrong); %lu calls not checked (khugepaged collapsed "
		       "a THP meanwhile); statuses the module corrected after a THP split since load: %ld\n",
		       F.orc_calls, F.orc_checked[0], F.orc_wrong[0], F.orc_checked[1], F.orc_wrong[1],
		       F.orc_khugepaged, pm_read_long("/sys/kernel/debug/pagemove/split_fixed"));
	ksft_print_msg("statuses: unwritten %lu", F.st_sentinel);
	for (i = 0; i < 4; i++)
		if (F.st_hist[i])
			printf(", node%d %lu", i, F.st_hist[i]);
	for (i = 0; i < 200; i++)
		if (F.st_hist[4 + i])
			printf(", -%s(%d) %lu", ename(i), i, F.st_hist[4 + i]);
	printf("\n");
	fflush(stdout);

	for (i = 0; i < NBAD_LOG && i < (int)F.nbad; i++)
		TH_LOG("%s", F.bad[i]);
	EXPECT_EQ(0, F.nbad) TH_LOG("seed %llu", (unsigned long long)F.seed);

	off = witness_check();
	EXPECT_EQ(-1, off) TH_LOG("witness byte %ld: %#x, wrote %#x", off,
				  off >= 0 ? (unsigned char)F.wit[off] : 0,
				  off >= 0 ? wit_byte(off) : 0);

	/* Isolated pages come back; other guest activity may need a moment. */
	for (tries = 0, iso = pm_isolated(); iso != self->isolated && tries < 50; tries++) {
		nap_us(100000);
		iso = pm_isolated();
	}
	EXPECT_EQ(self->isolated, iso);

	EXPECT_EQ(0, device_works(F.fd));
	munlockall();
	close(F.fd);
}

int main(int argc, char **argv)
{
	/* The harness kills a test at its timeout: let it follow the duration. */
	_fuzz_hostile_requests_and_address_space_object->timeout = (int)fuzz_seconds() + 120;
	return test_harness_run(argc, argv);
}
