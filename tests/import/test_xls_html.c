/* SPDX-License-Identifier: MIT */
/*
 * Tests of the legacy readers behind jg_sheet_read_*: BIFF8 .xls (src/import/xls.c; more
 * of it in test_xls.c), HTML tables saved as ".xls", and SpreadsheetML 2003. Everything
 * goes through the public entry points, so sniffing and NFC normalisation are part of
 * what is tested.
 *
 * The .xls fixtures are written at test time by a real writer (python3-xlwt, through
 * tests/tools/make_xls.py); HTML and SpreadsheetML fixtures are written here in UTF-8 and
 * turned into CP949 with iconv(3) where the test needs legacy bytes. Decomposed (NFD)
 * Korean is built from code points with the Hangul arithmetic of Unicode section 3.12, so
 * no fixture depends on an editor's normalisation.
 */
#include <errno.h>
#include <iconv.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "import/readers.h"
#include "jaego/sheet.h"
#include "support.h"

extern char **environ;

/* ---- helpers ------------------------------------------------------------------------------ */

#define MAX_ROWS 64
#define MAX_COLS 48

typedef struct got {
	size_t rows;
	int64_t row[MAX_ROWS];
	size_t n[MAX_ROWS];
	jg_cell_type type[MAX_ROWS][MAX_COLS];
	char *text[MAX_ROWS][MAX_COLS];
} got;

/* Keeps a copy of every row delivered (the first MAX_ROWS rows, MAX_COLS cells each). */
static int collect(const jg_sheet_row *row, void *payload)
{
	got *g = payload;
	size_t i = g->rows++;

	if (i >= MAX_ROWS)
		return 0;
	g->row[i] = row->row;
	g->n[i] = row->n;
	for (size_t c = 0; c < row->n && c < MAX_COLS; c++) {
		assert_non_null(row->cells[c].text);
		assert_int_equal(strlen(row->cells[c].text), row->cells[c].len);
		g->type[i][c] = row->cells[c].type;
		g->text[i][c] = jg_strdup(row->cells[c].text);
		assert_non_null(g->text[i][c]);
	}
	return 0;
}

static void got_free(got *g)
{
	for (size_t i = 0; i < MAX_ROWS; i++)
		for (size_t c = 0; c < MAX_COLS; c++)
			jg_free(g->text[i][c]);
	memset(g, 0, sizeof(*g));
}

/* Asserts cell (i, c) of the collected rows: its type and text. */
#define CELL(g, i, c, t, s)                                                              \
	do {                                                                             \
		assert_true((i) < (g)->rows);                                            \
		assert_true((c) < (g)->n[i]);                                            \
		assert_string_equal((g)->text[i][c], (s));                               \
		assert_int_equal((g)->type[i][c], (t));                                  \
	} while (0)

/* Reads the file at `path` into `g`; returns the result code. */
static int read_path(const char *path, const jg_sheet_opts *opts, jg_sheet_info *info, got *g,
		     jg_err *err)
{
	got_free(g);
	jg_err_clear(err);
	return jg_sheet_read_file(path, opts, info, collect, g, err);
}

