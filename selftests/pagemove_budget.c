// SPDX-License-Identifier: GPL-2.0
/*
 * Calls with a budget (max_pages, max_usec, rate) and calls an ordinary
 * signal may stop (PAGEMOVE_F_INTR): each stops between two chunks with
 * PAGEMOVE_STOPPED or -EINTR and a resume point, every entry before it
 * answered, none after it touched, and the same request resumed from
 * there finishes the move. Compat mode refuses them; callers of an older
 * size get no budget and no @next.
 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "pm_test.h"

FIXTURE(budget) {
	int fd;
	char *buf;
	size_t n;
	int *status;
};

FIXTURE_SETUP(budget)
{
	self->fd = open(PAGEMOVE_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->buf = NULL;
	self->status = NULL;
}

FIXTURE_TEARDOWN(budget)
{
	if (self->buf)
		munmap(self->buf, self->n * PM_PAGE);
	free(self->status);
	close(self->fd);
}

/* @n base pages with pm_map_anon()'s contents on node 0, and a status array. */
static int budget_buf(struct _test_data_budget *self, size_t n)
{
	self->n = n;
	self->buf = pm_map_anon(n, 1);
	self->status = malloc(n * sizeof(int));
	if (!self->buf || !self->status || pm_place(self->buf, n, 0))
		return -1;
	pm_fill_int(self->status, n, PM_SENTINEL);
	return 0;
}

static long range_from(int fd, char *start, char *end, int node, int *status, unsigned int flags,
		       const struct pagemove_range *budget, struct pagemove_range *r)
{
	*r = (struct pagemove_range){
		.flags = flags, .node = node, .start = (unsigned long)start,
		.length = end - start, .status = (unsigned long)status,
		.max_pages = budget->max_pages, .max_usec = budget->max_usec,
		.rate = budget->rate,
	};
	return pagemove_move_range(fd, r);
}

/* Pages [from, to) of @buf: how many are on @node (move_pages(2)'s query). */
static size_t on_node(char *buf, size_t from, size_t to, int node)
{
	size_t i, k = 0, n = to - from;
	void **pages = malloc(n * sizeof(*pages));
	int *st = malloc(n * sizeof(int));

	for (i = 0; i < n; i++)
		pages[i] = buf + (from + i) * PM_PAGE;
	if (!pm_sys_move_pages(0, n, pages, NULL, st, 0))
		for (i = 0; i < n; i++)
			k += st[i] == node;
	free(pages);
	free(st);
	return k;
}

/*
 * A range of 3000 pages, at most 1000 a call: three calls, the first two
 * PAGEMOVE_STOPPED at exactly 1000 pages more each, their @next where the
 * next one starts; the pages after @next untouched, statuses and all.
 */
TEST_F(budget, range_max_pages_stops_and_resumes)
{
	const size_t n = 3000, max = 1000;
	const struct pagemove_range b = { .max_pages = max };
	struct pagemove_range r;
	char *at, *end;
	int calls = 0;
	long ret;
	size_t done;

	ASSERT_EQ(0, budget_buf(self, n));
	end = self->buf + n * PM_PAGE;
	for (at = self->buf; at < end; at = (char *)(uintptr_t)r.next) {
		done = (at - self->buf) / PM_PAGE;
		ret = range_from(self->fd, at, end, 1, self->status + done, 0, &b, &r);
		calls++;
		EXPECT_EQ(n - done > max ? PAGEMOVE_STOPPED : 0, ret);
		EXPECT_EQ(n - done > max ? max : n - done, r.nr_moved);
		EXPECT_EQ(0, r.nr_in_place);
		ASSERT_EQ((unsigned long)at + r.nr_moved * PM_PAGE, r.next);
		done += r.nr_moved;
		/* Before @next: on node1, said so; after: untouched. */
		EXPECT_EQ(done, on_node(self->buf, 0, done, 1));
		EXPECT_EQ(n - done, on_node(self->buf, done, n, 0));
		EXPECT_EQ(1, self->status[done - 1]);
		if (done < n)
			EXPECT_EQ(PM_SENTINEL, self->status[done]);
		ASSERT_GT(4, calls);
	}
	EXPECT_EQ(3, calls);
	EXPECT_TRUE(pm_check_data(self->buf, n));
}

