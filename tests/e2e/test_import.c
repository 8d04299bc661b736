/* SPDX-License-Identifier: MIT */
/*
 * End-to-end import tests through the real `jaego` binary, with order files written at
 * test time by real writers: libxlsxwriter (xlsx), officecrypto-tool from npm (encrypted
 * xlsx), python3-xlwt (xls), iconv (CP949 text), and hand-written HTML saved as .xls. Each
 * scenario is a quirk sellers meet: the header on row 2 under a title, columns in another
 * order, an old layout with renamed columns, NFD Korean, phone numbers and ids stored as
 * numbers, dates as serials and as text, a cancel arriving in a later download, overlapping
 * downloads, unmatched options, bundles, bad rows, ambiguous files, claim lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xlsxwriter.h>

#include "support.h"

typedef t_env env;
#define setup t_env_setup
#define teardown t_env_teardown
#define ok(e, ...) t_ok((e)->db, __VA_ARGS__)

/* `jaego --json import ARGS...` (up to six, NULL-terminated); the caller frees r. */
static void import_argv(env *e, t_run *r, const char *const *a)
{
	const char *v[6] = {NULL};

	for (int i = 0; i < 6 && a[i]; i++)
		v[i] = a[i];
	t_jaego(r, e->db, NULL, "--json", "import", v[0], v[1], v[2], v[3], v[4], v[5], NULL);
	if (!r->json)
		fail_msg("import printed no JSON (exit %d): %s", r->status, r->err);
}
#define import(e, r, ...) import_argv(e, r, (const char *const[]){__VA_ARGS__, NULL})

static int64_t fint(t_run *r, const char *key)
{
	char path[96];

	snprintf(path, sizeof(path), "files/0/%s", key);
	return t_jint(r->json, path);
}

static int64_t sku(env *e, const char *code, const char *field)
{
	t_run r;
	char path[64];
	int64_t v;

	t_jaego(&r, e->db, NULL, "--json", "stock", "show", code, NULL);
	T_OK(&r);
	snprintf(path, sizeof(path), "skus/0/%s", field);
	v = t_jint(r.json, path);
	t_run_free(&r);
	return v;
}

static int64_t listed(env *e, const char *code, const char *channel)
{
	char f[96];

	snprintf(f, sizeof(f), "listed/%s", channel);
	return sku(e, code, f);
}

static json_t *line_of(t_run *r, const char *line_id)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(r->json, "orders"), i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "line_id")), line_id) == 0)
			return o;
	}
	return NULL;
}

static const char *status_of(env *e, const char *line_id)
{
	static char buf[32];
	t_run r;
	json_t *o;

	t_jaego(&r, e->db, NULL, "--json", "order", "list", NULL);
	T_OK(&r);
	o = line_of(&r, line_id);
	snprintf(buf, sizeof(buf), "%s", o ? json_string_value(json_object_get(o, "status")) : "-");
	t_run_free(&r);
	return buf;
}

/* ---- fixtures ------------------------------------------------------------------------- */

/* "옵션정보" values, one typed on a Mac (NFD): 색상: 블랙 / 사이즈: L */
static const char OPT_BLACK_L_NFD[] =
	"\xe1\x84\x89\xe1\x85\xa2\xe1\x86\xa8\xe1\x84\x89\xe1\x85\xa1\xe1\x86\xbc: "
	"\xe1\x84\x87\xe1\x85\xb3\xe1\x86\xaf\xe1\x84\x85\xe1\x85\xa2\xe1\x86\xa8 / "
	"\xe1\x84\x89\xe1\x85\xa1\xe1\x84\x8b\xe1\x85\xb5\xe1\x84\x8c\xe1\x85\xb3: L";

typedef struct ss_row {
	const char *line_id;   /* 상품주문번호, written as text */
	double order_no;       /* 주문번호, written as a number (as a spreadsheet does) */
	const char *status;
	double product;        /* 상품번호 as a number */
	const char *option;
	double qty;
	double phone;          /* 수취인연락처1 as a number: the leading 0 is lost */
	double postal;         /* 우편번호 as a number */
	int day, hour;         /* 주문일시 as an Excel date */
} ss_row;

