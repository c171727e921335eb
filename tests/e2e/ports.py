"""Loopback ports for tests that run side by side (pytest-xdist workers, other checkouts' suites
on the same machine), where a port picked by asking for "any free one" and used a moment later
may be someone else's by then:

    hold(port)          keeps a server's port across its restarts
    dead_port()         a port that stays closed: connecting to it is refused
    listening_socket()  a bound, listening socket to hand to a child (HAProxy's `bind fd@N`)
    unread(...)         what a server has not yet read of each client connection (from `ss`),
                        to wait until a request is really with the server instead of sleeping
    held_by_slipwayd()  whether slipwayd holds each of some requests as a suspended long poll
"""
import os
import re
import socket
import subprocess

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


def unread(server_port, client_ports):
    """{client port: bytes the server has not read yet, or None when it has read nothing at
    all} for each established connection from client_ports to 127.0.0.1:server_port, from the
    server's end as `ss` shows it (Recv-Q and tcp_info's bytes_received).  A connection
    missing from the answer is not established (yet, or any more)."""
    out = subprocess.run(["ss", "-Htni", "state", "established", f"( sport = :{server_port} )"],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    found = {}
    peer = None
    for line in out.splitlines():
        fields = line.split()
        if not line.startswith((" ", "\t")) and len(fields) >= 4:
            peer = int(fields[3].rsplit(":", 1)[1])
            queued = int(fields[0])
            if peer in client_ports:
                found[peer] = queued
        elif peer in found:
            m = re.search(r"\bbytes_received:(\d+)", line)
            if not m or int(m.group(1)) == 0:
                found[peer] = None
            peer = None
    return found


def read_by_server(server_port, client_ports):
    """Whether the server at server_port has read everything each of client_ports sent it (and
    was sent something): on loopback the bytes are with the peer once send() returns, so after a
    client has sent its whole request this means the server has taken it in."""
    got = unread(server_port, set(client_ports))
    return len(got) == len(set(client_ports)) and all(v == 0 for v in got.values())


def client_ports(pid, server_port):
    """The local ports of process pid's TCP connections to 127.0.0.1:server_port."""
    inodes = set()
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(remote.split(":")[1], 16) == server_port:
                ports.add(int(local.split(":")[1], 16))
    return ports


def _server_inodes(server_port, client_ports):
    """{client port: inode of the server's end of that connection} from /proc/net/tcp."""
    found = {}
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            peer = int(remote.split(":")[1], 16)
            if int(local.split(":")[1], 16) == server_port and peer in client_ports:
                found[peer] = inode
    return found


def held_by_slipwayd(pid, server_port, client_ports):
    """Whether slipwayd (process pid, on server_port) has taken in the request of each of
    client_ports and set it aside as a waiting long poll.  Having read a request is not enough:
    its handler may still be checking the caller, and slipwayd answers at shutdown only the polls
    already waiting.  libmicrohttpd takes a suspended connection's socket out of its epoll sets,
    so: read (read_by_server), and the socket is slipwayd's but in none of its epoll sets
    (/proc/PID/fdinfo lists an epoll instance's descriptors)."""
    client_ports = set(client_ports)
    if not read_by_server(server_port, client_ports):
        return False
    inodes = _server_inodes(server_port, client_ports)
    if len(inodes) != len(client_ports):
        return False
    sockets, polled = {}, set()
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            sockets[target[8:-1]] = int(fd)
        elif target == "anon_inode:[eventpoll]":
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    polled.update(int(n) for n in re.findall(r"^tfd:\s+(\d+)", f.read(), re.M))
            except OSError:
                continue
    return all(inode in sockets and sockets[inode] not in polled for inode in inodes.values())
