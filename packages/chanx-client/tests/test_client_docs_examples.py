"""The Clients guide's Python example (docs/examples/clients_python.py) against the server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from client_servers import AppServer

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import clients_python  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]


async def test_guide_request_reply(server: AppServer) -> None:
    assert await clients_python.request_reply(server.base) == 1


async def test_guide_listen(server: AppServer) -> None:
    assert await clients_python.listen(server.base) == ["hi all"]


async def test_guide_wrong_token(server: AppServer) -> None:
    assert await clients_python.wrong_token(server.base) == "refused with 4401"
