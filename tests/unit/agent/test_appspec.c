/* test_appspec: AppSpec parsing and every validation message (key and line named). */
#include "agent/appspec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

static int parse(const char *yaml, struct appspec *as, struct err *e)
{
	err_clear(e);
	return appspec_parse(yaml, strlen(yaml), "appspec.yml", NULL, as, e);
}

static void test_full_appspec(void **state)
{
	const char *yaml = "version: 0.0\n"
			   "os: linux\n"
			   "files:\n"
			   "  - source: /\n"
			   "    destination: /var/www\n"
			   "  - source: conf/app.conf\n"
			   "    destination: /etc/app\n"
			   "file_exists_behavior: overwrite\n"
			   "permissions:\n"
			   "  - object: /var/www\n"
			   "    pattern: \"*.html\"\n"
			   "    except: [secret.html]\n"
			   "    owner: www-data\n"
			   "    group: www-data\n"
			   "    mode: 644\n"
			   "    acls:\n"
			   "      - u:bob:rw\n"
			   "      - d:g:staff:5\n"
			   "    context:\n"
			   "      name: system_u\n"
			   "      type: httpd_sys_content_t\n"
			   "      range: s0-s1:c0.c3,c7\n"
			   "    type: [file]\n"
			   "hooks:\n"
			   "  ApplicationStop:\n"
			   "  BeforeInstall:\n"
			   "    - location: scripts/a.sh\n"
			   "      timeout: 30\n"
			   "      runas: deploy\n"
			   "    - location: \" scripts/b.sh \"\n"
			   "      sudo: true\n";
	struct appspec as;
	struct err e;
	const struct appspec_hook *h;

	(void)state;
	assert_int_equal(parse(yaml, &as, &e), 0);
	assert_int_equal(as.nfiles, 2);
	assert_string_equal(as.files[0].source, "/");
	assert_string_equal(as.files[1].destination, "/etc/app");
	assert_int_equal(as.files[1].line, 6);
	assert_int_equal(as.file_exists_behavior, APPSPEC_FEB_OVERWRITE);
	assert_int_equal(as.npermissions, 1);
	assert_string_equal(as.permissions[0].pattern, "*.html");
	assert_int_equal(as.permissions[0].nexcept, 1);
	assert_string_equal(as.permissions[0].mode, "644");
	assert_int_equal(as.permissions[0].nacls, 2);
	assert_true(as.permissions[0].has_default_acl);
	assert_string_equal(as.permissions[0].context->user, "system_u");
	assert_string_equal(as.permissions[0].context->range, "s0-s1:c0.c3,c7");
	assert_int_equal(as.permissions[0].type, APPSPEC_TYPE_FILE);
	h = appspec_hook(&as, "BeforeInstall");
	assert_non_null(h);
	assert_int_equal(h->nscripts, 2);
	assert_int_equal(h->scripts[0].timeout, 30);
	assert_string_equal(h->scripts[0].runas, "deploy");
	assert_string_equal(h->scripts[1].location, "scripts/b.sh");
	assert_int_equal(h->scripts[1].timeout, 3600);
	assert_true(h->scripts[1].sudo);
	h = appspec_hook(&as, "ApplicationStop");
	assert_non_null(h);
	assert_int_equal(h->nscripts, 0); /* a null list is ignored */
	assert_null(appspec_hook(&as, "ValidateService"));
	appspec_release(&as);
}

