/* help: --help, the man page (`slipway --man`) and the bash completion script (`slipway
 * completion bash`), all rendered from the command table in commands.c. */
#include "cli.h"

#include <string.h>

#define HELP_WIDTH 79
#define HELP_NBSP  '\x1f' /* a space the wrapping must not break at */

/* Writes text word-wrapped at width columns.  The cursor is at column at; each paragraph's
 * first line (after a '\n' in text) starts at column first, wrapped lines at indent. */
static void help__wrap(FILE *fp, const char *text, int at, int first, int indent, int width)
{
	int col = at;
	bool empty = true, para = true;

	for (const char *p = text; *p;) {
		size_t w;
		int target;

		if (*p == '\n') {
			fputc('\n', fp);
			col = 0;
			empty = para = true;
			p++;
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		w = strcspn(p, " \n");
		if (!empty && col + 1 + (int)w > width) {
			fputc('\n', fp);
			col = 0;
			empty = true;
			para = false;
		}
		target = para ? first : indent;
		if (empty) {
			if (col < target)
				fprintf(fp, "%*s", target - col, "");
			col = col < target ? target : col;
		} else {
			fputc(' ', fp);
			col++;
		}
		for (size_t i = 0; i < w; i++)
			fputc(p[i] == HELP_NBSP ? ' ' : p[i], fp);
		col += (int)w;
		empty = false;
		p += w;
	}
	if (!empty)
		fputc('\n', fp);
}

static void help__cmd_words(char *out, size_t size, const struct cli_command *c)
{
	if (c->name)
		snprintf(out, size, "%s %s", c->group, c->name);
	else
		snprintf(out, size, "%s", c->group);
}

/* "--name METAVAR" (or "-x, --name METAVAR" with_short) for an option; in a synopsis
 * (!with_short) the space is one the wrapping keeps. */
static void help__opt_spec(char *out, size_t size, const struct cli_opt *o, bool with_short)
{
	char sep[2] = { with_short ? ' ' : HELP_NBSP, '\0' };

	if (with_short && o->short_name)
		snprintf(out, size, "-%c, --%s%s%s", o->short_name, o->name, o->metavar ? sep : "",
			 o->metavar ? o->metavar : "");
	else
		snprintf(out, size, "--%s%s%s", o->name, o->metavar ? sep : "",
			 o->metavar ? o->metavar : "");
}

/* The synopsis: required options, one-of groups, the arguments, then optional options. */
static void help__synopsis(char *out, size_t size, const struct cli_command *c)
{
	size_t n;
	char spec[128];
	unsigned groups_done = 0;

	snprintf(out, size, "slipway ");
	n = strlen(out);
	help__cmd_words(out + n, size - n, c);
	if (c->flags & CLI_RAW) {
		n = strlen(out);
		snprintf(out + n, size - n, " --bundle DIR|FILE [options]");
		return;
	}
	for (const struct cli_opt *o = c->opts; o->name; o++)
		if (o->flags & CLI_REQUIRED) {
			help__opt_spec(spec, sizeof(spec), o, false);
			n = strlen(out);
			snprintf(out + n, size - n, " %s", spec);
		}
	if (c->args) {
		n = strlen(out);
		snprintf(out + n, size - n, " %s", c->args);
	}
	for (const struct cli_opt *o = c->opts; o->name; o++) {
		unsigned grp = o->flags & CLI_ONEOF_MASK;
		bool optional = o->flags & CLI_ONEOF_OPTIONAL;
		int k = 0;

		if (!grp || (groups_done & grp))
			continue;
		groups_done |= grp;
		n = strlen(out);
		snprintf(out + n, size - n, " %c", optional ? '[' : '(');
		for (const struct cli_opt *m = o; m->name; m++) {
			if ((m->flags & CLI_ONEOF_MASK) != grp)
				continue;
			help__opt_spec(spec, sizeof(spec), m, false);
			n = strlen(out);
			snprintf(out + n, size - n, "%s%s", k++ ? " | " : "", spec);
		}
		n = strlen(out);
		snprintf(out + n, size - n, "%c", optional ? ']' : ')');
	}
	for (const struct cli_opt *o = c->opts; o->name; o++) {
		if ((o->flags & CLI_REQUIRED) || (o->flags & CLI_ONEOF_MASK))
			continue;
		help__opt_spec(spec, sizeof(spec), o, false);
		n = strlen(out);
		snprintf(out + n, size - n, " [%s]%s", spec, o->kind == CLI_MULTI ? "..." : "");
	}
}

void cli_usage_line(FILE *fp, const struct cli_command *c)
{
	char syn[1024];

	help__synopsis(syn, sizeof(syn), c);
	fprintf(fp, "usage: ");
	help__wrap(fp, syn, 7, 7, 11, HELP_WIDTH);
}

static void help__options(FILE *fp, const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o->name; o++) {
		char spec[128];
		int len;

		help__opt_spec(spec, sizeof(spec), o, true);
		len = (int)strlen(spec);
		if (!o->short_name)
			len += 4;
		fprintf(fp, "  %s%s", o->short_name ? "" : "    ", spec);
		if (len > 26) {
			fputc('\n', fp);
			help__wrap(fp, o->help, 0, 30, 30, HELP_WIDTH);
		} else {
			fprintf(fp, "%*s", 28 - len, "");
			help__wrap(fp, o->help, 30, 30, 30, HELP_WIDTH);
		}
	}
}

