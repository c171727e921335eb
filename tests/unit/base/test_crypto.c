/* test_crypto: digests, MACs and checksums against published vectors; hex and base64 encodings;
 * random identifiers. */
#include "base/crypto.h"
#include "base/err.h"

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
	hex_encode(bytes, n, hex);
	assert_string_equal(hex, expect);
}

static void test_sha256_vectors(void **state)
{
	uint8_t d[SHA256_LEN];
	char *million = malloc(1000000);

	(void)state;
	sha256("", 0, d);
	assert_hex(d, SHA256_LEN,
		   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256("abc", 3, d);
	assert_hex(d, SHA256_LEN,
		   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	assert_hex(d, SHA256_LEN,
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_non_null(million);
	memset(million, 'a', 1000000);
	sha256(million, 1000000, d);
	assert_hex(d, SHA256_LEN,
		   "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void test_md5_and_hmac_vectors(void **state)
{
	uint8_t d[SHA256_LEN];

	(void)state;
	md5("", 0, d);
	assert_hex(d, MD5_LEN, "d41d8cd98f00b204e9800998ecf8427e");
	md5("abc", 3, d);
	assert_hex(d, MD5_LEN, "900150983cd24fb0d6963f7d28e17f72");
	md5("The quick brown fox jumps over the lazy dog", 43, d);
	assert_hex(d, MD5_LEN, "9e107d9d372bb6826bd81d3542a419d6");
	/* RFC 4231 test case 2 */
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	assert_hex(d, SHA256_LEN,
		   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_incremental_digests_match_one_shot(void **state)
{
	static const enum digest_kind kinds[] = { DIGEST_SHA256, DIGEST_MD5, DIGEST_SHA1 };
	static const char *const abc[] = {
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"900150983cd24fb0d6963f7d28e17f72",
		"a9993e364706816aba3e25717850c26c9cd0d89d",
	};
	static const size_t lens[] = { SHA256_LEN, MD5_LEN, SHA1_LEN };

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		struct digest *d = digest_new(kinds[k]);
		uint8_t out[SHA256_LEN];

		assert_non_null(d);
		digest_update(d, "a", 1);
		digest_update(d, "", 0);
		digest_update(d, "bc", 2);
		assert_int_equal(digest_final(d, out), lens[k]);
		assert_hex(out, lens[k], abc[k]);
		digest_free(d);
	}
	digest_free(NULL);
}

static void test_crc_check_values(void **state)
{
	uint8_t zeros[32], ones[32], inc[32], dec[32];

	(void)state;
	/* the catalogue's check values: the CRC of the nine ASCII digits */
	assert_true(crc32_update(0, "123456789", 9) == 0xCBF43926u);
	assert_true(crc32c_update(0, "123456789", 9) == 0xE3069283u);
	assert_true(crc64nvme_update(0, "123456789", 9) == 0xAE8B14860A799888ull);
	assert_true(crc32_update(0, "The quick brown fox jumps over the lazy dog", 43) ==
		    0x414FA339u);
	/* RFC 3720 (iSCSI) CRC32C vectors */
	memset(zeros, 0, sizeof(zeros));
	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 32; i++) {
		inc[i] = (uint8_t)i;
		dec[i] = (uint8_t)(31 - i);
	}
	assert_true(crc32c_update(0, zeros, 32) == 0x8A9136AAu);
	assert_true(crc32c_update(0, ones, 32) == 0x62A8AB43u);
	assert_true(crc32c_update(0, inc, 32) == 0x46DD794Eu);
	assert_true(crc32c_update(0, dec, 32) == 0x113FDB5Cu);
	/* empty input leaves the start value */
	assert_true(crc32_update(0, "", 0) == 0);
	assert_true(crc32c_update(0, "", 0) == 0);
	assert_true(crc64nvme_update(0, "", 0) == 0);
}

static void test_crc_is_incremental(void **state)
{
	uint8_t data[1000];
	uint32_t a = 0, c = 0;
	uint64_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	/* streamed bodies arrive in arbitrary pieces: any split gives the same checksum */
	for (size_t off = 0; off < sizeof(data);) {
		size_t step = 1 + off % 97;

		if (step > sizeof(data) - off)
			step = sizeof(data) - off;
		a = crc32_update(a, data + off, step);
		c = crc32c_update(c, data + off, step);
		n = crc64nvme_update(n, data + off, step);
		off += step;
	}
	assert_true(a == crc32_update(0, data, sizeof(data)));
	assert_true(c == crc32c_update(0, data, sizeof(data)));
	assert_true(n == crc64nvme_update(0, data, sizeof(data)));
}

static void test_hex_round_trip_and_rejects(void **state)
{
	uint8_t in[4] = { 0x00, 0xab, 0xCD, 0xff }, out[4];
	char hex[9];

	(void)state;
	hex_encode(in, 4, hex);
	assert_string_equal(hex, "00abcdff");
	assert_int_equal(hex_decode(hex, out, 4), 0);
	assert_memory_equal(in, out, 4);
	assert_int_equal(hex_decode("00ABCDFF", out, 4), 0); /* upper case accepted */
	assert_memory_equal(in, out, 4);
	assert_int_equal(hex_decode("00abcdf", out, 4), -SW_E_INVALID);	  /* short */
	assert_int_equal(hex_decode("00abcdff0", out, 4), -SW_E_INVALID); /* long */
	assert_int_equal(hex_decode("00abcdfg", out, 4), -SW_E_INVALID);  /* not hex */
	assert_int_equal(hex_decode(" 0abcdff", out, 4), -SW_E_INVALID);
	assert_int_equal(hex_decode("", out, 0), 0);
	hex_encode(in, 0, hex);
	assert_string_equal(hex, "");
}

static void test_base64_rfc4648_vectors(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "",	       "Zg==",	   "Zm8=",    "Zm9v",
					   "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		char out[16];
		uint8_t dec[16];
		int n;

		base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out);
		assert_string_equal(out, enc[i]);
		n = base64_decode(enc[i], dec, sizeof(dec));
		assert_int_equal(n, (int)strlen(plain[i]));
		assert_memory_equal(dec, plain[i], (size_t)n);
	}
}

static void test_base64_round_trips_binary(void **state)
{
	uint8_t in[300], dec[300];
	char enc[4 * ((300 + 2) / 3) + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(255 - i * 13);
	for (size_t n = 0; n <= sizeof(in); n += 1 + n / 8) {
		int m;

		base64_encode(in, n, enc);
		assert_int_equal(strlen(enc), 4 * ((n + 2) / 3));
		m = base64_decode(enc, dec, n); /* exactly n bytes of room suffice */
		assert_int_equal(m, (int)n);
		assert_memory_equal(in, dec, n);
	}
	/* a Content-MD5 value: 16 bytes in 24 characters */
	md5("", 0, in);
	base64_encode(in, MD5_LEN, enc);
	assert_string_equal(enc, "1B2M2Y8AsgTpgAmY7PhCfg==");
}

static void test_base64_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"Zg=",						    /* not a multiple of 4 */
		"Zm9vY", "Zm9v\n", "Zm 9v", "Zm9v!A==", "Zm9v-_==", /* base64url is not base64 */
		"====",	 "A===",   "=Zg=",  "Zg==Zg==",		    /* padding only at the end */
		"AB=C",	 "Z===",
	};
	uint8_t out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (base64_decode(bad[i], out, sizeof(out)) != -SW_E_INVALID)
			fail_msg("base64_decode accepted '%s'", bad[i]);
	/* the output must fit */
	assert_int_equal(base64_decode("Zm9vYmFy", out, 5), -SW_E_INVALID);
	assert_int_equal(base64_decode("Zm9vYmFy", out, 6), 6);
}

static void test_random_identifiers(void **state)
{
	char a[37], b[37], s[101];

	(void)state;
	assert_int_equal(uuid_v4(a), 0);
	assert_int_equal(uuid_v4(b), 0);
	assert_int_equal(strlen(a), 36);
	assert_string_not_equal(a, b);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(a[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", a[i]));
	}
	assert_int_equal(a[14], '4');			  /* version 4 */
	assert_non_null(strchr("89ab", a[19]));		  /* RFC 4122 variant */
	assert_int_equal(random_string(s, 100, "XY"), 0); /* longer than one batch of randomness */
	assert_int_equal(strlen(s), 100);
	assert_int_equal(strspn(s, "XY"), 100);
	assert_non_null(strchr(s, 'X'));
	assert_non_null(strchr(s, 'Y'));
	assert_int_equal(random_string(s, 0, "XY"), 0);
	assert_string_equal(s, "");
}

static void test_constant_time_compare(void **state)
{
	(void)state;
	assert_true(mem_equal_ct("abcdef", "abcdef", 6));
	assert_false(mem_equal_ct("abcdef", "abcdeg", 6));
	assert_false(mem_equal_ct("xbcdef", "abcdef", 6));
	assert_true(mem_equal_ct("abc", "abd", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_md5_and_hmac_vectors),
		cmocka_unit_test(test_incremental_digests_match_one_shot),
		cmocka_unit_test(test_crc_check_values),
		cmocka_unit_test(test_crc_is_incremental),
		cmocka_unit_test(test_hex_round_trip_and_rejects),
		cmocka_unit_test(test_base64_rfc4648_vectors),
		cmocka_unit_test(test_base64_round_trips_binary),
		cmocka_unit_test(test_base64_rejects_malformed),
		cmocka_unit_test(test_random_identifiers),
		cmocka_unit_test(test_constant_time_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
