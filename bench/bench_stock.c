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
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "jaego/jaego.h"

#define CHANNEL_STATUS "결제완료"

typedef struct config {
	int64_t skus, channels, listings, orders, singles, recomputes, repeats;
	const char *dir;
	const char *sqlite3;
	bool baseline;
	bool keep;
} config;

/* One generated order line: which listing, how many, which spelling of the option. */
typedef struct order {
	int32_t listing;
	int32_t qty;
	bool compact;
} order;

/* The generated shop of common.h and, drawn after it from the same stream, the orders. */
typedef struct shop {
	bench_shop b;
	order *o; /* cfg.orders batch lines, then cfg.singles single ones */
	int64_t no, nbatch;
} shop;

/* The shop (common.h), then the order lines from the same stream: a random listing each, 1
 * unit mostly, up to 3. */
static void shop_generate(shop *sh, const config *cfg)
{
	bench_shop_generate(&sh->b, cfg->skus, cfg->channels, cfg->listings);
	sh->nbatch = cfg->orders;
	sh->no = cfg->orders + cfg->singles;
	sh->o = bench_calloc((size_t)sh->no, sizeof(*sh->o));
	for (int64_t i = 0; i < sh->no; i++) {
		uint64_t r = bench_rnd();

		sh->o[i].listing = (int32_t)(r % (uint64_t)sh->b.nl);
		r /= (uint64_t)sh->b.nl;
		sh->o[i].qty = r % 10 < 7 ? 1 : r % 10 < 9 ? 2 : 3;
		sh->o[i].compact = (r / 10) % 2;
	}
}

static void shop_free(shop *sh)
{
	bench_shop_free(&sh->b);
	jg_free(sh->o);
}

/* Listings that contain any SKU of listing `li`: what settling one order must recompute. */
static int64_t expected_touched(const shop *sh, int32_t li, int32_t *seen, int32_t stamp)
{
	const bench_listing *l = &sh->b.l[li];
	int64_t n = 0;

	for (int32_t j = 0; j < l->n; j++)
		for (int64_t x = sh->b.sku_at[l->sku[j]]; x < sh->b.sku_at[l->sku[j] + 1]; x++) {
			int32_t other = sh->b.sku_listings[x];

			if (seen[other] != stamp) {
				seen[other] = stamp;
				n++;
			}
		}
	return n;
}

/* The order lines as jg_order_put takes them, made before any clock starts; the strings
 * live in `a`. */
static jg_order_in *orders_make(const shop *sh, jg_arena *a)
{
	jg_order_in *v = bench_calloc((size_t)sh->no, sizeof(*v));
	char buf[JG_CODE_MAX];

	for (int64_t i = 0; i < sh->no; i++) {
		const order *o = &sh->o[i];
		const bench_listing *l = &sh->b.l[o->listing];
		jg_order_in *in = &v[i];

		bench_channel_name(buf, sizeof(buf), l->channel);
		in->channel = jg_arena_strdup(a, buf);
		/* Batch lines are B..., the single orders after them S... */
		snprintf(buf, sizeof(buf), "%s%07lld", i < sh->nbatch ? "B" : "S", (long long)i);
		in->line_id = jg_arena_strdup(a, buf);
		snprintf(buf, sizeof(buf), "O%07lld", (long long)i / 2);
		in->order_no = jg_arena_strdup(a, buf);
		bench_product_id(buf, sizeof(buf), l);
		in->product_id = jg_arena_strdup(a, buf);
		bench_option_text(buf, sizeof(buf), l, o->compact);
		in->option = jg_arena_strdup(a, buf);
		if (!in->channel || !in->line_id || !in->order_no || !in->product_id || !in->option)
			bench_die("out of memory", NULL);
		in->qty = o->qty;
		in->status = JG_STATUS_OPEN;
		in->channel_status = CHANNEL_STATUS;
		in->ordered_at = 1767225600000LL + i * 1000; /* 2026-01-01, a second apart */
	}
	return v;
}

/* The timed batch, kept out of line so that callgrind can count it alone. */
__attribute__((noinline)) static void timed_batch(jg_store *st, const jg_order_in *ins, int64_t n,
						  bench_span *all, bench_span *puts)
{
	bench_span t0 = bench_span_start();
	jg_err e;

	jg_err_clear(&e);
	bench_check(jg_store_begin(st, &e), "begin", &e);
	for (int64_t i = 0; i < n; i++)
		bench_check(jg_order_put(st, &ins[i], NULL, &e), "order put", &e);
	*puts = bench_span_end(t0);
	bench_check(jg_store_commit(st, &e), "commit", &e);
	*all = bench_span_end(t0);
}

__attribute__((noinline)) static void timed_recompute(jg_store *st, int64_t *computed)
{
	jg_err e;

	jg_err_clear(&e);
	bench_check(jg_listing_recompute_all(st, computed, &e), "recompute all", &e);
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
		bench_die("option key", NULL);
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
		bench_die("cannot write the baseline script", NULL);
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
		bench_die("cannot write the baseline script", NULL);
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
		bench_die("cannot write the baseline script", NULL);
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
		bench_die("cannot write the baseline script", NULL);
}

