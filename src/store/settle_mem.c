/* SPDX-License-Identifier: MIT */
/*
 * Settling listed quantities from memory: the path of a store that commits many
 * transactions of a few hundred to a few thousand order lines, one after another (the
 * server's group-committing writer). The SQL pass (settle.c) finds the listings of the
 * touched SKUs by filling a temporary table from the reverse index, one INSERT ... SELECT
 * per SKU, and joins it with recipe_item, listing and sku: about 13,000 instructions per
 * dirty listing, more than half of the cost of such a commit. Here a model of every
 * listing (its channel, its recipe, the quantity, reason and limiting SKU it has stored)
 * with the reverse index SKU -> listings is read once, by two sequential scans, and kept:
 * a commit then finds its dirty listings in memory, reads the state of the SKUs they need
 * (one indexed query each), computes with jg_listed_compute() exactly as the SQL pass does
 * and writes the same UPDATE for each listing whose quantity, reason or limiting SKU
 * changed.
 *
 * The model must say what the database says, so it is kept only while nothing else can
 * have written a listing's quantity or recipe:
 *   - another connection committed (the driver's data version moved): dropped;
 *   - the previous settle's transaction did not commit (the commit counter is not the
 *     one expected): dropped, since the model took that settle's quantities;
 *   - anything else on this connection wrote listed quantities (the SQL pass, a full
 *     recompute: the listings_changed counter moved without us): dropped;
 *   - a recipe or listing was written in this transaction (dirty_listing): dropped, and
 *     the SQL pass settles.
 * Rule changes (dirty_channel) and global settings (dirty_all) go to the SQL pass too;
 * the model survives them when they change no quantity. A model is built only for a
 * settle with at least jg__settle_mem_min (64) dirty SKUs, so a command-line store that
 * commits one order never pays for it.
 */
#include <stdlib.h>
#include <string.h>

#include "settle.h"
#include "settle_mem.h"
#include "store_int.h"

#define MEM_MAX_LISTINGS 4000000 /* a bigger shop stays with the SQL pass */

int jg__settle_mem_min = 64;

static const char SQL_MODEL_LISTINGS[] =
	"SELECT id, channel_id, listed, why, COALESCE(limit_sku_id, 0) FROM listing ORDER BY id";
static const char SQL_MODEL_RECIPES[] =
	"SELECT listing_id, sku_id, qty FROM recipe_item ORDER BY listing_id, pos";
static const char SQL_MODEL_SKU[] =
	"SELECT on_hand - committed, safety, low_stock FROM sku WHERE id = ?";
/* The statement of settle.c's pass, word for word: the same row is written. */
static const char SQL_MODEL_SET[] =
	"UPDATE listing SET listed = ?, why = ?, limit_sku_id = ?, updated_at = ? WHERE id = ?";

typedef struct mlisting {
	int64_t id, channel_id;
	int64_t listed, why, limit_sku; /* as stored */
	uint32_t first, n;              /* its components: comp[first .. first + n) */
	uint32_t stamp;                 /* the settle that last queued it */
} mlisting;

typedef struct mcomp {
	int64_t sku_id, per_unit;
} mcomp;

struct jg__listing_model {
	mlisting *l; /* by id */
	size_t nl, capl;
	mcomp *comp;
	size_t ncomp, capcomp;
	jg_i64map by_sku; /* sku id -> a: first index in rev[], b: count */
	uint32_t *rev;    /* listing indexes, grouped by SKU */
	uint32_t stamp;
	int64_t data_version; /* the driver's, when built */
	int64_t commits;      /* s->stats.commits expected at the next settle */
	int64_t changed;      /* s->stats.listings_changed expected at the next settle */
};

void jg__listing_model_drop(jg_store *s)
{
	jg__listing_model *m = s->listing_model;

	if (!m)
		return;
	jg_free(m->l);
	jg_free(m->comp);
	jg_free(m->rev);
	jg_i64map_free(&m->by_sku);
	jg_free(m);
	s->listing_model = NULL;
}

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

