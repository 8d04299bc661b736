/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the stock arithmetic (src/core/stock.c) against DESIGN.md section 2: each
 * rule alone and combined, bundles, negative stock, priority for the last units, the reported
 * reason and component, the line shortage helper and the order-line states. Expected values
 * are worked out by hand from the formula; a brute-force pass then compares the quantity with
 * an independent, deliberately plain re-implementation of the formula written here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* A rule with the defaults, for tests that change one part at a time. */
static jg_rule rule_plain(void)
{
	jg_rule r;

	memset(&r, 0xa5, sizeof(r)); /* garbage first: jg_rule_default must set every field */
	jg_rule_default(&r);
	return r;
}

static jg_component comp(int64_t per_unit, int64_t available, int64_t safety, int64_t low_stock)
{
	jg_component c = {per_unit, available, safety, low_stock};

	return c;
}

static jg_listed listed(const jg_rule *r, int64_t top, const jg_component *c, size_t n)
{
	jg_listed out;

	memset(&out, 0x5a, sizeof(out)); /* every output field must be written */
	jg_listed_compute(&out, r, top, c, n);
	return out;
}

/* Asserts qty, why and component of one computation. */
#define CHECK(l, q, w, ci)                                                                    \
	do {                                                                                  \
		jg_listed l_ = (l);                                                           \
		if (l_.qty != (q) || l_.why != (w) || l_.component != (ci))                   \
			fail_msg("got qty %" PRId64 " why %s component %d, want qty %" PRId64 \
				 " why %s component %d",                                      \
				 l_.qty, jg_limit_name(l_.why), l_.component, (int64_t)(q),   \
				 jg_limit_name(w), (int)(ci));                                \
	} while (0)

static void test_rule_default(void **state)
{
	jg_rule r = rule_plain();
	jg_component c = comp(1, 7, 0, 0);

	(void)state;
	assert_int_equal(r.buffer, 0);
	assert_int_equal(r.percent, 100);
	assert_true(r.max == JG_NO_LIMIT);
	assert_true(r.end_when == JG_NO_LIMIT);
	assert_int_equal(r.priority, 0);
	assert_false(r.paused);
	/* The defaults list the whole available pool. */
	CHECK(listed(&r, 0, &c, 1), 7, JG_LIMIT_STOCK, 0);
	c.available = 123456789;
	CHECK(listed(&r, 0, &c, 1), 123456789, JG_LIMIT_STOCK, 0);
}

static void test_no_recipe(void **state)
{
	jg_rule r = rule_plain();

	(void)state;
	CHECK(listed(&r, 0, NULL, 0), 0, JG_LIMIT_NO_RECIPE, -1);
	r.paused = true;
	CHECK(listed(&r, 0, NULL, 0), 0, JG_LIMIT_NO_RECIPE, -1);
}

static void test_negative_available(void **state)
{
	jg_rule r = rule_plain();
	jg_component c = comp(1, -3, 0, 0);

	(void)state;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_STOCK, 0);
	c.available = 0;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_STOCK, 0);
	c.available = -1000000;
	c.per_unit = 3;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_STOCK, 0);
	/* Holding back more from nothing stays 0, never negative. */
	r.buffer = 5;
	c.safety = 2;
	r.percent = 50;
	assert_int_equal(listed(&r, 0, &c, 1).qty, 0);
}

static void test_safety(void **state)
{
	jg_rule r = rule_plain();
	jg_component c = comp(1, 10, 3, 0);

	(void)state;
	CHECK(listed(&r, 0, &c, 1), 7, JG_LIMIT_SAFETY, 0);
	c.safety = 10;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_SAFETY, 0);
	c.safety = 12;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_SAFETY, 0);
	c.safety = 9;
	CHECK(listed(&r, 0, &c, 1), 1, JG_LIMIT_SAFETY, 0);
	/* Nothing on hand: the stock itself decided, safety had nothing to cut. */
	c.available = 0;
	c.safety = 4;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_STOCK, 0);
}

static void test_buffer(void **state)
{
	jg_rule r = rule_plain();
	jg_component c = comp(1, 10, 0, 0);

	(void)state;
	r.buffer = 4;
	CHECK(listed(&r, 0, &c, 1), 6, JG_LIMIT_BUFFER, 0);
	r.buffer = 10;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_BUFFER, 0);
	r.buffer = 15;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_BUFFER, 0);
	r.buffer = 1;
	CHECK(listed(&r, 0, &c, 1), 9, JG_LIMIT_BUFFER, 0);
}

