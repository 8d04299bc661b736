/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the xlsx sheet parser: the input is one worksheet part's XML, parsed
 * with an empty shared-string table and default styles and limits, fed to expat in odd-sized
 * chunks so that tokens are split at every kind of place. The reader itself aborts when a
 * row it hands out breaks an invariant (text NUL-terminated at len, valid UTF-8, empty
 * exactly when len is 0); the sanitizers catch the rest. The seed corpus is
 * tests/fuzz/corpus/xlsx_sheet/.
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
