/* inplace: the per-instance lifecycle of an in-place deployment. */
#include "inplace.h"

#include <string.h>

static const struct inplace_event inplace__plain[] = {
	{ "ApplicationStop", 4, true },	 { "DownloadBundle", 5, true },
	{ "BeforeInstall", 6, true },	 { "Install", 7, true },
	{ "AfterInstall", 8, true },	 { "ApplicationStart", 9, true },
	{ "ValidateService", 10, true },
};

static const struct inplace_event inplace__traffic[] = {
	{ "BeforeBlockTraffic", 1, true },
	{ "BlockTraffic", 2, false },
	{ "AfterBlockTraffic", 3, true },
	{ "ApplicationStop", 4, true },
	{ "DownloadBundle", 5, true },
	{ "BeforeInstall", 6, true },
	{ "Install", 7, true },
	{ "AfterInstall", 8, true },
	{ "ApplicationStart", 9, true },
	{ "ValidateService", 10, true },
	{ "BeforeAllowTraffic", 11, true },
	{ "AllowTraffic", 12, false },
	{ "AfterAllowTraffic", 13, true },
};

const struct inplace_event *inplace_events(bool with_traffic_control, size_t *n)
{
	if (with_traffic_control) {
		*n = sizeof(inplace__traffic) / sizeof(inplace__traffic[0]);
		return inplace__traffic;
	}
	*n = sizeof(inplace__plain) / sizeof(inplace__plain[0]);
	return inplace__plain;
}

bool inplace_stop_class(const char *name)
{
	return strcmp(name, "ApplicationStop") == 0 || strcmp(name, "BeforeBlockTraffic") == 0 ||
	       strcmp(name, "AfterBlockTraffic") == 0;
}

static const char *const inplace__status[] = { "Pending", "InProgress", "Succeeded", "Failed",
					       "Skipped" };

const char *inplace_status_name(enum inplace_cmd_status s)
{
	return (unsigned)s < 5 ? inplace__status[s] : "Unknown";
}

int inplace_status_parse(const char *s)
{
	for (int i = 0; s && i < 5; i++)
		if (strcmp(s, inplace__status[i]) == 0)
			return i;
	return -1;
}

static int64_t inplace__max(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

void inplace_decide(const struct inplace_ctx *ctx, const struct inplace_cmd *v, size_t n,
		    struct inplace_decision *out)
{
	size_t i;

	out->action = INPLACE_WAIT;
	out->index = 0;
	out->timer = INT64_MAX;
	for (i = 0; i < n; i++) {
		const struct inplace_cmd *c = &v[i];
		int64_t due;

		switch (c->status) {
		case INPLACE_SUCCEEDED:
			continue;
		case INPLACE_FAILED:
			if (ctx->ignore_stop_failures && inplace_stop_class(c->name))
				continue;
			out->action = INPLACE_DONE_FAILED;
			return;
		case INPLACE_SKIPPED:
			/* cancelled: the instance stops here */
			out->action = INPLACE_DONE_FAILED;
			return;
		case INPLACE_IN_PROGRESS:
			due = c->deadline
				  ? c->deadline
				  : inplace__max(c->acked, ctx->since) + ctx->event_timeout_ms;
			if (ctx->now >= due) {
				out->action = INPLACE_TIMEOUT_EVENT;
				out->index = i;
				return;
			}
			out->timer = due;
			return;
		case INPLACE_PENDING:
		default:
			break;
		}
		/* Pending: the first command not done yet */
		if (!c->queued) {
			if (ctx->stopping) {
				out->action = INPLACE_DONE_FAILED;
				return;
			}
			out->action = INPLACE_QUEUE;
			out->index = i;
			return;
		}
		if (!c->delivered && ctx->stopping) {
			out->action = INPLACE_CANCEL;
			out->index = i;
			return;
		}
		/* with the agent channel: taken (delivered) or not, it must be acknowledged in time
		 */
		due = inplace__max(c->delivered ? c->delivered : c->queued, ctx->since) +
		      ctx->agent_timeout_ms;
		if (ctx->now >= due) {
			out->action = INPLACE_TIMEOUT_AGENT;
			out->index = i;
			return;
		}
		out->timer = due;
		return;
	}
	out->action = INPLACE_DONE_SUCCEEDED;
}
