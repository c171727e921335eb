/* test_spec: the deployment specification slipwayd signs for agents has exactly the members
 * docs/compatibility.md documents (the rows between its spec-keys markers), for every revision
 * type, and none of those only codedeploy-local sends. */
#include "services/agentchannel/spec.h"
#include "base/str.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define KEYS_MAX 64
#define KEY_LEN	 128

static const char *doc_path;

struct keyset {
	char k[KEYS_MAX][KEY_LEN];
	size_t n;
};

static bool keyset_has(const struct keyset *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->k[i], key) == 0)
			return true;
	return false;
}

static void keyset_add(struct keyset *s, const char *key)
{
	if (keyset_has(s, key))
		return;
	assert_true(s->n < KEYS_MAX);
	assert_int_equal(str_copy(s->k[s->n++], KEY_LEN, key), 0);
}

/* Every member of o as a dotted path ("Revision.S3Revision.Bucket"), objects included. */
static void collect(const json_t *o, const char *prefix, struct keyset *out)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v)
	{
		char path[KEY_LEN];

		assert_int_equal(
		    str_fmt(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key), 0);
		keyset_add(out, path);
		if (json_is_object(v))
			collect(v, path, out);
	}
}

/* The first `code` span of each table row between the spec-keys markers. */
static void documented(struct keyset *out)
{
	FILE *f = fopen(doc_path, "r");
	char line[1024];
	bool in = false, seen_end = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		const char *a, *b;
		char key[KEY_LEN];

		if (strstr(line, "<!-- spec-keys:begin -->")) {
			in = true;
			continue;
		}
		if (strstr(line, "<!-- spec-keys:end -->")) {
			seen_end = in;
			break;
		}
		if (!in || line[0] != '|' || !(a = strchr(line, '`')) || !(b = strchr(a + 1, '`')))
			continue;
		assert_int_equal(str_copyn(key, sizeof(key), a + 1, (size_t)(b - a - 1)), 0);
		keyset_add(out, key);
	}
	fclose(f);
	assert_true(seen_end);
}

static json_t *spec_for(const char *revision, const char *etag, const char *feb)
{
	json_t *rev = json_loads(revision, 0, NULL);
	struct agentchannel_spec_input in = {
		.deployment_arn = "arn:aws:sds:us-east-1:123456789012:deployment/d-ABCDEFGHI",
		.group_id = "6b1c9a2e-1111-2222-3333-444455556666",
		.group_name = "web",
		.application = "shop",
		.creator = "user",
		.revision = rev,
		.etag = etag,
		.file_exists_behavior = feb,
	};
	json_t *spec;

	assert_non_null(rev);
	spec = agentchannel_spec_json(&in);
	json_decref(rev);
	assert_non_null(spec);
	return spec;
}

static void test_members_are_the_documented_ones(void **state)
{
	const char *revisions[] = {
		"{\"revisionType\":\"S3\",\"s3Location\":{\"bucket\":\"rev\",\"key\":\"web/1.zip\","
		"\"bundleType\":\"zip\"}}",
		"{\"revisionType\":\"String\",\"string\":{\"content\":\"version: 0.0\","
		"\"sha256\":\"ab\"}}",
		"{\"revisionType\":\"AppSpecContent\",\"appSpecContent\":{\"content\":\"version: "
		"0.0\",\"sha256\":\"ab\"}}",
	};
	struct keyset *doc = calloc(1, sizeof(*doc)), *all = calloc(1, sizeof(*all));

	(void)state;
	documented(doc);
	assert_true(doc->n > 10);
	for (size_t i = 0; i < sizeof(revisions) / sizeof(revisions[0]); i++) {
		json_t *spec = spec_for(revisions[i], "0123abcd", "OVERWRITE");
		struct keyset *one = calloc(1, sizeof(*one));

		collect(spec, "", one);
		for (size_t k = 0; k < one->n; k++) {
			if (!keyset_has(doc, one->k[k]))
				fail_msg("the specification has '%s', which docs/compatibility.md "
					 "does not list",
					 one->k[k]);
			keyset_add(all, one->k[k]);
		}
		free(one);
		json_decref(spec);
	}
	for (size_t k = 0; k < doc->n; k++)
		if (!keyset_has(all, doc->k[k]))
			fail_msg(
			    "docs/compatibility.md lists '%s', which the specification never has",
			    doc->k[k]);
	/* codedeploy-local's members: the stock agent mishandles the first */
	assert_false(keyset_has(all, "AllPossibleLifecycleEvents"));
	assert_false(keyset_has(all, "AppSpecFilename"));
	free(doc);
	free(all);
}

static void test_values(void **state)
{
	json_t *spec = spec_for("{\"revisionType\":\"S3\",\"s3Location\":{\"bucket\":\"rev\","
				"\"key\":\"web/1.zip\",\"bundleType\":\"tgz\"}}",
				NULL, NULL);
	const json_t *s3 = json_object_get(json_object_get(spec, "Revision"), "S3Revision");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(spec, "DeploymentType")), "IN_PLACE");
	assert_string_equal(json_string_value(json_object_get(spec, "DeploymentCreator")), "user");
	assert_string_equal(json_string_value(json_object_get(s3, "BundleType")), "tgz");
	assert_null(json_object_get(s3, "ETag")); /* no pinned ETag: none sent */
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(spec, "AgentActionOverrides"), "AgentOverrides"),
		"FileExistsBehavior")),
	    "DISALLOW");
	json_decref(spec);
}

/* A blue/green deployment says so: the agent takes a blue/green rollback's block-traffic
 * scripts from its most recent install, not its last successful one. */
static void test_blue_green_type(void **state)
{
	json_t *rev = json_loads("{\"revisionType\":\"S3\",\"s3Location\":{\"bucket\":\"b\","
				 "\"key\":\"k\",\"bundleType\":\"zip\"}}",
				 0, NULL);
	struct agentchannel_spec_input in = {
		.deployment_arn = "arn:aws:sds:us-east-1:123456789012:deployment/d-ABCDEFGHI",
		.group_id = "g",
		.group_name = "web",
		.application = "shop",
		.creator = "codeDeployRollback",
		.revision = rev,
		.deployment_type = "BLUE_GREEN",
	};
	json_t *spec = agentchannel_spec_json(&in);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(spec, "DeploymentType")),
			    "BLUE_GREEN");
	json_decref(spec);
	in.deployment_type = "NONSENSE"; /* anything else is in place */
	spec = agentchannel_spec_json(&in);
	assert_string_equal(json_string_value(json_object_get(spec, "DeploymentType")), "IN_PLACE");
	json_decref(spec);
	json_decref(rev);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_are_the_documented_ones),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_blue_green_type),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s docs/compatibility.md\n", argv[0]);
		return 2;
	}
	doc_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
