/* SPDX-License-Identifier: MIT */
/*
 * The PostgreSQL backend of the driver seam, over libpq: one connection per jg__db.
 *
 * The ledger files write portable SQL with `?` placeholders. prepare() rewrites it once per
 * SQL text (the store caches statements by text pointer) into PostgreSQL's dialect and
 * PQprepare()s it under a name of its own; every rewrite is outside string literals:
 *   - `?` becomes `$1`, `$2`, ...; parameters travel as text and PostgreSQL infers their
 *     types from the statement;
 *   - the type word INTEGER becomes BIGINT (temporary tables hold 64-bit ids);
 *   - LIKE becomes ILIKE (SQLite's LIKE ignores ASCII case, PostgreSQL's does not);
 *   - INSERT OR IGNORE INTO t ... becomes INSERT INTO t ... ON CONFLICT DO NOTHING;
 *   - ON CONFLICT (cols) on a tenant table becomes ON CONFLICT (tenant, cols): every
 *     unique constraint there starts with the tenant;
 *   - CROSS JOIN (SQLite's hint to keep the join order) becomes JOIN;
 *   - an INSERT ... VALUES into a table with an identity id gets RETURNING id, which
 *     step() consumes itself, so that last_id() costs no round trip;
 *   - BEGIN IMMEDIATE (a write transaction) becomes BEGIN plus a transaction-scoped
 *     advisory lock on the tenant: the writers of one seller queue, as SQLite's writers
 *     queue on the file, and one lock taken first cannot deadlock; BEGIN (a read
 *     transaction) becomes BEGIN ISOLATION LEVEL REPEATABLE READ, one snapshot for a page.
 *
 * A statement's whole result is fetched by its first step() (PQexecPrepared); the store
 * runs other statements while it walks a result, which one connection can only do with
 * complete results. Values come back as text: col_i64() parses them, 't'/'f' as 1/0.
 *
 * The tenant (seller) comes from the URL's `tenant=` parameter (removed before libpq
 * sees the URL), else $JAEGO_TENANT, else "main", and is set as jaego.tenant for the
 * session: every table's tenant column defaults to it and its row-level security policy
 * admits only its rows. A superuser or BYPASSRLS role is refused, since row-level
 * security would not apply to it.
 *
 * A connection the server dropped is opened again (with a new session, where statements
 * are prepared again on first use) before the next transaction or statement outside one;
 * never inside a transaction, which is lost with its connection.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "jaego/util.h"
#include "db.h"

#define TENANT_MAX 64
#define N_TABLES 14        /* entries of tenant_tables[] */
#define ANALYZE_ROWS 1000  /* rows a commit added to a table that make it ANALYZE it */
#define URL_MAX 4096
#define SQL_MAX (1024 * 1024)

struct jg__db {
	PGconn *c;
	int64_t changes;
	int64_t last_id;
	unsigned next_name;
	unsigned gen;  /* the session: grows with each reconnection */
	bool in_tx;    /* the session is inside a transaction */
	unsigned listen_gen; /* the session that LISTENs (gen + 1), 0 for none */
	int64_t grown[N_TABLES]; /* rows the open transaction inserted, per tenant table */
	char tenant[TENANT_MAX];
};

typedef struct pg_param {
	const char *val; /* what is sent: NULL for SQL NULL, else small, heap or the caller's */
	char *heap;
	size_t cap;
	char small[24];
} pg_param;

enum { K_PREPARED, K_BEGIN_WRITE, K_BEGIN_READ };

struct jg__stmt {
	jg__db *db;
	int kind;
	bool returning_id; /* RETURNING id was added: step() consumes it for last_id */
	bool commit;       /* it is COMMIT */
	int table;         /* 1 + the tenant table it inserts into, 0 for none */
	char name[24];
	char *sql;    /* the rewritten text, to prepare again in a new session */
	unsigned gen; /* the session it is prepared in */
	int n;
	pg_param *p;
	const char **vals;
	PGresult *res;
	int row, rows;
	bool ran;
};

/* Tables with a tenant column (every ON CONFLICT target there starts with it). */
static const char *const tenant_tables[] = {
	"setting",    "sku",	     "movement", "channel", "listing",	"recipe_item",
	"order_line", "line_item",   "import_file", "profile", "app_user", "api_token",
	"app_session", "audit", NULL};
