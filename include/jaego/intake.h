/* SPDX-License-Identifier: MIT */
/*
 * Intake: applying a channel's order file to the store. The file is read into canonical
 * lines (import.h), the channel is found from the headers when not given, and every line
 * is applied in ONE transaction: a new line takes stock, a known line moves only by legal
 * transitions, a cancel or return list cancels or returns the lines it names.
 *
 * Bad rows: by default the good rows of a file are applied and every bad row is reported
 * with its row, column and reason; with `strict` a file with any bad row is refused
 * whole. Either way nothing of a file is half-applied: the file's transaction commits or
 * rolls back as one. Importing the same file again changes nothing.
 */
#ifndef JAEGO_INTAKE_H
#define JAEGO_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "import.h"
#include "profile.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jg_intake_opts {
	const char *channel;  /* the jaego channel; NULL = find it from the headers */
	const char *profile;  /* read with this profile instead of the channel's own (e.g. a
				 claims list for a channel); NULL = the channel's */
	const char *password; /* for an encrypted file */
	const char *name;     /* how the file is named in the summary, messages and the import
				 log (an upload's original name); NULL = the path */
	bool dry_run;         /* read and compute everything, then roll back */
	bool strict;          /* refuse the whole file when any row is bad */
	jg_sheet_limits lim;
	/* Progress: called every `progress_every` rows (0 = never) with rows done so far. */
	void (*progress)(int64_t rows_done, void *payload);
	int64_t progress_every;
	void *progress_payload;
} jg_intake_opts;

typedef struct jg_intake_reject {
	int64_t row;
	int32_t column;     /* 1-based, 0 = the row as a whole */
	char header[96];
	char reason[256];
} jg_intake_reject;

typedef struct jg_intake_unmatched {
	char product_id[128];
	char option[256];
	char product_name[128];
	int64_t lines;
} jg_intake_unmatched;

typedef struct jg_intake_refused {
	int64_t row;
	char line_id[128];
	char reason[256];
} jg_intake_refused;

#define JG_INTAKE_LIST_MAX 1000 /* rejected/unmatched/refused entries kept per file */

typedef struct jg_intake_summary {
	char file[512];
	jg_format format;
	char channel[128];
	char profile[64];
	int64_t header_row;
	int64_t rows;           /* data rows read */
	int64_t new_lines;
	int64_t duplicates;
	int64_t status_changes; /* e.g. a line now 취소완료 released its stock */
	int64_t refused;        /* illegal transitions, not applied */
	int64_t unmatched;      /* new lines no listing maps yet */
	int64_t oversold;       /* new lines short of stock */
	int64_t ignored;        /* rows without any order field (totals, notes) */
	int64_t rejected_count;
	bool applied;           /* committed (false for dry runs and refused files) */
	int64_t import_id;      /* the import log entry, 0 when not applied */
	jg_intake_reject *rejected;   /* up to JG_INTAKE_LIST_MAX */
	size_t n_rejected;
	jg_intake_unmatched *unmatched_list;
	size_t n_unmatched_list;
	jg_intake_refused *refused_list;
	size_t n_refused_list;
} jg_intake_summary;

/*
 * Imports one file. *out (owned by the caller, free with jg_intake_summary_free) is set
 * whenever the file could be read far enough to know its channel, also when the file is
 * refused for bad rows (then the return is JG_EINVAL and `applied` is false). Errors:
 * those of jg_import_read; JG_EINVAL when no channel matches or several do (the message
 * lists them); JG_ENOTFOUND for an unknown --channel.
 *
 * Threads: the file is read and mapped on a reader thread that this call starts and joins
 * (when it cannot be started, on the calling thread), while the calling thread applies the
 * lines; the store is used on the calling thread only, `profiles` are read from both and
 * must not change during the call, and `opts->progress` is called on the calling thread.
 * Not thread-safe on one store, like every store call.
 */
int jg_intake_file(jg_store *s, const jg_profiles *profiles, const char *path,
		   const jg_intake_opts *opts, jg_intake_summary **out, jg_err *err);

/*
 * Called by jg_intake_files once per file, in the order given, when the file is done:
 * `rc`, `err` and `sum` are what jg_intake_file would have returned for it (`sum` NULL when
 * the file could not be read far enough to know its channel), borrowed for the call. A
 * non-zero return stops the list: the files after it are not imported.
 */
typedef int (*jg_intake_done_cb)(size_t index, const char *path, int rc, const jg_err *err,
				 const jg_intake_summary *sum, void *payload);

/* A file of a list and the options it is imported with (they may differ per file, or all
 * point to the same). */
typedef struct jg_intake_item {
	const char *path;
	const jg_intake_opts *opts;
} jg_intake_item;

/*
 * Imports `n` files one after the other, each exactly as jg_intake_file does (each its
 * own transaction, committed before the next file's first line is applied), with the
 * reading of the files ahead of the applying: the reader thread reads and maps the next
 * rows, and the next file, while the calling thread applies the current ones, up to a few
 * MiB ahead. The channels are read once for the whole list. Returns 0 when every file was
 * handled (whatever each one's result: see `done`, which may be NULL), or what `done`
 * returned to stop. Threads as jg_intake_file.
 */
int jg_intake_files(jg_store *s, const jg_profiles *profiles, const jg_intake_item *items,
		    size_t n, jg_intake_done_cb done, void *payload);
void jg_intake_summary_free(jg_intake_summary *sum);

/* Loads the built-in profiles and the ones added to the store. */
int jg_intake_profiles(jg_store *s, jg_profiles **out, jg_err *err);

#ifdef __cplusplus
}
#endif
#endif
