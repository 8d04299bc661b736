/* SPDX-License-Identifier: MIT */
/*
 * `jaego init` and `jaego check`.
 */
#include <stdio.h>

#include "cli.h"

int cmd_init(cli *c)
{
	const char *pos[1];
	char shown[1024];
	jg_err err = {0};
	int np, rc, applied = 0;

	rc = cli_parse(c, NULL, pos, &np, 0, 0, "jaego init");
	if (rc || (rc = cli_store(c, true)))
		return rc;
	if (jg_store_migrate(c->store, &applied, &err))
		return cli_fail(c, &err);
	jg_store_url_display(shown, sizeof(shown), c->db_url);
	if (c->json)
		return cli_json(json_pack("{s:s, s:i}", "db", shown, "migrations_applied", applied));
	if (applied)
		printf("database %s ready (%d migrations applied)\n", shown, applied);
	else
		printf("database %s is up to date\n", shown);
	return CLI_OK;
}

static void on_drift(const char *what, void *payload)
{
	json_t *arr = payload;

	if (arr)
		json_array_append_new(arr, json_string(what));
	else
		fprintf(stderr, "drift: %s\n", what);
}

int cmd_check(cli *c)
{
	const char *pos[1];
	jg_check_report r = {0};
	jg_err err = {0};
	json_t *drifts = NULL;
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 0, 0, "jaego check");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	if (c->json)
		drifts = json_array();
	rc = jg_store_check(c->store, &r, on_drift, drifts, &err);
	if (rc && rc != JG_EDRIFT) {
		json_decref(drifts);
		return cli_fail(c, &err);
	}
	if (c->json) {
		cli_json(json_pack("{s:b, s:I, s:I, s:I, s:o}", "ok", rc == 0, "skus",
				   (json_int_t)r.skus, "listings", (json_int_t)r.listings, "lines",
				   (json_int_t)r.lines, "drift", drifts));
		if (rc)
			fprintf(stderr, "jaego check: %s\n", err.msg);
		return rc ? CLI_DRIFT : CLI_OK;
	}
	if (rc)
		return cli_fail(c, &err);
	printf("ok: %lld SKUs, %lld listings, %lld order lines agree with the ledger\n",
	       (long long)r.skus, (long long)r.listings, (long long)r.lines);
	return CLI_OK;
}
