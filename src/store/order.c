/* SPDX-License-Identifier: MIT */
/*
 * Order lines and their states. A line's identity is (channel, the channel's line id).
 * A matched line snapshots its listing's recipe into line_item when it is accepted, so a
 * later remap does not rewrite history; its stock effect follows its status:
 *   open      holds a commitment (committed += units);
 *   shipped   the commitment became a shipment movement (on_hand -= units);
 *   cancelled the commitment was released;
 *   returned  shipped, then came back; restocked units are a restock movement.
 */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

#define TEXT_FIELD_MAX 256
#define DETAIL_MAX 2048 /* product names, addresses, delivery messages */
#define QTY_LIMIT 1000000LL /* units in one order line */

typedef struct item {
	int64_t sku_id, units, open;
} item;

static const char SQL_ITEMS[] = "SELECT sku_id, units, open FROM line_item WHERE line_pk = ?";
static const char SQL_ITEM_CLOSE[] =
	"UPDATE line_item SET open = 0, short = 0 WHERE line_pk = ?";
static const char SQL_RECIPE_OF[] =
	"SELECT sku_id, qty FROM recipe_item WHERE listing_id = ? ORDER BY pos";

static int load_items(jg_store *s, int64_t line_pk, item *out, size_t *n, jg_err *err)
{
	jg__stmt *st = jg__q(s, err, SQL_ITEMS, "i", line_pk);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1 && *n < JG_RECIPE_MAX) {
		out[*n].sku_id = jg__i64(s, st, 0);
		out[*n].units = jg__i64(s, st, 1);
		out[*n].open = jg__i64(s, st, 2);
		(*n)++;
	}
	s->drv->reset(st);
	return rc < 0 ? rc : 0;
}

/* A listing's recipe as an order line snapshots it. */
typedef struct recipe {
	int64_t sku[JG_RECIPE_MAX], per[JG_RECIPE_MAX];
	size_t n;
} recipe;

/*
 * Snapshots `r` into the line's items and applies their stock effect. The line is not
 * marked for the oversold pass: its items start with short = 0 and its oversold_by is 0,
 * which is right unless settling assigns it a shortage, and that pass marks what it
 * assigns.
 */
static int apply_items(jg_store *s, int64_t line_pk, const recipe *r, int64_t qty,
		       jg_status status, bool restocked, const char *source, int64_t at,
		       jg_err *err)
{
	int rc = 0;

	if (status == JG_STATUS_CANCELLED)
		return 0; /* never held stock: nothing to snapshot */
	for (size_t i = 0; rc == 0 && i < r->n; i++) {
		int64_t units = qty * r->per[i];

		rc = jg__item_add(s, line_pk, r->sku[i], r->per[i], units, status == JG_STATUS_OPEN,
				  err);
		if (rc)
			break;
		if (status == JG_STATUS_OPEN) {
			rc = jg__sku_touch(s, r->sku[i], 0, units, err);
		} else {
			rc = jg__movement(s, r->sku[i], JG_MOVE_SHIPMENT, -units, "", source, at,
					  err);
			if (rc == 0 && status == JG_STATUS_RETURNED && restocked)
				rc = jg__movement(s, r->sku[i], JG_MOVE_RESTOCK, units, "", source, at,
						  err);
		}
	}
	return rc;
}

int jg__line_apply_recipe(jg_store *s, int64_t line_pk, int64_t listing_id, int64_t qty,
			  jg_status status, bool restocked, const char *source, int64_t at,
			  jg_err *err)
{
	recipe r = {.n = 0};
	jg__stmt *st;
	int rc;

	if (status == JG_STATUS_CANCELLED)
		return 0;
	st = jg__q(s, err, SQL_RECIPE_OF, "i", listing_id);
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1 && r.n < JG_RECIPE_MAX) {
		r.sku[r.n] = jg__i64(s, st, 0);
		r.per[r.n] = jg__i64(s, st, 1);
		r.n++;
	}
	s->drv->reset(st);
	if (rc < 0)
		return rc;
	return apply_items(s, line_pk, &r, qty, status, restocked, source, at, err);
}

