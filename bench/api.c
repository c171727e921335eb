/* bench/api: a load generator for slipwayd's API — SigV4-signed CodeDeploy JSON requests over
 * keep-alive connections, one thread per connection, reporting requests/s and latency
 * percentiles for reads (GetApplication) and durable writes (CreateApplication, unique names).
 * Each phase ends at a request count or a time limit, whichever comes first. */
#include "base/crypto.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_CONNS 1024
#define BENCH_APP	"bench-app"

struct bench_opts {
	char host[64];
	int port;
	char access_key[129];
	char secret[129];
	char region[33];
	int conns;
	double seconds;	 /* per phase, at most */
	long reads;	 /* GetApplication requests, at most */
	long writes;	 /* CreateApplication requests, at most */
	char prefix[64]; /* application names of the write phase start with this */
};

enum bench_kind { BENCH_GET, BENCH_CREATE };

struct bench_phase {
	const struct bench_opts *o;
	enum bench_kind kind;
	long total;	      /* requests to issue, at most */
	int64_t deadline_ns;  /* monotonic: no request starts after this */
	atomic_long next;     /* the next request index to claim */
	atomic_long done;     /* completed with 200 */
	atomic_long errors;   /* any other outcome */
	atomic_int stop;      /* a fatal error: every thread stops */
	uint32_t *latency_us; /* per request index; UINT32_MAX when not completed */
	pthread_barrier_t ready;
	int64_t start_ns, end_ns;
	pthread_mutex_t lock;
	char first_error[512];
};

