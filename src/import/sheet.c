/* SPDX-License-Identifier: MIT */
/*
 * jg_sheet_read_*: sniff the format from the bytes, hand them to the reader, and give the
 * caller rows of UTF-8 NFC text. Files are mapped read-only and capped in size before any
 * reader sees them. Reader errors get the file name in front and keep their row/column.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaego/csv.h"
#include "readers.h"

const char *jg_format_name(jg_format f)
{
	switch (f) {
	case JG_FORMAT_XLSX: return "xlsx";
	case JG_FORMAT_XLSX_ENCRYPTED: return "xlsx-encrypted";
	case JG_FORMAT_XLS: return "xls";
	case JG_FORMAT_HTML: return "html";
	case JG_FORMAT_SPREADSHEETML: return "spreadsheetml";
	case JG_FORMAT_CSV: return "csv";
	case JG_FORMAT_UNKNOWN: break;
	}
	return "unknown";
}

void jg_sheet_limits_resolve(jg_sheet_limits *out, const jg_sheet_limits *in)
{
	jg_sheet_limits z = {0};

	if (!in)
		in = &z;
	out->max_file = in->max_file ? in->max_file : 256ull << 20;
	out->max_entry = in->max_entry ? in->max_entry : 1ull << 30;
	out->max_ratio = in->max_ratio ? in->max_ratio : 200;
	out->max_strings = in->max_strings ? in->max_strings : 256ull << 20;
	out->max_cell = in->max_cell ? in->max_cell : 128u << 10;
	out->max_cols = in->max_cols ? in->max_cols : 1024;
	out->max_rows = in->max_rows ? in->max_rows : 2000000;
}

static bool contains_ci(const unsigned char *p, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	for (size_t i = 0; i + k <= n; i++)
		if (jg_ascii_starts_ci(p + i, n - i, lit))
			return true;
	return false;
}

jg_format jg_sheet_sniff(const void *head, size_t n)
{
	static const unsigned char zip[] = {'P', 'K', 3, 4};
	static const unsigned char ole2[] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
	const unsigned char *p = head;
	size_t i = 0, win;

	if (n >= 4 && memcmp(p, zip, 4) == 0)
		return JG_FORMAT_XLSX;
	if (n >= 8 && memcmp(p, ole2, 8) == 0)
		return JG_FORMAT_XLS;
	if (n == 0)
		return JG_FORMAT_UNKNOWN;
	/* Text: skip a BOM and white space, then look at the markup, if any. */
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	win = n - i < 8192 ? n - i : 8192;
	if (i < n && p[i] == '<') {
		if (contains_ci(p + i, win, "urn:schemas-microsoft-com:office:spreadsheet") &&
		    !contains_ci(p + i, win, "<html"))
			return JG_FORMAT_SPREADSHEETML;
		if (contains_ci(p + i, win, "<html") || contains_ci(p + i, win, "<table") ||
		    contains_ci(p + i, win, "<!doctype html") || contains_ci(p + i, win, "<meta"))
			return JG_FORMAT_HTML;
	}
	for (size_t k = 0; k < win; k++)
		if (p[i + k] == 0)
			return JG_FORMAT_UNKNOWN; /* binary, not text */
	return JG_FORMAT_CSV;
}

/* ---- the normalising callback ------------------------------------------------------------- */

typedef struct norm {
	jg_sheet_cb cb;
	void *payload;
	jg_arena arena;
	jg_cell *cells;
	size_t cap;
	int64_t rows;
	int64_t max_rows;
	size_t max_cols;
	jg_err *err;
} norm;