/* The stock effect of one legal transition of a stored line. */
static int line_move(jg_store *s, int64_t line_pk, jg_status from, jg_status to, bool restock,
		     const char *source, jg_err *err)
{
	item items[JG_RECIPE_MAX];
	size_t n;
	int64_t now = jg_now_ms();
	int rc = load_items(s, line_pk, items, &n, err);

	if (rc)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const item *it = &items[i];

		if (from == JG_STATUS_OPEN && to == JG_STATUS_SHIPPED) {
			rc = jg__exec(s, err,
				      "INSERT INTO movement(sku_id, kind, delta, reason, source, at)"
				      " VALUES (?, ?, ?, '', ?, ?)",
				      "iiiti", it->sku_id, (int64_t)JG_MOVE_SHIPMENT, -it->units, source,
				      now);
			if (rc == 0)
				rc = jg__sku_touch(s, it->sku_id, -it->units, -it->units, err);
		} else if (from == JG_STATUS_OPEN && to == JG_STATUS_CANCELLED) {
			rc = jg__sku_touch(s, it->sku_id, 0, -it->units, err);
		} else if (from == JG_STATUS_SHIPPED && to == JG_STATUS_RETURNED && restock) {
			rc = jg__movement(s, it->sku_id, JG_MOVE_RESTOCK, it->units, "sellable return",
					  source, now, err);
		}
	}
	if (rc == 0 && n && from == JG_STATUS_OPEN) {
		rc = jg__exec(s, err, SQL_ITEM_CLOSE, "i", line_pk);
		if (rc == 0)
			rc = jg__mark(s, &s->dirty_line, line_pk, err);
	}
	return rc;
}

static const char SQL_LINE_STATUS[] =
	"UPDATE order_line SET status = ?, channel_status = COALESCE(?, channel_status),"
	" courier = COALESCE(?, courier), tracking = COALESCE(?, tracking),"
	" restocked = ?, updated_at = ? WHERE id = ?";

static int apply_transition(jg_store *s, int64_t line_pk, jg_status from, jg_status to,
			    const jg_transition_opts *o, const char *source, jg_err *err)
{
	int rc = 0;

	/* A line known only as open that arrives returned went through shipping first. */
	if (from == JG_STATUS_OPEN && to == JG_STATUS_RETURNED) {
		rc = line_move(s, line_pk, JG_STATUS_OPEN, JG_STATUS_SHIPPED, false, source, err);
		from = JG_STATUS_SHIPPED;
	}
	if (rc == 0)
		rc = line_move(s, line_pk, from, to, o && o->restock, source, err);
	if (rc == 0)
		rc = jg__exec(s, err, SQL_LINE_STATUS, "itttiii", (int64_t)to,
			      o ? o->channel_status : NULL, o ? o->courier : NULL,
			      o ? o->tracking : NULL,
			      (int64_t)(to == JG_STATUS_RETURNED && o && o->restock), jg_now_ms(),
			      line_pk);
	return rc;
}

/* True when `b` is `a` or lies ahead of it on the one path a line can take. */
static bool reaches(jg_status a, jg_status b)
{
	return a == b || jg_status_can(a, b) || (a == JG_STATUS_OPEN && b == JG_STATUS_RETURNED);
}

static int check_text(const char *what, const char *v, size_t max, jg_err *err)
{
	size_t n;

	if (!v)
		return 0;
	n = strlen(v);
	if (n > max)
		return jg_err_set(err, JG_EINVAL, "%s is longer than %zu bytes", what, max);
	if (!jg__utf8_ok(v, n))
		return jg_err_set(err, JG_EINVAL, "%s is not valid UTF-8", what);
	return 0;
}

/* jg__option_forms() through the store's cache (normalising is a tenth of the cost of a
 * line, and an order file repeats a few hundred option texts). *out_text and *out_key
 * point into the cache, or into `text` and `key` when the cache could not keep them; they
 * stay valid until the next call. The cache is best effort: failing to fill it is not an
 * error. */
