/* monitoring: the CloudWatch metrics and alarms API (service `monitoring`) — one handler per
 * operation, over a JSON object whatever the protocol (service.c picks the front: AWS JSON 1.0,
 * Smithy RPC v2 CBOR or the query protocol; each only decodes into and encodes from that
 * object).  Members keep the model's PascalCase names; timestamps are numbers of epoch seconds
 * (a real when fractional), blobs base64 strings. */
#ifndef SW_MONITORING_H
#define SW_MONITORING_H

#include "errors.h"
#include "contract/service.h"

#define MONITORING_TARGET_PREFIX "GraniteServiceVersion20100801."
#define MONITORING_XMLNS	 "http://monitoring.amazonaws.com/doc/2010-08-01/"

/* The operation tables, one per resource file, each ending in { NULL }. */
extern const struct json_op monitoring_metric_ops[]; /* metrics.c */
extern const struct json_op monitoring_alarm_ops[];  /* alarms.c */

#endif
