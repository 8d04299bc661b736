/* SPDX-License-Identifier: MIT */
/*
 * Telling channels, and the check: the sync plan, exporting each channel's stock-update
 * file (kept in the server's directory and offered for download by id), confirming an
 * uploaded file, each channel's sync status, and `check`. Export and mark manage their own
 * transactions (jg_sync_export, jg_sync_mark_file), so they run on the writer as solo
 * jobs, between group commits.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_int.h"
#include "jaego/intake.h"
#include "jaego/sync.h"
#include "json/shapes.h"

enum MHD_Result jg__api_sync_plan(jg__req *r)
{
	const char *channel;
	bool force = false, bad;
	jg_sync_plan *plan = NULL;
	jg_store *s;
	json_t *arr;
	jg_err err = {0};

	channel = jg__query(r, "channel", &bad);
	if (bad || jg__query_bool(r, "force_raise", &force) || !(s = jg__reader(r)))
		return MHD_YES;
	if (jg_sync_plan_make(s, channel, force, &plan, &err))
		return jg__reply_err(r, &err);
	arr = json_array();
	for (size_t i = 0; arr && i < jg_sync_plan_count(plan); i++)
		if (json_array_append_new(arr, jg_json_sync_item(jg_sync_plan_at(plan, i)))) {
			json_decref(arr);
			arr = NULL;
		}
	jg_sync_plan_free(plan);
	if (!arr)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	return jg__reply_json(r, 200, json_pack("{s:o}", "plan", arr));
}

/* ---- export ------------------------------------------------------------------------------- */

typedef struct export_ctx {
	const char *channel;
	bool force, mark;
	jg_sync_file *files;
	size_t n;
	int64_t *ids;
} export_ctx;

static int export_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	export_ctx *c = j->ctx;
	jg__server *srv = j->req->srv;
	jg_profiles *profiles = NULL;
	jg_sync_plan *plan = NULL;
	char dir[1100];
	int rc;

	snprintf(dir, sizeof(dir), "%s/sync-%llu", srv->tmp_dir,
		 (unsigned long long)atomic_fetch_add(&srv->next_upload, 1));
	if (mkdir(dir, 0700) != 0)
		return jg_err_set(err, JG_EIO, "cannot make a directory for the files");
	rc = jg_intake_profiles(s, &profiles, err);
	if (rc == 0)
		rc = jg_sync_plan_make(s, c->channel, c->force, &plan, err);
	if (rc == 0)
		rc = jg_sync_export(s, profiles, plan, dir, c->mark, &c->files, &c->n, err);
	jg_sync_plan_free(plan);
	jg_profiles_free(profiles);
	if (rc == 0 && c->n) {
		c->ids = jg_calloc(c->n, sizeof(*c->ids));
		if (!c->ids)
			return jg_err_set(err, JG_ENOMEM, "out of memory");
		for (size_t i = 0; i < c->n; i++)
			c->ids[i] = jg__server_file_add(srv, c->files[i].channel, c->files[i].path,
							c->files[i].format);
	}
	return rc;
}

static enum MHD_Result export_finish(jg__req *r)
{
	export_ctx *c = r->ctx;
	json_t *arr = json_array();
	enum MHD_Result ret;

	for (size_t i = 0; arr && !r->job.rc && i < c->n; i++) {
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)c->ids[i]);
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I}", "channel",
							 c->files[i].channel, "id", id, "format",
							 c->files[i].format, "rows",
							 (json_int_t)c->files[i].rows, "held",
							 (json_int_t)c->files[i].held))) {
			json_decref(arr);
			arr = NULL;
		}
	}
	jg_free(c->files);
	jg_free(c->ids);
	ret = jg__finish_json(
		r, 200, arr ? json_pack("{s:o, s:b}", "files", arr, "marked", c->mark) : NULL);
	return ret;
}

enum MHD_Result jg__api_sync_export(jg__req *r)
{
	static const jg__jfield spec[] = {{"channel", JG__J_STR, 0},
					  {"force_raise", JG__J_BOOL, 0},
					  {"mark", JG__J_BOOL, 0},
					  {NULL, 0, 0}};
	export_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));
	jg_err err = {0};

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	if (jg__json_check(r->json, spec, NULL, &err))
		return jg__reply_err(r, &err);
	c->channel = jg__jstr(r->json, "channel");
	c->force = jg__jbool(r->json, "force_raise", false);
	c->mark = jg__jbool(r->json, "mark", true);
	return jg__write(r, export_run, export_finish, c, JG__W_SOLO, 1, 200);
}

enum MHD_Result jg__api_sync_file(jg__req *r)
{
	jg__file_entry e;
	struct MHD_Response *resp;
	struct stat st;
	int64_t id;
	char disp[1200];
	const char *base;
	int fd;

