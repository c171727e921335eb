/* traffic/scrape: the thread that turns every declared balancer's `show stat` into
 * AWS/ApplicationELB metrics (scrape.h says which), one store write per scrape. */
#include "scrape.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "model/alarms.h"
#include "model/metrics.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCRAPE_NS	 "AWS/ApplicationELB"
#define SCRAPE_MIN_MS	 100
#define SCRAPE_ITEMS_MAX (1u << 20) /* data of one scrape */

/* What a balancer looked like at the last scrape. */
struct scrape_lb {
	struct traffic_backend *prev;
	size_t nprev;
	bool have_prev;
	bool down; /* unreachable at the last scrape: warned once */
};

struct traffic_scrape {
	struct traffic_scrape_config cfg;
	struct scrape_lb lbs[TRAFFIC_LB_MAX];
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

/* One datum and what it points at (fixed up once the array stops moving). */
struct scrape_item {
	struct metric_datum d;
	struct metric_dim dims[2];
	double value, count;
};

struct scrape_batch {
	struct scrape_item *v;
	size_t n, cap;
	bool failed; /* out of memory or too many: the scrape publishes nothing */
	int touched;
	int64_t now_ms;
};

static void scrape__add(struct scrape_batch *b, const char *name, const char *unit, double value,
			const char *k1, const char *v1, const char *k2, const char *v2)
{
	if (b->failed)
		return;
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		struct scrape_item *nv;

		if (nc > SCRAPE_ITEMS_MAX || !(nv = realloc(b->v, nc * sizeof(*nv)))) {
			b->failed = true;
			return;
		}
		b->v = nv;
		b->cap = nc;
	}
	struct scrape_item *it = &b->v[b->n++];

	memset(it, 0, sizeof(*it));
	it->d.key.ns = SCRAPE_NS;
	it->d.key.name = name;
	it->d.key.ndims = k2 ? 2 : 1;
	it->d.unit = unit;
	it->d.ts_ms = b->now_ms;
	it->d.resolution = 60;
	it->d.nvalues = 1;
	it->dims[0] = (struct metric_dim){ k1, v1 };
	if (k2)
		it->dims[1] = (struct metric_dim){ k2, v2 };
	it->value = value;
	it->count = 1;
}

/* The three target-group dimension sets of AWS (plus the balancer's own, summed by the
 * caller). */
static void scrape__tg(struct scrape_batch *b, const char *name, const char *unit, double value,
		       const char *lb, const char *tg)
{
	scrape__add(b, name, unit, value, "TargetGroup", tg, "LoadBalancer", lb);
	scrape__add(b, name, unit, value, "TargetGroup", tg, NULL, NULL);
}

static int64_t scrape__delta(int64_t now, int64_t before)
{
	return now >= before ? now - before : now; /* went down: HAProxy restarted */
}

enum { C_REQ, C_2XX, C_3XX, C_4XX, C_5XX, C__N };

static const char *const scrape__counter_names[C__N] = {
	"RequestCount",
	"HTTPCode_Target_2XX_Count",
	"HTTPCode_Target_3XX_Count",
	"HTTPCode_Target_4XX_Count",
	"HTTPCode_Target_5XX_Count",
};

/* A server's requests: req_tot, or (where HAProxy leaves it blank) its responses. */
static int64_t scrape__requests(const struct traffic_server *s)
{
	int64_t sum =
	    s->http_1xx + s->http_2xx + s->http_3xx + s->http_4xx + s->http_5xx + s->http_other;

	return s->requests ? s->requests : sum;
}

static void scrape__counters(const struct traffic_server *now, const struct traffic_server *was,
			     int64_t out[C__N])
{
	out[C_REQ] = scrape__delta(scrape__requests(now), scrape__requests(was));
	out[C_2XX] = scrape__delta(now->http_2xx, was->http_2xx);
	out[C_3XX] = scrape__delta(now->http_3xx, was->http_3xx);
	out[C_4XX] = scrape__delta(now->http_4xx, was->http_4xx);
	out[C_5XX] = scrape__delta(now->http_5xx, was->http_5xx);
}

static const struct traffic_backend *scrape__find_backend(const struct scrape_lb *l,
							  const char *name)
{
	for (size_t i = 0; i < l->nprev; i++)
		if (strcmp(l->prev[i].name, name) == 0)
			return &l->prev[i];
	return NULL;
}

