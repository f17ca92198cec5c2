"""The Channels binding: routing, URL kwargs, layer alias, as_asgi, the receive loop."""

from __future__ import annotations

import asyncio
from typing import Any, Literal, cast

import pytest
from channels.db import aclose_old_connections
from channels.generic.websocket import AsyncJsonWebsocketConsumer as ChannelsConsumer
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from django.test import override_settings
from django_support import ws_route
from pydantic import BaseModel

from chanx.channels.testing import WebsocketCommunicator
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import event_handler, ws_handler
from chanx.core.layers import InMemoryChannelLayer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

pytestmark = pytest.mark.django


class WhereMessage(BaseMessage):
    action: Literal["where"] = "where"


class WherePayload(BaseModel):
    path_params: dict[str, Any]
    url_kwargs: dict[str, Any]


class HereMessage(BaseMessage):
    action: Literal["here"] = "here"
    payload: WherePayload


class NudgeEvent(BaseMessage):
    action: Literal["nudge"] = "nudge"
    payload: str


class NudgedMessage(BaseMessage):
    action: Literal["nudged"] = "nudged"
    payload: str


class RoomConsumer(AsyncJsonWebsocketConsumer[NudgeEvent]):
    groups = ["lobby"]

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_where(self, message: WhereMessage) -> HereMessage:
        return HereMessage(
            payload=WherePayload(
                path_params=self.scope["path_params"],
                url_kwargs=self.scope["url_route"]["kwargs"],
            )
        )

    @event_handler
    async def handle_nudge(self, event: NudgeEvent) -> NudgedMessage:
        return NudgedMessage(payload=event.payload)


class OtherAliasConsumer(RoomConsumer):
    channel_layer_alias = "other"


class NoLayerConsumer(RoomConsumer):
    channel_layer_alias = None
    groups = []


router = URLRouter(
    [
        ws_route("ws/room/<str:room>/<int:n>/", RoomConsumer.as_asgi()),
        ws_route("ws/other/", OtherAliasConsumer.as_asgi()),
        ws_route("ws/none/", NoLayerConsumer.as_asgi()),
        ws_route("ws/vip/", RoomConsumer.as_asgi(groups=["vip"])),
    ]
)


def test_core_receive_loop_wins_in_the_mro() -> None:
    mro = AsyncJsonWebsocketConsumer.__mro__
    assert mro.index(ChanxConsumer) < mro.index(ChannelsConsumer)
    assert RoomConsumer.__call__.__qualname__.startswith("AsyncJsonWebsocketConsumer")
    assert RoomConsumer.accept is ChanxConsumer.accept


def test_as_asgi_keeps_consumer_class_and_rejects_unknown_kwargs() -> None:
    app = RoomConsumer.as_asgi(groups=["x"])
    assert app.consumer_class is RoomConsumer  # type: ignore[attr-defined]
    assert app.consumer_initkwargs == {"groups": ["x"]}  # type: ignore[attr-defined]
    assert app.__name__ == "RoomConsumer"
    with pytest.raises(TypeError, match="not_an_attribute"):
        RoomConsumer.as_asgi(not_an_attribute=1)


async def test_url_kwargs_are_path_params_and_url_route() -> None:
    async with WebsocketCommunicator(router, "/ws/room/blue/7/") as ws:
        await ws.send_json({"action": "where"})
        frame = await ws.receive_json()
    assert frame["payload"] == {
        "path_params": {"room": "blue", "n": 7},
        "url_kwargs": {"room": "blue", "n": 7},
    }


async def test_broadcast_and_events_through_the_default_layer() -> None:
    async with (
        WebsocketCommunicator(router, "/ws/room/a/1/") as one,
        WebsocketCommunicator(router, "/ws/vip/") as vip,
    ):
        for ws in (one, vip):  # a reply proves the connection finished joining its groups
            await ws.send_json({"action": "ping"})
            assert await ws.receive_json() == {"action": "pong", "payload": None}
        await RoomConsumer.broadcast_event(NudgeEvent(payload="hey"))
        assert await one.receive_json() == {"action": "nudged", "payload": "hey"}
        assert await vip.receive_nothing()
        await RoomConsumer.broadcast_event(NudgeEvent(payload="vip only"), groups=["vip"])
        assert await vip.receive_json() == {"action": "nudged", "payload": "vip only"}
        assert await one.receive_nothing()


