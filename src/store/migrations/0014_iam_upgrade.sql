-- 0014_iam_upgrade: the switch to policies (after 0013_iam made their tables).
-- An installation upgraded from before authorisation keeps working: every administrator gets
-- AdministratorAccess, once, and becomes an ordinary user holding it; instance users get the
-- built-in agent policy.  slipwayd logs the count it finds in 'iam_upgrade_note' and deletes it.
INSERT INTO iam_attachments (principal_type, principal_name, policy_arn)
  SELECT 'user', name, 'arn:aws:iam::aws:policy/AdministratorAccess' FROM users WHERE kind = 'admin';
INSERT INTO iam_attachments (principal_type, principal_name, policy_arn)
  SELECT 'user', name, 'arn:aws:iam::aws:policy/SlipwayAgentAccess' FROM users WHERE kind = 'instance';
INSERT INTO meta (k, v)
  SELECT 'iam_upgrade_note', CAST(COUNT(*) AS TEXT) FROM users WHERE kind = 'admin';
UPDATE users SET kind = 'user' WHERE kind = 'admin';
