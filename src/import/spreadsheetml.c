/* SPDX-License-Identifier: MIT */
/*
 * The SpreadsheetML 2003 reader: Excel's "XML Spreadsheet" (Workbook / Worksheet / Table /
 * Row / Cell / Data), which some admin pages serve under an ".xls" name. It streams through
 * expat (allocating through jg_malloc) and keeps only the current row. A DOCTYPE is refused
 * outright, so no entity can be declared and expanded (billion laughs) and nothing external
 * is ever loaded.
 *
 * The sheet is the one named by opts->sheet, else the first Worksheet. Rows and cells are
 * placed by ss:Index where given, else after the previous one (a cell after one with
 * ss:MergeAcross skips the merged columns; merged positions stay empty, as Excel shows
 * them). Data types map to cell types: String to TEXT, Number to NUMBER (the text as
 * written), DateTime to DATE ("YYYY-MM-DD HH:MM:SS", or "YYYY-MM-DD" at midnight),
 * Boolean to BOOL ("TRUE"/"FALSE") and Error to ERROR. Rich text inside Data (<Font>,
 * <B>, ...) is concatenated; the Data of a cell's Comment is not the cell's value. Element
 * and attribute names are matched in the SpreadsheetML namespace or in none.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <expat.h>

#include "readers.h"

#define SS_NS "urn:schemas-microsoft-com:office:spreadsheet"
#define NS_SEP '\x01'
#define CHUNK ((size_t)1 << 20)
#define MAX_ROW_INDEX ((int64_t)1 << 40)

typedef enum dtype { D_STRING, D_NUMBER, D_DATETIME, D_BOOLEAN, D_ERROR, D_OTHER } dtype;

typedef struct sml {
	XML_Parser p;
	const jg_sheet_opts *opts;
	const jg_sheet_limits *lim;
	jg_sheet_info *info;
	jg_sheet_cb cb;
	void *payload;
	jg_err *err;
	int rc;
	bool found, done;
	int depth; /* element depth of the current element */
	int sheet_depth, table_depth, row_depth, cell_depth, data_depth, comment_depth;
	int64_t row, next_row;
	size_t col, next_col;
	dtype type;
	bool has_data;
	jg_buf text;
	jg_cell *cells;
	size_t ncells, cap;
	jg_arena arena;
} sml;

/* The local part of an expanded name when it is in the SpreadsheetML namespace or in
 * none; NULL for any other namespace. */
static const char *ss_local(const XML_Char *name)
{
	const char *sep = strchr(name, NS_SEP);

	if (!sep)
		return name;
	if ((size_t)(sep - name) == strlen(SS_NS) && memcmp(name, SS_NS, strlen(SS_NS)) == 0)
		return sep + 1;
	return NULL;
}

static bool is(const char *local, const char *lit)
{
	return local && strcmp(local, lit) == 0;
}

/* The value of attribute `local` (ss:local or a bare local), or NULL. */
static const char *attr(const XML_Char **atts, const char *local)
{
	for (size_t i = 0; atts && atts[i]; i += 2)
		if (is(ss_local(atts[i]), local))
			return atts[i + 1];
	return NULL;
}

/* Parses a whole non-negative decimal attribute value, saturating at `max`; -1 if it is
 * not one. */
static int64_t uint_attr(const char *s, int64_t max)
{
	int64_t v = 0;

	while (*s == ' ')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if (v <= max)
			v = v * 10 + (*s - '0');
	while (*s == ' ')
		s++;
	if (*s)
		return -1;
	return v > max ? max : v;
}

/* Records the first failure and stops expat; later callbacks do nothing. */
static void fail(sml *s, int rc)
{
	if (!s->rc)
		s->rc = rc;
	XML_StopParser(s->p, XML_FALSE);
}

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

/* Rewrites "2026-11-29T14:05:00.000" as "2026-11-29 14:05:00" (or "2026-11-29" when the
 * time is midnight or absent). False when the text is not in that form. */
