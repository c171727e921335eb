/* conf: where slipway connects and who it is — the endpoint chain, the AWS credentials and
 * region chain (environment, shared credentials and config files, profiles), the INI files'
 * reading and writing, and `slipway configure`. */
#include "cli_int.h"
#include "base/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define INI_MAX (1 << 20)

static const char *conf__env(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] ? v : NULL;
}

static int conf__home_path(const char *env, const char *rel, char *out, size_t size)
{
	const char *v = conf__env(env), *home = conf__env("HOME");

	if (v)
		return str_copy(out, size, v);
	if (!home)
		return -1;
	return str_fmt(out, size, "%s/%s", home, rel);
}

int cli_credentials_path(char *out, size_t size)
{
	return conf__home_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", out, size);
}

int cli_config_path(char *out, size_t size)
{
	return conf__home_path("AWS_CONFIG_FILE", ".aws/config", out, size);
}

static char *conf__read(const char *path)
{
	struct buf b = BUF_INIT(INI_MAX);
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "re");

	if (!fp)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_add(&b, chunk, n)) {
			fclose(fp);
			buf_release(&b);
			return NULL;
		}
	fclose(fp);
	return buf_detach(&b);
}

static void conf__trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\r'))
		(*len)--;
}

/* Whether a "[...]" header line (without brackets) names profile: "NAME" in the credentials
 * file; "profile NAME" (or "default", or a bare "NAME") in the config file. */
static bool conf__section_is(const char *h, size_t len, const char *profile, bool config)
{
	size_t plen = strlen(profile);

	conf__trim(&h, &len);
	if (config && len > 8 && strncmp(h, "profile ", 8) == 0) {
		h += 8;
		len -= 8;
		conf__trim(&h, &len);
	}
	return len == plen && strncmp(h, profile, plen) == 0;
}

int cli_ini_get(const char *path, const char *profile, bool config, const char *key, char *out,
		size_t size)
{
	char *text = conf__read(path);
	bool in = false;
	int found = 0;

	if (!text)
		return 0;
	for (const char *p = text; *p && !found;) {
		size_t len = strcspn(p, "\n");
		const char *line = p, *eq;
		size_t ll = len;

		p += len + (p[len] == '\n');
		if (ll && (line[0] == ' ' || line[0] == '\t'))
			continue; /* a nested value's continuation */
		conf__trim(&line, &ll);
		if (!ll || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			const char *close = memchr(line, ']', ll);

			in = close && conf__section_is(line + 1, (size_t)(close - line - 1),
						       profile, config);
			continue;
		}
		eq = memchr(line, '=', ll);
		if (!in || !eq)
			continue;
		{
			const char *k = line, *v = eq + 1;
			size_t kl = (size_t)(eq - line), vl = ll - kl - 1;

			conf__trim(&k, &kl);
			conf__trim(&v, &vl);
			if (kl == strlen(key) && strncmp(k, key, kl) == 0) {
				if (str_copyn(out, size, v, vl) == 0)
					found = 1;
			}
		}
	}
	explicit_bzero(text, strlen(text));
	free(text);
	return found;
}

/* Whether the profile has a section in either file. */
static bool conf__profile_exists(const char *cred, const char *cfg, const char *profile)
{
	char *texts[2] = { conf__read(cred), conf__read(cfg) };
	bool found = false;

	for (int f = 0; f < 2; f++) {
		for (const char *p = texts[f]; p && *p && !found;) {
			size_t len = strcspn(p, "\n");
			const char *line = p;
			size_t ll = len;

			p += len + (p[len] == '\n');
			conf__trim(&line, &ll);
			if (ll > 2 && line[0] == '[') {
				const char *close = memchr(line, ']', ll);

				found =
				    close && conf__section_is(line + 1, (size_t)(close - line - 1),
							      profile, f == 1);
			}
		}
		if (texts[f]) {
			explicit_bzero(texts[f], strlen(texts[f]));
			free(texts[f]);
		}
	}
	return found;
}

