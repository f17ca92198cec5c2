"""Test helpers for ASGI consumers: a communicator and isolated or recording channel layers.

``WebsocketCommunicator`` drives a consumer, a ``ConsumerApp`` or a whole FastAPI/Starlette
application in process (no server, no sockets); the app's routing fills
``scope["path_params"]`` as in production. It builds on chanx-core's ``WebsocketHarness``: a
receive timeout raises ``TimeoutError`` without cancelling the application, so a test can keep
going after checking that nothing arrived.

``isolated_layer()`` gives a test its own in-memory layer under an alias and restores the
previous one afterwards; ``capture_layer()`` records every broadcast and event sent through an
alias. The pytest plugin (:mod:`chanx.fast_channels.pytest_plugin`) wraps both as fixtures.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any, Self

from pydantic import BaseModel

from chanx.core.camel import camel_model
from chanx.core.layers import InMemoryChannelLayer
from chanx.core.testing import ConnectResult, RecordingLayer, WebsocketHarness
from chanx.fast_channels._app import ConsumerApp
from chanx.fast_channels.layers import DEFAULT_ALIAS, get_layer, register_layer, unregister_layer
from fast_channels.layers import channel_layers

__all__ = [
    "ConnectResult",
    "RecordingLayer",
    "WebsocketCommunicator",
    "capture_layer",
    "isolated_layer",
]


class WebsocketCommunicator(WebsocketHarness):
    """An in-process WebSocket client for ASGI consumers and applications.

    ``app`` is a consumer class, its ``as_asgi()`` app, or a FastAPI/Starlette application
    (then ``path`` is routed and path parameters are filled by the router). Pass
    ``path_params`` only when serving a consumer without a router.
    """

    def __init__(
        self,
        app: Any,
        path: str = "/",
        *,
        query_string: str | bytes = b"",
        headers: Iterable[tuple[str | bytes, str | bytes]] = (),
        subprotocols: Iterable[str] = (),
        path_params: dict[str, Any] | None = None,
        timeout: float = 2.0,
    ) -> None:
        consumer = app.consumer_class if isinstance(app, ConsumerApp) else app
        self.consumer_class: type[Any] | None = consumer if isinstance(consumer, type) else None
        super().__init__(
            app,
            path,
            query_string=query_string,
            headers=headers,
            subprotocols=subprotocols,
            path_params=path_params,
            timeout=timeout,
        )

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        return self

    async def send_message(self, message: BaseModel, *, by_alias: bool | None = None) -> None:
        """Send a message model; camelCase automatically when the served consumer camelizes."""
        if by_alias is None:
            by_alias = bool(getattr(self.consumer_class, "camelize", False))
        if by_alias:  # the same camelCase twin the consumer validates against
            await self.send_text(
                camel_model(type(message)).__pydantic_serializer__.to_json(message).decode()
            )
            return
        await super().send_message(message)

    async def receive_all(self, until: str = "complete", timeout: float | None = None) -> list[Any]:
        """JSON frames up to (not including) the first whose ``action`` is ``until``.

        Meant for consumers with ``send_completion = True``.
        """
        return (await self.receive_until(until, timeout))[:-1]

    async def assert_nothing(self, timeout: float = 0.05) -> None:
        """Fail when a frame arrives within ``timeout`` seconds."""
        if not await self.receive_nothing(timeout):
            frame = await self._next(timeout)
            raise AssertionError(f"expected no frame, got {frame!r}")

    async def assert_closed(self, code: int | None = None, timeout: float | None = None) -> int:
        """Wait until the application closes the connection; check ``code`` if given."""
        if self.close_code is None:
            await self.wait_closed(timeout)
        assert self.close_code is not None
        if code is not None and self.close_code != code:
            raise AssertionError(f"expected close code {code}, got {self.close_code}")
        return self.close_code


@contextlib.contextmanager
def isolated_layer(
    alias: str = DEFAULT_ALIAS, capacity: int = 1000
) -> Iterator[InMemoryChannelLayer]:
    """Register a fresh in-memory layer under ``alias``; restore the previous one on exit."""
    previous = channel_layers.get(alias)
    layer = InMemoryChannelLayer(capacity=capacity)
    register_layer(alias, layer)
    try:
        yield layer
    finally:
        if previous is None:
            unregister_layer(alias)
        else:
            register_layer(alias, previous)


@contextlib.contextmanager
def capture_layer(alias: str = DEFAULT_ALIAS) -> Iterator[RecordingLayer]:
    """Record what is sent through the layer of ``alias`` (messages still get delivered).

    Enter it before connecting: a consumer keeps the layer it found when it connected.
    """
    previous = channel_layers.get(alias)
    recorder = RecordingLayer(get_layer(alias))
    register_layer(alias, recorder)
    try:
        yield recorder
    finally:
        if previous is None:
            unregister_layer(alias)
        else:
            register_layer(alias, previous)
