"""`pdf2audiobook serve` as a real process on a free loopback port, and raw HTTP clients
that send exactly what an attacker would (a body that stalls, a download read slowly).

The server runs in its own session and is ended by its own process group id; every wait
is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.service.auth.token_factory import public_pem, rs256_token
from tests.service.worker.processes import CLI, START_SECONDS, free_port, wait_for

SOCKET_SECONDS = 10.0


class ApiServer:
    def __init__(
        self,
        folder: Path,
        key: rsa.RSAPrivateKey,
        database_url: str,
        settings: Mapping[str, object],
    ) -> None:
        self.port = free_port()
        self.folder = folder
        self.key = key
        self.log = folder / "server.log"
        self.environment = {
            **{name: value for name, value in os.environ.items() if name != "REDIS_URL"},
            "ENVIRONMENT": "test",
            "SECRET_KEY": "test-secret-not-for-production",
            "DATA_DIR": str(folder / "data"),
            "DATABASE_URL": database_url,
            "JWT_PUBLIC_KEY_PEM": public_pem(key),
            "JOB_WORKERS": "1",
            "RATE_LIMITS_ENABLED": "false",
            **{name.upper(): str(value) for name, value in settings.items()},
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.folder,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self._answers, START_SECONDS, f"the API on port {self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=START_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=START_SECONDS)
        self.process = None

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS line")

    def token(self, subject: str) -> str:
        return rs256_token(self.key, kid=None, sub=subject)

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the server exited: {self.log.read_text()[-3000:]}")
        try:
            httpx.get(f"{self.url}/health", timeout=1.0)
        except httpx.TransportError:
            return False
        return True


def open_request(
    server: ApiServer,
    method: str,
    path: str,
    headers: Mapping[str, str],
    *,
    receive_buffer: int | None = None,
) -> socket.socket:
    """A connection that has sent a request line and headers, and no body yet."""
    connection = socket.socket()
    if receive_buffer is not None:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    connection.settimeout(SOCKET_SECONDS)
    connection.connect(("127.0.0.1", server.port))
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return connection


def send_quietly(connection: socket.socket, data: bytes) -> int:
    """Send what the server will take; a server that has answered and closed takes no more.
    Returns the bytes sent."""
    sent = 0
    block = 64 * 1024
    try:
        while sent < len(data):
            sent += connection.send(data[sent : sent + block])
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass
    return sent


def read_head(
    connection: socket.socket, *, whole_body: bool = False
) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and whatever body bytes came with them; with `whole_body`, the
    body as long as its Content-Length says (a short error answer, not a download)."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            raise AssertionError(f"closed before a whole response head: {received!r}")
        received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    # The body may follow the head in a later packet: read as much as the head announces.
    length = int(headers.get("content-length", "0") or 0) if whole_body else 0
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(status_line.split()[1]), headers, rest


def closed_by_server(connection: socket.socket) -> bool:
    """True once the server has closed its side (after sending whatever it had left)."""
    try:
        while connection.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True
