/* http: the request and response every service handler sees, independent of libmicrohttpd. */
#ifndef SW_HTTP_H
#define SW_HTTP_H

#include "base/buf.h"
#include "base/err.h"
#include "base/sigv4.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_MAX_BODY	      (8u << 20) /* buffered request bodies (JSON, XML, forms) */
#define HTTP_MAX_HEADERS      96
#define HTTP_MAX_QUERY	      96
#define HTTP_MAX_RESP_HEADERS 64

struct env;
struct service;
struct park_entry;

/* What a signer is, as recorded in users.kind or by its session.  The zero value is nothing,
 * so a principal that was never filled in (or a kind this build does not know) is refused
 * everywhere.  What it may do is decided by the policies that apply to it (contract/authz.h). */
enum principal_kind {
	PRINCIPAL_NONE = 0, /* nothing: unknown kind, or an instance user whose host is gone */
	PRINCIPAL_ADMIN,    /* users.kind 'admin' (before migration 0013; none after) */
	PRINCIPAL_INSTANCE, /* users.kind 'instance': the agent channel of its one host */
	PRINCIPAL_USER,	    /* users.kind 'user': an IAM user, with its policies */
	PRINCIPAL_ROLE,	    /* an STS session of a role (an ASIA… key with its token) */
};

struct principal_policies; /* the caller's compiled policy set (server/authz.c) */

struct principal {
	char access_key[129];
	char user[129];	    /* the IAM user's name; "" for a role session */
	char user_arn[300]; /* the caller's ARN: a user's, or arn:aws:sts::A:assumed-role/R/S */
	char user_id[160];  /* aws:userid: AIDA… for a user, AROA…:session for a session */
	char role[129];	    /* a role session's role name, else "" */
	char role_arn[300];
	char session[65];	/* a role session's name */
	int64_t session_issued; /* ms, a role session's aws:TokenIssueTime */
	int64_t session_expires;
	char instance[129]; /* the on-premises instance of a PRINCIPAL_INSTANCE, else "" */
	char instance_arn[300];
	enum principal_kind kind;
	const struct principal_policies *policies; /* set by auth.c; NULL grants nothing */
};

/* The decision authz_check recorded for this request (the audit trail reads it). */
enum authz_outcome { AUTHZ_NOT_CHECKED = 0, AUTHZ_ALLOWED, AUTHZ_DENIED };
struct authz_record {
	char op[64];
	char action[128];
	char resource[512];
	enum authz_outcome outcome;
	unsigned flags; /* the rule's AUTHZ_* flags */
};

/* "administrator", "on-premises instance 'NAME'", "ordinary user" …: for denial messages. */
const char *principal_describe(const struct principal *p, char *buf, size_t size);

/* A streaming consumer of the request body (large S3 uploads go straight to disk). */
struct body_sink {
	int (*write)(struct body_sink *s, const void *data, size_t n, struct err *e);
	/* called once the whole body has arrived; may fail (bad checksum, short body) */
	int (*finish)(struct body_sink *s, struct err *e);
	void (*free)(struct body_sink *s);
};

struct http_req {
	struct env *env;
	void *conn; /* the server's connection (opaque to a service) */
	const char *method;
	const char *path; /* raw, percent-encoded as sent */
	struct sigv4_kv query[HTTP_MAX_QUERY];
	size_t nquery;
	struct sigv4_kv headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	uint64_t content_length; /* UINT64_MAX when not given */
	struct buf body;
	struct body_sink *sink;
	const struct service *service;
	char target[160]; /* X-Amz-Target */
	struct sigv4_auth auth;
	uint8_t signing_key[32];
	/* S3 only: the hex SHA-256 of the body that the signature covers, when the client
	 * declared one ("" otherwise); the body that arrives must hash to it. */
	char payload_hash[65];
	bool signed_request;
	bool authenticated;
	struct principal who;
	struct authz_record authz;
	bool secure; /* it came over TLS (aws:SecureTransport) */
	char request_id[37];
	char peer[48]; /* the client's address ("" when unknown) */
	struct err err;
	bool failed;	    /* err holds why; the body is discarded */
	bool body_inflated; /* body was gzip on the wire (service.gzip_bodies), inflated now */
	int64_t started_ms;
	void *svc_state; /* a service's per-request state (freed by its own code) */
	void (*svc_state_free)(void *);
	struct park_entry *park; /* the server's, once the request parked (contract/park.h) */
};

/* A reply of unknown length, produced piece by piece: libmicrohttpd sends it with chunked
 * encoding to an HTTP/1.1 client (to an HTTP/1.0 one, up to the connection's close). */
struct http_producer {
	/* Writes the next piece of the reply into buf (at most size bytes): returns the bytes
	 * written (> 0), 0 at the end, < 0 on error — the connection is then closed mid-reply, so
	 * the client sees a chunked body without its last chunk.  Called on the thread serving the
	 * connection, one call at a time. */
	ssize_t (*read)(void *arg, char *buf, size_t size);
	/* Frees arg, once, whether or not read was ever called (optional). */
	void (*free)(void *arg);
	void *arg;
};

struct http_resp {
	int status;
	struct buf body;
	struct {
		char *name;
		char *value;
	} headers[HTTP_MAX_RESP_HEADERS];
	int nheaders;
	int fd; /* >= 0: send [off, off+len) of this file instead of body (taken over) */
	uint64_t off, len;
	struct http_producer producer; /* read set (and fd < 0): send what it produces instead
					* of body (taken over) */
};

/* Case-insensitive header lookup; NULL when absent. */
const char *http_header(const struct http_req *r, const char *name);
/* Query parameter (raw name match; the value is still percent-encoded). */
const char *http_query_raw(const struct http_req *r, const char *name);
bool http_has_query(const struct http_req *r, const char *name);
/* Decoded query parameter into out (caller's buf); 1 when absent. */
int http_query(const struct http_req *r, const char *name, struct buf *out);

int http_resp_header(struct http_resp *resp, const char *name, const char *value);
void http_resp_release(struct http_resp *resp);

#endif
