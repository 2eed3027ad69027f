// SPDX-License-Identifier: GPL-2.0
/*
 * PAGEMOVE_MOVE_RANGE: a range of a process to one node, without per-page
 * arrays. The range is the seed path's entries, generated instead of read
 * (request.c), so its checks, statuses and per-node migration (in
 * parallel when large) are the default mode's exactly. The memory policy
 * of the process is left alone.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>
#include "call.h"

static long pm_range_req(struct pagemove_range *req, struct pm_counts *n)
{
	struct pm_target t;
	struct pm_call *c;
	struct pm_budget b = { .max_pages = req->max_pages, .max_usec = req->max_usec,
			       .rate = req->rate };
	u64 end, pages;
	long ret;

	req->next = req->start;
	if (req->flags & ~(PAGEMOVE_MF_MOVE | PAGEMOVE_MF_MOVE_ALL | PAGEMOVE_F_PIDFD |
			   PAGEMOVE_F_INTR) ||
	    req->__reserved)
		return -EINVAL;
	if (!req->length || !PAGE_ALIGNED(req->start) || !PAGE_ALIGNED(req->length) ||
	    check_add_overflow(req->start, req->length, &end))
		return -EINVAL;
	if ((req->flags & PAGEMOVE_MF_MOVE_ALL) && !capable(CAP_SYS_NICE))
		return -EPERM;
	pages = req->length >> PAGE_SHIFT;
	/* The work is per page, as a request of that many entries. */
	if (pages > pm_max_pages)
		return -E2BIG;

	ret = pm_target_get(req->pid, req->flags, &t);
	if (ret)
		return ret;

	ret = -ENOMEM;
	c = pm_call_start(&t, req->flags, req->workers, nr_node_ids, pages);
	if (!c)
		goto out_put;
	c->range = true;
	c->range_start = req->start;
	c->range_node = req->node;
	c->ustatus = u64_to_user_ptr(req->status);
	pm_budget_start(c, &b, req->flags);

	ret = pm_move_seed(c);
	req->next = req->start + (c->next << PAGE_SHIFT);

	req->nr_pages = pages;
	req->nr_moved = c->nr_moved;
	req->nr_in_place = c->nr_in_place;
	req->nr_enoent = c->nr_status[PM_ENOENT];
	req->nr_eacces = c->nr_status[PM_EACCES];
	req->nr_eperm = c->nr_status[PM_EPERM];
	req->nr_ebusy = c->nr_status[PM_EBUSY];
	req->nr_efault = c->nr_status[PM_EFAULT];
	req->nr_enomem = c->nr_status[PM_ENOMEM];
	req->nr_eio = c->nr_status[PM_EIO];
	req->nr_einval = c->nr_status[PM_EINVAL];
	n->moved = c->nr_moved;
	n->in_place = c->nr_in_place;
	n->failed = c->nr_failed;
	pm_call_end(c);
out_put:
	pm_target_put(&t);
	return ret;
}

long pm_move_range(struct pagemove_range *req)
{
	u64 t0 = pm_stat_call_start(true, false, req->pid, req->flags, req->length >> PAGE_SHIFT);
	struct pm_counts n = { 0 };
	long ret = pm_range_req(req, &n);

	pm_stat_call_end(true, false, req->flags, ret, &n, t0);
	return ret;
}
