/* SPDX-License-Identifier: MIT */
/*
 * Catalogue imports over HTTP: POST /skus/import and POST /listings/import take a SKU or
 * listing list (catalog.h) as the raw body and answer synchronously. The file is read and
 * checked on the pool thread (a file that cannot be read, or has no header, is answered
 * 400 or 413 there); then it goes to the writer as a solo job: the library tries every
 * good row in one transaction of its own and commits only when no row is bad, so that a
 * 422 names every bad row (those refused while reading and those the store refuses: an
 * unknown channel or SKU) with nothing applied. A dry run does everything and rolls back.
 *
 * The catalogue read lives until the request is freed (r->cleanup), however it ends.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"
#include "jaego/catalog.h"
#include "json/shapes.h"

#define FILENAME_MAX_BYTES 255

_Static_assert(JG__LIST_MAX == JG_CATALOG_FILE_MAX,
	       "the route's upload cap is the library's file cap");

typedef struct catalog_ctx {
	jg_catalog *cat;
	const char *name; /* the upload's own name, for the answer */
	bool dry_run;
} catalog_ctx;

static void catalog_cleanup(void *arg)
{
	catalog_ctx *c = arg;

	jg_catalog_free(c->cat);
	c->cat = NULL;
}

/* 200 with the result, or 422 with it and an "error" naming how many rows are bad. */
static enum MHD_Result reply_result(jg__req *r, catalog_ctx *c)
{
	const jg_catalog_result *res = jg_catalog_result_get(c->cat);
	json_t *doc = jg_json_catalog_result(res, c->name);

	if (!doc)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	if (res->rejected_count == 0)
		return jg__reply_json(r, 200, doc);
	{
		char msg[160];

		snprintf(msg, sizeof(msg), "%s: %lld bad rows, nothing applied", c->name,
			 (long long)res->rejected_count);
		json_object_set_new(doc, "error",
				    json_pack("{s:s, s:s, s:s}", "code",
					      jg__api_code(JG__API_UNPROCESSABLE), "message", msg,
					      "request_id", r->id));
	}
	return jg__reply_json(r, jg__api_status(JG__API_UNPROCESSABLE), doc);
}

static int catalog_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	catalog_ctx *c = j->ctx;
	int rc = jg_catalog_apply(s, c->cat, c->dry_run, err);
	const jg_catalog_result *res = jg_catalog_result_get(c->cat);

	/* The writer thread owns the job while it runs: a file refused for its rows is audited
	 * with the status it is answered, and sends no event (nothing changed). */
	if (rc == 0 && res->rejected_count)
		j->ok_status = jg__api_status(JG__API_UNPROCESSABLE);
	if (rc == 0 && !res->applied)
		j->changes_stock = false;
	return rc;
}

static enum MHD_Result catalog_finish(jg__req *r)
{
	if (r->job.rc)
		return jg__reply_err(r, &r->job.err);
	return reply_result(r, r->ctx);
}

static enum MHD_Result catalog_import(jg__req *r, jg_catalog_kind kind)
{
	catalog_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));
	jg_catalog_opts opts = {0};
	const char *filename;
	jg_err err = {0};
	bool bad;

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	r->cleanup = catalog_cleanup;
	r->cleanup_arg = c;
	filename = jg__query(r, "filename", &bad);
	if (bad || jg__query_bool(r, "dry_run", &c->dry_run))
		return MHD_YES;
	if (filename && strlen(filename) > FILENAME_MAX_BYTES)
		return jg__reply_error(r, JG__API_INVALID, "the file name is longer than %d bytes",
				       FILENAME_MAX_BYTES);
	if (filename && strrchr(filename, '/'))
		filename = strrchr(filename, '/') + 1;
	c->name = filename && *filename ? filename : "the upload";
	if (r->body_len == 0)
		return jg__reply_error(r, JG__API_INVALID,
				       "the file is empty: send it as the body");
	opts.name = c->name;
	if (jg_catalog_read_file(&c->cat, kind, r->tmp_path, &opts, &err))
		return jg__reply_err(r, &err);
	return jg__write(r, catalog_run, catalog_finish, c,
			 JG__W_SOLO | (c->dry_run ? JG__W_QUIET : 0), 1, 200);
}

enum MHD_Result jg__api_skus_import(jg__req *r)
{
	return catalog_import(r, JG_CATALOG_SKUS);
}

enum MHD_Result jg__api_listings_import(jg__req *r)
{
	return catalog_import(r, JG_CATALOG_LISTINGS);
}
