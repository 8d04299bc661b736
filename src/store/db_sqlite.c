/* SPDX-License-Identifier: MIT */
/*
 * The SQLite backend of the driver seam: one connection, WAL journal, synchronous=FULL so
 * that a committed transaction survives a crash or power loss, foreign keys on, and a busy
 * timeout so that two jaego processes on one file wait for each other instead of failing.
 * The page cache may grow to 128 MiB (it is filled only as pages are read): a shop of
 * 100,000 listings works on about 60 MB, and a smaller cache makes a big batch evict and
 * re-read pages.
 *
 * Checkpoints run off the writer's path. SQLite's automatic checkpoint runs in the
 * committing thread, inside the commit that left the WAL past 1,000 pages: it copies the
 * WAL's pages into the database file and fsyncs both, while the caller waits. Instead, such
 * a commit wakes a checkpointer thread with a connection of its own, which runs a PASSIVE
 * checkpoint (it never waits for a lock and never holds up the writer) while the writer goes
 * on; the writer starts the WAL over once the checkpointer has caught up, as SQLite does
 * between processes. Durability is the same: a commit is durable once its WAL frames are
 * synced, which the committing thread still does. Closing stops the thread first, and
 * sqlite3_close then checkpoints what is left. Where no thread can be had, the checkpoint
 * runs in the committing thread as before.
 *
 * The checkpointer rests CHECKPOINT_PAUSE_MS after each run: a busy writer (the server's
 * group commits) rewrites most listing pages in every commit, and a checkpoint copies
 * each page once however many commits wrote it since the last one. SQLite starts the WAL
 * over only at a write that finds it wholly copied, which a writer that never pauses may
 * not find: past CHECKPOINT_HARD_PAGES the committing thread copies the rest itself (the
 * checkpointer has done most of it), so the WAL file stays about that size.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "jaego/util.h"
#include "db.h"

struct jg__db {
	sqlite3 *h;
	sqlite3_stmt *data_version; /* PRAGMA data_version, prepared on first use */
	/* The checkpointer (see the top of the file), started at the first commit that
	 * wants a checkpoint. ck_want and ck_stop are under ck_mu. */
	pthread_mutex_t ck_mu;
	pthread_cond_t ck_cv;
	pthread_t ck_thread;
	char *ck_path;   /* the database file, for the checkpointer's connection */
	bool ck_sync;    /* ck_mu and ck_cv are initialised */
	bool ck_started; /* the thread runs (only the writer's thread reads or sets it) */
	bool ck_failed;  /* it could not be started: checkpoint in the committing thread */
	bool ck_want, ck_stop;
};

struct jg__stmt {
	sqlite3_stmt *s;
	sqlite3 *h;
};

#define BUSY_TIMEOUT_MS 10000
#define CHECKPOINT_PAGES      1000  /* SQLite's own automatic checkpoint threshold */
#define CHECKPOINT_PAUSE_MS   500   /* the checkpointer's rest after each run */
#define CHECKPOINT_HARD_PAGES 32768 /* the committing thread checkpoints past this */

static int fail(jg__db *db, sqlite3 *h, jg_err *err, const char *what)
{
	int rc = sqlite3_extended_errcode(h);
	int code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? JG_EBUSY
		   : (rc & 0xff) == SQLITE_NOMEM				  ? JG_ENOMEM
										  : JG_EDB;

	(void)db;
	if (err && err->code == 0)
		err->sys = rc;
	return jg_err_set(err, code, "%s: %s", what, sqlite3_errmsg(h));
}

/* SQLite's memory statistics take a global mutex on every allocation; jaego reads none of
 * them. Settable only before SQLite initialises: when the process used SQLite first, they
 * stay on (harmless). */
