"""The demo page runs on the generated TypeScript client: both checked-in layers are fresh.

``demo/web/client/`` is ``chanx generate-client -l typescript`` of the demo app, and
``demo/static/js/`` is what ``tsc --strict`` makes of it and of ``demo/web/chat_page.ts`` (the
files the demo server serves). Regenerate after changing the demo's consumers or the generator::

    python -m chanx.client_generator generate-client -s demo.app:app --app-dir . \
        -l typescript --override-base -o demo/web/client
    packages/chanx-client/tests/node/node_modules/.bin/tsc -p demo/web/tsconfig.json
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from client_node_tools import ensure_node_modules
from test_client_generated_fresh import tree

REPO = Path(__file__).resolve().parents[3]
WEB = REPO / "demo" / "web"


def test_demo_client_is_fresh(tmp_path: Path) -> None:
    out = tmp_path / "client"
    result = subprocess.run(
        [
            sys.executable, "-m", "chanx.client_generator", "generate-client", "-s",
            "demo.app:app", "--app-dir", str(REPO), "-o", str(out), "-l", "typescript",
            "--no-format",
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert tree(out) == tree(WEB / "client"), "demo/web/client is stale (see module docstring)"


def test_demo_page_script_is_the_compiled_typescript(tmp_path: Path) -> None:
    tsc = ensure_node_modules() / ".bin" / "tsc"
    result = subprocess.run(
        [str(tsc), "-p", str(WEB / "tsconfig.json"), "--outDir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert tree(tmp_path) == tree(REPO / "demo" / "static" / "js"), (
        "demo/static/js is stale: run tsc -p demo/web/tsconfig.json (see module docstring)"
    )
    page = (REPO / "demo" / "static" / "index.html").read_text()
    assert '<script type="module" src="/static/js/chat_page.js">' in page
    assert "new WebSocket" not in page  # the page opens no socket of its own
