"""The in-process WebSocket client every chanx communicator is built on.

``WebsocketHarness`` speaks ASGI to the application (a consumer class or its ``as_asgi()``
app, a FastAPI, Starlette or Django ASGI app) through two queues: no server, no sockets. It
offers the transport under the names of Channels' ``WebsocketCommunicator`` (``send_to``,
``send_json_to``, ``receive_from``, ``receive_json_from``, ``receive_output``,
``receive_nothing``, ``wait``) and inherits chanx's message vocabulary from
:class:`~chanx.core.testing.communicator.WebsocketCommunicatorMixin`.

Unlike asgiref's communicator, a receive timeout never cancels the application, so a test can
check that nothing arrived and go on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any, NamedTuple, Self
from urllib.parse import unquote, urlsplit

from chanx.core.testing.communicator import WebsocketCommunicatorMixin
from chanx.core.types import ASGIApp, ASGIReceive, ASGISend, Scope

__all__ = ["ConnectResult", "WebsocketHarness"]

_Header = tuple[str | bytes, str | bytes]


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


class ConnectResult(NamedTuple):
    """Outcome of the handshake: ``(accepted, subprotocol_or_close_code)``, as Channels returns.

    Unpack it (``connected, _ = await ws.connect()``) or read its properties. Its truth value
    is ``accepted``, so ``assert await ws.connect()`` fails on a refused connection.
    """

    accepted: bool
    detail: str | int | None = None

    @property
    def close_code(self) -> int | None:
        """The close code of a refused connection."""
        return None if self.accepted else int(self.detail or 1000)

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the application accepted, if any."""
        return str(self.detail) if self.accepted and self.detail is not None else None

    def __bool__(self) -> bool:
        return self.accepted


def _consumer_of(app: Any) -> type[Any] | None:
    """The consumer class served by ``app``, when that can be told without routing."""
    if isinstance(app, type):
        return app
    found = getattr(app, "consumer_class", None)
    return found if isinstance(found, type) else None


