/* agentchannel/channel: the keys the agents' long polls park under. */
#include "channel.h"
#include "contract/env.h"
#include "base/str.h"

void agentchannel_key(const char *instance, char *out, size_t size)
{
	str_fmt(out, size, "commands/%s", instance); /* cut, still terminated, when too long */
}

int64_t agentchannel_poll_timeout_ms(const struct env *env)
{
	int s = env->cfg ? env->cfg->poll_timeout_s : 0;

	return (s > 0 ? s : AGENTCHANNEL_POLL_TIMEOUT_DEFAULT) * 1000LL;
}

void agentchannel_notify(void *park, const char *instance)
{
	char key[HTTP_PARK_KEY_MAX];

	agentchannel_key(instance, key, sizeof(key));
	http_unpark(park, key);
}
