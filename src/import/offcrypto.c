/* SPDX-License-Identifier: MIT */
/* MS-OFFCRYPTO decryption of password-protected xlsx: not written yet. */
#include "readers.h"

bool jg__offcrypto_is_encrypted(const void *data, size_t n)
{
	(void)data, (void)n;
	return false;
}

int jg__offcrypto_decrypt(const void *data, size_t n, const char *password,
			  const jg_sheet_limits *lim, void **out, size_t *out_n, jg_err *err)
{
	(void)data, (void)n, (void)password, (void)lim;
	*out = NULL;
	*out_n = 0;
	return jg_err_set(err, JG_EFORMAT, "encrypted xlsx files are not supported yet");
}
