/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pagemove: move_pages(2) re-implemented as ioctls on /dev/pagemove.
 *
 * The one ABI header, shared by the module, libpagemove, the pagemove
 * command and the selftests. Modelled on iommufd: every struct starts with
 * __u32 size then __u32 flags, user pointers are __aligned_u64, a smaller
 * known size is accepted and a larger one must have a zero tail.
 *
 * Errors common to every command:
 *   -ENOTTY  unknown command
 *   -EFAULT  the struct could not be read or written back
 *   -EINVAL  size smaller than the first published struct, or larger than
 *            this module knows with a non-zero tail (copy_struct_from_user's
 *            -E2BIG, which here would read as "too many pages"), unknown
 *            flag, non-zero reserved field
 */
#ifndef _UAPI_LINUX_PAGEMOVE_H
#define _UAPI_LINUX_PAGEMOVE_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* 0xB9 is not listed in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define PAGEMOVE_TYPE		0xB9
#define PAGEMOVE_DEVICE		"/dev/pagemove"

enum {
	PAGEMOVE_CMD_BASE = 0x80,
	PAGEMOVE_CMD_MOVE = PAGEMOVE_CMD_BASE,
	PAGEMOVE_CMD_MOVE_RANGE,
};

/* Request flags. The first two are numaif.h's MPOL_MF_* values. */
#define PAGEMOVE_MF_MOVE	(1U << 1)	/* MPOL_MF_MOVE: pages mapped only by the target */
#define PAGEMOVE_MF_MOVE_ALL	(1U << 2)	/* MPOL_MF_MOVE_ALL: shared pages too; CAP_SYS_NICE */
#define PAGEMOVE_F_COMPAT	(1U << 16)	/* behave exactly as this kernel's move_pages(2) */
/*
 * @pid is a pidfd (pidfd_open(2), clone3's CLONE_PIDFD), as
 * process_madvise(2) takes one: the target cannot be a process that reused
 * an exited one's pid. Not a pidfd: -EBADF; its process exited: -ESRCH.
 * The permission checks are the pid's (a pidfd grants nothing).
 */
#define PAGEMOVE_F_PIDFD	(1U << 17)
/*
 * Default mode: an ordinary signal, not only a fatal one, stops the call
 * at its next chunk: -EINTR, with @next where to resume and every entry
 * before it answered (see "Budgets"). Without it only a fatal signal
 * stops a call, as with move_pages(2). Not with PAGEMOVE_F_COMPAT.
 */
#define PAGEMOVE_F_INTR		(1U << 18)
#define PAGEMOVE_F_ALL		(PAGEMOVE_MF_MOVE | PAGEMOVE_MF_MOVE_ALL | PAGEMOVE_F_COMPAT | \
				 PAGEMOVE_F_PIDFD | PAGEMOVE_F_INTR)

/*
 * Budgets (default mode, PAGEMOVE_MOVE since size 120 and
 * PAGEMOVE_MOVE_RANGE since size 176): a request may bound what it costs.
 *   @max_pages  at most this many entries (range: pages) moved by the call
 *   @max_usec   stop once this many microseconds have passed
 *   @rate       at most this many bytes migrated per second: the call
 *               sleeps after each chunk, the last one too, until its bytes
 *               so far are what the rate allows, so that calls resumed one
 *               after another keep the rate (with @max_usec too, a call may
 *               run past its time by one chunk's pace)
 * 0 is no bound. A call stops only between two chunks of entries, each
 * looked up and migrated whole (4096 entries; with @max_usec 512, with
 * @rate about a tenth of a second's worth, a range's chunks never below
 * one PMD-sized huge page's pages), and always answers its first chunk,
 * so that every call makes progress. It then returns PAGEMOVE_STOPPED
 * with @next the first entry (range: address) it did not reach; the
 * entries before it have their statuses and are counted, the ones from
 * it on are untouched. The same request with @pages, @nodes and @status
 * advanced to @next (range: @start = @next, @length what is left) goes
 * on. A huge page moves whole: a call that stopped inside one leaves its
 * later pages on the node already, and the next call reports them in
 * place. @rate counts the bytes of the folios migrated (a THP named by
 * one entry is its whole size). A query (no @nodes) honours @max_usec
 * and PAGEMOVE_F_INTR; it moves nothing, so @max_pages and @rate do not
 * apply. Compat mode refuses any budget with -EINVAL: the syscall has none.
 */
#define PAGEMOVE_STOPPED	1

