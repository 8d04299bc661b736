/* SPDX-License-Identifier: MIT */
/*
 * The xlsx reader: an Office Open XML workbook held in memory is opened with libzip and its
 * parts are streamed, one zip_fread chunk at a time, so no part is ever inflated whole. The
 * package relationships lead to the workbook, the workbook and its relationships to the
 * sheet, the styles (which numbers are dates) and the shared strings; the sheet is then read
 * row by row into one cell array and one text buffer that are reused for every row, so
 * memory grows with the shared-string table and the widest row, never with the number of
 * rows. Every input-driven quantity is capped: inflated bytes per entry (counted while
 * reading, not taken from zip headers), the inflated/compressed ratio, shared-string bytes,
 * cell bytes, columns, XML nesting depth and the longest XML token. Any DOCTYPE is refused,
 * so entity tricks never run.
 *
 * The small parts go through expat. The worksheet, which is nearly all of the bytes, goes
 * through the tokenizer in xlsx_sheet.c instead: expat alone needs 1.1 s of CPU for the
 * 100 MB of sheet XML in a 100,000-row order file, twice the whole time budget for reading
 * it (docs/internals/import-xlsx.md). Both feed the same sheet handlers (sheet_open,
 * sheet_close, sheet_text), so the rows cannot differ by parser; expat still reads a sheet
 * that declares an encoding other than UTF-8, and the tests compare the two on the same
 * sheets (jg__xlsx_sheet_rows). The shared strings, which a file like SmartStore's fills
 * with every name and address and which must be read before the first row, take the same
 * route with handlers of their own (sst_open, sst_close, sst_text) shared by both parsers.
 */
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "readers.h"
#include "xlsx_sheet.h"

#define CHUNK       ((size_t)64 << 10)  /* bytes inflated per read */
#define RATIO_FLOOR ((uint64_t)1 << 20) /* entries smaller than this skip the ratio cap */
#define TOKEN_MAX   JG__XML_TOKEN_MAX   /* the longest tag, comment or attribute value */
#define MAX_DEPTH   JG__XML_MAX_DEPTH   /* XML element nesting */
#define MAX_SHEETS  4096                /* sheets listed in a workbook */
#define MAX_NUMFMTS 65536               /* custom number formats */
#define MAX_XFS     ((size_t)1 << 20)   /* cell formats (Excel's own limit is 64,000) */
#define PATH_LEN    512                 /* part names */
#define MAX_COL     16384               /* XFD, the last column Excel has */
#define MAX_ROW_NUM ((int64_t)0x7fffffff)

/* expat allocates through jg_malloc too, so allocation-failure tests reach it. */
static const XML_Memory_Handling_Suite mem_suite = {jg_malloc, jg_realloc, jg_free};

/* ---- common parser state ------------------------------------------------------------------ */

/* What every part's handler state starts with: the parser (expat's, or the sheet
 * tokenizer), where errors go, the first failure (an error code, or the callback's own
 * non-zero value) and the nesting depth. */
typedef struct xr {
	XML_Parser p;
	jg__xml *t;
	const char *part;
	const jg_sheet_limits *lim;
	jg_err *err;
	int rc;
	int depth;
} xr;

/* Stops whichever parser is running the part. */
static void stop(xr *x)
{
	if (x->p)
		XML_StopParser(x->p, XML_FALSE);
	if (x->t)
		jg__xml_stop(x->t);
}

/* Records the first failure, with the place in the sheet when there is one, and stops the
 * parser; handlers return right away once x->rc is set. */
static void fail_at(xr *x, int code, int64_t row, int32_t col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void fail_at(xr *x, int code, int64_t row, int32_t col, const char *fmt, ...)
{
	char msg[JG_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jg_err_set_at(x->err, code, row, col, "%s", msg);
	if (!x->rc)
		x->rc = code;
	stop(x);
}

static void fail_nomem(xr *x)
{
	fail_at(x, JG_ENOMEM, 0, 0, "out of memory");
}

/* The local part of a possibly prefixed XML name ("x:row" -> "row"). */
static const char *local(const char *name)
{
	const char *l = name;

	for (; *name; name++)
		if (*name == ':')
			l = name + 1;
	return l;
}

/* The value of the attribute whose local name is `want`, or NULL. */
static const char *attr(const char **atts, const char *want)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (strcmp(local(atts[i]), want) == 0)
			return atts[i + 1];
	return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* XML booleans: "1" and "true" (and "on", which some writers use). */
static bool xml_true(const char *v)
{
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0);
}

/* Counts nesting; a document nested deeper than any spreadsheet part is refused. */
static bool enter(xr *x)
{
	if (++x->depth > MAX_DEPTH) {
		fail_at(x, JG_EFORMAT, 0, 0, "%s: XML elements are nested more than %d deep",
			x->part, MAX_DEPTH);
		return false;
	}
	return true;
}

/* Any DOCTYPE stops the parse: xlsx parts never have one, and refusing it is what keeps
 * entity expansion (billion laughs) and external entities from ever running. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	xr *x = ud;

	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	fail_at(x, JG_EFORMAT, 0, 0,
		"%s has a DOCTYPE declaration, which xlsx files never have (refused)", x->part);
}

/* An entity declaration (only possible after a DOCTYPE, refused already) stops the parse
 * too: a second lock on the same door. */
static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
				   const XML_Char *value, int value_length, const XML_Char *base,
				   const XML_Char *sysid, const XML_Char *pubid,
				   const XML_Char *notation)
{
	xr *x = ud;

	(void)name, (void)is_param, (void)value, (void)value_length, (void)base, (void)sysid;
	(void)pubid, (void)notation;
	fail_at(x, JG_EFORMAT, 0, 0, "%s declares XML entities (refused)", x->part);
}

/* ---- reading a part in chunks ------------------------------------------------------------- */

/* Where a part's bytes come from: a zip entry, or memory (the fuzz entry). */
typedef struct source {
	const char *name;
	zip_file_t *zf;
	const char *mem;
	size_t mem_n, mem_off;
	size_t chunk;
	uint64_t comp;  /* compressed bytes of the entry, for the ratio */
	uint64_t total; /* bytes inflated so far, counted here */
} source;

/* Reads the next chunk into `buf`; 0 at the end. Counts the inflated bytes and applies the
 * entry-size and ratio caps as it goes, so a zip bomb stops within one chunk of a cap. */
static int64_t read_chunk(xr *x, source *src, char *buf, size_t cap)
{
	int64_t n;

	if (src->zf) {
		n = zip_fread(src->zf, buf, cap);
		if (n < 0) {
			fail_at(x, JG_EFORMAT, 0, 0, "%s: the zip entry cannot be read: %s",
				src->name, zip_error_strerror(zip_file_get_error(src->zf)));
			return -1;
		}
	} else {
		n = (int64_t)(src->mem_n - src->mem_off < cap ? src->mem_n - src->mem_off : cap);
		if (n > 0)
			memcpy(buf, src->mem + src->mem_off, (size_t)n);
		src->mem_off += (size_t)n;
	}
	src->total += (uint64_t)n;
	if (src->total > x->lim->max_entry) {
		fail_at(x, JG_ELIMIT, 0, 0, "%s inflates to more than %llu bytes", src->name,
			(unsigned long long)x->lim->max_entry);
		return -1;
	}
	if (src->zf && src->total > RATIO_FLOOR &&
	    src->total / (src->comp ? src->comp : 1) >= x->lim->max_ratio) {
		fail_at(x, JG_ELIMIT, 0, 0,
			"%s inflates to more than %u times its compressed size (a zip bomb?)",
			src->name, x->lim->max_ratio);
		return -1;
	}
	return n;
}

typedef void (*where_fn)(xr *x, int64_t *row, int32_t *col);

/*
 * Runs an expat parser over `src` with the given handlers; `x` is the first member of the
 * handler state. Chunks go straight into expat's buffer (XML_GetBuffer), so nothing but the
 * parser's own buffer holds the part. `where` (may be NULL) gives the sheet position for
 * messages about malformed XML. Returns 0 or the first failure.
 */
static int parse_source(xr *x, source *src, XML_StartElementHandler start,
			XML_EndElementHandler end, where_fn where)
{
	int rc = 0;

	x->part = src->name;
	x->depth = 0;
	x->p = XML_ParserCreate_MM(NULL, &mem_suite, NULL);
	if (!x->p) {
		fail_nomem(x);
		return x->rc;
	}
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, start, end);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetEntityDeclHandler(x->p, on_entity_decl);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	for (;;) {
		void *buf = XML_GetBuffer(x->p, (int)src->chunk);
		int64_t n;
		int size = 0;

		if (!buf) {
			if (XML_GetErrorCode(x->p) == XML_ERROR_NO_MEMORY)
				fail_nomem(x);
			else
				fail_at(x, JG_ELIMIT, 0, 0, "%s: an XML token is too long",
					src->name);
			break;
		}
		n = read_chunk(x, src, buf, src->chunk);
		if (n < 0)
			break;
		if (XML_ParseBuffer(x->p, (int)n, n == 0) != XML_STATUS_OK) {
			enum XML_Error e = XML_GetErrorCode(x->p);
			int64_t row = 0;
			int32_t col = 0;

			if (x->rc)
				break;
			if (e == XML_ERROR_NO_MEMORY) {
				fail_nomem(x);
				break;
			}
			if (where)
				where(x, &row, &col);
			if (row)
				fail_at(x, JG_EFORMAT, row, col,
					"row %lld: the sheet is not well-formed XML: %s "
					"(%s, line %lu, column %lu)",
					(long long)row, XML_ErrorString(e), src->name,
					(unsigned long)XML_GetCurrentLineNumber(x->p),
					(unsigned long)XML_GetCurrentColumnNumber(x->p));
			else
				fail_at(x, JG_EFORMAT, 0, 0,
					"%s is not well-formed XML: %s (line %lu, column %lu)",
					src->name, XML_ErrorString(e),
					(unsigned long)XML_GetCurrentLineNumber(x->p),
					(unsigned long)XML_GetCurrentColumnNumber(x->p));
			break;
		}
		if (x->rc || n == 0)
			break;
		/* Tag text, attribute values and comments stay in expat's buffer until the token
		 * ends (character data does not); cap what is left over unparsed. */
		if (XML_GetInputContext(x->p, NULL, &size) &&
		    (size_t)size > TOKEN_MAX + 2 * CHUNK) {
			fail_at(x, JG_ELIMIT, 0, 0, "%s has an XML token longer than %zu bytes",
				src->name, TOKEN_MAX);
			break;
		}
	}
	rc = x->rc;
	XML_ParserFree(x->p);
	x->p = NULL;
	return rc;
}

