/* SPDX-License-Identifier: MIT */
/*
 * The one writer: every write the server makes runs here, on one thread with its own
 * store. Group commit: the writer takes everything queued, runs the requests one after
 * another inside ONE jg_store batch (each library call validates before it writes, so a
 * request that fails validation fails alone and leaves nothing), adds each request's audit
 * entry to the same batch, and commits once; the commit is durable (SQLite WAL,
 * synchronous=FULL) before any request hears its result. If the commit itself fails (or a
 * write failed part-way and poisoned the batch), the batch is rolled back and every
 * request runs again alone, so one bad request cannot take the others down with it.
 *
 * A "solo" job (sync export and mark manage their own transactions) runs between groups.
 * A group holds at most JG__GROUP_WEIGHT operations so that one commit stays short.
 *
 * Waiting requests are suspended in libmicrohttpd and hold no thread; `done` resumes each.
 *
 * Checkpoints are the driver's (db_sqlite.c: a checkpointer thread of its own, never in
 * the committing thread), so a group never waits for one.
 *
 * Lingering. Under heavy load the clients split into two halves that take turns, each
 * group carrying half of what one could (and paying for every listing page and a sync all
 * the same). After a group of at least JG__LINGER_MIN operations the writer waits for the
 * clients it just answered to send again, at most a quarter of that group's time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_int.h"

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static unsigned status_of(const jg__wjob *j)
{
	return j->rc ? jg__api_status(jg__api_kind_of(j->rc)) : j->ok_status;
}

static int audit(jg_store *s, const jg__wjob *j, unsigned status)
{
	jg_audit_entry e = {.at = jg_now_ms(),
			    .who = j->who,
			    .method = j->method,
			    .path = j->path,
			    .request_id = j->request_id,
			    .status = status};

	return jg_audit_add(s, &e, NULL);
}

static void run_alone_once(jg__writer *w, jg__wjob *j);

/* Runs one job in its own transaction (or its own transactions, when solo), with its audit
 * entry. A job that failed after it wrote (`partial`) is rolled back whole. A transaction
 * PostgreSQL aborted for a conflict (jg_store_retryable) runs again, a bounded number of
 * times: it was rolled back whole, and the job holds everything it needs. */
static void run_alone(jg__writer *w, jg__wjob *j)
{
	for (int attempt = 0;; attempt++) {
		run_alone_once(w, j);
		if (j->solo || j->rc == 0 || !jg_store_retryable(&j->err) ||
		    attempt + 1 >= JG_STORE_RETRIES)
			return;
		jg_store_backoff(attempt);
	}
}

static void run_alone_once(jg__writer *w, jg__wjob *j)
{
	jg_store *s = w->store;
	int rc;

	jg_err_clear(&j->err);
	j->partial = false;
	if (j->solo) {
		j->rc = j->run(s, j, &j->err);
		audit(s, j, status_of(j));
		return;
	}
	rc = jg_store_begin(s, &j->err);
	if (rc) {
		j->rc = rc;
		audit(s, j, status_of(j));
		return;
	}
	j->rc = j->run(s, j, &j->err);
	if (j->partial) {
		jg_store_rollback(s);
		audit(s, j, status_of(j));
		return;
	}
	audit(s, j, status_of(j));
	rc = jg_store_commit(s, j->rc ? NULL : &j->err);
	if (rc && j->rc == 0)
		j->rc = rc;
	if (rc)
		audit(s, j, status_of(j)); /* the first entry was rolled back with the job */
}

/* Runs jobs[0..n) as one batch; when the commit fails, or a job failed half-way, each
 * alone. Returns the number of commits made. */
