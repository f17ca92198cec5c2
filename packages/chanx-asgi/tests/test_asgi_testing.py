"""The test helpers users get: communicator, isolated and recording layers, pytest fixtures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.decorators import ws_handler
from chanx.core.layers import InMemoryChannelLayer
from chanx.core.testing import RecordingLayer
from chanx.fast_channels.layers import LayerUnavailableError, get_layer
from chanx.fast_channels.testing import WebsocketCommunicator, capture_layer, isolated_layer
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import AuthenticationMessage, PongMessage

pytestmark = pytest.mark.asgi


class ProfilePayload(BaseModel):
    display_name: str


class ProfileMessage(BaseMessage):
    action: Literal["set_profile"] = "set_profile"
    payload: ProfilePayload


class ShoutMessage(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: str


class CamelConsumer(AsyncJsonWebsocketConsumer):
    camelize = True
    send_completion = True
    groups = ["camels"]

    @ws_handler
    async def handle_profile(self, message: ProfileMessage) -> ProfileMessage:
        return message

    @ws_handler(output_type=ShoutMessage)
    async def handle_shout(self, message: ShoutMessage) -> None:
        await self.broadcast_message(message)


class DenyAll(BaseAuthenticator):
    status_code = 403
    detail = "no entry"

    async def authenticate(self) -> bool:
        return False


class Guarded(AsyncJsonWebsocketConsumer):
    authenticator_class = DenyAll

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


async def test_camelcase_models_are_sent_as_the_consumer_expects(
    chanx_layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketCommunicator(CamelConsumer, "/") as ws:
        await ws.send_message(ProfileMessage(payload=ProfilePayload(display_name="Ada")))
        frames = await ws.receive_all_json(stop_action="complete")
        assert frames == [
            {"action": "set_profile", "payload": {"displayName": "Ada"}},
            {"action": "complete", "payload": None},
        ]


async def test_assert_closed_reports_the_authentication_failure(
    chanx_layer: InMemoryChannelLayer,
) -> None:
    ws = WebsocketCommunicator(Guarded.as_asgi(), "/")
    assert (await ws.connect()).accepted  # accepted, then told why and closed
    failure: AuthenticationMessage = await ws.receive_message(AuthenticationMessage)
    assert failure.payload.status_code == 403
    assert await ws.assert_closed(4403) == 4403
    with pytest.raises(AssertionError, match="expected close code 1000, got 4403"):
        await ws.assert_closed(1000)


async def test_receive_nothing_reports_an_unexpected_frame(
    chanx_layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketCommunicator(CamelConsumer, "/") as ws:
        assert await ws.receive_nothing()
        await ws.send_message(ShoutMessage(payload="hey"))
        assert not await ws.receive_nothing(0.5)


async def test_recording_layer_fixture_captures_broadcasts(
    chanx_recording_layer: RecordingLayer,
) -> None:
    app = Starlette(routes=[WebSocketRoute("/ws", CamelConsumer.as_asgi())])
    async with WebsocketCommunicator(app, "/ws") as a, WebsocketCommunicator(app, "/ws") as b:
        await a.send_message(ShoutMessage(payload="hey"))
        expected = {"action": "shout", "payload": "hey"}
        assert await b.receive_json() == expected
        assert chanx_recording_layer.broadcasts("camels") == [expected]


async def test_communicator_fixture_connects_and_cleans_up(
    chanx_communicator: Callable[..., Awaitable[WebsocketCommunicator]],
    chanx_layer: InMemoryChannelLayer,
) -> None:
    ws = await chanx_communicator(CamelConsumer, "/")
    await ws.send_message(ShoutMessage(payload="x"))
    # The broadcast comes back through the layer (relay, then group_complete), so it may
    # follow the completion frame of the handler.
    frames = [await ws.receive_json() for _ in range(3)]
    assert sorted(f["action"] for f in frames) == ["complete", "group_complete", "shout"]
    assert chanx_layer.group_members("camels")
    with pytest.raises(AssertionError, match="refused"):
        await chanx_communicator(Starlette(routes=[]), "/nowhere")


def test_isolated_and_capture_layers_restore_the_previous_layer() -> None:
    with isolated_layer("t") as outer:
        with isolated_layer("t") as inner:
            assert get_layer("t") is inner
        assert get_layer("t") is outer
        with capture_layer("t") as recorder:
            found: Any = get_layer("t")
            assert found is recorder
            assert recorder.inner is outer
        assert get_layer("t") is outer
    with pytest.raises(LayerUnavailableError), capture_layer("never-registered"):
        pass
