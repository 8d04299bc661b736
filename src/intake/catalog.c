/* SPDX-License-Identifier: MIT */
/*
 * Catalogue imports (catalog.h): SKU lists and listing lists, read through the sheet
 * readers (CSV with BOM, CP949 and quotes; xlsx too), checked row by row, and applied all
 * or nothing in one transaction.
 *
 * Invariants: the first non-blank row is the header, found by name in any order; a row
 * is kept only when every cell of it passed; the rows keep their strings in the
 * catalogue's arena; rejects are kept sorted by row and column once reading ends, at most
 * JG_CATALOG_REJECT_MAX of them, and every one is counted. Applying never leaves half a
 * file: it commits only when no row was refused.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaego/catalog.h"
#include "jaego/core.h"
#include "jaego/sheet.h"
#include "jaego/util.h"

enum { C_SKU, C_NAME, C_STOCK, C_SAFETY, C_LOW, N_SKU_COLS };
enum { C_CHANNEL, C_PID, C_OPTION, C_RECIPE, N_LISTING_COLS };

static const char *const SKU_COLS[N_SKU_COLS] = {"sku", "name", "stock", "safety", "low_stock"};
static const char *const LISTING_COLS[N_LISTING_COLS] = {"channel", "product_id", "option",
							 "recipe"};

typedef struct cat_row {
	int64_t row;
	const char *a, *b, *c; /* sku, name / channel, product id, option */
	int64_t stock, safety, low;
	bool has_safety, has_low;
	const char *recipe; /* listings: the recipe's text, checked (parsed again to apply, so
			       that memory stays bounded by the file's size) */
} cat_row;

struct jg_catalog {
	jg_catalog_kind kind;
	int64_t max_rows;
	bool have_header;
	int col[N_SKU_COLS > N_LISTING_COLS ? N_SKU_COLS : N_LISTING_COLS];
	size_t ncols;
	jg_arena arena;
	cat_row *rows;
	size_t n, cap;
	jg_catalog_reject *rej;
	size_t n_rej;
	jg_catalog_result res;
	jg_err *err;
};

const char *jg_catalog_kind_name(jg_catalog_kind k)
{
	return k == JG_CATALOG_LISTINGS ? "listings" : "skus";
}

static const char *col_name(const jg_catalog *c, int k)
{
	return c->kind == JG_CATALOG_SKUS ? SKU_COLS[k] : LISTING_COLS[k];
}

static int ncols_of(const jg_catalog *c)
{
	return c->kind == JG_CATALOG_SKUS ? N_SKU_COLS : N_LISTING_COLS;
}

/* Records a problem of `row` at the file column `col` (0-based, -1 for the row as a
 * whole). Only the first JG_CATALOG_REJECT_MAX are kept; all are counted. */