_Static_assert(sizeof(tenant_tables) / sizeof(tenant_tables[0]) == N_TABLES + 1,
	       "N_TABLES counts tenant_tables");
/* Tables whose id is an identity column. */
static const char *const id_tables[] = {"sku",	       "movement",  "channel", "listing",
					"order_line",  "import_file", "app_user", "api_token",
					"app_session", "audit",	    NULL};

static int list_index(const char *const *list, const char *w, size_t n)
{
	for (int i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], w, n) == 0)
			return i;
	return -1;
}

static bool in_list(const char *const *list, const char *w, size_t n)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], w, n) == 0)
			return true;
	return false;
}

static bool word_char(char c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (unsigned char)c >= 0x80;
}

static int pg_fail(jg__db *db, const PGresult *res, jg_err *err, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	int code = JG_EDB;
	size_t n;

	if (!msg || !*msg)
		msg = db && db->c ? PQerrorMessage(db->c) : "connection failed";
	if (state) {
		/* serialization failure, deadlock, lock not available */
		if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
		    strcmp(state, "55P03") == 0)
			code = JG_EBUSY;
		else if (strncmp(state, "53", 2) == 0)
			code = JG_ENOMEM;
	}
	if (err && err->code == 0 && state)
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
	n = strcspn(msg, "\n");
	if (code == JG_EBUSY)
		return jg_err_set(err, code,
				  "%s: %.*s (SQLSTATE %s): the transaction conflicted with another"
				  " and was rolled back, nothing of it was saved; try again",
				  what, (int)n, msg, state);
	return jg_err_set(err, code, "%s: %.*s", what, (int)n, msg);
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* NOTICEs ("relation already exists, skipping") are not news */
}

/* Valid tenant names: 1 to 63 of a-z, 0-9, '_' and '-'. */
static bool tenant_ok(const char *t, size_t n)
{
	if (n == 0 || n >= TENANT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_' ||
		      t[i] == '-'))
			return false;
	return true;
}

/* Copies `url` to `out` without its tenant= parameter, which goes to `tenant`. */
static int split_url(const char *url, char *out, size_t outsz, char *tenant, jg_err *err)
{
	const char *q = strchr(url, '?'), *p;
	size_t n = 0, len = strlen(url);
	bool first = true;

	tenant[0] = '\0';
	if (len >= outsz)
		return jg_err_set(err, JG_EINVAL, "--db: the URL is longer than %zu bytes", outsz - 1);
	if (!q) {
		memcpy(out, url, len + 1);
		return 0;
	}
	memcpy(out, url, (size_t)(q - url));
	n = (size_t)(q - url);
	for (p = q + 1; *p;) {
		const char *end = strchr(p, '&');
		size_t k = end ? (size_t)(end - p) : strlen(p);

		if (k > 7 && strncmp(p, "tenant=", 7) == 0) {
			if (!tenant_ok(p + 7, k - 7))
				return jg_err_set(err, JG_EINVAL,
						  "--db: tenant must be 1 to 63 of a-z, 0-9, _ and -");
			memcpy(tenant, p + 7, k - 7);
			tenant[k - 7] = '\0';
		} else if (k) {
			out[n++] = first ? '?' : '&';
			memcpy(out + n, p, k);
			n += k;
			first = false;
		}
		p += k;
		if (*p == '&')
			p++;
	}
	out[n] = '\0';
	return 0;
}

/* Notes whether the session is inside a transaction, after a command. */
static void track(jg__db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(db->c);

	if (t == PQTRANS_IDLE)
		db->in_tx = false;
	else if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
		db->in_tx = true;
}

static int simple(jg__db *db, const char *sql, jg_err *err)
{
	PGresult *res = PQexec(db->c, sql);
	int rc = 0;
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = pg_fail(db, res, err, "sql");
	PQclear(res);
	track(db);
	return rc;
}

