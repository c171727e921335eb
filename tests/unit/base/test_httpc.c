/* test_httpc: the HTTP client against a small server thread on loopback that answers with
 * canned bytes — Content-Length, chunked and close-delimited bodies, keep-alive and
 * reconnection, oversize and malformed replies, the whole-request timeout, the stall limit,
 * cancellation through the cancel descriptor, and https with certificate checks. */
#include "base/buf.h"
#include "base/err.h"
#include "base/httpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* ---- the server ------------------------------------------------------------------------ */

struct srv {
	int lfd, port;
	int stop[2]; /* readable = the test is over */
	pthread_t thread;
	SSL_CTX *tls;		/* serve https with this */
	const char *replies[4]; /* for request 0, 1, ...: the last one repeats */
	bool hold;		/* read the request and never answer */
	bool hold_after;	/* answer, then neither close nor read on */
	bool close_after;	/* close the connection after each answer */
	int connections, requests;
	char request[16384]; /* the last request, head and body */
};

static bool srv_wait(struct srv *s, int fd, SSL *ssl)
{
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { s->stop[0], POLLIN, 0 } };

	if (ssl && SSL_pending(ssl))
		return true;
	while (poll(p, 2, -1) < 0)
		;
	return !p[1].revents;
}

static ssize_t srv_read(int fd, SSL *ssl, char *p, size_t n)
{
	return ssl ? SSL_read(ssl, p, (int)n) : read(fd, p, n);
}

