/* SPDX-License-Identifier: MIT */
/*
 * What the store keeps for telling channels their quantities (DESIGN.md section 4): for
 * every listing the quantity the channel was last told and when, the listings whose
 * quantity differs from it, the latest event behind a SKU's change, and marking rows told.
 */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

static const char SQL_PENDING[] =
	"SELECT l.id, c.name, l.product_id, l.option_text, l.listed, l.why,"
	" COALESCE(ls.code, ''), COALESCE(l.last_told, -1), l.told_at, c.last_import_at,"
	" COALESCE(ps.code, ''), c.last_told_at"
	" FROM listing l JOIN channel c ON c.id = l.channel_id"
	" LEFT JOIN sku ls ON ls.id = l.limit_sku_id"
	" LEFT JOIN sku ps ON ps.id = l.plain_sku_id"
	" WHERE (l.last_told IS NULL OR l.last_told <> l.listed)"
	" AND (CAST(? AS TEXT) IS NULL OR c.name = ?)"
	" ORDER BY c.name, l.listed, l.product_id, l.option_key";

int jg_sync_pending_each(jg_store *s, const char *channel, jg_pending_cb cb, void *payload,
			 jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	if (channel) {
		int64_t id;

		rc = jg__channel_id(s, channel, &id, err);
		if (rc)
			return rc;
	}
	st = jg__q(s, err, SQL_PENDING, "tt", channel, channel);
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		jg_pending p;

		p.ref = jg__i64(s, st, 0);
		p.channel = jg__text(s, st, 1);
		p.product_id = jg__text(s, st, 2);
		p.option = jg__text(s, st, 3);
		p.listed = jg__i64(s, st, 4);
		p.why = (jg_limit)jg__i64(s, st, 5);
		p.limit_sku = jg__text(s, st, 6);
		p.last_told = jg__i64(s, st, 7);
		p.told_at = jg__i64(s, st, 8);
		p.channel_imported_at = jg__i64(s, st, 9);
		p.sku = jg__text(s, st, 10);
		p.channel_told_at = jg__i64(s, st, 11);
		if ((rc = cb(&p, payload)))
			break;
	}
	s->drv->reset(st);
	return rc;
}

static const char SQL_TOLD[] =
	"UPDATE listing SET last_told = ?, told_at = ? WHERE id = ?"
	" RETURNING channel_id";
static const char SQL_CHANNEL_TOLD[] = "UPDATE channel SET last_told_at = ? WHERE id = ?";

int jg_listing_mark_told(jg_store *s, int64_t ref, int64_t qty, int64_t at, jg_err *err)
{
	jg__stmt *st;
	int64_t channel_id = 0;
	int rc;

	JG__ERR_GUARD(err);
	if (qty < 0)
		return jg_err_set(err, JG_EINVAL, "a told quantity is 0 or more");
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	st = jg__q(s, err, SQL_TOLD, "iii", qty, at, ref);
	if (!st) {
		rc = jg__op_wrote(s, err->code);
		goto out;
	}
	rc = jg__step(s, st, err);
	if (rc == 1)
		channel_id = jg__i64(s, st, 0);
	s->drv->reset(st);
	if (rc == 0)
		rc = jg_err_set(err, JG_ENOTFOUND, "no listing #%lld", (long long)ref);
	else if (rc == 1)
		rc = jg__exec(s, err, SQL_CHANNEL_TOLD, "ii", at, channel_id);
	rc = jg__op_wrote(s, rc);
out:
	return jg__op_end(s, rc, err);
}

/*
 * Many at once: the (listing, quantity) pairs go into a temporary table, every listing is
 * checked to exist before anything is written, then one UPDATE marks the listings and one
 * the channels. Per row that is one INSERT into a small table instead of two UPDATEs, one
 * of them with RETURNING (which makes SQLite build a scratch table per execution).
 */
static const char SQL_TOLD_CREATE[] =
	"CREATE TEMP TABLE IF NOT EXISTS jg_told(id INTEGER PRIMARY KEY, qty INTEGER NOT NULL)";
static const char SQL_TOLD_CLEAR[] = "DELETE FROM jg_told";
static const char SQL_TOLD_ADD[] = "INSERT INTO jg_told(id, qty) VALUES (?, ?)"
				   " ON CONFLICT (id) DO UPDATE SET qty = excluded.qty";
static const char SQL_TOLD_MISSING[] =
	"SELECT t.id FROM jg_told t WHERE NOT EXISTS (SELECT 1 FROM listing l WHERE l.id = t.id)"
	" LIMIT 1";
/* Written so that the planner walks the small table and finds listings by id (a join
 * would walk every listing: the temporary table has no statistics). */
