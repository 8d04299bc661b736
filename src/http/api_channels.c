/* SPDX-License-Identifier: MIT */
/*
 * Channels, their stock rules, a rule's preview, the global setting, and order intake for
 * channels that push (POST /channels/{name}/orders). Intake is idempotent on line_id, as
 * jg_order_put is: a retried delivery finds every line known and changes nothing. It also
 * records the channel as imported (its orders were collected), which is what lets raises
 * be sent (DESIGN.md section 4).
 *
 * An intake request's lines are checked whole before the writer sees them: one bad line
 * refuses the request (400) and nothing is applied. At the writer, a line the store
 * refuses (an illegal transition, e.g. cancelled -> shipped) is reported for that line and
 * the others stand, as an order file's refused rows are.
 */
#include <string.h>

#include "http_int.h"
#include "jaego/intake.h"
#include "jaego/query.h"
#include "json/shapes.h"

/* ---- list, add ---------------------------------------------------------------------------- */

typedef struct chan_find {
	const char *name;
	json_t *doc;
	json_t *arr;
	jg_rule rule;
	bool found;
} chan_find;

static int on_channel(const jg_channel_info *ch, void *payload)
{
	chan_find *f = payload;

	if (f->arr)
		return json_array_append_new(f->arr, jg_json_channel(ch)) ? JG_ENOMEM : 0;
	if (strcmp(ch->name, f->name) == 0) {
		f->doc = jg_json_channel(ch);
		f->rule = ch->rule;
		f->found = true;
		return f->doc ? 1 : JG_ENOMEM;
	}
	return 0;
}

enum MHD_Result jg__api_channels_list(jg__req *r)
{
	chan_find f = {0};
	jg_store *s = jg__reader(r);
	jg_err err = {0};

	if (!s)
		return MHD_YES;
	f.arr = json_array();
	if (!f.arr || jg_channel_each(s, on_channel, &f, &err)) {
		json_decref(f.arr);
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	}
	return jg__reply_json(r, 200, json_pack("{s:o}", "channels", f.arr));
}

/* Finds one channel: 0 and f->doc, or answers (404 or the error) and returns -1. */
static int find_channel(jg__req *r, jg_store *s, const char *name, chan_find *f)
{
	jg_err err = {0};
	int rc;

	memset(f, 0, sizeof(*f));
	f->name = name;
	rc = jg_channel_each(s, on_channel, f, &err);
	if (rc < 0 && rc != 1) {
		json_decref(f->doc);
		jg__reply_err(r, &err);
		return -1;
	}
	if (!f->found) {
		jg__reply_error(r, JG__API_NOT_FOUND, "unknown channel \"%s\"", name);
		return -1;
	}
	return 0;
}

typedef struct chan_ctx {
	const char *name, *profile;
	jg_rule_patch patch;
} chan_ctx;

static enum MHD_Result chan_finish(jg__req *r, unsigned status)
{
	chan_ctx *c = r->ctx;
	chan_find f;
	jg_store *s;

	if (r->job.rc)
		return jg__reply_err(r, &r->job.err);
	if (!(s = jg__reader(r)) || find_channel(r, s, c->name, &f))
		return MHD_YES;
	return jg__reply_json(r, status, f.doc);
}

static int add_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	chan_ctx *c = j->ctx;

	return jg_channel_add(s, c->name, c->profile, err);
}

static enum MHD_Result add_finish(jg__req *r)
{
	return chan_finish(r, 201);
}

/* True when the profile `name` is known (built in or added); otherwise answers the request
 * (400, or the store's error) and returns false. */
static bool profile_known(jg__req *r, const char *name)
{
	jg_profiles *set = NULL;
	jg_err err = {0};
	jg_store *s = jg__reader(r);
	bool known;

	if (!s)
		return false; /* answered */
	if (jg_intake_profiles(s, &set, &err)) {
		jg__reply_err(r, &err);
		return false;
	}
	known = jg_profiles_find(set, name) != NULL;
	jg_profiles_free(set);
	if (!known)
		jg__reply_error(r, JG__API_INVALID, "unknown profile \"%s\" (see GET /api/v1/profiles)",
				name);
	return known;
}

