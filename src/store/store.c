/* SPDX-License-Identifier: MIT */
/*
 * Opening the store, the schema, transactions and the helpers the ledger files share.
 *
 * Transactions: an operation outside a batch runs in its own BEGIN IMMEDIATE ... COMMIT; a
 * batch (jg_store_begin) holds one transaction across many operations. Derived state is
 * settled just before COMMIT, so what a commit makes durable is always consistent.
 */
#include <stdarg.h>
#include <string.h>

#include "store_int.h"

#define KEY_MAX 4096

static const char *sqlite_target(const char *url)
{
	if (strncmp(url, "sqlite:", 7) == 0) {
		url += 7;
		if (strncmp(url, "//", 2) == 0)
			url += 2;
	}
	return url;
}

int jg_store_open(jg_store **out, const char *url, jg_err *err)
{
	jg_store *s;
	int rc;

	*out = NULL;
	if (!url || !*url)
		return jg_err_set(err, JG_EINVAL, "no database given");
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
		return jg_err_set(err, JG_EINVAL,
				  "%s: PostgreSQL is not supported by this build yet", "--db");
	s = jg_calloc(1, sizeof(*s));
	if (!s)
		return jg_err_set(err, JG_ENOMEM, "out of memory opening the store");
	s->drv = &jg__db_sqlite;
	jg_i64map_init(&s->dirty_sku);
	jg_i64map_init(&s->dirty_listing);
	jg_i64map_init(&s->dirty_channel);
	jg_i64map_init(&s->dirty_line);
	jg_buf_init(&s->key, KEY_MAX);
	rc = s->drv->open(&s->db, sqlite_target(url), err);
	if (rc) {
		jg_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

static void clear_dirty(jg_store *s)
{
	jg_i64map_clear(&s->dirty_sku);
	jg_i64map_clear(&s->dirty_listing);
	jg_i64map_clear(&s->dirty_channel);
	jg_i64map_clear(&s->dirty_line);
	s->dirty_all = false;
}

void jg_store_close(jg_store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		jg_store_rollback(s);
	for (int i = 0; i < JG__STMT_CACHE; i++)
		if (s->cache[i].st)
			s->drv->finalize(s->cache[i].st);
	if (s->db)
		s->drv->close(s->db);
	jg_i64map_free(&s->dirty_sku);
	jg_i64map_free(&s->dirty_listing);
	jg_i64map_free(&s->dirty_channel);
	jg_i64map_free(&s->dirty_line);
	jg_buf_free(&s->key);
	jg_free(s);
}

/* ---- statements ------------------------------------------------------------------------ */

static jg__stmt *cached(jg_store *s, const char *sql, jg_err *err)
{
	size_t h = ((uintptr_t)sql >> 3) & (JG__STMT_CACHE - 1);

	for (size_t i = 0; i < JG__STMT_CACHE; i++) {
		size_t j = (h + i) & (JG__STMT_CACHE - 1);

		if (s->cache[j].sql == sql) {
			s->drv->reset(s->cache[j].st);
			return s->cache[j].st;
		}
		if (!s->cache[j].sql) {
			jg__stmt *st;

			if (s->drv->prepare(s->db, &st, sql, err))
				return NULL;
			s->cache[j].sql = sql;
			s->cache[j].st = st;
			return st;
		}
	}
	jg_err_set(err, JG_ELIMIT, "statement cache full");
	return NULL;
}

static jg__stmt *vq(jg_store *s, jg_err *err, const char *sql, const char *fmt, va_list ap)
{
	jg__stmt *st = cached(s, sql, err);
	int idx = 1, rc = 0;

	if (!st)
		return NULL;
	for (const char *f = fmt; *f && rc == 0; f++, idx++) {
		switch (*f) {
		case 'i': rc = s->drv->bind_i64(st, idx, va_arg(ap, int64_t)); break;
		case 't': rc = s->drv->bind_text(st, idx, va_arg(ap, const char *)); break;
		default: rc = JG_EINVAL; break;
		}
	}
	if (rc) {
		jg_err_set(err, rc, "binding parameter %d failed", idx - 1);
		return NULL;
	}
	return st;
}

jg__stmt *jg__q(jg_store *s, jg_err *err, const char *sql, const char *fmt, ...)
{
	va_list ap;
	jg__stmt *st;

	va_start(ap, fmt);
	st = vq(s, err, sql, fmt, ap);
	va_end(ap);
	return st;
}

int jg__step(jg_store *s, jg__stmt *st, jg_err *err)
{
	return s->drv->step(st, err);
}

int64_t jg__i64(jg_store *s, jg__stmt *st, int col)
{
	return s->drv->col_i64(st, col);
}

const char *jg__text(jg_store *s, jg__stmt *st, int col)
{
	return s->drv->col_text(st, col);
}

bool jg__isnull(jg_store *s, jg__stmt *st, int col)
{
	return s->drv->col_null(st, col);
}

int jg__exec(jg_store *s, jg_err *err, const char *sql, const char *fmt, ...)
{
	va_list ap;
	jg__stmt *st;
	int rc;

	va_start(ap, fmt);
	st = vq(s, err, sql, fmt, ap);
	va_end(ap);
	if (!st)
		return err && err->code ? err->code : JG_EDB;
	while ((rc = s->drv->step(st, err)) == 1)
		;
	s->drv->reset(st);
	return rc;
}

int jg__scalar(jg_store *s, int64_t *out, jg_err *err, const char *sql, const char *fmt, ...)
{
	va_list ap;
	jg__stmt *st;
	int rc;

	va_start(ap, fmt);
	st = vq(s, err, sql, fmt, ap);
	va_end(ap);
	if (!st)
		return err && err->code ? err->code : JG_EDB;
	rc = s->drv->step(st, err);
	if (rc == 1)
		*out = s->drv->col_i64(st, 0);
	s->drv->reset(st);
	return rc;
}

/* ---- schema -------------------------------------------------------------------------- */

static const char SQL_VERSION_TABLE[] =
	"CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)";
static const char SQL_VERSION[] = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
static const char SQL_VERSION_ADD[] = "INSERT INTO schema_version(version) VALUES (?)";

int jg_store_migrate(jg_store *s, int *out_applied, jg_err *err)
{
	int64_t have = 0;
	int applied = 0, rc;

	if (out_applied)
		*out_applied = 0;
	rc = s->drv->exec(s->db, "BEGIN IMMEDIATE", err);
	if (rc)
		return rc;
	rc = s->drv->exec(s->db, SQL_VERSION_TABLE, err);
	if (rc == 0)
		rc = jg__scalar(s, &have, err, SQL_VERSION, "") < 0 ? JG_EDB : 0;
	for (int i = 0; rc == 0 && i < jg__sqlite_migration_count; i++) {
		const jg__migration *m = &jg__sqlite_migrations[i];

		if (m->version <= have)
			continue;
		rc = s->drv->exec(s->db, m->sql, err);
		if (rc == 0)
			rc = jg__exec(s, err, SQL_VERSION_ADD, "i", (int64_t)m->version);
		applied++;
	}
	if (rc) {
		s->drv->exec(s->db, "ROLLBACK", NULL);
		return rc;
	}
	rc = s->drv->exec(s->db, "COMMIT", err);
	if (rc == 0 && out_applied)
		*out_applied = applied;
	return rc;
}

int jg_store_require_schema(jg_store *s, jg_err *err)
{
	int64_t have = 0, n = 0;
	int latest = jg__sqlite_migrations[jg__sqlite_migration_count - 1].version;

	if (jg__scalar(s, &n, err,
		       "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_version'", "") < 0)
		return err ? err->code : JG_EDB;
	if (n == 0)
		return jg_err_set(err, JG_EINVAL, "the database has no jaego schema: run `jaego init`");
	if (jg__scalar(s, &have, err, SQL_VERSION, "") < 0)
		return err ? err->code : JG_EDB;
	if (have < latest)
		return jg_err_set(err, JG_EINVAL,
				  "the database schema is version %lld, this jaego needs %d: run `jaego init`",
				  (long long)have, latest);
	if (have > latest)
		return jg_err_set(err, JG_EINVAL,
				  "the database schema is version %lld, newer than this jaego (%d)",
				  (long long)have, latest);
	return 0;
}

/* ---- transactions ---------------------------------------------------------------------- */

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

static int tx_begin(jg_store *s, jg_err *err)
{
	int rc = jg__exec(s, err, SQL_BEGIN, "");

	if (rc == 0) {
		s->in_tx = true;
		s->poisoned = false;
		clear_dirty(s);
	}
	return rc;
}

static int tx_commit(jg_store *s, jg_err *err)
{
	int rc;

	if (s->poisoned) {
		rc = jg_err_set(err, JG_EDB, "the batch failed part-way and must be rolled back");
		jg_store_rollback(s);
		return rc;
	}
	rc = jg__settle(s, err);
	if (rc == 0)
		rc = jg__exec(s, err, SQL_COMMIT, "");
	if (rc) {
		jg_store_rollback(s);
		return rc;
	}
	s->in_tx = false;
	s->batch = false;
	s->stats.commits++;
	clear_dirty(s);
	return 0;
}

int jg_store_begin(jg_store *s, jg_err *err)
{
	int rc;

	if (s->in_tx)
		return jg_err_set(err, JG_EINVAL, "a batch is already open");
	rc = tx_begin(s, err);
	if (rc == 0)
		s->batch = true;
	return rc;
}

int jg_store_commit(jg_store *s, jg_err *err)
{
	if (!s->in_tx || !s->batch)
		return jg_err_set(err, JG_EINVAL, "no batch is open");
	return tx_commit(s, err);
}

void jg_store_rollback(jg_store *s)
{
	if (!s->in_tx)
		return;
	/* Straight to the driver: a rollback must not depend on an allocation of ours (the
	 * statement cache) succeeding, or an out-of-memory failure would leave the
	 * transaction open. */
	s->drv->exec(s->db, SQL_ROLLBACK, NULL);
	s->in_tx = false;
	s->batch = false;
	s->poisoned = false;
	clear_dirty(s);
}

int jg__op_begin(jg_store *s, jg_err *err)
{
	if (s->in_tx)
		return s->poisoned ? jg_err_set(err, JG_EDB, "the batch failed and must be rolled back")
				   : 0;
	return tx_begin(s, err);
}

int jg__op_end(jg_store *s, int rc, jg_err *err)
{
	if (s->batch)
		return rc;
	if (rc) {
		jg_store_rollback(s);
		return rc;
	}
	return tx_commit(s, err);
}

int jg__op_wrote(jg_store *s, int rc)
{
	if (rc && s->batch)
		s->poisoned = true;
	return rc;
}

void jg_store_stats_get(const jg_store *s, jg_store_stats *out)
{
	*out = s->stats;
}

/* ---- shared helpers ----------------------------------------------------------------------- */

int jg__mark(jg_store *s, jg_i64map *set, int64_t id, jg_err *err)
{
	(void)s;
	if (!jg_i64map_put(set, id, NULL))
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	return 0;
}

static const char SQL_SKU_TOUCH[] =
	"UPDATE sku SET on_hand = on_hand + ?, committed = committed + ? WHERE id = ?"
	" RETURNING on_hand, committed";

int jg__sku_touch(jg_store *s, int64_t sku_id, int64_t d_on_hand, int64_t d_committed,
		  jg_err *err)
{
	jg__stmt *st = jg__q(s, err, SQL_SKU_TOUCH, "iii", d_on_hand, d_committed, sku_id);
	jg_i64map_slot *slot;
	int rc, created;

	if (!st)
		return err ? err->code : JG_EDB;
	rc = jg__step(s, st, err);
	if (rc != 1) {
		s->drv->reset(st);
		return rc < 0 ? rc : jg_err_set(err, JG_ENOTFOUND, "SKU id %lld vanished",
						(long long)sku_id);
	}
	slot = jg_i64map_put(&s->dirty_sku, sku_id, &created);
	if (!slot) {
		s->drv->reset(st);
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	}
	if (created) {
		slot->a = jg__i64(s, st, 0) - d_on_hand;
		slot->b = jg__i64(s, st, 1) - d_committed;
	}
	s->drv->reset(st);
	return 0;
}

static const char SQL_SKU_ID[] = "SELECT id FROM sku WHERE code = ?";
static const char SQL_CHANNEL_ID[] = "SELECT id FROM channel WHERE name = ?";

int jg__sku_id(jg_store *s, const char *code, int64_t *out, jg_err *err)
{
	int rc = jg__scalar(s, out, err, SQL_SKU_ID, "t", code);

	if (rc == 0)
		return jg_err_set(err, JG_ENOTFOUND, "unknown SKU \"%s\"", code);
	return rc < 0 ? rc : 0;
}

int jg__channel_id(jg_store *s, const char *name, int64_t *out, jg_err *err)
{
	int rc = jg__scalar(s, out, err, SQL_CHANNEL_ID, "t", name);

	if (rc == 0)
		return jg_err_set(err, JG_ENOTFOUND,
				  "unknown channel \"%s\" (add it with `jaego channel add`)", name);
	return rc < 0 ? rc : 0;
}

int jg__check_code(const char *what, const char *v, jg_err *err)
{
	size_t n;

	if (!v || !*v)
		return jg_err_set(err, JG_EINVAL, "%s is empty", what);
	n = strlen(v);
	if (n >= JG_CODE_MAX)
		return jg_err_set(err, JG_EINVAL, "%s is longer than %d bytes", what, JG_CODE_MAX - 1);
	if (!jg_utf8_valid(v, n))
		return jg_err_set(err, JG_EINVAL, "%s is not valid UTF-8", what);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return jg_err_set(err, JG_EINVAL, "%s contains a control character", what);
	return 0;
}

int jg__nfc(jg_buf *out, const char *v, jg_err *err)
{
	int rc;

	jg_buf_reset(out);
	rc = jg_text_nfc(out, v ? v : "", v ? strlen(v) : 0);
	if (rc == JG_EINVAL)
		return jg_err_set(err, rc, "text is not valid UTF-8");
	if (rc)
		return jg_err_set(err, rc, "text too long");
	return 0;
}

/* ---- settings ------------------------------------------------------------------------- */

int jg_setting_get(jg_store *s, const char *key, int64_t *out, jg_err *err)
{
	int rc = jg__scalar(s, out, err, "SELECT value FROM setting WHERE key = ?", "t", key);

	if (rc == 0)
		return jg_err_set(err, JG_ENOTFOUND, "unknown setting \"%s\"", key);
	return rc < 0 ? rc : 0;
}

int jg_setting_set(jg_store *s, const char *key, int64_t value, jg_err *err)
{
	int rc;

	if (strcmp(key, "priority_top") != 0)
		return jg_err_set(err, JG_EINVAL, "unknown setting \"%s\" (known: priority_top)", key);
	if (value < 0)
		return jg_err_set(err, JG_EINVAL, "priority_top must be 0 or more");
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	rc = jg__op_wrote(s, jg__exec(s, err,
				      "INSERT INTO setting(key, value) VALUES (?, ?)"
				      " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
				      "ti", key, value));
	if (rc == 0)
		s->dirty_all = true;
	return jg__op_end(s, rc, err);
}
