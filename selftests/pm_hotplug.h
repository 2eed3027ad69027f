/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPUs and memory blocks going offline and online, for the hotplug suite
 * and the soak: a thread each, at random moments, until told to stop.
 */
#ifndef PM_HOTPLUG_H
#define PM_HOTPLUG_H

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>
#include "pm_test.h"

#define MAXBLK		64

/* ---- CPUs ---- */

struct cpu_plug {
	int ncpu, cpus[64];		/* the CPUs online at the start, but cpu0 */
	volatile int stop;
	unsigned int gap_ms;		/* the most between two cycles (0: 20) */
	unsigned long offlined, onlined, failed;
};

static inline int cpu_online_set(int cpu, int on)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	return pm_write_file(path, on ? "1" : "0");
}

static inline int cpu_is_online(int cpu)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	return pm_read_long(path) == 1;
}

static inline void *cpu_plugger(void *arg)
{
	struct cpu_plug *p = arg;
	uint64_t s = 88172645463325252ULL ^ (uint64_t)getpid();

	while (!p->stop) {
		int cpu;

		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		cpu = p->cpus[s % (uint64_t)p->ncpu];
		if (cpu_online_set(cpu, 0)) {
			p->failed++;
		} else {
			p->offlined++;
			usleep(s % 20000);
			if (cpu_online_set(cpu, 1) == 0)
				p->onlined++;
			else
				p->failed++;
		}
		usleep((s >> 20) % ((p->gap_ms ? p->gap_ms : 20) * 1000ULL));
	}
	return NULL;
}

/* ---- memory ---- */

struct mem_plug {
	int nblk;
	int blk[MAXBLK];
	volatile int stop;
	/* Bumped (to odd) before each offline attempt and (to even) after it. */
	unsigned long *gen;
	unsigned int gap_ms;		/* the most between two cycles (0: 100) */
	unsigned long offlined, onlined, refused;
};

static inline int blk_state(int blk, const char *state)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%d/state", blk);
	return pm_write_file(path, state);
}

static inline int blk_online(int blk)
{
	char path[96], buf[32];

	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%d/state", blk);
	if (pm_read_line(path, buf, sizeof(buf)))
		return -1;
	return strncmp(buf, "online", 6) == 0;
}

/* Whether block @blk can only hold movable pages (ZONE_MOVABLE). */
static inline int blk_movable(int blk)
{
	char path[96], buf[64];

	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%d/valid_zones", blk);
	pm_read_line(path, buf, sizeof(buf));
	return strncmp(buf, "Movable", 7) == 0;
}

/*
 * Node @node's memory blocks that hold only movable pages: their count.
 * (Boot memory holds the node's own struct pages and ACPI's tables: it
 * cannot go offline. qemu/run.sh gives node 2 a DIMM onlined movable,
 * as a CXL expander's memory usually is.)
 */
static inline int node_blocks(int node, int *blk)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", node);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < MAXBLK)
		if (!strncmp(d->d_name, "memory", 6) && d->d_name[6] >= '0' && d->d_name[6] <= '9' &&
		    blk_movable(atoi(d->d_name + 6)))
			blk[n++] = atoi(d->d_name + 6);
	closedir(dir);
	return n;
}

/*
 * Offlines @blk within @secs: the kernel migrates the block's pages away
 * and retries until a signal, so a child asks and an alarm ends its wait.
 */
static inline int blk_offline(int blk, unsigned int secs)
{
	pid_t pid = fork();
	int st;

	if (!pid) {
		alarm(secs);
		_exit(blk_state(blk, "offline") ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static inline void *mem_plugger(void *arg)
{
	struct mem_plug *p = arg;
	uint64_t s = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	/*
	 * 3 s is plenty for 128 MiB on an idle guest; a debug kernel on a
	 * busy host took longer every time (7.3-debug: 81 timeouts in a row,
	 * no cycle). Each timeout doubles the bound, up to 24 s; each success
	 * halves it again.
	 */
	unsigned int secs = 3;

	while (!p->stop) {
		int blk, ret;

		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		blk = p->blk[s % (uint64_t)p->nblk];
		/* (Only the offline moves pages; onlining does not.) */
		__atomic_add_fetch(p->gen, 1, __ATOMIC_SEQ_CST);
		ret = blk_offline(blk, secs);
		__atomic_add_fetch(p->gen, 1, __ATOMIC_SEQ_CST);
		secs = ret ? (secs < 24 ? secs * 2 : 24) : (secs > 3 ? secs / 2 : 3);
		if (ret == 0) {
			p->offlined++;
			usleep(s % 200000);
			if (blk_state(blk, "online_movable") == 0)
				p->onlined++;
		} else {
			p->refused++;
		}
		usleep((s >> 20) % ((p->gap_ms ? p->gap_ms : 100) * 1000ULL));
	}
	return NULL;
}

/* Everything back online after the pluggers stopped. */
static inline void pm_plugs_restore(const struct cpu_plug *c, const struct mem_plug *m)
{
	int i;

	for (i = 0; c && i < c->ncpu; i++)
		if (!cpu_is_online(c->cpus[i]))
			cpu_online_set(c->cpus[i], 1);
	for (i = 0; m && i < m->nblk; i++)
		if (blk_online(m->blk[i]) == 0)
			blk_state(m->blk[i], "online_movable");
}

/* The CPUs online now but cpu0: @p's to take offline in turn. */
static inline void cpu_plug_init(struct cpu_plug *p)
{
	int cpu, ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);

	for (cpu = 1; cpu < ncpu && p->ncpu < 64; cpu++)
		if (cpu_is_online(cpu))
			p->cpus[p->ncpu++] = cpu;
}

#endif
