/* slipway: the command-line client — a table of `<group> <name>` commands. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct cli_command cli__commands[] = {
	{ "deploy", "local", "run a revision's AppSpec on this host, without a server",
	  cli_deploy_local },
	{ NULL, NULL, NULL, NULL },
};

static void cli__usage(FILE *fp)
{
	fprintf(fp, "usage: slipway <command> [options]\n\ncommands:\n");
	for (const struct cli_command *c = cli__commands; c->group; c++)
		fprintf(fp, "  %s %-10s %s\n", c->group, c->name, c->summary);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("slipway 0.1.0\n");
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli__usage(stdout);
		return 0;
	}
	for (const struct cli_command *c = cli__commands; c->group && argc > 2; c++)
		if (strcmp(argv[1], c->group) == 0 && strcmp(argv[2], c->name) == 0)
			return c->run(argc - 2, argv + 2);
	cli__usage(stderr);
	return 2;
}
