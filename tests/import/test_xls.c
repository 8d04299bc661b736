/* SPDX-License-Identifier: MIT */
/*
 * Tests of the BIFF reader (src/import/xls.c) beyond the seller-centre workbook of
 * test_xls_html.c. Two kinds of fixtures: workbooks written by a real writer (python3-xlwt
 * through tests/tools/make_xls.py: a long shared-string table that xlwt splits over many
 * CONTINUE records, with an oracle of every row's text; the 1904 date system, a hidden
 * first sheet, RK numbers), and workbooks built here record by record and wrapped in a
 * one-stream compound file, for what xlwt cannot write: cached formula results, MULRK,
 * strings split at chosen places (a flags byte switching the width, a surrogate pair cut in
 * two, rich-text runs and phonetic data across a boundary), cells out of row order, BIFF5
 * in CP949, and damaged input, which must end in JG_EFORMAT or JG_ELIMIT and never a crash.
 *
 * With JG_XLS_SEEDS=<dir> in the environment the hand-built workbooks (as .xls files and as
 * bare Workbook streams) are also written into <dir>: that is how tests/fuzz/corpus/xls/
 * was made.
 */
#include <errno.h>
#include <iconv.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "import/ole2.h"
#include "import/readers.h"
#include "jaego/sheet.h"
#include "support.h"

extern char **environ;

/* ---- bytes and records ------------------------------------------------------------------- */

typedef struct bb {
	unsigned char *p;
	size_t n, cap;
} bb;

static void put(bb *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->n + n)
			cap *= 2;
		b->p = jg_realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void u8(bb *b, unsigned v)
{
	unsigned char c = (unsigned char)v;

	put(b, &c, 1);
}

static void u16(bb *b, unsigned v)
{
	u8(b, v & 0xff);
	u8(b, v >> 8 & 0xff);
}

static void u32(bb *b, uint32_t v)
{
	u16(b, v & 0xffff);
	u16(b, v >> 16);
}

static void f64(bb *b, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, 8);
	u32(b, (uint32_t)bits);
	u32(b, (uint32_t)(bits >> 32));
}

static void patch32(bb *b, size_t at, uint32_t v)
{
	b->p[at] = (unsigned char)v;
	b->p[at + 1] = (unsigned char)(v >> 8);
	b->p[at + 2] = (unsigned char)(v >> 16);
	b->p[at + 3] = (unsigned char)(v >> 24);
}

/* Starts a record; rec_end() writes its length. */
static size_t rec_begin(bb *b, unsigned id)
{
	size_t at = b->n;

	u16(b, id);
	u16(b, 0);
	return at;
}

static void rec_end(bb *b, size_t at)
{
	size_t len = b->n - at - 4;

	assert_true(len <= 0xffff);
	b->p[at + 2] = (unsigned char)len;
	b->p[at + 3] = (unsigned char)(len >> 8);
}

/* The code points of UTF-8 text (the fixtures are valid); returns their number. */
static size_t code_points(const char *s, uint32_t *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p && n < max) {
		uint32_t c = *p;
		int k = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;

		if (k)
			c &= 0x3f >> k;
		p++;
		for (int i = 0; i < k; i++)
			c = c << 6 | (*p++ & 0x3f);
		out[n++] = c;
	}
	return n;
}

/* The UTF-16 code units of UTF-8 text into out; returns their number. */
static size_t utf16(const char *s, uint16_t *out, size_t max)
{
	uint32_t cps[4096];
	size_t n = code_points(s, cps, 4096), k = 0;

	for (size_t i = 0; i < n && k + 2 <= max; i++) {
		if (cps[i] >= 0x10000) {
			out[k++] = (uint16_t)(0xd800 + ((cps[i] - 0x10000) >> 10));
			out[k++] = (uint16_t)(0xdc00 + ((cps[i] - 0x10000) & 0x3ff));
		} else {
			out[k++] = (uint16_t)cps[i];
		}
	}
	return k;
}

/* A BIFF8 string: count (two bytes, or one when `short_cch`), flags, characters, stored
 * "compressed" when every character is below U+0100, else as UTF-16LE. */
static void str8(bb *b, const char *s, bool short_cch)
{
	uint16_t u[4096];
	size_t n = utf16(s, u, 4096);
	bool wide = false;

	for (size_t i = 0; i < n; i++)
		wide |= u[i] > 0xff;
	if (short_cch)
		u8(b, (unsigned)n);
	else
		u16(b, (unsigned)n);
	u8(b, wide);
	for (size_t i = 0; i < n; i++) {
		if (wide)
			u16(b, u[i]);
		else
			u8(b, u[i]);
	}
}

static void bof(bb *b, int biff, unsigned dt)
{
	size_t r = rec_begin(b, 0x0809);

	u16(b, biff == 8 ? 0x0600 : 0x0500);
	u16(b, dt);
	u16(b, 0x0dbb);
	u16(b, 0x07cc);
	if (biff == 8) {
		u32(b, 0);
		u32(b, 6);
	}
	rec_end(b, r);
}

static void eof(bb *b)
{
	rec_end(b, rec_begin(b, 0x000a));
}

static void rec16(bb *b, unsigned id, unsigned v)
{
	size_t r = rec_begin(b, id);

	u16(b, v);
	rec_end(b, r);
}

/* FORMAT: BIFF8 code as an XLUnicodeString, BIFF5 as a byte string (`code` is ASCII). */
static void format(bb *b, int biff, unsigned id, const char *code)
{
	size_t r = rec_begin(b, 0x041e);

	u16(b, id);
	if (biff == 8) {
		str8(b, code, false);
	} else {
		u8(b, (unsigned)strlen(code));
		put(b, code, strlen(code));
	}
	rec_end(b, r);
}

static void xf(bb *b, int biff, unsigned ifmt)
{
	size_t r = rec_begin(b, 0x00e0);

	u16(b, 0);
	u16(b, ifmt);
	for (int i = 0; i < (biff == 8 ? 16 : 12); i++)
		u8(b, 0);
	rec_end(b, r);
}

/* BOUNDSHEET; returns where its stream offset is, for patch32() once the sheet is placed.
 * BIFF5 names are bytes as given (`raw`), BIFF8 names UTF-8 made BIFF8 strings. */
static size_t boundsheet(bb *b, int biff, unsigned vis, unsigned dt, const char *name)
{
	size_t r = rec_begin(b, 0x0085), at = b->n;

	u32(b, 0);
	u8(b, vis);
	u8(b, dt);
	if (biff == 8) {
		str8(b, name, true);
	} else {
		u8(b, (unsigned)strlen(name));
		put(b, name, strlen(name));
	}
	rec_end(b, r);
	return at;
}

static void cellhdr(bb *b, unsigned row, unsigned col, unsigned ixf)
{
	u16(b, row);
	u16(b, col);
	u16(b, ixf);
}

static void labelsst(bb *b, unsigned row, unsigned col, uint32_t i)
{
	size_t r = rec_begin(b, 0x00fd);

	cellhdr(b, row, col, 15);
	u32(b, i);
	rec_end(b, r);
}

/* LABEL (or RSTRING with `id` 0x00D6, then two formatting runs). */
static void label8(bb *b, unsigned id, unsigned row, unsigned col, const char *s)
{
	size_t r = rec_begin(b, id);

	cellhdr(b, row, col, 15);
	str8(b, s, false);
	if (id == 0x00d6) {
		u16(b, 2);
		u32(b, 0x00010000);
		u32(b, 0x00020003);
	}
	rec_end(b, r);
}