static const char SQL_TOLD_MANY[] =
	"UPDATE listing SET last_told = (SELECT t.qty FROM jg_told t WHERE t.id = listing.id),"
	" told_at = ? WHERE id IN (SELECT id FROM jg_told)";
static const char SQL_CHANNEL_TOLD_MANY[] =
	"UPDATE channel SET last_told_at = ? WHERE id IN"
	" (SELECT channel_id FROM listing WHERE id IN (SELECT id FROM jg_told))";

int jg_listing_mark_told_many(jg_store *s, const int64_t *refs, const int64_t *qtys, size_t n,
			      int64_t at, jg_err *err)
{
	int64_t missing = 0;
	int rc;

	JG__ERR_GUARD(err);
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (qtys[i] < 0)
			return jg_err_set(err, JG_EINVAL, "a told quantity is 0 or more");
	rc = jg__op_begin(s, err);
	if (rc)
		return rc;
	/* The temporary table is scratch: filling it writes nothing of the shop's. */
	rc = jg__exec(s, err, SQL_TOLD_CREATE, "");
	if (rc == 0)
		rc = jg__exec(s, err, SQL_TOLD_CLEAR, "");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = jg__exec(s, err, SQL_TOLD_ADD, "ii", refs[i], qtys[i]);
	if (rc == 0) {
		rc = jg__scalar(s, &missing, err, SQL_TOLD_MISSING, "");
		if (rc == 1)
			rc = jg_err_set(err, JG_ENOTFOUND, "no listing #%lld", (long long)missing);
	}
	if (rc == 0) {
		rc = jg__exec(s, err, SQL_TOLD_MANY, "i", at);
		if (rc == 0)
			rc = jg__exec(s, err, SQL_CHANNEL_TOLD_MANY, "i", at);
		rc = jg__op_wrote(s, rc);
	}
	if (rc == 0)
		rc = jg__exec(s, err, SQL_TOLD_CLEAR, "");
	else
		jg__exec(s, NULL, SQL_TOLD_CLEAR, "");
	return jg__op_end(s, rc, err);
}

int jg_listing_find(jg_store *s, const char *channel, const char *product_id, const char *option,
		    int64_t *out_ref, jg_err *err)
{
	jg_buf text, key;
	int64_t channel_id;
	int rc;

	JG__ERR_GUARD(err);
	jg_buf_init(&text, 1024);
	jg_buf_init(&key, 1024);
	rc = jg__channel_id(s, channel, &channel_id, err);
	if (rc == 0)
		rc = jg__option_forms(&text, &key, option, err);
	if (rc == 0) {
		rc = jg__scalar(s, out_ref, err,
				"SELECT id FROM listing WHERE channel_id = ? AND product_id = ?"
				" AND option_key = ?",
				"itt", channel_id, product_id, jg_buf_str(&key));
		if (rc == 0)
			rc = jg_err_set(err, JG_ENOTFOUND, "no listing %s %s%s%s on %s", product_id,
					option && *option ? "[" : "", option ? option : "",
					option && *option ? "]" : "", channel);
		else if (rc == 1)
			rc = 0;
	}
	jg_buf_free(&text);
	jg_buf_free(&key);
	return rc;
}

/* The most recent movement or order-line change of the SKU after `since`; a movement and
 * an order line with the same time and number are told apart by `src` (the line wins). */
static const char SQL_LAST_EVENT[] =
	"SELECT at, what FROM ("
	"  SELECT m.at AS at, m.id AS seq, 0 AS src,"
	"    CASE m.kind WHEN 0 THEN 'receipt' WHEN 1 THEN 'shipment' WHEN 2 THEN 'adjust'"
	"    WHEN 3 THEN 'stocktake' ELSE 'restock' END || ' ' ||"
	"    CASE WHEN m.delta > 0 THEN '+' ELSE '' END || m.delta ||"
	"    CASE WHEN m.source <> '' AND m.source <> 'cli' THEN ' (' || m.source || ')' ELSE '' END"
	"    AS what"
	"  FROM movement m JOIN sku k ON k.id = m.sku_id WHERE k.code = ? AND m.at > ?"
	"  UNION ALL"
	"  SELECT o.updated_at, o.id, 1, 'order ' || c.name || ':' || o.line_id || ' ' ||"
	"    CASE o.status WHEN 0 THEN 'open' WHEN 1 THEN 'shipped' WHEN 2 THEN 'cancelled'"
	"    ELSE 'returned' END || ' (' || li.units || ')'"
	"  FROM line_item li JOIN order_line o ON o.id = li.line_pk"
	"  JOIN channel c ON c.id = o.channel_id JOIN sku k ON k.id = li.sku_id"
	"  WHERE k.code = ? AND o.updated_at > ?"
	") AS e ORDER BY at DESC, seq DESC, src DESC LIMIT 1";

