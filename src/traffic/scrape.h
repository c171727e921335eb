/* traffic/scrape: the load-balancer metrics scraper — a thread that reads every declared
 * balancer's backends every interval and publishes them as CloudWatch's AWS/ApplicationELB
 * metrics (docs/metrics.md), so that alarms written for an AWS target group work unchanged.
 *
 * Per scrape and balancer, for each backend (TargetGroup) with the dimension sets
 * {LoadBalancer}, {TargetGroup, LoadBalancer}, {TargetGroup} and, per server, {TargetGroup,
 * Target}: RequestCount, HTTPCode_Target_2XX/3XX/4XX/5XX_Count (Count: the counter's change
 * since the last scrape, published when the backend or server was there both times; a counter
 * that went down means HAProxy restarted, and its new value is the change), TargetResponseTime
 * (Seconds: HAProxy's rtime, only when requests happened since the last scrape),
 * HealthyHostCount / UnHealthyHostCount (Count: servers UP or unchecked / DOWN; those in
 * maintenance or draining are in neither).  The first scrape of a balancer (and the first after
 * it was unreachable) is the baseline: gauges only.  A balancer that cannot be read is logged
 * once per outage and publishes nothing. */
#ifndef SW_TRAFFIC_SCRAPE_H
#define SW_TRAFFIC_SCRAPE_H

#include "traffic.h"

struct store;
struct traffic_scrape;

struct traffic_scrape_config {
	struct traffic *traffic; /* the registry (not owned); at least one balancer */
	struct store *store;
	double interval_s; /* CloudWatch seconds: divided by the time scale, at least 100 ms */
	/* Called (from the scraper's thread) after a write that made alarms due: slipwayd wakes
	 * the engine, whose alarm job evaluates them.  Optional. */
	void (*on_alarms)(void *arg);
	void *on_alarms_arg;
};

/* Starts the thread; the first scrape happens at once. */
int traffic_scrape_start(const struct traffic_scrape_config *cfg, struct traffic_scrape **out,
			 struct err *e);
/* Stops the thread (waiting for a scrape in progress: at most the registry's timeout per
 * balancer) and frees everything.  NULL is a no-op. */
void traffic_scrape_stop(struct traffic_scrape *s);

/* One scrape now, from the caller's thread (tests; the thread must not run).  0, or the
 * store's error. */
int traffic_scrape_once(struct traffic_scrape *s, struct err *e);

/* A scraper whose thread is not started (tests: traffic_scrape_once then _stop). */
int traffic_scrape_new(const struct traffic_scrape_config *cfg, struct traffic_scrape **out,
		       struct err *e);

#endif
