/* SPDX-License-Identifier: MIT */
/*
 * `jaego serve`: the HTTP server with the JSON API and the dashboard (src/http/,
 * docs/api.md). It runs until SIGINT or SIGTERM; the accounts that may use it are made by
 * `jaego user` and `jaego token` (cmd_user.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jaego/http.h"

static void on_ready(const char *url, void *payload)
{
	cli *c = payload;
	char shown[1024];

	if (c->json)
		printf("{\"url\":\"%s\"}\n", url);
	else
		printf("jaego is serving %s on %s (Ctrl-C stops it)\n",
		       jg_store_url_display(shown, sizeof(shown), c->db_url), url);
	fflush(stdout);
}

int cmd_serve(cli *c)
{
	const char *pos[1], *listen = NULL, *threads = NULL;
	const cli_opt opts[] = {
		{"listen", true, &listen}, {"threads", true, &threads}, {NULL, false, NULL}};
	jg_serve_opts o = {0};
	jg_err err = {0};
	int64_t nt = 0;
	int np, rc;

	rc = cli_parse(c, opts, pos, &np, 0, 0, "jaego serve [--listen HOST:PORT] [--threads N]");
	if (rc)
		return rc;
	if (threads && ((rc = cli_i64(c, "--threads", threads, &nt)) || nt < 1 || nt > 16))
		return rc ? rc : cli_usage(c, "--threads must be from 1 to 16");
	o.db_url = c->db_url;
	o.listen = listen;
	o.threads = (unsigned)nt;
	o.ready = on_ready;
	o.ready_payload = c;
	if (jg_serve(&o, &err))
		return cli_fail(c, &err);
	return CLI_OK;
}
