/* test_spec: PKCS#7 deployment specifications signed with a throwaway key (the envelope the
 * server sends), and the spec JSON. */
#include "agent/command.h"
#include "agent/spec.h"
#include "base/pkcs7.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

struct keypair {
	char *key;
	char *cert;
};

static char *bio_string(BIO *b)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);
	char *out = malloc((size_t)n + 1);

	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}

/* A self-signed P-256 certificate, as slipwayd's server.crt is self-signed. */
static struct keypair make_keypair(const char *cn, long serial)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
	struct keypair kp;

	assert_non_null(pk);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pk);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
	PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL);
	PEM_write_bio_X509(cb, x);
	kp.key = bio_string(kb);
	kp.cert = bio_string(cb);
	X509_free(x);
	EVP_PKEY_free(pk);
	return kp;
}

static void free_keypair(struct keypair *kp)
{
	free(kp->key);
	free(kp->cert);
}

static const char spec_json[] =
    "{\"DeploymentId\":\"arn:aws:codedeploy:us-east-1:123456789012:deployment/d-ABCDEFGHI\","
    "\"DeploymentGroupId\":\"6b1c9a2e-1111-2222-3333-444455556666\","
    "\"DeploymentGroupName\":\"web\",\"ApplicationName\":\"shop\","
    "\"Revision\":{\"RevisionType\":\"S3\",\"S3Revision\":{\"Bucket\":\"rev\","
    "\"Key\":\"app/v1.zip\",\"BundleType\":\"zip\",\"ETag\":\"abc\"}},"
    "\"AgentActionOverrides\":{\"AgentOverrides\":{\"FileExistsBehavior\":\"RETAIN\"}},"
    "\"AllPossibleLifecycleEvents\":[\"ApplicationStop\",\"BeforeInstall\"]}";

static void test_sign_and_verify(void **state)
{
	struct keypair server = make_keypair("slipwayd", 1);
	struct buf signed_pem = BUF_INIT(1 << 20), content = BUF_INIT(1 << 20);
	struct err e = { 0 };

	(void)state;
	assert_int_equal(
	    pkcs7_sign_pem(server.key, server.cert, spec_json, strlen(spec_json), &signed_pem, &e),
	    0);
	assert_true(strncmp(signed_pem.p, "-----BEGIN PKCS7-----", 21) == 0);
	assert_int_equal(
	    spec_open_envelope("PKCS7/JSON", signed_pem.p, server.cert, false, &content, &e), 0);
	assert_int_equal(content.len, strlen(spec_json));
	assert_memory_equal(content.p, spec_json, content.len);
	buf_release(&signed_pem);
	buf_release(&content);
	free_keypair(&server);
}

static void test_wrong_signer_and_tampering_are_refused(void **state)
{
	struct keypair server = make_keypair("slipwayd", 1);
	/* same subject and serial as the server's certificate, different key */
	struct keypair impostor = make_keypair("slipwayd", 1);
	struct buf pem = BUF_INIT(1 << 20), content = BUF_INIT(1 << 20);
	struct err e = { 0 };
	char *p;

	(void)state;
	assert_int_equal(
	    pkcs7_sign_pem(impostor.key, impostor.cert, spec_json, strlen(spec_json), &pem, &e), 0);
	assert_int_equal(spec_open_envelope("PKCS7/JSON", pem.p, server.cert, false, &content, &e),
			 -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "does not verify against the server certificate"));
	assert_int_equal(content.len, 0);

	/* flip one byte of the base64 body of a genuine signature */
	buf_reset(&pem);
	assert_int_equal(
	    pkcs7_sign_pem(server.key, server.cert, spec_json, strlen(spec_json), &pem, &e), 0);
	p = pem.p + 200;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_not_equal(
	    spec_open_envelope("PKCS7/JSON", pem.p, server.cert, false, &content, &e), 0);
	assert_int_equal(content.len, 0);

	/* not PKCS#7 at all, unsigned JSON, unknown formats */
	assert_int_equal(spec_open_envelope("PKCS7/JSON", "{}", server.cert, false, &content, &e),
			 -SW_E_INVALID);
	assert_int_equal(
	    spec_open_envelope("TEXT/JSON", spec_json, server.cert, false, &content, &e),
	    -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "only signed PKCS7/JSON is accepted"));
	assert_int_equal(spec_open_envelope("TEXT/JSON", spec_json, NULL, true, &content, &e), 0);
	buf_release(&pem);
	buf_release(&content);
	free_keypair(&server);
	free_keypair(&impostor);
}

