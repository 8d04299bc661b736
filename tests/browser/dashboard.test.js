#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// The dashboard, end to end in a real browser: Debian's Chromium driven by playwright-core
// (which never downloads a browser) against the real `jaego serve` on a free port, with a
// temporary database loaded by `jaego demo` and an admin made by `jaego user add`.
//
//   node dashboard.test.js JAEGO_BINARY OUTPUT_DIR
//
// Steps: log in; read the stock grid; drop two channel order files at once on 업로드 (a
// Coupang DeliveryList with one line for an option nobody mapped, and a generic SmartStore
// file with an oversold line and a bad row) and check each file's summary; watch a second
// tab's grid change without a reload (server-sent events) and a third tab's through the
// 5-second polling fallback; map the unmatched line on 매칭; open "why this number"; ship
// a line on 주문; cover the oversold line by receiving stock on 초과판매; download Coupang's
// update file on 동기화 and check its rows against the grid; preview and save a channel
// rule on 채널; upload a SKU list (new SKU in the grid) and a listing list with a bad row
// (refused, the row shown) on 업로드; switch to English; log out. A screenshot of every page is saved in
// OUTPUT_DIR. Any failed expectation, or any error in a page's console, fails the test.
'use strict';

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const assert = require('assert/strict');

let chromium;
try {
	({ chromium } = require('playwright-core'));
} catch (e) {
	console.error('browser test: playwright-core is missing: run scripts/setup.sh (npm ci --prefix tests/browser)');
	process.exit(1);
}

const CHROMIUM = process.env.JG_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'dashboard-test-pw-1';
const TIMEOUT = 20000;

const [jaego, outDir] = process.argv.slice(2);
if (!jaego || !outDir) {
	console.error('usage: node dashboard.test.js JAEGO_BINARY OUTPUT_DIR');
	process.exit(2);
}
if (!fs.existsSync(CHROMIUM)) {
	console.error(`browser test: ${CHROMIUM} is missing: run scripts/setup.sh (Debian package chromium)`);
	process.exit(1);
}
fs.mkdirSync(outDir, { recursive: true });
for (const f of fs.readdirSync(outDir))
	if (f.endsWith('.png') || f.endsWith('.csv') || f.endsWith('.log'))
		fs.rmSync(path.join(outDir, f));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jaego-browser-'));
const db = path.join(work, 'shop.db');
const consoleErrors = [];
const timings = [];
const t0 = Date.now();
let server = null;
let serverLog = '';
let context = null;

function log(msg) {
	process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}\n`);
}

function run(args, input) {
	const r = spawnSync(jaego, ['--db', db, ...args], { input, encoding: 'utf8' });
	if (r.status !== 0)
		throw new Error(`jaego ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
	return r.stdout;
}

