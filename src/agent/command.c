/* command: DownloadBundle, Install and hook events over the on-disk layout (§2.3, §6.4). */
#include "command.h"
#include "appspec.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/str.h"
#include "bundle.h"
#include "install.h"
#include "layout.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD_PATH 4096

bool command_known(const char *name)
{
	for (int i = 0; appspec_agent_events[i]; i++)
		if (strcmp(name, appspec_agent_events[i]) == 0)
			return true;
	return false;
}

/* A custom event named in AllPossibleLifecycleEvents (codedeploy-local's --events). */
static bool command__custom(const struct deploy_spec *spec, const char *name)
{
	for (size_t i = 0; spec->all_events && spec->all_events[i]; i++)
		if (strcmp(spec->all_events[i], name) == 0)
			return strcmp(name, "DownloadBundle") != 0 && strcmp(name, "Install") != 0;
	return false;
}

static int command__fail(struct command_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int command__fail(struct command_result *res, const char *fmt, ...)
{
	va_list ap;

	res->code = HOOK_UNKNOWN_ERROR;
	res->script[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	return -1;
}

static bool command__is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool command__exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Which deployment directory a hook event's scripts come from; "" when the event is a no-op
 * because nothing was installed before (§2.3). */
static void command__select_dir(const struct command_ctx *ctx, const struct deploy_spec *spec,
				const char *event, char *out, size_t size)
{
	char current[CMD_PATH], archive[CMD_PATH], ptr[CMD_PATH];
	const char *pointer = NULL;
	bool bg_rollback = strcmp(spec->creator, "codeDeployRollback") == 0 &&
			   strcmp(spec->deployment_type, "BLUE_GREEN") == 0;

	layout_deploy_dir(ctx->root, spec->deployment_group_id, spec->deployment_id, current,
			  sizeof(current));
	str_copy(out, size, current);
	if (str_fmt(archive, sizeof(archive), "%s/deployment-archive", current) ||
	    command__exists(archive))
		return;
	if (strcmp(event, "ApplicationStop") == 0)
		pointer = LAYOUT_LAST_SUCCESSFUL;
	else if (strcmp(event, "BeforeBlockTraffic") == 0 ||
		 strcmp(event, "AfterBlockTraffic") == 0)
		pointer = bg_rollback ? LAYOUT_MOST_RECENT : LAYOUT_LAST_SUCCESSFUL;
	else if (bg_rollback && (strcmp(event, "BeforeAllowTraffic") == 0 ||
				 strcmp(event, "AfterAllowTraffic") == 0))
		pointer = LAYOUT_LAST_SUCCESSFUL;
	if (!pointer)
		return;
	out[0] = '\0';
	if (layout_instructions_file(ctx->root, spec->deployment_group_id, pointer, ptr,
				     sizeof(ptr)) == 0 &&
	    layout_read_pointer(ptr, out, size, NULL) != 0)
		out[0] = '\0';
}

/* The AppSpec file name inside archive: AppSpecFilename, else appspec.yaml, else appspec.yml. */
static const char *command__appspec_name(const struct deploy_spec *spec, const char *archive)
{
	char path[CMD_PATH];

	if (!str_fmt(path, sizeof(path), "%s/%s", archive, spec->appspec_filename) &&
	    command__exists(path))
		return spec->appspec_filename;
	if (!str_fmt(path, sizeof(path), "%s/appspec.yaml", archive) && command__exists(path))
		return "appspec.yaml";
	return "appspec.yml";
}

static int command__load(const struct deploy_spec *spec, const char *archive, struct appspec *as,
			 struct err *e)
{
	return appspec_load(archive, command__appspec_name(spec, archive),
			    spec_lifecycle_events(spec), as, e);
}

bool command_is_noop(const struct command_ctx *ctx, const struct deploy_spec *spec,
		     const char *name)
{
	char dir[CMD_PATH], archive[CMD_PATH];
	struct appspec as;
	struct err e = { 0 };
	const struct appspec_hook *h;
	bool noop;

	if (strcmp(name, "DownloadBundle") == 0 || strcmp(name, "Install") == 0)
		return false;
	command__select_dir(ctx, spec, name, dir, sizeof(dir));
	if (!dir[0] || str_fmt(archive, sizeof(archive), "%s/deployment-archive", dir) ||
	    !command__is_dir(archive))
		return true;
	if (command__load(spec, archive, &as, &e) != 0) {
		appspec_release(&as);
		return false; /* let the execution report the problem */
	}
	h = appspec_hook(&as, name);
	noop = !h || !h->nscripts;
	appspec_release(&as);
	return noop;
}

static int command__download(const struct command_ctx *ctx, const struct deploy_spec *spec,
			     const char *deploy_dir, struct command_result *res)
{
	char archive[CMD_PATH], bundle[CMD_PATH], ptr[CMD_PATH];
	struct err e = { 0 };
	int r = 0;

	if (str_fmt(archive, sizeof(archive), "%s/deployment-archive", deploy_dir) ||
	    str_fmt(bundle, sizeof(bundle), "%s/bundle.tar", deploy_dir))
		return command__fail(res, "deployment root path too long");
	if (layout_prune(ctx->root, spec->deployment_group_id, spec->deployment_id,
			 ctx->max_revisions, &e))
		log_warn("agent", "retention: %s", err_message(&e));
	err_clear(&e);
	if (fs_rm_rf(archive, &e))
		return command__fail(res, "%s", err_message(&e));
	switch (spec->revision) {
	case SPEC_REV_S3:
		if (!ctx->download)
			return command__fail(res, "S3 revisions need the agent's client");
		if (!ctx->extract)
			return command__fail(res, "archive revisions need an extractor");
		r = ctx->download(ctx->download_arg, spec, bundle, &e);
		if (!r)
			r = ctx->extract(bundle, spec->bundle_type, archive, &e);
		unlink(bundle); /* the unpacked archive is all that is kept */
		break;
	case SPEC_REV_LOCAL_FILE:
		if (!ctx->extract)
			return command__fail(res, "archive revisions need an extractor");
		r = ctx->extract(spec->location, spec->bundle_type, archive, &e);
		break;
	case SPEC_REV_LOCAL_DIRECTORY:
		r = bundle_copy_dir(spec->location, archive, &e);
		break;
	case SPEC_REV_APPSPEC_CONTENT: {
		char path[CMD_PATH];

		r = fs_mkdir_p(archive, 0755, &e);
		if (!r && str_fmt(path, sizeof(path), "%s/%s", archive, spec->appspec_filename))
			r = err_set(&e, SW_E_TRUNCATED, "path too long");
		if (!r)
			r = layout_write_file(path, spec->content, strlen(spec->content), &e);
		break;
	}
	default:
		r = err_set(&e, SW_E_INVALID, "the deployment has no revision to download");
	}
	if (r) {
		fs_rm_rf(archive, NULL);
		return command__fail(res, "%s", err_message(&e));
	}
	if (layout_instructions_file(ctx->root, spec->deployment_group_id, LAYOUT_MOST_RECENT, ptr,
				     sizeof(ptr)) ||
	    layout_write_file(ptr, deploy_dir, strlen(deploy_dir), &e))
		return command__fail(res, "cannot record the most recent install: %s",
				     err_message(&e));
	return 0;
}

static int command__install(const struct command_ctx *ctx, const struct deploy_spec *spec,
			    const char *deploy_dir, struct command_result *res)
{
	char archive[CMD_PATH], ptr[CMD_PATH];
	struct appspec as;
	struct err e = { 0 };
	enum appspec_feb feb;
	int r;

	if (str_fmt(archive, sizeof(archive), "%s/deployment-archive", deploy_dir))
		return command__fail(res, "deployment root path too long");
	if (!command__is_dir(archive))
		return command__fail(res, "the revision was not downloaded: %s does not exist",
				     archive);
	r = command__load(spec, archive, &as, &e);
	if (!r) {
		/* Precedence: AppSpec > deployment's fileExistsBehavior > DISALLOW. */
		feb = as.file_exists_behavior	   ? as.file_exists_behavior
		      : spec->file_exists_behavior ? spec->file_exists_behavior
						   : APPSPEC_FEB_DISALLOW;
		r = install_run(ctx->root, spec->deployment_group_id, archive, &as, feb, &e);
	}
	appspec_release(&as);
	if (r)
		return command__fail(res, "%s", err_message(&e));
	/* Written at the end of Install, not when the deployment succeeds (§2.3 pitfall 3). */
	if (layout_instructions_file(ctx->root, spec->deployment_group_id, LAYOUT_LAST_SUCCESSFUL,
				     ptr, sizeof(ptr)) ||
	    layout_write_file(ptr, deploy_dir, strlen(deploy_dir), &e))
		return command__fail(res, "cannot record the last successful install: %s",
				     err_message(&e));
	return 0;
}

static int command__hook(const struct command_ctx *ctx, const struct deploy_spec *spec,
			 const char *name, const char *deploy_dir, struct command_result *res)
{
	char dir[CMD_PATH], archive[CMD_PATH], dlog[CMD_PATH];
	struct hook_env env = { 0 };
	struct hook_result hr;
	struct appspec as;
	struct err e = { 0 };
	int r;

	command__select_dir(ctx, spec, name, dir, sizeof(dir));
	if (!dir[0] || str_fmt(archive, sizeof(archive), "%s/deployment-archive", dir) ||
	    !command__is_dir(archive))
		return 0; /* nothing installed yet: the event is a no-op */
	if (command__load(spec, archive, &as, &e)) {
		appspec_release(&as);
		return command__fail(res, "%s", err_message(&e));
	}
	env.deployment_id = spec->deployment_id;
	env.application_name = spec->application_name;
	env.deployment_group_name = spec->deployment_group_name;
	env.deployment_group_id = spec->deployment_group_id;
	if (spec->revision == SPEC_REV_S3) {
		env.bundle_bucket = spec->bucket;
		env.bundle_key = spec->key;
		env.bundle_version = spec->version;
		env.bundle_etag = spec->etag;
	}
	str_fmt(dlog, sizeof(dlog), "%s/deployment-logs/codedeploy-agent-deployments.log",
		ctx->root);
	(void)deploy_dir;
	r = hook_run_event(
	    name, appspec_hook(&as, name), archive, &env, res->log_path, dlog,
	    ctx->max_script_log_bytes ? ctx->max_script_log_bytes : HOOK_LOG_DEFAULT_MAX, &hr);
	appspec_release(&as);
	res->tail = hr.tail;
	if (r) {
		res->code = hr.code;
		str_copy(res->script, sizeof(res->script), hr.script);
		str_copy(res->message, sizeof(res->message), hr.message);
		return -1;
	}
	return 0;
}

int command_execute(const struct command_ctx *ctx, const struct deploy_spec *spec, const char *name,
		    struct command_result *res)
{
	char deploy_dir[CMD_PATH], instr[CMD_PATH];
	struct err e = { 0 };

	memset(res, 0, sizeof(*res));
	if (!command_known(name) && !command__custom(spec, name))
		return command__fail(res, "Unsupported command type: %s", name);
	if (!layout_valid_component(spec->deployment_group_id) ||
	    !layout_valid_component(spec->deployment_id) ||
	    layout_deploy_dir(ctx->root, spec->deployment_group_id, spec->deployment_id, deploy_dir,
			      sizeof(deploy_dir)))
		return command__fail(res, "invalid deployment or deployment group id");
	str_fmt(res->log_path, sizeof(res->log_path), "%s/logs/scripts.log", deploy_dir);
	if (fs_mkdir_p(deploy_dir, 0755, &e) ||
	    str_fmt(instr, sizeof(instr), "%s/deployment-instructions", ctx->root) ||
	    fs_mkdir_p(instr, 0755, &e))
		return command__fail(res, "%s", err_message(&e));
	if (strcmp(name, "DownloadBundle") == 0)
		return command__download(ctx, spec, deploy_dir, res);
	if (strcmp(name, "Install") == 0)
		return command__install(ctx, spec, deploy_dir, res);
	return command__hook(ctx, spec, name, deploy_dir, res);
}

/* Copies s with every byte that is not part of valid UTF-8 replaced by '?' (as the AWS agent
 * scrubs script output), so that the JSON string can always be built. */
static char *command__scrub(const char *s)
{
	size_t n = strlen(s), i = 0;
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80	      ? 1
			     : (c >> 5) == 6  ? 2
			     : (c >> 4) == 14 ? 3
			     : (c >> 3) == 30 ? 4
					      : 0;
		bool ok = len > 0 && i + len <= n;

		for (size_t k = 1; ok && k < len; k++)
			ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
		if (ok && len == 2 && c < 0xC2)
			ok = false;
		if (!ok) {
			out[i++] = '?';
			continue;
		}
		memcpy(out + i, s + i, len);
		i += len;
	}
	out[n] = '\0';
	return out;
}

static json_t *command__jstr(const char *s)
{
	char *clean = command__scrub(s);
	json_t *j = clean ? json_string(clean) : NULL;

	free(clean);
	return j ? j : json_string("");
}

char *command_diagnostics(const struct command_result *res)
{
	json_t *o = json_object();
	char msg[1200];
	char *out;

	if (!o)
		return NULL;
	if (res->code == 0)
		str_copy(msg, sizeof(msg), "Succeeded: ");
	else
		str_copy(msg, sizeof(msg), res->message);
	json_object_set_new(o, "error_code", json_integer(res->code));
	json_object_set_new(o, "script_name", command__jstr(res->script));
	json_object_set_new(o, "message", command__jstr(msg));
	json_object_set_new(o, "log", command__jstr(res->code ? res->tail.text : ""));
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return out;
}