int cli_ini_set(const char *path, const char *profile, bool config, const char *key,
		const char *value, struct buf *why)
{
	char *text = conf__read(path);
	struct buf out = BUF_INIT(INI_MAX);
	char tmp[CLI_PATH_MAX + 16], dir[CLI_PATH_MAX];
	bool in = false, section_seen = false, done = false;
	const char *p;
	int fd, r = 0;
	char *slash;

	if (!text && errno != ENOENT) {
		buf_addf(why, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	/* copy every line, replacing (or dropping) key in the profile's section, and adding it
	 * at the section's end when it was not there */
	for (p = text ? text : ""; *p;) {
		size_t len = strcspn(p, "\n");
		const char *line = p, *eq;
		size_t ll = len;
		bool is_header, skip = false;

		conf__trim(&line, &ll);
		is_header = ll && line[0] == '[';
		if (is_header) {
			const char *close = memchr(line, ']', ll);

			if (in && !done && value) {
				/* leaving the section: add the key before the next header */
				while (out.len >= 2 && out.p[out.len - 1] == '\n' &&
				       out.p[out.len - 2] == '\n')
					out.len--;
				buf_addf(&out, "%s = %s\n\n", key, value);
				done = true;
			}
			in = close && conf__section_is(line + 1, (size_t)(close - line - 1),
						       profile, config);
			section_seen |= in;
		} else if (in && ll && p[0] != ' ' && p[0] != '\t' &&
			   (eq = memchr(line, '=', ll)) != NULL) {
			const char *k = line;
			size_t kl = (size_t)(eq - line);

			conf__trim(&k, &kl);
			if (kl == strlen(key) && strncmp(k, key, kl) == 0) {
				skip = true;
				if (value && !done)
					buf_addf(&out, "%s = %s\n", key, value);
				done = true;
			}
		}
		if (!skip) {
			buf_add(&out, p, len);
			buf_addc(&out, '\n');
		}
		p += len + (p[len] == '\n');
	}
	if (!done && value) {
		if (in) {
			buf_addf(&out, "%s = %s\n", key, value);
		} else if (!section_seen) {
			if (out.len && out.p[out.len - 1] != '\n')
				buf_addc(&out, '\n');
			if (out.len)
				buf_addc(&out, '\n');
			if (config && strcmp(profile, "default") != 0)
				buf_addf(&out, "[profile %s]\n%s = %s\n", profile, key, value);
			else
				buf_addf(&out, "[%s]\n%s = %s\n", profile, key, value);
		}
	}
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	/* write it whole: a temporary file beside it, then rename */
	str_copy(dir, sizeof(dir), path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			buf_addf(why, "cannot create %s: %s", dir, strerror(errno));
			r = -1;
		}
	}
	str_fmt(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	fd = r ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!r && fd < 0) {
		buf_addf(why, "cannot write %s: %s", tmp, strerror(errno));
		r = -1;
	}
	if (fd >= 0) {
		ssize_t w = write(fd, out.p ? out.p : "", out.len);

		if (w != (ssize_t)out.len || fsync(fd) != 0) {
			buf_addf(why, "cannot write %s: %s", tmp, strerror(errno));
			r = -1;
		}
		close(fd);
		if (!r && rename(tmp, path) != 0) {
			buf_addf(why, "cannot replace %s: %s", path, strerror(errno));
			r = -1;
		}
		if (r)
			unlink(tmp);
	}
	if (out.p)
		explicit_bzero(out.p, out.len);
	buf_release(&out);
	return r;
}

int cli_conn_resolve(struct cli_args *a)
{
	struct cli_conn *c = &cli_state(a)->conn;
	const char *endpoint = NULL, *v, *p;
	char profile_endpoint[1024] = "";
	bool env_creds;

	if (c->resolved)
		return 0;
	if (cli_credentials_path(c->credentials_path, sizeof(c->credentials_path)))
		c->credentials_path[0] = '\0';
	if (cli_config_path(c->config_path, sizeof(c->config_path)))
		c->config_path[0] = '\0';

	/* the profile: --profile, AWS_PROFILE, else 'slipway' when it exists, else 'default' */
	if (a->g.profile)
		str_copy(c->profile, sizeof(c->profile), a->g.profile);
	else if ((v = conf__env("AWS_PROFILE")))
		str_copy(c->profile, sizeof(c->profile), v);
	else if (conf__profile_exists(c->credentials_path, c->config_path, CLI_DEFAULT_PROFILE))
		str_copy(c->profile, sizeof(c->profile), CLI_DEFAULT_PROFILE);
	else
		str_copy(c->profile, sizeof(c->profile), "default");

	/* credentials: --profile wins over the environment, which wins over AWS_PROFILE */
	env_creds =
	    !a->g.profile && conf__env("AWS_ACCESS_KEY_ID") && conf__env("AWS_SECRET_ACCESS_KEY");
	if (env_creds) {
		str_copy(c->access_key, sizeof(c->access_key), conf__env("AWS_ACCESS_KEY_ID"));
		str_copy(c->secret_key, sizeof(c->secret_key), conf__env("AWS_SECRET_ACCESS_KEY"));
		if ((v = conf__env("AWS_SESSION_TOKEN")))
			str_copy(c->session_token, sizeof(c->session_token), v);
		str_copy(c->cred_from, sizeof(c->cred_from), "the environment (AWS_ACCESS_KEY_ID)");
	} else {
		bool got = false;

		for (int f = 0; f < 2 && !got; f++) {
			const char *path = f ? c->config_path : c->credentials_path;

			if (!path[0])
				continue;
			got = cli_ini_get(path, c->profile, f, "aws_access_key_id", c->access_key,
					  sizeof(c->access_key)) &&
			      cli_ini_get(path, c->profile, f, "aws_secret_access_key",
					  c->secret_key, sizeof(c->secret_key));
			if (got) {
				cli_ini_get(path, c->profile, f, "aws_session_token",
					    c->session_token, sizeof(c->session_token));
				str_fmt(c->cred_from, sizeof(c->cred_from), "profile '%s' in %s",
					c->profile, path);
			}
		}
		if (!got)
			return cli_error(
			    a, CLI_NOACCESS, "",
			    "no credentials for profile '%s' (looked in %s and %s): run "
			    "`slipway configure` or pass --profile",
			    c->profile,
			    c->credentials_path[0] ? c->credentials_path : "~/.aws/credentials",
			    c->config_path[0] ? c->config_path : "~/.aws/config");
	}

	/* region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1 */
	if ((v = a->g.region) || (v = conf__env("AWS_REGION")) ||
	    (v = conf__env("AWS_DEFAULT_REGION")))
		str_copy(c->region, sizeof(c->region), v);
	else if (!c->config_path[0] || !cli_ini_get(c->config_path, c->profile, true, "region",
						    c->region, sizeof(c->region)))
		str_copy(c->region, sizeof(c->region), CLI_DEFAULT_REGION);

	/* endpoint: --endpoint-url, SLIPWAY_ENDPOINT, AWS_ENDPOINT_URL, the profile's, default */
	if ((endpoint = a->g.endpoint_url)) {
		c->endpoint_from = "--endpoint-url";
	} else if ((endpoint = conf__env("SLIPWAY_ENDPOINT"))) {
		c->endpoint_from = "SLIPWAY_ENDPOINT";
	} else if ((endpoint = conf__env("AWS_ENDPOINT_URL"))) {
		c->endpoint_from = "AWS_ENDPOINT_URL";
	} else if (c->config_path[0] &&
		   cli_ini_get(c->config_path, c->profile, true, "endpoint_url", profile_endpoint,
			       sizeof(profile_endpoint))) {
		endpoint = profile_endpoint;
		c->endpoint_from = "the profile's endpoint_url";
	} else {
		endpoint = CLI_DEFAULT_ENDPOINT;
		c->endpoint_from = "the default";
	}
	if ((!str_starts(endpoint, "http://") && !str_starts(endpoint, "https://")) ||
	    str_copy(c->endpoint, sizeof(c->endpoint), endpoint))
		return cli_error(a, CLI_USAGE, "",
				 "the endpoint '%s' (from %s) is not an http:// or https:// URL",
				 endpoint, c->endpoint_from);
	while (str_ends(c->endpoint, "/"))
		c->endpoint[strlen(c->endpoint) - 1] = '\0';
	p = strstr(c->endpoint, "://") + 3;
	if (strchr(p, '/') || !*p)
		return cli_error(a, CLI_USAGE, "",
				 "the endpoint '%s' (from %s) must be scheme://host[:port] with no "
				 "path",
				 endpoint, c->endpoint_from);
	str_copy(c->authority, sizeof(c->authority), p);
	if (c->config_path[0])
		cli_ini_get(c->config_path, c->profile, true, "ca_file", c->ca_file,
			    sizeof(c->ca_file));
	c->resolved = true;
	return 0;
}

/* ---- slipway configure ---- */

/* Asks for a value on the terminal; Enter keeps current.  0 when a line was read. */
static int conf__prompt(const char *label, const char *current, bool secret, char *out, size_t size)
{
	struct termios old, quiet;
	bool hide = secret && tcgetattr(STDIN_FILENO, &old) == 0;
	size_t n;

	/* echo goes off before the prompt shows, so that type-ahead is not echoed either */
	if (hide) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (current && current[0] && secret && strlen(current) > 4)
		fprintf(stderr, "%s [****%s]: ", label, current + strlen(current) - 4);
	else
		fprintf(stderr, "%s [%s]: ", label, current && current[0] ? current : "none");
	fflush(stderr);
	if (!fgets(out, (int)size, stdin))
		out[0] = '\0';
	if (hide) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fputc('\n', stderr);
	}
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (!out[0] && current)
		str_copy(out, size, current);
	return 0;
}