static void test_defaults_and_short_mode(void **state)
{
	struct appspec as;
	struct err e;

	(void)state;
	assert_int_equal(
	    parse("version: 0\nos: linux\npermissions:\n  - object: /x\n    mode: 7\n", &as, &e),
	    0);
	assert_string_equal(as.permissions[0].pattern, "**");
	assert_string_equal(as.permissions[0].mode, "007");
	assert_int_equal(as.permissions[0].type, APPSPEC_TYPE_FILE | APPSPEC_TYPE_DIRECTORY);
	assert_int_equal(as.file_exists_behavior, APPSPEC_FEB_UNSET);
	appspec_release(&as);
	/* ".." that stays inside the bundle is fine */
	assert_int_equal(parse("version: 0.0\nos: linux\nfiles:\n  - source: conf/./../site/..\n"
			       "    destination: /srv/../var/www/\n",
			       &as, &e),
			 0);
	assert_string_equal(as.files[0].source, "conf/./../site/..");
	appspec_release(&as);
	/* JSON is YAML too */
	assert_int_equal(parse("{\"version\": 0.0, \"os\": \"linux\"}", &as, &e), 0);
	appspec_release(&as);
}

/* Each invalid AppSpec and the message it must produce. */
static const struct {
	const char *yaml;
	const char *message;
} bad[] = {
	{ "", "appspec.yml: the application specification file was empty" },
	{ "# nothing\n", "appspec.yml: the application specification file was empty" },
	{ "- a\n- b\n", "appspec.yml line 1: the top level must be a mapping" },
	{ "os: linux\n", "appspec.yml: missing required key 'version' (must be 0.0)" },
	{ "version: 1.0\nos: linux\n",
	  "appspec.yml line 1: invalid version value '1.0' in 'version' (must be 0.0)" },
	{ "version: \"0.0\"\nos: linux\n",
	  "appspec.yml line 1: invalid version value in 'version' (must be 0.0)" },
	{ "version: 0.0\n", "appspec.yml: missing required key 'os' (must be linux)" },
	{ "version: 0.0\nos: windows\n",
	  "appspec.yml line 2: unsupported operating system 'windows' in 'os'" },
	{ "version: 0.0\nos: [linux]\n", "appspec.yml line 2: 'os' must be a string" },
	{ "version: 0.0\nos: linux\nfiles: x\n", "appspec.yml line 3: 'files' must be a list" },
	{ "version: 0.0\nos: linux\nfiles:\n  - x\n",
	  "appspec.yml line 4: 'files' entry must be a mapping" },
	{ "version: 0.0\nos: linux\nfiles:\n  - destination: /x\n",
	  "appspec.yml line 4: 'files' entry has no 'source'" },
	{ "version: 0.0\nos: linux\nfiles:\n  - source: a\n",
	  "appspec.yml line 4: 'files' entry has no 'destination'" },
	{ "version: 0.0\nos: linux\nfiles:\n  - source: a\n    destination: [x]\n",
	  "appspec.yml line 5: 'destination' must be a string" },
	{ "version: 0.0\nos: linux\nfiles:\n  - source: ''\n    destination: /x\n",
	  "appspec.yml line 4: 'files' entry has an empty 'source' or 'destination'" },
	{ "version: 0.0\nos: linux\nfiles:\n  - source: a\n    destination: www\n",
	  "appspec.yml line 5: 'files' destination 'www' must be an absolute path" },
	{ "version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: /srv\n"
	  "  - destination: ./site\n    source: a\n",
	  "appspec.yml line 6: 'files' destination './site' must be an absolute path" },
	{ "version: 0.0\nos: linux\nfiles:\n  - source: ../../etc/passwd\n    destination: /x\n",
	  "appspec.yml line 4: 'files' source '../../etc/passwd' points outside the bundle" },
	{ "version: 0.0\nos: linux\nfiles:\n  - source: conf/../../x\n    destination: /x\n",
	  "appspec.yml line 4: 'files' source 'conf/../../x' points outside the bundle" },
	{ "version: 0.0\nos: linux\nfiles:\n  - source: /../etc\n    destination: /x\n",
	  "appspec.yml line 4: 'files' source '/../etc' points outside the bundle" },
	{ "version: 0.0\nos: linux\nfile_exists_behavior: SOMETIMES\n",
	  "appspec.yml line 3: invalid 'file_exists_behavior' value 'SOMETIMES'" },
	{ "version: 0.0\nos: linux\npermissions: {}\n",
	  "appspec.yml: 'permissions' must be a list" },
	{ "version: 0.0\nos: linux\npermissions:\n  - mode: 644\n",
	  "appspec.yml line 4: 'permissions' entry has no 'object'" },
	{ "version: 0.0\nos: linux\npermissions:\n  - 3\n",
	  "appspec.yml line 4: 'permissions' entry must be a mapping" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    mode: 12345\n",
	  "appspec.yml line 5: permission mode length incorrect in 'mode'" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    mode: 648\n",
	  "appspec.yml line 5: invalid character '8' in permission 'mode' '648'" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    type: [socket]\n",
	  "appspec.yml line 5: invalid 'type' 'socket' in 'permissions' (file or directory)" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    colour: red\n",
	  "appspec.yml line 5: unknown key in 'permissions' entry" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    os: windows\n",
	  "appspec.yml line 5: 'permissions' are not supported for os 'windows'" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    acls: ['u::rw']\n",
	  "appspec.yml line 5: in 'acls': use mode to set the base acl entry 'u::rw'" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    acls: ['x:bob:rw']\n",
	  "appspec.yml line 5: in 'acls': invalid acl entry 'x:bob:rw'" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    acls: ['u:bob:rwz']\n",
	  "appspec.yml line 5: in 'acls': unrecognized permission in acl entry 'u:bob:rwz'" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    acls: ['a:b:c:d:e']\n",
	  "appspec.yml line 5: in 'acls': invalid acl entry 'a:b:c:d:e'" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    context: x\n",
	  "appspec.yml line 5: 'context' must be a mapping" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    context:\n      name: u\n",
	  "appspec.yml line 6: 'context' needs a 'type'" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    context:\n      role: r\n"
	  "      type: t\n",
	  "appspec.yml line 6: 'context' does not accept 'role'" },
	{ "version: 0.0\nos: linux\npermissions:\n  - object: /x\n    context:\n      type: t\n"
	  "      range: s0:c1024\n",
	  "appspec.yml line 7: in 'context' 'range': invalid SELinux range 's0:c1024'" },
	{ "version: 0.0\nos: linux\nhooks: [a]\n",
	  "appspec.yml line 3: 'hooks' must be a mapping of event names to script lists" },
	{ "version: 0.0\nos: linux\nhooks:\n  BeforeInstall: scripts/x.sh\n",
	  "appspec.yml line 4: 'hooks' event 'BeforeInstall' must be a list of scripts" },
	{ "version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - timeout: 5\n",
	  "appspec.yml line 5: hook script provided without a 'location' value" },
	{ "version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - scripts/x.sh\n",
	  "appspec.yml line 5: hook script must be a mapping with 'location'" },
	{ "version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: x\n      timeout: "
	  "0\n",
	  "appspec.yml line 6: 'timeout' must be an integer number of seconds greater than 0 (got "
	  "'0')" },
	{ "version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: x\n"
	  "      timeout: soon\n",
	  "appspec.yml line 6: 'timeout' must be an integer number of seconds greater than 0" },
	{ "version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: x\n      sudo: "
	  "maybe\n",
	  "appspec.yml line 6: 'sudo' must be true or false" },
	{ "version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: x\n      user: me\n",
	  "appspec.yml line 6: unknown key in hook script" },
	{ "version: 0.0\nos: linux\nhooks: [\n", "appspec.yml line 4: invalid YAML:" },
	{ "version: 0.0\nos: linux\nos: linux\n",
	  "appspec.yml line 3: invalid YAML: duplicate key" },
	{ "  version: 0.0\n  os: linux\nhooks:\n", "appspec.yml line 3: invalid YAML:" },
	{ "%\xff", "appspec.yml line 1: the file is not valid UTF-8" },
	{ "version: 0.0\nos: \"linu\xc0\x80\"\n",
	  "appspec.yml line 2: the file is not valid UTF-8" },
	{ "version: 0.0\nos: linux\n---\nversion: 0.0\n",
	  "appspec.yml line 4: more than one YAML document" },
};

