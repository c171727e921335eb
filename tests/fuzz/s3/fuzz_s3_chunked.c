/* fuzz_s3_chunked: the aws-chunked decoder, fed the same input whole and split at several
 * points; every split must decode to the same bytes and the same verdict. */
#include "base/crypto.h"
#include "base/err.h"
#include "base/sigv4.h"
#include "base/str.h"
#include "services/s3/chunked.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct out {
	struct digest *d;
	size_t n;
};

static int fuzz_data(void *arg, const void *p, size_t n, struct err *e)
{
	struct out *o = arg;

	(void)e;
	digest_update(o->d, p, n);
	o->n += n;
	return 0;
}

/* Decodes data in pieces cut at a and b; returns the verdict and the output's hash. */
static int fuzz_run(const uint8_t *data, size_t size, size_t a, size_t b, int mode,
		    uint8_t hash[SHA256_LEN], size_t *n)
{
	struct s3_chunked c;
	struct out o = { digest_new(DIGEST_SHA256), 0 };
	struct err e = { 0 };
	size_t cuts[3] = { a, b, size };
	size_t off = 0;
	int r = 0;

	if (!o.d)
		abort();
	s3_chunked_init(&c, fuzz_data, &o);
	if (mode) {
		uint8_t key[SHA256_LEN];
		struct sigv4_auth auth = { 0 };

		sigv4_signing_key("secret", "20240101", "us-east-1", "s3", key);
		str_copy(auth.date, sizeof(auth.date), "20240101");
		str_copy(auth.region, sizeof(auth.region), "us-east-1");
		str_copy(auth.service, sizeof(auth.service), "s3");
		str_copy(auth.amz_date, sizeof(auth.amz_date), "20240101T000000Z");
		s3_chunked_verify(
		    &c, key, &auth,
		    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", mode == 2);
	}
	if (mode == 0 && size > 64)
		c.limit = size / 2; /* exercise the declared-length limit too */
	for (int i = 0; i < 3 && !r; i++) {
		size_t end = cuts[i] < off ? off : (cuts[i] > size ? size : cuts[i]);

		r = s3_chunked_feed(&c, data + off, end - off, &e);
		off = end;
	}
	if (!r)
		r = s3_chunked_finish(&c, &e);
	if (!r)
		(void)s3_chunked_trailer(&c, "x-amz-checksum-crc32");
	s3_chunked_release(&c);
	digest_final(o.d, hash);
	digest_free(o.d);
	*n = o.n;
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t h0[SHA256_LEN], h[SHA256_LEN];
	size_t n0, n;
	int mode = size ? data[0] % 3 : 0;
	int r0 = fuzz_run(data, size, size, size, mode, h0, &n0);
	const size_t cuts[][2] = { { 1, 2 },
				   { size / 3, 2 * size / 3 },
				   { size / 2, size / 2 + 1 },
				   { size > 0 ? size - 1 : 0, size } };

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		int r = fuzz_run(data, size, cuts[i][0], cuts[i][1], mode, h, &n);

		/* Splitting must not change the verdict, nor what was decoded on success. */
		if (r != r0 || (r == 0 && (n != n0 || memcmp(h, h0, SHA256_LEN) != 0)))
			abort();
	}
	return 0;
}
