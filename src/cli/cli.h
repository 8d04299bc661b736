/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the `jaego` command: the invocation context, option parsing, table and
 * JSON output. Each command group lives in its own cmd_*.c file and maps each subcommand to
 * one library call (or one batch of them).
 */
#ifndef JAEGO_CLI_H
#define JAEGO_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "jaego/catalog.h"
#include "jaego/jaego.h"
#include "json/shapes.h"

/* Exit codes: 0 success, 1 the operation failed (not found, illegal transition, exists,
 * database), 2 usage error or invalid input value, 3 check found drift. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_DRIFT = 3 };

typedef struct cli {
	const char *db_url;
	bool json;
	jg_store *store;   /* opened lazily by cli_store() */
	int argc;          /* the command's own arguments, after the group and verb */
	char **argv;
	const char *cmd;   /* "sku add", for messages */
} cli;

/* One option of a subcommand. `value` receives the argument (or "1" for a flag). */
typedef struct cli_opt {
	const char *name;  /* without the leading "--" */
	bool has_arg;
	const char **value;
} cli_opt;

/*
 * Parses argv against `opts` (NULL-terminated by name) and collects positionals into
 * pos[0..*npos). Accepts "--name value" and "--name=value". Prints a usage error and
 * returns CLI_USAGE for an unknown option, a missing value, or positionals outside
 * [min_pos, max_pos].
 */
int cli_parse(cli *c, const cli_opt *opts, const char **pos, int *npos, int min_pos,
	      int max_pos, const char *usage);

/* Opens the store (and checks its schema unless `for_init`). Prints the error. */
int cli_store(cli *c, bool for_init);

/* Prints "jaego: <message>" for a failed library call and returns the exit code. */
int cli_fail(cli *c, const jg_err *err);
/* Prints a usage error and returns CLI_USAGE. */
int cli_usage(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses an int64 option value; prints a usage error naming `what`. */
int cli_i64(cli *c, const char *what, const char *text, int64_t *out);

/* JSON output: takes ownership of `doc`, prints it and a newline. */
int cli_json(json_t *doc);
/* A JSON string that is never NULL ("" for NULL input). */
json_t *cli_jstr(const char *s);

/* ---- tables ---------------------------------------------------------------------------- */

typedef struct cli_table cli_table;
cli_table *cli_table_new(int ncols, const char *const *headers);
/* Adds a row; cells are copied. Right-aligns cells that look numeric. */
int cli_table_row(cli_table *t, const char *const *cells);
void cli_table_print(cli_table *t);
void cli_table_free(cli_table *t);

/* Formats an int64 into a static-free caller buffer (>= 24 bytes). */
const char *cli_num(char *buf, int64_t v);

/* `jaego sku import` / `jaego listing import` (catalog.c). */
int cli_catalog_import(cli *c, jg_catalog_kind kind);

/* ---- command groups ----------------------------------------------------------------------- */

int cmd_init(cli *c);
int cmd_sku(cli *c, const char *verb);
int cmd_channel(cli *c, const char *verb);
int cmd_listing(cli *c, const char *verb);
int cmd_stock(cli *c, const char *verb);
int cmd_order(cli *c, const char *verb);
int cmd_queue(cli *c, bool oversold);
int cmd_check(cli *c);
int cmd_config(cli *c, const char *verb);
int cmd_demo(cli *c);
int cmd_import(cli *c);
int cmd_sync(cli *c, const char *verb);
int cmd_serve(cli *c);
int cmd_user(cli *c, const char *verb);
int cmd_token(cli *c, const char *verb);
int cmd_profile(cli *c, const char *verb);
int cmd_db(cli *c, const char *verb);

/* Loads the built-in and added profiles (opens the store). Prints the error. */
typedef struct jg_profiles jg_profiles;
int cli_profiles(cli *c, jg_profiles **out);

/* Prints order lines in the `order list` shape; used by order list, unmatched, oversold. */
int cli_print_orders(cli *c, const jg_order_filter *f);

#endif
