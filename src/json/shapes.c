/* SPDX-License-Identifier: MIT */
/*
 * The JSON shapes shared by `jaego --json` and the HTTP API (shapes.h). Numbers are JSON
 * integers, ids are strings, "no limit" and "never" are null. A shape changes here once and
 * both front ends follow.
 */
#include <stdio.h>
#include <string.h>

#include "shapes.h"

json_t *jg_json_str(const char *s)
{
	return json_string(s ? s : "");
}

json_t *jg_json_sku(const jg_sku_info *k)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "sku", k->code, "name", k->name,
			 "on_hand", (json_int_t)k->on_hand, "committed", (json_int_t)k->committed,
			 "available", (json_int_t)k->available, "safety", (json_int_t)k->safety,
			 "low_stock", (json_int_t)k->low_stock);
}

static json_t *limit_json(int64_t v)
{
	return v == JG_NO_LIMIT ? json_null() : json_integer(v);
}

json_t *jg_json_channel(const jg_channel_info *ch)
{
	const jg_rule *r = &ch->rule;

	return json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:I, s:b, s:I}", "channel", ch->name,
			 "profile", ch->profile, "buffer", (json_int_t)r->buffer, "percent",
			 (json_int_t)r->percent, "max", limit_json(r->max), "end_when",
			 limit_json(r->end_when), "priority", (json_int_t)r->priority, "paused",
			 r->paused, "listings", (json_int_t)ch->listings);
}

void jg_limited_by(char *out, size_t n, const jg_listing_info *l)
{
	if (l->limit_sku)
		snprintf(out, n, "%s:%s", jg_limit_name(l->why), l->limit_sku);
	else
		snprintf(out, n, "%s", jg_limit_name(l->why));
}

void jg_listing_explain(char *out, size_t n, const jg_listing_info *l)
{
	const jg_listing_component *k = NULL;

	for (size_t i = 0; l->limit_sku && i < l->n_recipe; i++)
		if (strcmp(l->recipe[i].sku, l->limit_sku) == 0)
			k = &l->recipe[i];
	switch (l->why) {
	case JG_LIMIT_MAX: snprintf(out, n, "channel max"); return;
	case JG_LIMIT_PAUSED: snprintf(out, n, "channel paused"); return;
	case JG_LIMIT_NO_RECIPE: snprintf(out, n, "no recipe"); return;
	default: break;
	}
	if (!k) {
		snprintf(out, n, "%s", jg_limit_name(l->why));
		return;
	}
	switch (l->why) {
	case JG_LIMIT_STOCK:
		if (k->qty > 1)
			snprintf(out, n, "%s available %lld, %lld per unit", k->sku,
				 (long long)k->available, (long long)k->qty);
		else
			snprintf(out, n, "%s available %lld", k->sku, (long long)k->available);
		break;
	case JG_LIMIT_SAFETY:
		snprintf(out, n, "%s available %lld - safety %lld", k->sku, (long long)k->available,
			 (long long)k->safety);
		break;
	case JG_LIMIT_BUFFER:
		snprintf(out, n, "%s available %lld - channel buffer", k->sku,
			 (long long)k->available);
		break;
	case JG_LIMIT_PERCENT:
		snprintf(out, n, "%s available %lld x channel percent", k->sku,
			 (long long)k->available);
		break;
	case JG_LIMIT_END_WHEN:
		snprintf(out, n, "%s available %lld <= channel end-when", k->sku,
			 (long long)k->available);
		break;
	case JG_LIMIT_PRIORITY:
		snprintf(out, n, "%s low stock (%lld), kept for priority channels", k->sku,
			 (long long)k->available);
		break;
	default: snprintf(out, n, "%s", jg_limit_name(l->why)); break;
	}
}

json_t *jg_json_listing(const jg_listing_info *l)
{
	char lim[JG_CODE_MAX + 16];
	json_t *r = json_array();

	if (!r)
		return NULL;
	for (size_t i = 0; i < l->n_recipe; i++)
		if (json_array_append_new(r, json_pack("{s:s, s:I}", "sku", l->recipe[i].sku, "qty",
						       (json_int_t)l->recipe[i].qty))) {
			json_decref(r);
			return NULL;
		}
	jg_limited_by(lim, sizeof(lim), l);
	return json_pack("{s:s, s:s, s:s, s:o, s:I, s:s, s:o}", "channel", l->channel, "product_id",
			 l->product_id, "option", l->option, "recipe", r, "listed",
			 (json_int_t)l->listed, "limited_by", lim, "last_told",
			 l->last_told < 0 ? json_null() : json_integer(l->last_told));
}

json_t *jg_json_order(const jg_order_info *o)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:b, s:I, s:o}", "channel",
			 o->channel, "line_id", o->line_id, "order_no", o->order_no, "product_id",
			 o->product_id, "option", o->option, "qty", (json_int_t)o->qty, "status",
			 jg_status_name(o->status), "channel_status", o->channel_status,
			 "oversold_by", (json_int_t)o->oversold_by, "matched", o->matched,
			 "ordered_at", (json_int_t)o->ordered_at, "product_name",
			 jg_json_str(o->product_name));
}

const char *jg_order_outcome_name(jg_order_outcome o)
{
	switch (o) {
	case JG_ORDER_NEW: return "new";
	case JG_ORDER_DUPLICATE: return "duplicate";
	case JG_ORDER_CHANGED: return "changed";
	}
	return "new";
}

