/* fuzz_rapi_parse: the Runtime API's request head parser, its router and the chunked-body
 * decoder over what follows the head. */
#include "functions/rapi_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rapi_req r;
	char id[64];
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (rapi_parse_head(copy, size, &r) == 1) {
		rapi_route(&r, id);
		if (r.framing == RAPI_BODY_CHUNKED) {
			struct rapi_chunked c;
			size_t used, out;
			rapi_chunked_init(&c);
			rapi_chunked_feed(&c, copy + r.head_len, size - r.head_len, &used, &out);
		}
	}
	free(copy);
	return 0;
}
