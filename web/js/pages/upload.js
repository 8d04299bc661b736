// SPDX-License-Identifier: MIT
// 업로드: drop several files at once. Each file is one of three kinds, chosen per file and
// pre-selected from its header line: a channel's order file (the default) is sent as the
// raw body of POST /imports (filename, and the channel or layout when chosen, in the query;
// a file password in X-Import-Password, never in the URL), then GET /jobs/{id} is polled
// for rows_done / rows_total until the per-file summary arrives; a SKU list
// (`sku,name,stock`) or a listing list (`channel,product_id,option,recipe`) goes to
// POST /skus/import or /listings/import, which answer at once: 200 with the counts, or 422
// with every bad row by row and column and nothing saved. The list lives in this module,
// so an upload goes on while another page is shown.

import { api, upload, qs, sleep } from '../api.js';
import { t, channelName } from '../i18n.js';
import { h, replace, clear, fmtNum, field, checkbox, errorBox, toast, uid } from '../ui.js';

const items = []; // {id, file, kind, channel, profile, password, encrypted, state, ...}
const KINDS = ['orders', 'skus', 'listings'];
const opts = { dry: false, strict: false };
const CONCURRENCY = 3;
let view = null; // {list, ctx} while the page is shown
let seqId = 0;

// An OLE2 compound file (D0 CF 11 E0) holding an "EncryptionInfo" stream is an encrypted
// Office file: SmartStore's password-protected download. A plain .xls is OLE2 too, but has
// no such stream.
async function looksEncrypted(file) {
	const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
	if (!(head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0))
		return false;
	if (/\.xlsx$/i.test(file.name))
		return true;
	if (file.size > 32 * 1024 * 1024)
		return false;
	const bytes = new Uint8Array(await file.arrayBuffer());
	const word = 'EncryptionInfo';
	const pat = new Uint8Array(word.length * 2);
	for (let i = 0; i < word.length; i++)
		pat[i * 2] = word.charCodeAt(i);
	outer: for (let i = 0; i + pat.length <= bytes.length; i++) {
		if (bytes[i] !== pat[0])
			continue;
		for (let k = 1; k < pat.length; k++)
			if (bytes[i + k] !== pat[k])
				continue outer;
		return true;
	}
	return false;
}

// What a file is, from its first line: a SKU list (`sku,name,stock[,...]`), a listing list
// (`channel,product_id,option,recipe`), else a channel's order file. Only text is looked at
// (the header names are ASCII, so a CP949 file reads the same); a workbook is an order file
// unless the seller says otherwise.
async function detectKind(file) {
	const head = new Uint8Array(await file.slice(0, 4096).arrayBuffer());
	if (head.includes(0))
		return 'orders';
	const text = new TextDecoder('utf-8').decode(head); // drops a BOM
	const line = text.split(/\r\n|\n|\r/)[0] || '';
	const cols = line.split(/[,\t;|]/).map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase());
	const has = (...names) => names.every((n) => cols.includes(n));
	if (has('sku', 'name', 'stock'))
		return 'skus';
	if (has('channel', 'product_id', 'recipe'))
		return 'listings';
	return 'orders';
}

function addFiles(fileList) {
	for (const file of fileList) {
		const it = { id: ++seqId, file, kind: 'orders', detected: null, chosen: false, channel: '', profile: '', password: '', encrypted: false, state: 'waiting', sent: 0, rowsDone: 0, rowsTotal: 0, result: null, catalog: null, error: null, hint: null };
		items.push(it);
		looksEncrypted(file).then((enc) => {
			it.encrypted = enc;
			draw(it);
		}).catch(() => {});
		it.detecting = detectKind(file).then((kind) => {
			it.detected = kind;
			if (!it.chosen)
				it.kind = kind;
			draw(it);
		}).catch(() => {});
	}
	drawAll();
}

