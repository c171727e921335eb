/* traffic_events: the service-side lifecycle events, BlockTraffic and AllowTraffic, run by the
 * engine itself on the deployment's load balancers (src/traffic/traffic.h), and the target
 * groups a deployment's document names.
 *
 * BlockTraffic puts the instance's server into drain in every target group, waits until its
 * sessions are gone or the deregistration delay has passed, then puts it into maintenance.
 * AllowTraffic sets it ready (at its configured weight, or at a weight the caller gives) and
 * waits until the balancer's health check reports it up, failing after the allow timeout.
 * Neither remembers anything between passes: the event's start time (the host command's
 * acknowledgement) is all they need, so a restarted slipwayd carries on. */
#ifndef SW_ENGINE_TRAFFIC_EVENTS_H
#define SW_ENGINE_TRAFFIC_EVENTS_H

#include "engine.h"
#include "traffic/traffic.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEV_TG_MAX 10 /* target groups (and classic ELBs) in a deployment group, as AWS */

struct tev_groups {
	const char *name[2 * TEV_TG_MAX];
	size_t n;
};

/* The target groups of a deployment (or deployment group) document's loadBalancerInfo:
 * targetGroupInfoList then elbInfoList names (borrowed from doc). */
void tev_groups_of(const json_t *doc, struct tev_groups *out);

/* Whether doc deploys with traffic control: deploymentOption WITH_TRAFFIC_CONTROL (blue/green
 * always) and at least one target group. */
bool tev_with_traffic(const json_t *doc);

/* Whether a lifecycle event is one the service runs (BlockTraffic, AllowTraffic). */
bool tev_is_service_event(const char *name);

enum tev_result {
	TEV_WAIT,   /* in progress: look again at *timer */
	TEV_DONE,   /* succeeded: msg says what was done */
	TEV_FAILED, /* failed: msg says why, in the balancer's words when it answered */
};

/* AllowTraffic's weight: the server's configured weight (HAProxy's "100%"). */
#define TEV_WEIGHT_CONFIGURED TRAFFIC_WEIGHT_CONFIGURED

/* Starts event (BlockTraffic or AllowTraffic) for instance on every target group of doc:
 * TEV_WAIT, or TEV_FAILED with msg (a target group changed before the failure is named in
 * it).  AllowTraffic makes the server ready at weight 0 with its health forced down, so that
 * only its own health check brings it up (HAProxy reports a server leaving maintenance UP
 * before any check); tev_check then gives it its configured weight (held: it stays at 0). */
enum tev_result tev_start(const struct engine_options *opt, const json_t *doc, const char *instance,
			  const char *event, char *msg, size_t size);

/* One look at event in progress since since (ms) at now: TEV_WAIT with *timer, TEV_DONE (a
 * drained server is put into maintenance first), or TEV_FAILED.  hold: an AllowTraffic whose
 * server is up stays TEV_WAIT, with *up set (weighted shifting completes it later). */
enum tev_result tev_check(const struct engine_options *opt, const json_t *doc, const char *instance,
			  const char *event, int64_t since, int64_t now, bool hold, bool *up,
			  int64_t *timer, char *msg, size_t size);

/* Sets instance's weight in every target group of doc: 0 or a negative error with msg. */
int tev_set_weight(const struct engine_options *opt, const json_t *doc, const char *instance,
		   int weight, char *msg, size_t size);

#endif
