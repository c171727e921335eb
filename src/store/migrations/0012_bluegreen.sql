-- 0012_bluegreen: blue/green deployments (issue 12) — which fleet each target belongs to, and
-- where a blue/green deployment is among its phases, so that a restarted slipwayd carries on.

ALTER TABLE deployment_targets ADD COLUMN label TEXT;    -- Blue (original), Green (replacement); NULL in place
ALTER TABLE deployments ADD COLUMN phase TEXT;           -- blue/green: install, ready, reroute, block, wait (NULL in place)
ALTER TABLE deployments ADD COLUMN phase_since BIGINT;   -- when it entered its phase
ALTER TABLE deployments ADD COLUMN continue_ready BIGINT;   -- ContinueDeployment READY_WAIT: when
ALTER TABLE deployments ADD COLUMN continue_wait BIGINT;    -- ContinueDeployment TERMINATION_WAIT: when
ALTER TABLE deployments ADD COLUMN shift_step INTEGER;   -- weighted shifting: the step reached (0 = none)
ALTER TABLE deployments ADD COLUMN shift_at BIGINT;      -- when that step was reached
