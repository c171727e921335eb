/* traffic: the registry of declared load balancers — parsing a declaration, finding which
 * balancer has a backend, and the calls on one balancer, each through its driver with the
 * balancer named in the error ("haproxy 'web' (/run/haproxy.sock): No such server.").
 *
 * The declarations never change after traffic_new, so the only shared mutable state is the
 * cache of backend → balancer answers, under one mutex.  An answer is kept TRAFFIC_CACHE_MS
 * and dropped as soon as that balancer says it has no such backend, so a backend that moved
 * to another balancer is found there on the next look. */
#include "traffic.h"
#include "traffic_int.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TRAFFIC_CACHE_MS 1000
#define TRAFFIC_CACHE_N	 64

struct traffic_lb {
	struct traffic_decl decl;
	const struct traffic_ops *ops;
};

struct traffic_cached {
	char backend[TRAFFIC_PROXY_MAX];
	size_t lb;
	int64_t until_ms; /* monotonic; 0: empty */
};

struct traffic {
	struct traffic_lb lbs[TRAFFIC_LB_MAX];
	size_t n;
	int timeout_ms;
	pthread_mutex_t mu;
	struct traffic_cached cache[TRAFFIC_CACHE_N];
	size_t cache_next;
};

static bool traffic__name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int traffic_decl_parse(const char *s, struct traffic_decl *out, struct err *e)
{
	const char *eq = strchr(s, '=');
	struct sockaddr_storage ss;
	socklen_t sl;
	struct err why = { 0 };

	memset(out, 0, sizeof(*out));
	if (!eq)
		return err_set(e, SW_E_INVALID, "load balancer '%.64s' is not NAME=SOCKET", s);
	size_t nlen = (size_t)(eq - s);

	if (nlen == 0 || nlen >= TRAFFIC_NAME_MAX)
		return err_set(e, SW_E_INVALID, "load balancer name must be 1..%d characters",
			       TRAFFIC_NAME_MAX - 1);
	for (size_t i = 0; i < nlen; i++)
		if (!traffic__name_char(s[i]))
			return err_set(e, SW_E_INVALID,
				       "load balancer name '%.*s' may hold only letters, digits "
				       "and ._-",
				       (int)nlen, s);
	const char *sock = eq + 1;

	if (!sock[0])
		return err_set(e, SW_E_INVALID,
			       "load balancer '%.*s': no socket after '=' (a UNIX path or "
			       "tcp:HOST:PORT)",
			       (int)nlen, s);
	if (strlen(sock) >= TRAFFIC_SOCKET_MAX)
		return err_set(e, SW_E_INVALID,
			       "load balancer '%.*s': socket longer than %d characters", (int)nlen,
			       s, TRAFFIC_SOCKET_MAX - 1);
	if (sock[0] != '/' && !str_starts(sock, "tcp:"))
		return err_set(e, SW_E_INVALID,
			       "load balancer '%.*s': socket '%.64s' is neither an absolute UNIX "
			       "path nor tcp:HOST:PORT",
			       (int)nlen, s, sock);
	if (traffic__socket_addr(sock, &ss, &sl, &why))
		return err_set(e, SW_E_INVALID, "load balancer '%.*s': socket '%.64s': %s",
			       (int)nlen, s, sock, err_message(&why));
	str_copyn(out->name, sizeof(out->name), s, nlen);
	str_copy(out->socket, sizeof(out->socket), sock);
	return 0;
}

const char *traffic_state_name(enum traffic_state s)
{
	switch (s) {
	case TRAFFIC_READY:
		return "ready";
	case TRAFFIC_DRAIN:
		return "drain";
	case TRAFFIC_MAINT:
		return "maint";
	}
	return "?";
}

int traffic_new(const struct traffic_decl *v, size_t n, int timeout_ms, struct traffic **out,
		struct err *e)
{
	struct traffic *t;

	*out = NULL;
	if (n > TRAFFIC_LB_MAX)
		return err_set(e, SW_E_INVALID, "at most %d load balancers", TRAFFIC_LB_MAX);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(v[i].name, v[j].name) == 0)
				return err_set(e, SW_E_INVALID,
					       "load balancer '%s' is declared twice", v[i].name);
	t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(e, SW_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		t->lbs[i].decl = v[i];
		t->lbs[i].ops = &traffic_haproxy;
	}
	t->n = n;
	t->timeout_ms = timeout_ms > 0 ? timeout_ms : TRAFFIC_TIMEOUT_MS;
	pthread_mutex_init(&t->mu, NULL);
	*out = t;
	return 0;
}

void traffic_free(struct traffic *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t);
}

size_t traffic_count(const struct traffic *t)
{
	return t ? t->n : 0;
}

const struct traffic_decl *traffic_decl_at(const struct traffic *t, size_t i)
{
	return t && i < t->n ? &t->lbs[i].decl : NULL;
}

static struct traffic_lb *traffic__lb(struct traffic *t, const char *name, size_t *index,
				      struct err *e)
{
	for (size_t i = 0; t && i < t->n; i++)
		if (strcmp(t->lbs[i].decl.name, name) == 0) {
			if (index)
				*index = i;
			return &t->lbs[i];
		}
	err_set(e, SW_E_NOT_FOUND, "no load balancer '%.64s' is declared to slipwayd", name);
	return NULL;
}

/* Names the balancer in a driver's error: "haproxy 'web' (/run/haproxy.sock): …". */
static int traffic__blame(const struct traffic_lb *lb, int r, struct err *e)
{
	char msg[sizeof(e->msg)];

	if (r >= 0)
		return r;
	str_copy(msg, sizeof(msg), err_message(e));
	return err_set(e, r, "%s '%s' (%s): %s", lb->ops->name, lb->decl.name, lb->decl.socket,
		       msg);
}