/*
 * Arrays: @max_pages counts the entries moved, not those in place. Of 3000
 * entries the first 500 are on node1 already: the first call answers 1500
 * entries (500 in place, 1000 moved) and says resume at 1500.
 */
TEST_F(budget, move_max_pages_counts_moved_entries)
{
	const size_t n = 3000;
	void **pages = malloc(n * sizeof(*pages));
	int *nodes = malloc(n * sizeof(int));
	struct pagemove_move m;
	size_t i, at = 0;
	long ret;
	int calls = 0;

	ASSERT_EQ(0, budget_buf(self, n));
	ASSERT_EQ(0, pm_place(self->buf, 500, 1));
	for (i = 0; i < n; i++) {
		pages[i] = self->buf + i * PM_PAGE;
		nodes[i] = 1;
	}
	while (at < n) {
		m = (struct pagemove_move){
			.count = n - at, .pages = (uintptr_t)(pages + at),
			.nodes = (uintptr_t)(nodes + at), .status = (uintptr_t)(self->status + at),
			.max_pages = 1000, .next = 0xdeadbeef,
		};
		ret = pagemove_move(self->fd, &m);
		if (!calls) {
			EXPECT_EQ(PAGEMOVE_STOPPED, ret);
			EXPECT_EQ(500, m.nr_in_place);
			EXPECT_EQ(1000, m.nr_moved);
			EXPECT_EQ(1500, m.next);
			EXPECT_EQ(PM_SENTINEL, self->status[1500]);
			EXPECT_EQ(1, self->status[1499]);
			EXPECT_EQ(1500, on_node(self->buf, 0, 1500, 1));
			EXPECT_EQ(1500, on_node(self->buf, 1500, n, 0));
		}
		EXPECT_LE(m.nr_moved, 1000);
		EXPECT_EQ(m.next < n - at ? PAGEMOVE_STOPPED : 0, ret);
		ASSERT_LT(0, m.next);
		at += m.next;
		ASSERT_GT(4, ++calls);
	}
	EXPECT_EQ(3, calls);	/* 1500, 1000, 500 */
	EXPECT_EQ(n, on_node(self->buf, 0, n, 1));
	for (i = 0; i < n; i++)
		EXPECT_EQ(1, self->status[i]);
	EXPECT_TRUE(pm_check_data(self->buf, n));
	free(pages);
	free(nodes);
}

/*
 * @max_usec = 20 ms on 64 MiB: every call returns within 20 ms and a small
 * multiple of what one chunk takes here (a call of one huge page's worth of
 * pages, the chunk of a range with a time budget, measured in this guest
 * first), with a resume point; the calls together move it all.
 */
TEST_F(budget, time_budget_returns_soon_and_resumes)
{
	const size_t n = (64UL << 20) / PM_PAGE;
	struct pagemove_range b = { .max_pages = PM_THP_PAGES }, r;
	double t, chunk, worst = 0, limit;
	char *at, *end;
	int calls = 0, stopped = 0;
	long ret;

	ASSERT_EQ(0, budget_buf(self, n));
	end = self->buf + n * PM_PAGE;
	/* One chunk's time: the first PMD's worth of pages. */
	t = pm_now();
	ASSERT_EQ(PAGEMOVE_STOPPED, range_from(self->fd, self->buf, end, 1, self->status, 0, &b, &r));
	chunk = pm_now() - t;
	limit = 0.020 + 3 * chunk + 0.050;
	b = (struct pagemove_range){ .max_usec = 20000 };
	for (at = (char *)(uintptr_t)r.next; at < end; at = (char *)(uintptr_t)r.next) {
		t = pm_now();
		ret = range_from(self->fd, at, end, 1, self->status + (at - self->buf) / PM_PAGE,
				 0, &b, &r);
		t = pm_now() - t;
		worst = t > worst ? t : worst;
		ASSERT_TRUE(ret == PAGEMOVE_STOPPED || ret == 0) TH_LOG("ret %ld", ret);
		stopped += ret == PAGEMOVE_STOPPED;
		ASSERT_LT((unsigned long)at, r.next);
		EXPECT_EQ(0, r.next % PM_PAGE);
		EXPECT_EQ((r.next - (unsigned long)at) / PM_PAGE, r.nr_moved);
		ASSERT_GT(4096, ++calls);
	}
	TH_LOG("one chunk: %.1f ms; 20 ms budget: %d calls for 64 MiB, longest %.1f ms (limit %.1f)",
	       chunk * 1e3, calls, worst * 1e3, limit * 1e3);
	EXPECT_GE(calls - 1, stopped);
	EXPECT_LT(1, stopped);
	EXPECT_GT(limit, worst);
	EXPECT_EQ(n, on_node(self->buf, 0, n, 1));
	EXPECT_TRUE(pm_check_data(self->buf, n));
}

