/* SPDX-License-Identifier: MIT */
/*
 * The sync plan, stock-update files and confirming an uploaded file. Uses the store's
 * public interface only. A channel's file layout comes from the "stock_update" object of
 * its profile:
 *   {"format": "xlsx"|"csv"|"tsv", "encoding": "utf-8"|"cp949", "bom": true,
 *    "sheet": "...", "columns": [{"header": "옵션ID", "value": "product_id"},
 *    {"header": "재고수량", "value": "qty", "min": 1},
 *    {"header": "판매상태", "value": "soldout", "yes": "품절", "no": "판매중"},
 *    {"header": "Location", "value": "const", "text": "Shop location"}]}
 * Values: product_id, option, qty, soldout, sku, const. A channel without one gets the
 * generic CSV: product_id, option, quantity.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "jaego/import.h"
#include "jaego/sheet.h"
#include "jaego/sync.h"
#include "jaego/util.h"

#define PLAN_ARENA_CAP ((size_t)512 << 20)

const char *jg_sync_kind_name(jg_sync_kind k)
{
	switch (k) {
	case JG_SYNC_ZERO: return "zero";
	case JG_SYNC_LOWER: return "lower";
	case JG_SYNC_RAISE: return "raise";
	case JG_SYNC_HELD: return "held";
	}
	return "unknown";
}

/* ---- the plan --------------------------------------------------------------------------- */

/* An item whose cause is the latest change of its limiting SKU. */
typedef struct want {
	const char *sku;
	size_t item;
} want;

struct jg_sync_plan {
	jg_sync_item *v;
	size_t n, cap;
	jg_arena strings;
	want *want; /* while the plan is made */
	size_t n_want, cap_want;
};

typedef struct plan_ctx {
	jg_sync_plan *p;
	bool force;
	jg_err *err;
} plan_ctx;

static int on_pending(const jg_pending *pd, void *payload)
{
	plan_ctx *c = payload;
	jg_sync_plan *p = c->p;
	jg_sync_item *it;

	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 256;
		jg_sync_item *v = jg_realloc(p->v, ncap * sizeof(*v));

		if (!v)
			return jg_err_set(c->err, JG_ENOMEM, "out of memory");
		p->v = v;
		p->cap = ncap;
	}
	it = &p->v[p->n];
	memset(it, 0, sizeof(*it));
	it->ref = pd->ref;
	it->channel = jg_arena_strdup(&p->strings, pd->channel);
	it->product_id = jg_arena_strdup(&p->strings, pd->product_id);
	it->option = jg_arena_strdup(&p->strings, pd->option);
	it->sku = jg_arena_strdup(&p->strings, pd->sku);
	if (!it->channel || !it->product_id || !it->option || !it->sku)
		return jg_err_set(c->err, JG_ENOMEM, "out of memory");
	it->old_qty = pd->last_told;
	it->new_qty = pd->listed;
	if (pd->limit_sku[0]) {
		snprintf(it->why, sizeof(it->why), "%s:%s", jg_limit_name(pd->why), pd->limit_sku);
		if (p->n_want == p->cap_want) {
			size_t ncap = p->cap_want ? p->cap_want * 2 : 256;
			want *w = jg_realloc(p->want, ncap * sizeof(*w));

			if (!w)
				return jg_err_set(c->err, JG_ENOMEM, "out of memory");
			p->want = w;
			p->cap_want = ncap;
		}
		p->want[p->n_want].sku = jg_arena_strdup(&p->strings, pd->limit_sku);
		p->want[p->n_want].item = p->n;
		if (!p->want[p->n_want++].sku)
			return jg_err_set(c->err, JG_ENOMEM, "out of memory");
	} else
		snprintf(it->why, sizeof(it->why), "%s", jg_limit_name(pd->why));
	if (pd->listed == 0)
		it->kind = JG_SYNC_ZERO;
	else if (pd->last_told >= 0 && pd->listed < pd->last_told)
		it->kind = JG_SYNC_LOWER;
	else if (pd->channel_imported_at > pd->told_at)
		it->kind = JG_SYNC_RAISE; /* orders were collected since the last telling */
	else if (c->force) {
		it->kind = JG_SYNC_RAISE;
		it->forced = true;
	} else {
		it->kind = JG_SYNC_HELD;
	}
	p->n++;
	return 0;
}

