// SPDX-License-Identifier: GPL-2.0
/*
 * The target of a request: the task, its permission checks and its mm, in
 * the syscall's order (flags and CAP_SYS_NICE are checked by the caller).
 */
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/ptrace.h>
#include <linux/err.h>
#include "pagemove.h"

int pm_target_get(pid_t pid, u32 flags, struct pm_target *t)
{
	struct task_struct *task;
	int err;

	/* Moving one's own pages needs no permission check. */
	if (!pid) {
		if (!current->mm)
			return -EINVAL;
		mmget(current->mm);
		t->mm = current->mm;
		t->nodes = pm_call(cpuset_mems_allowed)(current);
		return 0;
	}

	task = pm_call(find_get_task_by_vpid)(pid);
	if (!task)
		return -ESRCH;

	err = -EPERM;
	if (!pm_call(ptrace_may_access)(task, PTRACE_MODE_READ_REALCREDS))
		goto out;
	err = pm_call(security_task_movememory)(task);
	if (err)
		goto out;
	t->nodes = pm_call(cpuset_mems_allowed)(task);
	t->mm = get_task_mm(task);
	err = t->mm ? 0 : -EINVAL;	/* a kernel thread, or exiting */
out:
	put_task_struct(task);
	return err;
}

void pm_target_put(struct pm_target *t)
{
	mmput(t->mm);
	t->mm = NULL;
}
