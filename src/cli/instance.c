/* instance: `slipway instance register|list|show|tag|untag|deregister` — on-premises hosts.
 * register does in one step what AWS needs five calls and a hand-written file for: the IAM
 * user, its access key, the registration, the tags, and slipway-agent's configuration file. */
#include "cli_int.h"
#include "base/str.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INST_BATCH 25 /* BatchGetOnPremisesInstances' limit */

int cli_instance_register(struct cli_args *a);
int cli_instance_list(struct cli_args *a);
int cli_instance_show(struct cli_args *a);
int cli_instance_tag(struct cli_args *a);
int cli_instance_untag(struct cli_args *a);
int cli_instance_deregister(struct cli_args *a);

static char *inst__read_file(const char *path, size_t max)
{
	struct buf b = BUF_INIT(max);
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "re");

	if (!fp)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_add(&b, chunk, n)) {
			fclose(fp);
			buf_release(&b);
			errno = EFBIG;
			return NULL;
		}
	fclose(fp);
	return buf_detach(&b);
}

/* Writes text to path (mode) through a temporary file and rename. */
static int inst__write_file(const char *path, const char *text, mode_t mode, struct buf *why)
{
	char tmp[PATH_MAX + 32];
	size_t len = strlen(text);
	int fd;

	str_fmt(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		buf_addf(why, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0 || fchmod(fd, mode) != 0) {
		buf_addf(why, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		buf_addf(why, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* A YAML double-quoted scalar (JSON's string syntax is valid YAML). */
static void inst__yaml(struct buf *out, const char *key, const char *value)
{
	json_t *s = json_string(value);
	char *q = json_dumps(s, JSON_ENCODE_ANY);

	buf_addf(out, "%s: %s\n", key, q ? q : "\"\"");
	free(q);
	json_decref(s);
}

/* The certificate: --ca, else the profile's ca_file, else server.crt beside the credentials
 * file (slipwayd's DATA/credentials sits beside DATA/server.crt). */
static int inst__find_ca(struct cli_args *a, char *path, size_t size)
{
	const char *given = cli_opt(a, "ca");
	struct cli_conn *c = &cli_state(a)->conn;
	char dir[PATH_MAX];

	if (given)
		return str_copy(path, size, given) ? -1 : 0;
	if (c->ca_file[0])
		return str_copy(path, size, c->ca_file) ? -1 : 0;
	if (c->credentials_path[0] && !str_copy(dir, sizeof(dir), c->credentials_path)) {
		str_fmt(path, size, "%s/server.crt", dirname(dir));
		if (access(path, R_OK) == 0)
			return 0;
	}
	return -1;
}

/* Undoes a partial registration, best effort: the caller reports the original error. */
static void inst__undo(struct cli_args *a, const char *name, bool registered, const char *key_id,
		       bool user)
{
	struct cli_error saved = cli_state(a)->err;

	if (registered)
		cli_cd(a, "DeregisterOnPremisesInstance", json_pack("{s:s}", "instanceName", name),
		       NULL);
	if (key_id && key_id[0]) {
		const char *p[] = { "UserName", name, "AccessKeyId", key_id, NULL };

		cli_iam(a, "DeleteAccessKey", p, NULL);
	}
	if (user) {
		const char *p[] = { "UserName", name, NULL };

		cli_iam(a, "DeleteUser", p, NULL);
	}
	cli_state(a)->err = saved;
}

int cli_instance_register(struct cli_args *a)
{
	const char *name = a->pos[0], *out = cli_opt(a, "out"), *root = cli_opt(a, "root-dir");
	const char *agent_endpoint = cli_opt(a, "agent-endpoint");
	char ca_path[PATH_MAX], out_abs[PATH_MAX], dir[PATH_MAX], crt_path[PATH_MAX + 16];
	char why[512], user_arn[512] = "", key_id[128] = "", secret[128] = "", iarn[512] = "";
	struct buf xml = BUF_INIT(1 << 20), conf = BUF_INIT(1 << 16), err = BUF_INIT(1024);
	json_t *tags = cli_parse_tags(cli_opt(a, "tags"), false, why, sizeof(why));
	char *ca_pem = NULL, *slash;
	bool user = false, registered = false;
	int rc = CLI_OK;

	if (!tags)
		return cli_usage(a, "--tags: %s", why);
	if (root && root[0] != '/') {
		json_decref(tags);
		return cli_usage(a, "--root-dir must be an absolute path");
	}
	if (agent_endpoint && !str_starts(agent_endpoint, "http://") &&
	    !str_starts(agent_endpoint, "https://")) {
		json_decref(tags);
		return cli_usage(a, "--agent-endpoint must be an http:// or https:// URL");
	}
	/* everything that can be checked here is, before anything is created */
	if (cli_conn_resolve(a)) {
		json_decref(tags);
		return cli_fail(a);
	}
	if (inst__find_ca(a, ca_path, sizeof(ca_path))) {
		json_decref(tags);
		return cli_usage(a,
				 "no certificate for the agent: pass --ca with slipwayd's "
				 "DATA/server.crt (or save it with `slipway configure --ca FILE`)");
	}
	ca_pem = inst__read_file(ca_path, 1 << 20);
	if (!ca_pem || !strstr(ca_pem, "-----BEGIN CERTIFICATE-----")) {
		json_decref(tags);
		free(ca_pem);
		return cli_usage(a,
				 "'%s' is not a PEM certificate (%s): pass --ca with slipwayd's "
				 "DATA/server.crt",
				 ca_path, ca_pem ? "no BEGIN CERTIFICATE" : strerror(errno));
	}
	if (str_copy(dir, sizeof(dir), out) || !realpath(dirname(dir), out_abs) ||
	    access(out_abs, W_OK) != 0) {
		json_decref(tags);
		free(ca_pem);
		return cli_usage(a, "cannot write into the directory of --out '%s'", out);
	}
	str_fmt(crt_path, sizeof(crt_path), "%s/server.crt", out_abs);
	slash = strrchr(out, '/');
	str_fmt(dir, sizeof(dir), "%s/%s", out_abs, slash ? slash + 1 : out);
	str_copy(out_abs, sizeof(out_abs), dir);

	/* the IAM user and its key */
	{
		const char *p[] = { "UserName", name, NULL };

		if (cli_iam(a, "CreateUser", p, &xml))
			goto fail;
		user = true;
		cli_xml_text(buf_str(&xml), "Arn", user_arn, sizeof(user_arn));
		buf_reset(&xml);
		if (cli_iam(a, "CreateAccessKey", p, &xml))
			goto fail;
		cli_xml_text(buf_str(&xml), "AccessKeyId", key_id, sizeof(key_id));
		cli_xml_text(buf_str(&xml), "SecretAccessKey", secret, sizeof(secret));
		explicit_bzero(xml.p, xml.len);
		if (!user_arn[0] || !key_id[0] || !secret[0]) {
			cli_error(a, CLI_FAILED, "", "IAM did not return the user's ARN and key");
			goto fail;
		}
	}
	/* the registration and its tags */
	if (cli_cd(a, "RegisterOnPremisesInstance",
		   json_pack("{s:s,s:s}", "instanceName", name, "iamUserArn", user_arn), NULL))
		goto fail;
	registered = true;
	if (cli_cd(a, "AddTagsToOnPremisesInstances",
		   json_pack("{s:[s],s:O}", "instanceNames", name, "tags", tags), NULL))
		goto fail;
	{
		json_t *resp;

		if (cli_cd(a, "GetOnPremisesInstance", json_pack("{s:s}", "instanceName", name),
			   &resp))
			goto fail;
		str_copy(iarn, sizeof(iarn),
			 json_string_value(json_object_get(json_object_get(resp, "instanceInfo"),
							   "instanceArn")));
		json_decref(resp);
	}
	/* the agent's files */
	buf_addf(
	    &conf,
	    "# slipway-agent configuration for on-premises instance '%s', written by "
	    "`slipway instance register`.\n# Start the agent with: slipway-agent --config %s\n",
	    name, out_abs);
	inst__yaml(&conf, "aws_access_key_id", key_id);
	inst__yaml(&conf, "aws_secret_access_key", secret);
	inst__yaml(&conf, "iam_user_arn", user_arn);
	inst__yaml(&conf, "region", cli_state(a)->conn.region);
	inst__yaml(&conf, "endpoint",
		   agent_endpoint ? agent_endpoint : cli_state(a)->conn.endpoint);
	inst__yaml(&conf, "ca_file", crt_path);
	if (root)
		inst__yaml(&conf, "root_dir", root);
	if (inst__write_file(crt_path, ca_pem, 0644, &err) ||
	    inst__write_file(out_abs, buf_str(&conf), 0600, &err)) {
		cli_error(a, CLI_FAILED, "", "%s", buf_str(&err));
		goto fail;
	}
	if (a->g.output == CLI_OUT_JSON) {
		json_t *j =
		    json_pack("{s:s,s:s,s:s,s:O,s:s,s:s,s:s}", "instanceName", name, "iamUserArn",
			      user_arn, "instanceArn", iarn, "tags", tags, "accessKeyId", key_id,
			      "configFile", out_abs, "caFile", crt_path);

		cli_json_print(j);
		json_decref(j);
	} else if (a->g.output == CLI_OUT_TEXT) {
		printf("%s\t%s\t%s\n", name, iarn, out_abs);
	} else {
		struct buf t = BUF_INIT(4096);

		cli_tags_str(tags, &t);
		printf("registered %s (%s), tags %s\n", name, user_arn, buf_str(&t));
		printf("wrote %s and %s\n", out_abs, crt_path);
		printf("next: copy both to the host (same paths) and run `slipway-agent --config "
		       "%s`\n",
		       out_abs);
		buf_release(&t);
	}
	goto out;
fail:
	inst__undo(a, name, registered, key_id, user);
	rc = cli_fail(a);
out:
	explicit_bzero(secret, sizeof(secret));
	if (conf.p)
		explicit_bzero(conf.p, conf.len);
	buf_release(&conf);
	buf_release(&xml);
	buf_release(&err);
	json_decref(tags);
	free(ca_pem);
	return rc;
}

static void inst__row(struct cli_args *a, struct cli_table *t, const json_t *info)
{
	struct buf tags = BUF_INIT(8192);
	char when[64];
	const json_t *dereg = json_object_get(info, "deregisterTime");

	cli_tags_str(json_object_get(info, "tags"), &tags);
	cli_table_row(t, json_string_value(json_object_get(info, "instanceName")),
		      dereg ? "Deregistered" : "Registered", buf_str(&tags),
		      cli_when(a, json_object_get(info, "registerTime"), when, sizeof(when)));
	buf_release(&tags);
}

int cli_instance_list(struct cli_args *a)
{
	const char **filters;
	int nfilters = cli_opt_all(a, "tag", &filters);
	json_t *req = json_object(), *names = json_array(), *infos = json_array(), *v;
	struct cli_table t;
	char why[512];
	size_t i;

	if (!cli_flag(a, "all"))
		json_object_set_new(req, "registrationStatus", json_string("Registered"));
	if (nfilters) {
		json_t *list = json_array();

		for (int k = 0; k < nfilters; k++) {
			json_t *one = cli_parse_tags(filters[k], true, why, sizeof(why));

			if (!one) {
				json_decref(list);
				json_decref(req);
				json_decref(names);
				json_decref(infos);
				return cli_usage(a, "--tag: %s", why);
			}
			json_array_extend(list, one);
			json_decref(one);
		}
		json_object_set_new(req, "tagFilters", list);
	}
	if (cli_cd_pages(a, "ListOnPremisesInstances", req, "instanceNames", names, 0))
		goto fail;
	for (i = 0; i < json_array_size(names); i += INST_BATCH) {
		json_t *batch = json_array(), *resp;
		size_t k;

		for (k = i; k < i + INST_BATCH && k < json_array_size(names); k++)
			json_array_append(batch, json_array_get(names, k));
		if (cli_cd(a, "BatchGetOnPremisesInstances",
			   json_pack("{s:o}", "instanceNames", batch), &resp))
			goto fail;
		json_array_foreach(json_object_get(resp, "instanceInfos"), k, v)
		    json_array_append(infos, v);
		json_decref(resp);
	}
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(infos);
	} else {
		cli_table_init(&t, 4, "NAME", "STATUS", "TAGS", "REGISTERED");
		t.status_col = 1;
		json_array_foreach(infos, i, v) inst__row(a, &t, v);
		cli_table_print(a, &t);
		cli_table_release(&t);
	}
	json_decref(names);
	json_decref(infos);
	return CLI_OK;
fail:
	json_decref(names);
	json_decref(infos);
	return cli_fail(a);
}

static int inst__get(struct cli_args *a, const char *name, json_t **resp, json_t **info)
{
	if (cli_cd(a, "GetOnPremisesInstance", json_pack("{s:s}", "instanceName", name), resp))
		return -1;
	*info = json_object_get(*resp, "instanceInfo");
	return 0;
}

int cli_instance_show(struct cli_args *a)
{
	json_t *resp, *info;
	struct buf tags = BUF_INIT(8192);
	char when[64];

	if (inst__get(a, a->pos[0], &resp, &info))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(info);
	} else {
		cli_tags_str(json_object_get(info, "tags"), &tags);
		cli_kv(a, "name", "%s", json_string_value(json_object_get(info, "instanceName")));
		cli_kv(a, "status", "%s",
		       json_object_get(info, "deregisterTime") ? "Deregistered" : "Registered");
		cli_kv(a, "arn", "%s", json_string_value(json_object_get(info, "instanceArn")));
		cli_kv(a, "iam user", "%s", json_string_value(json_object_get(info, "iamUserArn")));
		cli_kv(a, "tags", "%s", tags.len ? buf_str(&tags) : "(none)");
		cli_kv(a, "registered", "%s",
		       cli_when(a, json_object_get(info, "registerTime"), when, sizeof(when)));
		if (json_object_get(info, "deregisterTime"))
			cli_kv(a, "deregistered", "%s",
			       cli_when(a, json_object_get(info, "deregisterTime"), when,
					sizeof(when)));
	}
	buf_release(&tags);
	json_decref(resp);
	return CLI_OK;
}

static int inst__done(struct cli_args *a, const char *name, const char *verb)
{
	json_t *resp, *info;

	if (a->g.output == CLI_OUT_TABLE) {
		printf("%s %s\n", verb, name);
		return CLI_OK;
	}
	if (a->g.output == CLI_OUT_TEXT)
		return CLI_OK;
	if (inst__get(a, name, &resp, &info))
		return cli_fail(a);
	cli_json_print(info);
	json_decref(resp);
	return CLI_OK;
}

int cli_instance_tag(struct cli_args *a)
{
	json_t *tags = json_array();
	char why[512];

	for (int i = 1; i < a->npos; i++) {
		json_t *one = cli_parse_tags(a->pos[i], false, why, sizeof(why));

		if (!one) {
			json_decref(tags);
			return cli_usage(a, "%s", why);
		}
		json_array_extend(tags, one);
		json_decref(one);
	}
	if (cli_cd(a, "AddTagsToOnPremisesInstances",
		   json_pack("{s:[s],s:o}", "instanceNames", a->pos[0], "tags", tags), NULL))
		return cli_fail(a);
	return inst__done(a, a->pos[0], "tagged");
}

int cli_instance_untag(struct cli_args *a)
{
	json_t *tags = json_array();

	for (int i = 1; i < a->npos; i++)
		json_array_append_new(tags, json_pack("{s:s}", "Key", a->pos[i]));
	if (cli_cd(a, "RemoveTagsFromOnPremisesInstances",
		   json_pack("{s:[s],s:o}", "instanceNames", a->pos[0], "tags", tags), NULL))
		return cli_fail(a);
	return inst__done(a, a->pos[0], "untagged");
}

int cli_instance_deregister(struct cli_args *a)
{
	const char *name = a->pos[0];
	json_t *resp, *info, *tags;
	char user[256] = "";
	const char *arn, *slash;
	int keys_deleted = 0;

	if (inst__get(a, name, &resp, &info))
		return cli_fail(a);
	arn = json_string_value(json_object_get(info, "iamUserArn"));
	if (arn && (slash = strrchr(arn, '/')))
		str_copy(user, sizeof(user), slash + 1);
	tags = json_object_get(info, "tags");
	if ((json_array_size(tags) &&
	     cli_cd(a, "RemoveTagsFromOnPremisesInstances",
		    json_pack("{s:[s],s:O}", "instanceNames", name, "tags", tags), NULL)) ||
	    cli_cd(a, "DeregisterOnPremisesInstance", json_pack("{s:s}", "instanceName", name),
		   NULL)) {
		json_decref(resp);
		return cli_fail(a);
	}
	json_decref(resp);
	if (user[0] && !cli_flag(a, "keep-iam-user")) {
		struct buf xml = BUF_INIT(1 << 20);
		const char *p[] = { "UserName", user, NULL };
		const char *s;

		if (cli_iam(a, "ListAccessKeys", p, &xml)) {
			buf_release(&xml);
			return cli_fail(a);
		}
		/* every <AccessKeyId> in the listing */
		for (s = strstr(buf_str(&xml), "<AccessKeyId>"); s;
		     s = strstr(s + 1, "<AccessKeyId>")) {
			char id[128];
			const char *dp[] = { "UserName", user, "AccessKeyId", id, NULL };

			if (!cli_xml_text(s, "AccessKeyId", id, sizeof(id)))
				break;
			if (cli_iam(a, "DeleteAccessKey", dp, NULL)) {
				buf_release(&xml);
				return cli_fail(a);
			}
			keys_deleted++;
		}
		buf_release(&xml);
		if (cli_iam(a, "DeleteUser", p, NULL))
			return cli_fail(a);
	}
	if (a->g.output == CLI_OUT_JSON) {
		json_t *j = json_pack("{s:s,s:b,s:s?,s:b,s:i}", "instanceName", name,
				      "deregistered", 1, "iamUser", user[0] ? user : NULL,
				      "iamUserDeleted", user[0] && !cli_flag(a, "keep-iam-user"),
				      "accessKeysDeleted", keys_deleted);

		cli_json_print(j);
		json_decref(j);
	} else if (a->g.output == CLI_OUT_TABLE) {
		printf("deregistered %s%s%s%s\n", name,
		       user[0] && !cli_flag(a, "keep-iam-user") ? " and deleted IAM user " : "",
		       user[0] && !cli_flag(a, "keep-iam-user") ? user : "",
		       cli_flag(a, "keep-iam-user") ? " (IAM user kept)" : "");
	}
	return CLI_OK;
}
