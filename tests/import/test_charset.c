/* SPDX-License-Identifier: MIT */
/*
 * Tests of legacy Korean text (src/import/charset.c): CP949 decodes the syllables that only
 * its Unified Hangul Code extension has (똠, 햏), refuses bytes that are not CP949 with the
 * offset of the first one (where glibc's EUC-KR decoder would let 0x80 through), streams
 * past its chunk size with offsets still right, respects the output cap, and detection
 * tells UTF-8 from CP949. CP949 fixtures are made at test time with iconv(3) from UTF-8,
 * the opposite direction to the code under test; 똠 and 햏 are also given as the bytes the
 * CP949 code page assigns them, so the test does not rest on iconv alone.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#include "import/readers.h"
#include "support.h"

/* UTF-8 → CP949 through iconv(3); the result is owned by the caller (jg_free). */
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

static void cp949_only_syllables_decode(void **state)
{
	static const char bytes[] = "\x8c\x63\xc1\x64"; /* 똠 = 0x8C63, 햏 = 0xC164 in CP949 */
	size_t n = 0;
	char *mine = to_cp949("똠햏", &n);
	jg_buf out;
	jg_err err = {0};
	iconv_t euckr;
	char *in = (char *)bytes, ob[16], *o = ob;
	size_t inl = 4, outl = sizeof(ob);

	(void)state;
	assert_int_equal(n, 4);
	assert_memory_equal(mine, bytes, 4);
	jg_buf_init(&out, 1024);
	assert_int_equal(jg__cp949_to_utf8(&out, bytes, 4, &err), 0);
	assert_string_equal(jg_buf_str(&out), "똠햏");
	assert_int_equal(out.len, 6);
	/* Why CP949 and not EUC-KR: EUC-KR has no code for these syllables at all. */
	euckr = iconv_open("UTF-8", "EUC-KR");
	assert_true(euckr != (iconv_t)-1);
	assert_int_equal(iconv(euckr, &in, &inl, &o, &outl), (size_t)-1);
	iconv_close(euckr);
	jg_buf_free(&out);
	jg_free(mine);
}

static void ks_x_1001_and_ascii_decode(void **state)
{
	size_t n = 0;
	char *cp = to_cp949("주문번호: A-123, 수취인 김철수", &n);
	jg_buf out;
	jg_err err = {0};

	(void)state;
	jg_buf_init(&out, 1024);
	assert_int_equal(jg__cp949_to_utf8(&out, cp, n, &err), 0);
	assert_string_equal(jg_buf_str(&out), "주문번호: A-123, 수취인 김철수");
	/* Appends: a second call adds to what is there. */
	assert_int_equal(jg__cp949_to_utf8(&out, "!", 1, &err), 0);
	assert_string_equal(jg_buf_str(&out), "주문번호: A-123, 수취인 김철수!");
	jg_buf_free(&out);
	jg_free(cp);
}

/* Decodes `in` and expects JG_EFORMAT naming `offset`. */
static void expect_refused(const char *in, size_t n, size_t offset)
{
	char want[64];
	jg_buf out;
	jg_err err = {0};

	jg_buf_init(&out, (size_t)1 << 20);
	assert_int_equal(jg__cp949_to_utf8(&out, in, n, &err), JG_EFORMAT);
	assert_int_equal(err.code, JG_EFORMAT);
	snprintf(want, sizeof(want), "at byte offset %zu ", offset);
	if (!strstr(err.msg, want))
		fail_msg("expected \"%s\" in \"%s\"", want, err.msg);
	jg_buf_free(&out);
}

static void invalid_bytes_are_refused(void **state)
{
	iconv_t euckr;
	char *in = "a\x80z", ob[16], *o = ob;
	size_t inl = 3, outl = sizeof(ob);

	(void)state;
	expect_refused("abc\x80" "def", 7, 3); /* a lone C1 byte */
	expect_refused("ab\xff\xff", 4, 2);     /* 0xFF is never a lead byte */
	expect_refused("\xc9\xa1", 2, 0);       /* the user-defined area: not mapped */
	expect_refused("\xb0\xa1\xb0", 3, 2);   /* a lead byte with nothing after it */
	expect_refused("\xb0\x20", 2, 0);       /* a lead byte with a space after it */
	/* The reason for the rule: glibc's EUC-KR decoder passes 0x80 through as U+0080. */
	euckr = iconv_open("UTF-8", "EUC-KR");
	assert_true(euckr != (iconv_t)-1);
	assert_int_not_equal(iconv(euckr, &in, &inl, &o, &outl), (size_t)-1);
	assert_int_equal(o - ob, 4);
	assert_memory_equal(ob, "a\xc2\x80z", 4);
	iconv_close(euckr);
}

