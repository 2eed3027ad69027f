// SPDX-License-Identifier: GPL-2.0
/*
 * Conflicting requests in default mode (include/uapi/linux/pagemove.h,
 * "Conflicts"; pagemove(4)): one folio, or one address, asked for more
 * than one node in one call. After every call the same addresses are
 * queried with the kernel's own move_pages(2), and every node status must
 * name the node the page is on; the counts must add up per entry.
 *   - a THP listed page by page for two and for three nodes is split, and
 *     each page goes where its entry asked;
 *   - a THP asked for one node stays whole;
 *   - a THP whose pages fall in two chunks of 4096 entries, a different
 *     node on each side;
 *   - a huge page (THP, hugetlb) moved whole by one chunk's last entries,
 *     its other pages named by the next chunk, its head there for another
 *     node; and a THP the migration itself split (no THP free on the
 *     target) at a chunk's end: the next chunk's entries tell the truth;
 *   - a hugetlb page named by its head and a tail for different nodes:
 *     the last entry wins;
 *   - one address twice, adjacent and 5000 entries apart, for different
 *     nodes: the last entry wins; twice for one node: both moved.
 * Runs as root in the 4-node guest (0,1: CPU+memory, 2: memory, 3: CPU).
 */
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define THP		PM_THP
#define THP_PAGES	PM_THP_PAGES

FIXTURE(cf)
{
	int fd;
	long isolated;
};

