/* SPDX-License-Identifier: MIT */
/*
 * Channel profiles: parsing and validating the JSON documents, the built-in set, matching a
 * header row, and mapping a channel's status words. Header names and status words are
 * compared in folded form (jg_text_option_key: NFKC, case-folded, white space removed),
 * so "수취인 연락처1" in an old layout still finds "수취인연락처1".
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "jaego/profile.h"
#include "jaego/util.h"

#define PROFILE_MAX_BYTES (256u << 10)
#define ALIASES_MAX 16
#define STATUS_MAX 128
#define SIGNATURE_MAX 16
#define COMPOSE_MAX 8

static const char *const FIELD_NAMES[JG_FIELD__COUNT] = {
	"line_id",	   "order_no",	  "ordered_at", "product_id",	   "product_name", "option",
	"sku_code",	   "qty",	  "price",	"status",	   "claim_status",
	"buyer",	   "buyer_phone", "recipient",	"recipient_phone", "postal_code",
	"address",	   "message",	  "courier",	"tracking",	   "cancelled_if",
	"shipped_if"};

const char *jg_field_name(jg_field f)
{
	return (unsigned)f < JG_FIELD__COUNT ? FIELD_NAMES[f] : "unknown";
}

typedef struct status_word {
	char *key;
	jg_status status;
	bool restock;
} status_word;

struct jg_profile {
	char *name, *title, *origin, *sheet, *json;
	jg_stock_layout *stock;
	jg_profile_kind kind;
	bool builtin, detect;
	int64_t header_row;
	int tz;
	char date_order[4];
	int64_t price_scale;
	char *signature[SIGNATURE_MAX];
	size_t n_signature;
	char *aliases[JG_FIELD__COUNT][ALIASES_MAX];
	size_t n_aliases[JG_FIELD__COUNT];
	char *compose[COMPOSE_MAX];   /* folded header keys, or "#seq" */
	size_t n_compose;
	bool fill_down[JG_FIELD__COUNT];
	status_word status[STATUS_MAX];
	size_t n_status;
	bool has_default;
	jg_status default_status;
};

struct jg_profiles {
	jg_profile **v;
	size_t n, cap;
};

extern const struct jg__builtin_profile {
	const char *file;
	const char *json;
} jg__builtin_profiles[];
extern const size_t jg__builtin_profile_count;

static void profile_free(jg_profile *p)
{
	if (!p)
		return;
	jg_free(p->name);
	jg_free(p->title);
	jg_free(p->origin);
	jg_free(p->sheet);
	jg_free(p->json);
	jg_free(p->stock);
	for (size_t i = 0; i < p->n_signature; i++)
		jg_free(p->signature[i]);
	for (int f = 0; f < JG_FIELD__COUNT; f++)
		for (size_t i = 0; i < p->n_aliases[f]; i++)
			jg_free(p->aliases[f][i]);
	for (size_t i = 0; i < p->n_compose; i++)
		jg_free(p->compose[i]);
	for (size_t i = 0; i < p->n_status; i++)
		jg_free(p->status[i].key);
	jg_free(p);
}

/* The folded matching key of a header name or status word (owned, jg_free). */
static char *fold(const char *s)
{
	jg_buf b;

	jg_buf_init(&b, 1024);
	if (jg_text_option_key(&b, s, strlen(s))) {
		jg_buf_free(&b);
		return NULL;
	}
	return jg_buf_detach(&b);
}

static int bad(jg_err *err, const char *origin, const char *fmt, const char *what)
{
	return jg_err_set(err, JG_EINVAL, "%s: %s%s", origin, what, fmt);
}

