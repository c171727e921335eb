-- 0005_deployments: deployments, their instance targets, the host commands agents run for each
-- agent-side lifecycle event, and each deployment group's view of its instances' health.
-- Only the engine thread changes a deployment's state; the API and the agent channel record
-- intent (a new row, a stop request, an agent's report on its command) and wake it.

CREATE TABLE deployments (
  id TEXT PRIMARY KEY,              -- d- + 9 uppercase alphanumerics
  app TEXT NOT NULL,                -- names as at creation (AWS reports them so)
  grp TEXT NOT NULL,
  group_id TEXT NOT NULL,           -- deployment_groups.id: the group even after a rename
  status TEXT NOT NULL,             -- Created, Queued, InProgress, Succeeded, Failed, Stopped
  creator TEXT NOT NULL,            -- user, codeDeployRollback
  config TEXT NOT NULL,             -- deploymentConfigName
  created BIGINT NOT NULL,
  started BIGINT,
  completed BIGINT,
  revision TEXT NOT NULL,           -- RevisionLocation JSON
  rkey TEXT NOT NULL,               -- canonical key of the revision (revisions.rkey)
  bundle_etag TEXT,                 -- S3 revisions: the object's ETag when created (pinned)
  previous_revision TEXT,           -- the group's targetRevision at creation (JSON)
  min_healthy BIGINT,               -- M, fixed when the deployment starts
  stop_requested BIGINT,            -- when StopDeployment was called (NULL: not stopped)
  stop_rollback INTEGER,            -- its autoRollbackEnabled: NULL absent, 0, 1
  rollback_of TEXT,                 -- for a rollback: the deployment that triggered it
  rollback_id TEXT,                 -- the rollback this deployment triggered
  rollback_message TEXT,
  error_code TEXT,
  error_message TEXT,
  doc TEXT NOT NULL                 -- the request's options as DeploymentInfo members
);
CREATE INDEX deployments_group ON deployments(group_id, created);
CREATE INDEX deployments_names ON deployments(app, grp, created);
CREATE INDEX deployments_status ON deployments(status);

CREATE TABLE deployment_targets (
  deployment TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  instance TEXT NOT NULL,           -- on-premises instance name (the targetId)
  instance_arn TEXT NOT NULL,
  host TEXT NOT NULL,               -- HostIdentifier: the instance's IAM user or session ARN
  seq INTEGER NOT NULL,             -- deployment order (unhealthy first, §3.3)
  status TEXT NOT NULL,             -- Pending, InProgress, Succeeded, Failed, Skipped
  started BIGINT,
  ended BIGINT,
  updated BIGINT NOT NULL,
  PRIMARY KEY (deployment, instance)
);
CREATE INDEX deployment_targets_instance ON deployment_targets(instance);

CREATE TABLE host_commands (
  id TEXT PRIMARY KEY,              -- HostCommandIdentifier (opaque to the agent)
  deployment TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  instance TEXT NOT NULL,
  name TEXT NOT NULL,               -- lifecycle event = command name
  position INTEGER NOT NULL,        -- 1..13 over every event of §2.2, as AWS numbers them
  status TEXT NOT NULL,             -- Pending, InProgress, Succeeded, Failed, Skipped
  queued BIGINT,                    -- handed to the agent channel (NULL: not reached yet)
  delivered BIGINT,                 -- returned by PollHostCommand
  acked BIGINT,                     -- PutHostCommandAcknowledgement
  completed BIGINT,
  deadline BIGINT,                  -- PostHostCommandUpdate's EstimatedCompletionTime
  noop INTEGER,                     -- IsCommandNoop from the acknowledgement
  error_code TEXT,                  -- LifecycleErrorCode
  script_name TEXT,
  message TEXT,
  log_tail TEXT,
  UNIQUE (deployment, instance, position)
);
CREATE INDEX host_commands_poll ON host_commands(instance, status, queued);

CREATE TABLE instance_health (
  group_id TEXT NOT NULL,
  instance TEXT NOT NULL,
  rkey TEXT,                        -- revision last installed by a successful instance deployment
  revision_health TEXT NOT NULL,    -- Current, Old, Unknown
  instance_health TEXT NOT NULL,    -- Healthy, Unhealthy
  updated BIGINT NOT NULL,
  PRIMARY KEY (group_id, instance)
);
