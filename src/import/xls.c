/* SPDX-License-Identifier: MIT */
/*
 * The legacy .xls reader: a BIFF5/BIFF8 workbook in an OLE2 container, read through
 * FreeXL, which opens files by path and holds the whole sheet in its own memory (a BIFF8
 * sheet has at most 65,536 rows and 256 columns). FreeXL gives cells typed values with
 * text already in UTF-8 and dates already formatted; this file turns them into jg_cells:
 * integers and doubles become the shortest decimal text that reads back as the same number
 * (integral values without exponent or ".0", so a phone number stored as 1012345678 comes
 * out as "1012345678"), and dates keep FreeXL's "YYYY-MM-DD[ HH:MM:SS]". Rows with no value
 * are skipped. An encrypted workbook (a FILEPASS record after the globals' BOF) is refused
 * before FreeXL sees it: its records are ciphertext that FreeXL would parse as data.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <freexl.h>

#include "readers.h"

/* Equal bytes, ignoring the case of ASCII letters (whatever the locale). */
static bool eq_ascii_ci(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

/* Sheet names match as the xlsx reader matches them: in NFC (a name typed on a Mac
 * arrives NFD), ignoring the case of ASCII letters. */
static bool names_equal(const char *a, const char *b)
{
	jg_buf x, y;
	bool eq;

	if (eq_ascii_ci(a, b))
		return true;
	jg_buf_init(&x, 4096);
	jg_buf_init(&y, 4096);
	eq = jg_text_nfc(&x, a, strlen(a)) == 0 && jg_text_nfc(&y, b, strlen(b)) == 0 &&
	     eq_ascii_ci(jg_buf_str(&x), jg_buf_str(&y));
	jg_buf_free(&x);
	jg_buf_free(&y);
	return eq;
}

/* Stores the sheet's name in NFC, cut at a character boundary to fit. */
static void set_sheet_name(jg_sheet_info *info, const char *name)
{
	jg_buf b;
	const char *s = name;
	size_t n = strlen(name), k;

	jg_buf_init(&b, 4096);
	if (jg_text_nfc(&b, name, n) == 0) {
		s = jg_buf_str(&b);
		n = b.len;
	}
	k = n < sizeof(info->sheet) - 1 ? n : sizeof(info->sheet) - 1;
	while (k > 0 && k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	memcpy(info->sheet, s, k);
	info->sheet[k] = '\0';
	jg_buf_free(&b);
}

/*
 * True when the bytes hold the start of an encrypted workbook globals substream: a BOF
 * record of a BIFF8 (or BIFF5) workbook, an optional WRITEPROT record, then FILEPASS
 * (0x002F). The BOF opens a sector of the Workbook stream, so the records are contiguous.
 */
static bool has_filepass(const unsigned char *p, size_t n)
{
	static const unsigned char bof8[] = {0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00};
	static const unsigned char bof5[] = {0x09, 0x08, 0x08, 0x00, 0x00, 0x05, 0x05, 0x00};
	const unsigned char *q = p, *end = p + n;

	while ((q = memchr(q, 0x09, (size_t)(end - q))) != NULL) {
		size_t at = 0;

		if ((size_t)(end - q) >= 28 && memcmp(q, bof8, 8) == 0)
			at = 20;
		else if ((size_t)(end - q) >= 28 && memcmp(q, bof5, 8) == 0)
			at = 12;
		if (at && q[at] == 0x86 && q[at + 1] == 0x00 && q[at + 2] == 0 && q[at + 3] == 0)
			at += 4; /* WRITEPROT, empty */
		if (at && q[at] == 0x2f && q[at + 1] == 0x00)
			return true;
		q++;
	}
	return false;
}

/* JG_EPERM when the file at `path` is an encrypted workbook; JG_EIO when it cannot be read. */
static int check_encrypted(const char *path, jg_err *err)
{
	struct stat st;
	void *map;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jg_err_set(err, JG_EIO, "cannot open the .xls file");
	if (fstat(fd, &st) != 0 || st.st_size <= 0) {
		close(fd);
		return jg_err_set(err, JG_EIO, "cannot read the .xls file");
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return jg_err_set(err, JG_EIO, "cannot read the .xls file");
	if (has_filepass(map, (size_t)st.st_size))
		rc = jg_err_set(err, JG_EPERM, "encrypted .xls is not supported");
	munmap(map, (size_t)st.st_size);
	return rc;
}

/* Maps a FreeXL error to a code and a plain message. */
static int freexl_error(int x, jg_err *err)
{
	switch (x) {
	case FREEXL_FILE_NOT_FOUND:
		return jg_err_set(err, JG_EIO, "cannot open the .xls file");
	case FREEXL_INSUFFICIENT_MEMORY:
		return jg_err_set(err, JG_ENOMEM, "out of memory reading the .xls file");
	case FREEXL_INVALID_CHARACTER:
	case FREEXL_UNSUPPORTED_CHARSET:
		return jg_err_set(err, JG_EFORMAT,
				  "the .xls file holds text in a character set that cannot be read");
	case FREEXL_BIFF_WORKBOOK_NOT_FOUND:
		return jg_err_set(err, JG_EFORMAT, "the OLE2 file holds no Excel workbook");
	case FREEXL_INVALID_CFBF_HEADER:
	case FREEXL_CFBF_READ_ERROR:
	case FREEXL_CFBF_SEEK_ERROR:
	case FREEXL_CFBF_INVALID_SIGNATURE:
	case FREEXL_CFBF_INVALID_SECTOR_SIZE:
	case FREEXL_CFBF_EMPTY_FAT_CHAIN:
	case FREEXL_CFBF_ILLEGAL_FAT_ENTRY:
	case FREEXL_INVALID_MINI_STREAM:
	case FREEXL_CFBF_ILLEGAL_MINI_FAT_ENTRY:
		return jg_err_set(err, JG_EFORMAT, "the .xls file's OLE2 container is damaged");
	default:
		return jg_err_set(err, JG_EFORMAT,
				  "the .xls workbook is damaged or not a BIFF5/BIFF8 workbook "
				  "(FreeXL error %d)",
				  x);
	}
}

/* The shortest decimal text that reads back as `v`; integral values in full, without an
 * exponent or ".0". `out` holds at least 400 bytes. */
static void format_double(char *out, size_t outsz, double v)
{
	if (v == 0) {
		snprintf(out, outsz, "0"); /* and not "-0" */
		return;
	}
	if (isfinite(v) && v == trunc(v)) {
		snprintf(out, outsz, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, outsz, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* Turns one FreeXL value into a cell; the text is FreeXL's (valid until freexl_close) or
 * copied into `arena`. JG_ENOMEM only. */
static int to_cell(jg_cell *out, const FreeXL_CellValue *v, jg_arena *arena)
{
	char num[400];
	const char *t = NULL;

	*out = (jg_cell){JG_CELL_EMPTY, "", 0};
	switch (v->type) {
	case FREEXL_CELL_INT:
		snprintf(num, sizeof(num), "%d", v->value.int_value);
		out->type = JG_CELL_NUMBER;
		break;
	case FREEXL_CELL_DOUBLE:
		format_double(num, sizeof(num), v->value.double_value);
		out->type = JG_CELL_NUMBER;
		break;
	case FREEXL_CELL_TEXT:
	case FREEXL_CELL_SST_TEXT:
		t = v->value.text_value;
		out->type = JG_CELL_TEXT;
		break;
	case FREEXL_CELL_DATE:
	case FREEXL_CELL_DATETIME:
	case FREEXL_CELL_TIME: /* "HH:MM:SS": FreeXL drops the day of a time-only format */
		t = v->value.text_value;
		out->type = JG_CELL_DATE;
		break;
	default:
		return 0;
	}
	if (out->type == JG_CELL_NUMBER) {
		t = jg_arena_strdup(arena, num);
		if (!t)
			return JG_ENOMEM;
	}
	if (!t || !*t) {
		*out = (jg_cell){JG_CELL_EMPTY, "", 0};
		return 0;
	}
	out->text = t;
	out->len = strlen(t);
	return 0;
}

int jg__xls_read(const char *path, const jg_sheet_opts *opts, const jg_sheet_limits *lim,
		 jg_sheet_info *info, jg_sheet_cb cb, void *payload, jg_err *err)
{
	const void *h = NULL;
	unsigned int v = 0, nsheets = 0, rows = 0;
	unsigned short cols = 0, idx = 0;
	const char *name = NULL;
	jg_cell *cells = NULL;
	size_t width;
	jg_arena arena;
	bool found = false;
	int rc, x;

	jg_arena_init(&arena, 0);
	rc = check_encrypted(path, err);
	if (rc)
		goto out;
	x = freexl_open(path, &h);
	if (x != FREEXL_OK) {
		rc = freexl_error(x, err);
		goto out;
	}
	if (freexl_get_info(h, FREEXL_BIFF_PASSWORD, &v) == FREEXL_OK &&
	    v == FREEXL_BIFF_OBFUSCATED) {
		rc = jg_err_set(err, JG_EPERM, "encrypted .xls is not supported");
		goto out;
	}
	if (freexl_get_info(h, FREEXL_BIFF_DATEMODE, &v) == FREEXL_OK)
		info->date1904 = v == FREEXL_BIFF_DATEMODE_1904;
	x = freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &nsheets);
	if (x != FREEXL_OK || nsheets == 0) {
		rc = jg_err_set(err, JG_EFORMAT, "the .xls workbook has no worksheets");
		goto out;
	}
	if (nsheets > 65535)
		nsheets = 65535;
	for (unsigned int i = 0; i < nsheets && !found; i++) {
		const char *nm = NULL;

		if (freexl_get_worksheet_name(h, (unsigned short)i, &nm) != FREEXL_OK || !nm)
			continue;
		if (!opts->sheet || names_equal(nm, opts->sheet)) {
			found = true;
			idx = (unsigned short)i;
			name = nm;
		}
	}
	if (!found) {
		if (opts->sheet)
			rc = jg_err_set(err, JG_ENOTFOUND, "no worksheet named \"%s\"", opts->sheet);
		else
			rc = jg_err_set(err, JG_EFORMAT, "the .xls workbook's sheets cannot be read");
		goto out;
	}
	set_sheet_name(info, name);
	x = freexl_select_active_worksheet(h, idx);
	if (x == FREEXL_OK)
		x = freexl_worksheet_dimensions(h, &rows, &cols);
	if (x != FREEXL_OK) {
		rc = freexl_error(x, err);
		goto out;
	}
	width = cols < lim->max_cols ? cols : lim->max_cols;
	if (width) {
		cells = jg_malloc(width * sizeof(*cells));
		if (!cells) {
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (unsigned int r = 0; r < rows; r++) {
		size_t n = 0;

		jg_arena_reset(&arena);
		for (unsigned short c = 0; c < cols; c++) {
			FreeXL_CellValue cv;
			jg_cell cell;

			if (freexl_get_cell_value(h, r, c, &cv) != FREEXL_OK)
				continue;
			if (to_cell(&cell, &cv, &arena)) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				goto out;
			}
			if (cell.type == JG_CELL_EMPTY)
				continue;
			if (c >= width) {
				rc = jg_err_set_at(err, JG_ELIMIT, (int64_t)r + 1,
						   (int32_t)lim->max_cols + 1,
						   "row %u has more than %zu columns", r + 1,
						   lim->max_cols);
				goto out;
			}
			if (cell.len > lim->max_cell) {
				rc = jg_err_set_at(err, JG_ELIMIT, (int64_t)r + 1, (int32_t)c + 1,
						   "row %u, column %u: a cell holds more than %zu "
						   "bytes",
						   r + 1, (unsigned)c + 1, lim->max_cell);
				goto out;
			}
			for (; n < c; n++)
				cells[n] = (jg_cell){JG_CELL_EMPTY, "", 0};
			cells[c] = cell;
			n = (size_t)c + 1;
		}
		if (n) {
			jg_sheet_row row = {(int64_t)r + 1, cells, n};

			rc = cb(&row, payload);
			if (rc)
				goto out;
		}
	}
out:
	if (h)
		freexl_close(h);
	jg_free(cells);
	jg_arena_free(&arena);
	return rc;
}
