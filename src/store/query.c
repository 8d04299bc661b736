/* SPDX-License-Identifier: MIT */
/*
 * Paged reads (query.h): the SKU grid with every channel's listed quantity, order lines
 * by filter, listings, one line, the unmatched queue grouped. Each page costs a fixed
 * number of statements whatever its size (a count and the page; the page joins what it
 * shows instead of asking once per row), and runs inside one read transaction when the
 * caller has none open, so a page and its total come from the same snapshot.
 */
#include <string.h>

#include "jaego/query.h"
#include "store_int.h"

#define LIKE_MAX 512 /* bytes of a search text */

/* A read transaction around a page, unless one is open already. */
static int read_begin(jg_store *s, bool *opened, jg_err *err)
{
	*opened = false;
	if (s->in_tx)
		return 0;
	if (s->drv->exec(s->db, "BEGIN", err))
		return err->code;
	*opened = true;
	return 0;
}

static void read_end(jg_store *s, bool opened)
{
	if (opened)
		s->drv->exec(s->db, "COMMIT", NULL);
}

static int check_page(int64_t offset, int64_t limit, bool all_ok, jg_err *err)
{
	if (offset < 0)
		return jg_err_set(err, JG_EINVAL, "offset must be 0 or more");
	if ((limit < 1 && !(all_ok && limit == 0)) || limit > JG_PAGE_MAX)
		return jg_err_set(err, JG_EINVAL, "limit must be from 1 to %d", JG_PAGE_MAX);
	return 0;
}

/* The LIKE pattern "%text%" with \, % and _ escaped by '\', into `b`; NULL for no text
 * (and for a text past the cap, with `err` set). */
static const char *like_pattern(jg_buf *b, const char *q, jg_err *err)
{
	if (!q || !*q)
		return NULL;
	if (jg_buf_puts(b, "%"))
		goto too_long;
	for (const char *p = q; *p; p++) {
		if ((*p == '%' || *p == '_' || *p == '\\') && jg_buf_puts(b, "\\"))
			goto too_long;
		if (jg_buf_append(b, p, 1))
			goto too_long;
	}
	if (jg_buf_puts(b, "%"))
		goto too_long;
	return jg_buf_str(b);
too_long:
	jg_err_set(err, JG_ELIMIT, "the search text is too long");
	return NULL;
}

/* ---- SKUs ---------------------------------------------------------------------------------- */

#define SKU_FILTER                                                                 \
	" WHERE (CAST(? AS TEXT) IS NULL OR code LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')" \
	" AND (CAST(? AS INTEGER) = 0 OR on_hand - committed <= 0 OR"                               \
	" (low_stock > 0 AND on_hand - committed <= low_stock))"                   \
	" AND (CAST(? AS INTEGER) = 0 OR on_hand - committed < 0)"

static const char SQL_SKU_COUNT[] = "SELECT COUNT(*) FROM sku" SKU_FILTER;
/* The page, then each of its SKUs' plain listings by channel: one statement. */
static const char SQL_SKU_PAGE[] =
	"WITH page AS (SELECT id, code, name, on_hand, committed, safety, low_stock FROM "
	"sku" SKU_FILTER " ORDER BY code LIMIT ? OFFSET ?)"
	" SELECT p.id, p.code, p.name, p.on_hand, p.committed, p.safety, p.low_stock,"
	" c.name, MIN(l.listed) FROM page p"
	" LEFT JOIN listing l ON l.plain_sku_id = p.id"
	" LEFT JOIN channel c ON c.id = l.channel_id"
	" GROUP BY p.id, p.code, p.name, p.on_hand, p.committed, p.safety, p.low_stock, c.id, c.name"
	" ORDER BY p.code, c.name";

typedef struct sku_acc {
	jg_sku_row row;
	jg_arena a;
	const char **ch;
	int64_t *listed;
	size_t n, cap;
	int64_t id;
} sku_acc;

static int sku_emit(sku_acc *acc, jg_sku_row_cb cb, void *payload)
{
	acc->row.channels = acc->ch;
	acc->row.listed = acc->listed;
	acc->row.n_channels = acc->n;
	return cb(&acc->row, payload);
}

