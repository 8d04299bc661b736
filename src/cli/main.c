/* SPDX-License-Identifier: MIT */
/*
 * The `jaego` command: global options (--db, --json), dispatch to the command groups, and
 * the shared option parser. Every subcommand prints one clear line on stderr and exits
 * non-zero when it fails; with --json it prints exactly one JSON document on stdout.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char USAGE[] =
	"usage: jaego [--db URL] [--json] COMMAND ...\n"
	"\n"
	"  init                                  create or migrate the database\n"
	"  sku add CODE --name NAME [--stock N] [--safety N] [--low-stock N]\n"
	"  sku set CODE [--name NAME] [--safety N] [--low-stock N]\n"
	"  sku import FILE.csv [--dry-run]       header sku,name,stock[,safety][,low_stock]\n"
	"  sku list\n"
	"  channel add NAME [--profile PROFILE]\n"
	"  channel set NAME [--buffer N] [--percent P] [--max N|none] [--end-when N|none]\n"
	"                   [--priority N] [--pause | --resume] [--profile PROFILE]\n"
	"  channel list\n"
	"  listing map CHANNEL PRODUCT_ID [--option TEXT] --to SKU[*QTY][,SKU*QTY...]\n"
	"  listing import FILE.csv [--dry-run]   header channel,product_id,option,recipe\n"
	"  listing list [--channel C]\n"
	"  stock receive SKU QTY [--note TEXT]\n"
	"  stock adjust SKU DELTA --reason TEXT\n"
	"  stock count SKU QTY [--note TEXT]     stocktake: records the difference\n"
	"  stock show [SKU...]\n"
	"  stock history SKU\n"
	"  order add CHANNEL LINE_ID --product PID [--option TEXT] --qty N [--order NO] [--at TIME]\n"
	"  order ship CHANNEL LINE_ID [--courier NAME] [--tracking NO]\n"
	"  order cancel CHANNEL LINE_ID\n"
	"  order return CHANNEL LINE_ID [--restock]\n"
	"  order list [--status open|shipped|cancelled|returned] [--channel C]\n"
	"  unmatched [--channel C]               lines waiting for a listing map\n"
	"  oversold [--channel C]                lines short of stock\n"
	"  import FILE... [--channel NAME] [--profile NAME] [--password PW] [--dry-run] [--strict]\n"
	"                                        apply channels' order files\n"
	"  profile list | show NAME | check FILE [--password PW]\n"
	"  profile add FILE.json [--replace] | remove NAME\n"
	"  sync plan [--channel C] [--force-raise]    what each channel must be told, and why\n"
	"  sync export --out DIR [--channel C] [--force-raise] [--no-mark]\n"
	"                                        write each channel's stock-update file\n"
	"  sync mark CHANNEL FILE                confirm an uploaded stock-update file\n"
	"  sync status                           per channel: imported, told, pending, held\n"
	"  check                                 recompute everything and compare\n"
	"  db copy [--from URL] --to URL         copy the seller's data to another database\n"
	"                                        (SQLite or PostgreSQL), proved before commit\n"
	"  serve [--listen HOST:PORT] [--threads N]   the HTTP API and dashboard (docs/api.md)\n"
	"  user add NAME --role admin|operator|viewer [--generate-password]   password on stdin\n"
	"  user list | passwd NAME | remove NAME\n"
	"  token create NAME --role admin|operator|viewer   prints the token once\n"
	"  token list | revoke NAME\n"
	"  config get|set priority-top [N]\n"
	"  demo                                  load demo data and show the stock table\n"
	"\n"
	"The database is --db URL, else $JAEGO_DB, else ./jaego.db: a SQLite file, or\n"
	"postgres://USER:PW@HOST/DB?tenant=SELLER for PostgreSQL (docs/postgres.md).\n";

int cli_usage(cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jaego %s: ", c->cmd ? c->cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE;
}

int cli_fail(cli *c, const jg_err *err)
{
	fprintf(stderr, "jaego %s: %s\n", c->cmd ? c->cmd : "",
		err->msg[0] ? err->msg : jg_strerror(err->code));
	if (err->code == JG_EDRIFT)
		return CLI_DRIFT;
	return err->code == JG_EINVAL ? CLI_USAGE : CLI_FAIL;
}

int cli_i64(cli *c, const char *what, const char *text, int64_t *out)
{
	if (jg_parse_i64(out, text))
		return cli_usage(c, "%s must be a whole number, not \"%s\"", what, text);
	return 0;
}

int cli_parse(cli *c, const cli_opt *opts, const char **pos, int *npos, int min_pos,
	      int max_pos, const char *usage)
{
	int n = 0;

	for (int i = 0; i < c->argc; i++) {
		const char *a = c->argv[i];
		const cli_opt *o;
		const char *eq;
		size_t len;

		if (strcmp(a, "--") == 0) {
			for (i++; i < c->argc; i++) {
				if (n == max_pos)
					return cli_usage(c, "too many arguments\nusage: %s", usage);
				pos[n++] = c->argv[i];
			}
			break;
		}
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (n == max_pos)
				return cli_usage(c, "unexpected argument \"%s\"\nusage: %s", a, usage);
			pos[n++] = a;
			continue;
		}
		eq = strchr(a + 2, '=');
		len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (o = opts; o && o->name; o++)
			if (strlen(o->name) == len && strncmp(o->name, a + 2, len) == 0)
				break;
		if (!o || !o->name)
			return cli_usage(c, "unknown option \"%s\"\nusage: %s", a, usage);
		if (!o->has_arg) {
			if (eq)
				return cli_usage(c, "option --%s takes no value", o->name);
			*o->value = "1";
		} else if (eq) {
			*o->value = eq + 1;
		} else if (i + 1 < c->argc) {
			*o->value = c->argv[++i];
		} else {
			return cli_usage(c, "option --%s needs a value\nusage: %s", o->name, usage);
		}
	}
	if (n < min_pos)
		return cli_usage(c, "missing arguments\nusage: %s", usage);
	*npos = n;
	return 0;
}

int cli_store(cli *c, bool for_init)
{
	jg_err err = {0};

	if (c->store)
		return 0;
	if (jg_store_open(&c->store, c->db_url, &err))
		return cli_fail(c, &err);
	if (!for_init && jg_store_require_schema(c->store, &err)) {
		int rc = cli_fail(c, &err);

		jg_store_close(c->store);
		c->store = NULL;
		return rc;
	}
	return 0;
}

static void *json_alloc(size_t n)
{
	return jg_malloc(n);
}

int main(int argc, char **argv)
{
	cli c = {0};
	char **rest;
	int n = 0, rc;
	const char *group, *verb;
	char cmdname[64];

	json_set_alloc_funcs(json_alloc, jg_free);
	c.db_url = getenv("JAEGO_DB");
	if (!c.db_url || !*c.db_url)
		c.db_url = "jaego.db";
	rest = jg_calloc((size_t)argc + 1, sizeof(*rest));
	if (!rest) {
		fputs("jaego: out of memory\n", stderr);
		return CLI_FAIL;
	}
	/* Global options may appear anywhere; everything else keeps its order. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			c.json = true;
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			c.db_url = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			c.db_url = argv[i] + 5;
		} else if (strcmp(argv[i], "--db") == 0) {
			fputs("jaego: --db needs a value\n", stderr);
			jg_free(rest);
			return CLI_USAGE;
		} else {
			rest[n++] = argv[i];
		}
	}
	if (n == 0 || strcmp(rest[0], "--help") == 0 || strcmp(rest[0], "help") == 0 ||
	    strcmp(rest[0], "-h") == 0) {
		fputs(USAGE, n == 0 ? stderr : stdout);
		jg_free(rest);
		return n == 0 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(rest[0], "--version") == 0 || strcmp(rest[0], "version") == 0) {
		printf("jaego %s\n", JAEGO_VERSION);
		jg_free(rest);
		return CLI_OK;
	}
	group = rest[0];
	verb = n > 1 ? rest[1] : NULL;
	c.argv = rest + 1;
	c.argc = n - 1;
	snprintf(cmdname, sizeof(cmdname), "%s", group);
	c.cmd = cmdname;

	/* Groups with a verb: shift it off and name the command "group verb". */
	if (strcmp(group, "sku") == 0 || strcmp(group, "channel") == 0 ||
	    strcmp(group, "listing") == 0 || strcmp(group, "stock") == 0 ||
	    strcmp(group, "order") == 0 || strcmp(group, "config") == 0 ||
	    strcmp(group, "profile") == 0 || strcmp(group, "sync") == 0 ||
	    strcmp(group, "user") == 0 || strcmp(group, "token") == 0 ||
	    strcmp(group, "db") == 0) {
		if (!verb || strncmp(verb, "--", 2) == 0) {
			rc = cli_usage(&c, "needs a subcommand (see jaego --help)");
			goto out;
		}
		snprintf(cmdname, sizeof(cmdname), "%s %s", group, verb);
		c.argv = rest + 2;
		c.argc = n - 2;
	}
	if (strcmp(group, "init") == 0)
		rc = cmd_init(&c);
	else if (strcmp(group, "sku") == 0)
		rc = cmd_sku(&c, verb);
	else if (strcmp(group, "channel") == 0)
		rc = cmd_channel(&c, verb);
	else if (strcmp(group, "listing") == 0)
		rc = cmd_listing(&c, verb);
	else if (strcmp(group, "stock") == 0)
		rc = cmd_stock(&c, verb);
	else if (strcmp(group, "order") == 0)
		rc = cmd_order(&c, verb);
	else if (strcmp(group, "unmatched") == 0)
		rc = cmd_queue(&c, false);
	else if (strcmp(group, "oversold") == 0)
		rc = cmd_queue(&c, true);
	else if (strcmp(group, "check") == 0)
		rc = cmd_check(&c);
	else if (strcmp(group, "config") == 0)
		rc = cmd_config(&c, verb);
	else if (strcmp(group, "demo") == 0)
		rc = cmd_demo(&c);
	else if (strcmp(group, "import") == 0)
		rc = cmd_import(&c);
	else if (strcmp(group, "profile") == 0)
		rc = cmd_profile(&c, verb);
	else if (strcmp(group, "sync") == 0)
		rc = cmd_sync(&c, verb);
	else if (strcmp(group, "serve") == 0)
		rc = cmd_serve(&c);
	else if (strcmp(group, "user") == 0)
		rc = cmd_user(&c, verb);
	else if (strcmp(group, "token") == 0)
		rc = cmd_token(&c, verb);
	else if (strcmp(group, "db") == 0)
		rc = cmd_db(&c, verb);
	else
		rc = cli_usage(&c, "unknown command (see jaego --help)");
out:
	jg_store_close(c.store);
	jg_free(rest);
	return rc;
}
