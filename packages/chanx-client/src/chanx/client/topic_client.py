"""Topics on one connection: ``BaseTopicConnection`` multiplexes ``BaseTopicHandle`` streams.

A handle subscribes with ``{"action": "subscribe", "topic": t, "ref": r}``; once it knows the
stream's position (the ``epoch`` and ``seq`` of the ``subscribed`` reply, then each push's
``seq``) it adds ``"payload": {"seq": <last seq>, "epoch": <epoch>}``, so after a reconnect the
connection resubscribes every handle asking the server to replay what was missed. Pushes at or
below the last ``seq`` of the same epoch are dropped, so an overlapping replay never duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from chanx.client import wire
from chanx.client._listeners import Callback, Listeners, MessageStream
from chanx.client.client import BaseClient, IncomingT

__all__ = [
    "BaseTopicConnection",
    "BaseTopicHandle",
    "HandleT",
    "ProtocolMessage",
    "TopicIncomingT",
]

logger = logging.getLogger("chanx.client")

TopicIncomingT = TypeVar("TopicIncomingT")
M = TypeVar("M")


@dataclass(frozen=True)
class ProtocolMessage:
    """A topic protocol reply (``subscribed``, ``unsubscribed``, ``error``) and its payload."""

    action: str
    payload: Any


class BaseTopicHandle(Generic[TopicIncomingT]):
    """One topic subscription on a :class:`BaseTopicConnection`.

    Generated handles set ``pattern`` (``"run:{run_id}"``) and ``incoming_message``.
    """

    pattern: ClassVar[str] = ""
    incoming_message: ClassVar[TypeAdapter[Any]] = TypeAdapter(Any)

    def __init__(self, connection: BaseTopicConnection[Any], **params: object) -> None:
        self.connection = connection
        self.params = params
        self.topic = self.pattern.format(**params)
        #: Last push sequence number seen, and its epoch (sent back when resubscribing).
        self.last_seq: int | None = None
        self.epoch: str | None = None
        #: Whether the latest ``subscribed`` reply said missed pushes were replayed.
        self.recovered: bool | None = None
        self.subscribed = False
        self._listeners = Listeners()

    def subscribe_frame(self) -> dict[str, Any]:
        """The subscribe frame; once the stream position is known (``last_seq`` of ``epoch``)
        its ``payload`` asks the server to replay every publish after it."""
        frame: dict[str, Any] = {wire.ACTION: wire.SUBSCRIBE, wire.TOPIC: self.topic}
        if self.last_seq is not None and self.epoch is not None:
            frame[wire.PAYLOAD] = {wire.SEQ: self.last_seq, wire.EPOCH: self.epoch}
        return frame

    async def subscribe(self) -> ProtocolMessage:
        """Subscribe (or confirm); raises ``RequestError`` when the server refuses."""
        self.subscribed = True
        reply = await self.connection.request_json(self.subscribe_frame())
        self.accept_subscribed(reply)
        return ProtocolMessage(wire.SUBSCRIBED, reply.get("payload"))

    async def unsubscribe(self) -> ProtocolMessage:
        """Leave the topic; pushes for it are no longer delivered."""
        self.subscribed = False
        frame = {wire.ACTION: wire.UNSUBSCRIBE, wire.TOPIC: self.topic}
        reply = await self.connection.request_json(frame)
        return ProtocolMessage(str(reply.get(wire.ACTION)), reply.get("payload"))

    def accept_subscribed(self, reply: dict[str, Any]) -> None:
        """Read the recovery fields of a ``subscribed`` reply."""
        payload = reply.get("payload")
        if isinstance(payload, dict):
            epoch = payload.get(wire.EPOCH)
            if isinstance(epoch, str) and epoch != self.epoch:
                self.epoch, self.last_seq = epoch, None  # a new epoch restarts the sequence
            seq = payload.get(wire.SEQ)
            if isinstance(seq, int) and self.last_seq is None:
                self.last_seq = seq
            recovered = payload.get(wire.RECOVERED)
            self.recovered = recovered if isinstance(recovered, bool) else None

    async def request(self, message: BaseModel, *, timeout: float | None = None) -> TopicIncomingT:
        """Send ``message`` on this topic and return its validated reply."""
        data = {**self.connection.encode(message), wire.TOPIC: self.topic}
        reply = await self.connection.request_json(data, timeout=timeout)
        return self.parse(reply)

    async def send_message(self, message: BaseModel) -> None:
        """Send ``message`` on this topic without waiting for a reply."""
        data = {**self.connection.encode(message), wire.TOPIC: self.topic}
        data[wire.VERSION] = wire.ENVELOPE_VERSION
        await self.connection.send_json(data)

    def parse(self, data: dict[str, Any]) -> TopicIncomingT:
        body = {
            k: v for k, v in data.items() if k not in (wire.REF, wire.VERSION, wire.TOPIC, wire.SEQ)
        }
        return cast("TopicIncomingT", self.incoming_message.validate_python(body))

    def on(self, kind: type[M], callback: Callback[M]) -> Callable[[], None]:
        """Call ``callback`` for every push of class ``kind``; returns an unsubscriber."""
        return self._listeners.add_callback(kind, callback)

    def messages(self, *kinds: type[M]) -> MessageStream[M]:
        """An async iterator over this topic's pushes of ``kinds`` (all when none given)."""
        return self._listeners.stream(kinds or None)

    async def handle_message(self, message: TopicIncomingT) -> None:
        """Called for every validated push of this topic."""

    async def handle_invalid_message(self, data: Any, error: ValidationError) -> None:
        """Called for a topic frame matching none of its messages (logged by default)."""
        logger.warning("frame on %s matches no message: %s", self.topic, error)

    async def deliver(self, data: dict[str, Any]) -> None:
        """Drop a replayed duplicate, record ``seq``, validate and hand the push on.

        An unprompted ``subscribed`` (the server lost the stream: a new epoch, a trimmed
        history) updates the position and ``recovered`` before it is handed on.
        """
        if data.get(wire.ACTION) == wire.SUBSCRIBED:
            self.accept_subscribed(data)
        seq = data.get(wire.SEQ)
        if isinstance(seq, int):
            if self.last_seq is not None and seq <= self.last_seq:
                return
            self.last_seq = seq
        try:
            message = self.parse(data)
        except ValidationError as exc:
            await self.handle_invalid_message(data, exc)
            return
        await self.handle_message(message)
        await self._listeners.deliver(message)


