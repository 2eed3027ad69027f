// SPDX-License-Identifier: LGPL-2.1-or-later
/* libpagemove: the C library over /dev/pagemove (libc only). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "pagemove.h"

int pagemove_open(void)
{
	int fd = open(PAGEMOVE_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

long pagemove_move(int fd, struct pagemove_move *req)
{
	long ret;

	req->size = sizeof(*req);
	ret = ioctl(fd, PAGEMOVE_MOVE, req);
	if (ret < 0)
		return -errno;
	/* ioctl(2) returns int; the struct carries the full value. */
	return req->result;
}

long pagemove_move_range(int fd, struct pagemove_range *req)
{
	req->size = sizeof(*req);
	if (ioctl(fd, PAGEMOVE_MOVE_RANGE, req) < 0)
		return -errno;
	return req->result;
}

static int pm_shared_fd = -1;

static int pm_fd(void)
{
	int fd = __atomic_load_n(&pm_shared_fd, __ATOMIC_ACQUIRE);
	int expected = -1;

	if (fd >= 0)
		return fd;
	fd = pagemove_open();
	if (fd < 0)
		return fd;
	if (!__atomic_compare_exchange_n(&pm_shared_fd, &expected, fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);	/* another thread won the race */
		fd = expected;
	}
	return fd;
}

long pagemove_move_pages(int pid, unsigned long count, void **pages,
			 const int *nodes, int *status, int flags)
{
	struct pagemove_move req;
	int fd = pm_fd();
	long ret;

	/* move_pages(2) checks its flags first; PAGEMOVE_F_COMPAT is not one. */
	if ((unsigned int)flags & ~(PAGEMOVE_MF_MOVE | PAGEMOVE_MF_MOVE_ALL)) {
		errno = EINVAL;
		return -1;
	}
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.flags = (unsigned int)flags | PAGEMOVE_F_COMPAT;
	req.pid = pid;
	req.count = count;
	req.pages = (unsigned long)pages;
	req.nodes = (unsigned long)nodes;
	req.status = (unsigned long)status;
	ret = pagemove_move(fd, &req);
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}
