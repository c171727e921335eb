/* monitoring/query: CloudWatch's AWS query front — form fields (Action=<Op>&Version=2010-08-01,
 * X.member.N lists, dotted structures, X.entry.N.key/value maps) into the JSON object a JSON
 * 1.0 client sends, and the handler's JSON reply into <OpResponse> XML. */
#ifndef SW_MONITORING_QUERY_H
#define SW_MONITORING_QUERY_H

#include "shapes.h"
#include "contract/service.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/sigv4.h"

#include <jansson.h>

/* Fields in one request: PutMetricData's 1,000 data with their dimensions and values take tens
 * of thousands. */
#define MONITORING_QUERY_MAX_PARAMS 100000
/* The highest N of X.member.N / X.entry.N */
#define MONITORING_QUERY_MAX_INDEX 100000

/*
 * Builds into *out (a new object) the input of the operation whose input structure is shape
 * input, from the decoded fields params[0..n).  Action, Version and the X-Amz-* fields of a
 * presigned request are skipped, and so are members the model does not have.  Lists become
 * arrays in index order (`AlarmActions=` alone: []), maps objects, booleans true/false,
 * numbers numbers, timestamps (ISO 8601, or epoch seconds) epoch seconds.  Errors, with the
 * field named: CW_InvalidParameterValue for a value of the wrong type or a non-finite double,
 * a field whose name does not fit the shape, or one given twice; NOMEM.
 */
int monitoring_query_decode(uint16_t input, const struct sigv4_kv *params, size_t n, json_t **out,
			    struct err *e);

/*
 * Appends the <OpResponse> document of operation op for the handler's reply (NULL: none):
 * <OpResult> with the members of the output structure, in the model's order, when op has one,
 * then <ResponseMetadata>.  Members the model does not have are left out; timestamps are
 * ISO 8601 UTC with milliseconds.  0, or -SW_E_TOO_LARGE / -SW_E_NOMEM.
 */
int monitoring_query_encode(const struct monitoring_op_shapes *op, const json_t *reply,
			    const char *request_id, struct buf *xml);

/* Parses "YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm|±hhmm)?" (no zone: UTC) into epoch seconds;
 * -SW_E_INVALID for anything else. */
int monitoring_iso8601_parse(const char *s, double *out);

/* Serves a query request (form body, or the URL's query for a GET) with svc's handlers. */
void monitoring_query_handle(const struct json_service *svc, struct http_req *req,
			     struct http_resp *resp);
/* Adds x-amzn-query-error: <QueryCode>;<Sender|Receiver> for CloudWatch's own codes (JSON 1.0
 * and CBOR errors), so that botocore raises the modeled exception; nothing for other codes. */
void monitoring_query_error_header(struct http_resp *resp, const struct err *e);
/* The query protocol's <ErrorResponse> for e: <Code> is the error's query code. */
void monitoring_query_error(struct http_req *req, struct http_resp *resp, const struct err *e);

#endif
