/* test_errors: every service's error table as slipwayd registers it — complete, one C name per
 * code, CodeDeploy's `<Name>Exception` rule — and what the S3 and query fronts put on the wire
 * for every code, compared with what they answered before the tables were split (the switch
 * statements that did it, kept here as the reference). */
#include "contract/service.h"
#include "services/agentchannel/errors.h"
#include "services/codedeploy/errors.h"
#include "services/iam/errors.h"
#include "services/logs/errors.h"
#include "services/monitoring/errors.h"
#include "services/s3/errors.h"
#include "services/traffic/errors.h"
#include "base/str.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const struct err_table *const tables[] = {
	&codedeploy_err_table, &commands_err_table, &s3_err_table,	&iam_err_table,
	&monitoring_err_table, &logs_err_table,	    &traffic_err_table,
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* A CloudWatch-like query service, to put a second `LimitExceeded` next to IAM's 409. */
enum { W_LimitExceeded = 91 * SW_ERR_RANGE, W__END };
static const struct err_info watch_rows[] = {
	{ "W_LimitExceeded", 400, "LimitExceeded", "The quota for alarms has been reached." },
};
static const struct err_table watch_table = { "watch", 91 * SW_ERR_RANGE, W__END, watch_rows };

/* Every code: the generic ones, every service's, and a few nobody declared. */
static int all_codes(int *out, int max)
{
	int n = 0;

	for (int c = 0; c < SW_E__GENERIC_COUNT && n < max; c++)
		out[n++] = c;
	for (size_t t = 0; t < NTABLES; t++)
		for (int c = tables[t]->first; c < tables[t]->end && n < max; c++)
			out[n++] = c;
	out[n++] = SW_E__GENERIC_COUNT;
	out[n++] = SW_E__S3_END;
	out[n++] = SW_E__IAM_END + 17;
	out[n++] = 77777;
	return n;
}

static int setup(void **state)
{
	(void)state;
	return err_register(&watch_table);
}

static void test_every_table_is_registered_before_main(void **state)
{
	(void)state;
	for (size_t t = 0; t < NTABLES; t++) {
		assert_int_equal(err_register(tables[t]), 0); /* again: a no-op */
		assert_true(tables[t]->end > tables[t]->first);
		for (int c = tables[t]->first; c < tables[t]->end; c++)
			assert_ptr_equal(err_info(c), &tables[t]->rows[c - tables[t]->first]);
	}
}

static void test_every_code_is_complete(void **state)
{
	(void)state;
	for (size_t t = 0; t < NTABLES; t++)
		for (int c = tables[t]->first; c < tables[t]->end; c++) {
			const struct err_info *i = err_info(c);

			if (!i->name || !i->name[0] || !i->aws_type || !i->aws_type[0])
				fail_msg("%s code %d is incomplete", tables[t]->service, c);
			if (i->http_status < 300 || i->http_status > 599)
				fail_msg("code %s has HTTP status %d", i->name, i->http_status);
			for (const char *p = i->aws_type; *p; p++)
				if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
				      (*p >= '0' && *p <= '9')))
					fail_msg("code %s has AWS type '%s'", i->name, i->aws_type);
		}
}

static void test_names_are_unique(void **state)
{
	int codes[2048];
	int n = all_codes(codes, 2000) - 4; /* without the unknown ones */

	(void)state;
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++)
			if (strcmp(err_info(codes[a])->name, err_info(codes[b])->name) == 0)
				fail_msg("codes %d and %d are both named %s", codes[a], codes[b],
					 err_info(codes[a])->name);
}