/* Sets the session up: quiet notices, the tenant, and the role check. */
static int session(jg__db *db, jg_err *err)
{
	const char *vals[1] = {db->tenant};
	PGresult *res;
	int rc;

	PQsetNoticeProcessor(db->c, quiet, NULL);
	rc = simple(db, "SET client_min_messages = warning", err);
	if (rc)
		return rc;
	res = PQexecParams(db->c,
			   "SELECT set_config('jaego.tenant', $1, false),"
			   " (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user),"
			   " current_user",
			   1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = pg_fail(db, res, err, "PostgreSQL session");
	else if (strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		rc = jg_err_set(err, JG_EPERM,
				"PostgreSQL role \"%s\" is a superuser or has BYPASSRLS: row-level"
				" security would not keep sellers apart; connect as an ordinary role",
				PQgetvalue(res, 0, 2));
	PQclear(res);
	return rc;
}

/*
 * Makes sure the connection is up before a command that starts a transaction or runs
 * outside one: a connection the server dropped (a restart, a failover, an idle timeout)
 * is opened again, with a new session (statements are prepared again as they are used).
 * Inside a transaction nothing is reconnected: the transaction is lost, the command fails,
 * and the caller rolls back.
 */
static int ensure(jg__db *db, jg_err *err)
{
	if (PQstatus(db->c) == CONNECTION_OK)
		return 0;
	if (db->in_tx)
		return jg_err_set(err, JG_EDB, "the connection to PostgreSQL was lost in a transaction");
	PQreset(db->c);
	if (PQstatus(db->c) != CONNECTION_OK) {
		const char *m = PQerrorMessage(db->c);

		return jg_err_set(err, JG_EDB, "cannot reconnect to PostgreSQL: %.*s",
				  (int)strcspn(m, "\n"), m);
	}
	db->gen++;
	db->in_tx = false;
	return session(db, err);
}

/*
 * After a COMMIT: ANALYZE the tables the transaction added many rows to. The planner
 * otherwise plans the next transactions (a check after an import, the import after a
 * listing import) on statistics that do not know those rows, and chose nested loops that
 * took minutes. A short lock timeout: when another session holds the table (its own
 * ANALYZE, a long transaction's), autovacuum will do it instead.
 */
static void analyze_grown(jg__db *db)
{
	char sql[512] = "SET LOCAL lock_timeout = '200ms'; ANALYZE ";
	size_t n = strlen(sql), first = n;

	for (int i = 0; i < N_TABLES; i++) {
		if (db->grown[i] >= ANALYZE_ROWS && n + 40 < sizeof(sql))
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%s", n > first ? ", " : "",
					      tenant_tables[i]);
		db->grown[i] = 0;
	}
	if (n > first)
		PQclear(PQexec(db->c, sql)); /* a failure (the timeout) changes nothing */
}

/* Runs a command that begins a transaction; when the server had dropped the connection
 * (seen only now), once more on a new one. */
static int begin(jg__db *db, const char *sql, jg_err *err)
{
	jg_err first;
	int rc;

	jg_err_clear(&first);
	rc = ensure(db, err);
	if (rc)
		return rc;
	rc = simple(db, sql, &first);
	if (rc && PQstatus(db->c) != CONNECTION_OK) {
		db->in_tx = false;
		rc = ensure(db, err);
		if (rc == 0)
			rc = simple(db, sql, err);
		return rc;
	}
	if (rc && err && err->code == 0)
		*err = first;
	return rc;
}

static void p_close(jg__db *db)
{
	if (!db)
		return;
	PQfinish(db->c);
	jg_free(db);
}

static int p_open(jg__db **out, const char *target, jg_err *err)
{
	char url[URL_MAX];
	const char *env = getenv("JAEGO_TENANT");
	jg__db *db;
	int rc;

	*out = NULL;
	db = jg_calloc(1, sizeof(*db));
	if (!db)
		return jg_err_set(err, JG_ENOMEM, "out of memory opening %s", "PostgreSQL");
	rc = split_url(target, url, sizeof(url), db->tenant, err);
	if (rc)
		goto out;
	if (!db->tenant[0] && env && *env) {
		if (!tenant_ok(env, strlen(env))) {
			rc = jg_err_set(err, JG_EINVAL,
					"JAEGO_TENANT must be 1 to 63 of a-z, 0-9, _ and -");
			goto out;
		}
		snprintf(db->tenant, sizeof(db->tenant), "%s", env);
	}
	if (!db->tenant[0])
		snprintf(db->tenant, sizeof(db->tenant), "%s", "main");
	db->c = PQconnectdb(url);
	if (!db->c || PQstatus(db->c) != CONNECTION_OK) {
		const char *m = db->c ? PQerrorMessage(db->c) : "out of memory";
		size_t n = strlen(m);

		while (n && m[n - 1] == '\n')
			n--;
		rc = jg_err_set(err, JG_EDB, "cannot connect to PostgreSQL: %.*s", (int)n, m);
		goto out;
	}
	rc = session(db, err);
out:
	if (rc) {
		p_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

static bool is_begin(const char *sql, bool *write)
{
	while (*sql == ' ')
		sql++;
	if (strcasecmp(sql, "BEGIN IMMEDIATE") == 0) {
		*write = true;
		return true;
	}
	if (strcasecmp(sql, "BEGIN") == 0) {
		*write = false;
		return true;
	}
	return false;
}

static const char SQL_BEGIN_WRITE[] =
	"BEGIN; SELECT pg_advisory_xact_lock(hashtext('jaego:' || current_setting('jaego.tenant')))";
static const char SQL_BEGIN_READ[] = "BEGIN ISOLATION LEVEL REPEATABLE READ";

static int p_exec(jg__db *db, const char *sql, jg_err *err)
{
	bool write;

	int rc;

	if (is_begin(sql, &write))
		return begin(db, write ? SQL_BEGIN_WRITE : SQL_BEGIN_READ, err);
	if (!db->in_tx && (rc = ensure(db, err)))
		return rc;
	rc = simple(db, sql, err);
	if (strcasecmp(sql, "ROLLBACK") == 0) {
		db->in_tx = false; /* even when the connection is gone */
		memset(db->grown, 0, sizeof(db->grown));
	} else if (rc == 0 && strcasecmp(sql, "COMMIT") == 0) {
		analyze_grown(db);
	}
	return rc;
}

/* ---- the rewrite -------------------------------------------------------------------- */

/* The next word of sql at *i (skipping blanks), *i moved past it; *n its length. */
static const char *word_at(const char *sql, size_t *i, size_t *n)
{
	const char *w;

	while (sql[*i] == ' ' || sql[*i] == '\t' || sql[*i] == '\n')
		(*i)++;
	w = sql + *i;
	while (word_char(sql[*i]))
		(*i)++;
	*n = (size_t)(sql + *i - w);
	return w;
}

static bool is_word(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(w, lit, n) == 0;
}

/* True when sql has `lit` (a keyword) as a whole word outside string literals. */
static bool has_word(const char *sql, const char *lit)
{
	size_t k = strlen(lit);
	bool quoted = false;

	for (size_t i = 0; sql[i]; i++) {
		if (sql[i] == '\'') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (i == 0 || !word_char(sql[i - 1])) &&
		    strncasecmp(sql + i, lit, k) == 0 && !word_char(sql[i + k]))
			return true;
	}
	return false;
}

/*
 * Writes PostgreSQL's form of `sql` to `out` (see the file comment); *returning_id says
 * whether RETURNING id was added.
 */
static int rewrite(jg_buf *out, const char *sql, bool *returning_id, int *table, jg_err *err)
{
	size_t i = 0, n, target_n = 0;
	const char *w, *target = NULL;
	bool insert = false, ignore = false, tenant_table = false, quoted = false;
	int param = 0, rc = 0;

	*returning_id = false;
	*table = 0;
	w = word_at(sql, &i, &n);
	if (is_word(w, n, "INSERT")) {
		size_t j = i;

		insert = true;
		w = word_at(sql, &j, &n);
		if (is_word(w, n, "OR")) {
			w = word_at(sql, &j, &n);
			if (!is_word(w, n, "IGNORE"))
				return jg_err_set(err, JG_EINVAL,
						  "PostgreSQL has no INSERT OR %.*s", (int)n, w);
			ignore = true;
			w = word_at(sql, &j, &n);
		}
		if (is_word(w, n, "INTO")) {
			target = word_at(sql, &j, &n);
			target_n = n;
		}
		tenant_table = target && in_list(tenant_tables, target, target_n);
		*table = target ? 1 + list_index(tenant_tables, target, target_n) : 0;
		*returning_id = target && in_list(id_tables, target, target_n) &&
				!has_word(sql, "RETURNING") && has_word(sql, "VALUES") &&
				!has_word(sql, "SELECT");
	}
	for (i = 0; sql[i] && rc == 0; i++) {
		char c = sql[i];

		if (c == '\'') {
			quoted = !quoted;
			rc = jg_buf_append(out, &c, 1);
			continue;
		}
		if (quoted) {
			rc = jg_buf_append(out, &c, 1);
			continue;
		}
		if (c == '?') {
			rc = jg_buf_printf(out, "$%d", ++param);
			continue;
		}
		if (word_char(c) && (i == 0 || !word_char(sql[i - 1]))) {
			size_t j = i;

			w = word_at(sql, &j, &n);
			if (insert && ignore && i < 8 && is_word(w, n, "INSERT")) {
				size_t k = j;

				word_at(sql, &k, &n); /* OR */
				word_at(sql, &k, &n); /* IGNORE */
				rc = jg_buf_puts(out, "INSERT");
				i = k - 1;
				continue;
			}
			if (is_word(w, n, "INTEGER") || is_word(w, n, "LIKE")) {
				rc = jg_buf_puts(out, is_word(w, n, "LIKE") ? "ILIKE" : "BIGINT");
				i = j - 1;
				continue;
			}
			if (is_word(w, n, "CROSS")) {
				size_t k = j;
				const char *w2 = word_at(sql, &k, &n);

				if (is_word(w2, n, "JOIN")) {
					rc = jg_buf_puts(out, "JOIN");
					i = k - 1;
					continue;
				}
			}
			if (tenant_table && is_word(w, n, "CONFLICT")) {
				size_t k = j;

				while (sql[k] == ' ')
					k++;
				if (sql[k] == '(') {
					rc = jg_buf_puts(out, "CONFLICT (tenant, ");
					i = k;
					continue;
				}
			}
			rc = jg_buf_append(out, w, n);
			i = j - 1;
			continue;
		}
		rc = jg_buf_append(out, &c, 1);
	}
	if (rc == 0 && ignore)
		rc = jg_buf_puts(out, " ON CONFLICT DO NOTHING");
	if (rc == 0 && *returning_id)
		rc = jg_buf_puts(out, " RETURNING id");
	if (rc)
		return jg_err_set(err, rc == JG_ENOMEM ? JG_ENOMEM : JG_ELIMIT,
				  "rewriting a statement for PostgreSQL failed");
	return 0;
}

/* ---- statements -------------------------------------------------------------------- */

/* The prepared statement itself stays on the server until the connection closes: the
 * store finalizes its statements only when it closes, and a DEALLOCATE each would cost a
 * round trip per statement for nothing. */
static void p_finalize(jg__stmt *st)
{
	if (!st)
		return;
	PQclear(st->res);
	jg_free(st->sql);
	for (int i = 0; st->p && i < st->n; i++)
		jg_free(st->p[i].heap);
	jg_free(st->p);
	jg_free(st->vals);
	jg_free(st);
}

static int p_prepare(jg__db *db, jg__stmt **out, const char *sql, jg_err *err)
{
	jg__stmt *st = jg_calloc(1, sizeof(*st));
	jg_buf text;
	PGresult *res = NULL;
	bool write;
	int rc = 0;

	*out = NULL;
	jg_buf_init(&text, SQL_MAX);
	if (!st)
		return jg_err_set(err, JG_ENOMEM, "out of memory preparing a statement");
	st->db = db;
	if (is_begin(sql, &write)) {
		st->kind = write ? K_BEGIN_WRITE : K_BEGIN_READ;
		*out = st;
		return 0;
	}
	st->commit = strcasecmp(sql, "COMMIT") == 0;
	rc = rewrite(&text, sql, &st->returning_id, &st->table, err);
	if (rc)
		goto out;
	snprintf(st->name, sizeof(st->name), "jg%u", db->next_name++);
	st->sql = jg_strdup(jg_buf_str(&text));
	if (!st->sql) {
		rc = jg_err_set(err, JG_ENOMEM, "out of memory preparing a statement");
		goto out;
	}
	if (!db->in_tx && (rc = ensure(db, err)))
		goto out;
	st->gen = db->gen;
	res = PQprepare(db->c, st->name, st->sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(db, res, err, "prepare");
		st->name[0] = '\0';
		goto out;
	}
	PQclear(res);
	res = PQdescribePrepared(db->c, st->name);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(db, res, err, "describe");
		goto out;
	}
	st->n = PQnparams(res);
	if (st->n > 0) {
		st->p = jg_calloc((size_t)st->n, sizeof(*st->p));
		st->vals = jg_calloc((size_t)st->n, sizeof(*st->vals));
		if (!st->p || !st->vals)
			rc = jg_err_set(err, JG_ENOMEM, "out of memory preparing a statement");
	}
out:
	PQclear(res);
	jg_buf_free(&text);
	if (rc) {
		p_finalize(st);
		return rc;
	}
	*out = st;
	return 0;
}

static void p_reset(jg__stmt *st)
{
	PQclear(st->res);
	st->res = NULL;
	st->ran = false;
	st->row = st->rows = 0;
}

static void p_unbind(jg__stmt *st)
{
	for (int i = 0; i < st->n; i++)
		st->p[i].val = NULL;
}

static int p_params(jg__stmt *st)
{
	return st->n;
}

static int p_bind_i64(jg__stmt *st, int idx, int64_t v)
{
	pg_param *p;

	if (idx < 1 || idx > st->n)
		return JG_EINVAL;
	p = &st->p[idx - 1];
	snprintf(p->small, sizeof(p->small), "%lld", (long long)v);
	p->val = p->small;
	return 0;
}

static int p_bind_text(jg__stmt *st, int idx, const char *s)
{
	pg_param *p;
	size_t n;

	if (idx < 1 || idx > st->n)
		return JG_EINVAL;
	p = &st->p[idx - 1];
	if (!s) {
		p->val = NULL;
		return 0;
	}
	n = strlen(s) + 1;
	if (n > p->cap) {
		char *t = jg_realloc(p->heap, n);

		if (!t)
			return JG_ENOMEM;
		p->heap = t;
		p->cap = n;
	}
	memcpy(p->heap, s, n);
	p->val = p->heap;
	return 0;
}

static int p_bind_text_ref(jg__stmt *st, int idx, const char *s)
{
	if (idx < 1 || idx > st->n)
		return JG_EINVAL;
	st->p[idx - 1].val = s;
	return 0;
}

static int p_bind_null(jg__stmt *st, int idx)
{
	if (idx < 1 || idx > st->n)
		return JG_EINVAL;
	st->p[idx - 1].val = NULL;
	return 0;
}

static int run(jg__stmt *st, jg_err *err)
{
	jg__db *db = st->db;
	ExecStatusType rs;

	if (st->kind == K_BEGIN_WRITE || st->kind == K_BEGIN_READ)
		return begin(db, st->kind == K_BEGIN_WRITE ? SQL_BEGIN_WRITE : SQL_BEGIN_READ, err);
	if (!db->in_tx) {
		int rc = ensure(db, err);

		if (rc)
			return rc;
	}
	if (st->gen != db->gen) { /* a new session: prepare it there */
		PGresult *res = PQprepare(db->c, st->name, st->sql, 0, NULL);
		int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_fail(db, res, err, "prepare");

		PQclear(res);
		track(db);
		if (rc)
			return rc;
		st->gen = db->gen;
	}
	for (int i = 0; i < st->n; i++)
		st->vals[i] = st->p[i].val;
	st->res = PQexecPrepared(db->c, st->name, st->n, st->vals, NULL, NULL, 0);
	track(db);
	rs = PQresultStatus(st->res);
	if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK)
		return pg_fail(db, st->res, err, "step");
	st->rows = PQntuples(st->res);
	{
		const char *cmd = PQcmdStatus(st->res);

		if (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
		    strncmp(cmd, "DELETE", 6) == 0)
			db->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
		if (st->table > 0 && strncmp(cmd, "INSERT", 6) == 0)
			db->grown[st->table - 1] += db->changes;
	}
	if (st->commit)
		analyze_grown(db);
	if (st->returning_id) {
		if (st->rows > 0)
			db->last_id = strtoll(PQgetvalue(st->res, st->rows - 1, 0), NULL, 10);
		st->rows = 0;
	}
	return 0;
}

