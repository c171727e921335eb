/* err: error codes — the generic table, the registry of each service's own tables, and the
 * recording helpers. */
#ifndef SW_ERR_H
#define SW_ERR_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Functions return 0 on success or -SW_E_<code>; the details for a person go into a
 * caller-owned struct err.  A code's row gives its HTTP status and the AWS type that goes on the
 * wire (`__type`, `<Code>`).
 *
 * base keeps the generic codes below (0 … SW_E__GENERIC_COUNT - 1).  Each service declares its
 * own exceptions in services/<service>/errors.h: an X-macro of rows and an enum that starts at
 * the service's base (SW_ERR_BASE_* below); its errors.c registers the struct err_table before
 * main (ERR_REGISTER).  docs/architecture.md ("Errors") says how to add a service's.  The C
 * name (`code`) is unique across the program; the AWS type is not: two services may each have a
 * `LimitExceeded` with its own status (give the newer one a prefixed C name, e.g.
 * `X(CW_LimitExceeded, 400, "LimitExceeded", …)`).
 *
 * X(code, http status, AWS error type, default message).  One row per line (clang-format off):
 * rows added on two branches then merge without touching each other.
 */
/* clang-format off */
#define SW_ERRORS_GENERIC(X) \
	X(OK, 200, "", "success") \
	X(NOMEM, 500, "InternalFailure", "out of memory") \
	X(INTERNAL, 500, "InternalFailure", "internal error") \
	X(IO, 500, "InternalFailure", "input/output error") \
	X(STORE, 500, "InternalFailure", "store error") \
	X(TOO_LARGE, 413, "RequestEntityTooLarge", "request body too large") \
	X(TRUNCATED, 500, "InternalFailure", "value too long") \
	X(NOT_FOUND, 404, "ResourceNotFoundException", "not found") \
	X(INVALID, 400, "ValidationException", "invalid input") \
	X(Serialization, 400, "SerializationException", "malformed request body") \
	X(UnknownOperation, 400, "UnknownOperationException", "unknown operation") \
	X(NotImplemented, 501, "NotImplementedException", "operation not implemented") \
	X(MissingAuthenticationToken, 403, "MissingAuthenticationTokenException", "request is missing authentication token") \
	X(IncompleteSignature, 400, "IncompleteSignatureException", "incomplete signature") \
	X(InvalidClientTokenId, 400, "UnrecognizedClientException", "the security token included in the request is invalid") \
	X(SignatureDoesNotMatch, 400, "InvalidSignatureException", "the request signature we calculated does not match the signature you provided") \
	X(RequestExpired, 400, "InvalidSignatureException", "signature expired") \
	X(AccessDenied, 400, "AccessDeniedException", "access denied") \
	X(Throttling, 400, "ThrottlingException", "rate exceeded") \
	X(AGAIN, 503, "ServiceUnavailable", "try again")
/* clang-format on */

enum sw_err {
#define X(code, http, aws, msg) SW_E_##code,
	SW_ERRORS_GENERIC(X)
#undef X
	    SW_E__GENERIC_COUNT
};

/*
 * Where each service's codes start: a service owns [base, base + SW_ERR_RANGE).  Allocated
 * here, one line per service, so that two services can never be given the same numbers;
 * err_register() refuses an overlap all the same.  The numbers never leave the process.
 */
#define SW_ERR_RANGE 1000
enum sw_err_base {
	SW_ERR_BASE_CODEDEPLOY = 1 * SW_ERR_RANGE,
	SW_ERR_BASE_COMMANDS = 2 * SW_ERR_RANGE, /* the agent channel */
	SW_ERR_BASE_S3 = 3 * SW_ERR_RANGE,
	SW_ERR_BASE_IAM = 4 * SW_ERR_RANGE,
	SW_ERR_BASE_MONITORING = 5 * SW_ERR_RANGE, /* CloudWatch metrics and alarms */
	SW_ERR_BASE_LOGS = 6 * SW_ERR_RANGE,	   /* CloudWatch Logs */
	SW_ERR_BASE_LAMBDA = 7 * SW_ERR_RANGE,	   /* Lambda: functions */
	SW_ERR_BASE_TRAFFIC = 8 * SW_ERR_RANGE,	   /* Slipway's load-balancer API */
};

struct err_info {
	const char *name;     /* the code's own name, e.g. "ApplicationDoesNotExist" */
	int http_status;      /* what the protocol layer answers with */
	const char *aws_type; /* e.g. "ApplicationDoesNotExistException" */
	const char *message;  /* default text, may be NULL */
};

/* One service's codes: rows[i] describes code first + i, for first <= code < end. */
struct err_table {
	const char *service; /* "s3", for messages */
	int first, end;
	const struct err_info *rows;
};

/*
 * How a protocol front names codes its own way: S3 and the query protocol call the generic
 * authentication failures SignatureDoesNotMatch, InvalidAccessKeyId, … with HTTP 403, where the
 * generic rows (JSON 1.1's names) say InvalidSignatureException, 400.
 */
struct err_remap {
	int code;
	int http_status;
	const char *aws_type;
};

/* A front's view of the codes: the rows it renames, and (optionally) the one name it gives
 * every other server error — a 5xx row, OK, a negative or an unknown code (S3's InternalError). */
struct err_view {
	const struct err_remap *remap;
	size_t nremap;
	const struct err_remap *server_error; /* NULL: such codes keep their own row */
};

/* What goes on the wire: the status and the AWS type. */
struct err_wire {
	int http_status;
	const char *aws_type;
};

/* An error for a person: which code and what exactly went wrong. */
struct err {
	int code;
	char msg[512];
};

/*
 * Makes t's codes known to err_info().  Call before other threads look codes up: services do it
 * at program start through ERR_REGISTER.  Registering the same table again is a no-op.  Fails
 * with -SW_E_INVALID when t does not lie within one SW_ERR_RANGE starting at a multiple of it
 * above the generic codes, or overlaps a table already registered, and with -SW_E_TRUNCATED
 * when ERR_MAX_TABLES are registered.
 */
#define ERR_MAX_TABLES 32
int err_register(const struct err_table *t);

/* err_register() for ERR_REGISTER: a refusal is a programmer's mistake (two services given one
 * range), reported on stderr before abort(). */
void err_register_or_die(const struct err_table *t);

/*
 * A service's errors.c ends with ERR_REGISTER(its table): the table registers itself before
 * main runs, so that no program that links the service (slipwayd, a unit test, a fuzz target)
 * can forget it.  The errors objects are linked whole (src/server/meson.build) because nothing
 * else refers to them.
 */
#define ERR_REGISTER(table)                                                  \
	__attribute__((constructor)) static void err__register_##table(void) \
	{                                                                    \
		err_register_or_die(&(table));                               \
	}

/* The table row for a code, positive or negative: a generic code's, a registered table's, and
 * INTERNAL's for anything else (including a code of a table nobody registered). */
const struct err_info *err_info(int code);

/* What a front answers for code under view v (NULL: the code's own row).  A remap row for code
 * wins; else, when v has a server_error and code is OK, negative, unknown or a 5xx, that;
 * else the code's own row. */
struct err_wire err_wire(int code, const struct err_view *v);

/* Records code and message in e (which may be NULL) and returns -code, so callers can write
 * `return err_set(e, SW_E_INVALID, "…");`.  fmt may be NULL for the table's message. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The message to show: e's own text, else the table's message. */
const char *err_message(const struct err *e);

void err_clear(struct err *e);

#endif
