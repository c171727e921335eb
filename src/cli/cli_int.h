/* cli_int: what the command module's files share — the connection to slipwayd (endpoint,
 * credentials, one reusable libcurl handle), the signed calls of each protocol, the error that
 * decides the exit status, and the output helpers (tables, key/value blocks, JSON, text). */
#ifndef SW_CLI_INT_H
#define SW_CLI_INT_H

#include "base/buf.h"
#include "cli.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>

#define CLI_DEFAULT_ENDPOINT "http://127.0.0.1:8790"
#define CLI_DEFAULT_REGION   "us-east-1"
#define CLI_DEFAULT_PROFILE  "slipway"
#define CLI_PATH_MAX	     4096

/* Where requests go and who signs them, resolved on the first request (conf.c). */
struct cli_conn {
	bool resolved;
	char endpoint[1024];	   /* scheme://host[:port], no trailing '/' */
	char authority[512];	   /* host[:port] for the Host header */
	const char *endpoint_from; /* "--endpoint-url", "SLIPWAY_ENDPOINT", … */
	char profile[128];	   /* the profile the files were read for ("" for env creds) */
	char access_key[129];
	char secret_key[129];
	char session_token[4096];
	char region[64];
	char cred_from[CLI_PATH_MAX + 64]; /* "environment" or "profile 'x' in /path" */
	char credentials_path[CLI_PATH_MAX];
	char config_path[CLI_PATH_MAX];
	char ca_file[CLI_PATH_MAX]; /* the profile's ca_file, if any */
	void *curl;		    /* CURL *, created on the first request */
	int64_t requests;
};

/* The error a command ends with: the AWS exception (or "" for a local one), the message, and
 * the exit status it maps to. */
struct cli_error {
	char type[128];
	char message[2048];
	long http_status;
	int exit;
};

struct cli_state {
	struct cli_conn conn;
	struct cli_error err;
	bool color; /* stdout is a terminal and colour is allowed */
	bool tty;   /* stdout is a terminal */
};

static inline struct cli_state *cli_state(const struct cli_args *a)
{
	return (struct cli_state *)a->priv;
}

/* ---- errors (module.c) ---- */