static void test_safety_and_buffer(void **state)
{
	jg_rule r = rule_plain();
	jg_component c = comp(1, 10, 3, 0);

	(void)state;
	r.buffer = 4;
	CHECK(listed(&r, 0, &c, 1), 3, JG_LIMIT_BUFFER, 0); /* 10 - 3 - 4 */
	c.available = 7;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_BUFFER, 0); /* max(0, 7 - 3 - 4) */
	c.available = 5;
	assert_int_equal(listed(&r, 0, &c, 1).qty, 0); /* max(0, -2) */
	/* Safety alone already took everything: buffer cut nothing more. */
	c.available = 3;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_SAFETY, 0);
}

static void test_percent(void **state)
{
	static const struct {
		int64_t available, percent, want;
	} cases[] = {
		{10, 50, 5},   {1, 90, 0},     {9, 90, 8},    {10, 33, 3},  {3, 50, 1},
		{199, 99, 197}, {100, 1, 1},   {99, 1, 0},    {7, 0, 0},    {1000, 0, 0},
		{10, 100, 10},  {2, 99, 1},    {0, 50, 0},    {-4, 50, 0},  {101, 10, 10},
	};
	jg_rule r = rule_plain();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jg_component c = comp(1, cases[i].available, 0, 0);
		jg_listed l;

		r.percent = cases[i].percent;
		l = listed(&r, 0, &c, 1);
		if (l.qty != cases[i].want)
			fail_msg("%" PRId64 "%% of %" PRId64 ": got %" PRId64 ", want %" PRId64,
				 cases[i].percent, cases[i].available, l.qty, cases[i].want);
		assert_int_equal(l.component, 0);
		/* The percentage is the reason exactly when it took units away. */
		if (cases[i].available > 0 && cases[i].want < cases[i].available)
			assert_int_equal(l.why, JG_LIMIT_PERCENT);
		else
			assert_int_equal(l.why, JG_LIMIT_STOCK);
	}
	/* The share is of the pool after safety and buffer, not of available. */
	{
		jg_component c = comp(1, 20, 5, 0);

		r.percent = 50;
		r.buffer = 5;
		CHECK(listed(&r, 0, &c, 1), 5, JG_LIMIT_PERCENT, 0);
		/* A pool emptied by the buffer: the percentage cut nothing. */
		c.available = 10;
		CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_BUFFER, 0);
	}
}

static void test_max(void **state)
{
	jg_rule r = rule_plain();
	jg_component c = comp(1, 10, 0, 0);

	(void)state;
	r.max = 4;
	CHECK(listed(&r, 0, &c, 1), 4, JG_LIMIT_MAX, -1);
	r.max = 0;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_MAX, -1);
	r.max = 9;
	CHECK(listed(&r, 0, &c, 1), 9, JG_LIMIT_MAX, -1);
	r.max = 20;
	CHECK(listed(&r, 0, &c, 1), 10, JG_LIMIT_STOCK, 0);
	r.max = JG_NO_LIMIT;
	CHECK(listed(&r, 0, &c, 1), 10, JG_LIMIT_STOCK, 0);
	/* The cap applies after everything else. */
	r.max = 4;
	r.percent = 50;
	r.buffer = 4;
	CHECK(listed(&r, 0, &c, 1), 3, JG_LIMIT_PERCENT, 0); /* (10 - 4) * 50% = 3 < 4 */
	c.available = 20;
	CHECK(listed(&r, 0, &c, 1), 4, JG_LIMIT_MAX, -1); /* (20 - 4) * 50% = 8, capped */
}

