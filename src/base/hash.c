/* hash: SHA-256 (FIPS 180-4), HMAC (RFC 2104) and MD5 (RFC 1321), straightforward and
 * endian-independent; fast enough for signatures and for checking a download as it streams. */
#include "hash.h"

#include <stdbool.h>
#include <string.h>

static inline uint32_t hash__rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t hash__rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static inline uint32_t hash__be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t hash__le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---- SHA-256 ------------------------------------------------------------------------------ */

static const uint32_t hash__k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static void hash__sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;

	for (int i = 0; i < 16; i++)
		w[i] = hash__be32(p + 4 * i);
	for (int i = 16; i < 64; i++) {
		uint32_t s0 =
		    hash__rotr(w[i - 15], 7) ^ hash__rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 =
		    hash__rotr(w[i - 2], 17) ^ hash__rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
	for (int i = 0; i < 64; i++) {
		t1 = k + (hash__rotr(e, 6) ^ hash__rotr(e, 11) ^ hash__rotr(e, 25)) +
		     ((e & f) ^ (~e & g)) + hash__k256[i] + w[i];
		t2 = (hash__rotr(a, 2) ^ hash__rotr(a, 13) ^ hash__rotr(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

/* What SHA-256 and MD5 share (Merkle–Damgård over 64-byte blocks): buffering input into whole
 * blocks, and the final padding — 0x80, zeros, the message length in bits (big-endian for
 * SHA-256, little-endian for MD5). */
typedef void (*hash__block_fn)(uint32_t *h, const uint8_t *p);

static void hash__absorb(uint32_t *h, uint8_t block[64], size_t *fill, const uint8_t *p, size_t n,
			 hash__block_fn compress)
{
	if (*fill) {
		size_t take = 64 - *fill < n ? 64 - *fill : n;

		memcpy(block + *fill, p, take);
		*fill += take;
		p += take;
		n -= take;
		if (*fill < 64)
			return;
		compress(h, block);
		*fill = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		compress(h, p);
	if (n) {
		memcpy(block, p, n);
		*fill = n;
	}
}

static void hash__pad(uint32_t *h, uint8_t block[64], size_t fill, uint64_t bytes, bool big_endian,
		      hash__block_fn compress)
{
	uint64_t bits = bytes * 8;

	block[fill++] = 0x80;
	if (fill > 56) {
		memset(block + fill, 0, 64 - fill);
		compress(h, block);
		fill = 0;
	}
	memset(block + fill, 0, 56 - fill);
	for (int i = 0; i < 8; i++)
		block[56 + i] = (uint8_t)(bits >> (big_endian ? 56 - 8 * i : 8 * i));
	compress(h, block);
}

void hash_sha256_init(struct hash_sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, iv, sizeof(iv));
	s->bytes = 0;
	s->fill = 0;
}

void hash_sha256_update(struct hash_sha256 *s, const void *data, size_t n)
{
	s->bytes += n;
	hash__absorb(s->h, s->block, &s->fill, data, n, hash__sha256_block);
}

void hash_sha256_final(struct hash_sha256 *s, uint8_t out[HASH_SHA256_LEN])
{
	hash__pad(s->h, s->block, s->fill, s->bytes, true, hash__sha256_block);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
	memset(s, 0, sizeof(*s));
}

void hash_sha256(const void *data, size_t n, uint8_t out[HASH_SHA256_LEN])
{
	struct hash_sha256 s;

	hash_sha256_init(&s);
	hash_sha256_update(&s, data, n);
	hash_sha256_final(&s, out);
}

void hash_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
		      uint8_t out[HASH_SHA256_LEN])
{
	uint8_t k[64] = { 0 }, pad[64], inner[HASH_SHA256_LEN];
	struct hash_sha256 s;

	if (keylen > sizeof(k))
		hash_sha256(key, keylen, k);
	else if (keylen)
		memcpy(k, key, keylen);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	hash_sha256_init(&s);
	hash_sha256_update(&s, pad, sizeof(pad));
	hash_sha256_update(&s, data, n);
	hash_sha256_final(&s, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	hash_sha256_init(&s);
	hash_sha256_update(&s, pad, sizeof(pad));
	hash_sha256_update(&s, inner, sizeof(inner));
	hash_sha256_final(&s, out);
	memset(k, 0, sizeof(k));
	memset(pad, 0, sizeof(pad));
}

/* ---- MD5 ---------------------------------------------------------------------------------- */

/* floor(|sin(i + 1)| * 2^32) and the per-round shift amounts. */
static const uint32_t hash__kmd5[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	0xeb86d391,
};
static const uint8_t hash__smd5[4][4] = {
	{ 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 }, { 6, 10, 15, 21 }
};

static void hash__md5_block(uint32_t h[4], const uint8_t *p)
{
	uint32_t m[16], a = h[0], b = h[1], c = h[2], d = h[3];

	for (int i = 0; i < 16; i++)
		m[i] = hash__le32(p + 4 * i);
	for (int i = 0; i < 64; i++) {
		int round = i / 16, g;
		uint32_t f, t;

		switch (round) {
		case 0:
			f = (b & c) | (~b & d);
			g = i;
			break;
		case 1:
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
			break;
		case 2:
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
			break;
		default:
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
			break;
		}
		t = d;
		d = c;
		c = b;
		b = b + hash__rotl(a + f + hash__kmd5[i] + m[g], hash__smd5[round][i % 4]);
		a = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
}

void hash_md5_init(struct hash_md5 *s)
{
	s->h[0] = 0x67452301;
	s->h[1] = 0xefcdab89;
	s->h[2] = 0x98badcfe;
	s->h[3] = 0x10325476;
	s->bytes = 0;
	s->fill = 0;
}

void hash_md5_update(struct hash_md5 *s, const void *data, size_t n)
{
	s->bytes += n;
	hash__absorb(s->h, s->block, &s->fill, data, n, hash__md5_block);
}

void hash_md5_final(struct hash_md5 *s, uint8_t out[HASH_MD5_LEN])
{
	hash__pad(s->h, s->block, s->fill, s->bytes, false, hash__md5_block);
	for (int i = 0; i < 4; i++) {
		out[4 * i] = (uint8_t)s->h[i];
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 3] = (uint8_t)(s->h[i] >> 24);
	}
	memset(s, 0, sizeof(*s));
}

void hash_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
