// SPDX-License-Identifier: GPL-2.0
/*
 * CPUs and memory going away while pages move.
 *
 * cpus: a thread takes every online CPU but cpu0 offline and online again,
 * at random moments, while large range moves run with workers = auto, of
 * the test's own memory and of its memory by pid from a child (so the
 * parallel path runs on every kernel: own memory is serial on 6.1). The
 * workers are threads of the caller that the scheduler places; none may
 * be left bound to a CPU that went away. Every move gives a documented
 * answer, every node status is where the page is, nothing stays isolated,
 * no byte changes, and every CPU comes back.
 *
 * memory: a thread offlines and onlines node 2's movable memory blocks
 * (the DIMM qemu/run.sh gives it, onlined movable as CXL memory is; each
 * offline bounded by a timer: the kernel retries it until a signal) while
 * pages move to node 2 and back. Moves may then answer -EBUSY or -ENOMEM
 * per page (-ENODEV for the call while the node has no memory at all),
 * never harm: statuses are documented ones and add up; a node status is
 * checked against the page's node whenever no offline ran between the
 * call and the query (an offline migrates the node's pages itself); no
 * byte changes; nothing stays isolated; every block is back online.
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include "kselftest_harness.h"
#include "pm_test.h"
#include "pm_hotplug.h"

/* 16 MiB whatever the page size: at most one chunk (4096 pages of 4 KiB), parallel. */
#define NPAGES		((16UL << 20) / PM_PAGE)
#define SECONDS		8			/* each phase: own memory, then by pid */

struct hp_stats {
	unsigned long calls, moved, in_place, ebusy, enomem, enodev, checked;
	unsigned long bad;
	char why[256];
};

/* A shared page of stats: a child fills it in for its parent. */
static struct hp_stats *hp_stats_new(void)
{
	void *p = mmap(NULL, sizeof(struct hp_stats), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : memset(p, 0, sizeof(struct hp_stats));
}

static int hp_where(int pid, char *buf, size_t n, int *out)
{
	void **pages = malloc(n * sizeof(void *));
	size_t i;
	long ret;

	if (!pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		pages[i] = buf + i * PM_PAGE;
		out[i] = PM_SENTINEL;
	}
	ret = pm_sys_move_pages(pid, n, pages, NULL, out, 0);
	free(pages);
	return ret ? -errno : 0;
}

/*
 * Bumped (to odd) before each memory offline attempt and (to even) after
 * it; shared with the mover child. 0 and never bumped in the CPU test.
 */
static unsigned long *hp_gen;

/*
 * Range moves of @pid's [buf, buf + n pages) to @a and @b in turn, for
 * @secs or until *@stop: each answer checked, the counts in @st.
 */
static void hp_moves(int pid, char *buf, size_t n, int a, int b, double secs,
		     struct hp_stats *st, volatile int *stop)
{
	int *status = malloc(n * sizeof(int)), *after = malloc(n * sizeof(int));
	int fd = open(PAGEMOVE_DEVICE, O_RDWR);
	double end = pm_now() + secs;
	unsigned long i;

