/* test_functions: the function runtime with real environments — a shell bootstrap (curl against
 * the Runtime API) zipped into a blob store, a SQLite store in a temporary directory: warm reuse,
 * errors, timeouts, crashes, init errors, throttling, oversized responses, the environment's
 * variables, the log lines and tail. */
#include "functions/functions.h"

#include "base/fs.h"
#include "base/str.h"
#include "blob/blob.h"
#include "model/lambda.h"
#include "model/logs.h"
#include "model/metrics.h"
#include "store/store.h"

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static const char bootstrap[] =
    "#!/bin/sh\n"
    "API=\"http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime\"\n"
    "case \"$_HANDLER\" in\n"
    "initerr) curl -sS -X POST -d '{\"errorMessage\":\"bad init\",\"errorType\":\"Runtime.Bad\"}' "
    "\"$API/init/error\" >/dev/null; exit 1;;\n"
    "initexit) echo dying; exit 4;;\n"
    "esac\n"
    "echo \"init done\"\n"
    "while true; do\n"
    "  H=$(mktemp)\n"
    "  BODY=$(curl -sS -D \"$H\" \"$API/invocation/next\")\n"
    "  ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' \"$H\" | cut -d: -f2 | tr -d ' \\r')\n"
    "  rm -f \"$H\"\n"
    "  echo \"got $BODY\"\n"
    "  case \"$BODY\" in\n"
    "  *sleep*) sleep 5;;\n"
    "  *crash*) exit 3;;\n"
    "  *nap*) sleep 1; curl -sS -X POST -d '\"napped\"' \"$API/invocation/$ID/response\" "
    ">/dev/null;;\n"
    "  *big*) head -c 7000000 /dev/zero | tr '\\0' 'a' > \"$TMPDIR/big\"; curl -s -X POST "
    "--data-binary @\"$TMPDIR/big\" \"$API/invocation/$ID/response\" >/dev/null;;\n"
    "  *fail*) curl -sS -X POST -H 'Lambda-Runtime-Function-Error-Type: Function.Oops' -d "
    "'{\"errorMessage\":\"oops\",\"errorType\":\"Oops\"}' \"$API/invocation/$ID/error\" "
    ">/dev/null;;\n"
    "  *env*) curl -sS -X POST -d "
    "\"{\\\"exec\\\":\\\"$AWS_EXECUTION_ENV\\\",\\\"region\\\":\\\"$AWS_REGION\\\",\\\"myvar\\\":"
    "\\\"$MYVAR\\\",\\\"root\\\":\\\"$LAMBDA_"
    "TASK_ROOT\\\",\\\"init\\\":\\\"$AWS_LAMBDA_INITIALIZATION_TYPE\\\",\\\"group\\\":\\\"$AWS_"
    "LAMBDA_LOG_GROUP_NAME\\\"}\" \"$API/invocation/$ID/response\" >/dev/null;;\n"
    "  *) curl -sS -X POST -d \"{\\\"echo\\\":$BODY}\" \"$API/invocation/$ID/response\" "
    ">/dev/null;;\n"
    "  esac\n"
    "done\n";

static char tmpdir[64];
static struct store *store;
static struct blob *blobs;
static struct functions *fns;
static char code_sha[65];
static char rtdir[128];

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool done;
	enum fn_outcome outcome;
	char payload[4096];
	char tail[FN_LOG_TAIL_MAX + 1];
	size_t len;
};

static void on_done(void *arg, const struct fn_result *r)
{
	struct waiter *w = arg;
	pthread_mutex_lock(&w->mu);
	w->outcome = r->outcome;
	w->len = r->len;
	str_copyn(w->payload, sizeof(w->payload), r->payload,
		  r->len < sizeof(w->payload) - 1 ? r->len : sizeof(w->payload) - 1);
	if (r->log_tail)
		str_copyn(w->tail, sizeof(w->tail), r->log_tail, r->tail_len);
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
}

static void target(struct lambda_target *t, const char *handler, const char *sha, int timeout)
{
	memset(t, 0, sizeof(*t));
	str_copy(t->name, sizeof(t->name), "fn");
	str_copy(t->function_arn, sizeof(t->function_arn),
		 "arn:aws:lambda:us-east-1:000000000000:function:fn");
	str_copy(t->version, sizeof(t->version), "$LATEST");
	str_copy(t->runtime, sizeof(t->runtime), "provided.al2023");
	str_copy(t->handler, sizeof(t->handler), handler);
	t->memory_mb = 128;
	t->timeout_s = timeout;
	str_copy(t->env_json, sizeof(t->env_json), "{\"MYVAR\":\"x\",\"AWS_REGION\":\"evil\"}");
	str_copy(t->code_blob, sizeof(t->code_blob), code_sha);
	str_copy(t->config_sha, sizeof(t->config_sha), sha);
	t->reserved = -1;
}

