-- What an IAM user's keys may do, recorded positively (never inferred from a missing row):
--   admin     an administrator (the init user, and users created with CreateUser)
--   instance  bound to the registered on-premises instance whose iam_user_arn is this user
--   user      an ordinary user, granted nothing yet (a deregistered host's user)
-- The DEFAULT is the kind that may do nothing; existing rows are classified below.
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'user';
UPDATE users SET kind = 'instance' WHERE arn IN
  (SELECT iam_user_arn FROM instances WHERE status = 'Registered' AND iam_user_arn IS NOT NULL);
UPDATE users SET kind = 'admin' WHERE kind = 'user' AND arn NOT IN
  (SELECT iam_user_arn FROM instances WHERE iam_user_arn IS NOT NULL);
-- A deregistered host's keys stop working with its registration.
UPDATE access_keys SET status = 'Inactive' WHERE user_name IN
  (SELECT name FROM users WHERE kind = 'user');
