/* fs: file-system helpers shared by the agent, the CLI and base/extract.c. */
#ifndef SW_BASE_FS_H
#define SW_BASE_FS_H

#include "err.h"

#include <sys/types.h>

/* Creates path and its missing ancestors (like mkdir -p).  Existing directories are fine; an
 * existing non-directory fails with -SW_E_IO, a path over 4095 bytes with -SW_E_TRUNCATED. */
int fs_mkdir_p(const char *path, mode_t mode, struct err *e);
/* Removes path recursively without following symlinks; a missing path is not an error. */
int fs_rm_rf(const char *path, struct err *e);

#endif
