"""Django projects under daphne for the e2e tests: their ``manage.py`` and their server.

Each test builds an environment pointing the project at its own SQLite file and channels_redis
prefix, gets that file migrated and seeded by the project's own commands
(:func:`seeded_database`, through the ``seeded_db`` fixture of this folder's conftest), runs
other management commands with :func:`manage`, and serves it with
``start_server(daphne_argv(...), env=...)`` (the ``start_server`` fixture of this folder's
conftest). Clients connect with :func:`open_ws` (token header, the server's own Origin).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

__all__ = ["daphne_argv", "manage", "open_ws", "recv_json", "refused", "seeded_database"]


def manage(project: Path, env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run ``manage.py <args>`` of ``project`` with ``env`` added; its stdout (fails on error)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def seeded_database(
    project: Path, env: dict[str, str], db_var: str, seed: str, templates: Path
) -> Any:
    """Put a database at ``env[db_var]`` migrated and seeded by ``manage.py <seed>``.

    Returns the seed command's JSON output. ``migrate`` and the seed command run once per
    project, settings and command in ``templates`` (each costs seconds of Django start-up);
    every caller gets its own copy of that file, so tests still share nothing.
    """
    key = f"{project.name}-{env['DJANGO_SETTINGS_MODULE']}-{seed}"
    template, output = templates / f"{key}.sqlite3", templates / f"{key}.json"
    if not output.exists():
        template_env = {**env, db_var: str(template)}
        manage(project, template_env, "migrate", "--verbosity", "0")
        output.write_text(manage(project, template_env, seed))
    shutil.copyfile(template, env[db_var])
    return json.loads(output.read_text())


def daphne_argv(application: str) -> list[str]:
    """The daphne command serving ``application`` (``module:attr``) on the fixture's port."""
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "{port}", application]


def open_ws(server: Any, path: str, token: str | None = None) -> Any:
    """Connect to ``path`` with a DRF ``Token`` header and the server's own Origin."""
    headers = [("Authorization", f"Token {token}")] if token else []
    return connect(f"{server.ws}{path}", additional_headers=headers, origin=server.http)


async def recv_json(ws: ClientConnection, timeout: float = 10) -> Any:
    """The next frame, decoded."""
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv(decode=True))


async def refused(server: Any, path: str, token: str | None = None) -> tuple[Any, int]:
    """Connect, expect the failure ``authentication`` frame then a close: (payload, code)."""
    async with open_ws(server, path, token) as ws:
        frame = await recv_json(ws)
        assert frame["action"] == "authentication"
        with pytest.raises(ConnectionClosed) as closed:
            await recv_json(ws)
        assert closed.value.rcvd is not None
        return frame["payload"], closed.value.rcvd.code
