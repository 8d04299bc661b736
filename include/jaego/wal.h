/* SPDX-License-Identifier: MIT */
/*
 * Write-ahead log upkeep for a process that writes continuously (`jaego serve`). By
 * default SQLite copies the log back into the database file (a checkpoint: page writes
 * and an fsync of the database file) inside whichever commit pushes the log past 1,000
 * pages, so that commit, and every request waiting on it, pays for it. A server can
 * instead turn that off on its writing connection and checkpoint from a connection of
 * its own, on another thread, while the writer goes on committing: a PASSIVE checkpoint
 * never blocks the writer or the readers, and durability is unchanged (a commit is
 * durable once the log is synced; the checkpoint only moves pages).
 *
 * On a backend without such a log (PostgreSQL) both calls do nothing and succeed. Like
 * every store function, each call uses its store from one thread at a time.
 */
#ifndef JAEGO_WAL_H
#define JAEGO_WAL_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Whether commits on `s` checkpoint on their own (true: SQLite's default, every 1,000
 * pages of log) or leave it to jg_store_wal_checkpoint (false). Not inside a batch.
 * JG_EINVAL inside a batch; JG_EDB. */
int jg_store_wal_auto(jg_store *s, bool on, jg_err *err);

/*
 * Copies what it can of the log into the database file without waiting for anyone
 * (SQLite's PASSIVE checkpoint) and syncs that file. *out_log is the log's size in pages
 * and *out_done how many of them are now in the database file (both may be NULL; 0 on a
 * backend without a log). Not inside a batch. JG_EINVAL inside a batch; JG_EDB.
 */
int jg_store_wal_checkpoint(jg_store *s, int64_t *out_log, int64_t *out_done, jg_err *err);

#ifdef __cplusplus
}
#endif
#endif
