/* SPDX-License-Identifier: MIT */
/*
 * `jaego import FILE...` and `jaego profile list|show|check|add|remove`.
 *
 * import: each file is one transaction (see intake.h). The exit status is 0 only when
 * every file was applied with no rejected row; every summary is printed either way.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jaego/intake.h"

#define SHOW_MAX 50 /* rejected/unmatched/refused entries printed per file in text mode */

int cli_profiles(cli *c, jg_profiles **out)
{
	jg_err err = {0};
	int rc;

	if ((rc = cli_store(c, false)))
		return rc;
	if (jg_intake_profiles(c->store, out, &err))
		return cli_fail(c, &err);
	return 0;
}

static json_t *summary_json(const jg_intake_summary *s)
{
	return jg_json_intake_summary(s);
}

static void summary_text(const jg_intake_summary *s, bool dry_run)
{
	printf("%s: %s, channel %s (profile %s), header on row %lld%s\n", s->file,
	       jg_format_name(s->format), s->channel, s->profile, (long long)s->header_row,
	       dry_run ? " [dry run: nothing applied]" : s->applied ? "" : " [NOT APPLIED]");
	printf("  %lld rows: %lld new, %lld duplicates, %lld status changes, %lld refused,"
	       " %lld unmatched, %lld oversold, %lld rejected, %lld ignored\n",
	       (long long)s->rows, (long long)s->new_lines, (long long)s->duplicates,
	       (long long)s->status_changes, (long long)s->refused, (long long)s->unmatched,
	       (long long)s->oversold, (long long)s->rejected_count, (long long)s->ignored);
	for (size_t i = 0; i < s->n_rejected && i < SHOW_MAX; i++) {
		const jg_intake_reject *r = &s->rejected[i];

		if (r->column)
			printf("  rejected: %s: row %lld, column %d (%s): %s\n", s->file,
			       (long long)r->row, (int)r->column, r->header, r->reason);
		else
			printf("  rejected: %s: row %lld: %s\n", s->file, (long long)r->row, r->reason);
	}
	for (size_t i = 0; i < s->n_refused_list && i < SHOW_MAX; i++)
		printf("  refused: row %lld: %s\n", (long long)s->refused_list[i].row,
		       s->refused_list[i].reason);
	for (size_t i = 0; i < s->n_unmatched_list && i < SHOW_MAX; i++) {
		const jg_intake_unmatched *u = &s->unmatched_list[i];

		printf("  unmatched: %s%s%s%s%s (%lld lines): jaego listing map %s %s%s%s%s --to SKU\n",
		       u->product_id, *u->option ? " / " : "", u->option,
		       *u->product_name ? " — " : "", u->product_name, (long long)u->lines,
		       s->channel, u->product_id, *u->option ? " --option \"" : "", u->option,
		       *u->option ? "\"" : "");
	}
	if (s->n_rejected > SHOW_MAX || s->n_unmatched_list > SHOW_MAX)
		printf("  (more in --json)\n");
}

typedef struct import_run {
	cli *c;
	json_t *files;
	bool dry_run, password;
	int status;
} import_run;

/* The library says what is missing in words that fit the dashboard too; the command line
 * adds the option that gives it. `msg` is copied into `out`. */
static const char *cli_hinted(char *out, size_t cap, const jg_err *err, bool password)
{
	const char *hint = "";

	if (err->code == JG_EPERM && !password && strstr(err->msg, "password-protected"))
		hint = " (--password PW)";
	else if (strstr(err->msg, "name its channel"))
		hint = " (--channel NAME)";
	snprintf(out, cap, "%s%s", err->msg, hint);
	return out;
}

/* One file done: its summary, in the order the files were given. */
static int import_done(size_t index, const char *path, int rc, const jg_err *err,
		       const jg_intake_summary *sum, void *payload)
{
	import_run *r = payload;

	(void)index;
	if (rc || (sum && sum->rejected_count))
		r->status = CLI_FAIL;
	if (r->c->json) {
		json_t *f = sum ? summary_json(sum) : json_pack("{s:s}", "file", path);

		if (f && rc)
			json_object_set_new(f, "error", json_string(err->msg));
		json_array_append_new(r->files, f);
	} else {
		char msg[JG_ERR_MSG_MAX + 32];

		if (sum)
			summary_text(sum, r->dry_run);
		if (rc)
			fprintf(stderr, "jaego import: %s\n",
				cli_hinted(msg, sizeof(msg), err, r->password));
	}
	return 0;
}

