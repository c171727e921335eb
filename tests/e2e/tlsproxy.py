"""A real HAProxy terminating TLS on a loopback port in front of a slipwayd, for tests of
clients that speak https (botocore's trailer checksums, the agent's certificate checks)."""
import contextlib
import shutil
import signal
import socket
import ssl
import subprocess
import time

import ports
import pytest


def _handshake(port, crt):
    """Whether a TLS handshake on port succeeds with crt as the only trusted certificate."""
    ctx = ssl.create_default_context(cafile=str(crt))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname="127.0.0.1"):
                return True
    except OSError:  # ssl.SSLError too: not (yet) our HAProxy
        return False


@contextlib.contextmanager
def tls_terminator(backend_port, tmp_path):
    """Yields (https URL, path of the proxy's self-signed certificate for 127.0.0.1); skips the
    test when haproxy or openssl is not installed.  HAProxy inherits its listening socket
    (`bind fd@N`), so no other test can take the port between choosing and binding it, and it
    is ready once a handshake with its own certificate succeeds."""
    if not shutil.which("haproxy") or not shutil.which("openssl"):
        pytest.skip("haproxy or openssl is not installed")
    key, crt, pem = tmp_path / "tls.key", tmp_path / "tls.crt", tmp_path / "tls.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(crt)], check=True, capture_output=True)
    pem.write_bytes(crt.read_bytes() + key.read_bytes())
    listener = ports.listening_socket()
    port = listener.getsockname()[1]
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(f"""global
    maxconn 200
defaults
    mode tcp
    timeout connect 5s
    timeout client 120s
    timeout server 120s
frontend tls
    bind fd@{listener.fileno()} ssl crt {pem}
    default_backend slipwayd
backend slipwayd
    server s1 127.0.0.1:{backend_port}
""")
    log = open(tmp_path / "haproxy.log", "wb")
    proc = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=log,
                            stderr=subprocess.STDOUT, pass_fds=[listener.fileno()])
    listener.close()  # HAProxy has its own copy
    try:
        deadline = time.time() + 120
        while not _handshake(port, crt):
            if proc.poll() is not None or time.time() > deadline:
                log.flush()
                raise RuntimeError("haproxy did not start:\n" +
                                   (tmp_path / "haproxy.log").read_text(errors="replace"))
            time.sleep(0.05)
        yield f"https://127.0.0.1:{port}", crt
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
