#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# The baseline of bench_import: the script a seller writes to load a day's order files into
# SQLite. It knows each channel's layout by heart (which header row, which columns, how the
# line id is made, what the status words mean), reads xlsx with openpyxl in read-only mode,
# .xls with xlrd, CSV/TSV with the csv module (UTF-8, else CP949), and for every row inserts
# the order line into an orders table keyed by (channel, line id) and, for a new line whose
# listing is mapped, updates the stock table per component: open lines add to committed,
# shipped ones take from on hand. One commit per file. It does less than jaego (no other
# channel's quantities, no oversold marks, no import log, no ledger of movements); bench_import
# checks that both reach the same rows, new lines, unmatched lines and stock figures.
#
#   baseline_import.py setup DB skus.csv listings.csv       builds the catalogue (not timed)
#   baseline_import.py import DB off|full CHANNEL=FILE...   imports; prints per file
#       "F index rows new unmatched seconds", then "T seconds on_hand committed"
# Run it with Debian's python3 (python3-openpyxl, python3-xlrd).
import csv
import datetime
import io
import sqlite3
import sys
import time

KST = datetime.timezone(datetime.timedelta(hours=9))
UTC = datetime.timezone.utc

# What the seller knows about each channel's file. `line_id` is one column or several
# joined with '-' ('#seq' is the line's position in its order); `when` is the order time
# column with the strptime format of its text (None: a date cell).
CHANNELS = {
    'smartstore': dict(
        reader='xlsx', header_row=2, line_id=['상품주문번호'], order_no='주문번호',
        product='상품번호', option='옵션정보', qty='수량', price='최종 상품별 총 주문금액',
        status='주문상태', claim='클레임상태', when='주문일시', when_fmt=None, tz=KST,
        name='상품명', recipient='수취인명', phone='수취인연락처1', postal='우편번호',
        address='통합배송지', message='배송메세지',
        words={'결제완료': 'open', '발주확인': 'open', '배송중': 'shipped',
               '취소완료': 'cancelled'}),
    'coupang': dict(
        reader='xlsx', header_row=1, line_id=['묶음배송번호', '옵션ID'], order_no='주문번호',
        product='옵션ID', option=None, qty='구매수(수량)', price='결제액', shipped_if='출고일(발송일)',
        when='주문일', when_fmt='%Y-%m-%d %H:%M:%S', tz=KST, name='노출상품명(옵션명)',
        recipient='수취인이름', phone='수취인전화번호', postal='우편번호', address='수취인 주소',
        message='배송메세지'),
    'gmarket': dict(
        reader='xls', header_row=1, line_id=['주문번호'], order_no='장바구니번호(결제번호)',
        product='상품번호', option='주문옵션', qty='수량', price='판매금액', status='배송상태',
        when='결제완료일', when_fmt=None, tz=KST, name='상품명', recipient='수령인명',
        phone='수령인 휴대폰', postal='우편번호', address='주소', message='배송시 요구사항',
        words={'결제완료': 'open', '배송준비중': 'open', '배송중': 'shipped',
               '취소완료': 'cancelled'}),
    'auction': dict(
        reader='csv', header_row=1, line_id=['주문번호'], order_no='장바구니번호(결제번호)',
        product='상품번호', option='주문옵션', qty='수량', price='판매금액', status='배송상태',
        when='결제완료일', when_fmt='%Y-%m-%d %H:%M:%S', tz=KST, name='상품명',
        recipient='수령인명', phone='수령인 휴대폰', postal='우편번호', address='주소',
        message='배송시 요구사항',
        words={'결제완료': 'open', '배송준비중': 'open', '배송중': 'shipped',
               '취소완료': 'cancelled'}),
    '11st': dict(
        reader='csv', header_row=1, line_id=['주문번호', '주문순번'], order_no='주문번호',
        product='상품번호', option='옵션', qty='수량', price='결제금액', status='주문상태',
        when='주문일시', when_fmt='%Y.%m.%d %H:%M', tz=KST, name='상품명', recipient='수취인',
        phone='휴대폰번호', postal='우편번호', address='주소', message='배송메세지',
        words={'결제완료': 'open', '발송대기': 'open', '배송중': 'shipped',
               '취소완료': 'cancelled'}),
    'cafe24': dict(
        reader='csv', header_row=1, line_id=['품목별 주문번호'], order_no='주문번호',
        product='상품품목코드', option='상품옵션', qty='수량', price='판매가', status='주문상태',
        when='주문일시', when_fmt='%Y-%m-%d %H:%M:%S', tz=KST, name='주문상품명',
        recipient='수령인', phone='수령인 휴대전화', postal='수령인 우편번호',
        address='수령인 주소', message='배송메시지',
        words={'상품준비중': 'open', '배송준비중': 'open', '배송중': 'shipped',
               '취소완료': 'cancelled'}),
    'shopify': dict(
        reader='csv', header_row=1, line_id=['Name', '#seq'], order_no='Name',
        product='Lineitem sku', option=None, qty='Lineitem quantity', price='Lineitem price',
        cents=True, status='Lineitem fulfillment status', cancelled_if='Cancelled at',
        when='Created at', when_fmt='%Y-%m-%d %H:%M:%S %z', tz=UTC, name='Lineitem name',
        recipient='Shipping Name', phone='Shipping Phone', postal='Shipping Zip',
        address='Shipping Address1', message=None,
        fill_down=['Created at', 'Shipping Name', 'Shipping Phone', 'Shipping Zip',
                   'Shipping Address1', 'Cancelled at'],
        words={'pending': 'open', 'unfulfilled': 'open', 'fulfilled': 'shipped'}),
    'amazon': dict(
        reader='tsv', header_row=1, line_id=['order-id', 'order-item-id'], order_no='order-id',
        product='sku', option=None, qty='quantity-purchased', price='item-price', cents=True,
        status='order-status', when='purchase-date', when_fmt='%Y-%m-%dT%H:%M:%S%z', tz=UTC,
        name='product-name', recipient='recipient-name', phone='ship-phone-number',
        postal='ship-postal-code', address='ship-address-1', message=None,
        words={'Pending': 'open', 'Unshipped': 'open', 'Shipped': 'shipped',
               'Cancelled': 'cancelled'}),
    'ebay': dict(
        reader='csv', header_row=1, line_id=['Order Number', 'Transaction ID'],
        order_no='Order Number', product='Item Number', option='Variation Details',
        qty='Quantity', price='Sold For', cents=True, shipped_if='Shipped On Date',
        when='Sale Date', when_fmt='%m/%d/%y %H:%M', tz=UTC, name='Item Title',
        recipient='Ship To Name', phone='Ship To Phone', postal='Ship To Zip',
        address='Ship To Address 1', message=None),
    'mymall': dict(
        reader='xls', header_row=2, line_id=['주문상세번호'], order_no='주문번호',
        product='상품코드', option='옵션', qty='수량', price='판매가', status='주문상태',
        when='주문일시', when_fmt=None, tz=KST, name='상품명', recipient='수령인',
        phone='연락처', postal='우편번호', address='배송지', message='배송메시지',
        words={'신규주문': 'open', '상품준비중': 'open', '배송중': 'shipped',
               '취소완료': 'cancelled'}),
}


