/* slipway-agent-unpack: the agent's unpacking helper.  Extracts a revision bundle with
 * extract_archive() (libarchive, every safety check) in a process of its own, so that
 * slipway-agent never maps libarchive and the dozen libraries it pulls in.
 *
 *   slipway-agent-unpack ARCHIVE DEST TYPE
 *
 * Exits 0 having printed nothing, or 1 having printed the error on one line of standard
 * output (what the agent reports); 2 for a usage error. */
#include "base/extract.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	struct err e = { 0 };

	if (argc != 4) {
		fprintf(stderr, "usage: slipway-agent-unpack ARCHIVE DEST TYPE (tar, tgz, zip or "
				"\"\")\n(run by slipway-agent for DownloadBundle)\n");
		return 2;
	}
	if (extract_archive(argv[1], argv[3], argv[2], &e)) {
		printf("%s\n", err_message(&e));
		return 1;
	}
	return 0;
}
