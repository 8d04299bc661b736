/* SPDX-License-Identifier: MIT */
/*
 * What the benchmarks share: a fixed-seed random stream, wall and CPU clocks, medians,
 * file helpers, and the generated shop of the stock-engine benchmark (SKUs with stock, ten
 * channels with a mix of rules, listings of which a tenth are bundles of 2-3 SKUs) built
 * through the library API. The same seed gives the same shop in every benchmark that uses
 * it. Everything here exits the process on failure: a benchmark that cannot set up has
 * nothing to report.
 */
#ifndef JG_BENCH_COMMON_H
#define JG_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "jaego/jaego.h"

#define BENCH_PATH_MAX 1024
#define BENCH_MAX_COMP 3

/* The benchmark's name, for messages ("bench_intake: ..."). Set it first in main. */
extern const char *bench_name;

/* ---- helpers ---------------------------------------------------------------------------- */

/* The next number of the fixed-seed stream (splitmix64). */
uint64_t bench_rnd(void);
/* Restarts the stream at `seed` (the default is "jaego-01"; a benchmark with a seed of its
 * own sets it first in main). */
void bench_seed(uint64_t seed);
double bench_clock_s(clockid_t id);
double bench_now_s(void); /* CLOCK_MONOTONIC */

/* Wall and CPU seconds of one measured stretch (CPU of the whole process). */
typedef struct bench_span {
	double wall, cpu;
} bench_span;

bench_span bench_span_start(void);
bench_span bench_span_end(bench_span t0);

_Noreturn void bench_die(const char *what, const jg_err *e);
void bench_check(int rc, const char *what, const jg_err *e);
void *bench_calloc(size_t n, size_t size);
/* Sorts v and returns its median. */
double bench_median(double *v, size_t n);
/* v sorted: the value at quantile q (0..1), nearest rank. */
double bench_quantile(const double *v, size_t n, double q);
void bench_path_join(char *out, const char *dir, const char *name);
/* Removes a database file and its -wal and -shm. */
void bench_remove_db(const char *path);
void bench_copy_file(const char *from, const char *to);
/* Makes the directory (and its parents). */
void bench_mkdirs(const char *dir);
/* User + system seconds of a rusage. */
struct rusage;
double bench_rusage_s(const struct rusage *r);

/* ---- child processes --------------------------------------------------------------------- */

#define BENCH_OUT_MAX  8192
#define BENCH_RUNS_MAX 16

/* One run of a child process. */
typedef struct bench_run {
	char out[BENCH_OUT_MAX]; /* what the child printed */
	double wall;             /* seconds, spawn to exit */
	double cpu;              /* user + system seconds of the child */
	long maxrss;             /* KiB */
	int status;              /* exit status, 128 if it did not exit */
} bench_run;

/* Runs argv (argv[0] a path) in a fresh process with its stdout captured; fills the wall
 * time, the child's CPU time (wait4) and peak RSS. 0 if it ran and exited 0. */
int bench_run_child(bench_run *r, char *const argv[]);
/* Runs argv `runs` (1..BENCH_RUNS_MAX) times; *med gets the first run's output, the
 * median wall and CPU times (taken apart; the upper middle one of an even count) and the
 * largest peak RSS. */
int bench_measure(bench_run *med, char *const argv[], int runs);
/* Runs `sqlite3 -bail db` (sqlite3 looked up in PATH) with stdin from `script` and stdout
 * to `out`: wall time and the child's CPU time. Exits on failure. */
bench_span bench_run_sqlite(const char *sqlite3, const char *db, const char *script,
			    const char *out);

/* ---- the generated shop ------------------------------------------------------------------ */

typedef struct bench_listing {
	int32_t channel, k; /* channel, index within the channel */
	int32_t n;
	int32_t sku[BENCH_MAX_COMP];
	int32_t qty[BENCH_MAX_COMP];
} bench_listing;

typedef struct bench_shop {
	int64_t skus, channels;
	bench_listing *l;
	int64_t nl, per_channel;
	/* The reverse index SKU -> listings as compressed rows: sku_at[s]..sku_at[s+1]. */
	int64_t *sku_at;
	int32_t *sku_listings;
} bench_shop;

void bench_sku_code(char *out, size_t n, int64_t i);
void bench_channel_name(char *out, size_t n, int64_t c);
void bench_product_id(char *out, size_t n, const bench_listing *l);
/* The option as a listing is mapped (compact = false), and as half of the orders spell it. */
void bench_option_text(char *out, size_t n, const bench_listing *l, bool compact);

/* Generates `listings` listings (listings/channels per channel) over `skus` SKUs, from the
 * random stream. */
void bench_shop_generate(bench_shop *sh, int64_t skus, int64_t channels, int64_t listings);
void bench_shop_free(bench_shop *sh);
/* Migrates an empty store and builds the shop in it: every SKU with stock (every 100th
 * nearly out, every 7th with a safety stock of 1), the channels with their rules, every
 * listing mapped. Two durable transactions. */
void bench_shop_build(jg_store *st, const bench_shop *sh);

/* A new tenant `tag` of the PostgreSQL database `url`, filled from the store `from` by
 * jg_store_copy (not timed by callers); its URL goes into out[n]. The tenant is left in
 * the database: benchmarks point at a scratch database. */
void bench_pg_tenant(char *out, size_t n, const char *url, const char *from, const char *tag);

#endif