static int option_forms(jg_store *s, jg_buf *text, jg_buf *key, const char *option,
			const char **out_text, const char **out_key, jg_err *err)
{
	const char *o = option ? option : "";
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;
	int rc;

	for (const unsigned char *p = (const unsigned char *)o; *p; p++)
		h = (h ^ *p) * 16777619u;
	i = (h ^ (h >> 16)) & (JG__OPTION_CACHE - 1);
	if (s->option_cache[i].option && strcmp(s->option_cache[i].option, o) == 0) {
		*out_text = s->option_cache[i].text;
		*out_key = s->option_cache[i].key;
		return 0;
	}
	rc = jg__option_forms(text, key, option, err);
	if (rc)
		return rc;
	*out_text = jg_buf_str(text);
	*out_key = jg_buf_str(key);
	jg_free(s->option_cache[i].option);
	jg_free(s->option_cache[i].text);
	jg_free(s->option_cache[i].key);
	s->option_cache[i].option = jg_strdup(o);
	s->option_cache[i].text = jg_strdup(jg_buf_str(text));
	s->option_cache[i].key = jg_strdup(jg_buf_str(key));
	if (!s->option_cache[i].option || !s->option_cache[i].text || !s->option_cache[i].key) {
		jg_free(s->option_cache[i].option);
		jg_free(s->option_cache[i].text);
		jg_free(s->option_cache[i].key);
		s->option_cache[i].option = s->option_cache[i].text = s->option_cache[i].key = NULL;
	}
	return 0;
}

static const char SQL_LINE_FIND[] =
	"SELECT id, status, listing_id IS NOT NULL, oversold_by FROM order_line"
	" WHERE channel_id = ? AND line_id = ?";
/* Optional text of an order line: "" when absent. */
#define T(v) ((v) ? (v) : "")

static const char SQL_LINE_ADD[] =
	"INSERT INTO order_line(channel_id, line_id, order_no, product_id, option_text, option_key,"
	" qty, status, channel_status, listing_id, restocked, courier, tracking, ordered_at,"
	" created_at, updated_at, product_name, sku_code, price, buyer_name, buyer_phone,"
	" recipient_name, recipient_phone, postal_code, address, message, import_id)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN CAST(? AS INTEGER) END,"
	" ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0)) ON CONFLICT (channel_id, line_id) DO NOTHING";
static const char SQL_OVERSOLD_OF[] = "SELECT oversold_by FROM order_line WHERE id = ?";

static void finish_result(jg_store *s, int64_t line_pk, jg_order_result *r)
{
	int64_t v = -1;

	if (!s->batch && jg__scalar(s, &v, NULL, SQL_OVERSOLD_OF, "i", line_pk) != 1)
		v = -1;
	r->oversold_by = v;
}

/* Looks the line up: 1 found (*line_pk and res->previous, matched, oversold_by set), 0 not
 * there, < 0 error. */
static int line_find(jg_store *s, int64_t channel_id, const char *line_id, int64_t *line_pk,
		     jg_order_result *res, jg_err *err)
{
	/* 'T': the line id outlives the statement's reset below. */
	jg__stmt *st = jg__q(s, err, SQL_LINE_FIND, "iT", channel_id, line_id);
	int found;

	if (!st)
		return err->code;
	found = jg__step(s, st, err);
	if (found == 1) {
		*line_pk = jg__i64(s, st, 0);
		res->previous = (jg_status)jg__i64(s, st, 1);
		res->matched = jg__i64(s, st, 2) != 0;
		res->oversold_by = jg__i64(s, st, 3);
	}
	s->drv->reset(st);
	return found;
}

