/* watch: following a deployment until it ends (`deploy watch`, `deploy create --wait`).
 *
 * Every half second it reads GetDeployment, ListDeploymentTargets and BatchGetDeploymentTargets.
 * On a terminal it keeps one block redrawn in place: the deployment, its configuration and how
 * many hosts may be down, a progress bar, and a row per host (current event, status, time).
 * Without a terminal it prints one plain line per change instead — no escape codes — so that
 * CI logs read as a timeline.  Either way, when the deployment ends it prints the outcome, the
 * duration and, for every failed host, the event, script, error code and the last lines of its
 * log; and if a rollback starts, it follows the rollback too.
 *
 * When the deployment group lists alarms (its alarmConfiguration), their states are read with
 * DescribeAlarms at every poll and shown below the hosts (a line per change without a
 * terminal); a group without alarms looks exactly as before.
 *
 * When the deployment (or its group) names target groups (loadBalancerInfo), the balancer that
 * has each as a backend is found with ListLoadBalancers, and GetLoadBalancer is read at every
 * poll: each host shows its traffic state (serving, draining, out, down) and its requests and
 * 5xx answers per second (two samples' counters over the time between them), each target
 * group its totals.  A target group no declared balancer has, or whose balancer cannot be
 * reached, gets one line saying so and is looked for again every few seconds; the deployment
 * is watched as before.  Blue/green deployments show each host's label (Blue, Green), what a
 * Ready deployment waits for and the wait before the original instances are retired. */
#include "cli_int.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define WATCH_PERIOD_MS	  500
#define WATCH_MAX_ERRORS  20 /* consecutive failed polls (10 s) before giving up */
#define WATCH_HOST_COL	  20
#define WATCH_EVENT_COL	  18
#define WATCH_STATUS_COL  10
#define WATCH_MAX_LINES	  256
#define WATCH_ALARM_COL	  WATCH_HOST_COL
#define WATCH_STATE_COL	  WATCH_EVENT_COL
#define WATCH_TIME_COL	  6
#define WATCH_TRAFFIC_COL 8
#define WATCH_LB_RETRY_MS 5000	/* a target group without a balancer is looked for again */
#define WATCH_RATES_MS	  10000 /* plain mode: a target group's rates at most this often */

struct watch {
	struct cli_args *a;
	bool live;    /* redraw a block in place (a terminal) */
	FILE *out;    /* where progress goes: stdout, or stderr for --output json */
	int width;    /* terminal columns (live) */
	int height;   /* terminal rows (live) */
	bool unicode; /* the terminal takes UTF-8 */
	int drawn;    /* lines of the block drawn last time */
	/* plain mode: what was printed already */
	json_t *seen;	    /* {host: {"": host status, event: status}} */
	char status[32];    /* the deployment's last printed status */
	bool described;	    /* the deployment's first lines are out */
	bool started;	    /* the "InProgress, N hosts" line is out */
	char progress[128]; /* the last progress line */
	json_t *config;	    /* DeploymentConfigInfo, once fetched */
	/* the group's alarms: names (NULL until read), whether monitoring is on, their last
	 * DescribeAlarms objects and (plain mode) the state last printed for each */
	json_t *alarm_names;
	bool alarms_enabled;
	json_t *alarms;
	json_t *alarm_seen;
	json_t *group; /* GetDeploymentGroup's deploymentGroupInfo, once read (or {}) */
	/* traffic: the target groups named (NULL until read), the balancer of each found so far,
	 * why one has none, each one's backend at the last two samples ({tg: {"ms", "backend"}})
	 * and, in plain mode, what was printed: {host: state}, {tg: {"counts", "ms"}} */
	json_t *tgs;
	json_t *tg_lb;
	json_t *notes;
	json_t *samples;
	json_t *prev;
	int64_t listed_ms;
	json_t *traffic_seen;
	json_t *tg_seen;
	/* blue/green, plain mode: the fleets, the ready wait and the termination wait are told */
	bool fleets_said, ready_said, wait_said;
};

static volatile sig_atomic_t watch__interrupted;