int cmd_import(cli *c)
{
	const char *pos[256], *channel = NULL, *password = NULL, *dry = NULL, *strict = NULL,
			      *profile = NULL;
	const cli_opt opts[] = {{"channel", true, &channel},
				{"profile", true, &profile},
				{"password", true, &password},
				{"dry-run", false, &dry},
				{"strict", false, &strict},
				{NULL, false, NULL}};
	jg_profiles *profiles = NULL;
	json_t *files = NULL;
	int np, rc, status = CLI_OK;

	rc = cli_parse(c, opts, pos, &np, 1, 256,
		       "jaego import FILE... [--channel NAME] [--profile NAME] [--password PW]"
		       " [--dry-run] [--strict]");
	if (rc || (rc = cli_profiles(c, &profiles)))
		return rc;
	if (c->json)
		files = json_array();
	{
		/* One call for all the files: the next file is read while this one is applied. */
		jg_intake_opts o = {.channel = channel,
				    .profile = profile,
				    .password = password,
				    .dry_run = dry != NULL,
				    .strict = strict != NULL};
		jg_intake_item items[256];
		import_run run = {c, files, o.dry_run, password != NULL, CLI_OK};

		for (int i = 0; i < np; i++)
			items[i] = (jg_intake_item){pos[i], &o};
		jg_intake_files(c->store, profiles, items, (size_t)np, import_done, &run);
		status = run.status;
	}
	jg_profiles_free(profiles);
	if (c->json) {
		int jrc = cli_json(json_pack("{s:o}", "files", files));

		return status ? status : jrc;
	}
	return status;
}

/* ---- profiles ------------------------------------------------------------------------------- */

static int profile_list(cli *c, jg_profiles *set)
{
	json_t *arr = c->json ? json_array() : NULL;
	cli_table *t = c->json ? NULL
			       : cli_table_new(4, (const char *[]){"PROFILE", "KIND", "ORIGIN", "TITLE"});

	for (size_t i = 0; i < jg_profiles_count(set); i++) {
		const jg_profile *p = jg_profiles_at(set, i);
		const char *kind = jg_profile_kind_of(p) == JG_PROFILE_CLAIMS ? "claims" : "orders";

		if (arr)
			json_array_append_new(arr, jg_json_profile(p));
		else
			cli_table_row(t, (const char *[]){jg_profile_name(p), kind, jg_profile_origin(p),
							  jg_profile_title(p)});
	}
	if (arr)
		return cli_json(json_pack("{s:o}", "profiles", arr));
	cli_table_print(t);
	cli_table_free(t);
	return CLI_OK;
}

static int profile_show(cli *c, jg_profiles *set, const char *name)
{
	const jg_profile *p = jg_profiles_find(set, name);
	json_t *doc;

	if (!p)
		return cli_usage(c, "no profile named \"%s\" (see jaego profile list)", name);
	doc = json_loads(jg_profile_json(p), JSON_DECODE_ANY, NULL);
	if (!doc) {
		fputs(jg_profile_json(p), stdout);
		return CLI_OK;
	}
	if (c->json)
		return cli_json(doc);
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(doc);
	return CLI_OK;
}

static int profile_check(cli *c, jg_profiles *set, const char *path, const char *password)
{
	json_t *results = json_array();
	const jg_profile *best = NULL;
	jg_import_info best_info;
	size_t best_n = 0;
	jg_format fmt = JG_FORMAT_UNKNOWN;

	for (size_t i = 0; i < jg_profiles_count(set); i++) {
		const jg_profile *p = jg_profiles_at(set, i);
		jg_import_opts o = {.profiles = set, .allowed = &p, .n_allowed = 1, .password = password};
		jg_import_info info;
		jg_err err = {0};
		int rc = jg_import_sniff(path, &o, &info, &err);

		if (info.format)
			fmt = info.format;
		if (rc == JG_EIO || rc == JG_EFORMAT || rc == JG_EPERM || rc == JG_ELIMIT ||
		    rc == JG_ENOMEM) {
			jg_err shown = err;

			cli_hinted(shown.msg, sizeof(shown.msg), &err, password != NULL);
			json_decref(results);
			return cli_fail(c, &shown);
		}
		json_array_append_new(results,
				      rc ? json_pack("{s:s, s:b, s:s}", "profile", jg_profile_name(p),
						     "matches", 0, "why", err.msg)
					 : json_pack("{s:s, s:b, s:I, s:I}", "profile",
						     jg_profile_name(p), "matches", 1, "header_row",
						     (json_int_t)info.header_row, "fields",
						     (json_int_t)info.match.matched));
		if (rc == 0 && (!best || info.match.matched > best_n ||
				(info.match.matched == best_n && jg_profile_detectable(p) &&
				 !jg_profile_detectable(best)))) {
			best = p;
			best_n = info.match.matched;
			best_info = info;
		}
	}
	if (c->json) {
		json_t *doc = json_pack("{s:s, s:s, s:o}", "file", path, "format",
					jg_format_name(fmt), "profiles", results);

		if (best) {
			json_t *map = json_object(), *missing = json_array();

			for (int f = 0; f < JG_FIELD__COUNT; f++) {
				if (best_info.match.col[f] >= 0)
					json_object_set_new(map, jg_field_name(f),
							    json_pack("{s:i, s:s}", "column",
								      best_info.match.col[f] + 1,
								      "header", best_info.headers[f]));
				else
					json_array_append_new(missing, json_string(jg_field_name(f)));
			}
			json_object_set_new(doc, "best", json_string(jg_profile_name(best)));
			json_object_set_new(doc, "header_row", json_integer(best_info.header_row));
			json_object_set_new(doc, "line_id_from", json_string(best_info.line_id_from));
			json_object_set_new(doc, "fields", map);
			json_object_set_new(doc, "missing", missing);
		}
		return cli_json(doc);
	}
	printf("%s: %s\n", path, jg_format_name(fmt));
	{
		size_t i;
		json_t *r;

		json_array_foreach(results, i, r)
		{
			if (json_is_true(json_object_get(r, "matches")))
				printf("  %-18s matches: header on row %lld, %lld fields\n",
				       json_string_value(json_object_get(r, "profile")),
				       (long long)json_integer_value(json_object_get(r, "header_row")),
				       (long long)json_integer_value(json_object_get(r, "fields")));
		}
	}
	json_decref(results);
	if (!best) {
		printf("  no profile matches. Write one for this file (see docs/profiles.md) and add it"
		       " with `jaego profile add FILE.json`.\n");
		return CLI_FAIL;
	}
	printf("\nbest: %s (header row %lld)\n", jg_profile_name(best), (long long)best_info.header_row);
	printf("  %-16s <- %s\n", "line_id", best_info.line_id_from);
	for (int f = 1; f < JG_FIELD__COUNT; f++) {
		if (best_info.match.col[f] >= 0)
			printf("  %-16s <- column %d \"%s\"\n", jg_field_name(f),
			       best_info.match.col[f] + 1, best_info.headers[f]);
		else
			printf("  %-16s    (not in this file)\n", jg_field_name(f));
	}
	return CLI_OK;
}