static void reject(jg_catalog *c, int64_t row, int col, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void reject(jg_catalog *c, int64_t row, int col, const char *field, const char *fmt, ...)
{
	jg_catalog_reject *r;
	va_list ap;

	c->res.rejected_count++;
	if (c->n_rej >= JG_CATALOG_REJECT_MAX || !c->rej)
		return;
	r = &c->rej[c->n_rej++];
	r->row = row;
	r->column = col < 0 ? 0 : col + 1;
	snprintf(r->field, sizeof(r->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* The trimmed text of the row's cell for logical column k ("" when the file has no such
 * column or the row is shorter). */
static const char *cell(const jg_catalog *c, const jg_sheet_row *r, int k, size_t *len)
{
	int i = c->col[k];

	*len = 0;
	if (i < 0 || (size_t)i >= r->n)
		return "";
	*len = r->cells[i].len;
	return jg_text_trim(r->cells[i].text, len);
}

static int find_header(jg_catalog *c, const jg_sheet_row *r)
{
	int n = ncols_of(c);

	for (int k = 0; k < n; k++) {
		c->col[k] = -1;
		for (size_t i = 0; i < r->n; i++) {
			size_t len = r->cells[i].len;
			const char *t = jg_text_trim(r->cells[i].text, &len);

			if (len == strlen(col_name(c, k)) &&
			    strncasecmp(t, col_name(c, k), len) == 0) {
				c->col[k] = (int)i;
				break;
			}
		}
	}
	c->ncols = r->n;
	if (c->kind == JG_CATALOG_SKUS) {
		if (c->col[C_SKU] < 0 || c->col[C_NAME] < 0 || c->col[C_STOCK] < 0)
			return jg_err_set_at(c->err, JG_EFORMAT, r->row, 0,
					     "row %lld must be the header "
					     "sku,name,stock[,safety][,low_stock]",
					     (long long)r->row);
		return 0;
	}
	for (int k = 0; k < N_LISTING_COLS; k++)
		if (c->col[k] < 0 && k != C_OPTION)
			return jg_err_set_at(c->err, JG_EFORMAT, r->row, 0,
					     "row %lld must be the header "
					     "channel,product_id,option,recipe (no \"%s\")",
					     (long long)r->row, LISTING_COLS[k]);
	return 0;
}

/* A whole number >= 0 in logical column k: 0 and *present false when empty, -1 after
 * rejecting the row for it. */
static int cell_count(jg_catalog *c, const jg_sheet_row *r, int k, int64_t *out, bool *present)
{
	size_t len;
	const char *t = cell(c, r, k, &len);
	char buf[32];

	*present = false;
	if (len == 0)
		return 0;
	if (len >= sizeof(buf)) {
		reject(c, r->row, c->col[k], col_name(c, k), "not a whole number");
		return -1;
	}
	memcpy(buf, t, len);
	buf[len] = '\0';
	if (jg_parse_i64(out, buf) || *out < 0) {
		reject(c, r->row, c->col[k], col_name(c, k), "must be a whole number, 0 or more");
		return -1;
	}
	*present = true;
	return 0;
}

/* Copies logical column k into the arena, or rejects it (empty, too long, not UTF-8):
 * NULL either way on failure, with *oom set when the arena is full. */
static const char *text_field(jg_catalog *c, const jg_sheet_row *r, int k, size_t max,
			      bool required, const char *what, bool *oom)
{
	size_t len;
	const char *t = cell(c, r, k, &len), *copy;

	if (len == 0 && required) {
		reject(c, r->row, c->col[k], col_name(c, k), "empty %s", what);
		return NULL;
	}
	if (len >= max) {
		reject(c, r->row, c->col[k], col_name(c, k), "%s is longer than %zu bytes", what,
		       max - 1);
		return NULL;
	}
	if (!jg_utf8_valid(t, len)) {
		reject(c, r->row, c->col[k], col_name(c, k), "%s is not valid UTF-8", what);
		return NULL;
	}
	copy = jg_arena_strndup(&c->arena, t, len);
	if (!copy)
		*oom = true;
	return copy;
}

static int on_row(const jg_sheet_row *r, void *payload)
{
	jg_catalog *c = payload;
	cat_row row = {.row = r->row};
	bool oom = false, bad = false, any = false;
	size_t width;

	for (size_t i = 0; i < r->n && !any; i++) {
		size_t len = r->cells[i].len;

		jg_text_trim(r->cells[i].text, &len);
		any = len > 0;
	}
	if (!any)
		return 0; /* a blank row */
	if (!c->have_header) {
		c->have_header = true;
		return find_header(c, r);
	}
	if (++c->res.rows > c->max_rows)
		return jg_err_set_at(c->err, JG_ELIMIT, r->row, 0,
				     "more than %lld rows: split the file", (long long)c->max_rows);
	/* Cells past the header's width: a shifted row (an unquoted comma in a name). */
	width = r->n;
	while (width > c->ncols) {
		size_t len = r->cells[width - 1].len;

		jg_text_trim(r->cells[width - 1].text, &len);
		if (len)
			break;
		width--;
	}
	if (width > c->ncols) {
		reject(c, r->row, (int)c->ncols, "",
		       "has %zu columns, the header has %zu (a comma "
		       "inside a value must be quoted)",
		       width, c->ncols);
		return 0;
	}
	if (c->kind == JG_CATALOG_SKUS) {
		if (!(row.a = text_field(c, r, C_SKU, JG_CODE_MAX, true, "SKU code", &oom)))
			bad = true;
		if (!(row.b = text_field(c, r, C_NAME, JG_CATALOG_NAME_MAX, true, "name", &oom)))
			bad = true;
		{
			bool present;

			if (cell_count(c, r, C_STOCK, &row.stock, &present)) {
				bad = true;
			} else if (!present) {
				reject(c, r->row, c->col[C_STOCK], "stock", "empty stock");
				bad = true;
			}
		}
		if (cell_count(c, r, C_SAFETY, &row.safety, &row.has_safety) ||
		    cell_count(c, r, C_LOW, &row.low, &row.has_low))
			bad = true;
	} else {
		jg_recipe_item items[JG_RECIPE_MAX];
		jg_err perr = {0};
		size_t len;
		const char *recipe;
		int n;

		if (!(row.a = text_field(c, r, C_CHANNEL, JG_CODE_MAX, true, "channel", &oom)))
			bad = true;
		if (!(row.b = text_field(c, r, C_PID, JG_CODE_MAX, true, "product id", &oom)))
			bad = true;
		if (!(row.c = text_field(c, r, C_OPTION, JG_CATALOG_OPTION_MAX, false, "option",
					 &oom)))
			bad = true;
		recipe = cell(c, r, C_RECIPE, &len);
		if (len == 0) {
			reject(c, r->row, c->col[C_RECIPE], "recipe", "empty recipe");
			bad = true;
		} else if (!oom) {
			char *text = jg_arena_strndup(&c->arena, recipe, len);

			if (!text) {
				oom = true;
			} else if ((n = jg_recipe_parse(items, JG_RECIPE_MAX, text, &perr)) <= 0) {
				reject(c, r->row, c->col[C_RECIPE], "recipe", "%s",
				       n < 0 ? perr.msg : "empty recipe");
				bad = true;
			} else {
				row.recipe = text;
			}
		}
	}
	if (oom)
		return jg_err_set(c->err, JG_ENOMEM, "out of memory");
	if (bad)
		return 0;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		cat_row *nr = jg_realloc(c->rows, ncap * sizeof(*nr));

		if (!nr)
			return jg_err_set(c->err, JG_ENOMEM, "out of memory");
		c->rows = nr;
		c->cap = ncap;
	}
	c->rows[c->n++] = row;
	return 0;
}

static int by_sku(const void *x, const void *y)
{
	const cat_row *a = *(const cat_row *const *)x, *b = *(const cat_row *const *)y;
	int d = strcmp(a->a, b->a);

	return d ? d : (a->row > b->row) - (a->row < b->row);
}

static int by_listing(const void *x, const void *y)
{
	const cat_row *a = *(const cat_row *const *)x, *b = *(const cat_row *const *)y;
	int d = strcmp(a->a, b->a);

	if (d == 0)
		d = strcmp(a->b, b->b);
	if (d == 0)
		d = strcmp(a->c, b->c);
	return d ? d : (a->row > b->row) - (a->row < b->row);
}

static int by_place(const void *x, const void *y)
{
	const jg_catalog_reject *a = x, *b = y;

	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	return (a->column > b->column) - (a->column < b->column);
}

/* A SKU (or a listing) given twice: the later rows are refused, naming the first. */
static int find_duplicates(jg_catalog *c)
{
	const cat_row **v;

	if (c->n < 2)
		return 0;
	v = jg_malloc(c->n * sizeof(*v));
	if (!v)
		return jg_err_set(c->err, JG_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n; i++)
		v[i] = &c->rows[i];
	qsort(v, c->n, sizeof(*v), c->kind == JG_CATALOG_SKUS ? by_sku : by_listing);
	for (size_t i = 1, first = 0; i < c->n; i++) {
		bool same = strcmp(v[i]->a, v[first]->a) == 0 &&
			    (c->kind == JG_CATALOG_SKUS || (strcmp(v[i]->b, v[first]->b) == 0 &&
							    strcmp(v[i]->c, v[first]->c) == 0));

		if (!same) {
			first = i;
			continue;
		}
		if (c->kind == JG_CATALOG_SKUS)
			reject(c, v[i]->row, c->col[C_SKU], "sku",
			       "SKU %s is given again (first at row %lld)", v[i]->a,
			       (long long)v[first]->row);
		else
			reject(c, v[i]->row, c->col[C_PID], "product_id",
			       "this listing is given again (first at row %lld)",
			       (long long)v[first]->row);
	}
	jg_free(v);
	return 0;
}

static void publish(jg_catalog *c)
{
	qsort(c->rej, c->n_rej, sizeof(*c->rej), by_place);
	c->res.rejected = c->rej;
	c->res.n_rejected = c->n_rej;
}

static int read_mem(jg_catalog **out, jg_catalog_kind kind, const void *data, size_t n,
		    const char *name, const jg_catalog_opts *opts, jg_err *err)
{
	jg_catalog *c;
	jg_sheet_opts so = {0};
	int rc;

	*out = NULL;
	c = jg_calloc(1, sizeof(*c));
	if (!c)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	c->kind = kind;
	c->res.kind = kind;
	c->max_rows = opts && opts->max_rows > 0 ? opts->max_rows : JG_CATALOG_ROWS_MAX;
	c->err = err;
	jg_arena_init(&c->arena, 0);
	c->rej = jg_calloc(JG_CATALOG_REJECT_MAX, sizeof(*c->rej));
	if (!c->rej) {
		rc = jg_err_set(err, JG_ENOMEM, "out of memory");
		goto out;
	}
	so.lim.max_file = opts && opts->max_file ? opts->max_file : JG_CATALOG_FILE_MAX;
	so.lim.max_cols = 64;
	so.lim.max_cell = 16u << 10;
	so.lim.max_rows = c->max_rows + 2; /* the header, and one more for our own message */
	rc = jg_sheet_read_mem(data, n, name, &so, NULL, on_row, c, err);
	if (rc == 0 && !c->have_header)
		rc = jg_err_set(err, JG_EFORMAT, "%s: the file is empty", name);
	if (rc == 0)
		rc = find_duplicates(c);
out:
	if (rc) {
		jg_catalog_free(c);
		return rc;
	}
	publish(c);
	c->err = NULL;
	*out = c;
	return 0;
}

int jg_catalog_read_mem(jg_catalog **out, jg_catalog_kind kind, const void *data, size_t n,
			const jg_catalog_opts *opts, jg_err *err)
{
	const char *name = opts && opts->name ? opts->name : "the file";
	uint64_t max = opts && opts->max_file ? opts->max_file : JG_CATALOG_FILE_MAX;

	*out = NULL;
	if (n == 0)
		return jg_err_set(err, JG_EFORMAT, "%s: the file is empty", name);
	if (n > max)
		return jg_err_set(err, JG_ELIMIT, "%s: the file is larger than %llu bytes", name,
				  (unsigned long long)max);
	return read_mem(out, kind, data, n, name, opts, err);
}

int jg_catalog_read_file(jg_catalog **out, jg_catalog_kind kind, const char *path,
			 const jg_catalog_opts *opts, jg_err *err)
{
	const char *name = opts && opts->name ? opts->name : path;
	uint64_t max = opts && opts->max_file ? opts->max_file : JG_CATALOG_FILE_MAX;
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (err && !err->code)
			err->sys = errno;
		return jg_err_set(err, JG_EIO, "%s: %s", name, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = jg_err_set(err, JG_EIO, "%s: not a regular file", name);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		rc = jg_err_set(err, JG_ELIMIT, "%s: the file is larger than %llu bytes", name,
				(unsigned long long)max);
		goto out;
	}
	if (st.st_size == 0) {
		rc = jg_err_set(err, JG_EFORMAT, "%s: the file is empty", name);
		goto out;
	}
	data = jg_malloc((size_t)st.st_size);
	if (!data) {
		rc = jg_err_set(err, JG_ENOMEM, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, data + got, (size_t)st.st_size - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (err && !err->code)
				err->sys = k < 0 ? errno : 0;
			rc = jg_err_set(err, JG_EIO, "%s: read error", name);
			goto out;
		}
		got += (size_t)k;
	}
	rc = read_mem(out, kind, data, got, name, opts, err);
out:
	jg_free(data);
	close(fd);
	return rc;
}

const jg_catalog_result *jg_catalog_result_get(const jg_catalog *c)
{
	return &c->res;
}

void jg_catalog_free(jg_catalog *c)
{
	if (!c)
		return;
	jg_arena_free(&c->arena);
	jg_free(c->rows);
	jg_free(c->rej);
	jg_free(c);
}

/* ---- applying ------------------------------------------------------------------------------ */

/* Runs one SKU row. A refusal of the store's own checks (JG_EINVAL: a control character in
 * a code, a count past the cap) becomes a rejected row; anything else is returned. */
static int apply_sku(jg_store *s, jg_catalog *c, const cat_row *r, jg_err *err)
{
	jg_sku_patch p = {.set = JG_SKU_SET_NAME, .name = r->b};
	jg_err e = {0};
	int col = c->col[C_SKU], rc;
	const char *field = "sku";

	rc = jg_sku_add(s, r->a, r->b, r->has_safety ? r->safety : 0, &e);
	if (rc == JG_EEXISTS) {
		jg_err_clear(&e);
		c->res.updated++;
		if (r->has_safety) {
			p.set |= JG_SKU_SET_SAFETY;
			p.safety = r->safety;
		}
		rc = 0;
	} else if (rc == 0) {
		c->res.added++;
		p.set = 0;
	}
	if (rc == 0 && r->has_low) {
		p.set |= JG_SKU_SET_LOW_STOCK;
		p.low_stock = r->low;
	}
	if (rc == 0 && p.set) {
		rc = jg_sku_update(s, r->a, &p, &e);
		col = c->col[r->has_low ? C_LOW : C_SAFETY];
		field = r->has_low ? "low_stock" : "safety";
	}
	if (rc == 0) {
		rc = jg_stock_count(s, r->a, r->stock, "sku import", NULL, &e);
		col = c->col[C_STOCK];
		field = "stock";
	}
	if (rc == JG_EINVAL) {
		reject(c, r->row, col, field, "%s", e.msg);
		return 0;
	}
	if (rc)
		jg_err_set_at(err, rc, r->row, 0, "row %lld: %s", (long long)r->row, e.msg);
	return rc;
}

static int apply_listing(jg_store *s, jg_catalog *c, const cat_row *r, jg_err *err)
{
	jg_recipe_item items[JG_RECIPE_MAX];
	jg_map_result res = {0};
	jg_err e = {0};
	int n = jg_recipe_parse(items, JG_RECIPE_MAX, r->recipe, &e), rc;

	if (n <= 0) /* it parsed while reading: cannot happen */
		return jg_err_set_at(err, JG_EINVAL, r->row, 0, "row %lld: %s", (long long)r->row,
				     e.msg);
	rc = jg_listing_map(s, r->a, r->b, r->c, items, (size_t)n, &res, &e);

	if (rc == JG_ENOTFOUND || rc == JG_EINVAL) {
		/* The store's message names the SKU or the channel. */
		bool channel = rc == JG_ENOTFOUND && strstr(e.msg, "channel");

		reject(c, r->row, c->col[channel ? C_CHANNEL : C_RECIPE],
		       channel ? "channel" : "recipe", "%s", e.msg);
		return 0;
	}
	if (rc)
		return jg_err_set_at(err, rc, r->row, 0, "row %lld: %s", (long long)r->row, e.msg);
	c->res.created += res.created;
	c->res.remapped += !res.created;
	c->res.lines_applied += res.lines_applied;
	return 0;
}

int jg_catalog_apply(jg_store *s, jg_catalog *c, bool dry_run, jg_err *err)
{
	int rc = 0;

	c->res.added = c->res.updated = 0;
	c->res.created = c->res.remapped = c->res.lines_applied = 0;
	c->res.applied = false;
	c->res.dry_run = dry_run;
	/* Rows already refused while reading do not stop the others from being tried (and
	 * rolled back), so that one answer names every bad row, the store's refusals too. */
	rc = jg_store_begin(s, err);
	if (rc)
		return rc;
	for (size_t i = 0; rc == 0 && i < c->n; i++)
		rc = c->kind == JG_CATALOG_SKUS ? apply_sku(s, c, &c->rows[i], err)
						: apply_listing(s, c, &c->rows[i], err);
	if (rc == 0 && c->res.rejected_count == 0 && !dry_run) {
		rc = jg_store_commit(s, err);
		c->res.applied = rc == 0;
	} else {
		jg_store_rollback(s);
	}
	if (rc || c->res.rejected_count) {
		c->res.added = c->res.updated = 0;
		c->res.created = c->res.remapped = c->res.lines_applied = 0;
	}
	publish(c);
	return rc;
}