def text(v):
    """A cell as text; ids a spreadsheet stored as numbers lose their '.0'."""
    if v is None:
        return ''
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, datetime.datetime):
        return v.strftime('%Y-%m-%d %H:%M:%S')
    return str(v).strip()


def rows_xlsx(path):
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for row in wb.worksheets[0].iter_rows(values_only=True):
            yield row
    finally:
        wb.close()


def rows_xls(path):
    import xlrd
    wb = xlrd.open_workbook(path)
    sh = wb.sheet_by_index(0)
    for i in range(sh.nrows):
        out = []
        for c in sh.row(i):
            if c.ctype == xlrd.XL_CELL_DATE:
                out.append(xlrd.xldate_as_datetime(c.value, wb.datemode))
            elif c.ctype == xlrd.XL_CELL_EMPTY:
                out.append(None)
            else:
                out.append(c.value)
        yield out


def rows_csv(path, delimiter):
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        data = raw.decode('utf-8-sig')
    except UnicodeDecodeError:
        data = raw.decode('cp949')
    yield from csv.reader(io.StringIO(data, newline=''), delimiter=delimiter)


def reader(spec, path):
    r = spec['reader']
    if r == 'xlsx':
        return rows_xlsx(path)
    if r == 'xls':
        return rows_xls(path)
    return rows_csv(path, '\t' if r == 'tsv' else ',')


