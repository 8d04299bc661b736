/* SPDX-License-Identifier: MIT */
/*
 * Finding the listing an order line names, by (channel, product id, option key), with its
 * recipe; and the one in-memory model of the listings that matching and settling share.
 *
 * Normally one indexed query per line. A transaction that asks many times (a batch of a
 * whole order file) gets an in-memory copy of every listing and recipe instead, read by
 * two sequential scans side by side: 100,000 lines then cost 100,000 hash lookups rather
 * than 100,000 random descents into the listing index, the largest single cost of a big
 * batch. The copy also holds each listing's stored listed quantity, reason and limiting
 * SKU, which settling's full pass (settle.c) reads instead of the tables, and, once the
 * incremental settle (settle_mem.c) first needs it, the reverse index SKU -> listings; that
 * settle makes the copy itself when there is none (the server's writer matches too few
 * lines per transaction for matching to make it).
 *
 * It always says what the tables say. The rules, all of them:
 *   - any statement that may write the listing or recipe_item table drops it (store.c
 *     marks such statements when it prepares them), except an UPDATE of a listing's state
 *     that sets none of the copied columns, and settling's own UPDATE of listed, why and
 *     limit_sku_id (jg__sql_listed_set), whose values settling writes into the copy too
 *     (jg__listing_copy_set, or settle_mem.c directly);
 *   - a rollback drops it when it was made or its stored values changed in that
 *     transaction (`touched`: it may hold writes that are now undone, a settle whose
 *     transaction did not commit among them); otherwise it is still true;
 *   - at the start of a transaction it is dropped when another connection has committed
 *     since it was made (the database's data version moved, jg__listing_copy_check);
 *   - the stored quantities are trusted across transactions only where that data version
 *     moves at every other connection's commit (db.h, versions_every_commit): on
 *     PostgreSQL other servers settle the same listings without moving it, so there only
 *     the keys and recipes are used.
 * Otherwise it serves the following transactions too (the next file of an import, the
 * writer's next group commit).
 */
#include <string.h>

#include "listing_copy.h"
#include "store_int.h"

#define COPY_FIRST_CHECK 4096     /* lookups in a transaction before a copy is considered */
#define COPY_RATIO 16             /* ... and then at least one lookup per this many listings */
#define COPY_MAX_LISTINGS 1000000 /* a bigger shop stays with the query */
#define COPY_MAX_BYTES ((size_t)256 << 20)

/* The listing a new line maps to, with its recipe: one row per component. */
static const char SQL_MATCH[] =
	"SELECT l.id, r.sku_id, r.qty FROM listing l LEFT JOIN recipe_item r ON r.listing_id = l.id"
	" WHERE l.channel_id = ? AND l.product_id = ? AND l.option_key = ? ORDER BY r.pos";
static const char SQL_LISTINGS[] = "SELECT COUNT(*) FROM listing";
static const char SQL_COPY_LISTINGS[] =
	"SELECT id, channel_id, product_id, option_key, listed, why, COALESCE(limit_sku_id, 0)"
	" FROM listing ORDER BY id";
static const char SQL_COPY_RECIPES[] =
	"SELECT listing_id, sku_id, qty FROM recipe_item ORDER BY listing_id, pos";

typedef jg__copy_entry entry;

