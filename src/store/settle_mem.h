/* SPDX-License-Identifier: MIT */
/*
 * Settling listed quantities from the in-memory listing copy (settle_mem.c), for a store
 * that commits many mid-sized transactions. Internal to src/store/.
 */
#ifndef JAEGO_STORE_SETTLE_MEM_H
#define JAEGO_STORE_SETTLE_MEM_H

#include <stdbool.h>

#include "store_int.h"

/* Dirty SKUs in a settle before the listing copy or its reverse index is made: 64. The
 * model-based test lowers it to 1 for half of its sequences, so that every kind of step
 * runs through the copy too. Not thread-safe: set it before any store settles. */
extern int jg__settle_mem_min;

/* Settles the listings of the dirty SKUs from the listing copy (making it or its reverse
 * index, when `may_build` and the settle is big enough): 0 and *done. *done = false: the
 * SQL pass must settle (recipes or rules changed, no copy, nothing dirty). An error leaves
 * the copy dropped. */
int jg__settle_mem(jg_store *s, bool may_build, bool *done, jg_err *err);

#endif
