/* test_traffic: the load-balancer layer — declarations, the `show stat` parser (a real 2.6
 * capture and hand-made edge cases), and the HAProxy driver and registry against a real HAProxy
 * started here (its config in a temporary directory, a UNIX and a TCP stats socket at level
 * admin, a backend of two servers on loopback ports nothing listens on). */
#include "traffic/traffic.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define HAPROXY "/usr/sbin/haproxy"

/* ---- declarations ---- */

static void decl_ok(const char *s, const char *name, const char *sock)
{
	struct traffic_decl d;
	struct err e = { 0 };

	if (traffic_decl_parse(s, &d, &e)) {
		print_error("'%s' refused: %s\n", s, err_message(&e));
		fail();
	}
	assert_string_equal(d.name, name);
	assert_string_equal(d.socket, sock);
}

static void decl_bad(const char *s, const char *words)
{
	struct traffic_decl d;
	struct err e = { 0 };

	assert_int_equal(traffic_decl_parse(s, &d, &e), -SW_E_INVALID);
	if (!strstr(err_message(&e), words)) {
		print_error("'%s': '%s' does not say '%s'\n", s, err_message(&e), words);
		fail();
	}
}

static void test_decl(void **state)
{
	(void)state;
	decl_ok("web=/run/haproxy.sock", "web", "/run/haproxy.sock");
	decl_ok("edge_1.b-2=tcp:127.0.0.1:9999", "edge_1.b-2", "tcp:127.0.0.1:9999");
	decl_ok("a=tcp:localhost:1", "a", "tcp:localhost:1");
	decl_ok("v6=tcp:[::1]:9999", "v6", "tcp:[::1]:9999");
	decl_ok("x=/a=b", "x", "/a=b"); /* the first '=' splits */
	decl_bad("web", "NAME=SOCKET");
	decl_bad("=/run/x", "1..63");
	decl_bad("we b=/run/x", "letters, digits");
	decl_bad("web=", "no socket");
	decl_bad("web=run/x.sock", "neither an absolute UNIX path nor tcp:HOST:PORT");
	decl_bad("web=tcp:127.0.0.1", "port");
	decl_bad("web=tcp:127.0.0.1:0", "port");
	decl_bad("web=tcp:127.0.0.1:70000", "port");
	decl_bad("web=tcp:example.com:80", "not an IP address");
	decl_bad("web=tcp:[::1:80", "IPv6");

	char longname[100], longsock[200];

	memset(longname, 'a', 70);
	str_copy(longname + 70, sizeof(longname) - 70, "=/x");
	decl_bad(longname, "1..63");
	str_copy(longsock, sizeof(longsock), "w=/");
	memset(longsock + 3, 'a', 150);
	longsock[153] = '\0';
	decl_bad(longsock, "longer than");
}

static void test_registry_names(void **state)
{
	struct traffic_decl d[2];
	struct traffic *t;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(traffic_decl_parse("a=/x", &d[0], &e), 0);
	assert_int_equal(traffic_decl_parse("a=/y", &d[1], &e), 0);
	assert_int_equal(traffic_new(d, 2, 0, &t, &e), -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "declared twice"));
	assert_int_equal(traffic_new(NULL, 0, 0, &t, &e), 0);
	char lb[TRAFFIC_NAME_MAX];

	assert_int_equal(traffic_find(t, "web", lb, sizeof(lb), &e), 0);
	assert_int_equal(traffic_set_state(t, "nope", "web", "a", TRAFFIC_DRAIN, &e),
			 -SW_E_NOT_FOUND);
	assert_non_null(strstr(err_message(&e), "no load balancer 'nope'"));
	traffic_free(t);
	traffic_free(NULL);
}

