"""The testing helpers' stop actions against real chanx frames: ``complete`` after an error,
``group_complete`` after each relayed broadcast, ``event_complete`` after each event handler.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from chanx.constants import EVENT_ACTION_COMPLETE, GROUP_ACTION_COMPLETE
from chanx.core import ChanxConsumer, InMemoryChannelLayer, event_handler, ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.core.types import ChannelLayer
from chanx.messages import ErrorMessage
from chanx.messages.base import BaseMessage


class Shout(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: str


class Bell(BaseMessage):
    action: Literal["bell"] = "bell"
    payload: int


class Rang(BaseMessage):
    action: Literal["rang"] = "rang"
    payload: int


class Hall(ChanxConsumer):
    send_completion = True
    groups = ["hall"]
    layer: ClassVar[ChannelLayer | None] = None

    @classmethod
    def get_channel_layer(cls) -> ChannelLayer | None:
        return cls.layer

    @ws_handler(output_type=Shout)
    async def handle_shout(self, message: Shout) -> None:
        await self.broadcast_message(message)

    @event_handler
    async def on_bell(self, event: Bell) -> Rang:
        return Rang(payload=event.payload)


async def test_complete_follows_an_error_frame() -> None:
    async with WebsocketHarness(Hall) as ws:
        await ws.send_json_to({"action": "shout", "payload": 5})  # invalid payload
        frames = await ws.receive_all_json(stop_action="complete", timeout=5)
        assert [f["action"] for f in frames] == ["error", "complete"]


async def test_group_complete_ends_a_relayed_broadcast_on_every_member() -> None:
    Hall.layer = InMemoryChannelLayer()
    try:
        async with WebsocketHarness(Hall) as sender, WebsocketHarness(Hall) as other:
            await sender.send_message(Shout(payload="hi"))
            # the sender gets "complete" and the relay with its group_complete, in either order
            mine = await sender.receive_all_json(stop_action=GROUP_ACTION_COMPLETE, timeout=5)
            assert mine[-1]["action"] == GROUP_ACTION_COMPLETE
            if all(f["action"] != "complete" for f in mine):  # the relay may come first
                mine += await sender.receive_all_json(stop_action="complete", timeout=5)
            assert sorted(f["action"] for f in mine) == ["complete", "group_complete", "shout"]
            await other.send_json_to({"action": "nope"})  # then a reply of its own
            theirs = await other.receive_all_messages(stop_action=GROUP_ACTION_COMPLETE, timeout=5)
            assert theirs == [Shout(payload="hi")]  # stopped at group_complete, not at timeout
            (error,) = await other.receive_all_messages(timeout=5)
            assert isinstance(error, ErrorMessage)
    finally:
        Hall.layer = None


async def test_event_complete_ends_each_handled_event() -> None:
    Hall.layer = InMemoryChannelLayer()
    try:
        async with WebsocketHarness(Hall) as ws:
            await Hall.broadcast_event(Bell(payload=3), ["hall"])
            frames = await ws.receive_all_json(stop_action=EVENT_ACTION_COMPLETE, timeout=5)
            assert [f["action"] for f in frames] == ["rang", "event_complete"]
            await Hall.broadcast_event(Bell(payload=4), ["hall"])
            found = await ws.receive_all_messages(stop_action=EVENT_ACTION_COMPLETE, timeout=5)
            assert found == [Rang(payload=4)]
    finally:
        Hall.layer = None


async def test_an_error_reply_reads_as_an_error_message() -> None:
    async with WebsocketHarness(Hall) as ws:
        await ws.send_json_to({"action": "nope"})
        (error,) = await ws.receive_all_messages(timeout=5)
        assert isinstance(error, ErrorMessage)
