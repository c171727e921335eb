/* fuzz_lambda_url: a function URL's answer — what a function returns (any bytes, usually JSON
 * with statusCode, headers, cookies, body, isBase64Encoded) turned into the HTTP response — and
 * the payload-format-2.0 event built from a request whose path, query and headers come from
 * the input.  Input: the answer; after a NUL, a path; after another NUL, header lines. */
#include "services/lambda/lambda.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_resp resp = { .fd = -1 };
	struct http_req req = { 0 };
	char *copy = malloc(size + 1), *path, *hdrs, *save = NULL;
	size_t n;
	json_t *ev;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	buf_init(&resp.body, 8u << 20);
	lambda_url_response((const char *)data, size, &resp);
	http_resp_release(&resp);

	n = strlen(copy);
	path = n < size ? copy + n + 1 : "/";
	n = strlen(path);
	hdrs = path + n < copy + size ? path + n + 1 : NULL;
	req.method = "POST";
	req.path = path;
	buf_init(&req.body, 1u << 20);
	buf_add(&req.body, copy, strlen(copy));
	for (char *line = hdrs ? strtok_r(hdrs, "\n", &save) : NULL;
	     line && req.nheaders < HTTP_MAX_HEADERS; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = '\0';
		req.headers[req.nheaders].name = line;
		req.headers[req.nheaders].value = colon + 1;
		req.nheaders++;
	}
	ev = lambda_url_event(&req, "abc", "000000000000", path, 0);
	json_decref(ev);
	buf_release(&req.body);
	free(copy);
	return 0;
}