static bool datetime_text(char out[20], const char *s, size_t n)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	size_t k = 0;

	while (k < sizeof(pat) - 1 && k < n) {
		if (pat[k] == 'd' ? (s[k] < '0' || s[k] > '9') : s[k] != pat[k])
			return false;
		k++;
	}
	if (k == 10 && n == 10) {
		memcpy(out, s, 10);
		out[10] = '\0';
		return true;
	}
	if (k < 16 || (k == 16 && n != 16) || (k == 19 && n > 19 && s[19] != '.'))
		return false;
	for (size_t i = 20; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	memcpy(out, s, 10);
	if (memcmp(s + 11, "00:00", 5) == 0 && (k == 16 || memcmp(s + 17, "00", 2) == 0)) {
		out[10] = '\0';
		return true;
	}
	out[10] = ' ';
	memcpy(out + 11, s + 11, 5);
	if (k == 19)
		memcpy(out + 16, s + 16, 3);
	else
		memcpy(out + 16, ":00", 3);
	out[19] = '\0';
	return true;
}

/* Makes room for `n` cells (n <= max_cols). */
static int cells_reserve(sml *s, size_t n)
{
	size_t cap;
	jg_cell *c;

	if (n <= s->cap)
		return 0;
	cap = s->cap ? s->cap : 16;
	while (cap < n)
		cap *= 2;
	if (cap > s->lim->max_cols)
		cap = s->lim->max_cols;
	c = jg_realloc(s->cells, cap * sizeof(*c));
	if (!c)
		return jg_err_set(s->err, JG_ENOMEM, "out of memory");
	s->cells = c;
	s->cap = cap;
	return 0;
}

/* Ends a cell: its Data becomes a typed cell at its column. */
static int end_cell(sml *s)
{
	jg_cell_type type = JG_CELL_TEXT;
	const char *t = jg_buf_str(&s->text);
	size_t n = s->text.len;
	char date[20];
	char *copy;
	int rc;

	if (!s->has_data)
		return 0;
	switch (s->type) {
	case D_NUMBER:
		t = jg_text_trim(t, &n);
		type = JG_CELL_NUMBER;
		break;
	case D_DATETIME:
		t = jg_text_trim(t, &n);
		if (datetime_text(date, t, n)) {
			t = date;
			n = strlen(date);
			type = JG_CELL_DATE;
		}
		break;
	case D_BOOLEAN:
		t = jg_text_trim(t, &n);
		type = JG_CELL_BOOL;
		if ((n == 1 && t[0] == '1') || (n == 4 && memcmp(t, "true", 4) == 0))
			t = "TRUE", n = 4;
		else if ((n == 1 && t[0] == '0') || (n == 5 && memcmp(t, "false", 5) == 0))
			t = "FALSE", n = 5;
		else
			type = JG_CELL_TEXT;
		break;
	case D_ERROR:
		t = jg_text_trim(t, &n);
		type = JG_CELL_ERROR;
		break;
	case D_STRING:
	case D_OTHER:
		break;
	}
	if (n == 0)
		return 0;
	rc = cells_reserve(s, s->col + 1);
	if (rc)
		return rc;
	copy = jg_arena_strndup(&s->arena, t, n);
	if (!copy)
		return jg_err_set(s->err, JG_ENOMEM, "out of memory");
	for (; s->ncells < s->col; s->ncells++)
		s->cells[s->ncells] = (jg_cell){JG_CELL_EMPTY, "", 0};
	s->cells[s->col] = (jg_cell){type, copy, n};
	if (s->col + 1 > s->ncells)
		s->ncells = s->col + 1;
	return 0;
}

/* Ends a row: delivered when any cell has text. */
static int end_row(sml *s)
{
	jg_sheet_row row = {s->row, s->cells, s->ncells};

	if (s->ncells == 0)
		return 0;
	return s->cb(&row, s->payload);
}