/* Compares a baseline database with jaego's: SKUs whose committed differs, listings whose
 * listed differs. Prints "skus|listings". */
static void write_compare_script(const char *path, const char *jaego_db)
{
	FILE *f = fopen(path, "w");

	if (!f)
		bench_die("cannot write the baseline script", NULL);
	fprintf(f,
		"ATTACH '%s' AS j;\n"
		"SELECT (SELECT COUNT(*) FROM sku a JOIN j.sku b ON b.id = a.id"
		" WHERE a.committed <> b.committed),"
		" (SELECT COUNT(*) FROM listing a JOIN j.listing b ON b.id = a.id"
		" WHERE a.listed <> b.listed);\n",
		jaego_db);
	if (fclose(f) != 0)
		bench_die("cannot write the baseline script", NULL);
}

static void compare_with_jaego(const config *cfg, const char *base_db, const char *jaego_db,
			       const char *script, const char *out, const char *which)
{
	char buf[256];
	long long skus = -1, listings = -1;
	FILE *f;

	write_compare_script(script, jaego_db);
	bench_run_sqlite(cfg->sqlite3, base_db, script, out);
	f = fopen(out, "r");
	if (!f || !fgets(buf, sizeof(buf), f) || sscanf(buf, "%lld|%lld", &skus, &listings) != 2)
		bench_die("cannot read the comparison", NULL);
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
		bench_die("cannot write the baseline script", NULL);
	fputs(".timer on\n", f);
	for (int64_t i = 0; i < n; i++)
		fputs("SELECT COUNT(*), SUM(q <> stored) FROM (" SQL_LISTED("") ");\n", f);
	if (fclose(f) != 0)
		bench_die("cannot write the baseline script", NULL);
}

/* Reads the shell's "Run Time: real X user Y sys Z" lines and the query results: the
 * medians of the wall and CPU times. */
static bench_span parse_recompute_output(const char *path, int64_t want_rows, int64_t *mismatches)
{
	FILE *f = fopen(path, "r");
	char buf[512];
	double wall[64], cpu[64];
	size_t nt = 0;

	*mismatches = -1;
	if (!f)
		bench_die("cannot read the baseline output", NULL);
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
				bench_die("the baseline query saw a different number of listings",
					  NULL);
			*mismatches = bad;
		}
	}
	fclose(f);
	if (!nt)
		bench_die("no timings in the baseline output", NULL);
	return (bench_span){bench_median(wall, nt), bench_median(cpu, nt)};
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

