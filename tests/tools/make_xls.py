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
#   late  after the second record, bodies left clear (only FreeXL's flag can tell).
# Usage: make_xls.py OUT.xls [--encrypted bof|late]

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
            sys.argv[2] != "--encrypted" or sys.argv[3] not in ("bof", "late"))):
        sys.exit("usage: make_xls.py OUT.xls [--encrypted bof|late]")
    wb = workbook()
    if len(sys.argv) == 2:
        wb.save(sys.argv[1])
        return
    data = encrypt(wb.get_biff_data(), sys.argv[3])
    CompoundDoc.XlsDoc().save(sys.argv[1], data)


if __name__ == "__main__":
    main()