enum MHD_Result jg__api_channels_add(jg__req *r)
{
	static const jg__jfield spec[] = {
		{"name", JG__J_STR, JG__J_REQUIRED}, {"profile", JG__J_STR, 0}, {NULL, 0, 0}};
	jg_err err = {0};
	chan_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	c->name = jg__jstr(r->json, "name");
	c->profile = jg__jstr(r->json, "profile") ? jg__jstr(r->json, "profile") : "generic";
	if (jg__check_id("name", c->name, &err))
		return jg__reply_err(r, &err);
	if (!profile_known(r, c->profile))
		return MHD_YES;
	return jg__write(r, add_run, add_finish, c, 0, 1, 201);
}

/* ---- rules -------------------------------------------------------------------------------- */

/* Reads a rule patch from the body; answers and returns -1 when it is bad or empty. */
static int rule_patch(jg__req *r, jg_rule_patch *p, bool with_profile)
{
	static const jg__jfield spec[] = {{"buffer", JG__J_INT, JG__J_NONNEG},
					  {"percent", JG__J_INT, JG__J_NONNEG},
					  {"max", JG__J_INT_OR_NULL, JG__J_NONNEG},
					  {"end_when", JG__J_INT_OR_NULL, JG__J_NONNEG},
					  {"priority", JG__J_INT, JG__J_NONNEG},
					  {"paused", JG__J_BOOL, 0},
					  {"profile", JG__J_STR, 0},
					  {NULL, 0, 0}};
	jg_err err = {0};
	json_t *v;

	memset(p, 0, sizeof(*p));
	if (jg__json_check(r->json, spec, NULL, &err)) {
		jg__reply_err(r, &err);
		return -1;
	}
	if (!with_profile && jg__jhas(r->json, "profile")) {
		jg__reply_error(r, JG__API_INVALID, "unknown field \"profile\"");
		return -1;
	}
	if (jg__jhas(r->json, "buffer")) {
		p->set |= JG_RULE_SET_BUFFER;
		p->rule.buffer = jg__jint(r->json, "buffer", 0);
	}
	if (jg__jhas(r->json, "percent")) {
		p->set |= JG_RULE_SET_PERCENT;
		p->rule.percent = jg__jint(r->json, "percent", 100);
		if (p->rule.percent > 100) {
			jg__reply_error(r, JG__API_INVALID,
					"field \"percent\" must be from 0 to 100");
			return -1;
		}
	}
	if ((v = json_object_get(r->json, "max"))) {
		p->set |= JG_RULE_SET_MAX;
		p->rule.max = json_is_null(v) ? JG_NO_LIMIT : (int64_t)json_integer_value(v);
	}
	if ((v = json_object_get(r->json, "end_when"))) {
		p->set |= JG_RULE_SET_END_WHEN;
		p->rule.end_when = json_is_null(v) ? JG_NO_LIMIT : (int64_t)json_integer_value(v);
	}
	if (jg__jhas(r->json, "priority")) {
		p->set |= JG_RULE_SET_PRIORITY;
		p->rule.priority = jg__jint(r->json, "priority", 0);
	}
	if (jg__jhas(r->json, "paused")) {
		p->set |= JG_RULE_SET_PAUSED;
		p->rule.paused = jg__jbool(r->json, "paused", false);
	}
	if (!p->set && !(with_profile && jg__jhas(r->json, "profile"))) {
		jg__reply_error(r, JG__API_INVALID,
				"nothing to change: give buffer, percent, max, end_when, priority,"
				" paused%s",
				with_profile ? " or profile" : "");
		return -1;
	}
	return 0;
}

static int patch_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	chan_ctx *c = j->ctx;
	int rc = 0;

	if (c->profile)
		rc = jg_channel_set_profile(s, c->name, c->profile, err);
	if (rc == 0 && c->patch.set) {
		rc = jg_channel_set(s, c->name, &c->patch, err);
		j->partial = rc != 0 && c->profile != NULL;
	}
	return rc;
}

