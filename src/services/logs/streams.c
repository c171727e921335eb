/* logs/streams: CreateLogStream, DeleteLogStream, DescribeLogStreams. */
#include "common.h"
#include "store/store.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <inttypes.h>
#include <string.h>

struct logs_stream_op {
	char group[LOGS_NAME_MAX + 1];
	const char *name;
};

static int logs__stream_args(struct call *c, struct logs_stream_op *s)
{
	const char *group;
	int r = logs_group_name(c->in, "logGroupName", &group, c->err);

	if (!r)
		r = logs_stream_name(c->in, "logStreamName", &s->name, c->err);
	if (!r)
		str_copy(s->group, sizeof(s->group), group);
	return r;
}

static int logs__create(struct store_conn *sc, void *arg, struct err *e)
{
	struct logs_stream_op *s = arg;

	return logs_stream_create(sc, s->group, s->name, time_now_ms(), e);
}

static int CreateLogStream(struct call *c)
{
	struct logs_stream_op s;
	int r = logs__stream_args(c, &s);

	return r ? r : store_write(c->env->store, logs__create, &s, c->err);
}

static int logs__delete(struct store_conn *sc, void *arg, struct err *e)
{
	struct logs_stream_op *s = arg;

	return logs_stream_delete(sc, s->group, s->name, e);
}

static int DeleteLogStream(struct call *c)
{
	struct logs_stream_op s;
	int r = logs__stream_args(c, &s);

	return r ? r : store_write(c->env->store, logs__delete, &s, c->err);
}

struct logs_describe {
	const struct env *env;
	char group[LOGS_NAME_MAX + 1];
	struct logs_stream_query q;
	json_t *streams;
	char last[LOGS_NAME_MAX + 1];
	int64_t last_event;
	bool more;
};

static int logs__describe_one(void *arg, const struct logs_stream *s)
{
	struct logs_describe *d = arg;
	char arn[LOGS_ARN_MAX], token[64];
	json_t *j = json_object();

	json_set_str(j, "logStreamName", s->name);
	json_object_set_new(j, "creationTime", json_integer(s->created));
	if (s->has_events) {
		json_object_set_new(j, "firstEventTimestamp", json_integer(s->first_event));
		json_object_set_new(j, "lastEventTimestamp", json_integer(s->last_event));
		json_object_set_new(j, "lastIngestionTime", json_integer(s->last_ingestion));
	}
	str_fmt(token, sizeof(token), "%056" PRId64, s->last_seq + 1);
	json_set_str(j, "uploadSequenceToken", token);
	logs_stream_arn(d->env, d->group, s->name, arn, sizeof(arn));
	json_set_str(j, "arn", arn);
	json_object_set_new(j, "storedBytes", json_integer(0));
	json_array_append_new(d->streams, j);
	str_copy(d->last, sizeof(d->last), s->name);
	d->last_event = s->has_events ? s->last_event : -1;
	return 0;
}

static int logs__describe(struct store_conn *sc, void *arg, struct err *e)
{
	struct logs_describe *d = arg;
	struct logs_group g;
	int r = logs_group_get(sc, d->group, &g, e);

	if (r)
		return r;
	json_array_clear(d->streams);
	d->q.group_id = g.id;
	return logs_streams_list(sc, &d->q, logs__describe_one, d, &d->more, e);
}

static int DescribeLogStreams(struct call *c)
{
	struct logs_describe d = { .env = c->env };
	char after[LOGS_NAME_MAX + 1], token[LOGS_TOKEN_MAX];
	const char *next = NULL, *order = NULL;
	int64_t limit = LOGS_DESCRIBE_MAX;
	int r = logs_group_ref(c->in, d.group, c->err);

	if (!r)
		r = json_opt_str(c->in, "logStreamNamePrefix", &d.q.prefix, c->err);
	if (!r)
		r = json_opt_str(c->in, "orderBy", &order, c->err);
	if (!r)
		r = json_opt_bool(c->in, "descending", &d.q.descending, c->err);
	if (!r)
		r = logs_opt_range(c->in, "limit", 1, LOGS_DESCRIBE_MAX, &limit, c->err);
	if (!r)
		r = json_opt_str(c->in, "nextToken", &next, c->err);
	if (r)
		return r;
	if (order && strcmp(order, "LastEventTime") == 0)
		d.q.by_last_event = true;
	else if (order && strcmp(order, "LogStreamName") != 0)
		return logs_invalid(c->err, "orderBy", order,
				    "Member must satisfy enum value set: [LogStreamName, "
				    "LastEventTime]");
	if (d.q.by_last_event && d.q.prefix)
		return err_set(c->err, SW_E_LOGS_InvalidParameter,
			       "Cannot order by LastEventTime with a logStreamNamePrefix.");
	if (next) {
		r = logs_token_decode(next, d.q.by_last_event ? 't' : 'n', &d.q.after_last, after,
				      sizeof(after), c->err);
		if (r)
			return r;
		d.q.after_name = after;
	}
	d.q.limit = (size_t)limit;
	d.streams = json_array();
	r = store_read(c->env->store, logs__describe, &d, c->err);
	if (r) {
		json_decref(d.streams);
		return r;
	}
	c->out = json_pack("{s:o}", "logStreams", d.streams);
	if (d.more) {
		logs_token_encode(d.q.by_last_event ? 't' : 'n', d.last_event, d.last, token,
				  sizeof(token));
		json_set_str(c->out, "nextToken", token);
	}
	return 0;
}

const struct json_op logs_stream_ops[] = {
	{ "CreateLogStream", CreateLogStream, 0 },
	{ "DeleteLogStream", DeleteLogStream, 0 },
	{ "DescribeLogStreams", DescribeLogStreams, 0 },
	{ NULL, NULL, 0 },
};