/* A SmartStore 발주발송관리 download: an instruction line on row 1, the header on row 2,
 * a subset of the real columns in their real order, a sheet named 발주발송관리. */
static void write_smartstore(const char *path, const ss_row *rows, size_t n)
{
	static const char *const hdr[] = {"상품주문번호", "주문번호", "배송방법", "택배사", "송장번호",
					  "구매자명", "수취인명", "주문상태", "결제일", "상품번호",
					  "상품명", "옵션정보", "옵션관리코드", "수량",
					  "최종 상품별 총 주문금액", "수취인연락처1", "통합배송지",
					  "우편번호", "배송메세지", "주문일시"};
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "발주발송관리");
	lxw_format *dt = workbook_add_format(wb);

	format_set_num_format(dt, "yyyy-mm-dd hh:mm:ss");
	worksheet_write_string(ws, 0, 0,
			       "다운로드 받은 파일로 '엑셀 일괄발송' 처리하는 방법", NULL);
	for (size_t c = 0; c < sizeof(hdr) / sizeof(hdr[0]); c++)
		worksheet_write_string(ws, 1, (lxw_col_t)c, hdr[c], NULL);
	for (size_t i = 0; i < n; i++) {
		const ss_row *r = &rows[i];
		lxw_row_t row = (lxw_row_t)(i + 2);
		lxw_datetime when = {2026, 11, r->day, r->hour, 5, 0};

		worksheet_write_string(ws, row, 0, r->line_id, NULL);
		worksheet_write_number(ws, row, 1, r->order_no, NULL);
		worksheet_write_string(ws, row, 2, "택배,등기,소포", NULL);
		worksheet_write_string(ws, row, 5, "김구매", NULL);
		worksheet_write_string(ws, row, 6, "이수취", NULL);
		worksheet_write_string(ws, row, 7, r->status, NULL);
		worksheet_write_number(ws, row, 9, r->product, NULL);
		worksheet_write_string(ws, row, 10, "오버핏 티셔츠", NULL);
		worksheet_write_string(ws, row, 11, r->option, NULL);
		worksheet_write_number(ws, row, 13, r->qty, NULL);
		worksheet_write_number(ws, row, 14, 19800 * r->qty, NULL);
		worksheet_write_number(ws, row, 15, r->phone, NULL);
		worksheet_write_string(ws, row, 16, "서울특별시 중구 세종대로 110", NULL);
		worksheet_write_number(ws, row, 17, r->postal, NULL);
		worksheet_write_datetime(ws, row, 19, &when, dt);
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

static void catalog(env *e)
{
	ok(e, "sku add TEE-BLK-L --name 티셔츠블랙L --stock 5");
	ok(e, "sku add TEE-WHT-M --name 티셔츠화이트M --stock 3");
	ok(e, "channel add smartstore --profile smartstore");
	ok(e, "channel add coupang --profile coupang");
	ok(e, "listing map smartstore 8812345 --option 색상:\x1f블랙\x1f/\x1f사이즈:\x1fL --to TEE-BLK-L");
	ok(e, "listing map smartstore 8812345 --option 색상:\x1f화이트\x1f/\x1f사이즈:\x1fM --to TEE-WHT-M");
	ok(e, "listing map coupang 70000001 --to TEE-BLK-L");
	ok(e, "listing map coupang 70000009 --to TEE-BLK-L*2");
}

static const ss_row FIRST[] = {
	{"2026112900000001", 2026112912345, "결제완료", 8812345, OPT_BLACK_L_NFD, 1, 1012345678, 6234,
	 29, 9},
	{"2026112900000002", 2026112912345, "결제완료", 8812345, "색상: 화이트 / 사이즈: M", 2,
	 1099998888, 4524, 29, 10},
	{"2026112900000003", 2026112912399, "발주확인", 8812345, "색상: 네이비 / 사이즈: L", 1,
	 5041234567, 12345, 29, 11},
};

/* ---- scenarios ----------------------------------------------------------------------- */

static void test_smartstore_xlsx(void **state)
{
	env *e = *state;
	char *f1 = t_path(e->dir, "스마트스토어_전체주문발주발송관리_20261129_1200.xlsx");
	char *f2 = t_path(e->dir, "later.xlsx");
	t_run r;
	ss_row later[] = {FIRST[0], FIRST[1], FIRST[2],
			  {"2026112900000004", 2026112912400, "결제완료", 8812345,
			   "색상: 블랙 / 사이즈: L", 1, 1011112222, 6234, 29, 15}};

	catalog(e);
	write_smartstore(f1, FIRST, 3);
	import(e, &r, f1, NULL, NULL, NULL, NULL);
	T_OK(&r);
	assert_string_equal(t_jstr(r.json, "files/0/format"), "xlsx");
	assert_string_equal(t_jstr(r.json, "files/0/channel"), "smartstore");
	assert_int_equal(fint(&r, "header_row"), 2);
	assert_int_equal(fint(&r, "rows"), 3);
	assert_int_equal(fint(&r, "new"), 3);
	assert_int_equal(fint(&r, "unmatched"), 1);
	assert_string_equal(t_jstr(r.json, "files/0/unmatched_listings/0/option"),
			    "색상: 네이비 / 사이즈: L");
	t_run_free(&r);
	/* Phones and postal codes stored as numbers got their zeros back (read with the
	 * sqlite3 shell or psql, independently of jaego). */
	{
		static const char q[] = "SELECT recipient_phone || '|' || postal_code || '|' ||"
					" product_name || '|' || price FROM order_line ORDER BY id";
		const char *argv[] = {"sqlite3", e->db, q, NULL};
		char set[128], base[1024];
		const char *pg_argv[] = {"psql", "-X", "-q", "-At", "-d", base, "-c", set, "-c", q, NULL};
		char *out = NULL;

		if (t_pg()) {
			const char *tenant = strstr(e->db, "tenant=");

			assert_non_null(tenant);
			snprintf(set, sizeof(set), "SET jaego.tenant = '%s'", tenant + 7);
			snprintf(base, sizeof(base), "%s", t_pg_url());
		}
		assert_int_equal(t_spawn(t_pg() ? pg_argv : argv, NULL, &out), 0);
		assert_string_equal(out, "01012345678|06234|오버핏 티셔츠|19800\n"
					 "01099998888|04524|오버핏 티셔츠|39600\n"
					 "05041234567|12345|오버핏 티셔츠|19800\n");
		jg_free(out);
	}
	/* The NFD option matched the NFC listing; every channel drops with it. */
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 1);
	assert_int_equal(listed(e, "TEE-BLK-L", "coupang"), 4);
	assert_int_equal(sku(e, "TEE-WHT-M", "available"), 1);
	t_check(e->db);

	/* The same download again changes nothing. */
	import(e, &r, f1, NULL, NULL, NULL, NULL);
	T_OK(&r);
	assert_int_equal(fint(&r, "new"), 0);
	assert_int_equal(fint(&r, "duplicates"), 3);
	assert_int_equal(fint(&r, "status_changes"), 0);
	t_run_free(&r);
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 1);

	/* A later, overlapping download: one line cancelled, one shipped, one new. */
	later[0].status = "취소완료";
	later[1].status = "배송중";
	write_smartstore(f2, later, 4);
	import(e, &r, f2, NULL, NULL, NULL, NULL);
	T_OK(&r);
	assert_int_equal(fint(&r, "new"), 1);
	assert_int_equal(fint(&r, "status_changes"), 2);
	assert_int_equal(fint(&r, "duplicates"), 1);
	t_run_free(&r);
	assert_string_equal(status_of(e, "2026112900000001"), "cancelled");
	assert_string_equal(status_of(e, "2026112900000002"), "shipped");
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 1); /* line 1 released, line 4 new */
	assert_int_equal(sku(e, "TEE-WHT-M", "on_hand"), 1);
	assert_int_equal(sku(e, "TEE-WHT-M", "committed"), 0);

	/* The older download once more: older news, nothing moves back. */
	import(e, &r, f1, NULL, NULL, NULL, NULL);
	T_OK(&r);
	assert_int_equal(fint(&r, "duplicates"), 3);
	assert_int_equal(fint(&r, "refused_transitions"), 0);
	t_run_free(&r);
	assert_string_equal(status_of(e, "2026112900000001"), "cancelled");

	/* Mapping the unmatched option applies the waiting line. */
	ok(e, "sku add TEE-NVY-L --name 네이비L --stock 2");
	ok(e, "listing map smartstore 8812345 --option 색상:네이비/사이즈:L --to TEE-NVY-L");
	assert_int_equal(sku(e, "TEE-NVY-L", "committed"), 1);
	t_check(e->db);
	jg_free(f1);
	jg_free(f2);
}