static int by_kind(const void *a, const void *b)
{
	const jg_sync_item *x = a, *y = b;
	int c = strcmp(x->channel, y->channel);

	if (c)
		return c;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	c = strcmp(x->product_id, y->product_id);
	return c ? c : strcmp(x->option, y->option);
}

static int by_sku(const void *a, const void *b)
{
	return strcmp(((const want *)a)->sku, ((const want *)b)->sku);
}

/* Copies the cause of one SKU into every item it limits (p->want sorted by SKU). */
static int on_cause(const char *sku, const char *what, void *payload)
{
	jg_sync_plan *p = payload;
	want key = {sku, 0};
	const want *w = bsearch(&key, p->want, p->n_want, sizeof(*p->want), by_sku);

	if (!w)
		return 0;
	while (w > p->want && strcmp(w[-1].sku, sku) == 0)
		w--;
	for (; w < p->want + p->n_want && strcmp(w->sku, sku) == 0; w++)
		snprintf(p->v[w->item].cause, sizeof(p->v[w->item].cause), "%s", what);
	return 0;
}

/* Why did each item change: the latest event on its deciding SKU, all SKUs in one pass. */
static int find_causes(jg_store *s, jg_sync_plan *p, jg_err *err)
{
	const char **codes;
	size_t n = 0;
	int rc;

	if (p->n_want == 0)
		return 0;
	qsort(p->want, p->n_want, sizeof(*p->want), by_sku);
	codes = jg_malloc(p->n_want * sizeof(*codes));
	if (!codes)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_want; i++)
		if (n == 0 || strcmp(codes[n - 1], p->want[i].sku) != 0)
			codes[n++] = p->want[i].sku;
	rc = jg_sku_last_events(s, codes, n, 0, on_cause, p, err);
	jg_free(codes);
	return rc;
}

int jg_sync_plan_make(jg_store *s, const char *channel, bool force_raise, jg_sync_plan **out,
		      jg_err *err)
{
	jg_sync_plan *p = jg_calloc(1, sizeof(*p));
	plan_ctx c = {p, force_raise, err};
	int rc;

	*out = NULL;
	if (!p)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	jg_arena_init(&p->strings, PLAN_ARENA_CAP);
	rc = jg_sync_pending_each(s, channel, on_pending, &c, err);
	if (rc == 0)
		rc = find_causes(s, p, err);
	jg_free(p->want);
	p->want = NULL;
	p->n_want = p->cap_want = 0;
	if (rc) {
		jg_sync_plan_free(p);
		return rc;
	}
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), by_kind);
	*out = p;
	return 0;
}

size_t jg_sync_plan_count(const jg_sync_plan *p)
{
	return p->n;
}

const jg_sync_item *jg_sync_plan_at(const jg_sync_plan *p, size_t i)
{
	return i < p->n ? &p->v[i] : NULL;
}

void jg_sync_plan_free(jg_sync_plan *p)
{
	if (!p)
		return;
	jg_free(p->v);
	jg_arena_free(&p->strings);
	jg_free(p);
}

/* ---- layouts ------------------------------------------------------------------------------ */

typedef jg_stock_column col;
typedef jg_stock_layout layout;

static int layout_of(const jg_profile *p, layout *l, jg_err *err)
{
	const jg_stock_layout *pl = p ? jg_profile_stock_layout(p) : NULL;

	(void)err;
	if (pl)
		*l = *pl;
	else
		jg_stock_layout_generic(l);
	return 0;
}

