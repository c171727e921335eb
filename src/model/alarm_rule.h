/* alarm_rule: the rule language of CloudWatch composite alarms (reference cloudwatch.md §3.2)
 *
 *   rule := and ("OR" and)* ;  and := not ("AND" not)* ;  not := "NOT" not | atom
 *   atom := "(" rule ")" | "TRUE" | "FALSE" | STATE "(" name ")"
 *   STATE := ALARM | OK | INSUFFICIENT_DATA;  name := an alarm name or ARN, optionally quoted
 *
 * Pure: parsing and evaluation against a lookup of the children's states. */
#ifndef SW_MODEL_ALARM_RULE_H
#define SW_MODEL_ALARM_RULE_H

#include "alarms.h"

#include <jansson.h>
#include <stdbool.h>

#define ALARM_RULE_MAX	    10240 /* characters */
#define ALARM_RULE_ELEMENTS 500	  /* atoms and operators */
#define ALARM_RULE_CHILDREN 100

struct alarm_rule;

/* Parses text; the alarm names it refers to (ARNs reduced to their name when they are alarm
 * ARNs of any region and account) are appended to children (a JSON array, each once).
 * -SW_E_INVALID with a message saying where for anything else. */
int alarm_rule_parse(const char *text, struct alarm_rule **out, json_t *children, struct err *e);
void alarm_rule_free(struct alarm_rule *r);

/* Whether the rule holds, given state(arg, name) for each child (ALARM_STATE_NONE for a
 * child that does not exist, which matches no state). */
bool alarm_rule_eval(const struct alarm_rule *r,
		     enum alarm_state (*state)(void *arg, const char *name), void *arg);

#endif
