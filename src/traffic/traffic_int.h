/* traffic_int: what the files of src/traffic/ share and nothing else does. */
#ifndef SW_TRAFFIC_INT_H
#define SW_TRAFFIC_INT_H

#include "base/err.h"

#include <sys/socket.h>

/* The address of a declared socket: an absolute UNIX path, or tcp:HOST:PORT with HOST an
 * IPv4 address, [IPv6] or localhost (no name lookups: they could block past any timeout).
 * -SW_E_INVALID saying what is wrong. */
int traffic__socket_addr(const char *sock, struct sockaddr_storage *ss, socklen_t *len,
			 struct err *e);

#endif
