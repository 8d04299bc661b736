/* SPDX-License-Identifier: MIT */
/*
 * The HTML-table reader. Korean seller centres often serve an HTML page named ".xls": one
 * big <table> of orders, sometimes after layout tables, in UTF-8 or CP949 (declared as
 * euc-kr or ks_c_5601-1987). The charset comes from a UTF-8 BOM, else a <meta> charset
 * declaration, else the bytes (UTF-8 when valid, else CP949); CP949 is decoded here with
 * charset.c and libxml2 always gets UTF-8, with the document's own declaration ignored.
 *
 * libxml2's HTML parser runs in SAX mode, twice, so that no document tree is ever built:
 * the first pass counts the rows of every table (at any nesting depth, each counting only
 * its own rows) and picks the one with the most rows, the earliest on a tie; the second
 * pass delivers that table's rows in document order (thead, tbody and tfoot alike). Spans
 * are expanded by copying the cell's text into every position it covers, colspan capped at
 * max_cols and rowspan at max_rows; a cell's text is its text content with runs of white
 * space (and no-break spaces) collapsed to one space, <br> kept as a newline, and the ends
 * trimmed. Text inside a nested table is part of the enclosing cell. Parsing never touches
 * the network (HTML_PARSE_NONET; entities are HTML's own).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include "readers.h"

#define MAX_TABLE_DEPTH 64      /* tables nested deeper are text of their enclosing cell */
#define META_WINDOW (64u << 10) /* bytes searched for a <meta> charset declaration */

#define PARSE_OPTIONS                                                                      \
	(HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER | \
	 HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC)

/* ---- charset ------------------------------------------------------------------------------ */

typedef enum label { LABEL_NONE = 0, LABEL_UTF8, LABEL_CP949, LABEL_OTHER } label;

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool eq_ci(const unsigned char *p, size_t n, const char *lit)
{
	return n == strlen(lit) && jg_ascii_starts_ci(p, n, lit);
}

/* The charset a label names: the WHATWG labels of UTF-8 and of EUC-KR (which browsers, like
 * us, decode as windows-949), or LABEL_OTHER. */
static label label_of(const unsigned char *s, size_t n)
{
	static const char *const utf8[] = {"utf-8", "utf8", "unicode-1-1-utf-8", NULL};
	static const char *const kr[] = {
		"euc-kr",    "ks_c_5601-1987", "ks_c_5601-1989", "x-windows-949", "windows-949",
		"cp949",     "ms949",          "uhc",            "ksc5601",       "ksc_5601",
		"korean",    "csksc56011987",  "cseuckr",        "iso-ir-149",    "x-euc-kr",
		NULL};

	while (n && is_ws(*s))
		s++, n--;
	while (n && is_ws(s[n - 1]))
		n--;
	if (n == 0)
		return LABEL_NONE;
	for (size_t i = 0; utf8[i]; i++)
		if (eq_ci(s, n, utf8[i]))
			return LABEL_UTF8;
	for (size_t i = 0; kr[i]; i++)
		if (eq_ci(s, n, kr[i]))
			return LABEL_CP949;
	return LABEL_OTHER;
}

/* The label after "charset=" in a content attribute ("text/html; charset=euc-kr"). */
static label content_charset(const unsigned char *v, size_t n)
{
	for (size_t i = 0; i + 7 <= n; i++) {
		size_t j, k;
		unsigned char q = 0;

		if (!jg_ascii_starts_ci(v + i, n - i, "charset"))
			continue;
		for (j = i + 7; j < n && is_ws(v[j]); j++)
			;
		if (j >= n || v[j] != '=')
			continue;
		for (j++; j < n && is_ws(v[j]); j++)
			;
		if (j < n && (v[j] == '"' || v[j] == '\''))
			q = v[j++];
		for (k = j; k < n && v[k] != ';' && (q ? v[k] != q : !is_ws(v[k])); k++)
			;
		return label_of(v + j, k - j);
	}
	return LABEL_NONE;
}

