// SPDX-License-Identifier: GPL-2.0
/* /dev/pagemove: the misc device, its ioctl dispatch and the module's life. */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "pagemove.h"

#define PAGEMOVE_VERSION "0.1.0"

unsigned long pm_max_pages = 1UL << 20;
module_param_named(max_pages, pm_max_pages, ulong, 0644);
MODULE_PARM_DESC(max_pages, "Most entries one default-mode request may carry (-E2BIG above; default 1048576)");

unsigned int pm_workers;
module_param_named(workers, pm_workers, uint, 0644);
MODULE_PARM_DESC(workers, "Most CPUs one large migration may use (0 = auto: online CPUs, at most 8; 1 = the caller's only)");

/*
 * Reads an extensible request (iommufd style): @usize is the caller's idea
 * of its size; a smaller known size is accepted, a larger one needs a zero
 * tail. Read once: the module works on its copy from here on.
 */
static int pm_copy_in(void __user *argp, void *req, size_t ksize, size_t minsize, u32 *usize)
{
	int err;

	if (get_user(*usize, (u32 __user *)argp))
		return -EFAULT;
	if (*usize < minsize || *usize > PAGE_SIZE)
		return -EINVAL;
	err = copy_struct_from_user(req, ksize, argp, *usize);
	return err == -E2BIG ? -EINVAL : err;	/* -E2BIG means "too many pages" here */
}

/*
 * Writes back only the (out) fields [@out, @end) the caller's size covers,
 * and the result as ioctl(2) can return it: an int, so a compat count above
 * INT_MAX comes back as INT_MAX and only ->result has it.
 */
static long pm_copy_out(void __user *argp, const void *req, u32 usize, size_t out, size_t end,
			long ret)
{
	if (copy_to_user(argp + out, req + out, min_t(size_t, usize, end) - out) && ret >= 0)
		return -EFAULT;
	return min_t(long, ret, INT_MAX);
}

/* And @next, past the budget fields (in), when the caller's size covers it. */
static long pm_copy_next(u64 __user *unext, u64 next, u32 usize, size_t end, long ret)
{
	if (usize >= end && put_user(next, unext) && ret >= 0)
		return -EFAULT;
	return ret;
}

static long pm_ioctl_move(void __user *argp)
{
	struct pagemove_move req;
	u32 usize;
	int err = pm_copy_in(argp, &req, sizeof(req), PAGEMOVE_MOVE_SIZE_VER0, &usize);

	if (err)
		return err;
	req.result = pm_move(&req);
	return pm_copy_out(argp, &req, usize, offsetof(struct pagemove_move, nr_moved),
			   offsetofend(struct pagemove_move, result),
			   pm_copy_next(&((struct pagemove_move __user *)argp)->next, req.next,
					usize, offsetofend(struct pagemove_move, next), req.result));
}

static long pm_ioctl_range(void __user *argp)
{
	struct pagemove_range req;
	u32 usize;
	int err = pm_copy_in(argp, &req, sizeof(req), PAGEMOVE_RANGE_SIZE_VER0, &usize);

	if (err)
		return err;
	req.result = pm_move_range(&req);
	return pm_copy_out(argp, &req, usize, offsetof(struct pagemove_range, nr_pages),
			   offsetofend(struct pagemove_range, result),
			   pm_copy_next(&((struct pagemove_range __user *)argp)->next, req.next,
					usize, offsetofend(struct pagemove_range, next), req.result));
}

static long pm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case PAGEMOVE_MOVE:
		return pm_ioctl_move(argp);
	case PAGEMOVE_MOVE_RANGE:
		return pm_ioctl_range(argp);
	default:
		return -ENOIOCTLCMD;
	}
}

static const struct file_operations pm_fops = {
	.owner = THIS_MODULE,	/* an open fd pins the module */
	.unlocked_ioctl = pm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * Open to every user, like move_pages(2): the permission checks of each
 * request are what protect other processes.
 */
static struct miscdevice pm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pagemove",
	.fops = &pm_fops,
	.mode = 0666,
	.groups = pm_groups,	/* stats/: the counters, every user may read them */
};

/*
 * debugfs pagemove/symbols (root only): what was resolved, and where;
 * pagemove/split_fixed: statuses the look-up after a THP split corrected.
 */
DEFINE_SHOW_ATTRIBUTE(pm_symbols);
static struct dentry *pm_debugfs;

static int __init pm_init(void)
{
	int err;

	err = pm_symbols_resolve();
	if (err)
		goto err_symbols;
	err = misc_register(&pm_misc);
	if (err)
		goto err_misc;
	/* Best effort: a kernel without debugfs loses only the listing. */
	pm_debugfs = debugfs_create_dir("pagemove", NULL);
	debugfs_create_file("symbols", 0400, pm_debugfs, NULL, &pm_symbols_fops);
	debugfs_create_atomic_t("split_fixed", 0400, pm_debugfs, &pm_split_fixed);
	pr_info("pagemove " PAGEMOVE_VERSION " ready: /dev/pagemove\n");
	return 0;

err_misc:
err_symbols:
	return err;
}

static void __exit pm_exit(void)
{
	debugfs_remove(pm_debugfs);
	misc_deregister(&pm_misc);
}

module_init(pm_init);
module_exit(pm_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("pagemove developers");
MODULE_DESCRIPTION("move_pages(2) re-implemented as ioctls on /dev/pagemove");
MODULE_VERSION(PAGEMOVE_VERSION);
