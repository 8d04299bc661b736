/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the xlsx sheet parser: the input is one worksheet part's XML, parsed
 * with an empty shared-string table, no styles and small limits, three times: by the sheet
 * tokenizer (src/import/xlsx_sheet.c) in 4093-byte chunks, by it again in chunks of 1 to 64
 * bytes (picked from the input) so that tokens are split at every kind of place, and by
 * expat. It aborts when the chunking changes anything (code, rows, place or text of the
 * failure), when the tokenizer hands out a row that differs from expat's, refuses XML that
 * expat reads, or places a failure elsewhere than expat does (for ASCII input); and when a
 * row breaks an invariant (text NUL-terminated at len, valid UTF-8, empty exactly when len
 * is 0). The sanitizers catch the rest. The seed corpus is tests/fuzz/corpus/xlsx_sheet/,
 * with the inputs of the bugs the fuzzer found. Build and run with a scratch corpus:
 *
 *   clang -fsanitize=fuzzer,address,undefined -I include -I src \
 *     tests/fuzz/fuzz_xlsx_sheet.c src/import/xlsx.c src/import/xlsx_sheet.c \
 *     src/import/excel_date.c src/util/[a-z]*.c \
 *     $(pkg-config --cflags --libs libzip expat libutf8proc) -o /tmp/fz
 *   mkdir /tmp/c && cp tests/fuzz/corpus/xlsx_sheet/[a-z]* /tmp/c && /tmp/fz /tmp/c
 */
#include <stddef.h>
#include <stdint.h>

#include "import/readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jg__xlsx_fuzz_sheet(data, size);
	return 0;
}
