/* SPDX-License-Identifier: MIT */
/*
 * Paged reads for the server and the dashboard: a page of SKUs with every channel's listed
 * quantity, a page of order lines by status, channel, text and time, a page of listings,
 * one order line, and the unmatched lines grouped by listing. Each page is read in a fixed
 * number of queries however many rows it holds (the SKU grid: one for the count, one for
 * the page with its listed quantities), inside one read transaction, so the total and the
 * rows agree.
 *
 * Like store.h: a jg_store is used by one thread at a time; strings handed to callbacks are
 * borrowed and valid only during the callback.
 */
#ifndef JAEGO_QUERY_H
#define JAEGO_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JG_PAGE_MAX 1000 /* rows in one page, at most */

/* ---- the SKU grid ----------------------------------------------------------------------- */

typedef struct jg_sku_query {
	const char
		*q; /* a substring of the code or the name (ASCII case-insensitive); NULL = any */
	bool low;   /* only SKUs out of stock or at or below their low-stock line */
	bool oversold;  /* only SKUs whose available stock is below zero */
	int64_t offset; /* rows skipped, >= 0 */
	int64_t limit;  /* rows, 1..JG_PAGE_MAX */
} jg_sku_query;

typedef struct jg_sku_row {
	jg_sku_info sku;
	/* Each channel's listed quantity of this SKU: that of the channel's listings whose
	 * recipe is exactly one unit of it (the smallest, when several), by channel name. */
	const char *const *channels;
	const int64_t *listed;
	size_t n_channels;
} jg_sku_row;
typedef int (*jg_sku_row_cb)(const jg_sku_row *r, void *payload);

/*
 * Reads one page of SKUs in code order, with their listed quantities, in two queries.
 * *out_total (may be NULL) gets the number of SKUs the filter matches. JG_EINVAL for an
 * offset below 0 or a limit outside 1..JG_PAGE_MAX. A non-zero return from `cb` stops the
 * walk and is returned.
 */
int jg_sku_page(jg_store *s, const jg_sku_query *q, int64_t *out_total, jg_sku_row_cb cb,
		void *payload, jg_err *err);

/* ---- orders --------------------------------------------------------------------------------- */

typedef struct jg_order_query {
	int status;          /* a jg_status, or -1 for any */
	const char *channel; /* NULL for any; an unknown channel is JG_ENOTFOUND */
	const char *q;       /* a substring of the line id, order number, product id or name */
	int64_t from, to;    /* ordered_at in [from, to) UTC ms; 0 = open */
	bool unmatched_only;
	bool oversold_only;
	int64_t offset, limit; /* as jg_sku_query */
} jg_order_query;

/* Reads one page of order lines, newest first. *out_total (may be NULL) counts the lines
 * the filter matches. Errors as jg_sku_page, and JG_ENOTFOUND for an unknown channel. */
int jg_order_page(jg_store *s, const jg_order_query *q, int64_t *out_total, jg_order_cb cb,
		  void *payload, jg_err *err);

/* Reads one order line by (channel, line id). JG_ENOTFOUND when there is none. */
int jg_order_find(jg_store *s, const char *channel, const char *line_id, jg_order_cb cb,
		  void *payload, jg_err *err);

/* What an intake answer says of a line after its commit. */
typedef struct jg_order_state {
	bool found;
	jg_status status;
	bool matched;
	int64_t oversold_by;
} jg_order_state;

/* The state of each of `n` lines of one channel into out[0..n), found = false for a line
 * that is not there: one channel lookup and one indexed read per line, a fraction of what
 * jg_order_find costs each. JG_ENOTFOUND for an unknown channel. */
int jg_order_states(jg_store *s, const char *channel, const char *const *line_ids, size_t n,
		    jg_order_state *out, jg_err *err);

typedef struct jg_unmatched_group {
	const char *channel, *product_id, *option, *product_name;
	int64_t lines, qty;
} jg_unmatched_group;
typedef int (*jg_unmatched_cb)(const jg_unmatched_group *g, void *payload);
/* The lines no listing maps (not cancelled), grouped by channel, product id and option
 * key, most lines first. `channel` NULL = all; unknown is JG_ENOTFOUND. */
int jg_unmatched_each(jg_store *s, const char *channel, jg_unmatched_cb cb, void *payload,
		      jg_err *err);

/* ---- listings -------------------------------------------------------------------------------- */

typedef struct jg_listing_query {
	const char *channel; /* NULL for any; unknown is JG_ENOTFOUND */
	const char *sku;     /* only listings whose recipe holds this SKU; NULL for any;
				unknown is JG_ENOTFOUND */
	int64_t offset;
	int64_t limit; /* 1..JG_PAGE_MAX, or 0 for every listing */
} jg_listing_query;

/* `low_stock[i]` is the low-stock line of l->recipe[i]'s SKU (what jg_listed_compute needs
 * beside the component's available stock and safety). */
typedef int (*jg_listing_page_cb)(const jg_listing_info *l, const int64_t *low_stock,
				  void *payload);
/* Reads a page of listings by channel, product id, option, in three queries at most. */
int jg_listing_page(jg_store *s, const jg_listing_query *q, int64_t *out_total,
		    jg_listing_page_cb cb, void *payload, jg_err *err);

#ifdef __cplusplus
}
#endif
#endif
