/* SPDX-License-Identifier: MIT */
/*
 * Listings (a channel's product + option) and their recipes. The option is stored as
 * written (NFC) for display and matched by its folded key. Mapping a listing applies the
 * order lines that were waiting for it, each with the status it has now.
 */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

#define OPTION_MAX_BYTES 1024

static const char SQL_LISTING_FIND[] =
	"SELECT id FROM listing WHERE channel_id = ? AND product_id = ? AND option_key = ?";
static const char SQL_LISTING_ADD[] =
	"INSERT INTO listing(channel_id, product_id, option_text, option_key, plain_sku_id,"
	" updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_LISTING_PLAIN[] =
	"UPDATE listing SET plain_sku_id = ?, updated_at = ? WHERE id = ?";
static const char SQL_LISTING_PLAIN_NONE[] =
	"UPDATE listing SET plain_sku_id = NULL, updated_at = ? WHERE id = ?";
static const char SQL_RECIPE_CLEAR[] = "DELETE FROM recipe_item WHERE listing_id = ?";
static const char SQL_RECIPE_ADD[] =
	"INSERT INTO recipe_item(listing_id, pos, sku_id, qty) VALUES (?, ?, ?, ?)";
static const char SQL_WAITING[] =
	"SELECT id, qty, status, restocked, line_id, ordered_at FROM order_line"
	" WHERE channel_id = ? AND product_id = ? AND option_key = ? AND listing_id IS NULL"
	" ORDER BY id";
static const char SQL_LINE_MATCH[] = "UPDATE order_line SET listing_id = ?, updated_at = ? WHERE id = ?";

/* Normalises the option into `text` (NFC) and `key` (folded). */
int jg__option_forms(jg_buf *text, jg_buf *key, const char *option, jg_err *err)
{
	size_t n = option ? strlen(option) : 0;
	const char *o = jg_text_trim(option ? option : "", &n);
	int rc;

	jg_buf_reset(text);
	jg_buf_reset(key);
	rc = jg_text_nfc(text, o, n);
	if (rc == 0)
		rc = jg_text_option_key(key, o, n);
	if (rc == JG_EINVAL)
		return jg_err_set(err, rc, "option text is not valid UTF-8");
	if (rc)
		return jg_err_set(err, rc, "option text is longer than %d bytes", OPTION_MAX_BYTES);
	return 0;
}

typedef struct waiting {
	int64_t id, qty, status, restocked, at;
	char line_id[JG_CODE_MAX];
} waiting;

static int apply_waiting(jg_store *s, int64_t channel_id, const char *channel, const char *pid,
			 const char *key, int64_t listing_id, int64_t *applied, jg_err *err)
{
	waiting *w = NULL;
	size_t n = 0, cap = 0;
	jg__stmt *st = jg__q(s, err, SQL_WAITING, "itt", channel_id, pid, key);
	int64_t now = jg_now_ms();
	int rc;

	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			waiting *t = jg_realloc(w, ncap * sizeof(*t));

			if (!t) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				break;
			}
			w = t;
			cap = ncap;
		}
		w[n].id = jg__i64(s, st, 0);
		w[n].qty = jg__i64(s, st, 1);
		w[n].status = jg__i64(s, st, 2);
		w[n].restocked = jg__i64(s, st, 3);
		snprintf(w[n].line_id, sizeof(w[n].line_id), "%s", jg__text(s, st, 4));
		w[n].at = jg__i64(s, st, 5);
		n++;
	}
	s->drv->reset(st);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char source[2 * JG_CODE_MAX + 8];

		snprintf(source, sizeof(source), "order %s:%s", channel, w[i].line_id);
		rc = jg__exec(s, err, SQL_LINE_MATCH, "iii", listing_id, now, w[i].id);
		if (rc == 0)
			rc = jg__line_apply_recipe(s, w[i].id, listing_id, w[i].qty,
						   (jg_status)w[i].status, w[i].restocked != 0, source,
						   now, err);
	}
	if (rc == 0)
		*applied = (int64_t)n;
	jg_free(w);
	return rc;
}

