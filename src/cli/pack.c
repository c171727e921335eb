/* pack: `slipway deploy push` — packs a directory into a zip or tgz (libarchive) in a
 * temporary file, uploads it with S3 PutObject (signed, streamed from the file; the bucket is
 * created when missing) and registers it as an application revision. */
#include "cli_int.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/vec.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PACK_DEFAULT_BUCKET "slipway-revisions"
#define PACK_MAX_DEPTH	    64
/* Entries of one directory packed (a bound, as every growing array has one). */
#define PACK_MAX_ENTRIES (1 << 24)

int cli_deploy_push(struct cli_args *a);

struct pack {
	struct archive *ar;
	char root[PATH_MAX];
	int64_t files;
	int64_t bytes;
	bool has_appspec;
	char why[1024];
};

static void pack__why(struct pack *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pack__why(struct pack *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
}

static int pack__cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Adds rel (relative to the root; "" for the root itself) and everything under it, in name
 * order so that the same tree always makes the same archive. */
static int pack__add(struct pack *p, const char *rel, int depth)
{
	char path[PATH_MAX], child[PATH_MAX];
	struct stat st;
	struct archive_entry *e;
	DIR *d;
	struct dirent *de;
	VEC(char *) names = VEC_INIT(PACK_MAX_ENTRIES);
	int r = 0;

	if (str_fmt(path, sizeof(path), "%s%s%s", p->root, rel[0] ? "/" : "", rel) ||
	    lstat(path, &st) != 0) {
		pack__why(p, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (depth > PACK_MAX_DEPTH) {
		pack__why(p, "%s is nested too deeply", path);
		return -1;
	}
	if (rel[0]) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, rel);
		archive_entry_set_mode(e, st.st_mode);
		archive_entry_set_mtime(e, st.st_mtime, 0);
		if (S_ISREG(st.st_mode))
			archive_entry_set_size(e, st.st_size);
		else
			archive_entry_set_size(e, 0);
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t len = readlink(path, target, sizeof(target) - 1);

			if (len < 0) {
				archive_entry_free(e);
				pack__why(p, "cannot read link %s: %s", path, strerror(errno));
				return -1;
			}
			target[len] = '\0';
			archive_entry_set_symlink(e, target);
		}
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
			archive_entry_free(e);
			return 0; /* sockets, fifos, devices: not part of a revision */
		}
		if (archive_write_header(p->ar, e) != ARCHIVE_OK) {
			pack__why(p, "cannot add %s: %s", rel, archive_error_string(p->ar));
			archive_entry_free(e);
			return -1;
		}
		archive_entry_free(e);
		if (S_ISREG(st.st_mode)) {
			char chunk[65536];
			ssize_t got;
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd < 0) {
				pack__why(p, "cannot read %s: %s", path, strerror(errno));
				return -1;
			}
			while ((got = read(fd, chunk, sizeof(chunk))) > 0)
				if (archive_write_data(p->ar, chunk, (size_t)got) != got) {
					pack__why(p, "cannot add %s: %s", rel,
						  archive_error_string(p->ar));
					close(fd);
					return -1;
				}
			close(fd);
			if (got < 0) {
				pack__why(p, "cannot read %s: %s", path, strerror(errno));
				return -1;
			}
			p->files++;
			p->bytes += st.st_size;
			if (strcmp(rel, "appspec.yml") == 0 || strcmp(rel, "appspec.yaml") == 0)
				p->has_appspec = true;
		}
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	d = opendir(path);
	if (!d) {
		pack__why(p, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!rel[0] && strcmp(de->d_name, ".git") == 0)
			continue; /* the repository's own history is not part of the revision */
		char *name = str_dup(de->d_name);

		if (!name || vec_push(&names, name)) {
			if (name)
				pack__why(p, "%s has more than %d entries", path, PACK_MAX_ENTRIES);
			free(name);
			r = -1;
			break;
		}
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), pack__cmp);
	for (size_t i = 0; i < names.n; i++) {
		if (!r) {
			if (str_fmt(child, sizeof(child), "%s%s%s", rel, rel[0] ? "/" : "",
				    names.v[i])) {
				pack__why(p, "path too long under %s", path);
				r = -1;
			} else {
				r = pack__add(p, child, depth + 1);
			}
		}
		free(names.v[i]);
	}
	vec_release(&names);
	return r;
}

