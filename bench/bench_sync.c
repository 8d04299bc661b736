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

#include "jaego/intake.h"
#include "jaego/jaego.h"
#include "jaego/sync.h"

extern char **environ;

#define MAX_COMP 3
#define MAX_REPEATS 16
#define PATH_MAX_BYTES 1024
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

typedef struct listing {
	int32_t channel, k;
	int32_t n;
	int32_t sku[MAX_COMP];
	int32_t qty[MAX_COMP];
} listing;

typedef struct shop {
	listing *l;
	int64_t nl, per_channel;
	int64_t *sku_at;       /* reverse index SKU -> listings: sku_at[s]..sku_at[s+1] */
	int32_t *sku_listings;
} shop;

/* ---- small helpers --------------------------------------------------------------------- */

static uint64_t rng_state = 0x6a6165676f2d7379ULL; /* "jaego-sy" */

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

/* Wall and CPU seconds of one measured stretch. */
typedef struct span {
	double wall, cpu;
} span;

static span span_start(void)
{
	return (span){clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_PROCESS_CPUTIME_ID)};
}

static span span_end(span t0)
{
	return (span){clock_s(CLOCK_MONOTONIC) - t0.wall,
		      clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0.cpu};
}

static double rusage_s(const struct rusage *r)
{
	return (double)(r->ru_utime.tv_sec + r->ru_stime.tv_sec) +
	       (double)(r->ru_utime.tv_usec + r->ru_stime.tv_usec) / 1e6;
}

static void die(const char *what, const jg_err *e)
{
	fprintf(stderr, "bench_sync: %s: %s\n", what, e && e->code ? e->msg : "failed");
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

static double median(const double *v, size_t n)
{
	double s[MAX_REPEATS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
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

static int64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Runs `sqlite3 -bail db` with stdin from `script` and stdout to `out`: wall time and the
 * child's CPU time. */
static span run_sqlite(const config *cfg, const char *db, const char *script, const char *out)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = {(char *)cfg->sqlite3, (char *)"-bail", (char *)db, NULL};
	struct rusage before, after;
	pid_t pid;
	int status, rc;
	span t0 = span_start();

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, script, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	getrusage(RUSAGE_CHILDREN, &before);
	t0.wall = clock_s(CLOCK_MONOTONIC);
	rc = posix_spawnp(&pid, cfg->sqlite3, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "bench_sync: cannot run %s: %s\n", cfg->sqlite3, strerror(rc));
		exit(1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid failed", NULL);
	t0.wall = clock_s(CLOCK_MONOTONIC) - t0.wall;
	getrusage(RUSAGE_CHILDREN, &after);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_sync: %s failed on %s (output in %s)\n", cfg->sqlite3,
			script, out);
		exit(1);
	}
	return (span){t0.wall, rusage_s(&after) - rusage_s(&before)};
}

/* ---- the generated shop ------------------------------------------------------------------ */

static const char *const SIZES[] = {"S", "M", "L"};

static void sku_code(char *out, size_t n, int64_t i)
{
	snprintf(out, n, "SKU-%05lld", (long long)i);
}

static void product_id(char *out, size_t n, const listing *l)
{
	snprintf(out, n, "P%02d-%06d", l->channel, l->k);
}

/* Half the options carry a comma, which CSV files must quote. All are CP949 text. */
static void option_text(char *out, size_t n, const listing *l)
{
	snprintf(out, n, l->k % 2 ? "색상: 빨강, 사이즈: %s" : "색상: 파랑 / 사이즈: %s",
		 SIZES[l->k % 3]);
}

static void shop_generate(shop *sh, const config *cfg)
{
	int64_t *fill;

	sh->per_channel = cfg->listings / N_CHANNELS;
	sh->nl = sh->per_channel * N_CHANNELS;
	sh->l = xcalloc((size_t)sh->nl, sizeof(*sh->l));
	for (int64_t c = 0; c < N_CHANNELS; c++) {
		int64_t singles = 0;

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
				/* Channel c lists a window of the catalogue that starts at c/10. */
				l->n = 1;
				l->sku[0] = (int32_t)((singles++ % sh->per_channel +
						       c * (cfg->skus / N_CHANNELS)) %
						      cfg->skus);
				l->qty[0] = 1;
			}
		}
	}
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
}

