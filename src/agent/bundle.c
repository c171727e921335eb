/* bundle: safe streaming extraction with libarchive, wrapping-directory stripping, and the
 * recursive copy used for local directory revisions. */
#include "bundle.h"
#include "base/str.h"
#include "layout.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h" /* last: it redefines libc names */

#define BUNDLE_BLOCK 65536

bool bundle_link_inside(const char *entry, const char *target)
{
	int depth = 0;
	const char *p;

	if (!target || !*target || target[0] == '/')
		return false;
	/* Depth of the entry's directory. */
	for (p = entry; *p;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (!slash)
			break; /* the last component is the link itself */
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return false;
		if (len && !(len == 1 && p[0] == '.'))
			depth++;
		p = slash + 1;
	}
	for (p = target; *p;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (len && !(len == 1 && p[0] == '.')) {
			depth++;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	return true;
}

/* Normalises an entry path in place (drops "./" and empty components) and rejects absolute
 * paths and "..".  Returns 1 for the archive root itself (nothing to extract). */
static int bundle__clean_path(char *path, const char *shown, struct err *e)
{
	char *out = path, *p = path;

	if (path[0] == '/')
		return err_set(e, SW_E_INVALID, "archive entry '%s' has an absolute path", shown);
	while (*p) {
		char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return err_set(e, SW_E_INVALID,
				       "archive entry '%s' escapes the archive with '..'", shown);
		if (len && !(len == 1 && p[0] == '.')) {
			if (out != path)
				*out++ = '/';
			memmove(out, p, len);
			out += len;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	*out = '\0';
	return path[0] ? 0 : 1;
}

static int bundle__copy_data(struct archive *in, struct archive *out, const char *name,
			     struct err *e)
{
	const void *buf;
	size_t size;
	la_int64_t offset;

	for (;;) {
		int r = archive_read_data_block(in, &buf, &size, &offset);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return err_set(e, SW_E_INVALID, "cannot read '%s' from the archive: %s",
				       name, archive_error_string(in));
		if (archive_write_data_block(out, buf, size, offset) < ARCHIVE_WARN)
			return err_set(e, SW_E_IO, "cannot write '%s': %s", name,
				       archive_error_string(out));
	}
}

static int bundle__entry(struct archive *in, struct archive *out, struct archive_entry *ent,
			 struct err *e)
{
	const char *raw = archive_entry_pathname(ent);
	const char *hard = archive_entry_hardlink(ent);
	char path[4096], link[4096];
	mode_t type = archive_entry_filetype(ent);
	int r;

	if (!raw)
		return err_set(e, SW_E_INVALID, "archive entry without a name");
	if (str_copy(path, sizeof(path), raw))
		return err_set(e, SW_E_INVALID, "archive entry name too long: '%.100s…'", raw);
	r = bundle__clean_path(path, raw, e);
	if (r)
		return r < 0 ? r : 0;
	if (hard) {
		if (str_copy(link, sizeof(link), hard))
			return err_set(e, SW_E_INVALID, "hard link target too long in '%s'", raw);
		r = bundle__clean_path(link, hard, e);
		if (r)
			return err_set(
			    e, SW_E_INVALID,
			    "archive entry '%s' is a hard link pointing out of the archive "
			    "('%s')",
			    raw, hard);
		archive_entry_set_hardlink(ent, link);
	} else if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(ent);

		if (!bundle_link_inside(path, target))
			return err_set(e, SW_E_INVALID,
				       "archive entry '%s' is a symbolic link pointing out of the "
				       "archive ('%s')",
				       raw, target ? target : "");
	} else if (type != AE_IFREG && type != AE_IFDIR) {
		return err_set(
		    e, SW_E_INVALID,
		    "archive entry '%s' is a device, FIFO or socket, which revisions may "
		    "not contain",
		    raw);
	}
	archive_entry_set_pathname(ent, path);
	if (archive_write_header(out, ent) < ARCHIVE_WARN)
		return err_set(e, SW_E_IO, "cannot extract '%s': %s", raw,
			       archive_error_string(out));
	if (!hard && type == AE_IFREG && archive_entry_size(ent) > 0) {
		r = bundle__copy_data(in, out, raw, e);
		if (r)
			return r;
	}
	if (archive_write_finish_entry(out) < ARCHIVE_WARN)
		return err_set(e, SW_E_IO, "cannot finish '%s': %s", raw,
			       archive_error_string(out));
	return 0;
}

/* Moves the contents of dest/<only-dir> up to dest when the archive is wrapped in one directory
 * that holds the AppSpec. */
static int bundle__strip_wrapper(const char *dest, struct err *e)
{
	char only[256] = "", inner[4096], tmp[4096];
	bool has_appspec = false;
	struct dirent *de;
	struct stat st;
	int count = 0;
	DIR *d = opendir(dest);

	if (!d)
		return err_set(e, SW_E_IO, "cannot read '%s'", dest);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (++count == 1)
			str_copy(only, sizeof(only), de->d_name);
	}
	closedir(d);
	if (count != 1 || str_fmt(inner, sizeof(inner), "%s/%s", dest, only) ||
	    lstat(inner, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	d = opendir(inner);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcasestr(de->d_name, "appspec"))
			has_appspec = true;
	closedir(d);
	if (!has_appspec)
		return 0;
	if (str_fmt(tmp, sizeof(tmp), "%s-temp", dest) ||
	    str_fmt(inner, sizeof(inner), "%s-temp/%s", dest, only))
		return err_set(e, SW_E_TRUNCATED, "path too long");
	layout_rm_rf(tmp, NULL);
	if (rename(dest, tmp) != 0 || rename(inner, dest) != 0 || rmdir(tmp) != 0)
		return err_set(e, SW_E_IO, "cannot strip the wrapping directory '%s': %s", only,
			       strerror(errno));
	return 0;
}

static int bundle__run(struct archive *in, const char *dest, struct err *e)
{
	struct archive *out = archive_write_disk_new();
	struct archive_entry *ent;
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0, rr;

	if (!out || cwd < 0) {
		r = err_set(e, SW_E_NOMEM, "cannot set up extraction");
		goto out;
	}
	archive_write_disk_set_options(
	    out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		     ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	r = layout_mkdir_p(dest, 0755, e);
	if (r)
		goto out;
	/* Entries are written relative to dest, so that libarchive's own checks (no absolute
	 * paths, nothing through a symlink) apply inside it. */
	if (chdir(dest) != 0) {
		r = err_set(e, SW_E_IO, "cannot enter '%s': %s", dest, strerror(errno));
		goto out;
	}
	while ((rr = archive_read_next_header(in, &ent)) != ARCHIVE_EOF) {
		if (rr < ARCHIVE_WARN) {
			r = err_set(e, SW_E_INVALID, "cannot read the archive: %s",
				    archive_error_string(in));
			break;
		}
		r = bundle__entry(in, out, ent, e);
		if (r)
			break;
	}
	if (archive_write_close(out) < ARCHIVE_WARN && !r)
		r = err_set(e, SW_E_IO, "cannot finish extraction: %s", archive_error_string(out));
	if (fchdir(cwd) != 0 && !r)
		r = err_set(e, SW_E_IO, "cannot return to the working directory");
	if (!r)
		r = bundle__strip_wrapper(dest, e);
out:
	if (cwd >= 0)
		close(cwd);
	if (out)
		archive_write_free(out);
	return r;
}

static struct archive *bundle__reader(void)
{
	struct archive *in = archive_read_new();

	if (!in)
		return NULL;
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	archive_read_support_format_zip(in);
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_bzip2(in);
	archive_read_support_filter_xz(in);
	return in;
}

int bundle_extract(const char *path, const char *dest, struct err *e)
{
	struct archive *in = bundle__reader();
	int r;

	if (!in)
		return err_set(e, SW_E_NOMEM, NULL);
	if (archive_read_open_filename(in, path, BUNDLE_BLOCK) != ARCHIVE_OK) {
		r = err_set(e, SW_E_INVALID, "cannot open the bundle '%s': %s", path,
			    archive_error_string(in));
		archive_read_free(in);
		return r;
	}
	r = bundle__run(in, dest, e);
	archive_read_free(in);
	return r;
}

int bundle_extract_mem(const void *data, size_t len, const char *dest, struct err *e)
{
	struct archive *in = bundle__reader();
	int r;

	if (!in)
		return err_set(e, SW_E_NOMEM, NULL);
	if (archive_read_open_memory(in, data, len) != ARCHIVE_OK) {
		r = err_set(e, SW_E_INVALID, "cannot open the bundle: %s",
			    archive_error_string(in));
		archive_read_free(in);
		return r;
	}
	r = bundle__run(in, dest, e);
	archive_read_free(in);
	return r;
}

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
	r = layout_mkdir_p(dest, 0755, e);
	return r ? r : bundle__copy_tree(src, dest, 0, e);
}
