/* deploy_local: `slipway deploy local` — runs a revision's lifecycle events on this host
 * without a server, as AWS's codedeploy-local does. */
#include "agent/appspec.h"
#include "agent/command.h"
#include "agent/layout.h"
#include "agent/spec.h"
#include "base/crypto.h"
#include "base/extract.h"
#include "base/fs.h"
#include "base/str.h"
#include "cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const local__code_names[] = {
	"Succeeded",	"ScriptMissing", "ScriptNotExecutable", "ScriptTimedOut",
	"ScriptFailed", "UnknownError",	 "OutputsLeftOpen",	"FailedAfterRestart",
};

static void local__usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: slipway deploy local --bundle DIR|FILE [options]\n"
	    "  --bundle, -l DIR|FILE          the revision: a directory or a zip/tar/tgz archive\n"
	    "  --group, -g NAME               deployment group (default "
	    "default-local-deployment-group)\n"
	    "  --application, -A NAME         application name given to scripts\n"
	    "  --events, -e EV1,EV2,...       events to run (default: all 11 agent events;\n"
	    "                                 DownloadBundle and Install run first when not "
	    "listed)\n"
	    "  --file-exists-behavior, -f B   DISALLOW (default), OVERWRITE or RETAIN\n"
	    "  --appspec-filename, -a NAME    AppSpec file name (default appspec.yml)\n"
	    "  --root, -r DIR                 deployment root (default "
	    "/opt/codedeploy-agent/deployment-root\n"
	    "                                 as root, else ~/.slipway/deployment-root)\n"
	    "  --max-revisions N              revisions kept per group (default 5)\n"
	    "  --max-script-log-bytes N       output of one script run kept in each log, 1024 to\n"
	    "                                 1073741824 (default 1048576, as the agent's\n"
	    "                                 max_script_log_bytes)\n");
}

/* The events to run and the AllPossibleLifecycleEvents list, both NULL-terminated. */
static int local__events(const char *arg, char ***run, char ***all)
{
	size_t n = 0, k = 0, cap;
	bool has_download = false, has_install = false;
	char *copy, *p, *save = NULL;

	if (!arg) {
		cap = APPSPEC_AGENT_EVENTS + 1;
		*run = calloc(cap, sizeof(char *));
		*all = calloc(cap, sizeof(char *));
		if (!*run || !*all)
			return -1;
		for (int i = 0; appspec_agent_events[i]; i++) {
			(*run)[i] = str_dup(appspec_agent_events[i]);
			(*all)[i] = str_dup(appspec_agent_events[i]);
		}
		return 0;
	}
	for (const char *c = arg; *c; c++)
		n += *c == ',';
	cap = n + 4 + APPSPEC_AGENT_EVENTS;
	*run = calloc(cap, sizeof(char *));
	*all = calloc(cap, sizeof(char *));
	copy = str_dup(arg);
	if (!*run || !*all || !copy) {
		free(copy);
		return -1;
	}
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (!*p)
			continue;
		has_download |= strcmp(p, "DownloadBundle") == 0;
		has_install |= strcmp(p, "Install") == 0;
	}
	free(copy);
	if (!has_download)
		(*run)[k++] = str_dup("DownloadBundle");
	if (!has_install)
		(*run)[k++] = str_dup("Install");
	copy = str_dup(arg);
	if (!copy)
		return -1;
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (*p)
			(*run)[k++] = str_dup(p);
	free(copy);
	n = 0;
	for (int i = 0; appspec_agent_events[i]; i++)
		(*all)[n++] = str_dup(appspec_agent_events[i]);
	for (size_t i = 0; i < k; i++)
		if (!command_known((*run)[i]))
			(*all)[n++] = str_dup((*run)[i]);
	return 0;
}

static void local__free_list(char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}

static void local__print_tail(const char *tail)
{
	const char *p = tail;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		printf("      %.*s\n", len, p);
		p += len + (nl ? 1 : 0);
	}
}

