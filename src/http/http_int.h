/* SPDX-License-Identifier: MIT */
/*
 * What the server's files share, internal to src/http/: the server, one request, routes,
 * the group-commit writer, import jobs, server-sent events, and the helpers that read a
 * request and answer it. No SQL here: every database access is a library call.
 *
 * Threads (docs/internals/http.md): libmicrohttpd's pool threads run the handlers, each
 * with its own read connection (jg__http_reader); one writer thread runs every write in
 * group-committed batches; one job thread runs imports on its own connection; one events
 * thread sends keep-alives. A request belongs to one pool thread at a time: it is handed
 * to the writer while suspended and handed back by resuming it.
 */
#ifndef JAEGO_HTTP_INT_H
#define JAEGO_HTTP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "jaego/access.h"
#include "jaego/http.h"
#include "jaego/jaego.h"
#include "jaego/profile.h"

/* ---- limits ------------------------------------------------------------------------------ */

#define JG__JSON_MAX     (1u << 20)           /* bytes of a JSON body */
#define JG__JSON_DEPTH   32                   /* nesting of a JSON body */
#define JG__UPLOAD_MAX   (64ull << 20)        /* bytes of an uploaded file */
#define JG__LIST_MAX     (16ull << 20)        /* bytes of an uploaded SKU or listing list */
#define JG__REQ_ARENA    (4u << 20)           /* a request's arena */
#define JG__CONN_MEMORY  (64u << 10)          /* MHD's buffer per connection: headers and reads */
#define JG__CONN_LIMIT   256                  /* open connections */
#define JG__CONN_PER_IP  64                   /* ... from one address */
#define JG__CONN_TIMEOUT 60                   /* seconds a connection may stay idle */
#define JG__WRITE_QUEUE  8192                 /* writes waiting for the writer */
#define JG__GROUP_WEIGHT 20000                /* order lines (or operations) in one group commit */
#define JG__LINES_MAX    1000                 /* order lines in one intake request */
#define JG__LINGER_MIN   256                  /* group weight after which the writer lingers */
#define JG__LINGER_MS    50                   /* ... a quarter of the group's time, at most */
#define JG__SESSION_MS   (12LL * 3600 * 1000) /* a dashboard session lasts 12 hours */
#define JG__KEEPALIVE_MS 15000                /* server-sent events keep-alive */
#define JG__JOBS_MAX     256                  /* import jobs remembered */
#define JG__FILES_MAX    256                  /* stock-update files offered for download */
#define JG__LOGIN_FAILS  5                    /* failed logins per minute, per address and user */

/* ---- errors: the one table of docs/api.md -------------------------------------------------- */

/* Kinds of API error. A library code maps to one (jg__api_kind_of); the HTTP layer adds
 * the ones no library call returns. */
typedef enum jg__api_kind {
	JG__API_INVALID = 0,
	JG__API_UNAUTHORIZED,
	JG__API_FORBIDDEN,
	JG__API_NOT_FOUND,
	JG__API_METHOD,
	JG__API_CONFLICT,
	JG__API_TOO_LARGE,
	JG__API_UNPROCESSABLE, /* a catalogue file with bad rows: nothing applied (422) */
	JG__API_RATE_LIMITED,
	JG__API_BUSY,
	JG__API_INTERNAL
} jg__api_kind;

jg__api_kind jg__api_kind_of(int jg_code);
unsigned jg__api_status(jg__api_kind k);
const char *jg__api_code(jg__api_kind k);

/* ---- server --------------------------------------------------------------------------------- */

typedef struct jg__server jg__server;
typedef struct jg__req jg__req;

/* A handler answers (jg__reply*), or hands the request to the writer (jg__write). Returns
 * an MHD result: MHD_YES, or MHD_NO to drop the connection. */
typedef enum MHD_Result (*jg__handler)(jg__req *r);

typedef enum jg__body {
	JG__BODY_NONE = 0, /* a body is refused */
	JG__BODY_JSON,     /* a JSON object, capped at JG__JSON_MAX */
	JG__BODY_FILE      /* raw bytes streamed to a temporary file, capped at JG__UPLOAD_MAX */
} jg__body;

enum {
	JG__ROUTE_PUBLIC = 1, /* no authentication (health, login, the dashboard) */
	JG__ROUTE_READ = 2,   /* a POST that changes nothing: no writer, no audit, no CSRF */
	JG__ROUTE_LIST = 4    /* an upload of a SKU or listing list: JG__LIST_MAX */
};

