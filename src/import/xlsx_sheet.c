/* SPDX-License-Identifier: MIT */
/*
 * The worksheet XML tokenizer (prefix jg__xml_): a streaming, well-formedness-checking
 * reader of the XML that xlsx worksheet parts are made of, used by xlsx.c instead of expat
 * for the sheet. Why not expat, which STYLE.md would have us prefer: a 100,000-row order
 * file is about 100 MB of sheet XML, and expat alone, with no handlers at all, takes 1.1 s
 * of CPU to get through it on the benchmark machine, twice the whole 0.5 s budget for
 * reading the file (docs/PERFORMANCE.md, docs/internals/import-xlsx.md). Sheet XML is a
 * narrow dialect: UTF-8, no DTD, a few short elements per cell, so a tokenizer that scans
 * text a word at a time, takes the usual tags by short paths and lets the sheet reader
 * take the usual cells whole (jg__xml_ahead) does the same work in a fraction of the
 * time. expat still reads every other part (workbook, relationships, styles, shared
 * strings), and reads the sheet too when it declares an encoding other than UTF-8 (which
 * this tokenizer hands back before it reports anything).
 *
 * What it checks, as expat does: start and end tags match and nest at most
 * JG__XML_MAX_DEPTH deep; one root element, with only white space, comments and PIs
 * around it; attribute names unique and values quoted, without '<'; only the five
 * predefined entities and character references to XML characters; UTF-8 that is well
 * formed and made of XML characters (no C0 controls but tab, LF, CR; no U+FFFE, U+FFFF;
 * no surrogates or overlongs), in text, names, values, comments, PIs and CDATA; no "]]>"
 * in text, no "--" in comments, the XML declaration only at the start. A DOCTYPE in the
 * prolog is refused, so no entity is ever declared. What it does as expat does: line ends
 * (CR LF, CR) become LF in text, and tab, CR, LF become spaces in attribute values. Where
 * it is more lenient: any non-ASCII character may appear in a name.
 *
 * Invariants: bytes are pulled through the read callback into one buffer, so a chunk may
 * end anywhere (inside a name, a reference, a UTF-8 sequence, a CR LF pair); an unfinished
 * token stays in the buffer and is scanned again when more bytes arrive. buf[len] is a NUL
 * sentinel that stops every scan, and SLACK bytes past it may be read (words of eight).
 * Text is reported as it is scanned and never kept. What the buffer may hold is capped:
 * one token (a tag, a comment, a PI, a CDATA section, a reference) is at most
 * JG__XML_TOKEN_MAX bytes, an element at most JG__XML_MAX_ATTS attributes, the open
 * element names NAMES_MAX bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "jaego/error.h"
#include "jaego/util.h"
#include "xlsx_sheet.h"

#define NEED      3                  /* internal: the token goes on past the buffer */
#define NAMES_MAX ((size_t)64 << 10) /* bytes of the names of the open elements */
#define DEF_CHUNK ((size_t)64 << 10)
#define SLACK     16 /* bytes allocated past buf[cap]: the sentinel, and room to read 8 */

#define BAD_TOKEN "not well-formed (invalid token)"

/* Keeps a function out of its callers: the scanners each get the registers to themselves,
 * and the rare paths stay out of the hot ones. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#define COLD     __attribute__((noinline, cold))
#else
#define NOINLINE
#define COLD
#endif

enum { ST_PROLOG, ST_CONTENT, ST_EPILOG };

/* Whether text and attribute values are scanned a word at a time (see text_stop()). */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORDS 1
#else
#define WORDS 0
#endif

/* Where one attribute of the tag being scanned lies, as offsets from the tag's '<' (a tag
 * fits in the buffer, far below 4 GiB), and whether its value has references or tab, CR,
 * LF to rewrite. */
#define HAS_REFS   1
#define HAS_BLANKS 2
struct jg__xml_span {
	uint32_t name, nend, local, value, vend, flags;
};

/* An attribute name, for sorting the names of a tag with many attributes. */
struct jg__xml_key {
	const unsigned char *name;
	size_t len;
};

/* Bytes that end a run of plain text: '<', '&', ']' (for "]]>"), CR, C0 controls other than
 * tab and LF, and every byte of a multibyte UTF-8 character. */
/* clang-format off */
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
/* clang-format on */

/* Bytes of an attribute value that need a look: every C0 control (tab, CR and LF become
 * spaces, NUL is also the buffer's sentinel, the others are errors), the quotes (one of them
 * ends the value), '<', '&', and multibyte UTF-8. */
