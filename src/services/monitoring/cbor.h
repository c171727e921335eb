/* monitoring/cbor: CloudWatch's Smithy RPC v2 CBOR front (POST
 * /service/GraniteServiceVersion20100801/operation/<Op>) — a CBOR map into the JSON object a
 * JSON 1.0 client sends, the handler's JSON reply into CBOR (reference/cloudwatch.md §1.2,
 * §1.3).  Built on libcbor's streaming decoder and its encoders. */
#ifndef SW_MONITORING_CBOR_H
#define SW_MONITORING_CBOR_H

#include "shapes.h"
#include "contract/service.h"
#include "base/buf.h"
#include "base/err.h"

#include <jansson.h>
#include <stdint.h>

#define MONITORING_CBOR_MAX_DEPTH 32	   /* nested arrays and maps */
#define MONITORING_CBOR_MAX_ITEMS 1000000u /* data items in one request */

/*
 * Decodes the n bytes at p — one CBOR data item, a map (n == 0: {}) — into *out, a new JSON
 * object: definite and indefinite lengths; integers, half/single/double floats; text strings
 * (valid UTF-8) as strings, byte strings as base64; tag 1 (epoch seconds, integer or float) as
 * a number; null and undefined as null, and map members whose value is null left out.
 * Refused: Serialization for malformed or truncated CBOR, trailing bytes, a root that is no
 * map, a map key that is no text string, any tag but 1, integers beyond int64, nesting deeper
 * than MONITORING_CBOR_MAX_DEPTH or more than MONITORING_CBOR_MAX_ITEMS items;
 * CW_InvalidParameterValue for NaN or an infinity (no CloudWatch number takes one, and JSON
 * holds none), naming the member the query way (MetricData.member.1.Value); NOMEM.
 */
int monitoring_cbor_decode(const uint8_t *p, size_t n, json_t **out, struct err *e);

/*
 * Appends reply (NULL: {}) encoded as the structure shape: members in the model's order,
 * definite lengths, timestamps as tag 1 + double, doubles as doubles, blobs (base64 in the
 * JSON) as byte strings; members the model does not have are left out.  0, or
 * -SW_E_TOO_LARGE / -SW_E_NOMEM.
 */
int monitoring_cbor_encode(uint16_t shape, const json_t *reply, struct buf *out);

/* True when req's path ends in /service/<CloudWatch's service id>/operation/<Op>; *op then
 * points at Op inside req->path. */
bool monitoring_cbor_path(const char *path, const char **op, size_t *oplen);

void monitoring_cbor_handle(const struct json_service *svc, struct http_req *req,
			    struct http_resp *resp);
/* The CBOR error: status, {"__type", "message"}, and x-amzn-query-error for CloudWatch's own
 * codes. */
void monitoring_cbor_error(struct http_req *req, struct http_resp *resp, const struct err *e);

#endif
