/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests through the real `jaego` binary: the user's own example (one product,
 * five units, ten channels), bundles sharing a component, the queues, idempotency, illegal
 * transitions, CSV imports that are all or nothing, option normalisation, and the JSON
 * shapes scripts depend on. `jaego check` runs after every scenario.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

typedef t_env env;
#define setup t_env_setup
#define teardown t_env_teardown
#define ok(e, ...) t_ok((e)->db, __VA_ARGS__)

/* Runs a --json command that must succeed; the caller frees r. */
static void js(env *e, t_run *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void js(env *e, t_run *r, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t_jaegof(r, e->db, "--json %s", line);
	if (r->status != 0 || !r->json)
		fail_msg("`jaego --json %s` exited %d: %s / %s", line, r->status, r->err, r->out);
}

/* Listed quantity of SKU `sku` on `channel` from `stock show --json`. */
static int64_t listed(env *e, const char *sku, const char *channel)
{
	t_run r;
	char path[128];
	int64_t v;

	js(e, &r, "stock show %s", sku);
	snprintf(path, sizeof(path), "skus/0/listed/%s", channel);
	v = t_jint(r.json, path);
	t_run_free(&r);
	return v;
}

static int64_t sku_field(env *e, const char *sku, const char *field)
{
	t_run r;
	char path[64];
	int64_t v;

	js(e, &r, "stock show %s", sku);
	snprintf(path, sizeof(path), "skus/0/%s", field);
	v = t_jint(r.json, path);
	t_run_free(&r);
	return v;
}

static json_t *find_line(json_t *doc, const char *channel, const char *line_id)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(doc, "orders"), i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "channel")), channel) == 0 &&
		    strcmp(json_string_value(json_object_get(o, "line_id")), line_id) == 0)
			return o;
	}
	return NULL;
}

static const char *const CH[10] = {"smartstore", "coupang", "11st",  "gmarket", "auction",
				   "cafe24",	 "lotteon", "ssg",   "kakao",	"offline"};

/* The user's words: product A, 5 units, ten channels, each listing A. */
static void test_user_example(void **state)
{
	env *e = *state;
	t_run r;
	json_t *line;

	ok(e, "sku add A --name 상품A --stock 5");
	for (int i = 0; i < 10; i++) {
		ok(e, "channel add %s", CH[i]);
		ok(e, "listing map %s P-%s --to A", CH[i], CH[i]);
	}
	/* One channel with a rule: lotteon shows at most 3. */
	ok(e, "channel set lotteon --max 3");
	for (int i = 0; i < 10; i++)
		assert_int_equal(listed(e, "A", CH[i]), i == 6 ? 3 : 5);

	/* An order of 1 on channel 3: real stock 4, every channel shows 4. */
	ok(e, "order add 11st L1 --product P-11st --qty 1");
	assert_int_equal(sku_field(e, "A", "available"), 4);
	assert_int_equal(sku_field(e, "A", "committed"), 1);
	assert_int_equal(sku_field(e, "A", "on_hand"), 5);
	for (int i = 0; i < 10; i++)
		assert_int_equal(listed(e, "A", CH[i]), i == 6 ? 3 : 4);
	t_check(e->db);

	/* Four more orders on mixed channels: every channel shows 0. */
	ok(e, "order add coupang L2 --product P-coupang --qty 1");
	ok(e, "order add smartstore L3 --product P-smartstore --qty 2");
	ok(e, "order add kakao L4 --product P-kakao --qty 1");
	for (int i = 0; i < 10; i++)
		assert_int_equal(listed(e, "A", CH[i]), 0);
	assert_int_equal(sku_field(e, "A", "available"), 0);

	/* A sixth unit on any channel: accepted and marked oversold by 1. */
	js(e, &r, "order add offline L5 --product P-offline --qty 1");
	assert_string_equal(t_jstr(r.json, "status"), "open");
	assert_int_equal(t_jint(r.json, "oversold_by"), 1);
	t_run_free(&r);
	assert_int_equal(sku_field(e, "A", "available"), -1);
	js(e, &r, "oversold");
	assert_int_equal(json_array_size(json_object_get(r.json, "orders")), 1);
	assert_string_equal(t_jstr(r.json, "orders/0/line_id"), "L5");
	assert_int_equal(t_jint(r.json, "orders/0/oversold_by"), 1);
	t_run_free(&r);
	t_check(e->db);

	/* Cancel one: the oversold line is no longer short; all channels still 0. */
	ok(e, "order cancel coupang L2");
	js(e, &r, "oversold");
	assert_int_equal(json_array_size(json_object_get(r.json, "orders")), 0);
	t_run_free(&r);
	js(e, &r, "order list");
	line = find_line(r.json, "offline", "L5");
	assert_non_null(line);
	assert_int_equal(json_integer_value(json_object_get(line, "oversold_by")), 0);
	line = find_line(r.json, "coupang", "L2");
	assert_string_equal(json_string_value(json_object_get(line, "status")), "cancelled");
	t_run_free(&r);
	for (int i = 0; i < 10; i++)
		assert_int_equal(listed(e, "A", CH[i]), 0);
	assert_int_equal(sku_field(e, "A", "available"), 0);
	t_check(e->db);

	/* Receiving stock raises every channel again, lotteon capped by its rule. */
	ok(e, "stock receive A 10 --note restock");
	for (int i = 0; i < 10; i++)
		assert_int_equal(listed(e, "A", CH[i]), i == 6 ? 3 : 10);
	t_check(e->db);
}

