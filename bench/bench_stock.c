/* SPDX-License-Identifier: MIT */
/*
 * The stock-engine benchmark. It builds a shop through the library API (by default 10,000
 * SKUs, 10 channels, 100,000 listings of which a tenth are bundles of 2-3 SKUs) in a
 * database file on disk, then measures: one durable batch of 100,000 order lines
 * (jg_store_begin, jg_order_put for each, jg_store_commit), run --repeats times on fresh
 * copies of the same database, median reported; how many listings one single-order
 * transaction recomputes, against the count the reverse index predicts; and a full
 * recompute (jg_listing_recompute_all). The same work is done as plain SQL in the sqlite3
 * shell on copies of the same database file, in the same run: the batch as per-line
 * statements (baseline 1) and as set-based statements (baseline 2), the recompute as one
 * GROUP BY/MIN query; both batch baselines must reach the same committed and listed figures
 * as jaego and the recompute query must agree with every stored quantity, or the run
 * fails. Wall and CPU time are printed for each, with the ratios, in one table. Inputs are
 * deterministic (fixed seed); scratch files go to --dir and are removed unless --keep.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jaego/jaego.h"

extern char **environ;

#define MAX_COMP 3
#define PATH_MAX_BYTES 1024
#define CHANNEL_STATUS "결제완료"

typedef struct config {
	int64_t skus, channels, listings, orders, singles, recomputes, repeats;
	const char *dir;
	const char *sqlite3;
	bool baseline;
	bool keep;
} config;

/* One listing of the generated shop: channel, index within the channel, its recipe. */
typedef struct listing {
	int32_t channel, k;
	int32_t n;
	int32_t sku[MAX_COMP];
	int32_t qty[MAX_COMP];
} listing;

/* One generated order line: which listing, how many, which spelling of the option. */
typedef struct order {
	int32_t listing;
	int32_t qty;
	bool compact;
} order;

typedef struct shop {
	listing *l;
	int64_t nl;
	int64_t per_channel;
	/* The reverse index SKU -> listings as compressed rows: sku_at[s]..sku_at[s+1]. */
	int64_t *sku_at;
	int32_t *sku_listings;
	order *o;      /* cfg.orders batch lines, then cfg.singles single ones */
	int64_t no, nbatch;
} shop;

/* ---- small helpers --------------------------------------------------------------------- */

static uint64_t rng_state = 0x6a6165676f2d3031ULL; /* "jaego-01" */

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* Wall and CPU seconds of one measured stretch. The machine may be shared: CPU time is
 * the steadier figure when it is busy. */
typedef struct span {
	double wall, cpu;
} span;

static span span_start(void)
{
	return (span){now_s(), clock_s(CLOCK_PROCESS_CPUTIME_ID)};
}

static span span_end(span t0)
{
	return (span){now_s() - t0.wall, clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0.cpu};
}

static double rusage_s(const struct rusage *r)
{
	return (double)(r->ru_utime.tv_sec + r->ru_stime.tv_sec) +
	       (double)(r->ru_utime.tv_usec + r->ru_stime.tv_usec) / 1e6;
}

static void die(const char *what, const jg_err *e)
{
	fprintf(stderr, "bench_stock: %s: %s\n", what, e && e->code ? e->msg : "failed");
	exit(1);
}

static void check(int rc, const char *what, const jg_err *e)
{
	if (rc)
		die(what, e);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = jg_calloc(n ? n : 1, size);

	if (!p)
		die("out of memory", NULL);
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void path_join(char *out, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, PATH_MAX_BYTES, "%s/%s", dir, name) >= PATH_MAX_BYTES)
		die("path too long", NULL);
}

static void remove_db(const char *path)
{
	char p[PATH_MAX_BYTES + 8];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[1 << 16];
	size_t n;

	if (!in || !out)
		die("cannot copy the database file", NULL);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			die("cannot write the database copy", NULL);
	if (ferror(in) || fclose(out) != 0)
		die("cannot copy the database file", NULL);
	fclose(in);
}

/* Runs `sqlite3 db` with stdin from `script` and stdout to `out`: wall time and the
 * child's CPU time. */
static span run_sqlite(const config *cfg, const char *db, const char *script, const char *out)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = {(char *)cfg->sqlite3, (char *)"-bail", (char *)db, NULL};
	struct rusage before, after;
	pid_t pid;
	int status, rc;
	double t0;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, script, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	getrusage(RUSAGE_CHILDREN, &before);
	t0 = now_s();
	rc = posix_spawnp(&pid, cfg->sqlite3, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "bench_stock: cannot run %s: %s\n", cfg->sqlite3, strerror(rc));
		exit(1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid failed", NULL);
	t0 = now_s() - t0;
	getrusage(RUSAGE_CHILDREN, &after);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_stock: %s failed on %s (output in %s)\n", cfg->sqlite3,
			script, out);
		exit(1);
	}
	return (span){t0, rusage_s(&after) - rusage_s(&before)};
}

