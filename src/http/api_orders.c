/* SPDX-License-Identifier: MIT */
/*
 * Listings and order lines: the listing page, mapping a listing to a recipe, the order
 * page with its filters, shipping, cancelling and returning a line, and the two queues
 * (unmatched lines grouped by listing, oversold lines). Same calls as `jaego listing`,
 * `jaego order`, `jaego unmatched` and `jaego oversold`.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"
#include "jaego/query.h"
#include "json/shapes.h"

/* ---- listings ----------------------------------------------------------------------------- */

static int on_listing(const jg_listing_info *l, const int64_t *low, void *payload)
{
	(void)low;
	return json_array_append_new(payload, jg_json_listing(l)) ? JG_ENOMEM : 0;
}

enum MHD_Result jg__api_listings_list(jg__req *r)
{
	jg_listing_query q = {.limit = 100};
	jg_store *s;
	json_t *arr;
	int64_t total = 0;
	jg_err err = {0};
	bool bad, bad2;

	q.channel = jg__query(r, "channel", &bad);
	if (bad)
		return MHD_YES;
	q.sku = jg__query(r, "sku", &bad2);
	if (bad2 || jg__query_i64(r, "offset", 0, INT64_MAX / 2, &q.offset) ||
	    jg__query_i64(r, "limit", 1, JG_PAGE_MAX, &q.limit) || !(s = jg__reader(r)))
		return MHD_YES;
	arr = json_array();
	if (!arr || jg_listing_page(s, &q, &total, on_listing, arr, &err)) {
		json_decref(arr);
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	}
	return jg__reply_json(r, 200,
			      json_pack("{s:o, s:I}", "listings", arr, "total", (json_int_t)total));
}

typedef struct map_ctx {
	const char *channel, *product_id, *option;
	jg_recipe_item items[JG_RECIPE_MAX];
	size_t n;
	jg_map_result res;
} map_ctx;

static int map_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	map_ctx *c = j->ctx;

	return jg_listing_map(s, c->channel, c->product_id, c->option, c->items, c->n, &c->res,
			      err);
}

static enum MHD_Result map_finish(jg__req *r)
{
	map_ctx *c = r->ctx;

	return jg__finish_json(r, c->res.created ? 201 : 200,
			       json_pack("{s:s, s:s, s:s, s:b, s:I}", "channel", c->channel,
					 "product_id", c->product_id, "option",
					 c->option ? c->option : "", "created", c->res.created,
					 "lines_applied", (json_int_t)c->res.lines_applied));
}

enum MHD_Result jg__api_listings_map(jg__req *r)
{
	static const jg__jfield spec[] = {{"channel", JG__J_STR, JG__J_REQUIRED},
					  {"product_id", JG__J_STR, JG__J_REQUIRED},
					  {"option", JG__J_STR, 0},
					  {"recipe", JG__J_STR_OR_ARRAY, JG__J_REQUIRED},
					  {NULL, 0, 0}};
	static const jg__jfield item_spec[] = {{"sku", JG__J_STR, JG__J_REQUIRED},
					       {"qty", JG__J_INT, JG__J_POSITIVE},
					       {NULL, 0, 0}};
	map_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));
	json_t *recipe;
	jg_err err = {0};

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	c->channel = jg__jstr(r->json, "channel");
	c->product_id = jg__jstr(r->json, "product_id");
	c->option = jg__jstr(r->json, "option");
	if (jg__check_id("channel", c->channel, &err) ||
	    jg__check_id("product_id", c->product_id, &err))
		return jg__reply_err(r, &err);
	if (c->option && strlen(c->option) > 1024)
		return jg__reply_error(r, JG__API_INVALID,
				       "field \"option\" is longer than 1024 bytes");
	recipe = json_object_get(r->json, "recipe");
	if (json_is_string(recipe)) {
		int n = jg_recipe_parse(c->items, JG_RECIPE_MAX, json_string_value(recipe), &err);

		if (n < 0)
			return jg__reply_err(r, &err);
		c->n = (size_t)n;
	} else {
		size_t n = json_array_size(recipe);

		if (n == 0 || n > JG_RECIPE_MAX)
			return jg__reply_error(r, JG__API_INVALID,
					       "field \"recipe\" must hold 1 to %d components",
					       JG_RECIPE_MAX);
		for (size_t i = 0; i < n; i++) {
			json_t *it = json_array_get(recipe, i);
			char where[32];
			const char *sku;

			snprintf(where, sizeof(where), "recipe[%zu]", i);
			if (jg__json_check(it, item_spec, where, &err))
				return jg__reply_err(r, &err);
			sku = jg__jstr(it, "sku");
			if (jg__check_id("recipe sku", sku, &err))
				return jg__reply_err(r, &err);
			snprintf(c->items[i].sku, sizeof(c->items[i].sku), "%s", sku);
			c->items[i].qty = jg__jint(it, "qty", 1);
			if (c->items[i].qty > 1000000)
				return jg__reply_error(r, JG__API_INVALID,
						       "%s: field \"qty\" must be at most 1000000",
						       where);
		}
		c->n = n;
	}
	return jg__write(r, map_run, map_finish, c, 0, 1, 200);
}