/*
 * Looks for a charset declaration in the <meta> tags of the first META_WINDOW bytes, the
 * way a browser's prescan does: <meta charset="...">, or <meta http-equiv="Content-Type"
 * content="...; charset=...">. Comments are skipped. The bytes are still undecoded, which
 * is fine: both candidate charsets are ASCII-compatible.
 */
static label meta_label(const unsigned char *p, size_t n)
{
	size_t end = n < META_WINDOW ? n : META_WINDOW;

	for (size_t i = 0; i < end; i++) {
		label cs = LABEL_NONE, ct = LABEL_NONE;
		bool pragma = false;
		size_t j;

		if (p[i] != '<')
			continue;
		if (jg_ascii_starts_ci(p + i, end - i, "<!--")) {
			for (j = i + 4; j + 3 <= end && memcmp(p + j, "-->", 3) != 0; j++)
				;
			if (j + 3 > end)
				break;
			i = j + 2;
			continue;
		}
		if (!jg_ascii_starts_ci(p + i, end - i, "<meta") || i + 5 >= end ||
		    !(is_ws(p[i + 5]) || p[i + 5] == '/'))
			continue;
		j = i + 5;
		for (;;) {
			size_t ns, nl, vs, vl = 0, start;

			while (j < end && (is_ws(p[j]) || p[j] == '/'))
				j++;
			if (j >= end || p[j] == '>')
				break;
			start = j;
			ns = j;
			while (j < end && !is_ws(p[j]) && p[j] != '=' && p[j] != '>' && p[j] != '/')
				j++;
			nl = j - ns;
			while (j < end && is_ws(p[j]))
				j++;
			vs = j;
			if (j < end && p[j] == '=') {
				for (j++; j < end && is_ws(p[j]); j++)
					;
				if (j < end && (p[j] == '"' || p[j] == '\'')) {
					unsigned char q = p[j++];

					vs = j;
					while (j < end && p[j] != q)
						j++;
					vl = j - vs;
					if (j < end)
						j++;
				} else {
					vs = j;
					while (j < end && !is_ws(p[j]) && p[j] != '>')
						j++;
					vl = j - vs;
				}
			}
			if (eq_ci(p + ns, nl, "charset"))
				cs = label_of(p + vs, vl);
			else if (eq_ci(p + ns, nl, "http-equiv"))
				pragma = eq_ci(p + vs, vl, "content-type");
			else if (eq_ci(p + ns, nl, "content"))
				ct = content_charset(p + vs, vl);
			if (j == start)
				j++; /* always make progress */
		}
		if (cs != LABEL_NONE)
			return cs;
		if (pragma && ct != LABEL_NONE)
			return ct;
		i = j < end ? j : end;
	}
	return LABEL_NONE;
}

/* ---- the table walker ------------------------------------------------------------------- */

/* The text of a rowspan, shared by every column the cell covers. */
typedef struct span_text {
	size_t refs;
	size_t len;
	char s[];
} span_text;

typedef struct span {
	int64_t left; /* rows below that still get this text */
	span_text *t;
} span;

typedef struct open_table {
	int64_t id;   /* document order of the start tag */
	int64_t rows; /* its own rows (pass 1) */
	bool in_row;
} open_table;

typedef struct html_rd {
	htmlParserCtxtPtr ctxt;
	const jg_sheet_limits *lim;
	jg_sheet_cb cb;
	void *payload;
	jg_err *err;
	int rc;
	int pass; /* 1: count rows per table; 2: deliver the chosen table */

	open_table stack[MAX_TABLE_DEPTH];
	int depth;        /* tables open on the stack */
	int64_t overflow; /* tables open beyond MAX_TABLE_DEPTH */
	int64_t next_id;
	int64_t best_id, best_rows;

	/* pass 2 */
	int64_t want_id;
	int active; /* the chosen table's depth (1-based) while it is open, else 0 */
	bool done;
	bool row_open, cell_open;
	int64_t rowno;
	size_t col; /* next column of the row to fill */
	int64_t cell_rowspan;
	size_t cell_colspan;
	jg_buf text;
	bool space; /* white space seen since the last text */
	jg_cell *cells;
	size_t ncells, cells_cap;
	span *spans;
	size_t nspans;
	jg_arena arena;
} html_rd;

