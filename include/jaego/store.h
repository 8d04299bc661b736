/* SPDX-License-Identifier: MIT */
/*
 * The store: jaego's one integrated database and the operations on it. Every operation is
 * one transaction (or one savepoint inside a caller's jg_store_begin/commit batch), applies
 * the stock arithmetic of DESIGN.md section 2, and keeps these invariants:
 *   - on_hand(s) is the sum of s's movements; movements are append-only;
 *   - committed(s) is the sum of s's units over open, matched order lines;
 *   - every listing's stored quantity equals jg_listed_compute() over the current state;
 *   - the units marked short on open lines of s add up to the deficit max(0, -available(s))
 *     (capped at committed(s) when on_hand(s) itself is negative), newest lines short
 *     first; a line's oversold_by is its worst component's shortage in line units.
 * Derived state (listed quantities, oversold marks) is brought up to date when a
 * transaction commits, touching only the listings that contain a changed SKU.
 *
 * A jg_store is used by one thread at a time. Strings handed to callbacks are borrowed and
 * valid only during the callback.
 */
#ifndef JAEGO_STORE_H
#define JAEGO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jg_store jg_store;

/* ---- opening, schema, transactions -------------------------------------------------------- */

/*
 * Opens the database at `url`: a file path, "sqlite:PATH", "file:PATH" or ":memory:". The
 * file is created when missing; the schema is not touched (see jg_store_migrate). On
 * success *out is owned by the caller; close it with jg_store_close().
 *
 * A "postgres://" or "postgresql://" URL (libpq's form) opens PostgreSQL; its `tenant=`
 * parameter (else $JAEGO_TENANT, else "main") names the seller whose data the store
 * sees, and no other. A superuser or BYPASSRLS role is refused (JG_EPERM). See
 * docs/postgres.md.
 */
int jg_store_open(jg_store **out, const char *url, jg_err *err);

/*
 * True when `err` is a transient conflict for which the whole transaction may be run
 * again: on PostgreSQL a serialization failure (SQLSTATE 40001) or a deadlock (40P01). A
 * caller that holds everything the transaction did (the server's writer, an import job)
 * rolls back, waits jg_store_backoff(attempt) and runs it again, at most JG_STORE_RETRIES
 * times, then reports the error. Thread-safe.
 */
bool jg_store_retryable(const jg_err *err);
#define JG_STORE_RETRIES 5
/* Sleeps before retry `attempt` (0-based): 10 ms doubling, with jitter. Thread-safe. */
void jg_store_backoff(int attempt);

/* True when the store can wait for other connections' commits (PostgreSQL). */
bool jg_store_watchable(const jg_store *s);
/*
 * Waits up to timeout_ms for a commit that changed this seller's stock data (SKUs,
 * listings, orders, rules), made by any connection — another server, the CLI — and
 * sets *out_changed. PostgreSQL only (LISTEN/NOTIFY; JG_EINVAL elsewhere). After a lost
 * connection it reconnects and reports a change, since one may have been missed. Not
 * thread-safe: give the watcher a store of its own.
 */
int jg_store_watch(jg_store *s, int timeout_ms, bool *out_changed, jg_err *err);

/* `url` as it may be shown or logged: a PostgreSQL URL's password becomes "***". Writes
 * at most n bytes (NUL included) to `out` and returns it. Thread-safe. */
const char *jg_store_url_display(char *out, size_t n, const char *url);

/* Applies every numbered migration not yet applied; *out_applied (may be NULL) says how
 * many. Running it on an up-to-date database is a no-op. */
int jg_store_migrate(jg_store *s, int *out_applied, jg_err *err);

/* Fails with JG_EINVAL ("run jaego init") when the schema is missing or older than this
 * build. Every command except init calls it first. */
int jg_store_require_schema(jg_store *s, jg_err *err);

/* Closes the store, rolling back an unfinished batch. Accepts NULL. */
void jg_store_close(jg_store *s);

