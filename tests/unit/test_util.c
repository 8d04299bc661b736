/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the utility layer's memory pieces and errors: the allocator choke point and
 * its failure hook, capped buffers (the cap holds and a failed append changes nothing),
 * arenas (alignment, cap, reset), the int64 hash map, and jg_err (first failure wins). Each
 * allocation-failure test fails every allocation point in turn and checks that the failure
 * is reported cleanly and leaves the structure usable; the sanitizer run checks for leaks.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "support.h"
#include "util/i64map.h"

static int teardown(void **state)
{
	(void)state;
	jg_alloc_fail_after(-1);
	return 0;
}

/* ---- allocator ---------------------------------------------------------------------------- */

static void test_alloc_basics(void **state)
{
	char *s, *t;

	(void)state;
	s = jg_strdup("재고");
	assert_non_null(s);
	assert_string_equal(s, "재고");
	t = jg_strndup("abcdef", 3);
	assert_non_null(t);
	assert_string_equal(t, "abc");
	jg_free(s);
	jg_free(t);
	assert_null(jg_strdup(NULL));
	assert_null(jg_strndup(NULL, 3));
	/* Zero-sized requests still give a pointer that can be freed. */
	s = jg_malloc(0);
	assert_non_null(s);
	jg_free(s);
	s = jg_calloc(4, 8);
	assert_non_null(s);
	for (int i = 0; i < 32; i++)
		assert_int_equal(s[i], 0);
	s = jg_realloc(s, 1000);
	assert_non_null(s);
	jg_free(s);
	jg_free(NULL);
}

static void test_alloc_fail_after(void **state)
{
	void *a, *b, *c;
	char *d;

	(void)state;
	/* The hook counts allocations since the last call. */
	jg_alloc_fail_after(-1);
	a = jg_malloc(8);
	b = jg_calloc(1, 8);
	c = jg_realloc(NULL, 8);
	assert_int_equal(jg_alloc_fail_after(-1), 3);
	assert_int_equal(jg_alloc_fail_after(-1), 0);
	jg_free(a);
	jg_free(b);
	jg_free(c);

	/* After 2 more successes every allocation fails, of every kind. */
	jg_alloc_fail_after(2);
	a = jg_malloc(8);
	b = jg_malloc(8);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(jg_malloc(8));
	assert_null(jg_calloc(1, 8));
	assert_null(jg_strdup("x"));
	assert_null(jg_strndup("x", 1));
	/* A failed realloc leaves the old block alone. */
	memcpy(a, "1234567", 8);
	assert_null(jg_realloc(a, 4096));
	assert_string_equal(a, "1234567");
	assert_int_equal(jg_alloc_fail_after(-1), 7);
	/* ...until reset. */
	d = jg_realloc(a, 4096);
	assert_non_null(d);
	assert_string_equal(d, "1234567");
	jg_free(d);
	jg_free(b);

	/* 0 fails the very next allocation. */
	jg_alloc_fail_after(0);
	assert_null(jg_malloc(1));
	jg_alloc_fail_after(-1);
	a = jg_malloc(1);
	assert_non_null(a);
	jg_free(a);
}

/* ---- capped buffers ----------------------------------------------------------------------- */

static void test_buf_cap(void **state)
{
	jg_buf b;

	(void)state;
	jg_buf_init(&b, 10);
	assert_string_equal(jg_buf_str(&b), "");
	assert_int_equal(b.len, 0);
	assert_int_equal(jg_buf_append(&b, "hello", 5), 0);
	assert_string_equal(jg_buf_str(&b), "hello");
	assert_int_equal(b.len, 5);
	/* 5 + 6 > 10: refused, nothing changed. */
	assert_int_equal(jg_buf_append(&b, "world!", 6), JG_ELIMIT);
	assert_string_equal(jg_buf_str(&b), "hello");
	assert_int_equal(b.len, 5);
	assert_int_equal(jg_buf_puts(&b, "world!"), JG_ELIMIT);
	assert_int_equal(b.len, 5);
	assert_int_equal(jg_buf_printf(&b, "%s", "world!"), JG_ELIMIT);
	assert_string_equal(jg_buf_str(&b), "hello");
	/* Exactly up to the cap is fine. */
	assert_int_equal(jg_buf_puts(&b, "world"), 0);
	assert_string_equal(jg_buf_str(&b), "helloworld");
	assert_int_equal(b.len, 10);
	assert_int_equal(jg_buf_append(&b, "", 0), 0);
	assert_int_equal(jg_buf_append(&b, "x", 1), JG_ELIMIT);
	assert_int_equal(jg_buf_printf(&b, "%d", 1), JG_ELIMIT);
	assert_int_equal(jg_buf_append(&b, "x", SIZE_MAX), JG_ELIMIT);
	assert_string_equal(jg_buf_str(&b), "helloworld");
	assert_true(b.alloc <= 11);
	jg_buf_free(&b);
	assert_string_equal(jg_buf_str(&b), "");

	/* A cap of 0 takes nothing but the empty string. */
	jg_buf_init(&b, 0);
	assert_int_equal(jg_buf_append(&b, "", 0), 0);
	assert_int_equal(jg_buf_append(&b, "a", 1), JG_ELIMIT);
	assert_string_equal(jg_buf_str(&b), "");
	jg_buf_free(&b);
}

