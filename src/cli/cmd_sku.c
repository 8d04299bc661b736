/* SPDX-License-Identifier: MIT */
/*
 * `jaego sku add|set|import|list`. An import is all or nothing: every row is validated,
 * every bad row is reported with its row and column, and only a clean file is applied, in
 * one transaction.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "jaego/csv.h"

static int sku_add(cli *c)
{
	const char *pos[1], *name = NULL, *stock = NULL, *safety = NULL, *low = NULL;
	const cli_opt opts[] = {{"name", true, &name},
				{"stock", true, &stock},
				{"safety", true, &safety},
				{"low-stock", true, &low},
				{NULL, false, NULL}};
	int64_t st = 0, sf = 0, lo = 0;
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 1, 1,
		       "jaego sku add CODE --name NAME [--stock N] [--safety N] [--low-stock N]");
	if (rc)
		return rc;
	if (!name)
		return cli_usage(c, "--name is required");
	if ((stock && (rc = cli_i64(c, "--stock", stock, &st))) ||
	    (safety && (rc = cli_i64(c, "--safety", safety, &sf))) ||
	    (low && (rc = cli_i64(c, "--low-stock", low, &lo))))
		return rc;
	if ((rc = cli_store(c, false)))
		return rc;
	/* One batch: the SKU and its first count appear together or not at all. */
	rc = jg_store_begin(c->store, &err);
	if (rc == 0)
		rc = jg_sku_add(c->store, pos[0], name, sf, &err);
	if (rc == 0 && low) {
		jg_sku_patch p = {.set = JG_SKU_SET_LOW_STOCK, .low_stock = lo};

		rc = jg_sku_update(c->store, pos[0], &p, &err);
	}
	if (rc == 0 && stock)
		rc = jg_stock_count(c->store, pos[0], st, "initial stock", NULL, &err);
	if (rc == 0)
		rc = jg_store_commit(c->store, &err);
	else
		jg_store_rollback(c->store);
	if (rc)
		return cli_fail(c, &err);
	if (c->json) {
		return cli_json(json_pack("{s:s, s:s, s:I, s:I}", "sku", pos[0], "name", name,
					  "stock", (json_int_t)st, "safety", (json_int_t)sf));
	}
	printf("added SKU %s (%s), on hand %lld, safety %lld\n", pos[0], name, (long long)st,
	       (long long)sf);
	return CLI_OK;
}

static int sku_set(cli *c)
{
	const char *pos[1], *name = NULL, *safety = NULL, *low = NULL;
	const cli_opt opts[] = {{"name", true, &name},
				{"safety", true, &safety},
				{"low-stock", true, &low},
				{NULL, false, NULL}};
	jg_sku_patch p = {0};
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 1, 1,
		       "jaego sku set CODE [--name NAME] [--safety N] [--low-stock N]");
	if (rc)
		return rc;
	if (name) {
		p.set |= JG_SKU_SET_NAME;
		p.name = name;
	}
	if (safety) {
		if ((rc = cli_i64(c, "--safety", safety, &p.safety)))
			return rc;
		p.set |= JG_SKU_SET_SAFETY;
	}
	if (low) {
		if ((rc = cli_i64(c, "--low-stock", low, &p.low_stock)))
			return rc;
		p.set |= JG_SKU_SET_LOW_STOCK;
	}
	if (!p.set)
		return cli_usage(c, "nothing to set: give --name, --safety or --low-stock");
	if ((rc = cli_store(c, false)))
		return rc;
	if (jg_sku_update(c->store, pos[0], &p, &err))
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(json_pack("{s:s, s:b}", "sku", pos[0], "updated", 1));
	printf("updated SKU %s\n", pos[0]);
	return CLI_OK;
}

/* ---- import ------------------------------------------------------------------------------ */

#define IMPORT_MAX_ERRORS 1000

typedef struct sku_row {
	char *code, *name;
	int64_t stock, safety, low;
	bool has_safety, has_low;
} sku_row;

typedef struct sku_import_t {
	const char *file;
	int col_sku, col_name, col_stock, col_safety, col_low;
	size_t ncols;
	sku_row *rows;
	size_t n, cap;
	json_t *errors;
	int64_t nerrors;
	jg_err err;
} sku_import_t;

static int header_index(const char *const *cells, const size_t *lens, size_t n,
			const char *name)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = lens[i];
		const char *t = jg_text_trim(cells[i], &len);

		if (len == strlen(name) && strncasecmp(t, name, len) == 0)
			return (int)i;
	}
	return -1;
}

static void row_error(sku_import_t *im, int64_t row, int col, const char *col_name,
		      const char *reason)
{
	im->nerrors++;
	if (json_array_size(im->errors) < IMPORT_MAX_ERRORS)
		json_array_append_new(im->errors,
				      json_pack("{s:I, s:i, s:s, s:s}", "row", (json_int_t)row,
						"column", col + 1, "field", col_name, "reason", reason));
}

