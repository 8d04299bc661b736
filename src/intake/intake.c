/* SPDX-License-Identifier: MIT */
/*
 * Applying an order file to the store. Sits above import (reading) and store (the
 * ledger) and uses only their public interfaces. The whole file is one batch: lines are
 * put as they are read, so memory does not grow with the file, and the batch commits at
 * the end, or rolls back for a dry run or a strict refusal.
 */
#include <stdio.h>
#include <string.h>

#include "jaego/intake.h"
#include "jaego/util.h"

/* ---- which channel ------------------------------------------------------------------------ */

/* One walk over the channels per file (jg_channel_each counts every channel's listings, so
 * it is not free): it finds the named channel's profile, the detectable profiles in use,
 * and keeps every channel's profile name for on_header. */
typedef struct chan_scan {
	const char *name;      /* find this channel's profile */
	char profile_out[64];
	int count;
	/* detectable profiles used by channels, for detection */
	const jg_profiles *set;
	const jg_profile *used[64];
	size_t n_used;
	/* every channel as (name, profile), for finding the channels of a profile */
	struct chan_entry {
		char name[128];
		char profile[128];
	} *all;
	size_t n_all;
	jg_err *err;
} chan_scan;

typedef struct job {
	jg_store *s;
	const jg_profiles *profiles;
	const jg_intake_opts *o;
	jg_intake_summary *sum;
	jg_err *err;
	const char *path;
	char channel[128];
	bool began;
	bool claims; /* the profile reading the file is a claims list */
	int64_t import_id;
	const chan_scan *cs;
} job;

static int on_channel(const jg_channel_info *c, void *payload)
{
	chan_scan *cs = payload;
	struct chan_entry *all;

	if (cs->name && strcmp(c->name, cs->name) == 0) {
		snprintf(cs->profile_out, sizeof(cs->profile_out), "%s", c->profile);
		cs->count++;
	}
	if (cs->set) {
		const jg_profile *p = jg_profiles_find(cs->set, c->profile);
		bool dup = false;

		for (size_t i = 0; i < cs->n_used; i++)
			dup |= cs->used[i] == p;
		if (p && !dup && jg_profile_detectable(p) && cs->n_used < 64)
			cs->used[cs->n_used++] = p;
	}
	all = jg_realloc(cs->all, (cs->n_all + 1) * sizeof(*all));
	if (!all)
		return jg_err_set(cs->err, JG_ENOMEM, "out of memory");
	cs->all = all;
	snprintf(all[cs->n_all].name, sizeof(all[cs->n_all].name), "%s", c->name);
	snprintf(all[cs->n_all].profile, sizeof(all[cs->n_all].profile), "%s", c->profile);
	cs->n_all++;
	return 0;
}

static int on_header(const jg_import_info *info, void *payload)
{
	job *j = payload;
	const char *pname = jg_profile_name(info->profile);
	int rc;

	snprintf(j->sum->profile, sizeof(j->sum->profile), "%s", pname);
	j->sum->format = info->format;
	j->sum->header_row = info->header_row;
	j->claims = jg_profile_kind_of(info->profile) == JG_PROFILE_CLAIMS;
	if (!j->channel[0]) {
		struct {
			char found[128];
			int count;
			char list[512];
		} cs = {.count = 0};

		for (size_t i = 0; i < j->cs->n_all; i++) {
			const struct chan_entry *c = &j->cs->all[i];
			size_t used = strlen(cs.list);

			if (strcmp(c->profile, pname) != 0)
				continue;
			if (cs.count++ == 0)
				snprintf(cs.found, sizeof(cs.found), "%s", c->name);
			snprintf(cs.list + used, sizeof(cs.list) - used, "%s%s", used ? ", " : "",
				 c->name);
		}
		if (cs.count == 0)
			return jg_err_set(j->err, JG_EINVAL,
					  "%s: the file is a %s file, but no channel uses the %s profile:"
					  " add one with `jaego channel add NAME --profile %s`",
					  j->path, pname, pname, pname);
		if (cs.count > 1)
			return jg_err_set(j->err, JG_EINVAL,
					  "%s: the file is a %s file and channels %s use that profile:"
					  " give --channel",
					  j->path, pname, cs.list);
		snprintf(j->channel, sizeof(j->channel), "%s", cs.found);
	}
	snprintf(j->sum->channel, sizeof(j->sum->channel), "%s", j->channel);
	rc = jg_store_begin(j->s, j->err);
	if (rc)
		return rc;
	j->began = true;
	{
		/* A dry run logs too: its batch, log entry included, is rolled back. */
		jg_import_record r = {.channel = j->channel,
				      .file = j->path,
				      .format = jg_format_name(info->format),
				      .profile = pname};

		rc = jg_import_log_add(j->s, &r, &j->import_id, j->err);
	}
	return rc;
}

