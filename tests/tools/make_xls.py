#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# Writes a legacy .xls (BIFF8) order file with python3-xlwt, for tests/import/test_xls_html.c.
# The workbook looks like a Korean seller-centre download: a title row above the header on
# row 2, order and phone numbers stored as numbers (as a spreadsheet does to them), dates and
# date-times with date formats, an empty row, decomposed (NFD) Korean as a Mac types it, and
# several sheets. With --encrypted, a FILEPASS record (RC4) is put into the workbook globals
# so that the file reads as password-protected:
#   bof   right after the BOF, as Excel writes it, and every record body after it scrambled
#         the way encryption scrambles it (headers, BOF and sheet offsets stay clear);
#   late  after the second record, bodies left clear.
# With --kind, another workbook instead:
#   sst   one sheet of 600 rows whose shared strings (Korean as UTF-16, Latin-1 ones
#         "compressed", rich text, emoji, a few of 3,000 to 20,000 characters) make an SST
#         that xlwt splits over many CONTINUE records, strings cut anywhere; the text of
#         every row is written to OUT.xls.txt (cells joined by tabs) for the test to compare;
#         xlwt writes rows in the order they were first touched, so the rich-text rows,
#         made first, come before all the others and the reader has to sort the sheet;
#   misc  1904 date system, a hidden first sheet, then a sheet of RK integers and RK
#         hundredths, NUMBER records, dates, date-times and a time, booleans.
# Usage: make_xls.py OUT.xls [--encrypted bof|late | --kind sst|misc]

import datetime
import random
import struct
import sys
import unicodedata

import xlwt
from xlwt import CompoundDoc

BOF, BOUNDSHEET, FILEPASS = 0x0809, 0x0085, 0x002F


def workbook():
    wb = xlwt.Workbook(encoding="utf-8")
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    stamp = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")

    ws = wb.add_sheet("주문목록")
    ws.write_merge(0, 0, 0, 5, "스마트스토어 주문 내역")
    header = ["상품주문번호", "주문번호", "주문일시", "발송기한", "수취인명", "수취인연락처1",
              "상품명", "옵션정보", "수량", "결제금액", "우편번호", "할인율"]
    for c, h in enumerate(header):
        ws.write(1, c, h)
    rows = [
        [2026112900000001, 2026112912345, datetime.datetime(2026, 11, 29, 14, 5, 0),
         datetime.date(2026, 12, 1), "김철수", 1012345678, "무선 마우스",
         "색상: 블랙 / 사이즈: L", 2, 25000, "06236", 12.5],
        [2026112900000002, 2026112912346, datetime.datetime(2026, 11, 29, 23, 59, 59),
         datetime.date(2026, 12, 2), unicodedata.normalize("NFD", "이영희"), 1098765432,
         "키보드 <무선>", "", 1, 1234567, "04524", 0.1],
        None,  # an empty row: skipped, the row numbers after it stay as Excel shows them
        [2026112900000003, 2026112912347, datetime.datetime(2026, 11, 30, 9, 0, 0),
         datetime.date(2026, 12, 3), "박민수", 50412345678, "똠얌꿍 소스", "맛: 매운맛", 3,
         -3000, "63534", 12000000000000000.0],
    ]
    for r, row in enumerate(rows, start=2):
        if row is None:
            continue
        for c, v in enumerate(row):
            if isinstance(v, datetime.datetime):
                ws.write(r, c, v, stamp)
            elif isinstance(v, datetime.date):
                ws.write(r, c, v, date)
            elif v == "":
                continue
            else:
                ws.write(r, c, v)

    ws2 = wb.add_sheet("반품")
    ws2.write(0, 0, "주문번호")
    ws2.write(0, 1, "사유")
    ws2.write(1, 0, 2026112912345)
    ws2.write(1, 1, "단순 변심")

    ws3 = wb.add_sheet("넓은시트")
    for c in range(40):
        ws3.write(0, c, "열%d" % (c + 1))
    return wb


