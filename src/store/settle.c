/* SPDX-License-Identifier: MIT */
/*
 * Settling: bringing derived state up to date before a transaction commits.
 *
 * 1. Oversold marks. For each SKU touched by the transaction whose available stock is or
 *    was negative, the deficit max(0, -available) is assigned to its open lines newest
 *    first (the line that pushed stock below zero is the one short); each touched line's
 *    oversold_by becomes max over its items of ceil(short / per_unit).
 * 2. Listed quantities. Only listings that contain a touched SKU (through the reverse index
 *    recipe_item(sku_id, listing_id)), whose recipe changed, or whose channel's rule
 *    changed are computed again with jg_listed_compute(); a full pass runs when a global
 *    setting changed. The same pass, in compare mode, serves `jaego check`.
 */
#include <string.h>

#include "settle.h"
#include "store_int.h"

/* ---- oversold ---------------------------------------------------------------------------- */

static const char SQL_SKU_STATE[] = "SELECT on_hand, committed FROM sku WHERE id = ?";
static const char SQL_SHORT_CLEAR[] =
	"UPDATE line_item SET short = 0 WHERE sku_id = ? AND short > 0 RETURNING line_pk";
static const char SQL_OPEN_NEWEST[] =
	"SELECT line_pk, units FROM line_item WHERE sku_id = ? AND open = 1 ORDER BY line_pk DESC";
static const char SQL_SHORT_SET[] = "UPDATE line_item SET short = ? WHERE line_pk = ? AND sku_id = ?";
static const char SQL_LINE_OVERSOLD[] =
	"UPDATE order_line SET oversold_by = ("
	"  SELECT COALESCE(MAX((short + per_unit - 1) / per_unit), 0) FROM line_item"
	"  WHERE line_pk = ?) WHERE id = ?";

typedef struct short_set {
	int64_t line_pk, units;
} short_set;

static int reassign(jg_store *s, int64_t sku_id, int64_t deficit, jg_err *err)
{
	jg__stmt *st;
	short_set *todo = NULL;
	size_t n = 0, cap = 0;
	int rc;

	st = jg__q(s, err, SQL_SHORT_CLEAR, "i", sku_id);
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1)
		if ((rc = jg__mark(s, &s->dirty_line, jg__i64(s, st, 0), err)))
			break;
	s->drv->reset(st);
	if (rc < 0 || deficit <= 0)
		return rc < 0 ? rc : 0;
	/* Collect first, write after: the walk and the writes touch one table. */
	st = jg__q(s, err, SQL_OPEN_NEWEST, "i", sku_id);
	if (!st)
		return err->code;
	while (deficit > 0 && (rc = jg__step(s, st, err)) == 1) {
		int64_t units = jg__i64(s, st, 1), take = units < deficit ? units : deficit;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			short_set *t = jg_realloc(todo, ncap * sizeof(*t));

			if (!t) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				break;
			}
			todo = t;
			cap = ncap;
		}
		todo[n].line_pk = jg__i64(s, st, 0);
		todo[n].units = take;
		n++;
		deficit -= take;
	}
	s->drv->reset(st);
	if (rc < 0)
		goto out;
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = jg__exec(s, err, SQL_SHORT_SET, "iii", todo[i].units, todo[i].line_pk, sku_id);
		if (rc == 0)
			rc = jg__mark(s, &s->dirty_line, todo[i].line_pk, err);
	}
out:
	jg_free(todo);
	return rc;
}

static int settle_oversold(jg_store *s, jg_err *err)
{
	jg_i64map *m = &s->dirty_sku;
	int rc = 0;

	for (size_t i = 0; i < m->cap && rc == 0; i++) {
		const jg_i64map_slot *slot = &m->slots[i];
		int64_t old_av, now_av;
		jg__stmt *st;

		if (!slot->used)
			continue;
		old_av = slot->a - slot->b;
		st = jg__q(s, err, SQL_SKU_STATE, "i", slot->key);
		if (!st)
			return err->code;
		rc = jg__step(s, st, err);
		now_av = rc == 1 ? jg__i64(s, st, 0) - jg__i64(s, st, 1) : 0;
		s->drv->reset(st);
		if (rc < 0)
			return rc;
		rc = 0;
		if (old_av < 0 || now_av < 0)
			rc = reassign(s, slot->key, now_av < 0 ? -now_av : 0, err);
	}
	for (size_t i = 0; i < s->dirty_line.cap && rc == 0; i++) {
		const jg_i64map_slot *slot = &s->dirty_line.slots[i];

		if (slot->used)
			rc = jg__exec(s, err, SQL_LINE_OVERSOLD, "ii", slot->key, slot->key);
	}
	return rc;
}

/* ---- listed quantities --------------------------------------------------------------------- */

static const char SQL_CHANNEL_RULES[] =
	"SELECT id, buffer, percent, max_qty, end_when, priority, paused, name FROM channel";