int jg_sku_page(jg_store *s, const jg_sku_query *q, int64_t *out_total, jg_sku_row_cb cb,
		void *payload, jg_err *err)
{
	jg_buf like;
	const char *pat;
	sku_acc acc;
	jg__stmt *st;
	bool opened = false;
	int rc, cbrc = 0;

	JG__ERR_GUARD(err);
	memset(&acc, 0, sizeof(acc));
	jg_arena_init(&acc.a, 0);
	jg_buf_init(&like, LIKE_MAX);
	if ((rc = check_page(q->offset, q->limit, false, err)))
		goto out;
	pat = like_pattern(&like, q->q, err);
	if (err->code) {
		rc = err->code;
		goto out;
	}
	if ((rc = read_begin(s, &opened, err)))
		goto out;
	if (out_total) {
		*out_total = 0;
		if (jg__scalar(s, out_total, err, SQL_SKU_COUNT, "tttii", pat, pat, pat,
			       (int64_t)q->low, (int64_t)q->oversold) < 0) {
			rc = err->code;
			goto out;
		}
	}
	st = jg__q(s, err, SQL_SKU_PAGE, "tttiiii", pat, pat, pat, (int64_t)q->low,
		   (int64_t)q->oversold, q->limit, q->offset);
	if (!st) {
		rc = err->code;
		goto out;
	}
	while ((rc = jg__step(s, st, err)) == 1) {
		int64_t id = jg__i64(s, st, 0);

		if (id != acc.id) {
			jg_sku_info *k = &acc.row.sku;

			if (acc.id && (cbrc = sku_emit(&acc, cb, payload)))
				break;
			jg_arena_reset(&acc.a);
			acc.id = id;
			acc.n = 0;
			k->code = jg_arena_strdup(&acc.a, jg__text(s, st, 1));
			k->name = jg_arena_strdup(&acc.a, jg__text(s, st, 2));
			k->on_hand = jg__i64(s, st, 3);
			k->committed = jg__i64(s, st, 4);
			k->available = k->on_hand - k->committed;
			k->safety = jg__i64(s, st, 5);
			k->low_stock = jg__i64(s, st, 6);
			if (!k->code || !k->name) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				break;
			}
		}
		if (jg__isnull(s, st, 7))
			continue; /* no plain listing on any channel */
		if (acc.n == acc.cap) {
			size_t ncap = acc.cap ? acc.cap * 2 : 16;
			const char **nc = jg_realloc(acc.ch, ncap * sizeof(*nc));
			int64_t *nl;

			if (!nc) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				break;
			}
			acc.ch = nc;
			nl = jg_realloc(acc.listed, ncap * sizeof(*nl));
			if (!nl) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				break;
			}
			acc.listed = nl;
			acc.cap = ncap;
		}
		acc.ch[acc.n] = jg_arena_strdup(&acc.a, jg__text(s, st, 7));
		acc.listed[acc.n] = jg__i64(s, st, 8);
		if (!acc.ch[acc.n]) {
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
			break;
		}
		acc.n++;
	}
	s->drv->reset(st);
	if (rc == 0 && !cbrc && acc.id)
		cbrc = sku_emit(&acc, cb, payload);
	if (rc == 0)
		rc = cbrc;
out:
	read_end(s, opened);
	jg_free(acc.ch);
	jg_free(acc.listed);
	jg_arena_free(&acc.a);
	jg_buf_free(&like);
	return rc;
}

/* ---- orders -------------------------------------------------------------------------------- */

#define ORDER_COLS                                                                             \
	"SELECT c.name, o.line_id, o.order_no, o.product_id, o.option_text, o.qty, o.status,"  \
	" o.channel_status, o.oversold_by, o.listing_id IS NOT NULL, o.ordered_at, o.courier," \
	" o.tracking, o.product_name"
