// SPDX-License-Identifier: MIT
// 재고 현황: SKUs x channels. Each row is a SKU with on hand, committed, available and
// safety; each channel column is the quantity that channel's single-unit listing shows.
// Low stock (available <= low-stock line) and oversold (available < 0) rows stand out.
// A channel cell opens "why this number" (GET /skus/{sku}/why?channel=C) with the SKU's
// history; receive, adjust and stocktake are per row.

import { api, qs, seg } from '../api.js';
import { t, channelName } from '../i18n.js';
import { h, replace, clear, fmtNum, fmtTime, field, checkbox, dialog, toast, errorBox, pager, debounce, badge, loading } from '../ui.js';
import { explainListing } from './why.js';

const filters = { q: '', low: false, oversold: false, offset: 0, limit: 25 };

function mount(root, ctx) {
	const search = h('input', { type: 'search', value: filters.q, placeholder: t('stock.search'), autocomplete: 'off' });
	const low = checkbox(t('stock.low'), filters.low);
	const over = checkbox(t('stock.oversold'), filters.oversold);
	const size = h('select', {}, [25, 50, 100, 250].map((n) => h('option', { value: n, selected: n === filters.limit }, String(n))));
	const tableSlot = h('div', { class: 'table-wrap', tabindex: '0', 'aria-label': t('stock.caption') });
	const pagerSlot = h('div', {});
	const status = h('div', { class: 'status-slot' });
	let alive = true;
	let seq = 0;

	const reload = () => {
		filters.offset = 0;
		load();
	};
	search.addEventListener('input', debounce(() => {
		filters.q = search.value.trim();
		reload();
	}, 250));
	low.input.addEventListener('change', () => {
		filters.low = low.input.checked;
		reload();
	});
	over.input.addEventListener('change', () => {
		filters.oversold = over.input.checked;
		reload();
	});
	size.addEventListener('change', () => {
		filters.limit = Number(size.value);
		reload();
	});

	root.append(
		h('div', { class: 'page-head' }, h('h1', {}, t('stock.title'))),
		h('div', { class: 'toolbar', role: 'search' },
			field(t('search'), search).wrap, low.wrap, over.wrap, field(t('page.size'), size).wrap),
		h('ul', { class: 'legend' },
			h('li', {}, h('span', { class: 'swatch low', 'aria-hidden': 'true' }), t('stock.legend.low')),
			h('li', {}, h('span', { class: 'swatch oversold', 'aria-hidden': 'true' }), t('stock.legend.oversold')),
			h('li', {}, h('span', { class: 'swatch zero', 'aria-hidden': 'true' }), t('stock.legend.zero'))),
		status, tableSlot, pagerSlot);
	tableSlot.appendChild(loading());

	async function load() {
		const my = ++seq;
		try {
			const [chs, page] = await Promise.all([
				ctx.channels(),
				api('GET', '/skus' + qs({ q: filters.q, offset: filters.offset, limit: filters.limit, low: filters.low, oversold: filters.oversold })),
			]);
			if (!alive || my !== seq)
				return;
			clear(status);
			if (page.total > 0 && filters.offset >= page.total) {
				filters.offset = Math.max(0, page.total - filters.limit);
				load();
				return;
			}
			replace(tableSlot, grid(page.skus, chs.map((c) => c.channel), ctx, load));
			replace(pagerSlot, pager(filters.offset, filters.limit, page.total, (o) => {
				filters.offset = o;
				load();
			}));
		} catch (err) {
			if (alive && my === seq)
				replace(status, errorBox(err));
		}
	}
	load();
	return { refresh: load, unmount: () => { alive = false; } };
}