static void configure_once(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* The checkpointer thread: a PASSIVE checkpoint on its own connection whenever a commit
 * asks for one, until told to stop. Its failures are left alone: the next checkpoint, or
 * the one sqlite3_close makes, copies what this one did not. */
static void *ck_main(void *arg)
{
	jg__db *db = arg;
	const char *path = db->ck_path; /* not db->h: that connection is the writer's alone */
	sqlite3 *c = NULL;

	pthread_mutex_lock(&db->ck_mu);
	for (;;) {
		while (!db->ck_want && !db->ck_stop)
			pthread_cond_wait(&db->ck_cv, &db->ck_mu);
		if (db->ck_stop)
			break;
		db->ck_want = false;
		pthread_mutex_unlock(&db->ck_mu);
		if (!c) {
			if (sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
					    NULL) == SQLITE_OK)
				/* Reading the schema opens the WAL; the checkpoint syncs as FULL
				 * does. */
				sqlite3_exec(c,
					     "PRAGMA synchronous=FULL;"
					     "SELECT 1 FROM sqlite_master LIMIT 1;",
					     NULL, NULL, NULL);
			else if (c) { /* a failed open still hands out a handle to close */
				sqlite3_close(c);
				c = NULL;
			}
		}
		if (c)
			sqlite3_wal_checkpoint_v2(c, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&db->ck_mu);
		{
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += CHECKPOINT_PAUSE_MS * 1000000L;
			until.tv_sec += until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			while (!db->ck_stop &&
			       pthread_cond_timedwait(&db->ck_cv, &db->ck_mu, &until) == 0)
				; /* a rest: the pages the next commits write are copied once */
		}
	}
	pthread_mutex_unlock(&db->ck_mu);
	sqlite3_close(c);
	return NULL;
}

/* SQLite calls this after each commit with the WAL's size in pages (it replaces the
 * automatic checkpoint). On the committing thread. */
static int wal_hook(void *arg, sqlite3 *h, const char *schema, int pages)
{
	jg__db *db = arg;

	if (pages < CHECKPOINT_PAGES)
		return SQLITE_OK;
	if (!db->ck_started && !db->ck_failed) {
		const char *path = sqlite3_db_filename(h, schema);

		db->ck_path = path && *path ? jg_strdup(path) : NULL;
		db->ck_started =
			db->ck_path && pthread_create(&db->ck_thread, NULL, ck_main, db) == 0;
		db->ck_failed = !db->ck_started;
	}
	if (db->ck_failed || pages >= CHECKPOINT_HARD_PAGES) {
		sqlite3_wal_checkpoint_v2(h, schema, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	pthread_mutex_lock(&db->ck_mu);
	db->ck_want = true;
	pthread_cond_signal(&db->ck_cv);
	pthread_mutex_unlock(&db->ck_mu);
	return SQLITE_OK;
}

/* Stops the checkpointer, if it runs, and waits for it. */
static void ck_end(jg__db *db)
{
	if (db->ck_started) {
		pthread_mutex_lock(&db->ck_mu);
		db->ck_stop = true;
		pthread_cond_signal(&db->ck_cv);
		pthread_mutex_unlock(&db->ck_mu);
		pthread_join(db->ck_thread, NULL);
		db->ck_started = false;
	}
	if (db->ck_sync) {
		pthread_cond_destroy(&db->ck_cv);
		pthread_mutex_destroy(&db->ck_mu);
		db->ck_sync = false;
	}
	jg_free(db->ck_path);
	db->ck_path = NULL;
}

static int s_open(jg__db **out, const char *target, jg_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	jg__db *db;
	int rc;

	pthread_once(&once, configure_once);
	db = jg_calloc(1, sizeof(*db));
	*out = NULL;
	if (!db)
		return jg_err_set(err, JG_ENOMEM, "out of memory opening %s", target);
	rc = sqlite3_open_v2(target, &db->h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		rc = db->h ? fail(db, db->h, err, target)
			   : jg_err_set(err, JG_ENOMEM, "cannot open %s", target);
		sqlite3_close(db->h);
		jg_free(db);
		return rc;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, BUSY_TIMEOUT_MS);
	rc = sqlite3_exec(db->h,
			  "PRAGMA journal_mode=WAL;"
			  "PRAGMA synchronous=FULL;"
			  "PRAGMA foreign_keys=ON;"
			  "PRAGMA temp_store=MEMORY;"
			  "PRAGMA cache_size=-131072;",
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = fail(db, db->h, err, target);
		sqlite3_close(db->h);
		jg_free(db);
		return rc;
	}
	/* After the pragmas: PRAGMA wal_autocheckpoint would replace the hook. Without the
	 * mutex and condition variable, SQLite's automatic checkpoint stays. */
	if (pthread_mutex_init(&db->ck_mu, NULL) == 0) {
		if (pthread_cond_init(&db->ck_cv, NULL) == 0) {
			db->ck_sync = true;
			sqlite3_wal_hook(db->h, wal_hook, db);
		} else {
			pthread_mutex_destroy(&db->ck_mu);
		}
	}
	*out = db;
	return 0;
}

static void s_close(jg__db *db)
{
	if (!db)
		return;
	ck_end(db);
	sqlite3_finalize(db->data_version);
	sqlite3_close(db->h);
	jg_free(db);
}

static int s_exec(jg__db *db, const char *sql, jg_err *err)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, db->h, err, "sql");
	return 0;
}