/* Records an error (type may be "" for a local one) and returns -1. */
int cli_error(struct cli_args *a, int exit, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prints the recorded error (and a hint for what to do) to stderr; returns its exit status. */
int cli_fail(struct cli_args *a);
/* A usage error: prints it with the command's usage line; returns CLI_USAGE. */
int cli_usage(struct cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- connection (conf.c) ---- */

/* Resolves endpoint, credentials and region (once).  Fails with CLI_NOACCESS when there are no
 * credentials, CLI_USAGE when the endpoint is not an http(s) URL. */
int cli_conn_resolve(struct cli_args *a);
/* Reads one value of a profile from an INI file into out; 1 when found, 0 when not. config
 * selects the config file's section naming ("[profile NAME]"). */
int cli_ini_get(const char *path, const char *profile, bool config, const char *key, char *out,
		size_t size);
/* Sets (or with value NULL removes) key in a profile's section, creating file and section as
 * needed; the file is written whole with mode 0600. */
int cli_ini_set(const char *path, const char *profile, bool config, const char *key,
		const char *value, struct buf *why);
/* The credentials and config file paths ($AWS_SHARED_CREDENTIALS_FILE, ~/.aws/...). */
int cli_credentials_path(char *out, size_t size);
int cli_config_path(char *out, size_t size);

/* ---- calls (http.c) ---- */

/* A service spoken in one of the AWS JSON protocols: the X-Amz-Target prefix, the content type
 * (which says 1.0 or 1.1), the SigV4 signing name and the name of its paging token. */
struct cli_json_service {
	const char *name; /* for --debug and errors: "CloudWatch" */
	const char *target_prefix;
	const char *content_type;
	const char *signing_name;
	const char *token_key; /* "nextToken", "NextToken" */
};
extern const struct cli_json_service cli_codedeploy; /* JSON 1.1, CodeDeploy_20141006 */
extern const struct cli_json_service cli_cloudwatch; /* JSON 1.0, GraniteServiceVersion20100801 */
extern const struct cli_json_service cli_cwlogs;     /* JSON 1.1, Logs_20140328 */
extern const struct cli_json_service cli_traffic;    /* JSON 1.1, SlipwayTraffic_20261201 */

/* One call of op to svc: steals req; *resp (may be NULL when not wanted) gets the reply (a JSON
 * object).  0, or -1 with the error recorded (the exception named by the reply's __type). */
int cli_json(struct cli_args *a, const struct cli_json_service *svc, const char *op, json_t *req,
	     json_t **resp);
/* Every page of a listing of svc: steals req, appends each page's list_key items to items (at
 * most max when max > 0), following svc's token until a page has none. */
int cli_json_pages(struct cli_args *a, const struct cli_json_service *svc, const char *op,
		   json_t *req, const char *list_key, json_t *items, int64_t max);

/* A CodeDeploy JSON 1.1 call: steals req; *resp (may be NULL when not wanted) gets the reply.
 * 0, or -1 with the error recorded. */
int cli_cd(struct cli_args *a, const char *op, json_t *req, json_t **resp);
/* Every page of a listing: steals req, appends each page's list_key items to items. */
int cli_cd_pages(struct cli_args *a, const char *op, json_t *req, const char *list_key,
		 json_t *items, int64_t max);
/* CodeDeploy calls made several at a time (parallel connections, at most 8): queue them with
 * a tag (urgent ones go first), then collect them in the order they finish.  _next returns 1
 * with *resp and *tag, 0 when none is left, -1 on the first failure (recorded). */
struct cli_cd_async;
struct cli_cd_async *cli_cd_async_new(struct cli_args *a, int parallel);
int cli_cd_async_add(struct cli_cd_async *as, const char *op, json_t *req, int tag, bool urgent);
int cli_cd_async_next(struct cli_cd_async *as, json_t **resp, int *tag);
void cli_cd_async_free(struct cli_cd_async *as);
/* An IAM query call: params are name/value pairs ending in NULL; *xml (optional) gets the
 * reply body. */
int cli_iam(struct cli_args *a, const char *action, const char *const *params, struct buf *xml);
/* The text of the first <tag> element in xml (entities decoded), or 0 when absent. */
int cli_xml_text(const char *xml, const char *tag, char *out, size_t size);

/* A REST-JSON call (Lambda): method, path (encoded as sent), query parameters (name/value pairs,
 * not encoded, ending in NULL), a JSON body, more request headers, and the reply headers wanted.
 * 0 on a 2xx reply (status, reply body and wanted headers filled in: release reply with
 * buf_release); -1 with the error recorded otherwise: the code from x-amzn-ErrorType (before
 * ':'), else the body's __type or code, the body's message or Message. */
#define CLI_REST_HEADERS   4
#define CLI_REST_EXTRA	   4
#define CLI_REST_QUERY_MAX 8
struct cli_rest {
	const char *what;	  /* "Lambda.CreateFunction", for --debug and errors */
	const char *signing_name; /* the SigV4 service: "lambda" */
	const char *method;
	const char *path;
	const char *const *query;
	const char *body;			/* JSON text, or NULL for none */
	const char *const *headers;		/* at most CLI_REST_EXTRA pairs, NULL-ended */
	const char *want[CLI_REST_HEADERS + 1]; /* reply header names, NULL-ended */
	long timeout_s;				/* 0: 120 s */
	/* out */
	long status;
	struct buf reply;
	char got[CLI_REST_HEADERS][8192]; /* the wanted headers' values ("" when absent) */
};
int cli_rest(struct cli_args *a, struct cli_rest *r);

/* An S3 request (path-style).  body_path (optional) is uploaded with its SHA-256 hex. status
 * and etag (optional) receive the reply's.  HTTP errors are not recorded as failures: the
 * caller decides from *status; transport failures are (-1). */
struct cli_s3_req {
	const char *method;
	const char *bucket;
	const char *key;       /* NULL for a bucket request */
	const char *body_path; /* file to upload */
	const char *body_sha256;
	const char *content_type;
	long status;	   /* out */
	char etag[128];	   /* out, without quotes */
	char code[128];	   /* out: the error's <Code>, if any */
	char message[512]; /* out */
};
int cli_s3(struct cli_args *a, struct cli_s3_req *r);

/* ---- output (out.c) ---- */

enum cli_tone { CLI_PLAIN, CLI_GOOD, CLI_BAD, CLI_BUSY, CLI_DIM, CLI_BOLD };

/* The colour escape for a tone ("" when colour is off), and for a status word. */
const char *cli_color(const struct cli_args *a, enum cli_tone t);
const char *cli_color_reset(const struct cli_args *a);
enum cli_tone cli_status_tone(const char *status);

/* A table of string cells: header row first. Rendered as aligned columns (table), or
 * tab-separated rows without the header (text). */
struct cli_table {
	int ncols;
	int nrows;
	int cap;
	char **cells;	/* nrows * ncols, owned */
	int status_col; /* a column coloured by status, or -1 */
};
void cli_table_init(struct cli_table *t, int ncols, ...);
void cli_table_row(struct cli_table *t, ...); /* ncols strings (NULL → "") */
void cli_table_print(struct cli_args *a, struct cli_table *t);
void cli_table_release(struct cli_table *t);

/* A key/value block for show commands: "key  value" lines (table) or "key\tvalue" (text). */
void cli_kv(struct cli_args *a, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cli_kv_width(int width);

/* Prints j as indented JSON with sorted keys (stable), then a newline. */
void cli_json_print(const json_t *j);

/* Formats an AWS timestamp (epoch seconds, a JSON number) as local "YYYY-MM-DD HH:MM:SS";
 * "" for NULL. */
const char *cli_time(const json_t *t, char *out, size_t size);
/* cli_time for tables; ISO 8601 UTC (2024-01-02T03:04:05Z) for --output text. */
const char *cli_when(const struct cli_args *a, const json_t *t, char *out, size_t size);
/* Formats a duration in milliseconds: "850ms", "12.3s", "4m05s", "1h02m". */
const char *cli_duration(int64_t ms, char *out, size_t size);
/* Sorts a JSON array in place; cmp gets two json_t ** (qsort's order: not stable). */
void cli_array_sort(json_t *items, int (*cmp)(const void *, const void *));
/* "90", "30s", "10m", "1h", "2d", "1w" → seconds (at least 1); -1 for anything else. */
int cli_parse_duration(const char *s, int64_t *seconds);
/* A measurement for people: up to 10 significant digits, no trailing zeros ("2.25", "6"). */
const char *cli_number(double v, char *out, size_t size);
/* epoch seconds of a JSON timestamp, in milliseconds (0 for NULL). */
int64_t cli_ms(const json_t *t);
/* Display width of UTF-8 text (one column per code point). */
int cli_width(const char *s);
/* True for a LifecycleEvent the deployment never had: a traffic event (BeforeBlockTraffic …
 * AfterAllowTraffic) Skipped without ever starting, which AWS — and slipwayd — list for every
 * in-place deployment, load balancer or not.  Timelines leave them out. */
bool cli_event_absent(const json_t *event);

/* "k=v,k=v" → [{Key, Value}] (with filter_type, Type too: KEY_AND_VALUE, KEY_ONLY for "k",
 * VALUE_ONLY for "=v").  NULL on a malformed list, with the reason in why. */
json_t *cli_parse_tags(const char *s, bool filter, char *why, size_t size);
/* A tag list [{Key, Value}] as "k=v, k=v". */
void cli_tags_str(const json_t *tags, struct buf *out);

/* A RevisionLocation for people: "s3://bucket/key (zip)", "AppSpec content (sha256 …)". */
void cli_revision_str(const json_t *rev, struct buf *out);

/* The account id, from the caller's IAM user ARN (IAM GetUser); cached. */
int cli_account_id(struct cli_args *a, char *out, size_t size);

/* ---- shared by the deploy commands (deploy.c, watch.c) ---- */

/* Every target of a deployment as InstanceTarget objects (ListDeploymentTargets +
 * BatchGetDeploymentTargets), in name order.  A deployment that has not started yet has none. */
int cli_deploy_targets(struct cli_args *a, const char *id, json_t **targets);
/* Every alarm DescribeAlarms gives for req (stolen; AlarmTypes is set to both kinds), metric
 * and composite together, sorted by name, every page read (alarm.c).  0, or -1 recorded. */
int cli_alarms_describe(struct cli_args *a, json_t *req, json_t **alarms);
/* Prints the events of log group (one stream, or every one when stream is NULL) since `since`
 * (a duration, NULL for 10 minutes), matching filter (optional), and with follow goes on until
 * SIGINT/SIGTERM (logs.c).  Returns the exit status. */
int cli_logs_print(struct cli_args *a, const char *group, const char *stream, const char *filter,
		   bool follow, const char *since);
/* Adds everything under dir to the open archive ar, in name order, modes (the executable bit)
 * and symlinks kept, the root's .git left out (pack.c).  0, or -1 with the reason in why. */
struct archive;
int cli_pack_tree(struct archive *ar, const char *dir, char *why, size_t size);
/* Follows a deployment until it ends (watch.c); returns the exit status. */
int cli_watch(struct cli_args *a, const char *id);
/* Packs dir and uploads and registers it as a revision of app (deploy push); *rev gets the
 * RevisionLocation.  info (optional) receives what was done, for printing. */
int cli_push(struct cli_args *a, const char *app, const char *dir, json_t **rev, json_t **info);

#endif
