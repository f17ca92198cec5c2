"""The django_chat example under daphne over real sockets, alone and scaled out on Redis.

Each test gets its own SQLite file (migrated and seeded by the example's own commands) and its
own channels_redis prefix, so servers, commands and the test share state only through them.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import django_projects
import httpx
import pytest
from django_projects import open_ws, refused
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "django_chat"


def example_env(db: Path, redis_url: str, prefix: str) -> dict[str, str]:
    return {
        "PYTHONPATH": str(EXAMPLE),
        "DJANGO_SETTINGS_MODULE": "django_chat.settings",
        "CHAT_DB": str(db),
        "CHAT_REDIS_URL": redis_url,
        "CHAT_LAYER_PREFIX": prefix,
    }


def manage(env: dict[str, str], *args: str) -> str:
    return django_projects.manage(EXAMPLE, env, *args)


@pytest.fixture
def chat(tmp_path: Path, redis_url: str, seeded_db: Any) -> dict[str, Any]:
    """A migrated, seeded example database and the environment that points at it."""
    env = example_env(tmp_path / "chat.sqlite3", redis_url, f"chanx-e2e-{uuid.uuid4().hex[:10]}")
    seed = seeded_db(EXAMPLE, env, "CHAT_DB", "seed_chat")
    return {"env": env, "db": tmp_path / "chat.sqlite3", **seed}


def daphne_argv() -> list[str]:
    return django_projects.daphne_argv("django_chat.asgi:application")


async def recv(ws: ClientConnection, timeout: float = 10) -> Any:
    """The next frame, skipping the success ``authentication`` frame (these tests are about
    what follows it; refusals are returned)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv(decode=True))
            auth = frame.get("action") == "authentication"
            if not (auth and frame["payload"]["status_code"] == 200):
                return frame


async def recv_until(ws: ClientConnection, message: str) -> None:
    """Skip frames until the chat line ``message`` arrives."""
    while True:
        frame = await recv(ws)
        if frame.get("payload", {}).get("message") == message:
            return


async def in_room(*clients: ClientConnection) -> None:
    """Wait until every client's consumer has joined the room group.

    The server accepts the handshake before it authenticates and joins the group, so a
    client only knows it is in once its own chat line comes back. Clients that joined earlier
    see the later lines too; they are drained here.
    """
    for i, ws in enumerate(clients):
        marker = f"sync-{i}"
        await ws.send(json.dumps({"action": "chat", "payload": {"message": marker}}))
        for member in clients[: i + 1]:
            await recv_until(member, marker)


def joined(name: str) -> dict[str, Any]:
    return {
        "action": "user_joined",
        "payload": {"username": name, "message": f"{name} joined the room"},
    }


async def test_chat_under_daphne_with_auth_outcomes(
    start_server: Any, chat: dict[str, Any]
) -> None:
    server = start_server(daphne_argv(), env=chat["env"])
    tokens, rooms = chat["tokens"], chat["rooms"]
    lobby, secret = f"/ws/rooms/{rooms['lobby']}/", f"/ws/private/{rooms['secret']}/"

    async with (
        open_ws(server, lobby, tokens["alice"]) as alice,
        open_ws(server, lobby, tokens["bob"]) as bob,
    ):
        await in_room(alice, bob)
        await alice.send(json.dumps({"action": "chat", "payload": {"message": "hi"}}))
        line = {
            "action": "chat_notification",
            "payload": {"message": "hi", "username": "alice", "room_id": rooms["lobby"]},
        }
        assert await recv(alice) == line
        assert await recv(bob) == line
        async with httpx.AsyncClient(base_url=server.http) as http:
            response = await http.post(f"/rooms/{rooms['lobby']}/join/?username=dora")
        assert response.status_code == 200
        assert await recv(alice) == joined("dora")
        assert await recv(bob) == joined("dora")
        await bob.send("{broken")
        error = await recv(bob)
        assert error["action"] == "error"
        assert "broken" not in json.dumps(error)

    async with open_ws(server, secret, tokens["alice"]) as member:
        await member.send(json.dumps({"action": "ping"}))
        assert await recv(member) == {"action": "pong", "payload": None}

    assert (await refused(server, lobby))[1] == 4401
    payload, code = await refused(server, lobby, tokens["carol"])
    assert (code, payload["data"]["detail"]) == (4401, "Token has expired.")
    payload, code = await refused(server, lobby, "f" * 40)
    assert (code, payload["data"]["detail"]) == (4401, "Invalid token.")
    payload, code = await refused(server, secret, tokens["bob"])
    assert (code, payload["data"]["detail"]) == (4403, "You are not a member of this room.")
    assert (await refused(server, "/ws/rooms/999999/", tokens["alice"]))[1] == 4404

    with pytest.raises(InvalidStatus) as no_origin:  # AllowedHostsOriginValidator
        async with connect(
            f"{server.ws}{lobby}",
            additional_headers=[("Authorization", f"Token {tokens['alice']}")],
        ):
            pass
    assert no_origin.value.response.status_code == 403

    # A database fault inside authentication: the client gets a generic 4500, the log the details.
    with sqlite3.connect(chat["db"]) as db:
        db.execute("DROP TABLE chat_chatroom_members")
        db.execute("DROP TABLE chat_chatroom")
    payload, code = await refused(server, lobby, tokens["alice"])
    assert code == 4500
    assert payload["data"]["detail"] == "Authentication could not complete"
    assert "chat_chatroom" not in json.dumps(payload)
    deadline = asyncio.get_running_loop().time() + 10
    while "no such table: chat_chatroom" not in server.output():
        assert asyncio.get_running_loop().time() < deadline, server.output()
        await asyncio.sleep(0.05)