/* ---- lines --------------------------------------------------------------------------------- */

static void *grow(void *v, size_t *n, size_t size)
{
	void *nv;

	if (*n >= JG_INTAKE_LIST_MAX)
		return NULL;
	nv = jg_realloc(v, (*n + 1) * size);
	if (nv)
		(*n)++;
	return nv;
}

static int on_reject(int64_t row, int32_t column, const char *header, const char *reason,
		     void *payload)
{
	job *j = payload;
	jg_intake_summary *sum = j->sum;
	jg_intake_reject *v;

	sum->rejected_count++;
	v = grow(sum->rejected, &sum->n_rejected, sizeof(*v));
	if (!v)
		return sum->n_rejected >= JG_INTAKE_LIST_MAX ? 0
							      : jg_err_set(j->err, JG_ENOMEM, "out of memory");
	sum->rejected = v;
	v = &sum->rejected[sum->n_rejected - 1];
	v->row = row;
	v->column = column;
	snprintf(v->header, sizeof(v->header), "%s", header);
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	return 0;
}

static int on_ignore(int64_t row, void *payload)
{
	job *j = payload;

	(void)row;
	j->sum->ignored++;
	return 0;
}

static int note_unmatched(job *j, const jg_line *l)
{
	jg_intake_summary *sum = j->sum;
	jg_intake_unmatched *v;

	sum->unmatched++;
	for (size_t i = 0; i < sum->n_unmatched_list; i++) {
		jg_intake_unmatched *u = &sum->unmatched_list[i];

		if (strcmp(u->product_id, l->product_id) == 0 && strcmp(u->option, l->option) == 0) {
			u->lines++;
			return 0;
		}
	}
	v = grow(sum->unmatched_list, &sum->n_unmatched_list, sizeof(*v));
	if (!v)
		return sum->n_unmatched_list >= JG_INTAKE_LIST_MAX
			       ? 0
			       : jg_err_set(j->err, JG_ENOMEM, "out of memory");
	sum->unmatched_list = v;
	v = &v[sum->n_unmatched_list - 1];
	snprintf(v->product_id, sizeof(v->product_id), "%s", l->product_id);
	snprintf(v->option, sizeof(v->option), "%s", l->option);
	snprintf(v->product_name, sizeof(v->product_name), "%s", l->product_name);
	v->lines = 1;
	return 0;
}

static int note_refused(job *j, const jg_line *l, const char *why)
{
	jg_intake_summary *sum = j->sum;
	jg_intake_refused *v;

	sum->refused++;
	v = grow(sum->refused_list, &sum->n_refused_list, sizeof(*v));
	if (!v)
		return sum->n_refused_list >= JG_INTAKE_LIST_MAX
			       ? 0
			       : jg_err_set(j->err, JG_ENOMEM, "out of memory");
	sum->refused_list = v;
	v = &v[sum->n_refused_list - 1];
	v->row = l->row;
	snprintf(v->line_id, sizeof(v->line_id), "%s", l->line_id);
	snprintf(v->reason, sizeof(v->reason), "%s", why);
	return 0;
}

