/* http: the libmicrohttpd front — collects a request, authenticates it, hands it to the service
 * the router picked, and sends the reply. */
#include "contract/http.h"
#include "auth.h"
#include "park.h"
#include "router.h"
#include "selfstats.h"
#include "contract/service.h"
#include "slipwayd.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

const char *http_header(const struct http_req *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

const char *http_query_raw(const struct http_req *r, const char *name)
{
	for (size_t i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].name, name) == 0)
			return r->query[i].value ? r->query[i].value : "";
	return NULL;
}

bool http_has_query(const struct http_req *r, const char *name)
{
	return http_query_raw(r, name) != NULL;
}

int http_query(const struct http_req *r, const char *name, struct buf *out)
{
	const char *v = http_query_raw(r, name);
	int rc;

	if (!v)
		return 1;
	buf_reset(out);
	rc = uri_decode(out, v, strlen(v));
	/* Callers use the value as a C string: a decoded NUL would shorten it. */
	if (!rc && memchr(buf_str(out), '\0', out->len))
		rc = -SW_E_INVALID;
	return rc;
}

int http_resp_header(struct http_resp *resp, const char *name, const char *value)
{
	int i = resp->nheaders;

	if (i >= HTTP_MAX_RESP_HEADERS)
		return -SW_E_TOO_LARGE;
	resp->headers[i].name = str_dup(name);
	resp->headers[i].value = str_dup(value);
	if (!resp->headers[i].name || !resp->headers[i].value) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
		return -SW_E_NOMEM;
	}
	resp->nheaders++;
	return 0;
}

void http_resp_release(struct http_resp *resp)
{
	for (int i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	resp->nheaders = 0;
	buf_release(&resp->body);
	if (resp->fd >= 0)
		close(resp->fd);
	resp->fd = -1;
	if (resp->producer.free)
		resp->producer.free(resp->producer.arg);
	resp->producer = (struct http_producer){ 0 };
}

static enum MHD_Result http__collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
					    const char *value)
{
	struct http_req *r = cls;

	(void)kind;
	if (r->nheaders >= HTTP_MAX_HEADERS) {
		if (!r->failed) {
			r->failed = true;
			err_set(&r->err, SW_E_INVALID, "too many headers (at most %d)",
				HTTP_MAX_HEADERS);
		}
		return MHD_NO;
	}
	r->headers[r->nheaders].name = key;
	r->headers[r->nheaders].value = value ? value : "";
	r->nheaders++;
	return MHD_YES;
}

static enum MHD_Result http__collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
					   const char *value)
{
	struct http_req *r = cls;

	(void)kind;
	if (r->nquery >= HTTP_MAX_QUERY) {
		if (!r->failed) {
			r->failed = true;
			err_set(&r->err, SW_E_INVALID, "too many query parameters (at most %d)",
				HTTP_MAX_QUERY);
		}
		return MHD_NO;
	}
	r->query[r->nquery].name = key;
	r->query[r->nquery].value = value;
	r->nquery++;
	return MHD_YES;
}

static void http__req_free(struct http_req *r)
{
	if (!r)
		return;
	if (r->sink)
		r->sink->free(r->sink);
	if (r->svc_state_free)
		r->svc_state_free(r->svc_state);
	park_request_done(r);
	buf_release(&r->body);
	free(r);
}