static void test_buf_growth(void **state)
{
	jg_buf b;

	(void)state;
	/* One byte at a time up to a large cap, then one more. */
	jg_buf_init(&b, 100000);
	for (size_t i = 0; i < 100000; i++) {
		char c = (char)('a' + i % 26);

		assert_int_equal(jg_buf_append(&b, &c, 1), 0);
	}
	assert_int_equal(b.len, 100000);
	assert_int_equal(jg_buf_append(&b, "z", 1), JG_ELIMIT);
	for (size_t i = 0; i < 100000; i++)
		if (b.p[i] != (char)('a' + i % 26))
			fail_msg("byte %zu is %c", i, b.p[i]);
	assert_int_equal(b.p[100000], '\0');
	assert_int_equal(strlen(jg_buf_str(&b)), 100000);
	jg_buf_free(&b);
	/* Embedded NULs are content. */
	jg_buf_init(&b, 16);
	assert_int_equal(jg_buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.p, "a\0b", 4);
	jg_buf_free(&b);
}

static void test_buf_printf_reset_detach(void **state)
{
	char big[300];
	char *s;
	jg_buf b;

	(void)state;
	jg_buf_init(&b, 1000);
	assert_int_equal(jg_buf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_int_equal(jg_buf_printf(&b, "|%05d|", -7), 0);
	assert_string_equal(jg_buf_str(&b), "42-x|-0007|");
	assert_int_equal(b.len, strlen("42-x|-0007|"));
	assert_int_equal(jg_buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, strlen("42-x|-0007|"));
	/* Growing through printf past the first allocation. */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(jg_buf_printf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, strlen("42-x|-0007|") + 301);
	assert_int_equal(b.p[b.len - 1], '>');
	assert_int_equal(b.p[b.len], '\0');
	/* Reset empties but keeps the buffer usable. */
	jg_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(jg_buf_str(&b), "");
	assert_int_equal(jg_buf_puts(&b, "again"), 0);
	/* Detach hands the content over and leaves an empty buffer. */
	s = jg_buf_detach(&b);
	assert_string_equal(s, "again");
	jg_free(s);
	assert_int_equal(b.len, 0);
	assert_string_equal(jg_buf_str(&b), "");
	s = jg_buf_detach(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	jg_free(s);
	assert_int_equal(jg_buf_puts(&b, "third"), 0);
	assert_string_equal(jg_buf_str(&b), "third");
	jg_buf_free(&b);
	jg_buf_free(&b); /* twice is harmless */
	jg_buf_reset(&b);
	assert_string_equal(jg_buf_str(&b), "");
}

static void test_buf_alloc_failure(void **state)
{
	char big[200];
	jg_buf b;

	(void)state;
	memset(big, 'b', sizeof(big));
	/* Into an empty buffer. */
	jg_buf_init(&b, 1 << 20);
	jg_alloc_fail_after(0);
	assert_int_equal(jg_buf_append(&b, "abc", 3), JG_ENOMEM);
	assert_int_equal(jg_buf_printf(&b, "%d", 5), JG_ENOMEM);
	assert_int_equal(b.len, 0);
	assert_string_equal(jg_buf_str(&b), "");
	assert_null(jg_buf_detach(&b));
	jg_alloc_fail_after(-1);
	/* A growth that fails keeps the content. */
	assert_int_equal(jg_buf_puts(&b, "keep me"), 0);
	jg_alloc_fail_after(0);
	assert_int_equal(jg_buf_append(&b, big, sizeof(big)), JG_ENOMEM);
	assert_string_equal(jg_buf_str(&b), "keep me");
	assert_int_equal(b.len, 7);
	assert_int_equal(jg_buf_printf(&b, "%.*s", (int)sizeof(big), big), JG_ENOMEM);
	assert_string_equal(jg_buf_str(&b), "keep me");
	/* An append that needs no growth still works. */
	assert_int_equal(jg_buf_puts(&b, "!"), 0);
	assert_string_equal(jg_buf_str(&b), "keep me!");
	jg_alloc_fail_after(-1);
	assert_int_equal(jg_buf_append(&b, big, sizeof(big)), 0);
	assert_int_equal(b.len, 8 + sizeof(big));
	jg_buf_free(&b);

	/* Every allocation point of a long build, in turn. */
	for (long fail = 0;; fail++) {
		size_t ok_len = 0;
		int rc = 0;
		long made;

		jg_buf_init(&b, 1 << 20);
		jg_alloc_fail_after(fail);
		for (int i = 0; i < 2000 && rc == 0; i++) {
			rc = jg_buf_printf(&b, "%d,", i);
			if (rc == 0)
				ok_len = b.len;
		}
		made = jg_alloc_fail_after(-1);
		if (rc) {
			assert_int_equal(rc, JG_ENOMEM);
			assert_int_equal(b.len, ok_len);
			assert_int_equal(strlen(jg_buf_str(&b)), ok_len);
		}
		jg_buf_free(&b);
		if (made <= fail) {
			assert_int_equal(rc, 0);
			break;
		}
	}
}

/* ---- arenas ------------------------------------------------------------------------------- */

static void test_arena_alignment(void **state)
{
	const size_t align = alignof(max_align_t);
	unsigned char *ptrs[600];
	size_t sizes[600];
	jg_arena a;

	(void)state;
	jg_arena_init(&a, 0);
	/* Many sizes, across several blocks, one of them larger than any block. */
	for (size_t i = 0; i < 600; i++) {
		sizes[i] = i == 300 ? 200000 : (i * 37) % 300 + (i % 7 == 0 ? 0 : 1);
		ptrs[i] = jg_arena_alloc(&a, sizes[i]);
		assert_non_null(ptrs[i]);
		if ((uintptr_t)ptrs[i] % align != 0)
			fail_msg("allocation %zu of %zu bytes is not aligned to %zu", i, sizes[i],
				 align);
		memset(ptrs[i], (int)(i & 0xff), sizes[i]);
	}
	/* No allocation overlapped another. */
	for (size_t i = 0; i < 600; i++)
		for (size_t k = 0; k < sizes[i]; k++)
			if (ptrs[i][k] != (unsigned char)(i & 0xff))
				fail_msg("allocation %zu was overwritten at byte %zu", i, k);
	assert_true(a.used >= 200000);
	jg_arena_free(&a);
	assert_int_equal(a.used, 0);
	jg_arena_free(&a); /* twice is harmless */
}

static void test_arena_strdup(void **state)
{
	jg_arena a;
	char *s, *t;

	(void)state;
	jg_arena_init(&a, 4096);
	s = jg_arena_strdup(&a, "색상:빨강");
	assert_non_null(s);
	assert_string_equal(s, "색상:빨강");
	t = jg_arena_strndup(&a, "abcdef", 4);
	assert_non_null(t);
	assert_string_equal(t, "abcd");
	assert_string_equal(s, "색상:빨강");
	assert_null(jg_arena_strdup(&a, NULL));
	t = jg_arena_strndup(&a, "", 0);
	assert_non_null(t);
	assert_string_equal(t, "");
	jg_arena_free(&a);
}

static void test_arena_cap(void **state)
{
	const size_t align = alignof(max_align_t);
	jg_arena a;
	void *p;

	(void)state;
	jg_arena_init(&a, 64 * align);
	assert_int_equal(a.cap, 64 * align);
	for (int i = 0; i < 64; i++)
		assert_non_null(jg_arena_alloc(&a, align));
	assert_int_equal(a.used, 64 * align);
	assert_null(jg_arena_alloc(&a, 1));
	assert_null(jg_arena_strdup(&a, "x"));
	assert_int_equal(a.used, 64 * align);
	/* Reset gives the whole cap back. */
	jg_arena_reset(&a);
	assert_int_equal(a.used, 0);
	p = jg_arena_alloc(&a, 64 * align);
	assert_non_null(p);
	memset(p, 1, 64 * align);
	assert_null(jg_arena_alloc(&a, 1));
	jg_arena_reset(&a);
	assert_null(jg_arena_alloc(&a, 64 * align + 1));
	assert_int_equal(a.used, 0);
	/* Requests that overflow size arithmetic fail cleanly. */
	assert_null(jg_arena_alloc(&a, SIZE_MAX));
	assert_null(jg_arena_alloc(&a, SIZE_MAX - align + 2));
	assert_int_equal(a.used, 0);
	jg_arena_free(&a);

	/* Cap 0 means the 64 MiB default. */
	jg_arena_init(&a, 0);
	assert_int_equal(a.cap, (size_t)64 * 1024 * 1024);
	assert_null(jg_arena_alloc(&a, (size_t)65 * 1024 * 1024));
	assert_non_null(jg_arena_alloc(&a, (size_t)1024 * 1024));
	jg_arena_free(&a);
}

static void test_arena_reset_reuse(void **state)
{
	jg_arena a;

	(void)state;
	jg_arena_init(&a, 0);
	/* Reset and refill many times; memory stays bounded (the leak check sees the rest). */
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 500; i++) {
			char *p = jg_arena_alloc(&a, 100);

			assert_non_null(p);
			memset(p, round, 100);
		}
		assert_true(a.used >= 500 * 100);
		jg_arena_reset(&a);
		assert_int_equal(a.used, 0);
	}
	jg_arena_free(&a);
	/* Reset of an arena that never allocated. */
	jg_arena_init(&a, 100);
	jg_arena_reset(&a);
	assert_int_equal(a.used, 0);
	jg_arena_free(&a);
}

