/* slipway-agent: the host agent — polls slipwayd's Commands API for host commands, executes
 * them (DownloadBundle, Install, hooks) and reports the outcome, one long poll at a time. */
#include "base/fs.h"
#include "base/log.h"
#include "base/str.h"
#include "client.h"
#include "command.h"
#include "config.h"
#include "helper.h"
#include "layout.h"
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define AGENT_RECOVERY_MAX_AGE (24 * 3600)

static volatile sig_atomic_t agent__stop;
static int agent__pipe[2] = { -1, -1 };

/* SIGTERM/SIGINT: stop after the current command; the write wakes a waiting long poll. */
static void agent__on_signal(int sig)
{
	int saved = errno;
	char c = 1;

	(void)sig;
	agent__stop = 1;
	if (write(agent__pipe[1], &c, 1) < 0) {
		/* the pipe is full: a wake-up is already pending */
	}
	errno = saved;
}

/* Sleeps up to ms, returning early when asked to stop. */
static void agent__sleep(int ms)
{
	struct pollfd p = { agent__pipe[0], POLLIN, 0 };

	if (!agent__stop)
		poll(&p, 1, ms);
}

struct agent {
	struct agent_config cfg;
	struct client client;
	struct command_ctx ctx;
	int errors;    /* consecutive failures, for the back-off */
	bool accepted; /* the server has accepted this host's key since the agent started */
};

static json_t *agent__envelope(const char *payload)
{
	return json_pack("{s:s, s:s}", "Format", "JSON", "Payload", payload);
}

/* PutHostCommandComplete, retried a few times: the server must hear about the outcome. */
static void agent__complete(struct agent *a, const char *hcid, bool ok, const char *diag)
{
	json_t *req = json_pack("{s:s, s:s, s:o}", "HostCommandIdentifier", hcid, "CommandStatus",
				ok ? "Succeeded" : "Failed", "Diagnostics", agent__envelope(diag));
	struct err e = { 0 };

	for (int attempt = 0; req && attempt < 5; attempt++) {
		json_t *resp = NULL;

		err_clear(&e);
		if (client_call(&a->client, "PutHostCommandComplete", req, 60, false, &resp, &e) ==
		    0) {
			json_decref(resp);
			break;
		}
		log_warn("agent", "cannot report '%s' complete: %s", hcid, err_message(&e));
		if (e.code != SW_E_AGAIN)
			break;
		agent__sleep(2000 << attempt);
	}
	json_decref(req);
}

static void agent__complete_error(struct agent *a, const char *hcid, int code, const char *msg)
{
	struct command_result *res = calloc(1, sizeof(*res));
	char *diag;

	if (!res)
		return;
	res->code = code;
	str_copy(res->message, sizeof(res->message), msg);
	diag = command_diagnostics(res);
	agent__complete(a, hcid, false, diag ? diag : "{}");
	free(diag);
	free(res);
}

/* An agent killed during a command fails that command as soon as it is back (§6.2 step 6). */
static void agent__recover(struct agent *a)
{
	char hcid[2048];
	struct err e = { 0 };

	if (layout_track_recover(a->cfg.root_dir, AGENT_RECOVERY_MAX_AGE, true, hcid, sizeof(hcid),
				 &e) != 0)
		return;
	log_warn("agent", "failing host command '%s' that was running when the agent stopped",
		 hcid);
	agent__complete_error(
	    a, hcid, HOOK_FAILED_AFTER_RESTART,
	    "Failed: Failing in-progress lifecycle event after an agent restart.");
}

static int agent__get_spec(struct agent *a, const char *execution_id, struct deploy_spec *spec,
			   struct err *e)
{
	json_t *req = json_pack("{s:s, s:s}", "DeploymentExecutionId", execution_id,
				"HostIdentifier", a->cfg.host_identifier);
	json_t *resp = NULL, *env;
	struct buf content = BUF_INIT(1 << 20);
	const char *system;
	int r;

	memset(spec, 0, sizeof(*spec));
	if (!req)
		return err_set(e, SW_E_NOMEM, NULL);
	r = client_call(&a->client, "GetDeploymentSpecification", req, 60, false, &resp, e);
	json_decref(req);
	if (r)
		return r;
	system = json_string_value(json_object_get(resp, "DeploymentSystem"));
	env = json_object_get(json_object_get(resp, "DeploymentSpecification"), "GenericEnvelope");
	if (!system || strcmp(system, "CodeDeploy") != 0)
		r = err_set(e, SW_E_INVALID, "unexpected DeploymentSystem '%s'",
			    system ? system : "");
	else if (!json_is_object(env))
		r = err_set(e, SW_E_INVALID, "the deployment specification has no GenericEnvelope");
	else
		r = helper_open_envelope(
		    a->cfg.ca_file, json_string_value(json_object_get(env, "Format")),
		    json_string_value(json_object_get(env, "Payload")), &content, e);
	if (!r)
		r = spec_parse_json(content.p ? content.p : "", content.len, spec, e);
	buf_release(&content);
	json_decref(resp);
	return r;
}

