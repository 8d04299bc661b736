/* SPDX-License-Identifier: MIT */
/*
 * The benchmarks' shared helpers and generated shop (common.h). The shop is the one of
 * bench_stock.c: the same fixed seed and the same draws in the same order, so a benchmark
 * that generates it first gets the same listings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

const char *bench_name = "bench";

static uint64_t rng_state = 0x6a6165676f2d3031ULL; /* "jaego-01" */

uint64_t bench_rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double bench_clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_now_s(void)
{
	return bench_clock_s(CLOCK_MONOTONIC);
}

bench_span bench_span_start(void)
{
	return (bench_span){bench_now_s(), bench_clock_s(CLOCK_PROCESS_CPUTIME_ID)};
}

bench_span bench_span_end(bench_span t0)
{
	return (bench_span){bench_now_s() - t0.wall,
			    bench_clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0.cpu};
}

void bench_die(const char *what, const jg_err *e)
{
	fprintf(stderr, "%s: %s: %s\n", bench_name, what, e && e->code ? e->msg : "failed");
	exit(1);
}

void bench_check(int rc, const char *what, const jg_err *e)
{
	if (rc)
		bench_die(what, e);
}

void *bench_calloc(size_t n, size_t size)
{
	void *p = jg_calloc(n ? n : 1, size);

	if (!p)
		bench_die("out of memory", NULL);
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_quantile(const double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(q * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

void bench_path_join(char *out, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, BENCH_PATH_MAX, "%s/%s", dir, name) >= BENCH_PATH_MAX)
		bench_die("path too long", NULL);
}

void bench_remove_db(const char *path)
{
	char p[BENCH_PATH_MAX + 8];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

void bench_copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[1 << 16];
	size_t n;

	if (!in || !out)
		bench_die("cannot copy the database file", NULL);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			bench_die("cannot write the database copy", NULL);
	if (ferror(in) || fclose(out) != 0)
		bench_die("cannot copy the database file", NULL);
	fclose(in);
}

void bench_mkdirs(const char *dir)
{
	char p[BENCH_PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(p))
		bench_die("path too long", NULL);
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (p[i] == '/' || p[i] == '\0') {
			char c = p[i];

			p[i] = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST)
				bench_die("cannot make the scratch directory", NULL);
			p[i] = c;
		}
}

/* ---- the generated shop ------------------------------------------------------------------ */

static const char *const SIZES[] = {"S", "M", "L"};

void bench_sku_code(char *out, size_t n, int64_t i)
{
	snprintf(out, n, "SKU-%05lld", (long long)i);
}

void bench_channel_name(char *out, size_t n, int64_t c)
{
	snprintf(out, n, "ch%02lld", (long long)c);
}

void bench_product_id(char *out, size_t n, const bench_listing *l)
{
	snprintf(out, n, "P%02d-%06d", l->channel, l->k);
}

void bench_option_text(char *out, size_t n, const bench_listing *l, bool compact)
{
	snprintf(out, n, compact ? "색상:빨강/사이즈:%s" : "색상: 빨강 / 사이즈: %s",
		 SIZES[l->k % 3]);
}

