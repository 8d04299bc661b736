/* SPDX-License-Identifier: MIT */
/*
 * The worksheet XML tokenizer (prefix jg__xml_): a streaming, well-formedness-checking
 * reader of the XML that xlsx worksheet parts are made of, used by xlsx.c instead of expat
 * for the sheet. Why not expat, which STYLE.md would have us prefer: a 100,000-row order
 * file is about 100 MB of sheet XML, and expat alone, with no handlers at all, takes 1.1 s
 * of CPU to get through it on the benchmark machine, twice the whole 0.5 s budget for
 * reading the file (docs/PERFORMANCE.md, docs/internals/import-xlsx.md). Sheet XML is a
 * narrow dialect: UTF-8, no DTD, a few short elements per cell, so a tokenizer that scans
 * text with a byte table, finds attribute values with memchr and reports only what the
 * sheet reader needs does the same work in a fraction of the time. expat still reads every
 * other part (workbook, relationships, styles, shared strings), and reads the sheet too
 * when it declares an encoding other than UTF-8 (which this tokenizer hands back).
 *
 * What it checks, as expat does: start and end tags match and nest at most
 * JG__XML_MAX_DEPTH deep; one root element, with only white space, comments and PIs
 * around it; attribute names unique and values quoted, without '<'; only the five
 * predefined entities and character references to XML characters; UTF-8 that is well
 * formed and made of XML characters (no C0 controls but tab, LF, CR; no U+FFFE, U+FFFF;
 * no surrogates or overlongs), in text, names, values, comments, PIs and CDATA; no "]]>"
 * in text, no "--" in comments, the XML declaration only at the start. Any DOCTYPE is
 * refused, so no entity is ever declared. What it does as expat does: line ends (CR LF,
 * CR) become LF in text, and tab, CR, LF become spaces in attribute values. Where it is
 * more lenient: any non-ASCII character may appear in a name.
 *
 * Invariants: bytes are pulled through the read callback into one buffer, so a chunk may
 * end anywhere (inside a name, a reference, a UTF-8 sequence, a CR LF pair); an unfinished
 * token stays in the buffer and is scanned again when more bytes arrive. Text is reported
 * as it is scanned and never kept. What the buffer may hold is capped: one token (a tag, a
 * comment, a PI, a CDATA section, a reference) is at most JG__XML_TOKEN_MAX bytes, an
 * element at most JG__XML_MAX_ATTS attributes, the open element names NAMES_MAX bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "jaego/error.h"
#include "jaego/util.h"
#include "xlsx_sheet.h"

#define NEED      3                 /* internal: the token goes on past the buffer */
#define NAMES_MAX ((size_t)64 << 10) /* bytes of the names of the open elements */
#define DEF_CHUNK ((size_t)64 << 10)

#define BAD_TOKEN "not well-formed (invalid token)"

enum { ST_PROLOG, ST_CONTENT, ST_EPILOG };

/* Where one attribute of the tag being read lies in the buffer. */
struct jg__xml_span {
	const unsigned char *name, *local, *value;
	size_t nlen, vlen;
	bool refs, blanks; /* the value has references, or tab/CR/LF, to rewrite */
};

/* Bytes that end a run of plain text: '<', '&', ']' (for "]]>"), CR, C0 controls other than
 * tab and LF, and every byte of a multibyte UTF-8 character. */
