/* agentchannel/service: the CodeDeploy Commands API the host agents speak (JSON 1.1,
 * `CodeDeployCommandService_v20141006.*`, PascalCase members; docs/compatibility.md §6.2–6.4).
 *
 * The caller is the instance whose IAM user signed the request (req->who), never a body field:
 * HostIdentifier must be that instance's IAM user ARN (or its instance ARN), and only the
 * instance a host command belongs to may acknowledge, update or complete it.  Agents' reports
 * are recorded on the host command and the engine is woken; the engine decides what follows.
 *
 * Choices:
 * - PollHostCommand holds an idle agent for the poll timeout (--poll-timeout, default 60 s) on a
 *   parked request (contract/park.h) and answers {"HostCommand": null} when nothing came.
 * - HostCommandIdentifier is an opaque "hc-<uuid>"; Nonce is a random positive number.
 * - The specification (spec.c) has exactly the members the AWS service sends, the S3 object's
 *   ETag pinned when the deployment was created; docs/compatibility.md lists them.
 * - Agent error codes map to LifecycleErrorCode as 0 Success, 1 ScriptMissing,
 *   2 ScriptNotExecutable, 3 ScriptTimedOut, 4 ScriptFailed, 5 UnknownError,
 *   6 (outputs left open) ScriptFailed, 7 (failed after an agent restart) UnknownError; the
 *   agent's message says which it was.  The log tail keeps the last 4 KiB.
 * - A report on a command the engine already closed (timed out, cancelled) is acknowledged and
 *   ignored; an acknowledgement of such a command answers its final CommandStatus so the agent
 *   does not run it.
 */
#include "channel.h"
#include "spec.h"
#include "model/deploy.h"
#include "engine/engine.h"
#include "model/host_commands.h"
#include "model/selfmon.h"
#include "model/targets.h"
#include "contract/service.h"
#include "contract/env.h"
#include "store/store.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/log.h"
#include "base/pkcs7.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <stdlib.h>
#include <string.h>

#define CMD_TARGET_PREFIX "CodeDeployCommandService_v20141006."
#define CMD_LOG_TAIL_MAX  4096
#define CMD_MESSAGE_MAX	  2048
#define CMD_ID_MAX	  64

/* The calling instance; HostIdentifier (when key is not NULL) must name it. */
static int cmd__caller(const struct http_req *req, const json_t *in, const char *key,
		       const char **host, struct err *e)
{
	const char *h = NULL;
	int r;

	if (req->who.kind != PRINCIPAL_INSTANCE || !req->who.instance[0])
		return err_set(e, SW_E_ClientException,
			       "%s is not bound to a registered on-premises instance: the agent "
			       "must sign with its instance's IAM user key",
			       req->who.user_arn);
	if (!key)
		return 0;
	r = json_opt_str(in, key, &h, e);
	if (r)
		return err_set(e, SW_E_ClientException, "%s must be a string", key);
	if (!h || !*h)
		return err_set(e, SW_E_ClientException, "%s is required", key);
	if (strcmp(h, req->who.user_arn) != 0 && strcmp(h, req->who.instance_arn) != 0)
		return err_set(e, SW_E_ClientException,
			       "%s '%.200s' is not the calling instance '%s' (%s)", key, h,
			       req->who.instance, req->who.user_arn);
	if (host)
		*host = h;
	return 0;
}

static int cmd__id_arg(const json_t *in, const char **out, struct err *e)
{
	const char *id = NULL;

	if (json_opt_str(in, "HostCommandIdentifier", &id, e) || !id || !*id ||
	    strlen(id) > CMD_ID_MAX)
		return err_set(e, SW_E_ClientException, "HostCommandIdentifier is required");
	*out = id;
	return 0;
}

static void cmd__reply(struct http_req *req, struct http_resp *resp, json_t *out)
{
	char *s = json_dump(out);

	resp->status = 200;
	buf_reset(&resp->body);
	buf_adds(&resp->body, s ? s : "{}");
	free(s);
	http_resp_header(resp, "Content-Type", "application/x-amz-json-1.1");
	http_resp_header(resp, "x-amzn-RequestId", req->request_id);
}

/* ---- PollHostCommand ---- */