static void test_end_when(void **state)
{
	jg_rule r = rule_plain();
	jg_component c = comp(1, 5, 0, 0);
	jg_component two[2];

	(void)state;
	r.end_when = 5;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_END_WHEN, 0);
	r.end_when = 4;
	CHECK(listed(&r, 0, &c, 1), 5, JG_LIMIT_STOCK, 0);
	r.end_when = 6;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_END_WHEN, 0);
	r.end_when = 0;
	c.available = 0;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_END_WHEN, 0);
	c.available = 1;
	CHECK(listed(&r, 0, &c, 1), 1, JG_LIMIT_STOCK, 0);
	c.available = -2;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_END_WHEN, 0);
	/* end_when looks at available, not at the pool left after safety and buffer. */
	r.end_when = 5;
	c = comp(1, 10, 8, 0);
	CHECK(listed(&r, 0, &c, 1), 2, JG_LIMIT_SAFETY, 0);
	/* Any component at or below the line ends the listing; it is the one reported. */
	two[0] = comp(1, 100, 0, 0);
	two[1] = comp(2, 5, 0, 0);
	CHECK(listed(&r, 0, two, 2), 0, JG_LIMIT_END_WHEN, 1);
	two[1].available = 6;
	CHECK(listed(&r, 0, two, 2), 3, JG_LIMIT_STOCK, 1);
	/* No limit: even negative stock is just stock. */
	r.end_when = JG_NO_LIMIT;
	c = comp(1, -5, 0, 0);
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_STOCK, 0);
}

static void test_paused(void **state)
{
	jg_rule r = rule_plain();
	jg_component c[2] = {comp(1, 1000, 0, 0), comp(2, 50, 0, 0)};

	(void)state;
	r.paused = true;
	CHECK(listed(&r, 0, c, 2), 0, JG_LIMIT_PAUSED, -1);
	r.priority = 1;
	r.max = 10;
	CHECK(listed(&r, 3, c, 2), 0, JG_LIMIT_PAUSED, -1);
	r.paused = false;
	CHECK(listed(&r, 3, c, 2), 10, JG_LIMIT_MAX, -1);
}

static void test_bundle(void **state)
{
	jg_rule r = rule_plain();
	jg_component c[3];

	(void)state;
	/* min(floor(9/2), floor(10/3), floor(100/1)) = min(4, 3, 100) */
	c[0] = comp(2, 9, 0, 0);
	c[1] = comp(3, 10, 0, 0);
	c[2] = comp(1, 100, 0, 0);
	CHECK(listed(&r, 0, c, 3), 3, JG_LIMIT_STOCK, 1);
	/* Ties go to the first component. */
	c[0] = comp(2, 6, 0, 0);
	c[1] = comp(1, 3, 0, 0);
	CHECK(listed(&r, 0, c, 3), 3, JG_LIMIT_STOCK, 0);
	c[0] = comp(2, 7, 0, 0);
	CHECK(listed(&r, 0, c, 3), 3, JG_LIMIT_STOCK, 0);
	/* Not enough for one bundle. */
	c[0] = comp(5, 4, 0, 0);
	CHECK(listed(&r, 0, c, 3), 0, JG_LIMIT_STOCK, 0);
	/* One oversold component zeroes the bundle. */
	c[0] = comp(1, 50, 0, 0);
	c[2] = comp(1, -1, 0, 0);
	CHECK(listed(&r, 0, c, 3), 0, JG_LIMIT_STOCK, 2);
	/* The percentage applies to the pool in SKU units, before dividing by k:
	 * floor(floor(6 * 70%) / 4) = floor(4 / 4) = 1, whereas floor(floor(6 / 4) * 70%) = 0. */
	r.percent = 70;
	c[0] = comp(4, 6, 0, 0);
	CHECK(listed(&r, 0, c, 1), 1, JG_LIMIT_PERCENT, 0);
	/* Safety and buffer are SKU units too: floor((10 - 4) / 3) = 2, and with buffer 2 the
	 * second component (5 - 2 = 3) is below the first ((10 - 2) / 2 = 4). */
	r.percent = 100;
	c[0] = comp(3, 10, 4, 0);
	CHECK(listed(&r, 0, c, 1), 2, JG_LIMIT_SAFETY, 0);
	r.buffer = 2;
	c[0] = comp(2, 10, 0, 0);
	c[1] = comp(1, 5, 0, 0);
	CHECK(listed(&r, 0, c, 2), 3, JG_LIMIT_BUFFER, 1);
	/* Which component is reported: the safety-limited one even when it comes second. */
	r.buffer = 0;
	c[0] = comp(1, 5, 0, 0);
	c[1] = comp(1, 10, 6, 0);
	CHECK(listed(&r, 0, c, 2), 4, JG_LIMIT_SAFETY, 1);
	c[0] = comp(1, 10, 6, 0);
	c[1] = comp(1, 5, 0, 0);
	CHECK(listed(&r, 0, c, 2), 4, JG_LIMIT_SAFETY, 0);
	/* A max below every component wins and names no component. */
	r.max = 2;
	CHECK(listed(&r, 0, c, 2), 2, JG_LIMIT_MAX, -1);
}

