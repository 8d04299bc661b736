#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// Encrypts an xlsx with a real encrypting writer, for jaego's import tests: the npm
// package officecrypto-tool (pinned in package.json), which writes Agile encryption
// (EncryptionInfo 4.4: AES-256-CBC, SHA-512, spinCount 100000) or Standard encryption
// (4.2: AES-128-ECB, SHA-1) in an OLE2 container made by SheetJS's cfb.
//
//   node encrypt.js agile|standard PASSWORD IN.xlsx OUT [--dataspaces] [--filler BYTES]
//   node encrypt.js repack IN.encrypted OUT [--dataspaces] [--filler BYTES]
//
// --dataspaces adds the \006DataSpaces storage Excel writes next to the two streams;
// --filler adds a stream of BYTES random bytes (past about 7 MB the container needs DIFAT
// sectors beyond the 109 FAT sector numbers the header holds). Both rewrite the container
// with cfb, the library officecrypto-tool itself writes it with. `repack` does only that
// to a file encrypted already (the key derivation is the slow part).
'use strict';

const fs = require('fs');
const crypto = require('crypto');
const CFB = require('cfb');
const officeCrypto = require('officecrypto-tool');

function usage() {
	process.stderr.write('usage: encrypt.js agile|standard PASSWORD IN OUT ' +
		'[--dataspaces] [--filler BYTES]\n' +
		'       encrypt.js repack IN OUT [--dataspaces] [--filler BYTES]\n');
	process.exit(2);
}

// A length-prefixed UTF-16LE string padded to 4 bytes ([MS-OFFCRYPTO] UNICODE-LP-P4).
function lpp4(s) {
	const body = Buffer.from(s, 'utf16le');
	const pad = (4 - (body.length % 4)) % 4;
	const len = Buffer.alloc(4);
	len.writeUInt32LE(body.length, 0);
	return Buffer.concat([len, body, Buffer.alloc(pad)]);
}

function u32(...values) {
	const b = Buffer.alloc(4 * values.length);
	values.forEach((v, i) => b.writeUInt32LE(v, 4 * i));
	return b;
}

function u16(...values) {
	const b = Buffer.alloc(2 * values.length);
	values.forEach((v, i) => b.writeUInt16LE(v, 2 * i));
	return b;
}

// The \006DataSpaces storage of an encrypted package as Excel writes it ([MS-OFFCRYPTO]
// 2.1 and 2.2): version, the map from EncryptedPackage to its data space, the data space's
// transform list and the encryption transform.
function dataSpaces() {
	const version = Buffer.concat([lpp4('Microsoft.Container.DataSpaces'),
		u16(1, 0), u16(1, 0), u16(1, 0)]);
	const entryBody = Buffer.concat([u32(1, 0), lpp4('EncryptedPackage'),
		lpp4('StrongEncryptionDataSpace')]);
	const map = Buffer.concat([u32(8, 1), u32(entryBody.length + 4), entryBody]);
	const space = Buffer.concat([u32(8, 1), lpp4('StrongEncryptionTransform')]);
	const id = lpp4('{FF9A3F03-56EF-4613-BDD5-5A41C1D07246}');
	const header = Buffer.concat([u32(8 + id.length, 1), id,
		lpp4('Microsoft.Container.EncryptionTransform'), u16(1, 0), u16(1, 0), u16(1, 0)]);
	const primary = Buffer.concat([header, u32(0), u32(0, 0), u32(4)]);
	return {
		'\u0006DataSpaces/Version': version,
		'\u0006DataSpaces/DataSpaceMap': map,
		'\u0006DataSpaces/DataSpaceInfo/StrongEncryptionDataSpace': space,
		'\u0006DataSpaces/TransformInfo/StrongEncryptionTransform/\u0006Primary': primary,
	};
}

function main() {
	const args = process.argv.slice(2);
	const kind = args[0];
	const fixed = kind === 'repack' ? 3 : 4;
	if (args.length < fixed) usage();
	if (kind !== 'agile' && kind !== 'standard' && kind !== 'repack') usage();
	const [password, inPath, outPath] = kind === 'repack' ? [null, args[1], args[2]] : args.slice(1, 4);
	let spaces = false;
	let filler = 0;
	for (let i = fixed; i < args.length; i++) {
		if (args[i] === '--dataspaces') spaces = true;
		else if (args[i] === '--filler' && i + 1 < args.length) filler = Number(args[++i]);
		else usage();
	}

	const input = fs.readFileSync(inPath);
	let output = input;
	if (kind !== 'repack') {
		const options = {password};
		if (kind === 'standard') options.type = 'standard';
		output = officeCrypto.encrypt(input, options);
	}

	if (spaces || filler > 0) {
		const cfb = CFB.read(output, {type: 'buffer'});
		if (spaces) {
			for (const [path, content] of Object.entries(dataSpaces()))
				CFB.utils.cfb_add(cfb, path, content);
		}
		if (filler > 0) CFB.utils.cfb_add(cfb, 'Filler', crypto.randomBytes(filler));
		output = Buffer.from(CFB.write(cfb, {type: 'buffer'}));
	}
	fs.writeFileSync(outPath, output);
}

main();
