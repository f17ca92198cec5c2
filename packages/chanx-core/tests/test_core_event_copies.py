"""One validation per broadcast event per process; every handler still gets its own event."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from core_consumers import LayerConsumer
from pydantic import BaseModel, field_validator

from chanx.core import InMemoryChannelLayer, event_handler
from chanx.core._event_copies import event_for_handler
from chanx.core.testing import WebsocketHarness
from chanx.messages import BaseMessage

validations: list[int] = []


class Score(BaseMessage):
    """A flat event: all fields immutable scalars."""

    action: Literal["score"] = "score"
    payload: int

    @field_validator("payload")
    @classmethod
    def _count(cls, value: int) -> int:
        validations.append(value)
        return value


class Tags(BaseModel):
    names: list[str]


class Tagged(BaseMessage):
    """A nested event: a list inside a model."""

    action: Literal["tagged"] = "tagged"
    payload: Tags


class Seen(BaseMessage):
    action: Literal["seen"] = "seen"
    payload: str


class Mutating(LayerConsumer):
    """Each handler reports what it received, then mutates it."""

    groups = ["room"]
    seen: ClassVar[list[str]] = []

    @event_handler
    async def on_score(self, event: Score) -> Seen:
        seen = str(event.payload)
        event.payload += 100
        return Seen(payload=seen)

    @event_handler
    async def on_tagged(self, event: Tagged) -> Seen:
        seen = ",".join(event.payload.names)
        event.payload.names.append("mutated")
        event.payload = Tags(names=["replaced"])
        return Seen(payload=seen)


@pytest.fixture
def layer() -> Iterator[InMemoryChannelLayer]:
    layer = InMemoryChannelLayer()
    LayerConsumer.layer = layer
    yield layer
    LayerConsumer.layer = None


async def test_a_flat_event_is_validated_once_and_each_handler_gets_its_own(
    layer: InMemoryChannelLayer,
) -> None:
    validations.clear()
    async with (
        WebsocketHarness(Mutating) as a,
        WebsocketHarness(Mutating) as b,
        WebsocketHarness(Mutating) as c,
    ):
        validations.clear()  # (constructing the event validated it once, in the sender)
        await Mutating.broadcast_event(Score(payload=1))
        for ws in (a, b, c):
            assert await ws.receive_json() == {"action": "seen", "payload": "1"}
        # the sender's construction, then one validation for all three receivers
        assert validations == [1, 1]


async def test_nested_events_are_not_shared_between_handlers(layer: InMemoryChannelLayer) -> None:
    async with WebsocketHarness(Mutating) as a, WebsocketHarness(Mutating) as b:
        await Mutating.broadcast_event(Tagged(payload=Tags(names=["x", "y"])))
        for ws in (a, b):
            assert await ws.receive_json() == {"action": "seen", "payload": "x,y"}


async def test_a_bad_event_is_rejected_by_every_receiver(
    layer: InMemoryChannelLayer, caplog: pytest.LogCaptureFixture
) -> None:
    async with WebsocketHarness(Mutating) as a, WebsocketHarness(Mutating) as b:
        bad = {"type": "chanx.event", "key": "score", "event": '{"action":"score","payload":"x"}'}
        with caplog.at_level(logging.ERROR, "chanx.consumer"):
            await layer.group_send("room", bad)
            await Mutating.broadcast_event(Score(payload=2))  # the connections still work
            for ws in (a, b):
                assert await ws.receive_json() == {"action": "seen", "payload": "2"}
        rejected = [r for r in caplog.records if "invalid score event" in r.getMessage()]
        assert len(rejected) == 2


def test_copies_are_independent_and_equal() -> None:
    text = Score(payload=5).model_dump_json()
    first: Any = event_for_handler(Score, text)
    second: Any = event_for_handler(Score, text)
    assert first == second == Score(payload=5)
    assert first is not second
    first.payload = 9
    assert event_for_handler(Score, text) == Score(payload=5)
    # an equal text in a new envelope is a new event: validated again, not recognised by value
    validations.clear()
    event_for_handler(Score, "".join([text[:5], text[5:]]))
    assert validations == [5]
