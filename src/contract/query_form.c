/* query_form: form-encoded bodies of the AWS query protocol (see query_form.h). */
#include "query_form.h"
#include "contract/http.h"

#include <string.h>

void query_form_init(struct query_form *f, size_t max_params)
{
	f->params.v = NULL;
	f->params.n = f->params.cap = 0;
	f->params.max = max_params;
	buf_init(&f->store, HTTP_MAX_BODY);
}

/* Where a field's name and value start in f->store (which moves as it grows). */
struct query_form__at {
	size_t name, value;
};

int query_form_parse(struct query_form *f, const char *s, size_t len, struct err *e)
{
	const char *p = s, *end = s + len;
	VEC(struct query_form__at) at = VEC_INIT(f->params.max);
	struct buf tmp = BUF_INIT(HTTP_MAX_BODY);
	int r = 0;

	buf_reset(&f->store);
	f->params.n = 0;
	while (p < end && !r) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		struct query_form__at a;

		if (stop == p) {
			p = stop + 1;
			continue;
		}
		if (vec_grow(&at, 1)) {
			r = at.n >= at.max ? err_set(e, SW_E_INVALID,
						     "too many parameters (at most %zu)", at.max)
					   : err_set(e, SW_E_NOMEM, NULL);
			break;
		}
		/* form encoding: '+' is a space */
		buf_reset(&tmp);
		for (const char *q = p; q < stop && !r; q++)
			r = buf_addc(&tmp, *q == '+' ? ' ' : *q);
		if (r) {
			r = err_set(e, SW_E_TOO_LARGE, NULL);
			break;
		}
		a.name = f->store.len;
		if (uri_decode(&f->store, tmp.p, eq ? (size_t)(eq - p) : tmp.len) ||
		    buf_addc(&f->store, '\0')) {
			r = err_set(e, SW_E_Serialization, "malformed form encoding");
			break;
		}
		a.value = f->store.len;
		if ((eq &&
		     uri_decode(&f->store, tmp.p + (eq - p) + 1, tmp.len - (size_t)(eq - p) - 1)) ||
		    buf_addc(&f->store, '\0')) {
			r = err_set(e, SW_E_Serialization, "malformed form encoding");
			break;
		}
		/* Names and values are used as C strings: a decoded NUL would shorten them past
		 * every later check (UserName=ab%00cd would be "ab"), so it is refused here. */
		if (memchr(f->store.p + a.name, '\0', a.value - 1 - a.name) ||
		    memchr(f->store.p + a.value, '\0', f->store.len - 1 - a.value)) {
			r = err_set(e, SW_E_INVALID,
				    "1 validation error detected: a parameter name or value "
				    "contains a NUL byte (%%00), which no value may hold");
			break;
		}
		at.v[at.n++] = a;
		p = stop + 1;
	}
	buf_release(&tmp);
	if (!r && at.n && vec_grow(&f->params, at.n))
		r = err_set(e, SW_E_NOMEM, NULL);
	for (size_t i = 0; !r && i < at.n; i++) {
		f->params.v[i].name = f->store.p + at.v[i].name;
		f->params.v[i].value = f->store.p + at.v[i].value;
	}
	if (!r)
		f->params.n = at.n;
	vec_release(&at);
	return r;
}

void query_form_release(struct query_form *f)
{
	buf_release(&f->store);
	vec_release(&f->params);
}

static const struct err_remap query__generic_names[] = {
	{ SW_E_OK, 400, "" },
	{ SW_E_SignatureDoesNotMatch, 403, "SignatureDoesNotMatch" },
	{ SW_E_RequestExpired, 403, "SignatureDoesNotMatch" },
	{ SW_E_InvalidClientTokenId, 403, "InvalidClientTokenId" },
	{ SW_E_MissingAuthenticationToken, 403, "MissingAuthenticationToken" },
	{ SW_E_IncompleteSignature, 400, "IncompleteSignature" },
	{ SW_E_AccessDenied, 403, "AccessDenied" },
	{ SW_E_Serialization, 400, "ValidationError" },
	{ SW_E_INVALID, 400, "ValidationError" },
	{ SW_E_UnknownOperation, 400, "InvalidAction" },
};

const struct err_view query_err_view = {
	.remap = query__generic_names,
	.nremap = sizeof(query__generic_names) / sizeof(query__generic_names[0]),
};

int query_error_xml(struct buf *out, const char *xmlns, const char *code, bool receiver,
		    const char *message, const char *request_id)
{
	int r = buf_addf(out,
			 "<ErrorResponse xmlns=\"%s\">\n"
			 "  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n    <Message>",
			 xmlns, receiver ? "Receiver" : "Sender", code);

	r = r ? r : buf_add_xml(out, message);
	r = r ? r
	      : buf_addf(out,
			 "</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n",
			 request_id);
	return r;
}
