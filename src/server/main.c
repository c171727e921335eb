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
		"after S seconds; --sandbox bwrap runs each in bubblewrap (docs/functions.md).\n");
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
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
		{ "list-operations", no_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct slipwayd d = { .lock_fd = -1 };
	struct err e = { 0 };
	sigset_t set;
	int c, sig, lvl;
	int64_t n;

	str_copy(d.cfg.listen_host, sizeof(d.cfg.listen_host), "127.0.0.1");
	d.cfg.listen_port = 8790;
	str_copy(d.cfg.region, sizeof(d.cfg.region), "us-east-1");
	d.cfg.threads = 16;
	d.cfg.function_envs_max = 64;
	d.cfg.function_idle_s = 300;
	while ((c = getopt_long(argc, argv, "d:l:r:t:v:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			d.cfg.data_dir = optarg;
			break;
		case 's':
			d.cfg.store_url = optarg;
			break;
		case 'l':
			if (parse_listen(&d.cfg, optarg)) {
				fprintf(stderr, "slipwayd: --listen wants ADDR:PORT, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			if (str_copy(d.cfg.region, sizeof(d.cfg.region), optarg) || !optarg[0]) {
				fprintf(stderr, "slipwayd: invalid --region '%s'\n", optarg);
				return 2;
			}
			break;
		case 't':
			if (str_to_i64(optarg, 1, 256, &n)) {
				fprintf(stderr, "slipwayd: --threads wants 1..256\n");
				return 2;
			}
			d.cfg.threads = (int)n;
			break;
		case 'v':
			lvl = log_level_parse(optarg);
			if (lvl < 0) {
				fprintf(stderr, "slipwayd: unknown log level '%s'\n", optarg);
				return 2;
			}
			log_set_level((enum log_level)lvl);
			break;
		case 'P':
		case 'A':
		case 'E':
			if (str_to_i64(optarg, 1, 86400, &n)) {
				fprintf(stderr, "slipwayd: --%s wants 1..86400 seconds\n",
					c == 'P'   ? "poll-timeout"
					: c == 'A' ? "agent-timeout"
						   : "event-timeout");
				return 2;
			}
			*(c == 'P'   ? &d.cfg.poll_timeout_s
			  : c == 'A' ? &d.cfg.agent_timeout_s
				     : &d.cfg.event_timeout_s) = (int)n;
			break;
		case 'D':
			for (const char *p = optarg; *p;) {
				size_t len = strcspn(p, ",");
				char name[SLIPWAYD_HOST_MAX];

				if (len && (str_copyn(name, sizeof(name), p, len) ||
					    slipwayd_s3_domain_add(&d.cfg, name, &e))) {
					fprintf(stderr, "slipwayd: --s3-domain: %s\n",
						e.code ? err_message(&e) : "name too long");
					return 2;
				}
				p += len + (p[len] == ',');
			}
			break;
		case 'Q':
			d.cfg.queue_deployments = true;
			break;
		case 'T': {
			char *end;
			double scale = strtod(optarg, &end);

			if (*end || time_scale_set(scale)) {
				fprintf(stderr, "slipwayd: --time-scale wants 1..3600\n");
				return 2;
			}
			break;
		}
		case 'F':
		case 'I':
			if (str_to_i64(optarg, 1, c == 'F' ? 4096 : 86400, &n)) {
				fprintf(stderr, "slipwayd: --%s wants 1..%d\n",
					c == 'F' ? "function-environments" : "function-idle",
					c == 'F' ? 4096 : 86400);
				return 2;
			}
			*(c == 'F' ? &d.cfg.function_envs_max : &d.cfg.function_idle_s) = (int)n;
			break;
		case 'S':
			if (strcmp(optarg, "bwrap") != 0 && strcmp(optarg, "none") != 0) {
				fprintf(stderr, "slipwayd: --sandbox wants none or bwrap\n");
				return 2;
			}
			d.cfg.sandbox_bwrap = strcmp(optarg, "bwrap") == 0;
			break;
		case 'L':
			router_list_ops(print_op, NULL);
			return 0;
		case 'V':
			printf("slipwayd %s\n", SLIPWAY_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!d.cfg.data_dir || optind != argc) {
		usage(stderr);
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
	    deployments_start(&d, &e) || functions_boot(&d, &e) || selfstats_start(&d, &e) ||
	    http_start(&d, &e)) {
		fprintf(stderr, "slipwayd: %s\n", err_message(&e));
		park_shutdown(d.env.park);
		http_stop(&d);
		functions_halt(&d);
		selfstats_stop(&d);
		engine_stop(d.env.engine);
		park_free(d.env.park);
		blob_free(d.env.blob);
		init_release(&d);
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
	functions_halt(&d);	   /* its environments, after the last invocation was answered */
	selfstats_stop(&d);	   /* its last flush, after the last request */
	engine_stop(d.env.engine); /* before the store closes */
	park_free(d.env.park);
	blob_free(d.env.blob);
	init_release(&d);
	log_info("slipwayd", "stopped");
	return 0;
}