struct cmd_claim {
	struct env *env;
	const char *instance;
	const char *host;
	json_t *command; /* out: the HostCommand, or NULL */
};

static int cmd__claim(struct store_conn *sc, void *arg, struct err *e)
{
	struct cmd_claim *c = arg;
	char id[CMD_ID_MAX + 1], deployment[DEPLOY_ID_SIZE], name[64], exec[300];
	uint32_t nonce = 0;
	int r;

	r = model_command_claim(sc, c->instance, time_now_ms(), id, sizeof(id), deployment,
				sizeof(deployment), name, sizeof(name), e);
	if (r <= 0)
		return r;
	deploy_execution_id(c->env->cfg->region, c->env->account_id, deployment, exec,
			    sizeof(exec));
	random_bytes(&nonce, sizeof(nonce));
	c->command = json_pack("{s:s,s:s,s:s,s:s,s:I}", "HostCommandIdentifier", id,
			       "HostIdentifier", c->host, "DeploymentExecutionId", exec,
			       "CommandName", name, "Nonce", (json_int_t)(nonce & 0x7fffffff));
	log_debug("agentchannel", "instance '%s' takes %s of %s (%s)", c->instance, name,
		  deployment, id);
	return 0;
}

static void cmd__poll(struct http_req *req, struct http_resp *resp)
{
	struct env *env = req->env;
	struct cmd_claim c = { .env = env, .instance = req->who.instance };
	char key[HTTP_PARK_KEY_MAX];
	json_t *in = NULL, *out;
	int r;

	r = json_parse_object(buf_str(&req->body), req->body.len, &in, &req->err);
	if (!r)
		r = cmd__caller(req, in, "HostIdentifier", &c.host, &req->err);
	agentchannel_key(req->who.instance, key, sizeof(key));
	while (!r) {
		uint64_t gen = http_park_generation(env->park, key);
		enum http_park_result w;

		r = store_write(env->store, cmd__claim, &c, &req->err);
		if (r || c.command)
			break;
		w = http_park(req, key, gen, agentchannel_poll_timeout_ms(env));
		if (w == HTTP_PARKED) {
			json_decref(in);
			resp->status = 0; /* answered when woken: this handler runs again */
			return;
		}
		if (w == HTTP_PARK_EXPIRED)
			break;
	}
	json_decref(in);
	if (r) {
		json_proto_error(req, resp, &req->err);
		return;
	}
	out = json_object();
	json_object_set_new(out, "HostCommand", c.command ? c.command : json_null());
	cmd__reply(req, resp, out);
	json_decref(out);
}

static int PollHostCommand(struct call *c)
{
	/* answered by cmd__poll, which may park the request */
	return err_set(c->err, SW_E_INTERNAL, "PollHostCommand is dispatched separately");
}

/* ---- GetDeploymentSpecification ---- */

struct cmd_spec {
	struct env *env;
	const char *instance;
	char id[DEPLOY_ID_SIZE];
	json_t *spec; /* out */
};

static int cmd__spec(struct store_conn *sc, void *arg, struct err *e)
{
	struct cmd_spec *s = arg;
	struct agentchannel_spec_input in;
	struct store_stmt *st;
	json_t *rev, *doc;
	char arn[300];
	int r;

	r = model_target_exists(sc, s->id, s->instance, e);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_ClientException,
			       "instance '%s' is not a target of deployment %s", s->instance,
			       s->id);
	r = store_exec(sc, &st,
		       "SELECT app, grp, group_id, creator, revision, bundle_etag, doc FROM "
		       "deployments WHERE id = ?",
		       "t", e, s->id);
	if (r <= 0)
		return r < 0 ? r : err_set(e, SW_E_ClientException, "no deployment %s", s->id);
	rev = json_loads(store_col_text(st, 4), 0, NULL);
	doc = json_loads(store_col_text(st, 6), 0, NULL);
	env_arn(s->env, arn, sizeof(arn), "sds", "deployment/%s", s->id);
	in.deployment_arn = arn;
	in.group_id = store_col_text(st, 2);
	in.group_name = store_col_text(st, 1);
	in.application = store_col_text(st, 0);
	in.creator = store_col_text(st, 3);
	in.revision = rev;
	in.etag = store_col_text(st, 5);
	in.file_exists_behavior = json_string_value(json_object_get(doc, "fileExistsBehavior"));
	/* the agent takes a blue/green rollback's block-traffic scripts from its most recent
	 * install (codedeploy.md §2.3) */
	in.deployment_type = json_string_value(
	    json_object_get(json_object_get(doc, "deploymentStyle"), "deploymentType"));
	s->spec = agentchannel_spec_json(&in);
	json_decref(rev);
	json_decref(doc);
	if (!s->spec)
		return err_set(e, SW_E_INTERNAL, "cannot build the specification of %s", s->id);
	return 0;
}

