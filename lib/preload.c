// SPDX-License-Identifier: LGPL-2.1-or-later
/* libpagemove-preload.so: runs unmodified move_pages(2) programs on /dev/pagemove. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "pagemove.h"

#define PM_EXPORT __attribute__((visibility("default")))

/*
 * The three ways in: libnuma's move_pages() and numa_move_pages(), and raw
 * syscall(SYS_move_pages, ...). Each one goes straight to pm_route(), which
 * never calls back into any of them, so a call is routed exactly once even
 * though libnuma's numa_move_pages() calls move_pages() which calls syscall().
 */
PM_EXPORT long move_pages(int pid, unsigned long count, void **pages,
			  const int *nodes, int *status, int flags);
PM_EXPORT int numa_move_pages(int pid, unsigned long count, void **pages,
			      const int *nodes, int *status, int flags);
PM_EXPORT long syscall(long number, ...);

typedef long (*pm_syscall_fn)(long number, ...);

static pm_syscall_fn pm_real_syscall_fn;

/* 0: not probed yet; 1: /dev/pagemove opens; -errno: it does not. */
static int pm_device_state;
static int pm_warned;

static pm_syscall_fn pm_real_syscall(void)
{
	pm_syscall_fn fn = __atomic_load_n(&pm_real_syscall_fn, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = (pm_syscall_fn)dlsym(RTLD_NEXT, "syscall");
		if (!fn) {
			/* No libc below us: nothing sane is left to do. */
			fprintf(stderr, "pagemove-preload: dlsym(syscall): %s\n",
				dlerror());
			abort();
		}
		__atomic_store_n(&pm_real_syscall_fn, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

/*
 * Probe the device once. libpagemove keeps its own shared fd, but its
 * open failure would surface as an errno that move_pages(2) also uses
 * (ENOENT, EPERM...), so the preload must know beforehand.
 */
static int pm_device(void)
{
	int state = __atomic_load_n(&pm_device_state, __ATOMIC_ACQUIRE);
	int fd;

	if (state)
		return state;
	fd = pagemove_open();
	if (fd >= 0) {
		close(fd);
		state = 1;
	} else {
		state = fd;
	}
	__atomic_store_n(&pm_device_state, state, __ATOMIC_RELEASE);
	return state;
}

static int pm_fallback_allowed(void)
{
	const char *env = getenv("PAGEMOVE_FALLBACK");

	return env && !strcmp(env, "1");
}

static void pm_log(const char *how, int pid, unsigned long count, long ret)
{
	const char *path = getenv("PAGEMOVE_PRELOAD_LOG");
	int saved = errno;
	int fd;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dprintf(fd, "pagemove-preload: %smove_pages pid=%d count=%lu ret=%ld\n",
			how, pid, count, ret);
		close(fd);
	}
	errno = saved;
}

static long pm_route(int pid, unsigned long count, void **pages,
		     const int *nodes, int *status, int flags)
{
	int state = pm_device();
	int fallback;
	long ret;

	if (state > 0) {
		ret = pagemove_move_pages(pid, count, pages, nodes, status, flags);
		pm_log("", pid, count, ret);
		return ret;
	}

	/* Say why, once: a drop-in that silently changes path is a trap. */
	fallback = pm_fallback_allowed();
	if (!__atomic_exchange_n(&pm_warned, 1, __ATOMIC_ACQ_REL)) {
		if (fallback)
			fprintf(stderr, "pagemove-preload: cannot open %s: %s; "
				"falling back to the move_pages syscall (PAGEMOVE_FALLBACK=1)\n",
				PAGEMOVE_DEVICE, strerror(-state));
		else
			fprintf(stderr, "pagemove-preload: cannot open %s: %s; "
				"move_pages fails with ENOSYS (set PAGEMOVE_FALLBACK=1 to use the syscall)\n",
				PAGEMOVE_DEVICE, strerror(-state));
	}
	if (!fallback) {
		errno = ENOSYS;
		return -1;
	}
	ret = pm_real_syscall()(SYS_move_pages, (long)pid, (long)count,
				(long)pages, (long)nodes, (long)status,
				(long)flags);
	pm_log("fallback ", pid, count, ret);
	return ret;
}

long move_pages(int pid, unsigned long count, void **pages,
		const int *nodes, int *status, int flags)
{
	return pm_route(pid, count, pages, nodes, status, flags);
}

int numa_move_pages(int pid, unsigned long count, void **pages,
		    const int *nodes, int *status, int flags)
{
	return (int)pm_route(pid, count, pages, nodes, status, flags);
}

long syscall(long number, ...)
{
	long a[6];
	va_list ap;
	int i;

	/* The libc ABI passes up to six long arguments; take all of them. */
	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	if (number == SYS_move_pages)
		return pm_route((int)a[0], (unsigned long)a[1], (void **)a[2],
				(const int *)a[3], (int *)a[4], (int)a[5]);
	return pm_real_syscall()(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
