/* SPDX-License-Identifier: MIT */
/*
 * Telling every channel its quantity (DESIGN.md section 4). The plan lists each listing
 * whose quantity must change, old → new, and why; drops to zero come first, then other
 * decreases, then increases. Lower at once, raise with care: an increase is held back
 * until the channel's orders have been imported after the listing was last told (a sale
 * the channel made but jaego has not seen must not be put back on sale), unless forced.
 *
 * Export writes one stock-update file per channel in the channel's own bulk-upload layout
 * (its profile's "stock_update"; a generic CSV otherwise), only the changed rows, and marks
 * them told. A seller who wants to confirm by hand exports with `mark` off and later marks
 * the file that was uploaded.
 */
#ifndef JAEGO_SYNC_H
#define JAEGO_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "profile.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jg_sync_kind {
	JG_SYNC_ZERO = 0, /* a drop to zero: sold out, told first of all */
	JG_SYNC_LOWER,    /* a decrease */
	JG_SYNC_RAISE,    /* an increase that may be sent */
	JG_SYNC_HELD      /* an increase held back until the channel's orders are imported */
} jg_sync_kind;

/* "zero", "lower", "raise", "held". */
const char *jg_sync_kind_name(jg_sync_kind k);

typedef struct jg_sync_item {
	int64_t ref;            /* the listing (for marking) */
	const char *channel;
	const char *product_id;
	const char *option;
	const char *sku;        /* the SKU when the listing is one unit of one SKU, else "" */
	int64_t old_qty;        /* last told, -1 if never */
	int64_t new_qty;
	jg_sync_kind kind;
	bool forced;            /* a raise sent only because it was forced */
	char why[160];          /* the rule and SKU that set the new quantity */
	char cause[200];        /* the latest change behind it, "" if unknown */
} jg_sync_item;

typedef struct jg_sync_plan jg_sync_plan;

/*
 * Computes the plan for one channel (all when NULL). With `force_raise`, held raises
 * become raises marked `forced`. *out is owned by the caller (jg_sync_plan_free).
 */
int jg_sync_plan_make(jg_store *s, const char *channel, bool force_raise, jg_sync_plan **out,
		      jg_err *err);
size_t jg_sync_plan_count(const jg_sync_plan *p);
const jg_sync_item *jg_sync_plan_at(const jg_sync_plan *p, size_t i);
void jg_sync_plan_free(jg_sync_plan *p);

typedef struct jg_sync_file {
	char channel[128];
	char path[1024];
	char format[16];     /* "xlsx", "csv", "tsv" */
	int64_t rows;
	int64_t held;        /* raises not written */
} jg_sync_file;

/*
 * Writes the plan's sendable rows (everything but held raises) into `dir`, one file per
 * channel, in the layout of the channel's profile. With `mark`, written rows are marked
 * told in one transaction. *out_files (owned, jg_free) and *out_n describe what was
 * written; a channel with nothing to send gets no file.
 */
int jg_sync_export(jg_store *s, const jg_profiles *profiles, const jg_sync_plan *plan,
		   const char *dir, bool mark, jg_sync_file **out_files, size_t *out_n,
		   jg_err *err);

typedef struct jg_sync_mark_result {
	int64_t rows;
	int64_t marked;
	int64_t unknown;      /* rows naming no listing of the channel */
	int64_t first_unknown_row;
} jg_sync_mark_result;

/*
 * Confirms a stock-update file the seller uploaded: reads it back (any format jaego
 * reads), finds each row's listing by the channel's layout and marks it told with the
 * quantity in the file. One transaction.
 */
int jg_sync_mark_file(jg_store *s, const jg_profiles *profiles, const char *channel,
		      const char *path, jg_sync_mark_result *out, jg_err *err);

#ifdef __cplusplus
}
#endif
#endif
