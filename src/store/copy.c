/* SPDX-License-Identifier: MIT */
/*
 * `jaego db copy`: moves a seller's data from one store to another (SQLite or PostgreSQL,
 * either way, through the driver seam only), keeping every id, and proves the copy.
 *
 * Invariants:
 *   - the source is read in one read transaction (a snapshot) and never written;
 *   - the target is migrated first, must hold none of the seller's data, and receives
 *     everything in ONE transaction, in foreign-key order; nothing is committed unless
 *     every table's row count and content digest read back from the target equal the
 *     source's and jg_store_check() passes on the target inside that transaction;
 *   - ids are kept, so every reference (line -> listing, item -> SKU, ...) stays true; on
 *     PostgreSQL the id sequences are then moved past the copied ids.
 * What is copied: every table of the schema except schema_version (the target's own
 * migrations write it) and app_session (a login belongs to one server; users sign in
 * again). Users and API tokens are copied with their hashes: they are the seller's.
 *
 * The table list below is the schema as of its last migration; a run refuses a database
 * whose tables have columns the list does not know, so a later migration that forgets to
 * extend the list fails loudly instead of dropping data.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

/* One table: its columns (as written in SELECT and INSERT) and their types, one letter a
 * column: 'i' integer, 't' text. `id` says it has an `id` column with a sequence. */
static const struct copy_table {
	const char *name;
	const char *cols;
	const char *types;
	bool id;
} TABLES[] = {
	{"setting", "key, value", "ti", false},
	{"sku", "id, code, name, safety, low_stock, on_hand, committed, created_at", "ittiiiii",
	 true},
	{"movement", "id, sku_id, kind, delta, reason, source, at", "iiiitti", true},
	{"channel",
	 "id, name, profile, buffer, percent, max_qty, end_when, priority, paused,"
	 " last_import_at, last_told_at, created_at",
	 "ittiiiiiiiii", true},
	{"listing",
	 "id, channel_id, product_id, option_text, option_key, plain_sku_id, listed, why,"
	 " limit_sku_id, last_told, told_at, updated_at",
	 "iitttiiiiiii", true},
	{"recipe_item", "listing_id, pos, sku_id, qty", "iiii", false},
	{"import_file",
	 "id, channel_id, file_name, format, profile, rows, new_lines, duplicates,"
	 " status_changes, refused, rejected, at",
	 "iitttiiiiiii", true},
	{"order_line",
	 "id, channel_id, line_id, order_no, product_id, option_text, option_key, qty, status,"
	 " channel_status, listing_id, oversold_by, restocked, courier, tracking, ordered_at,"
	 " created_at, updated_at, product_name, sku_code, price, buyer_name, buyer_phone,"
	 " recipient_name, recipient_phone, postal_code, address, message, import_id",
	 "iitttttiitiiittiiittittttttti", true},
	{"line_item", "line_pk, sku_id, per_unit, units, open, short", "iiiiii", false},
	{"profile", "name, json, added_at", "tti", false},
	{"app_user", "id, name, role, password_hash, created_at", "ititi", true},
	{"api_token", "id, name, role, digest, created_at", "ititi", true},
	{"audit", "id, at, who, method, path, request_id, status", "iitttti", true},
};
#define N_TABLES (sizeof(TABLES) / sizeof(TABLES[0]))
_Static_assert(N_TABLES <= JG_COPY_TABLES_MAX, "jg_copy_report holds every table");

/* Tables that must be empty in the target besides the copied ones (setting is not: a
 * migrated store has its defaults there, which the copy replaces). */
static const char *const NOT_COPIED[] = {"app_session"};

#define SQL_MAX 4096
#define BATCH_PARAMS 900          /* under SQLite's old limit of 999 parameters */
#define BATCH_ROWS_MAX 64
#define TEXT_HELD_MAX (64u << 20) /* text of one batch of rows */
#define ROW_MAX (16u << 20)       /* one row's bytes, for its digest */

/* A column value held until its batch is written. */
typedef struct held {
	bool null;
	int64_t i;
	size_t off; /* text: offset in the batch's text buffer */
} held;

typedef struct digest {
	uint64_t sum[4]; /* sum of the rows' SHA-256, four 64-bit lanes, mod 2^64 */
	int64_t rows;
} digest;