/* libmicrohttpd's reader callback over a producer: its 0 (the end) is MHD's end of stream. */
static ssize_t http__produce(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_producer *p = cls;
	ssize_t n = p->read(p->arg, buf, max);

	(void)pos;
	if (n > 0 && (size_t)n <= max)
		return n;
	return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void http__produced(void *cls)
{
	struct http_producer *p = cls;

	if (p->free)
		p->free(p->arg);
	free(p);
}

struct MHD_Response *http_response(struct http_resp *resp)
{
	struct MHD_Response *mr;

	if (resp->fd >= 0) {
		mr = MHD_create_response_from_fd_at_offset64(resp->len, resp->fd, resp->off);
		if (mr)
			resp->fd = -1; /* MHD closes it */
	} else if (resp->producer.read) {
		struct http_producer *p = malloc(sizeof(*p));

		mr = NULL;
		if (p) {
			*p = resp->producer;
			mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
							       http__produce, p, http__produced);
			if (mr)
				resp->producer = (struct http_producer){ 0 }; /* MHD frees it */
			else
				free(p);
		}
	} else {
		size_t len = resp->body.len;
		char *p = buf_detach(&resp->body);

		mr = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
		if (!mr)
			free(p);
	}
	if (!mr) {
		http_resp_release(resp);
		return NULL;
	}
	for (int i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(mr, resp->headers[i].name, resp->headers[i].value);
	return mr;
}

static enum MHD_Result http__send(struct MHD_Connection *conn, struct http_req *req,
				  struct http_resp *resp)
{
	int status = resp->status;
	struct MHD_Response *mr = http_response(resp);
	enum MHD_Result ret;

	if (req)
		selfstats_answered(slipwayd_of(req->env)->stats, req, status);
	if (!mr)
		return MHD_NO;
	if (req)
		MHD_add_response_header(mr, "Server", "slipwayd");
	ret = MHD_queue_response(conn, (unsigned)resp->status, mr);
	MHD_destroy_response(mr);
	if (req) {
		int64_t ms = time_mono_ms() - req->started_ms;

		log_debug("http", "%s %s %s%s%s -> %d (%lld ms) [%s]", req->method, req->path,
			  req->service ? req->service->name : "-", req->target[0] ? " " : "",
			  req->target, resp->status, (long long)ms, req->request_id);
	}
	http_resp_release(resp);
	return ret;
}

static enum MHD_Result http__fail(struct MHD_Connection *conn, struct http_req *req)
{
	struct http_resp resp = { .fd = -1 };

	buf_init(&resp.body, 1 << 16);
	if (req->service && req->service->error)
		req->service->error(req, &resp, &req->err);
	else
		json_proto_error(req, &resp, &req->err);
	if (req->err.code != SW_E_AccessDenied && err_info(req->err.code)->http_status >= 500)
		log_warn("http", "%s %s failed: %s [%s]", req->method, req->path,
			 err_message(&req->err), req->request_id);
	return http__send(conn, req, &resp);
}

/* A Content-Encoding: gzip body of a service that takes them, inflated in place (at most
 * HTTP_MAX_BODY bytes).  0 (also for a body that is not gzip), or -1 with req->err set. */
static int http__inflate(struct http_req *req)
{
	const char *ce = http_header(req, "Content-Encoding");
	struct buf out = BUF_INIT(HTTP_MAX_BODY);
	z_stream zs = { 0 };
	unsigned char chunk[64 * 1024];
	int zr = Z_OK;

	if (req->body_inflated || req->sink || !req->service->gzip_bodies || !ce ||
	    strcasecmp(ce, "gzip") != 0)
		return 0;
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		err_set(&req->err, SW_E_NOMEM, NULL);
		return -1;
	}
	zs.next_in = (unsigned char *)req->body.p;
	zs.avail_in = (uInt)req->body.len;
	while (zr == Z_OK) {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zr = inflate(&zs, Z_NO_FLUSH);
		if ((zr == Z_OK || zr == Z_STREAM_END) &&
		    buf_add(&out, chunk, sizeof(chunk) - zs.avail_out) < 0) {
			zr = Z_MEM_ERROR;
			err_set(&req->err, SW_E_TOO_LARGE,
				"the gzip request body inflates past the limit of %u bytes",
				HTTP_MAX_BODY);
		} else if (zr == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
			zr = Z_DATA_ERROR; /* no more input, and no end of stream */
		}
	}
	inflateEnd(&zs);
	if (zr != Z_STREAM_END || zs.avail_in != 0) {
		if (!req->err.code)
			err_set(&req->err, SW_E_Serialization,
				"the request body is not a valid gzip stream (Content-Encoding: "
				"gzip)");
		buf_release(&out);
		return -1;
	}
	buf_release(&req->body);
	req->body = out;
	req->body_inflated = true; /* a parked request that runs again is inflated already */
	return 0;
}

/* The client's address, as text ("" when unknown). */
static void http__peer(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	out[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)size);
}

static int http__start(struct slipwayd *d, struct MHD_Connection *conn, struct http_req *req,
		       const char *url, const char *method)
{
	const char *cl, *target;
	const struct service *svc;
	int64_t v;

	req->env = &d->env;
	req->conn = conn;
	req->method = method;
	req->path = url;
	req->started_ms = time_mono_ms();
	req->content_length = UINT64_MAX;
	buf_init(&req->body, HTTP_MAX_BODY);
	uuid_v4(req->request_id);
	http__peer(conn, req->peer, sizeof(req->peer));
	MHD_get_connection_values(conn, MHD_HEADER_KIND, http__collect_header, req);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, http__collect_query, req);
	if (req->failed)
		return -1;
	target = http_header(req, "X-Amz-Target");
	if (target)
		str_copy(req->target, sizeof(req->target), target);
	cl = http_header(req, "Content-Length");
	if (cl) {
		if (str_to_i64(cl, 0, INT64_MAX, &v)) {
			err_set(&req->err, SW_E_INVALID, "invalid Content-Length");
			req->failed = true;
			return -1;
		}
		req->content_length = (uint64_t)v;
		/* Two lengths that disagree are how requests are smuggled past a proxy that
		 * believes the other one (RFC 9112 §6.3): refuse them. */
		for (size_t i = 0; i < req->nheaders; i++)
			if (strcasecmp(req->headers[i].name, "Content-Length") == 0 &&
			    strcmp(req->headers[i].value, cl) != 0) {
				err_set(&req->err, SW_E_INVALID,
					"conflicting Content-Length headers ('%s' and '%s')", cl,
					req->headers[i].value);
				req->failed = true;
				return -1;
			}
	}
	svc = router_route(req);
	req->service = svc;
	if (!svc) {
		err_set(&req->err, SW_E_UnknownOperation,
			"no service answers %s %s (missing X-Amz-Target or SigV4 credential scope)",
			method, url);
		req->failed = true;
		return -1;
	}
	if (svc->anonymous)
		return 0;
	/* A body whose hash the client declared can be authenticated before it arrives. */
	if (auth_early(d, req) < 0) {
		req->failed = true;
		return -1;
	}
	if (svc->begin && svc->begin(req, &req->err) < 0) {
		req->failed = true;
		return -1;
	}
	if (!req->sink && req->content_length != UINT64_MAX &&
	    req->content_length > HTTP_MAX_BODY) {
		err_set(&req->err, SW_E_TOO_LARGE,
			"request body of %llu bytes is over the limit of %u bytes",
			(unsigned long long)req->content_length, HTTP_MAX_BODY);
		req->failed = true;
		return -1;
	}
	return 0;
}

