/* SPDX-License-Identifier: MIT */
/*
 * Import jobs: POST /api/v1/imports answers 202 at once and the file is imported here, on
 * one job thread with its own store connection (SQLite serialises it with the group
 * writer: whichever holds the write lock first, the other waits on the busy timeout). A job
 * counts the file's rows first (one quick read) so that GET /api/v1/jobs/{id} can report
 * rows_done of rows_total while jg_intake_file runs, then keeps the summary `jaego --json
 * import` prints. Jobs are remembered up to JG__JOBS_MAX, oldest finished forgotten first;
 * every uploaded file is removed when its job ends.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http_int.h"
#include "jaego/intake.h"
#include "jaego/sheet.h"
#include "json/shapes.h"

#define PROGRESS_EVERY 500 /* rows between progress reports */

typedef enum job_state { JOB_QUEUED = 0, JOB_RUNNING, JOB_DONE, JOB_FAILED } job_state;

struct jg__job {
	int64_t id;
	job_state state;
	_Atomic int64_t rows_done;
	int64_t rows_total;
	char *path, *name, *channel, *profile, *password;
	bool dry_run, strict;
	char who[JG_CODE_MAX];
	char request_id[24];
	json_t *result;
	char error[JG_ERR_MSG_MAX];
	jg__job *next; /* newest first */
};

static const char *state_name(job_state s)
{
	switch (s) {
	case JOB_QUEUED: return "queued";
	case JOB_RUNNING: return "running";
	case JOB_DONE: return "done";
	case JOB_FAILED: return "failed";
	}
	return "failed";
}

static void job_free(jg__job *j)
{
	if (!j)
		return;
	if (j->path) {
		unlink(j->path);
		jg_free(j->path);
	}
	jg_free(j->name);
	jg_free(j->channel);
	jg_free(j->profile);
	if (j->password) {
		memset(j->password, 0, strlen(j->password));
		jg_free(j->password);
	}
	json_decref(j->result);
	jg_free(j);
}

static int count_row(const jg_sheet_row *row, void *payload)
{
	*(int64_t *)payload = row->row;
	return 0;
}

static void on_progress(int64_t rows_done, void *payload)
{
	jg__job *j = payload;

	atomic_store(&j->rows_done, rows_done);
}

/* Runs one job on the job thread's store. */
static void run_job(jg__jobs *q, jg_store *s, jg__job *j)
{
	jg_sheet_opts so = {.password = j->password};
	jg_intake_opts o = {.channel = j->channel,
			    .profile = j->profile,
			    .password = j->password,
			    .name = j->name,
			    .dry_run = j->dry_run,
			    .strict = j->strict,
			    .progress = on_progress,
			    .progress_every = PROGRESS_EVERY,
			    .progress_payload = j};
	jg_intake_summary *sum = NULL;
	jg_profiles *profiles = NULL;
	jg_err err = {0};
	int64_t total = 0;
	json_t *result = NULL;
	int rc;

	/* A first, quick pass counts the rows (the reader streams; nothing is kept). */
	if (jg_sheet_read_file(j->path, &so, NULL, count_row, &total, NULL) == 0) {
		pthread_mutex_lock(&q->mu);
		j->rows_total = total;
		pthread_mutex_unlock(&q->mu);
	}
	rc = jg_intake_profiles(s, &profiles, &err);
	/* The file is one transaction: when PostgreSQL aborted it for a conflict, nothing of
	 * it was kept, and it is read and applied again (a bounded number of times). */
	for (int attempt = 0; rc == 0; attempt++) {
		rc = jg_intake_file(s, profiles, j->path, &o, &sum, &err);
		if (rc == 0 || !jg_store_retryable(&err) || (sum && sum->applied) ||
		    attempt + 1 >= JG_STORE_RETRIES)
			break;
		jg_intake_summary_free(sum);
		sum = NULL;
		jg_err_clear(&err);
		rc = 0;
		jg_store_backoff(attempt);
	}
	if (sum)
		result = jg_json_intake_summary(sum);
	{
		jg_audit_entry e = {.at = jg_now_ms(),
				    .who = j->who,
				    .method = "IMPORT",
				    .path = "/api/v1/imports",
				    .request_id = j->request_id,
				    .status = rc ? jg__api_status(jg__api_kind_of(rc)) : 200};

		jg_audit_add(s, &e, NULL);
	}
	if (sum && sum->applied && !j->dry_run)
		jg__events_committed(&q->srv->events);
	pthread_mutex_lock(&q->mu);
	j->state = rc ? JOB_FAILED : JOB_DONE;
	j->result = result;
	if (rc)
		snprintf(j->error, sizeof(j->error), "%s", err.msg[0] ? err.msg : jg_strerror(rc));
	if (sum && sum->rows + sum->header_row > atomic_load(&j->rows_done))
		atomic_store(&j->rows_done, sum->rows + sum->header_row);
	if (j->rows_total < atomic_load(&j->rows_done))
		j->rows_total = atomic_load(&j->rows_done);
	pthread_mutex_unlock(&q->mu);
	jg_intake_summary_free(sum);
	jg_profiles_free(profiles);
	if (j->password) {
		memset(j->password, 0, strlen(j->password));
		jg_free(j->password);
		j->password = NULL;
	}
	unlink(j->path);
	jg_free(j->path);
	j->path = NULL;
}

