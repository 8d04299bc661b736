/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of time (src/util/time.c): every documented input form, the default offset used
 * only when the text has no zone, invalid dates and times rejected, leap years, formatting,
 * round trips and times before 1970. Expected instants come from a deliberately plain
 * calendar written here (counting days year by year and month by month), checked first
 * against well-known Unix times.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "support.h"

/* ---- a plain reference calendar --------------------------------------------------------- */

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : dm[m - 1];
}

/* Days from 1970-01-01 to y-m-d, counted one year and one month at a time. */
static int64_t ref_days(int64_t y, int m, int d)
{
	int64_t days = 0;

	for (int64_t yy = 1970; yy < y; yy++)
		days += leap(yy) ? 366 : 365;
	for (int64_t yy = y; yy < 1970; yy++)
		days -= leap(yy) ? 366 : 365;
	for (int mm = 1; mm < m; mm++)
		days += month_days(y, mm);
	return days + d - 1;
}

/* UTC milliseconds of a local time `off` minutes east of UTC. */
static int64_t ref_ms(int64_t y, int mo, int d, int h, int mi, int s, int ms, int off)
{
	return ((ref_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) - (int64_t)off * 60) *
		       1000 +
	       ms;
}

static int64_t floor_sec_ms(int64_t ms)
{
	int64_t q = ms / 1000;

	if (ms % 1000 < 0)
		q--;
	return q * 1000;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static int rnd_in(int lo, int hi)
{
	return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

static void test_reference_anchors(void **state)
{
	(void)state;
	/* Well-known Unix times: the reference the other tests lean on is right. */
	assert_int_equal(ref_days(1970, 1, 1), 0);
	assert_int_equal(ref_days(1969, 12, 31), -1);
	assert_true(ref_days(2000, 1, 1) * 86400 == 946684800);
	assert_true(ref_days(2000, 3, 1) * 86400 == 951868800);
	assert_true(ref_days(2026, 1, 1) * 86400 == 1767225600);
	assert_true(ref_days(1900, 1, 1) * 86400 == -2208988800);
	assert_true(ref_ms(1970, 1, 1, 9, 0, 0, 0, 540) == 0);
}

/* ---- parsing ------------------------------------------------------------------------------ */

static void expect_parse(const char *s, int def, int64_t want)
{
	int64_t got = 12345;
	int rc = jg_time_parse(&got, s, def);

	if (rc != 0)
		fail_msg("\"%s\" rejected (%d)", s, rc);
	if (got != want)
		fail_msg("\"%s\" (default offset %d): got %" PRId64 ", want %" PRId64
			 " (off by %" PRId64 " ms)",
			 s, def, got, want, got - want);
}

static void test_parse_forms(void **state)
{
	(void)state;
	/* A date alone is midnight in the default offset. */
	expect_parse("2026-11-29", JG_KST_OFFSET_MIN, ref_ms(2026, 11, 29, 0, 0, 0, 0, 540));
	expect_parse("2026-11-29", 0, ref_ms(2026, 11, 29, 0, 0, 0, 0, 0));
	expect_parse("2026-11-29", -300, ref_ms(2026, 11, 29, 0, 0, 0, 0, -300));
	expect_parse("2026-11-29 14:05", 540, ref_ms(2026, 11, 29, 14, 5, 0, 0, 540));
	expect_parse("2026-11-29 14:05:06", 540, ref_ms(2026, 11, 29, 14, 5, 6, 0, 540));
	expect_parse("2026-11-29T14:05", 0, ref_ms(2026, 11, 29, 14, 5, 0, 0, 0));
	expect_parse("2026-11-29T14:05:06", 540, ref_ms(2026, 11, 29, 14, 5, 6, 0, 540));
	/* ISO 8601 with fractions and zones. */
	expect_parse("2026-11-29T14:05:06.123+09:00", 0, ref_ms(2026, 11, 29, 14, 5, 6, 123, 540));
	expect_parse("2026-11-29T14:05:06.5Z", 540, ref_ms(2026, 11, 29, 14, 5, 6, 500, 0));
	expect_parse("2026-11-29T14:05:06.05Z", 540, ref_ms(2026, 11, 29, 14, 5, 6, 50, 0));
	expect_parse("2026-11-29T14:05:06.123456Z", 540, ref_ms(2026, 11, 29, 14, 5, 6, 123, 0));
	expect_parse("2026-11-29T14:05:06Z", 540, ref_ms(2026, 11, 29, 14, 5, 6, 0, 0));
	expect_parse("2026-11-29T14:05Z", 540, ref_ms(2026, 11, 29, 14, 5, 0, 0, 0));
	expect_parse("2026-11-29T14:05:06+0900", 0, ref_ms(2026, 11, 29, 14, 5, 6, 0, 540));
	expect_parse("2026-11-29T14:05:06+09", 0, ref_ms(2026, 11, 29, 14, 5, 6, 0, 540));
	expect_parse("2026-11-29T14:05:06-05:00", 540, ref_ms(2026, 11, 29, 14, 5, 6, 0, -300));
	expect_parse("2026-11-29T14:05:06+05:30", 540, ref_ms(2026, 11, 29, 14, 5, 6, 0, 330));
	expect_parse("2026-11-29T14:05:06-0030", 540, ref_ms(2026, 11, 29, 14, 5, 6, 0, -30));
	expect_parse("2026-11-29T14:05:06+00:00", 540, ref_ms(2026, 11, 29, 14, 5, 6, 0, 0));
	/* As Korean files write dates. */
	expect_parse("2026.11.29", 540, ref_ms(2026, 11, 29, 0, 0, 0, 0, 540));
	expect_parse("2026/11/29", 540, ref_ms(2026, 11, 29, 0, 0, 0, 0, 540));
	expect_parse("2026/11/29 9:05", 540, ref_ms(2026, 11, 29, 9, 5, 0, 0, 540));
	expect_parse("2026/11/29 09:05:07", 540, ref_ms(2026, 11, 29, 9, 5, 7, 0, 540));
	expect_parse("2026.11.29 14:05", 540, ref_ms(2026, 11, 29, 14, 5, 0, 0, 540));
	expect_parse("2026. 1. 5", 540, ref_ms(2026, 1, 5, 0, 0, 0, 0, 540));
	expect_parse("2026-01-05", 540, ref_ms(2026, 1, 5, 0, 0, 0, 0, 540));
}

static void test_default_offset_only_without_zone(void **state)
{
	int64_t a, b;

	(void)state;
	/* Without a zone the default offset moves the instant... */
	assert_int_equal(jg_time_parse(&a, "2026-11-29 14:05", 540), 0);
	assert_int_equal(jg_time_parse(&b, "2026-11-29 14:05", 0), 0);
	assert_true(b - a == 9 * 3600 * 1000);
	assert_int_equal(jg_time_parse(&b, "2026-11-29 14:05", -300), 0);
	assert_true(b - a == 14 * 3600 * 1000);
	/* ...with one it does not. */
	assert_int_equal(jg_time_parse(&a, "2026-11-29T14:05:00Z", 540), 0);
	assert_int_equal(jg_time_parse(&b, "2026-11-29T14:05:00Z", 0), 0);
	assert_true(a == b);
	assert_int_equal(jg_time_parse(&a, "2026-11-29T14:05:00+09:00", 0), 0);
	assert_int_equal(jg_time_parse(&b, "2026-11-29T14:05:00+09:00", -720), 0);
	assert_true(a == b);
	/* The same instant written in KST with a zone and without one (read as KST). */
	assert_int_equal(jg_time_parse(&b, "2026-11-29 14:05", JG_KST_OFFSET_MIN), 0);
	assert_true(a == b);
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"2026",
		"2026-11",
		"2026-11-",
		"26-11-29",
		"20261129",
		"2026-02-30",
		"2026-02-29",
		"2100-02-29",
		"1900-02-29",
		"2026-13-01",
		"2026-00-10",
		"2026-11-00",
		"2026-11-31",
		"2026-04-31",
		"2026-11-32",
		"2026-11-29 24:00",
		"2026-11-29 23:60",
		"2026-11-29 23:59:61",
		"2026-11-29 14",
		"2026-11-29 14:5",
		"2026-11-29 14:",
		"2026-11-29T",
		"2026-11-29T14:05:06.",
		"2026-11-29x",
		"2026-11/29",
		"2026/11-29",
		"2026.11-29",
		"2026-11-29T14:05:06+24:00",
		"2026-11-29T14:05:06+09:60",
		"2026-11-29T14:05:06+9",
		"2026-11-29T14:05:06Zjunk",
		"2026-11-29 14:05 PM",
		"abcd-ef-gh",
		"2026-1a-29",
		"2026-11-29T14:05:06.12x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = 0;

		if (jg_time_parse(&v, bad[i], 540) != JG_EINVAL)
			fail_msg("\"%s\" accepted as %" PRId64, bad[i], v);
	}
}

static int64_t day_of(const char *s)
{
	int64_t ms;

	if (jg_time_parse(&ms, s, 0) != 0)
		fail_msg("\"%s\" rejected", s);
	return ms / 86400000;
}

static void test_leap_years(void **state)
{
	(void)state;
	expect_parse("2024-02-29", 0, ref_ms(2024, 2, 29, 0, 0, 0, 0, 0));
	expect_parse("2000-02-29", 0, ref_ms(2000, 2, 29, 0, 0, 0, 0, 0));
	expect_parse("1968-02-29", 0, ref_ms(1968, 2, 29, 0, 0, 0, 0, 0));
	assert_int_equal(day_of("2024-03-01") - day_of("2024-02-28"), 2);
	assert_int_equal(day_of("2025-03-01") - day_of("2025-02-28"), 1);
	assert_int_equal(day_of("2000-03-01") - day_of("2000-02-28"), 2);
	assert_int_equal(day_of("2100-03-01") - day_of("2100-02-28"), 1);
	assert_int_equal(day_of("2024-12-31") - day_of("2024-01-01"), 365);
	assert_int_equal(day_of("2026-12-31") - day_of("2026-01-01"), 364);
	assert_int_equal(day_of("2001-01-01") - day_of("2000-01-01"), 366);
	assert_int_equal(day_of("1901-01-01") - day_of("1900-01-01"), 365);
}

/* Builds a random valid time string in one of the documented forms and what it means. */
static void random_text(char *s, size_t cap, int64_t *want, int def)
{
	int y = rnd_in(1901, 2199), mo = rnd_in(1, 12), d = rnd_in(1, month_days(y, mo));
	int h = rnd_in(0, 23), mi = rnd_in(0, 59), sec = rnd_in(0, 59), ms = rnd_in(0, 999);
	int oh = rnd_in(0, 14), om = 15 * rnd_in(0, 3), sign = rnd() % 2 ? 1 : -1;
	int off = sign * (oh * 60 + om);
	char sc = sign > 0 ? '+' : '-';

	switch (rnd() % 8) {
	case 0:
		snprintf(s, cap, "%04d-%02d-%02d", y, mo, d);
		*want = ref_ms(y, mo, d, 0, 0, 0, 0, def);
		break;
	case 1:
		snprintf(s, cap, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, sec);
		*want = ref_ms(y, mo, d, h, mi, sec, 0, def);
		break;
	case 2:
		snprintf(s, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, sec, ms);
		*want = ref_ms(y, mo, d, h, mi, sec, ms, 0);
		break;
	case 3:
		snprintf(s, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d", y, mo, d, h, mi,
			 sec, ms, sc, oh, om);
		*want = ref_ms(y, mo, d, h, mi, sec, ms, off);
		break;
	case 4:
		snprintf(s, cap, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d%02d", y, mo, d, h, mi, sec,
			 sc, oh, om);
		*want = ref_ms(y, mo, d, h, mi, sec, 0, off);
		break;
	case 5:
		snprintf(s, cap, "%04d/%02d/%02d %d:%02d", y, mo, d, h, mi);
		*want = ref_ms(y, mo, d, h, mi, 0, 0, def);
		break;
	case 6:
		snprintf(s, cap, "%04d.%02d.%02d", y, mo, d);
		*want = ref_ms(y, mo, d, 0, 0, 0, 0, def);
		break;
	default:
		snprintf(s, cap, "%04d-%02d-%02dT%02d:%02d", y, mo, d, h, mi);
		*want = ref_ms(y, mo, d, h, mi, 0, 0, def);
		break;
	}
}

static void test_parse_random_against_reference(void **state)
{
	(void)state;
	rng_state = 0x74696d652d706172ull;
	for (int i = 0; i < 20000; i++) {
		char s[64];
		int64_t want;
		int def = 15 * rnd_in(-48, 56);

		random_text(s, sizeof(s), &want, def);
		expect_parse(s, def, want);
	}
}

/* ---- formatting --------------------------------------------------------------------------- */

static void expect_format(int64_t ms, int off, const char *want, const char *want_iso)
{
	char out[20], iso[26];

	memset(out, 'x', sizeof(out));
	memset(iso, 'x', sizeof(iso));
	/* The documented minimum sizes are enough. */
	jg_time_format(out, sizeof(out), ms, off);
	jg_time_format_iso(iso, sizeof(iso), ms, off);
	if (strcmp(out, want) != 0)
		fail_msg("%" PRId64 " at %d: \"%s\", want \"%s\"", ms, off, out, want);
	if (strcmp(iso, want_iso) != 0)
		fail_msg("%" PRId64 " at %d: \"%s\", want \"%s\"", ms, off, iso, want_iso);
}

static void test_format(void **state)
{
	int64_t t = ref_ms(2026, 11, 29, 22, 10, 0, 0, 540);

	(void)state;
	expect_format(t, 540, "2026-11-29 22:10:00", "2026-11-29T22:10:00+09:00");
	expect_format(t, 0, "2026-11-29 13:10:00", "2026-11-29T13:10:00+00:00");
	expect_format(t + 999, 540, "2026-11-29 22:10:00", "2026-11-29T22:10:00+09:00");
	expect_format(t, -300, "2026-11-29 08:10:00", "2026-11-29T08:10:00-05:00");
	expect_format(t, 120, "2026-11-29 15:10:00", "2026-11-29T15:10:00+02:00");
	expect_format(ref_ms(2026, 12, 31, 23, 30, 0, 0, 0), 540, "2027-01-01 08:30:00",
		      "2027-01-01T08:30:00+09:00");
	expect_format(ref_ms(2024, 2, 29, 12, 0, 0, 0, 0), 0, "2024-02-29 12:00:00",
		      "2024-02-29T12:00:00+00:00");
	expect_format(0, 0, "1970-01-01 00:00:00", "1970-01-01T00:00:00+00:00");
	expect_format(0, 540, "1970-01-01 09:00:00", "1970-01-01T09:00:00+09:00");
	expect_format(0, 330, "1970-01-01 05:30:00", "1970-01-01T05:30:00+05:30");
}

static void test_before_1970(void **state)
{
	(void)state;
	/* Negative milliseconds round down to the second before, not towards zero. */
	expect_format(-1, 0, "1969-12-31 23:59:59", "1969-12-31T23:59:59+00:00");
	expect_format(-999, 0, "1969-12-31 23:59:59", "1969-12-31T23:59:59+00:00");
	expect_format(-1000, 0, "1969-12-31 23:59:59", "1969-12-31T23:59:59+00:00");
	expect_format(-1001, 0, "1969-12-31 23:59:58", "1969-12-31T23:59:58+00:00");
	expect_format(-86400000, 0, "1969-12-31 00:00:00", "1969-12-31T00:00:00+00:00");
	expect_format(-86400001, 0, "1969-12-30 23:59:59", "1969-12-30T23:59:59+00:00");
	expect_format(0, -300, "1969-12-31 19:00:00", "1969-12-31T19:00:00-05:00");
	expect_format(0, -30, "1969-12-31 23:30:00", "1969-12-31T23:30:00-00:30");
	expect_format(ref_ms(1968, 2, 29, 1, 2, 3, 0, 0), 0, "1968-02-29 01:02:03",
		      "1968-02-29T01:02:03+00:00");
	expect_format(ref_ms(1900, 1, 1, 0, 0, 0, 0, 0), 0, "1900-01-01 00:00:00",
		      "1900-01-01T00:00:00+00:00");
	expect_parse("1969-12-31 23:59:59", 0, -1000);
	expect_parse("1969-12-31T23:59:59.999Z", 540, -1);
	expect_parse("1970-01-01 08:59:59", 540, -1000);
	expect_parse("1950-06-15", 0, ref_ms(1950, 6, 15, 0, 0, 0, 0, 0));
	assert_true(ref_ms(1950, 6, 15, 0, 0, 0, 0, 0) < 0);
}

static void test_round_trip(void **state)
{
	const int64_t lo = ref_ms(1901, 1, 2, 0, 0, 0, 0, 0);
	const int64_t hi = ref_ms(2199, 12, 30, 0, 0, 0, 0, 0);
	static const int offs[] = {0, 540, -300, 330, -30, 345, 840, -720, 60, -570};

	(void)state;
	rng_state = 0x726f756e64747269ull;
	for (int i = 0; i < 20000; i++) {
		int64_t ms = lo + (int64_t)(rnd() % (uint64_t)(hi - lo)), back;
		int off = offs[rnd() % (sizeof(offs) / sizeof(offs[0]))];
		char out[32], iso[40], again[32];

		jg_time_format(out, sizeof(out), ms, off);
		assert_int_equal(jg_time_parse(&back, out, off), 0);
		if (back != floor_sec_ms(ms))
			fail_msg("%" PRId64 " at %d -> \"%s\" -> %" PRId64, ms, off, out, back);
		jg_time_format(again, sizeof(again), back, off);
		assert_string_equal(again, out);
		/* ISO text carries its zone: the default offset must not matter. */
		jg_time_format_iso(iso, sizeof(iso), ms, off);
		assert_int_equal(jg_time_parse(&back, iso, off == 0 ? 540 : 0), 0);
		if (back != floor_sec_ms(ms))
			fail_msg("%" PRId64 " at %d -> \"%s\" -> %" PRId64, ms, off, iso, back);
	}
}

static void test_now(void **state)
{
	int64_t a = jg_now_ms(), b;
	int64_t sys = (int64_t)time(NULL) * 1000;

	(void)state;
	assert_true(a > ref_ms(2020, 1, 1, 0, 0, 0, 0, 0));
	assert_true(a - sys < 5000 && sys - a < 5000);
	b = jg_now_ms();
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_anchors),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_default_offset_only_without_zone),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_parse_random_against_reference),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_before_1970),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
