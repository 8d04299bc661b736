/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of UTF-8 text (src/util/text.c): validation (overlongs, surrogates, truncation),
 * NFC of decomposed Korean as a Mac sends it, the folded option key that listing matching
 * uses, trimming of ASCII and Unicode blanks, and whole-text int64 parsing. Decomposed input
 * is built at test time from code points with the Hangul decomposition arithmetic of the
 * Unicode standard (section 3.12), so no test string depends on an editor's normalisation.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* Hangul syllable arithmetic (Unicode 3.12). */
#define S_BASE 0xAC00u
#define L_BASE 0x1100u
#define V_BASE 0x1161u
#define T_BASE 0x11A7u
#define V_COUNT 21u
#define T_COUNT 28u
#define N_COUNT (V_COUNT * T_COUNT)
#define S_COUNT 11172u

/* Writes the UTF-8 form of `cp` to `out` (room for 4 bytes); returns its length. The
 * encoder under test, held to known bytes by test_utf8_put. */
static size_t enc(char *out, uint32_t cp)
{
	return jg_utf8_put(out, cp);
}

/* Decodes one code point of valid UTF-8 at `s`; sets *len. */
static uint32_t dec(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;

	if (p[0] < 0x80) {
		*len = 1;
		return p[0];
	}
	if (p[0] < 0xe0) {
		*len = 2;
		return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	}
	if (p[0] < 0xf0) {
		*len = 3;
		return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	}
	*len = 4;
	return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	       (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

/* Writes the canonical decomposition (NFD) of one Hangul syllable; returns its length. */
static size_t hangul_nfd(char *out, uint32_t s)
{
	uint32_t i = s - S_BASE;
	size_t n = 0;

	n += enc(out + n, L_BASE + i / N_COUNT);
	n += enc(out + n, V_BASE + (i % N_COUNT) / T_COUNT);
	if (i % T_COUNT)
		n += enc(out + n, T_BASE + i % T_COUNT);
	return n;
}

/* The NFD form of a string whose only non-ASCII characters are Hangul syllables or
 * characters without a decomposition. */
static void nfd(char *out, size_t cap, const char *s)
{
	size_t o = 0;

	while (*s) {
		size_t len;
		uint32_t cp = dec(s, &len);

		assert_true(o + 10 < cap);
		if (cp >= S_BASE && cp < S_BASE + S_COUNT)
			o += hangul_nfd(out + o, cp);
		else
			o += enc(out + o, cp);
		s += len;
	}
	out[o] = '\0';
}

/* ---- validation --------------------------------------------------------------------------- */

typedef struct bytes {
	const char *s;
	size_t n;
} bytes;

#define B(lit) {lit, sizeof(lit) - 1}

static void test_utf8_valid(void **state)
{
	static const bytes good[] = {
		B(""),
		B("plain ASCII"),
		B("\x7f"),
		B("\xc2\x80"),		   /* U+0080, smallest 2-byte */
		B("\xdf\xbf"),		   /* U+07FF */
		B("\xe0\xa0\x80"),	   /* U+0800, smallest 3-byte */
		B("\xea\xb0\x80"),	   /* 가 */
		B("\xed\x9f\xbf"),	   /* U+D7FF, just below the surrogates */
		B("\xee\x80\x80"),	   /* U+E000, just above */
		B("\xef\xbf\xbf"),	   /* U+FFFF */
		B("\xf0\x90\x80\x80"),   /* U+10000, smallest 4-byte */
		B("\xf0\x9f\x98\x80"),   /* an emoji */
		B("\xf4\x8f\xbf\xbf"),   /* U+10FFFF, the last code point */
		B("a\0b"),		   /* NUL is a character when the length says so */
		B("색상: 빨강 / 사이즈: L"),
	};
	static const bytes bad[] = {
		B("\x80"),		 /* lone continuation */
		B("a\xbf"),		 /* continuation after ASCII */
		B("\xc0\xaf"),		 /* overlong '/' */
		B("\xc0\x80"),		 /* overlong NUL */
		B("\xc1\xbf"),		 /* overlong U+007F */
		B("\xe0\x80\xaf"),	 /* overlong '/' in 3 bytes */
		B("\xe0\x9f\xbf"),	 /* overlong U+07FF */
		B("\xf0\x80\x80\xaf"),	 /* overlong '/' in 4 bytes */
		B("\xf0\x8f\xbf\xbf"),	 /* overlong U+FFFF */
		B("\xed\xa0\x80"),	 /* U+D800, a surrogate */
		B("\xed\xbf\xbf"),	 /* U+DFFF */
		B("\xed\xa0\xbd\xed\xb8\x80"), /* a CESU-8 surrogate pair */
		B("\xf4\x90\x80\x80"),	 /* U+110000 */
		B("\xf5\x80\x80\x80"),
		B("\xf8\x88\x80\x80\x80"), /* 5-byte form */
		B("\xfe"),
		B("\xff"),
		B("\xea\xb0"),		 /* truncated 3-byte */
		B("\xea"),
		B("\xf0\x9f\x98"),	 /* truncated 4-byte */
		B("\xc3"),		 /* truncated 2-byte */
		B("ab\xea\xb0"),	 /* truncated at the end */
		B("\xea\xb0" "A"),	 /* bad continuation */
		B("\xe2\x28\xa1"),
		B("\xc3\x28"),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!jg_utf8_valid(good[i].s, good[i].n))
			fail_msg("good[%zu] reported invalid", i);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (jg_utf8_valid(bad[i].s, bad[i].n))
			fail_msg("bad[%zu] reported valid", i);
	/* The length decides: cutting a valid string inside a character makes it invalid. */
	assert_true(jg_utf8_valid("\xea\xb0\x80", 3));
	assert_false(jg_utf8_valid("\xea\xb0\x80", 2));
	assert_false(jg_utf8_valid("\xea\xb0\x80", 1));
	assert_true(jg_utf8_valid("\xea\xb0\x80" "\xff", 3));
	assert_false(jg_utf8_valid("\xea\xb0\x80" "\xff", 4));
}

static void test_utf8_put(void **state)
{
	static const struct {
		uint32_t cp;
		const char *bytes;
	} v[] = {{0x00, ""},		     {0x41, "A"},		 {0x7F, "\x7f"},
		 {0x80, "\xc2\x80"},	     {0xE9, "\xc3\xa9"},	 {0x7FF, "\xdf\xbf"},
		 {0x800, "\xe0\xa0\x80"},   {0xAC00, "\xea\xb0\x80"}, {0xFFFD, "\xef\xbf\xbd"},
		 {0x10000, "\xf0\x90\x80\x80"}, {0x1F600, "\xf0\x9f\x98\x80"},
		 {0x10FFFF, "\xf4\x8f\xbf\xbf"}};
	char s[4];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t want = v[i].cp ? strlen(v[i].bytes) : 1;

		assert_int_equal(jg_utf8_put(s, v[i].cp), want);
		assert_memory_equal(s, v[i].cp ? v[i].bytes : "\0", want);
	}
}

static void test_ascii_ci(void **state)
{
	(void)state;
	assert_true(jg_ascii_eq_ci("UTF-8", "utf-8"));
	assert_true(jg_ascii_eq_ci("", ""));
	assert_false(jg_ascii_eq_ci("utf-8", "utf-"));
	assert_false(jg_ascii_eq_ci("utf", "utf-8"));
	assert_false(jg_ascii_eq_ci("\xc3\xa9", "\xc3\x89")); /* é and É: ASCII only */
	assert_true(jg_ascii_starts_ci("<META charset", 13, "<meta"));
	assert_true(jg_ascii_starts_ci("<meta", 5, "<meta"));
	assert_false(jg_ascii_starts_ci("<met", 4, "<meta")); /* n bounds the read */
	assert_false(jg_ascii_starts_ci("<mexa", 5, "<meta"));
}

static void test_utf8_valid_every_code_point(void **state)
{
	char s[4];

	(void)state;
	/* Every scalar value encodes to valid UTF-8; every surrogate to invalid. */
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x20000 ? 1 : 97)) {
		size_t n = enc(s, cp);
		bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;

		if (jg_utf8_valid(s, n) == surrogate)
			fail_msg("U+%04X: valid is %d", (unsigned)cp, (int)!surrogate);
	}
	assert_true(jg_utf8_valid("\xf4\x8f\xbf\xbf", 4));
}

