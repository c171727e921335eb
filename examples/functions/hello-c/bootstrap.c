/* hello-c: a Lambda custom runtime (`bootstrap`) in plain C over POSIX sockets — one keep-alive
 * HTTP/1.1 connection to $AWS_LAMBDA_RUNTIME_API, each event's payload echoed back as the
 * response ({"ok":true,...} for an empty event).  Slipway's invoke benchmark runs it, so a
 * round trip is two writes and as few reads as the kernel hands us. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define HELLO_MAX_HEAD	(64 * 1024)
#define HELLO_MAX_EVENT (7 * 1024 * 1024) /* above Lambda's 6 MB request limit */
#define HELLO_API	"/2018-06-01/runtime"

struct hello_conn {
	char host[256];
	char port[16];
	int fd;
	char *in; /* received bytes: a head, a body, and whatever follows them */
	size_t cap, have, taken;
};

static void hello_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void hello_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("hello-c: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static int hello_connect(struct hello_conn *c)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int one = 1, rc;

	rc = getaddrinfo(c->host, c->port, &hints, &res);
	if (rc)
		hello_die("cannot resolve '%s': %s", c->host, gai_strerror(rc));
	c->fd = -1;
	for (ai = res; ai && c->fd < 0; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (c->fd >= 0 && connect(c->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(c->fd);
			c->fd = -1;
		}
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->have = c->taken = 0;
	return 0;
}

static int hello_writev(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Finds header name (with its ": ") in the head [p, end); copies its value into out. */
static int hello_header(const char *p, const char *end, const char *name, char *out, size_t max)
{
	size_t nlen = strlen(name);

	for (const char *line = p; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));

		if (!eol)
			break;
		if ((size_t)(eol - line) > nlen && !strncasecmp(line, name, nlen) &&
		    line[nlen] == ':') {
			const char *v = line + nlen + 1;
			size_t len;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			len = (size_t)(eol - v);
			if (len && v[len - 1] == '\r')
				len--;
			if (len >= max)
				return -1;
			memcpy(out, v, len);
			out[len] = '\0';
			return 0;
		}
		line = eol + 1;
	}
	return -1;
}

/* Reads one response; on success *status, the body at c->in + *body_off (*body_len bytes), and
 * the request id header (when asked for) are set.  Returns -1 when the connection broke. */
static int hello_read(struct hello_conn *c, int *status, size_t *body_off, size_t *body_len,
		      char *request_id, size_t id_max, int *keep_alive)
{
	size_t head_end = 0, need = 0;

	if (c->taken) {
		memmove(c->in, c->in + c->taken, c->have - c->taken);
		c->have -= c->taken;
		c->taken = 0;
	}
	for (;;) {
		ssize_t n;

		if (!head_end && c->have >= 4) {
			char *end = memmem(c->in, c->have, "\r\n\r\n", 4);
			char val[64];

			if (end) {
				head_end = (size_t)(end - c->in) + 4;
				if (sscanf(c->in, "HTTP/1.%*d %d", status) != 1)
					hello_die("malformed response from the Runtime API");
				if (hello_header(c->in, end + 2, "Content-Length", val,
						 sizeof(val)) == 0) {
					char *e2;
					unsigned long v = strtoul(val, &e2, 10);

					if (*e2 || v > HELLO_MAX_EVENT)
						hello_die("bad or too large Content-Length '%s'",
							  val);
					need = (size_t)v;
				} else if (hello_header(c->in, end + 2, "Transfer-Encoding", val,
							sizeof(val)) == 0) {
					hello_die("chunked responses are not supported");
				}
				*keep_alive = !(hello_header(c->in, end + 2, "Connection", val,
							     sizeof(val)) == 0 &&
						!strcasecmp(val, "close"));
				if (request_id &&
				    hello_header(c->in, end + 2, "Lambda-Runtime-Aws-Request-Id",
						 request_id, id_max))
					request_id[0] = '\0';
			} else if (c->have > HELLO_MAX_HEAD) {
				hello_die("response head larger than %d bytes", HELLO_MAX_HEAD);
			}
		}
		if (head_end && c->have >= head_end + need)
			break;
		if (c->have == c->cap) {
			const size_t max = HELLO_MAX_HEAD + HELLO_MAX_EVENT;
			size_t ncap = c->cap * 2 > max ? max : c->cap * 2;
			char *p;

			if (ncap <= c->cap)
				hello_die("response larger than %zu bytes", max);
			p = realloc(c->in, ncap);
			if (!p)
				hello_die("out of memory");
			c->in = p;
			c->cap = ncap;
		}
		n = read(c->fd, c->in + c->have, c->cap - c->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->have += (size_t)n;
	}
	*body_off = head_end;
	*body_len = need;
	c->taken = head_end + need;
	return 0;
}

int main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	struct hello_conn c = { .fd = -1 };
	const char *colon;
	char next_req[512];
	int next_len;

	if (!api || !(colon = strrchr(api, ':')) || colon == api ||
	    (size_t)(colon - api) >= sizeof(c.host) || strlen(colon + 1) >= sizeof(c.port) ||
	    !colon[1])
		hello_die("AWS_LAMBDA_RUNTIME_API is not set to host:port");
	memcpy(c.host, api, (size_t)(colon - api));
	c.host[colon - api] = '\0';
	snprintf(c.port, sizeof(c.port), "%s", colon + 1);
	next_len = snprintf(next_req, sizeof(next_req),
			    "GET " HELLO_API "/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
	if (next_len < 0 || (size_t)next_len >= sizeof(next_req))
		hello_die("AWS_LAMBDA_RUNTIME_API is too long");
	c.cap = 64 * 1024;
	c.in = malloc(c.cap);
	if (!c.in)
		hello_die("out of memory");
	for (int failures = 0;;) {
		char id[128], head[512], okbody[200];
		struct iovec iov[2];
		size_t off, len;
		int status, keep = 1, hlen;
		const char *body;

		if (c.fd < 0 && hello_connect(&c) < 0)
			hello_die("cannot connect to the Runtime API at %s", api);
		iov[0] = (struct iovec){ next_req, (size_t)next_len };
		if (hello_writev(c.fd, iov, 1) ||
		    hello_read(&c, &status, &off, &len, id, sizeof(id), &keep)) {
			/* the server closed an idle keep-alive connection: reconnect, a few times
			 */
			close(c.fd);
			c.fd = -1;
			if (++failures > 3)
				hello_die("the Runtime API connection keeps failing");
			continue;
		}
		failures = 0;
		if (status != 200 || !id[0])
			hello_die("invocation/next answered %d%s", status,
				  id[0] ? "" : " without a request id");
		body = c.in + off;
		if (len == 0) {
			int n = snprintf(okbody, sizeof(okbody),
					 "{\"ok\":true,\"requestId\":\"%s\"}", id);

			body = okbody;
			len = (size_t)n;
		}
		/* the event is echoed from the receive buffer, so the response goes out before the
		 * buffer is reused by the next read */
		hlen = snprintf(head, sizeof(head),
				"POST " HELLO_API "/invocation/%s/response HTTP/1.1\r\nHost: %s\r\n"
				"Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
				id, api, len);
		if (hlen < 0 || (size_t)hlen >= sizeof(head))
			hello_die("request id too long");
		if (!keep) {
			/* the event stays in c.in until the next read: post it on a new connection
			 */
			close(c.fd);
			if (hello_connect(&c) < 0)
				hello_die("cannot reconnect to the Runtime API at %s", api);
		}
		iov[0] = (struct iovec){ head, (size_t)hlen };
		iov[1] = (struct iovec){ (void *)body, len };
		if (hello_writev(c.fd, iov, 2) ||
		    hello_read(&c, &status, &off, &len, NULL, 0, &keep))
			hello_die("the Runtime API connection broke while posting a response");
		if (status != 202)
			fprintf(stderr, "hello-c: response for %s answered %d\n", id, status);
		if (!keep) {
			close(c.fd);
			c.fd = -1;
		}
	}
}
