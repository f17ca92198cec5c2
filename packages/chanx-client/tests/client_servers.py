"""A uvicorn process serving ``client_app`` on a fixed free port: start, stop, start again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class AppServer:
    """``app`` (``client_app:app`` by default) under uvicorn on ``port``; the same port
    across restarts."""

    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    app: str = "client_app:app"

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        argv = [
            sys.executable, "-m", "uvicorn", self.app, "--app-dir", str(HERE),
            "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                argv, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=out, stderr=out
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited:\n{self.log.read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"uvicorn did not listen on {self.port} within {timeout}s")

    def freeze(self, timeout: float = 10.0) -> None:
        """Stop the process (SIGSTOP) and return once the kernel reports it stopped: its
        sockets stay open, and nothing it receives from now on is answered until
        :meth:`thaw`."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        stat = Path(f"/proc/{self.process.pid}/stat")
        deadline = time.monotonic() + timeout
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "T":
            if time.monotonic() > deadline:
                raise TimeoutError(f"uvicorn did not stop within {timeout}s")
            time.sleep(0.001)

    def thaw(self) -> None:
        """Let a frozen process run again (SIGCONT)."""
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """Stop abruptly (SIGKILL): connections drop without a close frame."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
