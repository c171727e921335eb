/* lambda/invoke: Invoke (reference functions.md §1.6) — RequestResponse through the function
 * runtime, the request parked until the answer; Event into the durable queue (202); DryRun
 * (204) — and the in-flight run that function URLs share. */
#include "lambda.h"
#include "functions/events.h"
#include "model/lambda_events.h"
#include "store/store.h"
#include "base/buf.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAMBDA_CLIENT_CONTEXT_MAX 3583	/* bytes of X-Amz-Client-Context (base64) */
#define LAMBDA_PARK_MARGIN_MS	  30000 /* beyond timeout + init: the runtime always answers */

/* ---- the run of one invocation ---- */

static void lambda__run_unref(struct lambda_run *run)
{
	bool last;

	pthread_mutex_lock(&run->lock);
	last = --run->refs == 0;
	pthread_mutex_unlock(&run->lock);
	if (!last)
		return;
	pthread_mutex_destroy(&run->lock);
	free(run->payload);
	free(run->tail);
	free(run);
}

static void lambda__run_state_free(void *p)
{
	lambda__run_unref(p);
}

struct lambda_run *lambda_run_of(struct http_req *req)
{
	return req->svc_state_free == lambda__run_state_free ? req->svc_state : NULL;
}

/* The runtime's answer (on its thread): keep a copy and wake the request. */
static void lambda__run_done(void *arg, const struct fn_result *r)
{
	struct lambda_run *run = arg;
	char *payload = malloc(r->len + 1), *tail = NULL;

	if (payload) {
		memcpy(payload, r->payload ? r->payload : "", r->len);
		payload[r->len] = '\0';
	}
	if (r->tail_len && (tail = malloc(r->tail_len)))
		memcpy(tail, r->log_tail, r->tail_len);
	pthread_mutex_lock(&run->lock);
	run->outcome = payload ? r->outcome : FN_CRASHED;
	run->payload = payload;
	run->len = payload ? r->len : 0;
	str_copy(run->version, sizeof(run->version), r->version ? r->version : "");
	run->tail = tail;
	run->tail_len = tail ? r->tail_len : 0;
	run->done = true;
	pthread_mutex_unlock(&run->lock);
	http_unpark(run->park, run->key);
	lambda__run_unref(run);
}

int lambda_run_start(struct http_req *req, struct fn_invoke *inv, struct err *e)
{
	struct lambda_run *run = calloc(1, sizeof(*run));
	int r;

	if (!run)
		return err_set(e, SW_E_NOMEM, "no memory for an invocation");
	pthread_mutex_init(&run->lock, NULL);
	run->refs = 2;
	run->park = req->env->park;
	run->wait_ms = (int64_t)inv->target->timeout_s * 1000 + 10000 + LAMBDA_PARK_MARGIN_MS;
	snprintf(run->key, sizeof(run->key), "lambda-run:%s", inv->request_id);
	inv->done = lambda__run_done;
	inv->arg = run;
	r = functions_invoke(req->env->functions, inv, e);
	if (r < 0) {
		pthread_mutex_destroy(&run->lock);
		free(run);
		return r;
	}
	req->svc_state = run;
	req->svc_state_free = lambda__run_state_free;
	return 0;
}

bool lambda_run_ready(struct http_req *req, struct http_resp *resp, struct lambda_run *run)
{
	for (;;) {
		uint64_t gen = http_park_generation(run->park, run->key);
		bool done;

		pthread_mutex_lock(&run->lock);
		done = run->done;
		pthread_mutex_unlock(&run->lock);
		if (done)
			return true;
		switch (http_park(req, run->key, gen, run->wait_ms)) {
		case HTTP_PARKED:
			resp->status = 0;
			return false;
		case HTTP_PARK_RETRY:
			continue;
		case HTTP_PARK_EXPIRED:
			run->expired = true;
			return true;
		}
	}
}

