/* layout: paths, pointer files, retention and crash tracking under the agent's root dir. */
#include "layout.h"
#include "base/fs.h"
#include "base/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

bool layout_valid_component(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 200 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strchr(s, '/') == NULL;
}

int layout_deploy_dir(const char *root, const char *dg, const char *did, char *out, size_t size)
{
	return str_fmt(out, size, "%s/%s/%s", root, dg, did);
}

int layout_instructions_file(const char *root, const char *dg, const char *suffix, char *out,
			     size_t size)
{
	return str_fmt(out, size, "%s/deployment-instructions/%s%s", root, dg, suffix);
}

int layout_write_file(const char *path, const void *data, size_t len, struct err *e)
{
	char tmp[LAYOUT_PATH_MAX];
	const char *p = data;
	int fd;

	if (str_fmt(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()))
		return err_set(e, SW_E_TRUNCATED, "path too long: '%s'", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, SW_E_IO, "cannot create '%s': %s", tmp, strerror(errno));
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int saved = errno;

			close(fd);
			unlink(tmp);
			return err_set(e, SW_E_IO, "cannot write '%s': %s", tmp, strerror(saved));
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		int saved = errno;

		unlink(tmp);
		return err_set(e, SW_E_IO, "cannot write '%s': %s", path, strerror(saved));
	}
	return 0;
}

int layout_read_pointer(const char *path, char *out, size_t size, struct err *e)
{
	FILE *fp = fopen(path, "re");
	size_t n, start = 0;

	if (!fp) {
		if (errno == ENOENT)
			return 1;
		return err_set(e, SW_E_IO, "cannot read '%s': %s", path, strerror(errno));
	}
	n = fread(out, 1, size - 1, fp);
	fclose(fp);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
		out[--n] = '\0';
	while (out[start] == ' ' || out[start] == '\n')
		start++;
	if (start)
		memmove(out, out + start, n - start + 1);
	return 0;
}

struct layout__entry {
	char name[256];
	struct timespec mtime;
};

static int layout__mtime_cmp(const void *a, const void *b)
{
	const struct layout__entry *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

int layout_prune(const char *root, const char *dg, const char *current_did, int max_revisions,
		 struct err *e)
{
	char dir[LAYOUT_PATH_MAX], last[LAYOUT_PATH_MAX], ptr[LAYOUT_PATH_MAX];
	char path[LAYOUT_PATH_MAX];
	struct layout__entry *list = NULL;
	size_t n = 0, cap = 0;
	long extra;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (max_revisions < 1)
		return err_set(e, SW_E_INVALID, "max_revisions must be at least 1");
	if (str_fmt(dir, sizeof(dir), "%s/%s", root, dg) ||
	    layout_instructions_file(root, dg, LAYOUT_LAST_SUCCESSFUL, ptr, sizeof(ptr)))
		return err_set(e, SW_E_TRUNCATED, "path too long under '%s'", root);
	last[0] = '\0';
	if (layout_read_pointer(ptr, last, sizeof(last), e) < 0)
		return -SW_E_IO;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : err_set(e, SW_E_IO, "cannot read '%s'", dir);
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (strcmp(de->d_name, current_did) == 0 || strlen(de->d_name) >= 256)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct layout__entry *nl = realloc(list, ncap * sizeof(*nl));

			if (!nl) {
				r = err_set(e, SW_E_NOMEM, NULL);
				break;
			}
			list = nl;
			cap = ncap;
		}
		str_copy(list[n].name, sizeof(list[n].name), de->d_name);
		list[n].mtime = st.st_mtim;
		n++;
	}
	closedir(d);
	extra = (long)n - max_revisions + 1;
	if (!r && extra > 0) {
		qsort(list, n, sizeof(*list), layout__mtime_cmp);
		for (size_t i = 0; i < n && extra > 0 && !r; i++) {
			if (str_fmt(path, sizeof(path), "%s/%s", dir, list[i].name))
				continue;
			if (last[0] && strcmp(path, last) == 0)
				continue;
			r = fs_rm_rf(path, e);
			extra--;
		}
	}
	free(list);
	return r;
}

int layout_track_begin(const char *root, const char *did, const char *host_command_id,
		       struct err *e)
{
	char dir[LAYOUT_PATH_MAX], path[LAYOUT_PATH_MAX];
	int r;

	if (str_fmt(dir, sizeof(dir), "%s/ongoing-deployment", root) ||
	    str_fmt(path, sizeof(path), "%s/%s", dir, did))
		return err_set(e, SW_E_TRUNCATED, "path too long under '%s'", root);
	r = fs_mkdir_p(dir, 0700, e);
	if (!r)
		r = layout_write_file(path, host_command_id, strlen(host_command_id), e);
	return r;
}

void layout_track_end(const char *root, const char *did)
{
	char path[LAYOUT_PATH_MAX];

	if (!str_fmt(path, sizeof(path), "%s/ongoing-deployment/%s", root, did))
		unlink(path);
}

int layout_track_recover(const char *root, int64_t max_age_s, bool remove, char *hcid, size_t size,
			 struct err *e)
{
	char dir[LAYOUT_PATH_MAX], best[LAYOUT_PATH_MAX] = "";
	struct timespec best_t = { 0, 0 };
	time_t now = time(NULL);
	struct dirent *de;
	DIR *d;
	int r = 1;

	if (str_fmt(dir, sizeof(dir), "%s/ongoing-deployment", root))
		return err_set(e, SW_E_TRUNCATED, "path too long under '%s'", root);
	d = opendir(dir);
	if (!d)
		return 1;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (now - st.st_mtim.tv_sec > max_age_s)
			continue;
		if (best[0] &&
		    (st.st_mtim.tv_sec < best_t.tv_sec ||
		     (st.st_mtim.tv_sec == best_t.tv_sec && st.st_mtim.tv_nsec <= best_t.tv_nsec)))
			continue;
		if (str_fmt(best, sizeof(best), "%s/%s", dir, de->d_name))
			continue;
		best_t = st.st_mtim;
	}
	closedir(d);
	if (best[0]) {
		r = layout_read_pointer(best, hcid, size, e);
		if (r == 0 && !hcid[0])
			r = 1;
	}
	if (remove)
		fs_rm_rf(dir, NULL);
	return r;
}