/* The store's own check of input text (src/store/store.c), inline for the common
 * characters: it must say what jg_utf8_valid says for every byte string. */
bool jg__utf8_ok(const char *s, size_t n);

static void test_store_utf8_check_agrees(void **state)
{
	static const unsigned char tails[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
					      0x9f, 0xa0, 0xbf, 0xc0, 0xf4, 0xff};
	unsigned char s[12];

	(void)state;
	/* Every string of one or two bytes, every three-byte string that starts with a lead
	 * byte, and some behind an 8-byte ASCII run (the word-at-a-time path). */
	memcpy(s, "abcdefgh", 8);
	for (uint32_t v = 0; v < (1u << 24); v++) {
		s[8] = (unsigned char)(v >> 16);
		s[9] = (unsigned char)(v >> 8);
		s[10] = (unsigned char)v;
		for (size_t n = 1; n <= 3; n++) {
			if (n < 3 && (v & ((1u << (8 * (3 - n))) - 1)) != 0)
				continue; /* the shorter strings once each */
			if (n == 3 && s[8] < 0xc0 && v % 4093 != 0)
				continue; /* ASCII or a stray continuation first: sampled */
			if (jg__utf8_ok((char *)s + 8, n) != jg_utf8_valid((char *)s + 8, n))
				fail_msg("%zu bytes %06X: the checks disagree", n, (unsigned)v);
		}
		if (v % 251 == 0 && jg__utf8_ok((char *)s, 11) != jg_utf8_valid((char *)s, 11))
			fail_msg("ASCII then %06X: the checks disagree", (unsigned)v);
	}
	/* Four bytes: every first and second byte, the telling third and fourth. */
	for (uint32_t a = 0xc0; a <= 0xff; a++)
		for (uint32_t b = 0; b <= 0xff; b++)
			for (size_t i = 0; i < sizeof(tails); i++)
				for (size_t j = 0; j < sizeof(tails); j++) {
					s[0] = (unsigned char)a;
					s[1] = (unsigned char)b;
					s[2] = tails[i];
					s[3] = tails[j];
					for (size_t n = 3; n <= 4; n++)
						if (jg__utf8_ok((char *)s, n) !=
						    jg_utf8_valid((char *)s, n))
							fail_msg("%02X %02X %02X %02X (%zu): the "
								 "checks disagree",
								 (unsigned)a, (unsigned)b, tails[i],
								 tails[j], n);
				}
}