static void watch__on_signal(int sig)
{
	static const char restore[] = "\033[?25h\n";

	watch__interrupted = 1;
	if (write(STDOUT_FILENO, restore, sizeof(restore) - 1) < 0) {
		/* nothing more to do in a signal handler */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool watch__terminal(const char *s)
{
	return s && (strcmp(s, "Succeeded") == 0 || strcmp(s, "Failed") == 0 ||
		     strcmp(s, "Stopped") == 0);
}

static const char *watch__str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static json_int_t watch__count(const json_t *info, const char *key)
{
	return json_integer_value(
	    json_object_get(json_object_get(info, "deploymentOverview"), key));
}

/* "at most K of N hosts down" from the configuration's minimum healthy hosts (AWS rounds a
 * percentage up, and always lets one host go at a time). */
static void watch__down(const struct watch *w, size_t n, char *out, size_t size)
{
	const json_t *mh = json_object_get(w->config, "minimumHealthyHosts");
	const char *type = json_string_value(json_object_get(mh, "type"));
	json_int_t v = json_integer_value(json_object_get(mh, "value"));
	int64_t healthy, down;

	out[0] = '\0';
	if (!type || !n)
		return;
	if (strcmp(type, "MOST_CONCURRENCY") == 0) {
		snprintf(out, size, "one host at a time");
		return;
	}
	healthy = strcmp(type, "FLEET_PERCENT") == 0 ? (int64_t)ceil((double)n * (double)v / 100.0)
						     : (int64_t)v;
	down = (int64_t)n - healthy;
	if (down < 1)
		down = 1;
	if (down >= (int64_t)n)
		snprintf(out, size, "all at once");
	else if (down == 1)
		snprintf(out, size, "at most 1 host down at a time");
	else
		snprintf(out, size, "at most %lld hosts down at a time", (long long)down);
}

/* The event a host is at: in progress, else the last one that ran (NULL: none yet). */
static const json_t *watch__event(const json_t *target)
{
	const json_t *last = NULL, *e;
	size_t i;

	json_array_foreach(json_object_get(target, "lifecycleEvents"), i, e)
	{
		const char *s = watch__str(e, "status");

		if (strcmp(s, "InProgress") == 0)
			return e;
		if (strcmp(s, "Succeeded") == 0 || strcmp(s, "Failed") == 0)
			last = e;
	}
	return last;
}

/* How long a host has been at it: first event's start to last event's end (or now). */
static int64_t watch__host_ms(const json_t *target)
{
	int64_t start = 0, end = 0;
	bool running = false;
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(target, "lifecycleEvents"), i, e)
	{
		int64_t s = cli_ms(json_object_get(e, "startTime"));
		int64_t f = cli_ms(json_object_get(e, "endTime"));

		if (s && (!start || s < start))
			start = s;
		if (f > end)
			end = f;
		running |= strcmp(watch__str(e, "status"), "InProgress") == 0;
	}
	if (!start)
		return -1;
	return (running || !end ? time_now_ms() : end) - start;
}

static int64_t watch__deploy_ms(const json_t *info)
{
	int64_t start = cli_ms(json_object_get(info, "startTime"));
	int64_t end = cli_ms(json_object_get(info, "completeTime"));

	if (!start)
		start = cli_ms(json_object_get(info, "createTime"));
	return (end ? end : time_now_ms()) - start;
}

static void watch__fetch_config(struct watch *w, const json_t *info)
{
	json_t *resp;
	struct cli_error saved = cli_state(w->a)->err;

	if (w->config)
		return;
	if (cli_cd(w->a, "GetDeploymentConfig",
		   json_pack("{s:s}", "deploymentConfigName",
			     watch__str(info, "deploymentConfigName")),
		   &resp) == 0) {
		w->config = json_incref(json_object_get(resp, "deploymentConfigInfo"));
		json_decref(resp);
	}
	cli_state(w->a)->err = saved; /* only a nicety: never a failure */
}

/* ---- the group's alarms ---- */

/* Reads the group's alarm names once (GetDeploymentGroup's alarmConfiguration); a nicety, so
 * never a failure: a group that cannot be read shows no alarms. */
static void watch__fetch_alarm_names(struct watch *w, const json_t *info)
{
	struct cli_error saved = cli_state(w->a)->err;
	const json_t *ac, *al;
	json_t *resp;
	size_t i;

	if (w->alarm_names)
		return;
	w->alarm_names = json_array();
	w->group = json_object();
	if (cli_cd(w->a, "GetDeploymentGroup",
		   json_pack("{s:s,s:s}", "applicationName", watch__str(info, "applicationName"),
			     "deploymentGroupName", watch__str(info, "deploymentGroupName")),
		   &resp) == 0) {
		if (json_is_object(json_object_get(resp, "deploymentGroupInfo"))) {
			json_decref(w->group);
			w->group = json_incref(json_object_get(resp, "deploymentGroupInfo"));
		}
		ac = json_object_get(w->group, "alarmConfiguration");
		w->alarms_enabled = json_is_true(json_object_get(ac, "enabled"));
		json_array_foreach(json_object_get(ac, "alarms"), i, al)
		{
			if (json_is_string(json_object_get(al, "name")))
				json_array_append(w->alarm_names, json_object_get(al, "name"));
		}
		json_decref(resp);
	}
	cli_state(w->a)->err = saved;
}

/* The alarms' current states (DescribeAlarms by name); the last ones stay when it fails. */
static void watch__fetch_alarms(struct watch *w)
{
	struct cli_error saved = cli_state(w->a)->err;
	json_t *alarms;

	if (!json_array_size(w->alarm_names))
		return;
	if (cli_alarms_describe(w->a, json_pack("{s:O}", "AlarmNames", w->alarm_names), &alarms) ==
	    0) {
		json_decref(w->alarms);
		w->alarms = alarms;
	}
	cli_state(w->a)->err = saved;
}

/* The DescribeAlarms object of the group's alarm name, or NULL (none such, or not read). */
static const json_t *watch__alarm(const struct watch *w, const char *name)
{
	const json_t *al;
	size_t i;

	json_array_foreach(w->alarms, i, al)
	{
		if (strcmp(watch__str(al, "AlarmName"), name) == 0)
			return al;
	}
	return NULL;
}

/* An alarm's state for people: its StateValue, "unknown" before the first read, "not found"
 * for a name no alarm has. */
static const char *watch__alarm_state(const struct watch *w, const char *name)
{
	const json_t *al = watch__alarm(w, name);

	if (al)
		return watch__str(al, "StateValue");
	return w->alarms ? "not found" : "unknown";
}

/* ---- traffic: the target groups' balancers ---- */

/* Appends the target group and Classic Load Balancer names of a loadBalancerInfo not yet in
 * names. */
static void watch__lb_names(json_t *names, const json_t *lbi)
{
	static const char *const keys[] = { "targetGroupInfoList", "elbInfoList" };
	const json_t *v, *n;
	size_t i, k;

	for (int key = 0; key < 2; key++)
		json_array_foreach(json_object_get(lbi, keys[key]), i, v)
		{
			const char *name = json_string_value(json_object_get(v, "name"));
			bool known = false;

			json_array_foreach(names, k, n) known |= str_eq(json_string_value(n), name);
			if (name && name[0] && !known)
				json_array_append_new(names, json_string(name));
		}
}

static void watch__note(struct watch *w, const char *tg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void watch__note(struct watch *w, const char *tg, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_object_set_new(w->notes, tg, json_string(text));
}

/* Stops sampling tg (its balancer is gone or does not answer): it is looked for again. */
static void watch__lose(struct watch *w, const char *tg)
{
	json_object_del(w->tg_lb, tg);
	json_object_del(w->samples, tg);
	json_object_del(w->prev, tg);
}

/* ListLoadBalancers: which declared balancer has each target group not placed yet. */
static void watch__find_balancers(struct watch *w)
{
	struct cli_error *err = &cli_state(w->a)->err, saved = *err;
	const json_t *lbs, *lb, *bk, *tg;
	json_t *resp;
	size_t i, j, k;

	w->listed_ms = time_mono_ms();
	if (cli_json(w->a, &cli_traffic, "ListLoadBalancers", json_object(), &resp)) {
		json_array_foreach(w->tgs, k, tg)
		{
			if (!json_object_get(w->tg_lb, json_string_value(tg)))
				watch__note(w, json_string_value(tg),
					    "the load balancers cannot be read: %s", err->message);
		}
		*err = saved;
		return;
	}
	lbs = json_object_get(resp, "loadBalancers");
	json_array_foreach(w->tgs, k, tg)
	{
		const char *name = json_string_value(tg), *found = NULL;
		const json_t *unreachable = NULL;

		if (json_object_get(w->tg_lb, name))
			continue;
		json_array_foreach(lbs, i, lb)
		{
			if (!json_is_true(json_object_get(lb, "reachable")))
				unreachable = lb;
			json_array_foreach(json_object_get(lb, "backends"), j,
					   bk) if (!found && str_eq(json_string_value(bk), name))
			    found = watch__str(lb, "name");
		}
		if (found) {
			json_object_set_new(w->tg_lb, name, json_string(found));
			json_object_del(w->notes, name);
		} else if (unreachable) {
			watch__note(w, name, "load balancer %s cannot be reached: %s",
				    watch__str(unreachable, "name"),
				    watch__str(unreachable, "error"));
		} else if (!json_array_size(lbs)) {
			watch__note(w, name,
				    "no load balancer is declared to slipwayd (--load-balancer)");
		} else {
			watch__note(w, name, "no declared load balancer has it (slipway lb list)");
		}
	}
	json_decref(resp);
	*err = saved;
}

/* One sample of every placed target group: GetLoadBalancer once per balancer. */
static void watch__sample(struct watch *w, const json_t *info)
{
	struct cli_error *err = &cli_state(w->a)->err, saved = *err;
	json_t *asked, *lost;
	const json_t *tg, *lbname;
	const char *key;
	size_t i;

	if (!w->tgs) {
		w->tgs = json_array();
		watch__lb_names(w->tgs, json_object_get(info, "loadBalancerInfo"));
		if (!json_array_size(w->tgs))
			watch__lb_names(w->tgs, json_object_get(w->group, "loadBalancerInfo"));
	}
	if (!json_array_size(w->tgs))
		return;
	if (json_object_size(w->tg_lb) < json_array_size(w->tgs) &&
	    (!w->listed_ms || time_mono_ms() - w->listed_ms >= WATCH_LB_RETRY_MS))
		watch__find_balancers(w);
	asked = json_object();
	lost = json_array();
	json_object_foreach(w->tg_lb, key, lbname)
	{
		const char *lb = json_string_value(lbname);
		json_t *resp;
		const json_t *bk;
		int64_t now;

		if (json_object_get(asked, lb))
			continue;
		json_object_set_new(asked, lb, json_true());
		if (cli_json(w->a, &cli_traffic, "GetLoadBalancer", json_pack("{s:s}", "name", lb),
			     &resp)) {
			json_array_foreach(w->tgs, i, tg)
			{
				if (!str_eq(json_string_value(
						json_object_get(w->tg_lb, json_string_value(tg))),
					    lb))
					continue;
				watch__note(w, json_string_value(tg), "load balancer %s: %s", lb,
					    err->message);
				json_array_append(lost, (json_t *)tg);
			}
			*err = saved;
			w->listed_ms = time_mono_ms(); /* looked for again after the pause */
			continue;
		}
		now = time_mono_ms();
		json_array_foreach(w->tgs, i, tg)
		{
			const char *name = json_string_value(tg);
			const json_t *found = NULL;
			size_t j;

			if (!str_eq(json_string_value(json_object_get(w->tg_lb, name)), lb))
				continue;
			json_array_foreach(json_object_get(resp, "backends"), j, bk)
			{
				if (str_eq(watch__str(bk, "name"), name))
					found = bk;
			}
			if (!found) {
				watch__note(w, name,
					    "load balancer %s has no such backend any more", lb);
				json_array_append(lost, (json_t *)tg);
				continue;
			}
			if (json_object_get(w->samples, name))
				json_object_set(w->prev, name, json_object_get(w->samples, name));
			json_object_set_new(
			    w->samples, name,
			    json_pack("{s:I,s:O}", "ms", (json_int_t)now, "backend", found));
		}
		json_decref(resp);
	}
	json_array_foreach(lost, i, tg) watch__lose(w, json_string_value(tg));
	json_decref(lost);
	json_decref(asked);
}

static const json_t *watch__server(const json_t *sample, const char *host)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(sample, "backend"), "servers"), i, s)
	{
		if (str_eq(watch__str(s, "name"), host))
			return s;
	}
	return NULL;
}

