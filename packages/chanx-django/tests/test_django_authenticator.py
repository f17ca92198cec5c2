"""DjangoAuthenticator: DRF authentication and permissions on the handshake, every outcome."""

from __future__ import annotations

import logging
import subprocess
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models.expressions import RawSQL
from django.http import Http404
from django_chat.chat.consumers import RoomChatConsumer
from django_chat.chat.models import ChatRoom
from django_chat.chat.permissions import IsRoomMember
from django_support import (
    EXAMPLE_DIR,
    PYTHON,
    make_room,
    make_user,
    reason,
    receive_reply,
    subprocess_env,
    ws_route,
)
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated

from chanx.channels.authenticator import DjangoAuthenticator
from chanx.channels.testing import WebsocketCommunicator, session_headers, token_headers
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

pytestmark = pytest.mark.django


class RecordingAuthenticator(DjangoAuthenticator):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, IsRoomMember]
    queryset = ChatRoom.objects.all()
    lookup_field = "name"


class RecordingConsumer(AsyncJsonWebsocketConsumer):
    authenticator_class: type[DjangoAuthenticator] = RecordingAuthenticator
    seen: list[tuple[Any, Any, Any]] = []

    async def post_authentication(self) -> None:
        auth = self.authenticator
        self.seen.append((self.user.username, auth.user.username, auth.obj.name))

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


class BrokenDbAuthenticator(DjangoAuthenticator):
    permission_classes = [AllowAny]
    queryset = ChatRoom.objects.annotate(broken=RawSQL("SELECT secret FROM no_such_table", ()))


class BrokenDbConsumer(RecordingConsumer):
    authenticator_class = BrokenDbAuthenticator


class MisroutedAuthenticator(DjangoAuthenticator):
    permission_classes = [AllowAny]
    queryset = ChatRoom.objects.all()
    lookup_url_kwarg = "room_id"


class MisroutedConsumer(RecordingConsumer):
    authenticator_class = MisroutedAuthenticator


class DjangoExceptions(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        kind = request.query_params.get("raise")
        if kind == "404":
            raise Http404("The room is gone.")
        if kind == "403":
            raise DjangoPermissionDenied("The room is closed.")
        return True


class DjangoExceptionsAuthenticator(DjangoAuthenticator):
    authentication_classes: list[Any] = []
    permission_classes = [DjangoExceptions]


class DjangoExceptionsConsumer(RecordingConsumer):
    authenticator_class = DjangoExceptionsAuthenticator


class AnyoneAuthenticator(DjangoAuthenticator):
    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]


class NoAuthenticatorConsumer(AsyncJsonWebsocketConsumer):
    seen: list[Any] = []

    async def post_authentication(self) -> None:
        self.seen.append(self.user)


class AnyoneConsumer(RecordingConsumer):
    authenticator_class = AnyoneAuthenticator

    async def post_authentication(self) -> None:
        self.seen.append((self.user.is_authenticated, None, self.authenticator.obj))


routes = [
    ws_route("ws/rec/<str:name>/", RecordingConsumer.as_asgi()),
    ws_route("ws/broken/<int:pk>/", BrokenDbConsumer.as_asgi()),
    ws_route("ws/misrouted/<int:pk>/", MisroutedConsumer.as_asgi()),
    ws_route("ws/anyone/", AnyoneConsumer.as_asgi()),
    ws_route("ws/django-exc/", DjangoExceptionsConsumer.as_asgi()),
    ws_route("ws/no-auth/", NoAuthenticatorConsumer.as_asgi()),
    ws_route("ws/seed/<str:pk>/", RoomChatConsumer.as_asgi()),
]
bare_router = URLRouter(routes)  # no AuthMiddlewareStack: the session comes from the cookie
auth_router = AuthMiddlewareStack(URLRouter(routes))


@pytest.fixture
def people() -> dict[str, Any]:
    alice, bob = make_user(), make_user()
    inactive = make_user(is_active=False)
    return {
        "alice": alice,
        "bob": bob,
        "inactive": inactive,
        "secret": make_room(private=True, members=(alice,)),
        "lobby": make_room(),
    }


@pytest.fixture(autouse=True)
def _clear_seen() -> None:
    RecordingConsumer.seen.clear()


async def refused(app: Any, url: str, headers: Any = (), **kwargs: Any) -> tuple[Any, int]:
    ws = WebsocketCommunicator(app, url, headers=headers, **kwargs)
    try:
        assert await ws.connect()
        frame = await ws.receive_json()
        assert frame["action"] == "authentication"
        return frame["payload"], await ws.assert_closed()
    finally:
        await ws.disconnect()


@pytest.mark.parametrize("app", [bare_router, auth_router], ids=["cookie", "auth-middleware"])
async def test_session_login_with_object_permission(app: Any, people: dict[str, Any]) -> None:
    headers = await session_headers(people["alice"])
    async with WebsocketCommunicator(
        app, f"/ws/rec/{people['secret'].name}/", headers=headers
    ) as ws:
        await ws.send_json({"action": "ping"})
        assert (await receive_reply(ws))["action"] == "pong"
    name = people["alice"].username
    assert RecordingConsumer.seen == [(name, name, people["secret"].name)]


async def test_token_header(people: dict[str, Any]) -> None:
    headers = await token_headers(people["alice"])
    async with WebsocketCommunicator(
        bare_router, f"/ws/rec/{people['lobby'].name}/", headers=headers
    ):
        pass
    assert RecordingConsumer.seen[0][2] == people["lobby"].name


