/* SPDX-License-Identifier: MIT */
/*
 * Channels and their stock rules. Changing a rule marks the channel dirty, so every one of
 * its listings is computed again when the change commits.
 */
#include <string.h>

#include "store_int.h"

#define PROFILE_MAX_BYTES 64

static const char SQL_CHANNEL_ADD[] =
	"INSERT INTO channel(name, profile, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING";

int jg_channel_add(jg_store *s, const char *name, const char *profile, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__check_code("channel name", name, err);
	if (rc)
		return rc;
	if (!profile || !*profile)
		profile = "generic";
	if (strlen(profile) >= PROFILE_MAX_BYTES)
		return jg_err_set(err, JG_EINVAL, "profile name is longer than %d bytes",
				  PROFILE_MAX_BYTES - 1);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_CHANNEL_ADD, "tti", name, profile, jg_now_ms()));
	if (rc == 0 && s->drv->changes(s->db) == 0)
		rc = jg_err_set(err, JG_EEXISTS, "channel \"%s\" exists already", name);
	return jg__op_end(s, rc, err);
}

int jg_channel_set_profile(jg_store *s, const char *name, const char *profile, jg_err *err)
{
	int64_t id;
	int rc;

	JG__ERR_GUARD(err);
	if (!profile || !*profile || strlen(profile) >= PROFILE_MAX_BYTES)
		return jg_err_set(err, JG_EINVAL, "a profile name is 1 to %d bytes",
				  PROFILE_MAX_BYTES - 1);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__channel_id(s, name, &id, err);
	if (rc == 0)
		rc = jg__op_wrote(s, jg__exec(s, err, "UPDATE channel SET profile = ? WHERE id = ?",
					      "ti", profile, id));
	return jg__op_end(s, rc, err);
}

static int check_rule(const char *name, const jg_rule_patch *p, jg_err *err)
{
	const jg_rule *r = &p->rule;

	if ((p->set & JG_RULE_SET_BUFFER) && r->buffer < 0)
		return jg_err_set(err, JG_EINVAL, "channel %s: buffer must be 0 or more", name);
	if ((p->set & JG_RULE_SET_PERCENT) && (r->percent < 0 || r->percent > 100))
		return jg_err_set(err, JG_EINVAL, "channel %s: percent must be from 0 to 100", name);
	if ((p->set & JG_RULE_SET_MAX) && r->max < 0 && r->max != JG_NO_LIMIT)
		return jg_err_set(err, JG_EINVAL, "channel %s: max must be 0 or more, or none", name);
	if ((p->set & JG_RULE_SET_END_WHEN) && r->end_when < 0 && r->end_when != JG_NO_LIMIT)
		return jg_err_set(err, JG_EINVAL, "channel %s: end-when must be 0 or more, or none",
				  name);
	if ((p->set & JG_RULE_SET_PRIORITY) && r->priority < 0)
		return jg_err_set(err, JG_EINVAL, "channel %s: priority must be 0 (none) or more",
				  name);
	return 0;
}

int jg_channel_set(jg_store *s, const char *name, const jg_rule_patch *p, jg_err *err)
{
	static const struct {
		unsigned flag;
		const char *sql;
	} cols[] = {
		{JG_RULE_SET_BUFFER, "UPDATE channel SET buffer = ? WHERE id = ?"},
		{JG_RULE_SET_PERCENT, "UPDATE channel SET percent = ? WHERE id = ?"},
		{JG_RULE_SET_MAX, "UPDATE channel SET max_qty = ? WHERE id = ?"},
		{JG_RULE_SET_END_WHEN, "UPDATE channel SET end_when = ? WHERE id = ?"},
		{JG_RULE_SET_PRIORITY, "UPDATE channel SET priority = ? WHERE id = ?"},
		{JG_RULE_SET_PAUSED, "UPDATE channel SET paused = ? WHERE id = ?"},
	};
	const jg_rule *r = &p->rule;
	const int64_t vals[] = {r->buffer, r->percent, r->max, r->end_when, r->priority,
				r->paused ? 1 : 0};
	int64_t id;
	int rc;

	JG__ERR_GUARD(err);
	rc = check_rule(name, p, err);
	if (rc)
		return rc;
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__channel_id(s, name, &id, err);
	for (size_t i = 0; rc == 0 && i < sizeof(cols) / sizeof(cols[0]); i++)
		if (p->set & cols[i].flag)
			rc = jg__op_wrote(s, jg__exec(s, err, cols[i].sql, "ii", vals[i], id));
	if (rc == 0)
		rc = jg__mark(s, &s->dirty_channel, id, err);
	return jg__op_end(s, rc, err);
}

static const char SQL_CHANNELS[] =
	"SELECT c.name, c.profile, c.buffer, c.percent, c.max_qty, c.end_when, c.priority,"
	" c.paused, (SELECT COUNT(*) FROM listing l WHERE l.channel_id = c.id),"
	" c.last_import_at, c.last_told_at FROM channel c ORDER BY c.name";

int jg_channel_each(jg_store *s, jg_channel_cb cb, void *payload, jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	st = jg__q(s, err, SQL_CHANNELS, "");
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		jg_channel_info c;

		c.name = jg__text(s, st, 0);
		c.profile = jg__text(s, st, 1);
		c.rule.buffer = jg__i64(s, st, 2);
		c.rule.percent = jg__i64(s, st, 3);
		c.rule.max = jg__i64(s, st, 4);
		c.rule.end_when = jg__i64(s, st, 5);
		c.rule.priority = jg__i64(s, st, 6);
		c.rule.paused = jg__i64(s, st, 7) != 0;
		c.listings = jg__i64(s, st, 8);
		c.last_import_at = jg__i64(s, st, 9);
		c.last_told_at = jg__i64(s, st, 10);
		if ((rc = cb(&c, payload)))
			break;
	}
	s->drv->reset(st);
	return rc;
}