static void test_bad_rows_strict_dry_run(void **state)
{
	env *e = *state;
	char *f = t_path(e->dir, "bad.xlsx");
	t_run r;
	ss_row rows[] = {FIRST[0], FIRST[1], FIRST[2]};

	catalog(e);
	rows[1].qty = 0;          /* not a positive quantity */
	rows[2].status = "이상한상태"; /* unknown status */
	write_smartstore(f, rows, 3);

	/* --strict: the whole file is refused and nothing changes. */
	import(e, &r, f, "--strict", NULL, NULL, NULL);
	assert_int_not_equal(r.status, 0);
	assert_false(json_is_true(json_object_get(json_array_get(json_object_get(r.json, "files"), 0),
						  "applied")));
	assert_int_equal(fint(&r, "rejected_count"), 2);
	t_run_free(&r);
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 0);

	/* --dry-run: the summary without the change. */
	import(e, &r, f, "--dry-run", NULL, NULL, NULL);
	assert_int_equal(fint(&r, "new"), 1);
	t_run_free(&r);
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 0);

	/* Default: the good row applies; each bad one is named by row, column and reason. */
	import(e, &r, f, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 1); /* rows were rejected */
	assert_int_equal(fint(&r, "new"), 1);
	assert_int_equal(fint(&r, "rejected_count"), 2);
	assert_int_equal(t_jint(r.json, "files/0/rejected/0/row"), 4);
	assert_int_equal(t_jint(r.json, "files/0/rejected/0/column"), 14);
	assert_string_equal(t_jstr(r.json, "files/0/rejected/0/header"), "수량");
	assert_int_equal(t_jint(r.json, "files/0/rejected/1/row"), 5);
	assert_int_equal(t_jint(r.json, "files/0/rejected/1/column"), 8);
	assert_non_null(strstr(t_jstr(r.json, "files/0/rejected/1/reason"), "이상한상태"));
	t_run_free(&r);
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 1);
	t_check(e->db);
	jg_free(f);
}

