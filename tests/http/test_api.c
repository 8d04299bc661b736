/* SPDX-License-Identifier: MIT */
/*
 * The HTTP API of docs/api.md over real HTTP: every endpoint once with the role it needs;
 * authentication and roles (401 without credentials, 403 for a viewer's write and an
 * operator's user management), sessions with their CSRF token, the login rate limit;
 * strict bodies (unknown fields, wrong types, fractions, negatives, oversized and deep
 * documents are 4xx and change nothing); idempotent order intake. Each test starts its own
 * `jaego serve` on a free port with a fresh database and stops it with SIGTERM, so the
 * sanitizers also check the server's shutdown.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "client.h"

typedef struct fixture {
	th_server s;
	char *admin, *op, *viewer;
} fixture;

/* A shop: SKUs A (5 units) and B (10), channels coupang and smartstore, listings of A on
 * both and of B on coupang; tokens for each role. */
static void setup(fixture *f)
{
	json_t *j;

	th_init(&f->s);
	j = th_cli(&f->s, "sku add A --name A\x1fshirt --stock 5");
	json_decref(j);
	json_decref(th_cli(&f->s, "sku add B --name B --stock 10"));
	json_decref(th_cli(&f->s, "channel add coupang"));
	json_decref(th_cli(&f->s, "channel add smartstore"));
	json_decref(th_cli(&f->s, "listing map coupang P-A --to A"));
	json_decref(th_cli(&f->s, "listing map smartstore S-A --to A"));
	json_decref(th_cli(&f->s, "listing map coupang P-B --to B"));
	f->admin = th_token(&f->s, "admin-script", "admin");
	f->op = th_token(&f->s, "op-script", "operator");
	f->viewer = th_token(&f->s, "viewer-script", "viewer");
	th_start(&f->s);
}

static void teardown(fixture *f)
{
	th_stop(&f->s);
	t_check(f->s.db);
	th_free(&f->s);
	jg_free(f->admin);
	jg_free(f->op);
	jg_free(f->viewer);
}

/* Polls import job `job` until it is done or failed (10 s at most); *r holds its last
 * answer, whose JSON is returned. */
static json_t *wait_job(th_resp *r, fixture *f, const char *job)
{
	char path[256];
	json_t *j = NULL;

	snprintf(path, sizeof(path), "/api/v1/jobs/%s", job);
	for (int i = 0; i < 500; i++) {
		const char *state;

		th_get(r, &f->s, f->viewer, path);
		j = th_expect(r, 200);
		state = t_jstr(j, "state");
		if (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0)
			break;
		th_resp_free(r);
		th_sleep_ms(20);
	}
	return j;
}

/* The stored state of SKU `code` via the API. */
static int64_t sku_field(fixture *f, const char *code, const char *field)
{
	th_resp r;
	char path[256];
	json_t *skus;
	int64_t v = -999;
	size_t i;
	json_t *k;

	snprintf(path, sizeof(path), "/api/v1/skus?q=%s&limit=1000", code);
	th_get(&r, &f->s, f->viewer, path);
	skus = json_object_get(th_expect(&r, 200), "skus");
	json_array_foreach(skus, i, k)
	{
		if (strcmp(json_string_value(json_object_get(k, "sku")), code) == 0)
			v = json_integer_value(json_object_get(k, field));
	}
	th_resp_free(&r);
	return v;
}

static int64_t total_orders(fixture *f)
{
	th_resp r;
	int64_t n;

	th_get(&r, &f->s, f->viewer, "/api/v1/orders?limit=1");
	n = t_jint(th_expect(&r, 200), "total");
	th_resp_free(&r);
	return n;
}

/* POST with a bearer token; asserts the status; returns nothing. */
static void post_expect(fixture *f, const char *token, const char *path, const char *body,
			long status)
{
	th_resp r;

	th_post(&r, &f->s, token, path, body);
	th_expect(&r, status);
	th_resp_free(&r);
}

/* ---- every endpoint -------------------------------------------------------------------------- */

