/* commands: the table of every `slipway` command — its arguments, options, help text and
 * examples.  The parser, --help, the man page and the bash completion are all generated from
 * it, so they cannot disagree. */
#include "cli.h"

#include <stddef.h>

const char cli_version[] = "0.1.0";

const char cli_exit_text[] =
    "0  the operation succeeded (for deploy create --wait and deploy watch: the "
    "deployment succeeded)\n"
    "1  the operation failed: slipwayd answered with an error, or the "
    "deployment failed, was stopped or was rolled back\n"
    "2  usage: unknown command or option, missing or invalid argument, bad "
    "configuration\n"
    "3  could not reach slipwayd, or it did not accept the credentials\n";

const char cli_env_text[] =
    "SLIPWAY_ENDPOINT, AWS_ENDPOINT_URL  slipwayd's address when --endpoint-url is not "
    "given\n"
    "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN  credentials (used unless "
    "--profile is given)\n"
    "AWS_PROFILE  the profile to use when --profile is not given\n"
    "AWS_SHARED_CREDENTIALS_FILE  the credentials file (default ~/.aws/credentials)\n"
    "AWS_CONFIG_FILE  the config file with each profile's region and endpoint_url (default "
    "~/.aws/config)\n"
    "AWS_REGION, AWS_DEFAULT_REGION  the region to sign requests for (default: the "
    "profile's, else us-east-1)\n"
    "NO_COLOR  when set and not empty, never use colour\n";

#define OUTPUT_HELP "table (default), json or text (tab-separated, no header)"

const struct cli_opt cli_global_opts[] = {
	{ "endpoint-url", 0, CLI_VALUE, 0, "URL", NULL, NULL,
	  "slipwayd's address (default: $SLIPWAY_ENDPOINT, $AWS_ENDPOINT_URL, the profile's "
	  "endpoint_url, http://127.0.0.1:8790)" },
	{ "profile", 0, CLI_VALUE, 0, "NAME", NULL, NULL,
	  "the credentials profile (default: $AWS_PROFILE, else 'slipway' when it exists, else "
	  "'default')" },
	{ "region", 0, CLI_VALUE, 0, "REGION", NULL, NULL,
	  "the region requests are signed for (default: $AWS_REGION, the profile's, us-east-1)" },
	{ "output", 'o', CLI_VALUE, 0, "table|json|text", "table json text", NULL, OUTPUT_HELP },
	{ "no-color", 0, CLI_FLAG, 0, NULL, NULL, NULL, "never use colour (also: NO_COLOR=1)" },
	{ "debug", 0, CLI_FLAG, 0, NULL, NULL, NULL,
	  "print every request's operation, status and time to stderr" },
	{ "help", 'h', CLI_FLAG, 0, NULL, NULL, NULL, "show help for the command and exit" },
	{ NULL },
};

/* ---- configure ---- */

static const struct cli_opt configure_opts[] = {
	{ "access-key", 0, CLI_VALUE, 0, "KEY", NULL, NULL, "the access key id (AKIA...)" },
	{ "secret-key", 0, CLI_VALUE, 0, "SECRET", NULL, NULL, "the secret access key" },
	{ "endpoint", 0, CLI_VALUE, 0, "URL", NULL, NULL,
	  "slipwayd's address, saved as the profile's endpoint_url" },
	{ "ca", 0, CLI_VALUE, 0, "FILE", NULL, "file",
	  "slipwayd's certificate (DATA/server.crt), saved for `slipway instance register`" },
	{ NULL },
};

/* ---- app ---- */

static const struct cli_opt app_create_opts[] = {
	{ "platform", 0, CLI_VALUE, 0, "server|lambda", "server lambda", NULL,
	  "the compute platform: server (EC2/on-premises hosts, the default) or lambda" },
	{ NULL },
};

static const struct cli_opt no_opts[] = { { NULL } };

/* ---- group ---- */

/* clang-format off */
#define GROUP_SETTING_OPTS \
	{ "tag", 0, CLI_MULTI, 0, "K=V", NULL, NULL, \
	  "target instances with this tag (repeatable: an instance matching any one is a " \
	  "target); K alone matches the key with any value, =V the value under any key" }, \
	{ "tag-set", 0, CLI_MULTI, 0, "K=V,K=V", NULL, NULL, \
	  "a set of tags an instance must match one of (repeatable, up to 3: an instance " \
	  "must match every set); not with --tag" }, \
	{ "config", 0, CLI_VALUE, 0, "CONFIG", NULL, NULL, \
	  "the deployment configuration (default CodeDeployDefault.OneAtATime)" }, \
	{ "rollback-on", 0, CLI_VALUE, 0, "failure,stop,alarm", NULL, NULL, \
	  "roll back automatically on these events, comma-separated: failure, stop, alarm; " \
	  "none turns automatic rollback off" }, \
	{ "style", 0, CLI_VALUE, 0, "in-place|blue-green", "in-place blue-green", NULL, \
	  "how revisions are deployed (default in-place)" }, \
	{ "role", 0, CLI_VALUE, 0, "ARN", NULL, NULL, \
	  "the service role ARN (default arn:aws:iam::ACCOUNT:role/slipway; Slipway does not " \
	  "assume roles, it only records it)" }
/* clang-format on */

static const struct cli_opt group_create_opts[] = {
	{ "app", 0, CLI_VALUE, CLI_REQUIRED, "APP", NULL, NULL, "the application" },
	GROUP_SETTING_OPTS,
	{ NULL },
};

static const struct cli_opt group_update_opts[] = {
	{ "app", 0, CLI_VALUE, CLI_REQUIRED, "APP", NULL, NULL, "the application" },
	{ "name", 0, CLI_VALUE, 0, "NEW", NULL, NULL, "rename the group" },
	GROUP_SETTING_OPTS,
	{ "no-tags", 0, CLI_FLAG, 0, NULL, NULL, NULL, "remove every tag filter" },
	{ NULL },
};