static size_t ncols(const struct copy_table *t)
{
	return strlen(t->types);
}

static int64_t ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Runs `sql` (no parameters) on the store's connection and reads column 0 of its first
 * row as an integer (0 when there is no row). */
static int one_i64(jg_store *s, const char *sql, int64_t *out, jg_err *err)
{
	jg__stmt *st = NULL;
	int rc = s->drv->prepare(s->db, &st, sql, err);

	*out = 0;
	if (rc)
		return rc;
	rc = s->drv->step(st, err);
	if (rc == 1) {
		*out = s->drv->col_i64(st, 0);
		rc = 0;
	}
	s->drv->finalize(st);
	return rc;
}

static bool is_sqlite(const jg_store *s)
{
	return strcmp(s->drv->name, "sqlite") == 0;
}

/* Refuses a database whose table has a column count other than the list's: a migration
 * added a column this code would not copy. */
static int check_columns(jg_store *s, const char *which, const struct copy_table *t,
			 jg_err *err)
{
	char sql[SQL_MAX];
	int64_t have = 0;
	int rc;

	if (is_sqlite(s))
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM pragma_table_info('%s')", t->name);
	else
		snprintf(sql, sizeof(sql),
			 "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema ="
			 " current_schema() AND table_name = '%s' AND column_name <> 'tenant'",
			 t->name);
	rc = one_i64(s, sql, &have, err);
	if (rc == 0 && have != (int64_t)ncols(t))
		rc = jg_err_set(err, JG_EINVAL,
				"the %s table %s has %lld columns, the copy knows %zu: this jaego"
				" cannot copy it",
				which, t->name, (long long)have, ncols(t));
	return rc;
}

/* ---- digests ------------------------------------------------------------------------------- */

static int put_u64(jg_buf *b, uint64_t v)
{
	unsigned char x[8];

	for (int k = 0; k < 8; k++)
		x[k] = (unsigned char)(v >> (8 * k));
	return jg_buf_append(b, x, sizeof(x));
}

/* Adds the current row of `st` to `d`: SHA-256 over each value (type, then the integer or
 * the text with its length), added lane-wise so that the digest does not depend on the
 * order rows come in (SQLite and PostgreSQL need not return them alike). */
static int digest_row(jg_store *s, jg__stmt *st, const struct copy_table *t, jg_buf *row,
		      digest *d, jg_err *err)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	int rc = 0;

	jg_buf_reset(row);
	for (size_t c = 0; c < ncols(t) && rc == 0; c++) {
		if (s->drv->col_null(st, (int)c)) {
			rc = jg_buf_append(row, "N", 1);
		} else if (t->types[c] == 'i') {
			rc = jg_buf_append(row, "I", 1);
			if (rc == 0)
				rc = put_u64(row, (uint64_t)s->drv->col_i64(st, (int)c));
		} else {
			const char *v = s->drv->col_text(st, (int)c);
			size_t n = strlen(v);

			rc = jg_buf_append(row, "T", 1);
			if (rc == 0)
				rc = put_u64(row, n);
			if (rc == 0)
				rc = jg_buf_append(row, v, n);
		}
	}
	if (rc)
		return jg_err_set(err, rc, "a row of %s is larger than %u bytes", t->name, ROW_MAX);
	SHA256((const unsigned char *)row->p, row->len, md);
	for (int k = 0; k < 4; k++) {
		uint64_t lane = 0;

		for (int j = 0; j < 8; j++)
			lane |= (uint64_t)md[8 * k + j] << (8 * j);
		d->sum[k] += lane;
	}
	d->rows++;
	return 0;
}

static void digest_hex(char out[JG_COPY_DIGEST_TEXT], const digest *d)
{
	for (int k = 0; k < 4; k++)
		snprintf(out + 16 * k, 17, "%016llx", (unsigned long long)d->sum[k]);
}

/* Reads every row of `t` in store `s` into `d`. */
static int digest_table(jg_store *s, const struct copy_table *t, jg_buf *row, digest *d,
			jg_err *err)
{
	char sql[SQL_MAX];
	jg__stmt *st = NULL;
	int rc;

	memset(d, 0, sizeof(*d));
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s", t->cols, t->name);
	rc = s->drv->prepare(s->db, &st, sql, err);
	while (rc == 0 && (rc = s->drv->step(st, err)) == 1)
		rc = digest_row(s, st, t, row, d, err);
	s->drv->finalize(st);
	return rc;
}

