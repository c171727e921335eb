/* logs: `slipway logs tail GROUP` (and `slipway function logs`) — CloudWatch Logs events
 * (JSON 1.1), printed page by page as they are read and never collected: a whole group by time
 * (FilterLogEvents, which also serves
 * --filter on one stream), or one stream in order from its head (GetLogEvents and its forward
 * tokens).  --follow polls every second for
 * what is new until SIGINT or SIGTERM, which end it cleanly (exit status 0). */
#include "cli_int.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOGS_POLL_MS	   1000
#define LOGS_MAX_ERRORS	   10 /* consecutive unreachable polls while following (10 s) */
#define LOGS_DEFAULT_SINCE 600
#define LOGS_TOKEN_MAX	   512

int cli_logs_tail(struct cli_args *a);

struct logs_tail {
	struct cli_args *a;
	const char *group;
	const char *stream; /* NULL: the whole group */
	const char *filter;
	bool follow;
	int64_t start_ms;
	/* FilterLogEvents: events are followed by timestamp; the ids of those printed at the
	 * newest one so far, so that the next poll (which starts at it) prints none twice */
	int64_t newest_ms;
	json_t *seen;
	int errors;
};

static volatile sig_atomic_t logs__interrupted;

static void logs__on_signal(int sig)
{
	logs__interrupted = 1;
	signal(sig, SIG_DFL); /* a second one ends it at once */
}

static void logs__print(struct logs_tail *lt, const json_t *ev)
{
	struct cli_args *a = lt->a;
	const char *msg = json_string_value(json_object_get(ev, "message"));
	const char *stream = json_string_value(json_object_get(ev, "logStreamName"));
	int64_t ts = json_integer_value(json_object_get(ev, "timestamp"));
	size_t len = msg ? strlen(msg) : 0;
	char when[40];

	if (!stream)
		stream = lt->stream ? lt->stream : "";
	if (a->g.output == CLI_OUT_JSON) {
		json_t *one = json_deep_copy(ev);
		char *s;

		json_object_set_new(one, "logStreamName", json_string(stream));
		s = json_dumps(one, JSON_COMPACT | JSON_SORT_KEYS);
		if (s)
			puts(s);
		free(s);
		json_decref(one);
		return;
	}
	if (len && msg[len - 1] == '\n') /* the line's own end is the one we print */
		len--;
	if (a->g.output == CLI_OUT_TEXT) {
		time_iso8601(ts, when);
		printf("%s\t%s\t%.*s\n", when, stream, (int)len, msg ? msg : "");
		return;
	}
	{
		time_t secs = (time_t)(ts / 1000);
		struct tm tm;
		size_t n = 0;

		when[0] = '\0';
		if (localtime_r(&secs, &tm))
			n = strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(when + n, sizeof(when) - n, ".%03d", (int)(ts % 1000));
	}
	if (lt->stream)
		printf("%s%s%s  %.*s\n", cli_color(a, CLI_DIM), when, cli_color_reset(a), (int)len,
		       msg ? msg : "");
	else
		printf("%s%s%s  %s%s%s  %.*s\n", cli_color(a, CLI_DIM), when, cli_color_reset(a),
		       cli_color(a, CLI_BOLD), stream, cli_color_reset(a), (int)len,
		       msg ? msg : "");
}

/* Whether a failed call is worth trying again while following: slipwayd unreachable for a
 * moment (a restart), not an answer it gave. */
static bool logs__retry(struct logs_tail *lt)
{
	const struct cli_error *e = &cli_state(lt->a)->err;

	return lt->follow && !e->type[0] && e->exit == CLI_NOACCESS &&
	       ++lt->errors < LOGS_MAX_ERRORS;
}

/* Sleeps one poll period, or less when interrupted. */
static void logs__wait(void)
{
	int64_t t0 = time_mono_ms();

	while (!logs__interrupted && time_mono_ms() - t0 < LOGS_POLL_MS) {
		struct timespec ts = { 0, 50 * 1000000L };

		nanosleep(&ts, NULL);
	}
}

/* One stream, from its head: GetLogEvents' forward token until it comes back unchanged (the
 * end of what is there), then — following — the same token every second. */