static const char *const help__groups[][2] = {
	{ "configure", "Setting up" },
	{ "app", "Applications" },
	{ "group", "Deployment groups" },
	{ "config", "Deployment configurations" },
	{ "instance", "Hosts" },
	{ "deploy", "Revisions and deployments" },
	{ "metrics", "Metrics" },
	{ "alarm", "Alarms" },
	{ "logs", "Logs" },
	{ "function", "Functions" },
	{ "alias", "Function aliases" },
	{ "completion", "Shell" },
};

void cli_help_top(FILE *fp)
{
	fprintf(fp, "slipway — every deployment task in one command, with live progress\n\n"
		    "usage: slipway <command> [options]\n");
	for (size_t g = 0; g < sizeof(help__groups) / sizeof(help__groups[0]); g++) {
		fprintf(fp, "\n%s:\n", help__groups[g][1]);
		for (const struct cli_command *c = cli_commands; c->group; c++) {
			char words[64];

			if (strcmp(c->group, help__groups[g][0]) != 0)
				continue;
			help__cmd_words(words, sizeof(words), c);
			fprintf(fp, "  %-21s %s\n", words, c->summary);
		}
	}
	fprintf(fp, "\nGlobal options (accepted by every command, anywhere on the line):\n");
	help__options(fp, cli_global_opts);
	fprintf(fp, "  %-28s%s\n  %-28s%s\n", "    --version", "print the version and exit",
		"    --man", "print the man page (roff) and exit");
	fprintf(fp, "\nExit status:\n");
	help__wrap(fp, cli_exit_text, 0, 2, 5, HELP_WIDTH);
	fprintf(fp, "\nRun 'slipway <command> --help' for a command's options and examples.\n");
}

void cli_help_group(FILE *fp, const char *group)
{
	fprintf(fp, "usage: slipway %s <command> [options]\n\ncommands:\n", group);
	for (const struct cli_command *c = cli_commands; c->group; c++)
		if (strcmp(c->group, group) == 0)
			fprintf(fp, "  %-12s %s\n", c->name ? c->name : "", c->summary);
	fprintf(fp, "\nRun 'slipway %s <command> --help' for a command's options and examples.\n",
		group);
}

