// SPDX-License-Identifier: GPL-2.0
/*
 * What the mover did, seen from outside: the counters in the device's
 * stats/ directory add up to what the calls returned, every user reads
 * them and none writes them, and the tracepoints fire once a call and once
 * a batch with the counts the call returned.
 */
#include <ctype.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define PM_STATS	"/sys/class/misc/pagemove/stats/"
#define PM_TRACEFS	"/sys/kernel/tracing"

enum { S_CALLS, S_CALLS_FAILED, S_QUERIES, S_RANGES, S_COMPAT, S_MOVED, S_IN_PLACE, S_FAILED,
       S_BATCHES, S_PARALLEL, S_WORKERS, S_BYTES, S_NS, S_NR };

static const char *const stat_name[S_NR] = {
	"calls", "calls_failed", "queries", "ranges", "compat_calls", "pages_moved",
	"pages_in_place", "pages_failed", "batches", "parallel_batches", "workers",
	"bytes_migrated", "migrate_ns",
};

/* Every counter; 0 when all were read as one decimal number and a newline. */
static int stats_read(unsigned long long *v)
{
	char path[128], buf[32], *end;
	int i, fd;
	ssize_t n;

	for (i = 0; i < S_NR; i++) {
		snprintf(path, sizeof(path), PM_STATS "%s", stat_name[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n < 2 || buf[n - 1] != '\n')
			return -1;
		buf[n] = 0;
		errno = 0;
		v[i] = strtoull(buf, &end, 10);
		if (errno || *end != '\n' || !isdigit((unsigned char)buf[0]))
			return -1;
	}
	return 0;
}

TEST(stats_files_readable_by_all_written_by_none)
{
	unsigned long long v[S_NR];
	char path[128];
	struct stat st;
	int i, status;
	pid_t child;

	for (i = 0; i < S_NR; i++) {
		snprintf(path, sizeof(path), PM_STATS "%s", stat_name[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_EQ(0444, st.st_mode & 07777) TH_LOG("%s", path);
		/* No store: even root cannot open one for writing. */
		EXPECT_EQ(-1, open(path, O_WRONLY | O_CLOEXEC)) TH_LOG("%s", path);
		EXPECT_EQ(EACCES, errno) TH_LOG("%s", path);
	}
	ASSERT_EQ(0, stats_read(v));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(stats_read(v) ? 1 : 0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("nobody could not read every counter (status %#x)", status);
}

FIXTURE(st) {
	int fd;
	size_t n;
	char *buf;
	void **pages;
	int *nodes, *status;
};

FIXTURE_SETUP(st)
{
	size_t i;

	self->fd = open(PAGEMOVE_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->n = 1024;
	self->buf = pm_map_anon(self->n, 1);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, pm_place(self->buf, self->n, 0));
	self->pages = calloc(self->n, sizeof(void *));
	self->nodes = calloc(self->n, sizeof(int));
	self->status = calloc(self->n, sizeof(int));
	ASSERT_TRUE(self->pages && self->nodes && self->status);
	for (i = 0; i < self->n; i++)
		self->pages[i] = self->buf + i * PM_PAGE;
}

FIXTURE_TEARDOWN(st)
{
	EXPECT_TRUE(pm_check_data(self->buf, self->n)) TH_LOG("a page's contents changed");
	munmap(self->buf, self->n * PM_PAGE);
	free(self->pages);
	free(self->nodes);
	free(self->status);
	close(self->fd);
}

static long st_range(int fd, int node, void *start, size_t len, struct pagemove_range *r)
{
	*r = (struct pagemove_range){
		.node = node, .start = (unsigned long)start, .length = len,
		.flags = PAGEMOVE_MF_MOVE,
	};
	return pagemove_move_range(fd, r);
}

/*
 * Calls of every kind, a refused one and failing pages among them: each
 * counter moves by what the calls returned, no more (nothing else calls
 * the module while the suite runs).
 */
TEST_F(st, counters_add_up_to_what_the_calls_returned)
{
	unsigned long long a[S_NR], b[S_NR], moved = 0, in_place = 0, failed = 0, d[S_NR];
	struct pagemove_move m[5];
	struct pagemove_range r;
	void *hole[2];
	int hn[2] = { 1, 1 }, hs[2];
	size_t n = self->n, i;
	char *gap;

	gap = mmap(NULL, PM_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gap);
	ASSERT_EQ(0, munmap(gap, PM_PAGE));
	ASSERT_EQ(0, stats_read(a));

	pm_fill_int(self->nodes, n, 1);
	/* 1: all move; 2: all in place; 3: a query. */
	EXPECT_EQ(0, pm_move(self->fd, 0, n, self->pages, self->nodes, self->status, 0, &m[0]));
	EXPECT_EQ(n, m[0].nr_moved);
	EXPECT_EQ(-ENOENT, pm_move(self->fd, 0, n, self->pages, self->nodes, self->status, 0,
				   &m[1]));	/* nothing needed moving: an error return */
	EXPECT_EQ(n, m[1].nr_in_place);
	EXPECT_EQ(0, pm_move(self->fd, 0, n, self->pages, NULL, self->status, 0, &m[2]));
	/* 4: compat, half of them back to node 0. */
	pm_fill_int(self->nodes, n / 2, 0);
	EXPECT_EQ(0, pm_move(self->fd, 0, n / 2, self->pages, self->nodes, self->status,
			     PAGEMOVE_F_COMPAT, &m[3]));
	EXPECT_EQ(n / 2, m[3].nr_moved);
	/* 5: a mapped page and an unmapped one: one moves, one fails. */
	hole[0] = self->buf;
	hole[1] = gap;
	EXPECT_EQ(0, pm_move(self->fd, 0, 2, hole, hn, hs, 0, &m[4]));
	EXPECT_EQ(1, m[4].nr_moved);
	EXPECT_EQ(1, m[4].nr_failed);
	/* 6: a range to node 2. */
	EXPECT_EQ(0, st_range(self->fd, 2, self->buf, n * PM_PAGE, &r));
	EXPECT_EQ(n, r.nr_moved);
	/* 7: refused (an unknown flag): counted, with no pages. */
	EXPECT_EQ(-EINVAL, pm_move(self->fd, 0, n, self->pages, self->nodes, self->status,
			      1U << 30, NULL));

	ASSERT_EQ(0, stats_read(b));
	for (i = 0; i < S_NR; i++)
		d[i] = b[i] - a[i];
	for (i = 0; i < 5; i++) {
		moved += m[i].nr_moved;
		in_place += m[i].nr_in_place;
		failed += m[i].nr_failed;
	}
	moved += r.nr_moved;
	in_place += r.nr_in_place;
	failed += r.nr_pages - r.nr_moved - r.nr_in_place;
	EXPECT_EQ(7, d[S_CALLS]);
	EXPECT_EQ(2, d[S_CALLS_FAILED]);	/* 2 (-ENOENT) and 7 */
	EXPECT_EQ(1, d[S_QUERIES]);
	EXPECT_EQ(1, d[S_RANGES]);
	EXPECT_EQ(1, d[S_COMPAT]);
	EXPECT_EQ(moved, d[S_MOVED]);
	EXPECT_EQ(in_place, d[S_IN_PLACE]);
	EXPECT_EQ(failed, d[S_FAILED]);
	/* Base pages, all of which moved: bytes are the pages moved. */
	EXPECT_EQ(moved * PM_PAGE, d[S_BYTES]);
	/* One batch each for calls 1, 4, 5 and 6 at least (compat: one per run of a node). */
	EXPECT_LE(4, d[S_BATCHES]);
	EXPECT_LE(d[S_PARALLEL], d[S_BATCHES]);
	EXPECT_LE(d[S_BATCHES], d[S_WORKERS]);
	EXPECT_LT(0, d[S_NS]);
	ksft_print_msg("deltas: calls %llu, moved %llu, in place %llu, failed %llu, batches %llu (parallel %llu, workers %llu), %llu bytes, %llu ns\n",
		       d[S_CALLS], d[S_MOVED], d[S_IN_PLACE], d[S_FAILED], d[S_BATCHES],
		       d[S_PARALLEL], d[S_WORKERS], d[S_BYTES], d[S_NS]);
}

static int trace_write(const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), PM_TRACEFS "/%s", file);
	return pm_write_file(path, val);
}

/* The trace buffer's lines for pagemove's events, in order. */
static char *trace_take(size_t *len)
{
	FILE *f = fopen(PM_TRACEFS "/trace", "r");
	char line[512], *out = NULL;
	size_t size = 0;
	FILE *o = open_memstream(&out, &size);

	if (!f || !o) {
		if (f)
			fclose(f);
		if (o)
			fclose(o);
		free(out);
		return NULL;
	}
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' && strstr(line, " pagemove_"))
			fputs(line, o);
	fclose(f);
	fclose(o);
	*len = size;
	return out;
}

struct tr_call {
	int starts, ends;
	char kind[8];
	unsigned long long count, moved, in_place, failed;
	long result;
	unsigned long batches, batch_pages, migrated, workers, parallel;
	int node_other;		/* batches for another node than the call's */
};

/*
 * A moved call's events: start, batches, end; returns how many calls the
 * trace holds, each summed into @c (at most @max).
 */
static int trace_parse(const char *text, int node, struct tr_call *c, int max)
{
	const char *p = text;
	int nc = -1;

	while (p && *p) {
		const char *e, *nl = strchr(p, '\n');
		struct tr_call *t = nc >= 0 && nc < max ? &c[nc] : NULL;

		if ((e = strstr(p, "pagemove_call_start: ")) && (!nl || e < nl)) {
			if (++nc < max) {
				t = &c[nc];
				memset(t, 0, sizeof(*t));
				t->starts = 1;
				sscanf(e, "pagemove_call_start: kind=%7s pid=%*d flags=%*x count=%llu",
				       t->kind, &t->count);
			}
		} else if (t && (e = strstr(p, "pagemove_call_end: ")) && (!nl || e < nl)) {
			char kind[8];

			t->ends++;
			sscanf(e, "pagemove_call_end: kind=%7s result=%ld moved=%llu in_place=%llu failed=%llu",
			       kind, &t->result, &t->moved, &t->in_place, &t->failed);
		} else if (t && (e = strstr(p, "pagemove_batch: ")) && (!nl || e < nl)) {
			unsigned long pages = 0, migrated = 0;
			unsigned int folios = 0, workers = 0;
			int bn = -1;

			sscanf(e, "pagemove_batch: node=%d pages=%lu folios=%u migrated=%lu workers=%u",
			       &bn, &pages, &folios, &migrated, &workers);
			t->batches++;
			t->batch_pages += pages;
			t->migrated += migrated;
			t->workers += workers;
			t->parallel += workers > 1;
			t->node_other += bn != node;
		}
		p = nl ? nl + 1 : NULL;
	}
	return nc + 1;
}

/*
 * Two large moves with the events on: a call's start and end once each,
 * with the count asked and the counts returned; its batches for the
 * call's node, migrating what it reported moved; the batches and workers
 * the counters say.
 */
TEST_F(st, tracepoints_fire_with_the_counts_of_the_call)
{
	unsigned long long a[S_NR], b[S_NR];
	struct pagemove_move m;
	struct pagemove_range r;
	struct tr_call c[4];
	size_t n = self->n, len = 0;
	char *text;
	int nc, i, fd;

	if (access(PM_TRACEFS "/events", F_OK))
		mount("tracefs", PM_TRACEFS, "tracefs", 0, NULL);
	ASSERT_EQ(0, access(PM_TRACEFS "/events/pagemove/pagemove_batch", F_OK))
		TH_LOG("no pagemove events in %s", PM_TRACEFS);
	fd = open(PM_TRACEFS "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);	/* empties the buffer */
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, trace_write("events/pagemove/enable", "1"));
	ASSERT_EQ(0, stats_read(a));
	pm_fill_int(self->nodes, n, 1);
	EXPECT_EQ(0, pm_move(self->fd, 0, n, self->pages, self->nodes, self->status, 0, &m));
	EXPECT_EQ(0, st_range(self->fd, 2, self->buf, n * PM_PAGE, &r));
	ASSERT_EQ(0, stats_read(b));
	ASSERT_EQ(0, trace_write("events/pagemove/enable", "0"));
	text = trace_take(&len);
	ASSERT_NE(NULL, text);
	nc = trace_parse(text, 1, c, 4);
	ASSERT_EQ(2, nc) TH_LOG("trace:\n%s", text);

	EXPECT_STREQ("move", c[0].kind);
	EXPECT_STREQ("range", c[1].kind);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(1, c[i].ends) TH_LOG("call %d", i);
		EXPECT_EQ(n, c[i].count) TH_LOG("call %d", i);
		EXPECT_EQ(0, c[i].result) TH_LOG("call %d", i);
		EXPECT_LE(1, c[i].batches) TH_LOG("call %d", i);
	}
	EXPECT_EQ(m.nr_moved, c[0].moved);
	EXPECT_EQ(m.nr_in_place, c[0].in_place);
	EXPECT_EQ(m.nr_failed, c[0].failed);
	EXPECT_EQ(r.nr_moved, c[1].moved);
	EXPECT_EQ(r.nr_in_place, c[1].in_place);
	/* Base pages: each moved entry is one page a batch migrated. */
	EXPECT_EQ(m.nr_moved, c[0].migrated);
	EXPECT_EQ(r.nr_moved, c[1].migrated);
	EXPECT_EQ(0, c[0].node_other);
	/* (The range's batches are for node 2.) */
	EXPECT_EQ(c[1].batches, (unsigned long)c[1].node_other);
	EXPECT_EQ(b[S_BATCHES] - a[S_BATCHES], c[0].batches + c[1].batches);
	EXPECT_EQ(b[S_WORKERS] - a[S_WORKERS], c[0].workers + c[1].workers);
	EXPECT_EQ(b[S_PARALLEL] - a[S_PARALLEL], c[0].parallel + c[1].parallel);
	ksft_print_msg("move: %lu batches, %lu workers (%lu parallel); range: %lu batches, %lu workers (%lu parallel)\n",
		       c[0].batches, c[0].workers, c[0].parallel, c[1].batches, c[1].workers,
		       c[1].parallel);
	free(text);
}

TEST_HARNESS_MAIN
