/* client: the agent's side of the CodeDeploy Commands API (JSON 1.1, SigV4 service
 * `codedeploy-commands`, PascalCase members) and the S3 GetObject that fetches bundles, over
 * one kept-alive connection of base/httpc.  A long poll can be cancelled at once through a
 * file descriptor (the agent's self-pipe). */
#ifndef SW_AGENT_CLIENT_H
#define SW_AGENT_CLIENT_H

#include "base/err.h"
#include "base/httpc.h"
#include "config.h"
#include "spec.h"

#include <jansson.h>
#include <stdbool.h>

#define CLIENT_TARGET_PREFIX "CodeDeployCommandService_v20141006."
#define CLIENT_AGENT_VERSION "SLIPWAY_0.1.0"

struct client {
	const struct agent_config *cfg;
	struct httpc http;
	bool cancelled;	     /* the last call was given up because cancel_fd became readable */
	char error_type[64]; /* the last call's __type when the server refused it, else "" */
};

/* Sets up c for cfg (borrowed; must outlive c): its endpoint, and its ca_file trusted for
 * https besides the system's certificates.  cancel_fd (readable = give up a cancellable call)
 * may be -1.  Release c with client_release() whatever the result. */
int client_init(struct client *c, const struct agent_config *cfg, int cancel_fd, struct err *e);
void client_release(struct client *c);

/*
 * Calls operation op with the JSON object req (borrowed) and stores the reply object in *resp
 * (caller decrefs).  timeout_s bounds the whole call.  A cancellable call returns -SW_E_AGAIN
 * with c->cancelled set as soon as cancel_fd is readable.  Errors: -SW_E_AGAIN for transport
 * problems and 5xx replies, -SW_E_INVALID (the server refused the request) with the server's
 * __type and message for 4xx replies.
 */
int client_call(struct client *c, const char *op, json_t *req, long timeout_s, bool cancellable,
		json_t **resp, struct err *e);

/* DownloadBundle's fetch: GetObject of the spec's bucket/key (and version) from the same
 * endpoint, path-style, streamed into dest_path; the ETag must match the spec's when it has
 * one, and a plain MD5 ETag must match the body.  A transfer may take as long as it needs but
 * fails after 120 s without progress.  Matches command_download_fn (arg = client). */
int client_download(void *client, const struct deploy_spec *spec, const char *dest_path,
		    struct err *e);

#endif