static int cell_i64(sku_import_t *im, int64_t row, int col, const char *field,
		    const char *const *cells, const size_t *lens, size_t n, int64_t *out,
		    bool *present)
{
	size_t len;
	const char *t;
	char buf[32];

	*present = false;
	if (col < 0 || (size_t)col >= n)
		return 0;
	len = lens[col];
	t = jg_text_trim(cells[col], &len);
	if (len == 0)
		return 0;
	if (len >= sizeof(buf)) {
		row_error(im, row, col, field, "not a whole number");
		return -1;
	}
	memcpy(buf, t, len);
	buf[len] = '\0';
	if (jg_parse_i64(out, buf) || *out < 0) {
		row_error(im, row, col, field, "must be a whole number, 0 or more");
		return -1;
	}
	*present = true;
	return 0;
}

static int on_sku_row(int64_t row, const char *const *cells, const size_t *lens, size_t n,
		      void *payload)
{
	sku_import_t *im = payload;
	sku_row r = {0};
	bool present;
	size_t len;
	const char *t;
	int bad = 0;

	if (row == 1) {
		im->col_sku = header_index(cells, lens, n, "sku");
		im->col_name = header_index(cells, lens, n, "name");
		im->col_stock = header_index(cells, lens, n, "stock");
		im->col_safety = header_index(cells, lens, n, "safety");
		im->col_low = header_index(cells, lens, n, "low_stock");
		im->ncols = n;
		if (im->col_sku < 0 || im->col_name < 0 || im->col_stock < 0)
			return jg_err_set_at(&im->err, JG_EFORMAT, 1, 0,
					     "%s: row 1 must be the header sku,name,stock[,safety]",
					     im->file);
		return 0;
	}
	if (n != im->ncols) {
		char why[96];

		snprintf(why, sizeof(why), "has %zu columns, the header has %zu", n, im->ncols);
		row_error(im, row, (int)(n < im->ncols ? n : im->ncols), "row", why);
		return 0;
	}
	len = lens[im->col_sku];
	t = jg_text_trim(cells[im->col_sku], &len);
	if (len == 0) {
		row_error(im, row, im->col_sku, "sku", "empty SKU code");
		bad = 1;
	} else if (len >= JG_CODE_MAX || !jg_utf8_valid(t, len)) {
		row_error(im, row, im->col_sku, "sku", "SKU code too long or not UTF-8");
		bad = 1;
	} else {
		r.code = jg_strndup(t, len);
	}
	len = lens[im->col_name];
	t = jg_text_trim(cells[im->col_name], &len);
	if (len == 0) {
		row_error(im, row, im->col_name, "name", "empty name");
		bad = 1;
	} else if (!jg_utf8_valid(t, len)) {
		row_error(im, row, im->col_name, "name", "not valid UTF-8 (save the file as UTF-8)");
		bad = 1;
	} else {
		r.name = jg_strndup(t, len);
	}
	if (cell_i64(im, row, im->col_stock, "stock", cells, lens, n, &r.stock, &present))
		bad = 1;
	else if (!present) {
		row_error(im, row, im->col_stock, "stock", "empty stock");
		bad = 1;
	}
	if (cell_i64(im, row, im->col_safety, "safety", cells, lens, n, &r.safety, &r.has_safety))
		bad = 1;
	if (cell_i64(im, row, im->col_low, "low_stock", cells, lens, n, &r.low, &r.has_low))
		bad = 1;
	if (bad || (!r.code || !r.name)) {
		jg_free(r.code);
		jg_free(r.name);
		return 0;
	}
	if (im->n == im->cap) {
		size_t ncap = im->cap ? im->cap * 2 : 64;
		sku_row *nr = jg_realloc(im->rows, ncap * sizeof(*nr));

		if (!nr) {
			jg_free(r.code);
			jg_free(r.name);
			return jg_err_set(&im->err, JG_ENOMEM, "out of memory");
		}
		im->rows = nr;
		im->cap = ncap;
	}
	im->rows[im->n++] = r;
	return 0;
}

