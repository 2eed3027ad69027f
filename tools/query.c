// SPDX-License-Identifier: GPL-2.0
/* pagemove query PID ADDR[-END]...: the node (or error) of each page. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "subcommands.h"
#include "args.h"
#include "device.h"
#include "json.h"

int cmd_query(int argc, char **argv)
{
	struct counts *c = calloc(1, sizeof(*c));
	struct tally t = { 0 };
	struct pages p = { 0 };
	struct progress pr;
	int *status = NULL;
	int pid, fd, ret;
	struct opts o;
	size_t i;
	char buf[32];
	long err;

	ret = parse_opts(&argc, argv, 0, &o);
	if (ret)
		goto out;
	if (argc < 2) {
		ret = bad_usage("expected PID ADDR[-END]...");
		goto out;
	}
	ret = parse_pid(argv[0], &pid);
	if (!ret)
		ret = parse_ranges(argc - 1, argv + 1, &p);
	if (ret)
		goto out;
	status = calloc(p.nr, sizeof(*status));
	if (!status || !c) {
		ret = complain(PM_EXIT_FAILED, ENOMEM, "status array: %s", strerror(ENOMEM));
		goto out;
	}
	fd = open_device();
	if (fd < 0) {
		ret = -fd;
		goto out;
	}
	progress_start(&pr, "query", p.nr);
	err = run(fd, pid, 0, p.addr, NULL, status, p.nr, &t, &pr);
	close(fd);
	if (err < 0) {
		ret = pid_error(pid, (int)-err, false, false, false);
		goto out;
	}
	progress_end();
	for (i = 0; i < p.nr; i++)
		counts_add(c, status[i], 1);
	if (json) {
		jw_open(NULL, '{');
		jw_str("command", cmd);
		jw_int("pid", pid);
		jw_entries(p.addr, status, p.nr);
		jw_nodes("nodes", c);
		jw_errors("errors", c, false);
		jw_u64("nr_in_place", t.nr_in_place);
		jw_u64("nr_failed", t.nr_failed);
		jw_close('}');
	} else {
		for (i = 0; i < p.nr; i++)
			printf("0x%016" PRIx64 "  %s\n", p.addr[i],
			       status_name(status[i], buf, sizeof(buf)));
	}
	ret = PM_EXIT_OK;
out:
	free(c);
	free(status);
	free(p.addr);
	return ret;
}
