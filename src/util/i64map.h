/* SPDX-License-Identifier: MIT */
/*
 * An open-addressing hash map from int64 keys (database ids) to four int64 values.
 * Used for the store's per-transaction dirty sets. Internal to jaego.
 */
#ifndef JAEGO_UTIL_I64MAP_H
#define JAEGO_UTIL_I64MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct jg_i64map_slot {
	int64_t key;
	int64_t a, b, c, d;
	int used;
	int flag; /* the user's; 0 in a new slot */
} jg_i64map_slot;

typedef struct jg_i64map {
	jg_i64map_slot *slots;
	size_t cap; /* power of two or 0 */
	size_t len;
} jg_i64map;

void jg_i64map_init(jg_i64map *m);
void jg_i64map_free(jg_i64map *m);
void jg_i64map_clear(jg_i64map *m);
/* Finds `key`; NULL when absent. The pointer is valid until the next insertion. */
jg_i64map_slot *jg_i64map_get(const jg_i64map *m, int64_t key);
/* Finds or inserts `key` (new slots get a = b = c = d = flag = 0); *created says which.
 * NULL on ENOMEM. */
jg_i64map_slot *jg_i64map_put(jg_i64map *m, int64_t key, int *created);

/* Iterates: for (i = 0; i < m->cap; i++) if (m->slots[i].used) ... */

#endif
