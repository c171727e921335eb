/* bench/invoke: a load generator for Slipway's functions — warm RequestResponse Invoke calls
 * (SigV4 service `lambda`) over keep-alive connections at several client counts, plain HTTP
 * POSTs to a function URL, a baseline that starts a fresh process per invocation (hello-c's
 * bootstrap against a minimal Runtime API served here), and cold starts of freshly created
 * functions.  Prints invocations/s and p50/p99 latency; with --pid, slipwayd's VmRSS.
 * Every phase ends at a count or a time limit, whichever comes first. */
#include "base/crypto.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define INV_MAX_CLIENTS 256
#define INV_MAX_LEVELS	8
#define INV_CONN_BUF	(1 << 20) /* a response (head and body) larger than this is an error */
#define INV_MAX_ZIP	(50 << 20)
#define INV_IO_TIMEOUT	30000 /* ms: a peer silent this long fails the request */

struct inv_opts {
	char host[64];
	int port;
	char access_key[129];
	char secret[129];
	char region[33];
	char function[256];   /* warm: the function (NAME or NAME:QUALIFIER) */
	char url_path[512];   /* --url: the path of the function URL */
	char bootstrap[1024]; /* --fork-baseline: the bootstrap to spawn per invocation */
	char zip[1024];	      /* --cold: the package for the fresh functions */
	char role[256];
	char payload[1024];
	int levels[INV_MAX_LEVELS], nlevels;
	long count;	/* per phase, at most */
	double seconds; /* per phase, at most */
	int cold;	/* cold-start samples */
	int pid;	/* slipwayd, for VmRSS */
};

enum inv_kind { INV_WARM, INV_URL, INV_FORK, INV_DIRECT };

struct inv_phase {
	const struct inv_opts *o;
	enum inv_kind kind;
	int clients;
	long total;
	int64_t deadline_ns;
	atomic_long next, done, errors, func_errors;
	atomic_int stop;
	uint32_t *latency_us;
	pthread_barrier_t ready;
	pthread_mutex_t lock;
	char first_error[512];
};

struct inv_conn {
	int fd;
	char *in;
	size_t have, taken;
};

/* One parsed message (a response, or in the fork baseline a request): head [0, head_end),
 * body at head_end for content_length bytes. */
struct inv_msg {
	int status;
	size_t head_end, content_length;
	int keep_alive;
	int function_error; /* X-Amz-Function-Error present */
	const char *body;
};

static int64_t inv__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void inv__error(struct inv_phase *ph, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void inv__error(struct inv_phase *ph, const char *fmt, ...)
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

static void inv__print_rss(const struct inv_opts *o, const char *when)
{
	char path[64], line[256];
	FILE *fp;

	if (!o->pid)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", o->pid);
	fp = fopen(path, "r");
	if (!fp) {
		printf("slipwayd VmRSS %-34s (cannot read %s)\n", when, path);
		return;
	}
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, "VmRSS:", 6)) {
			long kb = strtol(line + 6, NULL, 10);

			printf("slipwayd VmRSS %-34s %8.1f MiB\n", when, (double)kb / 1024.0);
		}
	fclose(fp);
	fflush(stdout);
}