/* The text of one cell of a row. `num` is set for quantities written as numbers. */
static const char *cell_text(const col *k, const jg_sync_item *it, char *buf, size_t n,
			     bool *num)
{
	int64_t q = it->new_qty;

	*num = false;
	switch (k->value) {
	case JG_SV_PRODUCT_ID: return it->product_id;
	case JG_SV_OPTION: return it->option;
	case JG_SV_SKU: return it->sku;
	case JG_SV_CONST: return k->text;
	case JG_SV_SOLDOUT: return q == 0 ? k->yes : k->no;
	case JG_SV_QTY:
		if (q < k->min)
			q = k->min; /* e.g. ESM: stock is at least 1, sold-out is its own flag */
		snprintf(buf, n, "%lld", (long long)q);
		*num = true;
		return buf;
	}
	return "";
}

/* ---- writers ------------------------------------------------------------------------------ */

static int csv_field(jg_buf *b, const char *s, char delim)
{
	bool quote = strchr(s, delim) || strchr(s, '"') || strchr(s, '\n') || strchr(s, '\r');
	int rc = 0;

	if (!quote)
		return jg_buf_puts(b, s);
	rc = jg_buf_append(b, "\"", 1);
	for (const char *p = s; rc == 0 && *p; p++)
		rc = *p == '"' ? jg_buf_append(b, "\"\"", 2) : jg_buf_append(b, p, 1);
	return rc ? rc : jg_buf_append(b, "\"", 1);
}

static int to_cp949(jg_buf *out, const jg_buf *in, jg_err *err)
{
	iconv_t cd = iconv_open("CP949", "UTF-8");
	char *src = in->p ? in->p : (char *)"", chunk[4096];
	size_t left = in->len;
	int rc = 0;

	if (cd == (iconv_t)-1)
		return jg_err_set(err, JG_EIO, "this system cannot write CP949");
	while (left && rc == 0) {
		char *dst = chunk;
		size_t room = sizeof(chunk);
		size_t r = iconv(cd, &src, &left, &dst, &room);

		rc = jg_buf_append(out, chunk, sizeof(chunk) - room);
		if (r == (size_t)-1 && errno != E2BIG && rc == 0)
			rc = jg_err_set(err, JG_EINVAL,
					"text at byte %zu has no CP949 form (the channel's files are"
					" CP949)",
					in->len - left);
	}
	iconv_close(cd);
	return rc == JG_ELIMIT ? jg_err_set(err, rc, "stock file too large") : rc;
}

