/* SPDX-License-Identifier: MIT */
/*
 * The benchmarks' shared helpers (common.h): the fixed-seed stream, clocks, files, child
 * processes. The generated shop is in shop.c.
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

const char *bench_name = "bench";

static uint64_t rng_state = 0x6a6165676f2d3031ULL; /* "jaego-01" */

uint64_t bench_rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void bench_seed(uint64_t seed)
{
	rng_state = seed;
}

double bench_clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_now_s(void)
{
	return bench_clock_s(CLOCK_MONOTONIC);
}

bench_span bench_span_start(void)
{
	return (bench_span){bench_now_s(), bench_clock_s(CLOCK_PROCESS_CPUTIME_ID)};
}

bench_span bench_span_end(bench_span t0)
{
	return (bench_span){bench_now_s() - t0.wall,
			    bench_clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0.cpu};
}

void bench_die(const char *what, const jg_err *e)
{
	fprintf(stderr, "%s: %s: %s\n", bench_name, what, e && e->code ? e->msg : "failed");
	exit(1);
}

void bench_check(int rc, const char *what, const jg_err *e)
{
	if (rc)
		bench_die(what, e);
}

void *bench_calloc(size_t n, size_t size)
{
	void *p = jg_calloc(n ? n : 1, size);

	if (!p)
		bench_die("out of memory", NULL);
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_quantile(const double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(q * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

void bench_path_join(char *out, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, BENCH_PATH_MAX, "%s/%s", dir, name) >= BENCH_PATH_MAX)
		bench_die("path too long", NULL);
}

void bench_remove_db(const char *path)
{
	char p[BENCH_PATH_MAX + 8];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

void bench_copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[1 << 16];
	size_t n;

	if (!in || !out)
		bench_die("cannot copy the database file", NULL);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			bench_die("cannot write the database copy", NULL);
	if (ferror(in) || fclose(out) != 0)
		bench_die("cannot copy the database file", NULL);
	fclose(in);
}

void bench_mkdirs(const char *dir)
{
	char p[BENCH_PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(p))
		bench_die("path too long", NULL);
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (p[i] == '/' || p[i] == '\0') {
			char c = p[i];

			p[i] = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST)
				bench_die("cannot make the scratch directory", NULL);
			p[i] = c;
		}
}

double bench_rusage_s(const struct rusage *r)
{
	return (double)(r->ru_utime.tv_sec + r->ru_stime.tv_sec) +
	       (double)(r->ru_utime.tv_usec + r->ru_stime.tv_usec) / 1e6;
}

/* ---- child processes --------------------------------------------------------------------- */

int bench_run_child(bench_run *r, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	int fd[2], st = 0;
	size_t n = 0;
	ssize_t k;
	double t0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe(fd) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	t0 = bench_now_s();
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	while ((k = read(fd[0], r->out + n, sizeof(r->out) - 1 - n)) > 0)
		n += (size_t)k;
	close(fd[0]);
	r->out[n] = '\0';
	if (wait4(pid, &st, 0, &ru) != pid)
		return -1;
	r->wall = bench_now_s() - t0;
	r->maxrss = ru.ru_maxrss;
	r->cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	return r->status == 0 ? 0 : -1;
}

int bench_measure(bench_run *med, char *const argv[], int runs)
{
	static bench_run r; /* 8 KiB of output: off the stack */
	double wall[BENCH_RUNS_MAX], cpu[BENCH_RUNS_MAX];
	long maxrss = 0;

	if (runs < 1 || runs > BENCH_RUNS_MAX)
		return -1;
	for (int i = 0; i < runs; i++) {
		if (bench_run_child(i == 0 ? med : &r, argv) != 0)
			return -1;
		wall[i] = i == 0 ? med->wall : r.wall;
		cpu[i] = i == 0 ? med->cpu : r.cpu;
		if (i > 0 && r.maxrss > maxrss)
			maxrss = r.maxrss;
	}
	qsort(wall, (size_t)runs, sizeof(double), cmp_double);
	qsort(cpu, (size_t)runs, sizeof(double), cmp_double);
	med->wall = wall[runs / 2];
	med->cpu = cpu[runs / 2];
	if (maxrss > med->maxrss)
		med->maxrss = maxrss;
	return 0;
}

bench_span bench_run_sqlite(const char *sqlite3, const char *db, const char *script,
			    const char *out)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = {(char *)sqlite3, (char *)"-bail", (char *)db, NULL};
	struct rusage before, after;
	pid_t pid;
	int status, rc;
	double t0;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, script, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	getrusage(RUSAGE_CHILDREN, &before);
	t0 = bench_now_s();
	rc = posix_spawnp(&pid, sqlite3, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot run %s: %s\n", bench_name, sqlite3, strerror(rc));
		exit(1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bench_die("waitpid failed", NULL);
	t0 = bench_now_s() - t0;
	getrusage(RUSAGE_CHILDREN, &after);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: %s failed on %s (output in %s)\n", bench_name, sqlite3, script,
			out);
		exit(1);
	}
	return (bench_span){t0, bench_rusage_s(&after) - bench_rusage_s(&before)};
}
