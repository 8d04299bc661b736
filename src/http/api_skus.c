/* SPDX-License-Identifier: MIT */
/*
 * SKUs and stock: the stock grid (a page of SKUs with every channel's listed quantity, two
 * queries a page), adding and changing SKUs, receipts, corrections, stocktakes, a SKU's
 * history, and "why does this channel show this number". The same library calls as
 * `jaego sku` and `jaego stock`; bodies are checked field by field before the writer sees
 * them, so the library's own checks are the second line, not the first.
 */
#include <string.h>

#include "http_int.h"
#include "jaego/query.h"
#include "json/shapes.h"

#define QTY_LIMIT 1000000000LL

/* ---- the grid ----------------------------------------------------------------------------- */

static int on_grid_row(const jg_sku_row *row, void *payload)
{
	json_t *o = jg_json_sku(&row->sku), *listed = json_object();

	if (!o || !listed || json_object_set_new(o, "listed", listed)) {
		json_decref(o);
		return JG_ENOMEM;
	}
	for (size_t i = 0; i < row->n_channels; i++)
		if (json_object_set_new(listed, row->channels[i], json_integer(row->listed[i])))
			return JG_ENOMEM;
	return json_array_append_new(payload, o) ? JG_ENOMEM : 0;
}

enum MHD_Result jg__api_skus_list(jg__req *r)
{
	jg_sku_query q = {.limit = 100};
	json_t *arr;
	int64_t total = 0;
	jg_store *s;
	jg_err err = {0};
	bool bad;

	q.q = jg__query(r, "q", &bad);
	if (bad || jg__query_i64(r, "offset", 0, INT64_MAX / 2, &q.offset) ||
	    jg__query_i64(r, "limit", 1, JG_PAGE_MAX, &q.limit) ||
	    jg__query_bool(r, "low", &q.low) || jg__query_bool(r, "oversold", &q.oversold))
		return MHD_YES;
	if (!(s = jg__reader(r)))
		return MHD_YES;
	arr = json_array();
	if (!arr || jg_sku_page(s, &q, &total, on_grid_row, arr, &err)) {
		json_decref(arr);
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	}
	return jg__reply_json(r, 200,
			      json_pack("{s:o, s:I, s:I, s:I}", "skus", arr, "total",
					(json_int_t)total, "offset", (json_int_t)q.offset, "limit",
					(json_int_t)q.limit));
}

/* ---- one SKU's document, read back after a write ------------------------------------------ */

static int on_listed(const char *channel, int64_t listed, void *payload)
{
	return json_object_set_new(payload, channel, json_integer(listed)) ? JG_ENOMEM : 0;
}

static int on_one_sku(const jg_sku_info *k, void *payload)
{
	*(json_t **)payload = jg_json_sku(k);
	return *(json_t **)payload ? 0 : JG_ENOMEM;
}

/* The SKU as GET /skus shows it: answers itself on failure and returns NULL. */
static json_t *sku_doc(jg__req *r, const char *code)
{
	jg_store *s = jg__reader(r);
	json_t *doc = NULL, *listed;
	jg_err err = {0};

	if (!s)
		return NULL;
	if (jg_sku_each(s, &code, 1, on_one_sku, &doc, &err) || !doc || !(listed = json_object()) ||
	    json_object_set_new(doc, "listed", listed) ||
	    jg_sku_listed_each(s, code, on_listed, listed, &err)) {
		json_decref(doc);
		if (err.code)
			jg__reply_err(r, &err);
		else
			jg__reply_error(r, JG__API_INTERNAL, "out of memory");
		return NULL;
	}
	return doc;
}

/* ---- add, change -------------------------------------------------------------------------- */

typedef struct sku_ctx {
	const char *code, *name, *note, *reason;
	int64_t stock, safety, low, qty, delta;
	bool has_stock, has_low;
	jg_sku_patch patch;
	const char *verb;
} sku_ctx;

static sku_ctx *ctx_new(jg__req *r)
{
	sku_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));

	if (c)
		memset(c, 0, sizeof(*c));
	else
		jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	return c;
}

static int add_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	sku_ctx *c = j->ctx;
	int rc = jg_sku_add(s, c->code, c->name, c->safety, err);

	if (rc == 0 && c->has_low) {
		jg_sku_patch p = {.set = JG_SKU_SET_LOW_STOCK, .low_stock = c->low};

		rc = jg_sku_update(s, c->code, &p, err);
		j->partial = rc != 0;
	}
	if (rc == 0 && c->has_stock) {
		rc = jg_stock_count(s, c->code, c->stock, "initial stock", NULL, err);
		j->partial = rc != 0;
	}
	return rc;
}

