/* SPDX-License-Identifier: MIT */
/*
 * Catalogue imports: a seller's list of SKUs (`sku,name,stock[,safety][,low_stock]`) or of
 * listings (`channel,product_id,option,recipe`), read from a CSV file (or any sheet
 * jg_sheet_read_* reads: the bytes go through the CSV reader with its BOM handling, CP949
 * detection, quoting and caps, and arrive as UTF-8 NFC text).
 *
 * All or nothing: every row is checked, every bad row is reported with its row, column and
 * reason, and only a file without a bad row is applied, in ONE transaction of its own. A
 * SKU list adds new SKUs and updates known ones; its `stock` is a counted quantity, so the
 * difference is recorded as a stocktake. A listing list maps each listing to its recipe
 * (a new mapping or a remapping); rows naming an unknown channel or SKU are found while
 * applying and refuse the file like any other bad row.
 *
 * Two steps, so that a server can read on one thread and apply on its writer:
 * jg_catalog_read_* reads and checks (no store), jg_catalog_apply applies. The CLI's
 * `jaego sku import` / `jaego listing import` and the API's POST /skus/import and
 * POST /listings/import are both made of these.
 */
#ifndef JAEGO_CATALOG_H
#define JAEGO_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jg_catalog_kind {
	JG_CATALOG_SKUS = 1,    /* sku,name,stock[,safety][,low_stock] */
	JG_CATALOG_LISTINGS = 2 /* channel,product_id,option,recipe (option may be absent) */
} jg_catalog_kind;

/* "skus", "listings". */
const char *jg_catalog_kind_name(jg_catalog_kind k);

#define JG_CATALOG_ROWS_MAX   100000      /* data rows in one file (default cap) */
#define JG_CATALOG_FILE_MAX   (16u << 20) /* bytes of one file (default cap) */
#define JG_CATALOG_REJECT_MAX 1000        /* rejected rows kept (all are counted) */
#define JG_CATALOG_NAME_MAX   512         /* bytes in a SKU name */
#define JG_CATALOG_OPTION_MAX 1024        /* bytes in a listing's option text */

typedef struct jg_catalog_opts {
	const char *name;  /* how the file is named in messages (an upload's own name);
			      NULL = the path, or "the file" for bytes in memory */
	int64_t max_rows;  /* data rows; 0 = JG_CATALOG_ROWS_MAX */
	uint64_t max_file; /* bytes; 0 = JG_CATALOG_FILE_MAX */
} jg_catalog_opts;

typedef struct jg_catalog_reject {
	int64_t row;    /* 1-based, as a spreadsheet shows it */
	int32_t column; /* 1-based; 0 = the row as a whole */
	char field[32]; /* the column's header name ("sku", "stock", ...), "" for the row */
	char reason[256];
} jg_catalog_reject;

typedef struct jg_catalog_result {
	jg_catalog_kind kind;
	int64_t rows;           /* data rows read (blank rows are not counted) */
	int64_t added;          /* SKU lists: new SKUs */
	int64_t updated;        /* SKU lists: known SKUs updated and counted */
	int64_t created;        /* listing lists: new listings */
	int64_t remapped;       /* listing lists: listings given a new recipe */
	int64_t lines_applied;  /* listing lists: waiting order lines that now take stock */
	int64_t rejected_count; /* every bad row problem found */
	const jg_catalog_reject *rejected; /* the first JG_CATALOG_REJECT_MAX, by row */
	size_t n_rejected;
	bool dry_run; /* the last jg_catalog_apply was a dry run */
	bool applied; /* committed: no bad row and not a dry run */
} jg_catalog_result;

/* A file read and checked, with its result. */
typedef struct jg_catalog jg_catalog;

/*
 * Reads and checks a catalogue file. *out (owned by the caller, free with
 * jg_catalog_free) is set whenever the file could be read, also when rows are bad (see
 * its result's rejected_count). Errors: JG_EIO (the file), JG_ELIMIT (over the byte or
 * row cap), JG_EFORMAT (not a table, an open quote, or a first row that is not the
 * header: the message says which header is expected), JG_ENOMEM. Messages name the file
 * as opts->name. Thread-safe for different files; touches no store.
 */
int jg_catalog_read_file(jg_catalog **out, jg_catalog_kind kind, const char *path,
			 const jg_catalog_opts *opts, jg_err *err);
int jg_catalog_read_mem(jg_catalog **out, jg_catalog_kind kind, const void *data, size_t n,
			const jg_catalog_opts *opts, jg_err *err);

/* The result so far (borrowed; valid until the next call on `c` or its free). */
const jg_catalog_result *jg_catalog_result_get(const jg_catalog *c);

/*
 * Applies a checked file in one transaction of its own (`s` must have no batch open).
 * Every good row is tried, also when reading refused others, so that the result names
 * every bad row: those found while reading and those the store refuses (an unknown
 * channel or SKU). Returns 0 when it came to a decision: the file was applied (result
 * `applied`), or it was a dry run (everything applied, counted, then rolled back), or it
 * has bad rows: then nothing is applied and the counts are 0. Otherwise a store error (JG_EDB,
 * JG_EBUSY, JG_ENOMEM, JG_EINVAL when a batch is open), with nothing applied. Not thread-safe on
 * one store, like every store call.
 */
int jg_catalog_apply(jg_store *s, jg_catalog *c, bool dry_run, jg_err *err);

/* Frees a catalogue file. Accepts NULL. */
void jg_catalog_free(jg_catalog *c);

#ifdef __cplusplus
}
#endif
#endif
