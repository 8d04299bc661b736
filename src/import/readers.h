/* SPDX-License-Identifier: MIT */
/*
 * The format readers behind jg_sheet_read_*, internal to src/import/. Each reader gets
 * the whole file in memory (mapped by sheet.c) and resolved limits, and calls `cb` with
 * rows whose text is valid UTF-8; sheet.c normalises it to NFC and adds the file name to
 * error messages. Readers record row and column into `err` where an error has a place.
 */
#ifndef JAEGO_IMPORT_READERS_H
#define JAEGO_IMPORT_READERS_H

#include "jaego/sheet.h"
#include "jaego/util.h"

/* xlsx.c: an Office Open XML workbook held in memory. The sheet is opts->sheet (by name,
 * NFC and ASCII case ignored; JG_ENOTFOUND when absent) or the first visible worksheet;
 * info->sheet and info->date1904 are filled. Zip entries are streamed (the worksheet
 * through the tokenizer in xlsx_sheet.c, the small parts through expat) and capped while
 * they inflate (max_entry, max_ratio above 1 MiB); a DOCTYPE is refused (JG_EFORMAT). Numbers keep the text written in <v>; numbers in a date format become
 * JG_CELL_DATE text from jg__excel_date(). Memory does not grow with the number of rows. */
int jg__xlsx_read(const void *data, size_t n, const jg_sheet_opts *opts,
		  const jg_sheet_limits *lim, jg_sheet_info *info, jg_sheet_cb cb, void *payload,
		  jg_err *err);
/* Fuzz entry: parses `xml` as a worksheet part (no shared strings, no styles, small
 * limits: 4 KiB cells, 256 columns) and discards the rows after checking their invariants
 * (it aborts if one breaks). Returns what the reader returned. */
int jg__xlsx_fuzz_sheet(const void *xml, size_t n);

/* offcrypto.c: true when the OLE2 file holds an MS-OFFCRYPTO encrypted package
 * (EncryptionInfo and EncryptedPackage streams). */
bool jg__offcrypto_is_encrypted(const void *data, size_t n);
/* Decrypts it (Agile or Standard encryption) into *out (owned by the caller, jg_free),
 * the plain xlsx zip. JG_EPERM for a missing or wrong password, JG_EFORMAT otherwise. */
int jg__offcrypto_decrypt(const void *data, size_t n, const char *password,
			  const jg_sheet_limits *lim, void **out, size_t *out_n, jg_err *err);

/* xls.c: a BIFF8 (or BIFF5) workbook in an OLE2 container held in memory, read record by
 * record from its Workbook (Book) stream. The sheet is chosen as in xlsx.c; info->sheet,
 * info->date1904 (and info->charset "cp949" for a BIFF5 workbook in that code page) are
 * filled. JG_EPERM for an encrypted workbook (FILEPASS). Held: the shared strings (capped
 * by max_strings) and at most 32 rows of cells, or for a sheet whose cells are further out
 * of row order an index of its cell records (bounded by the stream); rows come in order. */
int jg__xls_read(const void *data, size_t n, const jg_sheet_opts *opts, const jg_sheet_limits *lim,
		 jg_sheet_info *info, jg_sheet_cb cb, void *payload, jg_err *err);
/* Fuzz entry: reads `data` as an .xls file when it starts with the OLE2 signature, else as
 * a bare Workbook stream (records from the first BOF), with small limits (4 KiB cells, 256
 * columns, 1 MiB of shared strings), and discards the rows after checking their
 * invariants (it aborts if one breaks). Returns what the reader returned. */
int jg__xls_fuzz(const void *data, size_t n);

/* html.c: the first table (the one with the most rows) of an HTML document; rowspan and
 * colspan expanded; charset from BOM or meta, else UTF-8 when valid, else CP949. */
int jg__html_read(const void *data, size_t n, const jg_sheet_limits *lim, jg_sheet_info *info,
		  jg_sheet_cb cb, void *payload, jg_err *err);

/* spreadsheetml.c: Excel 2003 XML (Workbook/Worksheet/Table/Row/Cell/Data). */
int jg__spreadsheetml_read(const void *data, size_t n, const jg_sheet_opts *opts,
			   const jg_sheet_limits *lim, jg_sheet_info *info, jg_sheet_cb cb,
			   void *payload, jg_err *err);

/* charset.c: decoding legacy Korean text. */
typedef enum jg__charset { JG__CHARSET_UTF8 = 0, JG__CHARSET_CP949 } jg__charset;
/* UTF-8 when the bytes are valid UTF-8 (a BOM says so too), else CP949 when they decode as
 * CP949, else JG__CHARSET_UTF8 and the caller reports invalid text. */
jg__charset jg__charset_detect(const void *data, size_t n);
/* Appends the UTF-8 form of CP949 bytes to `out`. JG_EFORMAT (with the byte offset in the
 * message) for bytes that are not CP949. Never decodes as EUC-KR. */
int jg__cp949_to_utf8(jg_buf *out, const void *data, size_t n, jg_err *err);

/* excel_date.c: an Excel serial date to "YYYY-MM-DD HH:MM:SS", or "YYYY-MM-DD" when the
 * time rounds to midnight (times are rounded to the second). 1900 system, as Excel shows
 * it: 1..59 are 1900-01-01..1900-02-28; 60 is Excel's fictitious leap day and is written
 * "1900-02-29" (text that jg_time_parse rejects, so it is flagged instead of silently
 * moved); 61 and later are one day less than a plain count from 1899-12-31 (61 is
 * 1900-03-01); [0, 1) (a time alone) falls on 1899-12-31. 1904 system: 0 is 1904-01-01.
 * JG_EINVAL (the caller keeps the number) for negative, non-finite or post-9999 serials,
 * or `outsz` < 20. */
int jg__excel_date(char *out, size_t outsz, double serial, bool date1904);
/* True when an Excel number format code (built-in id or custom code) formats a date. */
bool jg__excel_is_date_format(int numfmt_id, const char *code);

#endif
