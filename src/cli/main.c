/* slipway: the command-line client's executable — parses the command line against the
 * command table, answers --version, --help, --man and `completion bash` by itself, and only
 * then loads the command module (slipway-cli.so, which links libcurl, libarchive and the
 * agent's library) to run the command.  See cli.h for why. */
#include "cli.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SLIPWAY_CLI_MODULE_DIR
#define SLIPWAY_CLI_MODULE_DIR "/usr/local/lib/slipway"
#endif
#ifndef SLIPWAY_CLI_MODULE_RELDIR
#define SLIPWAY_CLI_MODULE_RELDIR "lib/slipway"
#endif
#define MODULE_NAME "slipway-cli.so"

/* Tries to load path; NULL (with *why set when the file exists but does not load) if not. */
static void *main__try(const char *path, const char **why)
{
	void *h;

	if (access(path, R_OK) != 0)
		return NULL;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		*why = dlerror();
	return h;
}

/* Loads the module: $SLIPWAY_CLI_MODULE, else beside the executable (a build tree), else
 * where it is installed relative to the executable (bin/../lib/.../slipway), else the
 * configured install directory. */
static void *main__load_module(void)
{
	char self[PATH_MAX], path[PATH_MAX + 64];
	const char *env = getenv("SLIPWAY_CLI_MODULE"), *why = NULL;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	void *h = NULL;

	if (env && env[0])
		h = main__try(env, &why);
	if (!h && !why && n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", self, MODULE_NAME);
			h = main__try(path, &why);
			if (!h && !why) {
				snprintf(path, sizeof(path), "%s/../%s/%s", self,
					 SLIPWAY_CLI_MODULE_RELDIR, MODULE_NAME);
				h = main__try(path, &why);
			}
		}
	}
	if (!h && !why) {
		snprintf(path, sizeof(path), "%s/%s", SLIPWAY_CLI_MODULE_DIR, MODULE_NAME);
		h = main__try(path, &why);
	}
	if (!h)
		fprintf(stderr, "slipway: cannot load %s: %s (is slipway installed completely?)\n",
			MODULE_NAME, why ? why : "not found");
	return h;
}

static void *main__symbol(void *h, const char *name)
{
	void *sym = dlsym(h, name);

	if (!sym)
		fprintf(stderr, "slipway: %s has no '%s': %s\n", MODULE_NAME, name, dlerror());
	return sym;
}

/* `slipway help [GROUP [COMMAND]]`. */
static int main__help(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc == 0) {
		cli_help_top(stdout);
		return CLI_OK;
	}
	if (!cli_group_exists(argv[0])) {
		fprintf(stderr, "slipway help: unknown command '%s'\n", argv[0]);
		return CLI_USAGE;
	}
	c = cli_find(argv[0], argc > 1 ? argv[1] : NULL);
	if (argc > 1 && !c) {
		fprintf(stderr, "slipway help: unknown command '%s %s'\n", argv[0], argv[1]);
		return CLI_USAGE;
	}
	if (c && (argc > 1 || !c->name))
		cli_help_command(stdout, c);
	else
		cli_help_group(stdout, argv[0]);
	return CLI_OK;
}

static void main__release(struct cli_args *a)
{
	for (int i = 0; i < CLI_OPTS_MAX; i++)
		free(a->opt[i].v);
	free(a->pos);
}

int main(int argc, char **argv)
{
	struct cli_args a = { .argv0 = argv[0] };
	const struct cli_command *c;
	int i = 1, start, r;
	void *h;

	/* global options before the command */
	while (i < argc && argv[i][0] == '-') {
		int used;

		if (strcmp(argv[i], "--version") == 0) {
			printf("slipway %s\n", cli_version);
			return CLI_OK;
		}
		if (strcmp(argv[i], "--man") == 0) {
			cli_man(stdout);
			return CLI_OK;
		}
		r = cli_parse_global(&a.g, argv[i], i + 1 < argc ? argv[i + 1] : NULL, &used);
		if (r == 2) {
			cli_help_top(stdout);
			return CLI_OK;
		}
		if (r == 1) {
			fprintf(stderr, "slipway: unknown option '%s'\n", argv[i]);
			fprintf(stderr, "Run 'slipway --help' for the commands and options.\n");
			return CLI_USAGE;
		}
		if (r < 0)
			return CLI_USAGE;
		i += used;
	}
	if (i >= argc) {
		cli_help_top(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return main__help(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "version") == 0) {
		printf("slipway %s\n", cli_version);
		return CLI_OK;
	}
	if (!cli_group_exists(argv[i])) {
		fprintf(stderr, "slipway: unknown command '%s'\n", argv[i]);
		fprintf(stderr, "Run 'slipway --help' for the commands.\n");
		return CLI_USAGE;
	}
	c = cli_find(argv[i], NULL);
	if (c && !c->name) {
		start = i + 1;
	} else {
		if (i + 1 >= argc || argv[i + 1][0] == '-') {
			bool help = i + 1 < argc && (strcmp(argv[i + 1], "--help") == 0 ||
						     strcmp(argv[i + 1], "-h") == 0);

			if (!help)
				fprintf(stderr, "slipway %s: missing command\n", argv[i]);
			cli_help_group(help ? stdout : stderr, argv[i]);
			return help ? CLI_OK : CLI_USAGE;
		}
		c = cli_find(argv[i], argv[i + 1]);
		if (!c) {
			fprintf(stderr, "slipway %s: unknown command '%s'\n", argv[i], argv[i + 1]);
			cli_help_group(stderr, argv[i]);
			return CLI_USAGE;
		}
		start = i + 2;
	}
	a.cmd = c;
	if (c->flags & CLI_RAW) {
		int (*raw)(int, char **);

		h = main__load_module();
		if (!h || !(*(void **)&raw = main__symbol(h, c->fn)))
			return CLI_FAILED;
		return raw(argc - start + 1, argv + start - 1);
	}
	r = cli_parse(&a, argc - start, argv + start);
	if (r) {
		main__release(&a);
		return r < 0 ? CLI_OK : r;
	}
	if (c->flags & CLI_BUILTIN) {
		r = cli_completion(stdout, c->name) ? CLI_USAGE : CLI_OK;
	} else {
		cli_module_entry entry;
		cli_command_fn fn;

		h = main__load_module();
		if (!h || !(*(void **)&entry = main__symbol(h, CLI_MODULE_ENTRY)) ||
		    !(*(void **)&fn = main__symbol(h, c->fn)))
			r = CLI_FAILED;
		else
			r = entry(&a, fn);
	}
	main__release(&a);
	return r;
}
