/* iam/service: the IAM subset (AWS query protocol) — Slipway's key management: the operation
 * table and the helpers users.c and keys.c share. */
#include "iam.h"
#include "base/str.h"

#include <string.h>

static const struct query_op iam_ops[] = {
	{ "CreateUser", iam_create_user },
	{ "GetUser", iam_get_user },
	{ "ListUsers", iam_list_users },
	{ "DeleteUser", iam_delete_user },
	{ "CreateAccessKey", iam_create_access_key },
	{ "ListAccessKeys", iam_list_access_keys },
	{ "DeleteAccessKey", iam_delete_access_key },
	{ "UpdateAccessKey", iam_update_access_key },
	{ NULL, NULL },
};

int iam_admin_keys_left(struct store_conn *c, const char *except_user, const char *except_key,
			int64_t *count, struct err *e)
{
	struct store_stmt *st;
	int r;

	r = store_exec(c, &st,
		       "SELECT COUNT(*) FROM access_keys k JOIN users u ON u.name = k.user_name "
		       "WHERE k.status = 'Active' AND k.id <> ? AND u.name <> ? AND u.kind = "
		       "'admin'",
		       "tt", e, except_key ? except_key : "", except_user ? except_user : "");
	if (r < 0)
		return r;
	*count = r == 1 ? store_col_int(st, 0) : 0;
	return 0;
}

static bool iam__name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       strchr("_+=,.@-", ch) != NULL;
}

int iam_check_user_name(const char *name, const char *field, struct err *e)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > IAM_USER_NAME_MAX)
		return err_set(e, SW_E_ValidationError,
			       "1 validation error detected: Value at '%s' failed to satisfy "
			       "constraint: Member must have length between 1 and %d",
			       field, IAM_USER_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (!iam__name_char(name[i]))
			return err_set(e, SW_E_ValidationError,
				       "1 validation error detected: Value '%s' at '%s' failed to "
				       "satisfy constraint: Member must satisfy regular expression "
				       "pattern: [\\w+=,.@-]+",
				       name, field);
	return 0;
}

int iam_user_find(struct store_conn *c, const char *name, char *canonical, size_t csize, char *arn,
		  size_t asize, struct err *e)
{
	struct store_stmt *st;
	int r;

	r = store_exec(c, &st, "SELECT name, arn FROM users WHERE lower(name) = lower(?)", "t", e,
		       name);
	if (r != 1)
		return r;
	if (canonical)
		str_copy(canonical, csize, store_col_text(st, 0));
	if (arn)
		str_copy(arn, asize, store_col_text(st, 1));
	return 1;
}

int iam_param_user(const struct query_call *c, const char **out)
{
	const char *name = query_param(c, "UserName");

	if (!name) {
		*out = c->who->user;
		return 0;
	}
	/* Existing users' names may be up to 128 characters in the model; ours never are. */
	if (iam_check_user_name(name, "userName", c->err))
		return -SW_E_ValidationError;
	*out = name;
	return 0;
}

int iam_xml_elem(struct buf *b, const char *indent, const char *name, const char *text)
{
	int r = buf_addf(b, "%s<%s>", indent, name);

	if (!r)
		r = buf_add_xml(b, text ? text : "");
	if (!r)
		r = buf_addf(b, "</%s>\n", name);
	return r ? err_set(NULL, SW_E_TOO_LARGE, NULL) : 0;
}

static const struct query_service iam__query = {
	.xmlns = "https://iam.amazonaws.com/doc/2010-05-08/",
	.ops = iam_ops,
};

static void iam_handle(struct http_req *req, struct http_resp *resp)
{
	query_proto_handle(&iam__query, req, resp);
}

static void iam_list(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	for (const struct query_op *op = iam_ops; op->name; op++)
		fn("IAM", op->name, op->fn != NULL, arg);
}

const struct service iam_service = {
	.name = "iam",
	.handle = iam_handle,
	.error = query_proto_error,
	.list_ops = iam_list,
};