static int start_inv(struct lambda_target *t, const char *payload, bool tail, struct waiter *w,
		     struct err *e)
{
	static int seq;
	struct fn_invoke inv = { 0 };

	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cond, NULL);
	inv.target = t;
	inv.payload = payload;
	inv.len = strlen(payload);
	str_fmt(inv.request_id, sizeof(inv.request_id), "00000000-0000-4000-8000-%012d", ++seq);
	str_copy(inv.invoked_arn, sizeof(inv.invoked_arn), t->function_arn);
	inv.tail = tail;
	inv.done = on_done;
	inv.arg = w;
	return functions_invoke(fns, &inv, e);
}

static void wait_inv(struct waiter *w)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	pthread_mutex_lock(&w->mu);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cond, &w->mu, &ts) != 0)
			break;
	bool done = w->done;
	pthread_mutex_unlock(&w->mu);
	assert_true(done);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cond);
}

static void invoke(struct lambda_target *t, const char *payload, bool tail, struct waiter *w)
{
	struct err e = { 0 };
	int rc = start_inv(t, payload, tail, w, &e);
	if (rc != 0)
		fprintf(stderr, "invoke: %s\n", err_message(&e));
	assert_int_equal(rc, 0);
	wait_inv(w);
}

static int put_zip(void)
{
	struct archive *a = archive_write_new();
	static char zip[65536];
	size_t used = 0;
	struct blob_writer *w;
	struct err e = { 0 };
	uint64_t size;

	archive_write_set_format_zip(a);
	if (archive_write_open_memory(a, zip, sizeof(zip), &used) != ARCHIVE_OK)
		return -1;
	struct archive_entry *en = archive_entry_new();
	archive_entry_set_pathname(en, "bootstrap");
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0755);
	archive_entry_set_size(en, (la_int64_t)strlen(bootstrap));
	archive_write_header(a, en);
	archive_write_data(a, bootstrap, strlen(bootstrap));
	archive_entry_free(en);
	archive_write_close(a);
	archive_write_free(a);
	if (blob_writer_new(blobs, &w, &e) < 0 || blob_writer_write(w, zip, used, &e) < 0 ||
	    blob_writer_commit(w, code_sha, &size, &e) < 0) {
		fprintf(stderr, "blob: %s\n", err_message(&e));
		return -1;
	}
	blob_writer_free(w);
	return 0;
}

