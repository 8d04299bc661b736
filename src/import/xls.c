/* SPDX-License-Identifier: MIT */
/* The legacy .xls reader (FreeXL): not written yet. */
#include "readers.h"

int jg__xls_read(const char *path, const jg_sheet_opts *opts, const jg_sheet_limits *lim,
		 jg_sheet_info *info, jg_sheet_cb cb, void *payload, jg_err *err)
{
	(void)path, (void)opts, (void)lim, (void)info, (void)cb, (void)payload;
	return jg_err_set(err, JG_EFORMAT, "legacy .xls files are not supported yet");
}
