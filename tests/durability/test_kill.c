/* SPDX-License-Identifier: MIT */
/*
 * Crash durability. A forked child opens the store on a file and runs a long stream of
 * operations (order lines added, cancelled, shipped, returned, stock received, each its own
 * transaction, plus multi-operation batches); before each one it writes its intent to a
 * pipe and after each commit returns it writes an acknowledgement. The parent SIGKILLs the
 * child at a random moment (after some acknowledgements, after some time, or just as a
 * batch starts), reopens the database (recovering its WAL) and verifies: every acknowledged
 * operation is there with its effect, the one operation in flight is there entirely or not
 * at all, nothing else is, each SKU's on hand and committed equal what the acknowledged
 * history says, and jg_store_check passes. The next round continues on the same file. A
 * second test kills real `jaego order add` processes and runs `jaego check`.
 * JG_KILL_SEED and JG_KILL_ROUNDS replay or resize the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

extern char **environ;

#define DEFAULT_SEED   0x6B696C6CULL /* "kill" */
#define DEFAULT_ROUNDS 30
#define CHILD_MAX_OPS  3000 /* a child that is never killed stops here */
#define N_SKU          3
#define N_LISTING      4
#define ID_MAX         48

static const char *const SKU[N_SKU] = {"A", "B", "C"};
static const char *const PRODUCT[N_LISTING] = {"P1", "P2", "P3", "P4"};
/* Units of each SKU in one unit of each listing; P4 is never mapped (lines stay unmatched). */
static const int64_t UNITS[N_LISTING][N_SKU] = {{1, 0, 0}, {0, 2, 0}, {1, 0, 1}, {0, 0, 0}};
#define INITIAL_STOCK 20

