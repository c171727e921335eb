/* functions: the function runtime (functions.h) — pools of execution environments, each a
 * process group running a bootstrap against a Runtime API endpoint served here on one epoll
 * thread (one listening socket per environment on 127.0.0.1), their logs and metrics.
 *
 * Threads: the caller's (functions_invoke admits or refuses under f->mu and queues), the loop
 * thread (every socket, pipe and process; calls done outside f->mu) and the flusher (writes the
 * batched log lines every 200 ms and the metrics every 10 s through the store). */
#include "functions/functions.h"

#include "base/crypto.h"
#include "base/extract.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "blob/blob.h"
#include "functions/rapi_parse.h"
#include "model/lambda.h"
#include "model/logs.h"
#include "model/metrics.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SLIPWAY_RUNTIMES_DIR
#define SLIPWAY_RUNTIMES_DIR "runtimes"
#endif

#define FN_INIT_LIMIT_MS   10000
#define FN_CONNS_MAX	   4		/* connections one environment may hold open */
#define FN_LINE_MAX	   (256u << 10) /* a log event (CloudWatch's maximum) */
#define FN_INV_LOG_MAX	   (1u << 20)	/* log bytes one invocation may write */
#define FN_LOG_PENDING_MAX 200000	/* log events waiting for the flusher */
#define FN_IN_MAX	   (RAPI_HEAD_MAX + FN_PAYLOAD_MAX + 65536)
#define FN_OUT_MAX	   (FN_PAYLOAD_MAX + 16384)
#define FN_LOG_FLUSH_MS	   200
#define FN_METRIC_FLUSH_MS 10000

enum fn_watch_kind { W_EVENT, W_LISTEN, W_CONN, W_PID, W_OUT };
enum fn_env_state { ENV_INIT, ENV_IDLE, ENV_BUSY };

struct fn_watch {
	enum fn_watch_kind kind;
	struct fn_env *env;
	struct fn_conn *conn;
	int which; /* W_OUT: 0 stdout, 1 stderr */
};

struct fn_inv {
	struct fn_inv *next;
	char request_id[37];
	char invoked_arn[300];
	char *client_context;
	char *payload;
	size_t len;
	bool tail, provisioned;
	void (*done)(void *arg, const struct fn_result *r);
	void *arg;
	char resource[LAMBDA_NAME_MAX + LAMBDA_ALIAS_MAX + 32];
	int64_t start_mono, deadline_mono;
	int64_t start_us; /* for Duration, to the microsecond */
	struct buf tail_buf;
	size_t log_bytes;
	bool log_truncated;
	/* the result, filled when finished */
	enum fn_outcome outcome;
	char *result;
	size_t result_len;
	double duration_ms, init_ms;
	int max_mem_mb;
	bool cold;
	char version[24];
	char name[LAMBDA_NAME_MAX + 1];
};

struct fn_conn {
	struct fn_watch w;
	int fd;
	struct fn_env *env;
	char *in;
	size_t in_len, in_cap;
	bool have_head;
	struct rapi_req req;
	struct rapi_chunked ch;
	size_t body_len; /* decoded body bytes after the head (chunked) */
	bool continue_sent;
	struct buf out;
	size_t out_off;
	bool close_after;
	bool want_out; /* EPOLLOUT is on */
};

struct fn_env {
	struct fn_env *next;
	struct fn_pool *pool;
	uint64_t id;
	pid_t pid;
	int pidfd, lfd, outfd[2];
	struct fn_watch w_listen, w_pid, w_out[2];
	struct fn_conn *conns[FN_CONNS_MAX];
	struct fn_conn *parked; /* the connection waiting on /next */
	struct fn_inv *inv;	/* assigned (and delivered once state is BUSY) */
	enum fn_env_state state;
	bool dead; /* killed: waiting for the leader to be reaped */
	bool provisioned, cold_pending;
	int64_t assigned_mono; /* when inv was given to it, before its /next */
	bool reset; /* to be killed at the next tick: its runtime may be stuck (a refused reply) */
	int64_t start_mono, idle_since;
	int64_t start_us;
	double init_ms;
	char last_id[37]; /* the last completed request id: a second response is 403 */
	char stream[80];
	char tmpdir[PATH_MAX];
	struct buf line[2];
	size_t free_log_bytes; /* output outside invocations, capped too */
};

struct fn_pool {
	struct fn_pool *next;
	struct lambda_target t;
	char code_dir[PATH_MAX];
	struct fn_env *envs;
	int n_envs;   /* alive or to be started */
	int inflight; /* queued or running */
	int to_start;
	int want_prov;
	struct fn_inv *q_head, *q_tail;
};

struct fn_logline {
	char *group, *stream, *msg;
	int64_t ts;
	bool written;
};

struct fn_metric {
	struct fn_metric *next;
	char name[LAMBDA_NAME_MAX + 1];
	char resource[LAMBDA_NAME_MAX + LAMBDA_ALIAS_MAX + 32];
	char version[24];
	double invocations, errors, throttles;
	double dur_n, dur_sum, dur_min, dur_max;
	double concurrent_max;
	double prov_util_max;
	bool provisioned;
};

struct functions {
	struct functions_config cfg;
	char *data_dir, *region, *account_id, *runtimes_dir;
	pthread_mutex_t mu; /* pools, envs, counters, queues */
	pthread_t loop, flusher;
	int epfd, evfd;
	struct fn_watch w_event;
	struct fn_pool *pools;
	int n_envs;
	bool stopping;
	bool batch_stop; /* an environment was killed or freed: the batch's events may be stale */
	uint64_t next_env_id;
	uint64_t invocations, cold_starts;
	struct fn_inv *finished; /* done to call, outside mu */

	pthread_mutex_t logmu; /* pending logs and metrics */
	pthread_cond_t logcond;
	bool flusher_stop;
	struct fn_logline *lines;
	size_t nlines, cap_lines;
	uint64_t lines_dropped;
	struct fn_metric *metrics;
};

/* ------------------------------------------------------------------ helpers */

static void fn__nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static char *fn__error_json(const char *type, const char *msg)
{
	json_t *o = json_pack("{s:s,s:s}", "errorMessage", msg, "errorType", type);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s ? s : str_dup("{}");
}

static void fn__wake(struct functions *f)
{
	uint64_t one = 1;
	ssize_t n = write(f->evfd, &one, sizeof(one));
	(void)n;
}

/* ------------------------------------------------------------------ logs and metrics */

static void fn__log(struct functions *f, const char *name, const char *stream, const char *msg,
		    size_t len)
{
	char group[LAMBDA_NAME_MAX + 16];

	if (len == 0)
		return;
	str_fmt(group, sizeof(group), "/aws/lambda/%s", name);
	pthread_mutex_lock(&f->logmu);
	if (f->nlines >= FN_LOG_PENDING_MAX) {
		f->lines_dropped++;
		pthread_mutex_unlock(&f->logmu);
		return;
	}
	if (f->nlines == f->cap_lines) {
		size_t cap = f->cap_lines ? f->cap_lines * 2 : 256;
		struct fn_logline *n = realloc(f->lines, cap * sizeof(*n));
		if (!n) {
			f->lines_dropped++;
			pthread_mutex_unlock(&f->logmu);
			return;
		}
		f->lines = n;
		f->cap_lines = cap;
	}
	struct fn_logline *l = &f->lines[f->nlines];
	l->group = str_dup(group);
	l->stream = str_dup(stream);
	l->msg = str_ndup(msg, len);
	l->ts = time_now_ms();
	l->written = false;
	if (!l->group || !l->stream || !l->msg) {
		free(l->group);
		free(l->stream);
		free(l->msg);
		f->lines_dropped++;
	} else {
		f->nlines++;
	}
	pthread_mutex_unlock(&f->logmu);
}

static struct fn_metric *fn__metric(struct functions *f, const char *name, const char *resource,
				    const char *version)
{
	for (struct fn_metric *m = f->metrics; m; m = m->next)
		if (strcmp(m->name, name) == 0 && strcmp(m->resource, resource) == 0 &&
		    strcmp(m->version, version) == 0)
			return m;
	struct fn_metric *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	str_copy(m->name, sizeof(m->name), name);
	str_copy(m->resource, sizeof(m->resource), resource);
	str_copy(m->version, sizeof(m->version), version);
	m->next = f->metrics;
	f->metrics = m;
	return m;
}

static void fn__resource(const struct lambda_target *t, char *out, size_t n)
{
	if (t->alias[0])
		str_fmt(out, n, "%s:%s", t->name, t->alias);
	else if (strcmp(t->version, "$LATEST") != 0)
		str_fmt(out, n, "%s:%s", t->name, t->version);
	else
		str_copy(out, n, t->name);
}

/* One flush: per stream, its first line through logs_append (which creates the group and the
 * stream when missing), the rest in one logs_events_append. */
static int fn__write_logs(struct store_conn *c, void *arg, struct err *e)
{
	struct fn_logline *l = arg;
	size_t n = 0;
	int rc = 0;

	while (l[n].group)
		n++;
	struct logs_event_in *ev = malloc((n ? n : 1) * sizeof(*ev));
	if (!ev)
		return err_set(e, -SW_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (l[i].written)
			continue;
		l[i].written = true;
		rc = logs_append(c, l[i].group, l[i].stream, l[i].ts, l[i].msg, e);
		if (rc < 0)
			break;
		size_t k = 0;
		for (size_t j = i + 1; j < n; j++)
			if (!l[j].written && strcmp(l[j].stream, l[i].stream) == 0 &&
			    strcmp(l[j].group, l[i].group) == 0) {
				l[j].written = true;
				ev[k++] =
				    (struct logs_event_in){ l[j].ts, l[j].msg, strlen(l[j].msg) };
			}
		if (!k)
			continue;
		struct logs_group g;
		struct logs_stream st;
		rc = logs_group_get(c, l[i].group, &g, e);
		if (rc == 0)
			rc = logs_stream_get(c, g.id, l[i].stream, &st, e);
		if (rc == 0)
			rc = logs_events_append(c, &st, ev, k, time_now_ms(), e);
	}
	free(ev);
	return rc;
}

