/* SPDX-License-Identifier: MIT */
/*
 * The domain: channel rules, recipes, order-line states and the stock arithmetic of
 * DESIGN.md section 2. Pure functions over plain structs; no I/O, no SQL, no allocation
 * except where a function says so.
 */
#ifndef JAEGO_CORE_H
#define JAEGO_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "No limit" for a rule's max and end_when. */
#define JG_NO_LIMIT (-1)

/*
 * A channel's stock rule. Every part is optional; the defaults (buffer 0, percent 100, no
 * max, no end_when, priority 0, not paused) list the whole available pool.
 */
typedef struct jg_rule {
	int64_t buffer;   /* units held back from this channel, >= 0 */
	int64_t percent;  /* share of the pool shown, 0..100, rounded down */
	int64_t max;      /* cap on the listed quantity, or JG_NO_LIMIT */
	int64_t end_when; /* show 0 when a component's available <= this, or JG_NO_LIMIT */
	int64_t priority; /* 1 = first claim on the last units; 0 = no priority */
	bool paused;      /* a paused listing shows 0 */
} jg_rule;

/* The defaults described above. */
void jg_rule_default(jg_rule *out);

/* One recipe component as the arithmetic sees it. */
typedef struct jg_component {
	int64_t per_unit;  /* k: units of the SKU in one unit of the listing, >= 1 */
	int64_t available; /* on_hand - committed; may be negative */
	int64_t safety;    /* the SKU's safety stock */
	int64_t low_stock; /* at or below this, only top-priority channels show units; 0 = off */
} jg_component;

/* Why a listing shows what it shows: the rule that set the number. */
typedef enum jg_limit {
	JG_LIMIT_STOCK = 0,  /* the component's available stock itself */
	JG_LIMIT_SAFETY,     /* the SKU's safety stock */
	JG_LIMIT_BUFFER,     /* the channel's buffer */
	JG_LIMIT_PERCENT,    /* the channel's percentage */
	JG_LIMIT_MAX,        /* the channel's max */
	JG_LIMIT_PAUSED,     /* the channel is paused */
	JG_LIMIT_END_WHEN,   /* a component is at or below the channel's end_when */
	JG_LIMIT_PRIORITY,   /* low stock is reserved for higher-priority channels */
	JG_LIMIT_NO_RECIPE   /* the listing maps to nothing */
} jg_limit;

typedef struct jg_listed {
	int64_t qty;       /* the quantity the listing must show, >= 0 */
	jg_limit why;      /* the rule that decided it */
	int component;     /* index of the limiting component, -1 when not about a component */
} jg_listed;

/*
 * Computes listed(L) for a listing on a channel with `rule`, from its recipe components:
 *   pool = max(0, available - safety - buffer); pool = floor(pool * percent / 100);
 *   listed = min over components of floor(pool / k), capped at max; 0 when paused, when a
 *   component's available <= end_when, or when a component is at or below its low-stock
 *   line and the channel's priority is not within `priority_top` (0 = rule off).
 * Ties go to the first component. Thread-safe; never fails.
 */
void jg_listed_compute(jg_listed *out, const jg_rule *rule, int64_t priority_top,
		       const jg_component *comps, size_t n);

/* A stable short name for a limit ("stock", "max", ...). */
const char *jg_limit_name(jg_limit why);

/* ---- recipes ------------------------------------------------------------------------------ */

#define JG_RECIPE_MAX 32       /* components in one recipe */
#define JG_CODE_MAX 128        /* bytes in a SKU code, channel name or id */

typedef struct jg_recipe_item {
	char sku[JG_CODE_MAX];
	int64_t qty;
} jg_recipe_item;

/*
 * Parses "A*2,B" (also "A×2") into at most `cap` items; a repeated SKU is summed.
 * Returns the number of items or a negative code (JG_EINVAL with a message naming the part).
 */
int jg_recipe_parse(jg_recipe_item *out, size_t cap, const char *text, jg_err *err);

/* ---- order-line states -------------------------------------------------------------------- */

typedef enum jg_status {
	JG_STATUS_OPEN = 0, /* accepted, not shipped, not cancelled: holds a commitment */
	JG_STATUS_SHIPPED,  /* its units left as a shipment movement */
	JG_STATUS_CANCELLED,
	JG_STATUS_RETURNED  /* came back after shipping; restocked only when sellable */
} jg_status;

/* "open", "shipped", "cancelled", "returned". */
const char *jg_status_name(jg_status s);
/* Parses those names; JG_EINVAL otherwise. */
int jg_status_parse(jg_status *out, const char *name);
/* True when a line may move from `from` to `to` (open→shipped|cancelled, shipped→returned). */
bool jg_status_can(jg_status from, jg_status to);

/*
 * Line-unit shortage of one component: `short_units` of the SKU are missing for a line that
 * needs `per_unit` per line unit; the line is short by ceil(short_units / per_unit).
 */
int64_t jg_short_line_units(int64_t short_units, int64_t per_unit);

#ifdef __cplusplus
}
#endif
#endif
