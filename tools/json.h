/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagemove's JSON writer (json.c): one document on one line of stdout,
 * commas placed by nesting level. @key NULL: an array's element.
 */
#ifndef PM_JSON_H
#define PM_JSON_H

#include <stdbool.h>
#include <stdint.h>

extern bool doc_done;			/* that document was printed */

void jw_reset(void);
void jw_open(const char *key, char c);
void jw_close(char c);
void jw_u64(const char *key, uint64_t v);
void jw_int(const char *key, long v);
void jw_mib(const char *key, uint64_t pages);
void jw_str(const char *key, const char *v);
void jw_bool(const char *key, bool v);
void jw_null(const char *key);
void jw_addr(const char *key, uint64_t a);

#endif