int jg_listing_map(jg_store *s, const char *channel, const char *product_id, const char *option,
		   const jg_recipe_item *items, size_t n, jg_map_result *out, jg_err *err)
{
	int64_t sku_ids[JG_RECIPE_MAX], channel_id, listing_id = 0, now = jg_now_ms();
	jg_map_result res = {0};
	jg_buf text, key;
	int rc;

	JG__ERR_GUARD(err);
	if (out)
		*out = res;
	if ((rc = jg__check_code("channel name", channel, err)) ||
	    (rc = jg__check_code("product id", product_id, err)))
		return rc;
	if (n == 0 || n > JG_RECIPE_MAX)
		return jg_err_set(err, JG_EINVAL, "a recipe has 1 to %d components", JG_RECIPE_MAX);
	for (size_t i = 0; i < n; i++) {
		if (items[i].qty < 1)
			return jg_err_set(err, JG_EINVAL, "recipe: %s has quantity %lld, must be 1 or more",
					  items[i].sku, (long long)items[i].qty);
		/* A line snapshots one line_item per SKU: a SKU named twice would make every
		 * order of this listing fail. jg_recipe_parse() sums repeats; callers must too. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(items[i].sku, items[j].sku) == 0)
				return jg_err_set(err, JG_EINVAL, "recipe: %s is given twice",
						  items[i].sku);
	}
	jg_buf_init(&text, OPTION_MAX_BYTES);
	jg_buf_init(&key, OPTION_MAX_BYTES);
	rc = jg__option_forms(&text, &key, option, err);
	if (rc)
		goto out;
	rc = jg__op_begin(s, err);
	if (rc)
		goto out;
	/* Reads and validation first: nothing is written until all of it holds. */
	rc = jg__channel_id(s, channel, &channel_id, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = jg__sku_id(s, items[i].sku, &sku_ids[i], err);
	if (rc == 0) {
		int found = jg__scalar(s, &listing_id, err, SQL_LISTING_FIND, "itt", channel_id,
				       product_id, jg_buf_str(&key));

		rc = found < 0 ? found : 0;
		res.created = found == 0;
	}
	if (rc)
		goto end;
	if (res.created) {
		jg__stmt *st = n == 1 && items[0].qty == 1
				       ? jg__q(s, err, SQL_LISTING_ADD, "itttii", channel_id, product_id,
					       jg_buf_str(&text), jg_buf_str(&key), sku_ids[0], now)
				       : jg__q(s, err, SQL_LISTING_ADD, "itttti", channel_id, product_id,
					       jg_buf_str(&text), jg_buf_str(&key), (const char *)NULL,
					       now);

		if (!st) {
			rc = jg__op_wrote(s, err->code);
			goto end;
		}
		rc = jg__step(s, st, err);
		if (rc == 1)
			listing_id = jg__i64(s, st, 0);
		s->drv->reset(st);
		rc = jg__op_wrote(s, rc == 1 ? 0 : rc < 0 ? rc : JG_EDB);
	} else if (n == 1 && items[0].qty == 1) {
		rc = jg__op_wrote(s, jg__exec(s, err, SQL_LISTING_PLAIN, "iii", sku_ids[0], now,
					      listing_id));
	} else {
		rc = jg__op_wrote(s, jg__exec(s, err, SQL_LISTING_PLAIN_NONE, "ii", now, listing_id));
	}
	if (rc == 0)
		rc = jg__op_wrote(s, jg__exec(s, err, SQL_RECIPE_CLEAR, "i", listing_id));
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = jg__op_wrote(s, jg__exec(s, err, SQL_RECIPE_ADD, "iiii", listing_id, (int64_t)i,
					      sku_ids[i], items[i].qty));
	if (rc == 0)
		rc = jg__mark(s, &s->dirty_listing, listing_id, err);
	if (rc == 0)
		rc = jg__op_wrote(s, apply_waiting(s, channel_id, channel, product_id,
						   jg_buf_str(&key), listing_id, &res.lines_applied,
						   err));
end:
	rc = jg__op_end(s, rc, err);
	if (rc == 0 && out)
		*out = res;
out:
	jg_buf_free(&text);
	jg_buf_free(&key);
	return rc;
}

static const char SQL_LISTINGS[] =
	"SELECT l.id, c.name, l.product_id, l.option_text, l.listed, l.why,"
	" COALESCE(ls.code, ''), COALESCE(l.last_told, -1), l.told_at,"
	" k.code, r.qty, k.on_hand - k.committed, k.safety"
	" FROM listing l JOIN channel c ON c.id = l.channel_id"
	" JOIN recipe_item r ON r.listing_id = l.id JOIN sku k ON k.id = r.sku_id"
	" LEFT JOIN sku ls ON ls.id = l.limit_sku_id"
	" WHERE (CAST(? AS TEXT) IS NULL OR c.name = ?)"
	" ORDER BY c.name, l.product_id, l.option_key, l.id, r.pos";

typedef struct listing_row {
	int64_t id;
	jg_listing_info info;
	jg_listing_component comps[JG_RECIPE_MAX];
	jg_arena strings;
} listing_row;

int jg_listing_each(jg_store *s, const char *channel, jg_listing_cb cb, void *payload,
		    jg_err *err)
{
	listing_row cur;
	jg__stmt *st;
	int rc, cbrc = 0;

	JG__ERR_GUARD(err);
	if (channel) {
		int64_t id;

		rc = jg__channel_id(s, channel, &id, err);
		if (rc)
			return rc;
	}
	st = jg__q(s, err, SQL_LISTINGS, "tt", channel, channel);
	if (!st)
		return err->code;
	memset(&cur, 0, sizeof(cur));
	jg_arena_init(&cur.strings, 0);
	while ((rc = jg__step(s, st, err)) == 1) {
		int64_t id = jg__i64(s, st, 0);
		jg_listing_component *c;

		if (id != cur.id) {
			if (cur.id && (cbrc = cb(&cur.info, payload)))
				break;
			jg_arena_reset(&cur.strings);
			cur.id = id;
			cur.info.channel = jg_arena_strdup(&cur.strings, jg__text(s, st, 1));
			cur.info.product_id = jg_arena_strdup(&cur.strings, jg__text(s, st, 2));
			cur.info.option = jg_arena_strdup(&cur.strings, jg__text(s, st, 3));
			cur.info.listed = jg__i64(s, st, 4);
			cur.info.why = (jg_limit)jg__i64(s, st, 5);
			cur.info.limit_sku = jg_arena_strdup(&cur.strings, jg__text(s, st, 6));
			cur.info.last_told = jg__i64(s, st, 7);
			cur.info.told_at = jg__i64(s, st, 8);
			cur.info.recipe = cur.comps;
			cur.info.n_recipe = 0;
			if (!cur.info.channel || !cur.info.product_id || !cur.info.option ||
			    !cur.info.limit_sku) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				break;
			}
			if (!*cur.info.limit_sku)
				cur.info.limit_sku = NULL;
		}
		if (cur.info.n_recipe == JG_RECIPE_MAX)
			continue;
		c = &cur.comps[cur.info.n_recipe];
		c->sku = jg_arena_strdup(&cur.strings, jg__text(s, st, 9));
		c->qty = jg__i64(s, st, 10);
		c->available = jg__i64(s, st, 11);
		c->safety = jg__i64(s, st, 12);
		if (!c->sku) {
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
			break;
		}
		cur.info.n_recipe++;
	}
	s->drv->reset(st);
	if (rc == 0 && !cbrc && cur.id)
		cbrc = cb(&cur.info, payload);
	jg_arena_free(&cur.strings);
	return rc < 0 ? rc : cbrc;
}
