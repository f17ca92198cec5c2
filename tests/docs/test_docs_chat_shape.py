"""One chat frame everywhere: the README, both quick starts, the Django example and the demo.

Every page and client that shows a client's chat frame shows the same one,
``{"action": "chat", "payload": {"message": ...}}``, and every server among them accepts it
and answers with a ``chat_notification`` whose payload carries the same ``message``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from chanx.fast_channels.testing import WebsocketCommunicator, isolated_layer

pytestmark = pytest.mark.asgi

ROOT = Path(__file__).resolve().parents[2]
SHOWN_IN = [
    "README.md",
    "docs/getting-started.rst",
    "docs/examples/django_quickstart/client.py",
    "examples/django_chat/client.py",
    "demo/web/chat_page.ts",  # the demo page's script (on the generated TypeScript client)
]
FRAME = {"action": "chat", "payload": {"message": "hello"}}


def chat_frames(text: str) -> list[dict[str, Any]]:
    """The chat frames written in ``text`` (JSON, Python dicts or JavaScript objects)."""
    found = []
    for literal in re.findall(r'\{\s*"?action"?\s*:\s*"chat"\s*,[^\n]*?\}\s*\}', text):
        quoted = re.sub(r"(?<=[{,])\s*(\w+)\s*:", r' "\1":', literal)  # JS keys -> JSON
        found.append(json.loads(re.sub(r":\s*(text|message\.payload\.message)\b", ': "x"', quoted)))
    return found


@pytest.mark.parametrize("name", SHOWN_IN)
def test_every_page_shows_the_same_chat_frame(name: str) -> None:
    frames = chat_frames((ROOT / name).read_text(encoding="utf-8"))
    assert frames, f"{name} shows no chat frame"
    for frame in frames:
        assert frame["action"] == "chat"
        assert set(frame["payload"]) == {"message"}, f"{name}: {frame}"


def readme_app() -> Any:
    block = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block is not None
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(block.group(1), "README.md", "exec", dont_inherit=True), namespace)
    return namespace["app"]


async def test_the_frame_works_on_the_readme_app_and_the_quick_start() -> None:
    """(The demo gets this frame from a real browser in tests/e2e/test_mixins_demo_browser.py
    and over sockets in tests/e2e/test_asgi_demo.py; the Django quick start in
    tests/e2e/test_docs_django_quickstart.py.)"""
    if str(ROOT / "docs" / "examples") not in sys.path:
        sys.path.insert(0, str(ROOT / "docs" / "examples"))
    import chat_app

    for app in (readme_app(), chat_app.app):
        with isolated_layer():
            async with WebsocketCommunicator(app, "/ws/chat") as ws:
                await ws.send_json(FRAME)
                assert await ws.receive_json() == {
                    "action": "chat_notification",
                    "payload": {"message": "hello"},
                }