#define ORDER_FILTER                                                                       \
	" FROM order_line o JOIN channel c ON c.id = o.channel_id"                         \
	" WHERE (CAST(? AS INTEGER) < 0 OR o.status = ?) AND (CAST(? AS TEXT) IS NULL OR c.name = ?)"                     \
	" AND (CAST(? AS INTEGER) = 0 OR (o.listing_id IS NULL AND o.status <> 2))"                         \
	" AND (CAST(? AS INTEGER) = 0 OR o.oversold_by > 0)"                                                \
	" AND (CAST(? AS INTEGER) = 0 OR o.ordered_at >= ?) AND (CAST(? AS INTEGER) = 0 OR o.ordered_at < ?)"                \
	" AND (CAST(? AS TEXT) IS NULL OR o.line_id LIKE ? ESCAPE '\\' OR o.order_no LIKE ? ESCAPE '\\'" \
	" OR o.product_id LIKE ? ESCAPE '\\' OR o.product_name LIKE ? ESCAPE '\\')"
#define ORDER_ARGS(q, pat)                                                                       \
	(int64_t)(q)->status, (int64_t)(q)->status, (q)->channel, (q)->channel,                  \
		(int64_t)(q)->unmatched_only, (int64_t)(q)->oversold_only, (q)->from, (q)->from, \
		(q)->to, (q)->to, pat, pat, pat, pat, pat

static const char SQL_ORDER_COUNT[] = "SELECT COUNT(*)" ORDER_FILTER;
static const char SQL_ORDER_PAGE[] = ORDER_COLS ORDER_FILTER " ORDER BY o.id DESC LIMIT ? OFFSET ?";
static const char SQL_ORDER_ONE[] =
	ORDER_COLS " FROM order_line o JOIN channel c ON c.id = o.channel_id"
		   " WHERE o.channel_id = ? AND o.line_id = ?";

static int order_emit(jg_store *s, jg__stmt *st, jg_order_cb cb, void *payload)
{
	jg_order_info o;

	o.channel = jg__text(s, st, 0);
	o.line_id = jg__text(s, st, 1);
	o.order_no = jg__text(s, st, 2);
	o.product_id = jg__text(s, st, 3);
	o.option = jg__text(s, st, 4);
	o.qty = jg__i64(s, st, 5);
	o.status = (jg_status)jg__i64(s, st, 6);
	o.channel_status = jg__text(s, st, 7);
	o.oversold_by = jg__i64(s, st, 8);
	o.matched = jg__i64(s, st, 9) != 0;
	o.ordered_at = jg__i64(s, st, 10);
	o.courier = jg__text(s, st, 11);
	o.tracking = jg__text(s, st, 12);
	o.product_name = jg__text(s, st, 13);
	return cb(&o, payload);
}

int jg_order_page(jg_store *s, const jg_order_query *q, int64_t *out_total, jg_order_cb cb,
		  void *payload, jg_err *err)
{
	jg_buf like;
	const char *pat;
	jg__stmt *st;
	bool opened = false;
	int64_t channel_id;
	int rc;

	JG__ERR_GUARD(err);
	jg_buf_init(&like, LIKE_MAX);
	if ((rc = check_page(q->offset, q->limit, false, err)))
		goto out;
	pat = like_pattern(&like, q->q, err);
	if (err->code) {
		rc = err->code;
		goto out;
	}
	if ((rc = read_begin(s, &opened, err)))
		goto out;
	if (q->channel && (rc = jg__channel_id(s, q->channel, &channel_id, err)))
		goto out;
	if (out_total) {
		*out_total = 0;
		if (jg__scalar(s, out_total, err, SQL_ORDER_COUNT, "iittiiiiiittttt",
			       ORDER_ARGS(q, pat)) < 0) {
			rc = err->code;
			goto out;
		}
	}
	st = jg__q(s, err, SQL_ORDER_PAGE, "iittiiiiiitttttii", ORDER_ARGS(q, pat), q->limit,
		   q->offset);
	if (!st) {
		rc = err->code;
		goto out;
	}
	while ((rc = jg__step(s, st, err)) == 1)
		if ((rc = order_emit(s, st, cb, payload)))
			break;
	s->drv->reset(st);
out:
	read_end(s, opened);
	jg_buf_free(&like);
	return rc;
}

