/* SPDX-License-Identifier: MIT */
/*
 * The CSV reader: a byte-at-a-time state machine, so chunk boundaries can fall anywhere
 * (inside a quote pair, between CR and LF). Hand-written rather than a library because the
 * format is small and the caps, row numbers and sniffing are ours to control. Inside a cell
 * the bytes that cannot change the state (all but the delimiter and line ends in an
 * unquoted cell, all but the quote in a quoted one) are found a word at a time and copied
 * as one span; the state machine sees only the bytes that matter.
 *
 * Lenient where real seller files are sloppy and it loses nothing: a quote inside an
 * unquoted cell is kept as a character; text after a closing quote is appended.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jaego/csv.h"
#include "jaego/util.h"

enum state { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED };

#define SNIFF_MAX 65536

struct jg_csv {
	jg_csv_limits lim;
	jg_csv_row_cb cb;
	void *payload;
	char delim;
	enum state st;
	int bom;             /* bytes of a UTF-8 BOM matched so far, -1 once decided */
	int pending_cr;      /* the last byte was a CR outside quotes */
	int64_t row;         /* records emitted */
	jg_buf cells;        /* all cells of the record, each NUL-terminated */
	size_t *ends;        /* end offset of each cell in `cells` */
	size_t ncells, cap_cells;
	size_t cell_start;
	int any;             /* the record has content (a blank line is skipped) */
	jg_buf sniff;        /* bytes held back until the delimiter is known */
	const char **ptrs;
	size_t *lens;
	size_t cap_ptrs;     /* entries in ptrs and lens */
};

int jg_csv_new(jg_csv **out, char delim, const jg_csv_limits *lim, jg_csv_row_cb cb,
	       void *payload, jg_err *err)
{
	jg_csv *r = jg_calloc(1, sizeof(*r));
	size_t cells_max;

	*out = NULL;
	if (!r)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	r->lim.max_cell = lim && lim->max_cell ? lim->max_cell : 64 * 1024;
	r->lim.max_cols = lim && lim->max_cols ? lim->max_cols : 1024;
	r->lim.max_rows = lim && lim->max_rows ? lim->max_rows : 5000000;
	r->cb = cb;
	r->payload = payload;
	r->delim = delim;
	/* Room for max_cols cells of max_cell bytes and their NULs, and for the one cell past
	 * max_cols that end_cell() reports; absurd limits saturate. */
	cells_max = SIZE_MAX / 4;
	if (r->lim.max_cell < cells_max && r->lim.max_cols < cells_max &&
	    r->lim.max_cols + 1 <= cells_max / (r->lim.max_cell + 1))
		cells_max = (r->lim.max_cell + 1) * (r->lim.max_cols + 1);
	jg_buf_init(&r->cells, cells_max);
	jg_buf_init(&r->sniff, SNIFF_MAX);
	*out = r;
	return 0;
}

void jg_csv_free(jg_csv *r)
{
	if (!r)
		return;
	jg_buf_free(&r->cells);
	jg_buf_free(&r->sniff);
	jg_free(r->ends);
	jg_free(r->ptrs);
	jg_free(r->lens);
	jg_free(r);
}

char jg_csv_delimiter(const jg_csv *r)
{
	return r->delim;
}

static int end_cell(jg_csv *r, jg_err *err)
{
	int rc;

	if (r->ncells == r->lim.max_cols)
		return jg_err_set_at(err, JG_ELIMIT, r->row + 1, (int32_t)r->ncells + 1,
				     "row %lld has more than %zu columns", (long long)r->row + 1,
				     r->lim.max_cols);
	if (r->ncells == r->cap_cells) {
		size_t ncap = r->cap_cells ? r->cap_cells * 2 : 32;
		size_t *t = jg_realloc(r->ends, ncap * sizeof(*t));

		if (!t)
			return jg_err_set(err, JG_ENOMEM, "out of memory");
		r->ends = t;
		r->cap_cells = ncap;
	}
	rc = jg_buf_append(&r->cells, "", 1);
	if (rc)
		return jg_err_set_at(err, rc, r->row + 1, (int32_t)r->ncells + 1,
				     "row %lld is too large", (long long)r->row + 1);
	r->ends[r->ncells++] = r->cells.len - 1;
	r->cell_start = r->cells.len;
	return 0;
}