/* Finds a part by name (OPC part names ignore ASCII case); -1 when absent. */
static zip_int64_t locate(zip_t *za, const char *name)
{
	zip_int64_t i = zip_name_locate(za, name, 0);

	return i >= 0 ? i : zip_name_locate(za, name, ZIP_FL_NOCASE);
}

/* Opens the part `name` into `src` (its name and chunk set already). A missing part is 1
 * (no error) unless `required`. */
static int open_entry(xr *x, zip_t *za, const char *name, bool required, source *src)
{
	zip_stat_t st;
	zip_int64_t idx = locate(za, name);

	if (idx < 0) {
		if (!required)
			return 1;
		fail_at(x, JG_EFORMAT, 0, 0, "the workbook has no part %s", name);
		return x->rc;
	}
	zip_stat_init(&st);
	if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0) {
		fail_at(x, JG_EFORMAT, 0, 0, "%s: %s", name, zip_strerror(za));
		return x->rc;
	}
	if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
		fail_at(x, JG_EFORMAT, 0, 0, "%s is encrypted inside the zip", name);
		return x->rc;
	}
	src->comp = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
	src->total = 0;
	src->zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
	if (!src->zf) {
		fail_at(x, JG_EFORMAT, 0, 0, "%s cannot be opened: %s", name, zip_strerror(za));
		return x->rc;
	}
	return 0;
}

/* Opens the part `name` and parses it with expat. A missing part is 1 (no error) unless
 * `required`. */
static int parse_part(xr *x, zip_t *za, const char *name, bool required,
		      XML_StartElementHandler start, XML_EndElementHandler end, where_fn where)
{
	source src = {.name = name, .chunk = CHUNK};
	int rc = open_entry(x, za, name, required, &src);

	if (rc)
		return rc;
	rc = parse_source(x, &src, start, end, where);
	zip_fclose(src.zf);
	return rc;
}

/* The tokenizer's read callback: the next chunk of the part, capped as it comes. */
typedef struct feed {
	xr *x;
	source *src;
} feed;

static int64_t feed_read(void *rd, char *buf, size_t cap)
{
	feed *f = rd;

	return read_chunk(f->x, f->src, buf, cap < f->src->chunk ? cap : f->src->chunk);
}

/*
 * Runs the sheet tokenizer over `src` with the given handlers; `x` is the first member of
 * the handler state. Returns 0, the first failure, or JG__XML_NOT_UTF8 (nothing reported
 * yet) when the part must go to expat instead. Messages are those parse_source() gives.
 */
static int scan_source(xr *x, source *src, jg__xml_start_fn start, jg__xml_end_fn end,
		       where_fn where)
{
	jg__xml t;
	feed f = {x, src};
	int rc;

	x->part = src->name;
	x->depth = 0;
	jg__xml_init(&t);
	t.ud = x;
	t.start = start;
	t.end = end;
	t.read = feed_read;
	t.rd = &f;
	t.chunk = src->chunk;
	x->t = &t;
	rc = jg__xml_parse(&t);
	x->t = NULL;
	if (rc == JG__XML_NOT_UTF8 && !x->rc) {
		jg__xml_free(&t);
		return rc;
	}
	if (rc == 0 || x->rc || rc == JG__XML_STOPPED || rc == JG__XML_NOT_UTF8) {
		/* done, or the handlers or the reader stopped it and said why */
	} else if (rc == JG_ENOMEM) {
		fail_nomem(x);
	} else if (t.refused) {
		fail_at(x, rc, 0, 0, "%s %s", src->name, t.why);
	} else {
		int64_t row = 0;
		int32_t col = 0;

		if (where)
			where(x, &row, &col);
		if (row)
			fail_at(x, rc, row, col,
				"row %lld: the sheet is not well-formed XML: %s (%s, byte %llu)",
				(long long)row, t.why, src->name, (unsigned long long)t.at);
		else
			fail_at(x, rc, 0, 0, "%s is not well-formed XML: %s (byte %llu)", src->name,
				t.why, (unsigned long long)t.at);
	}
	if (rc && !x->rc) /* stopped without a reason: cannot happen */
		fail_at(x, JG_EFORMAT, 0, 0, "%s could not be read", src->name);
	jg__xml_free(&t);
	return x->rc;
}

/*
 * Resolves a relationship target against the directory of the part that owns the
 * relationships ("xl/"): "worksheets/sheet1.xml" -> "xl/worksheets/sheet1.xml", and
 * "/xl/worksheets/sheet1.xml" is taken from the package root. "." and ".." segments are
 * folded. False when the result does not fit or climbs above the root.
 */
static bool resolve(char *out, size_t outsz, const char *dir, const char *target)
{
	char tmp[PATH_LEN];
	size_t w = 0;
	int n;

	if (target[0] == '/')
		n = snprintf(tmp, sizeof(tmp), "%s", target + 1);
	else
		n = snprintf(tmp, sizeof(tmp), "%s%s", dir, target);
	if (n < 0 || (size_t)n >= sizeof(tmp) || outsz < sizeof(tmp))
		return false;
	for (const char *s = tmp; *s;) {
		const char *e = strchr(s, '/');
		size_t k = e ? (size_t)(e - s) : strlen(s);

		if ((k == 1 && s[0] == '.') || k == 0) {
			/* skip */
		} else if (k == 2 && s[0] == '.' && s[1] == '.') {
			if (w == 0)
				return false;
			while (w > 0 && out[w - 1] != '/')
				w--;
			if (w > 0)
				w--; /* drop the separator too */
			while (w > 0 && out[w - 1] != '/')
				w--;
		} else {
			memcpy(out + w, s, k);
			w += k;
			if (e)
				out[w++] = '/';
		}
		s = e ? e + 1 : s + k;
	}
	out[w] = '\0';
	return w > 0;
}

/* The directory of a part name, with its slash ("xl/workbook.xml" -> "xl/"). */
static void dir_of(char *out, size_t outsz, const char *part)
{
	const char *slash = strrchr(part, '/');
	size_t k = slash ? (size_t)(slash - part) + 1 : 0;

	if (k >= outsz)
		k = 0;
	memcpy(out, part, k);
	out[k] = '\0';
}

/* ---- workbook, relationships -------------------------------------------------------------- */

typedef struct sheet_ent {
	size_t name, rid, target; /* offsets into book.strs */
	bool visible, worksheet, has_target;
} sheet_ent;

typedef struct book {
	xr x;
	bool date1904;
	sheet_ent *sheets;
	size_t n, cap;
	jg_buf strs;           /* names, ids and targets, each NUL-terminated */
	char dir[PATH_LEN];    /* directory the relationships being read resolve against */
	char office[PATH_LEN]; /* the workbook part */
	char styles[PATH_LEN];
	char shared[PATH_LEN];
	bool root_rels; /* reading _rels/.rels rather than the workbook's */
} book;

/* Adds a NUL-terminated copy of `s` to b->strs; returns its offset, or SIZE_MAX on failure. */
static size_t book_str(book *b, const char *s)
{
	size_t off = b->strs.len;
	int rc = jg_buf_append(&b->strs, s, strlen(s) + 1);

	if (rc == JG_ENOMEM)
		fail_nomem(&b->x);
	else if (rc)
		fail_at(&b->x, JG_ELIMIT, 0, 0, "%s: sheet names and ids take too much space",
			b->x.part);
	return rc ? SIZE_MAX : off;
}

/* workbook.xml: the date system, and each <sheet> with its name, state and relationship id,
 * in tab order. */
static void XMLCALL book_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	book *b = ud;
	const char *ln = local(name);

	if (b->x.rc || !enter(&b->x))
		return;
	if (strcmp(ln, "workbookPr") == 0) {
		b->date1904 = xml_true(attr(atts, "date1904"));
	} else if (strcmp(ln, "sheet") == 0) {
		const char *nm = attr(atts, "name"), *rid = attr(atts, "id");
		const char *state = attr(atts, "state");
		sheet_ent *e;

		if (!nm || !rid)
			return;
		if (b->n == b->cap) {
			size_t ncap = b->cap ? b->cap * 2 : 8;
			sheet_ent *s;

			if (b->n >= MAX_SHEETS) {
				fail_at(&b->x, JG_ELIMIT, 0, 0,
					"the workbook lists more than %d sheets", MAX_SHEETS);
				return;
			}
			s = jg_realloc(b->sheets, ncap * sizeof(*s));
			if (!s) {
				fail_nomem(&b->x);
				return;
			}
			b->sheets = s;
			b->cap = ncap;
		}
		e = &b->sheets[b->n];
		memset(e, 0, sizeof(*e));
		e->visible = !state || strcmp(state, "visible") == 0;
		e->name = book_str(b, nm);
		e->rid = book_str(b, rid);
		if (!b->x.rc)
			b->n++;
	}
}

