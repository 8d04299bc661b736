/* SPDX-License-Identifier: MIT */
/*
 * The xlsx reader benchmark. It writes, with libxlsxwriter in constant_memory mode (inline
 * strings), a SmartStore-like order file of 100,000 rows x 20 columns (order ids, Korean
 * names, addresses, product and option text, phones stored as numbers, amounts, two date
 * columns) and one of 20,000 rows into --dir (bench/out), then reads every cell of each
 * with jg_sheet_read_file in a fresh child process (this binary run with --read), RUNS
 * times, and reports the median wall time and the median CPU time (user + system) of the
 * child, and its largest peak RSS (ru_maxrss from wait4): on a shared machine the CPU time
 * is the steadier figure. The 20,000-row file shows that peak memory does not grow with
 * the number of rows; it is also the file to run under callgrind for instruction counts
 * (`valgrind --tool=callgrind bench_xlsx --read bench/out/orders_20000.xlsx`). The
 * baseline is
 * openpyxl in read-only mode (Debian's python3-openpyxl) reading every cell of the same
 * file in the same run; the ratio of the wall times is printed. Content is deterministic;
 * files are reused when they exist (--regen writes them again).
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

#include <xlsxwriter.h>
#include <zip.h>

#include "common.h"
#include "jaego/sheet.h"
#include "jaego/util.h"

#define N_COLS 20
#define RUNS   5

/* Reads every cell of an order file with openpyxl in read-only mode; prints rows, non-empty
 * cells and the seconds spent (import included). */
static const char openpyxl_script[] =
	"import sys, time\n"
	"t0 = time.perf_counter()\n"
	"import openpyxl\n"
	"wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)\n"
	"ws = wb.worksheets[0]\n"
	"rows = cells = 0\n"
	"for row in ws.iter_rows(values_only=True):\n"
	"    rows += 1\n"
	"    for v in row:\n"
	"        if v is not None:\n"
	"            cells += 1\n"
	"wb.close()\n"
	"print(rows, cells, '%.3f' % (time.perf_counter() - t0))\n";

static const char *headers[N_COLS] = {
	"상품주문번호", "주문번호",      "주문일시",      "결제일",       "주문상태",
	"수취인명",     "수취인연락처1", "수취인연락처2", "우편번호",     "배송지",
	"상품번호",     "상품명",        "옵션정보",      "옵션관리코드", "수량",
	"상품가격",     "할인금액",      "배송비",        "정산예정금액", "배송메세지"};
static const char *names[] = {"김민준", "이서연", "박도윤", "최하은", "정시우",
			      "강지유", "조예준", "윤수아", "장주원", "임채원"};
static const char *addrs[] = {"서울특별시 강남구 테헤란로 152 강남파이낸스센터 21층",
			      "부산광역시 해운대구 센텀중앙로 79 센텀사이언스파크 1203호",
			      "경기도 성남시 분당구 판교역로 235 에이치스퀘어 N동 7층",
			      "대구광역시 중구 동성로2길 80 2층",
			      "인천광역시 연수구 송도과학로 32 송도테크노파크 IT센터 B동 1501호"};
static const char *items[] = {"무선 블루투스 이어폰 프로 노이즈캔슬링",
			      "남성 기모 맨투맨 티셔츠 오버핏", "국내산 햇 사과 5kg 가정용",
			      "스테인리스 텀블러 500ml 보온보냉", "유기농 현미 10kg 2024년산"};
static const char *options[] = {"색상: 블랙 / 사이즈: L", "색상: 화이트 / 사이즈: XL",
				"중량: 5kg / 등급: 특", "용량: 500ml / 색상: 실버", "선택: 기본"};
static const char *statuses[] = {"결제완료", "발주확인", "배송중", "배송완료", "구매확정"};
static const char *messages[] = {"문 앞에 놓아주세요", "부재 시 경비실에 맡겨주세요",
				 "배송 전 연락 바랍니다", "", "파손 주의 부탁드립니다"};

