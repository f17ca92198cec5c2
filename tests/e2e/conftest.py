"""Fixtures of the end-to-end tests: real server processes on free 127.0.0.1 ports.

``start_server(argv, env=...)`` runs a server command (uvicorn, daphne, ``python -m demo``)
with ``{port}`` in ``argv`` replaced by a free port, waits until the port accepts connections
(polling with a deadline), and stops the process after the test. ``start_redis()`` runs a
private ``redis-server`` on a free port for fault tests (stop and restart it at will).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django_projects
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Return once ``port`` accepts connections; fail early if ``process`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


@dataclass
class ServerProcess:
    """A running server subprocess; its output goes to ``log``."""

    argv: list[str]
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    cwd: Path = ROOT

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_for_port(self.port, self.process)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"{exc}; command {self.argv}; output:\n{self.output()}") from None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class _Registry:
    servers: list[ServerProcess] = field(default_factory=list)


StartServer = Callable[..., ServerProcess]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """``start_server(argv, env=None)``: start a server; ``{port}`` in argv is filled in."""
    registry = _Registry()

    def start(argv: Sequence[str], env: dict[str, str] | None = None) -> ServerProcess:
        port = free_port()
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        log = tmp_path / f"server-{len(registry.servers)}-{port}.log"
        server = ServerProcess([a.replace("{port}", str(port)) for a in argv], port, full_env, log)
        registry.servers.append(server)
        server.start()
        return server

    yield start
    for server in reversed(registry.servers):
        server.stop()


SeedDb = Callable[[Path, dict[str, str], str, str], Any]


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> SeedDb:
    """``seeded_db(project, env, db_var, seed)``: :func:`django_projects.seeded_database`."""
    templates = tmp_path_factory.mktemp("seeded-databases")

    def seed(project: Path, env: dict[str, str], db_var: str, command: str) -> Any:
        return django_projects.seeded_database(project, env, db_var, command, templates)

    return seed


def uvicorn_argv(app: str, *extra: str) -> list[str]:
    """uvicorn serving ``app`` (``module:attr``, importable from tests/e2e) on ``{port}``."""
    return [
        sys.executable, "-m", "uvicorn", app, "--app-dir", str(HERE),
        "--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning", *extra,
    ]  # fmt: skip


@pytest.fixture
def uvicorn_cmd() -> Callable[..., list[str]]:
    """``uvicorn_cmd("module:app", *extra)``: the argv for ``start_server``."""
    return uvicorn_argv


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[Callable[[], ServerProcess]]:
    """``start_redis()``: a private, non-persistent redis-server on a free port."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server is not installed")
    servers: list[ServerProcess] = []

    def start() -> ServerProcess:
        port = free_port()
        argv = [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        server = ServerProcess(argv, port, dict(os.environ), tmp_path / f"redis-{port}.log")
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