/* ---- NFC ---------------------------------------------------------------------------------- */

static void test_nfc_hangul_every_syllable(void **state)
{
	jg_buf b;

	(void)state;
	jg_buf_init(&b, 64);
	for (uint32_t s = S_BASE; s < S_BASE + S_COUNT; s++) {
		char in[16], want[4];
		size_t n = hangul_nfd(in, s), wn = enc(want, s);

		jg_buf_reset(&b);
		assert_int_equal(jg_text_nfc(&b, in, n), 0);
		if (b.len != wn || memcmp(b.p, want, wn) != 0)
			fail_msg("U+%04X: NFD of %zu bytes gave %zu bytes", (unsigned)s, n, b.len);
	}
	jg_buf_free(&b);
}

static void test_nfc(void **state)
{
	char in[64];
	jg_buf b;

	(void)state;
	jg_buf_init(&b, 1024);
	/* "\u1100\u1161" -> 가 */
	snprintf(in, sizeof(in), "\xe1\x84\x80\xe1\x85\xa1");
	assert_int_equal(jg_text_nfc(&b, in, strlen(in)), 0);
	assert_string_equal(jg_buf_str(&b), "\xea\xb0\x80");
	assert_int_equal(b.len, 3);
	/* NFD "각" (three jamo) -> one syllable, appended after what is there. */
	assert_int_equal(jg_text_nfc(&b, "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", 9), 0);
	assert_string_equal(jg_buf_str(&b), "\xea\xb0\x80\xea\xb0\x81");
	/* Latin: e + combining acute -> é. */
	jg_buf_reset(&b);
	assert_int_equal(jg_text_nfc(&b, "caf" "e\xcc\x81", 6), 0);
	assert_string_equal(jg_buf_str(&b), "caf\xc3\xa9");
	/* Already NFC and ASCII text is unchanged. */
	jg_buf_reset(&b);
	assert_int_equal(jg_text_nfc(&b, "색상: 빨강", strlen("색상: 빨강")), 0);
	assert_string_equal(jg_buf_str(&b), "색상: 빨강");
	jg_buf_reset(&b);
	assert_int_equal(jg_text_nfc(&b, "Size L", 6), 0);
	assert_string_equal(jg_buf_str(&b), "Size L");
	/* NFC is not NFKC: fullwidth letters and the ideographic space stay. */
	jg_buf_reset(&b);
	assert_int_equal(jg_text_nfc(&b, "\xef\xbc\xb8\xe3\x80\x80", 6), 0);
	assert_string_equal(jg_buf_str(&b), "\xef\xbc\xb8\xe3\x80\x80");
	/* Only `n` bytes are read. */
	jg_buf_reset(&b);
	assert_int_equal(jg_text_nfc(&b, "abcdef", 3), 0);
	assert_string_equal(jg_buf_str(&b), "abc");
	jg_buf_reset(&b);
	assert_int_equal(jg_text_nfc(&b, "", 0), 0);
	assert_int_equal(b.len, 0);
	/* A whole NFD sentence. */
	jg_buf_reset(&b);
	nfd(in, sizeof(in), "재고 관리");
	assert_true(strlen(in) > strlen("재고 관리"));
	assert_int_equal(jg_text_nfc(&b, in, strlen(in)), 0);
	assert_string_equal(jg_buf_str(&b), "재고 관리");
	jg_buf_free(&b);
}

