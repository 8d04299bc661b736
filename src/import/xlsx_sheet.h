/* SPDX-License-Identifier: MIT */
/*
 * The streaming XML tokenizer that reads worksheet parts for xlsx.c, in place of expat
 * (see xlsx_sheet.c for why). It pulls bytes through a read callback into one buffer of
 * its own, so a chunk may end anywhere, and reports start tags, end tags and text to
 * handlers as expat would without namespace processing: names as written, attribute values
 * with entities decoded and white space normalised, text with line ends normalised. It
 * checks well-formedness as it goes and keeps every quantity capped. Internal to
 * src/import/.
 */
#ifndef JAEGO_IMPORT_XLSX_SHEET_H
#define JAEGO_IMPORT_XLSX_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jaego/sheet.h"

#define JG__XML_MAX_DEPTH 256               /* element nesting, as xlsx.c caps expat's */
#define JG__XML_TOKEN_MAX ((size_t)1 << 20) /* the longest tag, comment, PI or CDATA */
#define JG__XML_MAX_ATTS  1024              /* attributes on one element */

/* jg__xml_parse() results besides 0 and the JG_E* codes. */
#define JG__XML_STOPPED 1 /* a handler or the read callback stopped it: the caller knows why */
#define JG__XML_NOT_UTF8                                                       \
	2 /* the part is not UTF-8 (a BOM or declaration says so); nothing was \
	     reported yet, so the caller can parse it again with expat */

/* One attribute of a start tag. The strings live in the tokenizer's buffer and are valid
 * only during the start handler. */
typedef struct jg__xml_att {
	const char *name;  /* as written, prefix included, NUL-terminated */
	const char *local; /* the part of name after its last ':' */
	const char *value; /* entities decoded, white space normalised, NUL-terminated */
	size_t vlen;       /* bytes in value */
} jg__xml_att;

/* `local` is the element name after its last ':' (NUL-terminated, `llen` bytes). */
typedef void (*jg__xml_start_fn)(void *ud, const char *local, size_t llen, const jg__xml_att *atts,
				 size_t natts);
typedef void (*jg__xml_end_fn)(void *ud, const char *local, size_t llen);
/* A piece of character data; one text node may come in several pieces. */
typedef void (*jg__xml_text_fn)(void *ud, const char *s, size_t n);
/* Reads up to `cap` bytes into `buf`: the count, 0 at the end, or < 0 when reading failed
 * (the callback records why; the parse returns JG__XML_STOPPED). */
typedef int64_t (*jg__xml_read_fn)(void *rd, char *buf, size_t cap);

typedef struct jg__xml {
	/* Set by the caller before jg__xml_parse(). */
	void *ud;
	jg__xml_start_fn start;
	jg__xml_end_fn end;
	jg__xml_text_fn text; /* NULL: text is checked and dropped; handlers may switch it */
	jg__xml_read_fn read;
	void *rd;
	size_t chunk; /* bytes asked of `read` at a time (at least this much room is kept) */

	/* The outcome of a failed parse: an expat-like reason ("mismatched tag") and the byte
	 * offset in the part. When `refused` is set the document was refused rather than
	 * malformed (a DOCTYPE, a cap) and `why` reads after the part's name ("has a
	 * DOCTYPE declaration, ..."). */
	const char *why;
	uint64_t at;
	bool refused;

	/* Private. */
	char *buf;
	size_t cap, len, pos; /* buf[pos..len) is not parsed yet */
	uint64_t base;        /* offset in the part of buf[0] */
	bool eof, stopped, started, ahead_ok;
	int state, depth;
	size_t decl_at; /* where an XML declaration may stand (after a BOM) */
	char *names;    /* bytes past the eighth of the names of open elements, back to back */
	size_t names_len, names_cap;
	struct jg__xml_open {
		uint64_t head;     /* the name's first eight bytes (fewer, zero-padded) */
		uint32_t len;      /* its length */
		uint32_t local;    /* where its local part starts in it */
		size_t off;        /* where its bytes past the eighth are in `names` */
	} open[JG__XML_MAX_DEPTH]; /* the open elements */
	jg__xml_att *atts;
	struct jg__xml_span *spans; /* where each attribute of a tag lies in buf */
	struct jg__xml_key *order;  /* their names, sorted to find a repeated one */
	size_t atts_cap;
} jg__xml;

/* Prepares `x` (all zero, then the caller's fields). Nothing is allocated until parsing. */
void jg__xml_init(jg__xml *x);

/*
 * Parses one document to its end, calling the handlers in document order. Returns 0, a
 * JG_E* code with x->why and x->at set (JG_EFORMAT for XML that is not well-formed or has a
 * DOCTYPE, JG_ELIMIT for a cap, JG_ENOMEM), JG__XML_STOPPED or JG__XML_NOT_UTF8. Call once
 * per jg__xml_init().
 */
int jg__xml_parse(jg__xml *x);

/* Makes jg__xml_parse() return JG__XML_STOPPED after the current handler returns. */
void jg__xml_stop(jg__xml *x);

/* Frees what parsing allocated. Accepts a parser that never ran. */
void jg__xml_free(jg__xml *x);

/*
 * A shortcut for the handlers of a dialect whose elements come in fixed shapes. Inside a
 * start handler, jg__xml_ahead() gives the bytes read after the start tag just reported
 * (*n of them; s[*n] is the buffer's NUL, which ends any scan), or NULL when the element's
 * name has a prefix ("x:c": the local name the handler got is not the whole name) or it
 * is near the nesting cap. A handler that recognises in them the element's whole content
 * and end tag, checked as the tokenizer would check them (jg__xml_plain() does the text),
 * does what the events would have done and calls jg__xml_skip(x, k, true): the tokenizer
 * goes on after those k bytes with the element closed, calling no handler for them. A
 * handler that reads on over the start tag of a sibling of the same name (with no
 * prefix) calls jg__xml_skip(x, k, false) instead: that sibling is then the open element.
 * Not thread-safe, like the rest: one parser, one thread.
 */
const char *jg__xml_ahead(const jg__xml *x, size_t *n);
void jg__xml_skip(jg__xml *x, size_t k, bool closed);

/* The length of the plain character data at s[0..n), bytes from jg__xml_ahead() (it reads
 * the word past s[n]): stops at the first '<', '&', CR or ']', at a character XML forbids,
 * and at UTF-8 that is malformed or cut by the end. Text without those reads the same
 * whatever the chunk boundaries. */
size_t jg__xml_plain(const char *s, size_t n);

/*
 * xlsx.c, for tests: jg__xlsx_read() (rows as the reader hands them out, before the
 * dispatcher's NFC step and row caps) with the worksheet and the shared strings read by
 * expat when `expat` is true, else by the tokenizer fed `chunk` bytes at a time (0: the
 * usual 64 KiB; 1 splits every token). `lim` is resolved (jg_sheet_limits_resolve); `info`
 * may be NULL.
 */
int jg__xlsx_read_as(const void *data, size_t n, bool expat, size_t chunk,
		     const jg_sheet_opts *opts, const jg_sheet_limits *lim, jg_sheet_info *info,
		     jg_sheet_cb cb, void *payload, jg_err *err);

#endif