static void test_arena_alloc_failure(void **state)
{
	jg_arena a;
	char *p;

	(void)state;
	jg_arena_init(&a, 0);
	jg_alloc_fail_after(0);
	assert_null(jg_arena_alloc(&a, 10));
	assert_null(jg_arena_strdup(&a, "x"));
	assert_int_equal(a.used, 0);
	assert_null(a.head);
	jg_alloc_fail_after(-1);
	p = jg_arena_strdup(&a, "fine");
	assert_non_null(p);

	/* A failed new block keeps what was handed out before. */
	jg_alloc_fail_after(0);
	assert_non_null(jg_arena_alloc(&a, 16)); /* fits the current block */
	assert_null(jg_arena_alloc(&a, 1 << 20));
	assert_string_equal(p, "fine");
	jg_alloc_fail_after(-1);
	assert_non_null(jg_arena_alloc(&a, 1 << 20));
	assert_string_equal(p, "fine");
	jg_arena_free(&a);

	/* Every allocation point of a long run, in turn. */
	for (long fail = 0;; fail++) {
		int failed_at = -1;
		long made;

		jg_arena_init(&a, 0);
		jg_alloc_fail_after(fail);
		for (int i = 0; i < 3000; i++) {
			size_t before = a.used;

			if (!jg_arena_alloc(&a, (size_t)(i % 50) * 100 + 1)) {
				assert_int_equal(a.used, before);
				failed_at = i;
				break;
			}
		}
		made = jg_alloc_fail_after(-1);
		/* The arena still works after a failure. */
		assert_non_null(jg_arena_alloc(&a, 64));
		jg_arena_free(&a);
		if (made <= fail) {
			assert_int_equal(failed_at, -1);
			break;
		}
		assert_true(failed_at >= 0);
	}
}

