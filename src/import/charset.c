/* SPDX-License-Identifier: MIT */
/* Legacy Korean text: not written yet (UTF-8 only). */
#include "readers.h"

jg__charset jg__charset_detect(const void *data, size_t n)
{
	(void)data, (void)n;
	return JG__CHARSET_UTF8;
}

int jg__cp949_to_utf8(jg_buf *out, const void *data, size_t n, jg_err *err)
{
	(void)out, (void)data, (void)n;
	return jg_err_set(err, JG_EFORMAT, "CP949 text is not supported yet");
}