/* Reads a string or an array of strings into folded keys. */
static int keys(json_t *v, char **out, size_t cap, size_t *n, const char *origin,
		const char *key, jg_err *err)
{
	size_t i;
	json_t *e;

	*n = 0;
	if (json_is_string(v)) {
		out[0] = fold(json_string_value(v));
		if (!out[0])
			return bad(err, origin, ": not valid text", key);
		*n = 1;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return bad(err, origin, " must be a header name or a list of header names", key);
	if (json_array_size(v) > cap)
		return jg_err_set(err, JG_EINVAL, "%s: %s has more than %zu names", origin, key, cap);
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e) || !*json_string_value(e))
			return bad(err, origin, " must list non-empty header names", key);
		out[i] = strcmp(json_string_value(e), "#seq") == 0 ? jg_strdup("#seq")
								    : fold(json_string_value(e));
		if (!out[i])
			return bad(err, origin, ": not valid text", key);
		*n = i + 1;
	}
	return 0;
}

static int field_index(const char *name)
{
	for (int f = 0; f < JG_FIELD__COUNT; f++)
		if (strcmp(FIELD_NAMES[f], name) == 0)
			return f;
	return -1;
}

static int parse_status(const char *text, jg_status *out, bool *restock)
{
	*restock = false;
	if (strcmp(text, "returned+restock") == 0) {
		*out = JG_STATUS_RETURNED;
		*restock = true;
		return 0;
	}
	return jg_status_parse(out, text);
}

static int parse_tz(const char *s, int *out)
{
	int64_t ms;
	char buf[48];

	/* Reuse the time parser: a zone is whatever makes midnight UTC move. */
	snprintf(buf, sizeof(buf), "1970-01-02T00:00:00%s", s);
	if (jg_time_parse(&ms, buf, 0))
		return JG_EINVAL;
	*out = (int)((86400000 - ms) / 60000);
	return 0;
}

static const char *str_or(json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

void jg_stock_layout_generic(jg_stock_layout *l)
{
	static const struct {
		const char *header;
		jg_stock_value v;
	} cols[] = {{"product_id", JG_SV_PRODUCT_ID}, {"option", JG_SV_OPTION},
		    {"quantity", JG_SV_QTY}};

	memset(l, 0, sizeof(*l));
	snprintf(l->format, sizeof(l->format), "csv");
	l->bom = true;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		snprintf(l->cols[i].header, sizeof(l->cols[i].header), "%s", cols[i].header);
		l->cols[i].value = cols[i].v;
	}
	l->n = sizeof(cols) / sizeof(cols[0]);
}

/* "stock_update": {"format", "encoding", "bom", "sheet", "columns": [{"header", "value",
 * "min", "yes", "no", "text"}]}. */
