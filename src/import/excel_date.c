/* SPDX-License-Identifier: MIT */
/*
 * Excel serial dates and the number formats that make a number a date. A spreadsheet
 * stores a date as a count of days (the fraction is the time of day) and only its number
 * format says it is a date; the readers ask jg__excel_is_date_format() about a cell's
 * format and turn the serial into text with jg__excel_date(). Serials follow Excel's own
 * view, including its fictitious 1900-02-29 (serial 60): 1..59 are 1900-01-01..02-28,
 * 60 is printed as "1900-02-29" (a date that later parsing rejects, so the mistake is not
 * silently moved to a neighbouring day), 61 and later are shifted back by that one day.
 * Everything here is pure and thread-safe.
 */
#include <math.h>
#include <string.h>

#include "readers.h"

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian; H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil date of `z` days after 1970-01-01 (the inverse of days_from_civil). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Writes `v` (0..99) as two digits; returns the end. */
static char *put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/*
 * Formats the serial: whole days plus the time of day rounded to the second. The result is
 * "YYYY-MM-DD" when the time is midnight, else "YYYY-MM-DD HH:MM:SS". Serials below 0,
 * past 9999-12-31 or not finite are not dates Excel can show: JG_EINVAL, and the caller
 * keeps the number. In the 1900 system a serial in [0, 1) (a time of day alone) is shown on
 * 1899-12-31, the day before serial 1, which is where Excel's "1900-01-00" falls.
 */
int jg__excel_date(char *out, size_t outsz, double serial, bool date1904)
{
	int64_t days, secs, civil, y;
	int m, d;

	if (!out || outsz < 20 || !isfinite(serial) || serial < 0 || serial >= 2958466.0)
		return JG_EINVAL;
	/* No libm: the serial is not negative, so truncation is floor and +0.5 rounds. */
	days = (int64_t)serial;
	secs = (int64_t)((serial - (double)days) * 86400.0 + 0.5);
	if (secs >= 86400) {
		days++;
		secs = 0;
	}
	if (date1904) {
		civil = days_from_civil(1904, 1, 1) + days;
	} else if (days == 60) {
		y = 1900, m = 2, d = 29; /* Excel's fictitious leap day */
		goto print;
	} else if (days < 60) {
		civil = days_from_civil(1899, 12, 31) + days;
	} else {
		civil = days_from_civil(1899, 12, 30) + days;
	}
	civil_from_days(civil, &y, &m, &d);
	if (y > 9999)
		return JG_EINVAL;
print:
	/* By hand: this runs for every date cell, and snprintf showed in profiles. */
	out = put2(put2(out, (int)(y / 100)), (int)(y % 100));
	*out++ = '-';
	out = put2(out, m);
	*out++ = '-';
	out = put2(out, d);
	if (secs) {
		*out++ = ' ';
		out = put2(out, (int)(secs / 3600));
		*out++ = ':';
		out = put2(out, (int)(secs / 60 % 60));
		*out++ = ':';
		out = put2(out, (int)(secs % 60));
	}
	*out = '\0';
	return 0;
}

/*
 * The built-in formats that show dates or times: 14-22 (the universal ones), 27-36 and
 * 50-58 (the East Asian ones Korean Excel writes for 년/월/일 and 오전/오후 dates), and
 * 45-47 (mm:ss, [h]:mm:ss, mmss.0).
 */
static bool builtin_is_date(int id)
{
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
	       (id >= 50 && id <= 58);
}

/* ASCII lower case of `c`. */
static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * A custom format is a date when one of d, m, y, h or s appears outside quoted text
 * ("년"), escapes (\y, _x, *x) and bracketed sections ([Red], [$-412], [<=100]). A format
 * whose only time parts are elapsed counts in brackets ([h]:mm:ss, [mm]:ss) is a duration,
 * not a date, unless it also shows a day or a year.
 */
static bool code_is_date(const char *code)
{
	bool dy = false, hms = false, elapsed = false;

	for (const char *p = code; *p; p++) {
		char c = *p;

		if (c == '"') {
			while (p[1] && p[1] != '"')
				p++;
			if (p[1])
				p++;
		} else if (c == '\\' || c == '_' || c == '*') {
			if (p[1])
				p++;
		} else if (c == '[') {
			bool only_hms = p[1] != ']';
			const char *q = p + 1;

			for (; *q && *q != ']'; q++) {
				char l = lower(*q);

				if (l != 'h' && l != 'm' && l != 's')
					only_hms = false;
			}
			if (only_hms)
				elapsed = true;
			p = *q ? q : q - 1;
		} else {
			switch (lower(c)) {
			case 'd':
			case 'y': dy = true; break;
			case 'm':
			case 'h':
			case 's': hms = true; break;
			default: break;
			}
		}
	}
	return dy || (hms && !elapsed);
}

bool jg__excel_is_date_format(int numfmt_id, const char *code)
{
	if (code)
		return code_is_date(code);
	return builtin_is_date(numfmt_id);
}