/* The end handler of parts where only start tags matter. */
static void XMLCALL any_end(void *ud, const XML_Char *name)
{
	xr *x = ud;

	(void)name;
	x->depth--;
}

/* A .rels part: in _rels/.rels the workbook part; in the workbook's, the part of each listed
 * sheet (and whether it is a worksheet), the styles and the shared strings. */
static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	book *b = ud;
	const char *id, *type, *target, *mode;
	char path[PATH_LEN];

	if (b->x.rc || !enter(&b->x) || strcmp(local(name), "Relationship") != 0)
		return;
	id = attr(atts, "Id");
	type = attr(atts, "Type");
	target = attr(atts, "Target");
	mode = attr(atts, "TargetMode");
	if (!id || !type || !target || (mode && strcmp(mode, "External") == 0))
		return;
	if (!resolve(path, sizeof(path), b->dir, target))
		return; /* a target we could not use anyway */
	if (b->root_rels) {
		if (ends_with(type, "/officeDocument") && !b->office[0])
			memcpy(b->office, path, sizeof(path));
		return;
	}
	if (ends_with(type, "/styles")) {
		memcpy(b->styles, path, sizeof(path));
		return;
	}
	if (ends_with(type, "/sharedStrings")) {
		memcpy(b->shared, path, sizeof(path));
		return;
	}
	for (size_t i = 0; i < b->n; i++) {
		sheet_ent *e = &b->sheets[i];

		if (!e->has_target && strcmp(b->strs.p + e->rid, id) == 0) {
			e->target = book_str(b, path);
			e->has_target = !b->x.rc;
			e->worksheet = ends_with(type, "/worksheet");
		}
	}
}

/* Copies `s` into `out` (size `outsz`), cut at a UTF-8 character boundary if it is long. */
static void copy_utf8(char *out, size_t outsz, const char *s)
{
	size_t n = strlen(s);

	if (n >= outsz) {
		n = outsz - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

/*
 * Picks the sheet: by name when `want` is given (NFC and ASCII case do not matter, as in
 * Excel), else the first visible worksheet, else the first worksheet. JG_ENOTFOUND names
 * the sheets there are when `want` is not one of them.
 */
static int choose_sheet(book *b, const char *want, const sheet_ent **out, jg_err *err)
{
	jg_buf a, c, list;
	const sheet_ent *pick = NULL;
	int rc = 0;

	jg_buf_init(&a, 4096);
	jg_buf_init(&c, 4096);
	jg_buf_init(&list, 200);
	if (want) {
		rc = jg_text_nfc(&a, want, strlen(want));
		if (rc) {
			rc = rc == JG_ENOMEM ? jg_err_set(err, rc, "out of memory")
					     : jg_err_set(err, JG_EINVAL,
							  "the sheet name asked for is "
							  "not valid UTF-8 or too long");
			goto out;
		}
		for (size_t i = 0; i < b->n && !pick; i++) {
			const char *nm = b->strs.p + b->sheets[i].name;

			jg_buf_reset(&c);
			rc = jg_text_nfc(&c, nm, strlen(nm));
			if (rc == JG_ENOMEM) {
				rc = jg_err_set(err, rc, "out of memory");
				goto out;
			}
			rc = 0; /* a name too long to be asked for is simply not a match */
			if (c.len && jg_ascii_eq_ci(jg_buf_str(&a), jg_buf_str(&c)))
				pick = &b->sheets[i];
			if (list.len < 150)
				jg_buf_printf(&list, "%s\"%s\"", i ? ", " : "", jg_buf_str(&c));
		}
		if (!pick) {
			rc = jg_err_set(err, JG_ENOTFOUND,
					"no sheet named \"%s\" (the workbook has %s)", want,
					b->n ? jg_buf_str(&list) : "no sheets");
			goto out;
		}
		if (!pick->has_target || !pick->worksheet) {
			rc = jg_err_set(err, JG_EFORMAT,
					"sheet \"%s\" is not a worksheet with cells", want);
			goto out;
		}
	} else {
		for (size_t i = 0; i < b->n && !pick; i++)
			if (b->sheets[i].visible && b->sheets[i].worksheet &&
			    b->sheets[i].has_target)
				pick = &b->sheets[i];
		for (size_t i = 0; i < b->n && !pick; i++)
			if (b->sheets[i].worksheet && b->sheets[i].has_target)
				pick = &b->sheets[i];
		if (!pick) {
			rc = jg_err_set(err, JG_EFORMAT, "the workbook has no worksheet");
			goto out;
		}
	}
	*out = pick;
out:
	jg_buf_free(&a);
	jg_buf_free(&c);
	jg_buf_free(&list);
	return rc;
}

/* ---- styles: which cell formats are dates ------------------------------------------------ */

typedef struct numfmt {
	uint32_t id;
	bool date;
} numfmt;

typedef struct styles {
	xr x;
	int in_numfmts, in_cellxfs;
	numfmt *fmts;
	size_t nf, capf;
	uint32_t *xf; /* numFmtId of each cellXfs entry */
	size_t nx, capx;
} styles;

/* Parses the decimal uint32 in s[0..n); false for anything else. */
static bool parse_u32n(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > 0xffffffffu)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	return s && parse_u32n(s, strlen(s), out);
}

/* Grows an array of `size`-byte items to hold one more; false (and a failure) past `max`. */
static bool grow_array(xr *x, void **arr, size_t *cap, size_t n, size_t size, size_t max,
		       const char *what)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return true;
	if (n >= max) {
		fail_at(x, JG_ELIMIT, 0, 0, "%s has more than %zu %s", x->part, max, what);
		return false;
	}
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > max)
		ncap = max;
	p = jg_realloc(*arr, ncap * size);
	if (!p) {
		fail_nomem(x);
		return false;
	}
	*arr = p;
	*cap = ncap;
	return true;
}

/* styles.xml: custom number formats (<numFmts>) and the number format of each cell format
 * (<cellXfs>; <cellStyleXfs> is not what cells point at). */
static void XMLCALL styles_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	styles *s = ud;
	const char *ln = local(name);
	uint32_t id = 0;

	if (s->x.rc || !enter(&s->x))
		return;
	if (strcmp(ln, "numFmts") == 0) {
		s->in_numfmts++;
	} else if (strcmp(ln, "cellXfs") == 0) {
		s->in_cellxfs++;
	} else if (s->in_numfmts && strcmp(ln, "numFmt") == 0) {
		const char *code = attr(atts, "formatCode");

		if (!parse_u32(attr(atts, "numFmtId"), &id) || !code)
			return;
		if (!grow_array(&s->x, (void **)&s->fmts, &s->capf, s->nf, sizeof(*s->fmts),
				MAX_NUMFMTS, "number formats"))
			return;
		s->fmts[s->nf].id = id;
		s->fmts[s->nf].date = jg__excel_is_date_format((int)(id & 0x7fffffff), code);
		s->nf++;
	} else if (s->in_cellxfs && strcmp(ln, "xf") == 0) {
		if (!grow_array(&s->x, (void **)&s->xf, &s->capx, s->nx, sizeof(*s->xf), MAX_XFS,
				"cell formats"))
			return;
		if (!parse_u32(attr(atts, "numFmtId"), &id))
			id = 0;
		s->xf[s->nx++] = id;
	}
}

/* Leaves <numFmts> and <cellXfs>. */
static void XMLCALL styles_end(void *ud, const XML_Char *name)
{
	styles *s = ud;
	const char *ln = local(name);

	s->x.depth--;
	if (strcmp(ln, "numFmts") == 0 && s->in_numfmts)
		s->in_numfmts--;
	else if (strcmp(ln, "cellXfs") == 0 && s->in_cellxfs)
		s->in_cellxfs--;
}

/* After styles.xml: one flag per cell format, true when it shows a date. A custom format
 * with the same id as a built-in one wins, as in Excel. */
static int styles_resolve(styles *s, bool **out)
{
	bool *d = jg_calloc(s->nx ? s->nx : 1, sizeof(*d));

	if (!d) {
		fail_nomem(&s->x);
		return s->x.rc;
	}
	for (size_t i = 0; i < s->nx; i++) {
		size_t k = 0;

		for (; k < s->nf && s->fmts[k].id != s->xf[i]; k++)
			;
		d[i] = k < s->nf ? s->fmts[k].date
				 : jg__excel_is_date_format((int)(s->xf[i] & 0x7fffffff), NULL);
	}
	*out = d;
	return 0;
}

/* ---- text helpers ------------------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* True when s[i..] is an OOXML escape "_xHHHH_"; *cu gets the UTF-16 code unit. */
static bool escape_at(const char *s, size_t n, size_t i, unsigned *cu)
{
	unsigned v = 0;

	if (i + 7 > n || s[i] != '_' || s[i + 1] != 'x' || s[i + 6] != '_')
		return false;
	for (size_t k = 2; k < 6; k++) {
		int h = hexval(s[i + k]);

		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	*cu = v;
	return true;
}

/*
 * Decodes the OOXML escapes "_xHHHH_" in place and returns the new length: Excel writes
 * characters XML cannot carry (control characters, a literal "_x0041_" as "_x005F_x0041_")
 * this way. A surrogate pair gives one character; a lone surrogate and NUL become U+FFFD,
 * so the result stays valid UTF-8 without NULs. The text never gets longer.
 */
static size_t unescape(char *s, size_t n)
{
	const char *first = n ? memchr(s, '_', n) : NULL;
	size_t w, i;

	if (!first)
		return n;
	w = i = (size_t)(first - s);
	while (i < n) {
		unsigned cu, lo;

		if (s[i] == '_' && escape_at(s, n, i, &cu)) {
			uint32_t cp = cu;

			i += 7;
			if (cu >= 0xd800 && cu <= 0xdbff && escape_at(s, n, i, &lo) &&
			    lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cu - 0xd800) << 10) + (lo - 0xdc00);
				i += 7;
			} else if ((cu >= 0xd800 && cu <= 0xdfff) || cu == 0) {
				cp = 0xfffd;
			}
			w += jg_utf8_put(s + w, cp);
		} else {
			s[w++] = s[i++];
		}
	}
	return w;
}