static void test_nfc_errors(void **state)
{
	jg_buf b;

	(void)state;
	jg_buf_init(&b, 1024);
	assert_int_equal(jg_buf_puts(&b, "keep"), 0);
	assert_int_equal(jg_text_nfc(&b, "a\xff", 2), JG_EINVAL);
	assert_int_equal(jg_text_nfc(&b, "\xed\xa0\x80", 3), JG_EINVAL);
	assert_int_equal(jg_text_nfc(&b, "\xc0\xaf", 2), JG_EINVAL);
	assert_int_equal(jg_text_nfc(&b, "\xe1\x84", 2), JG_EINVAL);
	assert_string_equal(jg_buf_str(&b), "keep");
	assert_int_equal(b.len, 4);
	jg_buf_free(&b);
	/* The output buffer's cap holds. */
	jg_buf_init(&b, 2);
	assert_int_equal(jg_text_nfc(&b, "\xea\xb0\x80", 3), JG_ELIMIT);
	assert_int_equal(b.len, 0);
	assert_int_equal(jg_text_nfc(&b, "abc", 3), JG_ELIMIT);
	assert_int_equal(b.len, 0);
	jg_buf_free(&b);
}

/* ---- option keys -------------------------------------------------------------------------- */

/* The option key of `s` as a string in `out` (static storage per call is avoided). */
static int key(char *out, size_t cap, const char *s)
{
	jg_buf b;
	int rc;

	jg_buf_init(&b, 4096);
	rc = jg_text_option_key(&b, s, strlen(s));
	snprintf(out, cap, "%s", jg_buf_str(&b));
	jg_buf_free(&b);
	return rc;
}

static void expect_key(const char *s, const char *want)
{
	char got[512];

	assert_int_equal(key(got, sizeof(got), s), 0);
	if (strcmp(got, want) != 0)
		fail_msg("key of \"%s\" is \"%s\", want \"%s\"", s, got, want);
}

static void test_option_key_example(void **state)
{
	char decomposed[256];

	(void)state;
	/* DESIGN.md section 3: these match. */
	expect_key("색상: 빨강 / 사이즈: L", "색상:빨강/사이즈:l");
	expect_key("색상:빨강/사이즈:L", "색상:빨강/사이즈:l");
	expect_key("색상:빨강/사이즈:l", "색상:빨강/사이즈:l");
	/* Typed on a Mac: decomposed jamo. */
	nfd(decomposed, sizeof(decomposed), "색상: 빨강 / 사이즈: L");
	assert_string_not_equal(decomposed, "색상: 빨강 / 사이즈: L");
	expect_key(decomposed, "색상:빨강/사이즈:l");
	/* Every run of white space is removed, wherever it is. */
	expect_key("  색상 :  빨 강\t/\n사이즈 : L  ", "색상:빨강/사이즈:l");
}