static void agent__run_command(struct agent *a, json_t *cmd)
{
	const char *hcid = json_string_value(json_object_get(cmd, "HostCommandIdentifier"));
	const char *host = json_string_value(json_object_get(cmd, "HostIdentifier"));
	const char *execution = json_string_value(json_object_get(cmd, "DeploymentExecutionId"));
	const char *name = json_string_value(json_object_get(cmd, "CommandName"));
	struct command_result *res = NULL;
	struct deploy_spec spec;
	struct err e = { 0 };
	json_t *req, *resp = NULL;
	const char *status;
	bool noop;
	char noop_json[32];
	char *diag;
	int r;

	if (!hcid || !*hcid) {
		log_warn("agent", "ignoring a host command without an identifier");
		return;
	}
	if (!name || !*name || !execution || (host && !strstr(a->cfg.host_identifier, host))) {
		log_warn("agent",
			 "ignoring host command '%s': no command name, or not for this host", hcid);
		return;
	}
	log_info("agent", "command %s for %s (%s)", name, execution, hcid);
	if (agent__get_spec(a, execution, &spec, &e)) {
		log_error("agent", "cannot use the deployment specification: %s", err_message(&e));
		agent__complete_error(a, hcid, HOOK_UNKNOWN_ERROR, err_message(&e));
		spec_release(&spec);
		return;
	}
	noop = command_is_noop(&a->ctx, &spec, name);
	str_fmt(noop_json, sizeof(noop_json), "{\"IsCommandNoop\":%s}", noop ? "true" : "false");
	req = json_pack("{s:s, s:o}", "HostCommandIdentifier", hcid, "Diagnostics",
			agent__envelope(noop_json));
	r = req ? client_call(&a->client, "PutHostCommandAcknowledgement", req, 60, false, &resp,
			      &e)
		: -SW_E_NOMEM;
	json_decref(req);
	if (r) {
		log_error("agent", "cannot acknowledge '%s': %s", hcid, err_message(&e));
		spec_release(&spec);
		return;
	}
	status = json_string_value(json_object_get(resp, "CommandStatus"));
	if (status && (strcmp(status, "Succeeded") == 0 || strcmp(status, "Failed") == 0)) {
		if (strcmp(status, "Failed") == 0 && noop)
			agent__complete(a, hcid, true,
					"{\"error_code\":0,\"script_name\":\"\",\"message\":"
					"\"Succeeded: CompletedNoopCommand\",\"log\":\"\"}");
		log_info("agent", "command '%s' is already %s; not executing it", hcid, status);
		json_decref(resp);
		spec_release(&spec);
		return;
	}
	json_decref(resp);
	if (layout_track_begin(a->cfg.root_dir, spec.deployment_id, hcid, &e))
		log_warn("agent", "cannot track the command: %s", err_message(&e));
	res = calloc(1, sizeof(*res));
	if (!res) {
		agent__complete_error(a, hcid, HOOK_UNKNOWN_ERROR, "out of memory");
	} else {
		r = command_execute(&a->ctx, &spec, name, res);
		diag = command_diagnostics(res);
		if (r)
			log_warn("agent", "%s failed (code %d): %s", name, res->code, res->message);
		else
			log_info("agent", "%s succeeded", name);
		agent__complete(a, hcid, r == 0, diag ? diag : "{}");
		free(diag);
		free(res);
	}
	layout_track_end(a->cfg.root_dir, spec.deployment_id);
	spec_release(&spec);
	/* Reap what timed-out scripts left behind, without waiting. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	malloc_trim(0); /* back to idle: hand the command's freed heap pages to the kernel */
}

/* One PollHostCommand; returns 1 when a command was run, 0 when none came, <0 on error. */
static int agent__poll_once(struct agent *a)
{
	json_t *req = json_pack("{s:s}", "HostIdentifier", a->cfg.host_identifier);
	json_t *resp = NULL, *cmd;
	struct err e = { 0 };
	int r;

	if (!req)
		return -SW_E_NOMEM;
	r = client_call(&a->client, "PollHostCommand", req, a->cfg.http_read_timeout, true, &resp,
			&e);
	json_decref(req);
	if (r) {
		if (!a->client.cancelled)
			log_warn("agent", "poll failed: %s", err_message(&e));
		return r;
	}
	a->accepted = true;
	cmd = json_object_get(resp, "HostCommand");
	if (json_is_object(cmd)) {
		agent__run_command(a, cmd);
		r = 1;
	}
	json_decref(resp);
	return r;
}

/* The AWS agent's back-off after n consecutive errors: about 10 s rising to 90 s. */
static int agent__backoff_ms(int n)
{
	double s = 90.0;

	if (n > 10)
		n = 10;
	for (int i = n; i < 10; i++)
		s /= 1.2675;
	return (int)(s * 1000);
}

