/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of recipe text (src/core/recipe.c): "A*2,B" and "A×2", blanks around every part,
 * a repeated SKU summed into one item, and every malformed form rejected with a negative code
 * and a message, never a partial result that looks like success.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

/* "×" (U+00D7 MULTIPLICATION SIGN) as UTF-8 bytes. */
#define TIMES "\xc3\x97"

typedef struct parsed {
	jg_recipe_item items[JG_RECIPE_MAX];
	int n;
	jg_err err;
} parsed;

static parsed *parse(parsed *p, size_t cap, const char *text)
{
	memset(p, 0, sizeof(*p));
	p->n = jg_recipe_parse(p->items, cap, text, &p->err);
	return p;
}

static void test_basic(void **state)
{
	parsed p;

	(void)state;
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "A*2,B")->n, 2);
	assert_string_equal(p.items[0].sku, "A");
	assert_int_equal(p.items[0].qty, 2);
	assert_string_equal(p.items[1].sku, "B");
	assert_int_equal(p.items[1].qty, 1);
	assert_int_equal(p.err.code, 0);

	assert_int_equal(parse(&p, JG_RECIPE_MAX, "SKU-1")->n, 1);
	assert_string_equal(p.items[0].sku, "SKU-1");
	assert_int_equal(p.items[0].qty, 1);

	assert_int_equal(parse(&p, JG_RECIPE_MAX, "MUG-01*12,BOX*1,TAPE*3")->n, 3);
	assert_string_equal(p.items[0].sku, "MUG-01");
	assert_int_equal(p.items[0].qty, 12);
	assert_string_equal(p.items[1].sku, "BOX");
	assert_int_equal(p.items[1].qty, 1);
	assert_string_equal(p.items[2].sku, "TAPE");
	assert_int_equal(p.items[2].qty, 3);
}

static void test_times_sign(void **state)
{
	parsed p;

	(void)state;
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "A" TIMES "2")->n, 1);
	assert_string_equal(p.items[0].sku, "A");
	assert_int_equal(p.items[0].qty, 2);
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "A" TIMES "3,B*4")->n, 2);
	assert_int_equal(p.items[0].qty, 3);
	assert_string_equal(p.items[1].sku, "B");
	assert_int_equal(p.items[1].qty, 4);
	/* Korean SKU codes pass through byte for byte. */
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "사과" TIMES "2,배")->n, 2);
	assert_string_equal(p.items[0].sku, "사과");
	assert_int_equal(p.items[0].qty, 2);
	assert_string_equal(p.items[1].sku, "배");
	assert_int_equal(p.items[1].qty, 1);
}

static void test_blanks(void **state)
{
	parsed p;

	(void)state;
	assert_int_equal(parse(&p, JG_RECIPE_MAX, " A * 2 , B ")->n, 2);
	assert_string_equal(p.items[0].sku, "A");
	assert_int_equal(p.items[0].qty, 2);
	assert_string_equal(p.items[1].sku, "B");
	assert_int_equal(p.items[1].qty, 1);
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "\tA " TIMES " 5\t,\tB*2")->n, 2);
	assert_string_equal(p.items[0].sku, "A");
	assert_int_equal(p.items[0].qty, 5);
	assert_string_equal(p.items[1].sku, "B");
	assert_int_equal(p.items[1].qty, 2);
	/* A blank inside a code is part of the code. */
	assert_int_equal(parse(&p, JG_RECIPE_MAX, " RED MUG *2")->n, 1);
	assert_string_equal(p.items[0].sku, "RED MUG");
}

static void test_repeated_sku_summed(void **state)
{
	parsed p;

	(void)state;
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "A,B*2,A*3")->n, 2);
	assert_string_equal(p.items[0].sku, "A");
	assert_int_equal(p.items[0].qty, 4);
	assert_string_equal(p.items[1].sku, "B");
	assert_int_equal(p.items[1].qty, 2);
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "A, A ,A" TIMES "2")->n, 1);
	assert_int_equal(p.items[0].qty, 4);
	/* A code that is a prefix of another is a different SKU. */
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "AB,A,ABC")->n, 3);
	assert_int_equal(p.items[0].qty, 1);
	assert_int_equal(p.items[1].qty, 1);
	assert_int_equal(p.items[2].qty, 1);
	/* Summing does not use up capacity. */
	assert_int_equal(parse(&p, 1, "A,A*2,A")->n, 1);
	assert_int_equal(p.items[0].qty, 4);
}

