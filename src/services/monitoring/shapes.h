/* monitoring/shapes: what the query and CBOR fronts know of CloudWatch's model — per operation
 * its input and output structures, and per shape its kind (list, map, structure, number,
 * boolean, timestamp, blob, string) — from botocore's service-2.json, compiled into
 * shapes_gen.c by scripts/gen_monitoring_shapes.py (run by hand when the model changes). */
#ifndef SW_MONITORING_SHAPES_H
#define SW_MONITORING_SHAPES_H

#include <stddef.h>
#include <stdint.h>

enum monitoring_kind {
	MONITORING_K_STRING,  /* string and enum */
	MONITORING_K_INTEGER, /* integer and long */
	MONITORING_K_DOUBLE,
	MONITORING_K_BOOLEAN,
	MONITORING_K_TIMESTAMP, /* epoch seconds in the JSON object */
	MONITORING_K_BLOB,	/* base64 in the JSON object */
	MONITORING_K_LIST,
	MONITORING_K_MAP,
	MONITORING_K_STRUCT,
};

#define MONITORING_NO_SHAPE 0xffffu

/* One shape.  LIST: a = the element's shape; MAP: a = key's, b = value's; STRUCT: members
 * [a, a + b) of monitoring_members. */
struct monitoring_shape {
	uint8_t kind;
	uint16_t a, b;
};

struct monitoring_member {
	const char *name; /* the model's member name (PascalCase) */
	uint16_t shape;
};

/* An operation's input and output structures; MONITORING_NO_SHAPE when the model has none
 * (PutMetricData has no output). */
struct monitoring_op_shapes {
	const char *name;
	uint16_t input, output;
};

extern const struct monitoring_shape monitoring_shapes[];
extern const struct monitoring_member monitoring_members[];
extern const struct monitoring_op_shapes monitoring_ops_shapes[]; /* ends in { NULL } */
extern const size_t monitoring_nshapes;

/* The shapes of the operation called name, NULL for one the model does not have. */
const struct monitoring_op_shapes *monitoring_op_shapes(const char *name);
/* Shape id's row; id must be < monitoring_nshapes (not MONITORING_NO_SHAPE). */
const struct monitoring_shape *monitoring_shape(uint16_t id);
/* The member called name of the structure s, NULL when s has none (or is no structure). */
const struct monitoring_member *monitoring_shape_member(const struct monitoring_shape *s,
							const char *name, size_t len);

#endif
