/* SPDX-License-Identifier: MIT */
/*
 * Test support shared by every test binary: a fresh temporary directory per test, a
 * migrated store in it, and running the real `jaego` binary with its stdout, stderr and
 * exit code captured (JSON output parsed with jansson).
 */
#ifndef JG_TEST_SUPPORT_H
#define JG_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "jaego/jaego.h"

/* Makes a fresh directory under $TMPDIR (or /tmp) and returns its path (static buffer
 * per call site is not needed: the string is owned by the caller, free with jg_free). */
char *t_tmpdir(void);
/* Removes a directory made by t_tmpdir() and everything in it. */
void t_rmdir(const char *dir);
/* "<dir>/<name>" (owned by the caller). */
char *t_path(const char *dir, const char *name);
/* Writes `text` to the file at `path`; fails the test on error. */
void t_write(const char *path, const char *text);

/*
 * The backend under test: SQLite, unless JG_TEST_DB=postgres, when every database is the
 * test cluster's (tests/support/pg.sh, whose URL is in the file $JG_TEST_PG_URL_FILE) with
 * a tenant (seller) of its own. An unreadable URL file fails the test: a PostgreSQL run
 * never silently turns into a SQLite one, nor skips.
 */
bool t_pg(void);
/* The test cluster's base URL (no tenant); fails the test when not on PostgreSQL. */
const char *t_pg_url(void);
/* A fresh, empty database for a test: the file "<dir>/<name>" on SQLite, a new tenant on
 * PostgreSQL. Owned by the caller. */
char *t_db(const char *dir, const char *name);

/* Opens a migrated store (t_db(dir, "jaego.db")); fails the test on error. */
jg_store *t_store(const char *dir);

typedef struct t_run {
	int status;   /* exit code, or 128 + signal */
	char *out;    /* stdout (NUL-terminated, owned) */
	char *err;    /* stderr */
	json_t *json; /* stdout parsed as JSON when it parses, else NULL */
} t_run;

/*
 * Runs the jaego binary with `--db <db>` (none when `db` is NULL) and the given arguments (NULL-terminated list),
 * waits, and captures everything. `stdin_text` (may be NULL) is written to its stdin.
 */
void t_jaego(t_run *r, const char *db, const char *stdin_text, ...);
/* Like t_jaego with a printf-formatted command line split on spaces ('\x1f' keeps a
 * space inside one argument); no --db when `db` is NULL. */
void t_jaegof(t_run *r, const char *db, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void t_run_free(t_run *r);

/* Runs and asserts exit 0; returns the parsed JSON (borrowed from r). */
#define T_OK(r)                                                                         \
	do {                                                                            \
		if ((r)->status != 0)                                                   \
			fail_msg("jaego exited %d: %s", (r)->status, (r)->err);         \
	} while (0)

/* Runs any program (argv[0] is a path, or a name looked up in PATH) and
 * returns its exit status; *out (may be NULL) gets its stdout, owned by the caller. */
int t_spawn(const char *const *argv, const char *stdin_text, char **out);

/* A test's own shop: a fresh directory with an initialised database shop.db, and an
 * "out" path for files the test writes. For cmocka setup/teardown. */
typedef struct t_env {
	char *dir;
	char *db;
	char *out;
} t_env;
int t_env_setup(void **state);
int t_env_teardown(void **state);

/* Runs a printf-formatted jaego command line (see t_jaegof) that must succeed. */
void t_ok(const char *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Asserts `jaego check` passes on `db`. */
void t_check(const char *db);
/* Asserts jg_store_check finds no drift in the open store `s` (the library's check, in
 * the caller's connection and transaction). */
void t_store_check(jg_store *s);

/* JSON helpers: the integer at a path like "skus/0/available". */
int64_t t_jint(json_t *root, const char *path);
const char *t_jstr(json_t *root, const char *path);

#endif