static void number(bb *b, unsigned row, unsigned col, unsigned ixf, double v)
{
	size_t r = rec_begin(b, 0x0203);

	cellhdr(b, row, col, ixf);
	f64(b, v);
	rec_end(b, r);
}

static void rk(bb *b, unsigned row, unsigned col, unsigned ixf, uint32_t v)
{
	size_t r = rec_begin(b, 0x027e);

	cellhdr(b, row, col, ixf);
	u32(b, v);
	rec_end(b, r);
}

/* RK of a double whose low 34 bits are zero (2.5, 150.0, ...), maybe divided by 100. */
static uint32_t rk_double(double v, bool x100)
{
	uint64_t bits;

	memcpy(&bits, &v, 8);
	assert_int_equal(bits & 0x3ffffffffull, 0);
	return (uint32_t)(bits >> 32) | (x100 ? 1u : 0u);
}

static uint32_t rk_int(int32_t v, bool x100)
{
	return (uint32_t)v << 2 | 2u | (x100 ? 1u : 0u);
}

static void mulrk(bb *b, unsigned row, unsigned col, size_t n, const unsigned *ixf,
		  const uint32_t *v)
{
	size_t r = rec_begin(b, 0x00bd);

	u16(b, row);
	u16(b, col);
	for (size_t i = 0; i < n; i++) {
		u16(b, ixf[i]);
		u32(b, v[i]);
	}
	u16(b, col + (unsigned)n - 1);
	rec_end(b, r);
}

static void boolerr(bb *b, unsigned row, unsigned col, unsigned v, bool error)
{
	size_t r = rec_begin(b, 0x0205);

	cellhdr(b, row, col, 15);
	u8(b, v);
	u8(b, error);
	rec_end(b, r);
}

/* FORMULA with a cached number, or with `special` (0 string, 1 bool, 2 error, 3 empty
 * string) and `v` its value; the parsed expression is a constant 1. */
static void formula(bb *b, unsigned row, unsigned col, unsigned ixf, int special, double num,
		    unsigned v)
{
	size_t r = rec_begin(b, 0x0006);

	cellhdr(b, row, col, ixf);
	if (special < 0) {
		f64(b, num);
	} else {
		u8(b, (unsigned)special);
		u8(b, 0);
		u8(b, v);
		u8(b, 0);
		u16(b, 0);
		u16(b, 0xffff);
	}
	u16(b, 0);
	u32(b, 0);
	u16(b, 3);
	u8(b, 0x1e); /* ptgInt 1 */
	u16(b, 1);
	rec_end(b, r);
}

static void string8(bb *b, const char *s)
{
	size_t r = rec_begin(b, 0x0207);

	str8(b, s, false);
	rec_end(b, r);
}

/* ---- a one-stream compound file ------------------------------------------------------------ */

#define ENDOFCHAIN 0xfffffffeu
#define FREESECT   0xffffffffu
#define FATSECT    0xfffffffdu
#define NOSTREAM   0xffffffffu

static void w16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void w32(unsigned char *p, uint32_t v)
{
	w16(p, v & 0xffff);
	w16(p + 2, v >> 16);
}

/* When set, ole_wrap() stores the stream's sectors backwards, so that the reader cannot
 * read it in place and copies it out. */
static bool wrap_reverse;

/*
 * Wraps `s` as the stream called `name` of a version 3 compound file: FAT sectors, one
 * directory sector, then the stream in regular sectors. A stream under 4096 bytes is
 * padded with zeros to 4096 (BIFF readers stop at the EOF record), so that it does not
 * belong in the mini stream.
 */