def money(v, cents):
    if v is None or v == '':
        return None
    if isinstance(v, (int, float)):
        return int(round(v * 100)) if cents else int(v)
    s = str(v).replace(',', '').replace('$', '').replace('원', '').strip()
    return int(round(float(s) * 100)) if cents else int(float(s))


def phone(v):
    if isinstance(v, (int, float)):
        return '0' + str(int(v))
    return text(v)


def postal(v):
    if isinstance(v, (int, float)):
        return str(int(v)).zfill(5)
    return text(v)


def epoch_ms(v, spec):
    if v is None or v == '':
        return 0
    if isinstance(v, datetime.datetime):
        d = v
    else:
        d = datetime.datetime.strptime(str(v).strip(), spec['when_fmt'])
    if d.tzinfo is None:
        d = d.replace(tzinfo=spec['tz'])
    return int(d.timestamp() * 1000)


def import_file(con, channel, path, listings):
    spec = CHANNELS[channel]
    rows = reader(spec, path)
    for _ in range(spec['header_row'] - 1):
        next(rows)
    header = [text(h) for h in next(rows)]
    col = {h: i for i, h in enumerate(header)}
    key_cols = [col[n] for n in spec['line_id'] if n != '#seq']
    qty_col, prod_col = col[spec['qty']], col[spec['product']]
    fill = spec.get('fill_down', [])
    cents = spec.get('cents', False)
    words = spec.get('words', {})
    carried = {}
    prev_order, seq, same = None, 0, False
    n_rows = added = unmatched = 0

    def get(row, name):
        if name is None or name not in col:
            return None
        i = col[name]
        v = row[i] if i < len(row) else None
        if name in fill:
            if v is None or v == '':
                v = carried.get(name) if same else None
            carried[name] = v
        return v

    for row in rows:
        cells = [row[i] if i < len(row) else None for i in (key_cols[0], qty_col, prod_col)]
        if all(c is None or text(c) == '' for c in cells):
            continue  # a blank line or the report's closing lines
        n_rows += 1
        order_no = text(get(row, spec['order_no']))
        same = order_no != '' and order_no == prev_order
        seq = seq + 1 if same else 1
        prev_order = order_no
        parts = [str(seq) if n == '#seq' else text(row[col[n]]) for n in spec['line_id']]
        line_id = '-'.join(parts)
        product = text(row[prod_col])
        option = text(get(row, spec['option']))
        qty = int(float(text(row[qty_col]).replace(',', '')))
        status = 'open'
        if spec.get('cancelled_if') and text(get(row, spec['cancelled_if'])):
            status = 'cancelled'
        elif spec.get('claim') and text(get(row, spec['claim'])):
            status = words[text(get(row, spec['claim']))]
        elif spec.get('status') and text(get(row, spec['status'])):
            status = words[text(get(row, spec['status']))]
        elif spec.get('shipped_if') and text(get(row, spec['shipped_if'])):
            status = 'shipped'
        ordered_at = epoch_ms(get(row, spec['when']), spec)
        recipe = listings.get((channel, product, option))
        cur = con.execute(
            'INSERT OR IGNORE INTO order_line (channel, line_id, order_no, product_id, option,'
            ' product_name, qty, price, status, ordered_at, recipient, phone, postal, address,'
            ' message, matched) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)',
            (channel, line_id, order_no, product, option, text(get(row, spec['name'])), qty,
             money(get(row, spec['price']), cents), status, ordered_at,
             text(get(row, spec['recipient'])), phone(get(row, spec['phone'])),
             postal(get(row, spec['postal'])), text(get(row, spec['address'])),
             text(get(row, spec['message'])), recipe is not None))
        if cur.rowcount != 1:
            continue  # known line
        added += 1
        if status == 'cancelled':
            continue
        if recipe is None:
            unmatched += 1
            continue
        for sku, per in recipe:
            if status == 'open':
                con.execute('UPDATE stock SET committed = committed + ? WHERE sku = ?',
                            (qty * per, sku))
            else:
                con.execute('UPDATE stock SET on_hand = on_hand - ? WHERE sku = ?',
                            (qty * per, sku))
    con.commit()
    return n_rows, added, unmatched


