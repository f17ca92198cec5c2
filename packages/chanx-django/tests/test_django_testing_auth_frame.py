"""The success ``authentication`` frame (status 200, ``data == {"detail": "OK"}``) as the test
helpers read it, through ``WebsocketTestCase``'s default router."""

from __future__ import annotations

from typing import Any

import pytest
from django_chat.chat.consumers import PrivateRoomConsumer
from django_chat.chat.models import ChatRoom

from chanx.channels.testing import WebsocketTestCase


@pytest.mark.django
class DefaultRouterTests(WebsocketTestCase):
    """No ``router``: the ``"websocket"`` entry of ASGI_APPLICATION is used."""

    consumer = PrivateRoomConsumer

    def setUp(self) -> None:
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        users: Any = get_user_model().objects
        member = users.create_user("pending-member")
        room = ChatRoom.objects.create(name="pending-room", is_private=True)
        room.members.add(member)
        self.ws_path = f"/ws/private/{room.pk}/"
        self.token = Token.objects.create(user=member).key
        super().setUp()

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"authorization", f"Token {self.token}".encode())]

    async def test_success_frame_and_default_router(self) -> None:
        ws = self.auth_communicator
        assert await ws.connect()
        await ws.assert_authenticated_status_ok()

    async def test_wait_for_auth_reads_the_success_frame(self) -> None:
        assert await self.auth_communicator.connect()
        auth = await self.auth_communicator.wait_for_auth()
        assert auth is not None
        assert (auth.payload.status_code, auth.payload.status_text) == (200, "OK")
