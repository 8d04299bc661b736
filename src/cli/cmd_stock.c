/* SPDX-License-Identifier: MIT */
/*
 * `jaego stock receive|adjust|count|show|history`: movements, the stock table with every
 * channel's listed quantity side by side, and the answer to "why does Coupang show 3?".
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int stock_move(cli *c, const char *verb)
{
	const char *pos[2], *note = NULL, *reason = NULL;
	const cli_opt opts[] = {{"note", true, &note}, {"reason", true, &reason}, {NULL, false, NULL}};
	int64_t q, delta = 0;
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 2, 2,
		       strcmp(verb, "adjust") == 0 ? "jaego stock adjust SKU DELTA --reason TEXT"
						   : "jaego stock receive|count SKU QTY [--note TEXT]");
	if (rc || (rc = cli_i64(c, "the quantity", pos[1], &q)))
		return rc;
	if (strcmp(verb, "adjust") == 0 && !reason)
		return cli_usage(c, "--reason is required");
	if ((rc = cli_store(c, false)))
		return rc;
	if (strcmp(verb, "receive") == 0) {
		rc = jg_stock_receive(c->store, pos[0], q, note, &err);
		delta = q;
	} else if (strcmp(verb, "adjust") == 0) {
		rc = jg_stock_adjust(c->store, pos[0], q, reason, &err);
		delta = q;
	} else {
		rc = jg_stock_count(c->store, pos[0], q, note, &delta, &err);
	}
	if (rc)
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(json_pack("{s:s, s:s, s:I}", "sku", pos[0], "movement", verb, "delta",
					  (json_int_t)delta));
	if (strcmp(verb, "count") == 0 && delta == 0)
		printf("%s: count matches, nothing recorded\n", pos[0]);
	else
		printf("%s: %+lld (%s)\n", pos[0], (long long)delta, verb);
	return CLI_OK;
}

/* ---- show --------------------------------------------------------------------------------- */

typedef struct show {
	cli *c;
	json_t *arr;
	char **channels;     /* column order for the table */
	size_t nch;
	cli_table *t;
	jg_err *err;
} show;

typedef struct listed_row {
	show *sh;
	json_t *obj;
	int64_t *qty; /* per channel, -1 = no plain listing */
} listed_row;

static int on_listed(const char *channel, int64_t listed, void *payload)
{
	listed_row *r = payload;

	if (r->obj)
		return json_object_set_new(r->obj, channel, json_integer(listed));
	for (size_t i = 0; i < r->sh->nch; i++)
		if (strcmp(r->sh->channels[i], channel) == 0)
			r->qty[i] = listed;
	return 0;
}

static int on_show_sku(const jg_sku_info *k, void *payload)
{
	show *sh = payload;
	listed_row r = {sh, NULL, NULL};
	int rc;

	if (sh->arr) {
		json_t *o = jg_json_sku(k);

		if (!o || json_object_set_new(o, "listed", json_object())) {
			json_decref(o);
			return JG_ENOMEM;
		}
		r.obj = json_object_get(o, "listed");
		rc = jg_sku_listed_each(sh->c->store, k->code, on_listed, &r, sh->err);
		if (rc == 0)
			rc = json_array_append_new(sh->arr, o);
		else
			json_decref(o);
		return rc;
	}
	r.qty = jg_calloc(sh->nch ? sh->nch : 1, sizeof(*r.qty));
	if (!r.qty)
		return JG_ENOMEM;
	for (size_t i = 0; i < sh->nch; i++)
		r.qty[i] = -1;
	rc = jg_sku_listed_each(sh->c->store, k->code, on_listed, &r, sh->err);
	if (rc == 0) {
		const char **cells = jg_calloc(6 + sh->nch, sizeof(*cells));
		char (*nums)[24] = jg_calloc(5 + sh->nch, 24);

		if (!cells || !nums) {
			rc = JG_ENOMEM;
		} else {
			cells[0] = k->code;
			cells[1] = k->name;
			cells[2] = cli_num(nums[0], k->on_hand);
			cells[3] = cli_num(nums[1], k->committed);
			cells[4] = cli_num(nums[2], k->available);
			cells[5] = cli_num(nums[3], k->safety);
			for (size_t i = 0; i < sh->nch; i++)
				cells[6 + i] = r.qty[i] < 0 ? "-" : cli_num(nums[4 + i], r.qty[i]);
			rc = cli_table_row(sh->t, cells);
		}
		jg_free(cells);
		jg_free(nums);
	}
	jg_free(r.qty);
	return rc;
}