function hintOf(message) {
	const m = message || '';
	if (/password/i.test(m))
		return 'password';
	if (/--channel|no channel|several channels|fits no|candidates/i.test(m))
		return 'channel';
	if (/no profile recogni|misses|header/i.test(m))
		return 'profile';
	return null;
}

// A SKU or listing list: one request, answered with the result (200) or the bad rows (422).
async function runCatalog(it, ctx) {
	const path = it.kind === 'skus' ? '/skus/import' : '/listings/import';
	try {
		it.catalog = await upload(path + qs({ filename: it.file.name, dry_run: opts.dry }), it.file, {}, (sent, total) => {
			it.sent = total ? Math.round((sent / total) * 100) : 0;
			draw(it);
		});
		it.state = 'done';
		if (it.catalog && it.catalog.applied && ctx)
			ctx.changed();
	} catch (err) {
		if (err.status === 422 && err.doc && Array.isArray(err.doc.rejected)) {
			it.catalog = err.doc;
			it.state = 'refused';
		} else {
			it.state = 'failed';
			it.error = err;
		}
	}
	draw(it);
}

async function run(it) {
	const ctx = view ? view.ctx : null;
	if (it.detecting)
		await it.detecting;
	it.state = 'sending';
	it.sent = 0;
	it.result = null;
	it.catalog = null;
	it.error = null;
	it.hint = null;
	draw(it);
	if (it.kind !== 'orders') {
		await runCatalog(it, ctx);
		return;
	}
	try {
		const headers = {};
		if (it.password)
			headers['X-Import-Password'] = it.password;
		const q = qs({ filename: it.file.name, channel: it.channel, profile: it.profile, dry_run: opts.dry, strict: opts.strict });
		const r = await upload('/imports' + q, it.file, headers, (sent, total) => {
			it.sent = total ? Math.round((sent / total) * 100) : 0;
			draw(it);
		});
		it.job = r.job;
		it.state = 'queued';
		draw(it);
		let wait = 150;
		for (;;) {
			await sleep(wait);
			wait = Math.min(wait * 1.5, 1000);
			const j = await api('GET', '/jobs/' + encodeURIComponent(it.job));
			it.rowsDone = j.rows_done || 0;
			it.rowsTotal = j.rows_total || 0;
			if (j.state === 'done' || j.state === 'failed') {
				it.result = j.result || null;
				if (j.state === 'failed') {
					it.state = 'failed';
					it.error = { code: 'invalid', message: j.error || '' };
					it.hint = hintOf(j.error);
				} else {
					it.state = 'done';
				}
				break;
			}
			it.state = j.state === 'running' ? 'running' : 'queued';
			draw(it);
		}
	} catch (err) {
		it.state = 'failed';
		it.error = err;
		it.hint = hintOf(err.message);
	}
	if (it.hint === 'password')
		it.encrypted = true;
	if (it.state === 'done' && it.result && it.result.applied && !opts.dry) {
		it.password = '';
		if (ctx)
			ctx.changed();
	}
	draw(it);
}

async function startAll() {
	const todo = items.filter((it) => it.state === 'waiting' || it.state === 'failed');
	if (!todo.length) {
		toast(t('upload.none'), 'error');
		return;
	}
	let next = 0;
	const worker = async () => {
		while (next < todo.length)
			await run(todo[next++]);
	};
	await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
}

// ---- drawing ------------------------------------------------------------------------------------

function drawAll() {
	if (!view)
		return;
	clear(view.list);
	for (const it of items) {
		it.el = h('li', { class: 'upload-item', dataset: { file: it.file.name } });
		view.list.appendChild(it.el);
		draw(it);
	}
}

function stateText(it) {
	switch (it.state) {
	case 'sending': return t('upload.state.sending', { pct: it.sent });
	case 'queued': return t('upload.state.queued');
	case 'running': return t('upload.state.running', { done: fmtNum(it.rowsDone), total: fmtNum(it.rowsTotal) });
	case 'done': return (it.result || it.catalog) && !(it.result || it.catalog).applied ? t('upload.state.dry') : t('upload.state.done');
	case 'refused': return t('upload.state.refused');
	case 'failed': return t('upload.state.failed');
	default: return t('upload.state.waiting');
	}
}