static const struct cli_opt app_only_opts[] = {
	{ "app", 0, CLI_VALUE, CLI_REQUIRED, "APP", NULL, NULL, "the application" },
	{ NULL },
};

/* ---- config ---- */

static const struct cli_opt config_create_opts[] = {
	{ "min-healthy", 0, CLI_VALUE, 0, "N|N%", NULL, NULL,
	  "hosts that must stay healthy: a count (2) or a percentage of the fleet (75%); with a "
	  "traffic rule, how many hosts of the new fleet install at once" },
	{ "canary", 0, CLI_VALUE, CLI_ONEOF_1 | CLI_ONEOF_OPTIONAL, "P%/Tm", NULL, NULL,
	  "shift P% of traffic, then the rest after T minutes (10%/5m or 10%:5m)" },
	{ "linear", 0, CLI_VALUE, CLI_ONEOF_1 | CLI_ONEOF_OPTIONAL, "P%/Tm", NULL, NULL,
	  "shift P% more of traffic every T minutes (10%/1m)" },
	{ "steps", 0, CLI_VALUE, CLI_ONEOF_1 | CLI_ONEOF_OPTIONAL, "P%:Tm,...,100%", NULL, NULL,
	  "hosts (Slipway extension): shift to each percentage in turn, waiting T minutes after "
	  "each (5%:1m,25%:1m,50%:1m,100%)" },
	{ "all-at-once", 0, CLI_FLAG, CLI_ONEOF_1 | CLI_ONEOF_OPTIONAL, NULL, NULL, NULL,
	  "shift all traffic at once" },
	{ "platform", 0, CLI_VALUE, 0, "server|lambda", "server lambda", NULL,
	  "the compute platform (default: server with --min-healthy or --steps, lambda "
	  "otherwise)" },
	{ NULL },
};

/* ---- instance ---- */

static const struct cli_opt instance_register_opts[] = {
	{ "tags", 0, CLI_VALUE, CLI_REQUIRED, "K=V[,K=V]", NULL, NULL,
	  "the instance's tags, which deployment groups select it by" },
	{ "out", 0, CLI_VALUE, CLI_REQUIRED, "FILE", NULL, "file",
	  "where to write slipway-agent's configuration (mode 0600; the certificate is written "
	  "beside it as server.crt)" },
	{ "ca", 0, CLI_VALUE, 0, "FILE", NULL, "file",
	  "slipwayd's certificate, DATA/server.crt (default: the profile's ca_file, else "
	  "server.crt beside the credentials file)" },
	{ "agent-endpoint", 0, CLI_VALUE, 0, "URL", NULL, NULL,
	  "the address the agent reaches slipwayd at (default: the endpoint this command uses)" },
	{ "root-dir", 0, CLI_VALUE, 0, "DIR", NULL, "dir",
	  "the agent's deployment root (default /opt/codedeploy-agent/deployment-root)" },
	{ NULL },
};

static const struct cli_opt instance_list_opts[] = {
	{ "tag", 0, CLI_MULTI, 0, "K=V", NULL, NULL,
	  "only instances with this tag (repeatable: any of them)" },
	{ "all", 0, CLI_FLAG, 0, NULL, NULL, NULL, "include deregistered instances" },
	{ NULL },
};

static const struct cli_opt instance_deregister_opts[] = {
	{ "keep-iam-user", 0, CLI_FLAG, 0, NULL, NULL, NULL,
	  "keep the instance's IAM user and access keys (deleted by default)" },
	{ NULL },
};

/* ---- deploy ---- */

/* clang-format off */
#define PUSH_OPTS \
	{ "bucket", 0, CLI_VALUE, 0, "BUCKET", NULL, NULL, \
	  "the S3 bucket to upload to, created when missing (default slipway-revisions)" }, \
	{ "key", 0, CLI_VALUE, 0, "KEY", NULL, NULL, \
	  "the object key (default APP/SHA256-PREFIX.zip, named by content)" }, \
	{ "bundle-type", 0, CLI_VALUE, 0, "zip|tgz", "zip tgz", NULL, \
	  "the archive format (default zip)" }
/* clang-format on */

static const struct cli_opt deploy_push_opts[] = {
	{ "app", 0, CLI_VALUE, CLI_REQUIRED, "APP", NULL, NULL, "the application" },
	{ "source", 0, CLI_VALUE, CLI_REQUIRED, "DIR", NULL, "dir",
	  "the revision's directory (appspec.yml at its top)" },
	PUSH_OPTS,
	{ "description", 0, CLI_VALUE, 0, "TEXT", NULL, NULL, "a description of the revision" },
	{ NULL },
};

static const struct cli_opt deploy_create_opts[] = {
	{ "app", 0, CLI_VALUE, CLI_REQUIRED, "APP", NULL, NULL, "the application" },
	{ "group", 0, CLI_VALUE, CLI_REQUIRED, "GROUP", NULL, NULL, "the deployment group" },
	{ "source", 0, CLI_VALUE, CLI_ONEOF_1, "DIR", NULL, "dir",
	  "push this directory first (as deploy push does) and deploy it" },
	{ "s3", 0, CLI_VALUE, CLI_ONEOF_1, "s3://BUCKET/KEY", NULL, NULL,
	  "deploy an archive already in S3 (zip, tar or tgz, by its extension)" },
	{ "revision", 0, CLI_VALUE, CLI_ONEOF_1, "REV", NULL, NULL,
	  "latest (the application's last registered revision), current (the group's "
	  "deployed one) or a RevisionLocation in JSON" },
	{ "config", 0, CLI_VALUE, 0, "CONFIG", NULL, NULL,
	  "the deployment configuration (default: the group's)" },
	{ "wait", 0, CLI_FLAG, 0, NULL, NULL, NULL,
	  "follow the deployment live until it ends (as deploy watch); the exit status says how "
	  "it ended" },
	{ "description", 0, CLI_VALUE, 0, "TEXT", NULL, NULL, "a description of the deployment" },
	{ "file-exists", 0, CLI_VALUE, 0, "disallow|overwrite|retain", "disallow overwrite retain",
	  NULL, "what Install does with files already on the hosts (default disallow)" },
	{ "ignore-stop-failures", 0, CLI_FLAG, 0, NULL, NULL, NULL,
	  "go on when ApplicationStop (of the previous revision) fails" },
	PUSH_OPTS,
	{ NULL },
};

