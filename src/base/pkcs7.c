/* pkcs7: deployment specification signatures (OpenSSL PKCS7). */
#include "pkcs7.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

static X509 *pkcs7__cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

int pkcs7_sign_pem(const char *key_pem, const char *cert_pem, const void *data, size_t len,
		   struct buf *out, struct err *e)
{
	BIO *kb = BIO_new_mem_buf(key_pem, -1), *in = BIO_new_mem_buf(data, (int)len);
	BIO *pem = BIO_new(BIO_s_mem());
	EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	X509 *cert = pkcs7__cert(cert_pem);
	PKCS7 *p7 = NULL;
	char *p = NULL;
	long n;
	int r = -SW_E_INTERNAL;

	if (!key || !cert || !in || !pem) {
		err_set(e, SW_E_INTERNAL, "cannot load the signing key or certificate");
		goto out;
	}
	p7 = PKCS7_sign(cert, key, NULL, in, PKCS7_BINARY);
	if (!p7 || !PEM_write_bio_PKCS7(pem, p7)) {
		err_set(e, SW_E_INTERNAL, "cannot sign the deployment specification");
		goto out;
	}
	n = BIO_get_mem_data(pem, &p);
	r = buf_add(out, p, (size_t)n);
	if (r)
		err_set(e, r, NULL);
out:
	PKCS7_free(p7);
	X509_free(cert);
	EVP_PKEY_free(key);
	BIO_free(kb);
	BIO_free(in);
	BIO_free(pem);
	return r;
}

int pkcs7_verify_pem(const char *cert_pem, const char *pem, size_t pem_len, struct buf *out,
		     struct err *e)
{
	BIO *in = BIO_new_mem_buf(pem, (int)pem_len), *content = BIO_new(BIO_s_mem());
	X509 *cert = pkcs7__cert(cert_pem);
	STACK_OF(X509) *signers = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	PKCS7 *p7 = in ? PEM_read_bio_PKCS7(in, NULL, NULL, NULL) : NULL;
	char *p = NULL;
	long n;
	int r = -SW_E_INVALID;

	if (!cert) {
		err_set(e, SW_E_INVALID, "cannot read the trusted certificate");
		goto out;
	}
	if (!p7 || !PKCS7_type_is_signed(p7)) {
		err_set(e, SW_E_INVALID, "deployment specification is not PKCS#7 signed data");
		goto out;
	}
	/* The signer must be exactly our certificate: verify with it as the only candidate and
	 * without chain building (the server's certificate is self-signed). */
	sk_X509_push(signers, cert);
	if (PKCS7_verify(p7, signers, store, NULL, content,
			 PKCS7_NOINTERN | PKCS7_NOVERIFY | PKCS7_BINARY) != 1) {
		err_set(e, SW_E_INVALID,
			"deployment specification signature does not verify against the server "
			"certificate");
		goto out;
	}
	n = BIO_get_mem_data(content, &p);
	r = buf_add(out, p, (size_t)n);
	if (r)
		err_set(e, r, NULL);
out:
	ERR_clear_error();
	PKCS7_free(p7);
	sk_X509_free(signers);
	X509_STORE_free(store);
	X509_free(cert);
	BIO_free(in);
	BIO_free(content);
	return r;
}
