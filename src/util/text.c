/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 text: validation, NFC for storage, and the folded key that option matching uses.
 * Normalisation is utf8proc's; its output lands in our own buffers so that every byte still
 * passes the allocator choke point.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <utf8proc.h>

#include "jaego/util.h"

#define TEXT_MAX_CODEPOINTS (1u << 20) /* 1 Mi code points per string is far past any cell */

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool jg_ascii_eq_ci(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower(*a) != ascii_lower(*b))
			return false;
	return *a == *b;
}

bool jg_ascii_starts_ci(const void *p, size_t n, const char *lit)
{
	const char *s = p;
	size_t k = strlen(lit);

	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (ascii_lower(s[i]) != lit[i])
			return false;
	return true;
}

bool jg_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;

		if (*p < 0x80) {
			p++;
			continue;
		}
		k = utf8proc_iterate(p, end - p, &cp);
		if (k < 0 || cp < 0)
			return false;
		p += k;
	}
	return true;
}

/* Decomposes and recomposes `s` with `opts` and appends the UTF-8 result to `out`. */
static int normalise(jg_buf *out, const char *s, size_t n, utf8proc_option_t opts)
{
	utf8proc_int32_t *cps = NULL;
	utf8proc_ssize_t count, len;
	int rc = 0;

	if (n > (size_t)SSIZE_MAX)
		return JG_ELIMIT;
	count = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, NULL, 0, opts);
	if (count < 0)
		return JG_EINVAL;
	if ((size_t)count > TEXT_MAX_CODEPOINTS)
		return JG_ELIMIT;
	cps = jg_malloc(((size_t)count + 1) * sizeof(*cps));
	if (!cps)
		return JG_ENOMEM;
	count = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, cps, count,
				   opts);
	if (count < 0) {
		rc = JG_EINVAL;
		goto out;
	}
	len = utf8proc_reencode(cps, count, opts);
	if (len < 0) {
		rc = JG_EINVAL;
		goto out;
	}
	rc = jg_buf_append(out, cps, (size_t)len);
out:
	jg_free(cps);
	return rc;
}

int jg_text_nfc(jg_buf *out, const char *s, size_t n)
{
	size_t i;

	/* ASCII is already NFC: the common case skips the round trip. */
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			break;
	if (i == n)
		return jg_buf_append(out, s, n);
	return normalise(out, s, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

static bool is_space(utf8proc_int32_t cp)
{
	if (cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || cp == 0x85 || cp == 0x2028 || cp == 0x2029)
		return true;
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

/* 0 for an ordinary character, else the separator it folds to. */
static char separator(utf8proc_int32_t cp)
{
	switch (cp) {
	case '/': case ',': case '|': case ';': return '/';
	case ':': case '=': return ':';
	}
	return 0;
}

int jg_text_option_key(jg_buf *out, const char *s, size_t n)
{
	jg_buf tmp;
	const unsigned char *p, *end;
	size_t start = out->len;
	char last_sep = 1; /* pretend a separator precedes: drops leading separators */
	int rc;

	jg_buf_init(&tmp, out->max);
	rc = normalise(&tmp, s, n,
		       UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
			       UTF8PROC_IGNORE);
	if (rc)
		goto out;
	p = (const unsigned char *)jg_buf_str(&tmp);
	end = p + tmp.len;
	while (p < end) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, end - p, &cp);
		char sep;

		if (k <= 0) {
			rc = JG_EINVAL;
			goto out;
		}
		if (is_space(cp)) {
			p += k;
			continue;
		}
		sep = separator(cp);
		if (sep) {
			if (!last_sep) {
				rc = jg_buf_append(out, &sep, 1);
				last_sep = sep;
			}
		} else {
			rc = jg_buf_append(out, p, (size_t)k);
			last_sep = 0;
		}
		if (rc)
			goto out;
		p += k;
	}
	/* Drop a trailing separator. */
	if (last_sep && out->len > start && separator((unsigned char)out->p[out->len - 1])) {
		out->len--;
		out->p[out->len] = '\0';
	}
out:
	if (rc) {
		out->len = start;
		if (out->p)
			out->p[start] = '\0';
	}
	jg_buf_free(&tmp);
	return rc;
}

/* True for a byte that may start the UTF-8 of a space other than an ASCII one. */
static bool space_lead(unsigned char b)
{
	return b == 0xc2 || (b >= 0xe1 && b <= 0xe3);
}

const char *jg_text_trim(const char *s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + *n;

	/* An ASCII byte is a space only as ' ' or \t..\r (no other ASCII character is in
	 * Zs), and every other space starts with C2, E1, E2 or E3 (U+0085, U+00A0, U+1680,
	 * U+2000..U+205F, U+3000): any other byte is decided here without decoding, which is
	 * nearly every cell's first and last character (a Hangul syllable starts with EA..ED). */
	while (p < end) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;

		if (*p < 0x80) {
			if (*p != ' ' && (*p < 0x09 || *p > 0x0d))
				break;
			p++;
			continue;
		}
		if (!space_lead(*p))
			break;
		k = utf8proc_iterate(p, end - p, &cp);
		if (k <= 0 || !is_space(cp))
			break;
		p += k;
	}
	while (end > p) {
		const unsigned char *q = end - 1;
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;

		if (*q < 0x80) {
			if (*q != ' ' && (*q < 0x09 || *q > 0x0d))
				break;
			end = q;
			continue;
		}
		while (q > p && (*q & 0xc0) == 0x80)
			q--;
		if (!space_lead(*q))
			break;
		k = utf8proc_iterate(q, end - q, &cp);
		if (k <= 0 || !is_space(cp))
			break;
		end = q;
	}
	*n = (size_t)(end - p);
	return (const char *)p;
}

int jg_parse_i64(int64_t *out, const char *s)
{
	const char *p = s;
	int neg = 0;
	uint64_t v = 0, lim;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return JG_EINVAL;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	while (isdigit((unsigned char)*p)) {
		unsigned d = (unsigned)(*p++ - '0');

		if (v > (lim - d) / 10)
			return JG_EINVAL;
		v = v * 10 + d;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		return JG_EINVAL;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}