/* ---- copying one table ------------------------------------------------------------------- */

typedef struct batch {
	const struct copy_table *t;
	jg__stmt *many, *one; /* INSERT of `rows` rows, of one row */
	size_t rows, n;       /* rows a full batch holds, rows held */
	held *v;              /* rows * ncols values */
	jg_buf text;
} batch;

static int insert_sql(char *out, size_t outsz, const struct copy_table *t, size_t rows)
{
	size_t len, nc = ncols(t);
	int w = snprintf(out, outsz, "INSERT INTO %s(%s) VALUES ", t->name, t->cols);

	if (w < 0 || (size_t)w >= outsz)
		return JG_ELIMIT;
	len = (size_t)w;
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < nc; c++) {
			const char *piece = c == 0 ? (r ? ",(?" : "(?") : ",?";

			w = snprintf(out + len, outsz - len, "%s", piece);
			if (w < 0 || (size_t)w >= outsz - len)
				return JG_ELIMIT;
			len += (size_t)w;
		}
		if (len + 2 > outsz)
			return JG_ELIMIT;
		out[len++] = ')';
		out[len] = '\0';
	}
	return 0;
}

static int batch_open(batch *b, jg_store *to, const struct copy_table *t, jg_err *err)
{
	char *sql = NULL;
	size_t nc = ncols(t), sqlsz = 1024 + BATCH_PARAMS * 4;
	int rc = 0;

	memset(b, 0, sizeof(*b));
	b->t = t;
	b->rows = BATCH_PARAMS / nc;
	if (b->rows > BATCH_ROWS_MAX)
		b->rows = BATCH_ROWS_MAX;
	jg_buf_init(&b->text, TEXT_HELD_MAX);
	b->v = jg_calloc(b->rows * nc, sizeof(*b->v));
	sql = jg_malloc(sqlsz);
	if (!b->v || !sql) {
		rc = jg_err_set(err, JG_ENOMEM, "out of memory copying %s", t->name);
		goto out;
	}
	rc = insert_sql(sql, sqlsz, t, b->rows);
	if (rc == 0)
		rc = to->drv->prepare(to->db, &b->many, sql, err);
	if (rc == 0)
		rc = insert_sql(sql, sqlsz, t, 1);
	if (rc == 0)
		rc = to->drv->prepare(to->db, &b->one, sql, err);
	if (rc == JG_ELIMIT)
		rc = jg_err_set(err, rc, "the INSERT for %s is too long", t->name);
out:
	jg_free(sql);
	return rc;
}

static void batch_close(jg_store *to, batch *b)
{
	if (b->many)
		to->drv->finalize(b->many);
	if (b->one)
		to->drv->finalize(b->one);
	jg_free(b->v);
	jg_buf_free(&b->text);
}

/* Binds row `r` of the held values to `st` starting at parameter `first`. */
static int bind_row(jg_store *to, batch *b, jg__stmt *st, size_t r, int first)
{
	size_t nc = ncols(b->t);
	int rc = 0;

	for (size_t c = 0; c < nc && rc == 0; c++) {
		const held *h = &b->v[r * nc + c];
		int idx = first + (int)c;

		if (h->null)
			rc = to->drv->bind_null(st, idx);
		else if (b->t->types[c] == 'i')
			rc = to->drv->bind_i64(st, idx, h->i);
		else
			rc = to->drv->bind_text_ref(st, idx, b->text.p + h->off);
	}
	return rc;
}

/* Writes the held rows: a full batch with one statement, fewer one at a time. */
static int batch_flush(jg_store *to, batch *b, jg_err *err)
{
	size_t nc = ncols(b->t);
	int rc = 0;

	if (b->n == b->rows) {
		for (size_t r = 0; r < b->n && rc == 0; r++)
			rc = bind_row(to, b, b->many, r, 1 + (int)(r * nc));
		if (rc == 0)
			rc = to->drv->step(b->many, err);
		to->drv->reset(b->many);
	} else {
		for (size_t r = 0; r < b->n && rc == 0; r++) {
			rc = bind_row(to, b, b->one, r, 1);
			if (rc == 0)
				rc = to->drv->step(b->one, err);
			to->drv->reset(b->one);
		}
	}
	if (rc > 0)
		rc = 0;
	if (rc)
		rc = jg_err_set(err, rc, "writing %s into the target failed", b->t->name);
	b->n = 0;
	jg_buf_reset(&b->text);
	return rc;
}

