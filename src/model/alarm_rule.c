/* alarm_rule: a recursive-descent parser for composite-alarm rules and their evaluation
 * (model/alarm_rule.h).  The tree is kept as an array of nodes in prefix order. */
#include "alarm_rule.h"
#include "base/str.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum rule_op { RULE_TRUE, RULE_FALSE, RULE_STATE, RULE_NOT, RULE_AND, RULE_OR };

struct rule_node {
	enum rule_op op;
	enum alarm_state state; /* RULE_STATE */
	char *name;		/* RULE_STATE: the child's name */
	int a, b;		/* operands (node indexes) */
};

struct alarm_rule {
	struct rule_node n[ALARM_RULE_ELEMENTS];
	int count, root;
};

struct rule_parser {
	const char *s;
	size_t at;
	int depth;
	struct alarm_rule *r;
	json_t *children;
	struct err *e;
};

void alarm_rule_free(struct alarm_rule *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->count; i++)
		free(r->n[i].name);
	free(r);
}

static int rule__fail(struct rule_parser *p, const char *what)
{
	return err_set(p->e, SW_E_INVALID, "Error in alarm rule: %s at position %zu.", what,
		       p->at + 1);
}

static void rule__space(struct rule_parser *p)
{
	while (isspace((unsigned char)p->s[p->at]))
		p->at++;
}

/* A keyword at the cursor, ending at a non-word character. */
static bool rule__word(struct rule_parser *p, const char *w)
{
	size_t n = strlen(w);
	char c;

	rule__space(p);
	if (strncmp(p->s + p->at, w, n) != 0)
		return false;
	c = p->s[p->at + n];
	if (isalnum((unsigned char)c) || c == '_')
		return false;
	p->at += n;
	return true;
}

static int rule__node(struct rule_parser *p, enum rule_op op, int a, int b)
{
	if (p->r->count == ALARM_RULE_ELEMENTS)
		return rule__fail(p, "more than 500 elements");
	p->r->n[p->r->count] = (struct rule_node){ .op = op, .a = a, .b = b };
	return p->r->count++;
}

static int rule__or(struct rule_parser *p);

/* An alarm name or ARN: quoted ("…", with \" and \\), or up to the closing parenthesis. */
static int rule__name(struct rule_parser *p, char **out)
{
	char buf[1100];
	size_t n = 0;
	const char *arn;

	rule__space(p);
	if (p->s[p->at] == '"') {
		p->at++;
		while (p->s[p->at] && p->s[p->at] != '"') {
			if (p->s[p->at] == '\\' && p->s[p->at + 1])
				p->at++;
			if (n + 1 >= sizeof(buf))
				return rule__fail(p, "alarm name too long");
			buf[n++] = p->s[p->at++];
		}
		if (p->s[p->at] != '"')
			return rule__fail(p, "unterminated quoted name");
		p->at++;
	} else {
		while (p->s[p->at] && p->s[p->at] != ')') {
			if (n + 1 >= sizeof(buf))
				return rule__fail(p, "alarm name too long");
			buf[n++] = p->s[p->at++];
		}
		while (n && isspace((unsigned char)buf[n - 1]))
			n--;
	}
	buf[n] = '\0';
	if (n == 0 || n > 1024)
		return rule__fail(p, "an alarm name must be 1 to 1024 characters");
	/* arn:aws:cloudwatch:<region>:<account>:alarm:<name> names the alarm <name> */
	arn = buf;
	if (str_starts(buf, "arn:") && (arn = strstr(buf, ":alarm:")))
		arn += strlen(":alarm:");
	else
		arn = buf;
	if (!*arn || strlen(arn) > ALARM_NAME_MAX)
		return rule__fail(p, "bad alarm name");
	if (!(*out = str_dup(arn)))
		return err_set(p->e, SW_E_NOMEM, NULL);
	return 0;
}

