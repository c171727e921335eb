/* test_instances: cd_instances_matching and cd_tag_filters_validate — how a deployment group's
 * on-premises tag filters and tag sets resolve to registered instances — on a real store in a
 * temporary directory. */
#include "services/codedeploy/instances.h"
#include "store/store.h"
#include "base/str.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static struct store *store;
static char tmpdir[64];

/* name, status, then key=value tags (NULL-terminated rows). */
static const char *const fleet[][6] = {
	{ "web-1", "Registered", "env=prod", "role=web", NULL },
	{ "web-2", "Registered", "env=prod", "role=web", "zone=a", NULL },
	{ "db-1", "Registered", "env=prod", "role=db", NULL },
	{ "stage-1", "Registered", "env=staging", "role=web", NULL },
	{ "spare", "Registered", "owner=prod", NULL },
	{ "bare", "Registered", NULL },
	{ "old-web", "Deregistered", "env=prod", "role=web", NULL },
};

static int seed(struct store_conn *c, void *arg, struct err *e)
{
	for (size_t i = 0; i < sizeof(fleet) / sizeof(fleet[0]); i++) {
		int r = store_exec(c, NULL,
				   "INSERT INTO instances (name, arn, iam_session_arn, status, "
				   "registered) VALUES (?, ?, ?, ?, 1)",
				   "tttt", e, fleet[i][0], fleet[i][0], fleet[i][0], fleet[i][1]);

		if (r < 0)
			return r;
		for (int k = 2; k < 6 && fleet[i][k]; k++) {
			char key[32];
			const char *eq = strchr(fleet[i][k], '=');

			str_copyn(key, sizeof(key), fleet[i][k], (size_t)(eq - fleet[i][k]));
			r = store_exec(
			    c, NULL,
			    "INSERT INTO instance_tags (instance, key, value) VALUES (?, ?, "
			    "?)",
			    "ttt", e, fleet[i][0], key, eq + 1);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int setup(void **state)
{
	struct err e = { 0 };

	str_copy(tmpdir, sizeof(tmpdir), "/tmp/slipway-instances-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (store_open(&store, tmpdir, &e) || store_write(store, seed, NULL, &e)) {
		fprintf(stderr, "cannot prepare the store: %s\n", err_message(&e));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = { "slipway.db", "slipway.db-wal", "slipway.db-shm" };
	char path[128];

	store_free(store);
	store = NULL;
	for (size_t i = 0; i < 3; i++) {
		str_fmt(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	return 0;
}

struct match {
	json_t *filters;
	json_t *set;
	json_t *names;
};

static int run_match(struct store_conn *c, void *arg, struct err *e)
{
	struct match *m = arg;

	return cd_instances_matching(c, m->filters, m->set, &m->names, e);
}

/* Matches with filters/set given as JSON text (NULL for none); returns the names joined with
 * ',' into out, or the error's code name. */
static void match(const char *filters, const char *set, char *out, size_t size)
{
	struct match m = { 0 };
	struct err e = { 0 };
	json_error_t je;
	size_t i;
	json_t *n;
	int r;

	if (filters)
		assert_non_null(m.filters = json_loads(filters, 0, &je));
	if (set)
		assert_non_null(m.set = json_loads(set, 0, &je));
	r = store_read(store, run_match, &m, &e);
	out[0] = '\0';
	if (r) {
		assert_null(m.names);
		str_copy(out, size, err_info(r)->name);
	} else {
		json_array_foreach(m.names, i, n)
		{
			size_t len = strlen(out);

			str_fmt(out + len, size - len, "%s%s", i ? "," : "", json_string_value(n));
		}
	}
	json_decref(m.filters);
	json_decref(m.set);
	json_decref(m.names);
}

#define KAV(k, v) "{\"Key\":\"" k "\",\"Value\":\"" v "\",\"Type\":\"KEY_AND_VALUE\"}"

static void test_no_filters_match_nothing(void **state)
{
	char out[256];

	match(NULL, NULL, out, sizeof(out));
	assert_string_equal(out, "");
	match("[]", "{\"onPremisesTagSetList\":[]}", out, sizeof(out));
	assert_string_equal(out, "");
	match(NULL, "[[],[]]", out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_filters_are_ored(void **state)
{
	char out[256];

	match("[" KAV("role", "db") "]", NULL, out, sizeof(out));
	assert_string_equal(out, "db-1");
	match("[" KAV("role", "db") "," KAV("env", "staging") "]", NULL, out, sizeof(out));
	assert_string_equal(out, "db-1,stage-1");
	/* Deregistered instances never match. */
	match("[" KAV("role", "web") "]", NULL, out, sizeof(out));
	assert_string_equal(out, "stage-1,web-1,web-2");
}

static void test_filter_types(void **state)
{
	char out[256];

	match("[{\"Key\":\"zone\",\"Type\":\"KEY_ONLY\"}]", NULL, out, sizeof(out));
	assert_string_equal(out, "web-2");
	match("[{\"Value\":\"prod\",\"Type\":\"VALUE_ONLY\"}]", NULL, out, sizeof(out));
	assert_string_equal(out, "db-1,spare,web-1,web-2");
	/* Without Type the kind follows from what is given. */
	match("[{\"Key\":\"env\",\"Value\":\"staging\"}]", NULL, out, sizeof(out));
	assert_string_equal(out, "stage-1");
	match("[{\"Key\":\"owner\"}]", NULL, out, sizeof(out));
	assert_string_equal(out, "spare");
	/* KEY_AND_VALUE compares the value exactly. */
	match("[" KAV("env", "Prod") "]", NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_tag_set_ands_lists(void **state)
{
	char out[256];

	/* env=prod AND (role=web OR role=db) */
	match(NULL,
	      "{\"onPremisesTagSetList\":[[" KAV("env", "prod") "],[" KAV("role", "web") "," KAV(
		  "role", "db") "]]}",
	      out, sizeof(out));
	assert_string_equal(out, "db-1,web-1,web-2");
	/* the bare list of lists works the same; a third list narrows further */
	match(NULL, "[[" KAV("env", "prod") "],[" KAV("role", "web") "],[{\"Key\":\"zone\"}]]", out,
	      sizeof(out));
	assert_string_equal(out, "web-2");
	/* an empty inner list adds no condition */
	match(NULL, "[[" KAV("env", "staging") "],[]]", out, sizeof(out));
	assert_string_equal(out, "stage-1");
}

static void test_errors(void **state)
{
	char out[256];

	match("[" KAV("env", "prod") "]", "[[" KAV("role", "web") "]]", out, sizeof(out));
	assert_string_equal(out, "InvalidOnPremisesTagCombination");
	match("[{\"Key\":\"env\",\"Type\":\"SOMETIMES\"}]", NULL, out, sizeof(out));
	assert_string_equal(out, "InvalidTagFilter");
	match("[{\"Value\":\"x\",\"Type\":\"KEY_ONLY\"}]", NULL, out, sizeof(out));
	assert_string_equal(out, "InvalidTagFilter");
	match(NULL, "[[{\"Type\":\"KEY_AND_VALUE\",\"Key\":\"k\"}]]", out, sizeof(out));
	assert_string_equal(out, "InvalidTagFilter");
	match("[{\"Key\":1}]", NULL, out, sizeof(out));
	assert_string_equal(out, "Serialization");
	match(NULL, "{\"onPremisesTagSetList\":{}}", out, sizeof(out));
	assert_string_equal(out, "Serialization");
}

static void test_validate_uses_the_callers_code(void **state)
{
	struct err e = { 0 };
	json_t *ok =
	    json_loads("[" KAV("a", "b") ",{\"Key\":\"c\",\"Type\":\"KEY_ONLY\"}]", 0, NULL);
	json_t *bad = json_loads("[{\"Type\":\"VALUE_ONLY\"}]", 0, NULL);

	assert_int_equal(cd_tag_filters_validate(ok, SW_E_InvalidTag, &e), 0);
	assert_int_equal(cd_tag_filters_validate(NULL, SW_E_InvalidTag, &e), 0);
	assert_int_equal(cd_tag_filters_validate(bad, SW_E_InvalidTag, &e), -SW_E_InvalidTag);
	assert_int_equal(e.code, SW_E_InvalidTag);
	json_decref(ok);
	json_decref(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_filters_match_nothing),
		cmocka_unit_test(test_filters_are_ored),
		cmocka_unit_test(test_filter_types),
		cmocka_unit_test(test_tag_set_ands_lists),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_validate_uses_the_callers_code),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