static void test_endpoints(void **state)
{
	fixture f;
	th_resp r;
	json_t *j;
	char path[256], job[32];
	(void)state;

	setup(&f);
	/* health, me, the dashboard */
	th_get(&r, &f.s, NULL, "/api/v1/health");
	assert_true(json_is_true(json_object_get(th_expect(&r, 200), "ok")));
	assert_true(th_header(&r, "X-Request-Id", path, sizeof(path)));
	th_resp_free(&r);
	th_get(&r, &f.s, f.op, "/api/v1/me");
	assert_string_equal(t_jstr(th_expect(&r, 200), "role"), "operator");
	th_resp_free(&r);
	th_get(&r, &f.s, NULL, "/");
	th_expect(&r, 200);
	assert_non_null(strstr(r.body, "<html"));
	th_resp_free(&r);

	/* SKUs */
	th_get(&r, &f.s, f.viewer, "/api/v1/skus?limit=1&offset=1");
	j = th_expect(&r, 200);
	assert_int_equal(t_jint(j, "total"), 2);
	assert_string_equal(t_jstr(j, "skus/0/sku"), "B");
	assert_int_equal(t_jint(j, "skus/0/listed/coupang"), 10);
	th_resp_free(&r);
	th_post(&r, &f.s, f.op, "/api/v1/skus",
		"{\"sku\":\"C\",\"name\":\"머그\",\"stock\":3,\"safety\":1,\"low_stock\":1}");
	j = th_expect(&r, 201);
	assert_int_equal(t_jint(j, "on_hand"), 3);
	assert_int_equal(t_jint(j, "low_stock"), 1);
	th_resp_free(&r);
	post_expect(&f, f.op, "/api/v1/skus", "{\"sku\":\"C\",\"name\":\"again\"}", 409);
	th_req(&r, &f.s, "PATCH", "/api/v1/skus/C", f.op, "{\"safety\":0,\"name\":\"큰 머그\"}",
	       (size_t)-1, NULL);
	assert_int_equal(t_jint(th_expect(&r, 200), "safety"), 0);
	th_resp_free(&r);
	th_post(&r, &f.s, f.op, "/api/v1/skus/C/receive", "{\"qty\":2,\"note\":\"입고\"}");
	assert_int_equal(t_jint(th_expect(&r, 200), "delta"), 2);
	th_resp_free(&r);
	th_post(&r, &f.s, f.op, "/api/v1/skus/C/adjust", "{\"delta\":-1,\"reason\":\"broken\"}");
	assert_int_equal(t_jint(th_expect(&r, 200), "delta"), -1);
	th_resp_free(&r);
	th_post(&r, &f.s, f.op, "/api/v1/skus/C/count", "{\"qty\":7}");
	assert_int_equal(t_jint(th_expect(&r, 200), "delta"), 3);
	th_resp_free(&r);
	assert_int_equal(sku_field(&f, "C", "on_hand"), 7);
	th_get(&r, &f.s, f.viewer, "/api/v1/skus/C/history");
	assert_int_equal(json_array_size(json_object_get(th_expect(&r, 200), "history")), 4);
	th_resp_free(&r);
	post_expect(&f, f.op, "/api/v1/skus/NOPE/receive", "{\"qty\":1}", 404);

	/* channels, rules, preview, settings */
	th_get(&r, &f.s, f.viewer, "/api/v1/channels");
	assert_int_equal(json_array_size(json_object_get(th_expect(&r, 200), "channels")), 2);
	th_resp_free(&r);
	th_post(&r, &f.s, f.op, "/api/v1/channels", "{\"name\":\"11st\",\"profile\":\"generic\"}");
	assert_string_equal(t_jstr(th_expect(&r, 201), "channel"), "11st");
	th_resp_free(&r);
	post_expect(&f, f.op, "/api/v1/channels", "{\"name\":\"x\",\"profile\":\"nope\"}", 400);
	th_req(&r, &f.s, "PATCH", "/api/v1/channels/coupang", f.op, "{\"profile\":\"nope\"}",
	       (size_t)-1, NULL);
	th_expect(&r, 400);
	th_resp_free(&r);
	th_post(&r, &f.s, f.viewer, "/api/v1/channels/coupang/preview", "{\"max\":2}");
	j = th_expect(&r, 200);
	assert_int_equal(t_jint(j, "listings/0/listed"), 5);
	assert_int_equal(t_jint(j, "listings/0/would_list"), 2);
	th_resp_free(&r);
	th_req(&r, &f.s, "PATCH", "/api/v1/channels/coupang", f.op,
	       "{\"buffer\":1,\"max\":null,\"profile\":\"generic\"}", (size_t)-1, NULL);
	assert_int_equal(t_jint(th_expect(&r, 200), "buffer"), 1);
	assert_true(json_is_null(json_object_get(r.json, "max")));
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/skus/A/why?channel=coupang");
	j = th_expect(&r, 200);
	assert_string_equal(t_jstr(j, "listings/0/limited_by"), "buffer:A");
	assert_int_equal(t_jint(j, "listings/0/listed"), 4);
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/settings");
	assert_int_equal(t_jint(th_expect(&r, 200), "priority_top"), 1);
	th_resp_free(&r);
	th_req(&r, &f.s, "PATCH", "/api/v1/settings", f.op, "{\"priority_top\":2}", (size_t)-1,
	       NULL);
	assert_int_equal(t_jint(th_expect(&r, 200), "priority_top"), 2);
	th_resp_free(&r);

	/* listings */
	th_post(&r, &f.s, f.op, "/api/v1/listings",
		"{\"channel\":\"11st\",\"product_id\":\"E-SET\",\"recipe\":[{\"sku\":\"A\",\"qty\":"
		"1},"
		"{\"sku\":\"C\",\"qty\":2}]}");
	assert_true(json_is_true(json_object_get(th_expect(&r, 201), "created")));
	th_resp_free(&r);
	th_post(&r, &f.s, f.op, "/api/v1/listings",
		"{\"channel\":\"11st\",\"product_id\":\"E-SET\",\"recipe\":\"A,C*3\"}");
	assert_true(json_is_false(json_object_get(th_expect(&r, 200), "created")));
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/listings?channel=11st");
	j = th_expect(&r, 200);
	assert_int_equal(t_jint(j, "total"), 1);
	assert_int_equal(t_jint(j, "listings/0/recipe/1/qty"), 3);
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/listings?channel=nope");
	th_expect(&r, 404);
	th_resp_free(&r);

	/* orders: one by hand, intake, ship, cancel, return, queues */
	th_post(&r, &f.s, f.op, "/api/v1/orders",
		"{\"channel\":\"coupang\",\"line_id\":\"L1\",\"product_id\":\"P-A\",\"qty\":2,"
		"\"order_no\":\"O1\",\"ordered_at\":\"2026-11-29 10:00\"}");
	j = th_expect(&r, 201);
	assert_string_equal(t_jstr(j, "outcome"), "new");
	assert_true(json_is_true(json_object_get(j, "matched")));
	th_resp_free(&r);
	th_post(&r, &f.s, f.op, "/api/v1/channels/smartstore/orders",
		"{\"lines\":[{\"line_id\":\"S1\",\"product_id\":\"S-A\",\"qty\":1},"
		"{\"line_id\":\"S2\",\"product_id\":\"UNKNOWN\",\"option\":\"색상: "
		"빨강\",\"qty\":1},"
		"{\"line_id\":\"S3\",\"product_id\":\"S-A\",\"qty\":1,\"status\":\"cancelled\"}]}");
	j = th_expect(&r, 200);
	assert_int_equal(json_array_size(json_object_get(j, "lines")), 3);
	assert_true(json_is_false(
		json_object_get(json_array_get(json_object_get(j, "lines"), 1), "matched")));
	th_resp_free(&r);
	assert_int_equal(sku_field(&f, "A", "committed"), 3);
	th_post(&r, &f.s, f.op, "/api/v1/orders/coupang/L1/ship",
		"{\"courier\":\"CJ대한통운\",\"tracking\":\"612345678901\"}");
	assert_string_equal(t_jstr(th_expect(&r, 200), "status"), "shipped");
	th_resp_free(&r);
	post_expect(&f, f.op, "/api/v1/orders/coupang/L1/cancel", NULL, 409);
	post_expect(&f, f.op, "/api/v1/orders/coupang/L1/return", "{\"restock\":true}", 200);
	post_expect(&f, f.op, "/api/v1/orders/smartstore/S1/cancel", NULL, 200);
	post_expect(&f, f.op, "/api/v1/orders/smartstore/NOPE/cancel", NULL, 404);
	assert_int_equal(sku_field(&f, "A", "on_hand"), 5);
	assert_int_equal(sku_field(&f, "A", "committed"), 0);
	th_get(&r, &f.s, f.viewer, "/api/v1/orders?status=returned");
	assert_int_equal(t_jint(th_expect(&r, 200), "total"), 1);
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer,
	       "/api/v1/orders?channel=smartstore&q=S&from=2020-01-01&to=2099-12-31");
	assert_int_equal(t_jint(th_expect(&r, 200), "total"), 3);
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/unmatched");
	j = th_expect(&r, 200);
	assert_int_equal(json_array_size(json_object_get(j, "groups")), 1);
	assert_string_equal(t_jstr(j, "groups/0/product_id"), "UNKNOWN");
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/oversold");
	assert_int_equal(json_array_size(json_object_get(th_expect(&r, 200), "orders")), 0);
	th_resp_free(&r);

	/* imports as jobs */
	{
		const char csv[] = "line_id,product_id,qty\nF1,P-B,2\nF2,P-B,1\n";
		const char *const hdr[] = {"Content-Type: text/csv", NULL};

		th_req(&r, &f.s, "POST", "/api/v1/imports?filename=orders.csv&channel=coupang",
		       f.op, csv, sizeof(csv) - 1, hdr);
		snprintf(job, sizeof(job), "%s", t_jstr(th_expect(&r, 202), "job"));
		th_resp_free(&r);
		j = wait_job(&r, &f, job);
		assert_string_equal(t_jstr(j, "state"), "done");
		assert_int_equal(t_jint(j, "result/new"), 2);
		assert_string_equal(t_jstr(j, "result/file"), "orders.csv");
		assert_true(t_jint(j, "rows_total") >= 3);
		th_resp_free(&r);
		assert_int_equal(sku_field(&f, "B", "committed"), 3);

		/* A file that cannot be read fails its job with a message naming the upload by
		 * its own name, never the server's temporary file. */
		th_req(&r, &f.s, "POST", "/api/v1/imports?filename=%EC%A3%BC%EB%AC%B8.xlsx", f.op,
		       "PK\003\004garbage", 11, NULL);
		snprintf(job, sizeof(job), "%s", t_jstr(th_expect(&r, 202), "job"));
		th_resp_free(&r);
		j = wait_job(&r, &f, job);
		assert_string_equal(t_jstr(j, "state"), "failed");
		assert_non_null(strstr(t_jstr(j, "error"), "주문.xlsx: "));
		assert_null(strstr(t_jstr(j, "error"), "upload-"));
		assert_null(strstr(t_jstr(j, "error"), "/tmp"));
		th_resp_free(&r);

		th_req(&r, &f.s, "POST", "/api/v1/imports?filename=x.csv&channel=nope", f.op, csv,
		       sizeof(csv) - 1, hdr);
		th_expect(&r, 404);
		th_resp_free(&r);
		th_get(&r, &f.s, f.viewer, "/api/v1/jobs/999");
		th_expect(&r, 404);
		th_resp_free(&r);
	}

	/* profiles */
	th_get(&r, &f.s, f.viewer, "/api/v1/profiles");
	assert_true(json_array_size(json_object_get(th_expect(&r, 200), "profiles")) > 5);
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/profiles/generic");
	assert_string_equal(t_jstr(th_expect(&r, 200), "name"), "generic");
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/profiles/generic");
	{
		/* Add the generic profile again under another name, then remove it. */
		json_t *doc = json_deep_copy(r.json);
		char *text;

		json_object_set_new(doc, "name", json_string("my-mall"));
		text = json_dumps(doc, 0);
		json_decref(doc);
		th_resp_free(&r);
		post_expect(&f, f.op, "/api/v1/profiles", text, 201);
		post_expect(&f, f.op, "/api/v1/profiles", text, 409);
		jg_free(text);
	}
	th_req(&r, &f.s, "DELETE", "/api/v1/profiles/my-mall", f.op, NULL, 0, NULL);
	th_expect(&r, 200);
	th_resp_free(&r);

	/* telling channels */
	th_get(&r, &f.s, f.viewer, "/api/v1/sync/plan?force_raise=1");
	assert_true(json_array_size(json_object_get(th_expect(&r, 200), "plan")) > 0);
	th_resp_free(&r);
	th_post(&r, &f.s, f.op, "/api/v1/sync/export", "{\"channel\":\"coupang\",\"mark\":false}");
	j = th_expect(&r, 200);
	assert_int_equal(json_array_size(json_object_get(j, "files")), 1);
	snprintf(path, sizeof(path), "/api/v1/sync/files/%s", t_jstr(j, "files/0/id"));
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, path);
	th_expect(&r, 200);
	{
		/* Upload the exported file back as the one the seller uploaded. */
		char *file = jg_strndup(r.body, strlen(r.body));
		const char *const hdr[] = {"Content-Type: text/csv", NULL};

		th_resp_free(&r);
		th_req(&r, &f.s, "POST", "/api/v1/sync/mark?channel=coupang&filename=up.csv", f.op,
		       file, strlen(file), hdr);
		jg_free(file);
	}
	assert_true(t_jint(th_expect(&r, 200), "marked") > 0);
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/sync/status");
	assert_int_equal(json_array_size(json_object_get(th_expect(&r, 200), "channels")), 3);
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/check");
	assert_true(json_is_true(json_object_get(th_expect(&r, 200), "ok")));
	th_resp_free(&r);

	/* users, tokens, audit */
	post_expect(&f, f.admin, "/api/v1/users",
		    "{\"name\":\"kim\",\"role\":\"operator\",\"password\":\"correct horse\"}", 201);
	th_get(&r, &f.s, f.admin, "/api/v1/users");
	assert_string_equal(t_jstr(th_expect(&r, 200), "users/0/name"), "kim");
	th_resp_free(&r);
	th_post(&r, &f.s, f.admin, "/api/v1/tokens", "{\"name\":\"robot\",\"role\":\"viewer\"}");
	{
		char tok[128];

		snprintf(tok, sizeof(tok), "%s", t_jstr(th_expect(&r, 201), "token"));
		th_resp_free(&r);
		th_get(&r, &f.s, tok, "/api/v1/me");
		assert_string_equal(t_jstr(th_expect(&r, 200), "user"), "robot");
		th_resp_free(&r);
	}
	th_get(&r, &f.s, f.admin, "/api/v1/tokens");
	assert_int_equal(json_array_size(json_object_get(th_expect(&r, 200), "tokens")), 4);
	th_resp_free(&r);
	th_get(&r, &f.s, f.admin, "/api/v1/audit?limit=1000");
	j = th_expect(&r, 200);
	assert_true(json_array_size(json_object_get(j, "audit")) >= 20);
	th_resp_free(&r);
	teardown(&f);
}

