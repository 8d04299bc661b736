/* SPDX-License-Identifier: MIT */
/*
 * The paths a big batch takes and a small one does not: writes held back and flushed
 * (line items, SKU counters), the in-memory copy of the listings that a transaction with
 * thousands of lookups makes, and the full listing pass that settling takes when most SKUs
 * changed. Each test runs a batch past those thresholds and checks what a reader sees in
 * the middle of it, what commit leaves (`check` must find no drift) and what rollback
 * leaves (nothing).
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

#define SKUS 1200
#define LISTINGS 3000 /* on one channel; a copy pays after 4,096 lookups */
#define LINES 6000

typedef struct env {
	char *dir;
	char *db; /* the store's URL: a file, or a PostgreSQL tenant */
	jg_store *s;
} env;

#define OK(call)                                                                  \
	do {                                                                      \
		jg_err err_ = {0};                                                \
		int rc_ = (call);                                                 \
		if (rc_)                                                          \
			fail_msg("%s -> %d %s", #call, rc_, err_.msg);            \
	} while (0)
#define E (&err_)

static void sku_code(char *out, size_t n, int i)
{
	snprintf(out, n, "S%04d", i);
}

/* Listing k maps to SKU k % SKUS, or to two SKUs for every tenth. */
static void map_listing(jg_store *s, int k, int first_sku)
{
	jg_recipe_item items[2];
	char pid[32];
	size_t n = k % 10 == 9 ? 2 : 1;

	sku_code(items[0].sku, sizeof(items[0].sku), (first_sku + k) % SKUS);
	items[0].qty = 1;
	sku_code(items[1].sku, sizeof(items[1].sku), (first_sku + k + 7) % SKUS);
	items[1].qty = 2;
	snprintf(pid, sizeof(pid), "P%05d", k);
	OK(jg_listing_map(s, "shop", pid, "색상: 빨강", items, n, NULL, E));
}

static int setup(void **state)
{
	env *e = jg_calloc(1, sizeof(*e));
	char code[32];

	e->dir = t_tmpdir();
	e->db = t_db(e->dir, "jaego.db");
	OK(jg_store_open(&e->s, e->db, E));
	OK(jg_store_migrate(e->s, NULL, E));
	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < SKUS; i++) {
		sku_code(code, sizeof(code), i);
		OK(jg_sku_add(e->s, code, code, 0, E));
		OK(jg_stock_receive(e->s, code, i % 50 == 0 ? 2 : 100, NULL, E));
	}
	OK(jg_channel_add(e->s, "shop", NULL, E));
	for (int k = 0; k < LISTINGS; k++)
		map_listing(e->s, k, 0);
	OK(jg_store_commit(e->s, E));
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	env *e = *state;

	jg_store_close(e->s);
	t_rmdir(e->dir);
	jg_free(e->dir);
	jg_free(e->db);
	jg_free(e);
	return 0;
}

typedef struct totals {
	int64_t on_hand, committed;
} totals;

static int add_up(const jg_sku_info *k, void *payload)
{
	totals *t = payload;

	t->on_hand += k->on_hand;
	t->committed += k->committed;
	return 0;
}

static totals sums(jg_store *s)
{
	totals t = {0, 0};
	jg_err err = {0};

	if (jg_sku_each(s, NULL, 0, add_up, &t, &err))
		fail_msg("sku each: %s", err.msg);
	return t;
}

/* Puts line i for listing k (the option spelled differently than when mapped) with the
 * status given. */
static jg_order_result put_as(jg_store *s, int i, int k, int64_t qty, jg_status status)
{
	char line[32], pid[32];
	jg_order_in in;
	jg_order_result res;

	memset(&in, 0, sizeof(in));
	snprintf(line, sizeof(line), "L%06d", i);
	snprintf(pid, sizeof(pid), "P%05d", k);
	in.channel = "shop";
	in.line_id = line;
	in.product_id = pid;
	in.option = "색상:빨강";
	in.qty = qty;
	in.status = status;
	OK(jg_order_put(s, &in, &res, E));
	return res;
}