function progressOf(it) {
	switch (it.state) {
	case 'sending': return { value: it.kind === 'orders' ? it.sent * 0.2 : it.sent * 0.9, max: 100 };
	case 'queued': return { value: 20, max: 100 };
	case 'running': return { value: 20 + (it.rowsTotal ? (80 * it.rowsDone) / it.rowsTotal : 0), max: 100 };
	case 'done': return { value: 100, max: 100 };
	case 'refused': return { value: 100, max: 100 };
	case 'failed': return { value: 0, max: 100 };
	default: return { value: 0, max: 100 };
	}
}

// What the file is: pre-selected from its header line, the seller may say otherwise.
function kindField(it, editable) {
	const sel = h('select', { disabled: !editable, dataset: { kind: it.kind } },
		KINDS.map((k) => h('option', { value: k, selected: it.kind === k }, t('upload.kind.' + k))));
	sel.addEventListener('change', () => {
		it.kind = sel.value;
		it.chosen = true;
		draw(it);
	});
	const help = it.detected && it.detected !== 'orders' && it.kind === it.detected ? t('upload.kind.detected') : null;
	return field(t('upload.kind'), sel, help).wrap;
}

function settings(it, ctx) {
	const busy = it.state === 'sending' || it.state === 'queued' || it.state === 'running';
	const editable = !busy && it.state !== 'done' && it.state !== 'refused';
	if (it.kind !== 'orders')
		return h('div', { class: 'upload-settings' }, kindField(it, editable));
	const ch = h('select', { disabled: !editable }, h('option', { value: '' }, t('upload.channel.auto')));
	const pf = h('select', { disabled: !editable }, h('option', { value: '' }, t('upload.profile.auto')));
	Promise.all([ctx.channels(), ctx.profiles()]).then(([chs, pfs]) => {
		for (const c of chs)
			ch.appendChild(h('option', { value: c.channel, selected: it.channel === c.channel }, channelName(c.channel)));
		for (const p of pfs)
			pf.appendChild(h('option', { value: p.name, selected: it.profile === p.name }, `${p.title} (${p.name})`));
		ch.addEventListener('change', () => {
			it.channel = ch.value;
			// A channel kept on the generic layout reads a file of its own layout only when
			// told: suggest the built-in layout named like the channel, visibly.
			const c = chs.find((x) => x.channel === it.channel);
			if (c && c.profile === 'generic' && pfs.some((p) => p.name === c.channel)) {
				it.profile = c.channel;
				pf.value = c.channel;
			} else if (!it.channel) {
				it.profile = '';
				pf.value = '';
			}
		});
		pf.addEventListener('change', () => { it.profile = pf.value; });
	}).catch(() => {});
	const out = [kindField(it, editable), field(t('upload.channel'), ch).wrap, field(t('upload.profile'), pf).wrap];
	if (it.encrypted || it.hint === 'password') {
		const pw = h('input', { type: 'password', autocomplete: 'off', value: it.password, disabled: !editable });
		pw.addEventListener('input', () => { it.password = pw.value; });
		out.push(field(t('upload.password'), pw, t('upload.password.hint')).wrap);
	}
	return h('div', { class: 'upload-settings' }, out);
}

