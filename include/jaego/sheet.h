/* SPDX-License-Identifier: MIT */
/*
 * Reading any channel's order file as rows of cells. The format is sniffed from the
 * content, never from the file name: a zip (xlsx), an OLE2 compound file (a password-
 * encrypted xlsx, or a legacy BIFF8 .xls), HTML or SpreadsheetML 2003 XML saved as ".xls",
 * or CSV/TSV text in UTF-8 or CP949. Every reader streams and keeps every buffer that
 * holds input under the caps in jg_sheet_limits.
 *
 * Whatever the format, the callback sees UTF-8 NFC text: cell values are kept as text
 * (ids, phone numbers and postal codes must not become numbers), with the cell's type so
 * that the caller can repair what a spreadsheet did to them.
 */
#ifndef JAEGO_SHEET_H
#define JAEGO_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jg_format {
	JG_FORMAT_UNKNOWN = 0,
	JG_FORMAT_XLSX,           /* Office Open XML workbook (zip) */
	JG_FORMAT_XLSX_ENCRYPTED, /* the same inside an MS-OFFCRYPTO OLE2 container */
	JG_FORMAT_XLS,            /* legacy BIFF8 workbook (OLE2) */
	JG_FORMAT_HTML,           /* an HTML table saved with an .xls name */
	JG_FORMAT_SPREADSHEETML,  /* Excel 2003 XML saved with an .xls name */
	JG_FORMAT_CSV             /* comma, tab, semicolon or pipe separated text */
} jg_format;

/* "xlsx", "xlsx-encrypted", "xls", "html", "spreadsheetml", "csv", "unknown". */
const char *jg_format_name(jg_format f);

typedef enum jg_cell_type {
	JG_CELL_EMPTY = 0,
	JG_CELL_TEXT,
	JG_CELL_NUMBER, /* text is the number as the file wrote it: "1012345678", "1.2E+16" */
	JG_CELL_DATE,   /* a number formatted as a date; text is "YYYY-MM-DD HH:MM:SS"
			   (or "YYYY-MM-DD" for a whole day) in the workbook's date system */
	JG_CELL_BOOL,   /* "TRUE" or "FALSE" */
	JG_CELL_ERROR   /* "#N/A", "#VALUE!", ... */
} jg_cell_type;

typedef struct jg_cell {
	jg_cell_type type;
	const char *text; /* UTF-8 NFC, NUL-terminated, never NULL ("" when empty) */
	size_t len;       /* bytes in text */
} jg_cell;

typedef struct jg_sheet_row {
	int64_t row;          /* 1-based row as the spreadsheet shows it */
	const jg_cell *cells; /* cells[i] is column i + 1; gaps are JG_CELL_EMPTY */
	size_t n;
} jg_sheet_row;

/* Called once per non-empty row, in order. Return 0 to go on; any other value stops the
 * reader and is returned. The row and its strings are valid only during the call. */
typedef int (*jg_sheet_cb)(const jg_sheet_row *row, void *payload);

/* Caps; a zero field takes the default given. */
typedef struct jg_sheet_limits {
	uint64_t max_file;          /* bytes of the input file (256 MiB) */
	uint64_t max_entry;         /* bytes of one decompressed zip entry (1 GiB) */
	uint32_t max_ratio;         /* decompressed / compressed bytes of a zip entry (200) */
	uint64_t max_strings;       /* bytes of an xlsx shared-string table (256 MiB) */
	size_t max_cell;            /* bytes of one cell (128 KiB; Excel allows 32,767 chars) */
	size_t max_cols;            /* columns (1,024) */
	int64_t max_rows;           /* rows (2,000,000) */
} jg_sheet_limits;

/* The limits with every zero field replaced by its default. */
void jg_sheet_limits_resolve(jg_sheet_limits *out, const jg_sheet_limits *in);

typedef struct jg_sheet_opts {
	const char *password; /* for an encrypted xlsx; NULL when none was given */
	const char *sheet;    /* sheet to read by name; NULL = the first visible sheet */
	jg_sheet_limits lim;
} jg_sheet_opts;

typedef struct jg_sheet_info {
	jg_format format;
	char sheet[128];     /* the sheet read ("" for csv and html) */
	char charset[16];    /* "utf-8" or "cp949" for text formats, "" otherwise */
	bool date1904;       /* the workbook counts dates from 1904 */
	int64_t rows;        /* rows delivered */
} jg_sheet_info;

/* Sniffs the format from the first bytes of a file (8 KiB is plenty). An OLE2 file is
 * reported as JG_FORMAT_XLS; jg_sheet_read_* look inside to tell an encrypted xlsx. */
jg_format jg_sheet_sniff(const void *head, size_t n);

/*
 * Reads the file at `path` (or the bytes in `data`; `name` is used in messages) and calls
 * `cb` for each row. `info` (may be NULL) receives what was found. Errors name the file
 * and, where it applies, the row and column: JG_EIO, JG_EFORMAT (malformed or unknown
 * format), JG_ELIMIT (a cap), JG_EPERM (encrypted and no password, or a wrong one),
 * JG_ENOTFOUND (opts->sheet names no sheet of the workbook), JG_ENOMEM. Thread-safe for
 * different files.
 */
int jg_sheet_read_file(const char *path, const jg_sheet_opts *opts, jg_sheet_info *info,
		       jg_sheet_cb cb, void *payload, jg_err *err);
int jg_sheet_read_mem(const void *data, size_t n, const char *name, const jg_sheet_opts *opts,
		      jg_sheet_info *info, jg_sheet_cb cb, void *payload, jg_err *err);

#ifdef __cplusplus
}
#endif
#endif
