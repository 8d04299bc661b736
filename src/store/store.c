/* SPDX-License-Identifier: MIT */
/*
 * Opening the store, the schema, transactions and the helpers the ledger files share.
 *
 * Transactions: an operation outside a batch runs in its own BEGIN IMMEDIATE ... COMMIT (on
 * PostgreSQL the driver makes that BEGIN plus the tenant's write lock); a batch
 * (jg_store_begin) holds one transaction across many operations. Derived state is
 * settled just before COMMIT, so what a commit makes durable is always consistent.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "settle_mem.h"
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
	s = jg_calloc(1, sizeof(*s));
	if (!s)
		return jg_err_set(err, JG_ENOMEM, "out of memory opening the store");
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
		s->drv = &jg__db_pg;
	else
		s->drv = &jg__db_sqlite;
	jg_i64map_init(&s->dirty_sku);
	jg_i64map_init(&s->dirty_listing);
	jg_i64map_init(&s->dirty_channel);
	jg_i64map_init(&s->dirty_line);
	jg_buf_init(&s->key, KEY_MAX);
	rc = s->drv->open(&s->db, s->drv == &jg__db_pg ? url : sqlite_target(url), err);
	if (rc) {
		jg_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

bool jg_store_retryable(const jg_err *err)
{
	return err && err->code == JG_EBUSY &&
	       (strcmp(err->sqlstate, "40001") == 0 || strcmp(err->sqlstate, "40P01") == 0);
}

void jg_store_backoff(int attempt)
{
	struct timespec ts;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ms = (10L << (attempt < 6 ? attempt : 6)) + ts.tv_nsec % 10; /* 10, 20, 40 ... + jitter */
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

bool jg_store_watchable(const jg_store *s)
{
	return s->drv->watch != NULL;
}

int jg_store_watch(jg_store *s, int timeout_ms, bool *out_changed, jg_err *err)
{
	*out_changed = false;
	if (!s->drv->watch)
		return jg_err_set(err, JG_EINVAL, "this database cannot tell other connections' commits");
	if (s->in_tx)
		return jg_err_set(err, JG_EINVAL, "cannot watch inside a transaction");
	return s->drv->watch(s->db, timeout_ms, out_changed, err);
}

const char *jg_store_url_display(char *out, size_t n, const char *url)
{
	const char *scheme = strstr(url, "://"), *at, *colon;

	if (n == 0)
		return out;
	at = scheme ? strchr(scheme + 3, '@') : NULL;
	colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
	if (strncmp(url, "postgres", 8) != 0 || !colon || strchr(scheme + 3, '/') < at)
		snprintf(out, n, "%s", url);
	else
		snprintf(out, n, "%.*s:***%s", (int)(colon - url), url, at);
	return out;
}

/* Empties the transaction's state. The listing copy survives a commit (the next
 * transaction checks that nobody else wrote since) but not a rollback (it may have been
 * made after a write that is now undone). */
static void clear_dirty(jg_store *s, bool keep_copy)
{
	jg_i64map_clear(&s->dirty_sku);
	jg_i64map_clear(&s->dirty_listing);
	jg_i64map_clear(&s->dirty_channel);
	jg_i64map_clear(&s->dirty_line);
	s->dirty_all = false;
	s->wrote = false;
	s->n_channel_cache = 0;
	s->n_held_items = 0;
	s->n_held_skus = 0;
	if (!keep_copy)
		jg__listing_copy_drop(s);
	s->matches = 0;
	s->match_next_check = 0;
	s->puts_new = 0;
	s->puts_known = 0;
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
	jg_free(s->held_items);
	jg_free(s->held_skus);
	jg__listing_copy_drop(s);
	jg__listing_model_drop(s);
	for (int i = 0; i < JG__OPTION_CACHE; i++) {
		jg_free(s->option_cache[i].option);
		jg_free(s->option_cache[i].text);
		jg_free(s->option_cache[i].key);
	}
	jg_free(s);
}

/* ---- statements ------------------------------------------------------------------------ */

