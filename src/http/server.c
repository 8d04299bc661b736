/* SPDX-License-Identifier: MIT */
/*
 * The HTTP server: libmicrohttpd used directly, with a thread pool, per-connection memory
 * and connection limits, a timeout, and suspend/resume so that a request waiting for the
 * writer holds no thread. This file owns a request's life:
 *
 *   first call    route (404, 405), size check of Content-Length (413), authentication
 *                 (401), role (403), CSRF token for cookie writes (403); a body is then
 *                 read into a capped buffer (JSON) or streamed into a temporary file
 *                 (uploads) - never through MHD's PostProcessor;
 *   last call     the JSON is parsed strictly and the handler runs: a read answers at
 *                 once from the thread's own read connection; a write is handed to the
 *                 writer and the connection suspended;
 *   resumed       the writer's commit is durable: `finish` answers;
 *   completed     one logfmt line on stderr (method, path, query keys only, status, ms,
 *                 request id, user: never values that could hold personal data) and the
 *                 request's memory and temporary file are freed.
 *
 * Every answer carries X-Request-Id. Errors are JSON {"error":{"code","message"}} with the
 * status from the one table in json.c.
 */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_int.h"

#define HARD_CLOSE_EXTRA (16u << 20) /* bytes past a cap after which we hang up */

/* ---- read connections per pool thread ----------------------------------------------------- */

static _Thread_local jg_store *tl_reader;
static _Thread_local jg__server *tl_owner;

jg_store *jg__http_reader(jg__server *srv, jg_err *err)
{
	jg_store *s = NULL;

	if (tl_reader && tl_owner == srv)
		return tl_reader;
	if (jg_store_open(&s, srv->db_url, err))
		return NULL;
	pthread_mutex_lock(&srv->mu);
	if (srv->n_readers == srv->cap_readers) {
		size_t ncap = srv->cap_readers ? srv->cap_readers * 2 : 8;
		jg_store **t = jg_realloc(srv->readers, ncap * sizeof(*t));

		if (!t) {
			pthread_mutex_unlock(&srv->mu);
			jg_store_close(s);
			jg_err_set(err, JG_ENOMEM, "out of memory");
			return NULL;
		}
		srv->readers = t;
		srv->cap_readers = ncap;
	}
	srv->readers[srv->n_readers++] = s;
	pthread_mutex_unlock(&srv->mu);
	tl_reader = s;
	tl_owner = srv;
	return s;
}

jg_store *jg__reader(jg__req *r)
{
	jg_err err = {0};
	jg_store *s = jg__http_reader(r->srv, &err);

	if (!s)
		jg__reply_err(r, &err);
	return s;
}

/* ---- stock-update files ------------------------------------------------------------------- */

int64_t jg__server_file_add(jg__server *srv, const char *channel, const char *path,
			    const char *format)
{
	jg__file_entry *e;
	int64_t id;

	pthread_mutex_lock(&srv->mu);
	id = ++srv->next_file;
	e = &srv->files[(size_t)(id % JG__FILES_MAX)];
	if (e->id && strcmp(e->path, path) != 0)
		unlink(e->path); /* the oldest offered file makes room */
	e->id = id;
	snprintf(e->channel, sizeof(e->channel), "%s", channel);
	snprintf(e->path, sizeof(e->path), "%s", path);
	snprintf(e->format, sizeof(e->format), "%s", format);
	pthread_mutex_unlock(&srv->mu);
	return id;
}

int jg__server_file_get(jg__server *srv, int64_t id, jg__file_entry *out)
{
	int rc = JG_ENOTFOUND;

	pthread_mutex_lock(&srv->mu);
	if (id > 0) {
		jg__file_entry *e = &srv->files[(size_t)(id % JG__FILES_MAX)];

		if (e->id == id) {
			*out = *e;
			rc = 0;
		}
	}
	pthread_mutex_unlock(&srv->mu);
	return rc;
}

