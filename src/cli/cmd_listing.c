/* SPDX-License-Identifier: MIT */
/*
 * `jaego listing map|import|list`: linking channel listings to SKUs and bundles, and
 * showing what each listing must show now and which rule decided it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
		return cli_catalog_import(c, JG_CATALOG_LISTINGS);
	if (strcmp(verb, "list") == 0)
		return listing_list_cmd(c);
	return cli_usage(c, "unknown subcommand (map, import, list)");
}
