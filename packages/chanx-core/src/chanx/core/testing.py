"""Drive any chanx consumer in process, without sockets or a server.

``WebsocketHarness`` speaks ASGI to the application (a consumer's ``as_asgi()``, a Starlette or
Django ASGI app) through two queues. Unlike asgiref's communicator, a receive timeout never
cancels the application, so a test can wait for "nothing more" and go on.
``RecordingLayer`` wraps a channel layer and records what was sent through it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from pydantic import BaseModel, TypeAdapter

from chanx.core.types import ASGIApp, ASGIReceive, ASGISend, LayerMessage, Scope

__all__ = ["ConnectResult", "RecordingLayer", "WebsocketHarness"]

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class ConnectResult:
    """Outcome of the handshake."""

    accepted: bool
    close_code: int | None = None
    subprotocol: str | None = None

    def __bool__(self) -> bool:
        return self.accepted


class WebsocketHarness:
    """An in-process WebSocket client for an ASGI application.

    Use it as an async context manager (``async with WebsocketHarness(app, "/ws") as ws``) or
    call :meth:`connect` and :meth:`disconnect` yourself.
    """

    def __init__(
        self,
        app: ASGIApp | type[Any],
        path: str = "/",
        *,
        query_string: str | bytes = b"",
        headers: Iterable[tuple[str | bytes, str | bytes]] = (),
        subprotocols: Iterable[str] = (),
        path_params: dict[str, Any] | None = None,
        scope: dict[str, Any] | None = None,
        timeout: float = 2.0,
    ) -> None:
        qs = query_string.encode() if isinstance(query_string, str) else query_string
        self.scope: Scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "ws",
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 50000),
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": qs,
            "headers": [
                (k.encode() if isinstance(k, str) else k, v.encode() if isinstance(v, str) else v)
                for k, v in headers
            ],
            "subprotocols": list(subprotocols),
            "state": {},
            "extensions": {},
        }
        if path_params is not None:
            self.scope["path_params"] = dict(path_params)
            self.scope["url_route"] = {"args": (), "kwargs": dict(path_params)}
        self.scope.update(scope or {})
        if isinstance(app, type) and hasattr(app, "as_asgi"):
            app = app.as_asgi()  # a consumer class: serve it directly
        self.app = app
        self.timeout = timeout
        self.close_code: int | None = None
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Future[None] | None = None

    async def __aenter__(self) -> WebsocketHarness:
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

    async def _next(self, timeout: float | None) -> dict[str, Any]:
        assert self._task is not None, "call connect() first"
        getter = asyncio.ensure_future(self._from_app.get())
        waiters: set[asyncio.Future[Any]] = {getter, self._task}
        done, _ = await asyncio.wait(
            waiters, timeout=timeout or self.timeout, return_when="FIRST_COMPLETED"
        )
        if getter in done:
            return getter.result()
        getter.cancel()
        if self._task in done:
            self._task.result()  # re-raise the application's exception, if any
            raise AssertionError("the application ended without sending anything")
        raise TimeoutError(f"nothing received within {timeout or self.timeout}s")

    # -- lifecycle ---------------------------------------------------------------------------
    async def connect(self, timeout: float | None = None) -> ConnectResult:
        """Open the connection and wait for accept or close."""
        receive: ASGIReceive = self._receive
        send: ASGISend = self._send
        self._task = asyncio.ensure_future(self.app(self.scope, receive, send))
        await self._to_app.put({"type": "websocket.connect"})
        message = await self._next(timeout)
        if message["type"] == "websocket.accept":
            return ConnectResult(True, subprotocol=message.get("subprotocol"))
        if message["type"] == "websocket.close":
            self.close_code = message.get("code", 1000)
            return ConnectResult(False, close_code=self.close_code)
        raise AssertionError(f"unexpected first message {message!r}")

    async def disconnect(self, code: int = 1000, timeout: float | None = None) -> None:
        """Close from the client side and wait for the application to finish."""
        if self._task is None:
            return
        await self._to_app.put({"type": "websocket.disconnect", "code": code})
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout or self.timeout)
        finally:
            if not self._task.done():
                self._task.cancel()
            self._task = None

    # -- sending -----------------------------------------------------------------------------
    async def send_text(self, text: str) -> None:
        """Send a raw text frame."""
        await self._to_app.put({"type": "websocket.receive", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary frame."""
        await self._to_app.put({"type": "websocket.receive", "bytes": data})

    async def send_json(self, data: Any) -> None:
        """Send ``data`` encoded as JSON text."""
        await self.send_text(json.dumps(data))

    async def send_message(self, message: BaseModel, *, by_alias: bool = False) -> None:
        """Send a message model (``by_alias=True`` for camelCase consumers)."""
        await self.send_text(message.model_dump_json(by_alias=by_alias))

    # -- receiving ---------------------------------------------------------------------------
    async def receive_text(self, timeout: float | None = None) -> str:
        """Next text frame; fails on close or a binary frame."""
        message = await self._next(timeout)
        if message["type"] == "websocket.close":
            self.close_code = message.get("code", 1000)
            raise AssertionError(f"connection closed with code {self.close_code}")
        text = message.get("text")
        if text is None:
            raise AssertionError(f"expected a text frame, got {message!r}")
        return str(text)

    async def receive_json(self, timeout: float | None = None) -> Any:
        """Next text frame, decoded from JSON."""
        return json.loads(await self.receive_text(timeout))

    @overload
    async def receive_message(self, model: type[M], timeout: float | None = None) -> M: ...
    @overload
    async def receive_message(self, model: Any, timeout: float | None = None) -> Any: ...
    async def receive_message(self, model: Any, timeout: float | None = None) -> Any:
        """Next frame validated as ``model`` (a model class, or any type such as a union)."""
        return TypeAdapter(model).validate_json(await self.receive_text(timeout))

    async def receive_until(self, action: str, timeout: float | None = None) -> list[Any]:
        """JSON frames up to and including the first whose ``action`` equals ``action``."""
        frames: list[Any] = []
        while True:
            frame = await self.receive_json(timeout)
            frames.append(frame)
            if isinstance(frame, dict) and frame.get("action") == action:
                return frames

    async def receive_nothing(self, timeout: float = 0.05) -> bool:
        """True when nothing arrives within ``timeout`` seconds (the app keeps running)."""
        await asyncio.sleep(0)
        if not self._from_app.empty():
            return False
        try:
            message = await asyncio.wait_for(self._from_app.get(), timeout)
        except TimeoutError:
            return True
        self._from_app.put_nowait(message)  # keep it for the next receive
        return False

    async def wait_closed(self, timeout: float | None = None) -> int:
        """Skip frames until the application closes; return the close code."""
        while True:
            message = await self._next(timeout)
            if message["type"] == "websocket.close":
                self.close_code = message.get("code", 1000)
                return self.close_code


class RecordingLayer:
    """Wraps a channel layer and records every ``send`` and ``group_send`` made through it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sent: list[tuple[str, LayerMessage]] = []
        self.group_sent: list[tuple[str, LayerMessage]] = []

    async def send(self, channel: str, message: LayerMessage) -> None:
        """Record, then forward."""
        self.sent.append((channel, message))
        await self.inner.send(channel, message)

    async def group_send(self, group: str, message: LayerMessage) -> None:
        """Record, then forward."""
        self.group_sent.append((group, message))
        await self.inner.group_send(group, message)

    def broadcasts(self, group: str | None = None) -> list[Any]:
        """Decoded JSON of the broadcasts recorded (optionally for one group)."""
        return [
            json.loads(m["text"])
            for g, m in self.group_sent
            if m.get("type") == "chanx.broadcast" and (group is None or g == group)
        ]

    def events(self) -> list[tuple[str, Any]]:
        """``(target, decoded event)`` of every event sent or broadcast."""
        every = [*self.sent, *self.group_sent]
        return [(t, json.loads(m["event"])) for t, m in every if m.get("type") == "chanx.event"]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
