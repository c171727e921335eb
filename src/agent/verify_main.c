/* slipway-agent-verify: the agent's helper for deployment specifications.  Opens the envelope
 * whose payload is on standard input with spec_open_envelope() — PKCS#7 checked against the
 * certificate in CERT_FILE, unsigned formats refused — in a process of its own, so that
 * slipway-agent never maps libcrypto.
 *
 *   slipway-agent-verify CERT_FILE FORMAT < PAYLOAD > CONTENT
 *
 * Exits 0 having written the signed content, or 1 having printed the error on one line of
 * standard output; 2 for a usage error. */
#include "base/buf.h"
#include "spec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define VERIFY_MAX_CERT	   (1 << 20)
#define VERIFY_MAX_PAYLOAD (16 << 20)

static int verify__read(FILE *fp, struct buf *b, const char *what, struct err *e)
{
	char chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_add(b, chunk, n))
			return err_set(e, SW_E_TOO_LARGE, "%s is larger than %zu bytes", what,
				       b->max);
	if (ferror(fp))
		return err_set(e, SW_E_IO, "cannot read %s: %s", what, strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	struct buf cert = BUF_INIT(VERIFY_MAX_CERT), payload = BUF_INIT(VERIFY_MAX_PAYLOAD);
	struct buf content = BUF_INIT(VERIFY_MAX_PAYLOAD);
	struct err e = { 0 };
	FILE *fp;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: slipway-agent-verify CERT_FILE FORMAT < PAYLOAD\n"
				"(run by slipway-agent for each deployment specification)\n");
		return 2;
	}
	fp = fopen(argv[1], "re");
	if (!fp) {
		r = err_set(&e, SW_E_IO, "cannot read the server certificate '%s': %s", argv[1],
			    strerror(errno));
	} else {
		r = verify__read(fp, &cert, "the server certificate", &e);
		fclose(fp);
	}
	if (!r)
		r = verify__read(stdin, &payload, "the deployment specification", &e);
	if (!r)
		r = spec_open_envelope(argv[2], buf_str(&payload), buf_str(&cert), false, &content,
				       &e);
	if (!r && (fwrite(buf_str(&content), 1, content.len, stdout) != content.len ||
		   fflush(stdout) != 0))
		r = err_set(&e, SW_E_IO, "cannot write the specification: %s", strerror(errno));
	if (r)
		printf("%s\n", err_message(&e));
	buf_release(&cert);
	buf_release(&payload);
	buf_release(&content);
	return r ? 1 : 0;
}
