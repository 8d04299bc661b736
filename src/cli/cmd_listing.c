/* SPDX-License-Identifier: MIT */
/*
 * `jaego listing map|import|list`: linking channel listings to SKUs and bundles, and
 * showing what each listing must show now and which rule decided it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "jaego/csv.h"

static int print_map(cli *c, const char *channel, const char *pid, const char *option,
		     const jg_map_result *r)
{
	if (c->json)
		return cli_json(json_pack("{s:s, s:s, s:s, s:b, s:I}", "channel", channel,
					  "product_id", pid, "option", option ? option : "", "created",
					  r->created, "lines_applied", (json_int_t)r->lines_applied));
	printf("%s listing %s %s%s%s", r->created ? "mapped" : "remapped", channel, pid,
	       option && *option ? " / " : "", option ? option : "");
	if (r->lines_applied)
		printf(", %lld waiting lines now take stock", (long long)r->lines_applied);
	putchar('\n');
	return CLI_OK;
}

static int listing_map(cli *c)
{
	const char *pos[2], *option = NULL, *to = NULL;
	const cli_opt opts[] = {{"option", true, &option}, {"to", true, &to}, {NULL, false, NULL}};
	jg_recipe_item items[JG_RECIPE_MAX];
	jg_map_result res;
	jg_err err = {0};
	int np, rc, n;

	rc = cli_parse(c, opts, pos, &np, 2, 2,
		       "jaego listing map CHANNEL PRODUCT_ID [--option TEXT] --to SKU[*QTY][,...]");
	if (rc)
		return rc;
	if (!to)
		return cli_usage(c, "--to is required, e.g. --to A or --to A*2,B");
	n = jg_recipe_parse(items, JG_RECIPE_MAX, to, &err);
	if (n < 0)
		return cli_usage(c, "%s", err.msg);
	if ((rc = cli_store(c, false)))
		return rc;
	if (jg_listing_map(c->store, pos[0], pos[1], option, items, (size_t)n, &res, &err))
		return cli_fail(c, &err);
	return print_map(c, pos[0], pos[1], option, &res);
}

/* ---- import --------------------------------------------------------------------------------- */

typedef struct map_row {
	char *channel, *pid, *option;
	jg_recipe_item items[JG_RECIPE_MAX];
	int n;
	int64_t row;
} map_row;

typedef struct listing_import {
	const char *file;
	int col[4]; /* channel, product_id, option, recipe */
	size_t ncols;
	map_row *rows;
	size_t n, cap;
	json_t *errors;
	int64_t nerrors;
	jg_err err;
} listing_import;

static const char *const LISTING_COLS[4] = {"channel", "product_id", "option", "recipe"};

static void lrow_error(listing_import *im, int64_t row, int col, const char *reason)
{
	im->nerrors++;
	if (json_array_size(im->errors) < 1000)
		json_array_append_new(im->errors, json_pack("{s:I, s:i, s:s}", "row", (json_int_t)row,
							    "column", col + 1, "reason", reason));
}

static char *cell(const char *const *cells, const size_t *lens, int col)
{
	size_t len = lens[col];
	const char *t = jg_text_trim(cells[col], &len);

	return jg_strndup(t, len);
}

static void free_row(map_row *r)
{
	jg_free(r->channel);
	jg_free(r->pid);
	jg_free(r->option);
}

static int on_listing_row(int64_t row, const char *const *cells, const size_t *lens, size_t n,
			  void *payload)
{
	listing_import *im = payload;
	map_row r = {0};
	jg_err perr = {0};
	char *recipe;

	if (row == 1) {
		for (int k = 0; k < 4; k++) {
			im->col[k] = -1;
			for (size_t i = 0; i < n; i++) {
				size_t len = lens[i];
				const char *t = jg_text_trim(cells[i], &len);

				if (len == strlen(LISTING_COLS[k]) &&
				    strncasecmp(t, LISTING_COLS[k], len) == 0)
					im->col[k] = (int)i;
			}
			if (im->col[k] < 0 && k != 2)
				return jg_err_set_at(&im->err, JG_EFORMAT, 1, 0,
						     "%s: row 1 must be the header "
						     "channel,product_id,option,recipe (no \"%s\")",
						     im->file, LISTING_COLS[k]);
		}
		im->ncols = n;
		return 0;
	}
	if (n != im->ncols) {
		lrow_error(im, row, (int)(n < im->ncols ? n : im->ncols),
			   "the row's column count differs from the header");
		return 0;
	}
	r.row = row;
	r.channel = cell(cells, lens, im->col[0]);
	r.pid = cell(cells, lens, im->col[1]);
	r.option = im->col[2] >= 0 ? cell(cells, lens, im->col[2]) : jg_strdup("");
	recipe = cell(cells, lens, im->col[3]);
	if (!r.channel || !r.pid || !r.option || !recipe) {
		free_row(&r);
		jg_free(recipe);
		return jg_err_set(&im->err, JG_ENOMEM, "out of memory");
	}
	if (!*r.channel)
		lrow_error(im, row, im->col[0], "empty channel");
	else if (!*r.pid)
		lrow_error(im, row, im->col[1], "empty product id");
	else if ((r.n = jg_recipe_parse(r.items, JG_RECIPE_MAX, recipe, &perr)) < 0)
		lrow_error(im, row, im->col[3], perr.msg);
	else {
		jg_free(recipe);
		if (im->n == im->cap) {
			size_t ncap = im->cap ? im->cap * 2 : 64;
			map_row *nr = jg_realloc(im->rows, ncap * sizeof(*nr));

			if (!nr) {
				free_row(&r);
				return jg_err_set(&im->err, JG_ENOMEM, "out of memory");
			}
			im->rows = nr;
			im->cap = ncap;
		}
		im->rows[im->n++] = r;
		return 0;
	}
	jg_free(recipe);
	free_row(&r);
	return 0;
}

