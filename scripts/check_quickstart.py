"""Follow the install and FastAPI quick start pages as a reader would, in fresh venvs.

The reader works in a new folder holding a clone of the repository as ``./chanx`` (here: a
symlink to this checkout); the quick starts work in a new folder beside it (``../chanx``).
Every command comes from the pages themselves:

1. each ``pip install ./chanx/packages/...`` line of the Installation section of
   docs/getting-started.rst, in its own new venv (``python -m venv`` + its ``pip``): the
   binding imports and the other framework stays out;
2. the FastAPI quick start: its ``pip install`` line in a new venv, ``chat_app.py`` saved in
   the folder, ``uvicorn chat_app:app``, then ``python -m websockets ws://.../ws/chat`` typing
   each ``>`` line of the page's transcript and waiting for each ``<`` line;
3. the testing page (docs/guide/testing.rst) in that venv and folder: its ``pip install``
   line, its ``pyproject.toml`` and ``test_chat_app.py``, then ``pytest -q`` must pass;
4. the Django quick start: its ``pip install`` line in a new venv, ``django-admin
   startproject`` and ``manage.py startapp``, every file it shows, ``manage.py runserver``,
   then its ``client.py`` must print the page's two lines.

The readers run side by side, each in its own folder and venv.

Usage: ``python scripts/check_quickstart.py``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGE = DOCS / "getting-started.rst"
TESTING = DOCS / "guide" / "testing.rst"

#: What each package of an install line must make importable.
IMPORTS = {
    "chanx-asgi": "chanx.fast_channels.websocket",
    "chanx-django": "chanx.channels.websocket",
    "chanx-asyncapi": "chanx.asyncapi",
    "chanx-mixins": "chanx.mixins",
}
#: Modules that an install line must NOT bring in (the other framework).
ABSENT = {
    "chanx-asgi": ("django", "channels"),
    "chanx-django": ("fastapi", "fast_channels", "starlette"),
    "chanx-asyncapi": ("django", "fastapi"),
    "chanx-mixins": ("django", "fastapi"),
}


class CheckError(Exception):
    """A step of a page did not work as written."""


def section(page: str, title: str) -> str:
    """The text of the section ``title`` (up to the next section of the same level)."""
    parts = re.split(r"\n(?=[^\n]+\n-{3,}\n)", page)
    for part in parts:
        if part.startswith(title + "\n"):
            return part
    raise CheckError(f"no section {title!r}")


def bash_lines(text: str) -> list[str]:
    """Commands of the ``.. code-block:: bash`` blocks of ``text`` (comments dropped)."""
    blocks = re.findall(r"\.\. code-block:: bash\n\n((?:   .*\n|\n)+)", text)
    lines = [line.split("  #")[0].strip() for b in blocks for line in b.splitlines()]
    return [line for line in lines if line]


def pip_installs(text: str) -> list[list[str]]:
    """The arguments of each ``pip install`` line of ``text``."""
    return [shlex.split(line)[2:] for line in bash_lines(text) if line.startswith("pip install ")]


def run(argv: list[str | Path], cwd: Path, **kwargs: object) -> str:
    """Run a command of the page; its output, or CheckError with it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        shown = " ".join(str(a) for a in argv)
        raise CheckError(f"`{shown}` failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def new_venv(folder: Path) -> Path:
    """``python3 -m venv .venv`` in ``folder``; the venv's bin directory."""
    run([sys.executable, "-m", "venv", ".venv"], folder)
    return folder / ".venv" / "bin"


def reader_folder(tmp: Path, name: str) -> Path:
    """A new folder holding the clone as ``./chanx``, as after the page's ``git clone``."""
    folder = tmp / name
    folder.mkdir()
    (folder / "chanx").symlink_to(ROOT)
    return folder


def project_folder(tmp: Path, name: str) -> Path:
    """A new, empty folder beside the clone (``../chanx`` from inside it)."""
    project = reader_folder(tmp, name) / "project"
    project.mkdir()
    return project


def install_lines(tmp: Path) -> None:
    """Step 1: every install line of the Installation section, alone in a new venv."""
    lines = pip_installs(section(PAGE.read_text(), "Installation"))
    if len(lines) < 4:
        raise CheckError(f"the Installation section lists {len(lines)} pip install lines")
    for i, args in enumerate(lines):
        names = [re.sub(r"\[.*\]$", "", Path(a).name) for a in args if a.startswith("./")]
        bindings = [n for n in names if n in IMPORTS]
        if names[:1] != ["chanx-core"] or len(bindings) != 1:
            raise CheckError(f"install line {args} should name chanx-core and one package")
        folder = reader_folder(tmp, f"install-{i}")
        bin_dir = new_venv(folder)
        run([bin_dir / "pip", "install", "-q", *args], folder)
        (binding,) = bindings
        probe = (
            "import importlib, importlib.util, sys\n"
            f"importlib.import_module({IMPORTS[binding]!r})\n"
            f"bad = [m for m in {ABSENT[binding]!r} if importlib.util.find_spec(m)]\n"
            "sys.exit(f'also installed: {bad}' if bad else 0)\n"
        )
        run([bin_dir / "python", "-c", probe], folder)
        print(f"ok  pip install {shlex.join(args)}", flush=True)


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
                    raise CheckError(f"expected {text!r}, the client printed:\n{seen}")
                chunk = await asyncio.wait_for(client.stdout.read(4096), left)
                if not chunk:
                    raise CheckError(f"the client exited; it printed:\n{seen}")
                seen += chunk.decode(errors="replace")
            seen = seen.split(text, 1)[1]
            print(f"ok  < {text}", flush=True)
    finally:
        client.stdin.close()
        await asyncio.wait_for(client.wait(), 10)


async def serve_and_talk(bin_dir: Path, project: Path, quick: str) -> None:
    """Step 2's server and client."""
    if "uvicorn chat_app:app" not in bash_lines(quick):
        raise CheckError("the FastAPI quick start no longer runs `uvicorn chat_app:app`")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    server = await asyncio.create_subprocess_exec(
        bin_dir / "uvicorn",
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
                    raise CheckError("uvicorn chat_app:app did not start") from None
                await asyncio.sleep(0.1)
        await talk(bin_dir / "python", f"ws://127.0.0.1:{port}/ws/chat", transcript(quick))
    finally:
        if server.returncode is None:
            server.terminate()
        try:
            await asyncio.wait_for(server.communicate(), 10)
        except TimeoutError:
            server.kill()
            await server.communicate()


def included(page: Path, caption: str) -> Path:
    """The file a ``literalinclude`` with ``:caption: caption`` shows."""
    pattern = rf"\.\. literalinclude:: (\S+)\n(?:   :.*\n)*?   :caption: {re.escape(caption)}\n"
    match = re.search(pattern, page.read_text())
    if match is None:
        raise CheckError(f"{page.name} shows no file captioned {caption!r}")
    return (page.parent / match.group(1)).resolve()


def quick_start_and_testing(tmp: Path) -> None:
    """Steps 2 and 3: one reader, one venv, one folder."""
    quick = section(PAGE.read_text(), "Quick start: FastAPI")
    project = project_folder(tmp, "quickstart")
    bin_dir = new_venv(project)
    (install,) = pip_installs(quick)
    run([bin_dir / "pip", "install", "-q", *install], project)
    source = re.search(r"\.\. literalinclude:: (\S+)", quick)
    if source is None:
        raise CheckError("the FastAPI quick start shows no chat_app.py")
    (project / "chat_app.py").write_text((DOCS / source.group(1)).read_text())
    asyncio.run(serve_and_talk(bin_dir, project, quick))

    (tools,) = pip_installs(TESTING.read_text())
    run([bin_dir / "pip", "install", "-q", *tools], project)
    for name in ("pyproject.toml", "test_chat_app.py"):
        (project / name).write_text(included(TESTING, name).read_text())
    out = run([bin_dir / "pytest", "-q", "-p", "no:cacheprovider"], project)
    if "4 passed" not in out:
        raise CheckError(f"the testing page's tests did not all pass:\n{out}")
    print("ok  the testing page's tests pass with its set-up", flush=True)


def django_quick_start(tmp: Path) -> None:
    """Step 4: the Django quick start in a new venv: its install line, its project commands,
    its files, ``runserver`` and its ``client.py`` (whose output must be the page's)."""
    quick = section(PAGE.read_text(), "Quick start: Django")
    project = project_folder(tmp, "django")
    bin_dir = new_venv(project)
    commands = bash_lines(quick)
    for command in commands:
        argv = shlex.split(command)
        if argv[0] == "pip":
            run([bin_dir / "pip", "install", "-q", *argv[2:]], project)
        elif argv[0] == "django-admin":
            run([bin_dir / "django-admin", *argv[1:]], project)
        elif argv[:3] == ["python", "manage.py", "startapp"]:
            run([bin_dir / "python", *argv[1:]], project)
    if "python manage.py runserver" not in commands:
        raise CheckError("the Django quick start no longer runs `python manage.py runserver`")
    pattern = r"\.\. literalinclude:: (\S+)\n(?:   :.*\n)*?   :caption: (.+)\n"
    for source, caption in re.findall(pattern, quick):
        target = project / caption.split(" ")[0]
        code = (DOCS / source).read_text()
        if "(add at the end)" in caption:
            code = target.read_text() + "\n" + code
        target.write_text(code)
    expected = [
        line.strip()
        for line in quick.split("$ python client.py", 1)[1].splitlines()[:4]
        if line.strip().startswith("< ")
    ]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [bin_dir / "python", "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise CheckError("python manage.py runserver did not start") from None
                time.sleep(0.1)
        out = run([bin_dir / "python", "client.py", f"ws://127.0.0.1:{port}/ws/chat/"], project)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
    if out.splitlines() != expected or len(expected) != 2:
        raise CheckError(f"client.py printed {out!r}, the page shows {expected!r}")
    print("ok  the Django quick start, from its install line to client.py", flush=True)


def main() -> int:
    # The readers are independent (each has its own folder, venv and port), and most of each
    # one's time is pip building and installing: they run side by side.
    steps = (install_lines, quick_start_and_testing, django_quick_start)
    with tempfile.TemporaryDirectory(prefix="chanx-newcomer-") as tmp:
        with ThreadPoolExecutor(len(steps)) as pool:
            futures = [pool.submit(step, Path(tmp)) for step in steps]
        errors = [exc for exc in (f.exception() for f in futures) if exc is not None]
    for exc in errors:
        if not isinstance(exc, CheckError):
            raise exc  # a bug of this script, not a page's
        print(f"FAIL {exc}", file=sys.stderr)
    if errors:
        return 1
    print("the install lines, both quick starts and the testing page work as written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
