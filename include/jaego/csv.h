/* SPDX-License-Identifier: MIT */
/*
 * A streaming RFC 4180 CSV/TSV reader: quoted fields with doubled quotes and embedded line
 * breaks, CRLF, LF or CR line ends, a UTF-8 byte order mark, and delimiter sniffing
 * (comma, tab, semicolon, pipe). Feed it bytes in chunks of any size; it calls back once
 * per record. Every buffer it keeps is capped (cell bytes, columns, records).
 *
 * It does not decode: bytes go through as they are (the import layer converts CP949 and
 * normalises to NFC). Not thread-safe; one reader per file.
 */
#ifndef JAEGO_CSV_H
#define JAEGO_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jg_csv_limits {
	size_t max_cell;   /* bytes in one cell (default 64 KiB) */
	size_t max_cols;   /* cells in one record (default 1024) */
	int64_t max_rows;  /* records in the file (default 5,000,000) */
} jg_csv_limits;

/*
 * Called once per record. `row` is the 1-based record number (what a spreadsheet shows as
 * the row), `cells[i]` is NUL-terminated with byte length `lens[i]`. Return 0 to go on;
 * any other value stops the reader and is returned by jg_csv_feed/jg_csv_finish.
 */
typedef int (*jg_csv_row_cb)(int64_t row, const char *const *cells, const size_t *lens,
			     size_t n, void *payload);

typedef struct jg_csv jg_csv;

/* `delim` 0 sniffs from the first record; `lim` may be NULL for the defaults. */
int jg_csv_new(jg_csv **out, char delim, const jg_csv_limits *lim, jg_csv_row_cb cb,
	       void *payload, jg_err *err);
int jg_csv_feed(jg_csv *r, const char *data, size_t n, jg_err *err);
/* Flushes the last record; JG_EFORMAT for a quoted field left open at the end. */
int jg_csv_finish(jg_csv *r, jg_err *err);
/* The delimiter in use (after sniffing), or 0 before the first record. */
char jg_csv_delimiter(const jg_csv *r);
void jg_csv_free(jg_csv *r);

/* Convenience: reads a whole file through the reader. JG_EIO names the file. */
int jg_csv_read_file(const char *path, char delim, const jg_csv_limits *lim, jg_csv_row_cb cb,
		     void *payload, jg_err *err);

#ifdef __cplusplus
}
#endif
#endif