/* ---- shared strings ----------------------------------------------------------------------- */

/* The shared-string table: every string in one buffer, each followed by a NUL, and the
 * offset of each; off[n] is the end. The offsets count against max_strings too. */
typedef struct sst {
	jg_buf text;
	size_t *off;
	size_t n, cap;
} sst;

typedef struct sst_st {
	xr x;
	sst *t;
	int in_si, rph, in_t;
	size_t start, tstart;
} sst_st;

/* Text of a <t> in an <si> (not in a phonetic run), capped per string and in total. */
static void sst_text(void *ud, const char *s, size_t len)
{
	sst_st *st = ud;
	int rc;

	if (st->x.rc || !st->in_t)
		return;
	if (st->t->text.len - st->start + len > st->x.lim->max_cell) {
		fail_at(&st->x, JG_ELIMIT, 0, 0, "%s: shared string %zu is longer than %zu bytes",
			st->x.part, st->t->n, st->x.lim->max_cell);
		return;
	}
	rc = jg_buf_append(&st->t->text, s, len);
	if (rc == JG_ENOMEM)
		fail_nomem(&st->x);
	else if (rc)
		fail_at(&st->x, JG_ELIMIT, 0, 0, "the shared strings take more than %llu bytes",
			(unsigned long long)st->x.lim->max_strings);
}

static void XMLCALL sst_chars(void *ud, const XML_Char *s, int len)
{
	sst_text(ud, s, (size_t)len);
}

static bool name_is(const char *ln, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(ln, want, n) == 0;
}

/* <si> starts a string; its <t> elements (plain, or in rich-text runs <r>) are joined;
 * <rPh> phonetic runs are skipped. True when a <t> whose text counts opened. The same
 * for both parsers: `ln` is the local name, `n` its length. */
static bool sst_open(sst_st *st, const char *ln, size_t n)
{
	if (name_is(ln, n, "si")) {
		st->in_si = 1;
		st->rph = 0;
		st->start = st->t->text.len;
	} else if (st->in_si && name_is(ln, n, "rPh")) {
		st->rph++;
	} else if (st->in_si && !st->rph && name_is(ln, n, "t")) {
		st->in_t = 1;
		st->tstart = st->t->text.len;
		return true;
	}
	return false;
}

static void sst_close(sst_st *st, const char *ln, size_t n);

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	sst_st *st = ud;
	const char *ln = local(name);

	(void)atts;
	if (st->x.rc || !enter(&st->x))
		return;
	if (sst_open(st, ln, strlen(ln)))
		XML_SetCharacterDataHandler(st->x.p, sst_chars);
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
	sst_st *st = ud;
	const char *ln = local(name);

	st->x.depth--;
	if (st->x.rc)
		return;
	sst_close(st, ln, strlen(ln));
	if (!st->in_t)
		XML_SetCharacterDataHandler(st->x.p, NULL);
}

/* The tokenizer's handlers (the depth is the tokenizer's to count and cap). */
static void sst_tok_start(void *ud, const char *ln, size_t n, const jg__xml_att *atts, size_t natts)
{
	sst_st *st = ud;

	(void)atts, (void)natts;
	if (st->x.rc)
		return;
	if (sst_open(st, ln, n))
		st->x.t->text = sst_text;
}

static void sst_tok_end(void *ud, const char *ln, size_t n)
{
	sst_st *st = ud;

	if (st->x.rc)
		return;
	sst_close(st, ln, n);
	if (!st->in_t)
		st->x.t->text = NULL;
}

/* Ends a <t> (escapes decoded) or an <si> (NUL-terminated, offset recorded). */
static void sst_close(sst_st *st, const char *ln, size_t n)
{
	sst *t = st->t;

	if (st->in_t && name_is(ln, n, "t")) {
		st->in_t = 0;
		t->text.len = st->tstart + unescape(t->text.p ? t->text.p + st->tstart : NULL,
						    t->text.len - st->tstart);
	} else if (st->in_si && name_is(ln, n, "rPh") && st->rph) {
		st->rph--;
	} else if (st->in_si && name_is(ln, n, "si")) {
		int rc;

		st->in_si = 0;
		/* The NUL that ends the string, then room for this offset and the end one. */
		rc = jg_buf_append(&t->text, "", 1);
		if (rc == 0 && (t->n + 2) * sizeof(size_t) > st->x.lim->max_strings - t->text.len)
			rc = JG_ELIMIT;
		if (rc == 0 && !grow_array(&st->x, (void **)&t->off, &t->cap, t->n + 1,
					   sizeof(*t->off), SIZE_MAX / sizeof(*t->off), "strings"))
			return;
		if (rc == JG_ENOMEM) {
			fail_nomem(&st->x);
			return;
		}
		if (rc) {
			fail_at(&st->x, JG_ELIMIT, 0, 0,
				"the shared strings take more than %llu bytes",
				(unsigned long long)st->x.lim->max_strings);
			return;
		}
		t->off[t->n++] = st->start;
		t->off[t->n] = t->text.len;
	}
}

/* ---- the sheet ---------------------------------------------------------------------------- */

enum ctype { CT_N, CT_S, CT_STR, CT_INLINE, CT_B, CT_E, CT_D };

typedef struct sheet_st {
	xr x;
	const sst *strings;
	const bool *xf_date;
	size_t nxf;
	bool date1904;
	jg_sheet_cb cb;
	void *payload;

	int in_data; /* inside <sheetData> */
	int in_row, in_c, in_is, rph;
	int collecting; /* 0, or the element whose text is wanted: 'v', or 't' of inline text */
	bool row_known; /* the row number came from r= (or a cell reference) */
	int64_t row, prev_row;
	int64_t rows_seen;

	jg_cell *cells; /* this row's cells; text is NULL until the row ends for buffered text */
	size_t *offs;   /* offset of each buffered cell's text in `text` */
	size_t cap;     /* entries in cells and offs */
	size_t hi;      /* cells[0..hi) may be set in this row */
	size_t n;       /* 1 + the last column holding a value */
	jg_buf text;    /* this row's cell text */

	uint32_t col, last_col; /* 1-based column of the cell being read */
	enum ctype type;
	uint32_t style;
	size_t vstart, tstart; /* where the cell's text and the current <t> start in `text` */

	jg__xml_att *xatts; /* expat's attributes in the tokenizer's form (expat path only) */
	size_t xatts_cap;
} sheet_st;

/* Column letters for messages ("AB"). */
static const char *col_name(char out[8], uint32_t col)
{
	char tmp[8];
	size_t k = 0, w = 0;

	while (col > 0 && k < 7) {
		col--;
		tmp[k++] = (char)('A' + col % 26);
		col /= 26;
	}
	while (k > 0)
		out[w++] = tmp[--k];
	out[w] = '\0';
	return out;
}

/* Where the sheet parser is, for messages about malformed XML: the open row (or the one
 * after the last row), and the open cell. */
static void sheet_where(xr *x, int64_t *row, int32_t *col)
{
	sheet_st *s = (sheet_st *)x;

	*row = s->in_row ? s->row : s->in_data ? s->prev_row + 1 : 0;
	*col = s->in_c ? (int32_t)s->col : 0;
}

/* Fails at the current row and cell. */
#define SHEET_FAIL(s, code, ...) \
	fail_at(&(s)->x, code, (s)->row, (s)->in_c ? (int32_t)(s)->col : 0, __VA_ARGS__)

/* Parses a cell reference ("B12", `n` bytes): the column, and the row when it has one
 * (else 0). r[n] must be readable and neither a letter, a digit nor '$': every attribute
 * value is followed by its NUL or its closing quote. */
static bool parse_ref(const char *r, size_t n, uint32_t *col, int64_t *row)
{
	uint32_t c = 0;
	int64_t w = 0;
	size_t i = 0;

	for (; (unsigned char)((r[i] | 0x20) - 'a') < 26; i++) {
		if (i == 3)
			return false;
		c = c * 26 + (uint32_t)((r[i] | 0x20) - 'a' + 1);
	}
	if (r[i] == '$')
		i++;
	for (; (unsigned char)(r[i] - '0') < 10; i++) {
		w = w * 10 + (r[i] - '0');
		if (w > MAX_ROW_NUM)
			return false;
	}
	if (i != n || c > MAX_COL)
		return false;
	*col = c;
	*row = w;
	return true;
}

/* The value of the attribute whose local name is `want`, or NULL. */
static const char *att_value(const jg__xml_att *atts, size_t natts, const char *want)
{
	for (size_t i = 0; i < natts; i++)
		if (strcmp(atts[i].local, want) == 0)
			return atts[i].value;
	return NULL;
}

/* <row>: the row number from r=, else the one after the previous row (a cell reference may
 * still say otherwise); the cells of the previous row are cleared. */
static void row_start(sheet_st *s, const jg__xml_att *atts, size_t natts)
{
	const char *r = att_value(atts, natts, "r");

	if (s->in_row) {
		SHEET_FAIL(s, JG_EFORMAT, "row %lld: a row inside a row", (long long)s->row);
		return;
	}
	s->in_row = 1;
	s->row_known = false;
	s->row = s->prev_row + 1;
	if (r) {
		int64_t v = 0;

		for (const char *p = r; *p; p++) {
			if (*p < '0' || *p > '9' || (v = v * 10 + (*p - '0')) > MAX_ROW_NUM) {
				v = 0;
				break;
			}
		}
		if (v < 1) {
			SHEET_FAIL(s, JG_EFORMAT, "row %lld: \"%.20s\" is not a row number",
				   (long long)s->row, r);
			return;
		}
		s->row = v;
		s->row_known = true;
	}
	for (size_t i = 0; i < s->hi; i++) {
		s->cells[i].type = JG_CELL_EMPTY;
		s->cells[i].text = "";
		s->cells[i].len = 0;
	}
	s->hi = 0;
	s->n = 0;
	s->last_col = 0;
	jg_buf_reset(&s->text);
}

