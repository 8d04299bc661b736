/* SPDX-License-Identifier: MIT */
/*
 * From rows to canonical order lines: find the header row (scanning the first
 * JG_PROFILE_SCAN_ROWS rows for the allowed profiles' header names), then turn each data
 * row into a jg_line, or report it as rejected (row, column, reason) or ignored. Values are
 * repaired where a spreadsheet damaged them (ids and phones stored as numbers, postal codes
 * that lost their leading zero) and refused where they cannot be recovered (an id rounded
 * to 15 digits).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaego/import.h"
#include "jaego/util.h"
#include "readers.h"

#define ROW_ARENA_CAP (8u << 20)

/* ---- repairs ---------------------------------------------------------------------------- */

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Length of the integer part when `s` is digits followed by ".0…0"; 0 otherwise. */
static size_t integral_with_zero_fraction(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);

	if (!dot || !all_digits(s, (size_t)(dot - s)))
		return 0;
	for (const char *p = dot + 1; p < s + n; p++)
		if (*p != '0')
			return 0;
	return (size_t)(dot - s);
}

static bool looks_scientific(const char *s, size_t n)
{
	bool digit = false, e = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (isdigit((unsigned char)c))
			digit = true;
		else if ((c == 'e' || c == 'E') && digit && !e)
			e = true;
		else if (c != '.' && c != '+' && c != '-')
			return false;
	}
	return e;
}

int jg_import_repair_id(char *out, size_t outsz, const char *text, jg_cell_type type)
{
	size_t n = strlen(text), k;
	const char *t = jg_text_trim(text, &n);

	if (looks_scientific(t, n))
		return JG_EINVAL;
	k = integral_with_zero_fraction(t, n);
	if (k)
		n = k;
	if (type == JG_CELL_NUMBER) {
		if (!all_digits(t, n) || n > 15)
			return JG_EINVAL; /* a fraction, or more digits than a double keeps */
	}
	if (n >= outsz)
		return JG_ELIMIT;
	memcpy(out, t, n);
	out[n] = '\0';
	return 0;
}

/* Digits of a number-like cell with any ".0" dropped, or NULL when it is not one. */
static const char *number_digits(const char *text, jg_cell_type type, size_t *n)
{
	const char *t;
	size_t k;

	*n = strlen(text);
	t = jg_text_trim(text, n);
	k = integral_with_zero_fraction(t, *n);
	if (k)
		*n = k;
	if (!all_digits(t, *n))
		return NULL;
	(void)type;
	return t;
}

/* Writes `pad` copies of `fill`, then the `n` bytes at `s`, into `out` as snprintf would:
 * truncated to outsz - 1 bytes and NUL-terminated. (Called for every phone and postal code
 * of every row, where snprintf's format parsing was most of the cost.) */
static void put_padded(char *out, size_t outsz, char fill, size_t pad, const char *s, size_t n)
{
	size_t used = 0;

	if (outsz == 0)
		return;
	for (; pad && used + 1 < outsz; pad--)
		out[used++] = fill;
	if (n > outsz - 1 - used)
		n = outsz - 1 - used;
	memcpy(out + used, s, n);
	out[used + n] = '\0';
}

void jg_import_repair_phone(char *out, size_t outsz, const char *text, jg_cell_type type)
{
	size_t n;
	const char *d = number_digits(text, type, &n);

	if (d && d[0] != '0' && n >= 8 && n <= 11)
		put_padded(out, outsz, '0', 1, d, n);
	else if (d)
		put_padded(out, outsz, '0', 0, d, n);
	else {
		n = strlen(text);
		d = jg_text_trim(text, &n);
		put_padded(out, outsz, '0', 0, d, n);
	}
}

void jg_import_repair_postal(char *out, size_t outsz, const char *text, jg_cell_type type)
{
	size_t n;
	const char *d = number_digits(text, type, &n);

	if (d && n < 5)
		put_padded(out, outsz, '0', 5 - n, d, n);
	else if (d)
		put_padded(out, outsz, '0', 0, d, n);
	else {
		n = strlen(text);
		d = jg_text_trim(text, &n);
		put_padded(out, outsz, '0', 0, d, n);
	}
}

