/* test_configs: the pure validation behind deployment configurations and deployment groups
 * (minimum healthy hosts, traffic routing, zonal configs, names, and every group setting). */
#include "base/err.h"
#include "services/codedeploy/configs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static json_t *js(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	if (!j)
		fail_msg("bad test JSON '%s': %s", text, je.text);
	return j;
}

/* Runs check on the JSON text and expects `code` (0: accepted). */
static void expect(int (*check)(const json_t *, struct err *), const char *text, int code)
{
	struct err e = { 0 };
	json_t *j = js(text);
	int r = check(j, &e);

	if (r != -code)
		fail_msg("%s: got %s (%s), want %s", text, err_info(r)->name, e.msg,
			 err_info(code)->name);
	if (code)
		assert_true(e.msg[0] != '\0');
	json_decref(j);
}

static int min_healthy(const json_t *j, struct err *e)
{
	return cd_config_check_min_healthy(j, SW_E_InvalidMinimumHealthyHostValue,
					   "minimumHealthyHosts", e);
}

static void test_min_healthy(void **state)
{
	const int bad = SW_E_InvalidMinimumHealthyHostValue;

	(void)state;
	expect(min_healthy, "{\"type\":\"FLEET_PERCENT\",\"value\":0}", 0);
	expect(min_healthy, "{\"type\":\"FLEET_PERCENT\",\"value\":99}", 0);
	expect(min_healthy, "{\"type\":\"FLEET_PERCENT\",\"value\":100}", bad);
	expect(min_healthy, "{\"type\":\"FLEET_PERCENT\",\"value\":-1}", bad);
	expect(min_healthy, "{\"type\":\"HOST_COUNT\",\"value\":0}", 0);
	expect(min_healthy, "{\"type\":\"HOST_COUNT\",\"value\":100000}", 0);
	expect(min_healthy, "{\"type\":\"HOST_COUNT\",\"value\":-1}", bad);
	expect(min_healthy, "{\"type\":\"HOST_COUNT\",\"value\":1.5}", bad);
	expect(min_healthy, "{\"type\":\"HOST_COUNT\",\"value\":\"1\"}", bad);
	expect(min_healthy, "{\"type\":\"MOST_CONCURRENCY\",\"value\":1}", bad);
	expect(min_healthy, "{\"type\":\"HOST_COUNT\"}", bad);
	expect(min_healthy, "{\"value\":3}", bad);
	expect(min_healthy, "{\"type\":7,\"value\":3}", bad);
	expect(min_healthy, "[]", bad);
}

static void test_min_healthy_carries_the_callers_code(void **state)
{
	struct err e = { 0 };
	json_t *j = js("{\"type\":\"FLEET_PERCENT\",\"value\":120}");

	(void)state;
	assert_int_equal(
	    cd_config_check_min_healthy(j, SW_E_InvalidZonalDeploymentConfiguration, "zone", &e),
	    -SW_E_InvalidZonalDeploymentConfiguration);
	assert_non_null(strstr(e.msg, "zone"));
	json_decref(j);
}

static void test_traffic(void **state)
{
	const int bad = SW_E_InvalidTrafficRoutingConfiguration;

	(void)state;
	expect(cd_config_check_traffic, "{\"type\":\"AllAtOnce\"}", 0);
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedCanary\",\"timeBasedCanary\":{\"canaryPercentage\":10,"
	       "\"canaryInterval\":5}}",
	       0);
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedCanary\",\"timeBasedCanary\":{\"canaryPercentage\":99,"
	       "\"canaryInterval\":2880}}",
	       0);
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedCanary\",\"timeBasedCanary\":{\"canaryPercentage\":10,"
	       "\"canaryInterval\":2881}}",
	       bad);
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedCanary\",\"timeBasedCanary\":{\"canaryPercentage\":100,"
	       "\"canaryInterval\":5}}",
	       bad);
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedCanary\",\"timeBasedCanary\":{\"canaryPercentage\":0,"
	       "\"canaryInterval\":5}}",
	       bad);
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedCanary\",\"timeBasedCanary\":{\"canaryPercentage\":10}}", bad);
	expect(cd_config_check_traffic, "{\"type\":\"TimeBasedCanary\"}", bad);
	/* Linear: ceil(100/p) shifts, the last one (shifts-1)*interval after the first. */
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedLinear\",\"timeBasedLinear\":{\"linearPercentage\":10,"
	       "\"linearInterval\":320}}",
	       0);
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedLinear\",\"timeBasedLinear\":{\"linearPercentage\":10,"
	       "\"linearInterval\":321}}",
	       bad);
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedLinear\",\"timeBasedLinear\":{\"linearPercentage\":30,"
	       "\"linearInterval\":960}}",
	       0); /* 4 shifts: 30, 60, 90, 100 → 2880 minutes */
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedLinear\",\"timeBasedLinear\":{\"linearPercentage\":1,"
	       "\"linearInterval\":30}}",
	       bad); /* 100 shifts, 2970 minutes */
	expect(cd_config_check_traffic,
	       "{\"type\":\"TimeBasedLinear\",\"timeBasedCanary\":{\"canaryPercentage\":10,"
	       "\"canaryInterval\":5}}",
	       bad);
	expect(cd_config_check_traffic,
	       "{\"type\":\"AllAtOnce\",\"timeBasedLinear\":{\"linearPercentage\":10,"
	       "\"linearInterval\":1}}",
	       bad);
	expect(cd_config_check_traffic, "{\"type\":\"allatonce\"}", bad);
	expect(cd_config_check_traffic, "{}", bad);
}