/**
 * struct pagemove_move - PAGEMOVE_MOVE: move (or query) pages of a process
 * @size: (in) sizeof(struct pagemove_move) as the caller knows it
 * @flags: (in) PAGEMOVE_MF_MOVE, PAGEMOVE_MF_MOVE_ALL, PAGEMOVE_F_COMPAT,
 *	PAGEMOVE_F_PIDFD, PAGEMOVE_F_INTR
 * @pid: (in) target process; 0 means the caller (with PAGEMOVE_F_PIDFD: a
 *	pidfd of the target, 0 is file descriptor 0)
 * @__reserved: (in) must be 0
 * @count: (in) number of entries in @pages, @nodes and @status
 * @pages: (in) user pointer to __u64[count], virtual addresses in the target
 * @nodes: (in) user pointer to __s32[count] target nodes, or 0 to query
 * @status: (in) user pointer to __s32[count], written by the call
 * @nr_moved: (out) entries whose page this call moved to its target node
 * @nr_in_place: (out) entries already on their target (query: entries with
 *	a node status)
 * @nr_failed: (out) entries with a negative status (compat mode: also the
 *	entries the syscall would leave unwritten)
 * @workers: (in, since size 88) most CPUs a large migration may use: 0 =
 *	the module's workers parameter (default: every online CPU, at most 8),
 *	1 = only the caller's. A batch of at least 256 pages (128 per worker)
 *	for one node is split into contiguous shares migrated at the same time
 *	by the caller and by threads of the caller's process, which the module
 *	makes for the batch and which exit before the call returns: they are
 *	in the caller's cgroups (cpu.max, cpu.weight, cpuset, pids.max), run
 *	with the calling thread's CPU affinity, nice value and scheduling
 *	class (isolated CPUs are not counted, and a caller whose affinity
 *	leaves them out keeps its workers off them), their CPU time the process's;
 *	where no thread can be made (RLIMIT_NPROC, pids.max) the caller
 *	migrates that share itself. Results and statuses are those of one
 *	migrate_pages() call
 * @__reserved2: (in) must be 0
 * @max_pages, @max_usec, @rate: (in, since size 120) the call's budget,
 *	0 = none (see "Budgets")
 * @next: (out, since size 120) the first entry the call did not reach:
 *	@count when it answered them all; where a budget, a signal or an
 *	-EFAULT stopped it otherwise (not written when the call was refused)
 * @result: (out) the call's return value, also returned by ioctl(2); as
 *	ioctl(2) returns an int, a positive value above INT_MAX (compat mode,
 *	count above INT_MAX) comes back from ioctl(2) as INT_MAX, and only
 *	@result has it (libpagemove returns @result); a count above
 *	LLONG_MAX saturates @result at LLONG_MAX (move_pages(2)'s int wraps
 *	there, even to values that read as an errno)
 *
 * Default semantics (the 2006 move_pages seed contract, the same on every
 * kernel): every entry gets a final status, even when others fail.
 *   0..N   the node the page is on when the call returns (as the call
 *            left it: the kernel may move a page itself at any moment,
 *            as move_pages(2)'s answers also allow: khugepaged collapsing
 *            a split THP's pages into a new THP on one node, NUMA
 *            balancing, memory going offline)
 *   -ENOENT  a VMA but no page mapped (never touched, swapped out, unread file);
 *            also a hugetlb page whose entry another migration is rewriting
 *            at that very instant (the kernel's lockless page-table walk
 *            sees it cleared; move_pages(2) answers the same)
 *   -EACCES  the page is shared and PAGEMOVE_MF_MOVE_ALL was not given
 *   -EPERM   the page is pinned (FOLL_LONGTERM/DMA); not attempted.
 *            Plain mlock does not prevent migration: mlocked pages move.
 *   -EBUSY   isolation failed, or migration still failed after retries,
 *            or the page was being migrated by someone else (its PTE a
 *            migration entry: busy, not absent as move_pages(2) says).
 *            A folio off the LRU is retried once this CPU's and then every
 *            CPU's LRU batches are drained (pages just faulted wait there).
 *            A mapped driver page that is non-LRU movable (movable_ops) is
 *            -EBUSY without isolation: only a driver can map one (its
 *            ->mapping holds the ops, so rmap cannot unmap it), migration
 *            could never succeed, and move_pages(2) does the same.
 *   -EFAULT  no VMA, a VMA that cannot migrate (VM_IO, VM_PFNMAP, DAX),
 *            the zero page or the huge zero page ([vvar] on 6.x; 7.x maps
 *            it otherwise, and its addresses read -ENOENT there)
 *   -ENOMEM  allocation on the target node failed for this page (or, once
 *            a retry for that node moved nothing, for the pages still
 *            waiting for it: the node is full); the call goes on with the
 *            others
 *   -EIO     dirty file page, no migration function, writeback failed
 *   -EINVAL  dirty file page, neither migration function nor writeback
 *            (-EIO and -EINVAL: 6.x only. 7.x has no ->writepage: such a
 *            dirty page is -EBUSY there)
 *   -ENODEV, -EACCES  only when another thread changed this entry's node
 *            to an invalid one after validation (see below)
 *
 * Return values (default semantics), checked in this order; arguments are
 * validated before any page is touched, so a refused call moves nothing:
 *   0        every entry has its status
 *   -EINVAL  unknown flag, non-zero reserved field, bad size, or the target
 *            has no mm (kernel thread, exiting)
 *   -EPERM   MOVE_ALL without CAP_SYS_NICE, or
 *            ptrace_may_access(PTRACE_MODE_READ_REALCREDS) refused
 *   -ESRCH   no such pid (PAGEMOVE_F_PIDFD: the pidfd's process exited,
 *            reaped or not)
 *   -EBADF   PAGEMOVE_F_PIDFD, and @pid is not an open pidfd
 *   -EOPNOTSUPP  PAGEMOVE_F_PIDFD on a kernel whose pidfd_get_task() the
 *            module could not resolve (the load says so)
 *   (LSM)    security_task_movememory's own errno
 *   -E2BIG   count above the max_pages module parameter (default 1048576);
 *            compat mode has no limit, like the syscall
 *   -EFAULT  pages, nodes or status could not be accessed
 *   -ENODEV  a target node out of range, or without memory (N_MEMORY)
 *   -EACCES  a target node outside the target task's cpuset mems
 *   -ENOENT  move mode, and no entry needed moving (all in place, absent,
 *            invalid, or shared without MOVE_ALL); statuses are written
 *   -ENOMEM  the module could not allocate its own working memory: one
 *            allocation per call, sized by min(count, 4096) entries and the
 *            node count (never by count), charged to the caller's memory
 *            cgroup, which refuses it rather than OOM-kill; nothing was
 *            moved and no status written
 *   1        PAGEMOVE_STOPPED: a budget ran out before the last entry;
 *            @next is where to resume (see "Budgets")
 *   -EINTR   a fatal signal (the caller is being killed), or with
 *            PAGEMOVE_F_INTR any signal, stopped the call
 *            part way: the pages it had isolated and not yet migrated are
 *            put back, unmoved; what earlier batches moved stays moved,
 *            with their statuses written (default and compat mode, queries
 *            and PAGEMOVE_MOVE_RANGE alike)
 *
 * Conflicts (default semantics): entries of one call that name the same
 * folio, or the same address, for different nodes. Every status is still
 * where the page is when the call returns, and the counts count entries:
 *   - a THP (a large folio other than hugetlb) is split, and each of its
 *     pages goes to the node the last entry naming that page asked for;
 *     pages of it that no entry names stay where they are. A THP whose
 *     entries all ask one node moves whole. This holds across the 4096-
 *     entry chunks a call is read in when the THP's pages are listed in
 *     order (the pages the earlier chunk moved stay where it moved them);
 *   - a page that cannot be split (hugetlb, a base page named twice, a THP
 *     the kernel will not split: pinned, under writeback) goes where the
 *     last entry naming it asked, as if the entries were carried out in
 *     order (move_pages(2)'s final placement too);
 *   - an entry that asked for another node than the one its page went to
 *     gets the node the page is on, counted in @nr_failed (status >= 0 but
 *     not its node); if that page's migration failed, the node it stayed
 *     on. Entries asking for the same node share the page's fate: moved
 *     (all counted in @nr_moved), or the same errno.
 * A call longer than one chunk reads its earlier chunks once more at the
 * end and rewrites the node statuses a later chunk made untrue (where the
 * page is now), with the counts. move_pages(2), and so compat mode,
 * answers such entries differently: it migrates a THP whole once per
 * entry (each its own migrate_pages() call), and each status is where
 * the page was at that moment, so earlier entries may name a node the
 * page has left; a base page named twice in a run of entries for one node
 * gets -EBUSY for the second entry (default mode: both moved).
 *
 * Arrays that change during a call: @pages, @nodes and @status are user
 * memory that another thread may rewrite at any moment. The module reads
 * each value once into its own copy and checks it where it is used, so
 * what changed mid-call gets an answer for what was read, never harm:
 * a call above 4096 entries validates every node first, then reads each
 * chunk of 4096 again when it reaches it; an entry whose node is no longer
 * valid then gets that errno as its status (-ENODEV or -EACCES) while the
 * other entries go on, and a chunk that became unreadable ends the call
 * with -EFAULT (earlier chunks keep their statuses and moves). Likewise
 * the address space may change under a call (munmap, mprotect, mremap,
 * MADV_DONTNEED, the target exiting): each page gets the status of what
 * its address held when it was looked up.
 *
 * Compat semantics (PAGEMOVE_F_COMPAT): exactly the running kernel's
 * move_pages(2): its return value (0, a positive count of failed folios plus
 * entries not reached, or -errno) and its status entries, written or left
 * unwritten as the syscall leaves them, including each kernel's quirks.
 */
