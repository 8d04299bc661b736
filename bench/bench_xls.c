/* SPDX-License-Identifier: MIT */
/*
 * The .xls reader benchmark. It writes, with python3-xlwt (Debian's, a real BIFF8 writer),
 * a SmartStore-like order file of --rows data rows (100,000 by default) x 20 columns into
 * --dir (bench/out): order ids and names as shared strings, phones and amounts stored as
 * numbers (RK and NUMBER records), two date columns with date formats. A BIFF8 sheet holds
 * at most 65,536 rows, so the rows are split over sheets of 50,000 ("주문1", "주문2", ...).
 * Then it reads every cell of every sheet in a fresh child process (this binary run with
 * --read FILE SHEET...), RUNS times, with jg_sheet_read_file once per sheet, and reports
 * the median wall and CPU times, the largest peak RSS and cells per second; the baseline
 * is xlrd 1.2 (Debian's python3-xlrd) opening the workbook and walking every cell of every
 * sheet in the same run. Content is deterministic; the file is reused when it exists
 * (--regen writes it again). For instruction counts:
 * `valgrind --tool=callgrind bench_xls --read bench/out/orders_100000.xls 주문1 주문2`.
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "jaego/sheet.h"
#include "jaego/util.h"

#define RUNS      5
#define PER_SHEET 50000

/* Writes the workbook: argv = OUT ROWS PER_SHEET. */
static const char xlwt_script[] =
	"import sys, datetime, xlwt\n"
	"out, rows, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])\n"
	"head = ['상품주문번호', '주문번호', '주문일시', '결제일', '주문상태', '수취인명',\n"
	"        '수취인연락처1', '수취인연락처2', '우편번호', '배송지', '상품번호', '상품명',\n"
	"        '옵션정보', '옵션관리코드', '수량', '상품가격', '할인금액', '배송비',\n"
	"        '정산예정금액', '배송메세지']\n"
	"names = ['김민준', '이서연', '박도윤', '최하은', '정시우', '강지유', '조예준', '윤수아',\n"
	"         '장주원', '임채원']\n"
	"addrs = ['서울특별시 강남구 테헤란로 152 강남파이낸스센터 21층',\n"
	"         '부산광역시 해운대구 센텀중앙로 79 센텀사이언스파크 1203호',\n"
	"         '경기도 성남시 분당구 판교역로 235 에이치스퀘어 N동 7층',\n"
	"         '대구광역시 중구 동성로2길 80 2층',\n"
	"         '인천광역시 연수구 송도과학로 32 송도테크노파크 IT센터 B동 1501호']\n"
	"items = ['무선 블루투스 이어폰 프로 노이즈캔슬링', '남성 기모 맨투맨 티셔츠 오버핏',\n"
	"         '국내산 햇 사과 5kg 가정용', '스테인리스 텀블러 500ml 보온보냉',\n"
	"         '유기농 현미 10kg 2024년산']\n"
	"opts = ['색상: 블랙 / 사이즈: L', '색상: 화이트 / 사이즈: XL', '중량: 5kg / 등급: 특',\n"
	"        '용량: 500ml / 색상: 실버', '선택: 기본']\n"
	"stats = ['결제완료', '발주확인', '배송중', '배송완료', '구매확정']\n"
	"msgs = ['문 앞에 놓아주세요', '부재 시 경비실에 맡겨주세요', '배송 전 연락 바랍니다', "
	"'',\n"
	"        '파손 주의 부탁드립니다']\n"
	"wb = xlwt.Workbook(encoding='utf-8')\n"
	"dt = xlwt.easyxf(num_format_str='YYYY-MM-DD HH:MM:SS')\n"
	"day = xlwt.easyxf(num_format_str='YYYY-MM-DD')\n"
	"base = datetime.datetime(2024, 3, 1)\n"
	"s = 20240301\n"
	"for first in range(0, rows, per):\n"
	"    ws = wb.add_sheet('주문%d' % (first // per + 1))\n"
	"    for c, h in enumerate(head): ws.write(0, c, h)\n"
	"    for i in range(first, min(rows, first + per)):\n"
	"        s = (s * 6364136223846793005 + 1442695040888963407) % (1 << 64); k = s >> 33\n"
	"        r = i - first + 1\n"
	"        when = base + datetime.timedelta(days=i // 2000, seconds=k % 86400)\n"
	"        qty = 1 + k % 3; price = 9900 + (k % 50) * 1000\n"
	"        row = ['2024%012d' % (30100000000 + i), '2024%012d' % (30190000000 + i // 2),\n"
	"               None, None, stats[k % 5], names[(k >> 3) % 10],\n"
	"               1000000000 + k % 99999999,\n"
	"               '0504-%04d-%04d' % (k % 10000, (k >> 7) % 10000),\n"
	"               '%05d' % ((k >> 5) % 63000 + 1000), addrs[(k >> 9) % 5],\n"
	"               8000000000 + k % 5, items[k % 5], opts[k % 5],\n"
	"               'OPT-%d-%d' % (k % 5, (k >> 11) % 4), qty, price, (k % 4) * 500,\n"
	"               3000 if k % 2 else 0, qty * price * 0.94, msgs[(k >> 13) % 5]]\n"
	"        for c, v in enumerate(row):\n"
	"            if c == 2: ws.write(r, c, when, dt)\n"
	"            elif c == 3: ws.write(r, c, when.date(), day)\n"
	"            elif v != '': ws.write(r, c, v)\n"
	"        if r % 2000 == 0: ws.flush_row_data()\n"
	"wb.save(out)\n";

