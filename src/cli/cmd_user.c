/* SPDX-License-Identifier: MIT */
/*
 * `jaego user add|list|passwd|remove` and `jaego token create|list|revoke`: the accounts
 * that may use `jaego serve`. Passwords are read from stdin (or generated and shown once)
 * and stored as Argon2id hashes; a token is shown once and only its SHA-256 is stored.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jaego/access.h"

/* ---- users ---------------------------------------------------------------------------------- */

/* The password: the first line of stdin, without its line end. */
static int read_password(cli *c, char *out, size_t n)
{
	size_t len;

	if (!fgets(out, (int)n, stdin))
		return cli_usage(c,
				 "give the password on standard input, e.g. echo 'PASSWORD' | jaego"
				 " user add ...");
	len = strcspn(out, "\r\n");
	if (out[len] == '\0' && len == n - 1)
		return cli_usage(c, "the password is longer than %d bytes", JG_PASSWORD_MAX);
	out[len] = '\0';
	return 0;
}

/* A generated password: 18 random bytes as 24 characters of URL-safe base64. */
static int generate_password(char *out, size_t n, jg_err *err)
{
	static const char alphabet[] =
		"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_";
	unsigned char raw[24];
	size_t k = sizeof(alphabet) - 1;

	if (n < sizeof(raw) + 1 || jg_random_bytes(raw, sizeof(raw), err))
		return err ? err->code : JG_EINVAL;
	for (size_t i = 0; i < sizeof(raw); i++)
		out[i] = alphabet[raw[i] % k];
	out[sizeof(raw)] = '\0';
	return 0;
}

static int user_add(cli *c)
{
	const char *pos[1], *role = NULL, *gen = NULL;
	const cli_opt opts[] = {
		{"role", true, &role}, {"generate-password", false, &gen}, {NULL, false, NULL}};
	char pw[JG_PASSWORD_MAX + 2], hash[JG_PASSWORD_HASH_MAX];
	jg_role r;
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 1, 1,
		       "jaego user add NAME --role admin|operator|viewer [--generate-password]"
		       " (password on stdin)");
	if (rc)
		return rc;
	if (!role || jg_role_parse(&r, role))
		return cli_usage(c, "--role must be admin, operator or viewer");
	if (gen ? generate_password(pw, sizeof(pw), &err) : (rc = read_password(c, pw, sizeof(pw))))
		return rc ? rc : cli_fail(c, &err);
	if (jg_password_hash(hash, pw, &err)) {
		memset(pw, 0, sizeof(pw));
		return cli_fail(c, &err);
	}
	if ((rc = cli_store(c, false)) || jg_user_add(c->store, pos[0], r, hash, &err)) {
		memset(pw, 0, sizeof(pw));
		return rc ? rc : cli_fail(c, &err);
	}
	if (c->json) {
		json_t *doc = json_pack("{s:s, s:s}", "user", pos[0], "role", jg_role_name(r));

		if (doc && gen)
			json_object_set_new(doc, "password", json_string(pw));
		rc = cli_json(doc);
	} else if (gen) {
		printf("added user %s (%s) with password %s\n(shown once: keep it somewhere "
		       "safe)\n",
		       pos[0], jg_role_name(r), pw);
	} else {
		printf("added user %s (%s)\n", pos[0], jg_role_name(r));
	}
	memset(pw, 0, sizeof(pw));
	return rc;
}

static int user_passwd(cli *c)
{
	const char *pos[1];
	char pw[JG_PASSWORD_MAX + 2], hash[JG_PASSWORD_HASH_MAX];
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 1, 1, "jaego user passwd NAME (password on stdin)");
	if (rc || (rc = read_password(c, pw, sizeof(pw))))
		return rc;
	rc = jg_password_hash(hash, pw, &err);
	memset(pw, 0, sizeof(pw));
	if (rc)
		return cli_fail(c, &err);
	if ((rc = cli_store(c, false)))
		return rc;
	if (jg_user_set_password(c->store, pos[0], hash, &err))
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(json_pack("{s:s, s:b}", "user", pos[0], "updated", 1));
	printf("password of %s changed; their sessions ended\n", pos[0]);
	return CLI_OK;
}

static int user_remove(cli *c)
{
	const char *pos[1];
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 1, 1, "jaego user remove NAME");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	if (jg_user_remove(c->store, pos[0], &err))
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(json_pack("{s:s, s:b}", "user", pos[0], "removed", 1));
	printf("removed user %s\n", pos[0]);
	return CLI_OK;
}

