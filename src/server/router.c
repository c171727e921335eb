/* router: the routing table — X-Amz-Target prefixes, plain paths, then SigV4 scopes. */
#include "router.h"
#include "contract/service.h"
#include "slipwayd.h"
#include "services/s3/s3.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <string.h>

/* ROUTE_UNSIGNED_PATH: exactly this path, unsigned (a signed request there is S3's: a bucket
 * may bear the name); ROUTE_UNSIGNED_PREFIX: a path under this prefix, unsigned (signed, it
 * goes by its scope). */
enum route_kind {
	ROUTE_TARGET,
	ROUTE_PATH,
	ROUTE_UNSIGNED_PATH,
	ROUTE_UNSIGNED_PREFIX,
	ROUTE_SCOPE
};

struct route {
	enum route_kind kind;
	const char *match;
	const struct service *service;
};

static const struct route router__table[] = {
	{ ROUTE_TARGET, "CodeDeploy_20141006.", &codedeploy_service },
	{ ROUTE_TARGET, "CodeDeployCommandService_v20141006.", &commands_service },
	{ ROUTE_TARGET, "GraniteServiceVersion20100801.", &monitoring_service },
	{ ROUTE_TARGET, "Logs_20140328.", &logs_service },
	{ ROUTE_TARGET, "SlipwayTraffic_20261201.", &traffic_service },
	{ ROUTE_PATH, "/healthz", &health_service },
	{ ROUTE_UNSIGNED_PATH, "/metrics", &prometheus_service },
	{ ROUTE_UNSIGNED_PREFIX, "/lambda-url/", &lambda_url_service },
	{ ROUTE_SCOPE, "iam", &iam_service },
	{ ROUTE_SCOPE, "s3", &s3_service },
	{ ROUTE_SCOPE, "codedeploy", &codedeploy_service },
	{ ROUTE_SCOPE, "monitoring", &monitoring_service },
	{ ROUTE_SCOPE, "lambda", &lambda_service },
};

/* The service named in the credential scope, from the Authorization header or presigned query. */
static int router__scope(const struct http_req *req, char *out, size_t size)
{
	const char *authz = http_header(req, "Authorization");
	const char *cred = NULL, *p;
	int slashes = 0;

	if (authz && (p = strstr(authz, "Credential=")))
		cred = p + 11;
	else
		cred = http_query_raw(req, "X-Amz-Credential");
	if (!cred)
		return -1;
	/* AKID/date/region/service/aws4_request (the query form has %2F for '/') */
	for (p = cred; *p && *p != ',' && *p != ' '; p++) {
		bool slash =
		    *p == '/' || (p[0] == '%' && p[1] == '2' && (p[2] == 'F' || p[2] == 'f'));

		if (!slash)
			continue;
		if (++slashes == 3) {
			const char *start = *p == '/' ? p + 1 : p + 3;
			const char *end = start;

			while (*end && *end != '/' && *end != '%')
				end++;
			return str_copyn(out, size, start, (size_t)(end - start));
		}
	}
	return -1;
}

const struct service *router_route(const struct http_req *req)
{
	const char *target = req->target[0] ? req->target : NULL;
	char scope[33] = "";
	bool have_scope = router__scope(req, scope, sizeof(scope)) == 0;

	for (size_t i = 0; i < sizeof(router__table) / sizeof(router__table[0]); i++) {
		const struct route *r = &router__table[i];

		switch (r->kind) {
		case ROUTE_TARGET:
			if (target && str_starts(target, r->match))
				return r->service;
			break;
		case ROUTE_PATH:
			if (!target && str_starts(req->path, r->match))
				return r->service;
			break;
		case ROUTE_UNSIGNED_PATH:
			if (!target && !have_scope && strcmp(req->path, r->match) == 0)
				return r->service;
			break;
		case ROUTE_UNSIGNED_PREFIX:
			if (!target && !have_scope && str_starts(req->path, r->match))
				return r->service;
			break;
		case ROUTE_SCOPE:
			if (!target && have_scope && strcmp(scope, r->match) == 0)
				return r->service;
			break;
		}
	}
	if (target)
		return NULL;
	/* Unsigned requests: anything that is not the JSON root is S3's (it answers
	 * AccessDenied in its own shape), and so is the root of a virtual-hosted bucket. */
	if (!have_scope && (strcmp(req->path, "/") != 0 ||
			    (req->env && s3_addressing(req->env->cfg, http_header(req, "Host"),
						       NULL, 0) == S3_VIRTUAL_HOSTED)))
		return &s3_service;
	return NULL;
}

void router_list_ops(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	const struct service *seen[16];
	size_t nseen = 0;

	for (size_t i = 0; i < sizeof(router__table) / sizeof(router__table[0]); i++) {
		const struct service *s = router__table[i].service;
		bool dup = false;

		for (size_t k = 0; k < nseen; k++)
			dup |= seen[k] == s;
		if (dup || !s->list_ops)
			continue;
		seen[nseen++] = s;
		s->list_ops(fn, arg);
	}
}