static int64_t run_group(jg__writer *w, jg__wjob **jobs, size_t n)
{
	jg_store *s = w->store;
	jg_err err = {0};
	bool partial = false;
	double t0 = mono_ms();
	int rc;

	if (n == 1) {
		run_alone(w, jobs[0]);
		return 1;
	}
	rc = jg_store_begin(s, &err);
	if (rc) {
		/* The database stayed locked (a long import) or failed: running each job alone
		 * would wait as long again for each one. */
		for (size_t i = 0; i < n; i++) {
			jobs[i]->rc = rc;
			jobs[i]->err = err;
		}
		return 0;
	}
	for (size_t i = 0; !partial && i < n; i++) {
		jg_err_clear(&jobs[i]->err);
		jobs[i]->partial = false;
		jobs[i]->rc = jobs[i]->run(s, jobs[i], &jobs[i]->err);
		partial = jobs[i]->partial;
		if (!partial)
			audit(s, jobs[i], status_of(jobs[i]));
	}
	w->run_ms += mono_ms() - t0;
	t0 = mono_ms();
	if (!partial && jg_store_commit(s, &err) == 0) {
		w->commit_ms += mono_ms() - t0;
		return 1;
	}
	jg_store_rollback(s);
	for (size_t i = 0; i < n; i++)
		run_alone(w, jobs[i]);
	return (int64_t)n;
}

static void finish(jg__writer *w, jg__wjob **jobs, size_t n)
{
	bool changed = false;

	for (size_t i = 0; i < n; i++)
		changed = changed || (jobs[i]->rc == 0 && jobs[i]->changes_stock);
	if (changed)
		jg__events_committed(&w->srv->events);
	for (size_t i = 0; i < n; i++)
		jobs[i]->done(jobs[i]);
}

static void *writer_main(void *arg)
{
	jg__writer *w = arg;
	jg__wjob **jobs = NULL;
	size_t cap = 0;
	struct timespec linger_until = {0};
	int64_t linger_target = 0; /* queued weight to wait for; 0: take what is there */

	for (;;) {
		jg__wjob *list;
		size_t n = 0, i = 0;
		int64_t commits = 0, weight = 0;
		double t0, c0, lingered = 0;

		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (linger_target > 0 && !w->stopping) {
			/* The clients answered by the last group send again: one bigger group
			 * instead of two halves taking turns (see JG__LINGER_MS). */
			double l0 = mono_ms();

			while (w->queued_weight < linger_target && !w->stopping &&
			       pthread_cond_timedwait(&w->cv, &w->mu, &linger_until) == 0)
				;
			lingered = mono_ms() - l0;
		}
		if (!w->head && w->stopping) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		/* Take a group's worth (at least one job), oldest first. */
		list = w->head;
		{
			jg__wjob *j = w->head, *last = NULL;

			while (j && (n == 0 || weight + j->weight <= JG__GROUP_WEIGHT)) {
				weight += j->weight;
				last = j;
				j = j->next;
				n++;
			}
			last->next = NULL;
			w->head = j;
			if (!j)
				w->tail = NULL;
			w->queued -= n;
			w->queued_weight -= weight;
		}
		pthread_mutex_unlock(&w->mu);

		if (n > cap) {
			jg__wjob **t = jg_realloc(jobs, n * sizeof(*t));

			if (!t) {
				/* No room to batch: run each alone, in order. */
				for (jg__wjob *j = list, *next; j; j = next) {
					next = j->next;
					run_alone(w, j);
					finish(w, &j, 1);
				}
				continue;
			}
			jobs = t;
			cap = n;
		}
		for (jg__wjob *j = list; j; j = j->next)
			jobs[i++] = j;
		t0 = mono_ms();
		c0 = thread_cpu_ms();
		/* Runs of batchable jobs commit together; a solo job runs between them. */
		for (i = 0; i < n;) {
			size_t k = i;

			if (jobs[i]->solo) {
				run_alone(w, jobs[i]);
				commits++;
				k = i + 1;
			} else {
				while (k < n && !jobs[k]->solo)
					k++;
				commits += run_group(w, jobs + i, k - i);
			}
			finish(w, jobs + i, k - i);
			i = k;
		}
		if (w->trace)
			fprintf(stderr,
				"level=debug msg=group jobs=%zu weight=%lld commits=%lld ms=%.1f"
				" cpu_ms=%.1f run_ms=%.1f commit_ms=%.1f linger_ms=%.1f\n",
				n, (long long)weight, (long long)commits, mono_ms() - t0,
				thread_cpu_ms() - c0, w->run_ms, w->commit_ms, lingered);
		w->run_ms = w->commit_ms = 0;
		pthread_mutex_lock(&w->mu);
		/* A heavy group: before the next one, wait (at most JG__LINGER_MS) until the
		 * queue holds what is there now plus this group's weight again. */
		linger_target = 0;
		if (weight >= JG__LINGER_MIN) {
			/* A quarter of this group's time, at most JG__LINGER_MS. */
			double ms = (mono_ms() - t0) / 4;
			long ns;

			if (ms > JG__LINGER_MS)
				ms = JG__LINGER_MS;
			ns = (long)(ms * 1e6);
			linger_target = w->queued_weight + weight;
			if (linger_target > JG__GROUP_WEIGHT)
				linger_target = JG__GROUP_WEIGHT;
			clock_gettime(CLOCK_REALTIME, &linger_until);
			linger_until.tv_sec += ns / 1000000000L;
			linger_until.tv_nsec += ns % 1000000000L;
			if (linger_until.tv_nsec >= 1000000000L) {
				linger_until.tv_sec++;
				linger_until.tv_nsec -= 1000000000L;
			}
		}
		w->commits += commits;
		w->jobs += (int64_t)n;
		if ((int64_t)n > w->largest_group)
			w->largest_group = (int64_t)n;
		pthread_mutex_unlock(&w->mu);
	}
	jg_free(jobs);
	return NULL;
}