static const struct traffic_server *scrape__find_server(const struct traffic_backend *b,
							const char *name)
{
	for (size_t i = 0; b && i < b->nservers; i++)
		if (strcmp(b->servers[i].name, name) == 0)
			return &b->servers[i];
	return NULL;
}

/* Everything one balancer publishes, from its backends now and at the last scrape. */
static void scrape__lb(struct scrape_batch *b, const char *lb, const struct scrape_lb *l,
		       const struct traffic_backend *v, size_t n)
{
	int64_t lb_sum[C__N] = { 0 }, lb_healthy = 0, lb_unhealthy = 0;
	bool lb_counted = false;

	for (size_t i = 0; i < n; i++) {
		const struct traffic_backend *bk = &v[i];
		const struct traffic_backend *was =
		    l->have_prev ? scrape__find_backend(l, bk->name) : NULL;
		int64_t healthy = 0, unhealthy = 0, tg_codes[C__N] = { 0 }, d[C__N];

		for (size_t j = 0; j < bk->nservers; j++) {
			const struct traffic_server *s = &bk->servers[j];
			const struct traffic_server *ws = scrape__find_server(was, s->name);
			bool down = !s->up && !s->maint && !s->draining;

			healthy += s->up;
			unhealthy += down;
			scrape__add(b, "HealthyHostCount", "Count", s->up, "TargetGroup", bk->name,
				    "Target", s->name);
			scrape__add(b, "UnHealthyHostCount", "Count", down, "TargetGroup", bk->name,
				    "Target", s->name);
			if (!ws)
				continue;
			scrape__counters(s, ws, d);
			for (int c = 0; c < C__N; c++) {
				scrape__add(b, scrape__counter_names[c], "Count", (double)d[c],
					    "TargetGroup", bk->name, "Target", s->name);
				tg_codes[c] += d[c];
			}
			if (d[C_REQ] > 0)
				scrape__add(b, "TargetResponseTime", "Seconds",
					    (double)s->rtime_ms / 1000.0, "TargetGroup", bk->name,
					    "Target", s->name);
		}
		scrape__tg(b, "HealthyHostCount", "Count", (double)healthy, lb, bk->name);
		scrape__tg(b, "UnHealthyHostCount", "Count", (double)unhealthy, lb, bk->name);
		lb_healthy += healthy;
		lb_unhealthy += unhealthy;
		if (!was)
			continue;
		/* the target group's requests are its BACKEND row's (every request it took,
		 * served or not); its response codes are its targets' */
		scrape__counters(&bk->total, &was->total, d);
		tg_codes[C_REQ] = d[C_REQ];
		for (int c = 0; c < C__N; c++) {
			scrape__tg(b, scrape__counter_names[c], "Count", (double)tg_codes[c], lb,
				   bk->name);
			lb_sum[c] += tg_codes[c];
		}
		lb_counted = true;
		if (d[C_REQ] > 0)
			scrape__tg(b, "TargetResponseTime", "Seconds",
				   (double)bk->total.rtime_ms / 1000.0, lb, bk->name);
	}
	scrape__add(b, "HealthyHostCount", "Count", (double)lb_healthy, "LoadBalancer", lb, NULL,
		    NULL);
	scrape__add(b, "UnHealthyHostCount", "Count", (double)lb_unhealthy, "LoadBalancer", lb,
		    NULL, NULL);
	if (lb_counted)
		for (int c = 0; c < C__N; c++)
			scrape__add(b, scrape__counter_names[c], "Count", (double)lb_sum[c],
				    "LoadBalancer", lb, NULL, NULL);
}

static int scrape__write(struct store_conn *c, void *arg, struct err *e)
{
	struct scrape_batch *b = arg;
	struct metric_datum *d = malloc(b->n * sizeof(*d));
	int r;

	if (!d)
		return err_set(e, SW_E_NOMEM, "out of memory");
	for (size_t i = 0; i < b->n; i++) {
		d[i] = b->v[i].d;
		d[i].key.dims = b->v[i].dims;
		d[i].values = &b->v[i].value;
		d[i].counts = &b->v[i].count;
	}
	r = metrics_put(c, d, b->n, b->now_ms, e);
	free(d);
	b->touched = 0; /* the transaction may run again */
	for (size_t i = 0; i < b->n && r >= 0; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = b->v[j].d.key.name == b->v[i].d.key.name;
		if (!seen && (r = alarms_touch(c, SCRAPE_NS, b->v[i].d.key.name, e)) > 0)
			b->touched += r;
	}
	return r < 0 ? r : 0;
}

