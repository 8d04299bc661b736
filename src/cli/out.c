/* SPDX-License-Identifier: MIT */
/*
 * Output for the `jaego` command: aligned text tables (Hangul counts as two columns, as
 * terminals draw it) and JSON documents through jansson.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <utf8proc.h>

#include "cli.h"

struct cli_table {
	int ncols;
	char **cells; /* rows * ncols, row 0 is the header */
	size_t rows, cap;
};

cli_table *cli_table_new(int ncols, const char *const *headers)
{
	cli_table *t = jg_calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols;
	if (cli_table_row(t, headers)) {
		cli_table_free(t);
		return NULL;
	}
	return t;
}

int cli_table_row(cli_table *t, const char *const *cells)
{
	if (t->rows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **n = jg_realloc(t->cells, ncap * (size_t)t->ncols * sizeof(*n));

		if (!n)
			return JG_ENOMEM;
		t->cells = n;
		t->cap = ncap;
	}
	for (int i = 0; i < t->ncols; i++) {
		char *d = jg_strdup(cells[i] ? cells[i] : "");

		if (!d) {
			for (int k = 0; k < i; k++)
				jg_free(t->cells[t->rows * (size_t)t->ncols + (size_t)k]);
			return JG_ENOMEM;
		}
		t->cells[t->rows * (size_t)t->ncols + (size_t)i] = d;
	}
	t->rows++;
	return 0;
}

/* Terminal columns the UTF-8 text takes. */
static size_t width(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t w = 0;

	while (*p) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);

		if (k <= 0) {
			p++;
			w++;
			continue;
		}
		w += (size_t)utf8proc_charwidth(cp);
		p += k;
	}
	return w;
}

static int numeric(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((*s < '0' || *s > '9') && *s != ',')
			return 0;
	return 1;
}

void cli_table_print(cli_table *t)
{
	size_t w[64] = {0};
	int nc = t->ncols < 64 ? t->ncols : 64;

	for (size_t r = 0; r < t->rows; r++)
		for (int c = 0; c < nc; c++) {
			size_t cw = width(t->cells[r * (size_t)t->ncols + (size_t)c]);

			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < t->rows; r++) {
		for (int c = 0; c < nc; c++) {
			const char *cell = t->cells[r * (size_t)t->ncols + (size_t)c];
			size_t pad = w[c] - width(cell);
			int right = r > 0 && numeric(cell);

			if (right)
				printf("%*s", (int)pad, "");
			fputs(cell, stdout);
			if (c + 1 < nc)
				printf("%*s  ", right ? 0 : (int)pad, "");
		}
		putchar('\n');
	}
}

void cli_table_free(cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->rows * (size_t)t->ncols; i++)
		jg_free(t->cells[i]);
	jg_free(t->cells);
	jg_free(t);
}

const char *cli_num(char *buf, int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

int cli_json(json_t *doc)
{
	int rc;

	if (!doc) {
		fputs("jaego: out of memory building JSON output\n", stderr);
		return CLI_FAIL;
	}
	rc = json_dumpf(doc, stdout, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
	putchar('\n');
	json_decref(doc);
	return rc ? CLI_FAIL : CLI_OK;
}

json_t *cli_jstr(const char *s)
{
	return json_string(s ? s : "");
}