/* Holds the current source row; writes the batch when it is full. */
static int batch_add(jg_store *from, jg__stmt *st, jg_store *to, batch *b, jg_err *err)
{
	size_t nc = ncols(b->t);
	int rc = 0;

	for (size_t c = 0; c < nc && rc == 0; c++) {
		held *h = &b->v[b->n * nc + c];

		h->null = from->drv->col_null(st, (int)c);
		if (h->null)
			continue;
		if (b->t->types[c] == 'i') {
			h->i = from->drv->col_i64(st, (int)c);
		} else {
			const char *v = from->drv->col_text(st, (int)c);

			h->off = b->text.len;
			rc = jg_buf_append(&b->text, v, strlen(v) + 1);
			if (rc)
				return jg_err_set(err, rc, "a batch of %s is larger than %u bytes",
						  b->t->name, TEXT_HELD_MAX);
		}
	}
	b->n++;
	return b->n == b->rows ? batch_flush(to, b, err) : 0;
}

static int copy_table(jg_store *from, jg_store *to, const struct copy_table *t, jg_buf *row,
		      digest *d, jg_err *err)
{
	char sql[SQL_MAX];
	jg__stmt *st = NULL;
	batch b;
	int rc = batch_open(&b, to, t, err);

	memset(d, 0, sizeof(*d));
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s", t->cols, t->name);
	if (rc == 0)
		rc = from->drv->prepare(from->db, &st, sql, err);
	while (rc == 0 && (rc = from->drv->step(st, err)) == 1) {
		rc = digest_row(from, st, t, row, d, err);
		if (rc == 0)
			rc = batch_add(from, st, to, &b, err);
	}
	if (rc == 0 && b.n)
		rc = batch_flush(to, &b, err);
	if (st)
		from->drv->finalize(st);
	batch_close(to, &b);
	return rc;
}

/* PostgreSQL hands out ids from sequences, which an INSERT with explicit ids does not
 * move: set each past the largest id now in its table (never backwards: other tenants may
 * share it). SQLite takes max(rowid) + 1 by itself. */
static int advance_ids(jg_store *to, const struct copy_table *t, jg_err *err)
{
	char sql[SQL_MAX];
	int64_t ignored;

	if (is_sqlite(to) || !t->id)
		return 0;
	snprintf(sql, sizeof(sql),
		 "SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST("
		 "(SELECT COALESCE(MAX(id), 0) FROM %s),"
		 " COALESCE(pg_sequence_last_value(pg_get_serial_sequence('%s', 'id')::regclass), 0),"
		 " 1))",
		 t->name, t->name, t->name);
	return one_i64(to, sql, &ignored, err);
}

/* ---- the copy ------------------------------------------------------------------------------- */

static int require_empty(jg_store *to, jg_err *err)
{
	char sql[SQL_MAX];
	int64_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < N_TABLES + 1 && rc == 0; i++) {
		const char *name = i < N_TABLES ? TABLES[i].name : NOT_COPIED[0];

		if (strcmp(name, "setting") == 0)
			continue;
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", name);
		rc = one_i64(to, sql, &n, err);
		if (rc == 0 && n)
			rc = jg_err_set(err, JG_EEXISTS,
					"the target already holds data (%lld rows in %s): copy only"
					" into a new database or an unused tenant",
					(long long)n, name);
	}
	return rc;
}

