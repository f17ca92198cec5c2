"""The checked-in generated clients equal a fresh generation: a stale client fails here.

Regenerate after changing ``client_app.py`` or the generator::

    python -m chanx.client_generator generate-client -s client_app:app \
        --app-dir packages/chanx-client/tests -o packages/chanx-client/tests/room_client --no-format
    python -m chanx.client_generator generate-client -s client_app:app -l typescript \
        --app-dir packages/chanx-client/tests -o packages/chanx-client/tests/ts_client
    (and the same from client_topic_app:app into topic_client and ts_topic_client)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.mark.parametrize(
    ("app", "folder", "language"),
    [
        ("client_app:app", "room_client", "python"),
        ("client_app:app", "ts_client", "typescript"),
        ("client_topic_app:app", "topic_client", "python"),
        ("client_topic_app:app", "ts_topic_client", "typescript"),
    ],
)
def test_checked_in_client_is_fresh(tmp_path: Path, app: str, folder: str, language: str) -> None:
    out = tmp_path / folder
    result = subprocess.run(
        [
            sys.executable, "-m", "chanx.client_generator", "generate-client",
            "-s", app, "--app-dir", str(HERE), "-o", str(out),
            "-l", language, "--no-format",
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    fresh, checked_in = tree(out), tree(HERE / folder)
    assert sorted(fresh) == sorted(checked_in)
    stale = [name for name in fresh if fresh[name] != checked_in[name]]
    assert not stale, f"stale generated files {stale}: regenerate (see this module's docstring)"


def test_generated_code_has_no_type_ignores() -> None:
    for folder in ("room_client", "ts_client", "topic_client", "ts_topic_client"):
        for name, text in tree(HERE / folder).items():
            assert "type: ignore" not in text, name
            assert "@ts-ignore" not in text, name
            assert "@ts-expect-error" not in text, name
            assert ": any" not in text, name