/*
 * @rate = 32 MiB/s on 128 MiB: the call takes about 4 s (not less than the
 * rate allows), and no more than the slower of that and the same move
 * unpaced in this guest, with some slack; and the same in calls of 20 ms
 * each, resumed one after another.
 */
TEST_F(budget, rate_paces_the_move)
{
	const size_t n = (128UL << 20) / PM_PAGE;
	const unsigned long long rate = 32ULL << 20;
	struct pagemove_range b = { 0 }, r;
	double t_free, t_paced, floor_s, ceil_s;
	char *end;
	int calls;
	long ret;

	ASSERT_EQ(0, budget_buf(self, n));
	end = self->buf + n * PM_PAGE;
	/* Unpaced, there and back: what the guest can do. */
	t_free = pm_now();
	ASSERT_EQ(0, range_from(self->fd, self->buf, end, 1, NULL, 0, &b, &r));
	ASSERT_EQ(0, range_from(self->fd, self->buf, end, 0, NULL, 0, &b, &r));
	t_free = (pm_now() - t_free) / 2;
	b.rate = rate;
	t_paced = pm_now();
	ASSERT_EQ(0, range_from(self->fd, self->buf, end, 1, NULL, 0, &b, &r));
	t_paced = pm_now() - t_paced;
	EXPECT_EQ(n, r.nr_moved);
	EXPECT_EQ((unsigned long)end, r.next);
	/* Every chunk paced, the last one too. */
	floor_s = (double)(n * PM_PAGE) / rate * 0.95;
	ceil_s = (t_free > 4.0 ? t_free : 4.0) * 1.5 + 1.0;
	TH_LOG("128 MiB: unpaced %.2f s, at 32 MiB/s %.2f s (expected %.2f..%.2f)", t_free,
	       t_paced, floor_s, ceil_s);
	EXPECT_LT(floor_s, t_paced);
	EXPECT_GT(ceil_s, t_paced);
	EXPECT_EQ(n, on_node(self->buf, 0, n, 1));

	/*
	 * A daemon's calls: at most 20 ms each, resumed one after another:
	 * together they keep the rate too (each call sleeps off its bytes).
	 */
	b.max_usec = 20000;
	t_paced = pm_now();
	for (r.next = (unsigned long)self->buf, calls = 0; r.next < (unsigned long)end; calls++) {
		ret = range_from(self->fd, (char *)(uintptr_t)r.next, end, 0, NULL, 0, &b, &r);
		ASSERT_TRUE(ret == 0 || ret == PAGEMOVE_STOPPED) TH_LOG("ret %ld", ret);
		ASSERT_GT(100000, calls);
	}
	t_paced = pm_now() - t_paced;
	TH_LOG("back in %d calls of at most 20 ms: %.2f s", calls, t_paced);
	EXPECT_LT(10, calls);
	EXPECT_LT(floor_s, t_paced);
	EXPECT_GT(ceil_s, t_paced);
	EXPECT_EQ(n, on_node(self->buf, 0, n, 0));
	EXPECT_TRUE(pm_check_data(self->buf, n));
}

static volatile sig_atomic_t budget_signals;

static void budget_on_signal(int sig)
{
	(void)sig;
	budget_signals++;
}

struct budget_kick {
	pthread_t target;
	useconds_t after;
};

