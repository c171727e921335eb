/* config: the agent's YAML configuration, validated up front so that a bad file stops the
 * agent with a clear message instead of failing later. */
#include "config.h"
#include "base/buf.h"
#include "base/str.h"
#include "hooks.h"

#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct config__key {
	const char *name;
	size_t offset;
	size_t size;
	int required;
};

#define CK(n, field, req)                                          \
	{                                                          \
		n, offsetof(struct agent_config, field),           \
		    sizeof(((struct agent_config *)0)->field), req \
	}

static const struct config__key config__keys[] = {
	CK("aws_access_key_id", access_key, 1),
	CK("aws_secret_access_key", secret_key, 1),
	CK("iam_user_arn", host_identifier, 1),
	CK("region", region, 1),
	CK("endpoint", endpoint, 1),
	CK("ca_file", ca_file, 1),
	CK("root_dir", root_dir, 0),
	CK("log_dir", log_dir, 0),
	{ NULL, 0, 0, 0 },
};

void config_release(struct agent_config *c)
{
	free(c->ca_pem);
	c->ca_pem = NULL;
}

/* "root_dir", ":root_dir" and ":root_dir:" all name root_dir. */
static void config__key_name(const char *raw, size_t len, char *out, size_t size)
{
	if (len && raw[0] == ':') {
		raw++;
		len--;
	}
	if (len && raw[len - 1] == ':')
		len--;
	if (str_copyn(out, size, raw, len))
		out[0] = '\0';
}

static int config__int(const char *path, const char *key, const char *v, int min, int max, int *out,
		       struct err *e)
{
	int64_t n;

	if (str_to_i64(v, min, max, &n))
		return err_set(e, SW_E_INVALID,
			       "%s: '%s' must be an integer from %d to %d (got '%s')", path, key,
			       min, max, v);
	*out = (int)n;
	return 0;
}

static int config__load_ca(const char *path, struct agent_config *c, struct err *e)
{
	struct buf b = BUF_INIT(1 << 20);
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(c->ca_file, "re");

	if (!fp)
		return err_set(e, SW_E_INVALID, "%s: ca_file '%s' cannot be read: %s", path,
			       c->ca_file, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_add(&b, chunk, n)) {
			fclose(fp);
			buf_release(&b);
			return err_set(e, SW_E_INVALID, "%s: ca_file '%s' is too large", path,
				       c->ca_file);
		}
	fclose(fp);
	if (!strstr(buf_str(&b), "-----BEGIN CERTIFICATE-----")) {
		buf_release(&b);
		return err_set(e, SW_E_INVALID,
			       "%s: ca_file '%s' does not hold a PEM certificate (use slipwayd's "
			       "DATA/server.crt)",
			       path, c->ca_file);
	}
	c->ca_pem = buf_detach(&b);
	return 0;
}

