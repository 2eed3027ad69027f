/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the pagemove selftests (run as root inside the guests). */
#ifndef PM_TEST_H
#define PM_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "pagemove.h"

#ifndef MPOL_MF_MOVE
#define MPOL_MF_STRICT		(1 << 0)
#define MPOL_MF_MOVE		(1 << 1)
#define MPOL_MF_MOVE_ALL	(1 << 2)
#endif

#define PM_PAGE		4096UL
#define PM_SENTINEL	(-12345)
#define PM_KO		"/lib/pagemove/pagemove.ko"

/* A node list such as "0-1,3" from sysfs, as a bitmask. */
static inline unsigned long pm_read_nodemask(const char *file)
{
	char path[128], buf[128], *p;
	unsigned long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/%s", file);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (p = buf; *p && *p != '\n';) {
		long a = strtol(p, &p, 10), b = a;

		if (*p == '-')
			b = strtol(p + 1, &p, 10);
		for (; a <= b; a++)
			mask |= 1UL << a;
		if (*p == ',')
			p++;
	}
	return mask;
}

static inline long pm_sys_move_pages(int pid, unsigned long count, void **pages,
				     const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, pid, count, pages, nodes, status, flags);
}

static inline long pm_move(int fd, int pid, unsigned long count, void **pages,
			   const int *nodes, int *status, unsigned int flags,
			   struct pagemove_move *out)
{
	struct pagemove_move req = {
		.flags = flags, .pid = pid, .count = count,
		.pages = (unsigned long)pages, .nodes = (unsigned long)nodes,
		.status = (unsigned long)status,
	};
	long ret = pagemove_move(fd, &req);

	if (out)
		*out = req;
	return ret;
}

/* n base pages of anonymous memory, THP off, each touched (written). */
static inline char *pm_map_anon(size_t n, int touch)
{
	char *p = mmap(NULL, n * PM_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, n * PM_PAGE, MADV_NOHUGEPAGE);
	for (i = 0; touch && i < n; i++)
		memset(p + i * PM_PAGE, (int)(i * 7 + 1), PM_PAGE);
	return p;
}

/* A kernel without THP (PREEMPT_RT on 6.12) has no THP and no huge zero page. */
static inline int pm_have_thp(void)
{
	return access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0;
}

/* Where a page is, per the kernel's own move_pages(2) query. */
static inline int pm_node_of(void *addr)
{
	int status = PM_SENTINEL;

	if (pm_sys_move_pages(0, 1, &addr, NULL, &status, 0))
		return -errno;
	return status;
}

static inline long pm_vmstat(const char *key)
{
	char name[64];
	long val, ret = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &val) == 2)
		if (!strcmp(name, key))
			ret = val;
	fclose(f);
	return ret;
}

/* Folds the per-CPU deltas first: /proc/vmstat alone lags behind. */
static inline long pm_isolated(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			perror("stat_refresh");
		close(fd);
	}
	return pm_vmstat("nr_isolated_anon") + pm_vmstat("nr_isolated_file");
}

static inline long pm_node_free_kb(int node)
{
	char path[96], line[160];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "MemFree:");

		if (p)
			kb = strtol(p + 8, NULL, 10);
	}
	fclose(f);
	return kb;
}

static inline void pm_fill_int(int *a, size_t n, int v)
{
	while (n--)
		a[n] = v;
}

/*
 * pm_testfs.ko, the test-only filesystem without migrate_folio: loaded once,
 * a fresh instance mounted at @dir (created if needed). 0 or -errno.
 */
#define PM_TESTFS_KO	"/lib/pagemove/pm_testfs.ko"

static inline int pm_testfs_mount(const char *dir)
{
	if (access("/sys/module/pm_testfs", F_OK)) {
		int fd = open(PM_TESTFS_KO, O_RDONLY | O_CLOEXEC), ret;

		if (fd < 0)
			return -errno;
		ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
		close(fd);
		if (ret && ret != -EEXIST)
			return ret;
	}
	mkdir(dir, 0700);
	return mount("pm_testfs", dir, "pm_testfs", 0, NULL) ? -errno : 0;
}

/* How many times the filesystem's failing writepage has run. */
static inline long pm_testfs_writepage_calls(void)
{
	FILE *f = fopen("/sys/module/pm_testfs/parameters/writepage_calls", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/*
 * @n pages of @file ("writepage-fails" or "no-writepage") on the pm_testfs
 * at @dir, mapped shared and written: dirty, with page i filled with
 * i * 7 + 1. NULL on failure.
 */
static inline char *pm_testfs_map(const char *dir, const char *file, size_t n)
{
	char path[128], *p;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, n * PM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	for (i = 0; i < n; i++)
		memset(p + i * PM_PAGE, (int)(i * 7 + 1), PM_PAGE);
	return p;
}

#endif /* PM_TEST_H */
