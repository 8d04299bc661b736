/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for channel profiles: the input is parsed as a profile JSON document
 * (profiles are written by sellers, so they are untrusted input too), and when it loads,
 * a header row made from the input's lines is matched against it and a few status words
 * looked up. A profile that loads must answer every accessor without crashing. Seed
 * corpus: tests/fuzz/corpus/profile/ (copies of the built-in profiles).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jaego/profile.h"
#include "jaego/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const headers[] = {"상품주문번호", "주문번호", "상품번호", "옵션정보",
					      "수량", "주문상태", "Name", "#seq", "", "수취인 연락처1"};
	jg_profiles *set = NULL;
	const jg_profile *p = NULL;
	jg_header_match m;
	jg_status st;
	bool restock;
	jg_err err = {0};
	char *text;

	if (jg_profiles_new(&set, &err))
		abort();
	text = jg_strndup((const char *)data, size);
	if (text && jg_profiles_add_json(set, text, size, "fuzz", true, &p, &err) == 0) {
		jg_profile_match(p, headers, sizeof(headers) / sizeof(headers[0]), &m);
		jg_profile_status(p, "결제완료", &st, &restock);
		jg_profile_status(p, text, &st, &restock);
		jg_profile_default_status(p, &st);
		(void)jg_profile_tz(p);
		(void)jg_profile_stock_layout(p);
	} else if (text && !err.code) {
		abort(); /* a refusal must say why */
	}
	jg_free(text);
	jg_profiles_free(set);
	return 0;
}
