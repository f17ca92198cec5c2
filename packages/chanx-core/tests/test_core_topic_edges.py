"""Topics at their edges: definition mistakes, failing hooks and layers, odd frames and events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from core_consumers import LayerConsumer, fresh_layer

from chanx.core import InMemoryChannelLayer, event_handler, topic_binding, ws_handler
from chanx.core.history import InMemoryHistoryStore
from chanx.core.testing import WebsocketHarness
from chanx.core.topic import TOPIC_EVENT, Topic
from chanx.messages.base import BaseMessage


class Ping(BaseMessage):
    action: Literal["ping"] = "ping"


class Pong(BaseMessage):
    action: Literal["pong"] = "pong"


class Slow(BaseMessage):
    action: Literal["slow"] = "slow"


class Odd(BaseMessage):
    action: Literal["odd"] = "odd"


class Tick(BaseMessage):
    action: Literal["tick"] = "tick"
    payload: int


class Quiet(BaseMessage):
    action: Literal["quiet"] = "quiet"


class Fail(BaseMessage):
    action: Literal["fail"] = "fail"


class EdgeTopic(Topic[Any]):
    pattern = "edge:{name}"
    send_completion = True
    log: ClassVar[list[str]] = []

    async def authorize(self, name: str) -> bool:
        if name == "explode":
            raise RuntimeError("authorize broke")
        return True

    async def on_subscribe(self) -> None:
        if self.params["name"] == "hook":
            raise RuntimeError("on_subscribe broke")
        if self.params["name"] == "bye":
            await self.send_json({"action": "bye", "payload": None}, close=True)

    async def on_unsubscribe(self) -> None:
        if self.params["name"] == "hook":
            raise RuntimeError("on_unsubscribe broke")

    @ws_handler
    async def ping(self, message: Ping) -> Pong:
        return Pong()

    @ws_handler
    async def slow(self, message: Slow) -> None:
        await asyncio.sleep(10)

    @ws_handler(output_type=Pong)
    async def odd(self, message: Odd) -> Any:
        return {"not": "a message"}

    @event_handler
    async def on_tick(self, event: Tick) -> Tick:
        return event

    @event_handler
    async def on_quiet(self, event: Quiet) -> None:
        self.log.append("quiet")

    @event_handler
    async def on_fail(self, event: Fail) -> None:
        raise RuntimeError("event handler broke")


class Silent(Topic[Any]):
    """No client handlers at all."""

    pattern = "silent:{x}"


HISTORY = InMemoryHistoryStore()


class Numbered(Topic[Tick]):
    pattern = "num:{x}"
    recovery = True
    history = HISTORY

    @event_handler
    async def on_tick(self, event: Tick) -> Tick:
        return event


class Edges(LayerConsumer):
    topics = [EdgeTopic, Silent, Numbered]
    handler_timeout = 0.05


class FailingLayer(InMemoryChannelLayer):
    fail_add = False
    fail_discard = False

    async def group_add(self, group: str, channel: str) -> None:
        if self.fail_add and group.startswith("EdgeTopic"):
            raise ConnectionError("layer down")
        await super().group_add(group, channel)

    async def group_discard(self, group: str, channel: str) -> None:
        if self.fail_discard and group.startswith("EdgeTopic"):
            raise ConnectionError("layer down")
        await super().group_discard(group, channel)


@pytest.fixture(autouse=True)
def layer() -> Iterator[InMemoryChannelLayer]:
    EdgeTopic.log.clear()
    HISTORY.forget()
    yield fresh_layer()
    LayerConsumer.layer = None


async def subscribe(ws: WebsocketHarness, topic: str) -> dict[str, Any]:
    await ws.send_json({"topic": topic, "action": "subscribe", "ref": 1})
    frame: dict[str, Any] = await ws.receive_json()
    return frame


# -- definitions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"pattern": ""}, r"Bad\.pattern must be a non-empty string"),
        ({"pattern": 5}, r"Bad\.pattern must be a non-empty string"),
        ({"recovery": True, "history_size": 0}, r"Bad\.history_size must be an int >= 1"),
        ({"recovery": True, "history_ttl": 0}, r"Bad\.history_ttl must be > 0 seconds"),
    ],
)
def test_definition_mistakes_fail_at_class_creation(attrs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        type("Bad", (Topic,), attrs)


def test_a_topic_without_pattern_matches_nothing() -> None:
    class Shared(Topic[Any]):
        pass

    assert Shared.parse("anything") is None
    assert EdgeTopic.parse("edge:a") == {"name": "a"}
    assert EdgeTopic.parse("edge:a:b") is None


def test_a_consumer_topic_must_be_a_topic_with_a_pattern() -> None:
    class Shared(Topic[Any]):
        pass

    with pytest.raises(TypeError, match=r"is not a Topic subclass with a pattern"):
        type("Bad", (LayerConsumer,), {"topics": [Shared]})
    with pytest.raises(TypeError, match=r"is not a Topic subclass with a pattern"):
        type("Bad", (LayerConsumer,), {"topics": [Ping]})


# -- the binding and the layer ---------------------------------------------------------------
def test_binding_is_the_chosen_one_a_hosts_or_the_only_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class A:
        pass

    class B:
        pass

    class Host(A):
        pass

    monkeypatch.setattr(topic_binding, "BINDINGS", [A, B])
    assert topic_binding.binding_for(EdgeTopic, B, [Host]) is B
    assert topic_binding.binding_for(EdgeTopic, None, [Host]) is A
    with pytest.raises(
        LookupError, match=r"cannot tell which framework .* set EdgeTopic\.consumer_base"
    ):
        topic_binding.binding_for(EdgeTopic, None, [])
    monkeypatch.setattr(topic_binding, "BINDINGS", [B])
    assert topic_binding.binding_for(EdgeTopic, None, []) is B
    monkeypatch.setattr(topic_binding, "BINDINGS", [])
    with pytest.raises(LookupError, match=r"bindings imported: none"):
        topic_binding.binding_for(EdgeTopic, None, [])


def test_layer_lookup_builds_one_subclass_per_other_alias() -> None:
    assert topic_binding.layer_lookup(LayerConsumer, LayerConsumer.channel_layer_alias) is (
        LayerConsumer
    )
    other = topic_binding.layer_lookup(LayerConsumer, "other")
    assert issubclass(other, LayerConsumer)
    assert other.channel_layer_alias == "other"
    assert topic_binding.layer_lookup(LayerConsumer, "other") is other


async def test_a_topic_finds_its_layer_through_a_host_or_its_consumer_base(
    layer: InMemoryChannelLayer,
) -> None:
    assert EdgeTopic.get_channel_layer() is layer  # Edges mounts it

    class Loose(Topic[Any]):
        pattern = "loose:{x}"
        consumer_base = LayerConsumer
        channel_layer_alias = "elsewhere"

    assert Loose.get_channel_layer() is layer  # LayerConsumer serves every alias


async def test_publishing_without_a_layer_says_what_to_configure() -> None:
    LayerConsumer.layer = None
    with pytest.raises(LookupError, match=r"EdgeTopic has no channel layer .* configure one"):
        await EdgeTopic.broadcast("edge:a", Tick(payload=1))


def test_broadcast_sync_refuses_a_running_loop_and_works_outside_one(
    layer: InMemoryChannelLayer,
) -> None:
    async def inside() -> None:
        EdgeTopic.broadcast_sync("edge:a", Tick(payload=1))

    with pytest.raises(RuntimeError, match=r"inside a running event loop"):
        asyncio.run(inside())
    EdgeTopic.broadcast_sync("edge:a", Tick(payload=1))  # nobody subscribed: nothing to see


# -- frames and hooks ------------------------------------------------------------------------
async def test_frames_that_are_not_topic_frames_go_to_the_consumer() -> None:
    async with WebsocketHarness(Edges) as ws:
        for text in (
            '{"topic": oops',  # says "topic" but is not JSON
            '["topic"]',  # not an object
            '{"topic": null, "action": "nothing"}',  # no topic, no default topic
        ):
            await ws.send_to(text_data=text)
            frame = await ws.receive_json()  # the consumer's own answer (it has no handlers)
            assert frame == {"action": "error", "payload": {"detail": "Failed to process message"}}


async def test_failing_authorize_is_a_refusal_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with WebsocketHarness(Edges) as ws:
        frame = await subscribe(ws, "edge:explode")
        assert frame["payload"]["reason"] == "unauthorized"
        assert "RuntimeError" not in str(frame)
    assert "EdgeTopic.authorize failed" in caplog.text


async def test_failing_subscribe_and_unsubscribe_hooks_keep_the_subscription_working(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with WebsocketHarness(Edges) as ws:
        assert (await subscribe(ws, "edge:hook"))["action"] == "subscribed"
        await ws.send_json({"topic": "edge:hook", "action": "ping", "ref": 2})
        assert (await ws.receive_json())["action"] == "pong"
        assert (await ws.receive_json())["action"] == "complete"  # send_completion
        await ws.send_json({"topic": "edge:hook", "action": "unsubscribe"})
        assert (await ws.receive_json())["action"] == "unsubscribed"
    assert "EdgeTopic.on_subscribe failed" in caplog.text
    assert "EdgeTopic.on_unsubscribe failed" in caplog.text


async def test_a_layer_that_cannot_join_fails_the_subscribe_only() -> None:
    layer = FailingLayer()
    LayerConsumer.layer = layer
    async with WebsocketHarness(Edges) as ws:
        layer.fail_add = True
        frame = await subscribe(ws, "edge:a")
        assert frame == {
            "action": "error",
            "payload": {"detail": "Failed to process message for subscribe"},
            "version": 1,
            "topic": "edge:a",
            "ref": 1,
        }
        layer.fail_add = False
        assert (await subscribe(ws, "edge:a"))["action"] == "subscribed"  # not half-subscribed
        layer.fail_discard = True
        await ws.send_json({"topic": "edge:a", "action": "unsubscribe"})
        assert (await ws.receive_json())["action"] == "unsubscribed"
        await ws.send_json({"topic": "edge:a", "action": "ping"})
        assert (await ws.receive_json())["payload"]["reason"] == "not_subscribed"


async def test_send_json_with_close_stamps_the_frame_and_closes() -> None:
    ws = WebsocketHarness(Edges)
    await ws.connect()
    await ws.send_json({"topic": "edge:bye", "action": "subscribe"})
    assert (await ws.receive_json())["action"] == "subscribed"
    assert await ws.receive_json() == {
        "action": "bye", "payload": None, "version": 1, "topic": "edge:bye",
    }  # fmt: skip
    assert (await ws.receive_output())["type"] == "websocket.close"


async def test_a_topic_without_handlers_answers_with_an_error() -> None:
    async with WebsocketHarness(Edges) as ws:
        await subscribe(ws, "silent:1")
        await ws.send_json({"topic": "silent:1", "action": "anything", "ref": 3})
        frame = await ws.receive_json()
        assert (frame["payload"], frame["ref"]) == ({"detail": "Failed to process message"}, 3)


async def test_slow_and_wrong_handlers_get_failure_frames(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with WebsocketHarness(Edges) as ws:
        await subscribe(ws, "edge:a")
        for action in ("slow", "odd"):  # over handler_timeout; returns a dict
            await ws.send_json({"topic": "edge:a", "action": action, "ref": action})
            frame = await ws.receive_json()
            assert frame["payload"] == {"detail": f"Failed to process message for {action}"}
            assert frame["ref"] == action
            assert (await ws.receive_json())["action"] == "complete"
    assert "returned dict; a handler returns a message or None" in caplog.text


# -- publishes -------------------------------------------------------------------------------
async def test_events_without_handler_invalid_or_failing_are_logged_not_sent(
    layer: InMemoryChannelLayer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "chanx.topic")
    async with WebsocketHarness(Edges) as ws:
        await subscribe(ws, "edge:a")
        group = EdgeTopic.group_name("edge:a")
        for data in ({"action": "unknown"}, {"action": "tick", "payload": "x"}, "not a dict"):
            await layer.group_send(
                group, {"type": TOPIC_EVENT, "topic": "edge:a", "seq": None, "event_data": data}
            )
        await EdgeTopic.broadcast("edge:a", Fail())
        await EdgeTopic.broadcast("edge:a", Quiet())
        await EdgeTopic.broadcast("edge:a", Tick(payload=4), seq=9)
        frames = [await ws.receive_json() for _ in range(4)]
        # a completion for each event that reached its handler (failing or silent ones too)
        assert [(f["action"], f.get("seq")) for f in frames] == [
            ("event_complete", None),
            ("event_complete", None),
            ("tick", 9),
            ("event_complete", 9),
        ]
        assert await ws.receive_nothing()  # nothing for the unknown and invalid events
        assert EdgeTopic.log == ["quiet"]
    assert "ignores event 'unknown'" in caplog.text
    assert "invalid 'tick' event" in caplog.text
    assert "topic event handler EdgeTopic.on_fail failed" in caplog.text


async def test_a_publish_for_a_topic_the_connection_left_is_dropped(
    layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketHarness(Edges) as ws:
        await subscribe(ws, "num:a")
        channel = layer.group_members(Numbered.group_name("num:a"))[0]
        await layer.group_add(EdgeTopic.group_name("edge:z"), channel)  # in the group only
        await EdgeTopic.broadcast("edge:z", Tick(payload=1))
        await Numbered.broadcast("num:a", Tick(payload=2))
        frame = await ws.receive_json()
        assert (frame["topic"], frame["payload"]) == ("num:a", 2)


# -- recovery edges --------------------------------------------------------------------------
async def test_a_repeat_subscribe_reports_the_stream_position() -> None:
    async with WebsocketHarness(Edges) as ws:
        first = await subscribe(ws, "num:a")
        await Numbered.broadcast("num:a", Tick(payload=1))
        await ws.receive_json()
        again = await subscribe(ws, "num:a")
        assert again["payload"] == {"recovered": True, "epoch": first["payload"]["epoch"], "seq": 1}


async def test_an_unreadable_history_still_subscribes_and_streams(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("history down")

    monkeypatch.setattr(HISTORY, "read", broken)
    async with WebsocketHarness(Edges) as ws:
        reply = await subscribe(ws, "num:b")
        assert reply["payload"] == {"recovered": False, "epoch": "", "seq": 0}
        await Numbered.broadcast("num:b", Tick(payload=1))
        await Numbered.broadcast("num:b", Tick(payload=2))
        assert [(await ws.receive_json())["seq"] for _ in range(2)] == [1, 2]
    assert "could not read the history of 'num:b'" in caplog.text


async def test_duplicates_and_unnumbered_publishes_of_a_numbered_topic(
    layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketHarness(Edges) as ws:
        epoch = (await subscribe(ws, "num:c"))["payload"]["epoch"]
        group = Numbered.group_name("num:c")
        await Numbered.broadcast("num:c", Tick(payload=1))
        message = {"type": TOPIC_EVENT, "topic": "num:c", "epoch": epoch}
        await layer.group_send(
            group, {**message, "seq": 1, "event_data": {"action": "tick", "payload": 1}}
        )
        await layer.group_send(
            group, {**message, "seq": None, "event_data": {"action": "tick", "payload": 0}}
        )
        frames = [await ws.receive_json() for _ in range(2)]
        assert [(f["payload"], f.get("seq")) for f in frames] == [(1, 1), (0, None)]
        assert await ws.receive_nothing()


async def test_a_gap_the_history_cannot_fill_is_reported(
    layer: InMemoryChannelLayer,
) -> None:
    async with WebsocketHarness(Edges) as ws:
        epoch = (await subscribe(ws, "num:d"))["payload"]["epoch"]
        message = {"type": TOPIC_EVENT, "topic": "num:d", "epoch": epoch}
        data = {"action": "tick", "payload": 5}
        # seq 5 arrives but the history never had 1-4: they are lost, and the client is told
        await layer.group_send(
            Numbered.group_name("num:d"), {**message, "seq": 5, "event_data": data}
        )
        notice = await ws.receive_json()
        assert (notice["action"], notice["payload"]["recovered"]) == ("subscribed", False)
        assert notice["payload"]["seq"] == 4
        frame = await ws.receive_json()
        assert (frame["seq"], frame["payload"]) == (5, 5)