/* A bundle of 2×A and A alone on the same channel draw from one pool. */
static void test_bundle_shares_pool(void **state)
{
	env *e = *state;
	t_run r;
	size_t i;
	json_t *l;
	int64_t single = -1, bundle = -1, gift = -1;

	ok(e, "sku add A --name A --stock 5");
	ok(e, "sku add B --name B --stock 9");
	ok(e, "channel add coupang");
	ok(e, "listing map coupang SINGLE --to A");
	ok(e, "listing map coupang PAIR --to A*2");
	ok(e, "listing map coupang GIFT --to A,B*3");

	js(e, &r, "listing list --channel coupang");
	json_array_foreach(json_object_get(r.json, "listings"), i, l)
	{
		const char *pid = json_string_value(json_object_get(l, "product_id"));
		int64_t q = json_integer_value(json_object_get(l, "listed"));

		if (strcmp(pid, "SINGLE") == 0)
			single = q;
		else if (strcmp(pid, "PAIR") == 0)
			bundle = q;
		else
			gift = q;
	}
	t_run_free(&r);
	assert_int_equal(single, 5);
	assert_int_equal(bundle, 2); /* floor(5 / 2) */
	assert_int_equal(gift, 3);   /* min(5 / 1, 9 / 3) */

	/* Selling one pair takes two units of A from the pool every listing shares. */
	ok(e, "order add coupang O1 --product PAIR --qty 1");
	assert_int_equal(sku_field(e, "A", "committed"), 2);
	js(e, &r, "listing list --channel coupang");
	json_array_foreach(json_object_get(r.json, "listings"), i, l)
	{
		const char *pid = json_string_value(json_object_get(l, "product_id"));
		int64_t q = json_integer_value(json_object_get(l, "listed"));

		if (strcmp(pid, "SINGLE") == 0)
			assert_int_equal(q, 3);
		else if (strcmp(pid, "PAIR") == 0)
			assert_int_equal(q, 1);
		else {
			assert_int_equal(q, 3);
			/* The gift set is limited by A's stock, and says so. */
			assert_string_equal(json_string_value(json_object_get(l, "limited_by")),
					    "stock:A");
			assert_int_equal(json_array_size(json_object_get(l, "recipe")), 2);
		}
	}
	t_run_free(&r);

	/* Two more pairs: the second is short by one pair (two units). */
	ok(e, "order add coupang O2 --product PAIR --qty 1");
	js(e, &r, "order add coupang O3 --product PAIR --qty 1");
	assert_int_equal(t_jint(r.json, "oversold_by"), 1);
	t_run_free(&r);
	assert_int_equal(sku_field(e, "A", "available"), -1);
	t_check(e->db);

	/* Remapping the pair to three units does not rewrite accepted lines. */
	ok(e, "listing map coupang PAIR --to A*3");
	assert_int_equal(sku_field(e, "A", "committed"), 6);
	ok(e, "order ship coupang O1 --courier CJ --tracking 123456789012");
	assert_int_equal(sku_field(e, "A", "on_hand"), 3);
	assert_int_equal(sku_field(e, "A", "committed"), 4);
	t_check(e->db);
}

