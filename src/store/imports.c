/* SPDX-License-Identifier: MIT */
/*
 * What the store keeps about imports: the log of imported files, each channel's last
 * import time (the safe-raising rule of DESIGN.md section 4 reads it), and the profiles a
 * seller added (JSON text; parsing is the import module's job).
 */
#include <string.h>

#include "store_int.h"

#define PROFILE_TEXT_MAX (256u << 10)

int jg_channel_mark_imported(jg_store *s, const char *channel, int64_t at, jg_err *err)
{
	int64_t id;
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__channel_id(s, channel, &id, err);
	if (rc == 0)
		rc = jg__op_wrote(s, jg__exec(s, err,
					      "UPDATE channel SET last_import_at = ? WHERE id = ?", "ii",
					      at, id));
	return jg__op_end(s, rc, err);
}

static const char SQL_IMPORT_ADD[] =
	"INSERT INTO import_file(channel_id, file_name, format, profile, rows, new_lines,"
	" duplicates, status_changes, refused, rejected, at)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_IMPORT_UPDATE[] =
	"UPDATE import_file SET rows = ?, new_lines = ?, duplicates = ?, status_changes = ?,"
	" refused = ?, rejected = ? WHERE id = ?";

int jg_import_log_add(jg_store *s, const jg_import_record *r, int64_t *out_id, jg_err *err)
{
	int64_t channel_id, id = 0;
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__channel_id(s, r->channel, &channel_id, err);
	if (rc)
		goto out;
	st = jg__q(s, err, SQL_IMPORT_ADD, "itttiiiiiii", channel_id, r->file, r->format,
		   r->profile, r->rows, r->new_lines, r->duplicates, r->status_changes, r->refused,
		   r->rejected, jg_now_ms());
	if (!st) {
		rc = jg__op_wrote(s, err->code);
		goto out;
	}
	rc = jg__step(s, st, err);
	if (rc == 1)
		id = jg__i64(s, st, 0);
	s->drv->reset(st);
	rc = jg__op_wrote(s, rc == 1 ? 0 : rc < 0 ? rc : JG_EDB);
out:
	rc = jg__op_end(s, rc, err);
	if (rc == 0 && out_id)
		*out_id = id;
	return rc;
}

int jg_import_log_update(jg_store *s, int64_t id, const jg_import_record *r, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_IMPORT_UPDATE, "iiiiiii", r->rows, r->new_lines,
				      r->duplicates, r->status_changes, r->refused, r->rejected, id));
	return jg__op_end(s, rc, err);
}

int jg_import_oversold_count(jg_store *s, int64_t import_id, int64_t *out, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	*out = 0;
	/* The import's lines are the ones from its first id on (the subquery: one descent
	 * of order_line_import); with `+import_id` (no index on it here) the planner walks
	 * the small partial index of oversold lines from that id rather than every line of
	 * the import. */
	rc = jg__scalar(
		s, out, err,
		"SELECT COUNT(*) FROM order_line WHERE oversold_by > 0 AND +import_id = ?"
		" AND id >= COALESCE((SELECT MIN(id) FROM order_line WHERE import_id = ?), 0)",
		"ii", import_id, import_id);
	return rc < 0 ? rc : 0;
}

int jg_profile_put(jg_store *s, const char *name, const char *json, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	if (jg__check_code("profile name", name, err))
		return err->code;
	if (strlen(json) > PROFILE_TEXT_MAX)
		return jg_err_set(err, JG_ELIMIT, "profile %s is larger than %u bytes", name,
				  PROFILE_TEXT_MAX);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err,
				      "INSERT INTO profile(name, json, added_at) VALUES (?, ?, ?)"
				      " ON CONFLICT (name) DO UPDATE SET json = excluded.json,"
				      " added_at = excluded.added_at",
				      "tti", name, json, jg_now_ms()));
	return jg__op_end(s, rc, err);
}

int jg_profile_del(jg_store *s, const char *name, jg_err *err)
{
	int64_t used = 0;
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	if (jg__scalar(s, &used, err, "SELECT COUNT(*) FROM channel WHERE profile = ?", "t", name) <
	    0) {
		rc = err->code;
	} else if (used) {
		rc = jg_err_set(err, JG_ESTATE, "profile %s is used by %lld channels", name,
				(long long)used);
	} else {
		rc = jg__op_wrote(s, jg__exec(s, err, "DELETE FROM profile WHERE name = ?", "t", name));
		if (rc == 0 && s->drv->changes(s->db) == 0)
			rc = jg_err_set(err, JG_ENOTFOUND, "no added profile named %s", name);
	}
	return jg__op_end(s, rc, err);
}

int jg_profile_each_stored(jg_store *s, jg_profile_text_cb cb, void *payload, jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	st = jg__q(s, err, "SELECT name, json FROM profile ORDER BY name", "");
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1)
		if ((rc = cb(jg__text(s, st, 0), jg__text(s, st, 1), payload)))
			break;
	s->drv->reset(st);
	return rc;
}

int jg_store_settle(jg_store *s, jg_err *err)
{
	JG__ERR_GUARD(err);
	if (!s->in_tx || !s->batch)
		return jg_err_set(err, JG_EINVAL, "no batch is open");
	return jg__op_wrote(s, jg__settle(s, err));
}