static void expect_invalid(const char *text)
{
	parsed p;

	parse(&p, JG_RECIPE_MAX, text);
	if (p.n != JG_EINVAL)
		fail_msg("recipe \"%s\": got %d, want JG_EINVAL", text ? text : "(null)", p.n);
	assert_int_equal(p.err.code, JG_EINVAL);
	assert_true(p.err.msg[0] != '\0');
}

static void test_errors(void **state)
{
	static const char *const bad[] = {
		"",	"*2",	  "A*0",   "A*x",    "A*",	    "A*-1",   "A*1.5", "A*2x",
		"A*1e3", "A,,B", "A,",    ",A",     " , ",	    "A*2*3", "A**2",  TIMES "2",
		"A" TIMES "0", "A*99999999999999999999", " * 3", "A*+",
	};
	parsed p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_invalid(bad[i]);
	expect_invalid(NULL);
	/* The message names the part that is wrong. */
	parse(&p, JG_RECIPE_MAX, "A*x");
	assert_non_null(strstr(p.err.msg, "x"));
	/* A NULL err is allowed. */
	assert_int_equal(jg_recipe_parse(p.items, JG_RECIPE_MAX, "A*0", NULL), JG_EINVAL);
	assert_int_equal(jg_recipe_parse(p.items, JG_RECIPE_MAX, "", NULL), JG_EINVAL);
}

static void test_too_many_components(void **state)
{
	char text[JG_RECIPE_MAX * 8];
	size_t len = 0;
	parsed p;

	(void)state;
	/* JG_RECIPE_MAX distinct codes fit; one more does not. */
	for (int i = 0; i < JG_RECIPE_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%sS%d", i ? "," : "", i);
	assert_int_equal(parse(&p, JG_RECIPE_MAX, text)->n, JG_RECIPE_MAX);
	assert_string_equal(p.items[JG_RECIPE_MAX - 1].sku, "S31");
	snprintf(text + len, sizeof(text) - len, ",S%d", JG_RECIPE_MAX);
	parse(&p, JG_RECIPE_MAX, text);
	assert_int_equal(p.n, JG_ELIMIT);
	assert_int_equal(p.err.code, JG_ELIMIT);
	/* The caller's capacity is what counts. */
	assert_int_equal(parse(&p, 2, "A,B")->n, 2);
	assert_int_equal(parse(&p, 2, "A,B,C")->n, JG_ELIMIT);
	assert_int_equal(parse(&p, 0, "A")->n, JG_ELIMIT);
}

static void test_code_length(void **state)
{
	char text[JG_CODE_MAX + 16];
	parsed p;

	(void)state;
	/* JG_CODE_MAX bytes include the NUL: JG_CODE_MAX - 1 bytes is the longest code. */
	memset(text, 'X', JG_CODE_MAX - 1);
	memcpy(text + JG_CODE_MAX - 1, "*2", 3);
	assert_int_equal(parse(&p, JG_RECIPE_MAX, text)->n, 1);
	assert_int_equal(strlen(p.items[0].sku), JG_CODE_MAX - 1);
	assert_int_equal(p.items[0].qty, 2);
	memset(text, 'X', JG_CODE_MAX);
	memcpy(text + JG_CODE_MAX, "*2", 3);
	expect_invalid(text);
	/* Blanks around a code do not count towards its length. */
	text[0] = ' ';
	assert_int_equal(parse(&p, JG_RECIPE_MAX, text)->n, 1);
	assert_int_equal(strlen(p.items[0].sku), JG_CODE_MAX - 1);
}

static void test_quantity_range(void **state)
{
	parsed p;

	(void)state;
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "A*1")->n, 1);
	assert_int_equal(p.items[0].qty, 1);
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "A*1000000")->n, 1);
	assert_int_equal(p.items[0].qty, 1000000);
	assert_int_equal(parse(&p, JG_RECIPE_MAX, "A*007")->n, 1);
	assert_int_equal(p.items[0].qty, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_times_sign),
		cmocka_unit_test(test_blanks),
		cmocka_unit_test(test_repeated_sku_summed),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many_components),
		cmocka_unit_test(test_code_length),
		cmocka_unit_test(test_quantity_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