static void test_unmatched_then_mapped(void **state)
{
	env *e = *state;
	t_run r;

	ok(e, "sku add TEE-R-L --name 티셔츠 --stock 4");
	ok(e, "channel add smartstore");
	/* NFD Korean (as typed on a Mac) with different spacing still finds one listing. */
	js(e, &r, "order add smartstore 2026112900001 --product 8812345 --option "
		  "\xe1\x84\x89\xe1\x85\xa2\xe1\x86\xa8\xe1\x84\x89\xe1\x85\xa1\xe1\x86\xbc:"
		  "\xe1\x84\x88\xe1\x85\xa1\xe1\x86\xaf\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xbc/"
		  "\xe1\x84\x89\xe1\x85\xa1\xe1\x84\x8b\xe1\x85\xb5\xe1\x84\x8c\xe1\x85\xb3:L"
		  " --qty 2");
	assert_false(json_is_true(json_object_get(r.json, "matched")));
	t_run_free(&r);
	assert_int_equal(sku_field(e, "TEE-R-L", "committed"), 0);
	js(e, &r, "unmatched");
	assert_int_equal(json_array_size(json_object_get(r.json, "orders")), 1);
	/* Stored as NFC: 색상:빨강/사이즈:L */
	assert_string_equal(t_jstr(r.json, "orders/0/option"),
			    "\xec\x83\x89\xec\x83\x81:\xeb\xb9\xa8\xea\xb0\x95/"
			    "\xec\x82\xac\xec\x9d\xb4\xec\xa6\x88:L");
	t_run_free(&r);

	js(e, &r, "listing map smartstore 8812345 --option "
		  "\xec\x83\x89\xec\x83\x81:\x1f\xeb\xb9\xa8\xea\xb0\x95\x1f/\x1f"
		  "\xec\x82\xac\xec\x9d\xb4\xec\xa6\x88:\x1fL --to TEE-R-L");
	assert_int_equal(t_jint(r.json, "lines_applied"), 1);
	t_run_free(&r);
	assert_int_equal(sku_field(e, "TEE-R-L", "committed"), 2);
	assert_int_equal(sku_field(e, "TEE-R-L", "available"), 2);
	js(e, &r, "unmatched");
	assert_int_equal(json_array_size(json_object_get(r.json, "orders")), 0);
	t_run_free(&r);
	t_check(e->db);
}

static void test_idempotent_and_illegal(void **state)
{
	env *e = *state;
	t_run r;

	ok(e, "sku add A --name A --stock 3");
	ok(e, "channel add coupang");
	ok(e, "listing map coupang P --to A");
	ok(e, "order add coupang X1 --product P --qty 2 --order O-1 --at 2026-11-29\x1f" "10:00");
	js(e, &r, "order add coupang X1 --product P --qty 2");
	assert_string_equal(t_jstr(r.json, "outcome"), "duplicate");
	t_run_free(&r);
	assert_int_equal(sku_field(e, "A", "committed"), 2);

	ok(e, "order ship coupang X1");
	t_jaegof(&r, e->db, "order cancel coupang X1");
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "shipped"));
	assert_null(strchr(strchr(r.err, '\n') + 1, '\n')); /* one line */
	t_run_free(&r);
	assert_int_equal(sku_field(e, "A", "on_hand"), 1);
	assert_int_equal(sku_field(e, "A", "committed"), 0);

	/* A sellable return puts the units back; returning it again changes nothing. */
	ok(e, "order return coupang X1 --restock");
	assert_int_equal(sku_field(e, "A", "on_hand"), 3);
	js(e, &r, "order return coupang X1 --restock");
	assert_string_equal(t_jstr(r.json, "outcome"), "duplicate");
	t_run_free(&r);
	assert_int_equal(sku_field(e, "A", "on_hand"), 3);

	t_jaegof(&r, e->db, "order ship coupang NOPE");
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "NOPE"));
	t_run_free(&r);

	js(e, &r, "order list --status returned");
	assert_int_equal(json_array_size(json_object_get(r.json, "orders")), 1);
	assert_string_equal(t_jstr(r.json, "orders/0/order_no"), "O-1");
	assert_string_equal(t_jstr(r.json, "orders/0/status"), "returned");
	assert_int_equal(t_jint(r.json, "orders/0/qty"), 2);
	t_run_free(&r);

	js(e, &r, "stock history A");
	/* count +3, commitment -2 (now returned), shipment -2, restock +2 */
	assert_int_equal(json_array_size(json_object_get(r.json, "history")), 4);
	assert_int_equal(t_jint(r.json, "history/3/on_hand_after"), 3);
	t_run_free(&r);
	t_check(e->db);
}