/* A small deterministic generator (64-bit LCG, high bits). */
static uint32_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* Writes the order file of `rows` data rows under a header row. */
static int write_orders(const char *path, const char *tmpdir, long rows)
{
	lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir};
	lxw_workbook *wb = workbook_new_opt(path, &o);
	lxw_worksheet *ws;
	lxw_format *dt, *day;
	uint64_t seed = 20240301;
	char buf[64];

	if (!wb)
		return -1;
	ws = workbook_add_worksheet(wb, "발주발송관리");
	dt = workbook_add_format(wb);
	format_set_num_format(dt, "yyyy-mm-dd hh:mm:ss");
	day = workbook_add_format(wb);
	format_set_num_format_index(day, 14);
	for (lxw_col_t c = 0; c < N_COLS; c++)
		worksheet_write_string(ws, 0, c, headers[c], NULL);
	for (long i = 0; i < rows; i++) {
		lxw_row_t r = (lxw_row_t)(i + 1);
		uint32_t k = next(&seed);
		double when = 45352 + (double)(i / 2000) + (double)(k % 86400) / 86400.0;
		int qty = 1 + (int)(k % 3), price = 9900 + (int)(k % 50) * 1000;

		snprintf(buf, sizeof(buf), "2024%012ld", 30100000000L + i);
		worksheet_write_string(ws, r, 0, buf, NULL);
		snprintf(buf, sizeof(buf), "2024%012ld", 30190000000L + i / 2);
		worksheet_write_string(ws, r, 1, buf, NULL);
		worksheet_write_number(ws, r, 2, when, dt);
		worksheet_write_number(ws, r, 3, (double)(int)when, day);
		worksheet_write_string(ws, r, 4, statuses[k % 5], NULL);
		worksheet_write_string(ws, r, 5, names[(k >> 3) % 10], NULL);
		worksheet_write_number(ws, r, 6, 1000000000.0 + (double)(k % 99999999), NULL);
		snprintf(buf, sizeof(buf), "0504-%04u-%04u", k % 10000, (k >> 7) % 10000);
		worksheet_write_string(ws, r, 7, buf, NULL);
		snprintf(buf, sizeof(buf), "%05u", (k >> 5) % 63000 + 1000);
		worksheet_write_string(ws, r, 8, buf, NULL);
		worksheet_write_string(ws, r, 9, addrs[(k >> 9) % 5], NULL);
		worksheet_write_number(ws, r, 10, 8000000000.0 + (double)(k % 5), NULL);
		worksheet_write_string(ws, r, 11, items[k % 5], NULL);
		worksheet_write_string(ws, r, 12, options[k % 5], NULL);
		snprintf(buf, sizeof(buf), "OPT-%u-%u", k % 5, (k >> 11) % 4);
		worksheet_write_string(ws, r, 13, buf, NULL);
		worksheet_write_number(ws, r, 14, qty, NULL);
		worksheet_write_number(ws, r, 15, price, NULL);
		worksheet_write_number(ws, r, 16, (k % 4) * 500, NULL);
		worksheet_write_number(ws, r, 17, (k % 2) ? 3000 : 0, NULL);
		worksheet_write_number(ws, r, 18, (double)(qty * price) * 0.94, NULL);
		if (*messages[(k >> 13) % 5])
			worksheet_write_string(ws, r, 19, messages[(k >> 13) % 5], NULL);
	}
	return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

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

/* The child: reads the file and prints "rows cells bytes seconds". */
static int read_child(const char *path)
{
	jg_err err = {0};
	tally t = {0};
	double t0 = bench_now_s();
	int rc = jg_sheet_read_file(path, NULL, NULL, count, &t, &err);

	if (rc) {
		fprintf(stderr, "bench_xlsx: %s\n", err.msg);
		return 1;
	}
	printf("%lld %lld %lld %.4f %u\n", (long long)t.rows, (long long)t.cells,
	       (long long)t.bytes, bench_now_s() - t0, t.mix);
	return 0;
}

/* A child's run (common.h): its output, wall and CPU times, peak RSS, exit status. */
typedef bench_run run;

/* Bytes of the sheet part inside the xlsx (what the reader streams). */
static uint64_t sheet_xml_bytes(const char *path)
{
	int ze = 0;
	zip_t *za = zip_open(path, ZIP_RDONLY, &ze);
	zip_stat_t st;
	uint64_t n = 0;

	if (!za)
		return 0;
	if (zip_stat(za, "xl/worksheets/sheet1.xml", 0, &st) == 0)
		n = st.size;
	zip_discard(za);
	return n;
}

/* Reads `path` RUNS times in fresh processes; *med gets the output of the first run, the
 * median wall and the median CPU time (taken apart), and the largest peak RSS. */
static int measure(run *med, const char *self, const char *path)
{
	char *argv[] = {(char *)self, "--read", (char *)path, NULL};

	return bench_measure(med, argv, RUNS);
}

