"""The optional type parameter: type checkers then check what send_event() accepts."""

from __future__ import annotations

from typing import Literal

from chanx.core.decorators import event_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseChannelEvent, BaseMessage


class SystemNotice(BaseChannelEvent):
    """An event routed by its ``handler`` field instead of ``action``."""

    handler: Literal["system_notice"] = "system_notice"
    payload: str


class NoticeMessage(BaseMessage):
    action: Literal["notice"] = "notice"
    payload: str


class NoticeConsumer(AsyncJsonWebsocketConsumer[SystemNotice]):
    groups = ["notices"]

    @event_handler(output_type=NoticeMessage)
    async def system_notice(self, event: SystemNotice) -> NoticeMessage:
        return NoticeMessage(payload=event.payload)


async def announce(text: str) -> None:
    # mypy accepts SystemNotice here and rejects any other event type.
    await NoticeConsumer.broadcast_event(SystemNotice(payload=text))
