/* SPDX-License-Identifier: MIT */
/*
 * Order intake over HTTP. Builds the stock-engine benchmark's shop through the library API
 * (by default 10,000 SKUs, 10 channels with rules, 100,000 listings, a tenth of them
 * bundles: each SKU is in about 13 listings) and an operator token, then, for each run, on
 * a fresh byte copy of that database:
 *
 *   throughput  starts the release `jaego serve` on a loopback port and drives
 *               POST /api/v1/channels/{name}/orders from a load generator of its own
 *               (one thread, raw sockets and poll, --conns keep-alive connections, each
 *               sending its next request as soon as the last is answered) until --lines
 *               lines are acknowledged; lines/s from the first send to the last answer;
 *   fixed rate  the same server and client, open loop: a request of --rate-batch lines is
 *               due every rate-batch/--rate seconds whether or not earlier ones have been
 *               answered, and a request's latency runs from when it was due (not from when
 *               a connection was free to send it), so a stall is counted in full
 *               (no coordinated omission); p50, p99 and max;
 *   baseline    the same lines through the library, one durable transaction per line
 *               (jg_store_begin, jg_order_put, jg_store_commit): what intake costs without
 *               group commit and without HTTP;
 *   grid        GET /api/v1/skus?limit=1000 (the dashboard's stock grid: 1,000 SKUs with
 *               each channel's listed quantity), every page of the catalogue, against the
 *               library call the handler makes (jg_sku_page) on the same database.
 *
 * Every line must be answered "new"; after each run the server is stopped (SIGTERM, exit
 * 0), jg_store_check must find the expected number of lines and no drift, and `jaego
 * check` itself must pass. Request bodies are made before any clock starts. The server's
 * CPU time (from /proc) is reported per phase, so lines per CPU-second can be compared
 * when the machine is shared. Inputs are deterministic (fixed seed); scratch files go to
 * --dir and are removed unless --keep.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "jaego/access.h"
#include "jaego/query.h"

extern char **environ;

typedef struct config {
	int64_t skus, channels, listings;
	int64_t lines;      /* throughput: lines to send */
	int64_t batch;      /* throughput: lines per request */
	int conns;          /* throughput: connections */
	int64_t rate;       /* fixed rate: lines per second */
	int64_t rate_batch; /* fixed rate: lines per request */
	double rate_s;      /* fixed rate: seconds */
	int rate_conns;     /* fixed rate: connections open */
	int64_t base_lines; /* baseline: lines, one transaction each */
	int runs;
	unsigned threads; /* the server's --threads; 0 = its default */
	const char *dir;
	const char *jaego;
	bool keep, grid, baseline;
	bool reuse; /* keep DIR/shop.db and its token from an earlier --keep run */
	const char *pg; /* --db: a PostgreSQL URL; each phase copies the shop into a new tenant */
	int servers;    /* --servers: jaego serve processes on the one database */
} config;

/* One generated line: its listing, quantity and spelling of the option. */
typedef struct gline {
	int32_t listing;
	int32_t qty;
	bool compact;
} gline;

/* One HTTP request, ready to send. */
typedef struct hreq {
	char *text;
	size_t len;
	int64_t first, lines; /* lines [first, first + lines) of the run */
} hreq;

typedef struct reqset {
	hreq *r;
	size_t n;
	int64_t lines;
} reqset;

static const char ORDERED_AT[] = "2026-11-29T10:15:00+09:00";
static const char CHANNEL_STATUS[] = "결제완료";

/* ---- the lines ------------------------------------------------------------------------------
 */

/* Lines for `nreq` requests of `batch` lines, request j on channel j % channels. */
static gline *lines_make(const bench_shop *sh, int64_t nreq, int64_t batch)
{
	gline *g = bench_calloc((size_t)(nreq * batch), sizeof(*g));

	for (int64_t j = 0; j < nreq; j++) {
		int64_t c = j % sh->channels;

		for (int64_t k = 0; k < batch; k++) {
			uint64_t r = bench_rnd();
			gline *x = &g[j * batch + k];

			x->listing = (int32_t)(c * sh->per_channel +
					       (int64_t)(r % (uint64_t)sh->per_channel));
			r /= (uint64_t)sh->per_channel;
			x->qty = r % 10 < 7 ? 1 : r % 10 < 9 ? 2 : 3;
			x->compact = (r / 10) % 2;
		}
	}
	return g;
}

static void line_id(char *out, size_t n, const char *prefix, int64_t i)
{
	snprintf(out, n, "%s%08lld", prefix, (long long)i);
}