typedef struct jg__route {
	const char *method;
	const char *pattern; /* "/api/v1/skus/{}/receive": {} matches one path segment */
	jg__handler fn;
	jg_role role; /* the least role allowed */
	jg__body body;
	unsigned flags;
} jg__route;

/* The most body bytes a route takes: JSON, an upload (its own cap or JG__UPLOAD_MAX), or 0. */
uint64_t jg__route_body_max(const jg__route *rt);

#define JG__PARAMS_MAX 4

/* Finds the route for (method, path): 0 and *out, JG_ENOTFOUND for no path, JG_EPERM for
 * a path that exists under other methods (405). Path parameters are percent-decoded into
 * `a` and checked to be UTF-8 without control characters (JG_EINVAL otherwise). */
int jg__route_find(const char *method, const char *path, jg_arena *a, const jg__route **out,
		   const char **params, size_t *nparams);

/* ---- writer (group commit) ----------------------------------------------------------------------
 */

typedef struct jg__wjob jg__wjob;
/* Runs a request's library calls on the writer's store, inside the group's batch (or
 * alone for a solo job). Each call validates before it writes, so a failure leaves
 * nothing of this job. Returns 0 or a JG_E* code (with `err`). */
typedef int (*jg__wrun)(jg_store *s, jg__wjob *j, jg_err *err);

struct jg__wjob {
	jg__wrun run;
	bool solo;          /* manages its own transactions (sync export, sync mark) */
	bool changes_stock; /* a success changes what the dashboard shows: send an event */
	int64_t weight;     /* operations inside (order lines), for the group's size */
	void *ctx;          /* the handler's data */
	/* The audit entry: who and what; status is filled in by the writer. */
	char who[JG_CODE_MAX];
	char method[8];
	char path[512];
	char request_id[24];
	unsigned ok_status; /* the status a success answers, for the audit log */
	/* Results. */
	int rc;
	jg_err err;
	bool partial; /* set by `run` when it failed after writing: the writer then
			 rolls the job back whole (never a half-applied request) */
	/* Called by the writer once the job's commit is durable (or it failed). */
	void (*done)(jg__wjob *j);
	jg__req *req; /* the request waiting, NULL for a detached job */
	jg__wjob *next;
};

typedef struct jg__writer {
	jg__server *srv;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	jg__wjob *head, *tail;
	size_t queued;
	int64_t queued_weight; /* sum of the queued jobs' weights */
	bool stopping;
	jg_store *store;
	bool trace;               /* JAEGO_LOG=debug: one line per group on stderr */
	double run_ms, commit_ms; /* of the current group, for the trace */
	/* Statistics, read with the mutex held. */
	int64_t commits, jobs, largest_group;
} jg__writer;

int jg__writer_start(jg__writer *w, jg__server *srv, const char *db_url, jg_err *err);
/* Queues a job. JG_EBUSY when the queue is full or the writer is stopping (then the job
 * was not queued and `done` will not be called). Thread-safe. */
int jg__writer_submit(jg__writer *w, jg__wjob *j);
/* Runs what is queued, then stops the thread and closes its store; later submits get
 * JG_EBUSY. */
void jg__writer_stop(jg__writer *w);
/* Frees what is left, once no thread can submit any more (the daemon has stopped). */
void jg__writer_free(jg__writer *w);
/* Queues an audit entry on its own (a write refused before it reached the writer). The
 * entry is copied. Best effort: dropped when the queue is full. Thread-safe. */
void jg__audit_detached(jg__writer *w, const char *who, const char *method, const char *path,
			const char *request_id, unsigned status);

/* ---- events (server-sent) ---------------------------------------------------------------------
 */

typedef struct jg__sse jg__sse;
typedef struct jg__events {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stopping;
	int64_t version; /* bumped after every commit that changed stock data */
	int64_t tick;    /* bumped every JG__KEEPALIVE_MS */
	jg__sse *waiting;
	/* Other connections' commits (other servers, the CLI), on PostgreSQL. */
	struct jg_store *watch_store;
	pthread_t watcher;
	bool watching;
} jg__events;

/* Starts a thread that bumps the version whenever another connection commits a change to
 * the seller's data, when the database can tell (PostgreSQL); a no-op otherwise. */
int jg__events_watch(jg__events *ev, const char *db_url, jg_err *err);
int jg__events_start(jg__events *ev, jg_err *err);
/* A commit changed stock data: tell every listener. Thread-safe. */
void jg__events_bump(jg__events *ev);
/* This server's commit changed stock data: bumps, unless the watcher runs (it hears every
 * commit, this server's own included, so a bump here would tell listeners twice). */