static void srv_write(int fd, SSL *ssl, const char *p, size_t n)
{
	while (n) {
		ssize_t w = ssl ? SSL_write(ssl, p, (int)n) : write(fd, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void srv_connection(struct srv *s, int fd, SSL *ssl)
{
	for (;;) {
		char req[sizeof(s->request)];
		size_t len = 0, want = 0;
		const char *reply, *end, *cl;
		int i;

		req[0] = '\0';
		while (!(end = strstr(req, "\r\n\r\n")) || len < want) {
			ssize_t n;

			if (len + 1 >= sizeof(req) || !srv_wait(s, fd, ssl))
				return;
			n = srv_read(fd, ssl, req + len, sizeof(req) - 1 - len);
			if (n <= 0)
				return;
			len += (size_t)n;
			req[len] = '\0';
			end = strstr(req, "\r\n\r\n");
			cl = strstr(req, "Content-Length: ");
			if (end)
				want =
				    (size_t)(end + 4 - req) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
		}
		memcpy(s->request, req, len + 1);
		i = __atomic_fetch_add(&s->requests, 1, __ATOMIC_SEQ_CST);
		if (s->hold) {
			srv_wait(s, s->stop[0], NULL);
			return;
		}
		while (i > 0 && !s->replies[i])
			i--;
		reply = s->replies[i];
		srv_write(fd, ssl, reply, strlen(reply));
		if (s->hold_after) {
			srv_wait(s, s->stop[0], NULL);
			return;
		}
		if (s->close_after)
			return;
	}
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;

	for (;;) {
		struct pollfd p[2] = { { s->lfd, POLLIN, 0 }, { s->stop[0], POLLIN, 0 } };
		SSL *ssl = NULL;
		int fd;

		if (poll(p, 2, -1) < 0 || p[1].revents)
			break;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		__atomic_fetch_add(&s->connections, 1, __ATOMIC_SEQ_CST);
		if (s->tls) {
			ssl = SSL_new(s->tls);
			SSL_set_fd(ssl, fd);
			if (SSL_accept(ssl) != 1) {
				SSL_free(ssl);
				ERR_clear_error();
				close(fd);
				continue;
			}
		}
		srv_connection(s, fd, ssl);
		if (ssl) {
			SSL_shutdown(ssl);
			SSL_free(ssl);
			ERR_clear_error();
		}
		close(fd);
	}
	return NULL;
}

static struct srv *srv_start(struct srv *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int one = 1;

	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 8), 0);
	getsockname(s->lfd, (struct sockaddr *)&a, &alen);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pipe(s->stop), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
	return s;
}

static void srv_stop(struct srv *s)
{
	assert_int_equal(write(s->stop[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
	close(s->lfd);
	close(s->stop[0]);
	close(s->stop[1]);
}

/* ---- the client side ------------------------------------------------------------------- */

static void client_for(struct httpc *c, const char *scheme, const char *host, struct srv *s,
		       const char *ca_file, int cancel_fd)
{
	char url[128];
	struct err e = { 0 };

	snprintf(url, sizeof(url), "%s://%s:%d", scheme, host, s->port);
	assert_int_equal(httpc_init(c, url, ca_file, cancel_fd, &e), 0);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct seen {
	char etag[64];
	int headers;
};

static void on_header(void *arg, const char *name, const char *value)
{
	struct seen *h = arg;

	h->headers++;
	if (strcasecmp(name, "ETag") == 0)
		snprintf(h->etag, sizeof(h->etag), "%s", value);
}

/* GET / into body; returns the result, status in *status. */
static int get(struct httpc *c, struct buf *body, int timeout_ms, int stall_ms, bool cancellable,
	       int *status, struct err *e)
{
	struct httpc_request r = { .method = "GET",
				   .target = "/",
				   .timeout_ms = timeout_ms,
				   .stall_ms = stall_ms,
				   .cancellable = cancellable,
				   .body_out = body };

	return httpc_request(c, &r, status, e);
}

static void test_content_length_post_and_headers(void **state)
{
	struct srv s = { .replies = { "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n"
				      "ETag:   \"abc\"  \r\nX-Other: 1\r\n\r\nhello" } };
	struct httpc_header hdr[] = { { "X-Amz-Target", "Svc.Op" } };
	struct buf body = BUF_INIT(1024);
	struct seen seen = { "", 0 };
	struct httpc c;
	struct err e = { 0 };
	char host[64];
	int status;
	struct httpc_request r = { .method = "POST",
				   .target = "/path?q=1",
				   .headers = hdr,
				   .nheaders = 1,
				   .body = "ping",
				   .body_len = 4,
				   .timeout_ms = 5000,
				   .body_out = &body,
				   .on_header = on_header,
				   .header_arg = &seen };

	(void)state;
	srv_start(&s);
	client_for(&c, "http", "127.0.0.1", &s, NULL, -1);
	assert_int_equal(httpc_request(&c, &r, &status, &e), 0);
	assert_int_equal(status, 201);
	assert_string_equal(buf_str(&body), "hello");
	assert_string_equal(seen.etag, "\"abc\"");
	assert_int_equal(seen.headers, 3);
	snprintf(host, sizeof(host), "Host: 127.0.0.1:%d\r\n", s.port);
	assert_non_null(strstr(s.request, "POST /path?q=1 HTTP/1.1\r\n"));
	assert_non_null(strstr(s.request, host));
	assert_non_null(strstr(s.request, "X-Amz-Target: Svc.Op\r\n"));
	assert_non_null(strstr(s.request, "Content-Length: 4\r\n\r\nping"));
	httpc_release(&c);
	srv_stop(&s);
	buf_release(&body);
}

static void test_keep_alive_reuses_the_connection(void **state)
{
	struct srv s = { .replies = { "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none",
				      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo" } };
	struct buf body = BUF_INIT(1024);
	struct httpc c;
	struct err e = { 0 };
	int status;

	(void)state;
	srv_start(&s);
	client_for(&c, "http", "127.0.0.1", &s, NULL, -1);
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), 0);
	assert_string_equal(buf_str(&body), "one");
	buf_reset(&body);
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), 0);
	assert_string_equal(buf_str(&body), "two");
	assert_int_equal(s.connections, 1);
	assert_int_equal(s.requests, 2);
	httpc_release(&c);
	srv_stop(&s);
	buf_release(&body);
}

static void test_a_closed_connection_is_replaced(void **state)
{
	/* HTTP/1.1 without "Connection: close", yet the server closes after each reply. */
	struct srv s = { .replies = { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" },
			 .close_after = true };
	struct buf body = BUF_INIT(1024);
	struct httpc c;
	struct err e = { 0 };
	int status;

	(void)state;
	srv_start(&s);
	client_for(&c, "http", "127.0.0.1", &s, NULL, -1);
	for (int i = 0; i < 3; i++) {
		buf_reset(&body);
		assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), 0);
		assert_string_equal(buf_str(&body), "ok");
	}
	assert_int_equal(s.connections, 3);
	httpc_release(&c);
	srv_stop(&s);
	buf_release(&body);
}

struct collected {
	char data[256];
	size_t len;
	int calls;
};

static int collect(void *arg, const void *data, size_t len, struct err *e)
{
	struct collected *k = arg;

	if (k->len + len >= sizeof(k->data))
		return err_set(e, SW_E_TOO_LARGE, "too much");
	memcpy(k->data + k->len, data, len);
	k->len += len;
	k->calls++;
	return 0;
}

static void test_chunked_body_to_a_sink(void **state)
{
	struct srv s = { .replies = { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "5;name=value\r\nhello\r\n6\r\n world\r\nA\r\n0123456789\r\n"
				      "0\r\nX-Trailer: t\r\n\r\n",
				      "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext" } };
	struct collected k = { "", 0, 0 };
	struct buf body = BUF_INIT(1024);
	struct httpc c;
	struct err e = { 0 };
	int status;
	struct httpc_request r = {
		.method = "GET", .target = "/", .timeout_ms = 5000, .sink = collect, .sink_arg = &k
	};

	(void)state;
	srv_start(&s);
	client_for(&c, "http", "127.0.0.1", &s, NULL, -1);
	assert_int_equal(httpc_request(&c, &r, &status, &e), 0);
	assert_int_equal(status, 200);
	k.data[k.len] = '\0';
	assert_string_equal(k.data, "hello world0123456789");
	/* the trailers were consumed: the next reply on the connection parses */
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), 0);
	assert_string_equal(buf_str(&body), "next");
	assert_int_equal(s.connections, 1);
	httpc_release(&c);
	srv_stop(&s);
	buf_release(&body);
}