/* The oldest queued job, or NULL. Called with q->mu held. */
static jg__job *next_queued(jg__jobs *q)
{
	jg__job *found = NULL;

	for (jg__job *j = q->list; j; j = j->next)
		if (j->state == JOB_QUEUED)
			found = j;
	return found;
}

static void *jobs_main(void *arg)
{
	jg__jobs *q = arg;
	jg_store *s = NULL;
	jg_err err = {0};

	if (jg_store_open(&s, q->db_url, &err)) {
		jg_store_close(s);
		s = NULL;
	}
	pthread_mutex_lock(&q->mu);
	for (;;) {
		jg__job *j;

		while (!q->stopping && !(j = next_queued(q)))
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->stopping)
			break;
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&q->mu);
		if (s) {
			run_job(q, s, j);
		} else {
			pthread_mutex_lock(&q->mu);
			j->state = JOB_FAILED;
			snprintf(j->error, sizeof(j->error), "%s", err.msg);
			pthread_mutex_unlock(&q->mu);
		}
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	jg_store_close(s);
	return NULL;
}

int jg__jobs_start(jg__jobs *q, jg__server *srv, const char *db_url, jg_err *err)
{
	memset(q, 0, sizeof(*q));
	q->srv = srv;
	q->next_id = 1;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->db_url = jg_strdup(db_url);
	if (!q->db_url)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	if (pthread_create(&q->thread, NULL, jobs_main, q) != 0)
		return jg_err_set(err, JG_EIO, "cannot start the job thread");
	q->started = true;
	return 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = jg_strdup(s);
	if (!d)
		*oom = true;
	return d;
}

int jg__jobs_submit(jg__jobs *q, const jg__import_spec *spec, int64_t *out_id, jg_err *err)
{
	jg__job *j = jg_calloc(1, sizeof(*j)), **pp;
	size_t waiting = 0, n = 0;
	bool oom = false;
	int rc = 0;

	if (!j)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	j->path = dup_or_null(spec->path, &oom);
	j->name = dup_or_null(spec->name, &oom);
	j->channel = dup_or_null(spec->channel, &oom);
	j->profile = dup_or_null(spec->profile, &oom);
	j->password = dup_or_null(spec->password, &oom);
	j->dry_run = spec->dry_run;
	j->strict = spec->strict;
	snprintf(j->who, sizeof(j->who), "%s", spec->who ? spec->who : "");
	snprintf(j->request_id, sizeof(j->request_id), "%s", spec->request_id);
	if (oom) {
		job_free(j);
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	}
	pthread_mutex_lock(&q->mu);
	for (jg__job *k = q->list; k; k = k->next)
		waiting += k->state == JOB_QUEUED || k->state == JOB_RUNNING;
	if (q->stopping || waiting >= JG__JOBS_MAX / 2) {
		rc = jg_err_set(err, JG_EBUSY, "too many imports are waiting; try again later");
	} else {
		j->id = q->next_id++;
		j->next = q->list;
		q->list = j;
		*out_id = j->id;
		/* Forget the oldest finished jobs past the cap. */
		for (pp = &q->list; *pp;) {
			jg__job *k = *pp;

			if (++n > JG__JOBS_MAX &&
			    (k->state == JOB_DONE || k->state == JOB_FAILED)) {
				*pp = k->next;
				job_free(k);
				continue;
			}
			pp = &k->next;
		}
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	if (rc) {
		jg_free(j->path); /* the caller still owns and removes the upload */
		j->path = NULL;
		job_free(j);
	}
	return rc;
}

json_t *jg__jobs_get(jg__jobs *q, int64_t id)
{
	json_t *doc = NULL;

	pthread_mutex_lock(&q->mu);
	for (jg__job *j = q->list; j; j = j->next) {
		if (j->id != id)
			continue;
		doc = json_pack("{s:s, s:s, s:I, s:I}", "id", "", "state", state_name(j->state),
				"rows_done", (json_int_t)atomic_load(&j->rows_done), "rows_total",
				(json_int_t)j->rows_total);
		if (doc) {
			char idtext[24];

			snprintf(idtext, sizeof(idtext), "%lld", (long long)j->id);
			json_object_set_new(doc, "id", json_string(idtext));
			json_object_set_new(doc, "file", jg_json_str(j->name));
			if (j->result)
				json_object_set(doc, "result", j->result);
			if (j->state == JOB_FAILED)
				json_object_set_new(doc, "error", json_string(j->error));
		}
		break;
	}
	pthread_mutex_unlock(&q->mu);
	return doc;
}

void jg__jobs_stop(jg__jobs *q)
{
	if (!q->srv)
		return; /* never started */
	if (q->started) {
		pthread_mutex_lock(&q->mu);
		q->stopping = true;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
		q->started = false;
	}
}

void jg__jobs_free(jg__jobs *q)
{
	if (!q->srv)
		return;
	while (q->list) {
		jg__job *next = q->list->next;

		job_free(q->list);
		q->list = next;
	}
	jg_free(q->db_url);
	q->db_url = NULL;
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	q->srv = NULL;
}