static int setup(void **state)
{
	struct err e = { 0 };
	struct functions_config cfg = { 0 };

	(void)state;
	str_copy(tmpdir, sizeof(tmpdir), "/tmp/slipway-fn-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (store_open(&store, tmpdir, &e) < 0 || blob_open(&blobs, tmpdir, &e) < 0) {
		fprintf(stderr, "setup: %s\n", err_message(&e));
		return -1;
	}
	if (put_zip() < 0)
		return -1;
	/* Slipway's python runtime program, played by the same shell bootstrap */
	char rt[128];
	str_fmt(rt, sizeof(rt), "%s/runtimes/python", tmpdir);
	if (fs_mkdir_p(rt, 0755, &e) < 0)
		return -1;
	str_fmt(rt, sizeof(rt), "%s/runtimes/python/bootstrap", tmpdir);
	FILE *fp = fopen(rt, "w");
	if (!fp)
		return -1;
	fputs(bootstrap, fp);
	fclose(fp);
	chmod(rt, 0755);
	str_fmt(rtdir, sizeof(rtdir), "%s/runtimes", tmpdir);
	cfg.runtimes_dir = rtdir;
	cfg.data_dir = tmpdir;
	cfg.store = store;
	cfg.blob = blobs;
	cfg.region = "us-east-1";
	cfg.account_id = "000000000000";
	cfg.envs_max = 8;
	cfg.idle_s = 60;
	cfg.bwrap = getenv("SLIPWAY_TEST_BWRAP") != NULL;
	if (functions_start(&fns, &cfg, &e) < 0) {
		fprintf(stderr, "functions_start: %s\n", err_message(&e));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct err e = { 0 };
	(void)state;
	functions_stop(fns);
	blob_free(blobs);
	store_free(store);
	fs_rm_rf(tmpdir, &e);
	return 0;
}

static void test_warm(void **state)
{
	struct lambda_target t;
	struct waiter w;
	struct fn_stats st;

	(void)state;
	target(&t, "h", "warm", 5);
	functions_stats(fns, &st);
	uint64_t cold0 = st.cold_starts;
	invoke(&t, "{\"a\":1}", false, &w);
	assert_int_equal(w.outcome, FN_OK);
	assert_string_equal(w.payload, "{\"echo\":{\"a\":1}}");
	invoke(&t, "{\"a\":2}", true, &w);
	assert_int_equal(w.outcome, FN_OK);
	assert_string_equal(w.payload, "{\"echo\":{\"a\":2}}");
	assert_non_null(strstr(w.tail, "START RequestId: "));
	assert_non_null(strstr(w.tail, "got {\"a\":2}"));
	assert_non_null(strstr(w.tail, "END RequestId: "));
	assert_non_null(strstr(w.tail, "REPORT RequestId: "));
	assert_null(strstr(w.tail, "{\"a\":1}"));
	functions_stats(fns, &st);
	assert_int_equal(st.cold_starts - cold0, 1);
	assert_int_equal(st.envs, 1);

	invoke(&t, "\"env\"", false, &w);
	assert_int_equal(w.outcome, FN_OK);
	assert_non_null(strstr(w.payload, "\"region\":\"us-east-1\""));
	assert_non_null(strstr(w.payload, "\"myvar\":\"x\""));
	assert_non_null(strstr(w.payload, "\"init\":\"on-demand\""));
	assert_non_null(strstr(w.payload, "\"group\":\"/aws/lambda/fn\""));
	if (getenv("SLIPWAY_TEST_BWRAP"))
		assert_non_null(strstr(w.payload, "\"root\":\"/var/task\""));
	else
		assert_non_null(strstr(w.payload, "/functions/code/"));

	invoke(&t, "\"fail\"", false, &w);
	assert_int_equal(w.outcome, FN_ERROR);
	assert_string_equal(w.payload, "{\"errorMessage\":\"oops\",\"errorType\":\"Oops\"}");
	functions_stats(fns, &st);
	assert_int_equal(st.cold_starts - cold0, 1);
}

static void test_timeout_crash(void **state)
{
	struct lambda_target t;
	struct waiter w;
	struct fn_stats st;

	(void)state;
	target(&t, "h", "timeout", 1);
	functions_stats(fns, &st);
	uint64_t cold0 = st.cold_starts;
	invoke(&t, "\"sleep\"", false, &w);
	assert_int_equal(w.outcome, FN_TIMEOUT);
	assert_non_null(strstr(w.payload, "Task timed out after 1.00 seconds"));
	assert_non_null(strstr(w.payload, "\"errorMessage\""));
	invoke(&t, "\"again\"", false, &w);
	assert_int_equal(w.outcome, FN_OK);
	functions_stats(fns, &st);
	assert_int_equal(st.cold_starts - cold0, 2);

	invoke(&t, "\"crash\"", false, &w);
	assert_int_equal(w.outcome, FN_CRASHED);
	assert_non_null(strstr(w.payload, "Runtime.ExitError"));
	assert_non_null(strstr(w.payload, "Runtime exited with error: exit status 3"));
	invoke(&t, "\"after\"", false, &w);
	assert_int_equal(w.outcome, FN_OK);
	functions_stats(fns, &st);
	assert_int_equal(st.cold_starts - cold0, 3);
}

static void test_init_errors(void **state)
{
	struct lambda_target t;
	struct waiter w;

	(void)state;
	target(&t, "initerr", "initerr", 3);
	invoke(&t, "{}", false, &w);
	assert_int_equal(w.outcome, FN_INIT_ERR);
	assert_string_equal(w.payload,
			    "{\"errorMessage\":\"bad init\",\"errorType\":\"Runtime.Bad\"}");
	target(&t, "initexit", "initexit", 3);
	invoke(&t, "{}", false, &w);
	assert_int_equal(w.outcome, FN_INIT_ERR);
	assert_non_null(strstr(w.payload, "exit status 4"));
}

static void test_throttle(void **state)
{
	struct lambda_target t;
	struct waiter w1, w2;
	struct err e = { 0 };

	(void)state;
	target(&t, "h", "reserved", 3);
	t.reserved = 1;
	assert_int_equal(start_inv(&t, "\"nap\"", false, &w1, &e), 0);
	assert_int_equal(start_inv(&t, "\"nap\"", false, &w2, &e), -SW_E_LAMBDA_TooManyRequests);
	assert_non_null(
	    strstr(err_message(&e), "ReservedFunctionConcurrentInvocationLimitExceeded"));
	pthread_mutex_destroy(&w2.mu);
	pthread_cond_destroy(&w2.cond);
	wait_inv(&w1);
	assert_int_equal(w1.outcome, FN_OK);
	assert_string_equal(w1.payload, "\"napped\"");
	/* reserved 0: every invocation refused */
	t.reserved = 0;
	assert_int_equal(start_inv(&t, "{}", false, &w2, &e), -SW_E_LAMBDA_TooManyRequests);
	pthread_mutex_destroy(&w2.mu);
	pthread_cond_destroy(&w2.cond);
	/* a request over the payload limit */
	t.reserved = -1;
	static char big[FN_PAYLOAD_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(start_inv(&t, big, false, &w2, &e), -SW_E_LAMBDA_RequestTooLarge);
	pthread_mutex_destroy(&w2.mu);
	pthread_cond_destroy(&w2.cond);
}

static void test_too_large(void **state)
{
	struct lambda_target t;
	struct waiter w;

	(void)state;
	target(&t, "h", "big", 5);
	invoke(&t, "\"big\"", false, &w);
	assert_int_equal(w.outcome, FN_TOO_LARGE);
	assert_non_null(strstr(w.payload, "Function.ResponseSizeTooLarge"));
	invoke(&t, "{\"b\":1}", false, &w);
	assert_int_equal(w.outcome, FN_OK);
}

struct found {
	int start, end, report, got, init;
};

static int on_event(void *arg, const struct logs_event *ev)
{
	struct found *f = arg;
	f->start += str_starts(ev->message, "START RequestId: ") &&
		    strstr(ev->message, "Version: $LATEST") != NULL;
	f->end += str_starts(ev->message, "END RequestId: ");
	if (str_starts(ev->message, "REPORT RequestId: ")) {
		f->report++;
		f->init += strstr(ev->message, "\tInit Duration: ") != NULL;
		assert_non_null(strstr(ev->message, "\tBilled Duration: "));
		assert_non_null(strstr(ev->message, "\tMemory Size: 128 MB\tMax Memory Used: "));
	}
	f->got += str_starts(ev->message, "got ");
	return 0;
}

static int read_logs(struct store_conn *c, void *arg, struct err *e)
{
	struct logs_group g;
	struct logs_gpos last;
	size_t n;
	int rc = logs_group_get(c, "/aws/lambda/fn", &g, e);
	if (rc < 0)
		return rc;
	return logs_group_events(c, g.id, 0, INT64_MAX, NULL, NULL, 10000, on_event, arg, &last, &n,
				 e);
}

static void test_runtime_kind_and_provisioned(void **state)
{
	struct lambda_target t;
	struct waiter w;
	struct fn_stats st;
	struct err e = { 0 };

	(void)state;
	/* provided: no AWS_EXECUTION_ENV */
	target(&t, "h", "warm", 5);
	invoke(&t, "\"env\"", false, &w);
	assert_non_null(strstr(w.payload, "\"exec\":\"\""));
	/* python3.12: Slipway's python runtime program from runtimes_dir */
	target(&t, "app.handler", "py", 5);
	str_copy(t.runtime, sizeof(t.runtime), "python3.12");
	invoke(&t, "\"env\"", false, &w);
	assert_int_equal(w.outcome, FN_OK);
	assert_non_null(strstr(w.payload, "\"exec\":\"AWS_Lambda_python3.12\""));

	/* provisioned: two environments started in advance */
	target(&t, "h", "prov", 5);
	functions_stats(fns, &st);
	int envs0 = st.envs;
	uint64_t cold0 = st.cold_starts;
	assert_int_equal(functions_provision(fns, &t, 2, &e), 0);
	for (int i = 0; i < 100; i++) {
		functions_stats(fns, &st);
		if (st.envs >= envs0 + 2)
			break;
		usleep(20 * 1000);
	}
	assert_int_equal(st.envs, envs0 + 2);
	assert_int_equal(st.cold_starts - cold0, 2);
	usleep(300 * 1000); /* their init */
	invoke(&t, "\"env\"", false, &w);
	assert_int_equal(w.outcome, FN_OK);
	assert_non_null(strstr(w.payload, "\"init\":\"provisioned-concurrency\""));
	functions_stats(fns, &st);
	assert_int_equal(st.cold_starts - cold0, 2);
	assert_int_equal(functions_provision(fns, &t, 0, &e), 0);
}

/* A second runtime with one environment in all and a 1 s idle time: the total is enforced and
 * an idle environment is stopped. */
static void test_total_and_idle(void **state)
{
	struct functions_config cfg = { 0 };
	struct functions *saved = fns;
	struct lambda_target t1, t2;
	struct waiter w1, w2;
	struct fn_stats st;
	struct err e = { 0 };
	char dir[128];

	(void)state;
	str_fmt(dir, sizeof(dir), "%s/second", tmpdir);
	cfg.data_dir = dir;
	cfg.store = store;
	cfg.blob = blobs;
	cfg.region = "us-east-1";
	cfg.envs_max = 1;
	cfg.idle_s = 1;
	cfg.runtimes_dir = rtdir;
	assert_int_equal(functions_start(&fns, &cfg, &e), 0);
	target(&t1, "h", "one", 5);
	target(&t2, "h", "two", 5);
	assert_int_equal(start_inv(&t1, "\"nap\"", false, &w1, &e), 0);
	assert_int_equal(start_inv(&t2, "{}", false, &w2, &e), -SW_E_LAMBDA_TooManyRequests);
	assert_non_null(strstr(err_message(&e), "ConcurrentInvocationLimitExceeded"));
	assert_null(strstr(err_message(&e), "Reserved"));
	pthread_mutex_destroy(&w2.mu);
	pthread_cond_destroy(&w2.cond);
	wait_inv(&w1);
	assert_int_equal(w1.outcome, FN_OK);
	functions_stats(fns, &st);
	assert_int_equal(st.envs, 1);
	for (int i = 0; i < 100 && st.envs > 0; i++) {
		usleep(50 * 1000);
		functions_stats(fns, &st);
	}
	assert_int_equal(st.envs, 0);
	/* the slot is free again */
	invoke(&t2, "{}", false, &w2);
	assert_int_equal(w2.outcome, FN_OK);
	functions_stop(fns);
	fns = saved;
	store_thread_done(store);
}

static void test_logs(void **state)
{
	struct found f = { 0 };
	struct err e = { 0 };

	(void)state;
	usleep(500 * 1000); /* a flush is every 200 ms */
	assert_int_equal(store_read(store, read_logs, &f, &e), 0);
	assert_true(f.start >= 8);
	assert_true(f.end >= 8);
	assert_true(f.report >= 8);
	assert_true(f.got >= 8);
	assert_true(f.init >= 3);
	store_thread_done(store);
}

struct mfound {
	double invocations, errors, throttles, durations;
	int version_dims;
};

static int on_metric(void *arg, const struct metric_key *k, const char *unit,
		     const struct metric_totals *t)
{
	struct mfound *m = arg;
	(void)unit;
	assert_string_equal(k->ns, "AWS/Lambda");
	if (k->ndims == 1 && strcmp(k->dims[0].value, "fn") == 0) {
		if (strcmp(k->name, "Invocations") == 0)
			m->invocations += t->sum;
		else if (strcmp(k->name, "Errors") == 0)
			m->errors += t->sum;
		else if (strcmp(k->name, "Throttles") == 0)
			m->throttles += t->sum;
		else if (strcmp(k->name, "Duration") == 0)
			m->durations += t->count;
	}
	if (k->ndims == 3)
		m->version_dims++;
	return 0;
}

static int read_metrics(struct store_conn *c, void *arg, struct err *e)
{
	return metrics_each(c, "AWS/Lambda", NULL, on_metric, arg, e);
}

/* Stopping flushes the metrics. */
static void test_metrics(void **state)
{
	struct mfound m = { 0 };
	struct err e = { 0 };

	(void)state;
	functions_stop(fns);
	fns = NULL;
	assert_int_equal(store_read(store, read_metrics, &m, &e), 0);
	assert_true(m.invocations >= 15);
	assert_true(m.errors >= 6); /* fail, timeout, crash, two init errors, too large */
	assert_true(m.throttles >= 2);
	assert_true(m.durations >= 10);
	assert_true(m.version_dims > 0);
	store_thread_done(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warm),
		cmocka_unit_test(test_timeout_crash),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_runtime_kind_and_provisioned),
		cmocka_unit_test(test_total_and_idle),
		cmocka_unit_test(test_logs),
		cmocka_unit_test(test_metrics),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
