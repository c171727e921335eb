/* args: the command-line parser, driven by the command table — long options with a separate
 * or attached (=) value, a few short ones, global options anywhere, positional arguments, and
 * the table's required / one-of rules.  Runs in the executable, before anything is loaded. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

const struct cli_command *cli_find(const char *group, const char *name)
{
	for (const struct cli_command *c = cli_commands; c->group; c++) {
		if (strcmp(c->group, group) != 0)
			continue;
		if (!c->name || (name && strcmp(c->name, name) == 0))
			return c;
	}
	return NULL;
}

bool cli_group_exists(const char *group)
{
	for (const struct cli_command *c = cli_commands; c->group; c++)
		if (strcmp(c->group, group) == 0)
			return true;
	return false;
}

/* Whether value is one of the space-separated words of choices. */
static bool args__choice(const char *choices, const char *value)
{
	size_t n = strlen(value);

	for (const char *p = choices; *p;) {
		size_t len = strcspn(p, " ");

		if (len == n && strncmp(p, value, n) == 0)
			return true;
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

static const struct cli_opt *args__match(const struct cli_opt *opts, const char *name, size_t len,
					 char short_name)
{
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		if (short_name && o->short_name == short_name)
			return o;
		if (!short_name && strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	}
	return NULL;
}

static void args__usage_hint(const struct cli_command *c)
{
	if (!c) {
		fprintf(stderr, "Run 'slipway --help' for the commands.\n");
		return;
	}
	cli_usage_line(stderr, c);
	if (c->name)
		fprintf(stderr, "Run 'slipway %s %s --help' for details.\n", c->group, c->name);
	else
		fprintf(stderr, "Run 'slipway %s --help' for details.\n", c->group);
}

static const char *args__cmdname(const struct cli_command *c, char *buf, size_t size)
{
	if (!c)
		return "slipway";
	if (c->name)
		snprintf(buf, size, "slipway %s %s", c->group, c->name);
	else
		snprintf(buf, size, "slipway %s", c->group);
	return buf;
}

static int args__set_global(struct cli_globals *g, const struct cli_opt *o, const char *value)
{
	if (strcmp(o->name, "endpoint-url") == 0) {
		g->endpoint_url = value;
	} else if (strcmp(o->name, "profile") == 0) {
		g->profile = value;
	} else if (strcmp(o->name, "region") == 0) {
		g->region = value;
	} else if (strcmp(o->name, "output") == 0) {
		g->output = strcmp(value, "json") == 0	 ? CLI_OUT_JSON
			    : strcmp(value, "text") == 0 ? CLI_OUT_TEXT
							 : CLI_OUT_TABLE;
		g->output_given = true;
	} else if (strcmp(o->name, "no-color") == 0) {
		g->no_color = true;
	} else if (strcmp(o->name, "debug") == 0) {
		g->debug = true;
	}
	return 0;
}

/* One option at argv[*i]: 1 when it was --help, 0 when handled, CLI_USAGE on error. */
static int args__option(struct cli_args *a, int argc, char **argv, int *i)
{
	const struct cli_command *c = a->cmd;
	const char *arg = argv[*i], *name, *value = NULL, *eq;
	const struct cli_opt *o, *cmd_opts = c && !(c->flags & CLI_RAW) ? c->opts : NULL;
	char short_name = 0, buf[128];
	size_t len;
	bool global = false;

	if (arg[1] == '-') {
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (eq)
			value = eq + 1;
	} else {
		name = arg + 1;
		len = 1;
		short_name = arg[1];
		if (arg[2]) {
			fprintf(stderr, "%s: unknown option '%s'\n",
				args__cmdname(c, buf, sizeof(buf)), arg);
			args__usage_hint(c);
			return CLI_USAGE;
		}
	}
	o = args__match(cmd_opts, name, len, short_name);
	if (!o) {
		o = args__match(cli_global_opts, name, len, short_name);
		global = o != NULL;
	}
	if (!o) {
		fprintf(stderr, "%s: unknown option '%.*s%.*s'\n",
			args__cmdname(c, buf, sizeof(buf)), short_name ? 1 : 2, "--", (int)len,
			name);
		args__usage_hint(c);
		return CLI_USAGE;
	}
	if (o->kind == CLI_FLAG) {
		if (value) {
			fprintf(stderr, "%s: --%s takes no value\n",
				args__cmdname(c, buf, sizeof(buf)), o->name);
			return CLI_USAGE;
		}
	} else if (!value) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "%s: --%s needs a value (%s)\n",
				args__cmdname(c, buf, sizeof(buf)), o->name, o->metavar);
			args__usage_hint(c);
			return CLI_USAGE;
		}
		value = argv[++*i];
	}
	if (value && o->choices && !args__choice(o->choices, value)) {
		fprintf(stderr, "%s: --%s must be one of: %s (not '%s')\n",
			args__cmdname(c, buf, sizeof(buf)), o->name, o->choices, value);
		return CLI_USAGE;
	}
	if (global) {
		if (strcmp(o->name, "help") == 0)
			return 1;
		return args__set_global(&a->g, o, value);
	}
	{
		struct cli_optval *v = &a->opt[o - cmd_opts];

		if (o->kind != CLI_FLAG) {
			const char **nv = realloc(v->v, sizeof(*nv) * (size_t)(v->n + 1));

			if (!nv) {
				fprintf(stderr, "slipway: out of memory\n");
				return CLI_FAILED;
			}
			nv[v->n] = value;
			v->v = nv;
		}
		v->n++;
	}
	return 0;
}

