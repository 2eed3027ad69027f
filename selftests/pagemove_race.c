// SPDX-License-Identifier: GPL-2.0
/*
 * Races: the move path drops the mmap lock between batches, drains LRU
 * batches on demand and caches the last VMA while the lock is held. Here
 * the address space changes under it, the target exits under it, and two
 * callers fight over the same pages. The kernel must stay quiet (the run
 * fails on any splat), every status must be one the contract allows, no
 * page may stay isolated and no byte may change.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define RN	64		/* pages in the raced region */
#define ROUNDS	150

/* A status the seed contract allows for a page that may vanish or be contended. */
static int pm_status_ok(int st, int node)
{
	return st == node || st == 0 || st == 1 || st == -ENOENT || st == -EFAULT ||
	       st == -EBUSY;
}

FIXTURE(race)
{
	int fd;
	long isolated;
};

FIXTURE_SETUP(race)
{
	if ((pm_read_nodemask("has_memory") & 0x3) != 0x3)
		SKIP(return, "needs nodes 0-1 with memory");
	self->fd = open(PAGEMOVE_DEVICE, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->isolated = pm_isolated();
}

FIXTURE_TEARDOWN(race)
{
	EXPECT_EQ(self->isolated, pm_isolated());
	close(self->fd);
}

struct churn {
	char *region;
	volatile int stop;
	unsigned long cycles;
};

/* Replaces, unmaps, protects and refaults the region, round and round. */
static void *churn_thread(void *arg)
{
	struct churn *ch = arg;
	unsigned long i;

	while (!ch->stop) {
		switch (ch->cycles++ % 4) {
		case 0:
			munmap(ch->region + RN / 2 * PM_PAGE, RN / 4 * PM_PAGE);
			break;
		case 1:
			mprotect(ch->region, RN / 2 * PM_PAGE, PROT_NONE);
			break;
		case 2:
			mprotect(ch->region, RN / 2 * PM_PAGE, PROT_READ | PROT_WRITE);
			madvise(ch->region, RN * PM_PAGE, MADV_DONTNEED);
			break;
		default:
			if (mmap(ch->region, RN * PM_PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
				return NULL;
			for (i = 0; i < RN; i++)
				ch->region[i * PM_PAGE] = (char)i;
			break;
		}
		sched_yield();
	}
	return NULL;
}

/* The address space changes between and during calls; both modes. */
TEST_F(race, address_space_changes_under_the_call)
{
	struct churn ch = { .region = pm_map_anon(RN, 1) };
	void *pages[RN];
	int nodes[RN], status[RN], r, i;
	pthread_t t;

	ASSERT_NE(NULL, ch.region);
	for (i = 0; i < RN; i++)
		pages[i] = ch.region + i * PM_PAGE;
	ASSERT_EQ(0, pthread_create(&t, NULL, churn_thread, &ch));
	for (r = 0; r < ROUNDS; r++) {
		unsigned int flags = r % 2 ? PAGEMOVE_F_COMPAT : 0;
		long ret;

		pm_fill_int(nodes, RN, r % 4 < 2 ? 1 : 0);
		pm_fill_int(status, RN, PM_SENTINEL);
		ret = pm_move(self->fd, 0, RN, pages, nodes, status, flags, NULL);
		if (flags) {
			/* Compat: move_pages(2)'s answers (a count, or the first errno). */
			EXPECT_TRUE(ret >= 0 || ret == -EFAULT || ret == -ENOENT) TH_LOG("round %d: %ld", r, ret);
			continue;
		}
		EXPECT_TRUE(ret == 0 || ret == -ENOENT) TH_LOG("round %d: %ld", r, ret);
		for (i = 0; i < RN && pm_status_ok(status[i], nodes[i]); i++)
			;
		EXPECT_EQ(RN, i) TH_LOG("round %d: entry %d has status %d", r, i,
					 i < RN ? status[i] : 0);
	}
	ch.stop = 1;
	pthread_join(t, NULL);
	TH_LOG("%d calls against %lu address-space changes", ROUNDS, ch.cycles);
	munmap(ch.region, RN * PM_PAGE);
}

/* The target process is killed at a random point while its pages move. */
TEST_F(race, target_exits_during_the_call)
{
	int r;

	for (r = 0; r < 20; r++) {
		void *pages[512];
		int nodes[512], status[512], pfd[2], i;
		char *b;
		pid_t child;
		long ret;

		ASSERT_EQ(0, pipe(pfd));
		child = fork();
		ASSERT_LE(0, child);
		if (!child) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			b = pm_map_anon(512, 1);
			if (write(pfd[1], &b, sizeof(b)) != sizeof(b))
				_exit(1);
			pause();
			_exit(0);
		}
		ASSERT_EQ(sizeof(b), read(pfd[0], &b, sizeof(b)));
		for (i = 0; i < 512; i++) {
			pages[i] = b + i * PM_PAGE;
			nodes[i] = r % 2;
		}
		if (fork() == 0) {
			usleep((r * 7919) % 20000);
			kill(child, SIGKILL);
			_exit(0);
		}
		ret = pm_move(self->fd, child, 512, pages, nodes, status, r % 3 ? 0 : PAGEMOVE_F_COMPAT, NULL);
		/* Done before the kill, or the process was gone: nothing else. */
		EXPECT_TRUE(ret >= 0 || ret == -ENOENT || ret == -ESRCH || ret == -EINVAL ||
			    ret == -EFAULT) TH_LOG("round %d: %ld", r, ret);
		waitpid(child, NULL, 0);
		while (wait(NULL) > 0)
			;
		close(pfd[0]);
		close(pfd[1]);
	}
}

struct rival {
	int fd;
	void **pages;
	int node;
	long bad;
	long first_bad;		/* the first unexpected return or status */
};

static void rival_bad(struct rival *rv, long what)
{
	if (!rv->bad++)
		rv->first_bad = what;
}

static void *rival_thread(void *arg)
{
	struct rival *rv = arg;
	int nodes[RN], status[RN], r, i;

	pm_fill_int(nodes, RN, rv->node);
	for (r = 0; r < ROUNDS; r++) {
		long ret = pm_move(rv->fd, 0, RN, rv->pages, nodes, status, 0, NULL);

		if (ret != 0 && ret != -ENOENT)
			rival_bad(rv, ret);
		/* The other caller's page may be isolated or mid-migration: busy. */
		for (i = 0; i < RN; i++)
			if (status[i] != 0 && status[i] != 1 && status[i] != -EBUSY)
				rival_bad(rv, status[i]);
	}
	return NULL;
}

/* Two callers pull the same pages to different nodes: contention, no damage. */
TEST_F(race, two_callers_pull_the_same_pages)
{
	char *buf = pm_map_anon(RN, 1);
	void *pages[RN];
	struct rival a = { .fd = self->fd, .pages = pages, .node = 0 };
	struct rival b = { .fd = self->fd, .pages = pages, .node = 1 };
	pthread_t ta, tb;
	size_t i, j;

	ASSERT_NE(NULL, buf);
	for (i = 0; i < RN; i++)
		pages[i] = buf + i * PM_PAGE;
	ASSERT_EQ(0, pthread_create(&ta, NULL, rival_thread, &a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, rival_thread, &b));
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	EXPECT_EQ(0, a.bad) TH_LOG("first: %ld", a.first_bad);
	EXPECT_EQ(0, b.bad) TH_LOG("first: %ld", b.first_bad);
	for (i = 0; i < RN; i++)
		for (j = 0; j < PM_PAGE; j++)
			if (buf[i * PM_PAGE + j] != (char)(i * 7 + 1)) {
				EXPECT_EQ((char)(i * 7 + 1), buf[i * PM_PAGE + j]) TH_LOG("page %zu", i);
				i = RN;
				break;
			}
	munmap(buf, RN * PM_PAGE);
}

/*
 * The request's arrays change while the module works on them. A call
 * larger than one chunk (PM_CHUNK_ENTRIES) is validated, then each chunk is
 * read again: a node flipped in between to an out-of-range value once
 * indexed the module's per-node lists unchecked (an oops for 1 << 28, a
 * silent out-of-bounds list write for 5). Each value must be checked where
 * it is used: the answer is an errno or a per-entry -ENODEV, never harm.
 */
#define FN	(PM_CHUNK_ENTRIES + 512)	/* entries: two chunks */

struct flipper {
	int *nodes;
	void **pages;
	char *base, *spare;
	volatile int stop;
	unsigned long flips;
};

static void *flip_thread(void *arg)
{
	struct flipper *fl = arg;
	static const int bad[] = { 1 << 28, 5, -1, 1024, 3 };
	unsigned long n = 0;

	while (!fl->stop) {
		int k = PM_CHUNK_ENTRIES + (int)(n * 37 % (FN - PM_CHUNK_ENTRIES)); /* re-read */

		fl->nodes[k] = bad[n % 5];
		fl->pages[k] = fl->spare;			/* and a page that changes too */
		sched_yield();
		fl->nodes[k] = 1;
		fl->pages[k] = fl->base + k * PM_PAGE;
		n++;
		fl->flips = n;
	}
	return NULL;
}

/*
 * Every pointer the flipper writes lies in one aligned block of this size,
 * mapped whole and private to the test: a pointer read torn (below) mixes
 * the bytes of two addresses of the block, so it points into the block
 * too, never at a page another process shares (the harness's parent).
 */
#define FBLOCK	(8192 * PM_PAGE)	/* a power of two that holds FN + 1 pages */

TEST_F(race, arrays_change_during_the_call)
{
	char *raw = mmap(NULL, 2 * FBLOCK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = (char *)(((unsigned long)raw + FBLOCK - 1) & ~(FBLOCK - 1));
	static void *pages[FN];
	static int nodes[FN], status[FN];
	struct flipper fl = { .nodes = nodes, .pages = pages };
	unsigned long calls = 0, enodev = 0, i;
	pthread_t th;
	time_t end = time(NULL) + 4;

	ASSERT_NE(MAP_FAILED, raw);
	madvise(p, FBLOCK, MADV_NOHUGEPAGE);
	for (i = 0; i < FN + 1; i++)
		memset(p + i * PM_PAGE, (int)(i * 7 + 1), PM_PAGE);
	fl.base = p;
	fl.spare = p + FN * PM_PAGE;
	for (i = 0; i < FN; i++)
		pages[i] = p + i * PM_PAGE;
	ASSERT_EQ(0, pthread_create(&th, NULL, flip_thread, &fl));
	while (time(NULL) < end || calls < 20) {
		long ret;

		for (i = 0; i < FN; i++)
			nodes[i] = calls & 1;
		ret = pm_move(self->fd, 0, FN, pages, nodes, status, PAGEMOVE_MF_MOVE, NULL);
		calls++;
		/* Validation may see the bad value (-ENODEV), or only the re-read. */
		EXPECT_TRUE(ret == 0 || ret == -ENODEV || ret == -ENOENT) TH_LOG("ret %ld", ret);
		if (ret != 0)
			continue;
		for (i = 0; i < FN; i++) {
			int st = status[i];

			enodev += st == -ENODEV;
			/*
			 * -EBUSY: a chunk read while the spare page sat in two
			 * entries. -EFAULT, -ENOENT: copy_from_user() may copy
			 * bytewise (rep movsb), so a pointer rewritten during the
			 * copy can be read torn, an address nobody wrote: its
			 * answer is what that address holds: a page of the
			 * block, maybe never touched (-ENOENT).
			 */
			EXPECT_TRUE(st == 0 || st == 1 || st == -ENODEV || st == -EBUSY ||
				    st == -EFAULT || st == -ENOENT)
				TH_LOG("[%lu] %d", i, st);
		}
	}
	fl.stop = 1;
	pthread_join(th, NULL);
	TH_LOG("%lu calls, %lu flips, %lu entries answered -ENODEV after a re-read",
	       calls, fl.flips, enodev);
	/* Nothing changed a byte of the pages that moved back and forth. */
	for (i = 0; i < FN + 1; i++)
		ASSERT_EQ((char)(i * 7 + 1), p[i * PM_PAGE + 17]) TH_LOG("page %lu", i);
	munmap(raw, 2 * FBLOCK);
}

TEST_HARNESS_MAIN
