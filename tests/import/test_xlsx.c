/* SPDX-License-Identifier: MIT */
/*
 * Tests of the xlsx reader through the public jg_sheet_read_file/jg_sheet_read_mem, so the
 * dispatcher (sniffing, NFC, caps on rows and columns) is covered too. Realistic fixtures
 * are written at test time by libxlsxwriter, a real writer: a Korean order file with a title
 * line above the header, decomposed (NFD) Korean text built with the Hangul arithmetic of
 * Unicode 3.12, phone numbers stored as numbers, dates in built-in, custom and Korean
 * formats, rich strings, formula results, booleans, inline strings (constant_memory mode),
 * several and hidden sheets. What libxlsxwriter cannot write (the 1904 date system,
 * phonetic runs, escapes, prefixed XML, odd part names) is made by patching or by writing
 * the parts with libzip. The adversarial files (a zip bomb, a zip whose headers lie, a
 * billion-laughs DOCTYPE, huge cells and tokens, malformed XML) must fail with the right
 * code, quickly, and with the place of the failure.
 *
 * The worksheet is read by a tokenizer of our own (src/import/xlsx_sheet.c), not expat, so
 * the tests also read workbooks both ways, expat and the tokenizer fed from 1 byte to 64 KiB
 * at a time, and require the same rows and codes (read_both); and they check the
 * dispatcher's shortcut past utf8proc for text that is NFC already, code point by code
 * point against utf8proc.
 */
#define _GNU_SOURCE /* wait4 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <utf8proc.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "import/xlsx_sheet.h"
#include "jaego/sheet.h"
#include "support.h"

static char *dir;

/* ---- rows collected from the reader -------------------------------------------------------- */

typedef struct g_cell {
	jg_cell_type type;
	char *text;
} g_cell;

typedef struct g_row {
	int64_t row;
	size_t n;
	g_cell *cells;
} g_row;

typedef struct grid {
	g_row *rows;
	size_t n, cap;
	int64_t stop_at; /* return 42 from the callback at this row (0: never) */
} grid;

static void grid_free(grid *g)
{
	for (size_t i = 0; i < g->n; i++) {
		for (size_t k = 0; k < g->rows[i].n; k++)
			jg_free(g->rows[i].cells[k].text);
		jg_free(g->rows[i].cells);
	}
	jg_free(g->rows);
	memset(g, 0, sizeof(*g));
}

/* Copies each row (with jg_malloc, so the allocation-failure test covers it as well) after
 * checking what the interface promises about it. */
static int collect(const jg_sheet_row *r, void *payload)
{
	grid *g = payload;
	g_row *row;

	if (r->n == 0 || (g->n && r->row <= g->rows[g->n - 1].row))
		fail_msg("row %lld delivered out of order or empty", (long long)r->row);
	if (g->n == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 16;
		g_row *p = jg_realloc(g->rows, ncap * sizeof(*p));

		if (!p)
			return JG_ENOMEM;
		g->rows = p;
		g->cap = ncap;
	}
	row = &g->rows[g->n];
	row->row = r->row;
	row->n = 0;
	row->cells = jg_calloc(r->n, sizeof(*row->cells));
	if (!row->cells)
		return JG_ENOMEM;
	g->n++;
	for (size_t i = 0; i < r->n; i++) {
		const jg_cell *c = &r->cells[i];

		if (!c->text || strlen(c->text) != c->len)
			fail_msg("row %lld, cell %zu: text and len disagree", (long long)r->row, i);
		if ((c->type == JG_CELL_EMPTY) != (c->len == 0))
			fail_msg("row %lld, cell %zu: empty type and length disagree",
				 (long long)r->row, i);
		row->cells[i].type = c->type;
		row->cells[i].text = jg_strndup(c->text, c->len);
		row->n++;
		if (!row->cells[i].text)
			return JG_ENOMEM;
	}
	if (g->stop_at && r->row == g->stop_at)
		return 42;
	return 0;
}

static const g_row *row_at(const grid *g, int64_t row)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->rows[i].row == row)
			return &g->rows[i];
	return NULL;
}

static const char *type_name(jg_cell_type t)
{
	static const char *names[] = {"EMPTY", "TEXT", "NUMBER", "DATE", "BOOL", "ERROR"};

	return (unsigned)t < 6 ? names[t] : "?";
}

/* Asserts the cell at (row, col), both 1-based. */
#define CHECK_CELL(g, row, col, type, text) cell_is(g, row, col, type, text, __LINE__)
static void cell_is(const grid *g, int64_t row, size_t col, jg_cell_type type, const char *text,
		    int line)
{
	const g_row *r = row_at(g, row);
	const g_cell *c;

	if (!r)
		fail_msg("line %d: row %lld was not delivered", line, (long long)row);
	if (col > r->n) {
		if (type == JG_CELL_EMPTY)
			return;
		fail_msg("line %d: row %lld has %zu cells, wanted column %zu", line, (long long)row,
			 r->n, col);
	}
	c = &r->cells[col - 1];
	if (c->type != type || strcmp(c->text, text) != 0)
		fail_msg("line %d: row %lld column %zu is %s \"%s\", want %s \"%s\"", line,
			 (long long)row, col, type_name(c->type), c->text, type_name(type), text);
}

static int read_file(const char *path, const jg_sheet_opts *o, jg_sheet_info *info, grid *g,
		     jg_err *err)
{
	jg_err_clear(err);
	memset(info, 0, sizeof(*info));
	return jg_sheet_read_file(path, o, info, collect, g, err);
}

/* ---- fixtures ---------------------------------------------------------------------------- */

static char *path_of(const char *name)
{
	return t_path(dir, name);
}

/* Decomposes the precomposed Hangul syllables of `s` (NFD, as a Mac writes Korean); other
 * characters are copied. Owned by the caller. */
static char *nfd(const char *s)
{
	size_t n = strlen(s);
	char *out = jg_malloc(n * 3 + 1), *w = out;
	const unsigned char *p = (const unsigned char *)s;

	assert_non_null(out);
	while (*p) {
		uint32_t cp;

		if ((p[0] & 0xf0) == 0xe0 && p[1] && p[2]) {
			cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
			     (uint32_t)(p[2] & 0x3f);
			if (cp >= 0xac00 && cp < 0xac00 + 11172) {
				uint32_t si = cp - 0xac00, parts[3], k = 2;

				parts[0] = 0x1100 + si / 588;
				parts[1] = 0x1161 + si % 588 / 28;
				parts[2] = 0x11a7 + si % 28;
				if (si % 28)
					k = 3;
				for (uint32_t j = 0; j < k; j++) {
					*w++ = (char)(0xe0 | parts[j] >> 12);
					*w++ = (char)(0x80 | (parts[j] >> 6 & 0x3f));
					*w++ = (char)(0x80 | (parts[j] & 0x3f));
				}
				p += 3;
				continue;
			}
		}
		*w++ = (char)*p++;
	}
	*w = '\0';
	return out;
}

/* The content of one zip entry (owned by the caller), or NULL when it is absent. */
static char *zip_get(const char *path, const char *entry, size_t *n_out)
{
	int ze = 0;
	zip_t *za = zip_open(path, ZIP_RDONLY, &ze);
	zip_stat_t st;
	zip_file_t *f;
	char *buf;

	assert_non_null(za);
	if (zip_stat(za, entry, 0, &st) != 0) {
		zip_discard(za);
		return NULL;
	}
	buf = jg_malloc(st.size + 1);
	assert_non_null(buf);
	f = zip_fopen(za, entry, 0);
	assert_non_null(f);
	assert_int_equal(zip_fread(f, buf, st.size), (zip_int64_t)st.size);
	buf[st.size] = '\0';
	zip_fclose(f);
	zip_discard(za);
	if (n_out)
		*n_out = st.size;
	return buf;
}

/* Replaces (or adds) one entry of an existing zip. */
static void zip_put(const char *path, const char *entry, const void *data, size_t n)
{
	int ze = 0;
	zip_t *za = zip_open(path, 0, &ze);
	zip_source_t *src;

	assert_non_null(za);
	src = zip_source_buffer(za, data, n, 0);
	assert_non_null(src);
	assert_true(zip_file_add(za, entry, src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) >= 0);
	assert_int_equal(zip_close(za), 0);
}

/* `s` with the first `from` replaced by `to` (owned by the caller); fails if absent. */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t a, nf = strlen(from), nt = strlen(to), ns = strlen(s);
	char *out;

	if (!at)
		fail_msg("fixture: \"%s\" not found", from);
	a = (size_t)(at - s);
	out = jg_malloc(ns - nf + nt + 1);
	assert_non_null(out);
	memcpy(out, s, a);
	memcpy(out + a, to, nt);
	memcpy(out + a + nt, at + nf, ns - a - nf + 1);
	return out;
}

typedef struct part {
	const char *name;
	const char *data;
	size_t n; /* 0: strlen(data) */
} part;

/* Writes a zip of the given parts with libzip (deflated). */
static void make_zip(const char *path, const part *parts, size_t np)
{
	int ze = 0;
	zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);

	assert_non_null(za);
	for (size_t i = 0; i < np; i++) {
		size_t n = parts[i].n ? parts[i].n : strlen(parts[i].data);
		zip_source_t *src = zip_source_buffer(za, parts[i].data, n, 0);

		assert_non_null(src);
		assert_true(zip_file_add(za, parts[i].name, src, ZIP_FL_ENC_UTF_8) >= 0);
	}
	assert_int_equal(zip_close(za), 0);
}