static int p_step(jg__stmt *st, jg_err *err)
{
	if (!st->ran) {
		int rc;

		st->ran = true;
		st->row = -1;
		rc = run(st, err);
		if (rc)
			return rc;
	}
	if (st->row + 1 < st->rows) {
		st->row++;
		return 1;
	}
	st->row = st->rows;
	return 0;
}

static int64_t p_col_i64(jg__stmt *st, int idx)
{
	const char *v;

	if (!st->res || st->row < 0 || st->row >= st->rows)
		return 0;
	v = PQgetvalue(st->res, st->row, idx);
	if (v[0] == 't' && v[1] == '\0')
		return 1;
	return strtoll(v, NULL, 10);
}

static const char *p_col_text(jg__stmt *st, int idx)
{
	if (!st->res || st->row < 0 || st->row >= st->rows)
		return "";
	return PQgetvalue(st->res, st->row, idx);
}

static bool p_col_null(jg__stmt *st, int idx)
{
	if (!st->res || st->row < 0 || st->row >= st->rows)
		return true;
	return PQgetisnull(st->res, st->row, idx);
}

static int64_t p_changes(jg__db *db)
{
	return db->changes;
}

static int64_t p_last_id(jg__db *db)
{
	return db->last_id;
}

/* jg_data_version's counter for the tenant, bumped by triggers whenever a listing's key or
 * a recipe changes (in any connection, this one's included: the store drops its copy on
 * its own such writes anyway). */
