/* SPDX-License-Identifier: MIT */
/*
 * The one allocator choke point. Every allocation in jaego passes here so that a test can
 * make the Nth one fail (jg_alloc_fail_after) and prove that each caller reports JG_ENOMEM
 * and leaks nothing. The counters are atomics: the server allocates from many threads.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "jaego/util.h"

static atomic_long alloc_count;
static atomic_long fail_at = -1; /* allocation number that fails first, -1 = never */

static int should_fail(void)
{
	long n = atomic_fetch_add(&alloc_count, 1) + 1;
	long f = atomic_load(&fail_at);

	return f >= 0 && n > f;
}

long jg_alloc_fail_after(long n)
{
	long made = atomic_exchange(&alloc_count, 0);

	atomic_store(&fail_at, n);
	return made;
}

void *jg_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1); /* banned-ok: the choke point itself */
}

void *jg_calloc(size_t count, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1); /* banned-ok */
}

void *jg_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1); /* banned-ok */
}

void jg_free(void *p)
{
	free(p); /* banned-ok */
}

char *jg_strndup(const char *s, size_t n)
{
	char *d;

	if (!s)
		return NULL;
	d = jg_malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *jg_strdup(const char *s)
{
	return s ? jg_strndup(s, strlen(s)) : NULL;
}