static int write_text(const char *path, const layout *l, const jg_sync_item *const *rows,
		      size_t n, jg_err *err)
{
	char delim = strcmp(l->format, "tsv") == 0 ? '\t' : ',', num[32], tmp[1100];
	jg_buf b, enc;
	const jg_buf *outb = &b;
	FILE *f;
	int rc = 0;
	bool isnum;

	jg_buf_init(&b, (size_t)1 << 30);
	jg_buf_init(&enc, (size_t)1 << 30);
	if (l->bom && !l->cp949)
		rc = jg_buf_append(&b, "\xef\xbb\xbf", 3);
	for (size_t c = 0; rc == 0 && c < l->n; c++) {
		rc = csv_field(&b, l->cols[c].header, delim);
		if (rc == 0)
			rc = jg_buf_puts(&b, c + 1 < l->n ? (delim == ',' ? "," : "\t") : "\r\n");
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		for (size_t c = 0; rc == 0 && c < l->n; c++) {
			rc = csv_field(&b, cell_text(&l->cols[c], rows[i], num, sizeof(num), &isnum),
				       delim);
			if (rc == 0)
				rc = jg_buf_puts(&b, c + 1 < l->n ? (delim == ',' ? "," : "\t") : "\r\n");
		}
	if (rc == 0 && l->cp949) {
		rc = to_cp949(&enc, &b, err);
		outb = &enc;
	}
	if (rc) {
		rc = err->code ? err->code : jg_err_set(err, rc, "%s: %s", path, jg_strerror(rc));
		goto out;
	}
	/* Write next to the target and rename: a reader never sees half a file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f || fwrite(jg_buf_str(outb), 1, outb->len, f) != outb->len || fflush(f) ||
	    fsync(fileno(f))) {
		rc = jg_err_set(err, JG_EIO, "%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		unlink(tmp);
		goto out;
	}
	if (fclose(f) || rename(tmp, path)) {
		rc = jg_err_set(err, JG_EIO, "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
out:
	jg_buf_free(&b);
	jg_buf_free(&enc);
	return rc;
}

static int write_xlsx(const char *path, const layout *l, const jg_sync_item *const *rows,
		      size_t n, jg_err *err)
{
	lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
	lxw_workbook *wb = workbook_new_opt(path, &o);
	lxw_worksheet *ws;
	lxw_format *text;
	lxw_error e;
	char num[32];
	bool isnum;

	if (!wb)
		return jg_err_set(err, JG_EIO, "%s: cannot create the workbook", path);
	ws = workbook_add_worksheet(wb, l->sheet[0] ? l->sheet : NULL);
	text = workbook_add_format(wb);
	format_set_num_format(text, "@"); /* ids stay text when the seller edits the file */
	for (size_t c = 0; ws && c < l->n; c++)
		worksheet_write_string(ws, 0, (lxw_col_t)c, l->cols[c].header, NULL);
	for (size_t i = 0; ws && i < n; i++)
		for (size_t c = 0; c < l->n; c++) {
			const char *t = cell_text(&l->cols[c], rows[i], num, sizeof(num), &isnum);

			if (isnum)
				worksheet_write_number(ws, (lxw_row_t)(i + 1), (lxw_col_t)c,
						       (double)rows[i]->new_qty < (double)l->cols[c].min
							       ? (double)l->cols[c].min
							       : (double)rows[i]->new_qty,
						       NULL);
			else
				worksheet_write_string(ws, (lxw_row_t)(i + 1), (lxw_col_t)c, t, text);
		}
	e = workbook_close(wb);
	if (!ws || e != LXW_NO_ERROR)
		return jg_err_set(err, JG_EIO, "%s: %s", path,
				  ws ? lxw_strerror(e) : "bad sheet name in the profile");
	return 0;
}

/* ---- export ---------------------------------------------------------------------------------- */

typedef struct find_ctx {
	const char *name;
	char profile[64];
} find_ctx;

static int on_chan(const jg_channel_info *c, void *payload)
{
	find_ctx *f = payload;

	if (strcmp(c->name, f->name) == 0)
		snprintf(f->profile, sizeof(f->profile), "%s", c->profile);
	return 0;
}

static const jg_profile *channel_profile(jg_store *s, const jg_profiles *set, const char *channel,
					 jg_err *err)
{
	find_ctx f = {channel, ""};

	if (jg_channel_each(s, on_chan, &f, err))
		return NULL;
	return f.profile[0] ? jg_profiles_find(set, f.profile) : NULL;
}

/* Every channel's profile name, read once per export: jg_channel_each also counts each
 * channel's listings, which is not worth doing once per file. */
typedef struct chan_entry {
	char name[JG_CODE_MAX];
	char profile[64];
} chan_entry;

typedef struct chan_table {
	chan_entry *v;
	size_t n;
	jg_err *err;
} chan_table;

static int on_chan_all(const jg_channel_info *c, void *payload)
{
	chan_table *t = payload;
	chan_entry *v = jg_realloc(t->v, (t->n + 1) * sizeof(*v));

	if (!v)
		return jg_err_set(t->err, JG_ENOMEM, "out of memory");
	t->v = v;
	snprintf(v[t->n].name, sizeof(v[t->n].name), "%s", c->name);
	snprintf(v[t->n].profile, sizeof(v[t->n].profile), "%s", c->profile);
	t->n++;
	return 0;
}

static const jg_profile *table_profile(const chan_table *t, const jg_profiles *set,
				       const char *channel)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, channel) == 0)
			return t->v[i].profile[0] ? jg_profiles_find(set, t->v[i].profile) : NULL;
	return NULL;
}

