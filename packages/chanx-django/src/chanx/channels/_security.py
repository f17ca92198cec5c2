"""AsyncAPI security schemes derived from a view's DRF authentication classes.

The AsyncAPI generator documents an authenticator's credentials from its
``security_schemes`` class attribute. For a ``DjangoAuthenticator`` that attribute is
computed from the DRF authentication classes it runs, so the documentation follows the
project's settings instead of being written twice. Classes chanx does not recognise are left
out; a subclass that assigns its own ``security_schemes`` replaces the derived ones.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DRFSecuritySchemes", "drf_security_schemes"]


def drf_security_schemes(classes: Any) -> dict[str, dict[str, Any]]:
    """AsyncAPI 3.0 security schemes for DRF session, token and basic authentication."""
    from django.conf import settings
    from rest_framework.authentication import (
        BasicAuthentication,
        SessionAuthentication,
        TokenAuthentication,
    )

    schemes: dict[str, dict[str, Any]] = {}
    for auth in classes:
        if issubclass(auth, SessionAuthentication):
            schemes["session"] = {
                "type": "httpApiKey",
                "in": "cookie",
                "name": settings.SESSION_COOKIE_NAME,
                "description": "Django session cookie of a logged-in user.",
            }
        elif issubclass(auth, TokenAuthentication):
            schemes["token"] = {
                "type": "httpApiKey",
                "in": "header",
                "name": "Authorization",
                "description": f"`Authorization: {auth.keyword} <token>` on the handshake.",
            }
        elif issubclass(auth, BasicAuthentication):
            schemes["basic"] = {"type": "http", "scheme": "basic"}
    return schemes


class DRFSecuritySchemes:
    """Class-level descriptor: the schemes of the owner's ``authentication_classes``."""

    def __get__(self, instance: object, owner: type) -> dict[str, dict[str, Any]]:
        classes = getattr(owner, "authentication_classes", None)
        if classes is None:
            from rest_framework.settings import api_settings

            classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
        return drf_security_schemes(classes)