static enum MHD_Result patch_finish(jg__req *r)
{
	return chan_finish(r, 200);
}

enum MHD_Result jg__api_channels_patch(jg__req *r)
{
	chan_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	c->name = r->params[0];
	if (rule_patch(r, &c->patch, true))
		return MHD_YES;
	c->profile = jg__jstr(r->json, "profile");
	if (c->profile && !profile_known(r, c->profile))
		return MHD_YES;
	return jg__write(r, patch_run, patch_finish, c, 0, 1, 200);
}

/* ---- preview ------------------------------------------------------------------------------ */

typedef struct preview {
	jg_rule rule;
	int64_t top;
	json_t *arr;
} preview;

static int on_preview(const jg_listing_info *l, const int64_t *low, void *payload)
{
	preview *p = payload;
	jg_component comps[JG_RECIPE_MAX];
	jg_listing_info would = *l;
	jg_listed out;
	char now_lim[JG_CODE_MAX + 16], would_lim[JG_CODE_MAX + 16];

	for (size_t i = 0; i < l->n_recipe; i++) {
		comps[i].per_unit = l->recipe[i].qty;
		comps[i].available = l->recipe[i].available;
		comps[i].safety = l->recipe[i].safety;
		comps[i].low_stock = low[i];
	}
	jg_listed_compute(&out, &p->rule, p->top, comps, l->n_recipe);
	would.why = out.why;
	would.limit_sku = out.component >= 0 ? l->recipe[out.component].sku : NULL;
	jg_limited_by(now_lim, sizeof(now_lim), l);
	jg_limited_by(would_lim, sizeof(would_lim), &would);
	return json_array_append_new(
		       p->arr, json_pack("{s:s, s:s, s:I, s:s, s:I, s:s}", "product_id",
					 l->product_id, "option", l->option, "listed",
					 (json_int_t)l->listed, "limited_by", now_lim, "would_list",
					 (json_int_t)out.qty, "would_limit_by", would_lim))
		       ? JG_ENOMEM
		       : 0;
}

enum MHD_Result jg__api_channels_preview(jg__req *r)
{
	jg_rule_patch patch;
	jg_listing_query q = {.channel = r->params[0]};
	preview p = {0};
	chan_find f;
	jg_store *s;
	jg_err err = {0};
	const jg_rule *n;

	if (rule_patch(r, &patch, false) || !(s = jg__reader(r)) ||
	    find_channel(r, s, r->params[0], &f))
		return MHD_YES;
	json_decref(f.doc);
	p.rule = f.rule;
	n = &patch.rule;
	if (patch.set & JG_RULE_SET_BUFFER)
		p.rule.buffer = n->buffer;
	if (patch.set & JG_RULE_SET_PERCENT)
		p.rule.percent = n->percent;
	if (patch.set & JG_RULE_SET_MAX)
		p.rule.max = n->max;
	if (patch.set & JG_RULE_SET_END_WHEN)
		p.rule.end_when = n->end_when;
	if (patch.set & JG_RULE_SET_PRIORITY)
		p.rule.priority = n->priority;
	if (patch.set & JG_RULE_SET_PAUSED)
		p.rule.paused = n->paused;
	if (jg_setting_get(s, "priority_top", &p.top, &err))
		return jg__reply_err(r, &err);
	p.arr = json_array();
	if (!p.arr || jg_listing_page(s, &q, NULL, on_preview, &p, &err)) {
		json_decref(p.arr);
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	}
	return jg__reply_json(r, 200,
			      json_pack("{s:s, s:o}", "channel", r->params[0], "listings", p.arr));
}

/* ---- settings ----------------------------------------------------------------------------- */

enum MHD_Result jg__api_settings_get(jg__req *r)
{
	jg_store *s = jg__reader(r);
	int64_t top = 0;
	jg_err err = {0};