#: A handle class (``BaseTopicConnection.topic`` returns an instance of the class it is given).
HandleT = TypeVar("HandleT", bound=BaseTopicHandle[Any])


class BaseTopicConnection(BaseClient[IncomingT]):
    """A connection that carries topic subscriptions next to its own messages."""

    def _setup(self) -> None:
        super()._setup()
        self.handles: dict[str, BaseTopicHandle[Any]] = {}

    def topic(self, handle_cls: type[HandleT], **params: object) -> HandleT:
        """The handle of ``handle_cls`` for ``params`` (created once, then reused)."""
        handle = handle_cls(self, **params)
        existing = self.handles.setdefault(handle.topic, handle)
        return cast("HandleT", existing)

    async def send_topic(self, topic: str, data: dict[str, Any], ref: str | None = None) -> None:
        """Send a raw frame on ``topic``."""
        frame = {**data, wire.VERSION: wire.ENVELOPE_VERSION, wire.TOPIC: topic}
        if ref is not None:
            frame[wire.REF] = ref
        await self.send_json(frame)

    async def resubscribe(self) -> None:
        """Subscribe every subscribed handle again, carrying its last ``seq``/``epoch``.

        Called from ``on_open`` after a reconnect: the subscribe frames go out ahead of the
        frames queued while disconnected, and the replies are read as they arrive.
        """
        for handle in list(self.handles.values()):
            if handle.subscribed:
                ref, future = await self.begin_request(handle.subscribe_frame(), direct=True)
                self._spawn(self._await_subscribed(handle, ref, future))

    async def _await_subscribed(
        self, handle: BaseTopicHandle[Any], ref: str, future: asyncio.Future[dict[str, Any]]
    ) -> None:
        try:
            async with asyncio.timeout(self.request_timeout):
                handle.accept_subscribed(await future)
        except Exception as exc:
            logger.warning("resubscribing to %s failed: %r", handle.topic, exc)
        finally:
            self.forget_request(ref)

    async def on_open(self) -> None:
        if self.connections > 1:
            await self.resubscribe()

    async def dispatch_frame(self, data: dict[str, Any]) -> None:
        topic = data.get(wire.TOPIC)
        if isinstance(topic, str):
            handle = self.handles.get(topic)
            if handle is not None and handle.subscribed:
                await handle.deliver(data)
            return
        await super().dispatch_frame(data)