/* ---- the parser ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *p;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return p;
}

static void test_stat_capture(void **state)
{
	size_t len, n;
	char *csv = slurp(SLIPWAY_CORPUS "/haproxy_stat/show_stat_2.6.csv", &len);
	struct traffic_backend *v;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(traffic_haproxy_stat_parse(csv, len, "lb1", &v, &n, &e), 0);
	assert_int_equal(n, 1); /* the frontend left out */
	assert_string_equal(v[0].name, "web");
	assert_string_equal(v[0].lb, "lb1");
	assert_int_equal(v[0].nservers, 2);
	assert_string_equal(v[0].servers[0].name, "web-1");
	assert_string_equal(v[0].servers[0].status, "DOWN");
	assert_false(v[0].servers[0].up);
	assert_true(v[0].servers[0].checked);
	const struct traffic_server *s = &v[0].servers[1];

	assert_string_equal(s->name, "web-2");
	assert_string_equal(s->backend, "web");
	assert_string_equal(s->status, "no check");
	assert_true(s->up);
	assert_false(s->checked);
	assert_int_equal(s->weight, 1);
	assert_int_equal(s->requests, 10);
	assert_int_equal(s->http_2xx, 5);
	assert_int_equal(s->http_4xx, 5);
	assert_int_equal(s->sessions_total, 11);
	assert_string_equal(v[0].total.status, "UP");
	assert_int_equal(v[0].total.http_2xx, 5);
	traffic_backends_free(v, n);
	free(csv);
}

