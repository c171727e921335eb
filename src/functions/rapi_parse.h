/* functions/rapi_parse: the Runtime API's HTTP/1.1 request parser, pure (bytes in → method,
 * target, the headers the runtime needs, body framing).  The runtime thread feeds it what an
 * environment's connection has sent; it never allocates. */
#ifndef SW_FUNCTIONS_RAPI_PARSE_H
#define SW_FUNCTIONS_RAPI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAPI_HEAD_MAX	 8192 /* request line + headers */
#define RAPI_PATH_MAX	 512
#define RAPI_ETYPE_MAX	 128
#define RAPI_HEADERS_MAX 64

enum rapi_method { RAPI_GET, RAPI_POST, RAPI_OTHER };

enum rapi_framing {
	RAPI_BODY_NONE,	  /* no body */
	RAPI_BODY_LENGTH, /* Content-Length bytes follow the head */
	RAPI_BODY_CHUNKED /* Transfer-Encoding: chunked */
};

struct rapi_req {
	enum rapi_method method;
	char path[RAPI_PATH_MAX]; /* the request target as sent, without a query */
	enum rapi_framing framing;
	uint64_t content_length;
	bool expect_continue;		 /* Expect: 100-continue */
	bool close;			 /* Connection: close (or HTTP/1.0 without keep-alive) */
	char error_type[RAPI_ETYPE_MAX]; /* Lambda-Runtime-Function-Error-Type, or "" */
	size_t head_len;		 /* bytes of the head, CRLFCRLF included */
};

/*
 * Parses the head at the start of data[0..len): 1 with *r filled when the whole head is there,
 * 0 when more bytes are needed (fewer than RAPI_HEAD_MAX so far), -1 on a malformed head or one
 * over the limits (the connection is then answered 400 and closed).
 */
int rapi_parse_head(const char *data, size_t len, struct rapi_req *r);

/* A chunked body decoder, fed in place. */
struct rapi_chunked {
	int state;
	uint64_t left; /* bytes left in the current chunk */
	int digits;
};

void rapi_chunked_init(struct rapi_chunked *c);
/*
 * Decodes data[0..len) in place: the body bytes are moved to the start of data, *out_len says
 * how many, *used how many input bytes were consumed.  1 when the last chunk and trailer were
 * read, 0 when more input is needed, -1 on a malformed stream.
 */
int rapi_chunked_feed(struct rapi_chunked *c, char *data, size_t len, size_t *used,
		      size_t *out_len);

/* The route of a Runtime API path. */
enum rapi_route {
	RAPI_R_UNKNOWN,
	RAPI_R_NEXT,	  /* GET /2018-06-01/runtime/invocation/next */
	RAPI_R_RESPONSE,  /* POST /2018-06-01/runtime/invocation/{id}/response */
	RAPI_R_ERROR,	  /* POST /2018-06-01/runtime/invocation/{id}/error */
	RAPI_R_INIT_ERROR /* POST /2018-06-01/runtime/init/error */
};

/* Routes r; for RESPONSE and ERROR copies the request id (≤ 63 bytes) into id. */
enum rapi_route rapi_route(const struct rapi_req *r, char id[64]);

#endif
