// SPDX-License-Identifier: GPL-2.0
/*
 * pagemove show PID (alias maps): a node histogram per mapping, like
 * numa_maps, and MiB per node, like numastat -p.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "subcommands.h"
#include "args.h"
#include "device.h"
#include "json.h"
#include "maps.h"

/* Per-mapping outcome, kept small: a process may have thousands of VMAs. */
struct vma_counts {
	int status;
	uint64_t n;
};

struct vma_result {
	struct vma_counts *c;
	int nr;
};

enum { CAT_HEAP, CAT_STACK, CAT_PRIVATE, CAT_NR };

static int vma_category(const char *name)
{
	if (!strcmp(name, "[heap]"))
		return CAT_HEAP;
	if (!strncmp(name, "[stack", 6))	/* [stack:TID] before 4.5 */
		return CAT_STACK;
	return CAT_PRIVATE;
}

static void show_row(const char *label, uint64_t (*cat)[CAT_NR], int k,
		     const bool *shown, bool total_only)
{
	uint64_t sum = 0, n;
	int i;

	printf("%-16s", label);
	for (i = 0; i < PM_MAXNODES; i++) {
		if (!shown[i])
			continue;
		n = total_only ? cat[i][0] + cat[i][1] + cat[i][2] : cat[i][k];
		sum += n;
		printf(" %15.2f", (double)n * page_size / (1024.0 * 1024.0));
	}
	printf(" %15.2f\n", (double)sum * page_size / (1024.0 * 1024.0));
}

