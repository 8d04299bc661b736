/* SPDX-License-Identifier: MIT */
/*
 * Settling listed quantities from memory: the path of a store that commits many
 * transactions of a few hundred to a few thousand order lines, one after another (the
 * server's group-committing writer). The SQL pass (settle.c) finds the listings of the
 * touched SKUs by filling a temporary table from the reverse index, one INSERT ... SELECT
 * per SKU, and joins it with recipe_item, listing and sku: about 13,000 instructions per
 * dirty listing, more than half of the cost of such a commit. Here the in-memory listing
 * copy (match.c, listing_copy.h: every listing's channel, recipe, stored quantity, reason
 * and limiting SKU) with its reverse index SKU -> listings serves instead: a commit finds
 * its dirty listings in memory, reads the state of the SKUs they need (one indexed query
 * each), computes with jg_listed_compute() exactly as the SQL pass does and writes the
 * same UPDATE (jg__sql_listed_set) for each listing whose quantity, reason or limiting SKU
 * changed, and the same values into the copy.
 *
 * What keeps the copy true is match.c's, in one place. This path adds only: it runs where
 * the copy's stored quantities may be trusted across transactions (versions_every_commit),
 * for a settle whose only changes are SKUs (recipe, listing and rule changes and global
 * settings go to the SQL pass, which keeps the copy in step); it makes the copy, or only
 * the reverse index of a copy that matching made, for a settle with at least
 * jg__settle_mem_min (64) dirty SKUs, so a command-line store that commits one order never
 * pays for it.
 */
#include <stdlib.h>
#include <string.h>

#include "listing_copy.h"
#include "settle.h"
#include "settle_mem.h"
#include "store_int.h"

#define MEM_MAX_LISTINGS 4000000 /* a bigger shop stays with the SQL pass */

int jg__settle_mem_min = 64;

static const char SQL_MODEL_SKU[] =
	"SELECT on_hand - committed, safety, low_stock FROM sku WHERE id = ?";

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *t;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	while (ncap < need)
		ncap *= 2;
	t = jg_realloc(*v, ncap * size);
	if (!t)
		return JG_ENOMEM;
	*v = t;
	*cap = ncap;
	return 0;
}

/* The state of a SKU a dirty listing needs, from `states` or read into it. NULL when the
 * SKU is not there (the SQL pass's join drops such a component too), or on an error
 * (*rc < 0). */
