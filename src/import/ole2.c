/* SPDX-License-Identifier: MIT */
/*
 * The OLE2 / Compound File Binary reader ([MS-CFB]): header, FAT reached through the
 * DIFAT (the 109 entries in the header, then DIFAT sectors), directory, mini FAT and mini
 * stream. The FAT, mini FAT and mini stream are read in place from the caller's bytes
 * through lists of the sectors that hold them; only the directory entries and a stream
 * that is asked for are copied.
 *
 * Invariants: a sector number is used only after `sector_at` has checked that the bytes
 * it names lie inside the file; no chain is followed for more steps than there are
 * sectors (mini sectors) it could visit, so a loop ends as an error; a size read from the
 * file is checked against what the file can hold before anything is allocated for it.
 */
#include <string.h>

#include <utf8proc.h>

#include "ole2.h"

#define MAXREGSECT   0xfffffffau
#define ENDOFCHAIN   0xfffffffeu
#define HEADER_DIFAT 109
#define MINI_SSZ     64u
#define ENTRY_SIZE   128u

static const unsigned char signature[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* The first `need` bytes of sector `s`, or NULL when they are not all inside the file. */
static const unsigned char *sector_at(const jg__ole2 *ole, uint32_t s, size_t need)
{
	uint64_t off;

	if (s >= ole->nsec || need > ole->ssz)
		return NULL;
	off = ((uint64_t)s + 1) * ole->ssz;
	if (off > ole->n || need > ole->n - off)
		return NULL;
	return ole->data + off;
}

/* The FAT entry of sector `s` (the next sector of its chain) into *out; false when `s` is
 * past the FAT. The FAT sectors were checked to be whole and inside the file at open. */
static bool fat_next(const jg__ole2 *ole, uint32_t s, uint32_t *out)
{
	uint32_t per = ole->ssz / 4;
	uint64_t k = s / per;

	if (k >= ole->fat_sec_n)
		return false;
	*out = le32(ole->data + ((uint64_t)ole->fat_sec[k] + 1) * ole->ssz + (s % per) * 4);
	return true;
}

/* The mini FAT entry of mini sector `m`, like fat_next(). */
static bool minifat_next(const jg__ole2 *ole, uint32_t m, uint32_t *out)
{
	uint32_t per = ole->ssz / 4;
	uint64_t k = m / per;

	if (k >= ole->minifat_sec_n)
		return false;
	*out = le32(ole->data + ((uint64_t)ole->minifat_sec[k] + 1) * ole->ssz + (m % per) * 4);
	return true;
}

/*
 * Follows the chain that starts at `start` to its ENDOFCHAIN and returns the list of its
 * sectors in *out (owned by the caller) and their number in *out_n. Every sector must lie
 * wholly inside the file, or when `partial` only start inside it (the mini stream's last
 * sector may be cut short by a writer; its reader checks each byte range). `what` names
 * the chain in messages. A chain with more links than the file has sectors loops.
 */
static int chain_list(const jg__ole2 *ole, uint32_t start, bool partial, const char *what,
		      uint32_t **out, size_t *out_n, jg_err *err)
{
	uint32_t *list = NULL, s = start;
	size_t n = 0, cap = 0;
	int rc = 0;

	*out = NULL;
	*out_n = 0;
	while (s != ENDOFCHAIN) {
		if (!sector_at(ole, s, partial ? 1 : ole->ssz)) {
			rc = jg_err_set(err, JG_EFORMAT,
					"damaged OLE2 container: the %s names sector %lu, which is "
					"not in the file (the file may be truncated)",
					what, (unsigned long)s);
			goto out;
		}
		if (n >= ole->nsec) {
			rc = jg_err_set(err, JG_EFORMAT,
					"damaged OLE2 container: the %s's sector chain loops",
					what);
			goto out;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			uint32_t *l = jg_realloc(list, ncap * sizeof(*l));

			if (!l) {
				rc = jg_err_set(err, JG_ENOMEM, "out of memory");
				goto out;
			}
			list = l;
			cap = ncap;
		}
		list[n++] = s;
		if (!fat_next(ole, s, &s)) {
			rc = jg_err_set(err, JG_EFORMAT,
					"damaged OLE2 container: the %s runs past the FAT", what);
			goto out;
		}
	}
	*out = list;
	*out_n = n;
	list = NULL;
out:
	jg_free(list);
	return rc;
}

/*
 * Reads the header's DIFAT and the DIFAT sectors after it into the list of FAT sectors,
 * checking that each FAT sector lies wholly inside the file.
 */
static int load_fat(jg__ole2 *ole, const unsigned char *h, jg_err *err)
{
	uint32_t nfat = le32(h + 44), d = le32(h + 68), per = ole->ssz / 4 - 1, steps = 0;
	size_t k = 0;

	if (nfat == 0 || nfat > ole->nsec)
		return jg_err_set(err, JG_EFORMAT,
				  "damaged OLE2 container: it claims %lu FAT sectors in a file "
				  "of %lu sectors",
				  (unsigned long)nfat, (unsigned long)ole->nsec);
	ole->fat_sec = jg_malloc((size_t)nfat * sizeof(uint32_t));
	if (!ole->fat_sec)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	for (; k < nfat && k < HEADER_DIFAT; k++)
		ole->fat_sec[k] = le32(h + 76 + 4 * k);
	while (k < nfat) {
		const unsigned char *p = sector_at(ole, d, ole->ssz);

		if (!p)
			return jg_err_set(err, JG_EFORMAT,
					  "damaged OLE2 container: a DIFAT sector (%lu) is not in "
					  "the file",
					  (unsigned long)d);
		if (++steps > ole->nsec)
			return jg_err_set(err, JG_EFORMAT,
					  "damaged OLE2 container: the DIFAT chain loops");
		for (uint32_t j = 0; j < per && k < nfat; j++)
			ole->fat_sec[k++] = le32(p + 4 * j);
		d = le32(p + ole->ssz - 4);
	}
	ole->fat_sec_n = nfat;
	for (k = 0; k < nfat; k++)
		if (!sector_at(ole, ole->fat_sec[k], ole->ssz))
			return jg_err_set(err, JG_EFORMAT,
					  "damaged OLE2 container: FAT sector %lu is not in the "
					  "file",
					  (unsigned long)ole->fat_sec[k]);
	return 0;
}

/* Parses the directory chain into ole->dir. Unused entries are kept (type 0) so that
 * entry numbers stay indexes. */
static int load_dir(jg__ole2 *ole, uint32_t first, jg_err *err)
{
	uint32_t *secs = NULL;
	size_t nsecs = 0, per = ole->ssz / ENTRY_SIZE;
	int rc;

	rc = chain_list(ole, first, false, "directory", &secs, &nsecs, err);
	if (rc)
		goto out;
	if (nsecs == 0) {
		rc = jg_err_set(err, JG_EFORMAT, "damaged OLE2 container: it has no directory");
		goto out;
	}
	ole->dir_n = nsecs * per;
	ole->dir = jg_calloc(ole->dir_n, sizeof(*ole->dir));
	if (!ole->dir) {
		rc = jg_err_set(err, JG_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ole->dir_n; i++) {
		const unsigned char *p =
			sector_at(ole, secs[i / per], ole->ssz) + (i % per) * ENTRY_SIZE;
		jg__ole2_entry *e = &ole->dir[i];
		uint16_t nbytes = le16(p + 64);

		e->type = p[66];
		if (e->type == 0)
			continue;
		if (e->type != 1 && e->type != 2 && e->type != 5) {
			rc = jg_err_set(
				err, JG_EFORMAT,
				"damaged OLE2 container: directory entry %zu has an unknown "
				"type (%u)",
				i, (unsigned)e->type);
			goto out;
		}
		if (nbytes < 2 || nbytes > 64 || nbytes % 2) {
			rc = jg_err_set(
				err, JG_EFORMAT,
				"damaged OLE2 container: directory entry %zu has a bad name "
				"length (%u)",
				i, (unsigned)nbytes);
			goto out;
		}
		e->name_len = nbytes / 2u - 1u;
		for (uint32_t k = 0; k < e->name_len; k++)
			e->name[k] = le16(p + 2 * k);
		e->left = le32(p + 68);
		e->right = le32(p + 72);
		e->child = le32(p + 76);
		e->start = le32(p + 116);
		e->size = le64(p + 120);
		if (ole->ssz == 512)
			e->size &= 0xffffffffu; /* version 3: the high half is to be ignored */
	}
	if (ole->dir[0].type != 5)
		rc = jg_err_set(
			err, JG_EFORMAT,
			"damaged OLE2 container: the first directory entry is not the root");
out:
	jg_free(secs);
	return rc;
}

int jg__ole2_open(jg__ole2 *ole, const void *data, size_t n, jg_err *err)
{
	const unsigned char *h = data;
	uint16_t shift;
	int rc;

	memset(ole, 0, sizeof(*ole));
	ole->data = data;
	ole->n = n;
	if (n < 512 || memcmp(h, signature, sizeof(signature)) != 0)
		return jg_err_set(err, JG_EFORMAT, "not an OLE2 compound file");
	shift = le16(h + 30);
	if (le16(h + 28) != 0xfffe || (shift != 9 && shift != 12) || le16(h + 32) != 6)
		return jg_err_set(err, JG_EFORMAT,
				  "damaged OLE2 container: unexpected byte order or sector size");
	ole->ssz = 1u << shift;
	if (n > ole->ssz) {
		uint64_t nsec = ((uint64_t)n - ole->ssz + ole->ssz - 1) / ole->ssz;

		ole->nsec = nsec > MAXREGSECT ? MAXREGSECT : (uint32_t)nsec;
	}
	ole->cutoff = le32(h + 56);
	ole->first_minifat = le32(h + 60);
	rc = load_fat(ole, h, err);
	if (rc == 0)
		rc = load_dir(ole, le32(h + 48), err);
	if (rc)
		jg__ole2_close(ole);
	return rc;
}

void jg__ole2_close(jg__ole2 *ole)
{
	if (!ole)
		return;
	jg_free(ole->fat_sec);
	jg_free(ole->minifat_sec);
	jg_free(ole->mini_sec);
	jg_free(ole->dir);
	ole->fat_sec = ole->minifat_sec = ole->mini_sec = NULL;
	ole->dir = NULL;
	ole->fat_sec_n = ole->minifat_sec_n = ole->mini_sec_n = ole->dir_n = 0;
	ole->mini_loaded = 0;
}

/* [MS-CFB] 2.6.4 compares names by upper-casing each UTF-16 code unit (simple case
 * mapping); surrogates stay as they are. */
static uint32_t upper16(uint16_t c)
{
	if (c >= 0xd800 && c <= 0xdfff)
		return c;
	return (uint32_t)utf8proc_toupper((utf8proc_int32_t)c);
}

/* True when entry `e` is called `name` (UTF-16 code units, `n` of them). */
static bool name_is(const jg__ole2_entry *e, const uint16_t *name, size_t n)
{
	if (e->name_len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (upper16(e->name[i]) != upper16(name[i]))
			return false;
	return true;
}

/*
 * Walks the red-black tree of the root storage's children without trusting its order
 * (every node is compared), with a visited mark per entry so that a damaged tree that
 * loops back on itself ends.
 */
int jg__ole2_find(const jg__ole2 *ole, const char *name, uint32_t *out)
{
	uint16_t want[32];
	size_t wn = 0, top = 0;
	uint32_t *stack = NULL;
	unsigned char *seen = NULL;
	utf8proc_ssize_t at = 0, len = (utf8proc_ssize_t)strlen(name);
	int rc = JG_ENOTFOUND;

	while (at < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k =
			utf8proc_iterate((const utf8proc_uint8_t *)name + at, len - at, &cp);

		if (k <= 0 || cp > 0xffff || wn >= 31)
			return JG_ENOTFOUND; /* no valid entry name is like that */
		want[wn++] = (uint16_t)cp;
		at += k;
	}
	if (!ole->dir_n)
		return JG_ENOTFOUND;
	stack = jg_malloc(ole->dir_n * sizeof(*stack));
	seen = jg_calloc(ole->dir_n, 1);
	if (!stack || !seen) {
		rc = JG_ENOMEM;
		goto out;
	}
	/* An entry is marked when it is pushed, so the stack never holds more than dir_n. */
	seen[0] = 1;
	if (ole->dir[0].child < ole->dir_n) {
		seen[ole->dir[0].child] = 1;
		stack[top++] = ole->dir[0].child;
	}
	while (top) {
		uint32_t id = stack[--top];
		const jg__ole2_entry *e = &ole->dir[id];

		if (e->type == 0)
			continue;
		if (e->type == 2 && name_is(e, want, wn)) {
			*out = id;
			rc = 0;
			goto out;
		}
		if (e->left < ole->dir_n && !seen[e->left]) {
			seen[e->left] = 1;
			stack[top++] = e->left;
		}
		if (e->right < ole->dir_n && !seen[e->right]) {
			seen[e->right] = 1;
			stack[top++] = e->right;
		}
	}
out:
	jg_free(stack);
	jg_free(seen);
	return rc;
}

/* Loads the lists of mini FAT sectors and mini stream sectors, once. */
static int load_mini(jg__ole2 *ole, jg_err *err)
{
	int rc;

	if (ole->mini_loaded)
		return 0;
	rc = chain_list(ole, ole->first_minifat, false, "mini FAT", &ole->minifat_sec,
			&ole->minifat_sec_n, err);
	if (rc == 0)
		rc = chain_list(ole, ole->dir[0].start, true, "mini stream", &ole->mini_sec,
				&ole->mini_sec_n, err);
	if (rc == 0 && ole->dir[0].size > (uint64_t)ole->mini_sec_n * ole->ssz)
		rc = jg_err_set(err, JG_EFORMAT,
				"damaged OLE2 container: the mini stream is shorter than its "
				"stated size");
	if (rc) {
		jg_free(ole->minifat_sec);
		jg_free(ole->mini_sec);
		ole->minifat_sec = ole->mini_sec = NULL;
		ole->minifat_sec_n = ole->mini_sec_n = 0;
		return rc;
	}
	ole->mini_size = ole->dir[0].size;
	ole->mini_loaded = 1;
	return 0;
}

/* Copies a stream that lives in the mini stream. */
static int read_mini(jg__ole2 *ole, const jg__ole2_entry *e, unsigned char *buf, jg_err *err)
{
	uint64_t done = 0, limit;
	uint32_t m = e->start, steps = 0;
	int rc = load_mini(ole, err);

	if (rc)
		return rc;
	if (e->size > ole->mini_size)
		return jg_err_set(
			err, JG_EFORMAT,
			"damaged OLE2 container: a stream is larger than the mini stream");
	limit = ole->mini_size / MINI_SSZ + 1;
	while (done < e->size) {
		uint64_t off = (uint64_t)m * MINI_SSZ;
		size_t chunk = e->size - done < MINI_SSZ ? (size_t)(e->size - done) : MINI_SSZ;
		const unsigned char *p;
		uint32_t sec;

		if (m == ENDOFCHAIN)
			return jg_err_set(err, JG_EFORMAT,
					  "damaged OLE2 container: a stream ends before its stated "
					  "size");
		if (++steps > limit)
			return jg_err_set(err, JG_EFORMAT,
					  "damaged OLE2 container: a mini sector chain loops");
		if (m > MAXREGSECT || off + chunk > ole->mini_size)
			return jg_err_set(err, JG_EFORMAT,
					  "damaged OLE2 container: mini sector %lu is not in the "
					  "mini stream",
					  (unsigned long)m);
		sec = ole->mini_sec[off / ole->ssz];
		p = sector_at(ole, sec, off % ole->ssz + chunk);
		if (!p)
			return jg_err_set(
				err, JG_EFORMAT,
				"damaged OLE2 container: the mini stream runs past the end "
				"of the file (the file may be truncated)");
		memcpy(buf + done, p + off % ole->ssz, chunk);
		done += chunk;
		if (done < e->size && !minifat_next(ole, m, &m))
			return jg_err_set(
				err, JG_EFORMAT,
				"damaged OLE2 container: mini sector %lu is past the mini "
				"FAT",
				(unsigned long)m);
	}
	return 0;
}

/* Copies a stream that lives in regular sectors. */
static int read_regular(const jg__ole2 *ole, const jg__ole2_entry *e, unsigned char *buf,
			jg_err *err)
{
	uint64_t done = 0;
	uint32_t s = e->start, steps = 0;

	while (done < e->size) {
		size_t chunk = e->size - done < ole->ssz ? (size_t)(e->size - done) : ole->ssz;
		const unsigned char *p;

		if (s == ENDOFCHAIN)
			return jg_err_set(err, JG_EFORMAT,
					  "damaged OLE2 container: a stream ends before its stated "
					  "size (the file may be truncated)");
		if (++steps > ole->nsec)
			return jg_err_set(err, JG_EFORMAT,
					  "damaged OLE2 container: a sector chain loops");
		p = sector_at(ole, s, chunk);
		if (!p)
			return jg_err_set(
				err, JG_EFORMAT,
				"damaged OLE2 container: sector %lu is not in the file (the "
				"file may be truncated)",
				(unsigned long)s);
		memcpy(buf + done, p, chunk);
		done += chunk;
		if (done < e->size && !fat_next(ole, s, &s))
			return jg_err_set(err, JG_EFORMAT,
					  "damaged OLE2 container: sector %lu is past the FAT",
					  (unsigned long)s);
	}
	return 0;
}

/* The directory entry of stream `id`, checked: a stream, no larger than the file holds
 * (a mini stream's sectors are checked when it is read), nor than `max`. */
static int stream_entry(const jg__ole2 *ole, uint32_t id, uint64_t max, const jg__ole2_entry **out,
			jg_err *err)
{
	const jg__ole2_entry *e;

	if (id >= ole->dir_n || ole->dir[id].type != 2)
		return jg_err_set(err, JG_EFORMAT, "damaged OLE2 container: not a stream");
	e = &ole->dir[id];
	if (e->size > (uint64_t)ole->nsec * ole->ssz || e->size >= SIZE_MAX)
		return jg_err_set(err, JG_EFORMAT,
				  "damaged OLE2 container: a stream is larger than the file");
	if (e->size > max)
		return jg_err_set(err, JG_ELIMIT, "a stream in the file is larger than %llu bytes",
				  (unsigned long long)max);
	*out = e;
	return 0;
}

int jg__ole2_read(jg__ole2 *ole, uint32_t id, uint64_t max, void **out, size_t *out_n, jg_err *err)
{
	const jg__ole2_entry *e;
	unsigned char *buf = NULL;
	int rc;

	*out = NULL;
	*out_n = 0;
	if ((rc = stream_entry(ole, id, max, &e, err)))
		return rc;
	buf = jg_malloc(e->size ? (size_t)e->size : 1);
	if (!buf)
		return jg_err_set(err, JG_ENOMEM, "out of memory");
	if (e->size == 0)
		rc = 0;
	else if (e->size < ole->cutoff)
		rc = read_mini(ole, e, buf, err);
	else
		rc = read_regular(ole, e, buf, err);
	if (rc) {
		jg_free(buf);
		return rc;
	}
	*out = buf;
	*out_n = (size_t)e->size;
	return 0;
}

int jg__ole2_view(const jg__ole2 *ole, uint32_t id, uint64_t max, const void **out, size_t *out_n,
		  jg_err *err)
{
	const jg__ole2_entry *e;
	uint64_t secs;
	uint32_t s;
	int rc;

	*out = NULL;
	*out_n = 0;
	if ((rc = stream_entry(ole, id, max, &e, err)))
		return rc;
	if (e->size == 0 || e->size < ole->cutoff)
		return 1;
	/* Every sector after the first must be the next one in the file. */
	secs = (e->size + ole->ssz - 1) / ole->ssz;
	s = e->start;
	for (uint64_t k = 1; k < secs; k++) {
		uint32_t next;

		if (!fat_next(ole, s, &next) || next != s + 1)
			return 1;
		s = next;
	}
	if (!sector_at(ole, e->start, 1) ||
	    !sector_at(ole, s, (size_t)(e->size - (secs - 1) * ole->ssz)))
		return 1;
	*out = ole->data + ((uint64_t)e->start + 1) * ole->ssz;
	*out_n = (size_t)e->size;
	return 0;
}
