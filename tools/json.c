// SPDX-License-Identifier: GPL-2.0
/* pagemove's JSON writer: one document a line, commas placed by nesting level. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include "subcommands.h"
#include "json.h"

static struct {
	int depth;
	bool first[16];
} jw;

bool doc_done;			/* that document was printed */

/* Before an error document: whatever was written, it starts at the top. */
void jw_reset(void)
{
	jw.depth = 0;
}

static void jw_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void jw_sep(const char *key)
{
	if (jw.depth && !jw.first[jw.depth])
		putchar(',');
	jw.first[jw.depth] = false;
	if (key) {
		jw_string(key);
		putchar(':');
	}
}

void jw_open(const char *key, char c)
{
	jw_sep(key);
	putchar(c);
	jw.first[++jw.depth] = true;
}

void jw_close(char c)
{
	putchar(c);
	if (--jw.depth == 0) {
		putchar('\n');
		doc_done = true;
	}
}

void jw_u64(const char *key, uint64_t v)
{
	jw_sep(key);
	printf("%" PRIu64, v);
}

void jw_int(const char *key, long v)
{
	jw_sep(key);
	printf("%ld", v);
}

void jw_mib(const char *key, uint64_t pages)
{
	jw_sep(key);
	printf("%.2f", (double)pages * page_size / (1024.0 * 1024.0));
}

void jw_str(const char *key, const char *v)
{
	jw_sep(key);
	jw_string(v);
}

void jw_bool(const char *key, bool v)
{
	jw_sep(key);
	fputs(v ? "true" : "false", stdout);
}

void jw_null(const char *key)
{
	jw_sep(key);
	fputs("null", stdout);
}

void jw_addr(const char *key, uint64_t a)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, a);
	jw_str(key, buf);
}