static const char SQL_TOP[] = "SELECT value FROM setting WHERE key = 'priority_top'";

#define RECOMPUTE_COLS                                                                      \
	"SELECT r.listing_id, r.qty, s.on_hand - s.committed, s.safety, s.low_stock, r.sku_id," \
	" l.channel_id, l.listed, l.why, COALESCE(l.limit_sku_id, 0)"
static const char SQL_RECOMPUTE_ALL[] =
	RECOMPUTE_COLS " FROM recipe_item r JOIN listing l ON l.id = r.listing_id"
		       " JOIN sku s ON s.id = r.sku_id ORDER BY r.listing_id, r.pos";
static const char SQL_RECOMPUTE_SOME[] =
	RECOMPUTE_COLS " FROM dirty_listing d JOIN recipe_item r ON r.listing_id = d.id"
		       " JOIN listing l ON l.id = r.listing_id"
		       " JOIN sku s ON s.id = r.sku_id ORDER BY r.listing_id, r.pos";
static const char SQL_DIRTY_TABLE[] =
	"CREATE TEMP TABLE IF NOT EXISTS dirty_listing(id INTEGER PRIMARY KEY)";
static const char SQL_DIRTY_CLEAR[] = "DELETE FROM dirty_listing";
static const char SQL_DIRTY_BY_SKU[] =
	"INSERT INTO dirty_listing(id) SELECT listing_id FROM recipe_item WHERE sku_id = ?"
	" ON CONFLICT DO NOTHING";
static const char SQL_DIRTY_BY_CHANNEL[] =
	"INSERT INTO dirty_listing(id) SELECT id FROM listing WHERE channel_id = ?"
	" ON CONFLICT DO NOTHING";
static const char SQL_DIRTY_ONE[] =
	"INSERT INTO dirty_listing(id) VALUES (?) ON CONFLICT DO NOTHING";
static const char SQL_LISTED_SET[] =
	"UPDATE listing SET listed = ?, why = ?, limit_sku_id = ?, updated_at = ? WHERE id = ?";

void jg__rules_free(jg__rules *r)
{
	jg_free(r->v);
	r->v = NULL;
	r->n = 0;
}

int jg__rules_load(jg_store *s, jg__rules *out, jg_err *err)
{
	jg__stmt *st;
	int rc;
	size_t cap = 0;

	out->v = NULL;
	out->n = 0;
	out->top = 1;
	rc = jg__scalar(s, &out->top, err, SQL_TOP, "");
	if (rc < 0)
		return rc;
	st = jg__q(s, err, SQL_CHANNEL_RULES, "");
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		jg__rule_row *r;

		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			jg__rule_row *t = jg_realloc(out->v, ncap * sizeof(*t));

			if (!t) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				break;
			}
			out->v = t;
			cap = ncap;
		}
		r = &out->v[out->n++];
		r->id = jg__i64(s, st, 0);
		r->rule.buffer = jg__i64(s, st, 1);
		r->rule.percent = jg__i64(s, st, 2);
		r->rule.max = jg__i64(s, st, 3);
		r->rule.end_when = jg__i64(s, st, 4);
		r->rule.priority = jg__i64(s, st, 5);
		r->rule.paused = jg__i64(s, st, 6) != 0;
		snprintf(r->name, sizeof(r->name), "%s", jg__text(s, st, 7));
	}
	s->drv->reset(st);
	if (rc < 0) {
		jg__rules_free(out);
		return rc;
	}
	return 0;
}

const jg__rule_row *jg__rules_find(const jg__rules *r, int64_t channel_id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].id == channel_id)
			return &r->v[i];
	return NULL;
}

typedef struct pending {
	int64_t id, listed, why, limit_sku;
} pending;

typedef struct walk {
	jg__rules rules;
	pending *todo;
	size_t n, cap;
	int64_t computed;
	jg__listing_mismatch_cb on_mismatch; /* compare mode when set */
	void *payload;
} walk;

/* Finishes one listing: computes and queues an update (or reports a mismatch). */
static int finish(walk *w, int64_t id, int64_t channel_id, const jg_component *comps,
		  const int64_t *sku_ids, size_t n, int64_t stored, int64_t stored_why,
		  int64_t stored_sku, jg_err *err)
{
	const jg__rule_row *rr = jg__rules_find(&w->rules, channel_id);
	jg_rule def;
	jg_listed out;
	int64_t limit_sku;

	if (!rr)
		jg_rule_default(&def);
	jg_listed_compute(&out, rr ? &rr->rule : &def, w->rules.top, comps, n);
	limit_sku = out.component >= 0 ? sku_ids[out.component] : 0;
	w->computed++;
	if (out.qty == stored && (int64_t)out.why == stored_why && limit_sku == stored_sku)
		return 0;
	if (w->on_mismatch)
		return w->on_mismatch(id, stored, out.qty, w->payload);
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 256;
		pending *t = jg_realloc(w->todo, ncap * sizeof(*t));

		if (!t)
			return jg_err_set(err, JG_ENOMEM, "out of memory");
		w->todo = t;
		w->cap = ncap;
	}
	w->todo[w->n++] = (pending){id, out.qty, (int64_t)out.why, limit_sku};
	return 0;
}

