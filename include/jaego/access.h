/* SPDX-License-Identifier: MIT */
/*
 * Who may use the server, and what they did: users with a role and an Argon2id password
 * hash, API tokens for scripts (only a SHA-256 of each token is stored; the token itself is
 * shown once), dashboard sessions (likewise stored as a hash, with their CSRF token) and the
 * audit log of every write made through the server.
 *
 * Secrets never appear in the database in the clear: passwords are Argon2id hashes with a
 * random salt, tokens and session ids are SHA-256 digests of 32 random bytes. Roles are
 * ordered: a viewer reads, an operator also writes, an admin also manages users and tokens.
 *
 * The store functions follow store.h: they take a jg_store used by one thread at a time.
 * The secret helpers are pure and thread-safe.
 */
#ifndef JAEGO_ACCESS_H
#define JAEGO_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Roles, ordered: each may do what the ones below it may. */
typedef enum jg_role {
	JG_ROLE_VIEWER = 0,   /* reads */
	JG_ROLE_OPERATOR = 1, /* also writes stock, orders, channels, listings, imports, sync */
	JG_ROLE_ADMIN = 2     /* also manages users and tokens */
} jg_role;

/* "viewer", "operator", "admin". */
const char *jg_role_name(jg_role r);
/* Parses those names; JG_EINVAL otherwise. */
int jg_role_parse(jg_role *out, const char *name);

/* ---- secrets (thread-safe, no store) ------------------------------------------------------ */

#define JG_SECRET_BYTES      32                        /* random bytes in a token or session id */
#define JG_SECRET_TEXT       (JG_SECRET_BYTES * 2 + 1) /* as lower-case hex, with the NUL */
#define JG_DIGEST_TEXT       65                        /* a SHA-256 digest as hex, with the NUL */
#define JG_PASSWORD_HASH_MAX 128                       /* an encoded Argon2id hash, with the NUL */
#define JG_PASSWORD_MIN      8                         /* bytes in a password, at least */
#define JG_PASSWORD_MAX      1024                      /* ... and at most */

/* Fills `buf` with `n` bytes from the kernel's random source (getrandom). JG_EIO on
 * failure. */
int jg_random_bytes(void *buf, size_t n, jg_err *err);

/* A new secret: JG_SECRET_BYTES random bytes as hex into out[JG_SECRET_TEXT]. */
int jg_secret_new(char out[JG_SECRET_TEXT], jg_err *err);

/* The SHA-256 of `n` bytes as lower-case hex into out[JG_DIGEST_TEXT]. Never fails. */
void jg_digest_hex(char out[JG_DIGEST_TEXT], const void *data, size_t n);

/* True when the two strings are equal, in time that depends only on their lengths. */
bool jg_secret_equal(const char *a, const char *b);

/*
 * Hashes a password with Argon2id and a fresh random salt, as the encoded string
 * "$argon2id$v=19$m=...,t=...,p=...$salt$hash" into out[JG_PASSWORD_HASH_MAX].
 * JG_EINVAL for a password outside JG_PASSWORD_MIN..JG_PASSWORD_MAX bytes, JG_EIO or
 * JG_ENOMEM when hashing fails.
 */
int jg_password_hash(char out[JG_PASSWORD_HASH_MAX], const char *password, jg_err *err);

/* True when `password` matches the encoded hash. Takes about as long for a wrong password
 * as for a right one. */
bool jg_password_verify(const char *encoded, const char *password);

/* ---- users ------------------------------------------------------------------------------- */

typedef struct jg_user_info {
	int64_t id;
	char name[JG_CODE_MAX];
	jg_role role;
	char password_hash[JG_PASSWORD_HASH_MAX];
	int64_t created_at;
} jg_user_info;

/* Adds a user. `name` follows the rules of an id (non-empty, < 128 bytes, UTF-8, no control
 * characters); `password_hash` comes from jg_password_hash. JG_EEXISTS when taken. */
int jg_user_add(jg_store *s, const char *name, jg_role role, const char *password_hash,
		jg_err *err);
/* Looks a user up by name into *out. JG_ENOTFOUND when there is none. */
int jg_user_get(jg_store *s, const char *name, jg_user_info *out, jg_err *err);
/* Replaces a user's password hash and ends their sessions. JG_ENOTFOUND. */
int jg_user_set_password(jg_store *s, const char *name, const char *password_hash, jg_err *err);
/* Removes a user and their sessions. JG_ENOTFOUND. */
int jg_user_remove(jg_store *s, const char *name, jg_err *err);
typedef int (*jg_user_cb)(const jg_user_info *u, void *payload);
/* Walks the users by name (password_hash is left empty). */
int jg_user_each(jg_store *s, jg_user_cb cb, void *payload, jg_err *err);

/* ---- API tokens ------------------------------------------------------------------------------ */

typedef struct jg_token_info {
	char name[JG_CODE_MAX];
	jg_role role;
	int64_t created_at;
} jg_token_info;

/* Stores a token under `name` by its digest (jg_digest_hex of the token text). JG_EEXISTS
 * when the name is taken. */
int jg_token_add(jg_store *s, const char *name, jg_role role, const char *digest, jg_err *err);
/* Finds the token with this digest. JG_ENOTFOUND when there is none. */
int jg_token_find(jg_store *s, const char *digest, jg_token_info *out, jg_err *err);
/* Revokes (deletes) the token named `name`. JG_ENOTFOUND. */
int jg_token_revoke(jg_store *s, const char *name, jg_err *err);
typedef int (*jg_token_cb)(const jg_token_info *t, void *payload);
/* Walks the tokens by name (never the tokens themselves: only their digests are kept). */
int jg_token_each(jg_store *s, jg_token_cb cb, void *payload, jg_err *err);

/* ---- sessions -------------------------------------------------------------------------------- */

typedef struct jg_session_info {
	char user[JG_CODE_MAX];
	jg_role role;
	char csrf[JG_SECRET_TEXT];
	int64_t expires_at;
} jg_session_info;

/* Starts a session for `user`, stored by the digest of its id, with its CSRF token, ending
 * at `expires_at` (UTC ms). Expired sessions are removed on the way. JG_ENOTFOUND for an
 * unknown user. */
int jg_session_add(jg_store *s, const char *digest, const char *user, const char *csrf,
		   int64_t expires_at, jg_err *err);
/* Finds a live session (expires_at > now) by digest, with its user's current role.
 * JG_ENOTFOUND when there is none or it has expired. */
int jg_session_find(jg_store *s, const char *digest, int64_t now, jg_session_info *out,
		    jg_err *err);
/* Ends a session. Ending an unknown one is not an error. */
int jg_session_end(jg_store *s, const char *digest, jg_err *err);

/* ---- audit log ------------------------------------------------------------------------------- */

typedef struct jg_audit_entry {
	int64_t at;         /* UTC ms */
	const char *who;    /* the jaego account (user or token name), "" if none */
	const char *method; /* "POST", ... */
	const char *path;   /* without the query */
	const char *request_id;
	int64_t status; /* the HTTP status answered */
} jg_audit_entry;

/* Appends an entry. Strings are truncated to their column caps, never refused. */
int jg_audit_add(jg_store *s, const jg_audit_entry *e, jg_err *err);
typedef int (*jg_audit_cb)(const jg_audit_entry *e, void *payload);
/* Walks the newest `limit` entries (at most 1000), newest first, skipping `offset`. */
int jg_audit_each(jg_store *s, int64_t offset, int64_t limit, jg_audit_cb cb, void *payload,
		  jg_err *err);

#ifdef __cplusplus
}
#endif
#endif
