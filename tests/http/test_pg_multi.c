/* SPDX-License-Identifier: MIT */
/*
 * Three `jaego serve` processes on one PostgreSQL database, one seller (tenant): what a
 * load balancer in front of several servers does. Run only against the test cluster
 * (JG_TEST_DB=postgres, tests/support/pg.sh); when that cannot start, this test FAILS.
 *
 * 1. The last units. A SKU with 5 units is listed on 10 channels; 18 clients, six on each
 *    server, post single-line orders for it at the same moment through
 *    POST /api/v1/channels/{name}/orders. Every server commits its own groups, and the
 *    seller's writes queue on one lock whichever server makes them: every acknowledged
 *    line is stored, exactly 5 lines are covered and every other is oversold by its unit,
 *    every listing shows 0, and `jaego check` passes.
 * 2. Bundles sharing components. Two bundles made of the same two SKUs in opposite order
 *    (A+B and B+A) are ordered at once on different servers: no request fails (no deadlock
 *    surfaces), committed stock adds up, check passes.
 * The figures (requests, lines, wall time) go to stderr for docs/scaling.md.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "client.h"

#define SERVERS  3
#define CLIENTS  18 /* six per server */
#define CHANNELS 10
#define STOCK    5

typedef struct shop {
	char *dir, *db, *token;
	th_server s[SERVERS];
} shop;

typedef struct client {
	shop *sh;
	pthread_barrier_t *start;
	int id, lines;
	const char *product; /* product id */
	bool alternate;      /* ... followed by 0 or 1, alternating line by line */
	const char *tag;     /* line id prefix */
	int acked, failed;
	long last_status;
	char last_body[256];
	char acked_key[64][48];
} client;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* A PostgreSQL database for one seller, initialised, and three servers on it (started by
 * start_all). */
static void shop_init(shop *p)
{
	t_run r;

	memset(p, 0, sizeof(*p));
	assert_true(t_pg()); /* never silently SQLite */
	p->dir = t_tmpdir();
	p->db = t_db(p->dir, "multi");
	t_jaego(&r, p->db, NULL, "init", NULL);
	T_OK(&r);
	t_run_free(&r);
	for (int i = 0; i < SERVERS; i++) {
		char name[32];

		p->s[i].dir = t_tmpdir();
		p->s[i].db = jg_strdup(p->db);
		snprintf(name, sizeof(name), "serve%d.log", i);
		p->s[i].log = t_path(p->dir, name);
	}
}

static void start_all(shop *p)
{
	t_run r;

	t_jaegof(&r, p->db, "--json token create loader --role operator");
	T_OK(&r);
	p->token = jg_strdup(t_jstr(r.json, "token"));
	t_run_free(&r);
	for (int i = 0; i < SERVERS; i++)
		th_start(&p->s[i]);
}

static void shop_free(shop *p)
{
	for (int i = 0; i < SERVERS; i++)
		th_stop(&p->s[i]); /* SIGTERM: each must exit 0 (sanitizers) */
	for (int i = 0; i < SERVERS; i++)
		th_free(&p->s[i]);
	t_rmdir(p->dir);
	jg_free(p->dir);
	jg_free(p->db);
	jg_free(p->token);
}

static void *client_main(void *arg)
{
	client *c = arg;
	th_server *srv = &c->sh->s[c->id % SERVERS];

	pthread_barrier_wait(c->start);
	for (int line = 0; line < c->lines; line++) {
		char path[64], body[512], channel[16], pid[64], lid[32];
		th_resp r;

		snprintf(channel, sizeof(channel), "ch%d", (c->id + line) % CHANNELS);
		snprintf(path, sizeof(path), "/api/v1/channels/%s/orders", channel);
		if (c->alternate)
			snprintf(pid, sizeof(pid), "%s%d", c->product, (c->id + line) % 2);
		else
			snprintf(pid, sizeof(pid), "%s", c->product);
		snprintf(lid, sizeof(lid), "%s%d-%d", c->tag, c->id, line);
		snprintf(body, sizeof(body),
			 "{\"lines\":[{\"line_id\":\"%s\",\"product_id\":\"%s\",\"qty\":1}]}", lid,
			 pid);
		th_post(&r, srv, c->sh->token, path, body);
		c->last_status = r.status;
		if (r.status >= 200 && r.status < 300) {
			snprintf(c->acked_key[c->acked++], sizeof(c->acked_key[0]), "%s/%s", channel,
				 lid);
		} else {
			c->failed++;
			snprintf(c->last_body, sizeof(c->last_body), "%s", r.body ? r.body : "");
		}
		th_resp_free(&r);
	}
	return NULL;
}

/* Runs CLIENTS clients of `lines` lines each, all released at once; returns wall ms. */
static double run_clients(shop *p, client *cl, int lines, const char *product, bool alternate,
			  const char *tag)
{
	pthread_barrier_t start;
	pthread_t th[CLIENTS];
	double t0;

	pthread_barrier_init(&start, NULL, CLIENTS + 1);
	for (int i = 0; i < CLIENTS; i++) {
		memset(&cl[i], 0, sizeof(cl[i]));
		cl[i].sh = p;
		cl[i].start = &start;
		cl[i].id = i;
		cl[i].lines = lines;
		cl[i].product = product;
		cl[i].alternate = alternate;
		cl[i].tag = tag;
		assert_int_equal(pthread_create(&th[i], NULL, client_main, &cl[i]), 0);
	}
	pthread_barrier_wait(&start);
	t0 = now_ms();
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < CLIENTS; i++)
		if (cl[i].failed)
			fail_msg("client %d (server %d): %d requests failed, last HTTP %ld: %s", i,
				 i % SERVERS, cl[i].failed, cl[i].last_status, cl[i].last_body);
	return now_ms() - t0;
}

