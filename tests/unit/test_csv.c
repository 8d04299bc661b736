/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the streaming CSV reader (src/import/csv.c): quoting, embedded line breaks,
 * every line end, the byte order mark, delimiter sniffing, blank lines and record numbers,
 * the caps (cell bytes, columns, records) with the position in jg_err, unterminated quotes,
 * a callback that stops the reader, reading files, and allocation failures. Every input is
 * also fed in every chunking that matters (one byte at a time, every split in two, random
 * splits): the reader must give the same records, codes and positions whatever the chunks.
 *
 * Records are collected into fixed static storage, not through jg_malloc, so the allocation
 * failure test fails only the reader's own allocations.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jaego/csv.h"
#include "support.h"

#define ROWS_TEXT_MAX (2u << 20)

/* Records as one string: "<row>|" then "<len>:<bytes>;" per cell, then "\n". */
typedef struct rows {
	char text[ROWS_TEXT_MAX];
	size_t len;
	int64_t count;
	int64_t stop_at; /* return stop_rc from the callback for this record (0 = never) */
	int stop_rc;
	int rc;		 /* what the reader returned */
	char delim;	 /* jg_csv_delimiter() at the end */
	jg_err err;
} rows;

static rows got_rows, ref_rows, want_rows;

static void rows_reset(rows *o)
{
	o->len = 0;
	o->text[0] = '\0';
	o->count = 0;
	o->rc = 0;
	o->delim = 0;
	jg_err_clear(&o->err);
}

static void rows_put(rows *o, const void *p, size_t n)
{
	if (o->len + n + 1 > sizeof(o->text))
		fail_msg("collected records exceed %zu bytes", sizeof(o->text));
	memcpy(o->text + o->len, p, n);
	o->len += n;
	o->text[o->len] = '\0';
}

static void rows_putf(rows *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rows_putf(rows *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(tmp));
	rows_put(o, tmp, (size_t)n);
}

static void rows_record(rows *o, int64_t row, const char *const *cells, const size_t *lens,
			size_t n)
{
	rows_putf(o, "%" PRId64 "|", row);
	for (size_t i = 0; i < n; i++) {
		rows_putf(o, "%zu:", lens[i]);
		rows_put(o, cells[i], lens[i]);
		rows_put(o, ";", 1);
	}
	rows_put(o, "\n", 1);
}

static int collect(int64_t row, const char *const *cells, const size_t *lens, size_t n,
		   void *payload)
{
	rows *o = payload;

	o->count++;
	/* Records are numbered 1, 2, 3, ... in order. */
	if (row != o->count)
		fail_msg("record %" PRId64 " reported as row %" PRId64, o->count, row);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cells[i][lens[i]], '\0');
	rows_record(o, row, cells, lens, n);
	return o->stop_at == row ? o->stop_rc : 0;
}

/* Appends an expected record: its cells as C strings, NULL-terminated. */
static void want(int64_t row, ...)
{
	const char *cells[64];
	size_t lens[64], n = 0;
	va_list ap;

	va_start(ap, row);
	for (const char *c; (c = va_arg(ap, const char *)) != NULL;) {
		assert_true(n < 64);
		cells[n] = c;
		lens[n++] = strlen(c);
	}
	va_end(ap);
	rows_record(&want_rows, row, cells, lens, n);
	want_rows.count++;
}

/* Feeds `in` cut at the given positions (ascending), then finishes. */
static int parse_cuts(rows *o, const char *in, size_t n, char delim, const jg_csv_limits *lim,
		      const size_t *cuts, size_t ncuts)
{
	jg_csv *r = NULL;
	size_t pos = 0;
	int rc;

	rows_reset(o);
	rc = jg_csv_new(&r, delim, lim, collect, o, &o->err);
	for (size_t i = 0; rc == 0 && i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;

		rc = jg_csv_feed(r, in + pos, end - pos, &o->err);
		pos = end;
	}
	if (rc == 0)
		rc = jg_csv_finish(r, &o->err);
	if (r)
		o->delim = jg_csv_delimiter(r);
	jg_csv_free(r);
	o->rc = rc;
	return rc;
}

static int parse(rows *o, const char *in, size_t n, char delim, const jg_csv_limits *lim)
{
	return parse_cuts(o, in, n, delim, lim, NULL, 0);
}

