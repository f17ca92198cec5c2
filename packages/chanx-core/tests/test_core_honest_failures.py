"""Mistakes in handlers and in class definitions: loud, early, and never a dropped connection."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Literal

import pytest
from core_consumers import ChatConsumer, LayerConsumer, fresh_layer
from core_models import ChatNotification, ChatPayload, LogMessage, UserJoined
from pydantic import BaseModel

from chanx.core import ChanxConsumer, ConsumerMixin, InMemoryChannelLayer, event_handler, ws_handler
from chanx.core.testing import RecordingLayer, WebsocketHarness
from chanx.messages import BaseMessage, PingMessage, PongMessage


@pytest.fixture(autouse=True)
def layer() -> Iterator[InMemoryChannelLayer]:
    yield fresh_layer()
    LayerConsumer.layer = None


class Shout(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: str = ""


class Recorded(LayerConsumer):
    """Keeps its live instances, so a test can reach the consumer behind a harness."""

    instances: ClassVar[list[Recorded]] = []

    async def post_authentication(self) -> None:
        self.instances.append(self)

    @classmethod
    def last(cls) -> Recorded:
        return cls.instances[-1]


class Misbehaving(Recorded):
    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(output_type=PongMessage)
    async def handle_shout(self, message: Shout) -> Any:
        return {"action": "pong"} if message.payload == "dict" else "pong"

    @event_handler
    async def user_joined(self, event: UserJoined) -> Any:
        return "not a message"


class OnlyOne(LayerConsumer):
    send_completion = True

    @ws_handler
    async def handle_shout(self, message: Shout) -> None:
        return None


async def test_a_handler_returning_a_non_message_gets_an_error_and_keeps_the_connection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with WebsocketHarness(Misbehaving) as ws:
        for payload in ("dict", "str"):
            await ws.send_json({"action": "shout", "payload": payload, "ref": payload})
            frame = await ws.receive_json()
            assert frame["action"] == "error"
            assert frame["ref"] == payload
            assert frame["payload"]["detail"].startswith("Failed to process message for ")
        await ws.send_json({"action": "ping"})
        assert await ws.receive_json() == {"action": "pong", "payload": None}
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("Misbehaving.handle_shout returned dict" in m and "PongMessage" in m for m in logged)
    assert any("returned str" in m for m in logged)


async def test_an_event_handler_returning_a_non_message_is_logged_and_the_connection_lives(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with WebsocketHarness(Misbehaving) as ws:
        await Misbehaving.send_event(UserJoined(payload="bob"), Recorded.last().channel_name)
        await ws.send_json({"action": "ping"})
        assert await ws.receive_json() == {"action": "pong", "payload": None}
    assert any("user_joined returned str" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"payload": "no action"}, "union_tag_not_found"),
        ({"action": "unknown", "payload": "x"}, "union_tag_invalid"),
    ],
)
async def test_one_handler_still_requires_the_discriminator(frame: Any, code: str) -> None:
    """The same error codes as a consumer with many handlers, then the completion frame."""
    for consumer in (OnlyOne, ChatConsumer):
        async with WebsocketHarness(consumer) as ws:
            await ws.send_json(frame)
            error = await ws.receive_json()
            assert error["action"] == "error"
            assert [e["type"] for e in error["payload"]] == [code]
            assert "unknown" not in str(error)  # the client's value is never echoed
            if consumer is OnlyOne:
                assert await ws.receive_json() == {"action": "complete", "payload": None}


async def test_completion_follows_validation_errors_and_handler_failures() -> None:
    class Completing(ChatConsumer):
        send_completion = True

    async with WebsocketHarness(Completing) as ws:
        await ws.send_json({"action": "log", "payload": 5, "ref": "v"})
        assert (await ws.receive_json())["action"] == "error"
        assert await ws.receive_json() == {
            "version": 1,
            "ref": "v",
            "action": "complete",
            "payload": None,
        }
        await ws.send_json({"action": "boom", "ref": "b"})
        assert (await ws.receive_json())["payload"]["detail"].startswith(
            "Failed to process message for "
        )
        assert await ws.receive_json() == {
            "version": 1,
            "ref": "b",
            "action": "complete",
            "payload": None,
        }


async def test_one_string_is_one_group(layer: InMemoryChannelLayer) -> None:
    recording = RecordingLayer(layer)
    LayerConsumer.layer = recording

    class Room(Recorded, ChatConsumer):
        pass

    async with WebsocketHarness(Room) as ws:
        await Recorded.last().broadcast_message(
            ChatNotification(payload=ChatPayload(message="hi")), groups="room"
        )
        await Room.broadcast_event(UserJoined(payload="x"), "room")
        assert (await ws.receive_json())["action"] == "chat_notification"
        assert (await ws.receive_json())["action"] == "chat_notification"
    assert [g for g, _ in recording.group_sent] == ["room", "room"]


async def test_groups_set_before_init_are_kept(layer: InMemoryChannelLayer) -> None:
    class PerInstance(Recorded):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.groups = ["mine"]
            super().__init__(*args, **kwargs)

    async with WebsocketHarness(PerInstance):
        assert Recorded.last().groups == ["mine"]
        assert layer.group_members("mine") == [Recorded.last().channel_name]
        assert layer.group_members("room") == []


async def test_broadcast_without_groups_is_warned_once(caplog: pytest.LogCaptureFixture) -> None:
    class Lonely(LayerConsumer):
        @ws_handler
        async def handle_shout(self, message: Shout) -> None:
            await self.broadcast_message(message)

    async with WebsocketHarness(Lonely) as ws:
        for _ in range(3):
            await ws.send_json({"action": "shout"})
        assert await ws.receive_nothing()
    warned = [r for r in caplog.records if "has no group to send to" in r.getMessage()]
    assert len(warned) == 1
    assert "Lonely.broadcast_message()" in warned[0].getMessage()


async def test_sync_twins_inside_a_running_loop_name_the_method_to_await(
    caplog: pytest.LogCaptureFixture,
) -> None:
    for _ in range(2):
        with pytest.raises(RuntimeError, match=r"await ChatConsumer\.broadcast_event\(\.\.\.\)"):
            ChatConsumer.broadcast_event_sync(UserJoined(payload="x"), "room")
        with pytest.raises(RuntimeError, match=r"await ChatConsumer\.send_event\(\.\.\.\)"):
            ChatConsumer.send_event_sync(UserJoined(payload="x"), "nobody")
    warned = [r for r in caplog.records if "_sync() was called inside" in r.getMessage()]
    assert len(warned) == 2  # once per method


def test_sync_twins_still_work_from_a_thread(layer: InMemoryChannelLayer) -> None:
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            ChatConsumer.broadcast_event_sync(UserJoined(payload="x"), "room")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=publish)
    thread.start()
    thread.join()
    assert errors == []


async def test_a_consumer_class_routed_without_as_asgi_names_the_fix() -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        return None

    with pytest.raises(TypeError, match=r"route ChatConsumer\.as_asgi\(\), not the class"):
        ChatConsumer({"type": "websocket", "path": "/"}, receive, send)


async def test_join_group_after_the_connection_ended_is_undone() -> None:
    gate = asyncio.Event()
    started = asyncio.Event()

    class SlowAdd(InMemoryChannelLayer):
        async def group_add(self, group: str, channel: str) -> None:
            if group == "late":
                started.set()
                await gate.wait()
            await super().group_add(group, channel)

    slow = SlowAdd()
    LayerConsumer.layer = slow

    spawned: list[asyncio.Task[None]] = []

    class Joiner(Recorded):
        @ws_handler
        async def handle_shout(self, message: Shout) -> None:
            # work the consumer does not track (a task of the user's) joins a group late
            spawned.append(asyncio.create_task(self.join_group("late")))

    async with WebsocketHarness(Joiner) as ws:
        await ws.send_json({"action": "shout"})
        await started.wait()
    consumer = Recorded.last()
    gate.set()
    await asyncio.gather(*spawned)
    assert slow.group_members("late") == []
    assert "late" not in consumer.groups


async def test_join_and_leave_group_at_run_time(layer: InMemoryChannelLayer) -> None:
    class Joiner(Recorded):
        @ws_handler
        async def handle_shout(self, message: Shout) -> None:
            await self.join_group(message.payload)

        @ws_handler
        async def handle_log(self, message: LogMessage) -> None:
            await self.leave_group(message.payload)

        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

    async with WebsocketHarness(Joiner) as ws:
        await ws.send_json({"action": "shout", "payload": "extra"})
        await ws.send_json({"action": "shout", "payload": "extra"})  # no duplicate
        await ws.send_json({"action": "ping"})
        await ws.receive_json()
        assert Recorded.last().groups == ["extra"]
        await Recorded.last().broadcast_message(PongMessage(), groups="extra")
        assert await ws.receive_json() == {"action": "pong", "payload": None}
        await ws.send_json({"action": "log", "payload": "extra"})
        await ws.send_json({"action": "log", "payload": "never-joined"})  # harmless
        await ws.send_json({"action": "ping"})
        await ws.receive_json()
        assert Recorded.last().groups == []
        assert layer.group_members("extra") == []


# -- class creation ----------------------------------------------------------------------------
def test_a_sync_handler_is_refused() -> None:
    with pytest.raises(TypeError, match=r"must be defined with `async def`"):

        class Sync(ChanxConsumer):
            @ws_handler  # type: ignore[type-var]  # mypy sees the mistake too
            def handle_shout(self, message: Shout) -> None:
                return None


def test_a_handler_with_extra_required_parameters_is_refused() -> None:
    with pytest.raises(TypeError, match=r"takes required parameters \['room'\] besides"):

        class Extra(ChanxConsumer):
            @ws_handler
            async def handle_shout(self, message: Shout, room: str) -> None:
                return None


def test_optional_extra_parameters_are_fine() -> None:
    class Optional(ChanxConsumer):
        @ws_handler
        async def handle_shout(self, message: Shout, room: str = "x") -> None:
            return None

    assert Optional.get_registry().actions == ("shout",)


def test_a_mixin_after_the_consumer_base_is_refused() -> None:
    class Greeter(ConsumerMixin):
        async def post_authentication(self) -> None:
            return None

    with pytest.raises(TypeError, match=r"list .*Greeter before the consumer base class"):

        class Late(ChanxConsumer, Greeter):
            pass

    class Early(Greeter, ChanxConsumer):
        pass

    class HandlerHolder:
        @ws_handler
        async def handle_shout(self, message: Shout) -> None:
            return None

    with pytest.raises(TypeError, match=r"HandlerHolder comes after ChanxConsumer"):

        class AlsoLate(ChanxConsumer, HandlerHolder):
            pass


@pytest.mark.parametrize("hook", ["receive_json", "decode_json"])
def test_framework_hooks_that_never_run_are_refused(hook: str) -> None:
    async def override(self: Any, *args: Any) -> None:
        return None

    with pytest.raises(TypeError, match=rf"{hook}\(\) would never be called"):
        type("Overrides", (ChanxConsumer,), {hook: override})


def test_a_method_that_looks_like_a_handler_is_warned() -> None:
    with pytest.warns(UserWarning, match=r"handle_shout\(\) takes a Shout but has no @ws_handler"):

        class Forgot(ChanxConsumer):
            async def handle_shout(self, message: Shout) -> None:
                return None


# -- composition: extra_groups and emits ------------------------------------------------------
class Greeting(BaseMessage):
    action: Literal["greeting"] = "greeting"
    payload: str = ""


class AuditMixin(ConsumerMixin):
    extra_groups = ["audit"]
    emits: Sequence[type[BaseModel]] = [Greeting]


class MetricsMixin(ConsumerMixin):
    extra_groups = ["metrics", "audit"]


async def test_extra_groups_of_every_class_are_joined(layer: InMemoryChannelLayer) -> None:
    class Room(MetricsMixin, AuditMixin, Recorded):
        groups = ["lobby"]

        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

    async with WebsocketHarness(Room) as ws:
        assert Recorded.last().groups == ["lobby", "metrics", "audit"]
        channel = Recorded.last().channel_name
        assert all(layer.group_members(g) == [channel] for g in ("lobby", "metrics", "audit"))
        # events reach the mixins' groups by default: a mixin's events are never lost
        await Room.broadcast_event(UserJoined(payload="x"))
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
    assert Room.get_registry().emits == (Greeting,)


def test_emits_must_be_messages() -> None:
    with pytest.raises(TypeError, match=r"emits item .*int.* must be a BaseMessage subclass"):

        class Wrong(ChanxConsumer):
            emits = [int]  # type: ignore[list-item]


def test_outgoing_validates_every_frame_the_consumer_may_send() -> None:
    class Room(AuditMixin, ChanxConsumer):
        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

    outgoing = Room.get_registry().outgoing
    for frame in (
        '{"action": "pong"}',
        '{"action": "greeting", "payload": "hi"}',
        '{"action": "group_complete"}',
        '{"action": "error", "payload": {"detail": "x"}}',
    ):
        assert outgoing.validate_json(frame).action == frame.split('"')[3]
