/* SPDX-License-Identifier: MIT */
/*
 * Shared by the `jaego db copy` tests: a shop with some history, and a comparison of two
 * databases through every `--json` listing a user sees (SKUs, stock, channels, listings,
 * orders, queues, users, tokens, settings, history, sync status).
 */
#ifndef JG_TEST_COPY_COMPARE_H
#define JG_TEST_COPY_COMPARE_H

/* Loads the demo shop into the (initialised) database `db`, then a user, a token, a
 * receipt, a shipped, a cancelled and a returned line, and a setting. */
void cc_fill_shop(const char *db);

/* Fails the test unless every `--json` listing of `a` equals that of `b` byte for byte. */
void cc_assert_same(const char *a, const char *b);

#endif
