/* lambda/urls: Create/Get/Update/Delete/ListFunctionUrlConfigs.  A URL is served on slipwayd's
 * own port under /lambda-url/<url-id>/ (url.c, the lead's), so FunctionUrl is
 * http://HOST:PORT/lambda-url/<url-id>/ with the Host the caller used. */
#include "lambda.h"
#include "base/str.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

struct lambda__urlop {
	struct lambda_call *c;
	struct lambda_ref ref;
	const char *auth;
	char *cors; /* JSON text, "" to clear, NULL to keep */
	enum { URL_CREATE, URL_GET, URL_UPDATE, URL_DELETE, URL_LIST } what;
	json_t *items;
};

static json_t *lambda__url_view(const struct lambda_call *c, const struct lambda_url *u)
{
	const char *host = http_header(c->req, "Host");
	char url[512], arn[LAMBDA_ARN_MAX + LAMBDA_QUALIFIER_MAX + 2];
	size_t n;
	json_t *o;

	if (host && strlen(host) < 256 && !strpbrk(host, "/\"\\ "))
		str_fmt(url, sizeof(url), "http://%s/lambda-url/%s/", host, u->url_id);
	else
		str_fmt(url, sizeof(url), "http://%s:%d/lambda-url/%s/", c->env->cfg->listen_host,
			c->env->cfg->listen_port, u->url_id);
	lambda_fn_arn(c, u->function, arn, sizeof(arn));
	if (strcmp(u->qualifier, LAMBDA_LATEST) != 0) {
		n = strlen(arn);
		str_fmt(arn + n, sizeof(arn) - n, ":%s", u->qualifier);
	}
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "FunctionUrl", url, "FunctionArn", arn,
		      "AuthType", u->auth_type, "CreationTime", u->created, "LastModifiedTime",
		      u->last_modified, "InvokeMode", u->invoke_mode);
	if (o && u->cors[0]) {
		json_t *cors = json_loads(u->cors, 0, NULL);

		if (cors)
			json_object_set_new(o, "Cors", cors);
	}
	return o;
}

static int lambda__url_add(void *arg, const struct lambda_url *u)
{
	struct lambda__urlop *o = arg;

	return json_array_append_new(o->items, lambda__url_view(o->c, u)) ? -SW_E_NOMEM : 0;
}

static int lambda__url_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__urlop *o = arg;
	struct lambda_url u;
	int r;

	switch (o->what) {
	case URL_CREATE:
	case URL_UPDATE:
		r = lambda_url_put(sc, o->ref.name, o->ref.qualifier, o->what == URL_CREATE,
				   o->auth, o->cors, &u, e);
		break;
	case URL_GET:
		r = lambda_url_get(sc, o->ref.name, o->ref.qualifier, &u, e);
		break;
	case URL_DELETE:
		return lambda_url_delete(sc, o->ref.name, o->ref.qualifier, e);
	default:
		o->items = json_array();
		o->c->out = json_pack("{s:o}", "FunctionUrlConfigs", o->items);
		return lambda_urls_walk(sc, o->ref.name, lambda__url_add, o, e);
	}
	if (r == 0) {
		json_decref(o->c->out);
		o->c->out = lambda__url_view(o->c, &u);
		if (o->what == URL_CREATE)
			json_object_del(o->c->out, "LastModifiedTime");
	}
	return r;
}

