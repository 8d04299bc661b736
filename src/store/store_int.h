/* SPDX-License-Identifier: MIT */
/*
 * What the store's files share: the jg_store struct, the statement helpers and the
 * operation bracket. Internal to src/store/.
 *
 * The operation bracket: every public operation calls jg__op_begin() first and
 * jg__op_end() last. Outside a batch that is one transaction; inside a batch the operation
 * must validate everything before its first write, because a write that fails part-way
 * poisons the batch (commit then refuses and the caller must roll back). This keeps a
 * 100,000-line batch free of per-line savepoints and still all-or-nothing.
 */
#ifndef JAEGO_STORE_INT_H
#define JAEGO_STORE_INT_H

#include "../util/i64map.h"
#include "db.h"
#include "jaego/store.h"
#include "jaego/util.h"

#define JG__STMT_CACHE 256
#define JG__CHANNEL_CACHE 16
#define JG__OPTION_CACHE 1024 /* a power of two */
#define JG__HELD_MAX 16384  /* held line_item rows that make jg__flush run */

/* Public functions accept a NULL `err`; internally it is never NULL. */
#define JG__ERR_GUARD(err)                         \
	jg_err err##_local_;                       \
	if (!(err)) {                              \
		jg_err_clear(&err##_local_);       \
		(err) = &err##_local_;             \
	}

typedef struct jg__listing_copy jg__listing_copy; /* match.c */
typedef struct jg__listing_model jg__listing_model; /* settle_mem.c */

/* What jg__flush writes: held line_item rows, held SKU changes. */
enum { JG__HELD_ITEMS = 1, JG__HELD_SKUS = 2, JG__HELD_ALL = 3 };

/* A line_item row held back until jg__flush. */
typedef struct jg__held_item {
	int64_t line_pk, sku_id, per_unit, units, open;
} jg__held_item;

struct jg_store {
	const jg__db_driver *drv;
	jg__db *db;
	struct {
		const char *sql;
		jg__stmt *st;
		unsigned sees_held; /* JG__HELD_*: the held writes to flush before it runs */
		int params;         /* its parameters */
		bool writes_listings; /* writes listing or recipe_item: drops listing_copy */
	} cache[JG__STMT_CACHE];
	bool in_tx;     /* a transaction is open */
	bool batch;     /* ... and it was opened by jg_store_begin */
	bool poisoned;  /* a write failed inside the batch */
	bool wrote;     /* an operation of the open transaction wrote (jg__op_wrote) */
	/* Dirty state of the open transaction, settled at commit. */
	jg_i64map dirty_sku;     /* sku id -> a, b: change of on_hand, committed in the
				  * transaction; c, d: the part of it still held (jg__flush) */
	jg_i64map dirty_listing; /* listing ids whose recipe changed */
	jg_i64map dirty_channel; /* channel ids whose rule changed */
	jg_i64map dirty_line;    /* order line ids whose shortage may have changed */
	bool dirty_all;          /* recompute every listing (a global setting changed) */
	jg_store_stats stats;
	jg_buf key;              /* scratch for option keys */
	/* Channel name -> id, filled by jg__channel_id while a transaction is open and
	 * emptied when it ends (a rolled-back jg_channel_add must not linger). Channels are
	 * never renamed or deleted; code that starts doing so must empty this too. */
	struct {
		char name[JG_CODE_MAX];
		int64_t id;
	} channel_cache[JG__CHANNEL_CACHE];
	size_t n_channel_cache;
	/* Option text -> (NFC text, key), a pure function that an order file asks again and
	 * again; in order.c. Entries are jg_strdup'ed, or all NULL. */
	struct {
		char *option, *text, *key;
	} option_cache[JG__OPTION_CACHE];
	/* Writes held back inside a transaction; see jg__flush. */
	jg__held_item *held_items;
	size_t n_held_items, cap_held_items;
	int64_t *held_skus; /* SKUs whose dirty_sku slot holds unwritten c, d */
	size_t n_held_skus, cap_held_skus;
	bool flushing;
	/* Listing lookups (match.c). The copy outlives the transaction that made it while
	 * nothing else writes the database (see jg__listing_copy_check). */
	jg__listing_copy *listing_copy;
	int64_t matches, match_next_check;
	/* Every listing with its recipe and stored quantity, for settling (settle_mem.c). */
	jg__listing_model *listing_model;
	/* Lines of the open transaction that jg_order_put found new, or known already: it
	 * inserts first while new lines are the rule. */
	int64_t puts_new, puts_known;
};

/* Prepares (once) and binds a statement. `fmt` has one letter per `?`: 'i' int64_t,
 * 't' const char * (NULL binds NULL), 'T' the same without a copy, for text that stays
 * valid and unchanged until the statement is reset (a per-line saving on hot paths).
 * Returns NULL with `err` set on failure. */
jg__stmt *jg__q(jg_store *s, jg_err *err, const char *sql, const char *fmt, ...);
/* 1 row, 0 done, < 0 error. */
int jg__step(jg_store *s, jg__stmt *st, jg_err *err);
int64_t jg__i64(jg_store *s, jg__stmt *st, int col);
const char *jg__text(jg_store *s, jg__stmt *st, int col);
bool jg__isnull(jg_store *s, jg__stmt *st, int col);
/* Runs a statement that returns no rows (or ignores them). */
int jg__exec(jg_store *s, jg_err *err, const char *sql, const char *fmt, ...);
/* Runs a statement and reads column 0 of its first row: 1 found, 0 no row, < 0 error. */
int jg__scalar(jg_store *s, int64_t *out, jg_err *err, const char *sql, const char *fmt, ...);

int jg__op_begin(jg_store *s, jg_err *err);
/* Ends the operation with result `rc`; returns rc or the commit's error. */
int jg__op_end(jg_store *s, int rc, jg_err *err);
/* Marks the batch poisoned when `rc` is a failure after writes began; returns rc. */
int jg__op_wrote(jg_store *s, int rc);

/* Changes a SKU's stored on_hand/committed and records it dirty. The write is held
 * (jg__flush). */
int jg__sku_touch(jg_store *s, int64_t sku_id, int64_t d_on_hand, int64_t d_committed,
		  jg_err *err);
/* Adds a line_item row; the write is held (jg__flush). */
int jg__item_add(jg_store *s, int64_t line_pk, int64_t sku_id, int64_t per_unit, int64_t units,
		 bool open, jg_err *err);
/*
 * Writes what jg__sku_touch and jg__item_add held back (`what`: JG__HELD_*): line_item
 * rows many to a statement, and one UPDATE per SKU for all its changes. A 100,000-line
 * batch thus costs a few thousand statements instead of a quarter of a million. Every
 * statement that names the sku or line_item table flushes that table first (vq() in
 * store.c) and settling flushes both, so nothing ever reads around a held write; a trigger
 * or view that reached those tables under another name would defeat this. A failed flush
 * poisons the batch. Rollback drops what is held.
 */
int jg__flush(jg_store *s, unsigned what, jg_err *err);
int jg__mark(jg_store *s, jg_i64map *set, int64_t id, jg_err *err);

/* Lookups: id of a SKU / channel by its code or name. JG_ENOTFOUND with a message. */
int jg__sku_id(jg_store *s, const char *code, int64_t *out, jg_err *err);
int jg__channel_id(jg_store *s, const char *name, int64_t *out, jg_err *err);

/* True when s[0..n) is valid UTF-8 (as jg_utf8_valid, with a fast path for ASCII and the
 * usual two- and three-byte characters). */
bool jg__utf8_ok(const char *s, size_t n);
/* Validates an id-like input: non-empty, valid UTF-8, no control bytes, < JG_CODE_MAX. */
int jg__check_code(const char *what, const char *v, jg_err *err);
/* Stores NFC of `v` in `out` (capped) for display columns. */
int jg__nfc(jg_buf *out, const char *v, jg_err *err);

/* NFC display form and folded matching key of an option text; in listing.c. */
int jg__option_forms(jg_buf *text, jg_buf *key, const char *option, jg_err *err);

/* Finds the listing (channel, product id, option key): *out_id (0 when there is none) and
 * its recipe in sku[] and per[] (up to JG_RECIPE_MAX, *n of them). In match.c. */
int jg__listing_match(jg_store *s, int64_t channel_id, const char *product_id, const char *key,
		      int64_t *out_id, int64_t *sku, int64_t *per, size_t *n, jg_err *err);
/* Drops the in-memory copy of the listings, if any. */
void jg__listing_copy_drop(jg_store *s);
/* At the start of a transaction: drops the copy when another connection has committed
 * since it was made. */
int jg__listing_copy_check(jg_store *s, jg_err *err);
/* Calls `fn` for every listing of the copy (none when there is no copy), in listing id
 * order, with its recipe components in position order and its stored listed quantity,
 * reason and limiting SKU (0 for none); stops at fn's first non-zero return and returns it.
 * The copy must not change during the walk. */
typedef int (*jg__copy_listing_fn)(int64_t listing_id, int64_t channel_id, const int64_t *sku,
				   const int64_t *per, size_t n, int64_t listed, int64_t why,
				   int64_t limit_sku, void *payload);
int jg__listing_copy_walk(jg_store *s, jg__copy_listing_fn fn, void *payload);
/* Settling wrote a listing's listed quantity, reason and limiting SKU (jg__sql_listed_set):
 * the copy follows. */
void jg__listing_copy_set(jg_store *s, int64_t listing_id, int64_t listed, int64_t why,
			  int64_t limit_sku);
/* settle.c's UPDATE of a listing's listed quantity, reason and limiting SKU: the one
 * statement that sets what the copy holds without dropping it (settling updates the copy
 * itself, jg__listing_copy_set). */
extern const char jg__sql_listed_set[];

/* Brings derived state (oversold marks, listed quantities) up to date. */
int jg__settle(jg_store *s, jg_err *err);

/* Applies an order line's stock effect for a (possibly new) status; in order.c. */
int jg__line_apply_recipe(jg_store *s, int64_t line_pk, int64_t listing_id, int64_t qty,
			  jg_status status, bool restocked, const char *source, int64_t at,
			  jg_err *err);

/* Appends a movement row and touches on_hand. */
int jg__movement(jg_store *s, int64_t sku_id, jg_move_kind kind, int64_t delta,
		 const char *reason, const char *source, int64_t at, jg_err *err);

#endif
