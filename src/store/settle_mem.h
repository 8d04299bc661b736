/* SPDX-License-Identifier: MIT */
/*
 * Settling listed quantities from an in-memory model of the listings (settle_mem.c), for
 * a store that commits many mid-sized transactions. Internal to src/store/.
 */
#ifndef JAEGO_STORE_SETTLE_MEM_H
#define JAEGO_STORE_SETTLE_MEM_H

#include <stdbool.h>

#include "store_int.h"

/* Dirty SKUs in a settle before a model is built: 64. The model-based test lowers it to 1
 * for half of its sequences, so that every kind of step runs through the model too. Not
 * thread-safe: set it before any store settles. */
extern int jg__settle_mem_min;

/* First thing in every settle: drops the model unless the previous settle's transaction
 * committed and nothing else wrote a listed quantity since. */
void jg__settle_mem_begin(jg_store *s);

/* Settles the listings of the dirty SKUs from the model (building it, when `may_build`
 * and the settle is big enough): 0 and *done. *done = false: the SQL pass must settle
 * (recipes or rules changed, no model, nothing dirty). An error leaves the model
 * dropped. */
int jg__settle_mem(jg_store *s, bool may_build, bool *done, jg_err *err);

/* Frees the model, if any. */
void jg__listing_model_drop(jg_store *s);

#endif
