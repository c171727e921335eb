/* model/iam: IAM's rows and the meta rows, as the server and the IAM service read and write
 * them. */
#include "iam.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "store/store.h"

#include <string.h>

int model_iam_new_access_key(char id[21], char secret[41])
{
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	static const char any[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	memcpy(id, "AKIA", 4);
	if (random_string(id + 4, 16, upper) || random_string(secret, 40, any))
		return -SW_E_INTERNAL;
	return 0;
}

int model_iam_key_lookup(struct store_conn *c, const char *key_id, struct model_iam_key *out,
			 struct err *e)
{
	struct store_stmt *st;
	int r;

	memset(out, 0, sizeof(*out));
	r = store_exec(c, &st,
		       "SELECT k.secret, k.status, u.name, u.arn, u.kind FROM access_keys k JOIN "
		       "users u ON u.name = k.user_name WHERE k.id = ?",
		       "t", e, key_id);
	if (r < 0)
		return r;
	if (r == 0 || strcmp(store_col_text(st, 1), "Active") != 0)
		return err_set(e, SW_E_InvalidClientTokenId,
			       "The security token included in the request is invalid.");
	str_copy(out->secret, sizeof(out->secret), store_col_text(st, 0));
	str_copy(out->user, sizeof(out->user), store_col_text(st, 2));
	str_copy(out->user_arn, sizeof(out->user_arn), store_col_text(st, 3));
	str_copy(out->kind, sizeof(out->kind), store_col_text(st, 4));
	if (strcmp(out->kind, "instance") != 0)
		return 0;
	r = store_exec(c, &st,
		       "SELECT name, arn FROM instances WHERE iam_user_arn = ? AND status = "
		       "'Registered'",
		       "t", e, out->user_arn);
	if (r < 0)
		return r;
	if (r == 0)
		return 0;
	out->bound = true;
	str_copy(out->instance, sizeof(out->instance), store_col_text(st, 0));
	str_copy(out->instance_arn, sizeof(out->instance_arn), store_col_text(st, 1));
	return 0;
}

int model_meta_get(struct store_conn *c, const char *k, char *out, size_t size, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT v FROM meta WHERE k = ?", "t", e, k);

	if (r == 1)
		str_copy(out, size, store_col_text(st, 0));
	return r;
}

int model_meta_init(struct store_conn *c, const char *account_id, const char *region, struct err *e)
{
	int r =
	    store_exec(c, NULL, "INSERT INTO meta (k, v) VALUES ('account_id', ?), ('region', ?)",
		       "tt", e, account_id, region);

	return r < 0 ? r : 0;
}

int model_iam_bootstrap_admin(struct store_conn *c, const char *user_arn, char key_id[21],
			      char secret[41], bool *created, struct err *e)
{
	struct store_stmt *st;
	int64_t now = time_now_ms();
	char uid[22];
	int r;

	*created = false;
	r = store_exec(c, &st, "SELECT COUNT(*) FROM users", "", e);
	if (r < 0)
		return r;
	if (store_col_int(st, 0) > 0)
		return 0;
	memcpy(uid, "AIDA", 4);
	random_string(uid + 4, 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
	r = store_exec(c, NULL,
		       "INSERT INTO users (name, id, arn, path, created, kind) VALUES ('admin', ?, "
		       "?, '/', ?, 'admin')",
		       "tti", e, uid, user_arn, now);
	if (r < 0)
		return r;
	if (model_iam_new_access_key(key_id, secret))
		return err_set(e, SW_E_INTERNAL, "no randomness");
	r = store_exec(c, NULL,
		       "INSERT INTO access_keys (id, user_name, secret, status, created) VALUES "
		       "(?, 'admin', ?, 'Active', ?)",
		       "tti", e, key_id, secret, now);
	if (r < 0)
		return r;
	*created = true;
	return 0;
}
