"""Writing your own mixin: handlers, passthrough events and hooks that stack through the MRO."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from chanx.core.decorators import ws_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

if TYPE_CHECKING:
    from chanx.core.consumer import ChanxConsumer

    _Base = ChanxConsumer[Any]  # type checkers see the consumer API...
else:
    _Base = object  # ...at run time the mixin is a plain class


class StatsMessage(BaseMessage):
    action: Literal["stats"] = "stats"


class StatsReport(BaseMessage):
    action: Literal["stats_report"] = "stats_report"
    payload: dict[str, int]


class Maintenance(BaseMessage):
    """Event: the server goes down soon; forwarded to clients as it is."""

    action: Literal["maintenance"] = "maintenance"
    payload: str


class FrameStatsMixin(_Base):
    """Counts the frames of a connection and answers ``stats``."""

    passthrough_events: Sequence[type[BaseModel]] = [Maintenance]
    frames_seen: int = 0

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        self.frames_seen += 1  # see every raw frame first...
        await super().receive(text_data, bytes_data)  # ...then let routing happen

    @ws_handler
    async def handle_stats(self, message: StatsMessage) -> StatsReport:
        return StatsReport(payload={"frames": self.frames_seen})

    async def disconnect(self, code: int) -> None:
        FINISHED.append(self.frames_seen)
        await super().disconnect(code)  # let the next class in the MRO clean up too


FINISHED: list[int] = []  # what the example's disconnect hook records, for the tests


class PingMixin(_Base):
    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


class StatsConsumer(FrameStatsMixin, PingMixin, AsyncJsonWebsocketConsumer):
    """Mixins first, the binding's consumer last."""

    groups = ["stats"]
