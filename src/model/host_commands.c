/* model/host_commands: host commands, the unit of work an agent runs (0005_deployments.sql). */
#include "host_commands.h"
#include "store/store.h"
#include "base/crypto.h"
#include "base/str.h"

static int hc__done(int r)
{
	return r < 0 ? r : 0;
}

int model_command_insert(struct store_conn *c, const char *deployment, const char *instance,
			 const char *name, int64_t position, struct err *e)
{
	char id[MODEL_COMMAND_ID_SIZE] = "hc-";

	uuid_v4(id + 3);
	return hc__done(store_exec(c, NULL,
				   "INSERT INTO host_commands (id, deployment, instance, name, "
				   "position, status) VALUES (?, ?, ?, ?, ?, 'Pending')",
				   "tttti", e, id, deployment, instance, name, position));
}

int model_commands_of(struct store_conn *c, const char *deployment, const char *instance,
		      struct model_command *v, size_t max, size_t *n, struct err *e)
{
	struct store_stmt *st;
	int r;

	*n = 0;
	r = store_exec(c, &st,
		       "SELECT id, name, status, queued, delivered, acked, deadline, position "
		       "FROM host_commands WHERE deployment = ? AND instance = ? ORDER BY "
		       "position",
		       "tt", e, deployment, instance);
	while (r == 1 && *n < max) {
		struct model_command *m = &v[(*n)++];

		str_copy(m->id, sizeof(m->id), store_col_text(st, 0));
		str_copy(m->name, sizeof(m->name), store_col_text(st, 1));
		str_copy(m->status, sizeof(m->status), store_col_text(st, 2));
		m->queued = store_col_null(st, 3) ? 0 : store_col_int(st, 3);
		m->delivered = store_col_null(st, 4) ? 0 : store_col_int(st, 4);
		m->acked = store_col_null(st, 5) ? 0 : store_col_int(st, 5);
		m->deadline = store_col_null(st, 6) ? 0 : store_col_int(st, 6);
		m->position = (int)store_col_int(st, 7);
		r = store_step(st, e);
	}
	return hc__done(r);
}

int model_command_queue(struct store_conn *c, const char *id, int64_t now, struct err *e)
{
	return hc__done(store_exec(c, NULL, "UPDATE host_commands SET queued = ? WHERE id = ?",
				   "it", e, now, id));
}

int model_command_begin(struct store_conn *c, const char *id, int64_t now, struct err *e)
{
	return hc__done(store_exec(c, NULL,
				   "UPDATE host_commands SET status = 'InProgress', queued = ?, "
				   "delivered = ?, acked = ? WHERE id = ? AND status = 'Pending'",
				   "iiit", e, now, now, now, id));
}

int model_command_fail(struct store_conn *c, const char *id, int64_t now, const char *message,
		       struct err *e)
{
	return hc__done(
	    store_exec(c, NULL,
		       "UPDATE host_commands SET status = 'Failed', completed = ?, error_code = "
		       "'UnknownError', script_name = '', message = ?, log_tail = '' WHERE id = ? "
		       "AND status IN ('Pending', 'InProgress')",
		       "itt", e, now, message, id));
}

int model_command_skip(struct store_conn *c, const char *id, struct err *e)
{
	return hc__done(store_exec(
	    c, NULL,
	    "UPDATE host_commands SET status = 'Skipped' WHERE id = ? AND status = 'Pending'", "t",
	    e, id));
}

int model_commands_skip_undelivered(struct store_conn *c, const char *deployment,
				    const char *instance, struct err *e)
{
	if (instance)
		return hc__done(store_exec(
		    c, NULL,
		    "UPDATE host_commands SET status = 'Skipped' WHERE deployment = ? AND "
		    "instance = ? AND status = 'Pending' AND delivered IS NULL",
		    "tt", e, deployment, instance));
	return hc__done(store_exec(c, NULL,
				   "UPDATE host_commands SET status = 'Skipped' WHERE deployment "
				   "= ? AND status = 'Pending' AND delivered IS NULL",
				   "t", e, deployment));
}

int model_commands_fail_open(struct store_conn *c, const char *deployment, int64_t now,
			     const char *message, struct err *e)
{
	return hc__done(
	    store_exec(c, NULL,
		       "UPDATE host_commands SET status = 'Failed', completed = ?, error_code = "
		       "'UnknownError', script_name = '', message = ?, log_tail = '' WHERE "
		       "deployment = ? AND status IN ('Pending', 'InProgress')",
		       "itt", e, now, message, deployment));
}

int model_command_claim(struct store_conn *c, const char *instance, int64_t now, char *id,
			size_t id_size, char *deployment, size_t deployment_size, char *name,
			size_t name_size, struct err *e)
{
	struct store_stmt *st;
	int r;

	r = store_exec(c, &st,
		       "SELECT h.id, h.deployment, h.name FROM host_commands h JOIN deployments d "
		       "ON d.id = h.deployment WHERE h.instance = ? AND h.status = 'Pending' AND "
		       "h.queued IS NOT NULL AND h.delivered IS NULL AND d.status = 'InProgress' "
		       "ORDER BY h.queued, h.id",
		       "t", e, instance);
	if (r <= 0)
		return r;
	str_copy(id, id_size, store_col_text(st, 0));
	str_copy(deployment, deployment_size, store_col_text(st, 1));
	str_copy(name, name_size, store_col_text(st, 2));
	r = store_exec(c, NULL,
		       "UPDATE host_commands SET delivered = ? WHERE id = ? AND delivered IS NULL",
		       "it", e, now, id);
	return r < 0 ? r : 1;
}

int model_command_owner(struct store_conn *c, const char *id, char *instance, size_t instance_size,
			char *status, size_t status_size, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT instance, status FROM host_commands WHERE id = ?", "t",
			   e, id);

	if (r == 1) {
		str_copy(instance, instance_size, store_col_text(st, 0));
		str_copy(status, status_size, store_col_text(st, 1));
	}
	return r;
}

int model_command_ack(struct store_conn *c, const char *id, int64_t now, bool noop, struct err *e)
{
	return hc__done(
	    store_exec(c, NULL,
		       "UPDATE host_commands SET status = 'InProgress', acked = ?, delivered = "
		       "COALESCE(delivered, ?), noop = ? WHERE id = ? AND status = 'Pending'",
		       "iiit", e, now, now, (int64_t)noop, id));
}

int model_command_set_deadline(struct store_conn *c, const char *id, int64_t deadline,
			       struct err *e)
{
	return hc__done(store_exec(c, NULL, "UPDATE host_commands SET deadline = ? WHERE id = ?",
				   "it", e, deadline, id));
}

int model_command_complete(struct store_conn *c, const char *id, const char *outcome, int64_t now,
			   const char *error_code, const char *script, const char *message,
			   const char *log_tail, struct err *e)
{
	return hc__done(store_exec(
	    c, NULL,
	    "UPDATE host_commands SET status = ?, completed = ?, error_code = ?, "
	    "script_name = ?, message = ?, log_tail = ?, delivered = COALESCE(delivered, "
	    "?) WHERE id = ?",
	    "tittttit", e, outcome, now, error_code, script, message, log_tail, now, id));
}
