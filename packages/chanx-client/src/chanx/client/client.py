"""``BaseClient``: a typed, reconnecting WebSocket client for one chanx channel.

Generated clients subclass it and set ``path`` and ``incoming_message``. One supervisor task
owns the socket: it connects (auth by query parameters, headers or a first frame), reads
frames, and on a drop reconnects under a :class:`~chanx.client.backoff.Backoff` policy. Frames
sent while disconnected wait in a bounded queue and go out in order after the next connect;
requests still unanswered when the connection dropped are sent again with the same ``ref``
(at-least-once; the ref lets a server de-duplicate), and each request resolves once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from enum import Enum
from typing import Any, ClassVar, Generic, Self, TypeVar, cast
from urllib.parse import urlencode

from pydantic import BaseModel, TypeAdapter, ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from chanx.client import wire
from chanx.client._listeners import Callback, Listeners, MessageStream
from chanx.client._pending import Pending
from chanx.client.backoff import Backoff
from chanx.client.errors import (
    ClientClosedError,
    ConnectionClosedError,
    QueueFullError,
    ReconnectGaveUpError,
    error_for_close,
    error_for_status,
)

logger = logging.getLogger("chanx.client")

IncomingT = TypeVar("IncomingT")
M = TypeVar("M")

#: Envelope keys removed before a frame is validated as a message (as the server does).
_ENVELOPE = (wire.REF, wire.VERSION, wire.TOPIC, wire.SEQ)


class ClientState(Enum):
    """Where the client is in its life; one value instead of several flags."""

    IDLE = "idle"
    CONNECTING = "connecting"
    OPEN = "open"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class BaseClient(Generic[IncomingT]):
    """Connect to ``path`` on ``base_url`` and exchange typed messages.

    Args:
        base_url: ``host:port`` (``protocol`` is prepended) or a full ``ws://``/``wss://`` URL.
        headers: sent with the handshake (header credentials).
        path_params: values for the ``{name}`` placeholders of ``path``.
        query_params: added to the URL (query-string credentials).
        init_frame: a JSON object sent first on every connection (first-frame credentials).
        reconnect: the backoff policy; ``None`` never reconnects.
        queue_limit: most frames kept while disconnected; one more raises ``QueueFullError``.
        request_timeout: default seconds ``request()`` waits for the reply.
        heartbeat_interval: seconds between heartbeats (``heartbeat_message`` requests when the
            schema has ping/pong, else WebSocket pings); ``None`` disables them.
    """

    path: ClassVar[str] = ""
    #: Validates every frame the server may send on this channel (set by generated clients).
    incoming_message: ClassVar[TypeAdapter[Any]] = TypeAdapter(Any)
    #: A request answered by the server, sent as an application-level heartbeat.
    heartbeat_message: ClassVar[BaseModel | None] = None

    def __init__(
        self,
        base_url: str,
        /,
        protocol: str = "ws",
        headers: Mapping[str, str] | None = None,
        path_params: Mapping[str, object] | None = None,
        *,
        query_params: Mapping[str, str] | None = None,
        init_frame: Mapping[str, Any] | None = None,
        reconnect: Backoff | None = Backoff(),  # noqa: B008 (frozen, immutable default)
        queue_limit: int = 1000,
        request_timeout: float = 10.0,
        heartbeat_interval: float | None = 20.0,
        open_timeout: float = 10.0,
    ) -> None:
        base = base_url if base_url.startswith(("ws://", "wss://")) else f"{protocol}://{base_url}"
        path = self.path.format(**dict(path_params or {}))
        self.url = base.rstrip("/") + path + (f"?{urlencode(query_params)}" if query_params else "")
        self.headers = dict(headers or {})
        self.init_frame = dict(init_frame) if init_frame is not None else None
        self.reconnect = reconnect
        self.queue_limit = queue_limit
        self.request_timeout = request_timeout
        self.heartbeat_interval = heartbeat_interval
        self.open_timeout = open_timeout
        self.state = ClientState.IDLE
        self._state_changed = asyncio.Event()
        #: Successful connections so far (1 after the first connect, 2 after one reconnect).
        self.connections = 0
        self.error: BaseException | None = None
        self._ws: ClientConnection | None = None
        #: Frames waiting for a connection, with the ref of the request each one carries.
        self._queue: deque[tuple[str, str | None]] = deque()
        self._pending = Pending()
        self._listeners = Listeners()
        self._send_lock = asyncio.Lock()
        self._opened = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def closed(self) -> bool:
        """True after ``disconnect()`` or a permanent failure."""
        return self.state is ClientState.CLOSED

    def _set_state(self, state: ClientState) -> None:
        self.state = state
        changed, self._state_changed = self._state_changed, asyncio.Event()
        changed.set()

    async def wait_for_state(self, *states: ClientState, timeout: float | None = None) -> None:
        """Return once the client is in one of ``states`` (``TimeoutError`` after ``timeout``)."""
        async with asyncio.timeout(timeout):
            while self.state not in states:
                await self._state_changed.wait()

    # -- lifecycle -------------------------------------------------------------------------

    async def connect(self) -> None:
        """Start the connection and return once it is open (or raise why it never opened)."""
        if self._supervisor is None:
            await self.before_handle()
            self._set_state(ClientState.CONNECTING)
            self._supervisor = asyncio.create_task(self._supervise())
        opened = asyncio.create_task(self._opened.wait())
        await asyncio.wait({opened, self._supervisor}, return_when=asyncio.FIRST_COMPLETED)
        opened.cancel()
        if not self._opened.is_set():
            self._supervisor.result()  # raises the supervisor's error
            raise ClientClosedError("the client closed before it connected")

    async def handle(self) -> None:
        """Connect and run until ``disconnect()`` or a permanent failure (which is raised)."""
        await self.connect()
        assert self._supervisor is not None
        await self._supervisor

    async def disconnect(self, code: int = 1000, reason: str = "") -> None:
        """Close for good: pending requests and streams end with ``ClientClosedError``."""
        if self.state is ClientState.CLOSED:
            return
        self._set_state(ClientState.CLOSED)
        if self._ws is not None:
            await self._ws.close(code, reason)
        if self._supervisor is not None:
            with contextlib.suppress(Exception):
                await self._supervisor
        self._finish(ClientClosedError("the client was disconnected"))

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    # -- sending ---------------------------------------------------------------------------

    async def send_message(self, message: BaseModel) -> None:
        """Send a message (queued while disconnected)."""
        await self.send_json(self.encode(message))

    async def send_json(self, data: Mapping[str, Any]) -> None:
        """Send a JSON object (queued while disconnected)."""
        await self.send_raw(json.dumps(data))

    async def send_raw(self, text: str) -> None:
        """Send a text frame; without a connection it waits in the bounded queue."""
        await self._send(text, None)

    async def _send(self, text: str, ref: str | None) -> None:
        if self.state is ClientState.CLOSED:
            raise ClientClosedError("the client is closed")
        async with self._send_lock:
            if self._ws is not None and await self._try_send(self._ws, text):
                self._pending.mark_sent(ref, self.connections)
                return
            if len(self._queue) >= self.queue_limit:
                raise QueueFullError(f"{self.queue_limit} frames already wait for a connection")
            self._queue.append((text, ref))

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

    # -- receiving -------------------------------------------------------------------------

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

    # -- hooks -----------------------------------------------------------------------------

    async def before_handle(self) -> None:
        """Called once before the first connection attempt."""

    async def after_handle(self) -> None:
        """Called once after a clean ``disconnect()``."""

    async def send_init_message(self) -> None:
        """Called (as a task) after every connect, once queued frames are flushed."""

    async def handle_message(self, message: IncomingT) -> None:
        """Called for every validated server message that is not a request's reply."""

    async def handle_invalid_message(self, data: Any, error: ValidationError) -> None:
        """Called for a JSON frame that matches no incoming message (logged by default)."""
        logger.warning("frame matches no message of %s: %s", type(self).__name__, error)

    async def handle_raw_data(self, data: str | bytes) -> None:
        """Called for a frame that is not a JSON object (logged by default)."""
        logger.warning("non-JSON frame from the server: %.80r", data)

    async def on_open(self) -> None:
        """Called after each connect, before queued frames are flushed (subclasses resubscribe)."""

    # -- internals -------------------------------------------------------------------------

    async def _try_send(self, ws: ClientConnection, text: str) -> bool:
        try:
            await ws.send(text)
        except ConnectionClosed:
            return False
        return True

    async def _open_socket(self) -> ClientConnection:
        try:
            return await connect(
                self.url,
                additional_headers=self.headers,
                open_timeout=self.open_timeout,
                # Application heartbeats replace protocol pings when the schema has ping/pong.
                ping_interval=None if self.heartbeat_message else self.heartbeat_interval,
                ping_timeout=self.heartbeat_interval,
            )
        except InvalidStatus as exc:
            raise error_for_status(exc.response.status_code) from exc
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            raise ConnectionClosedError(None, f"cannot connect: {exc}") from exc

    async def _supervise(self) -> None:
        attempt = 0
        last: BaseException | None = None
        while not self.closed:
            try:
                ws = await self._open_socket()
            except ConnectionClosedError as exc:
                last = exc
            else:
                attempt = 0
                last = await self._serve(ws)
                if self.state is ClientState.CLOSED:  # disconnect() ran meanwhile
                    break
            if isinstance(last, ConnectionClosedError) and not last.retryable:
                self._finish(last)
                raise last
            attempt += 1
            if self.reconnect is None or self.reconnect.exhausted(attempt):
                error = ReconnectGaveUpError(attempt - 1, last)
                self._finish(error)
                raise error
            self._set_state(ClientState.RECONNECTING)
            await asyncio.sleep(self.reconnect.delay(attempt))
        await self.after_handle()

    async def _serve(self, ws: ClientConnection) -> ConnectionClosedError:
        """Run one connection until it closes; returns why it closed."""
        self.connections += 1
        self._ws = ws
        reader = asyncio.create_task(self._read(ws))
        heartbeat = asyncio.create_task(self._heartbeat(ws))
        try:
            async with self._send_lock:
                await self._after_connect(ws)
            self._set_state(ClientState.OPEN)
            self._opened.set()
            self._spawn(self.send_init_message())
            await reader
        except ConnectionClosed:
            pass
        finally:
            self._ws = None
            if self.state is ClientState.OPEN:
                self._set_state(ClientState.RECONNECTING)
            heartbeat.cancel()
            reader.cancel()
        return error_for_close(ws.close_code, ws.close_reason or "")

    async def _after_connect(self, ws: ClientConnection) -> None:
        """First frame, resubscriptions, unanswered requests, then the queue, in that order."""
        if self.init_frame is not None:
            await ws.send(json.dumps(self.init_frame))
        await self.on_open()
        for ref, frame in self._pending.unanswered(before=self.connections):
            await ws.send(frame)
            self._pending.mark_sent(ref, self.connections)
        while self._queue:
            text, queued_ref = self._queue[0]
            await ws.send(text)
            self._queue.popleft()
            self._pending.mark_sent(queued_ref, self.connections)

    async def _send_now(self, text: str) -> None:
        """Send on the open socket, bypassing the queue (used while connecting)."""
        if self._ws is None:
            raise ConnectionClosedError(None, "not connected")
        await self._ws.send(text)

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            await self._dispatch(raw)

    async def _dispatch(self, raw: str | bytes) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            await self.handle_raw_data(raw)
            return
        if self._pending.resolve(data):
            return
        await self.dispatch_frame(data)

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

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _finish(self, error: BaseException) -> None:
        self.error = self.error or error
        self._set_state(ClientState.CLOSED)
        self._opened.clear()
        self._pending.fail_all(error)
        self._listeners.end(None if isinstance(error, ClientClosedError) else error)
        self._queue.clear()