static int inv__connect(const char *host, int port)
{
	struct sockaddr_in sa = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int inv__write_all(int fd, const char *p, size_t n)
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

static const char *inv__header(const char *head, size_t head_len, const char *name)
{
	size_t nlen = strlen(name);

	for (const char *p = head; p && p + nlen + 3 < head + head_len;) {
		const char *eol = memchr(p, '\n', (size_t)(head + head_len - p));

		if (!eol)
			return NULL;
		p = eol + 1;
		if (p + nlen + 1 < head + head_len && !strncasecmp(p, name, nlen) &&
		    p[nlen] == ':') {
			p += nlen + 1;
			while (*p == ' ')
				p++;
			return p;
		}
	}
	return NULL;
}

/* Reads one HTTP/1.1 message (Content-Length framed) into c; -1 when the connection failed,
 * timed out, or the message is malformed or too large. */
static int inv__read(struct inv_conn *c, struct inv_msg *m, int is_request)
{
	memset(m, 0, sizeof(*m));
	if (c->taken) {
		memmove(c->in, c->in + c->taken, c->have - c->taken);
		c->have -= c->taken;
		c->taken = 0;
	}
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (!m->head_end && c->have >= 4) {
			char *end = memmem(c->in, c->have, "\r\n\r\n", 4);

			if (end) {
				const char *v;

				m->head_end = (size_t)(end - c->in) + 4;
				if (!is_request && sscanf(c->in, "HTTP/1.%*d %d", &m->status) != 1)
					return -1;
				v = inv__header(c->in, m->head_end, "Content-Length");
				if (v)
					m->content_length = strtoul(v, NULL, 10);
				else if (inv__header(c->in, m->head_end, "Transfer-Encoding"))
					return -1; /* chunked: not used by slipwayd's replies */
				v = inv__header(c->in, m->head_end, "Connection");
				m->keep_alive = !(v && !strncasecmp(v, "close", 5));
				m->function_error =
				    inv__header(c->in, m->head_end, "X-Amz-Function-Error") != NULL;
				if (m->head_end + m->content_length > INV_CONN_BUF)
					return -1;
			}
		}
		if (m->head_end && c->have >= m->head_end + m->content_length)
			break;
		if (c->have >= INV_CONN_BUF)
			return -1;
		if (poll(&pfd, 1, INV_IO_TIMEOUT) != 1)
			return -1;
		n = recv(c->fd, c->in + c->have, INV_CONN_BUF - c->have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->have += (size_t)n;
	}
	m->body = c->in + m->head_end;
	c->taken = m->head_end + m->content_length;
	return 0;
}

/* Builds a request into out; signed with SigV4 (service lambda) when s is given. */
struct inv_signer {
	const struct inv_opts *o;
	char hostport[96];
	char date[9];
	uint8_t key[SHA256_LEN];
};

static int inv__build(struct inv_signer *s, const char *method, const char *path, const char *body,
		      size_t blen, int sign, struct buf *out)
{
	struct sigv4_kv h[3];
	struct sigv4_request r = { 0 };
	struct sigv4_auth a = { 0 };
	uint8_t digest[SHA256_LEN];
	char amz_date[17], payload[65], sig[65];

	buf_reset(out);
	if (!sign)
		return buf_addf(out,
				"%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
				"Content-Length: %zu\r\n\r\n",
				method, path, s->hostport, blen) ||
		       buf_add(out, body, blen);
	sigv4_format_amz_date(time(NULL), amz_date);
	if (memcmp(s->date, amz_date, 8) != 0) {
		memcpy(s->date, amz_date, 8);
		s->date[8] = '\0';
		sigv4_signing_key(s->o->secret, s->date, s->o->region, "lambda", s->key);
	}
	sha256(body, blen, digest);
	hex_encode(digest, SHA256_LEN, payload);
	h[0] = (struct sigv4_kv){ "Content-Type", "application/json" };
	h[1] = (struct sigv4_kv){ "Host", s->hostport };
	h[2] = (struct sigv4_kv){ "X-Amz-Date", amz_date };
	r.method = method;
	r.path = path;
	r.headers = h;
	r.nheaders = 3;
	r.payload_hash = payload;
	str_copy(a.access_key, sizeof(a.access_key), s->o->access_key);
	str_copy(a.date, sizeof(a.date), s->date);
	str_copy(a.region, sizeof(a.region), s->o->region);
	str_copy(a.service, sizeof(a.service), "lambda");
	str_copy(a.amz_date, sizeof(a.amz_date), amz_date);
	str_copy(a.signed_headers, sizeof(a.signed_headers), "content-type;host;x-amz-date");
	if (sigv4_signature(&r, &a, s->key, sig, NULL, NULL))
		return -1;
	return buf_addf(out,
			"%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
			"X-Amz-Date: %s\r\nX-Amz-Content-Sha256: %s\r\n"
			"Authorization: AWS4-HMAC-SHA256 Credential=%s/%s/%s/lambda/aws4_request, "
			"SignedHeaders=%s, Signature=%s\r\nContent-Length: %zu\r\n\r\n",
			method, path, s->hostport, amz_date, payload, s->o->access_key, s->date,
			s->o->region, a.signed_headers, sig, blen) ||
	       buf_add(out, body, blen);
}

/* The Invoke path for a function name (':' of NAME:QUALIFIER percent-encoded, as botocore). */
static int inv__invoke_path(const char *function, char *out, size_t max)
{
	struct buf b = BUF_INIT(1024);
	int rc;

	rc = uri_encode(&b, function, strlen(function), false);
	rc = rc ? rc : str_fmt(out, max, "/2015-03-31/functions/%s/invocations", b.p);
	buf_release(&b);
	return rc;
}

static int inv__conn_open(struct inv_conn *c, const struct inv_opts *o)
{
	c->have = c->taken = 0;
	c->fd = inv__connect(o->host, o->port);
	return c->fd < 0 ? -1 : 0;
}

/* One request/response on c (reconnecting once when a kept-alive connection was closed). */
static int inv__roundtrip(struct inv_conn *c, const struct inv_opts *o, const struct buf *req,
			  struct inv_msg *m)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (c->fd < 0 && inv__conn_open(c, o))
			return -1;
		if (!inv__write_all(c->fd, req->p, req->len) && !inv__read(c, m, 0)) {
			if (!m->keep_alive) {
				close(c->fd);
				c->fd = -1;
			}
			return 0;
		}
		close(c->fd);
		c->fd = -1;
	}
	return -1;
}