async def test_channel_layer_alias_is_honoured() -> None:
    layers = {
        "default": {"BACKEND": "chanx.core.layers.InMemoryChannelLayer"},
        "other": {"BACKEND": "chanx.core.layers.InMemoryChannelLayer"},
    }
    with override_settings(CHANNEL_LAYERS=layers):
        other = OtherAliasConsumer.get_channel_layer()
        assert isinstance(other, InMemoryChannelLayer)
        assert cast("object", other) is get_channel_layer("other")
        assert cast("object", other) is not get_channel_layer("default")
        async with WebsocketCommunicator(router, "/ws/other/") as ws:
            await ws.send_json({"action": "ping"})
            await ws.receive_json()
            assert other.group_members("lobby")
            default = cast("InMemoryChannelLayer", get_channel_layer("default"))
            assert not default.group_members("lobby")
            await OtherAliasConsumer.broadcast_event(NudgeEvent(payload="o"))
            assert (await ws.receive_json())["payload"] == "o"


async def test_without_a_layer_the_consumer_serves_but_cannot_broadcast() -> None:
    assert NoLayerConsumer.get_channel_layer() is None
    async with WebsocketCommunicator(router, "/ws/none/") as ws:
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
    with pytest.raises(RuntimeError, match="channel_layer_alias=None"):
        await NoLayerConsumer.broadcast_event(NudgeEvent(payload="x"), groups=["g"])


async def test_unconfigured_alias_gives_no_layer() -> None:
    assert OtherAliasConsumer.get_channel_layer() is None


class _Spy:
    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        await self.real()


async def test_old_db_connections_are_not_closed_per_message_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = _Spy(aclose_old_connections)
    monkeypatch.setattr("chanx.channels.websocket.aclose_old_connections", spy)
    async with WebsocketCommunicator(router, "/ws/room/a/1/") as ws:
        for _ in range(3):
            await ws.send_json({"action": "ping"})
            await ws.receive_json()
        await RoomConsumer.broadcast_event(NudgeEvent(payload="e"))
        await ws.receive_json()
    assert spy.calls == 0


async def test_close_old_connections_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = _Spy(aclose_old_connections)
    monkeypatch.setattr("chanx.channels.websocket.aclose_old_connections", spy)
    app = RoomConsumer.as_asgi(close_old_connections=True)
    async with WebsocketCommunicator(app, "/ws/", path_params={"room": "r", "n": 1}) as ws:
        await ws.send_json({"action": "ping"})
        await ws.receive_json()
        await ws.send_json({"action": "ping"})
        await ws.receive_json()
        await RoomConsumer.broadcast_event(NudgeEvent(payload="e"))
        await ws.receive_json()
    assert spy.calls == 3


async def test_sync_events_from_a_plain_thread_on_the_in_memory_layer() -> None:
    """``*_sync`` from a thread that is not the server's (e.g. a thread pool in a view)."""
    async with WebsocketCommunicator(router, "/ws/room/t/1/") as ws:
        await ws.send_json({"action": "ping"})
        await ws.receive_json()
        await asyncio.to_thread(RoomConsumer.broadcast_event_sync, NudgeEvent(payload="thread"))
        assert await ws.receive_json() == {"action": "nudged", "payload": "thread"}


async def test_channels_communicator_spellings() -> None:
    async with WebsocketCommunicator(router, "/ws/room/c/1/") as ws:
        await ws.send_json_to({"action": "ping"})
        assert await ws.receive_json_from() == {"action": "pong", "payload": None}
        await ws.send_to(text_data='{"action": "ping"}')
        assert await ws.receive_from() == '{"action":"pong","payload":null}'
        await ws.send_to(bytes_data=b"\x00")
        assert (await ws.receive_json_from())["payload"][0]["type"] == "json_invalid"
        with pytest.raises(ValueError, match="text_data or bytes_data"):
            await ws.send_to()