static int GetDeploymentSpecification(struct call *c)
{
	struct cmd_spec s = { .env = c->env, .instance = c->who->instance };
	struct buf pem = BUF_INIT(1u << 20);
	const char *exec = NULL;
	char *text;
	int r = cmd__caller(c->req, c->in, "HostIdentifier", NULL, c->err);

	if (r)
		return r;
	if (json_opt_str(c->in, "DeploymentExecutionId", &exec, c->err) || !exec ||
	    deploy_id_from_execution(exec, s.id, sizeof(s.id)))
		return err_set(c->err, SW_E_ClientException,
			       "DeploymentExecutionId must name a deployment "
			       "(CodeDeploy/<region>/Prod/arn:…:deployment/d-…)");
	r = store_read(c->env->store, cmd__spec, &s, c->err);
	if (r)
		return r;
	text = json_dump(s.spec);
	json_decref(s.spec);
	if (!text)
		return err_set(c->err, SW_E_NOMEM, NULL);
	r = pkcs7_sign_pem(c->env->key_pem, c->env->cert_pem, text, strlen(text), &pem, c->err);
	free(text);
	if (r) {
		buf_release(&pem);
		return r;
	}
	/* agents read GenericEnvelope; the variant is the same signed document */
	c->out = json_pack("{s:s,s:{s:{s:s,s:s},s:s,s:{s:s,s:s}}}", "DeploymentSystem",
			   "CodeDeploy", "DeploymentSpecification", "GenericEnvelope", "Format",
			   "PKCS7/JSON", "Payload", buf_str(&pem), "VariantId", "default",
			   "VariantEnvelope", "Format", "PKCS7/JSON", "Payload", buf_str(&pem));
	buf_release(&pem);
	return 0;
}

/* ---- acknowledgement, updates, completion ---- */

struct cmd_report {
	const char *instance;
	const char *id;
	const char *outcome; /* complete: Succeeded / Failed */
	bool noop;
	int64_t estimate; /* update: epoch ms, 0 when none */
	int64_t grace;	  /* update: added to the estimate */
	const char *error_code;
	char script[512];
	char message[CMD_MESSAGE_MAX];
	const char *log;
	char status[16]; /* out: the command's status afterwards */
	bool changed;
};

/* Loads the command, checking that it belongs to the caller; its status goes to r->status. */
static int cmd__own(struct store_conn *sc, struct cmd_report *r, struct err *e)
{
	char instance[256];
	int k = model_command_owner(sc, r->id, instance, sizeof(instance), r->status,
				    sizeof(r->status), e);

	if (k < 0)
		return k;
	if (k == 0)
		return err_set(e, SW_E_ClientException, "no host command '%.64s'", r->id);
	if (strcmp(instance, r->instance) != 0)
		return err_set(e, SW_E_ClientException,
			       "host command '%.64s' belongs to another instance", r->id);
	return 0;
}

static int cmd__ack(struct store_conn *sc, void *arg, struct err *e)
{
	struct cmd_report *a = arg;
	int64_t now = time_now_ms();
	int r = cmd__own(sc, a, e);

	if (r)
		return r;
	if (strcmp(a->status, "Pending") != 0)
		return 0;
	r = model_command_ack(sc, a->id, now, a->noop, e);
	if (r < 0)
		return r;
	str_copy(a->status, sizeof(a->status), "InProgress");
	a->changed = true;
	return 0;
}