/* </row>: rows must come in order; a row with a value in it goes to the callback, whose
 * non-zero return stops the parse and becomes the result. */
static void row_end(sheet_st *s)
{
	jg_sheet_row r;
	int rc;

	s->in_row = 0;
	if (s->row <= s->prev_row) {
		SHEET_FAIL(s, JG_EFORMAT, "row %lld comes after row %lld; rows must be in order",
			   (long long)s->row, (long long)s->prev_row);
		return;
	}
	s->prev_row = s->row;
	if (s->n == 0)
		return; /* nothing in it */
	for (size_t i = 0; i < s->n; i++)
		if (s->cells[i].type != JG_CELL_EMPTY && !s->cells[i].text)
			s->cells[i].text = s->text.p + s->offs[i];
	r.row = s->row;
	r.cells = s->cells;
	r.n = s->n;
	s->rows_seen++;
	rc = s->cb(&r, s->payload);
	if (rc) {
		if (!s->x.rc)
			s->x.rc = rc;
		stop(&s->x);
	}
}

/* The cell type written in t= (`n` bytes); false for one that does not exist. */
static bool cell_type(const char *t, size_t n, enum ctype *out)
{
	if (n == 1) {
		switch (t[0]) {
		case 'n': *out = CT_N; return true;
		case 's': *out = CT_S; return true;
		case 'b': *out = CT_B; return true;
		case 'e': *out = CT_E; return true;
		case 'd': *out = CT_D; return true;
		default: return false;
		}
	}
	if (n == 3 && memcmp(t, "str", 3) == 0) {
		*out = CT_STR;
		return true;
	}
	if (n == 9 && memcmp(t, "inlineStr", 9) == 0) {
		*out = CT_INLINE;
		return true;
	}
	return false;
}

/* <c>: its column (from r=, else the next one), type and style. Values are taken by their
 * lengths (those from cell_tag() are not NUL-terminated). */
static void cell_start(sheet_st *s, const jg__xml_att *atts, size_t natts)
{
	const jg__xml_att *r = NULL, *t = NULL, *st = NULL;
	uint32_t col = 0;
	int64_t rrow = 0;

	if (s->in_c) {
		SHEET_FAIL(s, JG_EFORMAT, "row %lld: a cell inside a cell", (long long)s->row);
		return;
	}
	for (size_t i = 0; i < natts; i++) {
		const char *an = atts[i].local;

		if (an[0] && !an[1]) {
			if (an[0] == 'r')
				r = &atts[i];
			else if (an[0] == 't')
				t = &atts[i];
			else if (an[0] == 's')
				st = &atts[i];
		}
	}
	if (r && !parse_ref(r->value, r->vlen, &col, &rrow)) {
		SHEET_FAIL(s, JG_EFORMAT, "row %lld: \"%.*s\" is not a cell reference",
			   (long long)s->row, (int)(r->vlen < 20 ? r->vlen : 20), r->value);
		return;
	}
	if (rrow && !s->row_known) {
		s->row = rrow;
		s->row_known = true;
	}
	s->col = col ? col : s->last_col + 1;
	s->last_col = s->col;
	s->in_c = 1;
	if (s->col > MAX_COL) {
		SHEET_FAIL(s, JG_EFORMAT, "row %lld has a cell past column XFD", (long long)s->row);
		return;
	}
	s->type = CT_N;
	if (t && !cell_type(t->value, t->vlen, &s->type)) {
		char cn[8];

		SHEET_FAIL(s, JG_EFORMAT, "row %lld, column %s: unknown cell type \"%.*s\"",
			   (long long)s->row, col_name(cn, s->col),
			   (int)(t->vlen < 20 ? t->vlen : 20), t->value);
		return;
	}
	if (!st || !parse_u32n(st->value, st->vlen, &s->style))
		s->style = 0;
	s->vstart = s->text.len;
	s->in_is = 0;
	s->rph = 0;
}

/* Trims ASCII blanks from both ends of [*p, *p + *n). */
static void trim(const char **p, size_t *n)
{
	while (*n && ((*p)[0] == ' ' || (*p)[0] == '\t' || (*p)[0] == '\r' || (*p)[0] == '\n'))
		(*p)++, (*n)--;
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' || (*p)[*n - 1] == '\r' ||
		      (*p)[*n - 1] == '\n'))
		(*n)--;
}

/*
 * Parses a decimal number as spreadsheets write it ("45000", "45000.604166666664",
 * "4.5E+4") without the C locale's help: strtod would read "45000.5" wrong under a locale
 * with a decimal comma. Precision beyond what a date needs is not the aim.
 */
static bool parse_number(const char *p, size_t n, double *out)
{
	static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	uint64_t mant = 0;
	int exp10 = 0, e = 0, esign = 1;
	bool neg = false, any = false;
	size_t i = 0;
	double v;

	if (i < n && (p[i] == '-' || p[i] == '+'))
		neg = p[i++] == '-';
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, any = true) {
		if (mant < 100000000000000000ull)
			mant = mant * 10 + (uint64_t)(p[i] - '0');
		else
			exp10++;
	}
	if (i < n && p[i] == '.')
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++, any = true)
			if (mant < 100000000000000000ull) {
				mant = mant * 10 + (uint64_t)(p[i] - '0');
				exp10--;
			}
	if (!any)
		return false;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		bool digits = false;

		i++;
		if (i < n && (p[i] == '-' || p[i] == '+'))
			esign = p[i++] == '-' ? -1 : 1;
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits = true)
			if (e < 10000)
				e = e * 10 + (p[i] - '0');
		if (!digits)
			return false;
		exp10 += esign * e;
	}
	if (i != n)
		return false;
	v = (double)mant;
	while (exp10 > 22 && v < 1e300)
		v *= 1e22, exp10 -= 22;
	while (exp10 < -22 && v > 0)
		v /= 1e22, exp10 += 22;
	if (exp10 > 22)
		v = HUGE_VAL; /* overflow: rejected by the caller */
	else if (exp10 >= 0)
		v *= p10[exp10];
	else if (exp10 >= -22)
		v /= p10[-exp10];
	*out = neg ? -v : v;
	return true;
}

/*
 * Rewrites an ISO 8601 date cell (t="d", written by some tools) as "YYYY-MM-DD" or
 * "YYYY-MM-DD HH:MM:SS" into `out` (>= 20 bytes); false when it is not that shape.
 */
static bool iso_date(const char *p, size_t n, char *out)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";

	if (n < 10 || (n > 10 && n < 19))
		return false;
	for (size_t k = 0; k < (n == 10 ? 10 : 19); k++) {
		char want = shape[k];

		if (k == 10       ? (p[k] != 'T' && p[k] != ' ')
		    : want == 'd' ? (p[k] < '0' || p[k] > '9')
				  : p[k] != want)
			return false;
	}
	if (n > 19 && !memchr(".Z+-", p[19], 4))
		return false;
	memcpy(out, p, n == 10 ? 10 : 19);
	out[n == 10 ? 10 : 19] = '\0';
	if (n > 10) {
		out[10] = ' ';
		if (memcmp(out + 11, "00:00:00", 8) == 0)
			out[10] = '\0';
	}
	return true;
}

/* Makes room for column `col` in this row's arrays and marks the columns up to it. */
static bool row_room(sheet_st *s, uint32_t col)
{
	if (col > s->cap) {
		size_t ncap = s->cap ? s->cap : 32;
		jg_cell *c;
		size_t *o;

		while (ncap < col)
			ncap *= 2;
		c = jg_realloc(s->cells, ncap * sizeof(*c));
		if (c)
			s->cells = c;
		o = c ? jg_realloc(s->offs, ncap * sizeof(*o)) : NULL;
		if (!o) {
			fail_nomem(&s->x);
			return false;
		}
		s->offs = o;
		s->cap = ncap;
	}
	while (s->hi < col) {
		s->cells[s->hi].type = JG_CELL_EMPTY;
		s->cells[s->hi].text = "";
		s->cells[s->hi].len = 0;
		s->hi++;
	}
	return true;
}

/* Appends to the row text, reporting a failure at the cell. Done here while the buffer has
 * room (it nearly always has), through jg_buf_append when it must grow or is full. */
static inline bool text_append(sheet_st *s, const char *p, size_t n)
{
	jg_buf *b = &s->text;
	int rc;

	if (b->alloc - b->len > n && n <= b->max - b->len) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
		b->p[b->len] = '\0';
		return true;
	}
	rc = jg_buf_append(b, p, n);

	if (rc == JG_ENOMEM)
		fail_nomem(&s->x);
	else if (rc)
		SHEET_FAIL(s, JG_ELIMIT, "row %lld holds too much text", (long long)s->row);
	return rc == 0;
}

/*
 * Ends a cell: turns the text collected for it (in `text` from vstart) into the value its
 * type says, and stores it in the row. Shared strings point into the table; everything
 * else stays in `text`, NUL-terminated. A cell whose value is empty stays JG_CELL_EMPTY.
 */