/* ---- the reading state ------------------------------------------------------------------------ */

typedef struct state {
	const jg_import_opts *o;
	const jg_import_handler *h;
	void *payload;
	jg_import_info *info;
	jg_sheet_info sheet;
	jg_err *err;
	bool header_done;
	bool sniff_only;
	int64_t scanned;
	/* the closest miss, for the message when nothing matches */
	const jg_profile *closest;
	size_t closest_matched;
	int64_t closest_row;
	char closest_missing[256];
	/* per-row work */
	jg_arena arena;
	/* fill-down and #seq: the previous row's values, in buffers reused row after row */
	char *prev_group;
	size_t prev_group_cap;
	int64_t seq;
	int64_t prev_at;
	char *prev[JG_FIELD__COUNT];
	size_t prev_cap[JG_FIELD__COUNT];
	/* Status words met in this file and what the profile makes of them: a file has a
	 * handful of distinct words, and folding one costs more than the rest of its row. */
	struct {
		char word[64];
		jg_status status;
		bool restock;
	} memo[16];
	size_t n_memo;
} state;

static bool allowed(const state *st, const jg_profile *p)
{
	if (!st->o->n_allowed)
		return jg_profile_detectable(p);
	for (size_t i = 0; i < st->o->n_allowed; i++)
		if (st->o->allowed[i] == p)
			return true;
	return false;
}

static int try_header(state *st, const jg_sheet_row *row)
{
	const jg_profiles *set = st->o->profiles;
	const char **texts = jg_calloc(row->n ? row->n : 1, sizeof(*texts));
	const jg_profile *best = NULL, *tie = NULL;
	jg_header_match bm;
	size_t best_n = 0;

	if (!texts)
		return jg_err_set(st->err, JG_ENOMEM, "out of memory");
	for (size_t i = 0; i < row->n; i++)
		texts[i] = row->cells[i].text;
	for (size_t i = 0; i < jg_profiles_count(set); i++) {
		const jg_profile *p = jg_profiles_at(set, i);
		int64_t fixed = jg_profile_header_row(p);
		jg_header_match m;

		if (!allowed(st, p) || (fixed && fixed != row->row))
			continue;
		jg_profile_match(p, texts, row->n, &m);
		if (!m.ok) {
			if (m.matched > st->closest_matched) {
				st->closest = p;
				st->closest_matched = m.matched;
				st->closest_row = row->row;
				snprintf(st->closest_missing, sizeof(st->closest_missing), "%s",
					 m.missing);
			}
			continue;
		}
		if (!best || m.matched > best_n) {
			best = p;
			best_n = m.matched;
			bm = m;
			tie = NULL;
		} else if (m.matched == best_n) {
			tie = p;
		}
	}
	if (!best) {
		jg_free(texts);
		return 0;
	}
	if (tie) {
		jg_free(texts);
		return jg_err_set_at(st->err, JG_EINVAL, row->row, 0,
				     "row %lld matches the profiles %s and %s equally: name its channel",
				     (long long)row->row, jg_profile_name(best), jg_profile_name(tie));
	}
	st->info->profile = best;
	st->info->header_row = row->row;
	st->info->match = bm;
	for (int f = 0; f < JG_FIELD__COUNT; f++) {
		int c = bm.col[f];

		snprintf(st->info->headers[f], sizeof(st->info->headers[f]), "%s",
			 c >= 0 && (size_t)c < row->n ? texts[c] : "");
	}
	if (bm.n_compose) {
		size_t used = 0;

		for (size_t i = 0; i < bm.n_compose; i++) {
			int c = bm.compose[i];

			used += (size_t)snprintf(st->info->line_id_from + used,
						 sizeof(st->info->line_id_from) - used, "%s%s",
						 i ? " + " : "", c >= 0 ? texts[c] : "#seq");
			if (used >= sizeof(st->info->line_id_from))
				break;
		}
	} else {
		snprintf(st->info->line_id_from, sizeof(st->info->line_id_from), "%s",
			 st->info->headers[JG_FIELD_LINE_ID]);
	}
	st->header_done = true;
	jg_free(texts);
	st->info->format = st->sheet.format;
	snprintf(st->info->sheet, sizeof(st->info->sheet), "%s", st->sheet.sheet);
	snprintf(st->info->charset, sizeof(st->info->charset), "%s", st->sheet.charset);
	if (st->h && st->h->on_header)
		return st->h->on_header(st->info, st->payload);
	return 0;
}