/* ---- int64 map ---------------------------------------------------------------------------- */

static int64_t map_key(int64_t i)
{
	/* Spread out, negative too, and never two the same for 0 <= i < 200000. */
	return (i - 100000) * 7919 + (i % 3) * 1000000007;
}

static void test_i64map(void **state)
{
	const int64_t n = 100000;
	jg_i64map m;
	int created;
	size_t seen;

	(void)state;
	jg_i64map_init(&m);
	assert_null(jg_i64map_get(&m, 1));
	assert_int_equal(m.len, 0);
	for (int64_t i = 0; i < n; i++) {
		jg_i64map_slot *s = jg_i64map_put(&m, map_key(i), &created);

		assert_non_null(s);
		assert_int_equal(created, 1);
		assert_true(s->key == map_key(i));
		assert_true(s->a == 0 && s->b == 0);
		s->a = i;
		s->b = -i;
	}
	assert_int_equal(m.len, (size_t)n);
	/* Power of two, at most half full. */
	assert_true((m.cap & (m.cap - 1)) == 0);
	assert_true(m.len * 2 <= m.cap);
	for (int64_t i = 0; i < n; i++) {
		jg_i64map_slot *s = jg_i64map_get(&m, map_key(i));

		if (!s || s->key != map_key(i) || s->a != i || s->b != -i)
			fail_msg("key %lld lost or wrong", (long long)map_key(i));
	}
	for (int64_t i = n; i < 2 * n; i++)
		assert_null(jg_i64map_get(&m, map_key(i)));
	/* Putting an existing key finds it and keeps its values. */
	for (int64_t i = 0; i < n; i += 97) {
		jg_i64map_slot *s = jg_i64map_put(&m, map_key(i), &created);

		assert_non_null(s);
		assert_int_equal(created, 0);
		assert_true(s->a == i);
	}
	assert_non_null(jg_i64map_put(&m, map_key(5), NULL)); /* created may be NULL */
	assert_int_equal(m.len, (size_t)n);
	/* Iteration sees every key once. */
	seen = 0;
	for (size_t i = 0; i < m.cap; i++)
		if (m.slots[i].used)
			seen++;
	assert_int_equal(seen, (size_t)n);
	/* Clear empties it; it fills again. */
	jg_i64map_clear(&m);
	assert_int_equal(m.len, 0);
	for (int64_t i = 0; i < n; i += 11)
		assert_null(jg_i64map_get(&m, map_key(i)));
	assert_non_null(jg_i64map_put(&m, 42, &created));
	assert_int_equal(created, 1);
	assert_int_equal(m.len, 1);
	assert_non_null(jg_i64map_get(&m, 42));
	jg_i64map_free(&m);
	assert_int_equal(m.len, 0);
	assert_null(jg_i64map_get(&m, 42));
	jg_i64map_free(&m);
}

