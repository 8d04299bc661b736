/* SPDX-License-Identifier: MIT */
/*
 * Access endpoints: health, login (session cookie + CSRF token), logout, who am I, the
 * event stream, and the admin's users, tokens and audit log. A password is checked on the
 * pool thread (Argon2id, about 50 ms) before anything is written; an unknown user name
 * costs the same check against a dummy hash, so timing does not tell which names exist.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"
#include "json/shapes.h"

#define COOKIE "jaego_session"

enum MHD_Result jg__api_health(jg__req *r)
{
	return jg__reply_json(r, 200, json_pack("{s:b, s:s}", "ok", 1, "version", JAEGO_VERSION));
}

/* ---- login -------------------------------------------------------------------------------- */

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[JG_PASSWORD_HASH_MAX];

static void make_dummy(void)
{
	char pw[JG_SECRET_TEXT];

	if (jg_secret_new(pw, NULL) == 0)
		jg_password_hash(dummy_hash, pw, NULL);
}

typedef struct login_ctx {
	char secret[JG_SECRET_TEXT];
	char digest[JG_DIGEST_TEXT];
	char csrf[JG_SECRET_TEXT];
	char user[JG_CODE_MAX];
	jg_role role;
} login_ctx;

static int login_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	login_ctx *c = j->ctx;

	return jg_session_add(s, c->digest, c->user, c->csrf, jg_now_ms() + JG__SESSION_MS, err);
}

static enum MHD_Result login_finish(jg__req *r)
{
	login_ctx *c = r->ctx;
	json_t *doc;
	char *text;
	char cookie[256];
	struct MHD_Response *resp;

	if (r->job.rc)
		return jg__reply_err(r, &r->job.err);
	doc = json_pack("{s:s, s:s, s:s}", "user", c->user, "role", jg_role_name(c->role), "csrf",
			c->csrf);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	resp = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, jg_free);
	if (!resp) {
		jg_free(text);
		return MHD_NO;
	}
	snprintf(cookie, sizeof(cookie),
		 COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld", c->secret,
		 (long long)(JG__SESSION_MS / 1000));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json; charset=utf-8");
	memset(c->secret, 0, sizeof(c->secret));
	return jg__reply_response(r, 200, resp);
}

enum MHD_Result jg__api_login(jg__req *r)
{
	static const jg__jfield spec[] = {{"user", JG__J_STR, JG__J_REQUIRED},
					  {"password", JG__J_STR, JG__J_REQUIRED},
					  {NULL, 0, 0}};
	jg_err err = {0};
	jg_user_info u;
	jg_store *s;
	login_ctx *c;
	const char *user, *pw;
	int64_t retry;
	bool known, ok;

	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	user = jg__jstr(r->json, "user");
	pw = jg__jstr(r->json, "password");
	if (jg__check_id("user", user, &err))
		return jg__reply_err(r, &err);
	/* The audit entry of an attempt names the user it claimed. */
	snprintf(r->who.name, sizeof(r->who.name), "%s", user);
	if (jg__login_blocked(r->ip, user, &retry)) {
		char after[24];
		struct MHD_Response *resp;
		char *text;

		snprintf(after, sizeof(after), "%lld", (long long)retry);
		text = jg_strdup(
			"{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many failed"
			" logins; try again later\"}}");
		if (!text)
			return MHD_NO;
		resp = MHD_create_response_from_buffer_with_free_callback(strlen(text), text,
									  jg_free);
		if (!resp) {
			jg_free(text);
			return MHD_NO;
		}
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"application/json; charset=utf-8");
		return jg__reply_response(r, 429, resp);
	}
	if (!(s = jg__reader(r)))
		return MHD_YES;
	known = jg_user_get(s, user, &u, &err) == 0;
	if (!known && err.code != JG_ENOTFOUND)
		return jg__reply_err(r, &err);
	pthread_once(&dummy_once, make_dummy);
	ok = jg_password_verify(known ? u.password_hash : dummy_hash, pw) && known;
	if (!ok) {
		jg__login_failed(r->ip, user);
		return jg__reply_error(r, JG__API_UNAUTHORIZED, "wrong user name or password");
	}
	jg__login_succeeded(r->ip, user);
	c = jg_arena_alloc(&r->arena, sizeof(*c));
	if (!c || jg_secret_new(c->secret, &err) || jg_secret_new(c->csrf, &err))
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	jg_digest_hex(c->digest, c->secret, strlen(c->secret));
	snprintf(c->user, sizeof(c->user), "%s", u.name);
	c->role = u.role;
	/* The log line and the audit entry name the user who logged in. */
	r->who.authed = true;
	r->who.role = u.role;
	snprintf(r->who.name, sizeof(r->who.name), "%s", u.name);
	return jg__write(r, login_run, login_finish, c, JG__W_QUIET, 1, 200);
}

/* ---- logout, me, events ------------------------------------------------------------------- */

static int logout_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	return jg_session_end(s, j->ctx, err);
}

static enum MHD_Result logout_finish(jg__req *r)
{
	struct MHD_Response *resp;
	char *text;

