/* traffic/haproxy: the HAProxy driver — its Runtime API (the stats socket, HAProxy 2.6), one
 * connection per command in the non-interactive mode: send "cmd\n", read until HAProxy closes.
 *
 * Every step (connect, write, read) waits with poll() against one deadline, so a balancer that
 * hangs costs the caller the timeout and no more; the answer is capped at TRAFFIC_ANSWER_MAX.
 * A `set server` command answers an empty line when it worked and HAProxy's message otherwise
 * ("No such server."), which becomes the error's text.  Messages here do not name the
 * balancer: the registry (traffic.c) prefixes them with "haproxy 'NAME' (SOCKET): ". */
#include "traffic.h"
#include "traffic_int.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The address of socket: a UNIX path, or tcp:HOST:PORT with HOST an IPv4 address, [IPv6] or
 * localhost (no name lookups: they could block past the timeout). */
int traffic__socket_addr(const char *sock, struct sockaddr_storage *ss, socklen_t *len,
			 struct err *e)
{
	memset(ss, 0, sizeof(*ss));
	if (sock[0] == '/') {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;

		un->sun_family = AF_UNIX;
		if (str_copy(un->sun_path, sizeof(un->sun_path), sock))
			return err_set(e, SW_E_INVALID, "socket path too long");
		*len = sizeof(*un);
		return 0;
	}
	if (!str_starts(sock, "tcp:"))
		return err_set(e, SW_E_INVALID, "not a UNIX path or tcp:HOST:PORT");

	const char *host = sock + 4, *colon = strrchr(host, ':');
	char h[64];
	int64_t port;

	if (!colon || str_to_i64(colon + 1, 1, 65535, &port))
		return err_set(e, SW_E_INVALID, "tcp:HOST:PORT wants a port 1..65535");
	if (host[0] == '[') {
		if (colon < host + 2 || colon[-1] != ']' ||
		    str_copyn(h, sizeof(h), host + 1, (size_t)(colon - 1 - (host + 1))))
			return err_set(e, SW_E_INVALID, "tcp:[IPv6]:PORT malformed");
	} else if (str_copyn(h, sizeof(h), host, (size_t)(colon - host))) {
		return err_set(e, SW_E_INVALID, "host too long");
	}
	if (strcmp(h, "localhost") == 0)
		str_copy(h, sizeof(h), "127.0.0.1");

	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, h, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, h, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return err_set(e, SW_E_INVALID,
		       "'%s' is not an IP address or localhost (names are not looked up)", h);
}

/* Waits for events on fd until deadline (monotonic ms): 0, or -SW_E_IO on a timeout. */
static int haproxy__wait(int fd, short events, int64_t deadline, const char *what, int timeout_ms,
			 struct err *e)
{
	for (;;) {
		int64_t left = deadline - time_mono_ms();
		struct pollfd p = { .fd = fd, .events = events };

		if (left <= 0)
			return err_set(e, SW_E_IO, "no answer within %d ms (%s)", timeout_ms, what);
		int r = poll(&p, 1, (int)left);

		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return err_set(e, SW_E_IO, "poll: %s", strerror(errno));
	}
}

int traffic_haproxy_command(const char *sock, int timeout_ms, const char *cmd, char **answer,
			    size_t *alen, struct err *e)
{
	int64_t deadline = time_mono_ms() + (timeout_ms > 0 ? timeout_ms : TRAFFIC_TIMEOUT_MS);
	struct sockaddr_storage ss;
	socklen_t sl;
	struct buf b = BUF_INIT(TRAFFIC_ANSWER_MAX);
	int fd, r, soerr = 0;
	socklen_t el = sizeof(soerr);
	size_t clen = strlen(cmd), off = 0;

	if (timeout_ms <= 0)
		timeout_ms = TRAFFIC_TIMEOUT_MS;
	*answer = NULL;
	*alen = 0;
	r = traffic__socket_addr(sock, &ss, &sl, e);
	if (r)
		return r;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, SW_E_IO, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			r = err_set(e, SW_E_IO, "cannot connect: %s", strerror(errno));
			goto out;
		}
		r = haproxy__wait(fd, POLLOUT, deadline, "connect", timeout_ms, e);
		if (r)
			goto out;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) < 0 || soerr) {
			r = err_set(e, SW_E_IO, "cannot connect: %s",
				    strerror(soerr ? soerr : errno));
			goto out;
		}
	}
	/* the command and its newline */
	while (off <= clen) {
		const char *p = off < clen ? cmd + off : "\n";
		size_t n = off < clen ? clen - off : 1;
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			r = haproxy__wait(fd, POLLOUT, deadline, "send", timeout_ms, e);
			if (r)
				goto out;
			continue;
		}
		r = err_set(e, SW_E_IO, "send: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		char chunk[16384];
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);

		if (n == 0)
			break;
		if (n > 0) {
			if (buf_add(&b, chunk, (size_t)n)) {
				r = err_set(e, SW_E_IO, "answer larger than %u MiB",
					    TRAFFIC_ANSWER_MAX >> 20);
				goto out;
			}
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			r = haproxy__wait(fd, POLLIN, deadline, "reading the answer", timeout_ms,
					  e);
			if (r)
				goto out;
			continue;
		}
		r = err_set(e, SW_E_IO, "recv: %s", strerror(errno));
		goto out;
	}
	*alen = b.len;
	*answer = buf_detach(&b);
	if (!*answer)
		r = err_set(e, SW_E_NOMEM, "out of memory");
