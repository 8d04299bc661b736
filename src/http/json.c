/* SPDX-License-Identifier: MIT */
/*
 * Reading what a client sends, strictly: the API's error table (library code -> kind ->
 * HTTP status and code, the one place it lives), JSON bodies (size and depth capped before
 * jansson sees them, duplicate keys refused), field specs (unknown fields, wrong types,
 * fractions, signs), and percent-decoding of paths and queries into the request's arena.
 * Input is never trusted and never asserted on: every failure is a JG_E* code with a
 * message naming the field.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"

/* ---- the error table ---------------------------------------------------------------------- */

static const struct {
	jg__api_kind kind;
	unsigned status;
	const char *code;
} API_ERRORS[] = {
	/* clang-format off */
	{JG__API_INVALID, 400, "invalid"},
	{JG__API_UNAUTHORIZED, 401, "unauthorized"},
	{JG__API_FORBIDDEN, 403, "forbidden"},
	{JG__API_NOT_FOUND, 404, "not_found"},
	{JG__API_METHOD, 405, "method_not_allowed"},
	{JG__API_CONFLICT, 409, "conflict"},
	{JG__API_TOO_LARGE, 413, "too_large"},
	{JG__API_UNPROCESSABLE, 422, "unprocessable"},
	{JG__API_RATE_LIMITED, 429, "rate_limited"},
	{JG__API_BUSY, 503, "busy"},
	{JG__API_INTERNAL, 500, "internal"},
	/* clang-format on */
};

jg__api_kind jg__api_kind_of(int code)
{
	switch (code) {
	case JG_EINVAL:
	case JG_EFORMAT: return JG__API_INVALID;
	case JG_ENOTFOUND: return JG__API_NOT_FOUND;
	case JG_EEXISTS:
	case JG_ESTATE: return JG__API_CONFLICT;
	case JG_ELIMIT: return JG__API_TOO_LARGE;
	case JG_EPERM: return JG__API_FORBIDDEN;
	case JG_EBUSY: return JG__API_BUSY;
	default: return JG__API_INTERNAL; /* ENOMEM, EIO, EDB, EDRIFT */
	}
}

unsigned jg__api_status(jg__api_kind k)
{
	for (size_t i = 0; i < sizeof(API_ERRORS) / sizeof(API_ERRORS[0]); i++)
		if (API_ERRORS[i].kind == k)
			return API_ERRORS[i].status;
	return 500;
}

const char *jg__api_code(jg__api_kind k)
{
	for (size_t i = 0; i < sizeof(API_ERRORS) / sizeof(API_ERRORS[0]); i++)
		if (API_ERRORS[i].kind == k)
			return API_ERRORS[i].code;
	return "internal";
}

/* ---- JSON bodies -------------------------------------------------------------------------- */

/* The deepest nesting of arrays and objects in `text`, or JG__JSON_DEPTH + 1 as soon as it
 * goes past the cap. Strings are skipped with their escapes; malformed text is left for
 * the parser to refuse. */
