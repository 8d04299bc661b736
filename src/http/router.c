/* SPDX-License-Identifier: MIT */
/*
 * The route table of docs/api.md and the matcher. A pattern is a path whose "{}" segments
 * match any one segment; the matched segments are percent-decoded and handed to the
 * handler in order. A path that no pattern matches is 404; one that matches under other
 * methods is 405. The table says for each route the least role it needs, what body it
 * takes (and how large), and whether it is public; the server enforces them before a
 * handler runs.
 */
#include <string.h>

#include "http_int.h"

#define V       "/api/v1"
#define R_VIEW  JG_ROLE_VIEWER
#define R_OP    JG_ROLE_OPERATOR
#define R_ADMIN JG_ROLE_ADMIN

const jg__route jg__routes[] = {
	{"GET", V "/health", jg__api_health, R_VIEW, JG__BODY_NONE, JG__ROUTE_PUBLIC},
	{"POST", V "/login", jg__api_login, R_VIEW, JG__BODY_JSON, JG__ROUTE_PUBLIC},
	{"POST", V "/logout", jg__api_logout, R_VIEW, JG__BODY_JSON, 0},
	{"GET", V "/me", jg__api_me, R_VIEW, JG__BODY_NONE, 0},
	{"GET", V "/events", jg__api_events, R_VIEW, JG__BODY_NONE, 0},

	{"GET", V "/skus", jg__api_skus_list, R_VIEW, JG__BODY_NONE, 0},
	{"POST", V "/skus", jg__api_skus_add, R_OP, JG__BODY_JSON, 0},
	{"PATCH", V "/skus/{}", jg__api_skus_patch, R_OP, JG__BODY_JSON, 0},
	{"POST", V "/skus/{}/receive", jg__api_skus_receive, R_OP, JG__BODY_JSON, 0},
	{"POST", V "/skus/{}/adjust", jg__api_skus_adjust, R_OP, JG__BODY_JSON, 0},
	{"POST", V "/skus/{}/count", jg__api_skus_count, R_OP, JG__BODY_JSON, 0},
	{"GET", V "/skus/{}/history", jg__api_skus_history, R_VIEW, JG__BODY_NONE, 0},
	{"GET", V "/skus/{}/why", jg__api_skus_why, R_VIEW, JG__BODY_NONE, 0},
	{"POST", V "/skus/import", jg__api_skus_import, R_OP, JG__BODY_FILE, JG__ROUTE_LIST},

	{"GET", V "/channels", jg__api_channels_list, R_VIEW, JG__BODY_NONE, 0},
	{"POST", V "/channels", jg__api_channels_add, R_OP, JG__BODY_JSON, 0},
	{"PATCH", V "/channels/{}", jg__api_channels_patch, R_OP, JG__BODY_JSON, 0},
	{"POST", V "/channels/{}/preview", jg__api_channels_preview, R_VIEW, JG__BODY_JSON,
	 JG__ROUTE_READ},
	{"POST", V "/channels/{}/orders", jg__api_channels_intake, R_OP, JG__BODY_JSON, 0},
	{"GET", V "/settings", jg__api_settings_get, R_VIEW, JG__BODY_NONE, 0},
	{"PATCH", V "/settings", jg__api_settings_patch, R_OP, JG__BODY_JSON, 0},

	{"GET", V "/listings", jg__api_listings_list, R_VIEW, JG__BODY_NONE, 0},
	{"POST", V "/listings", jg__api_listings_map, R_OP, JG__BODY_JSON, 0},
	{"POST", V "/listings/import", jg__api_listings_import, R_OP, JG__BODY_FILE,
	 JG__ROUTE_LIST},

	{"GET", V "/orders", jg__api_orders_list, R_VIEW, JG__BODY_NONE, 0},
	{"POST", V "/orders", jg__api_orders_add, R_OP, JG__BODY_JSON, 0},
	{"POST", V "/orders/{}/{}/ship", jg__api_orders_ship, R_OP, JG__BODY_JSON, 0},
	{"POST", V "/orders/{}/{}/cancel", jg__api_orders_cancel, R_OP, JG__BODY_JSON, 0},
	{"POST", V "/orders/{}/{}/return", jg__api_orders_return, R_OP, JG__BODY_JSON, 0},
	{"GET", V "/unmatched", jg__api_unmatched, R_VIEW, JG__BODY_NONE, 0},
	{"GET", V "/oversold", jg__api_oversold, R_VIEW, JG__BODY_NONE, 0},

	{"POST", V "/imports", jg__api_imports_add, R_OP, JG__BODY_FILE, 0},
	{"GET", V "/jobs/{}", jg__api_jobs_get, R_VIEW, JG__BODY_NONE, 0},
	{"GET", V "/profiles", jg__api_profiles_list, R_VIEW, JG__BODY_NONE, 0},
	{"POST", V "/profiles", jg__api_profiles_add, R_OP, JG__BODY_JSON, 0},
	{"GET", V "/profiles/{}", jg__api_profiles_get, R_VIEW, JG__BODY_NONE, 0},
	{"DELETE", V "/profiles/{}", jg__api_profiles_remove, R_OP, JG__BODY_NONE, 0},

	{"GET", V "/sync/plan", jg__api_sync_plan, R_VIEW, JG__BODY_NONE, 0},
	{"POST", V "/sync/export", jg__api_sync_export, R_OP, JG__BODY_JSON, 0},
	{"GET", V "/sync/files/{}", jg__api_sync_file, R_VIEW, JG__BODY_NONE, 0},
	{"POST", V "/sync/mark", jg__api_sync_mark, R_OP, JG__BODY_FILE, 0},
	{"GET", V "/sync/status", jg__api_sync_status, R_VIEW, JG__BODY_NONE, 0},
	{"GET", V "/check", jg__api_check, R_VIEW, JG__BODY_NONE, 0},

	{"POST", V "/users", jg__api_users_add, R_ADMIN, JG__BODY_JSON, 0},
	{"GET", V "/users", jg__api_users_list, R_ADMIN, JG__BODY_NONE, 0},
	{"DELETE", V "/users/{}", jg__api_users_remove, R_ADMIN, JG__BODY_NONE, 0},
	{"PUT", V "/users/{}/password", jg__api_users_password, R_ADMIN, JG__BODY_JSON, 0},
	{"POST", V "/tokens", jg__api_tokens_add, R_ADMIN, JG__BODY_JSON, 0},
	{"GET", V "/tokens", jg__api_tokens_list, R_ADMIN, JG__BODY_NONE, 0},
	{"DELETE", V "/tokens/{}", jg__api_tokens_revoke, R_ADMIN, JG__BODY_NONE, 0},
	{"GET", V "/audit", jg__api_audit, R_ADMIN, JG__BODY_NONE, 0},
};
const size_t jg__route_count = sizeof(jg__routes) / sizeof(jg__routes[0]);

