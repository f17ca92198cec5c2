"""Follow the FastAPI quick start of docs/getting-started.rst in a fresh venv, as a reader would.

1. ``pip install`` the packages the page names, in a new virtual environment; chanx's own
   packages come from the wheels in ``dist/`` (built first if missing), the rest from the index;
2. save ``chat_app.py`` (the file the page includes) in an empty folder;
3. ``uvicorn chat_app:app``;
4. run ``python -m websockets ws://.../ws/chat``, type each ``>`` line of the page's transcript
   and wait for each ``<`` line to be printed.

Usage: ``python scripts/check_quickstart.py`` (needs ``uv``).
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_packages as cp

PAGE = cp.ROOT / "docs" / "getting-started.rst"
APP = cp.ROOT / "docs" / "examples" / "chat_app.py"


def install_line(page: str) -> list[str]:
    """The requirements of the quick start's ``pip install`` line."""
    section = page.split("Quick start: FastAPI", 1)[1]
    match = re.search(r"^\s+pip install (chanx-asgi .+)$", section, re.M)
    if match is None:
        raise cp.CheckError("the FastAPI quick start has no `pip install chanx-asgi ...` line")
    return shlex.split(match.group(1))


def transcript(page: str) -> list[tuple[str, str]]:
    """``(">" or "<", text)`` pairs of the quick start's client session."""
    lines = [line.strip() for line in page.splitlines()]
    return [(line[0], line[2:]) for line in lines if line.startswith(("> ", "< "))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def talk(python: Path, url: str, steps: list[tuple[str, str]]) -> None:
    """Drive the interactive ``websockets`` client line by line."""
    client = await asyncio.create_subprocess_exec(
        python,
        "-m",
        "websockets",
        url,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert client.stdin is not None
    assert client.stdout is not None
    seen = ""
    try:
        for kind, text in steps:
            if kind == ">":
                client.stdin.write(text.encode() + b"\n")
                await client.stdin.drain()
                continue
            deadline = time.monotonic() + 10
            while text not in seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise cp.CheckError(f"expected {text!r}, the client printed:\n{seen}")
                chunk = await asyncio.wait_for(client.stdout.read(4096), left)
                if not chunk:
                    raise cp.CheckError(f"the client exited; it printed:\n{seen}")
                seen += chunk.decode(errors="replace")
            seen = seen.split(text, 1)[1]
            print(f"ok  < {text}", flush=True)
    finally:
        client.stdin.close()
        await asyncio.wait_for(client.wait(), 10)


async def run(workdir: Path) -> None:
    page = PAGE.read_text()
    packages = cp.discover()
    dist = cp.ROOT / "dist"
    asgi, core = packages["chanx-asgi"], packages["chanx-core"]
    if not all((dist / f"{p.wheel_stem}-py3-none-any.whl").exists() for p in (asgi, core)):
        cp.build([asgi, core], dist)
    local = {p.name: str(cp.find_artifacts(p, dist)[0]) for p in (asgi, core)}
    requirements = [local.get(r, r) for r in install_line(page)] + [local["chanx-core"]]
    venv = workdir / ".venv"
    cp.run([*cp.uv(), "venv", "--quiet", "--python", sys.executable, venv])
    python = venv / "bin" / "python"
    cp.run([*cp.uv(), "pip", "install", "--quiet", "--python", python, *requirements])
    project = workdir / "project"
    project.mkdir()
    shutil.copy(APP, project / "chat_app.py")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    server = await asyncio.create_subprocess_exec(
        venv / "bin" / "uvicorn",
        "chat_app:app",
        "--port",
        str(port),
        cwd=project,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.returncode is not None:
                    raise cp.CheckError("uvicorn chat_app:app did not start") from None
                await asyncio.sleep(0.1)
        await talk(python, f"ws://127.0.0.1:{port}/ws/chat", transcript(page))
    finally:
        if server.returncode is None:
            server.terminate()
        try:
            await asyncio.wait_for(server.communicate(), 10)
        except TimeoutError:
            server.kill()
            await server.communicate()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="chanx-quickstart-") as tmp:
        try:
            asyncio.run(run(Path(tmp)))
        except cp.CheckError as exc:
            print(f"FAIL {exc}", file=sys.stderr)
            return 1
    print("the FastAPI quick start works as written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