/* A batch: everything between begin and commit is one transaction. Each operation inside
 * still succeeds or fails alone (a failed one is rolled back to where it started). */
int jg_store_begin(jg_store *s, jg_err *err);
int jg_store_commit(jg_store *s, jg_err *err);
void jg_store_rollback(jg_store *s);

typedef struct jg_store_stats {
	int64_t commits;
	int64_t listings_recomputed; /* listings whose quantity was computed again */
	int64_t listings_changed;    /* of those, the ones whose quantity or reason changed */
} jg_store_stats;
void jg_store_stats_get(const jg_store *s, jg_store_stats *out);

/* Integer settings. Known keys: "priority_top" (channels with priority 1..N keep showing
 * units when a SKU is at or below its low-stock line; 0 turns the rule off; default 1). */
int jg_setting_get(jg_store *s, const char *key, int64_t *out, jg_err *err);
int jg_setting_set(jg_store *s, const char *key, int64_t value, jg_err *err);

/* ---- SKUs ---------------------------------------------------------------------------------- */

typedef struct jg_sku_info {
	const char *code;
	const char *name;
	int64_t on_hand;
	int64_t committed;
	int64_t available;
	int64_t safety;
	int64_t low_stock;
} jg_sku_info;

/* Adds a SKU. JG_EEXISTS when the code is taken, JG_EINVAL for an empty or too long code or
 * negative safety. */
int jg_sku_add(jg_store *s, const char *code, const char *name, int64_t safety, jg_err *err);

enum { JG_SKU_SET_NAME = 1, JG_SKU_SET_SAFETY = 2, JG_SKU_SET_LOW_STOCK = 4 };
typedef struct jg_sku_patch {
	unsigned set; /* which fields below apply: JG_SKU_SET_* */
	const char *name;
	int64_t safety;
	int64_t low_stock;
} jg_sku_patch;
int jg_sku_update(jg_store *s, const char *code, const jg_sku_patch *patch, jg_err *err);

/* Returns non-zero to stop the walk; that value is returned by the walker. */
typedef int (*jg_sku_cb)(const jg_sku_info *sku, void *payload);
/* Walks the SKUs named in `codes` (all SKUs when n == 0) in code order. JG_ENOTFOUND for
 * a named SKU that does not exist. */
int jg_sku_each(jg_store *s, const char *const *codes, size_t n, jg_sku_cb cb, void *payload,
		jg_err *err);

/* Each channel's listed quantity of a SKU: that of the channel's listings whose recipe is
 * exactly one unit of the SKU. */
typedef int (*jg_sku_listed_cb)(const char *channel, int64_t listed, void *payload);
int jg_sku_listed_each(jg_store *s, const char *code, jg_sku_listed_cb cb, void *payload,
		       jg_err *err);

/* ---- stock movements ---------------------------------------------------------------------- */

typedef enum jg_move_kind {
	JG_MOVE_RECEIPT = 0, /* 입고 */
	JG_MOVE_SHIPMENT,    /* 출고, made by shipping an order line */
	JG_MOVE_ADJUST,      /* a correction with a reason */
	JG_MOVE_COUNT,       /* 재고실사: the difference a stocktake found */
	JG_MOVE_RESTOCK      /* a sellable return */
} jg_move_kind;
const char *jg_move_kind_name(jg_move_kind k);

/* Receives `qty` (> 0) units. */
int jg_stock_receive(jg_store *s, const char *code, int64_t qty, const char *note, jg_err *err);
/* Records a correction of `delta` (!= 0) units; `reason` is required. */
int jg_stock_adjust(jg_store *s, const char *code, int64_t delta, const char *reason,
		    jg_err *err);
/* Records a stocktake: on hand becomes `counted` (>= 0); the difference is a movement.
 * *out_delta (may be NULL) receives it; a count that matches records nothing. */
int jg_stock_count(jg_store *s, const char *code, int64_t counted, const char *note,
		   int64_t *out_delta, jg_err *err);

