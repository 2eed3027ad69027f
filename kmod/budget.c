// SPDX-License-Identifier: GPL-2.0
/*
 * Budgets: what one call may cost (pages moved, time, bytes per second),
 * and ordinary signals with PAGEMOVE_F_INTR. A call stops only between
 * two chunks: no page is isolated then, no lock held, every entry read so
 * far answered; the caller resumes at pm_call.next with the same request.
 * Tiering daemons pace move_pages(2) themselves today, from a thread they
 * block for the whole call.
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include "call.h"

/* Chunks with a time budget: about 2 MiB of base pages, a few ms to move. */
#define PM_BUDGET_STEP		512
/* With a rate: chunks of about this fraction of a second's bytes. */
#define PM_RATE_SLICES		10
#define PM_RATE_MIN_STEP	16

int pm_budget_check(const struct pm_budget *b, u32 flags)
{
	/* move_pages(2) has no budget: compat mode stays the syscall. */
	if ((flags & PAGEMOVE_F_COMPAT) &&
	    (b->max_pages || b->max_usec || b->rate || (flags & PAGEMOVE_F_INTR)))
		return -EINVAL;
	return 0;
}

void pm_budget_start(struct pm_call *c, const struct pm_budget *b, u32 flags)
{
	unsigned long pmd_pages = PMD_SIZE >> PAGE_SHIFT;
	u64 step = c->cap;

	c->t0 = ktime_get_ns();
	c->max_pages = b->max_pages;
	c->rate = b->rate;
	c->intr = flags & PAGEMOVE_F_INTR;
	/* Microseconds past what a u64 of nanoseconds holds: no bound. */
	c->deadline = 0;
	if (b->max_usec)
		c->deadline = b->max_usec > (U64_MAX - c->t0) / NSEC_PER_USEC ? U64_MAX :
			      c->t0 + b->max_usec * NSEC_PER_USEC;
	if (c->deadline)
		step = min_t(u64, step, PM_BUDGET_STEP);
	if (c->rate)
		step = min(step, max_t(u64, div64_u64(c->rate, PM_RATE_SLICES * PAGE_SIZE),
				       PM_RATE_MIN_STEP));
	/*
	 * A range's chunks end on huge page boundaries (request.c), so that a
	 * THP is never cut by two chunks of one call: whole huge pages' worth.
	 */
	if (c->range && step < c->cap)
		step = min_t(u64, c->cap, max_t(u64, rounddown(step, pmd_pages), pmd_pages));
	c->step = step;
}

/* Whether the call may read its entries in more than one chunk. */
bool pm_budget_multi(const struct pm_call *c)
{
	return c->count > c->step || (c->max_pages && c->max_pages < c->count);
}

/* The entries the next chunk may take: within @step and what @max_pages leaves. */
unsigned int pm_budget_chunk(const struct pm_call *c)
{
	u64 n = c->step;

	if (c->max_pages)
		n = min(n, c->max_pages - min(c->nr_moved, c->max_pages));
	return max_t(u64, n, 1);
}

/*
 * The nanoseconds @bytes take at @rate bytes a second, without overflow:
 * x86's mul_u64_u64_div_u64() is a divq, which traps on a quotient above
 * 64 bits (a caller's rate of 1 byte a second). Centuries are "never".
 */
static u64 pm_rate_ns(u64 bytes, u64 rate)
{
	u64 secs = div64_u64(bytes, rate), rem = bytes - secs * rate;

	if (secs >= U64_MAX / 4 / NSEC_PER_SEC)
		return U64_MAX / 4;
	/* rem < rate: the quotient is below NSEC_PER_SEC. */
	return secs * NSEC_PER_SEC + mul_u64_u64_div_u64(rem, NSEC_PER_SEC, rate);
}

/*
 * After each chunk, the last one too: sleeps until the bytes migrated so
 * far are what @rate allows by now, so that a call takes at least its
 * bytes / @rate and calls resumed one after another keep the rate. Not cut
 * short by @max_usec (the next chunk is): a call with both may run past
 * its time by one chunk's pace. 0, or -EINTR for a signal that stops the
 * call. The sleep is killable and, with PAGEMOVE_F_INTR, interruptible;
 * it is no load (TASK_NOLOAD), and the hung task detector skips it
 * (TASK_WAKEKILL).
 */
int pm_budget_pace(struct pm_call *c)
{
	u64 due, now;

	if (!c->rate)
		return 0;	/* (and no division by it) */
	due = c->t0 + pm_rate_ns(c->bytes, c->rate);
	for (;;) {
		ktime_t wait;

		now = ktime_get_ns();
		if (now >= due)
			return 0;
		/*
		 * No LRU batch kept off for everyone while this call sleeps:
		 * the next chunk drains again if it must (migrate.c).
		 */
		if (c->lru_off) {
			pm_lru_cache_enable();
			c->lru_off = false;
		}
		c->drained_local = false;
		wait = ns_to_ktime(due - now);
		set_current_state((c->intr ? TASK_INTERRUPTIBLE : TASK_KILLABLE) | TASK_NOLOAD);
		schedule_hrtimeout(&wait, HRTIMER_MODE_REL);
		if (fatal_signal_pending(current) || (c->intr && signal_pending(current)))
			return -EINTR;
	}
}

/*
 * Before a chunk past the first: PAGEMOVE_STOPPED when the budget is
 * spent, -EINTR for a signal that stops the call, 0 to go on.
 */
int pm_budget_spent(struct pm_call *c)
{
	if (fatal_signal_pending(current) || (c->intr && signal_pending(current)))
		return -EINTR;
	if (c->max_pages && c->nr_moved >= c->max_pages)
		return PAGEMOVE_STOPPED;
	if (c->deadline && ktime_get_ns() >= c->deadline)
		return PAGEMOVE_STOPPED;
	return 0;
}