/* ---- random numbers ---------------------------------------------------------------------- */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rnext(rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int64_t rint64(rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnext(r) % (uint64_t)(hi - lo + 1));
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long x;

	if (!v || !*v)
		return def;
	x = strtoull(v, &end, 0);
	return *end ? def : (uint64_t)x;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_us(int64_t us)
{
	struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- what the child reports -------------------------------------------------------------- */

enum { R_INTENT = 1, R_ACK, R_ERROR };
enum { K_ADD = 1, K_SET, K_RECEIPT, K_BATCH };

/* One record, written with one write() of less than PIPE_BUF bytes: atomic. */
typedef struct rec {
	int32_t type, kind;
	int32_t line;    /* add, set: the line's index (its id is "k<index>"); batch: first */
	int32_t listing; /* add */
	int32_t status;  /* set: the target status */
	int32_t restock; /* set to returned: restock */
	int32_t n;       /* batch: lines added */
	int32_t sku;     /* receipt, batch receipt */
	int32_t cancel;  /* batch: an open line cancelled in it, -1 none */
	int32_t pad;
	int64_t qty;       /* add: line qty; receipt and batch: units received */
	char note[ID_MAX]; /* receipt, batch: the receipt's note */
	char msg[JG_ERR_MSG_MAX + 64];
} rec;

/* ---- the acknowledged history ------------------------------------------------------------ */

typedef struct kline {
	int listing;
	int64_t qty;
	jg_status st;
	bool restocked;
} kline;

typedef struct kreceipt {
	int sku;
	int64_t qty;
	char note[ID_MAX];
} kreceipt;

typedef struct kmodel {
	kline *line;
	int n_line, cap_line;
	kreceipt *rcpt;
	int n_rcpt, cap_rcpt;
} kmodel;

static void line_id(char *out, size_t n, int index)
{
	snprintf(out, n, "k%d", index);
}

/* Line index j of a batch starting at `first`: its listing and quantity. */
static int batch_listing(int index)
{
	return index % N_LISTING;
}

static int64_t batch_qty(int index)
{
	return 1 + index % 3;
}

static void km_add_line(kmodel *m, int index, int listing, int64_t qty)
{
	assert_int_equal(index, m->n_line);
	if (m->n_line == m->cap_line) {
		int cap = m->cap_line ? m->cap_line * 2 : 256;
		kline *t = jg_realloc(m->line, (size_t)cap * sizeof(*t));

		assert_non_null(t);
		m->line = t;
		m->cap_line = cap;
	}
	m->line[m->n_line++] = (kline){listing, qty, JG_STATUS_OPEN, false};
}

static void km_add_receipt(kmodel *m, int sku, int64_t qty, const char *note)
{
	if (m->n_rcpt == m->cap_rcpt) {
		int cap = m->cap_rcpt ? m->cap_rcpt * 2 : 256;
		kreceipt *t = jg_realloc(m->rcpt, (size_t)cap * sizeof(*t));

		assert_non_null(t);
		m->rcpt = t;
		m->cap_rcpt = cap;
	}
	m->rcpt[m->n_rcpt].sku = sku;
	m->rcpt[m->n_rcpt].qty = qty;
	snprintf(m->rcpt[m->n_rcpt].note, ID_MAX, "%s", note);
	m->n_rcpt++;
}

/* Applies an operation that committed. */
static void km_apply(kmodel *m, const rec *r)
{
	switch (r->kind) {
	case K_ADD: km_add_line(m, r->line, r->listing, r->qty); break;
	case K_SET:
		m->line[r->line].st = (jg_status)r->status;
		m->line[r->line].restocked = r->status == JG_STATUS_RETURNED && r->restock;
		break;
	case K_RECEIPT: km_add_receipt(m, r->sku, r->qty, r->note); break;
	case K_BATCH:
		for (int j = 0; j < r->n; j++)
			km_add_line(m, r->line + j, batch_listing(r->line + j),
				    batch_qty(r->line + j));
		if (r->qty)
			km_add_receipt(m, r->sku, r->qty, r->note);
		if (r->cancel >= 0)
			m->line[r->cancel].st = JG_STATUS_CANCELLED;
		break;
	}
}

static void km_free(kmodel *m)
{
	jg_free(m->line);
	jg_free(m->rcpt);
	memset(m, 0, sizeof(*m));
}

/* ---- the child --------------------------------------------------------------------------- */

static void child_send(int fd, const rec *r)
{
	const char *p = (const char *)r;
	size_t left = sizeof(*r);

	while (left) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(4);
		p += n;
		left -= (size_t)n;
	}
}

static void child_fail(int fd, const char *what, const jg_err *err)
{
	rec r;

	memset(&r, 0, sizeof(r));
	r.type = R_ERROR;
	snprintf(r.msg, sizeof(r.msg), "%s: %s", what, err->msg);
	child_send(fd, &r);
	_exit(3);
}

static int put_line(jg_store *s, int index, int listing, int64_t qty, jg_err *err)
{
	char id[ID_MAX];
	jg_order_in in = {0};
	jg_order_result res;
	int rc;

	line_id(id, sizeof(id), index);
	in.channel = "shop";
	in.line_id = id;
	in.product_id = PRODUCT[listing];
	in.qty = qty;
	in.status = JG_STATUS_OPEN;
	rc = jg_order_put(s, &in, &res, err);
	if (rc == 0 && res.outcome != JG_ORDER_NEW)
		rc = jg_err_set(err, JG_EEXISTS, "line %s was there already", id);
	return rc;
}

static int move_line(jg_store *s, int index, jg_status to, bool restock, jg_err *err)
{
	char id[ID_MAX];
	jg_transition_opts o = {NULL, NULL, restock, NULL};

	line_id(id, sizeof(id), index);
	return jg_order_transition(s, "shop", id, to, &o, NULL, err);
}

/* A random line in status `st`, or -1. */
static int pick_line(const kmodel *m, rng *r, jg_status st)
{
	int start;

	if (!m->n_line)
		return -1;
	start = (int)rint64(r, 0, m->n_line - 1);
	for (int i = 0; i < m->n_line; i++) {
		int j = (start + i) % m->n_line;

		if (m->line[j].st == st)
			return j;
	}
	return -1;
}

static int run_batch(jg_store *s, const rec *r, jg_err *err)
{
	int rc = jg_store_begin(s, err);

	for (int j = 0; rc == 0 && j < r->n; j++)
		rc = put_line(s, r->line + j, batch_listing(r->line + j), batch_qty(r->line + j),
			      err);
	if (rc == 0 && r->qty)
		rc = jg_stock_receive(s, SKU[r->sku], r->qty, r->note, err);
	if (rc == 0 && r->cancel >= 0)
		rc = move_line(s, r->cancel, JG_STATUS_CANCELLED, false, err);
	if (rc == 0)
		rc = jg_store_commit(s, err);
	else
		jg_store_rollback(s);
	return rc;
}

/* Runs operations until killed. `m` is the parent's verified history (a copy, by fork). */
static void child_main(int fd, const char *db, uint64_t seed, int round, kmodel *m)
{
	jg_store *s = NULL;
	jg_err err = {0};
	rng r = {seed};

	signal(SIGPIPE, SIG_IGN);
	if (jg_store_open(&s, db, &err) || jg_store_require_schema(s, &err))
		child_fail(fd, "open", &err);
	for (int i = 0; i < CHILD_MAX_OPS; i++) {
		int p = (int)rint64(&r, 0, 99), rc = 0;
		rec x;

		memset(&x, 0, sizeof(x));
		x.type = R_INTENT;
		x.cancel = -1;
		if (p >= 35 && p < 47 && (x.line = pick_line(m, &r, JG_STATUS_OPEN)) >= 0) {
			x.kind = K_SET;
			x.status = JG_STATUS_CANCELLED;
		} else if (p >= 47 && p < 62 && (x.line = pick_line(m, &r, JG_STATUS_OPEN)) >= 0) {
			x.kind = K_SET;
			x.status = JG_STATUS_SHIPPED;
		} else if (p >= 62 && p < 70 &&
			   (x.line = pick_line(m, &r, JG_STATUS_SHIPPED)) >= 0) {
			x.kind = K_SET;
			x.status = JG_STATUS_RETURNED;
			x.restock = (int32_t)rint64(&r, 0, 1);
		} else if (p >= 70 && p < 85) {
			x.kind = K_RECEIPT;
			x.sku = (int32_t)rint64(&r, 0, N_SKU - 1);
			x.qty = rint64(&r, 1, 10);
			snprintf(x.note, sizeof(x.note), "receipt %d-%d", round, i);
		} else if (p >= 85) {
			x.kind = K_BATCH;
			x.line = m->n_line;
			x.n = (int32_t)rint64(&r, 2, 6);
			x.sku = (int32_t)rint64(&r, 0, N_SKU - 1);
			x.qty = rint64(&r, 0, 5);
			snprintf(x.note, sizeof(x.note), "batch %d-%d", round, i);
			x.cancel = pick_line(m, &r, JG_STATUS_OPEN);
		} else {
			x.kind = K_ADD;
			x.line = m->n_line;
			x.listing = (int32_t)rint64(&r, 0, N_LISTING - 1);
			x.qty = rint64(&r, 1, 3);
		}
		child_send(fd, &x);
		switch (x.kind) {
		case K_ADD: rc = put_line(s, x.line, x.listing, x.qty, &err); break;
		case K_SET:
			rc = move_line(s, x.line, (jg_status)x.status, x.restock != 0, &err);
			break;
		case K_RECEIPT: rc = jg_stock_receive(s, SKU[x.sku], x.qty, x.note, &err); break;
		case K_BATCH: rc = run_batch(s, &x, &err); break;
		}
		if (rc)
			child_fail(fd, "operation", &err);
		/* Now and then dawdle before acknowledging, so that some kills land between a
		 * commit and its acknowledgement (committed, but not known to be). */
		if (rint64(&r, 0, 3) == 0)
			sleep_us(rint64(&r, 0, 3000));
		km_apply(m, &x);
		x.type = R_ACK;
		child_send(fd, &x);
	}
	jg_store_close(s);
	_exit(0);
}

/* ---- the parent: kill, recover, verify --------------------------------------------------- */

typedef struct dbline {
	char id[ID_MAX];
	jg_status st;
	bool matched;
} dbline;

typedef struct dblines {
	dbline *v;
	int n, cap;
} dblines;

static int on_dbline(const jg_order_info *o, void *payload)
{
	dblines *d = payload;

	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 256;
		dbline *t = jg_realloc(d->v, (size_t)cap * sizeof(*t));

		if (!t)
			return JG_ENOMEM;
		d->v = t;
		d->cap = cap;
	}
	snprintf(d->v[d->n].id, ID_MAX, "%s", o->line_id);
	d->v[d->n].st = o->status;
	d->v[d->n].matched = o->matched;
	d->n++;
	return 0;
}