/* ---- the generated shop ------------------------------------------------------------------ */

static const char *const SIZES[] = {"S", "M", "L"};

static void sku_code(char *out, size_t n, int64_t i)
{
	snprintf(out, n, "SKU-%05lld", (long long)i);
}

static void channel_name(char *out, size_t n, int64_t c)
{
	snprintf(out, n, "ch%02lld", (long long)c);
}

static void product_id(char *out, size_t n, const listing *l)
{
	snprintf(out, n, "P%02d-%06d", l->channel, l->k);
}

/* The option as a listing is mapped, and as half of the orders spell it. */
static void option_text(char *out, size_t n, const listing *l, bool compact)
{
	snprintf(out, n, compact ? "색상:빨강/사이즈:%s" : "색상: 빨강 / 사이즈: %s",
		 SIZES[l->k % 3]);
}

static void shop_generate(shop *sh, const config *cfg)
{
	int64_t singles = 0, *fill;

	sh->per_channel = cfg->listings / cfg->channels;
	sh->nl = sh->per_channel * cfg->channels;
	sh->l = xcalloc((size_t)sh->nl, sizeof(*sh->l));
	for (int64_t c = 0; c < cfg->channels; c++) {
		for (int64_t k = 0; k < sh->per_channel; k++) {
			listing *l = &sh->l[c * sh->per_channel + k];

			l->channel = (int32_t)c;
			l->k = (int32_t)k;
			if (k % 10 == 9) {
				/* A bundle of 2-3 distinct SKUs, 1-2 of each. */
				l->n = 2 + (int32_t)(rnd() % 2);
				for (int32_t i = 0; i < l->n; i++) {
					int32_t s;
					bool dup;

					do {
						s = (int32_t)(rnd() % (uint64_t)cfg->skus);
						dup = false;
						for (int32_t j = 0; j < i; j++)
							dup = dup || l->sku[j] == s;
					} while (dup);
					l->sku[i] = s;
					l->qty[i] = 1 + (int32_t)(rnd() % 2);
				}
			} else {
				/* Channel c lists a window of the catalogue that starts at c/channels. */
				l->n = 1;
				l->sku[0] = (int32_t)((singles++ % sh->per_channel +
						       c * (cfg->skus / cfg->channels)) %
						      cfg->skus);
				l->qty[0] = 1;
			}
		}
		singles = 0;
	}
	/* Reverse index, as recipe_item(sku_id, listing_id) holds it. */
	sh->sku_at = xcalloc((size_t)cfg->skus + 1, sizeof(*sh->sku_at));
	for (int64_t i = 0; i < sh->nl; i++)
		for (int32_t j = 0; j < sh->l[i].n; j++)
			sh->sku_at[sh->l[i].sku[j] + 1]++;
	for (int64_t s = 0; s < cfg->skus; s++)
		sh->sku_at[s + 1] += sh->sku_at[s];
	sh->sku_listings = xcalloc((size_t)sh->sku_at[cfg->skus], sizeof(*sh->sku_listings));
	fill = xcalloc((size_t)cfg->skus, sizeof(*fill));
	for (int64_t i = 0; i < sh->nl; i++)
		for (int32_t j = 0; j < sh->l[i].n; j++) {
			int32_t s = sh->l[i].sku[j];

			sh->sku_listings[sh->sku_at[s] + fill[s]++] = (int32_t)i;
		}
	jg_free(fill);
	/* Order lines: a random listing each, 1 unit mostly, up to 3. */
	sh->nbatch = cfg->orders;
	sh->no = cfg->orders + cfg->singles;
	sh->o = xcalloc((size_t)sh->no, sizeof(*sh->o));
	for (int64_t i = 0; i < sh->no; i++) {
		uint64_t r = rnd();

		sh->o[i].listing = (int32_t)(r % (uint64_t)sh->nl);
		r /= (uint64_t)sh->nl;
		sh->o[i].qty = r % 10 < 7 ? 1 : r % 10 < 9 ? 2 : 3;
		sh->o[i].compact = (r / 10) % 2;
	}
}

static void shop_free(shop *sh)
{
	jg_free(sh->l);
	jg_free(sh->sku_at);
	jg_free(sh->sku_listings);
	jg_free(sh->o);
}

/* Listings that contain any SKU of listing `li`: what settling one order must recompute. */
static int64_t expected_touched(const shop *sh, int32_t li, int32_t *seen, int32_t stamp)
{
	const listing *l = &sh->l[li];
	int64_t n = 0;

	for (int32_t j = 0; j < l->n; j++)
		for (int64_t x = sh->sku_at[l->sku[j]]; x < sh->sku_at[l->sku[j] + 1]; x++) {
			int32_t other = sh->sku_listings[x];

			if (seen[other] != stamp) {
				seen[other] = stamp;
				n++;
			}
		}
	return n;
}