static int64_t bench__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void bench__error(struct bench_phase *ph, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void bench__error(struct bench_phase *ph, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&ph->lock);
	if (!ph->first_error[0]) {
		va_start(ap, fmt);
		vsnprintf(ph->first_error, sizeof(ph->first_error), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&ph->lock);
}

static int bench__connect(const struct bench_opts *o)
{
	struct sockaddr_in sa = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)o->port);
	if (inet_pton(AF_INET, o->host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* A signer that keeps the day's signing key and re-signs only what changes per request. */
struct bench_signer {
	const struct bench_opts *o;
	char host[96];
	char date[9];
	uint8_t key[SHA256_LEN];
};

/* Appends one complete signed request for target with body to out. */
static int bench__request(struct bench_signer *s, const char *target, const char *body,
			  struct buf *out)
{
	struct sigv4_kv h[4];
	struct sigv4_request r = { 0 };
	struct sigv4_auth a = { 0 };
	uint8_t digest[SHA256_LEN];
	char amz_date[17], payload[65], sig[65];
	size_t blen = strlen(body);

	sigv4_format_amz_date(time(NULL), amz_date);
	if (memcmp(s->date, amz_date, 8) != 0) {
		memcpy(s->date, amz_date, 8);
		s->date[8] = '\0';
		sigv4_signing_key(s->o->secret, s->date, s->o->region, "codedeploy", s->key);
	}
	sha256(body, blen, digest);
	hex_encode(digest, SHA256_LEN, payload);
	h[0] = (struct sigv4_kv){ "Content-Type", "application/x-amz-json-1.1" };
	h[1] = (struct sigv4_kv){ "Host", s->host };
	h[2] = (struct sigv4_kv){ "X-Amz-Date", amz_date };
	h[3] = (struct sigv4_kv){ "X-Amz-Target", target };
	r.method = "POST";
	r.path = "/";
	r.headers = h;
	r.nheaders = 4;
	r.payload_hash = payload;
	str_copy(a.access_key, sizeof(a.access_key), s->o->access_key);
	str_copy(a.date, sizeof(a.date), s->date);
	str_copy(a.region, sizeof(a.region), s->o->region);
	str_copy(a.service, sizeof(a.service), "codedeploy");
	str_copy(a.amz_date, sizeof(a.amz_date), amz_date);
	str_copy(a.signed_headers, sizeof(a.signed_headers),
		 "content-type;host;x-amz-date;x-amz-target");
	if (sigv4_signature(&r, &a, s->key, sig, NULL, NULL))
		return -1;
	buf_reset(out);
	return buf_addf(
	    out,
	    "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.1\r\n"
	    "X-Amz-Date: %s\r\nX-Amz-Target: %s\r\nAuthorization: AWS4-HMAC-SHA256 "
	    "Credential=%s/%s/%s/codedeploy/aws4_request, SignedHeaders=%s, "
	    "Signature=%s\r\nContent-Length: %zu\r\n\r\n%s",
	    s->host, amz_date, target, s->o->access_key, s->date, s->o->region, a.signed_headers,
	    sig, blen, body);
}

static int bench__write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one HTTP/1.1 response into in (which may hold leftover bytes); returns the status and
 * leaves the body at *body (body_len bytes), or -1 when the connection failed. */
struct bench_conn {
	int fd;
	char in[65536];
	size_t have;  /* bytes in `in` */
	size_t taken; /* bytes of `in` that belong to the previous response */
};

static int bench__response(struct bench_conn *c, const char **body, size_t *body_len,
			   int *keep_alive)
{
	size_t head_end = 0, content_length = 0;
	int status = -1;

	if (c->taken) {
		memmove(c->in, c->in + c->taken, c->have - c->taken);
		c->have -= c->taken;
		c->taken = 0;
	}
	for (;;) {
		char *end = NULL;
		ssize_t n;

		if (c->have) {
			c->in[c->have < sizeof(c->in) ? c->have : sizeof(c->in) - 1] = '\0';
			end = memmem(c->in, c->have, "\r\n\r\n", 4);
		}
		if (end && !head_end) {
			const char *cl;

			head_end = (size_t)(end - c->in) + 4;
			if (sscanf(c->in, "HTTP/1.%*d %d", &status) != 1)
				return -1;
			cl = strcasestr(c->in, "\r\nContent-Length:");
			if (cl && cl < end)
				content_length = strtoul(cl + 17, NULL, 10);
			*keep_alive = !(strcasestr(c->in, "\r\nConnection: close") &&
					strcasestr(c->in, "\r\nConnection: close") < end);
			if (head_end + content_length > sizeof(c->in) - 1)
				return -1;
		}
		if (head_end && c->have >= head_end + content_length)
			break;
		if (c->have >= sizeof(c->in) - 1)
			return -1;
		n = recv(c->fd, c->in + c->have, sizeof(c->in) - 1 - c->have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->have += (size_t)n;
	}
	*body = c->in + head_end;
	*body_len = content_length;
	c->taken = head_end + content_length;
	return status;
}

static void *bench__worker(void *arg)
{
	struct bench_phase *ph = arg;
	const struct bench_opts *o = ph->o;
	struct bench_signer s = { .o = o };
	struct bench_conn *c = calloc(1, sizeof(*c));
	struct buf req = BUF_INIT(1 << 16);
	char body[256];

	snprintf(s.host, sizeof(s.host), "%s:%d", o->host, o->port);
	c->fd = bench__connect(o);
	if (c->fd < 0) {
		bench__error(ph, "cannot connect to %s:%d: %s", o->host, o->port, strerror(errno));
		atomic_store(&ph->stop, 1);
	}
	pthread_barrier_wait(&ph->ready);
	while (!atomic_load(&ph->stop)) {
		long i = atomic_fetch_add(&ph->next, 1);
		const char *target, *rbody;
		size_t rlen;
		int64_t t0, t1;
		int status, keep = 1;

		if (i >= ph->total || bench__now_ns() >= ph->deadline_ns)
			break;
		if (ph->kind == BENCH_GET) {
			target = "CodeDeploy_20141006.GetApplication";
			snprintf(body, sizeof(body), "{\"applicationName\": \"%s\"}", BENCH_APP);
		} else {
			target = "CodeDeploy_20141006.CreateApplication";
			snprintf(body, sizeof(body), "{\"applicationName\": \"%s-%ld\"}", o->prefix,
				 i);
		}
		if (c->fd < 0 && (c->fd = bench__connect(o)) < 0) {
			atomic_fetch_add(&ph->errors, 1);
			bench__error(ph, "cannot reconnect: %s", strerror(errno));
			atomic_store(&ph->stop, 1);
			break;
		}
		if (bench__request(&s, target, body, &req)) {
			atomic_fetch_add(&ph->errors, 1);
			continue;
		}
		t0 = bench__now_ns();
		status = bench__write_all(c->fd, req.p, req.len)
			     ? -1
			     : bench__response(c, &rbody, &rlen, &keep);
		t1 = bench__now_ns();
		if (status == 200) {
			int64_t us = (t1 - t0) / 1000;

			ph->latency_us[i] =
			    us > (int64_t)UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)us;
			atomic_fetch_add(&ph->done, 1);
		} else {
			atomic_fetch_add(&ph->errors, 1);
			if (status < 0)
				bench__error(ph, "connection failed during request %ld", i);
			else
				bench__error(ph, "HTTP %d: %.*s", status,
					     (int)(rlen > 300 ? 300 : rlen), rbody);
		}
		if (status < 0 || !keep) {
			close(c->fd);
			c->fd = -1;
			c->have = c->taken = 0;
		}
	}
	if (c->fd >= 0)
		close(c->fd);
	buf_release(&req);
	free(c);
	return NULL;
}

static int bench__cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Runs one phase and prints its line; returns the number of errors. */
static long bench__phase(const struct bench_opts *o, enum bench_kind kind, long total)
{
	struct bench_phase *ph = calloc(1, sizeof(*ph));
	pthread_t *threads = calloc((size_t)o->conns, sizeof(*threads));
	uint32_t *lat;
	long done, errors, n = 0;
	double secs;

	if (!ph || !threads)
		return 1;
	ph->o = o;
	ph->kind = kind;
	ph->total = total;
	ph->latency_us = malloc((size_t)total * sizeof(uint32_t));
	if (!ph->latency_us)
		return 1;
	memset(ph->latency_us, 0xff, (size_t)total * sizeof(uint32_t));
	pthread_mutex_init(&ph->lock, NULL);
	pthread_barrier_init(&ph->ready, NULL, (unsigned)o->conns + 1);
	for (int t = 0; t < o->conns; t++) {
		/* connect one at a time, as client pools do: a burst of connects is accepted by
		 * whichever server thread wakes first, which would skew the load onto a few */
		struct timespec pause = { 0, 2000000 };

		pthread_create(&threads[t], NULL, bench__worker, ph);
		nanosleep(&pause, NULL);
	}
	/* every connection is open before the clock starts (the barrier publishes the deadline) */
	ph->start_ns = bench__now_ns();
	ph->deadline_ns = ph->start_ns + (int64_t)(o->seconds * 1e9);
	pthread_barrier_wait(&ph->ready);
	for (int t = 0; t < o->conns; t++)
		pthread_join(threads[t], NULL);
	ph->end_ns = bench__now_ns();
	done = atomic_load(&ph->done);
	errors = atomic_load(&ph->errors);
	secs = (double)(ph->end_ns - ph->start_ns) / 1e9;
	lat = ph->latency_us;
	for (long i = 0; i < total; i++)
		if (lat[i] != UINT32_MAX)
			lat[n++] = lat[i];
	qsort(lat, (size_t)n, sizeof(*lat), bench__cmp_u32);
	printf("%-18s %9ld %7ld %8.2f %10.0f %9.2f %9.2f %9.2f\n",
	       kind == BENCH_GET ? "GetApplication" : "CreateApplication", done, errors, secs,
	       (double)done / secs, n ? lat[n / 2] / 1000.0 : 0.0,
	       n ? lat[(size_t)((double)n * 0.99)] / 1000.0 : 0.0, n ? lat[n - 1] / 1000.0 : 0.0);
	if (ph->first_error[0])
		printf("  first error: %s\n", ph->first_error);
	fflush(stdout);
	pthread_barrier_destroy(&ph->ready);
	pthread_mutex_destroy(&ph->lock);
	free(ph->latency_us);
	free(ph);
	free(threads);
	return errors;
}

/* One CreateApplication for the read phase's application (AlreadyExists is fine). */
static int bench__setup(const struct bench_opts *o)
{
	struct bench_signer s = { .o = o };
	struct bench_conn *c = calloc(1, sizeof(*c));
	struct buf req = BUF_INIT(1 << 16);
	const char *body;
	size_t len;
	int status = -1, keep;

	snprintf(s.host, sizeof(s.host), "%s:%d", o->host, o->port);
	c->fd = bench__connect(o);
	if (c->fd >= 0 &&
	    !bench__request(&s, "CodeDeploy_20141006.CreateApplication",
			    "{\"applicationName\": \"" BENCH_APP "\"}", &req) &&
	    !bench__write_all(c->fd, req.p, req.len))
		status = bench__response(c, &body, &len, &keep);
	if (status != 200 && !(status == 400 && memmem(body, len, "AlreadyExists", 13))) {
		fprintf(stderr, "bench: cannot create application '%s' (HTTP %d)\n", BENCH_APP,
			status);
		status = -1;
	}
	if (c->fd >= 0)
		close(c->fd);
	buf_release(&req);
	free(c);
	return status < 0 ? -1 : 0;
}

static void bench__usage(FILE *fp)
{
	fprintf(fp, "usage: api --endpoint HOST:PORT --access-key KEY --secret SECRET\n"
		    "           [--region us-east-1] [--connections 64] [--seconds 10]\n"
		    "           [--reads 200000] [--writes 40000]\n"
		    "Signs CodeDeploy requests with SigV4 and prints requests/s and latency for\n"
		    "GetApplication and CreateApplication (unique names). A phase ends after its\n"
		    "count or after --seconds, whichever comes first; 0 skips it.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "endpoint", required_argument, NULL, 'e' },
		{ "access-key", required_argument, NULL, 'a' },
		{ "secret", required_argument, NULL, 's' },
		{ "region", required_argument, NULL, 'r' },
		{ "connections", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 't' },
		{ "reads", required_argument, NULL, 'R' },
		{ "writes", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = {
		.port = 0, .conns = 64, .seconds = 10, .reads = 200000, .writes = 40000
	};
	int64_t v;
	long errors = 0;
	int c;

	str_copy(o.region, sizeof(o.region), "us-east-1");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		const char *colon;

		switch (c) {
		case 'e':
			colon = strrchr(optarg, ':');
			if (!colon ||
			    str_copyn(o.host, sizeof(o.host), optarg, (size_t)(colon - optarg)) ||
			    str_to_i64(colon + 1, 1, 65535, &v)) {
				fprintf(stderr, "bench: --endpoint wants HOST:PORT\n");
				return 2;
			}
			o.port = (int)v;
			break;
		case 'a':
			str_copy(o.access_key, sizeof(o.access_key), optarg);
			break;
		case 's':
			str_copy(o.secret, sizeof(o.secret), optarg);
			break;
		case 'r':
			str_copy(o.region, sizeof(o.region), optarg);
			break;
		case 'c':
			if (str_to_i64(optarg, 1, BENCH_MAX_CONNS, &v))
				return bench__usage(stderr), 2;
			o.conns = (int)v;
			break;
		case 't':
			if (str_to_i64(optarg, 1, 3600, &v))
				return bench__usage(stderr), 2;
			o.seconds = (double)v;
			break;
		case 'R':
		case 'W':
			if (str_to_i64(optarg, 0, 100000000, &v))
				return bench__usage(stderr), 2;
			*(c == 'R' ? &o.reads : &o.writes) = (long)v;
			break;
		case 'h':
			bench__usage(stdout);
			return 0;
		default:
			bench__usage(stderr);
			return 2;
		}
	}
	if (!o.port || !o.access_key[0] || !o.secret[0] || optind != argc) {
		bench__usage(stderr);
		return 2;
	}
	snprintf(o.prefix, sizeof(o.prefix), "bench-%ld-%d", (long)time(NULL), (int)getpid());
	if (bench__setup(&o))
		return 1;
	printf("%d connections, at most %.0f s per phase\n", o.conns, o.seconds);
	printf("%-18s %9s %7s %8s %10s %9s %9s %9s\n", "operation", "requests", "errors", "seconds",
	       "req/s", "p50 ms", "p99 ms", "max ms");
	if (o.reads)
		errors += bench__phase(&o, BENCH_GET, o.reads);
	if (o.writes)
		errors += bench__phase(&o, BENCH_CREATE, o.writes);
	return errors ? 1 : 0;
}
