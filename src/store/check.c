/* SPDX-License-Identifier: MIT */
/*
 * `jaego check`: recomputes every cached value from the ledger and compares.
 *   on_hand(s)     = sum of s's movements
 *   committed(s)   = sum of units over open line items of s
 *   line_item.open = the line is open (and matched, which having items implies)
 *   oversold       = each SKU's shortage equals max(0, -available) and each line's
 *                    oversold_by equals max over its items of ceil(short / per_unit)
 *   listed         = jg_listed_compute() over the current state, for every listing
 * Read-only; runs inside one read transaction so that it sees one consistent state.
 */
#include <stdio.h>

#include "settle.h"
#include "store_int.h"

static const char SQL_CHECK_ON_HAND[] =
	"SELECT s.code, s.on_hand, COALESCE(m.total, 0) FROM sku s"
	" LEFT JOIN (SELECT sku_id, SUM(delta) AS total FROM movement GROUP BY sku_id) m"
	" ON m.sku_id = s.id WHERE s.on_hand <> COALESCE(m.total, 0)";
static const char SQL_CHECK_COMMITTED[] =
	"SELECT s.code, s.committed, COALESCE(li.total, 0) FROM sku s"
	" LEFT JOIN (SELECT sku_id, SUM(units) AS total FROM line_item WHERE open = 1"
	" GROUP BY sku_id) li ON li.sku_id = s.id WHERE s.committed <> COALESCE(li.total, 0)";
static const char SQL_CHECK_OPEN_FLAG[] =
	"SELECT c.name, o.line_id FROM line_item li JOIN order_line o ON o.id = li.line_pk"
	" JOIN channel c ON c.id = o.channel_id"
	" WHERE (li.open = 1) <> (o.status = 0) OR (li.open = 0 AND li.short <> 0)";
/* The deficit max(0, -available) is marked on open lines as far as they reach: with
 * on_hand below zero there are only `committed` units to mark. */
#define SHORT_EXPECTED                                         \
	"CASE WHEN s.on_hand < s.committed THEN s.committed -" \
	" CASE WHEN s.on_hand > 0 THEN s.on_hand ELSE 0 END ELSE 0 END"
static const char SQL_CHECK_SHORT[] =
	"SELECT s.code, COALESCE(li.total, 0), " SHORT_EXPECTED " FROM sku s"
	" LEFT JOIN (SELECT sku_id, SUM(short) AS total FROM line_item GROUP BY sku_id) li"
	" ON li.sku_id = s.id"
	" WHERE COALESCE(li.total, 0) <> " SHORT_EXPECTED;
static const char SQL_CHECK_LINE_OVERSOLD[] =
	"SELECT c.name, o.line_id, o.oversold_by, COALESCE(x.v, 0) FROM order_line o"
	" JOIN channel c ON c.id = o.channel_id"
	" LEFT JOIN (SELECT line_pk, MAX((short + per_unit - 1) / per_unit) AS v FROM line_item"
	" GROUP BY line_pk) x ON x.line_pk = o.id WHERE o.oversold_by <> COALESCE(x.v, 0)";
static const char SQL_CHECK_COUNTS[] =
	"SELECT (SELECT COUNT(*) FROM sku), (SELECT COUNT(*) FROM listing),"
	" (SELECT COUNT(*) FROM order_line)";
static const char SQL_LISTING_NAME[] =
	"SELECT c.name, l.product_id, l.option_text FROM listing l"
	" JOIN channel c ON c.id = l.channel_id WHERE l.id = ?";

typedef struct ctx {
	jg_store *s;
	jg_check_report *r;
	jg_drift_cb cb;
	void *payload;
	jg_err *err;
	char first[JG_ERR_MSG_MAX];
} ctx;

static void report(ctx *c, const char *msg)
{
	if (!c->first[0])
		snprintf(c->first, sizeof(c->first), "%s", msg);
	if (c->cb)
		c->cb(msg, c->payload);
}

