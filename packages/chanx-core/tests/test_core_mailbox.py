"""Direct delivery on the in-memory layer: immediate, ordered, bounded, isolated."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from core_consumers import ChatConsumer, GatedHarness, LayerConsumer
from core_models import JobResult, UserJoined

from chanx.core import InMemoryChannelLayer, ws_handler
from chanx.core._mailbox import _resume
from chanx.core.layer_messages import topic_broadcast_envelope
from chanx.core.testing import WebsocketHarness
from chanx.messages import BaseMessage


class RelayMessage(BaseMessage):
    action: Literal["relay"] = "relay"


class RelayConsumer(ChatConsumer):
    """Its ``relay`` handler broadcasts a JobResult event to the room."""

    @ws_handler
    async def handle_relay(self, message: RelayMessage) -> None:
        await self.broadcast_event(JobResult(payload="relayed"), groups=["room"])


def broadcast(n: int) -> dict[str, Any]:
    return {"type": "chanx.broadcast", "text": f'{{"action":"item","payload":{n}}}'}


@pytest.fixture
def layer() -> Iterator[InMemoryChannelLayer]:
    layer = InMemoryChannelLayer(capacity=3)
    LayerConsumer.layer = layer
    yield layer
    LayerConsumer.layer = None


async def test_broadcast_is_forwarded_inside_group_send(layer: InMemoryChannelLayer) -> None:
    async with WebsocketHarness(ChatConsumer) as ws:
        await layer.group_send("room", broadcast(1))
        assert ws._from_app.qsize() == 1  # already sent: no task, no loop iteration needed
        assert await ws.receive_json() == {"action": "item", "payload": 1}


async def test_a_topics_broadcast_never_reaches_a_consumer_without_topics(
    layer: InMemoryChannelLayer,
) -> None:
    # a user group may share a topic group's name: the topic's text is for its subscribers
    stray = topic_broadcast_envelope('{"action":"item","payload":0}', "feed:x", 1, None, 0)
    async with WebsocketHarness(ChatConsumer) as ws:
        await layer.group_send("room", stray)
        await layer.group_send("room", broadcast(1))
        assert await ws.receive_json() == {"action": "item", "payload": 1}
        assert ws._from_app.empty()


async def test_a_client_that_stops_reading_is_bounded_and_holds_up_nobody(
    layer: InMemoryChannelLayer, caplog: pytest.LogCaptureFixture
) -> None:
    async with WebsocketHarness(ChatConsumer) as fast:
        slow = GatedHarness(ChatConsumer)
        assert (await slow.connect()).accepted
        slow.open.clear()
        with caplog.at_level(logging.WARNING, "chanx.layer"):
            for n in range(10):
                await asyncio.wait_for(layer.group_send("room", broadcast(n)), 1)
        for n in range(10):  # the reading client got everything, in order
            assert (await fast.receive_json())["payload"] == n
        assert "full" in caplog.text  # beyond capacity, the slow client's messages are dropped
        slow.open.set()
        got = [(await slow.receive_json())["payload"] for _ in range(4)]
        assert got == [0, 1, 2, 3]  # the send in flight, then the backlog of 3, in order
        assert await slow.receive_nothing()
        await layer.group_send("room", broadcast(99))  # idle again: direct delivery resumes
        assert (await slow.receive_json())["payload"] == 99
        await slow.disconnect()


async def test_disconnect_while_a_send_waits(layer: InMemoryChannelLayer) -> None:
    slow = GatedHarness(ChatConsumer)
    assert (await slow.connect()).accepted
    slow.open.clear()
    await layer.group_send("room", broadcast(1))
    await layer.group_send("room", broadcast(2))
    await slow.disconnect()  # cancels the waiting send and forgets the backlog
    assert layer.group_members("room") == []
    await layer.group_send("room", broadcast(3))  # nobody left: nothing happens


async def test_events_and_broadcasts_keep_their_order(layer: InMemoryChannelLayer) -> None:
    layer.capacity = 100  # four messages wait at once here
    async with WebsocketHarness(ChatConsumer) as ws:
        await ChatConsumer.broadcast_event(UserJoined(payload="a"), groups=["room"])
        await layer.group_send("room", broadcast(1))
        await ChatConsumer.broadcast_event(UserJoined(payload="b"), groups=["room"])
        await layer.group_send("room", broadcast(2))
        frames = [await ws.receive_json() for _ in range(4)]
        assert [f["action"] for f in frames] == [
            "chat_notification",
            "item",
            "chat_notification",
            "item",
        ]
        assert [frames[1]["payload"], frames[3]["payload"]] == [1, 2]


async def test_the_senders_ref_never_reaches_other_connections(
    layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketHarness(RelayConsumer) as sender, WebsocketHarness(RelayConsumer) as peer:
        await sender.send_json({"action": "relay", "ref": "secret-ref"})
        got = await peer.receive_json()
        assert got == {"action": "job_result", "payload": "relayed"}
        own = await sender.receive_json()
        assert own["action"] == "job_result"
        assert "ref" not in own  # an event is not a reply to the sender's frame


#: What an ASGI middleware keeps per connection in a context variable (as OpenTelemetry's does
#: with the connection's span, which its ``send`` wrapper then parents every send under).
_connection: contextvars.ContextVar[str] = contextvars.ContextVar("connection")


def _tagging(app: Any, name: str, seen: list[tuple[str, str]]) -> Any:
    """``app`` behind a middleware that records, for each frame sent, the variable's value."""

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        _connection.set(name)

        async def tagged(message: Any) -> None:
            if message["type"] == "websocket.send":
                seen.append((name, _connection.get()))
            await send(message)

        await app(scope, receive, tagged)

    return middleware


