/* park: long polls without a thread each — a handler parks its request under a key until
 * another thread wakes that key, the park's time is up, or slipwayd stops.  The server owns
 * the wait list (src/server/park.c) and suspends and resumes the connection; a service sees
 * only these calls and struct park (reached as req->env->park).
 *
 * How a handler parks (the agent channel's PollHostCommand, services/agentchannel/service.c):
 *
 *	for (;;) {
 *		uint64_t gen = http_park_generation(env->park, key);
 *		… look in the store; answer if something is there …
 *		switch (http_park(req, key, gen, timeout_ms)) {
 *		case HTTP_PARKED: resp->status = 0; return;  // the handler runs again when woken
 *		case HTTP_PARK_RETRY: continue;               // a wake came in between: look again
 *		case HTTP_PARK_EXPIRED: … answer "nothing" …
 *		}
 *	}
 *
 * When woken (or when its time is up, or slipwayd stops) the request's handler is called
 * again from the start, with the same req: it looks again and parks again or answers.  The
 * deadline is fixed by the first http_park of a request and kept across wakes.  The
 * generation is per key (keys share a counter when they hash alike, which costs a spurious
 * look, never a missed wake): read it before looking, so that a wake between the look and the
 * park makes http_park answer HTTP_PARK_RETRY instead of sleeping through it. */
#ifndef SW_PARK_H
#define SW_PARK_H

#include <stddef.h>
#include <stdint.h>

struct park;
struct http_req;

#define HTTP_PARK_KEY_MAX 160 /* bytes of a key, its NUL included; longer keys are cut */

enum http_park_result {
	HTTP_PARKED,	   /* parked: answer nothing now (resp->status = 0) */
	HTTP_PARK_RETRY,   /* woken since gen: look again, then park again */
	HTTP_PARK_EXPIRED, /* time is up, slipwayd is stopping, or no memory: answer now */
};

/* The generation of key's wait list, to pass to http_park. */
uint64_t http_park_generation(struct park *p, const char *key);

/*
 * Parks req (its connection is suspended by the server) under key until http_unpark*(key),
 * timeout_ms after the request's first park, or the park's shutdown.  gen is what
 * http_park_generation returned before the handler looked.  Only a handler may call it, on
 * its own request, and it must return at once when HTTP_PARKED.
 */
enum http_park_result http_park(struct http_req *req, const char *key, uint64_t gen,
				int64_t timeout_ms);

/* Wakes every request parked under key (bumping its generation); returns how many.  Any
 * thread; a NULL park is a no-op. */
size_t http_unpark(struct park *p, const char *key);
/* Wakes the request parked longest under key, if any (bumping the generation); returns 1 when
 * it woke one. */
size_t http_unpark_one(struct park *p, const char *key);

#endif