BAD_FRAMES: list[tuple[str | bytes, str]] = [
    ("{broken", "json_invalid"),
    (b"\x00\x01binary", "json_invalid"),
    ("[1, 2]", "dict_type"),
    ('{"payload": 1}', "union_tag_not_found"),
    ('{"action": "SECRET-unknown"}', "union_tag_invalid"),
    ('{"action": "chat", "payload": {"message": 5}}', "string_type"),
]


async def test_bad_input_over_daphne_keeps_the_connection(
    start_server: Any, chat: dict[str, Any]
) -> None:
    server = start_server(daphne_argv(), env=chat["env"])
    path = f"/ws/private/{chat['rooms']['secret']}/"
    async with open_ws(server, path, chat["tokens"]["alice"]) as ws:
        for frame, error_type in BAD_FRAMES:
            await ws.send(frame)
            error = await recv(ws)
            assert error["action"] == "error", (frame, error)
            assert error["payload"][0]["type"] == error_type, (frame, error)
            assert "SECRET" not in json.dumps(error)  # input is never echoed
            await ws.send(json.dumps({"action": "ping"}))
            assert await recv(ws) == {"action": "pong", "payload": None}


async def test_scale_out_two_daphne_processes_on_redis(
    start_server: Any, chat: dict[str, Any]
) -> None:
    server_a = start_server(daphne_argv(), env=chat["env"])
    server_b = start_server(daphne_argv(), env=chat["env"])
    tokens, room = chat["tokens"], chat["rooms"]["lobby"]
    path = f"/ws/rooms/{room}/"
    async with (
        open_ws(server_a, path, tokens["alice"]) as on_a,
        open_ws(server_b, path, tokens["bob"]) as on_b,
    ):
        await in_room(on_a, on_b)

        await on_a.send(json.dumps({"action": "chat", "payload": {"message": "from A"}}))
        expected = {
            "action": "chat_notification",
            "payload": {"message": "from A", "username": "alice", "room_id": room},
        }
        assert await recv(on_b) == expected
        assert await recv(on_a) == expected

        async with httpx.AsyncClient(base_url=server_a.http) as http:
            assert (await http.post(f"/rooms/{room}/join/?username=via-a")).status_code == 200
        assert await recv(on_b) == joined("via-a")
        assert await recv(on_a) == joined("via-a")

        await asyncio.to_thread(manage, chat["env"], "announce_join", str(room), "cli")
        assert await recv(on_a) == joined("cli")
        assert await recv(on_b) == joined("cli")


async def next_line(ws: Any, timeout: float) -> str | None:
    """The next chat line's text, or None when nothing arrives in time."""
    try:
        frame = await recv(ws, timeout)
    except TimeoutError:
        return None
    return str(frame.get("payload", {}).get("message", frame.get("action")))


async def drained(ws: Any, looking_for: str | None = None, quiet: float = 1.0) -> bool:
    """Read until ``quiet`` seconds pass without a frame; True if a line starting with
    ``looking_for`` was among them."""
    found = False
    while (line := await next_line(ws, quiet)) is not None:
        found = found or (looking_for is not None and line.startswith(looking_for))
    return found


async def test_redis_restart_keeps_connections_and_broadcasts_resume(
    start_server: Any, start_redis: Any, tmp_path: Path, seeded_db: Any
) -> None:
    """A private, non-persistent redis-server is stopped under live clients and restarted.

    The layer readers must survive the outage and re-join their groups (a restarted Redis
    forgot them); a broadcast during the outage waits in the outage buffer and arrives after.
    """
    redis = start_redis()
    env = example_env(tmp_path / "chat.sqlite3", f"redis://127.0.0.1:{redis.port}/0", "restart")
    seed = seeded_db(EXAMPLE, env, "CHAT_DB", "seed_chat")
    server = start_server(daphne_argv(), env=env)
    tokens, path = seed["tokens"], f"/ws/rooms/{seed['rooms']['lobby']}/"

    async with (
        open_ws(server, path, tokens["alice"]) as alice,
        open_ws(server, path, tokens["bob"]) as bob,
    ):
        await in_room(alice, bob)

        redis.stop()
        # buffered on channels_redis too (chanx.core.outage_buffer): no error frame, and it
        # reaches both clients once Redis is back, once each, before anything sent later
        await alice.send(json.dumps({"action": "chat", "payload": {"message": "during"}}))
        assert await next_line(alice, 1.0) is None

        redis.start()
        for ws in (alice, bob):
            assert await next_line(ws, 15) == "during"
        await alice.send(json.dumps({"action": "chat", "payload": {"message": "next"}}))
        for ws in (alice, bob):
            assert await next_line(ws, 5) == "next"  # "during" came exactly once

        # both connections are still the original ones and fully served
        await alice.send(json.dumps({"action": "chat", "payload": {"message": "after"}}))
        assert await next_line(alice, 5) == "after"
        assert await next_line(bob, 5) == "after"
        await asyncio.to_thread(manage, env, "announce_join", str(seed["rooms"]["lobby"]), "back")
        assert await next_line(alice, 5) == "back joined the room"
        assert await next_line(bob, 5) == "back joined the room"
    assert "layer" in server.output()  # the outage was logged