/* ---- answers ------------------------------------------------------------------------------ */

void jg__common_headers(jg__req *r, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	if (!MHD_get_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

enum MHD_Result jg__reply_response(jg__req *r, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	jg__common_headers(r, resp);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	r->state = JG__REQ_ANSWERED;
	return ret;
}

static enum MHD_Result reply_text(jg__req *r, unsigned status, char *text, const char *extra_key,
				  const char *extra_value)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, jg_free);
	if (!resp) {
		jg_free(text);
		r->status = 500;
		r->state = JG__REQ_ANSWERED;
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json; charset=utf-8");
	if (extra_key)
		MHD_add_response_header(resp, extra_key, extra_value);
	return jg__reply_response(r, status, resp);
}

enum MHD_Result jg__reply_json(jg__req *r, unsigned status, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	json_decref(doc);
	if (!text)
		return jg__reply_error(r, JG__API_INTERNAL, "out of memory building the answer");
	return reply_text(r, status, text, NULL, NULL);
}

static enum MHD_Result reply_error_at(jg__req *r, jg__api_kind kind, int64_t row, int32_t col,
				      const char *msg, const char *extra_key,
				      const char *extra_value)
{
	json_t *e = json_pack("{s:s, s:s, s:s}", "code", jg__api_code(kind), "message", msg,
			      "request_id", r->id),
	       *doc;
	char *text;

	if (e && row > 0)
		json_object_set_new(e, "row", json_integer(row));
	if (e && col > 0)
		json_object_set_new(e, "column", json_integer(col));
	doc = e ? json_pack("{s:o}", "error", e) : NULL;
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text) {
		/* Out of memory: a fixed answer, no allocation. */
		static const char oom[] =
			"{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
		struct MHD_Response *resp = MHD_create_response_from_buffer(
			sizeof(oom) - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);

		if (!resp)
			return MHD_NO;
		return jg__reply_response(r, 500, resp);
	}
	return reply_text(r, jg__api_status(kind), text, extra_key, extra_value);
}

enum MHD_Result jg__reply_error(jg__req *r, jg__api_kind kind, const char *fmt, ...)
{
	char msg[JG_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (kind == JG__API_UNAUTHORIZED)
		return reply_error_at(r, kind, 0, 0, msg, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				      "Bearer");
	return reply_error_at(r, kind, 0, 0, msg, NULL, NULL);
}

enum MHD_Result jg__reply_err(jg__req *r, const jg_err *err)
{
	int code = err->code ? err->code : JG_EDB;

	return reply_error_at(r, jg__api_kind_of(code), err->row, err->col,
			      err->msg[0] ? err->msg : jg_strerror(code), NULL, NULL);
}

/* ---- request helpers ---------------------------------------------------------------------- */

const char *jg__header(jg__req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *jg__query(jg__req *r, const char *name, bool *bad)
{
	const char *raw = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
	char *v;

	if (bad)
		*bad = false;
	if (!raw)
		return NULL;
	v = jg__url_decode(&r->arena, raw, strlen(raw));
	if (!v) {
		if (bad)
			*bad = true;
		jg__reply_error(
			r, JG__API_INVALID,
			"query parameter \"%s\" is not UTF-8 text without control characters",
			name);
	}
	return v;
}

int jg__query_i64(jg__req *r, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	bool bad;
	const char *v = jg__query(r, name, &bad);
	int64_t n;

	if (bad)
		return -1;
	if (!v)
		return 0;
	if (jg_parse_i64(&n, v) || n < lo || n > hi) {
		jg__reply_error(r, JG__API_INVALID,
				"query parameter \"%s\" must be a whole number"
				" from %lld to %lld",
				name, (long long)lo, (long long)hi);
		return -1;
	}
	*out = n;
	return 0;
}

int jg__query_bool(jg__req *r, const char *name, bool *out)
{
	bool bad;
	const char *v = jg__query(r, name, &bad);

	if (bad)
		return -1;
	if (!v)
		return 0;
	if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) {
		*out = true;
	} else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0) {
		*out = false;
	} else {
		jg__reply_error(r, JG__API_INVALID, "query parameter \"%s\" must be 1 or 0", name);
		return -1;
	}
	return 0;
}

