/* SPDX-License-Identifier: MIT */
/*
 * `jaego db copy` end to end through the real binary, SQLite to SQLite: the demo shop
 * (with a user, a token and some history on top) is copied, the copy passes `jaego check`,
 * and every listing, order, SKU, channel, user and token reads back identical through the
 * `--json` outputs. A copy into a used database, from a missing one, or from one with
 * drift is refused and writes nothing; a copy of the copy round-trips; the copy keeps
 * working (new lines get new ids). The PostgreSQL round trips are in test_db_copy_pg.c.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy_compare.h"
#include "support.h"

typedef t_env env;

static void test_round_trip(void **state)
{
	env *e = *state;
	char *b = t_path(e->dir, "b.db"), *c = t_path(e->dir, "c.db");
	t_run r;

	cc_fill_shop(e->db);
	t_jaegof(&r, NULL, "--json db copy --from %s --to %s", e->db, b);
	T_OK(&r);
	assert_non_null(r.json);
	assert_int_equal(t_jint(r.json, "schema_version"), 3);
	assert_true(t_jint(r.json, "rows") > 200);
	assert_true(json_is_true(json_object_get(r.json, "check_ok")));
	t_run_free(&r);
	t_check(b);
	cc_assert_same(e->db, b);

	/* And back again through a third file: still identical. */
	t_ok(NULL, "db copy --from %s --to %s", b, c);
	t_check(c);
	cc_assert_same(e->db, c);

	/* The copy is a working shop: new rows get fresh ids, check still passes. */
	t_ok(c, "order add coupang CP-NEW-1 --product coupang-SOCK-3P --qty 1");
	t_ok(c, "stock receive MUG-01 3");
	t_check(c);
	jg_free(b);
	jg_free(c);
}

static void test_refusals(void **state)
{
	env *e = *state;
	char *b = t_path(e->dir, "b.db"), *missing = t_path(e->dir, "missing.db");
	char *before = NULL;
	sqlite3 *h = NULL;
	t_run r;

	cc_fill_shop(e->db);
	t_ok(NULL, "db copy --from %s --to %s", e->db, b);

	/* A target that holds data. */
	t_jaegof(&r, NULL, "db copy --from %s --to %s", e->db, b);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "already holds data"));
	t_run_free(&r);

	/* A source that does not exist (and is not created by trying). */
	t_jaegof(&r, NULL, "db copy --from %s --to %s", missing, b);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "does not exist"));
	t_run_free(&r);
	assert_null(fopen(missing, "r"));

	/* Same database on both sides; no --to. */
	t_jaegof(&r, NULL, "db copy --from %s --to %s", b, b);
	assert_int_equal(r.status, 2);
	t_run_free(&r);
	t_jaegof(&r, b, "db copy");
	assert_int_equal(r.status, 2);
	t_run_free(&r);

	/* A source with drift is refused (exit 3) and the target stays empty. */
	assert_int_equal(sqlite3_open(b, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "UPDATE sku SET on_hand = on_hand + 1 WHERE code = 'MUG-01'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	jg_free(before);
	{
		char *d = t_path(e->dir, "d.db");

		t_jaegof(&r, NULL, "db copy --from %s --to %s", b, d);
		assert_int_equal(r.status, 3);
		assert_non_null(strstr(r.err, "fails `jaego check`"));
		t_run_free(&r);
		t_jaegof(&r, d, "--json sku list");
		T_OK(&r);
		assert_int_equal(json_array_size(json_object_get(r.json, "skus")), 0);
		t_run_free(&r);
		jg_free(d);
	}
	jg_free(b);
	jg_free(missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, t_env_setup, t_env_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, t_env_setup, t_env_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
