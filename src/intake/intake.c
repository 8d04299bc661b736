/* SPDX-License-Identifier: MIT */
/*
 * Applying an order file to the store. Sits above import (reading) and store (the
 * ledger) and uses only their public interfaces. The whole file is one batch: lines are
 * put as they are read, so memory does not grow with the file, and the batch commits at
 * the end, or rolls back for a dry run or a strict refusal.
 *
 * Two threads (pthreads): a reader thread reads and maps the files into lines while the
 * calling thread applies them to the store through the same callbacks the one-thread path
 * uses; they meet in a bounded ring of event buffers (see "two threads" below). Only the
 * calling thread touches the store.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "jaego/intake.h"
#include "jaego/util.h"

/* ---- which channel ------------------------------------------------------------------------ */

/* Every channel as (name, profile), read with one walk over the channels (jg_channel_each
 * counts every channel's listings, so it is not free) for a file, or once for a list of
 * files (importing changes no channel). */
typedef struct chan_scan {
	struct chan_entry {
		char name[128];
		char profile[128];
	} *all;
	size_t n_all;
	jg_err *err;
} chan_scan;

/* What a file is read with: its options, the profiles allowed to read it (the named
 * channel's or profile, or the detectable profiles the seller's channels use), and the
 * channel when it is given. */
typedef struct file_setup {
	const char *path;
	const jg_intake_opts *o;
	int rc;                /* 0, or why the file cannot be read (err) */
	jg_err err;
	const jg_profile *only;
	const jg_profile *used[64];
	size_t n_used;
	jg_import_opts io;
	char channel[128];
} file_setup;

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
					  " add a channel that uses it",
					  j->path, pname, pname);
		if (cs.count > 1)
			return jg_err_set(j->err, JG_EINVAL,
					  "%s: the file is a %s file and channels %s use that profile:"
					  " name its channel",
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

static int scan_channels(jg_store *s, chan_scan *cs, jg_err *err)
{
	memset(cs, 0, sizeof(*cs));
	cs->err = err;
	return jg_channel_each(s, on_channel, cs, err);
}

/* Fills `f` for the file at `path` read with `o`: f->rc and f->err say why it cannot be. */
static void setup_file(file_setup *f, const jg_profiles *profiles, const chan_scan *cs,
		       const char *path, const jg_intake_opts *o)
{
	const char *shown = o->name ? o->name : path;
	char profile_out[128] = "";
	int count = 0;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->o = o;
	f->io.profiles = profiles;
	f->io.password = o->password;
	f->io.lim = o->lim;
	for (size_t i = 0; i < cs->n_all; i++) {
		const struct chan_entry *c = &cs->all[i];

		if (o->channel && strcmp(c->name, o->channel) == 0) {
			snprintf(profile_out, sizeof(profile_out), "%s", c->profile);
			count++;
		}
		/* With a channel, its profile reads the file; without, the detectable profiles
		 * the seller's channels use compete for the header. */
		if (!o->channel && !o->profile) {
			const jg_profile *p = jg_profiles_find(profiles, c->profile);
			bool dup = false;

			for (size_t k = 0; k < f->n_used; k++)
				dup |= f->used[k] == p;
			if (p && !dup && jg_profile_detectable(p) && f->n_used < 64)
				f->used[f->n_used++] = p;
		}
	}
	if (o->channel && !count) {
		f->rc = jg_err_set(&f->err, JG_ENOTFOUND, "unknown channel \"%s\"", o->channel);
	} else if (o->channel || o->profile) {
		f->only = jg_profiles_find(profiles, o->profile ? o->profile : profile_out);
		if (!f->only && o->profile)
			f->rc = jg_err_set(&f->err, JG_EINVAL,
					   "unknown profile \"%s\"", o->profile);
		else if (!f->only)
			f->rc = jg_err_set(&f->err, JG_EINVAL,
					   "channel %s uses profile %s, which is not known", o->channel,
					   profile_out);
		if (o->channel)
			snprintf(f->channel, sizeof(f->channel), "%s", o->channel);
		f->io.allowed = &f->only;
		f->io.n_allowed = 1;
	} else if (!f->n_used) {
		f->rc = jg_err_set(&f->err, JG_EINVAL,
				   "%s: no channel uses a profile that can be recognised from a"
				   " file: name its channel",
				   shown);
	} else {
		f->io.allowed = f->used;
		f->io.n_allowed = f->n_used;
	}
}

/* A file's job before its first row. */
static int job_start(job *j, jg_store *s, const jg_profiles *profiles, const char *path,
		     const jg_intake_opts *o, const chan_scan *cs, jg_err *err)
{
	memset(j, 0, sizeof(*j));
	j->s = s;
	j->err = err;
	j->sum = jg_calloc(1, sizeof(*j->sum));
	if (!j->sum)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	snprintf(j->sum->file, sizeof(j->sum->file), "%s", o->name ? o->name : path);
	j->s = s;
	j->profiles = profiles;
	j->o = o;
	j->err = err;
	j->path = o->name ? o->name : path;
	j->cs = cs;
	return 0;
}

/* A file's job after its last row (or its failure `rc`): refuses a strict file with bad
 * rows, logs, commits or rolls back, counts the oversold lines. *out as jg_intake_file. */
static int job_finish(job *j, int rc, jg_intake_summary **out)
{
	jg_store *s = j->s;
	const jg_intake_opts *o = j->o;
	jg_intake_summary *sum = j->sum;
	jg_err *err = j->err;

	*out = NULL;
	if (!sum)
		return rc;
	if (rc == 0 && o->strict && sum->rejected_count) {
		rc = jg_err_set(err, JG_EINVAL, "%s: %lld bad %s; a strict import applies nothing",
				j->path, (long long)sum->rejected_count,
				sum->rejected_count == 1 ? "row" : "rows");
	}
	if (rc == 0 && j->began) {
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
			rc = jg_import_log_update(s, j->import_id, &r, err);
			if (rc == 0)
				rc = jg_channel_mark_imported(s, j->channel, jg_now_ms(), err);
			if (rc == 0)
				rc = jg_store_commit(s, err);
			j->began = rc != 0;
			if (rc == 0) {
				sum->applied = true;
				sum->import_id = j->import_id;
			}
		}
		if (rc == 0 && j->import_id > 0)
			rc = jg_import_oversold_count(s, j->import_id, &sum->oversold, err);
	}
	if (j->began)
		jg_store_rollback(s);
	j->began = false;
	if (sum->channel[0] || sum->profile[0])
		*out = sum;
	else
		jg_intake_summary_free(sum);
	j->sum = NULL;
	return rc;
}

