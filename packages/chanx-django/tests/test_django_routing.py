"""chanx.channels.routing: path, re_path and include in Channels' URLRouter."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from channels.routing import URLRouter
from django.core.exceptions import ImproperlyConfigured

from chanx.channels.routing import include, path, re_path
from chanx.channels.testing import WebsocketCommunicator
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

pytestmark = pytest.mark.django


class WhereConsumer(AsyncJsonWebsocketConsumer):
    channel_layer_alias = None
    seen: list[Any] = []

    async def post_authentication(self) -> None:
        route = self.scope["url_route"]
        self.seen.append((dict(route["kwargs"]), tuple(route["args"]), self.scope["path_params"]))

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


router = URLRouter(
    [
        path("rooms/<int:pk>/", WhereConsumer.as_asgi()),
        re_path(r"^legacy/(?P<slug>[a-z]+)/$", WhereConsumer.as_asgi()),
    ]
)
module = types.ModuleType("chanx_routing_test_module")
module.router = router  # type: ignore[attr-defined]
sys.modules[module.__name__] = module

application = URLRouter(
    [
        path("ws/", include(module.__name__)),  # a dotted path
        path("mod/", include(module)),  # a module
        path("direct/", include(router)),  # a router as is
        path("extra/<str:room>/", WhereConsumer.as_asgi(), kwargs={"fixed": 1}),
    ]
)


@pytest.fixture(autouse=True)
def _clear() -> None:
    WhereConsumer.seen.clear()


@pytest.mark.parametrize("prefix", ["ws", "mod", "direct"])
async def test_included_routes_resolve_with_their_kwargs(prefix: str) -> None:
    async with WebsocketCommunicator(application, f"/{prefix}/rooms/7/") as ws:
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
    assert WhereConsumer.seen == [({"pk": 7}, (), {"pk": 7})]


async def test_re_path_and_extra_kwargs() -> None:
    async with WebsocketCommunicator(application, "/ws/legacy/abc/"):
        pass
    async with WebsocketCommunicator(application, "/extra/lobby/"):
        pass
    assert WhereConsumer.seen == [
        ({"slug": "abc"}, (), {"slug": "abc"}),
        ({"room": "lobby", "fixed": 1}, (), {"room": "lobby", "fixed": 1}),
    ]


def test_include_refuses_a_module_without_a_router() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"must define `router = URLRouter\(\[...\]\)`"):
        include("json")
    bad = types.ModuleType("bad_routing")
    bad.router = [path("x/", WhereConsumer.as_asgi())]  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="got list"):
        include(bad)
