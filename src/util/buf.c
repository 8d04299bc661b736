/* SPDX-License-Identifier: MIT */
/*
 * Capped, growable byte buffers. The cap is set at init and never exceeded: a buffer that
 * holds input cannot be grown without bound by that input. Content is kept NUL-terminated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jaego/util.h"

void jg_buf_init(jg_buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

static int grow(jg_buf *b, size_t extra)
{
	size_t need, a;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return JG_ELIMIT;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	a = b->alloc ? b->alloc : 64;
	while (a < need)
		a = a * 2 < a ? need : a * 2;
	if (a > b->max + 1)
		a = b->max + 1;
	p = jg_realloc(b->p, a);
	if (!p)
		return JG_ENOMEM;
	b->p = p;
	b->alloc = a;
	return 0;
}

int jg_buf_append(jg_buf *b, const void *data, size_t n)
{
	int rc = grow(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int jg_buf_puts(jg_buf *b, const char *s)
{
	return jg_buf_append(b, s, strlen(s));
}

int jg_buf_printf(jg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return JG_EINVAL;
	rc = grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void jg_buf_reset(jg_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

char *jg_buf_detach(jg_buf *b)
{
	char *p = b->p;

	if (!p)
		p = jg_strdup("");
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

void jg_buf_free(jg_buf *b)
{
	jg_free(b->p);
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
}

const char *jg_buf_str(const jg_buf *b)
{
	return b->p ? b->p : "";
}
