/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the CSV reader (src/import/csv.c). The first input byte picks how
 * the rest is fed: in one piece or in chunks of 1..255 bytes, with a fixed or a sniffed
 * delimiter, so chunk boundaries fall everywhere (between CR and LF, inside quotes, inside
 * a BOM). Every record must keep the reader's promises: record numbers counting up from 1,
 * at most max_cols cells, each NUL-terminated at its length and no longer than max_cell.
 * A broken promise aborts. Seed corpus: tests/fuzz/corpus/csv/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jaego/csv.h"

#define FUZZ_CELL 256
#define FUZZ_COLS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(int64_t row, const char *const *cells, const size_t *lens, size_t n,
		 void *payload)
{
	int64_t *last = payload;

	if (row != *last + 1 || n == 0 || n > FUZZ_COLS)
		abort();
	*last = row;
	for (size_t i = 0; i < n; i++)
		if (lens[i] > FUZZ_CELL || strlen(cells[i]) > lens[i])
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = {0, ',', '\t', ';'};
	jg_csv_limits lim = {FUZZ_CELL, FUZZ_COLS, 10000};
	jg_err err = {0};
	jg_csv *r = NULL;
	int64_t last = 0;
	size_t chunk, i;
	int rc;

	if (size < 1)
		return 0;
	chunk = data[0] >> 2;
	rc = jg_csv_new(&r, delims[data[0] & 3], &lim, check, &last, &err);
	data++;
	size--;
	for (i = 0; rc == 0 && i < size;) {
		size_t n = chunk ? (size - i < chunk ? size - i : chunk) : size - i;

		rc = jg_csv_feed(r, (const char *)data + i, n, &err);
		i += n;
	}
	if (rc == 0)
		rc = jg_csv_finish(r, &err);
	if (rc && !err.code && rc != JG_ENOMEM)
		abort(); /* a failure must say why */
	jg_csv_free(r);
	return 0;
}