function draw(it) {
	if (!view || !it.el)
		return;
	const ctx = view.ctx;
	const p = progressOf(it);
	const labelId = uid('pl');
	const busy = it.state === 'sending' || it.state === 'queued' || it.state === 'running';
	replace(it.el,
		h('div', { class: 'upload-head' },
			h('span', { class: 'file-name' }, it.file.name),
			h('span', { class: 'muted' }, fmtNum(Math.ceil(it.file.size / 1024)) + ' KB'),
			h('span', { class: 'state st-' + it.state, id: labelId, dataset: { state: it.state } }, stateText(it)),
			busy ? null : h('button', {
				type: 'button', class: 'small link', 'aria-label': t('upload.remove') + ' ' + it.file.name,
				onclick: () => {
					items.splice(items.indexOf(it), 1);
					it.el.remove();
				},
			}, t('upload.remove'))),
		h('progress', { max: p.max, value: p.value, 'aria-labelledby': labelId }),
		it.state === 'done' || it.state === 'refused' ? null : settings(it, ctx),
		it.error ? failure(it) : null,
		it.result ? summary(it.result) : null,
		it.catalog ? catalogSummary(it.catalog) : null);
}

function failure(it) {
	if (!it.hint || it.error.code === 'network')
		return errorBox(it.error);
	// The job's own words (in English, from the reader) as detail under what to do.
	return h('div', { class: 'error', role: 'alert' }, h('strong', {}, t('upload.hint.' + it.hint)),
		it.error.message ? h('div', { class: 'detail' }, it.error.message) : null);
}

function stat(key, n, kind) {
	return h('div', { class: 'stat ' + (n > 0 && kind ? kind : ''), dataset: { stat: key } },
		h('span', { class: 'n' }, fmtNum(n)), h('span', { class: 'k' }, t('upload.' + key)));
}

function summary(r) {
	const parts = [
		h('p', { class: 'summary-line' }, t('upload.summary', {
			file: r.file, channel: channelName(r.channel), profile: r.profile, format: r.format, rows: fmtNum(r.rows),
		})),
		r.applied ? null : h('p', { class: 'notice' }, t('upload.not_applied')),
		h('div', { class: 'stats' },
			stat('new', r.new, 'good'), stat('duplicates', r.duplicates), stat('status_changes', r.status_changes),
			stat('refused_transitions', r.refused_transitions, 'warn'), stat('unmatched', r.unmatched, 'warn'),
			stat('oversold', r.oversold, 'bad'), stat('ignored', r.ignored), stat('rejected', r.rejected_count, 'bad')),
	];
	if (r.rejected && r.rejected.length)
		parts.push(rejectedTable(r));
	if (r.unmatched_listings && r.unmatched_listings.length)
		parts.push(h('details', { open: true, class: 'unmatched' },
			h('summary', {}, t('upload.unmatched.title')),
			h('ul', {}, r.unmatched_listings.map((u) => h('li', {},
				h('span', { class: 'mono' }, u.product_id), u.option ? ` · ${u.option}` : '',
				u.product_name ? ` — ${u.product_name}` : '', ` (${fmtNum(u.lines)})`))),
			h('a', { href: '#/matching', class: 'button' }, t('upload.unmatched.go'))));
	if (r.refused && r.refused.length)
		parts.push(h('details', { class: 'refused' },
			h('summary', {}, t('upload.refused.title') + ` (${fmtNum(r.refused.length)})`),
			h('ul', {}, r.refused.map((x) => h('li', {}, `${t('err.where.row', { row: x.row })} · ${x.line_id}: ${x.reason}`)))));
	return h('div', { class: 'summary' }, parts);
}

// The rows a file was refused for, by row and column (order files and catalogue lists).
function rejectedTable(r) {
	return h('details', { open: true, class: 'rejected' },
		h('summary', {}, t('upload.rejected.title') + ` (${fmtNum(r.rejected_count)})`),
		h('table', { class: 'grid' },
			h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'num' }, t('upload.rejected.row')),
				h('th', { scope: 'col' }, t('upload.rejected.column')), h('th', { scope: 'col' }, t('upload.rejected.reason')))),
			h('tbody', {}, r.rejected.map((x) => h('tr', { dataset: { row: x.row, column: x.column } },
				h('td', { class: 'num' }, fmtNum(x.row)),
				h('td', {}, `${x.column}${x.header ? ' (' + x.header + ')' : ''}`),
				h('td', {}, x.reason))))));
}