async def test_a_forwarded_broadcast_is_sent_in_the_receivers_context(
    layer: InMemoryChannelLayer,
) -> None:
    # the forward runs in the sender's task, but never in the sender's context: middleware
    # around each receiver's send must see that receiver's connection
    seen: list[tuple[str, str]] = []
    app = ChatConsumer.as_asgi()
    async with (
        WebsocketHarness(_tagging(app, "sender", seen), consumer=ChatConsumer) as sender,
        WebsocketHarness(_tagging(app, "peer", seen), consumer=ChatConsumer) as peer,
    ):
        await sender.send_json({"action": "chat", "payload": {"message": "hi"}})
        assert (await peer.receive_json())["action"] == "chat_notification"
        assert (await sender.receive_json())["action"] == "chat_notification"
    assert sorted(seen) == [("peer", "peer"), ("sender", "sender")]


async def test_resume_passes_results_exceptions_and_cancellation_on() -> None:
    loop = asyncio.get_running_loop()

    async def waits(fut: asyncio.Future[int]) -> int:
        await asyncio.sleep(0)
        return await fut + 1

    fut: asyncio.Future[int] = loop.create_future()
    coro = waits(fut)
    first = coro.send(None)  # the eager first step: a bare yield
    task = asyncio.ensure_future(_resume(coro, first))
    await asyncio.sleep(0.01)
    fut.set_result(41)
    assert await task == 42

    failing: asyncio.Future[int] = loop.create_future()
    coro = waits(failing)
    task = asyncio.ensure_future(_resume(coro, coro.send(None)))
    await asyncio.sleep(0.01)
    failing.set_exception(ValueError("boom"))
    with pytest.raises(ValueError, match="boom"):
        await task

    never: asyncio.Future[int] = loop.create_future()
    coro = waits(never)
    task = asyncio.ensure_future(_resume(coro, coro.send(None)))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert never.cancelled()


class FailingHarness(WebsocketHarness):
    """A client whose server-side send fails (e.g. the socket just broke)."""

    fail = False

    async def _send(self, message: dict[str, Any]) -> None:
        if self.fail and message["type"] == "websocket.send":
            raise OSError("broken pipe")
        await super()._send(message)


async def test_a_failing_send_is_logged_and_delivery_goes_on(
    layer: InMemoryChannelLayer, caplog: pytest.LogCaptureFixture
) -> None:
    ws = FailingHarness(ChatConsumer)
    assert (await ws.connect()).accepted
    ws.fail = True
    await layer.group_send("room", broadcast(1))  # fails inside group_send: logged, not raised
    assert "could not forward a broadcast" in caplog.text
    ws.fail = False
    await layer.group_send("room", broadcast(2))
    assert (await ws.receive_json())["payload"] == 2
    await ws.disconnect()


