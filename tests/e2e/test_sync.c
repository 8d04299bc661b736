/* SPDX-License-Identifier: MIT */
/*
 * Telling the channels, end to end through the real `jaego` binary: the user's example
 * with files. A Coupang order file comes in; `sync export` writes SmartStore's, ESM's and
 * Cafe24's stock-update files in their own layouts with only the lowered rows; importing
 * and exporting again writes nothing; a cancellation raises a channel only after that
 * channel's orders were imported again. The xlsx files are read back with jaego's own
 * reader and with openpyxl (an independent reader), the CSV files as text.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaego/sheet.h"
#include "support.h"

typedef t_env env;
#define setup t_env_setup
#define teardown t_env_teardown
#define ok(e, ...) t_ok((e)->db, __VA_ARGS__)

/* `jaego --json sync export --out OUT ARGS`; returns the parsed document's "files". */
static json_t *export(env *e, t_run *r, const char *a1, const char *a2)
{
	t_jaego(r, e->db, NULL, "--json", "sync", "export", "--out", e->out, a1, a2, NULL);
	if (r->status != 0 || !r->json)
		fail_msg("sync export exited %d: %s", r->status, r->err);
	return json_object_get(r->json, "files");
}

static const char *file_of(json_t *files, const char *channel)
{
	size_t i;
	json_t *f;

	json_array_foreach(files, i, f)
	{
		if (strcmp(json_string_value(json_object_get(f, "channel")), channel) == 0)
			return json_string_value(json_object_get(f, "file"));
	}
	return NULL;
}

/* ---- reading the files back ------------------------------------------------------------- */

typedef struct sheet {
	char cells[64][8][128];
	int rows;
} sheet;

static int on_row(const jg_sheet_row *row, void *payload)
{
	sheet *s = payload;

	if (s->rows == 64)
		return -1;
	for (size_t i = 0; i < row->n && i < 8; i++)
		snprintf(s->cells[s->rows][i], sizeof(s->cells[0][0]), "%s", row->cells[i].text);
	s->rows++;
	return 0;
}

/* Reads a written file with jaego's own reader (any format). */
static void read_back(const char *path, sheet *s)
{
	jg_err err = {0};

	memset(s, 0, sizeof(*s));
	if (jg_sheet_read_file(path, NULL, NULL, on_row, s, &err))
		fail_msg("%s: %s", path, err.msg);
}

/* Reads an xlsx with openpyxl: "a|b|c\n" per row. */
static char *openpyxl(const char *path)
{
	const char *argv[] = {"/usr/bin/python3", "-c",
			      "import sys, openpyxl\n"
			      "wb = openpyxl.load_workbook(sys.argv[1], read_only=True)\n"
			      "for row in wb.active.iter_rows(values_only=True):\n"
			      "    print('|'.join('' if v is None else str(v) for v in row))\n",
			      path, NULL};
	char *out = NULL;

	assert_int_equal(t_spawn(argv, NULL, &out), 0);
	return out;
}

/* ---- the scenario --------------------------------------------------------------------- */

static void coupang_file(env *e, const char *name, const char *rows)
{
	char *p = t_path(e->dir, name);
	char text[4096];

	snprintf(text, sizeof(text),
		 "번호,묶음배송번호,주문번호,출고일(발송일),주문일,노출상품명(옵션명),옵션ID,"
		 "구매수(수량),수취인이름\n%s",
		 rows);
	t_write(p, text);
	jg_free(p);
}