static void test_dry_run_oversold_and_rounded_id(void **state)
{
	env *e = *state;
	char *f = t_path(e->dir, "big.xlsx");
	lxw_workbook *wb;
	lxw_worksheet *ws;
	t_run r;

	catalog(e);
	/* A line id stored as a 16-digit number was rounded by the spreadsheet. */
	wb = workbook_new(f);
	ws = workbook_add_worksheet(wb, NULL);
	worksheet_write_string(ws, 0, 0, "상품주문번호", NULL);
	worksheet_write_string(ws, 0, 1, "주문번호", NULL);
	worksheet_write_string(ws, 0, 2, "상품번호", NULL);
	worksheet_write_string(ws, 0, 3, "옵션정보", NULL);
	worksheet_write_string(ws, 0, 4, "수량", NULL);
	worksheet_write_string(ws, 0, 5, "주문상태", NULL);
	worksheet_write_number(ws, 1, 0, 2026112900000099.0, NULL);
	worksheet_write_string(ws, 2, 0, "2026112900000100", NULL);
	for (int row = 1; row <= 2; row++) {
		worksheet_write_string(ws, (lxw_row_t)row, 1, "X", NULL);
		worksheet_write_string(ws, (lxw_row_t)row, 2, "8812345", NULL);
		worksheet_write_string(ws, (lxw_row_t)row, 3, "색상: 블랙 / 사이즈: L", NULL);
		worksheet_write_number(ws, (lxw_row_t)row, 4, 7, NULL);
		worksheet_write_string(ws, (lxw_row_t)row, 5, "결제완료", NULL);
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

	/* An earlier import that oversold: its line must not count in the next summary. */
	ok(e, "order add smartstore OLD-1 --product 8812345 --option 색상:블랙/사이즈:L --qty 9");
	import(e, &r, f, "--dry-run", NULL, NULL, NULL);
	assert_int_equal(fint(&r, "rejected_count"), 1);
	assert_int_equal(t_jint(r.json, "files/0/rejected/0/row"), 2);
	assert_non_null(strstr(t_jstr(r.json, "files/0/rejected/0/reason"), "rounded"));
	assert_int_equal(fint(&r, "new"), 1);
	assert_int_equal(fint(&r, "oversold"), 1); /* this file's line only, not OLD-1 */
	t_run_free(&r);
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 9); /* the dry run left no trace */
	t_check(e->db);
	jg_free(f);
}