static void agent__usage(FILE *fp)
{
	fprintf(fp, "usage: slipway-agent --config FILE [--once] [--log-level LEVEL] [--stderr]\n"
		    "  --config FILE   YAML configuration (docs/agent.md: aws_access_key_id, "
		    "aws_secret_access_key,\n"
		    "                  iam_user_arn, region, endpoint, ca_file, root_dir, log_dir, "
		    "max_revisions,\n"
		    "                  http_read_timeout, wait_between_runs, "
		    "max_script_log_bytes)\n"
		    "  --once          poll once, run what comes, and exit\n"
		    "  --stderr        keep logging to stderr even when log_dir is set\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "stderr", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL;
	bool once = false, to_stderr = false;
	struct agent *a;
	struct err e = { 0 };
	struct sigaction sa;
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'o':
			once = true;
			break;
		case 's':
			to_stderr = true;
			break;
		case 'l':
			if (log_level_parse(optarg) < 0) {
				fprintf(stderr, "slipway-agent: unknown log level '%s'\n", optarg);
				return 2;
			}
			log_set_level((enum log_level)log_level_parse(optarg));
			break;
		case 'v':
			printf("slipway-agent 0.1.0\n");
			return 0;
		case 'h':
			agent__usage(stdout);
			return 0;
		default:
			agent__usage(stderr);
			return 2;
		}
	}
	if (!config_path || optind != argc) {
		fprintf(stderr, "slipway-agent: --config FILE is required\n");
		agent__usage(stderr);
		return 2;
	}
	/* Idle RSS (the agent's headline figure): one malloc arena, and big transient blocks
	 * (replies, AppSpecs) from mmap so that freeing them gives the memory back — a fixed
	 * threshold, which glibc would otherwise raise after the first such block is freed. */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	a = calloc(1, sizeof(*a));
	if (!a)
		return 1;
	if (config_load(config_path, &a->cfg, &e)) {
		fprintf(stderr, "slipway-agent: %s\n", err_message(&e));
		config_release(&a->cfg);
		free(a);
		return 2;
	}
	if (fs_mkdir_p(a->cfg.root_dir, 0755, &e) ||
	    (a->cfg.log_dir[0] && fs_mkdir_p(a->cfg.log_dir, 0755, &e))) {
		fprintf(stderr, "slipway-agent: %s\n", err_message(&e));
		config_release(&a->cfg);
		free(a);
		return 2;
	}
	if (a->cfg.log_dir[0] && !to_stderr) {
		char path[4200];
		int fd;

		str_fmt(path, sizeof(path), "%s/slipway-agent.log", a->cfg.log_dir);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
	}
	if (pipe2(agent__pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		perror("slipway-agent: pipe");
		config_release(&a->cfg);
		free(a);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = agent__on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (client_init(&a->client, &a->cfg, agent__pipe[0], &e)) {
		fprintf(stderr, "slipway-agent: %s\n", err_message(&e));
		config_release(&a->cfg);
		free(a);
		return 1;
	}
	a->ctx.root = a->cfg.root_dir;
	a->ctx.max_revisions = a->cfg.max_revisions;
	a->ctx.max_script_log_bytes = (size_t)a->cfg.max_script_log_bytes;
	a->ctx.download = client_download;
	a->ctx.download_arg = &a->client;
	a->ctx.extract = helper_unpack;
	log_info("agent", "slipway-agent 0.1.0 polling %s as '%s' (root %s)", a->cfg.endpoint,
		 a->cfg.host_identifier, a->cfg.root_dir);
	agent__recover(a);
	while (!agent__stop) {
		int r = agent__poll_once(a);

		if (once) {
			status = r < 0 ? 1 : 0;
			break;
		}
		/* A key the server accepted and now refuses was deactivated: the instance was
		 * deregistered (by DeregisterOnPremisesInstance, or by a blue/green deployment that
		 * terminated the original fleet).  Nothing will come for it any more: stop. */
		if (r < 0 && a->accepted &&
		    (str_eq(a->client.error_type, "UnrecognizedClientException") ||
		     str_eq(a->client.error_type, "InvalidClientTokenId"))) {
			log_info("agent",
				 "the server refuses this host's key (%s): the instance was "
				 "deregistered; stopping",
				 a->client.error_type);
			break;
		}
		if (r < 0 && !a->client.cancelled) {
			a->errors++;
			agent__sleep(agent__backoff_ms(a->errors));
		} else if (r == 0) {
			a->errors = 0;
			agent__sleep(a->cfg.wait_between_runs * 1000);
		} else {
			a->errors = 0;
		}
	}
	log_info("agent", "stopping");
	client_release(&a->client);
	config_release(&a->cfg);
	free(a);
	close(agent__pipe[0]);
	close(agent__pipe[1]);
	return status;
}
