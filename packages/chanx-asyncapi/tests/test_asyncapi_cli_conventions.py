"""The ``chanx-asyncapi`` console script follows click's conventions: ``--version``, errors
that say how to fix them, colour on a terminal only (a real subprocess, a real pseudo-terminal)."""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from asyncapi_cli_support import TESTS_DIR, cli_path, run_cli

from chanx.asyncapi import __version__

ANSI = "\x1b["


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr
    return result.stderr


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    result = run_cli(flag)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"chanx-asyncapi, version {__version__}"


def test_the_api_version_option_of_generate_is_still_its_own(tmp_path: Path) -> None:
    out = tmp_path / "spec.json"
    args = ("generate", "asyncapi_kitchen:app", "--app-dir", str(TESTS_DIR))
    assert run_cli(*args, "--version", "4.2", "-o", str(out)).returncode == 0
    assert '"version": "4.2"' in out.read_text()


def test_a_module_not_found_from_another_folder_says_where_it_looked(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("generate", "asyncapi_kitchen:app", cwd=elsewhere)
    one_line_error(result, "'asyncapi_kitchen'", f"looked in {elsewhere}", "--app-dir FOLDER")
    # the hint is right: with --app-dir the same command works from the same folder
    fixed = run_cli("generate", "asyncapi_kitchen:app", "--app-dir", str(TESTS_DIR), cwd=elsewhere)
    assert fixed.returncode == 0, fixed.stderr


@pytest.mark.parametrize(
    ("cwd", "target", "suggestion"),
    [
        (TESTS_DIR, "asyncapi_kitchen.py:app", "--app-dir . asyncapi_kitchen:app"),
        (TESTS_DIR.parent, "tests/asyncapi_kitchen.py:app", "--app-dir tests asyncapi_kitchen:app"),
        (TESTS_DIR.parent, "tests/asyncapi_kitchen.py", "--app-dir tests asyncapi_kitchen"),
    ],
)
def test_a_file_path_gets_the_module_path_to_use(cwd: Path, target: str, suggestion: str) -> None:
    result = run_cli("generate", target, cwd=cwd)
    error = one_line_error(result, "is a file path")
    assert error.rstrip("\n").endswith(f"chanx-asyncapi ... {suggestion}")  # exactly that
    folder, _, module = suggestion.removeprefix("--app-dir ").partition(" ")
    fixed = run_cli("generate", module, "--app-dir", folder, cwd=cwd)
    assert fixed.returncode == 0, fixed.stderr


def test_a_busy_port_says_how_to_pick_another() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(
            "serve", "asyncapi_kitchen:app", "--app-dir", str(TESTS_DIR), "--port", str(port)
        )
    one_line_error(result, f"port {port} on 127.0.0.1 is already in use", "--port 0")


def run_in_terminal(*args: str, env: dict[str, str] | None = None) -> str:
    """Run the CLI with a pseudo-terminal as stdout and stderr; everything it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [cli_path(), *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "TERM": "xterm", **(env or {})},
    )
    os.close(follower)
    output = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal is gone once the process has exited (EIO on Linux)
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert proc.wait(timeout=30) in (0, 1, 2)
    return output.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_colour_on_a_terminal_only(tmp_path: Path) -> None:
    error = ("generate", "no_such_module_xyz:app", "--app-dir", str(tmp_path))
    on_terminal = run_in_terminal(*error)
    assert f"{ANSI}31" in on_terminal  # "Error:" in red
    assert "no_such_module_xyz" in on_terminal
    assert ANSI not in run_cli(*error).stderr  # piped: plain text
    assert ANSI not in run_in_terminal(*error, env={"NO_COLOR": "1"})