static const struct cli_opt deploy_list_opts[] = {
	{ "app", 0, CLI_VALUE, 0, "APP", NULL, NULL, "only this application's deployments" },
	{ "group", 0, CLI_VALUE, 0, "GROUP", NULL, NULL, "only this group's (needs --app)" },
	{ "status", 0, CLI_MULTI, 0, "STATUS", NULL, NULL,
	  "only deployments in this status (repeatable, or comma-separated): Created, Queued, "
	  "InProgress, Succeeded, Failed, Stopped, Ready" },
	{ "max", 0, CLI_VALUE, 0, "N", NULL, NULL, "at most N deployments, newest first" },
	{ NULL },
};

static const struct cli_opt deploy_stop_opts[] = {
	{ "rollback", 0, CLI_FLAG, CLI_ONEOF_1 | CLI_ONEOF_OPTIONAL, NULL, NULL, NULL,
	  "roll the hosts already updated back to the last successful revision" },
	{ "no-rollback", 0, CLI_FLAG, CLI_ONEOF_1 | CLI_ONEOF_OPTIONAL, NULL, NULL, NULL,
	  "do not roll back, even if the group rolls back on stop" },
	{ NULL },
};

static const struct cli_opt deploy_events_opts[] = {
	{ "instance", 0, CLI_MULTI, 0, "NAME", NULL, NULL, "only this host (repeatable)" },
	{ NULL },
};

/* deploy local parses its own options (deploy_local.c); these are for help and completion. */
static const struct cli_opt deploy_local_opts[] = {
	{ "bundle", 'l', CLI_VALUE, CLI_REQUIRED, "DIR|FILE", NULL, "file",
	  "the revision: a directory or a zip/tar/tgz archive" },
	{ "group", 'g', CLI_VALUE, 0, "NAME", NULL, NULL,
	  "deployment group (default default-local-deployment-group)" },
	{ "application", 'A', CLI_VALUE, 0, "NAME", NULL, NULL,
	  "application name given to scripts" },
	{ "events", 'e', CLI_VALUE, 0, "EV1,EV2,...", NULL, NULL,
	  "events to run (default: all 11 agent events)" },
	{ "file-exists-behavior", 'f', CLI_VALUE, 0, "B", "DISALLOW OVERWRITE RETAIN", NULL,
	  "DISALLOW (default), OVERWRITE or RETAIN" },
	{ "appspec-filename", 'a', CLI_VALUE, 0, "NAME", NULL, NULL,
	  "AppSpec file name (default appspec.yml)" },
	{ "root", 'r', CLI_VALUE, 0, "DIR", NULL, "dir", "deployment root" },
	{ "max-revisions", 0, CLI_VALUE, 0, "N", NULL, NULL,
	  "revisions kept per group (default 5)" },
	{ "max-script-log-bytes", 0, CLI_VALUE, 0, "N", NULL, NULL,
	  "output of one script run kept in each log, 1024 to 1073741824 (default 1048576)" },
	{ NULL },
};

/* ---- lb (Slipway's load balancers) ---- */

static const struct cli_opt lb_show_opts[] = {
	{ "target-group", 0, CLI_VALUE, 0, "NAME", NULL, NULL, "only this backend" },
	{ NULL },
};

/* ---- metrics, alarms, logs (CloudWatch) ---- */

static const struct cli_opt metrics_list_opts[] = {
	{ "namespace", 0, CLI_VALUE, 0, "NS", NULL, NULL, "only metrics of this namespace" },
	{ "name", 0, CLI_VALUE, 0, "METRIC", NULL, NULL, "only metrics of this name" },
	{ "dimension", 0, CLI_MULTI, 0, "K=V", NULL, NULL,
	  "only metrics with this dimension (repeatable: every one); K alone matches any value" },
	{ NULL },
};

static const struct cli_opt metrics_get_opts[] = {
	{ "dimension", 0, CLI_MULTI, 0, "K=V", NULL, NULL,
	  "the metric's dimensions (repeatable): give all of them, a metric is its exact set" },
	{ "stat", 0, CLI_VALUE, 0, "STAT", NULL, NULL,
	  "Sum, Average (default), Minimum, Maximum, SampleCount (any case; also avg, min, max, "
	  "count) or a percentile (p99, p99.9)" },
	{ "period", 0, CLI_VALUE, 0, "SECONDS", NULL, NULL,
	  "the length of each datapoint: 60, 300, 5m... (default: 1m, or longer for long ranges "
	  "so that there are at most 1440 datapoints)" },
	{ "since", 0, CLI_VALUE, 0, "DURATION", NULL, NULL,
	  "how far back to look: 30m, 1h (default), 2d, 1w" },
	{ NULL },
};

static const struct cli_opt alarm_list_opts[] = {
	{ "state", 0, CLI_VALUE, 0, "STATE", "OK ALARM INSUFFICIENT_DATA", NULL,
	  "only alarms in this state" },
	{ "prefix", 0, CLI_VALUE, 0, "P", NULL, NULL, "only alarms whose name starts with P" },
	{ NULL },
};

static const struct cli_opt alarm_set_state_opts[] = {
	{ "reason", 0, CLI_VALUE, CLI_REQUIRED, "TEXT", NULL, NULL,
	  "why (the alarm's state reason, kept in its history)" },
	{ NULL },
};