static void test_body_until_close_and_http10(void **state)
{
	struct srv s = { .replies = { "HTTP/1.0 200 OK\r\n\r\nall of it" }, .close_after = true };
	struct buf body = BUF_INIT(1024);
	struct httpc c;
	struct err e = { 0 };
	int status;

	(void)state;
	srv_start(&s);
	client_for(&c, "http", "127.0.0.1", &s, NULL, -1);
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), 0);
	assert_string_equal(buf_str(&body), "all of it");
	assert_int_equal(c.fd, -1); /* not kept */
	httpc_release(&c);
	srv_stop(&s);
	buf_release(&body);
}

static void test_oversize_and_malformed_replies_are_refused(void **state)
{
	static const struct {
		const char *reply;
		int code;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"
		  "0123456789012345678901234567890123456789012345678901",
		  SW_E_TOO_LARGE }, /* body over body_out's max (32) */
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n"
		  "0123456789012345678901234567890123456789012345678901234567890123\r\n0\r\n\r\n",
		  SW_E_TOO_LARGE },
		{ "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", SW_E_INVALID },
		{ "ICY 200 OK\r\n\r\n", SW_E_INVALID },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
		  SW_E_INVALID },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", SW_E_INVALID },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", SW_E_INVALID },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", SW_E_INVALID },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
		  SW_E_INVALID },
		{ "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", SW_E_INVALID },
		{ "HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n", SW_E_INVALID },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", SW_E_AGAIN }, /* closed */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct srv s = { .replies = { cases[i].reply }, .close_after = true };
		struct buf body = BUF_INIT(32);
		struct httpc c;
		struct err e = { 0 };
		int status;

		srv_start(&s);
		client_for(&c, "http", "127.0.0.1", &s, NULL, -1);
		assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), -cases[i].code);
		assert_int_equal(c.fd, -1); /* an error closes the connection */
		httpc_release(&c);
		srv_stop(&s);
		buf_release(&body);
	}
}

static void test_oversize_headers_are_refused(void **state)
{
	size_t n = HTTPC_MAX_HEAD + 100;
	char *reply = malloc(n + 64);
	struct srv s = { .close_after = true };
	struct buf body = BUF_INIT(1024);
	struct httpc c;
	struct err e = { 0 };
	int status;

	(void)state;
	assert_non_null(reply);
	memcpy(reply, "HTTP/1.1 200 OK\r\nX-Big: ", 24);
	memset(reply + 24, 'a', n);
	memcpy(reply + 24 + n, "\r\n\r\n", 5);
	s.replies[0] = reply;
	srv_start(&s);
	client_for(&c, "http", "127.0.0.1", &s, NULL, -1);
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), -SW_E_TOO_LARGE);
	assert_non_null(strstr(e.msg, "reply headers longer than"));
	httpc_release(&c);
	srv_stop(&s);
	buf_release(&body);
	free(reply);
}

