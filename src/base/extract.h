/* extract: unpacking a revision bundle (zip, tar, tgz) into a directory with libarchive, safely
 * and in a streaming fashion.  Lives in swbase_archive, a library of its own, so that only the
 * programs that need libarchive link it (slipway-agent-unpack, slipway), never
 * slipway-agent itself (tests/unit/agent/check_linkage.sh). */
#ifndef SW_BASE_EXTRACT_H
#define SW_BASE_EXTRACT_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Extracts the archive at path into dest, which is created if missing.  type is the revision's
 * BundleType: "zip" reads zip archives only, "tar" and "tgz" tar archives only (plain or
 * compressed with gzip, bzip2 or xz, whichever the content is, as GNU tar reads them), NULL or
 * "" any of those; another type fails with -SW_E_INVALID.  Never holds the archive in memory.
 * Refuses the whole archive (-SW_E_INVALID, naming the entry) on an absolute path, a `..`
 * component, a link whose target leaves the archive, or a device/FIFO/socket entry; what was
 * extracted before the bad entry is left for the caller to remove.  Then strips a single wrapping
 * directory when it holds a file whose name contains "appspec" (any case), as the AWS agent does.
 */
int extract_archive(const char *path, const char *type, const char *dest, struct err *e);
/* The same for an archive already in memory (used by the fuzz target). */
int extract_archive_mem(const void *data, size_t len, const char *dest, struct err *e);

#endif