typedef struct jg_history_entry {
	int64_t at;          /* UTC ms */
	const char *kind;    /* a movement kind, or "commitment" for an order line's hold */
	int64_t delta;       /* change to on_hand (movements) or units held (commitments, < 0) */
	const char *reason;  /* note or reason, "" if none */
	const char *source;  /* who or what: "order coupang:123", "cli", "stocktake", ... */
	const char *state;   /* for commitments: "open" (holding), "shipped", "cancelled", ... */
} jg_history_entry;
typedef int (*jg_history_cb)(const jg_history_entry *e, void *payload);
/* Every movement of the SKU and every order line that committed it, oldest first. */
int jg_stock_history(jg_store *s, const char *code, jg_history_cb cb, void *payload,
		     jg_err *err);

/* ---- channels ------------------------------------------------------------------------------- */

typedef struct jg_channel_info {
	const char *name;
	const char *profile;
	jg_rule rule;
	int64_t listings;
	int64_t last_import_at; /* 0 if never */
	int64_t last_told_at;   /* 0 if never */
} jg_channel_info;

int jg_channel_add(jg_store *s, const char *name, const char *profile, jg_err *err);

enum {
	JG_RULE_SET_BUFFER = 1,
	JG_RULE_SET_PERCENT = 2,
	JG_RULE_SET_MAX = 4,
	JG_RULE_SET_END_WHEN = 8,
	JG_RULE_SET_PRIORITY = 16,
	JG_RULE_SET_PAUSED = 32
};
typedef struct jg_rule_patch {
	unsigned set; /* JG_RULE_SET_* */
	jg_rule rule;
} jg_rule_patch;
/* Changes a channel's rule and recomputes its listings. JG_EINVAL for out-of-range parts
 * (negative buffer, percent outside 0..100, negative max or end_when other than
 * JG_NO_LIMIT, negative priority). */
int jg_channel_set(jg_store *s, const char *name, const jg_rule_patch *patch, jg_err *err);

/* Changes which profile reads the channel's files and writes its stock-update files. The
 * caller checks that the profile exists. */
int jg_channel_set_profile(jg_store *s, const char *name, const char *profile, jg_err *err);

typedef int (*jg_channel_cb)(const jg_channel_info *c, void *payload);
int jg_channel_each(jg_store *s, jg_channel_cb cb, void *payload, jg_err *err);

/* ---- listings and recipes ----------------------------------------------------------------------- */

typedef struct jg_listing_component {
	const char *sku;
	int64_t qty;       /* per unit of the listing */
	int64_t available; /* the SKU's available stock now */
	int64_t safety;
} jg_listing_component;

typedef struct jg_listing_info {
	const char *channel;
	const char *product_id;
	const char *option;             /* as first written, NFC */
	const jg_listing_component *recipe;
	size_t n_recipe;
	int64_t listed;                 /* what the listing must show now */
	jg_limit why;                   /* the rule that decided it */
	const char *limit_sku;          /* the limiting component, NULL if not about one */
	int64_t last_told;              /* -1 if never told */
	int64_t told_at;                /* 0 if never told */
} jg_listing_info;

typedef struct jg_map_result {
	bool created;           /* a new listing (false: its recipe was replaced) */
	int64_t lines_applied;  /* waiting unmatched lines that now take stock */
} jg_map_result;

/*
 * Maps a channel listing (product id + option text) to a recipe. The option is matched by
 * its folded key (jg_text_option_key), so differently spaced texts are one listing. A remap
 * replaces the recipe; lines accepted earlier keep the recipe they were accepted with.
 * Unmatched lines of this listing are applied now. JG_ENOTFOUND for an unknown channel or
 * SKU; JG_EINVAL for a recipe naming a SKU twice or a quantity below 1. `out` may be NULL.
 */