static void test_i64map_edge_keys(void **state)
{
	static const int64_t keys[] = {0, 1, -1, INT64_MIN, INT64_MAX, INT64_MIN + 1,
				       INT64_MAX - 1, (int64_t)1 << 32, -((int64_t)1 << 32)};
	const size_t n = sizeof(keys) / sizeof(keys[0]);
	jg_i64map m;

	(void)state;
	jg_i64map_init(&m);
	for (size_t i = 0; i < n; i++) {
		jg_i64map_slot *s = jg_i64map_put(&m, keys[i], NULL);

		assert_non_null(s);
		s->a = (int64_t)i + 1;
	}
	assert_int_equal(m.len, n);
	for (size_t i = 0; i < n; i++) {
		jg_i64map_slot *s = jg_i64map_get(&m, keys[i]);

		assert_non_null(s);
		assert_true(s->a == (int64_t)i + 1);
	}
	assert_null(jg_i64map_get(&m, 2));
	/* Keys that collide in the low bits (database ids often step by a power of two). */
	jg_i64map_clear(&m);
	for (int64_t i = 0; i < 5000; i++)
		assert_non_null(jg_i64map_put(&m, i << 20, NULL));
	for (int64_t i = 0; i < 5000; i++)
		assert_non_null(jg_i64map_get(&m, i << 20));
	assert_int_equal(m.len, 5000);
	jg_i64map_free(&m);
}

static void test_i64map_alloc_failure(void **state)
{
	jg_i64map m;
	size_t cap;

	(void)state;
	/* The first slot array cannot be made: nothing changes. */
	jg_i64map_init(&m);
	jg_alloc_fail_after(0);
	assert_null(jg_i64map_put(&m, 7, NULL));
	assert_int_equal(m.len, 0);
	assert_null(jg_i64map_get(&m, 7));
	jg_alloc_fail_after(-1);

	/* Fill until the next put must grow, then fail that growth. */
	assert_non_null(jg_i64map_put(&m, 0, NULL));
	cap = m.cap;
	for (int64_t k = 1; (size_t)(k + 1) * 2 <= cap; k++) {
		jg_i64map_slot *s = jg_i64map_put(&m, k, NULL);

		assert_non_null(s);
		s->a = k;
	}
	assert_int_equal(m.cap, cap);
	jg_alloc_fail_after(0);
	{
		size_t len = m.len;

		assert_null(jg_i64map_put(&m, 1000, NULL));
		assert_int_equal(m.len, len);
		assert_int_equal(m.cap, cap);
		assert_null(jg_i64map_get(&m, 1000));
		for (int64_t k = 1; (size_t)k < len; k++)
			assert_true(jg_i64map_get(&m, k)->a == k);
	}
	jg_alloc_fail_after(-1);
	assert_non_null(jg_i64map_put(&m, 1000, NULL));
	assert_true(m.cap > cap);
	assert_true(jg_i64map_get(&m, 3)->a == 3);
	jg_i64map_free(&m);

	/* Every allocation point of a long run, in turn. */
	for (long fail = 0;; fail++) {
		int64_t inserted = 0;
		long made;

		jg_i64map_init(&m);
		jg_alloc_fail_after(fail);
		for (int64_t k = 0; k < 5000; k++) {
			if (!jg_i64map_put(&m, k * 31, NULL))
				break;
			inserted++;
		}
		made = jg_alloc_fail_after(-1);
		assert_int_equal(m.len, (size_t)inserted);
		for (int64_t k = 0; k < inserted; k++)
			assert_non_null(jg_i64map_get(&m, k * 31));
		jg_i64map_free(&m);
		if (made <= fail) {
			assert_int_equal(inserted, 5000);
			break;
		}
		assert_true(inserted < 5000);
	}
}