	if (fd < 0 || !status || !after) {
		snprintf(st->why, sizeof(st->why), "set-up: %s", strerror(errno));
		st->bad++;
		goto out;
	}
	for (i = 0; !*stop && pm_now() < end && !st->bad; i++) {
		int node = i & 1 ? b : a;
		unsigned long gen = __atomic_load_n(hp_gen, __ATOMIC_SEQ_CST), truth;
		struct pagemove_range r = {
			.pid = pid, .node = node, .start = (uintptr_t)buf,
			.length = n * PM_PAGE, .status = (uintptr_t)status,
		};
		unsigned long long sum;
		long ret;
		size_t k;

		pm_fill_int(status, n, PM_SENTINEL);
		ret = pagemove_move_range(fd, &r);
		st->calls++;
		if (ret == -ENODEV) {	/* node @node has no memory just now */
			st->enodev++;
			continue;
		}
		if (ret && ret != -ENOENT) {
			snprintf(st->why, sizeof(st->why), "call %lu to node %d: %ld", i, node, ret);
			st->bad++;
			break;
		}
		if (hp_where(pid, buf, n, after)) {
			snprintf(st->why, sizeof(st->why), "query: %s", strerror(errno));
			st->bad++;
			break;
		}
		/* No offline began or ran since the call began: the truth. */
		truth = !(gen & 1) && gen == __atomic_load_n(hp_gen, __ATOMIC_SEQ_CST);
		for (k = 0; k < n; k++) {
			if (status[k] == node) {
				/*
				 * Absent: maybe in flight, the kernel's compaction
				 * moving it; the truth still if no offline began.
				 */
				if (truth && after[k] == -ENOENT) {
					after[k] = pm_node_settled(pid, buf + k * PM_PAGE, after[k]);
					truth = gen == __atomic_load_n(hp_gen, __ATOMIC_SEQ_CST);
				}
				if (truth && after[k] != node) {
					snprintf(st->why, sizeof(st->why), "call %lu: page %zu status %d, "
						 "on node %d", i, k, node, after[k]);
					st->bad++;
					break;
				}
				st->checked += truth;
			} else if (status[k] == -EBUSY) {
				st->ebusy++;
			} else if (status[k] == -ENOMEM) {
				st->enomem++;
			} else {
				snprintf(st->why, sizeof(st->why), "call %lu: page %zu status %d", i, k,
					 status[k]);
				st->bad++;
				break;
			}
		}
		sum = r.nr_moved + r.nr_in_place + r.nr_ebusy + r.nr_enomem;
		if (!st->bad && (sum != n || r.nr_pages != n)) {
			snprintf(st->why, sizeof(st->why), "call %lu: %llu moved + %llu in place + "
				 "%llu busy + %llu no memory of %llu", i,
				 (unsigned long long)r.nr_moved, (unsigned long long)r.nr_in_place,
				 (unsigned long long)r.nr_ebusy, (unsigned long long)r.nr_enomem,
				 (unsigned long long)r.nr_pages);
			st->bad++;
		}
		st->moved += r.nr_moved;
		st->in_place += r.nr_in_place;
	}
out:
	if (fd >= 0)
		close(fd);
	free(status);
	free(after);
}

/* A child moving its parent's buffer (by pid: parallel on every kernel). */
static pid_t hp_mover_child(char *buf, size_t n, int a, int b, double secs, struct hp_stats *st)
{
	pid_t parent = getpid(), pid = fork();
	int never = 0;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	hp_moves(parent, buf, n, a, b, secs, st, &never);
	_exit(0);
}

FIXTURE(hp) {
	int isolated;
	char *buf;
};

FIXTURE_SETUP(hp)
{
	if ((pm_read_nodemask("has_memory") & 0x7) != 0x7)
		SKIP(return, "needs nodes 0-2 with memory");
	hp_gen = mmap(NULL, sizeof(*hp_gen), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	ASSERT_NE(MAP_FAILED, hp_gen);
	*hp_gen = 0;
	self->isolated = pm_isolated();
	self->buf = pm_map_anon(NPAGES, 1);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, pm_place(self->buf, NPAGES, 0));
	/* Not in any child (movers, offliners): a page they shared would be -EACCES. */
	ASSERT_EQ(0, madvise(self->buf, NPAGES * PM_PAGE, MADV_DONTFORK));
}

FIXTURE_TEARDOWN(hp)
{
	int tries;

	for (tries = 0; tries < 50 && pm_isolated() != self->isolated; tries++)
		usleep(100000);
	EXPECT_EQ(self->isolated, pm_isolated()) TH_LOG("pages stay isolated");
}

TEST_F_TIMEOUT(hp, cpus_going_offline_during_parallel_moves, 3 * SECONDS + 120)
{
	struct cpu_plug p = { 0 };
	struct hp_stats *own = hp_stats_new(), *bypid = hp_stats_new();
	int cpu, st;
	pthread_t t;
	pid_t child;

	/* (cpu3 stays offline: node 2 is memory only, see qemu/run.sh) */
	cpu_plug_init(&p);
	if (p.ncpu < 2)
		SKIP(return, "needs 3 online CPUs");
	ASSERT_TRUE(own && bypid);
	ASSERT_EQ(0, pthread_create(&t, NULL, cpu_plugger, &p));
	/* Its own memory from here, the same buffer by pid from a child. */
	hp_moves(0, self->buf, NPAGES, 1, 0, SECONDS, own, &p.stop);
	child = hp_mover_child(self->buf, NPAGES, 1, 0, SECONDS, bypid);
	ASSERT_LT(0, child);
	ASSERT_EQ(child, waitpid(child, &st, 0));
	p.stop = 1;
	pthread_join(t, NULL);
	pm_plugs_restore(&p, NULL);

	ksft_print_msg("CPUs offlined %lu, onlined %lu (%lu refused); own memory: %lu calls, "
		       "%lu pages moved, %lu busy; by pid: %lu calls, %lu moved, %lu busy\n",
		       p.offlined, p.onlined, p.failed, own->calls, own->moved, own->ebusy,
		       bypid->calls, bypid->moved, bypid->ebusy);
	EXPECT_EQ(0, own->bad) TH_LOG("own memory: %s", own->why);
	EXPECT_EQ(0, bypid->bad) TH_LOG("by pid: %s", bypid->why);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("mover status %#x", st);
	EXPECT_LT(0, p.offlined);
	EXPECT_EQ(p.offlined, p.onlined);
	for (cpu = 0; cpu < p.ncpu; cpu++)
		EXPECT_TRUE(cpu_is_online(p.cpus[cpu])) TH_LOG("cpu%d stays offline", p.cpus[cpu]);
	/* Moves went on while CPUs came and went: most pages moved each time. */
	EXPECT_LT(own->calls * NPAGES / 2, own->moved + own->in_place);
	EXPECT_LT(bypid->calls * NPAGES / 2, bypid->moved + bypid->in_place);
	EXPECT_TRUE(pm_check_data(self->buf, NPAGES)) TH_LOG("a byte changed");
}

/* ---- memory ---------------------------------------------------------- */

TEST_F_TIMEOUT(hp, memory_of_a_node_going_away_during_moves, 3 * SECONDS + 120)
{
	struct mem_plug p = { .gen = hp_gen };
	struct hp_stats *own = hp_stats_new(), *bypid = hp_stats_new();
	pthread_t t;
	pid_t child;
	int i, st;

	if (access("/sys/devices/system/memory/auto_online_blocks", F_OK))
		SKIP(return, "no memory hotplug in this kernel (MEMORY_HOTPLUG)");
	p.nblk = node_blocks(2, p.blk);
	ASSERT_LT(0, p.nblk) TH_LOG("node 2 has no movable memory block (qemu/run.sh's DIMM)");
	ASSERT_TRUE(own && bypid);
	ASSERT_EQ(0, pthread_create(&t, NULL, mem_plugger, &p));
	hp_moves(0, self->buf, NPAGES, 2, 0, SECONDS, own, &p.stop);
	child = hp_mover_child(self->buf, NPAGES, 2, 1, SECONDS, bypid);
	ASSERT_LT(0, child);
	ASSERT_EQ(child, waitpid(child, &st, 0));
	p.stop = 1;
	pthread_join(t, NULL);
	pm_plugs_restore(NULL, &p);
	/* An offline may have dissolved the node's reserved huge pages. */
	pm_set_hugepages(2, PM_GUEST_HUGEPAGES);

	ksft_print_msg("node 2: %d blocks; offlined %lu, onlined %lu, %lu refused or timed out; "
		       "own memory: %lu calls (%lu -ENODEV), %lu moved, %lu busy, %lu no memory, "
		       "%lu statuses checked; by pid: %lu calls (%lu -ENODEV), %lu moved, %lu busy, "
		       "%lu no memory, %lu checked\n", p.nblk, p.offlined, p.onlined, p.refused,
		       own->calls, own->enodev, own->moved, own->ebusy, own->enomem, own->checked,
		       bypid->calls, bypid->enodev, bypid->moved, bypid->ebusy, bypid->enomem,
		       bypid->checked);
	EXPECT_EQ(0, own->bad) TH_LOG("own memory: %s", own->why);
	EXPECT_EQ(0, bypid->bad) TH_LOG("by pid: %s", bypid->why);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("mover status %#x", st);
	/* Some block went away and came back while pages moved. */
	EXPECT_LT(0, p.offlined) TH_LOG("no block of node 2 could be offlined");
	EXPECT_EQ(p.offlined, p.onlined);
	for (i = 0; i < p.nblk; i++)
		EXPECT_EQ(1, blk_online(p.blk[i])) TH_LOG("memory%d stays offline", p.blk[i]);
	EXPECT_LT(0, own->moved);
	EXPECT_LT(0, bypid->moved);
	EXPECT_TRUE(pm_check_data(self->buf, NPAGES)) TH_LOG("a byte changed");
}

TEST_HARNESS_MAIN
