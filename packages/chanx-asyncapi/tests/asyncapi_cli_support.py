"""Helpers to run the ``chanx-asyncapi`` console script and its docs server in tests."""

from __future__ import annotations

import os
import re
import selectors
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent


def cli_path() -> str:
    """The installed console script (next to the interpreter running the tests)."""
    beside = Path(sys.executable).parent / "chanx-asyncapi"
    found = str(beside) if beside.exists() else shutil.which("chanx-asyncapi")
    if not found:
        raise RuntimeError("the chanx-asyncapi console script is not installed")
    return found


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``chanx-asyncapi ARGS`` to completion."""
    return subprocess.run(
        [cli_path(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


@contextmanager
def serving(*args: str, deadline: float = 60.0) -> Iterator[str]:
    """Run ``chanx-asyncapi serve ARGS --port 0``; yields the base URL it prints."""
    proc = subprocess.Popen(
        [cli_path(), "serve", *args, "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        end = time.monotonic() + deadline
        line = ""
        while not line and time.monotonic() < end and proc.poll() is None:
            if selector.select(timeout=max(0.0, end - time.monotonic())):
                line = proc.stdout.readline()
        match = re.search(r"http://[\d.]+:\d+/", line)
        if match is None:
            err = proc.stderr.read() if proc.poll() is not None and proc.stderr else ""
            raise AssertionError(f"serve did not announce its URL: {line!r} {err}")
        yield match.group(0)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
