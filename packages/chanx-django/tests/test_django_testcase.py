"""WebsocketTestCase, the Django-style base class, used as a project would use it."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django_chat.chat.models import ChatRoom

from chanx.channels.testing import WebsocketTestCase, capture_layer


@database_sync_to_async
def create_room(name: str, private: bool = False, members: tuple[Any, ...] = ()) -> ChatRoom:
    room = ChatRoom.objects.create(name=name, is_private=private)
    room.members.add(*members)
    return room


@pytest.mark.django
class ChatRoomTests(WebsocketTestCase):
    async def test_session_login_chat_and_broadcast_capture(self) -> None:
        user = await self.create_user("tc-alice")
        room = await create_room("tc-lobby")
        headers = await self.session_headers(user)
        with capture_layer() as layer:
            async with self.communicator(f"/ws/rooms/{room.pk}/", headers=headers) as ws:
                await ws.send_json({"action": "chat", "payload": {"message": "hello"}})
                frame = await ws.receive_json()
        expected = {
            "action": "chat_notification",
            "payload": {"message": "hello", "username": "tc-alice", "room_id": room.pk},
        }
        assert frame == expected
        assert layer.broadcasts(f"room_{room.pk}") == [expected]

    async def test_token_login_and_object_permission(self) -> None:
        member = await self.create_user("tc-member")
        outsider = await self.create_user("tc-outsider")
        room = await create_room("tc-secret", private=True, members=(member,))
        path = f"/ws/private/{room.pk}/"
        async with self.communicator(path, headers=await self.token_headers(member)) as ws:
            await ws.send_json({"action": "ping"})
            assert await ws.receive_json() == {"action": "pong", "payload": None}
            await ws.send_json({"action": "members"})
            assert await ws.receive_json() == {"action": "member_list", "payload": ["tc-member"]}
        payload, code = await self.connect_refused(path, headers=await self.token_headers(outsider))
        assert (code, payload["status_code"]) == (4403, 403)

    async def test_anonymous_is_refused(self) -> None:
        room = await create_room("tc-open")
        payload, code = await self.connect_refused(f"/ws/rooms/{room.pk}/")
        assert code == 4401
        assert payload["data"]["detail"] == "Authentication credentials were not provided."

    async def test_user_in_scope_without_credentials(self) -> None:
        user = await self.create_user("tc-scoped")
        room = await create_room("tc-scope-room")
        async with self.communicator(f"/ws/rooms/{room.pk}/", user=user) as ws:
            await ws.send_json({"action": "chat", "payload": {"message": "via scope"}})
            assert (await ws.receive_json())["payload"]["username"] == "tc-scoped"

    async def test_a_refused_communicator_fails_clearly(self) -> None:
        with pytest.raises(AssertionError, match="refused"):
            async with self.communicator("/ws/rooms/1/", origin="http://evil.example"):
                pass
