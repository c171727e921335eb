"""Loopback ports for tests that run side by side (pytest-xdist workers, other checkouts' suites
on the same machine), where a port picked by asking for "any free one" and used a moment later
may be someone else's by then:

    hold(port)          keeps a server's port across its restarts
    dead_port()         a port that stays closed: connecting to it is refused
    listening_socket()  a bound, listening socket to hand to a child (HAProxy's `bind fd@N`)
"""
import socket

_dead = []  # dead_port()'s sockets: they stay bound as long as the test process runs


def hold(port):
    """A socket bound (never listening) to 127.0.0.1:port with SO_REUSEPORT alone.  While it is
    open nobody else gets the port — bind(0) and connect() skip a port bound this way, and a bind
    without SO_REUSEPORT fails — but a slipwayd restarted on it still binds (libmicrohttpd's
    MHD_OPTION_LISTENING_ADDRESS_REUSE sets SO_REUSEADDR and SO_REUSEPORT).  Connections to
    the port while no server listens are refused, as with nothing bound.  Close it when the
    server is gone for good."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", port))
    return s


def dead_port():
    """A loopback port nothing listens on, nor will while this process runs: it is bound here
    (no SO_REUSEADDR or SO_REUSEPORT, never listening), so connecting to it is refused."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    _dead.append(s)
    return s.getsockname()[1]


def listening_socket():
    """A socket listening on an ephemeral loopback port, to pass to a child process (pass_fds)
    so that there is no moment between choosing the port and binding it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    return s
