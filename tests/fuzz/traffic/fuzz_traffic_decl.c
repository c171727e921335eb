/* fuzz_traffic_decl: --load-balancer NAME=SOCKET declarations (traffic_decl_parse), and a
 * registry of what parses. */
#include "traffic/traffic.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct traffic_decl d;
	struct traffic *t;
	struct err e = { 0 };

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (traffic_decl_parse(s, &d, &e) == 0 && traffic_new(&d, 1, 0, &t, &e) == 0) {
		if (strlen(traffic_decl_at(t, 0)->name) == 0 || d.socket[0] == '\0')
			abort(); /* a parsed declaration has both */
		traffic_free(t);
	}
	free(s);
	return 0;
}