/* ---- server-sent events -----------------------------------------------------------------------
 */

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

static void test_events(void **state)
{
	fixture f;
	CURL *c;
	sse_read s = {0};
	char url[128], auth[160];
	struct curl_slist *hl = NULL;
	CURLM *m;
	int running = 1, posted = 0;
	(void)state;

	setup(&f);
	jg_buf_init(&s.b, 1u << 20);
	snprintf(url, sizeof(url), "%s/api/v1/events", f.s.base);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", f.viewer);
	c = curl_easy_init();
	hl = curl_slist_append(hl, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	m = curl_multi_init();
	curl_multi_add_handle(m, c);
	/* The first event comes at once; a write makes a second with a higher version. */
	for (int i = 0; i < 400 && running && s.events < 2; i++) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 25, NULL);
		if (s.events == 1 && !posted) {
			post_expect(&f, f.op, "/api/v1/skus/A/receive", "{\"qty\":1}", 200);
			posted = 1;
		}
	}
	assert_int_equal(s.events, 2);
	{
		const char *first = strstr(jg_buf_str(&s.b), "\"version\":");
		const char *second = first ? strstr(first + 1, "\"version\":") : NULL;
		int64_t a, b;

		assert_non_null(second);
		a = strtoll(first + 10, NULL, 10);
		b = strtoll(second + 10, NULL, 10);
		assert_true(b > a);
	}
	curl_multi_remove_handle(m, c);
	curl_easy_cleanup(c);
	curl_multi_cleanup(m);
	curl_slist_free_all(hl);
	jg_buf_free(&s.b);
	teardown(&f);
}

