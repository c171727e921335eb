/* lambda/decode: the front's request decoding — the route table of every operation in
 * botocore's Lambda model (2015-03-31), path parameters, common query parameters and the JSON
 * body — with no store, so it can be fuzzed (tests/fuzz/lambda/). */
#include "lambda.h"
#include "base/json.h"
#include "base/str.h"

#include <string.h>

/* generated from botocore's lambda model (2015-03-31) by hand-run script; the ops */
static const struct lambda_op lambda__op_InvokeAsync = { "InvokeAsync", NULL, 202, false };
static const struct lambda_op lambda__op_ListEventSourceMappings = { "ListEventSourceMappings",
								     NULL, 200, false };
static const struct lambda_op lambda__op_CreateEventSourceMapping = { "CreateEventSourceMapping",
								      NULL, 202, false };
static const struct lambda_op lambda__op_DeleteEventSourceMapping = { "DeleteEventSourceMapping",
								      NULL, 202, false };
static const struct lambda_op lambda__op_GetEventSourceMapping = { "GetEventSourceMapping", NULL,
								   200, false };
static const struct lambda_op lambda__op_UpdateEventSourceMapping = { "UpdateEventSourceMapping",
								      NULL, 202, false };
static const struct lambda_op lambda__op_ListFunctions = { "ListFunctions",
							   lambda_op_list_functions, 200, false };
static const struct lambda_op lambda__op_CreateFunction = { "CreateFunction",
							    lambda_op_create_function, 201, false };
static const struct lambda_op lambda__op_DeleteFunction = { "DeleteFunction",
							    lambda_op_delete_function, 204, false };
static const struct lambda_op lambda__op_GetFunction = { "GetFunction", lambda_op_get_function, 200,
							 false };
static const struct lambda_op lambda__op_ListAliases = { "ListAliases", lambda_op_list_aliases, 200,
							 false };
static const struct lambda_op lambda__op_CreateAlias = { "CreateAlias", lambda_op_create_alias, 201,
							 false };
static const struct lambda_op lambda__op_DeleteAlias = { "DeleteAlias", lambda_op_delete_alias, 204,
							 false };
static const struct lambda_op lambda__op_GetAlias = { "GetAlias", lambda_op_get_alias, 200, false };
static const struct lambda_op lambda__op_UpdateAlias = { "UpdateAlias", lambda_op_update_alias, 200,
							 false };
static const struct lambda_op lambda__op_UpdateFunctionCode = { "UpdateFunctionCode",
								lambda_op_update_function_code, 200,
								false };
static const struct lambda_op lambda__op_GetFunctionConfiguration = {
	"GetFunctionConfiguration", lambda_op_get_function_configuration, 200, false
};
static const struct lambda_op lambda__op_UpdateFunctionConfiguration = {
	"UpdateFunctionConfiguration", lambda_op_update_function_configuration, 200, false
};
static const struct lambda_op lambda__op_Invoke = { "Invoke", lambda_invoke, 200, .raw = true };
static const struct lambda_op lambda__op_GetPolicy = { "GetPolicy", NULL, 200, false };
static const struct lambda_op lambda__op_AddPermission = { "AddPermission", NULL, 201, false };
static const struct lambda_op lambda__op_RemovePermission = { "RemovePermission", NULL, 204,
							      false };
static const struct lambda_op lambda__op_ListVersionsByFunction = {
	"ListVersionsByFunction", lambda_op_list_versions_by_function, 200, false
};
static const struct lambda_op lambda__op_PublishVersion = { "PublishVersion",
							    lambda_op_publish_version, 201, false };
static const struct lambda_op lambda__op_GetAccountSettings = { "GetAccountSettings",
								lambda_op_get_account_settings, 200,
								false };
static const struct lambda_op lambda__op_UntagResource = { "UntagResource",
							   lambda_op_untag_resource, 204, false };
static const struct lambda_op lambda__op_ListTags = { "ListTags", lambda_op_list_tags, 200, false };
static const struct lambda_op lambda__op_TagResource = { "TagResource", lambda_op_tag_resource, 204,
							 false };
static const struct lambda_op lambda__op_DeleteFunctionConcurrency = {
	"DeleteFunctionConcurrency", lambda_op_delete_function_concurrency, 204, false
};
static const struct lambda_op lambda__op_PutFunctionConcurrency = {
	"PutFunctionConcurrency", lambda_op_put_function_concurrency, 200, false
};
static const struct lambda_op lambda__op_GetLayerVersionByArn = { "GetLayerVersionByArn", NULL, 200,
								  false };
