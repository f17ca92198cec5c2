"""Authentication that expires on open connections, over real servers.

uvicorn (FastAPI, a query-string token) and daphne (Django, DRF ``TokenAuthentication``):
a connection whose credentials expire (after 1 s) gets an ``authentication`` frame (401) and
the close code 4440 at expiry; one that sent an ``auth_refresh`` frame with valid credentials
stays open past it; a refresh with another user's or a revoked token is refused and closed.
Every wait is on a frame or the close, bounded; the only wait for nothing is the expiry.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from live_servers import live_server
from reliability_servers import ws_connect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chanx.constants import CLOSE_AUTH_EXPIRED

pytestmark = pytest.mark.e2e

#: The first expiry the apps give (seconds).
TTL = 1.0
SHORT, LONG, MALLORY = "a" * 40, "b" * 40, "c" * 40  # live_django_app's DRF token keys


def credentials(kind: str, token: str) -> dict[str, dict[str, str]]:
    """The refresh payload carrying ``token`` where each app reads it."""
    if kind == "asgi":
        return {"query": {"token": token}}
    return {"headers": {"authorization": f"Token {token}"}}


async def open_as(kind: str, url: str, token: str) -> ClientConnection:
    ws: ClientConnection
    if kind == "asgi":
        ws = await ws_connect(f"{url}?token={token}")
    else:
        header = {"Authorization": f"Token {token}"}
        ws = await connect(url, additional_headers=header, ping_interval=None, close_timeout=2)
        first = await recv(ws)  # the Django authenticator reports its success
        assert first["action"] == "authentication"
        assert first["payload"]["status_code"] == 200
    return ws


async def recv(ws: ClientConnection, timeout: float = 10) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def closed_with(ws: ClientConnection, timeout: float = 10) -> int | None:
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(ws.recv(), timeout)
    return ws.close_code


def tokens(kind: str) -> dict[str, str]:
    """The tokens of each role in the app of ``kind``."""
    if kind == "asgi":
        return {"short": "short", "long": "long"}
    return {"short": SHORT, "long": LONG}


@pytest.mark.parametrize("kind", ["asgi", "django"])
async def test_an_expired_token_closes_the_connection_at_expiry(kind: str, tmp_path: Path) -> None:
    with live_server(kind, tmp_path, "expiring") as (_process, url, _started):
        ws = await open_as(kind, url, tokens(kind)["short"])
        loop = asyncio.get_running_loop()
        opened = loop.time()
        await ws.send('{"action":"ping"}')
        assert (await recv(ws))["action"] == "pong"
        frame = await recv(ws, timeout=TTL + 10)  # the expiry frame, nothing else
        assert loop.time() - opened >= TTL * 0.8  # not before the expiry
        assert frame["action"] == "authentication"
        assert frame["payload"]["status_code"] == 401
        assert frame["payload"]["data"] == {"detail": "Authentication expired"}
        assert await closed_with(ws) == CLOSE_AUTH_EXPIRED


@pytest.mark.parametrize("kind", ["asgi", "django"])
async def test_a_refreshed_token_keeps_the_connection_open(kind: str, tmp_path: Path) -> None:
    with live_server(kind, tmp_path, "expiring") as (_process, url, _started):
        ws = await open_as(kind, url, tokens(kind)["short"])
        if kind == "django":  # DRF keeps one token per user: rotate alice's key
            with sqlite3.connect(tmp_path / "db.sqlite3") as db:
                db.execute("UPDATE authtoken_token SET key = ? WHERE key = ?", (LONG, SHORT))
        refresh = {"action": "auth_refresh", "payload": credentials(kind, tokens(kind)["long"])}
        await ws.send(json.dumps({**refresh, "ref": "r1"}))
        frame = await recv(ws)
        assert frame["action"] == "authentication"
        assert frame["ref"] == "r1"
        assert frame["payload"]["status_code"] == 200
        # the first expiry passes: no expiry frame, no close
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), TTL + 0.5)
        await ws.send('{"action":"ping"}')
        assert (await recv(ws))["action"] == "pong"
        await ws.close()


@pytest.mark.parametrize("kind", ["asgi", "django"])
async def test_a_refused_refresh_reports_and_closes(kind: str, tmp_path: Path) -> None:
    with live_server(kind, tmp_path, "expiring") as (_process, url, _started):
        # another user's valid token (403), then a token the server does not know (401)
        # a long-lived connection: alice on ASGI, mallory on Django (DRF: one token a user)
        mine, theirs = ("long", "mallory") if kind == "asgi" else (MALLORY, SHORT)
        for token, status in ((theirs, 403), ("revoked" + "x" * 33, 401)):
            ws = await open_as(kind, url, mine)
            refresh = {"action": "auth_refresh", "payload": credentials(kind, token)}
            await ws.send(json.dumps(refresh))
            frame = await recv(ws)
            assert frame["action"] == "authentication"
            assert frame["payload"]["status_code"] == status
            assert token not in json.dumps(frame)  # never echoed
            assert await closed_with(ws) == 4000 + status