struct fn_mbatch {
	struct metric_datum *d;
	size_t n;
};

static int fn__write_metrics(struct store_conn *c, void *arg, struct err *e)
{
	struct fn_mbatch *b = arg;
	return metrics_put(c, b->d, b->n, time_now_ms(), e);
}

static void fn__flush_logs(struct functions *f)
{
	pthread_mutex_lock(&f->logmu);
	struct fn_logline *lines = f->lines;
	size_t n = f->nlines;
	uint64_t dropped = f->lines_dropped;
	f->lines = NULL;
	f->nlines = f->cap_lines = 0;
	f->lines_dropped = 0;
	pthread_mutex_unlock(&f->logmu);
	if (dropped)
		log_warn("functions", "dropped %llu log lines: the store did not keep up",
			 (unsigned long long)dropped);
	if (!n) {
		free(lines);
		return;
	}
	/* one write transaction per flush; the terminator is a zeroed row */
	struct fn_logline *all = realloc(lines, (n + 1) * sizeof(*all));
	if (all) {
		struct err e = { 0 };
		lines = all;
		memset(&lines[n], 0, sizeof(lines[n]));
		if (f->cfg.store && store_write(f->cfg.store, fn__write_logs, lines, &e) < 0)
			log_warn("functions", "cannot write function logs: %s", err_message(&e));
	}
	for (size_t i = 0; i < n; i++) {
		free(lines[i].group);
		free(lines[i].stream);
		free(lines[i].msg);
	}
	free(lines);
}

/* What one aggregate yields: per metric, three dimension sets. */
#define FN_METRIC_NAMES 6
static void fn__flush_metrics(struct functions *f)
{
	pthread_mutex_lock(&f->logmu);
	struct fn_metric *list = f->metrics;
	f->metrics = NULL;
	pthread_mutex_unlock(&f->logmu);
	if (!list)
		return;
	size_t count = 0;
	for (struct fn_metric *m = list; m; m = m->next)
		count++;
	struct metric_datum *d = calloc(count * FN_METRIC_NAMES * 3, sizeof(*d));
	struct metric_dim *dims = calloc(count * 3, sizeof(*dims));
	double *vals = calloc(count * FN_METRIC_NAMES, sizeof(*vals));
	size_t nd = 0, nv = 0;
	int64_t now = time_now_ms();
	if (!d || !dims || !vals)
		goto out;
	size_t i = 0;
	for (struct fn_metric *m = list; m; m = m->next, i++) {
		struct metric_dim *dm = &dims[i * 3];
		dm[0] = (struct metric_dim){ "FunctionName", m->name };
		dm[1] = (struct metric_dim){ "Resource", m->resource };
		dm[2] = (struct metric_dim){ "ExecutedVersion", m->version };
		struct {
			const char *name, *unit;
			bool set;
			double v;
		} rows[FN_METRIC_NAMES] = {
			{ "Invocations", "Count", false, m->invocations },
			{ "Errors", "Count", false, m->errors },
			{ "Throttles", "Count", false, m->throttles },
			{ "Duration", "Milliseconds", true, 0 },
			{ "ConcurrentExecutions", "Count", false, m->concurrent_max },
			{ "ProvisionedConcurrencyUtilization", "None", false, m->prov_util_max },
		};
		for (int r = 0; r < FN_METRIC_NAMES; r++) {
			if (r == 3 && m->dur_n == 0)
				continue;
			if (r == 5 && !m->provisioned)
				continue;
			if ((r == 1 || r == 2) && rows[r].v == 0 && m->invocations == 0)
				continue;
			double *v = &vals[nv++];
			*v = rows[r].v;
			for (size_t k = 1; k <= 3; k++) {
				/* Throttles have no executed version */
				if (r == 2 && k == 3)
					continue;
				struct metric_datum *x = &d[nd++];
				x->key = (struct metric_key){ "AWS/Lambda", rows[r].name, dm, k };
				x->unit = rows[r].unit;
				x->ts_ms = now;
				x->resolution = 60;
				if (rows[r].set) {
					x->is_set = true;
					x->set_count = m->dur_n;
					x->set_sum = m->dur_sum;
					x->set_min = m->dur_min;
					x->set_max = m->dur_max;
				} else {
					x->values = v;
					x->nvalues = 1;
				}
			}
		}
	}
	if (nd && f->cfg.store) {
		struct fn_mbatch b = { d, nd };
		struct err e = { 0 };
		if (store_write(f->cfg.store, fn__write_metrics, &b, &e) < 0)
			log_warn("functions", "cannot write AWS/Lambda metrics: %s",
				 err_message(&e));
	}
out:
	free(d);
	free(dims);
	free(vals);
	while (list) {
		struct fn_metric *n = list->next;
		free(list);
		list = n;
	}
}

static void *fn__flusher(void *arg)
{
	struct functions *f = arg;
	int64_t last_metrics = time_mono_ms();

	pthread_mutex_lock(&f->logmu);
	while (!f->flusher_stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += FN_LOG_FLUSH_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&f->logcond, &f->logmu, &ts);
		pthread_mutex_unlock(&f->logmu);
		fn__flush_logs(f);
		if (time_mono_ms() - last_metrics >= FN_METRIC_FLUSH_MS) {
			fn__flush_metrics(f);
			last_metrics = time_mono_ms();
		}
		pthread_mutex_lock(&f->logmu);
	}
	pthread_mutex_unlock(&f->logmu);
	fn__flush_logs(f);
	fn__flush_metrics(f);
	if (f->cfg.store)
		store_thread_done(f->cfg.store);
	return NULL;
}

/* ------------------------------------------------------------------ code */

static int fn__chmod_ro(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_SL)
		return 0;
	(void)chmod(path, st->st_mode & ~(mode_t)0222);
	return 0;
}

/* DATA/functions/code/<blob>/, unpacked once, atomically, read-only. */
static int fn__code_dir(struct functions *f, const char *blob, char *out, size_t n, struct err *e)
{
	struct stat st;
	char tmp[PATH_MAX], src[64], boot[PATH_MAX];
	static uint64_t seq;
	int fd = -1, rc;
	uint64_t size;

	if (!hex_is_sha256(blob))
		return err_set(e, -SW_E_INVALID, "code blob '%s' is not a SHA-256", blob);
	if (str_fmt(out, n, "%s/functions/code/%s", f->data_dir, blob) < 0)
		return err_set(e, -SW_E_TRUNCATED, "data directory path too long");
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	str_fmt(tmp, sizeof(tmp), "%s/functions/code/.tmp-%s-%d-%llu", f->data_dir, blob,
		(int)getpid(), (unsigned long long)__atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	rc = blob_open_read(f->cfg.blob, blob, &fd, &size, e);
	if (rc < 0)
		return rc;
	str_fmt(src, sizeof(src), "/proc/self/fd/%d", fd);
	rc = extract_archive(src, "zip", tmp, e);
	close(fd);
	if (rc < 0) {
		struct err e2 = { 0 };
		fs_rm_rf(tmp, &e2);
		return rc;
	}
	/* the zip may have lost the x bit of bootstrap */
	str_fmt(boot, sizeof(boot), "%s/bootstrap", tmp);
	if (stat(boot, &st) == 0 && S_ISREG(st.st_mode))
		(void)chmod(boot, st.st_mode | 0555);
	nftw(tmp, fn__chmod_ro, 16, FTW_PHYS);
	if (rename(tmp, out) < 0) {
		struct err e2 = { 0 };
		int saved = errno;
		/* the writable bit again, so it can be removed */
		(void)chmod(tmp, 0700);
		fs_rm_rf(tmp, &e2);
		if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
			return 0; /* another invocation won the race */
		return err_set(e, -SW_E_IO, "cannot rename '%s': %s", tmp, strerror(saved));
	}
	return 0;
}

static int fn__rm_w(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DP || flag == FTW_DNR)
		(void)chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

/* ------------------------------------------------------------------ connections */

static void fn__conn_free(struct functions *f, struct fn_conn *c)
{
	struct fn_env *env = c->env;
	if (env) {
		for (int i = 0; i < FN_CONNS_MAX; i++)
			if (env->conns[i] == c)
				env->conns[i] = NULL;
		if (env->parked == c)
			env->parked = NULL;
	}
	epoll_ctl(f->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	buf_release(&c->out);
	free(c);
}

static void fn__conn_flush(struct functions *f, struct fn_conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n =
		    send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (!c->want_out) {
					struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT,
								  .data.ptr = &c->w };
					epoll_ctl(f->epfd, EPOLL_CTL_MOD, c->fd, &ev);
					c->want_out = true;
				}
				return;
			}
			c->close_after = true;
			c->out_off = c->out.len;
			break;
		}
		c->out_off += (size_t)n;
	}
	buf_reset(&c->out);
	c->out_off = 0;
	if (c->want_out) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->w };
		epoll_ctl(f->epfd, EPOLL_CTL_MOD, c->fd, &ev);
		c->want_out = false;
	}
}

