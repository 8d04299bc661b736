/* SPDX-License-Identifier: MIT */
/*
 * The utility layer: the one allocator choke point, arenas, capped buffers, UTF-8 text
 * normalisation and time. Nothing here knows about stock, files or SQL.
 *
 * Invariant: every byte jaego allocates goes through jg_malloc/jg_calloc/jg_realloc, so a
 * test can make the Nth allocation fail and prove that every caller copes.
 */
#ifndef JAEGO_UTIL_H
#define JAEGO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- allocator ------------------------------------------------------------------------ */

/* malloc/calloc/realloc/free through one choke point. Thread-safe. Return NULL on failure. */
void *jg_malloc(size_t n);
void *jg_calloc(size_t count, size_t size);
void *jg_realloc(void *p, size_t n);
void jg_free(void *p);
/* Copies of a NUL-terminated string, or of `n` bytes plus a NUL. NULL on failure or NULL in. */
char *jg_strdup(const char *s);
char *jg_strndup(const char *s, size_t n);

/*
 * Test hook: after `n` more successful allocations, every allocation fails until the hook is
 * reset with n < 0. Returns the number of allocations made since the last call.
 */
long jg_alloc_fail_after(long n);

/* ---- arena ------------------------------------------------------------------------------ */

/*
 * A bump allocator for work with a clear end (one request, one import). Memory comes in
 * blocks from jg_malloc; nothing is freed until jg_arena_reset() or jg_arena_free(). `cap`
 * bounds the total bytes the arena may hold (0 means 64 MiB); a request past it fails.
 */
typedef struct jg_arena_block jg_arena_block;
typedef struct jg_arena {
	jg_arena_block *head;
	size_t used;  /* bytes handed out, all blocks */
	size_t cap;
} jg_arena;

void jg_arena_init(jg_arena *a, size_t cap);
void *jg_arena_alloc(jg_arena *a, size_t n);
char *jg_arena_strdup(jg_arena *a, const char *s);
char *jg_arena_strndup(jg_arena *a, const char *s, size_t n);
void jg_arena_reset(jg_arena *a);
void jg_arena_free(jg_arena *a);

/* ---- capped buffer ------------------------------------------------------------------------ */

/*
 * A growable byte buffer with a hard cap set at init; the content is always NUL-terminated.
 * Appending past the cap fails with JG_ELIMIT and leaves the buffer as it was.
 */
typedef struct jg_buf {
	char *p;
	size_t len;
	size_t alloc;
	size_t max;
} jg_buf;

void jg_buf_init(jg_buf *b, size_t max);
int jg_buf_append(jg_buf *b, const void *data, size_t n);
int jg_buf_puts(jg_buf *b, const char *s);
int jg_buf_printf(jg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jg_buf_reset(jg_buf *b);
/* Hands the content to the caller (free with jg_free) and resets the buffer. */
char *jg_buf_detach(jg_buf *b);
void jg_buf_free(jg_buf *b);
/* The content as a string: never NULL, "" for an empty buffer. */
const char *jg_buf_str(const jg_buf *b);

/* ---- text --------------------------------------------------------------------------------- */

/* True when `s[0..n)` is well-formed UTF-8 (no overlongs, no surrogates). */
bool jg_utf8_valid(const char *s, size_t n);

/* ASCII case-insensitive comparisons, the same in every locale (file formats name their
 * charsets, tags and attributes in ASCII): equality of two strings, and whether
 * `p[0..n)` starts with the lower-case literal `lit`. */
bool jg_ascii_eq_ci(const char *a, const char *b);
bool jg_ascii_starts_ci(const void *p, size_t n, const char *lit);

/* Writes the UTF-8 form of the scalar value `cp` (at most U+10FFFF, not a surrogate: the
 * caller checks) at `d`, which has room for 4 bytes; returns the bytes written. Inline:
 * the spreadsheet readers call it per character of every decoded string. */
static inline size_t jg_utf8_put(char *d, uint32_t cp)
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
 * Writes the NFC form of the UTF-8 text `s` into `out` (appended). Korean typed on a Mac
 * arrives decomposed (NFD); this is how it is stored. JG_EINVAL for invalid UTF-8.
 */
int jg_text_nfc(jg_buf *out, const char *s, size_t n);

/*
 * Writes the matching key of an option text: NFKC, case-folded, every run of white space
 * removed and the separators folded (`/ , | ;` become `/`, `: =` become `:`, repeated and
 * trailing separators dropped). "색상: 빨강 / 사이즈: L" and "색상:빨강/사이즈:l" give the same
 * key. Display keeps the original; only matching uses the key.
 */
int jg_text_option_key(jg_buf *out, const char *s, size_t n);

/* Trims ASCII and Unicode white space at both ends; returns a pointer into `s`, sets *n. */
const char *jg_text_trim(const char *s, size_t *n);

/*
 * Parses a whole decimal int64 ("12", "-3", "+4"), allowing surrounding blanks. JG_EINVAL for
 * anything else (fractions, exponents, empty text, overflow).
 */
int jg_parse_i64(int64_t *out, const char *s);

/* ---- time --------------------------------------------------------------------------------- */

#define JG_KST_OFFSET_MIN 540 /* Korea Standard Time, UTC+9, no daylight saving */

/* Current UTC time in milliseconds. */
int64_t jg_now_ms(void);

/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]", the ISO 8601 form with "T", optional
 * fractions of a second and an optional zone ("Z", "+09:00", "+0900"), and "YYYY.MM.DD" or
 * "YYYY/MM/DD" as Korean files write them. A time without a zone is taken in
 * `default_offset_min` minutes east of UTC. JG_EINVAL for anything else.
 */
int jg_time_parse(int64_t *out_ms, const char *s, int default_offset_min);

/* Formats `ms` as "YYYY-MM-DD HH:MM:SS" in the given offset into `out` (>= 20 bytes). */
void jg_time_format(char *out, size_t outsz, int64_t ms, int offset_min);

/* Formats `ms` as ISO 8601 with the offset, e.g. "2026-11-29T22:10:00+09:00" (>= 26 bytes). */
void jg_time_format_iso(char *out, size_t outsz, int64_t ms, int offset_min);

#ifdef __cplusplus
}
#endif
#endif
