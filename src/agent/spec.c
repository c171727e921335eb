/* spec: the deployment specification JSON (envelopes are opened in spec_envelope.c). */
#include "spec.h"
#include "base/json.h"
#include "base/str.h"
#include "layout.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void spec_release(struct deploy_spec *s)
{
	free(s->content);
	if (s->all_events) {
		for (size_t i = 0; s->all_events[i]; i++)
			free(s->all_events[i]);
		free(s->all_events);
	}
	memset(s, 0, sizeof(*s));
}

const char *const *spec_lifecycle_events(const struct deploy_spec *s)
{
	if (s->all_events)
		return (const char *const *)s->all_events;
	/* EC2/on-premises deployment types (IN_PLACE, BLUE_GREEN) share one set of events;
	 * which of them a host runs is the server's to say, one host command at a time */
	return appspec_agent_events;
}

static int spec__str(json_t *o, const char *key, bool required, char *out, size_t size,
		     struct err *e)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (required)
			return err_set(e, SW_E_INVALID, "deployment specification has no '%s'",
				       key);
		return 0;
	}
	if (!json_is_string(v))
		return err_set(e, SW_E_INVALID, "deployment specification '%s' must be a string",
			       key);
	if (str_copy(out, size, json_string_value(v)))
		return err_set(e, SW_E_INVALID, "deployment specification '%s' is too long", key);
	if (required && !out[0])
		return err_set(e, SW_E_INVALID, "deployment specification '%s' is empty", key);
	return 0;
}

int spec_parse_json(const char *text, size_t len, struct deploy_spec *s, struct err *e)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je), *rev, *o, *ev;
	char type[64] = "";
	int r;

	memset(s, 0, sizeof(*s));
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return err_set(e, SW_E_INVALID, "deployment specification is not a JSON object");
	}
	r = spec__str(root, "DeploymentId", true, s->deployment_id, sizeof(s->deployment_id), e);
	if (!r)
		r = spec__str(root, "DeploymentGroupId", true, s->deployment_group_id,
			      sizeof(s->deployment_group_id), e);
	if (!r)
		r = spec__str(root, "DeploymentGroupName", true, s->deployment_group_name,
			      sizeof(s->deployment_group_name), e);
	if (!r)
		r = spec__str(root, "ApplicationName", true, s->application_name,
			      sizeof(s->application_name), e);
	if (!r)
		r = spec__str(root, "DeploymentCreator", false, s->creator, sizeof(s->creator), e);
	if (!r)
		r = spec__str(root, "DeploymentType", false, s->deployment_type,
			      sizeof(s->deployment_type), e);
	if (!r)
		r = spec__str(root, "AppSpecFilename", false, s->appspec_filename,
			      sizeof(s->appspec_filename), e);
	if (r)
		goto out;
	if (!s->creator[0])
		str_copy(s->creator, sizeof(s->creator), "user");
	if (!s->deployment_type[0])
		str_copy(s->deployment_type, sizeof(s->deployment_type), "IN_PLACE");
	if (!s->appspec_filename[0])
		str_copy(s->appspec_filename, sizeof(s->appspec_filename), "appspec.yml");
	/* arn:aws:codedeploy:region:acct:deployment/d-XXXX → d-XXXX */
	if (str_starts(s->deployment_id, "arn:")) {
		char *slash = strrchr(s->deployment_id, '/');

		if (slash)
			memmove(s->deployment_id, slash + 1, strlen(slash + 1) + 1);
	}
	if (!layout_valid_component(s->deployment_id) ||
	    !layout_valid_component(s->deployment_group_id)) {
		r = err_set(e, SW_E_INVALID,
			    "deployment specification ids cannot be used as directory names");
		goto out;
	}
	if (strchr(s->appspec_filename, '/') && strstr(s->appspec_filename, "..")) {
		r = err_set(e, SW_E_INVALID, "AppSpecFilename must stay inside the bundle");
		goto out;
	}
	rev = json_object_get(root, "Revision");
	if (!json_is_object(rev)) {
		r = err_set(e, SW_E_INVALID, "deployment specification has no 'Revision'");
		goto out;
	}
	r = spec__str(rev, "RevisionType", true, type, sizeof(type), e);
	if (r)
		goto out;
	if (strcmp(type, "S3") == 0) {
		o = json_object_get(rev, "S3Revision");
		if (!json_is_object(o)) {
			r = err_set(e, SW_E_INVALID, "S3 revision without 'S3Revision'");
			goto out;
		}
		s->revision = SPEC_REV_S3;
		r = spec__str(o, "Bucket", true, s->bucket, sizeof(s->bucket), e);
		if (!r)
			r = spec__str(o, "Key", true, s->key, sizeof(s->key), e);
		if (!r)
			r = spec__str(o, "BundleType", true, s->bundle_type, sizeof(s->bundle_type),
				      e);
		if (!r)
			r = spec__str(o, "Version", false, s->version, sizeof(s->version), e);
		if (!r)
			r = spec__str(o, "ETag", false, s->etag, sizeof(s->etag), e);
	} else if (strcmp(type, "Local File") == 0 || strcmp(type, "Local Directory") == 0) {
		o = json_object_get(rev, "LocalRevision");
		if (!json_is_object(o)) {
			r = err_set(e, SW_E_INVALID, "local revision without 'LocalRevision'");
			goto out;
		}
		s->revision = type[6] == 'F' ? SPEC_REV_LOCAL_FILE : SPEC_REV_LOCAL_DIRECTORY;
		r = spec__str(o, "Location", true, s->location, sizeof(s->location), e);
		if (!r)
			r = spec__str(o, "BundleType", false, s->bundle_type,
				      sizeof(s->bundle_type), e);
	} else if (strcmp(type, "String") == 0 || strcmp(type, "AppSpecContent") == 0) {
		const char *content = NULL;

		o = json_object_get(rev, strcmp(type, "String") == 0 ? "StringRevision"
								     : "AppSpecContent");
		if (!o)
			o = json_object_get(rev, "AppSpecContent");
		if (json_is_object(o))
			content = json_string_value(json_object_get(o, "Content"));
		if (!content)
			content = json_string_value(json_object_get(o, "content"));
		if (!content) {
			r = err_set(e, SW_E_INVALID, "%s revision without 'Content'", type);
			goto out;
		}
		s->revision = SPEC_REV_APPSPEC_CONTENT;
		s->content = str_dup(content);
		if (!s->content)
			r = err_set(e, SW_E_NOMEM, NULL);
	} else {
		r = err_set(e, SW_E_INVALID, "unsupported revision type '%s'", type);
	}
	if (r)
		goto out;
	o = json_object_get(json_object_get(root, "AgentActionOverrides"), "AgentOverrides");
	if (json_is_object(o)) {
		const char *feb = json_string_value(json_object_get(o, "FileExistsBehavior"));

		if (feb && !(s->file_exists_behavior = appspec_feb_parse(feb))) {
			r = err_set(e, SW_E_INVALID, "invalid FileExistsBehavior '%s'", feb);
			goto out;
		}
	}
	ev = json_object_get(root, "AllPossibleLifecycleEvents");
	if (json_is_array(ev)) {
		size_t n = json_array_size(ev), k = 0;

		s->all_events = calloc(n + 1, sizeof(char *));
		if (!s->all_events) {
			r = err_set(e, SW_E_NOMEM, NULL);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			const char *name = json_string_value(json_array_get(ev, i));

			if (name && !(s->all_events[k++] = str_dup(name))) {
				r = err_set(e, SW_E_NOMEM, NULL);
				goto out;
			}
		}
	}
out:
	json_decref(root);
	return r;
}
