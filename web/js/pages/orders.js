// SPDX-License-Identifier: MIT
// 주문: every channel's order lines in one list (GET /orders), filtered by channel, status,
// date range and text, with ship (courier, tracking), cancel and return (restock) actions.
// The API's order lines carry no recipient data; nothing personal is shown or sent here.

import { api, qs, seg } from '../api.js';
import { t, channelName } from '../i18n.js';
import { h, replace, clear, fmtNum, fmtTime, field, checkbox, dialog, toast, errorBox, pager, debounce, badge, loading } from '../ui.js';

const filters = { channel: '', status: '', from: '', to: '', q: '', offset: 0, limit: 50 };
const STATUSES = ['open', 'shipped', 'cancelled', 'returned'];

function mount(root, ctx) {
	const channel = h('select', {}, h('option', { value: '' }, t('orders.all')));
	const status = h('select', {}, h('option', { value: '' }, t('orders.all')),
		STATUSES.map((s) => h('option', { value: s, selected: filters.status === s }, t('status.' + s))));
	const from = h('input', { type: 'date', value: filters.from });
	const to = h('input', { type: 'date', value: filters.to });
	const q = h('input', { type: 'search', value: filters.q, placeholder: t('orders.q'), autocomplete: 'off' });
	const msg = h('div', { class: 'status-slot' });
	const tableSlot = h('div', { class: 'table-wrap' }, loading());
	const pagerSlot = h('div', {});
	let alive = true, seq = 0;

	const reload = () => {
		filters.offset = 0;
		load();
	};
	channel.addEventListener('change', () => { filters.channel = channel.value; reload(); });
	status.addEventListener('change', () => { filters.status = status.value; reload(); });
	from.addEventListener('change', () => { filters.from = from.value; reload(); });
	to.addEventListener('change', () => { filters.to = to.value; reload(); });
	q.addEventListener('input', debounce(() => { filters.q = q.value.trim(); reload(); }, 250));

	root.append(
		h('div', { class: 'page-head' }, h('h1', {}, t('orders.title'))),
		h('div', { class: 'toolbar', role: 'search' },
			field(t('orders.channel'), channel).wrap, field(t('orders.status'), status).wrap,
			field(t('orders.from'), from).wrap, field(t('orders.to'), to).wrap,
			field(t('search'), q).wrap),
		msg, tableSlot, pagerSlot);

	ctx.channels().then((chs) => {
		for (const c of chs)
			channel.appendChild(h('option', { value: c.channel, selected: filters.channel === c.channel }, channelName(c.channel)));
	}).catch(() => {});

	async function load() {
		const my = ++seq;
		try {
			const page = await api('GET', '/orders' + qs({
				channel: filters.channel, status: filters.status, from: filters.from, to: filters.to,
				q: filters.q, offset: filters.offset, limit: filters.limit,
			}));
			if (!alive || my !== seq)
				return;
			clear(msg);
			replace(tableSlot, table(page.orders, ctx, load));
			replace(pagerSlot, pager(filters.offset, filters.limit, page.total, (o) => { filters.offset = o; load(); }));
		} catch (err) {
			if (alive && my === seq)
				replace(msg, errorBox(err));
		}
	}
	load();
	return { refresh: load, unmount: () => { alive = false; } };
}

export function statusBadge(s) {
	return badge(t('status.' + s), 'st-' + s);
}

