/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for reading catalogue lists (src/intake/catalog.c): the first input
 * byte picks a SKU list or a listing list, the rest is the file. Whatever the bytes, the
 * reader either fails with a code in `err` and no catalogue, or gives a result that keeps
 * its promises: at most JG_CATALOG_REJECT_MAX rejects kept and no more than counted,
 * sorted by row and column, each with a row, a NUL-terminated reason and a field that is
 * one of the header's names or empty. A broken promise aborts. Seed corpus:
 * tests/fuzz/corpus/catalog/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jaego/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const jg_catalog_result *r)
{
	static const char *const fields[] = {"",       "sku",       "name",    "stock",
					     "safety", "low_stock", "channel", "product_id",
					     "option", "recipe"};

	if (r->n_rejected > JG_CATALOG_REJECT_MAX || (int64_t)r->n_rejected > r->rejected_count ||
	    r->rows < 0 || r->applied)
		abort();
	for (size_t i = 0; i < r->n_rejected; i++) {
		const jg_catalog_reject *x = &r->rejected[i];
		bool known = false;

		if (x->row < 1 || x->column < 0 ||
		    memchr(x->reason, '\0', sizeof(x->reason)) == NULL)
			abort();
		for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
			known = known || strcmp(x->field, fields[k]) == 0;
		if (!known)
			abort();
		if (i && (x->row < x[-1].row || (x->row == x[-1].row && x->column < x[-1].column)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jg_catalog_opts o = {.name = "fuzz.csv", .max_rows = 2000};
	jg_catalog *c = NULL;
	jg_err err = {0};
	int rc;

	if (size < 1)
		return 0;
	rc = jg_catalog_read_mem(&c, (data[0] & 1) ? JG_CATALOG_LISTINGS : JG_CATALOG_SKUS,
				 data + 1, size - 1, &o, &err);
	if (rc) {
		if (c || err.code != rc)
			abort();
		return 0;
	}
	check(jg_catalog_result_get(c));
	jg_catalog_free(c);
	return 0;
}