/* Cors: AllowCredentials, AllowHeaders, AllowMethods, AllowOrigins, ExposeHeaders, MaxAge. */
static int lambda__cors(struct lambda_call *c, struct lambda__urlop *o)
{
	const json_t *cors = json_object_get(c->in, "Cors");
	static const char *const lists[] = { "AllowHeaders", "AllowMethods", "AllowOrigins",
					     "ExposeHeaders", NULL };
	const char *k;
	json_t *v;

	if (!cors)
		return 0;
	if (json_is_null(cors)) {
		o->cors = str_dup("");
		return o->cors ? 0 : err_set(c->err, SW_E_NOMEM, "out of memory");
	}
	if (!json_is_object(cors))
		return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
			       "Cors must be an object.");
	json_object_foreach((json_t *)cors, k, v)
	{
		bool ok = false;

		for (size_t i = 0; lists[i]; i++)
			if (strcmp(k, lists[i]) == 0) {
				size_t j;
				json_t *x;

				ok = json_is_array(v) && json_array_size(v) <= 100;
				json_array_foreach(v, j, x) ok = ok && json_is_string(x);
			}
		if (strcmp(k, "AllowCredentials") == 0)
			ok = json_is_boolean(v);
		if (strcmp(k, "MaxAge") == 0)
			ok = json_is_integer(v) && json_integer_value(v) >= 0 &&
			     json_integer_value(v) <= 86400;
		if (!ok)
			return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
				       "The Cors member %s is not valid.", k);
	}
	o->cors = json_dumps(cors, JSON_COMPACT | JSON_SORT_KEYS);
	if (!o->cors || strlen(o->cors) >= LAMBDA_CORS_MAX)
		return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue, "Cors is too large.");
	return 0;
}

static int lambda__url(struct lambda_call *c, struct lambda__urlop *o)
{
	char q[LAMBDA_QUALIFIER_MAX + 1];
	const json_t *auth = json_object_get(c->in, "AuthType");
	int r = lambda_fn_ref(c, &o->ref);

	o->c = c;
	if (r < 0)
		return r;
	if (lambda_query(c, "Qualifier", q, sizeof(q)))
		str_copy(o->ref.qualifier, sizeof(o->ref.qualifier), q);
	else if (c->err->code)
		return -c->err->code;
	if (o->what != URL_LIST) {
		if (!o->ref.qualifier[0])
			str_copy(o->ref.qualifier, sizeof(o->ref.qualifier), LAMBDA_LATEST);
		if (lambda_version_published(o->ref.qualifier))
			return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
				       "Function URLs are for $LATEST or an alias, not a version: "
				       "%s",
				       o->ref.qualifier);
	}
	if (o->what == URL_CREATE || o->what == URL_UPDATE) {
		if (o->what == URL_CREATE && !auth)
			return err_set(
			    c->err, SW_E_LAMBDA_Validation,
			    "1 validation error detected: Value null at 'authType' failed "
			    "to satisfy constraint: Member must not be null");
		o->auth = json_string_value(auth);
		if (auth && (!o->auth || (strcmp(o->auth, "NONE") && strcmp(o->auth, "AWS_IAM"))))
			return err_set(c->err, SW_E_LAMBDA_Validation,
				       "1 validation error detected: Value at 'authType' failed to "
				       "satisfy constraint: Member must satisfy enum value set: "
				       "[NONE, AWS_IAM]");
		const char *mode = json_string_value(json_object_get(c->in, "InvokeMode"));

		if (mode && strcmp(mode, "BUFFERED") != 0)
			return err_set(
			    c->err, SW_E_LAMBDA_InvalidParameterValue,
			    "InvokeMode %s is not supported by Slipway: only BUFFERED is.", mode);
		r = lambda__cors(c, o);
		if (r < 0)
			return r;
	}
	r = o->what == URL_GET || o->what == URL_LIST
		? store_read(c->env->store, lambda__url_tx, o, c->err)
		: store_write(c->env->store, lambda__url_tx, o, c->err);
	return r;
}

#define LAMBDA__URL_OP(fn, w)                           \
	int fn(struct lambda_call *c)                   \
	{                                               \
		struct lambda__urlop o = { .what = w }; \
		int r = lambda__url(c, &o);             \
                                                        \
		free(o.cors);                           \
		return r;                               \
	}

LAMBDA__URL_OP(lambda_op_create_function_url_config, URL_CREATE)
LAMBDA__URL_OP(lambda_op_get_function_url_config, URL_GET)
LAMBDA__URL_OP(lambda_op_update_function_url_config, URL_UPDATE)
LAMBDA__URL_OP(lambda_op_delete_function_url_config, URL_DELETE)
LAMBDA__URL_OP(lambda_op_list_function_url_configs, URL_LIST)
