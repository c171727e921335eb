/* fuzz_s3_complete: the CompleteMultipartUpload part-list parser (and the XML reader under it);
 * a parsed list must satisfy what the parser promises. */
#include "base/err.h"
#include "services/s3/xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s3_part_list l;
	struct err e = { 0 };
	int r = s3_xml_parse_parts((const char *)data, size, &l, &e);

	if (r == 0) {
		if (l.n == 0 || l.n > S3_PARTS_MAX)
			abort();
		for (size_t i = 0; i < l.n; i++) {
			if (l.parts[i].number < 1 || l.parts[i].number > S3_PARTS_MAX ||
			    !l.parts[i].etag[0] ||
			    (i && l.parts[i].number <= l.parts[i - 1].number))
				abort();
		}
		s3_part_list_release(&l);
	} else if (l.parts || !e.code) {
		abort();
	}
	return 0;
}
