/* fuzz_rest: the REST route matcher and its percent-decoding (contract/rest.c).  Input: a
 * method line, a path line, then query keys ("?name[=value]") and header names, one a line. */
#include "contract/rest.h"
#include "base/buf.h"
#include "base/sigv4.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int ops[6];

static const struct rest_route routes[] = {
	{ "GET", "/", .op = &ops[0] },
	{ "POST", "/2015-03-31/functions/{FunctionName}/invocations", .op = &ops[1] },
	{ "GET", "/{Bucket}", .query = { "list-type=2" }, .no_query = { "x" }, .op = &ops[2] },
	{ "PUT", "/{Bucket}/{Key+}", .query = { "uploadId" }, .header = "x-amz-copy-source",
	  .op = &ops[3] },
	{ "*", "/{Bucket}/{Key+}", .op = &ops[4] },
	{ "GET", "/a/{A}/b/{B}/{C}/{D+}", .op = &ops[5] },
	{ NULL },
};

/* rest_decode must agree with base's uri_decode, refusing NUL and values past size. */
static void check_decode(const char *s, size_t n)
{
	static char out[REST_VALUE_MAX + 1];
	struct buf b = BUF_INIT(REST_VALUE_MAX);
	size_t len;
	int r = rest_decode(s, n, out, sizeof(out), &len), u = uri_decode(&b, s, n);

	if (!u && b.len && memchr(b.p, '\0', b.len))
		u = -SW_E_INVALID;
	if (r == 0 &&
	    (u || len != b.len || memcmp(out, b.p, len) || out[len] || strlen(out) != len))
		abort();
	if (r && !u)
		abort();
	if (r && r != -SW_E_INVALID && r != -SW_E_TOO_LARGE)
		abort();
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line, *next, *method = NULL, *path = NULL;
	struct http_req *req = calloc(1, sizeof(*req));
	struct rest_match *m = malloc(sizeof(*m));
	int r;

	if (!text || !req || !m)
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!method) {
			method = line;
		} else if (!path) {
			path = line;
		} else if (line[0] == '?' && req->nquery < HTTP_MAX_QUERY) {
			char *eq = strchr(line, '=');

			if (eq)
				*eq++ = '\0';
			req->query[req->nquery].name = line + 1;
			req->query[req->nquery++].value = eq;
		} else if (req->nheaders < HTTP_MAX_HEADERS) {
			req->headers[req->nheaders].name = line;
			req->headers[req->nheaders++].value = "";
		}
	}
	if (!path)
		goto out;
	check_decode(path, strlen(path));
	r = rest_match(routes, method, path, req, m);
	if (r == REST_MATCHED || r == REST_NO_METHOD) {
		if ((r == REST_MATCHED) != (m->route != NULL) || m->bad)
			abort();
		for (size_t i = 0; i < m->nparams; i++)
			if (m->params[i].len > REST_VALUE_MAX ||
			    strlen(m->params[i].value) != m->params[i].len)
				abort();
	} else if (r == REST_NO_ROUTE) {
		if (m->route || m->nparams)
			abort();
	} else if ((r != -SW_E_INVALID && r != -SW_E_TOO_LARGE) || !m->bad || m->route) {
		abort();
	}
out:
	free(text);
	free(req);
	free(m);
	return 0;
}