void jg__events_committed(jg__events *ev);
/* Ends every stream and stops the thread. */
void jg__events_stop(jg__events *ev);
/* The response for GET /api/v1/events on `conn`. */
struct MHD_Response *jg__events_response(jg__events *ev, struct MHD_Connection *conn);

/* ---- import jobs --------------------------------------------------------------------------------
 */

typedef struct jg__job jg__job;
typedef struct jg__jobs {
	jg__server *srv;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stopping;
	char *db_url;
	jg__job *list; /* newest first, at most JG__JOBS_MAX */
	size_t n;
	int64_t next_id;
} jg__jobs;

typedef struct jg__import_spec {
	const char *path; /* the uploaded file; the job owns and removes it */
	const char *name; /* its original name */
	const char *channel, *profile, *password; /* may be NULL */
	bool dry_run, strict;
	const char *who, *request_id;
} jg__import_spec;

int jg__jobs_start(jg__jobs *q, jg__server *srv, const char *db_url, jg_err *err);
/* Queues an import; *out_id names it. JG_EBUSY when too many jobs are waiting. */
int jg__jobs_submit(jg__jobs *q, const jg__import_spec *spec, int64_t *out_id, jg_err *err);
/* The job's state as GET /api/v1/jobs/{id} shows it (new reference), NULL if unknown. */
json_t *jg__jobs_get(jg__jobs *q, int64_t id);
/* Lets the running job finish, then stops the thread; queued jobs are not run. */
void jg__jobs_stop(jg__jobs *q);
/* Frees the jobs and their files, once the daemon has stopped. */
void jg__jobs_free(jg__jobs *q);

/* ---- the server
 * ---------------------------------------------------------------------------------- */

typedef struct jg__file_entry {
	int64_t id;
	char channel[JG_CODE_MAX];
	char path[1024];
	char format[16];
} jg__file_entry;

struct jg__server {
	char *db_url;
	char *tmp_dir; /* the server's own directory for uploads and files */
	struct MHD_Daemon *daemon;
	jg__writer writer;
	jg__jobs jobs;
	jg__events events;
	pthread_mutex_t mu; /* guards readers, files, counters below */
	jg_store **readers; /* one per pool thread that asked */
	size_t n_readers, cap_readers;
	jg__file_entry files[JG__FILES_MAX];
	size_t n_files;
	int64_t next_file;
	atomic_uint_fast64_t next_request;
	atomic_uint_fast64_t next_upload;
	uint64_t id_salt;
};

/* The calling pool thread's read connection, opened on first use. NULL with `err` set on
 * failure. */
jg_store *jg__http_reader(jg__server *srv, jg_err *err);
/* Registers a stock-update file for download; returns its id. Thread-safe. */
int64_t jg__server_file_add(jg__server *srv, const char *channel, const char *path,
			    const char *format);
/* Copies the entry for `id` into *out: 0, or JG_ENOTFOUND. Thread-safe. */
int jg__server_file_get(jg__server *srv, int64_t id, jg__file_entry *out);

/* ---- one request ------------------------------------------------------------------------------
 */

typedef enum jg__req_state {
	JG__REQ_NEW = 0,
	JG__REQ_BODY,    /* reading the body */
	JG__REQ_WAITING, /* suspended: with the writer */
	JG__REQ_WRITTEN, /* the writer is done: finish and answer */
	JG__REQ_ANSWERED
} jg__req_state;

typedef struct jg__principal {
	bool authed;
	char name[JG_CODE_MAX];
	jg_role role;
	bool session; /* via the cookie (then writes need the CSRF token) */
	char csrf[JG_SECRET_TEXT];
	char session_digest[JG_DIGEST_TEXT];
} jg__principal;

struct jg__req {
	jg__server *srv;
	struct MHD_Connection *conn;
	jg_arena arena;
	char id[24];
	char method[8];
	const char *path; /* raw, without the query */
	int64_t t0_us;
	const jg__route *route;
	const char *params[JG__PARAMS_MAX];
	size_t nparams;
	jg__principal who;
	char ip[64];
	/* The body. */
	jg_buf body;    /* JSON */
	int fd;         /* a file body, -1 when none */
	char *tmp_path; /* its path (jg_malloc'd), removed at the end unless handed on */
	uint64_t body_len;
	bool too_large;
	bool io_error; /* writing the upload failed */
	json_t *json;  /* the parsed body */
	/* State. */
	jg__req_state state;
	unsigned status;
	/* A write: the job, and the function that answers once it is done (on a pool thread,
	 * with the reader: e.g. reads the row written back). */
	jg__wjob job;
	enum MHD_Result (*finish)(jg__req *r);
	void *ctx;
	bool audited; /* the writer wrote its audit entry */
	/* Called with `cleanup_arg` when the request is freed, however it ended (a handler's
	 * own allocation that must outlive the writer, e.g. a catalogue file read). */
	void (*cleanup)(void *arg);
	void *cleanup_arg;
};

