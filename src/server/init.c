/* init: first start and every later start of a data directory. */
#include "init.h"
#include "auth.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "model/iam.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int init__lock(struct slipwayd *d, struct err *e)
{
	char path[PATH_MAX], pid[32];
	int fd;

	str_fmt(path, sizeof(path), "%s/slipwayd.pid", d->data_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, SW_E_IO, "cannot open '%s': %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = read(fd, pid, sizeof(pid) - 1);

		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(fd);
		return err_set(e, SW_E_IO,
			       "another slipwayd (pid %s) is already using data directory '%s'",
			       pid[0] ? pid : "?", d->data_dir);
	}
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

		if (write(fd, pid, (size_t)n) < 0)
			log_warn("init", "cannot write pid file: %s", strerror(errno));
	}
	d->lock_fd = fd;
	return 0;
}

static char *init__pem_key(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *out = NULL;
	long n;

	if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)) {
		n = BIO_get_mem_data(b, &p);
		out = str_ndup(p, (size_t)n);
	}
	BIO_free(b);
	return out;
}

static char *init__pem_cert(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *out = NULL;
	long n;

	if (b && PEM_write_bio_X509(b, x)) {
		n = BIO_get_mem_data(b, &p);
		out = str_ndup(p, (size_t)n);
	}
	BIO_free(b);
	return out;
}

/* A 2048-bit RSA key and a ten-year self-signed certificate naming this server. */
static int init__keypair(struct slipwayd *d, struct err *e)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	X509_NAME *name;
	uint8_t serial[8];
	int ok = 0;

	if (!k || !x)
		goto out;
	random_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	X509_set_version(x, 2);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x),
				((uint64_t)serial[0] << 56 | (uint64_t)serial[1] << 48 |
				 (uint64_t)serial[2] << 40 | (uint64_t)serial[3] << 32 |
				 (uint64_t)serial[4] << 24 | (uint64_t)serial[5] << 16 |
				 (uint64_t)serial[6] << 8 | serial[7]));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 24 * 3600);
	X509_set_pubkey(x, k);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Slipway", -1,
				   -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"slipwayd deployment signer", -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (!X509_sign(x, k, EVP_sha256()))
		goto out;
	d->key_pem = init__pem_key(k);
	d->cert_pem = init__pem_cert(x);
	ok = d->key_pem && d->cert_pem;
out:
	EVP_PKEY_free(k);
	X509_free(x);
	return ok ? 0 : err_set(e, SW_E_INTERNAL, "cannot create the server's signing key");
}

static int init__write_file(const char *dir, const char *name, const char *text, mode_t mode,
			    struct err *e)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd;

	str_fmt(path, sizeof(path), "%s/%s", dir, name);
	str_fmt(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return err_set(e, SW_E_IO, "cannot create '%s': %s", tmp, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
		close(fd);
		return err_set(e, SW_E_IO, "cannot write '%s': %s", tmp, strerror(errno));
	}
	close(fd);
	if (rename(tmp, path) < 0)
		return err_set(e, SW_E_IO, "cannot rename '%s': %s", tmp, strerror(errno));
	return 0;
}

struct init__first {
	struct slipwayd *d;
	char key_id[21];
	char secret[41];
	bool created;
};

static int init__setup(struct store_conn *c, void *arg, struct err *e)
{
	struct init__first *f = arg;
	struct slipwayd *d = f->d;
	char arn[300], digits[13];
	int r;

	r = model_meta_get(c, "account_id", d->env.account_id, sizeof(d->env.account_id), e);
	if (r < 0)
		return r;
	if (r == 1) {
		char region[33] = "";

		r = model_meta_get(c, "region", region, sizeof(region), e);
		if (r < 0)
			return r;
		if (region[0] && strcmp(region, d->cfg.region) != 0)
			log_warn("init",
				 "data directory was initialised for region '%s'; serving "
				 "'%s' as asked",
				 region, d->cfg.region);
		return 0;
	}
	/* First start. */
	if (random_string(digits, 12, "0123456789"))
		return err_set(e, SW_E_INTERNAL, "no randomness");
	if (digits[0] == '0')
		digits[0] = '1';
	str_copy(d->env.account_id, sizeof(d->env.account_id), digits);
	r = model_meta_init(c, d->env.account_id, d->cfg.region, e);
	if (r)
		return r;
	env_arn(&d->env, arn, sizeof(arn), "iam", "user/admin");
	return model_iam_bootstrap_admin(c, arn, f->key_id, f->secret, &f->created, e);
}

