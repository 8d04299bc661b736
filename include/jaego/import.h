/* SPDX-License-Identifier: MIT */
/*
 * Turning a channel's order file into canonical order lines. The file is read by the sheet
 * readers (any format), the header row is found by scanning the first rows for a profile's
 * header names, and every data row becomes either a canonical line, a rejected row (with
 * its row, column and reason) or an ignored row (no order fields at all, such as a total
 * line), reported through callbacks. Nothing here touches the store; see intake.h.
 */
#ifndef JAEGO_IMPORT_H
#define JAEGO_IMPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "core.h"
#include "error.h"
#include "profile.h"
#include "sheet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One order line as every channel's file is turned into. Strings are borrowed for the
 * duration of the callback; absent values are "" (never NULL); numbers absent are -1. */
typedef struct jg_line {
	int64_t row;               /* the source row */
	const char *line_id;
	const char *order_no;
	const char *product_id;
	const char *product_name;
	const char *option;
	const char *sku_code;
	int64_t qty;
	int64_t price;             /* minor units of the profile's currency, -1 if absent */
	jg_status status;
	bool restock;              /* a return the channel marks sellable */
	const char *channel_status;
	int64_t ordered_at;        /* UTC ms, 0 if absent */
	const char *buyer, *buyer_phone, *recipient, *recipient_phone;
	const char *postal_code, *address, *message, *courier, *tracking;
} jg_line;

typedef struct jg_import_info {
	jg_format format;
	const jg_profile *profile; /* the profile that read the file */
	int64_t header_row;        /* 1-based */
	int64_t rows;              /* data rows after the header (non-empty) */
	char sheet[128];
	char charset[16];
	jg_header_match match;     /* which column feeds which field */
	char headers[JG_FIELD__COUNT][96]; /* the header text of each mapped field */
	char line_id_from[256];    /* how the line id is made: "상품주문번호", "Name + #seq" */
} jg_import_info;

typedef struct jg_import_handler {
	/* Called once, when the header is known and before any line. May be NULL. Returning
	 * non-zero stops the import. */
	int (*on_header)(const jg_import_info *info, void *payload);
	int (*on_line)(const jg_line *line, void *payload);
	/* A row that cannot become a line: `column` is 1-based (0 = the whole row), `header`
	 * the column's header text ("" if none). */
	int (*on_reject)(int64_t row, int32_t column, const char *header, const char *reason,
			 void *payload);
	/* A row with no order fields at all (a blank-looking or total row). May be NULL. */
	int (*on_ignore)(int64_t row, void *payload);
} jg_import_handler;

typedef struct jg_import_opts {
	const jg_profiles *profiles;
	/* The profiles allowed for this file (NULL/0 = every detectable profile). The best
	 * match among them reads the file; several equally good matches are refused as
	 * ambiguous unless exactly one is allowed. */
	const jg_profile *const *allowed;
	size_t n_allowed;
	const char *password;
	jg_sheet_limits lim;
} jg_import_opts;

/*
 * Reads the file and reports each row through `h`. Errors: those of jg_sheet_read_file,
 * and JG_EINVAL when no allowed profile recognises the header in the first rows (the
 * message says which header names the closest profile missed) or when several match
 * equally (the message lists them).
 */
int jg_import_read(const char *path, const jg_import_opts *opts, jg_import_info *info,
		   const jg_import_handler *h, void *payload, jg_err *err);

/* Only finds the header and the profile (reads no further than the header). */
int jg_import_sniff(const char *path, const jg_import_opts *opts, jg_import_info *info,
		    jg_err *err);

/*
 * Repairs an id that a spreadsheet stored as a number: "2026112900001.0" → "2026112900001".
 * JG_EINVAL when the number was rounded (more than 15 significant digits, an exponent, or
 * a fraction): such an id cannot be recovered and must not be guessed. `out` >= 64 bytes.
 */
int jg_import_repair_id(char *out, size_t outsz, const char *text, jg_cell_type type);
/* A Korean phone number stored as a number gets its leading 0 back ("1012345678" →
 * "01012345678"); text is kept as written. `out` >= 32 bytes. */
void jg_import_repair_phone(char *out, size_t outsz, const char *text, jg_cell_type type);
/* A postal code stored as a number is padded to 5 digits ("6234" → "06234"). */
void jg_import_repair_postal(char *out, size_t outsz, const char *text, jg_cell_type type);

#ifdef __cplusplus
}
#endif
#endif