async def test_a_failing_send_after_waiting_is_logged(
    layer: InMemoryChannelLayer, caplog: pytest.LogCaptureFixture
) -> None:
    class GatedFailing(GatedHarness):
        async def _send(self, message: dict[str, Any]) -> None:
            if message["type"] == "websocket.send" and not self.open.is_set():
                await self.open.wait()
                raise OSError("broken pipe")
            await super()._send(message)

    ws = GatedFailing(ChatConsumer)
    assert (await ws.connect()).accepted
    ws.open.clear()
    await layer.group_send("room", broadcast(1))
    await layer.group_send("room", broadcast(2))  # waits in the backlog
    ws.open.set()
    assert (await ws.receive_json())["payload"] == 2  # 1 failed, 2 still delivered
    assert "could not forward a broadcast" in caplog.text
    await ws.disconnect()


async def test_a_message_arriving_during_a_direct_send_is_delivered_after_it(
    layer: InMemoryChannelLayer,
) -> None:
    class Nesting(WebsocketHarness):
        channel = ""

        async def _send(self, message: dict[str, Any]) -> None:
            await super()._send(message)
            if message.get("text") == '{"action":"item","payload":1}':
                await layer.send(self.channel, broadcast(2))  # arrives while 1 is being sent

    ws = Nesting(ChatConsumer)
    assert (await ws.connect()).accepted
    (ws.channel,) = layer.group_members("room")
    await layer.group_send("room", broadcast(1))
    assert [(await ws.receive_json())["payload"] for _ in range(2)] == [1, 2]
    await ws.disconnect()


async def test_resume_passes_a_cancellation_between_steps_on() -> None:
    async def steps() -> str:
        try:
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            return "caught"
        return "finished"  # pragma: no cover - cancelled before

    coro = steps()
    task = asyncio.ensure_future(_resume(coro, coro.send(None)))
    await asyncio.sleep(0)  # the task now waits in its own bare yield
    task.cancel()
    assert await task == "caught"


async def test_resume_continues_a_coroutine_that_handles_its_cancellation() -> None:
    async def steps() -> str:
        try:
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            await asyncio.sleep(0)  # cleanup that itself waits
            return "cleaned up"
        return "finished"  # pragma: no cover - cancelled before

    coro = steps()
    task = asyncio.ensure_future(_resume(coro, coro.send(None)))
    await asyncio.sleep(0)
    task.cancel()
    assert await task == "cleaned up"


class FilteringConsumer(ChatConsumer):
    """Overrides ``chanx_broadcast``: its code must run in the connection's own task."""

    tasks: list[Any] = []

    async def chanx_broadcast(self, message: dict[str, Any]) -> None:
        self.tasks.append(asyncio.current_task())
        await super().chanx_broadcast(message)


async def test_an_overridden_chanx_broadcast_never_runs_in_the_senders_task(
    layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketHarness(FilteringConsumer) as ws:
        await layer.group_send("room", broadcast(1))
        assert (await ws.receive_json())["payload"] == 1
        assert FilteringConsumer.tasks
        assert asyncio.current_task() not in FilteringConsumer.tasks


async def test_events_reuse_the_connections_delivery_task(layer: InMemoryChannelLayer) -> None:
    """No task per delivered event: the first starts the delivery task, later ones wake it."""
    loop = asyncio.get_running_loop()
    created: list[asyncio.Task[Any]] = []
    previous = loop.get_task_factory()

    def counting(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **kwargs)
        if getattr(coro, "__qualname__", "").startswith("Mailbox."):  # not the harness's own
            created.append(task)
        return task

    async with WebsocketHarness(ChatConsumer) as ws:
        await ChatConsumer.broadcast_event(UserJoined(payload="first"), groups=["room"])
        assert (await ws.receive_json())["action"] == "chat_notification"
        loop.set_task_factory(counting)
        try:
            for name in ("a", "b", "c"):
                await ChatConsumer.broadcast_event(UserJoined(payload=name), groups=["room"])
                frame = await ws.receive_json()
                assert frame["payload"]["message"] == f"{name} joined"
        finally:
            loop.set_task_factory(previous)
        assert created == []
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"


async def test_a_failing_dispatch_does_not_stop_delivery(
    layer: InMemoryChannelLayer, caplog: pytest.LogCaptureFixture
) -> None:
    class Raising(ChatConsumer):
        async def dispatch(self, message: Any) -> None:
            if message.get("type") == "boom.now":
                raise RuntimeError("dispatch failed")
            await super().dispatch(message)

    async with WebsocketHarness(Raising) as ws:
        (channel,) = layer.group_members("room")
        await layer.send(channel, {"type": "boom.now"})
        await Raising.broadcast_event(UserJoined(payload="after"), groups=["room"])
        assert (await ws.receive_json())["payload"]["message"] == "after joined"
    assert "could not deliver a layer message" in caplog.text
