"""A real HAProxy terminating TLS on a loopback port in front of a slipwayd, for tests of
clients that speak https (botocore's trailer checksums, the agent's certificate checks)."""
import contextlib
import shutil
import signal
import socket
import subprocess
import time

import pytest


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@contextlib.contextmanager
def tls_terminator(backend_port, tmp_path):
    """Yields (https URL, path of the proxy's self-signed certificate for 127.0.0.1); skips the
    test when haproxy or openssl is not installed."""
    if not shutil.which("haproxy") or not shutil.which("openssl"):
        pytest.skip("haproxy or openssl is not installed")
    key, crt, pem = tmp_path / "tls.key", tmp_path / "tls.crt", tmp_path / "tls.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(crt)], check=True, capture_output=True)
    pem.write_bytes(crt.read_bytes() + key.read_bytes())
    port = _free_port()
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(f"""global
    maxconn 200
defaults
    mode tcp
    timeout connect 5s
    timeout client 120s
    timeout server 120s
frontend tls
    bind 127.0.0.1:{port} ssl crt {pem}
    default_backend slipwayd
backend slipwayd
    server s1 127.0.0.1:{backend_port}
""")
    proc = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"https://127.0.0.1:{port}", crt
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