/* ---- order lines -------------------------------------------------------------------------- */

static int on_order(const jg_order_info *o, void *payload)
{
	return json_array_append_new(payload, jg_json_order(o)) ? JG_ENOMEM : 0;
}

/* A time query value: an ISO date or time (KST unless a zone is given). A bare date as
 * `to` means the end of that day. Answers and returns -1 for a bad one. */
static int time_query(jg__req *r, const char *name, bool end, int64_t *out)
{
	bool bad;
	const char *v = jg__query(r, name, &bad);

	if (bad)
		return -1;
	if (!v)
		return 0;
	if (jg_time_parse(out, v, JG_KST_OFFSET_MIN)) {
		jg__reply_error(r, JG__API_INVALID,
				"query parameter \"%s\" is not a date or time (e.g. 2026-11-29)",
				name);
		return -1;
	}
	if (end && strlen(v) == 10)
		*out += 24LL * 3600 * 1000;
	return 0;
}

enum MHD_Result jg__api_orders_list(jg__req *r)
{
	jg_order_query q = {.status = -1, .limit = 100};
	const char *status;
	jg_store *s;
	json_t *arr;
	int64_t total = 0;
	jg_err err = {0};
	bool bad;

	status = jg__query(r, "status", &bad);
	if (bad)
		return MHD_YES;
	if (status) {
		jg_status st;

		if (jg_status_parse(&st, status))
			return jg__reply_error(r, JG__API_INVALID,
					       "query parameter \"status\" must be"
					       " open, shipped, cancelled or returned");
		q.status = (int)st;
	}
	q.channel = jg__query(r, "channel", &bad);
	if (bad)
		return MHD_YES;
	q.q = jg__query(r, "q", &bad);
	if (bad || time_query(r, "from", false, &q.from) || time_query(r, "to", true, &q.to) ||
	    jg__query_i64(r, "offset", 0, INT64_MAX / 2, &q.offset) ||
	    jg__query_i64(r, "limit", 1, JG_PAGE_MAX, &q.limit) ||
	    jg__query_bool(r, "unmatched", &q.unmatched_only) ||
	    jg__query_bool(r, "oversold", &q.oversold_only) || !(s = jg__reader(r)))
		return MHD_YES;
	arr = json_array();
	if (!arr || jg_order_page(s, &q, &total, on_order, arr, &err)) {
		json_decref(arr);
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	}
	return jg__reply_json(r, 200,
			      json_pack("{s:o, s:I}", "orders", arr, "total", (json_int_t)total));
}

typedef struct move_ctx {
	const char *channel, *line_id;
	jg_status to;
	jg_transition_opts o;
	jg_order_result res;
} move_ctx;

static int move_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	move_ctx *c = j->ctx;

	return jg_order_transition(s, c->channel, c->line_id, c->to, &c->o, &c->res, err);
}

static int on_oversold_of(const jg_order_info *o, void *payload)
{
	*(int64_t *)payload = o->oversold_by;
	return 0;
}

