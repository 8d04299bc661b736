/* SPDX-License-Identifier: MIT */
/*
 * Write-ahead log upkeep (jaego/wal.h): SQLite's automatic checkpoint switched off or on
 * for one connection, and a PASSIVE checkpoint on demand. Both are pragmas of the SQLite
 * backend and nothing on any other.
 */
#include <string.h>

#include "jaego/wal.h"
#include "store_int.h"

static bool has_wal(const jg_store *s)
{
	return strcmp(s->drv->name, "sqlite") == 0;
}

int jg_store_wal_auto(jg_store *s, bool on, jg_err *err)
{
	int64_t pages;

	JG__ERR_GUARD(err);
	if (s->in_tx)
		return jg_err_set(err, JG_EINVAL, "not inside a batch");
	if (!has_wal(s))
		return 0;
	/* The pragma answers with the new setting: run it as a query. */
	return jg__scalar(s, &pages, err,
			  on ? "PRAGMA wal_autocheckpoint=1000" : "PRAGMA wal_autocheckpoint=0",
			  "") < 0
		       ? err->code
		       : 0;
}

int jg_store_wal_checkpoint(jg_store *s, int64_t *out_log, int64_t *out_done, jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	if (out_log)
		*out_log = 0;
	if (out_done)
		*out_done = 0;
	if (s->in_tx)
		return jg_err_set(err, JG_EINVAL, "not inside a batch");
	if (!has_wal(s))
		return 0;
	/* One row: busy (always 0 for PASSIVE), pages in the log, pages checkpointed. */
	st = jg__q(s, err, "PRAGMA wal_checkpoint(PASSIVE)", "");
	if (!st)
		return err->code;
	rc = jg__step(s, st, err);
	if (rc == 1) {
		if (out_log)
			*out_log = jg__i64(s, st, 1);
		if (out_done)
			*out_done = jg__i64(s, st, 2);
		rc = 0;
	}
	s->drv->reset(st);
	return rc < 0 ? rc : 0;
}