int jg_listing_map(jg_store *s, const char *channel, const char *product_id, const char *option,
		   const jg_recipe_item *items, size_t n, jg_map_result *out, jg_err *err);

typedef int (*jg_listing_cb)(const jg_listing_info *l, void *payload);
/* Walks the listings of one channel (all when NULL), by channel, product id, option. */
int jg_listing_each(jg_store *s, const char *channel, jg_listing_cb cb, void *payload,
		    jg_err *err);

/* Computes every listing's quantity again and stores the ones that changed (one
 * transaction). *out_computed (may be NULL) counts listings computed. Needed only after
 * a repair; settling keeps listings current on its own. */
int jg_listing_recompute_all(jg_store *s, int64_t *out_computed, jg_err *err);

/* ---- orders ------------------------------------------------------------------------------------ */

typedef struct jg_order_in {
	const char *channel;
	const char *line_id;        /* the channel's own line id: the line's identity */
	const char *order_no;       /* may be NULL */
	const char *product_id;
	const char *option;         /* may be NULL */
	int64_t qty;                /* > 0 */
	jg_status status;
	const char *channel_status; /* the channel's own word for the status, may be NULL */
	int64_t ordered_at;         /* UTC ms, 0 = now */
	const char *courier;        /* may be NULL */
	const char *tracking;       /* may be NULL */
	bool restock;               /* for a line arriving as returned: restock its units */
	/* What the order file says beyond stock; all may be NULL. Stored with a new line. */
	const char *product_name;
	const char *sku_code;
	int64_t price;              /* minor units; 0 when unknown (set has_price) */
	bool has_price;
	const char *buyer, *buyer_phone, *recipient, *recipient_phone;
	const char *postal_code, *address, *message;
	int64_t import_id;          /* the import log entry that brought it, 0 if none */
} jg_order_in;

typedef enum jg_order_outcome {
	JG_ORDER_NEW = 0,     /* the line was not known; it is stored now */
	JG_ORDER_DUPLICATE,   /* known, nothing to change (or the input was older news) */
	JG_ORDER_CHANGED      /* known; its status moved by a legal transition */
} jg_order_outcome;

typedef struct jg_order_result {
	jg_order_outcome outcome;
	jg_status status;     /* the line's status now */
	jg_status previous;   /* before this call (== status for new lines) */
	bool matched;
	int64_t oversold_by;  /* line units short; -1 inside a batch (known at commit) */
} jg_order_result;

/*
 * Stores an order line, or brings a known one forward. A known line whose status already
 * equals (or is past) the input's is a duplicate and nothing changes; a legal forward move
 * is applied as jg_order_transition would; any other move is refused with JG_ESTATE and
 * nothing changes. A line whose listing is unknown is kept unmatched and takes no stock.
 * `out` may be NULL.
 */
int jg_order_put(jg_store *s, const jg_order_in *in, jg_order_result *out, jg_err *err);

typedef struct jg_transition_opts {
	const char *courier;  /* ship: courier name */
	const char *tracking; /* ship: tracking number */
	bool restock;         /* return: put the units back on hand (sellable) */
	const char *channel_status;
} jg_transition_opts;

/* Moves a known line to `to` (ship, cancel, return). A line already in `to` is left as it
 * is (outcome JG_ORDER_DUPLICATE), so a retried request is harmless. JG_ENOTFOUND for an
 * unknown line, JG_ESTATE for an illegal move (cancel after ship). `opts` and `out` may be
 * NULL. */
int jg_order_transition(jg_store *s, const char *channel, const char *line_id, jg_status to,
			const jg_transition_opts *opts, jg_order_result *out, jg_err *err);

typedef struct jg_order_info {
	const char *channel;
	const char *line_id;
	const char *order_no;
	const char *product_id;
	const char *option;
	int64_t qty;
	jg_status status;
	const char *channel_status;
	int64_t oversold_by;
	bool matched;
	int64_t ordered_at;
	const char *courier;
	const char *tracking;
	const char *product_name;
} jg_order_info;