static void test_user_example_with_files(void **state)
{
	env *e = *state;
	char *c1 = t_path(e->dir, "c1.csv"), *ss = t_path(e->dir, "ss.csv");
	char *claims = t_path(e->dir, "claims.csv");
	json_t *files;
	t_run r;
	sheet s;
	char *py;
	const char *f;

	ok(e, "sku add A --name 상품A --stock 5");
	ok(e, "channel add smartstore --profile smartstore");
	ok(e, "channel add coupang --profile coupang");
	ok(e, "channel add gmarket --profile gmarket");
	ok(e, "channel add cafe24 --profile cafe24");
	ok(e, "listing map smartstore 8812345 --option 색상:\x1f블랙 --to A");
	ok(e, "listing map coupang 70000001 --to A");
	ok(e, "listing map gmarket 2233445566 --to A");
	ok(e, "listing map gmarket 2233440000 --option 2개\x1f묶음 --to A*2");
	ok(e, "listing map cafe24 P0000BAA000A --to A");
	ok(e, "channel set cafe24 --percent 50");

	/* Nothing imported yet: every first telling is held... */
	t_jaego(&r, e->db, NULL, "--json", "sync", "plan", NULL);
	T_OK(&r);
	assert_int_equal(json_array_size(json_object_get(r.json, "plan")), 5);
	assert_string_equal(t_jstr(r.json, "plan/0/kind"), "held");
	t_run_free(&r);
	files = export(e, &r, NULL, NULL);
	assert_int_equal(json_array_size(files), 0);
	t_run_free(&r);
	/* ...until the seller forces the first full telling. */
	files = export(e, &r, "--force-raise", NULL);
	assert_int_equal(json_array_size(files), 4);
	t_run_free(&r);

	/* Coupang sells 2. */
	coupang_file(e, "c1.csv", "1,510001,9100001,,2026-11-29 09:00:00,상품A,70000001,2,김\n");
	t_jaego(&r, e->db, NULL, "import", c1, NULL);
	T_OK(&r);
	t_run_free(&r);
	files = export(e, &r, NULL, NULL);
	assert_int_equal(json_array_size(files), 4);

	/* SmartStore: xlsx with 상품번호, 옵션정보, 재고수량; only its one row, lowered to 3. */
	f = file_of(files, "smartstore");
	assert_non_null(f);
	read_back(f, &s);
	assert_int_equal(s.rows, 2);
	assert_string_equal(s.cells[0][0], "상품번호");
	assert_string_equal(s.cells[1][0], "8812345");
	assert_string_equal(s.cells[1][1], "색상: 블랙");
	assert_string_equal(s.cells[1][2], "3");
	py = openpyxl(f);
	assert_string_equal(py, "상품번호|옵션정보|재고수량\n8812345|색상: 블랙|3\n");
	jg_free(py);

	/* ESM (Gmarket): the single 3 and the two-pack 1, with its sold-out flag column. */
	f = file_of(files, "gmarket");
	read_back(f, &s);
	assert_int_equal(s.rows, 3);
	assert_string_equal(s.cells[1][0], "2233440000");
	assert_string_equal(s.cells[1][2], "1");
	assert_string_equal(s.cells[1][3], "판매중");
	assert_string_equal(s.cells[2][0], "2233445566");
	assert_string_equal(s.cells[2][2], "3");
	py = openpyxl(f);
	assert_non_null(strstr(py, "2233440000|2개 묶음|1|판매중\n"));
	jg_free(py);

	/* Cafe24: CSV, 품목코드 and 재고수량: 50% of 3 is 1 (rounded down). */
	f = file_of(files, "cafe24");
	read_back(f, &s);
	assert_int_equal(s.rows, 2);
	assert_string_equal(s.cells[0][0], "품목코드");
	assert_string_equal(s.cells[1][0], "P0000BAA000A");
	assert_string_equal(s.cells[1][1], "1");
	t_run_free(&r);

	/* Importing the same file again and exporting again writes nothing. */
	t_jaego(&r, e->db, NULL, "import", c1, NULL);
	T_OK(&r);
	t_run_free(&r);
	files = export(e, &r, NULL, NULL);
	assert_int_equal(json_array_size(files), 0);
	t_run_free(&r);

	/* Three more sold on Coupang: the two-pack goes to 0; ESM's minimum is 1 with the
	 * sold-out flag set. */
	coupang_file(e, "c2.csv", "1,510002,9100002,,2026-11-29 10:00:00,상품A,70000001,3,김\n");
	{
		char *c2 = t_path(e->dir, "c2.csv");

		t_jaego(&r, e->db, NULL, "import", c2, NULL);
		T_OK(&r);
		t_run_free(&r);
		jg_free(c2);
	}
	t_jaego(&r, e->db, NULL, "--json", "sync", "plan", "--channel", "gmarket", NULL);
	T_OK(&r);
	assert_string_equal(t_jstr(r.json, "plan/0/kind"), "zero"); /* drops to zero first */
	assert_string_equal(t_jstr(r.json, "plan/0/why"), "stock:A");
	assert_non_null(strstr(t_jstr(r.json, "plan/0/cause"), "order coupang:510002-70000001"));
	t_run_free(&r);
	files = export(e, &r, "--channel", "gmarket");
	read_back(file_of(files, "gmarket"), &s);
	assert_int_equal(s.rows, 3);
	assert_string_equal(s.cells[1][2], "1");
	assert_string_equal(s.cells[1][3], "품절");
	assert_string_equal(s.cells[2][2], "1");
	assert_string_equal(s.cells[2][3], "품절");
	t_run_free(&r);
	files = export(e, &r, NULL, NULL); /* the rest of the channels */
	t_run_free(&r);

	/* Coupang cancels the first order: stock comes back, but raises wait. */
	t_write(claims, "주문번호,클레임구분\n510001-70000001,취소완료\n");
	t_jaego(&r, e->db, NULL, "import", claims, "--channel", "coupang", "--profile",
		"generic-claims", NULL);
	T_OK(&r);
	t_run_free(&r);
	t_jaego(&r, e->db, NULL, "--json", "sync", "status", NULL);
	T_OK(&r);
	t_run_free(&r);
	files = export(e, &r, NULL, NULL);
	/* Coupang's orders were just imported: its raise goes out. The others wait. */
	assert_int_equal(json_array_size(files), 1);
	assert_non_null(file_of(files, "coupang"));
	t_run_free(&r);
	t_jaego(&r, e->db, NULL, "--json", "sync", "plan", NULL);
	assert_string_equal(t_jstr(r.json, "plan/0/kind"), "held");
	t_run_free(&r);

	/* SmartStore's orders are imported (no new ones): now its raise goes out, only its. */
	t_write(ss, "상품주문번호,주문번호,상품번호,옵션정보,수량,주문상태\n");
	t_jaego(&r, e->db, NULL, "import", ss, "--channel", "smartstore", NULL);
	T_OK(&r);
	t_run_free(&r);
	files = export(e, &r, NULL, NULL);
	assert_int_equal(json_array_size(files), 1);
	read_back(file_of(files, "smartstore"), &s);
	assert_string_equal(s.cells[1][2], "2");
	t_run_free(&r);
	t_check(e->db);
	jg_free(c1);
	jg_free(ss);
	jg_free(claims);
}