static enum MHD_Result doc_finish(jg__req *r, unsigned status)
{
	sku_ctx *c = r->ctx;
	json_t *doc;

	if (r->job.rc)
		return jg__reply_err(r, &r->job.err);
	doc = sku_doc(r, c->code);
	return doc ? jg__reply_json(r, status, doc) : MHD_YES;
}

static enum MHD_Result add_finish(jg__req *r)
{
	return doc_finish(r, 201);
}

static enum MHD_Result patch_finish(jg__req *r)
{
	return doc_finish(r, 200);
}

enum MHD_Result jg__api_skus_add(jg__req *r)
{
	static const jg__jfield spec[] = {
		{"sku", JG__J_STR, JG__J_REQUIRED},     {"name", JG__J_STR, JG__J_REQUIRED},
		{"stock", JG__J_INT, JG__J_NONNEG},     {"safety", JG__J_INT, JG__J_NONNEG},
		{"low_stock", JG__J_INT, JG__J_NONNEG}, {NULL, 0, 0}};
	jg_err err = {0};
	sku_ctx *c = ctx_new(r);

	if (!c)
		return MHD_YES;
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	c->code = jg__jstr(r->json, "sku");
	c->name = jg__jstr(r->json, "name");
	c->safety = jg__jint(r->json, "safety", 0);
	c->has_stock = jg__jhas(r->json, "stock");
	c->stock = jg__jint(r->json, "stock", 0);
	c->has_low = jg__jhas(r->json, "low_stock");
	c->low = jg__jint(r->json, "low_stock", 0);
	if (jg__check_id("sku", c->code, &err))
		return jg__reply_err(r, &err);
	if (!*c->name)
		return jg__reply_error(r, JG__API_INVALID, "field \"name\" is empty");
	if (c->stock > QTY_LIMIT)
		return jg__reply_error(r, JG__API_INVALID, "field \"stock\" must be at most %lld",
				       QTY_LIMIT);
	return jg__write(r, add_run, add_finish, c, 0, 1, 201);
}

static int patch_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	sku_ctx *c = j->ctx;

	return jg_sku_update(s, c->code, &c->patch, err);
}

enum MHD_Result jg__api_skus_patch(jg__req *r)
{
	static const jg__jfield spec[] = {{"name", JG__J_STR, 0},
					  {"safety", JG__J_INT, JG__J_NONNEG},
					  {"low_stock", JG__J_INT, JG__J_NONNEG},
					  {NULL, 0, 0}};
	jg_err err = {0};
	sku_ctx *c = ctx_new(r);

	if (!c)
		return MHD_YES;
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	c->code = r->params[0];
	if (jg__jhas(r->json, "name")) {
		c->patch.set |= JG_SKU_SET_NAME;
		c->patch.name = jg__jstr(r->json, "name");
		if (!*c->patch.name)
			return jg__reply_error(r, JG__API_INVALID, "field \"name\" is empty");
	}
	if (jg__jhas(r->json, "safety")) {
		c->patch.set |= JG_SKU_SET_SAFETY;
		c->patch.safety = jg__jint(r->json, "safety", 0);
	}
	if (jg__jhas(r->json, "low_stock")) {
		c->patch.set |= JG_SKU_SET_LOW_STOCK;
		c->patch.low_stock = jg__jint(r->json, "low_stock", 0);
	}
	if (!c->patch.set)
		return jg__reply_error(r, JG__API_INVALID,
				       "nothing to change: give name, safety or low_stock");
	return jg__write(r, patch_run, patch_finish, c, 0, 1, 200);
}

/* ---- movements ---------------------------------------------------------------------------- */

static int move_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	sku_ctx *c = j->ctx;

	if (strcmp(c->verb, "receive") == 0) {
		c->delta = c->qty;
		return jg_stock_receive(s, c->code, c->qty, c->note, err);
	}
	if (strcmp(c->verb, "adjust") == 0)
		return jg_stock_adjust(s, c->code, c->delta, c->reason, err);
	return jg_stock_count(s, c->code, c->qty, c->note, &c->delta, err);
}

static enum MHD_Result move_finish(jg__req *r)
{
	sku_ctx *c = r->ctx;

	return jg__finish_json(r, 200,
			       json_pack("{s:s, s:s, s:I}", "sku", c->code, "movement", c->verb,
					 "delta", (json_int_t)c->delta));
}

