/* SPDX-License-Identifier: MIT */
/*
 * SKUs, stock movements and a SKU's history. A movement is appended, never edited, and
 * every movement moves the SKU's stored on_hand by exactly its delta in the same
 * transaction.
 */
#include <string.h>

#include "store_int.h"

#define NAME_MAX_BYTES 512

const char *jg_move_kind_name(jg_move_kind k)
{
	switch (k) {
	case JG_MOVE_RECEIPT: return "receipt";
	case JG_MOVE_SHIPMENT: return "shipment";
	case JG_MOVE_ADJUST: return "adjust";
	case JG_MOVE_COUNT: return "count";
	case JG_MOVE_RESTOCK: return "restock";
	}
	return "unknown";
}

static const char SQL_SKU_ADD[] =
	"INSERT INTO sku(code, name, safety, created_at) VALUES (?, ?, ?, ?)"
	" ON CONFLICT (code) DO NOTHING";

int jg_sku_add(jg_store *s, const char *code, const char *name, int64_t safety, jg_err *err)
{
	jg_buf nm;
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__check_code("SKU code", code, err);
	if (rc)
		return rc;
	if (safety < 0)
		return jg_err_set(err, JG_EINVAL, "SKU %s: safety stock must be 0 or more", code);
	jg_buf_init(&nm, NAME_MAX_BYTES);
	rc = jg__nfc(&nm, name ? name : code, err);
	if (rc) {
		jg_err_set(err, rc, "SKU %s: name is invalid or too long", code);
		goto out;
	}
	rc = jg__op_begin(s, err);
	if (rc)
		goto out;
	rc = jg__op_wrote(s, jg__exec(s, err, SQL_SKU_ADD, "ttii", code, jg_buf_str(&nm), safety,
				      jg_now_ms()));
	if (rc == 0 && s->drv->changes(s->db) == 0)
		rc = jg_err_set(err, JG_EEXISTS, "SKU \"%s\" exists already", code);
	rc = jg__op_end(s, rc, err);
out:
	jg_buf_free(&nm);
	return rc;
}

int jg_sku_update(jg_store *s, const char *code, const jg_sku_patch *p, jg_err *err)
{
	jg_buf nm;
	int64_t id;
	int rc;

	JG__ERR_GUARD(err);
	if ((p->set & JG_SKU_SET_SAFETY) && p->safety < 0)
		return jg_err_set(err, JG_EINVAL, "SKU %s: safety stock must be 0 or more", code);
	if ((p->set & JG_SKU_SET_LOW_STOCK) && p->low_stock < 0)
		return jg_err_set(err, JG_EINVAL, "SKU %s: low-stock line must be 0 or more", code);
	jg_buf_init(&nm, NAME_MAX_BYTES);
	if ((p->set & JG_SKU_SET_NAME) && (rc = jg__nfc(&nm, p->name, err)))
		goto out;
	rc = jg__op_begin(s, err);
	if (rc)
		goto out;
	rc = jg__sku_id(s, code, &id, err);
	if (rc == 0 && (p->set & JG_SKU_SET_NAME))
		rc = jg__op_wrote(s, jg__exec(s, err, "UPDATE sku SET name = ? WHERE id = ?", "ti",
					      jg_buf_str(&nm), id));
	if (rc == 0 && (p->set & JG_SKU_SET_SAFETY))
		rc = jg__op_wrote(s, jg__exec(s, err, "UPDATE sku SET safety = ? WHERE id = ?", "ii",
					      p->safety, id));
	if (rc == 0 && (p->set & JG_SKU_SET_LOW_STOCK))
		rc = jg__op_wrote(s, jg__exec(s, err, "UPDATE sku SET low_stock = ? WHERE id = ?",
					      "ii", p->low_stock, id));
	if (rc == 0 && (p->set & (JG_SKU_SET_SAFETY | JG_SKU_SET_LOW_STOCK)))
		rc = jg__sku_touch(s, id, 0, 0, err); /* its listings must be computed again */
	rc = jg__op_end(s, rc, err);
out:
	jg_buf_free(&nm);
	return rc;
}

static const char SQL_SKU_ALL[] =
	"SELECT code, name, on_hand, committed, safety, low_stock FROM sku ORDER BY code";