static void test_codedeploy_exceptions(void **state)
{
	int seen = 0;

	(void)state;
	/* every CodeDeploy code is `<Name>Exception`, HTTP 400 */
#define C(n)                                                      \
	do {                                                      \
		const struct err_info *i = err_info(SW_E_##n);    \
		assert_string_equal(i->name, #n);                 \
		assert_string_equal(i->aws_type, #n "Exception"); \
		assert_int_equal(i->http_status, 400);            \
		seen++;                                           \
	} while (0);
	SW_ERRORS_CODEDEPLOY(C)
#undef C
	assert_true(seen > 50);
	assert_int_equal(seen, SW_E__CODEDEPLOY_END - SW_ERR_BASE_CODEDEPLOY);
	assert_string_equal(err_info(SW_E_ApplicationDoesNotExist)->aws_type,
			    "ApplicationDoesNotExistException");
}

static void test_wire_types_clients_rely_on(void **state)
{
	struct err e = { 0 };

	(void)state;
	assert_string_equal(err_info(SW_E_NoSuchKey)->aws_type, "NoSuchKey");
	assert_int_equal(err_info(SW_E_NoSuchKey)->http_status, 404);
	assert_int_equal(err_info(SW_E_NoSuchBucket)->http_status, 404);
	assert_int_equal(err_info(SW_E_BucketNotEmpty)->http_status, 409);
	assert_int_equal(err_info(SW_E_InvalidRange)->http_status, 416);
	assert_int_equal(err_info(SW_E_NotModified)->http_status, 304);
	assert_string_equal(err_info(SW_E_NoSuchEntity)->aws_type, "NoSuchEntity");
	assert_int_equal(err_info(SW_E_LimitExceeded)->http_status, 409);
	assert_string_equal(err_info(SW_E_ClientException)->aws_type, "ClientException");
	assert_int_equal(err_info(SW_E_ServerException)->http_status, 500);
	/* default messages come from the service's rows */
	err_set(&e, SW_E_NoSuchKey, NULL);
	assert_string_equal(err_message(&e), "The specified key does not exist.");
	err_set(&e, SW_E_InvalidTagsToAdd, NULL);
	assert_string_equal(err_message(&e), "InvalidTagsToAdd");
}

/* ---- the fronts, against what they answered before ---- */

/* The code was one of the single table's before the split. */
static bool was_known(int code)
{
	return code >= 0 && (err_info(code) != err_info(SW_E_INTERNAL) || code == SW_E_INTERNAL);
}

/* services/s3/service.c's s3__code before the split. */
static const char *old_s3_code(int code, int *status)
{
	const struct err_info *info = err_info(code);

	*status = info->http_status;
	switch (code) {
	case SW_E_SignatureDoesNotMatch:
		*status = 403;
		return "SignatureDoesNotMatch";
	case SW_E_InvalidClientTokenId:
		*status = 403;
		return "InvalidAccessKeyId";
	case SW_E_RequestExpired:
		*status = 403;
		return "RequestTimeTooSkewed";
	case SW_E_AccessDenied:
	case SW_E_MissingAuthenticationToken:
		*status = 403;
		return "AccessDenied";
	case SW_E_IncompleteSignature:
		*status = 400;
		return "AuthorizationHeaderMalformed";
	case SW_E_NotImplemented:
		*status = 501;
		return "NotImplemented";
	case SW_E_TOO_LARGE:
		*status = 400;
		return "MaxMessageLengthExceeded";
	case SW_E_INVALID:
	case SW_E_Serialization:
		*status = 400;
		return "InvalidArgument";
	case SW_E_AGAIN:
	case SW_E_Throttling:
		*status = 503;
		return "SlowDown";
	default:
		break;
	}
	if (*status >= 500 || code <= 0 || !was_known(code)) {
		*status = 500;
		return "InternalError";
	}
	return info->aws_type;
}

/* server/proto_query.c's query__code and status rule before the split. */
static const char *old_query_code(int code, int *status)
{
	const struct err_info *info = err_info(code);

	*status = info->http_status == 200 ? 400 : info->http_status;
	if (code == SW_E_AccessDenied || code == SW_E_InvalidClientTokenId ||
	    code == SW_E_SignatureDoesNotMatch || code == SW_E_RequestExpired ||
	    code == SW_E_MissingAuthenticationToken)
		*status = 403;
	switch (code) {
	case SW_E_SignatureDoesNotMatch:
	case SW_E_RequestExpired:
		return "SignatureDoesNotMatch";
	case SW_E_InvalidClientTokenId:
		return "InvalidClientTokenId";
	case SW_E_MissingAuthenticationToken:
		return "MissingAuthenticationToken";
	case SW_E_IncompleteSignature:
		return "IncompleteSignature";
	case SW_E_AccessDenied:
		return "AccessDenied";
	case SW_E_Serialization:
	case SW_E_INVALID:
		return "ValidationError";
	case SW_E_UnknownOperation:
		return "InvalidAction"; /* what AWS's query services answer for an unknown Action */
	default:
		return info->aws_type;
	}
}

/* The text of <name>…</name> in body, or "". */
static void xml_elem(const char *body, const char *name, char *out, size_t size)
{
	char open[32], close[32];
	const char *p, *q;

	str_fmt(open, sizeof(open), "<%s>", name);
	str_fmt(close, sizeof(close), "</%s>", name);
	out[0] = '\0';
	p = strstr(body, open);
	q = p ? strstr(p, close) : NULL;
	if (p && q)
		str_copyn(out, size, p + strlen(open), (size_t)(q - p - strlen(open)));
}

typedef void (*error_fn)(struct http_req *, struct http_resp *, const struct err *);

/* Runs a front's error writer for code; returns the status, the <Code> into out. */
static int front(error_fn fn, int code, char *out, size_t size)
{
	struct http_req req = { .method = "GET", .path = "/bkt/key" };
	struct http_resp resp = { .fd = -1 };
	struct err e = { .code = code };
	int status;

	str_copy(req.request_id, sizeof(req.request_id), "00000000-0000-0000-0000-000000000000");
	buf_init(&resp.body, 1 << 16);
	fn(&req, &resp, &e);
	xml_elem(buf_str(&resp.body), "Code", out, size);
	status = resp.status;
	http_resp_release(&resp);
	return status;
}

static void test_s3_front_answers_as_before(void **state)
{
	int codes[2048], n = all_codes(codes, 2000);

	(void)state;
	for (int i = 0; i < n; i++) {
		int want_status;
		const char *want = old_s3_code(codes[i], &want_status);
		char got[128];
		int status = front(s3_service.error, codes[i], got, sizeof(got));

		if (status != want_status || (status != 304 && strcmp(got, want) != 0))
			fail_msg("s3 code %d (%s): got %d %s, want %d %s", codes[i],
				 err_info(codes[i])->name, status, got, want_status, want);
	}
}

static void test_query_front_answers_as_before(void **state)
{
	int codes[2048], n = all_codes(codes, 2000);

	(void)state;
	for (int i = 0; i < n; i++) {
		int want_status;
		const char *want = old_query_code(codes[i], &want_status);
		char got[128];
		int status = front(query_proto_error, codes[i], got, sizeof(got));

		if (status != want_status || strcmp(got, want) != 0)
			fail_msg("query code %d (%s): got %d %s, want %d %s", codes[i],
				 err_info(codes[i])->name, status, got, want_status, want);
	}
}

static void test_one_name_two_statuses_on_the_wire(void **state)
{
	char got[64];

	(void)state;
	/* IAM's LimitExceeded is a 409; the other query service's, a 400; both say LimitExceeded */
	assert_int_equal(front(query_proto_error, SW_E_LimitExceeded, got, sizeof(got)), 409);
	assert_string_equal(got, "LimitExceeded");
	assert_int_equal(front(query_proto_error, W_LimitExceeded, got, sizeof(got)), 400);
	assert_string_equal(got, "LimitExceeded");
	/* and an unknown code is INTERNAL's row: 500, the front's server-error name */
	assert_int_equal(front(query_proto_error, W__END, got, sizeof(got)), 500);
	assert_string_equal(got, "InternalFailure");
	assert_int_equal(front(s3_service.error, W__END, got, sizeof(got)), 500);
	assert_string_equal(got, "InternalError");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_table_is_registered_before_main),
		cmocka_unit_test(test_every_code_is_complete),
		cmocka_unit_test(test_names_are_unique),
		cmocka_unit_test(test_codedeploy_exceptions),
		cmocka_unit_test(test_wire_types_clients_rely_on),
		cmocka_unit_test(test_s3_front_answers_as_before),
		cmocka_unit_test(test_query_front_answers_as_before),
		cmocka_unit_test(test_one_name_two_statuses_on_the_wire),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