int jg_sync_export(jg_store *s, const jg_profiles *profiles, const jg_sync_plan *plan,
		   const char *dir, bool mark, jg_sync_file **out_files, size_t *out_n,
		   jg_err *err)
{
	const jg_sync_item **rows = NULL;
	chan_table chans = {NULL, 0, err};
	jg_sync_file *files = NULL;
	int64_t *told = NULL; /* refs, then quantities, of the rows written */
	size_t nfiles = 0, i = 0, ntold = 0;
	int64_t now = jg_now_ms();
	char stamp[32];
	struct stat st;
	int rc = 0;
	bool began = false;

	*out_files = NULL;
	*out_n = 0;
	if (stat(dir, &st) != 0 && mkdir(dir, 0755) != 0)
		return jg_err_set(err, JG_EIO, "%s: %s", dir, strerror(errno));
	rows = jg_calloc(plan->n ? plan->n : 1, sizeof(*rows));
	told = jg_calloc(plan->n ? 2 * plan->n : 1, sizeof(*told));
	if (!rows || !told) {
		jg_free(rows);
		jg_free(told);
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	}
	jg_time_format(stamp, sizeof(stamp), now, JG_KST_OFFSET_MIN);
	{
		/* "2026-11-29 14:05:06" -> "20261129-140506" */
		char compact[32];
		size_t k = 0;

		for (const char *c = stamp; *c && k + 1 < sizeof(compact); c++)
			if (*c >= '0' && *c <= '9')
				compact[k++] = *c;
			else if (*c == ' ')
				compact[k++] = '-';
		compact[k] = '\0';
		snprintf(stamp, sizeof(stamp), "%s", compact);
	}
	if (plan->n)
		rc = jg_channel_each(s, on_chan_all, &chans, err);
	if (mark && rc == 0) {
		rc = jg_store_begin(s, err);
		began = rc == 0;
	}
	while (rc == 0 && i < plan->n) {
		const char *ch = plan->v[i].channel;
		const jg_profile *p;
		layout l;
		size_t n = 0, held = 0;
		jg_sync_file *f, *nf;

		for (; i < plan->n && strcmp(plan->v[i].channel, ch) == 0; i++) {
			if (plan->v[i].kind == JG_SYNC_HELD)
				held++;
			else
				rows[n++] = &plan->v[i];
		}
		if (n == 0)
			continue;
		p = table_profile(&chans, profiles, ch);
		rc = layout_of(p, &l, err);
		if (rc)
			break;
		nf = jg_realloc(files, (nfiles + 1) * sizeof(*files));
		if (!nf) {
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
			break;
		}
		files = nf;
		f = &files[nfiles++];
		memset(f, 0, sizeof(*f));
		snprintf(f->channel, sizeof(f->channel), "%s", ch);
		snprintf(f->format, sizeof(f->format), "%s", l.format);
		snprintf(f->path, sizeof(f->path), "%s/%s-stock-%s.%s", dir, ch, stamp,
			 strcmp(l.format, "xlsx") == 0 ? "xlsx" : strcmp(l.format, "tsv") == 0 ? "txt"
												  : "csv");
		f->rows = (int64_t)n;
		f->held = (int64_t)held;
		rc = strcmp(l.format, "xlsx") == 0 ? write_xlsx(f->path, &l, rows, n, err)
						   : write_text(f->path, &l, rows, n, err);
		for (size_t k = 0; k < n; k++, ntold++) {
			told[ntold] = rows[k]->ref;
			told[plan->n + ntold] = rows[k]->new_qty;
		}
	}
	if (rc == 0 && mark)
		rc = jg_listing_mark_told_many(s, told, told + plan->n, ntold, now, err);
	if (began) {
		if (rc == 0)
			rc = jg_store_commit(s, err);
		else
			jg_store_rollback(s);
	}
	jg_free(rows);
	jg_free(told);
	jg_free(chans.v);
	if (rc) {
		for (size_t k = 0; k < nfiles; k++)
			unlink(files[k].path); /* nothing half-done: no file without its marks */
		jg_free(files);
		return rc;
	}
	*out_files = files;
	*out_n = nfiles;
	return 0;
}

