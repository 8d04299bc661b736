/* SPDX-License-Identifier: MIT */
/*
 * Settling from the in-memory listing copy and its reverse index SKU -> listings
 * (src/store/match.c, settle_mem.c), the path of a store that commits one mid-sized batch
 * after another (the server's writer). The copy keeps every listing's stored quantity
 * between transactions, so each test makes something else change a stored quantity or a
 * recipe and checks that the next commit still leaves every listing as the formula says
 * (`check` finds no drift): a recipe remapped, a rule changed, another connection's
 * commit, a settled batch rolled back, a full recompute; and that the copy matching makes
 * is the one the incremental settle uses.
 */
#include <stdio.h>
#include <string.h>

#include "store/listing_copy.h"
#include "store/store_int.h"
#include "support.h"

#define SKUS     1200
#define LISTINGS 3000 /* on "shop"; a tenth of them bundles of two SKUs */
#define MALL     600  /* on "mall", 90 % of the pool */

typedef struct env {
	char *dir;
	jg_store *s;
	int next_line;
} env;

#define OK(call)                                                       \
	do {                                                           \
		jg_err err_ = {0};                                     \
		int rc_ = (call);                                      \
		if (rc_)                                               \
			fail_msg("%s -> %d %s", #call, rc_, err_.msg); \
	} while (0)
#define E (&err_)

static void sku_code(char *out, size_t n, int i)
{
	snprintf(out, n, "S%04d", i);
}

static void map_listing(jg_store *s, const char *channel, int k, int first_sku)
{
	jg_recipe_item items[2];
	char pid[32];
	size_t n = k % 10 == 9 ? 2 : 1;

	sku_code(items[0].sku, sizeof(items[0].sku), (first_sku + k) % SKUS);
	items[0].qty = 1;
	sku_code(items[1].sku, sizeof(items[1].sku), (first_sku + k + 7) % SKUS);
	items[1].qty = 2;
	snprintf(pid, sizeof(pid), "P%05d", k);
	OK(jg_listing_map(s, channel, pid, NULL, items, n, NULL, E));
}

/* The incremental settle's model: the listing copy with its reverse index. */
static bool has_model(const jg_store *s)
{
	return s->listing_copy && s->listing_copy->indexed;
}

static int setup(void **state)
{
	env *e = jg_calloc(1, sizeof(*e));
	jg_rule_patch p;
	char code[32];

	e->dir = t_tmpdir();
	e->s = t_store(e->dir);
	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < SKUS; i++) {
		sku_code(code, sizeof(code), i);
		OK(jg_sku_add(e->s, code, code, 0, E));
		/* Every 50th nearly out: its lines go oversold and its listings to 0. */
		OK(jg_stock_receive(e->s, code, i % 50 == 0 ? 2 : 40, NULL, E));
	}
	OK(jg_channel_add(e->s, "shop", NULL, E));
	OK(jg_channel_add(e->s, "mall", NULL, E));
	memset(&p, 0, sizeof(p));
	jg_rule_default(&p.rule);
	p.set = JG_RULE_SET_PERCENT;
	p.rule.percent = 90;
	OK(jg_channel_set(e->s, "mall", &p, E));
	for (int k = 0; k < LISTINGS; k++)
		map_listing(e->s, "shop", k, 0);
	for (int k = 0; k < MALL; k++)
		map_listing(e->s, "mall", k, 500);
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
	jg_free(e);
	return 0;
}

static void put(env *e, const char *channel, int k, int64_t qty)
{
	char line[32], pid[32];
	jg_order_in in;

	memset(&in, 0, sizeof(in));
	snprintf(line, sizeof(line), "L%07d", e->next_line++);
	snprintf(pid, sizeof(pid), "P%05d", k);
	in.channel = channel;
	in.line_id = line;
	in.product_id = pid;
	in.qty = qty;
	in.status = JG_STATUS_OPEN;
	OK(jg_order_put(e->s, &in, NULL, E));
}

/* The lines of one mid-sized batch (about 150 SKUs), without begin or commit. */
static void lines(env *e, int seed)
{
	for (int i = 0; i < 150; i++) {
		int k = (seed * 977 + i * 7919) % LISTINGS;

		put(e, "shop", k, 1 + i % 2);
		if (i % 3 == 0)
			put(e, "mall", k % MALL, 1);
	}
}

