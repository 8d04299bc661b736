/* SPDX-License-Identifier: MIT */
/*
 * The legacy .xls reader: a BIFF8 (Excel 97-2003) or BIFF5 (Excel 5.0/95) workbook, read
 * record by record from the "Workbook" (or "Book") stream of its OLE2 container, which
 * src/import/ole2.c finds (read in place when its sectors follow one another in the file,
 * as they usually do, else copied out). It replaced FreeXL 1.0.6 for two measured reasons.
 * FreeXL turns each date cell into text by stepping one day at a time from 1900 (about
 * 600,000 instructions, 0.1 ms, per date cell): freexl_open was 27 % of the instructions of
 * the 50,000-order import benchmark and .xls import was 1.7-2.7x slower than Python's xlrd;
 * this reader reads those files with 50-64x fewer instructions (docs/PERFORMANCE.md). And
 * FreeXL loads a whole sheet into memory sized from the dimensions the file declares, so
 * our caps could not bound what a crafted file made it allocate. The output is FreeXL's
 * for every cell of the benchmark files (2.15 million cells compared), except where FreeXL
 * was wrong or said less: booleans are JG_CELL_BOOL "TRUE"/"FALSE" (FreeXL: numbers 1 and
 * 0), a time of day alone is dated like the xlsx reader dates it ("1899-12-31 09:30:00";
 * FreeXL: "09:30:00"), serial 0 in the 1904 system is 1904-01-01 (FreeXL: 01-02), formula
 * string results are read, and the first visible sheet is the default, not the first.
 *
 * The workbook globals are read first: CODEPAGE, DATEMODE, FORMAT and XF (which cell styles
 * show dates), BOUNDSHEET (names, offsets, visibility, kind) and the shared-string table
 * (SST with its CONTINUE records), which is the only thing kept for the whole read and is
 * capped by max_strings. FILEPASS (an encrypted workbook) is refused with JG_EPERM before
 * any record after it is looked at: those bodies are ciphertext. Then the chosen sheet's
 * substream is walked from its BOF: LABELSST, LABEL, RSTRING, NUMBER, RK, MULRK, BOOLERR
 * and FORMULA (its cached value; a string result is in the STRING record after it) become
 * cells; BLANK and MULBLANK are empty; DIMENSIONS and ROW are never trusted for anything.
 *
 * Rows are delivered in order while the sheet streams. A quick first pass over the sheet's
 * record headers measures how far back a cell ever reaches behind the highest row seen so
 * far (BIFF8 writers keep cells of a 32-row block together, not always in order); the
 * second pass keeps just that many rows (at most 32) in a window and hands a row out once
 * no later cell can reach it. A sheet whose cells are further out of order is read through
 * an index of its cell records sorted by row, whose size is bounded by the stream's. Every
 * length read from the file is checked against the record and the stream before use, and
 * nothing is allocated from a count the file declares.
 *
 * Cell text: numbers as the shortest decimal text that reads back as the same double,
 * integral values in full without exponent or ".0" (a phone number stored as 1012345678
 * stays "1012345678"); numbers in a date format as jg__excel_date() text in the workbook's
 * date system; booleans "TRUE"/"FALSE"; error codes "#N/A" and the like. BIFF8 text is
 * UTF-16LE or "compressed" Latin-1; BIFF5 text is in the CODEPAGE (CP949, Windows-1252,
 * Latin-1 or ASCII). U+0000 is dropped and an unpaired surrogate becomes U+FFFD, so every
 * cell is valid UTF-8 with its NUL at `len`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ole2.h"
#include "readers.h"

/* Record ids ([MS-XLS] 2.3). */
enum {
	R_FORMULA = 0x0006,
	R_EOF = 0x000a,
	R_DATEMODE = 0x0022,
	R_FILEPASS = 0x002f,
	R_CONTINUE = 0x003c,
	R_CODEPAGE = 0x0042,
	R_BOUNDSHEET = 0x0085,
	R_MULRK = 0x00bd,
	R_MULBLANK = 0x00be,
	R_RSTRING = 0x00d6,
	R_XF = 0x00e0,
	R_SST = 0x00fc,
	R_LABELSST = 0x00fd,
	R_BLANK = 0x0201,
	R_NUMBER = 0x0203,
	R_LABEL = 0x0204,
	R_BOOLERR = 0x0205,
	R_FORMULA3 = 0x0206,
	R_STRING = 0x0207,
	R_ARRAY = 0x0221,
	R_TABLE = 0x0236,
	R_RK = 0x027e,
	R_FORMULA4 = 0x0406,
	R_FORMAT = 0x041e,
	R_SHRFMLA = 0x04bc,
	R_BOF = 0x0809
};

#define MAX_WINDOW 32    /* rows of a BIFF8 row block */
#define MAX_XF     65536 /* a cell names its XF in 16 bits */
#define MAX_SHEETS 65535 /* sheets a workbook may list */
#define NUM_MAX    400   /* "%.0f" of the largest double is 309 digits */

/* ---- the stream and its records ----------------------------------------------------------- */

