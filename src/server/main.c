/* slipwayd: the control plane — parses options, opens the data directory, serves until told to
 * stop. */
#include "init.h"
#include "park.h"
#include "router.h"
#include "selfstats.h"
#include "contract/service.h"
#include "slipwayd.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "blob/blob.h"
#include "engine/engine.h"
#include "functions/events.h"
#include "functions/functions.h"
#include "services/agentchannel/channel.h"
#include "services/lambda/lambda.h"
#include "store/store.h"
#include "traffic/scrape.h"
#include "traffic/traffic.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLIPWAY_VERSION "0.1.0"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: slipwayd --data DIR [--listen ADDR:PORT] [--region REGION]\n"
		"                [--store postgresql://USER@HOST:PORT/DB]\n"
		"                [--threads N] [--log-level debug|info|warn|error]\n"
		"                [--poll-timeout S] [--agent-timeout S] [--event-timeout S]\n"
		"                [--s3-domain NAME[,NAME...]]... [--queue-deployments]\n"
		"                [--time-scale N]\n"
		"                [--function-environments N] [--function-idle S]\n"
		"                [--sandbox none|bwrap]\n"
		"                [--load-balancer NAME=SOCKET]... [--lb-scrape-interval S]\n"
		"                [--deregistration-delay S] [--allow-traffic-timeout S]\n"
		"                [--config FILE]\n"
		"       slipwayd --list-operations\n"
		"       slipwayd --version\n"
		"\n"
		"Serves the Slipway control plane (CodeDeploy, S3 and IAM subsets, the agent\n"
		"channel) on one port. The default address is 127.0.0.1:8790.\n"
		"\n"
		"--s3-domain names the hosts S3 answers under: a request for <bucket>.NAME is\n"
		"virtual-hosted, one for NAME or an IP address is path-style, and any other\n"
		"host name is refused. Default: localhost (and the host name on 0.0.0.0).\n"
		"\n"
		"--queue-deployments: CreateDeployment on a group whose deployment is still\n"
		"active queues the new one (status Queued) instead of refusing it with\n"
		"DeploymentLimitExceededException, as AWS does.\n"
		"\n"
		"--time-scale N (for demos and tests, 1..3600): every CloudWatch and CodeDeploy\n"
		"minute lasts 60/N seconds: metric periods and buckets, alarm evaluation,\n"
		"deployment waits. Timestamps stay real.\n"
		"\n"
		"Functions: --function-environments N (default 64) is the most execution\n"
		"environments alive at once over every function, beyond which Invoke answers\n"
		"TooManyRequestsException; --function-idle S (default 300) stops an idle one\n"
		"after S seconds; --sandbox bwrap runs each in bubblewrap (docs/functions.md).\n"
		"\n"
		"Load balancers: --load-balancer NAME=SOCKET (repeatable, at most 16) declares an\n"
		"HAProxy whose Runtime API (a stats socket at level admin) is SOCKET, a UNIX path\n"
		"or tcp:HOST:PORT; a deployment group's target group names one of its backends.\n"
		"Their stats are published as AWS/ApplicationELB metrics every\n"
		"--lb-scrape-interval S seconds (default 5, divided by --time-scale, at least\n"
		"0.1 s). --deregistration-delay S (0..3600, default 300 as AWS) is how long\n"
		"BlockTraffic waits for a draining server's sessions; --allow-traffic-timeout S\n"
		"(1..86400, default 300) how long AllowTraffic waits for its health check.\n"
		"\n"
		"--config FILE reads options from FILE first, one per line as 'option value'\n"
		"(the long option without its dashes: 'load-balancer web=/run/haproxy.sock',\n"
		"'queue-deployments'); blank lines and lines starting with # are skipped. The\n"
		"command line overrides the file (a load balancer of the same name replaces\n"
		"the file's).\n");
}

static void print_op(const char *service, const char *op, bool implemented, void *arg)
{
	(void)arg;
	printf("%s\t%s\t%s\n", service, op, implemented ? "yes" : "not yet");
}

static int parse_listen(struct slipwayd_config *cfg, const char *s)
{
	const char *colon = strrchr(s, ':');
	int64_t port;

	if (!colon || colon == s || str_to_i64(colon + 1, 0, 65535, &port))
		return -1;
	if (str_copyn(cfg->listen_host, sizeof(cfg->listen_host), s, (size_t)(colon - s)))
		return -1;
	if (strcmp(cfg->listen_host, "localhost") == 0)
		str_copy(cfg->listen_host, sizeof(cfg->listen_host), "127.0.0.1");
	cfg->listen_port = (int)port;
	return 0;
}