typedef struct jg_order_filter {
	int status;            /* a jg_status, or -1 for any */
	const char *channel;   /* NULL for any */
	bool unmatched_only;
	bool oversold_only;
	int64_t import_id;     /* lines first brought by this import, 0 for any */
} jg_order_filter;

typedef int (*jg_order_cb)(const jg_order_info *o, void *payload);
/* Walks order lines matching `filter` (NULL = all), oldest first. */
int jg_order_each(jg_store *s, const jg_order_filter *filter, jg_order_cb cb, void *payload,
		  jg_err *err);

/* ---- imports and profiles ------------------------------------------------------------------- */

/* Records that the channel's orders were imported at `at` (UTC ms): raises are safe to
 * send only after this (DESIGN.md section 4). */
int jg_channel_mark_imported(jg_store *s, const char *channel, int64_t at, jg_err *err);

typedef struct jg_import_record {
	const char *channel, *file, *format, *profile;
	int64_t rows, new_lines, duplicates, status_changes, refused, rejected;
} jg_import_record;
/* Appends an entry to the import log; *out_id (may be NULL) identifies it, for
 * jg_order_in.import_id. */
int jg_import_log_add(jg_store *s, const jg_import_record *r, int64_t *out_id, jg_err *err);
/* Lines first brought by the import that are short of stock now (after settling). */
int jg_import_oversold_count(jg_store *s, int64_t import_id, int64_t *out, jg_err *err);
/* Updates the counts of a log entry. */
int jg_import_log_update(jg_store *s, int64_t id, const jg_import_record *r, jg_err *err);

/* Profiles a seller added: stored as JSON text, validated by the caller. */
int jg_profile_put(jg_store *s, const char *name, const char *json, jg_err *err);
/* JG_ESTATE while a channel uses it, JG_ENOTFOUND when there is no such added profile. */
int jg_profile_del(jg_store *s, const char *name, jg_err *err);
typedef int (*jg_profile_text_cb)(const char *name, const char *json, void *payload);
int jg_profile_each_stored(jg_store *s, jg_profile_text_cb cb, void *payload, jg_err *err);

/* Brings derived state (oversold marks, listed quantities) up to date inside the open
 * batch, as commit would, without committing: a dry run reads its results, then rolls
 * back. */
int jg_store_settle(jg_store *s, jg_err *err);

/* ---- telling channels (DESIGN.md section 4) ------------------------------------------------- */

/* A listing whose quantity differs from what its channel was last told. */
typedef struct jg_pending {
	int64_t ref;                 /* opaque handle for jg_listing_mark_told */
	const char *channel;
	const char *product_id;
	const char *option;
	const char *sku;             /* the SKU when the listing is one unit of one SKU, else "" */
	int64_t listed;              /* what it must show now */
	jg_limit why;
	const char *limit_sku;       /* "" when not about a component */
	int64_t last_told;           /* -1 if never told */
	int64_t told_at;             /* 0 if never told */
	int64_t channel_imported_at; /* when the channel's orders were last imported, 0 never */
	int64_t channel_told_at;     /* when the channel was last told anything, 0 never */
} jg_pending;
typedef int (*jg_pending_cb)(const jg_pending *p, void *payload);
/* Walks listings whose quantity must change (all channels when `channel` is NULL), by
 * channel, lowest new quantity first. */
int jg_sync_pending_each(jg_store *s, const char *channel, jg_pending_cb cb, void *payload,
			 jg_err *err);
/* Records that the listing's channel was told `qty` at `at` (UTC ms). */
int jg_listing_mark_told(jg_store *s, int64_t ref, int64_t qty, int64_t at, jg_err *err);
/* The same for n listings at once (refs[i] told qtys[i]), one operation: JG_EINVAL for a
 * negative quantity, JG_ENOTFOUND for an unknown listing, and then nothing is marked. A ref
 * given twice keeps its last quantity. */
