/* authz: what each operation is to IAM — its action and the resource ARN it acts on — and the
 * check every protocol front makes before a handler runs.  One table per service, next to its
 * operations; a unit test checks that every operation a service lists has a row. */
#ifndef SW_AUTHZ_H
#define SW_AUTHZ_H

#include "contract/http.h"

#include <stddef.h>

#define AUTHZ_READONLY 1u /* reads only: audited only when refused */
#define AUTHZ_ANYONE   2u /* any authenticated caller, never refused (sts:GetCallerIdentity) */

/*
 * One operation.  resource is an ARN template: "${Partition}", "${Region}" and "${Account}"
 * expand to the installation's, "${Name}" to the request parameter Name as the front finds it
 * (a JSON member, a query or form field, a REST path label), "*" alone means the action has no
 * resource type.  A parameter that is absent expands to "*" unless the front's resolver
 * supplies a value (a deployment id resolved to its group, GetUser's caller …).
 */
struct authz_rule {
	const char *op;	      /* the operation's name as its service lists it */
	const char *action;   /* "codedeploy:CreateDeployment" */
	const char *resource; /* "arn:${Partition}:codedeploy:${Region}:${Account}:…" */
	unsigned flags;
};

/* Finds a request parameter for the template: writes it to out and returns 1, 0 when absent,
 * negative (with e) on error. */
typedef int (*authz_param_fn)(void *arg, const char *name, char *out, size_t size, struct err *e);

/* The rule of op in rules (ended by a row with op NULL), or NULL. */
const struct authz_rule *authz_rule_find(const struct authz_rule *rules, const char *op);

/*
 * Decides whether req->who may perform rule's action on its resource (expanded with param),
 * recording action, resource and decision in req->authz for the audit trail.  0 when allowed;
 * -SW_E_AccessDenied with AWS's message in e when not ("User: ARN is not authorized to perform:
 * ACTION on resource: ARN because no identity-based policy allows the ACTION action" …).
 */
int authz_check(struct http_req *req, const struct authz_rule *rule, authz_param_fn param,
		void *arg, struct err *e);
/* The same for an action and resource already known (a second action of one operation:
 * iam:PassRole, the source of a CopyObject …). */
int authz_check_action(struct http_req *req, const char *action, const char *resource,
		       struct err *e);

#endif