/* The engine deregistered an instance (blue/green TERMINATE): its key must stop working now. */
static void deployments__auth_changed(void *arg)
{
	env_auth_changed(arg);
}

/* The wait list of parked requests and the deployment engine, wired so that a command the
 * engine queues answers its host's long poll at once. */
static int deployments_start(struct slipwayd *d, struct err *e)
{
	struct engine_options opt = {
		.agent_timeout_ms = d->cfg.agent_timeout_s * 1000LL,
		.event_timeout_ms = d->cfg.event_timeout_s * 1000LL,
		.on_command = agentchannel_notify,
		.on_auth_changed = deployments__auth_changed,
		.on_auth_changed_arg = &d->env,
		.traffic = d->env.traffic,
		.deregistration_delay_ms = d->cfg.deregistration_delay_s * 1000LL,
		.allow_traffic_timeout_ms = d->cfg.allow_traffic_timeout_s * 1000LL,
	};
	struct engine_env env = {
		.store = d->env.store,
		.region = d->cfg.region,
		.account = d->env.account_id,
	};
	int r = http_park_open(d, e);

	if (r)
		return r;
	opt.on_command_arg = d->env.park;
	return engine_start(&env, &opt, &d->env.engine, e);
}

/* The registry of declared load balancers (env.traffic, empty when none is), each asked
 * once for its backends so that the log says at start which ones answer; one that does not is
 * not fatal (HAProxy may start after slipwayd). */
static int traffic_boot(struct slipwayd *d, struct err *e)
{
	struct traffic_decl decls[SLIPWAYD_LB_MAX];
	size_t n = 0;
	int r;

	for (int i = 0; i < d->cfg.nload_balancers; i++)
		if ((r = traffic_decl_parse(d->cfg.load_balancers[i], &decls[n++], e)))
			return r;
	if ((r = traffic_new(decls, n, 0, &d->env.traffic, e)))
		return r;
	for (size_t i = 0; i < n; i++) {
		struct traffic_backend *v;
		size_t nv;
		struct err why = { 0 };

		if (traffic_backends(d->env.traffic, decls[i].name, &v, &nv, &why) < 0) {
			log_warn("slipwayd", "load balancer '%s' on %s cannot be reached yet: %s",
				 decls[i].name, decls[i].socket, err_message(&why));
			continue;
		}
		log_info("slipwayd", "load balancer '%s' on %s: %zu backend%s", decls[i].name,
			 decls[i].socket, nv, nv == 1 ? "" : "s");
		traffic_backends_free(v, nv);
	}
	return 0;
}

static void lb_alarms_due(void *arg)
{
	engine_wake(arg);
}

/* The AWS/ApplicationELB scraper, when a balancer is declared (after the engine: it wakes
 * the alarm job). */
static int lb_scraper_start(struct slipwayd *d, struct err *e)
{
	struct traffic_scrape_config sc = {
		.traffic = d->env.traffic,
		.store = d->env.store,
		.interval_s = d->cfg.lb_scrape_interval_s,
		.on_alarms = lb_alarms_due,
		.on_alarms_arg = d->env.engine,
	};

	if (!traffic_count(d->env.traffic))
		return 0;
	return traffic_scrape_start(&sc, &d->scrape, e);
}

/* The function runtime and its event queue, once the store and the blobs are open. */
static int functions_boot(struct slipwayd *d, struct err *e)
{
	struct functions_config fc = {
		.data_dir = d->data_dir,
		.store = d->env.store,
		.blob = d->env.blob,
		.region = d->cfg.region,
		.account_id = d->env.account_id,
		.envs_max = d->cfg.function_envs_max,
		.idle_s = d->cfg.function_idle_s,
		.bwrap = d->cfg.sandbox_bwrap,
	};
	int inflight = d->cfg.function_envs_max / 2;

	if (functions_start(&d->env.functions, &fc, e) < 0)
		return -1;
	lambda_provision_boot(&d->env); /* the provisioned environments, warm before traffic */
	return fn_events_start(&d->env.fn_events, d->env.functions, d->env.store,
			       inflight > 0 ? inflight : 1, e);
}

static void functions_halt(struct slipwayd *d)
{
	fn_events_stop(d->env.fn_events); /* no new deliveries */
	functions_stop(d->env.functions); /* ends those in flight */
	fn_events_free(d->env.fn_events);
	d->env.functions = NULL;
	d->env.fn_events = NULL;
}