static int p_data_version(jg__db *db, int64_t *out, jg_err *err)
{
	PGresult *res = PQexec(db->c, "SELECT COALESCE((SELECT v FROM jg_data_version), 0)");
	int rc = 0;

	track(db);
	*out = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = pg_fail(db, res, err, "data_version");
	else
		*out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return rc;
}

/* LISTEN jaego in this session (again after a reconnection, reporting a change, since one
 * may have gone by unheard), then up to timeout_ms for a notification naming the tenant. */
static int p_watch(jg__db *db, int timeout_ms, bool *changed, jg_err *err)
{
	PGnotify *n;
	int rc;

	*changed = false;
	rc = ensure(db, err);
	if (rc)
		return rc;
	if (db->listen_gen != db->gen + 1) {
		rc = simple(db, "LISTEN jaego", err);
		if (rc)
			return rc;
		*changed = db->listen_gen != 0;
		db->listen_gen = db->gen + 1;
	}
	if (PQconsumeInput(db->c) == 0)
		goto lost;
	n = PQnotifies(db->c);
	if (!n) {
		struct pollfd p = {.fd = PQsocket(db->c), .events = POLLIN};

		if (poll(&p, 1, timeout_ms) > 0 && PQconsumeInput(db->c) == 0)
			goto lost;
		n = PQnotifies(db->c);
	}
	for (; n; n = PQnotifies(db->c)) {
		if (strcmp(n->extra, db->tenant) == 0)
			*changed = true;
		PQfreemem(n);
	}
	return 0;
lost:
	return jg_err_set(err, JG_EDB, "PostgreSQL: %.*s",
			  (int)strcspn(PQerrorMessage(db->c), "\n"), PQerrorMessage(db->c));
}

