/* cli: what the parts of `slipway` share — the command table's types, parsed arguments, exit
 * codes, and the entry points of the command module (slipway-cli.so).
 *
 * `slipway` is two pieces so that it starts fast: the executable holds the command table, the
 * argument parser, --help, --version, the man page and the bash completion, and links nothing
 * but libc; every command that does real work lives in a shared module that the executable
 * loads only once the arguments are known to be good (libcurl and libarchive alone cost ~10 ms
 * of dynamic loading on a small machine; `slipway --version` must take under 5 ms). */
#ifndef SW_CLI_H
#define SW_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses (documented in --help, the man page and docs/cli.md). */
enum cli_exit {
	CLI_OK = 0,	  /* the operation succeeded */
	CLI_FAILED = 1,	  /* the operation failed (an AWS error, a failed deployment, …) */
	CLI_USAGE = 2,	  /* bad arguments or configuration */
	CLI_NOACCESS = 3, /* could not reach slipwayd, or it did not accept the credentials */
};

/* How an option takes values. */
enum cli_opt_kind {
	CLI_FLAG,  /* --name */
	CLI_VALUE, /* --name VALUE (or --name=VALUE); the last one given wins */
	CLI_MULTI, /* --name VALUE, repeatable; every value kept in order */
};

#define CLI_REQUIRED 0x1u /* must be given */
/* Options of one command sharing a CLI_ONEOF_n bit: exactly one of them must be given (or at
 * most one, with CLI_ONEOF_OPTIONAL also set on each). */
#define CLI_ONEOF_1	   0x10u
#define CLI_ONEOF_2	   0x20u
#define CLI_ONEOF_MASK	   0xf0u
#define CLI_ONEOF_OPTIONAL 0x100u

struct cli_opt {
	const char *name; /* long name without "--" */
	char short_name;  /* 0 for none */
	enum cli_opt_kind kind;
	unsigned flags;	      /* CLI_REQUIRED, CLI_ONEOF_* */
	const char *metavar;  /* what the value looks like: "APP", "K=V" */
	const char *choices;  /* space-separated allowed values, or NULL for any */
	const char *complete; /* bash completion of the value: "file", "dir" or NULL */
	const char *help;
};

#define CLI_RAW	    0x1u /* parses its own argv: run(argc, argv) from the command name on */
#define CLI_BUILTIN 0x2u /* runs inside the executable (help, completion) */

/* One command: `slipway <group> <name> ...` (or `slipway <group>` when name is NULL). */
struct cli_command {
	const char *group;
	const char *name;
	const char *summary; /* one line, lower case, no full stop */
	const char *args;    /* positional arguments for the synopsis: "NAME", "NAME KEY..." */
	int min_args;
	int max_args;		    /* -1: no limit */
	const struct cli_opt *opts; /* ends with { NULL } */
	const char *description;    /* paragraphs separated by blank lines */
	const char *examples;	    /* one command per line; "# text" lines explain */
	const char *fn;		    /* the module's function: int fn(struct cli_args *) */
	unsigned flags;
};

extern const struct cli_command cli_commands[]; /* ends with { NULL } */
extern const struct cli_opt cli_global_opts[];	/* ends with { NULL } */
extern const char cli_version[];
/* Text shared by --help and the man page. */
extern const char cli_exit_text[];
extern const char cli_env_text[];

enum cli_output { CLI_OUT_TABLE, CLI_OUT_JSON, CLI_OUT_TEXT };

/* The global options, parsed wherever they appear on the command line. */
struct cli_globals {
	const char *endpoint_url;
	const char *profile;
	const char *region;
	enum cli_output output;
	bool output_given;
	bool no_color;
	bool debug;
};

#define CLI_OPTS_MAX 32

struct cli_optval {
	const char **v; /* every value given, in order (NULL for a flag) */
	int n;		/* how many times the option was given */
};

/* A parsed command line: the command, its option values (indexed like cmd->opts) and its
 * positional arguments.  Strings point into argv. */
struct cli_args {
	const struct cli_command *cmd;
	struct cli_optval opt[CLI_OPTS_MAX];
	char **pos;
	int npos;
	struct cli_globals g;
	const char *argv0;
	void *priv; /* the module's state (connection, output), owned by the module */
};

/* The executable's side (args.c, help.c). */
const struct cli_command *cli_find(const char *group, const char *name);
bool cli_group_exists(const char *group);
/* Parses argv (after the command words) into a (whose cmd is set).  Returns 0, or CLI_USAGE
 * after printing what is wrong to stderr. */
int cli_parse(struct cli_args *a, int argc, char **argv);
/* One global option before the command (arg, and next as its value when it takes one):
 * 0 when it is one (*used: the words it took), 1 when arg is not a global option, 2 for
 * --help, -1 on a bad or missing value (reported on stderr). */
int cli_parse_global(struct cli_globals *g, const char *arg, const char *next, int *used);
void cli_help_top(FILE *fp);
void cli_help_group(FILE *fp, const char *group);
void cli_help_command(FILE *fp, const struct cli_command *c);
void cli_usage_line(FILE *fp, const struct cli_command *c);
void cli_man(FILE *fp);
int cli_completion(FILE *fp, const char *shell);

/* The module's side.  Looked up with dlsym by these names. */
#define CLI_MODULE_ENTRY "cli_module_run"
typedef int (*cli_command_fn)(struct cli_args *a);
typedef int (*cli_module_entry)(struct cli_args *a, cli_command_fn fn);
int cli_module_run(struct cli_args *a, cli_command_fn fn);

/* Option values (module side): the last value, every value, whether a flag was given. */
const char *cli_opt(const struct cli_args *a, const char *name);
int cli_opt_all(const struct cli_args *a, const char *name, const char ***values);
bool cli_flag(const struct cli_args *a, const char *name);

/* `slipway deploy local` (deploy_local.c) parses its own argv. */
int cli_deploy_local(int argc, char **argv);

#endif