FIXTURE_SETUP(cf)
{
	if ((pm_read_nodemask("has_memory") & 0x7) != 0x7)
		SKIP(return, "needs nodes 0-2 with memory");
	self->fd = open(PAGEMOVE_DEVICE, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->isolated = pm_isolated();
}

FIXTURE_TEARDOWN(cf)
{
	/* No page stays isolated. */
	EXPECT_EQ(self->isolated, pm_isolated());
	close(self->fd);
}

/*
 * The oracle: every node status is where the page is now, and moved +
 * in place + failed = count, with moved counting the entries on their
 * target that were not there before (@before: each page's node before the
 * call). Returns the number of wrong statuses.
 */
static long pm_oracle(struct __test_metadata *_metadata, unsigned long n, void **pages,
		      const int *nodes, const int *status, const int *before,
		      const struct pagemove_move *r)
{
	int *now = malloc(n * sizeof(int));
	unsigned long i, wrong = 0, moved = 0, in_place = 0, failed = 0;

	ASSERT_NE(NULL, now);
	ASSERT_EQ(0, pm_sys_move_pages(0, n, pages, NULL, now, 0));
	for (i = 0; i < n; i++) {
		if (status[i] >= 0 && status[i] != now[i]) {
			if (wrong++ < 8)
				TH_LOG("entry %lu: asked %d, status %d, page on %d (was on %d)",
				       i, nodes[i], status[i], now[i], before[i]);
		}
		if (status[i] == nodes[i] && before[i] == nodes[i])
			in_place++;
		else if (status[i] == nodes[i])
			moved++;
		else
			failed++;
	}
	EXPECT_EQ(0, wrong);
	EXPECT_EQ(moved, r->nr_moved);
	EXPECT_EQ(in_place, r->nr_in_place);
	EXPECT_EQ(failed, r->nr_failed);
	free(now);
	return wrong;
}

/* @nthp PMD-aligned THPs (PM_THP each), pattern-filled, on @node; NULL without THP. */
static char *pm_thp(size_t nthp, int node, void **map, size_t *maplen)
{
	size_t len = (nthp + 1) * THP;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = pm_thp_align(p);
	madvise(a, nthp * THP, MADV_HUGEPAGE);
	pm_fill_pattern(a, nthp * THP, 13);
	if (pm_place(a, nthp * THP_PAGES, node)) {
		munmap(p, len);
		return NULL;
	}
	*map = p;
	*maplen = len;
	return a;
}

static void pm_nodes_of(unsigned long n, void **pages, int *out)
{
	pm_sys_move_pages(0, n, pages, NULL, out, 0);
}

/*
 * A call of @n entries across a chunk: the first @lead name base pages of
 * their own (pm_map_anon's data, on node 0) for @lead_node, the rest are
 * the test's; then pm_entries_move() makes the call and runs the oracle.
 */
struct pm_entries {
	size_t n, lead;
	void **pages;
	int *nodes, *status, *before;
	char *base;
};

static int pm_entries_start(struct pm_entries *e, size_t lead, size_t n, int lead_node)
{
	size_t i;

	e->n = n;
	e->lead = lead;
	e->pages = malloc(n * sizeof(void *));
	e->nodes = malloc(n * sizeof(int));
	e->status = malloc(n * sizeof(int));
	e->before = malloc(n * sizeof(int));
	e->base = pm_map_anon(lead, 1);
	if (!e->pages || !e->nodes || !e->status || !e->before || !e->base ||
	    pm_place(e->base, lead, 0))
		return -1;
	for (i = 0; i < lead; i++) {
		e->pages[i] = e->base + i * PM_PAGE;
		e->nodes[i] = lead_node;
	}
	pm_fill_int(e->status, n, PM_SENTINEL);
	return 0;
}

static void pm_entries_move(struct __test_metadata *_metadata, int fd, struct pm_entries *e,
			    struct pagemove_move *r)
{
	pm_nodes_of(e->n, e->pages, e->before);
	ASSERT_EQ(0, pm_move(fd, 0, e->n, e->pages, e->nodes, e->status, 0, r));
	EXPECT_EQ(0, pm_oracle(_metadata, e->n, e->pages, e->nodes, e->status, e->before, r));
}

/* The lead pages' bytes unchanged; everything given back. */
static void pm_entries_end(struct __test_metadata *_metadata, struct pm_entries *e)
{
	EXPECT_TRUE(pm_check_data(e->base, e->lead));
	munmap(e->base, e->lead * PM_PAGE);
	free(e->pages);
	free(e->nodes);
	free(e->status);
	free(e->before);
}

/* @ntargets nodes cycled over the pages of @nthp THPs starting on @from. */
static void pm_thp_cycle(struct __test_metadata *_metadata, int fd, size_t nthp, int from,
			 int ntargets)
{
	size_t n = nthp * THP_PAGES, i, maplen;
	void **pages = malloc(n * sizeof(void *)), *map;
	int *nodes = malloc(n * sizeof(int)), *status = malloc(n * sizeof(int));
	int *before = malloc(n * sizeof(int));
	struct pagemove_move r;
	char *a;

	if (!pm_have_thp())
		SKIP(return, "this kernel has no THP (CONFIG_TRANSPARENT_HUGEPAGE=n, as PREEMPT_RT)");
	a = pm_thp(nthp, from, &map, &maplen);
	ASSERT_NE(NULL, a);
	for (i = 0; i < n; i++) {
		pages[i] = a + i * PM_PAGE;
		nodes[i] = i % ntargets;
		status[i] = PM_SENTINEL;
	}
	pm_nodes_of(n, pages, before);
	ASSERT_EQ(0, pm_move(fd, 0, n, pages, nodes, status, 0, &r));
	EXPECT_EQ(0, pm_oracle(_metadata, n, pages, nodes, status, before, &r));
	/* The rule: each page where its own entry asked. */
	for (i = 0; i < n; i++)
		EXPECT_EQ(nodes[i], status[i]) TH_LOG("entry %zu", i);
	EXPECT_EQ(nthp * THP, pm_pattern_len(a, nthp * THP, 13));
	munmap(map, maplen);
	free(pages);
	free(nodes);
	free(status);
	free(before);
}

TEST_F(cf, thp_pages_for_two_nodes_are_split)
{
	pm_thp_cycle(_metadata, self->fd, 1, 0, 2);
}

/* The shape (stress-ng's numa stressor): 0, 1, 2 over two THPs on node 1. */
TEST_F(cf, thp_pages_cycling_three_nodes_are_split)
{
	pm_thp_cycle(_metadata, self->fd, 2, 1, 3);
}

TEST_F(cf, thp_asked_for_one_node_moves_whole)
{
	size_t i, maplen;
	void *pages[THP_PAGES], *map;
	int nodes[THP_PAGES], status[THP_PAGES], before[THP_PAGES];
	long split = pm_vmstat("thp_split_page"), migrated = pm_vmstat("thp_migration_success");
	struct pagemove_move r;
	char *a;

	if (!pm_have_thp())
		SKIP(return, "this kernel has no THP (CONFIG_TRANSPARENT_HUGEPAGE=n, as PREEMPT_RT)");
	a = pm_thp(1, 0, &map, &maplen);
	ASSERT_NE(NULL, a);
	/* Every page for node 2, the first listed twice. */
	for (i = 0; i < THP_PAGES; i++) {
		pages[i] = a + (i ? i - 1 : 0) * PM_PAGE;
		nodes[i] = 2;
	}
	pm_nodes_of(THP_PAGES, pages, before);
	ASSERT_EQ(0, pm_move(self->fd, 0, THP_PAGES, pages, nodes, status, 0, &r));
	EXPECT_EQ(0, pm_oracle(_metadata, THP_PAGES, pages, nodes, status, before, &r));
	EXPECT_EQ(THP_PAGES, r.nr_moved);
	EXPECT_EQ(split, pm_vmstat("thp_split_page"));
	EXPECT_LT(migrated, pm_vmstat("thp_migration_success"));
	EXPECT_EQ(THP, pm_pattern_len(a, THP, 13));
	munmap(map, maplen);
}

/*
 * A THP whose first half ends one chunk of 4096 entries (for node 1) and
 * whose second half begins the next (for node 2).
 */
TEST_F(cf, thp_across_a_chunk_with_a_node_each_side)
{
	size_t lead = PM_CHUNK_ENTRIES - THP_PAGES / 2, i, maplen;
	struct pm_entries e;
	struct pagemove_move r;
	void *map;
	char *a;

	if (!pm_have_thp())
		SKIP(return, "this kernel has no THP (CONFIG_TRANSPARENT_HUGEPAGE=n, as PREEMPT_RT)");
	ASSERT_EQ(0, pm_entries_start(&e, lead, lead + THP_PAGES, 1));
	a = pm_thp(1, 0, &map, &maplen);
	ASSERT_NE(NULL, a);
	for (i = 0; i < THP_PAGES; i++) {
		e.pages[lead + i] = a + i * PM_PAGE;
		e.nodes[lead + i] = i < THP_PAGES / 2 ? 1 : 2;
	}
	pm_entries_move(_metadata, self->fd, &e, &r);
	/* The rule: each page where its own entry asked, on both sides. */
	for (i = 0; i < e.n; i++)
		EXPECT_EQ(e.nodes[i], e.status[i]) TH_LOG("entry %zu", i);
	EXPECT_EQ(THP, pm_pattern_len(a, THP, 13));
	munmap(map, maplen);
	pm_entries_end(_metadata, &e);
}

/* A hugetlb page cannot be split: the last entry that names it wins. */
TEST_F(cf, hugetlb_head_and_tail_for_two_nodes_last_wins)
{
	char *p = pm_map_hugetlb();
	void *pages[3];
	int nodes[3] = {1, 2, 1}, status[3], before[3];
	struct pagemove_move r;

	if (!p)
		SKIP(return, "no huge pages reserved");
	pages[0] = p;
	pages[1] = p + 5 * PM_PAGE;
	pages[2] = p + 9 * PM_PAGE;
	pm_nodes_of(3, pages, before);
	/* head -> 1, a tail -> 2, another tail -> 1: on node 1. */
	ASSERT_EQ(0, pm_move(self->fd, 0, 3, pages, nodes, status, 0, &r));
	EXPECT_EQ(0, pm_oracle(_metadata, 3, pages, nodes, status, before, &r));
	EXPECT_EQ(1, pm_node_of(p));
	EXPECT_EQ(1, status[0]);
	EXPECT_EQ(1, status[1]);	/* asked 2: the node the page is on */
	EXPECT_EQ(1, status[2]);
	EXPECT_EQ(2, r.nr_moved);
	EXPECT_EQ(1, r.nr_failed);
	/* head -> 2, then a tail -> 1 (where it is, so it stays): on node 1 still. */
	nodes[0] = 2;
	nodes[1] = 1;
	pm_nodes_of(2, pages, before);
	ASSERT_EQ(0, pm_move(self->fd, 0, 2, pages, nodes, status, 0, &r));
	EXPECT_EQ(0, pm_oracle(_metadata, 2, pages, nodes, status, before, &r));
	EXPECT_EQ(1, pm_node_of(p));
	EXPECT_EQ(1, status[0]);
	EXPECT_EQ(1, status[1]);
	EXPECT_EQ(1, r.nr_in_place);
	EXPECT_EQ(PM_HUGE_2M, pm_pattern_len(p, PM_HUGE_2M, 3));
	munmap(p, PM_HUGE_2M);
}

/* One page named twice, @gap entries apart (other pages between). */
static void pm_twice(struct __test_metadata *_metadata, int fd, size_t gap, int n0, int n1)
{
	size_t n = gap + 1, i;
	char *buf = pm_map_anon(gap, 1);
	void **pages = malloc(n * sizeof(void *));
	int *nodes = malloc(n * sizeof(int)), *status = malloc(n * sizeof(int));
	int *before = malloc(n * sizeof(int));
	struct pagemove_move r;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, pm_place(buf, gap, 0));
	for (i = 0; i < n; i++) {
		pages[i] = buf + (i < gap ? i : 0) * PM_PAGE;
		nodes[i] = 1;
	}
	nodes[0] = n0;
	nodes[gap] = n1;
	pm_nodes_of(n, pages, before);
	ASSERT_EQ(0, pm_move(fd, 0, n, pages, nodes, status, 0, &r));
	EXPECT_EQ(0, pm_oracle(_metadata, n, pages, nodes, status, before, &r));
	/* The last entry wins; the first reports where the page is. */
	EXPECT_EQ(n1, pm_node_of(buf));
	EXPECT_EQ(n1, status[0]);
	EXPECT_EQ(n1, status[gap]);
	EXPECT_TRUE(pm_check_data(buf, gap));
	munmap(buf, gap * PM_PAGE);
	free(pages);
	free(nodes);
	free(status);
	free(before);
}

