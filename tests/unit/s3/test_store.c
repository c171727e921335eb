/* test_store: what other services rely on — s3_object_lookup over a real (SQLite) store — and the
 * blob writer's contract: content addressing, repeatable commit, no leftovers. */
#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"
#include "blob/blob.h"
#include "services/s3/s3.h"
#include "store/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[64];

static int setup(void **state)
{
	(void)state;
	str_copy(dir, sizeof(dir), "/tmp/test_s3_store.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int insert_rows(struct store_conn *c, void *arg, struct err *e)
{
	int r;

	(void)arg;
	r = store_exec(c, NULL, "INSERT INTO buckets (name, created) VALUES ('bundles', 1)", "", e);
	if (r >= 0)
		r = store_exec(c, NULL,
			       "INSERT INTO objects (bucket, key, blob, size, etag, modified, "
			       "content_type, meta) VALUES ('bundles', 'app/r1.zip', ?, 42, "
			       "'0123456789abcdef0123456789abcdef-3', 1700000000123, NULL, NULL)",
			       "t", e,
			       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	return r < 0 ? r : 0;
}

struct lookup {
	const char *bucket, *key;
	struct s3_object_info info;
	int result;
};

static int do_lookup(struct store_conn *c, void *arg, struct err *e)
{
	struct lookup *l = arg;

	l->result = s3_object_lookup(c, l->bucket, l->key, &l->info, e);
	return l->result < 0 ? l->result : 0;
}

static void test_object_lookup(void **state)
{
	struct store *s;
	struct err e = { 0 };
	struct lookup l = { .bucket = "bundles", .key = "app/r1.zip", .result = -1 };

	(void)state;
	assert_int_equal(store_open(&s, dir, &e), 0);
	assert_int_equal(store_write(s, insert_rows, NULL, &e), 0);
	assert_int_equal(store_read(s, do_lookup, &l, &e), 0);
	assert_int_equal(l.result, 0);
	assert_string_equal(l.info.blob,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(l.info.size, 42);
	assert_string_equal(l.info.etag, "0123456789abcdef0123456789abcdef-3");
	assert_int_equal(l.info.modified, 1700000000123);
	l.key = "app/missing.zip";
	assert_int_equal(store_read(s, do_lookup, &l, &e), 0);
	assert_int_equal(l.result, 1);
	l.bucket = "nobucket";
	assert_int_equal(store_read(s, do_lookup, &l, &e), 0);
	assert_int_equal(l.result, 1);
	store_free(s);
}

static int count_files(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_blob_writer(void **state)
{
	struct blob *b;
	struct blob_writer *w, *w2;
	struct err e = { 0 };
	char hex[65], hex2[65], tmp[128], path[160];
	uint8_t h[SHA256_LEN];
	char want[65];
	uint64_t size;
	int fd;

	(void)state;
	assert_int_equal(blob_open(&b, dir, &e), 0);
	str_fmt(tmp, sizeof(tmp), "%s/blobs/tmp", dir);
	assert_int_equal(blob_writer_new(b, &w, &e), 0);
	assert_int_equal(count_files(tmp), 1);
	assert_int_equal(blob_writer_write(w, "hello ", 6, &e), 0);
	assert_int_equal(blob_writer_write(w, "world", 5, &e), 0);
	assert_int_equal(blob_writer_finish(w, hex, &size, &e), 0);
	sha256("hello world", 11, h);
	hex_encode(h, SHA256_LEN, want);
	assert_string_equal(hex, want);
	assert_int_equal(size, 11);
	/* finished: no more data; not visible until committed */
	assert_int_equal(blob_writer_write(w, "x", 1, &e), -SW_E_INTERNAL);
	assert_int_equal(blob_open_read(b, hex, &fd, &size, &e), -SW_E_NOT_FOUND);
	/* commit is repeatable (a retried transaction), even after the blob was removed */
	assert_int_equal(blob_writer_commit(w, NULL, NULL, &e), 0);
	assert_int_equal(blob_remove(b, hex, &e), 0);
	assert_int_equal(blob_writer_commit(w, hex2, &size, &e), 0);
	assert_string_equal(hex2, hex);
	assert_int_equal(blob_open_read(b, hex, &fd, &size, &e), 0);
	assert_int_equal(size, 11);
	close(fd);
	blob_writer_free(w);
	assert_int_equal(count_files(tmp), 0);
	/* the same content again: the same name, one file */
	assert_int_equal(blob_writer_new(b, &w2, &e), 0);
	assert_int_equal(blob_writer_write(w2, "hello world", 11, &e), 0);
	assert_int_equal(blob_writer_commit(w2, hex2, &size, &e), 0);
	assert_string_equal(hex2, hex);
	blob_writer_free(w2);
	str_fmt(path, sizeof(path), "%s/blobs/%.2s", dir, hex);
	assert_int_equal(count_files(path), 1);
	/* an uncommitted writer leaves nothing behind */
	assert_int_equal(blob_writer_new(b, &w, &e), 0);
	assert_int_equal(blob_writer_write(w, "abandoned", 9, &e), 0);
	blob_writer_free(w);
	assert_int_equal(count_files(tmp), 0);
	assert_int_equal(blob_remove(b, hex, &e), 0);
	assert_int_equal(blob_remove(b, hex, &e), 0); /* missing is not an error */
	assert_int_equal(blob_open_read(b, "not-a-name", &fd, &size, &e), -SW_E_INVALID);
	blob_free(b);
}

static void test_blob_open_cleans_tmp(void **state)
{
	struct blob *b;
	struct err e = { 0 };
	char stale[160], tmp[128];
	int fd;

	(void)state;
	assert_int_equal(blob_open(&b, dir, &e), 0);
	blob_free(b);
	str_fmt(tmp, sizeof(tmp), "%s/blobs/tmp", dir);
	str_fmt(stale, sizeof(stale), "%s/leftover", tmp);
	fd = open(stale, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(count_files(tmp), 1);
	assert_int_equal(blob_open(&b, dir, &e), 0); /* a new process: the leftover is garbage */
	assert_int_equal(count_files(tmp), 0);
	blob_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_object_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_open_cleans_tmp, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