void cli_help_command(FILE *fp, const struct cli_command *c)
{
	char words[64];

	help__cmd_words(words, sizeof(words), c);
	cli_usage_line(fp, c);
	fputc('\n', fp);
	fprintf(fp, "%s: %s.\n\n", words, c->summary);
	help__wrap(fp, c->description, 0, 0, 0, HELP_WIDTH);
	if (c->opts[0].name) {
		fprintf(fp, "\nOptions:\n");
		help__options(fp, c->opts);
	}
	if (!(c->flags & (CLI_RAW | CLI_BUILTIN)))
		fprintf(fp,
			"\nGlobal options: --endpoint-url URL, --profile NAME, --region REGION,\n"
			"  -o/--output table|json|text, --no-color, --debug (see slipway "
			"--help)\n");
	fprintf(fp, "\nExamples:\n");
	for (const char *p = c->examples; *p;) {
		size_t len = strcspn(p, "\n");

		fprintf(fp, "  %s%.*s\n", p[0] == '#' ? "" : "$ ", (int)len, p);
		p += len;
		if (*p)
			p++;
	}
}

/* ---- man page ---- */

/* Text with roff's special characters escaped; a line may not start with '.' or '\''. */
static void man__text(FILE *fp, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		char ch = s[i];

		if ((i == 0 || s[i - 1] == '\n') && (ch == '.' || ch == '\''))
			fputs("\\&", fp);
		if (ch == '\\')
			fputs("\\e", fp);
		else if (ch == HELP_NBSP)
			fputs("\\ ", fp);
		else if (ch == '-')
			fputs("\\-", fp);
		else
			fputc(ch, fp);
	}
}

static void man__str(FILE *fp, const char *s)
{
	man__text(fp, s, strlen(s));
}

static void man__paragraphs(FILE *fp, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *end = strstr(p, "\n\n");
		size_t len = end ? (size_t)(end - p) : strlen(p);

		fputs(".PP\n", fp);
		man__text(fp, p, len);
		fputc('\n', fp);
		p += len;
		while (*p == '\n')
			p++;
	}
}

static void man__options(FILE *fp, const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o->name; o++) {
		fputs(".TP\n", fp);
		if (o->short_name)
			fprintf(fp, "\\fB\\-%c\\fR, ", o->short_name);
		fputs("\\fB\\-\\-", fp);
		man__str(fp, o->name);
		fputs("\\fR", fp);
		if (o->metavar) {
			fputs(" \\fI", fp);
			man__str(fp, o->metavar);
			fputs("\\fR", fp);
		}
		fputc('\n', fp);
		man__str(fp, o->help);
		fputc('\n', fp);
	}
}

static void man__lines_as_list(FILE *fp, const char *text)
{
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		size_t sp = strcspn(p, " ");

		/* "CODE  text" or "NAME, NAME  text": the label is up to two spaces */
		const char *two = strstr(p, "  ");

		if (two && two < p + len)
			sp = (size_t)(two - p);
		fputs(".TP\n.B ", fp);
		man__text(fp, p, sp);
		fputc('\n', fp);
		while (sp < len && p[sp] == ' ')
			sp++;
		man__text(fp, p + sp, len - sp);
		fputc('\n', fp);
		p += len;
		if (*p)
			p++;
	}
}

