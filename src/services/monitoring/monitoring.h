/* monitoring: the CloudWatch metrics and alarms API (service `monitoring`) — one handler per
 * operation, over a JSON object whatever the protocol (service.c picks the front: AWS JSON 1.0,
 * Smithy RPC v2 CBOR or the query protocol; each only decodes into and encodes from that
 * object).  Members keep the model's PascalCase names; timestamps are numbers of epoch seconds
 * (a real when fractional), blobs base64 strings. */
#ifndef SW_MONITORING_H
#define SW_MONITORING_H

#include "errors.h"
#include "contract/service.h"
#include "base/json.h"
#include "model/metrics.h"

#define MONITORING_TARGET_PREFIX "GraniteServiceVersion20100801."
#define MONITORING_XMLNS	 "http://monitoring.amazonaws.com/doc/2010-08-01/"

/* The operation tables, one per resource file, each ending in { NULL }. */
extern const struct json_op monitoring_metric_ops[]; /* metrics.c */
extern const struct json_op monitoring_alarm_ops[];  /* alarms.c */

/* ---- common.c: validation with AWS's messages (param is the name a message shows) ---- */

/* String member key of in, of min..max characters and no control characters; absent is
 * MissingParameter when required, else leaves *out. */
int cw_str(const json_t *in, const char *key, const char *param, size_t min, size_t max,
	   bool required, const char **out, struct err *e);
/* Timestamp member (epoch seconds, integer or real) into epoch ms: 0, 1 when absent and not
 * required, or an error. */
int cw_time(const json_t *in, const char *key, bool required, int64_t *ms, struct err *e);
/* A Dimensions list of at most max entries into out (borrowed strings); value_opt: a Value may
 * be absent (ListMetrics' filters; its value is then NULL). */
int cw_dims(const json_t *in, const char *key, const char *param, size_t max, bool value_opt,
	    struct metric_dim *out, size_t *n, struct err *e);
/* A Unit member: *out is the table's own spelling, or untouched when absent. */
int cw_unit(const json_t *in, const char *key, const char *param, const char **out, struct err *e);
bool cw_stat_simple(const char *s);	/* SampleCount, Average, Sum, Minimum, Maximum */
bool cw_stat_percentile(const char *s); /* pNN[.N] */
/* Period rules: 1, 5, 10, 20, 30 or a multiple of 60. */
int cw_period(int64_t period, const char *param, struct err *e);

/* Turns a model's -SW_E_INVALID in e into InvalidParameterValue, keeping its message. */
int cw_invalid(struct err *e);
/* Page tokens: opaque printable text for a position string, and back (NULL when t is not a
 * token of ours).  Both return malloc'd strings. */
char *cw_token_encode(const char *pos);
char *cw_token_decode(const char *t);

/* ---- metrics.c, for alarms.c ---- */

/* A metric's key from in's Namespace, MetricName and Dimensions (dims: room for
 * METRIC_DIMS_MAX); prefix goes before the names in messages. */
int cw_metric_key(const json_t *in, const char *prefix, struct metric_key *k,
		  struct metric_dim *dims, struct err *e);
#endif
