/* SPDX-License-Identifier: MIT */
/*
 * `jaego channel add|set|list` and `jaego config`: channels, their stock rules, and the
 * global priority setting.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jaego/profile.h"

static int channel_add(cli *c)
{
	const char *pos[1], *profile = "generic";
	const cli_opt opts[] = {{"profile", true, &profile}, {NULL, false, NULL}};
	jg_profiles *set = NULL;
	jg_err err = {0};
	int np, rc, known;

	rc = cli_parse(c, opts, pos, &np, 1, 1, "jaego channel add NAME [--profile PROFILE]");
	if (rc || (rc = cli_profiles(c, &set)))
		return rc;
	known = jg_profiles_find(set, profile) != NULL;
	jg_profiles_free(set);
	if (!known)
		return cli_usage(c, "unknown profile \"%s\" (see jaego profile list)", profile);
	if (jg_channel_add(c->store, pos[0], profile, &err))
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(json_pack("{s:s, s:s}", "channel", pos[0], "profile", profile));
	printf("added channel %s (profile %s)\n", pos[0], profile);
	return CLI_OK;
}

/* "none" (or "off") is JG_NO_LIMIT; otherwise a whole number >= 0. */
static int limit_value(cli *c, const char *what, const char *text, int64_t *out)
{
	if (strcmp(text, "none") == 0 || strcmp(text, "off") == 0) {
		*out = JG_NO_LIMIT;
		return 0;
	}
	if (cli_i64(c, what, text, out))
		return CLI_USAGE;
	if (*out < 0)
		return cli_usage(c, "%s must be 0 or more, or none", what);
	return 0;
}

static int channel_set(cli *c)
{
	const char *pos[1], *buffer = NULL, *percent = NULL, *max = NULL, *end_when = NULL,
			    *priority = NULL, *pause = NULL, *resume = NULL, *profile = NULL;
	const cli_opt opts[] = {{"buffer", true, &buffer},     {"percent", true, &percent},
				{"max", true, &max},	       {"end-when", true, &end_when},
				{"priority", true, &priority}, {"pause", false, &pause},
				{"resume", false, &resume},    {"profile", true, &profile},
				{NULL, false, NULL}};
	jg_rule_patch p = {0};
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 1, 1,
		       "jaego channel set NAME [--buffer N] [--percent P] [--max N|none]"
		       " [--end-when N|none] [--priority N] [--pause|--resume] [--profile P]");
	if (rc)
		return rc;
	if (pause && resume)
		return cli_usage(c, "--pause and --resume exclude each other");
	if (buffer) {
		if ((rc = cli_i64(c, "--buffer", buffer, &p.rule.buffer)))
			return rc;
		p.set |= JG_RULE_SET_BUFFER;
	}
	if (percent) {
		if ((rc = cli_i64(c, "--percent", percent, &p.rule.percent)))
			return rc;
		p.set |= JG_RULE_SET_PERCENT;
	}
	if (max) {
		if ((rc = limit_value(c, "--max", max, &p.rule.max)))
			return rc;
		p.set |= JG_RULE_SET_MAX;
	}
	if (end_when) {
		if ((rc = limit_value(c, "--end-when", end_when, &p.rule.end_when)))
			return rc;
		p.set |= JG_RULE_SET_END_WHEN;
	}
	if (priority) {
		if ((rc = cli_i64(c, "--priority", priority, &p.rule.priority)))
			return rc;
		p.set |= JG_RULE_SET_PRIORITY;
	}
	if (pause || resume) {
		p.rule.paused = pause != NULL;
		p.set |= JG_RULE_SET_PAUSED;
	}
	if (!p.set && !profile)
		return cli_usage(c, "nothing to set (see jaego --help)");
	if (profile) {
		jg_profiles *set = NULL;
		int known;

		if ((rc = cli_profiles(c, &set)))
			return rc;
		known = jg_profiles_find(set, profile) != NULL;
		jg_profiles_free(set);
		if (!known)
			return cli_usage(c, "unknown profile \"%s\" (see jaego profile list)", profile);
	}
	if ((rc = cli_store(c, false)))
		return rc;
	/* One batch: the profile and the rule change together or not at all. */
	rc = jg_store_begin(c->store, &err);
	if (rc == 0 && profile)
		rc = jg_channel_set_profile(c->store, pos[0], profile, &err);
	if (rc == 0 && p.set)
		rc = jg_channel_set(c->store, pos[0], &p, &err);
	if (rc == 0)
		rc = jg_store_commit(c->store, &err);
	else
		jg_store_rollback(c->store);
	if (rc)
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(json_pack("{s:s, s:b}", "channel", pos[0], "updated", 1));
	printf("updated channel %s\n", pos[0]);
	return CLI_OK;
}