static void batch(env *e, int seed)
{
	OK(jg_store_begin(e->s, E));
	lines(e, seed);
	OK(jg_store_commit(e->s, E));
}

static void test_model_follows_batches(void **state)
{
	env *e = *state;
	jg_store_stats st0, st1;

	/* One order alone makes no model: a command-line store never pays for one. */
	OK(jg_store_begin(e->s, E));
	put(e, "shop", 1, 1);
	OK(jg_store_commit(e->s, E));
	assert_null(e->s->listing_copy);
	t_store_check(e->s);
	batch(e, 1);
	assert_true(has_model(e->s));
	t_store_check(e->s);
	jg_store_stats_get(e->s, &st0);
	for (int b = 2; b < 30; b++) {
		batch(e, b);
		/* The stock runs low: listings fall to 0 and lines go oversold. */
		assert_true(has_model(e->s));
	}
	jg_store_stats_get(e->s, &st1);
	assert_true(st1.listings_changed > st0.listings_changed);
	t_store_check(e->s);
	/* A small commit goes through the model too, once it is there. */
	OK(jg_store_begin(e->s, E));
	put(e, "shop", 9, 3);
	OK(jg_store_commit(e->s, E));
	assert_true(has_model(e->s));
	t_store_check(e->s);
	/* A full recompute finds nothing to change: the model was right. */
	{
		int64_t computed = 0;

		jg_store_stats_get(e->s, &st0);
		OK(jg_listing_recompute_all(e->s, &computed, E));
		jg_store_stats_get(e->s, &st1);
		assert_int_equal(st1.listings_changed, st0.listings_changed);
	}
	/* The full pass read the copy and kept it. */
	assert_true(has_model(e->s));
}

static void test_recipe_change(void **state)
{
	env *e = *state;

	batch(e, 1);
	assert_true(has_model(e->s));
	/* A remap in the batch: the SQL pass settles, the model goes. */
	OK(jg_store_begin(e->s, E));
	lines(e, 2);
	map_listing(e->s, "shop", 5, 300);
	OK(jg_store_commit(e->s, E));
	assert_null(e->s->listing_copy);
	t_store_check(e->s);
	/* The next batch builds it again, with the new recipe, and orders on it agree. */
	batch(e, 3);
	assert_true(has_model(e->s));
	OK(jg_store_begin(e->s, E));
	lines(e, 4);
	put(e, "shop", 5, 2);
	OK(jg_store_commit(e->s, E));
	t_store_check(e->s);
}

static void test_rule_change(void **state)
{
	env *e = *state;
	jg_rule_patch p;

	batch(e, 1);
	assert_true(has_model(e->s));
	/* The rule changes "mall"'s quantities through the SQL pass... */
	memset(&p, 0, sizeof(p));
	jg_rule_default(&p.rule);
	p.set = JG_RULE_SET_PERCENT | JG_RULE_SET_BUFFER;
	p.rule.percent = 50;
	p.rule.buffer = 1;
	OK(jg_store_begin(e->s, E));
	lines(e, 2);
	OK(jg_channel_set(e->s, "mall", &p, E));
	OK(jg_store_commit(e->s, E));
	t_store_check(e->s);
	/* ... which writes the new quantities into the copy too, so it stays: the next
	 * batches settle from it and must agree with the tables. */
	assert_true(has_model(e->s));
	for (int b = 3; b < 8; b++)
		batch(e, b);
	t_store_check(e->s);
}

static int on_available(const jg_sku_info *k, void *payload)
{
	*(int64_t *)payload = k->on_hand - k->committed;
	return 0;
}

/* A rule change the model did not see, then a receipt that brings the listing's quantity
 * under the new rule back to what the old rule gave: a stale model would write nothing. */
