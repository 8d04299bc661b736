// SPDX-License-Identifier: MIT
// 채널: every channel with its rule (buffer, percent, max, end-when, priority, pause). Editing
// a rule previews what it would do to each listing (POST /channels/{name}/preview, nothing
// saved) before PATCH /channels/{name} saves it. Also: adding a channel, and how many
// top-priority channels keep the last units (GET/PATCH /settings, priority_top).

import { api, seg } from '../api.js';
import { t, channelName } from '../i18n.js';
import { h, replace, clear, fmtNum, field, checkbox, toast, errorBox, debounce, loading, badge } from '../ui.js';
import { limitShort } from './why.js';

let selected = null;

function mount(root, ctx) {
	const msg = h('div', { class: 'status-slot' });
	const tableSlot = h('div', { class: 'table-wrap' }, loading());
	const editor = h('div', { class: 'editor' });
	const settingsSlot = h('div', {});
	const addSlot = h('div', {});
	let alive = true, seq = 0, editing = null;

	root.append(
		h('div', { class: 'page-head' }, h('h1', {}, t('ch.title'))),
		h('p', { class: 'intro' }, t('ch.intro')),
		msg, tableSlot, editor,
		h('div', { class: 'two' }, settingsSlot, addSlot));

	async function load() {
		const my = ++seq;
		try {
			const chs = (await api('GET', '/channels')).channels;
			if (!alive || my !== seq)
				return;
			clear(msg);
			replace(tableSlot, table(chs));
			if (selected && !editing) {
				const c = chs.find((x) => x.channel === selected);
				if (c)
					edit(c);
			}
		} catch (err) {
			if (alive && my === seq)
				replace(msg, errorBox(err));
		}
	}

	const lim = (v) => (v === null || v === undefined ? t('ch.nolimit') : fmtNum(v));

	function table(chs) {
		return h('table', { class: 'grid channels' },
			h('thead', {}, h('tr', {},
				h('th', { scope: 'col' }, t('ch.name')), h('th', { scope: 'col' }, t('ch.profile')),
				h('th', { scope: 'col', class: 'num' }, t('ch.buffer')), h('th', { scope: 'col', class: 'num' }, t('ch.percent')),
				h('th', { scope: 'col', class: 'num' }, t('ch.max')), h('th', { scope: 'col', class: 'num' }, t('ch.end_when')),
				h('th', { scope: 'col', class: 'num' }, t('ch.priority')), h('th', { scope: 'col' }, t('ch.paused')),
				h('th', { scope: 'col', class: 'num' }, t('ch.listings')), h('th', { scope: 'col' }, ''))),
			h('tbody', {}, chs.map((c) => h('tr', { dataset: { channel: c.channel }, class: c.channel === selected ? 'selected' : '' },
				h('th', { scope: 'row' }, channelName(c.channel), h('div', { class: 'mono muted' }, c.channel)),
				h('td', { class: 'mono' }, c.profile),
				h('td', { class: 'num' }, fmtNum(c.buffer)), h('td', { class: 'num' }, c.percent + '%'),
				h('td', { class: 'num' }, lim(c.max)), h('td', { class: 'num' }, lim(c.end_when)),
				h('td', { class: 'num' }, c.priority || '–'),
				h('td', {}, c.paused ? badge(t('ch.paused'), 'bad') : ''),
				h('td', { class: 'num' }, fmtNum(c.listings)),
				h('td', {}, h('button', {
					type: 'button', class: 'small', 'aria-label': t('ch.select', { channel: channelName(c.channel) }),
					onclick: () => { selected = c.channel; editing = null; load(); },
				}, t('ch.change')))))));
	}

	function edit(c) {
		editing = c.channel;
		const num = (v, min, max) => h('input', { type: 'number', step: '1', min: String(min), max: max === undefined ? null : String(max), value: v === null || v === undefined ? '' : String(v), inputmode: 'numeric' });
		const buffer = num(c.buffer, 0);
		const percent = num(c.percent, 0, 100);
		const max = num(c.max, 0);
		const end = num(c.end_when, 0);
		const priority = num(c.priority, 0);
		const paused = checkbox(t('ch.paused'), c.paused, t('ch.paused.help'));
		const preview = h('div', { class: 'preview', 'aria-live': 'polite' });
		const errSlot = h('div', {});
		const save = h('button', { type: 'submit', class: 'primary' }, t('save'));
		const close = h('button', { type: 'button', onclick: () => { selected = null; editing = null; clear(editor); load(); } }, t('close'));

		const body = () => {
			const b = {};
			const int = (el) => (el.value === '' ? null : Number(el.value));
			b.buffer = int(buffer) ?? 0;
			b.percent = int(percent) ?? 100;
			b.max = int(max);
			b.end_when = int(end);
			b.priority = int(priority) ?? 0;
			b.paused = paused.input.checked;
			return b;
		};
		let pseq = 0;
		const doPreview = debounce(async () => {
			const my = ++pseq;
			clear(errSlot);
			try {
				const d = await api('POST', `/channels/${seg(c.channel)}/preview`, body());
				if (my === pseq)
					replace(preview, previewTable(d.listings));
			} catch (err) {
				if (my === pseq)
					replace(preview, errorBox(err));
			}
		}, 250);
		for (const el of [buffer, percent, max, end, priority, paused.input])
			el.addEventListener(el.type === 'checkbox' ? 'change' : 'input', doPreview);

		const form = h('form', { class: 'card rule-form', 'aria-labelledby': 'rule-title' },
			h('h2', { id: 'rule-title' }, t('ch.edit', { channel: channelName(c.channel) })),
			h('div', { class: 'fields' },
				field(t('ch.buffer'), buffer, t('ch.buffer.help')).wrap,
				field(t('ch.percent'), percent, t('ch.percent.help')).wrap,
				field(t('ch.max'), max, t('ch.max.help')).wrap,
				field(t('ch.end_when'), end, t('ch.end_when.help')).wrap,
				field(t('ch.priority'), priority, t('ch.priority.help')).wrap,
				paused.wrap),
			h('h3', {}, t('ch.preview.title')), preview, errSlot,
			ctx.canWrite ? h('div', { class: 'buttons' }, save, close) : h('div', { class: 'buttons' }, close));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clear(errSlot);
			save.disabled = true;
			try {
				await api('PATCH', `/channels/${seg(c.channel)}`, body());
				toast(t('ch.saved', { channel: channelName(c.channel) }));
				editing = null;
				ctx.changed();
				load();
			} catch (err) {
				errSlot.appendChild(errorBox(err));
			} finally {
				save.disabled = false;
			}
		});
		replace(editor, form);
		doPreview();
	}

	function previewTable(listings) {
		const changed = listings.filter((l) => l.listed !== l.would_list);
		const note = h('p', { class: changed.length ? 'notice' : 'muted' }, changed.length ? t('ch.preview.changed', { n: fmtNum(changed.length) }) : t('ch.preview.none'));
		const rows = listings.map((l) => {
			const diff = l.would_list - l.listed;
			return h('tr', { class: diff < 0 ? 'down' : diff > 0 ? 'up' : '', dataset: { product: l.product_id } },
				h('td', { class: 'mono' }, l.product_id), h('td', {}, l.option || ''),
				h('td', { class: 'num' }, fmtNum(l.listed)),
				h('td', { class: 'num strong' }, fmtNum(l.would_list), diff ? h('span', { class: diff < 0 ? 'neg' : 'pos' }, ` (${diff > 0 ? '+' : ''}${diff})`) : null),
				h('td', { class: 'muted' }, limitShort(l.limited_by), ' → ', limitShort(l.would_limit_by)));
		});
		return h('div', {}, note, h('div', { class: 'table-wrap short' }, h('table', { class: 'grid' },
			h('thead', {}, h('tr', {},
				h('th', { scope: 'col' }, t('sync.product')), h('th', { scope: 'col' }, t('sync.option')),
				h('th', { scope: 'col', class: 'num' }, t('ch.now')), h('th', { scope: 'col', class: 'num' }, t('ch.would')),
				h('th', { scope: 'col' }, t('why.limited')))),
			h('tbody', {}, rows))));
	}

	// Priority setting and adding a channel.
	async function side() {
		try {
			const [s, pfs] = await Promise.all([api('GET', '/settings'), ctx.profiles()]);
			if (!alive)
				return;
			const top = h('input', { type: 'number', min: '0', step: '1', value: String(s.priority_top) });
			const topErr = h('div', {});
			const topForm = h('form', { class: 'card' },
				h('h2', {}, t('ch.priority')),
				field(t('ch.top'), top, t('ch.top.help')).wrap, topErr,
				ctx.canWrite ? h('div', { class: 'buttons' }, h('button', { type: 'submit' }, t('save'))) : null);
			topForm.addEventListener('submit', async (ev) => {
				ev.preventDefault();
				clear(topErr);
				try {
					await api('PATCH', '/settings', { priority_top: Number(top.value) });
					toast(t('saved'));
					ctx.changed();
					load();
				} catch (err) {
					topErr.appendChild(errorBox(err));
				}
			});
			replace(settingsSlot, topForm);

			if (!ctx.canWrite)
				return;
			const name = h('input', { type: 'text', pattern: '[a-z0-9_\\-]+', required: true, autocomplete: 'off', spellcheck: 'false' });
			const profile = h('select', {}, pfs.filter((p) => p.kind !== 'claims').map((p) => h('option', { value: p.name, selected: p.name === 'generic' }, `${p.title} (${p.name})`)));
			const addErr = h('div', {});
			const addForm = h('form', { class: 'card' },
				h('h2', {}, t('ch.add')),
				field(t('ch.add.name'), name).wrap, field(t('ch.profile'), profile).wrap, addErr,
				h('div', { class: 'buttons' }, h('button', { type: 'submit' }, t('ch.add'))));
			name.addEventListener('input', () => {
				if (pfs.some((p) => p.name === name.value.trim()))
					profile.value = name.value.trim();
			});
			addForm.addEventListener('submit', async (ev) => {
				ev.preventDefault();
				clear(addErr);
				try {
					await api('POST', '/channels', { name: name.value.trim(), profile: profile.value });
					toast(t('ch.add.done', { channel: name.value.trim() }));
					name.value = '';
					ctx.changed();
					load();
				} catch (err) {
					addErr.appendChild(errorBox(err));
				}
			});
			replace(addSlot, addForm);
		} catch (err) {
			replace(settingsSlot, errorBox(err));
		}
	}

	load();
	side();
	return {
		// A rule being edited is not redrawn under the user's hands; the table is.
		refresh: load,
		unmount: () => { alive = false; },
	};
}

export default { id: 'channels', mount };