static const jg_i64map_slot *sku_state(jg_store *s, jg_i64map *states, int64_t sku_id, int *rc,
				       jg_err *err)
{
	jg_i64map_slot *slot = jg_i64map_get(states, sku_id);
	jg__stmt *st;
	int created = 0;

	if (slot)
		return slot->flag ? slot : NULL;
	st = jg__q(s, err, SQL_MODEL_SKU, "i", sku_id);
	if (!st) {
		*rc = err->code ? err->code : JG_EDB;
		return NULL;
	}
	*rc = jg__step(s, st, err);
	if (*rc < 0) {
		s->drv->reset(st);
		return NULL;
	}
	slot = jg_i64map_put(states, sku_id, &created);
	if (!slot) {
		s->drv->reset(st);
		*rc = jg_err_set(err, JG_ENOMEM, "out of memory");
		return NULL;
	}
	slot->flag = *rc == 1;
	if (*rc == 1) {
		slot->a = jg__i64(s, st, 0);
		slot->b = jg__i64(s, st, 1);
		slot->c = jg__i64(s, st, 2);
	}
	s->drv->reset(st);
	*rc = 0;
	return slot->flag ? slot : NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int jg__settle_mem(jg_store *s, bool may_build, bool *done, jg_err *err)
{
	jg__listing_copy *m = s->listing_copy;
	jg__rules rules = {0};
	jg_i64map states;
	uint32_t *todo = NULL;
	size_t ntodo = 0, captodo = 0;
	int64_t computed = 0, changed = 0, now = jg_now_ms();
	int rc = 0;

	*done = false;
	if (!s->drv->versions_every_commit)
		return 0; /* other servers settle too: stored quantities cannot be kept */
	if (s->dirty_listing.len || s->dirty_channel.len || s->dirty_all || !s->dirty_sku.len)
		return 0; /* the SQL pass settles (and keeps the copy in step) */
	if (!m || !m->indexed) {
		jg_err e = {0};

		if (!may_build || s->dirty_sku.len < (size_t)jg__settle_mem_min)
			return 0;
		/* The SQL pass settles also when the copy cannot be made. */
		if (!m && (jg__listing_copy_build(s, MEM_MAX_LISTINGS, &e) || !s->listing_copy))
			return 0;
		if (jg__listing_copy_index(s))
			return 0;
		m = s->listing_copy;
	}
	jg_i64map_init(&states);

	/* The dirty listings, each once, in id order. */
	if (++m->stamp == 0) {
		for (size_t i = 0; i < m->n; i++)
			m->v[i].stamp = 0;
		m->stamp = 1;
	}
	for (size_t i = 0; i < s->dirty_sku.cap; i++) {
		const jg_i64map_slot *d = &s->dirty_sku.slots[i], *r;

		if (!d->used || !(r = jg_i64map_get(&m->by_sku, d->key)))
			continue;
		if (grow((void **)&todo, &captodo, ntodo + (size_t)r->b, sizeof(*todo))) {
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
			goto out;
		}
		for (int64_t k = 0; k < r->b; k++) {
			uint32_t li = m->rev[r->a + k];

			if (m->v[li].stamp != m->stamp) {
				m->v[li].stamp = m->stamp;
				todo[ntodo++] = li;
			}
		}
	}
	if (ntodo > 1)
		qsort(todo, ntodo, sizeof(*todo), cmp_u32);
	rc = jg__rules_load(s, &rules, err);
	if (rc)
		goto out;
	for (size_t t = 0; t < ntodo; t++) {
		jg__copy_entry *l = &m->v[todo[t]];
		jg_component comps[JG_RECIPE_MAX];
		int64_t sku_ids[JG_RECIPE_MAX], limit_sku;
		const jg__rule_row *rr;
		jg_rule def;
		jg_listed out;
		size_t n = 0;

		for (size_t k = 0; k < l->n; k++) {
			int64_t sku_id = m->sku[l->first + k];
			const jg_i64map_slot *st = sku_state(s, &states, sku_id, &rc, err);

			if (rc)
				goto out;
			if (!st)
				continue;
			comps[n].per_unit = m->per[l->first + k];
			comps[n].available = st->a;
			comps[n].safety = st->b;
			comps[n].low_stock = st->c;
			sku_ids[n] = sku_id;
			n++;
		}
		if (n == 0)
			continue; /* the join gives such a listing no rows */
		rr = jg__rules_find(&rules, l->channel_id);
		if (!rr)
			jg_rule_default(&def);
		jg_listed_compute(&out, rr ? &rr->rule : &def, rules.top, comps, n);
		limit_sku = out.component >= 0 ? sku_ids[out.component] : 0;
		computed++;
		if (out.qty == l->listed && (int64_t)out.why == l->why && limit_sku == l->limit_sku)
			continue;
		/* The one statement that sets these without dropping the copy (store.c). */
		rc = jg__exec(s, err, jg__sql_listed_set, "iiiii", out.qty, (int64_t)out.why,
			      limit_sku, now, l->listing_id);
		if (rc)
			goto out;
		m->touched = true; /* a rollback drops it */
		l->listed = out.qty;
		l->why = (int64_t)out.why;
		l->limit_sku = limit_sku;
		changed++;
	}
	s->stats.listings_recomputed += computed;
	s->stats.listings_changed += changed;
	*done = true;
out:
	if (rc) {
		/* The copy may hold quantities this transaction will not commit. */
		jg__listing_copy_drop(s);
	}
	jg__rules_free(&rules);
	jg_i64map_free(&states);
	jg_free(todo);
	return rc;
}