int traffic_scrape_once(struct traffic_scrape *s, struct err *e)
{
	struct scrape_batch b = { .now_ms = time_now_ms() };
	struct traffic_backend *now[TRAFFIC_LB_MAX] = { NULL };
	size_t nnow[TRAFFIC_LB_MAX] = { 0 }, nlb = traffic_count(s->cfg.traffic);
	bool ok[TRAFFIC_LB_MAX] = { false };
	int r = 0;

	for (size_t i = 0; i < nlb; i++) {
		const struct traffic_decl *dc = traffic_decl_at(s->cfg.traffic, i);
		struct scrape_lb *l = &s->lbs[i];
		struct err why = { 0 };

		if (traffic_backends(s->cfg.traffic, dc->name, &now[i], &nnow[i], &why) < 0) {
			if (!l->down)
				log_warn("traffic",
					 "cannot read load balancer '%s' for its metrics (warned "
					 "once until it answers again): %s",
					 dc->name, err_message(&why));
			l->down = true;
			traffic_backends_free(l->prev, l->nprev);
			l->prev = NULL;
			l->nprev = 0;
			l->have_prev = false;
			continue;
		}
		if (l->down)
			log_info("traffic", "load balancer '%s' answers again: %zu backends",
				 dc->name, nnow[i]);
		l->down = false;
		ok[i] = true;
		scrape__lb(&b, dc->name, l, now[i], nnow[i]);
	}
	if (b.failed) {
		log_warn("traffic", "metrics of this scrape dropped: out of memory");
	} else if (b.n && s->cfg.store) {
		r = store_write(s->cfg.store, scrape__write, &b, e);
		if (r < 0)
			log_warn("traffic", "cannot write load-balancer metrics: %s",
				 err_message(e));
		else if (b.touched && s->cfg.on_alarms)
			s->cfg.on_alarms(s->cfg.on_alarms_arg);
	}
	/* this scrape is the next one's baseline */
	for (size_t i = 0; i < nlb; i++) {
		if (!ok[i])
			continue;
		traffic_backends_free(s->lbs[i].prev, s->lbs[i].nprev);
		s->lbs[i].prev = now[i];
		s->lbs[i].nprev = nnow[i];
		s->lbs[i].have_prev = true;
	}
	free(b.v);
	return r < 0 ? r : 0;
}

static int64_t scrape__interval_ms(const struct traffic_scrape *s)
{
	double ms = s->cfg.interval_s * 1000.0 / time_scale();

	return ms < SCRAPE_MIN_MS ? SCRAPE_MIN_MS : (int64_t)ms;
}

static void *scrape__thread(void *arg)
{
	struct traffic_scrape *s = arg;
	int64_t interval = scrape__interval_ms(s);

	for (;;) {
		struct err e = { 0 };
		struct timespec ts;

		traffic_scrape_once(s, &e);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += interval / 1000;
		ts.tv_nsec += (interval % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&s->mu);
		while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &ts) != ETIMEDOUT)
			;
		bool stop = s->stop;

		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
	}
	return NULL;
}

int traffic_scrape_new(const struct traffic_scrape_config *cfg, struct traffic_scrape **out,
		       struct err *e)
{
	struct traffic_scrape *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	*out = NULL;
	if (!s)
		return err_set(e, SW_E_NOMEM, "out of memory");
	s->cfg = *cfg;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = s;
	return 0;
}

int traffic_scrape_start(const struct traffic_scrape_config *cfg, struct traffic_scrape **out,
			 struct err *e)
{
	struct traffic_scrape *s;
	int r = traffic_scrape_new(cfg, &s, e);

	*out = NULL;
	if (r)
		return r;
	if ((r = pthread_create(&s->thread, NULL, scrape__thread, s)) != 0) {
		traffic_scrape_stop(s);
		return err_set(e, SW_E_INTERNAL, "cannot start the metrics scraper: %s",
			       strerror(r));
	}
	s->started = true;
	*out = s;
	return 0;
}

void traffic_scrape_stop(struct traffic_scrape *s)
{
	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	for (size_t i = 0; i < TRAFFIC_LB_MAX; i++)
		traffic_backends_free(s->lbs[i].prev, s->lbs[i].nprev);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
