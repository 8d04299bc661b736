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

/* xlsx.c: an Office Open XML workbook held in memory. */
int jg__xlsx_read(const void *data, size_t n, const jg_sheet_opts *opts,
		  const jg_sheet_limits *lim, jg_sheet_info *info, jg_sheet_cb cb, void *payload,
		  jg_err *err);

/* offcrypto.c: true when the OLE2 file holds an MS-OFFCRYPTO encrypted package
 * (EncryptionInfo and EncryptedPackage streams). */
bool jg__offcrypto_is_encrypted(const void *data, size_t n);
/* Decrypts it (Agile or Standard encryption) into *out (owned by the caller, jg_free),
 * the plain xlsx zip. JG_EPERM for a missing or wrong password, JG_EFORMAT otherwise. */
int jg__offcrypto_decrypt(const void *data, size_t n, const char *password,
			  const jg_sheet_limits *lim, void **out, size_t *out_n, jg_err *err);

/* xls.c: a BIFF8 workbook through FreeXL. FreeXL reads from a path, so this takes one. */
int jg__xls_read(const char *path, const jg_sheet_opts *opts, const jg_sheet_limits *lim,
		 jg_sheet_info *info, jg_sheet_cb cb, void *payload, jg_err *err);

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

/* Excel serial date to "YYYY-MM-DD[ HH:MM:SS]" (60 is the fictitious 1900-02-29, shown as
 * 1900-02-28 + the day after; serials before 61 are shifted as Excel does). `out` >= 20. */
int jg__excel_date(char *out, size_t outsz, double serial, bool date1904);
/* True when an Excel number format code (built-in id or custom code) formats a date. */
bool jg__excel_is_date_format(int numfmt_id, const char *code);

#endif