class WebsocketHarness(WebsocketCommunicatorMixin):
    """An in-process WebSocket client for an ASGI application.

    Args:
        application: an ASGI application, or a consumer class (served through its
            ``as_asgi()``).
        path: the request path; a query string after ``?`` goes to ``scope["query_string"]``.
        headers: handshake headers, ``(name, value)`` pairs sent exactly as given.
        subprotocols: subprotocols the client offers.
        spec_version: the ASGI WebSocket spec version to announce.
        consumer: the consumer class under test; found from ``app`` when it is a consumer or
            its ``as_asgi()`` app; pass it when ``application`` is a router.
        query_string: the query string, when ``path`` has none.
        path_params: fills ``scope["path_params"]`` and ``scope["url_route"]`` when serving a
            consumer without a router.
        scope: extra scope keys (e.g. ``{"user": user}``).
        timeout: default seconds a single receive waits.

    Use it as an async context manager (``async with WebsocketHarness(app, "/ws") as ws``) or
    call :meth:`connect` and :meth:`disconnect` yourself.
    """

    def __init__(
        self,
        application: Any,
        path: str = "/",
        headers: Iterable[_Header] | None = None,
        subprotocols: Iterable[str] | None = None,
        spec_version: str | None = None,
        *,
        consumer: type[Any] | None = None,
        query_string: str | bytes | None = None,
        path_params: dict[str, Any] | None = None,
        scope: dict[str, Any] | None = None,
        timeout: float = 2.0,
    ) -> None:
        parts = urlsplit(path)
        qs = _bytes(query_string) if query_string is not None else parts.query.encode()
        self.scope: Scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "ws",
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 50000),
            "root_path": "",
            "path": unquote(parts.path),
            "raw_path": parts.path.encode(),
            "query_string": qs,
            "headers": [(_bytes(k), _bytes(v)) for k, v in headers or ()],
            "subprotocols": list(subprotocols or ()),
            "state": {},
            "extensions": {},
        }
        if spec_version is not None:
            # where the ASGI spec puts it, and where Channels' communicator puts it
            self.scope["asgi"]["spec_version"] = spec_version
            self.scope["spec_version"] = spec_version
        if path_params is not None:
            self.scope["path_params"] = dict(path_params)
            self.scope["url_route"] = {"args": (), "kwargs": dict(path_params)}
        self.scope.update(scope or {})
        self.consumer = consumer if consumer is not None else _consumer_of(application)
        if isinstance(application, type) and hasattr(application, "as_asgi"):
            application = application.as_asgi()  # a consumer class: serve it directly
        self.app: ASGIApp = application
        self.timeout = timeout
        self.close_code: int | None = None
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        #: A message taken off the queue by receive_nothing(), returned first by the next read.
        self._held: dict[str, Any] | None = None
        self._task: asyncio.Future[None] | None = None

    async def __aenter__(self) -> Self:
        result = await self.connect()
        if not result.accepted:
            raise AssertionError(f"connection refused with close code {result.close_code}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    # -- plumbing ----------------------------------------------------------------------------
    async def _receive(self) -> dict[str, Any]:
        return await self._to_app.get()

    async def _send(self, message: dict[str, Any]) -> None:
        await self._from_app.put(message)

    async def receive_output(self, timeout: float | None = None) -> dict[str, Any]:
        """The application's next ASGI message (``websocket.send``, ``websocket.close``...).

        Raises ``TimeoutError`` after ``timeout`` seconds (default: the harness's), without
        cancelling the application, and re-raises the application's exception if it crashed.
        """
        assert self._task is not None, "call connect() first"
        held, self._held = self._held, None
        if held is not None:
            return held
        limit = self.timeout if timeout is None else timeout
        getter = asyncio.ensure_future(self._from_app.get())
        waiters: set[asyncio.Future[Any]] = {getter, self._task}
        done, _ = await asyncio.wait(waiters, timeout=limit, return_when="FIRST_COMPLETED")
        if getter in done:
            return getter.result()
        getter.cancel()
        if self._task in done:
            self._task.result()  # re-raise the application's exception, if any
            raise AssertionError("the application ended without sending anything")
        raise TimeoutError(f"nothing received within {limit}s")

    # -- lifecycle ---------------------------------------------------------------------------
    async def connect(self, timeout: float | None = None) -> ConnectResult:
        """Open the connection and wait for accept or close."""
        receive: ASGIReceive = self._receive
        send: ASGISend = self._send
        self.close_code = None
        self._task = asyncio.ensure_future(self.app(self.scope, receive, send))
        await self._to_app.put({"type": "websocket.connect"})
        message = await self.receive_output(timeout)
        if message["type"] == "websocket.accept":
            return ConnectResult(True, message.get("subprotocol"))
        if message["type"] == "websocket.close":
            self.close_code = message.get("code", 1000)
            return ConnectResult(False, self.close_code)
        raise AssertionError(f"unexpected first message {message!r}")

    async def disconnect(self, code: int = 1000, timeout: float | None = None) -> None:
        """Close from the client side and wait for the application to finish."""
        if self._task is None:
            return
        if self._task.done():  # already ended (or cancelled with the loop that ran it)
            self._task = None
            return
        await self._to_app.put({"type": "websocket.disconnect", "code": code})
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout or self.timeout)
        except asyncio.CancelledError:
            pass  # an application cancelled by its own shutdown ended all the same
        finally:
            if not self._task.done():
                self._task.cancel()
            self._task = None

    async def wait(self, timeout: float | None = None) -> None:
        """Wait until the application returns (re-raising its exception, if any)."""
        assert self._task is not None, "call connect() first"
        await asyncio.wait_for(asyncio.shield(self._task), timeout or self.timeout)

    # -- sending -----------------------------------------------------------------------------
    async def send_to(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Send one text or binary frame."""
        if (text_data is None) == (bytes_data is None):
            raise ValueError("send_to() needs exactly one of text_data or bytes_data")
        if text_data is not None:
            await self._to_app.put({"type": "websocket.receive", "text": text_data})
        else:
            await self._to_app.put({"type": "websocket.receive", "bytes": bytes_data})

    async def send_json_to(self, data: Any) -> None:
        """Send ``data`` encoded as JSON text."""
        await self.send_to(text_data=json.dumps(data))

    async def send_text(self, text: str) -> None:
        """Send a raw text frame (short for ``send_to(text_data=...)``)."""
        await self.send_to(text_data=text)

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary frame (short for ``send_to(bytes_data=...)``)."""
        await self.send_to(bytes_data=data)

    #: The name the chanx 2.x guides use for :meth:`send_json_to`.
    send_json = send_json_to

    # -- receiving ---------------------------------------------------------------------------
    async def receive_from(self, timeout: float | None = None) -> str:
        """Next text frame; fails on close or a binary frame."""
        message = await self.receive_output(timeout)
        if message["type"] == "websocket.close":
            self.close_code = message.get("code", 1000)
            raise AssertionError(f"connection closed with code {self.close_code}")
        text = message.get("text")
        if text is None:
            raise AssertionError(f"expected a text frame, got {message!r}")
        return str(text)

    async def receive_json_from(self, timeout: float | None = None) -> Any:
        """Next text frame, decoded from JSON."""
        return json.loads(await self.receive_from(timeout))

    #: Short names for :meth:`receive_from` and :meth:`receive_json_from`.
    receive_text = receive_from
    receive_json = receive_json_from

    async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool:
        """True when nothing arrives within ``timeout`` seconds (the app keeps running).

        A frame that did arrive stays queued for the next receive. ``interval`` is accepted
        for Channels compatibility; the harness waits on its queue instead of polling.
        """
        await asyncio.sleep(0)
        if self._held is not None or not self._from_app.empty():
            return False
        try:
            message = await asyncio.wait_for(self._from_app.get(), timeout)
        except TimeoutError:
            return True
        # Held aside, not queued again: messages sent meanwhile must stay behind it.
        self._held = message
        return False