#define NS_MAIN  "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL   "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define REL_TYPE "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char content_types[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
	"xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default "
	"Extension=\"xml\" ContentType=\"application/xml\"/></Types>";
static const char root_rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
	"xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
	"Id=\"rId1\" Type=\"" REL_TYPE "officeDocument\" Target=\"xl/workbook.xml\"/>"
	"</Relationships>";
static const char book_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"" NS_MAIN
	"\" xmlns:r=\"" NS_REL
	"\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char book_rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
	"xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
	"Id=\"rId1\" Type=\"" REL_TYPE "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"" REL_TYPE "sharedStrings\" "
	"Target=\"sharedStrings.xml\"/></Relationships>";

/* A minimal workbook with one sheet whose part is `sheet_xml` (length `n`, 0: strlen) and
 * shared strings `sst_xml` (NULL: none). */
static void hand_book(const char *path, const char *sheet_xml, size_t n, const char *sst_xml)
{
	part parts[] = {
		{"[Content_Types].xml", content_types, 0},
		{"_rels/.rels", root_rels, 0},
		{"xl/workbook.xml", book_xml, 0},
		{"xl/_rels/workbook.xml.rels", book_rels, 0},
		{"xl/worksheets/sheet1.xml", sheet_xml, n},
		{"xl/sharedStrings.xml", sst_xml ? sst_xml : "", 0},
	};

	make_zip(path, parts, sst_xml ? 6 : 5);
}

static const char *sheet_head =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"" NS_MAIN "\"><sheetData>";
static const char *sheet_tail = "</sheetData></worksheet>";

/* A sheet part around `rows` (owned by the caller). */
static char *sheet_of(const char *rows)
{
	size_t n = strlen(sheet_head) + strlen(rows) + strlen(sheet_tail) + 1;
	char *s = jg_malloc(n);

	assert_non_null(s);
	snprintf(s, n, "%s%s%s", sheet_head, rows, sheet_tail);
	return s;
}

/* ---- the Korean order file ----------------------------------------------------------------- */

static const char *order_headers[] = {"상품주문번호", "수취인명",    "수취인연락처1", "상품명",
				      "옵션정보",     "수량",        "결제일",        "발송기한",
				      "배송메세지",   "정산예정금액"};

/* SmartStore-like: a title line, the header on row 2 in the channel's own order, NFD text
 * (as downloaded on a Mac), a phone stored as a number, dates with built-in and custom
 * formats, a blank row 5. */
static void write_orders(const char *path, bool constant_memory)
{
	lxw_workbook_options o = {.constant_memory = constant_memory, .tmpdir = dir};
	lxw_workbook *wb = workbook_new_opt(path, &o);
	lxw_worksheet *ws;
	lxw_format *dt, *day, *won;
	char *name1 = nfd("홍길동"), *name2 = nfd("김영희"), *item = nfd("무선 이어폰 프로");
	char *opt = nfd("색상: 블랙 / 사이즈: L"), *msg = nfd("문 앞에 놓아주세요");

	assert_non_null(wb);
	assert_string_not_equal(name1, "홍길동"); /* really decomposed */
	ws = workbook_add_worksheet(wb, "발주발송관리");
	dt = workbook_add_format(wb);
	format_set_num_format_index(dt, 22); /* m/d/yy h:mm */
	day = workbook_add_format(wb);
	format_set_num_format(day, "yyyy-mm-dd");
	won = workbook_add_format(wb);
	format_set_num_format(won, "#,##0\"원\"");
	worksheet_write_string(ws, 0, 0, "스마트스토어 발주발송관리 (2024.03.01 다운로드)", NULL);
	for (lxw_col_t c = 0; c < 10; c++)
		worksheet_write_string(ws, 1, c, order_headers[c], NULL);
	worksheet_write_string(ws, 2, 0, "2024030112345601", NULL);
	worksheet_write_string(ws, 2, 1, name1, NULL);
	worksheet_write_number(ws, 2, 2, 1012345678, NULL);
	worksheet_write_string(ws, 2, 3, item, NULL);
	worksheet_write_string(ws, 2, 4, opt, NULL);
	worksheet_write_number(ws, 2, 5, 2, NULL);
	worksheet_write_number(ws, 2, 6, 45352.604166666664, dt);
	worksheet_write_number(ws, 2, 7, 45355, day);
	worksheet_write_string(ws, 2, 8, msg, NULL);
	worksheet_write_number(ws, 2, 9, 25800, won);
	worksheet_write_string(ws, 3, 0, "2024030112345602", NULL);
	worksheet_write_string(ws, 3, 1, name2, NULL);
	worksheet_write_number(ws, 3, 2, 1098765432, NULL);
	worksheet_write_string(ws, 3, 3, item, NULL);
	worksheet_write_number(ws, 3, 5, 1, NULL);
	worksheet_write_number(ws, 3, 6, 45351.37855324074, dt);
	/* row 5 stays blank; row 6 has a gap in the middle */
	worksheet_write_string(ws, 5, 0, "2024030112345603", NULL);
	worksheet_write_number(ws, 5, 9, 0.5, NULL);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	jg_free(name1);
	jg_free(name2);
	jg_free(item);
	jg_free(opt);
	jg_free(msg);
}

static void check_orders(const grid *g)
{
	assert_int_equal(g->n, 5);
	CHECK_CELL(g, 1, 1, JG_CELL_TEXT, "스마트스토어 발주발송관리 (2024.03.01 다운로드)");
	CHECK_CELL(g, 1, 2, JG_CELL_EMPTY, "");
	for (size_t c = 0; c < 10; c++)
		CHECK_CELL(g, 2, c + 1, JG_CELL_TEXT, order_headers[c]);
	CHECK_CELL(g, 3, 1, JG_CELL_TEXT, "2024030112345601");
	CHECK_CELL(g, 3, 2, JG_CELL_TEXT, "홍길동");       /* NFC again */
	CHECK_CELL(g, 3, 3, JG_CELL_NUMBER, "1012345678"); /* as written, not 1.012345678E9 */
	CHECK_CELL(g, 3, 4, JG_CELL_TEXT, "무선 이어폰 프로");
	CHECK_CELL(g, 3, 5, JG_CELL_TEXT, "색상: 블랙 / 사이즈: L");
	CHECK_CELL(g, 3, 6, JG_CELL_NUMBER, "2");
	CHECK_CELL(g, 3, 7, JG_CELL_DATE, "2024-03-01 14:30:00");
	CHECK_CELL(g, 3, 8, JG_CELL_DATE, "2024-03-04");
	CHECK_CELL(g, 3, 9, JG_CELL_TEXT, "문 앞에 놓아주세요");
	CHECK_CELL(g, 3, 10, JG_CELL_NUMBER, "25800"); /* a currency format is not a date */
	CHECK_CELL(g, 4, 3, JG_CELL_NUMBER, "1098765432");
	CHECK_CELL(g, 4, 5, JG_CELL_EMPTY, "");
	CHECK_CELL(g, 4, 7, JG_CELL_DATE, "2024-02-29 09:05:07");
	assert_int_equal(row_at(g, 4)->n, 7); /* no trailing empties */
	assert_null(row_at(g, 5));
	CHECK_CELL(g, 6, 1, JG_CELL_TEXT, "2024030112345603");
	for (size_t c = 2; c < 10; c++)
		CHECK_CELL(g, 6, c, JG_CELL_EMPTY, "");
	CHECK_CELL(g, 6, 10, JG_CELL_NUMBER, "0.5");
}