static int read_mem(const void *data, size_t n, const jg_sheet_opts *opts, jg_sheet_info *info,
		    got *g, jg_err *err)
{
	got_free(g);
	jg_err_clear(err);
	return jg_sheet_read_mem(data, n, "orders.xls", opts, info, collect, g, err);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Runs tests/tools/make_xls.py with python3-xlwt; `mode` is NULL or an --encrypted mode. */
static void make_xls(const char *out, const char *mode)
{
	char script[1024];
	char *argv[6];
	pid_t pid;
	int st = 0, k = 0;

	snprintf(script, sizeof(script), "%s/tests/tools/make_xls.py", JG_TEST_SOURCE_DIR);
	argv[k++] = "/usr/bin/python3";
	argv[k++] = script;
	argv[k++] = (char *)out;
	if (mode) {
		argv[k++] = "--encrypted";
		argv[k++] = (char *)mode;
	}
	argv[k] = NULL;
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		fail_msg("cannot run %s", argv[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("make_xls.py failed (status %d): is python3-xlwt installed?", st);
}

/* The bytes of the file at `path` (owned by the caller, jg_free) and their number. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long size;

	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	p = jg_malloc((size_t)size);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*n = (size_t)size;
	return p;
}

/* UTF-8 → CP949 through iconv(3); owned by the caller (jg_free). */
static char *to_cp949(const char *utf8, size_t *n)
{
	iconv_t cd = iconv_open("CP949", "UTF-8");
	size_t inl = strlen(utf8), outl = inl * 2 + 1;
	char *out = jg_malloc(outl), *o = out, *in = (char *)utf8;

	assert_true(cd != (iconv_t)-1);
	assert_non_null(out);
	assert_int_not_equal(iconv(cd, &in, &inl, &o, &outl), (size_t)-1);
	iconv_close(cd);
	*n = (size_t)(o - out);
	return out;
}

/* The NFD form of UTF-8 text: precomposed Hangul syllables split into conjoining jamo by
 * the arithmetic of Unicode 3.12; everything else copied. Owned by the caller. */
static char *nfd(const char *s)
{
	size_t n = strlen(s);
	unsigned char *out = jg_malloc(n * 3 + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;

	assert_non_null(out);
	while (*p) {
		uint32_t cp;

		if ((p[0] & 0xf0) == 0xe0) {
			cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
			     (p[2] & 0x3f);
			if (cp >= 0xac00 && cp < 0xac00 + 11172) {
				uint32_t si = cp - 0xac00;
				uint32_t jamo[3] = {0x1100 + si / 588, 0x1161 + si % 588 / 28,
						    0x11a7 + si % 28};

				for (int k = 0; k < (si % 28 ? 3 : 2); k++) {
					*o++ = (unsigned char)(0xe0 | jamo[k] >> 12);
					*o++ = (unsigned char)(0x80 | (jamo[k] >> 6 & 0x3f));
					*o++ = (unsigned char)(0x80 | (jamo[k] & 0x3f));
				}
				p += 3;
				continue;
			}
		}
		*o++ = *p++;
	}
	*o = '\0';
	return (char *)out;
}

/* ---- .xls ---------------------------------------------------------------------------------- */

static void xls_orders(void **state)
{
	char *dir = t_tmpdir(), *path = t_path(dir, "orders.xls");
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};

	(void)state;
	make_xls(path, NULL);
	assert_int_equal(read_path(path, NULL, &info, &g, &err), 0);
	assert_int_equal(info.format, JG_FORMAT_XLS);
	assert_string_equal(info.sheet, "주문목록");
	assert_string_equal(info.charset, "");
	assert_false(info.date1904);
	assert_int_equal(info.rows, 5);
	assert_int_equal(g.rows, 5);
	/* The title above the header, then the header on row 2. */
	assert_int_equal(g.row[0], 1);
	CELL(&g, 0, 0, JG_CELL_TEXT, "스마트스토어 주문 내역");
	assert_int_equal(g.row[1], 2);
	assert_int_equal(g.n[1], 12);
	CELL(&g, 1, 0, JG_CELL_TEXT, "상품주문번호");
	CELL(&g, 1, 5, JG_CELL_TEXT, "수취인연락처1");
	CELL(&g, 1, 11, JG_CELL_TEXT, "할인율");
	/* Numbers that are really ids come out whole, without ".0" or an exponent. */
	assert_int_equal(g.row[2], 3);
	CELL(&g, 2, 0, JG_CELL_NUMBER, "2026112900000001");
	CELL(&g, 2, 1, JG_CELL_NUMBER, "2026112912345");
	CELL(&g, 2, 2, JG_CELL_DATE, "2026-11-29 14:05:00");
	CELL(&g, 2, 3, JG_CELL_DATE, "2026-12-01");
	CELL(&g, 2, 4, JG_CELL_TEXT, "김철수");
	CELL(&g, 2, 5, JG_CELL_NUMBER, "1012345678");
	CELL(&g, 2, 7, JG_CELL_TEXT, "색상: 블랙 / 사이즈: L");
	CELL(&g, 2, 8, JG_CELL_NUMBER, "2");
	CELL(&g, 2, 9, JG_CELL_NUMBER, "25000");
	CELL(&g, 2, 10, JG_CELL_TEXT, "06236");
	CELL(&g, 2, 11, JG_CELL_NUMBER, "12.5");
	/* The name was written decomposed (NFD); it arrives composed. */
	assert_int_equal(g.row[3], 4);
	CELL(&g, 3, 2, JG_CELL_DATE, "2026-11-29 23:59:59");
	CELL(&g, 3, 4, JG_CELL_TEXT, "이영희");
	CELL(&g, 3, 6, JG_CELL_TEXT, "키보드 <무선>");
	CELL(&g, 3, 7, JG_CELL_EMPTY, "");
	CELL(&g, 3, 9, JG_CELL_NUMBER, "1234567");
	CELL(&g, 3, 11, JG_CELL_NUMBER, "0.1");
	/* Row 5 is empty and skipped; row 6 keeps its number. */
	assert_int_equal(g.row[4], 6);
	CELL(&g, 4, 5, JG_CELL_NUMBER, "50412345678");
	CELL(&g, 4, 6, JG_CELL_TEXT, "똠얌꿍 소스");
	CELL(&g, 4, 9, JG_CELL_NUMBER, "-3000");
	CELL(&g, 4, 11, JG_CELL_NUMBER, "12000000000000000");
	got_free(&g);
	t_rmdir(dir);
	jg_free(path);
	jg_free(dir);
}

static void xls_sheets_and_caps(void **state)
{
	char *dir = t_tmpdir(), *path = t_path(dir, "orders.xls");
	char *decomposed = nfd("반품");
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};

	(void)state;
	make_xls(path, NULL);
	opts.sheet = "반품";
	assert_int_equal(read_path(path, &opts, &info, &g, &err), 0);
	assert_string_equal(info.sheet, "반품");
	assert_int_equal(g.rows, 2);
	CELL(&g, 1, 0, JG_CELL_NUMBER, "2026112912345");
	CELL(&g, 1, 1, JG_CELL_TEXT, "단순 변심");
	/* A name typed decomposed finds the sheet. */
	opts.sheet = decomposed;
	assert_int_equal(read_path(path, &opts, &info, &g, &err), 0);
	assert_string_equal(info.sheet, "반품");
	assert_int_equal(g.rows, 2);
	/* No such sheet. */
	opts.sheet = "없는시트";
	assert_int_equal(read_path(path, &opts, &info, &g, &err), JG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "없는시트"));
	/* 40 columns: fine at 40, refused at 39. */
	opts.sheet = "넓은시트";
	opts.lim.max_cols = 40;
	assert_int_equal(read_path(path, &opts, &info, &g, &err), 0);
	assert_int_equal(g.n[0], 40);
	CELL(&g, 0, 39, JG_CELL_TEXT, "열40");
	opts.lim.max_cols = 39;
	assert_int_equal(read_path(path, &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(err.row, 1);
	assert_int_equal(g.rows, 0);
	/* Rows are capped too. */
	opts.sheet = NULL;
	opts.lim.max_cols = 0;
	opts.lim.max_rows = 4;
	assert_int_equal(read_path(path, &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(g.rows, 4);
	/* And cells. */
	opts.lim.max_rows = 0;
	opts.lim.max_cell = 16;
	assert_int_equal(read_path(path, &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(err.row, 1); /* the title is 32 bytes */
	got_free(&g);
	t_rmdir(dir);
	jg_free(decomposed);
	jg_free(path);
	jg_free(dir);
}

static void xls_encrypted(void **state)
{
	static const char *const modes[] = {"bof", "late"};
	char *dir = t_tmpdir(), *path = t_path(dir, "locked.xls");
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		make_xls(path, modes[i]);
		assert_int_equal(read_path(path, NULL, &info, &g, &err), JG_EPERM);
		assert_non_null(strstr(err.msg, "encrypted .xls is not supported"));
		assert_int_equal(g.rows, 0);
	}
	got_free(&g);
	t_rmdir(dir);
	jg_free(path);
	jg_free(dir);
}

static void xls_damaged(void **state)
{
	static const unsigned char ole2[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
	char *dir = t_tmpdir(), *path = t_path(dir, "orders.xls"), *bad = t_path(dir, "bad.xls");
	unsigned char junk[4096], *whole;
	uint32_t x = 949;
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};
	FILE *f;
	long size;

	(void)state;
	/* OLE2 magic, then noise. */
	memcpy(junk, ole2, 8);
	for (size_t i = 8; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16);
	}
	write_bytes(bad, junk, sizeof(junk));
	assert_int_equal(read_path(bad, NULL, &info, &g, &err), JG_EFORMAT);
	assert_int_equal(info.format, JG_FORMAT_XLS);
	assert_int_equal(g.rows, 0);
	/* A real workbook cut short. */
	make_xls(path, NULL);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 2048);
	rewind(f);
	whole = jg_malloc((size_t)size);
	assert_non_null(whole);
	assert_int_equal(fread(whole, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	write_bytes(bad, whole, 1536);
	assert_int_equal(read_path(bad, NULL, &info, &g, &err), JG_EFORMAT);
	/* From memory it reads as from the file. */
	assert_int_equal(read_mem(whole, (size_t)size, NULL, &info, &g, &err), 0);
	assert_int_equal(g.rows, 5);
	assert_string_equal(info.sheet, "주문목록");
	jg_free(whole);
	got_free(&g);
	t_rmdir(dir);
	jg_free(bad);
	jg_free(path);
	jg_free(dir);
}

/* ---- HTML ---------------------------------------------------------------------------------- */

/* A seller-centre download: a layout table first, then the orders with a caption, thead,
 * tbody and tfoot, spans, <br>, entities, no-break spaces, Excel's text-format style and a
 * nested table in a cell. `meta` is put into <head>; `name` is the recipient's name. */
#define ORDERS_HTML \
	"<html><head>%s\n" \
	"<style>.txt { mso-number-format:\"\\@\"; }</style></head><body>\n" \
	"<table><tr><td>로고</td><td>판매자센터</td></tr><tr><td colspan=2>메뉴</td></tr>" \
	"</table>\n" \
	"<table border=1>\n<caption>주문 목록</caption>\n" \
	"<thead><tr><th>주문번호</th><th>수취인</th><th colspan=2>옵션</th>" \
	"<th>연락처</th></tr></thead>\n<tbody>\n" \
	"<tr><td rowspan=2 style=\"mso-number-format:'\\@'\">0012345</td><td>%s</td>" \
	"<td>색상</td><td>블랙</td><td class=txt>01012345678</td></tr>\n" \
	"<tr><td>똠햏   상회<br> 2층 </td><td colspan=2>&nbsp;</td><td>010&#45;1234</td>" \
	"</tr>\n" \
	"<tr><td></td><td>  </td></tr>\n" \
	"<tr><td>A&amp;B</td><td><table><tr><td>중첩</td><td>표</td></tr></table></td>" \
	"<td>x</td></tr>\n" \
	"</tbody>\n<tfoot><tr><td>합계</td><td></td><td></td><td></td><td>3건</td></tr>" \
	"</tfoot>\n</table></body></html>\n"

static char *orders_html(const char *meta, const char *name)
{
	size_t n = sizeof(ORDERS_HTML) + strlen(meta) + strlen(name);
	char *s = jg_malloc(n);

	assert_non_null(s);
	snprintf(s, n, ORDERS_HTML, meta, name);
	return s;
}

/* Checks the rows of orders_html(). */
static void check_orders(const got *g)
{
	assert_int_equal(g->rows, 5);
	assert_int_equal(g->row[0], 1);
	assert_int_equal(g->n[0], 5);
	CELL(g, 0, 0, JG_CELL_TEXT, "주문번호");
	CELL(g, 0, 2, JG_CELL_TEXT, "옵션"); /* colspan copies the text */
	CELL(g, 0, 3, JG_CELL_TEXT, "옵션");
	CELL(g, 0, 4, JG_CELL_TEXT, "연락처");
	assert_int_equal(g->row[1], 2);
	CELL(g, 1, 0, JG_CELL_TEXT, "0012345"); /* text stays text */
	CELL(g, 1, 1, JG_CELL_TEXT, "김철수");
	CELL(g, 1, 3, JG_CELL_TEXT, "블랙");
	CELL(g, 1, 4, JG_CELL_TEXT, "01012345678");
	assert_int_equal(g->row[2], 3);
	assert_int_equal(g->n[2], 5);
	CELL(g, 2, 0, JG_CELL_TEXT, "0012345"); /* rowspan copies it down */
	CELL(g, 2, 1, JG_CELL_TEXT, "똠햏 상회\n2층");
	CELL(g, 2, 2, JG_CELL_EMPTY, "");
	CELL(g, 2, 3, JG_CELL_EMPTY, "");
	CELL(g, 2, 4, JG_CELL_TEXT, "010-1234");
	/* Row 4 is all blank and skipped; the nested table is text of its cell. */
	assert_int_equal(g->row[3], 5);
	assert_int_equal(g->n[3], 3);
	CELL(g, 3, 0, JG_CELL_TEXT, "A&B");
	CELL(g, 3, 1, JG_CELL_TEXT, "중첩 표");
	CELL(g, 3, 2, JG_CELL_TEXT, "x");
	assert_int_equal(g->row[4], 6);
	CELL(g, 4, 0, JG_CELL_TEXT, "합계");
	CELL(g, 4, 4, JG_CELL_TEXT, "3건");
}

static void html_cp949_with_meta(void **state)
{
	static const char *const metas[] = {
		"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=euc-kr\">",
		"<meta http-equiv=Content-Type content='text/html;charset=ks_c_5601-1987'>",
		"<META CHARSET=\"x-windows-949\">",
		"<!-- <meta charset=utf-8> --><meta charset=EUC-KR />",
		"", /* no declaration: the bytes are not UTF-8, so CP949 */
	};
	char *dir = t_tmpdir(), *path = t_path(dir, "orders.xls");
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
		char *html = orders_html(metas[i], "김철수");
		size_t n = 0;
		char *cp = to_cp949(html, &n);

		assert_int_not_equal(memcmp(cp, html, n < strlen(html) ? n : strlen(html)), 0);
		write_bytes(path, cp, n);
		assert_int_equal(read_path(path, NULL, &info, &g, &err), 0);
		assert_int_equal(info.format, JG_FORMAT_HTML);
		assert_string_equal(info.charset, "cp949");
		assert_string_equal(info.sheet, "");
		assert_int_equal(info.rows, 5);
		check_orders(&g);
		jg_free(cp);
		jg_free(html);
	}
	got_free(&g);
	t_rmdir(dir);
	jg_free(path);
	jg_free(dir);
}

/* 價格 in CP949 is CA A4 CC AB, which is also valid UTF-8 ("ʤ̫"): only the declaration
 * can tell, so it decides. */
static void html_meta_decides(void **state)
{
	static const char *const metas[] = {
		"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=euc-kr\">",
		"<meta content='text/html;charset=ks_c_5601-1987' http-equiv=content-type>",
		"<META CHARSET=\"x-windows-949\">",
		"<!-- <meta charset=utf-8> --><meta charset=EUC-KR />",
	};
	static const char body[] = "</head><body><table><tr><td>價格</td></tr></table>";
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};
	char doc[512];
	size_t n = 0;
	char *cp;

	(void)state;
	for (size_t i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
		snprintf(doc, sizeof(doc), "<html><head>%s%s", metas[i], body);
		cp = to_cp949(doc, &n);
		assert_int_equal(read_mem(cp, n, NULL, &info, &g, &err), 0);
		assert_string_equal(info.charset, "cp949");
		assert_int_equal(g.rows, 1);
		CELL(&g, 0, 0, JG_CELL_TEXT, "價格");
		jg_free(cp);
	}
	/* Undeclared (or declared UTF-8), the same bytes are read as the UTF-8 they are. */
	snprintf(doc, sizeof(doc), "<html><head><meta charset=\"utf-8\">%s", body);
	cp = to_cp949(doc, &n);
	assert_int_equal(read_mem(cp, n, NULL, &info, &g, &err), 0);
	assert_string_equal(info.charset, "utf-8");
	CELL(&g, 0, 0, JG_CELL_TEXT, "\xca\xa4\xcc\xab");
	jg_free(cp);
	got_free(&g);
}

static void html_utf8_and_nfd(void **state)
{
	char *name = nfd("김철수"), *html;
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};

	(void)state;
	assert_string_not_equal(name, "김철수");
	/* UTF-8 without a declaration, the name decomposed: composed on the way out. */
	html = orders_html("", name);
	assert_int_equal(read_mem(html, strlen(html), NULL, &info, &g, &err), 0);
	assert_string_equal(info.charset, "utf-8");
	check_orders(&g);
	jg_free(html);
	/* A stale euc-kr declaration over UTF-8 bytes that cannot be CP949. */
	html = orders_html("<meta charset=euc-kr>", "김철수");
	assert_int_equal(read_mem(html, strlen(html), NULL, &info, &g, &err), 0);
	assert_string_equal(info.charset, "utf-8");
	check_orders(&g);
	jg_free(html);
	got_free(&g);
	jg_free(name);
}

static void html_largest_table_wins(void **state)
{
	static const char nested[] =
		"<table><tr><td>a</td></tr><tr><td>b</td></tr></table>"
		"<table><tr><td>layout<table>"
		"<tr><td>주문번호</td></tr><tr><td>1</td></tr><tr><td>2</td></tr>"
		"</table></td></tr></table>";
	static const char tie[] = "<table><tr><td>first</td></tr></table>"
				  "<table><tr><td>second</td></tr></table>";
	static const char implied[] = "<table><td>no tr</td><td>here</td></table>";
	static const char none[] = "<html><body><p>표가 없습니다</p></body></html>";
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};

	(void)state;
	assert_int_equal(read_mem(nested, strlen(nested), NULL, &info, &g, &err), 0);
	assert_int_equal(g.rows, 3);
	CELL(&g, 0, 0, JG_CELL_TEXT, "주문번호");
	CELL(&g, 2, 0, JG_CELL_TEXT, "2");
	assert_int_equal(g.row[2], 3);
	assert_int_equal(read_mem(tie, strlen(tie), NULL, &info, &g, &err), 0);
	assert_int_equal(g.rows, 1);
	CELL(&g, 0, 0, JG_CELL_TEXT, "first");
	assert_int_equal(read_mem(implied, strlen(implied), NULL, &info, &g, &err), 0);
	assert_int_equal(g.rows, 1);
	assert_int_equal(g.n[0], 2);
	CELL(&g, 0, 1, JG_CELL_TEXT, "here");
	assert_int_equal(read_mem(none, strlen(none), NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "no <table>"));
	got_free(&g);
}

static void html_spans_are_capped(void **state)
{
	static const char wide[] = "<table><tr><td colspan=100000>x</td></tr>"
				   "<tr><td>a</td><td>b</td></tr></table>";
	static const char wider[] = "<table><tr><td colspan=8>x</td><td>y</td></tr></table>";
	static const char tall[] = "<table><tr><td rowspan=999999999999>x</td><td>1</td></tr>"
				   "<tr><td>2</td></tr><tr><td>3</td></tr></table>";
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};

	(void)state;
	opts.lim.max_cols = 8;
	assert_int_equal(read_mem(wide, strlen(wide), &opts, &info, &g, &err), 0);
	assert_int_equal(g.n[0], 8);
	CELL(&g, 0, 7, JG_CELL_TEXT, "x");
	assert_int_equal(g.n[1], 2);
	assert_int_equal(read_mem(wider, strlen(wider), &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(err.row, 1);
	assert_int_equal(read_mem(tall, strlen(tall), &opts, &info, &g, &err), 0);
	assert_int_equal(g.rows, 3);
	CELL(&g, 2, 0, JG_CELL_TEXT, "x");
	CELL(&g, 2, 1, JG_CELL_TEXT, "3");
	got_free(&g);
}

static void html_bad_input(void **state)
{
	static const char head[] = "<html><head><meta charset=euc-kr></head><body><table>"
				   "<tr><td>주문</td></tr><tr><td>";
	char *cp, *doc, want[64];
	size_t n = 0, bad;
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};
	jg_buf b;
	uint32_t x = 2026;

	(void)state;
	/* Invalid CP949 (a lone 0x80) after valid Korean: the offset is named. */
	cp = to_cp949(head, &n);
	doc = jg_malloc(n + 32);
	assert_non_null(doc);
	memcpy(doc, cp, n);
	bad = n + 2;
	memcpy(doc + n, "ab\x80" "c</td></tr></table>", 20);
	assert_int_equal(read_mem(doc, n + 20, NULL, &info, &g, &err), JG_EFORMAT);
	snprintf(want, sizeof(want), "byte offset %zu ", bad);
	if (!strstr(err.msg, want))
		fail_msg("expected \"%s\" in \"%s\"", want, err.msg);
	assert_int_equal(g.rows, 0);
	jg_free(doc);
	jg_free(cp);
	/* A cell past max_cell. */
	jg_buf_init(&b, 1 << 20);
	assert_int_equal(jg_buf_puts(&b, "<table><tr><td>"), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(jg_buf_puts(&b, "가"), 0);
	assert_int_equal(jg_buf_puts(&b, "</td></tr></table>"), 0);
	opts.lim.max_cell = 200;
	assert_int_equal(read_mem(b.p, b.len, &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(err.row, 1);
	assert_int_equal(err.col, 1);
	opts.lim.max_cell = 300;
	assert_int_equal(read_mem(b.p, b.len, &opts, &info, &g, &err), 0);
	assert_int_equal(strlen(g.text[0][0]), 300);
	/* Too many columns. */
	jg_buf_reset(&b);
	assert_int_equal(jg_buf_puts(&b, "<table><tr>"), 0);
	for (int i = 0; i < 20; i++)
		assert_int_equal(jg_buf_printf(&b, "<td>%d</td>", i), 0);
	assert_int_equal(jg_buf_puts(&b, "</tr></table>"), 0);
	opts.lim.max_cell = 0;
	opts.lim.max_cols = 19;
	assert_int_equal(read_mem(b.p, b.len, &opts, &info, &g, &err), JG_ELIMIT);
	opts.lim.max_cols = 20;
	assert_int_equal(read_mem(b.p, b.len, &opts, &info, &g, &err), 0);
	assert_int_equal(g.n[0], 20);
	/* Markup then noise that is neither UTF-8 nor CP949. */
	jg_buf_reset(&b);
	assert_int_equal(jg_buf_puts(&b, "<table><tr><td>"), 0);
	for (int i = 0; i < 4096; i++) {
		unsigned char c;

		x = x * 1103515245u + 12345u;
		c = (unsigned char)(0x80 | x >> 16);
		assert_int_equal(jg_buf_append(&b, &c, 1), 0);
	}
	assert_int_equal(read_mem(b.p, b.len, NULL, &info, &g, &err), JG_EFORMAT);
	assert_int_equal(info.format, JG_FORMAT_HTML);
	assert_non_null(strstr(err.msg, "byte offset"));
	/* Binary noise: not a format at all. */
	for (size_t i = 0; i < b.len; i++)
		b.p[i] = (char)(i % 7 == 0 ? 0 : b.p[i]);
	assert_int_equal(read_mem(b.p, b.len, NULL, &info, &g, &err), JG_EFORMAT);
	assert_int_equal(info.format, JG_FORMAT_UNKNOWN);
	jg_buf_free(&b);
	got_free(&g);
}

/* ---- SpreadsheetML --------------------------------------------------------------------------- */

#define SML_DOC \
	"<?xml version=\"1.0\" encoding=\"%s\"?>\n" \
	"<?mso-application progid=\"Excel.Sheet\"?>\n" \
	"<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\"\n" \
	" xmlns:o=\"urn:schemas-microsoft-com:office:office\"\n" \
	" xmlns:x=\"urn:schemas-microsoft-com:office:excel\"\n" \
	" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\"\n" \
	" xmlns:html=\"http://www.w3.org/TR/REC-html40\">\n" \
	" <Styles><Style ss:ID=\"t\"><NumberFormat ss:Format=\"@\"/></Style></Styles>\n" \
	" <Worksheet ss:Name=\"안내\">\n" \
	"  <Table><Row><Cell><Data ss:Type=\"String\">안내문</Data></Cell></Row></Table>\n" \
	" </Worksheet>\n" \
	" <Worksheet ss:Name=\"주문\">\n" \
	"  <Table ss:ExpandedColumnCount=\"7\" ss:ExpandedRowCount=\"9\">\n" \
	"   <Row><Cell ss:MergeAcross=\"2\"><Data ss:Type=\"String\">주문 내역</Data></Cell>\n" \
	"    <Cell><Data ss:Type=\"String\">%s</Data></Cell></Row>\n" \
	"   <Row ss:Index=\"3\">\n" \
	"    <Cell><Data ss:Type=\"String\">주문번호</Data></Cell>\n" \
	"    <Cell><Data ss:Type=\"String\">주문일시</Data></Cell>\n" \
	"    <Cell ss:Index=\"4\"><Data ss:Type=\"String\">연락처</Data></Cell></Row>\n" \
	"   <Row>\n" \
	"    <Cell><Data ss:Type=\"Number\">2026112912345</Data></Cell>\n" \
	"    <Cell><Data ss:Type=\"DateTime\">2026-11-29T14:05:00.000</Data></Cell>\n" \
	"    <Cell ss:Index=\"4\" ss:StyleID=\"t\"><Data ss:Type=\"Number\">1012345678</Data>" \
	"</Cell>\n" \
	"    <Cell><Data ss:Type=\"Boolean\">1</Data></Cell>\n" \
	"    <Cell ss:Formula=\"=NA()\"><Data ss:Type=\"Error\">#N/A</Data></Cell>\n" \
	"    <Cell><ss:Data ss:Type=\"String\" xmlns=\"http://www.w3.org/TR/REC-html40\">" \
	"<B>굵게</B><Font html:Color=\"#FF0000\"> 빨강&amp;파랑</Font></ss:Data>" \
	"<Comment ss:Author=\"점장\"><ss:Data xmlns=\"http://www.w3.org/TR/REC-html40\">" \
	"<Font>메모</Font></ss:Data></Comment></Cell>\n" \
	"   </Row>\n" \
	"   <Row ss:Index=\"6\"><Cell><Data ss:Type=\"DateTime\">2026-12-01T00:00:00.000</Data>" \
	"</Cell>\n" \
	"    <Cell><Data ss:Type=\"Boolean\">0</Data></Cell><Cell><Data ss:Type=\"String\">" \
	"</Data></Cell></Row>\n" \
	"   <Row><Cell><Data ss:Type=\"String\"></Data></Cell></Row>\n" \
	"  </Table>\n" \
	" </Worksheet>\n" \
	" <Worksheet ss:Name=\"Sheet3\"><Table><Row><Cell><Data ss:Type=\"String\">셋</Data>" \
	"</Cell></Row></Table></Worksheet>\n" \
	"</Workbook>\n"

static char *sml(const char *encoding, const char *text)
{
	size_t n = sizeof(SML_DOC) + strlen(encoding) + strlen(text);
	char *s = jg_malloc(n);

	assert_non_null(s);
	snprintf(s, n, SML_DOC, encoding, text);
	return s;
}

static void check_sml_orders(const got *g)
{
	assert_int_equal(g->rows, 4);
	assert_int_equal(g->row[0], 1);
	CELL(g, 0, 0, JG_CELL_TEXT, "주문 내역");
	CELL(g, 0, 1, JG_CELL_EMPTY, ""); /* merged across */
	CELL(g, 0, 3, JG_CELL_TEXT, "똠햏");
	assert_int_equal(g->row[1], 3);
	assert_int_equal(g->n[1], 4);
	CELL(g, 1, 2, JG_CELL_EMPTY, "");
	CELL(g, 1, 3, JG_CELL_TEXT, "연락처");
	assert_int_equal(g->row[2], 4);
	assert_int_equal(g->n[2], 7);
	CELL(g, 2, 0, JG_CELL_NUMBER, "2026112912345");
	CELL(g, 2, 1, JG_CELL_DATE, "2026-11-29 14:05:00");
	CELL(g, 2, 3, JG_CELL_NUMBER, "1012345678");
	CELL(g, 2, 4, JG_CELL_BOOL, "TRUE");
	CELL(g, 2, 5, JG_CELL_ERROR, "#N/A");
	CELL(g, 2, 6, JG_CELL_TEXT, "굵게 빨강&파랑"); /* rich text joined, the comment not */
	assert_int_equal(g->row[3], 6);
	assert_int_equal(g->n[3], 2);
	CELL(g, 3, 0, JG_CELL_DATE, "2026-12-01");
	CELL(g, 3, 1, JG_CELL_BOOL, "FALSE");
}

static void sml_orders(void **state)
{
	char *doc = sml("UTF-8", "똠햏"), *name = nfd("주문"), *cp;
	size_t n = 0;
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};

	(void)state;
	/* The first sheet by default. */
	assert_int_equal(read_mem(doc, strlen(doc), NULL, &info, &g, &err), 0);
	assert_int_equal(info.format, JG_FORMAT_SPREADSHEETML);
	assert_string_equal(info.sheet, "안내");
	assert_int_equal(g.rows, 1);
	CELL(&g, 0, 0, JG_CELL_TEXT, "안내문");
	/* By name, typed decomposed. */
	opts.sheet = name;
	assert_int_equal(read_mem(doc, strlen(doc), &opts, &info, &g, &err), 0);
	assert_string_equal(info.sheet, "주문");
	assert_string_equal(info.charset, "utf-8");
	check_sml_orders(&g);
	opts.sheet = "배송";
	assert_int_equal(read_mem(doc, strlen(doc), &opts, &info, &g, &err), JG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "배송"));
	/* ASCII case does not matter, as in xlsx. */
	opts.sheet = "SHEET3";
	assert_int_equal(read_mem(doc, strlen(doc), &opts, &info, &g, &err), 0);
	assert_string_equal(info.sheet, "Sheet3");
	assert_int_equal(g.rows, 1);
	CELL(&g, 0, 0, JG_CELL_TEXT, "셋");
	jg_free(doc);
	/* Declared euc-kr, stored as CP949. */
	doc = sml("euc-kr", "똠햏");
	cp = to_cp949(doc, &n);
	opts.sheet = "주문";
	assert_int_equal(read_mem(cp, n, &opts, &info, &g, &err), 0);
	assert_string_equal(info.charset, "cp949");
	check_sml_orders(&g);
	got_free(&g);
	jg_free(cp);
	jg_free(doc);
	jg_free(name);
}

static void sml_refused(void **state)
{
	static const char laughs[] =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE Workbook [\n"
		" <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
		" <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
		" <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
		" <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
		" <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
		" <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
		"]>\n"
		"<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\""
		" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">"
		"<Worksheet ss:Name=\"a\"><Table><Row><Cell><Data ss:Type=\"String\">&f;</Data>"
		"</Cell></Row></Table></Worksheet></Workbook>\n";
	static const char wide[] =
		"<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\""
		" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">"
		"<Worksheet ss:Name=\"a\"><Table><Row><Cell ss:Index=\"2000\"><Data "
		"ss:Type=\"String\">x</Data></Cell></Row></Table></Worksheet></Workbook>";
	static const char broken[] =
		"<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">\n"
		"<Worksheet><Table><Row><Cell><Data>x</Cell></Row>";
	char *doc;
	jg_buf b;
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};

	(void)state;
	assert_int_equal(read_mem(laughs, strlen(laughs), NULL, &info, &g, &err), JG_EFORMAT);
	assert_int_equal(info.format, JG_FORMAT_SPREADSHEETML);
	assert_non_null(strstr(err.msg, "DOCTYPE"));
	assert_int_equal(g.rows, 0);
	assert_int_equal(read_mem(wide, strlen(wide), NULL, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(err.row, 1);
	assert_int_equal(read_mem(broken, strlen(broken), NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "line 2"));
	/* A cell past max_cell. */
	jg_buf_init(&b, 1 << 20);
	for (int i = 0; i < 100; i++)
		assert_int_equal(jg_buf_puts(&b, "가나"), 0);
	doc = sml("UTF-8", jg_buf_str(&b));
	opts.sheet = "주문";
	opts.lim.max_cell = 500;
	assert_int_equal(read_mem(doc, strlen(doc), &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(err.row, 1);
	assert_int_equal(err.col, 4);
	opts.lim.max_cell = 600;
	assert_int_equal(read_mem(doc, strlen(doc), &opts, &info, &g, &err), 0);
	assert_int_equal(strlen(g.text[0][3]), 600);
	/* Rows past max_rows. */
	opts.lim.max_cell = 0;
	opts.lim.max_rows = 3;
	assert_int_equal(read_mem(doc, strlen(doc), &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(g.rows, 3);
	jg_free(doc);
	jg_buf_free(&b);
	got_free(&g);
}

/* ---- allocation failures ------------------------------------------------------------------ */

static int count_rows(const jg_sheet_row *row, void *payload)
{
	(void)row;
	++*(int64_t *)payload;
	return 0;
}

/* Runs a reader ('h' HTML, 's' SpreadsheetML, 'x' .xls) on `data` with the Nth allocation failing, for every N until a read
 * succeeds: each failure must be JG_ENOMEM (and leak nothing, which the sanitizer checks).
 * The readers are called directly, without sheet.c's normalising layer. Returns the rows
 * of the successful read. */
static int64_t torture(char kind, const char *data, size_t n, const jg_sheet_opts *opts)
{
	jg_sheet_limits lim;

	jg_sheet_limits_resolve(&lim, &opts->lim);
	for (long k = 0; k < 100000; k++) {
		jg_sheet_info info = {0};
		jg_err err = {0};
		int64_t rows = 0;
		int rc;

		jg_alloc_fail_after(k);
		if (kind == 'h')
			rc = jg__html_read(data, n, &lim, &info, count_rows, &rows, &err);
		else if (kind == 's')
			rc = jg__spreadsheetml_read(data, n, opts, &lim, &info, count_rows, &rows,
						    &err);
		else /* 'x': an .xls file's bytes */
			rc = jg__xls_read(data, n, opts, &lim, &info, count_rows, &rows, &err);
		jg_alloc_fail_after(-1);
		if (rc == 0)
			return rows;
		if (rc != JG_ENOMEM)
			fail_msg("allocation %ld failing gave %d (%s)", k, rc, err.msg);
		assert_int_equal(err.code, JG_ENOMEM);
	}
	fail_msg("never succeeded");
	return -1;
}

static void allocation_failures(void **state)
{
	char *html = orders_html("<meta charset=euc-kr>", "김철수"), *sdoc = sml("euc-kr", "똠햏");
	size_t n = 0, sn = 0;
	char *cp = to_cp949(html, &n), *scp = to_cp949(sdoc, &sn);
	char *dir = t_tmpdir(), *path = t_path(dir, "orders.xls"), *xls;
	jg_sheet_opts opts = {0};
	size_t xn = 0;

	(void)state;
	assert_int_equal(torture('h', cp, n, &opts), 5);
	make_xls(path, NULL);
	xls = slurp(path, &xn);
	assert_int_equal(torture('x', xls, xn, &opts), 5);
	opts.sheet = "주문";
	assert_int_equal(torture('s', scp, sn, &opts), 4);
	t_rmdir(dir);
	jg_free(xls);
	jg_free(path);
	jg_free(dir);
	jg_free(scp);
	jg_free(cp);
	jg_free(sdoc);
	jg_free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xls_orders),
		cmocka_unit_test(xls_sheets_and_caps),
		cmocka_unit_test(xls_encrypted),
		cmocka_unit_test(xls_damaged),
		cmocka_unit_test(html_cp949_with_meta),
		cmocka_unit_test(html_meta_decides),
		cmocka_unit_test(html_utf8_and_nfd),
		cmocka_unit_test(html_largest_table_wins),
		cmocka_unit_test(html_spans_are_capped),
		cmocka_unit_test(html_bad_input),
		cmocka_unit_test(sml_orders),
		cmocka_unit_test(sml_refused),
		cmocka_unit_test(allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
