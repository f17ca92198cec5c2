"""The connection under ``BaseClient``: one supervisor task owns the socket.

It connects (auth by query parameters, headers or a first frame), reads frames, and on a drop
reconnects under a :class:`~chanx.client.backoff.Backoff` policy. Frames sent while
disconnected wait in a bounded queue and go out in order after the next connect; requests
still unanswered when the connection dropped are sent again with the same ``ref``
(at-least-once: the ref lets a server de-duplicate); each request settles once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Mapping
from typing import Any, ClassVar, Self
from urllib.parse import urlencode

from pydantic import BaseModel
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from chanx.client._hooks import ConnectionHooks
from chanx.client._listeners import Listeners
from chanx.client._pending import Pending
from chanx.client._transport import open_socket
from chanx.client.backoff import Backoff
from chanx.client.errors import (
    ClientClosedError,
    ConnectionClosedError,
    QueueFullError,
    ReconnectGaveUpError,
    error_for_close,
)
from chanx.client.state import ClientState

__all__ = [
    "Connection",
]

logger = logging.getLogger("chanx.client")


class Connection(ConnectionHooks):
    """Connect to ``path`` on ``base_url``; reconnect, queue and resend (see the module).

    Args:
        base_url: ``host:port`` (``protocol`` is prepended) or a full ``ws://``/``wss://`` URL.
        headers: sent with the handshake (header credentials).
        path_params: values for the ``{name}`` placeholders of ``path``.
        query_params: added to the URL (query-string credentials).
        init_frame: a JSON object sent first on every connection (first-frame credentials).
        reconnect: the backoff policy; ``None`` never reconnects.
        queue_limit: most frames kept while disconnected; one more raises ``QueueFullError``.
        request_timeout: default seconds a request waits for its reply.
        heartbeat_interval: seconds between heartbeats (``heartbeat_message`` requests when the
            schema has ping/pong, else WebSocket pings); ``None`` disables them.
        open_timeout: seconds one connection attempt may take.
    """

    path: ClassVar[str] = ""
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
        self._send_lock = asyncio.Lock()
        self._opened = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._listeners = Listeners()
        self._setup()

    def _setup(self) -> None:
        """Per-instance state of subclasses (keeps one typed ``__init__`` signature)."""

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
            if self._supervisor.done() and not self._supervisor.cancelled():
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
        supervisor = self._supervisor
        if self._ws is not None:
            await self._ws.close(code, reason)
        elif supervisor is not None:
            supervisor.cancel()  # between attempts: do not wait out the backoff delay
        if supervisor is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await supervisor
        self._finish(ClientClosedError("the client was disconnected"))
        await self.after_handle()

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

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

    async def _try_send(self, ws: ClientConnection, text: str) -> bool:
        try:
            await ws.send(text)
        except ConnectionClosed:
            return False
        return True

    async def _open_socket(self) -> ClientConnection:
        # Application heartbeats replace protocol pings when the schema has ping/pong.
        pings = None if self.heartbeat_message else self.heartbeat_interval
        return await open_socket(self.url, self.headers, self.open_timeout, pings)

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
