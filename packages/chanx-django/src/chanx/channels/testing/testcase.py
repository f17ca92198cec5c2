"""``WebsocketTestCase``: a Django test case for one consumer, with tracked communicators."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from django.test import TransactionTestCase

from channels.db import database_sync_to_async
from chanx.channels.testing.communicator import DjangoWebsocketCommunicator
from chanx.channels.testing.credentials import session_headers, token_headers

__all__ = ["WebsocketTestCase"]

_Header = tuple[str | bytes, str | bytes]


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
        from chanx.channels.utils import get_websocket_application  # reads ASGI_APPLICATION

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