static void test_stat_edges(void **state)
{
	struct traffic_backend *v;
	size_t n;
	struct err e = { 0 };
	/* columns in another order, a quoted name, a server before its BACKEND row, another
	 * backend, CRLF, a listener */
	const char *csv = "# type,status,svname,pxname,weight,hrsp_5xx,req_tot,check_status\r\n"
			  "2,DRAIN,\"a,\"\"b\",web,7,3,9,L7OK\r\n"
			  "1,UP,BACKEND,web,7,3,12,\r\n"
			  "0,OPEN,FRONTEND,fe,,,,\r\n"
			  "3,OPEN,sock-1,fe,,,,\r\n"
			  "2,MAINT (resolution),s1,api,0,,,\r\n"
			  "2,UP 1/3,s2,api,1,,,L4OK\r\n"
			  "\r\n";

	(void)state;
	assert_int_equal(traffic_haproxy_stat_parse(csv, strlen(csv), "x", &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "web");
	assert_int_equal(v[0].nservers, 1);
	assert_string_equal(v[0].servers[0].name, "a,\"b");
	assert_true(v[0].servers[0].draining);
	assert_false(v[0].servers[0].up);
	assert_int_equal(v[0].servers[0].weight, 7);
	assert_int_equal(v[0].servers[0].http_5xx, 3);
	assert_int_equal(v[0].total.requests, 12);
	assert_true(v[1].servers[0].maint);
	assert_true(v[1].servers[1].up); /* UP 1/3: up, going down */
	traffic_backends_free(v, n);

	static const struct {
		const char *csv, *words;
	} bad[] = {
		{ "", "header" },
		{ "pxname,svname\n", "header" },
		{ "# svname,type,status\n", "'pxname'" },
		{ "# pxname,svname,type,status\nweb,a,x,UP\n", "type 'x'" },
		{ "# pxname,svname,type,status,scur\nweb,a,2,UP,lots\n", "scur 'lots'" },
		{ "# pxname,svname,type,status\n\"web,a,2,UP\n", "quote" },
		{ "# pxname,svname,type,status\n,a,2,UP\n", "name empty" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = traffic_haproxy_stat_parse(bad[i].csv, strlen(bad[i].csv), "x", &v, &n, &e);

		assert_int_equal(r, -SW_E_INVALID);
		assert_null(v);
		if (!strstr(err_message(&e), bad[i].words)) {
			print_error("case %zu: '%s' does not say '%s'\n", i, err_message(&e),
				    bad[i].words);
			fail();
		}
	}
}

/* ---- a real HAProxy ---- */

struct hx {
	char dir[64];
	char unix_sock[128];
	char tcp_sock[64];
	pid_t pid;
	struct traffic *t;
};

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t l = sizeof(a);
	int port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &l);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int hx_setup(void **state)
{
	struct hx *h = calloc(1, sizeof(*h));
	char cfg[256], text[2048];
	int port = free_port(), fd;

	if (access(HAPROXY, X_OK) != 0) {
		free(h);
		*state = NULL;
		return 0;
	}
	str_copy(h->dir, sizeof(h->dir), "/tmp/sw-traffic-XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	str_fmt(h->unix_sock, sizeof(h->unix_sock), "%s/haproxy.sock", h->dir);
	str_fmt(h->tcp_sock, sizeof(h->tcp_sock), "tcp:127.0.0.1:%d", port);
	str_fmt(cfg, sizeof(cfg), "%s/haproxy.cfg", h->dir);
	str_fmt(text, sizeof(text),
		"global\n  stats socket %s level admin\n  stats socket ipv4@127.0.0.1:%d level "
		"admin\n"
		"defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n"
		"  timeout server 5s\n"
		"backend app\n  server web-1 127.0.0.1:%d\n  server web-2 127.0.0.1:%d check "
		"inter 1s\n",
		h->unix_sock, port, free_port(), free_port());
	fd = open(cfg, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	h->pid = fork();
	if (h->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(HAPROXY, "haproxy", "-db", "-f", cfg, (char *)NULL);
		_exit(127);
	}
	/* ready when the UNIX socket answers */
	for (int i = 0; i < 100; i++) {
		char *ans;
		size_t len;
		struct err e = { 0 };

		if (traffic_haproxy_command(h->unix_sock, 500, "show info", &ans, &len, &e) == 0) {
			free(ans);
			break;
		}
		usleep(50000);
	}
	struct traffic_decl d[2];
	struct err e = { 0 };
	char s[256];

	str_fmt(s, sizeof(s), "main=%s", h->unix_sock);
	assert_int_equal(traffic_decl_parse(s, &d[0], &e), 0);
	str_fmt(s, sizeof(s), "viatcp=%s", h->tcp_sock);
	assert_int_equal(traffic_decl_parse(s, &d[1], &e), 0);
	assert_int_equal(traffic_new(d, 2, 1000, &h->t, &e), 0);
	*state = h;
	return 0;
}

static int hx_teardown(void **state)
{
	struct hx *h = *state;
	char path[256];

	if (!h)
		return 0;
	kill(h->pid, SIGTERM);
	waitpid(h->pid, NULL, 0);
	traffic_free(h->t);
	str_fmt(path, sizeof(path), "%s/haproxy.cfg", h->dir);
	unlink(path);
	unlink(h->unix_sock);
	rmdir(h->dir);
	free(h);
	return 0;
}

#define NEED_HAPROXY(h)                                             \
	do {                                                        \
		if (!(h)) {                                         \
			print_message("skipped: no " HAPROXY "\n"); \
			skip();                                     \
		}                                                   \
	} while (0)

static struct traffic_server server_of(struct hx *h, const char *lb, const char *name)
{
	struct traffic_server s;
	struct err e = { 0 };

	if (traffic_server_get(h->t, lb, "app", name, &s, &e) != 1) {
		print_error("server %s: %s\n", name, err_message(&e));
		fail();
	}
	return s;
}

static void test_haproxy_state(void **state)
{
	struct hx *h = *state;
	struct err e = { 0 };
	struct traffic_server s;

	NEED_HAPROXY(h);
	s = server_of(h, "main", "web-1");
	assert_string_equal(s.status, "no check");
	assert_true(s.up);
	assert_int_equal(traffic_set_state(h->t, "main", "app", "web-1", TRAFFIC_DRAIN, &e), 0);
	s = server_of(h, "main", "web-1");
	assert_string_equal(s.status, "DRAIN");
	assert_true(s.draining);
	assert_false(s.up);
	assert_int_equal(traffic_set_state(h->t, "viatcp", "app", "web-1", TRAFFIC_MAINT, &e), 0);
	s = server_of(h, "viatcp", "web-1"); /* the TCP socket sees what the UNIX one did */
	assert_string_equal(s.status, "MAINT");
	assert_true(s.maint);
	assert_int_equal(traffic_set_state(h->t, "main", "app", "web-1", TRAFFIC_READY, &e), 0);
	s = server_of(h, "main", "web-1");
	assert_string_equal(s.status, "no check");
	assert_true(s.up);
	/* a checked server whose port is closed goes DOWN */
	s = server_of(h, "main", "web-2");
	assert_true(s.checked);
}

static void test_haproxy_weight(void **state)
{
	struct hx *h = *state;
	struct err e = { 0 };

	NEED_HAPROXY(h);
	assert_int_equal(traffic_set_weight(h->t, "main", "app", "web-1", 37, &e), 0);
	assert_int_equal(server_of(h, "viatcp", "web-1").weight, 37);
	assert_int_equal(traffic_set_weight(h->t, "viatcp", "app", "web-1", 0, &e), 0);
	assert_int_equal(server_of(h, "main", "web-1").weight, 0);
	assert_int_equal(traffic_set_weight(h->t, "main", "app", "web-1", 1, &e), 0);
	assert_int_equal(server_of(h, "main", "web-1").weight, 1);
	assert_int_equal(traffic_set_weight(h->t, "main", "app", "web-1", 257, &e), -SW_E_INVALID);
}

static void test_haproxy_errors(void **state)
{
	struct hx *h = *state;
	struct err e = { 0 };
	char want[300], lb[TRAFFIC_NAME_MAX];
	struct traffic_server s;

	NEED_HAPROXY(h);
	assert_int_equal(traffic_set_state(h->t, "main", "app", "web-9", TRAFFIC_DRAIN, &e),
			 -SW_E_NOT_FOUND);
	str_fmt(want, sizeof(want), "haproxy 'main' (%s): No such server.", h->unix_sock);
	assert_string_equal(err_message(&e), want);
	assert_int_equal(traffic_set_weight(h->t, "viatcp", "nope", "web-1", 5, &e),
			 -SW_E_NOT_FOUND);
	str_fmt(want, sizeof(want), "haproxy 'viatcp' (%s): No such backend.", h->tcp_sock);
	assert_string_equal(err_message(&e), want);
	/* a name that would be another command on the wire */
	assert_int_equal(
	    traffic_set_state(h->t, "main", "app", "web-1;shutdown", TRAFFIC_DRAIN, &e),
	    -SW_E_INVALID);
	assert_int_equal(traffic_server_get(h->t, "main", "app", "web-9", &s, &e), 0);
	assert_int_equal(traffic_server_get(h->t, "main", "nope", "web-1", &s, &e), 0);
	assert_int_equal(traffic_find(h->t, "app", lb, sizeof(lb), &e), 1);
	assert_string_equal(lb, "main");
	assert_int_equal(traffic_find(h->t, "nope", lb, sizeof(lb), &e), 0);
}

static void test_unreachable(void **state)
{
	struct traffic_decl d[2];
	struct traffic *t;
	struct err e = { 0 };
	char lb[TRAFFIC_NAME_MAX];
	int port = free_port();
	char s[64];
	int64_t t0;

	(void)state;
	assert_int_equal(traffic_decl_parse("gone=/tmp/sw-no-such-dir/haproxy.sock", &d[0], &e), 0);
	str_fmt(s, sizeof(s), "closed=tcp:127.0.0.1:%d", port);
	assert_int_equal(traffic_decl_parse(s, &d[1], &e), 0);
	assert_int_equal(traffic_new(d, 2, 2000, &t, &e), 0);
	t0 = time_mono_ms();
	assert_int_equal(traffic_set_state(t, "gone", "app", "a", TRAFFIC_DRAIN, &e), -SW_E_IO);
	assert_string_equal(err_message(&e), "haproxy 'gone' (/tmp/sw-no-such-dir/haproxy.sock): "
					     "cannot connect: No such file or directory");
	assert_int_equal(traffic_set_weight(t, "closed", "app", "a", 1, &e), -SW_E_IO);
	assert_non_null(strstr(err_message(&e), "cannot connect: Connection refused"));
	assert_non_null(strstr(err_message(&e), "'closed'"));
	/* find: neither answers, so the error says so */
	assert_true(traffic_find(t, "app", lb, sizeof(lb), &e) < 0);
	assert_non_null(strstr(err_message(&e), "no reachable load balancer has backend 'app'"));
	print_message("unreachable balancers failed in %lld ms\n",
		      (long long)(time_mono_ms() - t0));
	traffic_free(t);
}

/* A socket that accepts and never answers: the timeout bounds the call. */
static void test_timeout(void **state)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t l = sizeof(a);
	char sock[64], *ans;
	size_t len;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&a, &l);
	str_fmt(sock, sizeof(sock), "tcp:127.0.0.1:%d", ntohs(a.sin_port));
	assert_int_equal(traffic_haproxy_command(sock, 300, "show stat", &ans, &len, &e), -SW_E_IO);
	assert_non_null(strstr(err_message(&e), "no answer within 300 ms"));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decl),	     cmocka_unit_test(test_registry_names),
		cmocka_unit_test(test_stat_capture), cmocka_unit_test(test_stat_edges),
		cmocka_unit_test(test_unreachable),  cmocka_unit_test(test_timeout),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_haproxy_state),
		cmocka_unit_test(test_haproxy_weight),
		cmocka_unit_test(test_haproxy_errors),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	signal(SIGPIPE, SIG_IGN);
	return r + cmocka_run_group_tests_name("haproxy", real, hx_setup, hx_teardown);
}