static void test_option_key_separators(void **state)
{
	(void)state;
	expect_key("a/b", "a/b");
	expect_key("a,b", "a/b");
	expect_key("a|b", "a/b");
	expect_key("a;b", "a/b");
	expect_key("a:b", "a:b");
	expect_key("a=b", "a:b");
	expect_key("a , b", "a/b");
	expect_key("Size=L; Color=Red", "size:l/color:red");
	expect_key("Size=L|Color=Red", "size:l/color:red");
	/* Repeated separators fold to one. */
	expect_key("a//b", "a/b");
	expect_key("a/,|;b", "a/b");
	expect_key("a / , b", "a/b");
	expect_key("a::b", "a:b");
	/* Leading and trailing separators are dropped. */
	expect_key("/a", "a");
	expect_key(", ;a", "a");
	expect_key("a/", "a");
	expect_key("a : ", "a");
	expect_key(" / a : b ; ", "a:b");
	expect_key("/,;|", "");
	expect_key("", "");
	expect_key("   ", "");
}

static void test_option_key_width_and_case(void **state)
{
	(void)state;
	/* NFKC: fullwidth letters, digits and punctuation become their ASCII forms. */
	/* ＸＬ, １０ｍｌ */
	expect_key("\xef\xbc\xb8\xef\xbc\xac", "xl");
	expect_key("\xef\xbc\x91\xef\xbc\x90\xef\xbd\x8d\xef\xbd\x8c", "10ml");
	/* Fullwidth colon, slash and comma. */
	expect_key("색상\xef\xbc\x9a빨강", "색상:빨강");
	expect_key("a\xef\xbc\x8f" "b", "a/b");
	expect_key("a\xef\xbc\x8c" "b", "a/b");
	/* Ideographic and no-break spaces. */
	expect_key("빨\xe3\x80\x80강", "빨강");
	expect_key("\xe3\x80\x80빨강\xc2\xa0", "빨강");
	/* Case folding. */
	expect_key("ABC", "abc");
	expect_key("Red / XL", "red/xl");
	expect_key("\xc3\x89t\xc3\xa9", "\xc3\xa9t\xc3\xa9"); /* Été -> été */
	/* Decomposed Latin composes. */
	expect_key("e\xcc\x81", "\xc3\xa9");
}

static void test_option_key_buffer(void **state)
{
	jg_buf b;

	(void)state;
	/* The key is appended; what was in the buffer is never touched. */
	jg_buf_init(&b, 64);
	assert_int_equal(jg_buf_puts(&b, "pre/"), 0);
	assert_int_equal(jg_text_option_key(&b, "/", 1), 0);
	assert_string_equal(jg_buf_str(&b), "pre/");
	assert_int_equal(jg_text_option_key(&b, "A/", 2), 0);
	assert_string_equal(jg_buf_str(&b), "pre/a");
	/* Invalid UTF-8: JG_EINVAL, buffer as it was. */
	assert_int_equal(jg_text_option_key(&b, "x\xff", 2), JG_EINVAL);
	assert_string_equal(jg_buf_str(&b), "pre/a");
	assert_int_equal(b.len, 5);
	assert_int_equal(jg_text_option_key(&b, "\xed\xa0\x80", 3), JG_EINVAL);
	assert_int_equal(b.len, 5);
	jg_buf_free(&b);
	/* Past the cap: JG_ELIMIT, buffer as it was. */
	jg_buf_init(&b, 6);
	assert_int_equal(jg_buf_puts(&b, "ab"), 0);
	assert_int_equal(jg_text_option_key(&b, "c d e f g", 9), JG_ELIMIT);
	assert_string_equal(jg_buf_str(&b), "ab");
	assert_int_equal(b.len, 2);
	assert_int_equal(jg_text_option_key(&b, "C D", 3), 0);
	assert_string_equal(jg_buf_str(&b), "abcd");
	jg_buf_free(&b);
}

/* ---- trim --------------------------------------------------------------------------------- */

static void expect_trim(const char *s, size_t n, size_t want_off, size_t want_n)
{
	size_t m = n;
	const char *p = jg_text_trim(s, &m);

	if (p != s + want_off || m != want_n)
		fail_msg("trim of \"%s\": offset %td length %zu, want %zu %zu", s, p - s, m,
			 want_off, want_n);
}