static int init__load_keys(struct slipwayd *d, struct err *e)
{
	char path[PATH_MAX];
	FILE *fp;
	long n;

	for (int i = 0; i < 2; i++) {
		char **dst = i == 0 ? &d->key_pem : &d->cert_pem;

		str_fmt(path, sizeof(path), "%s/%s", d->data_dir,
			i == 0 ? "server.key" : "server.crt");
		fp = fopen(path, "re");
		if (!fp)
			return 1;
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		rewind(fp);
		if (n <= 0 || n > 1 << 20 || !(*dst = calloc(1, (size_t)n + 1)) ||
		    fread(*dst, 1, (size_t)n, fp) != (size_t)n) {
			fclose(fp);
			return err_set(e, SW_E_IO, "cannot read '%s'", path);
		}
		fclose(fp);
	}
	return 0;
}

/* Generates the key pair in a short-lived child process that writes server.key and server.crt:
 * RSA key generation touches a lot of memory the long-running daemon would otherwise keep. */
static int init__keypair_in_child(struct slipwayd *d, struct err *e)
{
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return err_set(e, SW_E_INTERNAL, "cannot fork: %s", strerror(errno));
	if (pid == 0) {
		struct err ce = { 0 };
		int r = init__keypair(d, &ce);

		if (!r)
			r = init__write_file(d->data_dir, "server.key", d->key_pem, 0600, &ce);
		if (!r)
			r = init__write_file(d->data_dir, "server.crt", d->cert_pem, 0644, &ce);
		if (r)
			fprintf(stderr, "slipwayd: %s\n", err_message(&ce));
		_exit(r ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(e, SW_E_INTERNAL, "cannot wait for the key generator: %s",
				       strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, SW_E_INTERNAL, "cannot create the server's signing key");
	return 0;
}

int init_data_dir(struct slipwayd *d, struct err *e)
{
	struct init__first f = { .d = d };
	char real[PATH_MAX], text[1024];
	int r;

	if (mkdir(d->cfg.data_dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, SW_E_IO, "cannot create data directory '%s': %s", d->cfg.data_dir,
			       strerror(errno));
	if (!realpath(d->cfg.data_dir, real))
		return err_set(e, SW_E_IO, "cannot resolve '%s': %s", d->cfg.data_dir,
			       strerror(errno));
	d->env.cfg = &d->cfg;
	d->data_dir = str_dup(real);
	if (!d->data_dir)
		return err_set(e, SW_E_NOMEM, NULL);
	r = init__lock(d, e);
	if (r)
		return r;
	r = store_open_url(&d->env.store, d->data_dir, d->cfg.store_url, e);
	if (r)
		return r;
	r = auth_cache_new(&d->auth);
	if (r)
		return err_set(e, r, NULL);
	r = store_write(d->env.store, init__setup, &f, e);
	if (r)
		return r;
	r = init__load_keys(d, e);
	if (r < 0)
		return r;
	if (r == 1) {
		free(d->key_pem);
		free(d->cert_pem);
		d->key_pem = d->cert_pem = NULL;
		r = init__keypair_in_child(d, e);
		if (!r)
			r = init__load_keys(d, e);
		if (r)
			return r < 0 ? r : err_set(e, SW_E_IO, "the signing key was not written");
	}
	d->env.key_pem = d->key_pem;
	d->env.cert_pem = d->cert_pem;
	if (f.created) {
		str_fmt(text, sizeof(text),
			"[slipway]\naws_access_key_id = %s\naws_secret_access_key = %s\n", f.key_id,
			f.secret);
		r = init__write_file(d->data_dir, "credentials", text, 0600, e);
		if (!r) {
			str_fmt(text, sizeof(text),
				"[profile slipway]\nregion = %s\noutput = json\n", d->cfg.region);
			r = init__write_file(d->data_dir, "config", text, 0600, e);
		}
		if (r)
			return r;
		fprintf(stderr,
			"slipwayd: initialised %s for account %s in %s\n"
			"slipwayd: administrator access key %s\n"
			"slipwayd: secret access key %s (shown once; also in %s/credentials, "
			"profile 'slipway')\n",
			d->data_dir, d->env.account_id, d->cfg.region, f.key_id, f.secret,
			d->data_dir);
		explicit_bzero(f.secret, sizeof(f.secret));
		explicit_bzero(text, sizeof(text));
	}
	/* The main thread only serves signals from now on: close its store connection (and
	 * the page cache the migrations filled). */
	store_thread_done(d->env.store);
	return 0;
}

void init_release(struct slipwayd *d)
{
	store_free(d->env.store);
	d->env.store = NULL;
	auth_cache_free(d->auth);
	d->auth = NULL;
	free(d->key_pem);
	free(d->cert_pem);
	free(d->data_dir);
	d->key_pem = d->cert_pem = d->data_dir = NULL;
	d->env.key_pem = d->env.cert_pem = NULL;
	if (d->lock_fd > 0)
		close(d->lock_fd);
	d->lock_fd = -1;
}