/* clang-format off */
static const unsigned char attr_tab[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};
/* clang-format on */

/* XML white space: space, tab, CR, LF. */
/* clang-format off */
static const unsigned char blank_tab[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* clang-format on */

/* Bytes of comments, PIs and CDATA that need a look: C0 controls other than tab, LF and CR,
 * the first bytes of the terminators ('-', '?', ']'), and multibyte UTF-8. */
/* clang-format off */
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
/* clang-format on */

/* Name bytes: NAME_START may start a name (letters, '_', ':'), NAME_CHAR may go on in one
 * (those, digits, '.', '-'); COLON and HIGH mark ':' and the bytes of multibyte UTF-8
 * characters, which are name bytes once the character is checked. */
#define NAME_START 1
#define NAME_CHAR  2
#define COLON      4
#define HIGH       8
/* clang-format off */
static const unsigned char name_tab[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 7, 0, 0, 0, 0, 0,
	0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 3,
	0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0,
	11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11,
	11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11,
	11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11,
	11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11,
	11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11,
	11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11,
	11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11,
	11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11,
};
/* clang-format on */

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
static COLD int fail(jg__xml *x, int code, size_t i, const char *why)
{
	x->why = why;
	x->at = x->base + i;
	return code;
}

/* Records a refusal (a DOCTYPE, a cap): `why` reads after the part's name. */
static COLD int refuse(jg__xml *x, int code, size_t i, const char *why)
{
	x->refused = true;
	return fail(x, code, i, why);
}

static inline bool is_blank(unsigned char c)
{
	return blank_tab[c];
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

/* The rare parts of a name b[s..e): its multibyte characters are checked (false when one is
 * not well-formed UTF-8) and *local is put after its last ':'. */
static COLD bool name_rest(const unsigned char *b, size_t s, size_t e, unsigned flags,
			   size_t *local)
{
	if (flags & HIGH) {
		for (size_t k = s; k < e;) {
			int len = b[k] < 0x80 ? 1 : u8char(b + k, b + e);

			if (len <= 0)
				return false;
			k += (size_t)len;
		}
	}
	if (flags & COLON) {
		for (size_t k = e; k > s; k--) {
			if (b[k - 1] == ':') {
				*local = k;
				break;
			}
		}
	}
	return true;
}

/*
 * Scans the name at b[i..lim): 1 with *end just after it and *local at the byte after its
 * last ':' (left alone when it has none), 0 when it runs into `lim` (it may go on), -1 when
 * b[i] cannot start a name or a byte in it is not well-formed UTF-8. b[lim] must not be a
 * name byte (the buffer's NUL sentinel, or the quote that ends a value).
 */
static inline int scan_name(const unsigned char *b, size_t i, size_t lim, size_t *end,
			    size_t *local)
{
	size_t s = i;
	unsigned f = 0;

	if (!(name_tab[b[i]] & NAME_START))
		return i >= lim ? 0 : -1;
	while (name_tab[b[i]] & NAME_CHAR)
		f |= name_tab[b[i++]];
	if (i >= lim)
		return 0;
	if ((f & (COLON | HIGH)) && !name_rest(b, s, i, f, local))
		return -1;
	*end = i;
	return 1;
}

/* Whether the `n` bytes at a and b are the same (names are short: no call to memcmp). */
static inline bool same(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (size_t i = 0; i < n; i++)
		if (p[i] != q[i])
			return false;
	return true;
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
static COLD int reference(jg__xml *x, const unsigned char *b, size_t i, size_t lim, char out[4],
			  size_t *olen)
{
	static const struct {
		const char *name;
		size_t n;
		char c;
	} ents[] = {{"amp", 3, '&'},
		    {"lt", 2, '<'},
		    {"gt", 2, '>'},
		    {"quot", 4, '"'},
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
			int d = hex ? hex_digit(b[j])
				    : (b[j] >= '0' && b[j] <= '9' ? b[j] - '0' : -1);

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
		*olen = jg_utf8_put(out, v);
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

/* Reads eight bytes from p (the buffer keeps SLACK bytes past its end for this). */
static inline uint64_t load8(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The first min(n, 8) bytes at p (n >= 1) as a number, the others zero: with the length,
 * enough to tell most names apart without a loop. */
static inline uint64_t head8(const unsigned char *p, size_t n)
{
	uint64_t v = load8(p);

	if (n >= 8)
		return v;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return v & ~((UINT64_C(1) << (64 - 8 * n)) - 1);
#else
	return v & ((UINT64_C(1) << (8 * n)) - 1);
#endif
}

/*
 * Eight bytes at a time: on a little-endian machine with GCC or Clang, the scans of text
 * and attribute values test a word of eight bytes for any byte that stops them (the
 * classic "has a byte less than" and "has a zero byte" word tricks; a borrow can only mark
 * bytes after the first true one, so the lowest mark is exact) and jump to it. Elsewhere
 * they go byte by byte with the tables.
 */
#if WORDS
#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Marks the zero bytes of v (exactly the lowest one). */
static inline uint64_t zero_bytes(uint64_t v)
{
	return (v - ONES) & ~v & HIGHS;
}

/* Marks the bytes of v below 0x20 or from 0x80 (exactly the lowest one). */
static inline uint64_t ctl_or_high(uint64_t v)
{
	return ((v - ONES * 0x20) | v) & HIGHS;
}

/* Offset of the first byte from b[i] that the word test marks: what text_tab marks, and
 * tab and LF too (they are below 0x20). */
static inline size_t word_stop(const unsigned char *b, size_t i)
{
	for (;; i += 8) {
		uint64_t v = load8(b + i);
		uint64_t m = ctl_or_high(v) | zero_bytes(v ^ (ONES * '<')) |
			     zero_bytes(v ^ (ONES * '&')) | zero_bytes(v ^ (ONES * ']'));

		if (m)
			return i + ((size_t)__builtin_ctzll(m) >> 3);
	}
}

/* Offset of the first byte from b[i] that text_tab marks; b[n] (NUL) is one. A run often
 * ends after a byte or two (a space between Korean words), so those are looked at first;
 * tab and LF, which the word test stops at too, are stepped over. */
static inline size_t text_stop(const unsigned char *b, size_t i)
{
	if (text_tab[b[i]])
		return i;
	if (text_tab[b[i + 1]])
		return i + 1;
	for (i += 2;; i++) {
		i = word_stop(b, i);
		if (b[i] != '\t' && b[i] != '\n')
			return i;
	}
}
#else
static inline size_t text_stop(const unsigned char *b, size_t i)
{
	while (!text_tab[b[i]])
		i++;
	return i;
}

#endif

/* Whether p starts a three-byte character from U+1000 to U+CFFF (Hangul, CJK), which needs
 * none of the checks of E0, ED (surrogates) and EF (U+FFFE, U+FFFF). A NUL sentinel among
 * the three bytes fails the test, so the buffer's end needs no check of its own. */
static inline bool hangul_like(const unsigned char *p)
{
	return (unsigned)(p[0] - 0xe1) <= 0xec - 0xe1 &&
	       ((p[1] & 0xc0) == 0x80) & ((p[2] & 0xc0) == 0x80);
}

/* Offset of the first byte from b[i] that attr_tab marks (values are short: bytes looked
 * at four in a row are as quick as a word). The sentinel stops it, and the slack past it
 * may be read. */
static inline size_t attr_stop(const unsigned char *b, size_t i)
{
	for (;; i += 4) {
		if (attr_tab[b[i]])
			return i;
		if (attr_tab[b[i + 1]])
			return i + 1;
		if (attr_tab[b[i + 2]])
			return i + 2;
		if (attr_tab[b[i + 3]])
			return i + 3;
	}
}

/* Hands b[from..to) to the text handler, if there is one. */
static inline void emit(jg__xml *x, const unsigned char *b, size_t from, size_t to)
{
	if (x->text && to > from)
		x->text(x->ud, (const char *)b + from, to - from);
}

/*
 * Character data inside the root element, from b[*ip] up to the next '<' or the end of
 * the buffer `n`, reported as it is checked. Stops before anything that needs bytes not
 * read yet (a reference, a CR that may start CR LF, a ']' that may start "]]>", a UTF-8
 * character) and returns NEED, unless the input has ended. Before a fault, the text up to
 * it is reported (as expat does), so that what the handlers see, and so which failure
 * comes first, does not depend on where chunks end.
 */
static NOINLINE int content(jg__xml *x, const unsigned char *b, size_t n, size_t *ip)
{
	size_t i = *ip, from = i, olen = 0;
	char ref[4];
	int k, rc;

	for (;;) {
		unsigned char c;

		i = text_stop(b, i); /* b[n] is the NUL sentinel */
		if (i >= n || b[i] == '<')
			break;
		c = b[i];
		if (c >= 0x80) {
			/* Runs of three-byte characters (Hangul, CJK) without the edge cases of
			 * E0, ED (surrogates) and EF (U+FFFE, U+FFFF). */
			while (hangul_like(b + i))
				c = b[i += 3];
			if (c < 0x80)
				continue;
			k = u8char(b + i, b + n);
			if (k > 0) {
				i += (size_t)k;
				continue;
			}
			if (k < 0 && !x->eof)
				goto need;
			rc = fail(x, JG_EFORMAT, i, BAD_TOKEN);
			goto bad;
		}
		if (c == '&') {
			k = reference(x, b, i, n, ref, &olen);
			if (k < 0) {
				rc = k;
				goto bad;
			}
			if (k == 0) {
				if (!x->eof)
					goto need;
				rc = fail(x, JG_EFORMAT, i, "unclosed token");
				goto bad;
			}
			emit(x, b, from, i);
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
			emit(x, b, from, i);
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
				if (b[i + 2] == '>') {
					rc = fail(x, JG_EFORMAT, i, BAD_TOKEN);
					goto bad;
				}
				i++;
				continue;
			}
			if (!x->eof)
				goto need;
			i++;
			continue;
		}
		rc = fail(x, JG_EFORMAT, i, BAD_TOKEN); /* a control character */
		goto bad;
	}
	emit(x, b, from, i);
	*ip = i;
	return x->stopped ? JG__XML_STOPPED : 0;
need:
	emit(x, b, from, i);
	*ip = i;
	return x->stopped ? JG__XML_STOPPED : NEED;
bad:
	emit(x, b, from, i);
	return x->stopped ? JG__XML_STOPPED : rc;
}

/* White space before or after the root element; anything else there is an error. */
static COLD int outside(jg__xml *x, const unsigned char *b, size_t n, size_t *ip)
{
	size_t i = *ip;

	while (blank_tab[b[i]])
		i++;
	*ip = i;
	if (i < n && b[i] != '<')
		return fail(x, JG_EFORMAT, i,
			    x->state == ST_EPILOG ? "junk after document element" : "syntax error");
	return 0;
}

/* Makes room for one more attribute than the `n` there are. */
static COLD int att_room(jg__xml *x, size_t n)
{
	size_t ncap;
	jg__xml_att *a;
	struct jg__xml_span *s;
	struct jg__xml_key *o;

	if (n < x->atts_cap)
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

/* Orders attribute names by length, then bytes. */
static int key_cmp(const void *a, const void *b)
{
	const struct jg__xml_key *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->name, y->name, x->len);
}

/* True when two of the `n` (more than 8) attributes of the tag at `tag` have the same
 * name: they are sorted, so that a tag of many attributes costs n log n, not n^2. */
static COLD bool repeated_many(jg__xml *x, const unsigned char *tag, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		x->order[i].name = tag + x->spans[i].name;
		x->order[i].len = x->spans[i].nend - x->spans[i].name;
	}
	qsort(x->order, n, sizeof(*x->order), key_cmp);
	for (size_t i = 1; i < n; i++)
		if (key_cmp(&x->order[i - 1], &x->order[i]) == 0)
			return true;
	return false;
}

/* True when two of the `n` attributes of the tag at `tag` have the same name; a few are
 * compared pair by pair. */
static inline bool repeated_att(jg__xml *x, const unsigned char *tag, size_t n)
{
	const struct jg__xml_span *s = x->spans;

	if (n > 8)
		return repeated_many(x, tag, n);
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (s[i].nend - s[i].name == s[j].nend - s[j].name &&
			    same(tag + s[i].name, tag + s[j].name, s[i].nend - s[i].name))
				return true;
	return false;
}

/* Rewrites the value of attribute `a` in place: references decoded, tab, LF, CR and CR LF
 * turned into one space each, NUL-terminated. Returns 0 or a code; it never gets longer. */
static COLD int finish_value(jg__xml *x, jg__xml_att *a)
{
	unsigned char *b = (unsigned char *)x->buf;
	size_t r = (size_t)(a->value - x->buf), end = r + a->vlen, w = r, olen = 0;
	char ref[4];

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
	a->vlen = w - (size_t)(a->value - x->buf);
	return 0;
}

/* Opens an element whose name is the `n` bytes at `name` (local part from `local`). The
 * first eight bytes are kept in the stack entry, the rest in `names`. */
static inline int push(jg__xml *x, const unsigned char *name, size_t n, size_t local)
{
	struct jg__xml_open *o = &x->open[x->depth];

	o->head = head8(name, n);
	o->len = (uint32_t)n;
	o->local = (uint32_t)local;
	o->off = x->names_len;
	if (n > 8) {
		if (x->names_len + n - 8 > x->names_cap) {
			size_t ncap = x->names_cap ? x->names_cap : 256;
			char *p;

			if (x->names_len + n - 8 > NAMES_MAX)
				return refuse(x, JG_ELIMIT, x->pos,
					      "has open XML elements whose names take more than "
					      "65536 bytes");
			while (ncap < x->names_len + n - 8)
				ncap *= 2;
			p = jg_realloc(x->names, ncap);
			if (!p)
				return JG_ENOMEM;
			x->names = p;
			x->names_cap = ncap;
		}
		memcpy(x->names + x->names_len, name + 8, n - 8);
		x->names_len += n - 8;
	}
	x->depth++;
	return 0;
}

/* Whether the `n` bytes at `name` are those of the open element `o`. */
static inline bool is_open(const jg__xml *x, const struct jg__xml_open *o,
			   const unsigned char *name, size_t n)
{
	return n == o->len && head8(name, n) == o->head &&
	       (n <= 8 || memcmp(name + 8, x->names + o->off, n - 8) == 0);
}

/*
 * The rest of an attribute value from b[p], a byte that attr_tab marks and that is not the
 * closing quote: checks what it finds, notes references and tab/CR/LF in *flags, and
 * returns the position of the closing quote; or 0 with *rc set to NEED (the value runs
 * past the buffer) or a failure.
 */
static COLD size_t value_rest(jg__xml *x, const unsigned char *b, size_t n, size_t p,
			      unsigned char quote, uint32_t *flags, int *rc)
{
	for (;;) {
		unsigned char c = b[p];

		if (c == quote)
			return p;
		if (c >= 0x80) {
			int len = u8char(b + p, b + n);

			if (len <= 0) {
				*rc = len < 0 ? NEED : fail(x, JG_EFORMAT, p, BAD_TOKEN);
				return 0;
			}
			p += (size_t)len;
		} else {
			if (c == '&')
				*flags |= HAS_REFS;
			else if (c == '\t' || c == '\n' || c == '\r')
				*flags |= HAS_BLANKS;
			else if (c != '"' && c != '\'') {
				/* '<', a control character, or the sentinel */
				*rc = p >= n ? NEED : fail(x, JG_EFORMAT, p, BAD_TOKEN);
				return 0;
			}
			p++;
		}
		p = attr_stop(b, p);
	}
}

/*
 * A start tag at b[*ip] ("<name a="v" ...>" or ".../>"). It is scanned whole before
 * anything is changed, so that it can be scanned again when it runs past the buffer; then
 * the names and values are NUL-terminated in place and the start handler (and for an empty
 * element the end handler) is called. The scan leans on the NUL sentinel at b[n]: it stops
 * every loop, and only then is the end of the buffer told from a bad byte.
 */
static NOINLINE int start_tag(jg__xml *x, unsigned char *b, size_t n, size_t *ip)
{
	const size_t i = *ip;
	size_t p = i + 1, nend, local = i + 1, natts = 0;
	struct jg__xml_span *spans = x->spans;
	jg__xml_att *atts;
	uint32_t special = 0;
	unsigned f = 0;
	bool empty;
	int r;

	if (x->state == ST_EPILOG)
		return fail(x, JG_EFORMAT, i, "junk after document element");
	if (!(name_tab[b[p]] & NAME_START))
		goto bad;
	while (name_tab[b[p]] & NAME_CHAR)
		f |= name_tab[b[p++]];
	if (p >= n)
		goto need;
	if ((f & (COLON | HIGH)) && !name_rest(b, i + 1, p, f, &local))
		return fail(x, JG_EFORMAT, i + 1, BAD_TOKEN);
	nend = p;
	for (;;) {
		size_t ws = p, an, alocal, aend, vs;
		unsigned char quote, c;
		uint32_t flags = 0;

		/* The usual shape, ` r="`: a space, a one-letter name, '=', '"'. */
		if (b[p] == ' ' &&
		    (name_tab[b[p + 1]] & (NAME_START | COLON | HIGH)) == NAME_START &&
		    b[p + 2] == '=' && b[p + 3] == '"') {
			an = alocal = p + 1;
			aend = p + 2;
			quote = '"';
			vs = p + 4;
			goto value;
		}
		while (blank_tab[b[p]])
			p++;
		c = b[p];
		if (c == '>') {
			p++;
			empty = false;
			break;
		}
		if (c == '/') {
			if (b[p + 1] == '>') {
				p += 2;
				empty = true;
				break;
			}
			if (p + 1 >= n)
				goto need;
			goto bad;
		}
		if (p == ws || !(name_tab[c] & NAME_START))
			goto bad;
		/* an attribute: name, '=', quoted value */
		an = alocal = p;
		f = 0;
		while (name_tab[b[p]] & NAME_CHAR)
			f |= name_tab[b[p++]];
		if (p >= n)
			goto need;
		if ((f & (COLON | HIGH)) && !name_rest(b, an, p, f, &alocal))
			return fail(x, JG_EFORMAT, an, BAD_TOKEN);
		aend = p;
		while (blank_tab[b[p]])
			p++;
		if (b[p] != '=')
			goto bad;
		p++;
		while (blank_tab[b[p]])
			p++;
		quote = b[p];
		if (quote != '"' && quote != '\'')
			goto bad;
		vs = p + 1;
	value:
		p = attr_stop(b, vs);
		if (b[p] != quote) {
			p = value_rest(x, b, n, p, quote, &flags, &r);
			if (!p) {
				if (r == NEED)
					goto need;
				return r;
			}
		}
		if (natts == x->atts_cap) {
			if (natts == JG__XML_MAX_ATTS)
				return refuse(x, JG_ELIMIT, i,
					      "has an XML element with more than 1024 attributes");
			if (att_room(x, natts))
				return JG_ENOMEM;
			spans = x->spans;
		}
		spans[natts].name = (uint32_t)(an - i);
		spans[natts].nend = (uint32_t)(aend - i);
		spans[natts].local = (uint32_t)(alocal - i);
		spans[natts].value = (uint32_t)(vs - i);
		spans[natts].vend = (uint32_t)(p - i);
		spans[natts].flags = flags;
		special |= flags;
		natts++;
		p++; /* the closing quote */
	}

	/* The tag is whole: check it, finish it in place, report it. */
	if (x->depth >= JG__XML_MAX_DEPTH)
		return refuse(x, JG_EFORMAT, i, "has XML elements nested more than 256 deep");
	if (natts > 1 && repeated_att(x, b + i, natts))
		return fail(x, JG_EFORMAT, i, "duplicate attribute");
	atts = x->atts;
	for (size_t k = 0; k < natts; k++) {
		const struct jg__xml_span *sp = &spans[k];
		jg__xml_att *a = &atts[k];

		a->name = (const char *)b + i + sp->name;
		a->local = (const char *)b + i + sp->local;
		a->value = (const char *)b + i + sp->value;
		a->vlen = sp->vend - sp->value;
		b[i + sp->nend] = '\0';
		if (special && sp->flags) {
			r = finish_value(x, a);
			if (r)
				return r;
		} else {
			b[i + sp->vend] = '\0';
		}
	}
	r = push(x, b + i + 1, nend - i - 1, local - i - 1);
	if (r)
		return r;
	b[nend] = '\0';
	x->pos = p;
	x->state = ST_CONTENT;
	x->ahead_ok = !empty;
	x->start(x->ud, (const char *)b + local, nend - local, atts, natts);
	x->ahead_ok = false;
	*ip = x->pos; /* jg__xml_skip() may have moved it */
	if (x->stopped)
		return JG__XML_STOPPED;
	if (empty) {
		x->names_len = x->open[--x->depth].off;
		x->end(x->ud, (const char *)b + local, nend - local);
		if (x->depth == 0)
			x->state = ST_EPILOG;
	}
	return x->stopped ? JG__XML_STOPPED : 0;
bad:
	if (p < n)
		return fail(x, JG_EFORMAT, p, BAD_TOKEN);
need:
	if (x->eof)
		return fail(x, JG_EFORMAT, i, "unclosed token");
	return NEED;
}

/* An end tag at b[*ip]: "</name>", with blanks allowed before the '>'. The usual case, the
 * name of the open element right before '>', is told by comparing its length, the '>' and
 * its first eight bytes. */
static NOINLINE int end_tag(jg__xml *x, unsigned char *b, size_t n, size_t *ip)
{
	const size_t i = *ip;
	size_t nend = 0, local = i + 2, p;
	const struct jg__xml_open *o = x->depth ? &x->open[x->depth - 1] : NULL;
	int r;

	if (o && i + 2 + o->len < n && b[i + 2 + o->len] == '>' &&
	    is_open(x, o, b + i + 2, o->len)) {
		nend = p = i + 2 + o->len;
		local = i + 2 + o->local;
	} else {
		r = scan_name(b, i + 2, n, &nend, &local);
		if (r == 0)
			goto need;
		if (r < 0)
			return fail(x, JG_EFORMAT, i + 2, BAD_TOKEN);
		p = nend;
		while (blank_tab[b[p]])
			p++;
		if (p >= n)
			goto need;
		if (b[p] != '>')
			return fail(x, JG_EFORMAT, p, BAD_TOKEN);
		if (!o)
			return fail(x, JG_EFORMAT, i,
				    x->state == ST_EPILOG ? "junk after document element"
							  : "syntax error");
		if (!is_open(x, o, b + i + 2, nend - i - 2))
			return fail(x, JG_EFORMAT, i, "mismatched tag");
	}
	x->depth--;
	x->names_len = o->off;
	*ip = p + 1;
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

			if (!(alnum || c == '.' || c == '_' || c == '-') ||
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
static COLD int pi(jg__xml *x)
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
	/* after the target: white space, or the end "?>" right away */
	if (b[tend] == '?' && tend + 1 >= n) {
		if (x->eof)
			return fail(x, JG_EFORMAT, i, "unclosed token");
		return NEED;
	}
	if (b[tend] == '?' ? b[tend + 1] != '>' : !is_blank(b[tend]))
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
static COLD int bang(jg__xml *x)
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
	if (lit[2] == 'D') /* a declaration in the prolog; anywhere else, just a bad token */
		return x->state != ST_PROLOG ? fail(x, JG_EFORMAT, i, BAD_TOKEN)
					     : refuse(x, JG_EFORMAT, i,
						      "has a DOCTYPE declaration, which xlsx files "
						      "never have (refused)");
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
			emit(x, b, from, p);
		} else if (b[p] == '\r') {
			emit(x, b, from, p);
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

/*
 * Keeps buf[pos..len) (an unfinished token, or nothing), moves it to the front and reads
 * more behind it: at least a chunk, and at least as much as is kept, so that a long token
 * is scanned again only a few times as it grows (the work stays linear). Sets eof when the
 * input has ended. The kept part is what the token cap applies to.
 */
static COLD int more(jg__xml *x)
{
	size_t keep = x->len - x->pos, want = keep > x->chunk ? keep : x->chunk, got = 0;

	if (keep > JG__XML_TOKEN_MAX)
		return refuse(x, JG_ELIMIT, x->pos, "has an XML token longer than 1048576 bytes");
	if (x->pos) {
		memmove(x->buf, x->buf + x->pos, keep);
		x->base += x->pos;
		x->len = keep;
		x->pos = 0;
	}
	if (x->cap - x->len < want) {
		size_t ncap = x->cap ? x->cap * 2 : x->chunk + 256;
		size_t old = x->cap ? x->cap + SLACK : 0;
		char *p;

		while (ncap - x->len < want)
			ncap *= 2;
		p = jg_realloc(x->buf, ncap + SLACK);
		if (!p)
			return JG_ENOMEM;
		memset(p + old, 0, ncap + SLACK - old); /* every byte load8() may see is set */
		x->buf = p;
		x->cap = ncap;
	}
	while (got < want) {
		int64_t k = x->read(x->rd, x->buf + x->len, x->cap - x->len);

		if (k < 0)
			return JG__XML_STOPPED;
		if (k == 0) {
			x->eof = true;
			break;
		}
		x->len += (size_t)k;
		got += (size_t)k;
	}
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

const char *jg__xml_ahead(const jg__xml *x, size_t *n)
{
	if (!x->ahead_ok || x->depth >= JG__XML_MAX_DEPTH - 4 || x->open[x->depth - 1].local)
		return NULL;
	*n = x->len - x->pos;
	return x->buf + x->pos;
}

void jg__xml_skip(jg__xml *x, size_t k, bool closed)
{
	x->pos += k;
	if (closed) {
		x->names_len = x->open[--x->depth].off;
		if (x->depth == 0)
			x->state = ST_EPILOG;
	}
	x->ahead_ok = false;
}

size_t jg__xml_plain(const char *s, size_t n)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t i = 0;

	for (;;) {
		unsigned char c;
		int k;

		i = text_stop(b, i); /* s[n] is a NUL */
		if (i >= n)
			return n;
		c = b[i];
		if (c < 0x80)
			return i;
		while (hangul_like(b + i))
			c = b[i += 3];
		if (c < 0x80)
			continue;
		k = u8char(b + i, b + n);
		if (k <= 0)
			return i;
		i += (size_t)k;
	}
}

/*
 * Scans what the buffer holds, from x->pos: 0 at the end of the input, NEED when a token
 * runs past the end of the buffer (x->pos is left at its start), or a failure. The buffer,
 * its length and the position stay in registers here; the rare tokens take x->pos.
 */
static int run(jg__xml *x)
{
	unsigned char *b = (unsigned char *)x->buf;
	const size_t n = x->len;
	size_t i = x->pos;
	int rc = 0;

	while (i < n) {
		unsigned char c1;

		if (b[i] != '<') {
			rc = x->state == ST_CONTENT ? content(x, b, n, &i) : outside(x, b, n, &i);
			if (rc)
				break;
			continue;
		}
		c1 = b[i + 1]; /* b[n] is the NUL sentinel */
		if (c1 == '/') {
			/* The usual end tag: the open element's short name and '>'. */
			const struct jg__xml_open *o = x->depth ? &x->open[x->depth - 1] : NULL;
			size_t e = o ? i + 2 + o->len : 0;

			if (o && o->len <= 8 && e < n && b[e] == '>' &&
			    head8(b + i + 2, o->len) == o->head) {
				size_t l = i + 2 + o->local;

				x->depth--;
				b[e] = '\0';
				i = e + 1;
				x->end(x->ud, (const char *)b + l, e - l);
				if (x->depth == 0)
					x->state = ST_EPILOG;
				if (x->stopped) {
					rc = JG__XML_STOPPED;
					break;
				}
				continue;
			}
			rc = end_tag(x, b, n, &i);
		} else if (name_tab[c1] & NAME_START) {
			/* The usual start tag without attributes: a short ASCII name and '>'. */
			size_t p = i + 1, len;
			unsigned f = 0;

			while (name_tab[b[p]] & NAME_CHAR)
				f |= name_tab[b[p++]];
			len = p - i - 1;
			if (b[p] == '>' && p < n && !(f & (COLON | HIGH)) && len <= 8 &&
			    x->depth < JG__XML_MAX_DEPTH && x->state != ST_EPILOG) {
				struct jg__xml_open *o = &x->open[x->depth++];

				o->head = head8(b + i + 1, len);
				o->len = (uint32_t)len;
				o->local = 0;
				o->off = x->names_len;
				b[p] = '\0';
				x->state = ST_CONTENT;
				x->pos = i = p + 1;
				x->ahead_ok = true;
				x->start(x->ud, (const char *)b + i - len - 1, len, x->atts, 0);
				x->ahead_ok = false;
				i = x->pos; /* jg__xml_skip() may have moved it */
				if (x->stopped) {
					rc = JG__XML_STOPPED;
					break;
				}
				continue;
			}
			rc = start_tag(x, b, n, &i);
		} else if (c1 == '?' || c1 == '!') {
			x->pos = i;
			rc = c1 == '?' ? pi(x) : bang(x);
			i = x->pos;
		} else if (i + 1 >= n) {
			rc = x->eof ? fail(x, JG_EFORMAT, i, "unclosed token") : NEED;
		} else {
			rc = start_tag(x, b, n, &i); /* it reports what is wrong */
		}
		if (rc)
			break;
	}
	x->pos = i;
	if (rc == 0 && !x->eof)
		rc = NEED;
	return rc;
}

int jg__xml_parse(jg__xml *x)
{
	int rc = 0;

	if (!x->chunk)
		x->chunk = DEF_CHUNK;
	while (!x->started) {
		rc = x->len - x->pos < 4 && !x->eof ? NEED : sniff(x);
		if (rc == NEED)
			rc = more(x);
		if (rc)
			return rc;
	}
	for (;;) {
		rc = run(x);
		if (rc != NEED)
			break;
		if (x->eof) /* every scanner decides at the end itself; never loop */
			return fail(x, JG_EFORMAT, x->pos, "unclosed token");
		rc = more(x);
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	if (x->state != ST_EPILOG)
		return fail(x, JG_EFORMAT, x->len, "no element found");
	return 0;
}