/* ---- handing writes to the writer --------------------------------------------------------- */

static void write_done(jg__wjob *j)
{
	jg__req *r = j->req;

	r->state = JG__REQ_WRITTEN;
	MHD_resume_connection(r->conn); /* the last touch of r on the writer thread */
}

enum MHD_Result jg__write(jg__req *r, jg__wrun run, enum MHD_Result (*finish)(jg__req *r),
			  void *ctx, unsigned flags, int64_t weight, unsigned ok_status)
{
	jg__wjob *j = &r->job;

	memset(j, 0, sizeof(*j));
	j->run = run;
	j->solo = (flags & JG__W_SOLO) != 0;
	j->changes_stock = (flags & JG__W_QUIET) == 0;
	j->weight = weight;
	j->ctx = ctx;
	j->ok_status = ok_status;
	j->done = write_done;
	j->req = r;
	snprintf(j->who, sizeof(j->who), "%s", r->who.name);
	snprintf(j->method, sizeof(j->method), "%s", r->method);
	snprintf(j->path, sizeof(j->path), "%s", r->path);
	snprintf(j->request_id, sizeof(j->request_id), "%s", r->id);
	r->ctx = ctx;
	r->finish = finish;
	r->state = JG__REQ_WAITING;
	/* Suspend first: the writer's resume then always follows it. */
	MHD_suspend_connection(r->conn);
	if (jg__writer_submit(&r->srv->writer, j)) {
		j->rc = jg_err_set(&j->err, JG_EBUSY, "the server is busy or stopping; try again");
		write_done(j);
	} else {
		r->audited = true; /* the writer adds the entry with the job */
	}
	return MHD_YES;
}

enum MHD_Result jg__finish_json(jg__req *r, unsigned status, json_t *doc)
{
	if (r->job.rc) {
		json_decref(doc);
		return jg__reply_err(r, &r->job.err);
	}
	return jg__reply_json(r, status, doc);
}

/* ---- the request's life ------------------------------------------------------------------- */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static bool is_write(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static void client_ip(jg__req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(r->ip, sizeof(r->ip), "?");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, r->ip,
			  sizeof(r->ip));
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
			  r->ip, sizeof(r->ip));
}

static jg__req *req_new(jg__server *srv, struct MHD_Connection *conn, const char *url,
			const char *method)
{
	jg__req *r = jg_calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->srv = srv;
	r->conn = conn;
	r->fd = -1;
	r->t0_us = now_us();
	jg_arena_init(&r->arena, JG__REQ_ARENA);
	jg_buf_init(&r->body, JG__JSON_MAX);
	snprintf(r->id, sizeof(r->id), "%016llx",
		 (unsigned long long)mix(srv->id_salt + atomic_fetch_add(&srv->next_request, 1)));
	snprintf(r->method, sizeof(r->method), "%s", method);
	r->path = jg_arena_strdup(&r->arena, url);
	client_ip(r);
	return r;
}

static void req_free(jg__req *r)
{
	if (!r)
		return;
	if (r->cleanup)
		r->cleanup(r->cleanup_arg);
	if (r->fd >= 0)
		close(r->fd);
	if (r->tmp_path) {
		unlink(r->tmp_path);
		jg_free(r->tmp_path);
	}
	json_decref(r->json);
	jg_buf_free(&r->body);
	jg_arena_free(&r->arena);
	jg_free(r);
}

