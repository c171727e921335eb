/* agentchannel/spec: the deployment specification JSON. */
#include "spec.h"
#include "base/json.h"
#include "base/str.h"

static const char *spec__member(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static json_t *spec__revision(const json_t *rev, const char *etag)
{
	const char *type = json_string_value(json_object_get(rev, "revisionType"));
	bool string = str_eq(type, "String");
	const json_t *src;
	json_t *s3;

	if (str_eq(type, "S3")) {
		src = json_object_get(rev, "s3Location");
		s3 = json_pack("{s:s,s:s,s:s}", "Bucket", spec__member(src, "bucket"), "Key",
			       spec__member(src, "key"), "BundleType",
			       spec__member(src, "bundleType"));
		if (s3 && etag && *etag)
			json_set_str(s3, "ETag", etag);
		return json_pack("{s:s,s:o}", "RevisionType", "S3", "S3Revision", s3);
	}
	src = json_object_get(rev, string ? "string" : "appSpecContent");
	return json_pack("{s:s,s:{s:s,s:s}}", "RevisionType", string ? "String" : "AppSpecContent",
			 string ? "StringRevision" : "AppSpecContent", "Content",
			 spec__member(src, "content"), "Sha256", spec__member(src, "sha256"));
}

json_t *agentchannel_spec_json(const struct agentchannel_spec_input *in)
{
	const char *feb = in->file_exists_behavior;
	const char *type = str_eq(in->deployment_type, "BLUE_GREEN") ? "BLUE_GREEN" : "IN_PLACE";

	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:{s:{s:s}}}", "DeploymentId",
			 in->deployment_arn, "DeploymentGroupId", in->group_id,
			 "DeploymentGroupName", in->group_name, "ApplicationName", in->application,
			 "DeploymentCreator", in->creator, "DeploymentType", type, "Revision",
			 spec__revision(in->revision, in->etag), "AgentActionOverrides",
			 "AgentOverrides", "FileExistsBehavior", feb && *feb ? feb : "DISALLOW");
}
