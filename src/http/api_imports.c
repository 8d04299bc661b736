/* SPDX-License-Identifier: MIT */
/*
 * Order-file imports as jobs (POST /imports answers 202 with the job's id; GET /jobs/{id}
 * reports its progress and, when done, the summary `jaego --json import` prints), and the
 * channel profiles: list, show, add (the body is the profile document), remove.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"
#include "jaego/intake.h"
#include "json/shapes.h"

#define FILENAME_MAX_BYTES 255

static int is_channel(const jg_channel_info *c, void *payload)
{
	return strcmp(c->name, payload) == 0;
}

enum MHD_Result jg__api_imports_add(jg__req *r)
{
	jg__import_spec spec = {0};
	const char *filename, *password;
	int64_t id = 0;
	jg_store *s;
	jg_err err = {0};
	bool bad;

	filename = jg__query(r, "filename", &bad);
	if (bad)
		return MHD_YES;
	if (!filename || !*filename)
		return jg__reply_error(
			r, JG__API_INVALID,
			"query parameter \"filename\" is required (the file's name)");
	if (strlen(filename) > FILENAME_MAX_BYTES)
		return jg__reply_error(r, JG__API_INVALID, "the file name is longer than %d bytes",
				       FILENAME_MAX_BYTES);
	if (strrchr(filename, '/'))
		filename = strrchr(filename, '/') + 1;
	spec.channel = jg__query(r, "channel", &bad);
	if (bad)
		return MHD_YES;
	spec.profile = jg__query(r, "profile", &bad);
	if (bad || jg__query_bool(r, "dry_run", &spec.dry_run) ||
	    jg__query_bool(r, "strict", &spec.strict))
		return MHD_YES;
	if (r->body_len == 0)
		return jg__reply_error(r, JG__API_INVALID,
				       "the file is empty: send it as the body");
	password = jg__header(r, "X-Import-Password");
	if (password && strlen(password) > 1024)
		return jg__reply_error(r, JG__API_INVALID, "X-Import-Password is too long");
	if (spec.channel) {
		/* An unknown channel fails now, not in the job. */
		if (!(s = jg__reader(r)))
			return MHD_YES;
		if (jg_channel_each(s, is_channel, (void *)spec.channel, &err) != 1)
			return err.code ? jg__reply_err(r, &err)
					: jg__reply_error(r, JG__API_NOT_FOUND,
							  "unknown channel \"%s\"", spec.channel);
	}
	spec.path = r->tmp_path;
	spec.name = filename;
	spec.password = password;
	spec.who = r->who.name;
	spec.request_id = r->id;
	if (jg__jobs_submit(&r->srv->jobs, &spec, &id, &err))
		return jg__reply_err(r, &err);
	/* The job owns the upload now and removes it when it ends. */
	jg_free(r->tmp_path);
	r->tmp_path = NULL;
	{
		char text[24];

		snprintf(text, sizeof(text), "%lld", (long long)id);
		return jg__reply_json(r, 202, json_pack("{s:s}", "job", text));
	}
}

enum MHD_Result jg__api_jobs_get(jg__req *r)
{
	int64_t id;
	json_t *doc;

	if (jg_parse_i64(&id, r->params[0]) || id < 1)
		return jg__reply_error(r, JG__API_NOT_FOUND, "no job %s", r->params[0]);
	doc = jg__jobs_get(&r->srv->jobs, id);
	if (!doc)
		return jg__reply_error(r, JG__API_NOT_FOUND, "no job %s", r->params[0]);
	return jg__reply_json(r, 200, doc);
}

/* ---- profiles ----------------------------------------------------------------------------- */

/* The built-in and added profiles; answers itself on failure. */
static jg_profiles *profiles(jg__req *r)
{
	jg_store *s = jg__reader(r);
	jg_profiles *set = NULL;
	jg_err err = {0};

	if (!s)
		return NULL;
	if (jg_intake_profiles(s, &set, &err)) {
		jg__reply_err(r, &err);
		return NULL;
	}
	return set;
}

enum MHD_Result jg__api_profiles_list(jg__req *r)
{
	jg_profiles *set = profiles(r);
	json_t *arr;

	if (!set)
		return MHD_YES;
	arr = json_array();
	for (size_t i = 0; arr && i < jg_profiles_count(set); i++)
		if (json_array_append_new(arr, jg_json_profile(jg_profiles_at(set, i)))) {
			json_decref(arr);
			arr = NULL;
		}
	jg_profiles_free(set);
	if (!arr)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	return jg__reply_json(r, 200, json_pack("{s:o}", "profiles", arr));
}

enum MHD_Result jg__api_profiles_get(jg__req *r)
{
	jg_profiles *set = profiles(r);
	const jg_profile *p;
	json_t *doc = NULL;

	if (!set)
		return MHD_YES;
	p = jg_profiles_find(set, r->params[0]);
	if (p)
		doc = json_loads(jg_profile_json(p), 0, NULL);
	jg_profiles_free(set);
	if (!p)
		return jg__reply_error(r, JG__API_NOT_FOUND, "no profile named \"%s\"",
				       r->params[0]);
	if (!doc)
		return jg__reply_error(r, JG__API_INTERNAL, "the stored profile does not parse");
	return jg__reply_json(r, 200, doc);
}

typedef struct profile_ctx {
	char *name;
	const char *json;
} profile_ctx;

static int profile_put_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	profile_ctx *c = j->ctx;

	return jg_profile_put(s, c->name, c->json, err);
}

static enum MHD_Result profile_put_finish(jg__req *r)
{
	profile_ctx *c = r->ctx;

	return jg__finish_json(r, 201, json_pack("{s:s, s:b}", "profile", c->name, "added", 1));
}

enum MHD_Result jg__api_profiles_add(jg__req *r)
{
	profile_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));
	jg_profiles *set;
	const jg_profile *p;
	char *name = NULL;
	bool replace = false;
	jg_err err = {0};

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	if (jg__query_bool(r, "replace", &replace))
		return MHD_YES;
	c->json = jg_buf_str(&r->body);
	if (jg_profile_validate(c->json, r->body.len, "the request body", &name, &err))
		return jg__reply_err(r, &err);
	c->name = jg_arena_strdup(&r->arena, name);
	jg_free(name);
	if (!c->name)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	if (!(set = profiles(r)))
		return MHD_YES;
	p = jg_profiles_find(set, c->name);
	if (p && !replace) {
		bool builtin = jg_profile_builtin(p);

		jg_profiles_free(set);
		return jg__reply_error(r, JG__API_CONFLICT,
				       builtin ? "\"%s\" is a built-in profile; add ?replace=1 to"
						 " override it"
					       : "a profile named \"%s\" exists; add ?replace=1",
				       c->name);
	}
	jg_profiles_free(set);
	return jg__write(r, profile_put_run, profile_put_finish, c, 0, 1, 201);
}

static int profile_del_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	return jg_profile_del(s, j->ctx, err);
}

static enum MHD_Result profile_del_finish(jg__req *r)
{
	return jg__finish_json(
		r, 200, json_pack("{s:s, s:b}", "profile", (const char *)r->ctx, "removed", 1));
}

enum MHD_Result jg__api_profiles_remove(jg__req *r)
{
	return jg__write(r, profile_del_run, profile_del_finish, (void *)r->params[0], 0, 1, 200);
}
