/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of catalogue imports (src/intake/catalog.c): reading SKU and listing lists
 * (BOM, CRLF, quotes, CP949, the header in any order, blank rows, short rows), every kind
 * of bad row with its row, column and field, the header and size errors, the caps,
 * applying all or nothing to a real store (added and updated, stocktakes, dry runs, the
 * store's own refusals as rejected rows, nothing applied when a row is bad), and
 * allocation failures while reading.
 */
#include <stdio.h>
#include <string.h>

#include "jaego/catalog.h"
#include "support.h"

static jg_catalog *read_ok(jg_catalog_kind kind, const char *text)
{
	jg_catalog *c = NULL;
	jg_err err = {0};
	jg_catalog_opts o = {.name = "t.csv"};

	if (jg_catalog_read_mem(&c, kind, text, strlen(text), &o, &err))
		fail_msg("read: %s", err.msg);
	return c;
}

typedef struct sku_seen {
	char name[256];
	int64_t on_hand, safety, low;
	int found;
} sku_seen;

static int on_sku(const jg_sku_info *k, void *payload)
{
	sku_seen *s = payload;

	snprintf(s->name, sizeof(s->name), "%s", k->name);
	s->on_hand = k->on_hand;
	s->safety = k->safety;
	s->low = k->low_stock;
	s->found = 1;
	return 0;
}

static sku_seen sku(jg_store *s, const char *code)
{
	sku_seen out = {0};
	jg_err err = {0};
	const char *codes[1] = {code};

	int rc = jg_sku_each(s, codes, 1, on_sku, &out, &err);

	if (rc && rc != JG_ENOTFOUND)
		fail_msg("sku_each: %s", err.msg);
	return out;
}

static void test_read_skus(void **state)
{
	jg_catalog *c;
	const jg_catalog_result *r;

	(void)state;
	/* BOM, CRLF, a quoted comma, the header in another order with low_stock, a blank
	 * row, a row shorter than the header (its missing cells are empty). */
	c = read_ok(JG_CATALOG_SKUS, "\xef\xbb\xbf name , SKU,stock,low_stock,safety\r\n"
				     "\"사과, 부사\",A,5,2,1\r\n"
				     ",,,,\r\n"
				     "배,B,7\r\n");
	r = jg_catalog_result_get(c);
	assert_int_equal(r->kind, JG_CATALOG_SKUS);
	assert_int_equal(r->rows, 2);
	assert_int_equal(r->rejected_count, 0);
	assert_int_equal(r->n_rejected, 0);
	jg_catalog_free(c);
	jg_catalog_free(NULL);
}

static void test_rejects(void **state)
{
	char longcode[200];
	char text[2048];
	jg_catalog *c;
	const jg_catalog_result *r;
	static const struct {
		int64_t row;
		int32_t col;
		const char *field;
		const char *reason;
	} want[] = {
		{3, 3, "stock", "whole number"},
		{4, 1, "sku", "empty SKU code"},
		{5, 3, "stock", "whole number"},
		{6, 2, "name", "empty name"},
		{6, 4, "safety", "whole number"},
		{7, 3, "stock", "empty stock"},
		{8, 1, "sku", "longer than"},
		{9, 5, "", "has 5 columns"},
		{10, 1, "sku", "given again (first at row 2)"},
	};

	(void)state;
	memset(longcode, 'X', sizeof(longcode) - 1);
	longcode[sizeof(longcode) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "sku,name,stock,safety\n"
		 "A,사과,5,1\n"    /* 2: good */
		 "B,배,-2,0\n"     /* 3: negative */
		 ",무명,1,0\n"     /* 4: no code */
		 "C,감,1.5,0\n"    /* 5: a fraction */
		 "D,,1,x\n"        /* 6: no name, bad safety */
		 "E,e,,\n"         /* 7: no stock */
		 "%s,long,1,0\n"   /* 8: code too long */
		 "F,f,1,0,extra\n" /* 9: wider than the header */
		 "A,again,1,0\n",  /* 10: A again */
		 longcode);
	c = read_ok(JG_CATALOG_SKUS, text);
	r = jg_catalog_result_get(c);
	assert_int_equal(r->rows, 9);
	assert_int_equal(r->rejected_count, (int64_t)(sizeof(want) / sizeof(want[0])));
	assert_int_equal(r->n_rejected, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const jg_catalog_reject *x = &r->rejected[i];

		if (x->row != want[i].row || x->column != want[i].col ||
		    strcmp(x->field, want[i].field) != 0 || !strstr(x->reason, want[i].reason))
			fail_msg("reject %zu: row %lld column %d (%s): %s", i, (long long)x->row,
				 (int)x->column, x->field, x->reason);
	}
	jg_catalog_free(c);

	/* Listings: empty channel, empty product id, a bad recipe, a listing given twice;
	 * the option column may be left out. */
	c = read_ok(JG_CATALOG_LISTINGS, "channel,product_id,recipe\n"
					 "coupang,1,A\n"
					 ",2,A\n"
					 "coupang,,A\n"
					 "coupang,3,A*0\n"
					 "coupang,1,B\n");
	r = jg_catalog_result_get(c);
	assert_int_equal(r->rejected_count, 4);
	assert_int_equal(r->rejected[0].row, 3);
	assert_int_equal(r->rejected[0].column, 1);
	assert_int_equal(r->rejected[1].row, 4);
	assert_int_equal(r->rejected[1].column, 2);
	assert_int_equal(r->rejected[2].row, 5);
	assert_int_equal(r->rejected[2].column, 3);
	assert_string_equal(r->rejected[2].field, "recipe");
	assert_int_equal(r->rejected[3].row, 6);
	assert_non_null(strstr(r->rejected[3].reason, "given again"));
	jg_catalog_free(c);
}

/* Reads a literal (its length without the NUL). */
#define READ_LIT(c, kind, lit, o, err) jg_catalog_read_mem(c, kind, lit, sizeof(lit) - 1, o, err)

static void test_errors(void **state)
{
	jg_catalog *c = (jg_catalog *)1;
	jg_err err = {0};
	jg_catalog_opts o = {.name = "list.csv"};
	char big[4096];

	(void)state;
	/* No header: refused whole, naming the file and the header it needs. */
	assert_int_equal(READ_LIT(&c, JG_CATALOG_SKUS, "code,title\nA,a\n", &o, &err), JG_EFORMAT);
	assert_null(c);
	assert_non_null(strstr(err.msg, "list.csv: "));
	assert_non_null(strstr(err.msg, "sku,name,stock"));
	jg_err_clear(&err);
	assert_int_equal(
		READ_LIT(&c, JG_CATALOG_LISTINGS, "channel,product_id,option\nx,1,\n", &o, &err),
		JG_EFORMAT);
	assert_non_null(strstr(err.msg, "no \"recipe\""));
	jg_err_clear(&err);
	/* Empty, blank only, an open quote. */
	assert_int_equal(jg_catalog_read_mem(&c, JG_CATALOG_SKUS, "", 0, &o, &err), JG_EFORMAT);
	jg_err_clear(&err);
	assert_int_equal(READ_LIT(&c, JG_CATALOG_SKUS, "\n\n", &o, &err), JG_EFORMAT);
	jg_err_clear(&err);
	assert_int_equal(READ_LIT(&c, JG_CATALOG_SKUS, "sku,name,stock\nA,\"a,1\n", &o, &err),
			 JG_EFORMAT);
	jg_err_clear(&err);
	/* Caps: rows and bytes. */
	o.max_rows = 3;
	assert_int_equal(READ_LIT(&c, JG_CATALOG_SKUS,
				  "sku,name,stock\nA,a,1\nB,b,1\nC,c,1\nD,d,1\n", &o, &err),
			 JG_ELIMIT);
	assert_non_null(strstr(err.msg, "more than 3 rows"));
	jg_err_clear(&err);
	o.max_rows = 0;
	o.max_file = 100;
	memset(big, 'a', sizeof(big));
	assert_int_equal(jg_catalog_read_mem(&c, JG_CATALOG_SKUS, big, sizeof(big), &o, &err),
			 JG_ELIMIT);
	jg_err_clear(&err);
	/* A file that is not there is named by its own name. */
	o.max_file = 0;
	assert_int_equal(jg_catalog_read_file(&c, JG_CATALOG_SKUS, "/nonexistent/x.csv", &o, &err),
			 JG_EIO);
	assert_non_null(strstr(err.msg, "list.csv"));
}

static void test_apply(void **state)
{
	char *dir = t_tmpdir(), *path = t_path(dir, "cp949.csv");
	jg_store *s = t_store(dir);
	jg_catalog *c;
	const jg_catalog_result *r;
	jg_err err = {0};
	sku_seen k;
	FILE *f;

	(void)state;
	/* A SKU list saved by Excel in CP949: 사과 and 배. */
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("sku,name,stock,safety,low_stock\r\nA,\xbb\xe7\xb0\xfa,5,1,2\r\nB,\xb9\xe8,3,,\r\n",
	      f);
	fclose(f);
	assert_int_equal(jg_catalog_read_file(&c, JG_CATALOG_SKUS, path, NULL, &err), 0);
	/* A dry run counts and changes nothing. */
	assert_int_equal(jg_catalog_apply(s, c, true, &err), 0);
	r = jg_catalog_result_get(c);
	assert_int_equal(r->added, 2);
	assert_false(r->applied);
	assert_true(r->dry_run);
	assert_int_equal(sku(s, "A").found, 0);
	assert_int_equal(jg_catalog_apply(s, c, false, &err), 0);
	assert_true(r->applied);
	assert_int_equal(r->added, 2);
	assert_int_equal(r->updated, 0);
	jg_catalog_free(c);
	k = sku(s, "A");
	assert_string_equal(k.name, "사과");
	assert_int_equal(k.on_hand, 5);
	assert_int_equal(k.safety, 1);
	assert_int_equal(k.low, 2);
	assert_string_equal(sku(s, "B").name, "배");

	/* Again: A is renamed and counted (a stocktake), C is new. */
	c = read_ok(JG_CATALOG_SKUS, "sku,name,stock\nA,사과 (부사),4\nC,감,0\n");
	assert_int_equal(jg_catalog_apply(s, c, false, &err), 0);
	r = jg_catalog_result_get(c);
	assert_int_equal(r->added, 1);
	assert_int_equal(r->updated, 1);
	jg_catalog_free(c);
	k = sku(s, "A");
	assert_string_equal(k.name, "사과 (부사)");
	assert_int_equal(k.on_hand, 4);
	assert_int_equal(k.safety, 1); /* kept: no safety column */

	/* A bad row refuses the file: the good rows are tried (and rolled back) so that the
	 * store's refusals are named too. */
	c = read_ok(JG_CATALOG_SKUS, "sku,name,stock\nD,d,1\nE,e,-1\nF\x01x,f,1\n");
	assert_int_equal(jg_catalog_apply(s, c, false, &err), 0);
	r = jg_catalog_result_get(c);
	assert_false(r->applied);
	assert_int_equal(r->added, 0);
	assert_int_equal(r->rejected_count, 2);
	assert_int_equal(r->rejected[0].row, 3);
	assert_int_equal(r->rejected[1].row, 4); /* the store refuses a control character */
	assert_int_equal(r->rejected[1].column, 1);
	jg_catalog_free(c);
	assert_int_equal(sku(s, "D").found, 0);

	/* Listings: unknown SKU and channel are rejected rows; then a clean file maps. */
	assert_int_equal(jg_channel_add(s, "coupang", NULL, &err), 0);
	c = read_ok(JG_CATALOG_LISTINGS, "channel,product_id,option,recipe\n"
					 "coupang,1,,A\n"
					 "coupang,2,,Z*2\n"
					 "nowhere,3,,A\n");
	assert_int_equal(jg_catalog_apply(s, c, false, &err), 0);
	r = jg_catalog_result_get(c);
	assert_int_equal(r->rejected_count, 2);
	assert_int_equal(r->rejected[0].column, 4);
	assert_string_equal(r->rejected[0].field, "recipe");
	assert_int_equal(r->rejected[1].column, 1);
	assert_string_equal(r->rejected[1].field, "channel");
	assert_int_equal(r->created, 0);
	jg_catalog_free(c);
	c = read_ok(JG_CATALOG_LISTINGS, "channel,product_id,option,recipe\n"
					 "coupang,1,,A\n"
					 "coupang,2,사이즈: L,\"A*2,B\"\n");
	assert_int_equal(jg_catalog_apply(s, c, false, &err), 0);
	r = jg_catalog_result_get(c);
	assert_true(r->applied);
	assert_int_equal(r->created, 2);
	jg_catalog_free(c);
	c = read_ok(JG_CATALOG_LISTINGS, "channel,product_id,option,recipe\ncoupang,1,,B\n");
	assert_int_equal(jg_catalog_apply(s, c, false, &err), 0);
	assert_int_equal(jg_catalog_result_get(c)->remapped, 1);

	/* Inside a caller's batch it refuses to start. */
	assert_int_equal(jg_store_begin(s, &err), 0);
	assert_int_equal(jg_catalog_apply(s, c, false, &err), JG_EINVAL);
	jg_store_rollback(s);
	jg_catalog_free(c);

	jg_store_close(s);
	t_rmdir(dir);
	jg_free(path);
	jg_free(dir);
}

/* Every allocation point of reading fails in turn: each run either gives the same result
 * or JG_ENOMEM, never anything else, and frees everything (ASan's leak check). */
static void test_alloc_failures(void **state)
{
	char text[16384];
	size_t n = 0;
	jg_catalog_opts o = {.name = "t.csv"};

	(void)state;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "sku,name,stock,safety\n");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "S%03d,\"상품 %d, 빨강\",%d,%s\n",
				      i, i, i, i % 7 ? "1" : "x");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "S001,again,1,1\n");
	for (long fail = 0;; fail++) {
		jg_catalog *c = NULL;
		jg_err err = {0};
		long made;
		int rc;

		jg_alloc_fail_after(fail);
		rc = jg_catalog_read_mem(&c, JG_CATALOG_SKUS, text, n, &o, &err);
		made = jg_alloc_fail_after(-1);
		if (rc == 0) {
			const jg_catalog_result *r = jg_catalog_result_get(c);

			assert_int_equal(r->rows, 101);
			assert_int_equal(r->rejected_count, 16); /* 15 bad safety + 1 again */
			jg_catalog_free(c);
			if (made <= fail)
				break;
			continue;
		}
		if (rc != JG_ENOMEM || err.code != JG_ENOMEM)
			fail_msg("allocation %ld failed: rc %d: %s", fail + 1, rc, err.msg);
		assert_null(c);
		assert_true(fail < 10000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_skus),      cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_errors),         cmocka_unit_test(test_apply),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