static int apply_skus(cli *c, sku_import_t *im, int64_t *added, int64_t *updated)
{
	jg_err *err = &im->err;
	int rc = jg_store_begin(c->store, err);

	for (size_t i = 0; rc == 0 && i < im->n; i++) {
		sku_row *r = &im->rows[i];
		jg_sku_patch p = {.set = JG_SKU_SET_NAME, .name = r->name};

		rc = jg_sku_add(c->store, r->code, r->name, r->has_safety ? r->safety : 0, err);
		if (rc == JG_EEXISTS) {
			jg_err_clear(err);
			(*updated)++;
			if (r->has_safety) {
				p.set |= JG_SKU_SET_SAFETY;
				p.safety = r->safety;
			}
			rc = 0;
		} else if (rc == 0) {
			(*added)++;
			p.set = 0;
		}
		if (rc == 0 && r->has_low) {
			p.set |= JG_SKU_SET_LOW_STOCK;
			p.low_stock = r->low;
		}
		if (rc == 0 && p.set)
			rc = jg_sku_update(c->store, r->code, &p, err);
		if (rc == 0)
			rc = jg_stock_count(c->store, r->code, r->stock, "sku import", NULL, err);
	}
	if (rc == 0)
		return jg_store_commit(c->store, err);
	jg_store_rollback(c->store);
	return rc;
}

static int sku_import_cmd(cli *c)
{
	const char *pos[1];
	sku_import_t im = {0};
	int64_t added = 0, updated = 0;
	int np, rc, out = CLI_OK;

	rc = cli_parse(c, NULL, pos, &np, 1, 1, "jaego sku import FILE.csv");
	if (rc)
		return rc;
	if ((rc = cli_store(c, false)))
		return rc;
	im.file = pos[0];
	im.errors = json_array();
	rc = jg_csv_read_file(pos[0], ',', NULL, on_sku_row, &im, &im.err);
	if (rc == 0 && im.nerrors == 0)
		rc = apply_skus(c, &im, &added, &updated);
	if (rc) {
		out = cli_fail(c, &im.err);
	} else if (im.nerrors) {
		size_t i;
		json_t *e;

		fprintf(stderr, "jaego sku import: %s: %lld bad rows, nothing applied\n", pos[0],
			(long long)im.nerrors);
		json_array_foreach(im.errors, i, e)
		{
			fprintf(stderr, "%s: row %lld, column %lld (%s): %s\n", pos[0],
				(long long)json_integer_value(json_object_get(e, "row")),
				(long long)json_integer_value(json_object_get(e, "column")),
				json_string_value(json_object_get(e, "field")),
				json_string_value(json_object_get(e, "reason")));
		}
		if (c->json)
			cli_json(json_pack("{s:s, s:I, s:I, s:O}", "file", pos[0], "added", 0,
					   "updated", 0, "rejected", im.errors));
		out = CLI_FAIL;
	} else if (c->json) {
		out = cli_json(json_pack("{s:s, s:I, s:I, s:[]}", "file", pos[0], "added",
					 (json_int_t)added, "updated", (json_int_t)updated,
					 "rejected"));
	} else {
		printf("%s: %lld SKUs added, %lld updated\n", pos[0], (long long)added,
		       (long long)updated);
	}
	for (size_t i = 0; i < im.n; i++) {
		jg_free(im.rows[i].code);
		jg_free(im.rows[i].name);
	}
	jg_free(im.rows);
	json_decref(im.errors);
	return out;
}

/* ---- list --------------------------------------------------------------------------------- */

typedef struct sku_list {
	json_t *arr;
	cli_table *t;
} sku_list;

static int on_sku(const jg_sku_info *k, void *payload)
{
	sku_list *l = payload;
	char a[24], b[24], d[24], e[24], f[24];

	if (l->arr)
		return json_array_append_new(l->arr, jg_json_sku(k));
	return cli_table_row(l->t, (const char *[]){k->code, k->name, cli_num(a, k->on_hand),
						    cli_num(b, k->committed),
						    cli_num(d, k->available), cli_num(e, k->safety),
						    cli_num(f, k->low_stock)});
}

static int sku_list_cmd(cli *c)
{
	const char *pos[1];
	sku_list l = {0};
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 0, 0, "jaego sku list");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	if (c->json)
		l.arr = json_array();
	else
		l.t = cli_table_new(7, (const char *[]){"SKU", "NAME", "ON_HAND", "COMMITTED",
							"AVAILABLE", "SAFETY", "LOW_STOCK"});
	rc = jg_sku_each(c->store, NULL, 0, on_sku, &l, &err);
	if (rc) {
		json_decref(l.arr);
		cli_table_free(l.t);
		return cli_fail(c, &err);
	}
	if (c->json)
		return cli_json(json_pack("{s:o}", "skus", l.arr));
	cli_table_print(l.t);
	cli_table_free(l.t);
	return CLI_OK;
}

int cmd_sku(cli *c, const char *verb)
{
	if (strcmp(verb, "add") == 0)
		return sku_add(c);
	if (strcmp(verb, "set") == 0)
		return sku_set(c);
	if (strcmp(verb, "import") == 0)
		return sku_import_cmd(c);
	if (strcmp(verb, "list") == 0)
		return sku_list_cmd(c);
	return cli_usage(c, "unknown subcommand (add, set, import, list)");
}