/* ---- access ------------------------------------------------------------------------------------
 */

static void login(fixture *f, const char *user, const char *pw, char *cookie, size_t cn, char *csrf,
		  size_t sn)
{
	th_resp r;
	char body[256], set[512];

	snprintf(body, sizeof(body), "{\"user\":\"%s\",\"password\":\"%s\"}", user, pw);
	th_post(&r, &f->s, NULL, "/api/v1/login", body);
	th_expect(&r, 200);
	assert_true(th_header(&r, "Set-Cookie", set, sizeof(set)));
	assert_non_null(strstr(set, "HttpOnly"));
	assert_non_null(strstr(set, "SameSite=Strict"));
	*strchr(set, ';') = '\0';
	snprintf(cookie, cn, "Cookie: %s", set);
	snprintf(csrf, sn, "X-CSRF-Token: %s", t_jstr(r.json, "csrf"));
	th_resp_free(&r);
}

static void test_auth(void **state)
{
	fixture f;
	th_resp r;
	char cookie[256], csrf[256];
	t_run run;
	(void)state;

	setup(&f);
	/* No credentials, a bad token. */
	th_get(&r, &f.s, NULL, "/api/v1/skus");
	th_expect(&r, 401);
	assert_string_equal(t_jstr(r.json, "error/code"), "unauthorized");
	th_resp_free(&r);
	th_get(&r, &f.s, "0000000000000000000000000000000000000000000000000000000000000000",
	       "/api/v1/skus");
	th_expect(&r, 401);
	th_resp_free(&r);
	post_expect(&f, NULL, "/api/v1/skus/A/receive", "{\"qty\":1}", 401);
	/* Roles. */
	post_expect(&f, f.viewer, "/api/v1/skus/A/receive", "{\"qty\":1}", 403);
	post_expect(&f, f.viewer, "/api/v1/channels/coupang/orders",
		    "{\"lines\":[{\"line_id\":\"V1\",\"product_id\":\"P-A\",\"qty\":1}]}", 403);
	post_expect(&f, f.op, "/api/v1/users",
		    "{\"name\":\"x\",\"role\":\"admin\",\"password\":\"12345678\"}", 403);
	post_expect(&f, f.op, "/api/v1/tokens", "{\"name\":\"x\",\"role\":\"admin\"}", 403);
	th_get(&r, &f.s, f.op, "/api/v1/audit");
	th_expect(&r, 403);
	th_resp_free(&r);
	assert_int_equal(sku_field(&f, "A", "on_hand"), 5);
	assert_int_equal(total_orders(&f), 0);

	/* Sessions: a user made with the CLI (password on stdin) logs in. */
	t_jaego(&run, f.s.db, "operator-pw-1\n", "user", "add", "lee", "--role", "operator", NULL);
	T_OK(&run);
	t_run_free(&run);
	login(&f, "lee", "operator-pw-1", cookie, sizeof(cookie), csrf, sizeof(csrf));
	{
		const char *only_cookie[] = {cookie, NULL};
		const char *both[] = {cookie, csrf, NULL};
		const char *wrong[] = {cookie, "X-CSRF-Token: 00", NULL};

		th_req(&r, &f.s, "GET", "/api/v1/me", NULL, NULL, 0, only_cookie);
		assert_string_equal(t_jstr(th_expect(&r, 200), "user"), "lee");
		assert_string_equal(t_jstr(r.json, "via"), "session");
		th_resp_free(&r);
		/* A cookie write without (or with a wrong) CSRF token is refused. */
		th_req(&r, &f.s, "POST", "/api/v1/skus/A/receive", NULL, "{\"qty\":1}", (size_t)-1,
		       only_cookie);
		th_expect(&r, 403);
		th_resp_free(&r);
		th_req(&r, &f.s, "POST", "/api/v1/skus/A/receive", NULL, "{\"qty\":1}", (size_t)-1,
		       wrong);
		th_expect(&r, 403);
		th_resp_free(&r);
		assert_int_equal(sku_field(&f, "A", "on_hand"), 5);
		th_req(&r, &f.s, "POST", "/api/v1/skus/A/receive", NULL, "{\"qty\":1}", (size_t)-1,
		       both);
		th_expect(&r, 200);
		th_resp_free(&r);
		assert_int_equal(sku_field(&f, "A", "on_hand"), 6);
		/* Logout ends the session. */
		th_req(&r, &f.s, "POST", "/api/v1/logout", NULL, "{}", (size_t)-1, both);
		th_expect(&r, 200);
		th_resp_free(&r);
		th_req(&r, &f.s, "GET", "/api/v1/me", NULL, NULL, 0, only_cookie);
		th_expect(&r, 401);
		th_resp_free(&r);
	}
	/* Failed logins: five a minute, then 429 even with the right password. */
	for (int i = 0; i < 5; i++)
		post_expect(&f, NULL, "/api/v1/login",
			    "{\"user\":\"lee\",\"password\":\"wrong-pw\"}", 401);
	post_expect(&f, NULL, "/api/v1/login", "{\"user\":\"lee\",\"password\":\"operator-pw-1\"}",
		    429);
	post_expect(&f, NULL, "/api/v1/login", "{\"user\":\"nobody\",\"password\":\"whatever1\"}",
		    429); /* the address is blocked too */
	/* Every write is in the audit log, refused ones included. A refused request's entry
	 * is written after its answer, so give the writer a moment. */
	for (int tries = 0;; tries++) {
		json_t *a, *e;
		size_t i;
		int forbidden = 0, ok = 0, failed_login = 0, limited = 0;

		th_get(&r, &f.s, f.admin, "/api/v1/audit?limit=1000");
		a = json_object_get(th_expect(&r, 200), "audit");
		json_array_foreach(a, i, e)
		{
			int64_t st = json_integer_value(json_object_get(e, "status"));
			const char *p = json_string_value(json_object_get(e, "path"));

			forbidden += st == 403;
			ok += st == 200 && strcmp(p, "/api/v1/skus/A/receive") == 0;
			failed_login += st == 401 && strcmp(p, "/api/v1/login") == 0;
			limited += st == 429;
			assert_non_null(json_object_get(e, "request_id"));
		}
		if ((forbidden < 6 || failed_login < 5 || limited < 2) && tries < 100) {
			th_resp_free(&r);
			th_sleep_ms(20);
			continue;
		}
		assert_int_equal(forbidden, 6);
		assert_int_equal(ok, 1);
		assert_int_equal(failed_login, 5);
		assert_int_equal(limited, 2);
		break;
	}
	th_resp_free(&r);
	teardown(&f);
}

