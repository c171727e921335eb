/* httpc: HTTP/1.1 requests on one kept-alive connection, non-blocking sockets with poll() for
 * deadlines and cancellation, and TLS through a table of libssl functions found with dlsym(). */
#include "httpc.h"
#include "str.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#if OPENSSL_VERSION_MAJOR != 3
#error "httpc loads libssl.so.3: build against OpenSSL 3"
#endif
#define HTTPC_LIBSSL   "libssl.so.3"
#define HTTPC_MAX_LINE 4096 /* a chunk-size line or a trailer line */

/* ---- libssl, loaded on the first https connection -------------------------------------- */

#define HTTPC_SSL_FUNCTIONS(F)            \
	F(TLS_client_method)              \
	F(SSL_CTX_new)                    \
	F(SSL_CTX_free)                   \
	F(SSL_CTX_ctrl)                   \
	F(SSL_CTX_set_verify)             \
	F(SSL_CTX_set_default_verify_dir) \
	F(SSL_CTX_load_verify_locations)  \
	F(SSL_new)                        \
	F(SSL_free)                       \
	F(SSL_set_fd)                     \
	F(SSL_ctrl)                       \
	F(SSL_set1_host)                  \
	F(SSL_get0_param)                 \
	F(X509_VERIFY_PARAM_set1_ip_asc)  \
	F(SSL_connect)                    \
	F(SSL_read)                       \
	F(SSL_write)                      \
	F(SSL_get_error)                  \
	F(SSL_shutdown)                   \
	F(SSL_is_init_finished)           \
	F(SSL_get_verify_result)          \
	F(X509_verify_cert_error_string)  \
	F(ERR_get_error)                  \
	F(ERR_error_string_n)             \
	F(ERR_clear_error)

/* Each member has the type of a pointer to the function of the same name, so the compiler
 * checks every call against OpenSSL's own prototypes. */
static struct {
#define F(name) __typeof__(name) *name;
	HTTPC_SSL_FUNCTIONS(F)
#undef F
	char error[256]; /* why loading failed, "" when it did not */
} httpc__ssl;
static pthread_once_t httpc__ssl_once = PTHREAD_ONCE_INIT;

