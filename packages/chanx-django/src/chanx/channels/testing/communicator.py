"""The Django communicators: chanx's in-process harness with Django's defaults.

An ``Origin`` header is added unless the caller passed one, so ``AllowedHostsOriginValidator``
lets the client in and Channels' ``OriginValidator`` never sees two.
``DjangoWebsocketCommunicator`` also reads ``DjangoAuthenticator``'s authentication frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from chanx.channels.settings import chanx_settings
from chanx.core.testing import WebsocketHarness
from chanx.messages.outgoing import AuthenticationMessage

__all__ = ["DjangoWebsocketCommunicator", "WebsocketCommunicator"]

_Header = tuple[str | bytes, str | bytes]


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

    def camelizes(self) -> bool:
        """As the consumer does; without a consumer class, as the project's ``CAMELIZE``."""
        if self.consumer is None:
            return bool(chanx_settings.CAMELIZE)
        return super().camelizes()


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
            expected = bool(chanx_settings.SEND_AUTHENTICATION_MESSAGE)
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