/* The requests of a run: line ids are prefix + line number, so runs do not collide. */
static void reqs_make(reqset *rs, const bench_shop *sh, const gline *g, int64_t nreq, int64_t batch,
		      const char *prefix, const char *token)
{
	jg_buf body, text;

	rs->n = (size_t)nreq;
	rs->lines = nreq * batch;
	rs->r = bench_calloc(rs->n, sizeof(*rs->r));
	jg_buf_init(&body, 1u << 20);
	jg_buf_init(&text, 1u << 21);
	for (int64_t j = 0; j < nreq; j++) {
		char ch[JG_CODE_MAX], id[32], pid[JG_CODE_MAX], opt[128];
		int rc = 0;

		jg_buf_reset(&body);
		jg_buf_reset(&text);
		rc |= jg_buf_puts(&body, "{\"lines\":[");
		for (int64_t k = 0; k < batch; k++) {
			int64_t i = j * batch + k;
			const bench_listing *l = &sh->l[g[i].listing];

			line_id(id, sizeof(id), prefix, i);
			bench_product_id(pid, sizeof(pid), l);
			bench_option_text(opt, sizeof(opt), l, g[i].compact);
			rc |= jg_buf_printf(
				&body,
				"%s{\"line_id\":\"%s\",\"order_no\":\"O%s\",\"product_id\":\"%s\","
				"\"option\":\"%s\",\"qty\":%d,\"channel_status\":\"%s\","
				"\"ordered_at\":\"%s\"}",
				k ? "," : "", id, id, pid, opt, g[i].qty, CHANNEL_STATUS,
				ORDERED_AT);
		}
		rc |= jg_buf_puts(&body, "]}");
		bench_channel_name(ch, sizeof(ch), j % sh->channels);
		rc |= jg_buf_printf(&text,
				    "POST /api/v1/channels/%s/orders HTTP/1.1\r\n"
				    "Host: 127.0.0.1\r\n"
				    "Authorization: Bearer %s\r\n"
				    "Content-Type: application/json\r\n"
				    "Content-Length: %zu\r\n\r\n",
				    ch, token, body.len);
		rc |= jg_buf_append(&text, body.p, body.len);
		if (rc)
			bench_die("a request is too large", NULL);
		rs->r[j].text = jg_strdup(jg_buf_str(&text));
		if (!rs->r[j].text)
			bench_die("out of memory", NULL);
		rs->r[j].len = text.len;
		rs->r[j].first = j * batch;
		rs->r[j].lines = batch;
	}
	jg_buf_free(&body);
	jg_buf_free(&text);
}

static void reqs_free(reqset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		jg_free(rs->r[i].text);
	jg_free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/* ---- the server ------------------------------------------------------------------------------
 */

typedef struct server {
	pid_t pid;
	int port;
	char log[BENCH_PATH_MAX];
} server;

static int free_port(void)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		bench_die("cannot find a free port", NULL);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int connect_to(int port, bool nonblock)
{
	struct sockaddr_in a = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (nonblock)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* One blocking request (no body): the status, and the body into `out` when not NULL. Used
 * for readiness and the grid, never timed together with the load. */
static int simple_get(int port, const char *path, const char *token, jg_buf *out)
{
	char head[1024], buf[65536];
	jg_buf in;
	int fd = connect_to(port, false), status = 0;
	size_t hl = 0, cl = 0;
	bool have_head = false;

	if (fd < 0)
		return 0;
	snprintf(head, sizeof(head),
		 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sConnection: close\r\n\r\n", path,
		 token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "");
	if (send(fd, head, strlen(head), MSG_NOSIGNAL) != (ssize_t)strlen(head)) {
		close(fd);
		return 0;
	}
	jg_buf_init(&in, 64u << 20);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		const char *end;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || jg_buf_append(&in, buf, (size_t)n))
			break;
		if (!have_head && (end = memmem(in.p, in.len, "\r\n\r\n", 4))) {
			const char *c = strcasestr(in.p, "\r\nContent-Length:");

			have_head = true;
			hl = (size_t)(end - in.p) + 4;
			cl = c && c < end ? strtoul(c + 17, NULL, 10) : 0;
			status = (int)strtol(in.p + 9, NULL, 10);
		}
		if (have_head && in.len >= hl + cl)
			break;
	}
	close(fd);
	if (!have_head || in.len < hl + cl)
		status = 0;
	if (out && status) {
		jg_buf_reset(out);
		jg_buf_append(out, in.p + hl, cl);
	}
	jg_buf_free(&in);
	return status;
}

static void server_start(server *sv, const config *cfg, const char *db, const char *log)
{
	posix_spawn_file_actions_t fa;
	char listen[64], threads[16];
	char *argv[10];
	int i = 0, rc;

	sv->port = free_port();
	snprintf(sv->log, sizeof(sv->log), "%s", log);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", sv->port);
	snprintf(threads, sizeof(threads), "%u", cfg->threads);
	argv[i++] = (char *)cfg->jaego;
	argv[i++] = (char *)"--db";
	argv[i++] = (char *)db;
	argv[i++] = (char *)"serve";
	argv[i++] = (char *)"--listen";
	argv[i++] = listen;
	if (cfg->threads) {
		argv[i++] = (char *)"--threads";
		argv[i++] = threads;
	}
	argv[i] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rc = posix_spawn(&sv->pid, cfg->jaego, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot run %s: %s\n", bench_name, cfg->jaego, strerror(rc));
		exit(1);
	}
	for (int t = 0; t < 2000; t++) {
		if (simple_get(sv->port, "/api/v1/health", NULL, NULL) == 200)
			return;
		usleep(10000);
	}
	fprintf(stderr, "%s: the server did not answer within 20 s (log: %s)\n", bench_name, log);
	kill(sv->pid, SIGKILL);
	exit(1);
}

