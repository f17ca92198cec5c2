"""AsyncAPI security schemes derived from DRF authentication classes."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import (
    BasicAuthentication,
    RemoteUserAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)

from chanx.channels.authenticator import DjangoAuthenticator


class BearerAuthentication(TokenAuthentication):
    keyword = "Bearer"


def test_schemes_follow_the_authentication_classes() -> None:
    class Auth(DjangoAuthenticator):
        authentication_classes = [
            SessionAuthentication,
            BearerAuthentication,
            BasicAuthentication,
            RemoteUserAuthentication,
        ]

    schemes = Auth.security_schemes
    assert set(schemes) == {"session", "token", "basic"}
    assert schemes["session"]["in"] == "cookie"
    assert schemes["session"]["name"] == "sessionid"
    assert schemes["token"]["in"] == "header"
    assert "Bearer <token>" in schemes["token"]["description"]
    assert schemes["basic"] == {"type": "http", "scheme": "basic"}


def test_defaults_come_from_drf_settings_and_subclasses_can_override() -> None:
    from rest_framework.settings import api_settings

    classes: list[Any] = list(api_settings.DEFAULT_AUTHENTICATION_CLASSES)
    expected = {
        "session" if issubclass(c, SessionAuthentication) else "token"
        for c in classes
        if issubclass(c, SessionAuthentication | TokenAuthentication)
    }
    assert expected  # the test settings use DRF's defaults (session and basic)
    assert set(DjangoAuthenticator.security_schemes) == expected

    class Custom(DjangoAuthenticator):
        security_schemes = {"jwt": {"type": "http", "scheme": "bearer"}}

    assert Custom.security_schemes == {"jwt": {"type": "http", "scheme": "bearer"}}
