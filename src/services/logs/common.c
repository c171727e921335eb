/* logs/common: validation, ARNs and page tokens shared by the Logs resource files. */
#include "common.h"
#include "base/crypto.h"
#include "base/str.h"

#include <inttypes.h>
#include <string.h>

int logs_invalid(struct err *e, const char *member, const char *value, const char *why)
{
	if (!value)
		return err_set(e, SW_E_LOGS_InvalidParameter,
			       "1 validation error detected: Value null at '%s' failed to satisfy "
			       "constraint: %s",
			       member, why);
	return err_set(e, SW_E_LOGS_InvalidParameter,
		       "1 validation error detected: Value '%.*s' at '%s' failed to satisfy "
		       "constraint: %s",
		       64, value, member, why);
}

static bool logs__group_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_' || c == '/' || c == '#';
}

static int logs__group_check(const char *key, const char *v, struct err *e)
{
	size_t n = strlen(v);

	if (n < 1 || n > LOGS_NAME_MAX)
		return logs_invalid(e, key, v, "Member must have length between 1 and 512");
	for (size_t i = 0; i < n; i++) {
		if (!logs__group_char(v[i]))
			return logs_invalid(e, key, v,
					    "Member must satisfy regular expression pattern: "
					    "[\\.\\-_/#A-Za-z0-9]+");
	}
	return 0;
}

int logs_group_name(const json_t *in, const char *key, const char **out, struct err *e)
{
	const char *v = NULL;
	int r = json_opt_str(in, key, &v, e);

	if (r)
		return r;
	if (!v)
		return logs_invalid(e, key, NULL, "Member must not be null");
	r = logs__group_check(key, v, e);
	if (!r)
		*out = v;
	return r;
}

int logs_group_ref(const json_t *in, char out[LOGS_NAME_MAX + 1], struct err *e)
{
	const char *name = NULL, *id = NULL, *p;
	int r = json_opt_str(in, "logGroupName", &name, e);

	if (!r)
		r = json_opt_str(in, "logGroupIdentifier", &id, e);
	if (r)
		return r;
	if (name && id)
		return err_set(e, SW_E_LOGS_InvalidParameter,
			       "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
	if (!id) {
		r = logs_group_name(in, "logGroupName", &name, e);
		if (!r)
			str_copy(out, LOGS_NAME_MAX + 1, name);
		return r;
	}
	p = str_starts(id, "arn:") ? strstr(id, ":log-group:") : NULL;
	if (p) {
		size_t n;

		p += strlen(":log-group:");
		n = strlen(p);
		if (str_ends(p, ":*"))
			n -= 2;
		if (n > LOGS_NAME_MAX)
			return logs_invalid(e, "logGroupIdentifier", id,
					    "Member must have length between 1 and 512");
		str_copyn(out, LOGS_NAME_MAX + 1, p, n);
	} else {
		if (strlen(id) > LOGS_NAME_MAX)
			return logs_invalid(e, "logGroupIdentifier", id,
					    "Member must have length between 1 and 512");
		str_copy(out, LOGS_NAME_MAX + 1, id);
	}
	return logs__group_check("logGroupIdentifier", out, e);
}

int logs_stream_name(const json_t *in, const char *key, const char **out, struct err *e)
{
	const char *v = NULL;
	int r = json_opt_str(in, key, &v, e);
	size_t n;

	if (r)
		return r;
	if (!v)
		return logs_invalid(e, key, NULL, "Member must not be null");
	n = strlen(v);
	if (n < 1 || n > LOGS_NAME_MAX)
		return logs_invalid(e, key, v, "Member must have length between 1 and 512");
	if (strpbrk(v, ":*"))
		return logs_invalid(e, key, v,
				    "Member must satisfy regular expression pattern: [^:*]*");
	*out = v;
	return 0;
}

int logs_opt_range(const json_t *in, const char *key, int64_t min, int64_t max, int64_t *out,
		   struct err *e)
{
	int64_t v = *out;
	int r = json_opt_int(in, key, &v, e);
	char text[32];

	if (r)
		return r;
	if (v < min || v > max) {
		char why[96];

		str_fmt(text, sizeof(text), "%" PRId64, v);
		str_fmt(why, sizeof(why), "Member must have value between %" PRId64 " and %" PRId64,
			min, max);
		return logs_invalid(e, key, text, why);
	}
	*out = v;
	return 0;
}

void logs_group_arn(const struct env *env, const char *group, bool star, char *out, size_t size)
{
	str_fmt(out, size, "arn:aws:logs:%s:%s:log-group:%s%s", env->cfg->region, env->account_id,
		group, star ? ":*" : "");
}

void logs_stream_arn(const struct env *env, const char *group, const char *stream, char *out,
		     size_t size)
{
	str_fmt(out, size, "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", env->cfg->region,
		env->account_id, group, stream);
}

int logs_bad_token(struct err *e)
{
	return err_set(e, SW_E_LOGS_InvalidParameter, "The specified nextToken is invalid.");
}

void logs_token_encode(char tag, int64_t num, const char *s, char *out, size_t size)
{
	size_t n = strlen(s), at;

	str_fmt(out, size, "%c/%020" PRId64 "/", tag, num);
	at = strlen(out);
	if (at + 2 * n + 1 > size) {
		out[0] = '\0';
		return;
	}
	hex_encode((const uint8_t *)s, n, out + at);
}

int logs_token_decode(const char *token, char tag, int64_t *num, char *s, size_t size,
		      struct err *e)
{
	char digits[21];
	const char *hex;
	size_t n;

	if (strlen(token) < 24 || token[0] != tag || token[1] != '/' || token[22] != '/')
		return logs_bad_token(e);
	str_copyn(digits, sizeof(digits), token + 2, 20);
	hex = token + 23;
	n = strlen(hex);
	if (str_to_i64(digits, INT64_MIN, INT64_MAX, num) || n % 2 || n / 2 >= size ||
	    hex_decode(hex, (uint8_t *)s, n / 2))
		return logs_bad_token(e);
	s[n / 2] = '\0';
	if (strlen(s) != n / 2)
		return logs_bad_token(e);
	return 0;
}
