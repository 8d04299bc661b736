/* SPDX-License-Identifier: MIT */
/*
 * Time as int64 UTC milliseconds. Parsing is by hand so that a time without a zone is read in
 * the channel's zone (KST for Korean channels) whatever the machine's TZ says.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jaego/util.h"

int64_t jg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

/* Reads exactly `n` digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* Reads one or two digits (Korean files write "2026. 1. 5"). */
static int digits12(const char **p, int *out)
{
	if (!isdigit((unsigned char)**p))
		return -1;
	*out = *(*p)++ - '0';
	if (isdigit((unsigned char)**p))
		*out = *out * 10 + (*(*p)++ - '0');
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int jg_time_parse(int64_t *out_ms, const char *s, int default_offset_min)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, off = default_offset_min;
	char sep;

	while (*p == ' ')
		p++;
	if (digits(&p, 4, &y))
		return JG_EINVAL;
	sep = *p;
	if (sep != '-' && sep != '.' && sep != '/')
		return JG_EINVAL;
	p++;
	while (*p == ' ')
		p++;
	if (digits12(&p, &mo) || *p++ != sep)
		return JG_EINVAL;
	while (*p == ' ')
		p++;
	if (digits12(&p, &d))
		return JG_EINVAL;
	if (sep == '.' && *p == '.')
		p++;
	if (*p == 'T' || *p == ' ') {
		const char *q = p + 1;

		while (*q == ' ')
			q++;
		if (*q) {
			p = q;
			if (digits12(&p, &h) || *p++ != ':' || digits(&p, 2, &mi))
				return JG_EINVAL;
			if (*p == ':') {
				p++;
				if (digits(&p, 2, &sec))
					return JG_EINVAL;
				if (*p == '.' || *p == ',') {
					int scale = 100;

					p++;
					if (!isdigit((unsigned char)*p))
						return JG_EINVAL;
					while (isdigit((unsigned char)*p)) {
						ms += (*p++ - '0') * scale;
						scale /= 10;
					}
				}
			}
			while (*p == ' ')
				p++;
			if (*p == 'Z' || *p == 'z') {
				off = 0;
				p++;
			} else if (*p == '+' || *p == '-') {
				int sign = *p++ == '-' ? -1 : 1, oh, om = 0;

				if (digits(&p, 2, &oh))
					return JG_EINVAL;
				if (*p == ':')
					p++;
				if (isdigit((unsigned char)*p) && digits(&p, 2, &om))
					return JG_EINVAL;
				if (oh > 23 || om > 59)
					return JG_EINVAL;
				off = sign * (oh * 60 + om);
			}
		}
	}
	while (*p == ' ')
		p++;
	if (*p)
		return JG_EINVAL;
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return JG_EINVAL;
	if (sec == 60)
		sec = 59; /* a leap second is the last second of its minute */
	*out_ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
		    sec - (int64_t)off * 60) *
		   1000) +
		  ms;
	return 0;
}

static void split(int64_t ms, int offset_min, int64_t *y, unsigned *mo, unsigned *d, int *h,
		  int *mi, int *s)
{
	int64_t t = ms / 1000 - (ms % 1000 < 0) + (int64_t)offset_min * 60;
	int64_t days = t / 86400, rem = t % 86400;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, y, mo, d);
	*h = (int)(rem / 3600);
	*mi = (int)(rem / 60 % 60);
	*s = (int)(rem % 60);
}

void jg_time_format(char *out, size_t outsz, int64_t ms, int offset_min)
{
	int64_t y;
	unsigned mo, d;
	int h, mi, s;

	split(ms, offset_min, &y, &mo, &d, &h, &mi, &s);
	snprintf(out, outsz, "%04lld-%02u-%02u %02d:%02d:%02d", (long long)y, mo, d, h, mi, s);
}

void jg_time_format_iso(char *out, size_t outsz, int64_t ms, int offset_min)
{
	int64_t y;
	unsigned mo, d;
	int h, mi, s, ao = offset_min < 0 ? -offset_min : offset_min;

	split(ms, offset_min, &y, &mo, &d, &h, &mi, &s);
	snprintf(out, outsz, "%04lld-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", (long long)y, mo, d, h,
		 mi, s, offset_min < 0 ? '-' : '+', ao / 60, ao % 60);
}
