/* SPDX-License-Identifier: MIT */
/*
 * Recipe text: "A*2,B" means two of A and one of B in each unit of the listing. The same
 * syntax is used by the CLI, listing CSV files and the API.
 */
#include <string.h>

#include "jaego/core.h"
#include "jaego/util.h"

/* Trims blanks around [s, e) in place. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

int jg_recipe_parse(jg_recipe_item *out, size_t cap, const char *text, jg_err *err)
{
	const char *p = text;
	size_t n = 0;

	if (!text || !*text)
		return jg_err_set(err, JG_EINVAL, "empty recipe: give SKU[*QTY][,SKU*QTY...]");
	for (;;) {
		const char *end = strchr(p, ',');
		const char *code_end, *star;
		int64_t qty = 1;
		size_t len, i;

		if (!end)
			end = p + strlen(p);
		star = NULL;
		for (const char *q = p; q < end; q++) {
			if (*q == '*') {
				star = q;
				break;
			}
			if ((unsigned char)q[0] == 0xc3 && q + 1 < end && (unsigned char)q[1] == 0x97) {
				star = q; /* U+00D7 MULTIPLICATION SIGN */
				break;
			}
		}
		code_end = star ? star : end;
		if (star) {
			char num[32];
			const char *ns = star + (*star == '*' ? 1 : 2), *ne = end;

			trim(&ns, &ne);
			if ((size_t)(ne - ns) >= sizeof(num))
				return jg_err_set(err, JG_EINVAL, "recipe \"%s\": quantity too long", text);
			memcpy(num, ns, (size_t)(ne - ns));
			num[ne - ns] = '\0';
			if (jg_parse_i64(&qty, num) || qty < 1 || qty > 1000000)
				return jg_err_set(err, JG_EINVAL,
						  "recipe \"%s\": quantity \"%s\" is not a whole number from 1 to 1000000",
						  text, num);
		}
		trim(&p, &code_end);
		len = (size_t)(code_end - p);
		if (len == 0)
			return jg_err_set(err, JG_EINVAL, "recipe \"%s\": a component has no SKU", text);
		if (len >= JG_CODE_MAX)
			return jg_err_set(err, JG_EINVAL, "recipe \"%s\": SKU code longer than %d bytes",
					  text, JG_CODE_MAX - 1);
		for (i = 0; i < n; i++)
			if (strlen(out[i].sku) == len && memcmp(out[i].sku, p, len) == 0)
				break;
		if (i < n) {
			if (out[i].qty + qty > 1000000)
				return jg_err_set(err, JG_EINVAL,
						  "recipe \"%s\": %s adds up to more than 1000000", text,
						  out[i].sku);
			out[i].qty += qty;
		} else {
			if (n == cap)
				return jg_err_set(err, JG_ELIMIT, "recipe \"%s\": more than %zu components",
						  text, cap);
			memcpy(out[n].sku, p, len);
			out[n].sku[len] = '\0';
			out[n].qty = qty;
			n++;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	return (int)n;
}