static void server_stop(server *sv)
{
	int status;

	kill(sv->pid, SIGTERM);
	while (waitpid(sv->pid, &status, 0) < 0)
		if (errno != EINTR)
			bench_die("waitpid failed", NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: the server did not exit cleanly (log: %s)\n", bench_name,
			sv->log);
		exit(1);
	}
}

/* User + system CPU seconds of a process, from /proc. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name may hold spaces */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- the load generator ----------------------------------------------------------------------
 */

typedef struct conn {
	int fd;
	bool busy;
	size_t req, off;
	double due; /* when the request was due (open loop) or sent (closed loop) */
	char *rb;
	size_t rlen, rcap;
} conn;

typedef struct load {
	int64_t reqs, lines;
	double wall; /* first send to last answer */
	double *lat; /* per request, seconds, sorted */
	double server_cpu;
} load;

/* A whole response in c->rb: 1 and its status and body, 0 when more is needed. */
static int response(conn *c, int *status, const char **body, size_t *blen)
{
	const char *end, *cl;
	size_t hl, n;

	if (c->rlen < 12)
		return 0;
	end = memmem(c->rb, c->rlen, "\r\n\r\n", 4);
	if (!end)
		return 0;
	hl = (size_t)(end - c->rb) + 4;
	c->rb[hl - 1] = '\0'; /* for strcasestr, within the headers */
	cl = strcasestr(c->rb, "\r\nContent-Length:");
	c->rb[hl - 1] = '\n';
	if (!cl || cl > end)
		bench_die("a response without Content-Length", NULL);
	n = strtoul(cl + 17, NULL, 10);
	if (c->rlen < hl + n)
		return 0;
	if (c->rlen > hl + n)
		bench_die("more bytes than one response", NULL);
	*status = (int)strtol(c->rb + 9, NULL, 10);
	*body = c->rb + hl;
	*blen = n;
	return 1;
}

static int64_t count_new(const char *body, size_t n)
{
	static const char pat[] = "\"outcome\":\"new\"";
	int64_t k = 0;
	const char *p = body, *end = body + n;

	while ((p = memmem(p, (size_t)(end - p), pat, sizeof(pat) - 1))) {
		k++;
		p += sizeof(pat) - 1;
	}
	return k;
}

/*
 * Sends every request of `rs` over `nconn` keep-alive connections. interval = 0: closed
 * loop, a connection sends its next request when the last is answered. interval > 0: open
 * loop, request i is due at start + i * interval and its latency counts from then. Every
 * request must be answered 200 with each of its lines "new".
 */
/* The servers of a phase: connection i goes to server i % n. */
#define SERVERS_MAX 8

static double servers_cpu_s(const server *sv, int n)
{
	double t = 0;

	for (int i = 0; i < n; i++)
		t += proc_cpu_s(sv[i].pid);
	return t;
}

static void drive(load *out, const reqset *rs, const server *sv, int nsv, int nconn,
		  double interval)
{
	conn *c = bench_calloc((size_t)nconn, sizeof(*c));
	struct pollfd *pf = bench_calloc((size_t)nconn, sizeof(*pf));
	size_t next = 0, done = 0;
	double t0, cpu0;

	memset(out, 0, sizeof(*out));
	out->lat = bench_calloc(rs->n, sizeof(*out->lat));
	for (int i = 0; i < nconn; i++) {
		c[i].fd = connect_to(sv[i % nsv].port, true);
		if (c[i].fd < 0)
			bench_die("cannot connect to the server", NULL);
		c[i].rcap = 1u << 16;
		c[i].rb = bench_calloc(1, c[i].rcap);
	}
	cpu0 = servers_cpu_s(sv, nsv);
	t0 = bench_now_s();
	while (done < rs->n) {
		double now = bench_now_s(), wait_s = -1;
		struct timespec ts, *tsp = NULL;
		int np;

		/* Hand out what is due to idle connections. */
		for (int i = 0; i < nconn && next < rs->n; i++) {
			double due = interval > 0 ? t0 + (double)next * interval : now;

			if (c[i].busy)
				continue;
			if (due > now)
				break;
			c[i].busy = true;
			c[i].req = next++;
			c[i].off = 0;
			c[i].rlen = 0;
			c[i].due = due;
		}
		if (interval > 0 && next < rs->n) {
			wait_s = t0 + (double)next * interval - now;
			if (wait_s < 0)
				wait_s = 0; /* due, but every connection is busy: wait for one */
		}
		for (int i = 0; i < nconn; i++) {
			pf[i].fd = c[i].busy ? c[i].fd : -1;
			pf[i].events = POLLIN |
				       (c[i].busy && c[i].off < rs->r[c[i].req].len ? POLLOUT : 0);
			pf[i].revents = 0;
		}
		if (wait_s >= 0) {
			bool idle = false;

			for (int i = 0; i < nconn; i++)
				idle = idle || !c[i].busy;
			if (idle) {
				ts.tv_sec = (time_t)wait_s;
				ts.tv_nsec = (long)((wait_s - (double)ts.tv_sec) * 1e9);
				tsp = &ts;
			}
		}
		np = ppoll(pf, (nfds_t)nconn, tsp, NULL);
		if (np < 0 && errno != EINTR)
			bench_die("poll failed", NULL);
		for (int i = 0; np > 0 && i < nconn; i++) {
			conn *k = &c[i];
			const hreq *q;

			if (!k->busy || !pf[i].revents)
				continue;
			q = &rs->r[k->req];
			if ((pf[i].revents & POLLOUT) && k->off < q->len) {
				ssize_t w = send(k->fd, q->text + k->off, q->len - k->off,
						 MSG_NOSIGNAL);

				if (w < 0 && errno != EAGAIN && errno != EINTR)
					bench_die("send failed (did the server stop?)", NULL);
				if (w > 0)
					k->off += (size_t)w;
			}
			if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				int status;
				const char *body;
				size_t blen;
				ssize_t r;

				if (k->rcap - k->rlen < 4096) {
					char *t = jg_realloc(k->rb, k->rcap * 2);

					if (!t)
						bench_die("out of memory", NULL);
					k->rb = t;
					k->rcap *= 2;
				}
				r = recv(k->fd, k->rb + k->rlen, k->rcap - k->rlen - 1, 0);
				if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
					bench_die("the server closed a connection", NULL);
				if (r > 0)
					k->rlen += (size_t)r;
				if (r > 0 && response(k, &status, &body, &blen)) {
					if (status != 200) {
						fprintf(stderr, "%s: status %d: %.*s\n", bench_name,
							status, (int)(blen > 300 ? 300 : blen),
							body);
						exit(1);
					}
					if (count_new(body, blen) != q->lines)
						bench_die("a line was not answered \"new\"", NULL);
					out->lat[done++] = bench_now_s() - k->due;
					out->reqs++;
					out->lines += q->lines;
					k->busy = false;
				}
			}
		}
	}
	out->wall = bench_now_s() - t0;
	out->server_cpu = servers_cpu_s(sv, nsv) - cpu0;
	for (int i = 0; i < nconn; i++) {
		close(c[i].fd);
		jg_free(c[i].rb);
	}
	jg_free(c);
	jg_free(pf);
	bench_median(out->lat, (size_t)out->reqs); /* sorts */
}

