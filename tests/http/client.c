/* SPDX-License-Identifier: MIT */
/*
 * Starting, stopping and talking to `jaego serve` for the HTTP tests (client.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client.h"

extern char **environ;

static int free_port(void)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Servers still running, killed at exit: a failed assertion leaves its test early. */
#define LIVE_MAX 64
static pid_t live[LIVE_MAX];

static void kill_leftovers(void)
{
	for (int i = 0; i < LIVE_MAX; i++)
		if (live[i] > 0) {
			kill(live[i], SIGKILL);
			waitpid(live[i], NULL, 0);
			live[i] = 0;
		}
}

static void track(pid_t pid, bool add)
{
	static bool registered;

	if (!registered) {
		atexit(kill_leftovers);
		registered = true;
	}
	for (int i = 0; i < LIVE_MAX; i++)
		if (add ? live[i] == 0 : live[i] == pid) {
			live[i] = add ? pid : 0;
			return;
		}
}

void th_init(th_server *s)
{
	t_run r;

	memset(s, 0, sizeof(*s));
	s->dir = t_tmpdir();
	s->db = t_db(s->dir, "jaego.db");
	s->log = t_path(s->dir, "serve.log");
	t_jaego(&r, s->db, NULL, "init", NULL);
	T_OK(&r);
	t_run_free(&r);
}

void th_start(th_server *s)
{
	char listen[32];
	char *argv[7];
	posix_spawn_file_actions_t fa;
	struct timespec t0, now;

	s->port = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", s->port);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
	argv[0] = (char *)JG_TEST_JAEGO;
	argv[1] = (char *)"--db";
	argv[2] = s->db;
	argv[3] = (char *)"serve";
	argv[4] = (char *)"--listen";
	argv[5] = listen;
	argv[6] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (posix_spawn(&s->pid, JG_TEST_JAEGO, &fa, NULL, argv, environ) != 0)
		fail_msg("cannot start %s", JG_TEST_JAEGO);
	posix_spawn_file_actions_destroy(&fa);
	track(s->pid, true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		th_resp r;
		int st;

		th_req(&r, s, "GET", "/api/v1/health", NULL, NULL, 0, NULL);
		th_resp_free(&r);
		if (r.status == 200)
			return;
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			track(s->pid, false);
			s->pid = 0;
			fail_msg("jaego serve exited before it answered (see %s)", s->log);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 20)
			fail_msg("jaego serve did not answer within 20 s");
		usleep(20000);
	}
}

static int wait_exit(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void th_stop(th_server *s)
{
	int rc;

	if (!s->pid)
		return;
	kill(s->pid, SIGTERM);
	rc = wait_exit(s->pid);
	track(s->pid, false);
	s->pid = 0;
	if (rc != 0) {
		char cmd[1200];

		snprintf(cmd, sizeof(cmd), "tail -40 '%s' >&2", s->log);
		if (system(cmd) != 0)
			fprintf(stderr, "(no server log)\n");
		fail_msg("jaego serve exited %d after SIGTERM (sanitizer report above)", rc);
	}
}

void th_kill(th_server *s)
{
	if (!s->pid)
		return;
	kill(s->pid, SIGKILL);
	wait_exit(s->pid);
	track(s->pid, false);
	s->pid = 0;
}

void th_free(th_server *s)
{
	th_kill(s);
	t_rmdir(s->dir);
	jg_free(s->dir);
	jg_free(s->db);
	jg_free(s->log);
	memset(s, 0, sizeof(*s));
}

json_t *th_cli(th_server *s, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	t_run r;
	json_t *j;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t_jaegof(&r, s->db, "--json %s", line);
	if (r.status != 0)
		fail_msg("jaego %s exited %d: %s", line, r.status, r.err);
	j = json_incref(r.json);
	t_run_free(&r);
	return j;
}

char *th_token(th_server *s, const char *name, const char *role)
{
	json_t *j = th_cli(s, "token create %s --role %s", name, role);
	char *t = jg_strdup(t_jstr(j, "token"));

	json_decref(j);
	return t;
}

/* ---- requests ------------------------------------------------------------------------------- */

static size_t on_data(char *p, size_t size, size_t n, void *payload)
{
	jg_buf *b = payload;

	return jg_buf_append(b, p, size * n) == 0 ? size * n : 0;
}

void th_req(th_resp *r, th_server *s, const char *method, const char *path, const char *token,
	    const char *body, size_t len, const char *const *headers)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	jg_buf b, h;
	char url[1024], auth[256];

	memset(r, 0, sizeof(*r));
	if (!c)
		return;
	jg_buf_init(&b, 64u << 20);
	jg_buf_init(&h, 1u << 20);
	snprintf(url, sizeof(url), "%s%s", s->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(len == (size_t)-1 ? strlen(body) : len));
		hl = curl_slist_append(hl, "Content-Type: application/json");
	}
	hl = curl_slist_append(hl, "Expect:");
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hl = curl_slist_append(hl, auth);
	}
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	r->body = jg_buf_detach(&b);
	r->headers = jg_buf_detach(&h);
	r->json = r->body ? json_loads(r->body, 0, NULL) : NULL;
}

void th_get(th_resp *r, th_server *s, const char *token, const char *path)
{
	th_req(r, s, "GET", path, token, NULL, 0, NULL);
}

void th_post(th_resp *r, th_server *s, const char *token, const char *path, const char *body)
{
	th_req(r, s, "POST", path, token, body ? body : "{}", (size_t)-1, NULL);
}

void th_resp_free(th_resp *r)
{
	jg_free(r->body);
	jg_free(r->headers);
	json_decref(r->json);
	r->body = r->headers = NULL;
	r->json = NULL;
}

bool th_header(const th_resp *r, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);

	for (const char *p = r->headers; p && *p;) {
		const char *end = strstr(p, "\r\n");
		size_t l = end ? (size_t)(end - p) : strlen(p);

		if (l > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			size_t vl = l - nl - 1;

			while (vl && *v == ' ') {
				v++;
				vl--;
			}
			if (vl >= n)
				vl = n - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return true;
		}
		if (!end)
			break;
		p = end + 2;
	}
	return false;
}

json_t *th_expect(th_resp *r, long status)
{
	if (r->status != status)
		fail_msg("expected HTTP %ld, got %ld: %s", status, r->status,
			 r->body ? r->body : "");
	return r->json;
}

void th_sleep_ms(int ms)
{
	usleep((useconds_t)ms * 1000);
}