/* Every code point alone: trimmed away exactly when it is a blank (\t..\r, U+0085, the
 * line and paragraph separators, or Unicode's Zs), kept whole otherwise. */
static void test_trim_every_code_point(void **state)
{
	char s[8];

	(void)state;
	for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
		bool blank = (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 ||
			     cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
			     cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
			     cp == 0x3000;
		size_t n, m;
		const char *p;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = enc(s, cp);
		m = n;
		p = jg_text_trim(s, &m);
		if (blank ? m != 0 : (p != s || m != n))
			fail_msg("U+%04X alone: offset %td length %zu of %zu", (unsigned)cp, p - s,
				 m, n);
	}
}

static void test_trim(void **state)
{
	(void)state;
	expect_trim("abc", 3, 0, 3);
	expect_trim("  abc \t\n", 8, 2, 3);
	expect_trim("\r\n\v\fabc\r\n\v\f", 11, 4, 3);
	expect_trim("a b", 3, 0, 3);
	expect_trim("", 0, 0, 0);
	expect_trim("   ", 3, 3, 0);
	/* U+3000 IDEOGRAPHIC SPACE, as Korean spreadsheets pad cells. */
	expect_trim("\xe3\x80\x80" "abc" "\xe3\x80\x80", 9, 3, 3);
	expect_trim("\xe3\x80\x80\xe3\x80\x80 빨강 \xe3\x80\x80", 17, 7, 6);
	expect_trim("\xe3\x80\x80", 3, 3, 0);
	/* U+00A0 NO-BREAK SPACE. */
	expect_trim("\xc2\xa0x\xc2\xa0", 5, 2, 1);
	/* Non-blank multi-byte characters at the ends stay whole. */
	expect_trim("가", 3, 0, 3);
	expect_trim(" 가나 ", 8, 1, 6);
	/* Only `n` bytes count. */
	expect_trim(" ab x", 4, 1, 2);
	/* The inner ideographic space is kept. */
	expect_trim("빨\xe3\x80\x80강", 9, 0, 9);
}

/* ---- integers ----------------------------------------------------------------------------- */

static void test_parse_i64(void **state)
{
	static const struct {
		const char *s;
		int64_t v;
	} good[] = {
		{"0", 0},
		{"12", 12},
		{"-3", -3},
		{"+4", 4},
		{" 12 ", 12},
		{"\t7\t", 7},
		{"007", 7},
		{"-0", 0},
		{"1000000", 1000000},
		{"9223372036854775807", INT64_MAX},
		{"-9223372036854775807", -INT64_MAX},
		{"-9223372036854775808", INT64_MIN},
		{"  -9223372036854775808  ", INT64_MIN},
	};
	static const char *const bad[] = {
		"",
		" ",
		"+",
		"-",
		"1.0",
		"1.",
		".5",
		"1e3",
		"0x10",
		"12abc",
		"abc",
		"1 2",
		"--1",
		"+-1",
		"- 1",
		"1,000",
		"9223372036854775808",
		"-9223372036854775809",
		"99999999999999999999",
		"18446744073709551616",
		"\xef\xbc\x91\xef\xbc\x92", /* fullwidth 12 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int64_t v = 99;

		if (jg_parse_i64(&v, good[i].s) != 0)
			fail_msg("\"%s\" rejected", good[i].s);
		if (v != good[i].v)
			fail_msg("\"%s\" gave %lld", good[i].s, (long long)v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = 99;

		if (jg_parse_i64(&v, bad[i]) != JG_EINVAL)
			fail_msg("\"%s\" accepted as %lld", bad[i], (long long)v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_put),
		cmocka_unit_test(test_ascii_ci),
		cmocka_unit_test(test_utf8_valid_every_code_point),
		cmocka_unit_test(test_store_utf8_check_agrees),
		cmocka_unit_test(test_nfc_hangul_every_syllable),
		cmocka_unit_test(test_nfc),
		cmocka_unit_test(test_nfc_errors),
		cmocka_unit_test(test_option_key_example),
		cmocka_unit_test(test_option_key_separators),
		cmocka_unit_test(test_option_key_width_and_case),
		cmocka_unit_test(test_option_key_buffer),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_trim_every_code_point),
		cmocka_unit_test(test_parse_i64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
