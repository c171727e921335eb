/* pkcs7: signing and verifying deployment specifications (PEM PKCS#7 signed-data with the
 * content embedded), as the CodeDeploy agent protocol carries them. */
#ifndef SW_PKCS7_H
#define SW_PKCS7_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

/* Signs data with the PEM key and certificate; appends the PEM `-----BEGIN PKCS7-----` blob
 * to out. */
int pkcs7_sign_pem(const char *key_pem, const char *cert_pem, const void *data, size_t len,
		   struct buf *out, struct err *e);
/* Verifies that pem is signed-data whose signer is exactly the certificate cert_pem and whose
 * signature over the embedded content holds; appends the content to out.  Anything else (not
 * PKCS#7, another signer, a tampered content) fails with -SW_E_INVALID and a message. */
int pkcs7_verify_pem(const char *cert_pem, const char *pem, size_t pem_len, struct buf *out,
		     struct err *e);

#endif
