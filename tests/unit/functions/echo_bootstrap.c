/* echo_bootstrap: a trivial custom runtime in C for the runtime's benchmark — one keep-alive
 * connection to $AWS_LAMBDA_RUNTIME_API, answers each event with its own payload. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char in[1 << 20];
static size_t have;

static int fill(int fd)
{
	ssize_t n = read(fd, in + have, sizeof(in) - have);
	if (n <= 0)
		return -1;
	have += (size_t)n;
	return 0;
}

/* Reads one response: its head's request id (when asked) and body into body. */
static int response(int fd, char *id, size_t idn, char *body, size_t *blen)
{
	char *end;
	while (!(end = memmem(in, have, "\r\n\r\n", 4)))
		if (fill(fd) < 0)
			return -1;
	size_t hl = (size_t)(end - in) + 4;
	size_t cl = 0;
	for (char *p = in; p < end; p = strstr(p, "\r\n") + 2) {
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			cl = strtoul(p + 15, NULL, 10);
		if (id && strncasecmp(p, "Lambda-Runtime-Aws-Request-Id:", 30) == 0) {
			char *v = p + 30;
			while (*v == ' ')
				v++;
			size_t k = strcspn(v, "\r");
			if (k >= idn)
				k = idn - 1;
			memcpy(id, v, k);
			id[k] = '\0';
		}
	}
	while (have < hl + cl)
		if (fill(fd) < 0)
			return -1;
	if (body) {
		memcpy(body, in + hl, cl);
		*blen = cl;
	}
	memmove(in, in + hl + cl, have - hl - cl);
	have -= hl + cl;
	return 0;
}

int main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	char host[64], id[64], req[512];
	static char body[1 << 20];
	size_t blen;
	if (!api || strlen(api) >= sizeof(host))
		return 2;
	memcpy(host, api, strlen(api) + 1);
	char *colon = strchr(host, ':');
	if (!colon)
		return 2;
	*colon = '\0';
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)strtol(colon + 1, NULL, 10)) };
	inet_pton(AF_INET, host, &a.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 3;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	static const char next[] =
	    "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n";
	for (;;) {
		if (write(fd, next, sizeof(next) - 1) < 0 ||
		    response(fd, id, sizeof(id), body, &blen) < 0)
			return 4;
		int n = snprintf(
		    req, sizeof(req),
		    "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: x\r\n"
		    "Content-Length: %zu\r\n\r\n",
		    id, blen);
		if (write(fd, req, (size_t)n) < 0 || write(fd, body, blen) < 0 ||
		    response(fd, NULL, 0, NULL, NULL) < 0)
			return 5;
	}
}