static const struct lambda_op lambda__op_ListLayers = { "ListLayers", NULL, 200, false };
static const struct lambda_op lambda__op_ListLayerVersions = { "ListLayerVersions", NULL, 200,
							       false };
static const struct lambda_op lambda__op_PublishLayerVersion = { "PublishLayerVersion", NULL, 201,
								 false };
static const struct lambda_op lambda__op_DeleteLayerVersion = { "DeleteLayerVersion", NULL, 204,
								false };
static const struct lambda_op lambda__op_GetLayerVersion = { "GetLayerVersion", NULL, 200, false };
static const struct lambda_op lambda__op_GetLayerVersionPolicy = { "GetLayerVersionPolicy", NULL,
								   200, false };
static const struct lambda_op lambda__op_AddLayerVersionPermission = { "AddLayerVersionPermission",
								       NULL, 201, false };
static const struct lambda_op lambda__op_RemoveLayerVersionPermission = {
	"RemoveLayerVersionPermission", NULL, 204, false
};
static const struct lambda_op lambda__op_DeleteFunctionEventInvokeConfig = {
	"DeleteFunctionEventInvokeConfig", NULL, 204, false
};
static const struct lambda_op lambda__op_GetFunctionEventInvokeConfig = {
	"GetFunctionEventInvokeConfig", NULL, 200, false
};
static const struct lambda_op lambda__op_UpdateFunctionEventInvokeConfig = {
	"UpdateFunctionEventInvokeConfig", NULL, 200, false
};
static const struct lambda_op lambda__op_PutFunctionEventInvokeConfig = {
	"PutFunctionEventInvokeConfig", NULL, 200, false
};
static const struct lambda_op lambda__op_ListFunctionEventInvokeConfigs = {
	"ListFunctionEventInvokeConfigs", NULL, 200, false
};
static const struct lambda_op lambda__op_GetFunctionConcurrency = {
	"GetFunctionConcurrency", lambda_op_get_function_concurrency, 200, false
};
static const struct lambda_op lambda__op_ListProvisionedConcurrencyConfigs = {
	"ListProvisionedConcurrencyConfigs", lambda_op_list_provisioned_concurrency_configs, 200,
	false
};
static const struct lambda_op lambda__op_DeleteProvisionedConcurrencyConfig = {
	"DeleteProvisionedConcurrencyConfig", lambda_op_delete_provisioned_concurrency_config, 204,
	false
};
static const struct lambda_op lambda__op_GetProvisionedConcurrencyConfig = {
	"GetProvisionedConcurrencyConfig", lambda_op_get_provisioned_concurrency_config, 200, false
};
static const struct lambda_op lambda__op_PutProvisionedConcurrencyConfig = {
	"PutProvisionedConcurrencyConfig", lambda_op_put_provisioned_concurrency_config, 202, false
};
static const struct lambda_op lambda__op_ListCodeSigningConfigs = { "ListCodeSigningConfigs", NULL,
								    200, false };
static const struct lambda_op lambda__op_CreateCodeSigningConfig = { "CreateCodeSigningConfig",
								     NULL, 201, false };
static const struct lambda_op lambda__op_DeleteCodeSigningConfig = { "DeleteCodeSigningConfig",
								     NULL, 204, false };
static const struct lambda_op lambda__op_GetCodeSigningConfig = { "GetCodeSigningConfig", NULL, 200,
								  false };
static const struct lambda_op lambda__op_UpdateCodeSigningConfig = { "UpdateCodeSigningConfig",
								     NULL, 200, false };
static const struct lambda_op lambda__op_ListFunctionsByCodeSigningConfig = {
	"ListFunctionsByCodeSigningConfig", NULL, 200, false
};
static const struct lambda_op lambda__op_DeleteFunctionCodeSigningConfig = {
	"DeleteFunctionCodeSigningConfig", NULL, 204, false
};
static const struct lambda_op lambda__op_GetFunctionCodeSigningConfig = {
	"GetFunctionCodeSigningConfig", NULL, 200, false
};
static const struct lambda_op lambda__op_PutFunctionCodeSigningConfig = {
	"PutFunctionCodeSigningConfig", NULL, 200, false
};
static const struct lambda_op lambda__op_GetRuntimeManagementConfig = {
	"GetRuntimeManagementConfig", NULL, 200, false
};
static const struct lambda_op lambda__op_PutRuntimeManagementConfig = {
	"PutRuntimeManagementConfig", NULL, 200, false
};
static const struct lambda_op lambda__op_DeleteFunctionUrlConfig = {
	"DeleteFunctionUrlConfig", lambda_op_delete_function_url_config, 204, false
};
static const struct lambda_op lambda__op_GetFunctionUrlConfig = { "GetFunctionUrlConfig",
								  lambda_op_get_function_url_config,
								  200, false };
