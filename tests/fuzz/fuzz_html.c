/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the text-based sheet readers: the input goes through
 * jg_sheet_read_mem() as a whole file, so content sniffing picks the reader and the HTML
 * table reader (libxml2 in SAX mode, meta charset prescan, CP949 decoding, span expansion),
 * the SpreadsheetML reader (expat) and the CSV reader are all reachable. Small caps keep
 * runs fast and make the cap paths reachable too. Every row handed out is checked against
 * the interface's promises (row numbers from 1, at most max_cols cells, text valid UTF-8
 * and NUL-terminated at len, empty exactly when len is 0), and a failure must come with an
 * error message; a broken promise aborts. The seed corpus is tests/fuzz/corpus/html/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jaego/sheet.h"
#include "jaego/util.h"

#define FUZZ_COLS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_row(const jg_sheet_row *row, void *payload)
{
	int64_t *last = payload;

	if (row->row < 1 || row->n == 0 || row->n > FUZZ_COLS || !row->cells)
		abort();
	if (row->row <= *last && *last > 0)
		; /* SpreadsheetML may number rows out of order (ss:Index); not a promise */
	*last = row->row;
	for (size_t i = 0; i < row->n; i++) {
		const jg_cell *c = &row->cells[i];

		if (!c->text || strlen(c->text) != c->len)
			abort();
		if ((c->type == JG_CELL_EMPTY) != (c->len == 0))
			abort();
		if (!jg_utf8_valid(c->text, c->len))
			abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jg_sheet_opts opts = {0};
	jg_sheet_info info;
	jg_err err = {0};
	int64_t last = 0;
	int rc;

	opts.lim.max_file = 1 << 20;
	opts.lim.max_cell = 4096;
	opts.lim.max_cols = FUZZ_COLS;
	opts.lim.max_rows = 10000;
	rc = jg_sheet_read_mem(data, size, "fuzz", &opts, &info, check_row, &last, &err);
	if (rc && (err.code != rc || err.msg[0] == '\0'))
		abort();
	if (rc == 0 && info.rows < 0)
		abort();
	return 0;
}
