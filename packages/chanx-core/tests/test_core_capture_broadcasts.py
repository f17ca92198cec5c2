"""capture_broadcast_events: every way of broadcasting is recorded, delivery is optional."""

from __future__ import annotations

import asyncio
from typing import ClassVar, Literal

from chanx.core import ChanxConsumer, InMemoryChannelLayer, event_handler
from chanx.core.testing import CapturedBroadcastEvent, RecordingLayer, capture_broadcast_events
from chanx.core.types import ChannelLayer
from chanx.messages.base import BaseMessage


class OrderShipped(BaseMessage):
    action: Literal["order_shipped"] = "order_shipped"
    payload: int


class OrderConsumer(ChanxConsumer[OrderShipped]):
    groups = ["orders"]
    layer: ClassVar[ChannelLayer | None] = None

    @classmethod
    def get_channel_layer(cls) -> ChannelLayer | None:
        return cls.layer

    @event_handler
    async def on_shipped(self, event: OrderShipped) -> OrderShipped:
        return event

    async def announce(self, number: int) -> None:
        await self.broadcast_event(OrderShipped(payload=number), ["orders", "audit"])


def recording() -> RecordingLayer:
    layer = RecordingLayer(InMemoryChannelLayer())
    OrderConsumer.layer = layer
    return layer


async def test_groups_are_recorded_exactly_as_passed_and_nothing_is_sent() -> None:
    layer = recording()
    with capture_broadcast_events(OrderConsumer) as seen:
        await OrderConsumer.broadcast_event(OrderShipped(payload=7), "orders")
        await OrderConsumer.broadcast_event(OrderShipped(payload=8), ["a", "b"])
        await OrderConsumer.broadcast_event(OrderShipped(payload=9))
        await OrderConsumer().announce(10)  # through an instance
    assert seen == [
        CapturedBroadcastEvent(OrderShipped(payload=7), "orders"),
        CapturedBroadcastEvent(OrderShipped(payload=8), ["a", "b"]),
        CapturedBroadcastEvent(OrderShipped(payload=9), None),
        CapturedBroadcastEvent(OrderShipped(payload=10), ["orders", "audit"]),
    ]
    assert seen[0].event.action == "order_shipped"
    assert layer.group_sent == []  # suppressed


async def test_the_sync_twin_is_recorded_from_a_thread() -> None:
    recording()
    with capture_broadcast_events(OrderConsumer) as seen:
        await asyncio.to_thread(OrderConsumer.broadcast_event_sync, OrderShipped(payload=1), "x")
    assert seen == [CapturedBroadcastEvent(OrderShipped(payload=1), "x")]


async def test_without_suppress_the_event_is_delivered_too() -> None:
    layer = recording()
    with capture_broadcast_events(OrderConsumer, suppress=False) as seen:
        await OrderConsumer.broadcast_event(OrderShipped(payload=2), ["orders"])
    assert seen == [CapturedBroadcastEvent(OrderShipped(payload=2), ["orders"])]
    assert [group for group, _ in layer.group_sent] == ["orders"]
    assert [event for _, event in layer.events()] == [{"action": "order_shipped", "payload": 2}]


def test_the_class_is_restored_on_exit_even_after_an_error() -> None:
    before = OrderConsumer.broadcast_event, OrderConsumer.broadcast_event_sync
    try:
        with capture_broadcast_events(OrderConsumer):
            assert OrderConsumer.broadcast_event != before[0]
            raise RuntimeError("test body failed")
    except RuntimeError:
        pass
    assert (OrderConsumer.broadcast_event, OrderConsumer.broadcast_event_sync) == before
    assert "broadcast_event" not in vars(OrderConsumer)  # inherited again, not a copy