static int parse_stock(jg_stock_layout *l, json_t *su, const char *origin, jg_err *err)
{
	static const char *const values[] = {"product_id", "option", "qty", "soldout", "sku",
					     "const"};
	const char *fmt, *enc;
	json_t *cols, *c, *v;
	size_t i;

	if (!json_is_object(su))
		return jg_err_set(err, JG_EINVAL, "%s: \"stock_update\" is an object", origin);
	fmt = str_or(json_object_get(su, "format"), "csv");
	if (strcmp(fmt, "xlsx") && strcmp(fmt, "csv") && strcmp(fmt, "tsv"))
		return jg_err_set(err, JG_EINVAL, "%s: stock_update.format is xlsx, csv or tsv",
				  origin);
	snprintf(l->format, sizeof(l->format), "%s", fmt);
	enc = str_or(json_object_get(su, "encoding"), "utf-8");
	if (strcmp(enc, "utf-8") && strcmp(enc, "cp949"))
		return jg_err_set(err, JG_EINVAL, "%s: stock_update.encoding is utf-8 or cp949",
				  origin);
	l->cp949 = strcmp(enc, "cp949") == 0;
	v = json_object_get(su, "bom");
	l->bom = v ? json_is_true(v) : !l->cp949;
	snprintf(l->sheet, sizeof(l->sheet), "%s", str_or(json_object_get(su, "sheet"), ""));
	cols = json_object_get(su, "columns");
	if (!json_is_array(cols) || json_array_size(cols) == 0 ||
	    json_array_size(cols) > JG_STOCK_COLUMNS)
		return jg_err_set(err, JG_EINVAL, "%s: stock_update.columns lists 1 to %d columns",
				  origin, JG_STOCK_COLUMNS);
	json_array_foreach(cols, i, c)
	{
		jg_stock_column *k = &l->cols[i];
		const char *val = str_or(json_object_get(c, "value"), "");
		size_t j;

		for (j = 0; j < sizeof(values) / sizeof(values[0]); j++)
			if (strcmp(val, values[j]) == 0)
				break;
		if (j == sizeof(values) / sizeof(values[0]) ||
		    !json_is_string(json_object_get(c, "header")))
			return jg_err_set(err, JG_EINVAL,
					  "%s: stock_update column %zu needs a \"header\" and a \"value\""
					  " (product_id, option, qty, soldout, sku or const)",
					  origin, i + 1);
		k->value = (jg_stock_value)j;
		snprintf(k->header, sizeof(k->header), "%s", json_string_value(json_object_get(c, "header")));
		k->min = json_integer_value(json_object_get(c, "min"));
		if (k->min < 0)
			return jg_err_set(err, JG_EINVAL, "%s: stock_update min is 0 or more", origin);
		snprintf(k->yes, sizeof(k->yes), "%s", str_or(json_object_get(c, "yes"), "Y"));
		snprintf(k->no, sizeof(k->no), "%s", str_or(json_object_get(c, "no"), "N"));
		snprintf(k->text, sizeof(k->text), "%s", str_or(json_object_get(c, "text"), ""));
		l->n = i + 1;
	}
	for (i = 0; i < l->n; i++)
		if (l->cols[i].value == JG_SV_PRODUCT_ID)
			break;
	if (i == l->n)
		return jg_err_set(err, JG_EINVAL, "%s: stock_update needs a product_id column", origin);
	for (i = 0; i < l->n; i++)
		if (l->cols[i].value == JG_SV_QTY || l->cols[i].value == JG_SV_SOLDOUT)
			break;
	if (i == l->n)
		return jg_err_set(err, JG_EINVAL, "%s: stock_update needs a qty column", origin);
	return 0;
}

