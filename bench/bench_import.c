/* SPDX-License-Identifier: MIT */
/*
 * The import benchmark: a day's order files from ten channels applied to the store. It
 * writes, with real writers, ten files in the channels' own layouts (SmartStore xlsx with
 * shared strings and the header on row 2, Coupang xlsx with inline strings from
 * libxlsxwriter; Gmarket and an own mall .xls from python3-xlwt; Auction and Cafe24 CSV with
 * a BOM, 11st CSV turned into CP949 by iconv, Shopify and eBay CSV, an Amazon TSV), 50,000
 * orders of 1-3 lines (about 85,000 rows) with Korean names, addresses and options, some
 * bundles and a few percent of lines for listings nobody mapped. It builds the catalogue
 * through the library API (2,000 SKUs, about 20,000 listings on ten channels, bundles
 * included) into a template database, then, in a fresh child process on a fresh copy of
 * it, imports the ten files with one jg_intake_files call, as `jaego import FILE...` does
 * (each file one durable transaction, the store's synchronous=FULL; the next rows and files
 * are read on a second thread while the current ones are applied) and reports each file's
 * time and the whole wall time from spawn to exit, rows/s and the child's peak RSS; median of --runs. The baseline,
 * bench/baseline_import.py, is what a seller writes (openpyxl read-only, xlrd, the csv
 * module, sqlite3 with an orders table and a stock table updated per line), run in the same
 * invocation on the same files, once with synchronous=OFF and once durable (synchronous=
 * FULL), one commit per file either way, median of --baseline-runs; the runs of both sides
 * are interleaved so that each sees the same machine. Both must agree on rows, new lines,
 * unmatched lines and the stock they commit and ship, or the run fails. Files are
 * deterministic and reused when present (--regen writes them again); databases are removed
 * unless --keep.
 *
 * With --db postgres://... the runs import into PostgreSQL instead: each run gets a fresh
 * tenant (bench_<pid>_<run>) of that database, filled from the template by jg_store_copy
 * (untimed, as the file copy is), and the child imports into it exactly as above. The
 * tenants are left in the database: point --db at a scratch database.
 */
#define _DEFAULT_SOURCE /* wait4, gmtime_r */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "common.h"
#include "jaego/intake.h"
#include "jaego/jaego.h"

extern char **environ;

#define N_SKU       2000
#define N_BUNDLE    100
#define MAX_COLS    48
#define MAX_RUNS    9
#define DAY_KST     1795878000LL /* 2026-11-29 00:00 KST in Unix seconds */
#define ORDERS_FULL 50000

/* ---- the channels ------------------------------------------------------------------------ */

enum { SS, CP, GM, AU, ST, C24, SH, AM, EB, MM, NCH };

typedef struct chan {
	const char *name, *profile, *file, *kind;
	int64_t orders;    /* of the full 50,000 */
	bool give_channel; /* the file cannot tell its channel (ESM twins, the generic profile) */
	bool english;      /* buyers abroad: English names and addresses, USD prices */
} chan;

static const chan CH[NCH] = {
	{"smartstore", "smartstore", "스마트스토어_발주발송관리_20261129.xlsx",
	 "xlsx (shared strings)", 15000, false, false},
	{"coupang", "coupang", "DeliveryList(2026-11-29).xlsx", "xlsx (inline strings)", 12000,
	 false, false},
	{"gmarket", "gmarket", "G마켓_발송관리_20261129.xls", "xls (BIFF8)", 4000, true, false},
	{"auction", "auction", "옥션_발송관리_20261129.csv", "CSV UTF-8 BOM", 3000, true, false},
	{"11st", "11st", "11번가_발송처리_20261129.csv", "CSV CP949", 4000, false, false},
	{"cafe24", "cafe24", "cafe24_주문조회_20261129.csv", "CSV UTF-8 BOM", 4000, false, false},
	{"shopify", "shopify", "orders_export_1.csv", "CSV", 2500, false, true},
	{"amazon", "amazon", "NewOrders_20261129.txt", "TSV", 2000, false, true},
	{"ebay", "ebay", "eBay-OrdersReport-Nov-29-2026.csv", "CSV", 1500, false, true},
	{"mymall", "generic", "자사몰_주문내역_20261129.xls", "xls (BIFF8)", 2000, true, false},
};

/* ---- small helpers ----------------------------------------------------------------------- */

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "bench_import: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static void check(int rc, const char *what, const jg_err *e)
{
	if (rc)
		die(what, e->msg[0] ? e->msg : jg_strerror(rc));
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t h2(uint64_t a, uint64_t b)
{
	return mix(a * 0x9e3779b97f4a7c15ULL + b + 0x6a6165676fULL);
}

/* A printf into a fixed buffer; truncation is a bug in this file. */
static void fmt(char *out, size_t outsz, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *out, size_t outsz, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, outsz, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outsz)
		die("text too long", out);
}

/* How a channel writes a time. */
typedef enum wstyle {
	W_KST,      /* 2026-11-29 14:05:06, KST */
	W_KST_DAY,  /* 2026-11-29 */
	W_KST_DOT,  /* 2026.11.29 14:05 */
	W_KST_ZONE, /* 2026-11-29 14:05:06 +0900 (Shopify) */
	W_UTC_ISO,  /* 2026-11-29T05:05:06+00:00 (Amazon) */
	W_UTC_MDY,  /* 11/29/26 05:05 (eBay) */
	W_UTC_MDY_DAY
} wstyle;

