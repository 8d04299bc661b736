/* SPDX-License-Identifier: MIT */
/*
 * The database driver seam, internal to src/store/. The ledger code (sku.c, order.c, ...)
 * speaks only this small interface and writes portable SQL with `?` placeholders; each
 * backend (db_sqlite.c, db_pg.c) implements it. No driver type leaks past here.
 *
 * Statements are cached per SQL text pointer: pass string literals (or other static text)
 * to jg__db_stmt() and the same prepared statement comes back, reset, with its parameters
 * bound again by the caller (or set to NULL when the caller binds fewer of them).
 */
#ifndef JAEGO_STORE_DB_H
#define JAEGO_STORE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "jaego/error.h"

typedef struct jg__db jg__db;
typedef struct jg__stmt jg__stmt;

/* One migration: a version number and the statements that reach it. */
typedef struct jg__migration {
	int version;
	const char *sql;
} jg__migration;

typedef struct jg__db_driver {
	const char *name;
	int (*open)(jg__db **out, const char *target, jg_err *err);
	void (*close)(jg__db *db);
	int (*exec)(jg__db *db, const char *sql, jg_err *err);
	int (*prepare)(jg__db *db, jg__stmt **out, const char *sql, jg_err *err);
	void (*finalize)(jg__stmt *st);
	/* Makes the statement ready to run again; its parameters keep their values (a
	 * statement run through jg__q() gets every one of them bound again first). */
	void (*reset)(jg__stmt *st);
	/* Sets every parameter to NULL. */
	void (*unbind)(jg__stmt *st);
	/* The number of parameters. */
	int (*params)(jg__stmt *st);
	int (*bind_i64)(jg__stmt *st, int idx, int64_t v);
	int (*bind_text)(jg__stmt *st, int idx, const char *s); /* NULL binds SQL NULL */
	/* As bind_text, without a copy: `s` must stay valid and unchanged until the
	 * statement is reset. */
	int (*bind_text_ref)(jg__stmt *st, int idx, const char *s);
	int (*bind_null)(jg__stmt *st, int idx);
	/* 1 = a row is ready, 0 = done, < 0 = error recorded in err. */
	int (*step)(jg__stmt *st, jg_err *err);
	int64_t (*col_i64)(jg__stmt *st, int idx);
	const char *(*col_text)(jg__stmt *st, int idx); /* "" for NULL, valid until next step */
	bool (*col_null)(jg__stmt *st, int idx);
	int64_t (*changes)(jg__db *db);
	/* The id of the row the last successful INSERT made (SQLite: the rowid). Cheaper than
	 * INSERT ... RETURNING, which makes SQLite build a scratch table per execution. */
	int64_t (*last_id)(jg__db *db);
	/* A number that changes when another connection commits to the database: at every
	 * such commit (SQLite: PRAGMA data_version; this connection's own commits leave it
	 * alone), or only at commits that change listings or recipes (PostgreSQL: a counter
	 * kept by triggers, which its own commits move too). */
	int (*data_version)(jg__db *db, int64_t *out, jg_err *err);
	/* True for the first kind: then a copy of stored listed quantities may be kept across
	 * transactions (match.c's listing copy in a full pass, settle_mem.c's model). False
	 * for the second: other servers settle the same listings, so such copies must not be
	 * trusted across transactions. */
	bool versions_every_commit;

	/* The backend's schema: its numbered migrations (the same version numbers on every
	 * backend), what opens the migrating transaction (it must keep two `jaego init`s
	 * apart), a query counting schema_version tables (0 or 1), and for backends that
	 * hold many tenants (sellers) in one database: the statements that give a new
	 * tenant its first rows and a query counting them (NULL when there are no tenants). */
	const jg__migration *migrations;
	const int *migration_count;
	const char *migrate_begin;
	const char *schema_probe;
	const char *tenant_seed;
	const char *tenant_probe;

	/* Telling other connections (other servers) about commits, or NULL when the backend
	 * cannot: the statement a changing transaction runs before its COMMIT, and a wait of
	 * up to timeout_ms for such a commit by any connection of this tenant (*changed). */
	const char *notify_sql;
	int (*watch)(jg__db *db, int timeout_ms, bool *changed, jg_err *err);
} jg__db_driver;

extern const jg__migration jg__sqlite_migrations[];
extern const int jg__sqlite_migration_count;
extern const jg__migration jg__pg_migrations[];
extern const int jg__pg_migration_count;

extern const jg__db_driver jg__db_sqlite;
extern const jg__db_driver jg__db_pg;

#endif
