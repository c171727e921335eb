/* extract: safe streaming extraction of zip and tar archives with libarchive, and stripping of
 * a single wrapping directory (swbase_archive: only the programs that link libarchive anyway —
 * slipway-agent-unpack, slipway — link it, so slipway-agent itself never maps libarchive). */
#include "extract.h"
#include "fs.h"
#include "str.h"

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

#define EXTRACT_BLOCK 65536

/* Lexical check used for symlinks: true when target, read relative to the directory of the
 * archive path entry, stays inside the archive root. */
static bool extract_link_inside(const char *entry, const char *target)
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
static int extract__clean_path(char *path, const char *shown, struct err *e)
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

static int extract__copy_data(struct archive *in, struct archive *out, const char *name,
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

static int extract__entry(struct archive *in, struct archive *out, struct archive_entry *ent,
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
	r = extract__clean_path(path, raw, e);
	if (r)
		return r < 0 ? r : 0;
	if (hard) {
		if (str_copy(link, sizeof(link), hard))
			return err_set(e, SW_E_INVALID, "hard link target too long in '%s'", raw);
		r = extract__clean_path(link, hard, e);
		if (r)
			return err_set(
			    e, SW_E_INVALID,
			    "archive entry '%s' is a hard link pointing out of the archive "
			    "('%s')",
			    raw, hard);
		archive_entry_set_hardlink(ent, link);
	} else if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(ent);

		if (!extract_link_inside(path, target))
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
		r = extract__copy_data(in, out, raw, e);
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
static int extract__strip_wrapper(const char *dest, struct err *e)
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
	fs_rm_rf(tmp, NULL);
	if (rename(dest, tmp) != 0 || rename(inner, dest) != 0 || rmdir(tmp) != 0)
		return err_set(e, SW_E_IO, "cannot strip the wrapping directory '%s': %s", only,
			       strerror(errno));
	return 0;
}

static int extract__run(struct archive *in, const char *type, const char *dest, struct err *e)
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
	r = fs_mkdir_p(dest, 0755, e);
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
			r = err_set(e, SW_E_INVALID, "cannot read the archive%s%s%s: %s",
				    type && *type ? " as a " : "", type ? type : "",
				    type && *type ? " bundle" : "", archive_error_string(in));
			break;
		}
		r = extract__entry(in, out, ent, e);
		if (r)
			break;
	}
	if (archive_write_close(out) < ARCHIVE_WARN && !r)
		r = err_set(e, SW_E_IO, "cannot finish extraction: %s", archive_error_string(out));
	if (fchdir(cwd) != 0 && !r)
		r = err_set(e, SW_E_IO, "cannot return to the working directory");
	if (!r)
		r = extract__strip_wrapper(dest, e);
out:
	if (cwd >= 0)
		close(cwd);
	if (out)
		archive_write_free(out);
	return r;
}

/* A reader for the formats of bundle type type: zip, or tar (tar and tgz, compressed or not,
 * as GNU tar reads them); any of them when type is NULL or "". */
static int extract__reader(const char *type, struct archive **out, struct err *e)
{
	bool any = !type || !*type, zip = !any && strcasecmp(type, "zip") == 0;
	bool tar = !any && (strcasecmp(type, "tar") == 0 || strcasecmp(type, "tgz") == 0);
	struct archive *in;

	*out = NULL;
	if (!any && !zip && !tar)
		return err_set(e, SW_E_INVALID,
			       "a bundle of type '%s' cannot be unpacked (tar, tgz or zip)", type);
	in = archive_read_new();
	if (!in)
		return err_set(e, SW_E_NOMEM, NULL);
	if (any || tar) {
		archive_read_support_format_tar(in);
		archive_read_support_format_gnutar(in);
		archive_read_support_filter_gzip(in);
		archive_read_support_filter_bzip2(in);
		archive_read_support_filter_xz(in);
	}
	if (any || zip)
		archive_read_support_format_zip(in);
	*out = in;
	return 0;
}

int extract_archive(const char *path, const char *type, const char *dest, struct err *e)
{
	struct archive *in;
	int r = extract__reader(type, &in, e);

	if (r)
		return r;
	if (archive_read_open_filename(in, path, EXTRACT_BLOCK) != ARCHIVE_OK) {
		r = err_set(e, SW_E_INVALID, "cannot open the bundle '%s'%s%s%s: %s", path,
			    type && *type ? " as a " : "", type ? type : "",
			    type && *type ? " bundle" : "", archive_error_string(in));
		archive_read_free(in);
		return r;
	}
	r = extract__run(in, type, dest, e);
	archive_read_free(in);
	return r;
}

int extract_archive_mem(const void *data, size_t len, const char *dest, struct err *e)
{
	struct archive *in;
	int r = extract__reader(NULL, &in, e);

	if (r)
		return r;
	if (archive_read_open_memory(in, data, len) != ARCHIVE_OK) {
		r = err_set(e, SW_E_INVALID, "cannot open the bundle: %s",
			    archive_error_string(in));
		archive_read_free(in);
		return r;
	}
	r = extract__run(in, NULL, dest, e);
	archive_read_free(in);
	return r;
}
