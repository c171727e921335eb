/* fuzz_lambda_decode: Lambda's REST-JSON request decoding (services/lambda/decode.c) — an
 * input is "METHOD PATH[?QUERY]\n" then the body; the decoder must find an operation and a
 * JSON object, or answer one of its errors, never crash or leak. */
#include "services/lambda/lambda.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[8192];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;
	const uint8_t *body = nl ? nl + 1 : data + size;
	size_t blen = (size_t)(data + size - body);
	static struct http_req req;
	static struct rest_match m;
	const struct lambda_op *op;
	json_t *in = NULL;
	struct err e;
	char *sp, *q;
	int r;

	if (n >= sizeof(line))
		return 0;
	memcpy(line, data, n);
	line[n] = '\0';
	if (memchr(line, '\0', n))
		return 0;
	memset(&req, 0, sizeof(req));
	sp = strchr(line, ' ');
	if (!sp)
		return 0;
	*sp = '\0';
	req.method = line;
	req.path = sp + 1;
	q = strchr(sp + 1, '?');
	if (q) {
		*q++ = '\0';
		while (q && *q && req.nquery < HTTP_MAX_QUERY) {
			char *amp = strchr(q, '&'), *eq;

			if (amp)
				*amp++ = '\0';
			eq = strchr(q, '=');
			if (eq)
				*eq++ = '\0';
			req.query[req.nquery].name = q;
			req.query[req.nquery].value = eq;
			req.nquery++;
			q = amp;
		}
	}
	err_clear(&e);
	r = lambda_decode(&req, body, blen, &m, &op, &in, &e);
	if (r == 0) {
		if (!op || !op->fn || (!op->raw && !json_is_object(in)) || (op->raw && in))
			abort();
	} else if (in ||
		   (r != -SW_E_UnknownOperation && r != -SW_E_NotImplemented &&
		    r != -SW_E_LAMBDA_InvalidParameterValue && r != -SW_E_LAMBDA_Validation &&
		    r != -SW_E_LAMBDA_InvalidRequestContent && r != -SW_E_LAMBDA_RequestTooLarge)) {
		abort();
	}
	json_decref(in);
	return 0;
}
