/* SPDX-License-Identifier: MIT */
/*
 * Error codes and the caller-given error struct.
 *
 * Every jaego function that can fail returns 0 or one of the negative JG_E* codes below, and
 * takes a trailing `jg_err *err` (which may be NULL). The struct keeps the FIRST failure that
 * was recorded into it: a lower layer's message is never overwritten by a caller that adds
 * its own. Call jg_err_clear() before reusing a struct for an unrelated operation.
 */
#ifndef JAEGO_ERROR_H
#define JAEGO_ERROR_H

#include <stdarg.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The expected codes. Keep this list short; programming errors are assertions instead. */
typedef enum jg_code {
	JG_OK = 0,
	JG_ENOMEM = -1,    /* an allocation failed */
	JG_EINVAL = -2,    /* a bad argument or input value (names the field, row, column) */
	JG_ENOTFOUND = -3, /* the named SKU, channel, listing or line does not exist */
	JG_EEXISTS = -4,   /* it exists already and the operation is not idempotent */
	JG_ESTATE = -5,    /* an illegal state transition, e.g. cancel after ship */
	JG_EIO = -6,       /* a file or socket operation failed; `sys` holds errno */
	JG_EDB = -7,       /* the database failed; `sys` / `sqlstate` say how */
	JG_EFORMAT = -8,   /* a file or body is malformed */
	JG_ELIMIT = -9,    /* a size cap was reached */
	JG_EDRIFT = -10,   /* `check` found stored state that disagrees with the ledger */
	JG_EBUSY = -11,    /* the database stayed locked longer than the timeout */
	JG_EPERM = -12     /* not allowed for this user or role */
} jg_code;

#define JG_ERR_MSG_MAX 320

typedef struct jg_err {
	int code;          /* 0 or a JG_E* code */
	int sys;           /* errno or the database's own result code, 0 if none */
	char sqlstate[6];  /* PostgreSQL SQLSTATE, "" otherwise */
	int64_t row;       /* 1-based row of the input that failed, 0 if none */
	int32_t col;       /* 1-based column, 0 if none */
	char msg[JG_ERR_MSG_MAX];
} jg_err;

/* Resets `err` to "no error". Accepts NULL. */
void jg_err_clear(jg_err *err);

/*
 * Records a failure into `err` unless it already holds one, and returns `code` so that a
 * caller can write `return jg_err_set(err, JG_EINVAL, "...")`. Accepts NULL `err`.
 */
int jg_err_set(jg_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int jg_err_vset(jg_err *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Like jg_err_set() and also records the input position (1-based row and column). */
int jg_err_set_at(jg_err *err, int code, int64_t row, int32_t col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* A short English name for a code ("not found"). Never NULL. Thread-safe. */
const char *jg_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