static enum MHD_Result http__handler(void *cls, struct MHD_Connection *conn, const char *url,
				     const char *method, const char *version,
				     const char *upload_data, size_t *upload_data_size,
				     void **con_cls)
{
	struct slipwayd *d = cls;
	struct http_req *req = *con_cls;
	struct http_resp resp = { .fd = -1 };

	(void)version;
	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		*con_cls = req;
		if (http__start(d, conn, req, url, method) < 0)
			return http__fail(conn, req); /* answer now; MHD drops the unread body */
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->failed)
			return MHD_YES;
		if (req->sink) {
			if (req->sink->write(req->sink, upload_data, n, &req->err) < 0)
				req->failed = true;
		} else if (buf_add(&req->body, upload_data, n) < 0) {
			err_set(&req->err, SW_E_TOO_LARGE,
				"request body is over the limit of %u bytes", HTTP_MAX_BODY);
			req->failed = true;
		}
		return MHD_YES;
	}
	if (req->failed)
		return http__fail(conn, req);
	if (req->sink && req->sink->finish(req->sink, &req->err) < 0)
		return http__fail(conn, req);
	if (!req->service->anonymous && auth_late(d, req) < 0)
		return http__fail(conn, req);
	if (http__inflate(req) < 0)
		return http__fail(conn, req);
	buf_init(&resp.body, 64u << 20);
	selfstats_handling(d->stats, req);
	req->service->handle(req, &resp);
	if (resp.status == 0) { /* the handler parked the request: it runs again when resumed */
		http_resp_release(&resp);
		return MHD_YES;
	}
	return http__send(conn, req, &resp);
}

static void http__completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	http__req_free(*con_cls);
	*con_cls = NULL;
}

static size_t http__keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s); /* keep paths and query values raw: SigV4 needs them as sent */
}

/* What the wait list of parked requests (park.c) does to a connection: libmicrohttpd's
 * suspend and resume.  A resumed connection calls http__handler again, with no upload data,
 * which authenticates and hands the request to its service's handler once more. */
static void http__suspend(void *arg, void *conn)
{
	(void)arg;
	MHD_suspend_connection(conn);
}

static void http__resume(void *arg, void *conn)
{
	(void)arg;
	MHD_resume_connection(conn);
}

static const struct park_ops http__park_ops = {
	.suspend = http__suspend,
	.resume = http__resume,
};

int http_park_open(struct slipwayd *d, struct err *e)
{
	return park_new(&http__park_ops, d, 0, &d->env.park, e);
}

int http_start(struct slipwayd *d, struct err *e)
{
	struct sockaddr_in sa = { 0 };
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *mhd;

	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)d->cfg.listen_port);
	if (inet_pton(AF_INET, d->cfg.listen_host, &sa.sin_addr) != 1)
		return err_set(e, SW_E_INVALID, "cannot parse listen address '%s'",
			       d->cfg.listen_host);
	mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG,
	    0, NULL, NULL, http__handler, d, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)d->cfg.threads, MHD_OPTION_NOTIFY_COMPLETED, http__completed, d,
	    MHD_OPTION_UNESCAPE_CALLBACK, http__keep_escaped, d, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)120, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
	if (!mhd)
		return err_set(e, SW_E_IO, "cannot listen on %s:%d (is the port in use?)",
			       d->cfg.listen_host, d->cfg.listen_port);
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	d->port = info ? info->port : d->cfg.listen_port;
	d->mhd = mhd;
	return 0;
}

void http_stop(struct slipwayd *d)
{
	if (d->mhd)
		MHD_stop_daemon(d->mhd);
	d->mhd = NULL;
}