static void *budget_kicker(void *arg)
{
	struct budget_kick *k = arg;

	usleep(k->after);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

/*
 * A paced range move of 64 MiB (about 4 s) and SIGUSR1 after 0.5 s: with
 * PAGEMOVE_F_INTR the call returns -EINTR soon after (the handler has run),
 * with @next between the start and the end, the pages before it on node1
 * and the ones after it untouched; the same request from @next finishes.
 * Without the flag the signal's handler runs after the call, which moves
 * everything (only a fatal signal stops it, as move_pages(2)).
 */
TEST_F(budget, signal_stops_an_interruptible_call_and_it_resumes)
{
	const size_t n = (64UL << 20) / PM_PAGE;
	struct pagemove_range b = { .rate = 16ULL << 20 }, r;
	struct sigaction sa = { .sa_handler = budget_on_signal };
	struct budget_kick k = { .target = pthread_self(), .after = 500000 };
	pthread_t thr;
	double t;
	long ret;
	size_t done;
	char *end;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, budget_buf(self, n));
	end = self->buf + n * PM_PAGE;

	budget_signals = 0;
	ASSERT_EQ(0, pthread_create(&thr, NULL, budget_kicker, &k));
	t = pm_now();
	ret = range_from(self->fd, self->buf, end, 1, self->status, PAGEMOVE_F_INTR, &b, &r);
	t = pm_now() - t;
	pthread_join(thr, NULL);
	TH_LOG("interrupted after %.2f s at page %llu of %zu", t,
	       (unsigned long long)(r.next - (unsigned long)self->buf) / PM_PAGE, n);
	EXPECT_EQ(-EINTR, ret);
	EXPECT_EQ(1, budget_signals);
	EXPECT_GT(1.5, t);
	ASSERT_LT((unsigned long)self->buf, r.next);
	ASSERT_GT((unsigned long)end, r.next);
	done = (r.next - (unsigned long)self->buf) / PM_PAGE;
	EXPECT_EQ(done, r.nr_moved);
	EXPECT_EQ(done, on_node(self->buf, 0, done, 1));
	EXPECT_EQ(n - done, on_node(self->buf, done, n, 0));
	EXPECT_EQ(1, self->status[done - 1]);
	EXPECT_EQ(PM_SENTINEL, self->status[done]);
	/* Resumed where it stopped, unpaced. */
	b.rate = 0;
	EXPECT_EQ(0, range_from(self->fd, (char *)(uintptr_t)r.next, end, 1, self->status + done,
				PAGEMOVE_F_INTR, &b, &r));
	EXPECT_EQ(n - done, r.nr_moved);
	EXPECT_EQ(n, on_node(self->buf, 0, n, 1));

	/* Without PAGEMOVE_F_INTR, back to node0 at 64 MiB/s (1 s): not stopped. */
	b.rate = 64ULL << 20;
	budget_signals = 0;
	k.after = 200000;
	ASSERT_EQ(0, pthread_create(&thr, NULL, budget_kicker, &k));
	EXPECT_EQ(0, range_from(self->fd, self->buf, end, 0, NULL, 0, &b, &r));
	pthread_join(thr, NULL);
	EXPECT_EQ(1, budget_signals);
	EXPECT_EQ(n, r.nr_moved);
	EXPECT_EQ(n, on_node(self->buf, 0, n, 0));
	EXPECT_TRUE(pm_check_data(self->buf, n));
	signal(SIGUSR1, SIG_DFL);
}

/* A query honours @max_usec: 1 us stops it after its first chunk (512 entries). */
TEST_F(budget, query_stops_after_one_chunk)
{
	const size_t n = 2000;
	void **pages = malloc(n * sizeof(*pages));
	struct pagemove_move m = { 0 };
	size_t i;

	ASSERT_EQ(0, budget_buf(self, n));
	for (i = 0; i < n; i++)
		pages[i] = self->buf + i * PM_PAGE;
	m.count = n;
	m.pages = (uintptr_t)pages;
	m.status = (uintptr_t)self->status;
	m.max_usec = 1;
	EXPECT_EQ(PAGEMOVE_STOPPED, pagemove_move(self->fd, &m));
	EXPECT_EQ(512, m.next);
	EXPECT_EQ(512, m.nr_in_place);
	EXPECT_EQ(0, self->status[511]);
	EXPECT_EQ(PM_SENTINEL, self->status[512]);
	free(pages);
}