static void cell_store(sheet_st *s)
{
	char *start = s->text.p ? s->text.p + s->vstart : NULL;
	const char *raw = start ? start : "";
	size_t rawlen = s->text.len - s->vstart;
	jg_cell_type type = JG_CELL_TEXT;
	const char *ext = NULL; /* text in the shared-string table */
	const char *lit = NULL; /* text that replaces what was collected */
	size_t len = 0;
	char tmp[32], cn[8];
	double serial;
	uint32_t idx;
	jg_cell *c;

	switch (s->type) {
	case CT_N:
		trim(&raw, &rawlen);
		type = JG_CELL_NUMBER;
		if (rawlen && s->style < s->nxf && s->xf_date[s->style] &&
		    parse_number(raw, rawlen, &serial) &&
		    jg__excel_date(tmp, sizeof(tmp), serial, s->date1904) == 0) {
			type = JG_CELL_DATE;
			lit = tmp;
		}
		break;
	case CT_S:
		trim(&raw, &rawlen);
		if (rawlen == 0)
			break;
		if (!parse_u32n(raw, rawlen, &idx) || idx >= s->strings->n) {
			SHEET_FAIL(
				s, JG_EFORMAT,
				"row %lld, column %s: shared string \"%.*s\" does not exist (the "
				"workbook has %zu)",
				(long long)s->row, col_name(cn, s->col),
				(int)(rawlen < 20 ? rawlen : 20), raw, s->strings->n);
			return;
		}
		ext = s->strings->text.p + s->strings->off[idx];
		len = s->strings->off[idx + 1] - s->strings->off[idx] - 1;
		break;
	case CT_STR: rawlen = unescape(start, rawlen); break;
	case CT_INLINE: break; /* each <t> was unescaped when it ended */
	case CT_B:
		trim(&raw, &rawlen);
		if (rawlen == 0)
			break;
		type = JG_CELL_BOOL;
		if (rawlen == 1 && (raw[0] == '1' || raw[0] == '0'))
			lit = raw[0] == '1' ? "TRUE" : "FALSE";
		else if (rawlen == 4 && memcmp(raw, "true", 4) == 0)
			lit = "TRUE";
		else if (rawlen == 5 && memcmp(raw, "false", 5) == 0)
			lit = "FALSE";
		else {
			SHEET_FAIL(s, JG_EFORMAT, "row %lld, column %s: \"%.*s\" is not a boolean",
				   (long long)s->row, col_name(cn, s->col),
				   (int)(rawlen < 20 ? rawlen : 20), raw);
			return;
		}
		break;
	case CT_E: type = JG_CELL_ERROR; break;
	case CT_D:
		trim(&raw, &rawlen);
		if (rawlen && iso_date(raw, rawlen, tmp)) {
			type = JG_CELL_DATE;
			lit = tmp;
		}
		break;
	}

	/* Leave exactly this cell's text at vstart (nothing for a shared string). */
	if (ext) {
		s->text.len = s->vstart;
	} else if (lit) {
		s->text.len = s->vstart;
		if (!text_append(s, lit, strlen(lit)))
			return;
		len = strlen(lit);
	} else {
		if (rawlen && raw != start)
			memmove(start, raw, rawlen);
		s->text.len = s->vstart + rawlen;
		len = rawlen;
	}
	if (len == 0) {
		s->text.len = s->vstart;
		return;
	}
	if (s->col > s->x.lim->max_cols) {
		SHEET_FAIL(s, JG_ELIMIT,
			   "row %lld has a value in column %s, past the limit of %zu columns",
			   (long long)s->row, col_name(cn, s->col), s->x.lim->max_cols);
		return;
	}
	if (!row_room(s, s->col))
		return;
	c = &s->cells[s->col - 1];
	if (c->type != JG_CELL_EMPTY) {
		SHEET_FAIL(s, JG_EFORMAT, "row %lld has two cells in column %s", (long long)s->row,
			   col_name(cn, s->col));
		return;
	}
	if (!ext && s->text.alloc - s->text.len > 1 && s->text.len < s->text.max) {
		/* the NUL that ends this cell's text (len may have been cut, so write it) */
		s->text.p[s->text.len++] = '\0';
		s->text.p[s->text.len] = '\0';
	} else if (!ext && !text_append(s, "", 1)) {
		return;
	}
	c->type = type;
	c->text = ext; /* NULL for buffered text: set when the row ends, as `text` may move */
	c->len = len;
	s->offs[s->col - 1] = s->vstart;
	if (s->col > s->n)
		s->n = s->col;
}

/* </c>: stores the value and leaves the cell. */
static void cell_end(sheet_st *s)
{
	cell_store(s);
	s->in_c = 0;
	s->in_is = 0;
}

/* Text of the current cell's <v> or inline <t>, appended to the row text, capped per cell. */
static void sheet_text(void *ud, const char *t, size_t len)
{
	sheet_st *s = ud;
	char cn[8];

	if (s->x.rc)
		return;
	if (s->text.len - s->vstart + len > s->x.lim->max_cell) {
		SHEET_FAIL(s, JG_ELIMIT, "row %lld, column %s: the cell holds more than %zu bytes",
			   (long long)s->row, col_name(cn, s->col), s->x.lim->max_cell);
		return;
	}
	text_append(s, t, len);
}

/* True when the `n` bytes at `a` are those of the literal `lit`. */
#define IS(a, n, lit) ((n) == sizeof(lit) - 1 && memcmp((a), (lit), sizeof(lit) - 1) == 0)

/* Worksheet start tags (local name `ln`, `n` bytes); only what is inside <sheetData>
 * matters. <v>, and <t> of inline text, set `collecting`: the parser's text is wanted until
 * that same element ends (an <is> inside a <v> does not make its <t> end the value). */
static inline void sheet_open(sheet_st *s, const char *ln, size_t n, const jg__xml_att *atts,
			      size_t natts)
{
	if (s->x.rc)
		return;
	if (!s->in_data) {
		if (IS(ln, n, "sheetData"))
			s->in_data = 1;
		return;
	}
	switch (ln[0]) {
	case 'r':
		if (IS(ln, n, "row"))
			row_start(s, atts, natts);
		else if (s->in_is && IS(ln, n, "rPh"))
			s->rph++;
		break;
	case 'c':
		if (n == 1 && s->in_row)
			cell_start(s, atts, natts);
		break;
	case 'v':
		if (n == 1 && s->in_c && !s->in_is && !s->collecting)
			s->collecting = 'v';
		break;
	case 'i':
		if (s->in_c && IS(ln, n, "is"))
			s->in_is = 1;
		break;
	case 't':
		if (n == 1 && s->in_is && !s->rph && !s->collecting) {
			s->collecting = 't';
			s->tstart = s->text.len;
		}
		break;
	default: break;
	}
}

/* Worksheet end tags: the ends of values, inline text, cells, rows and sheetData. */
static inline void sheet_close(sheet_st *s, const char *ln, size_t n)
{
	if (s->x.rc || !s->in_data)
		return;
	switch (ln[0]) {
	case 'v':
		if (n == 1 && s->collecting == 'v')
			s->collecting = 0;
		break;
	case 't':
		if (n == 1 && s->collecting == 't') {
			s->collecting = 0;
			s->text.len = s->tstart + unescape(s->text.p ? s->text.p + s->tstart : NULL,
							   s->text.len - s->tstart);
		}
		break;
	case 'c':
		if (n == 1 && s->in_c)
			cell_end(s);
		break;
	case 'r':
		if (IS(ln, n, "row") && s->in_row)
			row_end(s);
		else if (s->in_is && s->rph && IS(ln, n, "rPh"))
			s->rph--;
		break;
	case 'i':
		if (IS(ln, n, "is"))
			s->in_is = 0;
		break;
	case 's':
		if (IS(ln, n, "sheetData"))
			s->in_data = 0;
		break;
	default: break;
	}
}

/*
 * The content of the cell just opened, when it has one of the shapes nearly every writer
 * uses, "<v>TEXT</v></c>" and "<is><t>TEXT</t></is></c>" with plain text, read from the
 * `n` bytes at `a` and given to the sheet handlers just as the events would have been.
 * Returns the bytes used, or 0 (nothing done) for anything else: a namespace prefix, a
 * formula, rich text, a reference or CR in the text, a cell cut by the end of the buffer.
 */
static size_t cell_content(sheet_st *s, const char *a, size_t n)
{
	size_t k;

	if (s->type == CT_INLINE) {
		if (n < 20 || memcmp(a, "<is><t>", 7) != 0)
			return 0;
		k = jg__xml_plain(a + 7, n - 7);
		if (n - 7 - k < 13 || memcmp(a + 7 + k, "</t></is></c>", 13) != 0)
			return 0;
		sheet_open(s, "is", 2, NULL, 0);
		sheet_open(s, "t", 1, NULL, 0);
		if (k)
			sheet_text(s, a + 7, k);
		sheet_close(s, "t", 1);
		sheet_close(s, "is", 2);
		k += 20;
	} else {
		if (n < 11 || memcmp(a, "<v>", 3) != 0)
			return 0;
		k = jg__xml_plain(a + 3, n - 3);
		if (n - 3 - k < 8 || memcmp(a + 3 + k, "</v></c>", 8) != 0)
			return 0;
		sheet_open(s, "v", 1, NULL, 0);
		if (k)
			sheet_text(s, a + 3, k);
		sheet_close(s, "v", 1);
		k += 11;
	}
	sheet_close(s, "c", 1);
	return k;
}

