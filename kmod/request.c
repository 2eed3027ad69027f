// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a request's arrays from user memory, and validating them. User
 * memory may change at any moment: what is read here lands in the call's
 * own copy, and each value is checked again where it is used.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "call.h"

/*
 * Reads the chunk starting at @base. Returns how many leading entries are
 * readable; the first unreadable one is where the syscall would stop.
 */
unsigned int pm_read_chunk(struct pm_call *c, u64 base, bool with_nodes)
{
	unsigned int want = min_t(u64, c->lim ?: c->cap, c->count - base), n, m, i;

	if (c->range) {
		/*
		 * No arrays: the chunk's pages and the one node. The first
		 * chunk ends at a PMD boundary so that no later one splits a
		 * THP: its pages would look "already in place" to the next.
		 */
		if (!base && !IS_ALIGNED(c->range_start, PMD_SIZE))
			want = min_t(u64, want, (ALIGN(c->range_start, PMD_SIZE) - c->range_start) >>
						PAGE_SHIFT);
		for (i = 0; i < want; i++) {
			c->addr[i] = c->range_start + ((base + i) << PAGE_SHIFT);
			c->node[i] = c->range_node;
		}
		c->base = base;
		c->nr = want;
		return want;
	}

	/*
	 * copy_from_user returns the bytes it did not copy, and may stop short
	 * of the fault (arm64 copies one byte further than x86): an entry is
	 * read only when all of its bytes were, so the uncopied bytes are
	 * rounded up to whole entries. An entry that straddles the fault (a
	 * misaligned array) would otherwise count as read, half user bytes and
	 * half what the buffer held before. The edge is then settled entry by
	 * entry with get_user, which reads an entry whole or faults, as the
	 * syscall reads it.
	 */
	n = want - DIV_ROUND_UP(copy_from_user(c->addr, c->upages + base, want * sizeof(u64)),
				sizeof(u64));
	for (i = n; i < want; i++)
		if (get_user(c->addr[i], c->upages + base + i))
			break;
	n = i;
	if (with_nodes) {
		m = want - DIV_ROUND_UP(copy_from_user(c->node, c->unodes + base,
						       want * sizeof(s32)), sizeof(s32));
		for (i = m; i < want; i++)
			if (get_user(c->node[i], c->unodes + base + i))
				break;
		n = min(n, i);
	}
	c->base = base;
	c->nr = want;
	return n;
}

int pm_check_node(const struct pm_call *c, int node)
{
	if (node < 0 || node >= MAX_NUMNODES || !node_state(node, N_MEMORY))
		return -ENODEV;
	if (!node_isset(node, c->task_nodes))
		return -EACCES;
	return 0;
}

/*
 * The status array must be writable before any page moves: write back what
 * it holds, a chunk at a time (faulting it in; cheaper than a GUP walk).
 */
int pm_probe_status(struct pm_call *c)
{
	u64 base;

	if (c->range && !c->ustatus)
		return 0;	/* a range request without a status array */
	for (base = 0; base < c->count; base += c->cap) {
		size_t len = min_t(u64, c->cap, c->count - base) * sizeof(s32);

		if (copy_from_user(c->status, c->ustatus + base, len) ||
		    copy_to_user(c->ustatus + base, c->status, len))
			return -EFAULT;
	}
	return 0;
}

/*
 * The call's working memory, one allocation whose size depends on the
 * chunk (at most PM_CHUNK entries) and the node count, never on @count.
 * Charged to the caller's memory cgroup; it fails rather than OOM-kill.
 */
struct pm_call *pm_call_alloc(unsigned int nr_lists, unsigned int cap)
{
	size_t per = sizeof(u64) + 2 * sizeof(s32) + sizeof(struct pm_page);
	struct pm_call *c;
	unsigned int n;

	c = kvmalloc(sizeof(*c) + nr_lists * sizeof(struct list_head) + cap * per,
		     GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->cap = cap;
	c->nr_lists = nr_lists;
	c->lists = (struct list_head *)(c + 1);
	for (n = 0; n < nr_lists; n++)
		INIT_LIST_HEAD(&c->lists[n]);
	c->pg = (struct pm_page *)(c->lists + nr_lists);
	c->addr = (u64 *)(c->pg + cap);
	c->node = (s32 *)(c->addr + cap);
	c->status = c->node + cap;
	return c;
}
