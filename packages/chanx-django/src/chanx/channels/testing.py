"""Testing chanx consumers in a Django project: communicators, a test case and auth helpers.

.. code-block:: python

    from chanx.channels.testing import WebsocketTestCase

    class RoomTests(WebsocketTestCase):
        consumer = RoomConsumer
        ws_path = "/ws/rooms/1/"

        def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
            return [(b"authorization", f"Token {self.token}".encode())]

        async def test_chat(self) -> None:
            await self.auth_communicator.connect()
            await self.auth_communicator.assert_authenticated_status_ok()
            await self.auth_communicator.send_message(ChatMessage(payload="hi"))
            replies = await self.auth_communicator.receive_all_messages()

The communicators are chanx's in-process :class:`~chanx.core.testing.WebsocketHarness` (a
receive timeout never cancels the application) with Django defaults: an ``Origin`` header,
unless the caller passed one, so ``AllowedHostsOriginValidator`` lets them in.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import TransactionTestCase

from channels.db import database_sync_to_async
from chanx.core.testing import ConnectResult, RecordingLayer, WebsocketHarness
from chanx.messages.outgoing import AuthenticationMessage

__all__ = [
    "ConnectResult",
    "DjangoWebsocketCommunicator",
    "RecordingLayer",
    "WebsocketCommunicator",
    "WebsocketTestCase",
    "capture_layer",
    "session_headers",
    "token_headers",
]

_Header = tuple[str | bytes, str | bytes]


def _chanx_setting(name: str, default: Any) -> Any:
    """A ``CHANX`` key, whichever spelling the project used (``SEND_COMPLETION``/lower case)."""
    raw = getattr(settings, "CHANX", None) or {}
    for key, value in raw.items():
        if str(key).lower() == name.lower():
            return value
    return default


class WebsocketCommunicator(WebsocketHarness):
    """In-process WebSocket client for a Django ASGI application or a consumer class.

    Args:
        application: the ASGI app (a ``URLRouter``, the project's full stack) or a consumer.
        path: the URL path (with an optional query string), routed by the application.
        headers: handshake headers, sent as given.
        subprotocols: subprotocols the client offers.
        spec_version: the ASGI WebSocket spec version to announce.
        consumer: the consumer class under test (found by itself when ``application`` is one).
        user: put this user in ``scope["user"]`` (as ``AuthMiddlewareStack`` would); it
            bypasses cookies entirely, handy with ``SessionAuthentication``.
        origin: the ``Origin`` header added when ``headers`` has none; ``None`` adds none.
        options: the remaining :class:`~chanx.core.testing.WebsocketHarness` arguments.
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
        user: Any = None,
        origin: str | None = "http://testserver",
        **options: Any,
    ) -> None:
        every: list[_Header] = list(headers or ())
        has_origin = any(str(_text(name)).lower() == "origin" for name, _ in every)
        if origin is not None and not has_origin:  # never two: OriginValidator refuses that
            every.append(("origin", origin))
        scope = dict(options.pop("scope", None) or {})
        if user is not None:
            scope["user"] = user
        super().__init__(
            application,
            path,
            every,
            subprotocols,
            spec_version,
            consumer=consumer,
            scope=scope,
            **options,
        )


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