// A SKU or listing list's result: the counts, and every bad row when it was refused.
function catalogSummary(r) {
	const skus = r.kind === 'skus';
	const parts = [
		h('p', { class: 'summary-line' }, t('upload.catalog.summary', {
			file: r.file || '', kind: t('upload.kind.' + (skus ? 'skus' : 'listings')), rows: fmtNum(r.rows),
		})),
		r.applied ? null : h('p', { class: 'notice' }, t(r.rejected_count ? 'upload.catalog.refused' : 'upload.not_applied')),
		h('div', { class: 'stats' },
			skus ? [stat('added', r.added, 'good'), stat('updated', r.updated)]
				: [stat('created', r.created, 'good'), stat('remapped', r.remapped), stat('lines_applied', r.lines_applied)],
			stat('rejected', r.rejected_count, 'bad')),
	];
	if (r.rejected && r.rejected.length)
		parts.push(rejectedTable(r));
	return h('div', { class: 'summary' }, parts);
}

// ---- the page -----------------------------------------------------------------------------------

function mount(root, ctx) {
	const input = h('input', { type: 'file', multiple: true, class: 'sr-only', id: uid('file'), accept: '.xlsx,.xls,.csv,.tsv,.txt,.html,.htm,.xml' });
	const zone = h('div', { class: 'dropzone', dataset: { drop: '1' } },
		h('p', { class: 'drop-title' }, t('upload.drop')),
		h('p', { class: 'muted' }, t('upload.drop.sub')),
		h('label', { for: input.id, class: 'button' }, t('upload.pick')), input);
	const dry = checkbox(t('upload.dry'), opts.dry);
	const strict = checkbox(t('upload.strict'), opts.strict);
	const list = h('ul', { class: 'upload-list', 'aria-live': 'polite' });
	const startBtn = h('button', { type: 'button', class: 'primary' }, t('upload.start'));
	const clearBtn = h('button', { type: 'button' }, t('upload.clear'));

	input.addEventListener('change', () => {
		addFiles(Array.from(input.files));
		input.value = '';
	});
	const over = (ev) => {
		ev.preventDefault();
		zone.classList.add('over');
	};
	zone.addEventListener('dragenter', over);
	zone.addEventListener('dragover', over);
	zone.addEventListener('dragleave', () => zone.classList.remove('over'));
	zone.addEventListener('drop', (ev) => {
		ev.preventDefault();
		zone.classList.remove('over');
		if (ev.dataTransfer && ev.dataTransfer.files)
			addFiles(Array.from(ev.dataTransfer.files));
	});
	// A file dropped beside the zone must not make the browser leave the dashboard.
	const guard = (ev) => ev.preventDefault();
	window.addEventListener('dragover', guard);
	window.addEventListener('drop', guard);
	dry.input.addEventListener('change', () => { opts.dry = dry.input.checked; });
	strict.input.addEventListener('change', () => { opts.strict = strict.input.checked; });
	startBtn.addEventListener('click', () => startAll());
	clearBtn.addEventListener('click', () => {
		for (let i = items.length - 1; i >= 0; i--)
			if (!['sending', 'queued', 'running'].includes(items[i].state))
				items.splice(i, 1);
		drawAll();
	});

	root.append(
		h('div', { class: 'page-head' }, h('h1', {}, t('upload.title'))),
		zone,
		h('div', { class: 'toolbar' }, dry.wrap, strict.wrap),
		list,
		h('div', { class: 'buttons' }, startBtn, clearBtn));
	if (!ctx.canWrite)
		startBtn.disabled = true;
	view = { list, ctx };
	drawAll();
	return {
		refresh() {},
		unmount() {
			window.removeEventListener('dragover', guard);
			window.removeEventListener('drop', guard);
			for (const it of items)
				it.el = null;
			view = null;
		},
	};
}


export default { id: 'upload', mount };
