/* SPDX-License-Identifier: MIT */
/*
 * Tenancy on PostgreSQL: two sellers (tenants) in one database. What seller A makes is
 * invisible to seller B and cannot be changed by B, through the CLI (`--db ...?tenant=`),
 * through the API (one server per seller: A's token is refused by B's server), and even
 * through SQL without a tenant filter (row-level security). A BYPASSRLS role is refused.
 * And concurrency: several jaego processes writing one seller's stock at once, through
 * bundles that share components in opposite orders, neither deadlock nor lose an update.
 * PostgreSQL only: run without JG_TEST_DB=postgres it fails, it never skips.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client.h"

static th_server a, b;

static int setup(void **state)
{
	(void)state;
	if (!t_pg())
		fail_msg("the tenancy test needs JG_TEST_DB=postgres");
	th_init(&a);
	th_init(&b);
	assert_non_null(strstr(a.db, "tenant="));
	assert_non_null(strstr(b.db, "tenant="));
	assert_string_not_equal(a.db, b.db);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_free(&a);
	th_free(&b);
	return 0;
}

/* Runs the jaego command line `line` on `db`, expecting failure; returns its stderr (owned). */
static char *fails(const char *db, const char *line)
{
	t_run r;
	char *e;

	t_jaegof(&r, db, "%s", line);
	if (r.status == 0)
		fail_msg("`jaego %s` as the other seller succeeded: %s", line, r.out);
	e = jg_strdup(r.err);
	t_run_free(&r);
	return e;
}

static void test_cli(void **state)
{
	json_t *j;
	char *e;

	(void)state;
	/* Seller A: a SKU, a channel, a listing, an order. */
	t_ok(a.db, "sku add SECRET --name Secret\x1fthing --stock 7");
	t_ok(a.db, "channel add shop");
	t_ok(a.db, "listing map shop P1 --to SECRET");
	t_ok(a.db, "order add shop L1 --product P1 --qty 2");

	/* Seller B sees none of it. */
	j = th_cli(&b, "--json sku list");
	assert_int_equal(json_array_size(json_object_get(j, "skus")), 0);
	json_decref(j);
	j = th_cli(&b, "--json channel list");
	assert_int_equal(json_array_size(json_object_get(j, "channels")), 0);
	json_decref(j);
	j = th_cli(&b, "--json order list");
	assert_int_equal(json_array_size(json_object_get(j, "orders")), 0);
	json_decref(j);
	e = fails(b.db, "stock history SECRET");
	assert_non_null(strstr(e, "unknown SKU"));
	jg_free(e);

	/* ... and changes none of it. */
	jg_free(fails(b.db, "stock receive SECRET 100"));
	jg_free(fails(b.db, "sku set SECRET --name Stolen"));
	jg_free(fails(b.db, "order ship shop L1"));
	jg_free(fails(b.db, "listing map shop P1 --to SECRET"));

	/* B may use the same names for its own things. */
	t_ok(b.db, "sku add SECRET --name Mine --stock 1");
	t_ok(b.db, "channel add shop");
	t_ok(b.db, "stock receive SECRET 5");

	/* A's data stands as A left it. */
	j = th_cli(&a, "--json sku list");
	assert_int_equal(json_array_size(json_object_get(j, "skus")), 1);
	assert_string_equal(t_jstr(j, "skus/0/name"), "Secret thing");
	assert_int_equal(t_jint(j, "skus/0/on_hand"), 7);
	assert_int_equal(t_jint(j, "skus/0/committed"), 2);
	json_decref(j);
	j = th_cli(&b, "--json sku list");
	assert_string_equal(t_jstr(j, "skus/0/name"), "Mine");
	assert_int_equal(t_jint(j, "skus/0/on_hand"), 6);
	assert_int_equal(t_jint(j, "skus/0/committed"), 0);
	json_decref(j);
	t_check(a.db);
	t_check(b.db);
}

