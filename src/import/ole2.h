/* SPDX-License-Identifier: MIT */
/*
 * A reader of OLE2 / Compound File Binary containers ([MS-CFB]), internal to src/import/:
 * just enough to find a stream by name at the root storage and copy it out. Encrypted
 * xlsx files (MS-OFFCRYPTO) and legacy .xls workbooks are such containers.
 *
 * Nothing in the file is trusted: every sector number is checked against the file size,
 * every chain is bounded by the number of sectors it could possibly have (a longer chain
 * loops), and a stream is never allocated before its size has been checked against the
 * bytes the file can hold and against the caller's cap. The container is read in place
 * from the caller's bytes, which must outlive the jg__ole2.
 */
#ifndef JAEGO_IMPORT_OLE2_H
#define JAEGO_IMPORT_OLE2_H

#include <stddef.h>
#include <stdint.h>

#include "jaego/util.h"

typedef struct jg__ole2_entry {
	uint16_t name[32]; /* UTF-16 code units, not NUL-terminated */
	uint32_t name_len; /* code units in name */
	uint8_t type;      /* 0 unused, 1 storage, 2 stream, 5 root storage */
	uint32_t left, right, child;
	uint32_t start; /* first sector (mini sector for a small stream) */
	uint64_t size;
} jg__ole2_entry;

typedef struct jg__ole2 {
	const unsigned char *data;
	size_t n;
	uint32_t ssz;    /* sector size: 512 (version 3) or 4096 (version 4) */
	uint32_t nsec;   /* sectors after the header that start inside the file */
	uint32_t cutoff; /* streams smaller than this live in the mini stream */
	uint32_t first_minifat;
	uint32_t *fat_sec; /* the sectors holding the FAT, in order (read in place) */
	size_t fat_sec_n;
	uint32_t *minifat_sec; /* the sectors holding the mini FAT (loaded when first needed) */
	size_t minifat_sec_n;
	uint32_t *mini_sec; /* the sectors holding the mini stream */
	size_t mini_sec_n;
	uint64_t mini_size; /* bytes in the mini stream */
	int mini_loaded;
	jg__ole2_entry *dir; /* every directory entry; dir[0] is the root storage */
	size_t dir_n;
} jg__ole2;

/*
 * Parses the header, FAT (with its DIFAT) and directory of the container in `data[0..n)`.
 * `ole` borrows `data`. JG_EFORMAT (not an OLE2 file, or a damaged one), JG_ENOMEM. On
 * failure `ole` holds nothing to free, though jg__ole2_close() may still be called.
 */
int jg__ole2_open(jg__ole2 *ole, const void *data, size_t n, jg_err *err);
/* Frees what jg__ole2_open() allocated. Accepts a zeroed or closed struct. */
void jg__ole2_close(jg__ole2 *ole);

/*
 * Finds the stream called `name` (UTF-8) among the children of the root storage, with
 * [MS-CFB]'s case-insensitive comparison, and sets *out to its directory entry index.
 * JG_ENOTFOUND when there is none, JG_ENOMEM (nothing is recorded into an error struct).
 */
int jg__ole2_find(const jg__ole2 *ole, const char *name, uint32_t *out);

/*
 * Copies stream `id` into *out (owned by the caller, jg_free; never NULL on success, even
 * for an empty stream) and sets *out_n. JG_ELIMIT when the stream is larger than `max`
 * bytes, JG_EFORMAT when its chain is damaged or runs past the end of the file,
 * JG_ENOMEM. Loads the mini stream the first time a small stream is read.
 */
int jg__ole2_read(jg__ole2 *ole, uint32_t id, uint64_t max, void **out, size_t *out_n, jg_err *err);

/*
 * Points *out at stream `id` where it lies in the caller's bytes, when it is stored in
 * regular sectors that follow one another in the file (as writers usually store a
 * workbook), and sets *out_n: no copy is made. Returns 1 when the stream is not stored so
 * (the caller copies it with jg__ole2_read()), JG_ELIMIT when it is larger than `max`
 * bytes, JG_EFORMAT when it is not a stream. *out is borrowed from the bytes given to
 * jg__ole2_open().
 */
int jg__ole2_view(const jg__ole2 *ole, uint32_t id, uint64_t max, const void **out, size_t *out_n,
		  jg_err *err);

#endif
