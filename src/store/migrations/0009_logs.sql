-- 0009_logs: CloudWatch Logs — log groups, their streams and the streams' events.
-- Ids are random positive 63-bit integers chosen by model/logs.c (no AUTOINCREMENT: portable,
-- and two replicas never pick the same next number).  Every read of events is a paged query
-- (LIMIT) over one of the two indexes below; nothing loads a stream whole.

CREATE TABLE log_groups (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,        -- [.-_/#A-Za-z0-9]{1,512}
  created BIGINT NOT NULL,          -- epoch ms
  retention_days INTEGER,           -- NULL: events never expire
  class TEXT NOT NULL,              -- STANDARD, INFREQUENT_ACCESS, DELIVERY
  stored_bytes BIGINT NOT NULL DEFAULT 0  -- message bytes of the events held
);

CREATE TABLE log_streams (
  id BIGINT PRIMARY KEY,
  group_id BIGINT NOT NULL REFERENCES log_groups(id) ON DELETE CASCADE,
  name TEXT NOT NULL,               -- [^:*]{1,512}
  created BIGINT NOT NULL,
  first_event BIGINT,               -- event timestamps (NULL: no event yet)
  last_event BIGINT,
  last_ingestion BIGINT,
  last_seq BIGINT NOT NULL DEFAULT 0,  -- the seq of the last event appended
  UNIQUE (group_id, name)
);

CREATE TABLE log_events (
  stream_id BIGINT NOT NULL REFERENCES log_streams(id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,              -- 1, 2, … in the order the stream received them
  group_id BIGINT NOT NULL,         -- the stream's group, for group-wide reads and expiry
  ts BIGINT NOT NULL,               -- the event's timestamp (epoch ms)
  ingested BIGINT NOT NULL,         -- when PutLogEvents stored it
  bytes BIGINT NOT NULL,            -- UTF-8 length of message
  message TEXT NOT NULL,
  PRIMARY KEY (stream_id, seq)
);
-- GetLogEvents: one stream in (ts, seq) order.
CREATE INDEX log_events_stream_ts ON log_events(stream_id, ts, seq);
-- FilterLogEvents and expiry: a group in (ts, ingested, stream, seq) order.
CREATE INDEX log_events_group_ts ON log_events(group_id, ts, ingested, stream_id, seq);