/* Reads every cell of every sheet with xlrd; prints rows, non-empty cells and seconds. */
static const char xlrd_script[] =
	"import sys, time\n"
	"t0 = time.perf_counter()\n"
	"import xlrd\n"
	"wb = xlrd.open_workbook(sys.argv[1])\n"
	"rows = cells = 0\n"
	"for ws in wb.sheets():\n"
	"    for r in range(ws.nrows):\n"
	"        rows += 1\n"
	"        for c in ws.row(r):\n"
	"            if c.ctype not in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):\n"
	"                cells += 1\n"
	"print(rows, cells, '%.3f' % (time.perf_counter() - t0))\n";

typedef struct tally {
	int64_t rows, cells, bytes;
	uint32_t mix;
} tally;

/* Touches every cell so that nothing of the read can be skipped. */
static int count(const jg_sheet_row *row, void *payload)
{
	tally *t = payload;

	t->rows++;
	for (size_t i = 0; i < row->n; i++) {
		if (row->cells[i].type == JG_CELL_EMPTY)
			continue;
		t->cells++;
		t->bytes += (int64_t)row->cells[i].len;
		t->mix = t->mix * 31 + (unsigned char)row->cells[i].text[0] + row->cells[i].type;
	}
	return 0;
}

/* The child: reads the named sheets of the file; prints "rows cells bytes seconds mix". */
static int read_child(const char *path, char **sheets, int n)
{
	tally t = {0};
	double t0 = bench_now_s();

	for (int i = 0; i < n; i++) {
		jg_sheet_opts opts = {0};
		jg_err err = {0};

		opts.sheet = sheets[i];
		if (jg_sheet_read_file(path, &opts, NULL, count, &t, &err) != 0) {
			fprintf(stderr, "bench_xls: %s\n", err.msg);
			return 1;
		}
	}
	printf("%lld %lld %lld %.4f %u\n", (long long)t.rows, (long long)t.cells,
	       (long long)t.bytes, bench_now_s() - t0, t.mix);
	return 0;
}

/* A child's run (common.h): its output, wall and CPU times, peak RSS. */
typedef bench_run run;

