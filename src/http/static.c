/* SPDX-License-Identifier: MIT */
/*
 * The dashboard: files embedded from web/ at build time (cmake/embed_web.cmake), served
 * from memory with their content type, a strong ETag (the FNV-1a hash of the bytes) so
 * that a reload costs a 304, and a Content-Security-Policy that allows only this origin.
 * A path without an extension that names no file gets index.html, so the dashboard's own
 * routes survive a reload; anything else unknown is 404.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"

struct jg__web_asset {
	const char *path;
	const unsigned char *data;
	size_t len;
};
extern const struct jg__web_asset jg__web_assets[];
extern const size_t jg__web_asset_count;

static const struct {
	const char *ext, *type;
} TYPES[] = {
	{".html", "text/html; charset=utf-8"},
	{".htm", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".jpg", "image/jpeg"},
	{".jpeg", "image/jpeg"},
	{".gif", "image/gif"},
	{".webp", "image/webp"},
	{".ico", "image/x-icon"},
	{".json", "application/json"},
	{".webmanifest", "application/manifest+json"},
	{".woff", "font/woff"},
	{".woff2", "font/woff2"},
	{".txt", "text/plain; charset=utf-8"},
	{".map", "application/json"},
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(TYPES) / sizeof(TYPES[0]); i++)
		if (jg_ascii_eq_ci(dot, TYPES[i].ext))
			return TYPES[i].type;
	return "application/octet-stream";
}

static const struct jg__web_asset *find(const char *path)
{
	for (size_t i = 0; i < jg__web_asset_count; i++)
		if (strcmp(jg__web_assets[i].path, path) == 0)
			return &jg__web_assets[i];
	return NULL;
}

enum MHD_Result jg__static_serve(jg__req *r, const char *path)
{
	const struct jg__web_asset *a;
	const char *slash = strrchr(path, '/');
	const char *inm = jg__header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
	struct MHD_Response *resp;
	char etag[40];
	uint64_t h = 1469598103934665603ULL;
	bool html;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	a = find(path);
	if (!a && slash && !strchr(slash, '.'))
		a = find("/index.html");
	if (!a)
		return jg__reply_error(r, JG__API_NOT_FOUND, "no such page");
	for (size_t i = 0; i < a->len; i++)
		h = (h ^ a->data[i]) * 1099511628211ULL;
	snprintf(etag, sizeof(etag), "\"%016llx\"", (unsigned long long)h);
	html = strncmp(type_of(a->path), "text/html", 9) == 0;
	if (inm && strcmp(inm, etag) == 0) {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
		return jg__reply_response(r, MHD_HTTP_NOT_MODIFIED, resp);
	}
	resp = MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type_of(a->path));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	if (html)
		MHD_add_response_header(
			resp, "Content-Security-Policy",
			"default-src 'self'; img-src 'self' data:; style-src 'self'"
			" 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none';"
			" base-uri 'none'; form-action 'self'");
	return jg__reply_response(r, MHD_HTTP_OK, resp);
}
