/* SPDX-License-Identifier: MIT */
/*
 * The store functions the server stands on: users, tokens, sessions and the audit log
 * (access.h), the secrets helpers, and the paged reads (query.h) checked against the
 * walkers the CLI uses: a page's rows and total agree with jg_sku_each / jg_order_each, and
 * filters select what they say.
 */
#include <string.h>

#include "jaego/access.h"
#include "jaego/query.h"
#include "support.h"

static void test_secrets(void **state)
{
	char a[JG_SECRET_TEXT], b[JG_SECRET_TEXT], d[JG_DIGEST_TEXT];
	char hash[JG_PASSWORD_HASH_MAX], hash2[JG_PASSWORD_HASH_MAX];
	jg_err err = {0};
	jg_role r;
	(void)state;

	assert_int_equal(jg_secret_new(a, &err), 0);
	assert_int_equal(jg_secret_new(b, &err), 0);
	assert_int_equal(strlen(a), 64);
	assert_string_not_equal(a, b);
	jg_digest_hex(d, "abc", 3);
	assert_string_equal(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(jg_secret_equal(a, a));
	assert_false(jg_secret_equal(a, b));
	assert_false(jg_secret_equal(a, ""));
	assert_int_equal(jg_password_hash(hash, "short", &err), JG_EINVAL);
	jg_err_clear(&err);
	assert_int_equal(jg_password_hash(hash, "correct horse", &err), 0);
	assert_int_equal(jg_password_hash(hash2, "correct horse", &err), 0);
	assert_string_not_equal(hash, hash2); /* a fresh salt each time */
	assert_true(strncmp(hash, "$argon2id$", 10) == 0);
	assert_true(jg_password_verify(hash, "correct horse"));
	assert_false(jg_password_verify(hash, "correct horsE"));
	assert_false(jg_password_verify("$2y$not-argon", "correct horse"));
	assert_int_equal(jg_role_parse(&r, "operator"), 0);
	assert_int_equal(r, JG_ROLE_OPERATOR);
	assert_int_equal(jg_role_parse(&r, "root"), JG_EINVAL);
}

typedef struct audit_seen {
	int n;
	int64_t first_status;
	size_t first_len;
} audit_seen;

static int on_audit(const jg_audit_entry *e, void *payload)
{
	audit_seen *a = payload;

	if (a->n++ == 0) {
		a->first_status = e->status;
		a->first_len = strlen(e->path);
	}
	return 0;
}

static void test_accounts(void **state)
{
	char *dir = t_tmpdir();
	jg_store *s = t_store(dir);
	char hash[JG_PASSWORD_HASH_MAX], tok[JG_SECRET_TEXT], d[JG_DIGEST_TEXT];
	char sid[JG_SECRET_TEXT], sd[JG_DIGEST_TEXT], csrf[JG_SECRET_TEXT];
	jg_user_info u;
	jg_token_info t;
	jg_session_info si;
	jg_err err = {0};
	int64_t now = jg_now_ms();
	(void)state;

	assert_int_equal(jg_password_hash(hash, "secret-pw-1", &err), 0);
	assert_int_equal(jg_user_add(s, "kim", JG_ROLE_ADMIN, hash, &err), 0);
	assert_int_equal(jg_user_add(s, "kim", JG_ROLE_VIEWER, hash, &err), JG_EEXISTS);
	jg_err_clear(&err);
	assert_int_equal(jg_user_add(s, "lee", JG_ROLE_VIEWER, "plain", &err), JG_EINVAL);
	jg_err_clear(&err);
	assert_int_equal(jg_user_get(s, "kim", &u, &err), 0);
	assert_int_equal(u.role, JG_ROLE_ADMIN);
	assert_true(jg_password_verify(u.password_hash, "secret-pw-1"));
	assert_int_equal(jg_user_get(s, "nobody", &u, &err), JG_ENOTFOUND);
	jg_err_clear(&err);

	assert_int_equal(jg_secret_new(tok, &err), 0);
	jg_digest_hex(d, tok, strlen(tok));
	assert_int_equal(jg_token_add(s, "script", JG_ROLE_OPERATOR, d, &err), 0);
	assert_int_equal(jg_token_add(s, "script", JG_ROLE_OPERATOR, d, &err), JG_EEXISTS);
	jg_err_clear(&err);
	assert_int_equal(jg_token_find(s, d, &t, &err), 0);
	assert_string_equal(t.name, "script");
	assert_int_equal(t.role, JG_ROLE_OPERATOR);
	assert_int_equal(jg_token_revoke(s, "script", &err), 0);
	assert_int_equal(jg_token_find(s, d, &t, &err), JG_ENOTFOUND);
	jg_err_clear(&err);

	/* Sessions: live, expired, ended, and ended with a new password. */
	assert_int_equal(jg_secret_new(sid, &err), 0);
	assert_int_equal(jg_secret_new(csrf, &err), 0);
	jg_digest_hex(sd, sid, strlen(sid));
	assert_int_equal(jg_session_add(s, sd, "kim", csrf, now + 60000, &err), 0);
	assert_int_equal(jg_session_add(s, sd, "ghost", csrf, now + 60000, &err), JG_ENOTFOUND);
	jg_err_clear(&err);
	assert_int_equal(jg_session_find(s, sd, now, &si, &err), 0);
	assert_string_equal(si.user, "kim");
	assert_string_equal(si.csrf, csrf);
	assert_int_equal(jg_session_find(s, sd, now + 60001, &si, &err), JG_ENOTFOUND);
	jg_err_clear(&err);
	assert_int_equal(jg_user_set_password(s, "kim", hash, &err), 0);
	assert_int_equal(jg_session_find(s, sd, now, &si, &err), JG_ENOTFOUND);
	jg_err_clear(&err);

	/* The audit log keeps the newest first; long text is cut, never refused. */
	for (int i = 0; i < 5; i++) {
		char path[32];
		jg_audit_entry e = {.who = "kim",
				    .method = "POST",
				    .path = path,
				    .request_id = "r",
				    .status = 200 + i};

		snprintf(path, sizeof(path), "/api/v1/x/%d", i);
		assert_int_equal(jg_audit_add(s, &e, &err), 0);
	}
	{
		char longpath[2000];
		jg_audit_entry e = {.who = "kim",
				    .method = "POST",
				    .path = longpath,
				    .request_id = "r",
				    .status = 201};

		memset(longpath, 'p', sizeof(longpath) - 1);
		longpath[sizeof(longpath) - 1] = '\0';
		assert_int_equal(jg_audit_add(s, &e, &err), 0);
	}
	{
		audit_seen a = {0};

		assert_int_equal(jg_audit_each(s, 1, 2, on_audit, &a, &err), 0);
		assert_int_equal(a.n, 2);
		assert_int_equal(a.first_status, 204); /* offset 1 skips the long one */
		memset(&a, 0, sizeof(a));
		assert_int_equal(jg_audit_each(s, 0, 1, on_audit, &a, &err), 0);
		assert_int_equal(a.first_len, 511);
		assert_int_equal(jg_audit_each(s, 0, 1001, on_audit, &a, &err), JG_EINVAL);
		jg_err_clear(&err);
	}
	jg_store_close(s);
	t_rmdir(dir);
	jg_free(dir);
}

typedef struct counter {
	int64_t n, listed_sum;
	char first[JG_CODE_MAX];
} counter;

static int on_row(const jg_sku_row *r, void *payload)
{
	counter *c = payload;

	if (c->n++ == 0)
		snprintf(c->first, sizeof(c->first), "%s", r->sku.code);
	for (size_t i = 0; i < r->n_channels; i++)
		c->listed_sum += r->listed[i];
	return 0;
}

static int on_order(const jg_order_info *o, void *payload)
{
	counter *c = payload;

	if (c->n++ == 0)
		snprintf(c->first, sizeof(c->first), "%s", o->line_id);
	return 0;
}

static void test_pages(void **state)
{
	char *dir = t_tmpdir();
	jg_store *s = t_store(dir);
	jg_err err = {0};
	int64_t total = 0;
	counter c;
	(void)state;

	assert_int_equal(jg_store_begin(s, &err), 0);
	assert_int_equal(jg_channel_add(s, "a", "generic", &err), 0);
	assert_int_equal(jg_channel_add(s, "b", "generic", &err), 0);
	for (int i = 0; i < 30; i++) {
		char code[16], pid[16];
		jg_recipe_item it = {.qty = 1};

		snprintf(code, sizeof(code), "K%02d", i);
		snprintf(pid, sizeof(pid), "P%02d", i);
		snprintf(it.sku, sizeof(it.sku), "%s", code);
		assert_int_equal(jg_sku_add(s, code, code, 0, &err), 0);
		assert_int_equal(jg_stock_receive(s, code, i + 1, NULL, &err), 0);
		assert_int_equal(jg_listing_map(s, "a", pid, NULL, &it, 1, NULL, &err), 0);
		if (i % 2 == 0)
			assert_int_equal(jg_listing_map(s, "b", pid, NULL, &it, 1, NULL, &err), 0);
	}
	for (int i = 0; i < 12; i++) {
		char line[16];
		jg_order_in in = {.channel = i % 3 ? "a" : "b",
				  .line_id = line,
				  .product_id = "P00",
				  .qty = 1,
				  .status = JG_STATUS_OPEN};

		snprintf(line, sizeof(line), "L%02d", i);
		assert_int_equal(jg_order_put(s, &in, NULL, &err), 0);
	}
	assert_int_equal(jg_store_commit(s, &err), 0);

	/* SKU pages: the total, paging, a search, the filters. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		jg_sku_page(s, &(jg_sku_query){.offset = 10, .limit = 5}, &total, on_row, &c, &err),
		0);
	assert_int_equal(total, 30);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.first, "K10");
	/* K10..K14 have 11..15 units on a, and K10, K12, K14 on b. */
	assert_int_equal(c.listed_sum, 11 + 12 + 13 + 14 + 15 + 11 + 13 + 15);
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		jg_sku_page(s, &(jg_sku_query){.q = "k2", .limit = 100}, &total, on_row, &c, &err),
		0);
	assert_int_equal(total, 10);
	memset(&c, 0, sizeof(c));
	assert_int_equal(jg_sku_page(s, &(jg_sku_query){.oversold = true, .limit = 100}, &total,
				     on_row, &c, &err),
			 0);
	assert_int_equal(total, 1); /* K00: 1 unit, 12 ordered */
	assert_string_equal(c.first, "K00");
	assert_int_equal(jg_sku_page(s, &(jg_sku_query){.limit = 0}, &total, on_row, &c, &err),
			 JG_EINVAL);
	jg_err_clear(&err);
	assert_int_equal(jg_sku_page(s, &(jg_sku_query){.q = "100%_\\", .limit = 10}, &total,
				     on_row, &c, &err),
			 0);
	assert_int_equal(total, 0);

	/* Order pages: newest first, by channel, oversold. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(jg_order_page(s, &(jg_order_query){.status = -1, .limit = 3}, &total,
				       on_order, &c, &err),
			 0);
	assert_int_equal(total, 12);
	assert_string_equal(c.first, "L11");
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		jg_order_page(s, &(jg_order_query){.status = -1, .channel = "b", .limit = 100},
			      &total, on_order, &c, &err),
		0);
	assert_int_equal(total, 4);
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		jg_order_page(s,
			      &(jg_order_query){.status = -1, .oversold_only = true, .limit = 100},
			      &total, on_order, &c, &err),
		0);
	assert_int_equal(total, 11);
	assert_int_equal(jg_order_page(s,
				       &(jg_order_query){.status = -1, .channel = "zz", .limit = 1},
				       &total, on_order, &c, &err),
			 JG_ENOTFOUND);
	jg_err_clear(&err);
	memset(&c, 0, sizeof(c));
	assert_int_equal(jg_order_find(s, "a", "L01", on_order, &c, &err), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(jg_order_find(s, "a", "L00", on_order, &c, &err), JG_ENOTFOUND);
	jg_err_clear(&err);
	/* Several lines' states at once (the intake answer): L00 is on b; the one unit of
	 * K00 covers L00, the oldest line, so every later one is short by its unit. */
	{
		const char *ids[] = {"L01", "L00", "L11"};
		jg_order_state st[3];

		assert_int_equal(jg_order_states(s, "a", ids, 3, st, &err), 0);
		assert_true(st[0].found);
		assert_int_equal(st[0].status, JG_STATUS_OPEN);
		assert_true(st[0].matched);
		assert_int_equal(st[0].oversold_by, 1);
		assert_false(st[1].found);
		assert_true(st[2].found);
		assert_int_equal(st[2].oversold_by, 1);
		ids[1] = "L00";
		assert_int_equal(jg_order_states(s, "b", ids + 1, 1, st, &err), 0);
		assert_true(st[0].found);
		assert_int_equal(st[0].oversold_by, 0);
		assert_int_equal(jg_order_states(s, "zz", ids, 3, st, &err), JG_ENOTFOUND);
		jg_err_clear(&err);
	}
	{
		jg_check_report rep;

		assert_int_equal(jg_store_check(s, &rep, NULL, NULL, &err), 0);
	}
	jg_store_close(s);
	t_rmdir(dir);
	jg_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_accounts),
		cmocka_unit_test(test_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