static int on_row(const jg_sheet_row *row, void *payload)
{
	norm *nm = payload;
	jg_sheet_row out = *row;
	jg_buf b;

	if (row->n > nm->max_cols)
		return jg_err_set_at(nm->err, JG_ELIMIT, row->row, (int32_t)nm->max_cols + 1,
				     "row %lld has more than %zu columns", (long long)row->row,
				     nm->max_cols);
	if (++nm->rows > nm->max_rows)
		return jg_err_set_at(nm->err, JG_ELIMIT, row->row, 0, "more than %lld rows",
				     (long long)nm->max_rows);
	if (row->n > nm->cap) {
		size_t ncap = row->n < 64 ? 64 : row->n;
		jg_cell *c = jg_realloc(nm->cells, ncap * sizeof(*c));

		if (!c)
			return jg_err_set(nm->err, JG_ENOMEM, "out of memory");
		nm->cells = c;
		nm->cap = ncap;
	}
	jg_arena_reset(&nm->arena);
	for (size_t i = 0; i < row->n; i++) {
		const jg_cell *c = &row->cells[i];
		const unsigned char *p, *e;
		int rc;

		nm->cells[i] = *c;
		if (!nm->cells[i].text) {
			nm->cells[i].text = "";
			nm->cells[i].len = 0;
			continue;
		}
		/*
		 * Text made only of characters that NFC leaves alone wherever they stand is NFC
		 * already and skips utf8proc: characters with combining class 0 that no
		 * normalisation changes and that are never the second of a canonical
		 * composition. Three ranges are taken, decoded strictly: U+0000..U+02FF (up to
		 * the combining diacritics), the precomposed Hangul syllables U+AC00..U+D7A3
		 * and the CJK unified ideographs U+4E00..U+9FFF. Everything else takes the slow
		 * path: combining marks, Hangul Jamo U+1100..U+11FF (a syllable followed by a
		 * trailing Jamo composes), compatibility Jamo U+3130..U+318F, compatibility
		 * ideographs, 4-byte characters, malformed UTF-8 (reported there).
		 * tests/import/test_xlsx.c checks the three ranges against utf8proc for every
		 * code point in them.
		 */
		p = (const unsigned char *)c->text;
		e = p + c->len;
		while (e - p >= 8) { /* most cells are ASCII: numbers, ids, phones */
			uint64_t w;

			memcpy(&w, p, 8);
			if (w & 0x8080808080808080u)
				break;
			p += 8;
		}
		while (p < e) {
			uint32_t v;

			if (p[0] < 0x80) {
				p++;
				continue;
			}
			if (e - p >= 3) {
				/* three bytes as one number: UTF-8 keeps code point order */
				v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
				if ((v & 0xc0c0) == 0x8080 &&
				    (v - 0xeab080u <= 0xed9ea3u - 0xeab080u || /* U+AC00..U+D7A3 */
				     v - 0xe4b880u <= 0xe9bfbfu - 0xe4b880u)) { /* U+4E00..U+9FFF */
					p += 3;
					continue;
				}
			}
			if (p[0] >= 0xc2 && p[0] <= 0xcb && e - p >= 2 && (p[1] & 0xc0) == 0x80) {
				p += 2; /* U+0080..U+02FF */
				continue;
			}
			break;
		}
		if (p == e)
			continue; /* NFC already */
		jg_buf_init(&b, (size_t)16 << 20);
		rc = jg_text_nfc(&b, c->text, c->len);
		if (rc) {
			jg_buf_free(&b);
			if (rc == JG_ENOMEM)
				return jg_err_set(nm->err, JG_ENOMEM, "out of memory");
			if (rc == JG_ELIMIT)
				return jg_err_set_at(nm->err, JG_ELIMIT, row->row, (int32_t)i + 1,
						     "row %lld, column %zu: the text is too long "
						     "to normalise",
						     (long long)row->row, i + 1);
			return jg_err_set_at(nm->err, JG_EFORMAT, row->row, (int32_t)i + 1,
					     "row %lld, column %zu: text is not valid UTF-8",
					     (long long)row->row, i + 1);
		}
		nm->cells[i].text = jg_arena_strndup(&nm->arena, jg_buf_str(&b), b.len);
		nm->cells[i].len = b.len;
		jg_buf_free(&b);
		if (!nm->cells[i].text)
			return jg_err_set(nm->err, JG_ENOMEM, "out of memory");
	}
	out.cells = nm->cells;
	return nm->cb(&out, nm->payload);
}

/* ---- CSV ------------------------------------------------------------------------------------ */

typedef struct csv_rows {
	jg_sheet_cb cb;
	void *payload;
	jg_cell *cells;
	size_t cap;
} csv_rows;

static int on_csv(int64_t row, const char *const *cells, const size_t *lens, size_t n,
		  void *payload)
{
	csv_rows *cr = payload;
	jg_sheet_row r = {row, NULL, n};

	if (n > cr->cap) {
		jg_cell *c = jg_realloc(cr->cells, n * sizeof(*c));

		if (!c)
			return JG_ENOMEM;
		cr->cells = c;
		cr->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		cr->cells[i].type = lens[i] ? JG_CELL_TEXT : JG_CELL_EMPTY;
		cr->cells[i].text = cells[i];
		cr->cells[i].len = lens[i];
	}
	r.cells = cr->cells;
	return cr->cb(&r, cr->payload);
}

