/* fleet: minimum-healthy-hosts arithmetic, batch choice and instance ordering. */
#include "fleet.h"
#include "base/json.h"

#include <stdlib.h>
#include <string.h>

int fleet_rule_from_config(const json_t *info, struct fleet_rule *out, struct err *e)
{
	const char *name = json_string_value(json_object_get(info, "deploymentConfigName"));
	const json_t *mhh = json_object_get(info, "minimumHealthyHosts");
	const char *type = json_string_value(json_object_get(mhh, "type"));
	const json_t *value = json_object_get(mhh, "value");

	if ((name && strcmp(name, FLEET_ONE_AT_A_TIME_NAME) == 0) ||
	    (type && strcmp(type, "MOST_CONCURRENCY") == 0)) {
		out->type = FLEET_ONE_AT_A_TIME;
		out->value = 0;
		return 0;
	}
	if (!json_is_object(mhh) || !type || !json_is_integer(value))
		return err_set(
		    e, SW_E_InvalidDeploymentConfigName,
		    "deployment configuration '%s' has no minimumHealthyHosts: it is not "
		    "for the Server compute platform",
		    name ? name : "?");
	out->value = json_integer_value(value);
	if (strcmp(type, "HOST_COUNT") == 0 && out->value >= 0) {
		out->type = FLEET_HOST_COUNT;
		return 0;
	}
	if (strcmp(type, "FLEET_PERCENT") == 0 && out->value >= 0 && out->value <= 99) {
		out->type = FLEET_FLEET_PERCENT;
		return 0;
	}
	return err_set(e, SW_E_InvalidDeploymentConfigName,
		       "deployment configuration '%s' has an invalid minimumHealthyHosts (%s %lld)",
		       name ? name : "?", type, (long long)out->value);
}

int fleet_min_healthy(const struct fleet_rule *rule, int64_t n, int64_t *m, struct err *e)
{
	int64_t v;

	switch (rule->type) {
	case FLEET_ONE_AT_A_TIME:
		v = n > 0 ? n - 1 : 0;
		break;
	case FLEET_FLEET_PERCENT:
		/* a percentage of the instances, fractions rounded up */
		v = (n * rule->value + 99) / 100;
		break;
	case FLEET_HOST_COUNT:
	default:
		v = rule->value;
		break;
	}
	*m = v;
	if (n > 0 && v >= n)
		return err_set(
		    e, SW_E_INVALID,
		    "The minimum number of healthy instances (%lld) is not lower than the "
		    "number of instances in the deployment (%lld), so not one of them can "
		    "be taken out of service",
		    (long long)v, (long long)n);
	return 0;
}

int64_t fleet_batch_size(int64_t n, int64_t m)
{
	return n - m > 1 ? n - m : 1;
}

enum fleet_verdict fleet_step(int64_t m, const struct fleet_counts *c, int64_t *start)
{
	int64_t n = c->succeeded + c->failed + c->in_progress + c->remaining;
	int64_t room = n - c->failed - c->in_progress - m;

	*start = 0;
	if (c->remaining == 0 && c->in_progress == 0)
		return c->succeeded >= (m > 1 ? m : 1) ? FLEET_SUCCEEDED : FLEET_FAILED;
	if (c->remaining > 0 && room > 0) {
		*start = room < c->remaining ? room : c->remaining;
		return FLEET_CONTINUE;
	}
	if (c->in_progress == 0)
		return FLEET_FAILED; /* instances remain but none may start */
	return FLEET_CONTINUE;
}

static const char *const fleet__rev_names[] = { "Unknown", "Old", "Current" };

const char *fleet_revision_health_name(enum fleet_revision_health h)
{
	return (unsigned)h < 3 ? fleet__rev_names[h] : "Unknown";
}

enum fleet_revision_health fleet_revision_health_parse(const char *s)
{
	if (s && strcmp(s, "Current") == 0)
		return FLEET_REV_CURRENT;
	if (s && strcmp(s, "Old") == 0)
		return FLEET_REV_OLD;
	return FLEET_REV_UNKNOWN;
}

static int fleet__compare(const void *pa, const void *pb)
{
	const struct fleet_instance *a = pa, *b = pb;

	if (a->healthy != b->healthy)
		return a->healthy ? 1 : -1;
	if (a->revision != b->revision)
		return a->revision < b->revision ? -1 : 1;
	return strcmp(a->name, b->name);
}

void fleet_order(struct fleet_instance *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), fleet__compare);
}
