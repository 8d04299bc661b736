/* SPDX-License-Identifier: MIT */
/*
 * `jaego demo`: fills an empty database with a small shop (a catalog, ten channels with
 * their rules, listings and bundles, a day of orders) through the same library calls the
 * other commands use, then prints the stock table.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *code, *name;
	int64_t stock, safety;
} SKUS[] = {
	{"TEE-BLK-M", "오버핏 티셔츠 블랙 M", 5, 0},
	{"TEE-BLK-L", "오버핏 티셔츠 블랙 L", 8, 1},
	{"TEE-WHT-M", "오버핏 티셔츠 화이트 M", 3, 0},
	{"MUG-01", "세라믹 머그 350ml", 12, 2},
	{"CANDLE-LV", "소이 캔들 라벤더", 6, 0},
	{"SOCK-3P", "데일리 양말 3켤레", 20, 0},
};

/* Channels with a built-in profile use it, so their real files import and their update
 * files come out in their own layouts; the others (layouts not public) use generic. */
static const struct {
	const char *name, *profile;
	int64_t buffer, percent, max, priority;
} CHANNELS[] = {
	{"smartstore", "smartstore", 0, 100, JG_NO_LIMIT, 1},
	{"coupang", "coupang", 1, 100, JG_NO_LIMIT, 2},
	{"11st", "11st", 0, 50, JG_NO_LIMIT, 0},
	{"gmarket", "gmarket", 0, 100, JG_NO_LIMIT, 0},
	{"auction", "auction", 0, 100, JG_NO_LIMIT, 0},
	{"cafe24", "cafe24", 0, 100, JG_NO_LIMIT, 0},
	{"lotteon", "generic", 0, 100, 3, 0},
	{"ssg", "generic", 0, 100, JG_NO_LIMIT, 0},
	{"kakao", "generic", 0, 100, JG_NO_LIMIT, 0},
	{"offline", "generic", 0, 100, 2, 0},
};