def setup(db, skus, listings):
    con = sqlite3.connect(db)
    con.executescript(
        'CREATE TABLE stock (sku TEXT PRIMARY KEY, name TEXT, on_hand INTEGER NOT NULL,'
        ' committed INTEGER NOT NULL DEFAULT 0);'
        'CREATE TABLE listing (channel TEXT, product_id TEXT, option TEXT, recipe TEXT,'
        ' PRIMARY KEY (channel, product_id, option));'
        'CREATE TABLE order_line (id INTEGER PRIMARY KEY, channel TEXT NOT NULL,'
        ' line_id TEXT NOT NULL, order_no TEXT, product_id TEXT, option TEXT,'
        ' product_name TEXT, qty INTEGER, price INTEGER, status TEXT, ordered_at INTEGER,'
        ' recipient TEXT, phone TEXT, postal TEXT, address TEXT, message TEXT, matched INTEGER,'
        ' UNIQUE (channel, line_id));')
    with open(skus, encoding='utf-8', newline='') as f:
        con.executemany('INSERT INTO stock (sku, name, on_hand) VALUES (?, ?, ?)',
                        ((r['code'], r['name'], int(r['stock'])) for r in csv.DictReader(f)))
    with open(listings, encoding='utf-8', newline='') as f:
        con.executemany('INSERT INTO listing VALUES (?, ?, ?, ?)',
                        ((r['channel'], r['product_id'], r['option'], r['recipe'])
                         for r in csv.DictReader(f)))
    con.commit()
    con.close()


def load_listings(con):
    out = {}
    for channel, product, option, recipe in con.execute('SELECT * FROM listing'):
        parts = []
        for p in recipe.split(','):
            sku, _, n = p.partition('*')
            parts.append((sku, int(n or 1)))
        out[(channel, product, option)] = parts
    return out


def main():
    if len(sys.argv) == 5 and sys.argv[1] == 'setup':
        setup(*sys.argv[2:5])
        return
    if len(sys.argv) < 5 or sys.argv[1] != 'import' or sys.argv[3] not in ('off', 'full'):
        sys.exit(__doc__ or 'usage: baseline_import.py setup|import ...')
    t0 = time.perf_counter()
    con = sqlite3.connect(sys.argv[2])
    con.execute('PRAGMA synchronous=%s' % ('FULL' if sys.argv[3] == 'full' else 'OFF'))
    listings = load_listings(con)
    names = list(CHANNELS)
    for arg in sys.argv[4:]:
        channel, _, path = arg.partition('=')
        t1 = time.perf_counter()
        rows, added, unmatched = import_file(con, channel, path, listings)
        print('F %d %d %d %d %.6f' % (names.index(channel), rows, added, unmatched,
                                     time.perf_counter() - t1), flush=True)
    on_hand, committed = con.execute('SELECT SUM(on_hand), SUM(committed) FROM stock').fetchone()
    con.close()
    print('T %.6f %d %d' % (time.perf_counter() - t0, on_hand, committed))


if __name__ == '__main__':
    main()