/* Little-endian integers and doubles, as BIFF stores them. */
static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double le_double(const unsigned char *p)
{
	uint64_t bits = (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

typedef struct rec {
	uint16_t id;
	uint16_t len;
	const unsigned char *p; /* the body, `len` bytes inside the stream */
	size_t pos;             /* offset of the record's header */
	size_t next;            /* offset of the record after it */
} rec;

/* One window row: the cells of row `row` seen so far, their text in `text`. */
typedef struct slot {
	int64_t row; /* -1 when free */
	jg_cell *cells;
	size_t n, cap;
	jg_arena text;
} slot;

/* A sheet listed by BOUNDSHEET. */
typedef struct sheet_ent {
	size_t bof;  /* stream offset of the sheet's BOF */
	size_t rec;  /* stream offset of the BOUNDSHEET record (for the name) */
	uint8_t vis; /* 0 visible, 1 hidden, 2 very hidden */
	uint8_t dt;  /* 0 worksheet (or dialog), 1 macro sheet, 2 chart, 6 VBA module */
} sheet_ent;

/* A cell record of a sheet read out of order: its row and where it is. */
typedef struct cell_ref {
	uint32_t row;
	size_t pos;
} cell_ref;

typedef struct xls {
	const unsigned char *s; /* the Workbook stream */
	size_t n;
	int biff;          /* 5 or 8 */
	unsigned codepage; /* BIFF5 text; 1252 until a CODEPAGE record says otherwise */
	bool date1904;
	const jg_sheet_limits *lim;
	jg_err *err;
	jg_sheet_cb cb;
	void *payload;

	/* globals */
	unsigned char fmt_has[MAX_XF / 8]; /* FORMAT records seen, by format id */
	unsigned char fmt_date[MAX_XF / 8];
	unsigned char xf_date[MAX_XF / 8]; /* by XF index */
	uint16_t *xf_fmt;                  /* format id of each XF, until the dates are known */
	size_t nxf, capxf;
	size_t *fmt_pos; /* FORMAT records, read once the code page is known */
	size_t nfmt, capfmt;
	sheet_ent *sheets;
	size_t nsheets, capsheets;
	jg_buf sst;      /* every shared string, NUL-terminated */
	size_t *sst_off; /* start of each; sst_off[nsst] is the end */
	size_t nsst, capsst;

	/* the sheet */
	slot win[MAX_WINDOW];
	unsigned w;     /* window rows in use */
	int64_t hi;     /* highest row with a cell so far, -1 before the first */
	jg_buf scratch; /* inline text of one cell, capped at max_cell */
	jg_buf name;    /* a sheet name being decoded */
} xls;

/*
 * The record at offset `pos` into *r, without reporting anything. Returns 1 at the end of
 * the stream (nothing left, or fewer than four zero bytes of padding), -1 when the header
 * or the body is cut short.
 */
static int rec_peek(const xls *x, size_t pos, rec *r)
{
	if (pos >= x->n)
		return 1;
	if (x->n - pos < 4) {
		for (size_t i = pos; i < x->n; i++)
			if (x->s[i])
				return -1;
		return 1;
	}
	r->id = le16(x->s + pos);
	r->len = le16(x->s + pos + 2);
	r->pos = pos;
	r->p = x->s + pos + 4;
	r->next = pos + 4 + r->len;
	return r->len > x->n - pos - 4 ? -1 : 0;
}

/* rec_peek() that reports a record cut short: JG_EFORMAT. */
static int rec_at(const xls *x, size_t pos, rec *r)
{
	int rc = rec_peek(x, pos, r);

	if (rc >= 0)
		return rc;
	return jg_err_set(x->err, JG_EFORMAT,
			  "the .xls workbook is damaged: the record at offset %zu runs past the "
			  "end of the workbook stream (the file may be truncated)",
			  pos);
}

/* ---- text --------------------------------------------------------------------------------- */

/* Windows-1252 0x80..0x9F; the five bytes it leaves undefined map to the C1 controls. */
static const uint16_t cp1252_c1[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178};

/* A small output chunk in front of a jg_buf, so that characters are not appended one by one. */
#define CHUNK 4096
typedef struct chunk {
	char b[CHUNK + 8];
	size_t t;
	jg_buf *out;
} chunk;

/* Appends what the chunk holds to its buffer and empties it. */
static int chunk_flush(chunk *k)
{
	int rc = k->t ? jg_buf_append(k->out, k->b, k->t) : 0;

	k->t = 0;
	return rc;
}

/* Appends code point `cp` (U+0000 is dropped). */
static int chunk_put(chunk *k, uint32_t cp)
{
	if (k->t > CHUNK) {
		int rc = chunk_flush(k);

		if (rc)
			return rc;
	}
	if (cp)
		k->t += jg_utf8_put(k->b + k->t, cp);
	return 0;
}

/*
 * Appends the UTF-8 form of BIFF5 text (bytes in the workbook's code page) to `out`.
 * JG_EFORMAT for bytes that are not text in that code page or a code page that cannot be
 * read, JG_ELIMIT past the buffer's cap, JG_ENOMEM.
 */
static int decode_bytes(const xls *x, const unsigned char *p, size_t n, jg_buf *out)
{
	size_t i = 0, start = out->len;
	chunk k;
	int rc;

	k.t = 0; /* the rest of the struct is written before it is read */
	k.out = out;

	while (i < n && p[i] && p[i] < 0x80)
		i++;
	if (i == n)
		return jg_buf_append(out, p, n); /* ASCII, no NUL: the same in every code page */
	switch (x->codepage) {
	case 949:   /* Korean (Unified Hangul Code) */
	case 51949: /* EUC-KR, which CP949 contains: never decoded as EUC-KR */
		rc = jg__cp949_to_utf8(out, p, n, NULL);
		if (rc == 0 && out->p) { /* drop NULs, as the other decoders do */
			size_t w = start;

			for (size_t j = start; j < out->len; j++)
				if (out->p[j])
					out->p[w++] = out->p[j];
			out->len = w;
			out->p[w] = '\0';
		}
		return rc == JG_EIO ? JG_EFORMAT : rc;
	case 1252:
	case 32769: /* 0x8001, "Windows CP-1252" in BIFF */
	case 367:   /* US-ASCII: bytes past 0x7F read as Windows-1252 */
	case 20127:
	case 28591: /* ISO 8859-1 */
		for (i = 0; i < n; i++) {
			uint32_t cp = p[i];

			if (cp >= 0x80 && cp < 0xa0 && x->codepage != 28591)
				cp = cp1252_c1[cp - 0x80];
			rc = chunk_put(&k, cp);
			if (rc)
				return rc;
		}
		return chunk_flush(&k);
	default: return JG_EFORMAT;
	}
}

/*
 * A stretch of record bodies read as one: a record and the CONTINUE records that follow
 * it, when `more` allows them. Text crossing into a CONTINUE starts it with a new flags
 * byte; other data simply goes on.
 */
typedef struct cont {
	const xls *x;
	const unsigned char *p; /* the rest of the current body */
	size_t left;
	size_t next; /* offset of the record after the current one */
	bool more;   /* CONTINUE records may follow */
} cont;

/* Starts reading at `skip` bytes into the body of record `r`. */
static void cont_init(cont *c, const xls *x, const rec *r, size_t skip, bool more)
{
	c->x = x;
	c->p = r->p + skip;
	c->left = r->len - skip;
	c->next = r->next;
	c->more = more;
}

/* Steps into the following CONTINUE record; false when there is none. */
static bool cont_next(cont *c)
{
	rec r;

	if (!c->more || rec_peek(c->x, c->next, &r) != 0 || r.id != R_CONTINUE)
		return false;
	c->p = r.p;
	c->left = r.len;
	c->next = r.next;
	return true;
}

/* Copies `k` bytes (across CONTINUE records); false when the data ends first. */
static bool cont_read(cont *c, unsigned char *out, size_t k)
{
	while (k) {
		size_t t;

		if (!c->left && !cont_next(c))
			return false;
		t = c->left < k ? c->left : k;
		memcpy(out, c->p, t);
		out += t;
		c->p += t;
		c->left -= t;
		k -= t;
	}
	return true;
}

/* Skips `k` bytes (across CONTINUE records); false when the data ends first. */
static bool cont_skip(cont *c, uint64_t k)
{
	while (k) {
		size_t t;

		if (!c->left && !cont_next(c))
			return false;
		t = c->left < k ? c->left : (size_t)k;
		c->p += t;
		c->left -= t;
		k -= t;
	}
	return true;
}

/*
 * Appends `cch` characters of BIFF8 text to `out` as UTF-8: two bytes (UTF-16LE) each when
 * `high`, else one byte (Latin-1, "compressed"). When the characters go on into a CONTINUE
 * record, its first byte is a new flags byte whose bit 0 gives the width of the rest.
 * Surrogate pairs are joined even across such a boundary. JG_EFORMAT when the data ends
 * first or splits a UTF-16 unit, JG_ELIMIT, JG_ENOMEM.
 */
static int read_chars(cont *c, size_t cch, bool high, jg_buf *out)
{
	uint32_t pend = 0; /* a high surrogate waiting for its low half */
	chunk k;
	int rc;

	k.t = 0; /* not zeroed as a whole: this runs for every string */
	k.out = out;

	while (cch > 0) {
		size_t take;

		if (!c->left) {
			if (!cont_next(c) || !c->left)
				return JG_EFORMAT;
			high = c->p[0] & 1;
			c->p++;
			c->left--;
			continue;
		}
		if (high) {
			take = c->left / 2 < cch ? c->left / 2 : cch;
			if (!take)
				return JG_EFORMAT; /* one byte of a UTF-16 unit */
			for (size_t i = 0; i < take; i++) {
				uint32_t u = le16(c->p + 2 * i), cp = u;

				if (u >= 0xdc00 && u <= 0xdfff) {
					cp = pend ? 0x10000 + ((pend - 0xd800) << 10) + (u - 0xdc00)
						  : 0xfffd;
					pend = 0;
				} else {
					if (pend) {
						rc = chunk_put(&k, 0xfffd);
						if (rc)
							return rc;
						pend = 0;
					}
					if (u >= 0xd800 && u <= 0xdbff) {
						pend = u;
						continue;
					}
				}
				rc = chunk_put(&k, cp);
				if (rc)
					return rc;
			}
			c->p += 2 * take;
			c->left -= 2 * take;
		} else {
			take = c->left < cch ? c->left : cch;
			if (pend) {
				rc = chunk_put(&k, 0xfffd);
				if (rc)
					return rc;
				pend = 0;
			}
			for (size_t i = 0; i < take; i++) {
				unsigned char b = c->p[i];

				if (b && b < 0x80 && k.t <= CHUNK) {
					k.b[k.t++] = (char)b; /* the usual case, without the call */
					continue;
				}
				rc = chunk_put(&k, b);
				if (rc)
					return rc;
			}
			c->p += take;
			c->left -= take;
		}
		cch -= take;
	}
	if (pend) {
		rc = chunk_put(&k, 0xfffd);
		if (rc)
			return rc;
	}
	return chunk_flush(&k);
}

/*
 * Reads a BIFF8 string (XLUnicodeString, or XLUnicodeRichExtendedString in the SST) into
 * `out`: a character count of two bytes (one when `short_cch`), a flags byte, the rich-text
 * run count and the phonetic block size when the flags say so, the characters, then the
 * runs and the phonetic data, which are skipped. An empty string outside the SST may end
 * after its count (`flags_always` is false there), as some writers leave the flags out.
 */
static int read_string8(cont *c, bool short_cch, bool flags_always, jg_buf *out)
{
	unsigned char h[4];
	size_t cch;
	uint16_t runs = 0;
	uint32_t ext = 0;
	int rc;

	if (!cont_read(c, h, short_cch ? 1 : 2))
		return JG_EFORMAT;
	cch = short_cch ? h[0] : le16(h);
	if (!cch && !flags_always)
		return 0;
	if (!cont_read(c, h, 1))
		return JG_EFORMAT;
	if (h[0] & 0x08) {
		unsigned char b[2];

		if (!cont_read(c, b, 2))
			return JG_EFORMAT;
		runs = le16(b);
	}
	if (h[0] & 0x04) {
		unsigned char b[4];

		if (!cont_read(c, b, 4))
			return JG_EFORMAT;
		ext = le32(b);
	}
	rc = read_chars(c, cch, h[0] & 0x01, out);
	if (rc == 0 && !cont_skip(c, (uint64_t)runs * 4 + ext))
		rc = JG_EFORMAT;
	return rc;
}

/*
 * Reads the text of a string at `skip` bytes into record `r` into `out`, in the layout of
 * the workbook's BIFF version: BIFF8 as read_string8(), BIFF5 as a count (two bytes, or
 * one when `short_cch`) and bytes in the code page. `more`: CONTINUE records may carry
 * the rest (BIFF8 only).
 */
static int read_text(const xls *x, const rec *r, size_t skip, bool short_cch, bool more,
		     jg_buf *out)
{
	cont c;
	size_t cch;

	if (skip > r->len)
		return JG_EFORMAT;
	if (x->biff == 8) {
		cont_init(&c, x, r, skip, more);
		return read_string8(&c, short_cch, false, out);
	}
	if (r->len - skip < (short_cch ? 1u : 2u))
		return JG_EFORMAT;
	cch = short_cch ? r->p[skip] : le16(r->p + skip);
	skip += short_cch ? 1 : 2;
	if (cch > r->len - skip)
		return JG_EFORMAT;
	return decode_bytes(x, r->p + skip, cch, out);
}

/* ---- workbook globals --------------------------------------------------------------------- */

/* Bit `i` of a bitmap (format ids and XF indexes are 16-bit, so 8 KiB maps hold them). */
static bool bit(const unsigned char *map, unsigned i)
{
	return map[i >> 3] >> (i & 7) & 1;
}

/* Sets bit `i` of a bitmap to `on`. */
static void set_bit(unsigned char *map, unsigned i, bool on)
{
	if (on)
		map[i >> 3] = (unsigned char)(map[i >> 3] | 1u << (i & 7));
	else
		map[i >> 3] = (unsigned char)(map[i >> 3] & ~(1u << (i & 7)));
}

/* Makes room for one more element in a growing array; false when out of memory. */
static bool grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / size)
		return false;
	p = jg_realloc(*arr, ncap * size);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

/* Records running out of memory into the error struct. */
static int nomem(xls *x)
{
	return jg_err_set(x->err, JG_ENOMEM, "out of memory");
}

/*
 * Loads the shared-string table from the SST record `r` and its CONTINUE records. The
 * declared count is only checked against the bytes there are (each string takes at least
 * three); the strings and their offsets count against max_strings as they are read.
 */
static int load_sst(xls *x, const rec *r)
{
	unsigned char h[8];
	uint32_t count;
	uint64_t avail = r->len;
	size_t pos = r->next;
	cont c;
	int rc;

	cont_init(&c, x, r, 0, true);
	jg_buf_reset(&x->sst);
	x->nsst = 0;
	if (!cont_read(&c, h, 8))
		return jg_err_set(x->err, JG_EFORMAT,
				  "the .xls workbook is damaged: its shared-string table is cut "
				  "short");
	count = le32(h + 4);
	for (rec k; rec_peek(x, pos, &k) == 0 && k.id == R_CONTINUE; pos = k.next)
		avail += k.len;
	if ((uint64_t)count * 3 > avail)
		return jg_err_set(x->err, JG_EFORMAT,
				  "the .xls workbook is damaged: its shared-string table claims "
				  "%lu strings in %llu bytes",
				  (unsigned long)count, (unsigned long long)avail);
	for (uint32_t i = 0; i < count; i++) {
		size_t start = x->sst.len;

		rc = read_string8(&c, false, true, &x->sst);
		if (rc == 0)
			rc = jg_buf_append(&x->sst, "", 1);
		if (rc == 0 && (x->nsst + 2) * sizeof(size_t) > x->lim->max_strings - x->sst.len)
			rc = JG_ELIMIT;
		if (rc == 0 &&
		    !grow((void **)&x->sst_off, &x->capsst, x->nsst + 1, sizeof(*x->sst_off)))
			rc = JG_ENOMEM;
		if (rc == JG_EFORMAT)
			return jg_err_set(x->err, JG_EFORMAT,
					  "the .xls workbook is damaged: its shared-string table "
					  "ends inside string %lu of the %lu it declares",
					  (unsigned long)i + 1, (unsigned long)count);
		if (rc == JG_ELIMIT)
			return jg_err_set(x->err, JG_ELIMIT,
					  "the shared strings take more than %llu bytes",
					  (unsigned long long)x->lim->max_strings);
		if (rc)
			return nomem(x);
		x->sst_off[x->nsst++] = start;
		x->sst_off[x->nsst] = x->sst.len;
	}
	return 0;
}

/*
 * Decides which formats and then which XFs show dates, once the globals are read: a
 * FORMAT record's code when there is one for the id, else the built-in formats' ids.
 * A FORMAT record that cannot be read counts as no date.
 */
static int resolve_dates(xls *x)
{
	for (size_t i = 0; i < x->nfmt; i++) {
		rec r;
		int rc;

		if (rec_at(x, x->fmt_pos[i], &r) != 0 || r.len < 2)
			continue;
		jg_buf_reset(&x->name);
		rc = read_text(x, &r, 2, x->biff == 5, false, &x->name);
		if (rc == JG_ENOMEM)
			return nomem(x);
		set_bit(x->fmt_has, le16(r.p), true);
		set_bit(x->fmt_date, le16(r.p),
			rc == 0 && jg__excel_is_date_format(le16(r.p), jg_buf_str(&x->name)));
	}
	for (size_t i = 0; i < x->nxf; i++) {
		unsigned f = x->xf_fmt[i];
		bool date = bit(x->fmt_has, f) ? bit(x->fmt_date, f)
					       : jg__excel_is_date_format((int)f, NULL);

		set_bit(x->xf_date, (unsigned)i, date);
	}
	return 0;
}

/*
 * Reads the workbook globals from the stream's first BOF to its EOF. JG_EPERM for an
 * encrypted workbook, JG_EFORMAT for a damaged one or one older than BIFF5, JG_ELIMIT,
 * JG_ENOMEM.
 */
static int read_globals(xls *x)
{
	size_t pos = 0;
	rec r;
	int rc;

	rc = rec_at(x, 0, &r);
	if (rc < 0)
		return rc;
	if (rc || r.len < 4 || r.id != R_BOF) {
		if (rc == 0 && (r.id == 0x0009 || r.id == 0x0209 || r.id == 0x0409))
			return jg_err_set(x->err, JG_EFORMAT,
					  "an Excel 2.x-4.x (BIFF2-4) workbook is not supported; "
					  "save it as .xlsx");
		return jg_err_set(x->err, JG_EFORMAT,
				  "the .xls workbook is damaged: its stream does not start with "
				  "a BOF record");
	}
	if (le16(r.p) == 0x0600)
		x->biff = 8;
	else if (le16(r.p) == 0x0500)
		x->biff = 5;
	else
		return jg_err_set(x->err, JG_EFORMAT,
				  "unsupported .xls version (BOF 0x%04X): only BIFF5 and BIFF8 "
				  "workbooks (Excel 5.0 to 2003) can be read",
				  (unsigned)le16(r.p));
	if (le16(r.p + 2) != 0x0005)
		return jg_err_set(x->err, JG_EFORMAT,
				  "the .xls workbook is damaged: it does not start with its "
				  "globals");
	x->codepage = x->biff == 8 ? 1200 : 1252;
	for (pos = r.next;; pos = r.next) {
		rc = rec_at(x, pos, &r);
		if (rc < 0)
			return rc;
		if (rc)
			return jg_err_set(x->err, JG_EFORMAT,
					  "the .xls workbook is damaged: its globals have no end "
					  "(the file may be truncated)");
		switch (r.id) {
		case R_EOF: return resolve_dates(x);
		case R_FILEPASS:
			return jg_err_set(x->err, JG_EPERM, "encrypted .xls is not supported");
		case R_CODEPAGE:
			if (r.len >= 2)
				x->codepage = le16(r.p);
			break;
		case R_DATEMODE:
			if (r.len >= 2)
				x->date1904 = le16(r.p) == 1;
			break;
		case R_FORMAT:
			if (!grow((void **)&x->fmt_pos, &x->capfmt, x->nfmt, sizeof(size_t)))
				return nomem(x);
			x->fmt_pos[x->nfmt++] = r.pos;
			break;
		case R_XF:
			if (r.len < 4 || x->nxf >= MAX_XF)
				break;
			if (!grow((void **)&x->xf_fmt, &x->capxf, x->nxf, sizeof(uint16_t)))
				return nomem(x);
			x->xf_fmt[x->nxf++] = le16(r.p + 2);
			break;
		case R_BOUNDSHEET:
			if (r.len < 7)
				return jg_err_set(x->err, JG_EFORMAT,
						  "the .xls workbook is damaged: a sheet entry is "
						  "too short");
			if (x->nsheets >= MAX_SHEETS)
				return jg_err_set(x->err, JG_ELIMIT,
						  "the .xls workbook lists more than %d sheets",
						  MAX_SHEETS);
			if (!grow((void **)&x->sheets, &x->capsheets, x->nsheets,
				  sizeof(*x->sheets)))
				return nomem(x);
			x->sheets[x->nsheets++] =
				(sheet_ent){le32(r.p), r.pos, (uint8_t)(r.p[4] & 3), r.p[5]};
			break;
		case R_SST:
			if (x->biff == 8) {
				rc = load_sst(x, &r);
				if (rc)
					return rc;
			}
			break;
		default: break;
		}
	}
}

/* ---- choosing the sheet ------------------------------------------------------------------- */

/* Decodes sheet `i`'s name into x->name (UTF-8, not yet NFC). */
static int sheet_name(xls *x, size_t i)
{
	rec r;
	int rc;

	jg_buf_reset(&x->name);
	if (rec_at(x, x->sheets[i].rec, &r) != 0)
		return JG_EFORMAT; /* read once already: cannot happen */
	rc = read_text(x, &r, 6, true, false, &x->name);
	if (rc == JG_ENOMEM)
		return nomem(x);
	if (rc)
		return jg_err_set(x->err, JG_EFORMAT,
				  "the .xls workbook is damaged: the name of sheet %zu cannot be "
				  "read",
				  i + 1);
	return 0;
}

/* Equal bytes, ignoring the case of ASCII letters (whatever the locale). */
static bool eq_ascii_ci(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char p = (unsigned char)*a, q = (unsigned char)*b;

		if (p >= 'A' && p <= 'Z')
			p = (unsigned char)(p - 'A' + 'a');
		if (q >= 'A' && q <= 'Z')
			q = (unsigned char)(q - 'A' + 'a');
		if (p != q)
			return false;
		if (!p)
			return true;
	}
}