json_t *jg_json_order_result(const char *channel, const char *line_id, const jg_order_result *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:I}", "channel", channel, "line_id", line_id,
			 "outcome", jg_order_outcome_name(r->outcome), "status",
			 jg_status_name(r->status), "matched", r->matched, "oversold_by",
			 (json_int_t)(r->oversold_by < 0 ? 0 : r->oversold_by));
}

json_t *jg_json_history(const jg_history_entry *e, int64_t on_hand_after)
{
	bool commitment = e->state && *e->state;
	json_t *x =
		json_pack("{s:I, s:s, s:I, s:s, s:s}", "at", (json_int_t)e->at, "kind", e->kind,
			  "delta", (json_int_t)e->delta, "reason", e->reason, "source", e->source);

	if (!x)
		return NULL;
	if (commitment ? json_object_set_new(x, "state", json_string(e->state))
		       : json_object_set_new(x, "on_hand_after", json_integer(on_hand_after))) {
		json_decref(x);
		return NULL;
	}
	return x;
}

json_t *jg_json_intake_summary(const jg_intake_summary *s)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			      " s:b}",
			      "file", s->file, "format", jg_format_name(s->format), "channel",
			      s->channel, "profile", s->profile, "header_row",
			      (json_int_t)s->header_row, "rows", (json_int_t)s->rows, "new",
			      (json_int_t)s->new_lines, "duplicates", (json_int_t)s->duplicates,
			      "status_changes", (json_int_t)s->status_changes,
			      "refused_transitions", (json_int_t)s->refused, "unmatched",
			      (json_int_t)s->unmatched, "oversold", (json_int_t)s->oversold,
			      "ignored", (json_int_t)s->ignored, "applied", s->applied);
	json_t *rej = json_array(), *un = json_array(), *ref = json_array();
	int bad = 0;

	if (!o || !rej || !un || !ref)
		goto fail;
	for (size_t i = 0; i < s->n_rejected && !bad; i++)
		bad = json_array_append_new(rej, json_pack("{s:I, s:i, s:s, s:s}", "row",
							   (json_int_t)s->rejected[i].row, "column",
							   (int)s->rejected[i].column, "header",
							   s->rejected[i].header, "reason",
							   s->rejected[i].reason));
	for (size_t i = 0; i < s->n_unmatched_list && !bad; i++)
		bad = json_array_append_new(un,
					    json_pack("{s:s, s:s, s:s, s:I}", "product_id",
						      s->unmatched_list[i].product_id, "option",
						      s->unmatched_list[i].option, "product_name",
						      s->unmatched_list[i].product_name, "lines",
						      (json_int_t)s->unmatched_list[i].lines));
	for (size_t i = 0; i < s->n_refused_list && !bad; i++)
		bad = json_array_append_new(ref, json_pack("{s:I, s:s, s:s}", "row",
							   (json_int_t)s->refused_list[i].row,
							   "line_id", s->refused_list[i].line_id,
							   "reason", s->refused_list[i].reason));
	if (bad)
		goto fail;
	json_object_set_new(o, "rejected", rej);
	json_object_set_new(o, "rejected_count", json_integer(s->rejected_count));
	json_object_set_new(o, "unmatched_listings", un);
	json_object_set_new(o, "refused", ref);
	return o;
fail:
	json_decref(o);
	json_decref(rej);
	json_decref(un);
	json_decref(ref);
	return NULL;
}

json_t *jg_json_catalog_result(const jg_catalog_result *r, const char *file)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:b, s:b}", "kind", jg_catalog_kind_name(r->kind),
			      "rows", (json_int_t)r->rows, "rejected_count",
			      (json_int_t)r->rejected_count, "applied", r->applied, "dry_run",
			      r->dry_run);
	json_t *rej = json_array();
	int bad = !o || !rej;

	if (!bad && file)
		bad = json_object_set_new(o, "file", json_string(file));
	if (!bad && r->kind == JG_CATALOG_SKUS)
		bad = json_object_set_new(o, "added", json_integer(r->added)) ||
		      json_object_set_new(o, "updated", json_integer(r->updated));
	else if (!bad)
		bad = json_object_set_new(o, "created", json_integer(r->created)) ||
		      json_object_set_new(o, "remapped", json_integer(r->remapped)) ||
		      json_object_set_new(o, "lines_applied", json_integer(r->lines_applied));
	for (size_t i = 0; i < r->n_rejected && !bad; i++)
		bad = json_array_append_new(rej, json_pack("{s:I, s:i, s:s, s:s, s:s}", "row",
							   (json_int_t)r->rejected[i].row, "column",
							   (int)r->rejected[i].column, "field",
							   r->rejected[i].field, "header",
							   r->rejected[i].field, "reason",
							   r->rejected[i].reason));
	if (bad) {
		json_decref(o);
		json_decref(rej);
		return NULL;
	}
	json_object_set_new(o, "rejected", rej);
	return o;
}

json_t *jg_json_sync_item(const jg_sync_item *it)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:s, s:b, s:s, s:s}", "channel",
			 it->channel, "product_id", it->product_id, "option", it->option, "sku",
			 it->sku, "old", it->old_qty < 0 ? json_null() : json_integer(it->old_qty),
			 "new", (json_int_t)it->new_qty, "kind", jg_sync_kind_name(it->kind),
			 "forced", it->forced, "why", it->why, "cause", it->cause);
}

json_t *jg_json_profile(const jg_profile *p)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", jg_profile_name(p), "title",
			 jg_profile_title(p), "kind",
			 jg_profile_kind_of(p) == JG_PROFILE_CLAIMS ? "claims" : "orders", "origin",
			 jg_profile_origin(p), "detect", jg_profile_detectable(p));
}