static void test_priority(void **state)
{
	jg_rule r = rule_plain();
	jg_component c = comp(1, 3, 0, 5);
	jg_component two[2];

	(void)state;
	/* At or below the low-stock line only priorities 1..top show units. */
	for (int64_t p = 0; p <= 5; p++) {
		r.priority = p;
		if (p >= 1 && p <= 2)
			CHECK(listed(&r, 2, &c, 1), 3, JG_LIMIT_STOCK, 0);
		else
			CHECK(listed(&r, 2, &c, 1), 0, JG_LIMIT_PRIORITY, 0);
	}
	/* Exactly at the line counts as low. */
	c.available = 5;
	r.priority = 3;
	CHECK(listed(&r, 2, &c, 1), 0, JG_LIMIT_PRIORITY, 0);
	r.priority = 2;
	CHECK(listed(&r, 2, &c, 1), 5, JG_LIMIT_STOCK, 0);
	/* Above the line everyone shows units. */
	c.available = 6;
	r.priority = 0;
	CHECK(listed(&r, 2, &c, 1), 6, JG_LIMIT_STOCK, 0);
	r.priority = 9;
	CHECK(listed(&r, 2, &c, 1), 6, JG_LIMIT_STOCK, 0);
	/* low_stock 0 switches the rule off for that SKU. */
	c = comp(1, 0, 0, 0);
	CHECK(listed(&r, 2, &c, 1), 0, JG_LIMIT_STOCK, 0);
	c.available = 2;
	CHECK(listed(&r, 2, &c, 1), 2, JG_LIMIT_STOCK, 0);
	/* priority_top 0 switches the rule off everywhere. */
	c = comp(1, 3, 0, 5);
	r.priority = 0;
	CHECK(listed(&r, 0, &c, 1), 3, JG_LIMIT_STOCK, 0);
	r.priority = 7;
	CHECK(listed(&r, 0, &c, 1), 3, JG_LIMIT_STOCK, 0);
	/* A top-priority channel is still subject to its other rules. */
	r.priority = 1;
	r.buffer = 1;
	CHECK(listed(&r, 1, &c, 1), 2, JG_LIMIT_BUFFER, 0);
	r.buffer = 0;
	r.max = 1;
	CHECK(listed(&r, 1, &c, 1), 1, JG_LIMIT_MAX, -1);
	r.max = JG_NO_LIMIT;
	/* Bundles: the low component decides, and is the one reported. */
	two[0] = comp(1, 100, 0, 10);
	two[1] = comp(2, 8, 0, 8);
	r.priority = 2;
	CHECK(listed(&r, 1, two, 2), 0, JG_LIMIT_PRIORITY, 1);
	CHECK(listed(&r, 2, two, 2), 4, JG_LIMIT_STOCK, 1);
	two[1].available = 9;
	CHECK(listed(&r, 1, two, 2), 4, JG_LIMIT_STOCK, 1);
}

static void test_combined(void **state)
{
	jg_rule r = rule_plain();
	jg_component c = comp(1, 103, 3, 0);

	(void)state;
	/* pool = 103 - 3 - 10 = 90; 90% of 90 = 81; capped at 50. */
	r.buffer = 10;
	r.percent = 90;
	r.max = 50;
	CHECK(listed(&r, 0, &c, 1), 50, JG_LIMIT_MAX, -1);
	r.max = 100;
	CHECK(listed(&r, 0, &c, 1), 81, JG_LIMIT_PERCENT, 0);
	c.per_unit = 4;
	CHECK(listed(&r, 0, &c, 1), 20, JG_LIMIT_PERCENT, 0); /* floor(81 / 4) */
	r.end_when = 103;
	CHECK(listed(&r, 0, &c, 1), 0, JG_LIMIT_END_WHEN, 0);
	r.end_when = 102;
	c.low_stock = 200;
	r.priority = 1;
	CHECK(listed(&r, 1, &c, 1), 20, JG_LIMIT_PERCENT, 0);
	r.priority = 2;
	CHECK(listed(&r, 1, &c, 1), 0, JG_LIMIT_PRIORITY, 0);
	r.paused = true;
	CHECK(listed(&r, 1, &c, 1), 0, JG_LIMIT_PAUSED, -1);
}

