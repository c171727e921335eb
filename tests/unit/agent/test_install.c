/* test_install: the install planner (DISALLOW/OVERWRITE/RETAIN, duplicates, ancestors,
 * permissions matching), install.json, the executor and cleanup-file replay. */
#include "agent/install.h"
#include "agent/layout.h"
#include "base/fs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[256];

static void put(const char *rel, const char *text)
{
	char path[512], dir[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(fs_mkdir_p(dir, 0755, NULL), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static bool exists(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	return lstat(path, &st) == 0;
}

static char *slurp(const char *rel)
{
	static char data[8192];
	char path[512];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	fp = fopen(path, "r");
	if (!fp)
		return NULL;
	n = fread(data, 1, sizeof(data) - 1, fp);
	data[n] = '\0';
	fclose(fp);
	return data;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/sw-install-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	put("archive/appspec.yml", "version: 0.0\n");
	put("archive/site/index.html", "<h1>hi</h1>\n");
	put("archive/site/about.html", "about\n");
	put("archive/site/css/app.css", "body{}\n");
	put("archive/bin/run", "#!/bin/sh\n");
	put("archive/conf/css", "not a directory\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fs_rm_rf(tmp, NULL);
	return 0;
}

static int plan_for(struct install_plan *plan, const char *yaml, enum appspec_feb feb,
		    struct err *e)
{
	char archive[512], text[4096];
	struct appspec as;
	int r;

	snprintf(archive, sizeof(archive), "%s/archive", tmp);
	snprintf(text, sizeof(text), yaml, tmp, tmp, tmp, tmp);
	install_plan_init(plan);
	err_clear(e);
	r = appspec_parse(text, strlen(text), "appspec.yml", NULL, &as, e);
	assert_int_equal(r, 0);
	r = install_plan_build(plan, &as, archive, feb, e);
	/* the plan borrows permissions: run the checks that need them before release */
	if (r == 0) {
		char json[512];

		snprintf(json, sizeof(json), "%s/plan.json", tmp);
		assert_int_equal(install_plan_write_json(plan, json, e), 0);
	}
	appspec_release(&as);
	return r;
}

static void test_expand_path(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(install_expand_path("/a//b/./c/../d/", out, sizeof(out)), 0);
	assert_string_equal(out, "/a/b/d");
	assert_int_equal(install_expand_path("/..", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(install_expand_path("/", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
}

static void test_directory_copy_with_missing_ancestors(void **state)
{
	struct install_plan plan;
	struct err e;
	char want[512];

	(void)state;
	assert_int_equal(plan_for(&plan,
				  "version: 0.0\nos: linux\nfiles:\n"
				  "  - source: site\n    destination: %s/www/deep/html\n"
				  "  - source: bin/run\n    destination: %s/opt/bin/\n",
				  APPSPEC_FEB_UNSET, &e),
			 0);
	/* ancestors first (shallowest first), then the tree in name order, then the file */
	assert_int_equal(plan.n, 10);
	assert_int_equal(plan.cmds[0].type, INSTALL_MKDIR);
	snprintf(want, sizeof(want), "%s/www", tmp);
	assert_string_equal(plan.cmds[0].path, want);
	snprintf(want, sizeof(want), "%s/www/deep", tmp);
	assert_string_equal(plan.cmds[1].path, want);
	snprintf(want, sizeof(want), "%s/www/deep/html", tmp);
	assert_string_equal(plan.cmds[2].path, want);
	assert_int_equal(plan.cmds[3].type, INSTALL_COPY);
	snprintf(want, sizeof(want), "%s/www/deep/html/about.html", tmp);
	assert_string_equal(plan.cmds[3].path, want);
	assert_int_equal(plan.cmds[4].type, INSTALL_MKDIR); /* css */
	snprintf(want, sizeof(want), "%s/opt/bin", tmp);
	assert_string_equal(plan.cmds[8].path, want);
	snprintf(want, sizeof(want), "%s/opt/bin/run", tmp);
	assert_string_equal(plan.cmds[9].path, want);
	assert_non_null(strstr(slurp("plan.json"), "{\"instructions\":[{\"type\":\"mkdir\","
						   "\"directory\":\""));
	assert_non_null(strstr(slurp("plan.json"), "{\"type\":\"copy\",\"source\":\""));
	install_plan_release(&plan);
}

static void test_existing_file_behaviors(void **state)
{
	const char *yaml = "version: 0.0\nos: linux\nfiles:\n"
			   "  - source: site\n    destination: %s/dst\n";
	struct install_plan plan;
	struct err e;
	char want[512];

	(void)state;
	put("dst/index.html", "old\n");
	assert_int_equal(plan_for(&plan, yaml, APPSPEC_FEB_DISALLOW, &e), -SW_E_INVALID);
	snprintf(want, sizeof(want),
		 "The deployment failed because a specified file already exists at this "
		 "location: %s/dst/index.html",
		 tmp);
	assert_string_equal(err_message(&e), want);
	install_plan_release(&plan);
	/* unset behaves as DISALLOW */
	assert_int_equal(plan_for(&plan, yaml, APPSPEC_FEB_UNSET, &e), -SW_E_INVALID);
	install_plan_release(&plan);

	assert_int_equal(plan_for(&plan, yaml, APPSPEC_FEB_OVERWRITE, &e), 0);
	snprintf(want, sizeof(want), "%s/dst/index.html", tmp);
	{
		bool found = false;

		for (size_t i = 0; i < plan.n; i++)
			found |=
			    plan.cmds[i].type == INSTALL_COPY && !strcmp(plan.cmds[i].path, want);
		assert_true(found);
	}
	install_plan_release(&plan);

	assert_int_equal(plan_for(&plan, yaml, APPSPEC_FEB_RETAIN, &e), 0);
	for (size_t i = 0; i < plan.n; i++)
		assert_string_not_equal(plan.cmds[i].path, want);
	/* the existing directory is reused, not created */
	snprintf(want, sizeof(want), "%s/dst", tmp);
	for (size_t i = 0; i < plan.n; i++)
		assert_string_not_equal(plan.cmds[i].path, want);
	install_plan_release(&plan);
}

static void test_duplicates_are_errors(void **state)
{
	struct install_plan plan;
	struct err e;

	(void)state;
	assert_int_equal(plan_for(&plan,
				  "version: 0.0\nos: linux\nfiles:\n"
				  "  - source: site/index.html\n    destination: %s/d1\n"
				  "  - source: site/index.html\n    destination: %s/d1/\n",
				  APPSPEC_FEB_UNSET, &e),
			 -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "Duplicate copy instruction to"));
	install_plan_release(&plan);
	assert_int_equal(plan_for(&plan,
				  "version: 0.0\nos: linux\nfiles:\n"
				  "  - source: site\n    destination: %s/d2\n"
				  "  - source: conf/css\n    destination: %s/d2\n",
				  APPSPEC_FEB_UNSET, &e),
			 -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "which is already being installed as a directory"));
	install_plan_release(&plan);
	{
		/* The parser refuses such a source; the plan refuses it too (built by hand here).
		 */
		char archive[512], dst[512];
		struct appspec_file f = { .source = "../../etc/passwd",
					  .destination = dst,
					  .line = 4 };
		struct appspec as = { .files = &f, .nfiles = 1 };

		snprintf(archive, sizeof(archive), "%s/archive", tmp);
		snprintf(dst, sizeof(dst), "%s/d3", tmp);
		install_plan_init(&plan);
		err_clear(&e);
		assert_int_equal(install_plan_build(&plan, &as, archive, APPSPEC_FEB_DISALLOW, &e),
				 -SW_E_INVALID);
		assert_non_null(strstr(err_message(&e), "points outside the bundle"));
		install_plan_release(&plan);
	}
	assert_int_equal(plan_for(&plan,
				  "version: 0.0\nos: linux\nfiles:\n"
				  "  - source: nope.txt\n    destination: %s/d3\n",
				  APPSPEC_FEB_UNSET, &e),
			 -SW_E_INVALID);
	assert_non_null(
	    strstr(err_message(&e), "line 4: 'files' source 'nope.txt' does not exist"));
	install_plan_release(&plan);
}

static size_t count_type(const struct install_plan *plan, enum install_type t, const char *suffix)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n; i++)
		if (plan->cmds[i].type == t &&
		    (!suffix ||
		     (strlen(plan->cmds[i].path) >= strlen(suffix) &&
		      !strcmp(plan->cmds[i].path + strlen(plan->cmds[i].path) - strlen(suffix),
			      suffix))))
			n++;
	return n;
}

static void test_permissions_matching(void **state)
{
	struct install_plan plan;
	struct err e;

	(void)state;
	/* "*.html" matches immediate children only; except removes about.html; type file */
	assert_int_equal(
	    plan_for(&plan,
		     "version: 0.0\nos: linux\nfiles:\n"
		     "  - source: site\n    destination: %s/p1\n"
		     "permissions:\n"
		     "  - object: %s/p1\n    pattern: '*.html'\n    except: [about.html]\n"
		     "    mode: 600\n    type: [file]\n",
		     APPSPEC_FEB_UNSET, &e),
	    0);
	assert_int_equal(count_type(&plan, INSTALL_CHMOD, NULL), 1);
	assert_int_equal(count_type(&plan, INSTALL_CHMOD, "/p1/index.html"), 1);
	install_plan_release(&plan);

	/* "**" matches everything below the object, at any depth, files and directories; the
	 * object itself is not matched; order per path chmod → chown */
	assert_int_equal(plan_for(&plan,
				  "version: 0.0\nos: linux\nfiles:\n"
				  "  - source: site\n    destination: %s/p2\n"
				  "permissions:\n"
				  "  - object: %s/p2\n    mode: 0750\n    owner: root\n",
				  APPSPEC_FEB_UNSET, &e),
			 0);
	assert_int_equal(count_type(&plan, INSTALL_CHMOD, NULL), 4); /* 3 files + css dir */
	assert_int_equal(count_type(&plan, INSTALL_CHOWN, NULL), 4);
	assert_int_equal(count_type(&plan, INSTALL_CHMOD, "/p2"), 0);
	assert_non_null(
	    strstr(slurp("plan.json"), "{\"type\":\"chmod\",\"mode\":\"0750\",\"file\":"));
	assert_non_null(strstr(slurp("plan.json"),
			       "{\"type\":\"chown\",\"owner\":\"root\",\"group\":null,\"file\":"));
	install_plan_release(&plan);

	/* a path may get permissions once */
	assert_int_equal(plan_for(&plan,
				  "version: 0.0\nos: linux\nfiles:\n"
				  "  - source: site\n    destination: %s/p3\n"
				  "permissions:\n"
				  "  - object: %s/p3\n    mode: 600\n"
				  "  - object: %s/p3/css\n    mode: 644\n",
				  APPSPEC_FEB_UNSET, &e),
			 -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "Duplicate permission setting for"));
	install_plan_release(&plan);

	/* an object that is a copied file needs pattern ** and no except, and no default acl */
	assert_int_equal(plan_for(&plan,
				  "version: 0.0\nos: linux\nfiles:\n"
				  "  - source: bin/run\n    destination: %s/p4\n"
				  "permissions:\n"
				  "  - object: %s/p4/run\n    pattern: '*.sh'\n    mode: 755\n",
				  APPSPEC_FEB_UNSET, &e),
			 -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "is a file, so pattern must be **"));
	install_plan_release(&plan);
	assert_int_equal(plan_for(&plan,
				  "version: 0.0\nos: linux\nfiles:\n"
				  "  - source: bin/run\n    destination: %s/p5\n"
				  "permissions:\n"
				  "  - object: %s/p5/run\n    acls: ['d:u:bob:rw']\n",
				  APPSPEC_FEB_UNSET, &e),
			 -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "default acls are not allowed on file"));
	install_plan_release(&plan);

	/* only paths created by this install are touched: an object outside is ignored */
	assert_int_equal(plan_for(&plan,
				  "version: 0.0\nos: linux\nfiles:\n"
				  "  - source: bin/run\n    destination: %s/p6\n"
				  "permissions:\n"
				  "  - object: /etc\n    mode: 777\n",
				  APPSPEC_FEB_UNSET, &e),
			 0);
	assert_int_equal(count_type(&plan, INSTALL_CHMOD, NULL), 0);
	install_plan_release(&plan);
}

static void test_execute_and_cleanup_replay(void **state)
{
	char archive[512], cleanup[512], path[512], link[512];
	struct install_plan plan;
	struct appspec as;
	struct err e = { 0 };
	struct stat st;
	char yaml[1024];
	FILE *fp;

	(void)state;
	snprintf(archive, sizeof(archive), "%s/archive", tmp);
	snprintf(cleanup, sizeof(cleanup), "%s/cleanup", tmp);
	snprintf(yaml, sizeof(yaml),
		 "version: 0.0\nos: linux\nfiles:\n  - source: site\n    destination: %s/x/www\n"
		 "permissions:\n  - object: %s/x/www\n    pattern: '*.html'\n    mode: 600\n",
		 tmp, tmp);
	assert_int_equal(appspec_parse(yaml, strlen(yaml), "appspec.yml", NULL, &as, &e), 0);
	install_plan_init(&plan);
	assert_int_equal(install_plan_build(&plan, &as, archive, APPSPEC_FEB_DISALLOW, &e), 0);
	assert_int_equal(install_plan_execute(&plan, cleanup, &e), 0);
	install_plan_release(&plan);
	appspec_release(&as);
	assert_string_equal(slurp("x/www/css/app.css"), "body{}\n");
	snprintf(path, sizeof(path), "%s/x/www/index.html", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/x/www/css/app.css", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	{
		char want[2048];

		snprintf(want, sizeof(want),
			 "%s/x\n%s/x/www\n%s/x/www/about.html\n%s/x/www/css\n"
			 "%s/x/www/css/app.css\n%s/x/www/index.html\n",
			 tmp, tmp, tmp, tmp, tmp, tmp);
		assert_string_equal(slurp("cleanup"), want);
	}

	/* replay: a script's file keeps its directory; a trailing partial line is skipped;
	 * symlinks are unlinked, not followed */
	put("x/www/created-by-script", "keep me\n");
	put("victim/file", "must survive\n");
	snprintf(link, sizeof(link), "%s/x/link", tmp);
	snprintf(path, sizeof(path), "%s/victim", tmp);
	assert_int_equal(symlink(path, link), 0);
	fp = fopen(cleanup, "a");
	fprintf(fp, "%s\n%s/victim/file", link, tmp);
	fclose(fp);
	assert_int_equal(install_cleanup(cleanup, &e), 0);
	assert_false(exists("cleanup"));
	assert_false(exists("x/www/index.html"));
	assert_false(exists("x/www/css"));
	assert_false(exists("x/link"));
	assert_true(exists("victim/file"));
	assert_true(exists("x/www/created-by-script"));
	assert_true(exists("x/www")); /* not empty: kept */
	/* a missing cleanup file is fine */
	assert_int_equal(install_cleanup(cleanup, &e), 0);
}

static void test_acls_need_setfacl(void **state)
{
	char archive[512], cleanup[512], yaml[1024];
	struct install_plan plan;
	struct appspec as;
	struct err e = { 0 };
	int r;

	(void)state;
	if (access("/usr/bin/setfacl", X_OK) == 0 || access("/bin/setfacl", X_OK) == 0)
		skip();
	snprintf(archive, sizeof(archive), "%s/archive", tmp);
	snprintf(cleanup, sizeof(cleanup), "%s/cleanup2", tmp);
	snprintf(yaml, sizeof(yaml),
		 "version: 0.0\nos: linux\nfiles:\n  - source: bin/run\n    destination: %s/acl\n"
		 "permissions:\n  - object: %s/acl/run\n    acls: ['u:root:rw']\n",
		 tmp, tmp);
	assert_int_equal(appspec_parse(yaml, strlen(yaml), "appspec.yml", NULL, &as, &e), 0);
	install_plan_init(&plan);
	assert_int_equal(install_plan_build(&plan, &as, archive, APPSPEC_FEB_DISALLOW, &e), 0);
	r = install_plan_execute(&plan, cleanup, &e);
	install_plan_release(&plan);
	appspec_release(&as);
	assert_int_equal(r, -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "setfacl is not installed on this host"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_path),
		cmocka_unit_test(test_directory_copy_with_missing_ancestors),
		cmocka_unit_test(test_existing_file_behaviors),
		cmocka_unit_test(test_duplicates_are_errors),
		cmocka_unit_test(test_permissions_matching),
		cmocka_unit_test(test_execute_and_cleanup_replay),
		cmocka_unit_test(test_acls_need_setfacl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