/* IsCommandNoop from the acknowledgement's Diagnostics {Format "JSON", Payload}. */
static bool cmd__noop(const json_t *in)
{
	const char *payload =
	    json_string_value(json_object_get(json_object_get(in, "Diagnostics"), "Payload"));
	json_t *j = payload ? json_loads(payload, 0, NULL) : NULL;
	bool noop = json_is_true(json_object_get(j, "IsCommandNoop"));

	json_decref(j);
	return noop;
}

static int PutHostCommandAcknowledgement(struct call *c)
{
	struct cmd_report a = { .instance = c->who->instance };
	int r = cmd__caller(c->req, c->in, NULL, NULL, c->err);

	if (!r)
		r = cmd__id_arg(c->in, &a.id, c->err);
	if (r)
		return r;
	a.noop = cmd__noop(c->in);
	r = store_write(c->env->store, cmd__ack, &a, c->err);
	if (r)
		return r;
	if (a.changed)
		engine_wake(c->env->engine);
	/* a command the engine closed (cancelled: Skipped) must not run */
	c->out = json_pack("{s:s}", "CommandStatus",
			   strcmp(a.status, "Skipped") == 0 ? "Failed" : a.status);
	return 0;
}

static int cmd__update(struct store_conn *sc, void *arg, struct err *e)
{
	struct cmd_report *u = arg;
	int r = cmd__own(sc, u, e);

	if (r || !u->estimate || strcmp(u->status, "InProgress") != 0)
		return r;
	r = model_command_set_deadline(sc, u->id, u->estimate + u->grace, e);
	if (r < 0)
		return r;
	u->changed = true;
	return 0;
}

static int PostHostCommandUpdate(struct call *c)
{
	struct cmd_report u = { .instance = c->who->instance };
	double when = 0;
	int r = cmd__caller(c->req, c->in, NULL, NULL, c->err);

	if (!r)
		r = cmd__id_arg(c->in, &u.id, c->err);
	if (!r && json_opt_num(c->in, "EstimatedCompletionTime", &when, c->err))
		r = err_set(c->err, SW_E_ClientException,
			    "EstimatedCompletionTime must be a timestamp");
	if (r)
		return r;
	if (when > 0)
		u.estimate = (int64_t)(when * 1000.0);
	u.grace = 5 * 60 * 1000; /* the agent's estimate, plus AWS's 5-minute margin */
	r = store_write(c->env->store, cmd__update, &u, c->err);
	if (r)
		return r;
	if (u.changed)
		engine_wake(c->env->engine);
	c->out = json_pack("{s:s}", "CommandStatus",
			   strcmp(u.status, "Skipped") == 0 ? "Failed" : u.status);
	return 0;
}

/* The agent's integer error code as a LifecycleErrorCode. */
static const char *cmd__error_code(int64_t code)
{
	switch (code) {
	case 0:
		return "Success";
	case 1:
		return "ScriptMissing";
	case 2:
		return "ScriptNotExecutable";
	case 3:
		return "ScriptTimedOut";
	case 4:
	case 6: /* a background process kept the script's output open */
		return "ScriptFailed";
	default: /* 5, 7 (failed after an agent restart), anything else */
		return "UnknownError";
	}
}

/* The last max bytes of s, starting on a UTF-8 character boundary. */
static const char *cmd__tail(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return s;
	s += n - max;
	while ((*s & 0xC0) == 0x80)
		s++;
	return s;
}

/* Reads Diagnostics {Format, Payload: "{error_code, script_name, message, log}"}. */
static void cmd__diagnostics(const json_t *in, struct cmd_report *rep, json_t **hold)
{
	const json_t *diag = json_object_get(in, "Diagnostics");
	const char *payload = json_string_value(json_object_get(diag, "Payload"));
	json_t *j = payload ? json_loads(payload, 0, NULL) : NULL;
	bool ok = strcmp(rep->outcome, "Succeeded") == 0;
	const json_t *code = json_object_get(j, "error_code");

	rep->error_code =
	    cmd__error_code(json_is_integer(code) ? json_integer_value(code) : (ok ? 0 : 5));
	if (!ok && strcmp(rep->error_code, "Success") == 0)
		rep->error_code = "UnknownError";
	str_copy(rep->script, sizeof(rep->script),
		 json_string_value(json_object_get(j, "script_name"))
		     ? json_string_value(json_object_get(j, "script_name"))
		     : "");
	if (json_string_value(json_object_get(j, "message")))
		str_copy(rep->message, sizeof(rep->message),
			 json_string_value(json_object_get(j, "message")));
	else if (payload && !j)
		str_copy(rep->message, sizeof(rep->message), payload);
	else
		str_copy(rep->message, sizeof(rep->message), ok ? "Succeeded" : "");
	rep->log = json_string_value(json_object_get(j, "log"))
		       ? cmd__tail(json_string_value(json_object_get(j, "log")), CMD_LOG_TAIL_MAX)
		       : "";
	*hold = j; /* rep->log points into it */
}