def sst_workbook(out):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("긴목록")
    rng = random.Random(949)
    syll = "가나다라마바사아자차카타파하똠햏꿍뷁"
    latin = "café crème brûlée naïve façade "
    rows = [["이름", "영문", "서식"]]
    for r in range(1, 600):
        n = rng.choice([1, 3, 10, 40, 200, 700, 1500]) if r % 97 else rng.choice(
            [3000, 9000, 20000])
        ko = "%d번 " % r + "".join(rng.choice(syll) for _ in range(n))
        if r % 13 == 0:
            ko += " 😀 끝"  # a surrogate pair
        la = "%d " % r + "".join(rng.choice(latin) for _ in range(rng.choice([0, 5, 90, 2500])))
        rows.append([ko, la.strip(), None])
        if r % 7 == 0:
            parts = [("굵게 %d " % r, xlwt.easyxf("font: bold on").font),
                     ("보통" * (r % 50 + 1), xlwt.easyxf("font: italic on").font),
                     (" end", xlwt.easyxf("").font)]
            ws.write_rich_text(r, 2, parts)
            rows[-1][2] = "".join(p[0] for p in parts)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None and not (r and c == 2):
                ws.write(r, c, v)
    wb.save(out)
    with open(out + ".txt", "w", encoding="utf-8") as f:
        for row in rows:
            f.write("\t".join(v or "" for v in row) + "\n")


def misc_workbook(out):
    wb = xlwt.Workbook(encoding="utf-8")
    wb.dates_1904 = True
    hidden = wb.add_sheet("숨김")
    hidden.write(0, 0, "숨은 시트")
    hidden.visibility = 1
    ws = wb.add_sheet("주문")
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    stamp = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
    clock = xlwt.easyxf(num_format_str="HH:MM:SS")
    for c, h in enumerate(["번호", "금액", "비율", "일자", "일시", "시각", "여부", "연락처"]):
        ws.write(0, c, h)
    ws.write(1, 0, 1)                      # RK integer
    ws.write(1, 1, 25000)                  # RK integer
    ws.write(1, 2, 12.34)                  # RK hundredths
    ws.write(1, 3, datetime.date(2026, 11, 29), date)
    ws.write(1, 4, datetime.datetime(2026, 11, 29, 14, 5, 0), stamp)
    ws.write(1, 5, datetime.time(9, 30), clock)
    ws.write(1, 6, True)                   # BOOLERR
    ws.write(1, 7, 1012345678)             # past 30 bits: NUMBER
    ws.write(2, 0, -5)
    ws.write(2, 1, -0.5)
    ws.write(2, 2, 1 / 3)                  # NUMBER
    ws.write(2, 3, datetime.date(1904, 1, 1), date)
    ws.write(2, 6, False)
    ws.write(2, 7, 2026112900000001)
    wb.save(out)


def records(data):
    out, i = [], 0
    while i + 4 <= len(data):
        typ, n = struct.unpack_from("<HH", data, i)
        out.append([typ, bytearray(data[i + 4:i + 4 + n])])
        i += 4 + n
    return out


def encrypt(data, where):
    recs = records(data)
    body = struct.pack("<HHH", 1, 1, 1) + bytes(range(48))  # RC4: version 1.1, salt, verifier
    filepass = [FILEPASS, bytearray(body)]
    pos = 1 if where == "bof" else 2
    recs.insert(pos, filepass)
    grow = 4 + len(body)
    rng = random.Random(949)
    for i, (typ, b) in enumerate(recs):
        if typ == BOUNDSHEET:
            off = struct.unpack_from("<I", b, 0)[0]
            struct.pack_into("<I", b, 0, off + grow)
        if where == "bof" and i > pos and typ != BOF:
            start = 4 if typ == BOUNDSHEET else 0
            for k in range(start, len(b)):
                b[k] ^= rng.randrange(256)
    return b"".join(struct.pack("<HH", t, len(b)) + bytes(b) for t, b in recs)


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and (
            (sys.argv[2], sys.argv[3]) not in (("--encrypted", "bof"), ("--encrypted", "late"),
                                               ("--kind", "sst"), ("--kind", "misc")))):
        sys.exit("usage: make_xls.py OUT.xls [--encrypted bof|late | --kind sst|misc]")
    if len(sys.argv) == 4 and sys.argv[2] == "--kind":
        (sst_workbook if sys.argv[3] == "sst" else misc_workbook)(sys.argv[1])
        return
    wb = workbook()
    if len(sys.argv) == 2:
        wb.save(sys.argv[1])
        return
    data = encrypt(wb.get_biff_data(), sys.argv[3])
    CompoundDoc.XlsDoc().save(sys.argv[1], data)


if __name__ == "__main__":
    main()