/* ---- bad bodies
 * -------------------------------------------------------------------------------------- */

static void test_bad_bodies(void **state)
{
	static const char *const bad[] = {
		"{\"lines\":[{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":1,\"color\":\"red\"}"
		"]}",
		"{\"lines\":[{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":\"1\"}]}",
		"{\"lines\":[{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":1.5}]}",
		"{\"lines\":[{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":1.0}]}",
		"{\"lines\":[{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":-1}]}",
		"{\"lines\":[{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":0}]}",
		"{\"lines\":[{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":1e2}]}",
		"{\"lines\":[{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":"
		"99999999999999999999}]}",
		"{\"lines\":[{\"line_id\":\"\",\"product_id\":\"P-A\",\"qty\":1}]}",
		"{\"lines\":[{\"product_id\":\"P-A\",\"qty\":1}]}",
		/* one good line and one bad: nothing of the request is applied */
		"{\"lines\":[{\"line_id\":\"G\",\"product_id\":\"P-A\",\"qty\":1},"
		"{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":-3}]}",
		"{\"lines\":[{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":1,\"status\":"
		"\"paid\"}]}",
		"{\"lines\":[]}",
		"{\"lines\":{}}",
		"{\"lines\":[1]}",
		"{\"lines\":[{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":1}],\"extra\":1}",
		"{\"lines\":[{\"line_id\":\"X\",\"line_id\":\"Y\",\"product_id\":\"P-A\",\"qty\":1}"
		"]}",
		"[1,2,3]",
		"{\"lines\":",
		"not json",
		"{\"lines\":[{\"line_id\":\"X\\u0000\",\"product_id\":\"P-A\",\"qty\":1}]}",
	};
	fixture f;
	th_resp r;
	jg_buf big;
	(void)state;

	setup(&f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		th_post(&r, &f.s, f.op, "/api/v1/channels/coupang/orders", bad[i]);
		if (r.status != 400)
			fail_msg("body %zu: expected 400, got %ld: %s", i, r.status, r.body);
		assert_string_equal(t_jstr(r.json, "error/code"), "invalid");
		th_resp_free(&r);
	}
	/* Movements and other resources refuse the same way. */
	post_expect(&f, f.op, "/api/v1/skus/A/receive", "{\"qty\":-2}", 400);
	post_expect(&f, f.op, "/api/v1/skus/A/receive", "{\"qty\":2.5}", 400);
	post_expect(&f, f.op, "/api/v1/skus/A/receive", "{\"qty\":2,\"by\":\"me\"}", 400);
	post_expect(&f, f.op, "/api/v1/skus/A/count", "{\"qty\":-1}", 400);
	post_expect(&f, f.op, "/api/v1/skus/A/adjust", "{\"delta\":0,\"reason\":\"x\"}", 400);
	post_expect(&f, f.op, "/api/v1/skus/A/adjust", "{\"delta\":1}", 400);
	post_expect(&f, f.op, "/api/v1/skus", "{\"sku\":\"Z\",\"name\":\"z\",\"stock\":-5}", 400);
	post_expect(&f, f.op, "/api/v1/skus", "{\"sku\":\"Z\",\"name\":7}", 400);
	post_expect(&f, f.op, "/api/v1/listings",
		    "{\"channel\":\"coupang\",\"product_id\":\"Q\",\"recipe\":\"A*0\"}", 400);
	post_expect(&f, f.op, "/api/v1/listings",
		    "{\"channel\":\"coupang\",\"product_id\":\"Q\",\"recipe\":[{\"sku\":\"A\","
		    "\"qty\":1.5}]}",
		    400);
	/* Deep JSON: 33 levels. */
	{
		char deep[200] = "{\"lines\":";
		size_t n = strlen(deep);

		for (int i = 0; i < 33; i++)
			deep[n++] = '[';
		for (int i = 0; i < 33; i++)
			deep[n++] = ']';
		deep[n++] = '}';
		deep[n] = '\0';
		th_post(&r, &f.s, f.op, "/api/v1/channels/coupang/orders", deep);
		th_expect(&r, 413);
		assert_string_equal(t_jstr(r.json, "error/code"), "too_large");
		th_resp_free(&r);
	}
	/* A body over 1 MiB. */
	jg_buf_init(&big, 3u << 20);
	jg_buf_puts(&big, "{\"lines\":[");
	while (big.len < (1u << 20) + 100)
		jg_buf_puts(&big, "{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":1},");
	jg_buf_puts(&big, "{\"line_id\":\"X\",\"product_id\":\"P-A\",\"qty\":1}]}");
	th_post(&r, &f.s, f.op, "/api/v1/channels/coupang/orders", jg_buf_str(&big));
	th_expect(&r, 413);
	th_resp_free(&r);
	/* The same, chunked (no Content-Length): read, dropped, refused. */
	{
		const char *const hdr[] = {"Transfer-Encoding: chunked", NULL};

		th_req(&r, &f.s, "POST", "/api/v1/channels/coupang/orders", f.op, jg_buf_str(&big),
		       big.len, hdr);
		th_expect(&r, 413);
		th_resp_free(&r);
	}
	jg_buf_free(&big);
	/* An upload over 64 MiB is refused before it is read. */
	{
		size_t n = (64u << 20) + 1;
		char *blob = jg_calloc(1, n);
		const char *const hdr[] = {"Content-Type: application/octet-stream", NULL};

		assert_non_null(blob);
		th_req(&r, &f.s, "POST", "/api/v1/imports?filename=big.csv", f.op, blob, n, hdr);
		jg_free(blob);
		th_expect(&r, 413);
		th_resp_free(&r);
	}
	/* Nothing changed, and the server still answers. */
	assert_int_equal(total_orders(&f), 0);
	assert_int_equal(sku_field(&f, "A", "on_hand"), 5);
	assert_int_equal(sku_field(&f, "A", "committed"), 0);
	assert_int_equal(sku_field(&f, "Z", "on_hand"), -999);
	teardown(&f);
}

