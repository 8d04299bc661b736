// SPDX-License-Identifier: MIT
// "Why this number": one listing's quantity explained from the numbers the API gives
// (components with available, safety, low_stock; the channel's rule), following the
// arithmetic of DESIGN.md section 2 step by step, and the rule that set it in words.

import { t, getLang } from '../i18n.js';
import { h, fmtNum } from '../ui.js';

// limited_by is "rule" or "rule:SKU".
export function parseLimit(s) {
	const i = (s || '').indexOf(':');
	return i < 0 ? { rule: s || '', sku: null } : { rule: s.slice(0, i), sku: s.slice(i + 1) };
}

export function limitText(limitedBy, listing, rule) {
	const { rule: why, sku } = parseLimit(limitedBy);
	const comp = (listing.components || []).find((c) => c.sku === sku) || {};
	const p = {
		sku: sku || '', available: fmtNum(comp.available), safety: fmtNum(comp.safety), qty: comp.qty,
		low: fmtNum(comp.low_stock), buffer: fmtNum(rule.buffer ?? 0), percent: rule.percent ?? 100,
		end_when: fmtNum(rule.end_when), max: fmtNum(rule.max),
	};
	if (why === 'stock' && comp.qty > 1)
		return t('lim.stock.per', p);
	const key = 'lim.' + why;
	return t(key) !== key ? t(key, p) : limitedBy;
}

function recipeText(recipe) {
	return (recipe || []).map((r) => (r.qty > 1 ? `${r.sku} × ${r.qty}` : r.sku)).join(' + ');
}

function steps(listing, rule) {
	const out = [];
	const buffer = rule.buffer ?? 0, percent = rule.percent ?? 100;
	for (const c of listing.components || []) {
		let pool = c.available - c.safety - buffer;
		if (pool < 0)
			pool = 0;
		out.push(t('why.step.pool', { sku: c.sku, available: fmtNum(c.available), safety: fmtNum(c.safety), buffer: fmtNum(buffer), pool: fmtNum(pool) }));
		if (percent < 100) {
			pool = Math.floor((pool * percent) / 100);
			out.push('  ' + t('why.step.percent', { percent, pool: fmtNum(pool) }));
		}
		if (c.qty > 1)
			out.push('  ' + t('why.step.unit', { qty: c.qty, units: fmtNum(Math.floor(pool / c.qty)) }));
	}
	if (rule.max !== null && rule.max !== undefined)
		out.push(t('why.step.max', { max: fmtNum(rule.max) }));
	const why = parseLimit(listing.limited_by).rule;
	if (why === 'priority' || why === 'end_when' || why === 'paused')
		out.push(t('why.step.rule', { rule: limitShort(listing.limited_by), n: fmtNum(listing.listed) }));
	else if ((listing.components || []).length > 1)
		out.push(t('why.step.min', { n: fmtNum(listing.listed) }));
	else
		out.push(t('why.step.result', { n: fmtNum(listing.listed) }));
	return out;
}

export function explainListing(l, rule) {
	return h('section', { class: 'listing-why', dataset: { product: l.product_id } },
		h('div', { class: 'why-head' },
			h('div', {},
				h('div', { class: 'mono' }, t('why.listing', { product: l.product_id })),
				l.option ? h('div', {}, t('why.option', { option: l.option })) : null,
				h('div', { class: 'muted' }, t('why.recipe'), ': ', recipeText(l.recipe))),
			h('div', { class: 'big-number', 'aria-label': t('why.listed') + ' ' + l.listed }, fmtNum(l.listed))),
		h('dl', { class: 'kv' },
			h('dt', {}, t('why.limited')),
			h('dd', { class: 'limit', dataset: { limitedBy: l.limited_by } }, limitText(l.limited_by, l, rule)),
			h('dt', {}, t('why.steps')),
			h('dd', {}, h('pre', { class: 'steps' }, steps(l, rule).join('\n'))),
			h('dt', {}, t('why.last_told')),
			h('dd', {}, l.last_told === null || l.last_told === undefined ? t('why.never_told') : fmtNum(l.last_told))));
}

// The rule alone, short: "버퍼 (MUG-01)".
export function limitShort(s) {
	const { rule, sku } = parseLimit(s);
	const names = {
		stock: { ko: '재고', en: 'stock' }, safety: { ko: '안전재고', en: 'safety' }, buffer: { ko: '버퍼', en: 'buffer' },
		percent: { ko: '비율', en: 'percent' }, max: { ko: '최대', en: 'max' }, paused: { ko: '일시중지', en: 'paused' },
		end_when: { ko: '판매 종료 기준', en: 'end-when' }, priority: { ko: '우선순위', en: 'priority' }, no_recipe: { ko: '구성 없음', en: 'no recipe' },
	};
	const n = names[rule];
	const text = n ? (getLang() === 'en' ? n.en : n.ko) : rule;
	return sku ? `${text} (${sku})` : text;
}
