// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints of trace.h, defined here alone: their iterators
 * (__traceiter_pagemove_*), which call the attached probes indirectly,
 * stay functions of their own that kmod/check-calls.sh can name. In the
 * file that fires them, arm64 (no static calls) inlined an iterator's
 * loop into the caller.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