typedef struct notes {
	char (*v)[ID_MAX];
	int n, cap;
} notes;

static int on_history(const jg_history_entry *e, void *payload)
{
	notes *ns = payload;

	if (strcmp(e->kind, "receipt") != 0)
		return 0;
	if (ns->n == ns->cap) {
		int cap = ns->cap ? ns->cap * 2 : 256;
		char(*t)[ID_MAX] = jg_realloc(ns->v, (size_t)cap * sizeof(*t));

		if (!t)
			return JG_ENOMEM;
		ns->v = t;
		ns->cap = cap;
	}
	snprintf(ns->v[ns->n], ID_MAX, "%s", e->reason);
	ns->n++;
	return 0;
}

static int note_count(const notes *ns, const char *note)
{
	int k = 0;

	for (int i = 0; i < ns->n; i++)
		k += strcmp(ns->v[i], note) == 0;
	return k;
}

typedef struct sku_state {
	int64_t on_hand[N_SKU], committed[N_SKU];
} sku_state;

static int on_sku(const jg_sku_info *k, void *payload)
{
	sku_state *st = payload;

	for (int i = 0; i < N_SKU; i++)
		if (strcmp(k->code, SKU[i]) == 0) {
			st->on_hand[i] = k->on_hand;
			st->committed[i] = k->committed;
		}
	return 0;
}

