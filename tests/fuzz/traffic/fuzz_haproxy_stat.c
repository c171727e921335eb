/* fuzz_haproxy_stat: HAProxy's `show stat` CSV parser over any bytes (not NUL-terminated),
 * and every backend and server it yields walked. */
#include "traffic/traffic.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct traffic_backend *v;
	size_t n;
	struct err e = { 0 };
	/* an exact-size copy, so reading past the end is caught */
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (traffic_haproxy_stat_parse(copy, size, "lb", &v, &n, &e) == 0) {
		size_t total = 0;

		for (size_t i = 0; i < n; i++) {
			total += strlen(v[i].name) + strlen(v[i].total.status);
			for (size_t j = 0; j < v[i].nservers; j++)
				total +=
				    strlen(v[i].servers[j].name) + (size_t)v[i].servers[j].weight;
		}
		(void)total;
		traffic_backends_free(v, n);
	}
	free(copy);
	return 0;
}
