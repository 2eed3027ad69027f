/* SPDX-License-Identifier: GPL-2.0 */
/* pagemove (maps.c): /proc/PID/maps as a list. */
#ifndef PM_MAPS_H
#define PM_MAPS_H

#include <stddef.h>
#include <stdint.h>

struct vma {
	uint64_t start, end;
	char perms[8];
	char *name;
};

struct maps {
	struct vma *v;
	size_t nr;
};

void maps_free(struct maps *m);
int read_maps(int pid, struct maps *m);
int maps_error(int pid, int err);

#endif
