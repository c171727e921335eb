/* util: small helpers on the daemon state shared by services. */
#include "slipwayd.h"
#include "base/str.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <unistd.h>

int slipwayd_s3_domain_add(struct slipwayd_config *cfg, const char *name, struct err *e)
{
	char low[SLIPWAYD_HOST_MAX];
	size_t n = strlen(name), label = 0;
	struct in_addr a;

	if (n && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(low))
		return err_set(e, SW_E_INVALID, "an S3 domain has 1 to 253 characters");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '.') {
			if (label == 0)
				return err_set(e, SW_E_INVALID,
					       "S3 domain '%.*s' has an empty label", (int)n, name);
			label = 0;
		} else if (isalnum(ch) || ch == '-') {
			if (++label > 63)
				return err_set(e, SW_E_INVALID,
					       "S3 domain '%.*s' has a label longer than 63",
					       (int)n, name);
		} else {
			return err_set(e, SW_E_INVALID,
				       "S3 domain '%.*s' is not a host name (letters, digits, '-' "
				       "and '.'; no port)",
				       (int)n, name);
		}
		low[i] = (char)tolower(ch);
	}
	low[n] = '\0';
	if (inet_pton(AF_INET, low, &a) == 1)
		return err_set(e, SW_E_INVALID,
			       "S3 domain '%s' is an address: requests to an address are always "
			       "path-style",
			       low);
	for (int i = 0; i < cfg->ns3_domains; i++)
		if (strcmp(cfg->s3_domains[i], low) == 0)
			return 0;
	if (cfg->ns3_domains >= SLIPWAYD_S3_DOMAINS_MAX)
		return err_set(e, SW_E_INVALID, "at most %d S3 domains", SLIPWAYD_S3_DOMAINS_MAX);
	str_copy(cfg->s3_domains[cfg->ns3_domains++], SLIPWAYD_HOST_MAX, low);
	return 0;
}

void slipwayd_s3_domains_default(struct slipwayd_config *cfg)
{
	char host[SLIPWAYD_HOST_MAX];

	slipwayd_s3_domain_add(cfg, "localhost", NULL);
	if (strcmp(cfg->listen_host, "0.0.0.0") == 0 && gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		slipwayd_s3_domain_add(cfg, host, NULL); /* an unusable name is left out */
	}
}
