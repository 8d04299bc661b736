/* SPDX-License-Identifier: MIT */
/*
 * Arenas: bump allocation in blocks, freed all at once. One per HTTP request and one per
 * import job, so that the work's memory has a clear end and a cap.
 */
#include <stdalign.h>
#include <string.h>

#include "jaego/util.h"

#define ARENA_BLOCK_MIN (32u * 1024u)
#define ARENA_DEFAULT_CAP ((size_t)64 * 1024 * 1024)

struct jg_arena_block {
	jg_arena_block *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

void jg_arena_init(jg_arena *a, size_t cap)
{
	a->head = NULL;
	a->used = 0;
	a->cap = cap ? cap : ARENA_DEFAULT_CAP;
}

void *jg_arena_alloc(jg_arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	jg_arena_block *b = a->head;
	size_t need = (n + align - 1) & ~(align - 1);
	void *p;

	if (need < n || need > a->cap || a->used > a->cap - need)
		return NULL;
	if (!b || b->size - b->used < need) {
		size_t size = need > ARENA_BLOCK_MIN ? need : ARENA_BLOCK_MIN;

		if (b && b->size * 2 > size && b->size * 2 <= ARENA_DEFAULT_CAP)
			size = b->size * 2;
		b = jg_malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->next = a->head;
		b->size = size;
		b->used = 0;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += need;
	a->used += need;
	return p;
}

char *jg_arena_strndup(jg_arena *a, const char *s, size_t n)
{
	char *d = jg_arena_alloc(a, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *jg_arena_strdup(jg_arena *a, const char *s)
{
	return s ? jg_arena_strndup(a, s, strlen(s)) : NULL;
}

void jg_arena_reset(jg_arena *a)
{
	jg_arena_block *b = a->head;

	/* Keep the newest (largest) block for reuse, free the rest. */
	if (!b)
		return;
	while (b->next) {
		jg_arena_block *next = b->next->next;

		jg_free(b->next);
		b->next = next;
	}
	b->used = 0;
	a->used = 0;
}

void jg_arena_free(jg_arena *a)
{
	jg_arena_block *b = a->head;

	while (b) {
		jg_arena_block *next = b->next;

		jg_free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}