static const char SQL_SKU_ONE[] =
	"SELECT code, name, on_hand, committed, safety, low_stock FROM sku WHERE code = ?";

static int emit_sku(jg_store *s, jg__stmt *st, jg_sku_cb cb, void *payload)
{
	jg_sku_info i;

	i.code = jg__text(s, st, 0);
	i.name = jg__text(s, st, 1);
	i.on_hand = jg__i64(s, st, 2);
	i.committed = jg__i64(s, st, 3);
	i.available = i.on_hand - i.committed;
	i.safety = jg__i64(s, st, 4);
	i.low_stock = jg__i64(s, st, 5);
	return cb(&i, payload);
}

int jg_sku_each(jg_store *s, const char *const *codes, size_t n, jg_sku_cb cb, void *payload,
		jg_err *err)
{
	jg__stmt *st;
	int rc = 0;

	JG__ERR_GUARD(err);
	if (n == 0) {
		st = jg__q(s, err, SQL_SKU_ALL, "");
		if (!st)
			return err->code;
		while ((rc = jg__step(s, st, err)) == 1)
			if ((rc = emit_sku(s, st, cb, payload)))
				break;
		s->drv->reset(st);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		st = jg__q(s, err, SQL_SKU_ONE, "t", codes[i]);
		if (!st)
			return err->code;
		rc = jg__step(s, st, err);
		if (rc == 1)
			rc = emit_sku(s, st, cb, payload);
		else if (rc == 0)
			rc = jg_err_set(err, JG_ENOTFOUND, "unknown SKU \"%s\"", codes[i]);
		s->drv->reset(st);
	}
	return rc;
}

static const char SQL_SKU_LISTED[] =
	"SELECT c.name, MIN(l.listed) FROM listing l JOIN channel c ON c.id = l.channel_id"
	" JOIN sku k ON k.id = l.plain_sku_id WHERE k.code = ? GROUP BY c.name ORDER BY c.name";

int jg_sku_listed_each(jg_store *s, const char *code, jg_sku_listed_cb cb, void *payload,
		       jg_err *err)
{
	jg__stmt *st;
	int rc;

	JG__ERR_GUARD(err);
	st = jg__q(s, err, SQL_SKU_LISTED, "t", code);
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1)
		if ((rc = cb(jg__text(s, st, 0), jg__i64(s, st, 1), payload)))
			break;
	s->drv->reset(st);
	return rc;
}

/* ---- movements -------------------------------------------------------------------------- */

static const char SQL_MOVE[] =
	"INSERT INTO movement(sku_id, kind, delta, reason, source, at) VALUES (?, ?, ?, ?, ?, ?)";

int jg__movement(jg_store *s, int64_t sku_id, jg_move_kind kind, int64_t delta,
		 const char *reason, const char *source, int64_t at, jg_err *err)
{
	int rc = jg__exec(s, err, SQL_MOVE, "iiitti", sku_id, (int64_t)kind, delta,
			  reason ? reason : "", source ? source : "", at);

	if (rc == 0)
		rc = jg__sku_touch(s, sku_id, delta, 0, err);
	return rc;
}

#define REASON_MAX_BYTES 1024
#define QTY_LIMIT 1000000000LL /* a billion units: anything past it is a typo */

static int move(jg_store *s, const char *code, jg_move_kind kind, int64_t delta,
		const char *reason, jg_err *err)
{
	jg_buf r;
	int64_t id;
	int rc;

	jg_buf_init(&r, REASON_MAX_BYTES);
	rc = jg__nfc(&r, reason, err);
	if (rc)
		goto out;
	rc = jg__op_begin(s, err);
	if (rc)
		goto out;
	rc = jg__sku_id(s, code, &id, err);
	if (rc == 0)
		rc = jg__op_wrote(s, jg__movement(s, id, kind, delta, jg_buf_str(&r), "cli",
						  jg_now_ms(), err));
	rc = jg__op_end(s, rc, err);
out:
	jg_buf_free(&r);
	return rc;
}

int jg_stock_receive(jg_store *s, const char *code, int64_t qty, const char *note, jg_err *err)
{
	JG__ERR_GUARD(err);
	if (qty <= 0 || qty > QTY_LIMIT)
		return jg_err_set(err, JG_EINVAL, "receive %s: quantity must be from 1 to %lld", code,
				  QTY_LIMIT);
	return move(s, code, JG_MOVE_RECEIPT, qty, note, err);
}

