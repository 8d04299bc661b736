/* SPDX-License-Identifier: MIT */
/*
 * `jaego sku add|set|import|list`. The import is catalog.c's (all or nothing, every bad row
 * reported with its row and column; the library's jg_catalog_* does the work).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
		return cli_catalog_import(c, JG_CATALOG_SKUS);
	if (strcmp(verb, "list") == 0)
		return sku_list_cmd(c);
	return cli_usage(c, "unknown subcommand (add, set, import, list)");
}