/* A logfmt value: bare when it is plain, else quoted with " and \ escaped. */
static void log_value(jg_buf *b, const char *v)
{
	bool plain = *v != '\0';

	for (const char *p = v; *p && plain; p++)
		plain = (unsigned char)*p > ' ' && *p != '"' && *p != '=' && *p != '\\';
	if (plain) {
		jg_buf_puts(b, v);
		return;
	}
	jg_buf_puts(b, "\"");
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			jg_buf_puts(b, "\\");
		if ((unsigned char)*p < ' ')
			jg_buf_puts(b, "?");
		else
			jg_buf_append(b, p, 1);
	}
	jg_buf_puts(b, "\"");
}

static enum MHD_Result query_key(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	jg_buf *b = cls;

	(void)kind;
	(void)value;
	if (b->len)
		jg_buf_puts(b, ",");
	for (const char *p = key; *p; p++)
		jg_buf_append(b,
			      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'
				      ? p
				      : "?",
			      1);
	return MHD_YES;
}

/* One line per request. Only the path (no query values: they can hold names or phone
 * numbers typed into a search), the query's keys, and the jaego account. */
static void log_request(jg__req *r)
{
	char at[32], ms[32];
	jg_buf line, keys;
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(ms, sizeof(ms), "%.1f", (double)(now_us() - r->t0_us) / 1000.0);
	jg_buf_init(&line, 2048);
	jg_buf_init(&keys, 256);
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_key, &keys);
	jg_buf_printf(&line, "at=%s method=%s path=", at, r->method);
	log_value(&line, r->path ? r->path : "");
	if (keys.len) {
		jg_buf_puts(&line, " query=");
		log_value(&line, jg_buf_str(&keys));
	}
	jg_buf_printf(&line, " status=%u ms=%s rid=%s user=", r->status, ms, r->id);
	log_value(&line, r->who.authed ? r->who.name : "-");
	jg_buf_puts(&line, "\n");
	fputs(jg_buf_str(&line), stderr);
	jg_buf_free(&line);
	jg_buf_free(&keys);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	jg__req *r = *con_cls;

	(void)cls;
	(void)conn;
	if (!r)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->state != JG__REQ_ANSWERED)
		r->status = 499; /* the client went away (nginx's convention) */
	/* Every write attempt by someone who named themselves goes into the audit log, also
	 * one refused before it reached the writer (403, 400, a failed login). Anonymous
	 * requests do not: they must not be able to fill the database. */
	if (!r->audited && r->route && !(r->route->flags & JG__ROUTE_READ) && is_write(r->method) &&
	    r->who.name[0])
		jg__audit_detached(&r->srv->writer, r->who.name, r->method, r->path, r->id,
				   r->status);
	log_request(r);
	req_free(r);
	*con_cls = NULL;
}

static int open_upload(jg__req *r)
{
	char path[1100];
	int fd;

	snprintf(path, sizeof(path), "%s/upload-%llu-XXXXXX", r->srv->tmp_dir,
		 (unsigned long long)atomic_fetch_add(&r->srv->next_upload, 1));
	fd = mkstemp(path);
	if (fd < 0)
		return JG_EIO;
	r->tmp_path = jg_strdup(path);
	if (!r->tmp_path) {
		close(fd);
		unlink(path);
		return JG_ENOMEM;
	}
	r->fd = fd;
	return 0;
}

/* Everything the first call decides: the route, the size, who asks and whether they may. */
static enum MHD_Result begin(jg__req *r)
{
	const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	const char *cl = jg__header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	jg_err err = {0};
	int rc;