static int listing_import_cmd(cli *c)
{
	const char *pos[1];
	listing_import im = {0};
	int64_t created = 0, remapped = 0, applied = 0;
	int np, rc, out = CLI_OK;

	rc = cli_parse(c, NULL, pos, &np, 1, 1, "jaego listing import FILE.csv");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	im.file = pos[0];
	im.errors = json_array();
	rc = jg_csv_read_file(pos[0], ',', NULL, on_listing_row, &im, &im.err);
	if (rc == 0 && im.nerrors == 0) {
		rc = jg_store_begin(c->store, &im.err);
		for (size_t i = 0; rc == 0 && i < im.n; i++) {
			map_row *r = &im.rows[i];
			jg_map_result res;

			rc = jg_listing_map(c->store, r->channel, r->pid, r->option, r->items,
					    (size_t)r->n, &res, &im.err);
			if (rc == JG_ENOTFOUND || rc == JG_EINVAL) {
				/* The store's message names the SKU or channel; add the row. */
				lrow_error(&im, r->row, im.col[rc == JG_ENOTFOUND &&
								       strstr(im.err.msg, "channel")
							       ? 0
							       : 3],
					   im.err.msg);
				jg_err_clear(&im.err);
				rc = 0;
				continue;
			}
			created += res.created;
			remapped += !res.created;
			applied += res.lines_applied;
		}
		if (rc == 0 && im.nerrors == 0)
			rc = jg_store_commit(c->store, &im.err);
		else
			jg_store_rollback(c->store);
	}
	if (rc) {
		out = cli_fail(c, &im.err);
	} else if (im.nerrors) {
		size_t i;
		json_t *e;

		fprintf(stderr, "jaego listing import: %s: %lld bad rows, nothing applied\n", pos[0],
			(long long)im.nerrors);
		json_array_foreach(im.errors, i, e)
		{
			fprintf(stderr, "%s: row %lld, column %lld: %s\n", pos[0],
				(long long)json_integer_value(json_object_get(e, "row")),
				(long long)json_integer_value(json_object_get(e, "column")),
				json_string_value(json_object_get(e, "reason")));
		}
		if (c->json)
			cli_json(json_pack("{s:s, s:I, s:I, s:I, s:O}", "file", pos[0], "created", 0,
					   "remapped", 0, "lines_applied", 0, "rejected", im.errors));
		out = CLI_FAIL;
	} else if (c->json) {
		out = cli_json(json_pack("{s:s, s:I, s:I, s:I, s:[]}", "file", pos[0], "created",
					 (json_int_t)created, "remapped", (json_int_t)remapped,
					 "lines_applied", (json_int_t)applied, "rejected"));
	} else {
		printf("%s: %lld listings mapped, %lld remapped, %lld waiting lines applied\n", pos[0],
		       (long long)created, (long long)remapped, (long long)applied);
	}
	for (size_t i = 0; i < im.n; i++)
		free_row(&im.rows[i]);
	jg_free(im.rows);
	json_decref(im.errors);
	return out;
}

/* ---- list ------------------------------------------------------------------------------------- */

typedef struct listing_list {
	json_t *arr;
	cli_table *t;
} listing_list;

static int on_listing(const jg_listing_info *l, void *payload)
{
	listing_list *ll = payload;
	char why[512], recipe[1024] = "", a[24], b[24];
	size_t used = 0;

	if (ll->arr)
		return json_array_append_new(ll->arr, jg_json_listing(l));
	for (size_t i = 0; i < l->n_recipe && used < sizeof(recipe); i++) {
		int k = l->recipe[i].qty > 1
				? snprintf(recipe + used, sizeof(recipe) - used, "%s%s*%lld",
					   i ? "," : "", l->recipe[i].sku, (long long)l->recipe[i].qty)
				: snprintf(recipe + used, sizeof(recipe) - used, "%s%s", i ? "," : "",
					   l->recipe[i].sku);
		if (k < 0)
			break;
		used += (size_t)k;
	}
	jg_listing_explain(why, sizeof(why), l);
	return cli_table_row(ll->t, (const char *[]){l->channel, l->product_id, l->option, recipe,
						     cli_num(a, l->listed),
						     l->last_told < 0 ? "-" : cli_num(b, l->last_told),
						     why});
}

static int listing_list_cmd(cli *c)
{
	const char *pos[1], *channel = NULL;
	const cli_opt opts[] = {{"channel", true, &channel}, {NULL, false, NULL}};
	listing_list l = {0};
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 0, 0, "jaego listing list [--channel C]");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	if (c->json)
		l.arr = json_array();
	else
		l.t = cli_table_new(7, (const char *[]){"CHANNEL", "PRODUCT", "OPTION", "RECIPE",
							"LISTED", "TOLD", "WHY"});
	if (jg_listing_each(c->store, channel, on_listing, &l, &err)) {
		json_decref(l.arr);
		cli_table_free(l.t);
		return cli_fail(c, &err);
	}
	if (c->json)
		return cli_json(json_pack("{s:o}", "listings", l.arr));
	cli_table_print(l.t);
	cli_table_free(l.t);
	return CLI_OK;
}

int cmd_listing(cli *c, const char *verb)
{
	if (strcmp(verb, "map") == 0)
		return listing_map(c);
	if (strcmp(verb, "import") == 0)
		return listing_import_cmd(c);
	if (strcmp(verb, "list") == 0)
		return listing_list_cmd(c);
	return cli_usage(c, "unknown subcommand (map, import, list)");
}