typedef struct acct_list {
	json_t *arr;
	cli_table *t;
} acct_list;

static int on_user(const jg_user_info *u, void *payload)
{
	acct_list *l = payload;
	char when[32];

	if (l->arr)
		return json_array_append_new(l->arr,
					     json_pack("{s:s, s:s, s:I}", "user", u->name, "role",
						       jg_role_name(u->role), "created_at",
						       (json_int_t)u->created_at));
	jg_time_format(when, sizeof(when), u->created_at, JG_KST_OFFSET_MIN);
	return cli_table_row(l->t, (const char *[]){u->name, jg_role_name(u->role), when});
}

static int on_token(const jg_token_info *t, void *payload)
{
	acct_list *l = payload;
	char when[32];

	if (l->arr)
		return json_array_append_new(l->arr,
					     json_pack("{s:s, s:s, s:I}", "token", t->name, "role",
						       jg_role_name(t->role), "created_at",
						       (json_int_t)t->created_at));
	jg_time_format(when, sizeof(when), t->created_at, JG_KST_OFFSET_MIN);
	return cli_table_row(l->t, (const char *[]){t->name, jg_role_name(t->role), when});
}

static int acct_list_cmd(cli *c, bool tokens)
{
	const char *pos[1];
	acct_list l = {0};
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 0, 0, tokens ? "jaego token list" : "jaego user list");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	if (c->json)
		l.arr = json_array();
	else
		l.t = cli_table_new(
			3, (const char *[]){tokens ? "TOKEN" : "USER", "ROLE", "CREATED (KST)"});
	rc = tokens ? jg_token_each(c->store, on_token, &l, &err)
		    : jg_user_each(c->store, on_user, &l, &err);
	if (rc) {
		json_decref(l.arr);
		cli_table_free(l.t);
		return cli_fail(c, &err);
	}
	if (c->json)
		return cli_json(json_pack("{s:o}", tokens ? "tokens" : "users", l.arr));
	cli_table_print(l.t);
	cli_table_free(l.t);
	return CLI_OK;
}

int cmd_user(cli *c, const char *verb)
{
	if (strcmp(verb, "add") == 0)
		return user_add(c);
	if (strcmp(verb, "passwd") == 0)
		return user_passwd(c);
	if (strcmp(verb, "remove") == 0)
		return user_remove(c);
	if (strcmp(verb, "list") == 0)
		return acct_list_cmd(c, false);
	return cli_usage(c, "unknown subcommand (add, passwd, remove, list)");
}

/* ---- tokens ---------------------------------------------------------------------------------- */

static int token_create(cli *c)
{
	const char *pos[1], *role = NULL;
	const cli_opt opts[] = {{"role", true, &role}, {NULL, false, NULL}};
	char token[JG_SECRET_TEXT], digest[JG_DIGEST_TEXT];
	jg_role r;
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 1, 1,
		       "jaego token create NAME --role admin|operator|viewer");
	if (rc)
		return rc;
	if (!role || jg_role_parse(&r, role))
		return cli_usage(c, "--role must be admin, operator or viewer");
	if ((rc = cli_store(c, false)))
		return rc;
	if (jg_secret_new(token, &err))
		return cli_fail(c, &err);
	jg_digest_hex(digest, token, strlen(token));
	if (jg_token_add(c->store, pos[0], r, digest, &err)) {
		memset(token, 0, sizeof(token));
		return cli_fail(c, &err);
	}
	if (c->json)
		rc = cli_json(json_pack("{s:s}", "token", token));
	else
		printf("%s\n", token);
	memset(token, 0, sizeof(token));
	if (!c->json)
		fprintf(stderr, "token %s (%s) created; it is shown once, only its hash is kept\n",
			pos[0], jg_role_name(r));
	return rc;
}

static int token_revoke(cli *c)
{
	const char *pos[1];
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 1, 1, "jaego token revoke NAME");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	if (jg_token_revoke(c->store, pos[0], &err))
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(json_pack("{s:s, s:b}", "token", pos[0], "revoked", 1));
	printf("revoked token %s\n", pos[0]);
	return CLI_OK;
}

int cmd_token(cli *c, const char *verb)
{
	if (strcmp(verb, "create") == 0)
		return token_create(c);
	if (strcmp(verb, "revoke") == 0)
		return token_revoke(c);
	if (strcmp(verb, "list") == 0)
		return acct_list_cmd(c, true);
	return cli_usage(c, "unknown subcommand (create, list, revoke)");
}