static unsigned char *ole_wrap(const char *name, const void *s, size_t n, size_t *out_n)
{
	size_t sn = n < 4096 ? 4096 : n, data = (sn + 511) / 512, nfat = 1, total;
	unsigned char *f, *d;

	while (nfat * 128 < nfat + 1 + data)
		nfat++;
	assert_true(nfat <= 109);
	total = nfat + 1 + data;
	*out_n = (total + 1) * 512;
	f = jg_calloc(*out_n, 1);
	assert_non_null(f);
	memcpy(f, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	w16(f + 24, 0x3e);
	w16(f + 26, 3);
	w16(f + 28, 0xfffe);
	w16(f + 30, 9);
	w16(f + 32, 6);
	w32(f + 44, (uint32_t)nfat);
	w32(f + 48, (uint32_t)nfat);
	w32(f + 56, 4096);
	w32(f + 60, ENDOFCHAIN);
	w32(f + 68, ENDOFCHAIN);
	for (size_t i = 0; i < 109; i++)
		w32(f + 76 + 4 * i, i < nfat ? (uint32_t)i : FREESECT);
	for (size_t i = 0; i < nfat * 128; i++) {
		uint32_t v = FREESECT;

		if (i < nfat)
			v = FATSECT;
		else if (i == nfat)
			v = ENDOFCHAIN;
		else if (i < total && wrap_reverse)
			v = i > nfat + 1 ? (uint32_t)(i - 1) : ENDOFCHAIN;
		else if (i < total)
			v = i + 1 < total ? (uint32_t)(i + 1) : ENDOFCHAIN;
		w32(f + 512 + 4 * i, v);
	}
	d = f + (nfat + 1) * 512;
	for (size_t e = 0; e < 4; e++) {
		w32(d + 128 * e + 68, NOSTREAM);
		w32(d + 128 * e + 72, NOSTREAM);
		w32(d + 128 * e + 76, NOSTREAM);
	}
	for (size_t k = 0; k < 10; k++)
		w16(d + 2 * k, (unsigned char)"Root Entry"[k]);
	w16(d + 64, 22);
	d[66] = 5;
	w32(d + 76, 1);
	w32(d + 116, ENDOFCHAIN);
	for (size_t k = 0; name[k]; k++)
		w16(d + 128 + 2 * k, (unsigned char)name[k]);
	w16(d + 128 + 64, (unsigned)(2 * strlen(name) + 2));
	d[128 + 66] = 2;
	w32(d + 128 + 116, (uint32_t)(wrap_reverse ? total - 1 : nfat + 1));
	w32(d + 128 + 120, (uint32_t)sn);
	for (size_t j = 0; j < data; j++) {
		size_t at = wrap_reverse ? total - 1 - j : nfat + 1 + j;
		size_t take = j * 512 >= n ? 0 : n - j * 512 < 512 ? n - j * 512 : 512;

		if (take)
			memcpy(f + (at + 1) * 512, (const unsigned char *)s + j * 512, take);
	}
	return f;
}

/* Writes a hand-built stream and its wrapped file into $JG_XLS_SEEDS, when it is set. */
static void seed(const char *name, const bb *s, const char *stream)
{
	const char *dir = getenv("JG_XLS_SEEDS");
	char path[1024];
	unsigned char *f;
	size_t n;
	FILE *o;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	o = fopen(path, "wb");
	assert_non_null(o);
	assert_int_equal(fwrite(s->p, 1, s->n, o), s->n);
	fclose(o);
	f = ole_wrap(stream, s->p, s->n, &n);
	snprintf(path, sizeof(path), "%s/%s.xls", dir, name);
	o = fopen(path, "wb");
	assert_non_null(o);
	assert_int_equal(fwrite(f, 1, n, o), n);
	fclose(o);
	jg_free(f);
}

/* ---- reading ------------------------------------------------------------------------------ */

#define MAX_ROWS 64
#define MAX_COLS 16

typedef struct got {
	size_t rows;
	int64_t row[MAX_ROWS];
	size_t n[MAX_ROWS];
	jg_cell_type type[MAX_ROWS][MAX_COLS];
	char *text[MAX_ROWS][MAX_COLS];
} got;

static int collect(const jg_sheet_row *row, void *payload)
{
	got *g = payload;
	size_t i = g->rows++;

	if (i > 0 && i <= MAX_ROWS)
		assert_true(row->row > g->row[i - 1]); /* in order */
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

#define CELL(g, i, c, t, s)                                \
	do {                                               \
		assert_true((i) < (g)->rows);              \
		assert_true((c) < (g)->n[i]);              \
		assert_string_equal((g)->text[i][c], (s)); \
		assert_int_equal((g)->type[i][c], (t));    \
	} while (0)

/* Wraps the stream and reads it through jg_sheet_read_mem; returns the result code. */
static int read_stream(const bb *s, const char *stream, const jg_sheet_opts *opts,
		       jg_sheet_info *info, got *g, jg_err *err)
{
	unsigned char *f;
	size_t n;
	int rc;

	f = ole_wrap(stream, s->p, s->n, &n);
	got_free(g);
	jg_err_clear(err);
	rc = jg_sheet_read_mem(f, n, "book.xls", opts, info, collect, g, err);
	jg_free(f);
	assert_int_equal(err->code, rc);
	return rc;
}

static int read_book(const bb *s, const jg_sheet_opts *opts, jg_sheet_info *info, got *g,
		     jg_err *err)
{
	return read_stream(s, "Workbook", opts, info, g, err);
}

/* Runs tests/tools/make_xls.py with `kind` into `out`. */
static void make_xls(const char *out, const char *kind)
{
	char script[1024];
	char *argv[] = {"/usr/bin/python3", script, (char *)out, "--kind", (char *)kind, NULL};
	pid_t pid;
	int st = 0;

	snprintf(script, sizeof(script), "%s/tests/tools/make_xls.py", JG_TEST_SOURCE_DIR);
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		fail_msg("cannot run %s", argv[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("make_xls.py failed (status %d): is python3-xlwt installed?", st);
}

/* UTF-8 → CP949 through iconv(3); owned by the caller (jg_free). */
static char *to_cp949(const char *utf8)
{
	iconv_t cd = iconv_open("CP949", "UTF-8");
	size_t inl = strlen(utf8), outl = inl * 2 + 1;
	char *out = jg_malloc(outl), *o = out, *in = (char *)utf8;

	assert_true(cd != (iconv_t)-1);
	assert_non_null(out);
	assert_int_not_equal(iconv(cd, &in, &inl, &o, &outl), (size_t)-1);
	iconv_close(cd);
	*o = '\0';
	return out;
}

/* ---- workbooks written by xlwt ------------------------------------------------------------ */

typedef struct oracle {
	char **lines; /* expected text of each row, cells joined by tabs */
	size_t n;
	size_t rows;
	jg_buf line;
} oracle;

/* Compares each row with its line of the oracle. */
static int check_oracle(const jg_sheet_row *row, void *payload)
{
	oracle *o = payload;

	jg_buf_reset(&o->line);
	for (size_t c = 0; c < 3; c++) {
		if (c)
			assert_int_equal(jg_buf_append(&o->line, "\t", 1), 0);
		if (c < row->n) {
			assert_int_equal(row->cells[c].type,
					 row->cells[c].len ? JG_CELL_TEXT : JG_CELL_EMPTY);
			assert_int_equal(
				jg_buf_append(&o->line, row->cells[c].text, row->cells[c].len), 0);
		}
	}
	assert_int_equal(row->row, (int64_t)o->rows + 1);
	assert_true(o->rows < o->n);
	if (strcmp(jg_buf_str(&o->line), o->lines[o->rows]) != 0)
		fail_msg("row %lld differs from what xlwt was given", (long long)row->row);
	o->rows++;
	return 0;
}

/* The number of CONTINUE records right after the SST of the file's Workbook stream. */
static size_t sst_continues(const char *path)
{
	jg__ole2 ole;
	uint32_t id;
	void *data = NULL, *s = NULL;
	size_t n = 0, sn = 0, pos = 0, k = 0;
	FILE *f = fopen(path, "rb");
	const unsigned char *p;

	assert_non_null(f);
	data = jg_malloc(4 << 20);
	assert_non_null(data);
	n = fread(data, 1, 4 << 20, f);
	fclose(f);
	assert_int_equal(jg__ole2_open(&ole, data, n, NULL), 0);
	assert_int_equal(jg__ole2_find(&ole, "Workbook", &id), 0);
	assert_int_equal(jg__ole2_read(&ole, id, n, &s, &sn, NULL), 0);
	p = s;
	while (pos + 4 <= sn && (p[pos] | p[pos + 1] << 8) != 0x00fc)
		pos += 4 + (size_t)(p[pos + 2] | p[pos + 3] << 8);
	assert_true(pos + 4 <= sn);
	pos += 4 + (size_t)(p[pos + 2] | p[pos + 3] << 8);
	while (pos + 4 <= sn && (p[pos] | p[pos + 1] << 8) == 0x003c) {
		k++;
		pos += 4 + (size_t)(p[pos + 2] | p[pos + 3] << 8);
	}
	jg__ole2_close(&ole);
	jg_free(s);
	jg_free(data);
	return k;
}

/* A shared-string table of about 1 MB split by xlwt over more than a hundred CONTINUE
 * records: every string arrives whole, Korean, Latin-1, rich text and emoji alike. */
static void xls_long_sst(void **state)
{
	char *dir = t_tmpdir(), *path = t_path(dir, "sst.xls"), *txt = t_path(dir, "sst.xls.txt");
	oracle o = {0};
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	FILE *f;
	char *all;
	size_t cap = 4 << 20, len;

	(void)state;
	make_xls(path, "sst");
	assert_true(sst_continues(path) > 100);
	all = jg_malloc(cap);
	assert_non_null(all);
	f = fopen(txt, "rb");
	assert_non_null(f);
	len = fread(all, 1, cap - 1, f);
	fclose(f);
	all[len] = '\0';
	o.lines = jg_calloc(1000, sizeof(char *));
	assert_non_null(o.lines);
	for (char *p = all, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		assert_true(o.n < 1000);
		o.lines[o.n++] = p;
	}
	assert_int_equal(o.n, 600);
	jg_buf_init(&o.line, 1 << 20);
	opts.lim.max_cell = 1 << 20;
	assert_int_equal(jg_sheet_read_file(path, &opts, &info, check_oracle, &o, &err), 0);
	assert_int_equal(o.rows, 600);
	assert_string_equal(info.sheet, "긴목록");
	/* The same table under a tight cap on shared strings. */
	opts.lim.max_strings = 100000;
	o.rows = 0;
	assert_int_equal(jg_sheet_read_file(path, &opts, &info, check_oracle, &o, &err), JG_ELIMIT);
	assert_non_null(strstr(err.msg, "shared strings"));
	assert_int_equal(o.rows, 0);
	jg_buf_free(&o.line);
	jg_free(o.lines);
	jg_free(all);
	t_rmdir(dir);
	jg_free(txt);
	jg_free(path);
	jg_free(dir);
}

/* The 1904 date system, a hidden first sheet, RK integers and hundredths, NUMBER records,
 * booleans, dates, a date-time and a time of day, as xlwt writes them. */
static void xls_1904_hidden_rk(void **state)
{
	char *dir = t_tmpdir(), *path = t_path(dir, "misc.xls");
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	got g = {0};

	(void)state;
	make_xls(path, "misc");
	assert_int_equal(jg_sheet_read_file(path, NULL, &info, collect, &g, &err), 0);
	assert_string_equal(info.sheet, "주문"); /* the hidden first sheet is passed over */
	assert_true(info.date1904);
	assert_int_equal(g.rows, 3);
	CELL(&g, 0, 7, JG_CELL_TEXT, "연락처");
	CELL(&g, 1, 0, JG_CELL_NUMBER, "1");
	CELL(&g, 1, 1, JG_CELL_NUMBER, "25000");
	CELL(&g, 1, 2, JG_CELL_NUMBER, "12.34");
	CELL(&g, 1, 3, JG_CELL_DATE, "2026-11-29");
	CELL(&g, 1, 4, JG_CELL_DATE, "2026-11-29 14:05:00");
	CELL(&g, 1, 5, JG_CELL_DATE, "1904-01-01 09:30:00");
	CELL(&g, 1, 6, JG_CELL_BOOL, "TRUE");
	CELL(&g, 1, 7, JG_CELL_NUMBER, "1012345678");
	CELL(&g, 2, 0, JG_CELL_NUMBER, "-5");
	CELL(&g, 2, 1, JG_CELL_NUMBER, "-0.5");
	CELL(&g, 2, 2, JG_CELL_NUMBER, "0.3333333333333333");
	CELL(&g, 2, 3, JG_CELL_DATE, "1904-01-01");
	CELL(&g, 2, 4, JG_CELL_EMPTY, "");
	CELL(&g, 2, 6, JG_CELL_BOOL, "FALSE");
	CELL(&g, 2, 7, JG_CELL_NUMBER, "2026112900000001");
	/* Asked for by name, the hidden sheet reads. */
	opts.sheet = "숨김";
	got_free(&g);
	assert_int_equal(jg_sheet_read_file(path, &opts, &info, collect, &g, &err), 0);
	assert_int_equal(g.rows, 1);
	CELL(&g, 0, 0, JG_CELL_TEXT, "숨은 시트");
	got_free(&g);
	t_rmdir(dir);
	jg_free(path);
	jg_free(dir);
}

/* ---- hand-built workbooks ----------------------------------------------------------------- */

/*
 * XF 0-15 general; 16 a custom date format, 17 a custom number format "0.00", 18 built-in
 * 14 (a date), 19 built-in 22 (a date-time), 20 built-in 0x1f (Korean 년/월/일).
 */
static void styles(bb *b, int biff)
{
	format(b, biff, 164, "yyyy\\-mm\\-dd;@");
	format(b, biff, 165, "0.00");
	for (int i = 0; i < 16; i++)
		xf(b, biff, 0);
	xf(b, biff, 164);
	xf(b, biff, 165);
	xf(b, biff, 14);
	xf(b, biff, 22);
	xf(b, biff, 0x1f);
}

/* The SST of cells(): six strings cut at awkward places (see the file's comment). */
static void tricky_sst(bb *b)
{
	size_t r = rec_begin(b, 0x00fc);

	u32(b, 7);
	u32(b, 6);
	/* 0: "Hello" with two rich-text runs; the second run is in the CONTINUE (runs go on
	 * without a flags byte; Excel and xlwt never cut inside a run). */
	u16(b, 5);
	u8(b, 0x08);
	u16(b, 2);
	put(b, "Hello", 5);
	u32(b, 0x00010000);
	rec_end(b, r);
	r = rec_begin(b, 0x003c);
	u32(b, 0x00040003);
	/* 1: "가나다" in UTF-16 with 10 bytes of phonetic data across the next boundary. */
	u16(b, 3);
	u8(b, 0x05);
	u32(b, 10);
	u16(b, 0xac00);
	u16(b, 0xb098);
	u16(b, 0xb2e4);
	put(b, "\x01\x02\x03\x04", 4);
	rec_end(b, r);
	r = rec_begin(b, 0x003c);
	put(b, "\x05\x06\x07\x08\x09\x0a", 6);
	/* 2: "abc" compressed, then a new flags byte switches to UTF-16 for "한글값". */
	u16(b, 6);
	u8(b, 0x00);
	put(b, "abc", 3);
	rec_end(b, r);
	r = rec_begin(b, 0x003c);
	u8(b, 0x01);
	u16(b, 0xd55c);
	u16(b, 0xae00);
	u16(b, 0xac12);
	/* 3: "x😀y" with the surrogate pair cut in two. */
	u16(b, 4);
	u8(b, 0x01);
	u16(b, 'x');
	u16(b, 0xd83d);
	rec_end(b, r);
	r = rec_begin(b, 0x003c);
	u8(b, 0x01);
	u16(b, 0xde00);
	u16(b, 'y');
	/* 4: empty. */
	u16(b, 0);
	u8(b, 0);
	rec_end(b, r);
	r = rec_begin(b, 0x003c);
	/* 5: "ok", starting a CONTINUE (a new string: no flags byte of the old one). */
	u16(b, 2);
	u8(b, 0);
	put(b, "ok", 2);
	rec_end(b, r);
}

/* The globals of a BIFF8 workbook with the given sheets; returns where their offsets go. */
static void globals8(bb *b, size_t nsheets, const char *const *names, const unsigned *vis,
		     const unsigned *dt, size_t *at, bool sst, size_t pad)
{
	bof(b, 8, 0x0005);
	rec16(b, 0x0042, 1200);
	rec16(b, 0x0022, 0);
	if (pad) { /* an unknown record, making the stream longer than 4096 bytes */
		size_t r = rec_begin(b, 0x1001);

		for (size_t i = 0; i < pad; i++)
			u8(b, (unsigned)i);
		rec_end(b, r);
	}
	styles(b, 8);
	for (size_t i = 0; i < nsheets; i++)
		at[i] = boundsheet(b, 8, vis[i], dt[i], names[i]);
	if (sst)
		tricky_sst(b);
	eof(b);
}

/* A workbook whose first sheet is a chart and whose second holds every kind of cell. */
static void build_cells(bb *b, size_t pad)
{
	static const char *const names[] = {"Chart1", "Data"};
	static const unsigned vis[] = {0, 0}, dt[] = {2, 0};
	static const unsigned ixf[] = {15, 16, 18, 17, 19, 20};
	uint32_t v[6];
	size_t at[2], r;

	globals8(b, 2, names, vis, dt, at, true, pad);
	patch32(b, at[0], (uint32_t)b->n);
	bof(b, 8, 0x0020);
	number(b, 0, 0, 15, 1); /* a chart's own data, not a cell */
	eof(b);
	patch32(b, at[1], (uint32_t)b->n);
	bof(b, 8, 0x0010);
	r = rec_begin(b, 0x0200); /* DIMENSIONS: a lie, and harmless */
	u32(b, 0);
	u32(b, 1);
	u16(b, 0);
	u16(b, 1);
	u16(b, 0);
	rec_end(b, r);
	for (uint32_t i = 0; i < 6; i++)
		labelsst(b, 0, i, i);
	label8(b, 0x0204, 1, 0, "한글");
	label8(b, 0x0204, 1, 1, "café");
	label8(b, 0x00d6, 1, 2, "굵게");
	/* A LABEL whose characters go on into a CONTINUE, compressed, then UTF-16. */
	r = rec_begin(b, 0x0204);
	cellhdr(b, 1, 3, 15);
	u16(b, 8);
	u8(b, 0);
	put(b, "abcd", 4);
	rec_end(b, r);
	r = rec_begin(b, 0x003c);
	u8(b, 1);
	u16(b, 0xac00);
	u16(b, 0xb098);
	u16(b, 0xb2e4);
	u16(b, 0xb77c);
	rec_end(b, r);
	number(b, 2, 0, 15, 3.5);
	rk(b, 2, 1, 15, rk_int(-7, false));
	rk(b, 2, 2, 15, rk_int(1234, true));
	rk(b, 2, 3, 15, rk_double(2.5, false));
	rk(b, 2, 4, 15, rk_double(150.0, true));
	number(b, 2, 5, 15, 1e20);
	number(b, 2, 6, 15, 1.5e-7);
	number(b, 2, 7, 15, 0.1 + 0.2);
	number(b, 2, 8, 15, -0.0);
	number(b, 2, 9, 15, 2026112900000001.0);
	v[0] = rk_int(42, false);
	v[1] = rk_int(46355, false);      /* 2026-11-29 */
	v[2] = rk_double(46355.5, false); /* 2026-11-29 12:00 */
	v[3] = rk_int(325, true);         /* 3.25 in "0.00": a number */
	v[4] = rk_int(46355, false);
	v[5] = rk_int(46355, false);
	mulrk(b, 3, 1, 6, ixf, v);
	boolerr(b, 4, 0, 1, false);
	boolerr(b, 4, 1, 0, false);
	boolerr(b, 4, 2, 0x07, true);
	boolerr(b, 4, 3, 0x2a, true);
	formula(b, 5, 0, 15, -1, 99.5, 0);
	formula(b, 5, 1, 15, 0, 0, 0); /* a string result: SHRFMLA, then STRING */
	r = rec_begin(b, 0x04bc);
	put(b, "\0\0\0\0\0\0\0\0\0\0", 10);
	rec_end(b, r);
	string8(b, "합계 결과");
	formula(b, 5, 2, 15, 1, 0, 1);
	formula(b, 5, 3, 15, 2, 0, 0x17);
	formula(b, 5, 4, 15, 3, 0, 0); /* an empty string */
	formula(b, 5, 5, 16, -1, 46355.25, 0);
	formula(b, 5, 6, 15, 0, 0, 0); /* a string result with no STRING after it */
	rec16(b, 0x0208, 0);           /* (a ROW record: not a STRING) */
	r = rec_begin(b, 0x0201);      /* row 7: BLANK and MULBLANK only */
	cellhdr(b, 6, 0, 15);
	rec_end(b, r);
	r = rec_begin(b, 0x00be);
	u16(b, 6);
	u16(b, 1);
	u16(b, 15);
	u16(b, 15);
	u16(b, 2);
	rec_end(b, r);
	label8(b, 0x0204, 7, 0, ""); /* row 8: an empty label, then a cell */
	label8(b, 0x0204, 7, 2, "z");
	bof(b, 8, 0x0020); /* a chart embedded in the sheet */
	number(b, 8, 0, 15, 77);
	label8(b, 0x0204, 8, 5, "not a cell");
	eof(b);
	label8(b, 0x0204, 8, 1, "after the chart");
	eof(b);
}

static void biff_cells(void **state)
{
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	bb b = {0};
	got g = {0};

	(void)state;
	build_cells(&b, 0);
	seed("cells", &b, "Workbook");
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), 0);
	assert_int_equal(info.format, JG_FORMAT_XLS);
	assert_string_equal(info.sheet, "Data"); /* the chart sheet comes first */
	assert_false(info.date1904);
	assert_int_equal(g.rows, 8);
	assert_int_equal(g.row[0], 1);
	assert_int_equal(g.n[0], 6);
	CELL(&g, 0, 0, JG_CELL_TEXT, "Hello");
	CELL(&g, 0, 1, JG_CELL_TEXT, "가나다");
	CELL(&g, 0, 2, JG_CELL_TEXT, "abc한글값");
	CELL(&g, 0, 3, JG_CELL_TEXT, "x😀y");
	CELL(&g, 0, 4, JG_CELL_EMPTY, "");
	CELL(&g, 0, 5, JG_CELL_TEXT, "ok");
	CELL(&g, 1, 0, JG_CELL_TEXT, "한글");
	CELL(&g, 1, 1, JG_CELL_TEXT, "café");
	CELL(&g, 1, 2, JG_CELL_TEXT, "굵게");
	CELL(&g, 1, 3, JG_CELL_TEXT, "abcd가나다라");
	CELL(&g, 2, 0, JG_CELL_NUMBER, "3.5");
	CELL(&g, 2, 1, JG_CELL_NUMBER, "-7");
	CELL(&g, 2, 2, JG_CELL_NUMBER, "12.34");
	CELL(&g, 2, 3, JG_CELL_NUMBER, "2.5");
	CELL(&g, 2, 4, JG_CELL_NUMBER, "1.5");
	CELL(&g, 2, 5, JG_CELL_NUMBER, "100000000000000000000");
	CELL(&g, 2, 6, JG_CELL_NUMBER, "1.5e-07");
	CELL(&g, 2, 7, JG_CELL_NUMBER, "0.30000000000000004");
	CELL(&g, 2, 8, JG_CELL_NUMBER, "0");
	CELL(&g, 2, 9, JG_CELL_NUMBER, "2026112900000001");
	CELL(&g, 3, 0, JG_CELL_EMPTY, "");
	CELL(&g, 3, 1, JG_CELL_NUMBER, "42");
	CELL(&g, 3, 2, JG_CELL_DATE, "2026-11-29");
	CELL(&g, 3, 3, JG_CELL_DATE, "2026-11-29 12:00:00");
	CELL(&g, 3, 4, JG_CELL_NUMBER, "3.25");
	CELL(&g, 3, 5, JG_CELL_DATE, "2026-11-29");
	CELL(&g, 3, 6, JG_CELL_DATE, "2026-11-29");
	CELL(&g, 4, 0, JG_CELL_BOOL, "TRUE");
	CELL(&g, 4, 1, JG_CELL_BOOL, "FALSE");
	CELL(&g, 4, 2, JG_CELL_ERROR, "#DIV/0!");
	CELL(&g, 4, 3, JG_CELL_ERROR, "#N/A");
	assert_int_equal(g.row[5], 6);
	assert_int_equal(g.n[5], 6); /* the last formula's string is missing: no cell */
	CELL(&g, 5, 0, JG_CELL_NUMBER, "99.5");
	CELL(&g, 5, 1, JG_CELL_TEXT, "합계 결과");
	CELL(&g, 5, 2, JG_CELL_BOOL, "TRUE");
	CELL(&g, 5, 3, JG_CELL_ERROR, "#REF!");
	CELL(&g, 5, 4, JG_CELL_EMPTY, "");
	CELL(&g, 5, 5, JG_CELL_DATE, "2026-11-29 06:00:00");
	assert_int_equal(g.row[6], 8); /* row 7 has only blanks */
	assert_int_equal(g.n[6], 3);
	CELL(&g, 6, 0, JG_CELL_EMPTY, "");
	CELL(&g, 6, 2, JG_CELL_TEXT, "z");
	assert_int_equal(g.row[7], 9);
	assert_int_equal(g.n[7], 2); /* the embedded chart's records are not cells */
	CELL(&g, 7, 1, JG_CELL_TEXT, "after the chart");
	/* The same stream with its sectors backwards: copied out, read the same. */
	wrap_reverse = true;
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), 0);
	wrap_reverse = false;
	assert_int_equal(g.rows, 8);
	CELL(&g, 0, 3, JG_CELL_TEXT, "x😀y");
	CELL(&g, 7, 1, JG_CELL_TEXT, "after the chart");
	/* Sheets by name: the chart is not a worksheet; unknown names list the sheets. */
	opts.sheet = "chart1";
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "not a worksheet"));
	opts.sheet = "DATA";
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), 0);
	assert_string_equal(info.sheet, "Data");
	opts.sheet = "없음";
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), JG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "\"Chart1\", \"Data\""));
	/* Caps: columns (the MULRK reaches column 7) and cells. */
	opts.sheet = NULL;
	opts.lim.max_cols = 6;
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(err.row, 3); /* "1.5e-07" in column 7 of row 3 */
	assert_int_equal(err.col, 7);
	opts.lim.max_cols = 0;
	opts.lim.max_cell = 12;
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(err.row, 2);
	assert_int_equal(err.col, 4); /* "abcd가나다라" is 16 bytes */
	opts.lim.max_cell = 0;
	opts.lim.max_rows = 3;
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(g.rows, 3);
	got_free(&g);
	jg_free(b.p);
}