/* Compat mode is the syscall, which has no budget: -EINVAL, nothing moved. */
TEST_F(budget, compat_refuses_budgets)
{
	const size_t n = 8;
	void *pages[8];
	int nodes[8], i, k;
	struct pagemove_move m;

	ASSERT_EQ(0, budget_buf(self, n));
	for (i = 0; i < 8; i++) {
		pages[i] = self->buf + i * PM_PAGE;
		nodes[i] = 1;
	}
	for (k = 0; k < 4; k++) {
		m = (struct pagemove_move){
			.flags = PAGEMOVE_F_COMPAT | (k == 3 ? PAGEMOVE_F_INTR : 0), .count = n,
			.pages = (uintptr_t)pages, .nodes = (uintptr_t)nodes,
			.status = (uintptr_t)self->status,
			.max_pages = k == 0, .max_usec = k == 1 ? 1000 : 0, .rate = k == 2 ? 1 : 0,
		};
		EXPECT_EQ(-EINVAL, pagemove_move(self->fd, &m)) TH_LOG("case %d", k);
		EXPECT_EQ(PM_SENTINEL, self->status[0]);
	}
	EXPECT_EQ(n, on_node(self->buf, 0, n, 0));
}

/*
 * A caller built against an older header (size 88, or 144 for a range)
 * has no budget fields: none applies, and @next (past its struct) is never
 * written.
 */
TEST_F(budget, older_sizes_get_no_budget_and_no_next)
{
	const size_t n = 1000;
	struct {
		struct pagemove_range r;
		unsigned long long canary;
	} rr;
	struct {
		struct pagemove_move m;
		unsigned long long canary;
	} mm;
	void **pages = malloc(n * sizeof(*pages));
	int *nodes = malloc(n * sizeof(int));
	size_t i;

	ASSERT_EQ(0, budget_buf(self, n));
	memset(&rr, 0xa5, sizeof(rr));
	rr.r = (struct pagemove_range){
		.size = PAGEMOVE_RANGE_SIZE_VER0, .node = 1, .start = (uintptr_t)self->buf,
		.length = n * PM_PAGE,
	};
	memset(&rr.r.max_pages, 0xa5, sizeof(rr.r) - offsetof(struct pagemove_range, max_pages));
	EXPECT_EQ(0, ioctl(self->fd, PAGEMOVE_MOVE_RANGE, &rr.r));
	EXPECT_EQ(n, rr.r.nr_moved);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, rr.r.next);
	for (i = 0; i < n; i++) {
		pages[i] = self->buf + i * PM_PAGE;
		nodes[i] = 0;
	}
	memset(&mm, 0xa5, sizeof(mm));
	mm.m = (struct pagemove_move){
		.size = PAGEMOVE_MOVE_SIZE_VER1, .count = n, .pages = (uintptr_t)pages,
		.nodes = (uintptr_t)nodes, .status = (uintptr_t)self->status,
	};
	memset(&mm.m.max_pages, 0xa5, sizeof(mm.m) - offsetof(struct pagemove_move, max_pages));
	EXPECT_EQ(0, ioctl(self->fd, PAGEMOVE_MOVE, &mm.m));
	EXPECT_EQ(n, mm.m.nr_moved);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, mm.m.next);
	EXPECT_EQ(n, on_node(self->buf, 0, n, 0));
	free(pages);
	free(nodes);
}

/*
 * examples/daemon_example (README), beside this binary in the guest: its
 * 64 MiB at 64 MiB/s in calls of 20 ms, resumed; what it printed adds up
 * (every page moved to node2, the module's counters saw every call).
 */
TEST(daemon_example_moves_in_budgeted_calls)
{
	char exe[4096], cmd[4200], line[256];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	unsigned long long calls, moved, there, counted, bytes;
	int node;
	FILE *p;

	ASSERT_LT(0, len);
	exe[len] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(cmd, sizeof(cmd), "%s/daemon_example", exe);
	ASSERT_EQ(0, access(cmd, X_OK)) TH_LOG("no daemon_example at %s", cmd);
	strcat(cmd, " 0 0 0 2");
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, fgets(line, sizeof(line), p));
	EXPECT_EQ(0, pclose(p));
	TH_LOG("%s", line);
	ASSERT_EQ(6, sscanf(line, "%llu calls, %llu pages moved, %llu on node %d; the module "
			    "counted %llu calls, %llu bytes migrated", &calls, &moved, &there,
			    &node, &counted, &bytes));
	/* To node2, which has no CPU: no page of it was faulted there, all move. */
	EXPECT_EQ((64ULL << 20) / PM_PAGE, there);
	EXPECT_EQ(2, node);
	EXPECT_EQ(there, moved);
	EXPECT_LT(1, calls);
	EXPECT_LE(calls, counted);	/* other callers may run too */
	EXPECT_LE(moved * PM_PAGE, bytes);
}

TEST_HARNESS_MAIN