static int end_record(jg_csv *r, jg_err *err)
{
	int rc;

	if (!r->any && r->ncells == 0 && r->cells.len == r->cell_start) {
		r->st = FIELD_START;
		return 0; /* a blank line */
	}
	rc = end_cell(r, err);
	if (rc)
		return rc;
	if (r->row == r->lim.max_rows)
		return jg_err_set_at(err, JG_ELIMIT, r->row + 1, 0, "more than %lld rows",
				     (long long)r->lim.max_rows);
	if (r->cap_ptrs < r->cap_cells) {
		const char **ptrs = jg_realloc(r->ptrs, r->cap_cells * sizeof(*r->ptrs));
		size_t *lens;

		if (!ptrs)
			return jg_err_set(err, JG_ENOMEM, "out of memory");
		r->ptrs = ptrs;
		lens = jg_realloc(r->lens, r->cap_cells * sizeof(*r->lens));
		if (!lens)
			return jg_err_set(err, JG_ENOMEM, "out of memory");
		r->lens = lens;
		r->cap_ptrs = r->cap_cells;
	}
	for (size_t i = 0, start = 0; i < r->ncells; i++) {
		r->ptrs[i] = r->cells.p + start;
		r->lens[i] = r->ends[i] - start;
		start = r->ends[i] + 1;
	}
	r->row++;
	rc = r->cb(r->row, r->ptrs, r->lens, r->ncells, r->payload);
	jg_buf_reset(&r->cells);
	r->ncells = 0;
	r->cell_start = 0;
	r->any = 0;
	r->st = FIELD_START;
	return rc;
}

static int put(jg_csv *r, char ch, jg_err *err)
{
	if (r->cells.len - r->cell_start >= r->lim.max_cell)
		return jg_err_set_at(err, JG_ELIMIT, r->row + 1, (int32_t)r->ncells + 1,
				     "row %lld, column %zu: cell longer than %zu bytes",
				     (long long)r->row + 1, r->ncells + 1, r->lim.max_cell);
	if (jg_buf_append(&r->cells, &ch, 1))
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	r->any = 1;
	return 0;
}

/* put() for the k bytes at `p`, all of them plain cell content: the same result, and the
 * same error at the same byte when the cell grows past its cap. */
static int put_span(jg_csv *r, const char *p, size_t k, jg_err *err)
{
	size_t used = r->cells.len - r->cell_start;
	size_t room = used < r->lim.max_cell ? r->lim.max_cell - used : 0;

	if (k > room) {
		if (room && jg_buf_append(&r->cells, p, room))
			return jg_err_set(err, JG_ENOMEM, "out of memory");
		return put(r, p[room], err); /* fails as the byte past the cap would */
	}
	if (jg_buf_append(&r->cells, p, k))
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	r->any = 1;
	return 0;
}

#define ONES 0x0101010101010101u
#define HIGHS 0x8080808080808080u

/* Non-zero when some byte of `w` equals the byte whose copies fill `pattern`. */
static uint64_t has_byte(uint64_t w, uint64_t pattern)
{
	uint64_t x = w ^ pattern;

	return (x - ONES) & ~x & HIGHS;
}

/* Length of the run at p[0..n) with no delimiter, CR or LF: unquoted cell content. */
static size_t plain_span(const char *p, size_t n, char delim)
{
	uint64_t d = ONES * (unsigned char)delim, cr = ONES * '\r', lf = ONES * '\n';
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if (has_byte(w, d) | has_byte(w, cr) | has_byte(w, lf))
			break;
	}
	while (i < n && p[i] != delim && p[i] != '\r' && p[i] != '\n')
		i++;
	return i;
}

static int byte(jg_csv *r, char ch, jg_err *err)
{
	if (r->pending_cr) {
		r->pending_cr = 0;
		if (ch == '\n')
			return 0; /* the LF of a CRLF */
	}
	switch (r->st) {
	case FIELD_START:
		if (ch == '"') {
			r->st = QUOTED;
			r->any = 1;
			return 0;
		}
		r->st = UNQUOTED;
		/* fall through */
	case UNQUOTED:
		if (ch == r->delim) {
			r->any = 1;
			r->st = FIELD_START;
			return end_cell(r, err);
		}
		if (ch == '\n' || ch == '\r') {
			r->pending_cr = ch == '\r';
			return end_record(r, err);
		}
		return put(r, ch, err);
	case QUOTED:
		if (ch == '"') {
			r->st = QUOTE_IN_QUOTED;
			return 0;
		}
		return put(r, ch, err);
	case QUOTE_IN_QUOTED:
		if (ch == '"') {
			r->st = QUOTED;
			return put(r, '"', err);
		}
		r->st = UNQUOTED;
		return byte(r, ch, err);
	}
	return 0;
}

static const char sniff_cand[] = {'\t', ',', ';', '|'};

/*
 * Reads the first record of p[0..n) as sniffing sees it (blank lines before it skipped),
 * counting each candidate delimiter outside quotes. Returns 1 once the record's line end,
 * outside quotes, is in the bytes: only then is the count final, whatever the chunking.
 */
static int scan_first_record(const char *p, size_t n, size_t count[4])
{
	int inq = 0, any = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"') {
			inq = !inq;
		} else if (!inq && (p[i] == '\n' || p[i] == '\r')) {
			if (any)
				return 1;
			continue;
		} else if (!inq) {
			for (int k = 0; k < 4; k++)
				count[k] += p[i] == sniff_cand[k];
		}
		any = 1;
	}
	return 0;
}

