// SPDX-License-Identifier: GPL-2.0
/* pagemove: /proc/PID/maps as a list (move --range and --map, migrate, show). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "subcommands.h"
#include "args.h"
#include "maps.h"

void maps_free(struct maps *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		free(m->v[i].name);
	free(m->v);
}

/* /proc/PID/maps as a list: 0 or -errno (EACCES: no ptrace access). */
int read_maps(int pid, struct maps *m)
{
	char path[64], *line = NULL;
	size_t len = 0, cap = 0;
	unsigned long long s, e;
	struct vma *v;
	int off, err = 0;
	FILE *f;

	memset(m, 0, sizeof(*m));
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/maps");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &len, f) > 0) {
		char perms[8];
		char *name;

		off = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s%n", &s, &e, perms, &off) < 3 || !off)
			continue;
		name = line + off;
		name += strspn(name, " ");
		name[strcspn(name, "\n")] = '\0';
		if (m->nr == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(m->v, cap * sizeof(*v));
			if (!v) {
				err = -ENOMEM;
				break;
			}
			m->v = v;
		}
		v = &m->v[m->nr];
		v->start = s;
		v->end = e;
		snprintf(v->perms, sizeof(v->perms), "%s", perms);
		v->name = strdup(name);
		if (!v->name) {
			err = -ENOMEM;
			break;
		}
		m->nr++;
	}
	if (!err && ferror(f))
		err = -errno;
	free(line);
	fclose(f);
	if (err)
		maps_free(m);
	return err;
}

int maps_error(int pid, int err)
{
	if (err == -EACCES || err == -EPERM)
		return complain(PM_EXIT_FAILED, -err,
				"pid %d: %s (reading another user's mappings needs ptrace access)",
				pid, strerror(-err));
	return pid_error(pid, -err, false, false, false);
}
