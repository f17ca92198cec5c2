"""Static typing of the consumer: checked by the repository's mypy run (strict).

A class that mixes another class into ``AsyncJsonWebsocketConsumer`` must type-check without
``type: ignore`` (mypy would otherwise compare chanx's and fast-channels' definitions of the
methods chanx overrides), and the generic parameter types ``send_event``/``broadcast_event``.
"""

from __future__ import annotations

from typing import Literal

import pytest
from fast_channels.consumer.websocket import AsyncJsonWebsocketConsumer as FastChannelsConsumer

from chanx.core.decorators import ws_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

pytestmark = pytest.mark.asgi


class Alert(BaseMessage):
    action: Literal["alert"] = "alert"
    payload: str


class AuditMixin:
    """A user mixin with a hook of its own, composed before the consumer."""

    audited: int = 0

    async def post_authentication(self) -> None:
        self.audited += 1
        await super().post_authentication()  # type: ignore[misc]


class AuditedConsumer(AuditMixin, AsyncJsonWebsocketConsumer[Alert]):
    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        await self.send_json({"action": "pre"})  # fast-channels' helper stays visible
        return PongMessage()


def test_runtime_bases_are_still_fast_channels() -> None:
    assert issubclass(AuditedConsumer, FastChannelsConsumer)


async def send_typed_events() -> None:
    """Never run: mypy checks that the event parameter is typed by the generic argument."""
    await AuditedConsumer.broadcast_event(Alert(payload="x"), groups=["g"])
    AuditedConsumer.send_event_sync(Alert(payload="x"), "specific.x")
    # The ignore must be needed: if the generic argument stopped typing events, mypy would
    # report it as unused.
    await AuditedConsumer.broadcast_event(PongMessage(), groups=["g"])  # type: ignore[arg-type]
