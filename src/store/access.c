/* SPDX-License-Identifier: MIT */
/*
 * Users, API tokens, sessions and the audit log (access.h). The store keeps only hashes
 * of secrets: Argon2id for passwords, SHA-256 digests for tokens and session ids, so a
 * copy of the database opens no account. These tables take no part in the stock
 * arithmetic: nothing here touches the dirty sets, and settling ignores them.
 */
#include <stdio.h>
#include <string.h>

#include "jaego/access.h"
#include "store_int.h"

#define AUDIT_TEXT_MAX 512 /* bytes kept of an audit path */

static int check_digest(const char *what, const char *d, jg_err *err)
{
	size_t n = d ? strlen(d) : 0;

	if (n != JG_DIGEST_TEXT - 1 && n != JG_SECRET_TEXT - 1)
		return jg_err_set(err, JG_EINVAL, "%s is not a hex digest", what);
	for (size_t i = 0; i < n; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
			return jg_err_set(err, JG_EINVAL, "%s is not a hex digest", what);
	return 0;
}

static void copy(char *out, size_t n, const char *s)
{
	snprintf(out, n, "%s", s ? s : "");
}

static jg_role role_of(int64_t v)
{
	return v == JG_ROLE_ADMIN      ? JG_ROLE_ADMIN
	       : v == JG_ROLE_OPERATOR ? JG_ROLE_OPERATOR
				       : JG_ROLE_VIEWER;
}

/* ---- users ------------------------------------------------------------------------------- */

static const char SQL_USER_ADD[] =
	"INSERT INTO app_user(name, role, password_hash, created_at) VALUES (?, ?, ?, ?)"
	" ON CONFLICT (name) DO NOTHING";
static const char SQL_USER_GET[] =
	"SELECT id, name, role, password_hash, created_at FROM app_user WHERE name = ?";
static const char SQL_USER_ALL[] =
	"SELECT id, name, role, '', created_at FROM app_user ORDER BY name";
static const char SQL_USER_PW[] = "UPDATE app_user SET password_hash = ? WHERE name = ?";
static const char SQL_USER_SESSIONS_END[] =
	"DELETE FROM app_session WHERE user_id = (SELECT id FROM app_user WHERE name = ?)";
static const char SQL_USER_DEL[] = "DELETE FROM app_user WHERE name = ?";

int jg_user_add(jg_store *s, const char *name, jg_role role, const char *password_hash, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	if ((rc = jg__check_code("user name", name, err)))
		return rc;
	if (role < JG_ROLE_VIEWER || role > JG_ROLE_ADMIN)
		return jg_err_set(err, JG_EINVAL, "user %s: unknown role", name);
	if (!password_hash || strncmp(password_hash, "$argon2id$", 10) != 0 ||
	    strlen(password_hash) >= JG_PASSWORD_HASH_MAX)
		return jg_err_set(err, JG_EINVAL, "user %s: not an Argon2id password hash", name);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_USER_ADD, "titi", name, (int64_t)role,
				      password_hash, jg_now_ms()));
	if (rc == 0 && s->drv->changes(s->db) == 0)
		rc = jg_err_set(err, JG_EEXISTS, "user \"%s\" exists already", name);
	return jg__op_end(s, rc, err);
}

static void user_row(jg_store *s, jg__stmt *st, jg_user_info *u)
{
	u->id = jg__i64(s, st, 0);
	copy(u->name, sizeof(u->name), jg__text(s, st, 1));
	u->role = role_of(jg__i64(s, st, 2));
	copy(u->password_hash, sizeof(u->password_hash), jg__text(s, st, 3));
	u->created_at = jg__i64(s, st, 4);
}

int jg_user_get(jg_store *s, const char *name, jg_user_info *out, jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	memset(out, 0, sizeof(*out));
	st = jg__q(s, err, SQL_USER_GET, "t", name);
	if (!st)
		return err->code;
	rc = jg__step(s, st, err);
	if (rc == 1)
		user_row(s, st, out);
	s->drv->reset(st);
	if (rc == 0)
		return jg_err_set(err, JG_ENOTFOUND, "unknown user \"%s\"", name);
	return rc < 0 ? rc : 0;
}