	if (!s)
		return MHD_YES;
	if (jg_setting_get(s, "priority_top", &top, &err))
		return jg__reply_err(r, &err);
	return jg__reply_json(r, 200, json_pack("{s:I}", "priority_top", (json_int_t)top));
}

static int setting_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	return jg_setting_set(s, "priority_top", *(int64_t *)j->ctx, err);
}

static enum MHD_Result setting_finish(jg__req *r)
{
	return jg__finish_json(
		r, 200, json_pack("{s:I}", "priority_top", (json_int_t) * (int64_t *)r->ctx));
}

enum MHD_Result jg__api_settings_patch(jg__req *r)
{
	static const jg__jfield spec[] = {
		{"priority_top", JG__J_INT, JG__J_REQUIRED | JG__J_NONNEG}, {NULL, 0, 0}};
	jg_err err = {0};
	int64_t *v = jg_arena_alloc(&r->arena, sizeof(*v));

	if (!v)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	*v = jg__jint(r->json, "priority_top", 1);
	return jg__write(r, setting_run, setting_finish, v, 0, 1, 200);
}

/* ---- order intake ------------------------------------------------------------------------- */

typedef struct line_out {
	int rc;
	jg_err err;
	jg_order_result res;
} line_out;

typedef struct intake_ctx {
	const char *channel;
	jg_order_in *in;
	line_out *out;
	size_t n;
} intake_ctx;

static const jg__jfield LINE_SPEC[] = {{"line_id", JG__J_STR, JG__J_REQUIRED},
				       {"order_no", JG__J_STR, 0},
				       {"product_id", JG__J_STR, JG__J_REQUIRED},
				       {"option", JG__J_STR, 0},
				       {"qty", JG__J_INT, JG__J_REQUIRED | JG__J_POSITIVE},
				       {"status", JG__J_STR, 0},
				       {"channel_status", JG__J_STR, 0},
				       {"ordered_at", JG__J_STR, 0},
				       {"product_name", JG__J_STR, 0},
				       {"courier", JG__J_STR, 0},
				       {"tracking", JG__J_STR, 0},
				       {"restock", JG__J_BOOL, 0},
				       {NULL, 0, 0}};

#define LINE_QTY_MAX 1000000
#define TEXT_MAX     256
#define DETAIL_MAX   2048
#define OPTION_MAX   1024

static int check_text(const char *where, const char *what, const char *v, size_t max, jg_err *err)
{
	if (v && strlen(v) > max)
		return jg_err_set(err, JG_EINVAL, "%s: field \"%s\" is longer than %zu bytes",
				  where, what, max);
	return 0;
}

/* Reads one line object into *in (strings borrowed from the JSON). */
static int parse_line(json_t *o, const char *channel, const char *where, jg_order_in *in,
		      jg_err *err)
{
	const char *status, *at;
	int rc;

	if ((rc = jg__json_check(o, LINE_SPEC, where, err)))
		return rc;
	memset(in, 0, sizeof(*in));
	in->channel = channel;
	in->line_id = jg__jstr(o, "line_id");
	in->order_no = jg__jstr(o, "order_no");
	in->product_id = jg__jstr(o, "product_id");
	in->option = jg__jstr(o, "option");
	in->qty = jg__jint(o, "qty", 0);
	in->channel_status = jg__jstr(o, "channel_status");
	in->product_name = jg__jstr(o, "product_name");
	in->courier = jg__jstr(o, "courier");
	in->tracking = jg__jstr(o, "tracking");
	in->restock = jg__jbool(o, "restock", false);
	in->status = JG_STATUS_OPEN;
	if ((rc = jg__check_id("line_id", in->line_id, err)) ||
	    (rc = jg__check_id("product_id", in->product_id, err)))
		return jg_err_set(err, rc, "%s: %s", where, err->msg);
	if (in->qty > LINE_QTY_MAX)
		return jg_err_set(err, JG_EINVAL, "%s: field \"qty\" must be at most %d", where,
				  LINE_QTY_MAX);
	if ((rc = check_text(where, "order_no", in->order_no, TEXT_MAX, err)) ||
	    (rc = check_text(where, "option", in->option, OPTION_MAX, err)) ||
	    (rc = check_text(where, "channel_status", in->channel_status, TEXT_MAX, err)) ||
	    (rc = check_text(where, "courier", in->courier, TEXT_MAX, err)) ||
	    (rc = check_text(where, "tracking", in->tracking, TEXT_MAX, err)) ||
	    (rc = check_text(where, "product_name", in->product_name, DETAIL_MAX, err)))
		return rc;
	status = jg__jstr(o, "status");
	if (status && jg_status_parse(&in->status, status))
		return jg_err_set(
			err, JG_EINVAL,
			"%s: field \"status\" must be open, shipped, cancelled or returned", where);
	at = jg__jstr(o, "ordered_at");
	if (at && jg_time_parse(&in->ordered_at, at, JG_KST_OFFSET_MIN))
		return jg_err_set(
			err, JG_EINVAL,
			"%s: field \"ordered_at\" is not a time (ISO 8601; KST unless a zone"
			" is given)",
			where);
	return 0;
}

