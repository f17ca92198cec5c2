"""WebsocketTestCase, the Django-style base class, used as a project would use it."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings
from django_chat.chat.consumers import PrivateRoomConsumer, RoomChatConsumer
from django_chat.chat.messages import ChatNotificationMessage, MemberListMessage
from django_chat.chat.models import ChatRoom

from chanx.channels.testing import DjangoWebsocketCommunicator, WebsocketTestCase, capture_layer
from chanx.channels.utils import settings_context
from chanx.messages import PingMessage, PongMessage


@database_sync_to_async
def create_room(name: str, private: bool = False, members: tuple[Any, ...] = ()) -> ChatRoom:
    room = ChatRoom.objects.create(name=name, is_private=private)
    room.members.add(*members)
    return room


def websocket_application() -> Any:
    from django_chat.asgi import application

    return application.application_mapping["websocket"]


@pytest.mark.django
class ChatRoomTests(WebsocketTestCase):
    consumer = RoomChatConsumer

    async def test_session_login_chat_and_broadcast_capture(self) -> None:
        user = await self.create_user("tc-alice")
        room = await create_room("tc-lobby")
        headers = await self.session_headers(user)
        with capture_layer() as layer:
            ws = self.create_communicator(ws_path=f"/ws/rooms/{room.pk}/", headers=headers)
            async with ws:
                await ws.assert_authenticated_status_ok()  # the authentication frame first
                await ws.send_json_to({"action": "chat", "payload": {"message": "hello"}})
                frame = await ws.receive_json_from()
        expected = {
            "action": "chat_notification",
            "payload": {"message": "hello", "username": "tc-alice", "room_id": room.pk},
        }
        assert frame == expected
        assert layer.broadcasts(f"room_{room.pk}") == [expected]

    async def test_anonymous_is_refused(self) -> None:
        room = await create_room("tc-open")
        ws = self.create_communicator(ws_path=f"/ws/rooms/{room.pk}/")
        assert await ws.connect()
        auth = await ws.wait_for_auth(send_authentication_message=True, after_auth_time=0)
        assert auth is not None
        assert auth.payload.data == {"detail": "Authentication credentials were not provided."}
        await ws.assert_closed(4401)

    async def test_user_in_scope_without_credentials(self) -> None:
        user = await self.create_user("tc-scoped")
        room = await create_room("tc-scope-room")
        async with self.create_communicator(ws_path=f"/ws/rooms/{room.pk}/", user=user) as ws:
            await ws.assert_authenticated_status_ok()
            await ws.send_json_to({"action": "chat", "payload": {"message": "via scope"}})
            (notification,) = await ws.receive_all_messages(
                stop_action="chat_notification", timeout=5
            )
            assert isinstance(notification, ChatNotificationMessage)
            assert notification.payload.username == "tc-scoped"

    async def test_a_foreign_origin_is_refused_and_sent_once(self) -> None:
        ws = self.create_communicator(
            ws_path="/ws/rooms/1/", headers=[(b"origin", b"http://evil.example")]
        )
        assert [v for k, v in ws.scope["headers"] if k == b"origin"] == [b"http://evil.example"]
        connected, code = await ws.connect()
        assert (connected, code) == (False, 1000)  # Channels' OriginValidator denies it

    async def test_defaults_and_missing_path(self) -> None:
        with pytest.raises(AttributeError, match="ws_path is not set in ChatRoomTests"):
            self.create_communicator()
        with pytest.raises(AttributeError, match="ws_path is not set"):
            self.auth_communicator  # noqa: B018 - the property creates the communicator


@pytest.mark.django
class PrivateRoomTests(WebsocketTestCase):
    """Credentials from ``get_ws_headers``, the path from ``setUp``, ``auth_communicator``; no
    ``router``, so the project's WebSocket application is used."""

    consumer = PrivateRoomConsumer

    def setUp(self) -> None:
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        users: Any = get_user_model().objects
        member = users.create_user("tc-member")
        room = ChatRoom.objects.create(name="tc-secret", is_private=True)
        room.members.add(member)
        self.ws_path = f"/ws/private/{room.pk}/"
        self.token = Token.objects.create(user=member).key
        super().setUp()

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"authorization", f"Token {self.token}".encode())]

    async def test_token_login_and_object_permission(self) -> None:
        ws = self.auth_communicator
        assert isinstance(ws, DjangoWebsocketCommunicator)
        assert ws is self.auth_communicator  # created once per test
        assert ws.consumer is PrivateRoomConsumer
        assert await ws.connect()
        await ws.assert_authenticated_status_ok()
        await ws.send_message(PingMessage())
        assert await ws.receive_all_messages(stop_action="pong") == [PongMessage()]
        await ws.send_json_to({"action": "members"})
        assert await ws.receive_all_messages(stop_action="member_list") == [
            MemberListMessage(payload=["tc-member"])
        ]

        outsider = await self.create_user("tc-outsider")
        other = self.create_communicator(headers=await self.token_headers(outsider))
        assert await other.connect()
        auth = await other.wait_for_auth(send_authentication_message=True, after_auth_time=0)
        assert auth is not None
        assert auth.payload.status_code == 403
        await other.assert_closed(4403)
        third = self.create_communicator(headers=await self.token_headers(outsider))
        assert await third.connect()
        with pytest.raises(AssertionError, match="authentication failed with status 403"):
            await third.assert_authenticated_status_ok()

    async def test_no_frame_is_expected_when_the_setting_is_off(self) -> None:
        with settings_context(SEND_AUTHENTICATION_MESSAGE=False):
            assert await self.auth_communicator.connect()
            assert await self.auth_communicator.wait_for_auth() is None
            assert await self.auth_communicator.receive_nothing()

    def test_no_websocket_application_is_a_clear_error(self) -> None:
        with (
            override_settings(ASGI_APPLICATION="django_chat.asgi.django_asgi_app"),
            pytest.raises(ValueError, match="router is not set"),
        ):
            self.create_communicator()

    async def test_teardown_disconnects_what_the_test_left_open(self) -> None:
        assert await self.auth_communicator.connect()
        # no disconnect here: tearDown does it (a leak would fail the run's warnings check)


@pytest.mark.django
def test_the_origin_header_is_added_only_when_the_caller_sent_none() -> None:
    app = websocket_application()
    default = DjangoWebsocketCommunicator(app, "/ws/rooms/1/", consumer=RoomChatConsumer)
    assert default.scope["headers"] == [(b"origin", b"http://testserver")]
    given = DjangoWebsocketCommunicator(app, "/ws/rooms/1/", [("Origin", "http://a.example")])
    assert given.scope["headers"] == [(b"Origin", b"http://a.example")]
    assert DjangoWebsocketCommunicator(app, "/", origin=None).scope["headers"] == []


@pytest.mark.django
async def test_wait_for_auth_returns_at_once_when_no_frame_is_expected() -> None:
    ws = DjangoWebsocketCommunicator(PrivateRoomConsumer, "/ws/private/1/")
    assert await ws.connect()  # refused by authentication: the frame stays queued
    assert await ws.wait_for_auth(send_authentication_message=False, max_auth_time=30) is None
    auth = await ws.wait_for_auth(send_authentication_message=True, after_auth_time=0)
    assert auth is not None
    assert auth.payload.status_code == 401
    await ws.assert_closed(4401)
    await ws.disconnect()
    async with DjangoWebsocketCommunicator(scripted_silence, "/") as silent:
        with pytest.raises(AssertionError, match=r"no authentication frame within 0\.1s"):
            await silent.wait_for_auth(True, 0.1)


async def scripted_silence(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await receive()
