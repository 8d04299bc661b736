/* SPDX-License-Identifier: MIT */
/*
 * Password-encrypted xlsx ([MS-OFFCRYPTO] ECMA-376 document encryption), as Naver
 * SmartStore serves its order downloads: an OLE2 container holding an EncryptionInfo
 * stream (how the key is made from the password) and an EncryptedPackage stream (the
 * xlsx zip, encrypted). Both kinds Office writes are read: Agile (EncryptionInfo 4.4, an
 * XML descriptor; AES-128/192/256-CBC in 4096-byte segments; SHA-1/256/384/512; an HMAC
 * over the package) and Standard (2.2, 3.2 or 4.2; AES-128/192/256-ECB, SHA-1, 50,000
 * spins). Whether the container also holds Excel's \006DataSpaces storage does not matter.
 *
 * Order of work: parse and check everything in the file, derive the key, check the
 * password against the verifier (JG_EPERM when it does not match), check the package's
 * HMAC (JG_EFORMAT when it does not match), and only then decrypt. Every length read from
 * the file is checked before it is used; the plaintext is never larger than the
 * ciphertext, which is never larger than the file. Key material lives in one struct that
 * is cleansed before it is freed.
 */
#include <limits.h>
#include <string.h>

#include <expat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <utf8proc.h>

#include "ole2.h"
#include "readers.h"

#define INFO_MAX  ((uint64_t)1 << 20) /* bytes of an EncryptionInfo stream */
#define VALUE_MAX 512                 /* decoded bytes of one base64 attribute */
#define SPIN_MAX  10000000u           /* [MS-OFFCRYPTO] caps spinCount there */
#define SEGMENT   4096                /* Agile encrypts the package in segments */
#define PW_MAX    1024                /* UTF-16 code units of a password */
#define XML_DEPTH 32
#define STD_SPIN  50000

/* Block keys of [MS-OFFCRYPTO] 2.3.4.11 and 2.3.4.14. */
static const unsigned char bk_verifier_input[8] = {0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79};
static const unsigned char bk_verifier_value[8] = {0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e};
static const unsigned char bk_key_value[8] = {0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6};
static const unsigned char bk_hmac_key[8] = {0x5f, 0xb2, 0xad, 0x01, 0x0c, 0xb9, 0xe1, 0xf6};
static const unsigned char bk_hmac_value[8] = {0xa0, 0x67, 0x7f, 0x02, 0xb2, 0x2c, 0x84, 0x33};

#define NS_ENC "http://schemas.microsoft.com/office/2006/encryption"
#define NS_PW  "http://schemas.microsoft.com/office/2006/keyEncryptor/password"

typedef struct bytes {
	unsigned char p[VALUE_MAX];
	size_t n;
} bytes;

/* How one thing is encrypted: the package (keyData) or the package key (the password key
 * encryptor). */
typedef struct desc {
	const EVP_MD *md;
	size_t hash_n;
	const EVP_CIPHER *cipher; /* AES-CBC of key_n bytes */
	size_t key_n;
	size_t block;
	bytes salt;
} desc;

/* Everything read from EncryptionInfo and everything derived from it. Cleansed on free. */
typedef struct keyinfo {
	bool agile;
	/* Agile */
	desc kd, pk;
	uint32_t spin;
	bytes vhi, vhv, ekv; /* encryptedVerifierHashInput, ...HashValue, encryptedKeyValue */
	bool integrity;
	bytes hmac_key, hmac_value; /* encrypted */
	/* Standard */
	const EVP_CIPHER *ecb;
	size_t std_key_n;
	unsigned char std_salt[16], std_verifier[16], std_verifier_hash[32];
	/* derived */
	unsigned char key[64]; /* the package key */
	size_t key_n;
} keyinfo;

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

bool jg__offcrypto_is_encrypted(const void *data, size_t n)
{
	jg__ole2 ole;
	uint32_t id;
	bool yes;

	if (jg__ole2_open(&ole, data, n, NULL) != 0)
		return false;
	yes = jg__ole2_find(&ole, "EncryptionInfo", &id) == 0 &&
	      jg__ole2_find(&ole, "EncryptedPackage", &id) == 0;
	jg__ole2_close(&ole);
	return yes;
}

/* ---- small crypto helpers ---------------------------------------------------------------- */

/* out = H(a || b); out holds EVP_MAX_MD_SIZE. */
static int digest2(EVP_MD_CTX *ctx, const EVP_MD *md, const void *a, size_t an, const void *b,
		   size_t bn, unsigned char *out)
{
	if (!EVP_DigestInit_ex2(ctx, md, NULL) || !EVP_DigestUpdate(ctx, a, an) ||
	    (bn && !EVP_DigestUpdate(ctx, b, bn)) || !EVP_DigestFinal_ex(ctx, out, NULL))
		return JG_ENOMEM; /* OpenSSL fails here only when it cannot allocate */
	return 0;
}