static html_rd *rd_of(void *ctx)
{
	return ((htmlParserCtxtPtr)ctx)->_private;
}

/* Records the first failure and stops the parser; later callbacks do nothing. */
static void fail(html_rd *rd, int rc)
{
	if (!rd->rc)
		rd->rc = rc;
	if (rd->ctxt)
		xmlStopParser(rd->ctxt);
}

static bool tag_is(const xmlChar *name, const char *lit)
{
	return name && xmlStrcasecmp(name, (const xmlChar *)lit) == 0;
}

/* A span attribute: HTML's rules for non-negative integers (leading digits count, junk
 * after them is ignored), 1 when missing or zero, and at most `max`. */
static int64_t span_attr(const xmlChar **atts, const char *name, int64_t max)
{
	int64_t v = 0;
	const xmlChar *s = NULL;

	for (size_t i = 0; atts && atts[i]; i += 2)
		if (xmlStrcasecmp(atts[i], (const xmlChar *)name) == 0) {
			s = atts[i + 1];
			break;
		}
	if (!s)
		return 1;
	while (is_ws(*s))
		s++;
	if (*s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > max)
			return max;
	}
	return v < 1 ? 1 : v;
}

static void span_release(span_text *t)
{
	if (t && --t->refs == 0)
		jg_free(t);
}

/* Makes room for `n` cells in the row; the array never grows past max_cols. */
static int cells_reserve(html_rd *rd, size_t n)
{
	size_t cap;
	jg_cell *c;

	if (n <= rd->cells_cap)
		return 0;
	cap = rd->cells_cap ? rd->cells_cap : 16;
	while (cap < n)
		cap *= 2;
	if (cap > rd->lim->max_cols)
		cap = rd->lim->max_cols;
	c = jg_realloc(rd->cells, cap * sizeof(*c));
	if (!c)
		return jg_err_set(rd->err, JG_ENOMEM, "out of memory");
	rd->cells = c;
	rd->cells_cap = cap;
	return 0;
}

/* Puts text at column `c` (0-based) of the current row, filling any gap before it. */
static int put(html_rd *rd, size_t c, const char *s, size_t len)
{
	int rc;

	if (c >= rd->lim->max_cols)
		return jg_err_set_at(rd->err, JG_ELIMIT, rd->rowno + 1,
				     (int32_t)rd->lim->max_cols + 1,
				     "row %lld has more than %zu columns", (long long)rd->rowno + 1,
				     rd->lim->max_cols);
	rc = cells_reserve(rd, c + 1);
	if (rc)
		return rc;
	for (; rd->ncells < c; rd->ncells++)
		rd->cells[rd->ncells] = (jg_cell){JG_CELL_EMPTY, "", 0};
	rd->cells[c] = (jg_cell){len ? JG_CELL_TEXT : JG_CELL_EMPTY, s, len};
	if (c + 1 > rd->ncells)
		rd->ncells = c + 1;
	return 0;
}

/* Gives column `c` the text `t` for `rows` more rows (taking a reference). */
static int set_span(html_rd *rd, size_t c, span_text *t, int64_t rows)
{
	if (c >= rd->nspans) {
		size_t n = rd->nspans ? rd->nspans : 16;
		span *s;

		while (n <= c)
			n *= 2;
		if (n > rd->lim->max_cols)
			n = rd->lim->max_cols;
		s = jg_realloc(rd->spans, n * sizeof(*s));
		if (!s)
			return jg_err_set(rd->err, JG_ENOMEM, "out of memory");
		memset(s + rd->nspans, 0, (n - rd->nspans) * sizeof(*s));
		rd->spans = s;
		rd->nspans = n;
	}
	span_release(rd->spans[c].t);
	t->refs++;
	rd->spans[c].t = t;
	rd->spans[c].left = rows;
	return 0;
}

