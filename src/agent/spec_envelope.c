/* spec_envelope: opening a deployment specification's GenericEnvelope — PKCS#7 verification
 * with libcrypto, which is why it lives apart from spec.c: the agent runs it in the
 * slipway-agent-verify helper and so never maps libcrypto itself. */
#include "base/pkcs7.h"
#include "spec.h"

#include <string.h>

int spec_open_envelope(const char *format, const char *payload, const char *cert_pem,
		       bool allow_unsigned, struct buf *out, struct err *e)
{
	if (!format || !payload)
		return err_set(e, SW_E_INVALID, "deployment specification envelope is incomplete");
	if (strcmp(format, "PKCS7/JSON") == 0) {
		if (!cert_pem)
			return err_set(e, SW_E_INVALID,
				       "no server certificate configured to verify the deployment "
				       "specification");
		return pkcs7_verify_pem(cert_pem, payload, strlen(payload), out, e);
	}
	if (strcmp(format, "TEXT/JSON") == 0 && allow_unsigned)
		return buf_adds(out, payload) ? err_set(e, SW_E_TOO_LARGE, NULL) : 0;
	return err_set(e, SW_E_INVALID,
		       "refusing a deployment specification in format '%s' (only signed "
		       "PKCS7/JSON is accepted)",
		       format);
}