/* ---- checking a run ---------------------------------------------------------------------------
 */

/* `jaego --db DB check` itself, as an operator would run it: exit 0 or the run fails. */
static void check_cli(const char *jaego, const char *db, const char *what)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = {(char *)jaego, (char *)"--db", (char *)db, (char *)"check", NULL};
	pid_t pid;
	int status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, jaego, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		bench_die("cannot run jaego check", NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bench_die("waitpid failed", NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: %s: `jaego check` failed\n", bench_name, what);
		exit(1);
	}
}

static void check_db(const char *db, int64_t lines, const char *what)
{
	jg_store *st = NULL;
	jg_check_report rep;
	jg_err e;

	jg_err_clear(&e);
	bench_check(jg_store_open(&st, db, &e), "open", &e);
	memset(&rep, 0, sizeof(rep));
	if (jg_store_check(st, &rep, NULL, NULL, &e)) {
		fprintf(stderr, "%s: %s: check failed: %s\n", bench_name, what, e.msg);
		exit(1);
	}
	if (rep.lines != lines) {
		fprintf(stderr, "%s: %s: %lld lines stored, %lld expected\n", bench_name, what,
			(long long)rep.lines, (long long)lines);
		exit(1);
	}
	jg_store_close(st);
}

/* ---- the phases -----------------------------------------------------------------------------
 */

typedef struct results {
	double *tput, *tput_cpu;         /* lines/s; server CPU seconds per 1,000 lines */
	double *p50, *p99, *pmax, *rate; /* fixed rate, ms; achieved lines/s */
	double *base, *base_lat;         /* baseline lines/s, ms per transaction */
	double *grid, *grid_lib;         /* ms per 1,000-row page */
	int n;
} results;

static void make_token(const char *db, char *token)
{
	jg_store *st = NULL;
	char digest[JG_DIGEST_TEXT];
	jg_err e;

	jg_err_clear(&e);
	bench_check(jg_store_open(&st, db, &e), "open", &e);
	bench_check(jg_secret_new(token, &e), "token", &e);
	jg_digest_hex(digest, token, strlen(token));
	bench_check(jg_token_add(st, "bench", JG_ROLE_OPERATOR, digest, &e), "token add", &e);
	jg_store_close(st);
}

static bool read_token(const char *path, char *token)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(token, JG_SECRET_TEXT, f) != NULL && strlen(token) == JG_SECRET_TEXT - 1;
	fclose(f);
	return ok;
}