/* Runs a drift query; `fmt` formats columns 0..3 as text/int64 into the message. */
static int scan(ctx *c, const char *sql, int64_t *counter, const char *what, int kind)
{
	jg__stmt *st = jg__q(c->s, c->err, sql, "");
	char msg[JG_ERR_MSG_MAX];
	int rc;

	if (!st)
		return c->err->code;
	while ((rc = jg__step(c->s, st, c->err)) == 1) {
		(*counter)++;
		if (kind == 0)
			snprintf(msg, sizeof(msg), "SKU %s: %s stored %lld, ledger says %lld",
				 jg__text(c->s, st, 0), what, (long long)jg__i64(c->s, st, 1),
				 (long long)jg__i64(c->s, st, 2));
		else if (kind == 1)
			snprintf(msg, sizeof(msg), "line %s:%s: %s", jg__text(c->s, st, 0),
				 jg__text(c->s, st, 1), what);
		else
			snprintf(msg, sizeof(msg), "line %s:%s: %s stored %lld, should be %lld",
				 jg__text(c->s, st, 0), jg__text(c->s, st, 1), what,
				 (long long)jg__i64(c->s, st, 2), (long long)jg__i64(c->s, st, 3));
		report(c, msg);
	}
	c->s->drv->reset(st);
	return rc;
}

static int on_listing(int64_t id, int64_t stored, int64_t computed, void *payload)
{
	ctx *c = payload;
	char msg[JG_ERR_MSG_MAX];
	jg__stmt *st;

	c->r->drift_listed++;
	st = jg__q(c->s, c->err, SQL_LISTING_NAME, "i", id);
	if (st && jg__step(c->s, st, c->err) == 1)
		snprintf(msg, sizeof(msg), "listing %s %s [%s]: stored %lld, formula gives %lld",
			 jg__text(c->s, st, 0), jg__text(c->s, st, 1), jg__text(c->s, st, 2),
			 (long long)stored, (long long)computed);
	else
		snprintf(msg, sizeof(msg), "listing #%lld: stored %lld, formula gives %lld",
			 (long long)id, (long long)stored, (long long)computed);
	if (st)
		c->s->drv->reset(st);
	report(c, msg);
	return 0;
}

int jg_store_check(jg_store *s, jg_check_report *out, jg_drift_cb cb, void *payload,
		   jg_err *err)
{
	jg_check_report r = {0};
	ctx c = {s, &r, cb, payload, NULL, {0}};
	jg__stmt *st;
	int rc, own_tx = !s->in_tx;

	JG__ERR_GUARD(err);
	c.err = err;
	if (own_tx && (rc = jg__exec(s, err, "BEGIN", "")))
		return rc;
	st = jg__q(s, err, SQL_CHECK_COUNTS, "");
	if (!st) {
		rc = err->code;
		goto out;
	}
	if ((rc = jg__step(s, st, err)) == 1) {
		r.skus = jg__i64(s, st, 0);
		r.listings = jg__i64(s, st, 1);
		r.lines = jg__i64(s, st, 2);
	}
	s->drv->reset(st);
	if (rc < 0)
		goto out;
	rc = scan(&c, SQL_CHECK_ON_HAND, &r.drift_on_hand, "on hand", 0);
	if (rc == 0)
		rc = scan(&c, SQL_CHECK_COMMITTED, &r.drift_committed, "committed", 0);
	if (rc == 0)
		rc = scan(&c, SQL_CHECK_OPEN_FLAG, &r.drift_committed,
			  "holds stock that its status says it should not (or the reverse)", 1);
	if (rc == 0)
		rc = scan(&c, SQL_CHECK_SHORT, &r.drift_oversold, "units marked short", 0);
	if (rc == 0)
		rc = scan(&c, SQL_CHECK_LINE_OVERSOLD, &r.drift_oversold, "oversold_by", 2);
	if (rc == 0)
		rc = jg__listings_pass(s, true, on_listing, &c, NULL, err);
out:
	if (own_tx)
		jg__exec(s, NULL, "COMMIT", "");
	if (rc)
		return rc;
	if (out)
		*out = r;
	if (c.first[0])
		return jg_err_set(err, JG_EDRIFT, "%s", c.first);
	return 0;
}
