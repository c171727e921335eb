/* cli: what the command implementations of `slipway` share. */
#ifndef SW_CLI_H
#define SW_CLI_H

/* One command: `slipway <group> <name> ...`; run gets argv from the name on (argv[0] is the
 * name, for getopt) and
 * returns the process exit status (0 ok, 1 the operation failed, 2 usage or configuration). */
struct cli_command {
	const char *group;
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int cli_deploy_local(int argc, char **argv);

#endif