static void phase_throughput(const config *cfg, const char *db, const reqset *rs, int run,
			     results *res, int64_t *grid_pages, double *grid_ms, const char *token)
{
	char log[BENCH_PATH_MAX];
	server sv[SERVERS_MAX];
	load ld;

	for (int k = 0; k < cfg->servers; k++) {
		char name[64];

		snprintf(name, sizeof(name), "serve-throughput-%d.log", k + 1);
		bench_path_join(log, cfg->dir, name);
		server_start(&sv[k], cfg, db, log);
	}
	drive(&ld, rs, sv, cfg->servers, cfg->conns, 0);
	res->tput[run] = (double)ld.lines / ld.wall;
	res->tput_cpu[run] = ld.server_cpu * 1000.0 / (double)ld.lines;
	printf("  run %d  throughput: %lld lines in %lld requests, %.2f s, %.0f lines/s;"
	       " server CPU %.2f s (%.3f s per 1,000 lines); latency p50 %.1f ms, p99 %.1f ms\n",
	       run + 1, (long long)ld.lines, (long long)ld.reqs, ld.wall, res->tput[run],
	       ld.server_cpu, res->tput_cpu[run],
	       bench_quantile(ld.lat, (size_t)ld.reqs, 0.5) * 1e3,
	       bench_quantile(ld.lat, (size_t)ld.reqs, 0.99) * 1e3);
	fflush(stdout);
	if (cfg->grid) {
		/* The stock grid, a page of 1,000 SKUs at a time, with the orders in. */
		jg_buf body;
		double t[64];
		int64_t pages = (cfg->skus + 999) / 1000, k = 0;

		jg_buf_init(&body, 64u << 20);
		for (int64_t p = 0; p < pages && k < 64; p++, k++) {
			char path[128];
			double t1 = bench_now_s();
			int st;

			snprintf(path, sizeof(path), "/api/v1/skus?limit=1000&offset=%lld",
				 (long long)(p * 1000));
			st = simple_get(sv[0].port, path, token, &body);
			t[k] = (bench_now_s() - t1) * 1e3;
			if (st != 200 || !strstr(jg_buf_str(&body), "\"listed\""))
				bench_die("the stock grid page failed", NULL);
		}
		*grid_pages = k;
		*grid_ms = bench_median(t, (size_t)k);
		jg_buf_free(&body);
	}
	jg_free(ld.lat);
	for (int k = 0; k < cfg->servers; k++)
		server_stop(&sv[k]);
	check_db(db, rs->lines, "throughput");
	check_cli(cfg->jaego, db, "throughput");
}

static void phase_rate(const config *cfg, const char *db, const reqset *rs, int run, results *res)
{
	char log[BENCH_PATH_MAX];
	server sv[SERVERS_MAX];
	load ld;

	for (int k = 0; k < cfg->servers; k++) {
		char name[64];

		snprintf(name, sizeof(name), "serve-rate-%d.log", k + 1);
		bench_path_join(log, cfg->dir, name);
		server_start(&sv[k], cfg, db, log);
	}
	drive(&ld, rs, sv, cfg->servers, cfg->rate_conns,
	      (double)cfg->rate_batch / (double)cfg->rate);
	res->p50[run] = bench_quantile(ld.lat, (size_t)ld.reqs, 0.5) * 1e3;
	res->p99[run] = bench_quantile(ld.lat, (size_t)ld.reqs, 0.99) * 1e3;
	res->pmax[run] = ld.lat[ld.reqs - 1] * 1e3;
	res->rate[run] = (double)ld.lines / ld.wall;
	printf("  run %d  fixed rate: %lld lines in %lld requests of %lld over %.2f s"
	       " (%.0f lines/s); latency p50 %.2f ms, p99 %.2f ms, max %.2f ms;"
	       " server CPU %.2f s\n",
	       run + 1, (long long)ld.lines, (long long)ld.reqs, (long long)cfg->rate_batch,
	       ld.wall, res->rate[run], res->p50[run], res->p99[run], res->pmax[run],
	       ld.server_cpu);
	fflush(stdout);
	jg_free(ld.lat);
	for (int k = 0; k < cfg->servers; k++)
		server_stop(&sv[k]);
	check_db(db, rs->lines, "fixed rate");
	check_cli(cfg->jaego, db, "fixed rate");
}

/* The baseline: the first base_lines lines of the throughput run, one durable transaction
 * each, through the library. */
static void phase_baseline(const config *cfg, const char *db, const bench_shop *sh, const gline *g,
			   int run, results *res)
{
	jg_store *st = NULL;
	jg_arena a;
	jg_err e;
	bench_span t0, t;

	jg_err_clear(&e);
	jg_arena_init(&a, 64u << 20);
	bench_check(jg_store_open(&st, db, &e), "open", &e);
	t0 = bench_span_start();
	for (int64_t i = 0; i < cfg->base_lines; i++) {
		const bench_listing *l = &sh->l[g[i].listing];
		char ch[JG_CODE_MAX], id[32], no[40], pid[JG_CODE_MAX], opt[128];
		jg_order_in in;

		memset(&in, 0, sizeof(in));
		bench_channel_name(ch, sizeof(ch), l->channel);
		line_id(id, sizeof(id), "T", i);
		snprintf(no, sizeof(no), "O%s", id);
		bench_product_id(pid, sizeof(pid), l);
		bench_option_text(opt, sizeof(opt), l, g[i].compact);
		in.channel = ch;
		in.line_id = id;
		in.order_no = no;
		in.product_id = pid;
		in.option = opt;
		in.qty = g[i].qty;
		in.status = JG_STATUS_OPEN;
		in.channel_status = CHANNEL_STATUS;
		bench_check(jg_time_parse(&in.ordered_at, ORDERED_AT, 540), "time", NULL);
		bench_check(jg_store_begin(st, &e), "begin", &e);
		bench_check(jg_order_put(st, &in, NULL, &e), "order put", &e);
		bench_check(jg_store_commit(st, &e), "commit", &e);
	}
	t = bench_span_end(t0);
	jg_store_close(st);
	jg_arena_free(&a);
	res->base[run] = (double)cfg->base_lines / t.wall;
	res->base_lat[run] = t.wall * 1e3 / (double)cfg->base_lines;
	printf("  run %d  baseline: %lld lines, one durable transaction each, %.2f s"
	       " (CPU %.2f s): %.0f lines/s, %.2f ms per line\n",
	       run + 1, (long long)cfg->base_lines, t.wall, t.cpu, res->base[run],
	       res->base_lat[run]);
	fflush(stdout);
	check_db(db, cfg->base_lines, "baseline");
}