/* Fills column `c` from the rowspan above it, if one covers it; returns whether it did. */
static int fill_from_span(html_rd *rd, size_t c, bool *filled)
{
	span *sp;
	int rc;

	*filled = false;
	if (c >= rd->nspans || rd->spans[c].left <= 0)
		return 0;
	sp = &rd->spans[c];
	rc = put(rd, c, sp->t->s, sp->t->len);
	if (rc)
		return rc;
	sp->left--;
	*filled = true;
	return 0;
}

static void begin_row(html_rd *rd)
{
	rd->row_open = true;
	rd->col = 0;
	rd->ncells = 0;
	jg_arena_reset(&rd->arena);
}

/* Ends the row: columns to the right still covered by rowspans are filled, the row number
 * advances, and the row is delivered unless every cell is empty. */
static int end_row(html_rd *rd)
{
	bool any = false, filled;
	int rc;

	for (size_t c = rd->col; c < rd->nspans; c++) {
		rc = fill_from_span(rd, c, &filled);
		if (rc)
			return rc;
	}
	rd->row_open = false;
	rd->rowno++;
	for (size_t i = 0; i < rd->ncells && !any; i++)
		any = rd->cells[i].len > 0;
	if (any) {
		jg_sheet_row row = {rd->rowno, rd->cells, rd->ncells};

		rc = rd->cb(&row, rd->payload);
		if (rc)
			return rc;
	}
	return 0;
}

static void begin_cell(html_rd *rd, const xmlChar **atts)
{
	int64_t maxc = rd->lim->max_cols > (size_t)INT64_MAX ? INT64_MAX
							      : (int64_t)rd->lim->max_cols;

	rd->cell_colspan = (size_t)span_attr(atts, "colspan", maxc);
	rd->cell_rowspan = span_attr(atts, "rowspan", rd->lim->max_rows);
	jg_buf_reset(&rd->text);
	rd->space = false;
	rd->cell_open = true;
}

/* Ends the cell: trims its text and places it in every column it spans, skipping the
 * columns that rowspans from above already hold. */