static void test_zonal(void **state)
{
	const int bad = SW_E_InvalidZonalDeploymentConfiguration;

	(void)state;
	expect(cd_config_check_zonal, "{}", 0);
	expect(cd_config_check_zonal,
	       "{\"firstZoneMonitorDurationInSeconds\":0,\"monitorDurationInSeconds\":3600,"
	       "\"minimumHealthyHostsPerZone\":{\"type\":\"HOST_COUNT\",\"value\":1}}",
	       0);
	expect(cd_config_check_zonal, "{\"monitorDurationInSeconds\":-1}", bad);
	expect(cd_config_check_zonal, "{\"firstZoneMonitorDurationInSeconds\":\"10\"}", bad);
	expect(cd_config_check_zonal,
	       "{\"minimumHealthyHostsPerZone\":{\"type\":\"FLEET_PERCENT\",\"value\":100}}", bad);
	expect(cd_config_check_zonal, "{\"minimumHealthyHostsPerZone\":3}", bad);
}

static void test_config_names(void **state)
{
	struct err e = { 0 };
	char long_name[102];

	(void)state;
	assert_int_equal(cd_config_check_name("ThreeQuarters", &e), 0);
	assert_int_equal(cd_config_check_name("a.b_c+d=e,f@g-h", &e), 0);
	assert_int_equal(cd_config_check_name("", &e), -SW_E_DeploymentConfigNameRequired);
	assert_int_equal(cd_config_check_name(NULL, &e), -SW_E_DeploymentConfigNameRequired);
	assert_int_equal(cd_config_check_name("with space", &e), -SW_E_InvalidDeploymentConfigName);
	assert_int_equal(cd_config_check_name("CodeDeployDefault.Mine", &e),
			 -SW_E_InvalidDeploymentConfigName);
	memset(long_name, 'x', 101);
	long_name[101] = '\0';
	assert_int_equal(cd_config_check_name(long_name, &e), -SW_E_InvalidDeploymentConfigName);
	long_name[100] = '\0';
	assert_int_equal(cd_config_check_name(long_name, &e), 0);
	assert_true(cd_config_is_predefined("CodeDeployDefault.OneAtATime"));
	assert_true(cd_config_is_predefined("CodeDeployDefault.ECSLinear10PercentEvery1Minutes"));
	assert_true(cd_config_is_predefined("CodeDeployDefault.LambdaLinear10PercentEvery1Minute"));
	assert_false(
	    cd_config_is_predefined("CodeDeployDefault.LambdaLinear10PercentEvery1Minutes"));
	assert_false(cd_config_is_predefined("codedeploydefault.oneatatime"));
}

/* ---- groups ---- */

#define ROLE "\"serviceRoleArn\":\"arn:aws:iam::123456789012:role/cd\""

/* cd_group_settings on `{ROLE, <members>}` for a platform; returns the settings or NULL. */
static json_t *settings(const char *platform, const char *members, int code)
{
	char text[4096];
	struct err e = { 0 };
	json_t *in, *out = NULL;
	int r;

	snprintf(text, sizeof(text), "{" ROLE "%s%s}", members[0] ? "," : "", members);
	in = js(text);
	r = cd_group_settings(in, platform, &out, &e);
	json_decref(in);
	if (r != -code)
		fail_msg("%s %s: got %s (%s), want %s", platform, members, err_info(r)->name, e.msg,
			 err_info(code)->name);
	if (code) {
		assert_null(out);
		return NULL;
	}
	assert_non_null(out);
	return out;
}

