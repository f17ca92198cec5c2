"""A Django test case for the django_chat example's private rooms (token authentication)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django_chat.chat.consumers import PrivateRoomConsumer
from django_chat.chat.messages import MemberListMessage, MembersMessage
from django_chat.chat.models import ChatRoom
from rest_framework.authtoken.models import Token

from chanx.channels.testing import WebsocketTestCase
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class PrivateRoomTests(WebsocketTestCase):
    consumer = PrivateRoomConsumer

    def setUp(self) -> None:
        users: Any = get_user_model().objects
        self.member = users.create_user("docs-member")
        room = ChatRoom.objects.create(name="docs-room", is_private=True)
        room.members.add(self.member)
        self.ws_path = f"/ws/private/{room.pk}/"
        super().setUp()  # calls get_ws_headers() and get_subprotocols()

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        token = Token.objects.create(user=self.member)
        return [(b"authorization", f"Token {token.key}".encode())]

    async def test_member_is_let_in(self) -> None:
        ws = self.auth_communicator  # created with the defaults, closed in tearDown
        assert await ws.connect()
        await ws.assert_authenticated_status_ok()  # the authentication frame comes first
        await ws.send_message(PingMessage())
        assert await ws.receive_all_messages(stop_action="pong") == [PongMessage()]
        await ws.send_message(MembersMessage())
        assert await ws.receive_all_messages(stop_action="member_list") == [
            MemberListMessage(payload=["docs-member"])
        ]

    async def test_anonymous_is_refused(self) -> None:
        ws = self.create_communicator(headers=[])  # no credentials
        assert await ws.connect()
        refusal = await ws.wait_for_auth(send_authentication_message=True)
        assert refusal is not None
        assert refusal.payload.status_code == 401
        await ws.assert_closed(4401)