static int run_pass(jg_store *s, const char *sql, walk *w, jg_err *err)
{
	jg_component comps[JG_RECIPE_MAX];
	int64_t sku_ids[JG_RECIPE_MAX];
	int64_t cur = 0, ch = 0, stored = 0, stored_why = 0, stored_sku = 0;
	size_t n = 0;
	jg__stmt *st = jg__q(s, err, sql, "");
	int rc;

	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		int64_t id = jg__i64(s, st, 0);

		if (id != cur) {
			if (n && (rc = finish(w, cur, ch, comps, sku_ids, n, stored, stored_why,
					      stored_sku, err)))
				break;
			cur = id;
			n = 0;
			ch = jg__i64(s, st, 6);
			stored = jg__i64(s, st, 7);
			stored_why = jg__i64(s, st, 8);
			stored_sku = jg__i64(s, st, 9);
		}
		if (n == JG_RECIPE_MAX)
			continue; /* jg_listing_map never stores more */
		comps[n].per_unit = jg__i64(s, st, 1);
		comps[n].available = jg__i64(s, st, 2);
		comps[n].safety = jg__i64(s, st, 3);
		comps[n].low_stock = jg__i64(s, st, 4);
		sku_ids[n] = jg__i64(s, st, 5);
		n++;
	}
	s->drv->reset(st);
	if (rc == 0 && n)
		rc = finish(w, cur, ch, comps, sku_ids, n, stored, stored_why, stored_sku, err);
	return rc;
}

int jg__listings_pass(jg_store *s, bool all, jg__listing_mismatch_cb on_mismatch, void *payload,
		      int64_t *out_computed, jg_err *err)
{
	walk w = {.on_mismatch = on_mismatch, .payload = payload};
	int64_t now = jg_now_ms();
	int rc;

	rc = jg__rules_load(s, &w.rules, err);
	if (rc)
		return rc;
	rc = run_pass(s, all ? SQL_RECOMPUTE_ALL : SQL_RECOMPUTE_SOME, &w, err);
	for (size_t i = 0; rc == 0 && i < w.n; i++) {
		const pending *p = &w.todo[i];

		rc = jg__exec(s, err, SQL_LISTED_SET, "iiiii", p->listed, p->why, p->limit_sku, now,
			      p->id);
	}
	if (rc == 0 && !on_mismatch) {
		s->stats.listings_recomputed += w.computed;
		s->stats.listings_changed += (int64_t)w.n;
	}
	if (out_computed)
		*out_computed = w.computed;
	jg_free(w.todo);
	jg__rules_free(&w.rules);
	return rc;
}

static int fill_dirty(jg_store *s, jg_err *err)
{
	int rc = jg__exec(s, err, SQL_DIRTY_TABLE, "");

	if (rc == 0)
		rc = jg__exec(s, err, SQL_DIRTY_CLEAR, "");
	for (size_t i = 0; rc == 0 && i < s->dirty_sku.cap; i++)
		if (s->dirty_sku.slots[i].used)
			rc = jg__exec(s, err, SQL_DIRTY_BY_SKU, "i", s->dirty_sku.slots[i].key);
	for (size_t i = 0; rc == 0 && i < s->dirty_channel.cap; i++)
		if (s->dirty_channel.slots[i].used)
			rc = jg__exec(s, err, SQL_DIRTY_BY_CHANNEL, "i",
				      s->dirty_channel.slots[i].key);
	for (size_t i = 0; rc == 0 && i < s->dirty_listing.cap; i++)
		if (s->dirty_listing.slots[i].used)
			rc = jg__exec(s, err, SQL_DIRTY_ONE, "i", s->dirty_listing.slots[i].key);
	return rc;
}

int jg__settle(jg_store *s, jg_err *err)
{
	int rc = settle_oversold(s, err);

	if (rc)
		return rc;
	if (s->dirty_all)
		return jg__listings_pass(s, true, NULL, NULL, NULL, err);
	if (!s->dirty_sku.len && !s->dirty_channel.len && !s->dirty_listing.len)
		return 0;
	rc = fill_dirty(s, err);
	if (rc == 0)
		rc = jg__listings_pass(s, false, NULL, NULL, NULL, err);
	return rc;
}

int jg_listing_recompute_all(jg_store *s, int64_t *out_computed, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__listings_pass(s, true, NULL, NULL, out_computed, err));
	return jg__op_end(s, rc, err);
}
