/* fuzz_archive: any bytes as a bundle, extracted into a fresh temporary directory that is
 * removed afterwards; nothing may be written outside it. */
#include "base/extract.h"
#include "base/fs.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[] = "/tmp/sw-fuzz-archive-XXXXXX", dest[64];
	struct err e;

	if (!mkdtemp(dir))
		return 0;
	snprintf(dest, sizeof(dest), "%s/deployment-archive", dir);
	extract_archive_mem(data, size, dest, &e);
	fs_rm_rf(dir, NULL);
	return 0;
}