typedef struct chan_list {
	json_t *arr;
	cli_table *t;
} chan_list;

static const char *limit_text(char *buf, int64_t v)
{
	return v == JG_NO_LIMIT ? "none" : cli_num(buf, v);
}

static int on_channel(const jg_channel_info *ch, void *payload)
{
	chan_list *l = payload;
	const jg_rule *r = &ch->rule;
	char a[24], b[24], d[24], e[24], f[24], g[24];

	if (l->arr)
		return json_array_append_new(l->arr, jg_json_channel(ch));
	return cli_table_row(l->t, (const char *[]){ch->name, ch->profile, cli_num(a, r->buffer),
						    cli_num(b, r->percent), limit_text(d, r->max),
						    limit_text(e, r->end_when),
						    cli_num(f, r->priority),
						    r->paused ? "paused" : "active",
						    cli_num(g, ch->listings)});
}

static int channel_list(cli *c)
{
	const char *pos[1];
	chan_list l = {0};
	jg_err err = {0};
	int np, rc;

	rc = cli_parse(c, NULL, pos, &np, 0, 0, "jaego channel list");
	if (rc || (rc = cli_store(c, false)))
		return rc;
	if (c->json)
		l.arr = json_array();
	else
		l.t = cli_table_new(9, (const char *[]){"CHANNEL", "PROFILE", "BUFFER", "PERCENT",
							"MAX", "END_WHEN", "PRIORITY", "STATE",
							"LISTINGS"});
	if (jg_channel_each(c->store, on_channel, &l, &err)) {
		json_decref(l.arr);
		cli_table_free(l.t);
		return cli_fail(c, &err);
	}
	if (c->json)
		return cli_json(json_pack("{s:o}", "channels", l.arr));
	cli_table_print(l.t);
	cli_table_free(l.t);
	return CLI_OK;
}

int cmd_channel(cli *c, const char *verb)
{
	if (strcmp(verb, "add") == 0)
		return channel_add(c);
	if (strcmp(verb, "set") == 0)
		return channel_set(c);
	if (strcmp(verb, "list") == 0)
		return channel_list(c);
	return cli_usage(c, "unknown subcommand (add, set, list)");
}

int cmd_config(cli *c, const char *verb)
{
	const char *pos[2];
	jg_err err = {0};
	int64_t v = 0;
	int np, rc, set = strcmp(verb, "set") == 0;

	if (!set && strcmp(verb, "get") != 0)
		return cli_usage(c, "unknown subcommand (get, set)");
	rc = cli_parse(c, NULL, pos, &np, set ? 2 : 1, set ? 2 : 1,
		       "jaego config get|set priority-top [N]");
	if (rc)
		return rc;
	if (strcmp(pos[0], "priority-top") != 0)
		return cli_usage(c, "unknown setting \"%s\" (known: priority-top)", pos[0]);
	if (set && (rc = cli_i64(c, "priority-top", pos[1], &v)))
		return rc;
	if ((rc = cli_store(c, false)))
		return rc;
	rc = set ? jg_setting_set(c->store, "priority_top", v, &err)
		 : jg_setting_get(c->store, "priority_top", &v, &err);
	if (rc)
		return cli_fail(c, &err);
	if (c->json)
		return cli_json(json_pack("{s:I}", "priority_top", (json_int_t)v));
	printf("priority-top = %lld\n", (long long)v);
	return CLI_OK;
}
