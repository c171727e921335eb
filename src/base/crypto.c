/* crypto: digests, MACs, encodings and random identifiers. */
#include "crypto.h"
#include "err.h"
#include "hash.h"
#include "str.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <string.h>
#include <zlib.h>

/* One-shot digests use the small implementations in hash.c (shared with the agent, which
 * must not map OpenSSL); streamed digests below go through OpenSSL's EVP. */
void sha256(const void *data, size_t n, uint8_t out[SHA256_LEN])
{
	hash_sha256(data, n, out);
}

void md5(const void *data, size_t n, uint8_t out[MD5_LEN])
{
	struct hash_md5 m;

	hash_md5_init(&m);
	hash_md5_update(&m, data, n);
	hash_md5_final(&m, out);
}

void hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
		 uint8_t out[SHA256_LEN])
{
	hash_hmac_sha256(key, keylen, data, n, out);
}

struct digest {
	EVP_MD_CTX *ctx;
};

struct digest *digest_new(enum digest_kind kind)
{
	struct digest *d = malloc(sizeof(*d));
	const EVP_MD *md = kind == DIGEST_SHA256 ? EVP_sha256()
			   : kind == DIGEST_MD5	 ? EVP_md5()
						 : EVP_sha1();

	if (!d)
		return NULL;
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || !EVP_DigestInit_ex(d->ctx, md, NULL)) {
		EVP_MD_CTX_free(d->ctx);
		free(d);
		return NULL;
	}
	return d;
}

void digest_update(struct digest *d, const void *data, size_t n)
{
	EVP_DigestUpdate(d->ctx, data, n);
}

size_t digest_final(struct digest *d, uint8_t *out)
{
	unsigned int len = 0;

	EVP_DigestFinal_ex(d->ctx, out, &len);
	return len;
}

void digest_free(struct digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

uint32_t crc32_update(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;

	while (n) {
		uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;

		crc = (uint32_t)crc32(crc, p, chunk);
		p += chunk;
		n -= chunk;
	}
	return crc;
}

static uint32_t crc32c__table[256];
static uint64_t crc64__table[256];

static void crc__tables(void)
{
	static int done;

	if (__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		return;
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		uint64_t d = i;

		for (int k = 0; k < 8; k++) {
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
			d = (d & 1) ? (d >> 1) ^ 0x9A6C9329AC4BC9B5ull : d >> 1;
		}
		crc32c__table[i] = c;
		crc64__table[i] = d;
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
}

uint32_t crc32c_update(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;

	crc__tables();
	crc = ~crc;
	while (n--)
		crc = crc32c__table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint64_t crc64nvme_update(uint64_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;

	crc__tables();
	crc = ~crc;
	while (n--)
		crc = crc64__table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

void hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int hex_decode(const char *in, uint8_t *out, size_t outlen)
{
	for (size_t i = 0; i < outlen; i++) {
		int hi, lo;

		if (!in[2 * i] || !in[2 * i + 1])
			return -SW_E_INVALID;
		hi = hex_digit(in[2 * i]);
		lo = hex_digit(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -SW_E_INVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return in[2 * outlen] ? -SW_E_INVALID : 0;
}

void base64_encode(const uint8_t *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int base64_decode(const char *in, uint8_t *out, size_t outmax)
{
	size_t len = strlen(in), pad = 0;
	unsigned char *tmp;
	int n;

	if (len % 4)
		return -SW_E_INVALID;
	if (len && in[len - 1] == '=')
		pad++;
	if (len > 1 && in[len - 2] == '=')
		pad++;
	/* EVP_DecodeBlock accepts '=' anywhere ("====", "Zg==Zg=="): only the last two may be. */
	for (size_t i = 0; i < len - pad; i++)
		if (!isalnum((unsigned char)in[i]) && in[i] != '+' && in[i] != '/')
			return -SW_E_INVALID;
	if (len / 4 * 3 - pad > outmax)
		return -SW_E_INVALID;
	tmp = malloc(len / 4 * 3 + 1);
	if (!tmp)
		return -SW_E_NOMEM;
	n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)len);
	if (n < 0) {
		free(tmp);
		return -SW_E_INVALID;
	}
	n -= (int)pad;
	memcpy(out, tmp, (size_t)n);
	free(tmp);
	return n;
}

/* The kernel's CSPRNG (getrandom(2)): request ids and generated names need no OpenSSL DRBG,
 * whose first use costs the daemon ~2 MiB of resident library pages. */
int random_bytes(void *out, size_t n)
{
	uint8_t *p = out;

	while (n) {
		ssize_t k = getrandom(p, n, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return RAND_bytes(p, (int)n) == 1 ? 0 : -SW_E_INTERNAL;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int random_string(char *out, size_t n, const char *alphabet)
{
	size_t k = strlen(alphabet);
	uint8_t r[64];

	for (size_t i = 0; i < n; i++) {
		if (i % sizeof(r) == 0 && random_bytes(r, sizeof(r)))
			return -SW_E_INTERNAL;
		out[i] = alphabet[r[i % sizeof(r)] % k];
	}
	out[n] = '\0';
	return 0;
}

int uuid_v4(char out[37])
{
	uint8_t b[16];
	char hex[33];

	if (random_bytes(b, sizeof(b)))
		return -SW_E_INTERNAL;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	hex_encode(b, 16, hex);
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
	return 0;
}

int mem_equal_ct(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

bool hex_is_sha256(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdefABCDEF") == 64;
}
