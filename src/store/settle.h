/* SPDX-License-Identifier: MIT */
/*
 * The listing pass shared by settling (update mode) and `check` (compare mode), and the
 * channel-rule table it reads. Internal to src/store/.
 */
#ifndef JAEGO_STORE_SETTLE_H
#define JAEGO_STORE_SETTLE_H

#include <stdio.h>

#include "store_int.h"

typedef struct jg__rule_row {
	int64_t id;
	jg_rule rule;
	char name[JG_CODE_MAX];
} jg__rule_row;

typedef struct jg__rules {
	jg__rule_row *v;
	size_t n;
	int64_t top; /* the priority_top setting */
} jg__rules;

int jg__rules_load(jg_store *s, jg__rules *out, jg_err *err);
void jg__rules_free(jg__rules *r);
const jg__rule_row *jg__rules_find(const jg__rules *r, int64_t channel_id);

/* Compare mode: called for each listing whose stored quantity or reason differs. */
typedef int (*jg__listing_mismatch_cb)(int64_t listing_id, int64_t stored, int64_t computed,
				       void *payload);

/* Computes listings (all, or those in temp.dirty_listing) and stores changes, or in
 * compare mode reports them. *out_computed (may be NULL) counts listings computed. */
int jg__listings_pass(jg_store *s, bool all, jg__listing_mismatch_cb on_mismatch, void *payload,
		      int64_t *out_computed, jg_err *err);

#endif