int jg__writer_start(jg__writer *w, jg__server *srv, const char *db_url, jg_err *err)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->srv = srv;
	w->trace = getenv("JAEGO_LOG") && strcmp(getenv("JAEGO_LOG"), "debug") == 0;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	rc = jg_store_open(&w->store, db_url, err);
	if (rc == 0)
		rc = jg_store_require_schema(w->store, err);
	if (rc)
		return rc;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		return jg_err_set(err, JG_EIO, "cannot start the writer thread");
	w->started = true;
	return 0;
}

int jg__writer_submit(jg__writer *w, jg__wjob *j)
{
	int rc = 0;

	j->next = NULL;
	if (j->weight < 1)
		j->weight = 1;
	pthread_mutex_lock(&w->mu);
	if (w->stopping || !w->started || w->queued >= JG__WRITE_QUEUE) {
		rc = JG_EBUSY;
	} else {
		if (w->tail)
			w->tail->next = j;
		else
			w->head = j;
		w->tail = j;
		w->queued++;
		w->queued_weight += j->weight;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

void jg__writer_stop(jg__writer *w)
{
	if (!w->srv)
		return; /* never started */
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stopping = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		w->started = false;
	}
	jg_store_close(w->store);
	w->store = NULL;
}

void jg__writer_free(jg__writer *w)
{
	if (!w->srv)
		return;
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->srv = NULL;
}

/* ---- detached audit entries --------------------------------------------------------------- */

static int run_nothing(jg_store *s, jg__wjob *j, jg_err *err)
{
	(void)s;
	(void)j;
	(void)err;
	return 0;
}

static void free_detached(jg__wjob *j)
{
	jg_free(j);
}

void jg__audit_detached(jg__writer *w, const char *who, const char *method, const char *path,
			const char *request_id, unsigned status)
{
	jg__wjob *j = jg_calloc(1, sizeof(*j));

	if (!j)
		return;
	j->run = run_nothing;
	j->done = free_detached;
	j->ok_status = status;
	snprintf(j->who, sizeof(j->who), "%s", who ? who : "");
	snprintf(j->method, sizeof(j->method), "%s", method);
	snprintf(j->path, sizeof(j->path), "%s", path);
	snprintf(j->request_id, sizeof(j->request_id), "%s", request_id);
	if (jg__writer_submit(w, j))
		jg_free(j);
}
