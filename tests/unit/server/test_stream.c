/* test_stream: a producer reply (struct http_producer) through libmicrohttpd on 127.0.0.1 —
 * sent chunked to an HTTP/1.1 client, cut short on a producer error, freed once either way. */
#include "contract/http.h"
#include "server/router.h"
#include "base/str.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#define PIECES 40 /* of 1000 bytes: more than one of MHD's 32 KiB blocks */

struct gen {
	int sent;
	int fail_after; /* -1: never */
};

static int freed;

static ssize_t gen_read(void *arg, char *buf, size_t size)
{
	struct gen *g = arg;

	if (g->sent == g->fail_after)
		return -1;
	if (g->sent == PIECES)
		return 0;
	if (size < 1000)
		return -1;
	memset(buf, 'a' + g->sent % 26, 1000);
	g->sent++;
	return 1000;
}

static void gen_free(void *arg)
{
	free(arg);
	freed++;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct http_resp resp = { .status = 200, .fd = -1 };
	struct MHD_Response *mr;
	struct gen *g;
	enum MHD_Result ret;

	(void)cls, (void)method, (void)version, (void)upload, (void)upload_size, (void)con_cls;
	g = calloc(1, sizeof(*g));
	if (!g)
		return MHD_NO;
	g->fail_after = strcmp(url, "/fail") == 0 ? 3 : -1;
	buf_init(&resp.body, 1024);
	resp.producer = (struct http_producer){ gen_read, gen_free, g };
	http_resp_header(&resp, "Content-Type", "text/plain");
	mr = http_response(&resp);
	if (!mr)
		return MHD_NO;
	ret = MHD_queue_response(conn, (unsigned)resp.status, mr);
	MHD_destroy_response(mr);
	http_resp_release(&resp);
	return ret;
}

/* Sends an HTTP/1.1 GET of path and reads the whole reply (the server closes). */
static size_t fetch(int port, const char *path, char *out, size_t size)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char req[128];
	size_t len = 0;
	ssize_t n;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	str_fmt(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
	assert_int_equal(write(s, req, strlen(req)), (ssize_t)strlen(req));
	while (len + 1 < size && (n = read(s, out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(s);
	return len;
}

/* Decodes a chunked body: its length, or -1 when malformed or without its last chunk. */
static long dechunk(const char *p, const char *end, char *out)
{
	long len = 0;

	while (p < end) {
		char *next;
		unsigned long n = strtoul(p, &next, 16);

		if (next == p || end - next < 2 || next[0] != '\r' || next[1] != '\n')
			return -1;
		p = next + 2;
		if (n == 0)
			return len;
		if ((unsigned long)(end - p) < n + 2)
			return -1;
		memcpy(out + len, p, n);
		len += (long)n;
		p += n + 2;
	}
	return -1;
}

static struct MHD_Daemon *start(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct MHD_Daemon *mhd;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handler, NULL,
			       MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
	assert_non_null(mhd);
	*port = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT)->port;
	return mhd;
}

static void test_chunked(void **state)
{
	static char reply[256 * 1024], body[128 * 1024];
	struct MHD_Daemon *mhd;
	const char *head_end;
	size_t len;
	long n;
	int port;

	(void)state;
	freed = 0;
	mhd = start(&port);
	len = fetch(port, "/", reply, sizeof(reply));
	MHD_stop_daemon(mhd);
	head_end = strstr(reply, "\r\n\r\n");
	assert_non_null(head_end);
	assert_true(str_starts(reply, "HTTP/1.1 200"));
	assert_non_null(strcasestr(reply, "\r\nTransfer-Encoding: chunked\r\n"));
	assert_null(strcasestr(reply, "\r\nContent-Length:"));
	assert_non_null(strcasestr(reply, "\r\nContent-Type: text/plain\r\n"));
	n = dechunk(head_end + 4, reply + len, body);
	assert_int_equal(n, PIECES * 1000);
	for (int i = 0; i < PIECES; i++)
		assert_int_equal(body[i * 1000 + 999], 'a' + i % 26);
	assert_int_equal(freed, 1);
}

static void test_error_cuts_the_reply_short(void **state)
{
	static char reply[256 * 1024], body[128 * 1024];
	struct MHD_Daemon *mhd;
	const char *head_end;
	size_t len;
	int port;

	(void)state;
	freed = 0;
	mhd = start(&port);
	len = fetch(port, "/fail", reply, sizeof(reply));
	MHD_stop_daemon(mhd);
	/* whatever got out before the error, the body never ends with its last chunk */
	head_end = strstr(reply, "\r\n\r\n");
	if (head_end)
		assert_int_equal(dechunk(head_end + 4, reply + len, body), -1);
	assert_int_equal(freed, 1);
}

static void test_unsent_producer_is_freed(void **state)
{
	struct http_resp resp = { .status = 200, .fd = -1 };

	(void)state;
	freed = 0;
	buf_init(&resp.body, 16);
	resp.producer = (struct http_producer){ gen_read, gen_free, calloc(1, sizeof(struct gen)) };
	http_resp_release(&resp);
	assert_int_equal(freed, 1);
	assert_null(resp.producer.read);
	http_resp_release(&resp);
	assert_int_equal(freed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_error_cuts_the_reply_short),
		cmocka_unit_test(test_unsent_producer_is_freed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