static int load(jg_store *s, jg_err *err)
{
	const size_t nsku = sizeof(SKUS) / sizeof(SKUS[0]);
	const size_t nch = sizeof(CHANNELS) / sizeof(CHANNELS[0]);
	static const char *const options[] = {"색상: 블랙 / 사이즈: M", "색상: 블랙 / 사이즈: L",
					      "색상: 화이트 / 사이즈: M"};
	int64_t day = jg_now_ms() - 6 * 3600 * 1000;
	int rc = jg_store_begin(s, err);

	for (size_t i = 0; rc == 0 && i < nsku; i++) {
		rc = jg_sku_add(s, SKUS[i].code, SKUS[i].name, SKUS[i].safety, err);
		if (rc == 0)
			rc = jg_stock_count(s, SKUS[i].code, SKUS[i].stock, "opening count", NULL, err);
	}
	if (rc == 0) {
		jg_sku_patch p = {.set = JG_SKU_SET_LOW_STOCK, .low_stock = 2};

		rc = jg_sku_update(s, "CANDLE-LV", &p, err);
	}
	for (size_t i = 0; rc == 0 && i < nch; i++) {
		jg_rule_patch p = {.set = JG_RULE_SET_BUFFER | JG_RULE_SET_PERCENT | JG_RULE_SET_MAX |
					  JG_RULE_SET_PRIORITY};

		p.rule.buffer = CHANNELS[i].buffer;
		p.rule.percent = CHANNELS[i].percent;
		p.rule.max = CHANNELS[i].max;
		p.rule.priority = CHANNELS[i].priority;
		rc = jg_channel_add(s, CHANNELS[i].name, CHANNELS[i].profile, err);
		if (rc == 0)
			rc = jg_channel_set(s, CHANNELS[i].name, &p, err);
	}
	/* Every channel lists the T-shirt (three options), the mug, the candle and the socks;
	 * a gift set (mug + candle) and a two-pack of T-shirts are bundles. */
	for (size_t i = 0; rc == 0 && i < nch; i++) {
		const char *ch = CHANNELS[i].name;
		char pid[64];

		snprintf(pid, sizeof(pid), "%s-TEE", ch);
		for (size_t k = 0; rc == 0 && k < 3; k++) {
			jg_recipe_item it = {.qty = 1};

			snprintf(it.sku, sizeof(it.sku), "%s", SKUS[k].code);
			rc = jg_listing_map(s, ch, pid, options[k], &it, 1, NULL, err);
		}
		for (size_t k = 3; rc == 0 && k < nsku; k++) {
			jg_recipe_item it = {.qty = 1};

			snprintf(pid, sizeof(pid), "%s-%s", ch, SKUS[k].code);
			snprintf(it.sku, sizeof(it.sku), "%s", SKUS[k].code);
			rc = jg_listing_map(s, ch, pid, NULL, &it, 1, NULL, err);
		}
		if (rc == 0) {
			jg_recipe_item gift[2] = {{"MUG-01", 1}, {"CANDLE-LV", 1}};

			snprintf(pid, sizeof(pid), "%s-GIFTSET", ch);
			rc = jg_listing_map(s, ch, pid, NULL, gift, 2, NULL, err);
		}
		if (rc == 0) {
			jg_recipe_item two = {"TEE-BLK-L", 2};

			snprintf(pid, sizeof(pid), "%s-TEE-2PACK", ch);
			rc = jg_listing_map(s, ch, pid, NULL, &two, 1, NULL, err);
		}
	}
	/* A morning of orders across channels, one of them for a listing nobody mapped. */
	for (int i = 0; rc == 0 && i < 14; i++) {
		const char *ch = CHANNELS[(size_t)(i * 3) % nch].name;
		char line[32], pid[64], order[32];
		jg_order_in in = {0};

		snprintf(line, sizeof(line), "D%04d", i + 1);
		snprintf(order, sizeof(order), "ORD-%04d", i / 2 + 1);
		switch (i % 5) {
		case 0:
			snprintf(pid, sizeof(pid), "%s-TEE", ch);
			in.option = options[i % 3];
			break;
		case 1: snprintf(pid, sizeof(pid), "%s-MUG-01", ch); break;
		case 2: snprintf(pid, sizeof(pid), "%s-GIFTSET", ch); break;
		case 3: snprintf(pid, sizeof(pid), "%s-SOCK-3P", ch); break;
		default: snprintf(pid, sizeof(pid), "%s-TEE-2PACK", ch); break;
		}
		in.channel = ch;
		in.line_id = line;
		in.order_no = order;
		in.product_id = pid;
		in.qty = 1;
		in.status = JG_STATUS_OPEN;
		in.ordered_at = day + i * 20 * 60 * 1000;
		rc = jg_order_put(s, &in, NULL, err);
	}
	if (rc == 0) {
		jg_order_in in = {.channel = "kakao", .line_id = "K-NEW-1", .order_no = "K-1",
				  .product_id = "kakao-HOODIE", .option = "색상: 네이비",
				  .qty = 1, .status = JG_STATUS_OPEN, .ordered_at = day};

		rc = jg_order_put(s, &in, NULL, err);
	}
	if (rc == 0)
		rc = jg_store_commit(s, err);
	else
		jg_store_rollback(s);
	if (rc)
		return rc;
	/* After the batch: a shipment, and a cancellation that gives a unit back. */
	rc = jg_order_transition(s, CHANNELS[0].name, "D0001", JG_STATUS_SHIPPED,
				 &(jg_transition_opts){.courier = "CJ대한통운", .tracking = "612345678901"},
				 NULL, err);
	if (rc == 0)
		rc = jg_order_transition(s, CHANNELS[3].name, "D0002", JG_STATUS_CANCELLED, NULL, NULL,
					 err);
	return rc;
}

static int count_sku(const jg_sku_info *k, void *payload)
{
	(void)k;
	++*(int64_t *)payload;
	return 0;
}

int cmd_demo(cli *c)
{
	const char *pos[1];
	jg_err err = {0};
	int64_t n = 0;
	int np, rc, applied;

	rc = cli_parse(c, NULL, pos, &np, 0, 0, "jaego demo");
	if (rc || (rc = cli_store(c, true)))
		return rc;
	if (jg_store_migrate(c->store, &applied, &err) ||
	    jg_sku_each(c->store, NULL, 0, count_sku, &n, &err))
		return cli_fail(c, &err);
	if (n > 0) {
		jg_err_set(&err, JG_EEXISTS,
			   "%s already holds %lld SKUs: the demo loads into an empty database only",
			   c->db_url, (long long)n);
		return cli_fail(c, &err);
	}
	if (load(c->store, &err))
		return cli_fail(c, &err);
	if (!c->json)
		printf("demo shop loaded into %s: 6 SKUs, 10 channels, 80 listings, 15 orders\n\n",
		       c->db_url);
	c->argc = 0;
	return cmd_stock(c, "show");
}