static void test_limit_names(void **state)
{
	static const jg_limit all[] = {
		JG_LIMIT_STOCK,	 JG_LIMIT_SAFETY,   JG_LIMIT_BUFFER,   JG_LIMIT_PERCENT,
		JG_LIMIT_MAX,	 JG_LIMIT_PAUSED,   JG_LIMIT_END_WHEN, JG_LIMIT_PRIORITY,
		JG_LIMIT_NO_RECIPE,
	};
	const size_t n = sizeof(all) / sizeof(all[0]);

	(void)state;
	assert_string_equal(jg_limit_name(JG_LIMIT_STOCK), "stock");
	assert_string_equal(jg_limit_name(JG_LIMIT_MAX), "max");
	for (size_t i = 0; i < n; i++) {
		const char *a = jg_limit_name(all[i]);

		assert_non_null(a);
		assert_true(a[0] != '\0');
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(a, jg_limit_name(all[j]));
	}
	assert_non_null(jg_limit_name((jg_limit)99));
}

static void test_short_line_units(void **state)
{
	static const int64_t cases[][3] = {
		/* short_units, per_unit, line units short = ceil(short / per_unit) */
		{0, 1, 0}, {0, 5, 0}, {-3, 2, 0}, {1, 1, 1}, {5, 1, 5},  {5, 2, 3},
		{4, 2, 2}, {1, 10, 1}, {10, 10, 1}, {11, 10, 2}, {7, 3, 3}, {9, 3, 3},
		{1000001, 1000, 1001},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = jg_short_line_units(cases[i][0], cases[i][1]);

		if (got != cases[i][2])
			fail_msg("short %" PRId64 " per %" PRId64 ": got %" PRId64
				 ", want %" PRId64,
				 cases[i][0], cases[i][1], got, cases[i][2]);
	}
}

static void test_status(void **state)
{
	static const jg_status all[] = {JG_STATUS_OPEN, JG_STATUS_SHIPPED, JG_STATUS_CANCELLED,
					JG_STATUS_RETURNED};
	static const char *const names[] = {"open", "shipped", "cancelled", "returned"};
	/* legal[from][to], from the header: open -> shipped | cancelled, shipped -> returned. */
	static const bool legal[4][4] = {
		{false, true, true, false},
		{false, false, false, true},
		{false, false, false, false},
		{false, false, false, false},
	};
	static const char *const bad[] = {"", "bogus", "ship", "opened", "open ", " open",
					  "cancel", "canceled"};

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		jg_status s = (jg_status)77;

		assert_string_equal(jg_status_name(all[i]), names[i]);
		assert_int_equal(jg_status_parse(&s, names[i]), 0);
		assert_int_equal(s, all[i]);
		for (size_t j = 0; j < 4; j++)
			if (jg_status_can(all[i], all[j]) != legal[i][j])
				fail_msg("%s -> %s: want %s", names[i], names[j],
					 legal[i][j] ? "legal" : "illegal");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jg_status s = JG_STATUS_SHIPPED;

		assert_int_equal(jg_status_parse(&s, bad[i]), JG_EINVAL);
	}
	assert_non_null(jg_status_name((jg_status)42));
}

/* ---- brute force against a plain re-implementation ---------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* A uniform-enough integer in [lo, hi]. */
static int64_t rnd_in(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* The units one component allows, straight from DESIGN.md section 2. */
static int64_t ref_units(const jg_rule *r, const jg_component *c)
{
	int64_t pool = c->available - c->safety - r->buffer;

	if (pool < 0)
		pool = 0;
	pool = pool * r->percent / 100; /* pool >= 0, so truncation is floor */
	return pool / c->per_unit;
}

static bool ref_low_blocked(const jg_rule *r, int64_t top, const jg_component *c)
{
	bool in_top = r->priority >= 1 && r->priority <= top;

	return top != 0 && c->low_stock != 0 && c->available <= c->low_stock && !in_top;
}

static int64_t ref_listed(const jg_rule *r, int64_t top, const jg_component *c, size_t n)
{
	int64_t best = -1;

	if (n == 0 || r->paused)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (r->end_when != JG_NO_LIMIT && c[i].available <= r->end_when)
			return 0;
		if (ref_low_blocked(r, top, &c[i]))
			return 0;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t u = ref_units(r, &c[i]);

		if (best < 0 || u < best)
			best = u;
	}
	if (r->max != JG_NO_LIMIT && best > r->max)
		best = r->max;
	return best;
}

