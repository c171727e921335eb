/* policy: IAM policy documents — parsing and validation as IAM does it, and evaluation of a
 * request against a set of policies (default deny, explicit deny wins).  Pure: no store, no
 * HTTP; links only swbase and jansson.  Facts: shared/reference/security-and-scale.md part A. */
#ifndef SW_POLICY_H
#define SW_POLICY_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a document is for; the grammar differs (a trust policy has Principal and no Resource). */
enum policy_kind {
	POLICY_IDENTITY, /* user, group, role inline or managed; session policies */
	POLICY_TRUST,	 /* a role's AssumeRolePolicyDocument */
	POLICY_RESOURCE, /* bucket or function policies (Principal and Resource) */
};

/* IAM's limits (characters, whitespace not counted where IAM does not count it). */
#define POLICY_WIRE_MAX		131072 /* policyDocumentType on the wire */
#define POLICY_USER_INLINE_MAX	2048   /* aggregate per user */
#define POLICY_GROUP_INLINE_MAX 5120
#define POLICY_ROLE_INLINE_MAX	10240
#define POLICY_MANAGED_MAX	6144
#define POLICY_TRUST_MAX	2048
#define POLICY_SESSION_MAX	2048
#define POLICY_VERSIONS_MAX	5

struct policy; /* a parsed, validated document: immutable, shareable between threads */

/*
 * Parses and validates a document.  On failure returns -SW_E_INVALID with IAM's message in e
 * (the caller answers MalformedPolicyDocument with it), checked in IAM's order:
 * "Syntax errors in policy.", "Policy document must be version 2012-10-17 or greater.", …
 * (reference §1.5).  The document's own text is kept (policy_text) for replies.
 */
int policy_parse(const char *json, size_t len, enum policy_kind kind, struct policy **out,
		 struct err *e);
void policy_free(struct policy *p);
/* The document as given (not reformatted). */
const char *policy_text(const struct policy *p);
/* The size IAM counts against its limits: the document's characters without whitespace. */
size_t policy_size(const struct policy *p);

/* One context key and its values (a single-valued key has nvalues 1; absent keys are not
 * listed).  Keys are compared without case; values keep theirs. */
struct policy_key {
	const char *key; /* "aws:SourceIp", "aws:PrincipalTag/team", "s3:prefix" … */
	const char *const *values;
	size_t nvalues;
};

/* What is asked: may the principal perform action on resource, in this context? */
struct policy_request {
	const char *action;	   /* "codedeploy:CreateDeployment" */
	const char *resource;	   /* an ARN, or "*" for actions without a resource type */
	const char *principal_arn; /* matched by a trust or resource policy's Principal */
	const char *principal_account;
	const char *service_principal; /* "lambda.amazonaws.com" when a service asks, else NULL */
	const struct policy_key *keys;
	size_t nkeys;
};

/* A policy as the evaluator sees it: the document and where it came from (for the verdict). */
struct policy_ref {
	const struct policy *policy;
	const char *name;	/* "AdministratorAccess", "user/alice/inline-name" … */
	const char *source_arn; /* a managed policy's ARN, or the owner's ARN for an inline one */
};

enum policy_decision {
	POLICY_IMPLICIT_DENY = 0, /* the zero value refuses */
	POLICY_ALLOW,
	POLICY_EXPLICIT_DENY,
};

/* The verdict, with the policy and statement that decided (for an allow or explicit deny). */
struct policy_verdict {
	enum policy_decision decision;
	const char *policy_name; /* the deciding policy_ref's name, NULL on an implicit deny */
	const char *source_arn;
	char sid[128]; /* the deciding statement's Sid, "" when it has none */
	int statement; /* its index in the document, -1 when none */
	/* Context keys a condition referenced that the request did not carry (for
	 * SimulatePrincipalPolicy's MissingContextValues): up to 16, "" terminated. */
	char missing[16][128];
	size_t nmissing;
};

/*
 * Evaluates req against the identity policies `set` (the union of everything attached to the
 * principal), then, when nsession > 0, intersects with the session policies (an allow needs an
 * allow in both; a deny in either is explicit).  Statement and policy order never matter.
 */
void policy_evaluate(const struct policy_ref *set, size_t n, const struct policy_ref *session,
		     size_t nsession, const struct policy_request *req, struct policy_verdict *out);

/* A trust or resource policy on its own: does it allow (or explicitly deny) req? */
void policy_evaluate_resource(const struct policy *p, const struct policy_request *req,
			      struct policy_verdict *out);

/* ---- the building blocks, exported for the unit tests and the fuzz targets ---- */

/* IAM's glob: '*' any run (crossing '/' and ':'), '?' one character; nocase for actions. */
bool policy_glob(const char *pattern, const char *text, bool nocase);
/* One condition operator ("StringLike", "ForAnyValue:StringEquals", "DateLessThanIfExists" …)
 * applied to one key's policy values against the request's values (NULL/0: key absent).
 * Returns 1 match, 0 no match, -1 unknown operator. */
int policy_condition_match(const char *op, const char *const *policy_values, size_t npv,
			   const char *const *request_values, size_t nrv);

/* ---- AWS managed policies, built in (managed.c) ---- */

struct policy_managed {
	const char *name; /* "AdministratorAccess" */
	const char *arn;  /* "arn:aws:iam::aws:policy/AdministratorAccess" */
	const char *path; /* "/" or "/service-role/" */
	const char *description;
	const char *document; /* the JSON text */
};

/* Every built-in policy (NULL-terminated by a row with name NULL); the agent policy
 * SlipwayAgentAccess (what an on-premises instance's key may do) is one of them. */
extern const struct policy_managed policy_managed_list[];
/* The built-in policy with this ARN, or NULL. */
const struct policy_managed *policy_managed_find(const char *arn);
/* Its parsed document (parsed once, on first use; never freed before exit). */
const struct policy *policy_managed_get(const struct policy_managed *m);

#define POLICY_ARN_ADMIN "arn:aws:iam::aws:policy/AdministratorAccess"
#define POLICY_ARN_AGENT "arn:aws:iam::aws:policy/SlipwayAgentAccess"

#endif
