"""Handshake headers that log a user in: a session cookie or a DRF token."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from channels.db import database_sync_to_async

__all__ = ["session_headers", "token_headers"]

_Header = tuple[str | bytes, str | bytes]


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
