/* SPDX-License-Identifier: MIT */
/*
 * The sync benchmark: telling every channel what changed (DESIGN.md section 4). It builds a
 * shop through the library API in a database file (by default 10,000 SKUs; ten channels
 * with real profiles: SmartStore, Coupang, Gmarket, Auction, 11st, Cafe24, Shopify, Amazon
 * and two generic ones; 100,000 listings of which a tenth are bundles of 2-3 SKUs; a
 * history of order lines, some shipped), tells every channel everything once (a forced
 * plan, every file written and marked), then changes SKUs until a tenth of the listings
 * must be told: order lines lower some SKUs, receipts raise others, stocktakes empty a few.
 * Every channel's orders are then marked imported, so raises are sent, not held. The timed
 * part is jg_sync_plan_make + jg_sync_export with marking, end to end: four xlsx files,
 * four CSV files, one CP949 CSV, one TSV, the rows marked told in one transaction. It is
 * run --repeats times on fresh copies of the same database; the median is reported. The
 * baseline, in the same run and on copies of the same database, is the sqlite3 shell
 * writing the same changed rows as one CSV file and marking them told with one UPDATE;
 * it must find as many rows as jaego wrote, or the run fails. After each jaego run a new
 * plan must be empty, and in the first one a sample of the causes must match
 * jg_sku_last_event. Inputs are deterministic (fixed seed); scratch files go to --dir and
 * are removed unless --keep.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "jaego/intake.h"
#include "jaego/jaego.h"
#include "jaego/sync.h"

#define MAX_REPEATS 16
#define CHANNEL_STATUS "결제완료"

/* The channels: a real profile each, as a seller would add them. */
static const struct {
	const char *name, *profile;
} CHANNELS[] = {
	{"smartstore", "smartstore"}, {"coupang", "coupang"}, {"gmarket", "gmarket"},
	{"auction", "auction"},       {"11st", "11st"},       {"cafe24", "cafe24"},
	{"shopify", "shopify"},       {"amazon", "amazon"},   {"mall-a", "generic"},
	{"mall-b", "generic"},
};
#define N_CHANNELS ((int64_t)(sizeof(CHANNELS) / sizeof(CHANNELS[0])))

typedef struct config {
	int64_t skus, listings, history, percent, repeats;
	const char *dir;
	const char *sqlite3;
	bool baseline;
	bool keep;
} config;

/* ---- small helpers --------------------------------------------------------------------- */

/* The stream's seed here ("jaego-sy"): the shop of common.h, drawn from it, has the same
 * shape as bench_stock's but other listings. */
#define SEED 0x6a6165676f2d7379ULL

static int64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* ---- the generated shop ------------------------------------------------------------------ */

static const char *const SIZES[] = {"S", "M", "L"};

/* Half the options carry a comma, which CSV files must quote. All are CP949 text. */
static void option_text(char *out, size_t n, const bench_listing *l)
{
	snprintf(out, n, l->k % 2 ? "색상: 빨강, 사이즈: %s" : "색상: 파랑 / 사이즈: %s",
		 SIZES[l->k % 3]);
}

/* Channel rules that exercise every part of the formula except priority; the cap is above
 * every SKU's stock so that it does not hide changes. */
static void channel_rule(jg_rule_patch *p, int64_t c)
{
	memset(p, 0, sizeof(*p));
	jg_rule_default(&p->rule);
	switch (c % 5) {
	case 1: p->set = JG_RULE_SET_BUFFER; p->rule.buffer = 2; break;
	case 2: p->set = JG_RULE_SET_PERCENT; p->rule.percent = 90; break;
	case 3: p->set = JG_RULE_SET_MAX; p->rule.max = 500; break;
	case 4: p->set = JG_RULE_SET_END_WHEN; p->rule.end_when = 1; break;
	default: break;
	}
}

