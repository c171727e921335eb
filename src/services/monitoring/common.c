/* monitoring/common: the validation every CloudWatch operation shares — names, timestamps,
 * dimensions, units, statistics and periods, with AWS's messages. */
#include "monitoring.h"
#include "base/str.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int cw_str(const json_t *in, const char *key, const char *param, size_t min, size_t max,
	   bool required, const char **out, struct err *e)
{
	const char *s = NULL;
	size_t n;
	int r = json_opt_str(in, key, &s, e);

	if (r)
		return r;
	if (!s) {
		if (required)
			return err_set(e, SW_E_CW_MissingParameter, "The parameter %s is required.",
				       param);
		return 0;
	}
	n = strlen(s);
	if (n < min || n > max)
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The parameter %s must be between %zu and %zu characters long.",
			       param, min, max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return err_set(e, SW_E_CW_InvalidParameterValue,
				       "The parameter %s must not contain control characters.",
				       param);
	*out = s;
	return 0;
}

int cw_time(const json_t *in, const char *key, bool required, int64_t *ms, struct err *e)
{
	const json_t *v = json_object_get(in, key);
	double s;

	if (!v || json_is_null(v)) {
		if (required)
			return err_set(e, SW_E_CW_MissingParameter, "The parameter %s is required.",
				       key);
		return 1;
	}
	if (!json_is_number(v))
		return err_set(e, SW_E_Serialization, "%s must be a timestamp", key);
	s = json_number_value(v);
	if (!isfinite(s) || s < 0 || s > 253402300799.0) /* 9999-12-31 */
		return err_set(e, SW_E_CW_InvalidParameterValue, "The parameter %s is invalid.",
			       key);
	*ms = (int64_t)llround(s * 1000.0);
	return 0;
}

int cw_dims(const json_t *in, const char *key, const char *param, size_t max, bool value_opt,
	    struct metric_dim *out, size_t *n, struct err *e)
{
	json_t *a = NULL, *d;
	size_t i;
	int r = json_opt_arr(in, key, &a, e);

	*n = 0;
	if (r || !a)
		return r;
	if (json_array_size(a) > max)
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The collection %s must not have more than %zu members.", param,
			       max);
	json_array_foreach(a, i, d)
	{
		char p[128];
		const char *name = NULL, *value = NULL;

		if (!json_is_object(d))
			return err_set(e, SW_E_Serialization, "%s must hold objects", param);
		str_fmt(p, sizeof(p), "%s.member.%zu.Name", param, i + 1);
		if ((r = cw_str(d, "Name", p, 1, 255, true, &name, e)))
			return r;
		str_fmt(p, sizeof(p), "%s.member.%zu.Value", param, i + 1);
		if ((r = cw_str(d, "Value", p, 1, 1024, !value_opt, &value, e)))
			return r;
		if (name[0] == ':' || strspn(name, " ") == strlen(name))
			return err_set(e, SW_E_CW_InvalidParameterValue,
				       "The value %s for parameter %s.member.%zu.Name is invalid.",
				       name, param, i + 1);
		for (size_t j = 0; j < *n; j++)
			if (strcmp(out[j].name, name) == 0)
				return err_set(e, SW_E_CW_InvalidParameterValue,
					       "No metric may have duplicate dimension names: "
					       "the dimension %s appears twice in %s.",
					       name, param);
		out[*n].name = name;
		out[*n].value = value;
		(*n)++;
	}
	return 0;
}

static const char *const cw__units[] = {
	"Seconds",
	"Microseconds",
	"Milliseconds",
	"Bytes",
	"Kilobytes",
	"Megabytes",
	"Gigabytes",
	"Terabytes",
	"Bits",
	"Kilobits",
	"Megabits",
	"Gigabits",
	"Terabits",
	"Percent",
	"Count",
	"Bytes/Second",
	"Kilobytes/Second",
	"Megabytes/Second",
	"Gigabytes/Second",
	"Terabytes/Second",
	"Bits/Second",
	"Kilobits/Second",
	"Megabits/Second",
	"Gigabits/Second",
	"Terabits/Second",
	"Count/Second",
	"None",
	NULL,
};

int cw_unit(const json_t *in, const char *key, const char *param, const char **out, struct err *e)
{
	const char *u = NULL;
	int r = json_opt_str(in, key, &u, e);

	if (r || !u)
		return r;
	for (size_t i = 0; cw__units[i]; i++)
		if (strcmp(cw__units[i], u) == 0) {
			*out = cw__units[i];
			return 0;
		}
	return err_set(e, SW_E_CW_InvalidParameterValue,
		       "The value %s for parameter %s is not a valid unit.", u, param);
}

bool cw_stat_simple(const char *s)
{
	static const char *const stats[] = { "SampleCount", "Average", "Sum",
					     "Minimum",	    "Maximum", NULL };

	for (size_t i = 0; stats[i]; i++)
		if (strcmp(stats[i], s) == 0)
			return true;
	return false;
}

bool cw_stat_percentile(const char *s)
{
	const char *p = s + 1;
	size_t digits = 0, frac = 0;
	char *end;
	double v;

	if (s[0] != 'p')
		return false;
	while (p[digits] >= '0' && p[digits] <= '9')
		digits++;
	if (digits == 0 || digits > 3)
		return false;
	if (p[digits] == '.') {
		while (p[digits + 1 + frac] >= '0' && p[digits + 1 + frac] <= '9')
			frac++;
		if (frac == 0 || frac > 10 || p[digits + 1 + frac])
			return false;
	} else if (p[digits])
		return false;
	v = strtod(p, &end);
	return *end == '\0' && v >= 0 && v <= 100;
}

int cw_period(int64_t period, const char *param, struct err *e)
{
	if (period < 1)
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The parameter %s must be greater than 0.", param);
	if (period < 60 && period != 1 && period != 5 && period != 10 && period != 20 &&
	    period != 30)
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The parameter %s must be 1, 5, 10, 20, 30 or a multiple of 60.",
			       param);
	if (period >= 60 && period % 60)
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The parameter %s must be a multiple of 60.", param);
	return 0;
}

char *cw_token_encode(const char *pos)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(pos);
	char *t = malloc(2 * n + 3);

	if (!t)
		return NULL;
	t[0] = 'v';
	t[1] = '1';
	for (size_t i = 0; i < n; i++) {
		t[2 + 2 * i] = hex[(unsigned char)pos[i] >> 4];
		t[3 + 2 * i] = hex[(unsigned char)pos[i] & 15];
	}
	t[2 + 2 * n] = '\0';
	return t;
}

char *cw_token_decode(const char *t)
{
	size_t n = strlen(t);
	char *pos;

	if (n < 2 || t[0] != 'v' || t[1] != '1' || n % 2)
		return NULL;
	if (!(pos = malloc((n - 2) / 2 + 1)))
		return NULL;
	for (size_t i = 0; i < (n - 2) / 2; i++) {
		int hi = hex_digit(t[2 + 2 * i]), lo = hex_digit(t[3 + 2 * i]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(pos);
			return NULL;
		}
		pos[i] = (char)(hi << 4 | lo);
	}
	pos[(n - 2) / 2] = '\0';
	return pos;
}

int cw_invalid(struct err *e)
{
	if (e)
		e->code = SW_E_CW_InvalidParameterValue;
	return -SW_E_CW_InvalidParameterValue;
}
