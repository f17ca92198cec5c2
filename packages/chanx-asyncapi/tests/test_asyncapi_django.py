"""Django: Channels routers are walked (views, URLs, command: test_asyncapi_django_views)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

import pytest

from chanx.asyncapi import generate, validate_document
from chanx.routing import find_routes

pytestmark = pytest.mark.django

EXAMPLE_DIR = Path(__file__).resolve().parents[3] / "examples" / "django_chat"


@pytest.fixture(scope="module", autouse=True)
def django_example() -> None:
    """The django_chat example's settings (the same set-up chanx-django's tests use)."""
    if str(EXAMPLE_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLE_DIR))
    from django_chat import testsetup

    testsetup.setup()


def _consumers() -> tuple[type[Any], type[Any]]:
    from pydantic import BaseModel

    from chanx.channels.websocket import AsyncJsonWebsocketConsumer
    from chanx.core.decorators import channel, ws_handler
    from chanx.messages.base import BaseMessage

    class NotePayload(BaseModel):
        room_name: str

    class Note(BaseMessage):
        action: Literal["note"] = "note"
        payload: NotePayload

    @channel(name="notes")
    class NotesConsumer(AsyncJsonWebsocketConsumer):
        @ws_handler
        async def handle_note(self, message: Note) -> Note:
            return message

    class OtherConsumer(NotesConsumer):
        pass

    return NotesConsumer, OtherConsumer


def test_protocol_router_middleware_and_nested_url_routers() -> None:
    from channels.auth import AuthMiddlewareStack
    from channels.routing import ProtocolTypeRouter, URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator
    from django.urls import path, re_path

    notes, other = _consumers()
    nested = URLRouter([path("deep/<slug:slug>/", other.as_asgi())])
    app = ProtocolTypeRouter(
        {
            "http": lambda scope, receive, send: None,
            "websocket": AllowedHostsOriginValidator(
                AuthMiddlewareStack(
                    URLRouter(
                        [
                            path("ws/notes/<int:pk>/", notes.as_asgi()),
                            re_path(r"^ws/re/(?P<room>\w+)/$", notes.as_asgi()),
                            path("ws/nested/", nested),  # type: ignore[arg-type,list-item]
                        ]
                    )
                )
            ),
        }
    )
    found = [(r.channel_path, r.consumer.__name__, r.path_params) for r in find_routes(app)]
    assert found == [
        ("/ws/notes/{pk}/", "NotesConsumer", {"pk": "int"}),
        ("/ws/re/{room}/", "NotesConsumer", {"room": r"\w+"}),
        ("/ws/nested/deep/{slug}/", "OtherConsumer", {"slug": "slug"}),
    ]
    doc = generate(app).to_dict()
    assert list(doc["channels"]) == ["notes", "notes_2", "OtherConsumer"]
    assert validate_document(doc) == []


def test_the_example_project_is_documented() -> None:
    from django_chat.asgi import application

    doc = generate(application).to_dict()
    assert {c["address"] for c in doc["channels"].values()} == {
        "/ws/rooms/{pk}/",
        "/ws/private/{room_id}/",
    }
    assert validate_document(doc) == []


def test_the_chanx_setting_is_reflected() -> None:
    from django.test import override_settings

    notes, _other = _consumers()
    plain = generate([("/ws/notes", notes)]).to_dict()
    assert "notes.send.complete" not in plain["operations"]
    with override_settings(CHANX={"send_completion": True, "camelize": True}):
        configured = generate([("/ws/notes", notes)]).to_dict()
    assert "notes.send.complete" in configured["operations"]
    assert set(plain["components"]["schemas"]["NotePayload"]["properties"]) == {"room_name"}
    assert set(configured["components"]["schemas"]["NotePayload"]["properties"]) == {"roomName"}
    assert validate_document(configured) == []
