/* SPDX-License-Identifier: MIT */
/*
 * The JSON shapes jaego speaks: one function per kind of thing (a SKU, a channel, a
 * listing, an order line, a line's result, a history entry, an import summary, a sync
 * item, a profile), shared by `jaego --json` and the HTTP API so that both print the same
 * document for the same thing. Internal to the front ends (cli, http); jansson types never
 * reach the library's public headers.
 *
 * Each function returns a new reference (the caller owns it) or NULL when out of memory.
 * All are thread-safe: they read only their arguments.
 */
#ifndef JAEGO_JSON_SHAPES_H
#define JAEGO_JSON_SHAPES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jaego/catalog.h"
#include "jaego/intake.h"
#include "jaego/profile.h"
#include "jaego/store.h"
#include "jaego/sync.h"

/* A JSON string that is never NULL ("" for NULL input). */
json_t *jg_json_str(const char *s);

/* {"sku","name","on_hand","committed","available","safety","low_stock"} */
json_t *jg_json_sku(const jg_sku_info *k);

/* {"channel","profile","buffer","percent","max","end_when","priority","paused","listings"};
 * max and end_when are null for "no limit". */
json_t *jg_json_channel(const jg_channel_info *ch);

/* "stock:A", "max", "paused", ...: the stable machine form of why a listing shows its
 * number, into out[n]. */
void jg_limited_by(char *out, size_t n, const jg_listing_info *l);

/* The same in words, with the numbers that decided it ("A available 3 - safety 1"),
 * into out[n]. */
void jg_listing_explain(char *out, size_t n, const jg_listing_info *l);

/* {"channel","product_id","option","recipe":[{"sku","qty"}],"listed","limited_by",
 * "last_told"} (last_told null until told). */
json_t *jg_json_listing(const jg_listing_info *l);

/* {"channel","line_id","order_no","product_id","option","qty","status","channel_status",
 * "oversold_by","matched","ordered_at","product_name"} */
json_t *jg_json_order(const jg_order_info *o);

/* "new", "duplicate", "changed". */
const char *jg_order_outcome_name(jg_order_outcome o);

/* {"channel","line_id","outcome","status","matched","oversold_by"}; oversold_by is 0 when
 * the result does not know it (inside a batch). */
json_t *jg_json_order_result(const char *channel, const char *line_id, const jg_order_result *r);

/* {"at","kind","delta","reason","source"} and "state" for a commitment or "on_hand_after"
 * for a movement. */
json_t *jg_json_history(const jg_history_entry *e, int64_t on_hand_after);

/* The summary of one imported file, as `jaego --json import` prints it in "files". */
json_t *jg_json_intake_summary(const jg_intake_summary *s);

/*
 * The result of a catalogue import, as `jaego --json sku import` / `listing import` print it
 * and POST /skus/import, /listings/import answer: {"file","kind","rows", "added","updated"
 * (SKU lists) or "created","remapped","lines_applied" (listing lists), "rejected_count",
 * "rejected":[{"row","column","field","header","reason"}],"applied","dry_run"}. `file` may
 * be NULL (then it is left out). `header` repeats `field`, as order-file summaries name it.
 */
json_t *jg_json_catalog_result(const jg_catalog_result *r, const char *file);

/* {"channel","product_id","option","sku","old","new","kind","forced","why","cause"} */
json_t *jg_json_sync_item(const jg_sync_item *it);

/* {"name","title","kind","origin","detect"} */
json_t *jg_json_profile(const jg_profile *p);

#endif
