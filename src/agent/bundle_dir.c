/* bundle_dir: copying a local directory revision into deployment-archive (no libarchive, so the
 * agent itself can do it). */
#include "bundle.h"
#include "base/fs.h"
#include "base/str.h"
#include "layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUNDLE_BLOCK 65536

static int bundle__copy_file(const char *src, const char *dst, const struct stat *st, struct err *e)
{
	char buf[BUNDLE_BLOCK];
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out;
	ssize_t n;
	struct timespec ts[2];
	int r = 0;

	if (in < 0)
		return err_set(e, SW_E_IO, "cannot read '%s': %s", src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) {
		close(in);
		return err_set(e, SW_E_IO, "cannot create '%s': %s", dst, strerror(errno));
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (n > 0) {
			ssize_t w = write(out, p, (size_t)n);

			if (w <= 0) {
				r = err_set(e, SW_E_IO, "cannot write '%s': %s", dst,
					    strerror(errno));
				goto done;
			}
			p += w;
			n -= w;
		}
	}
	if (n < 0)
		r = err_set(e, SW_E_IO, "cannot read '%s': %s", src, strerror(errno));
done:
	if (!r) {
		ts[0] = st->st_atim;
		ts[1] = st->st_mtim;
		if (fchmod(out, st->st_mode & 07777) != 0 || futimens(out, ts) != 0)
			r = err_set(e, SW_E_IO, "cannot set the mode of '%s'", dst);
	}
	close(in);
	if (close(out) != 0 && !r)
		r = err_set(e, SW_E_IO, "cannot write '%s': %s", dst, strerror(errno));
	return r;
}

static int bundle__copy_tree(const char *src, const char *dst, int depth, struct err *e)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r = 0;

	if (depth > 64)
		return err_set(e, SW_E_INVALID, "directory '%s' is nested too deeply", src);
	if (stat(src, &st) != 0)
		return err_set(e, SW_E_IO, "cannot read '%s': %s", src, strerror(errno));
	if (mkdir(dst, st.st_mode & 07777) != 0 && errno != EEXIST)
		return err_set(e, SW_E_IO, "cannot create '%s': %s", dst, strerror(errno));
	d = opendir(src);
	if (!d)
		return err_set(e, SW_E_IO, "cannot read '%s': %s", src, strerror(errno));
	while (!r && (de = readdir(d))) {
		char s[4096], t[4096];
		struct stat es;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (str_fmt(s, sizeof(s), "%s/%s", src, de->d_name) ||
		    str_fmt(t, sizeof(t), "%s/%s", dst, de->d_name)) {
			r = err_set(e, SW_E_TRUNCATED, "path too long under '%s'", src);
			break;
		}
		if (lstat(s, &es) != 0)
			continue;
		if (S_ISDIR(es.st_mode)) {
			r = bundle__copy_tree(s, t, depth + 1, e);
		} else if (S_ISREG(es.st_mode)) {
			r = bundle__copy_file(s, t, &es, e);
		} else if (S_ISLNK(es.st_mode)) {
			char target[4096];
			ssize_t n = readlink(s, target, sizeof(target) - 1);

			if (n < 0)
				continue;
			target[n] = '\0';
			if (symlink(target, t) != 0)
				r = err_set(e, SW_E_IO, "cannot create link '%s': %s", t,
					    strerror(errno));
		}
	}
	closedir(d);
	if (!r) {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		chmod(dst, st.st_mode & 07777);
		utimensat(AT_FDCWD, dst, ts, 0);
	}
	return r;
}

int bundle_copy_dir(const char *src, const char *dest, struct err *e)
{
	struct stat st;
	int r;

	if (stat(src, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(e, SW_E_INVALID, "'%s' is not a directory", src);
	r = fs_mkdir_p(dest, 0755, e);
	return r ? r : bundle__copy_tree(src, dest, 0, e);
}
