// SPDX-License-Identifier: MIT
// 동기화: telling every channel its quantity (docs/sync.md). Per channel: pending changes,
// held raises, when its orders were last imported and when it was last told
// (GET /sync/status); the plan, old -> new and why, held raises with the reason
// (GET /sync/plan); making each channel's update file (POST /sync/export) and downloading
// it (GET /sync/files/{id}); and confirming by hand with the uploaded file (POST /sync/mark).

import { api, upload, qs, seg } from '../api.js';
import { t, channelName } from '../i18n.js';
import { h, replace, clear, fmtNum, fmtTime, field, checkbox, toast, errorBox, loading, badge } from '../ui.js';
import { limitShort } from './why.js';

const opts = { channel: '', force: false, mark: true };
let made = null; // files of the last export: [{channel, id, format, rows, held}], null before one

function mount(root, ctx) {
	const channel = h('select', {}, h('option', { value: '' }, t('sync.channel.all')));
	const force = checkbox(t('sync.force'), opts.force, t('sync.force.warn'));
	const mark = checkbox(t('sync.mark'), opts.mark, t('sync.mark.help'));
	const exportBtn = h('button', { type: 'button', class: 'primary' });
	const msg = h('div', { class: 'status-slot' });
	const filesSlot = h('div', { class: 'files', 'aria-live': 'polite' });
	const statusSlot = h('div', { class: 'table-wrap' }, loading());
	const planSlot = h('div', {}, loading());
	const confirmSlot = h('div', {});
	let alive = true, seq = 0;

	const label = () => {
		exportBtn.textContent = opts.channel ? t('sync.export', { channel: channelName(opts.channel) }) : t('sync.export.all');
	};
	label();
	channel.addEventListener('change', () => { opts.channel = channel.value; label(); load(); });
	force.input.addEventListener('change', () => { opts.force = force.input.checked; force.wrap.classList.toggle('warning', opts.force); load(); });
	mark.input.addEventListener('change', () => { opts.mark = mark.input.checked; });
	exportBtn.addEventListener('click', () => doExport(opts.channel));

	root.append(
		h('div', { class: 'page-head' }, h('h1', {}, t('sync.title'))),
		h('p', { class: 'intro' }, t('sync.intro')),
		h('div', { class: 'card' },
			h('div', { class: 'toolbar' }, field(t('orders.channel'), channel).wrap, ctx.canWrite ? [force.wrap, mark.wrap] : null),
			ctx.canWrite ? h('div', { class: 'buttons' }, exportBtn) : null,
			filesSlot),
		msg,
		h('h2', {}, t('sync.status')), statusSlot,
		h('h2', {}, t('sync.plan')), planSlot,
		confirmSlot);

	ctx.channels().then((chs) => {
		for (const c of chs)
			channel.appendChild(h('option', { value: c.channel, selected: opts.channel === c.channel }, channelName(c.channel)));
		if (ctx.canWrite)
			replace(confirmSlot, confirmForm(chs));
	}).catch(() => {});

	async function doExport(ch) {
		clear(msg);
		exportBtn.disabled = true;
		try {
			const body = { force_raise: opts.force, mark: opts.mark };
			if (ch)
				body.channel = ch;
			const d = await api('POST', '/sync/export', body);
			made = d.files;
			drawFiles();
			ctx.changed();
			load();
		} catch (err) {
			replace(msg, errorBox(err));
		} finally {
			exportBtn.disabled = false;
		}
	}

	function drawFiles() {
		clear(filesSlot);
		if (!made)
			return;
		if (!made.length) {
			filesSlot.appendChild(h('p', { class: 'muted' }, t('sync.nofiles')));
			return;
		}
		filesSlot.append(h('h3', {}, t('sync.files')), h('ul', {}, made.map((f) => h('li', {},
			h('a', { href: '/api/v1/sync/files/' + seg(f.id), download: '', class: 'button download', dataset: { channel: f.channel, id: f.id } },
				t('sync.download', { channel: channelName(f.channel), rows: fmtNum(f.rows) })),
			' ', h('span', { class: 'muted' }, f.format.toUpperCase()),
			f.held ? [' ', badge(t('sync.held.count', { n: f.held }), 'warn')] : null))));
	}

	async function load() {
		const my = ++seq;
		try {
			const [st, plan] = await Promise.all([
				api('GET', '/sync/status'),
				api('GET', '/sync/plan' + qs({ channel: opts.channel, force_raise: opts.force })),
			]);
			if (!alive || my !== seq)
				return;
			clear(msg);
			replace(statusSlot, statusTable(st.channels));
			replace(planSlot, planTables(plan.plan));
		} catch (err) {
			if (alive && my === seq)
				replace(msg, errorBox(err));
		}
	}

	function statusTable(rows) {
		return h('table', { class: 'grid sync-status' },
			h('thead', {}, h('tr', {},
				h('th', { scope: 'col' }, t('orders.channel')), h('th', { scope: 'col', class: 'num' }, t('sync.pending')),
				h('th', { scope: 'col', class: 'num' }, t('sync.held')), h('th', { scope: 'col' }, t('sync.last_import')),
				h('th', { scope: 'col' }, t('sync.last_told')), h('th', { scope: 'col' }, ''))),
			h('tbody', {}, rows.map((r) => h('tr', { dataset: { channel: r.channel } },
				h('th', { scope: 'row' }, channelName(r.channel)),
				h('td', { class: 'num' + (r.pending ? ' strong' : '') }, fmtNum(r.pending)),
				h('td', { class: 'num' }, r.held ? badge(fmtNum(r.held), 'warn') : '0'),
				h('td', {}, r.last_import_at ? fmtTime(r.last_import_at) : t('sync.never')),
				h('td', {}, r.last_told_at ? fmtTime(r.last_told_at) : t('sync.never')),
				h('td', {}, ctx.canWrite && (r.pending || (opts.force && r.held)) ? h('button', {
					type: 'button', class: 'small', onclick: () => doExport(r.channel),
				}, t('sync.export', { channel: channelName(r.channel) })) : null)))));
	}

	function planTables(items) {
		if (!items.length)
			return h('p', { class: 'empty' }, t('sync.plan.empty'));
		const groups = new Map();
		for (const it of items) {
			if (!groups.has(it.channel))
				groups.set(it.channel, []);
			groups.get(it.channel).push(it);
		}
		return h('div', {}, [...groups].map(([ch, list]) => h('details', { class: 'plan', open: groups.size <= 3 || opts.channel !== '', dataset: { channel: ch } },
			h('summary', {}, channelName(ch), ' ', h('span', { class: 'muted' },
				`${fmtNum(list.filter((i) => i.kind !== 'held').length)} / ${t('sync.held.count', { n: fmtNum(list.filter((i) => i.kind === 'held').length) })}`)),
			h('div', { class: 'table-wrap short' }, h('table', { class: 'grid' },
				h('thead', {}, h('tr', {},
					h('th', { scope: 'col' }, t('sync.product')), h('th', { scope: 'col' }, t('sync.option')),
					h('th', { scope: 'col' }, t('sync.sku')), h('th', { scope: 'col', class: 'num' }, t('sync.change')),
					h('th', { scope: 'col' }, t('sync.kind')), h('th', { scope: 'col' }, t('sync.why')),
					h('th', { scope: 'col' }, t('sync.cause')))),
				h('tbody', {}, list.map((i) => h('tr', { class: 'k-' + i.kind, dataset: { product: i.product_id } },
					h('td', { class: 'mono' }, i.product_id), h('td', {}, i.option || ''),
					h('td', { class: 'mono' }, i.sku || ''),
					h('td', { class: 'num nowrap' }, i.old === null ? h('span', { class: 'muted', title: t('sync.first.title') }, t('sync.first')) : fmtNum(i.old), ' → ', h('strong', {}, fmtNum(i.new))),
					h('td', {}, badge(t('sync.kind.' + i.kind), 'k-' + i.kind), i.forced ? [' ', badge(t('sync.forced'), 'warn')] : null,
						i.kind === 'held' ? h('div', { class: 'muted small' }, t('sync.held.why')) : null),
					h('td', {}, limitShort(i.why)),
					h('td', { class: 'muted' }, i.cause || '')))))))));
	}

	function confirmForm(chs) {
		const ch = h('select', { required: true }, chs.map((c) => h('option', { value: c.channel }, channelName(c.channel))));
		const file = h('input', { type: 'file', required: true, accept: '.xlsx,.xls,.csv,.tsv,.txt' });
		const out = h('div', { 'aria-live': 'polite' });
		const form = h('form', { class: 'card' },
			h('h2', {}, t('sync.confirm')), h('p', { class: 'muted' }, t('sync.confirm.help')),
			h('div', { class: 'toolbar' }, field(t('sync.confirm.channel'), ch).wrap, field(t('sync.confirm.file'), file).wrap),
			out, h('div', { class: 'buttons' }, h('button', { type: 'submit' }, t('sync.confirm.submit'))));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clear(out);
			const f = file.files && file.files[0];
			if (!f)
				return;
			try {
				const r = await upload('/sync/mark' + qs({ channel: ch.value, filename: f.name }), f);
				toast(t('sync.confirm.done', { rows: fmtNum(r.rows), marked: fmtNum(r.marked), unknown: fmtNum(r.unknown) }));
				file.value = '';
				ctx.changed();
				load();
			} catch (err) {
				out.appendChild(errorBox(err));
			}
		});
		return form;
	}

	drawFiles();
	load();
	return { refresh: load, unmount: () => { alive = false; } };
}

export default { id: 'sync', mount };