int jg_listing_mark_told_many(jg_store *s, const int64_t *refs, const int64_t *qtys, size_t n,
			      int64_t at, jg_err *err);
/* Finds a listing by channel, product id and option text (folded). JG_ENOTFOUND if none. */
int jg_listing_find(jg_store *s, const char *channel, const char *product_id, const char *option,
		    int64_t *out_ref, jg_err *err);
/* One line on the latest change to the SKU after `since` ("order coupang:123 open (2)",
 * "receipt +5"), "" when there was none. */
int jg_sku_last_event(jg_store *s, const char *sku, int64_t since, char *out, size_t outsz,
		      jg_err *err);
typedef int (*jg_sku_event_cb)(const char *sku, const char *what, void *payload);
/* The same for each SKU of `codes` in one pass, however many: `cb` gets every named SKU that
 * had a change after `since`, with the line jg_sku_last_event would give, in no particular
 * order; unknown codes and SKUs without a change are skipped. A non-zero return from `cb`
 * stops the walk and is returned. */
int jg_sku_last_events(jg_store *s, const char *const *codes, size_t n, int64_t since,
		       jg_sku_event_cb cb, void *payload, jg_err *err);

/* ---- check ------------------------------------------------------------------------------------- */

typedef struct jg_check_report {
	int64_t skus, listings, lines;
	int64_t drift_on_hand;   /* SKUs whose stored on_hand != sum of movements */
	int64_t drift_committed; /* SKUs whose stored committed != sum over open lines */
	int64_t drift_listed;    /* listings whose stored quantity != the formula */
	int64_t drift_oversold;  /* SKUs or lines whose oversold marks are wrong */
} jg_check_report;

/* Called once per drift found, with one line saying what and where. */
typedef void (*jg_drift_cb)(const char *what, void *payload);

/*
 * Recomputes on hand, committed, every listed quantity and the oversold marks from the
 * ledger and open lines, and compares them with what is stored. JG_EDRIFT (message naming
 * the first drift) when anything disagrees. `cb` may be NULL.
 */
int jg_store_check(jg_store *s, jg_check_report *out, jg_drift_cb cb, void *payload,
		   jg_err *err);

/* ---- copying between databases -------------------------------------------------------------- */

#define JG_COPY_TABLES_MAX 16
#define JG_COPY_DIGEST_TEXT 65 /* 64 hex digits and a NUL */

typedef struct jg_copy_table {
	const char *name;  /* static */
	int64_t rows;
	char digest[JG_COPY_DIGEST_TEXT]; /* of the rows' content, independent of their order */
} jg_copy_table;

typedef struct jg_copy_report {
	int schema_version;
	jg_copy_table tables[JG_COPY_TABLES_MAX]; /* in the order they were copied */
	size_t n_tables;
	int64_t rows;          /* all tables */
	jg_check_report check; /* jg_store_check on the target */
	int64_t copy_ms;       /* reading and writing */
	int64_t total_ms;      /* including the proof and the commit */
} jg_copy_report;

/*
 * Copies a seller's data from `from` to `to` (any two stores: SQLite or PostgreSQL, either
 * way), keeping every id. The source must have this build's schema and pass
 * jg_store_check; it is read in one snapshot and never written. The target is migrated,
 * must hold none of the seller's data (JG_EEXISTS naming a table otherwise) and receives
 * everything in one transaction, committed only after every table's row count and content
 * digest read back from it equal the source's and jg_store_check passes on it (JG_EDRIFT
 * otherwise; nothing is then written). Copied: every table but app_session (sessions
 * belong to a server; users sign in again); users and API tokens keep their hashes.
 * `out` (may be NULL) gets the figures. Neither store may have a batch open. Not
 * thread-safe with other use of either store.
 */
int jg_store_copy(jg_store *from, jg_store *to, jg_copy_report *out, jg_err *err);

#ifdef __cplusplus
}
#endif
#endif
