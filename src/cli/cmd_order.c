/* SPDX-License-Identifier: MIT */
/*
 * `jaego order add|ship|cancel|return|list`, and the two queues `unmatched` and `oversold`
 * that print lines in the same shape.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static json_t *result_json(const char *channel, const char *line_id, const jg_order_result *r)
{
	return jg_json_order_result(channel, line_id, r);
}

static void print_result(const char *channel, const char *line_id, const jg_order_result *r)
{
	if (r->outcome == JG_ORDER_DUPLICATE) {
		printf("line %s:%s is known already (%s), nothing changed\n", channel, line_id,
		       jg_status_name(r->status));
		return;
	}
	printf("line %s:%s %s", channel, line_id, jg_status_name(r->status));
	if (!r->matched)
		printf(", unmatched: no listing maps it yet, it takes no stock");
	if (r->oversold_by > 0)
		printf(", OVERSOLD by %lld", (long long)r->oversold_by);
	putchar('\n');
}

static int order_add(cli *c)
{
	const char *pos[2], *product = NULL, *option = NULL, *qty = NULL, *order_no = NULL,
			    *at = NULL;
	const cli_opt opts[] = {{"product", true, &product}, {"option", true, &option},
				{"qty", true, &qty},	     {"order", true, &order_no},
				{"at", true, &at},	     {NULL, false, NULL}};
	jg_order_in in = {0};
	jg_order_result r;
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 2, 2,
		       "jaego order add CHANNEL LINE_ID --product PID [--option TEXT] --qty N"
		       " [--order ORDER_NO] [--at TIME]");
	if (rc)
		return rc;
	if (!product || !qty)
		return cli_usage(c, "--product and --qty are required");
	if ((rc = cli_i64(c, "--qty", qty, &in.qty)))
		return rc;
	if (in.qty < 1)
		return cli_usage(c, "--qty must be 1 or more");
	if (at && jg_time_parse(&in.ordered_at, at, JG_KST_OFFSET_MIN))
		return cli_usage(c, "--at \"%s\" is not a time (e.g. 2026-11-29 14:05, KST unless a"
				    " zone is given)", at);
	if ((rc = cli_store(c, false)))
		return rc;
	in.channel = pos[0];
	in.line_id = pos[1];
	in.order_no = order_no;
	in.product_id = product;
	in.option = option;
	in.status = JG_STATUS_OPEN;
	if (jg_order_put(c->store, &in, &r, &err))
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(result_json(pos[0], pos[1], &r));
	print_result(pos[0], pos[1], &r);
	return CLI_OK;
}

static int order_move(cli *c, const char *verb, jg_status to)
{
	const char *pos[2], *courier = NULL, *tracking = NULL, *restock = NULL;
	const cli_opt ship[] = {{"courier", true, &courier},
				{"tracking", true, &tracking},
				{NULL, false, NULL}};
	const cli_opt ret[] = {{"restock", false, &restock}, {NULL, false, NULL}};
	jg_transition_opts o = {0};
	jg_order_result r;
	jg_err err = {0};
	char usage[128];
	int np, rc;

	snprintf(usage, sizeof(usage), "jaego order %s CHANNEL LINE_ID%s", verb,
		 to == JG_STATUS_SHIPPED    ? " [--courier NAME] [--tracking NO]"
		 : to == JG_STATUS_RETURNED ? " [--restock]"
					    : "");
	rc = cli_parse(c, to == JG_STATUS_SHIPPED ? ship : to == JG_STATUS_RETURNED ? ret : NULL,
		       pos, &np, 2, 2, usage);
	if (rc || (rc = cli_store(c, false)))
		return rc;
	o.courier = courier;
	o.tracking = tracking;
	o.restock = restock != NULL;
	if (jg_order_transition(c->store, pos[0], pos[1], to, &o, &r, &err))
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(result_json(pos[0], pos[1], &r));
	print_result(pos[0], pos[1], &r);
	return CLI_OK;
}

/* ---- list and queues ------------------------------------------------------------------------ */

typedef struct olist {
	json_t *arr;
	cli_table *t;
} olist;

static int on_order(const jg_order_info *o, void *payload)
{
	olist *l = payload;
	char q[24], s[24], when[32];

	if (l->arr)
		return json_array_append_new(l->arr, jg_json_order(o));
	jg_time_format(when, sizeof(when), o->ordered_at, JG_KST_OFFSET_MIN);
	return cli_table_row(l->t, (const char *[]){o->channel, o->line_id, o->order_no,
						    o->product_id, o->option, cli_num(q, o->qty),
						    jg_status_name(o->status),
						    o->matched ? "yes" : "NO",
						    o->oversold_by ? cli_num(s, o->oversold_by) : "",
						    when});
}

int cli_print_orders(cli *c, const jg_order_filter *f)
{
	olist l = {0};
	jg_err err = {0};
	int rc;

	if ((rc = cli_store(c, false)))
		return rc;
	if (c->json)
		l.arr = json_array();
	else
		l.t = cli_table_new(10, (const char *[]){"CHANNEL", "LINE", "ORDER", "PRODUCT",
							 "OPTION", "QTY", "STATUS", "MATCHED",
							 "SHORT", "ORDERED (KST)"});
	if (jg_order_each(c->store, f, on_order, &l, &err)) {
		json_decref(l.arr);
		cli_table_free(l.t);
		return cli_fail(c, &err);
	}
	if (c->json)
		return cli_json(json_pack("{s:o}", "orders", l.arr));
	cli_table_print(l.t);
	cli_table_free(l.t);
	return CLI_OK;
}

static int order_list(cli *c)
{
	const char *pos[1], *status = NULL, *channel = NULL;
	const cli_opt opts[] = {{"status", true, &status}, {"channel", true, &channel},
				{NULL, false, NULL}};
	jg_order_filter f = {.status = -1};
	jg_status st;
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 0, 0, "jaego order list [--status S] [--channel C]");
	if (rc)
		return rc;
	if (status) {
		if (jg_status_parse(&st, status))
			return cli_usage(c, "--status must be open, shipped, cancelled or returned");
		f.status = (int)st;
	}
	f.channel = channel;
	return cli_print_orders(c, &f);
}

int cmd_queue(cli *c, bool oversold)
{
	const char *pos[1], *channel = NULL;
	const cli_opt opts[] = {{"channel", true, &channel}, {NULL, false, NULL}};
	jg_order_filter f = {.status = -1, .unmatched_only = !oversold, .oversold_only = oversold};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 0, 0,
		       oversold ? "jaego oversold [--channel C]" : "jaego unmatched [--channel C]");
	if (rc)
		return rc;
	f.channel = channel;
	return cli_print_orders(c, &f);
}

int cmd_order(cli *c, const char *verb)
{
	if (strcmp(verb, "add") == 0)
		return order_add(c);
	if (strcmp(verb, "ship") == 0)
		return order_move(c, verb, JG_STATUS_SHIPPED);
	if (strcmp(verb, "cancel") == 0)
		return order_move(c, verb, JG_STATUS_CANCELLED);
	if (strcmp(verb, "return") == 0)
		return order_move(c, verb, JG_STATUS_RETURNED);
	if (strcmp(verb, "list") == 0)
		return order_list(c);
	return cli_usage(c, "unknown subcommand (add, ship, cancel, return, list)");
}