function grid(skus, channels, ctx, reload) {
	if (!skus.length)
		return h('p', { class: 'empty' }, t('stock.empty'));
	const head = h('tr', {},
		h('th', { scope: 'col', class: 'sticky' }, t('stock.sku')),
		h('th', { scope: 'col' }, t('stock.name')),
		h('th', { scope: 'col', class: 'num' }, t('stock.on_hand')),
		h('th', { scope: 'col', class: 'num' }, t('stock.committed')),
		h('th', { scope: 'col', class: 'num' }, t('stock.available')),
		h('th', { scope: 'col', class: 'num' }, t('stock.safety')),
		channels.map((c) => h('th', { scope: 'col', class: 'num ch', title: c }, channelName(c))),
		h('th', { scope: 'col' }, t('stock.actions')));
	const rows = skus.map((s) => {
		const isOver = s.available < 0;
		const isLow = !isOver && s.low_stock > 0 && s.available <= s.low_stock;
		const cells = channels.map((c) => {
			const n = s.listed ? s.listed[c] : undefined;
			if (n === undefined)
				return h('td', { class: 'num muted', title: t('stock.cell.none') }, '–');
			return h('td', { class: 'num' },
				h('button', {
					type: 'button', class: 'cell' + (n === 0 ? ' zero' : ''),
					dataset: { sku: s.sku, channel: c },
					'aria-label': t('stock.cell.why', { sku: s.sku, channel: channelName(c), n }),
					onclick: () => showWhy(s, c, ctx),
				}, fmtNum(n)));
		});
		return h('tr', { class: isOver ? 'oversold' : isLow ? 'low' : '', dataset: { sku: s.sku } },
			h('th', { scope: 'row', class: 'sticky' },
				h('button', { type: 'button', class: 'link mono', onclick: () => showHistory(s), title: t('stock.history') }, s.sku)),
			h('td', { class: 'name' }, s.name,
				isOver ? badge(t('stock.oversold.badge'), 'bad') : null,
				isLow ? badge(t('stock.low.badge'), 'warn') : null),
			h('td', { class: 'num', dataset: { col: 'on_hand' } }, fmtNum(s.on_hand)),
			h('td', { class: 'num', dataset: { col: 'committed' } }, fmtNum(s.committed)),
			h('td', { class: 'num strong', dataset: { col: 'available' } }, fmtNum(s.available)),
			h('td', { class: 'num', dataset: { col: 'safety' } }, fmtNum(s.safety)),
			cells,
			h('td', { class: 'actions' }, ctx.canWrite ? [
				h('button', { type: 'button', class: 'small', onclick: () => move('receive', s, ctx, reload) }, t('stock.receive')),
				h('button', { type: 'button', class: 'small', onclick: () => move('adjust', s, ctx, reload) }, t('stock.adjust')),
				h('button', { type: 'button', class: 'small', onclick: () => move('count', s, ctx, reload) }, t('stock.count')),
			] : null));
	});
	return h('table', { class: 'grid stock' },
		h('caption', { class: 'sr-only' }, t('stock.caption')),
		h('thead', {}, head), h('tbody', {}, rows));
}

// ---- receive / adjust / count ------------------------------------------------------------------

export async function move(kind, s, ctx, reload) {
	const body = h('div', { class: 'form' });
	let qty, note, reason;
	if (kind === 'adjust') {
		qty = h('input', { type: 'number', step: '1', required: true, inputmode: 'numeric' });
		reason = h('input', { type: 'text', required: true, maxlength: '200' });
		body.append(field(t('stock.delta'), qty).wrap, field(t('stock.reason'), reason).wrap);
	} else {
		qty = h('input', { type: 'number', step: '1', min: kind === 'receive' ? '1' : '0', required: true, inputmode: 'numeric', value: kind === 'count' ? String(s.on_hand) : '' });
		note = h('input', { type: 'text', maxlength: '200' });
		body.append(field(kind === 'count' ? t('stock.counted') : t('stock.qty'), qty).wrap, field(t('stock.note'), note).wrap);
	}
	body.prepend(h('p', { class: 'muted' }, `${s.sku} · ${s.name} — ${t('stock.on_hand')} ${fmtNum(s.on_hand)}, ${t('stock.available')} ${fmtNum(s.available)}`));
	await dialog(t('stock.' + kind + '.title', { sku: s.sku }), body, [
		{ text: t('cancel') },
		{
			text: t('stock.' + kind), primary: true,
			onclick: async () => {
				const n = Number(qty.value);
				if (qty.value === '' || !Number.isInteger(n)) {
					qty.focus();
					return false;
				}
				let r;
				if (kind === 'adjust')
					r = await api('POST', `/skus/${seg(s.sku)}/adjust`, { delta: n, reason: reason.value.trim() });
				else
					r = await api('POST', `/skus/${seg(s.sku)}/${kind}`, note.value.trim() ? { qty: n, note: note.value.trim() } : { qty: n });
				toast(t('stock.done.' + kind, { sku: s.sku, n: r && r.delta !== undefined ? r.delta : n }));
				ctx.changed();
				if (reload)
					reload();
				return true;
			},
		},
	]);
}