/* Stores the NFC form of x->name into info->sheet, cut at a character boundary to fit. */
static int set_sheet_name(xls *x, jg_sheet_info *info)
{
	jg_buf b;
	size_t k;
	int rc;

	jg_buf_init(&b, 4096);
	rc = jg_text_nfc(&b, jg_buf_str(&x->name), x->name.len);
	if (rc == JG_ENOMEM) {
		jg_buf_free(&b);
		return nomem(x);
	}
	k = rc ? 0 : b.len;
	if (k > sizeof(info->sheet) - 1) {
		k = sizeof(info->sheet) - 1;
		while (k > 0 && ((unsigned char)b.p[k] & 0xc0) == 0x80)
			k--;
	}
	if (k)
		memcpy(info->sheet, b.p, k);
	info->sheet[k] = '\0';
	jg_buf_free(&b);
	return 0;
}

/*
 * Picks the sheet: by name when `want` is given (NFC and ASCII case do not matter, as in
 * the xlsx reader), else the first visible worksheet, else the first worksheet. Sets *out
 * to its index and leaves its name in x->name. JG_ENOTFOUND names the sheets there are;
 * JG_EFORMAT when the named sheet is a chart or macro sheet or there is no worksheet.
 */
static int choose_sheet(xls *x, const char *want, size_t *out)
{
	jg_buf a, c, list;
	size_t pick = SIZE_MAX;
	int rc = 0;

	jg_buf_init(&a, 4096);
	jg_buf_init(&c, 4096);
	jg_buf_init(&list, 200);
	if (want) {
		rc = jg_text_nfc(&a, want, strlen(want));
		if (rc) {
			rc = rc == JG_ENOMEM ? nomem(x)
					     : jg_err_set(x->err, JG_EINVAL,
							  "the sheet name asked for is not valid "
							  "UTF-8 or too long");
			goto out;
		}
		for (size_t i = 0; i < x->nsheets && pick == SIZE_MAX; i++) {
			rc = sheet_name(x, i);
			if (rc)
				goto out;
			jg_buf_reset(&c);
			rc = jg_text_nfc(&c, jg_buf_str(&x->name), x->name.len);
			if (rc == JG_ENOMEM) {
				rc = nomem(x);
				goto out;
			}
			rc = 0; /* a name too long to be asked for is simply not a match */
			if (c.len && eq_ascii_ci(jg_buf_str(&a), jg_buf_str(&c)))
				pick = i;
			if (list.len < 150)
				jg_buf_printf(&list, "%s\"%s\"", i ? ", " : "", jg_buf_str(&c));
		}
		if (pick == SIZE_MAX) {
			rc = jg_err_set(x->err, JG_ENOTFOUND,
					"no sheet named \"%s\" (the workbook has %s)", want,
					x->nsheets ? jg_buf_str(&list) : "no sheets");
			goto out;
		}
		if (x->sheets[pick].dt != 0) {
			rc = jg_err_set(x->err, JG_EFORMAT,
					"sheet \"%s\" is not a worksheet with cells", want);
			goto out;
		}
	} else {
		for (size_t i = 0; i < x->nsheets && pick == SIZE_MAX; i++)
			if (x->sheets[i].dt == 0 && x->sheets[i].vis == 0)
				pick = i;
		for (size_t i = 0; i < x->nsheets && pick == SIZE_MAX; i++)
			if (x->sheets[i].dt == 0)
				pick = i;
		if (pick == SIZE_MAX) {
			rc = jg_err_set(x->err, JG_EFORMAT, "the .xls workbook has no worksheet");
			goto out;
		}
		rc = sheet_name(x, pick);
		if (rc)
			goto out;
	}
	*out = pick;
out:
	jg_buf_free(&a);
	jg_buf_free(&c);
	jg_buf_free(&list);
	return rc;
}