static int end_cell(html_rd *rd)
{
	const char *p = jg_buf_str(&rd->text);
	size_t len = rd->text.len, c;
	span_text *t = NULL;
	char *s;
	bool filled = true;
	int rc = 0;

	rd->cell_open = false;
	while (len && (*p == '\n' || *p == ' '))
		p++, len--;
	while (len && (p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	s = jg_arena_strndup(&rd->arena, p, len);
	if (!s)
		return jg_err_set(rd->err, JG_ENOMEM, "out of memory");
	while (filled) {
		rc = fill_from_span(rd, rd->col, &filled);
		if (rc)
			return rc;
		if (filled)
			rd->col++;
	}
	if (rd->cell_rowspan > 1) {
		t = jg_malloc(sizeof(*t) + len + 1);
		if (!t)
			return jg_err_set(rd->err, JG_ENOMEM, "out of memory");
		t->refs = 1; /* ours until the loop is done */
		t->len = len;
		memcpy(t->s, s, len);
		t->s[len] = '\0';
	}
	for (size_t k = 0; k < rd->cell_colspan; k++) {
		c = rd->col + k;
		rc = put(rd, c, s, len);
		if (rc)
			goto out;
		if (c < rd->nspans && rd->spans[c].left > 0)
			rd->spans[c].left--; /* overlapping spans: this cell wins the position */
		if (t) {
			rc = set_span(rd, c, t, rd->cell_rowspan - 1);
			if (rc)
				goto out;
		}
	}
	rd->col += rd->cell_colspan;
out:
	span_release(t);
	return rc;
}

/* Appends character data to the open cell, collapsing white space. */
static int add_text(html_rd *rd, const unsigned char *s, size_t n)
{
	size_t i = 0;
	int rc;

	while (i < n) {
		size_t j;

		if (is_ws(s[i])) {
			rd->space = true;
			i++;
			continue;
		}
		if (s[i] == 0xc2 && i + 1 < n && s[i + 1] == 0xa0) { /* U+00A0, &nbsp; */
			rd->space = true;
			i += 2;
			continue;
		}
		for (j = i; j < n && !is_ws(s[j]) && !(s[j] == 0xc2 && j + 1 < n && s[j + 1] == 0xa0);
		     j++)
			;
		if (rd->space && rd->text.len && rd->text.p[rd->text.len - 1] != '\n') {
			rc = jg_buf_append(&rd->text, " ", 1);
			if (rc)
				goto fail;
		}
		rd->space = false;
		rc = jg_buf_append(&rd->text, s + i, j - i);
		if (rc)
			goto fail;
		i = j;
	}
	return 0;
fail:
	if (rc == JG_ELIMIT)
		return jg_err_set_at(rd->err, JG_ELIMIT, rd->rowno + 1, (int32_t)rd->col + 1,
				     "row %lld, column %zu: a cell holds more than %zu bytes",
				     (long long)rd->rowno + 1, rd->col + 1, rd->lim->max_cell);
	return jg_err_set(rd->err, rc, "out of memory");
}

static int add_newline(html_rd *rd)
{
	int rc;

	rd->space = false;
	rc = jg_buf_append(&rd->text, "\n", 1);
	if (rc == JG_ELIMIT)
		return jg_err_set_at(rd->err, JG_ELIMIT, rd->rowno + 1, (int32_t)rd->col + 1,
				     "row %lld, column %zu: a cell holds more than %zu bytes",
				     (long long)rd->rowno + 1, rd->col + 1, rd->lim->max_cell);
	if (rc)
		return jg_err_set(rd->err, rc, "out of memory");
	return 0;
}

/* ---- SAX callbacks ------------------------------------------------------------------------ */

static void on_table_start(html_rd *rd)
{
	open_table *t;

	if (rd->overflow || rd->depth >= MAX_TABLE_DEPTH) {
		rd->overflow++;
		return;
	}
	t = &rd->stack[rd->depth++];
	t->id = rd->next_id++;
	t->rows = 0;
	t->in_row = false;
	if (rd->pass == 2 && t->id == rd->want_id)
		rd->active = rd->depth;
}

static void on_table_end(html_rd *rd)
{
	open_table *t;
	int rc = 0;

	if (rd->overflow) {
		rd->overflow--;
		if (rd->cell_open)
			rd->space = true;
		return;
	}
	if (rd->depth == 0)
		return;
	t = &rd->stack[--rd->depth];
	if (rd->pass == 1) {
		if (rd->best_id < 0 || t->rows > rd->best_rows ||
		    (t->rows == rd->best_rows && t->id < rd->best_id)) {
			rd->best_id = t->id;
			rd->best_rows = t->rows;
		}
		return;
	}
	if (rd->active && rd->depth + 1 == rd->active) {
		if (rd->cell_open)
			rc = end_cell(rd);
		if (!rc && rd->row_open)
			rc = end_row(rd);
		rd->active = 0;
		rd->done = true;
		fail(rd, rc); /* stops the parser; rc 0 records nothing */
	} else if (rd->cell_open) {
		rd->space = true; /* a nested table ended inside the cell */
	}
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	html_rd *rd = rd_of(ctx);
	bool own, cell, row;
	int rc = 0;

	if (rd->rc || rd->done)
		return;
	if (tag_is(name, "table")) {
		on_table_start(rd);
		return;
	}
	if (rd->depth == 0)
		return;
	own = rd->overflow == 0; /* the element belongs to the innermost tracked table */
	cell = tag_is(name, "td") || tag_is(name, "th");
	row = tag_is(name, "tr");
	if (rd->pass == 1) {
		open_table *t = &rd->stack[rd->depth - 1];

		if (own && (row || (cell && !t->in_row))) {
			t->rows++;
			t->in_row = true;
		}
		return;
	}
	if (!rd->active)
		return;
	if (own && rd->depth == rd->active) {
		if (row) {
			if (rd->cell_open)
				rc = end_cell(rd);
			if (!rc && rd->row_open)
				rc = end_row(rd);
			if (!rc)
				begin_row(rd);
		} else if (cell) {
			if (rd->cell_open)
				rc = end_cell(rd);
			if (!rc && !rd->row_open)
				begin_row(rd);
			if (!rc)
				begin_cell(rd, atts);
		} else if (rd->cell_open && tag_is(name, "br")) {
			rc = add_newline(rd);
		}
	} else if (rd->cell_open) {
		if (tag_is(name, "br"))
			rc = add_newline(rd);
		else if (cell || row)
			rd->space = true; /* cells of a nested table are separated */
	}
	if (rc)
		fail(rd, rc);
}

static void on_end(void *ctx, const xmlChar *name)
{
	html_rd *rd = rd_of(ctx);
	bool own, cell, row;
	int rc = 0;

	if (rd->rc || rd->done)
		return;
	if (tag_is(name, "table")) {
		on_table_end(rd);
		return;
	}
	if (rd->depth == 0)
		return;
	own = rd->overflow == 0;
	cell = tag_is(name, "td") || tag_is(name, "th");
	row = tag_is(name, "tr");
	if (rd->pass == 1) {
		if (own && row)
			rd->stack[rd->depth - 1].in_row = false;
		return;
	}
	if (!rd->active)
		return;
	if (own && rd->depth == rd->active) {
		if ((cell || row) && rd->cell_open)
			rc = end_cell(rd);
		if (!rc && row && rd->row_open)
			rc = end_row(rd);
	} else if (rd->cell_open && (cell || row)) {
		rd->space = true;
	}
	if (rc)
		fail(rd, rc);
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
	html_rd *rd = rd_of(ctx);
	int rc;

	if (rd->rc || rd->done || rd->pass != 2 || !rd->cell_open || len <= 0)
		return;
	rc = add_text(rd, ch, (size_t)len);
	if (rc)
		fail(rd, rc);
}

/* Script and style content: not text. */
static void on_cdata(void *ctx, const xmlChar *ch, int len)
{
	(void)ctx, (void)ch, (void)len;
}

/* Runs one pass of the SAX parser over the UTF-8 document. */
static int run_pass(html_rd *rd, const char *text, size_t n)
{
	htmlParserCtxtPtr ctxt;
	htmlDocPtr doc;
	int rc = 0;

	ctxt = htmlNewParserCtxt();
	if (!ctxt || !ctxt->sax) {
		htmlFreeParserCtxt(ctxt);
		return jg_err_set(rd->err, JG_ENOMEM, "out of memory");
	}
	memset(ctxt->sax, 0, sizeof(*ctxt->sax));
	ctxt->sax->startElement = on_start;
	ctxt->sax->endElement = on_end;
	ctxt->sax->characters = on_text;
	ctxt->sax->ignorableWhitespace = on_text;
	ctxt->sax->cdataBlock = on_cdata;
	ctxt->_private = rd;
	rd->ctxt = ctxt;
	rd->depth = 0;
	rd->overflow = 0;
	rd->next_id = 0;
	doc = htmlCtxtReadMemory(ctxt, text, (int)n, NULL, "UTF-8", PARSE_OPTIONS);
	if (doc)
		xmlFreeDoc(doc); /* not expected: no callback builds a tree */
	rd->ctxt = NULL;
	htmlFreeParserCtxt(ctxt);
	/* Tables left open at the end (should libxml2 not have closed them). */
	while (!rd->rc && !rd->done && rd->depth > 0) {
		rd->overflow = 0;
		on_table_end(rd);
	}
	if (rd->rc)
		rc = rd->rc;
	return rc;
}

int jg__html_read(const void *data, size_t n, const jg_sheet_limits *lim, jg_sheet_info *info,
		  jg_sheet_cb cb, void *payload, jg_err *err)
{
	const unsigned char *p = data;
	html_rd rd = {0};
	jg_buf utf8;
	const char *text;
	size_t len = n;
	bool cp949 = false;
	int rc;

	/* CP949 takes at most 2 bytes for what UTF-8 spells in 3. */
	jg_buf_init(&utf8, lim->max_file > SIZE_MAX / 4 ? SIZE_MAX / 2 : (size_t)lim->max_file * 2);
	jg_buf_init(&rd.text, lim->max_cell);
	/* A row's text: every column full at worst (spans share one copy). */
	jg_arena_init(&rd.arena, lim->max_cell >= SIZE_MAX / 2 / lim->max_cols
				     ? SIZE_MAX / 2
				     : lim->max_cols * (lim->max_cell + 1) + 4096);
	rd.lim = lim;
	rd.cb = cb;
	rd.payload = payload;
	rd.err = err;
	rd.best_id = -1;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		len -= 3;
		if (!jg_utf8_valid((const char *)p, len)) {
			rc = jg_err_set(err, JG_EFORMAT,
					"the file starts with a UTF-8 byte order mark but is not "
					"valid UTF-8");
			goto out;
		}
	} else if (meta_label(p, len) == LABEL_CP949) {
		/* Declared CP949: decoded as such, unless the bytes cannot be CP949 and are
		 * UTF-8 (a template's stale declaration over a UTF-8 page). */
		cp949 = true;
		rc = jg__cp949_to_utf8(&utf8, p, len, NULL);
		if (rc == JG_EFORMAT && jg_utf8_valid((const char *)p, len)) {
			cp949 = false;
			rc = 0;
		} else if (rc) {
			jg_buf_reset(&utf8);
			rc = jg__cp949_to_utf8(&utf8, p, len, err); /* again, to say why */
			goto out;
		}
	} else if (!jg_utf8_valid((const char *)p, len)) {
		cp949 = true;
		rc = jg__cp949_to_utf8(&utf8, p, len, err);
		if (rc)
			goto out;
	}
	snprintf(info->charset, sizeof(info->charset), "%s", cp949 ? "cp949" : "utf-8");
	if (cp949) {
		text = jg_buf_str(&utf8);
		len = utf8.len;
	} else {
		text = (const char *)p;
	}
	if (len > INT_MAX) {
		rc = jg_err_set(err, JG_ELIMIT, "an HTML document larger than %d bytes", INT_MAX);
		goto out;
	}
	if (len == 0) {
		rc = jg_err_set(err, JG_EFORMAT, "the HTML document is empty");
		goto out;
	}

	rd.pass = 1;
	rc = run_pass(&rd, text, len);
	if (rc)
		goto out;
	if (rd.best_id < 0) {
		rc = jg_err_set(err, JG_EFORMAT, "no <table> in the HTML document");
		goto out;
	}
	rd.pass = 2;
	rd.want_id = rd.best_id;
	rc = run_pass(&rd, text, len);
out:
	for (size_t i = 0; i < rd.nspans; i++)
		span_release(rd.spans[i].t);
	jg_free(rd.spans);
	jg_free(rd.cells);
	jg_arena_free(&rd.arena);
	jg_buf_free(&rd.text);
	jg_buf_free(&utf8);
	return rc;
}