static void test_encrypted_smartstore(void **state)
{
	env *e = *state;
	char *plain = t_path(e->dir, "plain.xlsx"), *enc = t_path(e->dir, "enc.xlsx");
	const char *script = JG_TEST_SOURCE_DIR "/tests/tools/encrypt.js";
	const char *argv[] = {"node", script, "agile", "1234", plain, enc, NULL};
	t_run r;

	catalog(e);
	write_smartstore(plain, FIRST, 2);
	assert_int_equal(t_spawn(argv, NULL, NULL), 0);

	t_jaego(&r, e->db, NULL, "import", enc, NULL);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "--password"));
	t_run_free(&r);
	t_jaego(&r, e->db, NULL, "import", enc, "--password", "0000", NULL);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "wrong password"));
	t_run_free(&r);
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 0);

	import(e, &r, enc, "--password", "1234", NULL, NULL);
	T_OK(&r);
	assert_string_equal(t_jstr(r.json, "files/0/format"), "xlsx-encrypted");
	assert_int_equal(fint(&r, "new"), 2);
	t_run_free(&r);
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 1);
	t_check(e->db);
	jg_free(plain);
	jg_free(enc);
}

/* Coupang's DeliveryList as CP949 CSV (an older layout: 구매수 instead of 구매수(수량)),
 * with a bundle option and an unknown option, imported without naming the channel. */
static void test_coupang_cp949_bundle(void **state)
{
	env *e = *state;
	char *utf8 = t_path(e->dir, "u.csv"), *cp = t_path(e->dir, "DeliveryList(2026-11-29).csv");
	const char *argv[] = {"iconv", "-f", "UTF-8", "-t", "CP949", "-o", cp, utf8, NULL};
	t_run r;

	catalog(e);
	t_write(utf8, "번호,묶음배송번호,주문번호,택배사,운송장번호,출고일(발송일),주문일,"
		      "노출상품명(옵션명),옵션ID,업체상품코드,구매수,결제액,수취인이름,수취인전화번호,"
		      "우편번호,수취인 주소\r\n"
		      "1,510001,9100001,,,,2026-11-29 09:00:00,티셔츠 2장 세트,70000009,SET,1,"
		      "\"35,000\",최수취,010-2222-3333,04524,부산\r\n"
		      "2,510001,9100001,,,,2026-11-29 09:00:00,티셔츠 블랙 L,70000001,A,2,"
		      "\"39,600\",최수취,010-2222-3333,04524,부산\r\n"
		      "3,510002,9100002,CJ대한통운,612345678901,2026-11-29,2026-11-28 18:00:00,"
		      "양말,70000077,S,1,5000,강,010-1,06234,서울\r\n");
	assert_int_equal(t_spawn(argv, NULL, NULL), 0);
	import(e, &r, cp, NULL, NULL, NULL, NULL);
	T_OK(&r);
	assert_string_equal(t_jstr(r.json, "files/0/channel"), "coupang");
	assert_int_equal(fint(&r, "new"), 3);
	assert_int_equal(fint(&r, "unmatched"), 1);
	t_run_free(&r);
	/* 2 (bundle) + 2 (singles) committed from TEE-BLK-L's 5. */
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 4);
	assert_int_equal(listed(e, "TEE-BLK-L", "smartstore"), 1);
	/* The shipped line (출고일 set) is unmatched: it waits, holding no stock. */
	assert_string_equal(status_of(e, "510002-70000077"), "shipped");
	t_check(e->db);
	jg_free(utf8);
	jg_free(cp);
}