static void traffic__forget(struct traffic *t, size_t lb, const char *backend)
{
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < TRAFFIC_CACHE_N; i++)
		if (t->cache[i].until_ms && t->cache[i].lb == lb &&
		    strcmp(t->cache[i].backend, backend) == 0)
			t->cache[i].until_ms = 0;
	pthread_mutex_unlock(&t->mu);
}

static void traffic__remember(struct traffic *t, size_t lb, const char *backend)
{
	pthread_mutex_lock(&t->mu);
	struct traffic_cached *c = &t->cache[t->cache_next++ % TRAFFIC_CACHE_N];

	for (size_t i = 0; i < TRAFFIC_CACHE_N; i++)
		if (strcmp(t->cache[i].backend, backend) == 0) {
			c = &t->cache[i];
			break;
		}
	str_copy(c->backend, sizeof(c->backend), backend);
	c->lb = lb;
	c->until_ms = time_mono_ms() + TRAFFIC_CACHE_MS;
	pthread_mutex_unlock(&t->mu);
}

int traffic_backends(struct traffic *t, const char *lb, struct traffic_backend **out, size_t *n,
		     struct err *e)
{
	struct traffic_lb *l = traffic__lb(t, lb, NULL, e);

	*out = NULL;
	*n = 0;
	if (!l)
		return -e->code;
	return traffic__blame(
	    l, l->ops->backends(l->decl.socket, t->timeout_ms, l->decl.name, out, n, e), e);
}

int traffic_find(struct traffic *t, const char *backend, char *lb, size_t lb_size, struct err *e)
{
	int64_t now = time_mono_ms();
	int first_err = 0;
	struct err why = { 0 };

	if (lb_size)
		lb[0] = '\0';
	if (!t)
		return 0;
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < TRAFFIC_CACHE_N; i++)
		if (t->cache[i].until_ms > now && strcmp(t->cache[i].backend, backend) == 0) {
			str_copy(lb, lb_size, t->lbs[t->cache[i].lb].decl.name);
			pthread_mutex_unlock(&t->mu);
			return 1;
		}
	pthread_mutex_unlock(&t->mu);
	for (size_t i = 0; i < t->n; i++) {
		struct traffic_backend *v;
		size_t nv;
		struct err one = { 0 };
		int r = traffic_backends(t, t->lbs[i].decl.name, &v, &nv, &one);

		if (r < 0) {
			if (!first_err) {
				first_err = r;
				why = one;
			}
			continue;
		}
		bool has = false;

		for (size_t j = 0; j < nv && !has; j++)
			has = strcmp(v[j].name, backend) == 0;
		traffic_backends_free(v, nv);
		if (has) {
			traffic__remember(t, i, backend);
			return str_copy(lb, lb_size, t->lbs[i].decl.name) ? -SW_E_TRUNCATED : 1;
		}
	}
	if (first_err)
		return err_set(e, first_err, "no reachable load balancer has backend '%.64s': %s",
			       backend, err_message(&why));
	return 0;
}

int traffic_server_get(struct traffic *t, const char *lb, const char *backend, const char *server,
		       struct traffic_server *out, struct err *e)
{
	struct traffic_backend *v;
	size_t nv, index = 0;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (!traffic__lb(t, lb, &index, e))
		return -e->code;
	int r = traffic_backends(t, lb, &v, &nv, e);

	if (r < 0)
		return r;
	bool has_backend = false;

	for (size_t i = 0; i < nv && !found; i++) {
		if (strcmp(v[i].name, backend) != 0)
			continue;
		has_backend = true;
		for (size_t j = 0; j < v[i].nservers; j++)
			if (strcmp(v[i].servers[j].name, server) == 0) {
				*out = v[i].servers[j];
				found = 1;
				break;
			}
	}
	traffic_backends_free(v, nv);
	if (!has_backend)
		traffic__forget(t, index, backend);
	return found;
}

int traffic_set_state(struct traffic *t, const char *lb, const char *backend, const char *server,
		      enum traffic_state state, struct err *e)
{
	size_t index = 0;
	struct traffic_lb *l = traffic__lb(t, lb, &index, e);

	if (!l)
		return -e->code;
	int r = l->ops->set_state(l->decl.socket, t->timeout_ms, backend, server, state, e);

	if (r == -SW_E_NOT_FOUND)
		traffic__forget(t, index, backend);
	return traffic__blame(l, r, e);
}

int traffic_recheck(struct traffic *t, const char *lb, const char *backend, const char *server,
		    struct err *e)
{
	size_t index = 0;
	struct traffic_lb *l = traffic__lb(t, lb, &index, e);

	if (!l)
		return -e->code;
	int r = l->ops->recheck(l->decl.socket, t->timeout_ms, backend, server, e);

	if (r == -SW_E_NOT_FOUND)
		traffic__forget(t, index, backend);
	return traffic__blame(l, r, e);
}

int traffic_set_weight(struct traffic *t, const char *lb, const char *backend, const char *server,
		       int weight, struct err *e)
{
	size_t index = 0;
	struct traffic_lb *l = traffic__lb(t, lb, &index, e);

	if (!l)
		return -e->code;
	int r = l->ops->set_weight(l->decl.socket, t->timeout_ms, backend, server, weight, e);

	if (r == -SW_E_NOT_FOUND)
		traffic__forget(t, index, backend);
	return traffic__blame(l, r, e);
}