TEST_F(cf, same_address_twice_adjacent_last_wins)
{
	pm_twice(_metadata, self->fd, 1, 1, 2);
}

TEST_F(cf, same_address_twice_in_one_chunk_last_wins)
{
	pm_twice(_metadata, self->fd, 100, 2, 1);
}

/* 5000 entries apart: in two chunks, the first one's status rewritten. */
TEST_F(cf, same_address_twice_far_apart_last_wins)
{
	pm_twice(_metadata, self->fd, 5000, 2, 1);
}

TEST_F(cf, same_address_twice_first_stays_last_wins)
{
	/* 0 is where the page is: the first entry is in place, until the second moves it. */
	pm_twice(_metadata, self->fd, 1, 0, 2);
}

TEST_F(cf, same_address_twice_for_one_node_both_moved)
{
	pm_twice(_metadata, self->fd, 1, 1, 1);
}

/*
 * Across a chunk: a huge page queued whole by a chunk's last entries (its
 * pages 8.. for node 1), the rest of its pages named in the next chunk for
 * node 1 too, and then its head asked for node 2 in that chunk. The next
 * chunk's entries must say where their pages end: a THP is split there
 * (the head alone goes to node 2), a hugetlb page follows its last entry
 * (to node 2; every other entry reports node 2, the first chunk's too).
 */
