/* SPDX-License-Identifier: MIT */
/*
 * The stock arithmetic of DESIGN.md section 2: what a listing must show, and why. This is
 * the one place the formula lives; the store, sync and the tests' model all call it.
 */
#include <string.h>

#include "jaego/core.h"

void jg_rule_default(jg_rule *out)
{
	out->buffer = 0;
	out->percent = 100;
	out->max = JG_NO_LIMIT;
	out->end_when = JG_NO_LIMIT;
	out->priority = 0;
	out->paused = false;
}

const char *jg_limit_name(jg_limit why)
{
	switch (why) {
	case JG_LIMIT_STOCK: return "stock";
	case JG_LIMIT_SAFETY: return "safety";
	case JG_LIMIT_BUFFER: return "buffer";
	case JG_LIMIT_PERCENT: return "percent";
	case JG_LIMIT_MAX: return "max";
	case JG_LIMIT_PAUSED: return "paused";
	case JG_LIMIT_END_WHEN: return "end_when";
	case JG_LIMIT_PRIORITY: return "priority";
	case JG_LIMIT_NO_RECIPE: return "no_recipe";
	}
	return "unknown";
}

static bool in_top(const jg_rule *rule, int64_t priority_top)
{
	return rule->priority >= 1 && rule->priority <= priority_top;
}

/* Units of one component this channel may show, and which step cut it last. */
static int64_t component_pool(const jg_component *c, const jg_rule *rule, jg_limit *why)
{
	int64_t pool = c->available, before;

	*why = JG_LIMIT_STOCK;
	if (c->safety > 0) {
		before = pool;
		pool -= c->safety;
		if (before > 0)
			*why = JG_LIMIT_SAFETY;
	}
	if (rule->buffer > 0) {
		before = pool;
		pool -= rule->buffer;
		if (before > 0)
			*why = JG_LIMIT_BUFFER;
	}
	if (pool < 0)
		pool = 0;
	if (rule->percent < 100) {
		before = pool;
		/* pool <= available and percent <= 100: no overflow for any real stock. */
		pool = pool * (rule->percent < 0 ? 0 : rule->percent) / 100;
		if (pool < before)
			*why = JG_LIMIT_PERCENT;
	}
	return pool / (c->per_unit > 0 ? c->per_unit : 1);
}

void jg_listed_compute(jg_listed *out, const jg_rule *rule, int64_t priority_top,
		       const jg_component *comps, size_t n)
{
	int64_t best = INT64_MAX;

	out->qty = 0;
	out->component = -1;
	if (n == 0) {
		out->why = JG_LIMIT_NO_RECIPE;
		return;
	}
	if (rule->paused) {
		out->why = JG_LIMIT_PAUSED;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const jg_component *c = &comps[i];
		jg_limit why;
		int64_t q;

		if (rule->end_when != JG_NO_LIMIT && c->available <= rule->end_when) {
			out->why = JG_LIMIT_END_WHEN;
			out->component = (int)i;
			out->qty = 0;
			return;
		}
		if (priority_top > 0 && c->low_stock > 0 && c->available <= c->low_stock &&
		    !in_top(rule, priority_top)) {
			out->why = JG_LIMIT_PRIORITY;
			out->component = (int)i;
			out->qty = 0;
			return;
		}
		q = component_pool(c, rule, &why);
		if (q < best) {
			best = q;
			out->why = why;
			out->component = (int)i;
		}
	}
	if (rule->max != JG_NO_LIMIT && rule->max < best) {
		best = rule->max;
		out->why = JG_LIMIT_MAX;
		out->component = -1;
	}
	out->qty = best;
}

int64_t jg_short_line_units(int64_t short_units, int64_t per_unit)
{
	if (short_units <= 0)
		return 0;
	if (per_unit <= 1)
		return short_units;
	return (short_units + per_unit - 1) / per_unit;
}

const char *jg_status_name(jg_status s)
{
	switch (s) {
	case JG_STATUS_OPEN: return "open";
	case JG_STATUS_SHIPPED: return "shipped";
	case JG_STATUS_CANCELLED: return "cancelled";
	case JG_STATUS_RETURNED: return "returned";
	}
	return "unknown";
}

int jg_status_parse(jg_status *out, const char *name)
{
	static const jg_status all[] = {JG_STATUS_OPEN, JG_STATUS_SHIPPED, JG_STATUS_CANCELLED,
					JG_STATUS_RETURNED};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(name, jg_status_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return JG_EINVAL;
}

bool jg_status_can(jg_status from, jg_status to)
{
	switch (from) {
	case JG_STATUS_OPEN: return to == JG_STATUS_SHIPPED || to == JG_STATUS_CANCELLED;
	case JG_STATUS_SHIPPED: return to == JG_STATUS_RETURNED;
	case JG_STATUS_CANCELLED:
	case JG_STATUS_RETURNED: return false;
	}
	return false;
}
