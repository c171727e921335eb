/* s3/checksum: CRC32, CRC32C, CRC64NVME, SHA-1 and SHA-256 as S3's flexible checksums. */
#include "checksum.h"
#include "base/crypto.h"
#include "base/err.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	const char *header;
	size_t len;
} s3_ck__table[] = {
	[S3_CK_NONE] = { "", NULL, 0 },
	[S3_CK_CRC32] = { "CRC32", "x-amz-checksum-crc32", 4 },
	[S3_CK_CRC32C] = { "CRC32C", "x-amz-checksum-crc32c", 4 },
	[S3_CK_CRC64NVME] = { "CRC64NVME", "x-amz-checksum-crc64nvme", 8 },
	[S3_CK_SHA1] = { "SHA1", "x-amz-checksum-sha1", SHA1_LEN },
	[S3_CK_SHA256] = { "SHA256", "x-amz-checksum-sha256", SHA256_LEN },
};

#define S3_CK__COUNT (sizeof(s3_ck__table) / sizeof(s3_ck__table[0]))

const char *s3_ck_name(enum s3_ck_alg a)
{
	return (size_t)a < S3_CK__COUNT ? s3_ck__table[a].name : "";
}

const char *s3_ck_header(enum s3_ck_alg a)
{
	return (size_t)a < S3_CK__COUNT ? s3_ck__table[a].header : NULL;
}

size_t s3_ck_raw_len(enum s3_ck_alg a)
{
	return (size_t)a < S3_CK__COUNT ? s3_ck__table[a].len : 0;
}

enum s3_ck_alg s3_ck_parse_name(const char *name)
{
	for (size_t i = 1; name && i < S3_CK__COUNT; i++)
		if (strcasecmp(name, s3_ck__table[i].name) == 0)
			return (enum s3_ck_alg)i;
	return S3_CK_NONE;
}

enum s3_ck_alg s3_ck_from_header(const char *name)
{
	for (size_t i = 1; name && i < S3_CK__COUNT; i++)
		if (strcasecmp(name, s3_ck__table[i].header) == 0)
			return (enum s3_ck_alg)i;
	return S3_CK_NONE;
}

int s3_ck_init(struct s3_ck *c, enum s3_ck_alg a)
{
	memset(c, 0, sizeof(*c));
	c->alg = a;
	if (a == S3_CK_SHA1 || a == S3_CK_SHA256) {
		c->d = digest_new(a == S3_CK_SHA1 ? DIGEST_SHA1 : DIGEST_SHA256);
		if (!c->d)
			return -SW_E_NOMEM;
	}
	return 0;
}

void s3_ck_update(struct s3_ck *c, const void *data, size_t n)
{
	switch (c->alg) {
	case S3_CK_CRC32:
		c->crc32 = crc32_update(c->crc32, data, n);
		break;
	case S3_CK_CRC32C:
		c->crc32 = crc32c_update(c->crc32, data, n);
		break;
	case S3_CK_CRC64NVME:
		c->crc64 = crc64nvme_update(c->crc64, data, n);
		break;
	case S3_CK_SHA1:
	case S3_CK_SHA256:
		digest_update(c->d, data, n);
		break;
	case S3_CK_NONE:
		break;
	}
}

size_t s3_ck_final(struct s3_ck *c, uint8_t out[S3_CK_RAW_MAX])
{
	switch (c->alg) {
	case S3_CK_CRC32:
	case S3_CK_CRC32C:
		for (int i = 0; i < 4; i++)
			out[i] = (uint8_t)(c->crc32 >> (24 - 8 * i));
		return 4;
	case S3_CK_CRC64NVME:
		for (int i = 0; i < 8; i++)
			out[i] = (uint8_t)(c->crc64 >> (56 - 8 * i));
		return 8;
	case S3_CK_SHA1:
	case S3_CK_SHA256:
		return digest_final(c->d, out);
	case S3_CK_NONE:
		break;
	}
	return 0;
}

void s3_ck_release(struct s3_ck *c)
{
	digest_free(c->d);
	c->d = NULL;
}

int s3_ck_decode(enum s3_ck_alg a, const char *b64, uint8_t out[S3_CK_RAW_MAX])
{
	size_t want = s3_ck_raw_len(a);
	size_t len = b64 ? strlen(b64) : 0;

	/* base64 of n bytes is exactly 4*ceil(n/3) characters */
	if (!want || len != 4 * ((want + 2) / 3))
		return -SW_E_INVALID;
	if (base64_decode(b64, out, S3_CK_RAW_MAX) != (int)want)
		return -SW_E_INVALID;
	return 0;
}

void s3_ck_encode(const uint8_t *raw, size_t n, char out[S3_CK_B64_MAX])
{
	if (n > S3_CK_RAW_MAX)
		n = S3_CK_RAW_MAX;
	base64_encode(raw, n, out);
}
