/* config: slipway-agent's configuration file — the keys of AWS's codedeploy.onpremises.yml
 * (aws_access_key_id, aws_secret_access_key, iam_user_arn, region) plus endpoint, ca_file,
 * root_dir, log_dir, max_revisions, http_read_timeout, wait_between_runs and
 * max_script_log_bytes (docs/agent.md). */
#ifndef SW_AGENT_CONFIG_H
#define SW_AGENT_CONFIG_H

#include "base/err.h"

struct agent_config {
	char access_key[129];
	char secret_key[129];
	char host_identifier[1025]; /* iam_user_arn */
	char region[64];
	char endpoint[1025];   /* http(s)://host[:port], no trailing '/' */
	char ca_file[4096];    /* the server certificate (slipwayd's DATA/server.crt) */
	char root_dir[4096];   /* default /opt/codedeploy-agent/deployment-root */
	char log_dir[4096];    /* default: none (log to stderr) */
	int max_revisions;     /* default 5, at least 1 */
	int http_read_timeout; /* seconds, default 80 */
	int wait_between_runs; /* seconds between polls after an empty one, default 1 */
	/* Output of one script run kept in scripts.log and in the deployments log, each: default
	 * HOOK_LOG_DEFAULT_MAX (1 MiB), from 1 KiB to 1 GiB. */
	int max_script_log_bytes;
	char *ca_pem; /* the certificate's text, loaded from ca_file (owned) */
};

/*
 * Loads and validates path into c (released with config_release() whatever the result).
 * Keys may be written plain or symbol-style (":root_dir:").  Fails with -SW_E_INVALID and a
 * message for a person: a missing or unreadable file, invalid YAML, a missing required key
 * (all of them named at once), iam_session_arn (not supported), a bad value, or a ca_file that
 * does not hold a PEM certificate.
 */
int config_load(const char *path, struct agent_config *c, struct err *e);
void config_release(struct agent_config *c);

#endif