/* ---- confirming an uploaded file -------------------------------------------------------------- */

typedef struct mark_ctx {
	jg_store *s;
	const char *channel;
	const layout *l;
	int col[JG_STOCK_COLUMNS];
	bool header;
	jg_sync_mark_result *r;
	jg_err *err;
	int64_t now;
} mark_ctx;

static int on_mark_row(const jg_sheet_row *row, void *payload)
{
	mark_ctx *m = payload;
	const char *pid = NULL, *opt = "";
	int64_t qty = -1, ref;
	bool soldout = false;
	char idbuf[128];
	jg_err e = {0};

	if (!m->header) {
		size_t found = 0;

		for (size_t c = 0; c < m->l->n; c++) {
			m->col[c] = -1;
			for (size_t i = 0; i < row->n; i++)
				if (strcmp(row->cells[i].text, m->l->cols[c].header) == 0)
					m->col[c] = (int)i;
			found += m->col[c] >= 0;
		}
		if (found < m->l->n)
			return jg_err_set_at(m->err, JG_EFORMAT, row->row, 0,
					     "row %lld is not this channel's stock-update header",
					     (long long)row->row);
		m->header = true;
		return 0;
	}
	m->r->rows++;
	for (size_t c = 0; c < m->l->n; c++) {
		const jg_cell *cell = (size_t)m->col[c] < row->n ? &row->cells[m->col[c]] : NULL;
		const char *t = cell ? cell->text : "";

		switch (m->l->cols[c].value) {
		case JG_SV_PRODUCT_ID:
			if (cell && jg_import_repair_id(idbuf, sizeof(idbuf), t, cell->type) == 0)
				pid = idbuf;
			break;
		case JG_SV_OPTION: opt = t; break;
		case JG_SV_QTY:
			if (jg_parse_i64(&qty, t) || qty < 0)
				return jg_err_set_at(m->err, JG_EFORMAT, row->row, m->col[c] + 1,
						     "row %lld: quantity \"%s\" is not a whole number",
						     (long long)row->row, t);
			break;
		case JG_SV_SOLDOUT: soldout = strcmp(t, m->l->cols[c].yes) == 0; break;
		default: break;
		}
	}
	if (soldout)
		qty = 0;
	if (!pid || qty < 0 || jg_listing_find(m->s, m->channel, pid, opt, &ref, &e)) {
		if (!m->r->unknown++)
			m->r->first_unknown_row = row->row;
		return 0;
	}
	m->r->marked++;
	return jg_listing_mark_told(m->s, ref, qty, m->now, m->err);
}

int jg_sync_mark_file(jg_store *s, const jg_profiles *profiles, const char *channel,
		      const char *path, jg_sync_mark_result *out, jg_err *err)
{
	jg_sync_mark_result r = {0};
	mark_ctx m = {s, channel, NULL, {0}, false, &r, err, jg_now_ms()};
	const jg_profile *p;
	layout l;
	int rc;

	memset(out, 0, sizeof(*out));
	p = channel_profile(s, profiles, channel, err);
	if (err->code)
		return err->code;
	rc = layout_of(p, &l, err);
	if (rc)
		return rc;
	m.l = &l;
	rc = jg_store_begin(s, err);
	if (rc)
		return rc;
	rc = jg_sheet_read_file(path, NULL, NULL, on_mark_row, &m, err);
	if (rc == 0 && !m.header)
		rc = jg_err_set(err, JG_EFORMAT, "%s: no header row", path);
	if (rc == 0)
		rc = jg_store_commit(s, err);
	else
		jg_store_rollback(s);
	if (rc == 0)
		*out = r;
	return rc;
}