int config_load(const char *path, struct agent_config *c, struct err *e)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET };
	struct fy_document *doc;
	struct fy_node *root;
	struct fy_node_pair *p;
	struct buf missing = BUF_INIT(1024);
	void *it = NULL;
	struct stat st;
	bool seen[16] = { false };
	int r = 0;

	memset(c, 0, sizeof(*c));
	c->max_revisions = 5;
	c->http_read_timeout = 80;
	c->wait_between_runs = 1;
	c->max_script_log_bytes = (int)HOOK_LOG_DEFAULT_MAX;
	str_copy(c->root_dir, sizeof(c->root_dir), "/opt/codedeploy-agent/deployment-root");
	if (stat(path, &st) != 0)
		return err_set(e, SW_E_INVALID, "configuration file '%s' cannot be read: %s", path,
			       strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size > (1 << 20))
		return err_set(e, SW_E_INVALID,
			       "configuration file '%s' is not a regular file of "
			       "at most 1 MiB",
			       path);
	doc = fy_document_build_from_file(&cfg, path);
	if (!doc)
		return err_set(e, SW_E_INVALID, "configuration file '%s' is not valid YAML", path);
	root = fy_document_root(doc);
	if (!root || fy_node_get_type(root) != FYNT_MAPPING) {
		fy_document_destroy(doc);
		return err_set(e, SW_E_INVALID,
			       "configuration file '%s' must be a mapping of keys to values", path);
	}
	while (!r && (p = fy_node_mapping_iterate(root, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		const char *raw, *val;
		size_t klen, vlen;
		char key[64], value[4096];
		int i;

		if (!k || fy_node_get_type(k) != FYNT_SCALAR)
			continue;
		raw = fy_node_get_scalar(k, &klen);
		config__key_name(raw, klen, key, sizeof(key));
		if (!v || fy_node_get_type(v) != FYNT_SCALAR) {
			r = err_set(e, SW_E_INVALID, "%s: '%s' must be a single value", path, key);
			break;
		}
		val = fy_node_get_scalar(v, &vlen);
		if (str_copyn(value, sizeof(value), val ? val : "", val ? vlen : 0)) {
			r = err_set(e, SW_E_INVALID, "%s: '%s' is too long", path, key);
			break;
		}
		for (i = 0; config__keys[i].name; i++)
			if (strcmp(key, config__keys[i].name) == 0)
				break;
		if (config__keys[i].name) {
			if (str_copy((char *)c + config__keys[i].offset, config__keys[i].size,
				     value))
				r = err_set(e, SW_E_INVALID, "%s: '%s' is too long", path, key);
			seen[i] = value[0] != '\0';
		} else if (strcmp(key, "max_revisions") == 0) {
			r = config__int(path, key, value, 1, 1000, &c->max_revisions, e);
		} else if (strcmp(key, "http_read_timeout") == 0) {
			r = config__int(path, key, value, 5, 3600, &c->http_read_timeout, e);
		} else if (strcmp(key, "wait_between_runs") == 0) {
			r = config__int(path, key, value, 0, 3600, &c->wait_between_runs, e);
		} else if (strcmp(key, "max_script_log_bytes") == 0) {
			r = config__int(path, key, value, 1 << 10, 1 << 30,
					&c->max_script_log_bytes, e);
		} else if (strcmp(key, "iam_session_arn") == 0 ||
			   strcmp(key, "aws_credentials_file") == 0) {
			r = err_set(
			    e, SW_E_INVALID,
			    "%s: '%s' is not supported; register the instance with an IAM user "
			    "and give iam_user_arn, aws_access_key_id and "
			    "aws_secret_access_key",
			    path, key);
		}
		/* other keys (AWS agent settings we do not use) are ignored */
	}
	fy_document_destroy(doc);
	if (r)
		return r;
	for (int i = 0; config__keys[i].name; i++)
		if (config__keys[i].required && !seen[i])
			buf_addf(&missing, "%s'%s'", missing.len ? ", " : "", config__keys[i].name);
	if (missing.len) {
		r = err_set(e, SW_E_INVALID, "configuration file '%s' is incomplete: missing %s",
			    path, buf_str(&missing));
		buf_release(&missing);
		return r;
	}
	if (!str_starts(c->endpoint, "http://") && !str_starts(c->endpoint, "https://"))
		return err_set(e, SW_E_INVALID,
			       "%s: 'endpoint' must be an http:// or https:// URL (got '%s')", path,
			       c->endpoint);
	while (str_ends(c->endpoint, "/"))
		c->endpoint[strlen(c->endpoint) - 1] = '\0';
	if (c->root_dir[0] != '/')
		return err_set(e, SW_E_INVALID, "%s: 'root_dir' must be an absolute path", path);
	if (c->log_dir[0] && c->log_dir[0] != '/')
		return err_set(e, SW_E_INVALID, "%s: 'log_dir' must be an absolute path", path);
	return config__load_ca(path, c, e);
}