/* SQL as seller B with no tenant filter at all: row-level security still holds. */
static void test_sql_without_filter(void **state)
{
	const char *tb = strstr(b.db, "tenant=") + 7, *ta = strstr(a.db, "tenant=") + 7;
	char set[128], upd[128], ins[256], *out = NULL;
	const char *count[] = {"psql", "-X", "-q", "-At", "-d", t_pg_url(), "-c", set, "-c",
			       "SELECT COUNT(*) FROM sku WHERE code = 'SECRET'", NULL};
	const char *update[] = {"psql", "-X", "-q", "-At", "-d", t_pg_url(), "-c", set, "-c",
				upd, NULL};
	const char *insert[] = {"psql", "-X", "-q", "-At", "-d", t_pg_url(), "-c", set, "-c",
				ins, NULL};
	const char *none[] = {"psql", "-X", "-q", "-At", "-d", t_pg_url(), "-c",
			      "SELECT COUNT(*) FROM sku", NULL};

	(void)state;
	t_ok(a.db, "sku add SECRET --name Secret --stock 7");
	snprintf(set, sizeof(set), "SET jaego.tenant = '%s'", tb);
	/* B counts no SECRET although A has one. */
	assert_int_equal(t_spawn(count, NULL, &out), 0);
	assert_string_equal(out, "0\n");
	jg_free(out);
	/* An UPDATE of every row changes none of A's. */
	snprintf(upd, sizeof(upd), "UPDATE sku SET on_hand = 0, name = 'x'");
	assert_int_equal(t_spawn(update, NULL, NULL), 0);
	/* A row written for A is refused. */
	snprintf(ins, sizeof(ins),
		 "INSERT INTO sku(tenant, code, name, created_at) VALUES ('%s', 'X', 'x', 0)", ta);
	assert_int_not_equal(t_spawn(insert, NULL, NULL), 0);
	/* A session that names no tenant sees nothing at all: it fails. */
	assert_int_not_equal(t_spawn(none, NULL, NULL), 0);
	{
		json_t *j = th_cli(&a, "--json sku list");

		assert_string_equal(t_jstr(j, "skus/0/name"), "Secret");
		assert_int_equal(t_jint(j, "skus/0/on_hand"), 7);
		assert_int_equal(json_array_size(json_object_get(j, "skus")), 1);
		json_decref(j);
	}
	t_check(a.db);
}

/* A role that bypasses row-level security is refused with a clear message. */
static void test_bypassrls_refused(void **state)
{
	const char *file = getenv("JG_TEST_PG_BYPASS_URL_FILE");
	char url[1024] = "";
	FILE *f;
	size_t n;
	t_run r;

	(void)state;
	assert_non_null(file);
	f = fopen(file, "r");
	assert_non_null(f);
	n = fread(url, 1, sizeof(url) - 1, f);
	fclose(f);
	while (n && url[n - 1] == '\n')
		n--;
	url[n] = '\0';
	t_jaego(&r, url, NULL, "sku", "list", NULL);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "BYPASSRLS"));
	t_run_free(&r);
}

static void test_api(void **state)
{
	char *ta, *tb;
	th_resp r;
	json_t *j;

	(void)state;
	t_ok(a.db, "sku add API --name Api --stock 3");
	ta = th_token(&a, "a-admin", "admin");
	tb = th_token(&b, "b-admin", "admin");
	th_start(&a);
	th_start(&b);

	/* Each server answers for its own seller. */
	th_get(&r, &a, ta, "/api/v1/skus");
	j = th_expect(&r, 200);
	assert_int_equal(json_array_size(json_object_get(j, "skus")), 1);
	th_resp_free(&r);
	th_get(&r, &b, tb, "/api/v1/skus");
	j = th_expect(&r, 200);
	assert_int_equal(json_array_size(json_object_get(j, "skus")), 0);
	th_resp_free(&r);

	/* A's token means nothing to B's server. */
	th_get(&r, &b, ta, "/api/v1/skus");
	assert_int_equal(r.status, 401);
	th_resp_free(&r);
	th_post(&r, &b, ta, "/api/v1/skus/API/receive", "{\"qty\":5}");
	assert_int_equal(r.status, 401);
	th_resp_free(&r);

	/* B's own token cannot reach A's SKU. */
	th_post(&r, &b, tb, "/api/v1/skus/API/receive", "{\"qty\":5}");
	assert_int_equal(r.status, 404);
	th_resp_free(&r);
	th_get(&r, &b, tb, "/api/v1/skus/API/history");
	assert_int_equal(r.status, 404);
	th_resp_free(&r);

	th_stop(&a);
	th_stop(&b);
	{
		json_t *k = th_cli(&a, "--json sku list");

		assert_int_equal(t_jint(k, "skus/0/on_hand"), 3);
		json_decref(k);
	}
	jg_free(ta);
	jg_free(tb);
}

/* Four processes at once, each adding 8 orders of bundle X (A then B) and 8 of bundle Y
 * (B then A): every order must count, no process may fail, and check must agree. */
static void test_concurrent_writers(void **state)
{
	char script[4096];
	const char *argv[] = {"sh", "-c", script, NULL};
	char *out = NULL;
	json_t *j;

	(void)state;
	t_ok(a.db, "sku add A --name A --stock 10");
	t_ok(a.db, "sku add B --name B --stock 10");
	t_ok(a.db, "channel add shop");
	t_ok(a.db, "listing map shop X --to A,B*2");
	t_ok(a.db, "listing map shop Y --to B,A*2");
	snprintf(script, sizeof(script),
		 "J='%s'; DB='%s'; pids=;"
		 "for w in 1 2 3 4; do"
		 " (for i in 1 2 3 4 5 6 7 8; do"
		 "   \"$J\" --db \"$DB\" order add shop X$w-$i --product X --qty 1 >/dev/null || exit 1;"
		 "   \"$J\" --db \"$DB\" order add shop Y$w-$i --product Y --qty 1 >/dev/null || exit 1;"
		 "  done) & pids=\"$pids $!\";"
		 "done; st=0; for p in $pids; do wait $p || st=1; done; exit $st",
		 JG_TEST_JAEGO, a.db);
	assert_int_equal(t_spawn(argv, NULL, &out), 0);
	jg_free(out);
	j = th_cli(&a, "--json sku list");
	/* 32 X (1 A, 2 B) and 32 Y (2 A, 1 B): 96 of each committed. */
	assert_int_equal(t_jint(j, "skus/0/committed"), 96);
	assert_int_equal(t_jint(j, "skus/1/committed"), 96);
	json_decref(j);
	t_check(a.db);
}

