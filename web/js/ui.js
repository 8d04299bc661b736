// SPDX-License-Identifier: MIT
// Small DOM helpers. Every text goes in as a text node (never innerHTML), so a product name
// or an option from a channel file cannot inject markup.

import { t, getLang } from './i18n.js';

// h('button', {class: 'x', onclick: fn, 'aria-label': '...'}, 'text', child, ...)
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else if (k === 'class')
			el.className = v;
		else if (k === 'dataset')
			Object.assign(el.dataset, v);
		else if (k === 'value')
			el.value = v;
		else if (k === 'checked')
			el.checked = !!v;
		else if (v === true)
			el.setAttribute(k, '');
		else
			el.setAttribute(k, String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === undefined || c === null || c === false)
			continue;
		if (Array.isArray(c))
			append(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

export function replace(el, ...children) {
	clear(el);
	append(el, children);
	return el;
}

let idSeq = 0;
export const uid = (p) => `${p || 'id'}-${++idSeq}`;

export function fmtNum(n) {
	if (n === null || n === undefined)
		return '–';
	return Number(n).toLocaleString(getLang() === 'en' ? 'en-US' : 'ko-KR');
}

// Times from the API are milliseconds since the epoch; sellers think in KST.
export function fmtTime(ms) {
	if (ms === null || ms === undefined || ms === 0)
		return '–';
	const d = new Date(ms);
	return new Intl.DateTimeFormat(getLang() === 'en' ? 'en-GB' : 'ko-KR', {
		timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit',
		hour: '2-digit', minute: '2-digit', hour12: false,
	}).format(d);
}

// A labelled form field: returns {wrap, input}.
export function field(label, input, help) {
	const id = input.id || uid('f');
	input.id = id;
	let helpEl = null;
	if (help) {
		helpEl = h('span', { class: 'help', id: id + '-help' }, help);
		input.setAttribute('aria-describedby', id + '-help');
	}
	const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), input, helpEl);
	return { wrap, input };
}

export function checkbox(label, checked, help) {
	const input = h('input', { type: 'checkbox', checked });
	const id = uid('c');
	input.id = id;
	const wrap = h('div', { class: 'check' }, input, h('label', { for: id }, label),
		help ? h('span', { class: 'help' }, help) : null);
	return { wrap, input };
}

// The API's error in the reader's language: what went wrong (by code), where (row, column)
// and the server's own words as detail.
export function errorText(err) {
	if (!err)
		return '';
	if (err.code === 'network')
		return t('err.network');
	const parts = [t('err.' + err.code) !== 'err.' + err.code ? t('err.' + err.code) : t('err.internal')];
	if (err.row !== undefined && err.row !== null)
		parts.push(err.column !== undefined && err.column !== null
			? t('err.where', { row: err.row, column: err.column })
			: t('err.where.row', { row: err.row }));
	return parts.join(' ');
}

export function errorBox(err) {
	// A programming error is not the server's: show it, and let it reach the console too
	// (where the browser test sees it) instead of hiding it behind a friendly message.
	if (err && !('code' in err))
		setTimeout(() => { throw err; }, 0);
	const box = h('div', { class: 'error', role: 'alert' }, h('strong', {}, errorText(err)));
	if (err && err.message && err.code !== 'network')
		box.appendChild(h('div', { class: 'detail' }, err.message));
	return box;
}

// Messages for everyone (role=status): success notes and errors that outlive a dialog.
let toastArea = null;
export function toast(text, kind) {
	if (!toastArea)
		toastArea = document.getElementById('toasts');
	const el = h('div', { class: 'toast ' + (kind || 'ok'), onclick: () => el.remove() }, text);
	toastArea.appendChild(el);
	setTimeout(() => el.remove(), kind === 'error' ? 9000 : 5000);
}

export function toastError(err) {
	toast(errorText(err) + (err && err.message && err.code !== 'network' ? ' — ' + err.message : ''), 'error');
}

// A modal dialog (native <dialog>: focus is trapped and Esc closes it). body is a node;
// buttons: [{text, primary, onclick(close) -> maybe a promise; returning false keeps it
// open}]. Resolves when it closes.
export function dialog(title, body, buttons) {
	return new Promise((resolve) => {
		const titleId = uid('dlg');
		const errSlot = h('div', { class: 'dialog-error' });
		const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId });
		const close = (value) => {
			if (dlg.open)
				dlg.close();
			dlg.remove();
			resolve(value);
		};
		const bar = h('div', { class: 'dialog-buttons' });
		const form = h('form', { method: 'dialog' });
		const list = buttons && buttons.length ? buttons : [{ text: t('close'), primary: true }];
		for (const b of list) {
			const btn = h('button', { type: b.primary ? 'submit' : 'button', class: b.primary ? 'primary' : '' }, b.text);
			if (!b.primary)
				btn.addEventListener('click', () => (b.onclick ? run(b, btn) : close(null)));
			else
				form.addEventListener('submit', (ev) => {
					ev.preventDefault();
					if (b.onclick)
						run(b, btn);
					else
						close(true);
				});
			bar.appendChild(btn);
		}
		async function run(b, btn) {
			clear(errSlot);
			btn.disabled = true;
			try {
				const r = await b.onclick();
				if (r !== false)
					close(r === undefined ? true : r);
			} catch (err) {
				errSlot.appendChild(errorBox(err));
			} finally {
				btn.disabled = false;
			}
		}
		form.append(h('h2', { id: titleId }, title), h('div', { class: 'dialog-body' }, body), errSlot, bar);
		dlg.appendChild(form);
		dlg.addEventListener('cancel', (ev) => {
			ev.preventDefault();
			close(null);
		});
		document.body.appendChild(dlg);
		dlg.showModal();
		const first = dlg.querySelector('input, select, textarea');
		if (first)
			first.focus();
	});
}

// Pager: "1–25 of 80" with previous/next; calls go(newOffset).
export function pager(offset, limit, total, go) {
	const from = total === 0 ? 0 : offset + 1;
	const to = Math.min(offset + limit, total);
	return h('div', { class: 'pager', role: 'navigation', 'aria-label': t('page.range', { from, to, total }) },
		h('button', { type: 'button', disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, '‹ ' + t('prev')),
		h('span', { class: 'range' }, t('page.range', { from, to, total: fmtNum(total) })),
		h('button', { type: 'button', disabled: to >= total, onclick: () => go(offset + limit) }, t('next') + ' ›'));
}

export function debounce(fn, ms) {
	let timer = null;
	return (...args) => {
		clearTimeout(timer);
		timer = setTimeout(() => fn(...args), ms);
	};
}

export function badge(text, kind) {
	return h('span', { class: 'badge ' + (kind || '') }, text);
}

export function loading() {
	return h('p', { class: 'loading', role: 'status' }, t('loading'));
}
