"""Events from anywhere over channels_redis: a view, a command and a task in another process."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from channels.routing import URLRouter
from django.test import AsyncClient
from django_chat.asgi import application
from django_chat.chat.consumers import RoomChatConsumer, UserJoinedEvent
from django_chat.chat.messages import UserPayload
from django_support import (
    EXAMPLE_DIR,
    make_room,
    make_user,
    receive_reply,
    redis_layer,
    subprocess_env,
    ws_route,
)
from redis.asyncio import Redis

from chanx.channels.testing import WebsocketCommunicator, capture_layer, token_headers
from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage

pytestmark = [pytest.mark.django, pytest.mark.redis]

JOINED = "joined the room"


class WhoAmI(BaseMessage):
    action: Literal["whoami"] = "whoami"


class YouAre(BaseMessage):
    action: Literal["you_are"] = "you_are"
    payload: str


class AddressableRoomConsumer(RoomChatConsumer):
    """The example consumer plus a way for the test to learn its ``channel_name``."""

    @ws_handler
    async def handle_whoami(self, message: WhoAmI) -> YouAre:
        return YouAre(payload=self.channel_name)


addressable = URLRouter([ws_route("ws/rooms/<int:pk>/", AddressableRoomConsumer.as_asgi())])


@pytest.fixture
def room_and_token() -> tuple[Any, Any]:
    return make_room(), make_user()


@pytest.fixture
def layer_prefix(redis_url: str) -> Iterator[str]:
    with redis_layer(redis_url) as prefix:
        yield prefix


async def run_child(args: list[str], redis_url: str, prefix: str, tmp_path: Path) -> str:
    env = subprocess_env(
        CHAT_REDIS_URL=redis_url, CHAT_LAYER_PREFIX=prefix, CHAT_DB=str(tmp_path / "unused.db")
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=EXAMPLE_DIR,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def joined_room(ws: WebsocketCommunicator) -> None:
    """Return once the consumer joined its room group (its own chat line came back).

    The handshake is accepted before authentication and the group join, so a client only
    knows it is in the room after a round trip.
    """
    await ws.send_json({"action": "chat", "payload": {"message": "sync"}})
    assert (await receive_reply(ws, timeout=10))["action"] == "chat_notification"


async def expect_join(ws: WebsocketCommunicator, username: str) -> None:
    frame = await receive_reply(ws, timeout=10)
    assert frame == {
        "action": "user_joined",
        "payload": {"username": username, "message": f"{username} {JOINED}"},
    }


async def test_broadcast_from_a_django_view(
    room_and_token: tuple[Any, Any], layer_prefix: str
) -> None:
    room, user = room_and_token
    headers = await token_headers(user)
    async with WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers) as ws:
        await joined_room(ws)
        response = await AsyncClient().post(f"/rooms/{room.pk}/join/?username=vera")
        assert response.status_code == 200
        assert response.json() == {"status": "sent", "room": room.pk}
        await expect_join(ws, "vera")


async def test_broadcast_from_a_management_command_in_another_process(
    room_and_token: tuple[Any, Any], layer_prefix: str, redis_url: str, tmp_path: Path
) -> None:
    room, user = room_and_token
    headers = await token_headers(user)
    async with WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers) as ws:
        await joined_room(ws)
        out = await run_child(
            ["manage.py", "announce_join", str(room.pk), "cmd-user"],
            redis_url,
            layer_prefix,
            tmp_path,
        )
        assert f"announced cmd-user in room {room.pk}" in out
        await expect_join(ws, "cmd-user")


async def test_broadcast_from_a_task_function_in_another_process(
    room_and_token: tuple[Any, Any], layer_prefix: str, redis_url: str, tmp_path: Path
) -> None:
    room, user = room_and_token
    headers = await token_headers(user)
    code = (
        "import django; django.setup()\n"
        "from django_chat.chat.tasks import notify_user_joined\n"
        f"print(notify_user_joined({room.pk}, 'worker'))\n"
    )
    async with WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers) as ws:
        await joined_room(ws)
        out = await run_child(["-c", code], redis_url, layer_prefix, tmp_path)
        assert out.strip() == f"notified room {room.pk}"
        await expect_join(ws, "worker")


async def test_send_event_to_one_connection_from_another_process(
    room_and_token: tuple[Any, Any], layer_prefix: str, redis_url: str, tmp_path: Path
) -> None:
    room, user = room_and_token
    headers = await token_headers(user)
    url = f"/ws/rooms/{room.pk}/"
    async with (
        WebsocketCommunicator(addressable, url, headers=headers) as target,
        WebsocketCommunicator(addressable, url, headers=headers) as bystander,
    ):
        await target.send_json({"action": "whoami"})
        channel_name = (await receive_reply(target))["payload"]
        await bystander.send_json({"action": "whoami"})
        assert (await receive_reply(bystander))["payload"] != channel_name
        assert channel_name.startswith("specific.")
        code = (
            "import django; django.setup()\n"
            "from django_chat.chat.consumers import RoomChatConsumer, UserJoinedEvent\n"
            "from django_chat.chat.messages import UserPayload\n"
            "RoomChatConsumer.send_event_sync(UserJoinedEvent(payload=UserPayload(username='dm')), "
            f"{channel_name!r})\n"
        )
        await run_child(["-c", code], redis_url, layer_prefix, tmp_path)
        await expect_join(target, "dm")
        assert await bystander.receive_nothing(0.3)


async def test_capture_layer_records_broadcasts_and_events(
    room_and_token: tuple[Any, Any], layer_prefix: str
) -> None:
    room, user = room_and_token
    headers = await token_headers(user)
    with capture_layer() as layer:
        async with WebsocketCommunicator(
            application, f"/ws/rooms/{room.pk}/", headers=headers
        ) as ws:
            await ws.send_json({"action": "chat", "payload": {"message": "hi"}})
            await receive_reply(ws)
            await RoomChatConsumer.broadcast_event(
                UserJoinedEvent(payload=UserPayload(username="ev")), groups=[f"room_{room.pk}"]
            )
            await expect_join(ws, "ev")
    assert layer.broadcasts(f"room_{room.pk}") == [
        {
            "action": "chat_notification",
            "payload": {"message": "hi", "username": user.username, "room_id": room.pk},
        }
    ]
    assert layer.events() == [
        (f"room_{room.pk}", {"handler": "user_joined", "payload": {"username": "ev"}})
    ]


async def wait_for_members(redis_url: str, key: str, count: int, timeout: float = 30) -> None:
    """Poll the channels_redis group set until it has ``count`` members."""
    client = Redis.from_url(redis_url)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while (members := await client.zcard(key)) < count:
            assert asyncio.get_running_loop().time() < deadline, f"{members}/{count} joined"
            await asyncio.sleep(0.02)
    finally:
        await client.aclose()


async def test_more_connections_than_redis_pys_default_pool(
    room_and_token: tuple[Any, Any], layer_prefix: str, redis_url: str
) -> None:
    """150 connections at once (redis-py caps a pool at 100 unless ``max_connections``)."""
    room, user = room_and_token
    headers = await token_headers(user)
    clients = [
        WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers, timeout=30)
        for _ in range(150)
    ]
    try:
        results = await asyncio.gather(*(ws.connect() for ws in clients))
        assert all(results)
        await wait_for_members(redis_url, f"{layer_prefix}:group:room_{room.pk}", 150)
        await RoomChatConsumer.broadcast_event(
            UserJoinedEvent(payload=UserPayload(username="crowd")), groups=[f"room_{room.pk}"]
        )
        for ws in clients:
            frame = await receive_reply(ws, timeout=30)
            assert frame["payload"]["username"] == "crowd"
    finally:
        await asyncio.gather(*(ws.disconnect() for ws in clients))
