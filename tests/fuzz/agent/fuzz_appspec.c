/* fuzz_appspec: any bytes through the AppSpec parser and validator. */
#include "agent/appspec.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = { "BeforeInstall", "AfterInstall", "Custom", NULL };
	struct appspec as;
	struct err e;

	appspec_parse((const char *)data, size, "appspec.yml", NULL, &as, &e);
	appspec_release(&as);
	appspec_parse((const char *)data, size, "appspec.yml", allowed, &as, &e);
	appspec_release(&as);
	return 0;
}
