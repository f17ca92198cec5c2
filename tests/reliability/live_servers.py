"""The live-connection apps (:mod:`live_asgi_app`, :mod:`live_django_app`) in real servers."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from reliability_servers import HERE, free_port, port_open, wait_until

__all__ = ["live_server"]


@contextlib.contextmanager
def live_server(
    kind: str, tmp: Path, endpoint: str
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """uvicorn (``asgi``) or daphne (``django``) serving the live apps on a free port.

    Yields the process, the URL of ``/ws/<endpoint>`` and the file of recorded work starts.
    """
    port = free_port()
    started = tmp / "started.txt"
    env = {
        **os.environ,
        "CHANX_LIVE_STARTED": str(started),
        "CHANX_LIVE_DB": str(tmp / "db.sqlite3"),
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    if kind == "asgi":
        argv = [
            sys.executable, "-m", "uvicorn", "live_asgi_app:app", "--app-dir", str(HERE),
            "--host", "127.0.0.1", "--port", str(port), "--ws", "websockets-sansio",
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        path = f"/ws/{endpoint}"
    else:
        argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                "live_django_app:application"]  # fmt: skip
        path = f"/ws/{endpoint}/"
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    process = subprocess.Popen(argv, env=env, cwd=HERE, stdout=log, stderr=log)

    def ready() -> bool:
        if process.poll() is not None:
            log.seek(0)
            raise AssertionError(f"{kind} server exited: {log.read().decode(errors='replace')}")
        return port_open(port)

    try:
        wait_until(ready, 30, f"the {kind} server on port {port}")
        yield process, f"ws://127.0.0.1:{port}{path}", started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        log.close()