static void row(const char *what, bench_span j, const bench_span *b, const char *unit, double scale,
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
	char db[BENCH_PATH_MAX], pristine[BENCH_PATH_MAX], base_db[BENCH_PATH_MAX],
		base2_db[BENCH_PATH_MAX], script[BENCH_PATH_MAX], script2[BENCH_PATH_MAX],
		out[BENCH_PATH_MAX], rscript[BENCH_PATH_MAX], cscript[BENCH_PATH_MAX];
	bench_span t_build, t_batch, t_put, t_singles, t_rc, rc_spans[64];
	bench_span b_batch = {0, 0}, b_batch2 = {0, 0}, b_rc = {0, 0};
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

	bench_name = "bench_stock";
	parse_args(&cfg, argc, argv);
	jg_err_clear(&e);
	mkdir(cfg.dir, 0755);
	bench_path_join(db, cfg.dir, "bench.db");
	bench_path_join(pristine, cfg.dir, "before_batch.db");
	bench_path_join(base_db, cfg.dir, "baseline.db");
	bench_path_join(base2_db, cfg.dir, "baseline_set.db");
	bench_path_join(script, cfg.dir, "baseline_batch.sql");
	bench_path_join(script2, cfg.dir, "baseline_batch_set.sql");
	bench_path_join(out, cfg.dir, "baseline.out");
	bench_path_join(rscript, cfg.dir, "baseline_recompute.sql");
	bench_path_join(cscript, cfg.dir, "baseline_compare.sql");
	bench_remove_db(db);
	bench_remove_db(pristine);
	bench_remove_db(base_db);
	bench_remove_db(base2_db);

	memset(&sh, 0, sizeof(sh));
	shop_generate(&sh, &cfg);
	jg_arena_init(&strings, (size_t)1 << 30);
	ins = orders_make(&sh, &strings);

	/* 1. The shop, through the API. */
	t_build = bench_span_start();
	bench_check(jg_store_open(&st, db, &e), "open", &e);
	bench_shop_build(st, &sh.b);
	jg_store_close(st); /* the last close checkpoints the WAL into the file */
	t_build = bench_span_end(t_build);

	/* 2. The baseline batches, each on a byte copy of the same database. */
	if (cfg.baseline) {
		bench_copy_file(db, base_db);
		bench_copy_file(db, base2_db);
		write_batch_script(script, ins, cfg.orders);
		write_batch_set_script(script2, ins, cfg.orders);
		b_batch = bench_run_sqlite(cfg.sqlite3, base_db, script, out);
		b_batch2 = bench_run_sqlite(cfg.sqlite3, base2_db, script2, out);
	}

	/* 3. The batch through jaego, `repeats` times on fresh copies of the same database
	 * (the median counts: a shared virtual machine varies by a fifth from run to run),
	 * then the same state check as `jaego check`. */
	bench_copy_file(db, pristine);
	for (int64_t r = 0; r < cfg.repeats; r++) {
		if (r > 0) {
			jg_store_close(st);
			bench_remove_db(db);
			bench_copy_file(pristine, db);
		}
		bench_check(jg_store_open(&st, db, &e), "open", &e);
		bench_check(jg_store_require_schema(st, &e), "schema", &e);
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
	t_batch = (bench_span){bench_median(bw, (size_t)cfg.repeats),
			       bench_median(bc, (size_t)cfg.repeats)};
	t_put = (bench_span){bench_median(pw, (size_t)cfg.repeats),
			     bench_median(pc, (size_t)cfg.repeats)};
	recomputed = st1.listings_recomputed - st0.listings_recomputed;
	changed = st1.listings_changed - st0.listings_changed;
	if (jg_store_check(st, &rep, NULL, NULL, &e))
		bench_die("check after the batch", &e);
	if (cfg.baseline) {
		compare_with_jaego(&cfg, base_db, db, cscript, out, "baseline 1");
		compare_with_jaego(&cfg, base2_db, db, cscript, out, "baseline 2");
	}

	/* 4. Single orders, one durable transaction each. */
	seen = bench_calloc((size_t)sh.b.nl, sizeof(*seen));
	for (int64_t i = 0; i < cfg.singles; i++)
		expected += expected_touched(&sh, sh.o[cfg.orders + i].listing, seen, (int32_t)i + 1);
	jg_free(seen);
	jg_store_stats_get(st, &st0);
	t_singles = bench_span_start();
	for (int64_t i = 0; i < cfg.singles; i++)
		bench_check(jg_order_put(st, &ins[cfg.orders + i], NULL, &e), "single order put",
			    &e);
	t_singles = bench_span_end(t_singles);
	jg_store_stats_get(st, &st1);
	touched = st1.listings_recomputed - st0.listings_recomputed;
	if (st1.commits - st0.commits != cfg.singles)
		bench_die("single orders did not commit one by one", NULL);

	/* 5. The full recompute. */
	for (int64_t i = 0; i < cfg.recomputes; i++) {
		bench_span t0 = bench_span_start();

		timed_recompute(st, &computed);
		rc_spans[i] = bench_span_end(t0);
		rc_wall[i] = rc_spans[i].wall;
		rc_cpu[i] = rc_spans[i].cpu;
		if (computed != sh.b.nl)
			bench_die("the full recompute did not compute every listing", NULL);
	}
	t_rc.wall = bench_median(rc_wall, (size_t)cfg.recomputes);
	t_rc.cpu = bench_median(rc_cpu, (size_t)cfg.recomputes);
	if (jg_store_check(st, &rep, NULL, NULL, &e))
		bench_die("check after the single orders", &e);
	jg_store_close(st);

	/* 6. The baseline recompute, on jaego's own database in its final state. */
	if (cfg.baseline) {
		write_recompute_script(rscript, cfg.recomputes);
		bench_run_sqlite(cfg.sqlite3, db, rscript, out);
		b_rc = parse_recompute_output(out, sh.b.nl, &base_mismatch);
		if (base_mismatch != 0)
			bench_die("the baseline recompute disagrees with jaego's listed quantities",
				  NULL);
	}

	printf("shop: %lld SKUs, %lld channels, %lld listings (%lld bundles of 2-3 SKUs), built "
	       "through the API in %.1f s\n",
	       (long long)cfg.skus, (long long)cfg.channels, (long long)sh.b.nl,
	       (long long)(sh.b.nl / 10), t_build.wall);
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
	row("  of which settle + COMMIT",
	    (bench_span){t_batch.wall - t_put.wall, t_batch.cpu - t_put.cpu}, NULL, "s", 1, NULL,
	    false);
	row("full recompute (median)", t_rc, cfg.baseline ? &b_rc : NULL, "ms", 1e3, "< 100 ms",
	    t_rc.wall < 0.1);
	row("single-order transaction (mean)",
	    (bench_span){t_singles.wall / (double)cfg.singles, t_singles.cpu / (double)cfg.singles},
	    NULL, "ms", 1e3, NULL, false);
	printf("\nlistings recomputed per single order: %.2f (the reverse index predicts %.2f; %s) "
	       "of %lld listings = %.4f %%\n",
	       (double)touched / (double)cfg.singles, (double)expected / (double)cfg.singles,
	       verdict(touched == expected), (long long)sh.b.nl,
	       100.0 * (double)touched / (double)cfg.singles / (double)sh.b.nl);
	printf("order lines per second in the batch: %.0f\n", (double)cfg.orders / t_batch.wall);
	if (!cfg.keep) {
		bench_remove_db(db);
		bench_remove_db(pristine);
		bench_remove_db(base_db);
		bench_remove_db(base2_db);
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