	rc = jg__route_find(method, r->path, &r->arena, &r->route, r->params, &r->nparams);
	if (rc == JG_EINVAL)
		return jg__reply_error(r, JG__API_INVALID, "the path is not valid UTF-8 text");
	if (rc == JG_EPERM)
		return jg__reply_error(r, JG__API_METHOD, "%s is not allowed on %s", r->method,
				       r->path);
	if (rc == JG_ENOTFOUND) {
		if (strncmp(r->path, "/api/", 5) == 0 || strcmp(method, "GET") != 0)
			return jg__reply_error(r, JG__API_NOT_FOUND, "no such resource: %s %s",
					       r->method, r->path);
		r->route = NULL; /* the dashboard */
		r->state = JG__REQ_BODY;
		return MHD_YES;
	}
	if (cl) {
		int64_t n;
		uint64_t cap = jg__route_body_max(r->route);

		if (jg_parse_i64(&n, cl) || n < 0)
			return jg__reply_error(r, JG__API_INVALID, "bad Content-Length");
		if ((uint64_t)n > cap)
			return cap ? jg__reply_error(r, JG__API_TOO_LARGE,
						     "the body is larger than %llu bytes",
						     (unsigned long long)cap)
				   : jg__reply_error(r, JG__API_INVALID,
						     "this request takes no body");
	}
	if (!(r->route->flags & JG__ROUTE_PUBLIC)) {
		bool writes = is_write(r->method) && !(r->route->flags & JG__ROUTE_READ);

		if ((rc = jg__auth_resolve(r, &err)))
			return jg__reply_err(r, &err);
		if (!r->who.authed)
			return jg__reply_error(r, JG__API_UNAUTHORIZED,
					       "log in, or send Authorization: Bearer <token>");
		if (r->who.role < r->route->role) {
			return jg__reply_error(r, JG__API_FORBIDDEN, "the %s role may not do this",
					       jg_role_name(r->who.role));
		}
		if (r->who.session && writes) {
			const char *tok = jg__header(r, "X-CSRF-Token");

			if (!tok || !jg_secret_equal(tok, r->who.csrf))
				return jg__reply_error(r, JG__API_FORBIDDEN,
						       "a missing or wrong X-CSRF-Token header");
		}
	}
	if (r->route->body == JG__BODY_FILE && (rc = open_upload(r)))
		return jg__reply_error(r, JG__API_INTERNAL, "cannot store the upload");
	r->state = JG__REQ_BODY;
	return MHD_YES;
}

/* A chunk of the body. Past a cap the rest is read and dropped (so that the client can be
 * told 413), up to HARD_CLOSE_EXTRA more; then the connection is dropped. */
static enum MHD_Result body_chunk(jg__req *r, const char *data, size_t n)
{
	uint64_t cap = jg__route_body_max(r->route);

	r->body_len += n;
	if (r->body_len > cap) {
		r->too_large = true;
		return r->body_len > cap + HARD_CLOSE_EXTRA ? MHD_NO : MHD_YES;
	}
	if (r->route->body == JG__BODY_JSON)
		return jg_buf_append(&r->body, data, n) == 0 ? MHD_YES : MHD_NO;
	while (n > 0 && !r->io_error) {
		ssize_t w = write(r->fd, data, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r->io_error = true; /* disk full: read on, answer 500 at the end */
			break;
		}
		data += w;
		n -= (size_t)w;
	}
	return MHD_YES;
}

/* The whole request is here: check the body and run the handler. */
static enum MHD_Result dispatch(jg__req *r)
{
	jg_err err = {0};

	if (!r->route) {
		if (r->body_len)
			return jg__reply_error(r, JG__API_INVALID, "this request takes no body");
		return jg__static_serve(r, r->path);
	}
	if (r->too_large)
		return jg__reply_error(r, JG__API_TOO_LARGE,
				       r->route->body == JG__BODY_FILE
					       ? "the upload is larger than"
						 " %llu bytes"
					       : "the body is larger than %llu bytes",
				       (unsigned long long)jg__route_body_max(r->route));
	if (r->route->body == JG__BODY_NONE && r->body_len)
		return jg__reply_error(r, JG__API_INVALID, "this request takes no body");
	if (r->route->body == JG__BODY_JSON) {
		if (r->body_len == 0) {
			r->json = json_object();
			if (!r->json)
				return jg__reply_error(r, JG__API_INTERNAL, "out of memory");
		} else if (jg__json_parse(r->body.p, r->body.len, &r->json, &err)) {
			return jg__reply_err(r, &err);
		}
	}
	if (r->route->body == JG__BODY_FILE) {
		if (close(r->fd) != 0)
			r->io_error = true;
		r->fd = -1;
		if (r->io_error)
			return jg__reply_error(r, JG__API_INTERNAL,
					       "the upload could not be stored (disk full?)");
	}
	return r->route->fn(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	jg__req *r = *con_cls;

	(void)version;
	if (!r) {
		r = req_new(cls, conn, url, method);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		return begin(r);
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (r->state != JG__REQ_BODY)
			return MHD_YES; /* answered early: the rest is dropped */
		return body_chunk(r, upload_data, n);
	}
	switch (r->state) {
	case JG__REQ_BODY: return dispatch(r);
	case JG__REQ_WRITTEN: r->state = JG__REQ_ANSWERED; return r->finish(r);
	default: return MHD_YES;
	}
}

/* ---- start and stop ----------------------------------------------------------------------- */

static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s); /* paths and queries are decoded per part, in jg__url_decode */
}

