// SPDX-License-Identifier: GPL-2.0
/*
 * pm_testfs: a test-only filesystem for the pagemove selftests. It exists to
 * reach the two statuses (-EIO, -EINVAL) no stock filesystem in the guest
 * produces the way include/uapi/linux/pagemove.h and pagemove(4) word them,
 * for real: its address_space_operations have no migrate_folio, so the
 * kernel migrates a dirty page of it only by writing it back first
 * (fallback_migrate_folio -> writeout).
 *
 * A mount holds two fixed files, 16 pages each, zero-filled, in memory:
 *   writepage-fails  ->writepage redirties the page and fails with -EIO:
 *                    migrating a dirty page of it gives -EIO
 *   no-writepage     neither migrate_folio nor writepage: -EINVAL
 *
 * /sys/module/pm_testfs/parameters/writepage_calls counts the writeback
 * attempts, so a test can tell that writeback was really tried. Never load
 * this outside a test guest.
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/pagemap.h>
#include <linux/writeback.h>
#include <linux/highmem.h>

#define PMT_MAGIC	0x706d7466	/* "pmtf" */
#define PMT_PAGES	16

static atomic_t pmt_writepage_calls = ATOMIC_INIT(0);

static int pmt_calls_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&pmt_writepage_calls));
}

static const struct kernel_param_ops pmt_calls_ops = { .get = pmt_calls_get };
module_param_cb(writepage_calls, &pmt_calls_ops, NULL, 0444);
MODULE_PARM_DESC(writepage_calls, "Writeback attempts on writepage-fails pages so far");

/* Whether this kernel has ->writepage at all (7.x has not): which statuses the tests expect. */
#ifdef PM_HAVE_WRITEPAGE
static int pmt_has_writepage = 1;
#else
static int pmt_has_writepage;
#endif
module_param_named(has_writepage, pmt_has_writepage, int, 0444);
MODULE_PARM_DESC(has_writepage, "1 if this kernel's address_space_operations have writepage");

static int pmt_read_folio(struct file *file, struct folio *folio)
{
	folio_zero_range(folio, 0, folio_size(folio));
	folio_mark_uptodate(folio);
	folio_unlock(folio);
	return 0;
}

/* The device "fails": the page stays dirty, the error is reported. */
static int __maybe_unused pmt_writepage_fail(struct page *page, struct writeback_control *wbc)
{
	atomic_inc(&pmt_writepage_calls);
	redirty_page_for_writepage(wbc, page);
	unlock_page(page);
	return -EIO;
}

/*
 * 7.x has no ->writepage: there both files are "no-writepage" ones, and a
 * dirty page of either gets -EBUSY (the kernel cannot write it back to
 * migrate it), which the selftests expect there.
 */
static const struct address_space_operations pmt_aops_fail = {
	.read_folio	= pmt_read_folio,
	.dirty_folio	= noop_dirty_folio,
#ifdef PM_HAVE_WRITEPAGE
	.writepage	= pmt_writepage_fail,
#endif
};

static const struct address_space_operations pmt_aops_none = {
	.read_folio	= pmt_read_folio,
	.dirty_folio	= noop_dirty_folio,
};

static const struct file_operations pmt_file_ops = {
	.read_iter	= generic_file_read_iter,
	.mmap		= generic_file_mmap,
	.fsync		= noop_fsync,
	.llseek		= generic_file_llseek,
};

static const struct super_operations pmt_super_ops = {
	.statfs		= simple_statfs,
#ifdef PM_HAVE_INODE_JUST_DROP
	.drop_inode	= inode_just_drop,	/* 7.x's name for it */
#else
	.drop_inode	= generic_delete_inode,
#endif
};

static struct inode *pmt_inode(struct super_block *sb, umode_t mode)
{
	struct inode *inode = new_inode(sb);

	if (inode) {
		inode->i_ino = get_next_ino();
		inode->i_mode = mode;
	}
	return inode;
}

static int pmt_add_file(struct dentry *root, const char *name,
			const struct address_space_operations *aops)
{
	struct inode *inode = pmt_inode(root->d_sb, S_IFREG | 0666);
	struct dentry *dentry;

	if (!inode)
		return -ENOMEM;
	inode->i_fop = &pmt_file_ops;
	inode->i_mapping->a_ops = aops;
	i_size_write(inode, PMT_PAGES * PAGE_SIZE);
	dentry = d_alloc_name(root, name);
	if (!dentry) {
		iput(inode);
		return -ENOMEM;
	}
#ifdef PM_HAVE_KILL_LITTER_SUPER
	d_add(dentry, inode);	/* the reference stays: kill_litter_super drops it */
#else
	/* 7.x: a persistent dentry, dropped by kill_anon_super(). */
	d_make_persistent(dentry, inode);
	dput(dentry);
#endif
	return 0;
}

static int pmt_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct inode *root;
	int err;

	sb->s_magic = PMT_MAGIC;
	sb->s_op = &pmt_super_ops;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_maxbytes = PMT_PAGES * PAGE_SIZE;
	sb->s_time_gran = 1;

	root = pmt_inode(sb, S_IFDIR | 0755);
	if (!root)
		return -ENOMEM;
	root->i_op = &simple_dir_inode_operations;
	root->i_fop = &simple_dir_operations;
	set_nlink(root, 2);
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;
	err = pmt_add_file(sb->s_root, "writepage-fails", &pmt_aops_fail);
	if (!err)
		err = pmt_add_file(sb->s_root, "no-writepage", &pmt_aops_none);
	return err;
}

static int pmt_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, pmt_fill_super);
}

static const struct fs_context_operations pmt_context_ops = {
	.get_tree	= pmt_get_tree,
};

static int pmt_init_fs_context(struct fs_context *fc)
{
	fc->ops = &pmt_context_ops;
	return 0;
}

static struct file_system_type pmt_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "pm_testfs",
	.init_fs_context	= pmt_init_fs_context,
#ifdef PM_HAVE_KILL_LITTER_SUPER
	.kill_sb		= kill_litter_super,
#else
	.kill_sb		= kill_anon_super,
#endif
};

static int __init pmt_init(void)
{
	return register_filesystem(&pmt_fs_type);
}

static void __exit pmt_exit(void)
{
	unregister_filesystem(&pmt_fs_type);
}

module_init(pmt_init);
module_exit(pmt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pagemove selftests: a filesystem without migrate_folio (test only)");
MODULE_ALIAS_FS("pm_testfs");
