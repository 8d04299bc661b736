/* SPDX-License-Identifier: MIT */
/*
 * Secrets for the server's users, tokens and sessions: random bytes from the kernel
 * (getrandom), SHA-256 digests (OpenSSL's libcrypto), constant-time comparison, and
 * Argon2id password hashes (libargon2) in the standard encoded form, so that the
 * parameters travel with each hash and can be raised later without breaking old ones.
 *
 * Everything here is thread-safe. libargon2 allocates its memory block (19 MiB per hash)
 * itself, outside jg_malloc, as SQLite does its page cache.
 */
#define _GNU_SOURCE /* getrandom */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <argon2.h>
#include <openssl/sha.h>

#include "jaego/access.h"
#include "jaego/util.h"

/* OWASP's floor for Argon2id: 19 MiB, two passes, one lane. */
#define ARGON2_T_COST     2
#define ARGON2_M_COST_KIB 19456
#define ARGON2_LANES      1
#define ARGON2_SALT_BYTES 16
#define ARGON2_HASH_BYTES 32

const char *jg_role_name(jg_role r)
{
	switch (r) {
	case JG_ROLE_VIEWER: return "viewer";
	case JG_ROLE_OPERATOR: return "operator";
	case JG_ROLE_ADMIN: return "admin";
	}
	return "viewer";
}

int jg_role_parse(jg_role *out, const char *name)
{
	static const jg_role all[] = {JG_ROLE_VIEWER, JG_ROLE_OPERATOR, JG_ROLE_ADMIN};

	for (size_t i = 0; name && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(name, jg_role_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return JG_EINVAL;
}

int jg_random_bytes(void *buf, size_t n, jg_err *err)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (err && !err->code)
				err->sys = errno;
			return jg_err_set(err, JG_EIO, "getrandom: %s", strerror(errno));
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static void to_hex(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int jg_secret_new(char out[JG_SECRET_TEXT], jg_err *err)
{
	unsigned char raw[JG_SECRET_BYTES];
	int rc = jg_random_bytes(raw, sizeof(raw), err);

	out[0] = '\0';
	if (rc == 0)
		to_hex(out, raw, sizeof(raw));
	memset(raw, 0, sizeof(raw));
	return rc;
}

void jg_digest_hex(char out[JG_DIGEST_TEXT], const void *data, size_t n)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, n, md);
	to_hex(out, md, sizeof(md));
}

bool jg_secret_equal(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char diff = (unsigned char)(na != nb);

	for (size_t i = 0; i < na; i++)
		diff |= (unsigned char)(a[i] ^ (nb ? b[i % nb] : 0));
	return diff == 0;
}

int jg_password_hash(char out[JG_PASSWORD_HASH_MAX], const char *password, jg_err *err)
{
	unsigned char salt[ARGON2_SALT_BYTES];
	size_t n = password ? strlen(password) : 0;
	int rc;

	out[0] = '\0';
	if (n < JG_PASSWORD_MIN || n > JG_PASSWORD_MAX)
		return jg_err_set(err, JG_EINVAL, "a password must be %d to %d bytes long",
				  JG_PASSWORD_MIN, JG_PASSWORD_MAX);
	if (argon2_encodedlen(ARGON2_T_COST, ARGON2_M_COST_KIB, ARGON2_LANES, ARGON2_SALT_BYTES,
			      ARGON2_HASH_BYTES, Argon2_id) > JG_PASSWORD_HASH_MAX)
		return jg_err_set(err, JG_ELIMIT, "the password hash does not fit");
	if ((rc = jg_random_bytes(salt, sizeof(salt), err)))
		return rc;
	rc = argon2id_hash_encoded(ARGON2_T_COST, ARGON2_M_COST_KIB, ARGON2_LANES, password, n,
				   salt, sizeof(salt), ARGON2_HASH_BYTES, out,
				   JG_PASSWORD_HASH_MAX);
	if (rc != ARGON2_OK) {
		out[0] = '\0';
		return jg_err_set(err, rc == ARGON2_MEMORY_ALLOCATION_ERROR ? JG_ENOMEM : JG_EIO,
				  "hashing the password failed: %s", argon2_error_message(rc));
	}
	return 0;
}

bool jg_password_verify(const char *encoded, const char *password)
{
	size_t n = password ? strlen(password) : 0;

	if (!encoded || strncmp(encoded, "$argon2id$", 10) != 0 || n > JG_PASSWORD_MAX)
		return false;
	return argon2id_verify(encoded, password ? password : "", n) == ARGON2_OK;
}
