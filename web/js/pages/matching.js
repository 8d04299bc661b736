// SPDX-License-Identifier: MIT
// 매칭: order lines no listing maps, grouped by channel product and option (GET /unmatched).
// A group is mapped to one SKU or a bundle (A*2,B) chosen with a SKU search box, or typed;
// POST /listings maps it and the waiting lines take stock at once (lines_applied).

import { api, qs } from '../api.js';
import { t, channelName } from '../i18n.js';
import { h, replace, clear, fmtNum, field, toast, errorBox, debounce, loading, uid } from '../ui.js';

const filters = { channel: '' };

function mount(root, ctx) {
	const channel = h('select', {}, h('option', { value: '' }, t('orders.all')));
	const msg = h('div', { class: 'status-slot' });
	const list = h('div', { class: 'groups' }, loading());
	let alive = true, seq = 0;
	const drafts = new Map(); // group key -> recipe being built, kept across refreshes

	channel.addEventListener('change', () => { filters.channel = channel.value; load(); });
	ctx.channels().then((chs) => {
		for (const c of chs)
			channel.appendChild(h('option', { value: c.channel, selected: filters.channel === c.channel }, channelName(c.channel)));
	}).catch(() => {});

	root.append(
		h('div', { class: 'page-head' }, h('h1', {}, t('match.title'))),
		h('p', { class: 'intro' }, t('match.intro')),
		h('div', { class: 'toolbar' }, field(t('orders.channel'), channel).wrap),
		msg, list);

	async function load() {
		const my = ++seq;
		try {
			const d = await api('GET', '/unmatched' + qs({ channel: filters.channel }));
			if (!alive || my !== seq)
				return;
			clear(msg);
			// Keep a card that is being edited: only add new groups and drop mapped ones.
			const keys = new Set(d.groups.map(key));
			for (const el of Array.from(list.querySelectorAll('.group')))
				if (!keys.has(el.dataset.key))
					el.remove();
			for (const el of Array.from(list.children))
				if (!el.classList.contains('group'))
					el.remove();
			const shown = new Set(Array.from(list.querySelectorAll('.group')).map((el) => el.dataset.key));
			for (const g of d.groups)
				if (!shown.has(key(g)))
					list.appendChild(card(g, ctx, drafts, load));
				else
					updateCounts(list, g);
			if (!d.groups.length)
				list.appendChild(h('p', { class: 'empty' }, t('match.empty')));
		} catch (err) {
			if (alive && my === seq)
				replace(msg, errorBox(err));
		}
	}
	load();
	return { refresh: load, unmount: () => { alive = false; } };
}

const key = (g) => JSON.stringify([g.channel, g.product_id, g.option]);

function updateCounts(list, g) {
	for (const el of list.querySelectorAll('.group'))
		if (el.dataset.key === key(g)) {
			const w = el.querySelector('.waiting');
			if (w)
				w.textContent = t('match.waiting', { lines: fmtNum(g.lines), qty: fmtNum(g.qty) });
		}
}