static int on_line(const jg_line *l, void *payload)
{
	job *j = payload;
	jg_order_result r;
	jg_err e = {0};
	int rc;

	if (j->o->progress && j->o->progress_every && l->row % j->o->progress_every == 0)
		j->o->progress(l->row, j->o->progress_payload);
	if (j->claims) {
		jg_transition_opts t = {.restock = l->restock, .channel_status = l->channel_status};

		rc = jg_order_transition(j->s, j->channel, l->line_id, l->status, &t, &r, &e);
		if (rc == JG_ENOTFOUND)
			return on_reject(l->row, 0, "", "no such line: import the order file first",
					 j);
		if (rc == JG_ESTATE)
			return note_refused(j, l, e.msg);
		if (rc)
			goto fail;
		/* Already there is not a refusal: the list may overlap an earlier one. */
		if (r.outcome == JG_ORDER_DUPLICATE)
			j->sum->duplicates++;
		else
			j->sum->status_changes++;
		return 0;
	} else {
		jg_order_in in = {
			.channel = j->channel,
			.line_id = l->line_id,
			.order_no = l->order_no,
			.product_id = l->product_id,
			.option = l->option,
			.qty = l->qty,
			.status = l->status,
			.channel_status = l->channel_status,
			.ordered_at = l->ordered_at,
			.courier = l->courier,
			.tracking = l->tracking,
			.restock = l->restock,
			.product_name = l->product_name,
			.sku_code = l->sku_code,
			.price = l->price < 0 ? 0 : l->price,
			.has_price = l->price >= 0,
			.buyer = l->buyer,
			.buyer_phone = l->buyer_phone,
			.recipient = l->recipient,
			.recipient_phone = l->recipient_phone,
			.postal_code = l->postal_code,
			.address = l->address,
			.message = l->message,
			.import_id = j->import_id,
		};

		rc = jg_order_put(j->s, &in, &r, &e);
		if (rc == JG_ESTATE)
			return note_refused(j, l, e.msg);
		if (rc == JG_EINVAL)
			return on_reject(l->row, 0, "", e.msg, j);
		if (rc)
			goto fail;
		switch (r.outcome) {
		case JG_ORDER_NEW:
			j->sum->new_lines++;
			if (!r.matched && l->status != JG_STATUS_CANCELLED)
				return note_unmatched(j, l);
			return 0;
		case JG_ORDER_DUPLICATE: j->sum->duplicates++; return 0;
		case JG_ORDER_CHANGED: j->sum->status_changes++; return 0;
		}
		return 0;
	}
fail:
	*j->err = e;
	return rc;
}

/* ---- the file ---------------------------------------------------------------------------------- */