int cli_deploy_local(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'l' },
		{ "bundle-location", required_argument, NULL, 'l' },
		{ "group", required_argument, NULL, 'g' },
		{ "deployment-group", required_argument, NULL, 'g' },
		{ "application", required_argument, NULL, 'A' },
		{ "events", required_argument, NULL, 'e' },
		{ "file-exists-behavior", required_argument, NULL, 'f' },
		{ "appspec-filename", required_argument, NULL, 'a' },
		{ "root", required_argument, NULL, 'r' },
		{ "max-revisions", required_argument, NULL, 'm' },
		{ "max-script-log-bytes", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = NULL, *group = "default-local-deployment-group", *app = NULL;
	const char *events = NULL, *feb = NULL, *appspec_name = "appspec.yml", *root_arg = NULL;
	char root[PATH_MAX], root_abs[PATH_MAX], bundle_abs[PATH_MAX], suffix[10];
	char **run = NULL;
	struct deploy_spec spec;
	struct command_ctx ctx = { 0 };
	struct err e = { 0 };
	struct stat st;
	int64_t max_revisions = 5, max_log = (int64_t)HOOK_LOG_DEFAULT_MAX;
	int opt, status = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "l:g:A:e:f:a:r:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			bundle = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'A':
			app = optarg;
			break;
		case 'e':
			events = optarg;
			break;
		case 'f':
			feb = optarg;
			break;
		case 'a':
			appspec_name = optarg;
			break;
		case 'r':
			root_arg = optarg;
			break;
		case 'm':
			if (str_to_i64(optarg, 1, 1000, &max_revisions)) {
				fprintf(stderr, "slipway: --max-revisions must be 1 to 1000\n");
				return 2;
			}
			break;
		case 'L':
			if (str_to_i64(optarg, 1 << 10, 1 << 30, &max_log)) {
				fprintf(stderr, "slipway: --max-script-log-bytes must be 1024 to "
						"1073741824\n");
				return 2;
			}
			break;
		case 'h':
			local__usage(stdout);
			return 0;
		default:
			local__usage(stderr);
			return 2;
		}
	}
	if (!bundle || optind != argc) {
		local__usage(stderr);
		return 2;
	}
	memset(&spec, 0, sizeof(spec));
	if (stat(bundle, &st) != 0 || !realpath(bundle, bundle_abs)) {
		fprintf(stderr, "slipway: bundle '%s' does not exist\n", bundle);
		return 2;
	}
	if (!layout_valid_component(group)) {
		fprintf(stderr, "slipway: invalid deployment group name '%s'\n", group);
		return 2;
	}
	if (feb && !(spec.file_exists_behavior = appspec_feb_parse(feb))) {
		fprintf(stderr, "slipway: --file-exists-behavior must be DISALLOW, OVERWRITE or "
				"RETAIN\n");
		return 2;
	}
	if (root_arg) {
		if (str_copy(root, sizeof(root), root_arg))
			return 2;
	} else if (geteuid() == 0) {
		str_copy(root, sizeof(root), "/opt/codedeploy-agent/deployment-root");
	} else {
		const char *home = getenv("HOME");

		if (!home || str_fmt(root, sizeof(root), "%s/.slipway/deployment-root", home)) {
			fprintf(stderr, "slipway: no HOME; give --root\n");
			return 2;
		}
	}
	if (fs_mkdir_p(root, 0755, &e) || !realpath(root, root_abs)) {
		fprintf(stderr, "slipway: cannot use the deployment root '%s': %s\n", root,
			err_message(&e));
		return 2;
	}
	str_copy(root, sizeof(root), root_abs);
	if (local__events(events, &run, &spec.all_events)) {
		fprintf(stderr, "slipway: out of memory\n");
		return 1;
	}
	random_string(suffix, 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	str_fmt(spec.deployment_id, sizeof(spec.deployment_id), "d-%s-local", suffix);
	str_copy(spec.deployment_group_id, sizeof(spec.deployment_group_id), group);
	str_copy(spec.deployment_group_name, sizeof(spec.deployment_group_name), group);
	str_copy(spec.application_name, sizeof(spec.application_name), app ? app : bundle_abs);
	str_copy(spec.creator, sizeof(spec.creator), "user");
	str_copy(spec.deployment_type, sizeof(spec.deployment_type), "IN_PLACE");
	str_copy(spec.appspec_filename, sizeof(spec.appspec_filename), appspec_name);
	spec.revision = S_ISDIR(st.st_mode) ? SPEC_REV_LOCAL_DIRECTORY : SPEC_REV_LOCAL_FILE;
	str_copy(spec.location, sizeof(spec.location), bundle_abs);
	ctx.root = root;
	ctx.max_revisions = (int)max_revisions;
	ctx.max_script_log_bytes = (size_t)max_log;
	ctx.extract = extract_archive; /* in process: the CLI links libarchive anyway */

	printf("deployment %s: group %s, bundle %s, root %s\n", spec.deployment_id, group,
	       bundle_abs, root);
	for (size_t i = 0; run[i]; i++) {
		struct command_result *res = calloc(1, sizeof(*res));
		bool noop;

		if (!res) {
			status = 1;
			break;
		}
		noop = command_is_noop(&ctx, &spec, run[i]);
		if (command_execute(&ctx, &spec, run[i], res) == 0) {
			printf("  %-20s %s\n", run[i], noop ? "skipped (no scripts)" : "succeeded");
			fflush(stdout);
			free(res);
			continue;
		}
		printf("  %-20s FAILED\n", run[i]);
		if (res->script[0])
			printf("    script:     %s\n", res->script);
		printf("    error code: %d (%s)\n", res->code,
		       res->code >= 0 && res->code <= 7 ? local__code_names[res->code] : "?");
		printf("    message:    %s\n", res->message);
		if (res->tail.len) {
			printf("    log tail:\n");
			local__print_tail(res->tail.text);
		}
		if (res->script[0])
			printf("    full log:   %s\n", res->log_path);
		free(res);
		status = 1;
		break;
	}
	printf("deployment %s %s\n", spec.deployment_id, status ? "failed" : "succeeded");
	local__free_list(run);
	spec_release(&spec);
	return status;
}
