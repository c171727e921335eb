/* httpc: a small HTTP/1.1 client over plain sockets and, for https, OpenSSL's libssl — loaded
 * with dlopen() on the first https connection, so that a program talking plain http (the agent
 * to a slipwayd on its network) never maps OpenSSL.  One connection per struct httpc, kept
 * alive between requests when the server allows it.  Bounded: reply headers, chunk lines and
 * buffered bodies have maxima; every wait has a deadline and can be cut short by a "cancel"
 * descriptor (a self-pipe written from a signal handler).  Programs using https must ignore
 * SIGPIPE: OpenSSL writes to the socket with write(2). */
#ifndef SW_HTTPC_H
#define SW_HTTPC_H

#include "buf.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>

#define HTTPC_MAX_HEAD	 (32 * 1024) /* status line and headers of one reply */
#define HTTPC_CONNECT_MS 15000	     /* connecting (and the TLS handshake), at most */
#define HTTPC_IO_BUF	 16384

struct httpc {
	bool tls;
	char host[256]; /* without brackets for an IPv6 literal */
	char port[8];
	char authority[300];   /* host[:port] as the Host header (and SigV4) carry it */
	char *ca_file;	       /* extra trust anchors for https (PEM), or NULL */
	int cancel_fd;	       /* readable = give up a cancellable request; -1 for none */
	bool cancelled;	       /* the last request was given up because cancel_fd was readable */
	int fd;		       /* the connection, -1 when there is none */
	void *ssl;	       /* SSL * on an https connection */
	void *ssl_ctx;	       /* SSL_CTX *, made on the first https connection */
	size_t in_pos, in_len; /* unconsumed bytes in in[] */
	char in[HTTPC_IO_BUF];
};

/*
 * Sets up c for base_url, "http://host[:port]" or "https://host[:port]" (a trailing '/' is
 * allowed, a path is not; IPv6 literals in brackets).  ca_file (copied; NULL or "" for none)
 * is a PEM file whose certificates are trusted for https in addition to the system's hashed
 * certificate directory (/etc/ssl/certs, or $SSL_CERT_DIR as OpenSSL reads it).  cancel_fd
 * may be -1.  No connection is made yet.  Fails with -SW_E_INVALID for a URL it cannot use.
 * Release c with httpc_release() whatever the result.
 */
int httpc_init(struct httpc *c, const char *base_url, const char *ca_file, int cancel_fd,
	       struct err *e);
/* Closes the connection and frees what c holds; c can be initialised again. */
void httpc_release(struct httpc *c);

struct httpc_header {
	const char *name;
	const char *value;
};

/* Receives the reply body as it arrives; returns 0, or a negative SW_E code (with e set) to
 * abandon the request (the connection is then closed). */
typedef int (*httpc_sink_fn)(void *arg, const void *data, size_t len, struct err *e);
/* Sees each reply header (name as sent, value trimmed); only for the final (non-1xx) reply. */
typedef void (*httpc_header_fn)(void *arg, const char *name, const char *value);

struct httpc_request {
	const char *method; /* "GET", "POST", ... */
	const char *target; /* path and query, already percent-encoded: "/", "/b/k?versionId=1" */
	/* Sent as given; httpc writes Host (c->authority) and Content-Length itself, so these must
	 * not include them. */
	const struct httpc_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	int timeout_ms;	  /* the whole request, connecting included; 0 for no limit */
	int stall_ms;	  /* the longest wait for any progress; 0 for no limit */
	bool cancellable; /* give up as soon as cancel_fd is readable */
	/* The reply body goes to sink when set, else it is appended to body_out (whose max bounds
	 * it: more is -SW_E_TOO_LARGE), else it is read and dropped. */
	httpc_sink_fn sink;
	void *sink_arg;
	struct buf *body_out;
	httpc_header_fn on_header;
	void *header_arg;
};

/*
 * Sends r and reads the whole reply, storing its status code in *status.  Reuses the kept-alive
 * connection when there is one (and, if the server had closed it before answering, retries
 * once on a new connection).  Reply bodies may be Content-Length delimited, chunked (trailers
 * are read and dropped) or end with the connection.  Errors: -SW_E_AGAIN for anything a retry
 * may cure — no connection, a reset, a timeout, a TLS failure, and cancellation (c->cancelled
 * set); -SW_E_TOO_LARGE when the reply headers exceed HTTPC_MAX_HEAD or the body exceeds
 * body_out's max; -SW_E_INVALID for a malformed reply; the sink's own error.  After an error
 * the connection is closed.
 */
int httpc_request(struct httpc *c, const struct httpc_request *r, int *status, struct err *e);

#endif