struct pagemove_move {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__u32 __reserved;
	__aligned_u64 count;
	__aligned_u64 pages;
	__aligned_u64 nodes;
	__aligned_u64 status;
	__aligned_u64 nr_moved;
	__aligned_u64 nr_in_place;
	__aligned_u64 nr_failed;
	__s64 result;
	__u32 workers;
	__u32 __reserved2;
	__aligned_u64 max_pages;
	__aligned_u64 max_usec;
	__aligned_u64 rate;
	__aligned_u64 next;
};
#define PAGEMOVE_MOVE_SIZE_VER0	80	/* first published size */
#define PAGEMOVE_MOVE_SIZE_VER1	88	/* adds workers */
#define PAGEMOVE_MOVE_SIZE_VER2	120	/* adds the budgets and next */
#define PAGEMOVE_MOVE		_IO(PAGEMOVE_TYPE, PAGEMOVE_CMD_MOVE)

/**
 * struct pagemove_range - PAGEMOVE_MOVE_RANGE: move a range of a process to a node
 * @size: (in) sizeof(struct pagemove_range) as the caller knows it
 * @flags: (in) PAGEMOVE_MF_MOVE, PAGEMOVE_MF_MOVE_ALL, PAGEMOVE_F_PIDFD,
 *	PAGEMOVE_F_INTR (no PAGEMOVE_F_COMPAT)
 * @pid: (in) target process; 0 means the caller (PAGEMOVE_F_PIDFD: a pidfd)
 * @node: (in) the node every page of the range should be on
 * @start: (in) first address, page aligned
 * @length: (in) bytes, a multiple of the page size, not 0
 * @status: (in) 0, or a user pointer to __s32[length / page size] that
 *	gets each page's status, as PAGEMOVE_MOVE's would be
 * @workers: (in) as in struct pagemove_move
 * @__reserved: (in) must be 0
 * @nr_pages: (out) pages in the range (length / page size)
 * @nr_moved: (out) pages this call moved to @node
 * @nr_in_place: (out) pages already on @node
 * @nr_enoent ... @nr_einval: (out) pages with that status; a page in no
 *	VMA, or in one that cannot migrate, counts in @nr_efault
 * @result: (out) the call's return value, also returned by ioctl(2)
 * @max_pages, @max_usec, @rate: (in, since size 176) as in struct
 *	pagemove_move (see "Budgets")
 * @next: (out, since size 176) the first address the call did not reach:
 *	@start + @length when it answered every page
 *
 * The whole range, without per-page arrays: the same checks, permissions
 * and statuses as PAGEMOVE_MOVE in default mode with every entry naming
 * @node, the range read in chunks of 4096 pages, each chunk migrated per
 * node (in parallel when large). The process's memory policy is not
 * changed (mbind(2) with MPOL_MF_MOVE changes it). Returns 0, or -ENOENT
 * when no page needed moving (counts and statuses are still written), or
 * PAGEMOVE_STOPPED (a budget: resume at @next), or the errors of
 * PAGEMOVE_MOVE: -EINVAL also for an unaligned @start or
 * @length, a zero @length or a range that wraps; -EFAULT for a @status
 * array that cannot be written (nothing moved then).
 */
struct pagemove_range {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__s32 node;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 status;
	__u32 workers;
	__u32 __reserved;
	__aligned_u64 nr_pages;
	__aligned_u64 nr_moved;
	__aligned_u64 nr_in_place;
	__aligned_u64 nr_enoent;
	__aligned_u64 nr_eacces;
	__aligned_u64 nr_eperm;
	__aligned_u64 nr_ebusy;
	__aligned_u64 nr_efault;
	__aligned_u64 nr_enomem;
	__aligned_u64 nr_eio;
	__aligned_u64 nr_einval;
	__s64 result;
	__aligned_u64 max_pages;
	__aligned_u64 max_usec;
	__aligned_u64 rate;
	__aligned_u64 next;
};
#define PAGEMOVE_RANGE_SIZE_VER0	144	/* first published size */
#define PAGEMOVE_RANGE_SIZE_VER1	176	/* adds the budgets and next */
#define PAGEMOVE_MOVE_RANGE	_IO(PAGEMOVE_TYPE, PAGEMOVE_CMD_MOVE_RANGE)

#endif /* _UAPI_LINUX_PAGEMOVE_H */