double lambda_uniform(void)
{
	static __thread uint64_t s;

	if (!s) {
		while (!s)
			(void)random_bytes(&s, sizeof(s));
	}
	/* xorshift64*: plenty for routing draws, and no lock */
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return (double)((s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* ---- the Event queue ---- */

struct lambda__event_put {
	struct lambda_event ev;
};

static int lambda__event_put_fn(struct store_conn *c, void *arg, struct err *e)
{
	struct lambda__event_put *p = arg;

	return lambda_event_put(c, &p->ev, time_now_ms(), e);
}

int lambda_event_queue(struct env *env, const char *name, const char *qualifier,
		       const char *invoked_arn, const char *request_id, const void *payload,
		       size_t len, struct err *e)
{
	struct lambda__event_put p = { 0 };
	int r;

	str_copy(p.ev.function, sizeof(p.ev.function), name);
	str_copy(p.ev.qualifier, sizeof(p.ev.qualifier), qualifier ? qualifier : "");
	str_copy(p.ev.invoked_arn, sizeof(p.ev.invoked_arn), invoked_arn);
	str_copy(p.ev.request_id, sizeof(p.ev.request_id), request_id);
	p.ev.payload = malloc(len + 1);
	if (!p.ev.payload)
		return err_set(e, SW_E_NOMEM, "no memory for the event");
	memcpy(p.ev.payload, payload, len);
	p.ev.payload[len] = '\0';
	p.ev.len = len;
	r = store_write(env->store, lambda__event_put_fn, &p, e);
	lambda_event_release(&p.ev);
	if (r == 0)
		fn_events_wake(env->fn_events);
	return r;
}

/* ---- Invoke ---- */

struct lambda__resolve {
	const char *name, *qualifier;
	double u;
	struct lambda_target *t;
};

static int lambda__resolve_fn(struct store_conn *c, void *arg, struct err *e)
{
	struct lambda__resolve *rs = arg;

	return lambda_resolve(c, rs->name, rs->qualifier, rs->u, rs->t, e);
}

int lambda_target_resolve_at(struct env *env, const char *name, const char *qualifier, double u,
			     struct lambda_target *t, struct err *e)
{
	struct lambda__resolve rs = { name, qualifier, u, t };

	return store_read(env->store, lambda__resolve_fn, &rs, e);
}

int lambda_target_resolve(struct env *env, const char *name, const char *qualifier,
			  struct lambda_target *t, struct err *e)
{
	return lambda_target_resolve_at(env, name, qualifier, lambda_uniform(), t, e);
}

/* The function and qualifier of Invoke's path and ?Qualifier=. */
static int lambda__invoke_ref(struct lambda_call *c, struct lambda_ref *ref, struct err *e)
{
	const char *fn = rest_param(c->m, "FunctionName");
	struct buf q;
	int r;

	if (!fn || lambda_ref_parse(fn, 256, ref, e) < 0) {
		if (!fn)
			err_set(e, SW_E_LAMBDA_Validation, "FunctionName is required.");
		e->code = SW_E_LAMBDA_Validation;
		return -SW_E_LAMBDA_Validation;
	}
	if (ref->account[0] && strcmp(ref->account, c->env->account_id) != 0)
		return err_set(e, SW_E_LAMBDA_ResourceNotFound, "Function not found: %s", fn);
	buf_init(&q, LAMBDA_QUALIFIER_MAX + 1);
	r = http_query(c->req, "Qualifier", &q);
	if (r == 0) {
		const char *qs = buf_str(&q);

		if (!lambda_version_valid(qs) && !lambda_alias_name_valid(qs))
			r = err_set(e, SW_E_LAMBDA_Validation,
				    "1 validation error detected: Value '%s' at 'qualifier' failed "
				    "to satisfy constraint: Member must satisfy regular expression "
				    "pattern: (|[a-zA-Z0-9$_-]+)",
				    qs);
		else if (ref->qualifier[0] && strcmp(ref->qualifier, qs) != 0)
			r = err_set(e, SW_E_LAMBDA_InvalidParameterValue,
				    "The derived qualifier from the function name does not match "
				    "the specified qualifier.");
		else
			r = str_copy(ref->qualifier, sizeof(ref->qualifier), qs) < 0
				? err_set(e, SW_E_LAMBDA_Validation, "Qualifier is too long.")
				: 0;
	} else if (r == 1) {
		r = 0;
	} else {
		r = err_set(e, SW_E_LAMBDA_Validation, "Qualifier is too long or not valid.");
	}
	buf_release(&q);
	return r;
}

/* The payload: Lambda accepts any JSON value (an empty body is {}). */
static int lambda__payload(struct lambda_call *c, size_t max, const char *type, const char **p,
			   size_t *len, struct err *e)
{
	json_error_t je;
	json_t *j;

	*p = c->req->body.len ? c->req->body.p : "{}";
	*len = c->req->body.len ? c->req->body.len : 2;
	if (*len > max)
		return err_set(e, SW_E_LAMBDA_RequestTooLarge,
			       "Request must be smaller than %zu bytes for the %s operation", max,
			       type);
	j = json_loadb(*p, *len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!j)
		return err_set(e, SW_E_LAMBDA_InvalidRequestContent,
			       "Could not parse request body into json: Could not parse payload "
			       "into json: %s: at line %d column %d",
			       je.text, je.line, je.column);
	json_decref(j);
	return 0;
}

static void lambda__invoked_arn(const struct lambda_target *t, const struct lambda_ref *ref,
				char *out, size_t size)
{
	size_t n = strlen(t->function_arn);

	str_copy(out, size, t->function_arn);
	if (ref->qualifier[0] && n + 1 < size) {
		out[n] = ':';
		str_copy(out + n + 1, size - n - 1, ref->qualifier);
	}
}

/* RequestResponse, once the runtime answered. */
static int lambda__invoke_reply(struct lambda_call *c, struct lambda_run *run, bool tail)
{
	struct http_resp *resp = c->resp;

	if (run->expired)
		return err_set(c->err, SW_E_LAMBDA_Service,
			       "The invocation did not complete: slipwayd is stopping.");
	resp->status = 200;
	buf_reset(&resp->body);
	if (buf_add(&resp->body, run->payload, run->len) < 0)
		return err_set(c->err, SW_E_LAMBDA_Service, "the response does not fit");
	http_resp_header(resp, "Content-Type", "application/json");
	http_resp_header(resp, "x-amzn-RequestId", c->req->request_id);
	http_resp_header(resp, "X-Amz-Executed-Version", run->version);
	if (run->outcome != FN_OK)
		http_resp_header(resp, "X-Amz-Function-Error", "Unhandled");
	if (tail) {
		char *b64 = malloc(4 * ((run->tail_len + 2) / 3) + 1);

		if (b64) {
			base64_encode((const uint8_t *)(run->tail ? run->tail : ""), run->tail_len,
				      b64);
			http_resp_header(resp, "X-Amz-Log-Result", b64);
			free(b64);
		}
	}
	return 0;
}

static int lambda__client_context(const char *h, char *out, size_t size, struct err *e)
{
	int n;

	if (strlen(h) > LAMBDA_CLIENT_CONTEXT_MAX)
		return err_set(e, SW_E_LAMBDA_InvalidParameterValue,
			       "Client context must be at most %d bytes.",
			       LAMBDA_CLIENT_CONTEXT_MAX);
	n = base64_decode(h, (uint8_t *)out, size - 1);
	if (n < 0)
		return err_set(e, SW_E_LAMBDA_InvalidRequestContent,
			       "Client context must be a valid Base64-encoded JSON object.");
	out[n] = '\0';
	return 0;
}

int lambda_invoke(struct lambda_call *c)
{
	struct http_req *req = c->req;
	struct lambda_run *run = lambda_run_of(req);
	const char *type = http_header(req, "X-Amz-Invocation-Type");
	const char *logtype = http_header(req, "X-Amz-Log-Type");
	const char *cc = http_header(req, "X-Amz-Client-Context");
	struct lambda_ref ref;
	struct lambda_target *t;
	struct fn_invoke inv = { 0 };
	char context[LAMBDA_CLIENT_CONTEXT_MAX];
	const char *payload;
	size_t len;
	int r;

	bool tail = logtype && strcmp(logtype, "Tail") == 0;

	if (run)
		return lambda_run_ready(req, c->resp, run) ? lambda__invoke_reply(c, run, tail) : 0;
	if (!type)
		type = "RequestResponse";
	if (strcmp(type, "RequestResponse") != 0 && strcmp(type, "Event") != 0 &&
	    strcmp(type, "DryRun") != 0)
		return err_set(c->err, SW_E_LAMBDA_Validation,
			       "1 validation error detected: Value '%s' at 'invocationType' failed "
			       "to satisfy constraint: Member must satisfy enum value set: [Event, "
			       "RequestResponse, DryRun]",
			       type);
	if (logtype && strcmp(logtype, "Tail") != 0 && strcmp(logtype, "None") != 0)
		return err_set(
		    c->err, SW_E_LAMBDA_Validation,
		    "1 validation error detected: Value '%s' at 'logType' failed to "
		    "satisfy constraint: Member must satisfy enum value set: [Tail, None]",
		    logtype);
	if (lambda__invoke_ref(c, &ref, c->err) < 0)
		return -c->err->code;
	r = lambda__payload(c, type[0] == 'E' ? FN_EVENT_PAYLOAD_MAX : FN_PAYLOAD_MAX,
			    type[0] == 'E' ? "Event invocation type" : "InvokeFunction", &payload,
			    &len, c->err);
	if (r < 0)
		return r;
	if (cc && lambda__client_context(cc, context, sizeof(context), c->err) < 0)
		return -c->err->code;
	t = malloc(sizeof(*t));
	if (!t)
		return err_set(c->err, SW_E_NOMEM, "no memory for an invocation");
	r = lambda_target_resolve(c->env, ref.name, ref.qualifier, t, c->err);
	if (r < 0)
		goto out;
	lambda__invoked_arn(t, &ref, inv.invoked_arn, sizeof(inv.invoked_arn));
	if (type[0] == 'D') {
		c->resp->status = 204;
		http_resp_header(c->resp, "x-amzn-RequestId", req->request_id);
		goto out;
	}
	if (type[0] == 'E') {
		r = lambda_event_queue(c->env, ref.name, ref.qualifier, inv.invoked_arn,
				       req->request_id, payload, len, c->err);
		if (r == 0) {
			c->resp->status = 202;
			http_resp_header(c->resp, "x-amzn-RequestId", req->request_id);
		}
		goto out;
	}
	inv.target = t;
	inv.payload = payload;
	inv.len = len;
	str_copy(inv.request_id, sizeof(inv.request_id), req->request_id);
	inv.client_context = cc ? context : NULL;
	inv.tail = tail;
	r = lambda_run_start(req, &inv, c->err);
	if (r == 0) {
		run = lambda_run_of(req);
		if (lambda_run_ready(req, c->resp, run))
			r = lambda__invoke_reply(c, run, tail);
	}
out:
	free(t);
	return r;
}