/* Thread-local read store for handlers; answers 500 itself on failure (returns NULL). */
jg_store *jg__reader(jg__req *r);

/* Answers: JSON (takes the reference), an error, a raw buffer (copied), or a response the
 * caller built. Each adds X-Request-Id and the security headers. */
enum MHD_Result jg__reply_json(jg__req *r, unsigned status, json_t *doc);
enum MHD_Result jg__reply_error(jg__req *r, jg__api_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The error of a failed library call: its kind from the table, its message, row, column. */
enum MHD_Result jg__reply_err(jg__req *r, const jg_err *err);
enum MHD_Result jg__reply_response(jg__req *r, unsigned status, struct MHD_Response *resp);
/* Adds the headers every answer carries. */
void jg__common_headers(jg__req *r, struct MHD_Response *resp);

enum {
	JG__W_SOLO = 1, /* runs outside the group's batch (manages its own transactions) */
	JG__W_QUIET = 2 /* a success changes nothing the dashboard shows: no event */
};
/* Hands the request to the writer: `run` executes there, then `finish` answers on a pool
 * thread. `ctx` is kept in r->ctx and job.ctx; `weight` counts its operations;
 * `ok_status` is what a success answers, for the audit log. */
enum MHD_Result jg__write(jg__req *r, jg__wrun run, enum MHD_Result (*finish)(jg__req *r),
			  void *ctx, unsigned flags, int64_t weight, unsigned ok_status);
/* A finish that answers the writer's error, or `doc` with `status`. */
enum MHD_Result jg__finish_json(jg__req *r, unsigned status, json_t *doc);

/* Query parameters: the percent-decoded value (in the arena) or NULL; a value that is not
 * UTF-8 or holds control characters answers 400 (then *bad is set). */
const char *jg__query(jg__req *r, const char *name, bool *bad);
/* Reads an integer query value into *out (kept when absent). Answers 400 and returns -1
 * for a bad one, 0 otherwise. */
int jg__query_i64(jg__req *r, const char *name, int64_t lo, int64_t hi, int64_t *out);
/* A boolean query value: "1", "true", "0", "false". */
int jg__query_bool(jg__req *r, const char *name, bool *out);
/* A request header, or NULL. */
const char *jg__header(jg__req *r, const char *name);

/* Percent-decodes `s[0..n)` into the arena; NULL for bad escapes, invalid UTF-8 or control
 * characters. */
char *jg__url_decode(jg_arena *a, const char *s, size_t n);

/* ---- JSON bodies -------------------------------------------------------------------------------
 */

typedef enum jg__jtype {
	JG__J_STR = 1,
	JG__J_INT, /* a JSON integer: not 1.0, not "1" */
	JG__J_BOOL,
	JG__J_ARRAY,
	JG__J_OBJECT,
	JG__J_STR_OR_ARRAY,
	JG__J_INT_OR_NULL
} jg__jtype;

enum {
	JG__J_REQUIRED = 1,
	JG__J_NONNEG = 2,   /* an integer >= 0 */
	JG__J_POSITIVE = 4, /* an integer >= 1 */
	JG__J_NONZERO = 8
};

typedef struct jg__jfield {
	const char *name;
	jg__jtype type;
	unsigned flags;
} jg__jfield;

/* Parses a body: JG_ELIMIT past the size or depth cap, JG_EINVAL for malformed JSON or a
 * document that is not an object. *out is a new reference. */
int jg__json_parse(const char *text, size_t n, json_t **out, jg_err *err);
/* Checks an object against a spec (NULL-named entry ends it): unknown fields, types,
 * required fields, signs. JG_EINVAL naming the field, prefixed by `where` when not NULL. */
int jg__json_check(json_t *obj, const jg__jfield *spec, const char *where, jg_err *err);
/* Field getters for a checked object: NULL / `def` when absent or null. */
const char *jg__jstr(json_t *obj, const char *name);
int64_t jg__jint(json_t *obj, const char *name, int64_t def);
bool jg__jbool(json_t *obj, const char *name, bool def);
bool jg__jhas(json_t *obj, const char *name);

/* Checks an id-like text as the store will (non-empty, < JG_CODE_MAX bytes, no control
 * characters): JG_EINVAL naming `what`. */
int jg__check_id(const char *what, const char *v, jg_err *err);

/* ---- authentication ------------------------------------------------------------------------- */

/* Resolves the bearer token or the session cookie into r->who (not authenticated when
 * neither is given or valid). Returns 0, or a library error (database). */
int jg__auth_resolve(jg__req *r, jg_err *err);
/* Login rate limit: true when `ip` or `user` failed JG__LOGIN_FAILS times within a minute
 * (then *retry_s says when to try again). Thread-safe. */
bool jg__login_blocked(const char *ip, const char *user, int64_t *retry_s);
void jg__login_failed(const char *ip, const char *user);
void jg__login_succeeded(const char *ip, const char *user);

/* ---- the dashboard
 * -------------------------------------------------------------------------------- */

/* Answers GET for a dashboard file (index.html for unknown paths without an extension). */
enum MHD_Result jg__static_serve(jg__req *r, const char *path);

/* ---- handlers
 * ------------------------------------------------------------------------------------- */

extern const jg__route jg__routes[];
extern const size_t jg__route_count;

enum MHD_Result jg__api_health(jg__req *r);
enum MHD_Result jg__api_login(jg__req *r);
enum MHD_Result jg__api_logout(jg__req *r);
enum MHD_Result jg__api_me(jg__req *r);
enum MHD_Result jg__api_events(jg__req *r);
enum MHD_Result jg__api_users_add(jg__req *r);
enum MHD_Result jg__api_users_list(jg__req *r);
enum MHD_Result jg__api_tokens_add(jg__req *r);
enum MHD_Result jg__api_tokens_list(jg__req *r);
enum MHD_Result jg__api_audit(jg__req *r);
enum MHD_Result jg__api_users_remove(jg__req *r);
enum MHD_Result jg__api_users_password(jg__req *r);
enum MHD_Result jg__api_tokens_revoke(jg__req *r);

enum MHD_Result jg__api_skus_list(jg__req *r);
enum MHD_Result jg__api_skus_add(jg__req *r);
enum MHD_Result jg__api_skus_patch(jg__req *r);
enum MHD_Result jg__api_skus_receive(jg__req *r);
enum MHD_Result jg__api_skus_adjust(jg__req *r);
enum MHD_Result jg__api_skus_count(jg__req *r);
enum MHD_Result jg__api_skus_history(jg__req *r);
enum MHD_Result jg__api_skus_why(jg__req *r);

enum MHD_Result jg__api_channels_list(jg__req *r);
enum MHD_Result jg__api_channels_add(jg__req *r);
enum MHD_Result jg__api_channels_patch(jg__req *r);
enum MHD_Result jg__api_channels_preview(jg__req *r);
enum MHD_Result jg__api_channels_intake(jg__req *r);
enum MHD_Result jg__api_settings_get(jg__req *r);
enum MHD_Result jg__api_settings_patch(jg__req *r);

enum MHD_Result jg__api_listings_list(jg__req *r);
enum MHD_Result jg__api_listings_map(jg__req *r);
enum MHD_Result jg__api_skus_import(jg__req *r);
enum MHD_Result jg__api_listings_import(jg__req *r);

enum MHD_Result jg__api_orders_list(jg__req *r);
enum MHD_Result jg__api_orders_add(jg__req *r);
enum MHD_Result jg__api_orders_ship(jg__req *r);
enum MHD_Result jg__api_orders_cancel(jg__req *r);
enum MHD_Result jg__api_orders_return(jg__req *r);
enum MHD_Result jg__api_unmatched(jg__req *r);
enum MHD_Result jg__api_oversold(jg__req *r);

enum MHD_Result jg__api_imports_add(jg__req *r);
enum MHD_Result jg__api_jobs_get(jg__req *r);
enum MHD_Result jg__api_profiles_list(jg__req *r);
enum MHD_Result jg__api_profiles_get(jg__req *r);
enum MHD_Result jg__api_profiles_add(jg__req *r);
enum MHD_Result jg__api_profiles_remove(jg__req *r);

enum MHD_Result jg__api_sync_plan(jg__req *r);
enum MHD_Result jg__api_sync_export(jg__req *r);
enum MHD_Result jg__api_sync_file(jg__req *r);
enum MHD_Result jg__api_sync_mark(jg__req *r);
enum MHD_Result jg__api_sync_status(jg__req *r);
enum MHD_Result jg__api_check(jg__req *r);

#endif