static enum MHD_Result move_finish(jg__req *r)
{
	move_ctx *c = r->ctx;
	jg_store *s;

	if (r->job.rc)
		return jg__reply_err(r, &r->job.err);
	if (!(s = jg__reader(r)))
		return MHD_YES;
	if (c->res.oversold_by < 0)
		jg_order_find(s, c->channel, c->line_id, on_oversold_of, &c->res.oversold_by, NULL);
	return jg__reply_json(r, 200, jg_json_order_result(c->channel, c->line_id, &c->res));
}

static enum MHD_Result move(jg__req *r, jg_status to, const jg__jfield *spec)
{
	move_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));
	jg_err err = {0};

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	c->channel = r->params[0];
	c->line_id = r->params[1];
	c->to = to;
	c->o.courier = jg__jstr(r->json, "courier");
	c->o.tracking = jg__jstr(r->json, "tracking");
	c->o.restock = jg__jbool(r->json, "restock", false);
	if ((c->o.courier && strlen(c->o.courier) > 256) ||
	    (c->o.tracking && strlen(c->o.tracking) > 256))
		return jg__reply_error(r, JG__API_INVALID,
				       "courier and tracking are at most 256 bytes");
	return jg__write(r, move_run, move_finish, c, 0, 1, 200);
}

enum MHD_Result jg__api_orders_ship(jg__req *r)
{
	static const jg__jfield spec[] = {
		{"courier", JG__J_STR, 0}, {"tracking", JG__J_STR, 0}, {NULL, 0, 0}};

	return move(r, JG_STATUS_SHIPPED, spec);
}

enum MHD_Result jg__api_orders_cancel(jg__req *r)
{
	static const jg__jfield spec[] = {{NULL, 0, 0}};

	return move(r, JG_STATUS_CANCELLED, spec);
}

enum MHD_Result jg__api_orders_return(jg__req *r)
{
	static const jg__jfield spec[] = {{"restock", JG__J_BOOL, 0}, {NULL, 0, 0}};

	return move(r, JG_STATUS_RETURNED, spec);
}

/* ---- queues ------------------------------------------------------------------------------- */

static int on_group(const jg_unmatched_group *g, void *payload)
{
	return json_array_append_new(payload,
				     json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "channel",
					       g->channel, "product_id", g->product_id, "option",
					       g->option, "product_name", g->product_name, "lines",
					       (json_int_t)g->lines, "qty", (json_int_t)g->qty))
		       ? JG_ENOMEM
		       : 0;
}

enum MHD_Result jg__api_unmatched(jg__req *r)
{
	const char *channel;
	jg_store *s;
	json_t *arr;
	jg_err err = {0};
	bool bad;

	channel = jg__query(r, "channel", &bad);
	if (bad || !(s = jg__reader(r)))
		return MHD_YES;
	arr = json_array();
	if (!arr || jg_unmatched_each(s, channel, on_group, arr, &err)) {
		json_decref(arr);
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	}
	return jg__reply_json(r, 200, json_pack("{s:o}", "groups", arr));
}

static int on_nothing(const jg_order_info *o, void *payload)
{
	(void)o;
	(void)payload;
	return 0;
}

enum MHD_Result jg__api_oversold(jg__req *r)
{
	jg_order_filter f = {.status = -1, .oversold_only = true};
	jg_store *s;
	json_t *arr;
	jg_err err = {0};
	int64_t id;
	bool bad;

	f.channel = jg__query(r, "channel", &bad);
	if (bad || !(s = jg__reader(r)))
		return MHD_YES;
	if (f.channel) {
		jg_order_query q = {.status = -1, .channel = f.channel, .limit = 1};

		/* An unknown channel is a 404, as on the other lists. */
		if (jg_order_page(s, &q, &id, on_nothing, NULL, &err) && err.code == JG_ENOTFOUND)
			return jg__reply_err(r, &err);
		jg_err_clear(&err);
	}
	arr = json_array();
	if (!arr || jg_order_each(s, &f, on_order, arr, &err)) {
		json_decref(arr);
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	}
	return jg__reply_json(r, 200, json_pack("{s:o}", "orders", arr));
}