static void test_rules(void **state)
{
	env *e = *state;
	t_run r;

	ok(e, "sku add A --name A --stock 10 --safety 2");
	ok(e, "channel add c1");
	ok(e, "channel add c2");
	ok(e, "listing map c1 P --to A");
	ok(e, "listing map c2 P --to A");
	assert_int_equal(listed(e, "A", "c1"), 8);
	ok(e, "channel set c1 --buffer 1 --percent 50");
	assert_int_equal(listed(e, "A", "c1"), 3); /* floor((10 - 2 - 1) * 50%) */
	ok(e, "channel set c1 --percent 100 --max 4");
	assert_int_equal(listed(e, "A", "c1"), 4);
	ok(e, "channel set c1 --max none --end-when 7");
	assert_int_equal(listed(e, "A", "c1"), 7);
	ok(e, "stock adjust A -3 --reason 파손");
	assert_int_equal(listed(e, "A", "c1"), 0); /* available 7 <= end-when 7 */
	assert_int_equal(listed(e, "A", "c2"), 5);
	ok(e, "channel set c2 --pause");
	assert_int_equal(listed(e, "A", "c2"), 0);
	ok(e, "channel set c2 --resume");
	assert_int_equal(listed(e, "A", "c2"), 5);

	/* Priority for the last units: at or below the low-stock line only c2 shows stock. */
	ok(e, "channel set c1 --end-when none --buffer 0");
	ok(e, "channel set c2 --priority 1");
	ok(e, "sku set A --low-stock 7");
	assert_int_equal(listed(e, "A", "c1"), 0);
	assert_int_equal(listed(e, "A", "c2"), 5);
	js(e, &r, "listing list --channel c1");
	assert_string_equal(t_jstr(r.json, "listings/0/limited_by"), "priority:A");
	t_run_free(&r);
	ok(e, "config set priority-top 0");
	assert_int_equal(listed(e, "A", "c1"), 5);

	/* A stocktake records the difference only. */
	js(e, &r, "stock count A 9");
	assert_int_equal(t_jint(r.json, "delta"), 2);
	t_run_free(&r);
	assert_int_equal(sku_field(e, "A", "on_hand"), 9);

	t_jaegof(&r, e->db, "channel set c1 --percent 101");
	assert_int_equal(r.status, 2);
	t_run_free(&r);
	t_jaegof(&r, e->db, "stock adjust A 2");
	assert_int_equal(r.status, 2); /* --reason is required */
	t_run_free(&r);
	t_check(e->db);
}

static void test_sku_import(void **state)
{
	env *e = *state;
	char *bad = t_path(e->dir, "bad.csv"), *good = t_path(e->dir, "good.csv");
	t_run r;

	t_write(bad, "sku,name,stock,safety\n"
		     "A,사과,5,1\n"
		     "B,배,-2,0\n"
		     ",무명,1,0\n"
		     "C,감,x,0\n");
	t_jaego(&r, e->db, NULL, "sku", "import", bad, NULL);
	assert_int_not_equal(r.status, 0);
	/* Every bad row is named with its row and column. */
	assert_non_null(strstr(r.err, "row 3, column 3"));
	assert_non_null(strstr(r.err, "row 4, column 1"));
	assert_non_null(strstr(r.err, "row 5, column 3"));
	t_run_free(&r);
	/* Nothing of that file was applied. */
	js(e, &r, "sku list");
	assert_int_equal(json_array_size(json_object_get(r.json, "skus")), 0);
	t_run_free(&r);

	t_write(good, "\xef\xbb\xbfsku,name,stock,safety\r\n"
		      "A,\"사과, 부사\",5,1\r\n"
		      "B,배,7,\r\n");
	/* A dry run says what would change and saves nothing. */
	t_jaego(&r, e->db, NULL, "--json", "sku", "import", good, "--dry-run", NULL);
	T_OK(&r);
	assert_int_equal(t_jint(r.json, "added"), 2);
	assert_true(json_is_false(json_object_get(r.json, "applied")));
	t_run_free(&r);
	t_jaego(&r, e->db, NULL, "sku", "import", good, "--dry-run", NULL);
	T_OK(&r);
	assert_non_null(strstr(r.out, "dry run, nothing applied: 2 SKUs added"));
	t_run_free(&r);
	js(e, &r, "sku list");
	assert_int_equal(json_array_size(json_object_get(r.json, "skus")), 0);
	t_run_free(&r);

	t_jaego(&r, e->db, NULL, "--json", "sku", "import", good, NULL);
	T_OK(&r);
	assert_int_equal(t_jint(r.json, "added"), 2);
	assert_true(json_is_true(json_object_get(r.json, "applied")));
	t_run_free(&r);
	js(e, &r, "sku list");
	assert_string_equal(t_jstr(r.json, "skus/0/name"), "사과, 부사");
	assert_int_equal(t_jint(r.json, "skus/0/on_hand"), 5);
	assert_int_equal(t_jint(r.json, "skus/0/safety"), 1);
	assert_int_equal(t_jint(r.json, "skus/1/on_hand"), 7);
	t_run_free(&r);

	/* Importing again with a new count records the difference as a stocktake. */
	t_write(good, "sku,name,stock\nA,사과,3\n");
	t_jaego(&r, e->db, NULL, "sku", "import", good, NULL);
	T_OK(&r);
	t_run_free(&r);
	assert_int_equal(sku_field(e, "A", "on_hand"), 3);
	js(e, &r, "stock history A");
	assert_string_equal(t_jstr(r.json, "history/1/kind"), "count");
	assert_int_equal(t_jint(r.json, "history/1/delta"), -2);
	t_run_free(&r);
	jg_free(bad);
	jg_free(good);
	t_check(e->db);
}

