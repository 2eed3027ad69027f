// SPDX-License-Identifier: GPL-2.0
/*
 * The target of a request: the task, its permission checks and its mm, in
 * the syscall's order (flags and CAP_SYS_NICE are checked by the caller).
 */
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/sched/signal.h>
#include <linux/ptrace.h>
#include <linux/err.h>
#include "pagemove.h"

int pm_target_get(pid_t pid, u32 flags, struct pm_target *t)
{
	struct task_struct *task;
	int err;

	/* Moving one's own pages needs no permission check. */
	if (!pid && !(flags & PAGEMOVE_F_PIDFD)) {
		if (!current->mm)
			return -EINVAL;
		mmget(current->mm);
		t->mm = current->mm;
		t->nodes = pm_call(cpuset_mems_allowed)(current);
		return 0;
	}

	if (flags & PAGEMOVE_F_PIDFD) {
		unsigned int f_flags;

		/* Where process_madvise(2) and process_mrelease(2) take theirs. */
		if (!pm_sym.have_pidfd_get_task)
			return -EOPNOTSUPP;
		task = pm_call(pidfd_get_task)(pid, &f_flags);
		if (IS_ERR(task))
			return PTR_ERR(task);
	} else {
		task = pm_call(find_get_task_by_vpid)(pid);
		if (!task)
			return -ESRCH;
	}

	/*
	 * As 7.x's find_mm_struct(), on every kernel: exec_update_lock held
	 * from the permission checks to get_task_mm(), so that an exec in
	 * between cannot hand over the new image's mm, checked against the
	 * old credentials.
	 */
	err = down_read_killable(&task->signal->exec_update_lock);
	if (err)
		goto out;
	err = -EPERM;
	if (!pm_call(ptrace_may_access)(task, PTRACE_MODE_READ_REALCREDS))
		goto out_unlock;
	err = pm_call(security_task_movememory)(task);
	if (err)
		goto out_unlock;
	t->nodes = pm_call(cpuset_mems_allowed)(task);
	t->mm = get_task_mm(task);
	err = 0;
	/*
	 * A kernel thread, or exiting: -EINVAL as the syscall says. A pidfd
	 * names one process for good, so that one having exited is -ESRCH,
	 * whether or not it was reaped.
	 */
	if (!t->mm)
		err = (flags & PAGEMOVE_F_PIDFD) && (task->flags & PF_EXITING) ? -ESRCH : -EINVAL;
out_unlock:
	up_read(&task->signal->exec_update_lock);
out:
	put_task_struct(task);
	return err;
}

void pm_target_put(struct pm_target *t)
{
	mmput(t->mm);
	t->mm = NULL;
}
