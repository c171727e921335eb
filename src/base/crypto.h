/* crypto: digests, MACs, encodings and random identifiers (OpenSSL underneath). */
#ifndef SW_CRYPTO_H
#define SW_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define MD5_LEN	   16
#define SHA1_LEN   20

void sha256(const void *data, size_t n, uint8_t out[SHA256_LEN]);
void hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
		 uint8_t out[SHA256_LEN]);
void md5(const void *data, size_t n, uint8_t out[MD5_LEN]);

/* Incremental digests for streamed bodies. */
struct digest;
enum digest_kind { DIGEST_SHA256, DIGEST_MD5, DIGEST_SHA1 };
struct digest *digest_new(enum digest_kind kind);
void digest_update(struct digest *d, const void *data, size_t n);
/* Writes the digest (32, 16 or 20 bytes) and returns its length; the digest can't be reused. */
size_t digest_final(struct digest *d, uint8_t *out);
void digest_free(struct digest *d);

uint32_t crc32_update(uint32_t crc, const void *data, size_t n);     /* IEEE, start with 0 */
uint32_t crc32c_update(uint32_t crc, const void *data, size_t n);    /* Castagnoli, start with 0 */
uint64_t crc64nvme_update(uint64_t crc, const void *data, size_t n); /* start with 0 */

/* Lower-case hex; out must hold 2n+1 bytes. */
void hex_encode(const uint8_t *in, size_t n, char *out);
/* Whether s is exactly 64 hex digits (either case): a hex SHA-256 as SigV4 sends it. */
bool hex_is_sha256(const char *s);
/* Decodes exactly 2*outlen hex digits; -SW_E_INVALID otherwise. */
int hex_decode(const char *in, uint8_t *out, size_t outlen);
/* Standard base64 with padding; out must hold 4*((n+2)/3)+1 bytes. */
void base64_encode(const uint8_t *in, size_t n, char *out);
/* Returns the decoded length or -SW_E_INVALID. */
int base64_decode(const char *in, uint8_t *out, size_t outmax);

int random_bytes(void *out, size_t n);
/* A random string of n characters from alphabet (NUL-terminated; out holds n+1). */
int random_string(char *out, size_t n, const char *alphabet);
/* An RFC 4122 version 4 UUID, 36 characters + NUL. */
int uuid_v4(char out[37]);
/* Constant-time comparison. */
int mem_equal_ct(const void *a, const void *b, size_t n);

#endif