/* Confirming by hand: export without marking, upload, then mark the file. */
static void test_no_mark_then_mark(void **state)
{
	env *e = *state;
	json_t *files;
	t_run r;
	char *path;

	ok(e, "sku add B --name B --stock 4");
	ok(e, "channel add amazon --profile amazon");
	ok(e, "channel add mymall --profile generic");
	ok(e, "listing map amazon B-SKU --to B");
	ok(e, "listing map mymall M1 --option 빨강 --to B");
	files = export(e, &r, "--force-raise", "--no-mark");
	assert_int_equal(json_array_size(files), 2);
	path = jg_strdup(file_of(files, "amazon"));
	t_run_free(&r);
	/* Not marked: the plan still has both rows. */
	t_jaego(&r, e->db, NULL, "--json", "sync", "plan", NULL);
	assert_int_equal(json_array_size(json_object_get(r.json, "plan")), 2);
	t_run_free(&r);
	/* Amazon's Price & Quantity file is tab-separated: sku, quantity. */
	{
		FILE *fp = fopen(path, "rb");
		char buf[256] = {0};

		assert_non_null(fp);
		assert_true(fread(buf, 1, sizeof(buf) - 1, fp) > 0);
		fclose(fp);
		assert_string_equal(buf, "sku\tquantity\r\nB-SKU\t4\r\n");
	}
	t_jaego(&r, e->db, NULL, "--json", "sync", "mark", "amazon", path, NULL);
	T_OK(&r);
	assert_int_equal(t_jint(r.json, "marked"), 1);
	t_run_free(&r);
	t_jaego(&r, e->db, NULL, "--json", "sync", "plan", NULL);
	assert_int_equal(json_array_size(json_object_get(r.json, "plan")), 1);
	assert_string_equal(t_jstr(r.json, "plan/0/channel"), "mymall");
	t_run_free(&r);
	/* The generic CSV: product_id, option, quantity. */
	files = export(e, &r, "--force-raise", NULL);
	{
		sheet s;

		read_back(file_of(files, "mymall"), &s);
		assert_string_equal(s.cells[0][2], "quantity");
		assert_string_equal(s.cells[1][0], "M1");
		assert_string_equal(s.cells[1][1], "빨강");
		assert_string_equal(s.cells[1][2], "4");
	}
	t_run_free(&r);
	jg_free(path);
	t_check(e->db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_example_with_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_mark_then_mark, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