/* ASCII letters and digits: the bytes of the attribute values cell_tag() takes. */
/* clang-format off */
static const unsigned char alnum_tab[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* clang-format on */

/*
 * The start tag of a cell in its usual shape at a[0..n): "<c", then attributes r, t and s,
 * each at most once, in any order, each as one space, the name, '="', ASCII letters and
 * digits and '"', then '>'. Returns its length with the attributes in `atts`, or 0 for
 * anything else, which the tokenizer then reads: what is taken here it would read the same
 * way. The values point into `a` and are not NUL-terminated: cell_start() goes by the
 * lengths. The NUL that ends the buffer stops every scan here.
 */
static size_t cell_tag(const char *a, size_t n, jg__xml_att atts[3], size_t *natts)
{
	static const char *const names[] = {"r", "t", "s"};
	size_t p = 2, na = 0;

	if (n < 3 || a[0] != '<' || a[1] != 'c')
		return 0;
	for (;;) {
		size_t v, which;

		if (a[p] == '>')
			break;
		if (n - p < 5 || a[p] != ' ' || a[p + 2] != '=' || a[p + 3] != '"')
			return 0;
		which = a[p + 1] == 'r' ? 0 : a[p + 1] == 't' ? 1 : a[p + 1] == 's' ? 2 : 3;
		if (which == 3)
			return 0;
		for (size_t i = 0; i < na; i++)
			if (atts[i].name == names[which])
				return 0;   /* repeated: the tokenizer says so */
		for (v = p += 4;; p += 4) { /* four at a time: the NUL at the end stops it */
			if (!alnum_tab[(unsigned char)a[p]])
				break;
			if (!alnum_tab[(unsigned char)a[p + 1]]) {
				p += 1;
				break;
			}
			if (!alnum_tab[(unsigned char)a[p + 2]]) {
				p += 2;
				break;
			}
			if (!alnum_tab[(unsigned char)a[p + 3]]) {
				p += 3;
				break;
			}
		}
		if (a[p] != '"')
			return 0;
		atts[na].name = atts[na].local = names[which];
		atts[na].value = a + v;
		atts[na].vlen = p - v;
		na++;
		p++;
	}
	*natts = na;
	return p + 1;
}

/*
 * The shortcut through a row (jg__xml_ahead()): right after <c ...>, the cell's content
 * and end, and then cell after cell of the same row, as long as cell_content() and
 * cell_tag() know their shapes; the tokenizer takes over at the first thing they do not
 * know, so the rows are the same either way (the tests and the fuzzer hold it to that).
 */
static void cell_shortcut(sheet_st *s)
{
	size_t n = 0, k = 0;
	const char *a = jg__xml_ahead(s->x.t, &n);

	if (!a)
		return;
	for (;;) {
		jg__xml_att atts[3];
		size_t natts = 0, used = cell_content(s, a + k, n - k);

		if (!used) {
			if (k) /* inside a cell opened here: the tokenizer reads its content */
				jg__xml_skip(s->x.t, k, false);
			return;
		}
		k += used;
		if (s->x.rc)
			return; /* a handler failed and stopped the parse */
		used = cell_tag(a + k, n - k, atts, &natts);
		if (!used) {
			jg__xml_skip(s->x.t, k, true);
			return;
		}
		k += used;
		sheet_open(s, "c", 1, atts, natts);
		if (s->x.rc)
			return;
	}
}

/* The tokenizer's handlers: the sheet handlers, and text only while a value is open. */
static void tok_start(void *ud, const char *ln, size_t n, const jg__xml_att *atts, size_t natts)
{
	sheet_st *s = ud;

	sheet_open(s, ln, n, atts, natts);
	if (n == 1 && ln[0] == 'c' && s->in_c && !s->x.rc)
		cell_shortcut(s);
	s->x.t->text = s->collecting ? sheet_text : NULL;
}

static void tok_end(void *ud, const char *ln, size_t n)
{
	sheet_st *s = ud;

	sheet_close(s, ln, n);
	s->x.t->text = s->collecting ? sheet_text : NULL;
}

/* expat's handlers (a sheet in another encoding, and the tests' comparison): the same, with
 * the attributes put in the tokenizer's form and the depth counted here. */
static void XMLCALL expat_text(void *ud, const XML_Char *t, int len)
{
	sheet_text(ud, t, (size_t)len);
}

static void XMLCALL expat_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	sheet_st *s = ud;
	const char *ln = local(name);
	size_t natts = 0;

	if (s->x.rc || !enter(&s->x))
		return;
	while (atts[2 * natts])
		natts++;
	if (natts > s->xatts_cap) {
		jg__xml_att *a = jg_realloc(s->xatts, natts * sizeof(*a));

		if (!a) {
			fail_nomem(&s->x);
			return;
		}
		s->xatts = a;
		s->xatts_cap = natts;
	}
	for (size_t i = 0; i < natts; i++) {
		s->xatts[i].name = atts[2 * i];
		s->xatts[i].local = local(atts[2 * i]);
		s->xatts[i].value = atts[2 * i + 1];
		s->xatts[i].vlen = strlen(atts[2 * i + 1]);
	}
	sheet_open(s, ln, strlen(ln), s->xatts, natts);
	XML_SetCharacterDataHandler(s->x.p, s->collecting ? expat_text : NULL);
}

static void XMLCALL expat_end(void *ud, const XML_Char *name)
{
	sheet_st *s = ud;
	const char *ln = local(name);

	s->x.depth--;
	sheet_close(s, ln, strlen(ln));
	XML_SetCharacterDataHandler(s->x.p, s->collecting ? expat_text : NULL);
}

/* Sets up the sheet state; the row text buffer is capped by what the caps allow a row. */
static void sheet_init(sheet_st *s, const jg_sheet_limits *lim, jg_err *err)
{
	size_t per = lim->max_cell + 32, cols = lim->max_cols + 1;

	memset(s, 0, sizeof(*s));
	s->x.lim = lim;
	s->x.err = err;
	jg_buf_init(&s->text, per > SIZE_MAX / 4 / cols ? SIZE_MAX / 4 : per * cols);
}

/* Frees the sheet state. */
static void sheet_free(sheet_st *s)
{
	jg_free(s->xatts);
	jg_free(s->cells);
	jg_free(s->offs);
	jg_buf_free(&s->text);
}

/* ---- the reader --------------------------------------------------------------------------- */

static void sst_free(sst *t)
{
	jg_buf_free(&t->text);
	jg_free(t->off);
}

/* Opens the zip held in memory; libzip reads the buffer in place. */
static int open_zip(zip_t **out, const void *data, size_t n, jg_err *err)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;

	zip_error_init(&ze);
	src = zip_source_buffer_create(data, n, 0, &ze);
	if (!src) {
		zip_error_fini(&ze);
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	}
	za = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (!za) {
		int rc = jg_err_set(
			err, zip_error_code_zip(&ze) == ZIP_ER_MEMORY ? JG_ENOMEM : JG_EFORMAT,
			"not a readable zip file: %s", zip_error_strerror(&ze));

		zip_source_free(src);
		zip_error_fini(&ze);
		return rc;
	}
	zip_error_fini(&ze);
	*out = za;
	return 0;
}

/*
 * Reads the sheet part `name` into the sheet handlers: with the tokenizer fed `chunk` bytes
 * at a time, unless `expat` is asked for or the part turns out not to be UTF-8, in which
 * case expat reads it from its start (the tokenizer reports nothing before it knows).
 */
static int sheet_part(sheet_st *s, zip_t *za, const char *name, bool expat, size_t chunk)
{
	source src = {.name = name, .chunk = chunk};
	int rc = open_entry(&s->x, za, name, true, &src);

	if (rc)
		return rc;
	if (!expat)
		rc = scan_source(&s->x, &src, tok_start, tok_end, sheet_where);
	if (expat || rc == JG__XML_NOT_UTF8) {
		zip_fclose(src.zf);
		src.chunk = CHUNK;
		rc = open_entry(&s->x, za, name, true, &src);
		if (rc)
			return rc;
		rc = parse_source(&s->x, &src, expat_start, expat_end, sheet_where);
	}
	zip_fclose(src.zf);
	return rc;
}

/* The shared strings, as sheet_part reads the sheet: the tokenizer unless `expat` is asked
 * for or the part is not UTF-8. (With expat they were a fifth of the time SmartStore's
 * xlsx takes to read, and all of it before the first row.) A missing part is 1. */
static int sst_part(sst_st *st, zip_t *za, const char *name, bool expat, size_t chunk)
{
	source src = {.name = name, .chunk = chunk};
	int rc = open_entry(&st->x, za, name, false, &src);

	if (rc)
		return rc;
	if (!expat)
		rc = scan_source(&st->x, &src, sst_tok_start, sst_tok_end, NULL);
	if (expat || rc == JG__XML_NOT_UTF8) {
		zip_fclose(src.zf);
		src.chunk = CHUNK;
		rc = open_entry(&st->x, za, name, false, &src);
		if (rc)
			return rc;
		rc = parse_source(&st->x, &src, sst_start, sst_end, NULL);
	}
	zip_fclose(src.zf);
	return rc;
}

/* jg__xlsx_read() with the choice of sheet parser; see jg__xlsx_read_as(). The parts are
 * read in the order the lookups need them: the package relationships, the workbook, its
 * relationships, the styles, the shared strings, and last the sheet, streamed row by row to
 * `cb`. */