int main(int argc, char **argv)
{
	const char *dir = "bench/out", *python = "/usr/bin/python3";
	long rows = 100000;
	bool regen = false, baseline = true;
	char self[1024], path[1200], nrows[32], per[32], names[8][16];
	char *cargv[12];
	struct stat st;
	run rj, rx;
	long long jr = 0, jc = 0, jb = 0, xr = 0, xc = 0;
	int nsheets;
	ssize_t n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--read") == 0 && i + 1 < argc)
			return read_child(argv[i + 1], argv + i + 2, argc - i - 2);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			rows = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--python") == 0 && i + 1 < argc)
			python = argv[++i];
		else if (strcmp(argv[i], "--regen") == 0)
			regen = true;
		else if (strcmp(argv[i], "--no-baseline") == 0)
			baseline = false;
		else {
			fprintf(stderr, "usage: bench_xls [--dir DIR] [--rows N] [--regen] "
					"[--python PATH] [--no-baseline]\n"
					"       bench_xls --read FILE SHEET...\n");
			return 2;
		}
	}
	if (rows < 1 || rows > 8L * PER_SHEET) {
		fprintf(stderr, "bench_xls: --rows must be 1..%d\n", 8 * PER_SHEET);
		return 2;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	mkdir(dir, 0777);
	snprintf(path, sizeof(path), "%s/orders_%ld.xls", dir, rows);
	snprintf(nrows, sizeof(nrows), "%ld", rows);
	snprintf(per, sizeof(per), "%d", PER_SHEET);
	if (regen || stat(path, &st) != 0) {
		char *wargv[] = {(char *)python, "-c", (char *)xlwt_script, path, nrows, per, NULL};
		run w;
		double t0 = bench_now_s();

		if (bench_run_child(&w, wargv) != 0) {
			fprintf(stderr, "bench_xls: cannot write %s (python3-xlwt needed)\n", path);
			return 1;
		}
		fprintf(stderr, "wrote %s in %.1f s\n", path, bench_now_s() - t0);
	}
	nsheets = (int)((rows + PER_SHEET - 1) / PER_SHEET);
	cargv[0] = self;
	cargv[1] = "--read";
	cargv[2] = path;
	for (int i = 0; i < nsheets; i++) {
		snprintf(names[i], sizeof(names[i]), "주문%d", i + 1);
		cargv[3 + i] = names[i];
	}
	cargv[3 + nsheets] = NULL;
	if (bench_measure(&rj, cargv, RUNS) != 0) {
		fprintf(stderr, "bench_xls: the reader failed\n");
		return 1;
	}
	stat(path, &st);
	sscanf(rj.out, "%lld %lld %lld", &jr, &jc, &jb);
	printf("xls reader benchmark: %s, %ld data rows x 20 columns in %d sheets, %.1f MB\n", path,
	       rows, nsheets, (double)st.st_size / 1e6);
	printf("jaego  %lld rows, %lld cells, %.1f MB of text: wall %.3f s, cpu %.3f s, peak RSS "
	       "%.1f MB; %.2f M cells/s (cpu); medians of %d runs\n",
	       jr, jc, (double)jb / 1e6, rj.wall, rj.cpu, (double)rj.maxrss / 1024,
	       (double)jc / rj.cpu / 1e6, RUNS);
	if (baseline) {
		char *xargv[] = {(char *)python, "-c", (char *)xlrd_script, path, NULL};

		if (bench_measure(&rx, xargv, 3) != 0) {
			printf("xlrd: not run (%s with python3-xlrd needed)\n", python);
			return 0;
		}
		sscanf(rx.out, "%lld %lld", &xr, &xc);
		printf("xlrd   %lld rows, %lld cells: wall %.3f s, cpu %.3f s, peak RSS %.1f MB; "
		       "%.2f M cells/s (cpu); medians of 3 runs\n",
		       xr, xc, rx.wall, rx.cpu, (double)rx.maxrss / 1024,
		       (double)xc / rx.cpu / 1e6);
		printf("ratio xlrd / jaego: wall %.1fx, cpu %.1fx, peak RSS %.1fx\n",
		       rx.wall / rj.wall, rx.cpu / rj.cpu, (double)rx.maxrss / (double)rj.maxrss);
		if (xr != jr || xc != jc)
			printf("note: xlrd counts %lld rows and %lld cells, jaego %lld and %lld\n",
			       xr, xc, jr, jc);
	}
	return 0;
}