/* The server drops the store's connection (a restart, a failover): the next operation
 * opens a new one and succeeds; a batch that lost it fails cleanly. */
static void test_reconnect(void **state)
{
	char url[1200], kill[256];
	const char *argv[] = {"psql", "-X", "-q", "-At", "-d", t_pg_url(), "-c", kill, NULL};
	jg_store *s = NULL;
	jg_err err = {0};
	int64_t v = 0;
	char *out = NULL;

	(void)state;
	snprintf(url, sizeof(url), "%s&application_name=jgreconnect%ld", a.db, (long)getpid());
	snprintf(kill, sizeof(kill),
		 "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
		 " WHERE application_name = 'jgreconnect%ld'",
		 (long)getpid());
	assert_int_equal(jg_store_open(&s, url, &err), 0);
	assert_int_equal(jg_sku_add(s, "R", "R", 0, &err), 0);
	assert_int_equal(jg_stock_receive(s, "R", 3, NULL, &err), 0);
	assert_int_equal(t_spawn(argv, NULL, &out), 0);
	assert_string_equal(out, "1\n"); /* the store's connection, dropped */
	jg_free(out);
	th_sleep_ms(200);
	if (jg_stock_receive(s, "R", 2, NULL, &err))
		fail_msg("after the connection was dropped: %s", err.msg);
	assert_int_equal(jg_setting_get(s, "priority_top", &v, &err), 0);
	/* Lost inside a batch: the batch fails, nothing of it stays, the next one works. */
	assert_int_equal(jg_store_begin(s, &err), 0);
	assert_int_equal(jg_stock_receive(s, "R", 100, NULL, &err), 0);
	assert_int_equal(t_spawn(argv, NULL, &out), 0);
	assert_string_equal(out, "1\n"); /* the store's connection, dropped */
	jg_free(out);
	th_sleep_ms(200);
	jg_err_clear(&err);
	assert_int_not_equal(jg_store_commit(s, &err), 0);
	jg_err_clear(&err);
	if (jg_stock_receive(s, "R", 1, NULL, &err))
		fail_msg("after the batch lost its connection: %s", err.msg);
	jg_store_close(s);
	{
		json_t *j = th_cli(&a, "--json sku list");

		assert_int_equal(t_jint(j, "skus/0/on_hand"), 6);
		json_decref(j);
	}
	t_check(a.db);
}

typedef struct sse_read {
	jg_buf b;
	int events;
} sse_read;

static size_t on_sse(char *p, size_t size, size_t n, void *payload)
{
	sse_read *s = payload;

	jg_buf_append(&s->b, p, size * n);
	s->events = 0;
	for (const char *q = jg_buf_str(&s->b); (q = strstr(q, "event: changed")); q++)
		s->events++;
	return size * n;
}

/* A commit by another connection (here the CLI; as well another server) reaches the live
 * view of a server on the same seller (LISTEN/NOTIFY); one by another seller does not. */
static void test_events_across_connections(void **state)
{
	sse_read s = {0};
	char url[128], auth[160], *tok;
	struct curl_slist *hl = NULL;
	CURL *c;
	CURLM *m;
	int running = 1, step = 0;

	(void)state;
	t_ok(a.db, "sku add E --name E");
	t_ok(b.db, "sku add E --name E");
	tok = th_token(&a, "viewer", "viewer");
	th_start(&a);
	jg_buf_init(&s.b, 1u << 20);
	snprintf(url, sizeof(url), "%s/api/v1/events", a.base);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	c = curl_easy_init();
	hl = curl_slist_append(hl, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	m = curl_multi_init();
	curl_multi_add_handle(m, c);
	for (int i = 0; i < 600 && running && s.events < 2; i++) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 25, NULL);
		if (s.events == 1 && step == 0) {
			/* Seller B's commit: no event on A's server. */
			t_ok(b.db, "stock receive E 1");
			step = 1;
			i = 0;
		} else if (s.events == 1 && step == 1 && i == 40) {
			t_ok(a.db, "stock receive E 1");
			step = 2;
		}
	}
	assert_int_equal(step, 2); /* B's commit made no event within a second */
	assert_int_equal(s.events, 2);
	curl_multi_remove_handle(m, c);
	curl_easy_cleanup(c);
	curl_multi_cleanup(m);
	curl_slist_free_all(hl);
	jg_buf_free(&s.b);
	th_stop(&a);
	jg_free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sql_without_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bypassrls_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_across_connections, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
