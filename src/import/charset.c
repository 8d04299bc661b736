/* SPDX-License-Identifier: MIT */
/*
 * Legacy Korean text. Korean order files that are not UTF-8 are CP949 (Microsoft's Unified
 * Hangul Code: EUC-KR plus the 8,822 syllables, such as 똠 and 햏, that EUC-KR cannot
 * spell). They are decoded with glibc's "CP949" iconv converter and never with "EUC-KR",
 * whose glibc decoder lets bytes such as 0x80 through as C1 controls instead of refusing
 * them. Conversion streams through a fixed stack chunk into the caller's capped jg_buf, and
 * a byte sequence that is not CP949 is an error naming its offset, never a replacement
 * character: a mis-decoded name or address must not reach an order silently.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "readers.h"

#define CHUNK 8192

/*
 * Converts CP949 `data[0..n)` to UTF-8, appending to `out` when it is not NULL (a NULL
 * `out` only checks). Returns 0, JG_EFORMAT with *bad set to the offset of the first byte
 * that does not decode (an incomplete sequence at the end counts), JG_ELIMIT when `out`
 * would pass its cap, JG_ENOMEM, or JG_EIO when the C library has no CP949 converter.
 */
static int cp949_convert(jg_buf *out, const void *data, size_t n, size_t *bad)
{
	char chunk[CHUNK];
	char *in = (char *)data; /* iconv's prototype is not const-correct; it only reads */
	size_t left = n;
	iconv_t cd;
	int rc = 0;

	cd = iconv_open("UTF-8", "CP949");
	if (cd == (iconv_t)-1)
		return JG_EIO;
	while (left > 0) {
		char *o = chunk;
		size_t room = sizeof(chunk), got;
		size_t r = iconv(cd, &in, &left, &o, &room);
		int e = errno;

		got = sizeof(chunk) - room;
		if (out && got) {
			rc = jg_buf_append(out, chunk, got);
			if (rc)
				goto out;
		}
		if (r == (size_t)-1 && e != E2BIG) {
			/* EILSEQ: not CP949; EINVAL: a lead byte with nothing after it. */
			*bad = (size_t)(in - (char *)data);
			rc = JG_EFORMAT;
			goto out;
		}
	}
out:
	iconv_close(cd);
	return rc;
}

jg__charset jg__charset_detect(const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t bad = 0;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return JG__CHARSET_UTF8;
	if (jg_utf8_valid(data, n))
		return JG__CHARSET_UTF8;
	if (cp949_convert(NULL, data, n, &bad) == 0)
		return JG__CHARSET_CP949;
	return JG__CHARSET_UTF8;
}

int jg__cp949_to_utf8(jg_buf *out, const void *data, size_t n, jg_err *err)
{
	const unsigned char *p = data;
	size_t bad = 0;
	int rc;

	rc = cp949_convert(out, data, n, &bad);
	switch (rc) {
	case 0:
		return 0;
	case JG_EFORMAT:
		if (bad >= n)
			bad = n - 1; /* cannot happen: iconv stops on a byte of the input */
		if (bad + 1 < n)
			return jg_err_set(err, JG_EFORMAT,
					  "text is neither UTF-8 nor CP949: bytes 0x%02X 0x%02X at "
					  "byte offset %zu do not decode",
					  p[bad], p[bad + 1], bad);
		return jg_err_set(err, JG_EFORMAT,
				  "text is neither UTF-8 nor CP949: byte 0x%02X at byte offset %zu "
				  "does not decode",
				  p[bad], bad);
	case JG_ELIMIT:
		return jg_err_set(err, JG_ELIMIT, "decoded text is larger than %zu bytes",
				  out->max);
	case JG_ENOMEM:
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	default:
		return jg_err_set(err, rc, "the C library cannot convert CP949 (iconv)");
	}
}