static void assert_same(const rows *a, const rows *b, const char *how)
{
	if (a->rc != b->rc || a->err.code != b->err.code || a->err.row != b->err.row ||
	    a->err.col != b->err.col || a->delim != b->delim || a->count != b->count ||
	    a->len != b->len || memcmp(a->text, b->text, a->len) != 0)
		fail_msg("%s: rc %d/%d err %d/%d row %" PRId64 "/%" PRId64 " col %d/%d delim %d/%d"
			 "\nwhole:\n%s\nchunked:\n%s",
			 how, a->rc, b->rc, a->err.code, b->err.code, a->err.row, b->err.row,
			 a->err.col, b->err.col, a->delim, b->delim, a->text, b->text);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/*
 * Parses `in` whole into ref_rows, then in every chunking that matters, and fails unless
 * each gives exactly the same records, code, error position and delimiter.
 */
static void check_chunkings(const char *in, size_t n, char delim, const jg_csv_limits *lim,
			    int random_splits)
{
	static size_t cuts[4096];

	assert_true(n < sizeof(cuts) / sizeof(cuts[0]));
	parse(&ref_rows, in, n, delim, lim);
	/* One byte at a time. */
	for (size_t i = 1; i < n; i++)
		cuts[i - 1] = i;
	parse_cuts(&got_rows, in, n, delim, lim, cuts, n ? n - 1 : 0);
	assert_same(&ref_rows, &got_rows, "one byte at a time");
	/* Every split in two, empty halves included. */
	for (size_t k = 0; k <= n; k++) {
		cuts[0] = k;
		parse_cuts(&got_rows, in, n, delim, lim, cuts, 1);
		assert_same(&ref_rows, &got_rows, "split in two");
	}
	/* Random splits, empty chunks included. */
	for (int s = 0; s < random_splits; s++) {
		size_t nc = 0, pos = 0;

		while (nc < sizeof(cuts) / sizeof(cuts[0])) {
			pos += (size_t)(rnd() % 9);
			if (pos > n)
				break;
			cuts[nc++] = pos;
		}
		parse_cuts(&got_rows, in, n, delim, lim, cuts, nc);
		assert_same(&ref_rows, &got_rows, "random split");
	}
}

/* Parses `in` (whole and in every chunking) and compares with want_rows. */
static void expect_rows(const char *in, size_t n, char delim, const jg_csv_limits *lim)
{
	check_chunkings(in, n, delim, lim, 8);
	assert_int_equal(ref_rows.rc, 0);
	if (strcmp(ref_rows.text, want_rows.text) != 0)
		fail_msg("input \"%.*s\"\ngot:\n%s\nwant:\n%s", (int)n, in, ref_rows.text,
			 want_rows.text);
	assert_int_equal(ref_rows.count, want_rows.count);
}

#define EXPECT(lit, delim) expect_rows(lit, sizeof(lit) - 1, delim, NULL)
#define EXPECT_LIM(lit, delim, lim) expect_rows(lit, sizeof(lit) - 1, delim, lim)

static int setup(void **state)
{
	(void)state;
	rows_reset(&want_rows);
	got_rows.stop_at = ref_rows.stop_at = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jg_alloc_fail_after(-1);
	return 0;
}

/* ---- reading -------------------------------------------------------------------------- */

static void test_basic(void **state)
{
	(void)state;
	want(1, "a", "b", "c", NULL);
	want(2, "1", "2", "3", NULL);
	EXPECT("a,b,c\n1,2,3\n", 0);
	assert_int_equal(ref_rows.delim, ',');
	/* Empty cells. */
	rows_reset(&want_rows);
	want(1, "a", "", NULL);
	want(2, "", "", NULL);
	want(3, "", "x", "", NULL);
	want(4, " ", NULL);
	EXPECT("a,\n,\n,x,\n \n", ',');
}

static void test_quotes(void **state)
{
	(void)state;
	want(1, "a \"quoted\" cell", "b", NULL);
	want(2, "", "x,y", "\"", NULL);
	want(3, "a", "", NULL);
	want(4, "semi;colon", "pipe|", "tab\t", NULL);
	EXPECT("\"a \"\"quoted\"\" cell\",b\n"
	       "\"\",\"x,y\",\"\"\"\"\n"
	       "a,\"\"\n"
	       "\"semi;colon\",\"pipe|\",\"tab\t\"\n",
	       ',');
	/* Quoted cells at the end of the input, with and without a line end. */
	rows_reset(&want_rows);
	want(1, "one, two", NULL);
	EXPECT("\"one, two\"", ',');
	EXPECT("\"one, two\"\r\n", ',');
}

static void test_embedded_newlines(void **state)
{
	(void)state;
	want(1, "line1\r\nline2", "l1\nl2", "cr\ronly", NULL);
	want(2, "next", "row", NULL);
	want(3, "\n", NULL);
	EXPECT("\"line1\r\nline2\",\"l1\nl2\",\"cr\ronly\"\r\nnext,row\r\n\"\n\"\n", ',');
}

static void test_line_ends(void **state)
{
	(void)state;
	want(1, "a", "b", NULL);
	want(2, "c", "d", NULL);
	want(3, "e", "f", NULL);
	want(4, "g", "h", NULL);
	EXPECT("a,b\r\nc,d\re,f\ng,h", ',');
	EXPECT("a,b\r\nc,d\re,f\ng,h\n", ',');
	EXPECT("a,b\r\nc,d\re,f\ng,h\r\n", ',');
	EXPECT("a,b\rc,d\re,f\rg,h\r", ',');
	EXPECT("a,b\r\nc,d\r\ne,f\r\ng,h\r\n", 0);
	EXPECT("a,b\nc,d\ne,f\ng,h\n", 0);
	/* CR, then CRLF: a record, then a blank line. */
	rows_reset(&want_rows);
	want(1, "a", NULL);
	want(2, "b", NULL);
	EXPECT("a\r\r\nb", ',');
	EXPECT("a\n\r\nb\r\n", ',');
}

static void test_bom(void **state)
{
	(void)state;
	want(1, "a", "b", NULL);
	want(2, "1", "2", NULL);
	EXPECT("\xef\xbb\xbf" "a,b\n1,2\n", 0);
	EXPECT("\xef\xbb\xbf" "a,b\n1,2\n", ',');
	rows_reset(&want_rows);
	want(1, "a", "b", NULL);
	EXPECT("\xef\xbb\xbf\"a\",b", 0);
	/* Only a whole BOM at the very start is removed. */
	rows_reset(&want_rows);
	want(1, "\xef\xbb" "X", "b", NULL);
	EXPECT("\xef\xbb" "X,b\n", 0);
	EXPECT("\xef\xbb" "X,b\n", ',');
	rows_reset(&want_rows);
	want(1, "\xef", "b", NULL);
	EXPECT("\xef,b\n", 0);
	EXPECT("\xef,b\n", ',');
	rows_reset(&want_rows);
	want(1, "\xef\xbc\x8c", "x", NULL); /* U+FF0C starts like a BOM */
	EXPECT("\xef\xbc\x8c,x\n", 0);
	rows_reset(&want_rows);
	want(1, "a", NULL);
	want(2, "\xef\xbb\xbf" "b", NULL);
	EXPECT("a\n\xef\xbb\xbf" "b\n", ',');
	rows_reset(&want_rows);
	want(1, "\xef\xbb\xbf", NULL);
	EXPECT("\xef\xbb\xbf\xef\xbb\xbf", ',');
	/* An input that is only a BOM has no records. */
	rows_reset(&want_rows);
	EXPECT("\xef\xbb\xbf", 0);
	EXPECT("\xef\xbb\xbf\r\n", ',');
}

static void test_truncated_bom_is_data(void **state)
{
	(void)state;
	/* An input shorter than a BOM that starts like one: its bytes are a cell. */
	want(1, "\xef\xbb", NULL);
	EXPECT("\xef\xbb", ',');
	EXPECT("\xef\xbb", 0);
	rows_reset(&want_rows);
	want(1, "\xef", NULL);
	EXPECT("\xef", ',');
}

static void test_sniff(void **state)
{
	static const struct {
		const char *in;
		char delim;
	} cases[] = {
		{"a,b,c\n1,2,3\n", ','},
		{"a\tb\tc\n1\t2\t3\n", '\t'},
		{"a;b;c\n1;2;3\n", ';'},
		{"a|b|c\n1|2|3\n", '|'},
		{"a|b|c", '|'},
		{"a;b;c\r\n", ';'},
		/* Quoted delimiters do not count. */
		{"\"a;b;c;d\",e,f\n", ','},
		{"\"x,y,z\"\tb\tc\n", '\t'},
		/* Only the first record counts. */
		{"a;b\nc,d,e,f\n", ';'},
		/* A line break inside a quoted cell of the first record is not its end. */
		{"\"x\ny\";b;c\n1;2;3\n", ';'},
		{"\"x\r\ny\"|b|c\r\n1|2|3\r\n", '|'},
		{"\"x\n\",b\tc\td\n", '\t'},
		{"\xef\xbb\xbf" "a\tb\n", '\t'},
		/* Blank lines before the first record are not the first record. */
		{"\r\n\r\na;b;c\n1;2;3\n", ';'},
		{"\n\n\"x\ny\"\tb\n", '\t'},
		{"\xef\xbb\xbf\r\n|a|b|\r\n", '|'},
		/* Korean headers, comma file. */
		{"주문번호,상품명,수량\n", ','},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_chunkings(cases[i].in, strlen(cases[i].in), 0, NULL, 8);
		assert_int_equal(ref_rows.rc, 0);
		if (ref_rows.delim != cases[i].delim)
			fail_msg("case %zu: sniffed %d, want %d", i, ref_rows.delim,
				 cases[i].delim);
	}
	/* The sniffed delimiter splits every record. */
	want(1, "x\ny", "b", "c", NULL);
	want(2, "1", "2", "3", NULL);
	EXPECT("\"x\ny\";b;c\n1;2;3\n", 0);
}

static void test_delimiter_reported(void **state)
{
	jg_csv *r;

	(void)state;
	assert_int_equal(jg_csv_new(&r, 0, NULL, collect, &got_rows, NULL), 0);
	assert_int_equal(jg_csv_delimiter(r), 0);
	rows_reset(&got_rows);
	assert_int_equal(jg_csv_feed(r, "a;b", 3, NULL), 0);
	assert_int_equal(jg_csv_feed(r, ";c\nd;e", 6, NULL), 0);
	assert_int_equal(jg_csv_delimiter(r), ';');
	assert_int_equal(jg_csv_finish(r, NULL), 0);
	assert_int_equal(got_rows.count, 2);
	jg_csv_free(r);
	assert_int_equal(jg_csv_new(&r, '\t', NULL, collect, &got_rows, NULL), 0);
	assert_int_equal(jg_csv_delimiter(r), '\t');
	jg_csv_free(r);
	jg_csv_free(NULL);
}

static void test_explicit_delimiter(void **state)
{
	(void)state;
	/* A given delimiter is used even where sniffing would pick another. */
	want(1, "a,b,c", "d", NULL);
	want(2, "1,2", "3", NULL);
	EXPECT("a,b,c;d\n1,2;3\n", ';');
	rows_reset(&want_rows);
	want(1, "a|b", NULL);
	EXPECT("a|b\n", '\t');
}

static void test_blank_lines_and_row_numbers(void **state)
{
	(void)state;
	/* Blank lines are skipped and not counted; a multi-line record counts once. */
	want(1, "a", "b", NULL);
	want(2, "multi\nline", "x", NULL);
	want(3, "last", NULL);
	EXPECT("\n\r\na,b\n\n\r\n\r\"multi\nline\",x\n\nlast\n\n\n", 0);
	/* A quoted empty cell is not a blank line. */
	rows_reset(&want_rows);
	want(1, "a", NULL);
	want(2, "", NULL);
	want(3, "b", NULL);
	EXPECT("a\n\"\"\nb\n", ',');
	/* Nothing at all. */
	rows_reset(&want_rows);
	EXPECT("", 0);
	EXPECT("\n\n\r\n", ',');
}

static void test_embedded_nul(void **state)
{
	static const char in[] = "a\0b,c\n\"x\0\"\n";

	(void)state;
	parse(&ref_rows, in, sizeof(in) - 1, ',', NULL);
	assert_int_equal(ref_rows.rc, 0);
	assert_int_equal(ref_rows.count, 2);
	/* lens[] carries the NUL inside the cell. */
	assert_memory_equal(ref_rows.text, "1|3:a\0b;1:c;\n2|2:x\0;\n", 21);
	assert_int_equal(ref_rows.len, 21);
	check_chunkings(in, sizeof(in) - 1, ',', NULL, 4);
}

/* Builds a random input from bytes that matter to the reader. */
static size_t random_input(char *out, size_t max)
{
	static const char alphabet[] = {'a', 'b', ',', ',', ';', '|', '\t', '"', '"', '\r',
					'\n', '\n', ' ', '\xef', '\xbb', '\xbf'};
	size_t n = (size_t)(rnd() % max);

	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[rnd() % sizeof(alphabet)];
	if (n >= 3 && rnd() % 4 == 0)
		memcpy(out, "\xef\xbb\xbf", 3);
	return n;
}

static void test_chunking_random(void **state)
{
	static const char delims[] = {0, 0, ',', ';', '\t', '|'};
	char in[64];

	(void)state;
	rng_state = 0x6373762d63687521ull;
	for (int i = 0; i < 1500; i++) {
		size_t n = random_input(in, sizeof(in));
		jg_csv_limits lim = {6, 4, 5};

		check_chunkings(in, n, delims[rnd() % sizeof(delims)], rnd() % 2 ? &lim : NULL, 3);
	}
}

/* ---- caps ----------------------------------------------------------------------------------- */

static void expect_error(const char *in, char delim, const jg_csv_limits *lim, int code,
			 int64_t row, int32_t col, int64_t rows_before)
{
	check_chunkings(in, strlen(in), delim, lim, 4);
	if (ref_rows.rc != code || ref_rows.err.code != code || ref_rows.err.row != row ||
	    (col && ref_rows.err.col != col))
		fail_msg("\"%s\": rc %d code %d row %" PRId64 " col %d, want %d row %" PRId64
			 " col %d",
			 in, ref_rows.rc, ref_rows.err.code, ref_rows.err.row, ref_rows.err.col,
			 code, row, col);
	assert_true(ref_rows.err.msg[0] != '\0');
	assert_int_equal(ref_rows.count, rows_before);
}

static void test_cap_cell(void **state)
{
	jg_csv_limits lim = {4, 0, 0};

	(void)state;
	want(1, "abcd", "x", NULL);
	want(2, "ab\"c", NULL); /* a doubled quote is one byte */
	EXPECT_LIM("abcd,x\n\"ab\"\"c\"\n", 0, &lim);
	expect_error("ab,abcde\n", 0, &lim, JG_ELIMIT, 1, 2, 0);
	expect_error("a\nb,c,12345\n", ',', &lim, JG_ELIMIT, 2, 3, 1);
	expect_error("\"abcde\"\n", ',', &lim, JG_ELIMIT, 1, 1, 0);
	expect_error("x\n\n\"abc\ndef\"\n", ',', &lim, JG_ELIMIT, 2, 1, 1);
}

static void test_cap_columns(void **state)
{
	jg_csv_limits lim = {0, 3, 0};

	(void)state;
	want(1, "a", "b", "c", NULL);
	want(2, "", "", "", NULL);
	EXPECT_LIM("a,b,c\n,,\n", 0, &lim);
	expect_error("a,b,c,d\n", 0, &lim, JG_ELIMIT, 1, 0, 0);
	expect_error("x\na,b,c,\n", ',', &lim, JG_ELIMIT, 2, 0, 1);
	expect_error("x\ny\na;b;c;d;e;f", ';', &lim, JG_ELIMIT, 3, 0, 2);
	assert_true(ref_rows.err.col > 3);
}

static void test_cap_full_record(void **state)
{
	static char in[400000];
	jg_csv_limits lim = {100, 50, 0};
	size_t n = 0;

	(void)state;
	/* A record with max_cols cells of max_cell bytes each is within every cap. */
	for (int r = 0; r < 2; r++) {
		for (int c = 0; c < 50; c++) {
			memset(in + n, 'a' + c % 26, 100);
			n += 100;
			in[n++] = c < 49 ? ',' : '\n';
		}
	}
	in[n] = '\0';
	parse(&ref_rows, in, n, ',', &lim);
	if (ref_rows.rc != 0)
		fail_msg("rc %d: %s", ref_rows.rc, ref_rows.err.msg);
	assert_int_equal(ref_rows.count, 2);
	/* The same with the default caps: 1000 cells of 300 bytes. */
	n = 0;
	for (int c = 0; c < 1000; c++) {
		memset(in + n, 'a' + c % 26, 300);
		n += 300;
		in[n++] = c < 999 ? ',' : '\n';
	}
	parse(&ref_rows, in, n, 0, NULL);
	if (ref_rows.rc != 0)
		fail_msg("rc %d: %s", ref_rows.rc, ref_rows.err.msg);
	assert_int_equal(ref_rows.count, 1);
	assert_int_equal(ref_rows.delim, ',');
	/* Limits too large to multiply still work. */
	{
		jg_csv_limits huge = {SIZE_MAX, SIZE_MAX, INT64_MAX};

		want(1, "a", "b", NULL);
		EXPECT_LIM("a,b\n", 0, &huge);
	}
}

static void test_cap_rows(void **state)
{
	jg_csv_limits lim = {0, 0, 2};

	(void)state;
	want(1, "a", NULL);
	want(2, "b", NULL);
	EXPECT_LIM("a\nb\n", 0, &lim);
	EXPECT_LIM("a\n\n\nb\n\n", 0, &lim); /* blank lines are not records */
	expect_error("a\nb\nc\n", 0, &lim, JG_ELIMIT, 3, 0, 2);
	expect_error("a\nb\nc", ',', &lim, JG_ELIMIT, 3, 0, 2);
}

static void test_unterminated_quote(void **state)
{
	(void)state;
	expect_error("a,b\n\"c,d\n", 0, NULL, JG_EFORMAT, 2, 1, 1);
	expect_error("a,\"b", ',', NULL, JG_EFORMAT, 1, 2, 0);
	expect_error("x\ny\n\"\"\"", ',', NULL, JG_EFORMAT, 3, 1, 2);
	expect_error("\"", 0, NULL, JG_EFORMAT, 1, 1, 0);
}

static void test_callback_stops(void **state)
{
	(void)state;
	/* The callback's value comes back from feed, and no record follows. */
	got_rows.stop_at = ref_rows.stop_at = 2;
	got_rows.stop_rc = ref_rows.stop_rc = 42;
	check_chunkings("a\nb\nc\nd\n", 8, 0, NULL, 4);
	assert_int_equal(ref_rows.rc, 42);
	assert_int_equal(ref_rows.count, 2);
	/* ...and from finish for the last record. */
	got_rows.stop_rc = ref_rows.stop_rc = 7;
	check_chunkings("a\nb", 3, ',', NULL, 4);
	assert_int_equal(ref_rows.rc, 7);
	assert_int_equal(ref_rows.count, 2);
	got_rows.stop_rc = ref_rows.stop_rc = -1;
	check_chunkings("a\nb\nc", 5, ',', NULL, 4);
	assert_int_equal(ref_rows.rc, -1);
	assert_int_equal(ref_rows.count, 2);
	got_rows.stop_at = ref_rows.stop_at = 0;
}

/* ---- files ---------------------------------------------------------------------------------- */

static void test_read_file(void **state)
{
	static char text[400000];
	char *dir = t_tmpdir(), *missing = t_path(dir, "nope.csv"), *path = t_path(dir, "o.csv");
	jg_err err;
	size_t n;
	int rc;

	(void)state;
	jg_err_clear(&err);
	rows_reset(&got_rows);
	rc = jg_csv_read_file(missing, 0, NULL, collect, &got_rows, &err);
	assert_int_equal(rc, JG_EIO);
	assert_int_equal(err.code, JG_EIO);
	assert_int_equal(err.sys, ENOENT);
	assert_non_null(strstr(err.msg, "nope.csv"));
	assert_int_equal(got_rows.count, 0);
	assert_int_equal(jg_csv_read_file(missing, ',', NULL, collect, &got_rows, NULL), JG_EIO);
	/* A directory cannot be read as a file. */
	jg_err_clear(&err);
	assert_int_equal(jg_csv_read_file(dir, ',', NULL, collect, &got_rows, &err), JG_EIO);
	assert_int_equal(err.code, JG_EIO);

	/* A file larger than the reader's chunks gives what parsing it in memory gives. */
	n = (size_t)snprintf(text, sizeof(text), "\xef\xbb\xbf주문번호;상품명;수량\r\n");
	for (int i = 1; i <= 6000; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "ORD-%06d;\"상품 %d; \"\"특가\"\"\r\n2줄\";%d\r\n", i, i,
				      i % 7);
	assert_true(n > 3 * 65536 && n < sizeof(text) - 1);
	t_write(path, text);
	parse(&ref_rows, text, n, 0, NULL);
	assert_int_equal(ref_rows.rc, 0);
	assert_int_equal(ref_rows.count, 6001);
	rows_reset(&got_rows);
	jg_err_clear(&err);
	assert_int_equal(jg_csv_read_file(path, 0, NULL, collect, &got_rows, &err), 0);
	assert_int_equal(got_rows.count, 6001);
	assert_int_equal(got_rows.len, ref_rows.len);
	assert_memory_equal(got_rows.text, ref_rows.text, ref_rows.len);
	assert_non_null(strstr(got_rows.text, "6001|10:ORD-006000;"));
	/* Errors inside a file carry the record number. */
	t_write(path, "a,b\nc,d\n\"open\n");
	jg_err_clear(&err);
	rows_reset(&got_rows);
	assert_int_equal(jg_csv_read_file(path, 0, NULL, collect, &got_rows, &err), JG_EFORMAT);
	assert_int_equal(err.row, 3);

	t_rmdir(dir);
	jg_free(path);
	jg_free(missing);
	jg_free(dir);
}

/* ---- allocation failures -------------------------------------------------------------------- */

/* Fails every allocation from the Nth on while parsing `in`; each run either succeeds with
 * the right records or reports JG_ENOMEM in its return value and in jg_err. */
static void alloc_sweep(const char *in, size_t n, char delim, int one_byte)
{
	static size_t cuts[1024];
	size_t ncuts = 0;

	assert_true(!one_byte || n < sizeof(cuts) / sizeof(cuts[0]));
	if (one_byte)
		for (size_t i = 1; i < n; i++)
			cuts[ncuts++] = i;
	parse(&ref_rows, in, n, delim, NULL);
	assert_int_equal(ref_rows.rc, 0);
	for (long fail = 0;; fail++) {
		long made;

		jg_alloc_fail_after(fail);
		parse_cuts(&got_rows, in, n, delim, NULL, cuts, ncuts);
		made = jg_alloc_fail_after(-1);
		if (got_rows.rc == 0) {
			assert_same(&ref_rows, &got_rows, "after allocation failures");
			if (made <= fail)
				break; /* nothing failed: every allocation point was tried */
			continue;
		}
		if (got_rows.rc != JG_ENOMEM || got_rows.err.code != JG_ENOMEM)
			fail_msg("allocation %ld failed: rc %d, err.code %d", fail + 1, got_rows.rc,
				 got_rows.err.code);
		assert_true(fail < 10000);
	}
}

static void test_alloc_failures(void **state)
{
	static const char bom_like[] = "\xef\xbb" "X,b\nc,d\n";
	static char in[8192];
	size_t n = 0;

	(void)state;
	/* Enough columns and bytes that every internal array and buffer must grow. */
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\"h,0\"");
	for (int c = 1; c < 70; c++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, ",h%d", c);
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\r\n");
	for (int r = 0; r < 3; r++) {
		for (int c = 0; c < 70; c++)
			n += (size_t)snprintf(in + n, sizeof(in) - n, "%s\"v%d-%d \"\"q\"\"\"",
					      c ? "," : "", r, c);
		n += (size_t)snprintf(in + n, sizeof(in) - n, "\n");
	}
	alloc_sweep(in, n, 0, 0);
	alloc_sweep(in, 200, 0, 1);
	alloc_sweep(in, n, ',', 0);
	/* Replaying a partial BOM allocates too. */
	alloc_sweep(bom_like, sizeof(bom_like) - 1, 0, 0);
	alloc_sweep(bom_like, sizeof(bom_like) - 1, ',', 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_basic),
		T(test_quotes),
		T(test_embedded_newlines),
		T(test_line_ends),
		T(test_bom),
		T(test_truncated_bom_is_data),
		T(test_sniff),
		T(test_delimiter_reported),
		T(test_explicit_delimiter),
		T(test_blank_lines_and_row_numbers),
		T(test_embedded_nul),
		T(test_chunking_random),
		T(test_cap_cell),
		T(test_cap_columns),
		T(test_cap_full_record),
		T(test_cap_rows),
		T(test_unterminated_quote),
		T(test_callback_stops),
		T(test_read_file),
		T(test_alloc_failures),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