/*
 * Reopens the database after a kill and checks it against the acknowledged history plus,
 * at most, the one operation in flight (`pending`, may be NULL), which must be there
 * entirely or not at all. Applies `pending` to `m` when it committed.
 */
static void verify(const char *db, kmodel *m, const rec *pending, int round, uint64_t seed)
{
	jg_store *s = NULL;
	jg_err err = {0};
	jg_check_report rep;
	dblines d = {0};
	notes ns[N_SKU];
	sku_state got = {{0}, {0}}, want = {{0}, {0}};
	bool applied = false;
	int rc, n_rcpt = 0;

	memset(ns, 0, sizeof(ns));
	if (jg_store_open(&s, db, &err) || jg_store_require_schema(s, &err))
		fail_msg("round %d (seed %llu): reopening after the kill: %s", round,
			 (unsigned long long)seed, err.msg);
	rc = jg_store_check(s, &rep, NULL, NULL, &err);
	if (rc)
		fail_msg("round %d (seed %llu): check after the kill: %s", round,
			 (unsigned long long)seed, err.msg);
	assert_int_equal(jg_order_each(s, NULL, on_dbline, &d, &err), 0);
	for (int k = 0; k < N_SKU; k++)
		assert_int_equal(jg_stock_history(s, SKU[k], on_history, &ns[k], &err), 0);

	/* The operation in flight: all of it or none of it. */
	if (pending) {
		switch (pending->kind) {
		case K_ADD: applied = d.n == m->n_line + 1; break;
		case K_SET:
			applied = pending->line < d.n &&
				  d.v[pending->line].st == (jg_status)pending->status;
			break;
		case K_RECEIPT: applied = note_count(&ns[pending->sku], pending->note) > 0; break;
		case K_BATCH:
			applied = d.n > m->n_line;
			if (applied && d.n != m->n_line + pending->n)
				fail_msg("round %d (seed %llu): a batch of %d lines was half "
					 "applied: %d of them are there",
					 round, (unsigned long long)seed, pending->n,
					 d.n - m->n_line);
			if (pending->qty &&
			    applied != (note_count(&ns[pending->sku], pending->note) > 0))
				fail_msg("round %d (seed %llu): a batch's lines and its receipt "
					 "disagree (lines %s, receipt %s)",
					 round, (unsigned long long)seed,
					 applied ? "there" : "missing",
					 applied ? "missing" : "there");
			if (pending->cancel >= 0 && pending->cancel < d.n &&
			    applied != (d.v[pending->cancel].st == JG_STATUS_CANCELLED))
				fail_msg("round %d (seed %llu): a batch's lines and its cancel "
					 "disagree",
					 round, (unsigned long long)seed);
			break;
		}
		if (applied)
			km_apply(m, pending);
	}

	/* Every acknowledged line with its acknowledged status, and nothing else. */
	if (d.n != m->n_line)
		fail_msg("round %d (seed %llu): %d lines in the database, %d acknowledged%s", round,
			 (unsigned long long)seed, d.n, m->n_line,
			 pending ? " (one operation was in flight)" : "");
	for (int i = 0; i < d.n; i++) {
		char id[ID_MAX];

		line_id(id, sizeof(id), i);
		if (strcmp(d.v[i].id, id) != 0 || d.v[i].st != m->line[i].st)
			fail_msg("round %d (seed %llu): line #%d is %s %s, acknowledged %s %s",
				 round, (unsigned long long)seed, i, d.v[i].id,
				 jg_status_name(d.v[i].st), id, jg_status_name(m->line[i].st));
		if (d.v[i].matched != (m->line[i].listing != N_LISTING - 1))
			fail_msg("round %d: line %s matched %d", round, id, (int)d.v[i].matched);
	}
	/* Every acknowledged receipt exactly once, and no other. */
	for (int i = 0; i < m->n_rcpt; i++) {
		const kreceipt *k = &m->rcpt[i];

		if (note_count(&ns[k->sku], k->note) != 1)
			fail_msg("round %d (seed %llu): receipt \"%s\" of %s is there %d times",
				 round, (unsigned long long)seed, k->note, SKU[k->sku],
				 note_count(&ns[k->sku], k->note));
		want.on_hand[k->sku] += k->qty;
	}
	for (int k = 0; k < N_SKU; k++)
		n_rcpt += ns[k].n;
	if (n_rcpt != m->n_rcpt)
		fail_msg("round %d (seed %llu): %d receipts in the database, %d acknowledged",
			 round, (unsigned long long)seed, n_rcpt, m->n_rcpt);
	/* On hand and committed from the acknowledged history alone. */
	for (int i = 0; i < m->n_line; i++) {
		const kline *l = &m->line[i];

		for (int k = 0; k < N_SKU; k++) {
			int64_t u = l->qty * UNITS[l->listing][k];

			if (l->st == JG_STATUS_OPEN)
				want.committed[k] += u;
			else if (l->st == JG_STATUS_SHIPPED ||
				 (l->st == JG_STATUS_RETURNED && !l->restocked))
				want.on_hand[k] -= u;
		}
	}
	assert_int_equal(jg_sku_each(s, NULL, 0, on_sku, &got, &err), 0);
	for (int k = 0; k < N_SKU; k++)
		if (got.on_hand[k] != want.on_hand[k] || got.committed[k] != want.committed[k])
			fail_msg("round %d (seed %llu): SKU %s on hand %lld committed %lld, the "
				 "acknowledged history says %lld %lld",
				 round, (unsigned long long)seed, SKU[k], (long long)got.on_hand[k],
				 (long long)got.committed[k], (long long)want.on_hand[k],
				 (long long)want.committed[k]);
	jg_store_close(s);
	jg_free(d.v);
	for (int k = 0; k < N_SKU; k++)
		jg_free(ns[k].v);
}