static void fn__reply(struct fn_conn *c, int status, const char *reason, const char *body,
		      size_t len, bool close_after)
{
	buf_addf(
	    &c->out,
	    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n",
	    status, reason, len, close_after ? "Connection: close\r\n" : "");
	buf_add(&c->out, body, len);
	if (close_after)
		c->close_after = true;
}

static void fn__reply_error(struct fn_conn *c, int status, const char *reason, const char *type,
			    const char *msg, bool close_after)
{
	char *j = fn__error_json(type, msg);
	fn__reply(c, status, reason, j, strlen(j), close_after);
	free(j);
}

/* ------------------------------------------------------------------ environments */

static void fn__env_log(struct functions *f, struct fn_env *env, const char *msg, size_t len)
{
	struct fn_inv *inv = env->state == ENV_BUSY ? env->inv : NULL;
	if (inv) {
		if (inv->log_truncated)
			return;
		if (inv->log_bytes + len > FN_INV_LOG_MAX) {
			static const char note[] =
			    "[slipway] this invocation's output is over 1 MiB: the rest is dropped";
			inv->log_truncated = true;
			fn__log(f, env->pool->t.name, env->stream, note, sizeof(note) - 1);
			return;
		}
		inv->log_bytes += len;
		if (inv->tail) {
			if (inv->tail_buf.len + len + 1 > 2 * FN_LOG_TAIL_MAX) {
				size_t keep = inv->tail_buf.len > FN_LOG_TAIL_MAX
						  ? FN_LOG_TAIL_MAX
						  : inv->tail_buf.len;
				memmove(inv->tail_buf.p, inv->tail_buf.p + inv->tail_buf.len - keep,
					keep);
				inv->tail_buf.len = keep;
			}
			if (len + 1 > FN_LOG_TAIL_MAX) {
				buf_reset(&inv->tail_buf);
				buf_add(&inv->tail_buf, msg + len - (FN_LOG_TAIL_MAX - 1),
					FN_LOG_TAIL_MAX - 1);
			} else {
				buf_add(&inv->tail_buf, msg, len);
			}
			buf_addc(&inv->tail_buf, '\n');
		}
	} else {
		if (env->free_log_bytes + len > FN_INV_LOG_MAX)
			return;
		env->free_log_bytes += len;
	}
	fn__log(f, env->pool->t.name, env->stream, msg, len);
}

static void fn__env_lines(struct functions *f, struct fn_env *env, int which, const char *p,
			  size_t n, bool eof)
{
	struct buf *b = &env->line[which];
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		if (b->len + take > FN_LINE_MAX)
			take = FN_LINE_MAX - b->len;
		buf_add(b, p, take);
		p += take;
		n -= take;
		if (nl && p == nl) {
			p++;
			n--;
			fn__env_log(f, env, b->p ? b->p : "", b->len);
			buf_reset(b);
		} else if (b->len >= FN_LINE_MAX) {
			fn__env_log(f, env, b->p, b->len);
			buf_reset(b);
		}
	}
	if (eof && b->len) {
		fn__env_log(f, env, b->p, b->len);
		buf_reset(b);
	}
}

static void fn__env_drain(struct functions *f, struct fn_env *env, int which)
{
	char chunk[16384];
	for (int rounds = 0; rounds < 64 && env->outfd[which] >= 0; rounds++) {
		ssize_t n = read(env->outfd[which], chunk, sizeof(chunk));
		if (n > 0) {
			fn__env_lines(f, env, which, chunk, (size_t)n, false);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			fn__env_lines(f, env, which, NULL, 0, true);
			epoll_ctl(f->epfd, EPOLL_CTL_DEL, env->outfd[which], NULL);
			close(env->outfd[which]);
			env->outfd[which] = -1;
		}
		break;
	}
}

static int fn__max_mem_mb(pid_t pid)
{
	char path[64], line[256];
	int kb = 0;
	str_fmt(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, "VmHWM:", 6) == 0) {
			int64_t v;
			char *s = line + 6;
			while (*s == ' ' || *s == '\t')
				s++;
			char *e = s;
			while (*e >= '0' && *e <= '9')
				e++;
			*e = '\0';
			if (str_to_i64(s, 0, INT32_MAX, &v) == 0)
				kb = (int)v;
			break;
		}
	fclose(fp);
	return (kb + 1023) / 1024;
}

/* Finishes env's invocation with outcome and result (owned, or NULL): END/REPORT lines,
 * metrics, and the done callback queued for outside the lock. */
static void fn__finish(struct functions *f, struct fn_env *env, enum fn_outcome outcome,
		       char *result, size_t len)
{
	struct fn_inv *inv = env->inv;
	struct fn_pool *pool = env->pool;
	bool delivered = env->state == ENV_BUSY;

	if (!inv) {
		free(result);
		return;
	}
	/* what the function wrote before it answered is this invocation's, even when the
	 * answer was read first */
	fn__env_drain(f, env, 0);
	fn__env_drain(f, env, 1);
	pool->inflight--;
	inv->outcome = outcome;
	inv->result = result;
	inv->result_len = len;
	str_copy(inv->version, sizeof(inv->version), pool->t.version);
	str_copy(inv->name, sizeof(inv->name), pool->t.name);
	str_copy(env->last_id, sizeof(env->last_id), inv->request_id);
	if (delivered) {
		char line[512];
		inv->duration_ms = (double)(time_mono_us() - inv->start_us) / 1000.0;
		inv->max_mem_mb = fn__max_mem_mb(env->pid);
		int64_t billed = (int64_t)ceil(inv->duration_ms); /* Lambda bills by the ms, up */
		if (billed < 1)
			billed = 1;
		str_fmt(line, sizeof(line), "END RequestId: %s", inv->request_id);
		inv->log_truncated = false;
		inv->log_bytes = 0;
		fn__env_log(f, env, line, strlen(line));
		int k = str_fmt(line, sizeof(line),
				"REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld "
				"ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
				inv->request_id, inv->duration_ms, (long long)billed,
				pool->t.memory_mb, inv->max_mem_mb);
		if (k >= 0 && inv->cold)
			str_fmt(line + strlen(line), sizeof(line) - strlen(line),
				"\tInit Duration: %.2f ms", inv->init_ms);
		fn__env_log(f, env, line, strlen(line));
	}
	env->inv = NULL;
	pthread_mutex_lock(&f->logmu);
	struct fn_metric *m = fn__metric(f, pool->t.name, inv->resource, pool->t.version);
	if (m) {
		m->invocations++;
		if (outcome != FN_OK)
			m->errors++;
		if (delivered) {
			if (m->dur_n == 0 || inv->duration_ms < m->dur_min)
				m->dur_min = inv->duration_ms;
			if (inv->duration_ms > m->dur_max)
				m->dur_max = inv->duration_ms;
			m->dur_n++;
			m->dur_sum += inv->duration_ms;
		}
	}
	pthread_mutex_unlock(&f->logmu);
	env->state = ENV_IDLE;
	env->idle_since = time_mono_ms();
	env->free_log_bytes = 0;
	inv->next = f->finished;
	f->finished = inv;
}

/* Fails the oldest queued invocation of pool (its environment could not start). */
static void fn__fail_queued(struct functions *f, struct fn_pool *pool, enum fn_outcome outcome,
			    char *result)
{
	struct fn_inv *inv = pool->q_head;
	if (!inv) {
		free(result);
		return;
	}
	pool->q_head = inv->next;
	if (!pool->q_head)
		pool->q_tail = NULL;
	pool->inflight--;
	inv->outcome = outcome;
	inv->result = result;
	inv->result_len = result ? strlen(result) : 0;
	str_copy(inv->version, sizeof(inv->version), pool->t.version);
	str_copy(inv->name, sizeof(inv->name), pool->t.name);
	pthread_mutex_lock(&f->logmu);
	struct fn_metric *m = fn__metric(f, pool->t.name, inv->resource, pool->t.version);
	if (m) {
		m->invocations++;
		m->errors++;
	}
	pthread_mutex_unlock(&f->logmu);
	inv->next = f->finished;
	f->finished = inv;
}

/* Kills env's process group; the env is freed once its leader is reaped (W_PID). */
static void fn__env_kill(struct functions *f, struct fn_env *env)
{
	if (env->dead)
		return;
	env->dead = true;
	f->batch_stop = true;
	if (env->pid > 0)
		kill(-env->pid, SIGKILL);
	for (int i = 0; i < FN_CONNS_MAX; i++)
		if (env->conns[i])
			fn__conn_free(f, env->conns[i]);
	if (env->lfd >= 0) {
		epoll_ctl(f->epfd, EPOLL_CTL_DEL, env->lfd, NULL);
		close(env->lfd);
		env->lfd = -1;
	}
	env->pool->n_envs--;
	f->n_envs--;
}

static void fn__env_free(struct functions *f, struct fn_env *env)
{
	struct fn_pool *pool = env->pool;
	struct err e = { 0 };

	f->batch_stop = true;
	for (int w = 0; w < 2; w++) {
		if (env->outfd[w] >= 0)
			fn__env_drain(f, env, w);
		if (env->outfd[w] >= 0) {
			epoll_ctl(f->epfd, EPOLL_CTL_DEL, env->outfd[w], NULL);
			close(env->outfd[w]);
		}
		buf_release(&env->line[w]);
	}
	if (env->pidfd >= 0) {
		epoll_ctl(f->epfd, EPOLL_CTL_DEL, env->pidfd, NULL);
		close(env->pidfd);
	}
	for (struct fn_env **pp = &pool->envs; *pp; pp = &(*pp)->next)
		if (*pp == env) {
			*pp = env->next;
			break;
		}
	if (env->tmpdir[0]) {
		char dir[PATH_MAX];
		str_fmt(dir, sizeof(dir), "%s/functions/env/%llu", f->data_dir,
			(unsigned long long)env->id);
		nftw(dir, fn__rm_w, 16, FTW_PHYS | FTW_DEPTH);
		fs_rm_rf(dir, &e);
	}
	free(env);
}