/* ---- cells to values ------------------------------------------------------------------------- */

static const jg_cell EMPTY = {JG_CELL_EMPTY, "", 0};

static const jg_cell *cell(const jg_sheet_row *row, int col)
{
	return col >= 0 && (size_t)col < row->n ? &row->cells[col] : &EMPTY;
}

static bool blank(const jg_cell *c)
{
	size_t n = c->len;

	jg_text_trim(c->text, &n);
	return n == 0;
}

static int reject(state *st, const jg_sheet_row *row, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int reject(state *st, const jg_sheet_row *row, int col, const char *fmt, ...)
{
	char reason[256];
	const char *header = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	for (int f = 0; col >= 0 && f < JG_FIELD__COUNT; f++)
		if (st->info->match.col[f] == col)
			header = st->info->headers[f];
	if (!st->h->on_reject)
		return 0;
	return st->h->on_reject(row->row, col >= 0 ? col + 1 : 0, header, reason, st->payload);
}

/* Trimmed text of a cell in the row arena. */
static const char *text_of(state *st, const jg_cell *c)
{
	size_t n = c->len;
	const char *t = jg_text_trim(c->text, &n);

	return jg_arena_strndup(&st->arena, t, n);
}

/* A whole positive number ("2", "2.0", "1,000"). */
static int parse_count(const char *s, int64_t *out)
{
	char digits[32];
	size_t k = 0;
	size_t n = strlen(s);
	const char *t = jg_text_trim(s, &n), *dot;

	dot = memchr(t, '.', n);
	if (dot) {
		for (const char *p = dot + 1; p < t + n; p++)
			if (*p != '0')
				return JG_EINVAL;
		n = (size_t)(dot - t);
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i] == ',')
			continue;
		if (!isdigit((unsigned char)t[i]) || k + 1 >= sizeof(digits))
			return JG_EINVAL;
		digits[k++] = t[i];
	}
	digits[k] = '\0';
	if (!k)
		return JG_EINVAL;
	return jg_parse_i64(out, digits);
}

/* A price in minor units: "12,000", "12000.0", "$12.50", "₩12,000", "12,000원". */
static int parse_price(const char *s, int64_t scale, int64_t *out)
{
	int64_t whole = 0, frac = 0;
	bool seen = false, neg = false, in_frac = false;
	size_t fd = 0, sd = 0;

	for (int64_t x = scale; x > 1; x /= 10)
		sd++;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isdigit(*p)) {
			int d = *p - '0';

			seen = true;
			if (in_frac) {
				if (fd < sd) {
					frac = frac * 10 + d;
					fd++;
				}
			} else {
				if (whole > (INT64_MAX - d) / 10 / (scale ? scale : 1))
					return JG_EINVAL;
				whole = whole * 10 + d;
			}
		} else if (*p == '.' && !in_frac) {
			in_frac = true;
		} else if (*p == '-' && !seen) {
			neg = true;
		} else if (*p == ',' || *p == ' ' || *p == '$' || *p == '+') {
			continue;
		} else if (*p == 0xe2 && p[1] == 0x82 && p[2] == 0xa9) {
			p += 2; /* ₩ */
		} else if (*p == 0xef && p[1] == 0xbf && p[2] == 0xa6) {
			p += 2; /* fullwidth ￦ */
		} else if (*p == 0xec && p[1] == 0x9b && p[2] == 0x90 && !p[3]) {
			p += 2; /* 원 at the end */
		} else {
			return JG_EINVAL;
		}
	}
	if (!seen)
		return JG_EINVAL;
	while (fd < sd) {
		frac *= 10;
		fd++;
	}
	*out = whole * scale + frac;
	if (neg)
		*out = -*out;
	return 0;
}