static const unsigned char text_tab[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Bytes of an attribute value that need a look: every C0 control (tab, CR and LF become
 * spaces, the others are errors), '<', '&', and multibyte UTF-8. */
static const unsigned char attr_tab[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Bytes of comments, PIs and CDATA that need a look: C0 controls other than tab, LF and CR,
 * the first bytes of the terminators ('-', '?', ']'), and multibyte UTF-8. */
static const unsigned char misc_tab[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Name bytes: 1 may start a name (letters, '_', ':'), 2 may go on in one (those, digits, '.',
 * '-'). Bytes from 0x80 are both, once the UTF-8 character they belong to is checked. */
#define NAME_START 1
#define NAME_CHAR  2
static const unsigned char name_tab[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 0, 0, 0, 0, 0,
	0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 3,
	0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

void jg__xml_init(jg__xml *x)
{
	memset(x, 0, sizeof(*x));
}

void jg__xml_stop(jg__xml *x)
{
	x->stopped = true;
}

void jg__xml_free(jg__xml *x)
{
	jg_free(x->buf);
	jg_free(x->names);
	jg_free(x->atts);
	jg_free(x->spans);
	jg_free(x->order);
	x->buf = x->names = NULL;
	x->atts = NULL;
	x->spans = NULL;
	x->order = NULL;
	x->cap = x->len = x->pos = x->names_cap = x->names_len = x->atts_cap = 0;
}

/* Records a failure at buf[i] and returns `code`. */
static int fail(jg__xml *x, int code, size_t i, const char *why)
{
	x->why = why;
	x->at = x->base + i;
	return code;
}

/* Records a refusal (a DOCTYPE, a cap): `why` reads after the part's name. */
static int refuse(jg__xml *x, int code, size_t i, const char *why)
{
	x->refused = true;
	return fail(x, code, i, why);
}

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * The UTF-8 character at p (p[0] >= 0x80, p < e): its length when it is well formed and an
 * XML character, 0 when it is not, -1 when `e` cuts it short and it may still be.
 */
static inline int u8char(const unsigned char *p, const unsigned char *e)
{
	unsigned c = p[0], lo = 0x80, hi = 0xbf;
	size_t avail = (size_t)(e - p);

	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		if (avail < 2)
			return -1;
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	}
	if (c < 0xf0) {
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f; /* no surrogates */
		if (avail < 2)
			return -1;
		if (p[1] < lo || p[1] > hi)
			return 0;
		if (avail < 3)
			return -1;
		if ((p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
			return 0; /* U+FFFE, U+FFFF */
		return 3;
	}
	if (c < 0xf5) {
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f; /* nothing past U+10FFFF */
		if (avail < 2)
			return -1;
		if (p[1] < lo || p[1] > hi)
			return 0;
		if (avail < 3)
			return -1;
		if ((p[2] & 0xc0) != 0x80)
			return 0;
		if (avail < 4)
			return -1;
		return (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* True when `cp` is a character XML allows (the Char production). */
static bool xml_char(uint32_t cp)
{
	if (cp < 0x20)
		return cp == 0x9 || cp == 0xa || cp == 0xd;
	if (cp < 0xd800)
		return true;
	if (cp < 0xe000)
		return false;
	return cp <= 0xfffd || (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Writes the UTF-8 form of `cp` to `d`; returns its length. */
static size_t put_utf8(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Scans the name at b[i..lim): 1 with *end just after it and *local at the byte after its
 * last ':' (left alone when it has none), 0 when it runs into `lim` (it may go on), -1 when
 * b[i] cannot start a name or a byte in it is not well-formed UTF-8.
 */
static inline int scan_name(const unsigned char *b, size_t i, size_t lim, size_t *end,
			    size_t *local)
{
	if (i >= lim)
		return 0;
	if (!(name_tab[b[i]] & NAME_START))
		return -1;
	while (i < lim) {
		unsigned char c = b[i];

		if (c < 0x80) {
			if (!(name_tab[c] & NAME_CHAR))
				break;
			if (c == ':')
				*local = i + 1;
			i++;
		} else {
			int k = u8char(b + i, b + lim);

			if (k <= 0)
				return k == 0 ? -1 : 0;
			i += (size_t)k;
		}
	}
	if (i == lim)
		return 0;
	*end = i;
	return 1;
}

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes the reference at b[i] == '&' that must end before `lim`: its length (> 0) with
 * the character it stands for in out[0..*olen), 0 when it runs into `lim`, or a negative
 * code (failure recorded). Only the five predefined entities exist.
 */
static int reference(jg__xml *x, const unsigned char *b, size_t i, size_t lim, char out[4],
		     size_t *olen)
{
	static const struct {
		const char *name;
		size_t n;
		char c;
	} ents[] = {{"amp", 3, '&'}, {"lt", 2, '<'}, {"gt", 2, '>'}, {"quot", 4, '"'},
		    {"apos", 4, '\''}};
	size_t j = i + 1, end = 0, local = 0;
	int r;

	if (j >= lim)
		return 0;
	if (b[j] == '#') {
		uint32_t v = 0;
		bool hex = false, any = false;

		if (++j < lim && b[j] == 'x') {
			hex = true;
			j++;
		}
		for (; j < lim; j++) {
			int d = hex ? hex_digit(b[j]) : (b[j] >= '0' && b[j] <= '9' ? b[j] - '0' : -1);

			if (d < 0)
				break;
			any = true;
			if (v < 0x110000)
				v = v * (hex ? 16u : 10u) + (uint32_t)d;
		}
		if (j >= lim)
			return 0;
		if (!any || b[j] != ';')
			return fail(x, JG_EFORMAT, j, BAD_TOKEN);
		if (!xml_char(v))
			return fail(x, JG_EFORMAT, i, "reference to invalid character number");
		*olen = put_utf8(out, v);
		return (int)(j + 1 - i);
	}
	r = scan_name(b, j, lim, &end, &local);
	if (r <= 0)
		return r == 0 ? 0 : fail(x, JG_EFORMAT, j, BAD_TOKEN);
	if (b[end] != ';')
		return fail(x, JG_EFORMAT, end, BAD_TOKEN);
	for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
		if (end - j == ents[k].n && memcmp(b + j, ents[k].name, ents[k].n) == 0) {
			out[0] = ents[k].c;
			*olen = 1;
			return (int)(end + 1 - i);
		}
	}
	return fail(x, JG_EFORMAT, i, "undefined entity");
}

/* Hands buf[from..to) to the text handler, if there is one. */
static inline void emit(jg__xml *x, size_t from, size_t to)
{
	if (x->text && to > from)
		x->text(x->ud, x->buf + from, to - from);
}

/*
 * Character data inside the root element, from x->pos up to the next '<' or the end of
 * the buffer, reported as it is checked. Stops before anything that needs bytes not read
 * yet (a reference, a CR that may start CR LF, a ']' that may start "]]>", a UTF-8
 * character) and returns NEED, unless the input has ended.
 */
static int content(jg__xml *x)
{
	const unsigned char *b = (const unsigned char *)x->buf;
	size_t i = x->pos, n = x->len, from = i, olen = 0;
	char ref[4];
	int k;

	for (;;) {
		unsigned char c;

		while (i < n && !text_tab[b[i]])
			i++;
		if (i == n || b[i] == '<')
			break;
		c = b[i];
		if (c >= 0x80) {
			k = u8char(b + i, b + n);
			if (k > 0) {
				i += (size_t)k;
				continue;
			}
			if (k < 0 && !x->eof)
				goto need;
			return fail(x, JG_EFORMAT, i, BAD_TOKEN);
		}
		if (c == '&') {
			k = reference(x, b, i, n, ref, &olen);
			if (k < 0)
				return k;
			if (k == 0) {
				if (x->eof)
					return fail(x, JG_EFORMAT, i, "unclosed token");
				goto need;
			}
			emit(x, from, i);
			if (x->text && !x->stopped)
				x->text(x->ud, ref, olen);
			if (x->stopped)
				return JG__XML_STOPPED;
			i += (size_t)k;
			from = i;
			continue;
		}
		if (c == '\r') {
			if (i + 1 == n && !x->eof)
				goto need;
			emit(x, from, i);
			if (x->text && !x->stopped)
				x->text(x->ud, "\n", 1);
			if (x->stopped)
				return JG__XML_STOPPED;
			i += i + 1 < n && b[i + 1] == '\n' ? 2 : 1;
			from = i;
			continue;
		}
		if (c == ']') {
			if (i + 1 < n && b[i + 1] != ']') {
				i++;
				continue;
			}
			if (i + 2 < n) {
				if (b[i + 2] == '>')
					return fail(x, JG_EFORMAT, i, BAD_TOKEN);
				i++;
				continue;
			}
			if (!x->eof)
				goto need;
			i++;
			continue;
		}
		return fail(x, JG_EFORMAT, i, BAD_TOKEN); /* a control character */
	}
	emit(x, from, i);
	x->pos = i;
	return x->stopped ? JG__XML_STOPPED : 0;
need:
	emit(x, from, i);
	x->pos = i;
	return x->stopped ? JG__XML_STOPPED : NEED;
}

/* White space before or after the root element; anything else there is an error. */
static int outside(jg__xml *x)
{
	const unsigned char *b = (const unsigned char *)x->buf;
	size_t i = x->pos;

	while (i < x->len && is_blank(b[i]))
		i++;
	x->pos = i;
	if (i < x->len && b[i] != '<')
		return fail(x, JG_EFORMAT, i,
			    x->state == ST_EPILOG ? "junk after document element" : "syntax error");
	return 0;
}

/* Makes room for `n` attributes. */
static int att_room(jg__xml *x, size_t n)
{
	size_t ncap;
	jg__xml_att *a;
	struct jg__xml_span *s;
	const struct jg__xml_span **o;

	if (n <= x->atts_cap)
		return 0;
	ncap = x->atts_cap ? x->atts_cap * 2 : 16;
	if (ncap > JG__XML_MAX_ATTS)
		ncap = JG__XML_MAX_ATTS;
	a = jg_realloc(x->atts, ncap * sizeof(*a));
	if (!a)
		return JG_ENOMEM;
	x->atts = a;
	s = jg_realloc(x->spans, ncap * sizeof(*s));
	if (!s)
		return JG_ENOMEM;
	x->spans = s;
	o = jg_realloc(x->order, ncap * sizeof(*o));
	if (!o)
		return JG_ENOMEM;
	x->order = o;
	x->atts_cap = ncap;
	return 0;
}

/* Orders attribute spans by name length, then bytes. */
static int span_cmp(const void *a, const void *b)
{
	const struct jg__xml_span *x = *(const struct jg__xml_span *const *)a;
	const struct jg__xml_span *y = *(const struct jg__xml_span *const *)b;

	if (x->nlen != y->nlen)
		return x->nlen < y->nlen ? -1 : 1;
	return memcmp(x->name, y->name, x->nlen);
}

/* True when two of the tag's `n` attributes have the same name. A few are compared pair by
 * pair; more are sorted, so that a tag of many attributes costs n log n, not n^2. */
static bool repeated_att(jg__xml *x, size_t n)
{
	const struct jg__xml_span *s = x->spans;

	if (n <= 8) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (s[i].nlen == s[j].nlen &&
				    memcmp(s[i].name, s[j].name, s[i].nlen) == 0)
					return true;
		return false;
	}
	for (size_t i = 0; i < n; i++)
		x->order[i] = &s[i];
	qsort(x->order, n, sizeof(*x->order), span_cmp);
	for (size_t i = 1; i < n; i++)
		if (span_cmp(&x->order[i - 1], &x->order[i]) == 0)
			return true;
	return false;
}

/* Rewrites an attribute value in place, NUL-terminated: references decoded, tab, LF, CR and
 * CR LF turned into one space each. Returns 0 or a code; the value never gets longer. */
static int finish_value(jg__xml *x, const struct jg__xml_span *sp, jg__xml_att *out)
{
	unsigned char *b = (unsigned char *)x->buf;
	size_t r = (size_t)(sp->value - b), end = r + sp->vlen, w = r, olen = 0;
	char ref[4];

	if (!sp->refs && !sp->blanks) {
		b[end] = '\0';
		out->vlen = sp->vlen;
		return 0;
	}
	while (r < end) {
		unsigned char c = b[r];

		if (c == '&') {
			int k = reference(x, b, r, end, ref, &olen);

			if (k <= 0)
				return k == 0 ? fail(x, JG_EFORMAT, end, BAD_TOKEN) : k;
			memcpy(b + w, ref, olen);
			w += olen;
			r += (size_t)k;
		} else if (c == '\r' || c == '\n' || c == '\t') {
			b[w++] = ' ';
			r += c == '\r' && r + 1 < end && b[r + 1] == '\n' ? 2 : 1;
		} else {
			b[w++] = c;
			r++;
		}
	}
	b[w] = '\0';
	out->vlen = w - (size_t)(sp->value - b);
	return 0;
}

/* Pushes the name of an element that opens. */
static int push_name(jg__xml *x, const unsigned char *name, size_t n)
{
	if (x->names_len + n > x->names_cap) {
		size_t ncap = x->names_cap ? x->names_cap : 256;
		char *p;

		if (x->names_len + n > NAMES_MAX)
			return refuse(x, JG_ELIMIT, x->pos,
				      "has open XML elements whose names take more than 65536 "
				      "bytes");
		while (ncap < x->names_len + n)
			ncap *= 2;
		p = jg_realloc(x->names, ncap);
		if (!p)
			return JG_ENOMEM;
		x->names = p;
		x->names_cap = ncap;
	}
	memcpy(x->names + x->names_len, name, n);
	x->name_off[x->depth++] = x->names_len;
	x->names_len += n;
	return 0;
}

/*
 * A start tag at x->pos ("<name a="v" ...>" or ".../>"). It is scanned whole before
 * anything is changed, so that it can be scanned again when it runs past the buffer; then
 * the names and values are NUL-terminated in place and the start handler (and for an empty
 * element the end handler) is called.
 */
static int start_tag(jg__xml *x)
{
	unsigned char *b = (unsigned char *)x->buf;
	size_t i = x->pos, n = x->len, p, nend = 0, local = i + 1, natts = 0;
	bool empty;
	int r;

	if (x->state == ST_EPILOG)
		return fail(x, JG_EFORMAT, i, "junk after document element");
	r = scan_name(b, i + 1, n, &nend, &local);
	if (r == 0)
		goto need;
	if (r < 0)
		return fail(x, JG_EFORMAT, i + 1, BAD_TOKEN);
	p = nend;
	for (;;) {
		size_t ws = p, an, aend = 0, alocal, vs, ve;
		const unsigned char *q;
		struct jg__xml_span *sp;
		bool refs = false, blanks = false;

		while (p < n && is_blank(b[p]))
			p++;
		if (p >= n)
			goto need;
		if (b[p] == '>') {
			p++;
			empty = false;
			break;
		}
		if (b[p] == '/') {
			if (p + 1 >= n)
				goto need;
			if (b[p + 1] != '>')
				return fail(x, JG_EFORMAT, p, BAD_TOKEN);
			p += 2;
			empty = true;
			break;
		}
		if (p == ws)
			return fail(x, JG_EFORMAT, p, BAD_TOKEN);
		an = alocal = p;
		r = scan_name(b, an, n, &aend, &alocal);
		if (r == 0)
			goto need;
		if (r < 0)
			return fail(x, JG_EFORMAT, an, BAD_TOKEN);
		p = aend;
		while (p < n && is_blank(b[p]))
			p++;
		if (p >= n)
			goto need;
		if (b[p] != '=')
			return fail(x, JG_EFORMAT, p, BAD_TOKEN);
		p++;
		while (p < n && is_blank(b[p]))
			p++;
		if (p >= n)
			goto need;
		if (b[p] != '"' && b[p] != '\'')
			return fail(x, JG_EFORMAT, p, BAD_TOKEN);
		vs = p + 1;
		q = memchr(b + vs, b[p], n - vs);
		if (!q)
			goto need;
		ve = (size_t)(q - b);
		for (size_t k = vs; k < ve; k++) {
			unsigned char c = b[k];

			if (!attr_tab[c])
				continue;
			if (c >= 0x80) {
				int len = u8char(b + k, b + ve);

				if (len <= 0)
					return fail(x, JG_EFORMAT, k, BAD_TOKEN);
				k += (size_t)len - 1;
			} else if (c == '&') {
				refs = true;
			} else if (c == '\t' || c == '\n' || c == '\r') {
				blanks = true;
			} else {
				return fail(x, JG_EFORMAT, k, BAD_TOKEN); /* '<' or a control */
			}
		}
		if (natts == JG__XML_MAX_ATTS)
			return refuse(x, JG_ELIMIT, i,
				      "has an XML element with more than 1024 attributes");
		if (att_room(x, natts + 1))
			return JG_ENOMEM;
		sp = &x->spans[natts++];
		sp->name = b + an;
		sp->nlen = aend - an;
		sp->local = b + alocal;
		sp->value = b + vs;
		sp->vlen = ve - vs;
		sp->refs = refs;
		sp->blanks = blanks;
		p = ve + 1;
	}

	/* The tag is whole: check it, finish it in place, report it. */
	if (x->depth >= JG__XML_MAX_DEPTH)
		return refuse(x, JG_EFORMAT, i, "has XML elements nested more than 256 deep");
	if (natts > 1 && repeated_att(x, natts))
		return fail(x, JG_EFORMAT, i, "duplicate attribute");
	for (size_t k = 0; k < natts; k++) {
		struct jg__xml_span *sp = &x->spans[k];
		jg__xml_att *a = &x->atts[k];

		r = finish_value(x, sp, a);
		if (r)
			return r;
		b[(size_t)(sp->name - b) + sp->nlen] = '\0';
		a->name = (const char *)sp->name;
		a->local = (const char *)sp->local;
		a->value = (const char *)sp->value;
	}
	r = push_name(x, b + i + 1, nend - i - 1);
	if (r)
		return r;
	b[nend] = '\0';
	x->pos = p;
	x->state = ST_CONTENT;
	x->start(x->ud, (const char *)b + local, nend - local, x->atts, natts);
	if (x->stopped)
		return JG__XML_STOPPED;
	if (empty) {
		x->names_len = x->name_off[--x->depth];
		x->end(x->ud, (const char *)b + local, nend - local);
		if (x->depth == 0)
			x->state = ST_EPILOG;
	}
	return x->stopped ? JG__XML_STOPPED : 0;
need:
	if (x->eof)
		return fail(x, JG_EFORMAT, i, "unclosed token");
	return NEED;
}

/* An end tag at x->pos: "</name>", with blanks allowed before the '>'. */
static int end_tag(jg__xml *x)
{
	unsigned char *b = (unsigned char *)x->buf;
	size_t i = x->pos, n = x->len, nend = 0, local = i + 2, p, off;
	int r = scan_name(b, i + 2, n, &nend, &local);

	if (r == 0)
		goto need;
	if (r < 0)
		return fail(x, JG_EFORMAT, i + 2, BAD_TOKEN);
	p = nend;
	while (p < n && is_blank(b[p]))
		p++;
	if (p >= n)
		goto need;
	if (b[p] != '>')
		return fail(x, JG_EFORMAT, p, BAD_TOKEN);
	if (x->depth == 0)
		return fail(x, JG_EFORMAT, i,
			    x->state == ST_EPILOG ? "junk after document element" : "syntax error");
	off = x->name_off[x->depth - 1];
	if (x->names_len - off != nend - i - 2 || memcmp(x->names + off, b + i + 2, nend - i - 2))
		return fail(x, JG_EFORMAT, i, "mismatched tag");
	x->depth--;
	x->names_len = off;
	x->pos = p + 1;
	b[nend] = '\0';
	x->end(x->ud, (const char *)b + local, nend - local);
	if (x->depth == 0)
		x->state = ST_EPILOG;
	return x->stopped ? JG__XML_STOPPED : 0;
need:
	if (x->eof)
		return fail(x, JG_EFORMAT, i, "unclosed token");
	return NEED;
}

/*
 * Scans the body of a comment, PI or CDATA section from b[p] for its terminator `term`
 * ("-->", "?>", "]]>"), checking the characters. Returns 0 with *at on the terminator,
 * NEED, or a code. In a comment "--" may only come as part of "-->".
 */
static int scan_until(jg__xml *x, size_t p, const char *term, size_t *at)
{
	const unsigned char *b = (const unsigned char *)x->buf;
	size_t n = x->len, tn = strlen(term);

	for (; p < n; p++) {
		unsigned char c = b[p];

		if (!misc_tab[c])
			continue;
		if (c == (unsigned char)term[0]) {
			if (p + tn > n)
				goto need;
			if (memcmp(b + p, term, tn) == 0) {
				*at = p;
				return 0;
			}
			if (c == '-' && b[p + 1] == '-')
				return fail(x, JG_EFORMAT, p, BAD_TOKEN);
		} else if (c >= 0x80) {
			int k = u8char(b + p, b + n);

			if (k < 0)
				goto need;
			if (k == 0)
				return fail(x, JG_EFORMAT, p, BAD_TOKEN);
			p += (size_t)k - 1;
		} else if (c < 0x20) {
			return fail(x, JG_EFORMAT, p, BAD_TOKEN);
		}
	}
need:
	if (x->eof)
		return fail(x, JG_EFORMAT, x->pos,
			    term[0] == ']' ? "unclosed CDATA section" : "unclosed token");
	return NEED;
}

/* ASCII case-insensitive comparison of b[0..n) with the lowercase `lit`. */
static bool eq_nocase(const unsigned char *b, size_t n, const char *lit)
{
	if (n != strlen(lit))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((b[i] >= 'A' && b[i] <= 'Z' ? b[i] | 0x20 : b[i]) != (unsigned char)lit[i])
			return false;
	return true;
}

/*
 * The XML declaration's pseudo-attributes in b[p..e): version (first, required), then
 * encoding and standalone, in that order. JG__XML_NOT_UTF8 when the encoding is not UTF-8.
 */
static int declaration(jg__xml *x, const unsigned char *b, size_t p, size_t e)
{
	static const char *const names[] = {"version", "encoding", "standalone"};
	static const char *const bad = "XML declaration not well-formed";
	int next = 0;
	bool utf8 = true;

	for (;;) {
		size_t ws = p, ns, nl, vs, ve;
		int k;

		while (p < e && is_blank(b[p]))
			p++;
		if (p == e)
			break;
		if (p == ws)
			return fail(x, JG_EFORMAT, p, bad);
		for (ns = p; p < e && b[p] >= 'a' && b[p] <= 'z'; p++)
			;
		nl = p - ns;
		for (k = next; k < 3; k++)
			if (nl == strlen(names[k]) && memcmp(b + ns, names[k], nl) == 0)
				break;
		if (k == 3 || (next == 0 && k != 0))
			return fail(x, JG_EFORMAT, ns, bad);
		next = k + 1;
		while (p < e && is_blank(b[p]))
			p++;
		if (p == e || b[p] != '=')
			return fail(x, JG_EFORMAT, p, bad);
		for (p++; p < e && is_blank(b[p]); p++)
			;
		if (p == e || (b[p] != '"' && b[p] != '\''))
			return fail(x, JG_EFORMAT, p, bad);
		vs = p + 1;
		for (ve = vs; ve < e && b[ve] != b[p]; ve++)
			;
		if (ve == e)
			return fail(x, JG_EFORMAT, p, bad);
		for (size_t j = vs; j < ve; j++) {
			unsigned char c = b[j];
			bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				     (c >= '0' && c <= '9');

			if (!(alnum || c == '.' || c == '_' || c == '-' || (k == 0 && c == ':')) ||
			    (k == 1 && j == vs && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
				return fail(x, JG_EFORMAT, j, bad);
		}
		if (k == 1) {
			if (ve == vs)
				return fail(x, JG_EFORMAT, vs, bad);
			utf8 = eq_nocase(b + vs, ve - vs, "utf-8");
		}
		if (k == 2 && !(ve - vs == 3 && memcmp(b + vs, "yes", 3) == 0) &&
		    !(ve - vs == 2 && memcmp(b + vs, "no", 2) == 0))
			return fail(x, JG_EFORMAT, vs, bad);
		p = ve + 1;
	}
	if (next == 0)
		return fail(x, JG_EFORMAT, p, bad);
	return utf8 ? 0 : JG__XML_NOT_UTF8;
}

/* A processing instruction at x->pos, or the XML declaration when it is the first thing. */
static int pi(jg__xml *x)
{
	const unsigned char *b = (const unsigned char *)x->buf;
	size_t i = x->pos, n = x->len, tend = 0, local = 0, at = 0;
	bool is_xml;
	int r = scan_name(b, i + 2, n, &tend, &local);

	if (r == 0) {
		if (x->eof)
			return fail(x, JG_EFORMAT, i, "unclosed token");
		return NEED;
	}
	if (r < 0)
		return fail(x, JG_EFORMAT, i + 2, BAD_TOKEN);
	is_xml = eq_nocase(b + i + 2, tend - i - 2, "xml");
	if (is_xml && memcmp(b + i + 2, "xml", 3) != 0)
		return fail(x, JG_EFORMAT, i + 2, BAD_TOKEN);
	if (is_xml && x->base + i != x->decl_at)
		return fail(x, JG_EFORMAT, i, "XML or text declaration not at start of entity");
	if (b[tend] != '?' && !is_blank(b[tend]))
		return fail(x, JG_EFORMAT, tend, BAD_TOKEN);
	r = scan_until(x, tend, "?>", &at);
	if (r)
		return r;
	if (is_xml) {
		r = declaration(x, b, tend, at);
		if (r)
			return r;
	}
	x->pos = at + 2;
	return 0;
}

/* Whether b[i..n) starts with `lit`: 1 yes, 0 no, -1 not known until more bytes come. */
static int starts(const unsigned char *b, size_t i, size_t n, const char *lit)
{
	size_t k = strlen(lit), have = n - i < k ? n - i : k;

	if (memcmp(b + i, lit, have) != 0)
		return 0;
	return have == k ? 1 : -1;
}

/* "<!": a comment, a CDATA section (inside the root element) or a DOCTYPE (refused). */
static int bang(jg__xml *x)
{
	const unsigned char *b = (const unsigned char *)x->buf;
	size_t i = x->pos, n = x->len, at = 0;
	const char *lit;
	int r;

	if (i + 2 >= n)
		goto need;
	lit = b[i + 2] == '-' ? "<!--" : b[i + 2] == '[' ? "<![CDATA[" : "<!DOCTYPE";
	r = starts(b, i, n, lit);
	if (r < 0)
		goto need;
	if (r == 0)
		return fail(x, JG_EFORMAT, i, BAD_TOKEN);
	if (lit[2] == 'D')
		return refuse(x, JG_EFORMAT, i,
			      "has a DOCTYPE declaration, which xlsx files never have (refused)");
	if (lit[2] == '-') {
		r = scan_until(x, i + 4, "-->", &at);
		if (r)
			return r;
		x->pos = at + 3;
		return 0;
	}
	if (x->state != ST_CONTENT)
		return fail(x, JG_EFORMAT, i, BAD_TOKEN);
	r = scan_until(x, i + 9, "]]>", &at);
	if (r)
		return r;
	/* Report the section as text, CR LF and CR as LF. */
	for (size_t p = i + 9, from = p; p <= at && !x->stopped; p++) {
		if (p == at) {
			emit(x, from, p);
		} else if (b[p] == '\r') {
			emit(x, from, p);
			if (x->text && !x->stopped)
				x->text(x->ud, "\n", 1);
			if (p + 1 < at && b[p + 1] == '\n')
				p++;
			from = p + 1;
		}
	}
	x->pos = at + 3;
	return x->stopped ? JG__XML_STOPPED : 0;
need:
	if (x->eof)
		return fail(x, JG_EFORMAT, i, "unclosed token");
	return NEED;
}

/* Markup at x->pos == '<'. */
static int markup(jg__xml *x)
{
	size_t i = x->pos;

	if (i + 1 >= x->len) {
		if (x->eof)
			return fail(x, JG_EFORMAT, i, "unclosed token");
		return NEED;
	}
	switch (x->buf[i + 1]) {
	case '/': return end_tag(x);
	case '?': return pi(x);
	case '!': return bang(x);
	default: return start_tag(x);
	}
}

/*
 * Keeps buf[pos..len) (an unfinished token, or nothing), moves it to the front and reads
 * more behind it. Sets eof when the input has ended. The kept part is what the token cap
 * applies to.
 */
static int more(jg__xml *x)
{
	size_t keep = x->len - x->pos;
	int64_t got;

	if (keep > JG__XML_TOKEN_MAX)
		return refuse(x, JG_ELIMIT, x->pos, "has an XML token longer than 1048576 bytes");
	if (x->pos) {
		memmove(x->buf, x->buf + x->pos, keep);
		x->base += x->pos;
		x->len = keep;
		x->pos = 0;
	}
	if (x->cap - x->len < x->chunk) {
		size_t ncap = x->cap ? x->cap * 2 : x->chunk + 256;
		char *p;

		while (ncap - x->len < x->chunk)
			ncap *= 2;
		p = jg_realloc(x->buf, ncap + 1);
		if (!p)
			return JG_ENOMEM;
		x->buf = p;
		x->cap = ncap;
	}
	got = x->read(x->rd, x->buf + x->len, x->cap - x->len);
	if (got < 0)
		return JG__XML_STOPPED;
	if (got == 0)
		x->eof = true;
	x->len += (size_t)got;
	x->buf[x->len] = '\0';
	return 0;
}

/* The first bytes: a UTF-8 BOM is skipped; a UTF-16 one, or a zero byte in the first two
 * (UTF-16 or UTF-32 without a BOM), is not this tokenizer's to read. */
static int sniff(jg__xml *x)
{
	const unsigned char *b = (const unsigned char *)x->buf;
	size_t n = x->len;

	if (n < 4 && !x->eof)
		return NEED;
	if (n >= 2 && ((b[0] == 0xfe && b[1] == 0xff) || (b[0] == 0xff && b[1] == 0xfe)))
		return JG__XML_NOT_UTF8;
	if ((n >= 1 && b[0] == 0) || (n >= 2 && b[1] == 0))
		return JG__XML_NOT_UTF8;
	if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		x->pos = 3;
	x->decl_at = x->pos;
	x->started = true;
	return 0;
}

int jg__xml_parse(jg__xml *x)
{
	int rc = 0;

	if (!x->chunk)
		x->chunk = DEF_CHUNK;
	for (;;) {
		if (x->stopped)
			return JG__XML_STOPPED;
		if (x->pos == x->len && !x->eof)
			rc = NEED;
		else if (!x->started)
			rc = sniff(x);
		else if (x->pos == x->len)
			break;
		else if (x->buf[x->pos] == '<')
			rc = markup(x);
		else if (x->state == ST_CONTENT)
			rc = content(x);
		else
			rc = outside(x);
		if (rc == NEED) {
			if (x->eof) /* every scanner decides at the end itself; never loop */
				return fail(x, JG_EFORMAT, x->pos, "unclosed token");
			rc = more(x);
		}
		if (rc)
			return rc;
	}
	if (x->state != ST_EPILOG)
		return fail(x, JG_EFORMAT, x->len, "no element found");
	return 0;
}