/* Requests and 5xx answers per second between two samples of one server or backend row;
 * false when they cannot tell (no earlier sample, or a counter went back: HAProxy restarted). */
static bool watch__rates(const json_t *now, const json_t *was, int64_t ms, double *req, double *e5)
{
	json_int_t dr, de;

	if (!now || !was || ms <= 0)
		return false;
	dr = json_integer_value(json_object_get(now, "requests")) -
	     json_integer_value(json_object_get(was, "requests"));
	de = json_integer_value(json_object_get(now, "http5xx")) -
	     json_integer_value(json_object_get(was, "http5xx"));
	if (dr < 0 || de < 0)
		return false;
	*req += (double)dr * 1000.0 / (double)ms;
	*e5 += (double)de * 1000.0 / (double)ms;
	return true;
}

static int64_t watch__sample_gap(const struct watch *w, const char *tg)
{
	return json_integer_value(json_object_get(json_object_get(w->samples, tg), "ms")) -
	       json_integer_value(json_object_get(json_object_get(w->prev, tg), "ms"));
}

/* A host's traffic state (its server's in the first target group that has it; NULL: in none)
 * and its rates summed over every target group; *rated false until there are two samples. */
static const char *watch__host_traffic(const struct watch *w, const char *host, double *req,
				       double *e5, bool *rated)
{
	const char *state = NULL, *tg;
	const json_t *now;

	*req = *e5 = 0;
	*rated = false;
	json_object_foreach((json_t *)w->samples, tg, now)
	{
		const json_t *s = watch__server(now, host);

		if (!s)
			continue;
		if (!state)
			state = watch__str(s, "state");
		*rated |= watch__rates(s, watch__server(json_object_get(w->prev, tg), host),
				       watch__sample_gap(w, tg), req, e5);
	}
	return state;
}

/* "web-tg on edge: 3 serving, 1 out" and, when known, the target group's rates. */
static void watch__tg_line(const struct watch *w, const char *tg, char *counts, size_t csize,
			   char *rates, size_t rsize, double *req_out)
{
	static const char *const states[] = { "serving", "draining", "out", "down" };
	const json_t *now = json_object_get(w->samples, tg), *s;
	int n[4] = { 0 };
	size_t i, len;
	double req = 0, e5 = 0;

	json_array_foreach(json_object_get(json_object_get(now, "backend"), "servers"), i, s)
	{
		for (int k = 0; k < 4; k++)
			n[k] += str_eq(watch__str(s, "state"), states[k]);
	}
	snprintf(counts, csize, "%s on %s:", tg, json_string_value(json_object_get(w->tg_lb, tg)));
	for (int k = 0; k < 4; k++) {
		len = strlen(counts);
		if (n[k])
			snprintf(counts + len, csize - len, " %d %s,", n[k], states[k]);
	}
	len = strlen(counts);
	if (counts[len - 1] == ',')
		counts[len - 1] = '\0';
	else
		snprintf(counts + len, csize - len, " no servers");
	rates[0] = '\0';
	*req_out = 0;
	if (watch__rates(json_object_get(now, "backend"),
			 json_object_get(json_object_get(w->prev, tg), "backend"),
			 watch__sample_gap(w, tg), &req, &e5)) {
		snprintf(rates, rsize, "%.1f req/s, %.1f 5xx/s", req, e5);
		*req_out = req;
	}
}

static bool watch__blue_green(const json_t *info)
{
	return str_eq(json_string_value(json_object_get(json_object_get(info, "deploymentStyle"),
							"deploymentType")),
		      "BLUE_GREEN");
}