/* Channel rules that exercise every part of the formula except priority. */
static void channel_rule(jg_rule_patch *p, int64_t c)
{
	memset(p, 0, sizeof(*p));
	jg_rule_default(&p->rule);
	switch (c % 5) {
	case 1: p->set = JG_RULE_SET_BUFFER; p->rule.buffer = 2; break;
	case 2: p->set = JG_RULE_SET_PERCENT; p->rule.percent = 90; break;
	case 3: p->set = JG_RULE_SET_MAX; p->rule.max = 30; break;
	case 4: p->set = JG_RULE_SET_END_WHEN; p->rule.end_when = 1; break;
	default: break;
	}
}

static void build(jg_store *st, const shop *sh, const config *cfg)
{
	char code[JG_CODE_MAX], name[JG_CODE_MAX], pid[JG_CODE_MAX], opt[128];
	jg_err e;

	jg_err_clear(&e);
	check(jg_store_migrate(st, NULL, &e), "migrate", &e);
	check(jg_store_begin(st, &e), "begin", &e);
	for (int64_t i = 0; i < cfg->skus; i++) {
		/* Every 100th SKU is nearly out, so the batch oversells some lines. */
		int64_t stock = i % 100 == 0 ? 5 : 150 + i % 50;

		sku_code(code, sizeof(code), i);
		snprintf(name, sizeof(name), "상품 %lld", (long long)i);
		check(jg_sku_add(st, code, name, i % 7 == 0 ? 1 : 0, &e), "sku add", &e);
		check(jg_stock_receive(st, code, stock, "opening stock", &e), "receive", &e);
	}
	for (int64_t c = 0; c < cfg->channels; c++) {
		jg_rule_patch p;

		channel_name(name, sizeof(name), c);
		check(jg_channel_add(st, name, "generic", &e), "channel add", &e);
		channel_rule(&p, c);
		if (p.set)
			check(jg_channel_set(st, name, &p, &e), "channel set", &e);
	}
	check(jg_store_commit(st, &e), "commit", &e);
	check(jg_store_begin(st, &e), "begin", &e);
	for (int64_t i = 0; i < sh->nl; i++) {
		const listing *l = &sh->l[i];
		jg_recipe_item items[MAX_COMP];

		for (int32_t j = 0; j < l->n; j++) {
			sku_code(items[j].sku, sizeof(items[j].sku), l->sku[j]);
			items[j].qty = l->qty[j];
		}
		channel_name(name, sizeof(name), l->channel);
		product_id(pid, sizeof(pid), l);
		option_text(opt, sizeof(opt), l, false);
		check(jg_listing_map(st, name, pid, opt, items, (size_t)l->n, NULL, &e),
		      "listing map", &e);
	}
	check(jg_store_commit(st, &e), "commit", &e);
}

/* The order lines as jg_order_put takes them, made before any clock starts; the strings
 * live in `a`. */
static jg_order_in *orders_make(const shop *sh, jg_arena *a)
{
	jg_order_in *v = xcalloc((size_t)sh->no, sizeof(*v));
	char buf[JG_CODE_MAX];

	for (int64_t i = 0; i < sh->no; i++) {
		const order *o = &sh->o[i];
		const listing *l = &sh->l[o->listing];
		jg_order_in *in = &v[i];

		channel_name(buf, sizeof(buf), l->channel);
		in->channel = jg_arena_strdup(a, buf);
		/* Batch lines are B..., the single orders after them S... */
		snprintf(buf, sizeof(buf), "%s%07lld", i < sh->nbatch ? "B" : "S", (long long)i);
		in->line_id = jg_arena_strdup(a, buf);
		snprintf(buf, sizeof(buf), "O%07lld", (long long)i / 2);
		in->order_no = jg_arena_strdup(a, buf);
		product_id(buf, sizeof(buf), l);
		in->product_id = jg_arena_strdup(a, buf);
		option_text(buf, sizeof(buf), l, o->compact);
		in->option = jg_arena_strdup(a, buf);
		if (!in->channel || !in->line_id || !in->order_no || !in->product_id || !in->option)
			die("out of memory", NULL);
		in->qty = o->qty;
		in->status = JG_STATUS_OPEN;
		in->channel_status = CHANNEL_STATUS;
		in->ordered_at = 1767225600000LL + i * 1000; /* 2026-01-01, a second apart */
	}
	return v;
}

