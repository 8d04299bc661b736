// SPDX-License-Identifier: MIT
// The dashboard's shell: login, the menu, hash routes (#/stock, #/orders, ...), the language
// switch, and live updates. Live updates: GET /api/v1/events is a server-sent event stream
// that says `changed` after every commit; the visible page then reads its data again. When
// the stream cannot be held open, the visible page is read again every 5 seconds instead.
// Filters and search texts stay in memory, never in the URL.

import { api, setCsrf, whenUnauthorized, ApiError } from './api.js';
import { t, getLang, setLang } from './i18n.js';
import { h, replace, clear, errorBox, debounce, uid } from './ui.js';
import stock from './pages/stock.js';
import orders from './pages/orders.js';
import upload from './pages/upload.js';
import matching from './pages/matching.js';
import oversold from './pages/oversold.js';
import channels from './pages/channels.js';
import sync from './pages/sync.js';

const PAGES = [stock, orders, upload, matching, oversold, channels, sync];
const SESSION_HINT = 'jaego.session'; // "1" while we believe a session cookie exists
const POLL_MS = 5000;

const state = {
	me: null,
	page: null, // the page module shown
	view: null, // what its mount() returned: {refresh, unmount}
	channels: null, // cached GET /channels
	profiles: null, // cached GET /profiles
	counts: { unmatched: 0, oversold: 0 },
	live: 'off',
	es: null,
	pollTimer: null,
	version: null,
};

const root = document.getElementById('app');

// ---- shared data ------------------------------------------------------------------------------

const ctx = {
	async channels() {
		if (!state.channels)
			state.channels = api('GET', '/channels').then((d) => d.channels).catch((e) => {
				state.channels = null;
				throw e;
			});
		return state.channels;
	},
	async profiles() {
		if (!state.profiles)
			state.profiles = api('GET', '/profiles').then((d) => d.profiles).catch((e) => {
				state.profiles = null;
				throw e;
			});
		return state.profiles;
	},
	navigate(hash) {
		if (location.hash === hash)
			route();
		else
			location.hash = hash;
	},
	// After our own write: the event stream will say so too, but do not wait for it.
	changed() {
		state.channels = null;
		refreshSoon();
	},
	get role() {
		return state.me ? state.me.role : 'viewer';
	},
	get canWrite() {
		return state.me && state.me.role !== 'viewer';
	},
};

// ---- login ------------------------------------------------------------------------------------

function hintSession(on) {
	try {
		if (on)
			localStorage.setItem(SESSION_HINT, '1');
		else
			localStorage.removeItem(SESSION_HINT);
	} catch (e) {
		/* storage off: we will ask at each start */
	}
}

function hasSessionHint() {
	try {
		return localStorage.getItem(SESSION_HINT) === '1';
	} catch (e) {
		return true;
	}
}

function showLogin(message) {
	stopLive();
	unmountPage();
	state.me = null;
	setCsrf(null);
	document.title = t('login.title') + ' · ' + t('app.name');
	const user = h('input', { type: 'text', name: 'user', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
	const pw = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
	const userId = uid('u'), pwId = uid('p');
	user.id = userId;
	pw.id = pwId;
	const errSlot = h('div', { class: 'login-error' });
	const btn = h('button', { type: 'submit', class: 'primary wide' }, t('login.submit'));
	const form = h('form', { class: 'login-card', 'aria-labelledby': 'login-title' },
		h('div', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '재'), h('span', {}, 'jaego')),
		h('p', { class: 'tagline' }, t('app.tagline')),
		h('h1', { id: 'login-title' }, t('login.title')),
		message ? h('p', { class: 'notice', role: 'status' }, message) : null,
		h('div', { class: 'field' }, h('label', { for: userId }, t('login.user')), user),
		h('div', { class: 'field' }, h('label', { for: pwId }, t('login.password')), pw),
		errSlot, btn,
		h('p', { class: 'help' }, t('login.hint')),
		langButton());
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clear(errSlot);
		btn.disabled = true;
		try {
			const me = await api('POST', '/login', { user: user.value.trim(), password: pw.value });
			pw.value = '';
			hintSession(true);
			await start(me);
		} catch (err) {
			errSlot.appendChild(err.code === 'unauthorized'
				? h('div', { class: 'error', role: 'alert' }, h('strong', {}, t('err.login')))
				: errorBox(err));
		} finally {
			btn.disabled = false;
		}
	});
	replace(root, h('main', { class: 'login', id: 'main' }, form));
	user.focus();
}

async function logout() {
	try {
		await api('POST', '/logout', {});
	} catch (e) {
		/* the session is gone either way */
	}
	hintSession(false);
	showLogin();
}

whenUnauthorized(() => {
	if (state.me) {
		hintSession(false);
		showLogin(t('login.expired'));
	}
});

// ---- the shell --------------------------------------------------------------------------------

function langButton() {
	return h('button', {
		type: 'button', class: 'lang', lang: getLang() === 'ko' ? 'en' : 'ko', 'aria-label': t('lang.label'),
		onclick: () => {
			setLang(getLang() === 'ko' ? 'en' : 'ko');
			if (state.me)
				renderShell();
			else
				showLogin();
		},
	}, t('lang.switch'));
}

let navEl = null, liveEl = null, mainEl = null;