int jg_stock_adjust(jg_store *s, const char *code, int64_t delta, const char *reason,
		    jg_err *err)
{
	JG__ERR_GUARD(err);
	if (delta == 0 || delta > QTY_LIMIT || delta < -QTY_LIMIT)
		return jg_err_set(err, JG_EINVAL, "adjust %s: delta must be non-zero and within %lld",
				  code, QTY_LIMIT);
	if (!reason || !*reason)
		return jg_err_set(err, JG_EINVAL, "adjust %s: a reason is required", code);
	return move(s, code, JG_MOVE_ADJUST, delta, reason, err);
}

int jg_stock_count(jg_store *s, const char *code, int64_t counted, const char *note,
		   int64_t *out_delta, jg_err *err)
{
	jg_buf r;
	int64_t id, on_hand = 0, delta = 0;
	int rc;

	JG__ERR_GUARD(err);
	if (out_delta)
		*out_delta = 0;
	if (counted < 0 || counted > QTY_LIMIT)
		return jg_err_set(err, JG_EINVAL, "count %s: quantity must be from 0 to %lld", code,
				  QTY_LIMIT);
	jg_buf_init(&r, REASON_MAX_BYTES);
	rc = jg__nfc(&r, note, err);
	if (rc)
		goto out;
	rc = jg__op_begin(s, err);
	if (rc)
		goto out;
	rc = jg__sku_id(s, code, &id, err);
	if (rc == 0 && jg__scalar(s, &on_hand, err, "SELECT on_hand FROM sku WHERE id = ?", "i",
				  id) < 0)
		rc = err->code;
	if (rc == 0) {
		delta = counted - on_hand;
		if (delta != 0)
			rc = jg__op_wrote(s, jg__movement(s, id, JG_MOVE_COUNT, delta, jg_buf_str(&r),
							  "stocktake", jg_now_ms(), err));
	}
	rc = jg__op_end(s, rc, err);
	if (rc == 0 && out_delta)
		*out_delta = delta;
out:
	jg_buf_free(&r);
	return rc;
}

/* ---- history ------------------------------------------------------------------------------ */

/* Movements and the order lines that held or shipped units, one time line. */
static const char SQL_HISTORY[] =
	"SELECT at, kind, delta, reason, source, status FROM ("
	"  SELECT m.at AS at, m.id AS seq, 0 AS src, m.kind AS kind, m.delta AS delta,"
	"         m.reason AS reason, m.source AS source, -1 AS status"
	"  FROM movement m WHERE m.sku_id = ?"
	"  UNION ALL"
	"  SELECT o.created_at, o.id, 1, -1, -li.units, '', 'order ' || c.name || ':' || o.line_id,"
	"         o.status"
	"  FROM line_item li JOIN order_line o ON o.id = li.line_pk"
	"  JOIN channel c ON c.id = o.channel_id WHERE li.sku_id = ?"
	") AS h ORDER BY at, src, seq";

int jg_stock_history(jg_store *s, const char *code, jg_history_cb cb, void *payload,
		     jg_err *err)
{
	jg__stmt *st;
	int64_t id;
	int rc;

	JG__ERR_GUARD(err);
	rc = jg__sku_id(s, code, &id, err);
	if (rc)
		return rc;
	st = jg__q(s, err, SQL_HISTORY, "ii", id, id);
	if (!st)
		return err->code;
	while ((rc = jg__step(s, st, err)) == 1) {
		jg_history_entry e;
		int64_t kind = jg__i64(s, st, 1), status = jg__i64(s, st, 5);

		e.at = jg__i64(s, st, 0);
		e.kind = kind < 0 ? "commitment" : jg_move_kind_name((jg_move_kind)kind);
		e.delta = jg__i64(s, st, 2);
		e.reason = jg__text(s, st, 3);
		e.source = jg__text(s, st, 4);
		e.state = status < 0 ? "" : jg_status_name((jg_status)status);
		if ((rc = cb(&e, payload)))
			break;
	}
	s->drv->reset(st);
	return rc;
}