static int start_row(sml *s, const XML_Char **atts)
{
	const char *idx = attr(atts, "Index"), *span = attr(atts, "Span");
	int64_t v;

	s->row = s->next_row;
	if (idx) {
		v = uint_attr(idx, MAX_ROW_INDEX);
		if (v < 1 || v >= MAX_ROW_INDEX)
			return jg_err_set_at(s->err, JG_EFORMAT, s->next_row, 0,
					     "a Row has a bad ss:Index \"%.20s\"", idx);
		s->row = v;
	}
	s->next_row = s->row + 1;
	if (span) {
		v = uint_attr(span, MAX_ROW_INDEX);
		if (v < 0)
			return jg_err_set_at(s->err, JG_EFORMAT, s->row, 0,
					     "row %lld has a bad ss:Span \"%.20s\"",
					     (long long)s->row, span);
		s->next_row += v; /* the row stands for Span more rows like it */
		if (s->next_row > MAX_ROW_INDEX)
			s->next_row = MAX_ROW_INDEX;
	}
	s->ncells = 0;
	s->next_col = 0;
	jg_arena_reset(&s->arena);
	return 0;
}

static int start_cell(sml *s, const XML_Char **atts)
{
	const char *idx = attr(atts, "Index"), *merge = attr(atts, "MergeAcross");
	int64_t max = (int64_t)s->lim->max_cols, v;

	s->col = s->next_col;
	if (idx) {
		v = uint_attr(idx, max + 1);
		if (v < 1)
			return jg_err_set_at(s->err, JG_EFORMAT, s->row, 0,
					     "row %lld: a Cell has a bad ss:Index \"%.20s\"",
					     (long long)s->row, idx);
		s->col = (size_t)v - 1;
	}
	if (s->col >= s->lim->max_cols)
		return jg_err_set_at(s->err, JG_ELIMIT, s->row, (int32_t)s->lim->max_cols + 1,
				     "row %lld has more than %zu columns", (long long)s->row,
				     s->lim->max_cols);
	s->next_col = s->col + 1;
	if (merge) {
		v = uint_attr(merge, max);
		if (v < 0)
			return jg_err_set_at(s->err, JG_EFORMAT, s->row, (int32_t)s->col + 1,
					     "row %lld: a Cell has a bad ss:MergeAcross \"%.20s\"",
					     (long long)s->row, merge);
		s->next_col += (size_t)v;
	}
	s->has_data = false;
	return 0;
}

static dtype type_of(const char *t)
{
	if (!t || strcmp(t, "String") == 0)
		return D_STRING;
	if (strcmp(t, "Number") == 0)
		return D_NUMBER;
	if (strcmp(t, "DateTime") == 0)
		return D_DATETIME;
	if (strcmp(t, "Boolean") == 0)
		return D_BOOLEAN;
	if (strcmp(t, "Error") == 0)
		return D_ERROR;
	return D_OTHER;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	sml *s = ud;
	const char *l;
	int rc = 0;

	s->depth++;
	if (s->rc || s->done)
		return;
	l = ss_local(name);
	if (!l)
		return; /* Font, B, x:WorksheetOptions, ...: their text, if any, is Data's */
	if (!s->sheet_depth) {
		if (is(l, "Worksheet") && !s->found) {
			const char *nm = attr(atts, "Name");

			if (!s->opts->sheet || (nm && names_equal(nm, s->opts->sheet))) {
				s->found = true;
				s->sheet_depth = s->depth;
				set_sheet_name(s->info, nm ? nm : "");
			}
		}
		return;
	}
	if (is(l, "Table") && !s->table_depth) {
		s->table_depth = s->depth;
		s->next_row = 1;
	} else if (is(l, "Row") && s->table_depth && !s->row_depth) {
		s->row_depth = s->depth;
		rc = start_row(s, atts);
	} else if (is(l, "Cell") && s->row_depth && !s->cell_depth) {
		s->cell_depth = s->depth;
		rc = start_cell(s, atts);
	} else if (is(l, "Comment") && s->cell_depth && !s->comment_depth) {
		s->comment_depth = s->depth;
	} else if (is(l, "Data") && s->cell_depth && !s->comment_depth && !s->data_depth) {
		s->data_depth = s->depth;
		s->type = type_of(attr(atts, "Type"));
		s->has_data = true;
		jg_buf_reset(&s->text);
	}
	if (rc)
		fail(s, rc);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	sml *s = ud;
	int d = s->depth--, rc = 0;

	(void)name;
	if (s->rc || s->done || !s->sheet_depth)
		return;
	/* expat checks that tags nest, so the depth alone says which element ends. */
	if (d == s->data_depth) {
		s->data_depth = 0;
	} else if (d == s->comment_depth) {
		s->comment_depth = 0;
	} else if (d == s->cell_depth) {
		s->cell_depth = 0;
		rc = end_cell(s);
	} else if (d == s->row_depth) {
		s->row_depth = 0;
		rc = end_row(s);
	} else if (d == s->table_depth) {
		s->table_depth = 0;
	} else if (d == s->sheet_depth) {
		s->sheet_depth = 0;
		s->done = true;
		XML_StopParser(s->p, XML_FALSE); /* the rest of the workbook is not needed */
	}
	if (rc)
		fail(s, rc);
}