/* The timed batch, kept out of line so that callgrind can count it alone. */
__attribute__((noinline)) static void timed_batch(jg_store *st, const jg_order_in *ins,
						  int64_t n, span *all, span *puts)
{
	span t0 = span_start();
	jg_err e;

	jg_err_clear(&e);
	check(jg_store_begin(st, &e), "begin", &e);
	for (int64_t i = 0; i < n; i++)
		check(jg_order_put(st, &ins[i], NULL, &e), "order put", &e);
	*puts = span_end(t0);
	check(jg_store_commit(st, &e), "commit", &e);
	*all = span_end(t0);
}

__attribute__((noinline)) static void timed_recompute(jg_store *st, int64_t *computed)
{
	jg_err e;

	jg_err_clear(&e);
	check(jg_listing_recompute_all(st, computed, &e), "recompute all", &e);
}

/* ---- the baseline scripts ---------------------------------------------------------------- */

/* listed(L) in SQL for the listings selected by `where`: the formula of DESIGN.md 2 without
 * the priority rule (no SKU in the generated shop has a low-stock line). */
#define SQL_LISTED(where)                                                                       \
	"SELECT r.listing_id AS id, l.listed AS stored, CASE"                                   \
	" WHEN c.paused THEN 0"                                                                 \
	" WHEN c.end_when >= 0 AND MIN(s.on_hand - s.committed) <= c.end_when THEN 0"           \
	" WHEN c.max_qty >= 0 AND MIN(MAX(0, s.on_hand - s.committed - s.safety - c.buffer)"    \
	" * c.percent / 100 / r.qty) > c.max_qty THEN c.max_qty"                                \
	" ELSE MIN(MAX(0, s.on_hand - s.committed - s.safety - c.buffer) * c.percent / 100"     \
	" / r.qty) END AS q"                                                                    \
	" FROM recipe_item r JOIN listing l ON l.id = r.listing_id"                             \
	" JOIN channel c ON c.id = l.channel_id JOIN sku s ON s.id = r.sku_id " where           \
	" GROUP BY r.listing_id"

/* Lines are new when their id is past the one noted in temp table `mark` at the start. */
#define SQL_MARK "CREATE TEMP TABLE mark AS SELECT COALESCE(MAX(id), 0) AS id FROM order_line;\n"
#define SQL_NEW_LINES "(SELECT id FROM mark)"
/* The end of both batch scripts: listed of every listing containing a touched SKU. */
#define SQL_BATCH_END                                                                         \
	"UPDATE listing SET listed = v.q FROM (" SQL_LISTED(                                  \
		"WHERE r.listing_id IN (SELECT listing_id FROM recipe_item WHERE sku_id IN"   \
		" (SELECT sku_id FROM line_item WHERE line_pk > " SQL_NEW_LINES "))") ") v"   \
	" WHERE listing.id = v.id AND listing.listed <> v.q;\nCOMMIT;\n"

static const char *option_key(jg_buf *key, const char *option)
{
	jg_buf_reset(key);
	if (jg_text_option_key(key, option, strlen(option)))
		die("option key", NULL);
	return jg_buf_str(key);
}

/*
 * Baseline 1, the batch as the issue puts it: plain SQL statements per line, as a
 * hand-written import would send them, in one durable transaction. Per line: INSERT the
 * order line with its channel and listing resolved by subqueries, INSERT its recipe
 * snapshot, UPDATE the SKUs' committed counters. Then one set-based UPDATE of the listed
 * quantity of every listing that contains a touched SKU. Oversold marks are not kept (jaego
 * keeps them), so the baseline does less work than jaego.
 */
static void write_batch_script(const char *path, const jg_order_in *ins, int64_t n)
{
	FILE *f = fopen(path, "w");
	jg_buf key;

	if (!f)
		die("cannot write the baseline script", NULL);
	jg_buf_init(&key, 1024);
	fputs("PRAGMA synchronous=FULL;\nPRAGMA foreign_keys=ON;\nBEGIN IMMEDIATE;\n" SQL_MARK, f);
	for (int64_t i = 0; i < n; i++) {
		const jg_order_in *in = &ins[i];
		const char *k = option_key(&key, in->option);

		fprintf(f,
			"INSERT INTO order_line(channel_id,line_id,order_no,product_id,option_text,"
			"option_key,qty,status,channel_status,listing_id,ordered_at,created_at,"
			"updated_at) SELECT c.id,'%s','%s','%s','%s','%s',%lld,0,'%s',"
			"(SELECT l.id FROM listing l WHERE l.channel_id=c.id AND l.product_id='%s'"
			" AND l.option_key='%s'),%lld,%lld,%lld FROM channel c WHERE c.name='%s';\n"
			"INSERT INTO line_item(line_pk,sku_id,per_unit,units,open) SELECT o.id,"
			"r.sku_id,r.qty,r.qty*o.qty,1 FROM order_line o JOIN recipe_item r ON "
			"r.listing_id=o.listing_id WHERE o.id=last_insert_rowid();\n"
			"UPDATE sku SET committed=committed+li.units FROM line_item li WHERE "
			"li.line_pk=last_insert_rowid() AND sku.id=li.sku_id;\n",
			in->line_id, in->order_no, in->product_id, in->option, k, (long long)in->qty,
			CHANNEL_STATUS, in->product_id, k, (long long)in->ordered_at,
			(long long)in->ordered_at, (long long)in->ordered_at, in->channel);
	}
	fputs(SQL_BATCH_END, f);
	jg_buf_free(&key);
	if (fclose(f) != 0)
		die("cannot write the baseline script", NULL);
}

