"""Per-handler permissions: a refusal answers an error frame, runs nothing, keeps the socket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from core_consumers import LayerConsumer, fresh_layer

from chanx.core import InMemoryChannelLayer, ws_handler
from chanx.core.permissions import DENIED, BasePermission
from chanx.core.testing import WebsocketHarness
from chanx.messages import BaseMessage, PingMessage, PongMessage


@pytest.fixture(autouse=True)
def layer() -> Iterator[InMemoryChannelLayer]:
    yield fresh_layer()
    LayerConsumer.layer = None


class Delete(BaseMessage):
    action: Literal["delete"] = "delete"
    payload: str = ""


class IsAdmin(BasePermission):
    message = "Admins only"

    async def has_permission(self, consumer: Any, message: Any) -> bool:
        return bool(consumer.scope.get("query_string") == b"admin=1")


def not_secret(consumer: Any, message: Delete) -> bool:
    return message.payload != "secret"


def broken(consumer: Any, message: Any) -> bool:
    raise RuntimeError("permission store down: password=hunter2")


class Guarded(LayerConsumer):
    send_completion = True
    ran: ClassVar[list[str]] = []

    @ws_handler(permission_classes=[IsAdmin, not_secret])
    async def handle_delete(self, message: Delete) -> PongMessage:
        self.ran.append(message.payload)
        return PongMessage()

    @ws_handler(permission_classes=[broken])
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        self.ran.append("ping")
        return PongMessage()


async def test_a_refused_frame_runs_nothing_and_the_connection_stays() -> None:
    Guarded.ran.clear()
    async with WebsocketHarness(Guarded) as ws:
        await ws.send_json({"action": "delete", "payload": "x", "ref": "d1"})
        assert await ws.receive_json() == {
            "version": 1,
            "ref": "d1",
            "action": "error",
            "payload": {"detail": "Admins only"},
        }
        assert (await ws.receive_json())["action"] == "complete"
    assert Guarded.ran == []


async def test_every_permission_must_allow() -> None:
    Guarded.ran.clear()
    async with WebsocketHarness(Guarded, query_string="admin=1") as ws:
        await ws.send_json({"action": "delete", "payload": "secret"})
        assert (await ws.receive_json())["payload"] == {"detail": DENIED}
        await ws.receive_json()
        await ws.send_json({"action": "delete", "payload": "ok"})
        assert (await ws.receive_json())["action"] == "pong"
    assert Guarded.ran == ["ok"]


async def test_a_failing_permission_refuses_without_leaking(
    caplog: pytest.LogCaptureFixture,
) -> None:
    Guarded.ran.clear()
    async with WebsocketHarness(Guarded) as ws:
        await ws.send_json({"action": "ping"})
        frame = await ws.receive_json()
        assert frame["payload"] == {"detail": DENIED}
        assert "hunter2" not in str(frame)
    assert Guarded.ran == []
    assert "hunter2" in caplog.text  # the reason is in the log


def test_a_permission_that_is_not_one_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match=r"permission_classes takes BasePermission subclasses"):

        class Wrong(LayerConsumer):
            @ws_handler(permission_classes=[int])
            async def handle_ping(self, message: PingMessage) -> PongMessage:
                return PongMessage()