static const struct lambda_op lambda__op_CreateFunctionUrlConfig = {
	"CreateFunctionUrlConfig", lambda_op_create_function_url_config, 201, false
};
static const struct lambda_op lambda__op_UpdateFunctionUrlConfig = {
	"UpdateFunctionUrlConfig", lambda_op_update_function_url_config, 200, false
};
static const struct lambda_op lambda__op_ListFunctionUrlConfigs = {
	"ListFunctionUrlConfigs", lambda_op_list_function_url_configs, 200, false
};
static const struct lambda_op lambda__op_InvokeWithResponseStream = { "InvokeWithResponseStream",
								      NULL, 200, false };
static const struct lambda_op lambda__op_GetFunctionRecursionConfig = {
	"GetFunctionRecursionConfig", NULL, 200, false
};
static const struct lambda_op lambda__op_PutFunctionRecursionConfig = {
	"PutFunctionRecursionConfig", NULL, 200, false
};
static const struct lambda_op lambda__op_ListCapacityProviders = { "ListCapacityProviders", NULL,
								   200, false };
static const struct lambda_op lambda__op_CreateCapacityProvider = { "CreateCapacityProvider", NULL,
								    202, false };
static const struct lambda_op lambda__op_DeleteCapacityProvider = { "DeleteCapacityProvider", NULL,
								    202, false };
static const struct lambda_op lambda__op_GetCapacityProvider = { "GetCapacityProvider", NULL, 200,
								 false };
static const struct lambda_op lambda__op_UpdateCapacityProvider = { "UpdateCapacityProvider", NULL,
								    202, false };
static const struct lambda_op lambda__op_ListFunctionVersionsByCapacityProvider = {
	"ListFunctionVersionsByCapacityProvider", NULL, 200, false
};
static const struct lambda_op lambda__op_GetFunctionScalingConfig = { "GetFunctionScalingConfig",
								      NULL, 200, false };
static const struct lambda_op lambda__op_PutFunctionScalingConfig = { "PutFunctionScalingConfig",
								      NULL, 202, false };
static const struct lambda_op lambda__op_SendDurableExecutionCallbackFailure = {
	"SendDurableExecutionCallbackFailure", NULL, 200, false
};
static const struct lambda_op lambda__op_SendDurableExecutionCallbackHeartbeat = {
	"SendDurableExecutionCallbackHeartbeat", NULL, 200, false
};
static const struct lambda_op lambda__op_SendDurableExecutionCallbackSuccess = {
	"SendDurableExecutionCallbackSuccess", NULL, 200, false
};
static const struct lambda_op lambda__op_GetDurableExecution = { "GetDurableExecution", NULL, 200,
								 false };
static const struct lambda_op lambda__op_CheckpointDurableExecution = {
	"CheckpointDurableExecution", NULL, 200, false
};
static const struct lambda_op lambda__op_GetDurableExecutionHistory = {
	"GetDurableExecutionHistory", NULL, 200, false
};
static const struct lambda_op lambda__op_GetDurableExecutionState = { "GetDurableExecutionState",
								      NULL, 200, false };
static const struct lambda_op lambda__op_StopDurableExecution = { "StopDurableExecution", NULL, 200,
								  false };
static const struct lambda_op lambda__op_ListDurableExecutionsByFunction = {
	"ListDurableExecutionsByFunction", NULL, 200, false
};