static jg_order_result put(jg_store *s, int i, int k, int64_t qty)
{
	return put_as(s, i, k, qty, JG_STATUS_OPEN);
}

/* Units line i of listing k commits: 1 per unit, or 1 + 2 for the two-SKU listings. */
static int64_t units(int k, int64_t qty)
{
	return k % 10 == 9 ? 3 * qty : qty;
}

static void test_big_batch_commits(void **state)
{
	env *e = *state;
	totals before = sums(e->s), mid, after;
	int64_t want = 0;
	jg_store_stats st0, st1;

	jg_store_stats_get(e->s, &st0);
	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < LINES; i++) {
		int k = (i * 7919) % LISTINGS;
		jg_order_result r = put(e->s, i, k, 1 + i % 3);

		assert_true(r.matched);
		want += units(k, 1 + i % 3);
	}
	/* A reader inside the batch sees every held write. */
	mid = sums(e->s);
	assert_int_equal(mid.committed - before.committed, want);
	assert_int_equal(mid.on_hand, before.on_hand);
	/* A line of this batch moves on: its items must be there to be read. */
	{
		jg_order_result r;

		OK(jg_order_transition(e->s, "shop", "L000000", JG_STATUS_SHIPPED, NULL, &r, E));
		want -= units(0, 1);
	}
	/* More lines after the reads: held again, flushed by commit. */
	for (int i = LINES; i < LINES + 500; i++) {
		int k = (i * 31) % LISTINGS;

		put(e->s, i, k, 1);
		want += units(k, 1);
	}
	OK(jg_store_commit(e->s, E));
	jg_store_stats_get(e->s, &st1);
	after = sums(e->s);
	assert_int_equal(after.committed - before.committed, want);
	assert_int_equal(after.on_hand - before.on_hand, -units(0, 1));
	/* Most SKUs changed: settling took the full pass over every listing. */
	assert_true(st1.listings_recomputed - st0.listings_recomputed >= LISTINGS);
	t_store_check(e->s);
}

static void test_big_batch_rolls_back(void **state)
{
	env *e = *state;
	totals before = sums(e->s), after;

	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < LINES; i++)
		put(e->s, i, (i * 13) % LISTINGS, 2);
	jg_store_rollback(e->s);
	after = sums(e->s);
	assert_int_equal(after.committed, before.committed);
	assert_int_equal(after.on_hand, before.on_hand);
	t_store_check(e->s);
	/* The same lines are new again. */
	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < 10; i++)
		assert_int_equal(put(e->s, i, i, 1).outcome, JG_ORDER_NEW);
	OK(jg_store_commit(e->s, E));
	t_store_check(e->s);
}

/* Listings mapped or remapped in the middle of a batch that already uses the copy. */
static void test_listing_changes_mid_batch(void **state)
{
	env *e = *state;
	totals before = sums(e->s), after;
	int64_t want = 0;

	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < LINES; i++) {
		put(e->s, i, i % LISTINGS, 1);
		want += units(i % LISTINGS, 1);
	}
	/* Unknown listing: kept unmatched, takes nothing. */
	{
		jg_order_in in;
		jg_order_result r;

		memset(&in, 0, sizeof(in));
		in.channel = "shop";
		in.line_id = "NEW-1";
		in.product_id = "P99999";
		in.option = "색상: 빨강";
		in.qty = 4;
		in.status = JG_STATUS_OPEN;
		OK(jg_order_put(e->s, &in, &r, E));
		assert_false(r.matched);
		/* Mapping it now applies the waiting line, and later lines match at once. */
		{
			jg_recipe_item it = {"S0003", 1};

			OK(jg_listing_map(e->s, "shop", "P99999", "색상:빨강", &it, 1, NULL, E));
		}
		want += 4;
		in.line_id = "NEW-2";
		in.qty = 1;
		OK(jg_order_put(e->s, &in, &r, E));
		assert_true(r.matched);
		want += 1;
	}
	/* A remap mid-batch: lines after it take the new recipe (two SKUs, 2 of the second). */
	map_listing(e->s, 5, 0); /* unchanged recipe first, to drop the copy */
	{
		jg_recipe_item items[2] = {{"S0010", 1}, {"S0011", 2}};
		jg_order_result r;

		OK(jg_listing_map(e->s, "shop", "P00005", "색상: 빨강", items, 2, NULL, E));
		r = put(e->s, LINES + 1, 5, 2);
		assert_true(r.matched);
		want += 2 + 4;
	}
	OK(jg_store_commit(e->s, E));
	after = sums(e->s);
	assert_int_equal(after.committed - before.committed, want);
	t_store_check(e->s);
}