const jg__db_driver jg__db_pg = {
	.name = "postgres",
	.open = p_open,
	.close = p_close,
	.exec = p_exec,
	.prepare = p_prepare,
	.finalize = p_finalize,
	.reset = p_reset,
	.unbind = p_unbind,
	.params = p_params,
	.bind_i64 = p_bind_i64,
	.bind_text = p_bind_text,
	.bind_text_ref = p_bind_text_ref,
	.bind_null = p_bind_null,
	.step = p_step,
	.col_i64 = p_col_i64,
	.col_text = p_col_text,
	.col_null = p_col_null,
	.changes = p_changes,
	.last_id = p_last_id,
	.data_version = p_data_version,
	.versions_every_commit = false,
	.migrations = jg__pg_migrations,
	.migration_count = &jg__pg_migration_count,
	.migrate_begin = "BEGIN; SELECT pg_advisory_xact_lock(7340617231)",
	.schema_probe = "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'schema_version'"
			" AND schemaname = current_schema()",
	.tenant_seed = "INSERT INTO setting(key, value) VALUES ('priority_top', 1)"
		       " ON CONFLICT DO NOTHING;"
		       "INSERT INTO jg_data_version(v) VALUES (0) ON CONFLICT DO NOTHING",
	.tenant_probe = "SELECT COUNT(*) FROM setting WHERE key = 'priority_top'",
	.notify_sql = "SELECT pg_notify('jaego', current_setting('jaego.tenant'))",
	.watch = p_watch,
};
