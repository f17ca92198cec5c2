"""examples/django_chat/README.md as written: its commands, then daphne's runserver.

The ``python manage.py ...`` lines of the README's first shell block run in the example folder
(``migrate``, ``seed_chat``, ``runserver`` on a free port) and ``client.py`` must print the
line the README shows. Django's own runserver would answer the WebSocket with 404: this
passes only because ``daphne`` comes first in ``INSTALLED_APPS``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django_chat"
README = EXAMPLE / "README.md"


def manage_lines() -> list[list[str]]:
    block = re.search(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block is not None
    lines = [shlex.split(line) for line in block.group(1).splitlines()]
    return [argv for argv in lines if argv[:2] == ["python", "manage.py"]]


def test_readme_commands_serve_websockets_with_runserver(tmp_path: Path, start_server: Any) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CHAT_"))},
        "DJANGO_SETTINGS_MODULE": "django_chat.settings",
        "CHAT_DB": str(tmp_path / "chat.sqlite3"),
    }
    commands = manage_lines()
    assert [argv[2] for argv in commands] == ["migrate", "seed_chat", "runserver"]
    outputs = []
    for argv in commands[:-1]:
        done = subprocess.run(
            [sys.executable, *argv[1:]],
            cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    seed = json.loads(outputs[-1])
    lobby = str(seed["rooms"]["lobby"])

    runserver = [sys.executable, str(EXAMPLE / "manage.py"), "runserver", "127.0.0.1:{port}"]
    server = start_server([*runserver, "--noreload"], env=env)
    client = subprocess.run(
        [sys.executable, "client.py", seed["tokens"]["alice"], lobby],
        cwd=EXAMPLE, env={**env, "CHAT_URL": server.http}, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert client.returncode == 0, client.stderr + server.output()
    shown = re.search(r"^prints `(< .*)`\.$", README.read_text(encoding="utf-8"), re.M)
    assert shown is not None
    assert client.stdout.strip() == shown.group(1).replace('"room_id":1', f'"room_id":{lobby}')
    server.stop()
    assert "ASGI/Daphne" in server.output()