static int logs__stream(struct logs_tail *lt)
{
	char token[LOGS_TOKEN_MAX] = "";

	while (!logs__interrupted) {
		json_t *req = json_pack("{s:s,s:s,s:I,s:b}", "logGroupName", lt->group,
					"logStreamName", lt->stream, "startTime",
					(json_int_t)lt->start_ms, "startFromHead", 1);
		json_t *resp, *ev;
		const char *next;
		size_t i;

		if (token[0])
			json_object_set_new(req, "nextToken", json_string(token));
		if (cli_json(lt->a, &cli_cwlogs, "GetLogEvents", req, &resp)) {
			if (!logs__retry(lt))
				return -1;
			logs__wait();
			continue;
		}
		lt->errors = 0;
		json_array_foreach(json_object_get(resp, "events"), i, ev) logs__print(lt, ev);
		fflush(stdout);
		next = json_string_value(json_object_get(resp, "nextForwardToken"));
		if (!next || strcmp(next, token) == 0) {
			json_decref(resp);
			if (!lt->follow)
				return 0;
			logs__wait();
			continue;
		}
		if (str_copy(token, sizeof(token), next)) {
			json_decref(resp);
			return cli_error(lt->a, CLI_FAILED, "",
					 "GetLogEvents: the token is too long");
		}
		json_decref(resp);
	}
	return 0;
}

/* Prints ev unless a poll already did (FilterLogEvents path). */
static void logs__print_new(struct logs_tail *lt, const json_t *ev)
{
	int64_t ts = json_integer_value(json_object_get(ev, "timestamp"));
	const char *id = json_string_value(json_object_get(ev, "eventId"));

	if (ts < lt->newest_ms)
		return;
	if (ts > lt->newest_ms) {
		lt->newest_ms = ts;
		json_object_clear(lt->seen);
	} else if (id && json_object_get(lt->seen, id)) {
		return;
	}
	if (id)
		json_object_set_new(lt->seen, id, json_true());
	logs__print(lt, ev);
}

/* The whole group (or the one stream, with a filter) by time: FilterLogEvents page by page;
 * following, a new pass every second from the newest timestamp printed. */
static int logs__group(struct logs_tail *lt)
{
	char token[LOGS_TOKEN_MAX] = "";
	int64_t pass_start = lt->start_ms;

	lt->newest_ms = lt->start_ms;
	while (!logs__interrupted) {
		json_t *req = json_pack("{s:s,s:I}", "logGroupName", lt->group, "startTime",
					(json_int_t)pass_start);
		json_t *resp, *ev;
		const char *next;
		size_t i;

		if (lt->filter)
			json_object_set_new(req, "filterPattern", json_string(lt->filter));
		if (lt->stream)
			json_object_set_new(req, "logStreamNames", json_pack("[s]", lt->stream));
		if (token[0])
			json_object_set_new(req, "nextToken", json_string(token));
		if (cli_json(lt->a, &cli_cwlogs, "FilterLogEvents", req, &resp)) {
			if (!logs__retry(lt))
				return -1;
			token[0] = '\0';
			pass_start = lt->newest_ms;
			logs__wait();
			continue;
		}
		lt->errors = 0;
		json_array_foreach(json_object_get(resp, "events"), i, ev) logs__print_new(lt, ev);
		fflush(stdout);
		next = json_string_value(json_object_get(resp, "nextToken"));
		if (next && next[0]) {
			int r = str_copy(token, sizeof(token), next);

			json_decref(resp);
			if (r)
				return cli_error(lt->a, CLI_FAILED, "",
						 "FilterLogEvents: the token is too long");
			continue;
		}
		json_decref(resp);
		token[0] = '\0';
		pass_start = lt->newest_ms;
		if (!lt->follow)
			return 0;
		logs__wait();
	}
	return 0;
}

int cli_logs_print(struct cli_args *a, const char *group, const char *stream, const char *filter,
		   bool follow, const char *since_opt)
{
	struct logs_tail lt = {
		.a = a, .group = group, .stream = stream, .filter = filter, .follow = follow
	};
	int64_t since = LOGS_DEFAULT_SINCE;
	struct sigaction sa = { 0 }, old_int, old_term;
	int r;

	if (since_opt && cli_parse_duration(since_opt, &since))
		return cli_usage(a, "--since takes a duration: 30s, 10m, 1h, 2d, 1w (not '%s')",
				 since_opt);
	lt.start_ms = time_now_ms() - since * 1000;
	lt.seen = json_object();
	if (lt.follow) {
		sa.sa_handler = logs__on_signal;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}
	r = lt.stream && !lt.filter ? logs__stream(&lt) : logs__group(&lt);
	fflush(stdout);
	if (lt.follow) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	json_decref(lt.seen);
	return r ? cli_fail(a) : CLI_OK;
}

int cli_logs_tail(struct cli_args *a)
{
	return cli_logs_print(a, a->pos[0], cli_opt(a, "stream"), cli_opt(a, "filter"),
			      cli_flag(a, "follow"), cli_opt(a, "since"));
}
