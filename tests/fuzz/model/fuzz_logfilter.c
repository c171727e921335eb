/* fuzz_logfilter: the filter-pattern compiler, and the matcher of what compiles.  Input: a
 * pattern, optionally followed by a NUL and a message to match. */
#include "model/logfilter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	struct logfilter *f;
	struct err e = { 0 };
	size_t plen;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	plen = strlen(copy);
	if (logfilter_compile(copy, &f, &e) == 0) {
		const char *msg =
		    plen < size ? copy + plen + 1 : "{\"a\":[1,{\"b\":\"x\"}],\"c\":null}";

		logfilter_match(f, msg, strlen(msg));
		logfilter_free(f);
	}
	free(copy);
	return 0;
}