static const jg_import_handler APPLY = {on_header, on_line, on_reject, on_ignore};

/* One file, read and applied on this thread. `cs`: the channels read already for a list of
 * files, or NULL to read them here. */
static int file_serial(jg_store *s, const jg_profiles *profiles, const char *path,
		       const jg_intake_opts *o, const chan_scan *cs, jg_intake_summary **out,
		       jg_err *err)
{
	file_setup *f = NULL;
	chan_scan own;
	jg_import_info info;
	job j;
	int rc;

	*out = NULL;
	memset(&own, 0, sizeof(own));
	rc = job_start(&j, s, profiles, path, o, cs ? cs : &own, err);
	if (rc)
		return rc;
	if (!cs)
		rc = scan_channels(s, &own, err);
	if (rc == 0 && !(f = jg_malloc(sizeof(*f))))
		rc = jg_err_set(err, JG_ENOMEM, "out of memory");
	if (rc == 0) {
		setup_file(f, profiles, j.cs, path, o);
		rc = f->rc;
		if (rc && !err->code)
			*err = f->err;
	}
	if (rc == 0) {
		snprintf(j.channel, sizeof(j.channel), "%s", f->channel);
		rc = jg_import_read(path, &f->io, &info, &APPLY, &j, err);
		j.sum->rows = info.rows;
	}
	rc = job_finish(&j, rc, out);
	jg_free(f);
	jg_free(own.all);
	return rc;
}

/* ---- two threads: reading ahead while the store applies ------------------------------------- */

/*
 * A reader thread runs jg_import_read on each file in turn and writes what its callbacks
 * report (the header, each line, rejected and ignored rows, the end of the file with the
 * reader's result) as events into a ring of SLOTS buffers; the calling thread takes the
 * buffers in order and hands each event to the same callbacks as the one-thread path
 * (on_header, on_line, ...), so every file is applied exactly as jg_intake_file applies it,
 * in ONE transaction, in the given order. Only the calling thread touches the store; the
 * reader touches only the files and the (read-only) profiles. Memory is bounded: at most
 * SLOTS buffers of SLOT_BYTES each are read ahead (a buffer grows past that only for a
 * single event larger than it, which the sheet caps bound). A failure on the applying side
 * tells the reader to stop reading that file; an early end tells it to stop altogether.
 */
