/* SPDX-License-Identifier: MIT */
/*
 * Server-sent events (GET /api/v1/events): after every commit that changed stock data the
 * dashboard gets `event: changed` with a version that only grows, and a comment line every
 * JG__KEEPALIVE_MS keeps proxies and the browser from closing the stream.
 *
 * A stream holds no thread while it waits: its content callback, finding nothing to send,
 * suspends the connection and parks it on the waiting list; a bump (a commit) or a tick
 * (the keep-alive thread) resumes every parked stream, and libmicrohttpd calls the content
 * callback again. The list and the counters are guarded by one mutex, held while a stream
 * decides to park, so a bump can never slip between "nothing to send" and "parked".
 *
 * On PostgreSQL a watcher thread with a store of its own also bumps the version when any
 * other connection commits a change to the seller's data (another server, the CLI): the
 * store NOTIFYs at such commits and the watcher LISTENs (jg_store_watch).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http_int.h"

struct jg__sse {
	jg__events *ev;
	struct MHD_Connection *conn;
	int64_t sent_version; /* -1 before the first event */
	int64_t sent_tick;
	bool parked;
	jg__sse *next;
};

/* Resumes every parked stream. Called with ev->mu held. */
static void wake_all(jg__events *ev)
{
	for (jg__sse *s = ev->waiting, *next; s; s = next) {
		next = s->next;
		s->parked = false;
		s->next = NULL;
		MHD_resume_connection(s->conn);
	}
	ev->waiting = NULL;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	jg__sse *s = cls;
	jg__events *ev = s->ev;
	int n = 0;

	(void)pos;
	if (max < 128)
		return 0;
	pthread_mutex_lock(&ev->mu);
	if (ev->stopping) {
		pthread_mutex_unlock(&ev->mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (s->sent_version < 0) {
		n = snprintf(buf, max,
			     "retry: 3000\n\nevent: changed\ndata: {\"version\":%lld}\n\n",
			     (long long)ev->version);
		s->sent_version = ev->version;
		s->sent_tick = ev->tick;
	} else if (s->sent_version != ev->version) {
		n = snprintf(buf, max, "event: changed\ndata: {\"version\":%lld}\n\n",
			     (long long)ev->version);
		s->sent_version = ev->version;
	} else if (s->sent_tick != ev->tick) {
		n = snprintf(buf, max, ": keep-alive\n\n");
		s->sent_tick = ev->tick;
	} else {
		MHD_suspend_connection(s->conn);
		s->parked = true;
		s->next = ev->waiting;
		ev->waiting = s;
	}
	pthread_mutex_unlock(&ev->mu);
	return n;
}

/* Called by the daemon when the stream's response is destroyed. The stream cannot be
 * parked then: a parked connection is suspended, and a suspended connection is neither
 * closed nor cleaned up (every parked stream is woken before the daemon stops). So no lock
 * is taken here, and the daemon may call this holding its own. */
static void sse_free(void *cls)
{
	jg__sse *s = cls;

	jg_free(s);
}

struct MHD_Response *jg__events_response(jg__events *ev, struct MHD_Connection *conn)
{
	jg__sse *s = jg_calloc(1, sizeof(*s));
	struct MHD_Response *resp;

	if (!s)
		return NULL;
	s->ev = ev;
	s->conn = conn;
	s->sent_version = -1;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, sse_read, s, sse_free);
	if (!resp) {
		jg_free(s);
		return NULL;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	return resp;
}

void jg__events_bump(jg__events *ev)
{
	pthread_mutex_lock(&ev->mu);
	ev->version++;
	wake_all(ev);
	pthread_mutex_unlock(&ev->mu);
}

static void *ticker_main(void *arg)
{
	jg__events *ev = arg;

	pthread_mutex_lock(&ev->mu);
	while (!ev->stopping) {
		struct timespec ts;
		int rc;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += JG__KEEPALIVE_MS / 1000;
		rc = pthread_cond_timedwait(&ev->cv, &ev->mu, &ts);
		if (rc == ETIMEDOUT && !ev->stopping) {
			ev->tick++;
			wake_all(ev);
		}
	}
	pthread_mutex_unlock(&ev->mu);
	return NULL;
}

static bool is_stopping(jg__events *ev)
{
	bool v;

	pthread_mutex_lock(&ev->mu);
	v = ev->stopping;
	pthread_mutex_unlock(&ev->mu);
	return v;
}

/* Waits for other connections' commits in short slices (so that a stop is quick); a
 * failure (the database away) waits a little and tries again, the store reconnecting. */
static void *watcher_main(void *arg)
{
	jg__events *ev = arg;

	while (!is_stopping(ev)) {
		bool changed = false;
		jg_err err;

		jg_err_clear(&err);
		if (jg_store_watch(ev->watch_store, 250, &changed, &err)) {
			struct timespec ts = {.tv_sec = 0, .tv_nsec = 500 * 1000000L};

			nanosleep(&ts, NULL);
			continue;
		}
		if (changed)
			jg__events_bump(ev);
	}
	return NULL;
}

void jg__events_committed(jg__events *ev)
{
	if (!ev->watching)
		jg__events_bump(ev);
}

int jg__events_watch(jg__events *ev, const char *db_url, jg_err *err)
{
	int rc = jg_store_open(&ev->watch_store, db_url, err);

	if (rc)
		return rc;
	if (!jg_store_watchable(ev->watch_store)) {
		jg_store_close(ev->watch_store);
		ev->watch_store = NULL;
		return 0;
	}
	if (pthread_create(&ev->watcher, NULL, watcher_main, ev) != 0) {
		jg_store_close(ev->watch_store);
		ev->watch_store = NULL;
		return jg_err_set(err, JG_EIO, "cannot start the database watcher thread");
	}
	ev->watching = true;
	return 0;
}

int jg__events_start(jg__events *ev, jg_err *err)
{
	memset(ev, 0, sizeof(*ev));
	pthread_mutex_init(&ev->mu, NULL);
	pthread_cond_init(&ev->cv, NULL);
	ev->version = jg_now_ms(); /* grows across restarts too */
	if (pthread_create(&ev->thread, NULL, ticker_main, ev) != 0)
		return jg_err_set(err, JG_EIO, "cannot start the events thread");
	ev->started = true;
	return 0;
}

void jg__events_stop(jg__events *ev)
{
	pthread_mutex_lock(&ev->mu);
	ev->stopping = true;
	wake_all(ev);
	pthread_cond_signal(&ev->cv);
	pthread_mutex_unlock(&ev->mu);
	if (ev->started)
		pthread_join(ev->thread, NULL);
	ev->started = false;
	if (ev->watching)
		pthread_join(ev->watcher, NULL);
	/* `watching` stays set: the writer, stopped after this, still reads it. */
	jg_store_close(ev->watch_store);
	ev->watch_store = NULL;
}

/* The mutex and condition are destroyed with the server, after the daemon has freed every
 * stream (sse_free takes the mutex). */
