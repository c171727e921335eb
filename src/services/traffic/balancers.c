/* traffic/balancers: Slipway's load-balancer API (a Slipway extension, AWS JSON 1.1 under
 * X-Amz-Target `SlipwayTraffic_20261201.`, SigV4 service `slipway-traffic`): the declared
 * balancers and, for one, its backends and servers as HAProxy reports them now.  What `slipway
 * lb list|show` and `slipway deploy watch` read.  Administrators only (no operation is
 * OP_INSTANCE_OK). */
#include "errors.h"
#include "contract/env.h"
#include "contract/service.h"
#include "base/json.h"
#include "base/str.h"
#include "traffic/traffic.h"

#include <string.h>

#define TRAFFIC_TARGET_PREFIX "SlipwayTraffic_20261201."

/* serving | draining | out | down: what a person wants to know of a server's traffic. */
static const char *traffic__state(const struct traffic_server *s)
{
	if (s->maint)
		return "out";
	if (s->draining)
		return "draining";
	if (s->up)
		return s->weight > 0 ? "serving" : "out";
	return "down";
}

static json_t *traffic__counters(const struct traffic_server *s)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "sessions",
			 (json_int_t)s->sessions, "requests", (json_int_t)s->requests, "http2xx",
			 (json_int_t)s->http_2xx, "http3xx", (json_int_t)s->http_3xx, "http4xx",
			 (json_int_t)s->http_4xx, "http5xx", (json_int_t)s->http_5xx,
			 "connectErrors", (json_int_t)s->connect_errors, "responseErrors",
			 (json_int_t)s->response_errors, "responseTimeMs", (json_int_t)s->rtime_ms);
}

static json_t *traffic__server(const struct traffic_server *s)
{
	json_t *j = traffic__counters(s);

	json_object_set_new(j, "name", json_string(s->name));
	json_object_set_new(j, "status", json_string(s->status));
	json_object_set_new(j, "state", json_string(traffic__state(s)));
	json_object_set_new(j, "weight", json_integer(s->weight));
	json_object_set_new(j, "checked", json_boolean(s->checked));
	return j;
}

static json_t *traffic__backend(const struct traffic_backend *b)
{
	json_t *j = traffic__counters(&b->total), *servers = json_array();

	json_object_set_new(j, "name", json_string(b->name));
	json_object_set_new(j, "status", json_string(b->total.status));
	for (size_t i = 0; i < b->nservers; i++)
		json_array_append_new(servers, traffic__server(&b->servers[i]));
	json_object_set_new(j, "servers", servers);
	return j;
}

static int ListLoadBalancers(struct call *c)
{
	struct traffic *t = c->env->traffic;
	json_t *list = json_array();

	for (size_t i = 0; i < traffic_count(t); i++) {
		const struct traffic_decl *d = traffic_decl_at(t, i);
		json_t *lb = json_pack("{s:s,s:s,s:s}", "name", d->name, "socket", d->socket,
				       "driver", traffic_haproxy.name);
		json_t *names = json_array();
		struct traffic_backend *v;
		size_t n;
		struct err why = { 0 };

		if (traffic_backends(t, d->name, &v, &n, &why) < 0) {
			json_object_set_new(lb, "reachable", json_false());
			json_object_set_new(lb, "error", json_string(err_message(&why)));
		} else {
			json_object_set_new(lb, "reachable", json_true());
			for (size_t j = 0; j < n; j++)
				json_array_append_new(names, json_string(v[j].name));
			traffic_backends_free(v, n);
		}
		json_object_set_new(lb, "backends", names);
		json_array_append_new(list, lb);
	}
	c->out = json_pack("{s:o}", "loadBalancers", list);
	return 0;
}

static int GetLoadBalancer(struct call *c)
{
	struct traffic *t = c->env->traffic;
	const char *name = NULL, *tg = NULL;
	const struct traffic_decl *d = NULL;
	struct traffic_backend *v;
	size_t n;
	int r;

	if ((r = json_opt_str(c->in, "name", &name, c->err)) ||
	    (r = json_opt_str(c->in, "targetGroup", &tg, c->err)))
		return r;
	if (!name || !name[0])
		return err_set(c->err, -SW_E_INVALID, "name is required: the load balancer's name");
	for (size_t i = 0; i < traffic_count(t) && !d; i++)
		if (strcmp(traffic_decl_at(t, i)->name, name) == 0)
			d = traffic_decl_at(t, i);
	if (!d)
		return err_set(
		    c->err, -SW_E_LoadBalancerNotFound,
		    "No load balancer '%.64s' is declared to slipwayd (--load-balancer).", name);
	struct err why = { 0 };

	if (traffic_backends(t, name, &v, &n, &why) < 0)
		return err_set(c->err, -SW_E_LoadBalancerUnavailable, "%s", err_message(&why));

	json_t *backends = json_array();
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		if (tg && strcmp(v[i].name, tg) != 0)
			continue;
		found = true;
		json_array_append_new(backends, traffic__backend(&v[i]));
	}
	traffic_backends_free(v, n);
	if (tg && !found) {
		json_decref(backends);
		return err_set(c->err, -SW_E_TargetGroupNotFound,
			       "Load balancer '%s' has no backend '%.128s'.", name, tg);
	}
	c->out = json_pack("{s:s,s:s,s:s,s:o}", "name", d->name, "socket", d->socket, "driver",
			   traffic_haproxy.name, "backends", backends);
	return 0;
}

static const struct json_op traffic__ops[] = {
	{ "ListLoadBalancers", ListLoadBalancers, 0 },
	{ "GetLoadBalancer", GetLoadBalancer, 0 },
	{ NULL, NULL, 0 },
};

static const struct json_op *const traffic__tables[] = { traffic__ops, NULL };
static const struct json_service traffic__json = {
	.target_prefix = TRAFFIC_TARGET_PREFIX,
	.tables = traffic__tables,
};

static void traffic_handle(struct http_req *req, struct http_resp *resp)
{
	json_proto_handle(&traffic__json, req, resp);
}

static void traffic_list(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	json_proto_list(&traffic__json, "SlipwayTraffic", fn, arg);
}

static const char *const traffic__signing[] = { "slipway-traffic", NULL };

const struct service traffic_service = {
	.name = "slipway-traffic",
	.signing_names = traffic__signing,
	.handle = traffic_handle,
	.error = json_proto_error,
	.list_ops = traffic_list,
};