static int args__check(struct cli_args *a)
{
	const struct cli_command *c = a->cmd;
	char buf[128];
	unsigned groups_seen = 0;

	if (a->npos < c->min_args || (c->max_args >= 0 && a->npos > c->max_args)) {
		if (a->npos < c->min_args)
			fprintf(stderr, "%s: missing %s\n", args__cmdname(c, buf, sizeof(buf)),
				c->args ? c->args : "arguments");
		else
			fprintf(stderr, "%s: unexpected argument '%s'\n",
				args__cmdname(c, buf, sizeof(buf)),
				a->pos[c->max_args >= 0 ? c->max_args : 0]);
		args__usage_hint(c);
		return CLI_USAGE;
	}
	for (int i = 0; c->opts[i].name; i++) {
		const struct cli_opt *o = &c->opts[i];
		unsigned grp = o->flags & CLI_ONEOF_MASK;

		if ((o->flags & CLI_REQUIRED) && a->opt[i].n == 0) {
			fprintf(stderr, "%s: --%s %s is required\n",
				args__cmdname(c, buf, sizeof(buf)), o->name,
				o->metavar ? o->metavar : "");
			args__usage_hint(c);
			return CLI_USAGE;
		}
		if (grp && !(groups_seen & grp)) {
			int given = 0;
			char names[256] = "";
			size_t used = 0;

			groups_seen |= grp;
			for (int k = 0; c->opts[k].name; k++) {
				if ((c->opts[k].flags & CLI_ONEOF_MASK) != grp)
					continue;
				given += a->opt[k].n > 0;
				used +=
				    (size_t)snprintf(names + used, sizeof(names) - used, "%s--%s",
						     used ? ", " : "", c->opts[k].name);
				if (used >= sizeof(names))
					used = sizeof(names) - 1;
			}
			if (given > 1 || (given == 0 && !(o->flags & CLI_ONEOF_OPTIONAL))) {
				fprintf(stderr, "%s: give %s one of %s\n",
					args__cmdname(c, buf, sizeof(buf)),
					given > 1 ? "only" : "exactly", names);
				args__usage_hint(c);
				return CLI_USAGE;
			}
		}
	}
	return 0;
}

int cli_parse(struct cli_args *a, int argc, char **argv)
{
	bool options_done = false;
	int r;

	a->pos = calloc((size_t)argc + 1, sizeof(char *));
	if (!a->pos) {
		fprintf(stderr, "slipway: out of memory\n");
		return CLI_FAILED;
	}
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		if (!options_done && arg[0] == '-' && arg[1]) {
			r = args__option(a, argc, argv, &i);
			if (r == 1) {
				cli_help_command(stdout, a->cmd);
				return -1;
			}
			if (r)
				return r;
			continue;
		}
		a->pos[a->npos++] = argv[i];
	}
	return args__check(a);
}

int cli_parse_global(struct cli_globals *g, const char *arg, const char *next, int *used)
{
	struct cli_args a = { 0 };
	char *argv[3] = { (char *)arg, (char *)next, NULL };
	int i = 0, r;

	*used = 0;
	if (arg[0] != '-' || !arg[1] || strcmp(arg, "--") == 0)
		return 1;
	if (!args__match(cli_global_opts, arg[1] == '-' ? arg + 2 : arg + 1,
			 arg[1] == '-' ? strcspn(arg + 2, "=") : 1, arg[1] == '-' ? 0 : arg[1]))
		return 1;
	a.g = *g;
	r = args__option(&a, next ? 2 : 1, argv, &i);
	if (r == 1)
		return 2; /* --help */
	if (r)
		return -1;
	*g = a.g;
	*used = i + 1;
	return 0;
}