/* libmicrohttpd hands us its own printf format: a literal inside the library. */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/*
 * libmicrohttpd's own messages, one logfmt line each. A peer that went away (a closed tab
 * ending its live-update stream, a client giving up) is routine, not a warning: such
 * messages are shown only with JAEGO_LOG=debug.
 */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	static const char *const routine[] = {"Failed to send", "Broken pipe", "reset by peer",
					      "closed by peer", "Connection was closed"};
	const char *level = "warn", *dbg = getenv("JAEGO_LOG");
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	for (char *q = msg; *q; q++)
		if (*q == '"')
			*q = '\''; /* keeps the line one logfmt value */
	for (size_t i = 0; i < sizeof(routine) / sizeof(routine[0]); i++)
		if (strstr(msg, routine[i]))
			level = "debug";
	if (strcmp(level, "debug") == 0 && !(dbg && strcmp(dbg, "debug") == 0))
		return;
	fprintf(stderr, "level=%s source=microhttpd msg=\"%s\"\n", level, msg);
}

static int parse_listen(const char *listen, struct sockaddr_storage *out, socklen_t *len, bool *v6,
			jg_err *err)
{
	char host[256];
	const char *colon = strrchr(listen, ':'), *h = listen;
	size_t hl;
	struct addrinfo hints = {0}, *res = NULL;
	int64_t port;

	if (!colon || jg_parse_i64(&port, colon + 1) || port < 0 || port > 65535)
		return jg_err_set(err, JG_EINVAL,
				  "--listen %s: give HOST:PORT, e.g. 127.0.0.1:8080", listen);
	hl = (size_t)(colon - listen);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return jg_err_set(err, JG_EINVAL, "--listen %s: no host", listen);
	memcpy(host, h, hl);
	host[hl] = '\0';
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
		return jg_err_set(err, JG_EINVAL, "--listen %s: unknown host %s", listen, host);
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	if (*v6)
		((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void server_free(jg__server *srv)
{
	for (size_t i = 0; i < srv->n_readers; i++)
		jg_store_close(srv->readers[i]);
	jg_free(srv->readers);
	if (srv->tmp_dir) {
		nftw(srv->tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		jg_free(srv->tmp_dir);
	}
	jg_free(srv->db_url);
	pthread_mutex_destroy(&srv->mu);
}

int jg_serve(const jg_serve_opts *o, jg_err *err)
{
	jg__server srv;
	struct sockaddr_storage addr;
	socklen_t alen = 0;
	bool v6 = false;
	sigset_t sigs, old;
	const char *listen = o->listen ? o->listen : "127.0.0.1:8080";
	const char *tmp = o->tmp_dir ? o->tmp_dir : getenv("TMPDIR");
	unsigned threads = o->threads ? o->threads : 4;
	char dir[1024], url[300], host[INET6_ADDRSTRLEN];
	const union MHD_DaemonInfo *info;
	jg_store *probe = NULL;
	int rc, sig;

	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.mu, NULL);
	if (threads > 16)
		return jg_err_set(err, JG_EINVAL, "--threads must be from 1 to 16");
	if ((rc = parse_listen(listen, &addr, &alen, &v6, err)))
		goto out_nothing;
	/* The schema first: a clear message instead of a server that fails every request. */
	rc = jg_store_open(&probe, o->db_url, err);
	if (rc == 0)
		rc = jg_store_require_schema(probe, err);
	jg_store_close(probe);
	if (rc)
		goto out_nothing;
	srv.db_url = jg_strdup(o->db_url);
	snprintf(dir, sizeof(dir), "%s/jaego-serve-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!srv.db_url || !mkdtemp(dir) || !(srv.tmp_dir = jg_strdup(dir))) {
		rc = jg_err_set(err, JG_EIO, "cannot make a temporary directory in %s",
				tmp && *tmp ? tmp : "/tmp");
		goto out_nothing;
	}
	if (jg_random_bytes(&srv.id_salt, sizeof(srv.id_salt), err))
		srv.id_salt = (uint64_t)jg_now_ms();
	jg_err_clear(err);

	/* Every thread started from here on inherits these blocked; the main thread takes
	 * them with sigwait. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);

	if ((rc = jg__events_start(&srv.events, err)) ||
	    (rc = jg__events_watch(&srv.events, o->db_url, err)) ||
	    (rc = jg__writer_start(&srv.writer, &srv, o->db_url, err)) ||
	    (rc = jg__jobs_start(&srv.jobs, &srv, o->db_url, err)))
		goto out;
	srv.daemon = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
			(v6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, on_request, &srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)JG__CONN_MEMORY, MHD_OPTION_CONNECTION_LIMIT, (unsigned)JG__CONN_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)JG__CONN_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)JG__CONN_TIMEOUT,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&addr, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
		MHD_OPTION_END);
	if (!srv.daemon) {
		rc = jg_err_set(err, JG_EIO, "cannot listen on %s (in use, or not an address here)",
				listen);
		goto out;
	}
	info = MHD_get_daemon_info(srv.daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&addr)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&addr)->sin_addr, host, sizeof(host));
	snprintf(url, sizeof(url), v6 ? "http://[%s]:%u/" : "http://%s:%u/", host,
		 info ? (unsigned)info->port : 0u);
	fprintf(stderr, "level=info msg=listening url=%s threads=%u db=", url, threads);
	{
		jg_buf b;
		char shown[1024];

		jg_buf_init(&b, 2048);
		log_value(&b, jg_store_url_display(shown, sizeof(shown), o->db_url));
		fprintf(stderr, "%s\n", jg_buf_str(&b));
		jg_buf_free(&b);
	}
	if (o->ready)
		o->ready(url, o->ready_payload);

	sigdelset(&sigs, SIGPIPE);
	do {
		if (sigwait(&sigs, &sig) != 0)
			sig = SIGTERM;
	} while (sig != SIGINT && sig != SIGTERM);
	fprintf(stderr, "level=info msg=stopping signal=%d\n", sig);
	rc = 0;
out:
	/* Stop taking connections, end the streams, let the queued writes commit and answer,
	 * finish the running import, then stop the daemon and close every connection. */
	if (srv.daemon) {
		MHD_socket lfd = MHD_quiesce_daemon(srv.daemon);

		if (lfd != MHD_INVALID_SOCKET)
			close(lfd); /* new clients are refused at once, not left waiting */
	}
	jg__events_stop(&srv.events);
	jg__writer_stop(&srv.writer);
	jg__jobs_stop(&srv.jobs);
	if (srv.daemon)
		MHD_stop_daemon(srv.daemon);
	jg__writer_free(&srv.writer);
	jg__jobs_free(&srv.jobs);
	pthread_cond_destroy(&srv.events.cv);
	pthread_mutex_destroy(&srv.events.mu);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out_nothing:
	server_free(&srv);
	return rc;
}