int jg_user_set_password(jg_store *s, const char *name, const char *password_hash, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	if (!password_hash || strncmp(password_hash, "$argon2id$", 10) != 0 ||
	    strlen(password_hash) >= JG_PASSWORD_HASH_MAX)
		return jg_err_set(err, JG_EINVAL, "user %s: not an Argon2id password hash", name);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_USER_PW, "tt", password_hash, name));
	if (rc == 0 && s->drv->changes(s->db) == 0)
		rc = jg_err_set(err, JG_ENOTFOUND, "unknown user \"%s\"", name);
	if (rc == 0)
		rc = jg__op_wrote(s, jg__exec(s, err, SQL_USER_SESSIONS_END, "t", name));
	return jg__op_end(s, rc, err);
}

int jg_user_remove(jg_store *s, const char *name, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_USER_SESSIONS_END, "t", name));
	if (rc == 0)
		rc = jg__op_wrote(s, jg__exec(s, err, SQL_USER_DEL, "t", name));
	if (rc == 0 && s->drv->changes(s->db) == 0)
		rc = jg_err_set(err, JG_ENOTFOUND, "unknown user \"%s\"", name);
	return jg__op_end(s, rc, err);
}

int jg_user_each(jg_store *s, jg_user_cb cb, void *payload, jg_err *err)
{
	jg__stmt *st;
	jg_user_info u;
	int rc;

	JG__ERR_GUARD(err);
	st = jg__q(s, err, SQL_USER_ALL, "");
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		user_row(s, st, &u);
		if ((rc = cb(&u, payload)))
			break;
	}
	s->drv->reset(st);
	return rc;
}

/* ---- tokens ------------------------------------------------------------------------------ */

static const char SQL_TOKEN_ADD[] =
	"INSERT INTO api_token(name, role, digest, created_at) VALUES (?, ?, ?, ?)"
	" ON CONFLICT DO NOTHING";
static const char SQL_TOKEN_FIND[] =
	"SELECT name, role, created_at FROM api_token WHERE digest = ?";
static const char SQL_TOKEN_ALL[] = "SELECT name, role, created_at FROM api_token ORDER BY name";
static const char SQL_TOKEN_DEL[] = "DELETE FROM api_token WHERE name = ?";

int jg_token_add(jg_store *s, const char *name, jg_role role, const char *digest, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	if ((rc = jg__check_code("token name", name, err)) ||
	    (rc = check_digest("token digest", digest, err)))
		return rc;
	if (role < JG_ROLE_VIEWER || role > JG_ROLE_ADMIN)
		return jg_err_set(err, JG_EINVAL, "token %s: unknown role", name);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_TOKEN_ADD, "titi", name, (int64_t)role, digest,
				      jg_now_ms()));
	if (rc == 0 && s->drv->changes(s->db) == 0)
		rc = jg_err_set(err, JG_EEXISTS, "a token named \"%s\" exists already", name);
	return jg__op_end(s, rc, err);
}

int jg_token_find(jg_store *s, const char *digest, jg_token_info *out, jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	memset(out, 0, sizeof(*out));
	st = jg__q(s, err, SQL_TOKEN_FIND, "t", digest);
	if (!st)
		return err->code;
	rc = jg__step(s, st, err);
	if (rc == 1) {
		copy(out->name, sizeof(out->name), jg__text(s, st, 0));
		out->role = role_of(jg__i64(s, st, 1));
		out->created_at = jg__i64(s, st, 2);
	}
	s->drv->reset(st);
	if (rc == 0)
		return jg_err_set(err, JG_ENOTFOUND, "unknown token");
	return rc < 0 ? rc : 0;
}

int jg_token_revoke(jg_store *s, const char *name, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_TOKEN_DEL, "t", name));
	if (rc == 0 && s->drv->changes(s->db) == 0)
		rc = jg_err_set(err, JG_ENOTFOUND, "no token named \"%s\"", name);
	return jg__op_end(s, rc, err);
}

int jg_token_each(jg_store *s, jg_token_cb cb, void *payload, jg_err *err)
{
	jg__stmt *st;
	jg_token_info t;
	int rc;

	JG__ERR_GUARD(err);
	st = jg__q(s, err, SQL_TOKEN_ALL, "");
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		copy(t.name, sizeof(t.name), jg__text(s, st, 0));
		t.role = role_of(jg__i64(s, st, 1));
		t.created_at = jg__i64(s, st, 2);
		if ((rc = cb(&t, payload)))
			break;
	}
	s->drv->reset(st);
	return rc;
}

/* ---- sessions ------------------------------------------------------------------------------ */