function renderShell() {
	const links = PAGES.map((p) => {
		const count = p.id === 'matching' ? state.counts.unmatched : p.id === 'oversold' ? state.counts.oversold : 0;
		return h('li', {}, h('a', { href: '#/' + p.id, dataset: { page: p.id } }, t('nav.' + p.id),
			count ? h('span', { class: 'count ' + (p.id === 'oversold' ? 'bad' : 'warn'), 'aria-label': `(${count})` }, String(count)) : null));
	});
	navEl = h('nav', { 'aria-label': t('nav.label'), class: 'nav' }, h('ul', {}, links));
	liveEl = h('span', { class: 'live', role: 'status' });
	mainEl = h('main', { id: 'main', tabindex: '-1' });
	replace(root,
		h('a', { href: '#main', class: 'skip', onclick: (ev) => { ev.preventDefault(); mainEl.focus(); } }, t('nav.label')),
		h('header', { class: 'top' },
			h('a', { href: '#/stock', class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '재'), h('span', {}, 'jaego')),
			navEl,
			h('div', { class: 'who' }, liveEl,
				h('span', { class: 'user' }, state.me.user),
				langButton(),
				h('button', { type: 'button', class: 'link', onclick: logout }, t('logout')))),
		mainEl);
	showLive();
	route(true);
}

function markNav() {
	if (!navEl)
		return;
	for (const a of navEl.querySelectorAll('a')) {
		if (state.page && a.dataset.page === state.page.id)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
}

function updateCounts(counts) {
	const changed = counts.unmatched !== state.counts.unmatched || counts.oversold !== state.counts.oversold;
	state.counts = counts;
	if (!changed || !navEl)
		return;
	for (const a of navEl.querySelectorAll('a')) {
		const id = a.dataset.page;
		if (id !== 'matching' && id !== 'oversold')
			continue;
		const n = id === 'matching' ? counts.unmatched : counts.oversold;
		const old = a.querySelector('.count');
		if (old)
			old.remove();
		if (n)
			a.appendChild(h('span', { class: 'count ' + (id === 'oversold' ? 'bad' : 'warn'), 'aria-label': `(${n})` }, String(n)));
	}
}

async function loadCounts() {
	try {
		const [u, o] = await Promise.all([api('GET', '/unmatched'), api('GET', '/oversold')]);
		updateCounts({ unmatched: u.groups.reduce((n, g) => n + g.lines, 0), oversold: o.orders.length });
	} catch (e) {
		/* the page shows its own errors */
	}
}

function unmountPage() {
	if (state.view && state.view.unmount)
		state.view.unmount();
	state.view = null;
	state.page = null;
}

function route(force) {
	if (!state.me)
		return;
	const id = (location.hash.match(/^#\/([a-z]+)/) || [])[1] || 'stock';
	const page = PAGES.find((p) => p.id === id) || stock;
	if (!force && state.page === page)
		return;
	unmountPage();
	state.page = page;
	markNav();
	document.title = t('nav.' + page.id) + ' · ' + t('app.name');
	clear(mainEl);
	try {
		state.view = page.mount(mainEl, ctx) || {};
	} catch (err) {
		mainEl.appendChild(errorBox(err instanceof ApiError ? err : new ApiError(0, 'internal', String(err))));
	}
	loadCounts();
}

window.addEventListener('hashchange', () => {
	if (location.hash === '#main')
		return;
	route();
});

// ---- live updates -------------------------------------------------------------------------------

const refreshSoon = debounce(() => {
	state.channels = null;
	if (state.view && state.view.refresh)
		state.view.refresh();
	loadCounts();
}, 200);

function showLive() {
	if (!liveEl)
		return;
	const on = state.live === 'on';
	liveEl.className = 'live ' + state.live;
	liveEl.title = on ? t('live.title.on') : state.live === 'poll' ? t('live.title.poll') : '';
	liveEl.textContent = t('live.' + state.live);
	liveEl.dataset.live = state.live;
}

function setLive(mode) {
	state.live = mode;
	showLive();
}

function startPolling() {
	if (state.pollTimer)
		return;
	setLive('poll');
	state.pollTimer = setInterval(() => refreshSoon(), POLL_MS);
}

function stopPolling() {
	clearInterval(state.pollTimer);
	state.pollTimer = null;
}

function startLive() {
	stopLive();
	if (typeof EventSource !== 'function') {
		startPolling();
		return;
	}
	let es;
	try {
		es = new EventSource('/api/v1/events');
	} catch (e) {
		startPolling();
		return;
	}
	state.es = es;
	es.addEventListener('open', () => {
		stopPolling();
		setLive('on');
	});
	es.addEventListener('changed', (ev) => {
		let v = null;
		try {
			v = JSON.parse(ev.data).version;
		} catch (e) {
			v = ev.data;
		}
		if (state.version !== null && v !== state.version)
			refreshSoon();
		state.version = v;
	});
	es.addEventListener('error', () => {
		// CONNECTING: the browser retries by itself; poll meanwhile. CLOSED: it gave up
		// (e.g. the session ended): poll, which also finds out about the session.
		startPolling();
	});
}

function stopLive() {
	if (state.es)
		state.es.close();
	state.es = null;
	stopPolling();
	state.version = null;
	state.live = 'off';
}

// ---- start ------------------------------------------------------------------------------------

async function start(me) {
	state.me = me;
	setCsrf(me.csrf);
	state.channels = null;
	state.profiles = null;
	if (!location.hash || location.hash === '#/login')
		history.replaceState(null, '', '#/stock');
	renderShell();
	startLive();
}

async function boot() {
	if (!hasSessionHint()) {
		showLogin();
		return;
	}
	try {
		const me = await api('GET', '/me');
		await start(me);
	} catch (err) {
		hintSession(false);
		showLogin();
	}
}

boot();
