"""A topic publish of a passthrough event: serialized once, forwarded as ready text."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from core_consumers import LayerConsumer, fresh_layer
from pydantic import BaseModel

from chanx.core import InMemoryChannelLayer, event_handler
from chanx.core.testing import WebsocketHarness
from chanx.core.topic import TOPIC_EVENT, Topic
from chanx.messages.base import BaseMessage


class Line(BaseMessage):
    action: Literal["line"] = "line"
    payload: str


class Score(BaseModel):
    home_team: int


class ScoreChanged(BaseMessage):
    action: Literal["score_changed"] = "score_changed"
    payload: Score


class Ignored(BaseMessage):
    action: Literal["ignored"] = "ignored"


class ChatTopic(Topic[Any]):
    pattern = "chat:{room}"
    passthrough_events = [Line, ScoreChanged]
    channels: ClassVar[dict[str, str]] = {}  # the last subscriber's channel, per topic

    async def on_subscribe(self) -> None:
        self.channels[self.topic] = self.channel_name

    @event_handler
    async def shout(self, event: Ignored) -> Line:  # a handler: its own output, not the event
        return Line(payload="handled")


class CompletingTopic(Topic[Any]):
    pattern = "done:{room}"
    passthrough_events = [Line]
    send_completion = True


class Hub(LayerConsumer):
    topics = [ChatTopic, CompletingTopic]


class CamelHub(LayerConsumer):
    camelize = True
    topics = [ChatTopic]


@pytest.fixture(autouse=True)
def layer() -> Iterator[InMemoryChannelLayer]:
    yield fresh_layer()
    LayerConsumer.layer = None


def recording(layer: InMemoryChannelLayer) -> list[dict[str, Any]]:
    """The messages ``layer.group_send`` is given from now on."""
    sent: list[dict[str, Any]] = []
    original = layer.group_send

    async def group_send(group: str, message: dict[str, Any]) -> None:
        sent.append(message)
        await original(group, message)

    layer.group_send = group_send  # type: ignore[method-assign]  # a recording double
    return sent


async def subscribed(app: type[LayerConsumer], topic: str) -> WebsocketHarness:
    ws = WebsocketHarness(app)
    await ws.connect()
    await ws.send_json({"topic": topic, "action": "subscribe"})
    assert (await ws.receive_json())["action"] == "subscribed"
    return ws


async def test_every_subscriber_gets_the_one_text_the_publisher_made(
    layer: InMemoryChannelLayer,
) -> None:
    a, b = await subscribed(Hub, "chat:1"), await subscribed(Hub, "chat:1")
    sent = recording(layer)
    await ChatTopic.broadcast("chat:1", Line(payload="hi"), seq=7)
    expected = '{"action":"line","payload":"hi","version":1,"topic":"chat:1","seq":7}'
    assert await a.receive_output() == {"type": "websocket.send", "text": expected}
    assert await b.receive_output() == {"type": "websocket.send", "text": expected}
    assert [m["type"] for m in sent] == ["chanx.broadcast"]
    assert sent[0]["text"] == expected
    for ws in (a, b):
        await ws.disconnect()


async def test_an_event_for_a_handler_still_runs_it(layer: InMemoryChannelLayer) -> None:
    ws = await subscribed(Hub, "chat:1")
    sent = recording(layer)
    await ChatTopic.broadcast("chat:1", Ignored())
    assert (await ws.receive_json())["payload"] == "handled"
    assert [m["type"] for m in sent] == [TOPIC_EVENT]
    await ws.disconnect()


async def test_a_connection_that_left_the_topic_gets_nothing(
    layer: InMemoryChannelLayer,
) -> None:
    ws = await subscribed(Hub, "chat:1")
    await ws.send_json({"topic": "chat:1", "action": "unsubscribe"})
    assert (await ws.receive_json())["action"] == "unsubscribed"
    other = await subscribed(Hub, "chat:2")
    # still in the group (as while its on_unsubscribe runs), but no longer subscribed
    await layer.group_add(ChatTopic.group_name("chat:1"), ChatTopic.channels["chat:2"])
    await ChatTopic.broadcast("chat:1", Line(payload="late"))
    assert await ws.receive_nothing()
    assert await other.receive_nothing()
    await ws.disconnect()
    await other.disconnect()


async def test_a_camelizing_subscriber_encodes_the_event_itself() -> None:
    plain, camel = await subscribed(Hub, "chat:1"), await subscribed(CamelHub, "chat:1")
    await ChatTopic.broadcast("chat:1", ScoreChanged(payload=Score(home_team=2)))
    assert (await plain.receive_json())["payload"] == {"home_team": 2}
    frame = await camel.receive_json()
    assert (frame["payload"], frame["topic"]) == ({"homeTeam": 2}, "chat:1")
    await plain.disconnect()
    await camel.disconnect()


async def test_completion_follows_the_forwarded_frame() -> None:
    ws = await subscribed(Hub, "done:1")
    await CompletingTopic.broadcast("done:1", Line(payload="x"), seq=3)
    assert (await ws.receive_json())["payload"] == "x"
    complete = await ws.receive_json()
    assert (complete["action"], complete["topic"], complete["seq"]) == (
        "event_complete",
        "done:1",
        3,
    )
    await ws.disconnect()


async def test_a_publish_during_a_layer_outage_arrives_after_it(
    layer: InMemoryChannelLayer,
) -> None:
    from chanx.core import configure_outage_buffer

    ws = await subscribed(Hub, "chat:1")
    buffer = configure_outage_buffer(layer, max_age=5, settle=0.05)
    original, down = layer.group_send, [True]

    async def group_send(group: str, message: dict[str, Any]) -> None:
        if down[0]:
            raise ConnectionRefusedError(111, "Connection refused")  # as redis-py when down
        await original(group, message)

    layer.group_send = group_send  # type: ignore[method-assign]  # an outage double
    await ChatTopic.broadcast("chat:1", Line(payload="during"), seq=1)  # returns: buffered
    assert len(buffer) == 1
    down[0] = False
    assert (await ws.receive_json(timeout=5))["payload"] == "during"
    # the retry thread pops the item once its send returned, which may be just after delivery
    assert await asyncio.to_thread(buffer.wait_empty, 5)
    await ws.disconnect()
