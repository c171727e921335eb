/* monitoring/shapes: look-ups over the generated model tables (shapes_gen.c). */
#include "shapes.h"

#include <stdlib.h>
#include <string.h>

static int shapes__cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct monitoring_op_shapes *)row)->name);
}

const struct monitoring_op_shapes *monitoring_op_shapes(const char *name)
{
	size_t n = 0;

	while (monitoring_ops_shapes[n].name)
		n++;
	/* the generator writes the operations sorted by name (byte order, as strcmp) */
	return bsearch(name, monitoring_ops_shapes, n, sizeof(monitoring_ops_shapes[0]),
		       shapes__cmp);
}

const struct monitoring_shape *monitoring_shape(uint16_t id)
{
	return &monitoring_shapes[id];
}

const struct monitoring_member *monitoring_shape_member(const struct monitoring_shape *s,
							const char *name, size_t len)
{
	if (s->kind != MONITORING_K_STRUCT)
		return NULL;
	for (uint16_t i = 0; i < s->b; i++) {
		const struct monitoring_member *m = &monitoring_members[s->a + i];

		if (strlen(m->name) == len && memcmp(m->name, name, len) == 0)
			return m;
	}
	return NULL;
}