	if (jg_parse_i64(&id, r->params[0]) || jg__server_file_get(r->srv, id, &e))
		return jg__reply_error(r, JG__API_NOT_FOUND, "no file %s", r->params[0]);
	fd = open(e.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return jg__reply_error(r, JG__API_NOT_FOUND, "file %s is gone", r->params[0]);
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	base = strrchr(e.path, '/') ? strrchr(e.path, '/') + 1 : e.path;
	snprintf(disp, sizeof(disp), "attachment; filename*=UTF-8''");
	for (const char *p = base; *p && strlen(disp) + 4 < sizeof(disp); p++) {
		unsigned char ch = (unsigned char)*p;
		size_t l = strlen(disp);

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_')
			snprintf(disp + l, sizeof(disp) - l, "%c", ch);
		else
			snprintf(disp + l, sizeof(disp) - l, "%%%02X", ch);
	}
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(
		resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		strcmp(e.format, "xlsx") == 0
			? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
			: "text/csv");
	return jg__reply_response(r, 200, resp);
}

/* ---- mark --------------------------------------------------------------------------------- */

typedef struct mark_ctx {
	const char *channel, *filename, *path;
	jg_sync_mark_result res;
} mark_ctx;

static int mark_run(jg_store *s, jg__wjob *j, jg_err *err)
{
	mark_ctx *c = j->ctx;
	jg_profiles *profiles = NULL;
	int rc = jg_intake_profiles(s, &profiles, err);

	if (rc == 0)
		rc = jg_sync_mark_file(s, profiles, c->channel, c->path, &c->res, err);
	jg_profiles_free(profiles);
	return rc;
}

static enum MHD_Result mark_finish(jg__req *r)
{
	mark_ctx *c = r->ctx;

	return jg__finish_json(r, 200,
			       json_pack("{s:s, s:I, s:I, s:I}", "file", c->filename, "rows",
					 (json_int_t)c->res.rows, "marked",
					 (json_int_t)c->res.marked, "unknown",
					 (json_int_t)c->res.unknown));
}

enum MHD_Result jg__api_sync_mark(jg__req *r)
{
	mark_ctx *c = jg_arena_alloc(&r->arena, sizeof(*c));
	jg_err err = {0};
	bool bad;

	if (!c)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	memset(c, 0, sizeof(*c));
	c->channel = jg__query(r, "channel", &bad);
	if (bad)
		return MHD_YES;
	c->filename = jg__query(r, "filename", &bad);
	if (bad)
		return MHD_YES;
	if (!c->channel || jg__check_id("channel", c->channel, &err))
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INVALID,
						  "query parameter \"channel\" is required");
	if (!c->filename)
		c->filename = "upload";
	if (r->body_len == 0)
		return jg__reply_error(r, JG__API_INVALID,
				       "the file is empty: send it as the body");
	c->path = r->tmp_path;
	return jg__write(r, mark_run, mark_finish, c, JG__W_SOLO, 1, 200);
}

/* ---- status, check ------------------------------------------------------------------------ */

typedef struct status_row {
	char name[JG_CODE_MAX];
	int64_t imported, told, pending, held;
} status_row;

typedef struct status_ctx {
	status_row *v;
	size_t n, cap;
} status_ctx;

static int on_status_channel(const jg_channel_info *ch, void *payload)
{
	status_ctx *s = payload;

	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		status_row *v = jg_realloc(s->v, ncap * sizeof(*v));

		if (!v)
			return JG_ENOMEM;
		s->v = v;
		s->cap = ncap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	snprintf(s->v[s->n].name, sizeof(s->v[0].name), "%s", ch->name);
	s->v[s->n].imported = ch->last_import_at;
	s->v[s->n].told = ch->last_told_at;
	s->n++;
	return 0;
}

enum MHD_Result jg__api_sync_status(jg__req *r)
{
	status_ctx sc = {0};
	jg_sync_plan *plan = NULL;
	jg_store *s = jg__reader(r);
	json_t *arr;
	jg_err err = {0};

	if (!s)
		return MHD_YES;
	if (jg_channel_each(s, on_status_channel, &sc, &err) ||
	    jg_sync_plan_make(s, NULL, false, &plan, &err)) {
		jg_free(sc.v);
		return err.code ? jg__reply_err(r, &err)
				: jg__reply_error(r, JG__API_INTERNAL, "out of memory");
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
	arr = json_array();
	for (size_t k = 0; arr && k < sc.n; k++) {
		status_row *v = &sc.v[k];

		json_array_append_new(
			arr,
			json_pack("{s:s, s:I, s:I, s:o, s:o}", "channel", v->name, "pending",
				  (json_int_t)v->pending, "held", (json_int_t)v->held,
				  "last_import_at",
				  v->imported ? json_integer(v->imported) : json_null(),
				  "last_told_at", v->told ? json_integer(v->told) : json_null()));
	}
	jg_free(sc.v);
	if (!arr)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	return jg__reply_json(r, 200, json_pack("{s:o}", "channels", arr));
}

static void on_drift(const char *what, void *payload)
{
	json_array_append_new(payload, json_string(what));
}

enum MHD_Result jg__api_check(jg__req *r)
{
	jg_check_report rep = {0};
	jg_store *s = jg__reader(r);
	json_t *drift;
	jg_err err = {0};
	int rc;

	if (!s)
		return MHD_YES;
	drift = json_array();
	if (!drift)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
	rc = jg_store_check(s, &rep, on_drift, drift, &err);
	if (rc && rc != JG_EDRIFT) {
		json_decref(drift);
		return jg__reply_err(r, &err);
	}
	return jg__reply_json(r, 200,
			      json_pack("{s:b, s:I, s:I, s:I, s:o}", "ok", rc == 0, "skus",
					(json_int_t)rep.skus, "listings", (json_int_t)rep.listings,
					"lines", (json_int_t)rep.lines, "drift", drift));
}