int cli_pack_tree(struct archive *ar, const char *dir, char *why, size_t size)
{
	struct pack p = { .ar = ar };
	int r;

	if (!realpath(dir, p.root)) {
		snprintf(why, size, "cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	r = pack__add(&p, "", 0);
	if (r)
		str_copy(why, size, p.why);
	return r;
}

/* Packs dir into fd as zip or tgz. */
static int pack__archive(struct pack *p, const char *dir, bool tgz, int fd)
{
	int r;

	if (!realpath(dir, p->root)) {
		pack__why(p, "cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	p->ar = archive_write_new();
	if (tgz) {
		archive_write_set_format_pax_restricted(p->ar);
		archive_write_add_filter_gzip(p->ar);
		archive_write_set_filter_option(p->ar, "gzip", "timestamp", NULL);
	} else {
		archive_write_set_format_zip(p->ar);
	}
	if (archive_write_open_fd(p->ar, fd) != ARCHIVE_OK) {
		pack__why(p, "cannot write the archive: %s", archive_error_string(p->ar));
		archive_write_free(p->ar);
		return -1;
	}
	r = pack__add(p, "", 0);
	if (archive_write_close(p->ar) != ARCHIVE_OK && !r) {
		pack__why(p, "cannot write the archive: %s", archive_error_string(p->ar));
		r = -1;
	}
	archive_write_free(p->ar);
	p->ar = NULL;
	return r;
}

static int pack__sha256(const char *path, char hex[65], int64_t *size)
{
	struct digest *d = digest_new(DIGEST_SHA256);
	uint8_t md[SHA256_LEN], chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*size = 0;
	if (fd < 0 || !d) {
		if (fd >= 0)
			close(fd);
		if (d)
			digest_free(d);
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		digest_update(d, chunk, (size_t)n);
		*size += n;
	}
	close(fd);
	digest_final(d, md);
	digest_free(d);
	if (n < 0)
		return -1;
	hex_encode(md, SHA256_LEN, hex);
	return 0;
}

/* The bucket exists afterwards (HeadBucket, else CreateBucket). */
static int pack__bucket(struct cli_args *a, const char *bucket)
{
	struct cli_s3_req head = { .method = "HEAD", .bucket = bucket };
	struct cli_s3_req create = { .method = "PUT", .bucket = bucket };

	if (cli_s3(a, &head))
		return -1;
	if (head.status == 200)
		return 0;
	if (cli_s3(a, &create))
		return -1;
	if (create.status == 200 || strcmp(create.code, "BucketAlreadyOwnedByYou") == 0)
		return 0;
	return cli_error(a, CLI_FAILED, create.code, "cannot create bucket '%s': %s", bucket,
			 create.message[0] ? create.message : "HTTP error");
}

int cli_push(struct cli_args *a, const char *app, const char *dir, json_t **rev, json_t **info)
{
	const char *bucket = cli_opt(a, "bucket"), *key = cli_opt(a, "key");
	const char *type = cli_opt(a, "bundle-type");
	/* deploy create's --description is the deployment's, not the revision's */
	const char *desc = str_eq(a->cmd->name, "push") ? cli_opt(a, "description") : NULL;
	bool tgz = type && strcmp(type, "tgz") == 0;
	char tmp[PATH_MAX], hex[65], keybuf[1024];
	const char *tmpdir = getenv("TMPDIR");
	struct pack p = { 0 };
	struct cli_s3_req put = { .method = "PUT" };
	struct stat st;
	int64_t size;
	json_t *req;
	int fd, r;

	*rev = NULL;
	if (info)
		*info = NULL;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return cli_error(a, CLI_USAGE, "", "--source '%s' is not a directory", dir);
	str_fmt(tmp, sizeof(tmp), "%s/slipway-push-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
	fd = mkstemp(tmp);
	if (fd < 0)
		return cli_error(a, CLI_FAILED, "", "cannot create a temporary file in %s: %s",
				 tmpdir && tmpdir[0] ? tmpdir : "/tmp", strerror(errno));
	r = pack__archive(&p, dir, tgz, fd);
	close(fd);
	if (!r && !p.has_appspec) {
		pack__why(&p,
			  "%s has no appspec.yml at its top: a revision needs one (see "
			  "examples/webapp)",
			  dir);
		r = -1;
	}
	if (r) {
		unlink(tmp);
		return cli_error(a, CLI_USAGE, "", "%s", p.why);
	}
	if (pack__sha256(tmp, hex, &size)) {
		unlink(tmp);
		return cli_error(a, CLI_FAILED, "", "cannot read back %s", tmp);
	}
	if (!bucket)
		bucket = PACK_DEFAULT_BUCKET;
	if (!key) {
		str_fmt(keybuf, sizeof(keybuf), "%s/%.16s.%s", app, hex, tgz ? "tgz" : "zip");
		key = keybuf;
	}
	/* the application must exist before anything is uploaded for it */
	if (cli_cd(a, "GetApplication", json_pack("{s:s}", "applicationName", app), NULL) ||
	    pack__bucket(a, bucket)) {
		unlink(tmp);
		return -1;
	}
	put.bucket = bucket;
	put.key = key;
	put.body_path = tmp;
	put.body_sha256 = hex;
	put.content_type = tgz ? "application/gzip" : "application/zip";
	r = cli_s3(a, &put);
	unlink(tmp);
	if (r)
		return -1;
	if (put.status != 200)
		return cli_error(a, CLI_FAILED, put.code, "cannot upload s3://%s/%s: %s", bucket,
				 key, put.message[0] ? put.message : "HTTP error");
	*rev = json_pack("{s:s,s:{s:s,s:s,s:s}}", "revisionType", "S3", "s3Location", "bucket",
			 bucket, "key", key, "bundleType", tgz ? "tgz" : "zip");
	if (put.etag[0])
		json_object_set_new(json_object_get(*rev, "s3Location"), "eTag",
				    json_string(put.etag));
	req = json_pack("{s:s,s:O}", "applicationName", app, "revision", *rev);
	if (desc)
		json_object_set_new(req, "description", json_string(desc));
	if (cli_cd(a, "RegisterApplicationRevision", req, NULL)) {
		json_decref(*rev);
		*rev = NULL;
		return -1;
	}
	if (info)
		*info =
		    json_pack("{s:s,s:O,s:I,s:I,s:I,s:s}", "applicationName", app, "revision", *rev,
			      "archiveBytes", (json_int_t)size, "files", (json_int_t)p.files,
			      "contentBytes", (json_int_t)p.bytes, "sha256", hex);
	return 0;
}

int cli_deploy_push(struct cli_args *a)
{
	json_t *rev, *info;
	struct buf s = BUF_INIT(4096);

	if (cli_push(a, cli_opt(a, "app"), cli_opt(a, "source"), &rev, &info))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(info);
	} else if (a->g.output == CLI_OUT_TEXT) {
		const json_t *s3 = json_object_get(rev, "s3Location");

		printf("s3://%s/%s\t%s\t%s\n", json_string_value(json_object_get(s3, "bucket")),
		       json_string_value(json_object_get(s3, "key")),
		       json_string_value(json_object_get(s3, "bundleType")),
		       json_string_value(json_object_get(s3, "eTag")));
	} else {
		const json_t *s3 = json_object_get(rev, "s3Location");

		cli_revision_str(rev, &s);
		printf("pushed %lld files (%lld bytes packed into %lld) as a revision of %s\n",
		       (long long)json_integer_value(json_object_get(info, "files")),
		       (long long)json_integer_value(json_object_get(info, "contentBytes")),
		       (long long)json_integer_value(json_object_get(info, "archiveBytes")),
		       json_string_value(json_object_get(info, "applicationName")));
		cli_kv(a, "revision", "%s", buf_str(&s));
		cli_kv(a, "etag", "%s", json_string_value(json_object_get(s3, "eTag")));
		printf("deploy it: slipway deploy create --app %s --group GROUP --s3 s3://%s/%s\n",
		       json_string_value(json_object_get(info, "applicationName")),
		       json_string_value(json_object_get(s3, "bucket")),
		       json_string_value(json_object_get(s3, "key")));
	}
	buf_release(&s);
	json_decref(rev);
	json_decref(info);
	return CLI_OK;
}