static void server_rejects(const char *members, int code)
{
	settings("Server", members, code);
}

static void test_group_defaults(void **state)
{
	json_t *s = settings("Server", "", 0);
	json_t *want =
	    js("{\"deploymentConfigName\":\"CodeDeployDefault.OneAtATime\","
	       "\"ec2TagFilters\":[],\"onPremisesInstanceTagFilters\":[],"
	       "\"autoScalingGroups\":[]," ROLE ",\"triggerConfigurations\":[],"
	       "\"alarmConfiguration\":{\"enabled\":false,\"ignorePollAlarmFailure\":false,"
	       "\"alarms\":[]},\"autoRollbackConfiguration\":{\"enabled\":false,"
	       "\"events\":[]},\"deploymentStyle\":{\"deploymentType\":\"IN_PLACE\","
	       "\"deploymentOption\":\"WITHOUT_TRAFFIC_CONTROL\"},"
	       "\"outdatedInstancesStrategy\":\"UPDATE\",\"terminationHookEnabled\":false}");

	(void)state;
	if (!json_equal(s, want)) {
		char *got = json_dumps(s, JSON_SORT_KEYS);

		fail_msg("defaults: %s", got);
	}
	json_decref(s);
	json_decref(want);
	s = settings("Lambda", "", 0);
	assert_string_equal(json_string_value(json_object_get(s, "deploymentConfigName")),
			    "CodeDeployDefault.LambdaAllAtOnce");
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "deploymentStyle"),
							      "deploymentType")),
			    "BLUE_GREEN");
	assert_null(json_object_get(s, "blueGreenDeploymentConfiguration"));
	json_decref(s);
}

static void test_group_role(void **state)
{
	struct err e = { 0 };
	json_t *in = js("{}"), *out = NULL;

	(void)state;
	assert_int_equal(cd_group_settings(in, "Server", &out, &e), -SW_E_RoleRequired);
	json_decref(in);
	in = js("{\"serviceRoleArn\":\"arn:aws-cn:iam::123456789012:role/path/to/r\"}");
	assert_int_equal(cd_group_settings(in, "Server", &out, &e), 0);
	json_decref(out);
	json_decref(in);
	in = js("{\"serviceRoleArn\":\"arn:aws:iam:us-east-1:123456789012:role/r\"}");
	assert_int_equal(cd_group_settings(in, "Server", &out, &e), -SW_E_InvalidRole);
	json_decref(in);
	in = js("{\"serviceRoleArn\":\"arn:aws:iam::123456789012:role/\"}");
	assert_int_equal(cd_group_settings(in, "Server", &out, &e), -SW_E_InvalidRole);
	json_decref(in);
}

static void test_group_tag_filters(void **state)
{
	json_t *s;

	(void)state;
	s = settings("Server",
		     "\"ec2TagFilters\":[{\"Key\":\"k\",\"Type\":\"KEY_ONLY\"},"
		     "{\"Value\":\"v\",\"Type\":\"VALUE_ONLY\"},"
		     "{\"Key\":\"k\",\"Value\":\"v\",\"Type\":\"KEY_AND_VALUE\"}]",
		     0);
	assert_int_equal(json_array_size(json_object_get(s, "ec2TagFilters")), 3);
	json_decref(s);
	server_rejects("\"ec2TagFilters\":[{\"Key\":\"k\",\"Value\":\"v\",\"Type\":\"KEY_ONLY\"}]",
		       SW_E_InvalidEC2Tag);
	server_rejects("\"ec2TagFilters\":[{\"Value\":\"v\",\"Type\":\"KEY_AND_VALUE\"}]",
		       SW_E_InvalidEC2Tag);
	server_rejects("\"ec2TagFilters\":[{\"Key\":\"k\"}]", SW_E_InvalidEC2Tag);
	server_rejects("\"ec2TagFilters\":{\"Key\":\"k\"}", SW_E_InvalidEC2Tag);
	server_rejects("\"onPremisesInstanceTagFilters\":[{\"Value\":\"v\",\"Type\":\"KEY_ONLY\"}]",
		       SW_E_InvalidTag);
	server_rejects(
	    "\"ec2TagFilters\":[{\"Key\":\"k\",\"Type\":\"KEY_ONLY\"}],"
	    "\"ec2TagSet\":{\"ec2TagSetList\":[[{\"Key\":\"k\",\"Type\":\"KEY_ONLY\"}]]}",
	    SW_E_InvalidEC2TagCombination);
	server_rejects("\"onPremisesInstanceTagFilters\":[{\"Key\":\"k\",\"Type\":\"KEY_ONLY\"}],"
		       "\"onPremisesTagSet\":{\"onPremisesTagSetList\":[[{\"Key\":\"k\","
		       "\"Type\":\"KEY_ONLY\"}]]}",
		       SW_E_InvalidOnPremisesTagCombination);
	server_rejects("\"ec2TagSet\":{\"ec2TagSetList\":[[],[],[],[]]}",
		       SW_E_TagSetListLimitExceeded);
	/* Empty filters beside a tag set, or an empty tag set, are no conflict. */
	s = settings(
	    "Server",
	    "\"ec2TagFilters\":[],\"ec2TagSet\":{\"ec2TagSetList\":[[{\"Key\":\"a\","
	    "\"Type\":\"KEY_ONLY\"}],[{\"Key\":\"b\",\"Type\":\"KEY_ONLY\"}],[{\"Key\":\"c\","
	    "\"Type\":\"KEY_ONLY\"}]]}",
	    0);
	assert_int_equal(
	    json_array_size(json_object_get(json_object_get(s, "ec2TagSet"), "ec2TagSetList")), 3);
	json_decref(s);
	s = settings("Server", "\"ec2TagSet\":{\"ec2TagSetList\":[]}", 0);
	assert_null(json_object_get(s, "ec2TagSet"));
	json_decref(s);
}