/* Cells out of row order: within a row block they stream through the window; further out
 * of order the sheet is sorted first. Either way rows come in order, a cell written twice
 * keeps its last value, and a formula's string result follows its FORMULA record. */
static void build_disorder(bb *b)
{
	static const char *const names[] = {"블록", "뒤죽박죽"};
	static const unsigned vis[] = {0, 0}, dt[] = {0, 0};
	size_t at[2];

	globals8(b, 2, names, vis, dt, at, true, 0);
	patch32(b, at[0], (uint32_t)b->n);
	bof(b, 8, 0x0010);
	label8(b, 0x0204, 3, 0, "d");
	number(b, 1, 1, 15, 1);
	label8(b, 0x0204, 1, 0, "b");
	number(b, 0, 2, 15, 2);
	label8(b, 0x0204, 2, 0, "c");
	label8(b, 0x0204, 0, 0, "a");
	label8(b, 0x0204, 3, 0, "D");
	for (unsigned r = 4; r < 40; r++) /* then in order, 31 rows behind at most */
		number(b, r, 0, 15, r);
	number(b, 9, 1, 15, 9.5); /* 30 rows back */
	eof(b);
	patch32(b, at[1], (uint32_t)b->n);
	bof(b, 8, 0x0010);
	for (unsigned r = 200; r > 100; r -= 10)
		number(b, r, 0, 15, r);
	formula(b, 150, 1, 15, 0, 0, 0);
	string8(b, "문자열 결과");
	labelsst(b, 5, 3, 5);
	number(b, 150, 0, 15, -150); /* written over */
	eof(b);
}