/* What a blue/green deployment waits for, for people ("" when it waits for nothing). */
static void watch__waiting(const json_t *info, const char *id, char *out, size_t size)
{
	const json_t *term =
	    json_object_get(json_object_get(info, "blueGreenDeploymentConfiguration"),
			    "terminateBlueInstancesOnDeploymentSuccess");
	bool keep = str_eq(watch__str(term, "action"), "KEEP_ALIVE");

	out[0] = '\0';
	if (str_eq(watch__str(info, "status"), "Ready"))
		snprintf(out, size, "waiting for ContinueDeployment: slipway deploy continue %s",
			 id);
	else if (json_is_true(json_object_get(info, "instanceTerminationWaitTimeStarted")) &&
		 !watch__terminal(watch__str(info, "status")))
		snprintf(out, size,
			 "traffic moved; the original instances are %s after %lld min (now: "
			 "slipway deploy continue %s --termination)",
			 keep ? "kept out of traffic" : "deregistered",
			 (long long)json_integer_value(
			     json_object_get(term, "terminationWaitTimeInMinutes")),
			 id);
}

/* ---- plain lines ---- */

static void watch__plain_line(struct watch *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void watch__plain_line(struct watch *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(w->out, fmt, ap);
	va_end(ap);
	fputc('\n', w->out);
	fflush(w->out);
}

/* "progress: 2 of 3 succeeded, 0 failed, 1 in flight", from the targets' statuses, when it
 * changed. */
static void watch__progress(struct watch *w, const json_t *targets)
{
	size_t ok = 0, bad = 0, busy = 0, i;
	char line[128];
	const json_t *t;

	json_array_foreach(targets, i, t)
	{
		const char *s = watch__str(t, "status");

		ok += strcmp(s, "Succeeded") == 0;
		bad += strcmp(s, "Failed") == 0;
		busy += strcmp(s, "InProgress") == 0;
	}
	snprintf(line, sizeof(line), "progress: %zu of %zu succeeded, %zu failed, %zu in flight",
		 ok, json_array_size(targets), bad, busy);
	if (strcmp(line, w->progress) != 0) {
		watch__plain_line(w, "%s", line);
		str_copy(w->progress, sizeof(w->progress), line);
	}
}

/* Plain mode's traffic lines: why a target group has no view (once per reason), each host's
 * traffic state when it changes, and a target group's totals when its states change (or, while
 * it takes requests, every WATCH_RATES_MS). */
static void watch__plain_traffic(struct watch *w, const json_t *targets)
{
	const json_t *tg, *t, *note;
	const char *key;
	size_t i;

	json_object_foreach(w->notes, key, note)
	{
		json_t *seen = json_object_get(w->tg_seen, key);

		if (!seen)
			json_object_set_new(w->tg_seen, key, seen = json_object());
		if (str_eq(json_string_value(json_object_get(seen, "note")),
			   json_string_value(note)))
			continue;
		json_object_set(seen, "note", (json_t *)note);
		json_object_del(seen, "counts");
		watch__plain_line(w, "target group %s: %s", key, json_string_value(note));
	}
	json_array_foreach(targets, i, t)
	{
		const char *host = watch__str(t, "targetId");
		double req, e5;
		bool rated;
		const char *state = watch__host_traffic(w, host, &req, &e5, &rated);

		if (!state ||
		    str_eq(json_string_value(json_object_get(w->traffic_seen, host)), state))
			continue;
		json_object_set_new(w->traffic_seen, host, json_string(state));
		watch__plain_line(w, "%s: traffic %s", host, state);
	}
	json_array_foreach(w->tgs, i, tg)
	{
		const char *name = json_string_value(tg);
		json_t *seen = json_object_get(w->tg_seen, name);
		char counts[512], rates[128];
		double req;
		int64_t now = time_mono_ms();

		if (!json_object_get(w->prev, name))
			continue; /* its first line waits for the rates: one poll */
		if (!seen)
			json_object_set_new(w->tg_seen, name, seen = json_object());
		json_object_del(seen, "note");
		watch__tg_line(w, name, counts, sizeof(counts), rates, sizeof(rates), &req);
		if (str_eq(json_string_value(json_object_get(seen, "counts")), counts) &&
		    !(rates[0] && req > 0 &&
		      now - json_integer_value(json_object_get(seen, "ms")) >= WATCH_RATES_MS))
			continue;
		json_object_set_new(seen, "counts", json_string(counts));
		json_object_set_new(seen, "ms", json_integer(now));
		watch__plain_line(w, "target group %s%s%s", counts, rates[0] ? ", " : "", rates);
	}
}

static void watch__plain(struct watch *w, const char *id, const json_t *info, const json_t *targets)
{
	const char *status = watch__str(info, "status");
	const json_t *t, *e;
	size_t i, k;
	char dur[32], down[128];

	if (!w->described) {
		struct buf rev = BUF_INIT(4096);

		cli_revision_str(json_object_get(info, "revision"), &rev);
		watch__plain_line(w, "deployment %s: application %s, group %s, config %s", id,
				  watch__str(info, "applicationName"),
				  watch__str(info, "deploymentGroupName"),
				  watch__str(info, "deploymentConfigName"));
		watch__plain_line(w, "deployment %s: revision %s", id, buf_str(&rev));
		if (json_string_value(json_object_get(json_object_get(info, "rollbackInfo"),
						      "rollbackTriggeringDeploymentId")))
			watch__plain_line(w, "deployment %s: rolls back %s", id,
					  watch__str(json_object_get(info, "rollbackInfo"),
						     "rollbackTriggeringDeploymentId"));
		buf_release(&rev);
		w->described = true;
	}
	if (json_array_size(w->alarm_names)) {
		const json_t *n;

		json_array_foreach(w->alarm_names, i, n)
		{
			const char *name = json_string_value(n);
			const char *state = watch__alarm_state(w, name);
			const json_t *al = watch__alarm(w, name);

			if (str_eq(json_string_value(json_object_get(w->alarm_seen, name)), state))
				continue;
			json_object_set_new(w->alarm_seen, name, json_string(state));
			if (al && watch__str(al, "StateReason")[0])
				watch__plain_line(w, "alarm %s: %s (%s)%s", name, state,
						  watch__str(al, "StateReason"),
						  w->alarms_enabled ? "" : " [monitoring off]");
			else
				watch__plain_line(w, "alarm %s: %s%s", name, state,
						  w->alarms_enabled ? "" : " [monitoring off]");
		}
	}
	if (strcmp(status, w->status) != 0 && !watch__terminal(status)) {
		watch__plain_line(w, "deployment %s: %s", id, status);
		str_copy(w->status, sizeof(w->status), status);
	}
	if (watch__blue_green(info)) {
		char waiting[512];
		bool ready = str_eq(status, "Ready");

		watch__waiting(info, id, waiting, sizeof(waiting));
		if (waiting[0] && !(ready ? w->ready_said : w->wait_said))
			watch__plain_line(w, "deployment %s: %s", id, waiting);
		if (waiting[0])
			*(ready ? &w->ready_said : &w->wait_said) = true;
	}
	if (json_array_size(targets) && !w->started) {
		watch__down(w, json_array_size(targets), down, sizeof(down));
		watch__plain_line(w, "deployment %s: %zu host%s%s%s", id, json_array_size(targets),
				  json_array_size(targets) == 1 ? "" : "s", down[0] ? ", " : "",
				  down);
		w->started = true;
	}
	if (json_array_size(targets) && !w->fleets_said && watch__blue_green(info)) {
		struct buf b = BUF_INIT(1 << 16);

		for (int green = 0; green < 2; green++) {
			const char *label = green ? "Green" : "Blue";
			size_t n = 0;

			buf_addf(&b, "%s%s (%s)", green ? "; " : "",
				 green ? "replacement" : "original", label);
			json_array_foreach(targets, i, t)
			{
				if (str_eq(watch__str(t, "instanceLabel"), label))
					buf_addf(&b, "%s%s", n++ ? ", " : " ",
						 watch__str(t, "targetId"));
			}
			if (!n)
				buf_adds(&b, " none");
		}
		watch__plain_line(w, "deployment %s: blue/green, %s", id, buf_str(&b));
		buf_release(&b);
		w->fleets_said = true;
	}
	json_array_foreach(targets, i, t)
	{
		const char *host = watch__str(t, "targetId");
		const char *hstatus = watch__str(t, "status");
		json_t *mine = json_object_get(w->seen, host);

		if (!mine) {
			mine = json_object();
			json_object_set_new(w->seen, host, mine);
		}
		json_array_foreach(json_object_get(t, "lifecycleEvents"), k, e)
		{
			const char *name = watch__str(e, "lifecycleEventName");
			const char *es = watch__str(e, "status");
			const json_t *d = json_object_get(e, "diagnostics");

			if (strcmp(es, "Pending") == 0 || cli_event_absent(e) ||
			    str_eq(json_string_value(json_object_get(mine, name)), es))
				continue;
			json_object_set_new(mine, name, json_string(es));
			if (strcmp(es, "Succeeded") == 0)
				watch__plain_line(
				    w, "%s: %s Succeeded (%s)", host, name,
				    cli_duration(cli_ms(json_object_get(e, "endTime")) -
						     cli_ms(json_object_get(e, "startTime")),
						 dur, sizeof(dur)));
			else if (strcmp(es, "Failed") == 0)
				watch__plain_line(
				    w, "%s: %s Failed (%s): %s%s%s: %s", host, name,
				    cli_duration(cli_ms(json_object_get(e, "endTime")) -
						     cli_ms(json_object_get(e, "startTime")),
						 dur, sizeof(dur)),
				    watch__str(d, "errorCode"),
				    watch__str(d, "scriptName")[0] ? " in " : "",
				    watch__str(d, "scriptName"), watch__str(d, "message"));
			else
				watch__plain_line(w, "%s: %s %s", host, name, es);
		}
		if (!str_eq(json_string_value(json_object_get(mine, "")), hstatus)) {
			json_object_set_new(mine, "", json_string(hstatus));
			if (watch__terminal(hstatus) || strcmp(hstatus, "Skipped") == 0) {
				int64_t ms = watch__host_ms(t);

				if (ms >= 0)
					watch__plain_line(w, "%s: %s (%s)", host, hstatus,
							  cli_duration(ms, dur, sizeof(dur)));
				else
					watch__plain_line(w, "%s: %s", host, hstatus);
				watch__progress(w, targets);
			}
		}
	}
	watch__plain_traffic(w, targets);
}

/* ---- the live block ---- */

struct watch_block {
	char *lines[WATCH_MAX_LINES];
	int n;
};

static void watch__add(struct watch_block *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void watch__add(struct watch_block *b, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (b->n >= WATCH_MAX_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	b->lines[b->n++] = str_dup(line);
}

/* Writes s cut to width-1 visible columns (escape sequences and UTF-8 continuation bytes take
 * none), clearing the rest of the line. */
static void watch__emit(struct watch *w, const char *s)
{
	int col = 0;
	bool colored = false;

	for (const char *p = s; *p;) {
		if (*p == '\033') {
			size_t len = 1 + strcspn(p + 1, "mABCDEFGHJKST");

			if (p[len])
				len++;
			fwrite(p, 1, len, w->out);
			colored = true;
			p += len;
			continue;
		}
		if (((unsigned char)*p & 0xc0) != 0x80) {
			if (col >= w->width - 1)
				break;
			col++;
		}
		fputc(*p++, w->out);
	}
	if (colored)
		fputs("\033[0m", w->out);
	fputs("\033[K\n", w->out);
}

static void watch__bar(struct watch *w, char *out, size_t size, size_t n, json_int_t ok,
		       json_int_t bad, json_int_t busy, int cells)
{
	struct buf b = BUF_INIT(4096);
	int full_ok = n ? (int)((double)ok * cells / (double)n + 0.5) : 0;
	int full_bad = n ? (int)((double)bad * cells / (double)n + 0.5) : 0;
	int full_busy = n ? (int)((double)busy * cells / (double)n + 0.5) : 0;
	const char *fill = w->unicode ? "█" : "#", *part = w->unicode ? "▒" : "=",
		   *empty = w->unicode ? "░" : ".";

	if (full_ok + full_bad + full_busy > cells)
		full_busy = cells - full_ok - full_bad;
	if (full_busy < 0)
		full_busy = 0;
	buf_adds(&b, cli_color(w->a, CLI_GOOD));
	for (int i = 0; i < full_ok; i++)
		buf_adds(&b, fill);
	buf_adds(&b, cli_color_reset(w->a));
	buf_adds(&b, cli_color(w->a, CLI_BAD));
	for (int i = 0; i < full_bad; i++)
		buf_adds(&b, fill);
	buf_adds(&b, cli_color_reset(w->a));
	buf_adds(&b, cli_color(w->a, CLI_BUSY));
	for (int i = 0; i < full_busy; i++)
		buf_adds(&b, part);
	buf_adds(&b, cli_color_reset(w->a));
	buf_adds(&b, cli_color(w->a, CLI_DIM));
	for (int i = full_ok + full_bad + full_busy; i < cells; i++)
		buf_adds(&b, empty);
	buf_adds(&b, cli_color_reset(w->a));
	str_copy(out, size, buf_str(&b));
	buf_release(&b);
}

/* Which hosts get a row when they do not all fit: in flight, failed, pending, then done. */
static int watch__rank(const json_t *t)
{
	const char *s = watch__str(t, "status");

	if (strcmp(s, "InProgress") == 0)
		return 0;
	if (strcmp(s, "Failed") == 0)
		return 1;
	if (strcmp(s, "Pending") == 0)
		return 2;
	return 3;
}

/* A traffic state's tone: serving is good, down bad, draining busy, out dim. */
static enum cli_tone watch__traffic_tone(const char *state)
{
	if (str_eq(state, "serving"))
		return CLI_GOOD;
	if (str_eq(state, "down"))
		return CLI_BAD;
	return str_eq(state, "draining") ? CLI_BUSY : CLI_DIM;
}

/* A host's row: name (and Blue/Green label), event, status, time; with a traffic view also
 * its traffic state and requests per second (and 5xx per second when there are any). */
static void watch__host_row(struct watch *w, struct watch_block *b, const json_t *t)
{
	const json_t *ev = watch__event(t);
	const char *host = watch__str(t, "targetId"), *status = watch__str(t, "status");
	const char *label = watch__str(t, "instanceLabel");
	char full[256], name[WATCH_HOST_COL + 8], dur[32] = "", traffic[128] = "";
	int64_t ms = watch__host_ms(t);
	int pad = WATCH_STATUS_COL - (int)strlen(status);
	bool cut;

	snprintf(full, sizeof(full), "%s%s%s%s", host, label[0] ? " (" : "", label,
		 label[0] ? ")" : "");
	cut = (int)strlen(full) > WATCH_HOST_COL;
	if (cut)
		snprintf(name, sizeof(name), "%.*s%s", WATCH_HOST_COL - 1, full,
			 w->unicode ? "…" : "~");
	else
		str_copy(name, sizeof(name), full);
	if (ms >= 0)
		cli_duration(ms, dur, sizeof(dur));
	if (json_object_size(w->samples)) {
		double req, e5;
		bool rated;
		const char *state = watch__host_traffic(w, host, &req, &e5, &rated);
		int tpad = WATCH_TRAFFIC_COL - (int)strlen(state ? state : "-");
		char rate[64] = "";

		if (state && rated && e5 > 0)
			snprintf(rate, sizeof(rate), "%.1f  %s%.1f 5xx/s%s", req,
				 cli_color(w->a, CLI_BAD), e5, cli_color_reset(w->a));
		else if (state && rated)
			snprintf(rate, sizeof(rate), "%.1f", req);
		snprintf(traffic, sizeof(traffic), "  %s%s%s%*s  %s",
			 cli_color(w->a, watch__traffic_tone(state)), state ? state : "-",
			 cli_color_reset(w->a), tpad > 0 ? tpad : 0, "", rate);
	}
	watch__add(b, "  %-*s  %-*s  %s%s%s%*s  %-*s%s",
		   WATCH_HOST_COL + (w->unicode && cut ? 2 : 0), name, WATCH_EVENT_COL,
		   ev				       ? watch__str(ev, "lifecycleEventName")
		   : strcmp(status, "InProgress") == 0 ? "waiting for agent"
						       : "-",
		   cli_color(w->a, cli_status_tone(status)), status, cli_color_reset(w->a),
		   pad > 0 ? pad : 0, "", traffic[0] ? WATCH_TIME_COL : 0, dur, traffic);
}

/* Below the hosts: each target group's totals, or why it has none. */
static void watch__tg_rows(struct watch *w, struct watch_block *b)
{
	const json_t *tg;
	size_t i;

	json_array_foreach(w->tgs, i, tg)
	{
		const char *name = json_string_value(tg);
		char counts[512], rates[128];
		double req;

		if (json_object_get(w->samples, name)) {
			watch__tg_line(w, name, counts, sizeof(counts), rates, sizeof(rates), &req);
			watch__add(b, "  Target group %s%s%s", counts, rates[0] ? "  " : "", rates);
		} else if (json_object_get(w->notes, name)) {
			watch__add(b, "  %sTarget group %s: %s%s", cli_color(w->a, CLI_DIM), name,
				   json_string_value(json_object_get(w->notes, name)),
				   cli_color_reset(w->a));
		}
	}
}

/* The group's alarms below the hosts: name, state and reason. */
static void watch__alarm_rows(struct watch *w, struct watch_block *b)
{
	const json_t *n;
	size_t i;

	if (!json_array_size(w->alarm_names))
		return;
	watch__add(b, "  %s%-*s  %-*s  %s%s", cli_color(w->a, CLI_DIM), WATCH_ALARM_COL, "ALARM",
		   WATCH_STATE_COL, "STATE",
		   w->alarms_enabled ? "REASON" : "REASON (alarm monitoring is off for the group)",
		   cli_color_reset(w->a));
	json_array_foreach(w->alarm_names, i, n)
	{
		const char *name = json_string_value(n), *state = watch__alarm_state(w, name);
		int pad = WATCH_STATE_COL - (int)strlen(state);

		watch__add(b, "  %-*s  %s%s%s%*s  %s", WATCH_ALARM_COL, name,
			   cli_color(w->a, cli_status_tone(state)), state, cli_color_reset(w->a),
			   pad > 0 ? pad : 0, "", watch__str(watch__alarm(w, name), "StateReason"));
	}
}

static void watch__draw(struct watch *w, const char *id, const json_t *info, const json_t *targets)
{
	struct watch_block b = { .n = 0 };
	struct winsize ws;
	const char *status = watch__str(info, "status");
	size_t n = json_array_size(targets);
	json_int_t ok = watch__count(info, "Succeeded"), bad = watch__count(info, "Failed");
	json_int_t busy = watch__count(info, "InProgress"), pending = watch__count(info, "Pending");
	json_int_t skipped = watch__count(info, "Skipped");
	int64_t ms = watch__deploy_ms(info);
	char down[128], bar[4096], counts[160];
	struct buf rev = BUF_INIT(4096);
	int rows, cells;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) {
		w->width = ws.ws_col;
		w->height = ws.ws_row >= 10 ? ws.ws_row : 10;
	}
	cli_revision_str(json_object_get(info, "revision"), &rev);
	watch__add(
	    &b, "%sDeployment %s%s  %s %s %s  %s%s%s  %lld:%02lld", cli_color(w->a, CLI_BOLD), id,
	    cli_color_reset(w->a), watch__str(info, "applicationName"), w->unicode ? "→" : "->",
	    watch__str(info, "deploymentGroupName"), cli_color(w->a, cli_status_tone(status)),
	    status, cli_color_reset(w->a), (long long)(ms / 60000), (long long)(ms / 1000 % 60));
	watch__down(w, n, down, sizeof(down));
	if (n && down[0])
		watch__add(&b, "Config %s: %zu host%s, %s",
			   watch__str(info, "deploymentConfigName"), n, n == 1 ? "" : "s", down);
	else
		watch__add(&b, "Config %s", watch__str(info, "deploymentConfigName"));
	watch__add(&b, "Revision %s", buf_str(&rev));
	buf_release(&rev);
	if (watch__blue_green(info)) {
		char waiting[512];

		watch__waiting(info, id, waiting, sizeof(waiting));
		if (waiting[0])
			watch__add(&b, "%s%s%s", cli_color(w->a, CLI_BUSY), waiting,
				   cli_color_reset(w->a));
	}
	snprintf(counts, sizeof(counts), "%lld/%zu succeeded, %lld failed, %lld in flight",
		 (long long)ok, n, (long long)bad, (long long)busy);
	cells = w->width - 4 - (int)strlen(counts);
	if (cells > 40)
		cells = 40;
	if (cells < 10)
		cells = 10;
	if (n) {
		watch__bar(w, bar, sizeof(bar), n, ok, bad, busy, cells);
		watch__add(&b, "%s  %s", bar, counts);
		watch__add(&b, "  %s%-*s  %-*s  %-*s  %-*s%s%s", cli_color(w->a, CLI_DIM),
			   WATCH_HOST_COL, "HOST", WATCH_EVENT_COL, "EVENT", WATCH_STATUS_COL,
			   "STATUS", json_object_size(w->samples) ? WATCH_TIME_COL : 0, "TIME",
			   json_object_size(w->samples) ? "  TRAFFIC   REQ/S" : "",
			   cli_color_reset(w->a));
	} else {
		watch__add(&b, "%s",
			   strcmp(status, "Queued") == 0
			       ? "waiting for the group's current deployment to end"
			       : "choosing hosts");
	}
	rows = w->height - b.n - 2;
	if (json_array_size(w->alarm_names))
		rows -= (int)json_array_size(w->alarm_names) + 1;
	rows -= (int)json_array_size(w->tgs);
	if (rows < 3)
		rows = 3;
	if ((int)n <= rows) {
		const json_t *t;
		size_t i;

		json_array_foreach(targets, i, t) watch__host_row(w, &b, t);
	} else {
		/* the hosts that matter now, then a line for the rest */
		int shown = 0;

		for (int rank = 0; rank < 4 && shown < rows - 1; rank++) {
			const json_t *t;
			size_t i;

			json_array_foreach(targets, i, t)
			{
				if (watch__rank(t) != rank || shown >= rows - 1)
					continue;
				watch__host_row(w, &b, t);
				shown++;
			}
		}
		watch__add(&b,
			   "  %s... and %zu more (%lld succeeded, %lld failed, %lld pending, %lld "
			   "skipped in all)%s",
			   cli_color(w->a, CLI_DIM), n - (size_t)shown, (long long)ok,
			   (long long)bad, (long long)pending, (long long)skipped,
			   cli_color_reset(w->a));
	}
	watch__tg_rows(w, &b);
	watch__alarm_rows(w, &b);
	/* redraw in place: back to the block's first line, rewrite, clear what is left */
	if (w->drawn)
		fprintf(w->out, "\033[%dA\r", w->drawn);
	for (int i = 0; i < b.n; i++) {
		watch__emit(w, b.lines[i]);
		free(b.lines[i]);
	}
	fputs("\033[J", w->out);
	fflush(w->out);
	w->drawn = b.n;
}

/* ---- the outcome ---- */

/* Prints indent spaces, pre (escapes allowed) and text; on a terminal, text is word-wrapped to
 * the width with continuation lines indented by indent + 2 (a long word is cut). */
static void watch__say(struct watch *w, int indent, const char *pre, const char *text)
{
	int width = w->width - 1, col = indent;
	bool space = false; /* a space is owed before the next word */
	const char *p = text;

	if (!w->live) {
		fprintf(w->out, "%*s%s%s\n", indent, "", pre, text);
		return;
	}
	fprintf(w->out, "%*s%s", indent, "", pre);
	for (const char *q = pre; *q; q++)
		if (*q == '\033')
			q += strcspn(q, "m");
		else
			col += ((unsigned char)*q & 0xc0) != 0x80;
	while (*p) {
		size_t len = strcspn(p, " "), cols = 0;

		if (!len) {
			space = true;
			p++;
			continue;
		}
		for (size_t i = 0; i < len; i++)
			cols += ((unsigned char)p[i] & 0xc0) != 0x80;
		if (col + (space ? 1 : 0) + (int)cols > width && col > indent + 2) {
			fprintf(w->out, "\n%*s", indent + 2, "");
			col = indent + 2;
			space = false;
		}
		if (space) {
			fputc(' ', w->out);
			col++;
			space = false;
		}
		while (col + (int)cols > width && width - col > 0) {
			/* a word longer than the line: cut it */
			int take = width - col;

			fprintf(w->out, "%.*s\n%*s", take, p, indent + 2, "");
			p += take;
			len -= (size_t)take;
			cols -= (size_t)take;
			col = indent + 2;
		}
		fwrite(p, 1, len, w->out);
		col += (int)cols;
		p += len;
	}
	fputc('\n', w->out);
}

static void watch__outcome(struct watch *w, const char *id, const json_t *info,
			   const json_t *targets)
{
	const char *status = watch__str(info, "status");
	const json_t *err = json_object_get(info, "errorInformation"), *t, *e;
	bool good = strcmp(status, "Succeeded") == 0, tty = w->live;
	char dur[32];
	size_t i, k;

	cli_duration(watch__deploy_ms(info), dur, sizeof(dur));
	if (tty)
		fprintf(w->out, "%s%s%s", cli_color(w->a, good ? CLI_GOOD : CLI_BAD),
			good ? (w->unicode ? "✔ " : "OK ") : (w->unicode ? "✘ " : "!! "), status);
	else
		fprintf(w->out, "deployment %s: %s", id, status);
	if (good)
		fprintf(w->out, " in %s, %lld of %zu host%s succeeded%s\n", dur,
			(long long)watch__count(info, "Succeeded"), json_array_size(targets),
			json_array_size(targets) == 1 ? "" : "s", cli_color_reset(w->a));
	else
		fprintf(w->out, " after %s%s%s%s%s\n", dur, err ? " (" : "",
			err ? watch__str(err, "code") : "", err ? ")" : "", cli_color_reset(w->a));
	if (!good && err && watch__str(err, "message")[0])
		watch__say(w, 2, "", watch__str(err, "message"));
	/* every failed host: event, script, error code, the last lines of its log */
	json_array_foreach(targets, i, t)
	{
		json_array_foreach(json_object_get(t, "lifecycleEvents"), k, e)
		{
			const json_t *d = json_object_get(e, "diagnostics");
			const char *tail = watch__str(d, "logTail");
			char what[1024], bar[32], pre[512];

			if (strcmp(watch__str(e, "status"), "Failed") != 0)
				continue;
			snprintf(what, sizeof(what), "%s failed, %s%s%s",
				 watch__str(e, "lifecycleEventName"), watch__str(d, "errorCode"),
				 watch__str(d, "scriptName")[0] ? ", script " : "",
				 watch__str(d, "scriptName"));
			snprintf(pre, sizeof(pre), "%s%s%s: ", cli_color(w->a, CLI_BOLD),
				 watch__str(t, "targetId"), cli_color_reset(w->a));
			watch__say(w, 2, pre, what);
			if (watch__str(d, "message")[0])
				watch__say(w, 4, "", watch__str(d, "message"));
			snprintf(bar, sizeof(bar), "%s%s%s ", cli_color(w->a, CLI_DIM),
				 tty && w->unicode ? "│" : "|", cli_color_reset(w->a));
			for (const char *p = tail; *p;) {
				size_t len = strcspn(p, "\n");
				char line[4096];

				str_copyn(line, sizeof(line), p, len);
				watch__say(w, 4, bar, line);
				p += len + (p[len] == '\n');
			}
		}
	}
	fflush(w->out);
}

/* Follows one deployment to its end; *final gets its last DeploymentInfo (with targets). */
static int watch__one(struct watch *w, const char *id, json_t **final)
{
	json_t *info = NULL, *targets = NULL;
	int errors = 0;

	*final = NULL;
	json_decref(w->seen);
	w->seen = json_object();
	w->status[0] = w->progress[0] = '\0';
	w->described = w->started = false;
	w->fleets_said = w->ready_said = w->wait_said = false;
	w->drawn = 0;
	json_decref(w->config);
	w->config = NULL;
	for (;;) {
		int64_t t0 = time_mono_ms();
		json_t *resp = NULL, *now_targets = NULL;
		const char *status;

		if (cli_cd(w->a, "GetDeployment", json_pack("{s:s}", "deploymentId", id), &resp) ||
		    cli_deploy_targets(w->a, id, &now_targets)) {
			json_decref(resp);
			const struct cli_error *e = &cli_state(w->a)->err;

			/* slipwayd restarting is worth waiting for; a refused key is not */
			if (++errors >= WATCH_MAX_ERRORS ||
			    (e->exit == CLI_NOACCESS && e->type[0]) ||
			    (e->exit == CLI_FAILED && e->http_status && e->http_status < 500)) {
				json_decref(info);
				json_decref(targets);
				return -1;
			}
		} else {
			errors = 0;
			json_decref(info);
			json_decref(targets);
			info = json_incref(json_object_get(resp, "deploymentInfo"));
			json_decref(resp);
			targets = now_targets;
			watch__fetch_config(w, info);
			watch__fetch_alarm_names(w, info);
			watch__fetch_alarms(w);
			watch__sample(w, info);
			if (w->live)
				watch__draw(w, id, info, targets);
			else
				watch__plain(w, id, info, targets);
			status = watch__str(info, "status");
			if (watch__terminal(status)) {
				watch__outcome(w, id, info, targets);
				json_object_set(info, "targets", targets);
				json_decref(targets);
				*final = info;
				return 0;
			}
		}
		while (!watch__interrupted && time_mono_ms() - t0 < WATCH_PERIOD_MS) {
			struct timespec ts = { 0, 50 * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
}

int cli_watch(struct cli_args *a, const char *id)
{
	struct watch w = { .a = a };
	const char *lang = getenv("LC_ALL");
	json_t *first = NULL, *last = NULL;
	char current[64];
	int rc = CLI_OK, hops = 0;
	struct sigaction sa = { 0 }, old_int, old_term;

	if (!lang || !lang[0])
		lang = getenv("LC_CTYPE");
	if (!lang || !lang[0])
		lang = getenv("LANG");
	w.unicode = lang && (strstr(lang, "UTF-8") || strstr(lang, "utf8") ||
			     strstr(lang, "UTF8") || strstr(lang, "utf-8"));
	w.live = cli_state(a)->tty && a->g.output == CLI_OUT_TABLE;
	w.out = a->g.output == CLI_OUT_JSON ? stderr : stdout;
	w.width = 80;
	w.height = 24;
	w.alarm_seen = json_object();
	w.tg_lb = json_object();
	w.notes = json_object();
	w.samples = json_object();
	w.prev = json_object();
	w.traffic_seen = json_object();
	w.tg_seen = json_object();
	if (w.live) {
		sa.sa_handler = watch__on_signal;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		fputs("\033[?25l", w.out); /* no cursor flickering through the block */
	}
	str_copy(current, sizeof(current), id);
	for (;;) {
		json_t *info;
		const char *next;

		if (watch__one(&w, current, &info)) {
			rc = cli_fail(a);
			break;
		}
		if (!first)
			first = json_incref(info);
		json_decref(last);
		last = info;
		if (strcmp(watch__str(info, "status"), "Succeeded") != 0)
			rc = CLI_FAILED;
		next = json_string_value(
		    json_object_get(json_object_get(info, "rollbackInfo"), "rollbackDeploymentId"));
		if (!next || hops++ >= 4)
			break;
		if (w.live)
			fprintf(w.out, "%s%s rolling back with %s%s\n\n", cli_color(a, CLI_BUSY),
				w.unicode ? "↺" : "<-", next, cli_color_reset(a));
		else
			fprintf(w.out, "deployment %s: rolled back by %s\n", current, next);
		str_copy(current, sizeof(current), next);
	}
	if (first && last && first != last) {
		const char *fs = watch__str(first, "status"), *ls = watch__str(last, "status");

		fprintf(w.out, "%s%s %s, rolled back by %s (%s)\n",
			w.live ? "" : "result: ", watch__str(first, "deploymentId"), fs,
			watch__str(last, "deploymentId"), ls);
	}
	if (w.live) {
		fputs("\033[?25h", w.out);
		fflush(w.out);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (a->g.output == CLI_OUT_JSON && first) {
		if (last != first)
			json_object_set(first, "rollbackDeployment", last);
		if (json_array_size(w.alarm_names))
			json_object_set_new(first, "alarms",
					    w.alarms ? json_incref(w.alarms) : json_array());
		cli_json_print(first);
	}
	json_decref(first);
	json_decref(last);
	json_decref(w.seen);
	json_decref(w.config);
	json_decref(w.alarm_names);
	json_decref(w.alarms);
	json_decref(w.alarm_seen);
	json_decref(w.group);
	json_decref(w.tgs);
	json_decref(w.tg_lb);
	json_decref(w.notes);
	json_decref(w.samples);
	json_decref(w.prev);
	json_decref(w.traffic_seen);
	json_decref(w.tg_seen);
	return rc;
}