static void test_timeout_and_stall(void **state)
{
	struct srv s = { .hold = true };
	struct srv t = { .replies = { "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc" },
			 .hold_after = true };
	struct buf body = BUF_INIT(1024);
	struct httpc c;
	struct err e = { 0 };
	int64_t start;
	int status;

	(void)state;
	srv_start(&s);
	client_for(&c, "http", "127.0.0.1", &s, NULL, -1);
	start = now_ms();
	assert_int_equal(get(&c, &body, 300, 0, false, &status, &e), -SW_E_AGAIN);
	assert_true(now_ms() - start >= 250 && now_ms() - start < 3000);
	assert_non_null(strstr(e.msg, "timed out"));
	assert_false(c.cancelled);
	httpc_release(&c);
	srv_stop(&s);

	/* headers and part of the body, then nothing: the stall limit ends it */
	srv_start(&t);
	client_for(&c, "http", "127.0.0.1", &t, NULL, -1);
	start = now_ms();
	assert_int_equal(get(&c, &body, 0, 300, false, &status, &e), -SW_E_AGAIN);
	assert_true(now_ms() - start >= 250 && now_ms() - start < 3000);
	assert_non_null(strstr(e.msg, "timed out"));
	httpc_release(&c);
	srv_stop(&t);
	buf_release(&body);
}

static void *write_later(void *arg)
{
	struct timespec ts = { 0, 200 * 1000000 };

	nanosleep(&ts, NULL);
	if (write(*(int *)arg, "x", 1) != 1)
		abort();
	return NULL;
}

static void test_cancellation_ends_a_long_poll_at_once(void **state)
{
	struct srv s = { .hold = true };
	struct buf body = BUF_INIT(1024);
	struct httpc c;
	struct err e = { 0 };
	pthread_t th;
	int cancel[2], status;
	int64_t start;

	(void)state;
	assert_int_equal(pipe(cancel), 0);
	srv_start(&s);
	client_for(&c, "http", "127.0.0.1", &s, NULL, cancel[0]);
	/* The server never answers; the descriptor becomes readable 200 ms in. */
	start = now_ms();
	pthread_create(&th, NULL, write_later, &cancel[1]);
	assert_int_equal(get(&c, &body, 30000, 0, true, &status, &e), -SW_E_AGAIN);
	pthread_join(th, NULL);
	assert_true(c.cancelled);
	assert_true(now_ms() - start < 2000);
	assert_non_null(strstr(e.msg, "cancelled"));
	assert_int_equal(c.fd, -1);
	/* Already readable before the request starts: nothing is sent. */
	assert_int_equal(get(&c, &body, 30000, 0, true, &status, &e), -SW_E_AGAIN);
	assert_true(c.cancelled);
	assert_int_equal(s.requests, 1);
	/* A call that is not cancellable is not cut short (it times out instead). */
	assert_int_equal(get(&c, &body, 300, 0, false, &status, &e), -SW_E_AGAIN);
	assert_false(c.cancelled);
	assert_non_null(strstr(e.msg, "timed out"));
	httpc_release(&c);
	srv_stop(&s);
	close(cancel[0]);
	close(cancel[1]);
	buf_release(&body);
}

static void test_connection_refused_and_bad_requests(void **state)
{
	struct srv s = { .replies = { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" } };
	struct httpc_header bad[] = { { "X-Injected", "a\r\nEvil: 1" } };
	struct httpc_header host[] = { { "Host", "elsewhere" } };
	struct buf body = BUF_INIT(1024);
	struct httpc c;
	struct err e = { 0 };
	int status;
	struct httpc_request r = { .method = "GET", .target = "/", .timeout_ms = 5000 };

	(void)state;
	srv_start(&s);
	srv_stop(&s); /* nobody listens on that port any more */
	client_for(&c, "http", "127.0.0.1", &s, NULL, -1);
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), -SW_E_AGAIN);
	assert_non_null(strstr(e.msg, "cannot connect"));
	r.headers = bad;
	r.nheaders = 1;
	assert_int_equal(httpc_request(&c, &r, &status, &e), -SW_E_INVALID);
	r.headers = host;
	assert_int_equal(httpc_request(&c, &r, &status, &e), -SW_E_INVALID);
	r.headers = NULL;
	r.nheaders = 0;
	r.target = "no-slash";
	assert_int_equal(httpc_request(&c, &r, &status, &e), -SW_E_INVALID);
	httpc_release(&c);
	buf_release(&body);
}

