/* SPDX-License-Identifier: MIT */
/* Test support: temporary directories, stores and running the jaego binary. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

extern char **environ;

char *t_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[512];
	char *d;

	snprintf(tmpl, sizeof(tmpl), "%s/jaego-test-XXXXXX", base && *base ? base : "/tmp");
	d = mkdtemp(tmpl);
	if (!d)
		fail_msg("mkdtemp: %s", strerror(errno));
	return jg_strdup(d);
}

void t_rmdir(const char *dir)
{
	char cmd[600];

	if (!dir || strncmp(dir, "/", 1) != 0 || !strstr(dir, "jaego-test-"))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", dir);
}

char *t_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = jg_malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

void t_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

bool t_pg(void)
{
	const char *b = getenv("JG_TEST_DB");

	if (!b || !*b || strcmp(b, "sqlite") == 0)
		return false;
	if (strcmp(b, "postgres") != 0)
		fail_msg("JG_TEST_DB=%s: expected sqlite or postgres", b);
	return true;
}

const char *t_pg_url(void)
{
	static char url[1024];
	const char *file = getenv("JG_TEST_PG_URL_FILE");
	FILE *f = NULL;
	size_t n;

	if (!t_pg())
		fail_msg("not a PostgreSQL run");
	if (url[0])
		return url;
	if (!file || !(f = fopen(file, "r")))
		fail_msg("PostgreSQL run without the test cluster's URL (JG_TEST_PG_URL_FILE=%s):"
			 " did tests/support/pg.sh start fail?",
			 file ? file : "(unset)");
	n = fread(url, 1, sizeof(url) - 1, f);
	fclose(f);
	while (n && (url[n - 1] == '\n' || url[n - 1] == ' '))
		n--;
	url[n] = '\0';
	if (strncmp(url, "postgres://", 11) != 0)
		fail_msg("%s holds no postgres:// URL", file);
	return url;
}

char *t_db(const char *dir, const char *name)
{
	static unsigned counter;
	char tenant[64], *u;
	size_t k = 0, n;
	struct timespec ts;

	if (!t_pg())
		return t_path(dir, name);
	clock_gettime(CLOCK_REALTIME, &ts);
	k = (size_t)snprintf(tenant, sizeof(tenant), "t%ld_%u_%ld_", (long)getpid(), counter++,
			     (long)(ts.tv_nsec / 1000 % 1000000));
	for (const char *p = name; *p && *p != '.' && k < 48; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			tenant[k++] = *p;
		else if (*p >= 'A' && *p <= 'Z')
			tenant[k++] = (char)(*p + 32);
	tenant[k] = '\0';
	n = strlen(t_pg_url()) + strlen(tenant) + 16;
	u = jg_malloc(n);
	assert_non_null(u);
	snprintf(u, n, "%s%stenant=%s", t_pg_url(), strchr(t_pg_url(), '?') ? "&" : "?", tenant);
	return u;
}

void t_store_check(jg_store *s)
{
	jg_err err = {0};
	jg_check_report r;

	if (jg_store_check(s, &r, NULL, NULL, &err))
		fail_msg("check: %s", err.msg);
}

jg_store *t_store(const char *dir)
{
	char *p = t_db(dir, "jaego.db");
	jg_store *s = NULL;
	jg_err err = {0};

	if (jg_store_open(&s, p, &err) || jg_store_migrate(s, NULL, &err))
		fail_msg("store: %s", err.msg);
	jg_free(p);
	return s;
}

static void run_argv(t_run *r, char **argv, const char *stdin_text)
{
	int in[2], out[2], errp[2], st;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	jg_buf ob, eb;
	struct pollfd fds[2];
	size_t written = 0, inlen = stdin_text ? strlen(stdin_text) : 0;

	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(errp), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	posix_spawn_file_actions_addclose(&fa, errp[0]);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		fail_msg("spawn %s failed", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	if (inlen) {
		signal(SIGPIPE, SIG_IGN);
		while (written < inlen) {
			ssize_t n = write(in[1], stdin_text + written, inlen - written);

			if (n <= 0)
				break;
			written += (size_t)n;
		}
	}
	close(in[1]);
	/* Read both pipes together so neither can fill up and block the child. */
	jg_buf_init(&ob, 256u << 20);
	jg_buf_init(&eb, 16u << 20);
	fds[0].fd = out[0];
	fds[1].fd = errp[0];
	fds[0].events = fds[1].events = POLLIN;
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		char chunk[8192];

		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				continue;
			}
			assert_int_equal(jg_buf_append(i ? &eb : &ob, chunk, (size_t)n), 0);
		}
	}
	r->out = jg_buf_detach(&ob);
	r->err = jg_buf_detach(&eb);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->json = json_loads(r->out, 0, NULL);
}