/* ---- errors ------------------------------------------------------------------------------- */

static void test_err(void **state)
{
	static const int codes[] = {JG_OK,	 JG_ENOMEM, JG_EINVAL, JG_ENOTFOUND, JG_EEXISTS,
				    JG_ESTATE,	 JG_EIO,    JG_EDB,    JG_EFORMAT,   JG_ELIMIT,
				    JG_EDRIFT,	 JG_EBUSY,  JG_EPERM};
	const size_t n = sizeof(codes) / sizeof(codes[0]);
	jg_err err;

	(void)state;
	memset(&err, 0x7f, sizeof(err));
	jg_err_clear(&err);
	assert_int_equal(err.code, 0);
	assert_int_equal(err.sys, 0);
	assert_int_equal(err.row, 0);
	assert_int_equal(err.col, 0);
	assert_string_equal(err.msg, "");
	assert_string_equal(err.sqlstate, "");
	/* The first failure is kept; later ones do not overwrite it. */
	assert_int_equal(jg_err_set(&err, JG_EINVAL, "bad %s %d", "qty", 7), JG_EINVAL);
	assert_int_equal(err.code, JG_EINVAL);
	assert_string_equal(err.msg, "bad qty 7");
	assert_int_equal(jg_err_set(&err, JG_EIO, "later"), JG_EIO);
	assert_int_equal(jg_err_set_at(&err, JG_EFORMAT, 9, 3, "later"), JG_EFORMAT);
	assert_int_equal(err.code, JG_EINVAL);
	assert_string_equal(err.msg, "bad qty 7");
	assert_int_equal(err.row, 0);
	assert_int_equal(err.col, 0);
	/* set_at records the position. */
	jg_err_clear(&err);
	assert_int_equal(jg_err_set_at(&err, JG_ELIMIT, 12, 4, "row %d", 12), JG_ELIMIT);
	assert_int_equal(err.code, JG_ELIMIT);
	assert_int_equal(err.row, 12);
	assert_int_equal(err.col, 4);
	assert_string_equal(err.msg, "row 12");
	/* A long message is cut, still terminated. */
	{
		char longmsg[2 * JG_ERR_MSG_MAX];

		memset(longmsg, 'm', sizeof(longmsg) - 1);
		longmsg[sizeof(longmsg) - 1] = '\0';
		jg_err_clear(&err);
		jg_err_set(&err, JG_EINVAL, "%s", longmsg);
		assert_int_equal(strlen(err.msg), JG_ERR_MSG_MAX - 1);
	}
	/* NULL is accepted everywhere. */
	jg_err_clear(NULL);
	assert_int_equal(jg_err_set(NULL, JG_EDB, "x"), JG_EDB);
	assert_int_equal(jg_err_set_at(NULL, JG_EDB, 1, 1, "x"), JG_EDB);
	/* Every code has its own non-empty name; unknown codes still get one. */
	for (size_t i = 0; i < n; i++) {
		const char *s = jg_strerror(codes[i]);

		assert_non_null(s);
		assert_true(s[0] != '\0');
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, jg_strerror(codes[j]));
	}
	assert_string_equal(jg_strerror(JG_ENOTFOUND), "not found");
	assert_non_null(jg_strerror(-999));
	assert_non_null(jg_strerror(5));
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_alloc_basics),
		T(test_alloc_fail_after),
		T(test_buf_cap),
		T(test_buf_growth),
		T(test_buf_printf_reset_detach),
		T(test_buf_alloc_failure),
		T(test_arena_alignment),
		T(test_arena_strdup),
		T(test_arena_cap),
		T(test_arena_reset_reuse),
		T(test_arena_alloc_failure),
		T(test_i64map),
		T(test_i64map_edge_keys),
		T(test_i64map_alloc_failure),
		T(test_err),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
