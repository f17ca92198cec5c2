"""The project's own tests, with chanx 2.x's documented Django testing helpers.

Run with ``python manage.py test compat_rooms`` (the repository's e2e suite does).
"""

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from chanx.channels.testing import WebsocketTestCase
from chanx.constants import GROUP_ACTION_COMPLETE
from chanx.core.testing import capture_broadcast_events
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from compat_rooms.consumers import RoomConsumer
from compat_rooms.messages import (
    AnnouncementEvent,
    AnnouncementPayload,
    ChatLineMessage,
    ChatLinePayload,
    ChatMessage,
    ChatPayload,
)
from compat_rooms.models import Room


class RoomConsumerTests(WebsocketTestCase):
    consumer = RoomConsumer

    def setUp(self):
        users = get_user_model().objects
        self.alice = users.create_user("alice")
        self.mallory = users.create_user("mallory")
        self.room = Room.objects.create(name="lobby")
        self.room.members.add(self.alice)
        self.ws_path = f"/ws/rooms/{self.room.pk}/"
        self.token = Token.objects.create(user=self.alice).key
        super().setUp()

    def get_ws_headers(self):
        return [(b"authorization", f"Token {self.token}".encode())]

    async def test_member_pings_and_chats(self):
        ws = self.auth_communicator
        await ws.connect()
        await ws.assert_authenticated_status_ok()
        await ws.send_message(PingMessage())
        assert await ws.receive_all_messages() == [PongMessage()]
        await ws.send_message(ChatMessage(payload=ChatPayload(text="hello")))
        line = ChatLineMessage(payload=ChatLinePayload(text="hello", author="alice", room="lobby"))
        assert await ws.receive_all_messages(stop_action=GROUP_ACTION_COMPLETE) == [line]

    async def test_a_stranger_is_refused_with_4403(self):
        token = await sync_to_async(Token.objects.create)(user=self.mallory)
        ws = self.create_communicator(headers=[(b"authorization", f"Token {token.key}".encode())])
        await ws.connect()
        auth = await ws.wait_for_auth()
        assert auth is not None
        assert auth.payload.status_code == 403
        await ws.assert_closed(4403)

    async def test_announcements_are_captured(self):
        event = AnnouncementEvent(payload=AnnouncementPayload(text="closing"))
        with capture_broadcast_events(RoomConsumer) as seen:
            await RoomConsumer.broadcast_event(event, f"room_{self.room.pk}")
        assert [(c.event, c.groups) for c in seen] == [(event, f"room_{self.room.pk}")]
