-- 0013_iam: authorisation.  Groups, roles, customer managed policies and their versions,
-- attachments and inline policies, and STS sessions.  AWS managed policies are not rows: they
-- are built into the binary (src/policy/managed.c) under their AWS ARNs; an attachment names
-- either kind by ARN.  Names are unique without case, as IAM's are (lookups use lower()).
-- Tags of users and roles live in resource_tags by ARN, like every other resource's.

CREATE TABLE iam_groups (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  arn TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  created BIGINT NOT NULL
);

CREATE TABLE iam_group_members (
  group_name TEXT NOT NULL REFERENCES iam_groups(name),
  user_name TEXT NOT NULL REFERENCES users(name),
  PRIMARY KEY (group_name, user_name)
);
CREATE INDEX iam_group_members_user ON iam_group_members(user_name);

CREATE TABLE iam_roles (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  arn TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  trust TEXT NOT NULL,          -- the AssumeRolePolicyDocument as given
  description TEXT,
  max_session BIGINT NOT NULL,  -- seconds, 3600..43200
  created BIGINT NOT NULL
);

CREATE TABLE iam_policies (
  arn TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  id TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  description TEXT,
  default_version TEXT NOT NULL, -- 'v1', 'v2' …
  next_version BIGINT NOT NULL,  -- the number CreatePolicyVersion gives next
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL
);

CREATE TABLE iam_policy_versions (
  policy_arn TEXT NOT NULL REFERENCES iam_policies(arn),
  version TEXT NOT NULL,
  doc TEXT NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (policy_arn, version)
);

-- principal_type: 'user' | 'group' | 'role'; policy_arn: a customer or a built-in policy.
CREATE TABLE iam_attachments (
  principal_type TEXT NOT NULL,
  principal_name TEXT NOT NULL,
  policy_arn TEXT NOT NULL,
  PRIMARY KEY (principal_type, principal_name, policy_arn)
);
CREATE INDEX iam_attachments_policy ON iam_attachments(policy_arn);

CREATE TABLE iam_inline_policies (
  principal_type TEXT NOT NULL,
  principal_name TEXT NOT NULL,
  name TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (principal_type, principal_name, name)
);

-- An AssumeRole session: its ASIA… key, secret, the SHA-256 of its token, what it is.
CREATE TABLE sts_sessions (
  access_key TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  token_sha256 TEXT NOT NULL,
  role_name TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  role_id TEXT NOT NULL,
  session_name TEXT NOT NULL,
  policy TEXT,                  -- the session policy (Policy + PolicyArns' documents), or NULL
  source TEXT,                  -- who asked: a user's or session's ARN, or a service principal
  issued BIGINT NOT NULL,
  expires BIGINT NOT NULL
);
CREATE INDEX sts_sessions_expires ON sts_sessions(expires);

-- Bumped in every transaction that changes who may do what, so that each replica's cache of
-- compiled policy sets knows when to reload.
INSERT INTO meta (k, v) VALUES ('iam_generation', '1');