function card(g, ctx, drafts, reload) {
	const k = key(g);
	const recipe = drafts.get(k) || [];
	drafts.set(k, recipe);
	const titleId = uid('g');
	const search = h('input', { type: 'search', placeholder: t('match.search.ph'), autocomplete: 'off', role: 'combobox', 'aria-expanded': 'false', 'aria-autocomplete': 'list' });
	const results = h('ul', { class: 'results', role: 'listbox', id: uid('res'), 'aria-label': t('match.results') });
	search.setAttribute('aria-controls', results.id);
	const recipeEl = h('ul', { class: 'recipe' });
	const text = h('input', { type: 'text', placeholder: 'A*2,B', autocomplete: 'off', spellcheck: 'false' });
	const errSlot = h('div', {});
	const submit = h('button', { type: 'button', class: 'primary' }, t('match.submit'));

	function drawRecipe() {
		clear(recipeEl);
		if (!recipe.length) {
			recipeEl.appendChild(h('li', { class: 'muted' }, t('match.recipe.empty')));
			return;
		}
		for (const c of recipe) {
			const qty = h('input', { type: 'number', min: '1', step: '1', value: String(c.qty), class: 'qty', 'aria-label': t('match.qty', { sku: c.sku }) });
			qty.addEventListener('change', () => {
				const n = Number(qty.value);
				c.qty = Number.isInteger(n) && n > 0 ? n : 1;
				qty.value = String(c.qty);
			});
			recipeEl.appendChild(h('li', { dataset: { sku: c.sku } },
				h('span', { class: 'mono' }, c.sku), c.name ? h('span', { class: 'muted' }, ' ' + c.name) : null, ' × ', qty,
				h('button', {
					type: 'button', class: 'small link', 'aria-label': t('match.remove', { sku: c.sku }),
					onclick: () => { recipe.splice(recipe.indexOf(c), 1); drawRecipe(); },
				}, t('match.remove.short'))));
		}
	}

	let sseq = 0;
	const find = debounce(async () => {
		const q = search.value.trim();
		const my = ++sseq;
		if (!q) {
			clear(results);
			search.setAttribute('aria-expanded', 'false');
			return;
		}
		try {
			const d = await api('GET', '/skus' + qs({ q, limit: 8 }));
			if (my !== sseq)
				return;
			clear(results);
			if (!d.skus.length)
				results.appendChild(h('li', { class: 'muted' }, t('match.noresult')));
			for (const s of d.skus)
				results.appendChild(h('li', { role: 'option' },
					h('button', {
						type: 'button', class: 'result', dataset: { sku: s.sku }, 'aria-label': t('match.add', { sku: s.sku }) + ' — ' + s.name,
						onclick: () => {
							const have = recipe.find((c) => c.sku === s.sku);
							if (have)
								have.qty++;
							else
								recipe.push({ sku: s.sku, name: s.name, qty: 1 });
							drawRecipe();
							clear(results);
							search.value = '';
							search.setAttribute('aria-expanded', 'false');
							search.focus();
						},
					}, h('span', { class: 'mono' }, s.sku), ' ', s.name, h('span', { class: 'muted' }, ` · ${t('stock.available')} ${fmtNum(s.available)}`))));
			search.setAttribute('aria-expanded', 'true');
		} catch (err) {
			replace(results, h('li', {}, errorBox(err)));
		}
	}, 200);
	search.addEventListener('input', find);

	submit.addEventListener('click', async () => {
		clear(errSlot);
		const typed = text.value.trim();
		if (!typed && !recipe.length) {
			errSlot.appendChild(h('p', { class: 'error', role: 'alert' }, t('match.need')));
			return;
		}
		const body = { channel: g.channel, product_id: g.product_id, recipe: typed || recipe.map((c) => ({ sku: c.sku, qty: c.qty })) };
		if (g.option)
			body.option = g.option;
		submit.disabled = true;
		try {
			const r = await api('POST', '/listings', body);
			toast(t('match.done', { channel: channelName(g.channel), product: g.product_id, n: fmtNum(r.lines_applied) }));
			drafts.delete(k);
			ctx.changed();
			reload();
		} catch (err) {
			errSlot.appendChild(errorBox(err));
		} finally {
			submit.disabled = false;
		}
	});

	drawRecipe();
	return h('section', { class: 'group card', dataset: { key: k, channel: g.channel, product: g.product_id }, 'aria-labelledby': titleId },
		h('h2', { id: titleId }, t('match.group', { channel: channelName(g.channel), product: g.product_id })),
		h('p', {}, g.product_name ? h('strong', {}, g.product_name) : null,
			h('span', { class: 'option' }, g.option ? t('match.option', { option: g.option }) : t('match.no_option'))),
		h('p', { class: 'waiting' }, t('match.waiting', { lines: fmtNum(g.lines), qty: fmtNum(g.qty) })),
		ctx.canWrite ? [
			h('div', { class: 'match-form' },
				h('div', {}, field(t('match.search'), search).wrap, results),
				h('div', {}, h('div', { class: 'label' }, t('match.recipe')), recipeEl,
					field(t('match.recipe.text'), text).wrap)),
			errSlot, h('div', { class: 'buttons' }, submit),
		] : null);
}

export default { id: 'matching', mount };
