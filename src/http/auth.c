/* SPDX-License-Identifier: MIT */
/*
 * Who is asking: a bearer token (scripts) or the session cookie (the dashboard), each
 * looked up by the SHA-256 digest of the secret the client holds, so the database never
 * sees a secret. And the login rate limit: failed logins counted per client address and
 * per user name in a small table in memory; JG__LOGIN_FAILS failures within a minute
 * block further attempts (HTTP 429) until the oldest of them is a minute old. The table
 * is bounded; when full, the entry that failed longest ago is forgotten.
 */
#include <string.h>

#include "http_int.h"

#define COOKIE_NAME     "jaego_session"
#define LIMIT_SLOTS     1024
#define LIMIT_WINDOW_MS 60000

/* Takes the value of cookie `name` out of a Cookie header into out[n]. */
static bool cookie_value(const char *header, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = header;

	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			const char *v = p + nl + 1, *end = strchr(v, ';');
			size_t len = end ? (size_t)(end - v) : strlen(v);

			while (len > 0 && v[len - 1] == ' ')
				len--;
			if (len == 0 || len >= n)
				return false;
			memcpy(out, v, len);
			out[len] = '\0';
			return true;
		}
		p = strchr(p, ';');
	}
	return false;
}

static bool hex_secret(const char *s)
{
	size_t n = strlen(s);

	if (n != JG_SECRET_TEXT - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int jg__auth_resolve(jg__req *r, jg_err *err)
{
	const char *authz = jg__header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *cookies = jg__header(r, MHD_HTTP_HEADER_COOKIE);
	char secret[JG_SECRET_TEXT], digest[JG_DIGEST_TEXT];
	jg_store *s;
	int rc;

	memset(&r->who, 0, sizeof(r->who));
	if (authz && strncmp(authz, "Bearer ", 7) == 0) {
		jg_token_info t;
		const char *tok = authz + 7;

		while (*tok == ' ')
			tok++;
		if (!hex_secret(tok))
			return 0;
		if (!(s = jg__http_reader(r->srv, err)))
			return err->code;
		jg_digest_hex(digest, tok, strlen(tok));
		rc = jg_token_find(s, digest, &t, err);
		if (rc == JG_ENOTFOUND) {
			jg_err_clear(err);
			return 0;
		}
		if (rc)
			return rc;
		r->who.authed = true;
		memcpy(r->who.name, t.name, sizeof(r->who.name));
		r->who.role = t.role;
		return 0;
	}
	if (cookies && cookie_value(cookies, COOKIE_NAME, secret, sizeof(secret)) &&
	    hex_secret(secret)) {
		jg_session_info si;

		if (!(s = jg__http_reader(r->srv, err)))
			return err->code;
		jg_digest_hex(digest, secret, strlen(secret));
		rc = jg_session_find(s, digest, jg_now_ms(), &si, err);
		if (rc == JG_ENOTFOUND) {
			jg_err_clear(err);
			return 0;
		}
		if (rc)
			return rc;
		r->who.authed = true;
		r->who.session = true;
		memcpy(r->who.name, si.user, sizeof(r->who.name));
		r->who.role = si.role;
		memcpy(r->who.csrf, si.csrf, sizeof(r->who.csrf));
		memcpy(r->who.session_digest, digest, sizeof(r->who.session_digest));
	}
	return 0;
}

/* ---- the login rate limit ----------------------------------------------------------------- */

typedef struct limit_slot {
	char key[JG_CODE_MAX + 8];
	int64_t fails[JG__LOGIN_FAILS]; /* times of the latest failures, a ring */
	unsigned next;
	int64_t last;
} limit_slot;

static pthread_mutex_t limit_mu = PTHREAD_MUTEX_INITIALIZER;
static limit_slot limits[LIMIT_SLOTS];

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of `key`; with `create`, a new one (evicting the stalest of 8 probed). Called
 * with limit_mu held. */
static limit_slot *slot_of(const char *key, bool create)
{
	size_t start = (size_t)(fnv(key) % LIMIT_SLOTS), victim = start;

	for (size_t i = 0; i < 8; i++) {
		limit_slot *sl = &limits[(start + i) % LIMIT_SLOTS];

		if (strcmp(sl->key, key) == 0)
			return sl;
		if (sl->last < limits[victim].last)
			victim = (start + i) % LIMIT_SLOTS;
	}
	if (!create)
		return NULL;
	memset(&limits[victim], 0, sizeof(limits[victim]));
	snprintf(limits[victim].key, sizeof(limits[victim].key), "%s", key);
	return &limits[victim];
}

/* Milliseconds until `key` may try again; 0 when it may now. Called with limit_mu held. */
static int64_t blocked_for(const char *key, int64_t now)
{
	limit_slot *sl = slot_of(key, false);
	int64_t oldest = INT64_MAX;
	int recent = 0;

	if (!sl)
		return 0;
	for (int i = 0; i < JG__LOGIN_FAILS; i++)
		if (sl->fails[i] && now - sl->fails[i] < LIMIT_WINDOW_MS) {
			recent++;
			if (sl->fails[i] < oldest)
				oldest = sl->fails[i];
		}
	return recent >= JG__LOGIN_FAILS ? oldest + LIMIT_WINDOW_MS - now : 0;
}

static void keys(char *ipk, char *userk, size_t n, const char *ip, const char *user)
{
	snprintf(ipk, n, "ip:%s", ip ? ip : "");
	snprintf(userk, n, "user:%s", user ? user : "");
}

bool jg__login_blocked(const char *ip, const char *user, int64_t *retry_s)
{
	char ipk[JG_CODE_MAX + 8], userk[JG_CODE_MAX + 8];
	int64_t now = jg_now_ms(), a, b;

	keys(ipk, userk, sizeof(ipk), ip, user);
	pthread_mutex_lock(&limit_mu);
	a = blocked_for(ipk, now);
	b = user && *user ? blocked_for(userk, now) : 0;
	pthread_mutex_unlock(&limit_mu);
	if (a < b)
		a = b;
	*retry_s = a > 0 ? (a + 999) / 1000 : 0;
	return a > 0;
}

void jg__login_failed(const char *ip, const char *user)
{
	char ipk[JG_CODE_MAX + 8], userk[JG_CODE_MAX + 8];
	int64_t now = jg_now_ms();

	keys(ipk, userk, sizeof(ipk), ip, user);
	pthread_mutex_lock(&limit_mu);
	for (int k = 0; k < 2; k++) {
		limit_slot *sl;

		if (k == 1 && !(user && *user))
			break;
		sl = slot_of(k == 0 ? ipk : userk, true);
		sl->fails[sl->next] = now;
		sl->next = (sl->next + 1) % JG__LOGIN_FAILS;
		sl->last = now;
	}
	pthread_mutex_unlock(&limit_mu);
}

void jg__login_succeeded(const char *ip, const char *user)
{
	char ipk[JG_CODE_MAX + 8], userk[JG_CODE_MAX + 8];

	(void)ip; /* an address's failures stand: many users may share it, some guessing */
	keys(ipk, userk, sizeof(ipk), ip, user);
	pthread_mutex_lock(&limit_mu);
	{
		limit_slot *sl = slot_of(userk, false);

		if (sl)
			memset(sl->fails, 0, sizeof(sl->fails));
	}
	pthread_mutex_unlock(&limit_mu);
}
