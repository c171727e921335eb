/* prometheus: `GET /metrics` — every metric the store holds, Slipway's own (namespace Slipway,
 * docs/metrics.md) and users', in the Prometheus text format (promtext.h).  Anonymous, like
 * /healthz: a Prometheus server scrapes it without AWS credentials.
 *
 * The reply is bounded: past PROMETHEUS_SCRAPE_MAX bytes the scrape ends after the last
 * complete metric with a comment saying so (and a warning in the log), so a store with more
 * series than that still yields a valid, if partial, scrape. */
#include "promtext.h"
#include "contract/service.h"
#include "slipwayd.h"
#include "base/log.h"
#include "base/str.h"
#include "model/metrics.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define PROMETHEUS_SCRAPE_MAX (32u << 20)
#define PROMETHEUS_NOTE_MAX   256 /* room kept for the truncation comment */

struct prometheus__walk {
	struct promtext enc;
	char ns[256], name[256]; /* the metric in progress ("" before the first) */
	bool begun, truncated;
	size_t metrics;
};

/* Ends the metric in progress: 1 when out is full (the walk stops), else 0 or an error. */
static int prometheus__end(struct prometheus__walk *w)
{
	int r;

	if (!w->begun)
		return 0;
	w->begun = false;
	r = promtext_end(&w->enc);
	if (r == -SW_E_TOO_LARGE) {
		w->truncated = true;
		return 1;
	}
	if (!r)
		w->metrics++;
	return r;
}

static int prometheus__each(void *arg, const struct metric_key *k, const char *unit,
			    const struct metric_totals *t)
{
	struct prometheus__walk *w = arg;
	int r;

	if (!w->begun || strcmp(w->ns, k->ns) != 0 || strcmp(w->name, k->name) != 0) {
		r = prometheus__end(w);
		if (r)
			return r;
		str_copy(w->ns, sizeof(w->ns), k->ns);
		str_copy(w->name, sizeof(w->name), k->name);
		r = promtext_begin(&w->enc, k->ns, k->name);
		if (r)
			return r;
		w->begun = true;
	}
	return promtext_series(&w->enc, k->dims, k->ndims, unit, t);
}

static int prometheus__scrape(struct store_conn *c, void *arg, struct err *e)
{
	struct prometheus__walk *w = arg;
	int r = metrics_each(c, NULL, NULL, prometheus__each, w, e);

	if (r == 0)
		r = prometheus__end(w);
	if (r == 1)
		return 0; /* full: what fitted stands */
	if (r < 0 && !e->code)
		err_set(e, r, "cannot write the scrape");
	return r;
}

static void prometheus_error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	(void)req;
	resp->status = err_info(e->code)->http_status;
	buf_reset(&resp->body);
	buf_addf(&resp->body, "%s\n", err_message(e));
	http_resp_header(resp, "Content-Type", "text/plain; charset=utf-8");
}

static void prometheus_handle(struct http_req *req, struct http_resp *resp)
{
	struct prometheus__walk *w;
	int r;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		resp->status = 405;
		buf_adds(&resp->body, "only GET is served at /metrics\n");
		http_resp_header(resp, "Allow", "GET, HEAD");
		http_resp_header(resp, "Content-Type", "text/plain; charset=utf-8");
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		err_set(&req->err, SW_E_NOMEM, NULL);
		prometheus_error(req, resp, &req->err);
		return;
	}
	buf_release(&resp->body);
	buf_init(&resp->body, PROMETHEUS_SCRAPE_MAX - PROMETHEUS_NOTE_MAX);
	promtext_init(&w->enc, &resp->body);
	r = store_read(req->env->store, prometheus__scrape, w, &req->err);
	promtext_release(&w->enc);
	if (r) {
		log_warn("prometheus", "cannot serve /metrics: %s [%s]", err_message(&req->err),
			 req->request_id);
		prometheus_error(req, resp, &req->err);
		free(w);
		return;
	}
	if (w->truncated) {
		log_warn("prometheus",
			 "/metrics is cut after %zu metrics: the scrape reached %u bytes [%s]",
			 w->metrics, PROMETHEUS_SCRAPE_MAX, req->request_id);
		resp->body.max = PROMETHEUS_SCRAPE_MAX;
		buf_addf(&resp->body,
			 "# slipway: truncated after %zu metrics at the limit of %u bytes\n",
			 w->metrics, PROMETHEUS_SCRAPE_MAX);
	}
	free(w);
	resp->status = 200;
	http_resp_header(resp, "Content-Type", PROMTEXT_CONTENT_TYPE);
}

const struct service prometheus_service = {
	.name = "prometheus",
	.anonymous = true,
	.handle = prometheus_handle,
	.error = prometheus_error,
};
