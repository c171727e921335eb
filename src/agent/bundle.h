/* bundle: copying a local directory revision into deployment-archive (bundle_dir.c: no
 * libarchive).  Archives (zip, tar, tgz) are unpacked by base/extract.h's extract_archive(),
 * in slipway-agent-unpack for the agent and in process for `slipway deploy local`. */
#ifndef SW_AGENT_BUNDLE_H
#define SW_AGENT_BUNDLE_H

#include "base/err.h"

#include <stddef.h>

/* Copies the contents of directory src into dest (created), preserving modes and times and
 * recreating symlinks with the same target text; other special files are skipped. */
int bundle_copy_dir(const char *src, const char *dest, struct err *e);

#endif
