/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite: behaviour every backend must show through the public
 * store API. Batches (all or nothing, validation failures inside a batch), status moves
 * arriving through jg_order_put in any order, the plain-listing view of `stock show`, the
 * batch forms of the sync helpers against the one-at-a-time ones, and an allocation-failure
 * torture run: every operation is run with its Nth allocation failing, for every N until it
 * succeeds, and must fail cleanly (no crash, no leak, and `check` passes with nothing
 * half-applied).
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

typedef struct env {
	char *dir;
	jg_store *s;
} env;

static int setup(void **state)
{
	env *e = jg_calloc(1, sizeof(*e));

	e->dir = t_tmpdir();
	e->s = t_store(e->dir);
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

#define OK(call)                                                          \
	do {                                                              \
		jg_err err_ = {0};                                        \
		int rc_ = (call);                                         \
		(void)err_;                                               \
		if (rc_)                                                  \
			fail_msg("%s -> %d", #call, rc_);                 \
	} while (0)

typedef struct sku_state {
	const char *code;
	int64_t on_hand, committed;
	int found;
} sku_state;

static int grab(const jg_sku_info *k, void *payload)
{
	sku_state *st = payload;

	if (strcmp(k->code, st->code) == 0) {
		st->on_hand = k->on_hand;
		st->committed = k->committed;
		st->found = 1;
	}
	return 0;
}

static sku_state sku(jg_store *s, const char *code)
{
	sku_state st = {code, 0, 0, 0};

	OK(jg_sku_each(s, NULL, 0, grab, &st, NULL));
	return st;
}

static jg_order_in line(const char *channel, const char *id, const char *pid, int64_t qty,
			jg_status status)
{
	jg_order_in in = {0};

	in.channel = channel;
	in.line_id = id;
	in.product_id = pid;
	in.qty = qty;
	in.status = status;
	return in;
}

static void base(jg_store *s)
{
	jg_recipe_item a = {"A", 1}, pair = {"A", 2};

	OK(jg_sku_add(s, "A", "A", 0, NULL));
	OK(jg_stock_receive(s, "A", 10, NULL, NULL));
	OK(jg_channel_add(s, "coupang", NULL, NULL));
	OK(jg_listing_map(s, "coupang", "P", NULL, &a, 1, NULL, NULL));
	OK(jg_listing_map(s, "coupang", "PAIR", NULL, &pair, 1, NULL, NULL));
}

static void test_batch_rollback(void **state)
{
	env *e = *state;
	jg_order_in in = line("coupang", "L1", "P", 3, JG_STATUS_OPEN);

	base(e->s);
	OK(jg_store_begin(e->s, NULL));
	OK(jg_order_put(e->s, &in, NULL, NULL));
	OK(jg_stock_receive(e->s, "A", 5, NULL, NULL));
	jg_store_rollback(e->s);
	assert_int_equal(sku(e->s, "A").on_hand, 10);
	assert_int_equal(sku(e->s, "A").committed, 0);
	t_store_check(e->s);
}

static void test_batch_validation_failure_continues(void **state)
{
	env *e = *state;
	jg_order_in good = line("coupang", "L1", "P", 3, JG_STATUS_OPEN);
	jg_order_in bad = line("nowhere", "L2", "P", 1, JG_STATUS_OPEN);
	jg_order_in zero = line("coupang", "L3", "P", 0, JG_STATUS_OPEN);
	jg_order_result r;
	jg_err err = {0};

	base(e->s);
	OK(jg_store_begin(e->s, NULL));
	OK(jg_order_put(e->s, &good, &r, NULL));
	assert_int_equal(r.oversold_by, -1); /* known only at commit inside a batch */
	assert_int_equal(jg_order_put(e->s, &bad, NULL, &err), JG_ENOTFOUND);
	jg_err_clear(&err);
	assert_int_equal(jg_order_put(e->s, &zero, NULL, &err), JG_EINVAL);
	OK(jg_store_commit(e->s, NULL));
	assert_int_equal(sku(e->s, "A").committed, 3);
	t_store_check(e->s);
}

static void test_put_status_moves(void **state)
{
	env *e = *state;
	jg_order_in in = line("coupang", "L1", "PAIR", 2, JG_STATUS_OPEN);
	jg_order_result r;
	jg_err err = {0};

	base(e->s);
	OK(jg_order_put(e->s, &in, &r, NULL));
	assert_int_equal(r.outcome, JG_ORDER_NEW);
	assert_int_equal(sku(e->s, "A").committed, 4);

	/* A later download says shipped: the line moves forward. */
	in.status = JG_STATUS_SHIPPED;
	OK(jg_order_put(e->s, &in, &r, NULL));
	assert_int_equal(r.outcome, JG_ORDER_CHANGED);
	assert_int_equal(r.previous, JG_STATUS_OPEN);
	assert_int_equal(sku(e->s, "A").on_hand, 6);
	assert_int_equal(sku(e->s, "A").committed, 0);

	/* An older download still says open: older news, nothing changes. */
	in.status = JG_STATUS_OPEN;
	OK(jg_order_put(e->s, &in, &r, NULL));
	assert_int_equal(r.outcome, JG_ORDER_DUPLICATE);
	assert_int_equal(r.status, JG_STATUS_SHIPPED);

	/* Cancelled after shipping is not a legal move: refused, nothing changes. */
	in.status = JG_STATUS_CANCELLED;
	assert_int_equal(jg_order_put(e->s, &in, &r, &err), JG_ESTATE);
	assert_non_null(strstr(err.msg, "shipped"));
	assert_int_equal(sku(e->s, "A").on_hand, 6);

	/* A line first seen as returned (sellable) went out and came back. */
	in = line("coupang", "L2", "P", 1, JG_STATUS_OPEN);
	OK(jg_order_put(e->s, &in, NULL, NULL));
	in.status = JG_STATUS_RETURNED;
	in.restock = true;
	OK(jg_order_put(e->s, &in, &r, NULL));
	assert_int_equal(r.outcome, JG_ORDER_CHANGED);
	assert_int_equal(sku(e->s, "A").on_hand, 6);
	assert_int_equal(sku(e->s, "A").committed, 0);

	/* A line first seen cancelled never held stock. */
	in = line("coupang", "L3", "P", 5, JG_STATUS_CANCELLED);
	OK(jg_order_put(e->s, &in, NULL, NULL));
	assert_int_equal(sku(e->s, "A").committed, 0);
	t_store_check(e->s);
}

typedef struct plain {
	int64_t coupang;
	int n;
} plain;

static int on_listed(const char *channel, int64_t listed, void *payload)
{
	plain *p = payload;

	p->n++;
	if (strcmp(channel, "coupang") == 0)
		p->coupang = listed;
	return 0;
}

static void test_plain_listing_view(void **state)
{
	env *e = *state;
	plain p = {-1, 0};

	base(e->s);
	OK(jg_sku_listed_each(e->s, "A", on_listed, &p, NULL));
	/* Only the single-unit listing counts; the pair listing is a bundle. */
	assert_int_equal(p.n, 1);
	assert_int_equal(p.coupang, 10);
}

/* ---- telling channels: the batch forms agree with the one-at-a-time ones ------------------ */

typedef struct pending_refs {
	int64_t ref[8];
	char pid[8][16];
	size_t n;
} pending_refs;

static int on_pending_ref(const jg_pending *p, void *payload)
{
	pending_refs *r = payload;

	if (r->n < 8) {
		r->ref[r->n] = p->ref;
		snprintf(r->pid[r->n], sizeof(r->pid[0]), "%s", p->product_id);
		r->n++;
	}
	return 0;
}

typedef struct told_state {
	const char *pid;
	int64_t last_told, told_at;
} told_state;

static int on_told(const jg_listing_info *l, void *payload)
{
	told_state *t = payload;

	if (strcmp(l->product_id, t->pid) == 0) {
		t->last_told = l->last_told;
		t->told_at = l->told_at;
	}
	return 0;
}

static told_state told(jg_store *s, const char *pid)
{
	told_state t = {pid, -2, -2};

	OK(jg_listing_each(s, "coupang", on_told, &t, NULL));
	return t;
}

typedef struct events {
	char sku[4][8];
	char what[4][200];
	size_t n;
} events;

static int on_event(const char *sku, const char *what, void *payload)
{
	events *ev = payload;

	assert_true(ev->n < 4);
	snprintf(ev->sku[ev->n], sizeof(ev->sku[0]), "%s", sku);
	snprintf(ev->what[ev->n], sizeof(ev->what[0]), "%s", what);
	ev->n++;
	return 0;
}

static void test_sync_batch_forms(void **state)
{
	env *e = *state;
	const char *codes[] = {"A", "B", "C", "NOPE"};
	jg_recipe_item b = {"B", 1};
	jg_order_in in;
	pending_refs r = {0};
	jg_err err = {0};
	int64_t refs[3], qtys[3];

	/* A: a receipt, an order shipped, another cancelled; B: one open order; C: nothing. */
	base(e->s);
	OK(jg_sku_add(e->s, "B", "B", 0, NULL));
	OK(jg_sku_add(e->s, "C", "C", 0, NULL));
	OK(jg_listing_map(e->s, "coupang", "B1", NULL, &b, 1, NULL, NULL));
	in = line("coupang", "L1", "P", 1, JG_STATUS_OPEN);
	OK(jg_order_put(e->s, &in, NULL, NULL));
	OK(jg_order_transition(e->s, "coupang", "L1", JG_STATUS_SHIPPED, NULL, NULL, NULL));
	in = line("coupang", "L2", "PAIR", 1, JG_STATUS_OPEN);
	OK(jg_order_put(e->s, &in, NULL, NULL));
	OK(jg_order_transition(e->s, "coupang", "L2", JG_STATUS_CANCELLED, NULL, NULL, NULL));
	in = line("coupang", "L3", "B1", 2, JG_STATUS_OPEN);
	OK(jg_order_put(e->s, &in, NULL, NULL));

	for (int64_t since = 0; since <= 1; since++) {
		events ev = {0};
		size_t seen = 0;

		OK(jg_sku_last_events(e->s, codes, 4, since, on_event, &ev, NULL));
		for (size_t i = 0; i < 4; i++) {
			char one[200];
			bool found = false;

			OK(jg_sku_last_event(e->s, codes[i], since, one, sizeof(one), NULL));
			for (size_t j = 0; j < ev.n; j++)
				if (strcmp(ev.sku[j], codes[i]) == 0) {
					assert_string_equal(ev.what[j], one);
					found = true;
					seen++;
				}
			assert_int_equal(found, one[0] != '\0');
		}
		assert_int_equal(seen, ev.n);
		assert_int_equal(ev.n, 2); /* A and B */
	}
	{
		events ev = {0};

		OK(jg_sku_last_events(e->s, codes, 4, INT64_MAX - 1, on_event, &ev, NULL));
		assert_int_equal(ev.n, 0);
	}

	/* Marking many: every listing is pending, never told. */
	OK(jg_sync_pending_each(e->s, NULL, on_pending_ref, &r, NULL));
	assert_int_equal(r.n, 3);
	/* A negative quantity or an unknown listing marks nothing, even inside a batch. */
	refs[0] = r.ref[0];
	qtys[0] = -1;
	assert_int_equal(jg_listing_mark_told_many(e->s, refs, qtys, 1, 1000, &err), JG_EINVAL);
	jg_err_clear(&err);
	refs[0] = r.ref[0];
	qtys[0] = 3;
	refs[1] = r.ref[0] + r.ref[1] + r.ref[2];
	qtys[1] = 3;
	OK(jg_store_begin(e->s, NULL));
	assert_int_equal(jg_listing_mark_told_many(e->s, refs, qtys, 2, 1000, &err), JG_ENOTFOUND);
	assert_int_equal(told(e->s, r.pid[0]).last_told, -1);
	/* A ref given twice keeps its last quantity; the batch goes on. */
	refs[0] = r.ref[0];
	qtys[0] = 5;
	refs[1] = r.ref[1];
	qtys[1] = 0;
	refs[2] = r.ref[0];
	qtys[2] = 7;
	OK(jg_listing_mark_told_many(e->s, refs, qtys, 3, 2000, NULL));
	OK(jg_store_commit(e->s, NULL));
	assert_int_equal(told(e->s, r.pid[0]).last_told, 7);
	assert_int_equal(told(e->s, r.pid[0]).told_at, 2000);
	assert_int_equal(told(e->s, r.pid[1]).last_told, 0);
	assert_int_equal(told(e->s, r.pid[2]).last_told, -1);
	assert_int_equal(told(e->s, r.pid[2]).told_at, 0);
	OK(jg_listing_mark_told_many(e->s, refs, qtys, 0, 3000, NULL));
	t_store_check(e->s);
}

static void test_schema_required(void **state)
{
	env *e = *state;
	char *p = t_db(e->dir, "empty.db");
	jg_store *s = NULL;
	jg_err err = {0};

	OK(jg_store_open(&s, p, &err));
	assert_int_equal(jg_store_require_schema(s, &err), JG_EINVAL);
	assert_non_null(strstr(err.msg, "jaego init"));
	jg_store_close(s);
	jg_free(p);
	jg_err_clear(&err);
	/* A PostgreSQL server that is not there: a clear error, no store. */
	assert_int_equal(jg_store_open(&s, "postgres://127.0.0.1:1/none?connect_timeout=2", &err),
			 JG_EDB);
	assert_non_null(strstr(err.msg, "cannot connect to PostgreSQL"));
	assert_null(s);
}

/* ---- allocation-failure torture ---------------------------------------------------------- */

typedef int (*op_fn)(jg_store *s, int i, jg_err *err);

static int op_sku(jg_store *s, int i, jg_err *err)
{
	char code[32];

	snprintf(code, sizeof(code), "S%d", i);
	return jg_sku_add(s, code, "이름", 1, err);
}

static int op_receive(jg_store *s, int i, jg_err *err)
{
	(void)i;
	return jg_stock_receive(s, "A", 2, "입고", err);
}

static int op_map(jg_store *s, int i, jg_err *err)
{
	jg_recipe_item r[2] = {{"A", 1}, {"B", 2}};
	char pid[32];

	snprintf(pid, sizeof(pid), "SET-%d", i);
	return jg_listing_map(s, "coupang", pid, "색상: 빨강 / 사이즈: L", r, 2, NULL, err);
}

static int op_order(jg_store *s, int i, jg_err *err)
{
	char id[32];
	jg_order_in in;

	snprintf(id, sizeof(id), "T%d", i);
	in = line("coupang", id, "P", 1, JG_STATUS_OPEN);
	in.option = "";
	return jg_order_put(s, &in, NULL, err);
}

static int op_unmatched_then_map(jg_store *s, int i, jg_err *err)
{
	char id[32], pid[32];
	jg_order_in in;
	jg_recipe_item a = {"A", 1};
	int rc;

	snprintf(id, sizeof(id), "U%d", i);
	snprintf(pid, sizeof(pid), "LATE-%d", i);
	in = line("coupang", id, pid, 2, JG_STATUS_OPEN);
	rc = jg_store_begin(s, err);
	if (rc == 0)
		rc = jg_order_put(s, &in, NULL, err);
	if (rc == 0)
		rc = jg_listing_map(s, "coupang", pid, NULL, &a, 1, NULL, err);
	if (rc == 0)
		return jg_store_commit(s, err);
	jg_store_rollback(s);
	return rc;
}

static int op_ship(jg_store *s, int i, jg_err *err)
{
	char id[32];

	snprintf(id, sizeof(id), "T%d", i - 1); /* the line op_order added just before */
	return jg_order_transition(s, "coupang", id, JG_STATUS_SHIPPED, NULL, NULL, err);
}

static int op_check(jg_store *s, int i, jg_err *err)
{
	(void)i;
	return jg_store_check(s, NULL, NULL, NULL, err);
}

static void test_alloc_failure_torture(void **state)
{
	env *e = *state;
	static const struct {
		const char *name;
		op_fn fn;
	} ops[] = {{"sku add", op_sku},	    {"receive", op_receive}, {"map", op_map},
		   {"order", op_order},	    {"ship", op_ship},	     {"unmatched+map", op_unmatched_then_map},
		   {"check", op_check}};
	jg_recipe_item b = {"B", 1};

	base(e->s);
	OK(jg_sku_add(e->s, "B", "B", 0, NULL));
	OK(jg_listing_map(e->s, "coupang", "B1", NULL, &b, 1, NULL, NULL));
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		int failures = 0;

		for (long n = 0;; n++) {
			jg_err err = {0};
			sku_state before = sku(e->s, "A"), after;
			int rc;

			jg_alloc_fail_after(n);
			rc = ops[k].fn(e->s, (int)k, &err);
			jg_alloc_fail_after(-1);
			if (rc == 0)
				break;
			failures++;
			if (rc != JG_ENOMEM && rc != JG_EDB)
				fail_msg("%s with allocation %ld failing: %d %s", ops[k].name, n, rc,
					 err.msg);
			/* A failed operation leaves nothing behind. */
			after = sku(e->s, "A");
			assert_int_equal(after.on_hand, before.on_hand);
			assert_int_equal(after.committed, before.committed);
			t_store_check(e->s);
			if (n > 10000)
				fail_msg("%s never succeeds", ops[k].name);
		}
		t_store_check(e->s);
		if (k != 1 && k != 4 && failures == 0)
			fail_msg("%s allocated nothing: the torture did not reach it", ops[k].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_validation_failure_continues, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_put_status_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_listing_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_batch_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_required, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failure_torture, setup, teardown),
	};

	fprintf(stderr, "store backend: %s\n", t_pg() ? "postgres" : "sqlite");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