/* ---- idempotent intake
 * ------------------------------------------------------------------------------- */

static void test_idempotent_intake(void **state)
{
	static const char body[] =
		"{\"lines\":[{\"line_id\":\"I1\",\"order_no\":\"O-1\",\"product_id\":\"P-A\","
		"\"qty\":4},"
		"{\"line_id\":\"I2\",\"order_no\":\"O-1\",\"product_id\":\"P-A\",\"qty\":3},"
		"{\"line_id\":\"I3\",\"product_id\":\"P-NONE\",\"qty\":1}]}";
	fixture f;
	th_resp a, b;
	json_t *la, *lb;
	(void)state;

	setup(&f);
	th_post(&a, &f.s, f.op, "/api/v1/channels/coupang/orders", body);
	th_post(&b, &f.s, f.op, "/api/v1/channels/coupang/orders", body);
	la = json_object_get(th_expect(&a, 200), "lines");
	lb = json_object_get(th_expect(&b, 200), "lines");
	assert_int_equal(json_array_size(la), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *x = json_array_get(la, i), *y = json_array_get(lb, i);

		assert_string_equal(t_jstr(x, "outcome"), "new");
		assert_string_equal(t_jstr(y, "outcome"), "duplicate");
		assert_string_equal(t_jstr(x, "status"), t_jstr(y, "status"));
		assert_int_equal(t_jint(x, "oversold_by"), t_jint(y, "oversold_by"));
		assert_true(
			json_equal(json_object_get(x, "matched"), json_object_get(y, "matched")));
	}
	/* 7 units asked of 5: the newer line is short by 2, and the shortage is in the answer. */
	assert_int_equal(t_jint(json_array_get(la, 0), "oversold_by"), 0);
	assert_int_equal(t_jint(json_array_get(la, 1), "oversold_by"), 2);
	assert_int_equal(sku_field(&f, "A", "committed"), 7);
	assert_int_equal(sku_field(&f, "A", "available"), -2);
	assert_int_equal(total_orders(&f), 3);
	th_resp_free(&a);
	th_resp_free(&b);
	/* A refused transition is reported for its line; the others stand. */
	post_expect(&f, f.op, "/api/v1/orders/coupang/I1/ship", NULL, 200);
	th_post(&a, &f.s, f.op, "/api/v1/channels/coupang/orders",
		"{\"lines\":[{\"line_id\":\"I1\",\"product_id\":\"P-A\",\"qty\":4,\"status\":"
		"\"cancelled\"},"
		"{\"line_id\":\"I2\",\"product_id\":\"P-A\",\"qty\":3,\"status\":\"cancelled\"}]}");
	la = json_object_get(th_expect(&a, 200), "lines");
	assert_string_equal(t_jstr(json_array_get(la, 0), "outcome"), "refused");
	assert_string_equal(t_jstr(json_array_get(la, 0), "error/code"), "conflict");
	assert_string_equal(t_jstr(json_array_get(la, 1), "status"), "cancelled");
	th_resp_free(&a);
	assert_int_equal(sku_field(&f, "A", "on_hand"), 1);
	assert_int_equal(sku_field(&f, "A", "committed"), 0);
	teardown(&f);
}

/* ---- catalogue imports
 * ------------------------------------------------------------------------------- */

/* POSTs a catalogue file as the raw body; asserts the status and returns the response. */
static json_t *post_file(th_resp *r, fixture *f, const char *token, const char *path,
			 const char *csv, long status)
{
	const char *const hdr[] = {"Content-Type: text/csv", NULL};

	th_req(r, &f->s, "POST", path, token, csv, (size_t)-1, hdr);
	return th_expect(r, status);
}

/* The audit log holds an entry for `path` with `status` (refused entries are written just
 * after their answer: retried for a moment). */
static void expect_audit(fixture *f, const char *path, int64_t status)
{
	for (int tries = 0;; tries++) {
		th_resp r;
		json_t *a, *e;
		size_t i;
		bool found = false;

		th_get(&r, &f->s, f->admin, "/api/v1/audit?limit=1000");
		a = json_object_get(th_expect(&r, 200), "audit");
		json_array_foreach(a, i, e)
		{
			found = found ||
				(json_integer_value(json_object_get(e, "status")) == status &&
				 strcmp(json_string_value(json_object_get(e, "path")), path) == 0);
		}
		th_resp_free(&r);
		if (found)
			return;
		assert_true(tries < 100);
		th_sleep_ms(20);
	}
}