static int parse(jg_profile *p, json_t *root, const char *origin, jg_err *err)
{
	static const char *const known[] = {
		"name",		"title",	"description", "kind",	  "detect",	  "sheet",
		"header_row",	"timezone",	"date_order",  "currency", "price_scale", "signature",
		"fields",	"line_id_compose", "fill_down", "status", "default_status",
		"stock_update", "notes",	NULL};
	const char *k, *name;
	json_t *v, *fields;
	int rc;

	if (!json_is_object(root))
		return jg_err_set(err, JG_EINVAL, "%s: a profile is a JSON object", origin);
	json_object_foreach(root, k, v)
	{
		int ok = 0;

		for (int i = 0; known[i]; i++)
			ok |= strcmp(known[i], k) == 0;
		if (!ok)
			return jg_err_set(err, JG_EINVAL, "%s: unknown key \"%s\"", origin, k);
	}
	name = json_string_value(json_object_get(root, "name"));
	if (!name || !*name || strlen(name) > 63)
		return jg_err_set(err, JG_EINVAL, "%s: \"name\" must be a short non-empty string", origin);
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return jg_err_set(err, JG_EINVAL,
					  "%s: \"name\" may use a-z, 0-9, - and _ only", origin);
	p->name = jg_strdup(name);
	p->title = jg_strdup(json_string_value(json_object_get(root, "title")) ?
				     json_string_value(json_object_get(root, "title")) : name);
	p->origin = jg_strdup(origin);
	if (!p->name || !p->title || !p->origin)
		return jg_err_set(err, JG_ENOMEM, "out of memory");

	v = json_object_get(root, "kind");
	if (!v || (json_is_string(v) && strcmp(json_string_value(v), "orders") == 0))
		p->kind = JG_PROFILE_ORDERS;
	else if (json_is_string(v) && strcmp(json_string_value(v), "claims") == 0)
		p->kind = JG_PROFILE_CLAIMS;
	else
		return jg_err_set(err, JG_EINVAL, "%s: \"kind\" is \"orders\" or \"claims\"", origin);
	v = json_object_get(root, "detect");
	p->detect = !v || json_is_true(v);
	if (v && !json_is_boolean(v))
		return jg_err_set(err, JG_EINVAL, "%s: \"detect\" is true or false", origin);
	v = json_object_get(root, "sheet");
	if (v) {
		if (!json_is_string(v))
			return jg_err_set(err, JG_EINVAL, "%s: \"sheet\" is a sheet name", origin);
		p->sheet = jg_strdup(json_string_value(v));
	}
	v = json_object_get(root, "header_row");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > JG_PROFILE_SCAN_ROWS)
			return jg_err_set(err, JG_EINVAL, "%s: \"header_row\" is a row from 1 to %d",
					  origin, JG_PROFILE_SCAN_ROWS);
		p->header_row = json_integer_value(v);
	}
	p->tz = JG_KST_OFFSET_MIN;
	v = json_object_get(root, "timezone");
	if (v && (!json_is_string(v) || parse_tz(json_string_value(v), &p->tz)))
		return jg_err_set(err, JG_EINVAL, "%s: \"timezone\" is an offset like \"+09:00\"",
				  origin);
	snprintf(p->date_order, sizeof(p->date_order), "ymd");
	v = json_object_get(root, "date_order");
	if (v) {
		const char *d = json_string_value(v);

		if (!d || (strcmp(d, "ymd") && strcmp(d, "mdy") && strcmp(d, "dmy")))
			return jg_err_set(err, JG_EINVAL,
					  "%s: \"date_order\" is \"ymd\", \"mdy\" or \"dmy\"", origin);
		snprintf(p->date_order, sizeof(p->date_order), "%s", d);
	}
	p->price_scale = 1;
	v = json_object_get(root, "currency");
	if (v) {
		const char *c = json_string_value(v);

		if (!c)
			return jg_err_set(err, JG_EINVAL, "%s: \"currency\" is a code like \"KRW\"", origin);
		p->price_scale = strcmp(c, "KRW") == 0 || strcmp(c, "JPY") == 0 ? 1 : 100;
	}
	v = json_object_get(root, "price_scale");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 10000)
			return jg_err_set(err, JG_EINVAL, "%s: \"price_scale\" is 1 to 10000", origin);
		p->price_scale = json_integer_value(v);
	}

	fields = json_object_get(root, "fields");
	if (!json_is_object(fields))
		return jg_err_set(err, JG_EINVAL, "%s: \"fields\" maps fields to header names", origin);
	json_object_foreach(fields, k, v)
	{
		int f = field_index(k);

		if (f < 0)
			return jg_err_set(err, JG_EINVAL, "%s: unknown field \"%s\" in \"fields\"",
					  origin, k);
		rc = keys(v, p->aliases[f], ALIASES_MAX, &p->n_aliases[f], origin, k, err);
		if (rc)
			return rc;
	}
	v = json_object_get(root, "line_id_compose");
	if (v) {
		rc = keys(v, p->compose, COMPOSE_MAX, &p->n_compose, origin, "line_id_compose", err);
		if (rc)
			return rc;
	}
	if (!p->n_aliases[JG_FIELD_LINE_ID] && !p->n_compose)
		return jg_err_set(err, JG_EINVAL,
				  "%s: name the line id column in fields.line_id or line_id_compose",
				  origin);
	if (p->kind == JG_PROFILE_ORDERS &&
	    (!p->n_aliases[JG_FIELD_PRODUCT_ID] || !p->n_aliases[JG_FIELD_QTY]))
		return jg_err_set(err, JG_EINVAL,
				  "%s: an orders profile needs fields.product_id and fields.qty", origin);
	if (p->kind == JG_PROFILE_CLAIMS && !p->n_aliases[JG_FIELD_STATUS] &&
	    !p->n_aliases[JG_FIELD_CLAIM_STATUS])
		return jg_err_set(err, JG_EINVAL, "%s: a claims profile needs fields.status", origin);

	v = json_object_get(root, "signature");
	if (v) {
		rc = keys(v, p->signature, SIGNATURE_MAX, &p->n_signature, origin, "signature", err);
		if (rc)
			return rc;
	} else if (p->detect) {
		return jg_err_set(err, JG_EINVAL,
				  "%s: give a \"signature\" (header names that identify the file) or"
				  " set \"detect\": false",
				  origin);
	}
	v = json_object_get(root, "fill_down");
	if (v) {
		size_t i;
		json_t *e;

		if (!json_is_array(v))
			return jg_err_set(err, JG_EINVAL, "%s: \"fill_down\" lists fields", origin);
		json_array_foreach(v, i, e)
		{
			int f = json_is_string(e) ? field_index(json_string_value(e)) : -1;

			if (f < 0)
				return jg_err_set(err, JG_EINVAL, "%s: \"fill_down\" names unknown fields",
						  origin);
			p->fill_down[f] = true;
		}
	}
	v = json_object_get(root, "status");
	if (v) {
		if (!json_is_object(v))
			return jg_err_set(err, JG_EINVAL,
					  "%s: \"status\" maps the channel's words to open, shipped,"
					  " cancelled, returned or returned+restock",
					  origin);
		json_object_foreach(v, k, fields)
		{
			status_word *w;

			if (p->n_status == STATUS_MAX)
				return jg_err_set(err, JG_EINVAL, "%s: more than %d status words", origin,
						  STATUS_MAX);
			w = &p->status[p->n_status];
			if (!json_is_string(fields) ||
			    parse_status(json_string_value(fields), &w->status, &w->restock))
				return jg_err_set(err, JG_EINVAL,
						  "%s: status \"%s\" must map to open, shipped, cancelled,"
						  " returned or returned+restock",
						  origin, k);
			w->key = fold(k);
			if (!w->key)
				return jg_err_set(err, JG_EINVAL, "%s: status word is not valid text",
						  origin);
			p->n_status++;
		}
	}
	v = json_object_get(root, "default_status");
	if (v) {
		bool restock;

		if (!json_is_string(v) ||
		    parse_status(json_string_value(v), &p->default_status, &restock))
			return jg_err_set(err, JG_EINVAL, "%s: \"default_status\" is a status", origin);
		p->has_default = true;
	}
	if (!p->has_default && !p->n_aliases[JG_FIELD_STATUS] &&
	    !p->n_aliases[JG_FIELD_SHIPPED_IF] && !p->n_aliases[JG_FIELD_CANCELLED_IF])
		return jg_err_set(err, JG_EINVAL,
				  "%s: give fields.status with a \"status\" map, or a \"default_status\"",
				  origin);
	if (p->n_aliases[JG_FIELD_STATUS] && !p->n_status)
		return jg_err_set(err, JG_EINVAL, "%s: fields.status needs a \"status\" map", origin);
	v = json_object_get(root, "stock_update");
	if (v) {
		p->stock = jg_calloc(1, sizeof(*p->stock));
		if (!p->stock)
			return jg_err_set(err, JG_ENOMEM, "out of memory");
		rc = parse_stock(p->stock, v, origin, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int load(const char *json, size_t len, const char *origin, jg_profile **out, jg_err *err)
{
	json_error_t je;
	json_t *root;
	jg_profile *p;
	int rc;

	*out = NULL;
	if (len > PROFILE_MAX_BYTES)
		return jg_err_set(err, JG_ELIMIT, "%s: a profile is at most %u bytes", origin,
				  PROFILE_MAX_BYTES);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return jg_err_set_at(err, JG_EINVAL, je.line, je.column, "%s: line %d: %s", origin,
				     je.line, je.text);
	p = jg_calloc(1, sizeof(*p));
	if (!p) {
		json_decref(root);
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	}
	rc = parse(p, root, origin, err);
	json_decref(root);
	if (rc == 0) {
		p->json = jg_strndup(json, len);
		if (!p->json)
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
	}
	if (rc) {
		profile_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int jg_profile_validate(const char *json, size_t len, const char *origin, char **name_out,
			jg_err *err)
{
	jg_profile *p;
	int rc = load(json, len, origin, &p, err);

	if (rc)
		return rc;
	if (name_out)
		*name_out = jg_strdup(p->name);
	profile_free(p);
	return 0;
}

int jg_profiles_add_json(jg_profiles *set, const char *json, size_t len, const char *origin,
			 bool replace, const jg_profile **out, jg_err *err)
{
	jg_profile *p;
	size_t i;
	int rc = load(json, len, origin, &p, err);

	if (rc)
		return rc;
	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, p->name) == 0)
			break;
	if (i < set->n) {
		if (!replace) {
			rc = jg_err_set(err, JG_EEXISTS, "%s: a profile named \"%s\" exists already",
					origin, p->name);
			profile_free(p);
			return rc;
		}
		profile_free(set->v[i]);
		set->v[i] = p;
	} else {
		if (set->n == set->cap) {
			size_t ncap = set->cap ? set->cap * 2 : 16;
			jg_profile **v = jg_realloc(set->v, ncap * sizeof(*v));

			if (!v) {
				profile_free(p);
				return jg_err_set(err, JG_ENOMEM, "out of memory");
			}
			set->v = v;
			set->cap = ncap;
		}
		set->v[set->n++] = p;
	}
	if (out)
		*out = p;
	return 0;
}

int jg_profiles_new(jg_profiles **out, jg_err *err)
{
	jg_profiles *set = jg_calloc(1, sizeof(*set));
	int rc = 0;

	*out = NULL;
	if (!set)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < jg__builtin_profile_count; i++) {
		const jg_profile *p;

		rc = jg_profiles_add_json(set, jg__builtin_profiles[i].json,
					  strlen(jg__builtin_profiles[i].json),
					  jg__builtin_profiles[i].file, false, &p, err);
		if (rc == 0) {
			jg_profile *w = (jg_profile *)p;

			w->builtin = true;
			jg_free(w->origin);
			w->origin = jg_strdup("built-in");
			if (!w->origin)
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
		}
	}
	if (rc) {
		jg_profiles_free(set);
		return rc;
	}
	*out = set;
	return 0;
}

void jg_profiles_free(jg_profiles *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		profile_free(set->v[i]);
	jg_free(set->v);
	jg_free(set);
}

const jg_profile *jg_profiles_find(const jg_profiles *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

size_t jg_profiles_count(const jg_profiles *set)
{
	return set->n;
}

const jg_profile *jg_profiles_at(const jg_profiles *set, size_t i)
{
	return i < set->n ? set->v[i] : NULL;
}

const char *jg_profile_name(const jg_profile *p)
{
	return p->name;
}

const char *jg_profile_title(const jg_profile *p)
{
	return p->title;
}

const char *jg_profile_origin(const jg_profile *p)
{
	return p->origin;
}

jg_profile_kind jg_profile_kind_of(const jg_profile *p)
{
	return p->kind;
}

bool jg_profile_builtin(const jg_profile *p)
{
	return p->builtin;
}

const char *jg_profile_json(const jg_profile *p)
{
	return p->json;
}

bool jg_profile_detectable(const jg_profile *p)
{
	return p->detect;
}

int64_t jg_profile_header_row(const jg_profile *p)
{
	return p->header_row;
}

const char *jg_profile_sheet(const jg_profile *p)
{
	return p->sheet;
}

int jg_profile_tz(const jg_profile *p)
{
	return p->tz;
}

const char *jg_profile_date_order(const jg_profile *p)
{
	return p->date_order;
}

int64_t jg_profile_price_scale(const jg_profile *p)
{
	return p->price_scale;
}

bool jg_profile_fill_down(const jg_profile *p, jg_field f)
{
	return (unsigned)f < JG_FIELD__COUNT && p->fill_down[f];
}

const jg_stock_layout *jg_profile_stock_layout(const jg_profile *p)
{
	return p->stock;
}

int jg_profile_status(const jg_profile *p, const char *word, jg_status *out, bool *restock)
{
	char *key = fold(word);
	int rc = JG_ENOTFOUND;

	if (!key)
		return JG_ENOTFOUND;
	for (size_t i = 0; i < p->n_status; i++) {
		if (strcmp(p->status[i].key, key) == 0) {
			*out = p->status[i].status;
			if (restock)
				*restock = p->status[i].restock;
			rc = 0;
			break;
		}
	}
	jg_free(key);
	return rc;
}

int jg_profile_default_status(const jg_profile *p, jg_status *out)
{
	if (!p->has_default)
		return JG_ENOTFOUND;
	*out = p->default_status;
	return 0;
}

/* ---- header matching --------------------------------------------------------------------- */

static void add_missing(jg_header_match *m, const char *what)
{
	size_t used = strlen(m->missing);

	snprintf(m->missing + used, sizeof(m->missing) - used, "%s%s", used ? ", " : "", what);
}

void jg_profile_match(const jg_profile *p, const char *const *headers, size_t n,
		      jg_header_match *m)
{
	char **folded = jg_calloc(n ? n : 1, sizeof(*folded));
	bool ok = folded != NULL;

	memset(m, 0, sizeof(*m));
	for (int f = 0; f < JG_FIELD__COUNT; f++)
		m->col[f] = -1;
	for (size_t i = 0; folded && i < n; i++)
		folded[i] = headers[i] ? fold(headers[i]) : NULL;
	for (size_t s = 0; ok && s < p->n_signature; s++) {
		bool found = false;

		for (size_t i = 0; i < n && !found; i++)
			found = folded[i] && strcmp(folded[i], p->signature[s]) == 0;
		if (!found) {
			add_missing(m, p->signature[s]);
			ok = false;
		}
	}
	for (int f = 0; folded && f < JG_FIELD__COUNT; f++) {
		/* Aliases in order: the first that the header has wins. */
		for (size_t a = 0; a < p->n_aliases[f] && m->col[f] < 0; a++)
			for (size_t i = 0; i < n; i++)
				if (folded[i] && strcmp(folded[i], p->aliases[f][a]) == 0) {
					m->col[f] = (int)i;
					break;
				}
		if (m->col[f] >= 0)
			m->matched++;
	}
	for (size_t c = 0; folded && c < p->n_compose; c++) {
		int col = strcmp(p->compose[c], "#seq") == 0 ? -2 : -1;

		for (size_t i = 0; col == -1 && i < n; i++)
			if (folded[i] && strcmp(folded[i], p->compose[c]) == 0)
				col = (int)i;
		if (col == -1) {
			add_missing(m, p->compose[c]);
			ok = false;
		}
		m->compose[m->n_compose++] = col;
	}
	if (folded && m->col[JG_FIELD_LINE_ID] < 0 && !p->n_compose) {
		add_missing(m, p->aliases[JG_FIELD_LINE_ID][0]);
		ok = false;
	}
	if (p->n_compose && m->col[JG_FIELD_LINE_ID] >= 0)
		m->n_compose = 0; /* a real line id column beats composing one */
	if (folded && p->kind == JG_PROFILE_ORDERS) {
		if (m->col[JG_FIELD_PRODUCT_ID] < 0) {
			add_missing(m, p->aliases[JG_FIELD_PRODUCT_ID][0]);
			ok = false;
		}
		if (m->col[JG_FIELD_QTY] < 0) {
			add_missing(m, p->aliases[JG_FIELD_QTY][0]);
			ok = false;
		}
	}
	if (folded && p->n_aliases[JG_FIELD_STATUS] && !p->has_default &&
	    m->col[JG_FIELD_STATUS] < 0 && m->col[JG_FIELD_CLAIM_STATUS] < 0 &&
	    m->col[JG_FIELD_SHIPPED_IF] < 0 && m->col[JG_FIELD_CANCELLED_IF] < 0) {
		add_missing(m, p->aliases[JG_FIELD_STATUS][0]);
		ok = false;
	}
	m->ok = ok && folded;
	for (size_t i = 0; folded && i < n; i++)
		jg_free(folded[i]);
	jg_free(folded);
}