int cli_configure(struct cli_args *a);
int cli_configure(struct cli_args *a)
{
	static const struct {
		const char *opt;   /* option */
		const char *label; /* prompt */
		const char *key;   /* INI key */
		bool config;	   /* in the config file (else credentials) */
		bool secret;
	} fields[] = {
		{ "access-key", "Access key id", "aws_access_key_id", false, false },
		{ "secret-key", "Secret access key", "aws_secret_access_key", false, true },
		{ "region", "Region", "region", true, false },
		{ "endpoint", "Endpoint URL", "endpoint_url", true, false },
		{ "ca", "slipwayd's certificate (DATA/server.crt)", "ca_file", true, false },
	};
	char cred[CLI_PATH_MAX], cfg[CLI_PATH_MAX];
	const char *profile = a->g.profile ? a->g.profile : CLI_DEFAULT_PROFILE;
	bool ask = isatty(STDIN_FILENO) == 1;
	struct buf why = BUF_INIT(4096);
	int changed = 0;

	if (cli_credentials_path(cred, sizeof(cred)) || cli_config_path(cfg, sizeof(cfg)))
		return cli_usage(a, "no HOME: set AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *given =
		    strcmp(fields[i].opt, "region") == 0 ? a->g.region : cli_opt(a, fields[i].opt);
		const char *path = fields[i].config ? cfg : cred;
		char current[4096] = "", value[4096], abs[CLI_PATH_MAX];

		if (!given && !ask)
			continue;
		cli_ini_get(path, profile, fields[i].config, fields[i].key, current,
			    sizeof(current));
		if (given)
			str_copy(value, sizeof(value), given);
		else
			conf__prompt(fields[i].label, current, fields[i].secret, value,
				     sizeof(value));
		if (!value[0] || strcmp(value, current) == 0)
			continue;
		if (strcmp(fields[i].key, "endpoint_url") == 0 && !str_starts(value, "http://") &&
		    !str_starts(value, "https://"))
			return cli_usage(
			    a, "the endpoint must be an http:// or https:// URL, not '%s'", value);
		if (strcmp(fields[i].key, "ca_file") == 0) {
			if (!realpath(value, abs))
				return cli_usage(a, "cannot read the certificate '%s': %s", value,
						 strerror(errno));
			str_copy(value, sizeof(value), abs);
		}
		if (cli_ini_set(path, profile, fields[i].config, fields[i].key, value, &why)) {
			cli_error(a, CLI_FAILED, "", "%s", buf_str(&why));
			buf_release(&why);
			return cli_fail(a);
		}
		explicit_bzero(value, sizeof(value));
		changed++;
	}
	buf_release(&why);
	if (a->g.output == CLI_OUT_JSON) {
		json_t *j = json_pack("{s:s,s:s,s:s,s:i}", "profile", profile, "credentialsFile",
				      cred, "configFile", cfg, "changed", changed);

		cli_json_print(j);
		json_decref(j);
	} else if (!changed) {
		printf("profile '%s' unchanged (%s, %s)\n", profile, cred, cfg);
	} else {
		printf("profile '%s' saved (%s, %s)\n", profile, cred, cfg);
	}
	return CLI_OK;
}
