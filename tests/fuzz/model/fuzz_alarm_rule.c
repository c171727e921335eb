/* fuzz_alarm_rule: the composite-alarm rule parser, and the evaluation of what parses (each
 * child's state taken from its name's length, so every branch of the tree is walked). */
#include "model/alarm_rule.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum alarm_state fuzz__state(void *arg, const char *name)
{
	(void)arg;
	return (enum alarm_state)(strlen(name) % 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	json_t *children = json_array();
	struct alarm_rule *r;
	struct err e = { 0 };

	if (copy && children) {
		memcpy(copy, data, size);
		copy[size] = '\0';
		if (alarm_rule_parse(copy, &r, children, &e) == 0) {
			alarm_rule_eval(r, fuzz__state, NULL);
			alarm_rule_free(r);
		}
	}
	json_decref(children);
	free(copy);
	return 0;
}