static void setup_db(const char *db, kmodel *m)
{
	jg_store *s = NULL;
	jg_err err = {0};
	int rc = jg_store_open(&s, db, &err);

	if (rc == 0)
		rc = jg_store_migrate(s, NULL, &err);
	if (rc == 0)
		rc = jg_channel_add(s, "shop", NULL, &err);
	for (int k = 0; rc == 0 && k < N_SKU; k++) {
		char note[ID_MAX];

		snprintf(note, sizeof(note), "initial %s", SKU[k]);
		rc = jg_sku_add(s, SKU[k], NULL, 0, &err);
		if (rc == 0)
			rc = jg_stock_receive(s, SKU[k], INITIAL_STOCK, note, &err);
		if (rc == 0 && m)
			km_add_receipt(m, k, INITIAL_STOCK, note);
	}
	for (int l = 0; rc == 0 && l < N_LISTING - 1; l++) {
		jg_recipe_item items[N_SKU];
		size_t n = 0;

		memset(items, 0, sizeof(items));
		for (int k = 0; k < N_SKU; k++)
			if (UNITS[l][k]) {
				snprintf(items[n].sku, sizeof(items[n].sku), "%s", SKU[k]);
				items[n++].qty = UNITS[l][k];
			}
		rc = jg_listing_map(s, "shop", PRODUCT[l], NULL, items, n, NULL, &err);
	}
	if (rc)
		fail_msg("setup: %s", err.msg);
	jg_store_close(s);
}