uint64_t jg__route_body_max(const jg__route *rt)
{
	if (!rt)
		return 0;
	if (rt->body == JG__BODY_FILE)
		return (rt->flags & JG__ROUTE_LIST) ? JG__LIST_MAX : JG__UPLOAD_MAX;
	return rt->body == JG__BODY_JSON ? JG__JSON_MAX : 0;
}

/* Matches `path` against `pattern`; fills the raw segments matched by {} (pointers into
 * `path` with their lengths). */
static bool match(const char *pattern, const char *path, const char **seg, size_t *len, size_t *n)
{
	const char *p = pattern, *u = path;

	*n = 0;
	while (*p && *u) {
		if (p[0] == '{' && p[1] == '}') {
			const char *end = strchr(u, '/');
			size_t l = end ? (size_t)(end - u) : strlen(u);

			if (l == 0 || *n == JG__PARAMS_MAX)
				return false;
			seg[*n] = u;
			len[*n] = l;
			(*n)++;
			u += l;
			p += 2;
			continue;
		}
		if (*p != *u)
			return false;
		p++;
		u++;
	}
	return *p == '\0' && *u == '\0';
}

int jg__route_find(const char *method, const char *path, jg_arena *a, const jg__route **out,
		   const char **params, size_t *nparams)
{
	const char *seg[JG__PARAMS_MAX];
	size_t len[JG__PARAMS_MAX], n;
	bool other_method = false;

	*out = NULL;
	*nparams = 0;
	for (size_t i = 0; i < jg__route_count; i++) {
		const jg__route *rt = &jg__routes[i];

		if (!match(rt->pattern, path, seg, len, &n))
			continue;
		if (strcmp(rt->method, method) != 0) {
			other_method = true;
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			params[k] = jg__url_decode(a, seg[k], len[k]);
			if (!params[k])
				return JG_EINVAL;
		}
		*nparams = n;
		*out = rt;
		return 0;
	}
	return other_method ? JG_EPERM : JG_ENOTFOUND;
}
