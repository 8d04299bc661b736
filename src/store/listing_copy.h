/* SPDX-License-Identifier: MIT */
/*
 * The in-memory listing copy (match.c): the one model of the listings that matching, the
 * full settling pass (settle.c) and the incremental settle (settle_mem.c) share, and the
 * rules that keep it true (match.c's head comment). Internal to src/store/.
 */
#ifndef JAEGO_STORE_LISTING_COPY_H
#define JAEGO_STORE_LISTING_COPY_H

#include "store_int.h"

typedef struct jg__copy_entry {
	uint64_t hash;
	int64_t channel_id, listing_id;
	const char *product_id, *key;
	size_t first, n;                /* its components in sku[] and per[] */
	int64_t listed, why, limit_sku; /* as stored (0: no limiting SKU) */
	uint32_t stamp;                 /* the incremental settle that last queued it */
} jg__copy_entry;

struct jg__listing_copy {
	jg__copy_entry *v; /* in listing id order */
	size_t n, cap;
	uint32_t *slots; /* 1 + index into v, 0 for empty; nslots is a power of two */
	size_t nslots;
	int64_t *sku, *per;
	size_t ncomp, capcomp;
	jg_arena strings;
	int64_t data_version; /* the driver's data_version when the copy was made */
	size_t set_next;      /* where jg__listing_copy_set looks first (its calls come in
			       * listing id order) */
	bool touched;         /* made, or its stored values changed, in the open transaction:
			       * a rollback drops it */
	/* The reverse index SKU -> listings, made when the incremental settle first needs it
	 * (jg__listing_copy_index); it depends on the recipes only, which the copy never
	 * outlives. */
	bool indexed;
	jg_i64map by_sku; /* sku id -> a: first index in rev[], b: count */
	uint32_t *rev;    /* indexes into v, grouped by SKU */
	uint32_t stamp;   /* the last incremental settle's (jg__copy_entry.stamp) */
};

/* Makes the copy (s->listing_copy) unless the shop has more than `max_listings` listings.
 * 0 with s->listing_copy set, or 0 without it when it is too big or memory ran short (the
 * queries serve then); < 0 for a database error. */
int jg__listing_copy_build(jg_store *s, size_t max_listings, jg_err *err);

/* Makes the copy's reverse index, if it has none: 0, or JG_ENOMEM with the copy dropped. */
int jg__listing_copy_index(jg_store *s);

#endif