/* The reverse index from the recipes: counts, offsets, then the listing indexes. */
static int index_skus(jg__listing_model *m)
{
	int64_t at = 0;

	for (size_t i = 0; i < m->ncomp; i++) {
		jg_i64map_slot *slot = jg_i64map_put(&m->by_sku, m->comp[i].sku_id, NULL);

		if (!slot)
			return JG_ENOMEM;
		slot->b++;
	}
	for (size_t i = 0; i < m->by_sku.cap; i++) {
		jg_i64map_slot *slot = &m->by_sku.slots[i];

		if (!slot->used)
			continue;
		slot->a = at;
		at += slot->b;
		slot->c = 0; /* filled so far */
	}
	m->rev = jg_malloc((size_t)(at ? at : 1) * sizeof(*m->rev));
	if (!m->rev)
		return JG_ENOMEM;
	for (size_t li = 0; li < m->nl; li++) {
		const mlisting *l = &m->l[li];

		for (uint32_t k = 0; k < l->n; k++) {
			jg_i64map_slot *slot =
				jg_i64map_get(&m->by_sku, m->comp[l->first + k].sku_id);

			/* A recipe naming one SKU twice lists the listing once per item: the
			 * stamp makes a settle queue it once. */
			m->rev[slot->a + slot->c++] = (uint32_t)li;
		}
	}
	return 0;
}

/* Reads every listing and recipe item into a new model. 0, or an error (the caller goes
 * on with the SQL pass). */
static int build(jg_store *s, jg_err *err)
{
	jg__listing_model *m = jg_calloc(1, sizeof(*m));
	jg__stmt *ls = NULL, *rs = NULL;
	int rc, rrc;

	if (!m)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	jg_i64map_init(&m->by_sku);
	rc = s->drv->data_version(s->db, &m->data_version, err);
	if (rc)
		goto fail;
	ls = jg__q(s, err, SQL_MODEL_LISTINGS, "");
	if (!ls) {
		rc = err->code;
		goto fail;
	}
	while ((rc = jg__step(s, ls, err)) == 1) {
		mlisting *l;

		if (m->nl == MEM_MAX_LISTINGS) {
			rc = jg_err_set(err, JG_ELIMIT, "too many listings to keep in memory");
			break;
		}
		if (grow((void **)&m->l, &m->capl, m->nl + 1, sizeof(*m->l))) {
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
			break;
		}
		l = &m->l[m->nl++];
		memset(l, 0, sizeof(*l));
		l->id = jg__i64(s, ls, 0);
		l->channel_id = jg__i64(s, ls, 1);
		l->listed = jg__i64(s, ls, 2);
		l->why = jg__i64(s, ls, 3);
		l->limit_sku = jg__i64(s, ls, 4);
	}
	s->drv->reset(ls);
	if (rc < 0)
		goto fail;
	rs = jg__q(s, err, SQL_MODEL_RECIPES, "");
	if (!rs) {
		rc = err->code;
		goto fail;
	}
	/* Both in listing order: walk them side by side. */
	{
		size_t li = 0;

		while ((rrc = jg__step(s, rs, err)) == 1) {
			int64_t lid = jg__i64(s, rs, 0);

			while (li < m->nl && m->l[li].id < lid)
				li++;
			if (li == m->nl || m->l[li].id != lid)
				continue; /* an item without a listing: the join drops it */
			if (m->l[li].n == 0)
				m->l[li].first = (uint32_t)m->ncomp;
			if (m->l[li].n == JG_RECIPE_MAX)
				continue; /* as the SQL pass: a recipe never holds more */
			if (grow((void **)&m->comp, &m->capcomp, m->ncomp + 1, sizeof(*m->comp))) {
				rrc = jg_err_set(err, JG_ENOMEM, "out of memory");
				break;
			}
			m->comp[m->ncomp].sku_id = jg__i64(s, rs, 1);
			m->comp[m->ncomp].per_unit = jg__i64(s, rs, 2);
			m->ncomp++;
			m->l[li].n++;
		}
		s->drv->reset(rs);
		if (rrc < 0) {
			rc = rrc;
			goto fail;
		}
	}
	if (index_skus(m)) {
		rc = jg_err_set(err, JG_ENOMEM, "out of memory");
		goto fail;
	}
	s->listing_model = m;
	return 0;
fail:
	s->listing_model = m;
	jg__listing_model_drop(s);
	return rc;
}

