/* lambda_rules: function references, alias routing, version picking and publish-if-changed
 * (model/lambda_rules.h). */
#include "lambda_rules.h"
#include "base/str.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

static bool lambda__chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return n > 0;
}

static bool lambda__digits(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 18 || (s[0] == '0' && n > 1))
		return false;
	return strspn(s, "0123456789") == n;
}

bool lambda_alias_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n <= LAMBDA_ALIAS_MAX && lambda__chars(s, n) && strspn(s, "0123456789") != n;
}

bool lambda_version_published(const char *s)
{
	return lambda__digits(s) && strcmp(s, "0") != 0;
}

bool lambda_version_valid(const char *s)
{
	return strcmp(s, LAMBDA_LATEST) == 0 || lambda_version_published(s);
}

/* The next ':'-separated field of *p into out (NUL-terminated), advancing *p past it. */
static int lambda__field(const char **p, char *out, size_t size)
{
	const char *colon = strchr(*p, ':');
	size_t n = colon ? (size_t)(colon - *p) : strlen(*p);

	if (str_copyn(out, size, *p, n))
		return -1;
	*p += n + (colon ? 1 : 0);
	return colon ? 1 : 0;
}

int lambda_ref_parse(const char *s, size_t max, struct lambda_ref *out, struct err *e)
{
	char f[8][260];
	const char *p = s;
	int nf = 0, more = 1, trunc = 0;

	memset(out, 0, sizeof(*out));
	if (!*s || strlen(s) > max)
		return err_set(
		    e, SW_E_INVALID,
		    "1 validation error detected: Value '%s' at 'functionName' failed to "
		    "satisfy constraint: Member must have length less than or equal to "
		    "%zu",
		    s, max);
	while (more == 1 && nf < 8) {
		more = lambda__field(&p, f[nf], sizeof(f[nf]));
		if (more < 0)
			return err_set(e, SW_E_INVALID, "The function name '%s' is not valid.", s);
		nf++;
	}
	if (more == 1)
		return err_set(e, SW_E_INVALID, "The function name '%s' is not valid.", s);
	if (nf >= 6 && strcmp(f[0], "arn") == 0) {
		/* arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q] */
		if (strncmp(f[1], "aws", 3) || strcmp(f[2], "lambda") || strcmp(f[5], "function") ||
		    nf < 7 || nf > 8)
			return err_set(e, SW_E_INVALID, "The ARN '%s' is not a function's ARN.", s);
		trunc |= str_copy(out->region, sizeof(out->region), f[3]);
		trunc |= str_copy(out->account, sizeof(out->account), f[4]);
		trunc |= str_copy(out->name, sizeof(out->name), f[6]);
		if (nf == 8)
			trunc |= str_copy(out->qualifier, sizeof(out->qualifier), f[7]);
	} else if (nf >= 3 && strcmp(f[1], "function") == 0) {
		/* ACCOUNT:function:NAME[:Q] */
		if (nf > 4)
			return err_set(e, SW_E_INVALID, "The function name '%s' is not valid.", s);
		trunc |= str_copy(out->account, sizeof(out->account), f[0]);
		trunc |= str_copy(out->name, sizeof(out->name), f[2]);
		if (nf == 4)
			trunc |= str_copy(out->qualifier, sizeof(out->qualifier), f[3]);
	} else if (nf <= 2) {
		trunc |= str_copy(out->name, sizeof(out->name), f[0]);
		if (nf == 2)
			trunc |= str_copy(out->qualifier, sizeof(out->qualifier), f[1]);
	} else {
		return err_set(e, SW_E_INVALID, "The function name '%s' is not valid.", s);
	}
	if (trunc || strlen(out->name) > LAMBDA_NAME_MAX ||
	    !lambda__chars(out->name, strlen(out->name)))
		return err_set(e, SW_E_INVALID,
			       "The function name '%s' is not valid: 1 to %d letters, digits, "
			       "hyphens or underscores.",
			       s, LAMBDA_NAME_MAX);
	if (out->account[0] &&
	    (strlen(out->account) != 12 || strspn(out->account, "0123456789") != 12))
		return err_set(e, SW_E_INVALID, "The account id in '%s' is not valid.", s);
	if ((nf == 2 || nf == 4 || nf == 8) && !lambda_version_valid(out->qualifier) &&
	    !lambda_alias_name_valid(out->qualifier))
		return err_set(e, SW_E_INVALID, "The qualifier '%s' is not a version or an alias.",
			       out->qualifier);
	return 0;
}

