/* blob: the directory backend of the content-addressed blob store. */
#include "blob.h"
#include "base/crypto.h"
#include "base/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct blob {
	char root[PATH_MAX]; /* DATA/blobs */
	char tmp[PATH_MAX];  /* DATA/blobs/tmp */
};

struct blob_writer {
	struct blob *b;
	int fd;
	char path[PATH_MAX];
	struct digest *sha;
	uint64_t size;
	char hex[65];  /* set once finished */
	bool finished; /* hashed, synced and closed */
};

static int blob__mkdir(const char *path, struct err *e)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_set(e, SW_E_IO, "cannot create '%s': %s", path, strerror(errno));
	return 0;
}

/* Temporary files left by a process that stopped mid-upload: nobody else uses the data
 * directory (slipwayd holds its lock), so every one is garbage. */
static void blob__clean_tmp(struct blob *b)
{
	DIR *dir = opendir(b->tmp);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] != '.')
			unlinkat(dirfd(dir), de->d_name, 0);
	}
	closedir(dir);
}

int blob_open(struct blob **out, const char *data_dir, struct err *e)
{
	struct blob *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return err_set(e, SW_E_NOMEM, NULL);
	if (str_fmt(b->root, sizeof(b->root), "%s/blobs", data_dir) ||
	    str_fmt(b->tmp, sizeof(b->tmp), "%s/blobs/tmp", data_dir)) {
		free(b);
		return err_set(e, SW_E_INVALID, "data directory path too long");
	}
	r = blob__mkdir(b->root, e);
	if (!r)
		r = blob__mkdir(b->tmp, e);
	if (r) {
		free(b);
		return r;
	}
	blob__clean_tmp(b);
	*out = b;
	return 0;
}

void blob_free(struct blob *b)
{
	free(b);
}

static int blob__path(const struct blob *b, const char *hex, char *out, size_t size, bool dir)
{
	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		return -SW_E_INVALID;
	if (dir)
		return str_fmt(out, size, "%s/%.2s", b->root, hex);
	return str_fmt(out, size, "%s/%.2s/%s", b->root, hex, hex + 2);
}

int blob_writer_new(struct blob *b, struct blob_writer **out, struct err *e)
{
	struct blob_writer *w = calloc(1, sizeof(*w));
	char name[17];

	if (!w)
		return err_set(e, SW_E_NOMEM, NULL);
	w->b = b;
	w->fd = -1;
	w->sha = digest_new(DIGEST_SHA256);
	random_string(name, 16, "abcdefghijklmnopqrstuvwxyz0123456789");
	str_fmt(w->path, sizeof(w->path), "%s/%s", b->tmp, name);
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0 || !w->sha) {
		err_set(e, SW_E_IO, "cannot create '%s': %s", w->path, strerror(errno));
		w->path[0] = '\0';
		blob_writer_free(w);
		return -SW_E_IO;
	}
	*out = w;
	return 0;
}

int blob_writer_write(struct blob_writer *w, const void *data, size_t n, struct err *e)
{
	const char *p = data;

	if (w->finished)
		return err_set(e, SW_E_INTERNAL, "blob writer already finished");
	digest_update(w->sha, data, n);
	w->size += n;
	while (n) {
		ssize_t k = write(w->fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return err_set(e, SW_E_IO, "cannot write blob: %s", strerror(errno));
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int blob_writer_finish(struct blob_writer *w, char hex[65], uint64_t *size, struct err *e)
{
	uint8_t h[SHA256_LEN];

	if (!w->finished) {
		if (fsync(w->fd) < 0)
			return err_set(e, SW_E_IO, "cannot sync blob: %s", strerror(errno));
		digest_final(w->sha, h);
		hex_encode(h, SHA256_LEN, w->hex);
		close(w->fd);
		w->fd = -1;
		w->finished = true;
	}
	if (hex)
		memcpy(hex, w->hex, sizeof(w->hex));
	if (size)
		*size = w->size;
	return 0;
}

static void blob__sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int blob_writer_commit(struct blob_writer *w, char hex[65], uint64_t *size, struct err *e)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int r = blob_writer_finish(w, hex, size, e);

	if (r)
		return r;
	blob__path(w->b, w->hex, dir, sizeof(dir), true);
	blob__path(w->b, w->hex, path, sizeof(path), false);
	r = blob__mkdir(dir, e);
	if (r)
		return r;
	/* A link, not a rename: the same content may already be there (deduplication), and the
	 * temporary file stays until the writer is freed so that commit can be repeated. */
	if (link(w->path, path) < 0 && errno != EEXIST)
		return err_set(e, SW_E_IO, "cannot store blob: %s", strerror(errno));
	blob__sync_dir(dir);
	return 0;
}

void blob_writer_free(struct blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->path[0])
		unlink(w->path);
	digest_free(w->sha);
	free(w);
}

int blob_open_read(struct blob *b, const char *hex, int *fd, uint64_t *size, struct err *e)
{
	char path[PATH_MAX];
	struct stat st;

	if (blob__path(b, hex, path, sizeof(path), false))
		return err_set(e, SW_E_INVALID, "bad blob name");
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return err_set(e, errno == ENOENT ? SW_E_NOT_FOUND : SW_E_IO,
			       "cannot open blob %s: %s", hex, strerror(errno));
	if (fstat(*fd, &st) < 0) {
		close(*fd);
		*fd = -1;
		return err_set(e, SW_E_IO, "cannot stat blob: %s", strerror(errno));
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

int blob_remove(struct blob *b, const char *hex, struct err *e)
{
	char path[PATH_MAX];

	if (blob__path(b, hex, path, sizeof(path), false))
		return err_set(e, SW_E_INVALID, "bad blob name");
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(e, SW_E_IO, "cannot remove blob: %s", strerror(errno));
	return 0;
}
