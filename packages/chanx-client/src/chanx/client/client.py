"""``BaseClient``: a typed, reconnecting WebSocket client for one chanx channel.

Generated clients subclass it and set ``path`` and ``incoming_message`` (and
``heartbeat_message`` when the channel has ping/pong). The connection machinery (reconnect,
queue, resend) is :class:`~chanx.client.connection.Connection`; this class adds the typed
side: requests matched by ``ref``, validation, callbacks, async iteration and the hooks.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, TypeAdapter, ValidationError
from websockets.asyncio.client import ClientConnection

from chanx.client import wire
from chanx.client._listeners import Callback, MessageStream
from chanx.client.connection import Connection

logger = logging.getLogger("chanx.client")

IncomingT = TypeVar("IncomingT")
M = TypeVar("M")

#: Envelope keys removed before a frame is validated as a message (as the server does).
_ENVELOPE = (wire.REF, wire.VERSION, wire.TOPIC, wire.SEQ)

__all__ = ["BaseClient", "IncomingT"]


class BaseClient(Connection, Generic[IncomingT]):
    """Exchange typed messages with one channel (arguments: :class:`Connection`)."""

    #: Validates every frame the server may send on this channel (set by generated clients).
    incoming_message: ClassVar[TypeAdapter[Any]] = TypeAdapter(Any)

    async def send_message(self, message: BaseModel) -> None:
        """Send a message (queued while disconnected)."""
        await self.send_json(self.encode(message))

    async def send_json(self, data: Mapping[str, Any]) -> None:
        """Send a JSON object (queued while disconnected)."""
        await self.send_raw(json.dumps(data))

    async def request(self, message: BaseModel, *, timeout: float | None = None) -> IncomingT:
        """Send ``message`` with a fresh ``ref`` and return the validated reply with that ref.

        Raises ``TimeoutError`` after ``timeout`` seconds (default ``request_timeout``),
        ``RequestError`` on an ``error`` reply, ``NoReplyError`` on a bare completion.
        """
        data = await self.request_json(self.encode(message), timeout=timeout)
        return self.parse(data)

    async def request_json(
        self, data: Mapping[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        """``request()`` for a raw JSON object; returns the reply frame unvalidated."""
        ref, future = await self.begin_request(data)
        try:
            async with asyncio.timeout(self.request_timeout if timeout is None else timeout):
                return await future
        finally:
            self._pending.forget(ref)

    async def begin_request(
        self, data: Mapping[str, Any], *, direct: bool = False
    ) -> tuple[str, asyncio.Future[dict[str, Any]]]:
        """Send ``data`` with a fresh ``ref``; the future settles on the reply.

        ``direct`` writes on the socket at once, ahead of the queue (for ``on_open``).
        """
        ref, future = self._pending.open()
        text = json.dumps({**data, wire.REF: ref})
        self._pending.set_frame(ref, text)
        try:
            if direct:
                await self._send_now(text)
                self._pending.mark_sent(ref, self.connections)
            else:
                await self._send(text, ref)
        except BaseException:
            self._pending.forget(ref)
            raise
        return ref, future

    def forget_request(self, ref: str) -> None:
        """Stop waiting for the reply to ``ref`` (a late reply is then a plain message)."""
        self._pending.forget(ref)

    def encode(self, message: BaseModel) -> dict[str, Any]:
        """The JSON object sent for ``message`` (wire names, JSON types)."""
        return message.model_dump(mode="json", by_alias=True)

    def parse(self, data: Mapping[str, Any]) -> IncomingT:
        """Validate a server frame (envelope keys removed) as this channel's incoming union."""
        body = {k: v for k, v in data.items() if k not in _ENVELOPE}
        return cast("IncomingT", self.incoming_message.validate_python(body))

    def on(self, kind: type[M], callback: Callback[M]) -> Callable[[], None]:
        """Call ``callback`` for every server message of class ``kind``; returns an unsubscriber."""
        return self._listeners.add_callback(kind, callback)

    def messages(self, *kinds: type[M]) -> MessageStream[M]:
        """An async iterator over server messages of ``kinds`` (all when none are given)."""
        return self._listeners.stream(kinds or None)

    def __aiter__(self) -> AsyncIterator[IncomingT]:
        return cast("AsyncIterator[IncomingT]", self._listeners.stream(None))

    async def handle_message(self, message: IncomingT) -> None:
        """Called for every validated server message that is not a request's reply."""

    async def handle_invalid_message(self, data: Any, error: ValidationError) -> None:
        """Called for a JSON frame that matches no incoming message (logged by default)."""
        logger.warning("frame matches no message of %s: %s", type(self).__name__, error)

    async def dispatch_frame(self, data: dict[str, Any]) -> None:
        """Validate a frame that answers no request and pass it to the handlers."""
        try:
            message = self.parse(data)
        except ValidationError as exc:
            await self.handle_invalid_message(data, exc)
            return
        await self.handle_message(message)
        await self._listeners.deliver(message)

    async def _heartbeat(self, ws: ClientConnection) -> None:
        if self.heartbeat_message is None or self.heartbeat_interval is None:
            return
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            try:
                await self.request(self.heartbeat_message, timeout=self.heartbeat_interval)
            except TimeoutError:
                logger.warning(
                    "no heartbeat reply within %ss: reconnecting", self.heartbeat_interval
                )
                # A silent peer would not answer a close handshake either: drop the socket.
                ws.transport.abort()
                return
            except Exception:  # the connection ended; the supervisor takes over
                return
