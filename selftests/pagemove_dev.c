// SPDX-License-Identifier: GPL-2.0
/* /dev/pagemove as a device: presence, topology, ioctl ABI edges, module life. */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "kselftest_harness.h"
#include "pm_test.h"

static int pm_load(const char *params)
{
	int fd = open(PM_KO, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int pm_unload(void)
{
	return syscall(SYS_delete_module, "pagemove", O_NONBLOCK) ? -errno : 0;
}

static int pm_loaded(void)
{
	return access("/sys/module/pagemove", F_OK) == 0;
}

TEST(device_exists)
{
	struct stat st;

	ASSERT_EQ(0, stat(PAGEMOVE_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* Open to every user, like the syscall; each request checks permissions. */
	EXPECT_EQ(0666, st.st_mode & 0777);
}

TEST(topology)
{
	/* node0,1: CPUs + memory; node2: memory only; node3: CPU only. */
	EXPECT_EQ(0xfUL, pm_read_nodemask("online"));
	EXPECT_EQ(0x7UL, pm_read_nodemask("has_memory"));
	EXPECT_EQ(0xbUL, pm_read_nodemask("has_cpu"));
}

TEST(version)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/module/pagemove/version", "r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_STREQ("0.1.0\n", buf);
}

TEST(open_close)
{
	int i;

	for (i = 0; i < 100; i++) {
		int fd = open(PAGEMOVE_DEVICE, O_RDWR);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, close(fd));
	}
}

TEST(unknown_ioctl_enotty)
{
	int fd = open(PAGEMOVE_DEVICE, O_RDWR);
	char buf[256] = {0};

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, _IO(PAGEMOVE_TYPE, 0x7f), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO(PAGEMOVE_TYPE, PAGEMOVE_CMD_MOVE_RANGE + 1), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOWR('x', PAGEMOVE_CMD_MOVE, struct pagemove_move), buf));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST(struct_size_and_flags)
{
	int fd = open(PAGEMOVE_DEVICE, O_RDWR);
	struct {
		struct pagemove_move m;
		char tail[16];
	} big;
	void *page = pm_map_anon(1, 1);
	int status = PM_SENTINEL, where = PM_SENTINEL;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, page);
	/* Wherever this CPU faulted it (node 1 from cpu2). */
	ASSERT_EQ(0, pm_sys_move_pages(0, 1, &page, NULL, &where, 0));
	ASSERT_LE(0, where);
	memset(&big, 0, sizeof(big));
	big.m.count = 1;
	big.m.pages = (unsigned long)&page;
	big.m.status = (unsigned long)&status;

	/* Too small: -EINVAL. */
	big.m.size = PAGEMOVE_MOVE_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(EINVAL, errno);
	/* Larger with a zero tail: accepted (a query here). */
	big.m.size = sizeof(big);
	EXPECT_EQ(0, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(where, status);
	EXPECT_EQ(1, big.m.nr_in_place);
	/* Larger with a non-zero tail: -EINVAL, nothing written. */
	status = PM_SENTINEL;
	big.tail[3] = 1;
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(PM_SENTINEL, status);
	big.tail[3] = 0;
	/* Unknown flags and reserved fields: -EINVAL. */
	big.m.size = sizeof(big.m);
	big.m.flags = MPOL_MF_STRICT;
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(EINVAL, errno);
	big.m.flags = 1U << 30;
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(EINVAL, errno);
	big.m.flags = 0;
	big.m.__reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, &big));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(PM_SENTINEL, status);
	/* An unreadable request: -EFAULT. */
	EXPECT_EQ(-1, ioctl(fd, PAGEMOVE_MOVE, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
}

TEST(no_unload_while_open)
{
	int fd = open(PAGEMOVE_DEVICE, O_RDWR);

	ASSERT_LE(0, fd);
	/* The open fd holds a module reference. */
	EXPECT_EQ(-EWOULDBLOCK, pm_unload());
	EXPECT_TRUE(pm_loaded());
	close(fd);
	ASSERT_EQ(0, pm_unload());
	EXPECT_FALSE(pm_loaded());
	EXPECT_NE(0, access(PAGEMOVE_DEVICE, F_OK));
	ASSERT_EQ(0, pm_load(""));
}

TEST(load_unload_20)
{
	int i, fd;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, pm_unload()) TH_LOG("unload %d", i);
		ASSERT_EQ(0, pm_load("")) TH_LOG("load %d", i);
	}
	EXPECT_TRUE(pm_loaded());
	/* The device works after all that. */
	fd = open(PAGEMOVE_DEVICE, O_RDWR);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST(missing_symbol_fails_load_by_name)
{
	char line[512];
	int found = 0;
	FILE *f;

	ASSERT_EQ(0, pm_unload());
	EXPECT_EQ(-ENOENT, pm_load("require_symbol=pm_no_such_symbol_for_test"));
	EXPECT_FALSE(pm_loaded());
	ASSERT_EQ(0, pm_load(""));
	/* The kernel log names the symbol. */
	f = popen("dmesg", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "symbol pm_no_such_symbol_for_test not found"))
			found = 1;
	pclose(f);
	EXPECT_TRUE(found);
}

TEST_HARNESS_MAIN