static bool word_char(char c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (unsigned char)c >= 0x80;
}

/* True when `sql` has `name` as a whole word, in any case: "sku" in "FROM sku s" but not
 * in "r.sku_id". A false match only costs a needless flush. */
static bool names_word(const char *sql, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = sql; *p; p++)
		if ((p == sql || !word_char(p[-1])) && strncasecmp(p, name, n) == 0 &&
		    !word_char(p[n]))
			return true;
	return false;
}

/* True when sql[0..n) has `name` as a whole word, in any case. */
static bool names_word_in(const char *sql, size_t n, const char *name)
{
	size_t k = strlen(name);

	for (size_t i = 0; i + k <= n; i++)
		if ((i == 0 || !word_char(sql[i - 1])) && strncasecmp(sql + i, name, k) == 0 &&
		    (i + k == n || !word_char(sql[i + k])))
			return true;
	return false;
}

/*
 * True for "UPDATE listing SET ... [WHERE ...]" that names no other table and sets none of
 * the columns the listing copy holds (id, channel_id, product_id, option_key, listed, why,
 * limit_sku_id): the last told quantity, timestamps, the plain SKU. Such a statement leaves
 * the copy true. (Settling's own update of listed, why and limit_sku_id, jg__sql_listed_set,
 * keeps the copy in step itself.)
 */
static bool updates_listing_state(const char *sql)
{
	static const char *const held[] = {"id",     "channel_id", "product_id",  "option_key",
					   "listed", "why",        "limit_sku_id"};
	static const char head[] = "UPDATE listing SET ";
	const char *set, *end;

	if (strncasecmp(sql, head, sizeof(head) - 1) != 0 || names_word(sql, "recipe_item"))
		return false;
	set = sql + sizeof(head) - 1;
	for (end = set; *end; end++)
		if ((end == set || !word_char(end[-1])) && strncasecmp(end, "WHERE", 5) == 0 &&
		    !word_char(end[5]))
			break;
	if (names_word_in(set, (size_t)(end - set), "listing") ||
	    names_word_in(set, (size_t)(end - set), "FROM") ||
	    names_word_in(set, (size_t)(end - set), "SELECT"))
		return false;
	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++)
		if (names_word_in(set, (size_t)(end - set), held[i]))
			return false;
	return true;
}

/* The next word of `*p` (letters, digits, '_'), *p moved past it; *n its length (0 for
 * none). */
static const char *next_word(const char **p, size_t *n)
{
	const char *w;

	while (**p == ' ' || **p == '\t' || **p == '\n')
		(*p)++;
	w = *p;
	while (word_char(**p))
		(*p)++;
	*n = (size_t)(*p - w);
	return w;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(w, lit, n) == 0;
}

/*
 * True for a statement that may write the listing or recipe_item table: an INSERT,
 * REPLACE, UPDATE or DELETE whose target is one of them (the schema has no triggers and no
 * cascading foreign keys, so a statement writes its target only), except an UPDATE of a
 * listing's state (updates_listing_state), or a WITH that names either.
 */
static bool writes_listings(const char *sql)
{
	const char *p = sql, *w;
	size_t n;

	w = next_word(&p, &n);
	if (word_is(w, n, "WITH"))
		return names_word(sql, "listing") || names_word(sql, "recipe_item");
	if (word_is(w, n, "INSERT") || word_is(w, n, "UPDATE")) {
		const char *save = p;

		w = next_word(&p, &n);
		if (word_is(w, n, "OR"))
			next_word(&p, &n); /* the conflict clause's action */
		else
			p = save;
	} else if (!word_is(w, n, "REPLACE") && !word_is(w, n, "DELETE")) {
		return false; /* SELECT, BEGIN, CREATE TEMP ..., PRAGMA */
	}
	w = next_word(&p, &n);
	if (word_is(w, n, "INTO") || word_is(w, n, "FROM"))
		w = next_word(&p, &n);
	if (*p == '.') { /* schema.table */
		p++;
		w = next_word(&p, &n);
	}
	if (word_is(w, n, "recipe_item"))
		return true;
	if (!word_is(w, n, "listing"))
		return n == 0; /* a target we cannot tell: assume the worst */
	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	return !updates_listing_state(sql);
}

