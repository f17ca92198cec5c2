"""docs/guide/logging.rst: its example app under uvicorn logs what the page shows.

A refused connection (no token) and a failing handler; the server's stderr must hold the
page's ``INFO chanx.auth`` and ``ERROR chanx.consumer`` lines and the traceback, while the
client only gets close code 4401 and a generic error frame.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]

DOCS = Path(__file__).resolve().parents[2] / "docs"


def page_lines() -> list[str]:
    text = (DOCS / "guide" / "logging.rst").read_text(encoding="utf-8")
    return re.findall(r"^   ((?:INFO|ERROR) chanx\.\S+: .+)$", text, re.M)


async def test_logging_page_lines_appear_on_the_console(start_server: Any) -> None:
    argv = [
        sys.executable, "-m", "uvicorn", "logging_app:app", "--app-dir", str(DOCS / "examples"),
        "--host", "127.0.0.1", "--port", "{port}",
    ]  # fmt: skip
    server = start_server(argv)
    async with connect(f"{server.ws}/ws/calc") as refused:
        frame = json.loads(await asyncio.wait_for(refused.recv(), 10))
        assert frame["action"] == "authentication"
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(refused.recv(), 10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401
    async with connect(f"{server.ws}/ws/calc?token=t") as ws:
        await ws.send(json.dumps({"action": "divide", "payload": 0}))
        error = await asyncio.wait_for(ws.recv(), 10)
        assert json.loads(error)["action"] == "error"
        assert "ZeroDivision" not in str(error)  # the client never sees the exception
    server.stop()
    log = server.output()
    lines = page_lines()
    assert len(lines) == 2
    for line in lines:
        assert line in log, log
    assert "Traceback (most recent call last)" in log
    assert "ZeroDivisionError: division by zero" in log