static void biff_disorder(void **state)
{
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	bb b = {0};
	got g = {0};

	(void)state;
	build_disorder(&b);
	seed("disorder", &b, "Workbook");
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), 0);
	assert_int_equal(g.rows, 40);
	for (size_t i = 0; i < 40; i++)
		assert_int_equal(g.row[i], (int64_t)i + 1);
	CELL(&g, 0, 0, JG_CELL_TEXT, "a");
	CELL(&g, 0, 2, JG_CELL_NUMBER, "2");
	CELL(&g, 1, 0, JG_CELL_TEXT, "b");
	CELL(&g, 1, 1, JG_CELL_NUMBER, "1");
	CELL(&g, 2, 0, JG_CELL_TEXT, "c");
	CELL(&g, 3, 0, JG_CELL_TEXT, "D");
	CELL(&g, 9, 0, JG_CELL_NUMBER, "9");
	CELL(&g, 9, 1, JG_CELL_NUMBER, "9.5");
	CELL(&g, 39, 0, JG_CELL_NUMBER, "39");
	opts.sheet = "뒤죽박죽";
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), 0);
	assert_int_equal(g.rows, 11);
	assert_int_equal(g.row[0], 6);
	CELL(&g, 0, 3, JG_CELL_TEXT, "ok");
	for (size_t i = 1; i < 11; i++)
		assert_int_equal(g.row[i], 101 + 10 * (int64_t)i);
	assert_int_equal(g.row[5], 151);
	CELL(&g, 5, 0, JG_CELL_NUMBER, "-150");
	CELL(&g, 5, 1, JG_CELL_TEXT, "문자열 결과");
	CELL(&g, 10, 0, JG_CELL_NUMBER, "200");
	got_free(&g);
	jg_free(b.p);
}