void cli_man(FILE *fp)
{
	fprintf(
	    fp,
	    ".\\\" slipway(1) — generated by `slipway --man` from the command table\n"
	    ".TH SLIPWAY 1 \"\" \"slipway %s\" \"Slipway manual\"\n"
	    ".SH NAME\nslipway \\- deploy revisions to hosts with Slipway, with live progress\n"
	    ".SH SYNOPSIS\n.B slipway\n.I command\n[\\fIoptions\\fR]\n"
	    ".SH DESCRIPTION\n"
	    "\\fBslipway\\fR is the command-line client of Slipway, a self-hosted continuous-"
	    "delivery system that speaks the AWS CodeDeploy, S3 and IAM wire protocols. It talks "
	    "to \\fBslipwayd\\fR exactly as an AWS SDK does (SigV4-signed requests), so the same "
	    "credentials work with the \\fBaws\\fR CLI and boto3.\n"
	    ".PP\nEvery listing and show command prints a table, JSON (\\fB\\-\\-output json\\fR, "
	    "the complete AWS objects) or tab-separated text (\\fB\\-\\-output text\\fR).\n"
	    ".SH COMMANDS\n",
	    cli_version);
	for (const struct cli_command *c = cli_commands; c->group; c++) {
		char syn[1024];

		help__synopsis(syn, sizeof(syn), c);
		fputs(".SS \"", fp);
		man__str(fp, syn + strlen("slipway "));
		fputs("\"\n", fp);
		man__str(fp, c->summary);
		fputs(".\n", fp);
		man__paragraphs(fp, c->description);
		if (c->opts[0].name) {
			fputs(".PP\nOptions:\n.RS\n", fp);
			man__options(fp, c->opts);
			fputs(".RE\n", fp);
		}
		fputs(".PP\nExamples:\n.RS\n.nf\n", fp);
		man__str(fp, c->examples);
		fputs("\n.fi\n.RE\n", fp);
	}
	fputs(".SH GLOBAL OPTIONS\n", fp);
	man__options(fp, cli_global_opts);
	fputs(".TP\n\\fB\\-\\-version\\fR\nprint the version and exit\n"
	      ".TP\n\\fB\\-\\-man\\fR\nprint this manual page and exit\n",
	      fp);
	fputs(".SH ENVIRONMENT\n", fp);
	man__lines_as_list(fp, cli_env_text);
	fputs(".SH FILES\n.TP\n.I ~/.aws/credentials\nprofiles with aws_access_key_id, "
	      "aws_secret_access_key and aws_session_token; the profile \\fBslipway\\fR is used "
	      "when it exists and no other is named\n"
	      ".TP\n.I ~/.aws/config\neach profile's region, endpoint_url and ca_file (slipwayd's "
	      "certificate, for instance register)\n"
	      ".TP\n.I DATA/credentials\nthe first administrator key, written by slipwayd\n",
	      fp);
	fputs(".SH EXIT STATUS\n", fp);
	man__lines_as_list(fp, cli_exit_text);
	fputs(".SH SEE ALSO\n\\fBslipwayd\\fR(8), \\fBslipway\\-agent\\fR(8), \\fBaws\\fR(1)\n",
	      fp);
}

/* ---- bash completion ---- */

static void comp__words(FILE *fp, const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o->name; o++) {
		fprintf(fp, " --%s", o->name);
		if (o->short_name)
			fprintf(fp, " -%c", o->short_name);
	}
}

static void comp__valued(FILE *fp, const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o->name; o++) {
		if (o->kind == CLI_FLAG)
			continue;
		fprintf(fp, "--%s ", o->name);
		if (o->short_name)
			fprintf(fp, "-%c ", o->short_name);
	}
}

/* The value completions of one command's options: case arms on "group cmd:--opt". */
static void comp__values(FILE *fp, const char *key, const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o->name; o++) {
		if (o->kind == CLI_FLAG)
			continue;
		fprintf(fp, "        \"%s:--%s\"", key, o->name);
		if (o->short_name)
			fprintf(fp, "|\"%s:-%c\"", key, o->short_name);
		if (o->choices)
			fprintf(fp, ") COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n",
				o->choices);
		else if (o->complete && strcmp(o->complete, "dir") == 0)
			fprintf(fp, ") COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n");
		else if (o->complete)
			fprintf(fp, ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n");
		else
			fprintf(fp, ") return ;;\n");
	}
}