static void test_korean_orders(void **state)
{
	char *p = path_of("orders.xlsx");
	char *sheet;
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	write_orders(p, false);
	sheet = zip_get(p, "xl/worksheets/sheet1.xml", NULL);
	assert_non_null(strstr(sheet, "t=\"s\"")); /* shared strings, as Excel writes */
	jg_free(sheet);
	if (read_file(p, NULL, &info, &g, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(info.format, JG_FORMAT_XLSX);
	assert_string_equal(info.sheet, "발주발송관리");
	assert_false(info.date1904);
	assert_int_equal(info.rows, 5);
	check_orders(&g);
	grid_free(&g);
	jg_free(p);
}

/* The same workbook from memory, and with libxlsxwriter's constant_memory mode, which writes
 * every string inline (t="inlineStr") instead of in the shared-string table. */
static void test_inline_strings_and_memory(void **state)
{
	char *p = path_of("orders-inline.xlsx");
	char *sheet;
	size_t n;
	jg_sheet_info info;
	jg_err err = {0};
	grid g = {0};
	char *data;

	(void)state;
	write_orders(p, true);
	sheet = zip_get(p, "xl/worksheets/sheet1.xml", NULL);
	assert_non_null(strstr(sheet, "t=\"inlineStr\""));
	assert_null(strstr(sheet, "t=\"s\""));
	jg_free(sheet);
	data = zip_get(p, "xl/sharedStrings.xml", NULL);
	assert_null(data);
	{
		FILE *f = fopen(p, "rb");

		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		n = (size_t)ftell(f);
		fseek(f, 0, SEEK_SET);
		data = jg_malloc(n);
		assert_non_null(data);
		assert_int_equal(fread(data, 1, n, f), n);
		fclose(f);
	}
	if (jg_sheet_read_mem(data, n, "inline.xlsx", NULL, &info, collect, &g, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(info.format, JG_FORMAT_XLSX);
	check_orders(&g);
	grid_free(&g);
	jg_free(data);
	jg_free(p);
}

/* ---- dates --------------------------------------------------------------------------------- */

static const struct date_case {
	int id;           /* built-in format id, when code is NULL */
	const char *code; /* custom format code */
	double v;
	jg_cell_type type;
	const char *want;
} date_cases[] = {
	{14, NULL, 45352, JG_CELL_DATE, "2024-03-01"},
	{22, NULL, 45352.604166666664, JG_CELL_DATE, "2024-03-01 14:30:00"},
	{0, "yyyy-mm-dd hh:mm:ss", 45291.99998842592, JG_CELL_DATE, "2023-12-31 23:59:59"},
	{0, "yyyy\"년\" m\"월\" d\"일\"", 45352, JG_CELL_DATE, "2024-03-01"},
	{0, "[$-412]yyyy\"년\" mm\"월\" dd\"일\" dddd", 45351.37855324074, JG_CELL_DATE,
	 "2024-02-29 09:05:07"},
	{0, "[$-412]AM/PM h:mm", 0.75, JG_CELL_DATE, "1899-12-31 18:00:00"},
	{0, "[Red]yy/mm/dd;@", 45352, JG_CELL_DATE, "2024-03-01"},
	/* East Asian built-ins that Korean Excel writes */
	{27, NULL, 45352, JG_CELL_DATE, "2024-03-01"},
	{31, NULL, 45352, JG_CELL_DATE, "2024-03-01"},
	{36, NULL, 45352, JG_CELL_DATE, "2024-03-01"},
	{50, NULL, 45352, JG_CELL_DATE, "2024-03-01"},
	{57, NULL, 45352, JG_CELL_DATE, "2024-03-01"},
	{58, NULL, 45352.5, JG_CELL_DATE, "2024-03-01 12:00:00"},
	{45, NULL, 0.5, JG_CELL_DATE, "1899-12-31 12:00:00"},
	/* not dates */
	{0, "#,##0\"원\"", 12900, JG_CELL_NUMBER, "12900"},
	{0, "[h]:mm", 1.5, JG_CELL_NUMBER, "1.5"},
	{0, "\"dmy hs\"0", 5, JG_CELL_NUMBER, "5"},
	{0, "\\d0", 6, JG_CELL_NUMBER, "6"},
	{0, "[Red]0;[Blue]-0", 7, JG_CELL_NUMBER, "7"},
	{0, "0.00E+00", 12345, JG_CELL_NUMBER, "12345"},
	{26, NULL, 45352, JG_CELL_NUMBER, "45352"},
	{37, NULL, 45352, JG_CELL_NUMBER, "45352"},
	/* Excel's 1900 leap-year bug and the edges */
	{14, NULL, 1, JG_CELL_DATE, "1900-01-01"},
	{14, NULL, 59, JG_CELL_DATE, "1900-02-28"},
	{14, NULL, 60, JG_CELL_DATE, "1900-02-29"},
	{14, NULL, 60.25, JG_CELL_DATE, "1900-02-29 06:00:00"},
	{14, NULL, 61, JG_CELL_DATE, "1900-03-01"},
	{14, NULL, 2958465, JG_CELL_DATE, "9999-12-31"},
	{14, NULL, 2958466, JG_CELL_NUMBER, "2958466"},
	{14, NULL, -1, JG_CELL_NUMBER, "-1"},
	/* a year alone; a time that rounds up to the next midnight; elapsed minutes */
	{0, "yyyy", 45352, JG_CELL_DATE, "2024-03-01"},
	{22, NULL, 45351.999999999, JG_CELL_DATE, "2024-03-01"},
	{0, "[mm]:ss", 0.5, JG_CELL_NUMBER, "0.5"},
};

static void test_date_formats(void **state)
{
	char *p = path_of("dates.xlsx");
	size_t n = sizeof(date_cases) / sizeof(date_cases[0]);
	lxw_workbook *wb = workbook_new(p);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "dates");
	char *styles;
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	for (size_t i = 0; i < n; i++) {
		lxw_format *f = workbook_add_format(wb);

		if (date_cases[i].code)
			format_set_num_format(f, date_cases[i].code);
		else
			format_set_num_format_index(f, (uint8_t)date_cases[i].id);
		worksheet_write_number(ws, (lxw_row_t)i, 0, date_cases[i].v, f);
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	styles = zip_get(p, "xl/styles.xml", NULL);
	assert_non_null(strstr(styles, "numFmtId=\"31\""));
	assert_non_null(strstr(styles, "formatCode=\"[h]:mm\"")); /* custom, not built-in 46 */
	jg_free(styles);
	if (read_file(p, NULL, &info, &g, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(g.n, n);
	for (size_t i = 0; i < n; i++) {
		const g_cell *c = &g.rows[i].cells[0];

		if (c->type != date_cases[i].type || strcmp(c->text, date_cases[i].want) != 0)
			fail_msg(
				"case %zu (format %d \"%s\", %.17g): got %s \"%s\", want %s \"%s\"",
				i, date_cases[i].id, date_cases[i].code ? date_cases[i].code : "",
				date_cases[i].v, type_name(c->type), c->text,
				type_name(date_cases[i].type), date_cases[i].want);
	}
	/* Excel's 1900-02-29 is written as such so that date parsing refuses it */
	{
		int64_t ms;

		assert_int_equal(jg_time_parse(&ms, g.rows[24].cells[0].text, JG_KST_OFFSET_MIN),
				 JG_EINVAL);
		assert_int_equal(jg_time_parse(&ms, g.rows[23].cells[0].text, JG_KST_OFFSET_MIN),
				 0);
	}
	grid_free(&g);
	jg_free(p);
}

/* libxlsxwriter 1.1.4 has no 1904 option: the workbook part is patched with libzip. */
static void test_date1904(void **state)
{
	char *p = path_of("d1904.xlsx");
	lxw_workbook *wb = workbook_new(p);
	lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
	lxw_format *f = workbook_add_format(wb);
	char *book, *patched;
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	format_set_num_format_index(f, 22);
	worksheet_write_number(ws, 0, 0, 43890.604166666664, f);
	worksheet_write_number(ws, 1, 0, 0, f);
	worksheet_write_number(ws, 2, 0, 60, f); /* no fictitious leap day in 1904 */
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	book = zip_get(p, "xl/workbook.xml", NULL);
	patched = replace(book, "<workbookPr ", "<workbookPr date1904=\"1\" ");
	zip_put(p, "xl/workbook.xml", patched, strlen(patched));
	if (read_file(p, NULL, &info, &g, &err))
		fail_msg("%s", err.msg);
	assert_true(info.date1904);
	CHECK_CELL(&g, 1, 1, JG_CELL_DATE, "2024-03-01 14:30:00");
	CHECK_CELL(&g, 2, 1, JG_CELL_DATE, "1904-01-01");
	CHECK_CELL(&g, 3, 1, JG_CELL_DATE, "1904-03-01");
	grid_free(&g);
	jg_free(book);
	jg_free(patched);
	jg_free(p);
}

/* ---- strings, formulas, booleans ---------------------------------------------------------- */

static void test_rich_formula_bool(void **state)
{
	char *p = path_of("rich.xlsx");
	lxw_workbook *wb = workbook_new(p);
	lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
	lxw_format *bold = workbook_add_format(wb);
	lxw_rich_string_tuple f1 = {bold, "색상: "}, f2 = {NULL, "블랙"}, f3 = {bold, " / L"};
	lxw_rich_string_tuple *rich[] = {&f1, &f2, &f3, NULL};
	char *sst;
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	format_set_bold(bold);
	assert_int_equal(worksheet_write_rich_string(ws, 0, 0, rich, NULL), LXW_NO_ERROR);
	worksheet_write_formula_str(ws, 0, 1, "=\"합계: \"&3", NULL, "합계: 3");
	worksheet_write_formula_num(ws, 0, 2, "=1+2", NULL, 3);
	worksheet_write_boolean(ws, 0, 3, 1, NULL);
	worksheet_write_boolean(ws, 0, 4, 0, NULL);
	worksheet_write_string(ws, 0, 5, "벨\x07소리", NULL); /* a control character */
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	sst = zip_get(p, "xl/sharedStrings.xml", NULL);
	assert_non_null(strstr(sst, "<r><rPr>")); /* really rich */
	assert_non_null(strstr(sst, "_x0007_"));  /* really escaped */
	jg_free(sst);
	if (read_file(p, NULL, &info, &g, &err))
		fail_msg("%s", err.msg);
	CHECK_CELL(&g, 1, 1, JG_CELL_TEXT, "색상: 블랙 / L");
	CHECK_CELL(&g, 1, 2, JG_CELL_TEXT, "합계: 3");
	CHECK_CELL(&g, 1, 3, JG_CELL_NUMBER, "3");
	CHECK_CELL(&g, 1, 4, JG_CELL_BOOL, "TRUE");
	CHECK_CELL(&g, 1, 5, JG_CELL_BOOL, "FALSE");
	CHECK_CELL(&g, 1, 6, JG_CELL_TEXT, "벨\x07소리");
	grid_free(&g);
	jg_free(p);
}

/*
 * What libxlsxwriter never writes, written by hand: prefixed XML, a workbook at another
 * name found through _rels/.rels, absolute and nested relationship targets, the 1904 system
 * given as "true", phonetic runs, OOXML escapes, error cells, ISO dates, rows and cells
 * without r=, and a custom format that reuses a built-in id.
 */
static void test_hand_written_parts(void **state)
{
	static const char rels[] =
		"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
		"relationships\"><Relationship Id=\"r1\" Type=\"" REL_TYPE "officeDocument\" "
		"Target=\"/xl/wb.xml\"/></Relationships>";
	static const char wb[] =
		"<x:workbook xmlns:x=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><x:workbookPr "
		"date1904=\"true\"/><x:sheets><x:sheet name=\"Data\" sheetId=\"1\" "
		"r:id=\"rId7\"/></x:sheets></x:workbook>";
	static const char wbrels[] =
		"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
		"relationships\"><Relationship Id=\"rId7\" Type=\"" REL_TYPE "worksheet\" "
		"Target=\"/xl/worksheets/data.xml\"/><Relationship Id=\"rId8\" Type=\"" REL_TYPE
		"styles\" Target=\"./styles.xml\"/><Relationship Id=\"rId9\" Type=\"" REL_TYPE
		"sharedStrings\" Target=\"strings/../strings/sst.xml\"/></Relationships>";
	static const char styles[] =
		"<styleSheet xmlns=\"" NS_MAIN "\"><numFmts count=\"2\"><numFmt numFmtId=\"164\" "
		"formatCode=\"yyyy&quot;년&quot; m&quot;월&quot;\"/><numFmt numFmtId=\"14\" "
		"formatCode=\"0.0\"/></numFmts><cellStyleXfs><xf numFmtId=\"164\"/></cellStyleXfs>"
		"<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf "
		"numFmtId=\"14\"/><xf numFmtId=\"22\"/></cellXfs></styleSheet>";
	static const char sst[] =
		"<sst xmlns=\"" NS_MAIN "\" count=\"5\" uniqueCount=\"5\"><si><t>주문</t></si>"
		"<si><r><rPr><b/></rPr><t>色: </t></r><r><t>黒</t></r><rPh sb=\"0\" eb=\"1\">"
		"<t>イロ</t></rPh><phoneticPr fontId=\"1\"/></si>"
		"<si><t>_x005F_x0041_ is _x0041__x000D__x000A_</t></si><si><t/></si>"
		"<si><t>_xD83D__xDE00_ _xD800_ _x0000_!</t></si></sst>";
	static const char data[] =
		"<x:worksheet xmlns:x=\"" NS_MAIN "\"><x:sheetData>"
		"<x:row><x:c t=\"s\"><x:v>0</x:v></x:c><x:c t=\"s\"><x:v>1</x:v></x:c><x:c "
		"t=\"s\"><x:v>2</x:v></x:c><x:c t=\"s\"><x:v>3</x:v></x:c><x:c "
		"t=\"s\"><x:v>4</x:v></x:c></x:row>"
		"<x:row><x:c t=\"e\"><x:v>#DIV/0!</x:v></x:c><x:c t=\"b\"><x:v>true</x:v></x:c>"
		"<x:c t=\"d\"><x:v>2024-03-01T10:20:30Z</x:v></x:c><x:c "
		"t=\"d\"><x:v>2024-03-02T00:00:00</x:v></x:c><x:c t=\"d\"><x:v>soon</x:v></x:c>"
		"</x:row>"
		"<x:row r=\"5\"><x:c r=\"B5\" s=\"1\"><x:v>43890</x:v></x:c><x:c s=\"2\"><x:v>"
		"43890</x:v></x:c><x:c s=\"3\"><x:v>0.25</x:v></x:c><x:c s=\"9\"><x:v>7</x:v>"
		"</x:c><x:c><x:v> 12 </x:v></x:c></x:row>"
		"<x:row><x:c r=\"A6\" t=\"inlineStr\"><x:is><x:r><x:t>a_x0009_</x:t></x:r><x:r>"
		"<x:t>b</x:t></x:r><x:rPh><x:t>skip</x:t></x:rPh></x:is></x:c></x:row>"
		"<x:row r=\"8\"><x:c r=\"C8\"/><x:c r=\"D8\" t=\"s\"><x:v>3</x:v></x:c></x:row>"
		"<x:row><x:c r=\"A10\"><x:v>10</x:v></x:c></x:row>"
		"</x:sheetData></x:worksheet>";
	part parts[] = {
		{"[Content_Types].xml", content_types, 0},
		{"_rels/.rels", rels, 0},
		{"xl/wb.xml", wb, 0},
		{"xl/_rels/wb.xml.rels", wbrels, 0},
		{"xl/styles.xml", styles, 0},
		{"xl/strings/sst.xml", sst, 0},
		{"xl/worksheets/data.xml", data, 0},
	};
	char *p = path_of("hand.xlsx");
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	make_zip(p, parts, sizeof(parts) / sizeof(parts[0]));
	if (read_file(p, NULL, &info, &g, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(info.sheet, "Data");
	assert_true(info.date1904);
	CHECK_CELL(&g, 1, 1, JG_CELL_TEXT, "주문");
	CHECK_CELL(&g, 1, 2, JG_CELL_TEXT, "色: 黒"); /* runs joined, phonetic run skipped */
	CHECK_CELL(&g, 1, 3, JG_CELL_TEXT, "_x0041_ is A\r\n");
	CHECK_CELL(&g, 1, 4, JG_CELL_EMPTY, "");
	CHECK_CELL(&g, 1, 5, JG_CELL_TEXT, "\xf0\x9f\x98\x80 \xef\xbf\xbd \xef\xbf\xbd!");
	CHECK_CELL(&g, 2, 1, JG_CELL_ERROR, "#DIV/0!");
	CHECK_CELL(&g, 2, 2, JG_CELL_BOOL, "TRUE");
	CHECK_CELL(&g, 2, 3, JG_CELL_DATE, "2024-03-01 10:20:30");
	CHECK_CELL(&g, 2, 4, JG_CELL_DATE, "2024-03-02");
	CHECK_CELL(&g, 2, 5, JG_CELL_TEXT, "soon");
	CHECK_CELL(&g, 5, 1, JG_CELL_EMPTY, "");
	CHECK_CELL(&g, 5, 2, JG_CELL_DATE, "2024-03-01"); /* custom 164, 1904 system */
	CHECK_CELL(&g, 5, 3, JG_CELL_NUMBER, "43890");    /* id 14 redefined as "0.0" */
	CHECK_CELL(&g, 5, 4, JG_CELL_DATE, "1904-01-01 06:00:00");
	CHECK_CELL(&g, 5, 5, JG_CELL_NUMBER, "7");  /* a style index past cellXfs */
	CHECK_CELL(&g, 5, 6, JG_CELL_NUMBER, "12"); /* blanks around a number dropped */
	CHECK_CELL(&g, 6, 1, JG_CELL_TEXT, "a\tb");
	assert_null(row_at(&g, 8)); /* a styled empty cell and shared string "": empty */
	CHECK_CELL(&g, 10, 1, JG_CELL_NUMBER, "10"); /* row taken from the cell */
	assert_int_equal(g.n, 5);
	grid_free(&g);
	jg_free(p);
}

/* ---- sheets ------------------------------------------------------------------------------- */

static void test_sheets(void **state)
{
	char *p = path_of("sheets.xlsx");
	lxw_workbook *wb = workbook_new(p);
	lxw_worksheet *hidden = workbook_add_worksheet(wb, "숨김");
	lxw_worksheet *orders = workbook_add_worksheet(wb, "주문");
	lxw_worksheet *stock = workbook_add_worksheet(wb, "재고 Stock");
	char *decomposed = nfd("재고 stock");
	jg_sheet_opts o = {0};
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	worksheet_write_string(hidden, 0, 0, "hidden", NULL);
	worksheet_write_string(orders, 0, 0, "orders", NULL);
	worksheet_write_string(stock, 0, 0, "stock", NULL);
	worksheet_activate(orders);
	worksheet_hide(hidden);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

	if (read_file(p, NULL, &info, &g, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(info.sheet, "주문");
	CHECK_CELL(&g, 1, 1, JG_CELL_TEXT, "orders");
	grid_free(&g);

	o.sheet = decomposed; /* NFD and other ASCII case still find it */
	if (read_file(p, &o, &info, &g, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(info.sheet, "재고 Stock");
	CHECK_CELL(&g, 1, 1, JG_CELL_TEXT, "stock");
	grid_free(&g);

	o.sheet = "숨김"; /* a hidden sheet can be asked for by name */
	if (read_file(p, &o, &info, &g, &err))
		fail_msg("%s", err.msg);
	CHECK_CELL(&g, 1, 1, JG_CELL_TEXT, "hidden");
	grid_free(&g);

	o.sheet = "없는시트";
	assert_int_equal(read_file(p, &o, &info, &g, &err), JG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "없는시트"));
	assert_non_null(strstr(err.msg, "\"주문\""));
	assert_int_equal(g.n, 0);
	grid_free(&g);
	jg_free(decomposed);
	jg_free(p);
}

static void test_callback_stops(void **state)
{
	char *p = path_of("stop.xlsx");
	jg_sheet_info info;
	jg_err err;
	grid g = {.stop_at = 3};

	(void)state;
	write_orders(p, false);
	assert_int_equal(read_file(p, NULL, &info, &g, &err), 42);
	assert_int_equal(g.n, 3);
	assert_int_equal(info.rows, 3);
	grid_free(&g);
	jg_free(p);
}

/* ---- caps and hostile files --------------------------------------------------------------- */

/* Runs the read of `path` in a child and returns its exit status (0: the expected code),
 * with its peak RSS in KiB and wall seconds. */
static int read_in_child(const char *path, const jg_sheet_opts *o, int want, long *maxrss_kb,
			 double *secs)
{
	struct timespec t0, t1;
	struct rusage ru;
	int st = 0;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		grid g = {0};
		jg_err err = {0};
		int rc = jg_sheet_read_file(path, o, NULL, collect, &g, &err);

		if (rc != want)
			fprintf(stderr, "child: rc %d (%s), want %d\n", rc, err.msg, want);
		_exit(rc == want ? 0 : 1);
	}
	assert_int_equal(wait4(pid, &st, 0, &ru), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*maxrss_kb = ru.ru_maxrss;
	*secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* 128 MiB of white space inside sheetData deflates to about 130 KiB: far past the ratio cap.
 * The read must stop with JG_ELIMIT within a second or so and without the 128 MiB. */
static void test_zip_bomb(void **state)
{
	size_t big = (size_t)128 << 20, hn = strlen(sheet_head), tn = strlen(sheet_tail);
	char *p = path_of("bomb.xlsx"), *small = path_of("small.xlsx");
	char *xml = jg_malloc(big);
	long rss_small = 0, rss_bomb = 0;
	double secs = 0;
	jg_err err;
	grid g = {0};
	jg_sheet_info info;
	zip_t *za;
	zip_stat_t st;
	int ze = 0;

	(void)state;
	assert_non_null(xml);
	memset(xml, ' ', big);
	memcpy(xml, sheet_head, hn);
	memcpy(xml + big - tn, sheet_tail, tn);
	hand_book(p, xml, big, NULL);
	jg_free(xml);
	za = zip_open(p, ZIP_RDONLY, &ze);
	assert_non_null(za);
	assert_int_equal(zip_stat(za, "xl/worksheets/sheet1.xml", 0, &st), 0);
	assert_true(st.size / st.comp_size > 200); /* the fixture is a bomb */
	zip_discard(za);
	write_orders(small, false);

	assert_int_equal(read_file(p, NULL, &info, &g, &err), JG_ELIMIT);
	assert_non_null(strstr(err.msg, "times its compressed size"));
	assert_int_equal(read_in_child(small, NULL, 0, &rss_small, &secs), 0);
	assert_int_equal(read_in_child(p, NULL, JG_ELIMIT, &rss_bomb, &secs), 0);
	if (secs > 5.0)
		fail_msg("the bomb took %.2f s to refuse", secs);
	if (rss_bomb - rss_small > 32 * 1024)
		fail_msg("the bomb raised peak RSS by %ld KiB", rss_bomb - rss_small);

	/* Without the ratio cap, the entry-size cap stops it all the same. */
	{
		jg_sheet_opts o = {.lim = {.max_ratio = 1000000, .max_entry = 8u << 20}};

		assert_int_equal(read_file(p, &o, &info, &g, &err), JG_ELIMIT);
		assert_non_null(strstr(err.msg, "inflates to more than 8388608 bytes"));
	}
	grid_free(&g);
	jg_free(p);
	jg_free(small);
}

/* Sets the uncompressed size of every header of `entry` in the zip file to `size`. */
static void zip_lie_about_size(const char *path, const char *entry, uint32_t size)
{
	FILE *f = fopen(path, "r+b");
	size_t n, en = strlen(entry), hits = 0;
	unsigned char *b;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	b = jg_malloc(n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, n, f), n);
	for (size_t i = 0; i + 46 + en <= n; i++) {
		size_t at = 0, name = 0;

		if (memcmp(b + i, "PK\x03\x04", 4) == 0)
			at = i + 22, name = i + 30;
		else if (memcmp(b + i, "PK\x01\x02", 4) == 0)
			at = i + 24, name = i + 46;
		if (at && memcmp(b + name, entry, en) == 0) {
			b[at] = (unsigned char)size;
			b[at + 1] = (unsigned char)(size >> 8);
			b[at + 2] = (unsigned char)(size >> 16);
			b[at + 3] = (unsigned char)(size >> 24);
			hits++;
		}
	}
	assert_int_equal(hits, 2);
	fseek(f, 0, SEEK_SET);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
	jg_free(b);
}

/* A zip whose headers claim the sheet is 1000 bytes: the bytes are counted as they come. */
static void test_zip_headers_lie(void **state)
{
	size_t big = (size_t)32 << 20, hn = strlen(sheet_head), tn = strlen(sheet_tail);
	char *p = path_of("liar.xlsx");
	char *xml = jg_malloc(big);
	jg_sheet_opts o = {.lim = {.max_ratio = 1000000, .max_entry = 4u << 20}};
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	assert_non_null(xml);
	memset(xml, ' ', big);
	memcpy(xml, sheet_head, hn);
	memcpy(xml + big - tn, sheet_tail, tn);
	hand_book(p, xml, big, NULL);
	jg_free(xml);
	zip_lie_about_size(p, "xl/worksheets/sheet1.xml", 1000);
	assert_int_equal(read_file(p, &o, &info, &g, &err), JG_ELIMIT);
	assert_non_null(strstr(err.msg, "inflates to more than 4194304 bytes"));
	grid_free(&g);
	jg_free(p);
}

static void test_huge_cell(void **state)
{
	char *p = path_of("hugecell.xlsx");
	char *big = jg_malloc(20001);
	jg_sheet_opts o = {.lim = {.max_cell = 10000}};
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 20000);
	big[20000] = '\0';
	for (int inline_strings = 0; inline_strings < 2; inline_strings++) {
		lxw_workbook_options wo = {.constant_memory = (uint8_t)inline_strings,
					   .tmpdir = dir};
		lxw_workbook *wb = workbook_new_opt(p, &wo);
		lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);

		worksheet_write_string(ws, 0, 0, "ok", NULL);
		worksheet_write_string(ws, 3, 2, big, NULL);
		assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
		assert_int_equal(read_file(p, &o, &info, &g, &err), JG_ELIMIT);
		if (inline_strings) {
			/* in the sheet: the row and column are known */
			assert_int_equal(err.row, 4);
			assert_int_equal(err.col, 3);
			assert_non_null(strstr(err.msg, "row 4, column C"));
			assert_non_null(strstr(err.msg, "more than 10000 bytes"));
		} else {
			assert_non_null(strstr(err.msg, "shared string 1 is longer than 10000"));
		}
		grid_free(&g);
		/* and with the default cap it reads */
		if (read_file(p, NULL, &info, &g, &err))
			fail_msg("%s", err.msg);
		assert_int_equal(strlen(row_at(&g, 4)->cells[2].text), 20000);
		grid_free(&g);
	}
	jg_free(big);
	jg_free(p);
}

static void test_billion_laughs(void **state)
{
	static const char lol[] =
		"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
		"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
		"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
		"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
		"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
		"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
		"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
		"]><worksheet xmlns=\"" NS_MAIN "\"><sheetData><row r=\"1\"><c r=\"A1\" "
		"t=\"inlineStr\"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>";
	static const char xxe[] =
		"<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "
		"\"file:///etc/passwd\">]><sst xmlns=\"" NS_MAIN "\"><si><t>&xxe;</t></si></sst>";
	char *p = path_of("lol.xlsx"), *sheet = sheet_of("<row r=\"1\"><c r=\"A1\" "
							 "t=\"s\"><v>0</v></c></row>");
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	hand_book(p, lol, 0, NULL);
	assert_int_equal(read_file(p, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "DOCTYPE"));
	assert_non_null(strstr(err.msg, "sheet1.xml"));
	assert_int_equal(g.n, 0);

	hand_book(p, sheet, 0, xxe);
	assert_int_equal(read_file(p, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "sharedStrings.xml has a DOCTYPE"));
	assert_int_equal(g.n, 0);
	jg_free(sheet);
	jg_free(p);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *rows;
		int code;
		int64_t row;
		int32_t col;
		const char *msg;
	} cases[] = {
		{"<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"7\"><c r=\"B7\"><v>2</c>"
		 "</row>",
		 JG_EFORMAT, 7, 2, "row 7: the sheet is not well-formed XML: mismatched tag"},
		{"<row r=\"3\"><c r=\"A3\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\"><v>2</v>"
		 "</c></row>",
		 JG_EFORMAT, 2, 0, "row 2 comes after row 3"},
		{"<row r=\"4\"><c r=\"A4\" t=\"s\"><v>5</v></c></row>", JG_EFORMAT, 4, 1,
		 "shared string \"5\" does not exist"},
		{"<row r=\"4\"><c r=\"A4\" t=\"b\"><v>yes</v></c></row>", JG_EFORMAT, 4, 1,
		 "\"yes\" is not a boolean"},
		{"<row r=\"4\"><c r=\"A4\" t=\"q\"><v>1</v></c></row>", JG_EFORMAT, 4, 1,
		 "unknown cell type \"q\""},
		{"<row r=\"4\"><c r=\"4A\"><v>1</v></c></row>", JG_EFORMAT, 4, 0,
		 "\"4A\" is not a cell reference"},
		{"<row r=\"4\"><c r=\"B4\"><v>1</v></c><c r=\"B4\"><v>2</v></c></row>", JG_EFORMAT,
		 4, 2, "two cells in column B"},
		{"<row r=\"x\"/>", JG_EFORMAT, 1, 0, "\"x\" is not a row number"},
		{"<row r=\"9\"><c r=\"A9\"><v>1</v></c></row><row r=\"10\"><c r=\"A10\">&bogus;"
		 "</c></row>",
		 JG_EFORMAT, 10, 1, "undefined entity"},
	};
	char *p = path_of("bad.xlsx");
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *sheet = sheet_of(cases[i].rows);

		hand_book(p, sheet, 0, "<sst/>");
		assert_int_equal(read_file(p, NULL, &info, &g, &err), cases[i].code);
		if (err.row != cases[i].row || err.col != cases[i].col ||
		    !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: row %lld col %d \"%s\", want row %lld col %d \"%s\"", i,
				 (long long)err.row, err.col, err.msg, (long long)cases[i].row,
				 cases[i].col, cases[i].msg);
		assert_non_null(strstr(err.msg, "bad.xlsx: ")); /* the file is named */
		grid_free(&g);
		jg_free(sheet);
	}
	jg_free(p);
}

/* Caps that need no big file: columns, rows, shared-string bytes, one long XML token, deep
 * nesting, and bytes that are not a zip at all. */
static void test_small_caps(void **state)
{
	char *p = path_of("caps.xlsx");
	char *sheet = sheet_of("<row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"D2\"><v>4</v></c>"
			       "<c r=\"XFD2\" s=\"1\"/></row><row r=\"3\"><c r=\"A3\"><v>1</v></c>"
			       "</row><row r=\"4\"><c r=\"A4\" t=\"s\"><v>0</v></c></row>");
	jg_sheet_opts o = {0};
	jg_sheet_info info;
	jg_err err;
	grid g = {0};
	char *tok, *deep;
	size_t tn = (size_t)3 << 20, k;
	int rc;

	(void)state;
	hand_book(p, sheet, 0, "<sst><si><t>0123456789</t></si><si><t>abcdefghij</t></si></sst>");
	if (read_file(p, NULL, &info, &g, &err)) /* an empty styled cell at XFD is fine */
		fail_msg("%s", err.msg);
	grid_free(&g);
	o.lim.max_cols = 3;
	assert_int_equal(read_file(p, &o, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(err.row, 2);
	assert_int_equal(err.col, 4);
	assert_non_null(strstr(err.msg, "column D, past the limit of 3 columns"));
	grid_free(&g);
	o.lim.max_cols = 0;
	o.lim.max_rows = 2;
	assert_int_equal(read_file(p, &o, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(g.n, 2);
	grid_free(&g);
	o.lim.max_rows = 0;
	o.lim.max_strings = 30; /* 11 bytes + offsets for the first, the second does not fit */
	assert_int_equal(read_file(p, &o, &info, &g, &err), JG_ELIMIT);
	assert_non_null(strstr(err.msg, "shared strings take more than 30 bytes"));
	grid_free(&g);
	jg_free(sheet);

	/* a 3 MiB attribute value stays in expat's buffer: capped */
	tok = jg_malloc(tn + 200);
	assert_non_null(tok);
	snprintf(tok, 200, "<row r=\"1\"><c r=\"A1\" x=\"");
	k = strlen(tok);
	memset(tok + k, 'a', tn);
	snprintf(tok + k + tn, 100, "\"><v>1</v></c></row>");
	sheet = sheet_of(tok);
	hand_book(p, sheet, 0, NULL);
	o.lim.max_ratio = 100000; /* 'a' repeated deflates too well */
	rc = read_file(p, &o, &info, &g, &err);
	if (rc != JG_ELIMIT || !strstr(err.msg, "XML token longer than"))
		fail_msg("long token: rc %d: %s", rc, err.msg);
	grid_free(&g);
	jg_free(sheet);
	jg_free(tok);

	/* 300 nested elements */
	deep = jg_malloc(300 * 7 + 1);
	assert_non_null(deep);
	for (int i = 0; i < 300; i++)
		memcpy(deep + i * 3, "<a>", 3);
	for (int i = 0; i < 300; i++)
		memcpy(deep + 900 + i * 4, "</a>", 4);
	deep[2100] = '\0';
	sheet = sheet_of(deep);
	hand_book(p, sheet, 0, NULL);
	assert_int_equal(read_file(p, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "nested more than 256 deep"));
	grid_free(&g);
	jg_free(sheet);
	jg_free(deep);

	/* a zip that is cut short */
	{
		char *orders = path_of("orders-cut.xlsx");
		FILE *f;
		long n;

		write_orders(orders, false);
		f = fopen(orders, "r+b");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fclose(f);
		assert_int_equal(truncate(orders, n / 2), 0);
		assert_int_equal(read_file(orders, NULL, &info, &g, &err), JG_EFORMAT);
		assert_non_null(strstr(err.msg, "zip"));
		grid_free(&g);
		jg_free(orders);
	}
	jg_free(p);
}

/*
 * Every allocation in the reader (and expat's, which go through jg_malloc) fails in turn:
 * each run ends with JG_ENOMEM or success, and the sanitizer finds no leak. Decomposed
 * Korean text makes the dispatcher's NFC step call utf8proc, whose allocations fail too:
 * that is JG_ENOMEM as well, not "invalid UTF-8".
 */
static void test_alloc_failures(void **state)
{
	char *p = path_of("alloc.xlsx");
	lxw_workbook *wb = workbook_new(p);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "orders");
	lxw_format *day = workbook_add_format(wb), *bold = workbook_add_format(wb);
	lxw_rich_string_tuple f1 = {bold, "color: "}, f2 = {NULL, "black"};
	lxw_rich_string_tuple *rich[] = {&f1, &f2, NULL};
	char *name = nfd("홍길동");
	jg_sheet_info info;
	jg_err err;
	grid g = {0};
	long n;
	int rc = JG_ENOMEM;

	(void)state;
	format_set_num_format(day, "yyyy-mm-dd");
	format_set_bold(bold);
	for (lxw_row_t r = 0; r < 40; r++) {
		worksheet_write_string(ws, r, 0, r % 2 ? "order" : "line", NULL);
		worksheet_write_number(ws, r, 1, 1012345678 + r, NULL);
		worksheet_write_number(ws, r, 2, 45352 + r, day);
		worksheet_write_boolean(ws, r, 3, (int)(r % 2), NULL);
		worksheet_write_rich_string(ws, r, 4 + r % 30, rich, NULL);
		if (r % 10 == 0)
			worksheet_write_string(ws, r, 40, name, NULL);
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	jg_free(name);
	if (read_file(p, NULL, &info, &g, &err))
		fail_msg("%s", err.msg);
	CHECK_CELL(&g, 40, 3, JG_CELL_DATE, "2024-04-09");
	CHECK_CELL(&g, 40, 14, JG_CELL_TEXT, "color: black");
	CHECK_CELL(&g, 31, 41, JG_CELL_TEXT, "홍길동");
	grid_free(&g);
	for (n = 0; n < 5000 && rc; n++) {
		jg_alloc_fail_after(n);
		rc = read_file(p, NULL, &info, &g, &err);
		jg_alloc_fail_after(-1);
		if (rc && rc != JG_ENOMEM)
			fail_msg("failing allocation %ld: rc %d (%s)", n, rc, err.msg);
		grid_free(&g);
	}
	assert_int_equal(rc, 0);
	assert_true(n > 10); /* the failures were really reached */
	jg_free(p);
}

/* ---- the sheet tokenizer against expat ----------------------------------------------------- */

/* The whole file at `path` (owned by the caller), its size in *n. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long k;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	k = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = jg_malloc((size_t)k + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)k, f), (size_t)k);
	fclose(f);
	*n = (size_t)k;
	return data;
}

/* Fails unless the two grids hold the same rows, cells, types and text. */
static void same_grid(const grid *a, const grid *b, const char *what)
{
	if (a->n != b->n)
		fail_msg("%s: %zu rows against %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const g_row *x = &a->rows[i], *y = &b->rows[i];

		if (x->row != y->row || x->n != y->n)
			fail_msg("%s: row %lld (%zu cells) against row %lld (%zu cells)", what,
				 (long long)x->row, x->n, (long long)y->row, y->n);
		for (size_t k = 0; k < x->n; k++)
			if (x->cells[k].type != y->cells[k].type ||
			    strcmp(x->cells[k].text, y->cells[k].text) != 0)
				fail_msg("%s: row %lld column %zu is %s \"%s\" against %s \"%s\"",
					 what, (long long)x->row, k + 1,
					 type_name(x->cells[k].type), x->cells[k].text,
					 type_name(y->cells[k].type), y->cells[k].text);
	}
}

/*
 * Reads the workbook at `path` as the reader hands rows out (before the dispatcher), with
 * expat and with the tokenizer fed 1, 2, 3, 7, 61, 4093 and 65536 bytes at a time (only the
 * big chunks when `quick`). Every tokenizer run must give what expat gives: the same code,
 * the same rows up to the failure, the same place of a failure; and the same message as
 * every other tokenizer run. `out` (may be NULL) gets expat's rows and `err` its error.
 */
static int read_both(const char *path, const jg_sheet_opts *o, bool quick, grid *out, jg_err *err)
{
	static const size_t chunks[] = {65536, 4093, 61, 7, 3, 2, 1};
	size_t n, nchunks = quick ? 2 : sizeof(chunks) / sizeof(chunks[0]);
	char *data = slurp(path, &n);
	jg_sheet_limits lim;
	jg_err ref = {0}, first = {0};
	grid g_ref = {0};
	int rc_ref;

	jg_sheet_limits_resolve(&lim, o ? &o->lim : NULL);
	rc_ref = jg__xlsx_read_as(data, n, true, 0, o, &lim, NULL, collect, &g_ref, &ref);
	for (size_t i = 0; i < nchunks; i++) {
		jg_err e = {0};
		grid g = {0};
		char what[64];
		int rc =
			jg__xlsx_read_as(data, n, false, chunks[i], o, &lim, NULL, collect, &g, &e);

		snprintf(what, sizeof(what), "%zu-byte chunks", chunks[i]);
		if (rc != rc_ref)
			fail_msg("%s: rc %d (%s) where expat gives %d (%s)", what, rc, e.msg,
				 rc_ref, ref.msg);
		if (e.row != ref.row || e.col != ref.col)
			fail_msg("%s: failure at row %lld col %d (%s) where expat says row %lld "
				 "col %d (%s)",
				 what, (long long)e.row, e.col, e.msg, (long long)ref.row, ref.col,
				 ref.msg);
		if (i == 0)
			first = e;
		else if (strcmp(e.msg, first.msg) != 0)
			fail_msg("%s: \"%s\" where 64 KiB chunks give \"%s\"", what, e.msg,
				 first.msg);
		same_grid(&g, &g_ref, what);
		grid_free(&g);
	}
	jg_free(data);
	if (out)
		*out = g_ref;
	else
		grid_free(&g_ref);
	if (err)
		*err = first;
	return rc_ref;
}

/* A deterministic order-like workbook of `rows` rows that uses what writers put in sheets:
 * Korean and ASCII text with XML specials, blanks at the ends, line breaks, control
 * characters (written as _xHHHH_), numbers, dates, booleans, formulas with results, rich
 * strings, gaps. Shared strings, or inline strings with `inline_strings`. */
static void write_mixed(const char *path, long rows, bool inline_strings)
{
	static const char *words[] = {
		"홍길동",      "김영희",     "A&B <주식회사>", "\"따옴표\" 'x'",
		" 앞뒤 공백 ", "줄\r\n바꿈", "탭\t문자",       "벨\x07소리",
		"_x0041_",     "]]>",        "色: 黒",         "Ünïcödé é",
		"😀 emoji",     "",           "0504-1234-5678", "2024030112345601"};
	lxw_workbook_options o = {.constant_memory = inline_strings, .tmpdir = dir};
	lxw_workbook *wb = workbook_new_opt(path, &o);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "주문");
	lxw_format *day = workbook_add_format(wb), *bold = workbook_add_format(wb);
	uint64_t seed = 7;

	assert_non_null(wb);
	format_set_num_format(day, "yyyy-mm-dd hh:mm:ss");
	format_set_bold(bold);
	for (lxw_row_t r = 0; r < (lxw_row_t)rows; r++) {
		for (lxw_col_t c = 0; c < 12; c++) {
			uint32_t k;

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			k = (uint32_t)(seed >> 33);
			switch (k % 9) {
			case 0: break; /* a gap */
			case 1:
			case 2: worksheet_write_string(ws, r, c, words[k / 9 % 16], NULL); break;
			case 3: worksheet_write_number(ws, r, c, (double)(k % 100000), NULL); break;
			case 4:
				worksheet_write_number(ws, r, c, 45000 + (double)(k % 100000) / 997,
						       day);
				break;
			case 5: worksheet_write_boolean(ws, r, c, (int)(k & 1), NULL); break;
			case 6:
				worksheet_write_formula_num(ws, r, c, "=1+2", NULL,
							    (double)(k % 7));
				break;
			case 7:
				if (!inline_strings) {
					lxw_rich_string_tuple f1 = {bold, "색상: "},
							      f2 = {NULL, "블랙"};
					lxw_rich_string_tuple *rich[] = {&f1, &f2, NULL};

					worksheet_write_rich_string(ws, r, c, rich, NULL);
					break;
				}
				/* fall through */
			default:
				worksheet_write_number(ws, r, c, -0.5 * (double)(k % 1000), NULL);
				break;
			}
		}
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

/* Workbooks from a real writer read the same through the tokenizer, in any chunking, as
 * through expat: a tokenizer that dropped, split or mangled a cell would show here. */
static void test_tokenizer_matches_expat(void **state)
{
	char *p = path_of("both.xlsx");
	grid g = {0};
	jg_err err;

	(void)state;
	for (int inl = 0; inl < 2; inl++) {
		write_orders(p, inl);
		assert_int_equal(read_both(p, NULL, false, &g, &err), 0);
		assert_int_equal(g.n, 5);
		grid_free(&g);
		write_mixed(p, 150, inl);
		assert_int_equal(read_both(p, NULL, false, &g, &err), 0);
		assert_int_equal(g.n, 150);
		grid_free(&g);
		write_mixed(p, 3000, inl); /* more than a chunk of sheet XML */
		assert_int_equal(read_both(p, NULL, true, &g, &err), 0);
		assert_int_equal(g.n, 3000);
		grid_free(&g);
	}
	jg_free(p);
}

/* Sheet XML that writers rarely produce but XML allows, and XML that is not well-formed:
 * the tokenizer reads the first as expat does and refuses the second as expat does. */
static void test_tokenizer_xml(void **state)
{
	static const struct {
		const char *sheet; /* rows (wrapped by sheet_of), or a whole part with a BOM */
		int code;
		const char *msg; /* part of the tokenizer's message, or NULL */
	} cases[] = {
		/* well-formed */
		{"<row r=\"1\"><c r=\"&#65;1\" "
		 "t=\"inlineStr\"><is><t>a&amp;b&lt;c&gt;d&quot;e&apos;"
		 "f&#xAC00;&#44032;&#x1F600;</t></is></c></row>",
		 0, NULL},
		{"<row r=\"1\"><c r='A1' t='str'><v>line\r\nbreak\rCR</v></c><c r=\"B1\" "
		 "t=\"inlineStr\"><is><t><![CDATA[<not> & markup]]]]><![CDATA[>\r\n]]></t></is></c>"
		 "</row>",
		 0, NULL},
		{"<!-- before --><?pi x?><row r=\"1\" ><!-- c --><c  r = \"A1\"\n\tt=\"s\" ><v>0</v"
		 "></c ><?pi?><c r=\"B1\"/><c r=\"C1\"><v/></c><c r=\"D1\"><f>1+2</f><v>3</v></c>"
		 "</row>",
		 0, NULL},
		{"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8' "
		 "standalone='yes'?>\n<x:worksheet "
		 "xmlns:x=\"" NS_MAIN
		 "\"><x:sheetData><x:row r=\"2\"><x:c r=\"B2\" t=\"inlineStr\">"
		 "<x:is><x:t xml:space=\"preserve\"> 한글 </x:t></x:is></x:c></x:row></x:sheetData>"
		 "</x:worksheet><!-- after -->\r\n",
		 0, NULL},
		{"<row r=\"1\"><c r=\"A1\" "
		 "t=\"inlineStr\"><is><t>\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"
		 " \xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"
		 "</t></is></c></row>",
		 0, NULL},
		/* not well-formed */
		{"<row r=\"1\"><c r=\"A1\"><v>1\x01</v></c></row>", JG_EFORMAT, "invalid token"},
		{"<row r=\"1\"><c r=\"A1\"><v>a]]>b</v></c></row>", JG_EFORMAT, "invalid token"},
		{"<row r=\"1\"><c r=\"A1\"><v>\xc0\x80</v></c></row>", JG_EFORMAT, "invalid token"},
		{"<row r=\"1\"><c r=\"A1\"><v>\xed\xa0\x80</v></c></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>\xef\xbf\xbe</v></c></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>\xe4\xb8</v></c></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>\xf4\x90\x80\x80</v></c></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>&#0;</v></c></row>", JG_EFORMAT, "character number"},
		{"<row r=\"1\"><c r=\"A1\"><v>&#xD800;</v></c></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>&#x110000;</v></c></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>&#x41</v></c></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>&nbsp;</v></c></row>", JG_EFORMAT,
		 "undefined entity"},
		{"<row r=\"1\"><c r=\"A1\" r=\"B1\"><v>1</v></c></row>", JG_EFORMAT, "duplicate"},
		{"<row r=\"1\"><c r=A1><v>1</v></c></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A<1\"><v>1</v></c></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"t=\"n\"><v>1</v></c></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><!-- a -- b -->", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><?xml version=\"1.0\"?>", JG_EFORMAT,
		 "declaration not at start"},
		{"<row r=\"1\"><![CDATA[x]]><c r=\"A1\"><v>1</v></c></row></sheetData></worksheet>"
		 "<![CDATA[y]]>",
		 JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>1</v></c></row></sheetData></worksheet><worksheet/>",
		 JG_EFORMAT, "junk after document element"},
		{"<row r=\"1\"><c r=\"A1\"><v>1</v></c></row></sheetData>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>1</v></c></row></sheetData></worksheet", JG_EFORMAT,
		 NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>1</v></c></ro w>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"B1\"><v>2</v></row>", JG_EFORMAT,
		 "mismatched tag"},
		{"<row r=\"1\"><1c/></row>", JG_EFORMAT, NULL},
		{"<row r=\"1\"><x:c r=\"A1\"><v>1</v></c></x:c></row>", JG_EFORMAT,
		 "mismatched tag"}, /* the local name is c, the end tag must still be x:c */
		{"<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"B1\" r=\"C1\"><v>2</v></c></row>",
		 JG_EFORMAT, "duplicate attribute"},
		{"<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><!DOCTYPE x>", JG_EFORMAT,
		 "invalid token"}, /* a DOCTYPE past the prolog is not one */
		{"\xef\xbb\xbf<?xml version=\"1.0\"?><!DOCTYPE worksheet><worksheet/>", JG_EFORMAT,
		 "DOCTYPE declaration"},
		{"\xef\xbb\xbf<?xml version=\"1:0\"?><worksheet/>", JG_EFORMAT,
		 "declaration not well-formed"},
		{"\xef\xbb\xbf<?xml?><worksheet/>", JG_EFORMAT, "declaration not well-formed"},
		{"\xef\xbb\xbf<?pi?x?><worksheet/>", JG_EFORMAT, "invalid token"},
	};
	char *p = path_of("xml.xlsx");
	jg_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* a case that starts its own document is taken whole, the others are rows */
		bool whole = strncmp(cases[i].sheet, "\xef\xbb\xbf<?xml", 8) == 0;
		char *sheet = whole ? jg_strdup(cases[i].sheet) : sheet_of(cases[i].sheet);
		int rc;

		hand_book(p, sheet, 0, "<sst><si><t>공유</t></si></sst>");
		rc = read_both(p, NULL, false, NULL, &err);
		if (rc != cases[i].code || (cases[i].msg && !strstr(err.msg, cases[i].msg)))
			fail_msg("case %zu: rc %d \"%s\", want %d \"%s\"", i, rc, err.msg,
				 cases[i].code, cases[i].msg ? cases[i].msg : "");
		jg_free(sheet);
	}
	jg_free(p);
}

/* What the tokenizer reads, checked value by value (read_both already holds it to expat). */
static void test_tokenizer_values(void **state)
{
	char *p = path_of("values.xlsx");
	char *sheet = sheet_of(
		"<row r=\"1\"><c r=\"&#65;1\" t=\"inlineStr\"><is><t>a&amp;b&lt;c&gt;&#xAC00;"
		"</t></is></c><c r=\"B1\" t=\"str\"><v>x\r\ny\rz</v></c><c r=\"C1\" "
		"t=\"inlineStr\"><is><t><![CDATA[<b> & ]]></t><t>&#13;</t></is></c>"
		"<c r=\"D1\"><!-- n --><v> 42 </v></c></row>");
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	hand_book(p, sheet, 0, NULL);
	if (read_file(p, NULL, &info, &g, &err))
		fail_msg("%s", err.msg);
	CHECK_CELL(&g, 1, 1, JG_CELL_TEXT, "a&b<c>가");
	CHECK_CELL(&g, 1, 2, JG_CELL_TEXT, "x\ny\nz");  /* line ends as XML makes them */
	CHECK_CELL(&g, 1, 3, JG_CELL_TEXT, "<b> & \r"); /* &#13; stays a CR */
	CHECK_CELL(&g, 1, 4, JG_CELL_NUMBER, "42");
	grid_free(&g);
	assert_int_equal(read_both(p, NULL, false, NULL, &err), 0);
	jg_free(sheet);
	jg_free(p);
}

/* A sheet that declares another encoding goes to expat, which decodes it. */
static void test_tokenizer_other_encoding(void **state)
{
	static const char latin1[] =
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><worksheet xmlns=\"" NS_MAIN
		"\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>caf\xe9</t></is>"
		"</c></row></sheetData></worksheet>";
	char *p = path_of("latin1.xlsx");
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	hand_book(p, latin1, 0, NULL);
	if (read_file(p, NULL, &info, &g, &err))
		fail_msg("%s", err.msg);
	CHECK_CELL(&g, 1, 1, JG_CELL_TEXT, "caf\xc3\xa9");
	grid_free(&g);
	assert_int_equal(read_both(p, NULL, false, NULL, &err), 0);
	jg_free(p);
}

/* ---- the dispatcher's NFC shortcut ------------------------------------------------------- */

/* The code points on_row() in src/import/sheet.c lets through without utf8proc. */
static bool nfc_shortcut(uint32_t cp)
{
	return cp < 0x300 || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0x4e00 && cp <= 0x9fff);
}

/*
 * The shortcut is sound: every code point it takes has combining class 0, is left as it is
 * by NFC, and is never the second (or later) code point of a canonical decomposition, so
 * nothing before it can compose with it. Checked for every code point against utf8proc.
 */
static void test_nfc_shortcut_ranges(void **state)
{
	static bool later[0x110000];
	utf8proc_int32_t buf[32];

	(void)state;
	memset(later, 0, sizeof(later));
	for (utf8proc_int32_t cp = 0; cp < 0x110000; cp++) {
		utf8proc_ssize_t n;
		int last = 0;

		if (cp >= 0xd800 && cp < 0xe000)
			continue;
		n = utf8proc_decompose_char(cp, buf, 32, UTF8PROC_DECOMPOSE, &last);
		assert_true(n >= 1 && n <= 32);
		for (utf8proc_ssize_t k = 1; k < n; k++)
			later[buf[k]] = true;
	}
	for (uint32_t cp = 0; cp < 0x110000; cp++) {
		utf8proc_uint8_t *nfc;

		if (!nfc_shortcut(cp))
			continue;
		if (utf8proc_get_property((utf8proc_int32_t)cp)->combining_class != 0)
			fail_msg("U+%04X has a combining class", cp);
		if (later[cp])
			fail_msg("U+%04X comes second in a decomposition", cp);
		if (cp == 0)
			continue;
		{
			char s[5] = {0};
			utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)s);
			nfc = utf8proc_NFC((const utf8proc_uint8_t *)s);
			assert_non_null(nfc);
			if (strcmp((const char *)nfc, s) != 0)
				fail_msg("NFC changes U+%04X", cp);
			free(nfc); /* banned-ok: utf8proc allocates with malloc */
		}
	}
}

/*
 * Through the public API, text the shortcut takes comes out as it went in, and text it
 * must not take comes out as utf8proc's NFC: a trailing Jamo after a syllable, Jamo,
 * compatibility Jamo, combining marks, singletons, compatibility ideographs.
 */
static void test_nfc_shortcut_cells(void **state)
{
	static const char *texts[] = {
		"plain ASCII",
		"한글 주문 123",
		"漢字 混用 한글",
		"café é ñ ß ÿ ʼ",
		"\xea\xb0\x80\xe1\x86\xa8",               /* 가 + trailing ㄱ -> 각 */
		"\xe1\x84\x80\xe1\x85\xa1",               /* Jamo ㄱ + ㅏ -> 가 */
		"\xe3\x84\xb1\xe3\x85\x8f",               /* compatibility ㄱㅏ: NFC keeps them */
		"e\xcc\x81 a\xcc\x8a",                    /* e + acute, a + ring */
		"\xe2\x84\xab \xe2\x80\x80 \xef\xa4\x80", /* Å sign, en quad, CJK compat F900 */
		"\xea\xb0\x80\xcc\x81",                   /* 가 + combining acute */
		"x\xcd\x85y",                             /* U+0345 */
		"\xf0\x9f\x98\x80 \xe3\x80\x80",          /* 4-byte, ideographic space */
	};
	size_t nt = sizeof(texts) / sizeof(texts[0]);
	char *p = path_of("nfc.xlsx");
	lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = dir};
	lxw_workbook *wb = workbook_new_opt(p, &o);
	lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
	jg_sheet_info info;
	jg_err err;
	grid g = {0};

	(void)state;
	for (size_t i = 0; i < nt; i++)
		worksheet_write_string(ws, (lxw_row_t)i, 0, texts[i], NULL);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	if (read_file(p, NULL, &info, &g, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(g.n, nt);
	for (size_t i = 0; i < nt; i++) {
		jg_buf b;

		jg_buf_init(&b, 1024);
		assert_int_equal(jg_text_nfc(&b, texts[i], strlen(texts[i])), 0);
		CHECK_CELL(&g, (int64_t)i + 1, 1, JG_CELL_TEXT, jg_buf_str(&b));
		jg_buf_free(&b);
	}
	/* the cases utf8proc changes really are changed */
	CHECK_CELL(&g, 5, 1, JG_CELL_TEXT, "각");
	CHECK_CELL(&g, 6, 1, JG_CELL_TEXT, "가");
	CHECK_CELL(&g, 8, 1, JG_CELL_TEXT, "é å");
	grid_free(&g);
	jg_free(p);
}

static int setup(void **state)
{
	(void)state;
	dir = t_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	t_rmdir(dir);
	jg_free(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_korean_orders),
		cmocka_unit_test(test_inline_strings_and_memory),
		cmocka_unit_test(test_date_formats),
		cmocka_unit_test(test_date1904),
		cmocka_unit_test(test_rich_formula_bool),
		cmocka_unit_test(test_hand_written_parts),
		cmocka_unit_test(test_sheets),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_zip_headers_lie),
		cmocka_unit_test(test_huge_cell),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_small_caps),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_tokenizer_matches_expat),
		cmocka_unit_test(test_tokenizer_xml),
		cmocka_unit_test(test_tokenizer_values),
		cmocka_unit_test(test_tokenizer_other_encoding),
		cmocka_unit_test(test_nfc_shortcut_ranges),
		cmocka_unit_test(test_nfc_shortcut_cells),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