#define SLOTS 16
#define SLOT_BYTES ((size_t)128 << 10)

enum ev_kind { EV_HEADER = 1, EV_LINE, EV_REJECT, EV_IGNORE, EV_END };

typedef struct ev_hdr {
	uint32_t kind;
	uint32_t size; /* of the whole event, header included, a multiple of 8 */
	int64_t rows;  /* the reader's info.rows when the event was made */
} ev_hdr;

typedef struct ev_end {
	int rc;
	jg_err err;
} ev_end;

typedef struct ev_reject {
	int64_t row;
	int32_t column;
} ev_reject;

/* The text fields of a jg_line, in the order they follow the struct in an EV_LINE. */
static const size_t LINE_TEXTS[] = {
	offsetof(jg_line, line_id),	     offsetof(jg_line, order_no),
	offsetof(jg_line, product_id),	     offsetof(jg_line, product_name),
	offsetof(jg_line, option),	     offsetof(jg_line, sku_code),
	offsetof(jg_line, channel_status),  offsetof(jg_line, buyer),
	offsetof(jg_line, buyer_phone),     offsetof(jg_line, recipient),
	offsetof(jg_line, recipient_phone), offsetof(jg_line, postal_code),
	offsetof(jg_line, address),	     offsetof(jg_line, message),
	offsetof(jg_line, courier),	     offsetof(jg_line, tracking),
};
#define N_LINE_TEXTS (sizeof(LINE_TEXTS) / sizeof(LINE_TEXTS[0]))

static const char **line_text(jg_line *l, size_t k)
{
	return (const char **)(void *)((char *)l + LINE_TEXTS[k]);
}

typedef struct slot {
	char *p;
	size_t len, cap;
} slot;

typedef struct pipeline {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	slot ring[SLOTS];
	size_t head, full;   /* the full slots: head .. head + full - 1 (under mu) */
	bool reader_done;    /* under mu */
	atomic_size_t cancel; /* 1 + the index of the file whose reading should stop */
	atomic_bool stop;     /* stop reading altogether */
	/* the reader's side */
	const file_setup *files; /* the files, each read with its own options */
	size_t n;
	size_t tail;          /* the slot the reader writes (free until published) */
	size_t file;          /* the file being read */
	bool ending;          /* writing the file's EV_END, which goes in even when stopped */
	jg_import_info info;
} pipeline;

/* Publishes the reader's slot and waits for the next one to be free. 0, or -1 to stop. */
static int publish(pipeline *p)
{
	int rc = 0;

	pthread_mutex_lock(&p->mu);
	p->full++;
	pthread_cond_broadcast(&p->cv);
	p->tail = (p->tail + 1) % SLOTS;
	while (p->full == SLOTS && !atomic_load(&p->stop))
		pthread_cond_wait(&p->cv, &p->mu);
	if (atomic_load(&p->stop))
		rc = -1;
	pthread_mutex_unlock(&p->mu);
	p->ring[p->tail].len = 0;
	return rc;
}

/* Room for an event of `size` bytes in the reader's slot: a pointer to it, or NULL when
 * the reading must stop (told to, or out of memory). */
