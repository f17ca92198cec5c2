"""Real processes for the reliability suite: uvicorn servers and a private redis-server.

Everything binds to 127.0.0.1 on a free port, waits for readiness by polling with a deadline
(never a fixed sleep), and is stopped by the context manager that started it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

HERE = Path(__file__).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    """True when something accepts TCP connections on ``127.0.0.1:port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


async def async_wait_until(
    condition: Callable[[], bool | Awaitable[bool]], timeout: float, what: str
) -> float:
    """Async twin of :func:`wait_until`; returns the seconds it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return loop.time() - start
        if loop.time() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


class UvicornServer:
    """``reliability_app:create_app`` served by uvicorn in a child process."""

    def __init__(
        self,
        layer: str = "memory",
        redis_url: str = "",
        prefix: str = "",
        capacity: int = 1000,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            **(extra_env or {}),
            "CHANX_REL_CAPACITY": str(capacity),
            "CHANX_REL_LAYER": layer,
            "CHANX_REL_REDIS_URL": redis_url,
            "CHANX_REL_PREFIX": prefix or f"chanx-rel-{os.getpid()}-{self.port}",
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        }
        self.process: subprocess.Popen[bytes] | None = None
        # a file, not a pipe: a full pipe would block the server; closed in __exit__
        self._log = tempfile.TemporaryFile()  # noqa: SIM115

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log(self) -> str:
        """What the server wrote to stderr so far."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def start(self) -> UvicornServer:
        command = [
            sys.executable, "-m", "uvicorn", "reliability_app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--ws", "websockets-sansio",
            "--log-level", "warning", "--no-access-log", "--app-dir", str(HERE),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, env=self.env, stderr=self._log)
        process = self.process

        def ready() -> bool:
            if process.poll() is not None:
                err = self.log()[-2000:]
                raise AssertionError(f"uvicorn exited with {process.returncode}: {err}")
            return port_open(self.port)

        wait_until(ready, 30, f"uvicorn on port {self.port}")
        return self

    def kill(self) -> None:
        """SIGKILL: the process dies without closing anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, grace: float = 3.0) -> str:
        """Terminate (SIGTERM, then SIGKILL after ``grace`` s); return the server's stderr.

        The grace is short on purpose: with the Redis core layer uvicorn's graceful shutdown
        takes about the layer's blocking-read timeout (5 s), and no test checks shutdown.
        """
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        return self.log()

    def __enter__(self) -> UvicornServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._log.close()


class RedisServer:
    """A private ``redis-server`` (no persistence) that a test may stop and restart."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail("redis-server is required in CI")
            pytest.skip("redis-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = [
            self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
            "--appendonly", "no", "--maxclients", "4000", "--loglevel", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until(self.answers, 10, f"redis-server on port {self.port}")
        return self

    def answers(self) -> bool:
        """True when the server answers PING."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def pause(self, seconds: float) -> None:
        """``CLIENT PAUSE``: the server keeps connections but answers nothing for a while."""
        with socket.create_connection(("127.0.0.1", self.port), 2) as s:
            s.sendall(f"CLIENT PAUSE {int(seconds * 1000)} ALL\r\n".encode())
            assert s.recv(16).startswith(b"+OK")

    def stop(self) -> None:
        """Kill the server (its data is gone: it has no persistence)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)
        wait_until(lambda: not port_open(self.port), 10, "redis-server to stop")

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def open_clients(url: str, count: int, batch: int = 50) -> list[ClientConnection]:
    """Open ``count`` WebSocket connections, ``batch`` handshakes at a time."""
    clients: list[ClientConnection] = []
    for start in range(0, count, batch):
        size = min(batch, count - start)
        clients += await asyncio.gather(*(ws_connect(url) for _ in range(size)))
    return clients


def ws_connect(url: str) -> Any:
    """A client connection without keepalive pings (a loaded test machine may be slow)."""
    return connect(url, ping_interval=None, max_size=None, open_timeout=30, close_timeout=2)


async def close_clients(clients: list[ClientConnection]) -> None:
    """Close every client, ignoring the ones the server already dropped."""
    for client in clients:
        with contextlib.suppress(Exception):
            await client.close()


class RawWebSocket:
    """A minimal blocking WebSocket client on a plain socket, for a client that does not read.

    Library clients keep reading into their own buffers; this one reads only when asked, so
    the server really meets a full TCP window.
    """

    def __init__(self, port: int, path: str, recv_buffer: int = 4096) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, recv_buffer)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise AssertionError("server closed during the handshake")
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed by the server")
            data += chunk
        return data

    def recv_text(self) -> str:
        """The next text frame (server frames are unmasked and, here, unfragmented)."""
        first, second = self._exact(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(self._exact(2), "big")
        elif length == 127:
            length = int.from_bytes(self._exact(8), "big")
        payload = self._exact(length)
        opcode = first & 0x0F
        if opcode == 0x8:
            raise ConnectionError(f"close frame {payload[:2].hex()}")
        assert opcode == 0x1, f"unexpected opcode {opcode}"
        return payload.decode()

    def send_text(self, text: str) -> None:
        """Send one masked text frame."""
        data = text.encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        elif len(data) < 65536:
            header += bytes([0x80 | 126]) + len(data).to_bytes(2, "big")
        else:
            header += bytes([0x80 | 127]) + len(data).to_bytes(8, "big")
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def close(self) -> None:
        self.sock.close()


def rss_bytes(pid: int) -> int:
    """Resident set size of process ``pid`` (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for pid {pid}")