/* A batch of LINES lines from line number `first`, committed; every line matched. */
static void batch_of_lines(jg_store *s, int first, int64_t qty)
{
	OK(jg_store_begin(s, E));
	for (int i = first; i < first + LINES; i++)
		assert_true(put(s, i, (i * 7919) % LISTINGS, qty).matched);
	OK(jg_store_commit(s, E));
}

/*
 * Settling's full pass reads the listings from the in-memory copy while a transaction has
 * one, and the copy outlives a commit: its stored quantities must follow every write of
 * them, by the full pass, by the small pass of a single-SKU transaction, by another
 * connection (the copy is dropped), and must not keep what a rolled-back settle wrote.
 * `check` compares the tables with a pass of its own over the tables: a copy that held a
 * stale quantity would leave a listing unwritten and show as drift.
 */
static void test_copy_serves_settling(void **state)
{
	env *e = *state;
	jg_store *other;
	jg_store_stats st0, st1;

	batch_of_lines(e->s, 0, 1); /* makes the copy; full pass */
	t_store_check(e->s);
	/* The same lines cancelled: every listing goes back to the quantity it had before
	 * the first batch, which a copy that missed that batch's writes would still hold. */
	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < LINES; i++)
		assert_int_equal(
			put_as(e->s, i, (i * 7919) % LISTINGS, 1, JG_STATUS_CANCELLED).outcome,
			JG_ORDER_CHANGED);
	OK(jg_store_commit(e->s, E));
	t_store_check(e->s);
	batch_of_lines(e->s, LINES, 2);
	t_store_check(e->s);
	/* Small passes between batches, on this connection: the copy follows them. */
	OK(jg_stock_receive(e->s, "S0007", 40, NULL, E));
	OK(jg_stock_adjust(e->s, "S0008", -90, "broken", E));
	jg_store_stats_get(e->s, &st0);
	batch_of_lines(e->s, 5 * LINES, 1);
	jg_store_stats_get(e->s, &st1);
	assert_true(st1.listings_recomputed - st0.listings_recomputed >= LISTINGS);
	t_store_check(e->s);
	/* A settle that is rolled back: what it wrote must not stay in the copy. */
	OK(jg_store_begin(e->s, E));
	for (int i = 2 * LINES; i < 3 * LINES; i++)
		put(e->s, i, (i * 31) % LISTINGS, 3);
	OK(jg_store_settle(e->s, E));
	jg_store_rollback(e->s);
	t_store_check(e->s);
	batch_of_lines(e->s, 3 * LINES, 1);
	t_store_check(e->s);
	/* Another connection changes stock: the next transaction here must not trust the
	 * copy. */
	OK(jg_store_open(&other, e->db, E));
	OK(jg_store_begin(other, E));
	for (int i = 0; i < SKUS; i += 2) {
		char code[32];

		sku_code(code, sizeof(code), i);
		OK(jg_stock_receive(other, code, 5, NULL, E));
	}
	OK(jg_store_commit(other, E));
	jg_store_close(other);
	batch_of_lines(e->s, 4 * LINES, 1);
	t_store_check(e->s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_big_batch_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_batch_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing_changes_mid_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_serves_settling, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
