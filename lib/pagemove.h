/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpagemove: move pages of a process between NUMA nodes through
 * /dev/pagemove. Functions return a value >= 0 or -errno, except
 * pagemove_move_pages(), which keeps numaif.h's move_pages() contract.
 */
#ifndef PAGEMOVE_H
#define PAGEMOVE_H

#include <linux/pagemove.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opens /dev/pagemove (O_CLOEXEC): an fd, or -errno. */
int pagemove_open(void);

/*
 * The native call: fills @req->size, issues PAGEMOVE_MOVE and returns its
 * result (default semantics: 0 or -errno; with PAGEMOVE_F_COMPAT also a
 * positive count). The summary fields of @req are filled in.
 */
long pagemove_move(int fd, struct pagemove_move *req);

/*
 * PAGEMOVE_MOVE_RANGE: fills @req->size and moves [start, start + length)
 * of @req->pid to @req->node; returns the result (0 or -errno), with the
 * per-status counts filled in.
 */
long pagemove_move_range(int fd, struct pagemove_range *req);

/*
 * Drop-in for numaif.h's move_pages(): the running kernel's move_pages(2)
 * semantics (compat mode) on a process-wide /dev/pagemove fd opened on
 * first use. Returns 0, a positive count, or -1 with errno set.
 */
long pagemove_move_pages(int pid, unsigned long count, void **pages,
			 const int *nodes, int *status, int flags);

#ifdef __cplusplus
}
#endif

#endif /* PAGEMOVE_H */