/* ---- numbers ------------------------------------------------------------------------------ */

/*
 * The shortest decimal text that reads back as `v`; integral values in full, without an
 * exponent or ".0" (FreeXL's reader printed them so, and ids depend on it). `out` holds
 * NUM_MAX bytes. For a normal double the shortest form has at most 15 digits exactly when
 * "%.15g" reads back (shorter forms round to the same 15 digits, trailing zeros stripped),
 * so the search starts there; subnormals, with fewer digits of precision, search from 1.
 */
static size_t format_double(char *out, double v)
{
	if (v == 0) {
		out[0] = '0'; /* and not "-0" */
		out[1] = '\0';
		return 1;
	}
	if (v > -1e18 && v < 1e18 && v == (double)(int64_t)v) {
		char tmp[24];
		uint64_t u = (uint64_t)(v < 0 ? -v : v);
		size_t k = 0, n = 0;

		do {
			tmp[k++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v < 0)
			out[n++] = '-';
		while (k)
			out[n++] = tmp[--k];
		out[n] = '\0';
		return n;
	}
	if (isfinite(v) && (v <= -0x1p53 || v >= 0x1p53)) /* every such double is whole */
		return (size_t)snprintf(out, NUM_MAX, "%.0f", v);
	for (int prec = isnormal(v) ? 15 : 1; prec <= 17; prec++) {
		snprintf(out, NUM_MAX, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return strlen(out);
}

/* The value of an RK number: a 30-bit integer or the top 30 bits of a double, maybe / 100. */
static double rk_value(uint32_t rk)
{
	double v;

	if (rk & 2) {
		int64_t i = (int64_t)(rk >> 2);

		if (rk & 0x80000000u)
			i -= (int64_t)1 << 30;
		v = (double)i;
	} else {
		uint64_t bits = (uint64_t)(rk & 0xfffffffcu) << 32;

		memcpy(&v, &bits, sizeof(v));
	}
	return rk & 1 ? v / 100 : v;
}

/* The text Excel shows for an error code. */
static const char *error_text(unsigned code)
{
	switch (code) {
	case 0x00: return "#NULL!";
	case 0x07: return "#DIV/0!";
	case 0x0f: return "#VALUE!";
	case 0x17: return "#REF!";
	case 0x1d: return "#NAME?";
	case 0x24: return "#NUM!";
	case 0x2a: return "#N/A";
	case 0x2b: return "#GETTING_DATA";
	default: return "#ERROR!";
	}
}

/* ---- the row window ----------------------------------------------------------------------- */

/* Hands out slot `s`'s row (without trailing empty cells; not at all when it has none) and
 * frees the slot. Returns what the callback returned. */
static int deliver(xls *x, slot *s)
{
	jg_sheet_row row;
	int rc = 0;

	while (s->n && s->cells[s->n - 1].type == JG_CELL_EMPTY)
		s->n--;
	if (s->n) {
		row = (jg_sheet_row){s->row + 1, s->cells, s->n};
		rc = x->cb(&row, x->payload);
	}
	s->row = -1;
	s->n = 0;
	jg_arena_reset(&s->text);
	return rc;
}

/* Hands out, in order, every buffered row up to and including `upto`. */
static int deliver_upto(xls *x, int64_t upto)
{
	int64_t from = x->hi - (int64_t)x->w + 1;

	if (from < 0)
		from = 0;
	for (int64_t r = from; r <= upto && r <= x->hi; r++) {
		slot *s = &x->win[r % x->w];
		int rc;

		if (s->row == r) {
			rc = deliver(x, s);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/*
 * Puts a cell at (row, col), both 0-based. `text` is copied into the row's arena when
 * `copy`, else it lives as long as the read (a shared string). An empty cell clears what
 * was there. Rows that no later cell can reach any more (the window is x->w rows) are
 * handed out first. JG_ELIMIT for a cell past max_cols or longer than max_cell.
 */
static int put_cell(xls *x, uint32_t row, uint32_t col, jg_cell_type type, const char *text,
		    size_t len, bool copy)
{
	slot *s;
	int rc;

	if (type == JG_CELL_EMPTY || len == 0) {
		s = &x->win[row % x->w];
		if (s->row == (int64_t)row && col < s->n)
			s->cells[col] = (jg_cell){JG_CELL_EMPTY, "", 0};
		return 0;
	}
	if (col >= x->lim->max_cols)
		return jg_err_set_at(x->err, JG_ELIMIT, (int64_t)row + 1,
				     (int32_t)x->lim->max_cols + 1,
				     "row %lu has more than %zu columns", (unsigned long)row + 1,
				     x->lim->max_cols);
	if (len > x->lim->max_cell)
		return jg_err_set_at(x->err, JG_ELIMIT, (int64_t)row + 1, (int32_t)col + 1,
				     "row %lu, column %lu: a cell holds more than %zu bytes",
				     (unsigned long)row + 1, (unsigned long)col + 1,
				     x->lim->max_cell);
	if ((int64_t)row > x->hi) {
		rc = deliver_upto(x, (int64_t)row - (int64_t)x->w);
		if (rc)
			return rc;
		x->hi = row;
	}
	s = &x->win[row % x->w];
	if (s->row != (int64_t)row) {
		if (s->row >= 0 || (int64_t)row + (int64_t)x->w <= x->hi)
			return jg_err_set_at(x->err, JG_EFORMAT, (int64_t)row + 1, (int32_t)col + 1,
					     "the .xls sheet's cells are out of order"); /* never */
		s->row = row;
		s->n = 0;
	}
	if (col >= s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		jg_cell *c;

		if (ncap <= col)
			ncap = (size_t)col + 1;
		if (ncap > x->lim->max_cols)
			ncap = x->lim->max_cols;
		c = jg_realloc(s->cells, ncap * sizeof(*c));
		if (!c)
			return nomem(x);
		s->cells = c;
		s->cap = ncap;
	}
	if (copy) {
		/* Only a row whose cells are written over and over again reaches the cap. */
		if (len + 64 > s->text.cap - s->text.used)
			return jg_err_set_at(x->err, JG_ELIMIT, (int64_t)row + 1, (int32_t)col + 1,
					     "row %lu holds more than %zu bytes of text",
					     (unsigned long)row + 1, s->text.cap);
		text = jg_arena_strndup(&s->text, text, len);
		if (!text)
			return nomem(x);
	}
	for (; s->n < col; s->n++)
		s->cells[s->n] = (jg_cell){JG_CELL_EMPTY, "", 0};
	s->cells[col] = (jg_cell){type, text, len};
	if (s->n <= col)
		s->n = (size_t)col + 1;
	return 0;
}

/* A number cell, or a date when its XF shows a date and the serial is one Excel shows. */
static int put_number(xls *x, uint32_t row, uint32_t col, uint16_t ixfe, double v)
{
	char num[NUM_MAX];
	size_t n;

	if (ixfe < x->nxf && bit(x->xf_date, ixfe) &&
	    jg__excel_date(num, sizeof(num), v, x->date1904) == 0)
		return put_cell(x, row, col, JG_CELL_DATE, num, strlen(num), true);
	if (!isfinite(v))
		return put_cell(x, row, col, JG_CELL_ERROR, "#NUM!", 5, false);
	n = format_double(num, v);
	return put_cell(x, row, col, JG_CELL_NUMBER, num, n, true);
}

/* Reports a string of a cell that cannot be read. */
static int text_error(xls *x, int rc, uint32_t row, uint32_t col)
{
	switch (rc) {
	case JG_ENOMEM: return nomem(x);
	case JG_ELIMIT:
		return jg_err_set_at(x->err, JG_ELIMIT, (int64_t)row + 1, (int32_t)col + 1,
				     "row %lu, column %lu: a cell holds more than %zu bytes",
				     (unsigned long)row + 1, (unsigned long)col + 1,
				     x->lim->max_cell);
	default:
		if (x->biff == 5 && rc == JG_EFORMAT)
			return jg_err_set_at(
				x->err, JG_EFORMAT, (int64_t)row + 1, (int32_t)col + 1,
				"row %lu, column %lu: the text is not in the workbook's "
				"code page (%u)",
				(unsigned long)row + 1, (unsigned long)col + 1, x->codepage);
		return jg_err_set_at(x->err, JG_EFORMAT, (int64_t)row + 1, (int32_t)col + 1,
				     "the .xls workbook is damaged: row %lu, column %lu holds "
				     "a string that runs past its record",
				     (unsigned long)row + 1, (unsigned long)col + 1);
	}
}

/* A cell holding text read from record `r` at `skip` bytes in. */
static int put_text(xls *x, uint32_t row, uint32_t col, const rec *r, size_t skip)
{
	int rc;

	jg_buf_reset(&x->scratch);
	rc = read_text(x, r, skip, false, true, &x->scratch);
	if (rc)
		return text_error(x, rc, row, col);
	return put_cell(x, row, col, JG_CELL_TEXT, jg_buf_str(&x->scratch), x->scratch.len, true);
}

/*
 * The cached string result of a formula: the STRING record after the FORMULA at `r`, past
 * any SHRFMLA, ARRAY or TABLE record; no STRING there leaves the cell empty.
 */
static int formula_string(xls *x, uint32_t row, uint32_t col, const rec *f)
{
	size_t pos = f->next;
	rec r;
	int rc;

	for (;;) {
		rc = rec_at(x, pos, &r);
		if (rc)
			return rc < 0 ? rc : 0;
		if (r.id == R_STRING)
			return put_text(x, row, col, &r, 0);
		if (r.id != R_SHRFMLA && r.id != R_ARRAY && r.id != R_TABLE)
			return 0;
		pos = r.next;
	}
}

/* True for the records that hold cells (with the row in their first two bytes). */
static bool is_cell_record(uint16_t id)
{
	switch (id) {
	case R_LABELSST:
	case R_LABEL:
	case R_RSTRING:
	case R_NUMBER:
	case R_RK:
	case R_MULRK:
	case R_BOOLERR:
	case R_FORMULA:
	case R_FORMULA3:
	case R_FORMULA4: return true;
	default: return false;
	}
}

/* Turns a cell record into cells. */
static int cell_record(xls *x, const rec *r)
{
	uint32_t row, col;
	uint16_t ixfe;

	if (r->len < 6)
		return jg_err_set(x->err, JG_EFORMAT,
				  "the .xls workbook is damaged: cell record 0x%04X at offset %zu "
				  "is too short",
				  (unsigned)r->id, r->pos);
	row = le16(r->p);
	col = le16(r->p + 2);
	ixfe = le16(r->p + 4);
	switch (r->id) {
	case R_LABELSST: {
		uint32_t i;

		if (r->len < 10)
			break;
		i = le32(r->p + 6);
		if (i >= x->nsst)
			return jg_err_set_at(
				x->err, JG_EFORMAT, (int64_t)row + 1, (int32_t)col + 1,
				"the .xls workbook is damaged: row %lu, column %lu names "
				"shared string %lu of %zu",
				(unsigned long)row + 1, (unsigned long)col + 1,
				(unsigned long)i + 1, x->nsst);
		return put_cell(x, row, col, JG_CELL_TEXT, x->sst.p + x->sst_off[i],
				x->sst_off[i + 1] - x->sst_off[i] - 1, false);
	}
	case R_LABEL:
	case R_RSTRING: return put_text(x, row, col, r, 6);
	case R_NUMBER:
		if (r->len < 14)
			break;
		return put_number(x, row, col, ixfe, le_double(r->p + 6));
	case R_RK:
		if (r->len < 10)
			break;
		return put_number(x, row, col, ixfe, rk_value(le32(r->p + 6)));
	case R_MULRK: {
		size_t n;

		if (r->len < 12 || (r->len - 6) % 6)
			break;
		n = (size_t)(r->len - 6) / 6;
		for (size_t i = 0; i < n; i++) {
			const unsigned char *q = r->p + 4 + 6 * i;
			int rc = put_number(x, row, col + (uint32_t)i, le16(q),
					    rk_value(le32(q + 2)));

			if (rc)
				return rc;
		}
		return 0;
	}
	case R_BOOLERR:
		if (r->len < 8)
			break;
		if (r->p[7])
			return put_cell(x, row, col, JG_CELL_ERROR, error_text(r->p[6]),
					strlen(error_text(r->p[6])), false);
		return put_cell(x, row, col, JG_CELL_BOOL, r->p[6] ? "TRUE" : "FALSE",
				r->p[6] ? 4 : 5, false);
	default: /* FORMULA: the cached result */
		if (r->len < 14)
			break;
		if (le16(r->p + 12) != 0xffff)
			return put_number(x, row, col, ixfe, le_double(r->p + 6));
		switch (r->p[6]) {
		case 0: return formula_string(x, row, col, r);
		case 1:
			return put_cell(x, row, col, JG_CELL_BOOL, r->p[8] ? "TRUE" : "FALSE",
					r->p[8] ? 4 : 5, false);
		case 2:
			return put_cell(x, row, col, JG_CELL_ERROR, error_text(r->p[8]),
					strlen(error_text(r->p[8])), false);
		default: return put_cell(x, row, col, JG_CELL_EMPTY, "", 0, false);
		}
	}
	return jg_err_set_at(x->err, JG_EFORMAT, (int64_t)row + 1, (int32_t)col + 1,
			     "the .xls workbook is damaged: the record of row %lu, column %lu "
			     "(0x%04X) is too short",
			     (unsigned long)row + 1, (unsigned long)col + 1, (unsigned)r->id);
}

/* ---- the sheet ---------------------------------------------------------------------------- */

/* Orders cell records by row, then by place in the stream (a later cell wins). */
static int cmp_ref(const void *a, const void *b)
{
	const cell_ref *p = a, *q = b;

	if (p->row != q->row)
		return p->row < q->row ? -1 : 1;
	return p->pos < q->pos ? -1 : p->pos > q->pos;
}

/*
 * Walks the sheet substream that starts with the BOF at `start` (charts embedded in it,
 * BOF to EOF, are skipped), calling `fn` for each of the sheet's own cell records when it
 * is given. Without `fn`, measures the window the cells need into *w (1 for cells in row
 * order; MAX_WINDOW + 1 when they reach further back) and counts them into *count. The end
 * of the stream ends the sheet too. JG_EFORMAT for a record that runs past the stream.
 */
static int walk_sheet(xls *x, size_t start, int (*fn)(xls *, const rec *), unsigned *w,
		      size_t *count)
{
	int64_t hi = -1;
	size_t depth = 0, pos = start;
	rec r;
	int rc;

	for (;; pos = r.next) {
		rc = rec_at(x, pos, &r);
		if (rc)
			return rc < 0 ? rc : 0;
		if (r.id == R_BOF) {
			depth++;
			continue;
		}
		if (r.id == R_EOF) {
			if (--depth == 0)
				return 0;
			continue;
		}
		if (depth != 1 || !is_cell_record(r.id) || r.len < 2)
			continue;
		if (fn) {
			rc = fn(x, &r);
			if (rc)
				return rc;
			continue;
		}
		++*count;
		if ((int64_t)le16(r.p) > hi) {
			hi = le16(r.p);
		} else if (*w <= MAX_WINDOW && hi - le16(r.p) + 1 > (int64_t)*w) {
			int64_t need = hi - le16(r.p) + 1;

			*w = need > MAX_WINDOW ? MAX_WINDOW + 1 : (unsigned)need;
		}
	}
}

/*
 * Reads the sheet whose BOF is at `start` and hands out its rows. Cells that keep within a
 * window of MAX_WINDOW rows stream through the window; others are sorted first.
 */
static int read_sheet(xls *x, size_t start)
{
	cell_ref *refs = NULL;
	size_t count = 0;
	unsigned w = 1;
	rec r;
	int rc;

	rc = rec_at(x, start, &r);
	if (rc < 0)
		return rc;
	if (rc || r.id != R_BOF || r.len < 4)
		return jg_err_set(x->err, JG_EFORMAT,
				  "the .xls workbook is damaged: a sheet's offset (%zu) does not "
				  "point at its start",
				  start);
	if (le16(r.p + 2) != 0x0010)
		return jg_err_set(x->err, JG_EFORMAT,
				  "the sheet is not a worksheet with cells (BOF type 0x%04X)",
				  (unsigned)le16(r.p + 2));
	rc = walk_sheet(x, start, NULL, &w, &count);
	if (rc)
		return rc;
	x->hi = -1;
	if (w <= MAX_WINDOW) {
		x->w = w;
		rc = walk_sheet(x, start, cell_record, NULL, NULL);
	} else {
		/* Out of order beyond a row block: sort the cell records by row. The index
		 * has one entry per cell record, so it is bounded by the stream's size. */
		size_t k = 0, depth = 0;

		x->w = 1;
		refs = jg_malloc(count ? count * sizeof(*refs) : 1);
		if (!refs)
			return nomem(x);
		for (size_t pos = start; k < count && rec_at(x, pos, &r) == 0; pos = r.next) {
			if (r.id == R_BOF)
				depth++;
			else if (r.id == R_EOF && --depth == 0)
				break;
			else if (depth == 1 && is_cell_record(r.id) && r.len >= 2)
				refs[k++] = (cell_ref){le16(r.p), r.pos};
		}
		qsort(refs, k, sizeof(*refs), cmp_ref);
		for (size_t i = 0; i < k && rc == 0; i++) {
			rc = rec_at(x, refs[i].pos, &r);
			if (rc == 0)
				rc = cell_record(x, &r);
		}
	}
	if (rc == 0)
		rc = deliver_upto(x, x->hi);
	jg_free(refs);
	return rc;
}

/* ---- entry points ------------------------------------------------------------------------- */

/* Frees the reader and everything it holds. */
static void xls_free(xls *x)
{
	jg_free(x->xf_fmt);
	jg_free(x->fmt_pos);
	jg_free(x->sheets);
	jg_free(x->sst_off);
	jg_buf_free(&x->sst);
	jg_buf_free(&x->scratch);
	jg_buf_free(&x->name);
	for (size_t i = 0; i < MAX_WINDOW; i++) {
		jg_free(x->win[i].cells);
		jg_arena_free(&x->win[i].text);
	}
	jg_free(x);
}

/* Reads a workbook stream held in memory: globals, then the chosen sheet. */
static int read_stream(const unsigned char *s, size_t n, const jg_sheet_opts *opts,
		       const jg_sheet_limits *lim, jg_sheet_info *info, jg_sheet_cb cb,
		       void *payload, jg_err *err)
{
	xls *x = jg_calloc(1, sizeof(*x));
	size_t pick = 0, row_text;
	int rc;

	if (!x)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	x->s = s;
	x->n = n;
	x->lim = lim;
	x->err = err;
	x->cb = cb;
	x->payload = payload;
	jg_buf_init(&x->sst,
		    lim->max_strings > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)lim->max_strings);
	jg_buf_init(&x->scratch, lim->max_cell);
	jg_buf_init(&x->name, 4096);
	/* A row's text is at most max_cols cells of max_cell bytes (and their NULs). */
	row_text = lim->max_cell + 64 > SIZE_MAX / lim->max_cols
			   ? SIZE_MAX / 2
			   : (lim->max_cell + 64) * lim->max_cols;
	for (size_t i = 0; i < MAX_WINDOW; i++) {
		x->win[i].row = -1;
		jg_arena_init(&x->win[i].text, row_text);
	}
	rc = read_globals(x);
	if (rc)
		goto out;
	info->date1904 = x->date1904;
	if (x->biff == 5 && (x->codepage == 949 || x->codepage == 51949))
		snprintf(info->charset, sizeof(info->charset), "cp949");
	rc = choose_sheet(x, opts->sheet, &pick);
	if (rc)
		goto out;
	rc = set_sheet_name(x, info);
	if (rc == 0)
		rc = read_sheet(x, x->sheets[pick].bof);
out:
	xls_free(x);
	return rc;
}

int jg__xls_read(const void *data, size_t n, const jg_sheet_opts *opts, const jg_sheet_limits *lim,
		 jg_sheet_info *info, jg_sheet_cb cb, void *payload, jg_err *err)
{
	jg__ole2 ole;
	uint32_t id = 0;
	void *copy = NULL;
	const void *stream = NULL;
	size_t sn = 0;
	int rc;

	rc = jg__ole2_open(&ole, data, n, err);
	if (rc)
		return rc;
	rc = jg__ole2_find(&ole, "Workbook", &id);
	if (rc == JG_ENOTFOUND)
		rc = jg__ole2_find(&ole, "Book", &id);
	if (rc == JG_ENOTFOUND) {
		rc = jg_err_set(err, JG_EFORMAT,
				"the OLE2 file holds no Excel workbook (no Workbook or Book "
				"stream)");
		goto out;
	}
	if (rc) {
		rc = jg_err_set(err, rc, "out of memory");
		goto out;
	}
	/* Read in place when the stream's sectors follow one another, else copied out. */
	rc = jg__ole2_view(&ole, id, lim->max_file, &stream, &sn, err);
	if (rc == 1) {
		rc = jg__ole2_read(&ole, id, lim->max_file, &copy, &sn, err);
		stream = copy;
	}
	if (rc == 0)
		rc = read_stream(stream, sn, opts, lim, info, cb, payload, err);
out:
	jg_free(copy);
	jg__ole2_close(&ole);
	return rc;
}

/* ---- fuzzing ------------------------------------------------------------------------------ */

/* What the fuzz entry's row check remembers between rows. */
typedef struct fuzz_state {
	int64_t last;
	size_t max_cols;
} fuzz_state;

/* Checks what every row must be: in order, within the caps, each cell's text valid UTF-8
 * with its NUL at `len`, empty exactly when its type is, the last cell not empty. */
static int fuzz_row(const jg_sheet_row *row, void *payload)
{
	fuzz_state *st = payload;

	if (row->row <= st->last || row->n == 0 || row->n > st->max_cols ||
	    row->cells[row->n - 1].type == JG_CELL_EMPTY)
		abort();
	st->last = row->row;
	for (size_t i = 0; i < row->n; i++) {
		const jg_cell *c = &row->cells[i];

		if (!c->text || strlen(c->text) != c->len || !jg_utf8_valid(c->text, c->len) ||
		    (c->type == JG_CELL_EMPTY) != (c->len == 0))
			abort();
	}
	return 0;
}

int jg__xls_fuzz(const void *data, size_t n)
{
	static const unsigned char magic[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
	jg_sheet_limits in = {0}, lim;
	jg_sheet_opts opts = {0};
	jg_sheet_info info = {0};
	fuzz_state st = {0, 0};
	jg_err err = {0};
	int rc;

	in.max_cell = 4096;
	in.max_cols = 256;
	in.max_strings = (uint64_t)1 << 20;
	jg_sheet_limits_resolve(&lim, &in);
	st.max_cols = lim.max_cols;
	if (n >= 8 && memcmp(data, magic, 8) == 0)
		rc = jg__xls_read(data, n, &opts, &lim, &info, fuzz_row, &st, &err);
	else
		rc = read_stream(data, n, &opts, &lim, &info, fuzz_row, &st, &err);
	if ((rc == 0) != (err.code == 0) || (rc && rc != err.code))
		abort();
	return rc;
}
