/* model/lambda_events: the queue of Event invocations (see lambda_events.h). */
#include "lambda_events.h"
#include "store/store.h"
#include "base/crypto.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

void lambda_event_release(struct lambda_event *ev)
{
	free(ev->payload);
	ev->payload = NULL;
	ev->len = 0;
}

int lambda_event_put(struct store_conn *c, const struct lambda_event *ev, int64_t now_ms,
		     struct err *e)
{
	uint64_t u;
	int r;

	if (random_bytes(&u, sizeof(u)))
		return err_set(e, SW_E_INTERNAL, "no random bytes for an event id");
	r = store_exec(
	    c, NULL,
	    "INSERT INTO lambda_events (id, function, qualifier, invoked_arn, request_id, "
	    "payload, attempts, due, created) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
	    "itttttii", e, (int64_t)(u >> 2) + 1, ev->function, ev->qualifier, ev->invoked_arn,
	    ev->request_id, ev->payload ? ev->payload : "{}", now_ms, now_ms);
	return r < 0 ? r : 0;
}

int lambda_events_claim(struct store_conn *c, int64_t now_ms, struct lambda_event *out, size_t max,
			size_t *n, struct err *e)
{
	struct store_stmt *st;
	int r;

	*n = 0;
	r = store_exec(c, &st,
		       "SELECT id, function, qualifier, invoked_arn, request_id, payload, attempts "
		       "FROM lambda_events WHERE claimed IS NULL AND due <= ? ORDER BY due, id "
		       "LIMIT ?",
		       "ii", e, now_ms, (int64_t)max);
	for (; r == 1 && *n < max; r = store_step(st, e)) {
		struct lambda_event *ev = &out[*n];
		const char *p = store_col_text(st, 5);

		memset(ev, 0, sizeof(*ev));
		ev->id = store_col_int(st, 0);
		str_copy(ev->function, sizeof(ev->function), store_col_text(st, 1));
		str_copy(ev->qualifier, sizeof(ev->qualifier), store_col_text(st, 2));
		str_copy(ev->invoked_arn, sizeof(ev->invoked_arn), store_col_text(st, 3));
		str_copy(ev->request_id, sizeof(ev->request_id), store_col_text(st, 4));
		ev->attempts = (int)store_col_int(st, 6);
		ev->len = p ? strlen(p) : 0;
		ev->payload = strdup(p ? p : "");
		if (!ev->payload) {
			r = err_set(e, SW_E_NOMEM, "no memory for an event");
			break;
		}
		(*n)++;
	}
	for (size_t i = 0; r >= 0 && i < *n; i++)
		r = store_exec(c, NULL, "UPDATE lambda_events SET claimed = ? WHERE id = ?", "ii",
			       e, now_ms, out[i].id);
	if (r < 0) {
		for (size_t i = 0; i < *n; i++)
			lambda_event_release(&out[i]);
		*n = 0;
		return r;
	}
	return 0;
}

int lambda_event_delete(struct store_conn *c, int64_t id, struct err *e)
{
	int r = store_exec(c, NULL, "DELETE FROM lambda_events WHERE id = ?", "i", e, id);

	return r < 0 ? r : 0;
}

int lambda_event_retry(struct store_conn *c, int64_t id, int64_t due_ms, bool failed, struct err *e)
{
	int r = store_exec(c, NULL,
			   "UPDATE lambda_events SET claimed = NULL, due = ?, "
			   "attempts = attempts + ? WHERE id = ?",
			   "iii", e, due_ms, (int64_t)(failed ? 1 : 0), id);

	return r < 0 ? r : 0;
}

int lambda_events_unclaim(struct store_conn *c, struct err *e)
{
	int r = store_exec(
	    c, NULL, "UPDATE lambda_events SET claimed = NULL WHERE claimed IS NOT NULL", "", e);

	return r < 0 ? r : 0;
}

int lambda_events_count(struct store_conn *c, int64_t *n, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT COUNT(*) FROM lambda_events", "", e);

	if (r < 0)
		return r;
	*n = r == 1 ? store_col_int(st, 0) : 0;
	return 0;
}