int jg_intake_file(jg_store *s, const jg_profiles *profiles, const char *path,
		   const jg_intake_opts *o, jg_intake_summary **out, jg_err *err)
{
	static const jg_import_handler h = {on_header, on_line, on_reject, on_ignore};
	jg_import_opts io = {0};
	chan_scan cs = {0};
	const jg_profile *only;
	jg_import_info info;
	jg_intake_summary *sum;
	job j = {0};
	int rc;

	*out = NULL;
	sum = jg_calloc(1, sizeof(*sum));
	if (!sum)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	snprintf(sum->file, sizeof(sum->file), "%s", o->name ? o->name : path);
	j.s = s;
	j.profiles = profiles;
	j.o = o;
	j.sum = sum;
	j.err = err;
	j.path = o->name ? o->name : path;
	j.cs = &cs;
	cs.err = err;
	io.profiles = profiles;
	io.password = o->password;
	io.lim = o->lim;
	/* With a channel, its profile reads the file; without, the detectable profiles the
	 * seller's channels use compete for the header. */
	cs.name = o->channel;
	cs.set = o->channel || o->profile ? NULL : profiles;
	rc = jg_channel_each(s, on_channel, &cs, err);
	if (rc)
		goto out;
	if (o->channel && !cs.count) {
		rc = jg_err_set(err, JG_ENOTFOUND, "unknown channel \"%s\"", o->channel);
		goto out;
	}
	if (o->channel || o->profile) {
		const char *pname = o->profile ? o->profile : cs.profile_out;

		only = jg_profiles_find(profiles, pname);
		if (!only && o->profile) {
			rc = jg_err_set(err, JG_EINVAL, "unknown profile \"%s\" (see jaego profile list)",
					o->profile);
			goto out;
		}
		if (!only) {
			rc = jg_err_set(err, JG_EINVAL, "channel %s uses profile %s, which is not known",
					o->channel, cs.profile_out);
			goto out;
		}
		if (o->channel)
			snprintf(j.channel, sizeof(j.channel), "%s", o->channel);
		io.allowed = &only;
		io.n_allowed = 1;
	} else {
		if (!cs.n_used) {
			rc = jg_err_set(err, JG_EINVAL,
					"%s: no channel uses a profile that can be recognised from a"
					" file: give --channel",
					j.path);
			goto out;
		}
		io.allowed = cs.used;
		io.n_allowed = cs.n_used;
	}
	rc = jg_import_read(path, &io, &info, &h, &j, err);
	sum->rows = info.rows;
	if (rc == 0 && o->strict && sum->rejected_count) {
		rc = jg_err_set(err, JG_EINVAL, "%s: %lld rows are bad; with --strict nothing was applied",
				j.path, (long long)sum->rejected_count);
	}
	if (rc == 0 && j.began) {
		jg_import_record r = {.rows = sum->rows,
				      .new_lines = sum->new_lines,
				      .duplicates = sum->duplicates,
				      .status_changes = sum->status_changes,
				      .refused = sum->refused,
				      .rejected = sum->rejected_count};

		if (o->dry_run) {
			/* Settle inside the batch to count oversold lines, then throw it away. */
			rc = jg_store_settle(s, err);
		} else {
			rc = jg_import_log_update(s, j.import_id, &r, err);
			if (rc == 0)
				rc = jg_channel_mark_imported(s, j.channel, jg_now_ms(), err);
			if (rc == 0)
				rc = jg_store_commit(s, err);
			j.began = rc != 0;
			if (rc == 0) {
				sum->applied = true;
				sum->import_id = j.import_id;
			}
		}
		if (rc == 0 && j.import_id > 0)
			rc = jg_import_oversold_count(s, j.import_id, &sum->oversold, err);
	}
out:
	if (j.began)
		jg_store_rollback(s);
	jg_free(cs.all);
	if (sum->channel[0] || sum->profile[0]) {
		*out = sum;
	} else {
		jg_intake_summary_free(sum);
	}
	return rc;
}

void jg_intake_summary_free(jg_intake_summary *sum)
{
	if (!sum)
		return;
	jg_free(sum->rejected);
	jg_free(sum->unmatched_list);
	jg_free(sum->refused_list);
	jg_free(sum);
}

typedef struct load_ctx {
	jg_profiles *set;
	jg_err *err;
} load_ctx;

static int on_stored(const char *name, const char *json, void *payload)
{
	load_ctx *l = payload;
	char origin[160];

	snprintf(origin, sizeof(origin), "profile %s (added)", name);
	return jg_profiles_add_json(l->set, json, strlen(json), origin, true, NULL, l->err);
}

int jg_intake_profiles(jg_store *s, jg_profiles **out, jg_err *err)
{
	load_ctx l = {NULL, err};
	int rc = jg_profiles_new(&l.set, err);

	*out = NULL;
	if (rc)
		return rc;
	rc = jg_profile_each_stored(s, on_stored, &l, err);
	if (rc) {
		jg_profiles_free(l.set);
		return rc;
	}
	*out = l.set;
	return 0;
}
