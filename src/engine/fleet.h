/* fleet: minimum-healthy-hosts arithmetic, batch choice and instance ordering for in-place
 * deployments (docs/compatibility.md §3.2–3.3).  Pure functions: no store, no clock. */
#ifndef SW_ENGINE_FLEET_H
#define SW_ENGINE_FLEET_H

#include "base/err.h"
#include "model/codedeploy_errors.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define FLEET_ONE_AT_A_TIME_NAME "CodeDeployDefault.OneAtATime"

enum fleet_rule_type {
	FLEET_HOST_COUNT,    /* M = value */
	FLEET_FLEET_PERCENT, /* M = ceil(N * value / 100) */
	FLEET_ONE_AT_A_TIME, /* M = N - 1: one at a time, all but (the last) one must succeed */
};

/* A deployment configuration's minimumHealthyHosts. */
struct fleet_rule {
	enum fleet_rule_type type;
	int64_t value;
};

/*
 * Reads the rule from a DeploymentConfigInfo (as GetDeploymentConfig returns it).
 * CodeDeployDefault.OneAtATime — by name, or by AWS's MOST_CONCURRENCY type — is the
 * one-at-a-time rule whatever value it carries.  A config without minimumHealthyHosts (Lambda,
 * ECS), an unknown type, HOST_COUNT < 0 or FLEET_PERCENT outside 0..99 fails with
 * -SW_E_InvalidDeploymentConfigName.
 */
int fleet_rule_from_config(const json_t *config_info, struct fleet_rule *out, struct err *e);

/*
 * M, the minimum number of healthy instances, for a deployment to n instances.  Fails with
 * -SW_E_INVALID (the caller reports HEALTH_CONSTRAINTS_INVALID) when M >= n, i.e. the rule
 * cannot hold even before the first instance is taken out; n = 0 is the caller's NO_INSTANCES.
 */
int fleet_min_healthy(const struct fleet_rule *rule, int64_t n, int64_t *m, struct err *e);

/* How many instances may be in flight at once: max(1, n - m). */
int64_t fleet_batch_size(int64_t n, int64_t m);

/* Where a deployment stands: every instance is in exactly one of the four counts. */
struct fleet_counts {
	int64_t succeeded;
	int64_t failed;
	int64_t in_progress;
	int64_t remaining; /* not started yet */
};

enum fleet_verdict {
	FLEET_CONTINUE,	 /* start *start more instances (may be 0: wait for those in flight) */
	FLEET_SUCCEEDED, /* nothing left, and at least max(m, 1) instances succeeded */
	FLEET_FAILED,	 /* HEALTH_CONSTRAINTS: the minimum can no longer hold */
};

/*
 * The scheduler step.  With n = the sum of the counts: start another instance only while
 * n - failed - in_progress - 1 >= m; when nothing is in flight and no instance may start while
 * some remain, the deployment fails at once (fail-fast); when none remain and none are in
 * flight it succeeded iff succeeded >= max(m, 1) — so a failure of the very last instance
 * still lets a deployment succeed when enough others did (the "last instance" rule).
 */
enum fleet_verdict fleet_step(int64_t m, const struct fleet_counts *c, int64_t *start);

/* Revision health of an instance in a deployment group (§3.3). */
enum fleet_revision_health {
	FLEET_REV_UNKNOWN, /* never installed successfully */
	FLEET_REV_OLD,
	FLEET_REV_CURRENT, /* the group's last successful revision */
};

const char *fleet_revision_health_name(enum fleet_revision_health h);
/* "Current"/"Old"/"Unknown" → the value; anything else (NULL too) is Unknown. */
enum fleet_revision_health fleet_revision_health_parse(const char *s);

/* An instance to order: its name and its health in the group. */
struct fleet_instance {
	const char *name;
	bool healthy;
	enum fleet_revision_health revision;
};

/* Sorts instances into deployment order: Unhealthy before Healthy, then Unknown, Old, Current
 * revision health, then by name so that the order is stable. */
void fleet_order(struct fleet_instance *v, size_t n);

#endif