/* The grid's library side: jg_sku_page for every page, as GET /skus calls it. */
static int on_sku(const jg_sku_row *row, void *payload)
{
	(void)row;
	++*(int64_t *)payload;
	return 0;
}

static double grid_library(const char *db, int64_t skus)
{
	jg_store *st = NULL;
	jg_err e;
	double t[64];
	int64_t pages = (skus + 999) / 1000, k = 0;

	jg_err_clear(&e);
	bench_check(jg_store_open(&st, db, &e), "open", &e);
	for (int64_t p = 0; p < pages && k < 64; p++, k++) {
		jg_sku_query q = {.offset = p * 1000, .limit = 1000};
		int64_t total = 0, rows = 0;
		double t1 = bench_now_s();

		bench_check(jg_sku_page(st, &q, &total, on_sku, &rows, &e), "sku page", &e);
		t[k] = (bench_now_s() - t1) * 1e3;
		if (rows == 0)
			bench_die("an empty stock grid page", NULL);
	}
	jg_store_close(st);
	return bench_median(t, (size_t)k);
}

/* ---- main ------------------------------------------------------------------------------------
 */

static void usage(void)
{
	fprintf(stderr, "usage: bench_intake [--dir DIR] [--jaego PATH] [--runs N] [--skus N] "
			"[--channels N]\n"
			"         [--listings N] [--lines N] [--batch N] [--conns N] [--rate N]\n"
			"         [--rate-batch N] [--rate-seconds S] [--rate-conns N] "
			"[--baseline-lines N]\n"
			"         [--threads N] [--no-grid] [--no-baseline] [--keep] [--reuse]\n"
			"         [--db postgres://...] [--servers N]\n");
	exit(2);
}

static int64_t arg_i64(const char *v, int64_t lo)
{
	char *end;
	long long n = strtoll(v, &end, 10);

	if (*end || n < lo)
		usage();
	return n;
}

static void parse_args(config *cfg, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--keep") == 0) {
			cfg->keep = true;
			continue;
		}
		if (strcmp(a, "--reuse") == 0) {
			cfg->reuse = true;
			continue;
		}
		if (strcmp(a, "--no-grid") == 0) {
			cfg->grid = false;
			continue;
		}
		if (strcmp(a, "--no-baseline") == 0) {
			cfg->baseline = false;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "--dir") == 0)
			cfg->dir = v;
		else if (strcmp(a, "--jaego") == 0)
			cfg->jaego = v;
		else if (strcmp(a, "--runs") == 0)
			cfg->runs = (int)arg_i64(v, 1);
		else if (strcmp(a, "--skus") == 0)
			cfg->skus = arg_i64(v, 10);
		else if (strcmp(a, "--channels") == 0)
			cfg->channels = arg_i64(v, 1);
		else if (strcmp(a, "--listings") == 0)
			cfg->listings = arg_i64(v, 10);
		else if (strcmp(a, "--lines") == 0)
			cfg->lines = arg_i64(v, 1);
		else if (strcmp(a, "--batch") == 0)
			cfg->batch = arg_i64(v, 1);
		else if (strcmp(a, "--conns") == 0)
			cfg->conns = (int)arg_i64(v, 1);
		else if (strcmp(a, "--rate") == 0)
			cfg->rate = arg_i64(v, 1);
		else if (strcmp(a, "--rate-batch") == 0)
			cfg->rate_batch = arg_i64(v, 1);
		else if (strcmp(a, "--rate-seconds") == 0)
			cfg->rate_s = (double)arg_i64(v, 1);
		else if (strcmp(a, "--rate-conns") == 0)
			cfg->rate_conns = (int)arg_i64(v, 1);
		else if (strcmp(a, "--baseline-lines") == 0)
			cfg->base_lines = arg_i64(v, 1);
		else if (strcmp(a, "--threads") == 0)
			cfg->threads = (unsigned)arg_i64(v, 1);
		else if (strcmp(a, "--db") == 0)
			cfg->pg = v;
		else if (strcmp(a, "--servers") == 0)
			cfg->servers = (int)arg_i64(v, 1);
		else
			usage();
	}
	if (cfg->batch > 1000 || cfg->rate_batch > 1000 || cfg->conns > 64 ||
	    cfg->rate_conns > 64 || cfg->listings < cfg->channels || cfg->servers > SERVERS_MAX ||
	    (cfg->pg && strncmp(cfg->pg, "postgres", 8) != 0))
		usage();
}

