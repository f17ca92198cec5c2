"""DRF permission classes as per-handler permissions on the Django binding."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import pytest
from channels.routing import URLRouter
from rest_framework.permissions import BasePermission, IsAuthenticated

from chanx.channels.routing import path
from chanx.channels.testing import WebsocketTestCase
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class Purge(BaseMessage):
    action: Literal["purge"] = "purge"
    payload: None = None


class RoomOwner(BasePermission):
    """Reads the route's URL arguments from ``view.kwargs``, as a DRF view's permission does."""

    message = "Only the owner of this room may purge it."

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user.username == f"owner-{view.kwargs['room']}")


class Guarded(AsyncJsonWebsocketConsumer):
    channel_layer_alias = None
    purged: ClassVar[list[str]] = []

    @ws_handler(permission_classes=[IsAuthenticated, RoomOwner])
    async def handle_purge(self, message: Purge) -> PongMessage:
        self.purged.append(self.url_params["room"])
        return PongMessage()

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


@pytest.mark.django
class DRFPermissionTests(WebsocketTestCase):
    consumer = Guarded
    router = URLRouter([path("ws/rooms/<str:room>/", Guarded.as_asgi())])
    ws_path = "/ws/rooms/blue/"

    async def test_anonymous_is_refused_with_drf_message_and_stays_connected(self) -> None:
        Guarded.purged.clear()
        async with self.create_communicator() as ws:
            await ws.send_json_to({"action": "purge", "ref": "p"})
            frame = await ws.receive_json_from()
            # IsAuthenticated says nothing of its own: DRF's default refusal text
            assert frame["payload"] == {
                "detail": "You do not have permission to perform this action."
            }
            assert frame["ref"] == "p"
            await ws.send_json_to({"action": "ping"})
            assert (await ws.receive_json_from())["action"] == "pong"
        assert Guarded.purged == []

    async def test_object_rule_reads_view_kwargs(self) -> None:
        Guarded.purged.clear()
        other = await self.create_user("someone")
        async with self.create_communicator(user=other) as ws:
            await ws.send_json_to({"action": "purge"})
            refused = await ws.receive_json_from()
            assert refused["payload"] == {"detail": "Only the owner of this room may purge it."}
        owner = await self.create_user("owner-blue")
        async with self.create_communicator(user=owner) as ws:
            await ws.send_json_to({"action": "purge"})
            assert (await ws.receive_json_from())["action"] == "pong"
        assert Guarded.purged == ["blue"]
