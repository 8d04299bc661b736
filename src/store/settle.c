/* SPDX-License-Identifier: MIT */
/*
 * Settling: bringing derived state up to date before a transaction commits.
 *
 * 1. Oversold marks. For each SKU touched by the transaction whose available stock is or
 *    was negative, the deficit max(0, -available) is assigned to its open lines newest
 *    first (the line that pushed stock below zero is the one short); only items whose
 *    shortage changes are written, and each line among them (or closed by the transaction)
 *    gets oversold_by = max over its items of ceil(short / per_unit).
 * 2. Listed quantities. Only listings that contain a touched SKU (through the reverse index
 *    recipe_item(sku_id, listing_id)), whose recipe changed, or whose channel's rule
 *    changed are computed again with jg_listed_compute(); a full pass runs when a global
 *    setting changed, or when the transaction touched so many SKUs that reading every
 *    listing is cheaper than finding the dirty ones. The same pass, in compare mode,
 *    serves `jaego check`.
 */
#include <stdlib.h>
#include <string.h>

#include "settle.h"
#include "settle_mem.h"
#include "store_int.h"

/* ---- oversold ---------------------------------------------------------------------------- */

/* A transaction that touched at least this many SKUs, and a quarter of all of them, gets
 * the full listing pass (reading every listing in order is then cheaper than finding the
 * dirty ones first, and computes the same quantities), and its oversold step reads every
 * SKU in one scan instead of asking for each. */
#define FULL_PASS_MIN_SKUS 1024

static const char SQL_SKU_STATE[] = "SELECT on_hand, committed FROM sku WHERE id = ?";
static const char SQL_SHORT_NOW[] =
	"SELECT line_pk, short FROM line_item WHERE sku_id = ? AND short > 0";
static const char SQL_OPEN_NEWEST[] =
	"SELECT line_pk, units FROM line_item WHERE sku_id = ? AND open = 1 ORDER BY line_pk DESC";
static const char SQL_SHORT_SET[] = "UPDATE line_item SET short = ? WHERE line_pk = ? AND sku_id = ?";
static const char SQL_LINE_OVERSOLD[] =
	"UPDATE order_line SET oversold_by = ("
	"  SELECT COALESCE(MAX((short + per_unit - 1) / per_unit), 0) FROM line_item"
	"  WHERE line_pk = ?) WHERE id = ?";

/* One item's shortage: what it holds (`was`) and what it is given now (`now`). */
typedef struct short_set {
	int64_t line_pk, was, now;
} short_set;

typedef struct short_list {
	short_set *v;
	size_t n, cap;
} short_list;

static short_set *short_add(short_list *l, int64_t line_pk, jg_err *err)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		short_set *t = jg_realloc(l->v, ncap * sizeof(*t));

		if (!t) {
			jg_err_set(err, JG_ENOMEM, "out of memory");
			return NULL;
		}
		l->v = t;
		l->cap = ncap;
	}
	l->v[l->n] = (short_set){line_pk, 0, 0};
	return &l->v[l->n++];
}

static int short_cmp(const void *a, const void *b)
{
	int64_t x = ((const short_set *)a)->line_pk, y = ((const short_set *)b)->line_pk;

	return (x > y) - (x < y);
}

/*
 * Assigns the SKU's deficit to its open items newest first, as if every item's shortage
 * were cleared and handed out again, but writes only the items whose shortage changes and
 * marks only their lines for the oversold_by update. Every other line keeps a shortage and
 * an oversold_by that already agree (settling leaves them so, and `check` verifies it), so
 * the result is the same as clearing and reassigning all of them: a SKU short for a long
 * time no longer rewrites all of its short lines at every commit.
 */