	if (r->job.rc)
		return jg__reply_err(r, &r->job.err);
	text = jg_strdup("{\"ok\":true}");
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, jg_free);
	if (!resp) {
		jg_free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE,
				COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json; charset=utf-8");
	return jg__reply_response(r, 200, resp);
}

enum MHD_Result jg__api_logout(jg__req *r)
{
	static const jg__jfield spec[] = {{NULL, 0, 0}};
	jg_err err = {0};

	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	if (!r->who.session)
		return jg__reply_json(r, 200, json_pack("{s:b}", "ok", 1));
	return jg__write(r, logout_run, logout_finish, r->who.session_digest, JG__W_QUIET, 1, 200);
}

enum MHD_Result jg__api_me(jg__req *r)
{
	json_t *doc =
		json_pack("{s:s, s:s, s:s}", "user", r->who.name, "role", jg_role_name(r->who.role),
			  "via", r->who.session ? "session" : "token");

	if (doc && r->who.session)
		json_object_set_new(doc, "csrf", json_string(r->who.csrf));
	return jg__reply_json(r, 200, doc);
}

enum MHD_Result jg__api_events(jg__req *r)
{
	struct MHD_Response *resp = jg__events_response(&r->srv->events, r->conn);

	if (!resp)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	return jg__reply_response(r, 200, resp);
}

/* ---- users, tokens, audit ----------------------------------------------------------------- */

typedef struct user_ctx {
	const char *name;
	jg_role role;
	char hash[JG_PASSWORD_HASH_MAX];
	char token[JG_SECRET_TEXT];
	char digest[JG_DIGEST_TEXT];
} user_ctx;

static int role_field(jg__req *r, jg_role *out)
{
	const char *role = jg__jstr(r->json, "role");

	if (jg_role_parse(out, role)) {
		jg__reply_error(r, JG__API_INVALID,
				"field \"role\" must be admin, operator or viewer");
		return -1;
	}
	return 0;
}

static int user_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	user_ctx *c = j->ctx;

	return jg_user_add(s, c->name, c->role, c->hash, err);
}

static enum MHD_Result user_finish(jg__req *r)
{
	user_ctx *c = r->ctx;

	return jg__finish_json(
		r, 201, json_pack("{s:s, s:s}", "name", c->name, "role", jg_role_name(c->role)));
}

enum MHD_Result jg__api_users_add(jg__req *r)
{
	static const jg__jfield spec[] = {{"name", JG__J_STR, JG__J_REQUIRED},
					  {"role", JG__J_STR, JG__J_REQUIRED},
					  {"password", JG__J_STR, JG__J_REQUIRED},
					  {NULL, 0, 0}};
	jg_err err = {0};
	user_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	c->name = jg__jstr(r->json, "name");
	if (jg__check_id("name", c->name, &err))
		return jg__reply_err(r, &err);
	if (role_field(r, &c->role))
		return MHD_YES;
	if (jg_password_hash(c->hash, jg__jstr(r->json, "password"), &err))
		return jg__reply_err(r, &err);
	return jg__write(r, user_run, user_finish, c, JG__W_QUIET, 1, 201);
}

/* Answers a listing read into `arr` (NULL when it could not be made) by a walk that
 * returned `rc`: {"<key>": arr}, or the walk's error. Takes the reference to arr. */
static enum MHD_Result reply_list(jg__req *r, const char *key, json_t *arr, int rc,
				  const jg_err *err)
{
	if (!arr || rc) {
		json_decref(arr);
		return err->code ? jg__reply_err(r, err)
				 : jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	}
	return jg__reply_json(r, 200, json_pack("{s:o}", key, arr));
}

/* An account (user or token) as the lists show it. */
static int account_json(json_t *arr, const char *name, jg_role role, int64_t created_at)
{
	return json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "name", name, "role",
						    jg_role_name(role), "created_at",
						    (json_int_t)created_at));
}

static int on_user(const jg_user_info *u, void *payload)
{
	return account_json(payload, u->name, u->role, u->created_at);
}

enum MHD_Result jg__api_users_list(jg__req *r)
{
	jg_store *s = jg__reader(r);
	json_t *arr;
	jg_err err = {0};

	if (!s)
		return MHD_YES;
	arr = json_array();
	return reply_list(r, "users", arr, arr ? jg_user_each(s, on_user, arr, &err) : 0, &err);
}

static int token_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	user_ctx *c = j->ctx;

	return jg_token_add(s, c->name, c->role, c->digest, err);
}

static enum MHD_Result token_finish(jg__req *r)
{
	user_ctx *c = r->ctx;
	enum MHD_Result ret =
		jg__finish_json(r, 201,
				json_pack("{s:s, s:s, s:s}", "token", c->token, "name", c->name,
					  "role", jg_role_name(c->role)));

	memset(c->token, 0, sizeof(c->token));
	return ret;
}