/* The jaego binary next to this one's directory: build/release/bench/.. */
static void default_jaego(char *out, size_t n, const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	if (slash)
		snprintf(out, n, "%.*s/../jaego", (int)(slash - argv0), argv0);
	else
		snprintf(out, n, "../jaego");
}

static void summary_row(const char *what, double *v, int n, int dec)
{
	double tmp[64], lo, hi, med;

	memcpy(tmp, v, (size_t)n * sizeof(*v));
	med = bench_median(tmp, (size_t)n);
	lo = tmp[0];
	hi = tmp[n - 1];
	printf("  %-52s %.*f   (%.*f .. %.*f)\n", what, dec, med, dec, lo, dec, hi);
}

/* A fresh copy of the shop for a phase: the file run_db on SQLite; with --db, a new tenant
 * of that PostgreSQL database (left there: point --db at a scratch database) filled by
 * jg_store_copy. Not timed. The phase's database URL goes into out[n]. */
static const char *fresh_db(const config *cfg, const char *shop_db, const char *run_db,
			    char *out, size_t n)
{
	static int seq;

	if (!cfg->pg) {
		bench_remove_db(run_db);
		bench_copy_file(shop_db, run_db);
		snprintf(out, n, "%s", run_db);
	} else {
		char tag[64];

		snprintf(tag, sizeof(tag), "intake_%ld_%d", (long)getpid(), ++seq);
		bench_pg_tenant(out, n, cfg->pg, shop_db, tag);
	}
	return out;
}