/* The held writes a statement must see: JG__HELD_* for the tables it names. */
static unsigned held_seen_by(const char *sql)
{
	return (names_word(sql, "line_item") ? JG__HELD_ITEMS : 0) |
	       (names_word(sql, "sku") ? JG__HELD_SKUS : 0);
}

/* The cached statement for `sql`, reset; *sees_held says which held writes it must see,
 * *params how many parameters it has. */
static jg__stmt *cached(jg_store *s, const char *sql, unsigned *sees_held, int *params,
			jg_err *err)
{
	size_t h = ((uintptr_t)sql >> 3) & (JG__STMT_CACHE - 1);

	for (size_t i = 0; i < JG__STMT_CACHE; i++) {
		size_t j = (h + i) & (JG__STMT_CACHE - 1);

		if (s->cache[j].sql == sql) {
			s->drv->reset(s->cache[j].st);
			*sees_held = s->cache[j].sees_held;
			*params = s->cache[j].params;
			if (s->cache[j].writes_listings)
				jg__listing_copy_drop(s);
			return s->cache[j].st;
		}
		if (!s->cache[j].sql) {
			jg__stmt *st;

			if (s->drv->prepare(s->db, &st, sql, err))
				return NULL;
			s->cache[j].sql = sql;
			s->cache[j].st = st;
			s->cache[j].params = s->drv->params(st);
			s->cache[j].sees_held = held_seen_by(sql);
			s->cache[j].writes_listings =
				sql != jg__sql_listed_set && writes_listings(sql);
			*sees_held = s->cache[j].sees_held;
			*params = s->cache[j].params;
			if (s->cache[j].writes_listings)
				jg__listing_copy_drop(s);
			return st;
		}
	}
	jg_err_set(err, JG_ELIMIT, "statement cache full");
	return NULL;
}