enum MHD_Result jg__api_tokens_add(jg__req *r)
{
	static const jg__jfield spec[] = {{"name", JG__J_STR, JG__J_REQUIRED},
					  {"role", JG__J_STR, JG__J_REQUIRED},
					  {NULL, 0, 0}};
	jg_err err = {0};
	user_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	c->name = jg__jstr(r->json, "name");
	if (jg__check_id("name", c->name, &err))
		return jg__reply_err(r, &err);
	if (role_field(r, &c->role))
		return MHD_YES;
	if (jg_secret_new(c->token, &err))
		return jg__reply_err(r, &err);
	jg_digest_hex(c->digest, c->token, strlen(c->token));
	return jg__write(r, token_run, token_finish, c, JG__W_QUIET, 1, 201);
}

static int on_token(const jg_token_info *t, void *payload)
{
	return account_json(payload, t->name, t->role, t->created_at);
}

enum MHD_Result jg__api_tokens_list(jg__req *r)
{
	jg_store *s = jg__reader(r);
	json_t *arr;
	jg_err err = {0};

	if (!s)
		return MHD_YES;
	arr = json_array();
	return reply_list(r, "tokens", arr, arr ? jg_token_each(s, on_token, arr, &err) : 0, &err);
}

static int on_audit(const jg_audit_entry *e, void *payload)
{
	return json_array_append_new(
		payload, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "at", (json_int_t)e->at, "who",
				   e->who, "method", e->method, "path", e->path, "request_id",
				   e->request_id, "status", (json_int_t)e->status));
}

enum MHD_Result jg__api_audit(jg__req *r)
{
	int64_t offset = 0, limit = 100;
	jg_store *s;
	json_t *arr;
	jg_err err = {0};

	if (jg__query_i64(r, "offset", 0, INT64_MAX / 2, &offset) ||
	    jg__query_i64(r, "limit", 1, 1000, &limit))
		return MHD_YES;
	if (!(s = jg__reader(r)))
		return MHD_YES;
	arr = json_array();
	return reply_list(r, "audit", arr,
			  arr ? jg_audit_each(s, offset, limit, on_audit, arr, &err) : 0, &err);
}

/* ---- removing users, new passwords, revoking tokens --------------------------------------- */

typedef struct admin_count {
	int64_t admins;
} admin_count;

static int on_admin(const jg_user_info *u, void *payload)
{
	admin_count *n = payload;

	n->admins += u->role == JG_ROLE_ADMIN;
	return 0;
}

/* Runs at the writer, so the count and the removal see the same users: the last admin
 * cannot be removed (nobody could manage accounts through the server any more). */
static int user_remove_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	const char *name = j->ctx;
	jg_user_info u;
	admin_count n = {0};
	int rc = jg_user_get(s, name, &u, err);

	if (rc)
		return rc;
	if (u.role == JG_ROLE_ADMIN) {
		if ((rc = jg_user_each(s, on_admin, &n, err)))
			return rc;
		if (n.admins <= 1)
			return jg_err_set(err, JG_ESTATE,
					  "user \"%s\" is the last admin: add another admin first",
					  name);
	}
	return jg_user_remove(s, name, err);
}

static enum MHD_Result user_remove_finish(jg__req *r)
{
	return jg__finish_json(r, 200,
			       json_pack("{s:s, s:b}", "user", (const char *)r->ctx, "removed", 1));
}

enum MHD_Result jg__api_users_remove(jg__req *r)
{
	return jg__write(r, user_remove_run, user_remove_finish, (void *)r->params[0], JG__W_QUIET,
			 1, 200);
}

static int user_password_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	user_ctx *c = j->ctx;

	return jg_user_set_password(s, c->name, c->hash, err);
}

static enum MHD_Result user_password_finish(jg__req *r)
{
	user_ctx *c = r->ctx;

	return jg__finish_json(r, 200, json_pack("{s:s, s:b}", "user", c->name, "updated", 1));
}

/* The new password is hashed here, on the pool thread (Argon2id, as `jaego user passwd`);
 * the writer only stores the hash and ends the user's sessions. */
enum MHD_Result jg__api_users_password(jg__req *r)
{
	static const jg__jfield spec[] = {{"password", JG__J_STR, JG__J_REQUIRED}, {NULL, 0, 0}};
	jg_err err = {0};
	user_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	c->name = r->params[0];
	if (jg__check_id("name", c->name, &err))
		return jg__reply_err(r, &err);
	if (jg_password_hash(c->hash, jg__jstr(r->json, "password"), &err))
		return jg__reply_err(r, &err);
	return jg__write(r, user_password_run, user_password_finish, c, JG__W_QUIET, 1, 200);
}

static int token_revoke_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	return jg_token_revoke(s, j->ctx, err);
}

static enum MHD_Result token_revoke_finish(jg__req *r)
{
	return jg__finish_json(
		r, 200, json_pack("{s:s, s:b}", "token", (const char *)r->ctx, "revoked", 1));
}

enum MHD_Result jg__api_tokens_revoke(jg__req *r)
{
	return jg__write(r, token_revoke_run, token_revoke_finish, (void *)r->params[0],
			 JG__W_QUIET, 1, 200);
}