/*
 * Baseline 2, the strongest plain SQL we could write for the same batch: the lines go into
 * a temp table 500 rows to an INSERT, then one INSERT ... SELECT makes the order lines
 * (channel and listing by join), one the recipe snapshots, one UPDATE the committed
 * counters, and the same listed UPDATE as baseline 1 ends it.
 */
static void write_batch_set_script(const char *path, const jg_order_in *ins, int64_t n)
{
	FILE *f = fopen(path, "w");
	jg_buf key;

	if (!f)
		die("cannot write the baseline script", NULL);
	jg_buf_init(&key, 1024);
	fputs("PRAGMA synchronous=FULL;\nPRAGMA foreign_keys=ON;\nBEGIN IMMEDIATE;\n" SQL_MARK
	      "CREATE TEMP TABLE incoming(channel TEXT, line_id TEXT, order_no TEXT,"
	      " product_id TEXT, option_text TEXT, option_key TEXT, qty INTEGER,"
	      " ordered_at INTEGER);\n",
	      f);
	for (int64_t i = 0; i < n; i++) {
		const jg_order_in *in = &ins[i];

		fprintf(f, "%s('%s','%s','%s','%s','%s','%s',%lld,%lld)%s",
			i % 500 == 0 ? "INSERT INTO incoming VALUES " : ",", in->channel,
			in->line_id, in->order_no, in->product_id, in->option,
			option_key(&key, in->option), (long long)in->qty, (long long)in->ordered_at,
			i % 500 == 499 || i == n - 1 ? ";\n" : "");
	}
	fprintf(f,
		"INSERT INTO order_line(channel_id,line_id,order_no,product_id,option_text,"
		"option_key,qty,status,channel_status,listing_id,ordered_at,created_at,updated_at)"
		" SELECT c.id,i.line_id,i.order_no,i.product_id,i.option_text,i.option_key,i.qty,0,"
		"'%s',l.id,i.ordered_at,i.ordered_at,i.ordered_at FROM incoming i"
		" JOIN channel c ON c.name=i.channel LEFT JOIN listing l ON l.channel_id=c.id"
		" AND l.product_id=i.product_id AND l.option_key=i.option_key ORDER BY i.rowid;\n"
		"INSERT INTO line_item(line_pk,sku_id,per_unit,units,open) SELECT o.id,r.sku_id,"
		"r.qty,r.qty*o.qty,1 FROM order_line o JOIN recipe_item r ON"
		" r.listing_id=o.listing_id WHERE o.id > " SQL_NEW_LINES ";\n"
		"UPDATE sku SET committed=committed+t.u FROM (SELECT sku_id, SUM(units) AS u FROM"
		" line_item WHERE line_pk > " SQL_NEW_LINES " GROUP BY sku_id) t"
		" WHERE sku.id=t.sku_id;\n",
		CHANNEL_STATUS);
	fputs(SQL_BATCH_END, f);
	jg_buf_free(&key);
	if (fclose(f) != 0)
		die("cannot write the baseline script", NULL);
}

/* Compares a baseline database with jaego's: SKUs whose committed differs, listings whose
 * listed differs. Prints "skus|listings". */
static void write_compare_script(const char *path, const char *jaego_db)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("cannot write the baseline script", NULL);
	fprintf(f,
		"ATTACH '%s' AS j;\n"
		"SELECT (SELECT COUNT(*) FROM sku a JOIN j.sku b ON b.id = a.id"
		" WHERE a.committed <> b.committed),"
		" (SELECT COUNT(*) FROM listing a JOIN j.listing b ON b.id = a.id"
		" WHERE a.listed <> b.listed);\n",
		jaego_db);
	if (fclose(f) != 0)
		die("cannot write the baseline script", NULL);
}

static void compare_with_jaego(const config *cfg, const char *base_db, const char *jaego_db,
			       const char *script, const char *out, const char *which)
{
	char buf[256];
	long long skus = -1, listings = -1;
	FILE *f;

	write_compare_script(script, jaego_db);
	run_sqlite(cfg, base_db, script, out);
	f = fopen(out, "r");
	if (!f || !fgets(buf, sizeof(buf), f) || sscanf(buf, "%lld|%lld", &skus, &listings) != 2)
		die("cannot read the comparison", NULL);
	fclose(f);
	if (skus != 0 || listings != 0) {
		fprintf(stderr,
			"bench_stock: %s disagrees with jaego: %lld SKUs' committed, %lld listings\n",
			which, skus, listings);
		exit(1);
	}
}