/* An 11st download that is really an HTML table in CP949, with no line id column (the
 * line is 주문번호 + 주문순번) and a merged cell. */
static void test_html_xls_11st(void **state)
{
	env *e = *state;
	char *utf8 = t_path(e->dir, "u.html"), *xls = t_path(e->dir, "11st_orders.xls");
	const char *argv[] = {"iconv", "-f", "UTF-8", "-t", "CP949", "-o", xls, utf8, NULL};
	t_run r;

	catalog(e);
	ok(e, "channel add 11st --profile 11st");
	ok(e, "listing map 11st 4001 --option 블랙-L --to TEE-BLK-L");
	t_write(utf8, "<html><head><meta http-equiv=\"Content-Type\" content=\"application/"
		      "vnd.ms-excel; charset=euc-kr\"><style>.t{mso-number-format:\\@}</style></head>"
		      "<body><table><tr><td>판매자 주문 목록</td></tr></table>"
		      "<table border=1>"
		      "<tr><th>주문번호</th><th>주문순번</th><th>주문상태</th><th>상품번호</th>"
		      "<th>상품명</th><th>옵션</th><th>수량</th><th>수취인</th><th>주소</th></tr>"
		      "<tr><td rowspan=2 class=t>20261129001</td><td>1</td><td>결제완료</td>"
		      "<td>4001</td><td>티셔츠</td><td>블랙-L</td><td>1</td><td>홍길동</td>"
		      "<td>서울</td></tr>"
		      "<tr><td>2</td><td>결제완료</td><td>4001</td><td>티셔츠</td><td>블랙-L</td>"
		      "<td>1</td><td>홍길동</td><td>서울</td></tr>"
		      "</table></body></html>");
	assert_int_equal(t_spawn(argv, NULL, NULL), 0);
	import(e, &r, xls, "--channel", "11st", NULL, NULL);
	T_OK(&r);
	assert_string_equal(t_jstr(r.json, "files/0/format"), "html");
	assert_int_equal(fint(&r, "new"), 2);
	t_run_free(&r);
	assert_string_equal(status_of(e, "20261129001-2"), "open");
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 2);
	t_check(e->db);
	jg_free(utf8);
	jg_free(xls);
}