/* The digest fetched explicitly: with EVP_sha512() and friends OpenSSL 3 fetches the
 * implementation again on every EVP_DigestInit, which doubles the time of a 100,000-round
 * spin. NULL when the fetch fails; the caller then uses `md` itself. Free with EVP_MD_free. */
static EVP_MD *fetch_md(const EVP_MD *md)
{
	return EVP_MD_fetch(NULL, EVP_MD_get0_name(md), NULL);
}

/* Copies `src` into `out` truncated or padded with 0x36 to `n` bytes ([MS-OFFCRYPTO]
 * 2.3.4.11 and 2.3.4.12 say so for derived keys and IVs). */
static void fit(unsigned char *out, size_t n, const unsigned char *src, size_t src_n)
{
	size_t k = src_n < n ? src_n : n;

	memcpy(out, src, k);
	memset(out + k, 0x36, n - k);
}

/* Decrypts `n` bytes (a multiple of the block) without padding; ECB when `iv` is NULL. */
static int decrypt_raw(const EVP_CIPHER *cipher, const unsigned char *key, const unsigned char *iv,
		       const unsigned char *in, size_t n, unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int rc = JG_ENOMEM, k = 0;
	size_t done = 0;

	if (!ctx || !EVP_DecryptInit_ex(ctx, cipher, NULL, key, iv) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto out;
	while (done < n) {
		size_t chunk = n - done < ((size_t)1 << 20) ? n - done : ((size_t)1 << 20);

		if (!EVP_DecryptUpdate(ctx, out + done, &k, in + done, (int)chunk) ||
		    (size_t)k != chunk)
			goto out;
		done += chunk;
	}
	if (!EVP_DecryptFinal_ex(ctx, out + done, &k))
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* Base64 (the XML attributes) into `out`; false when it is not base64 or too long. */
static bool base64_decode(bytes *out, const char *s)
{
	uint32_t acc = 0;
	int bits = 0, pad = 0;

	out->n = 0;
	for (; *s; s++) {
		int v;
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else if (c == '=') {
			pad++;
			continue;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		else
			return false;
		if (pad)
			return false; /* data after padding */
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (out->n >= VALUE_MAX)
				return false;
			out->p[out->n++] = (unsigned char)(acc >> bits);
		}
	}
	return pad <= 2 && out->n > 0;
}

/* ---- EncryptionInfo: Agile (4.4) --------------------------------------------------------- */

typedef struct xml_state {
	XML_Parser p;
	keyinfo *c;
	bool have_kd, have_pk;
	int depth;
	int rc;
	jg_err *err;
} xml_state;

/* Records the first error and stops the parser. */
static void xml_fail(xml_state *st, const char *msg)
{
	if (!st->rc)
		st->rc = jg_err_set(st->err, JG_EFORMAT, "damaged encryption description: %s", msg);
	XML_StopParser(st->p, XML_FALSE);
}

/* Stops the parse from inside an expat handler. */
#define FAIL(msg)                  \
	do {                       \
		xml_fail(st, msg); \
		return;            \
	} while (0)

static const EVP_MD *md_by_name(const char *s)
{
	if (jg_ascii_eq_ci(s, "SHA1") || jg_ascii_eq_ci(s, "SHA-1"))
		return EVP_sha1();
	if (jg_ascii_eq_ci(s, "SHA256") || jg_ascii_eq_ci(s, "SHA-256"))
		return EVP_sha256();
	if (jg_ascii_eq_ci(s, "SHA384") || jg_ascii_eq_ci(s, "SHA-384"))
		return EVP_sha384();
	if (jg_ascii_eq_ci(s, "SHA512") || jg_ascii_eq_ci(s, "SHA-512"))
		return EVP_sha512();
	return NULL;
}

static bool parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	int64_t v;

	if (jg_parse_i64(&v, s) != 0 || v < 0 || v > (int64_t)max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/*
 * Reads the attributes every encryption description has (keyData and the password's
 * encryptedKey share them) into `d`, and for the encryptedKey also its own ones. Only AES
 * in CBC mode is accepted: it is all Office writes for xlsx.
 */
static void parse_desc(xml_state *st, const XML_Char **atts, desc *d, bool key_encryptor)
{
	keyinfo *c = st->c;
	uint32_t bits = 0, block = 16;
	bool aes = false, cbc = false;
	bool have_vhi = false, have_vhv = false, have_ekv = false, have_spin = false;

	for (size_t i = 0; atts[i] && atts[i + 1]; i += 2) {
		const char *k = atts[i], *v = atts[i + 1];

		if (strcmp(k, "hashAlgorithm") == 0) {
			d->md = md_by_name(v);
			if (!d->md)
				FAIL("unsupported hash algorithm");
		} else if (strcmp(k, "cipherAlgorithm") == 0) {
			aes = jg_ascii_eq_ci(v, "AES");
			if (!aes)
				FAIL("unsupported cipher (only AES is read)");
		} else if (strcmp(k, "cipherChaining") == 0) {
			cbc = strcmp(v, "ChainingModeCBC") == 0;
			if (!cbc)
				FAIL("unsupported cipher chaining (only CBC is read)");
		} else if (strcmp(k, "keyBits") == 0) {
			if (!parse_u32(v, 4096, &bits))
				FAIL("bad keyBits");
		} else if (strcmp(k, "blockSize") == 0) {
			if (!parse_u32(v, 4096, &block))
				FAIL("bad blockSize");
		} else if (strcmp(k, "saltValue") == 0) {
			if (!base64_decode(&d->salt, v))
				FAIL("bad saltValue");
		} else if (key_encryptor && strcmp(k, "spinCount") == 0) {
			if (!parse_u32(v, SPIN_MAX, &c->spin))
				FAIL("bad spinCount");
			have_spin = true;
		} else if (key_encryptor && strcmp(k, "encryptedVerifierHashInput") == 0) {
			have_vhi = base64_decode(&c->vhi, v);
			if (!have_vhi)
				FAIL("bad encryptedVerifierHashInput");
		} else if (key_encryptor && strcmp(k, "encryptedVerifierHashValue") == 0) {
			have_vhv = base64_decode(&c->vhv, v);
			if (!have_vhv)
				FAIL("bad encryptedVerifierHashValue");
		} else if (key_encryptor && strcmp(k, "encryptedKeyValue") == 0) {
			have_ekv = base64_decode(&c->ekv, v);
			if (!have_ekv)
				FAIL("bad encryptedKeyValue");
		}
	}
	if (!d->md || !aes || !cbc || !bits || !d->salt.n)
		FAIL("a cipher, hash, key size or salt is missing");
	if (block != 16)
		FAIL("unsupported block size (AES has 16)");
	switch (bits) {
	case 128: d->cipher = EVP_aes_128_cbc(); break;
	case 192: d->cipher = EVP_aes_192_cbc(); break;
	case 256: d->cipher = EVP_aes_256_cbc(); break;
	default: FAIL("unsupported key size");
	}
	d->key_n = bits / 8;
	d->block = block;
	d->hash_n = (size_t)EVP_MD_get_size(d->md);
	if (key_encryptor && !(have_spin && have_vhi && have_vhv && have_ekv))
		FAIL("the password key encryptor is incomplete");
}

/* Splits an expat name "namespace-uri local": returns the local part and sets *ns_n to
 * the length of the uri at the start of `name` (0 when there is none). */
static const char *local_name(const char *name, size_t *ns_n)
{
	const char *sp = strrchr(name, ' ');

	if (!sp) {
		*ns_n = 0;
		return name;
	}
	*ns_n = (size_t)(sp - name);
	return sp + 1;
}

static bool ns_is(const char *name, size_t ns_n, const char *ns)
{
	return ns_n == strlen(ns) && memcmp(name, ns, ns_n) == 0;
}

/* Picks out the three elements that matter, each the first of its kind: keyData (how the
 * package is encrypted), the password's encryptedKey (how the package key is) and
 * dataIntegrity (the HMAC). Anything else, such as a certificate key encryptor, is
 * passed over. */
static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	xml_state *st = ud;
	keyinfo *c = st->c;
	size_t ns_n;
	const char *local = local_name(name, &ns_n);

	if (++st->depth > XML_DEPTH)
		FAIL("nested too deeply");
	if (strcmp(local, "keyData") == 0 && ns_is(name, ns_n, NS_ENC) && !st->have_kd) {
		st->have_kd = true;
		parse_desc(st, atts, &c->kd, false);
	} else if (strcmp(local, "encryptedKey") == 0 && ns_is(name, ns_n, NS_PW) && !st->have_pk) {
		st->have_pk = true;
		parse_desc(st, atts, &c->pk, true);
	} else if (strcmp(local, "dataIntegrity") == 0 && ns_is(name, ns_n, NS_ENC) &&
		   !c->integrity) {
		bool k = false, v = false;

		for (size_t i = 0; atts[i] && atts[i + 1]; i += 2) {
			if (strcmp(atts[i], "encryptedHmacKey") == 0)
				k = base64_decode(&c->hmac_key, atts[i + 1]);
			else if (strcmp(atts[i], "encryptedHmacValue") == 0)
				v = base64_decode(&c->hmac_value, atts[i + 1]);
		}
		if (!k || !v)
			FAIL("bad dataIntegrity");
		c->integrity = true;
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	xml_state *st = ud;

	(void)name;
	st->depth--;
}

/* A DOCTYPE has no business in an encryption descriptor; refusing it rules out entity
 * expansion of any kind. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	xml_fail(ud, "it has a DOCTYPE");
}

/* Parses the XML descriptor of Agile encryption (after the 8-byte version header). */
static int parse_agile(keyinfo *c, const unsigned char *xml, size_t n, jg_err *err)
{
	xml_state st = {0};
	int rc = 0;

	st.c = c;
	st.err = err;
	st.p = XML_ParserCreateNS(NULL, ' ');
	if (!st.p)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	XML_SetUserData(st.p, &st);
	XML_SetElementHandler(st.p, on_start, on_end);
	XML_SetStartDoctypeDeclHandler(st.p, on_doctype);
	XML_SetParamEntityParsing(st.p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (n > INT_MAX)
		n = INT_MAX; /* can't happen: the stream is capped at INFO_MAX */
	if (XML_Parse(st.p, (const char *)xml, (int)n, XML_TRUE) == XML_STATUS_ERROR && !st.rc)
		st.rc = jg_err_set(err, JG_EFORMAT,
				   "damaged encryption description: XML error at line %lu: %s",
				   (unsigned long)XML_GetCurrentLineNumber(st.p),
				   XML_ErrorString(XML_GetErrorCode(st.p)));
	rc = st.rc;
	if (rc == 0 && (!st.have_kd || !st.have_pk))
		rc = jg_err_set(err, JG_EFORMAT, "the encryption description has no %s",
				st.have_kd ? "password key encryptor (the file may be protected "
					     "by a certificate instead)"
					   : "keyData");
	XML_ParserFree(st.p);
	return rc;
}

/* ---- EncryptionInfo: Standard (2.2, 3.2, 4.2) -------------------------------------------- */

/*
 * Parses the binary EncryptionHeader and EncryptionVerifier ([MS-OFFCRYPTO] 2.3.4.5).
 * Only AES with SHA-1 is Standard encryption of an xlsx; RC4 (CryptoAPI for binary files)
 * and external providers are refused with a message that says so.
 */
static int parse_standard(keyinfo *c, const unsigned char *p, size_t n, jg_err *err)
{
	uint32_t flags, hsize, hflags, alg, alg_hash, bits;
	const unsigned char *h, *v;

	if (n < 12)
		return jg_err_set(err, JG_EFORMAT, "damaged encryption header: too short");
	flags = le32(p + 4);
	hsize = le32(p + 8);
	if (hsize < 32 || hsize > n - 12 || n - 12 - hsize < 4 + 16 + 16 + 4 + 32)
		return jg_err_set(err, JG_EFORMAT, "damaged encryption header: bad size");
	h = p + 12;
	v = h + hsize;
	hflags = le32(h);
	alg = le32(h + 8);
	alg_hash = le32(h + 12);
	bits = le32(h + 16);
	if ((flags | hflags) & 0x10)
		return jg_err_set(err, JG_EFORMAT,
				  "the file is encrypted by an external provider, which jaego "
				  "cannot read");
	if (!(flags & 0x20) || (alg != 0 && alg != 0x660e && alg != 0x660f && alg != 0x6610))
		return jg_err_set(
			err, JG_EFORMAT,
			"the file is encrypted with RC4 or another cipher than AES, which "
			"jaego cannot read");
	if (alg_hash != 0 && alg_hash != 0x8004)
		return jg_err_set(err, JG_EFORMAT,
				  "damaged encryption header: the hash is not SHA-1");
	if (alg == 0)
		alg = 0x660e;
	if (bits == 0)
		bits = alg == 0x660e ? 128 : alg == 0x660f ? 192 : 256;
	if ((alg == 0x660e && bits != 128) || (alg == 0x660f && bits != 192) ||
	    (alg == 0x6610 && bits != 256))
		return jg_err_set(
			err, JG_EFORMAT,
			"damaged encryption header: key size %lu does not match the cipher",
			(unsigned long)bits);
	c->ecb = bits == 128   ? EVP_aes_128_ecb()
		 : bits == 192 ? EVP_aes_192_ecb()
			       : EVP_aes_256_ecb();
	c->std_key_n = bits / 8;
	if (le32(v) != 16 || le32(v + 36) != 20)
		return jg_err_set(err, JG_EFORMAT,
				  "damaged encryption verifier: unexpected salt or hash size");
	memcpy(c->std_salt, v + 4, 16);
	memcpy(c->std_verifier, v + 20, 16);
	memcpy(c->std_verifier_hash, v + 40, 32);
	return 0;
}

/* Reads the version at the head of EncryptionInfo and parses what follows. */
static int parse_info(keyinfo *c, const unsigned char *p, size_t n, jg_err *err)
{
	unsigned major, minor;

	if (n < 8)
		return jg_err_set(err, JG_EFORMAT, "damaged encryption header: too short");
	major = (unsigned)(p[0] | p[1] << 8);
	minor = (unsigned)(p[2] | p[3] << 8);
	if (major == 4 && minor == 4) {
		c->agile = true;
		return parse_agile(c, p + 8, n - 8, err);
	}
	if ((major == 2 || major == 3 || major == 4) && minor == 2)
		return parse_standard(c, p, n, err);
	if ((major == 3 || major == 4) && minor == 3)
		return jg_err_set(err, JG_EFORMAT,
				  "the file uses extensible encryption, which jaego cannot read");
	return jg_err_set(err, JG_EFORMAT, "unknown encryption version %u.%u", major, minor);
}

/* ---- the password ------------------------------------------------------------------------- */

/* The password as UTF-16LE, as Office hashes it. *out is owned by the caller (cleanse and
 * free). JG_EINVAL for text that is not UTF-8 or is longer than any Office password. */
static int password_utf16(const char *pw, unsigned char **out, size_t *out_n, jg_err *err)
{
	utf8proc_ssize_t at = 0, len = (utf8proc_ssize_t)strlen(pw);
	unsigned char *buf = jg_malloc(PW_MAX * 2);
	size_t n = 0;

	*out = NULL;
	*out_n = 0;
	if (!buf)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	while (at < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k =
			utf8proc_iterate((const utf8proc_uint8_t *)pw + at, len - at, &cp);
		uint16_t u[2];
		size_t un = 1;

		if (k <= 0) {
			OPENSSL_cleanse(buf, PW_MAX * 2);
			jg_free(buf);
			return jg_err_set(err, JG_EINVAL, "the password is not valid UTF-8");
		}
		at += k;
		if (cp >= 0x10000) {
			u[0] = (uint16_t)(0xd800 + ((cp - 0x10000) >> 10));
			u[1] = (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff));
			un = 2;
		} else {
			u[0] = (uint16_t)cp;
		}
		if (n + un > PW_MAX) {
			OPENSSL_cleanse(buf, PW_MAX * 2);
			jg_free(buf);
			return jg_err_set(err, JG_EINVAL, "the password is too long");
		}
		for (size_t i = 0; i < un; i++) {
			buf[2 * n] = (unsigned char)u[i];
			buf[2 * n + 1] = (unsigned char)(u[i] >> 8);
			n++;
		}
	}
	*out = buf;
	*out_n = 2 * n;
	return 0;
}

/*
 * Agile key derivation ([MS-OFFCRYPTO] 2.3.4.11): H0 = H(salt || password), then
 * spinCount rounds of H(LE32(i) || H). The per-purpose keys are made from the result by
 * agile_key(). `h` holds EVP_MAX_MD_SIZE.
 */
static int agile_spin(EVP_MD_CTX *ctx, const desc *d, uint32_t spin, const unsigned char *pw,
		      size_t pw_n, unsigned char *h)
{
	EVP_MD *fetched = fetch_md(d->md);
	const EVP_MD *md = fetched ? fetched : d->md;
	size_t hn = d->hash_n;
	unsigned char iter[4];
	int rc = JG_ENOMEM;

	if (digest2(ctx, md, d->salt.p, d->salt.n, pw, pw_n, h))
		goto out;
	for (uint32_t i = 0; i < spin; i++) {
		put_le32(iter, i);
		if (!EVP_DigestInit_ex2(ctx, md, NULL) || !EVP_DigestUpdate(ctx, iter, 4) ||
		    !EVP_DigestUpdate(ctx, h, hn) || !EVP_DigestFinal_ex(ctx, h, NULL))
			goto out;
	}
	rc = 0;
out:
	EVP_MD_free(fetched);
	return rc;
}

/* key = H(h || block key), truncated or padded to the key size. */
static int agile_key(EVP_MD_CTX *ctx, const desc *d, const unsigned char *h,
		     const unsigned char bk[8], unsigned char *key)
{
	unsigned char t[EVP_MAX_MD_SIZE];
	int rc = digest2(ctx, d->md, h, d->hash_n, bk, 8, t);

	if (rc == 0)
		fit(key, d->key_n, t, d->hash_n);
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

/* IV = H(salt || block key) (or the salt itself when `bk` is NULL), fitted to the block. */
static int agile_iv(EVP_MD_CTX *ctx, const desc *d, const unsigned char *bk, size_t bk_n,
		    unsigned char *iv)
{
	unsigned char t[EVP_MAX_MD_SIZE];

	if (!bk) {
		fit(iv, d->block, d->salt.p, d->salt.n);
		return 0;
	}
	if (digest2(ctx, d->md, d->salt.p, d->salt.n, bk, bk_n, t))
		return JG_ENOMEM;
	fit(iv, d->block, t, d->hash_n);
	return 0;
}

/* Decrypts one Agile value (a multiple of the block size) with `key` and `iv`. */
static int agile_value(const desc *d, const unsigned char *key, const unsigned char *iv,
		       const bytes *in, unsigned char *out, jg_err *err)
{
	if (in->n % d->block)
		return jg_err_set(err, JG_EFORMAT,
				  "damaged encryption description: a value is not a whole number "
				  "of blocks");
	if (decrypt_raw(d->cipher, key, iv, in->p, in->n, out))
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	return 0;
}

/*
 * Tries `pw` (UTF-16LE) against an Agile file: derives the three password keys, checks
 * the verifier and, when it matches, decrypts the package key into c->key. Sets *ok.
 */
static int agile_try(keyinfo *c, const unsigned char *pw, size_t pw_n, bool *ok, jg_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char h[EVP_MAX_MD_SIZE], k[64], iv[16], vin[VALUE_MAX], vval[VALUE_MAX],
		hv[EVP_MAX_MD_SIZE], ekv[VALUE_MAX];
	const desc *d = &c->pk;
	size_t in_n;
	int rc;

	*ok = false;
	if (!ctx)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	rc = agile_spin(ctx, d, c->spin, pw, pw_n, h);
	if (rc == 0)
		rc = agile_iv(ctx, d, NULL, 0, iv);
	if (rc) {
		rc = jg_err_set(err, rc, "out of memory");
		goto out;
	}
	/* The verifier: H(decrypt(input)) must equal decrypt(value). */
	if ((rc = agile_key(ctx, d, h, bk_verifier_input, k)) != 0 ||
	    (rc = agile_value(d, k, iv, &c->vhi, vin, err)) != 0 ||
	    (rc = agile_key(ctx, d, h, bk_verifier_value, k)) != 0 ||
	    (rc = agile_value(d, k, iv, &c->vhv, vval, err)) != 0)
		goto out;
	in_n = d->salt.n < c->vhi.n ? d->salt.n : c->vhi.n;
	if (c->vhv.n < d->hash_n) {
		rc = jg_err_set(err, JG_EFORMAT,
				"damaged encryption description: the verifier hash is too short");
		goto out;
	}
	if ((rc = digest2(ctx, d->md, vin, in_n, NULL, 0, hv)) != 0)
		goto out;
	if (CRYPTO_memcmp(hv, vval, d->hash_n) != 0)
		goto out; /* a wrong password */
	/* The package key, decrypted with the third password key. */
	if ((rc = agile_key(ctx, d, h, bk_key_value, k)) != 0 ||
	    (rc = agile_value(d, k, iv, &c->ekv, ekv, err)) != 0)
		goto out;
	if (c->ekv.n < c->kd.key_n) {
		rc = jg_err_set(err, JG_EFORMAT,
				"damaged encryption description: the package key is too short");
		goto out;
	}
	memcpy(c->key, ekv, c->kd.key_n);
	c->key_n = c->kd.key_n;
	*ok = true;
out:
	if (rc == JG_ENOMEM)
		jg_err_set(err, rc, "out of memory");
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(vin, sizeof(vin));
	OPENSSL_cleanse(vval, sizeof(vval));
	OPENSSL_cleanse(hv, sizeof(hv));
	OPENSSL_cleanse(ekv, sizeof(ekv));
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * Standard key derivation ([MS-OFFCRYPTO] 2.3.4.7) and verification (2.3.4.9): SHA-1
 * spun 50,000 times, then the CryptDeriveKey construction with 0x36 and 0x5c pads. Sets
 * *ok and, when the password matches, c->key.
 */
static int standard_try(keyinfo *c, const unsigned char *pw, size_t pw_n, bool *ok, jg_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_MD *fetched = fetch_md(EVP_sha1());
	const EVP_MD *md = fetched ? fetched : EVP_sha1();
	unsigned char h[EVP_MAX_MD_SIZE], iter[4], buf[64], x[40], ver[16], vh[32];
	int rc = JG_ENOMEM;

	*ok = false;
	if (!ctx || digest2(ctx, md, c->std_salt, 16, pw, pw_n, h))
		goto out;
	for (uint32_t i = 0; i < STD_SPIN; i++) {
		put_le32(iter, i);
		if (digest2(ctx, md, iter, 4, h, 20, h))
			goto out;
	}
	put_le32(iter, 0);
	if (digest2(ctx, md, h, 20, iter, 4, h))
		goto out;
	memset(buf, 0x36, sizeof(buf));
	for (size_t i = 0; i < 20; i++)
		buf[i] ^= h[i];
	if (digest2(ctx, md, buf, 64, NULL, 0, x))
		goto out;
	memset(buf, 0x5c, sizeof(buf));
	for (size_t i = 0; i < 20; i++)
		buf[i] ^= h[i];
	if (digest2(ctx, md, buf, 64, NULL, 0, h))
		goto out;
	memcpy(x + 20, h, 20);
	if (decrypt_raw(c->ecb, x, NULL, c->std_verifier, 16, ver) ||
	    decrypt_raw(c->ecb, x, NULL, c->std_verifier_hash, 32, vh) ||
	    digest2(ctx, md, ver, 16, NULL, 0, h))
		goto out;
	rc = 0;
	if (CRYPTO_memcmp(h, vh, 20) == 0) {
		memcpy(c->key, x, c->std_key_n);
		c->key_n = c->std_key_n;
		*ok = true;
	}
out:
	if (rc)
		jg_err_set(err, rc, "out of memory");
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(x, sizeof(x));
	OPENSSL_cleanse(ver, sizeof(ver));
	OPENSSL_cleanse(vh, sizeof(vh));
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(fetched);
	return rc;
}

/* Tries one password given as UTF-8. */
static int try_password(keyinfo *c, const char *pw, bool *ok, jg_err *err)
{
	unsigned char *u16 = NULL;
	size_t n = 0;
	int rc = password_utf16(pw, &u16, &n, err);

	*ok = false;
	if (rc)
		return rc;
	rc = c->agile ? agile_try(c, u16, n, ok, err) : standard_try(c, u16, n, ok, err);
	OPENSSL_cleanse(u16, PW_MAX * 2);
	jg_free(u16);
	return rc;
}

/*
 * Finds the key: with no password, Office's built-in "VelvetSweatshop" (what Excel uses
 * for a file that is encrypted without an open password) and otherwise JG_EPERM; with a
 * password, the password as given and then its NFC form (Korean typed on a Mac may arrive
 * decomposed, while the seller set it composed on Naver's site).
 */
static int find_key(keyinfo *c, const char *password, jg_err *err)
{
	jg_buf nfc;
	bool ok = false;
	int rc;

	if (!password) {
		rc = try_password(c, "VelvetSweatshop", &ok, err);
		if (rc == 0 && !ok)
			rc = jg_err_set(err, JG_EPERM,
					"the file is password-protected: give its password");
		return rc;
	}
	rc = try_password(c, password, &ok, err);
	if (rc || ok)
		return rc;
	jg_buf_init(&nfc, (size_t)PW_MAX * 4);
	if (jg_text_nfc(&nfc, password, strlen(password)) == 0 &&
	    strcmp(jg_buf_str(&nfc), password) != 0)
		rc = try_password(c, jg_buf_str(&nfc), &ok, err);
	if (nfc.p)
		OPENSSL_cleanse(nfc.p, nfc.len);
	jg_buf_free(&nfc);
	if (rc == 0 && !ok)
		rc = jg_err_set(err, JG_EPERM, "wrong password");
	return rc;
}

/* ---- the package --------------------------------------------------------------------------- */

/* Checks the HMAC of the whole EncryptedPackage stream ([MS-OFFCRYPTO] 2.3.4.14). */
static int agile_check_integrity(const keyinfo *c, const unsigned char *pkg, size_t pkg_n,
				 jg_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const desc *d = &c->kd;
	unsigned char iv[16], key[VALUE_MAX], want[VALUE_MAX], got[EVP_MAX_MD_SIZE];
	unsigned int got_n = 0;
	int rc = JG_ENOMEM;

	if (!ctx || agile_iv(ctx, d, bk_hmac_key, 8, iv))
		goto out;
	if ((rc = agile_value(d, c->key, iv, &c->hmac_key, key, err)) != 0)
		goto out;
	rc = JG_ENOMEM;
	if (agile_iv(ctx, d, bk_hmac_value, 8, iv))
		goto out;
	if ((rc = agile_value(d, c->key, iv, &c->hmac_value, want, err)) != 0)
		goto out;
	if (c->hmac_key.n < d->hash_n || c->hmac_value.n < d->hash_n) {
		rc = jg_err_set(err, JG_EFORMAT,
				"damaged encryption description: the integrity key is too short");
		goto out;
	}
	rc = JG_ENOMEM;
	if (!HMAC(d->md, key, (int)d->hash_n, pkg, pkg_n, got, &got_n))
		goto out;
	rc = 0;
	if (got_n != d->hash_n || CRYPTO_memcmp(got, want, d->hash_n) != 0)
		rc = jg_err_set(err, JG_EFORMAT,
				"the encrypted workbook failed its integrity check: it was "
				"altered or damaged");
out:
	if (rc == JG_ENOMEM)
		jg_err_set(err, rc, "out of memory");
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(got, sizeof(got));
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * Decrypts EncryptedPackage into *out: an 8-byte little-endian size, then the ciphertext;
 * Agile in 4096-byte segments, each with IV = H(keyData salt || LE32(segment)), Standard
 * as one run of ECB blocks. The plaintext is cut to the stated size.
 */
static int decrypt_package(const keyinfo *c, const unsigned char *pkg, size_t pkg_n, void **out,
			   size_t *out_n, jg_err *err)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *plain = NULL, iv[16], seg[4];
	uint64_t size;
	size_t avail, need, block = c->agile ? c->kd.block : 16;
	int rc = 0;

	if (pkg_n < 8)
		return jg_err_set(err, JG_EFORMAT, "the encrypted package is too short");
	avail = pkg_n - 8;
	size = (uint64_t)le32(pkg) | (uint64_t)le32(pkg + 4) << 32;
	/* Some writers leave junk in the high half of the size; readers take the low half. */
	if (size > avail && (size & 0xffffffffu) <= avail)
		size &= 0xffffffffu;
	need = size % block ? (size_t)size + block - size % block : (size_t)size;
	if (size > avail || need > avail)
		return jg_err_set(err, JG_EFORMAT,
				  "the encrypted package is shorter than its stated size (the file "
				  "may be truncated)");
	plain = jg_malloc(need ? need : 1);
	if (!plain)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	if (!c->agile) {
		if (decrypt_raw(c->ecb, c->key, NULL, pkg + 8, need, plain))
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		rc = jg_err_set(err, JG_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t off = 0, i = 0; off < need; off += SEGMENT, i++) {
		size_t len = need - off < SEGMENT ? need - off : SEGMENT;

		put_le32(seg, (uint32_t)i);
		if (agile_iv(ctx, &c->kd, seg, 4, iv) ||
		    decrypt_raw(c->kd.cipher, c->key, iv, pkg + 8 + off, len, plain + off)) {
			rc = jg_err_set(err, JG_ENOMEM, "out of memory");
			goto out;
		}
	}
out:
	EVP_MD_CTX_free(ctx);
	if (rc) {
		OPENSSL_cleanse(plain, need);
		jg_free(plain);
		return rc;
	}
	OPENSSL_cleanse(plain + size, need - (size_t)size);
	*out = plain;
	*out_n = (size_t)size;
	return 0;
}

/* Reads both streams (EncryptionInfo capped at 1 MiB, the package at max_file), then
 * parse, key, integrity, decryption; see the top of the file. */
int jg__offcrypto_decrypt(const void *data, size_t n, const char *password,
			  const jg_sheet_limits *lim, void **out, size_t *out_n, jg_err *err)
{
	jg_sheet_limits rl;
	jg__ole2 ole;
	keyinfo *c = NULL;
	void *info = NULL, *pkg = NULL;
	size_t info_n = 0, pkg_n = 0;
	uint32_t info_id, pkg_id;
	int rc;

	*out = NULL;
	*out_n = 0;
	jg_sheet_limits_resolve(&rl, lim);
	rc = jg__ole2_open(&ole, data, n, err);
	if (rc)
		return rc;
	rc = jg__ole2_find(&ole, "EncryptionInfo", &info_id);
	if (rc == 0)
		rc = jg__ole2_find(&ole, "EncryptedPackage", &pkg_id);
	if (rc == JG_ENOTFOUND)
		rc = jg_err_set(err, JG_EFORMAT,
				"not an encrypted workbook: the EncryptionInfo or EncryptedPackage "
				"stream is missing");
	else if (rc)
		rc = jg_err_set(err, rc, "out of memory");
	if (rc)
		goto out;
	rc = jg__ole2_read(&ole, info_id, INFO_MAX, &info, &info_n, err);
	if (rc)
		goto out;
	rc = jg__ole2_read(&ole, pkg_id, rl.max_file, &pkg, &pkg_n, err);
	if (rc)
		goto out;
	c = jg_calloc(1, sizeof(*c));
	if (!c) {
		rc = jg_err_set(err, JG_ENOMEM, "out of memory");
		goto out;
	}
	rc = parse_info(c, info, info_n, err);
	if (rc == 0)
		rc = find_key(c, password, err);
	if (rc == 0 && c->agile && c->integrity)
		rc = agile_check_integrity(c, pkg, pkg_n, err);
	if (rc == 0)
		rc = decrypt_package(c, pkg, pkg_n, out, out_n, err);
out:
	if (c) {
		OPENSSL_cleanse(c, sizeof(*c));
		jg_free(c);
	}
	jg_free(info);
	jg_free(pkg);
	jg__ole2_close(&ole);
	return rc;
}