static int read_xlsx(const void *data, size_t n, bool expat, size_t chunk,
		     const jg_sheet_opts *opts, const jg_sheet_limits *lim, jg_sheet_info *info,
		     jg_sheet_cb cb, void *payload, jg_err *err)
{
	zip_t *za = NULL;
	book b;
	styles sty;
	sst strings;
	sst_st sp;
	sheet_st sh;
	const sheet_ent *pick = NULL;
	bool *xf_date = NULL;
	char rels[PATH_LEN], sheet_path[PATH_LEN];
	int rc;

	memset(&b, 0, sizeof(b));
	memset(&sty, 0, sizeof(sty));
	memset(&strings, 0, sizeof(strings));
	memset(&sp, 0, sizeof(sp));
	sheet_init(&sh, lim, err);
	jg_buf_init(&b.strs, (size_t)1 << 20);
	jg_buf_init(&strings.text,
		    lim->max_strings > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)lim->max_strings);
	b.x.lim = sty.x.lim = sp.x.lim = lim;
	b.x.err = sty.x.err = sp.x.err = err;

	rc = open_zip(&za, data, n, err);
	if (rc)
		goto out;

	/* The package relationships name the workbook; "xl/workbook.xml" when they do not. */
	b.root_rels = true;
	rc = parse_part(&b.x, za, "_rels/.rels", false, rels_start, any_end, NULL);
	if (rc < 0)
		goto out;
	if (!b.office[0])
		snprintf(b.office, sizeof(b.office), "xl/workbook.xml");
	rc = parse_part(&b.x, za, b.office, true, book_start, any_end, NULL);
	if (rc)
		goto out;
	info->date1904 = b.date1904;

	/* Its relationships: the sheets' parts, the styles and the shared strings. */
	dir_of(b.dir, sizeof(b.dir), b.office);
	if (snprintf(rels, sizeof(rels), "%s_rels/%s.rels", b.dir, b.office + strlen(b.dir)) >=
	    (int)sizeof(rels)) {
		rc = jg_err_set(err, JG_EFORMAT, "the workbook part name is too long");
		goto out;
	}
	b.root_rels = false;
	rc = parse_part(&b.x, za, rels, true, rels_start, any_end, NULL);
	if (rc)
		goto out;
	rc = choose_sheet(&b, opts ? opts->sheet : NULL, &pick, err);
	if (rc)
		goto out;
	copy_utf8(info->sheet, sizeof(info->sheet), b.strs.p + pick->name);
	{
		jg_buf nfc;

		jg_buf_init(&nfc, sizeof(info->sheet) * 4);
		rc = jg_text_nfc(&nfc, info->sheet, strlen(info->sheet));
		if (rc == 0)
			copy_utf8(info->sheet, sizeof(info->sheet), jg_buf_str(&nfc));
		jg_buf_free(&nfc);
		if (rc == JG_ENOMEM) {
			rc = jg_err_set(err, rc, "out of memory");
			goto out;
		}
		rc = 0;
	}
	copy_utf8(sheet_path, sizeof(sheet_path), b.strs.p + pick->target);

	/* Styles say which numbers are dates; without them no number is. */
	if (!b.styles[0] && locate(za, "xl/styles.xml") >= 0)
		snprintf(b.styles, sizeof(b.styles), "xl/styles.xml");
	if (b.styles[0]) {
		rc = parse_part(&sty.x, za, b.styles, false, styles_start, styles_end, NULL);
		if (rc < 0)
			goto out;
		rc = styles_resolve(&sty, &xf_date);
		if (rc)
			goto out;
	}

	if (!b.shared[0] && locate(za, "xl/sharedStrings.xml") >= 0)
		snprintf(b.shared, sizeof(b.shared), "xl/sharedStrings.xml");
	if (b.shared[0]) {
		sp.t = &strings;
		rc = sst_part(&sp, za, b.shared, expat, chunk ? chunk : CHUNK);
		if (rc < 0)
			goto out;
	}

	sh.strings = &strings;
	sh.xf_date = xf_date;
	sh.nxf = xf_date ? sty.nx : 0;
	sh.date1904 = b.date1904;
	sh.cb = cb;
	sh.payload = payload;
	rc = sheet_part(&sh, za, sheet_path, expat, chunk ? chunk : CHUNK);
out:
	sheet_free(&sh);
	sst_free(&strings);
	jg_free(xf_date);
	jg_free(sty.fmts);
	jg_free(sty.xf);
	jg_free(b.sheets);
	jg_buf_free(&b.strs);
	if (za)
		zip_discard(za);
	return rc;
}

/* See readers.h. */
int jg__xlsx_read(const void *data, size_t n, const jg_sheet_opts *opts, const jg_sheet_limits *lim,
		  jg_sheet_info *info, jg_sheet_cb cb, void *payload, jg_err *err)
{
	return read_xlsx(data, n, false, CHUNK, opts, lim, info, cb, payload, err);
}

/* See xlsx_sheet.h. */
int jg__xlsx_read_as(const void *data, size_t n, bool expat, size_t chunk,
		     const jg_sheet_opts *opts, const jg_sheet_limits *lim, jg_sheet_info *info,
		     jg_sheet_cb cb, void *payload, jg_err *err)
{
	jg_sheet_info local;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	info->format = JG_FORMAT_XLSX;
	return read_xlsx(data, n, expat, chunk, opts, lim, info, cb, payload, err);
}

/* ---- fuzzing ------------------------------------------------------------------------------ */

/* The rows one parse of a fuzz input handed out, each as a 64-bit hash. */
typedef struct fuzz_log {
	uint64_t *h;
	size_t n, cap;
} fuzz_log;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* Checks what every row handed out must satisfy, and logs it; a broken invariant aborts so
 * that the fuzzer reports it. */
static int fuzz_row(const jg_sheet_row *row, void *payload)
{
	fuzz_log *lg = payload;
	uint64_t h = fnv(0xcbf29ce484222325ull, &row->row, sizeof(row->row));

	if (row->row < 1 || row->n == 0)
		abort();
	for (size_t i = 0; i < row->n; i++) {
		const jg_cell *c = &row->cells[i];

		if (!c->text || strlen(c->text) != c->len || !jg_utf8_valid(c->text, c->len))
			abort();
		if ((c->type == JG_CELL_EMPTY) != (c->len == 0))
			abort();
		h = fnv(h, &c->type, sizeof(c->type));
		h = fnv(h, c->text, c->len + 1);
	}
	if (lg->n == lg->cap) {
		size_t ncap = lg->cap ? lg->cap * 2 : 64;
		uint64_t *p = jg_realloc(lg->h, ncap * sizeof(*p));

		if (!p)
			abort();
		lg->h = p;
		lg->cap = ncap;
	}
	lg->h[lg->n++] = h;
	return 0;
}

/* Parses `xml` as a sheet part with small limits, no shared strings and no styles: with
 * the tokenizer fed `chunk` bytes at a time, or with expat. `err` gets the failure. */
static int fuzz_parse(const void *xml, size_t n, bool expat, size_t chunk, fuzz_log *lg,
		      jg_err *err)
{
	jg_sheet_limits lim;
	sst strings;
	sheet_st sh;
	source src = {.name = "sheet.xml", .mem = xml, .mem_n = n, .chunk = chunk};
	int rc = JG__XML_NOT_UTF8;

	/* Small limits, so that the fuzzer reaches the caps too. */
	memset(&lim, 0, sizeof(lim));
	lim.max_file = lim.max_entry = (uint64_t)1 << 24;
	lim.max_ratio = 200;
	lim.max_strings = (uint64_t)1 << 20;
	lim.max_cell = 4096;
	lim.max_cols = 256;
	lim.max_rows = 100000;
	memset(&strings, 0, sizeof(strings));
	jg_buf_init(&strings.text, 0);
	sheet_init(&sh, &lim, err);
	sh.strings = &strings;
	sh.cb = fuzz_row;
	sh.payload = lg;
	if (!expat)
		rc = scan_source(&sh.x, &src, tok_start, tok_end, sheet_where);
	if (rc == JG__XML_NOT_UTF8) {
		src.mem_off = 0;
		src.total = 0;
		src.chunk = 4093;
		rc = parse_source(&sh.x, &src, expat_start, expat_end, sheet_where);
	}
	sheet_free(&sh);
	sst_free(&strings);
	return rc;
}

/*
 * See readers.h. The input is parsed three times: by the tokenizer in 4093-byte chunks, by
 * the tokenizer in chunks of 1 to 64 bytes (so tokens are split everywhere), and by expat.
 * The two tokenizer runs must agree exactly: code, rows, place and text of the failure.
 * Against expat: the rows both handed out must be the same, all of them when both succeed;
 * the tokenizer must not call malformed what expat reads (it may accept a little more, such
 * as non-ASCII name characters expat's older tables lack, and its caps differ); and, for
 * ASCII input (where that leniency cannot come in), a failure both report must be at the
 * same row and column.
 */
int jg__xlsx_fuzz_sheet(const void *xml, size_t n)
{
	fuzz_log big = {0}, small = {0}, ref = {0};
	jg_err e_big = {0}, e_small = {0}, e_ref = {0};
	size_t chunk = 1 + (n ? ((const unsigned char *)xml)[n / 2] % 64 : 0);
	int rc = fuzz_parse(xml, n, false, 4093, &big, &e_big);
	int rc_small = fuzz_parse(xml, n, false, chunk, &small, &e_small);
	int rc_ref = fuzz_parse(xml, n, true, 4093, &ref, &e_ref);
	size_t common = big.n < ref.n ? big.n : ref.n;

	if (rc != rc_small || big.n != small.n ||
	    (big.n && memcmp(big.h, small.h, big.n * sizeof(*big.h)) != 0) ||
	    e_big.row != e_small.row || e_big.col != e_small.col ||
	    strcmp(e_big.msg, e_small.msg) != 0)
		abort(); /* the chunk size changed the outcome */
	if (common && memcmp(big.h, ref.h, common * sizeof(*big.h)) != 0)
		abort(); /* a row differs from expat's */
	if (rc == 0 && rc_ref == 0 && big.n != ref.n)
		abort(); /* both read it all, with different rows */
	if (rc == JG_EFORMAT && rc_ref == 0)
		abort(); /* refused well-formed XML */
	if (rc == JG_EFORMAT && rc_ref == JG_EFORMAT &&
	    (e_big.row != e_ref.row || e_big.col != e_ref.col)) {
		const unsigned char *b = xml;
		size_t i = 0;

		while (i < n && b[i] < 0x80)
			i++;
		if (i == n)
			abort(); /* the same failure placed elsewhere */
	}
	jg_free(big.h);
	jg_free(small.h);
	jg_free(ref.h);
	return rc;
}