static void test_catalog_imports(void **state)
{
	fixture f;
	th_resp r;
	json_t *j, *rej;
	(void)state;

	setup(&f);
	/* A good SKU list: C is new, A is known (renamed, counted: a stocktake). */
	j = post_file(&r, &f, f.op, "/api/v1/skus/import?filename=skus.csv",
		      "\xef\xbb\xbfsku,name,stock,safety\r\nA,\"A, shirt\",7,1\r\nC,새 상품,3,\r\n",
		      200);
	assert_int_equal(t_jint(j, "rows"), 2);
	assert_int_equal(t_jint(j, "added"), 1);
	assert_int_equal(t_jint(j, "updated"), 1);
	assert_true(json_is_true(json_object_get(j, "applied")));
	assert_int_equal(json_array_size(json_object_get(j, "rejected")), 0);
	assert_string_equal(t_jstr(j, "file"), "skus.csv");
	th_resp_free(&r);
	assert_int_equal(sku_field(&f, "A", "on_hand"), 7);
	assert_int_equal(sku_field(&f, "A", "safety"), 1);
	assert_int_equal(sku_field(&f, "C", "on_hand"), 3);

	/* Bad rows: 422 naming each by row and column; nothing of the file is applied. */
	j = post_file(&r, &f, f.op, "/api/v1/skus/import?filename=bad.csv",
		      "sku,name,stock\nD,d,1\nE,e,-1\n,f,2\nA,a,9\n", 422);
	assert_string_equal(t_jstr(j, "error/code"), "unprocessable");
	assert_false(json_is_true(json_object_get(j, "applied")));
	assert_int_equal(t_jint(j, "added"), 0);
	assert_int_equal(t_jint(j, "rejected_count"), 2);
	rej = json_object_get(j, "rejected");
	assert_int_equal(json_array_size(rej), 2);
	assert_int_equal(t_jint(json_array_get(rej, 0), "row"), 3);
	assert_int_equal(t_jint(json_array_get(rej, 0), "column"), 3);
	assert_string_equal(t_jstr(json_array_get(rej, 0), "field"), "stock");
	assert_int_equal(t_jint(json_array_get(rej, 1), "row"), 4);
	assert_int_equal(t_jint(json_array_get(rej, 1), "column"), 1);
	assert_non_null(t_jstr(json_array_get(rej, 1), "reason"));
	th_resp_free(&r);
	assert_int_equal(sku_field(&f, "D", "on_hand"), -999);
	assert_int_equal(sku_field(&f, "A", "on_hand"), 7);
	expect_audit(&f, "/api/v1/skus/import", 422);

	/* A dry run says what would happen and changes nothing. */
	j = post_file(&r, &f, f.op, "/api/v1/skus/import?dry_run=1",
		      "sku,name,stock\nF,f,4\nA,A,1\n", 200);
	assert_int_equal(t_jint(j, "added"), 1);
	assert_int_equal(t_jint(j, "updated"), 1);
	assert_true(json_is_true(json_object_get(j, "dry_run")));
	assert_false(json_is_true(json_object_get(j, "applied")));
	th_resp_free(&r);
	assert_int_equal(sku_field(&f, "F", "on_hand"), -999);
	assert_int_equal(sku_field(&f, "A", "on_hand"), 7);

	/* A file without the header is refused whole (400), naming what is expected. */
	j = post_file(&r, &f, f.op, "/api/v1/skus/import?filename=x.csv", "code,title\nG,g\n", 400);
	assert_non_null(strstr(t_jstr(j, "error/message"), "sku,name,stock"));
	assert_null(strstr(t_jstr(j, "error/message"), "upload-")); /* never the server's file */
	th_resp_free(&r);

	/* A viewer may not import. */
	post_file(&r, &f, f.viewer, "/api/v1/skus/import", "sku,name,stock\nH,h,1\n", 403);
	th_resp_free(&r);
	post_file(&r, &f, f.viewer, "/api/v1/listings/import",
		  "channel,product_id,option,recipe\ncoupang,P-H,,A\n", 403);
	th_resp_free(&r);

	/* Listings: one new, one remapped; then bad rows (unknown SKU, unknown channel, a bad
	 * recipe) refuse the whole file. */
	j = post_file(&r, &f, f.op, "/api/v1/listings/import?filename=listings.csv",
		      "channel,product_id,option,recipe\nsmartstore,S-C,사이즈: L,\"C*2,B\"\n"
		      "coupang,P-A,,A*2\n",
		      200);
	assert_int_equal(t_jint(j, "created"), 1);
	assert_int_equal(t_jint(j, "remapped"), 1);
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/listings?channel=smartstore");
	assert_int_equal(t_jint(th_expect(&r, 200), "total"), 2);
	th_resp_free(&r);
	j = post_file(&r, &f, f.op, "/api/v1/listings/import",
		      "channel,product_id,option,recipe\ncoupang,P-N,,B\ncoupang,P-Z,,Z\n"
		      "nowhere,P-X,,A\ncoupang,P-Q,,A*0\n",
		      422);
	rej = json_object_get(j, "rejected");
	assert_int_equal(json_array_size(rej), 3);
	assert_int_equal(t_jint(json_array_get(rej, 0), "row"), 3);
	assert_int_equal(t_jint(json_array_get(rej, 0), "column"), 4);
	assert_non_null(strstr(t_jstr(json_array_get(rej, 0), "reason"), "\"Z\""));
	assert_int_equal(t_jint(json_array_get(rej, 1), "row"), 4);
	assert_int_equal(t_jint(json_array_get(rej, 1), "column"), 1);
	assert_int_equal(t_jint(json_array_get(rej, 2), "row"), 5);
	assert_int_equal(t_jint(json_array_get(rej, 2), "column"), 4);
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/listings?channel=coupang");
	assert_int_equal(t_jint(th_expect(&r, 200), "total"), 2); /* P-N was not applied */
	th_resp_free(&r);

	/* Caps: a file over 16 MiB (with and without a Content-Length), more than 100,000
	 * rows. */
	{
		size_t n = (16u << 20) + 1;
		char *blob = jg_malloc(n + 1);
		const char *const hdr[] = {"Content-Type: text/csv", NULL};
		const char *const chunked[] = {"Transfer-Encoding: chunked", NULL};

		assert_non_null(blob);
		memset(blob, 'a', n);
		blob[n] = '\0';
		th_req(&r, &f.s, "POST", "/api/v1/skus/import", f.op, blob, n, hdr);
		assert_string_equal(t_jstr(th_expect(&r, 413), "error/code"), "too_large");
		th_resp_free(&r);
		th_req(&r, &f.s, "POST", "/api/v1/listings/import", f.op, blob, n, chunked);
		th_expect(&r, 413);
		th_resp_free(&r);
		jg_free(blob);
	}
	{
		jg_buf b;

		jg_buf_init(&b, 8u << 20);
		jg_buf_puts(&b, "sku,name,stock\n");
		for (int i = 0; i <= 100000; i++)
			assert_int_equal(jg_buf_printf(&b, "R%d,r,1\n", i), 0);
		j = post_file(&r, &f, f.op, "/api/v1/skus/import", jg_buf_str(&b), 413);
		assert_non_null(strstr(t_jstr(j, "error/message"), "100000"));
		th_resp_free(&r);
		jg_buf_free(&b);
	}
	assert_int_equal(sku_field(&f, "R1", "on_hand"), -999);
	expect_audit(&f, "/api/v1/skus/import", 200);
	expect_audit(&f, "/api/v1/listings/import", 422);
	teardown(&f);
}