static const struct rest_route lambda__routes[] = {
	{ "POST", "/2014-11-13/functions/{FunctionName}/invoke-async",
	  .op = &lambda__op_InvokeAsync },
	{ "GET", "/2015-03-31/event-source-mappings", .op = &lambda__op_ListEventSourceMappings },
	{ "POST", "/2015-03-31/event-source-mappings", .op = &lambda__op_CreateEventSourceMapping },
	{ "DELETE", "/2015-03-31/event-source-mappings/{UUID}",
	  .op = &lambda__op_DeleteEventSourceMapping },
	{ "GET", "/2015-03-31/event-source-mappings/{UUID}",
	  .op = &lambda__op_GetEventSourceMapping },
	{ "PUT", "/2015-03-31/event-source-mappings/{UUID}",
	  .op = &lambda__op_UpdateEventSourceMapping },
	{ "GET", "/2015-03-31/functions", .op = &lambda__op_ListFunctions },
	{ "POST", "/2015-03-31/functions", .op = &lambda__op_CreateFunction },
	/* older botocore models (Debian's 1.29) write these two with a trailing '/' */
	{ "GET", "/2015-03-31/functions/", .op = &lambda__op_ListFunctions },
	{ "POST", "/2015-03-31/functions/", .op = &lambda__op_CreateFunction },
	{ "DELETE", "/2015-03-31/functions/{FunctionName}", .op = &lambda__op_DeleteFunction },
	{ "GET", "/2015-03-31/functions/{FunctionName}", .op = &lambda__op_GetFunction },
	{ "GET", "/2015-03-31/functions/{FunctionName}/aliases", .op = &lambda__op_ListAliases },
	{ "POST", "/2015-03-31/functions/{FunctionName}/aliases", .op = &lambda__op_CreateAlias },
	{ "DELETE", "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
	  .op = &lambda__op_DeleteAlias },
	{ "GET", "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
	  .op = &lambda__op_GetAlias },
	{ "PUT", "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
	  .op = &lambda__op_UpdateAlias },
	{ "PUT", "/2015-03-31/functions/{FunctionName}/code",
	  .op = &lambda__op_UpdateFunctionCode },
	{ "GET", "/2015-03-31/functions/{FunctionName}/configuration",
	  .op = &lambda__op_GetFunctionConfiguration },
	{ "PUT", "/2015-03-31/functions/{FunctionName}/configuration",
	  .op = &lambda__op_UpdateFunctionConfiguration },
	{ "POST", "/2015-03-31/functions/{FunctionName}/invocations", .op = &lambda__op_Invoke },
	{ "GET", "/2015-03-31/functions/{FunctionName}/policy", .op = &lambda__op_GetPolicy },
	{ "POST", "/2015-03-31/functions/{FunctionName}/policy", .op = &lambda__op_AddPermission },
	{ "DELETE", "/2015-03-31/functions/{FunctionName}/policy/{StatementId}",
	  .op = &lambda__op_RemovePermission },
	{ "GET", "/2015-03-31/functions/{FunctionName}/versions",
	  .op = &lambda__op_ListVersionsByFunction },
	{ "POST", "/2015-03-31/functions/{FunctionName}/versions",
	  .op = &lambda__op_PublishVersion },
	{ "GET", "/2016-08-19/account-settings", .op = &lambda__op_GetAccountSettings },
	{ "DELETE", "/2017-03-31/tags/{Resource}", .op = &lambda__op_UntagResource },
	{ "GET", "/2017-03-31/tags/{Resource}", .op = &lambda__op_ListTags },
	{ "POST", "/2017-03-31/tags/{Resource}", .op = &lambda__op_TagResource },
	{ "DELETE", "/2017-10-31/functions/{FunctionName}/concurrency",
	  .op = &lambda__op_DeleteFunctionConcurrency },
	{ "PUT", "/2017-10-31/functions/{FunctionName}/concurrency",
	  .op = &lambda__op_PutFunctionConcurrency },
	{ "GET", "/2018-10-31/layers", .query = { "find=LayerVersion" },
	  .op = &lambda__op_GetLayerVersionByArn },
	{ "GET", "/2018-10-31/layers", .op = &lambda__op_ListLayers },
	{ "GET", "/2018-10-31/layers/{LayerName}/versions", .op = &lambda__op_ListLayerVersions },
	{ "POST", "/2018-10-31/layers/{LayerName}/versions",
	  .op = &lambda__op_PublishLayerVersion },
	{ "DELETE", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}",
	  .op = &lambda__op_DeleteLayerVersion },
	{ "GET", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}",
	  .op = &lambda__op_GetLayerVersion },
	{ "GET", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy",
	  .op = &lambda__op_GetLayerVersionPolicy },
	{ "POST", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy",
	  .op = &lambda__op_AddLayerVersionPermission },
	{ "DELETE", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy/{StatementId}",
	  .op = &lambda__op_RemoveLayerVersionPermission },
	{ "DELETE", "/2019-09-25/functions/{FunctionName}/event-invoke-config",
	  .op = &lambda__op_DeleteFunctionEventInvokeConfig },
	{ "GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config",
	  .op = &lambda__op_GetFunctionEventInvokeConfig },
	{ "POST", "/2019-09-25/functions/{FunctionName}/event-invoke-config",
	  .op = &lambda__op_UpdateFunctionEventInvokeConfig },
	{ "PUT", "/2019-09-25/functions/{FunctionName}/event-invoke-config",
	  .op = &lambda__op_PutFunctionEventInvokeConfig },
	{ "GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config/list",
	  .op = &lambda__op_ListFunctionEventInvokeConfigs },
	{ "GET", "/2019-09-30/functions/{FunctionName}/concurrency",
	  .op = &lambda__op_GetFunctionConcurrency },
	{ "GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
	  .query = { "List=ALL" }, .op = &lambda__op_ListProvisionedConcurrencyConfigs },
	{ "DELETE", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
	  .op = &lambda__op_DeleteProvisionedConcurrencyConfig },
	{ "GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
	  .op = &lambda__op_GetProvisionedConcurrencyConfig },
	{ "PUT", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
	  .op = &lambda__op_PutProvisionedConcurrencyConfig },
	{ "GET", "/2020-04-22/code-signing-configs", .op = &lambda__op_ListCodeSigningConfigs },
	{ "POST", "/2020-04-22/code-signing-configs", .op = &lambda__op_CreateCodeSigningConfig },
	{ "DELETE", "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}",
	  .op = &lambda__op_DeleteCodeSigningConfig },
	{ "GET", "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}",
	  .op = &lambda__op_GetCodeSigningConfig },
	{ "PUT", "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}",
	  .op = &lambda__op_UpdateCodeSigningConfig },
	{ "GET", "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}/functions",
	  .op = &lambda__op_ListFunctionsByCodeSigningConfig },
	{ "DELETE", "/2020-06-30/functions/{FunctionName}/code-signing-config",
	  .op = &lambda__op_DeleteFunctionCodeSigningConfig },
	{ "GET", "/2020-06-30/functions/{FunctionName}/code-signing-config",
	  .op = &lambda__op_GetFunctionCodeSigningConfig },
	{ "PUT", "/2020-06-30/functions/{FunctionName}/code-signing-config",
	  .op = &lambda__op_PutFunctionCodeSigningConfig },
	{ "GET", "/2021-07-20/functions/{FunctionName}/runtime-management-config",
	  .op = &lambda__op_GetRuntimeManagementConfig },
	{ "PUT", "/2021-07-20/functions/{FunctionName}/runtime-management-config",
	  .op = &lambda__op_PutRuntimeManagementConfig },
	{ "DELETE", "/2021-10-31/functions/{FunctionName}/url",
	  .op = &lambda__op_DeleteFunctionUrlConfig },
	{ "GET", "/2021-10-31/functions/{FunctionName}/url",
	  .op = &lambda__op_GetFunctionUrlConfig },
	{ "POST", "/2021-10-31/functions/{FunctionName}/url",
	  .op = &lambda__op_CreateFunctionUrlConfig },
	{ "PUT", "/2021-10-31/functions/{FunctionName}/url",
	  .op = &lambda__op_UpdateFunctionUrlConfig },
	{ "GET", "/2021-10-31/functions/{FunctionName}/urls",
	  .op = &lambda__op_ListFunctionUrlConfigs },
	{ "POST", "/2021-11-15/functions/{FunctionName}/response-streaming-invocations",
	  .op = &lambda__op_InvokeWithResponseStream },
	{ "GET", "/2024-08-31/functions/{FunctionName}/recursion-config",
	  .op = &lambda__op_GetFunctionRecursionConfig },
	{ "PUT", "/2024-08-31/functions/{FunctionName}/recursion-config",
	  .op = &lambda__op_PutFunctionRecursionConfig },
	{ "GET", "/2025-11-30/capacity-providers", .op = &lambda__op_ListCapacityProviders },
	{ "POST", "/2025-11-30/capacity-providers", .op = &lambda__op_CreateCapacityProvider },
	{ "DELETE", "/2025-11-30/capacity-providers/{CapacityProviderName}",
	  .op = &lambda__op_DeleteCapacityProvider },
	{ "GET", "/2025-11-30/capacity-providers/{CapacityProviderName}",
	  .op = &lambda__op_GetCapacityProvider },
	{ "PUT", "/2025-11-30/capacity-providers/{CapacityProviderName}",
	  .op = &lambda__op_UpdateCapacityProvider },
	{ "GET", "/2025-11-30/capacity-providers/{CapacityProviderName}/function-versions",
	  .op = &lambda__op_ListFunctionVersionsByCapacityProvider },
	{ "GET", "/2025-11-30/functions/{FunctionName}/function-scaling-config",
	  .op = &lambda__op_GetFunctionScalingConfig },
	{ "PUT", "/2025-11-30/functions/{FunctionName}/function-scaling-config",
	  .op = &lambda__op_PutFunctionScalingConfig },
	{ "POST", "/2025-12-01/durable-execution-callbacks/{CallbackId}/fail",
	  .op = &lambda__op_SendDurableExecutionCallbackFailure },
	{ "POST", "/2025-12-01/durable-execution-callbacks/{CallbackId}/heartbeat",
	  .op = &lambda__op_SendDurableExecutionCallbackHeartbeat },
	{ "POST", "/2025-12-01/durable-execution-callbacks/{CallbackId}/succeed",
	  .op = &lambda__op_SendDurableExecutionCallbackSuccess },
	{ "GET", "/2025-12-01/durable-executions/{DurableExecutionArn}",
	  .op = &lambda__op_GetDurableExecution },
	{ "POST", "/2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint",
	  .op = &lambda__op_CheckpointDurableExecution },
	{ "GET", "/2025-12-01/durable-executions/{DurableExecutionArn}/history",
	  .op = &lambda__op_GetDurableExecutionHistory },
	{ "GET", "/2025-12-01/durable-executions/{DurableExecutionArn}/state",
	  .op = &lambda__op_GetDurableExecutionState },
	{ "POST", "/2025-12-01/durable-executions/{DurableExecutionArn}/stop",
	  .op = &lambda__op_StopDurableExecution },
	{ "GET", "/2025-12-01/functions/{FunctionName}/durable-executions",
	  .op = &lambda__op_ListDurableExecutionsByFunction },
	{ NULL },
};