class DjangoWebsocketCommunicator(WebsocketCommunicator):
    """The Django communicator plus helpers for ``DjangoAuthenticator``'s authentication frame."""

    async def wait_for_auth(
        self,
        send_authentication_message: bool | None = None,
        max_auth_time: float = 0.5,
        after_auth_time: float = 0.1,
    ) -> AuthenticationMessage | None:
        """Read the authentication frame, when the server sends one.

        Args:
            send_authentication_message: whether to expect the frame; default: the project's
                ``CHANX["SEND_AUTHENTICATION_MESSAGE"]`` (on unless set off).
            max_auth_time: seconds to wait for the frame.
            after_auth_time: seconds to wait after it, for ``post_authentication`` work.

        Returns the frame as an ``AuthenticationMessage`` (camelCase read back when the
        consumer camelizes), or ``None`` when no frame is expected: chanx accepts the
        handshake only once authentication finished, so there is nothing to wait for then.
        """
        expected = send_authentication_message
        if expected is None:
            expected = bool(_chanx_setting("SEND_AUTHENTICATION_MESSAGE", True))
        if not expected:
            return None
        try:
            message = await self.receive_message(AuthenticationMessage, timeout=max_auth_time)
        except TimeoutError:
            raise AssertionError(
                f"no authentication frame within {max_auth_time}s; pass "
                "send_authentication_message=False when the server sends none"
            ) from None
        if after_auth_time > 0:
            await asyncio.sleep(after_auth_time)
        return message

    async def assert_authenticated_status_ok(self, max_auth_time: float = 0.5) -> None:
        """Fail unless the authentication frame arrives and reports status 200."""
        message = await self.wait_for_auth(True, max_auth_time)
        assert message is not None
        status = message.payload.status_code
        if status != 200:
            raise AssertionError(f"authentication failed with status {status}: {message.payload}")


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
    """Base class for Django tests of one WebSocket consumer (``async def test_...`` methods).

    A ``TransactionTestCase``, because consumers reach the database from worker threads
    (``database_sync_to_async``), which cannot see a ``TestCase``'s open transaction. Set
    :attr:`consumer` and :attr:`ws_path`; override :meth:`get_ws_headers` for credentials.
    Every communicator created through :meth:`create_communicator` is disconnected in
    :meth:`tearDown`.
    """

    #: The consumer class under test, passed to every communicator.
    consumer: type[Any] | None = None
    #: Default path of :meth:`create_communicator`; may also be set in ``setUp``.
    ws_path: str = ""
    #: Default application; ``None`` uses the project's WebSocket application.
    router: Any = None

    ws_headers: list[tuple[bytes, bytes]]
    subprotocols: list[str]

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        """Handshake headers of every communicator (override to authenticate)."""
        return []

    def get_subprotocols(self) -> list[str]:
        """Subprotocols every communicator offers."""
        return []

    def setUp(self) -> None:
        """Compute the headers and subprotocols of this test's communicators."""
        super().setUp()
        self.ws_headers = self.get_ws_headers()
        self.subprotocols = self.get_subprotocols()
        self._communicators: list[DjangoWebsocketCommunicator] = []

    def tearDown(self) -> None:
        """Disconnect every communicator this test created (errors are ignored)."""
        for communicator in self._communicators:
            with contextlib.suppress(Exception):
                async_to_sync(communicator.disconnect)()
        self._communicators.clear()
        super().tearDown()

    def _default_router(self) -> Any:
        if self.router is not None:
            return self.router
        # Written by chanx-django's utils module: the project's "websocket" application.
        from chanx.channels.utils import get_websocket_application  # type: ignore[import-not-found,import-untyped,unused-ignore]

        app = get_websocket_application()
        if app is None:
            raise ValueError(
                f"{type(self).__name__}.router is not set and ASGI_APPLICATION has no "
                "'websocket' entry; set router = <your websocket application>"
            )
        return app

    def create_communicator(
        self,
        *,
        router: Any = None,
        ws_path: str | None = None,
        headers: Iterable[_Header] | None = None,
        subprotocols: Iterable[str] | None = None,
        user: Any = None,
    ) -> DjangoWebsocketCommunicator:
        """A communicator for :attr:`consumer`; each argument defaults to the attribute.

        ``user`` puts a user in the scope instead of authenticating through headers. The
        communicator is not connected yet, and is disconnected in :meth:`tearDown`.
        """
        path = ws_path if ws_path is not None else self.ws_path
        if not path:
            raise AttributeError(f"ws_path is not set in {type(self).__name__}")
        communicator = DjangoWebsocketCommunicator(
            router if router is not None else self._default_router(),
            path,
            headers if headers is not None else self.ws_headers,
            subprotocols if subprotocols is not None else self.subprotocols,
            consumer=self.consumer,
            user=user,
        )
        self._communicators.append(communicator)
        return communicator

    @property
    def auth_communicator(self) -> DjangoWebsocketCommunicator:
        """The first communicator of this test, created with the defaults on first access."""
        if not self._communicators:
            self.create_communicator()
        return self._communicators[0]

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