// ---- why this number, history ------------------------------------------------------------------

async function showWhy(s, channel, ctx) {
	const n = s.listed[channel];
	const body = h('div', { class: 'why' }, loading());
	const done = dialog(t('why.title', { channel: channelName(channel), n: fmtNum(n) }), body);
	try {
		const [why, chs, hist] = await Promise.all([
			api('GET', `/skus/${seg(s.sku)}/why` + qs({ channel })),
			ctx.channels(),
			api('GET', `/skus/${seg(s.sku)}/history`),
		]);
		const rule = chs.find((c) => c.channel === channel) || {};
		replace(body,
			h('p', { class: 'muted' }, t('why.sku', { sku: s.sku }), ' · ', s.name, ' · ',
				`${t('stock.on_hand')} ${fmtNum(s.on_hand)} / ${t('stock.committed')} ${fmtNum(s.committed)} / ${t('stock.available')} ${fmtNum(s.available)} / ${t('stock.safety')} ${fmtNum(s.safety)}`),
			h('p', { class: 'rule' }, ruleText(rule)),
			why.listings.length ? why.listings.map((l) => explainListing(l, rule))
				: h('p', { class: 'empty' }, t('why.none', { channel: channelName(channel) })),
			h('h3', {}, t('why.history', { sku: s.sku })),
			historyTable(hist.history));
	} catch (err) {
		replace(body, errorBox(err));
	}
	return done;
}

export function ruleText(rule) {
	const lim = (v) => (v === null || v === undefined ? t('ch.nolimit') : fmtNum(v));
	return t('why.rule', {
		buffer: fmtNum(rule.buffer ?? 0), percent: rule.percent ?? 100, max: lim(rule.max),
		end_when: lim(rule.end_when), priority: rule.priority ?? 0, paused: rule.paused ? t('why.rule.paused') : '',
	});
}

async function showHistory(s) {
	const body = h('div', {}, loading());
	const done = dialog(t('why.history', { sku: s.sku }), body);
	try {
		const hist = await api('GET', `/skus/${seg(s.sku)}/history`);
		replace(body, h('p', { class: 'muted' }, s.name), historyTable(hist.history));
	} catch (err) {
		replace(body, errorBox(err));
	}
	return done;
}

export function historyTable(list) {
	if (!list || !list.length)
		return h('p', { class: 'empty' }, t('hist.empty'));
	const rows = list.slice(-100).reverse().map((e) => h('tr', {},
		h('td', {}, fmtTime(e.at)),
		h('td', {}, t('kind.' + e.kind) !== 'kind.' + e.kind ? t('kind.' + e.kind) : e.kind,
			e.state ? ' · ' + (t('status.' + e.state) !== 'status.' + e.state ? t('status.' + e.state) : e.state) : ''),
		h('td', { class: 'num ' + (e.delta < 0 ? 'neg' : 'pos') }, (e.delta > 0 ? '+' : '') + fmtNum(e.delta)),
		h('td', { class: 'num' }, e.on_hand_after !== undefined ? fmtNum(e.on_hand_after) : '–'),
		h('td', { class: 'src' }, [e.reason, e.source].filter(Boolean).join(' · '))));
	return h('div', { class: 'table-wrap short' }, h('table', { class: 'grid' },
		h('thead', {}, h('tr', {},
			h('th', { scope: 'col' }, t('hist.at')), h('th', { scope: 'col' }, t('hist.kind')),
			h('th', { scope: 'col', class: 'num' }, t('hist.delta')), h('th', { scope: 'col', class: 'num' }, t('hist.after')),
			h('th', { scope: 'col' }, t('hist.reason')))),
		h('tbody', {}, rows)));
}


export default { id: 'stock', mount };