static int cmd__complete(struct store_conn *sc, void *arg, struct err *e)
{
	struct cmd_report *c = arg;
	int64_t now = time_now_ms();
	int r = cmd__own(sc, c, e);

	if (r)
		return r;
	if (strcmp(c->status, "Pending") != 0 && strcmp(c->status, "InProgress") != 0) {
		log_info("agentchannel", "instance '%s' completed %s, already %s: ignored",
			 c->instance, c->id, c->status);
		return 0;
	}
	r = model_command_complete(sc, c->id, c->outcome, now, c->error_code, c->script, c->message,
				   c->log, e);
	if (r >= 0)
		r = selfmon_command_result(sc, c->id, now, e);
	if (r < 0)
		return r;
	c->changed = true;
	return 0;
}

static int PutHostCommandComplete(struct call *c)
{
	struct cmd_report rep = { .instance = c->who->instance };
	json_t *hold = NULL;
	int r = cmd__caller(c->req, c->in, NULL, NULL, c->err);

	if (!r)
		r = cmd__id_arg(c->in, &rep.id, c->err);
	if (!r && (json_opt_str(c->in, "CommandStatus", &rep.outcome, c->err) || !rep.outcome ||
		   (strcmp(rep.outcome, "Succeeded") != 0 && strcmp(rep.outcome, "Failed") != 0)))
		r = err_set(c->err, SW_E_ClientException,
			    "CommandStatus must be Succeeded or Failed");
	if (r)
		return r;
	cmd__diagnostics(c->in, &rep, &hold);
	r = store_write(c->env->store, cmd__complete, &rep, c->err);
	json_decref(hold);
	if (r)
		return r;
	if (rep.changed) {
		log_debug("agentchannel", "instance '%s' completed %s: %s (%s)", rep.instance,
			  rep.id, rep.outcome, rep.error_code);
		engine_wake(c->env->engine);
	}
	return 0;
}

/* ---- the service ---- */

static const struct json_op commands__ops[] = {
	{ "PollHostCommand", PollHostCommand, OP_INSTANCE_OK },
	{ "GetDeploymentSpecification", GetDeploymentSpecification, OP_INSTANCE_OK },
	{ "PutHostCommandAcknowledgement", PutHostCommandAcknowledgement, OP_INSTANCE_OK },
	{ "PostHostCommandUpdate", PostHostCommandUpdate, OP_INSTANCE_OK },
	{ "PutHostCommandComplete", PutHostCommandComplete, OP_INSTANCE_OK },
	{ NULL, NULL, 0 },
};

static const struct json_op *const commands__tables[] = { commands__ops, NULL };

static const struct json_service commands__json = {
	.target_prefix = CMD_TARGET_PREFIX,
	.tables = commands__tables,
};

static void commands_handle(struct http_req *req, struct http_resp *resp)
{
	/* the long poll may park its request, which the generic dispatch cannot */
	if (strcmp(req->target, CMD_TARGET_PREFIX "PollHostCommand") == 0 && req->env->park) {
		cmd__poll(req, resp);
		return;
	}
	json_proto_handle(&commands__json, req, resp);
}

static void commands_list(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	json_proto_list(&commands__json, "CodeDeploy Commands (agent)", fn, arg);
}

/* The stock agent signs for its endpoint's prefix (codedeploy-commands[-secure]). */
static const char *const commands__signing_names[] = {
	"codedeploy-commands",
	"codedeploy-commands-secure",
	NULL,
};

const struct service commands_service = {
	.name = "commands",
	.signing_names = commands__signing_names,
	.handle = commands_handle,
	.error = json_proto_error,
	.list_ops = commands_list,
};