int jg_sku_last_event(jg_store *s, const char *sku, int64_t since, char *out, size_t outsz,
		      jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	out[0] = '\0';
	st = jg__q(s, err, SQL_LAST_EVENT, "titi", sku, since, sku, since);
	if (!st)
		return err->code;
	rc = jg__step(s, st, err);
	if (rc == 1)
		snprintf(out, outsz, "%s", jg__text(s, st, 1));
	s->drv->reset(st);
	return rc < 0 ? rc : 0;
}

/*
 * The same for many SKUs in one pass. The SKUs go into a temporary table; one query then
 * walks their movements (by index) and the line items of all order lines once (line_item
 * has no index on the SKU alone), ranks each SKU's events as SQL_LAST_EVENT orders them,
 * and words only the latest. Per SKU that is the row SQL_LAST_EVENT would return.
 */
static const char SQL_WANT_CREATE[] =
	"CREATE TEMP TABLE IF NOT EXISTS jg_want_sku(sku_id INTEGER PRIMARY KEY)";
static const char SQL_WANT_CLEAR[] = "DELETE FROM jg_want_sku";
static const char SQL_WANT_ADD[] =
	"INSERT OR IGNORE INTO jg_want_sku(sku_id) SELECT id FROM sku WHERE code = ?";
static const char SQL_LAST_EVENTS[] =
	"WITH e AS ("
	"  SELECT m.sku_id AS sku_id, m.at AS at, m.id AS seq, 0 AS src FROM movement m"
	"  WHERE m.sku_id IN (SELECT sku_id FROM jg_want_sku) AND m.at > ?"
	"  UNION ALL"
	"  SELECT li.sku_id, o.updated_at, o.id, 1"
	"  FROM line_item li JOIN order_line o ON o.id = li.line_pk"
	"  WHERE li.sku_id IN (SELECT sku_id FROM jg_want_sku) AND o.updated_at > ?"
	"), r AS ("
	"  SELECT sku_id, src, seq,"
	"    ROW_NUMBER() OVER (PARTITION BY sku_id ORDER BY at DESC, seq DESC, src DESC) AS n"
	"  FROM e"
	")"
	" SELECT k.code, CASE r.src WHEN 0 THEN ("
	"    SELECT CASE m.kind WHEN 0 THEN 'receipt' WHEN 1 THEN 'shipment' WHEN 2 THEN 'adjust'"
	"    WHEN 3 THEN 'stocktake' ELSE 'restock' END || ' ' ||"
	"    CASE WHEN m.delta > 0 THEN '+' ELSE '' END || m.delta ||"
	"   CASE WHEN m.source <> '' AND m.source <> 'cli' THEN ' (' || m.source || ')' ELSE '' END"
	"    FROM movement m WHERE m.id = r.seq"
	"  ) ELSE ("
	"    SELECT 'order ' || c.name || ':' || o.line_id || ' ' ||"
	"    CASE o.status WHEN 0 THEN 'open' WHEN 1 THEN 'shipped' WHEN 2 THEN 'cancelled'"
	"    ELSE 'returned' END || ' (' || li.units || ')'"
	"    FROM order_line o JOIN channel c ON c.id = o.channel_id"
	"    JOIN line_item li ON li.line_pk = o.id AND li.sku_id = r.sku_id WHERE o.id = r.seq"
	"  ) END"
	" FROM r JOIN sku k ON k.id = r.sku_id WHERE r.n = 1";

int jg_sku_last_events(jg_store *s, const char *const *codes, size_t n, int64_t since,
		       jg_sku_event_cb cb, void *payload, jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	if (n == 0)
		return 0;
	rc = jg__exec(s, err, SQL_WANT_CREATE, "");
	if (rc == 0)
		rc = jg__exec(s, err, SQL_WANT_CLEAR, "");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = jg__exec(s, err, SQL_WANT_ADD, "T", codes[i]);
	if (rc)
		goto out;
	st = jg__q(s, err, SQL_LAST_EVENTS, "ii", since, since);
	if (!st) {
		rc = err->code;
		goto out;
	}
	while ((rc = jg__step(s, st, err)) == 1)
		if ((rc = cb(jg__text(s, st, 0), jg__text(s, st, 1), payload)))
			break;
	s->drv->reset(st);
out:
	if (rc == 0)
		rc = jg__exec(s, err, SQL_WANT_CLEAR, "");
	else
		jg__exec(s, NULL, SQL_WANT_CLEAR, "");
	return rc;
}