static const char SQL_SESSION_PURGE[] = "DELETE FROM app_session WHERE expires_at <= ?";
static const char SQL_SESSION_ADD[] =
	"INSERT INTO app_session(digest, user_id, csrf, created_at, expires_at)"
	" SELECT CAST(? AS TEXT), id, CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS INTEGER)"
	" FROM app_user WHERE name = ?";
static const char SQL_SESSION_FIND[] =
	"SELECT u.name, u.role, s.csrf, s.expires_at FROM app_session s"
	" JOIN app_user u ON u.id = s.user_id WHERE s.digest = ? AND s.expires_at > ?";
static const char SQL_SESSION_END[] = "DELETE FROM app_session WHERE digest = ?";

int jg_session_add(jg_store *s, const char *digest, const char *user, const char *csrf,
		   int64_t expires_at, jg_err *err)
{
	int64_t now = jg_now_ms();
	int rc;

	JG__ERR_GUARD(err);
	if ((rc = check_digest("session digest", digest, err)) ||
	    (rc = check_digest("CSRF token", csrf, err)) ||
	    (rc = jg__check_code("user name", user, err)))
		return rc;
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_SESSION_PURGE, "i", now));
	if (rc == 0)
		rc = jg__op_wrote(s, jg__exec(s, err, SQL_SESSION_ADD, "ttiit", digest, csrf, now,
					      expires_at, user));
	if (rc == 0 && s->drv->changes(s->db) == 0)
		rc = jg_err_set(err, JG_ENOTFOUND, "unknown user \"%s\"", user);
	return jg__op_end(s, rc, err);
}

int jg_session_find(jg_store *s, const char *digest, int64_t now, jg_session_info *out, jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	memset(out, 0, sizeof(*out));
	st = jg__q(s, err, SQL_SESSION_FIND, "ti", digest, now);
	if (!st)
		return err->code;
	rc = jg__step(s, st, err);
	if (rc == 1) {
		copy(out->user, sizeof(out->user), jg__text(s, st, 0));
		out->role = role_of(jg__i64(s, st, 1));
		copy(out->csrf, sizeof(out->csrf), jg__text(s, st, 2));
		out->expires_at = jg__i64(s, st, 3);
	}
	s->drv->reset(st);
	if (rc == 0)
		return jg_err_set(err, JG_ENOTFOUND, "no such session");
	return rc < 0 ? rc : 0;
}

int jg_session_end(jg_store *s, const char *digest, jg_err *err)
{
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_SESSION_END, "t", digest));
	return jg__op_end(s, rc, err);
}

/* ---- audit ----------------------------------------------------------------------------------- */

static const char SQL_AUDIT_ADD[] =
	"INSERT INTO audit(at, who, method, path, request_id, status) VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_AUDIT_PAGE[] =
	"SELECT at, who, method, path, request_id, status FROM audit ORDER BY id DESC"
	" LIMIT ? OFFSET ?";

/* A copy of `v` cut to fewer than `max` bytes at a UTF-8 boundary, in `buf`. */
static const char *cut(char *buf, size_t max, const char *v)
{
	size_t n = v ? strlen(v) : 0;

	if (n < max)
		return v ? v : "";
	n = max - 1;
	while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
		n--;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

int jg_audit_add(jg_store *s, const jg_audit_entry *e, jg_err *err)
{
	char who[JG_CODE_MAX], method[16], path[AUDIT_TEXT_MAX], rid[64];
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_AUDIT_ADD, "itttti", e->at ? e->at : jg_now_ms(),
				      cut(who, sizeof(who), e->who),
				      cut(method, sizeof(method), e->method),
				      cut(path, sizeof(path), e->path),
				      cut(rid, sizeof(rid), e->request_id), e->status));
	return jg__op_end(s, rc, err);
}

int jg_audit_each(jg_store *s, int64_t offset, int64_t limit, jg_audit_cb cb, void *payload,
		  jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	if (limit < 0 || limit > 1000 || offset < 0)
		return jg_err_set(err, JG_EINVAL, "limit must be 0 to 1000 and offset 0 or more");
	st = jg__q(s, err, SQL_AUDIT_PAGE, "ii", limit, offset);
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		jg_audit_entry e = {.at = jg__i64(s, st, 0),
				    .who = jg__text(s, st, 1),
				    .method = jg__text(s, st, 2),
				    .path = jg__text(s, st, 3),
				    .request_id = jg__text(s, st, 4),
				    .status = jg__i64(s, st, 5)};

		if ((rc = cb(&e, payload)))
			break;
	}
	s->drv->reset(st);
	return rc;
}