static const struct cli_opt logs_tail_opts[] = {
	{ "stream", 0, CLI_VALUE, 0, "S", NULL, NULL,
	  "only this log stream, read in order from its head (default: every stream of the "
	  "group, by time)" },
	{ "follow", 'f', CLI_FLAG, 0, NULL, NULL, NULL,
	  "keep printing new events as they arrive (polling every second) until interrupted" },
	{ "since", 0, CLI_VALUE, 0, "DURATION", NULL, NULL,
	  "start this far back: 30s, 10m (default), 1h, 2d" },
	{ "filter", 0, CLI_VALUE, 0, "PATTERN", NULL, NULL,
	  "only events matching this CloudWatch Logs filter pattern (ERROR, \"a phrase\", "
	  "?ERROR ?WARN, { $.level = \"error\" })" },
	{ NULL },
};

/* ---- functions and aliases (Lambda) ---- */

#define FN_SETTINGS_OPTS(code_flags)                                                                  \
	{ "code",                                                                                     \
	  'c',                                                                                        \
	  CLI_VALUE,                                                                                  \
	  code_flags,                                                                                 \
	  "DIR|ZIP",                                                                                  \
	  NULL,                                                                                       \
	  "file",                                                                                     \
	  "the code: a directory (zipped in memory, file modes kept: make bootstrap executable) "     \
	  "or a .zip file, at most 50 MB" },                                                          \
	    { "runtime", 0,                                                                           \
	      CLI_VALUE, 0,                                                                           \
	      "R",	 NULL,                                                                        \
	      NULL,	 "provided.al2023, provided.al2, python3.12, nodejs20.x, ..." },              \
	    { "handler",                                                                              \
	      0,                                                                                      \
	      CLI_VALUE,                                                                              \
	      0,                                                                                      \
	      "H",                                                                                    \
	      NULL,                                                                                   \
	      NULL,                                                                                   \
	      "the handler: file.function for python/node, anything for provided runtimes" },         \
	    { "memory", 0, CLI_VALUE, 0, "MB", NULL, NULL, "memory, 128 to 10240 MB (default 128)" }, \
	    { "timeout", 0, CLI_VALUE, 0, "S", NULL, NULL, "timeout, 1 to 900 seconds (default 3)" }, \
	    { "env",                                                                                  \
	      'e',                                                                                    \
	      CLI_MULTI,                                                                              \
	      0,                                                                                      \
	      "K=V",                                                                                  \
	      NULL,                                                                                   \
	      NULL,                                                                                   \
	      "an environment variable (repeatable); given at all, the whole set is replaced" },      \
	    { "description", 0,	   CLI_VALUE, 0,                                                      \
	      "D",	     NULL, NULL,      "the description (at most 256 characters)" },           \
	    { "role",	 0,                                                                           \
	      CLI_VALUE, 0,                                                                           \
	      "ARN",	 NULL,                                                                        \
	      NULL,	 "the execution role (default arn:aws:iam::ACCOUNT:role/slipway-function)" }, \
	{                                                                                             \
		"publish", 0, CLI_FLAG, 0, NULL, NULL, NULL,                                          \
		    "publish a version of the result at once"                                         \
	}

static const struct cli_opt function_create_opts[] = {
	FN_SETTINGS_OPTS(CLI_REQUIRED),
	{ NULL },
};

static const struct cli_opt function_update_opts[] = {
	FN_SETTINGS_OPTS(0),
	{ NULL },
};

static const struct cli_opt function_publish_opts[] = {
	{ "description", 0, CLI_VALUE, 0, "D", NULL, NULL, "the version's description" },
	{ NULL },
};

static const struct cli_opt function_list_opts[] = {
	{ "all-versions", 'a', CLI_FLAG, 0, NULL, NULL, NULL,
	  "one row per published version too, not only $LATEST" },
	{ NULL },
};

static const struct cli_opt function_invoke_opts[] = {
	{ "payload", 'p', CLI_VALUE, 0, "JSON|@FILE", NULL, "file",
	  "the event, JSON text or @ and a file holding it (default {}; at most 6 MB)" },
	{ "event", 0, CLI_FLAG, CLI_ONEOF_1 | CLI_ONEOF_OPTIONAL, NULL, NULL, NULL,
	  "invoke asynchronously (InvocationType Event): queued, no result" },
	{ "dry-run", 0, CLI_FLAG, CLI_ONEOF_1 | CLI_ONEOF_OPTIONAL, NULL, NULL, NULL,
	  "only check that the invocation would be accepted (InvocationType DryRun)" },
	{ "log", 'l', CLI_FLAG, 0, NULL, NULL, NULL,
	  "print the end of the invocation's log (at most 4 KB) to stderr" },
	{ NULL },
};

static const struct cli_opt function_logs_opts[] = {
	{ "follow", 'f', CLI_FLAG, 0, NULL, NULL, NULL,
	  "keep printing new events as they arrive (polling every second) until interrupted" },
	{ "since", 0, CLI_VALUE, 0, "DURATION", NULL, NULL,
	  "start this far back: 30s, 10m (default), 1h, 2d" },
	{ "filter", 0, CLI_VALUE, 0, "PATTERN", NULL, NULL,
	  "only events matching this CloudWatch Logs filter pattern" },
	{ NULL },
};

static const struct cli_opt function_concurrency_opts[] = {
	{ "delete", 0, CLI_FLAG, 0, NULL, NULL, NULL,
	  "remove the reservation (the function shares the unreserved pool again)" },
	{ NULL },
};

static const struct cli_opt alias_create_opts[] = {
	{ "version", 'v', CLI_VALUE, CLI_REQUIRED, "V", NULL, NULL,
	  "the published version the alias points to" },
	{ "weight", 'w', CLI_VALUE, 0, "V2=W", NULL, NULL,
	  "send this share of invocations to version V2: a fraction (0.1) or a percentage (10%)" },
	{ "description", 0, CLI_VALUE, 0, "D", NULL, NULL, "the alias's description" },
	{ NULL },
};

static const struct cli_opt alias_update_opts[] = {
	{ "version", 'v', CLI_VALUE, 0, "V", NULL, NULL, "point the alias at this version" },
	{ "weight", 'w', CLI_VALUE, CLI_ONEOF_1 | CLI_ONEOF_OPTIONAL, "V2=W", NULL, NULL,
	  "send this share of invocations to version V2: a fraction (0.1) or a percentage (10%)" },
	{ "no-weight", 0, CLI_FLAG, CLI_ONEOF_1 | CLI_ONEOF_OPTIONAL, NULL, NULL, NULL,
	  "send every invocation to the alias's version again" },
	{ "description", 0, CLI_VALUE, 0, "D", NULL, NULL, "the alias's description" },
	{ NULL },
};

