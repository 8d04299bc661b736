/* SPDX-License-Identifier: MIT */
/*
 * `jaego sku import` and `jaego listing import`: the CLI's face of catalog.h. The library
 * reads, checks and applies (all or nothing); this file prints what happened: one line for
 * a clean file, or every bad row as `FILE: row R, column C (field): reason` on stderr and
 * exit status 1 with nothing applied.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jaego/catalog.h"

static void print_done(const char *file, const jg_catalog_result *r)
{
	const char *dry = r->dry_run ? "dry run, nothing applied: " : "";

	if (r->kind == JG_CATALOG_SKUS)
		printf("%s: %s%lld SKUs added, %lld updated\n", file, dry, (long long)r->added,
		       (long long)r->updated);
	else
		printf("%s: %s%lld listings mapped, %lld remapped, %lld waiting lines applied\n",
		       file, dry, (long long)r->created, (long long)r->remapped,
		       (long long)r->lines_applied);
}

static void print_rejected(const char *cmd, const char *file, const jg_catalog_result *r)
{
	fprintf(stderr, "jaego %s: %s: %lld bad rows, nothing applied\n", cmd, file,
		(long long)r->rejected_count);
	for (size_t i = 0; i < r->n_rejected; i++) {
		const jg_catalog_reject *x = &r->rejected[i];

		if (x->field[0])
			fprintf(stderr, "%s: row %lld, column %d (%s): %s\n", file,
				(long long)x->row, (int)x->column, x->field, x->reason);
		else
			fprintf(stderr, "%s: row %lld, column %d: %s\n", file, (long long)x->row,
				(int)x->column, x->reason);
	}
	if ((int64_t)r->n_rejected < r->rejected_count)
		fprintf(stderr, "%s: and %lld more\n", file,
			(long long)(r->rejected_count - (int64_t)r->n_rejected));
}

int cli_catalog_import(cli *c, jg_catalog_kind kind)
{
	const char *pos[1], *dry = NULL;
	const cli_opt opts[] = {{"dry-run", false, &dry}, {NULL, false, NULL}};
	const char *cmd = kind == JG_CATALOG_SKUS ? "sku import" : "listing import";
	jg_catalog *cat = NULL;
	const jg_catalog_result *r;
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 1, 1,
		       kind == JG_CATALOG_SKUS ? "jaego sku import FILE.csv [--dry-run]"
					       : "jaego listing import FILE.csv [--dry-run]");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	if (jg_catalog_read_file(&cat, kind, pos[0], NULL, &err) ||
	    jg_catalog_apply(c->store, cat, dry != NULL, &err)) {
		jg_catalog_free(cat);
		return cli_fail(c, &err);
	}
	r = jg_catalog_result_get(cat);
	if (r->rejected_count) {
		print_rejected(cmd, pos[0], r);
		if (c->json)
			cli_json(jg_json_catalog_result(r, pos[0]));
		rc = CLI_FAIL;
	} else if (c->json) {
		rc = cli_json(jg_json_catalog_result(r, pos[0]));
	} else {
		print_done(pos[0], r);
		rc = CLI_OK;
	}
	jg_catalog_free(cat);
	return rc;
}