/* A legacy .xls (BIFF8) written by python3-xlwt, read with the generic profile. */
static void test_xls_generic(void **state)
{
	env *e = *state;
	char *xls = t_path(e->dir, "orders.xls");
	const char *argv[] = {
		"/usr/bin/python3", "-c",
		"import sys, xlwt, datetime\n"
		"wb = xlwt.Workbook(encoding='utf-8'); ws = wb.add_sheet('주문')\n"
		"ws.write(0, 0, '주문 내역 (자사몰)')\n"
		"for c, h in enumerate(['주문번호', '상품코드', '옵션', '수량', '주문상태', '주문일시']):\n"
		"    ws.write(1, c, h)\n"
		"fmt = xlwt.easyxf(num_format_str='YYYY-MM-DD HH:MM')\n"
		"ws.write(2, 0, 30001); ws.write(2, 1, 'P-1'); ws.write(2, 2, '');\n"
		"ws.write(2, 3, 2); ws.write(2, 4, '신규주문');\n"
		"ws.write(2, 5, datetime.datetime(2026, 11, 29, 8, 30), fmt)\n"
		"ws.write(3, 0, 30002); ws.write(3, 1, 'P-1'); ws.write(3, 3, 1);\n"
		"ws.write(3, 4, '취소완료'); ws.write(3, 5, '2026.11.29 09:10')\n"
		"wb.save(sys.argv[1])\n",
		xls, NULL};
	t_run r;

	catalog(e);
	ok(e, "channel add mymall --profile generic");
	ok(e, "listing map mymall P-1 --to TEE-WHT-M");
	assert_int_equal(t_spawn(argv, NULL, NULL), 0);
	/* generic is never detected: without --channel the file is refused... */
	t_jaego(&r, e->db, NULL, "import", xls, NULL);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "no profile recognises"));
	t_run_free(&r);
	/* ...with it, it reads. The id 30001 was a number: no ".0" in the line id. */
	import(e, &r, xls, "--channel", "mymall", NULL, NULL);
	T_OK(&r);
	assert_string_equal(t_jstr(r.json, "files/0/format"), "xls");
	assert_int_equal(fint(&r, "header_row"), 2);
	assert_int_equal(fint(&r, "new"), 2);
	t_run_free(&r);
	assert_string_equal(status_of(e, "30001"), "open");
	assert_string_equal(status_of(e, "30002"), "cancelled");
	assert_int_equal(sku(e, "TEE-WHT-M", "committed"), 2);
	t_jaego(&r, e->db, NULL, "--json", "order", "list", NULL);
	/* 2026-11-29 08:30 KST is 2026-11-28 23:30 UTC. */
	assert_int_equal(json_integer_value(json_object_get(line_of(&r, "30001"), "ordered_at")),
			 1795908600000LL);
	t_run_free(&r);
	t_check(e->db);
	jg_free(xls);
}

/* Gmarket and Auction share ESM's layout: without --channel the file is ambiguous. */
static void test_esm_ambiguous_and_claims(void **state)
{
	env *e = *state;
	char *f = t_path(e->dir, "발송관리.csv"), *claims = t_path(e->dir, "claims.csv");
	t_run r;

	catalog(e);
	ok(e, "channel add gmarket --profile gmarket");
	ok(e, "channel add auction --profile auction");
	ok(e, "listing map gmarket 2233445566 --option 블랙/L --to TEE-BLK-L");
	t_write(f, "주문일자,주문번호,구매자명,상품번호,상품명,수량,주문옵션,판매금액,"
		   "장바구니번호(결제번호),수령인명\n"
		   "2026-11-29,3344556677,김,2233445566,티셔츠,1,블랙/L,19800,88001,이\n"
		   "2026-11-29,3344556678,김,2233445566,티셔츠,1,블랙/L,19800,88001,이\n"
		   "합계,,,,,,,39600,,\n");
	t_jaego(&r, e->db, NULL, "import", f, NULL);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "--channel"));
	assert_non_null(strstr(r.err, "auction"));
	t_run_free(&r);
	import(e, &r, f, "--channel", "gmarket", NULL, NULL);
	T_OK(&r);
	assert_int_equal(fint(&r, "new"), 2);
	assert_int_equal(fint(&r, "ignored"), 1); /* the totals line */
	t_run_free(&r);
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 2);

	/* A separate cancel list naming one of those lines (and an unknown one). */
	t_write(claims, "주문번호,클레임구분\n3344556677,취소완료\n9999,취소완료\n");
	import(e, &r, claims, "--channel", "gmarket", "--profile", "generic-claims", NULL);
	assert_int_equal(fint(&r, "status_changes"), 1);
	assert_int_equal(fint(&r, "rejected_count"), 1);
	t_run_free(&r);
	assert_string_equal(status_of(e, "3344556677"), "cancelled");
	assert_int_equal(sku(e, "TEE-BLK-L", "committed"), 1);
	/* The same list again changes nothing. */
	import(e, &r, claims, "--channel", "gmarket", "--profile", "generic-claims", NULL);
	assert_int_equal(fint(&r, "status_changes"), 0);
	assert_int_equal(fint(&r, "duplicates"), 1);
	t_run_free(&r);
	t_check(e->db);
	jg_free(f);
	jg_free(claims);
}

