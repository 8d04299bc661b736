/* SPDX-License-Identifier: MIT */
/*
 * int64 → (int64, int64) hash map with linear probing; grows at 50% load, never shrinks;
 * clearing a large one releases it. Keys are database ids, so a multiplicative hash spreads
 * them well.
 */
#include <string.h>

#include "jaego/util.h"
#include "i64map.h"

void jg_i64map_init(jg_i64map *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void jg_i64map_free(jg_i64map *m)
{
	jg_free(m->slots);
	jg_i64map_init(m);
}

/* Past this many slots, clearing releases the table instead of zeroing it: after one big
 * batch, every later small transaction would otherwise pay to zero (and walk) it. */
#define CLEAR_KEEP_MAX 1024

void jg_i64map_clear(jg_i64map *m)
{
	if (m->cap > CLEAR_KEEP_MAX)
		jg_i64map_free(m);
	else if (m->len)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->len = 0;
}

static size_t hash(int64_t key, size_t cap)
{
	uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 32) & (cap - 1);
}

jg_i64map_slot *jg_i64map_get(const jg_i64map *m, int64_t key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = hash(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].used)
			return NULL;
		if (m->slots[i].key == key)
			return &m->slots[i];
	}
}

static int grow(jg_i64map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	jg_i64map_slot *ns = jg_calloc(ncap, sizeof(*ns));

	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->slots[i].used)
			continue;
		for (j = hash(m->slots[i].key, ncap); ns[j].used; j = (j + 1) & (ncap - 1))
			;
		ns[j] = m->slots[i];
	}
	jg_free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

jg_i64map_slot *jg_i64map_put(jg_i64map *m, int64_t key, int *created)
{
	size_t i;

	if ((m->len + 1) * 2 > m->cap && grow(m))
		return NULL;
	for (i = hash(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].used) {
			m->slots[i].used = 1;
			m->slots[i].key = key;
			m->slots[i].a = m->slots[i].b = m->slots[i].c = m->slots[i].d = 0;
			m->slots[i].flag = 0;
			m->len++;
			if (created)
				*created = 1;
			return &m->slots[i];
		}
		if (m->slots[i].key == key) {
			if (created)
				*created = 0;
			return &m->slots[i];
		}
	}
}
