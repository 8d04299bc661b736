/* SPDX-License-Identifier: MIT */
/*
 * `jaego db copy` end to end through the real binary, SQLite to SQLite: the demo shop
 * (with a user, a token and some history on top) is copied, the copy passes `jaego check`,
 * and every listing, order, SKU, channel, user and token reads back identical through the
 * `--json` outputs. A copy into a used database, from a missing one, or from one with
 * drift is refused and writes nothing; a copy of the copy round-trips; the copy keeps
 * working (new lines get new ids).
 *
 * Run as test_db_copy_pg (JG_TEST_DB=postgres, the throwaway cluster of tests/support/pg.sh)
 * the shop under test is a PostgreSQL tenant, so the same tests copy PostgreSQL to SQLite,
 * and test_via_pg adds SQLite -> PostgreSQL -> SQLite, one tenant to another in one
 * database, a refused used tenant, and writes after the copy (the id sequences were moved
 * past the copied ids). If the cluster cannot start, the _pg run fails; it never skips.
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

	/* A source without jaego's schema. */
	{
		char *bare = t_path(e->dir, "bare.db"), *d = t_path(e->dir, "d0.db");

		assert_int_equal(sqlite3_open(bare, &h), SQLITE_OK);
		assert_int_equal(sqlite3_exec(h, "CREATE TABLE x(y)", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(h);
		t_jaegof(&r, NULL, "db copy --from %s --to %s", bare, d);
		assert_int_equal(r.status, 2);
		assert_non_null(strstr(r.err, "the source: the database has no jaego schema"));
		t_run_free(&r);
		jg_free(bare);
		jg_free(d);
	}

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

/* PostgreSQL only: e->db is an initialised, empty tenant of the test cluster. */
static void test_via_pg(void **state)
{
	env *e = *state;
	char *a = t_path(e->dir, "a.db"), *c = t_path(e->dir, "c.db");
	char *other = t_db(e->dir, "other");
	t_run r;

	assert_true(strncmp(e->db, "postgres", 8) == 0);
	t_ok(a, "init");
	cc_fill_shop(a);

	/* SQLite -> PostgreSQL: identical, check passes, the password is not printed. */
	t_jaegof(&r, NULL, "db copy --from %s --to %s", a, e->db);
	T_OK(&r);
	assert_non_null(strstr(r.out, ":***@"));
	assert_null(strstr(r.out, strchr(strstr(e->db, "://") + 3, ':') + 1));
	t_run_free(&r);
	t_check(e->db);
	cc_assert_same(a, e->db);

	/* A used tenant is refused. */
	t_jaegof(&r, NULL, "db copy --from %s --to %s", a, e->db);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "already holds data"));
	t_run_free(&r);

	/* PostgreSQL -> SQLite, and tenant -> tenant in the same database. */
	t_ok(NULL, "db copy --from %s --to %s", e->db, c);
	t_check(c);
	cc_assert_same(a, c);
	t_ok(NULL, "db copy --from %s --to %s", e->db, other);
	t_check(other);
	cc_assert_same(a, other);

	/* The copy takes new rows: fresh ids past the copied ones in every table with one. */
	t_ok(e->db, "sku add NEW-1 --name 새상품 --stock 3");
	t_ok(e->db, "channel add newmall");
	t_ok(e->db, "listing map newmall NM-1 --to NEW-1");
	t_ok(e->db, "order add newmall NM-L1 --product NM-1 --qty 1");
	t_ok(e->db, "order add coupang CP-AFTER-1 --product coupang-SOCK-3P --qty 1");
	t_ok(e->db, "stock receive MUG-01 2");
	t_ok(e->db, "token create after --role viewer");
	t_check(e->db);
	/* ... and the other tenant did not see them. */
	cc_assert_same(other, c);
	jg_free(a);
	jg_free(c);
	jg_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, t_env_setup, t_env_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, t_env_setup, t_env_teardown),
	};
	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, t_env_setup, t_env_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, t_env_setup, t_env_teardown),
		cmocka_unit_test_setup_teardown(test_via_pg, t_env_setup, t_env_teardown),
	};

	/* On the PostgreSQL run a missing cluster URL fails every test (t_env_setup), it
	 * never skips. */
	if (t_pg())
		return cmocka_run_group_tests(pg_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