int jg_order_find(jg_store *s, const char *channel, const char *line_id, jg_order_cb cb,
		  void *payload, jg_err *err)
{
	jg__stmt *st;
	int64_t channel_id;
	int rc;

	JG__ERR_GUARD(err);
	if ((rc = jg__channel_id(s, channel, &channel_id, err)))
		return rc;
	st = jg__q(s, err, SQL_ORDER_ONE, "it", channel_id, line_id);
	if (!st)
		return err->code;
	rc = jg__step(s, st, err);
	if (rc == 1)
		rc = order_emit(s, st, cb, payload);
	else if (rc == 0)
		rc = jg_err_set(err, JG_ENOTFOUND, "no line %s on channel %s", line_id, channel);
	s->drv->reset(st);
	return rc;
}

static const char SQL_ORDER_STATE[] =
	"SELECT status, listing_id IS NOT NULL, oversold_by FROM order_line"
	" WHERE channel_id = ? AND line_id = ?";

int jg_order_states(jg_store *s, const char *channel, const char *const *line_ids, size_t n,
		    jg_order_state *out, jg_err *err)
{
	int64_t channel_id;
	int rc;

	JG__ERR_GUARD(err);
	if ((rc = jg__channel_id(s, channel, &channel_id, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		jg__stmt *st = jg__q(s, err, SQL_ORDER_STATE, "iT", channel_id, line_ids[i]);

		if (!st)
			return err->code;
		rc = jg__step(s, st, err);
		memset(&out[i], 0, sizeof(out[i]));
		if (rc == 1) {
			out[i].found = true;
			out[i].status = (jg_status)jg__i64(s, st, 0);
			out[i].matched = jg__i64(s, st, 1) != 0;
			out[i].oversold_by = jg__i64(s, st, 2);
		}
		s->drv->reset(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char SQL_UNMATCHED[] =
	"SELECT c.name, o.product_id, MIN(o.option_text), MAX(o.product_name), COUNT(*),"
	" SUM(o.qty) FROM order_line o JOIN channel c ON c.id = o.channel_id"
	" WHERE o.listing_id IS NULL AND o.status <> 2 AND (CAST(? AS TEXT) IS NULL OR c.name = ?)"
	" GROUP BY o.channel_id, c.name, o.product_id, o.option_key"
	" ORDER BY COUNT(*) DESC, c.name, o.product_id";

int jg_unmatched_each(jg_store *s, const char *channel, jg_unmatched_cb cb, void *payload,
		      jg_err *err)
{
	jg__stmt *st;
	int64_t channel_id;
	int rc;

	JG__ERR_GUARD(err);
	if (channel && (rc = jg__channel_id(s, channel, &channel_id, err)))
		return rc;
	st = jg__q(s, err, SQL_UNMATCHED, "tt", channel, channel);
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		jg_unmatched_group g = {.channel = jg__text(s, st, 0),
					.product_id = jg__text(s, st, 1),
					.option = jg__text(s, st, 2),
					.product_name = jg__text(s, st, 3),
					.lines = jg__i64(s, st, 4),
					.qty = jg__i64(s, st, 5)};

		if ((rc = cb(&g, payload)))
			break;
	}
	s->drv->reset(st);
	return rc;
}

/* ---- listings ------------------------------------------------------------------------------- */

#define LISTING_FILTER                                                                         \
	" FROM listing l JOIN channel c ON c.id = l.channel_id"                                \
	" WHERE (CAST(? AS TEXT) IS NULL OR c.name = ?) AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM recipe_item" \
	" r2 JOIN sku k2 ON k2.id = r2.sku_id WHERE r2.listing_id = l.id AND k2.code = ?))"

static const char SQL_LISTING_COUNT[] = "SELECT COUNT(*)" LISTING_FILTER;
static const char SQL_LISTING_PAGE[] =
	"WITH page AS (SELECT l.id AS id, c.name AS cname, l.product_id AS pid,"
	" l.option_key AS okey" LISTING_FILTER
	" ORDER BY c.name, l.product_id, l.option_key, l.id LIMIT ? OFFSET ?)"
	" SELECT l.id, p.cname, l.product_id, l.option_text, l.listed, l.why,"
	" COALESCE(ls.code, ''), COALESCE(l.last_told, -1), l.told_at,"
	" k.code, r.qty, k.on_hand - k.committed, k.safety, k.low_stock"
	" FROM page p JOIN listing l ON l.id = p.id"
	" JOIN recipe_item r ON r.listing_id = l.id JOIN sku k ON k.id = r.sku_id"
	" LEFT JOIN sku ls ON ls.id = l.limit_sku_id"
	" ORDER BY p.cname, p.pid, p.okey, p.id, r.pos";

typedef struct listing_acc {
	int64_t id;
	jg_listing_info info;
	jg_listing_component comps[JG_RECIPE_MAX];
	int64_t low[JG_RECIPE_MAX];
	jg_arena strings;
} listing_acc;

int jg_listing_page(jg_store *s, const jg_listing_query *q, int64_t *out_total,
		    jg_listing_page_cb cb, void *payload, jg_err *err)
{
	listing_acc *cur = NULL;
	jg__stmt *st;
	bool opened = false;
	int64_t id, limit = q->limit ? q->limit : INT64_MAX;
	int rc, cbrc = 0;

	JG__ERR_GUARD(err);
	if ((rc = check_page(q->offset, q->limit, true, err)))
		return rc;
	cur = jg_calloc(1, sizeof(*cur));
	if (!cur)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	jg_arena_init(&cur->strings, 0);
	if ((rc = read_begin(s, &opened, err)))
		goto out;
	if (q->channel && (rc = jg__channel_id(s, q->channel, &id, err)))
		goto out;
	if (q->sku && (rc = jg__sku_id(s, q->sku, &id, err)))
		goto out;
	if (out_total) {
		*out_total = 0;
		if (jg__scalar(s, out_total, err, SQL_LISTING_COUNT, "tttt", q->channel, q->channel,
			       q->sku, q->sku) < 0) {
			rc = err->code;
			goto out;
		}
	}
	st = jg__q(s, err, SQL_LISTING_PAGE, "ttttii", q->channel, q->channel, q->sku, q->sku,
		   limit, q->offset);
	if (!st) {
		rc = err->code;
		goto out;
	}
	while ((rc = jg__step(s, st, err)) == 1) {
		jg_listing_component *c;

		id = jg__i64(s, st, 0);
		if (id != cur->id) {
			jg_listing_info *l = &cur->info;

			if (cur->id && (cbrc = cb(l, cur->low, payload)))
				break;
			jg_arena_reset(&cur->strings);
			cur->id = id;
			l->channel = jg_arena_strdup(&cur->strings, jg__text(s, st, 1));
			l->product_id = jg_arena_strdup(&cur->strings, jg__text(s, st, 2));
			l->option = jg_arena_strdup(&cur->strings, jg__text(s, st, 3));
			l->listed = jg__i64(s, st, 4);
			l->why = (jg_limit)jg__i64(s, st, 5);
			l->limit_sku = jg_arena_strdup(&cur->strings, jg__text(s, st, 6));
			l->last_told = jg__i64(s, st, 7);
			l->told_at = jg__i64(s, st, 8);
			l->recipe = cur->comps;
			l->n_recipe = 0;
			if (!l->channel || !l->product_id || !l->option || !l->limit_sku) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				break;
			}
			if (!*l->limit_sku)
				l->limit_sku = NULL;
		}
		if (cur->info.n_recipe == JG_RECIPE_MAX)
			continue;
		c = &cur->comps[cur->info.n_recipe];
		c->sku = jg_arena_strdup(&cur->strings, jg__text(s, st, 9));
		c->qty = jg__i64(s, st, 10);
		c->available = jg__i64(s, st, 11);
		c->safety = jg__i64(s, st, 12);
		cur->low[cur->info.n_recipe] = jg__i64(s, st, 13);
		if (!c->sku) {
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
			break;
		}
		cur->info.n_recipe++;
	}
	s->drv->reset(st);
	if (rc == 0 && !cbrc && cur->id)
		cbrc = cb(&cur->info, cur->low, payload);
	if (rc == 0)
		rc = cbrc;
out:
	read_end(s, opened);
	jg_arena_free(&cur->strings);
	jg_free(cur);
	return rc;
}