static void detection(void **state)
{
	size_t n = 0;
	char *cp = to_cp949("수취인,연락처\n김철수,010-1234-5678\n", &n);

	(void)state;
	assert_int_equal(jg__charset_detect("", 0), JG__CHARSET_UTF8);
	assert_int_equal(jg__charset_detect("plain ascii", 11), JG__CHARSET_UTF8);
	assert_int_equal(jg__charset_detect("수취인", strlen("수취인")), JG__CHARSET_UTF8);
	assert_int_equal(jg__charset_detect(cp, n), JG__CHARSET_CP949);
	assert_int_equal(jg__charset_detect("\x8c\x63", 2), JG__CHARSET_CP949);
	/* A BOM says UTF-8 whatever follows. */
	assert_int_equal(jg__charset_detect("\xef\xbb\xbf\xb0\xa1", 5), JG__CHARSET_UTF8);
	/* Neither: reported as UTF-8 for the caller to refuse. */
	assert_int_equal(jg__charset_detect("\xff\xfe\x80", 3), JG__CHARSET_UTF8);
	jg_free(cp);
}

static void long_input_streams(void **state)
{
	enum { COUNT = 100000 }; /* 200,000 bytes in, 300,000 out: many 8 KiB chunks */
	char *in = jg_malloc(COUNT * 2 + 1), *want = jg_malloc(COUNT * 3 + 1);
	jg_buf out;
	jg_err err = {0};

	(void)state;
	assert_non_null(in);
	assert_non_null(want);
	for (size_t i = 0; i < COUNT; i++) {
		memcpy(in + i * 2, "\x8c\x63", 2);
		memcpy(want + i * 3, "똠", 3);
	}
	jg_buf_init(&out, (size_t)1 << 20);
	assert_int_equal(jg__cp949_to_utf8(&out, in, COUNT * 2, &err), 0);
	assert_int_equal(out.len, COUNT * 3);
	assert_memory_equal(out.p, want, COUNT * 3);
	jg_buf_free(&out);
	/* A bad byte at the very end: the offset counts across chunks. */
	in[COUNT * 2] = '\x80';
	expect_refused(in, COUNT * 2 + 1, COUNT * 2);
	jg_free(in);
	jg_free(want);
}

static void output_cap(void **state)
{
	jg_buf out;
	jg_err err = {0};

	(void)state;
	jg_buf_init(&out, 10);
	assert_int_equal(jg__cp949_to_utf8(&out, "\x8c\x63\x8c\x63\x8c\x63\x8c\x63", 8, &err),
			 JG_ELIMIT);
	assert_int_equal(err.code, JG_ELIMIT);
	assert_true(out.len <= 10);
	jg_buf_free(&out);
}

/* Collects the cells of row 2, column 2 of a CSV read through the public interface. */
static int second_name(const jg_sheet_row *row, void *payload)
{
	char **got = payload;

	if (row->row == 2 && row->n >= 2 && !*got)
		*got = jg_strdup(row->cells[1].text);
	return 0;
}

static void cp949_csv_through_sheet_reader(void **state)
{
	size_t n = 0;
	char *cp = to_cp949("주문번호,수취인\n1,똠햏 상회\n", &n);
	jg_sheet_info info;
	jg_err err = {0};
	char *got = NULL;

	(void)state;
	assert_int_equal(jg_sheet_read_mem(cp, n, "orders.csv", NULL, &info, second_name, &got,
					   &err),
			 0);
	assert_int_equal(info.format, JG_FORMAT_CSV);
	assert_string_equal(info.charset, "cp949");
	assert_non_null(got);
	assert_string_equal(got, "똠햏 상회");
	jg_free(got);
	got = NULL;
	/* Neither UTF-8 nor CP949: detection says UTF-8 and the text is refused, with the file
	 * name and the first row that is not UTF-8 (the header, already). */
	cp[n - 1] = '\x80';
	jg_err_clear(&err);
	assert_int_equal(jg_sheet_read_mem(cp, n, "orders.csv", NULL, &info, second_name, &got,
					   &err),
			 JG_EFORMAT);
	assert_non_null(strstr(err.msg, "orders.csv: "));
	assert_int_equal(err.row, 1);
	jg_free(got);
	jg_free(cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cp949_only_syllables_decode),
		cmocka_unit_test(ks_x_1001_and_ascii_decode),
		cmocka_unit_test(invalid_bytes_are_refused),
		cmocka_unit_test(detection),
		cmocka_unit_test(long_input_streams),
		cmocka_unit_test(output_cap),
		cmocka_unit_test(cp949_csv_through_sheet_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
