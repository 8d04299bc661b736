/* SPDX-License-Identifier: MIT */
/*
 * The HTTP tests' side of the wire: start `jaego serve` on a free loopback port with a
 * fresh database (posix_spawn, then wait until it answers), stop it (SIGTERM: it must exit
 * 0, so the sanitizers' leak check passes) or kill it (SIGKILL), and make requests with
 * libcurl. Every request helper is thread-safe (one curl handle per call).
 */
#ifndef JG_TEST_HTTP_CLIENT_H
#define JG_TEST_HTTP_CLIENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "support.h"

typedef struct th_server {
	char *dir; /* the test's temporary directory (owned) */
	char *db;  /* its database file */
	char *log; /* the server's stderr */
	pid_t pid;
	int port;
	char base[64]; /* "http://127.0.0.1:PORT" */
} th_server;

/* Makes a directory and a database (jaego init). */
void th_init(th_server *s);
/* Starts the server on the database; fails the test unless it answers within 20 s. */
void th_start(th_server *s);
/* SIGTERM and wait: asserts a clean exit. */
void th_stop(th_server *s);
/* SIGKILL and wait. */
void th_kill(th_server *s);
/* Stops the server if running and removes the directory. */
void th_free(th_server *s);

/* A token made with the CLI (`jaego token create NAME --role ROLE`); owned (jg_free). */
char *th_token(th_server *s, const char *name, const char *role);
/* Runs the CLI on the test's database; asserts exit 0 and returns the JSON (owned). */
json_t *th_cli(th_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct th_resp {
	long status;   /* 0 when the connection failed */
	char *body;    /* owned */
	json_t *json;  /* the body parsed, or NULL */
	char *headers; /* raw response headers, owned */
} th_resp;

/*
 * Sends METHOD PATH with `body` (may be NULL; `len` bytes, or strlen when len is
 * (size_t)-1), a bearer `token` (may be NULL) and extra header lines (NULL-terminated
 * list, e.g. "Cookie: ...", "X-CSRF-Token: ..."). Never fails the test itself.
 */
void th_req(th_resp *r, th_server *s, const char *method, const char *path, const char *token,
	    const char *body, size_t len, const char *const *headers);
/* Shorthands with a token. */
void th_get(th_resp *r, th_server *s, const char *token, const char *path);
void th_post(th_resp *r, th_server *s, const char *token, const char *path, const char *body);
void th_resp_free(th_resp *r);
/* The value of response header `name` (case-insensitive) into out[n]; false if none. */
bool th_header(const th_resp *r, const char *name, char *out, size_t n);

/* Sleeps `ms` milliseconds. */
void th_sleep_ms(int ms);

/* Asserts the status and returns the JSON (borrowed from r). */
json_t *th_expect(th_resp *r, long status);

#endif