/* Text dates in the profile's order, turned into the ISO order jg_time_parse reads. */
static int parse_when(state *st, const jg_cell *c, int64_t *out)
{
	const jg_profile *p = st->info->profile;
	int tz = jg_profile_tz(p);
	const char *order = jg_profile_date_order(p);
	char buf[96], iso[96];
	size_t n = c->len;
	const char *t = jg_text_trim(c->text, &n);
	int a, b, y, used = 0;

	if (c->type == JG_CELL_NUMBER) {
		double serial;
		char *end;

		snprintf(buf, sizeof(buf), "%.*s", (int)n, t);
		serial = strtod(buf, &end); /* the cell is a number by its type */
		if (*end || jg__excel_date(buf, sizeof(buf), serial, st->sheet.date1904))
			return JG_EINVAL;
		return jg_time_parse(out, buf, tz);
	}
	if (n >= sizeof(buf))
		return JG_EINVAL;
	memcpy(buf, t, n);
	buf[n] = '\0';
	if (strcmp(order, "ymd") != 0 &&
	    sscanf(buf, "%d/%d/%d%n", &a, &b, &y, &used) == 3 && used > 0) {
		int m = strcmp(order, "mdy") == 0 ? a : b, d = strcmp(order, "mdy") == 0 ? b : a;

		if (y < 100)
			y += y < 70 ? 2000 : 1900;
		snprintf(iso, sizeof(iso), "%04d-%02d-%02d%s", y, m, d, buf + used);
		return jg_time_parse(out, iso, tz);
	}
	return jg_time_parse(out, buf, tz);
}

/* Field text with fill-down applied. */
static const char *field(state *st, const jg_sheet_row *row, jg_field f, bool same_group)
{
	const jg_cell *c = cell(row, st->info->match.col[f]);

	if (blank(c) && same_group && jg_profile_fill_down(st->info->profile, f) && st->prev[f])
		return st->prev[f];
	return text_of(st, c);
}

/* Copies `v` into *buf (capacity *cap), growing it when needed. */
static int keep_text(state *st, char **buf, size_t *cap, const char *v)
{
	size_t n = strlen(v) + 1;

	if (n > *cap) {
		size_t want = n < 64 ? 64 : n;
		char *nb = jg_realloc(*buf, want);

		if (!nb)
			return jg_err_set(st->err, JG_ENOMEM, "out of memory");
		*buf = nb;
		*cap = want;
	}
	memcpy(*buf, v, n);
	return 0;
}

static int remember(state *st, jg_field f, const char *v)
{
	if (v == st->prev[f])
		return 0; /* carried down already: it is the remembered value */
	return keep_text(st, &st->prev[f], &st->prev_cap[f], v);
}

/* jg_profile_status through the file's memo. */
static int status_of(state *st, const char *word, jg_status *out, bool *restock)
{
	size_t n = strlen(word);
	int rc;

	for (size_t i = 0; i < st->n_memo; i++) {
		if (strcmp(st->memo[i].word, word) == 0) {
			*out = st->memo[i].status;
			*restock = st->memo[i].restock;
			return 0;
		}
	}
	rc = jg_profile_status(st->info->profile, word, out, restock);
	if (rc == 0 && n < sizeof(st->memo[0].word) &&
	    st->n_memo < sizeof(st->memo) / sizeof(st->memo[0])) {
		memcpy(st->memo[st->n_memo].word, word, n + 1);
		st->memo[st->n_memo].status = *out;
		st->memo[st->n_memo].restock = *restock;
		st->n_memo++;
	}
	return rc;
}