static void httpc__ssl_load(void)
{
	void *h = dlopen(HTTPC_LIBSSL, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		str_fmt(httpc__ssl.error, sizeof(httpc__ssl.error), "cannot load %s: %s",
			HTTPC_LIBSSL, dlerror());
		return;
	}
	/* dlsym() on libssl's handle also finds libcrypto's functions (its dependency). */
#define F(name)                                                                                  \
	if (!(httpc__ssl.name = (__typeof__(name) *)dlsym(h, #name))) {                          \
		str_fmt(httpc__ssl.error, sizeof(httpc__ssl.error), "%s lacks %s", HTTPC_LIBSSL, \
			#name);                                                                  \
		return;                                                                          \
	}
	HTTPC_SSL_FUNCTIONS(F)
#undef F
	/* The handle stays open for the life of the process, as OpenSSL expects. */
}

/* The last OpenSSL error queued, for a message. */
static const char *httpc__ssl_reason(char *out, size_t size)
{
	unsigned long code = httpc__ssl.ERR_get_error();

	if (!code)
		return "no details";
	httpc__ssl.ERR_error_string_n(code, out, size);
	httpc__ssl.ERR_clear_error();
	return out;
}

/* ---- set-up ---------------------------------------------------------------------------- */

int httpc_init(struct httpc *c, const char *base_url, const char *ca_file, int cancel_fd,
	       struct err *e)
{
	const char *p, *hs, *he, *port = NULL;
	size_t n;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->cancel_fd = cancel_fd;
	if (str_starts(base_url, "http://")) {
		p = base_url + 7;
	} else if (str_starts(base_url, "https://")) {
		p = base_url + 8;
		c->tls = true;
	} else {
		return err_set(e, SW_E_INVALID, "'%s' is not an http:// or https:// URL", base_url);
	}
	n = strcspn(p, "/?#");
	if (p[n] && strcmp(p + n, "/") != 0)
		return err_set(e, SW_E_INVALID, "'%s' must not have a path", base_url);
	if (!n || memchr(p, '@', n))
		return err_set(e, SW_E_INVALID, "'%s' has no usable host", base_url);
	if (p[0] == '[') {
		he = memchr(p, ']', n);
		if (!he)
			return err_set(e, SW_E_INVALID, "'%s' has an unclosed '['", base_url);
		hs = p + 1;
		if (he + 1 < p + n) {
			if (he[1] != ':')
				return err_set(e, SW_E_INVALID, "'%s' has a bad port", base_url);
			port = he + 2;
		}
	} else {
		hs = p;
		he = memchr(p, ':', n);
		if (he)
			port = he + 1;
		else
			he = p + n;
	}
	if (str_copyn(c->host, sizeof(c->host), hs, (size_t)(he - hs)) || !c->host[0] ||
	    str_copyn(c->authority, sizeof(c->authority), p, n))
		return err_set(e, SW_E_INVALID, "'%s' has no usable host", base_url);
	if (port) {
		size_t plen = (size_t)(p + n - port);
		int64_t v;

		if (str_copyn(c->port, sizeof(c->port), port, plen) ||
		    str_to_i64(c->port, 1, 65535, &v))
			return err_set(e, SW_E_INVALID, "'%s' has a bad port", base_url);
	} else {
		str_copy(c->port, sizeof(c->port), c->tls ? "443" : "80");
	}
	if (ca_file && *ca_file && !(c->ca_file = str_dup(ca_file)))
		return err_set(e, SW_E_NOMEM, NULL);
	return 0;
}

/* Closes the connection (the next request opens a new one). */
static void httpc_close(struct httpc *c)
{
	if (c->ssl) {
		/* One try at a close_notify, after a completed handshake only. */
		if (httpc__ssl.SSL_is_init_finished(c->ssl))
			httpc__ssl.SSL_shutdown(c->ssl);
		httpc__ssl.SSL_free(c->ssl);
		httpc__ssl.ERR_clear_error();
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->in_pos = c->in_len = 0;
}

void httpc_release(struct httpc *c)
{
	httpc_close(c);
	if (c->ssl_ctx)
		httpc__ssl.SSL_CTX_free(c->ssl_ctx);
	c->ssl_ctx = NULL;
	free(c->ca_file);
	c->ca_file = NULL;
}

/* ---- waiting --------------------------------------------------------------------------- */

/* One request's limits. */
struct httpc__call {
	struct httpc *c;
	int64_t deadline; /* monotonic ms; 0 for none */
	int stall_ms;
	bool cancellable;
	bool replied; /* a byte of the reply has arrived */
};

static int64_t httpc__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool httpc__cancel_pending(const struct httpc__call *k)
{
	struct pollfd p = { k->c->cancel_fd, POLLIN, 0 };

	return k->cancellable && k->c->cancel_fd >= 0 && poll(&p, 1, 0) > 0 &&
	       (p.revents & (POLLIN | POLLHUP));
}

/* Waits until the connection is ready for events, within the call's deadline, its stall limit
 * and limit (monotonic ms, 0 for none).  0, or -SW_E_AGAIN on timeout or cancellation. */
static int httpc__wait(struct httpc__call *k, short events, int64_t limit, const char *what,
		       struct err *e)
{
	struct httpc *c = k->c;
	int64_t start = httpc__now();

	for (;;) {
		struct pollfd p[2] = { { c->fd, events, 0 }, { c->cancel_fd, POLLIN, 0 } };
		int64_t now = httpc__now(), until = 0;
		int nfds = k->cancellable && c->cancel_fd >= 0 ? 2 : 1, ms, r;

		if (k->deadline)
			until = k->deadline;
		if (k->stall_ms && (!until || start + k->stall_ms < until))
			until = start + k->stall_ms;
		if (limit && (!until || limit < until))
			until = limit;
		if (until && now >= until)
			return err_set(e, SW_E_AGAIN, "%s %s: timed out", what, c->authority);
		ms = until ? (int)(until - now) : -1;
		r = poll(p, (nfds_t)nfds, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(e, SW_E_AGAIN, "%s %s: poll: %s", what, c->authority,
				       strerror(errno));
		if (nfds == 2 && (p[1].revents & (POLLIN | POLLHUP))) {
			c->cancelled = true;
			return err_set(e, SW_E_AGAIN, "%s %s: cancelled", what, c->authority);
		}
		if (p[0].revents)
			return 0; /* ready, or an error the next read or write reports */
	}
}

/* ---- connecting ------------------------------------------------------------------------ */

static int httpc__tls_context(struct httpc *c, struct err *e)
{
	char why[256];
	SSL_CTX *ctx;

	pthread_once(&httpc__ssl_once, httpc__ssl_load);
	if (httpc__ssl.error[0])
		return err_set(e, SW_E_AGAIN, "https to %s: %s", c->authority, httpc__ssl.error);
	if (c->ssl_ctx)
		return 0;
	ctx = httpc__ssl.SSL_CTX_new(httpc__ssl.TLS_client_method());
	if (!ctx)
		return err_set(e, SW_E_NOMEM, "cannot set up TLS: %s",
			       httpc__ssl_reason(why, sizeof(why)));
	httpc__ssl.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
	/* Idle connections (the long poll between replies) give their buffers back. */
	httpc__ssl.SSL_CTX_ctrl(ctx, SSL_CTRL_MODE, SSL_MODE_RELEASE_BUFFERS, NULL);
	httpc__ssl.SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* The hashed directory is read certificate by certificate as needed, unlike a bundle
	 * file, which would be parsed whole into memory. */
	httpc__ssl.SSL_CTX_set_default_verify_dir(ctx);
	if (c->ca_file && httpc__ssl.SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL) != 1) {
		int r = err_set(e, SW_E_INVALID, "cannot load the certificates in '%s': %s",
				c->ca_file, httpc__ssl_reason(why, sizeof(why)));

		httpc__ssl.SSL_CTX_free(ctx);
		return r;
	}
	c->ssl_ctx = ctx;
	return 0;
}

static int httpc__handshake(struct httpc__call *k, int64_t limit, struct err *e)
{
	struct httpc *c = k->c;
	unsigned char addr[sizeof(struct in6_addr)];
	bool literal =
	    inet_pton(AF_INET, c->host, addr) == 1 || inet_pton(AF_INET6, c->host, addr) == 1;
	char why[256];
	int r;

	r = httpc__tls_context(c, e);
	if (r)
		return r;
	c->ssl = httpc__ssl.SSL_new(c->ssl_ctx);
	if (!c->ssl || !httpc__ssl.SSL_set_fd(c->ssl, c->fd))
		return err_set(e, SW_E_NOMEM, "cannot set up TLS");
	if (literal) {
		r = httpc__ssl.X509_VERIFY_PARAM_set1_ip_asc(httpc__ssl.SSL_get0_param(c->ssl),
							     c->host);
	} else {
		r = httpc__ssl.SSL_ctrl(c->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
					TLSEXT_NAMETYPE_host_name, c->host) == 1 &&
		    httpc__ssl.SSL_set1_host(c->ssl, c->host) == 1;
	}
	if (r != 1)
		return err_set(e, SW_E_INVALID, "cannot check TLS certificates for '%s'", c->host);
	for (;;) {
		int ret = httpc__ssl.SSL_connect(c->ssl), err;

		if (ret == 1)
			return 0;
		err = httpc__ssl.SSL_get_error(c->ssl, ret);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			r = httpc__wait(k, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, limit,
					"TLS handshake with", e);
			if (r)
				return r;
			continue;
		}
		if (httpc__ssl.SSL_get_verify_result(c->ssl) != X509_V_OK)
			return err_set(e, SW_E_AGAIN,
				       "TLS handshake with %s: certificate rejected: %s",
				       c->authority,
				       httpc__ssl.X509_verify_cert_error_string(
					   httpc__ssl.SSL_get_verify_result(c->ssl)));
		return err_set(e, SW_E_AGAIN, "TLS handshake with %s failed: %s", c->authority,
			       err == SSL_ERROR_SYSCALL && errno
				   ? strerror(errno)
				   : httpc__ssl_reason(why, sizeof(why)));
	}
}

static int httpc__connect(struct httpc__call *k, struct err *e)
{
	struct httpc *c = k->c;
	struct addrinfo hints = { 0 }, *ai = NULL, *a;
	int64_t limit = httpc__now() + HTTPC_CONNECT_MS;
	int r, one = 1;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	r = getaddrinfo(c->host, c->port, &hints, &ai);
	if (r)
		return err_set(e, SW_E_AGAIN, "cannot resolve '%s': %s", c->host, gai_strerror(r));
	r = err_set(e, SW_E_AGAIN, "cannot connect to %s", c->authority);
	for (a = ai; a; a = a->ai_next) {
		int so_err = 0;
		socklen_t len = sizeof(so_err);

		c->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       a->ai_protocol);
		if (c->fd < 0) {
			r = err_set(e, SW_E_AGAIN, "cannot connect to %s: %s", c->authority,
				    strerror(errno));
			continue;
		}
		if (connect(c->fd, a->ai_addr, a->ai_addrlen) != 0) {
			if (errno != EINPROGRESS) {
				so_err = errno;
			} else {
				r = httpc__wait(k, POLLOUT, limit, "connecting to", e);
				if (r) {
					if (c->cancelled)
						break;
					close(c->fd);
					c->fd = -1;
					continue;
				}
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so_err, &len);
			}
		}
		if (so_err) {
			r = err_set(e, SW_E_AGAIN, "cannot connect to %s: %s", c->authority,
				    strerror(so_err));
			close(c->fd);
			c->fd = -1;
			continue;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		r = 0;
		break;
	}
	freeaddrinfo(ai);
	if (!r && c->tls)
		r = httpc__handshake(k, limit, e);
	if (r)
		httpc_close(c);
	return r;
}

/* ---- bytes in and out ------------------------------------------------------------------ */

static int httpc__send(struct httpc__call *k, const void *data, size_t n, struct err *e)
{
	struct httpc *c = k->c;
	const char *p = data;

	while (n) {
		ssize_t w;
		short want = POLLOUT;
		int r;

		if (c->ssl) {
			int chunk = n > (1u << 30) ? 1 << 30 : (int)n, ret, err;

			ret = httpc__ssl.SSL_write(c->ssl, p, chunk);
			if (ret > 0) {
				p += ret;
				n -= (size_t)ret;
				continue;
			}
			err = httpc__ssl.SSL_get_error(c->ssl, ret);
			if (err == SSL_ERROR_WANT_READ)
				want = POLLIN;
			else if (err != SSL_ERROR_WANT_WRITE)
				return err_set(e, SW_E_AGAIN, "cannot send to %s: TLS error",
					       c->authority);
		} else {
			w = send(c->fd, p, n, MSG_NOSIGNAL);
			if (w > 0) {
				p += w;
				n -= (size_t)w;
				continue;
			}
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				return err_set(e, SW_E_AGAIN, "cannot send to %s: %s", c->authority,
					       strerror(errno));
		}
		r = httpc__wait(k, want, 0, "sending to", e);
		if (r)
			return r;
	}
	return 0;
}

/* Makes sure c->in holds unread bytes.  Returns 1, 0 at the end of the stream, or an error. */
static int httpc__fill(struct httpc__call *k, struct err *e)
{
	struct httpc *c = k->c;

	if (c->in_pos < c->in_len)
		return 1;
	c->in_pos = c->in_len = 0;
	for (;;) {
		short want = POLLIN;
		int r;

		if (c->ssl) {
			int ret = httpc__ssl.SSL_read(c->ssl, c->in, sizeof(c->in)), err;

			if (ret > 0) {
				c->in_len = (size_t)ret;
				k->replied = true;
				return 1;
			}
			err = httpc__ssl.SSL_get_error(c->ssl, ret);
			if (err == SSL_ERROR_ZERO_RETURN)
				return 0;
			if (err == SSL_ERROR_WANT_WRITE)
				want = POLLOUT;
			else if (err != SSL_ERROR_WANT_READ) {
				char why[256];

				return err_set(e, SW_E_AGAIN, "cannot read from %s: %s",
					       c->authority,
					       err == SSL_ERROR_SYSCALL && errno
						   ? strerror(errno)
						   : httpc__ssl_reason(why, sizeof(why)));
			}
		} else {
			ssize_t n = recv(c->fd, c->in, sizeof(c->in), 0);

			if (n > 0) {
				c->in_len = (size_t)n;
				k->replied = true;
				return 1;
			}
			if (n == 0)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return err_set(e, SW_E_AGAIN, "cannot read from %s: %s",
					       c->authority, strerror(errno));
		}
		r = httpc__wait(k, want, 0, "waiting for", e);
		if (r)
			return r;
	}
}

/* Reads one line (up to and without its "\n" or "\r\n") into line, at most max bytes. */
static int httpc__line(struct httpc__call *k, struct buf *line, size_t max, const char *what,
		       struct err *e)
{
	struct httpc *c = k->c;

	buf_reset(line);
	for (;;) {
		int r = httpc__fill(k, e);
		const char *p, *nl;
		size_t n;

		if (r < 0)
			return r;
		if (r == 0)
			return err_set(e, SW_E_AGAIN, "%s closed the connection in %s",
				       c->authority, what);
		p = c->in + c->in_pos;
		n = c->in_len - c->in_pos;
		nl = memchr(p, '\n', n);
		if (nl)
			n = (size_t)(nl - p) + 1;
		if (line->len + n > max || buf_add(line, p, n))
			return err_set(e, SW_E_TOO_LARGE, "%s sent a %s longer than %zu bytes",
				       c->authority, what, max);
		c->in_pos += n;
		if (nl) {
			line->p[--line->len] = '\0';
			if (line->len && line->p[line->len - 1] == '\r')
				line->p[--line->len] = '\0';
			return 0;
		}
	}
}

/* ---- one exchange ---------------------------------------------------------------------- */

/* What the reply head says about the body and the connection. */
struct httpc__reply {
	int status;
	bool chunked;
	bool keep_alive;
	int64_t length; /* Content-Length, or -1 */
};

static bool httpc__has_token(const char *list, const char *token)
{
	size_t tl = strlen(token);

	for (const char *p = list; *p;) {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tl && strncasecmp(p, token, tl) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

/* Parses the head in h (NUL-terminated, modified in place). */
static int httpc__parse_head(struct httpc *c, const struct httpc_request *req, char *h,
			     struct httpc__reply *rep, struct err *e)
{
	char *line = h, *next;
	bool http11;
	int64_t v;

	rep->length = -1;
	rep->chunked = false;
	if (strncmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') || h[8] != ' ' ||
	    h[9] < '1' || h[9] > '5' || h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9' ||
	    (h[12] != ' ' && h[12] != '\r' && h[12] != '\n'))
		return err_set(e, SW_E_INVALID, "%s sent a malformed status line", c->authority);
	http11 = h[7] == '1';
	rep->status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	rep->keep_alive = http11;
	next = strchr(line, '\n');
	for (line = next ? next + 1 : h + strlen(h); *line; line = next) {
		char *colon, *name, *value, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		end = line + strlen(line);
		if (end > line && end[-1] == '\r')
			*--end = '\0';
		if (!*line)
			break;
		if (*line == ' ' || *line == '\t')
			return err_set(e, SW_E_INVALID, "%s folded a header line", c->authority);
		colon = strchr(line, ':');
		if (!colon || colon == line || strcspn(line, " \t") < (size_t)(colon - line))
			return err_set(e, SW_E_INVALID, "%s sent a malformed header line",
				       c->authority);
		*colon = '\0';
		name = line;
		for (value = colon + 1; *value == ' ' || *value == '\t'; value++)
			;
		while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (strcasecmp(name, "Content-Length") == 0) {
			if (str_to_i64(value, 0, INT64_MAX / 2, &v) ||
			    (rep->length >= 0 && rep->length != v))
				return err_set(e, SW_E_INVALID, "%s sent a bad Content-Length '%s'",
					       c->authority, value);
			rep->length = v;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			size_t n = strlen(value);

			if (n < 7 || strcasecmp(value + n - 7, "chunked") != 0 ||
			    (n > 7 && value[n - 8] != ',' && value[n - 8] != ' '))
				return err_set(e, SW_E_INVALID,
					       "%s sent an unsupported Transfer-Encoding '%s'",
					       c->authority, value);
			rep->chunked = true;
		} else if (strcasecmp(name, "Connection") == 0) {
			if (httpc__has_token(value, "close"))
				rep->keep_alive = false;
			else if (httpc__has_token(value, "keep-alive"))
				rep->keep_alive = true;
		}
		if (rep->status >= 200 && req->on_header)
			req->on_header(req->header_arg, name, value);
	}
	if (rep->chunked)
		rep->length = -1; /* RFC 9112 6.3: chunked wins over Content-Length */
	return 0;
}

/* Reads a reply head (ending with an empty line) into head. */
static int httpc__read_head(struct httpc__call *k, struct buf *head, struct err *e)
{
	struct httpc *c = k->c;

	buf_reset(head);
	for (;;) {
		int r = httpc__fill(k, e);

		if (r < 0)
			return r;
		if (r == 0)
			return err_set(e, SW_E_AGAIN, "%s closed the connection %s", c->authority,
				       head->len ? "in the reply headers" : "without replying");
		while (c->in_pos < c->in_len) {
			char ch = c->in[c->in_pos++];

			if (buf_addc(head, ch))
				return err_set(e, SW_E_TOO_LARGE,
					       "%s sent reply headers longer than %d bytes",
					       c->authority, HTTPC_MAX_HEAD);
			if (ch == '\n' && head->len >= 2 &&
			    (head->p[head->len - 2] == '\n' ||
			     (head->len >= 3 && head->p[head->len - 2] == '\r' &&
			      head->p[head->len - 3] == '\n')))
				return 0;
		}
	}
}

static int httpc__deliver(const struct httpc_request *req, struct httpc *c, const char *p, size_t n,
			  struct err *e)
{
	if (req->sink)
		return req->sink(req->sink_arg, p, n, e);
	if (req->body_out && buf_add(req->body_out, p, n))
		return err_set(e, SW_E_TOO_LARGE, "the reply from %s is longer than %zu bytes",
			       c->authority, req->body_out->max);
	return 0;
}

/* Passes exactly n bytes (or, with n < 0, everything up to the end of the stream) on. */
static int httpc__body_bytes(struct httpc__call *k, const struct httpc_request *req, int64_t n,
			     struct err *e)
{
	struct httpc *c = k->c;

	while (n != 0) {
		size_t avail;
		int r = httpc__fill(k, e);

		if (r < 0)
			return r;
		if (r == 0) {
			if (n < 0)
				return 0;
			return err_set(e, SW_E_AGAIN, "%s closed the connection in the reply body",
				       c->authority);
		}
		avail = c->in_len - c->in_pos;
		if (n > 0 && (uint64_t)n < avail)
			avail = (size_t)n;
		r = httpc__deliver(req, c, c->in + c->in_pos, avail, e);
		if (r)
			return r;
		c->in_pos += avail;
		if (n > 0)
			n -= (int64_t)avail;
	}
	return 0;
}

static int httpc__chunked(struct httpc__call *k, const struct httpc_request *req, struct err *e)
{
	struct httpc *c = k->c;
	struct buf line = BUF_INIT(HTTPC_MAX_LINE + 2);
	size_t trailers = 0;
	int r;

	for (;;) {
		uint64_t size = 0;
		const char *p;
		int digits = 0;

		r = httpc__line(k, &line, HTTPC_MAX_LINE, "chunk size line", e);
		if (r)
			goto out;
		for (p = buf_str(&line); *p; p++, digits++) {
			int d = hex_digit(*p);

			if (d < 0)
				break;
			if (size > (UINT64_MAX >> 8)) {
				digits = 0;
				break;
			}
			size = size * 16 + (uint64_t)d;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (!digits || (*p && *p != ';') || size > INT64_MAX / 2) {
			r = err_set(e, SW_E_INVALID, "%s sent a bad chunk size line", c->authority);
			goto out;
		}
		if (size == 0)
			break;
		r = httpc__body_bytes(k, req, (int64_t)size, e);
		if (!r)
			r = httpc__line(k, &line, HTTPC_MAX_LINE, "chunk", e);
		if (!r && line.len)
			r = err_set(e, SW_E_INVALID, "%s sent a chunk longer than its size",
				    c->authority);
		if (r)
			goto out;
	}
	/* Trailers, dropped: up to the empty line. */
	do {
		r = httpc__line(k, &line, HTTPC_MAX_LINE, "trailer", e);
		trailers += line.len + 2;
		if (!r && trailers > HTTPC_MAX_HEAD)
			r = err_set(e, SW_E_TOO_LARGE, "%s sent trailers longer than %d bytes",
				    c->authority, HTTPC_MAX_HEAD);
	} while (!r && line.len);
out:
	buf_release(&line);
	return r;
}

static int httpc__head_out(struct httpc *c, const struct httpc_request *req, struct buf *out,
			   struct err *e)
{
	bool body =
	    req->body_len || strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0;

	if (strpbrk(req->method, " \r\n") || strpbrk(req->target, " \r\n") || req->target[0] != '/')
		return err_set(e, SW_E_INVALID, "bad request line");
	if (buf_addf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n", req->method, req->target, c->authority))
		return err_set(e, SW_E_TOO_LARGE, "request headers too long");
	for (size_t i = 0; i < req->nheaders; i++) {
		const char *n = req->headers[i].name, *v = req->headers[i].value;

		if (!*n || strpbrk(n, ": \t\r\n") || strpbrk(v, "\r\n") ||
		    strcasecmp(n, "Host") == 0 || strcasecmp(n, "Content-Length") == 0)
			return err_set(e, SW_E_INVALID, "bad request header '%s'", n);
		if (buf_addf(out, "%s: %s\r\n", n, v))
			return err_set(e, SW_E_TOO_LARGE, "request headers too long");
	}
	if ((body && buf_addf(out, "Content-Length: %zu\r\n", req->body_len)) ||
	    buf_adds(out, "\r\n"))
		return err_set(e, SW_E_TOO_LARGE, "request headers too long");
	return 0;
}

/* Whether a kept-alive connection is still usable: nothing to read (no EOF, no stray bytes). */
static bool httpc__alive(struct httpc *c)
{
	struct pollfd p = { c->fd, POLLIN, 0 };

	return c->in_pos == c->in_len && poll(&p, 1, 0) == 0;
}

static int httpc__exchange(struct httpc__call *k, const struct httpc_request *req,
			   const struct buf *head_out, int *status, struct err *e)
{
	struct httpc *c = k->c;
	struct buf head = BUF_INIT(HTTPC_MAX_HEAD);
	struct httpc__reply rep = { 0 };
	int r;

	r = httpc__send(k, head_out->p, head_out->len, e);
	if (!r && req->body_len)
		r = httpc__send(k, req->body, req->body_len, e);
	while (!r) {
		r = httpc__read_head(k, &head, e);
		if (!r)
			r = httpc__parse_head(c, req, head.p, &rep, e);
		if (r || rep.status >= 200)
			break;
		if (rep.status == 101) /* we never ask to switch protocols */
			r = err_set(e, SW_E_INVALID, "%s switched protocols", c->authority);
	}
	buf_release(&head);
	if (r)
		return r;
	*status = rep.status;
	if (strcmp(req->method, "HEAD") == 0 || rep.status == 204 || rep.status == 304)
		r = 0;
	else if (rep.chunked)
		r = httpc__chunked(k, req, e);
	else if (rep.length >= 0)
		r = httpc__body_bytes(k, req, rep.length, e);
	else {
		rep.keep_alive = false; /* the body ends with the connection */
		r = httpc__body_bytes(k, req, -1, e);
	}
	if (!r && (!rep.keep_alive || c->in_pos < c->in_len))
		httpc_close(c);
	return r;
}

int httpc_request(struct httpc *c, const struct httpc_request *req, int *status, struct err *e)
{
	struct httpc__call k = { c, 0, req->stall_ms, req->cancellable, false };
	struct buf head_out = BUF_INIT(HTTPC_MAX_HEAD);
	int r;

	*status = 0;
	c->cancelled = false;
	if (req->timeout_ms > 0)
		k.deadline = httpc__now() + req->timeout_ms;
	r = httpc__head_out(c, req, &head_out, e);
	if (!r && httpc__cancel_pending(&k)) {
		c->cancelled = true;
		r = err_set(e, SW_E_AGAIN, "request to %s: cancelled", c->authority);
	}
	for (int attempt = 0; !r && attempt < 2; attempt++) {
		bool reused = c->fd >= 0;

		if (reused && !httpc__alive(c)) {
			httpc_close(c);
			reused = false;
		}
		k.replied = false;
		r = reused ? 0 : httpc__connect(&k, e);
		if (!r)
			r = httpc__exchange(&k, req, &head_out, status, e);
		if (!r)
			break;
		httpc_close(c);
		/* A kept-alive connection the server closed before answering: once more, anew. */
		if (!reused || k.replied || c->cancelled || r != -SW_E_AGAIN ||
		    (k.deadline && httpc__now() >= k.deadline))
			break;
		r = 0;
		if (e)
			err_clear(e);
	}
	buf_release(&head_out);
	return r;
}
