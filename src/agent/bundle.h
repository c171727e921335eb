/* bundle: unpacking a revision (zip, tar, tgz) into deployment-archive with libarchive, safely
 * and in a streaming fashion (bundle.c: slipway-agent-unpack and `slipway deploy local`), and
 * copying a local directory revision (bundle_dir.c: no libarchive). */
#ifndef SW_AGENT_BUNDLE_H
#define SW_AGENT_BUNDLE_H

#include "base/err.h"

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
int bundle_extract(const char *path, const char *type, const char *dest, struct err *e);
/* The same for an archive already in memory (used by the fuzz target). */
int bundle_extract_mem(const void *data, size_t len, const char *dest, struct err *e);
/* Copies the contents of directory src into dest (created), preserving modes and times and
 * recreating symlinks with the same target text; other special files are skipped. */
int bundle_copy_dir(const char *src, const char *dest, struct err *e);
/* Lexical check used for symlinks: true when target, read relative to the directory of the
 * archive path entry, stays inside the archive root. */
bool bundle_link_inside(const char *entry, const char *target);

#endif