/* ---- users and tokens
 * -------------------------------------------------------------------------------- */

static void test_accounts(void **state)
{
	fixture f;
	th_resp r;
	char cookie[256], csrf[256];
	(void)state;

	setup(&f);
	post_expect(&f, f.admin, "/api/v1/users",
		    "{\"name\":\"lee\",\"role\":\"operator\",\"password\":\"first-pw-1\"}", 201);
	post_expect(&f, f.admin, "/api/v1/users",
		    "{\"name\":\"park\",\"role\":\"admin\",\"password\":\"admin-pw-1\"}", 201);

	/* A new password: Argon2id like the CLI's; the old one stops working, and so do the
	 * user's sessions. */
	login(&f, "lee", "first-pw-1", cookie, sizeof(cookie), csrf, sizeof(csrf));
	th_req(&r, &f.s, "PUT", "/api/v1/users/lee/password", f.op, "{\"password\":\"x-pw-12345\"}",
	       (size_t)-1, NULL);
	th_expect(&r, 403);
	th_resp_free(&r);
	th_req(&r, &f.s, "PUT", "/api/v1/users/lee/password", f.admin, "{\"password\":\"short\"}",
	       (size_t)-1, NULL);
	th_expect(&r, 400);
	th_resp_free(&r);
	th_req(&r, &f.s, "PUT", "/api/v1/users/nobody/password", f.admin,
	       "{\"password\":\"x-pw-12345\"}", (size_t)-1, NULL);
	th_expect(&r, 404);
	th_resp_free(&r);
	th_req(&r, &f.s, "PUT", "/api/v1/users/lee/password", f.admin,
	       "{\"password\":\"second-pw-2\",\"role\":\"admin\"}", (size_t)-1, NULL);
	th_expect(&r, 400); /* unknown field */
	th_resp_free(&r);
	th_req(&r, &f.s, "PUT", "/api/v1/users/lee/password", f.admin,
	       "{\"password\":\"second-pw-2\"}", (size_t)-1, NULL);
	assert_string_equal(t_jstr(th_expect(&r, 200), "user"), "lee");
	th_resp_free(&r);
	{
		const char *only_cookie[] = {cookie, NULL};

		th_req(&r, &f.s, "GET", "/api/v1/me", NULL, NULL, 0, only_cookie);
		th_expect(&r, 401);
		th_resp_free(&r);
	}
	post_expect(&f, NULL, "/api/v1/login", "{\"user\":\"lee\",\"password\":\"first-pw-1\"}",
		    401);
	login(&f, "lee", "second-pw-2", cookie, sizeof(cookie), csrf, sizeof(csrf));

	/* Removing users: never the last admin. */
	th_req(&r, &f.s, "DELETE", "/api/v1/users/park", f.op, NULL, 0, NULL);
	th_expect(&r, 403);
	th_resp_free(&r);
	th_req(&r, &f.s, "DELETE", "/api/v1/users/park", f.admin, NULL, 0, NULL);
	assert_string_equal(t_jstr(th_expect(&r, 409), "error/code"), "conflict");
	th_resp_free(&r);
	post_expect(&f, f.admin, "/api/v1/users",
		    "{\"name\":\"choi\",\"role\":\"admin\",\"password\":\"admin-pw-2\"}", 201);
	th_req(&r, &f.s, "DELETE", "/api/v1/users/park", f.admin, NULL, 0, NULL);
	assert_true(json_is_true(json_object_get(th_expect(&r, 200), "removed")));
	th_resp_free(&r);
	th_req(&r, &f.s, "DELETE", "/api/v1/users/choi", f.admin, NULL, 0, NULL);
	th_expect(&r, 409);
	th_resp_free(&r);
	th_req(&r, &f.s, "DELETE", "/api/v1/users/nobody", f.admin, NULL, 0, NULL);
	th_expect(&r, 404);
	th_resp_free(&r);
	th_req(&r, &f.s, "DELETE", "/api/v1/users/lee", f.admin, NULL, 0, NULL);
	th_expect(&r, 200);
	th_resp_free(&r);
	{
		const char *only_cookie[] = {cookie, NULL};

		th_req(&r, &f.s, "GET", "/api/v1/me", NULL, NULL, 0, only_cookie);
		th_expect(&r, 401); /* the removed user's session ended with them */
		th_resp_free(&r);
	}
	th_get(&r, &f.s, f.admin, "/api/v1/users");
	assert_int_equal(json_array_size(json_object_get(th_expect(&r, 200), "users")), 1);
	assert_string_equal(t_jstr(r.json, "users/0/name"), "choi");
	th_resp_free(&r);

	/* Revoking a token: it answers 401 from then on. */
	th_get(&r, &f.s, f.viewer, "/api/v1/skus");
	th_expect(&r, 200);
	th_resp_free(&r);
	th_req(&r, &f.s, "DELETE", "/api/v1/tokens/viewer-script", f.op, NULL, 0, NULL);
	th_expect(&r, 403);
	th_resp_free(&r);
	th_req(&r, &f.s, "DELETE", "/api/v1/tokens/viewer-script", f.admin, NULL, 0, NULL);
	assert_true(json_is_true(json_object_get(th_expect(&r, 200), "revoked")));
	th_resp_free(&r);
	th_get(&r, &f.s, f.viewer, "/api/v1/skus");
	th_expect(&r, 401);
	th_resp_free(&r);
	th_req(&r, &f.s, "DELETE", "/api/v1/tokens/viewer-script", f.admin, NULL, 0, NULL);
	th_expect(&r, 404);
	th_resp_free(&r);
	th_get(&r, &f.s, f.admin, "/api/v1/tokens");
	assert_int_equal(json_array_size(json_object_get(th_expect(&r, 200), "tokens")), 2);
	th_resp_free(&r);
	expect_audit(&f, "/api/v1/tokens/viewer-script", 200);
	expect_audit(&f, "/api/v1/users/park", 409);
	/* sku_field reads with the viewer token, revoked now: done with it. */
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_bad_bodies),
		cmocka_unit_test(test_idempotent_intake),
		cmocka_unit_test(test_catalog_imports),
		cmocka_unit_test(test_accounts),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