static int on_data(state *st, const jg_sheet_row *row)
{
	const jg_profile *p = st->info->profile;
	const jg_header_match *m = &st->info->match;
	jg_line l;
	char id[128], part[128], phone1[40], phone2[40], postal[24];
	const char *group, *sv;
	bool same_group, any_order_field;
	int rc, key_col;
	jg_status status;
	bool restock = false;

	jg_arena_reset(&st->arena);
	memset(&l, 0, sizeof(l));
	l.row = row->row;
	l.price = -1;

	/* Is there anything of an order here at all? */
	key_col = m->n_compose ? m->compose[0] : m->col[JG_FIELD_LINE_ID];
	any_order_field = !blank(cell(row, key_col)) || !blank(cell(row, m->col[JG_FIELD_QTY])) ||
			  !blank(cell(row, m->col[JG_FIELD_PRODUCT_ID]));
	if (!any_order_field) {
		for (size_t i = 0; i < row->n; i++)
			if (!blank(&row->cells[i]))
				return st->h->on_ignore ? st->h->on_ignore(row->row, st->payload) : 0;
		return 0;
	}
	st->info->rows++;

	/* Orders span rows in some files (Shopify): the group decides fill-down and #seq. */
	group = text_of(st, cell(row, m->col[JG_FIELD_ORDER_NO] >= 0 ? m->col[JG_FIELD_ORDER_NO]
								      : key_col));
	if (!group)
		return jg_err_set(st->err, JG_ENOMEM, "out of memory");
	same_group = *group && st->prev_group && strcmp(group, st->prev_group) == 0;
	st->seq = same_group ? st->seq + 1 : 1;
	if (!same_group && (rc = keep_text(st, &st->prev_group, &st->prev_group_cap, group)))
		return rc;

	/* The line id: one column, or several joined. */
	if (m->n_compose) {
		size_t used = 0;

		id[0] = '\0';
		for (size_t i = 0; i < m->n_compose; i++) {
			const jg_cell *c = cell(row, m->compose[i]);

			if (m->compose[i] == -2)
				snprintf(part, sizeof(part), "%lld", (long long)st->seq);
			else if (blank(c))
				return reject(st, row, m->compose[i], "empty (part of the line id)");
			else if (jg_import_repair_id(part, sizeof(part), c->text, c->type))
				return reject(st, row, m->compose[i],
					      "\"%s\" was stored as a number and rounded by the"
					      " spreadsheet; download the file again",
					      c->text);
			used += (size_t)snprintf(id + used, sizeof(id) - used, "%s%s", i ? "-" : "", part);
			if (used >= sizeof(id))
				return reject(st, row, m->compose[i], "line id too long");
		}
	} else {
		const jg_cell *c = cell(row, m->col[JG_FIELD_LINE_ID]);

		if (blank(c))
			return reject(st, row, m->col[JG_FIELD_LINE_ID], "no line id");
		rc = jg_import_repair_id(id, sizeof(id), c->text, c->type);
		if (rc == JG_ELIMIT)
			return reject(st, row, m->col[JG_FIELD_LINE_ID], "line id too long");
		if (rc)
			return reject(st, row, m->col[JG_FIELD_LINE_ID],
				      "\"%s\" was stored as a number and rounded by the spreadsheet;"
				      " download the file again",
				      c->text);
	}
	l.line_id = id;

	/* Ids. */
	{
		static const jg_field ids[] = {JG_FIELD_ORDER_NO, JG_FIELD_PRODUCT_ID, JG_FIELD_SKU_CODE,
					       JG_FIELD_TRACKING};
		const char **dst[] = {&l.order_no, &l.product_id, &l.sku_code, &l.tracking};

		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			const jg_cell *c = cell(row, m->col[ids[i]]);
			char *buf = jg_arena_alloc(&st->arena, 128);

			if (!buf)
				return jg_err_set(st->err, JG_ENOMEM, "out of memory");
			buf[0] = '\0';
			if (!blank(c) && jg_import_repair_id(buf, 128, c->text, c->type))
				return reject(st, row, m->col[ids[i]],
					      "\"%s\" was stored as a number and rounded by the"
					      " spreadsheet, or is too long",
					      c->text);
			*dst[i] = buf;
		}
	}
	if (!*l.product_id && p && jg_profile_kind_of(p) == JG_PROFILE_ORDERS)
		return reject(st, row, m->col[JG_FIELD_PRODUCT_ID], "no product id");

	/* Quantity. */
	if (jg_profile_kind_of(p) == JG_PROFILE_ORDERS) {
		const jg_cell *c = cell(row, m->col[JG_FIELD_QTY]);

		if (parse_count(c->text, &l.qty) || l.qty < 1)
			return reject(st, row, m->col[JG_FIELD_QTY],
				      "quantity \"%s\" is not a whole number of 1 or more", c->text);
	} else {
		l.qty = 1;
	}

	/* Price. */
	{
		const jg_cell *c = cell(row, m->col[JG_FIELD_PRICE]);

		if (!blank(c) && parse_price(c->text, jg_profile_price_scale(p), &l.price))
			return reject(st, row, m->col[JG_FIELD_PRICE], "price \"%s\" is not an amount",
				      c->text);
	}

	/* Status: cancelled flag, claim, status word, shipped flag, default. */
	sv = field(st, row, JG_FIELD_CANCELLED_IF, same_group);
	l.channel_status = "";
	if (sv && *sv) {
		status = JG_STATUS_CANCELLED;
		l.channel_status = "cancelled";
	} else {
		const char *claim = text_of(st, cell(row, m->col[JG_FIELD_CLAIM_STATUS]));
		const char *word = field(st, row, JG_FIELD_STATUS, same_group);
		const char *shipped = field(st, row, JG_FIELD_SHIPPED_IF, same_group);

		if (!claim || !word || !shipped)
			return jg_err_set(st->err, JG_ENOMEM, "out of memory");
		if (*claim) {
			if (status_of(st, claim, &status, &restock))
				return reject(st, row, m->col[JG_FIELD_CLAIM_STATUS],
					      "unknown claim status \"%s\"", claim);
			l.channel_status = claim;
		} else if (*word) {
			if (status_of(st, word, &status, &restock))
				return reject(st, row, m->col[JG_FIELD_STATUS], "unknown status \"%s\"",
					      word);
			l.channel_status = word;
		} else if (*shipped) {
			status = JG_STATUS_SHIPPED;
			l.channel_status = "shipped";
		} else if (jg_profile_default_status(p, &status)) {
			return reject(st, row, m->col[JG_FIELD_STATUS], "no status");
		}
	}
	l.status = status;
	l.restock = restock;

	/* Time. */
	{
		int col = m->col[JG_FIELD_ORDERED_AT];
		const jg_cell *c = cell(row, col);

		if (!blank(c)) {
			if (parse_when(st, c, &l.ordered_at))
				return reject(st, row, col, "\"%s\" is not a date and time", c->text);
			st->prev_at = l.ordered_at;
		} else if (same_group && jg_profile_fill_down(p, JG_FIELD_ORDERED_AT)) {
			l.ordered_at = st->prev_at;
		}
	}

	/* People and places (personal data: stored, never logged). */
	l.product_name = text_of(st, cell(row, m->col[JG_FIELD_PRODUCT_NAME]));
	l.option = text_of(st, cell(row, m->col[JG_FIELD_OPTION]));
	l.buyer = field(st, row, JG_FIELD_BUYER, same_group);
	l.recipient = field(st, row, JG_FIELD_RECIPIENT, same_group);
	l.address = field(st, row, JG_FIELD_ADDRESS, same_group);
	l.message = text_of(st, cell(row, m->col[JG_FIELD_MESSAGE]));
	l.courier = text_of(st, cell(row, m->col[JG_FIELD_COURIER]));
	{
		const jg_cell *c = cell(row, m->col[JG_FIELD_BUYER_PHONE]);

		jg_import_repair_phone(phone1, sizeof(phone1), c->text, c->type);
		c = cell(row, m->col[JG_FIELD_RECIPIENT_PHONE]);
		if (blank(c) && same_group && jg_profile_fill_down(p, JG_FIELD_RECIPIENT_PHONE) &&
		    st->prev[JG_FIELD_RECIPIENT_PHONE])
			snprintf(phone2, sizeof(phone2), "%s", st->prev[JG_FIELD_RECIPIENT_PHONE]);
		else
			jg_import_repair_phone(phone2, sizeof(phone2), c->text, c->type);
		c = cell(row, m->col[JG_FIELD_POSTAL_CODE]);
		if (blank(c) && same_group && jg_profile_fill_down(p, JG_FIELD_POSTAL_CODE) &&
		    st->prev[JG_FIELD_POSTAL_CODE])
			snprintf(postal, sizeof(postal), "%s", st->prev[JG_FIELD_POSTAL_CODE]);
		else
			jg_import_repair_postal(postal, sizeof(postal), c->text, c->type);
	}
	l.buyer_phone = phone1;
	l.recipient_phone = phone2;
	l.postal_code = postal;
	if (!l.product_name || !l.option || !l.buyer || !l.recipient || !l.address || !l.message ||
	    !l.courier)
		return jg_err_set(st->err, JG_ENOMEM, "out of memory");

	/* Remember this row's values for the rows of the same order below it. */
	{
		static const jg_field keep[] = {JG_FIELD_BUYER, JG_FIELD_RECIPIENT, JG_FIELD_ADDRESS,
						JG_FIELD_STATUS, JG_FIELD_SHIPPED_IF,
						JG_FIELD_CANCELLED_IF};
		const char *vals[] = {l.buyer, l.recipient, l.address, NULL, NULL, sv};

		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
			const char *v = vals[i] ? vals[i] : field(st, row, keep[i], same_group);

			if (v && (rc = remember(st, keep[i], v)))
				return rc;
		}
		if ((rc = remember(st, JG_FIELD_RECIPIENT_PHONE, phone2)) ||
		    (rc = remember(st, JG_FIELD_POSTAL_CODE, postal)))
			return rc;
	}
	return st->h->on_line(&l, st->payload);
}

