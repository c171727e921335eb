-- 0011_lambda_events: the durable queue of Event (asynchronous) invocations.  Invoke stores an
-- event before it answers 202, so an accepted event survives a restart of slipwayd; the
-- function runtime's event thread claims due events, delivers them and deletes them, or puts a
-- failed one back with a later due time (Lambda retries a function error twice).  Ids are
-- random positive 63-bit integers (model/lambda_events.c).
CREATE TABLE lambda_events (
  id BIGINT PRIMARY KEY,
  function TEXT NOT NULL,           -- the function's name
  qualifier TEXT NOT NULL,          -- '' (unqualified: $LATEST), a version or an alias
  invoked_arn TEXT NOT NULL,        -- the ARN the caller used (Lambda-Runtime-Invoked-Function-Arn)
  request_id TEXT NOT NULL,         -- the AwsRequestId Invoke answered with
  payload TEXT NOT NULL,            -- the event (JSON, at most 1 MiB)
  attempts INTEGER NOT NULL DEFAULT 0,  -- deliveries that ended in a function error
  due BIGINT NOT NULL,              -- epoch ms: not delivered before
  created BIGINT NOT NULL,
  claimed BIGINT                    -- epoch ms a delivery began; NULL: waiting
);
CREATE INDEX lambda_events_due ON lambda_events(due);