int cli_completion(FILE *fp, const char *shell)
{
	const struct cli_command *c;

	if (strcmp(shell, "bash") != 0)
		return -1;
	fprintf(fp,
		"# bash completion for slipway %s — generated by `slipway completion bash`\n"
		"_slipway() {\n"
		"    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
		"    local group=\"\" cmd=\"\" i w skip=0\n"
		"    local globals=\"",
		cli_version);
	comp__words(fp, cli_global_opts);
	fprintf(fp, "\"\n    local valued=\" ");
	/* every option that takes a value, so that its value is not taken for a command word */
	comp__valued(fp, cli_global_opts);
	for (c = cli_commands; c->group; c++)
		comp__valued(fp, c->opts);
	fprintf(fp,
		"\"\n"
		"    for ((i = 1; i < COMP_CWORD; i++)); do\n"
		"        w=\"${COMP_WORDS[i]}\"\n"
		"        if ((skip)); then skip=0; continue; fi\n"
		"        case \"$w\" in\n"
		"            --*=*) continue ;;\n"
		"            -*) [[ \"$valued\" == *\" $w \"* ]] && skip=1; continue ;;\n"
		"        esac\n"
		"        if [[ -z \"$group\" ]]; then group=\"$w\"\n"
		"        elif [[ -z \"$cmd\" ]]; then cmd=\"$w\"; fi\n"
		"    done\n"
		"    case \"$prev\" in\n"
		"        --output|-o) COMPREPLY=($(compgen -W \"table json text\" -- \"$cur\")); "
		"return ;;\n"
		"        --profile) COMPREPLY=($(compgen -W \"$(sed -n 's/^\\[\\(profile "
		"\\)\\{0,1\\}\\(.*\\)\\]$/\\2/p' \"${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/"
		"credentials}\" \"${AWS_CONFIG_FILE:-$HOME/.aws/config}\" 2>/dev/null)\" -- "
		"\"$cur\")); return ;;\n"
		"        --endpoint-url|--region) return ;;\n"
		"    esac\n"
		"    case \"$group $cmd:$prev\" in\n");
	for (c = cli_commands; c->group; c++) {
		char key[64];

		snprintf(key, sizeof(key), "%s %s", c->group, c->name ? c->name : "");
		comp__values(fp, key, c->opts);
	}
	fprintf(fp, "    esac\n"
		    "    if [[ -z \"$group\" ]]; then\n"
		    "        COMPREPLY=($(compgen -W \"");
	for (c = cli_commands; c->group; c++)
		if (c == cli_commands || strcmp(c->group, c[-1].group) != 0)
			fprintf(fp, "%s ", c->group);
	fprintf(fp, "help $globals --version --man\" -- \"$cur\"))\n"
		    "        return\n"
		    "    fi\n"
		    "    case \"$group\" in\n");
	for (c = cli_commands; c->group; c++) {
		if (!c->name || (c != cli_commands && strcmp(c->group, c[-1].group) == 0))
			continue;
		fprintf(fp, "        %s) [[ -z \"$cmd\" ]] && { COMPREPLY=($(compgen -W \"",
			c->group);
		for (const struct cli_command *k = c; k->group && strcmp(k->group, c->group) == 0;
		     k++)
			fprintf(fp, "%s ", k->name);
		fprintf(fp, "\" -- \"$cur\")); return; } ;;\n");
	}
	fprintf(fp, "    esac\n"
		    "    local opts=\"\"\n"
		    "    case \"$group $cmd\" in\n");
	for (c = cli_commands; c->group; c++) {
		fprintf(fp, "        \"%s %s\") opts=\"", c->group, c->name ? c->name : "");
		comp__words(fp, c->opts);
		fprintf(fp, "\" ;;\n");
	}
	fprintf(fp, "    esac\n"
		    "    if [[ \"$cur\" == -* ]]; then\n"
		    "        COMPREPLY=($(compgen -W \"$opts $globals\" -- \"$cur\"))\n"
		    "    fi\n"
		    "}\n"
		    "complete -F _slipway slipway\n");
	return 0;
}