/* A line the store knows already: a duplicate, a legal move forward, or a refusal. */
static int put_known(jg_store *s, const jg_order_in *in, int64_t line_pk, jg_order_result *res,
		     jg_err *err)
{
	jg_transition_opts o = {in->courier, in->tracking, in->restock, in->channel_status};
	char source[2 * JG_CODE_MAX + 8];
	int rc;

	res->status = res->previous;
	if (reaches(in->status, res->previous)) {
		res->outcome = JG_ORDER_DUPLICATE;
		return 0;
	}
	if (!reaches(res->previous, in->status))
		return jg_err_set(err, JG_ESTATE, "line %s on %s: cannot go from %s to %s",
				  in->line_id, in->channel, jg_status_name(res->previous),
				  jg_status_name(in->status));
	snprintf(source, sizeof(source), "order %s:%s", in->channel, in->line_id);
	rc = jg__op_wrote(s, apply_transition(s, line_pk, res->previous, in->status, &o, source,
					      err));
	res->outcome = JG_ORDER_CHANGED;
	res->status = in->status;
	return rc;
}

/*
 * A line is looked up first and inserted when it is not there; but while most lines of the
 * transaction turn out new (a day's order file), the insert goes first and the lookup is
 * made only when the insert finds the line there already (ON CONFLICT DO NOTHING): one
 * index descent per new line instead of two. Either way the outcome is the same.
 */
