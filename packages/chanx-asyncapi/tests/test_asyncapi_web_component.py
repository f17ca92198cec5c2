"""The opt-in official renderer: the pinned SRI hashes match the npm release, and it renders.

The package is fetched with ``npm pack`` at test time (never committed) and served from a
local server, so Chromium needs no network.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import asyncapi_kitchen as kitchen
import pytest
from asyncapi_tools import npm_package_files

from chanx.asyncapi import generate, official_component, render_html
from chanx.asyncapi.docs_page import OFFICIAL_COMPONENT, OFFICIAL_COMPONENT_FILES

# The first run fetches the package with npm: more time than the suite default.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def package_dir() -> Path:
    name, version = OFFICIAL_COMPONENT
    return npm_package_files(f"{name}@{version}")


def _sri(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def test_the_pinned_hashes_are_those_of_the_release(package_dir: Path) -> None:
    for relative, integrity in OFFICIAL_COMPONENT_FILES.items():
        assert _sri(package_dir / relative) == integrity, relative


def test_default_urls_pin_the_version() -> None:
    name, version = OFFICIAL_COMPONENT
    component = official_component()
    assert component.script_url == f"https://unpkg.com/{name}@{version}/browser/standalone/index.js"
    assert official_component("/static/rc/").css_url == "/static/rc/styles/default.min.css"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path, package_dir: Path) -> Iterator[str]:
    root = tmp_path / "site"
    for relative in OFFICIAL_COMPONENT_FILES:
        (root / "rc" / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(package_dir / relative, root / "rc" / relative)
    html = render_html(generate(kitchen.app), component=official_component("/rc"))
    (root / "index.html").write_text(html, encoding="utf-8")
    handler = partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_the_official_renderer_draws_the_operations(
    site: str, chromium: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [
            str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000",
            "--dump-dom", site,
        ],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert 'class="aui-root"' in dom  # drawn by the renderer's script, not in our HTML
    assert 'href="#operation-receive-kitchen.receive.log"' in dom
    assert 'href="#operation-reply-kitchen.receive.ping"' in dom