/* One order line on listing `li`, its strings in `a`. */
static void order_make(jg_order_in *in, const bench_shop *sh, int64_t li, const char *prefix,
		       int64_t seq, int64_t qty, int64_t at, jg_arena *a)
{
	const bench_listing *l = &sh->l[li];
	char buf[JG_CODE_MAX];

	memset(in, 0, sizeof(*in));
	in->channel = CHANNELS[l->channel].name;
	snprintf(buf, sizeof(buf), "%s%07lld", prefix, (long long)seq);
	in->line_id = jg_arena_strdup(a, buf);
	in->order_no = in->line_id;
	bench_product_id(buf, sizeof(buf), l);
	in->product_id = jg_arena_strdup(a, buf);
	option_text(buf, sizeof(buf), l);
	in->option = jg_arena_strdup(a, buf);
	if (!in->line_id || !in->product_id || !in->option)
		bench_die("out of memory", NULL);
	in->qty = qty;
	in->status = JG_STATUS_OPEN;
	in->channel_status = CHANNEL_STATUS;
	in->ordered_at = at;
}

/* SKUs, channels, listings, then the history: order lines, every tenth shipped. */
static void build(jg_store *st, const bench_shop *sh, const config *cfg)
{
	char code[JG_CODE_MAX], name[JG_CODE_MAX], pid[JG_CODE_MAX], opt[128];
	jg_arena a;
	jg_err e;

	jg_err_clear(&e);
	bench_check(jg_store_migrate(st, NULL, &e), "migrate", &e);
	bench_check(jg_store_begin(st, &e), "begin", &e);
	for (int64_t i = 0; i < cfg->skus; i++) {
		bench_sku_code(code, sizeof(code), i);
		snprintf(name, sizeof(name), "상품 %lld", (long long)i);
		bench_check(jg_sku_add(st, code, name, i % 7 == 0 ? 1 : 0, &e), "sku add", &e);
		bench_check(jg_stock_receive(st, code, 150 + i % 50, "opening stock", &e),
			    "receive", &e);
	}
	for (int64_t c = 0; c < N_CHANNELS; c++) {
		jg_rule_patch p;

		bench_check(jg_channel_add(st, CHANNELS[c].name, CHANNELS[c].profile, &e),
			    "channel add", &e);
		channel_rule(&p, c);
		if (p.set)
			bench_check(jg_channel_set(st, CHANNELS[c].name, &p, &e), "channel set",
				    &e);
	}
	bench_check(jg_store_commit(st, &e), "commit", &e);
	bench_check(jg_store_begin(st, &e), "begin", &e);
	for (int64_t i = 0; i < sh->nl; i++) {
		const bench_listing *l = &sh->l[i];
		jg_recipe_item items[BENCH_MAX_COMP];

		for (int32_t j = 0; j < l->n; j++) {
			bench_sku_code(items[j].sku, sizeof(items[j].sku), l->sku[j]);
			items[j].qty = l->qty[j];
		}
		bench_product_id(pid, sizeof(pid), l);
		option_text(opt, sizeof(opt), l);
		bench_check(jg_listing_map(st, CHANNELS[l->channel].name, pid, opt, items,
					   (size_t)l->n, NULL, &e),
			    "listing map", &e);
	}
	bench_check(jg_store_commit(st, &e), "commit", &e);

	jg_arena_init(&a, (size_t)1 << 30);
	bench_check(jg_store_begin(st, &e), "begin", &e);
	for (int64_t i = 0; i < cfg->history; i++) {
		jg_order_in in;
		uint64_t r = bench_rnd();

		order_make(&in, sh, (int64_t)(r % (uint64_t)sh->nl), "H", i, r / 7 % 10 < 8 ? 1 : 2,
			   1767225600000LL + i * 1000, &a);
		bench_check(jg_order_put(st, &in, NULL, &e), "history order put", &e);
		if (i % 10 == 0) {
			jg_transition_opts o = {.courier = "CJ대한통운", .tracking = "600000000000"};

			bench_check(jg_order_transition(st, in.channel, in.line_id,
							JG_STATUS_SHIPPED, &o, NULL, &e),
				    "history ship", &e);
		}
		jg_arena_reset(&a);
	}
	bench_check(jg_store_commit(st, &e), "commit", &e);
	jg_arena_free(&a);
}

