/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the .xls (BIFF5/BIFF8) reader: an input that starts with the OLE2
 * signature is read as a whole .xls file (compound file, then the Workbook or Book stream);
 * anything else is read as a bare workbook stream, records from its first BOF, which is
 * where the fuzzer finds the record parser quickest. Small limits (4 KiB cells, 256
 * columns, 1 MiB of shared strings). The reader's fuzz entry (jg__xls_fuzz in
 * src/import/xls.c) aborts when a row breaks an invariant: rows out of order, more columns
 * than the cap, a cell's text not valid UTF-8 or not NUL-terminated at `len`, an empty
 * cell with text or a non-empty one without, a trailing empty cell, or a result code that
 * disagrees with the error recorded. The sanitizers catch the rest. The seed corpus is
 * tests/fuzz/corpus/xls/: small .xls files from python3-xlwt and from the record builder
 * of tests/import/test_xls.c (JG_XLS_SEEDS=dir), and their bare streams (*.bin). Build and
 * run with a scratch corpus:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I include -I src \
 *     tests/fuzz/fuzz_xls.c src/import/xls.c src/import/ole2.c src/import/charset.c \
 *     src/import/excel_date.c src/import/sheet.c src/import/xlsx.c src/import/xlsx_sheet.c \
 *     src/import/offcrypto.c src/import/html.c src/import/spreadsheetml.c src/import/csv.c \
 *     src/util/alloc.c src/util/arena.c src/util/buf.c src/util/err.c src/util/text.c \
 *     $(pkg-config --cflags --libs libzip expat libxml-2.0 libutf8proc libcrypto) -o /tmp/fz
 *   mkdir /tmp/c && cp tests/fuzz/corpus/xls/[a-z]* /tmp/c && /tmp/fz -max_len=65536 /tmp/c
 */
#include <stddef.h>
#include <stdint.h>

#include "import/readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jg__xls_fuzz(data, size);
	return 0;
}
