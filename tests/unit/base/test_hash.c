/* test_hash: the portable SHA-256, HMAC-SHA-256 and MD5 (what SigV4 signs with and what the
 * agent checks downloads with) against published vectors, and against OpenSSL's digests
 * (crypto.h) for every length around the block boundaries and for arbitrary update splits. */
#include "base/crypto.h"
#include "base/hash.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void assert_hex(const uint8_t *bytes, size_t n, const char *expect)
{
	char hex[2 * 64 + 1];

	assert_true(n <= 64);
	hash_hex(bytes, n, hex);
	assert_string_equal(hex, expect);
}

static void test_sha256_vectors(void **state)
{
	uint8_t d[HASH_SHA256_LEN];
	struct hash_sha256 s;
	char *million = malloc(1000000);

	(void)state;
	hash_sha256("", 0, d);
	assert_hex(d, sizeof(d),
		   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash_sha256("abc", 3, d);
	assert_hex(d, sizeof(d),
		   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	assert_hex(d, sizeof(d),
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_non_null(million);
	memset(million, 'a', 1000000);
	hash_sha256_init(&s);
	for (int i = 0; i < 1000; i++)
		hash_sha256_update(&s, million + i * 1000, 1000);
	hash_sha256_final(&s, d);
	assert_hex(d, sizeof(d),
		   "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void test_hmac_vectors(void **state)
{
	uint8_t d[HASH_SHA256_LEN], key[131];

	(void)state;
	/* RFC 4231 test cases 1, 2 and 6 (a key longer than the block is hashed first). */
	memset(key, 0x0b, 20);
	hash_hmac_sha256(key, 20, "Hi There", 8, d);
	assert_hex(d, sizeof(d),
		   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hash_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	assert_hex(d, sizeof(d),
		   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key));
	hash_hmac_sha256(key, sizeof(key), "Test Using Larger Than Block-Size Key - Hash Key First",
			 54, d);
	assert_hex(d, sizeof(d),
		   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_md5_vectors(void **state)
{
	static const struct {
		const char *in, *md5;
	} v[] = {
		/* RFC 1321 A.5 */
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890123456789012345678901234567890123456"
		  "7890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct hash_md5 s;
		uint8_t d[HASH_MD5_LEN];

		hash_md5_init(&s);
		hash_md5_update(&s, v[i].in, strlen(v[i].in));
		hash_md5_final(&s, d);
		assert_hex(d, sizeof(d), v[i].md5);
	}
}

/* Every length from 0 to 300 bytes (all padding cases), fed whole and in random pieces, gives
 * what OpenSSL gives. */
static void test_same_as_openssl(void **state)
{
	uint8_t data[300], a[HASH_SHA256_LEN], b[HASH_SHA256_LEN];

	(void)state;
	srand(7);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rand();
	for (size_t n = 0; n <= sizeof(data); n++) {
		struct hash_sha256 s;
		struct hash_md5 m;
		size_t off = 0;

		sha256(data, n, a);
		hash_sha256(data, n, b);
		assert_memory_equal(a, b, HASH_SHA256_LEN);
		hash_sha256_init(&s);
		hash_md5_init(&m);
		while (off < n) {
			size_t piece = (size_t)rand() % 80;

			if (piece > n - off)
				piece = n - off;
			hash_sha256_update(&s, data + off, piece);
			hash_md5_update(&m, data + off, piece);
			off += piece;
		}
		hash_sha256_final(&s, b);
		assert_memory_equal(a, b, HASH_SHA256_LEN);
		md5(data, n, a);
		hash_md5_final(&m, b);
		assert_memory_equal(a, b, HASH_MD5_LEN);
		hmac_sha256(data, n % 150, data, n, a);
		hash_hmac_sha256(data, n % 150, data, n, b);
		assert_memory_equal(a, b, HASH_SHA256_LEN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_hmac_vectors),
		cmocka_unit_test(test_md5_vectors),
		cmocka_unit_test(test_same_as_openssl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