static const struct cli_opt completion_opts[] = { { NULL } };

#define ID "ID"

const struct cli_command cli_commands[] = {
	{ "configure", NULL, "save credentials, region and endpoint in a profile", NULL, 0, 0,
	  configure_opts,
	  "Writes the profile (--profile, default 'slipway') into the shared credentials file "
	  "($AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, mode 0600) and its region, "
	  "endpoint_url and ca_file into the config file ($AWS_CONFIG_FILE or ~/.aws/config), "
	  "keeping every other profile as it is. The aws CLI and boto3 read the same files.\n\n"
	  "Values not given as options are asked for when standard input is a terminal (Enter "
	  "keeps the current value); otherwise only the options given are changed.\n\n"
	  "slipwayd prints its first administrator key once and writes it to DATA/credentials "
	  "(profile 'slipway').",
	  "slipway configure --access-key AKIA... --secret-key ... --endpoint "
	  "http://10.0.0.5:8790 --ca /var/lib/slipway/server.crt\n"
	  "# or, on the machine running slipwayd:\n"
	  "export AWS_SHARED_CREDENTIALS_FILE=/var/lib/slipway/credentials",
	  "cli_configure", 0 },

	{ "app", "create", "create an application", "NAME", 1, 1, app_create_opts,
	  "Creates an application: the name that revisions, deployment groups and deployments "
	  "belong to.",
	  "slipway app create web\nslipway app create thumbnails --platform lambda",
	  "cli_app_create", 0 },
	{ "app", "list", "list applications", NULL, 0, 0, no_opts,
	  "Lists every application with its compute platform and creation time.",
	  "slipway app list\nslipway app list --output text | cut -f1", "cli_app_list", 0 },
	{ "app", "show", "show an application and its deployment groups", "NAME", 1, 1, no_opts,
	  "Shows an application's id, platform and creation time, and its deployment groups.",
	  "slipway app show web\nslipway app show web --output json", "cli_app_show", 0 },
	{ "app", "delete", "delete an application with its groups and revisions", "NAME", 1, 1,
	  no_opts,
	  "Deletes an application, its deployment groups and its registered revisions. Objects "
	  "uploaded to S3 stay where they are.",
	  "slipway app delete web", "cli_app_delete", 0 },

	{ "group", "create", "create a deployment group", "NAME", 1, 1, group_create_opts,
	  "Creates a deployment group: which instances a deployment goes to (those whose tags "
	  "match), how fast (the deployment configuration) and what happens when it fails "
	  "(automatic rollback).\n\n"
	  "Instances are on-premises instances registered with `slipway instance register`. "
	  "With --tag an instance that has any one of the tags is a target; with --tag-set, "
	  "one per set, an instance must match every set.",
	  "slipway group create --app web prod --tag role=web\n"
	  "slipway group create --app web canary --tag-set role=web --tag-set zone=a "
	  "--config CodeDeployDefault.AllAtOnce --rollback-on failure,stop",
	  "cli_group_create", 0 },
	{ "group", "list", "list an application's deployment groups", NULL, 0, 0, app_only_opts,
	  "Lists the deployment groups of an application with their configuration, targets and "
	  "last deployment.",
	  "slipway group list --app web", "cli_group_list", 0 },
	{ "group", "show", "show a deployment group", "NAME", 1, 1, app_only_opts,
	  "Shows a deployment group's settings, its deployed revision and its last deployments.",
	  "slipway group show --app web prod", "cli_group_show", 0 },
	{ "group", "update", "change a deployment group's settings", "NAME", 1, 1,
	  group_update_opts,
	  "Changes the settings given and keeps the others. --tag or --tag-set replace every tag "
	  "filter of the group.",
	  "slipway group update --app web prod --config CodeDeployDefault.HalfAtATime\n"
	  "slipway group update --app web prod --rollback-on none\n"
	  "slipway group update --app web prod --name production",
	  "cli_group_update", 0 },
	{ "group", "delete", "delete a deployment group", "NAME", 1, 1, app_only_opts,
	  "Deletes a deployment group. Its past deployments stay listed.",
	  "slipway group delete --app web prod", "cli_group_delete", 0 },

	{ "config", "create", "create a deployment configuration", "NAME", 1, 1, config_create_opts,
	  "Creates a deployment configuration: for hosts, how many must stay healthy while a "
	  "revision rolls out (which sets how many are updated at once); for Lambda, how traffic "
	  "shifts to the new version.\n\n"
	  "With --min-healthy 75% at most a quarter of the hosts are down at a time; with "
	  "--min-healthy 2 all but two may be. Predefined: CodeDeployDefault.OneAtATime, "
	  ".HalfAtATime, .AllAtOnce.\n\n"
	  "A host configuration may also shift traffic (a Slipway extension, docs/traffic.md): "
	  "a blue/green deployment behind HAProxy then moves traffic from the old fleet to the "
	  "new one by server weights, per --canary, --linear, --steps or --all-at-once.",
	  "slipway config create quarter --min-healthy 75%\n"
	  "slipway config create keep-two --min-healthy 2\n"
	  "slipway config create canary --canary 10%:5m\n"
	  "slipway config create web-steps --min-healthy 50% --steps 5%:1m,25%:1m,50%:1m,100%\n"
	  "slipway config create web-canary --min-healthy 50% --canary 10%:5m --platform server",
	  "cli_config_create", 0 },
	{ "config", "list", "list deployment configurations", NULL, 0, 0, no_opts,
	  "Lists the predefined and custom deployment configurations with their settings.",
	  "slipway config list", "cli_config_list", 0 },
	{ "config", "show", "show a deployment configuration", "NAME", 1, 1, no_opts,
	  "Shows a deployment configuration's settings.",
	  "slipway config show CodeDeployDefault.HalfAtATime", "cli_config_show", 0 },
	{ "config", "delete", "delete a custom deployment configuration", "NAME", 1, 1, no_opts,
	  "Deletes a custom deployment configuration no deployment group uses.",
	  "slipway config delete quarter", "cli_config_delete", 0 },

	{ "instance", "register", "register a host and write its agent's configuration", "NAME", 1,
	  1, instance_register_opts,
	  "Registers a host in one step: creates its IAM user and access key, registers it as an "
	  "on-premises instance, tags it, and writes slipway-agent's configuration file (key, "
	  "endpoint, region, and slipwayd's certificate, which the agent checks deployment "
	  "specifications against).\n\n"
	  "Copy FILE and the server.crt written beside it to the host (the configuration names "
	  "the certificate by its absolute path) and start `slipway-agent --config FILE`. If a "
	  "step fails, what was created is removed again.",
	  "slipway instance register web-1 --tags role=web,zone=a --out /etc/slipway/agent.yml\n"
	  "slipway instance register db-1 --tags role=db --out db-1.yml --ca "
	  "/var/lib/slipway/server.crt --agent-endpoint http://10.0.0.5:8790",
	  "cli_instance_register", 0 },
	{ "instance", "list", "list registered instances", NULL, 0, 0, instance_list_opts,
	  "Lists registered on-premises instances with their tags.",
	  "slipway instance list\nslipway instance list --tag role=web", "cli_instance_list", 0 },
	{ "instance", "show", "show an instance", "NAME", 1, 1, no_opts,
	  "Shows an on-premises instance: its IAM user, ARN, registration and tags.",
	  "slipway instance show web-1", "cli_instance_show", 0 },
	{ "instance", "tag", "add or change an instance's tags", "NAME K=V...", 2, -1, no_opts,
	  "Adds tags to an instance, replacing the value of a key it already has.",
	  "slipway instance tag web-1 zone=b tier=front", "cli_instance_tag", 0 },
	{ "instance", "untag", "remove tags from an instance", "NAME KEY...", 2, -1, no_opts,
	  "Removes the tags with these keys from an instance.", "slipway instance untag web-1 zone",
	  "cli_instance_untag", 0 },
	{ "instance", "deregister", "deregister an instance and delete its IAM user", "NAME", 1, 1,
	  instance_deregister_opts,
	  "Deregisters an on-premises instance so that no deployment targets it, removes its "
	  "tags, and deletes its IAM user and access keys (unless --keep-iam-user).",
	  "slipway instance deregister web-1", "cli_instance_deregister", 0 },

	{ "deploy", "push", "pack a directory, upload it and register it as a revision", NULL, 0, 0,
	  deploy_push_opts,
	  "Packs DIR into a zip (or tgz) archive, uploads it with S3 PutObject (creating the "
	  "bucket when missing), registers it as a revision of the application, and prints it. "
	  "The default key is named by the archive's content, so pushing the same files twice "
	  "names the same revision.",
	  "slipway deploy push --app web --source ./site\n"
	  "slipway deploy push --app web --source . --bucket releases --key web/1.4.2.zip",
	  "cli_deploy_push", 0 },
	{ "deploy", "create", "start a deployment", NULL, 0, 0, deploy_create_opts,
	  "Starts a deployment of a revision to a deployment group and prints its id; with "
	  "--wait, follows it live like deploy watch and exits 0 only if it succeeded.",
	  "slipway deploy create --app web --group prod --source ./site --wait\n"
	  "slipway deploy create --app web --group prod --s3 s3://releases/web/1.4.2.zip\n"
	  "slipway deploy create --app web --group prod --revision latest --config "
	  "CodeDeployDefault.AllAtOnce",
	  "cli_deploy_create", 0 },
	{ "deploy", "list", "list deployments, newest first", NULL, 0, 0, deploy_list_opts,
	  "Lists deployments newest first with their status, group, creator and times.",
	  "slipway deploy list --app web --group prod\n"
	  "slipway deploy list --status InProgress,Queued\n"
	  "slipway deploy list --app web --max 5 --output json",
	  "cli_deploy_list", 0 },
	{ "deploy", "show", "show a deployment", ID, 1, 1, no_opts,
	  "Shows a deployment: status, revision, configuration, the count of hosts per status, "
	  "its error and rollback, and one line per host.",
	  "slipway deploy show d-AB1CDEF23", "cli_deploy_show", 0 },
	{ "deploy", "stop", "stop a deployment", ID, 1, 1, deploy_stop_opts,
	  "Stops a deployment: no new lifecycle event starts; those already running on hosts "
	  "finish. With --rollback the hosts already updated go back to the last successful "
	  "revision (a new deployment).",
	  "slipway deploy stop d-AB1CDEF23\nslipway deploy stop d-AB1CDEF23 --rollback",
	  "cli_deploy_stop", 0 },
	{ "deploy", "continue", "let a deployment waiting for you go on", ID, 1, 1, no_opts,
	  "Tells a blue/green deployment in the Ready state to start routing traffic.",
	  "slipway deploy continue d-AB1CDEF23", "cli_deploy_continue", 0 },
	{ "deploy", "events", "show each host's lifecycle events", ID, 1, 1, deploy_events_opts,
	  "The per-host timeline of a deployment: each lifecycle event with its start, end, "
	  "duration, status and error, and for a failed script the last lines of its log.",
	  "slipway deploy events d-AB1CDEF23\nslipway deploy events d-AB1CDEF23 --instance web-2",
	  "cli_deploy_events", 0 },
	{ "deploy", "watch", "follow a deployment live until it ends", ID, 1, 1, no_opts,
	  "Follows a deployment until it ends. On a terminal: the deployment, its configuration "
	  "and how many hosts may be down, a progress bar, and one row per host with its current "
	  "event, status and time, redrawn in place; then the outcome and, for each failed "
	  "host, the event, script, error and the last lines of its log. Without a terminal: "
	  "one plain line per change. If a rollback starts, it is followed too.\n\n"
	  "Exits 0 if the deployment succeeded, 1 if it failed, was stopped or rolled back.",
	  "slipway deploy watch d-AB1CDEF23\nslipway deploy watch d-AB1CDEF23 | tee deploy.log",
	  "cli_deploy_watch", 0 },
	{ "deploy", "local", "run a revision's AppSpec on this host, without a server", NULL, 0, -1,
	  deploy_local_opts,
	  "Runs a revision's lifecycle events on this host without slipwayd, as AWS's "
	  "codedeploy-local does.",
	  "slipway deploy local --bundle ./site\n"
	  "slipway deploy local --bundle site.zip --events BeforeInstall,AfterInstall",
	  "cli_deploy_local", CLI_RAW },

	{ "metrics", "list", "list the metrics slipwayd holds", NULL, 0, 0, metrics_list_opts,
	  "Lists CloudWatch metrics (ListMetrics, every page): each namespace, metric name and "
	  "set of dimensions that has data. A metric is its namespace, name and exact set of "
	  "dimensions.",
	  "slipway metrics list\nslipway metrics list --namespace Slipway\n"
	  "slipway metrics list --name Errors --dimension FunctionName=thumbs",
	  "cli_metrics_list", 0 },
	{ "metrics", "get", "show a metric's statistic over time", "NAMESPACE METRIC", 2, 2,
	  metrics_get_opts,
	  "Shows one statistic of a metric for each period of the last --since, oldest first "
	  "(GetMetricStatistics). Periods without data have no row. The metric is its namespace, "
	  "name and every one of its dimensions: a query with fewer dimensions is another "
	  "metric.",
	  "slipway metrics get App Errors --dimension FunctionName=thumbs --stat Sum\n"
	  "slipway metrics get App Latency --stat p99 --period 5m --since 1d\n"
	  "slipway metrics get Slipway DeploymentsSucceeded --since 1w --output json",
	  "cli_metrics_get", 0 },

	{ "alarm", "list", "list alarms and their states", NULL, 0, 0, alarm_list_opts,
	  "Lists metric and composite alarms (DescribeAlarms, every page) with their state, when "
	  "it last changed and why.",
	  "slipway alarm list\nslipway alarm list --state ALARM\nslipway alarm list --prefix web-",
	  "cli_alarm_list", 0 },
	{ "alarm", "show", "show an alarm's configuration and state", "NAME", 1, 1, no_opts,
	  "Shows an alarm: its state, reason and since when; for a metric alarm the metric (or "
	  "metric math), statistic, period, threshold, how many periods must breach and how "
	  "missing data is treated; for a composite alarm its rule; and its actions.",
	  "slipway alarm show web-errors\nslipway alarm show web-errors --output json",
	  "cli_alarm_show", 0 },
	{ "alarm", "history", "show an alarm's state changes and updates", "NAME", 1, 1, no_opts,
	  "Shows an alarm's history, newest first (DescribeAlarmHistory, every page): state "
	  "changes, configuration updates and actions.",
	  "slipway alarm history web-errors", "cli_alarm_history", 0 },
	{ "alarm", "set-state", "set an alarm's state by hand", "NAME STATE", 2, 2,
	  alarm_set_state_opts,
	  "Sets an alarm's state (OK, ALARM or INSUFFICIENT_DATA) with a reason, as "
	  "SetAlarmState does: to try what a deployment does when its alarm fires. A metric "
	  "alarm's next evaluation sets the state its data calls for again.",
	  "slipway alarm set-state web-errors ALARM --reason \"trying the rollback\"",
	  "cli_alarm_set_state", 0 },

	{ "lb", "list", "list the load balancers slipwayd drives", NULL, 0, 0, no_opts,
	  "Lists the load balancers declared to slipwayd (--load-balancer NAME=SOCKET): each "
	  "one's name, driver, socket, whether it answers now (and why not) and its backends, "
	  "the target groups a deployment group may name.",
	  "slipway lb list\nslipway lb list --output json", "cli_lb_list", 0 },
	{ "lb", "show", "show a load balancer's backends and servers", "NAME", 1, 1, lb_show_opts,
	  "Shows one load balancer as it is now: per backend (target group) its servers "
	  "(named after instances) with HAProxy's status, their traffic state (serving, "
	  "draining, out or down), weight, open sessions, requests and 5xx answers since "
	  "HAProxy started.",
	  "slipway lb show web\nslipway lb show web --target-group app\n"
	  "slipway lb show web --output json",
	  "cli_lb_show", 0 },

	{ "logs", "tail", "print a log group's events, and follow new ones", "GROUP", 1, 1,
	  logs_tail_opts,
	  "Prints the events of a log group since --since, oldest first, with their time (and "
	  "stream): every stream of the group by time (FilterLogEvents), or one stream in order "
	  "from its head (GetLogEvents). With --follow it goes on polling every second and "
	  "prints each new event once, until interrupted: Ctrl-C (or SIGTERM) ends it with exit "
	  "status 0. Events are printed page by page as they are read, never collected first. "
	  "With --output json each event is one JSON object on a line of its own.",
	  "slipway logs tail /slipway/deployments --since 1h\n"
	  "slipway logs tail /app/web --stream web-1 --follow\n"
	  "slipway logs tail /app/web --filter '?ERROR ?WARN' -f",
	  "cli_logs_tail", 0 },

	{ "function", "create", "create a function from a directory or a zip", "NAME", 1, 1,
	  function_create_opts,
	  "Creates a function (CreateFunction) whose $LATEST runs the code of --code: a "
	  "directory, zipped in memory with its file modes (a provided runtime's bootstrap must "
	  "be executable), or a zip file. Without --role the execution role is "
	  "arn:aws:iam::ACCOUNT:role/slipway-function, ACCOUNT being the caller's. --publish "
	  "publishes version 1 at once.",
	  "slipway function create thumbs --runtime python3.12 --handler app.handler --code ./src\n"
	  "slipway function create echo --runtime provided.al2023 --handler x --code echo.zip "
	  "--memory 256 --timeout 10 --env LEVEL=debug --publish",
	  "cli_function_create", 0 },
	{ "function", "update", "change a function's code or configuration", "NAME", 1, 1,
	  function_update_opts,
	  "Changes $LATEST: its configuration (UpdateFunctionConfiguration) when a setting is "
	  "given, then its code (UpdateFunctionCode) when --code is; --publish then publishes a "
	  "version of the result (with the code update, or PublishVersion). --env replaces the "
	  "whole set of environment variables.",
	  "slipway function update thumbs --code ./src --publish\n"
	  "slipway function update thumbs --memory 512 --timeout 30 --env LEVEL=info",
	  "cli_function_update", 0 },
	{ "function", "publish", "publish a version of $LATEST", "NAME", 1, 1,
	  function_publish_opts,
	  "Publishes $LATEST as a new numbered version (PublishVersion). When neither code nor "
	  "configuration changed since the last version, Lambda returns that version instead.",
	  "slipway function publish thumbs --description \"resize to 256px\"",
	  "cli_function_publish", 0 },
	{ "function", "list", "list functions", NULL, 0, 0, function_list_opts,
	  "Lists functions (ListFunctions, every page) with their runtime, version, memory, "
	  "timeout and when they last changed; with --all-versions every published version too.",
	  "slipway function list\nslipway function list --all-versions --output json",
	  "cli_function_list", 0 },
	{ "function", "show", "show a function's configuration, versions and aliases",
	  "NAME[:QUALIFIER]", 1, 1, no_opts,
	  "Shows the configuration of $LATEST (or of the version or alias QUALIFIER): runtime, "
	  "handler, role, memory, timeout, code, state, environment, reserved concurrency; then "
	  "every version and every alias with its routing as percentages.",
	  "slipway function show thumbs\nslipway function show thumbs:live --output json",
	  "cli_function_show", 0 },
	{ "function", "invoke", "invoke a function and print its result", "NAME[:QUALIFIER]", 1, 1,
	  function_invoke_opts,
	  "Invokes $LATEST (or the version or alias QUALIFIER) with --payload and prints the "
	  "result on stdout as the function returned it. On stderr: the version that ran, and "
	  "with --log the end of its log. A function error (X-Amz-Function-Error) is printed "
	  "with its type and message, and the exit status is 1. --event queues the invocation "
	  "instead; --dry-run only checks it.",
	  "slipway function invoke thumbs --payload '{\"key\": \"a.png\"}'\n"
	  "slipway function invoke thumbs:live --payload @event.json --log\n"
	  "slipway function invoke thumbs --event",
	  "cli_function_invoke", 0 },
	{ "function", "logs", "print a function's log events, and follow new ones", "NAME", 1, 1,
	  function_logs_opts,
	  "Prints the events of the function's log group /aws/lambda/NAME since --since, oldest "
	  "first, as `slipway logs tail` does; with --follow it goes on until interrupted.",
	  "slipway function logs thumbs --since 1h\nslipway function logs thumbs -f",
	  "cli_function_logs", 0 },
	{ "function", "delete", "delete a function, or one of its versions", "NAME[:VERSION]", 1, 1,
	  no_opts,
	  "Deletes the function with every version and alias (DeleteFunction), or with "
	  "NAME:VERSION only that version (which no alias may point to).",
	  "slipway function delete thumbs:3\nslipway function delete thumbs", "cli_function_delete",
	  0 },
	{ "function", "concurrency", "show, reserve or release a function's concurrency",
	  "NAME [N]", 1, 2, function_concurrency_opts,
	  "Without N shows the function's reserved concurrency (GetFunctionConcurrency); with N "
	  "reserves N concurrent executions for it (PutFunctionConcurrency, 0 stops every "
	  "invocation); --delete removes the reservation.",
	  "slipway function concurrency thumbs 10\nslipway function concurrency thumbs --delete",
	  "cli_function_concurrency", 0 },

	{ "alias", "create", "create an alias of a function's version", "FUNCTION ALIAS", 2, 2,
	  alias_create_opts,
	  "Creates an alias pointing to a published version (CreateAlias); --weight V2=W sends "
	  "the share W of invocations to version V2 instead (weighted routing).",
	  "slipway alias create thumbs live --version 1\n"
	  "slipway alias create thumbs live --version 1 --weight 2=10%",
	  "cli_alias_create", 0 },
	{ "alias", "update", "point an alias elsewhere or change its routing", "FUNCTION ALIAS", 2,
	  2, alias_update_opts,
	  "Changes an alias (UpdateAlias): its version, its weighted routing (--weight, or "
	  "--no-weight to send everything to its version), its description.",
	  "slipway alias update thumbs live --weight 2=0.5\n"
	  "slipway alias update thumbs live --version 2 --no-weight",
	  "cli_alias_update", 0 },
	{ "alias", "show", "show an alias and its routing", "FUNCTION ALIAS", 2, 2, no_opts,
	  "Shows an alias (GetAlias): its version and the share of invocations each version "
	  "gets, as percentages.",
	  "slipway alias show thumbs live", "cli_alias_show", 0 },
	{ "alias", "list", "list a function's aliases", "FUNCTION", 1, 1, no_opts,
	  "Lists the aliases of a function (ListAliases, every page) with their routing as "
	  "percentages.",
	  "slipway alias list thumbs", "cli_alias_list", 0 },
	{ "alias", "delete", "delete an alias", "FUNCTION ALIAS", 2, 2, no_opts,
	  "Deletes an alias (DeleteAlias); the versions stay.", "slipway alias delete thumbs live",
	  "cli_alias_delete", 0 },

	{ "completion", "bash", "print the bash completion script", NULL, 0, 0, completion_opts,
	  "Prints a bash completion script generated from the command table.",
	  "source <(slipway completion bash)\n"
	  "slipway completion bash > /etc/bash_completion.d/slipway",
	  NULL, CLI_BUILTIN },
	{ NULL },
};
