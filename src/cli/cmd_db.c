/* SPDX-License-Identifier: MIT */
/*
 * `jaego db copy --from URL --to URL`: moves a seller's data between databases (SQLite and
 * PostgreSQL, either way) with jg_store_copy, which proves the copy before committing it.
 * URLs are printed without their passwords.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* `url` with the password of a "scheme://user:password@host" URL replaced by "***". */
static const char *shown(char *buf, size_t bufsz, const char *url)
{
	const char *scheme = strstr(url, "://"), *at, *colon;

	snprintf(buf, bufsz, "%s", url);
	if (!scheme)
		return buf;
	at = strchr(scheme + 3, '@');
	colon = strchr(scheme + 3, ':');
	if (at && colon && colon < at)
		snprintf(buf, bufsz, "%.*s:***%s", (int)(colon - url), url, at);
	return buf;
}

static bool is_pg(const char *url)
{
	return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

/* Opening a SQLite path creates the file: a source that does not exist is refused first. */
static bool source_missing(const char *url)
{
	struct stat st;

	if (is_pg(url) || strncmp(url, "file:", 5) == 0 || strcmp(url, ":memory:") == 0)
		return false;
	if (strncmp(url, "sqlite:", 7) == 0) {
		url += 7;
		if (strncmp(url, "//", 2) == 0)
			url += 2;
	}
	return stat(url, &st) != 0;
}

static int db_copy(cli *c)
{
	const char *pos[1], *from = NULL, *to = NULL;
	const cli_opt opts[] = {{"from", true, &from}, {"to", true, &to}, {NULL, false, NULL}};
	char fbuf[1024], tbuf[1024];
	jg_store *src = NULL, *dst = NULL;
	jg_copy_report r;
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 0, 0, "jaego db copy [--from URL] --to URL");
	if (rc)
		return rc;
	if (!from)
		from = c->db_url;
	if (!to)
		return cli_usage(c, "--to is required\nusage: jaego db copy [--from URL] --to URL");
	if (strcmp(from, to) == 0)
		return cli_usage(c, "--from and --to name the same database");
	if (source_missing(from)) {
		jg_err_set(&err, JG_ENOTFOUND, "the source %s does not exist",
			   shown(fbuf, sizeof(fbuf), from));
		return cli_fail(c, &err);
	}
	if (jg_store_open(&src, from, &err) || jg_store_open(&dst, to, &err)) {
		rc = cli_fail(c, &err);
		goto out;
	}
	if (jg_store_copy(src, dst, &r, &err)) {
		rc = cli_fail(c, &err);
		goto out;
	}
	shown(fbuf, sizeof(fbuf), from);
	shown(tbuf, sizeof(tbuf), to);
	if (c->json) {
		json_t *tables = json_array();

		for (size_t i = 0; i < r.n_tables; i++)
			json_array_append_new(tables,
					      json_pack("{s:s, s:I, s:s}", "table", r.tables[i].name,
							"rows", (json_int_t)r.tables[i].rows,
							"digest", r.tables[i].digest));
		rc = cli_json(json_pack("{s:s, s:s, s:i, s:I, s:o, s:b, s:I, s:I}", "from", fbuf,
					"to", tbuf, "schema_version", r.schema_version, "rows",
					(json_int_t)r.rows, "tables", tables, "check_ok", 1,
					"copy_ms", (json_int_t)r.copy_ms, "total_ms",
					(json_int_t)r.total_ms));
		goto out;
	} else {
		const char *const head[] = {"table", "rows", "digest"};
		cli_table *t = cli_table_new(3, head);
		char num[24], dig[20];

		for (size_t i = 0; t && i < r.n_tables; i++) {
			const char *cells[3];

			snprintf(dig, sizeof(dig), "%.16s", r.tables[i].digest);
			cells[0] = r.tables[i].name;
			cells[1] = cli_num(num, r.tables[i].rows);
			cells[2] = dig;
			cli_table_row(t, cells);
		}
		if (t)
			cli_table_print(t);
		cli_table_free(t);
		printf("copied %lld rows from %s to %s in %.2f s; every table's rows and digest"
		       " match, and check passes on the copy (%lld SKUs, %lld listings, %lld lines)\n",
		       (long long)r.rows, fbuf, tbuf, (double)r.total_ms / 1000.0,
		       (long long)r.check.skus, (long long)r.check.listings,
		       (long long)r.check.lines);
	}
	rc = CLI_OK;
out:
	jg_store_close(dst);
	jg_store_close(src);
	return rc;
}

int cmd_db(cli *c, const char *verb)
{
	if (strcmp(verb, "copy") == 0)
		return db_copy(c);
	return cli_usage(c, "unknown subcommand (see jaego --help)");
}