static int intake_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	intake_ctx *c = j->ctx;
	int rc;

	/* First: it checks the channel before it writes, so an unknown one fails clean. */
	rc = jg_channel_mark_imported(s, c->channel, jg_now_ms(), err);
	if (rc)
		return rc;
	for (size_t i = 0; i < c->n; i++) {
		line_out *o = &c->out[i];

		jg_err_clear(&o->err);
		o->rc = jg_order_put(s, &c->in[i], &o->res, &o->err);
		if (o->rc && o->rc != JG_ESTATE && o->rc != JG_EINVAL) {
			/* Not a refusal before writing: the batch may be poisoned. */
			*err = o->err;
			j->partial = true;
			return o->rc;
		}
	}
	return 0;
}

typedef struct readback {
	json_t *line;
} readback;

static int on_readback(const jg_order_info *o, void *payload)
{
	readback *b = payload;

	json_object_set_new(b->line, "status", json_string(jg_status_name(o->status)));
	json_object_set_new(b->line, "matched", json_boolean(o->matched));
	json_object_set_new(b->line, "oversold_by", json_integer(o->oversold_by));
	return 0;
}

static json_t *line_result(jg__req *r, jg_store *s, const char *channel, const char *line_id,
			   const line_out *o)
{
	json_t *x;

	(void)r;
	if (o->rc) {
		x = json_pack("{s:s, s:s, s:{s:s, s:s}}", "line_id", line_id, "outcome", "refused",
			      "error", "code", jg__api_code(jg__api_kind_of(o->rc)), "message",
			      o->err.msg);
		return x;
	}
	x = json_pack("{s:s, s:s, s:s, s:b, s:I}", "line_id", line_id, "outcome",
		      jg_order_outcome_name(o->res.outcome), "status",
		      jg_status_name(o->res.status), "matched", o->res.matched, "oversold_by",
		      (json_int_t)(o->res.oversold_by < 0 ? 0 : o->res.oversold_by));
	if (x && s) {
		/* Inside a batch the shortage is known only at commit: read it now. */
		readback b = {x};

		jg_order_find(s, channel, line_id, on_readback, &b, NULL);
	}
	return x;
}

static enum MHD_Result intake_finish(jg__req *r)
{
	intake_ctx *c = r->ctx;
	const char **ids = jg_arena_alloc(&r->arena, c->n * sizeof(*ids));
	jg_order_state *st = jg_arena_alloc(&r->arena, c->n * sizeof(*st));
	jg_store *s;
	json_t *arr;