static jg__stmt *vq(jg_store *s, jg_err *err, const char *sql, const char *fmt, va_list ap)
{
	unsigned sees_held = 0;
	int params = 0;
	jg__stmt *st = cached(s, sql, &sees_held, &params, err);
	int idx = 1, rc = 0;

	if (!st)
		return NULL;
	/* Parameters keep their values across a reset: those the format does not bind go
	 * back to NULL (the format binds all of them on every hot path). */
	if (strlen(fmt) < (size_t)params)
		s->drv->unbind(st);
	if (((sees_held & JG__HELD_ITEMS && s->n_held_items) ||
	     (sees_held & JG__HELD_SKUS && s->n_held_skus)) &&
	    jg__flush(s, sees_held, err))
		return NULL;
	for (const char *f = fmt; *f && rc == 0; f++, idx++) {
		switch (*f) {
		case 'i': rc = s->drv->bind_i64(st, idx, va_arg(ap, int64_t)); break;
		case 't': rc = s->drv->bind_text(st, idx, va_arg(ap, const char *)); break;
		case 'T': rc = s->drv->bind_text_ref(st, idx, va_arg(ap, const char *)); break;
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
	jg__listing_copy_drop(s); /* a migration may rewrite the listings */
	rc = s->drv->exec(s->db, s->drv->migrate_begin, err);
	if (rc)
		return rc;
	rc = s->drv->exec(s->db, SQL_VERSION_TABLE, err);
	if (rc == 0)
		rc = jg__scalar(s, &have, err, SQL_VERSION, "") < 0 ? JG_EDB : 0;
	for (int i = 0; rc == 0 && i < *s->drv->migration_count; i++) {
		const jg__migration *m = &s->drv->migrations[i];

		if (m->version <= have)
			continue;
		rc = s->drv->exec(s->db, m->sql, err);
		if (rc == 0)
			rc = jg__exec(s, err, SQL_VERSION_ADD, "i", (int64_t)m->version);
		applied++;
	}
	/* A database of many tenants: this one's first rows (a no-op when it has them). */
	if (rc == 0 && s->drv->tenant_seed)
		rc = s->drv->exec(s->db, s->drv->tenant_seed, err);
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
	int latest = s->drv->migrations[*s->drv->migration_count - 1].version;

	if (jg__scalar(s, &n, err, s->drv->schema_probe, "") < 0)
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
	if (s->drv->tenant_probe) {
		if (jg__scalar(s, &n, err, s->drv->tenant_probe, "") < 0)
			return err ? err->code : JG_EDB;
		if (n == 0)
			return jg_err_set(err, JG_EINVAL,
					  "this seller (tenant) has no jaego data in the database yet:"
					  " run `jaego init`");
	}
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
		clear_dirty(s, true);
		rc = jg__listing_copy_check(s, err);
		if (rc) {
			s->drv->exec(s->db, SQL_ROLLBACK, NULL);
			s->in_tx = false;
		}
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
	/* Other servers' live views learn of it when it commits (PostgreSQL NOTIFY). */
	if (rc == 0 && s->drv->notify_sql &&
	    (s->wrote || s->dirty_sku.len || s->dirty_listing.len || s->dirty_channel.len ||
	     s->dirty_line.len || s->dirty_all))
		rc = jg__exec(s, err, s->drv->notify_sql, "");
	if (rc == 0)
		rc = jg__exec(s, err, SQL_COMMIT, "");
	if (rc) {
		jg_store_rollback(s);
		return rc;
	}
	s->in_tx = false;
	s->batch = false;
	s->stats.commits++;
	clear_dirty(s, true);
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
	clear_dirty(s, false);
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
	/* A statement PostgreSQL refused (it set a SQLSTATE) aborted the whole transaction
	 * there: the batch cannot go on, as it can on SQLite after a refused statement. */
	if (s->batch && rc && err && err->sqlstate[0])
		s->poisoned = true;
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
	s->wrote = true;
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

int jg__sku_touch(jg_store *s, int64_t sku_id, int64_t d_on_hand, int64_t d_committed,
		  jg_err *err)
{
	jg_i64map_slot *slot = jg_i64map_put(&s->dirty_sku, sku_id, NULL);

	if (!slot)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	if (d_on_hand == 0 && d_committed == 0)
		return 0; /* only its listings must be computed again */
	if (!slot->flag) {
		if (s->n_held_skus == s->cap_held_skus) {
			size_t ncap = s->cap_held_skus ? s->cap_held_skus * 2 : 256;
			int64_t *t = jg_realloc(s->held_skus, ncap * sizeof(*t));

			if (!t)
				return jg_err_set(err, JG_ENOMEM, "out of memory");
			s->held_skus = t;
			s->cap_held_skus = ncap;
		}
		s->held_skus[s->n_held_skus++] = sku_id;
		slot->flag = 1; /* held: in held_skus until the next flush */
	}
	slot->a += d_on_hand;
	slot->b += d_committed;
	slot->c += d_on_hand;
	slot->d += d_committed;
	return 0; /* no cap: a SKU is in held_skus at most once */
}

int jg__item_add(jg_store *s, int64_t line_pk, int64_t sku_id, int64_t per_unit, int64_t units,
		 bool open, jg_err *err)
{
	if (s->n_held_items == s->cap_held_items) {
		size_t ncap = s->cap_held_items ? s->cap_held_items * 2 : 256;
		jg__held_item *t = jg_realloc(s->held_items, ncap * sizeof(*t));

		if (!t)
			return jg_err_set(err, JG_ENOMEM, "out of memory");
		s->held_items = t;
		s->cap_held_items = ncap;
	}
	s->held_items[s->n_held_items++] = (jg__held_item){line_pk, sku_id, per_unit, units, open};
	return s->n_held_items >= JG__HELD_MAX ? jg__flush(s, JG__HELD_ITEMS, err) : 0;
}

#define ITEM_COLS "INSERT INTO line_item(line_pk, sku_id, per_unit, units, open) VALUES "
#define ITEM_ROW "(?, ?, ?, ?, ?)"
#define ITEM_ROWS4 ITEM_ROW ", " ITEM_ROW ", " ITEM_ROW ", " ITEM_ROW
#define ITEM_ROWS16 ITEM_ROWS4 ", " ITEM_ROWS4 ", " ITEM_ROWS4 ", " ITEM_ROWS4
static const char SQL_ITEMS_1[] = ITEM_COLS ITEM_ROW;
static const char SQL_ITEMS_4[] = ITEM_COLS ITEM_ROWS4;
static const char SQL_ITEMS_16[] = ITEM_COLS ITEM_ROWS16;
static const char SQL_ITEMS_64[] =
	ITEM_COLS ITEM_ROWS16 ", " ITEM_ROWS16 ", " ITEM_ROWS16 ", " ITEM_ROWS16;
static const char SQL_SKU_TOUCH[] =
	"UPDATE sku SET on_hand = on_hand + ?, committed = committed + ? WHERE id = ?";

static int item_cmp(const void *a, const void *b)
{
	const jg__held_item *x = a, *y = b;

	if (x->sku_id != y->sku_id)
		return x->sku_id < y->sku_id ? -1 : 1;
	return (x->line_pk > y->line_pk) - (x->line_pk < y->line_pk);
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The rows go in sorted by (sku_id, line_pk): the line_item_open index then fills in one
 * sweep instead of at random places, and the primary key (line_pk first) only ever
 * changes in its last few, hot pages. */
static int flush_items(jg_store *s, jg_err *err)
{
	static const struct {
		size_t rows;
		const char *sql;
	} sizes[] = {{64, SQL_ITEMS_64}, {16, SQL_ITEMS_16}, {4, SQL_ITEMS_4}, {1, SQL_ITEMS_1}};
	size_t i = 0;
	int rc = 0;

	qsort(s->held_items, s->n_held_items, sizeof(*s->held_items), item_cmp);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]) && rc == 0; k++) {
		while (rc == 0 && s->n_held_items - i >= sizes[k].rows) {
			jg__stmt *st = jg__q(s, err, sizes[k].sql, "");
			int idx = 1;

			if (!st)
				return err->code;
			for (size_t r = 0; r < sizes[k].rows && rc == 0; r++, i++) {
				const jg__held_item *it = &s->held_items[i];

				if (s->drv->bind_i64(st, idx++, it->line_pk) ||
				    s->drv->bind_i64(st, idx++, it->sku_id) ||
				    s->drv->bind_i64(st, idx++, it->per_unit) ||
				    s->drv->bind_i64(st, idx++, it->units) ||
				    s->drv->bind_i64(st, idx++, it->open))
					rc = jg_err_set(err, JG_EDB, "binding a line item failed");
			}
			if (rc == 0)
				rc = jg__step(s, st, err);
			s->drv->reset(st);
		}
	}
	return rc;
}

static int flush_skus(jg_store *s, jg_err *err)
{
	int rc = 0;

	qsort(s->held_skus, s->n_held_skus, sizeof(*s->held_skus), id_cmp); /* in page order */

	for (size_t i = 0; i < s->n_held_skus && rc == 0; i++) {
		jg_i64map_slot *slot = jg_i64map_get(&s->dirty_sku, s->held_skus[i]);

		if (!slot)
			continue;
		slot->flag = 0;
		if (slot->c == 0 && slot->d == 0)
			continue;
		rc = jg__exec(s, err, SQL_SKU_TOUCH, "iii", slot->c, slot->d, slot->key);
		if (rc == 0 && s->drv->changes(s->db) != 1)
			rc = jg_err_set(err, JG_ENOTFOUND, "SKU id %lld vanished",
					(long long)slot->key);
		slot->c = slot->d = 0;
	}
	return rc;
}

int jg__flush(jg_store *s, unsigned what, jg_err *err)
{
	int rc = 0;

	if (s->flushing)
		return 0;
	s->flushing = true;
	if ((what & JG__HELD_ITEMS) && s->n_held_items) {
		rc = flush_items(s, err);
		s->n_held_items = 0;
	}
	if (rc == 0 && (what & JG__HELD_SKUS) && s->n_held_skus) {
		rc = flush_skus(s, err);
		s->n_held_skus = 0;
	}
	s->flushing = false;
	if (rc && s->batch)
		s->poisoned = true; /* what was held is lost: the batch must roll back */
	return rc;
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
	size_t len = strlen(name);
	int rc;

	for (size_t i = 0; i < s->n_channel_cache; i++)
		if (strcmp(s->channel_cache[i].name, name) == 0) {
			*out = s->channel_cache[i].id;
			return 0;
		}
	rc = jg__scalar(s, out, err, SQL_CHANNEL_ID, "t", name);
	if (rc == 0)
		return jg_err_set(err, JG_ENOTFOUND,
				  "unknown channel \"%s\" (add it with `jaego channel add`)", name);
	if (rc < 0)
		return rc;
	if (s->in_tx && len < JG_CODE_MAX) {
		size_t i = s->n_channel_cache < JG__CHANNEL_CACHE
				   ? s->n_channel_cache++
				   : (size_t)(*out % JG__CHANNEL_CACHE);

		memcpy(s->channel_cache[i].name, name, len + 1);
		s->channel_cache[i].id = *out;
	}
	return 0;
}

bool jg__utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;

	while (p < e) {
		uint64_t w;

		if (e - p >= 8) {
			memcpy(&w, p, 8);
			if (!(w & 0x8080808080808080u)) {
				p += 8;
				continue;
			}
		}
		if (p[0] < 0x80) {
			p++;
			continue;
		}
		/* C2..DF with one continuation byte, and E1..EC or EE..EF with two, are valid
		 * whatever the continuation bytes hold (no overlong form, surrogate or code
		 * point past U+10FFFF starts so): all of Hangul and most other text. */
		if (p[0] >= 0xc2 && p[0] <= 0xdf && e - p >= 2 && (p[1] & 0xc0) == 0x80) {
			p += 2;
			continue;
		}
		if (((p[0] >= 0xe1 && p[0] <= 0xec) || p[0] >= 0xee) && p[0] <= 0xef && e - p >= 3 &&
		    (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
			p += 3;
			continue;
		}
		/* E0 and ED limit their second byte (no overlong form, no surrogate), F0..F4
		 * their second byte too (no overlong form, nothing past U+10FFFF): emoji and the
		 * rest of the supplementary planes, which delivery messages carry. */
		if ((p[0] == 0xe0 || p[0] == 0xed) && e - p >= 3 &&
		    (p[0] == 0xe0 ? p[1] >= 0xa0 && p[1] <= 0xbf : p[1] >= 0x80 && p[1] <= 0x9f) &&
		    (p[2] & 0xc0) == 0x80) {
			p += 3;
			continue;
		}
		if (p[0] >= 0xf0 && p[0] <= 0xf4 && e - p >= 4 &&
		    p[1] >= (p[0] == 0xf0 ? 0x90 : 0x80) && p[1] <= (p[0] == 0xf4 ? 0x8f : 0xbf) &&
		    (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
			p += 4;
			continue;
		}
		/* Not valid UTF-8 (the library's check says so, and words the rule). */
		return jg_utf8_valid((const char *)p, (size_t)(e - p));
	}
	return true;
}

int jg__check_code(const char *what, const char *v, jg_err *err)
{
	size_t n;

	if (!v || !*v)
		return jg_err_set(err, JG_EINVAL, "%s is empty", what);
	n = strlen(v);
	if (n >= JG_CODE_MAX)
		return jg_err_set(err, JG_EINVAL, "%s is longer than %d bytes", what, JG_CODE_MAX - 1);
	if (!jg__utf8_ok(v, n))
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