static void test_urls(void **state)
{
	static const struct {
		const char *url, *host, *port, *authority;
		bool tls;
	} good[] = {
		{ "http://127.0.0.1:8790", "127.0.0.1", "8790", "127.0.0.1:8790", false },
		{ "http://example.com/", "example.com", "80", "example.com", false },
		{ "https://example.com", "example.com", "443", "example.com", true },
		{ "https://[::1]:8443", "::1", "8443", "[::1]:8443", true },
	};
	static const char *const bad[] = {
		"ftp://x",	 "http://",	      "http://host/path",
		"http://host:0", "http://host:70000", "http://host:x",
		"http://[::1",	 "http://user@host",  "host:80",
	};
	struct httpc c;
	struct err e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(httpc_init(&c, good[i].url, NULL, -1, &e), 0);
		assert_string_equal(c.host, good[i].host);
		assert_string_equal(c.port, good[i].port);
		assert_string_equal(c.authority, good[i].authority);
		assert_int_equal(c.tls, good[i].tls);
		httpc_release(&c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(httpc_init(&c, bad[i], NULL, -1, &e), -SW_E_INVALID);
		httpc_release(&c);
	}
}

/* ---- https ------------------------------------------------------------------------------ */

/* A self-signed certificate for 127.0.0.1, in a PEM file at path, and a server context. */
static SSL_CTX *tls_server(char *path)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	X509_EXTENSION *ext;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int fd = mkstemp(path);
	FILE *fp;

	assert_non_null(key);
	assert_non_null(x);
	assert_non_null(ctx);
	assert_true(fd >= 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"httpc test",
				   -1, -1, 0);
	X509_set_issuer_name(x, name);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, "IP:127.0.0.1");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	PEM_write_X509(fp, x);
	fclose(fp);
	assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

static void test_https_checks_the_certificate(void **state)
{
	char cert[] = "/tmp/test-httpc-XXXXXX";
	struct srv s = { .replies = { "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret" } };
	struct buf body = BUF_INIT(1024);
	struct httpc c;
	struct err e = { 0 };
	int status;

	(void)state;
	s.tls = tls_server(cert);
	srv_start(&s);
	/* trusted through ca_file: two requests on one TLS connection */
	client_for(&c, "https", "127.0.0.1", &s, cert, -1);
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), 0);
	assert_int_equal(status, 200);
	assert_string_equal(buf_str(&body), "secret");
	buf_reset(&body);
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), 0);
	assert_string_equal(buf_str(&body), "secret");
	assert_int_equal(s.connections, 1);
	httpc_release(&c);
	/* not trusted: the system's certificates do not include it */
	client_for(&c, "https", "127.0.0.1", &s, NULL, -1);
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), -SW_E_AGAIN);
	assert_non_null(strstr(e.msg, "certificate rejected"));
	httpc_release(&c);
	/* trusted, but issued for 127.0.0.1, not for the name asked for */
	client_for(&c, "https", "localhost", &s, cert, -1);
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), -SW_E_AGAIN);
	assert_non_null(strstr(e.msg, "certificate rejected"));
	httpc_release(&c);
	/* a ca_file that holds no certificate */
	client_for(&c, "https", "127.0.0.1", &s, "/dev/null", -1);
	assert_int_equal(get(&c, &body, 5000, 0, false, &status, &e), -SW_E_INVALID);
	httpc_release(&c);
	srv_stop(&s);
	SSL_CTX_free(s.tls);
	unlink(cert);
	buf_release(&body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length_post_and_headers),
		cmocka_unit_test(test_keep_alive_reuses_the_connection),
		cmocka_unit_test(test_a_closed_connection_is_replaced),
		cmocka_unit_test(test_chunked_body_to_a_sink),
		cmocka_unit_test(test_body_until_close_and_http10),
		cmocka_unit_test(test_oversize_and_malformed_replies_are_refused),
		cmocka_unit_test(test_oversize_headers_are_refused),
		cmocka_unit_test(test_timeout_and_stall),
		cmocka_unit_test(test_cancellation_ends_a_long_poll_at_once),
		cmocka_unit_test(test_connection_refused_and_bad_requests),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_https_checks_the_certificate),
	};

	signal(SIGPIPE, SIG_IGN); /* httpc.h: https users ignore SIGPIPE */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