static int s_prepare(jg__db *db, jg__stmt **out, const char *sql, jg_err *err)
{
	jg__stmt *st = jg_calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return jg_err_set(err, JG_ENOMEM, "out of memory preparing a statement");
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->s, NULL) !=
	    SQLITE_OK) {
		int rc = fail(db, db->h, err, "prepare");

		jg_free(st);
		return rc;
	}
	st->h = db->h;
	*out = st;
	return 0;
}

static void s_finalize(jg__stmt *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->s);
	jg_free(st);
}

static void s_reset(jg__stmt *st)
{
	sqlite3_reset(st->s);
}

static void s_unbind(jg__stmt *st)
{
	sqlite3_clear_bindings(st->s);
}

static int s_params(jg__stmt *st)
{
	return sqlite3_bind_parameter_count(st->s);
}

static int s_bind_i64(jg__stmt *st, int idx, int64_t v)
{
	return sqlite3_bind_int64(st->s, idx, v) == SQLITE_OK ? 0 : JG_EDB;
}

static int s_bind_text(jg__stmt *st, int idx, const char *s)
{
	int rc = s ? sqlite3_bind_text(st->s, idx, s, -1, SQLITE_TRANSIENT)
		   : sqlite3_bind_null(st->s, idx);

	return rc == SQLITE_OK ? 0 : rc == SQLITE_NOMEM ? JG_ENOMEM : JG_EDB;
}

static int s_bind_text_ref(jg__stmt *st, int idx, const char *s)
{
	int rc = s ? sqlite3_bind_text(st->s, idx, s, -1, SQLITE_STATIC)
		   : sqlite3_bind_null(st->s, idx);

	return rc == SQLITE_OK ? 0 : rc == SQLITE_NOMEM ? JG_ENOMEM : JG_EDB;
}

static int s_bind_null(jg__stmt *st, int idx)
{
	return sqlite3_bind_null(st->s, idx) == SQLITE_OK ? 0 : JG_EDB;
}

static int s_step(jg__stmt *st, jg_err *err)
{
	int rc = sqlite3_step(st->s);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return fail(NULL, st->h, err, "step");
}

static int64_t s_col_i64(jg__stmt *st, int idx)
{
	return sqlite3_column_int64(st->s, idx);
}

static const char *s_col_text(jg__stmt *st, int idx)
{
	const unsigned char *t = sqlite3_column_text(st->s, idx);

	return t ? (const char *)t : "";
}

static bool s_col_null(jg__stmt *st, int idx)
{
	return sqlite3_column_type(st->s, idx) == SQLITE_NULL;
}

static int64_t s_changes(jg__db *db)
{
	return sqlite3_changes64(db->h);
}

static int64_t s_last_id(jg__db *db)
{
	return sqlite3_last_insert_rowid(db->h);
}

static int s_data_version(jg__db *db, int64_t *out, jg_err *err)
{
	int rc;

	if (!db->data_version &&
	    sqlite3_prepare_v3(db->h, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT,
			       &db->data_version, NULL) != SQLITE_OK)
		return fail(db, db->h, err, "prepare");
	rc = sqlite3_step(db->data_version);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(db->data_version, 0) : 0;
	sqlite3_reset(db->data_version);
	return rc == SQLITE_ROW ? 0 : fail(db, db->h, err, "data_version");
}

const jg__db_driver jg__db_sqlite = {
	.name = "sqlite",
	.open = s_open,
	.close = s_close,
	.exec = s_exec,
	.prepare = s_prepare,
	.finalize = s_finalize,
	.reset = s_reset,
	.unbind = s_unbind,
	.params = s_params,
	.bind_i64 = s_bind_i64,
	.bind_text = s_bind_text,
	.bind_text_ref = s_bind_text_ref,
	.bind_null = s_bind_null,
	.step = s_step,
	.col_i64 = s_col_i64,
	.col_text = s_col_text,
	.col_null = s_col_null,
	.changes = s_changes,
	.last_id = s_last_id,
	.data_version = s_data_version,
	.versions_every_commit = true,
	.migrations = jg__sqlite_migrations,
	.migration_count = &jg__sqlite_migration_count,
	.migrate_begin = "BEGIN IMMEDIATE",
	.schema_probe = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_version'",
};
