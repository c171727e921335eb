/* spec: the deployment specification the server hands out (docs/compatibility.md §6.3) — the
 * envelope (PKCS7/JSON verified against the server certificate), and the spec JSON itself. */
#ifndef SW_AGENT_SPEC_H
#define SW_AGENT_SPEC_H

#include "appspec.h"
#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

enum spec_revision {
	SPEC_REV_NONE = 0,
	SPEC_REV_S3,
	SPEC_REV_LOCAL_FILE,
	SPEC_REV_LOCAL_DIRECTORY,
	SPEC_REV_APPSPEC_CONTENT, /* String / AppSpecContent: the AppSpec text itself */
};

struct deploy_spec {
	char deployment_id[130];
	char deployment_group_id[130];
	char deployment_group_name[256];
	char application_name[256];
	char creator[64];	  /* "user" by default */
	char deployment_type[32]; /* "IN_PLACE" by default */
	char appspec_filename[256];
	enum spec_revision revision;
	char bucket[256];
	char key[1025];
	char bundle_type[16];
	char version[1025];
	char etag[256];
	char location[4096];		       /* local revisions */
	char *content;			       /* SPEC_REV_APPSPEC_CONTENT: owned */
	enum appspec_feb file_exists_behavior; /* AgentActionOverrides; UNSET when absent */
	char **all_events; /* NULL-terminated AllPossibleLifecycleEvents, or NULL */
};

void spec_release(struct deploy_spec *s);

/*
 * The lifecycle events an AppSpec may hook in this deployment, NULL-terminated and borrowed
 * from s or static: AllPossibleLifecycleEvents when the spec has it (only local runs send it:
 * codedeploy-local, `slipway deploy local`), else the events of its DeploymentType.  The AWS
 * service never sends the list, so the agent knows it as the AWS agent does, from its own
 * table: IN_PLACE and BLUE_GREEN deployments both hook the 11 agent-side events.
 */
const char *const *spec_lifecycle_events(const struct deploy_spec *s);

/*
 * Parses the spec JSON (§6.3) into s (released by the caller whatever the result).  Requires
 * DeploymentId, DeploymentGroupId, DeploymentGroupName, ApplicationName and a Revision the
 * agent can fetch; an ARN deployment id keeps its last segment; ids must be usable as path
 * components.  Fails with -SW_E_INVALID naming the member.
 */
int spec_parse_json(const char *json, size_t len, struct deploy_spec *s, struct err *e);

/*
 * (spec_envelope.c, libcrypto) Opens a GenericEnvelope {Format, Payload}: "PKCS7/JSON" is verified
 * against the PEM certificate cert_pem (the signer must be exactly that certificate) and the signed
 * content is appended to out.  "TEXT/JSON" (unsigned) is accepted only when allow_unsigned.
 * Anything else fails with -SW_E_INVALID.
 */
int spec_open_envelope(const char *format, const char *payload, const char *cert_pem,
		       bool allow_unsigned, struct buf *out, struct err *e);

#endif