void jg__settle_mem_begin(jg_store *s)
{
	jg__listing_model *m = s->listing_model;

	if (!m)
		return;
	if (s->stats.commits != m->commits || s->stats.listings_changed != m->changed) {
		jg__listing_model_drop(s);
		return;
	}
	m->commits = s->stats.commits + 1; /* if this transaction commits */
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
	jg__listing_model *m;
	jg__rules rules = {0};
	jg_i64map states;
	uint32_t *todo = NULL;
	size_t ntodo = 0, captodo = 0;
	int64_t computed = 0, changed = 0, now = jg_now_ms(), v;
	int rc = 0;

	*done = false;
	if (!s->drv->versions_every_commit)
		return 0; /* other servers settle too: stored quantities cannot be kept */
	if (s->dirty_listing.len) {
		jg__listing_model_drop(s); /* a recipe or listing changed */
		return 0;
	}
	if (s->dirty_channel.len || s->dirty_all || !s->dirty_sku.len)
		return 0;
	if (s->listing_model) {
		rc = s->drv->data_version(s->db, &v, err);
		if (rc)
			return rc;
		if (v != s->listing_model->data_version)
			jg__listing_model_drop(s);
	}
	if (!s->listing_model) {
		jg_err e = {0};

		if (!may_build || s->dirty_sku.len < (size_t)jg__settle_mem_min || build(s, &e))
			return 0; /* the SQL pass settles (also when the model cannot be made) */
		s->listing_model->commits = s->stats.commits + 1;
		s->listing_model->changed = s->stats.listings_changed;
	}
	m = s->listing_model;
	jg_i64map_init(&states);

	/* The dirty listings, each once, in id order. */
	if (++m->stamp == 0) {
		for (size_t i = 0; i < m->nl; i++)
			m->l[i].stamp = 0;
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

			if (m->l[li].stamp != m->stamp) {
				m->l[li].stamp = m->stamp;
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
		mlisting *l = &m->l[todo[t]];
		jg_component comps[JG_RECIPE_MAX];
		int64_t sku_ids[JG_RECIPE_MAX], limit_sku;
		const jg__rule_row *rr;
		jg_rule def;
		jg_listed out;
		size_t n = 0;

		for (uint32_t k = 0; k < l->n; k++) {
			const mcomp *c = &m->comp[l->first + k];
			const jg_i64map_slot *st = sku_state(s, &states, c->sku_id, &rc, err);

			if (rc)
				goto out;
			if (!st)
				continue;
			comps[n].per_unit = c->per_unit;
			comps[n].available = st->a;
			comps[n].safety = st->b;
			comps[n].low_stock = st->c;
			sku_ids[n] = c->sku_id;
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
		rc = jg__exec(s, err, SQL_MODEL_SET, "iiiii", out.qty, (int64_t)out.why, limit_sku,
			      now, l->id);
		if (rc)
			goto out;
		l->listed = out.qty;
		l->why = (int64_t)out.why;
		l->limit_sku = limit_sku;
		changed++;
	}
	s->stats.listings_recomputed += computed;
	s->stats.listings_changed += changed;
	m->changed = s->stats.listings_changed;
	*done = true;
out:
	if (rc) {
		/* The model may hold quantities this transaction will not commit. */
		jg__listing_model_drop(s);
	}
	jg__rules_free(&rules);
	jg_i64map_free(&states);
	jg_free(todo);
	return rc;
}
