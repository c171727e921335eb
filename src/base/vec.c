/* vec: the growth and release behind vec.h's macros. */
#include "vec.h"
#include "err.h"

#include <stdint.h>
#include <stdlib.h>

int vec__grow(void **v, size_t *cap, size_t n, size_t extra, size_t elem, size_t max)
{
	size_t need, ncap;
	void *p;

	if (extra > max || n > max - extra)
		return -SW_E_TOO_LARGE;
	need = n + extra;
	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
	if (ncap > max)
		ncap = max;
	if (ncap > SIZE_MAX / elem)
		return -SW_E_NOMEM;
	p = realloc(*v, ncap * elem);
	if (!p)
		return -SW_E_NOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

void vec__release(void **v, size_t *n, size_t *cap)
{
	free(*v);
	*v = NULL;
	*n = *cap = 0;
}