static void machine(char *out, size_t outsz)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(out, outsz, "unknown CPU");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) == 0) {
			char *v = strchr(line, ':');

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

int main(int argc, char **argv)
{
	const char *dir = "bench/out", *python = "/usr/bin/python3";
	long big = 100000, small = 20000;
	bool regen = false, baseline = true;
	char self[1024], pbig[1200], psmall[1200], cpu[128];
	run rb, rs, rp;
	struct stat st, st_small;
	ssize_t n;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--read") == 0 && i + 1 < argc)
			return read_child(argv[i + 1]);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			big = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--python") == 0 && i + 1 < argc)
			python = argv[++i];
		else if (strcmp(argv[i], "--regen") == 0)
			regen = true;
		else if (strcmp(argv[i], "--no-baseline") == 0)
			baseline = false;
		else {
			fprintf(stderr, "usage: bench_xlsx [--dir DIR] [--rows N] [--regen] "
					"[--python PATH] [--no-baseline]\n");
			return 2;
		}
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	mkdir(dir, 0777);
	snprintf(pbig, sizeof(pbig), "%s/orders_%ld.xlsx", dir, big);
	snprintf(psmall, sizeof(psmall), "%s/orders_%ld.xlsx", dir, small);
	if (regen || stat(pbig, &st) != 0) {
		double t0 = bench_now_s();

		if (write_orders(pbig, dir, big) != 0) {
			fprintf(stderr, "bench_xlsx: cannot write %s\n", pbig);
			return 1;
		}
		fprintf(stderr, "wrote %s in %.1f s\n", pbig, bench_now_s() - t0);
	}
	if (regen || stat(psmall, &st) != 0) {
		if (write_orders(psmall, dir, small) != 0) {
			fprintf(stderr, "bench_xlsx: cannot write %s\n", psmall);
			return 1;
		}
	}
	if (measure(&rb, self, pbig) != 0 || measure(&rs, self, psmall) != 0) {
		fprintf(stderr, "bench_xlsx: the reader failed\n");
		return 1;
	}
	machine(cpu, sizeof(cpu));
	stat(pbig, &st);
	stat(psmall, &st_small);
	printf("xlsx reader benchmark (%s, %ld CPUs)\n", cpu, ncpu);
	printf("file: %s: %ld rows x %d columns, %.1f MB zipped, sheet XML %.1f MB\n", pbig,
	       big + 1, N_COLS, (double)st.st_size / 1e6, (double)sheet_xml_bytes(pbig) / 1e6);
	{
		long long rows = 0, cells = 0, bytes = 0;
		double secs = 0;

		sscanf(rb.out, "%lld %lld %lld %lf", &rows, &cells, &bytes, &secs);
		printf("jaego    %7ld rows: wall %.3f s, cpu %.3f s, peak RSS %.1f MB (%.1f MB "
		       "without the mapped file); %lld rows, %lld cells, %.1f MB of text; medians "
		       "of %d runs\n",
		       big, rb.wall, rb.cpu, (double)rb.maxrss / 1024,
		       (double)rb.maxrss / 1024 - (double)st.st_size / 1048576.0, rows, cells,
		       (double)bytes / 1e6, RUNS);
		sscanf(rs.out, "%lld %lld %lld %lf", &rows, &cells, &bytes, &secs);
		printf("jaego    %7ld rows: wall %.3f s, cpu %.3f s, peak RSS %.1f MB (%.1f MB "
		       "without the mapped file)\n",
		       small, rs.wall, rs.cpu, (double)rs.maxrss / 1024,
		       (double)rs.maxrss / 1024 - (double)st_small.st_size / 1048576.0);
	}
	if (baseline) {
		char *pargv[] = {(char *)python, "-c", (char *)openpyxl_script, pbig, NULL};

		if (bench_run_child(&rp, pargv) != 0) {
			printf("openpyxl: not run (%s with openpyxl needed)\n", python);
		} else {
			long long rows = 0, cells = 0;
			double secs = 0;

			sscanf(rp.out, "%lld %lld %lf", &rows, &cells, &secs);
			printf("openpyxl %7ld rows: wall %.3f s, cpu %.3f s, peak RSS %.1f MB; "
			       "%lld rows, %lld cells (read-only mode, %.3f s inside Python)\n",
			       big, rp.wall, rp.cpu, (double)rp.maxrss / 1024, rows, cells, secs);
			printf("ratio openpyxl / jaego: wall %.1fx, cpu %.1fx, peak RSS %.1fx\n",
			       rp.wall / rb.wall, rp.cpu / rb.cpu,
			       (double)rp.maxrss / (double)rb.maxrss);
		}
	}
	printf("target at %ld rows: time < 0.5 s: %s (wall), %s (cpu); peak RSS < 64 MB: %s\n", big,
	       rb.wall < 0.5 ? "met" : "NOT met", rb.cpu < 0.5 ? "met" : "NOT met",
	       rb.maxrss < 64 * 1024 ? "met" : "NOT met");
	return 0;
}