static int profile_add(cli *c, const char *path, bool replace)
{
	jg_buf b;
	jg_err err = {0};
	char chunk[8192], *name = NULL;
	size_t n;
	FILE *f = fopen(path, "rb");
	jg_profiles *set = NULL;
	int rc = CLI_OK;

	if (!f) {
		jg_err_set(&err, JG_EIO, "%s: cannot open", path);
		return cli_fail(c, &err);
	}
	jg_buf_init(&b, 256u << 10);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (jg_buf_append(&b, chunk, n)) {
			jg_err_set(&err, JG_ELIMIT, "%s: a profile is at most 256 KiB", path);
			break;
		}
	fclose(f);
	if (!err.code)
		jg_profile_validate(jg_buf_str(&b), b.len, path, &name, &err);
	if (!err.code && (rc = cli_profiles(c, &set)) == 0) {
		const jg_profile *p = jg_profiles_find(set, name);

		if (p && jg_profile_builtin(p) && !replace)
			jg_err_set(&err, JG_EEXISTS,
				   "%s: \"%s\" is a built-in profile; give --replace to override it", path,
				   name);
		else if (p && !replace)
			jg_err_set(&err, JG_EEXISTS, "%s: a profile named \"%s\" exists; give --replace",
				   path, name);
		else
			jg_profile_put(c->store, name, jg_buf_str(&b), &err);
	}
	jg_profiles_free(set);
	jg_buf_free(&b);
	if (rc) {
		jg_free(name);
		return rc;
	}
	if (err.code) {
		jg_free(name);
		return cli_fail(c, &err);
	}
	if (c->json)
		rc = cli_json(json_pack("{s:s, s:b}", "profile", name, "added", 1));
	else
		printf("profile %s added\n", name);
	jg_free(name);
	return rc;
}

int cmd_profile(cli *c, const char *verb)
{
	const char *pos[2], *password = NULL, *replace = NULL;
	const cli_opt opts[] = {{"password", true, &password},
				{"replace", false, &replace},
				{NULL, false, NULL}};
	jg_profiles *set = NULL;
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, strcmp(verb, "list") == 0 ? 0 : 1,
		       strcmp(verb, "list") == 0 ? 0 : 1,
		       "jaego profile list | show NAME | check FILE [--password PW] |"
		       " add FILE.json [--replace] | remove NAME");
	if (rc)
		return rc;
	if (strcmp(verb, "add") == 0)
		return profile_add(c, pos[0], replace != NULL);
	if (strcmp(verb, "remove") == 0) {
		jg_err err = {0};

		if ((rc = cli_store(c, false)))
			return rc;
		if (jg_profile_del(c->store, pos[0], &err))
			return cli_fail(c, &err);
		if (c->json)
			return cli_json(json_pack("{s:s, s:b}", "profile", pos[0], "removed", 1));
		printf("profile %s removed\n", pos[0]);
		return CLI_OK;
	}
	if ((rc = cli_profiles(c, &set)))
		return rc;
	if (strcmp(verb, "list") == 0)
		rc = profile_list(c, set);
	else if (strcmp(verb, "show") == 0)
		rc = profile_show(c, set, pos[0]);
	else if (strcmp(verb, "check") == 0)
		rc = profile_check(c, set, pos[0], password);
	else
		rc = cli_usage(c, "unknown subcommand (list, show, check, add, remove)");
	jg_profiles_free(set);
	return rc;
}