static void test_rule_change_then_equal(void **state)
{
	env *e = *state;
	const char *code = "S0503"; /* "mall" listing P00003, untouched by the orders below */
	jg_rule_patch p;
	int64_t avail = 0, old_q, more = 0;

	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < 100; i++)
		put(e, "shop", 1000 + i, 1); /* SKUs 1000..1106 */
	OK(jg_store_commit(e->s, E));
	assert_true(has_model(e->s));
	OK(jg_sku_each(e->s, &code, 1, on_available, &avail, E));
	old_q = avail * 90 / 100;
	memset(&p, 0, sizeof(p));
	jg_rule_default(&p.rule);
	p.set = JG_RULE_SET_PERCENT;
	p.rule.percent = 80; /* from 90: the SQL pass lowers "mall"'s quantities */
	OK(jg_store_begin(e->s, E));
	OK(jg_channel_set(e->s, "mall", &p, E));
	OK(jg_store_commit(e->s, E));
	/* Receive what makes 80 % show what 90 % showed. */
	while ((avail + more) * 80 / 100 < old_q)
		more++;
	assert_int_equal((avail + more) * 80 / 100, old_q);
	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < 100; i++)
		put(e, "shop", 1100 + i, 1); /* more SKUs: the model's path */
	OK(jg_stock_receive(e->s, code, more, NULL, E));
	OK(jg_store_commit(e->s, E));
	t_store_check(e->s);
}

static void test_other_connection(void **state)
{
	env *e = *state;
	char *db = t_path(e->dir, "jaego.db");
	jg_store *other = NULL;
	jg_err err = {0};
	char code[32];

	batch(e, 1);
	assert_true(has_model(e->s));
	/* Another connection restocks every SKU the next batch will order: its commit
	 * rewrites those listings. */
	if (jg_store_open(&other, db, &err))
		fail_msg("open: %s", err.msg);
	OK(jg_store_begin(other, E));
	for (int i = 0; i < SKUS; i += 2) {
		sku_code(code, sizeof(code), i);
		OK(jg_stock_receive(other, code, 1, NULL, E));
	}
	OK(jg_store_commit(other, E));
	jg_store_close(other);
	jg_free(db);
	/* The next transaction drops the copy as it begins. */
	OK(jg_store_begin(e->s, E));
	assert_null(e->s->listing_copy);
	OK(jg_store_commit(e->s, E));
	/* Each of these orders takes back the unit received: a stale model would see the
	 * old quantity again and write nothing. */
	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < 200; i++)
		put(e, "shop", (i * 20) % LISTINGS, 1);
	OK(jg_store_commit(e->s, E));
	t_store_check(e->s);
}

static void test_settled_then_rolled_back(void **state)
{
	env *e = *state;

	batch(e, 1);
	assert_true(has_model(e->s));
	/* Settled (the model takes the new quantities), then rolled back. */
	OK(jg_store_begin(e->s, E));
	lines(e, 2);
	OK(jg_store_settle(e->s, E));
	jg_store_rollback(e->s);
	assert_null(e->s->listing_copy);
	/* The same listings lose the same units again: a model that kept the rolled-back
	 * quantities would find nothing to write. */
	e->next_line += 1000;
	batch(e, 2);
	t_store_check(e->s);
	/* A batch that rolls back before settling leaves the model as it was. */
	OK(jg_store_begin(e->s, E));
	lines(e, 3);
	jg_store_rollback(e->s);
	batch(e, 4);
	assert_true(has_model(e->s));
	t_store_check(e->s);
}

/* A batch big enough for matching to make the copy (an import's file), then the writer's
 * batches: the incremental settle indexes that copy rather than making one of its own. */
static void test_one_copy(void **state)
{
	env *e = *state;
	const jg__listing_copy *made;

	OK(jg_store_begin(e->s, E));
	for (int i = 0; i < 4200; i++)
		put(e, "shop", (i * 7) % LISTINGS, 1);
	OK(jg_store_commit(e->s, E));
	made = e->s->listing_copy;
	assert_non_null(made);
	t_store_check(e->s);
	batch(e, 1);
	assert_ptr_equal(e->s->listing_copy, made);
	assert_true(has_model(e->s));
	t_store_check(e->s);
	batch(e, 2);
	assert_ptr_equal(e->s->listing_copy, made);
	t_store_check(e->s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_model_follows_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recipe_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_change_then_equal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settled_then_rolled_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_copy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