static int on_show_channel(const jg_channel_info *ch, void *payload)
{
	show *sh = payload;
	char **n = jg_realloc(sh->channels, (sh->nch + 1) * sizeof(*n));

	if (!n)
		return JG_ENOMEM;
	sh->channels = n;
	n[sh->nch] = jg_strdup(ch->name);
	if (!n[sh->nch])
		return JG_ENOMEM;
	sh->nch++;
	return 0;
}

static int stock_show(cli *c)
{
	const char *pos[256];
	show sh = {c, NULL, NULL, 0, NULL, NULL};
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 0, 256, "jaego stock show [SKU...]");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	sh.err = &err;
	if (c->json) {
		sh.arr = json_array();
	} else {
		const char **hdr;

		rc = jg_channel_each(c->store, on_show_channel, &sh, &err);
		hdr = jg_calloc(6 + sh.nch, sizeof(*hdr));
		if (rc == 0 && hdr) {
			const char *fixed[] = {"SKU", "NAME", "ON_HAND", "COMMITTED", "AVAILABLE",
					       "SAFETY"};

			memcpy(hdr, fixed, sizeof(fixed));
			for (size_t i = 0; i < sh.nch; i++)
				hdr[6 + i] = sh.channels[i];
			sh.t = cli_table_new(6 + (int)sh.nch, hdr);
		}
		jg_free(hdr);
		if (rc == 0 && !sh.t)
			rc = jg_err_set(&err, JG_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = jg_sku_each(c->store, pos, (size_t)np, on_show_sku, &sh, &err);
	if (rc == 0 && !c->json)
		cli_table_print(sh.t);
	for (size_t i = 0; i < sh.nch; i++)
		jg_free(sh.channels[i]);
	jg_free(sh.channels);
	cli_table_free(sh.t);
	if (rc) {
		json_decref(sh.arr);
		if (!err.code)
			jg_err_set(&err, rc, "%s", jg_strerror(rc));
		return cli_fail(c, &err);
	}
	if (c->json)
		return cli_json(json_pack("{s:o}", "skus", sh.arr));
	return CLI_OK;
}

/* ---- history -------------------------------------------------------------------------------- */

typedef struct hist {
	json_t *arr;
	cli_table *t;
	int64_t on_hand, held;
} hist;

static int on_hist(const jg_history_entry *e, void *payload)
{
	hist *h = payload;
	char when[32], d[24], o[24];
	bool commitment = strcmp(e->kind, "commitment") == 0;

	if (commitment) {
		if (strcmp(e->state, "open") == 0)
			h->held -= e->delta;
	} else {
		h->on_hand += e->delta;
	}
	jg_time_format(when, sizeof(when), e->at, JG_KST_OFFSET_MIN);
	if (h->arr)
		return json_array_append_new(h->arr, jg_json_history(e, h->on_hand));
	return cli_table_row(h->t, (const char *[]){when, e->kind, cli_num(d, e->delta),
						    commitment ? "" : cli_num(o, h->on_hand),
						    commitment ? e->state : "", e->source, e->reason});
}

static int stock_history(cli *c)
{
	const char *pos[1];
	hist h = {0};
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 1, 1, "jaego stock history SKU");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	if (c->json)
		h.arr = json_array();
	else
		h.t = cli_table_new(7, (const char *[]){"WHEN (KST)", "KIND", "DELTA", "ON_HAND",
							"STATE", "SOURCE", "REASON"});
	rc = jg_stock_history(c->store, pos[0], on_hist, &h, &err);
	if (rc) {
		json_decref(h.arr);
		cli_table_free(h.t);
		return cli_fail(c, &err);
	}
	if (c->json)
		return cli_json(json_pack("{s:s, s:o}", "sku", pos[0], "history", h.arr));
	cli_table_print(h.t);
	printf("on hand %lld, held by open orders %lld, available %lld\n", (long long)h.on_hand,
	       (long long)h.held, (long long)(h.on_hand - h.held));
	cli_table_free(h.t);
	return CLI_OK;
}

int cmd_stock(cli *c, const char *verb)
{
	if (strcmp(verb, "receive") == 0 || strcmp(verb, "adjust") == 0 ||
	    strcmp(verb, "count") == 0)
		return stock_move(c, verb);
	if (strcmp(verb, "show") == 0)
		return stock_show(c);
	if (strcmp(verb, "history") == 0)
		return stock_history(c);
	return cli_usage(c, "unknown subcommand (receive, adjust, count, show, history)");
}