/* Every order line as the CLI sees it on the database: "channel/line_id" -> oversold_by. */
static json_t *lines_in_db(shop *p)
{
	json_t *all = json_object(), *o;
	t_run r;
	size_t i;

	t_jaegof(&r, p->db, "--json order list");
	T_OK(&r);
	json_array_foreach(json_object_get(r.json, "orders"), i, o)
	{
		char key[64];

		snprintf(key, sizeof(key), "%s/%s", t_jstr(o, "channel"), t_jstr(o, "line_id"));
		json_object_set_new(all, key, json_integer(t_jint(o, "oversold_by")));
	}
	t_run_free(&r);
	return all;
}

static void assert_acked_stored(client *cl, json_t *all)
{
	for (int i = 0; i < CLIENTS; i++)
		for (int k = 0; k < cl[i].acked; k++)
			if (!json_object_get(all, cl[i].acked_key[k]))
				fail_msg("line %s was acknowledged by server %d but is not stored",
					 cl[i].acked_key[k], i % SERVERS);
}

static void test_last_units_three_servers(void **state)
{
	const int lines = 4;
	client cl[CLIENTS];
	json_t *all, *v;
	const char *key;
	int64_t covered = 0, oversold = 0;
	double ms;
	shop p;
	t_run r;
	size_t i;
	(void)state;

	shop_init(&p);
	t_ok(p.db, "sku add S --name S --stock %d", STOCK);
	for (int c = 0; c < CHANNELS; c++) {
		t_ok(p.db, "channel add ch%d", c);
		t_ok(p.db, "listing map ch%d P --to S", c);
	}
	start_all(&p);
	ms = run_clients(&p, cl, lines, "P", false, "u");

	all = lines_in_db(&p);
	assert_int_equal(json_object_size(all), CLIENTS * lines);
	assert_acked_stored(cl, all);
	json_object_foreach(all, key, v)
	{
		if (json_integer_value(v) == 0)
			covered++;
		else if (json_integer_value(v) == 1)
			oversold++;
		else
			fail_msg("line %s oversold by %lld", key, (long long)json_integer_value(v));
	}
	assert_int_equal(covered, STOCK);
	assert_int_equal(oversold, CLIENTS * lines - STOCK);
	json_decref(all);

	t_jaegof(&r, p.db, "--json listing list");
	T_OK(&r);
	json_array_foreach(json_object_get(r.json, "listings"), i, v)
		assert_int_equal(t_jint(v, "listed"), 0);
	t_run_free(&r);
	t_jaegof(&r, p.db, "--json stock show S");
	T_OK(&r);
	assert_int_equal(t_jint(r.json, "skus/0/committed"), CLIENTS * lines);
	assert_int_equal(t_jint(r.json, "skus/0/available"), STOCK - CLIENTS * lines);
	t_run_free(&r);
	fprintf(stderr,
		"three servers, one tenant: %d clients posted %d single-line orders in %.0f ms"
		" (%.0f lines/s); %lld covered, %lld oversold\n",
		CLIENTS, CLIENTS * lines, ms, CLIENTS * lines * 1000.0 / ms, (long long)covered,
		(long long)oversold);
	t_check(p.db);
	shop_free(&p);
}

static void test_bundles_no_deadlock(void **state)
{
	const int lines = 6;
	client cl[CLIENTS];
	json_t *all;
	double ms;
	shop p;
	t_run r;
	(void)state;

	shop_init(&p);
	t_ok(p.db, "sku add A --name A --stock 20");
	t_ok(p.db, "sku add B --name B --stock 20");
	for (int c = 0; c < CHANNELS; c++) {
		t_ok(p.db, "channel add ch%d", c);
		/* The same two SKUs, in opposite order: a lock per SKU taken in recipe order
		 * would deadlock here. */
		t_ok(p.db, "listing map ch%d BUNDLE0 --to A,B", c);
		t_ok(p.db, "listing map ch%d BUNDLE1 --to B*2,A", c);
	}
	start_all(&p);
	ms = run_clients(&p, cl, lines, "BUNDLE", true, "b");

	all = lines_in_db(&p);
	assert_int_equal(json_object_size(all), CLIENTS * lines);
	assert_acked_stored(cl, all);
	json_decref(all);
	/* Lines alternate BUNDLE0 (A+B) and BUNDLE1 (2B+A): half of each. */
	t_jaegof(&r, p.db, "--json stock show A B");
	T_OK(&r);
	assert_int_equal(t_jint(r.json, "skus/0/committed"), CLIENTS * lines);
	assert_int_equal(t_jint(r.json, "skus/1/committed"), CLIENTS * lines / 2 * 3);
	t_run_free(&r);
	fprintf(stderr,
		"three servers, bundles sharing components: %d lines in %.0f ms, no failure\n",
		CLIENTS * lines, ms);
	t_check(p.db);
	shop_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_units_three_servers),
		cmocka_unit_test(test_bundles_no_deadlock),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
