/* SPDX-License-Identifier: MIT */
/*
 * `jaego serve`: the HTTP server with the JSON API of docs/api.md and the dashboard.
 * The server is a front end like the command line: every endpoint makes the library calls
 * the matching command makes. docs/internals/http.md describes its threads, the group
 * commit of writes, its limits and its access control.
 */
#ifndef JAEGO_HTTP_H
#define JAEGO_HTTP_H

#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jg_serve_opts {
	const char *db_url;  /* the database (jaego's --db); must carry the current schema */
	const char *listen;  /* "HOST:PORT"; NULL = "127.0.0.1:8080"; port 0 picks one */
	unsigned threads;    /* request threads, 1..16; 0 = 4 */
	const char *tmp_dir; /* where uploads and stock-update files go; NULL = $TMPDIR or /tmp */
	/* Called once the server answers, with the URL to open ("http://127.0.0.1:8080/"). */
	void (*ready)(const char *url, void *payload);
	void *ready_payload;
} jg_serve_opts;

/*
 * Serves until the process gets SIGINT or SIGTERM, then stops taking connections, lets
 * the writes in flight commit and returns 0. The calling thread must be the process's
 * only thread (the signals are blocked in every thread the server starts and taken with
 * sigwait). Errors: JG_EINVAL for a bad address or schema, JG_EIO when the address cannot
 * be bound, those of jg_store_open.
 */
int jg_serve(const jg_serve_opts *o, jg_err *err);

#ifdef __cplusplus
}
#endif
#endif
