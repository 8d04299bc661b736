/* SPDX-License-Identifier: MIT */
/* See copy_compare.h. */
#include <stdio.h>
#include <string.h>

#include "copy_compare.h"
#include "support.h"

void cc_fill_shop(const char *db)
{
	t_run r;

	t_ok(db, "demo");
	t_jaego(&r, db, "correct horse battery staple\n", "user", "add", "boss", "--role", "admin",
		NULL);
	T_OK(&r);
	t_run_free(&r);
	t_ok(db, "token create script --role operator");
	t_ok(db, "stock receive MUG-01 4 --note 입고");
	t_ok(db, "order add smartstore SS-COPY-1 --product smartstore-MUG-01 --qty 2");
	t_ok(db, "order ship smartstore SS-COPY-1 --courier CJ --tracking 123");
	t_ok(db, "order add coupang CP-COPY-2 --product coupang-MUG-01 --qty 1");
	t_ok(db, "order cancel coupang CP-COPY-2");
	t_ok(db, "order add 11st 11-COPY-3 --product 11st-MUG-01 --qty 1");
	t_ok(db, "order ship 11st 11-COPY-3");
	t_ok(db, "order return 11st 11-COPY-3 --restock");
	t_ok(db, "config set priority-top 2");
	t_check(db);
}

static const char *const VIEWS[] = {
	"sku list",	  "stock show",	  "channel list",	   "listing list",
	"order list",	  "unmatched",	  "oversold",		   "user list",
	"token list",	  "profile list", "config get priority-top", "stock history MUG-01",
	"stock history TEE-BLK-M", "sync plan",
};

void cc_assert_same(const char *a, const char *b)
{
	for (size_t i = 0; i < sizeof(VIEWS) / sizeof(VIEWS[0]); i++) {
		t_run ra, rb;

		t_jaegof(&ra, a, "--json %s", VIEWS[i]);
		t_jaegof(&rb, b, "--json %s", VIEWS[i]);
		if (ra.status != 0 || rb.status != 0)
			fail_msg("`jaego --json %s`: exit %d on %s (%s), %d on %s (%s)", VIEWS[i],
				 ra.status, a, ra.err, rb.status, b, rb.err);
		if (strcmp(ra.out, rb.out) != 0)
			fail_msg("`jaego --json %s` differs:\n%s: %s\n%s: %s", VIEWS[i], a, ra.out, b,
				 rb.out);
		t_run_free(&ra);
		t_run_free(&rb);
	}
}
