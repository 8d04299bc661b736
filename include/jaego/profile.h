/* SPDX-License-Identifier: MIT */
/*
 * Channel profiles: data that says how to read a channel's order file and how to write
 * its stock-update file. A profile is one JSON document (docs/profiles.md describes every
 * key); jaego carries profiles for the common channels built in, and a seller adds one for
 * an unusual mall with `jaego profile add FILE.json`, without rebuilding.
 *
 * A jg_profiles set owns its profiles; pointers into it stay valid until it is freed.
 * Not thread-safe to modify; safe to read from many threads once loaded.
 */
#ifndef JAEGO_PROFILE_H
#define JAEGO_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The canonical fields an order file can feed. */
typedef enum jg_field {
	JG_FIELD_LINE_ID = 0,
	JG_FIELD_ORDER_NO,
	JG_FIELD_ORDERED_AT,
	JG_FIELD_PRODUCT_ID,
	JG_FIELD_PRODUCT_NAME, /* for display only */
	JG_FIELD_OPTION,
	JG_FIELD_SKU_CODE,
	JG_FIELD_QTY,
	JG_FIELD_PRICE,
	JG_FIELD_STATUS,
	JG_FIELD_CLAIM_STATUS,
	JG_FIELD_BUYER,
	JG_FIELD_BUYER_PHONE,
	JG_FIELD_RECIPIENT,
	JG_FIELD_RECIPIENT_PHONE,
	JG_FIELD_POSTAL_CODE,
	JG_FIELD_ADDRESS,
	JG_FIELD_MESSAGE,
	JG_FIELD_COURIER,
	JG_FIELD_TRACKING,
	JG_FIELD_CANCELLED_IF, /* a non-empty cell means the line is cancelled */
	JG_FIELD_SHIPPED_IF,   /* a non-empty cell means the line has shipped */
	JG_FIELD__COUNT
} jg_field;

/* "line_id", "order_no", ... as used in profile files. */
const char *jg_field_name(jg_field f);

typedef enum jg_profile_kind {
	JG_PROFILE_ORDERS = 0, /* order lines, new or with a later status */
	JG_PROFILE_CLAIMS      /* a cancel/return list naming known lines */
} jg_profile_kind;

typedef struct jg_profile jg_profile;
typedef struct jg_profiles jg_profiles;

/* A set holding the built-in profiles. */
int jg_profiles_new(jg_profiles **out, jg_err *err);
void jg_profiles_free(jg_profiles *set);

/*
 * Parses a profile from JSON text and adds it to the set. `origin` names where it came
 * from in messages ("smartstore.json", "database"). JG_EINVAL with a message naming the
 * key for an invalid profile; JG_EEXISTS when the name is taken and !replace.
 */
int jg_profiles_add_json(jg_profiles *set, const char *json, size_t len, const char *origin,
			 bool replace, const jg_profile **out, jg_err *err);

/* Validates JSON text as a profile without adding it; *name_out (may be NULL) gets its
 * name (owned by the caller, jg_free). */
int jg_profile_validate(const char *json, size_t len, const char *origin, char **name_out,
			jg_err *err);

const jg_profile *jg_profiles_find(const jg_profiles *set, const char *name);
size_t jg_profiles_count(const jg_profiles *set);
const jg_profile *jg_profiles_at(const jg_profiles *set, size_t i);

const char *jg_profile_name(const jg_profile *p);
const char *jg_profile_title(const jg_profile *p);
const char *jg_profile_origin(const jg_profile *p);   /* "built-in" or where it was added */
jg_profile_kind jg_profile_kind_of(const jg_profile *p);
bool jg_profile_builtin(const jg_profile *p);
const char *jg_profile_json(const jg_profile *p);     /* the document as loaded */
/* Whether automatic detection may pick this profile (generic ones are chosen by name). */
bool jg_profile_detectable(const jg_profile *p);

/* ---- matching a header row ------------------------------------------------------------- */

#define JG_PROFILE_SCAN_ROWS 20

typedef struct jg_header_match {
	int col[JG_FIELD__COUNT];   /* 0-based column feeding each field, -1 if none */
	int compose[8];             /* columns of a composed line id; -2 for "#seq" */
	size_t n_compose;
	size_t matched;             /* fields found */
	bool ok;                    /* the signature and the required fields are all there */
	char missing[256];          /* header names missing, for messages */
} jg_header_match;

/*
 * Matches a row of header texts against a profile. Header names are compared in folded
 * form (NFKC, case-folded, white space removed), each field trying its aliases in order.
 */
void jg_profile_match(const jg_profile *p, const char *const *headers, size_t n,
		      jg_header_match *out);

/* The fixed header row (1-based), or 0 when the profile scans for it. */
int64_t jg_profile_header_row(const jg_profile *p);
/* The preferred sheet name, or NULL. */
const char *jg_profile_sheet(const jg_profile *p);
/* The channel's time zone as minutes east of UTC (KST = 540). */
int jg_profile_tz(const jg_profile *p);
/* "ymd" (default), "mdy" or "dmy": how to read slashed dates written as text. */
const char *jg_profile_date_order(const jg_profile *p);
/* Minor units per currency unit for prices (1 for won, 100 for dollars). */
int64_t jg_profile_price_scale(const jg_profile *p);
/* Whether field `f` is carried down from the row above within one order. */
bool jg_profile_fill_down(const jg_profile *p, jg_field f);

/*
 * Maps a channel's status word to ours. 0 and *out set when known (*restock says whether a
 * return in this state is sellable); JG_ENOTFOUND otherwise. Matching is on the folded form.
 */
int jg_profile_status(const jg_profile *p, const char *word, jg_status *out, bool *restock);
/* The status of a line whose file says nothing about it, or JG_ENOTFOUND when the profile
 * demands a status. */
int jg_profile_default_status(const jg_profile *p, jg_status *out);

/* ---- stock-update files ------------------------------------------------------------------ */

/* What a column of a stock-update file holds. */
typedef enum jg_stock_value {
	JG_SV_PRODUCT_ID = 0, /* the listing's channel product id */
	JG_SV_OPTION,         /* its option text */
	JG_SV_QTY,            /* the quantity to show (at least `min`) */
	JG_SV_SOLDOUT,        /* `yes` when the quantity is 0, else `no` */
	JG_SV_SKU,            /* the SKU when the listing is one unit of one SKU */
	JG_SV_CONST           /* the fixed `text` */
} jg_stock_value;

#define JG_STOCK_COLUMNS 16

typedef struct jg_stock_column {
	char header[128];
	jg_stock_value value;
	int64_t min;
	char yes[64], no[64], text[128];
} jg_stock_column;

/* How a channel wants its stock-update file written. */
typedef struct jg_stock_layout {
	char format[8]; /* "xlsx", "csv" or "tsv" */
	bool cp949;     /* text files in CP949 instead of UTF-8 */
	bool bom;       /* a UTF-8 byte order mark (Excel needs one to read UTF-8 CSV) */
	char sheet[64]; /* xlsx sheet name, "" for the default */
	jg_stock_column cols[JG_STOCK_COLUMNS];
	size_t n;
} jg_stock_layout;

/* The profile's layout, or NULL when it has none (then use jg_stock_layout_generic). */
const jg_stock_layout *jg_profile_stock_layout(const jg_profile *p);
/* The generic CSV: product_id, option, quantity (UTF-8 with a BOM). */
void jg_stock_layout_generic(jg_stock_layout *out);

#ifdef __cplusplus
}
#endif
#endif
