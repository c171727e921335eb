/* s3/checksum: the flexible checksums S3 accepts and returns (x-amz-checksum-<algorithm>),
 * computed incrementally over streamed bodies. */
#ifndef SW_S3_CHECKSUM_H
#define SW_S3_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

enum s3_ck_alg {
	S3_CK_NONE = 0,
	S3_CK_CRC32,
	S3_CK_CRC32C,
	S3_CK_CRC64NVME,
	S3_CK_SHA1,
	S3_CK_SHA256,
};

#define S3_CK_RAW_MAX 32 /* bytes of the largest checksum (SHA-256) */
#define S3_CK_B64_MAX 64 /* base64 of it, with room for a composite "-10000" suffix */

struct digest;

/* A running checksum of one algorithm (S3_CK_NONE accepts updates and computes nothing). */
struct s3_ck {
	enum s3_ck_alg alg;
	uint32_t crc32;
	uint64_t crc64;
	struct digest *d;
};

/* "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256" ("" for NONE). */
const char *s3_ck_name(enum s3_ck_alg a);
/* "x-amz-checksum-crc32" … (NULL for NONE). */
const char *s3_ck_header(enum s3_ck_alg a);
/* The raw length of a checksum: 4, 8, 20 or 32 bytes (0 for NONE). */
size_t s3_ck_raw_len(enum s3_ck_alg a);
/* An algorithm from its name in any case ("crc32", "CRC32C"); NONE when unknown. */
enum s3_ck_alg s3_ck_parse_name(const char *name);
/* An algorithm from a header or trailer name in any case ("x-amz-checksum-sha1"); NONE when
 * the name is not one of the five. */
enum s3_ck_alg s3_ck_from_header(const char *name);

/* Starts a checksum; -SW_E_NOMEM on failure. */
int s3_ck_init(struct s3_ck *c, enum s3_ck_alg a);
void s3_ck_update(struct s3_ck *c, const void *data, size_t n);
/* Writes the raw checksum (big-endian for the CRCs) and returns its length.  The checksum can
 * not be updated afterwards; release it. */
size_t s3_ck_final(struct s3_ck *c, uint8_t out[S3_CK_RAW_MAX]);
void s3_ck_release(struct s3_ck *c);

/* Decodes a base64 checksum value for algorithm a into out; -SW_E_INVALID unless it is valid
 * base64 of exactly the algorithm's length. */
int s3_ck_decode(enum s3_ck_alg a, const char *b64, uint8_t out[S3_CK_RAW_MAX]);
/* base64 of a raw checksum (out holds S3_CK_B64_MAX). */
void s3_ck_encode(const uint8_t *raw, size_t n, char out[S3_CK_B64_MAX]);

#endif