int jg_order_put(jg_store *s, const jg_order_in *in, jg_order_result *out, jg_err *err)
{
	jg_order_result res = {0};
	recipe rec = {.n = 0};
	jg_buf text, key;
	const char *otext = "", *okey = "";
	char source[2 * JG_CODE_MAX + 8];
	int64_t channel_id, line_pk = 0, listing_id = 0, now = jg_now_ms();
	bool insert_first;
	jg__stmt *st;
	int rc, found;

	JG__ERR_GUARD(err);
	if (out)
		*out = res;
	if ((rc = jg__check_code("channel name", in->channel, err)) ||
	    (rc = jg__check_code("line id", in->line_id, err)) ||
	    (rc = jg__check_code("product id", in->product_id, err)) ||
	    (rc = check_text("order number", in->order_no, JG_CODE_MAX - 1, err)) ||
	    (rc = check_text("channel status", in->channel_status, TEXT_FIELD_MAX, err)) ||
	    (rc = check_text("courier", in->courier, TEXT_FIELD_MAX, err)) ||
	    (rc = check_text("tracking number", in->tracking, TEXT_FIELD_MAX, err)) ||
	    (rc = check_text("product name", in->product_name, DETAIL_MAX, err)) ||
	    (rc = check_text("SKU code", in->sku_code, JG_CODE_MAX - 1, err)) ||
	    (rc = check_text("buyer", in->buyer, TEXT_FIELD_MAX, err)) ||
	    (rc = check_text("buyer phone", in->buyer_phone, TEXT_FIELD_MAX, err)) ||
	    (rc = check_text("recipient", in->recipient, TEXT_FIELD_MAX, err)) ||
	    (rc = check_text("recipient phone", in->recipient_phone, TEXT_FIELD_MAX, err)) ||
	    (rc = check_text("postal code", in->postal_code, TEXT_FIELD_MAX, err)) ||
	    (rc = check_text("address", in->address, DETAIL_MAX, err)) ||
	    (rc = check_text("message", in->message, DETAIL_MAX, err)))
		return rc;
	if (in->qty < 1 || in->qty > QTY_LIMIT)
		return jg_err_set(err, JG_EINVAL, "line %s: quantity %lld must be from 1 to %lld",
				  in->line_id, (long long)in->qty, QTY_LIMIT);
	if ((unsigned)in->status > JG_STATUS_RETURNED)
		return jg_err_set(err, JG_EINVAL, "line %s: unknown status", in->line_id);
	source[0] = '\0'; /* formatted only where a movement needs it */
	jg_buf_init(&text, 1024);
	jg_buf_init(&key, 1024);
	rc = option_forms(s, &text, &key, in->option, &otext, &okey, err);
	if (rc)
		goto out;
	rc = jg__op_begin(s, err);
	if (rc)
		goto out;
	rc = jg__channel_id(s, in->channel, &channel_id, err);
	if (rc)
		goto end;
	insert_first = s->puts_new >= s->puts_known;
	if (!insert_first) {
		found = line_find(s, channel_id, in->line_id, &line_pk, &res, err);
		if (found < 0) {
			rc = found;
			goto end;
		}
		if (found == 1) {
			rc = put_known(s, in, line_pk, &res, err);
			goto end;
		}
	}
	rc = jg__listing_match(s, channel_id, in->product_id, okey, &listing_id, rec.sku, rec.per,
			       &rec.n, err);
	if (rc)
		goto end;
	found = listing_id != 0;
	res.outcome = JG_ORDER_NEW;
	res.status = res.previous = in->status;
	res.matched = found == 1;
	/* 'T': the texts bound below outlive each statement's reset, so SQLite need not copy
	 * them (a tenth of a line's cost in a big batch). */
	st = found == 1 ? jg__q(s, err, SQL_LINE_ADD, "iTTTTTiiTiiTTiiiTTiiTTTTTTTi", channel_id, in->line_id,
				in->order_no ? in->order_no : "", in->product_id, otext,
				okey, in->qty, (int64_t)in->status,
				in->channel_status ? in->channel_status : "", listing_id,
				(int64_t)in->restock, in->courier ? in->courier : "",
				in->tracking ? in->tracking : "", in->ordered_at ? in->ordered_at : now,
				now, now, T(in->product_name), T(in->sku_code),
				(int64_t)in->has_price, in->price, T(in->buyer), T(in->buyer_phone),
				T(in->recipient), T(in->recipient_phone), T(in->postal_code),
				T(in->address), T(in->message), in->import_id)
			: jg__q(s, err, SQL_LINE_ADD, "iTTTTTiiTtiTTiiiTTiiTTTTTTTi", channel_id, in->line_id,
				in->order_no ? in->order_no : "", in->product_id, otext,
				okey, in->qty, (int64_t)in->status,
				in->channel_status ? in->channel_status : "", (const char *)NULL,
				(int64_t)in->restock, in->courier ? in->courier : "",
				in->tracking ? in->tracking : "", in->ordered_at ? in->ordered_at : now,
				now, now, T(in->product_name), T(in->sku_code),
				(int64_t)in->has_price, in->price, T(in->buyer), T(in->buyer_phone),
				T(in->recipient), T(in->recipient_phone), T(in->postal_code),
				T(in->address), T(in->message), in->import_id);
	if (!st) {
		rc = err->code;
		goto end;
	}
	rc = jg__step(s, st, err);
	if (rc == 0 && s->drv->changes(s->db) == 1) {
		line_pk = s->drv->last_id(s->db);
	} else if (rc == 0) {
		/* The line is there (the insert went first, or the table changed under us). */
		s->drv->reset(st);
		res = (jg_order_result){0};
		found = line_find(s, channel_id, in->line_id, &line_pk, &res, err);
		if (found == 1)
			rc = put_known(s, in, line_pk, &res, err);
		else
			rc = found < 0 ? found
				       : jg_err_set(err, JG_EDB, "line %s on %s: neither new nor known",
						    in->line_id, in->channel);
		goto end;
	}
	s->drv->reset(st);
	rc = jg__op_wrote(s, rc == 0 ? 0 : rc < 0 ? rc : JG_EDB);
	if (rc == 0 && res.matched) {
		if (in->status != JG_STATUS_OPEN)
			snprintf(source, sizeof(source), "order %s:%s", in->channel, in->line_id);
		rc = jg__op_wrote(s, apply_items(s, line_pk, &rec, in->qty, in->status, in->restock,
						 source, in->ordered_at ? in->ordered_at : now, err));
	}
end:
	rc = jg__op_end(s, rc, err);
	if (rc == 0) {
		if (res.outcome == JG_ORDER_NEW)
			s->puts_new++;
		else
			s->puts_known++;
		if (res.outcome != JG_ORDER_DUPLICATE)
			finish_result(s, line_pk, &res);
		if (out)
			*out = res;
	}
out:
	jg_buf_free(&text);
	jg_buf_free(&key);
	return rc;
}

