"""chanx.channels.utils: override_chanx_settings, settings_context, get_websocket_application,
request_from_scope."""

from __future__ import annotations

from typing import Any

import pytest
from channels.security.websocket import OriginValidator
from django.test import override_settings

from chanx.channels.settings import chanx_settings
from chanx.channels.utils import (
    get_websocket_application,
    override_chanx_settings,
    request_from_scope,
    settings_context,
)
from chanx.channels.websocket import AsyncJsonWebsocketConsumer

pytestmark = pytest.mark.django


@override_chanx_settings(SEND_COMPLETION=True)
def test_the_decorator_changes_keys_of_a_sync_function() -> None:
    assert chanx_settings.SEND_COMPLETION is True
    assert AsyncJsonWebsocketConsumer.send_completion is True
    # the example project's other keys are kept
    assert chanx_settings.LOG_IGNORED_ACTIONS == ["ping", "pong"]


@override_chanx_settings(CAMELIZE=True, log_websocket_message=True)
async def test_the_decorator_changes_keys_of_an_async_function() -> None:
    assert (chanx_settings.CAMELIZE, chanx_settings.LOG_WEBSOCKET_MESSAGE) == (True, True)


def test_the_decorator_restores_the_setting_and_keeps_the_function() -> None:
    @override_chanx_settings(SEND_COMPLETION=True)
    def inside(value: int) -> tuple[int, bool]:
        """Docstring kept."""
        return value, chanx_settings.SEND_COMPLETION

    assert inside(3) == (3, True)
    assert inside.__doc__ == "Docstring kept."
    assert chanx_settings.SEND_COMPLETION is False
    assert AsyncJsonWebsocketConsumer.send_completion is False


def test_settings_context_merges_over_the_current_setting() -> None:
    with override_settings(CHANX={"camelize": True}), settings_context(SEND_COMPLETION=True):
        assert chanx_settings.overrides() == {"CAMELIZE": True, "SEND_COMPLETION": True}
    with settings_context(MESSAGE_ACTION_KEY="kind"):
        assert chanx_settings.DISCRIMINATOR_FIELD == "kind"
    assert chanx_settings.DISCRIMINATOR_FIELD == "action"


def test_get_websocket_application_is_the_projects_websocket_entry() -> None:
    from django_chat.asgi import application

    app = get_websocket_application()
    assert app is application.application_mapping["websocket"]
    assert isinstance(app, OriginValidator)  # the middleware stays around the router


plain_app = AsyncJsonWebsocketConsumer.as_asgi()


def test_get_websocket_application_without_a_protocol_router() -> None:
    with override_settings(ASGI_APPLICATION=f"{__name__}.plain_app"):
        assert get_websocket_application() is None


def scope(**extra: Any) -> dict[str, Any]:
    return {
        "type": "websocket",
        "path": "/ws/rooms/1/",
        "query_string": b"token=abc",
        "headers": [(b"authorization", b"Token xyz"), (b"x-request-id", b"r1")],
        **extra,
    }


def test_request_from_scope_carries_the_handshake() -> None:
    request = request_from_scope(scope())
    assert request.method == "GET"
    assert request.path == "/ws/rooms/1/"
    assert request.META["HTTP_AUTHORIZATION"] == "Token xyz"
    assert request.headers["X-Request-Id"] == "r1"
    assert request.GET["token"] == "abc"


def test_request_from_scope_takes_the_method() -> None:
    assert request_from_scope(scope(), "post").method == "POST"
