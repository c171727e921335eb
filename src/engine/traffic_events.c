/* traffic_events: BlockTraffic and AllowTraffic on the deployment's load balancers (see the
 * header).  Every look asks the balancer afresh; nothing is cached between passes. */
#include "traffic_events.h"
#include "traffic/traffic.h"
#include "base/buf.h"
#include "base/str.h"

#include <inttypes.h>
#include <string.h>

#define TEV_LOOK_MS 200 /* how often a drain or a health check is looked at */
/* A drained server's sessions count only this long after the drain: a request HAProxy had
 * already dispatched may not show as a session yet when the drain begins. */
#define TEV_DRAIN_SETTLE_MS 500

static void tev__list(const json_t *lbi, const char *key, struct tev_groups *out)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(lbi, key), i, v)
	{
		const char *name = json_string_value(json_object_get(v, "name"));

		if (name && out->n < sizeof(out->name) / sizeof(out->name[0]))
			out->name[out->n++] = name;
	}
}

void tev_groups_of(const json_t *doc, struct tev_groups *out)
{
	const json_t *lbi = json_object_get(doc, "loadBalancerInfo");

	out->n = 0;
	tev__list(lbi, "targetGroupInfoList", out);
	tev__list(lbi, "elbInfoList", out);
}

bool tev_with_traffic(const json_t *doc)
{
	const json_t *style = json_object_get(doc, "deploymentStyle");
	struct tev_groups g;

	tev_groups_of(doc, &g);
	return g.n > 0 &&
	       (str_eq(json_string_value(json_object_get(style, "deploymentOption")),
		       "WITH_TRAFFIC_CONTROL") ||
		str_eq(json_string_value(json_object_get(style, "deploymentType")), "BLUE_GREEN"));
}

bool tev_is_service_event(const char *name)
{
	return str_eq(name, "BlockTraffic") || str_eq(name, "AllowTraffic");
}

/* The balancer that has target group tg: 0 with its name, or -1 with msg. */
static int tev__lb(const struct engine_options *opt, const char *tg, char *lb, size_t size,
		   char *msg, size_t msize)
{
	struct err e = { 0 };
	int r;

	if (!opt->traffic || traffic_count(opt->traffic) == 0) {
		str_fmt(msg, msize,
			"target group '%s' names a load balancer backend, but slipwayd drives no "
			"load balancer (start it with --load-balancer NAME=SOCKET)",
			tg);
		return -1;
	}
	r = traffic_find(opt->traffic, tg, lb, size, &e);
	if (r == 1)
		return 0;
	if (r < 0)
		str_fmt(msg, msize, "target group '%s': %s", tg, err_message(&e));
	else
		str_fmt(msg, msize,
			"target group '%s' is not a backend of any load balancer slipwayd drives",
			tg);
	return -1;
}

/* "drained in edge/web-tg; " — what was changed before a failure, for the message. */
static void tev__done_part(struct buf *b, const char *what, const char *lb, const char *tg)
{
	buf_addf(b, "%s%s in %s/%s", b->len ? ", " : "", what, lb, tg);
}

static void tev__fail_msg(char *msg, size_t size, const char *why, struct buf *changed)
{
	if (changed->len)
		str_fmt(msg, size, "%s (already done: %s)", why, buf_str(changed));
	else
		str_copy(msg, size, why);
}

enum tev_result tev_start(const struct engine_options *opt, const json_t *doc, const char *instance,
			  const char *event, char *msg, size_t size)
{
	bool block = str_eq(event, "BlockTraffic");
	struct tev_groups g;
	struct buf changed;
	enum tev_result res = TEV_WAIT;

	tev_groups_of(doc, &g);
	buf_init(&changed, 1024);
	for (size_t i = 0; i < g.n; i++) {
		char lb[TRAFFIC_NAME_MAX], why[512];
		struct err e = { 0 };
		int r;

		if (tev__lb(opt, g.name[i], lb, sizeof(lb), why, sizeof(why))) {
			tev__fail_msg(msg, size, why, &changed);
			res = TEV_FAILED;
			break;
		}
		if (block) {
			r = traffic_set_state(opt->traffic, lb, g.name[i], instance, TRAFFIC_DRAIN,
					      &e);
		} else {
			/* HAProxy reports a server leaving maintenance UP at once, before any
			 * check: it is made ready at weight 0 (no traffic) with its health forced
			 * down, so that only its check passing (`rise` times) brings it UP; then
			 * tev_check gives it its weight.  A server without a check is UP at once.
			 */
			r = traffic_set_weight(opt->traffic, lb, g.name[i], instance, 0, &e);
			if (!r)
				r = traffic_set_state(opt->traffic, lb, g.name[i], instance,
						      TRAFFIC_READY, &e);
			if (!r)
				r = traffic_recheck(opt->traffic, lb, g.name[i], instance, &e);
		}
		if (r) {
			str_fmt(why, sizeof(why), "%s: %s", event, err_message(&e));
			tev__fail_msg(msg, size, why, &changed);
			res = TEV_FAILED;
			break;
		}
		tev__done_part(&changed, block ? "drain" : "ready", lb, g.name[i]);
	}
	buf_release(&changed);
	return res;
}

