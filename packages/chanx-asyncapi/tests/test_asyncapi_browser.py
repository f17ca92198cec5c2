"""The offline docs page in a real headless Chromium, served by ``chanx-asyncapi serve``.

The browser runs with every host name unresolvable (only 127.0.0.1 is reachable), so the page
must render from what chanx serves alone.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest
from asyncapi_cli_support import TESTS_DIR, serving

pytestmark = pytest.mark.e2e

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1280,2000",
]


def _chromium(chromium: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(chromium), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_docs_page_renders_every_operation(chromium: Path, tmp_path: Path) -> None:
    with serving("asyncapi_kitchen:app", "--app-dir", str(TESTS_DIR)) as base:
        with urllib.request.urlopen(base + "asyncapi.json", timeout=10) as resp:
            spec = json.loads(resp.read())
        with urllib.request.urlopen(base, timeout=10) as resp:
            html = resp.read().decode()
        dom = _chromium(chromium, tmp_path / "profile-dom", "--dump-dom", base)
        shot = tmp_path / "docs.png"
        screenshot = _chromium(chromium, tmp_path / "profile-shot", f"--screenshot={shot}", base)

    # Offline by construction: no script, no external stylesheet, no remote URL at all.
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)

    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    assert "<main>" in page
    for op_id, op in spec["operations"].items():
        anchor = "operation-" + re.sub(r"[^A-Za-z0-9_-]", "-", op_id)
        assert f'id="{anchor}"' in page, op_id
        assert f'<span class="badge {op["action"]}">{op["action"]}</span>' in page
    assert page.count('class="direction receive"') == len(spec["channels"])
    assert 'class="direction send"' in page
    assert "Server replies with" in page
    assert "/ws/kitchen/{room}" in page  # address
    assert "queryToken" in page  # authentication
    assert "messageText" in page  # a payload table of the camelCase consumer
    assert '<table class="schema">' in page

    assert screenshot.returncode == 0, screenshot.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # a rendered page, not a blank canvas