static int on_row(const jg_sheet_row *row, void *payload)
{
	state *st = payload;
	int rc;

	if (!st->header_done) {
		if (++st->scanned > JG_PROFILE_SCAN_ROWS)
			return JG_ENOTFOUND;
		rc = try_header(st, row);
		if (rc || !st->header_done)
			return rc;
		return st->sniff_only ? 1 : 0;
	}
	return on_data(st, row);
}

static int run(const char *path, const jg_import_opts *o, jg_import_info *info,
	       const jg_import_handler *h, void *payload, bool sniff_only, jg_err *err)
{
	jg_import_info local;
	jg_sheet_opts so = {0};
	state st;
	int rc;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	memset(&st, 0, sizeof(st));
	st.o = o;
	st.h = h;
	st.payload = payload;
	st.info = info;
	st.err = err;
	st.sniff_only = sniff_only;
	jg_arena_init(&st.arena, ROW_ARENA_CAP);
	so.password = o->password;
	so.lim = o->lim;
	rc = jg_sheet_read_file(path, &so, &st.sheet, on_row, &st, err);
	if (sniff_only && rc == 1)
		rc = 0;
	info->format = st.sheet.format;
	if ((rc == 0 || rc == JG_ENOTFOUND) && !st.header_done) {
		if (st.closest)
			rc = jg_err_set(err, JG_EINVAL,
					"%s: no profile recognises the header in the first %d rows;"
					" closest is %s (row %lld), which misses: %s",
					path, JG_PROFILE_SCAN_ROWS, jg_profile_name(st.closest),
					(long long)st.closest_row, st.closest_missing);
		else
			rc = jg_err_set(err, JG_EINVAL,
					"%s: no profile recognises the header in the first %d rows",
					path, JG_PROFILE_SCAN_ROWS);
	} else if (rc && err && err->code == 0) {
		jg_err_set(err, rc, "%s: %s", path, jg_strerror(rc));
	}
	jg_arena_free(&st.arena);
	jg_free(st.prev_group);
	for (int f = 0; f < JG_FIELD__COUNT; f++)
		jg_free(st.prev[f]);
	return rc;
}

int jg_import_read(const char *path, const jg_import_opts *o, jg_import_info *info,
		   const jg_import_handler *h, void *payload, jg_err *err)
{
	return run(path, o, info, h, payload, false, err);
}

int jg_import_sniff(const char *path, const jg_import_opts *o, jg_import_info *info, jg_err *err)
{
	static const jg_import_handler none = {NULL, NULL, NULL, NULL};

	return run(path, o, info, &none, NULL, true, err);
}
