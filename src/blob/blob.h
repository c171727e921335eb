/* blob: the content-addressed blob store (revision bundles, object data).  Blobs are named by
 * the hex SHA-256 of their content; a directory backend keeps them under DATA/blobs/ab/cd….
 * Opening the store removes temporary files a previous process left behind. */
#ifndef SW_BLOB_H
#define SW_BLOB_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

struct blob;
struct blob_writer;

int blob_open(struct blob **out, const char *data_dir, struct err *e);
void blob_free(struct blob *b);

/* A streaming writer: data goes to a temporary file (never memory) while its SHA-256 is
 * computed.  Freeing the writer removes the temporary file, committed or not. */
int blob_writer_new(struct blob *b, struct blob_writer **out, struct err *e);
int blob_writer_write(struct blob_writer *w, const void *data, size_t n, struct err *e);
/* Ends the content: the name (hex SHA-256) and size are known and the data is on disk, but the
 * blob is not visible yet.  Writing afterwards fails; finishing again only reports.  Either
 * output may be NULL. */
int blob_writer_finish(struct blob_writer *w, char sha256_hex[65], uint64_t *size, struct err *e);
/* Finishes if needed, then makes the blob visible under its name (content already there is
 * kept: blobs are deduplicated).  Idempotent while the writer lives, so it may run inside a
 * store transaction that is retried; callers that reference the blob from a row should commit
 * inside the same write transaction that inserts the row (see s3_blob_gc). */
int blob_writer_commit(struct blob_writer *w, char sha256_hex[65], uint64_t *size, struct err *e);
void blob_writer_free(struct blob_writer *w);

/* Opens a blob for reading; *fd is the caller's to close. */
int blob_open_read(struct blob *b, const char *sha256_hex, int *fd, uint64_t *size, struct err *e);
/* Removes a blob (the caller checked that nothing refers to it). Missing is not an error. */
int blob_remove(struct blob *b, const char *sha256_hex, struct err *e);

#endif