static void random_case(jg_rule *r, int64_t *top, jg_component *c, size_t *n)
{
	jg_rule_default(r);
	if (rnd() % 2)
		r->buffer = rnd_in(0, 30);
	if (rnd() % 2)
		r->percent = rnd_in(0, 100);
	if (rnd() % 3 == 0)
		r->max = rnd_in(0, 150);
	if (rnd() % 4 == 0)
		r->end_when = rnd_in(-5, 40);
	r->priority = rnd_in(0, 4);
	r->paused = rnd() % 25 == 0;
	*top = rnd() % 3 ? rnd_in(0, 3) : 0;
	*n = (size_t)rnd_in(0, 4);
	for (size_t i = 0; i < *n; i++) {
		c[i].per_unit = rnd() % 2 ? 1 : rnd_in(1, 6);
		c[i].available = rnd_in(-30, 250);
		c[i].safety = rnd() % 2 ? 0 : rnd_in(0, 40);
		c[i].low_stock = rnd() % 2 ? 0 : rnd_in(0, 30);
	}
}

static void test_brute_force(void **state)
{
	const int rounds = 200000;
	int reasons[JG_LIMIT_NO_RECIPE + 1] = {0};

	(void)state;
	rng_state = 0x6a61656f2d737463ull; /* fixed: a failure can be replayed */
	for (int it = 0; it < rounds; it++) {
		jg_rule r;
		jg_component c[4];
		size_t n;
		int64_t top, want;
		jg_listed got;

		random_case(&r, &top, c, &n);
		want = ref_listed(&r, top, c, n);
		got = listed(&r, top, c, n);
		if (got.qty != want)
			fail_msg("round %d: qty %" PRId64 ", formula says %" PRId64
				 " (buffer %" PRId64 " percent %" PRId64 " max %" PRId64
				 " end_when %" PRId64 " priority %" PRId64 " paused %d top %" PRId64
				 " n %zu)",
				 it, got.qty, want, r.buffer, r.percent, r.max, r.end_when,
				 r.priority, (int)r.paused, top, n);
		assert_true(got.why >= JG_LIMIT_STOCK && got.why <= JG_LIMIT_NO_RECIPE);
		reasons[got.why]++;
		switch (got.why) {
		case JG_LIMIT_NO_RECIPE:
			assert_int_equal(n, 0);
			assert_int_equal(got.component, -1);
			break;
		case JG_LIMIT_PAUSED:
			assert_true(r.paused);
			assert_int_equal(got.component, -1);
			break;
		case JG_LIMIT_MAX:
			assert_int_equal(got.component, -1);
			assert_int_equal(got.qty, r.max);
			for (size_t i = 0; i < n; i++)
				assert_true(ref_units(&r, &c[i]) > r.max);
			break;
		case JG_LIMIT_END_WHEN:
			assert_true(got.component >= 0 && (size_t)got.component < n);
			assert_true(c[got.component].available <= r.end_when);
			assert_true(r.end_when != JG_NO_LIMIT);
			break;
		case JG_LIMIT_PRIORITY:
			assert_true(got.component >= 0 && (size_t)got.component < n);
			assert_true(ref_low_blocked(&r, top, &c[got.component]));
			break;
		default:
			/* Limited by a component: the first one that gives the fewest units. */
			assert_true(got.component >= 0 && (size_t)got.component < n);
			assert_int_equal(ref_units(&r, &c[got.component]), got.qty);
			for (int i = 0; i < got.component; i++)
				assert_true(ref_units(&r, &c[i]) > got.qty);
			if (got.why == JG_LIMIT_SAFETY)
				assert_true(c[got.component].safety > 0);
			if (got.why == JG_LIMIT_BUFFER)
				assert_true(r.buffer > 0);
			if (got.why == JG_LIMIT_PERCENT)
				assert_true(r.percent < 100);
			break;
		}
	}
	/* The generator reached every reason, so the checks above all ran. */
	for (int w = 0; w <= JG_LIMIT_NO_RECIPE; w++)
		if (reasons[w] == 0)
			fail_msg("no random case was limited by %s", jg_limit_name((jg_limit)w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_default),
		cmocka_unit_test(test_no_recipe),
		cmocka_unit_test(test_negative_available),
		cmocka_unit_test(test_safety),
		cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_safety_and_buffer),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_end_when),
		cmocka_unit_test(test_paused),
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_limit_names),
		cmocka_unit_test(test_short_line_units),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_brute_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
