-- 0001_init: accounts' keys, S3 objects, and the CodeDeploy control plane's resources.
-- Portable SQL: the same text runs on SQLite and PostgreSQL.  Times are epoch milliseconds.
-- Resources keep their full AWS-shaped document in `doc` (JSON text); the columns beside it are
-- the ones that are looked up, joined or constrained.

CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);

CREATE TABLE users (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  arn TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  created BIGINT NOT NULL
);

CREATE TABLE access_keys (
  id TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users(name),
  secret TEXT NOT NULL,
  status TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE INDEX access_keys_user ON access_keys(user_name);

CREATE TABLE buckets (name TEXT PRIMARY KEY, created BIGINT NOT NULL);

CREATE TABLE objects (
  bucket TEXT NOT NULL REFERENCES buckets(name),
  key TEXT NOT NULL,
  blob TEXT NOT NULL,
  size BIGINT NOT NULL,
  etag TEXT NOT NULL,
  modified BIGINT NOT NULL,
  content_type TEXT,
  meta TEXT,
  PRIMARY KEY (bucket, key)
);

CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL REFERENCES buckets(name),
  key TEXT NOT NULL,
  created BIGINT NOT NULL,
  content_type TEXT,
  meta TEXT
);

CREATE TABLE upload_parts (
  upload_id TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
  part INTEGER NOT NULL,
  blob TEXT NOT NULL,
  size BIGINT NOT NULL,
  etag TEXT NOT NULL,
  checksums TEXT,
  PRIMARY KEY (upload_id, part)
);

CREATE TABLE applications (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  platform TEXT NOT NULL,
  created BIGINT NOT NULL,
  doc TEXT NOT NULL
);

CREATE TABLE deployment_configs (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  doc TEXT NOT NULL
);

CREATE TABLE deployment_groups (
  app TEXT NOT NULL REFERENCES applications(name) ON DELETE CASCADE ON UPDATE CASCADE,
  name TEXT NOT NULL,
  id TEXT NOT NULL UNIQUE,
  config TEXT,
  doc TEXT NOT NULL,
  PRIMARY KEY (app, name)
);
CREATE INDEX deployment_groups_config ON deployment_groups(config);

CREATE TABLE instances (
  name TEXT PRIMARY KEY,
  arn TEXT NOT NULL,
  iam_user_arn TEXT,
  iam_session_arn TEXT,
  status TEXT NOT NULL,
  registered BIGINT NOT NULL,
  deregistered BIGINT
);
CREATE INDEX instances_user ON instances(iam_user_arn);
CREATE INDEX instances_session ON instances(iam_session_arn);

CREATE TABLE instance_tags (
  instance TEXT NOT NULL REFERENCES instances(name) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (instance, key)
);

CREATE TABLE revisions (
  app TEXT NOT NULL REFERENCES applications(name) ON DELETE CASCADE ON UPDATE CASCADE,
  rkey TEXT NOT NULL,
  doc TEXT NOT NULL,
  description TEXT,
  registered BIGINT NOT NULL,
  first_used BIGINT,
  last_used BIGINT,
  PRIMARY KEY (app, rkey)
);

CREATE TABLE resource_tags (
  arn TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (arn, key)
);