static void pm_moved_then_elsewhere(struct __test_metadata *_metadata, int fd, int thp)
{
	size_t hp = thp ? THP_PAGES : PM_HUGE_2M_PAGES, k1 = 20, k2 = hp - k1 - 8;
	size_t lead = PM_CHUNK_ENTRIES - k1, n = lead + k1 + k2 + 1, i, maplen = 0;
	struct pm_entries e;
	struct pagemove_move r;
	void *map = NULL;
	char *h;

	if (thp && !pm_have_thp())
		SKIP(return, "this kernel has no THP (CONFIG_TRANSPARENT_HUGEPAGE=n, as PREEMPT_RT)");
	h = thp ? pm_thp(1, 0, &map, &maplen) : pm_map_hugetlb();
	if (!thp && !h)
		SKIP(return, "no huge pages reserved");
	ASSERT_NE(NULL, h);
	ASSERT_EQ(0, pm_node_of(h));
	ASSERT_EQ(0, pm_entries_start(&e, lead, n, 0));
	for (i = 0; i < k1 + k2; i++) {
		e.pages[lead + i] = h + (8 + i) * PM_PAGE;
		e.nodes[lead + i] = 1;
	}
	e.pages[n - 1] = h;
	e.nodes[n - 1] = 2;
	pm_entries_move(_metadata, fd, &e, &r);
	EXPECT_EQ(2, pm_node_of(h));
	if (thp) {
		/* Each page where its own entry asked. */
		for (i = lead; i < n; i++)
			EXPECT_EQ(e.nodes[i], e.status[i]) TH_LOG("entry %zu", i);
		EXPECT_EQ(THP, pm_pattern_len(h, THP, 13));
		munmap(map, maplen);
	} else {
		for (i = lead; i < n; i++)
			EXPECT_EQ(2, e.status[i]) TH_LOG("entry %zu", i);
		EXPECT_EQ(1, r.nr_moved);
		EXPECT_EQ(PM_HUGE_2M, pm_pattern_len(h, PM_HUGE_2M, 3));
		munmap(h, PM_HUGE_2M);
	}
	pm_entries_end(_metadata, &e);
}