/* Picks the delimiter that occurs most often outside quotes in the first record. */
static char sniff(const char *p, size_t n)
{
	size_t count[4] = {0};
	char best = ',';
	size_t most = 0;

	scan_first_record(p, n, count);
	for (int k = 0; k < 4; k++) {
		if (count[k] > most) {
			most = count[k];
			best = sniff_cand[k];
		}
	}
	return best;
}

static int run(jg_csv *r, const char *p, size_t n, jg_err *err)
{
	size_t i = 0;

	while (i < n) {
		size_t k = 0;
		int rc;

		/* A run of plain bytes inside a cell goes in whole; the byte that ends it, and
		 * any byte in another state, goes through the state machine. */
		if (!r->pending_cr && r->st == UNQUOTED) {
			k = plain_span(p + i, n - i, r->delim);
		} else if (!r->pending_cr && r->st == QUOTED) {
			const char *q = memchr(p + i, '"', n - i);

			k = q ? (size_t)(q - (p + i)) : n - i;
		}
		if (k) {
			rc = put_span(r, p + i, k, err);
			i += k;
		} else {
			rc = byte(r, p[i], err);
			i++;
		}
		if (rc)
			return rc;
	}
	return 0;
}

static const unsigned char bom[] = {0xef, 0xbb, 0xbf};

/* Not a BOM after all: replays the bytes that looked like one as data. */
static int replay_bom(jg_csv *r, jg_err *err)
{
	int had = r->bom;

	r->bom = -1;
	if (had <= 0)
		return 0;
	if (r->delim)
		return run(r, (const char *)bom, (size_t)had, err);
	if (jg_buf_append(&r->sniff, bom, (size_t)had))
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	return 0;
}

int jg_csv_feed(jg_csv *r, const char *data, size_t n, jg_err *err)
{
	while (r->bom >= 0 && r->bom < 3 && n) {
		if ((unsigned char)*data != bom[r->bom]) {
			int rc = replay_bom(r, err);

			if (rc)
				return rc;
			break;
		}
		r->bom++;
		data++;
		n--;
	}
	if (r->bom == 3)
		r->bom = -1;
	if (!r->delim) {
		size_t room = SNIFF_MAX - r->sniff.len, take = n < room ? n : room;
		int rc;

		if (jg_buf_append(&r->sniff, data, take))
			return jg_err_set(err, JG_ENOMEM, "out of memory");
		data += take;
		n -= take;
		if (!scan_first_record(jg_buf_str(&r->sniff), r->sniff.len, (size_t[4]){0}) &&
		    r->sniff.len < SNIFF_MAX)
			return 0; /* the first record is not complete yet */
		r->delim = sniff(jg_buf_str(&r->sniff), r->sniff.len);
		rc = run(r, jg_buf_str(&r->sniff), r->sniff.len, err);
		jg_buf_free(&r->sniff);
		if (rc)
			return rc;
	}
	return run(r, data, n, err);
}

int jg_csv_finish(jg_csv *r, jg_err *err)
{
	int rc;

	if (r->bom > 0 && r->bom < 3 && (rc = replay_bom(r, err)))
		return rc; /* the input ended inside what looked like a BOM */
	if (!r->delim) {
		r->delim = sniff(jg_buf_str(&r->sniff), r->sniff.len);
		rc = run(r, r->sniff.p ? r->sniff.p : "", r->sniff.len, err);
		jg_buf_free(&r->sniff);
		if (rc)
			return rc;
	}
	if (r->st == QUOTED)
		return jg_err_set_at(err, JG_EFORMAT, r->row + 1, (int32_t)r->ncells + 1,
				     "row %lld, column %zu: a quoted cell is never closed",
				     (long long)r->row + 1, r->ncells + 1);
	if (r->any || r->ncells || r->cells.len != r->cell_start)
		return end_record(r, err);
	return 0;
}

int jg_csv_read_file(const char *path, char delim, const jg_csv_limits *lim, jg_csv_row_cb cb,
		     void *payload, jg_err *err)
{
	char chunk[65536];
	jg_csv *r;
	FILE *f;
	size_t n;
	int rc;

	f = fopen(path, "rb");
	if (!f) {
		if (err && !err->code)
			err->sys = errno;
		return jg_err_set(err, JG_EIO, "%s: %s", path, strerror(errno));
	}
	rc = jg_csv_new(&r, delim, lim, cb, payload, err);
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = jg_csv_feed(r, chunk, n, err);
	if (rc == 0 && ferror(f))
		rc = jg_err_set(err, JG_EIO, "%s: read error", path);
	if (rc == 0)
		rc = jg_csv_finish(r, err);
	jg_csv_free(r);
	fclose(f);
	return rc;
}