/* The full recompute as one GROUP BY/MIN query, compared with the stored quantities; run
 * `n` times under the shell's timer. Prints "listings|mismatches" each time. */
static void write_recompute_script(const char *path, int64_t n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("cannot write the baseline script", NULL);
	fputs(".timer on\n", f);
	for (int64_t i = 0; i < n; i++)
		fputs("SELECT COUNT(*), SUM(q <> stored) FROM (" SQL_LISTED("") ");\n", f);
	if (fclose(f) != 0)
		die("cannot write the baseline script", NULL);
}

/* Reads the shell's "Run Time: real X user Y sys Z" lines and the query results: the
 * medians of the wall and CPU times. */
static span parse_recompute_output(const char *path, int64_t want_rows, int64_t *mismatches)
{
	FILE *f = fopen(path, "r");
	char buf[512];
	double wall[64], cpu[64];
	size_t nt = 0;

	*mismatches = -1;
	if (!f)
		die("cannot read the baseline output", NULL);
	while (fgets(buf, sizeof(buf), f)) {
		double t, u, sy;
		long long rows, bad;

		if (sscanf(buf, "Run Time: real %lf user %lf sys %lf", &t, &u, &sy) == 3) {
			if (nt < 64) {
				wall[nt] = t;
				cpu[nt++] = u + sy;
			}
		} else if (sscanf(buf, "%lld|%lld", &rows, &bad) == 2) {
			if (rows != want_rows)
				die("the baseline query saw a different number of listings", NULL);
			*mismatches = bad;
		}
	}
	fclose(f);
	if (!nt)
		die("no timings in the baseline output", NULL);
	return (span){median(wall, nt), median(cpu, nt)};
}

/* ---- main ------------------------------------------------------------------------------------ */

static void usage(void)
{
	fputs("usage: bench_stock [--dir DIR] [--skus N] [--channels N] [--listings N]\n"
	      "                   [--orders N] [--singles N] [--recomputes N] [--repeats N]\n"
	      "                   [--sqlite3 PATH]\n"
	      "                   [--no-baseline] [--keep]\n",
	      stderr);
	exit(2);
}

static void parse_args(config *cfg, int argc, char **argv)
{
	static const struct {
		const char *name;
		size_t off;
	} nums[] = {
		{"--skus", offsetof(config, skus)},
		{"--channels", offsetof(config, channels)},
		{"--listings", offsetof(config, listings)},
		{"--orders", offsetof(config, orders)},
		{"--singles", offsetof(config, singles)},
		{"--recomputes", offsetof(config, recomputes)},
		{"--repeats", offsetof(config, repeats)},
	};

	for (int i = 1; i < argc; i++) {
		bool done = false;

		for (size_t j = 0; j < sizeof(nums) / sizeof(nums[0]) && !done; j++) {
			if (strcmp(argv[i], nums[j].name) != 0)
				continue;
			if (i + 1 >= argc ||
			    jg_parse_i64((int64_t *)((char *)cfg + nums[j].off), argv[++i]) ||
			    *(int64_t *)((char *)cfg + nums[j].off) < 0)
				usage();
			done = true;
		}
		if (done)
			continue;
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			cfg->dir = argv[++i];
		else if (strcmp(argv[i], "--sqlite3") == 0 && i + 1 < argc)
			cfg->sqlite3 = argv[++i];
		else if (strcmp(argv[i], "--no-baseline") == 0)
			cfg->baseline = false;
		else if (strcmp(argv[i], "--keep") == 0)
			cfg->keep = true;
		else
			usage();
	}
	if (cfg->skus < 3 || cfg->channels < 1 || cfg->listings < cfg->channels ||
	    cfg->listings / cfg->channels > 999999 || cfg->recomputes < 1 || cfg->recomputes > 64 ||
	    cfg->repeats < 1 || cfg->repeats > 64)
		usage();
}

static const char *verdict(bool met)
{
	return met ? "met" : "NOT MET";
}

static void row(const char *what, span j, const span *b, const char *unit, double scale,
		const char *target, bool met)
{
	printf("%-38s %9.3g %-2s %9.3g %-2s", what, j.wall * scale, unit, j.cpu * scale, unit);
	if (b)
		printf(" %9.3g %-2s %9.3g %-2s %6.3f %6.3f", b->wall * scale, unit, b->cpu * scale,
		       unit, j.wall / b->wall, j.cpu / b->cpu);
	else
		printf(" %12s %12s %6s %6s", "", "", "", "");
	if (target)
		printf("  %-8s %s", target, verdict(met));
	printf("\n");
}