// `jaego serve --listen 127.0.0.1:0` picks a free port and prints {"url"} when ready.
function startServer() {
	return new Promise((resolve, reject) => {
		server = spawn(jaego, ['--db', db, '--json', 'serve', '--listen', '127.0.0.1:0'], {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: Object.assign({}, process.env, { ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=1' }),
		});
		let out = '';
		const timer = setTimeout(() => reject(new Error('jaego serve did not say it was ready in 20 s:\n' + serverLog)), TIMEOUT);
		server.stdout.on('data', (d) => {
			out += d;
			const m = out.match(/"url"\s*:\s*"([^"]+)"/);
			if (m) {
				clearTimeout(timer);
				resolve(m[1].replace(/\/$/, ''));
			}
		});
		server.stderr.on('data', (d) => { serverLog += d; });
		server.on('exit', (code, sig) => {
			clearTimeout(timer);
			reject(new Error(`jaego serve exited (${code ?? sig}) before it was ready:\n${serverLog}`));
		});
	});
}

function stopServer() {
	return new Promise((resolve) => {
		if (!server || server.exitCode !== null) {
			resolve(server ? server.exitCode : 0);
			return;
		}
		server.removeAllListeners('exit');
		serverDied = new Promise(() => {});
		const timer = setTimeout(() => server.kill('SIGKILL'), 10000);
		server.on('exit', (code, sig) => {
			clearTimeout(timer);
			resolve(code ?? sig);
		});
		server.kill('SIGTERM');
	});
}

// Rejects when the server ends while the test still needs it (a crash, a sanitizer abort),
// so that a step fails at once with the server's last words instead of a browser timeout.
let serverDied = new Promise(() => {});
function watchServer() {
	serverDied = new Promise((resolve, reject) => {
		server.on('exit', (code, sig) => {
			const tail = serverLog.split('\n').filter((l) => !l.startsWith('at=')).slice(-40).join('\n');
			reject(new Error(`jaego serve ended (${code ?? sig}) during the test:\n${tail}`));
		});
	});
	serverDied.catch(() => {});
}

async function step(name, fn) {
	const s = Date.now();
	log(`${name} ...`);
	const run = fn();
	run.catch(() => {}); // when the server died first, this one's failure is only an echo
	await Promise.race([run, serverDied]);
	const ms = Date.now() - s;
	timings.push([name, ms]);
	log(`${name}: ok (${ms} ms)`);
}

// Answers a step expects to fail (a list refused for its bad rows is 422): Chromium logs
// every non-2xx resource as a console error, so each expected one is named beforehand,
// {status, path}, and forgiven once.
const expectedFailures = [];
function expectedFailure(m) {
	const url = (m.location() && m.location().url) || '';
	const i = expectedFailures.findIndex((x) => m.text().includes(`status of ${x.status}`) && url.includes(x.path));
	if (i < 0)
		return false;
	expectedFailures.splice(i, 1);
	return true;
}

function watch(page, label) {
	page.on('console', (m) => {
		if (m.type() === 'error' && !expectedFailure(m))
			consoleErrors.push(`${label}: console error: ${m.text()} (${JSON.stringify(m.location())})`);
	});
	page.on('pageerror', (e) => consoleErrors.push(`${label}: uncaught: ${e.message}`));
	return page;
}

async function shot(page, name) {
	const file = path.join(outDir, name + '.png');
	await page.screenshot({ path: file, fullPage: true });
	log(`screenshot ${file}`);
}

const cell = (page, sku, channel) => page.locator(`button.cell[data-sku="${sku}"][data-channel="${channel}"]`);
async function cellValue(page, sku, channel) {
	const text = await cell(page, sku, channel).textContent({ timeout: TIMEOUT });
	return Number(text.replace(/[^0-9-]/g, ''));
}
async function waitCell(page, sku, channel, want, label) {
	const loc = cell(page, sku, channel);
	try {
		await loc.filter({ hasText: new RegExp(`^${want}$`) }).waitFor({ timeout: TIMEOUT });
	} catch (e) {
		throw new Error(`${label}: ${sku} x ${channel} should show ${want}, shows ${await loc.textContent()}`);
	}
}

// ---- the channel files ---------------------------------------------------------------------------

// Coupang Wing's DeliveryList columns (profiles/coupang.json): the line id is 묶음배송번호 +
// 옵션ID. One line is for an option already mapped in the demo shop (coupang-MUG-01), one
// for an option nobody mapped yet (a real-looking vendorItemId). Names and phones are fake.
const COUPANG_CSV = '\ufeff' + [
	'번호,묶음배송번호,주문번호,택배사,운송장번호,분리배송 Y/N,분리배송 출고예정일,주문시 출고예정일,출고일(발송일),주문일,등록상품명,등록옵션명,노출상품명(옵션명),노출상품ID,옵션ID,최초등록등록상품명/옵션명,업체상품코드,바코드,결제액,배송비구분,배송비,도서산간 추가배송비,구매수(수량),옵션판매가(판매단가),구매자,구매자전화번호,수취인이름,수취인전화번호,우편번호,수취인 주소,배송메세지',
	'1,3100000001,21000000001,,,N,,2026-11-30,,2026-11-29 10:01:00,세라믹 머그 350ml,단품,세라믹 머그 350ml,7100000001,coupang-MUG-01,세라믹 머그 350ml,MUG-01,,"12,000",무료,0,0,1,"12,000",테스트구매자,0504-0000-0001,테스트수취인,0504-0000-0002,06234,서울특별시 강남구 테헤란로 1 (테스트),문 앞에 놓아 주세요',
	'2,3100000002,21000000002,,,N,,2026-11-30,,2026-11-29 10:05:00,소이 캔들,라벤더 200g,소이 캔들 라벤더 200g,7100000002,87000001234,소이 캔들 라벤더 200g,,,"15,000",무료,0,0,1,"15,000",테스트구매자2,0504-0000-0003,테스트수취인2,0504-0000-0004,04524,서울특별시 중구 세종대로 2 (테스트),',
].join('\r\n') + '\r\n';
const COUPANG_NAME = 'DeliveryList(2026-11-29)_test.csv';

// A generic one-row-per-line file for SmartStore (the demo channel reads the generic
// layout): a plain line, a line for more T-shirts than there are (oversold), and a row whose
// quantity is 0 (rejected: row 4, column 7).
const SMARTSTORE_CSV = [
	'line_id,order_no,ordered_at,product_id,product_name,option,qty,status',
	'SS-1001,SO-1,2026-11-29 11:00,smartstore-SOCK-3P,데일리 양말 3켤레,,1,결제완료',
	'SS-1002,SO-2,2026-11-29 11:05,smartstore-TEE,오버핏 티셔츠,색상: 화이트 / 사이즈: M,4,결제완료',
	'SS-1003,SO-3,2026-11-29 11:10,smartstore-MUG-01,세라믹 머그,,0,결제완료',
].join('\n') + '\n';
const SMARTSTORE_NAME = 'smartstore_orders_20261129.csv';

// For the preview and the strict upload: a new mug line; and a good line with a bad row
// (quantity 0) that a strict upload refuses whole.
const PREVIEW_CSV = [
	'line_id,order_no,ordered_at,product_id,product_name,option,qty,status',
	'SS-2001,SO-21,2026-11-29 13:00,smartstore-MUG-01,세라믹 머그,,1,결제완료',
].join('\n') + '\n';
const STRICT_CSV = [
	'line_id,order_no,ordered_at,product_id,product_name,option,qty,status',
	'SS-3001,SO-31,2026-11-29 13:05,smartstore-MUG-01,세라믹 머그,,1,결제완료',
	'SS-3002,SO-32,2026-11-29 13:06,smartstore-MUG-01,세라믹 머그,,0,결제완료',
].join('\n') + '\n';

// A SmartStore download (an instruction line above the header, as Naver writes it) made
// with python3-openpyxl and password-protected by the real encrypting writer of the import
// tests (tests/tools/encrypt.js, officecrypto-tool). Both come with scripts/setup.sh.
const SMARTSTORE_PASSWORD = '1234';
function encryptedSmartStore(dir) {
	const plain = path.join(dir, 'plain.xlsx');
	const enc = path.join(dir, 'enc.xlsx');
	const py = [
		'import sys, openpyxl',
		'wb = openpyxl.Workbook(); ws = wb.active; ws.title = "발주발송관리"',
		'ws.append(["주문내역은 최근 3개월까지 조회됩니다."])',
		'ws.append(["상품주문번호", "주문번호", "주문일시", "주문상태", "상품번호", "상품명", "옵션정보", "수량", "수취인명", "수취인연락처1", "통합배송지"])',
		'ws.append(["2026112955512301", "2026112912345601", "2026-11-29 12:30:00", "결제완료", "smartstore-SOCK-3P", "데일리 양말 3켤레", "", 2, "테스트수취인3", "0504-0000-0005", "서울특별시 종로구 (테스트)"])',
		'wb.save(sys.argv[1])',
	].join('\n');
	let r = spawnSync('/usr/bin/python3', ['-c', py, plain], { encoding: 'utf8' });
	if (r.status !== 0)
		throw new Error('python3-openpyxl could not write the SmartStore file (run scripts/setup.sh): ' + r.stderr);
	const tool = path.join(__dirname, '..', 'tools', 'encrypt.js');
	r = spawnSync('node', [tool, 'standard', SMARTSTORE_PASSWORD, plain, enc], { encoding: 'utf8' });
	if (r.status !== 0)
		throw new Error('tests/tools/encrypt.js failed (run scripts/setup.sh): ' + r.stderr);
	return fs.readFileSync(enc);
}
const SMARTSTORE_ENC_NAME = '스마트스토어_전체주문발주발송관리_20261129_1230.xlsx';

// Drops files on the drop zone the way a browser does: a DataTransfer with File objects.
async function dropFiles(page, selector, files) {
	const dt = await page.evaluateHandle((list) => {
		const d = new DataTransfer();
		for (const f of list)
			d.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
		return d;
	}, files.map((f) => ({ name: f.name, type: f.type || 'text/csv', b64: (f.bytes || Buffer.from(f.text, 'utf8')).toString('base64') })));
	for (const type of ['dragenter', 'dragover', 'drop'])
		await page.dispatchEvent(selector, type, { dataTransfer: dt });
}

// A link of the main menu (its accessible name may end with a count: "매칭 (2)").
function nav(page, name) {
	return page.getByRole('navigation').getByRole('link', { name: typeof name === 'string' ? new RegExp('^' + name) : name });
}

function item(page, name) {
	return page.locator(`li.upload-item[data-file="${name}"]`);
}
async function stat(page, name, key) {
	const text = await item(page, name).locator(`[data-stat="${key}"] .n`).textContent();
	return Number(text.replace(/[^0-9-]/g, ''));
}

// ---- the test ------------------------------------------------------------------------------------

async function main() {
	let base;
	await step('prepare: jaego demo, jaego user add, jaego serve', async () => {
		run(['demo']);
		run(['user', 'add', 'admin', '--role', 'admin'], PASSWORD + '\n');
		base = await startServer();
		watchServer();
		log(`serving ${base}`);
	});

	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'jaego-chromium-'));
	await step('start Chromium', async () => {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
			viewport: { width: 1440, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul',
			acceptDownloads: true,
		});
		context.setDefaultTimeout(TIMEOUT);
		context.on('request', (r) => requested.push(r.url()));
	});
	const page = watch(context.pages()[0] || await context.newPage(), 'main tab');

	await step('log in', async () => {
		await page.goto(base + '/');
		await page.getByRole('heading', { name: '로그인' }).waitFor();
		await shot(page, '01-login');
		await page.getByLabel('사용자 이름').fill('admin');
		await page.getByLabel('비밀번호').fill(PASSWORD);
		await page.getByRole('button', { name: '로그인' }).click();
		await page.getByRole('heading', { name: '재고 현황' }).waitFor();
		assert.match(page.url(), /#\/stock$/);
		// The password never travels in a URL.
		assert.ok(!page.url().includes(PASSWORD));
	});

	const before = {};
	await step('stock grid', async () => {
		await cell(page, 'MUG-01', 'coupang').waitFor();
		before.mug = await cellValue(page, 'MUG-01', 'coupang');
		before.candle = await cellValue(page, 'CANDLE-LV', 'coupang');
		before.candleAvail = Number((await page.locator('tr[data-sku="CANDLE-LV"] td[data-col="available"]').textContent()).trim());
		log(`before: MUG-01 x coupang ${before.mug}, CANDLE-LV x coupang ${before.candle}, CANDLE-LV available ${before.candleAvail}`);
		assert.equal(before.mug, 4, 'demo: MUG-01 available 7 - safety 2 - coupang buffer 1');
		// The grid has every demo channel as a column and the low-stock row stands out.
		assert.equal(await page.locator('table.stock thead th.ch').count(), 10);
		assert.equal(await page.locator('tr.low[data-sku="CANDLE-LV"]').count(), 0);
		await shot(page, '02-stock');
	});

	// A second tab watches the grid live (server-sent events); a third has no EventSource
	// and falls back to polling every 5 s.
	const watcher = watch(await context.newPage(), 'live tab');
	const poller = watch(await context.newPage(), 'polling tab');
	let watcherLoads = 0;
	watcher.on('load', () => watcherLoads++);
	await step('open a live tab and a polling tab', async () => {
		await poller.addInitScript(() => { delete window.EventSource; });
		await watcher.goto(base + '/#/stock');
		await poller.goto(base + '/#/stock');
		await watcher.locator('.live[data-live="on"]').waitFor();
		await poller.locator('.live[data-live="poll"]').waitFor();
		await cell(watcher, 'MUG-01', 'coupang').waitFor();
		await cell(poller, 'MUG-01', 'coupang').waitFor();
	});

	await step('upload two channel files at once', async () => {
		await page.bringToFront();
		await nav(page, '업로드').click();
		await page.getByRole('heading', { name: '파일 업로드' }).waitFor();
		await dropFiles(page, '.dropzone', [
			{ name: COUPANG_NAME, text: COUPANG_CSV },
			{ name: SMARTSTORE_NAME, text: SMARTSTORE_CSV },
		]);
		await item(page, COUPANG_NAME).waitFor();
		await item(page, SMARTSTORE_NAME).waitFor();
		// Say which channel each file is from; the demo's Coupang channel reads Coupang's own
		// layout, so the layout stays on "the channel's own".
		await item(page, COUPANG_NAME).getByLabel('판매처').selectOption('coupang');
		assert.equal(await item(page, COUPANG_NAME).getByLabel('파일 형식').inputValue(), '');
		// The SmartStore file here is in the generic layout, not SmartStore's own: choose it.
		await item(page, SMARTSTORE_NAME).getByLabel('판매처').selectOption('smartstore');
		assert.equal(await item(page, SMARTSTORE_NAME).getByLabel('파일 형식').inputValue(), '');
		await item(page, SMARTSTORE_NAME).getByLabel('파일 형식').selectOption('generic');
		await page.getByRole('button', { name: '올리기 시작' }).click();
		await item(page, COUPANG_NAME).locator('[data-state="done"]').waitFor();
		await item(page, SMARTSTORE_NAME).locator('[data-state="done"]').waitFor();

		assert.equal(await stat(page, COUPANG_NAME, 'new'), 2);
		assert.equal(await stat(page, COUPANG_NAME, 'unmatched'), 1);
		assert.equal(await stat(page, COUPANG_NAME, 'rejected'), 0);
		assert.equal(await stat(page, COUPANG_NAME, 'duplicates'), 0);
		await item(page, COUPANG_NAME).locator('details.unmatched').getByText('87000001234').waitFor();

		assert.equal(await stat(page, SMARTSTORE_NAME, 'new'), 2);
		assert.equal(await stat(page, SMARTSTORE_NAME, 'oversold'), 1);
		assert.equal(await stat(page, SMARTSTORE_NAME, 'rejected'), 1);
		const bad = item(page, SMARTSTORE_NAME).locator('details.rejected tbody tr');
		assert.equal(await bad.count(), 1);
		assert.equal(await bad.getAttribute('data-row'), '4');
		assert.equal(await bad.getAttribute('data-column'), '7');
		assert.match(await bad.textContent(), /qty/);
		// Every progress bar is full.
		for (const name of [COUPANG_NAME, SMARTSTORE_NAME])
			assert.equal(await item(page, name).locator('progress').getAttribute('value'), '100');
		await shot(page, '03-upload');
	});

	await step('the live tab\'s grid drops without a reload', async () => {
		await waitCell(watcher, 'MUG-01', 'coupang', before.mug - 1, 'live tab');
		assert.equal(watcherLoads, 1, 'the live tab was not reloaded');
		await shot(watcher, '04-stock-after-import');
	});

	await step('the polling tab follows within 5 s', async () => {
		await waitCell(poller, 'MUG-01', 'coupang', before.mug - 1, 'polling tab');
	});

	await step('upload a password-protected SmartStore file', async () => {
		await page.bringToFront();
		const bytes = encryptedSmartStore(work);
		const sent = [];
		const onRequest = (r) => {
			if (r.url().includes('/api/v1/imports'))
				sent.push({ url: r.url(), password: r.headers()['x-import-password'] });
		};
		page.on('request', onRequest);
		await page.getByRole('button', { name: '목록 비우기' }).click();
		await dropFiles(page, '.dropzone', [{ name: SMARTSTORE_ENC_NAME, bytes, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }]);
		const it = item(page, SMARTSTORE_ENC_NAME);
		// Seen as encrypted before anything is sent: the password is asked for at once.
		await it.getByLabel('파일 암호').waitFor();
		// SmartStore's own layout is the channel's: the channel is found from the headers.
		assert.equal(await it.getByLabel('파일 형식').inputValue(), '');
		await it.getByLabel('파일 암호').fill('0000');
		await page.getByRole('button', { name: '올리기 시작' }).click();
		await it.locator('[data-state="failed"]').waitFor();
		await it.getByText('암호가 필요하거나 틀렸습니다').waitFor();
		await shot(page, '03a-upload-wrong-password');
		await it.getByLabel('파일 암호').fill(SMARTSTORE_PASSWORD);
		await page.getByRole('button', { name: '올리기 시작' }).click();
		await it.locator('[data-state="done"]').waitFor();
		assert.equal(await stat(page, SMARTSTORE_ENC_NAME, 'new'), 1);
		assert.match(await it.locator('.summary-line').textContent(), /xlsx-encrypted/);
		page.off('request', onRequest);
		assert.equal(sent.length, 2);
		assert.deepEqual(sent.map((x) => x.password), ['0000', SMARTSTORE_PASSWORD], 'the password goes in X-Import-Password');
		for (const x of sent)
			assert.ok(!/password|1234|0000/i.test(new URL(x.url).search), 'no password in the URL: ' + x.url);
		await shot(page, '03b-upload-encrypted');
	});

	await step('map the unmatched line', async () => {
		await nav(page, /^매칭/).click();
		const group = page.locator('section.group[data-channel="coupang"][data-product="87000001234"]');
		await group.waitFor();
		await group.getByText('기다리는 주문 1건').waitFor();
		await group.getByLabel('SKU 검색').fill('캔들');
		await group.locator('button.result[data-sku="CANDLE-LV"]').click();
		await group.locator('.recipe li[data-sku="CANDLE-LV"]').waitFor();
		await shot(page, '05-matching');
		await group.getByRole('button', { name: '이 상품을 매칭' }).click();
		await page.locator('.toast').filter({ hasText: '주문 1건이 재고에 반영' }).waitFor();
		await group.waitFor({ state: 'detached' });
	});

	let candleAfter;
	await step('the candle\'s numbers drop in the live tab', async () => {
		await watcher.locator('tr[data-sku="CANDLE-LV"] td[data-col="available"]').filter({ hasText: String(before.candleAvail - 1) }).waitFor();
		candleAfter = await cellValue(watcher, 'CANDLE-LV', 'coupang');
		log(`CANDLE-LV x coupang ${before.candle} -> ${candleAfter}`);
		assert.ok(candleAfter < before.candle, 'CANDLE-LV x coupang dropped');
		assert.equal(watcherLoads, 1, 'the live tab was not reloaded');
	});

	await step('why this number', async () => {
		await watcher.bringToFront();
		await cell(watcher, 'CANDLE-LV', 'coupang').click();
		const dlg = watcher.getByRole('dialog');
		await dlg.getByRole('heading', { name: `왜 쿠팡에 ${candleAfter}개인가요?` }).waitFor();
		const listing = dlg.locator('section.listing-why[data-product="coupang-CANDLE-LV"]');
		await listing.waitFor();
		assert.equal(Number(await listing.locator('.big-number').textContent()), candleAfter);
		const limitedBy = await listing.locator('dd.limit').getAttribute('data-limited-by');
		assert.match(limitedBy, /CANDLE-LV/);
		assert.ok((await listing.locator('dd.limit').textContent()).length > 5);
		assert.match(await listing.locator('pre.steps').textContent(), /CANDLE-LV: 가용 \d+ − 안전재고 0 − 버퍼 1 = \d+/);
		// The SKU's history lists the commitment of the newly mapped line.
		await dlg.locator('table').getByText('order coupang:3100000002-87000001234', { exact: false }).waitFor();
		await shot(watcher, '06-why');
		await dlg.getByRole('button', { name: '닫기' }).click();
		await dlg.waitFor({ state: 'detached' });
	});

	await step('orders: filter and ship a line', async () => {
		await page.bringToFront();
		await nav(page, '주문').click();
		await page.getByRole('heading', { name: '주문', exact: true }).waitFor();
		await page.getByLabel('판매처').selectOption('coupang');
		const row = page.locator('tr[data-line="3100000001-coupang-MUG-01"]');
		await row.waitFor();
		// The row is in the unfiltered list too: wait for the filtered list to replace it.
		await page.waitForFunction(() => document.querySelectorAll('table.orders tbody tr').length === 3, null, { timeout: TIMEOUT })
			.catch(() => {});
		assert.equal(await page.locator('table.orders tbody tr').count(), 3, 'the demo\'s coupang line and the file\'s two');
		await row.getByRole('button', { name: '발송' }).click();
		const dlg = page.getByRole('dialog');
		await dlg.getByLabel('택배사').fill('CJ대한통운');
		await dlg.getByLabel('운송장번호').fill('612345678902');
		await dlg.getByRole('button', { name: '발송' }).click();
		await dlg.waitFor({ state: 'detached' });
		await row.locator('.badge.st-shipped').waitFor();
		await shot(page, '07-orders');
	});

	await step('oversold: receive the short SKU', async () => {
		await nav(page, /^초과판매/).click();
		const row = page.locator('tr[data-channel="smartstore"][data-line="SS-1002"]');
		await row.waitFor();
		await row.getByText('2개 부족').waitFor();
		await shot(page, '08-oversold');
		await row.getByRole('button', { name: 'TEE-WHT-M 입고' }).click();
		const dlg = page.getByRole('dialog');
		await dlg.getByLabel('수량').fill('5');
		await dlg.getByRole('button', { name: '입고' }).click();
		await dlg.waitFor({ state: 'detached' });
		await page.getByText('초과판매된 주문이 없습니다.').waitFor();
	});

	let fileText;
	await step('sync: download Coupang\'s update file', async () => {
		await nav(page, '동기화').click();
		await page.getByRole('heading', { name: '동기화', exact: true }).waitFor();
		await page.locator('tr[data-channel="coupang"]').first().waitFor();
		await page.getByLabel('판매처').selectOption('coupang');
		await page.locator('details.plan[data-channel="coupang"] tr[data-product="coupang-MUG-01"]').waitFor();
		await shot(page, '09-sync-plan');
		await page.getByRole('button', { name: '쿠팡 업데이트 파일 만들기' }).first().click();
		const link = page.locator('a.download[data-channel="coupang"]');
		await link.waitFor();
		await shot(page, '10-sync-file');
		const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
		// Coupang's channel uses Coupang's own layout: an xlsx with 옵션ID and 재고수량, read
		// back here with openpyxl (an independent reader).
		const file = path.join(outDir, 'coupang-update.xlsx');
		await download.saveAs(file);
		assert.match(download.suggestedFilename(), /^coupang-stock-.*\.xlsx$/);
		fileText = require('child_process').execFileSync('/usr/bin/python3', ['-c',
			'import sys, openpyxl\n' +
			'wb = openpyxl.load_workbook(sys.argv[1], read_only=True)\n' +
			'for r in wb.active.iter_rows(values_only=True):\n' +
			'    print("|".join("" if v is None else str(v) for v in r))\n', file], { encoding: 'utf8' });
		log(`downloaded ${download.suggestedFilename()}:\n${fileText.trim()}`);
		const lines = fileText.trim().split(/\r?\n/);
		assert.equal(lines[0], '옵션ID|재고수량');
		const rows = new Map(lines.slice(1).map((l) => {
			const c = l.split('|');
			return [c[0], Number(c[c.length - 1])];
		}));
		// The file says what the grid says.
		await nav(page, '재고 현황').click();
		const mug = await cellValue(page, 'MUG-01', 'coupang');
		const candle = await cellValue(page, 'CANDLE-LV', 'coupang');
		assert.equal(mug, before.mug - 1);
		assert.equal(rows.get('coupang-MUG-01'), mug, 'the file tells Coupang the MUG-01 number of the grid');
		assert.equal(rows.get('coupang-CANDLE-LV'), candle, 'the file tells Coupang the CANDLE-LV number of the grid');
		// After the export nothing is pending for Coupang.
		await nav(page, '동기화').click();
		await page.locator('tr[data-channel="coupang"] td.num').first().filter({ hasText: /^0$/ }).waitFor();
	});

	await step('channels: preview and save a rule', async () => {
		await nav(page, '채널').click();
		await page.getByRole('button', { name: '쿠팡 규칙 바꾸기' }).click();
		const form = page.locator('form.rule-form');
		await form.waitFor();
		await form.getByLabel('버퍼').fill('0');
		await form.locator('.preview .notice').filter({ hasText: '상품의 수량이 바뀝니다' }).waitFor();
		const mugRow = form.locator('.preview tr[data-product="coupang-MUG-01"]');
		const now = Number((await mugRow.locator('td.num').nth(0).textContent()).trim());
		const would = Number((await mugRow.locator('td.num').nth(1).textContent()).replace(/\(.*\)/, '').trim());
		assert.equal(would, now + 1, 'buffer 1 -> 0 shows one more mug');
		await shot(page, '11-channels');
		await form.getByRole('button', { name: '저장' }).click();
		await page.locator('.toast').filter({ hasText: '규칙을 저장했습니다' }).waitFor();
		await page.locator('tr[data-channel="coupang"] td.num').first().filter({ hasText: /^0$/ }).waitFor();
		await waitCell(watcher, 'MUG-01', 'coupang', now + 1, 'live tab after the rule change');
	});

	await step('upload a SKU list and a listing list', async () => {
		await nav(page, '업로드').click();
		await page.getByRole('heading', { name: '파일 업로드' }).waitFor();
		await dropFiles(page, '.dropzone', [
			{ name: 'new-skus.csv', text: '\ufeffsku,name,stock,safety\r\nTOTE-NEW,"에코백, 새 상품",12,2\r\n' },
			{ name: 'new-listings.csv', text: 'channel,product_id,option,recipe\ncoupang,MUG-SET,,MUG-01*2\ncoupang,TOTE-X,,NO-SUCH-SKU\n' },
		]);
		// Each file's kind is pre-selected from its header line.
		const kindOf = (name) => item(page, name).getByLabel('파일 종류');
		await item(page, 'new-skus.csv').locator('select[data-kind="skus"]').waitFor();
		await item(page, 'new-listings.csv').locator('select[data-kind="listings"]').waitFor();
		assert.equal(await kindOf('new-skus.csv').inputValue(), 'skus');
		assert.equal(await kindOf('new-listings.csv').inputValue(), 'listings');
		// A list has no channel or layout to choose.
		assert.equal(await item(page, 'new-skus.csv').getByLabel('판매처').count(), 0);
		await shot(page, '13-upload-lists-chosen');
		expectedFailures.push({ status: 422, path: '/api/v1/listings/import' });
		await page.getByRole('button', { name: '올리기 시작' }).click();
		await item(page, 'new-skus.csv').locator('[data-state="done"]').waitFor();
		await item(page, 'new-listings.csv').locator('[data-state="refused"]').waitFor();
		assert.equal(await stat(page, 'new-skus.csv', 'added'), 1);
		assert.equal(await stat(page, 'new-skus.csv', 'rejected'), 0);
		// The listing list had a bad row: refused whole, the row named by row and column.
		assert.equal(await stat(page, 'new-listings.csv', 'created'), 0);
		assert.equal(await stat(page, 'new-listings.csv', 'rejected'), 1);
		const bad = item(page, 'new-listings.csv').locator('details.rejected tbody tr');
		assert.equal(await bad.count(), 1);
		assert.equal(await bad.getAttribute('data-row'), '3');
		assert.equal(await bad.getAttribute('data-column'), '4');
		assert.match(await bad.textContent(), /NO-SUCH-SKU/);
		assert.equal(expectedFailures.length, 0, 'the 422 was answered');
		await shot(page, '13-upload-lists');
		// The new SKU is in the stock grid with its counted stock.
		await nav(page, '재고 현황').click();
		await page.getByRole('heading', { name: '재고 현황' }).waitFor();
		const row = page.locator('tr[data-sku="TOTE-NEW"]');
		await row.waitFor();
		assert.equal(Number((await row.locator('td[data-col="available"]').textContent()).trim()), 12);
		assert.match(await row.textContent(), /에코백, 새 상품/);
		await shot(page, '14-stock-new-sku');
	});

	// A preview saves nothing; a strict upload of a file with a bad row saves nothing either.
	await step('upload: preview only, and strict', async () => {
		await nav(page, '업로드').click();
		await page.getByRole('heading', { name: '파일 업로드' }).waitFor();
		await page.getByRole('button', { name: '목록 비우기' }).click();
		await nav(page, '재고 현황').click();
		const mugBefore = await cellValue(page, 'MUG-01', 'smartstore');
		await nav(page, '업로드').click();
		const preview = page.getByLabel('미리 보기만 (저장하지 않음)');
		const strict = page.getByLabel('잘못된 행이 하나라도 있으면 파일 전체를 받지 않음');
		await preview.check();
		const dryName = 'smartstore_preview.csv';
		await dropFiles(page, '.dropzone', [{ name: dryName, text: PREVIEW_CSV }]);
		await item(page, dryName).getByLabel('판매처').selectOption('smartstore');
		await item(page, dryName).getByLabel('파일 형식').selectOption('generic');
		await page.getByRole('button', { name: '올리기 시작' }).click();
		await item(page, dryName).locator('[data-state="done"]').waitFor();
		await item(page, dryName).getByText('미리 보기 완료 (저장 안 됨)').waitFor();
		assert.equal(await stat(page, dryName, 'new'), 1, 'the preview counts the new line');
		await shot(page, '15-upload-preview');

		await page.getByRole('button', { name: '목록 비우기' }).click();
		await preview.uncheck();
		await strict.check();
		const strictName = 'smartstore_strict.csv';
		await dropFiles(page, '.dropzone', [{ name: strictName, text: STRICT_CSV }]);
		await item(page, strictName).getByLabel('판매처').selectOption('smartstore');
		await item(page, strictName).getByLabel('파일 형식').selectOption('generic');
		await page.getByRole('button', { name: '올리기 시작' }).click();
		await item(page, strictName).locator('[data-state="failed"]').waitFor();
		await shot(page, '16-upload-strict');
		await strict.uncheck();

		// Neither file's line is in the store, and the mug's quantity did not move.
		await nav(page, '주문').click();
		await page.getByRole('heading', { name: '주문', exact: true }).waitFor();
		for (const line of ['SS-2001', 'SS-3001'])
			assert.equal(await page.locator(`tr[data-line="${line}"]`).count(), 0, `${line} was saved`);
		await nav(page, '재고 현황').click();
		await cell(page, 'MUG-01', 'smartstore').waitFor();
		assert.equal(await cellValue(page, 'MUG-01', 'smartstore'), mugBefore);
	});

	await step('English', async () => {
		await page.getByRole('button', { name: 'Switch to English' }).click();
		await nav(page, 'Stock').click();
		await page.getByRole('heading', { name: 'Stock' }).waitFor();
		await cell(page, 'MUG-01', 'coupang').waitFor();
		await shot(page, '12-stock-en');
		await page.getByRole('button', { name: '한국어로 보기' }).click();
		await page.getByRole('heading', { name: '재고 현황' }).waitFor();
	});

	await step('log out', async () => {
		// The live and polling tabs are done; left open they would poll on, signed out (401).
		await watcher.close();
		await poller.close();
		await page.getByRole('button', { name: '로그아웃' }).click();
		await page.getByRole('heading', { name: '로그인' }).waitFor();
	});

	// A viewer sees everything and can change nothing: no write controls on the pages, and
	// the API refuses a write sent with the viewer's own session and CSRF token.
	await step('a viewer reads but cannot write', async () => {
		run(['user', 'add', 'viewer', '--role', 'viewer'], PASSWORD + '\n');
		await page.getByLabel('사용자 이름').fill('viewer');
		await page.getByLabel('비밀번호').fill(PASSWORD);
		await page.getByRole('button', { name: '로그인' }).click();
		await page.getByRole('heading', { name: '재고 현황' }).waitFor();
		await cell(page, 'MUG-01', 'coupang').waitFor();
		await nav(page, '주문').click();
		await page.getByRole('heading', { name: '주문', exact: true }).waitFor();
		await page.locator('table.orders tbody tr').first().waitFor();
		assert.equal(await page.getByRole('button', { name: '발송' }).count(), 0, 'a viewer is offered 발송');
		await nav(page, '업로드').click();
		await page.getByRole('heading', { name: '파일 업로드' }).waitFor();
		assert.ok(await page.getByRole('button', { name: '올리기 시작' }).isDisabled(), 'a viewer can start an upload');
		await nav(page, '동기화').click();
		await page.locator('h1, h2').first().waitFor();
		assert.equal(await page.getByRole('button', { name: /파일 만들기|내보내기/ }).count(), 0, 'a viewer is offered an export');
		await shot(page, '17-viewer');
		expectedFailures.push({ status: 403, path: '/api/v1/skus' });
		const status = await page.evaluate(async () => {
			const me = await (await fetch('/api/v1/me')).json();
			const r = await fetch('/api/v1/skus', {
				method: 'POST',
				headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf || '' },
				body: JSON.stringify({ sku: 'VIEWER-1', name: 'x' }),
			});
			return r.status;
		});
		assert.equal(status, 403);
		await page.getByRole('button', { name: '로그아웃' }).click();
		await page.getByRole('heading', { name: '로그인' }).waitFor();
	});

	// Personal data from the files never appears in a URL the pages asked for.
	await step('no personal data in URLs', async () => {
		for (const u of requested)
			for (const pd of ['테스트수취인', '테헤란로', '0504-0000', '종로구'])
				assert.ok(!u.includes(pd) && !u.includes(encodeURIComponent(pd)), `a URL holds personal data: ${u}`);
	});
}