static int reassign(jg_store *s, int64_t sku_id, int64_t deficit, short_list *l, jg_err *err)
{
	jg__stmt *st;
	size_t n_was;
	int rc;

	l->n = 0;
	/* What the items hold now (collect first, write after: one table). */
	st = jg__q(s, err, SQL_SHORT_NOW, "i", sku_id);
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		short_set *e = short_add(l, jg__i64(s, st, 0), err);

		if (!e) {
			rc = err->code;
			break;
		}
		e->was = jg__i64(s, st, 1);
	}
	s->drv->reset(st);
	if (rc < 0)
		return rc;
	n_was = l->n;
	if (n_was > 1) /* qsort must not see the NULL of an empty list */
		qsort(l->v, n_was, sizeof(*l->v), short_cmp);
	/* What they get now. */
	if (deficit > 0) {
		st = jg__q(s, err, SQL_OPEN_NEWEST, "i", sku_id);
		if (!st)
			return err->code;
		while (deficit > 0 && (rc = jg__step(s, st, err)) == 1) {
			int64_t units = jg__i64(s, st, 1), take = units < deficit ? units : deficit;
			short_set key = {jg__i64(s, st, 0), 0, 0};
			short_set *e = n_was ? bsearch(&key, l->v, n_was, sizeof(*l->v), short_cmp)
					     : NULL;

			if (!e)
				e = short_add(l, key.line_pk, err);
			if (!e) {
				rc = err->code;
				break;
			}
			e->now = take;
			deficit -= take;
		}
		s->drv->reset(st);
		if (rc < 0)
			return rc;
	}
	rc = 0;
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		if (l->v[i].now == l->v[i].was)
			continue;
		rc = jg__exec(s, err, SQL_SHORT_SET, "iii", l->v[i].now, l->v[i].line_pk, sku_id);
		if (rc == 0)
			rc = jg__mark(s, &s->dirty_line, l->v[i].line_pk, err);
	}
	return rc;
}

/* SKUs whose shortage must be assigned again: available is or was negative. */
typedef struct short_sku {
	int64_t id, deficit;
} short_sku;

static int note_short(short_sku **v, size_t *n, size_t *cap, const jg_i64map_slot *slot,
		      int64_t now_av, jg_err *err)
{
	/* The slot holds the transaction's change of on_hand (a) and committed (b). */
	int64_t old_av = now_av - (slot->a - slot->b);

	if (old_av >= 0 && now_av >= 0)
		return 0;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		short_sku *t = jg_realloc(*v, ncap * sizeof(*t));

		if (!t)
			return jg_err_set(err, JG_ENOMEM, "out of memory");
		*v = t;
		*cap = ncap;
	}
	(*v)[(*n)++] = (short_sku){slot->key, now_av < 0 ? -now_av : 0};
	return 0;
}

static const char SQL_SKU_STATES[] = "SELECT id, on_hand - committed FROM sku";