/* Formats `t` (Unix seconds) in the style. */
static void when(char *out, size_t outsz, int64_t t, wstyle w)
{
	bool kst = w == W_KST || w == W_KST_DAY || w == W_KST_DOT || w == W_KST_ZONE;
	time_t x = (time_t)(t + (kst ? 9 * 3600 : 0));
	struct tm tm;
	int y, mo, d, h, mi, se;

	gmtime_r(&x, &tm);
	y = tm.tm_year + 1900, mo = tm.tm_mon + 1, d = tm.tm_mday;
	h = tm.tm_hour, mi = tm.tm_min, se = tm.tm_sec;
	switch (w) {
	case W_KST: fmt(out, outsz, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, se); break;
	case W_KST_DAY: fmt(out, outsz, "%04d-%02d-%02d", y, mo, d); break;
	case W_KST_DOT: fmt(out, outsz, "%04d.%02d.%02d %02d:%02d", y, mo, d, h, mi); break;
	case W_KST_ZONE:
		fmt(out, outsz, "%04d-%02d-%02d %02d:%02d:%02d +0900", y, mo, d, h, mi, se);
		break;
	case W_UTC_ISO:
		fmt(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", y, mo, d, h, mi, se);
		break;
	case W_UTC_MDY: fmt(out, outsz, "%02d/%02d/%02d %02d:%02d", mo, d, y % 100, h, mi); break;
	case W_UTC_MDY_DAY: fmt(out, outsz, "%02d/%02d/%02d", mo, d, y % 100); break;
	}
}

/* ---- the catalogue ------------------------------------------------------------------------ */

static const char *const ADJ_KO[] = {"오버핏", "베이직",   "남녀공용", "프리미엄", "데일리",
				     "루즈핏", "스탠다드", "빅사이즈", "슬림핏",   "시그니처"};
static const char *const CAT_KO[] = {
	"맨투맨 티셔츠", "후드 집업",     "와이드 슬랙스",  "니트 가디건",    "데님 자켓",
	"린넨 셔츠",     "기모 조거팬츠", "경량 패딩 조끼", "울 블렌드 코트", "반팔 라운드 티셔츠"};
static const char *const ADJ_EN[] = {"Overfit", "Basic",    "Unisex",   "Premium",  "Daily",
				     "Loose",   "Standard", "Big Size", "Slim Fit", "Signature"};
static const char *const CAT_EN[] = {
	"Sweatshirt",  "Zip Hoodie",     "Wide Slacks",       "Knit Cardigan",   "Denim Jacket",
	"Linen Shirt", "Fleece Joggers", "Light Padded Vest", "Wool Blend Coat", "Round Neck Tee"};
static const char *const COLOR_KO[] = {"블랙",   "화이트", "네이비",   "베이지",
				       "그레이", "카키",   "아이보리", "차콜"};
static const char *const COLOR_EN[] = {"Black", "White", "Navy",  "Beige",
				       "Gray",  "Khaki", "Ivory", "Charcoal"};
static const char *const COLOR_CODE[] = {"BK", "WH", "NV", "BE", "GY", "KH", "IV", "CH"};
static const char *const SIZE[] = {"S", "M", "L", "XL", "2XL"};

static int color_of(int s)
{
	return (s / 4 + (s % 4 / 2) * 3) % 8;
}

static int size_of(int s)
{
	return (s / 4 + (s % 4 % 2) * 2) % 5;
}

static void sku_code(char *out, size_t n, int s)
{
	fmt(out, n, "JG%03d-%s-%s", s / 4, COLOR_CODE[color_of(s)], SIZE[size_of(s)]);
}

static void product_name(char *out, size_t n, int p, bool en)
{
	if (en)
		fmt(out, n, "%s %s JG%03d", ADJ_EN[p % 10], CAT_EN[p / 10 % 10], p);
	else
		fmt(out, n, "%s %s JG%03d", ADJ_KO[p % 10], CAT_KO[p / 10 % 10], p);
}

static int64_t sku_price(int s)
{
	return 12900 + (int64_t)((s / 4 * 7919) % 40) * 1000;
}

static int64_t sku_stock(int s)
{
	return 30 + (int64_t)(mix((uint64_t)s + 77) % 90);
}

/* Bundle b: two of one SKU (b < 50) or a set of two SKUs. */
static int bundle_parts(int b, int sku[2], int qty[2])
{
	if (b < N_BUNDLE / 2) {
		sku[0] = (b * 37 + 11) % N_SKU;
		qty[0] = 2;
		return 1;
	}
	sku[0] = (b * 53 + 7) % N_SKU;
	sku[1] = (sku[0] + 4) % N_SKU;
	qty[0] = qty[1] = 1;
	return 2;
}

static int64_t bundle_price(int b)
{
	int sku[2], qty[2], n = bundle_parts(b, sku, qty);
	int64_t sum = 0;

	for (int i = 0; i < n; i++)
		sum += sku_price(sku[i]) * qty[i];
	return sum * 9 / 1000 * 100;
}

/* A single SKU is not listed on a channel one time in twenty. */
static bool unlisted(int ch, int s)
{
	return h2((uint64_t)ch * 7777 + 1, (uint64_t)s) % 20 == 0;
}

/* An item of an order line: a SKU (>= 0) or a bundle (-1 - b). */
static void item_pid(char *out, size_t n, int ch, int it)
{
	int b = -1 - it, s = it, p = it / 4;

	if (it < 0) {
		switch (ch) {
		case SS: fmt(out, n, "%lld", 8899000000LL + b); break;
		case CP: fmt(out, n, "%lld", 79000000000LL + b * 3); break;
		case GM: fmt(out, n, "%lld", 2190000000LL + b); break;
		case AU: fmt(out, n, "C5%08d", b); break;
		case ST: fmt(out, n, "%lld", 3900000000LL + b); break;
		case C24: fmt(out, n, "P0000S%02X000A", b); break;
		case SH:
		case AM: fmt(out, n, "SET-%03d", b); break;
		case EB: fmt(out, n, "%lld", 125900000000LL + b); break;
		default: fmt(out, n, "MS-%03d", b); break;
		}
		return;
	}
	switch (ch) {
	case SS: fmt(out, n, "%lld", 8800000000LL + p * 7); break;
	case CP: fmt(out, n, "%lld", 70000000000LL + s * 3); break;
	case GM: fmt(out, n, "%lld", 2100000000LL + p * 13); break;
	case AU: fmt(out, n, "B%09d", 500000000 + p * 11); break;
	case ST: fmt(out, n, "%lld", 3000000000LL + p * 17); break;
	case C24: fmt(out, n, "P0000%03X000%c", p, 'A' + s % 4); break;
	case SH:
	case AM: sku_code(out, n, s); break;
	case EB: fmt(out, n, "%lld", 125000000000LL + p * 19); break;
	default: fmt(out, n, "M-%04d", p); break;
	}
}

static void item_option(char *out, size_t n, int ch, int it)
{
	const char *c = it >= 0 ? COLOR_KO[color_of(it)] : "",
		   *z = it >= 0 ? SIZE[size_of(it)] : "";
	bool two = it < 0 && -1 - it < N_BUNDLE / 2;

	if (it < 0) {
		if (ch == SS)
			fmt(out, n, "구성: %s", two ? "2개 묶음" : "세트");
		else if (ch == MM)
			fmt(out, n, "%s", two ? "2개 묶음" : "세트");
		else
			out[0] = '\0';
		return;
	}
	switch (ch) {
	case SS: fmt(out, n, "색상: %s / 사이즈: %s", c, z); break;
	case GM:
	case AU: fmt(out, n, "색상:%s/사이즈:%s", c, z); break;
	case ST: fmt(out, n, "색상:%s,사이즈:%s", c, z); break;
	case C24: fmt(out, n, "색상=%s, 사이즈=%s", c, z); break;
	case EB: fmt(out, n, "Color=%s,Size=%s", COLOR_EN[color_of(it)], z); break;
	case MM: fmt(out, n, "%s / %s", c, z); break;
	default: out[0] = '\0'; break;
	}
}

static void item_name(char *out, size_t n, int ch, int it)
{
	char base[128];
	int sku[2], qty[2];

	if (it >= 0) {
		product_name(out, n, it / 4, CH[ch].english);
		return;
	}
	if (bundle_parts(-1 - it, sku, qty) == 1) {
		product_name(base, sizeof(base), sku[0] / 4, CH[ch].english);
		fmt(out, n, CH[ch].english ? "[2-Pack] %s" : "[2개 묶음] %s", base);
	} else {
		product_name(base, sizeof(base), sku[0] / 4, CH[ch].english);
		fmt(out, n, CH[ch].english ? "[Set] %s + 1" : "[세트] %s 외 1종", base);
	}
}

static void item_code(char *out, size_t n, int it)
{
	if (it >= 0)
		sku_code(out, n, it);
	else
		fmt(out, n, "SET-%03d", -1 - it);
}

static int64_t item_price(int ch, int it)
{
	int64_t krw = it >= 0 ? sku_price(it) : bundle_price(-1 - it);

	return CH[ch].english ? krw / 1300 * 100 + 90 : krw; /* USD in cents */
}

/* ---- the orders --------------------------------------------------------------------------- */

enum { OPEN, SHIPPED, CANCELLED };

typedef struct line {
	int32_t order, item, qty;
	int8_t seq, status;
} line;

typedef struct lines {
	line *v;
	int64_t n, orders;
} lines;

/* A popular SKU the channel lists: half the draws favour the first SKUs of a shuffled
 * order (the season's hits), half are uniform. */
static int pick_single(int ch, uint64_t h)
{
	double u = (double)(h >> 11) / 9007199254740992.0;
	int s = (int)(N_SKU * ((h & 1) ? u * u : u)) % N_SKU;

	s = (int)(((int64_t)s * 7919 + 13) % N_SKU);
	while (unlisted(ch, s))
		s = (s + 1) % N_SKU;
	return s;
}

static int pick_unlisted(int ch, uint64_t h)
{
	int s = (int)(h % N_SKU);

	while (!unlisted(ch, s))
		s = (s + 1) % N_SKU;
	return s;
}

static void gen_lines(lines *out, int ch, int64_t orders)
{
	int64_t cap = orders * 3;

	out->v = jg_calloc((size_t)cap, sizeof(line));
	if (!out->v)
		die("out of memory", NULL);
	out->n = 0;
	out->orders = orders;
	for (int64_t o = 0; o < orders; o++) {
		uint64_t h = h2((uint64_t)ch, (uint64_t)o);
		int nl = h % 100 < 45 ? 1 : h % 100 < 85 ? 2 : 3;
		int st = (h >> 8) % 100 < 85 ? OPEN : (h >> 8) % 100 < 97 ? SHIPPED : CANCELLED;
		int items[3];

		/* Coupang's delivery list and eBay's report carry no cancelled lines. */
		if (st == CANCELLED && (ch == CP || ch == EB))
			st = OPEN;
		for (int k = 0; k < nl; k++) {
			line *l = &out->v[out->n++];
			int it = 0;

			for (int tries = 0; tries < 8; tries++) {
				uint64_t g = h2(h, (uint64_t)(k * 8 + tries));
				int r = (int)(g % 1000);
				bool dup = false;

				if (r < 30)
					it = pick_unlisted(ch, mix(g));
				else if (r < 80)
					it = -1 - (int)(mix(g) % N_BUNDLE);
				else
					it = pick_single(ch, mix(g));
				for (int j = 0; j < k; j++)
					dup |= items[j] == it;
				if (!dup)
					break;
			}
			items[k] = it;
			l->order = (int32_t)o;
			l->seq = (int8_t)(k + 1);
			l->item = it;
			l->qty = (h >> (20 + k * 7)) % 100 < 82   ? 1
				 : (h >> (20 + k * 7)) % 100 < 95 ? 2
								  : 3;
			l->status = (int8_t)st;
		}
	}
}

/* The order's buyer and recipient, deterministic per (channel, order). */
typedef struct person {
	char buyer[64], recipient[64], buyer_id[32], email[64];
	char phone1[24], phone2[24], postal[8], addr[192], city[32], state[8], msg[96];
	bool phone_as_number, postal_as_number;
} person;

static const char *const SUR[] = {"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임",
				  "한", "오", "서", "신", "권", "황", "안", "송", "류", "홍"};
static const char *const GIVEN[] = {"민준", "서연", "도윤", "하은", "시우", "지유", "예준",
				    "수아", "주원", "채원", "지호", "지민", "현우", "유진",
				    "건우", "서윤", "우진", "민서", "선우", "하린"};
static const char *const ROAD[] = {
	"서울특별시 강남구 테헤란로",    "서울특별시 마포구 월드컵북로",
	"서울특별시 송파구 올림픽로",    "부산광역시 해운대구 센텀중앙로",
	"경기도 성남시 분당구 판교역로", "경기도 수원시 영통구 광교중앙로",
	"인천광역시 연수구 송도과학로",  "대구광역시 수성구 달구벌대로",
	"대전광역시 유성구 대학로",      "광주광역시 서구 상무중앙로",
	"경기도 고양시 일산동구 중앙로", "제주특별자치도 제주시 연삼로"};
static const char *const APT[] = {"래미안", "자이", "푸르지오", "힐스테이트", "아이파크"};
static const char *const MSG[] = {"문 앞에 놓아주세요",     "부재 시 경비실에 맡겨주세요",
				  "배송 전 연락 바랍니다",  "",
				  "파손 주의 부탁드립니다", "",
				  "택배함에 넣어주세요",    ""};
static const char *const FIRST[] = {"Emma",  "Liam",   "Olivia", "Noah", "Ava",
				    "James", "Sophia", "Lucas",  "Mia",  "Ethan"};
static const char *const LAST[] = {"Smith",  "Johnson", "Kim",    "Lee",  "Park",
				   "Garcia", "Brown",   "Wilson", "Chen", "Nguyen"};
static const char *const STREET[] = {"Maple Ave", "Oak St", "Pine Rd", "Cedar Ln", "Elm St"};
static const char *const CITY[] = {"Los Angeles", "New York", "Seattle", "Houston", "Chicago"};
static const char *const STATE[] = {"CA", "NY", "WA", "TX", "IL"};
static const int ZIP[] = {90012, 10001, 98101, 77002, 60601};

static void person_of(person *p, int ch, int64_t order)
{
	uint64_t h = h2((uint64_t)ch + 100, (uint64_t)order);
	int a = (int)(h % 20), b = (int)((h >> 5) % 20), c = (int)((h >> 10) % 20),
	    d = (int)((h >> 15) % 20);

	memset(p, 0, sizeof(*p));
	if (CH[ch].english) {
		int k = (int)((h >> 20) % 5);

		fmt(p->buyer, sizeof(p->buyer), "%s %s", FIRST[a % 10], LAST[b % 10]);
		fmt(p->recipient, sizeof(p->recipient), "%s %s",
		    FIRST[(h >> 25) % 2 ? a % 10 : c % 10], LAST[b % 10]);
		fmt(p->email, sizeof(p->email), "%s.%s%u@example.com", FIRST[a % 10], LAST[b % 10],
		    (unsigned)(h >> 30) % 1000);
		fmt(p->phone1, sizeof(p->phone1), "+1 %03u-%03u-%04u",
		    (unsigned)(h >> 28) % 800 + 200, (unsigned)(h >> 36) % 900 + 100,
		    (unsigned)(h >> 44) % 10000);
		fmt(p->phone2, sizeof(p->phone2), "%s", p->phone1);
		fmt(p->addr, sizeof(p->addr), "%u %s", (unsigned)(h >> 33) % 9000 + 100,
		    STREET[d % 5]);
		fmt(p->city, sizeof(p->city), "%s", CITY[k]);
		fmt(p->state, sizeof(p->state), "%s", STATE[k]);
		fmt(p->postal, sizeof(p->postal), "%05d", ZIP[k] + (int)((h >> 40) % 50));
		return;
	}
	fmt(p->buyer, sizeof(p->buyer), "%s%s", SUR[a], GIVEN[b]);
	if ((h >> 25) % 3)
		fmt(p->recipient, sizeof(p->recipient), "%s", p->buyer);
	else
		fmt(p->recipient, sizeof(p->recipient), "%s%s", SUR[c], GIVEN[d]);
	fmt(p->buyer_id, sizeof(p->buyer_id), "jg%04u****", (unsigned)(h >> 30) % 10000);
	fmt(p->phone1, sizeof(p->phone1), "010-%04u-%04u", (unsigned)(h >> 28) % 10000,
	    (unsigned)(h >> 36) % 10000);
	fmt(p->phone2, sizeof(p->phone2), "010-%04u-%04u", (unsigned)(h >> 40) % 10000,
	    (unsigned)(h >> 48) % 10000);
	/* Postal codes from 01000: about a tenth start with 0. */
	fmt(p->postal, sizeof(p->postal), "%05u", (unsigned)(h >> 22) % 63000 + 1000);
	if ((h >> 50) % 2)
		fmt(p->addr, sizeof(p->addr), "%s %u %s아파트 %u동 %u호", ROAD[(h >> 12) % 12],
		    (unsigned)(h >> 17) % 300 + 1, APT[(h >> 52) % 5],
		    (unsigned)(h >> 55) % 20 + 101, (unsigned)(h >> 58) % 20 * 100 + 101);
	else
		fmt(p->addr, sizeof(p->addr), "%s %u %u층", ROAD[(h >> 12) % 12],
		    (unsigned)(h >> 17) % 300 + 1, (unsigned)(h >> 55) % 9 + 1);
	fmt(p->msg, sizeof(p->msg), "%s", MSG[(h >> 45) % 8]);
	p->phone_as_number = (h >> 61) % 8 == 0;
	p->postal_as_number = (h >> 59) % 8 == 0;
}

/* ---- rows and the writers -------------------------------------------------------------------- */

typedef enum vkind { V_EMPTY, V_TEXT, V_NUM, V_DATE } vkind;

typedef struct val {
	vkind k;
	double n;
	int64_t t; /* V_DATE: Unix seconds, written as KST wall time */
	char s[224];
} val;

typedef struct row {
	val v[MAX_COLS];
	size_t n;
} row;

static val *put(row *r, vkind k)
{
	val *v;

	if (r->n >= MAX_COLS)
		die("too many columns", NULL);
	v = &r->v[r->n++];
	v->k = k;
	v->s[0] = '\0';
	return v;
}

static void pt(row *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void pt(row *r, const char *f, ...)
{
	val *v = put(r, V_TEXT);
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(v->s, sizeof(v->s), f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(v->s))
		die("cell too long", v->s);
	if (!v->s[0])
		v->k = V_EMPTY;
}

static void pn(row *r, double x)
{
	put(r, V_NUM)->n = x;
}

static void pd(row *r, int64_t t)
{
	put(r, V_DATE)->t = t;
}

static void pe(row *r)
{
	put(r, V_EMPTY);
}

typedef enum sink_kind { SINK_XLSX, SINK_XLSX_INLINE, SINK_XLS, SINK_CSV, SINK_TSV } sink_kind;

typedef struct sink {
	sink_kind kind;
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *dt;
	FILE *f;
	uint32_t row;
} sink;

static void sink_open(sink *k, sink_kind kind, const char *path, const char *sheet, bool bom,
		      const char *dir)
{
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	if (kind == SINK_XLSX || kind == SINK_XLSX_INLINE) {
		lxw_workbook_options o = {.constant_memory = kind == SINK_XLSX_INLINE,
					  .tmpdir = (char *)dir};

		k->wb = workbook_new_opt(path, &o);
		if (!k->wb)
			die("cannot write", path);
		k->ws = workbook_add_worksheet(k->wb, sheet);
		k->dt = workbook_add_format(k->wb);
		format_set_num_format(k->dt, "yyyy-mm-dd hh:mm:ss");
		return;
	}
	k->f = fopen(path, "wb");
	if (!k->f)
		die("cannot write", path);
	if (bom)
		fputs("\xef\xbb\xbf", k->f);
}

static void csv_text(FILE *f, const char *s, char sep)
{
	if (!strchr(s, sep) && !strchr(s, '"') && !strchr(s, '\n') && !strchr(s, '\r')) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void sink_row(sink *k, const row *r)
{
	char buf[64];

	for (size_t i = 0; i < r->n; i++) {
		const val *v = &r->v[i];

		switch (k->kind) {
		case SINK_XLSX:
		case SINK_XLSX_INLINE:
			if (v->k == V_TEXT)
				worksheet_write_string(k->ws, k->row, (lxw_col_t)i, v->s, NULL);
			else if (v->k == V_NUM)
				worksheet_write_number(k->ws, k->row, (lxw_col_t)i, v->n, NULL);
			else if (v->k == V_DATE) {
				time_t x = (time_t)(v->t + 9 * 3600);
				struct tm tm;
				lxw_datetime d;

				gmtime_r(&x, &tm);
				d = (lxw_datetime){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
						   tm.tm_hour,        tm.tm_min,     tm.tm_sec};
				worksheet_write_datetime(k->ws, k->row, (lxw_col_t)i, &d, k->dt);
			}
			break;
		case SINK_XLS: /* type-tagged TSV for the xlwt script */
			if (i)
				fputc('\t', k->f);
			if (v->k == V_TEXT)
				fprintf(k->f, "s%s", v->s);
			else if (v->k == V_NUM)
				fprintf(k->f, "n%.17g", v->n);
			else if (v->k == V_DATE) {
				when(buf, sizeof(buf), v->t, W_KST);
				fprintf(k->f, "d%s", buf);
			} else
				fputc('s', k->f);
			break;
		case SINK_CSV:
		case SINK_TSV:
			if (i)
				fputc(k->kind == SINK_TSV ? '\t' : ',', k->f);
			if (v->k == V_TEXT)
				csv_text(k->f, v->s, k->kind == SINK_TSV ? '\t' : ',');
			else if (v->k == V_NUM)
				fprintf(k->f, "%.15g", v->n);
			else if (v->k == V_DATE) {
				when(buf, sizeof(buf), v->t, W_KST);
				fputs(buf, k->f);
			}
			break;
		}
	}
	if (k->f)
		fputs(k->kind == SINK_XLS || k->kind == SINK_TSV ? "\n" : "\r\n", k->f);
	k->row++;
}

static void sink_close(sink *k)
{
	if (k->wb) {
		if (workbook_close(k->wb) != LXW_NO_ERROR)
			die("libxlsxwriter failed", NULL);
	} else if (k->f && fclose(k->f) != 0) {
		die("cannot write", strerror(errno));
	}
}

static void header_row(row *r, const char *const *h, size_t n)
{
	r->n = 0;
	for (size_t i = 0; i < n; i++)
		pt(r, "%s", h[i]);
}

/* Writes .xls from the type-tagged TSV with python3-xlwt (Debian's; not a pyenv python). */
static const char xlwt_script[] =
	"import sys, xlwt, datetime\n"
	"src, dst, sheet, title = sys.argv[1:5]\n"
	"wb = xlwt.Workbook(encoding='utf-8'); ws = wb.add_sheet(sheet)\n"
	"fmt = xlwt.easyxf(num_format_str='YYYY-MM-DD HH:MM:SS')\n"
	"r = 0\n"
	"if title:\n"
	"    ws.write(0, 0, title); r = 1\n"
	"with open(src, encoding='utf-8') as f:\n"
	"    for line in f:\n"
	"        for c, cell in enumerate(line.rstrip('\\n').split('\\t')):\n"
	"            k, v = cell[:1], cell[1:]\n"
	"            if k == 's' and v: ws.write(r, c, v)\n"
	"            elif k == 'n': ws.write(r, c, float(v))\n"
	"            elif k == 'd': ws.write(r, c, datetime.datetime.strptime(v, "
	"'%Y-%m-%d %H:%M:%S'), fmt)\n"
	"        r += 1\n"
	"        if r % 2000 == 0: ws.flush_row_data()\n"
	"wb.save(dst)\n";

static int spawn_wait(char *const argv[])
{
	pid_t pid;
	int st = 0;

	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* ---- one channel's file -------------------------------------------------------------------- */

typedef struct ctx {
	int ch;
	const line *l;
	int64_t ln; /* the line's index in the file */
	int64_t at; /* ordered at, Unix seconds */
	person p;
	char pid[64], opt[96], name[192], code[48], track[24];
	int64_t price; /* unit price, KRW or US cents */
} ctx;

static const char *word(int ch, int status, int64_t order)
{
	bool alt = order % 3 == 0;

	if (status == SHIPPED)
		return ch == SH ? "fulfilled" : ch == AM ? "Shipped" : "배송중";
	if (status == CANCELLED)
		return ch == SH ? "pending" : ch == AM ? "Cancelled" : "취소완료";
	switch (ch) {
	case SS: return alt ? "발주확인" : "결제완료";
	case GM:
	case AU: return alt ? "배송준비중" : "결제완료";
	case ST: return alt ? "발송대기" : "결제완료";
	case C24: return alt ? "배송준비중" : "상품준비중";
	case SH: return "pending";
	case AM: return alt ? "Pending" : "Unshipped";
	default: return alt ? "상품준비중" : "신규주문";
	}
}

static const char *const H_SS[] = {"상품주문번호",
				   "주문번호",
				   "배송방법(구매자 요청)",
				   "배송방법",
				   "택배사",
				   "송장번호",
				   "발송일",
				   "구매자명",
				   "구매자ID",
				   "수취인명",
				   "주문상태",
				   "주문세부상태",
				   "결제위치",
				   "결제일",
				   "상품번호",
				   "상품명",
				   "상품종류",
				   "옵션정보",
				   "옵션관리코드",
				   "수량",
				   "옵션가격",
				   "상품가격",
				   "최종 상품별 할인액",
				   "최종 상품별 총 주문금액",
				   "구매자연락처",
				   "수취인연락처1",
				   "수취인연락처2",
				   "통합배송지",
				   "우편번호",
				   "배송메세지",
				   "출고지",
				   "주문일시",
				   "클레임상태"};

/* "010-1234-5678" as a spreadsheet stores it once it took it for a number: 1012345678. */
static double digits_value(const char *s)
{
	double v = 0;

	for (; *s; s++)
		if (*s >= '0' && *s <= '9')
			v = v * 10 + (*s - '0');
	return v;
}

static void row_ss(row *r, const ctx *c)
{
	bool ship = c->l->status == SHIPPED, cancel = c->l->status == CANCELLED;
	int64_t disc = c->l->qty * (c->price / 10000) * 100;

	pt(r, "202611291%07lld", (long long)c->ln);
	pt(r, "202611292%07d", c->l->order);
	pt(r, "택배,등기,소포");
	pt(r, "택배,등기,소포");
	pt(r, "%s", ship ? "CJ대한통운" : "");
	pt(r, "%s", ship ? c->track : "");
	if (ship)
		pd(r, c->at + 6 * 3600);
	else
		pe(r);
	pt(r, "%s", c->p.buyer);
	pt(r, "%s", c->p.buyer_id);
	pt(r, "%s", c->p.recipient);
	pt(r, "%s", word(SS, c->l->status, c->l->order));
	pt(r, "%s", cancel ? "취소완료" : "");
	pt(r, "%s", c->l->order % 4 ? "MOBILE" : "PC");
	pd(r, c->at + 40);
	pn(r, strtod(c->pid, NULL));
	pt(r, "%s", c->name);
	pt(r, "%s", c->l->item < 0 ? "조합형옵션상품" : "단일상품");
	pt(r, "%s", c->opt);
	pt(r, "%s", c->code);
	pn(r, c->l->qty);
	pn(r, 0);
	pn(r, (double)c->price);
	pn(r, (double)disc);
	pn(r, (double)(c->price * c->l->qty - disc));
	pt(r, "%s", c->p.phone1);
	if (c->p.phone_as_number) /* a spreadsheet turned it into a number */
		pn(r, digits_value(c->p.phone2));
	else
		pt(r, "%s", c->p.phone2);
	pe(r);
	pt(r, "%s", c->p.addr);
	if (c->p.postal_as_number)
		pn(r, strtod(c->p.postal, NULL));
	else
		pt(r, "%s", c->p.postal);
	pt(r, "%s", c->p.msg);
	pt(r, "경기도 파주시 문발로 119 물류센터");
	pd(r, c->at);
	pt(r, "%s", cancel ? "취소완료" : "");
}

static const char *const H_CP[] = {"번호",
				   "묶음배송번호",
				   "주문번호",
				   "택배사",
				   "운송장번호",
				   "분리배송 Y/N",
				   "분리배송 출고예정일",
				   "주문시 출고예정일",
				   "출고일(발송일)",
				   "주문일",
				   "등록상품명",
				   "등록옵션명",
				   "노출상품명(옵션명)",
				   "노출상품ID",
				   "옵션ID",
				   "최초등록등록상품명/옵션명",
				   "업체상품코드",
				   "바코드",
				   "결제액",
				   "배송비구분",
				   "배송비",
				   "도서산간 추가배송비",
				   "구매수(수량)",
				   "옵션판매가(판매단가)",
				   "구매자",
				   "구매자전화번호",
				   "수취인이름",
				   "수취인전화번호",
				   "우편번호",
				   "수취인 주소",
				   "배송메세지"};

static void row_cp(row *r, const ctx *c)
{
	bool ship = c->l->status == SHIPPED;
	char d[32], opt[64];

	if (c->l->item >= 0)
		fmt(opt, sizeof(opt), "%s, %s", COLOR_KO[color_of(c->l->item)],
		    SIZE[size_of(c->l->item)]);
	else
		fmt(opt, sizeof(opt), "%s", -1 - c->l->item < N_BUNDLE / 2 ? "2개 묶음" : "세트");
	pn(r, (double)(c->ln + 1));
	pn(r, 30000000000.0 + c->l->order);
	pn(r, 260000000000.0 + c->l->order * 7);
	pt(r, "%s", ship ? "CJ 대한통운" : "");
	pt(r, "%s", ship ? c->track : "");
	pt(r, "분리배송가능");
	pe(r);
	pt(r, "2026-12-01");
	when(d, sizeof(d), c->at + 5 * 3600, W_KST_DAY);
	pt(r, "%s", ship ? d : "");
	when(d, sizeof(d), c->at, W_KST);
	pt(r, "%s", d);
	pt(r, "%s", c->name);
	pt(r, "%s", opt);
	pt(r, "%s, %s", c->name, opt);
	pn(r, 7100000000.0 + (c->l->item >= 0 ? c->l->item / 4 : 900 - c->l->item));
	pn(r, strtod(c->pid, NULL));
	pt(r, "%s/%s", c->name, opt);
	pt(r, "%s", c->code);
	pe(r);
	pn(r, (double)(c->price * c->l->qty));
	pt(r, "무료");
	pn(r, 0);
	pn(r, 0);
	pn(r, c->l->qty);
	pn(r, (double)c->price);
	pt(r, "%s", c->p.buyer);
	pt(r, "0507-%s", c->p.phone1 + 4);
	pt(r, "%s", c->p.recipient);
	pt(r, "0508-%s", c->p.phone2 + 4);
	pt(r, "%s", c->p.postal);
	pt(r, "%s", c->p.addr);
	pt(r, "%s", c->p.msg);
}

static const char *const H_ESM[] = {"주문번호",
				    "장바구니번호(결제번호)",
				    "상품번호",
				    "상품명",
				    "주문옵션",
				    "추가구성",
				    "수량",
				    "판매금액",
				    "판매자 관리코드",
				    "배송상태",
				    "결제완료일",
				    "구매자명",
				    "구매자ID",
				    "구매자 휴대폰",
				    "수령인명",
				    "수령인 휴대폰",
				    "우편번호",
				    "주소",
				    "배송시 요구사항",
				    "택배사명(발송방법)",
				    "송장번호",
				    "배송비"};

/* Gmarket (.xls: numbers and date cells) and Auction (CSV: text). */
static void row_esm(row *r, const ctx *c)
{
	bool ship = c->l->status == SHIPPED, xls = c->ch == GM;
	char d[32];

	if (xls) {
		pn(r, 4100000000.0 + (double)c->ln);
		pn(r, 5100000000.0 + c->l->order);
		pn(r, strtod(c->pid, NULL));
	} else {
		pt(r, "%lld", 4200000000LL + c->ln);
		pt(r, "%lld", 5200000000LL + c->l->order);
		pt(r, "%s", c->pid);
	}
	pt(r, "%s", c->name);
	pt(r, "%s", c->opt);
	pe(r);
	if (xls)
		pn(r, c->l->qty);
	else
		pt(r, "%d", c->l->qty);
	if (xls)
		pn(r, (double)(c->price * c->l->qty));
	else
		pt(r, "%lld", (long long)(c->price * c->l->qty));
	pt(r, "%s", c->code);
	pt(r, "%s", word(c->ch, c->l->status, c->l->order));
	if (xls) {
		pd(r, c->at);
	} else {
		when(d, sizeof(d), c->at, W_KST);
		pt(r, "%s", d);
	}
	pt(r, "%s", c->p.buyer);
	pt(r, "%s", c->p.buyer_id);
	pt(r, "%s", c->p.phone1);
	pt(r, "%s", c->p.recipient);
	pt(r, "%s", c->p.phone2);
	pt(r, "%s", c->p.postal);
	pt(r, "%s", c->p.addr);
	pt(r, "%s", c->p.msg);
	pt(r, "%s", ship ? "CJ대한통운" : "");
	pt(r, "%s", ship ? c->track : "");
	if (xls)
		pn(r, c->l->seq == 1 ? 3000 : 0);
	else
		pt(r, "%d", c->l->seq == 1 ? 3000 : 0);
}

static const char *const H_ST[] = {
	"번호",     "주문상태",   "주문번호", "주문순번",       "주문일시", "결제일시",
	"상품번호", "상품명",     "옵션",     "판매자상품코드", "수량",     "판매가",
	"결제금액", "구매자",     "수취인",   "휴대폰번호",     "전화번호", "우편번호",
	"주소",     "배송메세지", "택배사",   "송장번호"};

static void thousands(char *out, size_t n, int64_t v)
{
	if (v >= 1000000)
		fmt(out, n, "%lld,%03lld,%03lld", (long long)(v / 1000000),
		    (long long)(v / 1000 % 1000), (long long)(v % 1000));
	else if (v >= 1000)
		fmt(out, n, "%lld,%03lld", (long long)(v / 1000), (long long)(v % 1000));
	else
		fmt(out, n, "%lld", (long long)v);
}

static void row_st(row *r, const ctx *c)
{
	bool ship = c->l->status == SHIPPED;
	char d[32], a[32], b[32];

	pt(r, "%lld", (long long)c->ln + 1);
	pt(r, "%s", word(ST, c->l->status, c->l->order));
	pt(r, "20261129%07d", c->l->order + 1000);
	pt(r, "%d", c->l->seq);
	when(d, sizeof(d), c->at, W_KST_DOT);
	pt(r, "%s", d);
	when(d, sizeof(d), c->at + 60, W_KST_DOT);
	pt(r, "%s", d);
	pt(r, "%s", c->pid);
	pt(r, "%s", c->name);
	pt(r, "%s", c->opt);
	pt(r, "%s", c->code);
	pt(r, "%d", c->l->qty);
	thousands(a, sizeof(a), c->price);
	thousands(b, sizeof(b), c->price * c->l->qty);
	pt(r, "%s", a);
	pt(r, "%s", b);
	pt(r, "%s", c->p.buyer);
	pt(r, "%s", c->p.recipient);
	pt(r, "%s", c->p.phone2);
	pe(r);
	pt(r, "%s", c->p.postal);
	pt(r, "%s", c->p.addr);
	pt(r, "%s", c->p.msg);
	pt(r, "%s", ship ? "CJ대한통운" : "");
	pt(r, "%s", ship ? c->track : "");
}

static const char *const H_C24[] = {"주문번호",        "품목별 주문번호",
				    "주문일시",        "결제일시(입금확인일)",
				    "주문상태",        "주문자명",
				    "주문자 휴대전화", "수령인",
				    "수령인 휴대전화", "수령인 우편번호",
				    "수령인 주소",     "배송메시지",
				    "상품번호",        "상품품목코드",
				    "자체 품목코드",   "주문상품명",
				    "상품옵션",        "수량",
				    "판매가",          "배송업체",
				    "송장번호"};

static void row_c24(row *r, const ctx *c)
{
	bool ship = c->l->status == SHIPPED;
	char d[32];

	pt(r, "20261129-%07d", c->l->order + 1);
	pt(r, "20261129-%07d-%02d", c->l->order + 1, c->l->seq);
	when(d, sizeof(d), c->at, W_KST);
	pt(r, "%s", d);
	pt(r, "%s", d);
	pt(r, "%s", word(C24, c->l->status, c->l->order));
	pt(r, "%s", c->p.buyer);
	pt(r, "%s", c->p.phone1);
	pt(r, "%s", c->p.recipient);
	pt(r, "%s", c->p.phone2);
	pt(r, "%s", c->p.postal);
	pt(r, "%s", c->p.addr);
	pt(r, "%s", c->p.msg);
	pt(r, "%d", c->l->item >= 0 ? c->l->item / 4 + 10 : 900 - c->l->item);
	pt(r, "%s", c->pid);
	pt(r, "%s", c->code);
	pt(r, "%s", c->name);
	pt(r, "%s", c->opt);
	pt(r, "%d", c->l->qty);
	pt(r, "%lld", (long long)c->price);
	pt(r, "%s", ship ? "CJ대한통운" : "");
	pt(r, "%s", ship ? c->track : "");
}

static const char *const H_SH[] = {"Name",
				   "Email",
				   "Financial Status",
				   "Paid at",
				   "Fulfillment Status",
				   "Fulfilled at",
				   "Accepts Marketing",
				   "Currency",
				   "Subtotal",
				   "Shipping",
				   "Taxes",
				   "Total",
				   "Discount Code",
				   "Discount Amount",
				   "Shipping Method",
				   "Created at",
				   "Lineitem quantity",
				   "Lineitem name",
				   "Lineitem price",
				   "Lineitem compare at price",
				   "Lineitem sku",
				   "Lineitem requires shipping",
				   "Lineitem taxable",
				   "Lineitem fulfillment status",
				   "Billing Name",
				   "Billing Street",
				   "Billing City",
				   "Billing Zip",
				   "Billing Country",
				   "Shipping Name",
				   "Shipping Street",
				   "Shipping Address1",
				   "Shipping City",
				   "Shipping Zip",
				   "Shipping Country",
				   "Shipping Phone",
				   "Cancelled at",
				   "Payment Method",
				   "Vendor",
				   "Id"};

static void money(char *out, size_t n, int64_t cents)
{
	fmt(out, n, "%lld.%02lld", (long long)(cents / 100), (long long)(cents % 100));
}

static void row_sh(row *r, const ctx *c)
{
	bool first = c->l->seq == 1, cancel = c->l->status == CANCELLED;
	char d[40], m[32];

	pt(r, "#%d", c->l->order + 1001);
	if (first) {
		when(d, sizeof(d), c->at, W_KST_ZONE);
		pt(r, "%s", c->p.email);
		pt(r, "%s", cancel ? "refunded" : "paid");
		pt(r, "%s", d);
		pt(r, "%s", c->l->status == SHIPPED ? "fulfilled" : "unfulfilled");
		pe(r);
		pt(r, "no");
		pt(r, "USD");
		money(m, sizeof(m), c->price * c->l->qty);
		pt(r, "%s", m);
		pt(r, "8.00");
		pt(r, "0.00");
		pt(r, "%s", m);
		pe(r);
		pt(r, "0.00");
		pt(r, "Standard International");
		pt(r, "%s", d);
	} else {
		for (int i = 0; i < 15; i++)
			pe(r);
	}
	pt(r, "%d", c->l->qty);
	pt(r, "%s", c->name);
	money(m, sizeof(m), c->price);
	pt(r, "%s", m);
	pe(r);
	pt(r, "%s", c->pid);
	pt(r, "true");
	pt(r, "true");
	pt(r, "%s", word(SH, c->l->status, c->l->order));
	if (first) {
		when(d, sizeof(d), c->at + 4 * 3600, W_KST_ZONE);
		pt(r, "%s", c->p.buyer);
		pt(r, "%s", c->p.addr);
		pt(r, "%s", c->p.city);
		pt(r, "%s", c->p.postal);
		pt(r, "US");
		pt(r, "%s", c->p.recipient);
		pt(r, "%s", c->p.addr);
		pt(r, "%s", c->p.addr);
		pt(r, "%s", c->p.city);
		pt(r, "%s", c->p.postal);
		pt(r, "US");
		pt(r, "%s", c->p.phone2);
		pt(r, "%s", cancel ? d : "");
		pt(r, "Shopify Payments");
		pt(r, "JAEGO STUDIO");
		pt(r, "%lld", 5600000000000LL + c->l->order);
	} else {
		for (int i = 0; i < 14; i++)
			pe(r);
		pt(r, "JAEGO STUDIO");
		pe(r);
	}
}

static const char *const H_AM[] = {
	"order-id",          "order-item-id",      "purchase-date",      "payments-date",
	"buyer-email",       "buyer-name",         "buyer-phone-number", "sku",
	"product-name",      "quantity-purchased", "currency",           "item-price",
	"item-tax",          "shipping-price",     "shipping-tax",       "ship-service-level",
	"recipient-name",    "ship-address-1",     "ship-address-2",     "ship-address-3",
	"ship-city",         "ship-state",         "ship-postal-code",   "ship-country",
	"ship-phone-number", "order-status"};

static void row_am(row *r, const ctx *c)
{
	char d[40], m[32];

	pt(r, "11%d-%07d-%07d", c->l->order % 4 + 1, c->l->order * 7 % 10000000,
	   c->l->order + 1000000);
	pt(r, "%014lld", 30000000000000LL + c->ln * 13);
	when(d, sizeof(d), c->at, W_UTC_ISO);
	pt(r, "%s", d);
	pt(r, "%s", d);
	pt(r, "%s", c->p.email);
	pt(r, "%s", c->p.buyer);
	pt(r, "%s", c->p.phone1);
	pt(r, "%s", c->pid);
	pt(r, "%s", c->name);
	pt(r, "%d", c->l->qty);
	pt(r, "USD");
	money(m, sizeof(m), c->price * c->l->qty);
	pt(r, "%s", m);
	pt(r, "0.00");
	pt(r, "0.00");
	pt(r, "0.00");
	pt(r, "Standard");
	pt(r, "%s", c->p.recipient);
	pt(r, "%s", c->p.addr);
	pe(r);
	pe(r);
	pt(r, "%s", c->p.city);
	pt(r, "%s", c->p.state);
	pt(r, "%s", c->p.postal);
	pt(r, "US");
	pt(r, "%s", c->p.phone2);
	pt(r, "%s", word(AM, c->l->status, c->l->order));
}

static const char *const H_EB[] = {"Sales Record Number",
				   "Order Number",
				   "Buyer Username",
				   "Buyer Name",
				   "Buyer Email",
				   "Buyer Note",
				   "Buyer Address 1",
				   "Buyer City",
				   "Buyer State",
				   "Buyer Zip",
				   "Buyer Country",
				   "Ship To Name",
				   "Ship To Phone",
				   "Ship To Address 1",
				   "Ship To City",
				   "Ship To State",
				   "Ship To Zip",
				   "Ship To Country",
				   "Item Number",
				   "Item Title",
				   "Custom Label",
				   "Sold Via Promoted Listings",
				   "Quantity",
				   "Sold For",
				   "Shipping And Handling",
				   "Total Price",
				   "Payment Method",
				   "Sale Date",
				   "Paid On Date",
				   "Shipped On Date",
				   "Tracking Number",
				   "Transaction ID",
				   "Variation Details"};

static void row_eb(row *r, const ctx *c)
{
	bool ship = c->l->status == SHIPPED;
	char d[40], m[32];

	pt(r, "%lld", 7000 + (long long)c->ln);
	pt(r, "%02d-%05d-%05d", c->l->order % 90 + 10, c->l->order / 7 % 100000,
	   c->l->order % 100000);
	pt(r, "%s%d", LAST[c->l->order % 10], c->l->order % 977);
	pt(r, "%s", c->p.buyer);
	pt(r, "%s", c->p.email);
	pe(r);
	pt(r, "%s", c->p.addr);
	pt(r, "%s", c->p.city);
	pt(r, "%s", c->p.state);
	pt(r, "%s", c->p.postal);
	pt(r, "United States");
	pt(r, "%s", c->p.recipient);
	pt(r, "%s", c->p.phone2);
	pt(r, "%s", c->p.addr);
	pt(r, "%s", c->p.city);
	pt(r, "%s", c->p.state);
	pt(r, "%s", c->p.postal);
	pt(r, "United States");
	pt(r, "%s", c->pid);
	pt(r, "%s", c->name);
	pt(r, "%s", c->code);
	pt(r, "No");
	pt(r, "%d", c->l->qty);
	money(m, sizeof(m), c->price);
	pt(r, "$%s", m);
	pt(r, "$12.00");
	money(m, sizeof(m), c->price * c->l->qty + 1200);
	pt(r, "$%s", m);
	pt(r, "eBay Managed Payments");
	when(d, sizeof(d), c->at, W_UTC_MDY);
	pt(r, "%s", d);
	pt(r, "%s", d);
	when(d, sizeof(d), c->at + 8 * 3600, W_UTC_MDY_DAY);
	pt(r, "%s", ship ? d : "");
	pt(r, "%s", ship ? c->track : "");
	pt(r, "%lld", 2000000000000LL + c->ln * 31);
	pt(r, "%s", c->opt);
}

static const char *const H_MM[] = {"주문번호", "주문상세번호", "주문일시", "주문상태",
				   "상품코드", "상품명",       "옵션",     "수량",
				   "판매가",   "수령인",       "연락처",   "우편번호",
				   "배송지",   "배송메시지",   "택배사",   "송장번호"};

static void row_mm(row *r, const ctx *c)
{
	bool ship = c->l->status == SHIPPED;

	pn(r, 30000 + c->l->order);
	pt(r, "M%06d-%02d", c->l->order + 30000, c->l->seq);
	pd(r, c->at);
	pt(r, "%s", word(MM, c->l->status, c->l->order));
	pt(r, "%s", c->pid);
	pt(r, "%s", c->name);
	pt(r, "%s", c->opt);
	pn(r, c->l->qty);
	pn(r, (double)(c->price * c->l->qty));
	pt(r, "%s", c->p.recipient);
	pt(r, "%s", c->p.phone2);
	pt(r, "%s", c->p.postal);
	pt(r, "%s", c->p.addr);
	pt(r, "%s", c->p.msg);
	pt(r, "%s", ship ? "우체국택배" : "");
	pt(r, "%s", ship ? c->track : "");
}

typedef struct layout {
	const char *const *headers;
	size_t n;
	void (*fill)(row *r, const ctx *c);
	sink_kind sink;
	bool bom;
	const char *sheet; /* xlsx/xls sheet name */
	const char *title; /* a line above the header, or NULL */
} layout;

#define L(h) h, sizeof(h) / sizeof(h[0])
static const layout LAYOUT[NCH] = {
	{L(H_SS), row_ss, SINK_XLSX, false, "발주발송관리",
	 "다운로드 받은 파일로 '엑셀 일괄발송' 처리하는 방법: 송장번호를 입력한 뒤 업로드하세요."},
	{L(H_CP), row_cp, SINK_XLSX_INLINE, false, "Delivery", NULL},
	{L(H_ESM), row_esm, SINK_XLS, false, "발송관리", NULL},
	{L(H_ESM), row_esm, SINK_CSV, true, NULL, NULL},
	{L(H_ST), row_st, SINK_CSV, false, NULL, NULL},
	{L(H_C24), row_c24, SINK_CSV, true, NULL, NULL},
	{L(H_SH), row_sh, SINK_CSV, false, NULL, NULL},
	{L(H_AM), row_am, SINK_TSV, false, NULL, NULL},
	{L(H_EB), row_eb, SINK_CSV, false, NULL, NULL},
	{L(H_MM), row_mm, SINK_XLS, false, "주문내역", "주문 내역 (자사몰) 2026-11-29"},
};

/* Writes channel `ch`'s file to `path`; `dir` holds scratch files. */
static void write_channel(int ch, const lines *ls, const char *path, const char *dir,
			  const char *python)
{
	const layout *lay = &LAYOUT[ch];
	char tmp[1200];
	row *r = jg_calloc(1, sizeof(*r));
	sink k;
	const char *target = path;

	if (!r)
		die("out of memory", NULL);
	if (lay->sink == SINK_XLS || ch == ST) {
		fmt(tmp, sizeof(tmp), "%s/.%d.tmp", dir, ch);
		target = tmp;
	}
	sink_open(&k, lay->sink, target, lay->sheet, lay->bom, dir);
	if (lay->title && lay->sink != SINK_XLS) {
		r->n = 0;
		pt(r, "%s", lay->title);
		sink_row(&k, r);
	}
	header_row(r, lay->headers, lay->n);
	sink_row(&k, r);
	for (int64_t i = 0; i < ls->n; i++) {
		ctx c;

		memset(&c, 0, sizeof(c));
		c.ch = ch;
		c.l = &ls->v[i];
		c.ln = i;
		c.at = DAY_KST + (int64_t)c.l->order * 86000 / ls->orders +
		       (int64_t)(h2(ch, (uint64_t)c.l->order) % 60);
		person_of(&c.p, ch, c.l->order);
		item_pid(c.pid, sizeof(c.pid), ch, c.l->item);
		item_option(c.opt, sizeof(c.opt), ch, c.l->item);
		item_name(c.name, sizeof(c.name), ch, c.l->item);
		item_code(c.code, sizeof(c.code), c.l->item);
		c.price = item_price(ch, c.l->item);
		fmt(c.track, sizeof(c.track), "6%011lld",
		    (long long)(h2(ch + 50, (uint64_t)i) % 100000000000LL));
		r->n = 0;
		lay->fill(r, &c);
		if (r->n != lay->n)
			die("a row does not fit its header", CH[ch].name);
		sink_row(&k, r);
	}
	if (ch == EB) { /* eBay closes its report with a count and the seller's id */
		r->n = 0;
		pt(r, "%lld record(s) downloaded,from Nov-29-26 to Nov-29-26", (long long)ls->n);
		sink_row(&k, r);
		r->n = 0;
		pt(r, "Seller ID : jaego_studio");
		sink_row(&k, r);
	}
	sink_close(&k);
	jg_free(r);
	if (lay->sink == SINK_XLS) {
		char *argv[] = {(char *)python,
				"-c",
				(char *)xlwt_script,
				tmp,
				(char *)path,
				(char *)lay->sheet,
				(char *)(lay->title ? lay->title : ""),
				NULL};

		if (spawn_wait(argv) != 0)
			die("python3-xlwt could not write", path);
		unlink(tmp);
	} else if (ch == ST) {
		char *argv[] = {"/usr/bin/iconv", "-f", "UTF-8", "-t", "CP949", "-o",
				(char *)path,     tmp,  NULL};

		if (spawn_wait(argv) != 0)
			die("iconv could not write", path);
		unlink(tmp);
	}
}

/* The catalogue as CSV for the baseline: skus.csv (code,name,stock) and listings.csv
 * (channel,product_id,option,recipe). */
static void write_catalogue(const char *dir)
{
	char path[1200], code[48], name[192], pid[64], opt[96];
	FILE *f;

	fmt(path, sizeof(path), "%s/skus.csv", dir);
	f = fopen(path, "w");
	if (!f)
		die("cannot write", path);
	fputs("code,name,stock\n", f);
	for (int s = 0; s < N_SKU; s++) {
		sku_code(code, sizeof(code), s);
		product_name(name, sizeof(name), s / 4, false);
		fprintf(f, "%s,%s %s/%s,%lld\n", code, name, COLOR_KO[color_of(s)],
			SIZE[size_of(s)], (long long)sku_stock(s));
	}
	fclose(f);
	fmt(path, sizeof(path), "%s/listings.csv", dir);
	f = fopen(path, "w");
	if (!f)
		die("cannot write", path);
	fputs("channel,product_id,option,recipe\n", f);
	for (int ch = 0; ch < NCH; ch++) {
		for (int it = -N_BUNDLE; it < N_SKU; it++) {
			if (it >= 0 && unlisted(ch, it))
				continue;
			item_pid(pid, sizeof(pid), ch, it);
			item_option(opt, sizeof(opt), ch, it);
			fprintf(f, "%s,%s,", CH[ch].name, pid);
			csv_text(f, opt, ',');
			if (it >= 0) {
				sku_code(code, sizeof(code), it);
				fprintf(f, ",%s\n", code);
			} else {
				int sku[2], qty[2], n = bundle_parts(-1 - it, sku, qty);

				fputc(',', f);
				fputc('"', f);
				for (int i = 0; i < n; i++) {
					sku_code(code, sizeof(code), sku[i]);
					fprintf(f, "%s%s*%d", i ? "," : "", code, qty[i]);
				}
				fputs("\"\n", f);
			}
		}
	}
	fclose(f);
}

/* ---- the jaego side ------------------------------------------------------------------------- */

static void file_path(char *out, size_t n, const char *dir, int ch)
{
	fmt(out, n, "%s/%s", dir, CH[ch].file);
}

/* Builds the shop in `db`: SKUs with opening stock, ten channels with some rules, every
 * listing of listings.csv through jg_listing_map. */
static void build_template(const char *db)
{
	jg_store *st;
	jg_err e;
	char code[48], name[192], pid[64], opt[96];

	jg_err_clear(&e);
	check(jg_store_open(&st, db, &e), "open", &e);
	check(jg_store_migrate(st, NULL, &e), "migrate", &e);
	check(jg_store_begin(st, &e), "begin", &e);
	for (int s = 0; s < N_SKU; s++) {
		char pname[160];

		sku_code(code, sizeof(code), s);
		product_name(pname, sizeof(pname), s / 4, false);
		fmt(name, sizeof(name), "%s %s/%s", pname, COLOR_KO[color_of(s)], SIZE[size_of(s)]);
		check(jg_sku_add(st, code, name, s % 10 == 0 ? 2 : 0, &e), "sku add", &e);
		check(jg_stock_receive(st, code, sku_stock(s), "opening stock", &e), "receive", &e);
	}
	for (int ch = 0; ch < NCH; ch++) {
		jg_rule_patch p;

		check(jg_channel_add(st, CH[ch].name, CH[ch].profile, &e), "channel add", &e);
		memset(&p, 0, sizeof(p));
		jg_rule_default(&p.rule);
		switch (ch) {
		case CP:
			p.set = JG_RULE_SET_BUFFER;
			p.rule.buffer = 1;
			break;
		case GM:
		case AU:
			p.set = JG_RULE_SET_PERCENT;
			p.rule.percent = 80;
			break;
		case ST:
			p.set = JG_RULE_SET_MAX;
			p.rule.max = 30;
			break;
		case SH:
			p.set = JG_RULE_SET_END_WHEN;
			p.rule.end_when = 1;
			break;
		case AM:
			p.set = JG_RULE_SET_BUFFER;
			p.rule.buffer = 2;
			break;
		default: break;
		}
		if (p.set)
			check(jg_channel_set(st, CH[ch].name, &p, &e), "channel set", &e);
	}
	for (int ch = 0; ch < NCH; ch++) {
		for (int it = -N_BUNDLE; it < N_SKU; it++) {
			jg_recipe_item items[2];
			int sku[2], qty[2], n = 1;

			if (it >= 0 && unlisted(ch, it))
				continue;
			if (it >= 0) {
				sku[0] = it;
				qty[0] = 1;
			} else {
				n = bundle_parts(-1 - it, sku, qty);
			}
			for (int i = 0; i < n; i++) {
				sku_code(items[i].sku, sizeof(items[i].sku), sku[i]);
				items[i].qty = qty[i];
			}
			item_pid(pid, sizeof(pid), ch, it);
			item_option(opt, sizeof(opt), ch, it);
			check(jg_listing_map(st, CH[ch].name, pid, opt, items, (size_t)n, NULL, &e),
			      "listing map", &e);
		}
	}
	check(jg_store_commit(st, &e), "commit", &e);
	jg_store_close(st);
}

typedef struct sums {
	int64_t on_hand, committed;
} sums;

static int add_sku(const jg_sku_info *s, void *payload)
{
	sums *t = payload;

	t->on_hand += s->on_hand;
	t->committed += s->committed;
	return 0;
}

typedef struct child {
	double t_last; /* when the previous file was done */
} child;

/* One file done: one line with its figures and the time since the previous one. */
static int file_done(size_t index, const char *path, int rc, const jg_err *e,
		     const jg_intake_summary *sum, void *payload)
{
	child *c = payload;
	int ch = (int)index;
	double t = now_s();

	(void)path;
	if (rc || !sum || !sum->applied)
		die("import failed", e->msg);
	if (strcmp(sum->channel, CH[ch].name) != 0)
		die("the file went to another channel", sum->channel);
	for (size_t i = 0; i < sum->n_rejected && i < 3; i++)
		fprintf(stderr, "bench_import: %s row %lld col %d (%s): %s\n", CH[ch].file,
			(long long)sum->rejected[i].row, sum->rejected[i].column,
			sum->rejected[i].header, sum->rejected[i].reason);
	printf("F %d %s %lld %lld %lld %lld %lld %lld %lld %.6f\n", ch, jg_format_name(sum->format),
	       (long long)sum->rows, (long long)sum->new_lines, (long long)sum->duplicates,
	       (long long)sum->unmatched, (long long)sum->oversold, (long long)sum->rejected_count,
	       (long long)sum->ignored, t - c->t_last);
	c->t_last = t;
	return 0;
}

/* The child: imports the ten files into `db` with one jg_intake_files call (as `jaego import
 * FILE...` does: the next rows and files are read while the current ones are applied) and
 * prints one line per file (its time: from the previous file's end to its own) and a total. */
static int import_child(const char *db, const char *dir)
{
	double t0 = now_s();
	static char paths[NCH][1200];
	jg_intake_opts o[NCH];
	jg_intake_item items[NCH];
	child c = {t0};
	jg_store *st;
	jg_profiles *pr;
	jg_err e;
	sums t = {0, 0};

	jg_err_clear(&e);
	check(jg_store_open(&st, db, &e), "open", &e);
	check(jg_store_require_schema(st, &e), "schema", &e);
	check(jg_intake_profiles(st, &pr, &e), "profiles", &e);
	for (int ch = 0; ch < NCH; ch++) {
		memset(&o[ch], 0, sizeof(o[ch]));
		o[ch].channel = CH[ch].give_channel ? CH[ch].name : NULL;
		file_path(paths[ch], sizeof(paths[ch]), dir, ch);
		items[ch].path = paths[ch];
		items[ch].opts = &o[ch];
	}
	c.t_last = now_s();
	if (jg_intake_files(st, pr, items, NCH, file_done, &c) != 0)
		die("import failed", NULL);
	check(jg_sku_each(st, NULL, 0, add_sku, &t, &e), "sku each", &e);
	jg_profiles_free(pr);
	jg_store_close(st);
	{
		struct timespec cpu;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
		printf("T %.6f %lld %lld %.6f\n", now_s() - t0, (long long)t.on_hand,
		       (long long)t.committed, (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9);
	}
	return 0;
}

/* ---- processes --------------------------------------------------------------------------------
 */

/* A child's run (common.h): its output, wall and CPU times, peak RSS. */
typedef bench_run run;

static void copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		die("cannot read", from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		die("cannot write", to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("cannot write", to);
	close(in);
	if (fsync(out) != 0 || close(out) != 0)
		die("cannot write", to);
}

static void remove_db(const char *db)
{
	char p[1200];

	unlink(db);
	fmt(p, sizeof(p), "%s-wal", db);
	unlink(p);
	fmt(p, sizeof(p), "%s-shm", db);
	unlink(p);
	fmt(p, sizeof(p), "%s-journal", db);
	unlink(p);
}

/* Per-file figures of one side. */
typedef struct side {
	run r;
	double secs[NCH], total_in;
	double cpu_main; /* CPU of the importer's calling thread (the one applying the lines) */
	int64_t rows[NCH], added[NCH], unmatched[NCH], oversold[NCH], rejected[NCH];
	char format[NCH][24];
	int64_t on_hand, committed;
} side;

static void parse_jaego(side *s)
{
	for (char *l = s->r.out, *nl; l && *l; l = nl) {
		int ch;
		long long rows, added, dup, unm, over, rej, ign;
		double secs;
		char f[24];

		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';

		if (sscanf(l, "F %d %23s %lld %lld %lld %lld %lld %lld %lld %lf", &ch, f, &rows,
			   &added, &dup, &unm, &over, &rej, &ign, &secs) == 10 &&
		    ch >= 0 && ch < NCH) {
			s->rows[ch] = rows;
			s->added[ch] = added;
			s->unmatched[ch] = unm;
			s->oversold[ch] = over;
			s->rejected[ch] = rej;
			s->secs[ch] = secs;
			memcpy(s->format[ch], f, sizeof(f));
		} else {
			long long oh, cm;

			if (sscanf(l, "T %lf %lld %lld %lf", &s->total_in, &oh, &cm, &s->cpu_main) >=
			    3) {
				s->on_hand = oh;
				s->committed = cm;
			}
		}
	}
}

static void parse_baseline(side *s)
{
	for (char *l = s->r.out, *nl; l && *l; l = nl) {
		int ch;
		long long rows, added, unm, oh, cm;
		double secs;

		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';

		if (sscanf(l, "F %d %lld %lld %lld %lf", &ch, &rows, &added, &unm, &secs) == 5 &&
		    ch >= 0 && ch < NCH) {
			s->rows[ch] = rows;
			s->added[ch] = added;
			s->unmatched[ch] = unm;
			s->secs[ch] = secs;
		} else if (sscanf(l, "T %lf %lld %lld", &s->total_in, &oh, &cm) == 3) {
			s->on_hand = oh;
			s->committed = cm;
		}
	}
}

static int cmp_wall(const void *a, const void *b)
{
	double x = ((const side *)a)->r.wall, y = ((const side *)b)->r.wall;

	return x < y ? -1 : x > y;
}

static void machine(char *out, size_t outsz)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char l[256];

	snprintf(out, outsz, "unknown CPU");
	while (f && fgets(l, sizeof(l), f)) {
		if (strncmp(l, "model name", 10) == 0) {
			char *v = strchr(l, ':');

			if (v) {
				v += 2;
				v[strcspn(v, "\n")] = '\0';
				snprintf(out, outsz, "%s", v);
			}
			break;
		}
	}
	if (f)
		fclose(f);
}

/* Runs the baseline: setup (untimed), then the timed import in its own process. */
static int baseline(side *s, const char *python, const char *script, const char *dir,
		    const char *db, const char *sync)
{
	char skus[1200], lst[1200], paths[NCH][1300];
	char *argv[8 + NCH];
	int a = 0;

	remove_db(db);
	fmt(skus, sizeof(skus), "%s/skus.csv", dir);
	fmt(lst, sizeof(lst), "%s/listings.csv", dir);
	{
		char *sv[] = {(char *)python, (char *)script, "setup", (char *)db, skus, lst, NULL};

		if (spawn_wait(sv) != 0)
			return -1;
	}
	argv[a++] = (char *)python;
	argv[a++] = (char *)script;
	argv[a++] = "import";
	argv[a++] = (char *)db;
	argv[a++] = (char *)sync;
	for (int ch = 0; ch < NCH; ch++) {
		char p[1200];

		file_path(p, sizeof(p), dir, ch);
		fmt(paths[ch], sizeof(paths[ch]), "%s=%s", CH[ch].name, p);
		argv[a++] = paths[ch];
	}
	argv[a] = NULL;
	if (bench_run_child(&s->r, argv) != 0)
		return -1;
	parse_baseline(s);
	return 0;
}

static int64_t total(const int64_t *v)
{
	int64_t t = 0;

	for (int i = 0; i < NCH; i++)
		t += v[i];
	return t;
}

/* Both sides must have done the same work. */
static bool agree(const side *j, const side *b, const char *name)
{
	bool ok = true;

	for (int ch = 0; ch < NCH; ch++) {
		if (j->rows[ch] != b->rows[ch] || j->added[ch] != b->added[ch] ||
		    j->unmatched[ch] != b->unmatched[ch]) {
			fprintf(stderr,
				"bench_import: %s disagrees on %s: rows %lld/%lld, new %lld/%lld, "
				"unmatched %lld/%lld\n",
				name, CH[ch].name, (long long)j->rows[ch], (long long)b->rows[ch],
				(long long)j->added[ch], (long long)b->added[ch],
				(long long)j->unmatched[ch], (long long)b->unmatched[ch]);
			ok = false;
		}
	}
	if (j->on_hand != b->on_hand || j->committed != b->committed) {
		fprintf(stderr,
			"bench_import: %s disagrees on stock: on hand %lld/%lld, committed "
			"%lld/%lld\n",
			name, (long long)j->on_hand, (long long)b->on_hand, (long long)j->committed,
			(long long)b->committed);
		ok = false;
	}
	return ok;
}

/* Writes the order files (unless they are there already) and builds the shop into
 * DIR/template.db. */
static int prepare(const char *dir, int64_t orders, bool regen, const char *python)
{
	char stamp[1200], tdb[1200];
	struct stat sb;
	double t0 = now_s();

	fmt(stamp, sizeof(stamp), "%s/complete", dir);
	if (regen || stat(stamp, &sb) != 0) {
		unlink(stamp);
		for (int ch = 0; ch < NCH; ch++) {
			lines ls;
			char path[1200];

			gen_lines(&ls, ch, CH[ch].orders * orders / ORDERS_FULL);
			file_path(path, sizeof(path), dir, ch);
			write_channel(ch, &ls, path, dir, python);
			jg_free(ls.v);
		}
		write_catalogue(dir);
		{
			FILE *f = fopen(stamp, "w");

			if (!f || fclose(f) != 0)
				die("cannot write", stamp);
		}
		fprintf(stderr, "wrote the order files in %s in %.1f s\n", dir, now_s() - t0);
	}
	t0 = now_s();
	fmt(tdb, sizeof(tdb), "%s/template.db", dir);
	remove_db(tdb);
	build_template(tdb);
	fprintf(stderr, "built the catalogue in %.1f s\n", now_s() - t0);
	return 0;
}

/* A fresh PostgreSQL tenant of `url` for run `i`, filled from the template `tdb` (not
 * timed); its URL goes into out[n]. */
static void pg_tenant(char *out, size_t n, const char *url, const char *tdb, int i)
{
	char tag[64];

	snprintf(tag, sizeof(tag), "bench_%ld_%d", (long)getpid(), i);
	bench_pg_tenant(out, n, url, tdb, tag);
}

/* The median run by wall time of `n` (sorted in place). */
static side *median(side *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_wall);
	return &v[n / 2];
}

int main(int argc, char **argv)
{
	const char *out_dir = "bench/out", *python = "/usr/bin/python3";
	const char *script = "bench/baseline_import.py", *pg_url = NULL;
	int64_t orders = ORDERS_FULL;
	int runs = 3, bruns = 1;
	bool regen = false, with_baseline = true, keep = false, prep_only = false;
	char dir[1024], self[1024], tdb[1200], rdb[1200], bdb[1200], cpu[128];
	static side js[MAX_RUNS], bs[2][MAX_RUNS];
	const side *j, *b[2] = {NULL, NULL};
	const char *mode[2] = {"off", "full"};
	const char *mode_name[2] = {"synchronous=OFF", "synchronous=FULL (durable)"};
	struct stat sb;
	int64_t bytes = 0;
	ssize_t n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--child") == 0 && i + 2 < argc)
			return import_child(argv[i + 1], argv[i + 2]);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			out_dir = argv[++i];
		else if (strcmp(argv[i], "--orders") == 0 && i + 1 < argc)
			orders = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--baseline-runs") == 0 && i + 1 < argc)
			bruns = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--python") == 0 && i + 1 < argc)
			python = argv[++i];
		else if (strcmp(argv[i], "--script") == 0 && i + 1 < argc)
			script = argv[++i];
		else if (strcmp(argv[i], "--regen") == 0)
			regen = true;
		else if (strcmp(argv[i], "--prepare") == 0)
			prep_only = true;
		else if (strcmp(argv[i], "--keep") == 0)
			keep = true;
		else if (strcmp(argv[i], "--no-baseline") == 0)
			with_baseline = false;
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			pg_url = argv[++i];
		else {
			fprintf(stderr, "usage: bench_import [--dir DIR] [--orders N] [--runs N] "
					"[--baseline-runs N] [--regen] [--keep] [--no-baseline] "
					"[--python PATH] [--script baseline_import.py] "
					"[--db postgres://...]\n");
			return 2;
		}
	}
	if (orders < 100 || runs < 1 || runs > MAX_RUNS || bruns < 1 || bruns > MAX_RUNS)
		die("--orders must be >= 100, --runs and --baseline-runs 1..9", NULL);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("cannot find this program", NULL);
	self[n] = '\0';
	mkdir(out_dir, 0777);
	fmt(dir, sizeof(dir), "%s/import_%lld", out_dir, (long long)orders);
	mkdir(dir, 0777);
	if (prep_only)
		return prepare(dir, orders, regen, python);

	/* The files and the shop, in a child so that this process stays small: a spawned
	 * child's peak RSS starts from its parent's. */
	{
		char on[32];
		char *pargv[] = {
			self, "--prepare", "--dir",        (char *)out_dir,          "--orders",
			on,   "--python",  (char *)python, regen ? "--regen" : NULL, NULL};

		fmt(on, sizeof(on), "%lld", (long long)orders);
		if (spawn_wait(pargv) != 0)
			die("preparing the files and the shop failed", NULL);
	}
	for (int ch = 0; ch < NCH; ch++) {
		char path[1200];

		file_path(path, sizeof(path), dir, ch);
		if (stat(path, &sb) != 0)
			die("missing", path);
		bytes += sb.st_size;
	}
	fmt(tdb, sizeof(tdb), "%s/template.db", dir);
	fmt(rdb, sizeof(rdb), "%s/run.db", dir);
	fmt(bdb, sizeof(bdb), "%s/baseline.db", dir);

	/* Rounds of jaego, baseline OFF, baseline FULL, so that each sees the same machine. */
	for (int i = 0; i < runs || (with_baseline && i < bruns); i++) {
		if (i < runs) {
			char *cargv[] = {self, "--child", rdb, dir, NULL};

			if (pg_url) {
				pg_tenant(rdb, sizeof(rdb), pg_url, tdb, i);
			} else {
				remove_db(rdb);
				copy_file(tdb, rdb);
			}
			if (bench_run_child(&js[i].r, cargv) != 0)
				die("the jaego import failed", NULL);
			parse_jaego(&js[i]);
		}
		for (int m = 0; with_baseline && i < bruns && m < 2; m++) {
			if (baseline(&bs[m][i], python, script, dir, bdb, mode[m]) != 0) {
				fprintf(stderr,
					"bench_import: the baseline failed (%s with "
					"python3-openpyxl and python3-xlrd needed)\n",
					python);
				with_baseline = false;
			}
		}
	}
	j = median(js, runs);
	if (with_baseline)
		for (int m = 0; m < 2; m++)
			b[m] = median(bs[m], bruns);
	if (!keep) {
		if (!pg_url)
			remove_db(rdb);
		remove_db(bdb);
		remove_db(tdb);
	}

	/* The report. */
	machine(cpu, sizeof(cpu));
	printf("import benchmark (%s, %ld CPUs): %lld orders in %d files, %lld rows, %.1f MB\n",
	       cpu, sysconf(_SC_NPROCESSORS_ONLN), (long long)orders, NCH,
	       (long long)total(j->rows), (double)bytes / 1e6);
	printf("%-11s %-22s %7s %7s %6s %6s %9s %9s %9s\n", "channel", "file", "rows", "new",
	       "unmat", "overs", "jaego s", "rows/s", "durable s");
	for (int ch = 0; ch < NCH; ch++) {
		printf("%-11s %-22s %7lld %7lld %6lld %6lld %9.3f %9.0f", CH[ch].name, CH[ch].kind,
		       (long long)j->rows[ch], (long long)j->added[ch], (long long)j->unmatched[ch],
		       (long long)j->oversold[ch], j->secs[ch], (double)j->rows[ch] / j->secs[ch]);
		if (b[1])
			printf(" %9.3f", b[1]->secs[ch]);
		printf("\n");
		if (j->rejected[ch])
			printf("  %lld rows rejected (see stderr)\n", (long long)j->rejected[ch]);
	}
	printf("jaego (median of %d): wall %.3f s spawn to exit (%.3f s in the importer), "
	       "cpu %.3f s (%.3f s on the applying thread, the rest reading), %.0f rows/s, "
	       "peak RSS %.1f MB; walls:",
	       runs, j->r.wall, j->total_in, j->r.cpu, j->cpu_main,
	       (double)total(j->rows) / j->r.wall, (double)j->r.maxrss / 1024);
	for (int i = 0; i < runs; i++)
		printf(" %.3f", js[i].r.wall);
	printf("\n  stock after: on hand %lld, committed %lld\n", (long long)j->on_hand,
	       (long long)j->committed);
	if (with_baseline) {
		bool same = true;

		for (int m = 0; m < 2; m++) {
			printf("baseline openpyxl+xlrd+csv+sqlite3, %s, one commit per file "
			       "(median "
			       "of %d): wall %.3f s (%.3f s in the script), cpu %.3f s, %.0f "
			       "rows/s, "
			       "peak RSS %.1f MB; baseline/jaego: wall %.1fx, cpu %.1fx; walls:",
			       mode_name[m], bruns, b[m]->r.wall, b[m]->total_in, b[m]->r.cpu,
			       (double)total(b[m]->rows) / b[m]->r.wall,
			       (double)b[m]->r.maxrss / 1024, b[m]->r.wall / j->r.wall,
			       b[m]->r.cpu / j->r.cpu);
			for (int i = 0; i < bruns; i++)
				printf(" %.3f", bs[m][i].r.wall);
			printf("\n");
			same &= agree(j, b[m], mode_name[m]);
		}
		printf("same work: %s (rows, new lines and unmatched lines per file; on hand and "
		       "committed)\n",
		       same ? "yes" : "NO");
		if (!same)
			return 1;
	}
	if (pg_url)
		printf("target (PostgreSQL): %lld orders in %d files applied durably in < 5 s end to"
		       " end: %s (wall %.3f s)\n",
		       (long long)orders, NCH, j->r.wall < 5.0 ? "met" : "NOT met", j->r.wall);
	else
		printf("target: %lld orders in %d files applied durably in < 1.5 s end to end: %s "
		       "(wall %.3f s), %s (cpu %.3f s)\n",
		       (long long)orders, NCH, j->r.wall < 1.5 ? "met" : "NOT met", j->r.wall,
		       j->r.cpu < 1.5 ? "met" : "NOT met", j->r.cpu);
	return 0;
}