function table(orders, ctx, reload) {
	if (!orders.length)
		return h('p', { class: 'empty' }, t('orders.empty'));
	return h('table', { class: 'grid orders' },
		h('caption', { class: 'sr-only' }, t('orders.caption')),
		h('thead', {}, h('tr', {},
			h('th', { scope: 'col' }, t('orders.at')), h('th', { scope: 'col' }, t('orders.channel')),
			h('th', { scope: 'col' }, t('orders.order_no')), h('th', { scope: 'col' }, t('orders.line_id')),
			h('th', { scope: 'col' }, t('orders.product')), h('th', { scope: 'col' }, t('orders.option')),
			h('th', { scope: 'col', class: 'num' }, t('orders.qty')), h('th', { scope: 'col' }, t('orders.status')),
			h('th', { scope: 'col' }, t('orders.flags')), h('th', { scope: 'col' }, t('orders.actions')))),
		h('tbody', {}, orders.map((o) => h('tr', { dataset: { channel: o.channel, line: o.line_id }, class: o.oversold_by > 0 ? 'oversold' : '' },
			h('td', { class: 'nowrap' }, fmtTime(o.ordered_at)),
			h('td', {}, channelName(o.channel)),
			h('td', { class: 'mono' }, o.order_no || '–'),
			h('td', { class: 'mono' }, o.line_id),
			h('td', {}, o.product_name || '', h('div', { class: 'mono muted' }, o.product_id)),
			h('td', {}, o.option || ''),
			h('td', { class: 'num' }, fmtNum(o.qty)),
			h('td', {}, statusBadge(o.status), o.channel_status ? h('div', { class: 'muted' }, o.channel_status) : null),
			h('td', {}, o.matched ? null : badge(t('orders.unmatched'), 'warn'),
				o.oversold_by > 0 ? badge(t('orders.oversold', { n: o.oversold_by }), 'bad') : null),
			h('td', { class: 'actions' }, ctx.canWrite ? actions(o, ctx, reload) : null)))));
}

export function actions(o, ctx, reload) {
	const out = [];
	if (o.status === 'open') {
		out.push(h('button', { type: 'button', class: 'small', onclick: () => ship(o, ctx, reload) }, t('orders.ship')));
		out.push(h('button', { type: 'button', class: 'small danger', onclick: () => cancel(o, ctx, reload) }, t('orders.cancel')));
	}
	if (o.status === 'shipped')
		out.push(h('button', { type: 'button', class: 'small', onclick: () => ret(o, ctx, reload) }, t('orders.return')));
	return out;
}

const path = (o, verb) => `/orders/${seg(o.channel)}/${seg(o.line_id)}/${verb}`;

function after(o, verb, ctx, reload) {
	toast(t('orders.done.' + verb, { line: o.line_id }));
	ctx.changed();
	if (reload)
		reload();
}

async function ship(o, ctx, reload) {
	const courier = h('input', { type: 'text', list: 'couriers', maxlength: '100', autocomplete: 'off' });
	const tracking = h('input', { type: 'text', inputmode: 'numeric', maxlength: '100', autocomplete: 'off' });
	const list = h('datalist', { id: 'couriers' }, ['CJ대한통운', '한진택배', '롯데택배', '우체국택배', '로젠택배', '경동택배', 'CU편의점택배', 'GS Postbox']
		.map((c) => h('option', { value: c })));
	await dialog(t('orders.ship.title', { line: o.line_id }), h('div', { class: 'form' },
		h('p', { class: 'muted' }, `${channelName(o.channel)} · ${o.product_name || o.product_id} × ${o.qty}`),
		field(t('orders.courier'), courier).wrap, field(t('orders.tracking'), tracking).wrap, list), [
		{ text: t('cancel') },
		{
			text: t('orders.ship'), primary: true,
			onclick: async () => {
				const body = {};
				if (courier.value.trim())
					body.courier = courier.value.trim();
				if (tracking.value.trim())
					body.tracking = tracking.value.trim();
				await api('POST', path(o, 'ship'), body);
				after(o, 'ship', ctx, reload);
			},
		},
	]);
}

export async function cancel(o, ctx, reload) {
	await dialog(t('orders.cancel.title', { line: o.line_id }), h('p', {}, t('orders.cancel.confirm', { line: o.line_id })), [
		{ text: t('no') },
		{
			text: t('orders.cancel'), primary: true,
			onclick: async () => {
				await api('POST', path(o, 'cancel'), {});
				after(o, 'cancel', ctx, reload);
			},
		},
	]);
}

async function ret(o, ctx, reload) {
	const restock = checkbox(t('orders.restock'), true);
	await dialog(t('orders.return.title', { line: o.line_id }), h('div', { class: 'form' },
		h('p', { class: 'muted' }, `${channelName(o.channel)} · ${o.product_name || o.product_id} × ${o.qty}`), restock.wrap), [
		{ text: t('cancel') },
		{
			text: t('orders.return'), primary: true,
			onclick: async () => {
				await api('POST', path(o, 'return'), { restock: restock.input.checked });
				after(o, 'return', ctx, reload);
			},
		},
	]);
}


export default { id: 'orders', mount };