static void XMLCALL on_text(void *ud, const XML_Char *t, int len)
{
	sml *s = ud;
	int rc;

	if (s->rc || s->done || !s->data_depth || len <= 0)
		return;
	rc = jg_buf_append(&s->text, t, (size_t)len);
	if (rc == JG_ELIMIT)
		rc = jg_err_set_at(s->err, JG_ELIMIT, s->row, (int32_t)s->col + 1,
				   "row %lld, column %zu: a cell holds more than %zu bytes",
				   (long long)s->row, s->col + 1, s->lim->max_cell);
	else if (rc)
		rc = jg_err_set(s->err, rc, "out of memory");
	if (rc)
		fail(s, rc);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	sml *s = ud;

	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	fail(s, jg_err_set(s->err, JG_EFORMAT,
			   "SpreadsheetML with a DOCTYPE is refused (it could declare entities)"));
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
			      const XML_Char *value, int value_len, const XML_Char *base,
			      const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	sml *s = ud;

	(void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid;
	(void)pubid, (void)notation;
	fail(s, jg_err_set(s->err, JG_EFORMAT, "SpreadsheetML with entity declarations is refused"));
}

/*
 * True when the XML declaration names a Korean legacy encoding (euc-kr and its aliases,
 * all decoded as CP949), which expat does not know.
 */
static bool declares_korean(const unsigned char *p, size_t n)
{
	static const char *const kr[] = {"euc-kr",      "ks_c_5601-1987", "cp949", "x-windows-949",
					 "windows-949", "ms949",          "uhc",   NULL};
	size_t end, i;

	if (n < 5 || memcmp(p, "<?xml", 5) != 0)
		return false;
	for (end = 5; end + 1 < n && end < 512 && !(p[end] == '?' && p[end + 1] == '>'); end++)
		;
	for (i = 5; i + 8 <= end; i++) {
		size_t j, k;
		unsigned char q;

		if (memcmp(p + i, "encoding", 8) != 0)
			continue;
		for (j = i + 8; j < end && (p[j] == ' ' || p[j] == '='); j++)
			;
		if (j >= end || (p[j] != '"' && p[j] != '\''))
			return false;
		q = p[j++];
		for (k = j; k < end && p[k] != q; k++)
			;
		for (size_t m = 0; kr[m]; m++) {
			size_t l = strlen(kr[m]);

			if (k - j == l && strncasecmp((const char *)p + j, kr[m], l) == 0)
				return true;
		}
		return false;
	}
	return false;
}

int jg__spreadsheetml_read(const void *data, size_t n, const jg_sheet_opts *opts,
			   const jg_sheet_limits *lim, jg_sheet_info *info, jg_sheet_cb cb,
			   void *payload, jg_err *err)
{
	static const XML_Memory_Handling_Suite mem = {jg_malloc, jg_realloc, jg_free};
	const XML_Char sep[2] = {NS_SEP, '\0'};
	const unsigned char *p = data;
	sml s = {0};
	jg_buf utf8;
	bool cp949 = false;
	size_t off = 0;
	int rc = 0;

	jg_buf_init(&utf8, lim->max_file > SIZE_MAX / 4 ? SIZE_MAX / 2 : (size_t)lim->max_file * 2);
	jg_buf_init(&s.text, lim->max_cell);
	/* A row's text: every column full at worst (spans share one copy). */
	jg_arena_init(&s.arena, lim->max_cell >= SIZE_MAX / 2 / lim->max_cols
				     ? SIZE_MAX / 2
				     : lim->max_cols * (lim->max_cell + 1) + 4096);
	s.opts = opts;
	s.lim = lim;
	s.info = info;
	s.cb = cb;
	s.payload = payload;
	s.err = err;

	/* A UTF-8 BOM settles it (expat skips the BOM itself); else a Korean declaration, or
	 * bytes that are not UTF-8 but are CP949. */
	if (!(n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) &&
	    (declares_korean(p, n) ||
	     (!jg_utf8_valid(data, n) && jg__charset_detect(data, n) == JG__CHARSET_CP949)))
		cp949 = true;
	snprintf(info->charset, sizeof(info->charset), "%s", cp949 ? "cp949" : "utf-8");
	if (cp949) {
		rc = jg__cp949_to_utf8(&utf8, data, n, err);
		if (rc)
			goto out;
		p = (const unsigned char *)jg_buf_str(&utf8);
		n = utf8.len;
	}
	/* Decoded text is UTF-8 whatever its declaration says; naming the encoding overrides
	 * the declaration. */
	s.p = XML_ParserCreate_MM(cp949 ? "UTF-8" : NULL, &mem, sep);
	if (!s.p) {
		rc = jg_err_set(err, JG_ENOMEM, "out of memory");
		goto out;
	}
	XML_SetUserData(s.p, &s);
	XML_SetElementHandler(s.p, on_start, on_end);
	XML_SetCharacterDataHandler(s.p, on_text);
	XML_SetStartDoctypeDeclHandler(s.p, on_doctype);
	XML_SetEntityDeclHandler(s.p, on_entity);
	XML_SetParamEntityParsing(s.p, XML_PARAM_ENTITY_PARSING_NEVER);
	do {
		size_t k = n - off < CHUNK ? n - off : CHUNK;
		bool last = off + k == n;

		if (XML_Parse(s.p, (const char *)p + off, (int)k, last) == XML_STATUS_ERROR) {
			if (s.rc || s.done)
				break;
			if (XML_GetErrorCode(s.p) == XML_ERROR_NO_MEMORY) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				goto out;
			}
			rc = jg_err_set_at(err, JG_EFORMAT, (int64_t)XML_GetCurrentLineNumber(s.p), 0,
					   "not well-formed XML at line %lu, column %lu: %s",
					   (unsigned long)XML_GetCurrentLineNumber(s.p),
					   (unsigned long)XML_GetCurrentColumnNumber(s.p) + 1,
					   XML_ErrorString(XML_GetErrorCode(s.p)));
			goto out;
		}
		off += k;
	} while (off < n && !s.rc && !s.done);
	rc = s.rc;
	if (rc)
		goto out;
	if (!s.found) {
		if (opts->sheet)
			rc = jg_err_set(err, JG_ENOTFOUND, "no worksheet named \"%s\"", opts->sheet);
		else
			rc = jg_err_set(err, JG_EFORMAT, "no Worksheet in the SpreadsheetML workbook");
	}
out:
	if (s.p)
		XML_ParserFree(s.p);
	jg_free(s.cells);
	jg_arena_free(&s.arena);
	jg_buf_free(&s.text);
	jg_buf_free(&utf8);
	return rc;
}