int cmd_show(int argc, char **argv)
{
	static uint64_t cat[PM_MAXNODES][CAT_NR];
	static bool shown[PM_MAXNODES];
	struct counts *c = calloc(1, sizeof(*c));
	struct vma_result *res = NULL;
	uint64_t *addr = NULL, total = 0, absent = 0, tcat[CAT_NR] = { 0 };
	char comm[64] = "", path[64];
	struct progress pr;
	struct maps m = { 0 };
	int *status = NULL;
	int pid, fd = -1, ret, err, i, k;
	struct tally t = { 0 };
	struct opts o;
	size_t v, n, j;
	long lerr;
	FILE *f;

	cmd = "show";	/* also when run as `maps` */
	ret = parse_opts(&argc, argv, 0, &o);
	if (ret)
		goto out;
	if (argc != 1) {
		ret = bad_usage("expected PID");
		goto out;
	}
	ret = parse_pid(argv[0], &pid);
	if (ret)
		goto out;
	err = read_maps(pid, &m);
	if (err) {
		ret = maps_error(pid, err);
		goto out;
	}
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/comm");
	f = fopen(path, "re");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	addr = malloc(PM_BATCH * sizeof(*addr));
	status = malloc(PM_BATCH * sizeof(*status));
	res = calloc(m.nr ? m.nr : 1, sizeof(*res));
	if (!addr || !status || !res || !c) {
		ret = complain(PM_EXIT_FAILED, ENOMEM, "page arrays: %s", strerror(ENOMEM));
		goto out;
	}
	fd = open_device();
	if (fd < 0) {
		ret = -fd;
		goto out;
	}
	for (v = 0; v < m.nr; v++)
		total += (m.v[v].end - m.v[v].start) / page_size;
	progress_start(&pr, "show", total);
	memset(cat, 0, sizeof(cat));
	for (v = 0; v < m.nr; v++) {
		uint64_t a = m.v[v].start;
		int kind = vma_category(m.v[v].name);

		memset(c, 0, sizeof(*c));
		while (a < m.v[v].end) {
			n = (m.v[v].end - a) / page_size;
			n = n < PM_BATCH ? n : PM_BATCH;
			for (j = 0; j < n; j++)
				addr[j] = a + j * page_size;
			lerr = run(fd, pid, 0, addr, NULL, status, n, &t, &pr);
			if (lerr < 0) {
				ret = pid_error(pid, (int)-lerr, false, false, false);
				goto out;
			}
			for (j = 0; j < n; j++) {
				counts_add(c, status[j], 1);
				if (status[j] >= 0 && status[j] < PM_MAXNODES)
					cat[status[j]][kind]++;
			}
			a += n * page_size;
		}
		/* Keep only the outcomes seen: nodes first, then errnos. */
		for (k = 0; k < 2; k++) {
			int lim = k ? PM_NERR : PM_MAXNODES;

			for (i = 0; i < lim; i++) {
				uint64_t cnt = k ? c->err[i] : c->node[i];
				struct vma_counts *vc;

				if (!cnt)
					continue;
				vc = realloc(res[v].c, (res[v].nr + 1) * sizeof(*vc));
				if (!vc) {
					ret = complain(PM_EXIT_FAILED, ENOMEM, "histogram: %s",
						       strerror(ENOMEM));
					goto out;
				}
				res[v].c = vc;
				/* errno slot 0 ("larger") is kept as INT_MIN + 1 */
				vc[res[v].nr].status = k ? (i ? -i : INT_MIN + 1) : i;
				vc[res[v].nr++].n = cnt;
			}
		}
	}
	progress_end();
	for (i = 0; i < PM_MAXNODES; i++) {
		shown[i] = mask_test(&memory_nodes, i) || cat[i][0] || cat[i][1] || cat[i][2];
		for (k = 0; k < CAT_NR; k++)
			tcat[k] += cat[i][k];
	}
	for (v = 0; v < m.nr; v++)
		for (i = 0; i < res[v].nr; i++)
			if (res[v].c[i].status == -ENOENT)
				absent += res[v].c[i].n;
	if (json) {
		char key[16];

		jw_open(NULL, '{');
		jw_str("command", cmd);
		jw_int("pid", pid);
		jw_str("comm", comm);
		jw_u64("page_size", page_size);
		jw_open("mappings", '[');
		for (v = 0; v < m.nr; v++) {
			struct vma_result *r = &res[v];
			uint64_t nabs = 0;

			jw_open(NULL, '{');
			jw_addr("start", m.v[v].start);
			jw_addr("end", m.v[v].end);
			jw_str("perms", m.v[v].perms);
			jw_str("name", m.v[v].name);
			jw_u64("pages", (m.v[v].end - m.v[v].start) / page_size);
			jw_open("nodes", '{');
			for (i = 0; i < r->nr; i++) {
				if (r->c[i].status < 0)
					continue;
				snprintf(key, sizeof(key), "%d", r->c[i].status);
				jw_u64(key, r->c[i].n);
			}
			jw_close('}');
			for (i = 0; i < r->nr; i++)
				if (r->c[i].status == -ENOENT)
					nabs = r->c[i].n;
			jw_u64("absent", nabs);
			jw_open("errors", '{');
			for (i = 0; i < r->nr; i++) {
				int st = r->c[i].status;

				if (st >= 0 || st == -ENOENT)
					continue;
				jw_u64(st == INT_MIN + 1 ? "other" : errname(-st), r->c[i].n);
			}
			jw_close('}');
			jw_close('}');
		}
		jw_close(']');
		jw_open("per_node", '{');
		for (i = 0; i < PM_MAXNODES; i++) {
			if (!shown[i])
				continue;
			snprintf(key, sizeof(key), "%d", i);
			jw_open(key, '{');
			jw_u64("pages", cat[i][0] + cat[i][1] + cat[i][2]);
			jw_u64("heap", cat[i][CAT_HEAP]);
			jw_u64("stack", cat[i][CAT_STACK]);
			jw_u64("private", cat[i][CAT_PRIVATE]);
			jw_mib("mib", cat[i][0] + cat[i][1] + cat[i][2]);
			jw_close('}');
		}
		jw_close('}');
		jw_open("total", '{');
		jw_u64("pages", tcat[0] + tcat[1] + tcat[2]);
		jw_u64("heap", tcat[CAT_HEAP]);
		jw_u64("stack", tcat[CAT_STACK]);
		jw_u64("private", tcat[CAT_PRIVATE]);
		jw_mib("mib", tcat[0] + tcat[1] + tcat[2]);
		jw_u64("absent", absent);
		jw_close('}');
		jw_close('}');
	} else {
		char label[16];

		for (v = 0; v < m.nr; v++) {
			struct vma_result *r = &res[v];

			printf("%012" PRIx64 "-%012" PRIx64 " %s %8" PRIu64 " pages", m.v[v].start,
			       m.v[v].end, m.v[v].perms, (m.v[v].end - m.v[v].start) / page_size);
			for (i = 0; i < r->nr; i++) {
				int st = r->c[i].status;

				if (st >= 0)
					printf(" N%d=%" PRIu64, st, r->c[i].n);
				else
					printf(" %s=%" PRIu64, st == -ENOENT ? "absent" :
					       st == INT_MIN + 1 ? "other" : errname(-st), r->c[i].n);
			}
			printf("%s%s\n", m.v[v].name[0] ? "  " : "", m.v[v].name);
		}
		/* numastat -p's table: MiB per node and in total. */
		printf("\nPer-node process memory usage (in MiBs) for PID %d (%s)\n", pid, comm);
		printf("%-16s", "");
		for (i = 0; i < PM_MAXNODES; i++) {
			if (!shown[i])
				continue;
			snprintf(label, sizeof(label), "Node %d", i);
			printf(" %15s", label);
		}
		printf(" %15s\n%-16s", "Total", "");
		for (i = 0; i < PM_MAXNODES; i++)
			if (shown[i])
				printf(" ---------------");
		printf(" ---------------\n");
		show_row("Heap", cat, CAT_HEAP, shown, false);
		show_row("Stack", cat, CAT_STACK, shown, false);
		show_row("Private", cat, CAT_PRIVATE, shown, false);
		printf("----------------");
		for (i = 0; i < PM_MAXNODES; i++)
			if (shown[i])
				printf(" ---------------");
		printf(" ---------------\n");
		show_row("Total", cat, 0, shown, true);
	}
	ret = PM_EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	for (v = 0; res && v < m.nr; v++)
		free(res[v].c);
	free(res);
	maps_free(&m);
	free(status);
	free(addr);
	free(c);
	return ret;
}
