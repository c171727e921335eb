/* agentchannel/spec: the deployment specification a host's agent receives (docs/compatibility.md
 * §6.3), built from a deployment's stored rows.
 *
 * It carries exactly the members the AWS service sends, so that the stock AWS agent takes the
 * code path it takes against AWS: never AllPossibleLifecycleEvents (only codedeploy-local sends
 * it, and the daemon's handling of it refers to a class the daemon does not load) nor
 * AppSpecFilename (codedeploy-local's; CreateDeployment has no way to set it).  Agents derive
 * the lifecycle events from the deployment type themselves.  docs/compatibility.md lists every
 * member and tests/unit/agentchannel/test_spec.c holds the two to each other. */
#ifndef SW_AGENTCHANNEL_SPEC_H
#define SW_AGENTCHANNEL_SPEC_H

#include <jansson.h>

/* A deployment as the specification describes it.  Everything is borrowed. */
struct agentchannel_spec_input {
	const char *deployment_arn; /* arn:aws:sds:<region>:<account>:deployment/<id> */
	const char *group_id;
	const char *group_name;
	const char *application;
	const char *creator;		  /* user, codeDeployRollback */
	const json_t *revision;		  /* the stored RevisionLocation (camelCase) */
	const char *etag;		  /* S3: the object's ETag pinned at creation, or NULL */
	const char *file_exists_behavior; /* NULL: DISALLOW */
	const char *deployment_type;	  /* IN_PLACE or BLUE_GREEN; NULL: IN_PLACE */
};

/* The specification JSON (a new reference), or NULL when out of memory.  S3 revisions become
 * {RevisionType "S3", S3Revision {Bucket, Key, BundleType, ETag}}; String and AppSpecContent
 * revisions (Slipway's extension for Server groups, which the stock agent refuses) become
 * {RevisionType, StringRevision | AppSpecContent {Content, Sha256}}. */
json_t *agentchannel_spec_json(const struct agentchannel_spec_input *in);

#endif