int jg_store_copy(jg_store *from, jg_store *to, jg_copy_report *out, jg_err *err)
{
	jg_copy_report r;
	jg_buf row;
	struct timespec t0;
	bool src_tx = false;
	int64_t version = 0;
	int rc;

	JG__ERR_GUARD(err);
	memset(&r, 0, sizeof(r));
	jg_buf_init(&row, ROW_MAX);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (from->in_tx || to->in_tx) {
		rc = jg_err_set(err, JG_EINVAL, "a batch is open on the source or the target");
		goto out;
	}
	rc = jg_store_require_schema(from, err);
	if (rc) {
		char why[JG_ERR_MSG_MAX];

		snprintf(why, sizeof(why), "%s", err->msg);
		jg_err_clear(err);
		rc = jg_err_set(err, rc, "the source: %s", why);
		goto out;
	}
	rc = jg_store_migrate(to, NULL, err);
	if (rc == 0)
		rc = jg_store_require_schema(to, err);
	if (rc == 0)
		rc = one_i64(from, "SELECT COALESCE(MAX(version), 0) FROM schema_version", &version,
			     err);
	for (size_t i = 0; rc == 0 && i < N_TABLES; i++) {
		rc = check_columns(from, "source", &TABLES[i], err);
		if (rc == 0)
			rc = check_columns(to, "target", &TABLES[i], err);
	}
	if (rc)
		goto out;
	r.schema_version = (int)version;

	/* The source: one snapshot for reading, checked first, so that a source with drift
	 * is reported as such and not as a failed copy. */
	rc = from->drv->exec(from->db,
			     is_sqlite(from) ? "BEGIN"
					     : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
			     err);
	if (rc)
		goto out;
	src_tx = true;
	from->in_tx = true; /* so that jg_store_check runs inside this snapshot */
	rc = jg_store_check(from, NULL, NULL, NULL, err);
	from->in_tx = false;
	if (rc == JG_EDRIFT) {
		char first[JG_ERR_MSG_MAX];

		snprintf(first, sizeof(first), "%s", err->msg);
		jg_err_clear(err);
		rc = jg_err_set(err, JG_EDRIFT,
				"the source fails `jaego check` (%s): repair it before copying",
				first);
	}
	if (rc)
		goto out;

	/* The target: one transaction for everything. */
	rc = jg_store_begin(to, err);
	if (rc == 0)
		rc = require_empty(to, err);
	if (rc == 0)
		rc = to->drv->exec(to->db, "DELETE FROM setting", err);
	for (size_t i = 0; rc == 0 && i < N_TABLES; i++) {
		digest d;

		rc = copy_table(from, to, &TABLES[i], &row, &d, err);
		if (rc == 0)
			rc = advance_ids(to, &TABLES[i], err);
		r.tables[i].name = TABLES[i].name;
		r.tables[i].rows = d.rows;
		digest_hex(r.tables[i].digest, &d);
		r.rows += d.rows;
	}
	r.n_tables = N_TABLES;
	/* PostgreSQL plans by statistics that know nothing of rows this transaction wrote: a
	 * fresh tenant looks empty, and the check below would take nested loops over scans
	 * (minutes for 100,000 lines instead of a second). ANALYZE counts our own rows. */
	for (size_t i = 0; rc == 0 && !is_sqlite(to) && i < N_TABLES; i++) {
		char sql[SQL_MAX];

		snprintf(sql, sizeof(sql), "ANALYZE %s", TABLES[i].name);
		rc = to->drv->exec(to->db, sql, err);
	}
	r.copy_ms = ms_since(&t0);

	/* Proof, before anything is committed: read every table back from the target. */
	for (size_t i = 0; rc == 0 && i < N_TABLES; i++) {
		char hex[JG_COPY_DIGEST_TEXT];
		digest d;

		rc = digest_table(to, &TABLES[i], &row, &d, err);
		digest_hex(hex, &d);
		if (rc == 0 && (d.rows != r.tables[i].rows || strcmp(hex, r.tables[i].digest) != 0))
			rc = jg_err_set(err, JG_EDRIFT,
					"table %s differs after the copy: %lld rows, digest %.16s"
					" in the source; %lld rows, digest %.16s in the target",
					TABLES[i].name, (long long)r.tables[i].rows,
					r.tables[i].digest, (long long)d.rows, hex);
	}
	if (rc == 0)
		rc = jg_store_check(to, &r.check, NULL, NULL, err);
	if (rc == 0)
		rc = jg_store_commit(to, err);
	r.total_ms = ms_since(&t0);
out:
	if (to->in_tx)
		jg_store_rollback(to);
	if (src_tx)
		from->drv->exec(from->db, "ROLLBACK", NULL);
	jg_buf_free(&row);
	if (rc == 0 && out)
		*out = r;
	return rc;
}