/* A BIFF5 workbook ("Book" stream) in code page 949: sheet names, labels and the custom
 * date format are CP949 bytes, including syllables EUC-KR cannot spell. */
static void build_biff5(bb *b, unsigned codepage, const char *label)
{
	char *name = to_cp949("주문"), *kim = to_cp949("김철수"), *ddom = to_cp949("똠햏 상회");
	size_t at, r;

	bof(b, 5, 0x0005);
	rec16(b, 0x0042, codepage);
	styles(b, 5);
	at = boundsheet(b, 5, 0, 0, name);
	eof(b);
	patch32(b, at, (uint32_t)b->n);
	bof(b, 5, 0x0010);
	r = rec_begin(b, 0x0204);
	cellhdr(b, 0, 0, 15);
	u16(b, (unsigned)strlen(kim));
	put(b, kim, strlen(kim));
	rec_end(b, r);
	r = rec_begin(b, 0x0204);
	cellhdr(b, 0, 1, 15);
	u16(b, (unsigned)strlen(ddom));
	put(b, ddom, strlen(ddom));
	rec_end(b, r);
	r = rec_begin(b, 0x0204);
	cellhdr(b, 0, 2, 15);
	u16(b, (unsigned)strlen(label));
	put(b, label, strlen(label));
	rec_end(b, r);
	number(b, 1, 0, 16, 46355);
	rk(b, 1, 1, 15, rk_int(1012345678 / 4, false));
	formula(b, 1, 2, 15, 0, 0, 0);
	r = rec_begin(b, 0x0207);
	u16(b, (unsigned)strlen(kim));
	put(b, kim, strlen(kim));
	rec_end(b, r);
	eof(b);
	jg_free(name);
	jg_free(kim);
	jg_free(ddom);
}

