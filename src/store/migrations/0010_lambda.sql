-- 0010_lambda: Lambda's functions (model/lambda.c).  One row per function; its versions
-- ($LATEST and the published, immutable snapshots), aliases, provisioned-concurrency requests
-- and function URLs hang off it by name and go with it (ON DELETE CASCADE).  A version's code
-- is a blob (content-addressed, shared): lambda_code_refs() in model/lambda.c tells whether
-- any row, here or in objects, still uses a blob before it is removed.

CREATE TABLE lambda_functions (
  name TEXT PRIMARY KEY,            -- [a-zA-Z0-9-_]{1,64}
  next_version BIGINT NOT NULL DEFAULT 1,  -- the number PublishVersion gives next, never reused
  reserved INTEGER,                 -- reserved concurrency, NULL: none
  created BIGINT NOT NULL           -- epoch ms
);

CREATE TABLE lambda_versions (
  func TEXT NOT NULL REFERENCES lambda_functions(name) ON DELETE CASCADE,
  version TEXT NOT NULL,            -- '$LATEST' or '1', '2', …
  num BIGINT NOT NULL,              -- 0 for $LATEST, else the version number (ordering)
  config TEXT NOT NULL,             -- the FunctionConfiguration as JSON (without Version/ARN)
  config_hash TEXT NOT NULL,        -- hex SHA-256 over the configuration that publish compares
  code_blob TEXT NOT NULL,          -- hex SHA-256 of the zip in the blob store
  code_sha256 TEXT NOT NULL,        -- base64 SHA-256, Lambda's CodeSha256
  code_size BIGINT NOT NULL,
  revision_id TEXT NOT NULL,
  last_modified TEXT NOT NULL,      -- Lambda's 2024-01-01T00:00:00.000+0000
  PRIMARY KEY (func, version)
);
CREATE INDEX lambda_versions_blob ON lambda_versions(code_blob);

CREATE TABLE lambda_aliases (
  func TEXT NOT NULL REFERENCES lambda_functions(name) ON DELETE CASCADE,
  name TEXT NOT NULL,
  version TEXT NOT NULL,            -- the primary version
  secondary TEXT,                   -- the additional version, NULL: none
  weight DOUBLE PRECISION,          -- its weight in [0, 1]
  description TEXT NOT NULL DEFAULT '',
  revision_id TEXT NOT NULL,
  PRIMARY KEY (func, name)
);

CREATE TABLE lambda_provisioned (
  func TEXT NOT NULL REFERENCES lambda_functions(name) ON DELETE CASCADE,
  qualifier TEXT NOT NULL,          -- a version number or an alias name
  requested INTEGER NOT NULL,
  status TEXT NOT NULL,             -- READY (the runtime keeps them warm)
  last_modified TEXT NOT NULL,
  PRIMARY KEY (func, qualifier)
);

CREATE TABLE lambda_urls (
  func TEXT NOT NULL REFERENCES lambda_functions(name) ON DELETE CASCADE,
  qualifier TEXT NOT NULL,          -- '$LATEST' or an alias name
  url_id TEXT NOT NULL UNIQUE,      -- 32 lowercase alphanumerics
  auth_type TEXT NOT NULL,          -- NONE, AWS_IAM
  cors TEXT,                        -- the Cors object as JSON, NULL: none
  invoke_mode TEXT NOT NULL DEFAULT 'BUFFERED',
  created TEXT NOT NULL,
  last_modified TEXT NOT NULL,
  PRIMARY KEY (func, qualifier)
);