void bench_shop_generate(bench_shop *sh, int64_t skus, int64_t channels, int64_t listings)
{
	int64_t singles = 0, *fill;

	memset(sh, 0, sizeof(*sh));
	sh->skus = skus;
	sh->channels = channels;
	sh->per_channel = listings / channels;
	sh->nl = sh->per_channel * channels;
	sh->l = bench_calloc((size_t)sh->nl, sizeof(*sh->l));
	for (int64_t c = 0; c < channels; c++) {
		for (int64_t k = 0; k < sh->per_channel; k++) {
			bench_listing *l = &sh->l[c * sh->per_channel + k];

			l->channel = (int32_t)c;
			l->k = (int32_t)k;
			if (k % 10 == 9) {
				/* A bundle of 2-3 distinct SKUs, 1-2 of each. */
				l->n = 2 + (int32_t)(bench_rnd() % 2);
				for (int32_t i = 0; i < l->n; i++) {
					int32_t s;
					bool dup;

					do {
						s = (int32_t)(bench_rnd() % (uint64_t)skus);
						dup = false;
						for (int32_t j = 0; j < i; j++)
							dup = dup || l->sku[j] == s;
					} while (dup);
					l->sku[i] = s;
					l->qty[i] = 1 + (int32_t)(bench_rnd() % 2);
				}
			} else {
				/* Channel c lists a window of the catalogue that starts at
				 * c/channels. */
				l->n = 1;
				l->sku[0] = (int32_t)((singles++ % sh->per_channel +
						       c * (skus / channels)) %
						      skus);
				l->qty[0] = 1;
			}
		}
		singles = 0;
	}
	sh->sku_at = bench_calloc((size_t)skus + 1, sizeof(*sh->sku_at));
	for (int64_t i = 0; i < sh->nl; i++)
		for (int32_t j = 0; j < sh->l[i].n; j++)
			sh->sku_at[sh->l[i].sku[j] + 1]++;
	for (int64_t s = 0; s < skus; s++)
		sh->sku_at[s + 1] += sh->sku_at[s];
	sh->sku_listings = bench_calloc((size_t)sh->sku_at[skus], sizeof(*sh->sku_listings));
	fill = bench_calloc((size_t)skus, sizeof(*fill));
	for (int64_t i = 0; i < sh->nl; i++)
		for (int32_t j = 0; j < sh->l[i].n; j++) {
			int32_t s = sh->l[i].sku[j];

			sh->sku_listings[sh->sku_at[s] + fill[s]++] = (int32_t)i;
		}
	jg_free(fill);
}

void bench_shop_free(bench_shop *sh)
{
	jg_free(sh->l);
	jg_free(sh->sku_at);
	jg_free(sh->sku_listings);
	memset(sh, 0, sizeof(*sh));
}

/* Channel rules that exercise every part of the formula except priority. */
static void channel_rule(jg_rule_patch *p, int64_t c)
{
	memset(p, 0, sizeof(*p));
	jg_rule_default(&p->rule);
	switch (c % 5) {
	case 1:
		p->set = JG_RULE_SET_BUFFER;
		p->rule.buffer = 2;
		break;
	case 2:
		p->set = JG_RULE_SET_PERCENT;
		p->rule.percent = 90;
		break;
	case 3:
		p->set = JG_RULE_SET_MAX;
		p->rule.max = 30;
		break;
	case 4:
		p->set = JG_RULE_SET_END_WHEN;
		p->rule.end_when = 1;
		break;
	default: break;
	}
}

void bench_shop_build(jg_store *st, const bench_shop *sh)
{
	char code[JG_CODE_MAX], name[JG_CODE_MAX], pid[JG_CODE_MAX], opt[128];
	jg_err e;

	jg_err_clear(&e);
	bench_check(jg_store_migrate(st, NULL, &e), "migrate", &e);
	bench_check(jg_store_begin(st, &e), "begin", &e);
	for (int64_t i = 0; i < sh->skus; i++) {
		/* Every 100th SKU is nearly out, so that some lines are oversold. */
		int64_t stock = i % 100 == 0 ? 5 : 150 + i % 50;

		bench_sku_code(code, sizeof(code), i);
		snprintf(name, sizeof(name), "상품 %lld", (long long)i);
		bench_check(jg_sku_add(st, code, name, i % 7 == 0 ? 1 : 0, &e), "sku add", &e);
		bench_check(jg_stock_receive(st, code, stock, "opening stock", &e), "receive", &e);
	}
	for (int64_t c = 0; c < sh->channels; c++) {
		jg_rule_patch p;

		bench_channel_name(name, sizeof(name), c);
		bench_check(jg_channel_add(st, name, "generic", &e), "channel add", &e);
		channel_rule(&p, c);
		if (p.set)
			bench_check(jg_channel_set(st, name, &p, &e), "channel set", &e);
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
		bench_channel_name(name, sizeof(name), l->channel);
		bench_product_id(pid, sizeof(pid), l);
		bench_option_text(opt, sizeof(opt), l, false);
		bench_check(jg_listing_map(st, name, pid, opt, items, (size_t)l->n, NULL, &e),
			    "listing map", &e);
	}
	bench_check(jg_store_commit(st, &e), "commit", &e);
}
