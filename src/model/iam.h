/* model/iam: the SQL of IAM's tables (users, access_keys, and the instances a user is bound
 * to) and of the data directory's meta rows (account id, region), for the server's
 * authentication and start-up and for the IAM service.  base/ and store/ only. */
#ifndef SW_MODEL_IAM_H
#define SW_MODEL_IAM_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

struct store_conn;

/* A key as authentication sees it. */
struct model_iam_key {
	char secret[129];
	char user[129];
	char user_arn[300];
	char kind[16];	    /* users.kind ('admin', 'instance', 'user') */
	char instance[129]; /* the Registered instance bound to an 'instance' user, else "" */
	char instance_arn[300];
	bool bound; /* an 'instance' user whose instance is registered */
};

/* Creates an IAM user's access key pair (AKIA… / 40-char secret).  -SW_E_INTERNAL without
 * randomness. */
int model_iam_new_access_key(char id[21], char secret[41]);

/* The key key_id with its user and, for an 'instance' user, its registered instance.
 * -SW_E_InvalidClientTokenId (AWS's message in e) when unknown or not Active. */
int model_iam_key_lookup(struct store_conn *c, const char *key_id, struct model_iam_key *out,
			 struct err *e);

/* meta's value for k into out; 1 when found, 0 when not, < 0 on error. */
int model_meta_get(struct store_conn *c, const char *k, char *out, size_t size, struct err *e);
/* Records the account id and region of a new data directory. */
int model_meta_init(struct store_conn *c, const char *account_id, const char *region,
		    struct err *e);

/* When there is no user yet: creates the administrator `admin` (user_arn) and an Active key
 * for it (into key_id, secret); *created tells whether it did. */
int model_iam_bootstrap_admin(struct store_conn *c, const char *user_arn, char key_id[21],
			      char secret[41], bool *created, struct err *e);

#endif