int lambda_routing_parse(const char *primary, const json_t *weights,
			 bool (*exists)(void *arg, const char *version), void *arg,
			 struct lambda_routing *out, struct err *e)
{
	const char *key;
	json_t *v;

	memset(out, 0, sizeof(*out));
	if (!primary || !lambda_version_valid(primary))
		return err_set(
		    e, SW_E_INVALID,
		    "1 validation error detected: Value '%s' at 'functionVersion' failed "
		    "to satisfy constraint: Member must satisfy regular expression "
		    "pattern: (\\$LATEST|[0-9]+)",
		    primary ? primary : "");
	str_copy(out->primary, sizeof(out->primary), primary);
	if (lambda_version_published(primary) && exists && !exists(arg, primary))
		return err_set(e, SW_E_NOT_FOUND, "Function version %s does not exist.", primary);
	if (!weights || json_object_size(weights) == 0)
		return 0;
	if (!json_is_object(weights))
		return err_set(e, SW_E_INVALID, "AdditionalVersionWeights must be a map.");
	if (json_object_size(weights) > 1)
		return err_set(e, SW_E_INVALID,
			       "Number of items in AdditionalVersionWeights cannot be greater than "
			       "1");
	if (strcmp(primary, LAMBDA_LATEST) == 0)
		return err_set(e, SW_E_INVALID,
			       "$LATEST is not supported for an alias pointing to more than 1 "
			       "version");
	json_object_foreach((json_t *)weights, key, v)
	{
		double w = json_number_value(v);

		if (!lambda_version_published(key))
			return err_set(e, SW_E_INVALID,
				       "1 validation error detected: Value '%s' at "
				       "'routingConfig.additionalVersionWeights' failed to satisfy "
				       "constraint: Map keys must satisfy constraint: [Member must "
				       "satisfy regular expression pattern: [0-9]+]",
				       key);
		if (strcmp(key, primary) == 0)
			return err_set(e, SW_E_INVALID,
				       "Function version %s is already included in routing "
				       "configuration.",
				       key);
		if (!json_is_number(v) || !isfinite(w) || w < 0 || w >= 1)
			return err_set(
			    e, SW_E_INVALID,
			    "The weight of version %s must be at least 0.0 and less than "
			    "1.0.",
			    key);
		if (exists && !exists(arg, key))
			return err_set(e, SW_E_NOT_FOUND, "Function version %s does not exist.",
				       key);
		str_copy(out->secondary, sizeof(out->secondary), key);
		out->weight = w;
	}
	return 0;
}

const char *lambda_routing_pick(const struct lambda_routing *r, double u)
{
	return r->secondary[0] && u < r->weight ? r->secondary : r->primary;
}

bool lambda_publish_needed(const char *latest_code, const char *latest_config,
			   const char *last_code, const char *last_config)
{
	if (!last_code)
		return true;
	return !str_eq(latest_code, last_code) || !str_eq(latest_config, last_config);
}

int lambda_publish_check_sha(const char *want, const char *latest, struct err *e)
{
	if (!want || str_eq(want, latest))
		return 0;
	return err_set(e, SW_E_INVALID,
		       "CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). "
		       "Please try again with the CodeSHA256 in $LATEST.",
		       want, latest ? latest : "");
}

static const char *const lambda__provided[] = { "provided", "provided.al2", "provided.al2023",
						NULL };
static const char *const lambda__python[] = { "python3.8",  "python3.9",  "python3.10",
					      "python3.11", "python3.12", "python3.13",
					      NULL };
static const char *const lambda__node[] = { "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x",
					    NULL };

const char lambda_runtimes_supported[] =
    "provided, provided.al2, provided.al2023, python3.8, python3.9, python3.10, python3.11, "
    "python3.12, python3.13, nodejs16.x, nodejs18.x, nodejs20.x, nodejs22.x";

static bool lambda__in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

enum lambda_runtime_kind lambda_runtime_kind(const char *runtime)
{
	if (!runtime)
		return LAMBDA_RT_UNKNOWN;
	if (lambda__in(lambda__provided, runtime))
		return LAMBDA_RT_PROVIDED;
	if (lambda__in(lambda__python, runtime))
		return LAMBDA_RT_PYTHON;
	if (lambda__in(lambda__node, runtime))
		return LAMBDA_RT_NODE;
	return LAMBDA_RT_UNKNOWN;
}
