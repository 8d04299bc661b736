/* SPDX-License-Identifier: MIT */
/*
 * The caller-given error struct. jg_err keeps the first failure recorded into it, so the
 * message that reaches the user is the one closest to the cause.
 */
#include <stdio.h>
#include <string.h>

#include "jaego/error.h"

void jg_err_clear(jg_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int jg_err_vset(jg_err *err, int code, const char *fmt, va_list ap)
{
	if (err && err->code == 0) {
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return code;
}

int jg_err_set(jg_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jg_err_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int jg_err_set_at(jg_err *err, int code, int64_t row, int32_t col, const char *fmt, ...)
{
	va_list ap;

	if (err && err->code == 0) {
		err->row = row;
		err->col = col;
	}
	va_start(ap, fmt);
	jg_err_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

const char *jg_strerror(int code)
{
	switch (code) {
	case JG_OK: return "ok";
	case JG_ENOMEM: return "out of memory";
	case JG_EINVAL: return "invalid input";
	case JG_ENOTFOUND: return "not found";
	case JG_EEXISTS: return "already exists";
	case JG_ESTATE: return "illegal state transition";
	case JG_EIO: return "input/output error";
	case JG_EDB: return "database error";
	case JG_EFORMAT: return "malformed input";
	case JG_ELIMIT: return "size limit reached";
	case JG_EDRIFT: return "stored state drifted from the ledger";
	case JG_EBUSY: return "database busy";
	case JG_EPERM: return "not permitted";
	}
	return "unknown error";
}