static int read_csv(const void *data, size_t n, const jg_sheet_limits *lim, jg_sheet_info *info,
		    jg_sheet_cb cb, void *payload, jg_err *err)
{
	jg_csv_limits cl = {lim->max_cell, lim->max_cols, lim->max_rows};
	csv_rows cr = {cb, payload, NULL, 0};
	jg_buf utf8;
	jg_csv *r = NULL;
	int rc;

	jg_buf_init(&utf8, (size_t)lim->max_file * 2 + 16);
	if (jg__charset_detect(data, n) == JG__CHARSET_CP949) {
		snprintf(info->charset, sizeof(info->charset), "cp949");
		rc = jg__cp949_to_utf8(&utf8, data, n, err);
		if (rc)
			goto out;
		data = utf8.p;
		n = utf8.len;
	} else {
		snprintf(info->charset, sizeof(info->charset), "utf-8");
	}
	rc = jg_csv_new(&r, 0, &cl, on_csv, &cr, err);
	if (rc == 0)
		rc = jg_csv_feed(r, data, n, err);
	if (rc == 0)
		rc = jg_csv_finish(r, err);
out:
	jg_csv_free(r);
	jg_free(cr.cells);
	jg_buf_free(&utf8);
	return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static void prefix_name(jg_err *err, const char *name)
{
	char msg[JG_ERR_MSG_MAX];
	size_t k;

	if (!err || !err->code || !name)
		return;
	k = strlen(name);
	if (strncmp(err->msg, name, k) == 0 && err->msg[k] == ':')
		return;
	if (k > sizeof(msg) / 2)
		k = sizeof(msg) / 2;
	memcpy(msg, name, k);
	msg[k] = ':';
	msg[k + 1] = ' ';
	snprintf(msg + k + 2, sizeof(msg) - k - 2, "%.*s", (int)(sizeof(msg) - k - 3), err->msg);
	memcpy(err->msg, msg, sizeof(msg));
}

/* Reads from memory; `name` (may be NULL) goes in front of error messages. */
static int read_any(const void *data, size_t n, const char *name, const jg_sheet_opts *opts,
		    jg_sheet_info *info, jg_sheet_cb cb, void *payload, jg_err *err)
{
	jg_sheet_opts none = {0};
	jg_sheet_info local;
	jg_sheet_limits lim;
	norm nm = {0};
	void *plain = NULL;
	size_t plain_n = 0;
	jg_err own = {0};
	int rc;

	if (!err)
		err = &own;
	if (!opts)
		opts = &none;
	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	jg_sheet_limits_resolve(&lim, &opts->lim);
	if (n > lim.max_file) {
		rc = jg_err_set(err, JG_ELIMIT, "file is larger than %llu bytes",
				(unsigned long long)lim.max_file);
		goto out;
	}
	nm.cb = cb;
	nm.payload = payload;
	nm.max_rows = lim.max_rows;
	nm.max_cols = lim.max_cols;
	nm.err = err;
	jg_arena_init(&nm.arena, 0);
	info->format = jg_sheet_sniff(data, n);
	switch (info->format) {
	case JG_FORMAT_XLSX:
		rc = jg__xlsx_read(data, n, opts, &lim, info, on_row, &nm, err);
		break;
	case JG_FORMAT_XLS:
		if (jg__offcrypto_is_encrypted(data, n)) {
			info->format = JG_FORMAT_XLSX_ENCRYPTED;
			rc = jg__offcrypto_decrypt(data, n, opts->password, &lim, &plain, &plain_n,
						   err);
			if (rc == 0)
				rc = jg__xlsx_read(plain, plain_n, opts, &lim, info, on_row, &nm, err);
			info->format = JG_FORMAT_XLSX_ENCRYPTED;
		} else {
			rc = jg__xls_read(data, n, opts, &lim, info, on_row, &nm, err);
		}
		break;
	case JG_FORMAT_HTML:
		rc = jg__html_read(data, n, &lim, info, on_row, &nm, err);
		break;
	case JG_FORMAT_SPREADSHEETML:
		rc = jg__spreadsheetml_read(data, n, opts, &lim, info, on_row, &nm, err);
		break;
	case JG_FORMAT_CSV:
		rc = read_csv(data, n, &lim, info, on_row, &nm, err);
		break;
	default:
		rc = jg_err_set(err, JG_EFORMAT,
				"not a spreadsheet jaego can read (xlsx, xls, HTML, CSV)");
		break;
	}
	if (rc && !err->code)
		jg_err_set(err, rc, "%s", jg_strerror(rc));
	info->rows = nm.rows;
out:
	prefix_name(err, name);
	if (plain) {
		memset(plain, 0, plain_n); /* the decrypted order file holds personal data */
		jg_free(plain);
	}
	jg_arena_free(&nm.arena);
	jg_free(nm.cells);
	return rc;
}

int jg_sheet_read_mem(const void *data, size_t n, const char *name, const jg_sheet_opts *opts,
		      jg_sheet_info *info, jg_sheet_cb cb, void *payload, jg_err *err)
{
	return read_any(data, n, name, opts, info, cb, payload, err);
}

int jg_sheet_read_file(const char *path, const jg_sheet_opts *opts, jg_sheet_info *info,
		       jg_sheet_cb cb, void *payload, jg_err *err)
{
	jg_sheet_opts none = {0};
	jg_sheet_limits lim;
	struct stat st;
	void *map;
	int fd, rc;

	if (!opts)
		opts = &none;
	jg_sheet_limits_resolve(&lim, &opts->lim);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (err && !err->code)
			err->sys = errno;
		return jg_err_set(err, JG_EIO, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return jg_err_set(err, JG_EIO, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > lim.max_file) {
		close(fd);
		return jg_err_set(err, JG_ELIMIT, "%s: file is larger than %llu bytes", path,
				  (unsigned long long)lim.max_file);
	}
	if (st.st_size == 0) {
		close(fd);
		return jg_err_set(err, JG_EFORMAT, "%s: the file is empty", path);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		if (err && !err->code)
			err->sys = errno;
		return jg_err_set(err, JG_EIO, "%s: %s", path, strerror(errno));
	}
	rc = read_any(map, (size_t)st.st_size, path, opts, info, cb, payload, err);
	munmap(map, (size_t)st.st_size);
	return rc;
}