const requested = [];

(async () => {
	let failed = null;
	try {
		await main();
	} catch (e) {
		failed = e;
		if (context)
			for (const [i, p] of context.pages().entries())
				await p.screenshot({ path: path.join(outDir, `failure-tab${i + 1}.png`), fullPage: true }).catch(() => {});
	}
	if (context)
		await context.close().catch(() => {});
	const code = await stopServer();
	fs.writeFileSync(path.join(outDir, 'server.log'), serverLog);
	fs.rmSync(work, { recursive: true, force: true });
	log('timings: ' + timings.map(([n, ms]) => `${n} ${ms} ms`).join('; '));
	if (consoleErrors.length) {
		console.error('JS console errors:\n  ' + consoleErrors.join('\n  '));
		if (!failed)
			failed = new Error(`${consoleErrors.length} JS console error(s)`);
	}
	if (code !== 0 && code !== null) {
		console.error(`jaego serve exited with ${code} after SIGTERM; its log is in ${path.join(outDir, 'server.log')}:\n${serverLog.split('\n').slice(-40).join('\n')}`);
		if (!failed)
			failed = new Error(`jaego serve exited with ${code}`);
	}
	if (failed) {
		console.error('FAILED: ' + (failed.stack || failed));
		process.exit(1);
	}
	log(`passed in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${outDir}`);
})();
