/* SPDX-License-Identifier: MIT */
/* Excel serial dates and date number formats: not written yet. */
#include "readers.h"

int jg__excel_date(char *out, size_t outsz, double serial, bool date1904)
{
	(void)out, (void)outsz, (void)serial, (void)date1904;
	return JG_EINVAL;
}

bool jg__excel_is_date_format(int numfmt_id, const char *code)
{
	(void)numfmt_id, (void)code;
	return false;
}