static void test_group_style_and_load_balancer(void **state)
{
	json_t *s;

	(void)state;
	server_rejects("\"deploymentStyle\":{\"deploymentType\":\"CANARY\"}",
		       SW_E_InvalidDeploymentStyle);
	server_rejects("\"deploymentStyle\":{\"deploymentType\":\"BLUE_GREEN\","
		       "\"deploymentOption\":\"WITHOUT_TRAFFIC_CONTROL\"}",
		       SW_E_InvalidDeploymentStyle);
	server_rejects("\"deploymentStyle\":{\"deploymentOption\":\"WITH_TRAFFIC_CONTROL\"}",
		       SW_E_InvalidLoadBalancerInfo);
	server_rejects("\"loadBalancerInfo\":{\"targetGroupPairInfoList\":[{}]}",
		       SW_E_InvalidTargetGroupPair);
	s = settings("Server",
		     "\"deploymentStyle\":{\"deploymentType\":\"BLUE_GREEN\"},"
		     "\"loadBalancerInfo\":{\"elbInfoList\":[{\"name\":\"lb\"}]},"
		     "\"blueGreenDeploymentConfiguration\":{\"deploymentReadyOption\":"
		     "{\"actionOnTimeout\":\"STOP_DEPLOYMENT\",\"waitTimeInMinutes\":30}}",
		     0);
	{
		json_t *bg = json_object_get(s, "blueGreenDeploymentConfiguration");
		json_t *want =
		    js("{\"terminateBlueInstancesOnDeploymentSuccess\":{\"action\":"
		       "\"TERMINATE\",\"terminationWaitTimeInMinutes\":60},"
		       "\"deploymentReadyOption\":{\"actionOnTimeout\":\"STOP_DEPLOYMENT\","
		       "\"waitTimeInMinutes\":30},\"greenFleetProvisioningOption\":"
		       "{\"action\":\"DISCOVER_EXISTING\"}}");

		assert_true(json_equal(bg, want));
		json_decref(want);
	}
	json_decref(s);
	server_rejects("\"blueGreenDeploymentConfiguration\":{\"greenFleetProvisioningOption\":"
		       "{\"action\":\"COPY_AUTO_SCALING_GROUP\"}}",
		       SW_E_InvalidBlueGreenDeploymentConfiguration);
	s = settings("Server",
		     "\"autoScalingGroups\":[\"asg\"],\"blueGreenDeploymentConfiguration\":"
		     "{\"greenFleetProvisioningOption\":{\"action\":\"COPY_AUTO_SCALING_GROUP\"}}",
		     0);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(s, "autoScalingGroups"), 0), "name")),
	    "asg");
	json_decref(s);
	/* Lambda: forced style, no server-only settings. */
	settings("Lambda", "\"deploymentStyle\":{\"deploymentType\":\"IN_PLACE\"}",
		 SW_E_InvalidDeploymentStyle);
	settings("Lambda", "\"loadBalancerInfo\":{\"elbInfoList\":[{\"name\":\"lb\"}]}",
		 SW_E_InvalidLoadBalancerInfo);
	settings("Lambda", "\"autoScalingGroups\":[\"a\"]", SW_E_InvalidAutoScalingGroup);
	settings("Lambda", "\"terminationHookEnabled\":true", SW_E_InvalidInput);
	json_decref(settings("Lambda",
			     "\"ec2TagFilters\":[],\"ec2TagSet\":{\"ec2TagSetList\":[]},"
			     "\"deploymentStyle\":{\"deploymentType\":\"BLUE_GREEN\","
			     "\"deploymentOption\":\"WITH_TRAFFIC_CONTROL\"}",
			     0));
}