static bool same_op(const rec *a, const rec *b)
{
	return a->kind == b->kind && a->line == b->line && a->n == b->n && a->sku == b->sku &&
	       a->qty == b->qty && a->status == b->status && strcmp(a->note, b->note) == 0;
}

/* Reads one record; 1 read, 0 end of stream, -1 nothing within `timeout_ms`. */
static int read_rec(int fd, rec *r, int timeout_ms)
{
	char *p = (char *)r;
	size_t got = 0;

	while (got < sizeof(*r)) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t n;
		int prc = poll(&pfd, 1, got ? -1 : timeout_ms);

		if (prc < 0 && errno == EINTR)
			continue;
		if (prc == 0)
			return -1;
		n = read(fd, p + got, sizeof(*r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (got)
				fail_msg("a torn record from the child (%zu bytes)", got);
			return 0;
		}
		got += (size_t)n;
	}
	return 1;
}

typedef struct round_stats {
	int acks, in_flight_applied, in_flight_lost, finished, wal_left;
} round_stats;

/* True when the killed writer left a WAL with frames in it for recovery to read. */
static bool wal_left(const char *db)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s-wal", db);
	return stat(path, &st) == 0 && st.st_size > 0;
}

static void test_kill_library(void **state)
{
	uint64_t seed = env_u64("JG_KILL_SEED", DEFAULT_SEED);
	int rounds = (int)env_u64("JG_KILL_ROUNDS", DEFAULT_ROUNDS);
	char *dir = t_tmpdir(), *db = t_path(dir, "kill.db");
	kmodel m = {0};
	rng r = {seed};
	round_stats total = {0, 0, 0, 0, 0};

	(void)state;
	setup_db(db, &m);
	verify(db, &m, NULL, 0, seed);
	for (int round = 1; round <= rounds; round++) {
		int fds[2], status, mode = round % 3, got;
		int64_t start, kill_after_acks = rint64(&r, 0, 250),
			       kill_at_us = rint64(&r, 0, 400000);
		int64_t extra_us = rint64(&r, 0, 1500);
		uint64_t child_seed = rnext(&r);
		bool killed = false, pending_set = false;
		rec x, pending, error;
		int acks = 0;
		pid_t pid;

		memset(&error, 0, sizeof(error));
		assert_int_equal(pipe(fds), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child_main(fds[1], db, child_seed, round, &m);
		}
		close(fds[1]);
		start = now_us();
		/*
		 * Kill plans: 0 after some acknowledgements plus a little, 1 after some time
		 * (possibly while the child is still opening the database), 2 just as a batch
		 * begins.
		 */
		while ((got = read_rec(fds[0], &x, killed ? -1 : 1)) != 0) {
			if (got < 0) {
				if (mode == 1 && now_us() - start >= kill_at_us) {
					kill(pid, SIGKILL);
					killed = true;
				}
				continue;
			}
			if (x.type == R_ERROR) {
				error = x;
				continue;
			}
			if (x.type == R_INTENT) {
				if (pending_set)
					fail_msg("round %d: two operations in flight", round);
				pending = x;
				pending_set = true;
			} else {
				if (!pending_set || !same_op(&pending, &x))
					fail_msg("round %d: an acknowledgement for an operation "
						 "not begun",
						 round);
				km_apply(&m, &x);
				pending_set = false;
				acks++;
			}
			if (killed)
				continue;
			if ((mode == 0 && acks >= kill_after_acks) ||
			    (mode == 1 && now_us() - start >= kill_at_us) ||
			    (mode == 2 && acks >= kill_after_acks / 4 && x.type == R_INTENT &&
			     x.kind == K_BATCH) ||
			    (mode == 2 && acks >= kill_after_acks + 200)) {
				sleep_us(mode == 2 ? extra_us / 4 : extra_us);
				kill(pid, SIGKILL);
				killed = true;
			}
		}
		close(fds[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (error.type == R_ERROR)
			fail_msg("round %d (seed %llu): the child failed: %s", round,
				 (unsigned long long)seed, error.msg);
		if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) &&
		    !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			fail_msg("round %d: the child ended with status %d", round, status);
		total.finished += WIFEXITED(status);
		total.acks += acks;
		total.wal_left += wal_left(db);
		{
			int before = m.n_line + m.n_rcpt;
			jg_status was = pending_set && pending.kind == K_SET
						? m.line[pending.line].st
						: JG_STATUS_OPEN;

			verify(db, &m, pending_set ? &pending : NULL, round, seed);
			if (pending_set) {
				bool applied =
					m.n_line + m.n_rcpt != before ||
					(pending.kind == K_SET && m.line[pending.line].st != was);

				total.in_flight_applied += applied;
				total.in_flight_lost += !applied;
			}
		}
	}
	printf("kill: %d rounds, %d acknowledged operations, %d lines, %d receipts; in flight at "
	       "the kill: %d committed, %d not; %d kills left a WAL to recover; %d children ran "
	       "to the end\n",
	       rounds, total.acks, m.n_line, m.n_rcpt, total.in_flight_applied,
	       total.in_flight_lost, total.wal_left, total.finished);
	km_free(&m);
	t_rmdir(dir);
	jg_free(db);
	jg_free(dir);
}

/* ---- the real binary --------------------------------------------------------------------- */

static pid_t spawn_jaego(const char *db, const char *line)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	char *argv[] = {(char *)JG_TEST_JAEGO, (char *)"--db",  (char *)db,   (char *)"order",
			(char *)"add",         (char *)"shop",  (char *)line, (char *)"--product",
			(char *)"P1",          (char *)"--qty", (char *)"1",  NULL};

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		fail_msg("spawn %s failed", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

#define CLI_ROUNDS 5
#define CLI_PROCS  6

static void test_kill_cli(void **state)
{
	uint64_t seed = env_u64("JG_KILL_SEED", DEFAULT_SEED);
	char *dir = t_tmpdir(), *db = t_path(dir, "kill-cli.db");
	rng r = {seed ^ 0xC11};
	bool done[CLI_ROUNDS][CLI_PROCS];
	int completed = 0, killed = 0;
	t_run run;

	(void)state;
	setup_db(db, NULL);
	for (int round = 0; round < CLI_ROUNDS; round++) {
		pid_t pid[CLI_PROCS];
		int64_t at[CLI_PROCS], start, solo_us;
		char ids[CLI_PROCS][ID_MAX];
		int st;

		for (int i = 0; i < CLI_PROCS; i++)
			snprintf(ids[i], ID_MAX, "cli-%d-%d", round, i);
		/* The first command runs alone, unkilled: it must succeed, and its duration
		 * sets the kill window of the others (so that some finish whatever the load). */
		start = now_us();
		pid[0] = spawn_jaego(db, ids[0]);
		while (waitpid(pid[0], &st, 0) < 0 && errno == EINTR)
			;
		solo_us = now_us() - start;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("jaego order add %s ended with status %d", ids[0], st);
		at[0] = -1;
		for (int i = 1; i < CLI_PROCS; i++)
			at[i] = rint64(&r, 0, 4 * solo_us);
		start = now_us();
		for (int i = 1; i < CLI_PROCS; i++)
			pid[i] = spawn_jaego(db, ids[i]);
		for (int left = CLI_PROCS - 1; left > 0; left--) {
			int next = -1;

			for (int i = 0; i < CLI_PROCS; i++)
				if (at[i] >= 0 && (next < 0 || at[i] < at[next]))
					next = i;
			sleep_us(start + at[next] - now_us() > 0 ? start + at[next] - now_us() : 0);
			kill(pid[next], SIGKILL); /* not reaped yet: the pid is still ours */
			at[next] = -1;
		}
		done[round][0] = true;
		completed++;
		for (int i = 1; i < CLI_PROCS; i++) {
			while (waitpid(pid[i], &st, 0) < 0 && errno == EINTR)
				;
			done[round][i] = WIFEXITED(st) && WEXITSTATUS(st) == 0;
			if (!done[round][i] && !(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
				fail_msg("jaego order add %s ended with status %d", ids[i], st);
			completed += done[round][i];
			killed += !done[round][i];
		}
		t_check(db);
	}
	/* Every command that finished left its line; a killed one left all of it or nothing. */
	t_jaego(&run, db, NULL, "--json", "order", "list", (const char *)NULL);
	T_OK(&run);
	assert_non_null(run.json);
	{
		json_t *orders = json_object_get(run.json, "orders");
		size_t n = json_array_size(orders), ours = 0;

		for (int round = 0; round < CLI_ROUNDS; round++)
			for (int i = 0; i < CLI_PROCS; i++) {
				char id[ID_MAX];
				bool found = false;

				snprintf(id, sizeof(id), "cli-%d-%d", round, i);
				for (size_t k = 0; k < n; k++) {
					json_t *o = json_array_get(orders, k);

					if (strcmp(t_jstr(o, "line_id"), id) == 0) {
						found = true;
						ours++;
						assert_string_equal(t_jstr(o, "status"), "open");
						assert_int_equal(t_jint(o, "qty"), 1);
					}
				}
				if (done[round][i] && !found)
					fail_msg("jaego order add %s exited 0 but its line is gone",
						 id);
			}
		if (ours != n)
			fail_msg("%zu lines in the database, only %zu from our commands", n, ours);
	}
	t_run_free(&run);
	printf("kill (CLI): %d commands finished, %d killed\n", completed, killed);
	t_rmdir(dir);
	jg_free(db);
	jg_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_library),
		cmocka_unit_test(test_kill_cli),
	};
	struct stat st;

	/* A process kill (not power loss) is what is simulated: tmpfs keeps it fast. */
	if ((!getenv("TMPDIR") || !*getenv("TMPDIR")) && stat("/dev/shm", &st) == 0 &&
	    S_ISDIR(st.st_mode))
		setenv("TMPDIR", "/dev/shm", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
