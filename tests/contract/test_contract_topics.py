"""Contract: topics multiplexed over one connection, dedicated topic routes and recovery."""

from __future__ import annotations

import asyncio
import functools
from types import ModuleType, SimpleNamespace
from typing import Any, ClassVar, Literal

from chanx.core.decorators import event_handler, ws_handler
from chanx.core.history import InMemoryHistoryStore
from chanx.core.topic import Topic
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class Cancel(BaseMessage):
    action: Literal["cancel"] = "cancel"


class Cancelled(BaseMessage):
    action: Literal["cancelled"] = "cancelled"
    payload: str


class Progress(BaseMessage):
    action: Literal["progress"] = "progress"
    payload: int


class Line(BaseMessage):
    action: Literal["line"] = "line"
    payload: str


@functools.cache
def topics(base: Any) -> SimpleNamespace:
    """Topic classes and consumers built on one binding's base class."""

    class RunTopic(Topic[Progress]):
        """A job's progress."""

        pattern = "run:{run_id}"
        log: ClassVar[list[str]] = []

        async def authorize(self, run_id: str) -> bool:
            return not run_id.startswith("private")

        async def on_subscribe(self) -> None:
            self.log.append(f"subscribed {self.topic}")

        async def on_unsubscribe(self) -> None:
            self.log.append(f"unsubscribed {self.topic}")

        @ws_handler
        async def cancel(self, message: Cancel) -> Cancelled:
            return Cancelled(payload=f"run {self.params['run_id']}")

        @event_handler
        async def on_progress(self, event: Progress) -> Progress:
            return event

    class ChatTopic(Topic[Line]):
        pattern = "chat:{room}"
        recovery = True
        history = InMemoryHistoryStore()

        @ws_handler
        async def cancel(self, message: Cancel) -> Cancelled:
            return Cancelled(payload=f"chat {self.params['room']}")

        @event_handler
        async def on_line(self, event: Line) -> Line:
            return event

    class Hub(base):  # type: ignore[misc]
        topics = [RunTopic, ChatTopic]

        @ws_handler
        async def ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

    return SimpleNamespace(run=RunTopic, chat=ChatTopic, hub=Hub, dedicated=RunTopic.as_consumer())


def routes(binding: ModuleType) -> list[tuple[str, type[Any]]]:
    t = topics(binding.Consumer)
    return [("/ws/hub", t.hub), ("/ws/runs/{run_id}", t.dedicated)]


async def subscribe(ws: Any, topic: str, ref: str = "1", **payload: Any) -> dict[str, Any]:
    frame: dict[str, Any] = {"topic": topic, "ref": ref, "action": "subscribe"}
    if payload:
        frame["payload"] = payload
    await ws.send_json(frame)
    reply: dict[str, Any] = await ws.receive_json()
    return reply


class TestTopics:
    async def test_multiplexing_on_one_connection(self, binding: ModuleType, open_ws: Any) -> None:
        t = topics(binding.Consumer)
        ws = await open_ws(routes(binding), "/ws/hub")
        assert await subscribe(ws, "run:1", "a") == {
            "action": "subscribed", "payload": None, "version": 1, "topic": "run:1", "ref": "a",
        }  # fmt: skip
        assert (await subscribe(ws, "chat:lobby"))["payload"]["recovered"] is False
        await ws.send_json({"topic": "chat:lobby", "ref": "c", "action": "cancel"})
        assert await ws.receive_json() == {
            "action": "cancelled", "payload": "chat lobby", "version": 1,
            "topic": "chat:lobby", "ref": "c",
        }  # fmt: skip
        await t.run.broadcast("run:1", Progress(payload=30), seq=1)
        assert await ws.receive_json() == {
            "action": "progress", "payload": 30, "version": 1, "topic": "run:1", "seq": 1,
        }  # fmt: skip
        await ws.send_json({"action": "ping"})  # the consumer's own handlers are untouched
        assert await ws.receive_json() == {"action": "pong", "payload": None}

    async def test_authorize_denial_and_on_unsubscribe_on_disconnect(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        t = topics(binding.Consumer)
        t.run.log.clear()
        ws = await open_ws(routes(binding), "/ws/hub")
        denied = await subscribe(ws, "run:private-9")
        assert denied["payload"] == {
            "reason": "unauthorized",
            "detail": "Not allowed to subscribe to 'run:private-9'",
        }
        await subscribe(ws, "run:2")
        await ws.disconnect()
        assert t.run.log == ["subscribed run:2", "unsubscribed run:2"]

    async def test_dedicated_route_subscribes_its_topic(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        t = topics(binding.Consumer)
        assert t.dedicated.__name__ == "RunConsumer"
        assert t.dedicated.__doc__ == "A job's progress."
        ws = await open_ws(routes(binding), "/ws/runs/77")
        assert await ws.receive_json() == {
            "action": "subscribed", "payload": None, "version": 1, "topic": "run:77",
        }  # fmt: skip
        await ws.send_json({"action": "cancel", "ref": "x"})
        assert (await ws.receive_json())["payload"] == "run 77"
        await asyncio.to_thread(t.run.broadcast_sync, "run:77", Progress(payload=5))
        assert (await ws.receive_json())["payload"] == 5

    async def test_recovery_replays_missed_publishes(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        t = topics(binding.Consumer)
        ws = await open_ws(routes(binding), "/ws/hub")
        epoch = (await subscribe(ws, "chat:r"))["payload"]["epoch"]
        await t.chat.broadcast("chat:r", Line(payload="one"))
        assert (await ws.receive_json())["seq"] == 1
        await ws.disconnect()
        for text in ("two", "three"):
            await t.chat.broadcast("chat:r", Line(payload=text))
        again = await open_ws(routes(binding), "/ws/hub")
        reply = await subscribe(again, "chat:r", seq=1, epoch=epoch)
        assert reply["payload"] == {"recovered": True, "epoch": epoch, "seq": 3}
        frames = [await again.receive_json() for _ in range(2)]
        assert [(f["seq"], f["payload"]) for f in frames] == [(2, "two"), (3, "three")]