void t_jaego(t_run *r, const char *db, const char *stdin_text, ...)
{
	char *argv[128];
	int n = 0;
	va_list ap;
	const char *a;

	argv[n++] = (char *)JG_TEST_JAEGO;
	if (db) {
		argv[n++] = (char *)"--db";
		argv[n++] = (char *)db;
	}
	va_start(ap, stdin_text);
	while ((a = va_arg(ap, const char *)) && n < 127)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	run_argv(r, argv, stdin_text);
}

void t_jaegof(t_run *r, const char *db, const char *fmt, ...)
{
	char line[4096], *argv[128], *p;
	int n = 0, first;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[n++] = (char *)JG_TEST_JAEGO;
	if (db) {
		argv[n++] = (char *)"--db";
		argv[n++] = (char *)db;
	}
	first = n;
	for (p = line; *p && n < 127;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		argv[n++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	argv[n] = NULL;
	for (int i = first; i < n; i++)
		for (char *q = argv[i]; *q; q++)
			if (*q == '\x1f')
				*q = ' ';
	run_argv(r, argv, NULL);
}

void t_run_free(t_run *r)
{
	jg_free(r->out);
	jg_free(r->err);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

void t_check(const char *db)
{
	t_run r;

	t_jaego(&r, db, NULL, "check", NULL);
	if (r.status != 0)
		fail_msg("jaego check failed (%d): %s%s", r.status, r.out, r.err);
	t_run_free(&r);
}

static json_t *walk(json_t *root, const char *path)
{
	char buf[256], *save = NULL, *tok;
	json_t *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok && cur; tok = strtok_r(NULL, "/", &save)) {
		if (json_is_array(cur)) {
			char *end;
			long i = strtol(tok, &end, 10);

			cur = *end ? NULL : json_array_get(cur, (size_t)i);
		} else {
			cur = json_object_get(cur, tok);
		}
	}
	return cur;
}

int64_t t_jint(json_t *root, const char *path)
{
	json_t *v = walk(root, path);

	if (!json_is_integer(v))
		fail_msg("JSON path %s is not an integer", path);
	return json_integer_value(v);
}

const char *t_jstr(json_t *root, const char *path)
{
	json_t *v = walk(root, path);

	if (!json_is_string(v))
		fail_msg("JSON path %s is not a string", path);
	return json_string_value(v);
}

int t_spawn(const char *const *argv, const char *stdin_text, char **out)
{
	t_run r;

	run_argv(&r, (char **)argv, stdin_text);
	if (out)
		*out = r.out;
	else
		jg_free(r.out);
	r.out = NULL;
	if (r.status != 0)
		fprintf(stderr, "%s exited %d: %s\n", argv[0], r.status, r.err);
	{
		int st = r.status;

		t_run_free(&r);
		return st;
	}
}

int t_env_setup(void **state)
{
	t_env *e = jg_calloc(1, sizeof(*e));
	t_run r;

	assert_non_null(e);
	e->dir = t_tmpdir();
	e->db = t_db(e->dir, "shop.db");
	e->out = t_path(e->dir, "out");
	t_jaego(&r, e->db, NULL, "init", NULL);
	if (r.status != 0)
		fail_msg("jaego init exited %d: %s", r.status, r.err);
	t_run_free(&r);
	*state = e;
	return 0;
}

int t_env_teardown(void **state)
{
	t_env *e = *state;

	t_rmdir(e->dir);
	jg_free(e->dir);
	jg_free(e->db);
	jg_free(e->out);
	jg_free(e);
	return 0;
}

void t_ok(const char *db, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	t_run r;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t_jaegof(&r, db, "%s", line);
	if (r.status != 0)
		fail_msg("`jaego %s` exited %d: %s", line, r.status, r.err);
	t_run_free(&r);
}