/* Shopify: one row per line item, order fields on the first row only. */
static void test_shopify_fill_down(void **state)
{
	env *e = *state;
	char *f = t_path(e->dir, "orders_export.csv");
	t_run r;

	catalog(e);
	ok(e, "channel add shopify --profile shopify");
	ok(e, "listing map shopify TEE-BLK-L --to TEE-BLK-L");
	ok(e, "listing map shopify TEE-WHT-M --to TEE-WHT-M");
	t_write(f, "Name,Email,Financial Status,Created at,Lineitem quantity,Lineitem name,"
		   "Lineitem price,Lineitem sku,Lineitem fulfillment status,Cancelled at\n"
		   "#1001,a@example.com,paid,2026-11-29 10:00:00 +0900,1,Tee L,25.00,TEE-BLK-L,"
		   "pending,\n"
		   "#1001,,,,2,Tee M,25.00,TEE-WHT-M,pending,\n"
		   "#1002,b@example.com,refunded,2026-11-29 11:00:00 +0900,1,Tee L,25.00,"
		   "TEE-BLK-L,pending,2026-11-29 12:00:00 +0900\n");
	import(e, &r, f, NULL, NULL, NULL, NULL);
	T_OK(&r);
	assert_int_equal(fint(&r, "new"), 3);
	t_run_free(&r);
	assert_string_equal(status_of(e, "#1001-1"), "open");
	assert_string_equal(status_of(e, "#1001-2"), "open");
	assert_string_equal(status_of(e, "#1002-1"), "cancelled");
	assert_int_equal(sku(e, "TEE-WHT-M", "committed"), 2);
	t_jaego(&r, e->db, NULL, "--json", "order", "list", NULL);
	/* The second row's time was carried down from the first. */
	assert_int_equal(json_integer_value(json_object_get(line_of(&r, "#1001-2"), "ordered_at")),
			 json_integer_value(json_object_get(line_of(&r, "#1001-1"), "ordered_at")));
	t_run_free(&r);
	t_check(e->db);
	jg_free(f);
}

static void test_unknown_file_and_profile_check(void **state)
{
	env *e = *state;
	char *f = t_path(e->dir, "weird.csv"), *p = t_path(e->dir, "weird.json");
	t_run r;

	catalog(e);
	t_write(f, "주문코드,품번,개수,상태\nW-1,8812345,1,접수\n");
	t_jaego(&r, e->db, NULL, "import", f, NULL);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "no profile recognises"));
	t_run_free(&r);

	/* A seller writes a profile for this mall, without rebuilding. */
	t_write(p, "{\"name\": \"weird\", \"signature\": [\"주문코드\", \"품번\"],"
		   " \"fields\": {\"line_id\": \"주문코드\", \"product_id\": \"품번\","
		   " \"qty\": \"개수\", \"status\": \"상태\"},"
		   " \"status\": {\"접수\": \"open\", \"취소\": \"cancelled\"}}");
	ok(e, "profile add %s", p);
	t_jaego(&r, e->db, NULL, "--json", "profile", "check", f, NULL);
	T_OK(&r);
	assert_string_equal(t_jstr(r.json, "best"), "weird");
	assert_int_equal(t_jint(r.json, "fields/qty/column"), 3);
	t_run_free(&r);
	ok(e, "channel add weird --profile weird");
	ok(e, "listing map weird 8812345 --to TEE-WHT-M");
	import(e, &r, f, NULL, NULL, NULL, NULL);
	T_OK(&r);
	assert_int_equal(fint(&r, "new"), 1);
	t_run_free(&r);
	assert_int_equal(sku(e, "TEE-WHT-M", "committed"), 1);

	/* A broken profile is refused with the reason. */
	t_write(p, "{\"name\": \"weird2\", \"fields\": {\"product_id\": \"품번\"}}");
	t_jaego(&r, e->db, NULL, "profile", "add", p, NULL);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "line id"));
	t_run_free(&r);
	jg_free(f);
	jg_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_smartstore_xlsx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_rows_strict_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_oversold_and_rounded_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encrypted_smartstore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coupang_cp949_bundle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_xls_11st, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xls_generic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_esm_ambiguous_and_claims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shopify_fill_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_file_and_profile_check, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
