/* service: what a protocol front (JSON 1.1, query, REST-XML, plain) plugs into the router. */
#ifndef SW_SERVICE_H
#define SW_SERVICE_H

#include "contract/authz.h"
#include "contract/http.h"

#include <jansson.h>

struct service {
	const char *name; /* "codedeploy", "s3", "iam", … */
	/* The services a SigV4 credential scope may name (NULL-terminated); NULL: just `name`. */
	const char *const *signing_names;
	bool anonymous; /* no signature needed (health, metrics) */
	/* Buffered request bodies may come gzip-compressed (Content-Encoding: gzip, botocore's
	 * request compression): the server inflates them, after the signature check over the
	 * compressed bytes, before handle() sees them. */
	bool gzip_bodies;
	/* Headers are in and the caller is authenticated (when the body is not signed yet,
	 * authentication happens later): a service may install req->sink to stream the body.
	 * Optional. */
	int (*begin)(struct http_req *req, struct err *e);
	/* The whole request is in and authenticated: fill resp. */
	void (*handle)(struct http_req *req, struct http_resp *resp);
	/* Writes e in the protocol's error shape. */
	void (*error)(struct http_req *req, struct http_resp *resp, const struct err *e);
	/* Authorisation (contract/authz.h): the rule of each operation it lists, ended by a row
	 * with op NULL.  NULL only for a service whose callers are not AWS principals (health,
	 * metrics, function URLs). */
	const struct authz_rule *authz;
	/* Optional: the value of a template parameter that the request does not carry as such
	 * (a deployment id's group, GetUser's caller …); in is the JSON body for JSON fronts, else
	 * NULL.  Returns as authz_param_fn does; 0 lets the front look in the request itself. */
	int (*authz_param)(struct http_req *req, json_t *in, const char *op, const char *name,
			   char *out, size_t size, struct err *e);
	/* Lists the operations for documentation: calls fn for each (implemented or not). */
	void (*list_ops)(void (*fn)(const char *service, const char *op, bool implemented,
				    void *arg),
			 void *arg);
};

/* ---- AWS JSON 1.1 ---- */

/* One call of a JSON operation. */
struct call {
	struct env *env;
	struct http_req *req;
	const struct principal *who;
	json_t *in;  /* the request body (an object) */
	json_t *out; /* the handler's reply (a new reference) or NULL for {} */
	struct err *err;
};

#define OP_INSTANCE_OK 1u /* callable by a user bound to an on-premises instance */

struct json_op {
	const char *name;
	int (*fn)(struct call *c); /* NULL: not implemented yet */
	unsigned flags;
};

/* A JSON 1.1 service: the X-Amz-Target prefix and its operation tables (NULL-terminated list
 * of tables, each ending in a { NULL } row). */
struct json_service {
	const char *target_prefix; /* "CodeDeploy_20141006." */
	const struct json_op *const *tables;
	const char *content_type; /* NULL: "application/x-amz-json-1.1" */
	/* Writes an error in the service's shape; NULL: json_proto_error (JSON 1.1). */
	void (*error)(struct http_req *req, struct http_resp *resp, const struct err *e);
};

void json_proto_handle(const struct json_service *svc, struct http_req *req,
		       struct http_resp *resp);
/* The operation opname of svc, when who may call it; else NULL with e set: UnknownOperation,
 * NotImplemented (no handler yet) or AccessDenied.  For a front of another protocol over the
 * same tables (CloudWatch's query and CBOR fronts). */
const struct json_op *json_proto_op(const struct json_service *svc, const char *opname,
				    const struct principal *who, struct err *e);
#define JSON_11_CONTENT_TYPE "application/x-amz-json-1.1"

/* The JSON 1.1 error: status, `{"__type", "message"}`, Content-Type, x-amzn-RequestId and
 * x-amzn-ErrorType. */
void json_proto_error(struct http_req *req, struct http_resp *resp, const struct err *e);
/* The part every JSON front's error shares (no x-amzn-ErrorType): a front with its own error
 * shape calls it and adds its headers. */
void json_proto_error_body(struct http_req *req, struct http_resp *resp, const struct err *e,
			   const char *content_type);
void json_proto_list(const struct json_service *svc, const char *name,
		     void (*fn)(const char *, const char *, bool, void *), void *arg);

/* ---- AWS query (IAM, CloudWatch) ---- */

struct query_call {
	struct env *env;
	struct http_req *req;
	const struct principal *who;
	const struct sigv4_kv *params; /* decoded form fields */
	size_t nparams;
	struct buf *result; /* the handler appends the inner XML of <ActionResult> */
	struct err *err;
};

struct query_op {
	const char *name;
	int (*fn)(struct query_call *c);
};

struct query_service {
	const char *xmlns;
	const struct query_op *ops; /* ends in { NULL } */
};

const char *query_param(const struct query_call *c, const char *name);
void query_proto_handle(const struct query_service *svc, struct http_req *req,
			struct http_resp *resp);
void query_proto_error(struct http_req *req, struct http_resp *resp, const struct err *e);

/* The services the router knows. */
extern const struct service codedeploy_service;
extern const struct service commands_service;
extern const struct service iam_service;
extern const struct service s3_service;
extern const struct service monitoring_service; /* CloudWatch metrics and alarms */
extern const struct service logs_service;	/* CloudWatch Logs */
extern const struct service lambda_service;	/* Lambda: functions */
extern const struct service lambda_url_service; /* unsigned requests to function URLs */
extern const struct service traffic_service;	/* Slipway's load balancers (extension) */
extern const struct service health_service;
extern const struct service prometheus_service; /* GET /metrics */

#endif
