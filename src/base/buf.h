/* buf: a growable byte buffer with a hard maximum (curl's dynbuf). */
#ifndef SW_BUF_H
#define SW_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * The contents are always NUL-terminated (the NUL is not counted in len), so a buf holding
 * text can be used as a C string.  Growing past max fails with -SW_E_TOO_LARGE and leaves the
 * buffer as it was.
 */
struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_INIT(maxbytes)             \
	{                              \
		NULL, 0, 0, (maxbytes) \
	}

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *data, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Appends s with XML's five special characters escaped. */
int buf_add_xml(struct buf *b, const char *s);
/* Hands the storage to the caller (free() it); the buf is left empty. Never NULL on success. */
char *buf_detach(struct buf *b);
/* The contents as a string ("" when empty). */
const char *buf_str(const struct buf *b);

#endif