static void shop_free(shop *sh)
{
	jg_free(sh->l);
	jg_free(sh->sku_at);
	jg_free(sh->sku_listings);
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
static void order_make(jg_order_in *in, const shop *sh, int64_t li, const char *prefix,
		       int64_t seq, int64_t qty, int64_t at, jg_arena *a)
{
	const listing *l = &sh->l[li];
	char buf[JG_CODE_MAX];

	memset(in, 0, sizeof(*in));
	in->channel = CHANNELS[l->channel].name;
	snprintf(buf, sizeof(buf), "%s%07lld", prefix, (long long)seq);
	in->line_id = jg_arena_strdup(a, buf);
	in->order_no = in->line_id;
	product_id(buf, sizeof(buf), l);
	in->product_id = jg_arena_strdup(a, buf);
	option_text(buf, sizeof(buf), l);
	in->option = jg_arena_strdup(a, buf);
	if (!in->line_id || !in->product_id || !in->option)
		die("out of memory", NULL);
	in->qty = qty;
	in->status = JG_STATUS_OPEN;
	in->channel_status = CHANNEL_STATUS;
	in->ordered_at = at;
}

/* SKUs, channels, listings, then the history: order lines, every tenth shipped. */
static void build(jg_store *st, const shop *sh, const config *cfg)
{
	char code[JG_CODE_MAX], name[JG_CODE_MAX], pid[JG_CODE_MAX], opt[128];
	jg_arena a;
	jg_err e;

	jg_err_clear(&e);
	check(jg_store_migrate(st, NULL, &e), "migrate", &e);
	check(jg_store_begin(st, &e), "begin", &e);
	for (int64_t i = 0; i < cfg->skus; i++) {
		sku_code(code, sizeof(code), i);
		snprintf(name, sizeof(name), "상품 %lld", (long long)i);
		check(jg_sku_add(st, code, name, i % 7 == 0 ? 1 : 0, &e), "sku add", &e);
		check(jg_stock_receive(st, code, 150 + i % 50, "opening stock", &e), "receive", &e);
	}
	for (int64_t c = 0; c < N_CHANNELS; c++) {
		jg_rule_patch p;

		check(jg_channel_add(st, CHANNELS[c].name, CHANNELS[c].profile, &e), "channel add",
		      &e);
		channel_rule(&p, c);
		if (p.set)
			check(jg_channel_set(st, CHANNELS[c].name, &p, &e), "channel set", &e);
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
		product_id(pid, sizeof(pid), l);
		option_text(opt, sizeof(opt), l);
		check(jg_listing_map(st, CHANNELS[l->channel].name, pid, opt, items, (size_t)l->n,
				     NULL, &e),
		      "listing map", &e);
	}
	check(jg_store_commit(st, &e), "commit", &e);

	jg_arena_init(&a, (size_t)1 << 30);
	check(jg_store_begin(st, &e), "begin", &e);
	for (int64_t i = 0; i < cfg->history; i++) {
		jg_order_in in;
		uint64_t r = rnd();

		order_make(&in, sh, (int64_t)(r % (uint64_t)sh->nl), "H", i, r / 7 % 10 < 8 ? 1 : 2,
			   1767225600000LL + i * 1000, &a);
		check(jg_order_put(st, &in, NULL, &e), "history order put", &e);
		if (i % 10 == 0) {
			jg_transition_opts o = {.courier = "CJ대한통운", .tracking = "600000000000"};

			check(jg_order_transition(st, in.channel, in.line_id, JG_STATUS_SHIPPED, &o,
						  NULL, &e),
			      "history ship", &e);
		}
		jg_arena_reset(&a);
	}
	check(jg_store_commit(st, &e), "commit", &e);
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
static int64_t change(jg_store *st, const shop *sh, const config *cfg)
{
	int32_t *order = xcalloc((size_t)cfg->skus, sizeof(*order));
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
		int64_t j = (int64_t)(rnd() % (uint64_t)(i + 1));
		int32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (int64_t i = 0; i < cfg->skus && pending < want;) {
		check(jg_store_begin(st, &e), "begin", &e);
		for (int64_t end = i + step; i < end && i < cfg->skus; i++) {
			int32_t s = order[i];
			int64_t single = -1;

			for (int64_t x = sh->sku_at[s]; x < sh->sku_at[s + 1] && single < 0; x++)
				if (sh->l[sh->sku_listings[x]].n == 1)
					single = sh->sku_listings[x];
			sku_code(code, sizeof(code), s);
			if (i % 10 == 0 || single < 0) {
				check(jg_stock_count(st, code, 0, "stocktake", NULL, &e),
				      "stocktake", &e);
			} else if (i % 10 < 7) {
				jg_order_in in;

				order_make(&in, sh, single, "D", i, 1 + i % 2,
					   1767225600000LL + 86400000LL * 30, &a);
				check(jg_order_put(st, &in, NULL, &e), "order put", &e);
				jg_arena_reset(&a);
			} else {
				check(jg_stock_receive(st, code, 20, "restock", &e), "receive", &e);
			}
		}
		check(jg_store_commit(st, &e), "commit", &e);
		pending = 0;
		check(jg_sync_pending_each(st, NULL, count_pending, &pending, &e), "pending", &e);
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
		check(jg_channel_mark_imported(st, CHANNELS[c].name, at, &e), "mark imported", &e);
}

/* ---- the measured part -------------------------------------------------------------------- */

typedef struct result {
	span plan, export;
	size_t items, files;
	int64_t rows, held, bytes, verified;
	int64_t kinds[4];
} result;

/* Plan and export with marking. */
static void sync_all(jg_store *st, const jg_profiles *pr, const char *dir, bool force,
		     jg_sync_plan **plan, jg_sync_file **files, size_t *nf, span *tp, span *te)
{
	span t0 = span_start();
	jg_err e;

	jg_err_clear(&e);
	check(jg_sync_plan_make(st, NULL, force, plan, &e), "plan", &e);
	*tp = span_end(t0);
	t0 = span_start();
	check(jg_sync_export(st, pr, *plan, dir, true, files, nf, &e), "export", &e);
	*te = span_end(t0);
}

/* The measured runs, kept out of line so that callgrind and perf can count them alone. */
__attribute__((noinline)) static void timed_sync(jg_store *st, const jg_profiles *pr,
						 const char *dir, jg_sync_plan **plan,
						 jg_sync_file **files, size_t *nf, span *tp,
						 span *te)
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
			check(jg_sku_last_event(st, colon + 1, 0, one, sizeof(one), &e),
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
			die("an exported file is missing or empty", NULL);
		r->rows += files[i].rows;
		r->held += files[i].held;
		r->bytes += sz;
		if (!keep)
			unlink(files[i].path);
	}
	if (r->rows + r->held != (int64_t)r->items)
		die("the files do not hold the planned rows", NULL);
	check(jg_sync_plan_make(st, NULL, false, &after, &e), "plan after", &e);
	if ((int64_t)jg_sync_plan_count(after) != r->held)
		die("rows are left to tell after the export", NULL);
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
		die("cannot write the baseline script", NULL);
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
		die("cannot write the baseline script", NULL);
}

/* Rows of a CSV file without its header: every record here is one line. */
static int64_t csv_rows(const char *path)
{
	FILE *f = fopen(path, "r");
	int64_t n = 0;
	int c;

	if (!f)
		die("cannot read the baseline's CSV", NULL);
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
		die("cannot write the baseline script", NULL);
	fputs("SELECT COUNT(*) FROM listing l WHERE " SQL_DIRTY ";\n", f);
	if (fclose(f) != 0)
		die("cannot write the baseline script", NULL);
	run_sqlite(cfg, db, script, out);
	f = fopen(out, "r");
	if (!f || fscanf(f, "%lld", &left) != 1)
		die("cannot read the baseline's count", NULL);
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

static void row(const char *what, span j, const span *b, const char *target, bool met)
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
	char db[PATH_MAX_BYTES], pristine[PATH_MAX_BYTES], base_db[PATH_MAX_BYTES],
		script[PATH_MAX_BYTES], out[PATH_MAX_BYTES], csv[PATH_MAX_BYTES],
		first_dir[PATH_MAX_BYTES], run_dir[PATH_MAX_BYTES];
	double pw[MAX_REPEATS], pc[MAX_REPEATS], ew[MAX_REPEATS], ec[MAX_REPEATS],
		tw[MAX_REPEATS], tc[MAX_REPEATS], bw[MAX_REPEATS], bc[MAX_REPEATS];
	span t_build, t_change, t_plan, t_export, t_total, t_base = {0, 0};
	int64_t touched, base_rows = -1, verified = 0;
	result first, r, last = {0};
	jg_profiles *pr;
	jg_store *st;
	shop sh;
	jg_err e;

	parse_args(&cfg, argc, argv);
	jg_err_clear(&e);
	mkdir(cfg.dir, 0755);
	path_join(db, cfg.dir, "sync.db");
	path_join(pristine, cfg.dir, "sync_changed.db");
	path_join(base_db, cfg.dir, "baseline.db");
	path_join(script, cfg.dir, "baseline.sql");
	path_join(out, cfg.dir, "baseline.out");
	path_join(csv, cfg.dir, "baseline.csv");
	path_join(first_dir, cfg.dir, "first");
	path_join(run_dir, cfg.dir, "export");
	remove_db(db);
	remove_db(pristine);
	remove_db(base_db);

	memset(&sh, 0, sizeof(sh));
	shop_generate(&sh, &cfg);

	/* 1. The shop and its history, through the API; everything told once. */
	t_build = span_start();
	check(jg_store_open(&st, db, &e), "open", &e);
	build(st, &sh, &cfg);
	t_build = span_end(t_build);
	check(jg_intake_profiles(st, &pr, &e), "profiles", &e);
	tell(st, pr, first_dir, true, cfg.keep, false, &first);
	if (first.rows != sh.nl)
		die("the first telling did not tell every listing", NULL);

	/* 2. The day's changes; every channel's orders collected since. */
	t_change = span_start();
	touched = change(st, &sh, &cfg);
	mark_all_imported(st);
	t_change = span_end(t_change);
	jg_profiles_free(pr);
	jg_store_close(st); /* the last close checkpoints the WAL into the file */
	copy_file(db, pristine);

	/* 3. Plan and export, on fresh copies of the changed database; the median counts. */
	for (int64_t i = 0; i < cfg.repeats; i++) {
		remove_db(db);
		copy_file(pristine, db);
		check(jg_store_open(&st, db, &e), "open", &e);
		check(jg_store_require_schema(st, &e), "schema", &e);
		check(jg_intake_profiles(st, &pr, &e), "profiles", &e);
		tell(st, pr, run_dir, false, cfg.keep && i == cfg.repeats - 1, i == 0, &r);
		/* Not bytes: an xlsx file holds the time it was made. */
		if (i > 0 && (r.rows != last.rows || r.files != last.files ||
			      memcmp(r.kinds, last.kinds, sizeof(r.kinds)) != 0))
			die("two runs on the same database wrote different files", NULL);
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
	t_plan = (span){median(pw, (size_t)cfg.repeats), median(pc, (size_t)cfg.repeats)};
	t_export = (span){median(ew, (size_t)cfg.repeats), median(ec, (size_t)cfg.repeats)};
	t_total = (span){median(tw, (size_t)cfg.repeats), median(tc, (size_t)cfg.repeats)};

	/* 4. The baseline, as many times, on fresh copies of the same database. */
	if (cfg.baseline) {
		for (int64_t i = 0; i < cfg.repeats; i++) {
			span b;

			remove_db(base_db);
			copy_file(pristine, base_db);
			write_baseline_script(script, csv);
			b = run_sqlite(&cfg, base_db, script, out);
			bw[i] = b.wall;
			bc[i] = b.cpu;
			base_rows = csv_rows(csv);
			if (base_rows != last.rows)
				die("the baseline found a different number of rows", NULL);
			if (baseline_left(&cfg, base_db, script, out) != 0)
				die("the baseline left rows untold", NULL);
		}
		t_base = (span){median(bw, (size_t)cfg.repeats), median(bc, (size_t)cfg.repeats)};
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
		remove_db(db);
		remove_db(pristine);
		remove_db(base_db);
		unlink(script);
		unlink(out);
		unlink(csv);
		rmdir(cfg.dir);
	}
	shop_free(&sh);
	return 0;
}
