/* hash: SHA-256, HMAC-SHA-256 and MD5 in portable C, for code that must not map libcrypto —
 * SigV4 signing, so that slipway-agent idles without OpenSSL in its address space (crypto.h
 * keeps OpenSSL's digests for bulk data such as S3 payloads). */
#ifndef SW_HASH_H
#define SW_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SHA256_LEN 32
#define HASH_MD5_LEN	16

/* Incremental digests: _init, any number of _update calls, then _final (which wipes the
 * state; _init it again to reuse it).  They cannot fail. */
struct hash_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};
void hash_sha256_init(struct hash_sha256 *s);
void hash_sha256_update(struct hash_sha256 *s, const void *data, size_t n);
void hash_sha256_final(struct hash_sha256 *s, uint8_t out[HASH_SHA256_LEN]);

struct hash_md5 {
	uint32_t h[4];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};
void hash_md5_init(struct hash_md5 *s);
void hash_md5_update(struct hash_md5 *s, const void *data, size_t n);
void hash_md5_final(struct hash_md5 *s, uint8_t out[HASH_MD5_LEN]);

/* One-shot forms. */
void hash_sha256(const void *data, size_t n, uint8_t out[HASH_SHA256_LEN]);
void hash_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
		      uint8_t out[HASH_SHA256_LEN]);

/* Lower-case hex of n bytes; out must hold 2n+1 bytes. */
void hash_hex(const uint8_t *in, size_t n, char *out);

#endif
