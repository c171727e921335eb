/* blob: the content-addressed blob store (revision bundles, object data).  Blobs are named by
 * the hex SHA-256 of their content; a directory backend keeps them under DATA/blobs/ab/cd…. */
#ifndef SW_BLOB_H
#define SW_BLOB_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

struct blob;
struct blob_writer;

int blob_open(struct blob **out, const char *data_dir, struct err *e);
void blob_free(struct blob *b);

/* A streaming writer: data goes to a temporary file while its SHA-256 is computed; commit
 * moves it into place (deduplicating) and reports its name and size.  Freeing an uncommitted
 * writer removes the temporary file. */
int blob_writer_new(struct blob *b, struct blob_writer **out, struct err *e);
int blob_writer_write(struct blob_writer *w, const void *data, size_t n, struct err *e);
int blob_writer_commit(struct blob_writer *w, char sha256_hex[65], uint64_t *size,
		       struct err *e);
void blob_writer_free(struct blob_writer *w);

/* Opens a blob for reading; *fd is the caller's to close. */
int blob_open_read(struct blob *b, const char *sha256_hex, int *fd, uint64_t *size,
		   struct err *e);
/* Removes a blob (the caller checked that nothing refers to it). Missing is not an error. */
int blob_remove(struct blob *b, const char *sha256_hex, struct err *e);

#endif