int main(int argc, char **argv)
{
	config cfg = {10000, 10, 100000, 100000, 1000, 5, 3, ".", "sqlite3", true, false};
	char db[PATH_MAX_BYTES], pristine[PATH_MAX_BYTES], base_db[PATH_MAX_BYTES],
		base2_db[PATH_MAX_BYTES],
		script[PATH_MAX_BYTES], script2[PATH_MAX_BYTES], out[PATH_MAX_BYTES],
		rscript[PATH_MAX_BYTES], cscript[PATH_MAX_BYTES];
	span t_build, t_batch, t_put, t_singles, t_rc, rc_spans[64];
	span b_batch = {0, 0}, b_batch2 = {0, 0}, b_rc = {0, 0};
	double rc_wall[64], rc_cpu[64], bw[64], bc[64], pw[64], pc[64], bmin = 1e9, bmax = 0;
	int64_t computed = 0, touched, expected = 0, base_mismatch = 0, recomputed, changed;
	jg_store_stats st0, st1;
	jg_check_report rep;
	jg_order_in *ins;
	jg_arena strings;
	jg_store *st;
	int32_t *seen;
	shop sh;
	jg_err e;

	parse_args(&cfg, argc, argv);
	jg_err_clear(&e);
	mkdir(cfg.dir, 0755);
	path_join(db, cfg.dir, "bench.db");
	path_join(pristine, cfg.dir, "before_batch.db");
	path_join(base_db, cfg.dir, "baseline.db");
	path_join(base2_db, cfg.dir, "baseline_set.db");
	path_join(script, cfg.dir, "baseline_batch.sql");
	path_join(script2, cfg.dir, "baseline_batch_set.sql");
	path_join(out, cfg.dir, "baseline.out");
	path_join(rscript, cfg.dir, "baseline_recompute.sql");
	path_join(cscript, cfg.dir, "baseline_compare.sql");
	remove_db(db);
	remove_db(pristine);
	remove_db(base_db);
	remove_db(base2_db);

	memset(&sh, 0, sizeof(sh));
	shop_generate(&sh, &cfg);
	jg_arena_init(&strings, (size_t)1 << 30);
	ins = orders_make(&sh, &strings);

	/* 1. The shop, through the API. */
	t_build = span_start();
	check(jg_store_open(&st, db, &e), "open", &e);
	build(st, &sh, &cfg);
	jg_store_close(st); /* the last close checkpoints the WAL into the file */
	t_build = span_end(t_build);

	/* 2. The baseline batches, each on a byte copy of the same database. */
	if (cfg.baseline) {
		copy_file(db, base_db);
		copy_file(db, base2_db);
		write_batch_script(script, ins, cfg.orders);
		write_batch_set_script(script2, ins, cfg.orders);
		b_batch = run_sqlite(&cfg, base_db, script, out);
		b_batch2 = run_sqlite(&cfg, base2_db, script2, out);
	}

	/* 3. The batch through jaego, `repeats` times on fresh copies of the same database
	 * (the median counts: a shared virtual machine varies by a fifth from run to run),
	 * then the same state check as `jaego check`. */
	copy_file(db, pristine);
	for (int64_t r = 0; r < cfg.repeats; r++) {
		if (r > 0) {
			jg_store_close(st);
			remove_db(db);
			copy_file(pristine, db);
		}
		check(jg_store_open(&st, db, &e), "open", &e);
		check(jg_store_require_schema(st, &e), "schema", &e);
		jg_store_stats_get(st, &st0);
		timed_batch(st, ins, cfg.orders, &t_batch, &t_put);
		jg_store_stats_get(st, &st1);
		bw[r] = t_batch.wall;
		bc[r] = t_batch.cpu;
		pw[r] = t_put.wall;
		pc[r] = t_put.cpu;
		bmin = t_batch.wall < bmin ? t_batch.wall : bmin;
		bmax = t_batch.wall > bmax ? t_batch.wall : bmax;
	}
	t_batch = (span){median(bw, (size_t)cfg.repeats), median(bc, (size_t)cfg.repeats)};
	t_put = (span){median(pw, (size_t)cfg.repeats), median(pc, (size_t)cfg.repeats)};
	recomputed = st1.listings_recomputed - st0.listings_recomputed;
	changed = st1.listings_changed - st0.listings_changed;
	if (jg_store_check(st, &rep, NULL, NULL, &e))
		die("check after the batch", &e);
	if (cfg.baseline) {
		compare_with_jaego(&cfg, base_db, db, cscript, out, "baseline 1");
		compare_with_jaego(&cfg, base2_db, db, cscript, out, "baseline 2");
	}

	/* 4. Single orders, one durable transaction each. */
	seen = xcalloc((size_t)sh.nl, sizeof(*seen));
	for (int64_t i = 0; i < cfg.singles; i++)
		expected += expected_touched(&sh, sh.o[cfg.orders + i].listing, seen, (int32_t)i + 1);
	jg_free(seen);
	jg_store_stats_get(st, &st0);
	t_singles = span_start();
	for (int64_t i = 0; i < cfg.singles; i++)
		check(jg_order_put(st, &ins[cfg.orders + i], NULL, &e), "single order put", &e);
	t_singles = span_end(t_singles);
	jg_store_stats_get(st, &st1);
	touched = st1.listings_recomputed - st0.listings_recomputed;
	if (st1.commits - st0.commits != cfg.singles)
		die("single orders did not commit one by one", NULL);

	/* 5. The full recompute. */
	for (int64_t i = 0; i < cfg.recomputes; i++) {
		span t0 = span_start();

		timed_recompute(st, &computed);
		rc_spans[i] = span_end(t0);
		rc_wall[i] = rc_spans[i].wall;
		rc_cpu[i] = rc_spans[i].cpu;
		if (computed != sh.nl)
			die("the full recompute did not compute every listing", NULL);
	}
	t_rc.wall = median(rc_wall, (size_t)cfg.recomputes);
	t_rc.cpu = median(rc_cpu, (size_t)cfg.recomputes);
	if (jg_store_check(st, &rep, NULL, NULL, &e))
		die("check after the single orders", &e);
	jg_store_close(st);

	/* 6. The baseline recompute, on jaego's own database in its final state. */
	if (cfg.baseline) {
		write_recompute_script(rscript, cfg.recomputes);
		run_sqlite(&cfg, db, rscript, out);
		b_rc = parse_recompute_output(out, sh.nl, &base_mismatch);
		if (base_mismatch != 0)
			die("the baseline recompute disagrees with jaego's listed quantities", NULL);
	}

	printf("shop: %lld SKUs, %lld channels, %lld listings (%lld bundles of 2-3 SKUs), built "
	       "through the API in %.1f s\n",
	       (long long)cfg.skus, (long long)cfg.channels, (long long)sh.nl,
	       (long long)(sh.nl / 10), t_build.wall);
	printf("batch: %lld order lines; runs on fresh copies: %lld, wall %.3f to %.3f s (the "
	       "median below); settling computed %lld listings (%lld changed); `check` found no "
	       "drift%s\n\n",
	       (long long)cfg.orders, (long long)cfg.repeats, bmin, bmax, (long long)recomputed,
	       (long long)changed,
	       cfg.baseline ? "; both baselines reached the same committed and listed figures"
			    : "");
	printf("%-38s %12s %12s %12s %12s %6s %6s  %s\n", "", "jaego", "", "baseline", "",
	       "ratio", "", "");
	printf("%-38s %12s %12s %12s %12s %6s %6s  %s\n", "measure", "wall", "cpu", "wall", "cpu",
	       "wall", "cpu", "target");
	row("batch, baseline 1 (per-line SQL)", t_batch, cfg.baseline ? &b_batch : NULL, "s", 1,
	    "< 2 s", t_batch.wall < 2);
	if (cfg.baseline)
		row("batch, baseline 2 (set-based SQL)", t_batch, &b_batch2, "s", 1, NULL, false);
	row("  of which jg_order_put calls", t_put, NULL, "s", 1, NULL, false);
	row("  of which settle + COMMIT", (span){t_batch.wall - t_put.wall, t_batch.cpu - t_put.cpu},
	    NULL, "s", 1, NULL, false);
	row("full recompute (median)", t_rc, cfg.baseline ? &b_rc : NULL, "ms", 1e3, "< 100 ms",
	    t_rc.wall < 0.1);
	row("single-order transaction (mean)", (span){t_singles.wall / (double)cfg.singles,
						      t_singles.cpu / (double)cfg.singles},
	    NULL, "ms", 1e3, NULL, false);
	printf("\nlistings recomputed per single order: %.2f (the reverse index predicts %.2f; %s) "
	       "of %lld listings = %.4f %%\n",
	       (double)touched / (double)cfg.singles, (double)expected / (double)cfg.singles,
	       verdict(touched == expected), (long long)sh.nl,
	       100.0 * (double)touched / (double)cfg.singles / (double)sh.nl);
	printf("order lines per second in the batch: %.0f\n", (double)cfg.orders / t_batch.wall);
	if (!cfg.keep) {
		remove_db(db);
		remove_db(pristine);
		remove_db(base_db);
		remove_db(base2_db);
		unlink(script);
		unlink(script2);
		unlink(out);
		unlink(rscript);
		unlink(cscript);
	}
	jg_free(ins);
	jg_arena_free(&strings);
	shop_free(&sh);
	return 0;
}
