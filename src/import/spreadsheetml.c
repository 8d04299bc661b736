/* SPDX-License-Identifier: MIT */
/* The SpreadsheetML 2003 reader: not written yet. */
#include "readers.h"

int jg__spreadsheetml_read(const void *data, size_t n, const jg_sheet_opts *opts,
			   const jg_sheet_limits *lim, jg_sheet_info *info, jg_sheet_cb cb,
			   void *payload, jg_err *err)
{
	(void)data, (void)n, (void)opts, (void)lim, (void)info, (void)cb, (void)payload;
	return jg_err_set(err, JG_EFORMAT, "SpreadsheetML files are not supported yet");
}