/* The process leader exited (or was killed): reap it and settle the invocation. */
static void fn__env_exited(struct functions *f, struct fn_env *env)
{
	int status = 0;
	pid_t r = waitpid(env->pid, &status, WNOHANG);
	if (r == 0)
		return; /* not yet */
	int code = r < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	bool was_dead = env->dead;
	if (!was_dead) {
		for (int w = 0; w < 2; w++)
			if (env->outfd[w] >= 0)
				fn__env_drain(f, env, w);
		char msg[256];
		if (env->inv && env->state == ENV_BUSY) {
			if (WIFSIGNALED(status))
				str_fmt(
				    msg, sizeof(msg),
				    "RequestId: %s Error: Runtime exited with error: signal: %s",
				    env->inv->request_id, strsignal(WTERMSIG(status)));
			else
				str_fmt(msg, sizeof(msg),
					"RequestId: %s Error: Runtime exited with error: exit "
					"status %d",
					env->inv->request_id, code);
			fn__env_log(f, env, msg, strlen(msg));
			fn__finish(f, env, FN_CRASHED, fn__error_json("Runtime.ExitError", msg), 0);
		} else if (env->state == ENV_INIT) {
			str_fmt(msg, sizeof(msg), "Runtime exited with error: exit status %d",
				code);
			fn__env_log(f, env, msg, strlen(msg));
			if (env->inv) {
				/* assigned but never delivered: it goes back to the queue's head */
				struct fn_inv *inv = env->inv;
				env->inv = NULL;
				inv->next = env->pool->q_head;
				env->pool->q_head = inv;
				if (!env->pool->q_tail)
					env->pool->q_tail = inv;
			}
			fn__fail_queued(f, env->pool, FN_INIT_ERR,
					fn__error_json("Runtime.ExitError", msg));
		}
		fn__env_kill(f, env);
	}
	/* the runtime's result lengths were set by strlen in fn__finish callers */
	fn__env_free(f, env);
}

static void fn__fix_len(struct fn_inv *inv)
{
	if (inv->result && inv->result_len == 0)
		inv->result_len = strlen(inv->result);
}

/* ------------------------------------------------------------------ spawning */

struct fn_argv {
	char *v[64];
	int n;
};

static void fn__arg(struct fn_argv *a, const char *s)
{
	if (a->n < 62)
		a->v[a->n++] = str_dup(s);
	a->v[a->n] = NULL;
}

static void fn__bwrap_root(struct fn_argv *a, const char *dir)
{
	char target[PATH_MAX];
	struct stat st;
	if (lstat(dir, &st) < 0)
		return;
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(dir, target, sizeof(target) - 1);
		if (n <= 0)
			return;
		target[n] = '\0';
		fn__arg(a, "--symlink");
		fn__arg(a, target);
		fn__arg(a, dir);
	} else if (S_ISDIR(st.st_mode)) {
		fn__arg(a, "--ro-bind");
		fn__arg(a, dir);
		fn__arg(a, dir);
	}
}

struct fn_envp {
	char **v;
	size_t n, cap;
};

static void fn__setenv(struct fn_envp *p, const char *k, const char *v)
{
	size_t kl = strlen(k);
	for (size_t i = 0; i < p->n; i++)
		if (strncmp(p->v[i], k, kl) == 0 && p->v[i][kl] == '=') {
			free(p->v[i]);
			p->v[i] = NULL;
			char *s = malloc(kl + strlen(v) + 2);
			if (s)
				str_fmt(s, kl + strlen(v) + 2, "%s=%s", k, v);
			p->v[i] = s ? s : str_dup("_=");
			return;
		}
	if (p->n + 2 > p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		char **n = realloc(p->v, cap * sizeof(*n));
		if (!n)
			return;
		p->v = n;
		p->cap = cap;
	}
	char *s = malloc(kl + strlen(v) + 2);
	if (!s)
		return;
	str_fmt(s, kl + strlen(v) + 2, "%s=%s", k, v);
	p->v[p->n++] = s;
	p->v[p->n] = NULL;
}

