// SPDX-License-Identifier: MIT
// The JSON API under /api/v1 (docs/api.md). The session is an HttpOnly cookie the browser
// sends by itself; the CSRF token from the login answer (or GET /me after a reload) is kept
// in memory only and sent as X-CSRF-Token on every write. An answer that is not 2xx becomes
// an ApiError carrying the server's {"error":{"code","message","row","column"}}.
// Nothing here logs: request bodies and answers can hold personal data.

const BASE = '/api/v1';
let csrf = null;
let onUnauthorized = null;

export class ApiError extends Error {
	constructor(status, code, message, row, column) {
		super(message || code);
		this.status = status;
		this.code = code;
		this.row = row;
		this.column = column;
	}
}

export function setCsrf(token) {
	csrf = token || null;
}

export function whenUnauthorized(fn) {
	onUnauthorized = fn;
}

// A query string from an object; empty, null and false values are left out.
export function qs(params) {
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(params || {})) {
		if (v === undefined || v === null || v === '' || v === false)
			continue;
		u.set(k, v === true ? '1' : String(v));
	}
	const s = u.toString();
	return s ? '?' + s : '';
}

function errorOf(status, doc) {
	const e = doc && doc.error;
	if (e && typeof e === 'object')
		return new ApiError(status, e.code || 'internal', e.message || '', e.row, e.column);
	return new ApiError(status, status === 401 ? 'unauthorized' : 'internal', 'HTTP ' + status);
}

async function parse(res) {
	const type = res.headers.get('Content-Type') || '';
	if (type.includes('application/json')) {
		try {
			return await res.json();
		} catch (e) {
			return null;
		}
	}
	return null;
}

// api('GET', '/skus' + qs({...})) or api('POST', '/skus/A/receive', {qty: 1}).
export async function api(method, path, body, extraHeaders) {
	const headers = Object.assign({ Accept: 'application/json' }, extraHeaders || {});
	let payload;
	if (body !== undefined) {
		if (body instanceof Blob) {
			payload = body;
			headers['Content-Type'] = 'application/octet-stream';
		} else {
			payload = JSON.stringify(body);
			headers['Content-Type'] = 'application/json';
		}
	}
	if (method !== 'GET' && csrf)
		headers['X-CSRF-Token'] = csrf;
	let res;
	try {
		res = await fetch(BASE + path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
	} catch (e) {
		throw new ApiError(0, 'network', '');
	}
	const doc = await parse(res);
	if (res.ok)
		return doc;
	const err = errorOf(res.status, doc);
	if (res.status === 401 && path !== '/login' && onUnauthorized)
		onUnauthorized(err);
	throw err;
}

// Uploads a file as the raw body with progress (fetch cannot report upload progress).
// onProgress(sentBytes, totalBytes). Resolves with the parsed answer.
export function upload(path, file, extraHeaders, onProgress) {
	return new Promise((resolve, reject) => {
		const x = new XMLHttpRequest();
		x.open('POST', BASE + path);
		x.setRequestHeader('Accept', 'application/json');
		x.setRequestHeader('Content-Type', 'application/octet-stream');
		if (csrf)
			x.setRequestHeader('X-CSRF-Token', csrf);
		for (const [k, v] of Object.entries(extraHeaders || {}))
			x.setRequestHeader(k, v);
		x.responseType = 'text';
		if (onProgress)
			x.upload.addEventListener('progress', (ev) => onProgress(ev.loaded, ev.lengthComputable ? ev.total : file.size));
		x.addEventListener('load', () => {
			let doc = null;
			try {
				doc = JSON.parse(x.responseText);
			} catch (e) {
				doc = null;
			}
			if (x.status >= 200 && x.status < 300) {
				resolve(doc);
				return;
			}
			const err = errorOf(x.status, doc);
			err.doc = doc; // a 422 carries the whole answer (e.g. a list's bad rows)
			if (x.status === 401 && onUnauthorized)
				onUnauthorized(err);
			reject(err);
		});
		x.addEventListener('error', () => reject(new ApiError(0, 'network', '')));
		x.addEventListener('abort', () => reject(new ApiError(0, 'network', 'aborted')));
		x.send(file);
	});
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Path segment encoding for ids (SKU codes, line ids) that may hold any character.
export const seg = (s) => encodeURIComponent(s);