int main(int argc, char **argv)
{
	config cfg = {.skus = 10000,
		      .channels = 10,
		      .listings = 100000,
		      .lines = 100000,
		      .batch = 100,
		      .conns = 16,
		      .rate = 1000,
		      .rate_batch = 10,
		      .rate_s = 10,
		      .rate_conns = 32,
		      .base_lines = 2000,
		      .runs = 3,
		      .dir = "build/release/bench-data/intake",
		      .grid = true,
		      .baseline = true,
		      .servers = 1};
	char jaego_path[BENCH_PATH_MAX], shop_db[BENCH_PATH_MAX], run_db[BENCH_PATH_MAX];
	char token[JG_SECRET_TEXT], token_file[BENCH_PATH_MAX];
	bench_shop sh;
	gline *g_tput, *g_rate;
	reqset rs_tput, rs_rate;
	results res;
	int64_t nreq, nreq_rate, grid_pages = 0;
	double grid_ms[64] = {0}, grid_lib[64] = {0};
	jg_store *st = NULL;
	jg_err e;
	bench_span t;

	bench_name = "bench_intake";
	signal(SIGPIPE, SIG_IGN);
	default_jaego(jaego_path, sizeof(jaego_path), argv[0]);
	cfg.jaego = jaego_path;
	parse_args(&cfg, argc, argv);
	if (cfg.runs > 64)
		usage();
	if (access(cfg.jaego, X_OK) != 0) {
		fprintf(stderr, "%s: %s is not there: build the release preset first\n", bench_name,
			cfg.jaego);
		return 1;
	}
	bench_mkdirs(cfg.dir);
	bench_path_join(shop_db, cfg.dir, "shop.db");
	bench_path_join(run_db, cfg.dir, "run.db");

	/* The shop, once. */
	t = bench_span_start();
	bench_shop_generate(&sh, cfg.skus, cfg.channels, cfg.listings);
	bench_path_join(token_file, cfg.dir, "shop.token");
	if (!cfg.reuse || !read_token(token_file, token) || access(shop_db, R_OK) != 0) {
		FILE *f;

		bench_remove_db(shop_db);
		jg_err_clear(&e);
		bench_check(jg_store_open(&st, shop_db, &e), "open", &e);
		bench_shop_build(st, &sh);
		jg_store_close(st);
		make_token(shop_db, token);
		f = fopen(token_file, "w");
		if (!f || fprintf(f, "%s\n", token) < 0 || fclose(f) != 0)
			bench_die("cannot write the token file", NULL);
	}
	nreq = (cfg.lines + cfg.batch - 1) / cfg.batch;
	nreq_rate = (int64_t)((double)cfg.rate * cfg.rate_s) / cfg.rate_batch;
	if (nreq_rate < 1)
		nreq_rate = 1;
	g_tput = lines_make(&sh, nreq, cfg.batch);
	g_rate = lines_make(&sh, nreq_rate, cfg.rate_batch);
	reqs_make(&rs_tput, &sh, g_tput, nreq, cfg.batch, "T", token);
	reqs_make(&rs_rate, &sh, g_rate, nreq_rate, cfg.rate_batch, "R", token);
	if (cfg.base_lines > rs_tput.lines)
		cfg.base_lines = rs_tput.lines;
	t = bench_span_end(t);
	printf("shop: %lld SKUs, %lld channels, %lld listings (%.1f listings per SKU); built in"
	       " %.1f s\n",
	       (long long)cfg.skus, (long long)cfg.channels, (long long)sh.nl,
	       (double)sh.sku_at[cfg.skus] / (double)cfg.skus, t.wall);
	printf("server: %d x %s, --threads %u%s; %s\n", cfg.servers, cfg.jaego,
	       cfg.threads ? cfg.threads : 4, cfg.threads ? "" : " (default)",
	       cfg.pg ? "PostgreSQL, a fresh tenant per phase" : "SQLite WAL, synchronous=FULL");
	printf("throughput: %lld lines in requests of %lld over %d connections;"
	       " fixed rate: %lld lines/s in requests of %lld for %.0f s over %d connections;"
	       " baseline: %lld lines\n",
	       (long long)rs_tput.lines, (long long)cfg.batch, cfg.conns, (long long)cfg.rate,
	       (long long)cfg.rate_batch, cfg.rate_s, cfg.rate_conns, (long long)cfg.base_lines);
	fflush(stdout);

	memset(&res, 0, sizeof(res));
	res.n = cfg.runs;
	res.tput = bench_calloc((size_t)cfg.runs, sizeof(double));
	res.tput_cpu = bench_calloc((size_t)cfg.runs, sizeof(double));
	res.p50 = bench_calloc((size_t)cfg.runs, sizeof(double));
	res.p99 = bench_calloc((size_t)cfg.runs, sizeof(double));
	res.pmax = bench_calloc((size_t)cfg.runs, sizeof(double));
	res.rate = bench_calloc((size_t)cfg.runs, sizeof(double));
	res.base = bench_calloc((size_t)cfg.runs, sizeof(double));
	res.base_lat = bench_calloc((size_t)cfg.runs, sizeof(double));

	/* Interleaved: each run does every phase, each on a fresh copy of the shop. */
	for (int run = 0; run < cfg.runs; run++) {
		{
			char la[64] = "";
			FILE *f = fopen("/proc/loadavg", "r");

			if (f) {
				if (!fgets(la, sizeof(la), f))
					la[0] = '\0';
				fclose(f);
			}
			la[strcspn(la, "\n")] = '\0';
			printf("run %d, load average %s\n", run + 1, la);
		}
		char url[BENCH_PATH_MAX];

		if (cfg.baseline)
			phase_baseline(&cfg, fresh_db(&cfg, shop_db, run_db, url, sizeof(url)), &sh,
				       g_tput, run, &res);
		fresh_db(&cfg, shop_db, run_db, url, sizeof(url));
		phase_throughput(&cfg, url, &rs_tput, run, &res, &grid_pages, &grid_ms[run],
				 token);
		if (cfg.grid)
			grid_lib[run] = grid_library(url, cfg.skus);
		phase_rate(&cfg, fresh_db(&cfg, shop_db, run_db, url, sizeof(url)), &rs_rate, run,
			   &res);
	}

	printf("\nsummary, median of %d runs (min .. max):\n", cfg.runs);
	summary_row("throughput, lines/s", res.tput, cfg.runs, 0);
	summary_row("  server CPU s per 1,000 lines", res.tput_cpu, cfg.runs, 3);
	summary_row("fixed rate, achieved lines/s", res.rate, cfg.runs, 0);
	summary_row("  latency p50, ms", res.p50, cfg.runs, 2);
	summary_row("  latency p99, ms", res.p99, cfg.runs, 2);
	summary_row("  latency max, ms", res.pmax, cfg.runs, 2);
	if (cfg.baseline) {
		double a[64], b[64], ratio;

		summary_row("baseline (library, 1 line per transaction), lines/s", res.base,
			    cfg.runs, 0);
		memcpy(a, res.tput, (size_t)cfg.runs * sizeof(double));
		memcpy(b, res.base, (size_t)cfg.runs * sizeof(double));
		ratio = bench_median(a, (size_t)cfg.runs) / bench_median(b, (size_t)cfg.runs);
		printf("  ratio throughput / baseline                          %.1fx\n", ratio);
	}
	if (cfg.grid) {
		summary_row("stock grid GET /skus?limit=1000, ms per page", grid_ms, cfg.runs, 1);
		summary_row("  library jg_sku_page (the handler's call), ms", grid_lib, cfg.runs,
			    1);
		printf("  (%lld pages of 1,000 SKUs each run; median page per run)\n",
		       (long long)grid_pages);
	}
	printf("targets: >= 10,000 lines/s sustained: %s; p99 < 20 ms at %lld lines/s: %s\n",
	       bench_median(res.tput, (size_t)cfg.runs) >= 10000 ? "met" : "NOT met",
	       (long long)cfg.rate,
	       bench_median(res.p99, (size_t)cfg.runs) < 20 ? "met" : "NOT met");

	if (!cfg.keep) {
		char p[BENCH_PATH_MAX];

		bench_remove_db(run_db);
		bench_remove_db(shop_db);
		unlink(token_file);
		bench_path_join(p, cfg.dir, "serve-throughput.log");
		unlink(p);
		bench_path_join(p, cfg.dir, "serve-rate.log");
		unlink(p);
		rmdir(cfg.dir);
	}
	reqs_free(&rs_tput);
	reqs_free(&rs_rate);
	jg_free(g_tput);
	jg_free(g_rate);
	bench_shop_free(&sh);
	jg_free(res.tput);
	jg_free(res.tput_cpu);
	jg_free(res.p50);
	jg_free(res.p99);
	jg_free(res.pmax);
	jg_free(res.rate);
	jg_free(res.base);
	jg_free(res.base_lat);
	return 0;
}
