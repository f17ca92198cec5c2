"""The testing helpers against a real Django server: daphne on Redis, a real WebSocket client.

The test process is set up with the django_chat example's settings, as a project's test suite
is; its channel layer is pointed at the same Redis prefix as the server, so a broadcast made
under ``capture_broadcast_events(..., suppress=False)`` reaches a client of the real server.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

pytestmark = [pytest.mark.e2e, pytest.mark.django, pytest.mark.redis]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django_chat"
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

from django_chat import testsetup  # noqa: E402

testsetup.setup()  # idempotent: the chanx-django suite sets up the same project

from django_chat.chat.consumers import RoomChatConsumer, UserJoinedEvent  # noqa: E402
from django_chat.chat.messages import UserPayload  # noqa: E402

from chanx.core.testing import CapturedBroadcastEvent, capture_broadcast_events  # noqa: E402


async def recv(ws: ClientConnection, timeout: float = 10) -> Any:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv(decode=True))


@pytest.fixture
async def shared_layer(redis_url: str) -> AsyncIterator[str]:
    """This process's ``default`` Channels layer on Redis under a prefix of its own."""
    from channels.layers import channel_layers
    from channels_redis.core import RedisChannelLayer  # type: ignore[import-untyped]

    prefix = f"chanx-e2e-{uuid.uuid4().hex[:10]}"
    layer = RedisChannelLayer(hosts=[redis_url], prefix=prefix)
    backends: dict[str, Any] = channel_layers.backends
    previous = backends.get("default")
    backends["default"] = layer
    yield prefix
    if previous is None:
        backends.pop("default", None)
    else:
        backends["default"] = previous
    await layer.flush()  # deletes this prefix's keys only


async def test_captured_django_broadcasts_reach_daphne_only_unsuppressed(
    start_server: Any, tmp_path: Path, redis_url: str, shared_layer: str, seeded_db: Any
) -> None:
    env = {
        "PYTHONPATH": str(EXAMPLE),
        "DJANGO_SETTINGS_MODULE": "django_chat.settings",
        "CHAT_DB": str(tmp_path / "chat.sqlite3"),
        "CHAT_REDIS_URL": redis_url,
        "CHAT_LAYER_PREFIX": shared_layer,
    }
    seed = seeded_db(EXAMPLE, env, "CHAT_DB", "seed_chat")
    argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "{port}",
            "django_chat.asgi:application"]  # fmt: skip
    server = start_server(argv, env=env)
    room = seed["rooms"]["lobby"]
    headers = [("Authorization", f"Token {seed['tokens']['alice']}")]
    async with connect(
        f"{server.ws}/ws/rooms/{room}/", additional_headers=headers, origin=server.http
    ) as alice:
        assert (await recv(alice))["payload"]["status_code"] == 200  # the authentication frame
        # once her own chat line comes back, her consumer is in the room's group
        await alice.send(json.dumps({"action": "chat", "payload": {"message": "in"}}))
        assert (await recv(alice))["action"] == "chat_notification"

        group = f"room_{room}"
        with capture_broadcast_events(RoomChatConsumer) as suppressed:
            await RoomChatConsumer.broadcast_event(
                UserJoinedEvent(payload=UserPayload(username="ghost")), [group]
            )
        with capture_broadcast_events(RoomChatConsumer, suppress=False) as delivered:
            await asyncio.to_thread(  # the sync twin, as a view or a task would call it
                RoomChatConsumer.broadcast_event_sync,
                UserJoinedEvent(payload=UserPayload(username="dora")),
                [group],
            )

        assert [c.event.payload.username for c in suppressed] == ["ghost"]
        assert delivered == [
            CapturedBroadcastEvent(UserJoinedEvent(payload=UserPayload(username="dora")), [group])
        ]
        # the suppressed event would have come first: same group, same sender
        assert await recv(alice) == {
            "action": "user_joined",
            "payload": {"username": "dora", "message": "dora joined the room"},
        }