static int count_pending(const jg_pending *p, void *payload)
{
	(void)p;
	++*(int64_t *)payload;
	return 0;
}

/* The day's changes: SKUs in random order, in steps of a two-hundredth of the catalogue
 * (one transaction each), until the listings to tell reach `percent` of all listings. Of
 * those SKUs, six in ten get an order line on one of their single listings (lower), three
 * in ten a receipt (raise), one in ten a stocktake that finds none (zero). Returns the
 * listings to tell. */
static int64_t change(jg_store *st, const bench_shop *sh, const config *cfg)
{
	int32_t *order = bench_calloc((size_t)cfg->skus, sizeof(*order));
	int64_t want = sh->nl * cfg->percent / 100, pending = 0;
	int64_t step = cfg->skus / 200 > 0 ? cfg->skus / 200 : 1;
	char code[JG_CODE_MAX];
	jg_arena a;
	jg_err e;

	jg_err_clear(&e);
	jg_arena_init(&a, (size_t)1 << 20);
	for (int64_t i = 0; i < cfg->skus; i++)
		order[i] = (int32_t)i;
	for (int64_t i = cfg->skus - 1; i > 0; i--) {
		int64_t j = (int64_t)(bench_rnd() % (uint64_t)(i + 1));
		int32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (int64_t i = 0; i < cfg->skus && pending < want;) {
		bench_check(jg_store_begin(st, &e), "begin", &e);
		for (int64_t end = i + step; i < end && i < cfg->skus; i++) {
			int32_t s = order[i];
			int64_t single = -1;

			for (int64_t x = sh->sku_at[s]; x < sh->sku_at[s + 1] && single < 0; x++)
				if (sh->l[sh->sku_listings[x]].n == 1)
					single = sh->sku_listings[x];
			bench_sku_code(code, sizeof(code), s);
			if (i % 10 == 0 || single < 0) {
				bench_check(jg_stock_count(st, code, 0, "stocktake", NULL, &e),
					    "stocktake", &e);
			} else if (i % 10 < 7) {
				jg_order_in in;

				order_make(&in, sh, single, "D", i, 1 + i % 2,
					   1767225600000LL + 86400000LL * 30, &a);
				bench_check(jg_order_put(st, &in, NULL, &e), "order put", &e);
				jg_arena_reset(&a);
			} else {
				bench_check(jg_stock_receive(st, code, 20, "restock", &e),
					    "receive", &e);
			}
		}
		bench_check(jg_store_commit(st, &e), "commit", &e);
		pending = 0;
		bench_check(jg_sync_pending_each(st, NULL, count_pending, &pending, &e), "pending",
			    &e);
	}
	jg_arena_free(&a);
	jg_free(order);
	return pending;
}

/* Every channel's orders were collected just now: raises may be sent. */
static void mark_all_imported(jg_store *st)
{
	int64_t at;
	jg_err e;

	jg_err_clear(&e);
	nanosleep(&(struct timespec){0, 2000000}, NULL); /* later than the last telling */
	at = jg_now_ms();
	for (int64_t c = 0; c < N_CHANNELS; c++)
		bench_check(jg_channel_mark_imported(st, CHANNELS[c].name, at, &e), "mark imported",
			    &e);
}

/* ---- the measured part -------------------------------------------------------------------- */

typedef struct result {
	bench_span plan, export;
	size_t items, files;
	int64_t rows, held, bytes, verified;
	int64_t kinds[4];
} result;

/* Plan and export with marking. */
static void sync_all(jg_store *st, const jg_profiles *pr, const char *dir, bool force,
		     jg_sync_plan **plan, jg_sync_file **files, size_t *nf, bench_span *tp,
		     bench_span *te)
{
	bench_span t0 = bench_span_start();
	jg_err e;

	jg_err_clear(&e);
	bench_check(jg_sync_plan_make(st, NULL, force, plan, &e), "plan", &e);
	*tp = bench_span_end(t0);
	t0 = bench_span_start();
	bench_check(jg_sync_export(st, pr, *plan, dir, true, files, nf, &e), "export", &e);
	*te = bench_span_end(t0);
}

/* The measured runs, kept out of line so that callgrind and perf can count them alone. */
__attribute__((noinline)) static void timed_sync(jg_store *st, const jg_profiles *pr,
						 const char *dir, jg_sync_plan **plan,
						 jg_sync_file **files, size_t *nf, bench_span *tp,
						 bench_span *te)
{
	sync_all(st, pr, dir, false, plan, files, nf, tp, te);
}

/* One telling (forced: the first, which is not one of the measured runs): times it, checks
 * that what was written is what was planned and that nothing is left to tell afterwards,
 * removes the files unless `keep`. */
static void tell(jg_store *st, const jg_profiles *pr, const char *dir, bool force, bool keep,
		 bool verify, result *r)
{
	jg_sync_plan *plan = NULL, *after = NULL;
	jg_sync_file *files = NULL;
	size_t nf = 0;
	jg_err e;

	jg_err_clear(&e);
	memset(r, 0, sizeof(*r));
	if (force)
		sync_all(st, pr, dir, true, &plan, &files, &nf, &r->plan, &r->export);
	else
		timed_sync(st, pr, dir, &plan, &files, &nf, &r->plan, &r->export);
	r->items = jg_sync_plan_count(plan);
	for (size_t i = 0; i < r->items; i++) {
		const jg_sync_item *it = jg_sync_plan_at(plan, i);
		const char *colon = strchr(it->why, ':');
		char one[sizeof(it->cause)];

		r->kinds[it->kind]++;
		/* Every 50th cause, found in one pass for the whole plan, must be what the
		 * one-SKU query says. */
		if (verify && i % 50 == 0 && colon) {
			bench_check(jg_sku_last_event(st, colon + 1, 0, one, sizeof(one), &e),
				    "last event", &e);
			if (strcmp(one, it->cause) != 0) {
				fprintf(stderr, "bench_sync: cause of %s %s: \"%s\", not \"%s\"\n",
					it->channel, it->product_id, it->cause, one);
				exit(1);
			}
			r->verified++;
		}
	}
	r->files = nf;
	for (size_t i = 0; i < nf; i++) {
		int64_t sz = file_size(files[i].path);

		if (sz <= 0)
			bench_die("an exported file is missing or empty", NULL);
		r->rows += files[i].rows;
		r->held += files[i].held;
		r->bytes += sz;
		if (!keep)
			unlink(files[i].path);
	}
	if (r->rows + r->held != (int64_t)r->items)
		bench_die("the files do not hold the planned rows", NULL);
	bench_check(jg_sync_plan_make(st, NULL, false, &after, &e), "plan after", &e);
	if ((int64_t)jg_sync_plan_count(after) != r->held)
		bench_die("rows are left to tell after the export", NULL);
	jg_sync_plan_free(after);
	jg_sync_plan_free(plan);
	jg_free(files);
	if (!keep)
		rmdir(dir);
}

/* ---- the baseline ------------------------------------------------------------------------- */

#define SQL_DIRTY "(l.last_told IS NULL OR l.last_told <> l.listed)"

/* The sqlite3 shell writes the changed rows (channel, product id, option, quantity; in
 * jaego's order) as one CSV file and marks them told, durably, in one transaction. */
static void write_baseline_script(const char *path, const char *csv)
{
	FILE *f = fopen(path, "w");
	long long now = (long long)jg_now_ms();

	if (!f)
		bench_die("cannot write the baseline script", NULL);
	fprintf(f,
		"PRAGMA synchronous=FULL;\n"
		".headers on\n"
		".mode csv\n"
		".once '%s'\n"
		"SELECT c.name AS channel, l.product_id, l.option_text AS option,"
		" l.listed AS quantity FROM listing l JOIN channel c ON c.id = l.channel_id"
		" WHERE " SQL_DIRTY " ORDER BY c.name, l.listed, l.product_id, l.option_key;\n"
		"BEGIN IMMEDIATE;\n"
		"UPDATE channel SET last_told_at = %lld WHERE id IN"
		" (SELECT l.channel_id FROM listing l WHERE " SQL_DIRTY ");\n"
		"UPDATE listing AS l SET last_told = listed, told_at = %lld WHERE " SQL_DIRTY ";\n"
		"COMMIT;\n",
		csv, now, now);
	if (fclose(f) != 0)
		bench_die("cannot write the baseline script", NULL);
}

/* Rows of a CSV file without its header: every record here is one line. */
static int64_t csv_rows(const char *path)
{
	FILE *f = fopen(path, "r");
	int64_t n = 0;
	int c;

	if (!f)
		bench_die("cannot read the baseline's CSV", NULL);
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n - 1;
}

/* After the baseline: listings still to tell. */
static int64_t baseline_left(const config *cfg, const char *db, const char *script,
			     const char *out)
{
	FILE *f = fopen(script, "w");
	long long left = -1;

	if (!f)
		bench_die("cannot write the baseline script", NULL);
	fputs("SELECT COUNT(*) FROM listing l WHERE " SQL_DIRTY ";\n", f);
	if (fclose(f) != 0)
		bench_die("cannot write the baseline script", NULL);
	bench_run_sqlite(cfg->sqlite3, db, script, out);
	f = fopen(out, "r");
	if (!f || fscanf(f, "%lld", &left) != 1)
		bench_die("cannot read the baseline's count", NULL);
	fclose(f);
	return left;
}

/* ---- main ------------------------------------------------------------------------------------ */

static void usage(void)
{
	fputs("usage: bench_sync [--dir DIR] [--skus N] [--listings N] [--history N]\n"
	      "                  [--percent N] [--repeats N] [--sqlite3 PATH]\n"
	      "                  [--no-baseline] [--keep]\n",
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
		{"--listings", offsetof(config, listings)},
		{"--history", offsetof(config, history)},
		{"--percent", offsetof(config, percent)},
		{"--repeats", offsetof(config, repeats)},
	};

	for (int i = 1; i < argc; i++) {
		bool done = false;

		for (size_t j = 0; j < sizeof(nums) / sizeof(nums[0]) && !done; j++) {
			int64_t *v = (int64_t *)(void *)((char *)cfg + nums[j].off);

			if (strcmp(argv[i], nums[j].name) != 0)
				continue;
			if (i + 1 >= argc || jg_parse_i64(v, argv[++i]) || *v < 0)
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
	if (cfg->skus < N_CHANNELS || cfg->listings < N_CHANNELS ||
	    cfg->listings / N_CHANNELS > 999999 || cfg->percent < 1 || cfg->percent > 100 ||
	    cfg->repeats < 1 || cfg->repeats > MAX_REPEATS)
		usage();
}

static const char *verdict(bool met)
{
	return met ? "met" : "NOT MET";
}

static void row(const char *what, bench_span j, const bench_span *b, const char *target, bool met)
{
	printf("%-36s %8.3f s %8.3f s", what, j.wall, j.cpu);
	if (b)
		printf(" %8.3f s %8.3f s %7.2f %7.2f", b->wall, b->cpu, j.wall / b->wall,
		       j.cpu / b->cpu);
	else
		printf(" %10s %10s %7s %7s", "", "", "", "");
	if (target)
		printf("  %-6s %s", target, verdict(met));
	printf("\n");
}

int main(int argc, char **argv)
{
	config cfg = {10000, 100000, 50000, 10, 5, "bench/out/sync", "sqlite3", true, false};
	char db[BENCH_PATH_MAX], pristine[BENCH_PATH_MAX], base_db[BENCH_PATH_MAX],
		script[BENCH_PATH_MAX], out[BENCH_PATH_MAX], csv[BENCH_PATH_MAX],
		first_dir[BENCH_PATH_MAX], run_dir[BENCH_PATH_MAX];
	double pw[MAX_REPEATS], pc[MAX_REPEATS], ew[MAX_REPEATS], ec[MAX_REPEATS],
		tw[MAX_REPEATS], tc[MAX_REPEATS], bw[MAX_REPEATS], bc[MAX_REPEATS];
	bench_span t_build, t_change, t_plan, t_export, t_total, t_base = {0, 0};
	int64_t touched, base_rows = -1, verified = 0;
	result first, r, last = {0};
	jg_profiles *pr;
	jg_store *st;
	bench_shop sh;
	jg_err e;

	bench_name = "bench_sync";
	bench_seed(SEED);
	parse_args(&cfg, argc, argv);
	jg_err_clear(&e);
	mkdir(cfg.dir, 0755);
	bench_path_join(db, cfg.dir, "sync.db");
	bench_path_join(pristine, cfg.dir, "sync_changed.db");
	bench_path_join(base_db, cfg.dir, "baseline.db");
	bench_path_join(script, cfg.dir, "baseline.sql");
	bench_path_join(out, cfg.dir, "baseline.out");
	bench_path_join(csv, cfg.dir, "baseline.csv");
	bench_path_join(first_dir, cfg.dir, "first");
	bench_path_join(run_dir, cfg.dir, "export");
	bench_remove_db(db);
	bench_remove_db(pristine);
	bench_remove_db(base_db);

	memset(&sh, 0, sizeof(sh));
	bench_shop_generate(&sh, cfg.skus, N_CHANNELS, cfg.listings);

	/* 1. The shop and its history, through the API; everything told once. */
	t_build = bench_span_start();
	bench_check(jg_store_open(&st, db, &e), "open", &e);
	build(st, &sh, &cfg);
	t_build = bench_span_end(t_build);
	bench_check(jg_intake_profiles(st, &pr, &e), "profiles", &e);
	tell(st, pr, first_dir, true, cfg.keep, false, &first);
	if (first.rows != sh.nl)
		bench_die("the first telling did not tell every listing", NULL);

	/* 2. The day's changes; every channel's orders collected since. */
	t_change = bench_span_start();
	touched = change(st, &sh, &cfg);
	mark_all_imported(st);
	t_change = bench_span_end(t_change);
	jg_profiles_free(pr);
	jg_store_close(st); /* the last close checkpoints the WAL into the file */
	bench_copy_file(db, pristine);

	/* 3. Plan and export, on fresh copies of the changed database; the median counts. */
	for (int64_t i = 0; i < cfg.repeats; i++) {
		bench_remove_db(db);
		bench_copy_file(pristine, db);
		bench_check(jg_store_open(&st, db, &e), "open", &e);
		bench_check(jg_store_require_schema(st, &e), "schema", &e);
		bench_check(jg_intake_profiles(st, &pr, &e), "profiles", &e);
		tell(st, pr, run_dir, false, cfg.keep && i == cfg.repeats - 1, i == 0, &r);
		/* Not bytes: an xlsx file holds the time it was made. */
		if (i > 0 && (r.rows != last.rows || r.files != last.files ||
			      memcmp(r.kinds, last.kinds, sizeof(r.kinds)) != 0))
			bench_die("two runs on the same database wrote different files", NULL);
		verified += r.verified;
		last = r;
		pw[i] = r.plan.wall;
		pc[i] = r.plan.cpu;
		ew[i] = r.export.wall;
		ec[i] = r.export.cpu;
		tw[i] = r.plan.wall + r.export.wall;
		tc[i] = r.plan.cpu + r.export.cpu;
		jg_profiles_free(pr);
		jg_store_close(st);
	}
	t_plan = (bench_span){bench_median(pw, (size_t)cfg.repeats),
			      bench_median(pc, (size_t)cfg.repeats)};
	t_export = (bench_span){bench_median(ew, (size_t)cfg.repeats),
				bench_median(ec, (size_t)cfg.repeats)};
	t_total = (bench_span){bench_median(tw, (size_t)cfg.repeats),
			       bench_median(tc, (size_t)cfg.repeats)};

	/* 4. The baseline, as many times, on fresh copies of the same database. */
	if (cfg.baseline) {
		for (int64_t i = 0; i < cfg.repeats; i++) {
			bench_span b;

			bench_remove_db(base_db);
			bench_copy_file(pristine, base_db);
			write_baseline_script(script, csv);
			b = bench_run_sqlite(cfg.sqlite3, base_db, script, out);
			bw[i] = b.wall;
			bc[i] = b.cpu;
			base_rows = csv_rows(csv);
			if (base_rows != last.rows)
				bench_die("the baseline found a different number of rows", NULL);
			if (baseline_left(&cfg, base_db, script, out) != 0)
				bench_die("the baseline left rows untold", NULL);
		}
		t_base = (bench_span){bench_median(bw, (size_t)cfg.repeats),
				      bench_median(bc, (size_t)cfg.repeats)};
	}

	printf("shop: %lld SKUs, %lld channels, %lld listings (%lld bundles of 2-3 SKUs), "
	       "%lld history order lines (a tenth shipped); built through the API in %.1f s\n",
	       (long long)cfg.skus, (long long)N_CHANNELS, (long long)sh.nl,
	       (long long)(sh.nl / 10), (long long)cfg.history, t_build.wall);
	printf("first telling (forced, every listing): %lld rows in %zu files, plan %.3f s + "
	       "export %.3f s\n",
	       (long long)first.rows, first.files, first.plan.wall, first.export.wall);
	printf("changes: %lld listings to tell (%.1f %%); applied in %.2f s\n",
	       (long long)touched, 100.0 * (double)touched / (double)sh.nl, t_change.wall);
	printf("plan: %zu rows (%.1f %% of listings): %lld zero, %lld lower, %lld raise, %lld "
	       "held\n",
	       last.items, 100.0 * (double)last.items / (double)sh.nl, (long long)last.kinds[0],
	       (long long)last.kinds[1], (long long)last.kinds[2], (long long)last.kinds[3]);
	printf("export: %lld rows in %zu files (%.0f KB), marked told in one transaction; "
	       "a new plan is empty%s\n",
	       (long long)last.rows, last.files, (double)last.bytes / 1024.0,
	       cfg.baseline ? "; the baseline wrote as many rows and left none untold" : "");
	printf("causes: %lld sampled, each as jg_sku_last_event gives it\n", (long long)verified);
	printf("runs on fresh copies: %lld (medians below)\n\n", (long long)cfg.repeats);
	printf("%-36s %10s %10s %10s %10s %7s %7s\n", "", "jaego", "", "baseline", "", "ratio",
	       "");
	printf("%-36s %10s %10s %10s %10s %7s %7s  %s\n", "measure", "wall", "cpu", "wall", "cpu",
	       "wall", "cpu", "target");
	row("jg_sync_plan_make", t_plan, NULL, NULL, false);
	row("jg_sync_export (write + mark)", t_export, NULL, NULL, false);
	row("plan + export", t_total, cfg.baseline ? &t_base : NULL, "< 1 s", t_total.wall < 1);
	if (!cfg.keep) {
		bench_remove_db(db);
		bench_remove_db(pristine);
		bench_remove_db(base_db);
		unlink(script);
		unlink(out);
		unlink(csv);
		rmdir(cfg.dir);
	}
	bench_shop_free(&sh);
	return 0;
}