static int settle_oversold(jg_store *s, bool many, jg_err *err)
{
	jg_i64map *m = &s->dirty_sku;
	short_list items = {NULL, 0, 0};
	short_sku *todo = NULL;
	size_t n = 0, cap = 0;
	jg__stmt *st;
	int rc = 0;

	if (many) {
		/* One scan of the table beats a query per SKU. */
		st = jg__q(s, err, SQL_SKU_STATES, "");
		if (!st)
			return err->code;
		while ((rc = jg__step(s, st, err)) == 1) {
			const jg_i64map_slot *slot = jg_i64map_get(m, jg__i64(s, st, 0));

			if (slot && (rc = note_short(&todo, &n, &cap, slot, jg__i64(s, st, 1), err)))
				break;
		}
		s->drv->reset(st);
	} else {
		for (size_t i = 0; i < m->cap && rc == 0; i++) {
			const jg_i64map_slot *slot = &m->slots[i];
			int64_t now_av;

			if (!slot->used)
				continue;
			st = jg__q(s, err, SQL_SKU_STATE, "i", slot->key);
			if (!st) {
				rc = err->code;
				break;
			}
			rc = jg__step(s, st, err);
			now_av = rc == 1 ? jg__i64(s, st, 0) - jg__i64(s, st, 1) : 0;
			s->drv->reset(st);
			if (rc >= 0)
				rc = note_short(&todo, &n, &cap, slot, now_av, err);
		}
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = reassign(s, todo[i].id, todo[i].deficit, &items, err);
	jg_free(items.v);
	jg_free(todo);
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
/* CROSS JOIN keeps dirty_listing the outer loop (the planner, seeing an empty temp table
 * when it prepares this, would otherwise scan all of recipe_item for every settle), and
 * ordering by d.id, which equals r.listing_id, lets the loops' own order stand in for a
 * sort. */
static const char SQL_RECOMPUTE_SOME[] =
	RECOMPUTE_COLS " FROM dirty_listing d CROSS JOIN recipe_item r ON r.listing_id = d.id"
		       " JOIN listing l ON l.id = r.listing_id"
		       " JOIN sku s ON s.id = r.sku_id ORDER BY d.id, r.pos";
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
const char jg__sql_listed_set[] =
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

static const char SQL_SKU_STOCK[] = "SELECT id, on_hand - committed, safety, low_stock FROM sku";
static const char SQL_LISTINGS_ALL[] =
	"SELECT id, channel_id, listed, why, COALESCE(limit_sku_id, 0) FROM listing ORDER BY id";
static const char SQL_RECIPES_ALL[] =
	"SELECT listing_id, sku_id, qty FROM recipe_item ORDER BY listing_id, pos";

/* Every SKU's available stock (a), safety (b) and low-stock line (c) into `skus`. */
static int load_skus(jg_store *s, jg_i64map *skus, jg_err *err)
{
	jg__stmt *st = jg__q(s, err, SQL_SKU_STOCK, "");
	int rc;

	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		jg_i64map_slot *slot = jg_i64map_put(skus, jg__i64(s, st, 0), NULL);

		if (!slot) {
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
			break;
		}
		slot->a = jg__i64(s, st, 1);
		slot->b = jg__i64(s, st, 2);
		slot->c = jg__i64(s, st, 3);
	}
	s->drv->reset(st);
	return rc;
}

typedef struct copy_walk {
	walk *w;
	const jg_i64map *skus;
	jg_err *err;
} copy_walk;

/* One listing of the copy, as run_all takes it from the tables. */
static int copy_listing(int64_t id, int64_t channel_id, const int64_t *sku, const int64_t *per,
			size_t n_items, int64_t listed, int64_t why, int64_t limit_sku,
			void *payload)
{
	copy_walk *cw = payload;
	jg_component comps[JG_RECIPE_MAX];
	int64_t sku_ids[JG_RECIPE_MAX];
	size_t n = 0;

	for (size_t i = 0; i < n_items && n < JG_RECIPE_MAX; i++) {
		const jg_i64map_slot *slot = jg_i64map_get(cw->skus, sku[i]);

		if (!slot)
			continue; /* the join would drop it too */
		comps[n].per_unit = per[i];
		comps[n].available = slot->a;
		comps[n].safety = slot->b;
		comps[n].low_stock = slot->c;
		sku_ids[n] = sku[i];
		n++;
	}
	if (!n)
		return 0;
	return finish(cw->w, id, channel_id, comps, sku_ids, n, listed, why, limit_sku, cw->err);
}

/*
 * The full pass: what RECOMPUTE_COLS " FROM recipe_item r JOIN listing l ON l.id =
 * r.listing_id JOIN sku s ON s.id = r.sku_id ORDER BY r.listing_id, r.pos" would give, but
 * as three sequential scans merged here (SKUs into a map first, then listings and recipe
 * items side by side, both in listing order) instead of a join that seeks a listing and a
 * SKU for every recipe item. Listings without a recipe item are skipped, as the join skips
 * them.
 */
static int run_all(jg_store *s, walk *w, jg_err *err)
{
	jg_component comps[JG_RECIPE_MAX];
	int64_t sku_ids[JG_RECIPE_MAX];
	int64_t r_listing = 0, r_sku = 0, r_qty = 0;
	jg__stmt *ls = NULL, *rs = NULL;
	jg_i64map skus;
	int rc, rrc = 0;

	jg_i64map_init(&skus);
	rc = load_skus(s, &skus, err);
	if (rc < 0)
		goto out;
	ls = jg__q(s, err, SQL_LISTINGS_ALL, "");
	rs = ls ? jg__q(s, err, SQL_RECIPES_ALL, "") : NULL;
	if (!rs) {
		rc = err->code;
		goto out;
	}
	rrc = jg__step(s, rs, err);
	while (rrc >= 0 && (rc = jg__step(s, ls, err)) == 1) {
		int64_t id = jg__i64(s, ls, 0);
		size_t n = 0;

		for (; rrc == 1; rrc = jg__step(s, rs, err)) {
			const jg_i64map_slot *slot;

			r_listing = jg__i64(s, rs, 0);
			if (r_listing > id)
				break;
			if (r_listing < id || n == JG_RECIPE_MAX)
				continue; /* an item without a listing; a recipe never holds more */
			r_sku = jg__i64(s, rs, 1);
			r_qty = jg__i64(s, rs, 2);
			slot = jg_i64map_get(&skus, r_sku);
			if (!slot)
				continue; /* the join would drop it too */
			comps[n].per_unit = r_qty;
			comps[n].available = slot->a;
			comps[n].safety = slot->b;
			comps[n].low_stock = slot->c;
			sku_ids[n] = r_sku;
			n++;
		}
		if (n && (rc = finish(w, id, jg__i64(s, ls, 1), comps, sku_ids, n, jg__i64(s, ls, 2),
				      jg__i64(s, ls, 3), jg__i64(s, ls, 4), err)))
			break;
	}
	if (rc == 0 && rrc < 0)
		rc = rrc;
out:
	if (ls)
		s->drv->reset(ls);
	if (rs)
		s->drv->reset(rs);
	jg_i64map_free(&skus);
	return rc;
}

/*
 * The full pass from the in-memory listing copy (match.c) when the transaction has one: the
 * same listings, recipes and stored values as run_all reads from the tables (the copy
 * always says what the tables say), without reading 20,000 listings and their recipe items
 * through SQL at every commit of an import.
 */
static int run_copy(jg_store *s, walk *w, jg_err *err)
{
	jg_i64map skus;
	copy_walk cw = {w, &skus, err};
	int rc;

	jg_i64map_init(&skus);
	rc = load_skus(s, &skus, err);
	if (rc == 0 && s->listing_copy)
		rc = jg__listing_copy_walk(s, copy_listing, &cw);
	else if (rc == 0) /* cannot happen: reading the SKUs writes no listing */
		rc = run_all(s, w, err);
	jg_i64map_free(&skus);
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
	/* Compare mode (check) reads the tables themselves, never the copy. */
	/* The copy's stored quantities are trusted only where every other connection's
	 * commit drops the copy (db.h, versions_every_commit). */
	if (all && !on_mismatch && s->listing_copy && s->drv->versions_every_commit)
		rc = run_copy(s, &w, err);
	else
		rc = all ? run_all(s, &w, err) : run_pass(s, SQL_RECOMPUTE_SOME, &w, err);
	for (size_t i = 0; rc == 0 && i < w.n; i++) {
		const pending *p = &w.todo[i];

		rc = jg__exec(s, err, jg__sql_listed_set, "iiiii", p->listed, p->why, p->limit_sku,
			      now, p->id);
		if (rc == 0 && s->listing_copy)
			jg__listing_copy_set(s, p->id, p->listed, p->why, p->limit_sku);
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


static int wants_full_pass(jg_store *s, bool *out, jg_err *err)
{
	int64_t skus = 0;
	int rc;

	*out = s->dirty_all;
	if (*out || s->dirty_sku.len < FULL_PASS_MIN_SKUS)
		return 0;
	rc = jg__scalar(s, &skus, err, "SELECT COUNT(*) FROM sku", "");
	if (rc < 0)
		return rc;
	*out = (int64_t)s->dirty_sku.len * 4 >= skus;
	return 0;
}

int jg__settle(jg_store *s, jg_err *err)
{
	bool full = false, done = false;
	int rc;

	jg__settle_mem_begin(s);
	rc = jg__flush(s, JG__HELD_ALL, err);

	if (rc == 0)
		rc = wants_full_pass(s, &full, err);
	if (rc == 0)
		rc = settle_oversold(s, full && s->dirty_sku.len >= FULL_PASS_MIN_SKUS, err);
	if (rc)
		return rc;
	/* From memory when a model is kept (settle_mem.c); a full pass does not make one. */
	rc = jg__settle_mem(s, !full, &done, err);
	if (rc || done)
		return rc;
	if (full)
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