static void biff5_cp949(void **state)
{
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	bb b = {0};
	got g = {0};

	(void)state;
	build_biff5(&b, 949, "plain");
	seed("biff5", &b, "Book");
	assert_int_equal(read_stream(&b, "Book", NULL, &info, &g, &err), 0);
	assert_string_equal(info.sheet, "주문");
	assert_string_equal(info.charset, "cp949");
	assert_int_equal(g.rows, 2);
	CELL(&g, 0, 0, JG_CELL_TEXT, "김철수");
	CELL(&g, 0, 1, JG_CELL_TEXT, "똠햏 상회");
	CELL(&g, 0, 2, JG_CELL_TEXT, "plain");
	CELL(&g, 1, 0, JG_CELL_DATE, "2026-11-29");
	CELL(&g, 1, 1, JG_CELL_NUMBER, "253086419");
	CELL(&g, 1, 2, JG_CELL_TEXT, "김철수");
	opts.sheet = "주문";
	assert_int_equal(read_stream(&b, "Book", &opts, &info, &g, &err), 0);
	jg_free(b.p);
	/* Bytes that are not CP949 are an error at their cell, never replaced. */
	memset(&b, 0, sizeof(b));
	build_biff5(&b, 949, "\x80\x41 bad");
	assert_int_equal(read_stream(&b, "Book", NULL, &info, &g, &err), JG_EFORMAT);
	assert_int_equal(err.row, 1);
	assert_int_equal(err.col, 3);
	jg_free(b.p);
	/* Windows-1252, undefined bytes included, and a NUL (dropped). */
	memset(&b, 0, sizeof(b));
	bof(&b, 5, 0x0005);
	rec16(&b, 0x0042, 1252);
	{
		size_t at = boundsheet(&b, 5, 0, 0, "Sheet1"), r;

		eof(&b);
		patch32(&b, at, (uint32_t)b.n);
		bof(&b, 5, 0x0010);
		r = rec_begin(&b, 0x0204);
		cellhdr(&b, 0, 0, 15);
		u16(&b, 10);
		put(&b, "caf\xe9 \x80 5\x00!", 10);
		rec_end(&b, r);
		eof(&b);
	}
	assert_int_equal(read_stream(&b, "Book", NULL, &info, &g, &err), 0);
	assert_string_equal(info.charset, "");
	CELL(&g, 0, 0, JG_CELL_TEXT, "café € 5!");
	/* A code page jaego does not read: the CP949 sheet name is refused. */
	got_free(&g);
	jg_free(b.p);
	memset(&b, 0, sizeof(b));
	build_biff5(&b, 932, "plain");
	assert_int_equal(read_stream(&b, "Book", NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "name of sheet 1 cannot be read"));
	got_free(&g);
	jg_free(b.p);
}

/* ---- damaged input ------------------------------------------------------------------------ */

/* Reads without asserting the outcome beyond its consistency; returns the code. */
static int try_read(const unsigned char *s, size_t n, const char *stream, const jg_sheet_opts *opts)
{
	unsigned char *f;
	size_t fn;
	jg_err err = {0};
	got g = {0};
	int rc;

	f = ole_wrap(stream, s, n, &fn);
	rc = jg_sheet_read_mem(f, fn, "bad.xls", opts, NULL, collect, &g, &err);
	assert_int_equal(err.code, rc);
	jg_free(f);
	got_free(&g);
	return rc;
}

/* True when the stream cut after `k` bytes ends inside a record: not on a boundary, and
 * not after one to three zero bytes of a header (which read as padding). */
static bool mid_record(const bb *s, size_t k)
{
	size_t pos = 0, at = 0;

	while (pos < k) {
		at = pos;
		pos += 4 + (size_t)(s->p[pos + 2] | s->p[pos + 3] << 8);
	}
	if (pos == k)
		return false;
	if (k - at < 4) {
		for (size_t i = at; i < k; i++)
			if (s->p[i])
				return true;
		return false;
	}
	return true;
}

static void biff_truncated(void **state)
{
	bb b = {0};

	(void)state;
	build_cells(&b, 4200); /* longer than 4096: cuts past it end the stream exactly */
	assert_true(b.n > 5000);
	for (size_t k = 0; k < b.n; k++) {
		int rc = try_read(b.p, k, "Workbook", NULL);

		if (k >= 4096 && mid_record(&b, k))
			assert_int_equal(rc, JG_EFORMAT);
		else
			assert_true(rc == 0 || rc == JG_EFORMAT);
	}
	assert_int_equal(try_read(b.p, b.n, "Workbook", NULL), 0);
	jg_free(b.p);
}

static void bb_free(bb *b)
{
	jg_free(b->p);
	memset(b, 0, sizeof(*b));
}

/* A minimal workbook with an SST and `cells` (records, already built) in its one sheet,
 * each when given. Returns where the sheet's offset is in the BOUNDSHEET record. */
static size_t book_with(bb *b, const bb *sst, const bb *cells)
{
	size_t at, sheet_at;

	bof(b, 8, 0x0005);
	styles(b, 8);
	at = boundsheet(b, 8, 0, 0, "S");
	if (sst)
		put(b, sst->p, sst->n);
	eof(b);
	patch32(b, at, (uint32_t)b->n);
	sheet_at = at;
	bof(b, 8, 0x0010);
	if (cells)
		put(b, cells->p, cells->n);
	eof(b);
	return sheet_at;
}