	if (r->job.rc)
		return jg__reply_err(r, &r->job.err);
	if (!ids || !st)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	if (!(s = jg__reader(r)))
		return MHD_YES;
	/* Inside a batch the shortage is known only at commit: read every line's state now,
	 * in one call (as a failed read of one line did, a failure keeps the writer's
	 * answers). */
	for (size_t i = 0; i < c->n; i++)
		ids[i] = c->in[i].line_id;
	if (jg_order_states(s, c->channel, ids, c->n, st, NULL))
		memset(st, 0, c->n * sizeof(*st));
	arr = json_array();
	for (size_t i = 0; arr && i < c->n; i++) {
		json_t *x = line_result(r, NULL, c->channel, c->in[i].line_id, &c->out[i]);

		if (x && c->out[i].rc == 0 && st[i].found) {
			json_object_set_new(x, "status", json_string(jg_status_name(st[i].status)));
			json_object_set_new(x, "matched", json_boolean(st[i].matched));
			json_object_set_new(x, "oversold_by", json_integer(st[i].oversold_by));
		}
		if (json_array_append_new(arr, x)) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (!arr)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	return jg__reply_json(r, 200, json_pack("{s:s, s:o}", "channel", c->channel, "lines", arr));
}

enum MHD_Result jg__api_channels_intake(jg__req *r)
{
	static const jg__jfield spec[] = {{"lines", JG__J_ARRAY, JG__J_REQUIRED}, {NULL, 0, 0}};
	intake_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));
	json_t *lines;
	jg_err err = {0};

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	lines = json_object_get(r->json, "lines");
	c->channel = r->params[0];
	c->n = json_array_size(lines);
	if (c->n == 0 || c->n > JG__LINES_MAX)
		return jg__reply_error(r, JG__API_INVALID,
				       "field \"lines\" must hold 1 to %d lines", JG__LINES_MAX);
	c->in = jg_arena_alloc(&r->arena, c->n * sizeof(*c->in));
	c->out = jg_arena_alloc(&r->arena, c->n * sizeof(*c->out));
	if (!c->in || !c->out)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c->out, 0, c->n * sizeof(*c->out));
	for (size_t i = 0; i < c->n; i++) {
		char where[32];

		snprintf(where, sizeof(where), "lines[%zu]", i);
		if (parse_line(json_array_get(lines, i), c->channel, where, &c->in[i], &err))
			return jg__reply_err(r, &err);
	}
	return jg__write(r, intake_run, intake_finish, c, 0, (int64_t)c->n, 200);
}

/* ---- one order line, by hand (POST /orders) ----------------------------------------------- */

typedef struct order_ctx {
	jg_order_in in;
	line_out out;
} order_ctx;

static int order_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	order_ctx *c = j->ctx;

	return jg_order_put(s, &c->in, &c->out.res, err);
}

static enum MHD_Result order_finish(jg__req *r)
{
	order_ctx *c = r->ctx;
	jg_store *s;
	json_t *x;

	if (r->job.rc)
		return jg__reply_err(r, &r->job.err);
	if (!(s = jg__reader(r)))
		return MHD_YES;
	x = line_result(r, s, c->in.channel, c->in.line_id, &c->out);
	if (x)
		json_object_set_new(x, "channel", json_string(c->in.channel));
	return jg__reply_json(r, c->out.res.outcome == JG_ORDER_NEW ? 201 : 200, x);
}

enum MHD_Result jg__api_orders_add(jg__req *r)
{
	order_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));
	const char *channel;
	json_t *copy;
	jg_err err = {0};

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	/* The same fields as an intake line, plus the channel. */
	channel = jg__jstr(r->json, "channel");
	if (!json_is_string(json_object_get(r->json, "channel")))
		return jg__reply_error(r, JG__API_INVALID,
				       "field \"channel\" is required (a string)");
	if (jg__check_id("channel", channel, &err))
		return jg__reply_err(r, &err);
	copy = json_copy(r->json);
	if (!copy)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	json_object_del(copy, "channel");
	if (parse_line(copy, channel, "order", &c->in, &err)) {
		json_decref(copy);
		return jg__reply_err(r, &err);
	}
	/* The strings borrowed by c->in live in r->json too (json_copy shares values). */
	json_decref(copy);
	return jg__write(r, order_run, order_finish, c, 0, 1, 201);
}