async def test_user_in_scope_is_used(people: dict[str, Any]) -> None:
    url = f"/ws/rec/{people['secret'].name}/"
    async with WebsocketCommunicator(bare_router, url, user=people["alice"]):
        pass
    assert RecordingConsumer.seen[0][0] == people["alice"].username


async def test_missing_credentials_are_4401(people: dict[str, Any]) -> None:
    payload, code = await refused(auth_router, f"/ws/rec/{people['lobby'].name}/")
    assert code == 4401
    assert payload == {
        "status_code": 401,
        "status_text": "Unauthorized",
        "data": {"detail": "Authentication credentials were not provided."},
    }
    assert RecordingConsumer.seen == []


async def test_invalid_token_is_4401(people: dict[str, Any]) -> None:
    headers = [("authorization", "Token not-a-real-token")]
    payload, code = await refused(bare_router, f"/ws/rec/{people['lobby'].name}/", headers)
    assert (code, payload["data"]["detail"]) == (4401, "Invalid token.")


async def test_inactive_user_session_is_4401(people: dict[str, Any]) -> None:
    headers = await session_headers(people["inactive"])
    _, code = await refused(bare_router, f"/ws/rec/{people['lobby'].name}/", headers)
    assert code == 4401


async def test_object_permission_denied_is_4403(people: dict[str, Any]) -> None:
    headers = await token_headers(people["bob"])
    payload, code = await refused(bare_router, f"/ws/rec/{people['secret'].name}/", headers)
    assert (code, payload["data"]["detail"]) == (4403, "You are not a member of this room.")


async def test_missing_object_is_4404(people: dict[str, Any]) -> None:
    headers = await token_headers(people["alice"])
    payload, code = await refused(bare_router, "/ws/rec/no-such-room/", headers)
    assert (code, payload["status_text"]) == (4404, "Not Found")


async def test_malformed_lookup_value_is_4404(people: dict[str, Any]) -> None:
    headers = await token_headers(people["alice"])
    _, code = await refused(bare_router, "/ws/seed/not-a-number/", headers)
    assert code == 4404


async def test_database_error_is_4500_without_internals(
    people: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="chanx"):
        payload, code = await refused(bare_router, f"/ws/broken/{people['lobby'].pk}/")
    assert code == 4500
    assert payload["data"]["detail"] == "Authentication could not complete"
    text = str(payload)
    assert "no_such_table" not in text
    assert "Traceback" not in text
    assert "no_such_table" in caplog.text  # the details go to the server log


async def test_route_without_the_lookup_argument_is_a_logged_500(
    people: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="chanx"):
        payload, code = await refused(bare_router, f"/ws/misrouted/{people['lobby'].pk}/")
    assert code == 4500
    assert "lookup_url_kwarg" not in str(payload)
    assert "set lookup_url_kwarg" in caplog.text


async def test_no_queryset_means_no_object_and_anonymous_is_allowed() -> None:
    async with WebsocketCommunicator(bare_router, "/ws/anyone/"):
        pass
    assert RecordingConsumer.seen == [(False, None, None)]


async def test_the_seed_room_consumer(people: dict[str, Any]) -> None:
    """The seed's complete example: IsAuthenticated plus the room lookup by ``pk``."""
    headers = await token_headers(people["bob"])
    url = f"/ws/seed/{people['lobby'].pk}/"
    async with WebsocketCommunicator(auth_router, url, headers=headers) as ws:
        await ws.send_json({"action": "chat", "payload": {"message": "hello"}})
        frame = await receive_reply(ws)
    assert frame == {
        "action": "chat_notification",
        "payload": {
            "message": "hello",
            "username": people["bob"].username,
            "room_id": people["lobby"].pk,
        },
    }


def test_the_package_imports_and_serves_without_drf() -> None:
    """DRF is an optional extra: consumers (without DjangoAuthenticator) work without it."""
    code = """
import sys
sys.modules["rest_framework"] = None  # make `import rest_framework` fail
import django
from django.conf import settings
settings.configure(INSTALLED_APPS=["channels", "chanx.channels"], CHANNEL_LAYERS={})
django.setup()
import asyncio
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.channels.authenticator import DjangoAuthenticator
from chanx.channels.testing import WebsocketCommunicator
from chanx.core.decorators import ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

class C(AsyncJsonWebsocketConsumer):
    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

async def main():
    async with WebsocketCommunicator(C, "/ws/") as ws:
        await ws.send_json({"action": "ping"})
        print((await ws.receive_json())["action"])

asyncio.run(main())
"""
    env = subprocess_env()
    del env["DJANGO_SETTINGS_MODULE"]
    result = subprocess.run(
        [PYTHON, "-c", code],
        env=env,
        cwd=EXAMPLE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pong"


async def test_without_an_authenticator_the_middleware_user_is_self_user(
    people: dict[str, Any],
) -> None:
    NoAuthenticatorConsumer.seen.clear()
    headers = await session_headers(people["alice"])
    async with WebsocketCommunicator(auth_router, "/ws/no-auth/", headers=headers):
        pass
    async with WebsocketCommunicator(bare_router, "/ws/no-auth/"):
        pass
    assert [getattr(u, "pk", u) for u in NoAuthenticatorConsumer.seen] == [people["alice"].pk, None]


@pytest.mark.parametrize(
    ("kind", "code", "detail"),
    [("404", 4404, "The room is gone."), ("403", 4403, "The room is closed.")],
)
async def test_django_http404_and_permission_denied_map_like_drf(
    kind: str, code: int, detail: str
) -> None:
    """As in a DRF view: Django's exceptions become 404/403 with their message."""
    payload, closed = await refused(bare_router, "/ws/django-exc/", query_string=f"raise={kind}")
    assert closed == code
    assert reason(payload) == detail