static int json_depth(const char *text, size_t n)
{
	int depth = 0, max = 0;
	bool in_str = false;

	for (size_t i = 0; i < n; i++) {
		char c = text[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
			if (max > JG__JSON_DEPTH)
				return max;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return max;
}

int jg__json_parse(const char *text, size_t n, json_t **out, jg_err *err)
{
	json_error_t je;
	json_t *doc;

	*out = NULL;
	if (n > JG__JSON_MAX)
		return jg_err_set(err, JG_ELIMIT, "the JSON body is larger than %u bytes",
				  JG__JSON_MAX);
	if (n == 0)
		return jg_err_set(err, JG_EINVAL, "a JSON object is required as the body");
	if (json_depth(text, n) > JG__JSON_DEPTH)
		return jg_err_set(err, JG_ELIMIT, "the JSON body nests deeper than %d levels",
				  JG__JSON_DEPTH);
	doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return jg_err_set_at(err, JG_EINVAL, je.line, je.column,
				     "the body is not valid JSON: %s (line %d, column %d)", je.text,
				     je.line, je.column);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return jg_err_set(err, JG_EINVAL, "the body must be a JSON object");
	}
	*out = doc;
	return 0;
}

static const char *type_name(jg__jtype t)
{
	switch (t) {
	case JG__J_STR: return "a string";
	case JG__J_INT: return "a whole number";
	case JG__J_BOOL: return "true or false";
	case JG__J_ARRAY: return "an array";
	case JG__J_OBJECT: return "an object";
	case JG__J_STR_OR_ARRAY: return "a string or an array";
	case JG__J_INT_OR_NULL: return "a whole number or null";
	}
	return "valid";
}

static bool type_ok(jg__jtype t, json_t *v)
{
	switch (t) {
	case JG__J_STR: return json_is_string(v);
	case JG__J_INT: return json_is_integer(v);
	case JG__J_BOOL: return json_is_boolean(v);
	case JG__J_ARRAY: return json_is_array(v);
	case JG__J_OBJECT: return json_is_object(v);
	case JG__J_STR_OR_ARRAY: return json_is_string(v) || json_is_array(v);
	case JG__J_INT_OR_NULL: return json_is_integer(v) || json_is_null(v);
	}
	return false;
}

int jg__json_check(json_t *obj, const jg__jfield *spec, const char *where, jg_err *err)
{
	const char *key, *pre = where ? where : "", *sep = where ? ": " : "";
	json_t *v;

	if (!json_is_object(obj))
		return jg_err_set(err, JG_EINVAL, "%s%sa JSON object is required", pre, sep);
	json_object_foreach(obj, key, v)
	{
		const jg__jfield *f = spec;

		while (f->name && strcmp(f->name, key) != 0)
			f++;
		if (!f->name)
			return jg_err_set(err, JG_EINVAL, "%s%sunknown field \"%.64s\"", pre, sep,
					  key);
		if (json_is_null(v) && f->type != JG__J_INT_OR_NULL && !(f->flags & JG__J_REQUIRED))
			continue; /* null is "not given" for an optional field */
		if (!type_ok(f->type, v)) {
			if (json_is_real(v) &&
			    (f->type == JG__J_INT || f->type == JG__J_INT_OR_NULL))
				return jg_err_set(
					err, JG_EINVAL,
					"%s%sfield \"%s\" must be a whole number, not a fraction",
					pre, sep, key);
			return jg_err_set(err, JG_EINVAL, "%s%sfield \"%s\" must be %s", pre, sep,
					  key, type_name(f->type));
		}
		if (json_is_integer(v)) {
			json_int_t n = json_integer_value(v);

			if ((f->flags & JG__J_NONNEG) && n < 0)
				return jg_err_set(err, JG_EINVAL,
						  "%s%sfield \"%s\" must be 0 or more", pre, sep,
						  key);
			if ((f->flags & JG__J_POSITIVE) && n < 1)
				return jg_err_set(err, JG_EINVAL,
						  "%s%sfield \"%s\" must be 1 or more", pre, sep,
						  key);
			if ((f->flags & JG__J_NONZERO) && n == 0)
				return jg_err_set(err, JG_EINVAL, "%s%sfield \"%s\" must not be 0",
						  pre, sep, key);
		}
	}
	for (const jg__jfield *f = spec; f->name; f++) {
		v = json_object_get(obj, f->name);
		if ((f->flags & JG__J_REQUIRED) && (!v || json_is_null(v)))
			return jg_err_set(err, JG_EINVAL, "%s%sfield \"%s\" is required", pre, sep,
					  f->name);
	}
	return 0;
}

const char *jg__jstr(json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

int64_t jg__jint(json_t *obj, const char *name, int64_t def)
{
	json_t *v = json_object_get(obj, name);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

bool jg__jbool(json_t *obj, const char *name, bool def)
{
	json_t *v = json_object_get(obj, name);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

bool jg__jhas(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);

	return v && !json_is_null(v);
}

int jg__check_id(const char *what, const char *v, jg_err *err)
{
	size_t n;

	if (!v || !*v)
		return jg_err_set(err, JG_EINVAL, "%s is empty", what);
	n = strlen(v);
	if (n >= JG_CODE_MAX)
		return jg_err_set(err, JG_EINVAL, "%s is longer than %d bytes", what,
				  JG_CODE_MAX - 1);
	if (!jg_utf8_valid(v, n))
		return jg_err_set(err, JG_EINVAL, "%s is not valid UTF-8", what);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return jg_err_set(err, JG_EINVAL, "%s contains a control character", what);
	return 0;
}

/* ---- URLs --------------------------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *jg__url_decode(jg_arena *a, const char *s, size_t n)
{
	char *out = jg_arena_alloc(a, n + 1);
	size_t k = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return NULL;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return NULL;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return jg_utf8_valid(out, k) ? out : NULL;
}