static const struct option main__opts[] = {
	{ "data", required_argument, NULL, 'd' },
	{ "store", required_argument, NULL, 's' },
	{ "listen", required_argument, NULL, 'l' },
	{ "region", required_argument, NULL, 'r' },
	{ "threads", required_argument, NULL, 't' },
	{ "log-level", required_argument, NULL, 'v' },
	{ "poll-timeout", required_argument, NULL, 'P' },
	{ "agent-timeout", required_argument, NULL, 'A' },
	{ "event-timeout", required_argument, NULL, 'E' },
	{ "s3-domain", required_argument, NULL, 'D' },
	{ "queue-deployments", no_argument, NULL, 'Q' },
	{ "time-scale", required_argument, NULL, 'T' },
	{ "function-environments", required_argument, NULL, 'F' },
	{ "function-idle", required_argument, NULL, 'I' },
	{ "sandbox", required_argument, NULL, 'S' },
	{ "load-balancer", required_argument, NULL, 'B' },
	{ "lb-scrape-interval", required_argument, NULL, 'K' },
	{ "deregistration-delay", required_argument, NULL, 'R' },
	{ "allow-traffic-timeout", required_argument, NULL, 'W' },
	{ "config", required_argument, NULL, 'C' },
	{ "list-operations", no_argument, NULL, 'L' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Adds --load-balancer NAME=SOCKET to cfg, replacing one of the same name. */
static int main__load_balancer(struct slipwayd_config *cfg, const char *arg)
{
	struct traffic_decl decl, other;
	struct err e = { 0 };
	int i;

	if (traffic_decl_parse(arg, &decl, &e)) {
		fprintf(stderr, "slipwayd: --load-balancer: %s\n", err_message(&e));
		return -1;
	}
	for (i = 0; i < cfg->nload_balancers; i++)
		if (traffic_decl_parse(cfg->load_balancers[i], &other, &e) == 0 &&
		    strcmp(other.name, decl.name) == 0)
			break;
	if (i == SLIPWAYD_LB_MAX) {
		fprintf(stderr, "slipwayd: --load-balancer: at most %d\n", SLIPWAYD_LB_MAX);
		return -1;
	}
	str_fmt(cfg->load_balancers[i], sizeof(cfg->load_balancers[i]), "%s=%s", decl.name,
		decl.socket);
	if (i == cfg->nload_balancers)
		cfg->nload_balancers++;
	return 0;
}

/* Applies one option (getopt's value c) with its argument: 0, or -1 after saying why on
 * stderr.  arg must outlive the daemon (argv, or the config file's kept lines). */
static int main__option(struct slipwayd *d, int c, const char *arg)
{
	struct err e = { 0 };
	int lvl;
	int64_t n;

	switch (c) {
	case 'd':
		d->cfg.data_dir = arg;
		break;
	case 's':
		d->cfg.store_url = arg;
		break;
	case 'l':
		if (parse_listen(&d->cfg, arg)) {
			fprintf(stderr, "slipwayd: --listen wants ADDR:PORT, not '%s'\n", arg);
			return -1;
		}
		break;
	case 'r':
		if (str_copy(d->cfg.region, sizeof(d->cfg.region), arg) || !arg[0]) {
			fprintf(stderr, "slipwayd: invalid --region '%s'\n", arg);
			return -1;
		}
		break;
	case 't':
		if (str_to_i64(arg, 1, 256, &n)) {
			fprintf(stderr, "slipwayd: --threads wants 1..256\n");
			return -1;
		}
		d->cfg.threads = (int)n;
		break;
	case 'v':
		lvl = log_level_parse(arg);
		if (lvl < 0) {
			fprintf(stderr, "slipwayd: unknown log level '%s'\n", arg);
			return -1;
		}
		log_set_level((enum log_level)lvl);
		break;
	case 'P':
	case 'A':
	case 'E':
		if (str_to_i64(arg, 1, 86400, &n)) {
			fprintf(stderr, "slipwayd: --%s wants 1..86400 seconds\n",
				c == 'P'   ? "poll-timeout"
				: c == 'A' ? "agent-timeout"
					   : "event-timeout");
			return -1;
		}
		*(c == 'P'   ? &d->cfg.poll_timeout_s
		  : c == 'A' ? &d->cfg.agent_timeout_s
			     : &d->cfg.event_timeout_s) = (int)n;
		break;
	case 'D':
		for (const char *p = arg; *p;) {
			size_t len = strcspn(p, ",");
			char name[SLIPWAYD_HOST_MAX];

			if (len && (str_copyn(name, sizeof(name), p, len) ||
				    slipwayd_s3_domain_add(&d->cfg, name, &e))) {
				fprintf(stderr, "slipwayd: --s3-domain: %s\n",
					e.code ? err_message(&e) : "name too long");
				return -1;
			}
			p += len + (p[len] == ',');
		}
		break;
	case 'Q':
		d->cfg.queue_deployments = true;
		break;
	case 'T': {
		char *end;
		double scale = strtod(arg, &end);

		if (*end || time_scale_set(scale)) {
			fprintf(stderr, "slipwayd: --time-scale wants 1..3600\n");
			return -1;
		}
		break;
	}
	case 'F':
	case 'I':
		if (str_to_i64(arg, 1, c == 'F' ? 4096 : 86400, &n)) {
			fprintf(stderr, "slipwayd: --%s wants 1..%d\n",
				c == 'F' ? "function-environments" : "function-idle",
				c == 'F' ? 4096 : 86400);
			return -1;
		}
		*(c == 'F' ? &d->cfg.function_envs_max : &d->cfg.function_idle_s) = (int)n;
		break;
	case 'S':
		if (strcmp(arg, "bwrap") != 0 && strcmp(arg, "none") != 0) {
			fprintf(stderr, "slipwayd: --sandbox wants none or bwrap\n");
			return -1;
		}
		d->cfg.sandbox_bwrap = strcmp(arg, "bwrap") == 0;
		break;
	case 'B':
		return main__load_balancer(&d->cfg, arg);
	case 'K': {
		char *end;
		double v = strtod(arg, &end);

		if (end == arg || *end || !(v >= 0.1 && v <= 3600)) {
			fprintf(stderr, "slipwayd: --lb-scrape-interval wants 0.1..3600 seconds\n");
			return -1;
		}
		d->cfg.lb_scrape_interval_s = v;
		break;
	}
	case 'R':
	case 'W':
		if (str_to_i64(arg, c == 'R' ? 0 : 1, c == 'R' ? 3600 : 86400, &n)) {
			fprintf(stderr, "slipwayd: --%s wants %s seconds\n",
				c == 'R' ? "deregistration-delay" : "allow-traffic-timeout",
				c == 'R' ? "0..3600" : "1..86400");
			return -1;
		}
		*(c == 'R' ? &d->cfg.deregistration_delay_s : &d->cfg.allow_traffic_timeout_s) =
		    (int)n;
		break;
	default:
		return -1;
	}
	return 0;
}

/* The lines of a config file, kept while the daemon runs (options point into them). */
struct main_kept {
	char **v;
	size_t n;
};

static void main__kept_free(struct main_kept *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
}

/* --config FILE: one `option value` per line, the long options without their dashes; `#`
 * comments and blank lines skipped.  0, or -1 after saying where and why on stderr. */
static int main__config_file(struct slipwayd *d, const char *path, struct main_kept *kept)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, r = 0;

	if (!fp) {
		fprintf(stderr, "slipwayd: --config %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (r == 0 && (len = getline(&line, &cap, fp)) >= 0) {
		char *p = line, *name, *value, **nv;
		const struct option *o;

		lineno++;
		while (len && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		name = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		value = p;
		for (o = main__opts; o->name; o++)
			if (strcmp(o->name, name) == 0)
				break;
		if (!o->name || o->val == 'C' || o->val == 'L' || o->val == 'V' || o->val == 'h') {
			fprintf(stderr,
				"slipwayd: %s:%d: '%s' is not an option a config file may set\n",
				path, lineno, name);
			r = -1;
			break;
		}
		if ((o->has_arg == required_argument) != (*value != '\0')) {
			fprintf(stderr, "slipwayd: %s:%d: '%s' %s\n", path, lineno, name,
				o->has_arg == required_argument ? "wants a value"
								: "takes no value");
			r = -1;
			break;
		}
		nv = realloc(kept->v, (kept->n + 1) * sizeof(*nv));
		if (!nv || !(nv[kept->n] = str_dup(value))) {
			if (nv)
				kept->v = nv;
			fprintf(stderr, "slipwayd: out of memory\n");
			r = -1;
			break;
		}
		kept->v = nv;
		if (main__option(d, o->val, kept->v[kept->n++]) < 0) {
			fprintf(stderr, "slipwayd: (in %s:%d)\n", path, lineno);
			r = -1;
		}
	}
	free(line);
	fclose(fp);
	return r;
}

int main(int argc, char **argv)
{
	struct slipwayd d = { .lock_fd = -1 };
	struct main_kept kept = { 0 };
	struct err e = { 0 };
	const char *config = NULL;
	sigset_t set;
	int c, sig;

	str_copy(d.cfg.listen_host, sizeof(d.cfg.listen_host), "127.0.0.1");
	d.cfg.listen_port = 8790;
	str_copy(d.cfg.region, sizeof(d.cfg.region), "us-east-1");
	d.cfg.threads = 16;
	d.cfg.function_envs_max = 64;
	d.cfg.function_idle_s = 300;
	d.cfg.lb_scrape_interval_s = 5;
	d.cfg.deregistration_delay_s = 300;
	d.cfg.allow_traffic_timeout_s = 300;
	/* the config file first, so that the command line overrides it */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:l:r:t:v:hV", main__opts, NULL)) != -1)
		if (c == 'C')
			config = optarg;
	opterr = 1;
	optind = 0;
	if (config && main__config_file(&d, config, &kept) < 0) {
		main__kept_free(&kept);
		return 2;
	}
	while ((c = getopt_long(argc, argv, "d:l:r:t:v:hV", main__opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			break;
		case 'L':
			router_list_ops(print_op, NULL);
			main__kept_free(&kept);
			return 0;
		case 'V':
			printf("slipwayd %s\n", SLIPWAY_VERSION);
			main__kept_free(&kept);
			return 0;
		case 'h':
			usage(stdout);
			main__kept_free(&kept);
			return 0;
		case '?':
			usage(stderr);
			main__kept_free(&kept);
			return 2;
		default:
			if (main__option(&d, c, optarg) < 0) {
				main__kept_free(&kept);
				return 2;
			}
		}
	}
	if (!d.cfg.data_dir || optind != argc) {
		usage(stderr);
		main__kept_free(&kept);
		return 2;
	}
	if (!d.cfg.ns3_domains)
		slipwayd_s3_domains_default(&d.cfg);
	/* Signals are taken synchronously by the main thread; workers never see them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (init_data_dir(&d, &e) || blob_open(&d.env.blob, d.data_dir, &e) ||
	    traffic_boot(&d, &e) || deployments_start(&d, &e) || lb_scraper_start(&d, &e) ||
	    functions_boot(&d, &e) || selfstats_start(&d, &e) || http_start(&d, &e)) {
		fprintf(stderr, "slipwayd: %s\n", err_message(&e));
		park_shutdown(d.env.park);
		http_stop(&d);
		functions_halt(&d);
		selfstats_stop(&d);
		traffic_scrape_stop(d.scrape);
		engine_stop(d.env.engine);
		traffic_free(d.env.traffic);
		park_free(d.env.park);
		blob_free(d.env.blob);
		init_release(&d);
		main__kept_free(&kept);
		return 1;
	}
	log_info("slipwayd", "listening on http://%s:%d (account %s, region %s, data %s)",
		 d.cfg.listen_host, d.port, d.env.account_id, d.cfg.region, d.data_dir);
	for (int i = 0; i < d.cfg.ns3_domains; i++)
		log_info("slipwayd", "s3: virtual-hosted buckets under '%s'", d.cfg.s3_domains[i]);
	if (d.cfg.queue_deployments)
		log_info("slipwayd",
			 "a deployment to a busy group is queued (--queue-deployments)");
	if (time_scale() != 1)
		log_warn("slipwayd",
			 "time runs %g times faster for CloudWatch and CodeDeploy "
			 "(--time-scale, for demos and tests)",
			 time_scale());
	/* First start's key generation and migrations leave freed heap behind: give it back so
	 * the idle daemon is small. */
	malloc_trim(0);
	printf("slipwayd: ready on http://%s:%d\n", d.cfg.listen_host, d.port);
	fflush(stdout);
	sigwait(&set, &sig);
	log_info("slipwayd", "stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	park_shutdown(d.env.park); /* answers the parked long polls before the HTTP daemon stops */
	http_stop(&d);
	functions_halt(&d); /* its environments, after the last invocation was answered */
	selfstats_stop(&d); /* its last flush, after the last request */
	traffic_scrape_stop(d.scrape); /* it wakes the engine: stopped first */
	engine_stop(d.env.engine);     /* before the store closes */
	traffic_free(d.env.traffic);   /* after the engine, its last user */
	park_free(d.env.park);
	blob_free(d.env.blob);
	init_release(&d);
	main__kept_free(&kept);
	log_info("slipwayd", "stopped");
	return 0;
}