static char *reserve(pipeline *p, size_t size)
{
	slot *sl = &p->ring[p->tail];

	if (atomic_load(&p->stop) || (!p->ending && atomic_load(&p->cancel) == p->file + 1))
		return NULL;
	if (sl->len && sl->len + size > sl->cap) {
		if (publish(p))
			return NULL;
		sl = &p->ring[p->tail];
	}
	if (sl->len + size > sl->cap) {
		size_t want = size > SLOT_BYTES ? size : SLOT_BYTES;
		char *np = jg_realloc(sl->p, want);

		if (!np)
			return NULL;
		sl->p = np;
		sl->cap = want;
	}
	sl->len += size;
	return sl->p + sl->len - size;
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Writes an event: the header, `body` (`n` bytes), then `ntexts` strings with their NULs. */
static int emit(pipeline *p, enum ev_kind kind, const void *body, size_t n,
		const char *const *texts, size_t ntexts)
{
	size_t lens[N_LINE_TEXTS], size = sizeof(ev_hdr) + round8(n), tsize = 0;
	ev_hdr h = {kind, 0, p->info.rows};
	char *at;

	for (size_t k = 0; k < ntexts; k++) {
		lens[k] = strlen(texts[k] ? texts[k] : "");
		tsize += lens[k] + 1;
	}
	size += round8(tsize);
	if (size > UINT32_MAX)
		return JG_ELIMIT;
	at = reserve(p, size);
	if (!at)
		return JG_ENOMEM; /* or told to stop: the applying side ignores the rest */
	h.size = (uint32_t)size;
	memcpy(at, &h, sizeof(h));
	at += sizeof(h);
	memcpy(at, body, n);
	at += round8(n);
	for (size_t k = 0; k < ntexts; k++) {
		memcpy(at, texts[k] ? texts[k] : "", lens[k] + 1);
		at += lens[k] + 1;
	}
	return 0;
}

static int read_header(const jg_import_info *info, void *payload)
{
	return emit(payload, EV_HEADER, info, sizeof(*info), NULL, 0);
}

static int read_line(const jg_line *l, void *payload)
{
	const char *texts[N_LINE_TEXTS];

	for (size_t k = 0; k < N_LINE_TEXTS; k++)
		texts[k] = *line_text((jg_line *)l, k);
	return emit(payload, EV_LINE, l, sizeof(*l), texts, N_LINE_TEXTS);
}

static int read_reject(int64_t row, int32_t column, const char *header, const char *reason,
		       void *payload)
{
	ev_reject r = {row, column};
	const char *texts[2] = {header, reason};

	return emit(payload, EV_REJECT, &r, sizeof(r), texts, 2);
}

static int read_ignore(int64_t row, void *payload)
{
	return emit(payload, EV_IGNORE, &row, sizeof(row), NULL, 0);
}

static void *reader_main(void *arg)
{
	static const jg_import_handler h = {read_header, read_line, read_reject, read_ignore};
	pipeline *p = arg;

	for (size_t i = 0; i < p->n && !atomic_load(&p->stop); i++) {
		ev_end end;

		if (p->files[i].rc)
			continue; /* cannot be read: the applying side says why */
		memset(&end, 0, sizeof(end));
		memset(&p->info, 0, sizeof(p->info));
		p->file = i;
		p->ending = false;
		end.rc = jg_import_read(p->files[i].path, &p->files[i].io, &p->info, &h, p,
					&end.err);
		/* The end goes in even when the applying side stopped the file (it ignores the
		 * end then, but waits for it). */
		p->ending = true;
		if (emit(p, EV_END, &end, sizeof(end), NULL, 0) || publish(p))
			break;
	}
	pthread_mutex_lock(&p->mu);
	p->reader_done = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* The next full slot (waiting for it), or NULL when the reader is done and none is left. */
static slot *take(pipeline *p)
{
	slot *sl = NULL;

	pthread_mutex_lock(&p->mu);
	while (p->full == 0 && !p->reader_done)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->full)
		sl = &p->ring[p->head];
	pthread_mutex_unlock(&p->mu);
	return sl;
}

/* Gives the slot taken last back to the reader. */
static void give_back(pipeline *p)
{
	pthread_mutex_lock(&p->mu);
	p->head = (p->head + 1) % SLOTS;
	p->full--;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* sheet.c's naming of a failure that a row callback returned: the code's name when the
 * callback left no message, and the file name in front. */
static void name_failure(jg_err *err, int rc, const char *path)
{
	char msg[JG_ERR_MSG_MAX];
	size_t k = strlen(path);

	if (!err->code)
		jg_err_set(err, rc, "%s", jg_strerror(rc));
	if (strncmp(err->msg, path, k) == 0 && err->msg[k] == ':')
		return;
	if (k > sizeof(msg) / 2)
		k = sizeof(msg) / 2;
	memcpy(msg, path, k);
	msg[k] = ':';
	msg[k + 1] = ' ';
	snprintf(msg + k + 2, sizeof(msg) - k - 2, "%.*s", (int)(sizeof(msg) - k - 3), err->msg);
	memcpy(err->msg, msg, sizeof(msg));
}

/* Applies one event of file `i` through the one-thread callbacks. Sets *end for EV_END. */
static int apply_event(job *j, const ev_hdr *h, const char *body, const ev_end **end)
{
	switch (h->kind) {
	case EV_HEADER: {
		jg_import_info info;

		memcpy(&info, body, sizeof(info));
		return on_header(&info, j);
	}
	case EV_LINE: {
		const char *t = body + round8(sizeof(jg_line));
		jg_line l;

		memcpy(&l, body, sizeof(l));
		for (size_t k = 0; k < N_LINE_TEXTS; k++) {
			*line_text(&l, k) = t;
			t += strlen(t) + 1;
		}
		return on_line(&l, j);
	}
	case EV_REJECT: {
		const char *header = body + round8(sizeof(ev_reject));
		ev_reject r;

		memcpy(&r, body, sizeof(r));
		return on_reject(r.row, r.column, header, header + strlen(header) + 1, j);
	}
	case EV_IGNORE: {
		int64_t row;

		memcpy(&row, body, sizeof(row));
		return on_ignore(row, j);
	}
	case EV_END: *end = (const ev_end *)(const void *)body; return 0;
	}
	return JG_EINVAL;
}

typedef int (*file_done_fn)(size_t index, const char *path, int rc, const jg_err *err,
			    jg_intake_summary **sum, void *payload);

/* The files through the pipeline: the applying side, on this thread. */
static int files_piped(pipeline *p, jg_store *s, const jg_profiles *profiles,
		       const chan_scan *cs, file_done_fn done, void *payload)
{
	slot *sl = NULL;
	size_t at = 0;
	int stop = 0;

	for (size_t i = 0; i < p->n && !stop; i++) {
		const file_setup *f = &p->files[i];
		jg_intake_summary *sum = NULL;
		const ev_end *end = NULL;
		int64_t rows = 0;
		jg_err err;
		job j;
		int rc, failed = 0;

		jg_err_clear(&err);
		rc = job_start(&j, s, profiles, f->path, f->o, cs, &err);
		if (rc == 0 && f->rc) {
			rc = f->rc;
			err = f->err;
		}
		if (rc || f->rc) {
			/* Nothing was read (the reader passed it over), or nothing of it is
			 * applied (its events are passed over below). */
			if (f->rc) {
				rc = job_finish(&j, rc, &sum);
				stop = done(i, f->path, rc, &err, &sum, payload);
				jg_intake_summary_free(sum);
				continue;
			}
			failed = rc;
		}
		snprintf(j.channel, sizeof(j.channel), "%s", f->channel);
		while (!end) {
			const ev_hdr *h;

			if (!sl) {
				sl = take(p);
				at = 0;
				if (!sl)
					break; /* the reader stopped early (out of memory) */
			}
			if (at == sl->len) {
				give_back(p);
				sl = NULL;
				continue;
			}
			h = (const ev_hdr *)(const void *)(sl->p + at);
			at += h->size;
			if (failed) {
				if (h->kind == EV_END)
					end = (const ev_end *)(const void *)((const char *)h + sizeof(*h));
				continue;
			}
			rows = h->rows;
			rc = apply_event(&j, h, (const char *)h + sizeof(*h), &end);
			if (rc) {
				failed = rc;
				atomic_store(&p->cancel, i + 1);
				name_failure(&err, rc, f->path);
			}
		}
		if (failed)
			rc = failed;
		else if (end)
			rc = end->rc;
		else
			rc = jg_err_set(&err, JG_ENOMEM, "%s: out of memory", f->path);
		if (!failed && end && rc)
			err = end->err;
		if (j.sum)
			j.sum->rows = rows;
		rc = job_finish(&j, rc, &sum);
		stop = done(i, f->path, rc, &err, &sum, payload);
		jg_intake_summary_free(sum);
	}
	if (sl)
		give_back(p);
	return stop;
}

/* Each file serially, on this thread (when the reader thread cannot be had). */
static int files_serial(jg_store *s, const jg_profiles *profiles, const jg_intake_item *items,
			size_t n, const chan_scan *cs, file_done_fn done, void *payload)
{
	int stop = 0;

	for (size_t i = 0; i < n && !stop; i++) {
		jg_intake_summary *sum = NULL;
		jg_err err;
		int rc;

		jg_err_clear(&err);
		rc = file_serial(s, profiles, items[i].path, items[i].opts, cs, &sum, &err);
		stop = done(i, items[i].path, rc, &err, &sum, payload);
		jg_intake_summary_free(sum);
	}
	return stop;
}

static int run_files(jg_store *s, const jg_profiles *profiles, const jg_intake_item *items,
		     size_t n, file_done_fn done, void *payload)
{
	pipeline *p = NULL;
	file_setup *files = NULL;
	chan_scan cs;
	pthread_t reader;
	bool mu = false, cv = false;
	jg_err err;
	int rc;

	if (n == 0)
		return 0;
	jg_err_clear(&err);
	/* The channels once for every file (importing changes none of them); when they
	 * cannot be read, each file says so as jg_intake_file would. */
	if (scan_channels(s, &cs, &err)) {
		jg_free(cs.all);
		return files_serial(s, profiles, items, n, NULL, done, payload);
	}
	files = n <= SIZE_MAX / sizeof(*files) ? jg_calloc(n, sizeof(*files)) : NULL;
	p = files ? jg_calloc(1, sizeof(*p)) : NULL;
	if (p) {
		for (size_t i = 0; i < n; i++)
			setup_file(&files[i], profiles, &cs, items[i].path, items[i].opts);
		p->files = files;
		p->n = n;
		mu = pthread_mutex_init(&p->mu, NULL) == 0;
		cv = mu && pthread_cond_init(&p->cv, NULL) == 0;
		atomic_init(&p->cancel, 0);
		atomic_init(&p->stop, false);
	}
	if (!cv || pthread_create(&reader, NULL, reader_main, p) != 0) {
		rc = files_serial(s, profiles, items, n, &cs, done, payload);
	} else {
		rc = files_piped(p, s, profiles, &cs, done, payload);
		pthread_mutex_lock(&p->mu);
		atomic_store(&p->stop, true);
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(reader, NULL);
	}
	if (cv)
		pthread_cond_destroy(&p->cv);
	if (mu)
		pthread_mutex_destroy(&p->mu);
	for (size_t i = 0; p && i < SLOTS; i++)
		jg_free(p->ring[i].p);
	jg_free(p);
	jg_free(files);
	jg_free(cs.all);
	return rc;
}

/*
 * The readers name the file they were given (its path) in their messages; a file that
 * came with a name of its own (an upload, read from a temporary file) is called by that
 * name instead, so messages never show the temporary path.
 */
static void name_shown(jg_err *err, const char *path, const jg_intake_opts *o)
{
	char msg[JG_ERR_MSG_MAX];
	size_t k = strlen(path), at = 0;
	const char *p = err->msg, *hit;

	if (!o || !o->name || !k || !err->msg[0])
		return;
	while ((hit = strstr(p, path)) && at < sizeof(msg)) {
		at += (size_t)snprintf(msg + at, sizeof(msg) - at, "%.*s%s", (int)(hit - p), p,
				       o->name);
		p = hit + k;
	}
	if (p == err->msg)
		return;
	if (at < sizeof(msg))
		snprintf(msg + at, sizeof(msg) - at, "%s", p);
	memcpy(err->msg, msg, sizeof(msg));
}

typedef struct one_file {
	jg_intake_summary *sum;
	int rc;
	jg_err err;
} one_file;

static int one_done(size_t index, const char *path, int rc, const jg_err *err,
		    jg_intake_summary **sum, void *payload)
{
	one_file *f = payload;

	(void)index;
	(void)path;
	f->rc = rc;
	f->err = *err;
	f->sum = *sum;
	*sum = NULL;
	return 0;
}

int jg_intake_file(jg_store *s, const jg_profiles *profiles, const char *path,
		   const jg_intake_opts *o, jg_intake_summary **out, jg_err *err)
{
	jg_intake_item item = {path, o};
	one_file f = {NULL, 0, {0}};

	*out = NULL;
	run_files(s, profiles, &item, 1, one_done, &f);
	if (f.rc)
		name_shown(&f.err, path, o);
	if (f.rc && err && !err->code)
		*err = f.err;
	*out = f.sum;
	return f.rc;
}

typedef struct list_done {
	jg_intake_done_cb cb;
	void *payload;
	const jg_intake_item *items;
} list_done;

static int each_done(size_t index, const char *path, int rc, const jg_err *err,
		     jg_intake_summary **sum, void *payload)
{
	list_done *l = payload;
	jg_err shown = *err;

	if (rc)
		name_shown(&shown, path, l->items[index].opts);
	return l->cb ? l->cb(index, path, rc, &shown, *sum, l->payload) : 0;
}

int jg_intake_files(jg_store *s, const jg_profiles *profiles, const jg_intake_item *items,
		    size_t n, jg_intake_done_cb done, void *payload)
{
	list_done l = {done, payload, items};

	return run_files(s, profiles, items, n, each_done, &l);
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
