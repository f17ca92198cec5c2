"""Testing chanx consumers in a Django project: a communicator, a test case and auth helpers.

.. code-block:: python

    from chanx.channels.testing import WebsocketTestCase

    class RoomTests(WebsocketTestCase):
        async def test_chat(self) -> None:
            user = await self.create_user("alice")
            async with self.communicator("/ws/rooms/1/", user=user) as ws:
                await ws.send_json({"action": "chat", "payload": {"message": "hi"}})
                assert (await ws.receive_json())["action"] == "chat_notification"

The communicator is chanx's in-process :class:`~chanx.core.testing.WebsocketHarness` (a
receive timeout never cancels the application) pointed at the project's ``ASGI_APPLICATION``
by default, with an ``Origin`` header so ``AllowedHostsOriginValidator`` lets it in.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Self, cast

from django.conf import settings
from django.test import TransactionTestCase

from channels.db import database_sync_to_async
from chanx.core.testing import ConnectResult, RecordingLayer, WebsocketHarness
from chanx.core.types import ASGIApp

__all__ = [
    "ConnectResult",
    "RecordingLayer",
    "WebsocketCommunicator",
    "WebsocketTestCase",
    "capture_layer",
    "session_headers",
    "token_headers",
]

_Header = tuple[str | bytes, str | bytes]


def _default_application() -> ASGIApp:
    from channels.routing import get_default_application

    app: ASGIApp = cast("Any", get_default_application())
    return app


class WebsocketCommunicator(WebsocketHarness):
    """In-process WebSocket client for a Django ASGI application or a consumer class.

    Args:
        application: an ASGI app or a consumer class; default ``settings.ASGI_APPLICATION``.
        path: the URL path, routed by the application's ``URLRouter``.
        user: put this user in ``scope["user"]`` (as ``AuthMiddlewareStack`` would); it
            bypasses cookies entirely, handy with ``SessionAuthentication``.
        headers: extra handshake headers, e.g. from :func:`token_headers`.
        origin: the ``Origin`` header; ``None`` sends none.
    """

    def __init__(
        self,
        application: Any = None,
        path: str = "/",
        *,
        user: Any = None,
        headers: Iterable[_Header] = (),
        origin: str | None = "http://testserver",
        **kwargs: Any,
    ) -> None:
        every: list[_Header] = list(headers)
        if origin is not None:
            every.append(("origin", origin))
        scope = dict(kwargs.pop("scope", None) or {})
        if user is not None:
            scope["user"] = user
        super().__init__(
            application if application is not None else _default_application(),
            path,
            headers=every,
            scope=scope,
            **kwargs,
        )

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        return self

    # Channels' WebsocketCommunicator spellings, for tests moving over from it.
    async def send_to(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Send a text or binary frame (Channels' name)."""
        if text_data is not None:
            await self.send_text(text_data)
        elif bytes_data is not None:
            await self.send_bytes(bytes_data)
        else:
            raise ValueError("send_to() needs text_data or bytes_data")

    async def send_json_to(self, data: Any) -> None:
        """Send ``data`` as JSON text (Channels' name)."""
        await self.send_json(data)

    async def receive_from(self, timeout: float = 1) -> str:
        """Next text frame (Channels' name)."""
        return await self.receive_text(timeout)

    async def receive_json_from(self, timeout: float = 1) -> Any:
        """Next text frame decoded from JSON (Channels' name)."""
        return await self.receive_json(timeout)


@contextlib.contextmanager
def capture_layer(alias: str = "default") -> Iterator[RecordingLayer]:
    """Record every ``send``/``group_send`` made through Channels layer ``alias``.

    .. code-block:: python

        with capture_layer() as layer:
            ...
        assert layer.broadcasts("room_1")[0]["action"] == "chat_notification"
    """
    from channels.layers import channel_layers

    backends: dict[str, Any] = channel_layers.backends
    inner = channel_layers[alias]
    recorder = RecordingLayer(inner)
    backends[alias] = recorder
    try:
        yield recorder
    finally:
        if backends.get(alias) is recorder:
            backends[alias] = inner


def _session_cookie(user: Any) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def session_headers(user: Any) -> list[_Header]:
    """A ``Cookie`` header with a fresh logged-in session of ``user`` (session auth)."""
    cookie = await database_sync_to_async(_session_cookie)(user)
    return [("cookie", cookie)]


def _token_key(user: Any) -> str:
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    return str(token.key)


async def token_headers(user: Any, keyword: str = "Token") -> list[_Header]:
    """An ``Authorization: Token <key>`` header for ``user`` (``rest_framework.authtoken``)."""
    key = await database_sync_to_async(_token_key)(user)
    return [("authorization", f"{keyword} {key}")]


class WebsocketTestCase(TransactionTestCase):
    """Base class for Django tests of WebSocket consumers (``async def test_...`` methods).

    A ``TransactionTestCase``, because consumers reach the database from worker threads
    (``database_sync_to_async``), which cannot see a ``TestCase``'s open transaction.
    Set :attr:`ws_path` (and :attr:`application`, default ``ASGI_APPLICATION``) on the class.
    """

    #: Default path of :meth:`communicator`.
    ws_path: str = "/"
    #: Application under test; ``None`` uses ``settings.ASGI_APPLICATION``.
    application: Any = None

    @contextlib.asynccontextmanager
    async def communicator(
        self,
        path: str | None = None,
        *,
        user: Any = None,
        headers: Iterable[_Header] = (),
        **kwargs: Any,
    ) -> AsyncIterator[WebsocketCommunicator]:
        """Connected communicator (asserting the handshake succeeded); disconnects on exit."""
        comm = WebsocketCommunicator(
            self.application, path or self.ws_path, user=user, headers=headers, **kwargs
        )
        result = await comm.connect()
        if not result:
            raise AssertionError(f"connection to {path or self.ws_path} refused: {result}")
        try:
            yield comm
        finally:
            await comm.disconnect()

    async def connect_refused(
        self, path: str | None = None, *, headers: Iterable[_Header] = (), **kwargs: Any
    ) -> tuple[dict[str, Any], int]:
        """Connect expecting an authentication refusal: ``(authentication payload, close code)``."""
        comm = WebsocketCommunicator(
            self.application, path or self.ws_path, headers=headers, **kwargs
        )
        try:
            result = await comm.connect()
            if not result:
                return {}, result.close_code or 0
            frame = await comm.receive_json()
            if frame.get("action") != "authentication":
                raise AssertionError(f"expected an authentication frame, got {frame!r}")
            return frame["payload"], await comm.wait_closed()
        finally:
            await comm.disconnect()

    async def create_user(self, username: str, **fields: Any) -> Any:
        """Create a user of ``AUTH_USER_MODEL`` from async test code."""
        from django.contrib.auth import get_user_model

        manager: Any = get_user_model().objects
        return await database_sync_to_async(manager.create_user)(username, **fields)

    async def session_headers(self, user: Any) -> list[_Header]:
        """See :func:`session_headers`."""
        return await session_headers(user)

    async def token_headers(self, user: Any) -> list[_Header]:
        """See :func:`token_headers`."""
        return await token_headers(user)
