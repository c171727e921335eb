/* vec: a typed growable array with a hard maximum on its length (buf's rule for arrays). */
#ifndef SW_BASE_VEC_H
#define SW_BASE_VEC_H

#include <stddef.h>

/*
 * VEC(type) is a struct type of its own: `VEC(char *) names = VEC_INIT(1024);` in place, or
 * `struct names { VEC_MEMBERS(char *); };` to name it.  v holds n elements in room for cap; n
 * never exceeds max.  A zero-initialised vec (or VEC_INIT(max)) is empty and owns nothing, and
 * vec_release() of it is a no-op, as free(NULL) is.  Elements move when the vec grows: keep no
 * pointer into it across a vec_grow() or vec_push().
 */
#define VEC_MEMBERS(type) \
	type *v;          \
	size_t n, cap, max
#define VEC(type)                  \
	struct {                   \
		VEC_MEMBERS(type); \
	}
#define VEC_INIT(maxn)                                     \
	{                                                  \
		.v = NULL, .n = 0, .cap = 0, .max = (maxn) \
	}

/* Makes room for extra more elements (the contents and n unchanged).  0, -SW_E_TOO_LARGE when
 * n + extra would exceed max (the vec as it was), or -SW_E_NOMEM. */
#define vec_grow(vp, extra) \
	vec__grow((void **)&(vp)->v, &(vp)->cap, (vp)->n, (extra), sizeof(*(vp)->v), (vp)->max)

/* Appends item (an expression of the element type, evaluated once, only on success). */
#define vec_push(vp, item)                           \
	__extension__({                              \
		int vec__r = vec_grow((vp), 1);      \
		if (!vec__r)                         \
			(vp)->v[(vp)->n++] = (item); \
		vec__r;                              \
	})

/* Frees the storage (not what elements point to) and leaves the vec empty; max is kept. */
#define vec_release(vp) vec__release((void **)&(vp)->v, &(vp)->n, &(vp)->cap)

int vec__grow(void **v, size_t *cap, size_t n, size_t extra, size_t elem, size_t max);
void vec__release(void **v, size_t *n, size_t *cap);

#endif
