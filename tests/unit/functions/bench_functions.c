/* bench_functions: warm invocations through functions_invoke in process against a C bootstrap
 * (echo_bootstrap), sequentially and from 16 threads: invocations/s, p50/p99, cold start.
 * Usage: bench_functions PATH-TO-echo_bootstrap [N]. */
#include "functions/functions.h"

#include "base/fs.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "blob/blob.h"
#include "model/lambda.h"
#include "store/store.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct functions *fns;
static struct lambda_target tgt;

struct call {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool done;
	int outcome;
};

static void on_done(void *arg, const struct fn_result *r)
{
	struct call *c = arg;
	pthread_mutex_lock(&c->mu);
	c->done = true;
	c->outcome = (int)r->outcome;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->mu);
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int one(double *lat)
{
	static int seq;
	struct call c = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, -1 };
	struct fn_invoke inv = { 0 };
	struct err e = { 0 };
	inv.target = &tgt;
	inv.payload = "{\"x\":1}";
	inv.len = 7;
	str_fmt(inv.request_id, sizeof(inv.request_id), "00000000-0000-4000-8000-%012d",
		__atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	str_copy(inv.invoked_arn, sizeof(inv.invoked_arn), tgt.function_arn);
	inv.done = on_done;
	inv.arg = &c;
	double t0 = now_us();
	int rc = functions_invoke(fns, &inv, &e);
	if (rc != 0) {
		fprintf(stderr, "invoke: %s\n", err_message(&e));
		return -1;
	}
	pthread_mutex_lock(&c.mu);
	while (!c.done)
		pthread_cond_wait(&c.cond, &c.mu);
	pthread_mutex_unlock(&c.mu);
	*lat = now_us() - t0;
	return c.outcome == FN_OK ? 0 : -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct worker {
	double *lat;
	int n;
	int fails;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < w->n; i++)
		if (one(&w->lat[i]) < 0)
			w->fails++;
	return NULL;
}

static void run(int threads, int n)
{
	struct worker w[16];
	pthread_t th[16];
	double *lat = calloc((size_t)n, sizeof(*lat));
	int per = n / threads;
	double t0 = now_us();
	for (int i = 0; i < threads; i++) {
		w[i] = (struct worker){ lat + i * per, per, 0 };
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	int fails = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		fails += w[i].fails;
	}
	double secs = (now_us() - t0) / 1e6;
	int total = per * threads;
	qsort(lat, (size_t)total, sizeof(*lat), cmp);
	printf(
	    "%2d clients: %d invocations in %.2f s = %.0f/s, p50 %.3f ms, p99 %.3f ms, %d failed\n",
	    threads, total, secs, total / secs, lat[total / 2] / 1e3, lat[total * 99 / 100] / 1e3,
	    fails);
	free(lat);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/slipway-fnbench-XXXXXX", sha[65];
	struct store *store;
	struct blob *blobs;
	struct err e = { 0 };
	int n = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 20000;

	if (argc < 2 || !mkdtemp(dir) || store_open(&store, dir, &e) < 0 ||
	    blob_open(&blobs, dir, &e) < 0)
		return 2;
	/* the zip: the bootstrap binary */
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return 2;
	char *bin = malloc((size_t)st.st_size);
	if (read(fd, bin, (size_t)st.st_size) != st.st_size)
		return 2;
	close(fd);
	size_t cap = (size_t)st.st_size * 2 + 65536, used = 0;
	char *zip = malloc(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_zip(a);
	archive_write_open_memory(a, zip, cap, &used);
	struct archive_entry *en = archive_entry_new();
	archive_entry_set_pathname(en, "bootstrap");
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0755);
	archive_entry_set_size(en, st.st_size);
	archive_write_header(a, en);
	archive_write_data(a, bin, (size_t)st.st_size);
	archive_entry_free(en);
	archive_write_close(a);
	archive_write_free(a);
	struct blob_writer *bw;
	uint64_t size;
	if (blob_writer_new(blobs, &bw, &e) < 0 || blob_writer_write(bw, zip, used, &e) < 0 ||
	    blob_writer_commit(bw, sha, &size, &e) < 0)
		return 2;
	blob_writer_free(bw);
	free(zip);
	free(bin);

	struct functions_config cfg = { .data_dir = dir,
					.store = getenv("BENCH_NOSTORE") ? NULL : store,
					.blob = blobs,
					.region = "us-east-1",
					.account_id = "000000000000",
					.envs_max = 16,
					.idle_s = 600 };
	if (functions_start(&fns, &cfg, &e) < 0)
		return 2;
	str_copy(tgt.name, sizeof(tgt.name), "bench");
	str_copy(tgt.function_arn, sizeof(tgt.function_arn),
		 "arn:aws:lambda:us-east-1:000000000000:function:bench");
	str_copy(tgt.version, sizeof(tgt.version), "$LATEST");
	str_copy(tgt.runtime, sizeof(tgt.runtime), "provided.al2023");
	str_copy(tgt.handler, sizeof(tgt.handler), "x");
	tgt.memory_mb = 128;
	tgt.timeout_s = 10;
	str_copy(tgt.env_json, sizeof(tgt.env_json), "{}");
	str_copy(tgt.code_blob, sizeof(tgt.code_blob), sha);
	str_copy(tgt.config_sha, sizeof(tgt.config_sha), "bench");
	tgt.reserved = -1;
	double cold;
	if (one(&cold) < 0)
		return 1;
	printf("cold start (spawn + init + first invocation): %.2f ms\n", cold / 1e3);
	run(1, n);
	run(16, n);
	functions_stop(fns);
	blob_free(blobs);
	store_free(store);
	fs_rm_rf(dir, &e);
	return 0;
}
