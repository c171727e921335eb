/* module: the command module's entry point (cli_module_run), option accessors, and errors —
 * each printed with the AWS exception it came from and what to do about it. */
#include "cli_int.h"
#include "base/str.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int module__index(const struct cli_args *a, const char *name)
{
	for (int i = 0; a->cmd->opts[i].name; i++)
		if (strcmp(a->cmd->opts[i].name, name) == 0)
			return i;
	return -1;
}

const char *cli_opt(const struct cli_args *a, const char *name)
{
	int i = module__index(a, name);

	return i >= 0 && a->opt[i].n && a->opt[i].v ? a->opt[i].v[a->opt[i].n - 1] : NULL;
}

int cli_opt_all(const struct cli_args *a, const char *name, const char ***values)
{
	int i = module__index(a, name);

	*values = i >= 0 ? a->opt[i].v : NULL;
	return i >= 0 && a->opt[i].v ? a->opt[i].n : 0;
}

bool cli_flag(const struct cli_args *a, const char *name)
{
	int i = module__index(a, name);

	return i >= 0 && a->opt[i].n > 0;
}

int cli_error(struct cli_args *a, int exit, const char *type, const char *fmt, ...)
{
	struct cli_error *e = &cli_state(a)->err;
	va_list ap;

	str_copy(e->type, sizeof(e->type), type ? type : "");
	e->http_status = 0;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	e->exit = exit;
	return -1;
}

int cli_usage(struct cli_args *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "slipway %s%s%s: ", a->cmd->group, a->cmd->name ? " " : "",
		a->cmd->name ? a->cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage_line(stderr, a->cmd);
	return CLI_USAGE;
}

/* What to do about the errors people meet most. */
static const struct {
	const char *type;
	const char *hint;
} module__hints[] = {
	{ "ApplicationDoesNotExistException",
	  "see `slipway app list`, or create it with `slipway app create NAME`" },
	{ "ApplicationAlreadyExistsException", "see it with `slipway app show NAME`" },
	{ "DeploymentGroupDoesNotExistException",
	  "see `slipway group list --app APP`, or create it with `slipway group create`" },
	{ "DeploymentGroupAlreadyExistsException",
	  "change it with `slipway group update --app APP NAME`" },
	{ "DeploymentConfigDoesNotExistException", "see `slipway config list`" },
	{ "DeploymentConfigInUseException",
	  "a deployment group or an unfinished deployment uses it; move the group to another "
	  "configuration first (`slipway group update --app APP GROUP --config OTHER`)" },
	{ "DeploymentDoesNotExistException", "see `slipway deploy list`" },
	{ "DeploymentLimitExceededException",
	  "a group takes one deployment at a time: follow the active one with `slipway deploy "
	  "watch ID` or stop it with `slipway deploy stop ID` (slipwayd --queue-deployments "
	  "queues new ones instead)" },
	{ "DeploymentAlreadyCompletedException", "see how it ended with `slipway deploy show ID`" },
	{ "InstanceNotRegisteredException", "see `slipway instance list`" },
	{ "InstanceNameAlreadyRegisteredException",
	  "deregister it first (`slipway instance deregister NAME`) or choose another name" },
	{ "RevisionDoesNotExistException",
	  "upload it first: `slipway deploy push --app APP --source DIR`" },
	{ "EntityAlreadyExists",
	  "an IAM user of that name exists: choose another instance name, or delete the user" },
	{ "OperationNotSupportedException", NULL },
	{ "ResourceNotFound", "see `slipway alarm list`" },
	{ "UnrecognizedClientException",
	  "slipwayd does not know this access key: check the profile (`slipway configure`), "
	  "--profile, or AWS_ACCESS_KEY_ID" },
	{ "InvalidClientTokenId",
	  "slipwayd does not know this access key: check the profile (`slipway configure`), "
	  "--profile, or AWS_ACCESS_KEY_ID" },
	{ "InvalidAccessKeyId",
	  "slipwayd does not know this access key: check the profile (`slipway configure`), "
	  "--profile, or AWS_ACCESS_KEY_ID" },
	{ "InvalidSignatureException",
	  "the secret key does not match the access key, or this machine's clock is more than 15 "
	  "minutes off: check `slipway configure`" },
	{ "SignatureDoesNotMatch",
	  "the secret key does not match the access key: check `slipway configure`" },
	{ "AccessDeniedException",
	  "these credentials may not do this (an instance's key can only run its agent): use an "
	  "administrator's key, e.g. slipwayd's DATA/credentials" },
	{ "MissingAuthenticationTokenException", "the request was not signed" },
};

int cli_fail(struct cli_args *a)
{
	struct cli_error *e = &cli_state(a)->err;
	const char *hint = NULL;

	if (!e->exit)
		e->exit = CLI_FAILED;
	if (e->type[0])
		fprintf(stderr, "slipway: %s: %s\n", e->type, e->message);
	else
		fprintf(stderr, "slipway: %s\n", e->message);
	for (size_t i = 0; i < sizeof(module__hints) / sizeof(module__hints[0]); i++)
		if (strcmp(module__hints[i].type, e->type) == 0)
			hint = module__hints[i].hint;
	if (strstr(e->message, "scoped to a valid region") || strstr(e->message, "the region '"))
		hint = "the region these credentials sign for is not slipwayd's: pass --region, or "
		       "set it with `slipway configure --region REGION`";
	if (hint)
		fprintf(stderr, "hint: %s\n", hint);
	return e->exit;
}

int cli_module_run(struct cli_args *a, cli_command_fn fn)
{
	struct cli_state st = { 0 };
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	int r;

	a->priv = &st;
	st.tty = isatty(STDOUT_FILENO) == 1;
	st.color = st.tty && !a->g.no_color && !(no_color && no_color[0]) &&
		   !(term && strcmp(term, "dumb") == 0);
	r = fn(a);
	fflush(stdout);
	if (st.conn.curl) {
		curl_easy_cleanup(st.conn.curl);
		curl_global_cleanup();
	}
	explicit_bzero(st.conn.secret_key, sizeof(st.conn.secret_key));
	explicit_bzero(st.conn.session_token, sizeof(st.conn.session_token));
	a->priv = NULL;
	return r;
}
