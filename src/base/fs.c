/* fs: mkdir -p and rm -rf (without following symlinks). */
#include "fs.h"
#include "str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FS_PATH_MAX 4096

int fs_mkdir_p(const char *path, mode_t mode, struct err *e)
{
	char tmp[FS_PATH_MAX];
	struct stat st;
	size_t n;

	if (str_copy(tmp, sizeof(tmp), path))
		return err_set(e, SW_E_TRUNCATED, "path too long: '%s'", path);
	n = strlen(tmp);
	while (n > 1 && tmp[n - 1] == '/')
		tmp[--n] = '\0';
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return err_set(e, SW_E_IO, "cannot create directory '%s': %s", tmp,
				       strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST)
		return err_set(e, SW_E_IO, "cannot create directory '%s': %s", tmp,
			       strerror(errno));
	if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(e, SW_E_IO, "'%s' exists and is not a directory", tmp);
	return 0;
}

static int fs__rm_at(int at, const char *name, const char *shown, struct err *e)
{
	struct stat st;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT
			   ? 0
			   : err_set(e, SW_E_IO, "cannot stat '%s': %s", shown, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d;
		struct dirent *de;
		int r = 0;

		if (fd < 0)
			return err_set(e, SW_E_IO, "cannot open '%s': %s", shown, strerror(errno));
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			return err_set(e, SW_E_IO, "cannot read '%s'", shown);
		}
		while (!r && (de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			r = fs__rm_at(dirfd(d), de->d_name, shown, e);
		}
		closedir(d);
		if (r)
			return r;
		if (unlinkat(at, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
			return err_set(e, SW_E_IO, "cannot remove '%s': %s", shown,
				       strerror(errno));
		return 0;
	}
	if (unlinkat(at, name, 0) != 0 && errno != ENOENT)
		return err_set(e, SW_E_IO, "cannot remove '%s': %s", shown, strerror(errno));
	return 0;
}

int fs_rm_rf(const char *path, struct err *e)
{
	return fs__rm_at(AT_FDCWD, path, path, e);
}
