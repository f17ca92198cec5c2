"""DRF authentication of the example: tokens that expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once older than ``CHAT_TOKEN_LIFETIME`` seconds."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        """Check the token's age after DRF found its user."""
        user, token = super().authenticate_credentials(key)
        lifetime = timedelta(seconds=settings.CHAT_TOKEN_LIFETIME)
        if token.created < timezone.now() - lifetime:
            raise exceptions.AuthenticationFailed("Token has expired.")
        return user, token