static uint64_t key_hash(int64_t channel_id, const char *product_id, const char *key)
{
	uint64_t h = 14695981039346656037ull ^ ((uint64_t)channel_id * 0x9E3779B97F4A7C15ull);

	for (const unsigned char *p = (const unsigned char *)product_id; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull; /* a separator no UTF-8 text contains */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h ^ (h >> 29);
}

void jg__listing_copy_drop(jg_store *s)
{
	jg__listing_copy *c = s->listing_copy;

	if (!c)
		return;
	jg_free(c->v);
	jg_free(c->slots);
	jg_free(c->sku);
	jg_free(c->per);
	jg_free(c->rev);
	jg_i64map_free(&c->by_sku);
	jg_arena_free(&c->strings);
	jg_free(c);
	s->listing_copy = NULL;
}

static bool grow_entries(jg__listing_copy *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 1024;
	entry *t;

	if (c->n < c->cap)
		return true;
	t = jg_realloc(c->v, ncap * sizeof(*t));
	if (!t)
		return false;
	c->v = t;
	c->cap = ncap;
	return true;
}

/* sku[] and per[] grow together. */
static bool grow_components(jg__listing_copy *c)
{
	size_t ncap = c->capcomp ? c->capcomp * 2 : 1024;
	int64_t *a, *b;

	if (c->ncomp < c->capcomp)
		return true;
	a = jg_realloc(c->sku, ncap * sizeof(*a));
	if (!a)
		return false;
	c->sku = a;
	b = jg_realloc(c->per, ncap * sizeof(*b));
	if (!b)
		return false;
	c->per = b;
	c->capcomp = ncap;
	return true;
}

int jg__listing_copy_build(jg_store *s, size_t max_listings, jg_err *err)
{
	jg__listing_copy *c = jg_calloc(1, sizeof(*c));
	jg__stmt *ls, *rs = NULL;
	bool ok = c != NULL;
	int rc = 0, rrc = 0;

	jg__listing_copy_drop(s);
	if (!ok)
		return 0;
	jg_arena_init(&c->strings, COPY_MAX_BYTES);
	jg_i64map_init(&c->by_sku);
	c->touched = true;
	s->listing_copy = c;
	rc = s->drv->data_version(s->db, &c->data_version, err);
	if (rc) {
		jg__listing_copy_drop(s);
		return rc;
	}
	ls = jg__q(s, err, SQL_COPY_LISTINGS, "");
	rs = ls ? jg__q(s, err, SQL_COPY_RECIPES, "") : NULL;
	if (!rs) {
		if (ls)
			s->drv->reset(ls);
		jg__listing_copy_drop(s);
		return err->code ? err->code : JG_EDB;
	}
	/* Both in listing order: walk them side by side (no seek per listing). */
	rrc = jg__step(s, rs, err);
	while (ok && rrc >= 0 && (rc = jg__step(s, ls, err)) == 1) {
		int64_t id = jg__i64(s, ls, 0);
		entry *e;

		ok = c->n < max_listings && grow_entries(c);
		if (!ok)
			break;
		e = &c->v[c->n++];
		e->listing_id = id;
		e->channel_id = jg__i64(s, ls, 1);
		e->product_id = jg_arena_strdup(&c->strings, jg__text(s, ls, 2));
		e->key = jg_arena_strdup(&c->strings, jg__text(s, ls, 3));
		e->listed = jg__i64(s, ls, 4);
		e->why = jg__i64(s, ls, 5);
		e->limit_sku = jg__i64(s, ls, 6);
		e->first = c->ncomp;
		e->n = 0;
		e->stamp = 0;
		ok = e->product_id && e->key;
		e->hash = ok ? key_hash(e->channel_id, e->product_id, e->key) : 0;
		for (; ok && rrc == 1; rrc = jg__step(s, rs, err)) {
			int64_t r_listing = jg__i64(s, rs, 0);

			if (r_listing > id)
				break;
			if (r_listing < id || e->n == JG_RECIPE_MAX)
				continue; /* an item without a listing; a recipe never holds more */
			ok = grow_components(c);
			if (!ok)
				break;
			c->sku[c->ncomp] = jg__i64(s, rs, 1);
			c->per[c->ncomp] = jg__i64(s, rs, 2);
			c->ncomp++;
			e->n++;
		}
	}
	s->drv->reset(ls);
	s->drv->reset(rs);
	if (rrc < 0)
		rc = rrc; /* the listing loop stopped on it with rc == 1 */
	if (rc < 0 || !ok) {
		jg__listing_copy_drop(s);
		return rc < 0 ? rc : 0;
	}
	c->nslots = 1024;
	while (c->nslots < 2 * c->n)
		c->nslots *= 2;
	c->slots = jg_calloc(c->nslots, sizeof(*c->slots));
	if (!c->slots || c->n >= UINT32_MAX) {
		jg__listing_copy_drop(s);
		return 0;
	}
	for (size_t i = 0; i < c->n; i++) {
		size_t j = c->v[i].hash & (c->nslots - 1);

		while (c->slots[j])
			j = (j + 1) & (c->nslots - 1);
		c->slots[j] = (uint32_t)(i + 1);
	}
	return 0;
}

/* The reverse index from the recipes: counts, offsets, then the listing indexes. */
int jg__listing_copy_index(jg_store *s)
{
	jg__listing_copy *c = s->listing_copy;
	int64_t at = 0;

	if (!c || c->indexed)
		return 0;
	for (size_t i = 0; i < c->ncomp; i++) {
		jg_i64map_slot *slot = jg_i64map_put(&c->by_sku, c->sku[i], NULL);

		if (!slot)
			goto nomem;
		slot->b++;
	}
	for (size_t i = 0; i < c->by_sku.cap; i++) {
		jg_i64map_slot *slot = &c->by_sku.slots[i];

		if (!slot->used)
			continue;
		slot->a = at;
		at += slot->b;
		slot->c = 0; /* filled so far */
	}
	c->rev = jg_malloc((size_t)(at ? at : 1) * sizeof(*c->rev));
	if (!c->rev)
		goto nomem;
	for (size_t li = 0; li < c->n; li++) {
		const entry *e = &c->v[li];

		for (size_t k = 0; k < e->n; k++) {
			jg_i64map_slot *slot = jg_i64map_get(&c->by_sku, c->sku[e->first + k]);

			/* A recipe naming one SKU twice lists the listing once per item: the
			 * stamp makes a settle queue it once. */
			c->rev[slot->a + slot->c++] = (uint32_t)li;
		}
	}
	c->indexed = true;
	return 0;
nomem:
	jg__listing_copy_drop(s);
	return JG_ENOMEM;
}

int jg__listing_copy_walk(jg_store *s, jg__copy_listing_fn fn, void *payload)
{
	const jg__listing_copy *c = s->listing_copy;
	int rc = 0;

	for (size_t i = 0; c && i < c->n && rc == 0; i++) {
		const entry *e = &c->v[i];

		rc = fn(e->listing_id, e->channel_id, &c->sku[e->first], &c->per[e->first], e->n,
			e->listed, e->why, e->limit_sku, payload);
	}
	return rc;
}

void jg__listing_copy_set(jg_store *s, int64_t listing_id, int64_t listed, int64_t why,
			  int64_t limit_sku)
{
	jg__listing_copy *c = s->listing_copy;
	size_t lo = 0, hi;

	if (!c)
		return;
	hi = c->n;
	/* Settling writes in listing id order: walk on from the last one while that is
	 * short, else search (entries are in listing id order). */
	if (c->set_next < c->n && c->v[c->set_next].listing_id <= listing_id) {
		lo = c->set_next;
		hi = lo + 64 < c->n ? lo + 64 : c->n;
		while (lo < hi && c->v[lo].listing_id < listing_id)
			lo++;
		if (lo == hi && hi < c->n)
			hi = c->n;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->v[mid].listing_id < listing_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	c->set_next = lo + 1;
	if (lo < c->n && c->v[lo].listing_id == listing_id) {
		c->touched = true;
		c->v[lo].listed = listed;
		c->v[lo].why = why;
		c->v[lo].limit_sku = limit_sku;
	} else {
		jg__listing_copy_drop(s); /* cannot happen; a copy that missed it is wrong */
	}
}

void jg__listing_copy_tx_end(jg_store *s, bool committed)
{
	if (!s->listing_copy)
		return;
	if (!committed && s->listing_copy->touched)
		jg__listing_copy_drop(s);
	else
		s->listing_copy->touched = false;
}

int jg__listing_copy_check(jg_store *s, jg_err *err)
{
	int64_t v = 0;
	int rc;

	if (!s->listing_copy)
		return 0;
	rc = s->drv->data_version(s->db, &v, err);
	if (rc || v != s->listing_copy->data_version)
		jg__listing_copy_drop(s);
	return rc;
}

/* Makes the copy when this transaction has asked often enough for it to pay. */
static int consider_copy(jg_store *s, jg_err *err)
{
	int64_t listings = 0;
	int rc;

	if (!s->match_next_check)
		s->match_next_check = COPY_FIRST_CHECK;
	if (++s->matches < s->match_next_check)
		return 0;
	s->match_next_check *= 2;
	rc = jg__scalar(s, &listings, err, SQL_LISTINGS, "");
	if (rc < 0)
		return rc;
	if (listings > COPY_MAX_LISTINGS || s->matches * COPY_RATIO < listings)
		return 0;
	rc = jg__listing_copy_build(s, COPY_MAX_LISTINGS, err);
	if (rc == 0 && !s->listing_copy)
		s->match_next_check = INT64_MAX; /* short of memory: do not try again */
	return rc;
}

int jg__listing_match(jg_store *s, int64_t channel_id, const char *product_id, const char *key,
		      int64_t *out_id, int64_t *sku, int64_t *per, size_t *n, jg_err *err)
{
	jg__stmt *st;
	int rc;

	*out_id = 0;
	*n = 0;
	if (!s->listing_copy && s->in_tx && (rc = consider_copy(s, err)) < 0)
		return rc;
	if (s->listing_copy) {
		const jg__listing_copy *c = s->listing_copy;
		uint64_t h = key_hash(channel_id, product_id, key);

		for (size_t i = h & (c->nslots - 1); c->slots[i]; i = (i + 1) & (c->nslots - 1)) {
			const entry *e = &c->v[c->slots[i] - 1];

			if (e->hash == h && e->channel_id == channel_id &&
			    strcmp(e->product_id, product_id) == 0 && strcmp(e->key, key) == 0) {
				*out_id = e->listing_id;
				*n = e->n;
				memcpy(sku, &c->sku[e->first], e->n * sizeof(*sku));
				memcpy(per, &c->per[e->first], e->n * sizeof(*per));
				break;
			}
		}
		return 0;
	}
	/* 'T': the texts outlive the statement's reset below. */
	st = jg__q(s, err, SQL_MATCH, "iTT", channel_id, product_id, key);
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		*out_id = jg__i64(s, st, 0);
		if (!jg__isnull(s, st, 1) && *n < JG_RECIPE_MAX) {
			sku[*n] = jg__i64(s, st, 1);
			per[*n] = jg__i64(s, st, 2);
			(*n)++;
		}
	}
	s->drv->reset(st);
	return rc < 0 ? rc : 0;
}