static void test_group_alarms_rollback_triggers(void **state)
{
	json_t *s;

	(void)state;
	server_rejects("\"alarmConfiguration\":{\"enabled\":true}", SW_E_InvalidAlarmConfig);
	server_rejects("\"alarmConfiguration\":{\"alarms\":[{\"name\":\"a\"},{\"name\":\"a\"}]}",
		       SW_E_InvalidAlarmConfig);
	server_rejects("\"alarmConfiguration\":{\"alarms\":[{}]}", SW_E_InvalidAlarmConfig);
	server_rejects("\"alarmConfiguration\":{\"alarms\":[{\"name\":\"1\"},{\"name\":\"2\"},"
		       "{\"name\":\"3\"},{\"name\":\"4\"},{\"name\":\"5\"},{\"name\":\"6\"},"
		       "{\"name\":\"7\"},{\"name\":\"8\"},{\"name\":\"9\"},{\"name\":\"10\"},"
		       "{\"name\":\"11\"}]}",
		       SW_E_AlarmsLimitExceeded);
	/* Disabled alarms are kept (AWS keeps the list and ignores it). */
	s = settings("Server", "\"alarmConfiguration\":{\"alarms\":[{\"name\":\"a\"}]}", 0);
	assert_false(
	    json_is_true(json_object_get(json_object_get(s, "alarmConfiguration"), "enabled")));
	json_decref(s);

	server_rejects("\"autoRollbackConfiguration\":{\"enabled\":true,\"events\":[]}",
		       SW_E_InvalidAutoRollbackConfig);
	server_rejects("\"autoRollbackConfiguration\":{\"events\":[\"DEPLOYMENT_SUCCESS\"]}",
		       SW_E_InvalidAutoRollbackConfig);
	s = settings(
	    "Server",
	    "\"autoRollbackConfiguration\":{\"enabled\":true,\"events\":["
	    "\"DEPLOYMENT_FAILURE\",\"DEPLOYMENT_FAILURE\",\"DEPLOYMENT_STOP_ON_REQUEST\"]}",
	    0);
	assert_int_equal(json_array_size(json_object_get(
			     json_object_get(s, "autoRollbackConfiguration"), "events")),
			 2);
	json_decref(s);

	json_decref(settings("Server",
			     "\"triggerConfigurations\":[{\"triggerName\":\"t\","
			     "\"triggerTargetArn\":\"arn:aws:sns:us-east-1:123456789012:topic\","
			     "\"triggerEvents\":[\"InstanceReady\"]}]",
			     0));
	server_rejects("\"triggerConfigurations\":[{\"triggerName\":\"t\","
		       "\"triggerTargetArn\":\"arn:aws:sns::123456789012:topic\","
		       "\"triggerEvents\":[\"InstanceReady\"]}]",
		       SW_E_InvalidTriggerConfig);
	server_rejects("\"triggerConfigurations\":[{\"triggerName\":\"t\","
		       "\"triggerTargetArn\":\"arn:aws:sns:us-east-1:123456789012:topic\","
		       "\"triggerEvents\":[\"instanceready\"]}]",
		       SW_E_InvalidTriggerConfig);
	server_rejects("\"outdatedInstancesStrategy\":\"NEVER\"", SW_E_InvalidInput);
	server_rejects("\"ecsServices\":[{\"serviceName\":\"s\",\"clusterName\":\"c\"}]",
		       SW_E_InvalidECSService);
	server_rejects("\"deploymentConfigName\":\"\"", SW_E_InvalidDeploymentConfigName);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_min_healthy),
		cmocka_unit_test(test_min_healthy_carries_the_callers_code),
		cmocka_unit_test(test_traffic),
		cmocka_unit_test(test_zonal),
		cmocka_unit_test(test_config_names),
		cmocka_unit_test(test_group_defaults),
		cmocka_unit_test(test_group_role),
		cmocka_unit_test(test_group_tag_filters),
		cmocka_unit_test(test_group_style_and_load_balancer),
		cmocka_unit_test(test_group_alarms_rollback_triggers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
