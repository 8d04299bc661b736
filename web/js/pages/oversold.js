// SPDX-License-Identifier: MIT
// 초과판매: lines a channel sold beyond the pool (GET /oversold), each with what to do next:
// receive the short SKU (the oldest short lines are covered first), or cancel on the
// channel and here, then tell the other channels from Sync. The line's SKUs come from its
// listing's recipe (GET /listings?channel=C), matched by the folded option key.

import { api, qs } from '../api.js';
import { t, channelName } from '../i18n.js';
import { h, replace, clear, fmtNum, fmtTime, errorBox, loading, badge } from '../ui.js';
import { move } from './stock.js';
import { cancel, statusBadge } from './orders.js';

// The option key of docs/cli.md: NFKC, case-folded, white space removed, / , | ; -> /, : = -> :
export function foldOption(s) {
	return (s || '').normalize('NFKC').toLowerCase().replace(/\s+/g, '').replace(/[,|;]/g, '/').replace(/=/g, ':');
}

async function listingsOf(channel) {
	const out = [];
	for (let offset = 0; offset < 20000; offset += 1000) {
		const d = await api('GET', '/listings' + qs({ channel, offset, limit: 1000 }));
		out.push(...d.listings);
		if (out.length >= d.total || !d.listings.length)
			break;
	}
	return out;
}

function mount(root, ctx) {
	const msg = h('div', { class: 'status-slot' });
	const list = h('div', {}, loading());
	let alive = true, seq = 0;

	root.append(
		h('div', { class: 'page-head' }, h('h1', {}, t('over.title'))),
		h('div', { class: 'intro card' }, h('p', {}, t('over.intro')),
			h('ol', {}, h('li', {}, t('over.step1')), h('li', {}, t('over.step2')),
				h('li', {}, t('over.step3'), ' ', h('a', { href: '#/sync' }, t('over.sync'))))),
		msg, list);

	async function load() {
		const my = ++seq;
		try {
			const d = await api('GET', '/oversold');
			const channels = [...new Set(d.orders.map((o) => o.channel))];
			const byChannel = new Map(await Promise.all(channels.map(async (c) => [c, await listingsOf(c)])));
			const skus = new Map();
			if (d.orders.length) {
				const all = await api('GET', '/skus' + qs({ oversold: true, limit: 1000 }));
				for (const s of all.skus)
					skus.set(s.sku, s);
			}
			if (!alive || my !== seq)
				return;
			clear(msg);
			if (!d.orders.length) {
				replace(list, h('p', { class: 'empty' }, t('over.empty')));
				return;
			}
			replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'grid oversold-list' },
				h('thead', {}, h('tr', {},
					h('th', { scope: 'col' }, t('orders.at')), h('th', { scope: 'col' }, t('orders.channel')),
					h('th', { scope: 'col' }, t('orders.line_id')), h('th', { scope: 'col' }, t('orders.product')),
					h('th', { scope: 'col', class: 'num' }, t('orders.qty')), h('th', { scope: 'col' }, t('orders.status')),
					h('th', { scope: 'col' }, t('over.components')), h('th', { scope: 'col' }, t('orders.actions')))),
				h('tbody', {}, d.orders.map((o) => {
					const l = (byChannel.get(o.channel) || []).find((x) => x.product_id === o.product_id && foldOption(x.option) === foldOption(o.option));
					const comps = l ? l.recipe : [];
					return h('tr', { dataset: { channel: o.channel, line: o.line_id } },
						h('td', { class: 'nowrap' }, fmtTime(o.ordered_at)),
						h('td', {}, channelName(o.channel)),
						h('td', { class: 'mono' }, o.line_id),
						h('td', {}, o.product_name || '', h('div', { class: 'mono muted' }, o.product_id + (o.option ? ' · ' + o.option : ''))),
						h('td', { class: 'num' }, fmtNum(o.qty), ' ', badge(t('over.short', { n: o.oversold_by }), 'bad')),
						h('td', {}, statusBadge(o.status)),
						h('td', {}, comps.map((c) => {
							const s = skus.get(c.sku);
							return h('div', {}, h('span', { class: 'mono' }, c.sku), c.qty > 1 ? ` × ${c.qty}` : '',
								s ? h('span', { class: 'muted' }, ` (${t('stock.available')} ${fmtNum(s.available)})`) : null);
						})),
						h('td', { class: 'actions' }, ctx.canWrite ? [
							comps.map((c) => h('button', {
								type: 'button', class: 'small',
								onclick: () => move('receive', skus.get(c.sku) || { sku: c.sku, name: '', on_hand: 0, available: 0 }, ctx, load),
							}, t('over.receive', { sku: c.sku }))),
							o.status === 'open' ? h('button', { type: 'button', class: 'small danger', onclick: () => cancel(o, ctx, load) }, t('over.cancel')) : null,
						] : null));
				})))));
		} catch (err) {
			if (alive && my === seq)
				replace(msg, errorBox(err));
		}
	}
	load();
	return { refresh: load, unmount: () => { alive = false; } };
}

export default { id: 'oversold', mount };