static void biff_bad_input(void **state)
{
	static const unsigned ixf[11] = {15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15};
	uint32_t v[11];
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	bb b = {0}, c = {0}, s = {0};
	got g = {0};
	size_t r, at;

	(void)state;
	/* A LABEL whose count runs past its record. */
	r = rec_begin(&c, 0x0204);
	cellhdr(&c, 4, 2, 15);
	u16(&c, 5000);
	u8(&c, 1);
	put(&c, "abcdefgh", 8);
	rec_end(&c, r);
	book_with(&b, NULL, &c);
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	assert_int_equal(err.row, 5);
	assert_int_equal(err.col, 3);
	assert_non_null(strstr(err.msg, "runs past"));
	bb_free(&b);
	bb_free(&c);
	/* An SST that claims 2^31 strings (and holds one). */
	r = rec_begin(&s, 0x00fc);
	u32(&s, 0x80000000u);
	u32(&s, 0x80000000u);
	str8(&s, "one", false);
	rec_end(&s, r);
	labelsst(&c, 0, 0, 0);
	book_with(&b, &s, &c);
	seed("sst-claims", &b, "Workbook");
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "2147483648 strings"));
	bb_free(&b);
	bb_free(&s);
	bb_free(&c);
	/* One string claimed and there, but a cell names the second. */
	r = rec_begin(&s, 0x00fc);
	u32(&s, 1);
	u32(&s, 1);
	str8(&s, "one", false);
	rec_end(&s, r);
	labelsst(&c, 0, 0, 0);
	labelsst(&c, 1, 0, 1);
	book_with(&b, &s, &c);
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	assert_int_equal(err.row, 2);
	assert_non_null(strstr(err.msg, "shared string 2 of 1"));
	bb_free(&b);
	bb_free(&c);
	/* An SST that ends inside a string it declares. */
	s.n -= 2;
	s.p[2] = (unsigned char)(s.n - 4);
	book_with(&b, &s, NULL);
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "ends inside string 1"));
	bb_free(&b);
	bb_free(&s);
	/* Shared strings past max_strings. */
	r = rec_begin(&s, 0x00fc);
	u32(&s, 200);
	u32(&s, 200);
	for (int i = 0; i < 200; i++)
		str8(&s, "0123456789012345678901234567890123456789", false);
	rec_end(&s, r);
	book_with(&b, &s, NULL);
	opts.lim.max_strings = 4000;
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), JG_ELIMIT);
	opts.lim.max_strings = 0;
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), 0);
	bb_free(&b);
	bb_free(&s);
	/* A MULRK that runs past max_cols. */
	for (int i = 0; i < 11; i++)
		v[i] = rk_int(i, false);
	mulrk(&c, 9, 250, 11, ixf, v);
	book_with(&b, NULL, &c);
	opts.lim.max_cols = 256;
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), JG_ELIMIT);
	assert_int_equal(err.row, 10);
	assert_int_equal(err.col, 257);
	opts.lim.max_cols = 0;
	assert_int_equal(read_book(&b, &opts, &info, &g, &err), 0);
	assert_int_equal(g.rows, 1);
	assert_int_equal(g.n[0], 261);
	bb_free(&b);
	bb_free(&c);
	/* A cell record too short for its kind. */
	r = rec_begin(&c, 0x0203);
	cellhdr(&c, 0, 0, 15);
	u32(&c, 0);
	rec_end(&c, r);
	book_with(&b, NULL, &c);
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "too short"));
	bb_free(&b);
	bb_free(&c);
	/* Older BIFF, an unknown version, globals that do not start the stream. */
	r = rec_begin(&b, 0x0409);
	u16(&b, 0);
	u16(&b, 0x10);
	rec_end(&b, r);
	eof(&b);
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "BIFF2-4"));
	b.p[0] = 0x09;
	b.p[1] = 0x08;
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "BOF 0x0000"));
	b.p[5] = 0x06;
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "globals"));
	bb_free(&b);
	/* No workbook in the container. */
	at = book_with(&b, NULL, NULL);
	assert_int_equal(read_stream(&b, "WordDocument", NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "no Excel workbook"));
	/* A sheet offset past the stream, or not at a BOF. */
	patch32(&b, at, 0x7fffffff);
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "offset"));
	patch32(&b, at, 20);
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	assert_non_null(strstr(err.msg, "offset"));
	/* A record whose length runs past the end of the stream. */
	b.p[b.n - 2] = 0x10; /* the last EOF (read as a bare stream: no padding after it) */
	patch32(&b, at, (uint32_t)b.n - 4 - 20);
	assert_int_equal(jg__xls_fuzz(b.p, b.n), JG_EFORMAT);
	bb_free(&b);
	/* Encrypted: FILEPASS in the globals. */
	bof(&b, 8, 0x0005);
	r = rec_begin(&b, 0x002f);
	u16(&b, 1);
	put(&b, "\x01\x00\x01\x00", 4);
	rec_end(&b, r);
	put(&b, "\xff\xff\xff\xff\xff\xff", 6); /* ciphertext: never looked at */
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EPERM);
	assert_non_null(strstr(err.msg, "encrypted .xls is not supported"));
	bb_free(&b);
	/* Only a chart: no worksheet. */
	{
		static const char *const names[] = {"Chart"};
		static const unsigned vis[] = {0}, dt[] = {2};
		size_t sheet[1];

		globals8(&b, 1, names, vis, dt, sheet, false, 0);
		patch32(&b, sheet[0], (uint32_t)b.n);
		bof(&b, 8, 0x0020);
		eof(&b);
		assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
		assert_non_null(strstr(err.msg, "no worksheet"));
		bb_free(&b);
	}
	/* Globals without an end. */
	bof(&b, 8, 0x0005);
	styles(&b, 8);
	assert_int_equal(read_book(&b, NULL, &info, &g, &err), JG_EFORMAT);
	bb_free(&b);
	got_free(&g);
}

/* Noise: random streams, and a real one with bytes changed at random. Any outcome but a
 * crash (the sanitizers watch) or an inconsistent result is fine. */
static void biff_garbage(void **state)
{
	unsigned char noise[6000];
	uint32_t x = 949;
	bb b = {0};

	(void)state;
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof(noise); i++) {
			x = x * 1103515245u + 12345u;
			noise[i] = (unsigned char)(x >> 16);
		}
		if (round % 2) { /* start it like a workbook */
			memcpy(noise, "\x09\x08\x10\x00\x00\x06\x05\x00", 8);
		}
		assert_true(try_read(noise, sizeof(noise), "Workbook", NULL) < 0);
	}
	build_cells(&b, 0);
	for (int round = 0; round < 3000; round++) {
		unsigned char *m = jg_malloc(b.n);
		int rc;

		assert_non_null(m);
		memcpy(m, b.p, b.n);
		for (int k = 0; k < 1 + round % 4; k++) {
			x = x * 1103515245u + 12345u;
			m[(x >> 8) % b.n] = (unsigned char)(x >> 20);
		}
		rc = try_read(m, b.n, "Workbook", NULL);
		assert_true(rc == 0 || rc == JG_EFORMAT || rc == JG_ELIMIT || rc == JG_EPERM);
		jg_free(m);
	}
	jg_free(b.p);
}

/* ---- allocation failures ------------------------------------------------------------------ */

static int count_rows(const jg_sheet_row *row, void *payload)
{
	(void)row;
	++*(int64_t *)payload;
	return 0;
}

/* Every allocation of a read failing in turn ends in JG_ENOMEM and leaks nothing. */
static void allocation_failures(void **state)
{
	const char *sheets[] = {NULL, "뒤죽박죽"};
	bb a = {0}, d = {0};

	(void)state;
	build_cells(&a, 0);
	build_disorder(&d);
	for (int which = 0; which < 3; which++) {
		const bb *s = which == 0 ? &a : &d;
		jg_sheet_opts opts = {0};
		unsigned char *f;
		size_t n;
		long k;

		opts.sheet = which == 0 ? NULL : sheets[which - 1];
		wrap_reverse = which == 1; /* one of them copied out */
		f = ole_wrap("Workbook", s->p, s->n, &n);
		wrap_reverse = false;
		for (k = 0; k < 100000; k++) {
			jg_sheet_limits lim;
			jg_sheet_info info = {0};
			jg_err err = {0};
			int64_t rows = 0;
			int rc;

			jg_sheet_limits_resolve(&lim, &opts.lim);
			jg_alloc_fail_after(k);
			rc = jg__xls_read(f, n, &opts, &lim, &info, count_rows, &rows, &err);
			jg_alloc_fail_after(-1);
			if (rc == 0) {
				assert_int_equal(rows, which == 0 ? 8 : which == 1 ? 40 : 11);
				break;
			}
			if (rc != JG_ENOMEM)
				fail_msg("allocation %ld failing gave %d (%s)", k, rc, err.msg);
			assert_int_equal(err.code, JG_ENOMEM);
		}
		assert_true(k < 100000);
		jg_free(f);
	}
	jg_free(a.p);
	jg_free(d.p);
}

/* The fuzz entry reads bare streams and files alike. */
static void fuzz_entry(void **state)
{
	bb b = {0};
	unsigned char *f;
	size_t n;

	(void)state;
	build_cells(&b, 0);
	assert_int_equal(jg__xls_fuzz(b.p, b.n), 0);
	f = ole_wrap("Workbook", b.p, b.n, &n);
	assert_int_equal(jg__xls_fuzz(f, n), 0);
	assert_int_equal(jg__xls_fuzz(f, 100), JG_EFORMAT);
	assert_int_equal(jg__xls_fuzz("", 0), JG_EFORMAT);
	jg_free(f);
	jg_free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xls_long_sst),        cmocka_unit_test(xls_1904_hidden_rk),
		cmocka_unit_test(biff_cells),          cmocka_unit_test(biff_disorder),
		cmocka_unit_test(biff5_cp949),         cmocka_unit_test(biff_truncated),
		cmocka_unit_test(biff_bad_input),      cmocka_unit_test(biff_garbage),
		cmocka_unit_test(allocation_failures), cmocka_unit_test(fuzz_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
