"""What the tests that start a real server of their own share (Dovecot, slapd, the OpenID
provider, PostgreSQL clusters, gunicorn): a free loopback port, and stopping the process."""

import socket
import subprocess

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port free on the loopback address now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """Terminate ``process`` (a server's master stops its children), killing it after 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
