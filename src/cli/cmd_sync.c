/* SPDX-License-Identifier: MIT */
/*
 * `jaego sync plan|export|mark|status`: what every channel must be told, the channel's
 * stock-update files, confirming an uploaded file by hand, and where each channel stands.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jaego/sync.h"

static json_t *item_json(const jg_sync_item *it)
{
	return jg_json_sync_item(it);
}

static int sync_plan(cli *c)
{
	const char *pos[1], *channel = NULL, *force = NULL;
	const cli_opt opts[] = {{"channel", true, &channel},
				{"force-raise", false, &force},
				{NULL, false, NULL}};
	jg_sync_plan *plan = NULL;
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 0, 0, "jaego sync plan [--channel C] [--force-raise]");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	if (jg_sync_plan_make(c->store, channel, force != NULL, &plan, &err))
		return cli_fail(c, &err);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < jg_sync_plan_count(plan); i++)
			json_array_append_new(arr, item_json(jg_sync_plan_at(plan, i)));
		jg_sync_plan_free(plan);
		return cli_json(json_pack("{s:o}", "plan", arr));
	} else {
		cli_table *t = cli_table_new(8, (const char *[]){"CHANNEL", "PRODUCT", "OPTION", "OLD",
								 "NEW", "KIND", "WHY", "CAUSE"});
		size_t held = 0;

		for (size_t i = 0; i < jg_sync_plan_count(plan); i++) {
			const jg_sync_item *it = jg_sync_plan_at(plan, i);
			char o[24], n[24], kind[48];

			held += it->kind == JG_SYNC_HELD;
			snprintf(kind, sizeof(kind), "%s%s", jg_sync_kind_name(it->kind),
				 it->forced ? " (forced)" : "");
			cli_table_row(t, (const char *[]){it->channel, it->product_id, it->option,
							  it->old_qty < 0 ? "-" : cli_num(o, it->old_qty),
							  cli_num(n, it->new_qty), kind, it->why,
							  it->cause});
		}
		cli_table_print(t);
		cli_table_free(t);
		if (held)
			printf("%zu raises held: those channels' orders were not imported since they were"
			       " last told (import them, or --force-raise)\n",
			       held);
		if (!jg_sync_plan_count(plan))
			printf("every channel shows what it should\n");
	}
	jg_sync_plan_free(plan);
	return CLI_OK;
}

static int sync_export(cli *c)
{
	const char *pos[1], *channel = NULL, *force = NULL, *dir = NULL, *nomark = NULL;
	const cli_opt opts[] = {{"channel", true, &channel},
				{"force-raise", false, &force},
				{"out", true, &dir},
				{"no-mark", false, &nomark},
				{NULL, false, NULL}};
	jg_profiles *profiles = NULL;
	jg_sync_plan *plan = NULL;
	jg_sync_file *files = NULL;
	size_t n = 0;
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 0, 0,
		       "jaego sync export --out DIR [--channel C] [--force-raise] [--no-mark]");
	if (rc)
		return rc;
	if (!dir)
		return cli_usage(c, "--out DIR is required");
	if ((rc = cli_profiles(c, &profiles)))
		return rc;
	if (force && !c->json)
		fprintf(stderr, "warning: --force-raise puts units back on sale that a channel may"
				" have sold since it was last told\n");
	rc = jg_sync_plan_make(c->store, channel, force != NULL, &plan, &err);
	if (rc == 0)
		rc = jg_sync_export(c->store, profiles, plan, dir, nomark == NULL, &files, &n, &err);
	jg_sync_plan_free(plan);
	jg_profiles_free(profiles);
	if (rc)
		return cli_fail(c, &err);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I}", "channel",
							     files[i].channel, "file", files[i].path,
							     "format", files[i].format, "rows",
							     (json_int_t)files[i].rows, "held",
							     (json_int_t)files[i].held));
		jg_free(files);
		return cli_json(json_pack("{s:o, s:b}", "files", arr, "marked", nomark == NULL));
	}
	for (size_t i = 0; i < n; i++)
		printf("%s: %s (%lld rows%s)\n", files[i].channel, files[i].path,
		       (long long)files[i].rows, nomark ? ", not marked: run jaego sync mark after"
							  " uploading"
							: "");
	if (n == 0)
		printf("nothing to tell\n");
	jg_free(files);
	return CLI_OK;
}

static int sync_mark(cli *c)
{
	const char *pos[2];
	jg_profiles *profiles = NULL;
	jg_sync_mark_result r;
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 2, 2, "jaego sync mark CHANNEL FILE");
	if (rc || (rc = cli_profiles(c, &profiles)))
		return rc;
	rc = jg_sync_mark_file(c->store, profiles, pos[0], pos[1], &r, &err);
	jg_profiles_free(profiles);
	if (rc)
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(json_pack("{s:s, s:I, s:I, s:I}", "file", pos[1], "rows",
					  (json_int_t)r.rows, "marked", (json_int_t)r.marked,
					  "unknown", (json_int_t)r.unknown));
	printf("%s: %lld rows, %lld marked told", pos[1], (long long)r.rows, (long long)r.marked);
	if (r.unknown)
		printf(", %lld name no listing of %s (first on row %lld)", (long long)r.unknown,
		       pos[0], (long long)r.first_unknown_row);
	putchar('\n');
	return CLI_OK;
}

typedef struct status_row {
	char name[128];
	int64_t imported, told, pending, held;
} status_row;

typedef struct status_ctx {
	status_row *v;
	size_t n;
} status_ctx;

static int on_status_channel(const jg_channel_info *ch, void *payload)
{
	status_ctx *s = payload;
	status_row *v = jg_realloc(s->v, (s->n + 1) * sizeof(*v));

	if (!v)
		return JG_ENOMEM;
	s->v = v;
	memset(&v[s->n], 0, sizeof(v[0]));
	snprintf(v[s->n].name, sizeof(v[0].name), "%s", ch->name);
	v[s->n].imported = ch->last_import_at;
	v[s->n].told = ch->last_told_at;
	s->n++;
	return 0;
}

static int sync_status(cli *c)
{
	const char *pos[1];
	status_ctx sc = {0};
	jg_sync_plan *plan = NULL;
	jg_err err = {0};
	json_t *arr = NULL;
	cli_table *t = NULL;
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 0, 0, "jaego sync status");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	rc = jg_channel_each(c->store, on_status_channel, &sc, &err);
	if (rc == 0)
		rc = jg_sync_plan_make(c->store, NULL, false, &plan, &err);
	if (rc) {
		jg_free(sc.v);
		return cli_fail(c, &err);
	}
	for (size_t i = 0; i < jg_sync_plan_count(plan); i++) {
		const jg_sync_item *it = jg_sync_plan_at(plan, i);

		for (size_t k = 0; k < sc.n; k++)
			if (strcmp(sc.v[k].name, it->channel) == 0) {
				if (it->kind == JG_SYNC_HELD)
					sc.v[k].held++;
				else
					sc.v[k].pending++;
			}
	}
	jg_sync_plan_free(plan);
	if (c->json)
		arr = json_array();
	else
		t = cli_table_new(5, (const char *[]){"CHANNEL", "ORDERS IMPORTED (KST)",
						      "STOCK TOLD (KST)", "PENDING", "HELD RAISES"});
	for (size_t k = 0; k < sc.n; k++) {
		status_row *r = &sc.v[k];
		char a[32] = "never", b[32] = "never", p[24], h[24];

		if (arr) {
			json_t *o = json_pack("{s:s, s:I, s:I}", "channel", r->name, "pending",
					      (json_int_t)r->pending, "held", (json_int_t)r->held);

			json_object_set_new(o, "last_import_at",
					    r->imported ? json_integer(r->imported) : json_null());
			json_object_set_new(o, "last_told_at",
					    r->told ? json_integer(r->told) : json_null());
			json_array_append_new(arr, o);
			continue;
		}
		if (r->imported)
			jg_time_format(a, sizeof(a), r->imported, JG_KST_OFFSET_MIN);
		if (r->told)
			jg_time_format(b, sizeof(b), r->told, JG_KST_OFFSET_MIN);
		cli_table_row(t, (const char *[]){r->name, a, b, cli_num(p, r->pending),
						  cli_num(h, r->held)});
	}
	jg_free(sc.v);
	if (arr)
		return cli_json(json_pack("{s:o}", "channels", arr));
	cli_table_print(t);
	cli_table_free(t);
	return CLI_OK;
}

int cmd_sync(cli *c, const char *verb)
{
	if (strcmp(verb, "plan") == 0)
		return sync_plan(c);
	if (strcmp(verb, "export") == 0)
		return sync_export(c);
	if (strcmp(verb, "mark") == 0)
		return sync_mark(c);
	if (strcmp(verb, "status") == 0)
		return sync_status(c);
	return cli_usage(c, "unknown subcommand (plan, export, mark, status)");
}