int jg_order_transition(jg_store *s, const char *channel, const char *line_id, jg_status to,
			const jg_transition_opts *o, jg_order_result *out, jg_err *err)
{
	jg_order_result res = {0};
	char source[2 * JG_CODE_MAX + 8];
	int64_t channel_id, line_pk = 0;
	jg__stmt *st;
	int rc, found;

	JG__ERR_GUARD(err);
	if ((rc = jg__check_code("channel name", channel, err)) ||
	    (rc = jg__check_code("line id", line_id, err)) ||
	    (o && ((rc = check_text("courier", o->courier, TEXT_FIELD_MAX, err)) ||
		   (rc = check_text("tracking number", o->tracking, TEXT_FIELD_MAX, err)) ||
		   (rc = check_text("channel status", o->channel_status, TEXT_FIELD_MAX, err)))))
		return rc;
	snprintf(source, sizeof(source), "order %s:%s", channel, line_id);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__channel_id(s, channel, &channel_id, err);
	if (rc)
		goto end;
	st = jg__q(s, err, SQL_LINE_FIND, "it", channel_id, line_id);
	if (!st) {
		rc = err->code;
		goto end;
	}
	found = jg__step(s, st, err);
	if (found == 1) {
		line_pk = jg__i64(s, st, 0);
		res.previous = (jg_status)jg__i64(s, st, 1);
		res.matched = jg__i64(s, st, 2) != 0;
	}
	s->drv->reset(st);
	if (found <= 0) {
		rc = found < 0 ? found
			       : jg_err_set(err, JG_ENOTFOUND, "no line %s on channel %s", line_id,
					    channel);
		goto end;
	}
	if (res.previous == to) {
		/* Already there: a retried request or an overlapping list changes nothing. */
		res.outcome = JG_ORDER_DUPLICATE;
		res.status = to;
		goto end;
	}
	if (!jg_status_can(res.previous, to)) {
		rc = jg_err_set(err, JG_ESTATE, "line %s on %s is %s: cannot %s it", line_id, channel,
				jg_status_name(res.previous),
				to == JG_STATUS_SHIPPED	    ? "ship"
				: to == JG_STATUS_CANCELLED ? "cancel"
				: to == JG_STATUS_RETURNED  ? "return"
							    : "reopen");
		goto end;
	}
	rc = jg__op_wrote(s, apply_transition(s, line_pk, res.previous, to, o, source, err));
	res.outcome = JG_ORDER_CHANGED;
	res.status = to;
end:
	rc = jg__op_end(s, rc, err);
	if (rc == 0) {
		finish_result(s, line_pk, &res);
		if (out)
			*out = res;
	}
	return rc;
}

static const char SQL_ORDERS[] =
	"SELECT c.name, o.line_id, o.order_no, o.product_id, o.option_text, o.qty, o.status,"
	" o.channel_status, o.oversold_by, o.listing_id IS NOT NULL, o.ordered_at, o.courier,"
	" o.tracking, o.product_name FROM order_line o JOIN channel c ON c.id = o.channel_id"
	" WHERE (CAST(? AS INTEGER) < 0 OR o.status = ?) AND (CAST(? AS TEXT) IS NULL OR c.name = ?)"
	" AND (CAST(? AS INTEGER) = 0 OR (o.listing_id IS NULL AND o.status <> 2))"
	" AND (CAST(? AS INTEGER) = 0 OR o.oversold_by > 0) AND (CAST(? AS INTEGER) = 0 OR o.import_id = ?) ORDER BY o.id";

int jg_order_each(jg_store *s, const jg_order_filter *f, jg_order_cb cb, void *payload,
		  jg_err *err)
{
	jg_order_filter all = {.status = -1};
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	if (!f)
		f = &all;
	st = jg__q(s, err, SQL_ORDERS, "iittiiii", (int64_t)f->status, (int64_t)f->status,
		   f->channel, f->channel, (int64_t)f->unmatched_only, (int64_t)f->oversold_only,
		   f->import_id, f->import_id);
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
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
		if ((rc = cb(&o, payload)))
			break;
	}
	s->drv->reset(st);
	return rc;
}