static void test_listing_import(void **state)
{
	env *e = *state;
	char *f = t_path(e->dir, "listings.csv");
	t_run r;

	ok(e, "sku add A --name A --stock 6");
	ok(e, "sku add B --name B --stock 6");
	ok(e, "channel add coupang");
	ok(e, "channel add cafe24");
	t_write(f, "channel,product_id,option,recipe\n"
		   "coupang,100,,A\n"
		   "cafe24,P1,사이즈: L,A*2\n"
		   "cafe24,P2,,Z\n"
		   "nowhere,P3,,A\n");
	t_jaego(&r, e->db, NULL, "listing", "import", f, NULL);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "row 4"));
	assert_non_null(strstr(r.err, "\"Z\""));
	assert_non_null(strstr(r.err, "row 5"));
	t_run_free(&r);
	js(e, &r, "listing list");
	assert_int_equal(json_array_size(json_object_get(r.json, "listings")), 0);
	t_run_free(&r);

	t_write(f, "channel,product_id,option,recipe\n"
		   "coupang,100,,A\n"
		   "cafe24,P1,사이즈: L,\"A*2,B\"\n");
	t_jaego(&r, e->db, NULL, "--json", "listing", "import", f, NULL);
	T_OK(&r);
	assert_int_equal(t_jint(r.json, "created"), 2);
	t_run_free(&r);
	js(e, &r, "listing list --channel cafe24");
	assert_int_equal(t_jint(r.json, "listings/0/listed"), 3);
	assert_string_equal(t_jstr(r.json, "listings/0/recipe/1/sku"), "B");
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(r.json, "listings"),
								  0),
						 "last_told")));
	t_run_free(&r);
	jg_free(f);
	t_check(e->db);
}

static void test_errors_and_db_selection(void **state)
{
	env *e = *state;
	char *other = t_db(e->dir, "other.db");
	t_run r;

	/* A database that was never initialised is refused with a hint. */
	t_jaego(&r, other, NULL, "sku", "list", NULL);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "jaego init"));
	t_run_free(&r);
	/* init twice is a no-op. */
	t_jaego(&r, other, NULL, "--json", "init", NULL);
	T_OK(&r);
	/* (On PostgreSQL the schema is there already: init gives the new seller its rows.) */
	assert_true(t_jint(r.json, "migrations_applied") >= (t_pg() ? 0 : 1));
	t_run_free(&r);
	t_jaego(&r, other, NULL, "--json", "init", NULL);
	T_OK(&r);
	assert_int_equal(t_jint(r.json, "migrations_applied"), 0);
	t_run_free(&r);

	t_jaegof(&r, e->db, "sku add A --name A --stock 1.5");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--stock"));
	t_run_free(&r);
	t_jaegof(&r, e->db, "order add nowhere L1 --product P --qty 1");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "unknown channel"));
	t_run_free(&r);
	t_jaegof(&r, e->db, "sku frobnicate");
	assert_int_equal(r.status, 2);
	t_run_free(&r);
	ok(e, "sku add A --name A");
	t_jaegof(&r, e->db, "sku add A --name again");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "exists"));
	t_run_free(&r);

	/* JAEGO_DB selects the database when --db is absent; --db wins over it. */
	setenv("JAEGO_DB", other, 1);
	t_jaego(&r, NULL, NULL, "sku", "add", "Z", "--name", "z", NULL);
	T_OK(&r);
	t_run_free(&r);
	t_jaego(&r, other, NULL, "--json", "sku", "list", NULL);
	T_OK(&r);
	assert_string_equal(t_jstr(r.json, "skus/0/sku"), "Z");
	t_run_free(&r);
	t_jaego(&r, e->db, NULL, "--json", "sku", "list", NULL);
	T_OK(&r);
	assert_int_equal(json_array_size(json_object_get(r.json, "skus")), 1);
	assert_string_equal(t_jstr(r.json, "skus/0/sku"), "A");
	t_run_free(&r);
	unsetenv("JAEGO_DB");
	jg_free(other);
	t_check(e->db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_example, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_shares_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmatched_then_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent_and_illegal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sku_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_and_db_selection, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