int lambda_err_map(struct err *e, int rc)
{
	if (rc >= 0)
		return rc;
	if (e->code == SW_E_INVALID)
		e->code = str_starts(e->msg, "1 validation error")
			      ? SW_E_LAMBDA_Validation
			      : SW_E_LAMBDA_InvalidParameterValue;
	else if (e->code == SW_E_NOT_FOUND)
		e->code = SW_E_LAMBDA_ResourceNotFound;
	return -e->code;
}

int lambda_decode(const struct http_req *req, const void *body, size_t n, struct rest_match *m,
		  const struct lambda_op **op, json_t **in, struct err *e)
{
	const char *mi;
	int r = rest_match(lambda__routes, req->method, req->path, req, m);

	*op = NULL;
	*in = NULL;
	if (r < 0)
		return err_set(e, SW_E_LAMBDA_InvalidParameterValue,
			       "The path parameter %.*s is not valid.", (int)m->bad_len,
			       m->bad ? m->bad : "");
	if (r != REST_MATCHED)
		return err_set(e, SW_E_UnknownOperation, "no Lambda operation is %s %s",
			       req->method, req->path);
	*op = m->route->op;
	if (!(*op)->fn)
		return err_set(e, SW_E_NotImplemented,
			       "operation '%s' is not implemented by slipwayd yet", (*op)->name);
	mi = http_query_raw(req, "MaxItems");
	if (mi) {
		int64_t v;

		if (str_to_i64(mi, 1, 10000, &v))
			return err_set(e, SW_E_LAMBDA_Validation,
				       "1 validation error detected: Value '%.40s' at 'maxItems' "
				       "failed to satisfy constraint: Member must have value "
				       "between 1 and 10000",
				       mi);
	}
	if ((*op)->raw)
		return 0;
	if (n > LAMBDA_BODY_MAX)
		return err_set(e, SW_E_LAMBDA_RequestTooLarge,
			       "Request must be smaller than %u bytes", LAMBDA_BODY_MAX);
	r = json_parse_object(body, n, in, e);
	if (r < 0) {
		char why[sizeof(e->msg)];

		str_copy(why, sizeof(why), err_message(e));
		return err_set(e, SW_E_LAMBDA_InvalidRequestContent,
			       "Could not parse request body into json: %s", why);
	}
	return 0;
}
