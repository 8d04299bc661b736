/* SPDX-License-Identifier: MIT */
/*
 * The generated shop of common.h. The shop is the one of bench_stock.c: the same draws in
 * the same order from the fixed-seed stream, so a benchmark that generates it first gets
 * the same listings. Apart from common.c so that a benchmark that does not build a shop
 * (the sheet readers, whose children's peak RSS is measured) does not link the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

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

void bench_pg_tenant(char *out, size_t n, const char *url, const char *from, const char *tag)
{
	jg_store *src = NULL, *dst = NULL;
	jg_err e;

	jg_err_clear(&e);
	if ((size_t)snprintf(out, n, "%s%stenant=%s", url, strchr(url, '?') ? "&" : "?", tag) >= n)
		bench_die("the PostgreSQL URL is too long", NULL);
	bench_check(jg_store_open(&src, from, &e), "open", &e);
	bench_check(jg_store_open(&dst, out, &e), "open", &e);
	bench_check(jg_store_copy(src, dst, NULL, &e), "copy to PostgreSQL", &e);
	jg_store_close(dst);
	jg_store_close(src);
}