static int rule__atom(struct rule_parser *p)
{
	static const struct {
		const char *word;
		enum alarm_state st;
	} states[] = { { "ALARM", ALARM_STATE_ALARM },
		       { "OK", ALARM_STATE_OK },
		       { "INSUFFICIENT_DATA", ALARM_STATE_INSUFFICIENT_DATA } };
	size_t i;
	int x, r;

	rule__space(p);
	if (p->s[p->at] == '(') {
		p->at++;
		if ((x = rule__or(p)) < 0)
			return x;
		rule__space(p);
		if (p->s[p->at] != ')')
			return rule__fail(p, "expected ')'");
		p->at++;
		return x;
	}
	if (rule__word(p, "TRUE"))
		return rule__node(p, RULE_TRUE, -1, -1);
	if (rule__word(p, "FALSE"))
		return rule__node(p, RULE_FALSE, -1, -1);
	for (i = 0; i < 3; i++)
		if (rule__word(p, states[i].word))
			break;
	if (i == 3)
		return rule__fail(p, p->s[p->at] ? "expected ALARM, OK, INSUFFICIENT_DATA, TRUE, "
						   "FALSE, NOT or '('"
						 : "unexpected end of the rule");
	rule__space(p);
	if (p->s[p->at] != '(')
		return rule__fail(p, "expected '(' after the state");
	p->at++;
	if ((x = rule__node(p, RULE_STATE, -1, -1)) < 0)
		return x;
	p->r->n[x].state = states[i].st;
	if ((r = rule__name(p, &p->r->n[x].name)))
		return r;
	rule__space(p);
	if (p->s[p->at] != ')')
		return rule__fail(p, "expected ')' after the alarm name");
	p->at++;
	/* each child once */
	for (i = 0; i < json_array_size(p->children); i++)
		if (strcmp(json_string_value(json_array_get(p->children, i)), p->r->n[x].name) == 0)
			return x;
	if (json_array_size(p->children) == ALARM_RULE_CHILDREN)
		return rule__fail(p, "more than 100 alarms");
	json_array_append_new(p->children, json_string(p->r->n[x].name));
	return x;
}

static int rule__not(struct rule_parser *p)
{
	int x;

	if (++p->depth > 100)
		return rule__fail(p, "nested too deeply");
	if (rule__word(p, "NOT")) {
		if ((x = rule__not(p)) < 0)
			return x;
		x = rule__node(p, RULE_NOT, x, -1);
	} else {
		x = rule__atom(p);
	}
	p->depth--;
	return x;
}

static int rule__and(struct rule_parser *p)
{
	int a = rule__not(p), b;

	while (a >= 0 && rule__word(p, "AND")) {
		if ((b = rule__not(p)) < 0)
			return b;
		a = rule__node(p, RULE_AND, a, b);
	}
	return a;
}

static int rule__or(struct rule_parser *p)
{
	int a, b;

	if (++p->depth > 100)
		return rule__fail(p, "nested too deeply");
	a = rule__and(p);
	while (a >= 0 && rule__word(p, "OR")) {
		if ((b = rule__and(p)) < 0)
			return b;
		a = rule__node(p, RULE_OR, a, b);
	}
	p->depth--;
	return a;
}

int alarm_rule_parse(const char *text, struct alarm_rule **out, json_t *children, struct err *e)
{
	struct rule_parser p = { .s = text, .children = children, .e = e };
	int root;

	*out = NULL;
	if (strlen(text) > ALARM_RULE_MAX)
		return err_set(e, SW_E_INVALID, "The alarm rule is longer than %d characters.",
			       ALARM_RULE_MAX);
	if (!(p.r = calloc(1, sizeof(*p.r))))
		return err_set(e, SW_E_NOMEM, NULL);
	root = rule__or(&p);
	if (root >= 0) {
		rule__space(&p);
		if (text[p.at])
			root = rule__fail(&p, "unexpected text");
	}
	if (root < 0) {
		alarm_rule_free(p.r);
		return root;
	}
	p.r->root = root;
	*out = p.r;
	return 0;
}

static bool rule__eval(const struct alarm_rule *r, int i,
		       enum alarm_state (*state)(void *, const char *), void *arg)
{
	const struct rule_node *n = &r->n[i];

	switch (n->op) {
	case RULE_TRUE:
		return true;
	case RULE_FALSE:
		return false;
	case RULE_STATE:
		return state(arg, n->name) == n->state;
	case RULE_NOT:
		return !rule__eval(r, n->a, state, arg);
	case RULE_AND:
		return rule__eval(r, n->a, state, arg) && rule__eval(r, n->b, state, arg);
	case RULE_OR:
		return rule__eval(r, n->a, state, arg) || rule__eval(r, n->b, state, arg);
	}
	return false;
}

bool alarm_rule_eval(const struct alarm_rule *r,
		     enum alarm_state (*state)(void *arg, const char *name), void *arg)
{
	return rule__eval(r, r->root, state, arg);
}
