/* iam: users and access keys — the IAM subset through which Slipway issues credentials. */
#ifndef SW_IAM_H
#define SW_IAM_H

#include "contract/service.h"
#include "contract/env.h"
#include "store/store.h"
#include "services/iam/errors.h"

#include <stdint.h>

/*
 * What a user's keys may do is recorded in users.kind (migration 0006), never inferred:
 * 'admin' (the init user and every user CreateUser makes), 'instance' (set in the transaction
 * that registers an on-premises instance with the user's ARN) or 'user' (an ordinary user,
 * granted nothing: what an instance's user becomes when the instance is deregistered, in the
 * same transaction that deactivates its keys).  src/server/auth.c reads the same column.  An
 * "administrator key" is an Active access key of an 'admin' user.
 *
 * Lock-out rule: Slipway never lets the last active administrator key disappear.  Deleting
 * it, making it Inactive, deleting its user (the `admin` user created at init included) or
 * binding its user to an on-premises instance is refused, with a message saying to create
 * another administrator key first.  Without this rule one mistaken call would leave a data
 * directory that nobody can administer any more.
 */

#define IAM_USER_NAME_MAX 64
#define IAM_PATH_MAX	  512
#define IAM_KEYS_PER_USER 2
#define IAM_TAGS_MAX	  50

/* users.c */
int iam_create_user(struct query_call *c);
int iam_get_user(struct query_call *c);
int iam_list_users(struct query_call *c);
int iam_delete_user(struct query_call *c);

/* keys.c */
int iam_create_access_key(struct query_call *c);
int iam_list_access_keys(struct query_call *c);
int iam_delete_access_key(struct query_call *c);
int iam_update_access_key(struct query_call *c);

/*
 * Counts the Active access keys of administrators, leaving out the key except_key and every
 * key of the user except_user (either may be NULL).  Callers ask "how many would be left if
 * this key/user stopped counting?" and refuse the change when the answer is 0.
 */
int iam_admin_keys_left(struct store_conn *c, const char *except_user, const char *except_key,
			int64_t *count, struct err *e);

/* Validates a user name (1..64 of [A-Za-z0-9_+=,.@-]); ValidationError naming field. */
int iam_check_user_name(const char *name, const char *field, struct err *e);

/* The user named `name` (compared without case, as IAM does): 1 and fills the outputs (any may
 * be NULL) when found, 0 when not, negative on a store error. */
int iam_user_find(struct store_conn *c, const char *name, char *canonical, size_t csize, char *arn,
		  size_t asize, struct err *e);

/* The UserName parameter, or the caller's own user when it is absent (as IAM does for
 * GetUser, CreateAccessKey, ListAccessKeys…).  Fails with ValidationError when malformed. */
int iam_param_user(const struct query_call *c, const char **out);

/* Appends <name>text</name> with text XML-escaped. */
int iam_xml_elem(struct buf *b, const char *indent, const char *name, const char *text);

#endif
