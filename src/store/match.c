/* SPDX-License-Identifier: MIT */
/*
 * Finding the listing an order line names, by (channel, product id, option key), with its
 * recipe. Normally one indexed query per line. A transaction that asks many times (a batch
 * of a whole order file) gets an in-memory copy of every listing and recipe instead, made
 * by one sequential scan: 100,000 lines then cost 100,000 hash lookups rather than 100,000
 * random descents into the listing index, the largest single cost of a big batch. The copy
 * is dropped by any statement that writes the listing or recipe_item table (store.c marks
 * such statements when it prepares them), by a rollback, and at the start of a transaction
 * when another connection has committed since it was made (the database's data version
 * moved); otherwise it serves the following transactions too (the next file of an import).
 * So it always says what the query would say. It also holds each listing's stored listed
 * quantity, reason and limiting SKU, for settling's full pass (settle.c), which writes them
 * through jg__listing_copy_set as it writes the table; any other statement that sets those
 * columns drops the copy (store.c).
 */
#include <string.h>

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
static const char SQL_COPY[] =
	"SELECT l.id, l.channel_id, l.product_id, l.option_key, r.sku_id, r.qty, l.listed, l.why,"
	" COALESCE(l.limit_sku_id, 0) FROM listing l"
	" LEFT JOIN recipe_item r ON r.listing_id = l.id ORDER BY l.id, r.pos";

typedef struct entry {
	uint64_t hash;
	int64_t channel_id, listing_id;
	const char *product_id, *key;
	size_t first, n;                /* its components in sku[] and per[] */
	int64_t listed, why, limit_sku; /* as stored (0: no limiting SKU) */
} entry;

struct jg__listing_copy {
	entry *v;
	size_t n, cap;
	uint32_t *slots; /* 1 + index into v, 0 for empty; nslots is a power of two */
	size_t nslots;
	int64_t *sku, *per;
	size_t ncomp, capcomp;
	jg_arena strings;
	int64_t data_version; /* the driver's data_version when the copy was made */
	size_t set_next;      /* where jg__listing_copy_set looks first (its calls come in
			       * listing id order) */
};

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

/* Reads every listing and recipe into a new copy. 0 with s->listing_copy set, or 0 without
 * it when memory ran short (the query serves then); < 0 for a database error. */
static int copy_build(jg_store *s, jg_err *err)
{
	jg__listing_copy *c = jg_calloc(1, sizeof(*c));
	int64_t last = 0;
	bool ok = c != NULL;
	jg__stmt *st;
	int rc = 0;

	if (!ok)
		return 0;
	jg_arena_init(&c->strings, COPY_MAX_BYTES);
	s->listing_copy = c;
	rc = s->drv->data_version(s->db, &c->data_version, err);
	if (rc) {
		jg__listing_copy_drop(s);
		return rc;
	}
	st = jg__q(s, err, SQL_COPY, "");
	if (!st) {
		jg__listing_copy_drop(s);
		return err->code;
	}
	while (ok && (rc = jg__step(s, st, err)) == 1) {
		int64_t id = jg__i64(s, st, 0);
		entry *e;

		if (id != last) {
			ok = grow_entries(c);
			if (!ok)
				break;
			e = &c->v[c->n++];
			e->channel_id = jg__i64(s, st, 1);
			e->listing_id = id;
			e->product_id = jg_arena_strdup(&c->strings, jg__text(s, st, 2));
			e->key = jg_arena_strdup(&c->strings, jg__text(s, st, 3));
			e->first = c->ncomp;
			e->n = 0;
			e->listed = jg__i64(s, st, 6);
			e->why = jg__i64(s, st, 7);
			e->limit_sku = jg__i64(s, st, 8);
			ok = e->product_id && e->key;
			e->hash = ok ? key_hash(e->channel_id, e->product_id, e->key) : 0;
			last = id;
		}
		e = &c->v[c->n - 1];
		if (!ok || jg__isnull(s, st, 4) || e->n == JG_RECIPE_MAX)
			continue;
		ok = grow_components(c);
		if (!ok)
			break;
		c->sku[c->ncomp] = jg__i64(s, st, 4);
		c->per[c->ncomp] = jg__i64(s, st, 5);
		c->ncomp++;
		e->n++;
	}
	s->drv->reset(st);
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
		c->v[lo].listed = listed;
		c->v[lo].why = why;
		c->v[lo].limit_sku = limit_sku;
	} else {
		jg__listing_copy_drop(s); /* cannot happen; a copy that missed it is wrong */
	}
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
	rc = copy_build(s, err);
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