/* ---- fork-per-invocation baseline -------------------------------------------------------- */

struct inv_spawner {
	int listen_fd;
	char api[64];
	char *envp[3];
	char env_api[96];
};

static int inv__spawner_init(struct inv_spawner *sp)
{
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);

	sp->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sp->listen_fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(sp->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(sp->listen_fd, 16) ||
	    getsockname(sp->listen_fd, (struct sockaddr *)&sa, &len)) {
		close(sp->listen_fd);
		return -1;
	}
	snprintf(sp->api, sizeof(sp->api), "127.0.0.1:%d", ntohs(sa.sin_port));
	snprintf(sp->env_api, sizeof(sp->env_api), "AWS_LAMBDA_RUNTIME_API=%s", sp->api);
	sp->envp[0] = sp->env_api;
	sp->envp[1] = "PATH=/usr/bin:/bin";
	sp->envp[2] = NULL;
	return 0;
}

/* Spawns the bootstrap and accepts its connection into c; -1 (with err) when it did not come. */
static int inv__spawn(struct inv_spawner *sp, const struct inv_opts *o, struct inv_conn *c,
		      pid_t *pid, char *err, size_t errmax)
{
	char *argv[] = { (char *)o->bootstrap, NULL };
	struct pollfd pfd = { .fd = sp->listen_fd, .events = POLLIN };
	int rc = posix_spawn(pid, o->bootstrap, NULL, NULL, argv, sp->envp);

	c->have = c->taken = 0;
	c->fd = -1;
	if (rc) {
		*pid = -1;
		snprintf(err, errmax, "cannot spawn '%.200s': %s", o->bootstrap, strerror(rc));
		return -1;
	}
	if (poll(&pfd, 1, INV_IO_TIMEOUT) != 1 ||
	    (c->fd = accept4(sp->listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		snprintf(err, errmax, "the bootstrap did not connect");
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return 0;
}

static void inv__reap(pid_t pid, struct inv_conn *c)
{
	int status;

	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Serves one event over c as a Runtime API would: answers invocation/next, takes the response
 * (*t_resp_ns is when it arrived), answers 202. */
static int inv__serve_one(struct inv_conn *c, const struct inv_opts *o, long i, int64_t *t_resp_ns,
			  char *err, size_t errmax)
{
	struct inv_msg m;
	char head[512 + 1024]; /* the head and the payload (at most 1023 bytes), one write */
	size_t plen = strlen(o->payload);
	int n;

	if (inv__read(c, &m, 1) || strncmp(c->in, "GET ", 4)) {
		snprintf(err, errmax, "no invocation/next from the bootstrap");
		return -1;
	}
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: bench-%ld\r\n"
		     "Lambda-Runtime-Deadline-Ms: %lld\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\n\r\n%s",
		     i, (long long)time(NULL) * 1000 + 3000, plen, o->payload);
	if (n < 0 || (size_t)n >= sizeof(head) || inv__write_all(c->fd, head, (size_t)n) ||
	    inv__read(c, &m, 1) || strncmp(c->in, "POST ", 5)) {
		snprintf(err, errmax, "no response from the bootstrap");
		return -1;
	}
	*t_resp_ns = inv__now_ns();
	n = snprintf(head, sizeof(head), "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
	return inv__write_all(c->fd, head, (size_t)n) ? -1 : 0;
}

/* The baseline: a fresh process per invocation (spawn, one event, SIGKILL, wait). */
static int inv__fork_one(struct inv_spawner *sp, const struct inv_opts *o, long i,
			 struct inv_conn *c, int64_t *t_resp_ns, char *err, size_t errmax)
{
	pid_t pid;
	int rc = inv__spawn(sp, o, c, &pid, err, errmax);

	if (!rc)
		rc = inv__serve_one(c, o, i, t_resp_ns, err, errmax);
	inv__reap(pid, c);
	return rc;
}

/* ---- phases ------------------------------------------------------------------------------ */

static void *inv__worker(void *arg)
{
	struct inv_phase *ph = arg;
	const struct inv_opts *o = ph->o;
	struct inv_signer s = { .o = o };
	struct inv_conn c = { .fd = -1 };
	struct inv_spawner sp = { .listen_fd = -1 };
	struct buf req = BUF_INIT(1 << 20);
	char path[600];
	pid_t child = -1; /* INV_DIRECT: the one bootstrap of this client */
	int ready = 0;

	snprintf(s.hostport, sizeof(s.hostport), "%s:%d", o->host, o->port);
	c.in = malloc(INV_CONN_BUF);
	if (!c.in) {
		inv__error(ph, "out of memory");
	} else if (ph->kind == INV_FORK || ph->kind == INV_DIRECT) {
		char err[256];

		ready = !inv__spawner_init(&sp);
		if (!ready)
			inv__error(ph, "cannot listen on loopback: %s", strerror(errno));
		else if (ph->kind == INV_DIRECT &&
			 inv__spawn(&sp, o, &c, &child, err, sizeof(err))) {
			inv__error(ph, "%s", err);
			ready = 0;
		}
	} else if (inv__conn_open(&c, o)) {
		inv__error(ph, "cannot connect to %s:%d: %s", o->host, o->port, strerror(errno));
	} else if (ph->kind == INV_WARM ? inv__invoke_path(o->function, path, sizeof(path))
					: str_copy(path, sizeof(path), o->url_path)) {
		inv__error(ph, "function name or URL path too long");
	} else if (inv__build(&s, "POST", path, o->payload, strlen(o->payload),
			      ph->kind == INV_WARM, &req)) {
		inv__error(ph, "cannot build the request");
	} else {
		ready = 1;
	}
	if (!ready)
		atomic_store(&ph->stop, 1);
	pthread_barrier_wait(&ph->ready);
	while (!atomic_load(&ph->stop)) {
		long i = atomic_fetch_add(&ph->next, 1);
		int64_t t0, t1;
		struct inv_msg m;
		char err[256] = "";
		int ok;

		if (i >= ph->total || inv__now_ns() >= ph->deadline_ns)
			break;
		t0 = inv__now_ns();
		if (ph->kind == INV_FORK) {
			ok = !inv__fork_one(&sp, o, i, &c, &t1, err, sizeof(err));
		} else if (ph->kind == INV_DIRECT) {
			ok = !inv__serve_one(&c, o, i, &t1, err, sizeof(err));
		} else {
			/* one signed request serves the phase: X-Amz-Date is checked against a
			 * 15-minute skew and a phase lasts at most --seconds (≤ 1 h: re-signed
			 * per phase), so the client's signing cost stays out of the figures */
			ok = !inv__roundtrip(&c, o, &req, &m);
			t1 = inv__now_ns();
			if (!ok)
				snprintf(err, sizeof(err), "connection failed during request %ld",
					 i);
			else if (m.status != 200) {
				snprintf(err, sizeof(err), "HTTP %d: %.*s", m.status,
					 (int)(m.content_length > 200 ? 200 : m.content_length),
					 m.body);
				ok = 0;
			} else if (m.function_error) {
				atomic_fetch_add(&ph->func_errors, 1);
				snprintf(err, sizeof(err), "function error: %.*s",
					 (int)(m.content_length > 200 ? 200 : m.content_length),
					 m.body);
				ok = 0;
			}
		}
		if (ok) {
			int64_t us = (t1 - t0) / 1000;

			ph->latency_us[i] =
			    us > (int64_t)UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)us;
			atomic_fetch_add(&ph->done, 1);
		} else {
			atomic_fetch_add(&ph->errors, 1);
			inv__error(ph, "%s", err);
			if (ph->kind == INV_FORK || ph->kind == INV_DIRECT || c.fd < 0) {
				atomic_store(&ph->stop, 1);
			}
		}
	}
	if (ph->kind == INV_DIRECT)
		inv__reap(child, &c);
	if (c.fd >= 0)
		close(c.fd);
	if (sp.listen_fd >= 0)
		close(sp.listen_fd);
	buf_release(&req);
	free(c.in);
	return NULL;
}

static int inv__cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static long inv__phase(const struct inv_opts *o, enum inv_kind kind, int clients)
{
	static const char *names[] = { "warm Invoke", "function URL", "fork per invoke",
				       "bootstrap direct" };
	struct inv_phase *ph = calloc(1, sizeof(*ph));
	pthread_t *threads = calloc((size_t)clients, sizeof(*threads));
	int64_t start, end;
	uint32_t *lat;
	long done, errors, n = 0;
	double secs;

	if (!ph || !threads || !(ph->latency_us = malloc((size_t)o->count * sizeof(uint32_t)))) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	ph->o = o;
	ph->kind = kind;
	ph->clients = clients;
	ph->total = o->count;
	memset(ph->latency_us, 0xff, (size_t)o->count * sizeof(uint32_t));
	pthread_mutex_init(&ph->lock, NULL);
	pthread_barrier_init(&ph->ready, NULL, (unsigned)clients + 1);
	for (int t = 0; t < clients; t++) {
		struct timespec pause = { 0, 2000000 };

		pthread_create(&threads[t], NULL, inv__worker, ph);
		nanosleep(&pause, NULL);
	}
	start = inv__now_ns();
	ph->deadline_ns = start + (int64_t)(o->seconds * 1e9);
	pthread_barrier_wait(&ph->ready);
	for (int t = 0; t < clients; t++)
		pthread_join(threads[t], NULL);
	end = inv__now_ns();
	done = atomic_load(&ph->done);
	errors = atomic_load(&ph->errors);
	secs = (double)(end - start) / 1e9;
	lat = ph->latency_us;
	for (long i = 0; i < o->count; i++)
		if (lat[i] != UINT32_MAX)
			lat[n++] = lat[i];
	qsort(lat, (size_t)n, sizeof(*lat), inv__cmp_u32);
	printf("%-16s %7d %9ld %7ld %8.2f %10.0f %9.3f %9.3f %9.3f\n", names[kind], clients, done,
	       errors, secs, (double)done / secs, n ? lat[n / 2] / 1000.0 : 0.0,
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

/* ---- cold start -------------------------------------------------------------------------- */

static char *inv__read_zip_b64(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	uint8_t *raw;
	char *b64 = NULL;

	if (!fp)
		return NULL;
	if (fstat(fileno(fp), &st) == 0 && st.st_size > 0 && st.st_size <= INV_MAX_ZIP &&
	    (raw = malloc((size_t)st.st_size))) {
		if (fread(raw, 1, (size_t)st.st_size, fp) == (size_t)st.st_size &&
		    (b64 = malloc(4 * (((size_t)st.st_size + 2) / 3) + 1)))
			base64_encode(raw, (size_t)st.st_size, b64);
		free(raw);
	}
	fclose(fp);
	return b64;
}

static int inv__call(struct inv_conn *c, struct inv_signer *s, const char *method, const char *path,
		     const char *body, struct inv_msg *m, struct buf *req)
{
	if (inv__build(s, method, path, body, strlen(body), 1, req))
		return -1;
	return inv__roundtrip(c, s->o, req, m);
}

static long inv__cold(const struct inv_opts *o)
{
	struct inv_signer s = { .o = o };
	struct inv_conn c = { .fd = -1 };
	struct buf req = BUF_INIT(INV_MAX_ZIP * 2);
	struct buf body = BUF_INIT(INV_MAX_ZIP * 2);
	char *zip = inv__read_zip_b64(o->zip);
	long errors = 0;

	snprintf(s.hostport, sizeof(s.hostport), "%s:%d", o->host, o->port);
	c.in = malloc(INV_CONN_BUF);
	if (!zip || !c.in) {
		fprintf(stderr, "bench: cannot read the package '%s' (at most %d MB)\n", o->zip,
			INV_MAX_ZIP >> 20);
		free(zip);
		free(c.in);
		return 1;
	}
	printf("%-10s %12s %14s %14s %s\n", "cold", "create ms", "first inv ms", "second inv ms",
	       "function");
	for (int k = 0; k < o->cold; k++) {
		char name[64], path[600];
		struct inv_msg m;
		int64_t t0, t1, t2, t3;
		double create_ms, cold_ms, warm_ms = -1;

		snprintf(name, sizeof(name), "bench-cold-%d-%ld-%d", (int)getpid(),
			 (long)time(NULL), k);
		buf_reset(&body);
		if (buf_addf(
			&body,
			"{\"FunctionName\":\"%s\",\"Runtime\":\"provided.al2023\","
			"\"Handler\":\"bootstrap\",\"Role\":\"%s\",\"Code\":{\"ZipFile\":\"%s\"}}",
			name, o->role, zip)) {
			fprintf(stderr, "bench: package too large\n");
			errors++;
			break;
		}
		t0 = inv__now_ns();
		if (inv__call(&c, &s, "POST", "/2015-03-31/functions", body.p, &m, &req) ||
		    m.status != 201) {
			printf("  CreateFunction failed: HTTP %d %.*s\n", c.fd < 0 ? -1 : m.status,
			       (int)(m.content_length > 300 ? 300 : m.content_length),
			       m.body ? m.body : "");
			errors++;
			break;
		}
		t1 = inv__now_ns();
		inv__invoke_path(name, path, sizeof(path));
		if (inv__call(&c, &s, "POST", path, o->payload, &m, &req) || m.status != 200 ||
		    m.function_error) {
			printf("  first Invoke failed: HTTP %d %.*s\n", m.status,
			       (int)(m.content_length > 300 ? 300 : m.content_length),
			       m.body ? m.body : "");
			errors++;
		}
		t2 = inv__now_ns();
		if (!inv__call(&c, &s, "POST", path, o->payload, &m, &req) && m.status == 200) {
			t3 = inv__now_ns();
			warm_ms = (double)(t3 - t2) / 1e6;
		}
		create_ms = (double)(t1 - t0) / 1e6;
		cold_ms = (double)(t2 - t1) / 1e6;
		printf("%-10d %12.2f %14.3f %14.3f %s\n", k + 1, create_ms, cold_ms, warm_ms, name);
		snprintf(path, sizeof(path), "/2015-03-31/functions/%s", name);
		if (inv__call(&c, &s, "DELETE", path, "", &m, &req) ||
		    (m.status != 204 && m.status != 200))
			printf("  DeleteFunction %s: HTTP %d\n", name, m.status);
	}
	fflush(stdout);
	if (c.fd >= 0)
		close(c.fd);
	free(c.in);
	free(zip);
	buf_release(&req);
	buf_release(&body);
	return errors;
}

/* ---- arguments --------------------------------------------------------------------------- */

static void inv__usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: invoke [--endpoint HOST:PORT] [--access-key KEY] [--secret SECRET]\n"
	    "              [--region us-east-1] [--clients 1,16] [--count 20000] [--seconds 10]\n"
	    "              [--payload JSON] [--pid SLIPWAYD_PID]\n"
	    "              [--function NAME[:QUALIFIER]]   warm RequestResponse Invoke\n"
	    "              [--url http://HOST:PORT/lambda-url/ID/]   POSTs to a function URL\n"
	    "              [--fork-baseline BOOTSTRAP]   a fresh process per invocation\n"
	    "              [--cold N --zip PACKAGE.zip [--role ARN]]   cold starts\n"
	    "Endpoint and keys default to $SLIPWAY_ENDPOINT, $AWS_ACCESS_KEY_ID and\n"
	    "$AWS_SECRET_ACCESS_KEY.  Each phase runs at every --clients level and ends after\n"
	    "--count invocations or --seconds, whichever comes first.\n");
}

static int inv__endpoint(const char *s, char *host, size_t hmax, int *port)
{
	const char *colon = strrchr(s, ':');
	int64_t v;

	if (!strncmp(s, "http://", 7))
		s += 7;
	colon = strrchr(s, ':');
	if (!colon || str_copyn(host, hmax, s, (size_t)(colon - s)))
		return -1;
	{
		char portbuf[8];
		size_t plen = strcspn(colon + 1, "/");

		if (str_copyn(portbuf, sizeof(portbuf), colon + 1, plen) ||
		    str_to_i64(portbuf, 1, 65535, &v))
			return -1;
	}
	*port = (int)v;
	return 0;
}

static int inv__levels(const char *s, struct inv_opts *o)
{
	char copy[128], *p = copy;

	if (str_copy(copy, sizeof(copy), s))
		return -1;
	o->nlevels = 0;
	while (*p) {
		char *comma = strchr(p, ',');
		int64_t v;

		if (comma)
			*comma = '\0';
		if (o->nlevels == INV_MAX_LEVELS || str_to_i64(p, 1, INV_MAX_CLIENTS, &v))
			return -1;
		o->levels[o->nlevels++] = (int)v;
		if (!comma)
			break;
		p = comma + 1;
	}
	return o->nlevels ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "endpoint", required_argument, NULL, 'e' },
		{ "access-key", required_argument, NULL, 'a' },
		{ "secret", required_argument, NULL, 's' },
		{ "region", required_argument, NULL, 'r' },
		{ "function", required_argument, NULL, 'f' },
		{ "url", required_argument, NULL, 'u' },
		{ "fork-baseline", required_argument, NULL, 'b' },
		{ "cold", required_argument, NULL, 'C' },
		{ "zip", required_argument, NULL, 'z' },
		{ "role", required_argument, NULL, 'R' },
		{ "clients", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "payload", required_argument, NULL, 'p' },
		{ "pid", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct inv_opts o = { .count = 20000, .seconds = 10, .nlevels = 2, .levels = { 1, 16 } };
	const char *env;
	int64_t v;
	long errors = 0;
	int c, need_server;

	str_copy(o.region, sizeof(o.region), "us-east-1");
	str_copy(o.payload, sizeof(o.payload), "{\"hello\":\"bench\"}");
	str_copy(o.role, sizeof(o.role), "arn:aws:iam::000000000000:role/bench");
	if ((env = getenv("SLIPWAY_ENDPOINT")) &&
	    inv__endpoint(env, o.host, sizeof(o.host), &o.port))
		o.port = 0;
	if ((env = getenv("AWS_ACCESS_KEY_ID")))
		str_copy(o.access_key, sizeof(o.access_key), env);
	if ((env = getenv("AWS_SECRET_ACCESS_KEY")))
		str_copy(o.secret, sizeof(o.secret), env);
	if ((env = getenv("AWS_DEFAULT_REGION")))
		str_copy(o.region, sizeof(o.region), env);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'e':
			bad = inv__endpoint(optarg, o.host, sizeof(o.host), &o.port);
			break;
		case 'a':
			bad = str_copy(o.access_key, sizeof(o.access_key), optarg);
			break;
		case 's':
			bad = str_copy(o.secret, sizeof(o.secret), optarg);
			break;
		case 'r':
			bad = str_copy(o.region, sizeof(o.region), optarg);
			break;
		case 'f':
			bad = !optarg[0] || str_copy(o.function, sizeof(o.function), optarg);
			break;
		case 'u': {
			/* http://HOST:PORT/PATH: the host and port become the endpoint */
			const char *p = optarg + (strncmp(optarg, "http://", 7) ? 0 : 7);
			const char *slash = strchr(p, '/');

			bad = strncmp(optarg, "http://", 7) || !slash ||
			      inv__endpoint(optarg, o.host, sizeof(o.host), &o.port) ||
			      str_copy(o.url_path, sizeof(o.url_path), slash);
			break;
		}
		case 'b':
			bad = str_copy(o.bootstrap, sizeof(o.bootstrap), optarg) ||
			      access(o.bootstrap, X_OK);
			if (bad)
				fprintf(stderr, "bench: '%s' is not an executable\n", optarg);
			break;
		case 'C':
			bad = str_to_i64(optarg, 1, 1000, &v);
			o.cold = (int)v;
			break;
		case 'z':
			bad = str_copy(o.zip, sizeof(o.zip), optarg);
			break;
		case 'R':
			bad = str_copy(o.role, sizeof(o.role), optarg);
			break;
		case 'c':
			bad = inv__levels(optarg, &o);
			break;
		case 'n':
			bad = str_to_i64(optarg, 1, 100000000, &v);
			o.count = (long)v;
			break;
		case 't':
			bad = str_to_i64(optarg, 1, 3600, &v);
			o.seconds = (double)v;
			break;
		case 'p':
			bad = str_copy(o.payload, sizeof(o.payload), optarg);
			break;
		case 'P':
			bad = str_to_i64(optarg, 1, 1 << 30, &v);
			o.pid = (int)v;
			break;
		case 'h':
			inv__usage(stdout);
			return 0;
		default:
			bad = 1;
		}
		if (bad) {
			fprintf(stderr, "bench: bad argument '%s'\n", argv[optind - 1]);
			inv__usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (!o.function[0] && !o.url_path[0] && !o.bootstrap[0] && !o.cold)) {
		inv__usage(stderr);
		return 2;
	}
	need_server = o.function[0] || o.cold;
	if (need_server && (!o.port || !o.access_key[0] || !o.secret[0])) {
		fprintf(stderr, "bench: --function and --cold need --endpoint, --access-key and "
				"--secret (or SLIPWAY_ENDPOINT and AWS_* variables)\n");
		return 2;
	}
	if (o.cold && !o.zip[0]) {
		fprintf(stderr, "bench: --cold needs --zip PACKAGE.zip\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	printf("at most %ld invocations or %.0f s per phase; payload %zu bytes\n", o.count,
	       o.seconds, strlen(o.payload));
	inv__print_rss(&o, "before");
	printf("%-16s %7s %9s %7s %8s %10s %9s %9s %9s\n", "phase", "clients", "invokes", "errors",
	       "seconds", "invokes/s", "p50 ms", "p99 ms", "max ms");
	for (int l = 0; o.function[0] && l < o.nlevels; l++) {
		char when[64];

		errors += inv__phase(&o, INV_WARM, o.levels[l]);
		snprintf(when, sizeof(when), "after warm, %d clients", o.levels[l]);
		inv__print_rss(&o, when);
	}
	for (int l = 0; o.url_path[0] && l < o.nlevels; l++)
		errors += inv__phase(&o, INV_URL, o.levels[l]);
	for (int l = 0; o.bootstrap[0] && l < o.nlevels; l++)
		errors += inv__phase(&o, INV_FORK, o.levels[l]);
	/* the same bootstrap kept warm, one process per client, with no slipwayd in between:
	 * the ceiling a warm pool can approach */
	for (int l = 0; o.bootstrap[0] && l < o.nlevels; l++)
		errors += inv__phase(&o, INV_DIRECT, o.levels[l]);
	if (o.cold)
		errors += inv__cold(&o);
	inv__print_rss(&o, "at the end");
	return errors ? 1 : 0;
}