static int fn__listen(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void fn__epoll_add(struct functions *f, int fd, struct fn_watch *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
	epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Starts one environment for pool (its slot was counted already): 0, or fails with e. */
static int fn__env_start(struct functions *f, struct fn_pool *pool, bool provisioned, struct err *e)
{
	const struct lambda_target *t = &pool->t;
	struct fn_env *env = calloc(1, sizeof(*env));
	struct fn_argv av = { { 0 }, 0 };
	struct fn_envp ep = { 0 };
	int outp[2][2] = { { -1, -1 }, { -1, -1 } };
	int port = 0, rc = 0, devnull = -1;
	char s[PATH_MAX], prog[PATH_MAX], hex[33];
	uint8_t rnd[16];

	if (!env)
		return err_set(e, -SW_E_NOMEM, "out of memory");
	env->pool = pool;
	env->id = ++f->next_env_id;
	env->pidfd = env->lfd = env->outfd[0] = env->outfd[1] = -1;
	env->provisioned = provisioned;
	env->state = ENV_INIT;
	env->start_mono = time_mono_ms();
	env->start_us = time_mono_us();
	buf_init(&env->line[0], FN_LINE_MAX + 1);
	buf_init(&env->line[1], FN_LINE_MAX + 1);
	random_bytes(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), hex);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	str_fmt(env->stream, sizeof(env->stream), "%04d/%02d/%02d/[%s]%s", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, t->version, hex);
	str_fmt(env->tmpdir, sizeof(env->tmpdir), "%s/functions/env/%llu/tmp", f->data_dir,
		(unsigned long long)env->id);
	env->next = pool->envs;
	pool->envs = env;
	if ((rc = fs_mkdir_p(env->tmpdir, 0700, e)) < 0)
		goto fail;
	env->lfd = fn__listen(&port);
	if (env->lfd < 0) {
		rc = err_set(e, -SW_E_IO, "cannot listen on 127.0.0.1: %s", strerror(errno));
		goto fail;
	}
	if (pipe2(outp[0], O_CLOEXEC) < 0 || pipe2(outp[1], O_CLOEXEC) < 0) {
		rc = err_set(e, -SW_E_IO, "cannot make a pipe: %s", strerror(errno));
		goto fail;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	enum lambda_runtime_kind kind = lambda_runtime_kind(t->runtime);
	const char *task_root = f->cfg.bwrap ? "/var/task" : pool->code_dir;
	switch (kind) {
	case LAMBDA_RT_PROVIDED:
		str_fmt(prog, sizeof(prog), "%s/bootstrap", task_root);
		break;
	case LAMBDA_RT_PYTHON:
		str_fmt(prog, sizeof(prog), "%s/python/bootstrap", f->runtimes_dir);
		break;
	case LAMBDA_RT_NODE:
		str_fmt(prog, sizeof(prog), "%s/nodejs/bootstrap", f->runtimes_dir);
		break;
	default:
		rc = err_set(e, -SW_E_INVALID, "runtime '%s' is not supported", t->runtime);
		goto fail;
	}
	const char *runtime_dir = kind == LAMBDA_RT_PROVIDED ? task_root : f->runtimes_dir;
	if (kind == LAMBDA_RT_PYTHON)
		str_fmt(s, sizeof(s), "%s/python", f->runtimes_dir);
	else if (kind == LAMBDA_RT_NODE)
		str_fmt(s, sizeof(s), "%s/nodejs", f->runtimes_dir);
	else
		str_copy(s, sizeof(s), runtime_dir);
	char rtdir[PATH_MAX];
	str_copy(rtdir, sizeof(rtdir), s);

	/* user variables first, then the reserved ones over them */
	json_t *uv = json_loads(t->env_json[0] ? t->env_json : "{}", 0, NULL);
	if (json_is_object(uv)) {
		const char *k;
		json_t *v;
		json_object_foreach(uv, k, v)
		{
			if (json_is_string(v) && k[0] && !strchr(k, '='))
				fn__setenv(&ep, k, json_string_value(v));
		}
	}
	json_decref(uv);
	fn__setenv(&ep, "PATH", "/usr/local/bin:/usr/bin:/bin:/opt/bin");
	fn__setenv(&ep, "LANG", "en_US.UTF-8");
	str_fmt(s, sizeof(s), "%s/lib:/opt/lib", task_root);
	fn__setenv(&ep, "LD_LIBRARY_PATH", s);
	str_fmt(s, sizeof(s), "127.0.0.1:%d", port);
	fn__setenv(&ep, "AWS_LAMBDA_RUNTIME_API", s);
	fn__setenv(&ep, "_HANDLER", t->handler);
	fn__setenv(&ep, "LAMBDA_TASK_ROOT", task_root);
	fn__setenv(&ep, "LAMBDA_RUNTIME_DIR", rtdir);
	fn__setenv(&ep, "AWS_LAMBDA_FUNCTION_NAME", t->name);
	fn__setenv(&ep, "AWS_LAMBDA_FUNCTION_VERSION", t->version);
	str_fmt(s, sizeof(s), "%d", t->memory_mb);
	fn__setenv(&ep, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", s);
	str_fmt(s, sizeof(s), "/aws/lambda/%s", t->name);
	fn__setenv(&ep, "AWS_LAMBDA_LOG_GROUP_NAME", s);
	fn__setenv(&ep, "AWS_LAMBDA_LOG_STREAM_NAME", env->stream);
	fn__setenv(&ep, "AWS_REGION", f->region);
	fn__setenv(&ep, "AWS_DEFAULT_REGION", f->region);
	fn__setenv(&ep, "TZ", "UTC");
	if (kind != LAMBDA_RT_PROVIDED) {
		str_fmt(s, sizeof(s), "AWS_Lambda_%s", t->runtime);
		fn__setenv(&ep, "AWS_EXECUTION_ENV", s);
	}
	fn__setenv(&ep, "AWS_LAMBDA_INITIALIZATION_TYPE",
		   provisioned ? "provisioned-concurrency" : "on-demand");
	fn__setenv(&ep, "TMPDIR", f->cfg.bwrap ? "/tmp" : env->tmpdir);
	fn__setenv(&ep, "HOME", f->cfg.bwrap ? "/tmp" : env->tmpdir);
	if (!ep.v) {
		rc = err_set(e, -SW_E_NOMEM, "out of memory");
		goto fail;
	}

	if (f->cfg.bwrap) {
		static const char *const roots[] = { "/usr",   "/bin",	"/lib",
						     "/lib64", "/sbin", "/etc" };
		fn__arg(&av, "bwrap");
		for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
			fn__bwrap_root(&av, roots[i]);
		fn__arg(&av, "--ro-bind");
		fn__arg(&av, pool->code_dir);
		fn__arg(&av, "/var/task");
		fn__arg(&av, "--bind");
		fn__arg(&av, env->tmpdir);
		fn__arg(&av, "/tmp");
		/* after /tmp, which would hide a runtimes directory under it */
		if (kind != LAMBDA_RT_PROVIDED) {
			fn__arg(&av, "--ro-bind");
			fn__arg(&av, f->runtimes_dir);
			fn__arg(&av, f->runtimes_dir);
		}
		fn__arg(&av, "--proc");
		fn__arg(&av, "/proc");
		fn__arg(&av, "--dev");
		fn__arg(&av, "/dev");
		fn__arg(&av, "--unshare-pid");
		fn__arg(&av, "--die-with-parent");
		fn__arg(&av, "--chdir");
		fn__arg(&av, "/var/task");
		fn__arg(&av, "--");
		fn__arg(&av, prog);
		str_copy(prog, sizeof(prog), "/usr/bin/bwrap");
	} else {
		fn__arg(&av, prog);
	}
	if (!av.v[0]) {
		rc = err_set(e, -SW_E_NOMEM, "out of memory");
		goto fail;
	}
	struct rlimit nofile = { 1024, 1024 };
	/* MemorySize + 32 MB of RLIMIT_DATA (private writable memory; node and python start in
	 * it at 128 MB) and no RLIMIT_AS: V8 reserves gigabytes of address space it never uses */
	rlim_t data = ((rlim_t)(t->memory_mb > 0 ? t->memory_mb : 128) + 32) << 20;
	struct rlimit rdata = { data, data };
	const char *cwd = pool->code_dir;

	pid_t pid = fork();
	if (pid < 0) {
		rc = err_set(e, -SW_E_IO, "cannot fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		/* the child: async-signal-safe calls only */
		setpgid(0, 0);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(outp[0][1], 1);
		dup2(outp[1][1], 2);
		syscall(SYS_close_range, 3U, ~0U, 0U);
		setrlimit(RLIMIT_NOFILE, &nofile);
		setrlimit(RLIMIT_DATA, &rdata);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		sigaction(SIGPIPE, &dfl, NULL);
		if (chdir(cwd) < 0)
			_exit(126);
		execve(prog, av.v, ep.v);
		static const char msg[] = "slipway: cannot run the bootstrap\n";
		ssize_t w = write(2, msg, sizeof(msg) - 1);
		(void)w;
		_exit(127);
	}
	setpgid(pid, pid);
	env->pid = pid;
	env->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (int w = 0; w < 2; w++) {
		close(outp[w][1]);
		outp[w][1] = -1;
		env->outfd[w] = outp[w][0];
		outp[w][0] = -1;
		fn__nonblock(env->outfd[w]);
		env->w_out[w] = (struct fn_watch){ W_OUT, env, NULL, w };
		fn__epoll_add(f, env->outfd[w], &env->w_out[w]);
	}
	env->w_listen = (struct fn_watch){ W_LISTEN, env, NULL, 0 };
	fn__epoll_add(f, env->lfd, &env->w_listen);
	env->w_pid = (struct fn_watch){ W_PID, env, NULL, 0 };
	if (env->pidfd >= 0)
		fn__epoll_add(f, env->pidfd, &env->w_pid);
	f->cold_starts++;
	env->cold_pending = true;
	goto out;

fail:
	for (struct fn_env **pp = &pool->envs; *pp; pp = &(*pp)->next)
		if (*pp == env) {
			*pp = env->next;
			break;
		}
	if (env->lfd >= 0)
		close(env->lfd);
	buf_release(&env->line[0]);
	buf_release(&env->line[1]);
	if (env->tmpdir[0]) {
		struct err e2 = { 0 };
		str_fmt(s, sizeof(s), "%s/functions/env/%llu", f->data_dir,
			(unsigned long long)env->id);
		fs_rm_rf(s, &e2);
	}
	free(env);
out:
	for (int w = 0; w < 2; w++)
		for (int k = 0; k < 2; k++)
			if (outp[w][k] >= 0)
				close(outp[w][k]);
	if (devnull >= 0)
		close(devnull);
	for (int i = 0; i < av.n; i++)
		free(av.v[i]);
	for (size_t i = 0; i < ep.n; i++)
		free(ep.v[i]);
	free(ep.v);
	return rc;
}

/* ------------------------------------------------------------------ the Runtime API */

static void fn__trace_id(char out[128])
{
	uint8_t r[20];
	char a[25], b[17];
	random_bytes(r, sizeof(r));
	hex_encode(r, 12, a);
	hex_encode(r + 12, 8, b);
	str_fmt(out, 128, "Root=1-%08llx-%s;Parent=%s;Sampled=0",
		(unsigned long long)(time_now_ms() / 1000), a, b);
}

/* Hands env's assigned invocation to its parked /next. */
static void fn__deliver(struct functions *f, struct fn_env *env)
{
	struct fn_inv *inv = env->inv;
	struct fn_conn *c = env->parked;
	char trace[128], line[256];

	if (!inv || !c || env->state == ENV_BUSY)
		return;
	env->parked = NULL;
	fn__trace_id(trace);
	inv->start_mono = time_mono_ms();
	inv->start_us = time_mono_us();
	inv->deadline_mono = inv->start_mono + (int64_t)env->pool->t.timeout_s * 1000;
	int64_t deadline_wall = time_now_ms() + (int64_t)env->pool->t.timeout_s * 1000;
	if (env->cold_pending) {
		inv->cold = !env->provisioned; /* a provisioned one was initialised ahead */
		inv->init_ms = env->init_ms;
		env->cold_pending = false;
	}
	buf_addf(&c->out,
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Lambda-Runtime-Aws-Request-Id: %s\r\nLambda-Runtime-Deadline-Ms: %lld\r\n"
		 "Lambda-Runtime-Invoked-Function-Arn: %s\r\nLambda-Runtime-Trace-Id: %s\r\n",
		 inv->request_id, (long long)deadline_wall, inv->invoked_arn, trace);
	if (inv->client_context)
		buf_addf(&c->out, "Lambda-Runtime-Client-Context: %s\r\n", inv->client_context);
	buf_addf(&c->out, "Content-Length: %zu\r\n\r\n", inv->len);
	buf_add(&c->out, inv->payload, inv->len);
	env->state = ENV_BUSY;
	str_fmt(line, sizeof(line), "START RequestId: %s Version: %s", inv->request_id,
		env->pool->t.version);
	fn__env_log(f, env, line, strlen(line));
	fn__conn_flush(f, c);
}

/* Assigns pool's queued invocations to free environments (those waiting on /next first). */
static void fn__assign(struct functions *f, struct fn_pool *pool)
{
	while (pool->q_head) {
		struct fn_env *pick = NULL;
		for (struct fn_env *env = pool->envs; env; env = env->next) {
			if (env->dead || env->reset || env->inv)
				continue;
			if (!pick || (env->parked && !pick->parked) ||
			    (pool->q_head->provisioned && env->provisioned && !pick->provisioned))
				pick = env;
		}
		if (!pick)
			return;
		struct fn_inv *inv = pool->q_head;
		pool->q_head = inv->next;
		if (!pool->q_head)
			pool->q_tail = NULL;
		inv->next = NULL;
		pick->inv = inv;
		pick->assigned_mono = time_mono_ms();
		fn__deliver(f, pick);
	}
}

/* Assigns what can be and starts the environments counted; the new ones take the rest at
 * their first /next. */
static void fn__dispatch(struct functions *f, struct fn_pool *pool)
{
	fn__assign(f, pool);
	while (pool->to_start > 0) {
		struct err e = { 0 };
		pool->to_start--;
		bool prov = pool->q_head == NULL;
		if (fn__env_start(f, pool, prov, &e) < 0) {
			log_warn("functions", "cannot start an environment for '%s': %s",
				 pool->t.name, err_message(&e));
			pool->n_envs--;
			f->n_envs--;
			fn__fail_queued(
			    f, pool, FN_INIT_ERR,
			    fn__error_json("Runtime.InvalidEntrypoint", err_message(&e)));
		}
	}
	fn__assign(f, pool);
}

static int fn__handle(struct functions *f, struct fn_conn *c, char *body, size_t len)
{
	struct fn_env *env = c->env;
	char id[64];
	enum rapi_route rt = rapi_route(&c->req, id);

	switch (rt) {
	case RAPI_R_NEXT:
		if (env->parked && env->parked != c) {
			fn__reply_error(c, 403, "Forbidden", "InvalidStateTransition",
					"a /next is already waiting", false);
			return 0;
		}
		if (env->state == ENV_INIT) {
			env->init_ms = (double)(time_mono_us() - env->start_us) / 1000.0;
			env->state = ENV_IDLE;
			env->idle_since = time_mono_ms();
		} else if (env->state == ENV_BUSY && env->inv) {
			/* /next without answering: Lambda counts it as an empty response */
			fn__finish(f, env, FN_OK, str_dup("null"), 4);
		}
		env->parked = c;
		if (env->inv)
			fn__deliver(f, env);
		else
			fn__dispatch(f, env->pool);
		return 0;
	case RAPI_R_RESPONSE:
	case RAPI_R_ERROR:
		if (!env->inv || env->state != ENV_BUSY || strcmp(env->inv->request_id, id) != 0) {
			if (strcmp(env->last_id, id) == 0)
				fn__reply_error(
				    c, 403, "Forbidden", "InvalidStateTransition",
				    "Invalid state transition: the invocation has a result already",
				    false);
			else
				fn__reply_error(c, 400, "Bad Request", "InvalidRequestID",
						"Invalid request ID", false);
			return 0;
		}
		{
			char *copy = str_ndup(len ? body : "", len);
			size_t clen = len;
			if (rt == RAPI_R_ERROR && len == 0) {
				free(copy);
				copy = fn__error_json(c->req.error_type[0] ? c->req.error_type
									   : "Runtime.Unknown",
						      "Unknown application error occurred");
				clen = strlen(copy);
			}
			fn__reply(c, 202, "Accepted", "{\"status\":\"OK\"}", 15, false);
			fn__finish(f, env, rt == RAPI_R_RESPONSE ? FN_OK : FN_ERROR, copy, clen);
		}
		return 0;
	case RAPI_R_INIT_ERROR: {
		char *copy = len ? str_ndup(body, len)
				 : fn__error_json(c->req.error_type[0] ? c->req.error_type
								       : "Runtime.Unknown",
						  "Unknown init error");
		fn__reply(c, 202, "Accepted", "{\"status\":\"OK\"}", 15, true);
		fn__conn_flush(f, c);
		if (env->inv && env->state == ENV_BUSY) {
			fn__finish(f, env, FN_INIT_ERR, copy, 0);
		} else {
			if (env->inv) {
				struct fn_inv *inv = env->inv;
				env->inv = NULL;
				inv->next = env->pool->q_head;
				env->pool->q_head = inv;
				if (!env->pool->q_tail)
					env->pool->q_tail = inv;
			}
			fn__fail_queued(f, env->pool, FN_INIT_ERR, copy);
		}
		fn__env_kill(f, env);
		return -1;
	}
	default:
		fn__reply_error(c, 404, "Not Found", "NotFound", "no such Runtime API route",
				false);
		return 0;
	}
}

/* What c has read: parse, answer, and go on with the next pipelined request.  Returns -1 when
 * c was freed. */
/* A request body over FN_PAYLOAD_MAX: 413, and when it is the current invocation's response,
 * the invocation ends with Function.ResponseSizeTooLarge; the environment is reset either way
 * (its runtime is still sending what was refused). */
static void fn__refuse_large(struct functions *f, struct fn_conn *c)
{
	static const char msg[] =
	    "Response payload size exceeded maximum allowed payload size (6291556 bytes).";
	char id[64];
	enum rapi_route rt = rapi_route(&c->req, id);

	fn__reply_error(c, 413, "Request Entity Too Large", "RequestEntityTooLarge", msg, true);
	if (rt == RAPI_R_RESPONSE && c->env->inv && c->env->state == ENV_BUSY &&
	    strcmp(c->env->inv->request_id, id) == 0)
		fn__finish(f, c->env, FN_TOO_LARGE,
			   fn__error_json("Function.ResponseSizeTooLarge", msg), 0);
	c->env->reset = true;
}

static int fn__conn_process(struct functions *f, struct fn_conn *c)
{
	for (int rounds = 0; rounds < 16; rounds++) {
		if (!c->have_head) {
			int r = rapi_parse_head(c->in, c->in_len, &c->req);
			if (r == 0)
				return 0;
			if (r < 0) {
				fn__reply_error(c, 400, "Bad Request", "InvalidRequest",
						"malformed HTTP request", true);
				return 0;
			}
			c->have_head = true;
			c->body_len = 0;
			c->continue_sent = false;
			rapi_chunked_init(&c->ch);
			if (c->req.framing == RAPI_BODY_LENGTH &&
			    c->req.content_length > FN_PAYLOAD_MAX) {
				fn__refuse_large(f, c);
				return 0;
			}
		}
		size_t hl = c->req.head_len;
		size_t total;
		char *body = c->in + hl;
		size_t blen;
		if (c->req.framing == RAPI_BODY_LENGTH) {
			if (c->in_len - hl < c->req.content_length) {
				if (c->req.expect_continue && !c->continue_sent) {
					buf_adds(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
					c->continue_sent = true;
				}
				return 0;
			}
			blen = (size_t)c->req.content_length;
			total = hl + blen;
		} else if (c->req.framing == RAPI_BODY_CHUNKED) {
			size_t used = 0, out = 0;
			size_t at = hl + c->body_len;
			size_t raw = c->in_len - at;
			int r = rapi_chunked_feed(&c->ch, c->in + at, raw, &used, &out);
			if (r < 0) {
				fn__reply_error(c, 400, "Bad Request", "InvalidRequest",
						"malformed chunked body", true);
				return 0;
			}
			/* the decoded bytes sit at at..at+out; close the gap up to the unused rest
			 */
			memmove(c->in + at + out, c->in + at + used, raw - used);
			c->in_len -= used - out;
			c->body_len += out;
			if (c->body_len > FN_PAYLOAD_MAX) {
				fn__refuse_large(f, c);
				return 0;
			}
			if (r == 0) {
				if (c->req.expect_continue && !c->continue_sent) {
					buf_adds(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
					c->continue_sent = true;
				}
				return 0;
			}
			blen = c->body_len;
			total = hl + blen;
		} else {
			blen = 0;
			total = hl;
		}
		c->have_head = false;
		bool close_after = c->req.close;
		if (fn__handle(f, c, body, blen) < 0)
			return -1; /* c was freed with its environment */
		if (close_after)
			c->close_after = true;
		memmove(c->in, c->in + total, c->in_len - total);
		c->in_len -= total;
		if (c->close_after || c->in_len == 0)
			return 0;
	}
	return 0;
}

static void fn__conn_read(struct functions *f, struct fn_conn *c)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		if (c->in_cap - c->in_len < 16384) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 16384;
			if (cap > FN_IN_MAX)
				cap = FN_IN_MAX;
			if (cap <= c->in_len) {
				fn__reply_error(c, 413, "Request Entity Too Large",
						"RequestEntityTooLarge", "request too large", true);
				break;
			}
			char *n = realloc(c->in, cap + 1);
			if (!n) {
				c->close_after = true;
				break;
			}
			c->in = n;
			c->in_cap = cap;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			fn__conn_free(f, c);
			return;
		}
		c->in_len += (size_t)n;
		if (fn__conn_process(f, c) < 0)
			return;
		if (c->close_after)
			break;
	}
	if (c->out.len)
		fn__conn_flush(f, c);
	if (c->close_after && c->out.len == 0)
		fn__conn_free(f, c);
}

static void fn__accept(struct functions *f, struct fn_env *env)
{
	for (int rounds = 0; rounds < 8; rounds++) {
		int fd = accept4(env->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		int slot = -1;
		for (int i = 0; i < FN_CONNS_MAX; i++)
			if (!env->conns[i]) {
				slot = i;
				break;
			}
		struct fn_conn *c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->env = env;
		c->w = (struct fn_watch){ W_CONN, env, c, 0 };
		buf_init(&c->out, FN_OUT_MAX);
		env->conns[slot] = c;
		fn__epoll_add(f, fd, &c->w);
	}
}

/* ------------------------------------------------------------------ the loop */

static struct fn_pool *fn__pool_find(struct functions *f, const struct lambda_target *t)
{
	for (struct fn_pool *p = f->pools; p; p = p->next)
		if (strcmp(p->t.name, t->name) == 0 && strcmp(p->t.version, t->version) == 0 &&
		    strcmp(p->t.config_sha, t->config_sha) == 0 &&
		    strcmp(p->t.code_blob, t->code_blob) == 0)
			return p;
	return NULL;
}

static void fn__inv_free(struct fn_inv *inv)
{
	free(inv->payload);
	free(inv->client_context);
	free(inv->result);
	buf_release(&inv->tail_buf);
	free(inv);
}

static void fn__call_done(struct fn_inv *list)
{
	while (list) {
		struct fn_inv *inv = list;
		list = inv->next;
		fn__fix_len(inv);
		struct fn_result r = {
			.outcome = inv->outcome,
			.payload = inv->result ? inv->result : "",
			.len = inv->result_len,
			.version = inv->version,
			.log_tail = inv->tail ? (inv->tail_buf.p ? inv->tail_buf.p : "") : NULL,
			.tail_len = inv->tail ? inv->tail_buf.len : 0,
			.duration_ms = inv->duration_ms,
			.billed_ms = inv->duration_ms < 1 ? 1 : (int64_t)ceil(inv->duration_ms),
			.max_memory_mb = inv->max_mem_mb,
		};
		if (r.tail_len > FN_LOG_TAIL_MAX) {
			r.log_tail += r.tail_len - FN_LOG_TAIL_MAX;
			r.tail_len = FN_LOG_TAIL_MAX;
		}
		inv->done(inv->arg, &r);
		fn__inv_free(inv);
	}
}

/* Timeouts, init limits, idle reaping, provisioned top-up; returns ms to the next deadline. */
static int fn__tick(struct functions *f)
{
	int64_t now = time_mono_ms();
	int64_t next = now + 1000;

	for (struct fn_pool **pp = &f->pools; *pp;) {
		struct fn_pool *pool = *pp;
		for (struct fn_env *env = pool->envs, *n; env; env = n) {
			n = env->next;
			if (env->dead)
				continue;
			if (env->reset) {
				fn__env_kill(f, env);
				continue;
			}
			if (env->state == ENV_BUSY && env->inv) {
				if (now >= env->inv->deadline_mono) {
					char msg[256], date[32];
					time_iso8601(time_now_ms(), date);
					str_fmt(msg, sizeof(msg),
						"%s %s Task timed out after %d.00 seconds", date,
						env->inv->request_id, pool->t.timeout_s);
					fn__env_log(f, env, msg, strlen(msg));
					json_t *o = json_pack("{s:s}", "errorMessage", msg);
					char *j = o ? json_dumps(o, JSON_COMPACT) : NULL;
					json_decref(o);
					fn__finish(f, env, FN_TIMEOUT, j, 0);
					fn__env_kill(f, env);
				} else if (env->inv->deadline_mono < next) {
					next = env->inv->deadline_mono;
				}
			} else if (env->state == ENV_INIT) {
				int64_t dl = env->start_mono + FN_INIT_LIMIT_MS;
				if (now >= dl) {
					static const char msg[] = "Runtime did not call /next "
								  "within the init limit of 10 s";
					fn__env_log(f, env, msg, sizeof(msg) - 1);
					if (env->inv) {
						struct fn_inv *inv = env->inv;
						env->inv = NULL;
						inv->next = pool->q_head;
						pool->q_head = inv;
						if (!pool->q_tail)
							pool->q_tail = inv;
					}
					fn__fail_queued(f, pool, FN_INIT_ERR,
							fn__error_json("Runtime.InitTimeout", msg));
					fn__env_kill(f, env);
				} else if (dl < next) {
					next = dl;
				}
			} else if (env->state == ENV_IDLE && env->inv) {
				/* given an invocation, a warm runtime must ask for it */
				int64_t dl = env->assigned_mono + FN_INIT_LIMIT_MS;

				if (now >= dl) {
					static const char msg[] =
					    "Runtime did not call /next for 10 s";

					fn__env_log(f, env, msg, sizeof(msg) - 1);
					fn__finish(f, env, FN_CRASHED,
						   fn__error_json("Runtime.ExitError", msg), 0);
					fn__env_kill(f, env);
				} else if (dl < next) {
					next = dl;
				}
			} else if (env->state == ENV_IDLE && !env->inv) {
				int64_t dl = env->idle_since + (int64_t)f->cfg.idle_s * 1000;
				bool keep = env->provisioned && pool->n_envs <= pool->want_prov;
				if (!keep && pool->n_envs > pool->inflight && now >= dl)
					fn__env_kill(f, env);
				else if (!keep && dl < next)
					next = dl;
			}
		}
		/* provisioned concurrency: top up */
		for (int k = 0; k < pool->want_prov && pool->n_envs < pool->want_prov &&
				f->n_envs < f->cfg.envs_max && !f->stopping;
		     k++) {
			pool->n_envs++;
			f->n_envs++;
			pool->to_start++;
			fn__dispatch(f, pool);
		}
		if (!pool->envs && !pool->inflight && !pool->want_prov && !pool->q_head &&
		    !pool->to_start) {
			*pp = pool->next;
			free(pool);
			continue;
		}
		pp = &pool->next;
	}
	/* ConcurrentExecutions: sampled here, the maximum kept per flush */
	pthread_mutex_lock(&f->logmu);
	for (struct fn_pool *p = f->pools; p; p = p->next) {
		int busy = 0, prov = 0, prov_busy = 0;
		for (struct fn_env *env = p->envs; env; env = env->next) {
			if (env->dead)
				continue;
			busy += env->inv != NULL;
			prov += env->provisioned;
			prov_busy += env->provisioned && env->inv;
		}
		if (!busy && !prov)
			continue;
		char res[sizeof(((struct fn_metric *)0)->resource)];
		fn__resource(&p->t, res, sizeof(res));
		struct fn_metric *m = fn__metric(f, p->t.name, res, p->t.version);
		if (m) {
			if (busy > m->concurrent_max)
				m->concurrent_max = busy;
			if (prov) {
				m->provisioned = true;
				double u = (double)prov_busy / prov;
				if (u > m->prov_util_max)
					m->prov_util_max = u;
			}
		}
	}
	pthread_mutex_unlock(&f->logmu);
	int64_t wait = next - now;
	return wait < 1 ? 1 : wait > 1000 ? 1000 : (int)wait;
}

static void *fn__loop(void *arg)
{
	struct functions *f = arg;
	struct epoll_event evs[64];
	int timeout = 100;

	for (;;) {
		int n = epoll_wait(f->epfd, evs, 64, timeout);
		pthread_mutex_lock(&f->mu);
		f->batch_stop = false;
		for (int i = 0; i < n; i++) {
			struct fn_watch *w = evs[i].data.ptr;
			switch (w->kind) {
			case W_EVENT: {
				uint64_t v;
				ssize_t r = read(f->evfd, &v, sizeof(v));
				(void)r;
				for (struct fn_pool *p = f->pools; p; p = p->next)
					if (p->q_head || p->to_start)
						fn__dispatch(f, p);
				break;
			}
			case W_LISTEN:
				if (!w->env->dead)
					fn__accept(f, w->env);
				break;
			case W_CONN:
				if (evs[i].events & EPOLLOUT)
					fn__conn_flush(f, w->conn);
				if (w->env->dead)
					break;
				/* an env killed earlier in this batch freed its connections */
				fn__conn_read(f, w->conn);
				break;
			case W_PID:
				fn__env_exited(f, w->env);
				break;
			case W_OUT:
				fn__env_drain(f, w->env, w->which);
				break;
			}
			/* later events of this batch may name what was freed: level-triggered,
			 * they come again */
			if (f->batch_stop)
				break;
		}
		f->batch_stop = false;
		timeout = fn__tick(f);
		bool stop = f->stopping;
		struct fn_inv *done = f->finished;
		f->finished = NULL;
		pthread_mutex_unlock(&f->mu);
		fn__call_done(done);
		if (stop)
			break;
	}
	return NULL;
}

/* ------------------------------------------------------------------ the API */

int functions_start(struct functions **out, const struct functions_config *cfg, struct err *e)
{
	struct functions *f = calloc(1, sizeof(*f));
	const char *rt = getenv("SLIPWAY_RUNTIMES_DIR");
	char dir[PATH_MAX];
	int rc;

	*out = NULL;
	if (!f)
		return err_set(e, -SW_E_NOMEM, "out of memory");
	f->cfg = *cfg;
	if (f->cfg.envs_max <= 0)
		f->cfg.envs_max = 64;
	if (f->cfg.idle_s <= 0)
		f->cfg.idle_s = 300;
	f->data_dir = str_dup(cfg->data_dir);
	f->region = str_dup(cfg->region ? cfg->region : "us-east-1");
	f->account_id = str_dup(cfg->account_id ? cfg->account_id : "000000000000");
	f->runtimes_dir = str_dup(cfg->runtimes_dir ? cfg->runtimes_dir
				  : rt && rt[0]	    ? rt
						    : SLIPWAY_RUNTIMES_DIR);
	f->epfd = f->evfd = -1;
	pthread_mutex_init(&f->mu, NULL);
	pthread_mutex_init(&f->logmu, NULL);
	pthread_cond_init(&f->logcond, NULL);
	if (!f->data_dir || !f->region || !f->account_id || !f->runtimes_dir) {
		rc = err_set(e, -SW_E_NOMEM, "out of memory");
		goto fail;
	}
	if (f->cfg.bwrap && access("/usr/bin/bwrap", X_OK) < 0) {
		rc = err_set(e, -SW_E_INVALID,
			     "--sandbox bwrap needs /usr/bin/bwrap (Debian package bubblewrap)");
		goto fail;
	}
	str_fmt(dir, sizeof(dir), "%s/functions/code", f->data_dir);
	if ((rc = fs_mkdir_p(dir, 0755, e)) < 0)
		goto fail;
	str_fmt(dir, sizeof(dir), "%s/functions/env", f->data_dir);
	{
		/* environments of an earlier run */
		struct err e2 = { 0 };
		nftw(dir, fn__rm_w, 16, FTW_PHYS | FTW_DEPTH);
		fs_rm_rf(dir, &e2);
	}
	if ((rc = fs_mkdir_p(dir, 0755, e)) < 0)
		goto fail;
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	f->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->epfd < 0 || f->evfd < 0) {
		rc = err_set(e, -SW_E_IO, "cannot make an epoll set: %s", strerror(errno));
		goto fail;
	}
	f->w_event = (struct fn_watch){ W_EVENT, NULL, NULL, 0 };
	fn__epoll_add(f, f->evfd, &f->w_event);
	if (pthread_create(&f->loop, NULL, fn__loop, f) != 0) {
		rc = err_set(e, -SW_E_INTERNAL, "cannot start the function runtime's thread");
		goto fail;
	}
	if (pthread_create(&f->flusher, NULL, fn__flusher, f) != 0) {
		pthread_mutex_lock(&f->mu);
		f->stopping = true;
		pthread_mutex_unlock(&f->mu);
		fn__wake(f);
		pthread_join(f->loop, NULL);
		rc = err_set(e, -SW_E_INTERNAL, "cannot start the function logs' thread");
		goto fail;
	}
	*out = f;
	return 0;
fail:
	if (f->epfd >= 0)
		close(f->epfd);
	if (f->evfd >= 0)
		close(f->evfd);
	free(f->data_dir);
	free(f->region);
	free(f->account_id);
	free(f->runtimes_dir);
	pthread_mutex_destroy(&f->mu);
	pthread_mutex_destroy(&f->logmu);
	pthread_cond_destroy(&f->logcond);
	free(f);
	return rc;
}

void functions_stop(struct functions *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->stopping = true;
	pthread_mutex_unlock(&f->mu);
	fn__wake(f);
	pthread_join(f->loop, NULL);

	/* the loop has ended: every group is killed and every invocation failed here */
	pthread_mutex_lock(&f->mu);
	for (struct fn_pool *pool = f->pools; pool; pool = pool->next) {
		for (struct fn_env *env = pool->envs; env; env = env->next) {
			if (env->inv)
				fn__finish(f, env, FN_CRASHED,
					   fn__error_json("Runtime.Unavailable",
							  "Slipway is stopping: the invocation was "
							  "interrupted"),
					   0);
			fn__env_kill(f, env);
		}
		while (pool->q_head)
			fn__fail_queued(
			    f, pool, FN_CRASHED,
			    fn__error_json("Runtime.Unavailable",
					   "Slipway is stopping: the invocation did not "
					   "start"));
	}
	struct fn_inv *done = f->finished;
	f->finished = NULL;
	pthread_mutex_unlock(&f->mu);
	fn__call_done(done);
	while (f->pools) {
		struct fn_pool *pool = f->pools;
		while (pool->envs) {
			struct fn_env *env = pool->envs;
			int st;
			/* SIGKILL was sent: the wait is short */
			if (env->pid > 0)
				waitpid(env->pid, &st, 0);
			fn__env_free(f, env);
		}
		f->pools = pool->next;
		free(pool);
	}
	pthread_mutex_lock(&f->logmu);
	f->flusher_stop = true;
	pthread_cond_signal(&f->logcond);
	pthread_mutex_unlock(&f->logmu);
	pthread_join(f->flusher, NULL);
	close(f->epfd);
	close(f->evfd);
	free(f->data_dir);
	free(f->region);
	free(f->account_id);
	free(f->runtimes_dir);
	pthread_mutex_destroy(&f->mu);
	pthread_mutex_destroy(&f->logmu);
	pthread_cond_destroy(&f->logcond);
	free(f);
}

static struct fn_pool *fn__pool_get(struct functions *f, const struct lambda_target *t,
				    const char *code_dir)
{
	struct fn_pool *p = fn__pool_find(f, t);
	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->t = *t;
	str_copy(p->code_dir, sizeof(p->code_dir), code_dir);
	p->next = f->pools;
	f->pools = p;
	return p;
}

static void fn__throttle(struct functions *f, const struct lambda_target *t)
{
	char res[LAMBDA_NAME_MAX + LAMBDA_ALIAS_MAX + 32];
	fn__resource(t, res, sizeof(res));
	pthread_mutex_lock(&f->logmu);
	struct fn_metric *m = fn__metric(f, t->name, res, t->version);
	if (m)
		m->throttles++;
	pthread_mutex_unlock(&f->logmu);
}

int functions_invoke(struct functions *f, const struct fn_invoke *inv, struct err *e)
{
	const struct lambda_target *t = inv->target;
	char code_dir[PATH_MAX];
	int rc;

	if (inv->len > FN_PAYLOAD_MAX)
		return err_set(
		    e, -SW_E_LAMBDA_RequestTooLarge,
		    "Request must be smaller than %u bytes for the InvokeFunction operation",
		    FN_PAYLOAD_MAX);
	if (lambda_runtime_kind(t->runtime) == LAMBDA_RT_UNKNOWN)
		return err_set(e, -SW_E_INVALID, "runtime '%s' is not supported", t->runtime);
	if ((rc = fn__code_dir(f, t->code_blob, code_dir, sizeof(code_dir), e)) < 0)
		return rc;
	struct fn_inv *x = calloc(1, sizeof(*x));
	if (!x)
		return err_set(e, -SW_E_NOMEM, "out of memory");
	x->payload = malloc(inv->len + 1);
	x->client_context = inv->client_context ? str_dup(inv->client_context) : NULL;
	if (!x->payload || (inv->client_context && !x->client_context)) {
		fn__inv_free(x);
		return err_set(e, -SW_E_NOMEM, "out of memory");
	}
	/* a header value: CR and LF would end it (JSON may hold them as whitespace) */
	for (char *p = x->client_context; p && *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	if (inv->len)
		memcpy(x->payload, inv->payload, inv->len);
	x->payload[inv->len] = '\0';
	x->len = inv->len;
	str_copy(x->request_id, sizeof(x->request_id), inv->request_id);
	str_copy(x->invoked_arn, sizeof(x->invoked_arn), inv->invoked_arn);
	x->tail = inv->tail;
	x->provisioned = inv->provisioned;
	x->done = inv->done;
	x->arg = inv->arg;
	buf_init(&x->tail_buf, 2 * FN_LOG_TAIL_MAX + 16);
	fn__resource(t, x->resource, sizeof(x->resource));

	pthread_mutex_lock(&f->mu);
	if (f->stopping) {
		pthread_mutex_unlock(&f->mu);
		fn__inv_free(x);
		return err_set(e, -SW_E_AGAIN, "the function runtime is stopping");
	}
	struct fn_pool *pool = fn__pool_get(f, t, code_dir);
	if (!pool) {
		pthread_mutex_unlock(&f->mu);
		fn__inv_free(x);
		return err_set(e, -SW_E_NOMEM, "out of memory");
	}
	/* the function's reserved concurrency counts over every version's pool */
	if (t->reserved >= 0) {
		int used = 0;
		for (struct fn_pool *p = f->pools; p; p = p->next)
			if (strcmp(p->t.name, t->name) == 0)
				used += p->inflight;
		if (used >= t->reserved) {
			pthread_mutex_unlock(&f->mu);
			fn__throttle(f, t);
			fn__inv_free(x);
			return err_set(e, -SW_E_LAMBDA_TooManyRequests,
				       "ReservedFunctionConcurrentInvocationLimitExceeded: Rate "
				       "Exceeded.");
		}
	}
	if (pool->inflight >= pool->n_envs) {
		if (f->n_envs >= f->cfg.envs_max) {
			pthread_mutex_unlock(&f->mu);
			fn__throttle(f, t);
			fn__inv_free(x);
			return err_set(e, -SW_E_LAMBDA_TooManyRequests,
				       "ConcurrentInvocationLimitExceeded: Rate Exceeded.");
		}
		pool->n_envs++;
		f->n_envs++;
		pool->to_start++;
	}
	pool->inflight++;
	f->invocations++;
	if (pool->q_tail)
		pool->q_tail->next = x;
	else
		pool->q_head = x;
	pool->q_tail = x;
	pthread_mutex_unlock(&f->mu);
	fn__wake(f);
	return 0;
}

int functions_provision(struct functions *f, const struct lambda_target *t, int want, struct err *e)
{
	char code_dir[PATH_MAX];
	int rc;

	if (want < 0)
		return err_set(e, -SW_E_INVALID, "provisioned concurrency must not be negative");
	if ((rc = fn__code_dir(f, t->code_blob, code_dir, sizeof(code_dir), e)) < 0)
		return rc;
	pthread_mutex_lock(&f->mu);
	if (f->stopping) {
		pthread_mutex_unlock(&f->mu);
		return err_set(e, -SW_E_AGAIN, "the function runtime is stopping");
	}
	struct fn_pool *pool = fn__pool_get(f, t, code_dir);
	if (!pool) {
		pthread_mutex_unlock(&f->mu);
		return err_set(e, -SW_E_NOMEM, "out of memory");
	}
	pool->want_prov = want;
	pthread_mutex_unlock(&f->mu);
	fn__wake(f);
	return 0;
}

void functions_stats(struct functions *f, struct fn_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&f->mu);
	for (struct fn_pool *p = f->pools; p; p = p->next) {
		out->pools++;
		for (struct fn_env *env = p->envs; env; env = env->next)
			if (!env->dead) {
				out->envs++;
				out->busy += env->inv != NULL;
			}
	}
	out->invocations = f->invocations;
	out->cold_starts = f->cold_starts;
	pthread_mutex_unlock(&f->mu);
}