TEST_F(cf, thp_moved_by_one_chunk_asked_elsewhere_by_the_next)
{
	pm_moved_then_elsewhere(_metadata, self->fd, 1);
}

TEST_F(cf, hugetlb_moved_by_one_chunk_asked_elsewhere_by_the_next)
{
	pm_moved_then_elsewhere(_metadata, self->fd, 0);
}

/*
 * Across a chunk: a THP queued whole by a chunk's last 20 entries, for
 * node 2 where no THP is free (filled, every other page given back, the
 * filler mlocked and kept from compaction, any 2 MiB block free then
 * taken by huge pages): migrate_pages() splits it
 * and moves its pages one by one, and since 6.12 maps its zero-filled
 * pages (every eighth here) to the shared zero page. Its other pages,
 * named in the next chunk, must say so: the zero page's -EFAULT, node 2
 * for a page there, and a page that did not move is moved by that chunk.
 */
TEST_F(cf, thp_split_by_its_migration_across_a_chunk)
{
	size_t lead = PM_CHUNK_ENTRIES - 20, i, fn, maplen, onto2 = 0;
	const char *knob = "/proc/sys/vm/compact_unevictable_allowed";
	char *filler, *a, unevictable[16] = "";
	struct pm_entries e;
	struct pagemove_move r;
	void *map;
	long split;
	FILE *f;

	if (!pm_have_thp())
		SKIP(return, "this kernel has no THP (CONFIG_TRANSPARENT_HUGEPAGE=n, as PREEMPT_RT)");
	ASSERT_EQ(0, pm_entries_start(&e, lead, lead + THP_PAGES, 0));
	a = pm_thp(1, 0, &map, &maplen);
	ASSERT_NE(NULL, a);
	for (i = 0; i < THP_PAGES; i += 8)
		memset(a + i * PM_PAGE, 0, PM_PAGE);
	for (i = 0; i < THP_PAGES; i++) {
		e.pages[lead + i] = a + i * PM_PAGE;
		e.nodes[lead + i] = 2;
	}
	f = fopen(knob, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(unevictable, sizeof(unevictable), f));
	fclose(f);
	ASSERT_EQ(0, pm_write_file(knob, "0"));
	filler = pm_fill_node(self->fd, 2, &fn);
	ASSERT_NE(NULL, filler);
	ASSERT_EQ(0, mlock(filler, fn * PM_PAGE));
	for (i = 0; i < fn; i += 2)
		if (pm_node_of(filler + i * PM_PAGE) == 2) {
			munmap(filler + i * PM_PAGE, PM_PAGE);
			onto2++;
		}
	/* And any 2 MiB of it free since, taken by huge pages: no THP can be had there. */
	ASSERT_EQ(0, pm_set_hugepages(2, "100000"));
	TH_LOG("node2 full, %zu pages given back one by one: %ld kB free", onto2,
	       pm_node_free_kb(2));
	split = pm_vmstat("thp_migration_split");
	pm_entries_move(_metadata, self->fd, &e, &r);
	split = pm_vmstat("thp_migration_split") - split;
	pm_unfill_node(2, filler, fn);
	pm_write_file(knob, unevictable);
	/* What the test is about: the migration split the THP. */
	EXPECT_LT(0, split);
	for (i = lead; i < e.n; i++)
		EXPECT_TRUE(e.status[i] == 2 || e.status[i] == -EFAULT || e.status[i] == -ENOMEM)
			TH_LOG("entry %zu: %d", i, e.status[i]);
	/* No byte changed: the zero-filled pages read zeros, the others their pattern. */
	for (i = 0; i < THP; i++)
		if (a[i] != (i / PM_PAGE % 8 ? (char)(i * 13) : 0))
			break;
	EXPECT_EQ(THP, i);
	munmap(map, maplen);
	pm_entries_end(_metadata, &e);
}

TEST_HARNESS_MAIN