static void test_every_error_message(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct appspec as;
		struct err e;
		int r = parse(bad[i].yaml, &as, &e);

		if (r != -SW_E_INVALID || !strstr(err_message(&e), bad[i].message))
			fail_msg("case %zu: got %d '%s', want '%s'", i, r, err_message(&e),
				 bad[i].message);
		appspec_release(&as);
	}
}

static void test_allowed_events(void **state)
{
	const char *allowed[] = { "BeforeInstall", "Custom", NULL };
	const char *yaml = "version: 0.0\nos: linux\nhooks:\n  Custom:\n    - location: a\n"
			   "  Other:\n    - location: b\n";
	struct appspec as;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(appspec_parse(yaml, strlen(yaml), "appspec.yml", allowed, &as, &e),
			 -SW_E_INVALID);
	assert_string_equal(err_message(&e),
			    "appspec.yml line 6: unknown lifecycle event 'Other' in 'hooks'");
	appspec_release(&as);
	assert_int_equal(appspec_parse(yaml, strlen(yaml), "appspec.yml", NULL, &as, &e), 0);
	appspec_release(&as);
}

static void test_acl_and_range_and_glob(void **state)
{
	bool def;

	(void)state;
	assert_int_equal(appspec_acl_check("u:bob:rwx", &def, NULL), 0);
	assert_false(def);
	assert_int_equal(appspec_acl_check("default:group:staff:r-x", &def, NULL), 0);
	assert_true(def);
	assert_int_equal(appspec_acl_check("m::rw", &def, NULL), 0);
	assert_int_equal(appspec_acl_check("bob:7", &def, NULL), 0);
	assert_int_equal(appspec_acl_check("d::rw", &def, NULL), 0);
	assert_int_equal(appspec_acl_check("o::r", &def, NULL), -SW_E_INVALID);
	assert_int_equal(appspec_acl_check("u:bob:8", &def, NULL), -SW_E_INVALID);
	assert_int_equal(appspec_acl_check("rw", &def, NULL), -SW_E_INVALID);
	assert_int_equal(appspec_range_check("s0", NULL), 0);
	assert_int_equal(appspec_range_check("s0-s15:c0.c1023", NULL), 0);
	assert_int_equal(appspec_range_check("s0:c1,c2.c5", NULL), 0);
	assert_int_equal(appspec_range_check("s0:", NULL), -SW_E_INVALID);
	assert_int_equal(appspec_range_check("t0", NULL), -SW_E_INVALID);
	assert_true(appspec_glob("*.html", "index.html"));
	assert_true(appspec_glob("*", "x"));
	assert_false(appspec_glob("*.html", "a/index.html"));
	assert_false(appspec_glob("*.html", "index.htm"));
	assert_true(appspec_glob("a*b*c", "aXbYc"));
}

static void test_feb_names(void **state)
{
	(void)state;
	assert_int_equal(appspec_feb_parse("retain"), APPSPEC_FEB_RETAIN);
	assert_int_equal(appspec_feb_parse("DISALLOW"), APPSPEC_FEB_DISALLOW);
	assert_int_equal(appspec_feb_parse("x"), APPSPEC_FEB_UNSET);
	assert_string_equal(appspec_feb_name(APPSPEC_FEB_UNSET), "DISALLOW");
	assert_true(appspec_event_scriptable("ApplicationStop"));
	assert_false(appspec_event_scriptable("Install"));
	assert_false(appspec_event_scriptable("Start"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_appspec),
		cmocka_unit_test(test_defaults_and_short_mode),
		cmocka_unit_test(test_every_error_message),
		cmocka_unit_test(test_allowed_events),
		cmocka_unit_test(test_acl_and_range_and_glob),
		cmocka_unit_test(test_feb_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