static enum MHD_Result move(jg__req *r, const char *verb, const jg__jfield *spec)
{
	jg_err err = {0};
	sku_ctx *c = ctx_new(r);

	if (!c)
		return MHD_YES;
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	c->verb = verb;
	c->code = r->params[0];
	c->qty = jg__jint(r->json, "qty", 0);
	c->delta = jg__jint(r->json, "delta", 0);
	c->note = jg__jstr(r->json, "note");
	c->reason = jg__jstr(r->json, "reason");
	if (c->qty > QTY_LIMIT || c->delta > QTY_LIMIT || c->delta < -QTY_LIMIT)
		return jg__reply_error(r, JG__API_INVALID, "the quantity must be within %lld",
				       QTY_LIMIT);
	if (c->reason && !*c->reason)
		return jg__reply_error(r, JG__API_INVALID, "field \"reason\" is empty");
	return jg__write(r, move_run, move_finish, c, 0, 1, 200);
}

enum MHD_Result jg__api_skus_receive(jg__req *r)
{
	static const jg__jfield spec[] = {{"qty", JG__J_INT, JG__J_REQUIRED | JG__J_POSITIVE},
					  {"note", JG__J_STR, 0},
					  {NULL, 0, 0}};

	return move(r, "receive", spec);
}

enum MHD_Result jg__api_skus_adjust(jg__req *r)
{
	static const jg__jfield spec[] = {{"delta", JG__J_INT, JG__J_REQUIRED | JG__J_NONZERO},
					  {"reason", JG__J_STR, JG__J_REQUIRED},
					  {NULL, 0, 0}};

	return move(r, "adjust", spec);
}

enum MHD_Result jg__api_skus_count(jg__req *r)
{
	static const jg__jfield spec[] = {{"qty", JG__J_INT, JG__J_REQUIRED | JG__J_NONNEG},
					  {"note", JG__J_STR, 0},
					  {NULL, 0, 0}};

	return move(r, "count", spec);
}

/* ---- history, why ------------------------------------------------------------------------- */

typedef struct hist {
	json_t *arr;
	int64_t on_hand;
} hist;

static int on_hist(const jg_history_entry *e, void *payload)
{
	hist *h = payload;

	if (!(e->state && *e->state))
		h->on_hand += e->delta;
	return json_array_append_new(h->arr, jg_json_history(e, h->on_hand)) ? JG_ENOMEM : 0;
}

enum MHD_Result jg__api_skus_history(jg__req *r)
{
	jg_store *s = jg__reader(r);
	hist h = {0};
	jg_err err = {0};

	if (!s)
		return MHD_YES;
	h.arr = json_array();
	if (!h.arr || jg_stock_history(s, r->params[0], on_hist, &h, &err)) {
		json_decref(h.arr);
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	}
	return jg__reply_json(r, 200,
			      json_pack("{s:s, s:o}", "sku", r->params[0], "history", h.arr));
}

static int on_why(const jg_listing_info *l, const int64_t *low, void *payload)
{
	json_t *o = jg_json_listing(l), *comps = json_array();
	char text[512];

	if (!o || !comps) {
		json_decref(o);
		json_decref(comps);
		return JG_ENOMEM;
	}
	for (size_t i = 0; i < l->n_recipe; i++)
		json_array_append_new(comps, json_pack("{s:s, s:I, s:I, s:I, s:I}", "sku",
						       l->recipe[i].sku, "qty",
						       (json_int_t)l->recipe[i].qty, "available",
						       (json_int_t)l->recipe[i].available, "safety",
						       (json_int_t)l->recipe[i].safety, "low_stock",
						       (json_int_t)low[i]));
	jg_listing_explain(text, sizeof(text), l);
	json_object_set_new(o, "components", comps);
	json_object_set_new(o, "explain", json_string(text));
	return json_array_append_new(payload, o) ? JG_ENOMEM : 0;
}

enum MHD_Result jg__api_skus_why(jg__req *r)
{
	jg_listing_query q = {.sku = r->params[0]};
	jg_store *s;
	json_t *arr;
	jg_err err = {0};
	bool bad;

	q.channel = jg__query(r, "channel", &bad);
	if (bad || !(s = jg__reader(r)))
		return MHD_YES;
	arr = json_array();
	if (!arr || jg_listing_page(s, &q, NULL, on_why, arr, &err)) {
		json_decref(arr);
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	}
	return jg__reply_json(r, 200,
			      json_pack("{s:s, s:o, s:o}", "sku", r->params[0], "channel",
					q.channel ? json_string(q.channel) : json_null(),
					"listings", arr));
}