enum tev_result tev_check(const struct engine_options *opt, const json_t *doc, const char *instance,
			  const char *event, int64_t since, int64_t now, bool hold, bool *up,
			  int64_t *timer, char *msg, size_t size)
{
	bool block = str_eq(event, "BlockTraffic");
	int64_t limit = block ? opt->deregistration_delay_ms : opt->allow_traffic_timeout_ms;
	int64_t sessions = 0;
	struct tev_groups g;
	bool all = true;
	char status[64] = "";
	const char *where = "";

	*up = false;
	tev_groups_of(doc, &g);
	for (size_t i = 0; i < g.n; i++) {
		struct traffic_server s;
		char lb[TRAFFIC_NAME_MAX];
		struct err e = { 0 };
		int r;

		if (tev__lb(opt, g.name[i], lb, sizeof(lb), msg, size))
			return TEV_FAILED;
		r = traffic_server_get(opt->traffic, lb, g.name[i], instance, &s, &e);
		if (r <= 0) {
			if (r == 0)
				str_fmt(msg, size,
					"%s: instance '%s' is not a server of backend '%s' on load "
					"balancer '%s'",
					event, instance, g.name[i], lb);
			else
				str_fmt(msg, size, "%s: %s", event, err_message(&e));
			return TEV_FAILED;
		}
		if (block) {
			sessions += s.sessions;
		} else if (!s.up) {
			all = false;
			str_copy(status, sizeof(status), s.status);
			where = g.name[i];
		}
	}
	if (block && sessions == 0 && now - since < TEV_DRAIN_SETTLE_MS && now - since < limit) {
		*timer = since + TEV_DRAIN_SETTLE_MS;
		return TEV_WAIT;
	}
	if (block && (sessions == 0 || now - since >= limit)) {
		struct buf changed;
		enum tev_result res = TEV_DONE;

		buf_init(&changed, 1024);
		for (size_t i = 0; i < g.n; i++) {
			char lb[TRAFFIC_NAME_MAX];
			struct err e = { 0 };

			if (tev__lb(opt, g.name[i], lb, sizeof(lb), msg, size) ||
			    traffic_set_state(opt->traffic, lb, g.name[i], instance, TRAFFIC_MAINT,
					      &e)) {
				char why[512];

				if (err_message(&e)[0])
					str_fmt(why, sizeof(why), "BlockTraffic: %s",
						err_message(&e));
				else
					str_copy(why, sizeof(why), msg);
				tev__fail_msg(msg, size, why, &changed);
				res = TEV_FAILED;
				break;
			}
			tev__done_part(&changed, "maint", lb, g.name[i]);
		}
		if (res == TEV_DONE && sessions == 0)
			str_fmt(msg, size, "drained in %.1f s; out of traffic (maintenance): %s",
				(double)(now - since) / 1000.0, buf_str(&changed));
		else if (res == TEV_DONE)
			str_fmt(msg, size,
				"the deregistration delay (%" PRId64 " s) passed with %" PRId64
				" sessions still open; out of traffic (maintenance): %s",
				limit / 1000, sessions, buf_str(&changed));
		buf_release(&changed);
		return res;
	}
	if (!block && all) {
		*up = true;
		if (!hold) {
			if (tev_set_weight(opt, doc, instance, TEV_WEIGHT_CONFIGURED, msg, size))
				return TEV_FAILED;
			str_fmt(msg, size, "in traffic: the health check passed after %.1f s",
				(double)(now - since) / 1000.0);
			return TEV_DONE;
		}
	} else if (!block && now - since >= limit) {
		str_fmt(msg, size,
			"AllowTraffic: the health check of instance '%s' in target group '%s' did "
			"not pass within %" PRId64 " s (status %s)",
			instance, where, limit / 1000, status);
		return TEV_FAILED;
	}
	*timer = now + TEV_LOOK_MS;
	if (!block && !*up && since + limit < *timer)
		*timer = since + limit;
	return TEV_WAIT;
}

int tev_set_weight(const struct engine_options *opt, const json_t *doc, const char *instance,
		   int weight, char *msg, size_t size)
{
	struct tev_groups g;

	tev_groups_of(doc, &g);
	for (size_t i = 0; i < g.n; i++) {
		char lb[TRAFFIC_NAME_MAX];
		struct err e = { 0 };

		if (tev__lb(opt, g.name[i], lb, sizeof(lb), msg, size))
			return -SW_E_INVALID;
		if (traffic_set_weight(opt->traffic, lb, g.name[i], instance, weight, &e)) {
			str_fmt(msg, size, "weight of '%s' in %s/%s: %s", instance, lb, g.name[i],
				err_message(&e));
			return -SW_E_IO;
		}
	}
	return 0;
}