out:
	close(fd);
	buf_release(&b);
	return r;
}

/* HAProxy names: letters, digits and -_.: (what its config parser accepts).  Anything else
 * would be a different command on the wire (';' separates commands, a space arguments). */
static int haproxy__name(const char *what, const char *s, struct err *e)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TRAFFIC_PROXY_MAX)
		return err_set(e, SW_E_INVALID, "%s name must be 1..%d characters", what,
			       TRAFFIC_PROXY_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':'))
			return err_set(e, SW_E_INVALID,
				       "%s name '%.*s' has a character HAProxy does not allow in "
				       "a name (only letters, digits and -_.:)",
				       what, 64, s);
	}
	return 0;
}

/* A `set` command: an empty answer is success, anything else HAProxy's error in its words. */
static int haproxy__set(const char *sock, int timeout_ms, const char *cmd, struct err *e)
{
	char *ans;
	size_t len;
	int r = traffic_haproxy_command(sock, timeout_ms, cmd, &ans, &len, e);

	if (r)
		return r;
	while (len && (ans[len - 1] == '\n' || ans[len - 1] == '\r' || ans[len - 1] == ' '))
		ans[--len] = '\0';

	const char *p = ans;

	while (*p == '\n' || *p == '\r' || *p == ' ')
		p++;
	if (*p) {
		/* one line for the message: HAProxy's are short; keep the first ones */
		char msg[400];

		str_copy(msg, sizeof(msg), p);
		for (char *q = msg; *q; q++)
			if (*q == '\n' || *q == '\r')
				*q = ' ';
		r = err_set(e, str_starts(p, "No such") ? -SW_E_NOT_FOUND : -SW_E_INVALID, "%s",
			    msg);
	}
	free(ans);
	return r;
}

static int haproxy_set_state(const char *sock, int timeout_ms, const char *backend,
			     const char *server, enum traffic_state state, struct err *e)
{
	char cmd[2 * TRAFFIC_PROXY_MAX + 64];
	int r;

	if ((r = haproxy__name("backend", backend, e)) || (r = haproxy__name("server", server, e)))
		return r;
	if (state != TRAFFIC_READY && state != TRAFFIC_DRAIN && state != TRAFFIC_MAINT)
		return err_set(e, SW_E_INVALID, "unknown state %d", (int)state);
	str_fmt(cmd, sizeof(cmd), "set server %s/%s state %s", backend, server,
		traffic_state_name(state));
	return haproxy__set(sock, timeout_ms, cmd, e);
}

static int haproxy_set_weight(const char *sock, int timeout_ms, const char *backend,
			      const char *server, int weight, struct err *e)
{
	char cmd[2 * TRAFFIC_PROXY_MAX + 64];
	int r;

	if ((r = haproxy__name("backend", backend, e)) || (r = haproxy__name("server", server, e)))
		return r;
	if (weight < TRAFFIC_WEIGHT_CONFIGURED || weight > TRAFFIC_WEIGHT_MAX)
		return err_set(e, SW_E_INVALID, "weight %d is not 0..%d", weight,
			       TRAFFIC_WEIGHT_MAX);
	if (weight == TRAFFIC_WEIGHT_CONFIGURED) /* HAProxy: a percentage of the initial weight */
		str_fmt(cmd, sizeof(cmd), "set server %s/%s weight 100%%", backend, server);
	else
		str_fmt(cmd, sizeof(cmd), "set server %s/%s weight %d", backend, server, weight);
	return haproxy__set(sock, timeout_ms, cmd, e);
}

static int haproxy_recheck(const char *sock, int timeout_ms, const char *backend,
			   const char *server, struct err *e)
{
	char cmd[2 * TRAFFIC_PROXY_MAX + 64];
	int r;

	if ((r = haproxy__name("backend", backend, e)) || (r = haproxy__name("server", server, e)))
		return r;
	str_fmt(cmd, sizeof(cmd), "set server %s/%s health down", backend, server);
	return haproxy__set(sock, timeout_ms, cmd, e);
}

static int haproxy_backends(const char *sock, int timeout_ms, const char *lb_name,
			    struct traffic_backend **out, size_t *n, struct err *e)
{
	char *ans;
	size_t len;
	int r = traffic_haproxy_command(sock, timeout_ms, "show stat", &ans, &len, e);

	*out = NULL;
	*n = 0;
	if (r)
		return r;
	/* an error instead of the CSV ("Permission denied", "Unknown command") */
	if (len && ans[0] != '#') {
		char msg[400];

		str_copy(msg, sizeof(msg), ans);
		for (char *q = msg; *q; q++)
			if (*q == '\n' || *q == '\r')
				*q = ' ';
		r = err_set(e, SW_E_INVALID, "show stat: %s", msg);
	} else {
		r = traffic_haproxy_stat_parse(ans, len, lb_name, out, n, e);
	}
	free(ans);
	return r;
}

const struct traffic_ops traffic_haproxy = {
	.name = "haproxy",
	.set_state = haproxy_set_state,
	.set_weight = haproxy_set_weight,
	.recheck = haproxy_recheck,
	.backends = haproxy_backends,
};
