"""The Django quick start of docs/getting-started.rst, built from the page and run for real.

The page's shell commands (``django-admin startproject``, ``manage.py startapp``) create the
project; each ``literalinclude`` with a ``:caption:`` is written to (or, "add at the end",
appended to) the file its caption names; ``python manage.py runserver`` serves it, and the
page's client script must print the page's transcript. A client without an Origin header gets
the HTTP 403 the page explains.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django]

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = DOCS / "getting-started.rst"
BIN = Path(sys.executable).parent


def section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    return text.split("Quick start: Django\n-------------------", 1)[1]


def shell_lines(text: str) -> list[str]:
    """The commands of every ``.. code-block:: bash`` of ``text``."""
    blocks = re.findall(r"\.\. code-block:: bash\n\n((?:   .*\n|\n)+)", text)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def included_files(text: str) -> list[tuple[Path, str, bool]]:
    """``(source, target, append)`` of each ``literalinclude`` with a caption."""
    found = re.findall(r"\.\. literalinclude:: (\S+)\n(?:   :.*\n)*?   :caption: (.+)\n", text)
    return [
        (DOCS / source, caption.split(" ")[0], "(add at the end)" in caption)
        for source, caption in found
    ]


def run(command: str, cwd: Path, env: dict[str, str]) -> None:
    argv = shlex.split(command)
    if argv[0] == "python":
        argv[0] = sys.executable
    elif argv[0] == "django-admin":
        argv[0] = str(BIN / "django-admin")
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"


def test_django_quick_start_as_written(tmp_path: Path, start_server: Any) -> None:
    text = section()
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    env["PYTHONUNBUFFERED"] = "1"
    commands = shell_lines(text)
    assert commands[:3] == [
        "python3 -m venv .venv",
        ". .venv/bin/activate",
        "pip install ../chanx/packages/chanx-core ../chanx/packages/chanx-django daphne websockets",
    ]  # the install itself is checked in a fresh venv by scripts/check_install.py
    project = tmp_path / "project"
    project.mkdir()
    for command in commands[3:]:
        if command == "python manage.py runserver":
            break
        run(command, project, env)
    else:
        pytest.fail("the page never runs `python manage.py runserver`")

    files = included_files(text)
    assert [target for _, target, _ in files] == [
        "chat/consumers.py", "chat/routing.py", "mysite/asgi.py", "mysite/settings.py", "client.py"
    ]  # fmt: skip
    for source, target, append in files:
        dest = project / target
        code = source.read_text(encoding="utf-8")
        if append:
            dest.write_text(dest.read_text(encoding="utf-8") + "\n" + code, encoding="utf-8")
        else:
            dest.write_text(code, encoding="utf-8")

    # manage.py puts its own folder on sys.path, so the project imports from anywhere
    argv = [sys.executable, str(project / "manage.py"), "runserver", "127.0.0.1:{port}"]
    server = start_server([*argv, "--noreload"], env={"DJANGO_SETTINGS_MODULE": "mysite.settings"})
    try:
        url = f"{server.ws}/ws/chat/"
        client = subprocess.run(
            [sys.executable, "client.py", url],
            cwd=project, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert client.returncode == 0, client.stderr + server.output()
        expected = [line.strip() for line in text.split("$ python client.py", 1)[1].splitlines()]
        expected = [line for line in expected[:4] if line.startswith("< ")]
        assert len(expected) == 2
        assert client.stdout.splitlines() == expected

        # the page's claim: a client without Origin gets HTTP 403
        no_origin = subprocess.run(
            [sys.executable, "-m", "websockets", url],
            env=env, input="", capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        refusal = "server rejected WebSocket connection: HTTP 403"
        assert refusal in no_origin.stdout + no_origin.stderr
        assert refusal in text  # what the page says it prints
    finally:
        server.stop()  # so that its whole log is written
    log = server.output()
    assert "ASGI/Daphne" in log, log  # daphne's runserver, as the page says
    assert "WebSocket REJECT /ws/chat/" in log, log  # the refused handshake, as the page says
    assert "WebSocket REJECT /ws/chat/" in text