static void test_spec_json(void **state)
{
	struct deploy_spec s;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(spec_parse_json(spec_json, strlen(spec_json), &s, &e), 0);
	assert_string_equal(s.deployment_id, "d-ABCDEFGHI");
	assert_string_equal(s.deployment_group_name, "web");
	assert_string_equal(s.creator, "user");
	assert_string_equal(s.deployment_type, "IN_PLACE");
	assert_string_equal(s.appspec_filename, "appspec.yml");
	assert_int_equal(s.revision, SPEC_REV_S3);
	assert_string_equal(s.key, "app/v1.zip");
	assert_string_equal(s.etag, "abc");
	assert_int_equal(s.file_exists_behavior, APPSPEC_FEB_RETAIN);
	assert_string_equal(s.all_events[1], "BeforeInstall");
	assert_null(s.all_events[2]);
	assert_ptr_equal(spec_lifecycle_events(&s), s.all_events);
	spec_release(&s);

	assert_int_equal(spec_parse_json("{\"DeploymentId\":\"d-1\"}", 22, &s, &e), -SW_E_INVALID);
	assert_string_equal(err_message(&e), "deployment specification has no 'DeploymentGroupId'");
	spec_release(&s);
	{
		const char *bad = "{\"DeploymentId\":\"..\",\"DeploymentGroupId\":\"g\","
				  "\"DeploymentGroupName\":\"g\",\"ApplicationName\":\"a\"}";

		assert_int_equal(spec_parse_json(bad, strlen(bad), &s, &e), -SW_E_INVALID);
		spec_release(&s);
	}
	{
		const char *str =
		    "{\"DeploymentId\":\"d-2\",\"DeploymentGroupId\":\"g\","
		    "\"DeploymentGroupName\":\"g\",\"ApplicationName\":\"a\","
		    "\"Revision\":{\"RevisionType\":\"AppSpecContent\","
		    "\"AppSpecContent\":{\"Content\":\"version: 0.0\\nos: linux\\n\"}}}";

		assert_int_equal(spec_parse_json(str, strlen(str), &s, &e), 0);
		assert_int_equal(s.revision, SPEC_REV_APPSPEC_CONTENT);
		assert_string_equal(s.content, "version: 0.0\nos: linux\n");
		spec_release(&s);
	}
}

/* The AWS service sends no AllPossibleLifecycleEvents: the agent knows the events itself. */
static void test_events_without_the_list(void **state)
{
	const char *aws = "{\"DeploymentId\":\"d-ABCDEFGHI\",\"DeploymentGroupId\":\"g\","
			  "\"DeploymentGroupName\":\"g\",\"ApplicationName\":\"a\","
			  "\"DeploymentCreator\":\"user\",\"DeploymentType\":\"IN_PLACE\","
			  "\"Revision\":{\"RevisionType\":\"S3\",\"S3Revision\":{\"Bucket\":"
			  "\"b\",\"Key\":\"k.zip\",\"BundleType\":\"zip\"}}}";
	const char *const *ev;
	struct deploy_spec s;
	struct err e = { 0 };
	size_t n = 0;

	(void)state;
	assert_int_equal(spec_parse_json(aws, strlen(aws), &s, &e), 0);
	assert_null(s.all_events);
	ev = spec_lifecycle_events(&s);
	for (; ev[n]; n++)
		assert_true(command_known(ev[n]));
	assert_int_equal(n, 11);
	assert_string_equal(ev[0], "BeforeBlockTraffic");
	assert_string_equal(ev[10], "AfterAllowTraffic");
	spec_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_and_verify),
		cmocka_unit_test(test_wrong_signer_and_tampering_are_refused),
		cmocka_unit_test(test_spec_json),
		cmocka_unit_test(test_events_without_the_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
